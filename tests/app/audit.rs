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

pub fn ids_in(body: &str) -> Vec<i64> {
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

// ------------------------------------------------------------------ filters (issue 11)

/// Records `n` entries as `user_id` (`None`: a shell command) with this action, entity type,
/// project and outcome.
#[allow(clippy::too_many_arguments)]
pub fn record_n(
    app: &TestApp,
    company_id: i64,
    user_id: Option<i64>,
    n: usize,
    action: &'static str,
    entity_type: &'static str,
    project_id: Option<i64>,
    failure_every: usize,
) {
    app.with_conn(|conn| {
        write_tx(conn, |conn| {
            let actor = Actor {
                company_id,
                user_id,
                meta: RequestMeta::default(),
            };
            for i in 0..n {
                let mut entry = if failure_every > 0 && i % failure_every == 0 {
                    Entry::failure(action, entity_type, Some(i as i64))
                } else {
                    Entry::success(action, entity_type, Some(i as i64))
                };
                entry.project_id = project_id;
                audit::record(conn, &actor, entry)?;
            }
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap()
    });
}

/// Every id listed from `url` on, following the "older entries" links as htmx does.
pub async fn walk(client: &Client, url: &str) -> Vec<i64> {
    let first = client.get(url).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let mut ids = ids_in(&first.body);
    let mut body = first.body;
    while let Some(next) = older_link(&body) {
        let res = client.get_htmx(&next).await;
        assert_eq!(res.status, 200, "{}", res.body);
        let more = ids_in(&res.body);
        assert!(!more.is_empty(), "an older page has rows");
        assert!(
            more[0] < *ids.last().unwrap(),
            "strictly older than the page before: {next} {more:?} after {ids:?}"
        );
        ids.extend(more);
        body = res.body;
    }
    let mut sorted = ids.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    sorted.dedup();
    assert_eq!(sorted, ids, "newest first, no entry twice");
    ids
}

fn older_link(body: &str) -> Option<String> {
    let marker = "hx-get=\"/audit?";
    let start = body.find(marker)? + "hx-get=\"".len();
    Some(unescape(body[start..].split('"').next()?))
}

/// An attribute's value as the browser reads it.
pub fn unescape(s: &str) -> String {
    s.replace("&#38;", "&").replace("&amp;", "&")
}

/// The company's entries matching `keep`, newest first, straight from the table.
pub fn expected_ids(
    app: &TestApp,
    company_id: i64,
    keep: impl Fn(&audit::AuditLog) -> bool,
) -> Vec<i64> {
    use ampflux::db::schema::audit_logs;
    use diesel::prelude::*;
    app.with_conn(|conn| {
        audit_logs::table
            .filter(audit_logs::company_id.eq(company_id))
            .order(audit_logs::id.desc())
            .load::<audit::AuditLog>(conn)
            .unwrap()
            .into_iter()
            .filter(|r| keep(r))
            .map(|r| r.id)
            .collect()
    })
}

/// Two companies with people, projects and entries: the trail the filter tests read.
pub struct Trail {
    pub admin: Client,
    pub company_id: i64,
    pub admin_id: i64,
    pub engineer_id: i64,
    pub p1: i64,
    pub p2: i64,
    pub other_company: i64,
    pub other_user: i64,
    pub other_project: i64,
}

pub async fn trail(app: &TestApp, tag: &str) -> Trail {
    let s = setup(app, tag).await;
    let engineer_id = add_user(
        app,
        s.company_id,
        &format!("{}-eng", tag.to_lowercase()),
        "engineer",
    );
    let p2 = project_with_circuit(app, s.user_id, &format!("{tag} second"), &example_circuit());
    let o = setup(app, &format!("{tag}Other")).await;
    let c = s.company_id;
    record_n(
        app,
        c,
        Some(s.user_id),
        30,
        "circuit.save",
        "circuit",
        Some(s.pid),
        0,
    );
    record_n(
        app,
        c,
        Some(engineer_id),
        30,
        "circuit.row_update",
        "circuit",
        Some(p2),
        5,
    );
    record_n(
        app,
        c,
        Some(engineer_id),
        5,
        "project.update",
        "project",
        Some(s.pid),
        0,
    );
    record_n(app, c, None, 3, "license.update", "license", None, 0);
    record_n(
        app,
        c,
        Some(s.user_id),
        4,
        "circuit.save",
        "circuit",
        Some(p2),
        2,
    );
    // The other company uses the same actions on its own project.
    let oc = o.company_id;
    record_n(
        app,
        oc,
        Some(o.user_id),
        20,
        "circuit.save",
        "circuit",
        Some(o.pid),
        4,
    );
    record_n(
        app,
        oc,
        Some(o.user_id),
        5,
        "project.update",
        "project",
        Some(o.pid),
        0,
    );
    Trail {
        admin: s.client,
        company_id: c,
        admin_id: s.user_id,
        engineer_id,
        p1: s.pid,
        p2,
        other_company: oc,
        other_user: o.user_id,
        other_project: o.pid,
    }
}

async fn each_filter_narrows_and_filters_combine(app: TestApp) {
    let t = trail(&app, "Filters").await;
    let c = t.company_id;
    let admin = &t.admin;
    type Keep<'a> = Box<dyn Fn(&audit::AuditLog) -> bool + 'a>;
    let cases: Vec<(String, Keep)> = vec![
        (
            format!("user={}", t.engineer_id),
            Box::new(|r| r.user_id == Some(t.engineer_id)),
        ),
        (
            format!("project={}", t.p1),
            Box::new(|r| r.project_id == Some(t.p1)),
        ),
        // A prefix of several actions (read per action and merged), and one action.
        (
            "action=circuit.".into(),
            Box::new(|r| r.action.starts_with("circuit.")),
        ),
        (
            "action=circuit.save".into(),
            Box::new(|r| r.action == "circuit.save"),
        ),
        (
            "action=CIRCUIT.SAVE".into(),
            Box::new(|r| r.action == "circuit.save"),
        ),
        (
            "entity_type=project".into(),
            Box::new(|r| r.entity_type == "project"),
        ),
        (
            "outcome=failure".into(),
            Box::new(|r| r.outcome == "failure"),
        ),
        (
            format!("user={}&project={}&outcome=failure", t.admin_id, t.p2),
            Box::new(|r| {
                r.user_id == Some(t.admin_id)
                    && r.project_id == Some(t.p2)
                    && r.outcome == "failure"
            }),
        ),
        (
            format!("action=circuit.&project={}", t.p2),
            Box::new(|r| r.action.starts_with("circuit.") && r.project_id == Some(t.p2)),
        ),
        (
            format!("entity_type=project&user={}&outcome=success", t.engineer_id),
            Box::new(|r| {
                r.entity_type == "project"
                    && r.user_id == Some(t.engineer_id)
                    && r.outcome == "success"
            }),
        ),
        // Empty values mean any.
        (
            "user=&project=&action=&entity_type=&outcome=&from=&to=".into(),
            Box::new(|_| true),
        ),
    ];
    for (query, keep) in &cases {
        let want = expected_ids(&app, c, keep);
        assert!(!want.is_empty(), "{query} matches something");
        let got = walk(admin, &format!("/audit?{query}")).await;
        assert_eq!(got, want, "/audit?{query}");
    }
    // More than a page under one filter: the link carries the filters on.
    let many = walk(admin, "/audit?action=circuit.").await;
    assert!(many.len() > 50, "{}", many.len());

    // Nothing matches: no such action, or another company's person or project.
    for query in [
        "action=nothing.".to_string(),
        format!("user={}", t.other_user),
        format!("project={}", t.other_project),
        format!("project={}&action=circuit.", t.other_project),
    ] {
        let res = admin.get(&format!("/audit?{query}")).await;
        assert_eq!(res.status, 200);
        res.assert_contains("No entries match.");
        assert!(ids_in(&res.body).is_empty(), "{query}");
    }
    let theirs = expected_ids(&app, t.other_company, |_| true);
    let all = walk(admin, "/audit").await;
    assert!(
        theirs.iter().all(|id| !all.contains(id)),
        "never another company's entries"
    );

    // The pickers list the company's own people and projects by name, and only those.
    let page = admin.get("/audit").await;
    page.assert_contains(&format!(
        "<option value=\"{}\">Filters second</option>",
        t.p2
    ));
    page.assert_contains("filters-eng (filters-eng)");
    assert!(!page.body.contains("FiltersOther substation"));
    assert!(!page.body.contains("filtersother-admin"));
    page.assert_contains("<option value=\"circuit.row_update\">");
    let chosen = admin
        .get(&format!("/audit?project={}&outcome=failure", t.p2))
        .await;
    chosen.assert_contains(&format!(
        "<option value=\"{}\" selected>Filters second</option>",
        t.p2
    ));
    chosen.assert_contains(&format!(
        "href=\"/audit/export.csv?project={}&#38;outcome=failure\"",
        t.p2
    ));

    // Values that are not ids or days: errors beside the fields, nothing listed.
    let bad = admin.get("/audit?user=abc&from=2026-02-30").await;
    assert_eq!(bad.status, 422);
    bad.assert_contains("Choose a person from the list.");
    bad.assert_contains("id=\"from-error\"");
    assert!(ids_in(&bad.body).is_empty());
    let reversed = admin.get("/audit?from=2026-12-02&to=2026-12-01").await;
    assert_eq!(reversed.status, 422);
    reversed.assert_contains("The last day must not be before the first.");
}
on_both_databases!(each_filter_narrows_and_filters_combine);

/// Writes an entry with a chosen time (the chain is not kept: only for the day filters).
fn entry_at(app: &TestApp, company_id: i64, at: &str) -> i64 {
    use ampflux::db::json::JsonValue;
    use ampflux::db::schema::audit_logs;
    use diesel::prelude::*;
    let t = chrono::NaiveDateTime::parse_from_str(at, "%Y-%m-%d %H:%M:%S").unwrap();
    app.with_conn(|conn| {
        diesel::insert_into(audit_logs::table)
            .values((
                audit_logs::company_id.eq(company_id),
                audit_logs::action.eq("test.dated"),
                audit_logs::entity_type.eq("thing"),
                audit_logs::outcome.eq("success"),
                audit_logs::changes.eq(JsonValue(serde_json::json!({}))),
                audit_logs::details.eq(JsonValue(serde_json::json!({}))),
                audit_logs::created_at.eq(t),
                audit_logs::prev_hash.eq("x"),
                audit_logs::hash.eq("x"),
            ))
            .returning(audit_logs::id)
            .get_result(conn)
            .unwrap()
    })
}

async fn days_are_the_readers_and_include_both_ends(app: TestApp) {
    let (client, account) = signed_up(&app, "Days").await;
    let company_id = user_by_login(&app, &account.email).company_id;
    client.get("/account").await;
    client
        .post(
            "/account/profile",
            &[("name", "Days Reader"), ("timezone", "Europe/Berlin")],
        )
        .await
        .assert_redirect("/account");
    // UTC times after the sign-up's entries (ids follow times in a company's trail, up to
    // the clock slack); Berlin is one hour ahead in winter.
    let feb28_late = entry_at(&app, company_id, "2031-02-28 22:30:00"); // 23:30 on 28 Feb in Berlin
    let mar1_early = entry_at(&app, company_id, "2031-02-28 23:30:00"); // 00:30 on 1 Mar
    let mar1_noon = entry_at(&app, company_id, "2031-03-01 11:00:00");
    // The clock stepped back 40 minutes: a later row with an earlier time is still found.
    let stepped_back = entry_at(&app, company_id, "2031-03-01 10:20:00");
    let mar2 = entry_at(&app, company_id, "2031-03-02 09:00:00");
    let in_range = |q: &str| {
        let q = q.to_string();
        let client = &client;
        async move {
            let res = client.get(&format!("/audit?action=test.&{q}")).await;
            assert_eq!(res.status, 200, "{q}: {}", res.body);
            ids_in(&res.body)
        }
    };
    assert_eq!(
        in_range("from=2031-03-01&to=2031-03-01").await,
        vec![stepped_back, mar1_noon, mar1_early]
    );
    assert_eq!(in_range("to=2031-02-28").await, vec![feb28_late]);
    assert_eq!(in_range("from=2031-03-02").await, vec![mar2]);
    assert_eq!(
        in_range("from=2031-02-28&to=2031-03-02").await,
        vec![mar2, stepped_back, mar1_noon, mar1_early, feb28_late]
    );
    assert!(in_range("from=2031-03-03").await.is_empty());
    assert!(in_range("to=2031-02-27").await.is_empty());
}
on_both_databases!(days_are_the_readers_and_include_both_ends);
