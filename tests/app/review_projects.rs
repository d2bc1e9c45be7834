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
    let fields = [
        ("simulation_type", "short_circuit"),
        ("version", "1"),
        ("fault", "3ph"),
        ("case", "max"),
        ("lv_tol_percent", "10"),
        ("kappa_method", "C"),
        ("tk_s", "1"),
        ("tmin_s", "0.1"),
        ("r_fault_ohm", "0"),
        ("x_fault_ohm", "0"),
        ("buses", ""),
        ("branch_results", "yes"),
    ];
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
