//! Company administration: the company's profile (`/admin/company`) and its security events
//! (`/admin/security`).

use crate::common::*;
use crate::on_both_databases;
use ampflux::db::schema::{companies, security_events};
use ampflux::models::RequestMeta;
use ampflux::models::security_event::{self, NewEvent, Severity};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;

fn company_row(app: &TestApp, id: i64) -> (String, String, String, String) {
    app.with_conn(|conn| {
        companies::table
            .find(id)
            .select((
                companies::name,
                companies::contact_email,
                companies::code,
                companies::slug,
            ))
            .first(conn)
            .unwrap()
    })
}

fn profile<'a>(
    name: &'a str,
    email: &'a str,
    code: &'a str,
    slug: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("name", name),
        ("contact_email", email),
        ("code", code),
        ("slug", slug),
    ]
}

async fn only_company_admins_open_the_company_pages(app: TestApp) {
    let s = setup(&app, "Pages").await;
    let (reviewer, _) = signed_in(&app, s.company_id, "pages-reviewer", "reviewer").await;
    let (engineer, _) = signed_in(&app, s.company_id, "pages-engineer", "engineer").await;
    for path in [
        "/admin/company",
        "/admin/security",
        "/admin/security?severity=warning",
    ] {
        let res = s.client.get(path).await;
        assert_eq!(res.status, 200, "{path}: {}", res.body);
        res.assert_contains("aria-current=\"page\"");
        for other in [&reviewer, &engineer] {
            assert_eq!(other.get(path).await.status, 403, "{path}");
        }
    }
    let before = company_row(&app, s.company_id);
    for client in [&reviewer, &engineer] {
        client.get("/").await;
        let res = client
            .post(
                "/admin/company",
                &profile("Taken Over", "x@example.com", "TAKE-1", "taken"),
            )
            .await;
        assert_eq!(res.status, 403);
    }
    assert_eq!(company_row(&app, s.company_id), before, "nothing changed");
    let denied = audit_entries(&app, s.company_id, "company.update");
    assert_eq!(denied.len(), 2, "each refusal is audited");
    assert!(denied.iter().all(|e| e.log.outcome == "failure"));
}
on_both_databases!(only_company_admins_open_the_company_pages);

async fn the_profile_is_edited_and_audited(app: TestApp) {
    let (client, account) = signed_up(&app, "Profile").await;
    let company_id = user_by_login(&app, &account.email).company_id;
    let (_, _, code, slug) = company_row(&app, company_id);
    let page = client.get("/admin/company").await;
    page.assert_contains(&format!("value=\"{code}\""));
    page.assert_contains(&format!("value=\"{slug}\""));

    let res = client
        .post(
            "/admin/company",
            &profile(
                "  Profile Grid GmbH ",
                "Office@Grid.example",
                "grid-01",
                "Profile-Grid",
            ),
        )
        .await;
    res.assert_redirect("/admin/company");
    assert_eq!(
        company_row(&app, company_id),
        (
            "Profile Grid GmbH".into(),
            "office@grid.example".into(),
            "GRID-01".into(),
            "profile-grid".into()
        )
    );
    let page = client.get("/admin/company").await;
    page.assert_contains("The company&#39;s profile is saved.");
    page.assert_contains("Profile Grid GmbH");
    let entry = &audit_entries(&app, company_id, "company.update")[0];
    assert_eq!(entry.log.outcome, "success");
    assert_eq!(entry.log.entity_id, Some(company_id));
    assert_eq!(entry.log.before().unwrap()["code"], code.as_str());
    assert_eq!(entry.log.after().unwrap()["code"], "GRID-01");
    assert_eq!(entry.log.after().unwrap()["slug"], "profile-grid");

    // In place through htmx, with errors beside the fields.
    let res = hx(
        &client,
        "/admin/company",
        &profile("X", "not-an-address", "no way", "No Way!"),
    )
    .await;
    assert_eq!(res.status, 422);
    assert!(!res.body.contains("<html"), "a fragment");
    for field in ["name", "contact_email", "code", "slug"] {
        res.assert_contains(&format!("id=\"{field}-error\""));
    }
    res.assert_contains("like no-way");
    let res = hx(
        &client,
        "/admin/company",
        &profile(
            "Profile Grid AG",
            "office@grid.example",
            "GRID-01",
            "profile-grid",
        ),
    )
    .await;
    assert_eq!(res.status, 200);
    res.assert_contains("The company's profile is saved.");
    assert_eq!(company_row(&app, company_id).0, "Profile Grid AG");
}
on_both_databases!(the_profile_is_edited_and_audited);

async fn a_code_or_slug_of_another_company_is_refused_without_naming_it(app: TestApp) {
    let (client, account) = signed_up(&app, "First").await;
    let (_, other) = signed_up(&app, "Rival").await;
    let mine = user_by_login(&app, &account.email).company_id;
    let theirs = user_by_login(&app, &other.email).company_id;
    let before = company_row(&app, mine);
    let (rival_name, _, rival_code, rival_slug) = company_row(&app, theirs);
    client.get("/admin/company").await;
    let res = client
        .post(
            "/admin/company",
            &profile(
                "First Power",
                "first@example.com",
                &rival_code.to_lowercase(),
                &rival_slug,
            ),
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("Another company uses this code; choose another.");
    res.assert_contains("Another company uses this address name; choose another.");
    assert!(
        !res.body.contains(&rival_name),
        "the other company is not named"
    );
    assert!(!res.body.contains("Rival"));
    assert_eq!(company_row(&app, mine), before, "nothing changed");
    // Keeping one's own code and slug is fine.
    let res = client
        .post(
            "/admin/company",
            &profile("First Power", "first@example.com", &before.2, &before.3),
        )
        .await;
    res.assert_redirect("/admin/company");

    // Two companies racing for the same new code and slug: one gets them, the other is told
    // beside the fields (the unique index decides when both passed the check).
    let rival = app.client();
    sign_in(&rival, &other.email).await;
    rival.get("/admin/company").await;
    client.get("/admin/company").await;
    let mine_post = profile("First Power", "first@example.com", "SAME-1", "same-slug");
    let theirs_post = profile("Rival Power", "rival@example.com", "SAME-1", "same-slug");
    let (a, b) = futures_util::future::join(
        client.post("/admin/company", &mine_post),
        rival.post("/admin/company", &theirs_post),
    )
    .await;
    let statuses = [a.status, b.status];
    assert!(
        statuses.contains(&303) && statuses.contains(&422),
        "{statuses:?}"
    );
    let loser = if a.status == 422 { &a } else { &b };
    assert!(loser.body.contains("choose another"), "{}", loser.body);
    let codes: Vec<String> = [mine, theirs]
        .iter()
        .map(|id| company_row(&app, *id).2)
        .collect();
    assert_eq!(codes.iter().filter(|c| *c == "SAME-1").count(), 1);

    // Deterministically past the check: the rival's change is not committed yet when the
    // check runs, and commits while the update waits for it.
    let pool = app.pool.clone();
    let (ready, wait) = std::sync::mpsc::channel();
    let holder = std::thread::spawn(move || {
        let mut conn = pool.get().unwrap();
        ampflux::db::write_tx(&mut conn, |conn| {
            diesel::update(companies::table.find(theirs))
                .set(companies::code.eq("LATE-1"))
                .execute(conn)?;
            ready.send(()).unwrap();
            std::thread::sleep(std::time::Duration::from_millis(700));
            Ok::<_, diesel::result::Error>(())
        })
        .unwrap();
    });
    wait.recv().unwrap();
    let res = client
        .post(
            "/admin/company",
            &profile("First Power", "first@example.com", "LATE-1", "late-slug"),
        )
        .await;
    holder.join().unwrap();
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("Another company uses this code; choose another.");
    assert_ne!(company_row(&app, mine).2, "LATE-1");
}
on_both_databases!(a_code_or_slug_of_another_company_is_refused_without_naming_it);

async fn a_read_only_company_keeps_its_profile(app: TestApp) {
    let (client, account) = signed_up(&app, "Lapsed").await;
    let company_id = user_by_login(&app, &account.email).company_id;
    app.with_conn(|conn| {
        conn.batch_execute(&format!(
            "UPDATE licenses SET status = 'expired' WHERE company_id = {company_id}"
        ))
        .unwrap()
    });
    let before = company_row(&app, company_id);
    assert_eq!(client.get("/admin/company").await.status, 200);
    assert_eq!(client.get("/admin/security").await.status, 200);
    let res = client
        .post(
            "/admin/company",
            &profile("Lapsed Co", "l@example.com", "LAPS-1", "lapsed"),
        )
        .await;
    assert_eq!(res.status, 403);
    res.assert_contains("read-only");
    assert_eq!(company_row(&app, company_id), before);
    let refused = &audit_entries(&app, company_id, "company.update")[0];
    assert_eq!(refused.log.outcome, "failure");
}
on_both_databases!(a_read_only_company_keeps_its_profile);

// ------------------------------------------------------------------ security events

fn event(
    app: &TestApp,
    company_id: i64,
    user_id: Option<i64>,
    kind: &'static str,
    severity: Severity,
) -> i64 {
    app.with_conn(|conn| {
        security_event::record(
            conn,
            &RequestMeta::default(),
            NewEvent {
                user_id,
                company_id: Some(company_id),
                event_type: kind,
                subject_key: None,
                severity,
                description: format!("test {kind}"),
                metadata: serde_json::json!({}),
            },
        )
        .unwrap()
    })
}

fn event_ids(body: &str) -> usize {
    body.matches("<td><code>").count()
}

/// Every event listed from `url` on, following the "older events" links as htmx does; the
/// types seen, newest first.
async fn walk_events(client: &Client, url: &str) -> Vec<String> {
    let types = |body: &str| -> Vec<String> {
        body.split("<td><code>")
            .skip(1)
            .map(|s| s.split('<').next().unwrap().to_string())
            .collect()
    };
    let first = client.get(url).await;
    assert_eq!(first.status, 200, "{}", first.body);
    let mut seen = types(&first.body);
    let mut body = first.body;
    let marker = "hx-get=\"/admin/security?";
    while let Some(start) = body.find(marker) {
        let start = start + "hx-get=\"".len();
        let next = body[start..]
            .split('"')
            .next()
            .unwrap()
            .replace("&#38;", "&");
        let res = client.get_htmx(&next).await;
        assert_eq!(res.status, 200);
        assert!(!res.body.contains("<html"));
        seen.extend(types(&res.body));
        body = res.body;
    }
    seen
}

async fn security_events_filter_and_page(app: TestApp) {
    let (client, account) = signed_up(&app, "Guard").await;
    let admin = user_by_login(&app, &account.email);
    let c = admin.company_id;
    let bob = add_user(&app, c, "guard-bob", "engineer");
    let (_, rival) = signed_up(&app, "Intruder").await;
    let rival_user = user_by_login(&app, &rival.email);
    // Real sign-in events: a failure and a success for bob.
    login(&app.client(), "guard-bob", "wrong password 1").await;
    sign_in(&app.client(), "guard-bob").await;
    for _ in 0..60 {
        event(&app, c, Some(bob), "login.failure", Severity::Warning);
    }
    for _ in 0..5 {
        event(
            &app,
            c,
            Some(admin.id),
            "user.role_change",
            Severity::Critical,
        );
    }
    for _ in 0..7 {
        event(
            &app,
            rival_user.company_id,
            Some(rival_user.id),
            "login.failure",
            Severity::Warning,
        );
    }
    let count = |f: &dyn Fn(&security_event::SecurityEvent) -> bool| -> usize {
        app.with_conn(|conn| {
            security_events::table
                .filter(security_events::company_id.eq(c))
                .select(security_event::SecurityEvent::as_select())
                .load(conn)
                .unwrap()
                .iter()
                .filter(|e| f(e))
                .count()
        })
    };
    let everything = walk_events(&client, "/admin/security").await;
    assert_eq!(everything.len(), count(&|_| true));
    assert!(everything.len() > 60);
    assert!(everything.contains(&"login.success".to_string()));

    let cases: Vec<(String, usize)> = vec![
        (
            "severity=warning".into(),
            count(&|e| e.severity == "warning"),
        ),
        ("severity=critical".into(), 5),
        (
            "type=login.failure".into(),
            count(&|e| e.event_type == "login.failure"),
        ),
        ("type=user.role_change&severity=critical".into(), 5),
        (format!("user={bob}"), count(&|e| e.user_id == Some(bob))),
        ("user=guard-bob".into(), count(&|e| e.user_id == Some(bob))),
        (
            "user=guard-bob@example.com&type=login.success".into(),
            count(&|e| e.user_id == Some(bob) && e.event_type == "login.success"),
        ),
        (format!("user={}&severity=warning", admin.id), 0),
        // Another company's person, by id: nothing of theirs.
        (format!("user={}", rival_user.id), 0),
    ];
    for (query, want) in &cases {
        let seen = walk_events(&client, &format!("/admin/security?{query}")).await;
        assert_eq!(seen.len(), *want, "{query}");
    }
    assert!(
        count(&|e| e.user_id == Some(bob)) > 60,
        "bob's events span pages"
    );

    // Days: today has everything, tomorrow nothing.
    let today = ampflux::util::now().date();
    let tomorrow = today.succ_opt().unwrap();
    let all_today = walk_events(&client, &format!("/admin/security?from={today}&to={today}")).await;
    assert_eq!(all_today.len(), everything.len());
    let none = client
        .get(&format!("/admin/security?from={tomorrow}"))
        .await;
    none.assert_contains("No events match.");

    // A login of another company, or nobody's, is an error beside the field.
    for who in [rival.email.as_str(), "nobody-here"] {
        let res = client.get(&format!("/admin/security?user={who}")).await;
        assert_eq!(res.status, 422);
        res.assert_contains("Nobody in your company has this id, username or email address.");
        assert_eq!(event_ids(&res.body), 0);
    }
    let res = client.get("/admin/security?from=someday").await;
    assert_eq!(res.status, 422);
    res.assert_contains("id=\"from-error\"");

    // The type select offers the company's own event types only.
    let page = client.get("/admin/security").await;
    page.assert_contains("<option value=\"user.role_change\"");
    let rival_only = event(
        &app,
        rival_user.company_id,
        None,
        "rival.only",
        Severity::Info,
    );
    assert!(rival_only > 0);
    assert!(
        !client
            .get("/admin/security")
            .await
            .body
            .contains("rival.only")
    );
}
on_both_databases!(security_events_filter_and_page);
