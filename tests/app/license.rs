//! The license: its page, the read-only company, `max_projects`, and the daily check (reminder
//! mails, expiry) with its job. Every mutating route is walked in `route_walk.rs`.

use std::time::Duration;

use ampflux::db::schema::{jobs, licenses, projects, users};
use ampflux::ops::admin::license_check::{self, CheckReport};
use diesel::prelude::*;

use crate::common::*;
use crate::on_both_databases;

/// What every refused change says (with the reason before it).
pub const READ_ONLY_MESSAGE: &str = "read-only until the license is renewed";

fn today() -> chrono::NaiveDate {
    ampflux::util::now().date()
}

fn days(n: i64) -> chrono::NaiveDate {
    today() + chrono::Duration::days(n)
}

/// Gives the company's current license `status`, starting and ending `start` and `end` days
/// from today.
pub fn set_license(app: &TestApp, company_id: i64, status: &str, start: i64, end: i64) -> i64 {
    app.with_conn(|conn| {
        let id: i64 = licenses::table
            .filter(licenses::company_id.eq(company_id))
            .order(licenses::id.desc())
            .select(licenses::id)
            .first(conn)
            .unwrap();
        diesel::update(licenses::table.find(id))
            .set((
                licenses::status.eq(status),
                licenses::start_date.eq(days(start)),
                licenses::end_date.eq(days(end)),
            ))
            .execute(conn)
            .unwrap();
        id
    })
}

fn set_max_projects(app: &TestApp, company_id: i64, max: i32) {
    app.with_conn(|conn| {
        diesel::update(licenses::table.filter(licenses::company_id.eq(company_id)))
            .set(licenses::max_projects.eq(max))
            .execute(conn)
            .unwrap();
    });
}

fn license_status(app: &TestApp, id: i64) -> String {
    app.with_conn(|conn| {
        licenses::table
            .find(id)
            .select(licenses::status)
            .first(conn)
            .unwrap()
    })
}

fn check(app: &TestApp) -> CheckReport {
    let base = app.base.clone();
    app.with_conn(|conn| license_check::run(conn, today(), &base).unwrap())
}

/// Waits until every mail queued so far is out (the daily check's own job stays pending).
async fn mails_sent(app: &TestApp) {
    for _ in 0..400 {
        let busy: i64 = app.with_conn(|conn| {
            jobs::table
                .filter(jobs::name.eq("mail.send"))
                .filter(jobs::status.eq_any(["pending", "running"]))
                .count()
                .get_result(conn)
                .unwrap()
        });
        if busy == 0 {
            return;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("mails still queued");
}

/// How many mails to `email` contain `text`.
fn mails_with(app: &TestApp, email: &str, text: &str) -> usize {
    std::fs::read_dir(app.data_dir.path().join("mail"))
        .map(|entries| {
            entries
                .flatten()
                .filter_map(|e| std::fs::read_to_string(e.path()).ok())
                .map(|raw| decode_mail(&raw))
                .filter(|m| m.contains(&format!("<{email}>")) && m.contains(text))
                .count()
        })
        .unwrap_or(0)
}

// ------------------------------------------------------------------ the page

async fn the_license_page_shows_usage_and_history(app: TestApp) {
    let s = setup(&app, "Lic").await;
    let cid = s.company_id;
    // Seats: the admin, an engineer and an open invitation; not a deactivated or deleted user,
    // nor an expired or revoked invitation.
    let engineer = add_user(&app, cid, "lic-engineer", "engineer");
    let reviewer = add_user(&app, cid, "lic-reviewer", "reviewer");
    let gone = add_user(&app, cid, "lic-gone", "engineer");
    let off = add_user(&app, cid, "lic-off", "engineer");
    let t = ampflux::util::now();
    app.with_conn(|conn| {
        use ampflux::db::schema::{invitations, roles};
        diesel::update(users::table.find(gone))
            .set(users::deleted_at.eq(Some(t)))
            .execute(conn)
            .unwrap();
        diesel::update(users::table.find(off))
            .set(users::is_active.eq(false))
            .execute(conn)
            .unwrap();
        let role: i64 = roles::table
            .filter(roles::name.eq("engineer"))
            .select(roles::id)
            .first(conn)
            .unwrap();
        for (email, expires, revoked) in [
            ("open@example.com", 7, None),
            ("late@example.com", -1, None),
            ("revoked@example.com", 7, Some(t)),
        ] {
            diesel::insert_into(invitations::table)
                .values((
                    invitations::company_id.eq(cid),
                    invitations::email.eq(email),
                    invitations::name.eq("Invited"),
                    invitations::role_id.eq(role),
                    invitations::expires_at.eq(t + chrono::Duration::days(expires)),
                    invitations::revoked_at.eq(revoked),
                    invitations::created_at.eq(t),
                    invitations::updated_at.eq(t),
                ))
                .execute(conn)
                .unwrap();
        }
        // Projects: an archived one does not count.
        let archived = ampflux::models::project::create(conn, cid, s.user_id, "Old", "").unwrap();
        diesel::update(projects::table.find(archived.id))
            .set(projects::status.eq("archived"))
            .execute(conn)
            .unwrap();
        // A renewal: the trial becomes history.
        diesel::insert_into(licenses::table)
            .values((
                licenses::company_id.eq(cid),
                licenses::plan.eq("standard"),
                licenses::seats.eq(25),
                licenses::max_projects.eq(40),
                licenses::start_date.eq(days(-1)),
                licenses::end_date.eq(days(99)),
                licenses::status.eq("active"),
                licenses::created_at.eq(t),
                licenses::updated_at.eq(t),
            ))
            .execute(conn)
            .unwrap();
    });

    let page = s.client.get("/admin/license").await;
    assert_eq!(page.status, 200, "{}", page.body);
    page.assert_contains(r#"<a href="/admin/license" aria-current="page">License</a>"#);
    let facts = &page.body[page.body.find("license-facts").unwrap()..];
    for text in [
        "<dd>standard</dd>",
        "<dd>4 used of 25</dd>",
        "1 used of 40",
        &format!("<dd>{}</dd>", days(-1)),
        &format!("<dd>{}</dd>", days(99)),
        "<dd>100</dd>",
        ">active</span>",
    ] {
        assert!(facts.contains(text), "{text:?} in {facts}");
    }
    assert!(!page.body.contains("Read-only because"));
    let history = &page.body[page.body.find("license-history").unwrap()..];
    let standard = history.find("<td>standard</td>").expect("the renewal");
    let trial = history.find("<td>trial</td>").expect("the trial");
    assert!(standard < trial, "newest first");

    for (login_name, id) in [("lic-engineer", engineer), ("lic-reviewer", reviewer)] {
        let c = app.client();
        sign_in(&c, login_name).await;
        assert_eq!(c.get("/admin/license").await.status, 403, "user {id}");
        assert!(!c.get("/").await.body.contains("/admin/license"));
    }
    let other = signed_up(&app, "Elsewhere").await.0;
    let theirs = other.get("/admin/license").await;
    assert!(theirs.body.contains("<dd>trial</dd>") && theirs.body.contains("<dd>1 used of 5</dd>"));
}
on_both_databases!(the_license_page_shows_usage_and_history);

// ------------------------------------------------------------------ read-only

async fn an_inactive_license_makes_the_company_read_only(app: TestApp) {
    let s = setup(&app, "Ro").await;
    let ended = format!("The trial license expired on {}.", days(-1));
    let later = format!("The trial license starts on {}.", days(3));
    let variants = [
        ("suspended", -10, 20, "The trial license is suspended."),
        ("cancelled", -10, 20, "The trial license is cancelled."),
        ("expired", -40, -10, "The trial license is expired."),
        ("active", -40, -1, ended.as_str()),
        ("active", 3, 40, later.as_str()),
    ];
    for (status, start, end, reason) in variants {
        set_license(&app, s.company_id, status, start, end);
        let home = s.client.get("/").await;
        home.assert_contains(reason);
        home.assert_contains("read-only until an administrator renews it");
        let page = s.client.get("/admin/license").await;
        page.assert_contains(&format!("Read-only because {reason}"));

        // A change is refused with the reason, changes nothing and is audited as a failure.
        s.client.get(&format!("/projects/{}/settings", s.pid)).await;
        let res = s
            .client
            .post(
                &format!("/projects/{}/settings", s.pid),
                &[
                    ("name", "Renamed"),
                    ("description", ""),
                    ("status", "active"),
                ],
            )
            .await;
        assert_eq!(res.status, 403, "{status}: {}", res.body);
        res.assert_contains(reason);
        res.assert_contains(READ_ONLY_MESSAGE);
        let log = &audit_entries(&app, s.company_id, "project.update")[0].log;
        assert_eq!(
            (log.outcome.as_str(), log.user_id),
            ("failure", Some(s.user_id))
        );
        assert_eq!(log.details.0["read_only"], *reason);

        // A client that asks for JSON gets the refusal as JSON, with the same status and reason.
        let js = s
            .client
            .post_for_json(
                &format!("/projects/{}/settings", s.pid),
                &[
                    ("name", "Renamed"),
                    ("description", ""),
                    ("status", "active"),
                ],
            )
            .await;
        assert_eq!(js.status, 403, "{}", js.body);
        assert_eq!(
            js.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        let v: serde_json::Value = serde_json::from_str(&js.body).expect("JSON body");
        assert_eq!(v["error"], "read_only");
        assert_eq!(v["status"], 403);
        let message = v["message"].as_str().unwrap_or_default();
        assert!(message.contains(reason), "{message}");
        assert!(message.contains(READ_ONLY_MESSAGE), "{message}");

        // htmx gets the same answer (app.js shows the message of the error page).
        s.client.get("/account").await;
        let hx_res = hx(
            &s.client,
            "/account/profile",
            &[("name", "Renamed"), ("timezone", "UTC")],
        )
        .await;
        assert_eq!(hx_res.status, 403);
        hx_res.assert_contains(&format!(r#"<p id="error-message">{reason}"#));

        // Reading and exports work; the editor shows the latest version and opens no draft.
        for path in [
            format!("/projects/{}", s.pid),
            format!("/projects/{}/versions/1/export.json", s.pid),
            "/audit".to_string(),
        ] {
            assert_eq!(s.client.get(&path).await.status, 200, "{path}");
        }
        let editor = s.client.get(&format!("/projects/{}/editor", s.pid)).await;
        assert_eq!(editor.status, 200);
        assert!(draft(&app, s.pid, s.user_id).is_none(), "no draft created");
        let members = s.client.get(&format!("/projects/{}/members", s.pid)).await;
        assert_eq!(members.status, 200);
        assert!(
            !members.body.contains("method=\"post\" action=\"/projects/"),
            "no forms offered"
        );

        // Signing out and in works.
        let out = s.client.post("/logout", &[]).await;
        assert!(out.location().starts_with("/login"), "{}", out.status);
        sign_in(&s.client, &s.account.email).await;
    }
    let user = user_by_login(&app, &s.account.email);
    assert_eq!(user.name, "Ro Engineer");
    let project = app.with_conn(|conn| {
        ampflux::models::project::find_in_company(conn, s.company_id, s.pid)
            .unwrap()
            .unwrap()
    });
    assert_eq!(project.name, "Ro substation");
    // The page's refusal is recorded at once; the JSON one right after it is counted and
    // recorded with its count a minute later (here: now).
    flush_refusals(&app);
    let json_refusals = audit_entries(&app, s.company_id, "project.update");
    assert_eq!(
        json_refusals.len(),
        10,
        "page and JSON refusals are both audited"
    );
    let profile_refusals = audit_entries(&app, s.company_id, "user.update");
    assert_eq!(profile_refusals.len(), 5);
    assert!(profile_refusals.iter().all(|r| r.log.outcome == "failure"));
}
on_both_databases!(an_inactive_license_makes_the_company_read_only);

async fn account_security_works_while_read_only(app: TestApp) {
    let (client, account) = signed_up(&app, "Secure").await;
    let user = user_by_login(&app, &account.email);
    let other = app.client();
    sign_in_with(&other, &account.email, &account.password).await;
    set_license(&app, user.company_id, "expired", -40, -10);

    client.get("/account/sessions").await;
    client
        .post("/account/sessions/revoke-others", &[])
        .await
        .assert_redirect("/account/sessions");
    assert_eq!(other.get("/").await.status, 303, "the other session ended");

    client.get("/account/password").await;
    client
        .post(
            "/account/password",
            &[
                ("current_password", &account.password),
                ("new_password", "renewal pending passphrase"),
            ],
        )
        .await
        .assert_redirect("/account");
    let fresh = app.client();
    login(&fresh, &account.email, "renewal pending passphrase")
        .await
        .assert_redirect("/");
}
on_both_databases!(account_security_works_while_read_only);

async fn sign_in_with(client: &Client, login_name: &str, password: &str) {
    login(client, login_name, password)
        .await
        .assert_redirect("/");
    client.get("/").await;
}

// ------------------------------------------------------------------ max_projects

async fn max_projects_caps_the_projects_that_are_not_archived(app: TestApp) {
    let s = setup(&app, "Cap").await;
    set_max_projects(&app, s.company_id, 2);
    let second = create_project(&s.client, "Second", &[("start", "empty")]).await;

    s.client.get("/projects/new").await;
    let refused = s
        .client
        .post_multipart("/projects", &[("name", "Third"), ("start", "empty")], None)
        .await;
    assert_eq!(refused.status, 409, "{}", refused.body);
    refused
        .assert_contains("The license allows 2 projects that are not archived, and 2 are in use.");
    let log = &audit_entries(&app, s.company_id, "project.create")[0].log;
    assert_eq!(log.outcome, "failure");
    assert!(
        log.details.0["refused"]
            .as_str()
            .unwrap()
            .contains("allows 2")
    );

    // Archiving frees a place; reactivating beyond the cap is refused the same way.
    s.client.get(&format!("/projects/{second}")).await;
    s.client
        .post(&format!("/projects/{second}/archive"), &[])
        .await
        .assert_redirect(&format!("/projects/{second}"));
    create_project(&s.client, "Third", &[("start", "empty")]).await;
    s.client.get(&format!("/projects/{second}/settings")).await;
    let reactivate = s
        .client
        .post(
            &format!("/projects/{second}/settings"),
            &[
                ("name", "Second"),
                ("description", ""),
                ("status", "active"),
            ],
        )
        .await;
    assert_eq!(reactivate.status, 409, "{}", reactivate.body);
    reactivate.assert_contains("and 2 are in use");
    let status: String = app.with_conn(|conn| {
        projects::table
            .find(second)
            .select(projects::status)
            .first(conn)
            .unwrap()
    });
    assert_eq!(status, "archived");
    let page = s.client.get("/admin/license").await;
    page.assert_contains("2 used of 2");
}
on_both_databases!(max_projects_caps_the_projects_that_are_not_archived);

async fn concurrent_creations_stop_at_the_cap(app: TestApp) {
    let s = setup(&app, "Race").await;
    set_max_projects(&app, s.company_id, 4);
    s.client.get("/projects/new").await;
    let forms: Vec<[(&str, String); 2]> = (0..8)
        .map(|i| [("name", format!("Parallel {i}")), ("start", "empty".into())])
        .collect();
    let forms: Vec<Vec<(&str, &str)>> = forms
        .iter()
        .map(|f| f.iter().map(|(k, v)| (*k, v.as_str())).collect())
        .collect();
    let attempts = forms
        .iter()
        .map(|fields| s.client.post_multipart("/projects", fields, None));
    let results = futures_util::future::join_all(attempts).await;
    let mut statuses: Vec<u16> = results.iter().map(|r| r.status).collect();
    statuses.sort_unstable();
    assert_eq!(statuses, vec![303, 303, 303, 409, 409, 409, 409, 409]);
    let used =
        app.with_conn(|conn| ampflux::models::license::projects_used(conn, s.company_id).unwrap());
    assert_eq!(used, 4);
}
on_both_databases!(concurrent_creations_stop_at_the_cap);

// ------------------------------------------------------------------ the daily check

/// A company admin with a second admin, an engineer and a deactivated admin; returns the
/// setup and the second admin's email.
async fn admins(app: &TestApp, tag: &str) -> (Setup, String) {
    let s = setup(app, tag).await;
    let lower = tag.to_lowercase();
    add_user(
        app,
        s.company_id,
        &format!("{lower}-admin2"),
        "company_admin",
    );
    add_user(app, s.company_id, &format!("{lower}-eng"), "engineer");
    let off = add_user(app, s.company_id, &format!("{lower}-off"), "company_admin");
    app.with_conn(|conn| {
        diesel::update(users::table.find(off))
            .set(users::is_active.eq(false))
            .execute(conn)
            .unwrap();
    });
    (s, format!("{lower}-admin2@example.com"))
}

async fn reminders_go_out_once_30_7_and_1_days_before_the_end(app: TestApp) {
    let (s, admin2) = admins(&app, "Remind").await;
    let end = days(30);
    let id = set_license(&app, s.company_id, "active", -100, 30);
    let first = check(&app);
    assert_eq!(first.reminders, vec![(id, 30)]);
    assert_eq!(first.mails, 2, "both active company admins");
    assert_eq!(check(&app), CheckReport::default(), "sent once");

    let subject = format!("Your AmpFlux license ends on {end}");
    let mail = app.mail_to(&s.account.email, &subject).await;
    assert!(mail.contains("31 days are left"), "{mail}");
    assert!(mail.contains(&format!("{}/admin/license", app.base)));
    app.mail_to(&admin2, &subject).await;
    mails_sent(&app).await;
    assert_eq!(mails_with(&app, &s.account.email, &subject), 1);
    assert_eq!(mails_with(&app, "remind-eng@example.com", "license"), 0);
    assert_eq!(mails_with(&app, "remind-off@example.com", "license"), 0);

    for (until, due) in [(7, 7), (6, 0), (1, 1), (0, 0)] {
        set_license(&app, s.company_id, "active", -100, until);
        let report = check(&app);
        let expected = if due > 0 { vec![(id, due)] } else { vec![] };
        assert_eq!(report.reminders, expected, "{until} days before the end");
        assert_eq!(check(&app).reminders, vec![], "once");
    }
    mails_sent(&app).await;
    let sent = app.with_conn(|conn| ampflux::models::license::reminders_sent(conn, id).unwrap());
    assert_eq!(sent, vec![30, 7, 1]);
    assert_eq!(
        mails_with(&app, &s.account.email, "Your AmpFlux license ends on"),
        3
    );
    let audited = audit_entries(&app, s.company_id, "license.remind");
    assert_eq!(audited.len(), 3);
    assert_eq!(audited[0].log.details.0["days_before"], 1);
    assert_eq!(audited[0].log.user_id, None, "the system acts");
}
on_both_databases!(reminders_go_out_once_30_7_and_1_days_before_the_end);

async fn a_missed_reminder_goes_out_late_but_only_the_nearest(app: TestApp) {
    let (s, _) = admins(&app, "Late").await;
    // The check did not run 30 and 7 days before: only the 7-day reminder goes out now.
    let id = set_license(&app, s.company_id, "active", -100, 5);
    assert_eq!(check(&app).reminders, vec![(id, 7)]);
    // The 1-day reminder was missed too: it goes out on the last day.
    set_license(&app, s.company_id, "active", -100, 0);
    assert_eq!(check(&app).reminders, vec![(id, 1)]);
    // A 30-day trial started today gets no 30-day reminder (its day is before the start).
    let (t, _) = admins(&app, "Trial").await;
    let trial = app.with_conn(|conn| {
        ampflux::models::license::current(conn, t.company_id)
            .unwrap()
            .unwrap()
    });
    assert_eq!(check(&app).reminders, vec![]);
    set_license(&app, t.company_id, "active", -23, 6);
    assert_eq!(check(&app).reminders, vec![(trial.id, 7)]);
    // An ended, suspended or superseded license gets none.
    set_license(&app, t.company_id, "suspended", -23, 6);
    set_license(&app, s.company_id, "active", -100, -1);
    let report = check(&app);
    assert_eq!(report.reminders, vec![]);
    assert_eq!(report.expired, vec![id]);
}
on_both_databases!(a_missed_reminder_goes_out_late_but_only_the_nearest);

async fn two_processes_checking_at_once_remind_once(app: TestApp) {
    let (s, admin2) = admins(&app, "Twice").await;
    let id = set_license(&app, s.company_id, "active", -100, 7);
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let threads: Vec<_> = (0..2)
        .map(|_| {
            let (pool, barrier, base) = (app.pool.clone(), barrier.clone(), app.base.clone());
            std::thread::spawn(move || {
                let mut conn = pool.get().unwrap();
                barrier.wait();
                license_check::run(&mut conn, today(), &base).unwrap()
            })
        })
        .collect();
    let reports: Vec<CheckReport> = threads.into_iter().map(|t| t.join().unwrap()).collect();
    let reminders: Vec<(i64, i32)> = reports.iter().flat_map(|r| r.reminders.clone()).collect();
    assert_eq!(reminders, vec![(id, 7)]);
    assert_eq!(reports.iter().map(|r| r.mails).sum::<usize>(), 2);
    let subject = format!("Your AmpFlux license ends on {}", days(7));
    app.mail_to(&admin2, &subject).await;
    mails_sent(&app).await;
    assert_eq!(mails_with(&app, &s.account.email, &subject), 1);
    assert_eq!(mails_with(&app, &admin2, &subject), 1);
}
on_both_databases!(two_processes_checking_at_once_remind_once);

async fn the_check_expires_ended_licenses_and_audits_it(app: TestApp) {
    let s = setup(&app, "Expire").await;
    let id = set_license(&app, s.company_id, "active", -40, -1);
    let report = check(&app);
    assert_eq!(report.expired, vec![id]);
    assert_eq!(license_status(&app, id), "expired");
    assert_eq!(check(&app), CheckReport::default(), "expired once");
    let rows = audit_entries(&app, s.company_id, "license.expire");
    assert_eq!(rows.len(), 1);
    let log = &rows[0].log;
    assert_eq!((log.outcome.as_str(), log.user_id), ("success", None));
    assert_eq!(log.entity_id, Some(id));
    assert_eq!(log.before().unwrap()["status"], "active");
    assert_eq!(log.after().unwrap()["status"], "expired");
    let page = s.client.get("/admin/license").await;
    page.assert_contains("Read-only because The trial license is expired.");
}
on_both_databases!(the_check_expires_ended_licenses_and_audits_it);

fn pending_checks(app: &TestApp) -> Vec<ampflux::models::job::Job> {
    app.with_conn(|conn| {
        jobs::table
            .filter(jobs::name.eq("license.check"))
            .filter(jobs::status.eq("pending"))
            .select(ampflux::models::job::Job::as_select())
            .load(conn)
            .unwrap()
    })
}

async fn the_check_runs_daily_as_one_job_and_at_start_up(app: TestApp) {
    let next = ampflux::jobs::license_check::next_run_after(ampflux::util::now());
    let pending = pending_checks(&app);
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].scheduled_at, next);

    // The daily run (made due now) sends the reminder and queues the next day's run.
    let (s, _) = admins(&app, "Daily").await;
    set_license(&app, s.company_id, "active", -100, 7);
    let job_id = pending[0].id;
    app.with_conn(|conn| {
        diesel::update(jobs::table.find(job_id))
            .set(jobs::scheduled_at.eq(ampflux::util::now()))
            .execute(conn)
            .unwrap();
    });
    app.mail_to(
        &s.account.email,
        &format!("Your AmpFlux license ends on {}", days(7)),
    )
    .await;
    let mut done = None;
    for _ in 0..200 {
        let j = app.with_conn(|conn| ampflux::models::job::find(conn, job_id).unwrap().unwrap());
        if j.status == "completed" {
            done = Some(j);
            break;
        }
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
    let done = done.expect("the daily run completed");
    assert_eq!(done.result.unwrap().0["reminders"][0][1], 7);
    let pending = pending_checks(&app);
    assert_eq!(pending.len(), 1, "the next run is queued, once");
    assert_ne!(pending[0].id, job_id);
    assert_eq!(pending[0].scheduled_at, next);
    // More processes start: still one daily run.
    app.spawn_sibling();
    app.spawn_sibling();
    assert_eq!(pending_checks(&app).len(), 1);

    // A process that starts runs the check at once (the day missed while none ran).
    let id = set_license(&app, s.company_id, "active", -100, 1);
    app.spawn_sibling();
    app.mail_to(
        &s.account.email,
        &format!("Your AmpFlux license ends on {}", days(1)),
    )
    .await;
    let sent = app.with_conn(|conn| ampflux::models::license::reminders_sent(conn, id).unwrap());
    assert_eq!(sent, vec![7, 1]);
}
on_both_databases!(the_check_runs_daily_as_one_job_and_at_start_up);
