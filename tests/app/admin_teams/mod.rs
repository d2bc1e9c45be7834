//! Teams (`/admin/teams`): who may manage them, tenancy, names, the htmx pieces, the audit
//! trail and the read-only license. The access a team gives to its projects is in `access`.

mod access;

use crate::common::*;
use crate::on_both_databases;
use ampflux::db::schema::{project_teams, team_members, teams};
use diesel::prelude::*;

/// Creates a team through the form; its id.
async fn create_team(client: &Client, name: &str) -> i64 {
    client.get("/admin/teams").await;
    let res = client
        .post("/admin/teams", &[("name", name), ("description", "")])
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    res.location()
        .trim_start_matches("/admin/teams/")
        .parse()
        .expect("team id in the redirect")
}

async fn add_to_team(client: &Client, team: i64, user: i64) {
    client
        .post(
            &format!("/admin/teams/{team}/members"),
            &[("user_id", &user.to_string())],
        )
        .await
        .assert_redirect(&format!("/admin/teams/{team}"));
}

async fn give_project(client: &Client, team: i64, pid: i64, role: &str) {
    client
        .post(
            &format!("/admin/teams/{team}/projects"),
            &[("project_id", &pid.to_string()), ("role", role)],
        )
        .await
        .assert_redirect(&format!("/admin/teams/{team}"));
}

/// Everything the team tables hold, to show that a refused request changed nothing.
fn team_tables(app: &TestApp) -> String {
    app.with_conn(|conn| {
        let t: Vec<(i64, i64, String, String)> = teams::table
            .order(teams::id)
            .select((
                teams::id,
                teams::company_id,
                teams::name,
                teams::description,
            ))
            .load(conn)
            .unwrap();
        let m: Vec<(i64, i64)> = team_members::table
            .order((team_members::team_id, team_members::user_id))
            .select((team_members::team_id, team_members::user_id))
            .load(conn)
            .unwrap();
        let g: Vec<(i64, i64, String)> = project_teams::table
            .order((project_teams::team_id, project_teams::project_id))
            .select((
                project_teams::team_id,
                project_teams::project_id,
                project_teams::role,
            ))
            .load(conn)
            .unwrap();
        format!("{t:?} {m:?} {g:?}")
    })
}

/// Every change a team page makes, as plain form posts (the delete last).
fn team_changes(team: i64, user: i64, pid: i64) -> Vec<(String, Vec<(&'static str, String)>)> {
    vec![
        (
            "/admin/teams".into(),
            vec![("name", "Made up".into()), ("description", String::new())],
        ),
        (
            format!("/admin/teams/{team}"),
            vec![("name", "Renamed".into()), ("description", String::new())],
        ),
        (
            format!("/admin/teams/{team}/members"),
            vec![("user_id", user.to_string())],
        ),
        (format!("/admin/teams/{team}/members/{user}/remove"), vec![]),
        (
            format!("/admin/teams/{team}/projects"),
            vec![("project_id", pid.to_string()), ("role", "editor".into())],
        ),
        (format!("/admin/teams/{team}/projects/{pid}/remove"), vec![]),
        (format!("/admin/teams/{team}/delete"), vec![]),
    ]
}

async fn post_fields(client: &Client, path: &str, fields: &[(&'static str, String)]) -> Resp {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client.post(path, &fields).await
}

async fn only_user_managers_reach_teams(app: TestApp) {
    let s = setup(&app, "TeamPerm").await;
    let team = create_team(&s.client, "Protection").await;
    let (engineer, eng) = signed_in(&app, s.company_id, "eng.teamperm", "engineer").await;
    let (reviewer, _) = signed_in(&app, s.company_id, "rev.teamperm", "reviewer").await;
    let reads = ["/admin/teams".to_string(), format!("/admin/teams/{team}")];
    let changes = team_changes(team, eng, s.pid);

    let before = team_tables(&app);
    for (who, client) in [("engineer", &engineer), ("reviewer", &reviewer)] {
        for path in &reads {
            assert_eq!(client.get(path).await.status, 403, "{who} GET {path}");
            assert_eq!(client.get_htmx(path).await.status, 403, "{who} htmx {path}");
        }
        let refused = audit_entries(&app, s.company_id, "team.").len();
        for (path, fields) in &changes {
            let res = post_fields(client, path, fields).await;
            assert_eq!(res.status, 403, "{who} POST {path}: {}", res.body);
        }
        let entries = audit_entries(&app, s.company_id, "team.");
        assert_eq!(
            entries.len(),
            refused + changes.len(),
            "{who}: refusals audited"
        );
        assert!(
            entries[..changes.len()]
                .iter()
                .all(|e| e.log.outcome == "failure" && e.log.details.0["denied"] == "users:manage")
        );
        assert!(!client.get("/").await.body.contains("href=\"/admin\""));
    }
    assert_eq!(team_tables(&app), before, "refused changes change nothing");

    // Signed out: the sign-in page, then back.
    let anonymous = app.client();
    for path in &reads {
        let res = anonymous.get(path).await;
        assert_eq!(res.status, 303, "{path}");
        assert!(
            res.location().starts_with("/login?next="),
            "{}",
            res.location()
        );
    }
    anonymous.get("/login").await;
    for (path, fields) in &changes {
        let res = post_fields(&anonymous, path, fields).await;
        assert_eq!(res.status, 303, "anonymous POST {path}: {}", res.body);
        assert!(res.location().starts_with("/login"), "{}", res.location());
    }
    assert_eq!(team_tables(&app), before);

    // The company admin reaches every page and makes every change.
    let page = s.client.get("/admin/teams").await;
    assert_eq!(page.status, 200);
    page.assert_contains("<a href=\"/admin/teams\" aria-current=\"page\">Teams</a>");
    page.assert_contains(&format!("<a href=\"/admin/teams/{team}\">Protection</a>"));
    assert_eq!(
        s.client.get(&format!("/admin/teams/{team}")).await.status,
        200
    );
    for (path, fields) in &changes {
        let res = post_fields(&s.client, path, fields).await;
        assert_eq!(res.status, 303, "admin POST {path}: {}", res.body);
    }
    assert_eq!(
        s.client.get(&format!("/admin/teams/{team}")).await.status,
        404,
        "deleted"
    );
}
on_both_databases!(only_user_managers_reach_teams);

async fn another_companys_teams_users_and_projects_are_not_found(app: TestApp) {
    let a = setup(&app, "TeamsA").await;
    let a_team = create_team(&a.client, "Grid studies").await;
    let a_user = add_user(&app, a.company_id, "eng.teamsa", "engineer");
    add_to_team(&a.client, a_team, a_user).await;
    give_project(&a.client, a_team, a.pid, "editor").await;
    let b = setup(&app, "TeamsB").await;
    let b_team = create_team(&b.client, "Cables").await;
    let b_user = add_user(&app, b.company_id, "eng.teamsb", "engineer");
    let before = team_tables(&app);

    // Company B's admin with company A's team id: nothing is there, on every route.
    let list = b.client.get("/admin/teams").await;
    assert!(!list.body.contains("Grid studies"));
    assert_eq!(
        b.client.get(&format!("/admin/teams/{a_team}")).await.status,
        404
    );
    assert_eq!(
        b.client
            .get_htmx(&format!("/admin/teams/{a_team}"))
            .await
            .status,
        404
    );
    for (path, fields) in team_changes(a_team, b_user, b.pid).iter().skip(1) {
        let res = post_fields(&b.client, path, fields).await;
        assert_eq!(res.status, 404, "POST {path}: {}", res.body);
        let res = hx(
            &b.client,
            path,
            &fields
                .iter()
                .map(|(k, v)| (*k, v.as_str()))
                .collect::<Vec<_>>(),
        )
        .await;
        assert_eq!(res.status, 404, "htmx POST {path}");
    }
    // ... and A's people and projects by id on B's own team: refused without saying whether
    // they exist, or not found when in the path.
    b.client.get(&format!("/admin/teams/{b_team}")).await;
    let res = b
        .client
        .post(
            &format!("/admin/teams/{b_team}/members"),
            &[("user_id", &a_user.to_string())],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("Choose an active user of your company.");
    let missing = b
        .client
        .post(
            &format!("/admin/teams/{b_team}/members"),
            &[("user_id", "999999")],
        )
        .await;
    assert_eq!(missing.status, 422);
    missing.assert_contains("Choose an active user of your company.");
    let res = b
        .client
        .post(
            &format!("/admin/teams/{b_team}/projects"),
            &[("project_id", &a.pid.to_string()), ("role", "viewer")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("Choose a project of your company.");
    for path in [
        format!("/admin/teams/{b_team}/members/{a_user}/remove"),
        format!("/admin/teams/{b_team}/projects/{}/remove", a.pid),
        "/admin/teams/not-a-number".to_string(),
    ] {
        assert_eq!(b.client.post(&path, &[]).await.status, 404, "{path}");
    }
    assert_eq!(b.client.get("/admin/teams/not-a-number").await.status, 404);
    assert_eq!(team_tables(&app), before, "nothing changed");
    // The pickers offer only the company's own people and projects.
    let page = b.client.get(&format!("/admin/teams/{b_team}")).await;
    page.assert_contains("eng.teamsb");
    assert!(!page.body.contains("eng.teamsa"));
    page.assert_contains("TeamsB substation");
    assert!(!page.body.contains("TeamsA substation"));

    // Deactivated and deleted people of one's own company are refused too.
    let gone = add_user(&app, a.company_id, "gone.teamsa", "engineer");
    let deleted = add_user(&app, a.company_id, "deleted.teamsa", "engineer");
    app.with_conn(|conn| {
        use ampflux::db::schema::users;
        diesel::update(users::table.find(gone))
            .set(users::is_active.eq(false))
            .execute(conn)
            .unwrap();
        diesel::update(users::table.find(deleted))
            .set(users::deleted_at.eq(Some(ampflux::util::now())))
            .execute(conn)
            .unwrap();
    });
    a.client.get(&format!("/admin/teams/{a_team}")).await;
    for (user, what) in [
        (gone.to_string(), "deactivated"),
        (deleted.to_string(), "deleted"),
        ("x".into(), "no number"),
    ] {
        let res = a
            .client
            .post(
                &format!("/admin/teams/{a_team}/members"),
                &[("user_id", &user)],
            )
            .await;
        assert_eq!(res.status, 422, "{what}");
        res.assert_contains("Choose an active user of your company.");
    }
    let page = a.client.get(&format!("/admin/teams/{a_team}")).await;
    assert!(!page.body.contains("gone.teamsa") && !page.body.contains("deleted.teamsa"));
    assert_eq!(team_tables(&app), before);
}
on_both_databases!(another_companys_teams_users_and_projects_are_not_found);

async fn team_names_are_unique_in_the_company(app: TestApp) {
    let s = setup(&app, "TeamNames").await;
    let first = create_team(&s.client, "Protection").await;
    let second = create_team(&s.client, "Cables").await;
    let (other, _) = signed_up(&app, "TeamNamesB").await;
    create_team(&other, "Protection").await;

    for name in ["Protection", " protection ", "PROTECTION"] {
        let res = s
            .client
            .post("/admin/teams", &[("name", name), ("description", "again")])
            .await;
        assert_eq!(res.status, 422, "{name}");
        res.assert_contains("Your company already has a team with this name.");
        res.assert_contains("aria-describedby=\"name-error\"");
        res.assert_contains(">again</textarea>");
    }
    let res = s
        .client
        .post(
            &format!("/admin/teams/{second}"),
            &[("name", "protection"), ("description", "")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("Your company already has a team with this name.");
    for (name, message) in [("", "Enter a name"), ("a\u{7}b", "control characters")] {
        let res = s
            .client
            .post("/admin/teams", &[("name", name), ("description", "")])
            .await;
        assert_eq!(res.status, 422);
        res.assert_contains(message);
    }
    // A change of case of its own name is fine.
    s.client
        .post(
            &format!("/admin/teams/{first}"),
            &[("name", "PROTECTION"), ("description", "Relays")],
        )
        .await
        .assert_redirect(&format!("/admin/teams/{first}"));

    // Many admins creating the same team at once: one team, the others get the field error.
    let admins = [
        signed_in(&app, s.company_id, "adm1.teamnames", "company_admin")
            .await
            .0,
        signed_in(&app, s.company_id, "adm2.teamnames", "company_admin")
            .await
            .0,
        signed_in(&app, s.company_id, "adm3.teamnames", "company_admin")
            .await
            .0,
        signed_in(&app, s.company_id, "adm4.teamnames", "company_admin")
            .await
            .0,
    ];
    let posts = admins.iter().map(|c| async move {
        c.post("/admin/teams", &[("name", "Earthing"), ("description", "")])
            .await
    });
    let results = futures_util::future::join_all(posts).await;
    let created = results.iter().filter(|r| r.status == 303).count();
    assert_eq!(
        created,
        1,
        "{:?}",
        results.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    for r in results.iter().filter(|r| r.status != 303) {
        assert_eq!(r.status, 422, "{}", r.body);
        r.assert_contains("Your company already has a team with this name.");
    }
    let count: i64 = app.with_conn(|conn| {
        teams::table
            .filter(teams::company_id.eq(s.company_id))
            .count()
            .get_result(conn)
            .unwrap()
    });
    assert_eq!(count, 3);
}
on_both_databases!(team_names_are_unique_in_the_company);

async fn member_and_project_lists_answer_htmx_with_their_piece(app: TestApp) {
    let s = setup(&app, "TeamHtmx").await;
    let team = create_team(&s.client, "Relays").await;
    let eng = add_user(&app, s.company_id, "eng.teamhtmx", "engineer");
    s.client.get(&format!("/admin/teams/{team}")).await;
    let path = format!("/admin/teams/{team}/members");
    let res = hx(&s.client, &path, &[("user_id", &eng.to_string())]).await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.body.starts_with("<div id=\"team-members\">"),
        "{}",
        res.body
    );
    assert!(!res.body.contains("<html"));
    res.assert_contains("eng.teamhtmx");
    // Added twice: the error beside the picker, swapped in with 422.
    let res = hx(&s.client, &path, &[("user_id", &eng.to_string())]).await;
    assert_eq!(res.status, 422);
    res.assert_contains("is already in this team.");
    res.assert_contains("id=\"user_id-error\"");
    let path = format!("/admin/teams/{team}/projects");
    let res = hx(
        &s.client,
        &path,
        &[("project_id", &s.pid.to_string()), ("role", "owner")],
    )
    .await;
    assert_eq!(res.status, 422);
    assert!(res.body.starts_with("<div id=\"team-projects\">"));
    res.assert_contains("Choose editor or viewer.");
    let res = hx(
        &s.client,
        &path,
        &[("project_id", &s.pid.to_string()), ("role", "viewer")],
    )
    .await;
    assert_eq!(res.status, 200);
    res.assert_contains("TeamHtmx substation");
    let res = hx(&s.client, &format!("{path}/{}/remove", s.pid), &[]).await;
    assert_eq!(res.status, 200);
    res.assert_contains("No project is given to this team yet.");
    let res = hx(
        &s.client,
        &format!("/admin/teams/{team}/members/{eng}/remove"),
        &[],
    )
    .await;
    assert_eq!(res.status, 200);
    res.assert_contains("Nobody is in this team yet.");
    // Without htmx, an error shows the whole page with the message beside the picker.
    let res = s
        .client
        .post(
            &format!("/admin/teams/{team}/projects"),
            &[("project_id", "x"), ("role", "editor")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("<html");
    res.assert_contains("Choose a project.");
}
on_both_databases!(member_and_project_lists_answer_htmx_with_their_piece);

async fn every_team_change_is_audited_with_before_and_after(app: TestApp) {
    let s = setup(&app, "TeamAudit").await;
    let eng = add_user(&app, s.company_id, "eng.teamaudit", "engineer");
    let team = create_team(&s.client, "Audited").await;
    s.client
        .post(
            &format!("/admin/teams/{team}"),
            &[("name", "Audited team"), ("description", "Who did what")],
        )
        .await
        .assert_redirect(&format!("/admin/teams/{team}"));
    add_to_team(&s.client, team, eng).await;
    give_project(&s.client, team, s.pid, "viewer").await;
    give_project(&s.client, team, s.pid, "editor").await;
    // The same role again changes nothing and is not a change.
    give_project(&s.client, team, s.pid, "editor").await;
    s.client
        .post(
            &format!("/admin/teams/{team}/projects/{}/remove", s.pid),
            &[],
        )
        .await
        .assert_redirect(&format!("/admin/teams/{team}"));
    s.client
        .post(&format!("/admin/teams/{team}/members/{eng}/remove"), &[])
        .await
        .assert_redirect(&format!("/admin/teams/{team}"));

    let one = |action: &str| {
        let entries = audit_entries(&app, s.company_id, action);
        assert!(entries.iter().all(|e| e.log.outcome == "success"));
        assert!(
            entries
                .iter()
                .all(|e| e.log.entity_type == "team" && e.log.entity_id == Some(team))
        );
        entries
    };
    let created = one("team.create");
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].log.changes.0["after"]["name"], "Audited");
    let updated = &one("team.update")[0].log.changes.0;
    assert_eq!(updated["before"]["name"], "Audited");
    assert_eq!(updated["after"]["name"], "Audited team");
    assert_eq!(updated["after"]["description"], "Who did what");
    let added = &one("team.member_add")[0].log;
    assert_eq!(added.changes.0["after"]["user_id"], eng);
    assert!(added.changes.0["before"].is_null());
    assert_eq!(added.details.0["team"], "Audited team");
    let grants = one("team.project_grant");
    assert_eq!(grants.len(), 2, "the unchanged role is no entry");
    assert_eq!(grants[0].log.project_id, Some(s.pid));
    assert_eq!(grants[0].log.changes.0["before"]["role"], "viewer");
    assert_eq!(grants[0].log.changes.0["after"]["role"], "editor");
    assert!(grants[1].log.changes.0["before"].is_null());
    assert_eq!(grants[1].log.changes.0["after"]["role"], "viewer");
    let revoked = &one("team.project_revoke")[0].log;
    assert_eq!(revoked.project_id, Some(s.pid));
    assert_eq!(revoked.changes.0["before"]["role"], "editor");
    assert!(revoked.changes.0["after"].is_null());
    let removed = &one("team.member_remove")[0].log;
    assert_eq!(removed.changes.0["before"]["username"], "eng.teamaudit");
    assert!(removed.changes.0["after"].is_null());
    // The project's own trail shows what happened to its access.
    let audit = s.client.get("/audit?action=team.project").await;
    audit.assert_contains("team.project_grant");
    audit.assert_contains("team.project_revoke");
}
on_both_databases!(every_team_change_is_audited_with_before_and_after);

async fn a_read_only_company_changes_no_team(app: TestApp) {
    let s = setup(&app, "TeamLicense").await;
    let team = create_team(&s.client, "Before the end").await;
    let eng = add_user(&app, s.company_id, "eng.teamlicense", "engineer");
    app.with_conn(|conn| {
        use ampflux::db::schema::licenses;
        diesel::update(licenses::table.filter(licenses::company_id.eq(s.company_id)))
            .set(licenses::status.eq("suspended"))
            .execute(conn)
            .unwrap();
    });
    let before = team_tables(&app);
    assert_eq!(
        s.client.get(&format!("/admin/teams/{team}")).await.status,
        200,
        "reading works"
    );
    for (path, fields) in team_changes(team, eng, s.pid) {
        let failures = audit_entries(&app, s.company_id, "team.").len();
        let res = post_fields(&s.client, &path, &fields).await;
        assert_eq!(res.status, 403, "POST {path}");
        res.assert_contains("read-only");
        let entries = audit_entries(&app, s.company_id, "team.");
        assert_eq!(entries.len(), failures + 1, "{path}");
        assert_eq!(entries[0].log.outcome, "failure");
        assert!(entries[0].log.details.0["read_only"].is_string());
    }
    assert_eq!(team_tables(&app), before);
}
on_both_databases!(a_read_only_company_changes_no_team);
