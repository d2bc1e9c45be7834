//! Regression tests from the security review of projects, the circuit editor, versions and
//! simulations: hostile input answered with a message (never a 500), tenant and project
//! scoping of every id, refusals that change nothing, and the last-owner rule under
//! concurrency.

use crate::circuit::{add_member, draft_json, hx, open_editor, setup, signed_in, version_count};
use crate::common::*;
use crate::on_both_databases;
use ampflux::db::schema::{project_members, simulations};
use diesel::prelude::*;
use serde_json::json;

/// A circuit file whose bus name holds a NUL character (`\u0000` in the JSON text).
fn circuit_with_nul() -> String {
    let mut c = example_circuit();
    c["buses"][0]["name"] = json!("Main\u{0}bus");
    c.to_string()
}

async fn nul_characters_are_refused_not_stored(app: TestApp) {
    let s = setup(&app, "Nul").await;
    let (c, pid) = (&s.client, s.pid);
    open_editor(c, pid).await;
    let before = draft_json(&app, pid, s.user_id);

    // Pasted into the import's text area.
    let res = c
        .post(
            &format!("/projects/{pid}/editor/import"),
            &[("content", &circuit_with_nul())],
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("NUL");
    // Uploaded as a file.
    let (status, _, body) =
        crate::circuit::upload(&app, c, pid, "nul.json", circuit_with_nul().as_bytes()).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(draft_json(&app, pid, s.user_id), before);

    // The first circuit of a new project.
    c.get("/projects/new").await;
    let res = c
        .post_multipart(
            "/projects",
            &[("name", "Nul project"), ("start", "upload")],
            Some(("nul.json", &circuit_with_nul())),
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("NUL");

    // An element id with NUL in the path: a viewer's denial is still recorded, as a 403.
    let (viewer, viewer_id) = signed_in(&app, s.company_id, "nul-viewer", "engineer").await;
    add_member(&app, pid, viewer_id, "viewer");
    viewer.get(&format!("/projects/{pid}")).await;
    let res = viewer
        .post(
            &format!("/projects/{pid}/editor/buses/rows/a%00b/delete"),
            &[],
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
    let denied = audit_entries(&app, s.company_id, "circuit.draft.delete");
    assert_eq!(denied[0].log.outcome, "failure");
    assert_eq!(denied[0].log.details.0["details"]["element"], "a\u{FFFD}b");
    // An editor's request for such a row is a 404 / 422, not an error.
    let res = c
        .post(
            &format!("/projects/{pid}/editor/buses/rows/a%00b/delete"),
            &[],
        )
        .await;
    assert!(matches!(res.status, 303 | 404 | 422), "{}", res.body);

    // Searches with NUL find nothing rather than fail.
    for path in [
        "/projects?q=a%00b".to_string(),
        format!("/projects/{pid}/editor?bus=a%00b&q=%00"),
        format!("/projects/{pid}/diff?from=%00&to=1"),
    ] {
        let res = c.get(&path).await;
        assert!(matches!(res.status, 200 | 422), "{path}: {}", res.status);
    }
}
on_both_databases!(nul_characters_are_refused_not_stored);

async fn page_numbers_out_of_range_are_not_errors(app: TestApp) {
    let s = setup(&app, "Pages").await;
    let (c, pid) = (&s.client, s.pid);
    for page in [
        "-1",
        "0",
        "9223372036854775807",
        "-9223372036854775808",
        "99999999999",
    ] {
        let res = c
            .get(&format!("/projects/{pid}/simulations?page={page}"))
            .await;
        assert_eq!(res.status, 200, "simulations page={page}: {}", res.body);
        let res = c
            .get_htmx(&format!("/projects/{pid}/simulations?page={page}"))
            .await;
        assert_eq!(res.status, 200, "simulations fragment page={page}");
        let res = c
            .get(&format!("/projects?page={page}&sort=nope&dir=up"))
            .await;
        assert_eq!(res.status, 200, "projects page={page}");
    }
}
on_both_databases!(page_numbers_out_of_range_are_not_errors);

/// Another company's user id cannot be told apart from one that does not exist.
async fn adding_a_member_does_not_reveal_other_tenants_users(app: TestApp) {
    let s = setup(&app, "Members").await;
    let (_, other) = signed_up(&app, "Outsider").await;
    let outsider = user_by_login(&app, &other.email);
    let c = &s.client;
    c.get(&format!("/projects/{}/members", s.pid)).await;
    let foreign = c
        .post(
            &format!("/projects/{}/members", s.pid),
            &[("user_id", &outsider.id.to_string()), ("role", "viewer")],
        )
        .await;
    let missing = c
        .post(
            &format!("/projects/{}/members", s.pid),
            &[("user_id", "987654321"), ("role", "viewer")],
        )
        .await;
    assert_eq!(foreign.status, 422);
    assert_eq!(missing.status, 422);
    let message = |body: &str| {
        let start = body.find("role=\"alert\"").unwrap_or(0);
        body[start..].chars().take(200).collect::<String>()
    };
    assert_eq!(message(&foreign.body), message(&missing.body));
    let members: i64 = app.with_conn(|conn| {
        project_members::table
            .filter(project_members::project_id.eq(s.pid))
            .count()
            .get_result(conn)
            .unwrap()
    });
    assert_eq!(members, 1);
}
on_both_databases!(adding_a_member_does_not_reveal_other_tenants_users);

/// Two owners demoting each other at the same moment: one of them stays owner.
async fn two_owners_cannot_both_step_down_at_once(app: TestApp) {
    let s = setup(&app, "Owners").await;
    let (other, other_id) = signed_in(&app, s.company_id, "second-owner", "engineer").await;
    for round in 0..8 {
        let pid = project_with_circuit(
            &app,
            s.user_id,
            &format!("Race {round}"),
            &example_circuit(),
        );
        add_member(&app, pid, other_id, "owner");
        s.client.get(&format!("/projects/{pid}/members")).await;
        other.get(&format!("/projects/{pid}/members")).await;
        let (a, b) = futures_util::future::join(
            s.client.post(
                &format!("/projects/{pid}/members/{other_id}"),
                &[("role", "viewer")],
            ),
            other.post(
                &format!("/projects/{pid}/members/{}", s.user_id),
                &[("role", "viewer")],
            ),
        )
        .await;
        assert!(
            a.status < 500 && b.status < 500,
            "{} {}",
            a.status,
            b.status
        );
        let owners: i64 = app.with_conn(|conn| {
            project_members::table
                .filter(project_members::project_id.eq(pid))
                .filter(project_members::role.eq("owner"))
                .count()
                .get_result(conn)
                .unwrap()
        });
        assert!(
            owners >= 1,
            "round {round}: the project lost its last owner"
        );
    }
}
on_both_databases!(two_owners_cannot_both_step_down_at_once);

/// A project created empty has a version with no bus: a run of it fails with the validator's
/// words, and every page of the failed simulation answers.
async fn an_empty_circuit_fails_readably(app: TestApp) {
    let (c, _) = signed_up(&app, "Empty").await;
    let pid = crate::projects::create_project(&c, "Empty study", &[("start", "empty")]).await;
    c.get(&format!("/projects/{pid}/simulations")).await;
    let fields = run_fields();
    let res = c
        .post(&format!("/projects/{pid}/simulations"), &fields)
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let sim = res.location().to_string();
    // Pages of a pending simulation.
    for path in [
        sim.clone(),
        format!("{sim}/export.json"),
        format!("{sim}/status"),
    ] {
        let res = c.get(&path).await;
        assert_eq!(res.status, 200, "{path}");
    }
    for path in [format!("{sim}/export.csv"), format!("{sim}/compare?with=1")] {
        let res = c.get(&path).await;
        assert!(matches!(res.status, 404 | 409), "{path}: {}", res.status);
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let res = c.get_htmx(&format!("{sim}/status")).await;
        assert_eq!(res.status, 200);
        if !res.body.contains("hx-trigger") {
            res.assert_contains("no bus");
            break;
        }
        assert!(std::time::Instant::now() < deadline, "still running");
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for path in [sim.clone(), format!("{sim}/export.json")] {
        assert_eq!(c.get(&path).await.status, 200, "{path}");
    }
    assert_eq!(c.get_htmx(&format!("{sim}/buses")).await.status, 409);
    assert_eq!(c.get(&format!("{sim}/export.csv")).await.status, 409);
    let failed: i64 = app.with_conn(|conn| {
        simulations::table
            .filter(simulations::status.eq("failed"))
            .count()
            .get_result(conn)
            .unwrap()
    });
    assert_eq!(failed, 1);
    let _ = (version_count, hx);
}
on_both_databases!(an_empty_circuit_fails_readably);

// ------------------------------------------------------------------ scoping and permissions

/// The run form's fields for a 3ph max run of version 1 (the form's defaults).
fn run_fields() -> Vec<(&'static str, &'static str)> {
    crate::simulations::fields(&[])
}

/// Runs a simulation of version 1 through the form and waits until it is finished.
async fn completed_simulation(client: &Client, pid: i64) -> i64 {
    client.get(&format!("/projects/{pid}/simulations")).await;
    let res = client
        .post(&format!("/projects/{pid}/simulations"), &run_fields())
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let id: i64 = res
        .location()
        .trim_start_matches("/simulations/")
        .parse()
        .expect("simulation id");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while client
        .get_htmx(&format!("/simulations/{id}/status"))
        .await
        .body
        .contains("hx-trigger")
    {
        assert!(
            std::time::Instant::now() < deadline,
            "simulation {id} hangs"
        );
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    id
}

/// Every readable page and fragment of a project, for a bus and a version that exist there.
fn project_reads(pid: i64, n: i32) -> Vec<String> {
    [
        "",
        "/settings",
        "/members",
        "/editor",
        "/editor/export.json",
        "/editor/diagram/buses?q=M",
        "/editor/buses/rows/MV",
        "/editor/buses/rows/MV/edit",
        "/versions",
        "/diff?from=1&to=1",
        "/simulations",
        "/simulations/new",
    ]
    .iter()
    .map(|p| format!("/projects/{pid}{p}"))
    .chain([
        format!("/projects/{pid}/versions/{n}"),
        format!("/projects/{pid}/versions/{n}/export.json"),
        format!("/projects/{pid}/versions/{n}/diagram/buses?q=M"),
    ])
    .collect()
}

/// Every change to a project, as a plain form post.
fn project_changes(
    pid: i64,
    n: i32,
    member: i64,
) -> Vec<(String, Vec<(&'static str, &'static str)>)> {
    vec![
        (
            format!("/projects/{pid}/settings"),
            vec![
                ("name", "Taken over"),
                ("description", ""),
                ("status", "active"),
            ],
        ),
        (format!("/projects/{pid}/archive"), vec![]),
        (
            format!("/projects/{pid}/members"),
            vec![("user_id", "1"), ("role", "owner")],
        ),
        (
            format!("/projects/{pid}/members/{member}"),
            vec![("role", "viewer")],
        ),
        (format!("/projects/{pid}/members/{member}/remove"), vec![]),
        (
            format!("/projects/{pid}/editor/settings"),
            vec![("name", "x"), ("frequency_hz", "60")],
        ),
        (
            format!("/projects/{pid}/editor/save"),
            vec![("message", "x")],
        ),
        (format!("/projects/{pid}/editor/discard"), vec![]),
        (
            format!("/projects/{pid}/editor/import"),
            vec![("content", "{\"format\":\"ampflux-circuit\",\"version\":1}")],
        ),
        (
            format!("/projects/{pid}/editor/buses/rows"),
            vec![("id", "X"), ("vn_kv", "1")],
        ),
        (
            format!("/projects/{pid}/editor/buses/rows/MV"),
            vec![("id", "MV"), ("vn_kv", "21")],
        ),
        (
            format!("/projects/{pid}/editor/buses/rows/MV/delete"),
            vec![],
        ),
        (format!("/projects/{pid}/versions/{n}/restore"), vec![]),
        (format!("/projects/{pid}/simulations"), run_fields()),
    ]
}

/// What a refused change must leave as it was.
fn fingerprint(app: &TestApp, pid: i64) -> String {
    use ampflux::db::schema::{circuit_drafts, circuit_versions, projects};
    app.with_conn(|conn| {
        let project: (String, String) = projects::table
            .find(pid)
            .select((projects::name, projects::status))
            .first(conn)
            .unwrap();
        let members: Vec<(i64, String)> = project_members::table
            .filter(project_members::project_id.eq(pid))
            .order(project_members::user_id)
            .select((project_members::user_id, project_members::role))
            .load(conn)
            .unwrap();
        let versions: i64 = circuit_versions::table
            .filter(circuit_versions::project_id.eq(pid))
            .count()
            .get_result(conn)
            .unwrap();
        let drafts: Vec<(i64, ampflux::db::json::JsonValue)> = circuit_drafts::table
            .filter(circuit_drafts::project_id.eq(pid))
            .order(circuit_drafts::user_id)
            .select((circuit_drafts::user_id, circuit_drafts::data_json))
            .load(conn)
            .unwrap();
        let sims: i64 = simulations::table
            .filter(simulations::project_id.eq(pid))
            .count()
            .get_result(conn)
            .unwrap();
        format!("{project:?} {members:?} {versions} {drafts:?} {sims}")
    })
}

async fn other_tenants_and_other_projects_ids_are_not_found(app: TestApp) {
    // Company B: a project with three versions and a completed simulation.
    let b = setup(&app, "Victim").await;
    let (pb, sb) = (b.pid, completed_simulation(&b.client, b.pid).await);
    for _ in 0..2 {
        open_editor(&b.client, pb).await;
        b.client
            .post(&format!("/projects/{pb}/editor/discard"), &[])
            .await;
        let mut c = example_circuit();
        c["name"] = json!(format!("v{}", version_count(&app, pb) + 1));
        app.with_conn(|conn| {
            ampflux::models::circuit_version::save_next(conn, pb, &c, "next", b.user_id).unwrap()
        });
    }
    assert_eq!(version_count(&app, pb), 3);
    // Company A: a project with one version and its own completed simulation.
    let a = setup(&app, "Attacker").await;
    let (pa, sa) = (a.pid, completed_simulation(&a.client, a.pid).await);
    // Another project of A that its engineer may not read, with a simulation.
    let hidden = project_with_circuit(&app, a.user_id, "Hidden", &example_circuit());
    let s_hidden = completed_simulation(&a.client, hidden).await;
    let (eng, eng_id) = signed_in(&app, a.company_id, "eve-engineer", "engineer").await;
    add_member(&app, pa, eng_id, "owner");
    let before_b = fingerprint(&app, pb);
    let before_hidden = fingerprint(&app, hidden);

    for client in [&a.client, &eng] {
        client.get(&format!("/projects/{pa}")).await;
        let mut reads = project_reads(pb, 1);
        reads.extend([
            format!("/simulations/{sb}"),
            format!("/simulations/{sb}/status"),
            format!("/simulations/{sb}/buses?sort=ikss"),
            format!("/simulations/{sb}/compare?with={sa}"),
            format!("/simulations/{sb}/export.csv"),
            format!("/simulations/{sb}/export.json"),
            // Mixed: own simulation compared with another tenant's.
            format!("/simulations/{sa}/compare?with={sb}"),
            // Mixed: a version number that exists only in the other project.
            format!("/projects/{pa}/versions/3"),
            format!("/projects/{pa}/versions/3/export.json"),
            format!("/projects/{pa}/versions/3/diagram/buses"),
        ]);
        for path in &reads {
            let res = client.get(path).await;
            assert_eq!(res.status, 404, "GET {path}: {}", res.status);
            let res = client.get_htmx(path).await;
            assert_eq!(res.status, 404, "htmx GET {path}: {}", res.status);
        }
        for (path, fields) in project_changes(pb, 1, b.user_id)
            .into_iter()
            .chain([(format!("/projects/{pa}/versions/3/restore"), vec![])])
        {
            let res = client.post(&path, &fields).await;
            assert_eq!(res.status, 404, "POST {path}: {}", res.status);
            let res = hx(client, &path, &fields).await;
            assert_eq!(res.status, 404, "htmx POST {path}: {}", res.status);
        }
    }
    // The engineer of A is no member of A's hidden project: 404 there too, and its simulation
    // cannot be reached by comparing with it either.
    for path in project_reads(hidden, 1).into_iter().chain([
        format!("/simulations/{s_hidden}"),
        format!("/simulations/{sa}/compare?with={s_hidden}"),
    ]) {
        assert_eq!(eng.get(&path).await.status, 404, "GET {path}");
    }
    for (path, fields) in project_changes(hidden, 1, a.user_id) {
        assert_eq!(eng.post(&path, &fields).await.status, 404, "POST {path}");
    }
    // Two readable simulations of different projects do not compare.
    assert_eq!(
        a.client
            .get(&format!("/simulations/{sa}/compare?with={s_hidden}"))
            .await
            .status,
        404
    );
    assert_eq!(fingerprint(&app, pb), before_b);
    assert_eq!(fingerprint(&app, hidden), before_hidden);
    assert_eq!(version_count(&app, pa), 1);
}
on_both_databases!(other_tenants_and_other_projects_ids_are_not_found);

async fn readers_change_nothing_and_each_refusal_is_audited(app: TestApp) {
    let s = setup(&app, "Readers").await;
    let pid = s.pid;
    completed_simulation(&s.client, pid).await;
    let (reviewer, _) = signed_in(&app, s.company_id, "rev-reader", "reviewer").await;
    let (viewer, viewer_id) = signed_in(&app, s.company_id, "vio-viewer", "engineer").await;
    add_member(&app, pid, viewer_id, "viewer");
    let (editor, editor_id) = signed_in(&app, s.company_id, "edi-editor", "engineer").await;
    add_member(&app, pid, editor_id, "editor");
    let before = fingerprint(&app, pid);
    let count_failures = || {
        app.with_conn(|conn| {
            use ampflux::db::schema::audit_logs;
            audit_logs::table
                .filter(audit_logs::company_id.eq(s.company_id))
                .filter(audit_logs::outcome.eq("failure"))
                .count()
                .get_result::<i64>(conn)
                .unwrap()
        })
    };
    for (who, client) in [("reviewer", &reviewer), ("viewer", &viewer)] {
        for path in project_reads(pid, 1) {
            let status = client.get(&path).await.status;
            // Reading is allowed; the editor's own forms and draft are not theirs, and the
            // settings are the owners'.
            assert!(
                matches!(status, 200 | 303 | 403),
                "{who} GET {path}: {status}"
            );
        }
        client.get(&format!("/projects/{pid}")).await;
        for (path, fields) in project_changes(pid, 1, s.user_id) {
            let failures = count_failures();
            let res = client.post(&path, &fields).await;
            assert_eq!(res.status, 403, "{who} POST {path}: {}", res.body);
            let res = hx(client, &path, &fields).await;
            assert_eq!(res.status, 403, "{who} htmx POST {path}: {}", res.body);
            assert_eq!(count_failures(), failures + 2, "{who} POST {path} audited");
        }
        // Creating a project needs projects:write.
        client.get("/projects").await;
        let res = client
            .post_multipart("/projects", &[("name", "Mine"), ("start", "empty")], None)
            .await;
        let expected = if who == "reviewer" { 403 } else { 303 };
        assert_eq!(res.status, expected, "{who} creates a project");
    }
    // A reviewer stays read-only even when made an owner of the project.
    let reviewer_id = user_by_login(&app, "rev-reader").id;
    add_member(&app, pid, reviewer_id, "owner");
    let before_owner = fingerprint(&app, pid);
    reviewer.get(&format!("/projects/{pid}")).await;
    for (path, fields) in project_changes(pid, 1, s.user_id) {
        let res = reviewer.post(&path, &fields).await;
        assert_eq!(res.status, 403, "reviewer as owner POST {path}");
    }
    assert_eq!(fingerprint(&app, pid), before_owner);
    app.with_conn(|conn| {
        diesel::delete(
            project_members::table
                .filter(project_members::project_id.eq(pid))
                .filter(project_members::user_id.eq(reviewer_id)),
        )
        .execute(conn)
        .unwrap()
    });
    // An editor edits the circuit and runs, but does not manage the project.
    editor.get(&format!("/projects/{pid}")).await;
    for (path, fields) in project_changes(pid, 1, s.user_id).into_iter().take(5) {
        let res = editor.post(&path, &fields).await;
        assert_eq!(res.status, 403, "editor POST {path}");
    }
    assert_eq!(fingerprint(&app, pid), before);
}
on_both_databases!(readers_change_nothing_and_each_refusal_is_audited);

async fn an_archived_project_is_read_only(app: TestApp) {
    let s = setup(&app, "Archive").await;
    let pid = s.pid;
    let sim = completed_simulation(&s.client, pid).await;
    // Version 2, so that version 1 could be restored.
    open_editor(&s.client, pid).await;
    let res = hx(
        &s.client,
        &format!("/projects/{pid}/editor/buses/rows/MV"),
        &[("id", "MV"), ("vn_kv", "20"), ("name", "renamed")],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let res = s
        .client
        .post(
            &format!("/projects/{pid}/editor/save"),
            &[("message", "v2")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    s.client.get(&format!("/projects/{pid}")).await;
    s.client
        .post(&format!("/projects/{pid}/archive"), &[])
        .await
        .assert_redirect(&format!("/projects/{pid}"));
    let before = fingerprint(&app, pid);
    // Reading still works.
    for path in project_reads(pid, 1)
        .into_iter()
        .filter(|p| !p.contains("/rows/") && !p.ends_with("/export.json") && !p.ends_with("/new"))
        .chain([
            format!("/simulations/{sim}"),
            format!("/simulations/{sim}/export.csv"),
        ])
    {
        let status = s.client.get(&path).await.status;
        assert!(matches!(status, 200 | 303), "GET {path}: {status}");
    }
    // Circuit changes, runs and restores are refused with 409 (plain, htmx, multipart).
    for (path, fields) in project_changes(pid, 1, s.user_id).into_iter().skip(5) {
        let res = s.client.post(&path, &fields).await;
        assert_eq!(res.status, 409, "POST {path}: {}", res.body);
        let res = hx(&s.client, &path, &fields).await;
        assert_eq!(res.status, 409, "htmx POST {path}");
    }
    let (status, _, _) = crate::circuit::upload(
        &app,
        &s.client,
        pid,
        "c.json",
        example_circuit().to_string().as_bytes(),
    )
    .await;
    assert_eq!(status, 409);
    for path in [
        "/editor/buses/rows/MV/edit",
        "/editor/buses/rows/MV",
        "/simulations/new",
    ] {
        let res = s.client.get(&format!("/projects/{pid}{path}")).await;
        assert_eq!(res.status, 409, "GET {path}");
    }
    assert_eq!(fingerprint(&app, pid), before);
    let refused = audit_entries(&app, s.company_id, "simulation.run");
    assert_eq!(refused[0].log.outcome, "failure");
    assert_eq!(refused[0].log.details.0["archived"], true);
    // An owner can still reactivate it.
    let res = s
        .client
        .post(
            &format!("/projects/{pid}/settings"),
            &[
                ("name", "Archive substation"),
                ("description", ""),
                ("status", "active"),
            ],
        )
        .await;
    res.assert_redirect(&format!("/projects/{pid}"));
}
on_both_databases!(an_archived_project_is_read_only);

// ------------------------------------------------------------------ hostile input

/// Element ids with markup, path characters, quotes, a formula and non-ASCII letters travel
/// through the editor, the version, the diagram, a simulation and its exports as text.
async fn hostile_ids_stay_text_everywhere(app: TestApp) {
    let s = setup(&app, "Hostile").await;
    let (c, pid) = (&s.client, s.pid);
    open_editor(c, pid).await;
    let ids = [
        "<script>alert(1)</script>",
        "a/b",
        "50% ..",
        "..",
        "\"q'uote\"",
        "=HYPERLINK(\"http://x\")",
        "Ümlaut-母線",
        "x?y#z&w=1",
    ];
    for id in ids {
        let res = hx(
            c,
            &format!("/projects/{pid}/editor/buses/rows"),
            &[
                ("id", id),
                ("vn_kv", "20"),
                ("name", id),
                ("in_service", "true"),
            ],
        )
        .await;
        assert!(matches!(res.status, 200 | 422), "add {id}: {}", res.status);
        assert!(!res.body.contains("<script>alert"), "{}", res.body);
    }
    let stored = draft_json(&app, pid, s.user_id);
    let added: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| crate::circuit::element(&stored, "buses", id).is_some())
        .collect();
    assert!(added.contains(&"a/b") && added.contains(&"<script>alert(1)</script>"));
    // Each row is reached by its percent-encoded id; a transformer feeds each bus.
    for id in &added {
        let seg: String = url::form_urlencoded::byte_serialize(id.as_bytes())
            .collect::<String>()
            .replace('+', "%20");
        let res = c
            .get_htmx(&format!("/projects/{pid}/editor/buses/rows/{seg}/edit"))
            .await;
        assert_eq!(res.status, 200, "edit {id}");
        assert!(!res.body.contains("<script>alert"));
        let res = hx(
            c,
            &format!("/projects/{pid}/editor/lines/rows"),
            &[
                ("id", &format!("L-{id}")),
                ("from_bus", "MV2"),
                ("to_bus", id),
                ("length_km", "1"),
                ("r_ohm_per_km", "0.1"),
                ("x_ohm_per_km", "0.1"),
                ("in_service", "true"),
            ],
        )
        .await;
        assert_eq!(res.status, 200, "line to {id}: {}", res.body);
    }
    let res = open_editor(c, pid).await;
    assert!(!res.body.contains("<script>alert"));
    let res = c
        .post(
            &format!("/projects/{pid}/editor/save"),
            &[("message", "hostile ids")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    for path in [
        format!("/projects/{pid}/versions/2"),
        format!("/projects/{pid}/versions/2?bus=%3Cscript%3E&q=%3Cscript%3E"),
        format!("/projects/{pid}/diff?from=1&to=2"),
        format!("/projects/{pid}/editor?bus=a%2Fb&q=%22%3E%3Cscript%3E"),
    ] {
        let res = c.get(&path).await;
        assert_eq!(res.status, 200, "{path}");
        assert!(!res.body.contains("<script>alert"), "{path}");
        assert!(!res.body.contains("\"><script>"), "{path}");
    }
    let res = c
        .get(&format!("/projects/{pid}/versions/2/export.json"))
        .await;
    assert!(
        res.header("content-disposition")
            .is_some_and(|d| !d.contains('<'))
    );
    // A simulation of version 2.
    c.get(&format!("/projects/{pid}/simulations")).await;
    let mut fields = run_fields();
    fields[1] = ("version", "2");
    let res = c
        .post(&format!("/projects/{pid}/simulations"), &fields)
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    let sim = res.location().to_string();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while c
        .get_htmx(&format!("{sim}/status"))
        .await
        .body
        .contains("hx-trigger")
    {
        assert!(std::time::Instant::now() < deadline);
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    for path in [
        sim.clone(),
        format!("{sim}?sort=%3Cscript%3E&dir=%22&bus=%3Cscript%3E"),
        format!("{sim}?bus=a%2Fb"),
    ] {
        let res = c.get(&path).await;
        assert_eq!(res.status, 200, "{path}");
        assert!(!res.body.contains("<script>alert"), "{path}");
        res.assert_contains("completed");
    }
    let csv = c.get(&format!("{sim}/export.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("\"'=HYPERLINK"), "{}", csv.body);
    assert!(!csv.body.lines().any(|l| l.starts_with('=')));
}
on_both_databases!(hostile_ids_stay_text_everywhere);

/// Raw multipart bodies to the import (plain form: token in the query).
async fn raw_import(app: &TestApp, c: &Client, pid: i64, content_type: &str, body: Vec<u8>) -> u16 {
    let token = c.csrf().unwrap_or_default();
    let mut res = awc::Client::builder()
        .disable_redirects()
        .timeout(std::time::Duration::from_secs(60))
        .finish()
        .post(format!(
            "{}/projects/{pid}/editor/import?csrf_token={token}",
            app.base
        ))
        .insert_header(("Content-Type", content_type.to_string()))
        .insert_header(("Origin", app.base.clone()))
        .insert_header(("Cookie", c.cookie_header()))
        .send_body(body)
        .await
        .expect("sent");
    let _ = res.body().limit(20 << 20).await;
    res.status().as_u16()
}

async fn bad_imports_get_a_message(app: TestApp) {
    let s = setup(&app, "BadImport").await;
    let (c, pid) = (&s.client, s.pid);
    open_editor(c, pid).await;
    let before = draft_json(&app, pid, s.user_id);
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let huge_number = example_circuit()
        .to_string()
        .replacen("\"vn_kv\":110", "\"vn_kv\":1e400", 1);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("empty.json", Vec::new()),
        ("space.json", b"   \n".to_vec()),
        ("binary.json", vec![0xff, 0xfe, 0x00, 0x01]),
        ("nested.json", nested.clone().into_bytes()),
        (
            "nan.json",
            br#"{"format":"ampflux-circuit","version":1,"frequency_hz":NaN}"#.to_vec(),
        ),
        ("huge.json", huge_number.into_bytes()),
        ("array.json", b"[1,2,3]".to_vec()),
        ("\"><script>x.json", b"{}".to_vec()),
    ];
    for (name, content) in files {
        let (status, _, body) = crate::circuit::upload(&app, c, pid, name, &content).await;
        assert_eq!(status, 422, "{name}: {body}");
        assert!(!body.contains("<script>x"), "{name}");
    }
    for content in [nested.as_str(), "{\"format\":\"ampflux-circuit\"", "null"] {
        let res = c
            .post(
                &format!("/projects/{pid}/editor/import"),
                &[("content", content)],
            )
            .await;
        assert!(matches!(res.status, 400 | 422), "{}", res.status);
    }
    // A file over the limit, a multipart body that ends early and one without its boundary.
    let big = vec![b' '; ampflux::web::handlers::circuit::MAX_IMPORT_BYTES + 1024];
    let (status, _, _) = crate::circuit::upload(&app, c, pid, "big.json", &big).await;
    assert_eq!(status, 422);
    let truncated = b"--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n\r\n{\"for".to_vec();
    let status = raw_import(&app, c, pid, "multipart/form-data; boundary=XYZ", truncated).await;
    assert!(matches!(status, 400 | 422), "truncated: {status}");
    let status = raw_import(&app, c, pid, "multipart/form-data", b"garbage".to_vec()).await;
    assert!(matches!(status, 400 | 422), "no boundary: {status}");
    assert_eq!(draft_json(&app, pid, s.user_id), before);
    // Creating a project from such files changes nothing either.
    c.get("/projects/new").await;
    for content in ["", "[1]", &nested] {
        let res = c
            .post_multipart(
                "/projects",
                &[("name", "From a bad file"), ("start", "upload")],
                Some(("bad.json", content)),
            )
            .await;
        assert_eq!(res.status, 422, "{}", res.body);
    }
    let res = c
        .post_multipart(
            "/projects",
            &[("name", &"n".repeat(70_000)), ("start", "empty")],
            None,
        )
        .await;
    assert_eq!(res.status, 422);
    // The new-project upload has the import's size limit.
    let big = " ".repeat(ampflux::web::handlers::circuit::MAX_IMPORT_BYTES + 1024);
    let res = c
        .post_multipart(
            "/projects",
            &[("name", "Too big"), ("start", "upload")],
            Some(("big.json", &big)),
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("larger than 20 MB");
}
on_both_databases!(bad_imports_get_a_message);

async fn absurd_run_options_are_refused(app: TestApp) {
    let s = setup(&app, "Options").await;
    let (c, pid) = (&s.client, s.pid);
    c.get(&format!("/projects/{pid}/simulations")).await;
    let long = "B".repeat(100_000);
    let many = vec!["MV"; 2000].join(",");
    let cases: Vec<(&str, &str)> = vec![
        ("tk_s", "NaN"),
        ("tk_s", "inf"),
        ("tk_s", "1e400"),
        ("tk_s", "-1"),
        ("tk_s", "1e-400"),
        ("tmin_s", "Infinity"),
        ("tmin_s", "0"),
        ("r_fault_ohm", "-0.1"),
        ("x_fault_ohm", "1e308"),
        ("r_fault_ohm", "0x10"),
        ("lv_tol_percent", "7"),
        ("kappa_method", "Z"),
        ("fault", "4ph"),
        ("case", "avg"),
        ("simulation_type", "../../etc/passwd"),
        ("version", "-1"),
        ("version", "99999999999"),
        ("version", "1e3"),
        ("version", "٣"),
        ("buses", "no-such-bus"),
        ("buses", "MV,\u{0}"),
        ("buses", &long),
        ("buses", &many),
        ("branch_results", "maybe"),
    ];
    for (field, value) in cases {
        let mut fields = run_fields();
        match fields.iter_mut().find(|(k, _)| *k == field) {
            Some(f) => f.1 = value,
            None => fields.push((field, value)),
        }
        let res = c
            .post(&format!("/projects/{pid}/simulations"), &fields)
            .await;
        assert_eq!(res.status, 422, "{field}={value:.40}: {}", res.status);
    }
    let n: i64 = app.with_conn(|conn| simulations::table.count().get_result(conn).unwrap());
    assert_eq!(n, 0);
    // Forms in the address: unknown values are ignored or refused, never an error.
    for path in [
        "/simulations/new?version=-5&type=%3Cscript%3E",
        "/simulations/new?version=abc",
        "/simulations?page=abc",
        "/versions/0",
        "/versions/-1",
        "/versions/99999999999",
        "/diff?from=v1&to=draft",
        "/diff?from=1e9&to=%F0%9F%98%80",
        "/editor?all=%00&depth=-9999999999999999999&bus=..",
    ] {
        let status = c.get(&format!("/projects/{pid}{path}")).await.status;
        assert!(matches!(status, 200 | 400 | 404 | 422), "{path}: {status}");
    }
}
on_both_databases!(absurd_run_options_are_refused);

/// Every unsafe project route refuses a request without the session's token, including a
/// token only in the query of a form that is not multipart.
async fn project_routes_need_the_csrf_token(app: TestApp) {
    let s = setup(&app, "Csrf").await;
    let pid = s.pid;
    let c = &s.client;
    open_editor(c, pid).await;
    let token = c.csrf().expect("token");
    let before = fingerprint(&app, pid);
    let mut routes = project_changes(pid, 1, s.user_id);
    routes.push(("/projects".into(), vec![("name", "x"), ("start", "empty")]));
    for (path, fields) in routes {
        let res = c.post_raw(&path, &fields, Some(&c.base.clone())).await;
        assert_eq!(res.status, 403, "no token: {path}");
        let with_query = format!("{path}?csrf_token={token}");
        let res = c
            .post_raw(&with_query, &fields, Some(&c.base.clone()))
            .await;
        assert_eq!(
            res.status, 403,
            "token in the query of a urlencoded form: {path}"
        );
        let res = c.post_htmx(&path, &fields, Some("wrong")).await;
        assert_eq!(res.status, 403, "wrong header token: {path}");
        let mut with_token = fields.clone();
        with_token.push(("csrf_token", &token));
        let res = c
            .post_raw(&path, &with_token, Some("http://evil.example"))
            .await;
        assert_eq!(res.status, 403, "cross-origin: {path}");
    }
    assert_eq!(fingerprint(&app, pid), before);
}
on_both_databases!(project_routes_need_the_csrf_token);

/// Versions with extreme but finite values (saved directly, as an older release or a
/// validator gap might have let through): every page shows them and a run ends readably.
async fn extreme_values_render_and_run(app: TestApp) {
    let s = setup(&app, "Extreme").await;
    let (c, pid) = (&s.client, s.pid);
    let mut variants = Vec::new();
    let patch = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = example_circuit();
        f(&mut v);
        v
    };
    variants.push(patch(&|v| v["buses"][1]["vn_kv"] = json!(1e308)));
    variants.push(patch(&|v| v["buses"][1]["vn_kv"] = json!(1e-308)));
    variants.push(patch(&|v| v["buses"][1]["vn_kv"] = json!(0.0)));
    variants.push(patch(&|v| v["buses"][1]["vn_kv"] = json!(-20.0)));
    variants.push(patch(&|v| v["lines"][0]["length_km"] = json!(1e308)));
    variants.push(patch(&|v| v["lines"][0]["length_km"] = json!(0.0)));
    variants.push(patch(&|v| v["lines"][0]["parallel"] = json!(0)));
    variants.push(patch(&|v| v["lines"][0]["parallel"] = json!(4294967295u32)));
    variants.push(patch(&|v| {
        v["lines"][0]["to_bus"] = v["lines"][0]["from_bus"].clone()
    }));
    variants.push(patch(&|v| {
        v["external_grids"][0]["s_sc_max_mva"] = json!(1e308)
    }));
    variants.push(patch(&|v| {
        v["external_grids"][0]["s_sc_max_mva"] = json!(0.0)
    }));
    variants.push(patch(&|v| v["transformers"][0]["sn_mva"] = json!(1e-300)));
    variants.push(patch(&|v| {
        v["transformers"][0]["vk_percent"] = json!(1e300)
    }));
    variants.push(patch(&|v| {
        v["transformers"][0]["lv_bus"] = v["transformers"][0]["hv_bus"].clone()
    }));
    variants.push(patch(&|v| {
        for b in v["buses"].as_array_mut().unwrap() {
            b["layout"] = json!({"x": 1e308, "y": -1e308});
        }
    }));
    variants.push(patch(&|v| v["buses"][2]["id"] = json!("MV")));
    variants.push(patch(&|v| v["frequency_hz"] = json!(0.0)));
    variants.push(patch(&|v| v["switches"][0]["element"] = json!("CB1")));
    variants.push(patch(&|v| v["buses"] = json!([])));
    for (i, circuit) in variants.iter().enumerate() {
        let n = app.with_conn(|conn| {
            ampflux::models::circuit_version::save_next(conn, pid, circuit, "extreme", s.user_id)
                .unwrap()
                .version_number
        });
        for path in [
            format!("/projects/{pid}/versions/{n}"),
            format!("/projects/{pid}/versions/{n}?bus=MV&all=all"),
            format!("/projects/{pid}/diff?from=1&to={n}"),
            format!("/projects/{pid}/versions/{n}/export.json"),
        ] {
            let res = c.get(&path).await;
            assert_eq!(res.status, 200, "variant {i}: {path}");
        }
        // The draft follows the version after a discard.
        c.get(&format!("/projects/{pid}/editor")).await;
        c.post(&format!("/projects/{pid}/editor/discard"), &[])
            .await;
        assert_eq!(
            c.get(&format!("/projects/{pid}/editor")).await.status,
            200,
            "variant {i} editor"
        );
        c.get(&format!("/projects/{pid}/simulations")).await;
        let v = n.to_string();
        let mut fields = run_fields();
        fields[1] = ("version", &v);
        let res = c
            .post(&format!("/projects/{pid}/simulations"), &fields)
            .await;
        assert_eq!(res.status, 303, "variant {i}: {}", res.body);
        let sim = res.location().to_string();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
        while c
            .get_htmx(&format!("{sim}/status"))
            .await
            .body
            .contains("hx-trigger")
        {
            assert!(std::time::Instant::now() < deadline, "variant {i} hangs");
            actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        for path in [
            sim.clone(),
            format!("{sim}/export.json"),
            format!("{sim}?sort=rk&dir=asc"),
        ] {
            let res = c.get(&path).await;
            assert_eq!(res.status, 200, "variant {i}: {path}: {}", res.body);
        }
        let status = c.get(&format!("{sim}/export.csv")).await.status;
        assert!(matches!(status, 200 | 409), "variant {i} csv: {status}");
    }
}
on_both_databases!(extreme_values_render_and_run);
