//! The engineering data layer: projects in their tenant, consecutive circuit versions under
//! concurrent saves, seeded modules.

use crate::common::*;
use crate::on_both_databases;
use ampflux::db::schema::project_members;
use ampflux::models::{circuit_version, project};
use diesel::prelude::*;
use serde_json::json;

async fn projects_belong_to_their_company(app: TestApp) {
    let (_, a) = signed_up(&app, "ProjA").await;
    let (_, b) = signed_up(&app, "ProjB").await;
    let (ua, ub) = (user_by_login(&app, &a.email), user_by_login(&app, &b.email));
    app.with_conn(|conn| {
        let p = project::create(conn, ua.company_id, ua.id, "Substation North", "").unwrap();
        let same_name =
            project::create(conn, ua.company_id, ua.id, "Substation North", "").unwrap();
        assert_eq!(
            (p.slug.as_str(), same_name.slug.as_str()),
            ("substation-north", "substation-north-2")
        );
        let other = project::create(conn, ub.company_id, ub.id, "Substation North", "").unwrap();
        assert_eq!(
            other.slug, "substation-north",
            "slugs are unique per company"
        );
        assert!(
            project::find_in_company(conn, ua.company_id, p.id)
                .unwrap()
                .is_some()
        );
        assert!(
            project::find_in_company(conn, ub.company_id, p.id)
                .unwrap()
                .is_none(),
            "another tenant's id"
        );
        assert_eq!(
            project::member_role(conn, p.id, ua.id).unwrap().as_deref(),
            Some("owner")
        );
        assert_eq!(project::member_role(conn, p.id, ub.id).unwrap(), None);
    });
}
on_both_databases!(projects_belong_to_their_company);

async fn concurrent_saves_get_consecutive_versions(app: TestApp) {
    let (_, a) = signed_up(&app, "Versions").await;
    let user = user_by_login(&app, &a.email);
    let project_id = app.with_conn(|conn| {
        project::create(conn, user.company_id, user.id, "Ring main", "")
            .unwrap()
            .id
    });
    let threads: Vec<_> = (0..4)
        .map(|t| {
            let pool = app.pool.clone();
            let author = user.id;
            std::thread::spawn(move || {
                (0..5)
                    .map(|i| {
                        let mut conn = pool.get().unwrap();
                        let circuit = serde_json::json!({ "format": "ampflux-circuit", "version": 1, "name": format!("t{t} s{i}") });
                        circuit_version::save_next(&mut conn, project_id, &circuit, "save", author).unwrap().version_number
                    })
                    .collect::<Vec<i32>>()
            })
        })
        .collect();
    let mut numbers: Vec<i32> = threads
        .into_iter()
        .flat_map(|t| t.join().unwrap())
        .collect();
    numbers.sort_unstable();
    assert_eq!(
        numbers,
        (1..=20).collect::<Vec<i32>>(),
        "consecutive, none twice, none lost"
    );
    app.with_conn(|conn| {
        let versions = circuit_version::list(conn, project_id).unwrap();
        assert_eq!(versions.len(), 20);
        let v = &versions[0];
        assert_eq!(
            v.content_hash,
            circuit_version::content_hash(&v.data_json.0),
            "hash survives the round trip"
        );
    });
}
on_both_databases!(concurrent_saves_get_consecutive_versions);

async fn the_analysis_modules_are_seeded(app: TestApp) {
    use ampflux::db::schema::modules;
    use diesel::prelude::*;
    let rows: Vec<(String, String, ampflux::db::json::JsonValue)> = app.with_conn(|conn| {
        modules::table
            .select((modules::name, modules::status, modules::manifest))
            .order(modules::name)
            .load(conn)
            .unwrap()
    });
    let names: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(names, ["duty_check", "short_circuit"]);
    assert!(
        rows.iter()
            .all(|r| r.1 == "enabled" && r.2.0["simulation_types"].is_array())
    );
}
on_both_databases!(the_analysis_modules_are_seeded);

// ------------------------------------------------------------------ pages

fn project_count(app: &TestApp, company_id: i64) -> i64 {
    use ampflux::db::schema::projects;
    use diesel::prelude::*;
    app.with_conn(|conn| {
        projects::table
            .filter(projects::company_id.eq(company_id))
            .count()
            .get_result(conn)
            .unwrap()
    })
}

async fn creating_a_project_writes_version_one(app: TestApp) {
    let (client, a) = signed_up(&app, "Create").await;
    let me = user_by_login(&app, &a.email);

    let empty = create_project(&client, "Empty study", &[("start", "empty")]).await;
    let page = client.get(&format!("/projects/{empty}")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("Empty study");
    page.assert_contains("created with version 1");
    let v1 = app.with_conn(|conn| circuit_version::list(conn, empty).unwrap());
    assert_eq!(v1.len(), 1);
    assert_eq!(v1[0].version_number, 1);
    assert_eq!(v1[0].data_json.0["format"], "ampflux-circuit");

    let example = create_project(
        &client,
        "IEC network",
        &[("start", "example"), ("example", "iec60909-4")],
    )
    .await;
    let v = app.with_conn(|conn| circuit_version::list(conn, example).unwrap());
    assert!(v[0].data_json.0["buses"].as_array().unwrap().len() > 10);
    client
        .get(&format!("/projects/{example}"))
        .await
        .assert_contains("transformers");

    client.get("/projects/new").await;
    let pp = include_str!("../fixtures/sc/pp/lv_ring.json");
    let res = client
        .post_multipart(
            "/projects",
            &[("name", "From pandapower"), ("start", "upload")],
            Some(("lv_ring.json", pp)),
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);

    let created = audit_entries(&app, me.company_id, "project.create");
    assert_eq!(created.len(), 3);
    assert!(created.iter().all(|e| e.log.outcome == "success"
        && e.log.project_id.is_some()
        && e.log.changes.0["after"]["name"].is_string()));
    assert_eq!(audit_entries(&app, me.company_id, "circuit.save").len(), 3);
}
on_both_databases!(creating_a_project_writes_version_one);

async fn bad_project_input_changes_nothing(app: TestApp) {
    let (client, a) = signed_up(&app, "BadNew").await;
    let company = user_by_login(&app, &a.email).company_id;
    client.get("/projects/new").await;

    let res = client
        .post_multipart("/projects", &[("name", ""), ("start", "empty")], None)
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("Enter a name");

    let res = client
        .post_multipart(
            "/projects",
            &[("name", "Broken file"), ("start", "upload")],
            Some(("broken.json", "{\"format\": \"ampflux-circuit\", ")),
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("cannot be read as a circuit");
    res.assert_contains("value=\"Broken file\"");

    let invalid = serde_json::json!({
        "format": "ampflux-circuit", "version": 1, "name": "bad",
        "buses": [{"id": "A", "vn_kv": -20}],
        "lines": [{"id": "L1", "from_bus": "A", "to_bus": "Nowhere", "length_km": 1,
                   "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.1}]
    })
    .to_string();
    let res = client
        .post_multipart(
            "/projects",
            &[("name", "Invalid circuit"), ("start", "upload")],
            Some(("bad.json", &invalid)),
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("has errors");
    res.assert_contains("Nowhere");

    let res = client
        .post_multipart(
            "/projects",
            &[("name", "No file"), ("start", "upload")],
            None,
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("Choose a circuit or pandapower JSON file");

    let res = client
        .post_multipart(
            "/projects",
            &[("name", "Odd"), ("start", "example"), ("example", "nope")],
            None,
        )
        .await;
    assert_eq!(res.status, 422);

    assert_eq!(project_count(&app, company), 0, "nothing was created");
    assert!(audit_entries(&app, company, "project.create").is_empty());

    // Without the CSRF token in the query, a multipart post is refused.
    let res = client
        .post_raw("/projects", &[("name", "x")], Some(&client.base.clone()))
        .await;
    assert_eq!(res.status, 403);
}
on_both_databases!(bad_project_input_changes_nothing);

async fn the_list_searches_filters_sorts_and_pages(app: TestApp) {
    let (client, a) = signed_up(&app, "Listing").await;
    let me = user_by_login(&app, &a.email);
    app.with_conn(|conn| {
        for i in 0..30 {
            let p =
                project::create(conn, me.company_id, me.id, &format!("Feeder {i:02}"), "").unwrap();
            circuit_version::save_next(conn, p.id, &example_circuit(), "v1", me.id).unwrap();
        }
        let special = project::create(
            conn,
            me.company_id,
            me.id,
            "Harbour 100% crane",
            "Dock cranes",
        )
        .unwrap();
        project::update(
            conn,
            special.id,
            &special.name,
            &special.description,
            "active",
        )
        .unwrap();
        let old = project::create(conn, me.company_id, me.id, "Old plant", "").unwrap();
        project::update(conn, old.id, &old.name, &old.description, "archived").unwrap();
    });

    let page = client.get("/projects").await;
    assert_eq!(page.status, 200);
    page.assert_contains("31 projects");
    page.assert_contains("page 1 of 2");
    assert!(
        !page.body.contains("Old plant"),
        "archived are hidden by default"
    );

    let page2 = client.get("/projects?sort=name&dir=asc&page=1").await;
    page2.assert_contains("Harbour 100% crane");
    assert!(page2.body.contains("Feeder 25"));
    assert!(!page2.body.contains("Feeder 00"));

    // htmx search answers with the results fragment only; `%` is a literal.
    let fragment = client.get_htmx("/projects?q=100%25").await;
    assert_eq!(fragment.status, 200);
    assert!(!fragment.body.contains("<html"), "a fragment");
    fragment.assert_contains("Harbour 100% crane");
    fragment.assert_contains("1 project");
    assert!(!fragment.body.contains("Feeder"));
    let by_description = client.get_htmx("/projects?q=DOCK").await;
    by_description.assert_contains("Harbour 100% crane");

    let archived = client.get("/projects?status=archived").await;
    archived.assert_contains("Old plant");
    archived.assert_contains("1 project");
    let active = client.get("/projects?status=active").await;
    active.assert_contains("Harbour");
    assert!(!active.body.contains("Feeder"));

    let desc = client.get("/projects?sort=name&dir=desc").await;
    let (h, f) = (
        desc.body.find("Harbour").unwrap(),
        desc.body.find("Feeder 29").unwrap(),
    );
    assert!(h < f, "descending by name");
    desc.assert_contains("aria-sort=\"descending\"");
    // Bad parameters fall back to defaults instead of failing.
    assert_eq!(
        client
            .get("/projects?sort=evil&dir=up&status=nope&page=-4")
            .await
            .status,
        200
    );
    // The latest version and member count are shown.
    client
        .get("/projects?q=Feeder%2001")
        .await
        .assert_contains("v1");
}
on_both_databases!(the_list_searches_filters_sorts_and_pages);

async fn members_see_their_projects_and_readers_see_all(app: TestApp) {
    let (admin, a) = signed_up(&app, "Members").await;
    let me = user_by_login(&app, &a.email);
    let eng = add_user(&app, me.company_id, "eng.m", "engineer");
    add_user(&app, me.company_id, "rev.m", "reviewer");
    let eng2 = add_user(&app, me.company_id, "eng.two", "engineer");
    let pid = create_project(&admin, "Shared study", &[("start", "empty")]).await;
    create_project(&admin, "Private study", &[("start", "empty")]).await;

    let engineer = app.client();
    sign_in(&engineer, "eng.m").await;
    let list = engineer.get("/projects").await;
    list.assert_contains("No projects yet");
    assert_eq!(
        engineer.get(&format!("/projects/{pid}")).await.status,
        404,
        "not a member"
    );

    // The owner adds the engineer as viewer, then makes them editor.
    admin.get(&format!("/projects/{pid}/members")).await;
    let res = admin
        .post_htmx(
            &format!("/projects/{pid}/members"),
            &[("user_id", &eng.to_string()), ("role", "viewer")],
            admin.csrf().as_deref(),
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.assert_contains("eng.m");
    assert!(!res.body.contains("<html"));
    engineer
        .get("/projects")
        .await
        .assert_contains("Shared study");
    assert!(
        !engineer
            .get("/projects")
            .await
            .body
            .contains("Private study")
    );
    let overview = engineer.get(&format!("/projects/{pid}")).await;
    assert_eq!(overview.status, 200);
    assert!(
        !overview.body.contains("/settings\""),
        "a viewer gets no settings link"
    );

    // A viewer may not manage members: refused and audited.
    engineer.get(&format!("/projects/{pid}/members")).await;
    let refused = engineer
        .post(
            &format!("/projects/{pid}/members"),
            &[("user_id", &eng2.to_string()), ("role", "owner")],
        )
        .await;
    assert_eq!(refused.status, 403);
    let denied = audit_entries(&app, me.company_id, "member.add");
    assert!(denied.iter().any(|e| e.log.outcome == "failure"));

    let res = admin
        .post(
            &format!("/projects/{pid}/members/{eng}"),
            &[("role", "editor")],
        )
        .await;
    res.assert_redirect(&format!("/projects/{pid}/members"));
    let updated = audit_entries(&app, me.company_id, "member.update");
    assert_eq!(updated[0].log.changes.0["before"]["role"], "viewer");
    assert_eq!(updated[0].log.changes.0["after"]["role"], "editor");

    // The last owner can neither leave nor be demoted.
    let res = admin
        .post(&format!("/projects/{pid}/members/{}/remove", me.id), &[])
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("at least one owner");
    let res = admin
        .post_htmx(
            &format!("/projects/{pid}/members/{}", me.id),
            &[("role", "viewer")],
            admin.csrf().as_deref(),
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("at least one owner");
    // Adding someone twice, or a user of another company, is refused with a message.
    let (_, other) = signed_up(&app, "Elsewhere").await;
    let outsider = user_by_login(&app, &other.email).id;
    let res = admin
        .post(
            &format!("/projects/{pid}/members"),
            &[("user_id", &outsider.to_string()), ("role", "viewer")],
        )
        .await;
    assert_eq!(res.status, 422);
    let res = admin
        .post(
            &format!("/projects/{pid}/members"),
            &[("user_id", &eng.to_string()), ("role", "viewer")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("already a member");

    let res = admin
        .post(&format!("/projects/{pid}/members/{eng}/remove"), &[])
        .await;
    res.assert_redirect(&format!("/projects/{pid}/members"));
    assert_eq!(engineer.get(&format!("/projects/{pid}")).await.status, 404);
    let removed = audit_entries(&app, me.company_id, "member.remove");
    assert_eq!(
        removed
            .iter()
            .filter(|e| e.log.outcome == "success")
            .count(),
        1
    );

    // Reviewers read every project of the company, and change nothing.
    let reviewer = app.client();
    sign_in(&reviewer, "rev.m").await;
    let list = reviewer.get("/projects").await;
    list.assert_contains("Shared study");
    list.assert_contains("Private study");
    reviewer.get(&format!("/projects/{pid}/settings")).await;
    let res = reviewer
        .post(
            &format!("/projects/{pid}/settings"),
            &[
                ("name", "Renamed"),
                ("description", ""),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(res.status, 403);
    assert!(reviewer.get("/projects/new").await.status == 403);
}
on_both_databases!(members_see_their_projects_and_readers_see_all);

async fn settings_and_archive_are_audited(app: TestApp) {
    let (client, a) = signed_up(&app, "Settings").await;
    let me = user_by_login(&app, &a.email);
    let pid = create_project(&client, "Grid study", &[("start", "empty")]).await;

    client.get(&format!("/projects/{pid}/settings")).await;
    let bad = client
        .post(
            &format!("/projects/{pid}/settings"),
            &[
                ("name", "x\u{7}y"),
                ("description", ""),
                ("status", "bogus"),
            ],
        )
        .await;
    assert_eq!(bad.status, 422);
    bad.assert_contains("control characters");
    bad.assert_contains("Choose one of the statuses");

    let res = client
        .post(
            &format!("/projects/{pid}/settings"),
            &[
                ("name", "Grid study 2027"),
                ("description", "New scope"),
                ("status", "active"),
            ],
        )
        .await;
    res.assert_redirect(&format!("/projects/{pid}"));
    let entry = &audit_entries(&app, me.company_id, "project.update")[0];
    assert_eq!(entry.log.changes.0["before"]["name"], "Grid study");
    assert_eq!(entry.log.changes.0["after"]["name"], "Grid study 2027");
    assert_eq!(entry.log.changes.0["after"]["status"], "active");

    let res = client.post(&format!("/projects/{pid}/archive"), &[]).await;
    res.assert_redirect(&format!("/projects/{pid}"));
    let archived = &audit_entries(&app, me.company_id, "project.archive")[0];
    assert_eq!(archived.log.changes.0["before"]["status"], "active");
    assert_eq!(archived.log.changes.0["after"]["status"], "archived");
    let overview = client.get(&format!("/projects/{pid}")).await;
    overview.assert_contains("archived");
    assert!(!overview.body.contains("Edit the circuit"), "read-only now");
    // An owner reactivates it through the settings.
    let res = client
        .post(
            &format!("/projects/{pid}/settings"),
            &[
                ("name", "Grid study 2027"),
                ("description", "New scope"),
                ("status", "on_hold"),
            ],
        )
        .await;
    res.assert_redirect(&format!("/projects/{pid}"));
    client
        .get(&format!("/projects/{pid}"))
        .await
        .assert_contains("Edit the circuit");
}
on_both_databases!(settings_and_archive_are_audited);

async fn another_companys_project_is_not_found(app: TestApp) {
    let (owner, _) = signed_up(&app, "Owner").await;
    let pid = create_project(&owner, "Secret substation", &[("start", "empty")]).await;
    let (intruder, b) = signed_up(&app, "Intruder").await;
    let intruder_company = user_by_login(&app, &b.email).company_id;
    for path in [
        format!("/projects/{pid}"),
        format!("/projects/{pid}/settings"),
        format!("/projects/{pid}/members"),
    ] {
        assert_eq!(intruder.get(&path).await.status, 404, "{path}");
        assert_eq!(intruder.get_htmx(&path).await.status, 404, "{path}");
    }
    intruder.get("/projects").await;
    for path in [
        format!("/projects/{pid}/settings"),
        format!("/projects/{pid}/archive"),
        format!("/projects/{pid}/members"),
        format!("/projects/{pid}/members/1"),
        format!("/projects/{pid}/members/1/remove"),
    ] {
        let res = intruder
            .post(
                &path,
                &[
                    ("name", "x"),
                    ("status", "active"),
                    ("role", "owner"),
                    ("user_id", "1"),
                ],
            )
            .await;
        assert_eq!(res.status, 404, "{path}");
    }
    assert!(
        !intruder
            .get("/projects?status=all")
            .await
            .body
            .contains("Secret")
    );
    assert!(audit_entries(&app, intruder_company, "project.").is_empty());
    assert!(audit_entries(&app, intruder_company, "member.").is_empty());
}
on_both_databases!(another_companys_project_is_not_found);

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
    // Two readable simulations of different projects do not compare: the page says why.
    let refused = a
        .client
        .get(&format!("/simulations/{sa}/compare?with={s_hidden}"))
        .await;
    assert_eq!(refused.status, 409);
    refused.assert_contains("only runs of one project");
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
    // Reading is allowed: the project, its members, the read-only editor, versions, diffs and
    // simulations (200; the diagram's search outside htmx redirects to its page, 303). The
    // draft's export and rows, the edit and run forms are the editors', and the settings the
    // owners' (403). The same exact answer for a company reviewer and for a viewer member.
    let expected_read = |path: &str| -> u16 {
        let page = path.split_once('?').map_or(path, |(p, _)| p);
        if page.ends_with("/settings")
            || page.ends_with("/simulations/new")
            || page.ends_with("/editor/export.json")
            || page.contains("/editor/buses/rows/")
        {
            403
        } else if page.contains("/diagram/") {
            303
        } else {
            200
        }
    };
    for (who, client) in [("reviewer", &reviewer), ("viewer", &viewer)] {
        let mut got = Vec::new();
        let mut wanted = Vec::new();
        for path in project_reads(pid, 1) {
            got.push((path.clone(), client.get(&path).await.status));
            wanted.push((path.clone(), expected_read(&path)));
        }
        assert_eq!(got, wanted, "{who}: GET status of each page");
        client.get(&format!("/projects/{pid}")).await;
        for (path, fields) in project_changes(pid, 1, s.user_id) {
            let failures = count_failures();
            let res = client.post(&path, &fields).await;
            assert_eq!(res.status, 403, "{who} POST {path}: {}", res.body);
            let res = hx(client, &path, &fields).await;
            assert_eq!(res.status, 403, "{who} htmx POST {path}: {}", res.body);
            // The first refusal at once, the repeat as a count (written now, not in a minute).
            assert_eq!(count_failures(), failures + 1, "{who} POST {path} audited");
            flush_refusals(&app);
            assert_eq!(count_failures(), failures + 2, "{who} POST {path} counted");
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
    let (status, _, _) = upload(
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
