//! Pages and signed-in users kept in memory per process (the company revision cache): every
//! change shows on the next request, in this process and in another one on the same database,
//! whether it came through the pages or straight into the database.

use crate::common::*;
use crate::on_both_databases;
use ampflux::db::schema::{projects, users};
use diesel::prelude::*;

async fn cached_pages_follow_every_change_in_every_process(app: TestApp) {
    let (owner, a) = signed_up(&app, "Cache").await;
    let me = user_by_login(&app, &a.email);
    let eng = add_user(&app, me.company_id, "eng.cache", "engineer");
    let pid = create_project(&owner, "Feeder study", &[("start", "empty")]).await;

    // The engineer works on another server process.
    let other = app.spawn_sibling();
    let engineer = Client::new(&other);
    sign_in(&engineer, "eng.cache").await;
    let list = engineer.get("/projects").await;
    list.assert_contains("No projects yet");
    assert_eq!(
        engineer.get("/projects").await.body,
        list.body,
        "served again"
    );

    // Made a member through this process: the other one shows the project at once.
    owner.get(&format!("/projects/{pid}/members")).await;
    owner
        .post(
            &format!("/projects/{pid}/members"),
            &[("user_id", &eng.to_string()), ("role", "editor")],
        )
        .await
        .assert_redirect(&format!("/projects/{pid}/members"));
    let list = engineer.get("/projects").await;
    list.assert_contains("Feeder study");
    list.assert_contains("v1");
    let members_before = list.body.clone();

    // Changes written straight into the database (another tool, another process).
    app.with_conn(|conn| {
        diesel::update(projects::table.find(pid))
            .set(projects::name.eq("Feeder study (renamed)"))
            .execute(conn)
            .unwrap();
        diesel::update(users::table.find(me.id))
            .set(users::name.eq("Renamed Owner"))
            .execute(conn)
            .unwrap();
        let circuit =
            serde_json::json!({ "format": "ampflux-circuit", "version": 1, "name": "v2" });
        ampflux::models::circuit_version::save_next(conn, pid, &circuit, "second", me.id).unwrap();
    });
    let list = engineer.get("/projects").await;
    assert_ne!(list.body, members_before);
    list.assert_contains("Feeder study (renamed)");
    list.assert_contains("Renamed Owner");
    list.assert_contains("v2");
    // The htmx fragment follows too.
    let fragment = engineer.get_htmx("/projects?q=renamed").await;
    fragment.assert_contains("Feeder study (renamed)");
    assert!(!fragment.body.contains("<html"));

    // Removed from the project: gone from the list, and its pages are 404 again.
    owner
        .post(&format!("/projects/{pid}/members/{eng}/remove"), &[])
        .await
        .assert_redirect(&format!("/projects/{pid}/members"));
    engineer
        .get("/projects")
        .await
        .assert_contains("No projects yet");
    assert_eq!(engineer.get(&format!("/projects/{pid}")).await.status, 404);

    // Permissions are read per revision as well: without a role the list is refused at once,
    // and a deactivated user is signed out on the next request.
    assert_eq!(engineer.get("/projects/new").await.status, 200);
    app.with_conn(|conn| {
        use ampflux::db::schema::user_roles;
        diesel::delete(user_roles::table.filter(user_roles::user_id.eq(eng)))
            .execute(conn)
            .unwrap();
    });
    assert_eq!(engineer.get("/projects/new").await.status, 403);
    app.with_conn(|conn| {
        diesel::update(users::table.find(eng))
            .set(users::is_active.eq(false))
            .execute(conn)
            .unwrap();
    });
    let res = engineer.get("/projects").await;
    assert_eq!(res.status, 303);
    assert!(res.location().starts_with("/login"), "{}", res.location());
}
on_both_databases!(cached_pages_follow_every_change_in_every_process);

async fn one_companys_changes_leave_another_companys_cache_alone(app: TestApp) {
    let (first, a) = signed_up(&app, "CacheA").await;
    let (second, _) = signed_up(&app, "CacheB").await;
    create_project(&first, "Alpha grid", &[("start", "empty")]).await;
    second
        .get("/projects")
        .await
        .assert_contains("No projects yet");
    let revision = |app: &TestApp, company_id: i64| -> i64 {
        use ampflux::db::schema::company_revisions;
        app.with_conn(|conn| {
            company_revisions::table
                .find(company_id)
                .select(company_revisions::revision)
                .first(conn)
                .unwrap()
        })
    };
    let a_company = user_by_login(&app, &a.email).company_id;
    let before = revision(&app, a_company);
    create_project(&first, "Beta grid", &[("start", "empty")]).await;
    assert!(
        revision(&app, a_company) > before,
        "a change bumps its company"
    );
    let list = first.get("/projects").await;
    list.assert_contains("Beta grid");
    let other = second.get("/projects").await;
    other.assert_contains("No projects yet");
    assert!(!other.body.contains("grid"));
    assert!(
        app.state.project_lists.len() >= 2,
        "lists are kept in memory"
    );
}
on_both_databases!(one_companys_changes_leave_another_companys_cache_alone);

async fn a_company_without_a_counter_is_served_uncached(app: TestApp) {
    let (owner, a) = signed_up(&app, "NoCounter").await;
    let me = user_by_login(&app, &a.email);
    app.with_conn(|conn| {
        use ampflux::db::schema::company_revisions;
        diesel::delete(company_revisions::table.find(me.company_id))
            .execute(conn)
            .unwrap();
    });
    let pid = create_project(&owner, "Uncached grid", &[("start", "empty")]).await;
    owner
        .get("/projects")
        .await
        .assert_contains("Uncached grid");
    app.with_conn(|conn| {
        diesel::update(projects::table.find(pid))
            .set(projects::name.eq("Uncached grid, renamed"))
            .execute(conn)
            .unwrap();
    });
    owner
        .get("/projects")
        .await
        .assert_contains("Uncached grid, renamed");
}
on_both_databases!(a_company_without_a_counter_is_served_uncached);

/// The tables whose changes must bump the company revision (what signed-in pages read).
const TRACKED: [&str; 9] = [
    "companies",
    "roles",
    "users",
    "user_roles",
    "licenses",
    "projects",
    "project_members",
    "circuit_versions",
    "simulations",
];

async fn every_tracked_table_bumps_the_revision(app: TestApp) {
    use ampflux::db::schema::company_revisions;
    use diesel::sql_types::{BigInt, Text};

    // The triggers are all there (a table rebuilt by a later migration loses its triggers on
    // SQLite unless the migration creates them again).
    #[derive(QueryableByName)]
    struct Named {
        #[diesel(sql_type = Text)]
        name: String,
    }
    for table in TRACKED {
        let names: Vec<String> = app.with_conn(|conn| {
            let sql = match app.backend {
                Backend::Sqlite => {
                    "SELECT name FROM sqlite_master WHERE type = 'trigger' \
                     AND tbl_name = $1 AND name LIKE '%revision%'"
                }
                Backend::Postgres => {
                    "SELECT tgname::text AS name FROM pg_trigger \
                     WHERE tgrelid = $1::regclass AND NOT tgisinternal AND tgname LIKE '%revision%'"
                }
            };
            diesel::sql_query(sql)
                .bind::<Text, _>(table)
                .load::<Named>(conn)
                .unwrap()
                .into_iter()
                .map(|n| n.name)
                .collect()
        });
        let wanted = match (app.backend, table) {
            (Backend::Postgres, "companies") => 2, // the counter row, and the bump
            (Backend::Postgres, _) => 1,           // one trigger for all three events
            (Backend::Sqlite, "companies") => 2,   // insert (the counter row), update
            (Backend::Sqlite, _) => 3,             // insert, update, delete
        };
        assert_eq!(
            names.len(),
            wanted,
            "revision triggers on {table}: {names:?}"
        );
    }

    // And they bump: a no-op update of a row of each table moves the counter.
    let (owner, a) = signed_up(&app, "Tracked").await;
    let me = user_by_login(&app, &a.email);
    let pid = create_project(&owner, "Tracked grid", &[("start", "empty")]).await;
    // A simulation row to update (the empty circuit's run fails); finished, so that no worker
    // writes to it any more.
    let sim = run_simulation(&owner, pid, &[]).await;
    wait_finished(&owner, sim).await.assert_contains("no bus");
    let revision = || -> i64 {
        app.with_conn(|conn| {
            company_revisions::table
                .find(me.company_id)
                .select(company_revisions::revision)
                .first(conn)
                .unwrap()
        })
    };
    let statements = [
        (
            "companies",
            "UPDATE companies SET name = name WHERE id = $1",
        ),
        ("roles", "UPDATE roles SET name = name WHERE $1 > 0"),
        ("users", "UPDATE users SET name = name WHERE id = $1"),
        (
            "user_roles",
            "UPDATE user_roles SET assigned_at = assigned_at WHERE user_id = $1",
        ),
        (
            "licenses",
            "UPDATE licenses SET plan = plan WHERE company_id = $1",
        ),
        ("projects", "UPDATE projects SET name = name WHERE id = $1"),
        (
            "project_members",
            "UPDATE project_members SET role = role WHERE project_id = $1",
        ),
        (
            "circuit_versions",
            "UPDATE circuit_versions SET message = message WHERE project_id = $1",
        ),
        (
            "simulations",
            "UPDATE simulations SET status = status WHERE project_id = $1",
        ),
    ];
    let updated: Vec<&str> = statements.iter().map(|(table, _)| *table).collect();
    assert_eq!(updated, TRACKED, "the loop updates every tracked table");
    for (table, sql) in statements {
        let id = match table {
            "companies" | "licenses" => me.company_id,
            "users" | "user_roles" => me.id,
            "roles" => 1,
            _ => pid,
        };
        let before = revision();
        let changed = app.with_conn(|conn| {
            diesel::sql_query(sql)
                .bind::<BigInt, _>(id)
                .execute(conn)
                .unwrap()
        });
        assert!(changed > 0, "{table}: the statement changed no row");
        assert!(
            revision() > before,
            "an update of {table} bumps the revision"
        );
    }

    // And the cached pages follow real changes of a simulation and of the license, written
    // straight into the database: the project list (cached per revision) shows the new status,
    // the dashboard (whose user and license are kept per revision) the license's new end.
    let list = owner.get("/projects").await;
    list.assert_contains("sim-status failed");
    assert_eq!(owner.get("/projects").await.body, list.body, "served again");
    let home = owner.get("/").await;
    assert!(!home.body.contains("license ends in"), "{}", home.body);
    app.with_conn(|conn| {
        use ampflux::db::schema::simulations;
        diesel::update(simulations::table.find(sim))
            .set(simulations::status.eq("completed"))
            .execute(conn)
            .unwrap();
    });
    let list = owner.get("/projects").await;
    list.assert_contains("sim-status completed");
    assert!(!list.body.contains("sim-status failed"));
    app.with_conn(|conn| {
        use ampflux::db::schema::licenses;
        let soon = ampflux::util::now().date() + chrono::Duration::days(3);
        diesel::update(licenses::table.filter(licenses::company_id.eq(me.company_id)))
            .set(licenses::end_date.eq(soon))
            .execute(conn)
            .unwrap();
    });
    owner.get("/").await.assert_contains("license ends in");
}
on_both_databases!(every_tracked_table_bumps_the_revision);
