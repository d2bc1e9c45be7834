//! The audit trail: pages, keyset pagination, detail, append-only storage and the hash chain.

use crate::common::*;
use crate::on_both_databases;
use ampflux::db::{BackendKind, write_tx};
use ampflux::models::RequestMeta;
use ampflux::models::audit::{self, Actor, Entry};
use diesel::connection::SimpleConnection;

fn add_entries(app: &TestApp, company_id: i64, user_id: i64, n: usize) {
    app.with_conn(|conn| {
        write_tx(conn, |conn| {
            let actor = Actor {
                company_id,
                user_id: Some(user_id),
                meta: RequestMeta::default(),
            };
            for i in 0..n {
                audit::record(
                    conn,
                    &actor,
                    Entry::success("test.bulk", "thing", Some(i as i64))
                        .before(serde_json::json!({ "n": i }))
                        .after(serde_json::json!({ "n": i + 1, "label": format!("item {i}") })),
                )?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap()
    });
}

fn ids_in(body: &str) -> Vec<i64> {
    body.match_indices("<td><a href=\"/audit/")
        .filter_map(|(i, m)| body[i + m.len()..].split('"').next()?.parse().ok())
        .collect()
}

async fn pages_newest_first_with_keyset_pagination(app: TestApp) {
    let (client, account) = signed_up(&app, "Keyset").await;
    let user = user_by_login(&app, &account.email);
    add_entries(&app, user.company_id, user.id, 120);

    let first = client.get("/audit").await;
    assert_eq!(first.status, 200);
    let mut seen = ids_in(&first.body);
    assert_eq!(seen.len(), 50);
    assert!(seen.windows(2).all(|w| w[0] > w[1]), "newest first");
    let marker = "hx-get=\"";
    let next = |body: &str| -> Option<String> {
        let start = body.find(marker)? + marker.len();
        Some(body[start..].split('"').next()?.replace("&amp;", "&"))
    };
    let mut url = next(&first.body).expect("older entries link");
    let mut pages = 1;
    loop {
        let res = client.get_htmx(&url).await;
        assert_eq!(res.status, 200);
        assert!(!res.body.contains("<html"), "a fragment");
        let ids = ids_in(&res.body);
        assert!(
            ids.iter().all(|id| id < seen.last().unwrap()),
            "strictly older"
        );
        seen.extend(ids);
        pages += 1;
        assert!(
            res.body.contains("hx-swap-oob"),
            "the link is replaced out of band"
        );
        match next(&res.body) {
            Some(u) => url = u,
            None => break,
        }
    }
    assert_eq!(pages, 3);
    let total = 120 + 4; // the sign-up's company, user, license and verification entries
    assert_eq!(seen.len(), total);
    let mut dedup = seen.clone();
    dedup.dedup();
    assert_eq!(dedup.len(), total, "no entry twice");

    // The same page also works as a plain link (no JavaScript).
    let plain = client.get(&next(&first.body).unwrap()).await;
    plain.assert_contains("<html");
    assert_eq!(ids_in(&plain.body).len(), 50);

    // Filters.
    let filtered = client.get("/audit?action=user.&outcome=success").await;
    let ids = ids_in(&filtered.body);
    assert_eq!(ids.len(), 2, "user.create and user.verify_email");
    filtered.assert_contains("user.verify_email");
    let none = client.get("/audit?outcome=failure").await;
    none.assert_contains("No entries match.");
}
on_both_databases!(pages_newest_first_with_keyset_pagination);

async fn entry_detail_shows_before_and_after(app: TestApp) {
    let (client, account) = signed_up(&app, "Detail").await;
    client.get("/account").await;
    client
        .post(
            "/account/profile",
            &[("name", "New Name"), ("timezone", "Asia/Tokyo")],
        )
        .await;
    let user = user_by_login(&app, &account.email);
    let id = app.with_conn(|conn| {
        audit::page(
            conn,
            user.company_id,
            &audit::Filter {
                action: Some("user.update".into()),
                ..Default::default()
            },
            None,
            1,
        )
        .unwrap()
        .0[0]
            .log
            .id
    });
    let res = client.get(&format!("/audit/{id}")).await;
    assert_eq!(res.status, 200);
    res.assert_contains("&#34;name&#34;: &#34;Detail Engineer&#34;");
    res.assert_contains("&#34;name&#34;: &#34;New Name&#34;");
    res.assert_contains("JST");
    res.assert_contains("user.update");
    assert_eq!(client.get("/audit/999999").await.status, 404);
}
on_both_databases!(entry_detail_shows_before_and_after);

async fn the_trail_is_append_only_and_tamper_evident(app: TestApp) {
    let (_, account) = signed_up(&app, "Chain").await;
    let (_, other) = signed_up(&app, "Other").await;
    let user = user_by_login(&app, &account.email);
    add_entries(&app, user.company_id, user.id, 5);
    let other_company = user_by_login(&app, &other.email).company_id;

    app.with_conn(|conn| {
        let report = audit::verify_chain(conn, None).unwrap();
        assert_eq!(report.first_broken, None);
        assert_eq!(report.companies_checked, 2);
        assert_eq!(report.rows_checked, 9 + 4);

        // No code path updates or deletes, and the database refuses it too.
        assert!(
            conn.batch_execute("UPDATE audit_logs SET action = 'x'")
                .is_err()
        );
        assert!(conn.batch_execute("DELETE FROM audit_logs").is_err());
        assert!(
            conn.batch_execute("UPDATE audit_logs SET user_id = user_id + 1")
                .is_err()
        );
    });

    // Tamper behind the database's back: edit one row's content.
    let rows = app.with_conn(|conn| {
        audit::page(conn, user.company_id, &audit::Filter::default(), None, 100)
            .unwrap()
            .0
    });
    let victim = rows[3].log.id;
    let (disable, enable) = match app.backend {
        Backend::Sqlite => (
            "DROP TRIGGER audit_logs_no_update; DROP TRIGGER audit_logs_no_delete;",
            "",
        ),
        Backend::Postgres => (
            "ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only;",
            "ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_append_only;",
        ),
    };
    app.with_conn(|conn| {
        assert_eq!(
            matches!(conn.kind(), BackendKind::Postgres),
            app.backend == Backend::Postgres
        );
        conn.batch_execute(disable).unwrap();
        conn.batch_execute(&format!(
            "UPDATE audit_logs SET outcome = 'failure' WHERE id = {victim}"
        ))
        .unwrap();
        let report = audit::verify_chain(conn, None).unwrap();
        let broken = report.first_broken.expect("edit detected");
        assert_eq!(broken.id, victim);
        assert!(broken.reason.contains("edited"), "{}", broken.reason);
        assert!(
            audit::verify_chain(conn, Some(other_company))
                .unwrap()
                .first_broken
                .is_none()
        );

        // Put it back, then remove a row instead: the next row's link breaks.
        conn.batch_execute(&format!(
            "UPDATE audit_logs SET outcome = 'success' WHERE id = {victim}"
        ))
        .unwrap();
        assert!(
            audit::verify_chain(conn, None)
                .unwrap()
                .first_broken
                .is_none()
        );
        conn.batch_execute(&format!("DELETE FROM audit_logs WHERE id = {victim}"))
            .unwrap();
        let broken = audit::verify_chain(conn, None)
            .unwrap()
            .first_broken
            .expect("removal detected");
        assert_eq!(broken.id, rows[2].log.id, "the row after the removed one");
        assert!(broken.reason.contains("removed"), "{}", broken.reason);
        if !enable.is_empty() {
            conn.batch_execute(enable).unwrap();
        }
    });
}
on_both_databases!(the_trail_is_append_only_and_tamper_evident);

async fn concurrent_writers_keep_one_chain(app: TestApp) {
    let (_, account) = signed_up(&app, "Race").await;
    let user = user_by_login(&app, &account.email);
    let mut threads = Vec::new();
    for _ in 0..4 {
        let pool = app.pool.clone();
        let (company_id, user_id) = (user.company_id, user.id);
        threads.push(std::thread::spawn(move || {
            for i in 0..10 {
                let mut conn = pool.get().unwrap();
                write_tx(&mut conn, |conn| {
                    let actor = Actor {
                        company_id,
                        user_id: Some(user_id),
                        meta: RequestMeta::default(),
                    };
                    audit::record(conn, &actor, Entry::success("test.race", "thing", Some(i)))
                })
                .unwrap();
            }
        }));
    }
    for t in threads {
        t.join().unwrap();
    }
    app.with_conn(|conn| {
        let report = audit::verify_chain(conn, Some(user.company_id)).unwrap();
        assert_eq!(report.first_broken, None, "no fork in the chain");
        assert_eq!(report.rows_checked, 40 + 4);
    });
}
on_both_databases!(concurrent_writers_keep_one_chain);

async fn removing_the_newest_entries_is_detected(app: TestApp) {
    let (_, account) = signed_up(&app, "Tail").await;
    let user = user_by_login(&app, &account.email);
    add_entries(&app, user.company_id, user.id, 3);
    let newest = app.with_conn(|conn| {
        audit::page(conn, user.company_id, &audit::Filter::default(), None, 1)
            .unwrap()
            .0[0]
            .log
            .id
    });
    let disable = match app.backend {
        Backend::Sqlite => "DROP TRIGGER audit_logs_no_delete;",
        Backend::Postgres => "ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_append_only;",
    };
    app.with_conn(|conn| {
        if app.backend == Backend::Postgres {
            assert!(
                conn.batch_execute("TRUNCATE audit_logs").is_err(),
                "TRUNCATE refused"
            );
        }
        // A user with audit entries cannot be hard-deleted (users are soft-deleted).
        assert!(
            conn.batch_execute(&format!("DELETE FROM users WHERE id = {}", user.id))
                .is_err()
        );
        conn.batch_execute(disable).unwrap();
        conn.batch_execute(&format!("DELETE FROM audit_logs WHERE id = {newest}"))
            .unwrap();
        let broken = audit::verify_chain(conn, None)
            .unwrap()
            .first_broken
            .expect("tail removal detected");
        assert_eq!(broken.company_id, user.company_id);
        assert!(
            broken.reason.contains("newest entries were removed"),
            "{}",
            broken.reason
        );
        conn.batch_execute("DELETE FROM audit_logs").unwrap();
        let broken = audit::verify_chain(conn, None)
            .unwrap()
            .first_broken
            .expect("emptied trail detected");
        assert!(broken.reason.contains("0 of"), "{}", broken.reason);
    });
}
on_both_databases!(removing_the_newest_entries_is_detected);

async fn numbers_hash_the_same_after_a_round_trip(app: TestApp) {
    let (_, account) = signed_up(&app, "Numbers").await;
    let user = user_by_login(&app, &account.email);
    app.with_conn(|conn| {
        write_tx(conn, |conn| {
            let actor = Actor {
                company_id: user.company_id,
                user_id: Some(user.id),
                meta: RequestMeta::default(),
            };
            audit::record(
                conn,
                &actor,
                Entry::success("test.numbers", "thing", Some(1))
                    .before(serde_json::json!({
                        "big": 1e16, "negzero": -0.0, "tenth": 0.1, "tiny": 1e-7, "huge": 1.5e300,
                        "int": 42, "neg": -3.5, "z": { "b": 1, "a": [2.0, 3] }
                    }))
                    .after(serde_json::json!({ "bigneg": -2e17, "max": 18446744073709551615u64 })),
            )
        })
        .unwrap();
        let report = audit::verify_chain(conn, Some(user.company_id)).unwrap();
        assert_eq!(
            report.first_broken, None,
            "stored numbers verify on {:?}",
            app.backend
        );
    });
}
on_both_databases!(numbers_hash_the_same_after_a_round_trip);
