//! The engineering data layer: projects in their tenant, consecutive circuit versions under
//! concurrent saves, seeded modules.

use crate::common::*;
use crate::on_both_databases;
use ampflux::models::{circuit_version, project};

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
