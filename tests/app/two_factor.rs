//! Two-factor sign-in: set-up from the key shown on the page (the test computes codes with the
//! same TOTP implementation), the second sign-in step (right, wrong, replayed and recovery
//! codes), turning it off and new recovery codes (password and code), the company's
//! requirement, an administrator's reset, and CSRF on every new form.

use ampflux::auth::two_factor::{code_at, secret_from_text, unix_now};
use diesel::prelude::*;

use crate::common::*;
use crate::on_both_databases;

/// The text between `start` and the next `end` after it.
fn between<'a>(body: &'a str, start: &str, end: &str) -> Option<&'a str> {
    let from = body.find(start)? + start.len();
    let to = body[from..].find(end)? + from;
    Some(&body[from..to])
}

/// The code of the time step `k` steps from now (the server accepts -1, 0 and +1).
fn code(secret: &[u8], k: i64) -> String {
    let t = unix_now() as i64 + 30 * k;
    code_at(secret, t as u64).expect("a code")
}

/// The recovery codes listed on a page.
fn codes_on(body: &str) -> Vec<String> {
    body.split("<li><code>")
        .skip(1)
        .filter_map(|s| s.split("</code>").next())
        .map(str::to_string)
        .collect()
}

fn event_types(app: &TestApp, user_id: i64) -> Vec<String> {
    app.with_conn(|conn| {
        ampflux::models::security_event::recent_for_user(conn, user_id, 100)
            .unwrap()
            .into_iter()
            .map(|e| e.event_type)
            .collect()
    })
}

fn two_factor_on(app: &TestApp, user_id: i64) -> bool {
    app.with_conn(|conn| {
        ampflux::models::user::find(conn, user_id)
            .unwrap()
            .unwrap()
            .two_factor_enabled_at
            .is_some()
    })
}

/// Sets up two-factor sign-in on the signed-in `client` through the pages; returns the secret
/// (read from the page) and the ten recovery codes shown. Uses the current time step.
pub async fn enrol(client: &Client) -> (Vec<u8>, Vec<String>) {
    let page = client.get("/account/two-factor").await;
    assert_eq!(page.status, 200, "{}", page.body);
    client
        .post("/account/two-factor/setup", &[])
        .await
        .assert_redirect("/account/two-factor");
    let page = client.get("/account/two-factor").await;
    page.assert_contains("<svg class=\"qr\" role=\"img\"");
    let text = between(&page.body, "id=\"secret-text\">", "</code>").expect("the key");
    let secret = secret_from_text(text).expect("a base32 key");
    let res = client
        .post(
            "/account/two-factor/confirm",
            &[("code", &code(&secret, 0))],
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let codes = codes_on(&res.body);
    assert_eq!(codes.len(), 10, "{}", res.body);
    (secret, codes)
}

/// Signs out, then in with the password: the answer of the password step.
async fn password_step(client: &Client, login_name: &str) -> Resp {
    client.get("/").await;
    client.post("/logout", &[]).await;
    login(client, login_name, PASSWORD).await
}

async fn second_step(client: &Client, code: &str) -> Resp {
    client.get("/login/two-factor").await;
    client.post("/login/two-factor", &[("code", code)]).await
}

async fn enrolment_then_sign_in_with_codes(app: TestApp) {
    let (client, account) = signed_up(&app, "Totp").await;
    let me = user_by_login(&app, &account.email);
    client
        .get("/account")
        .await
        .assert_contains("href=\"/account/two-factor\"");
    // A wrong first code leaves it off.
    client.post("/account/two-factor/setup", &[]).await;
    client.get("/account/two-factor").await;
    let res = client
        .post("/account/two-factor/confirm", &[("code", "000000")])
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("This code is not right");
    assert!(!two_factor_on(&app, me.id));

    let (secret, codes) = enrol(&client).await;
    assert!(two_factor_on(&app, me.id));
    let events = event_types(&app, me.id);
    assert!(
        events.contains(&"two_factor.enabled".to_string()),
        "{events:?}"
    );
    assert!(
        events.contains(&"two_factor.failure".to_string()),
        "{events:?}"
    );
    let audited = audit_entries(&app, me.company_id, "user.two_factor_enable");
    assert_eq!(
        audited
            .iter()
            .map(|e| e.log.outcome.as_str())
            .collect::<Vec<_>>(),
        ["success", "failure"]
    );
    // Stored: the secret sealed, recovery codes only as hashes.
    app.with_conn(|conn| {
        use ampflux::db::schema::{recovery_codes, totp_secrets};
        let sealed: String = totp_secrets::table
            .find(me.id)
            .select(totp_secrets::secret_sealed)
            .first(conn)
            .unwrap();
        assert!(!sealed.contains(&hex::encode(&secret)));
        let hashes: Vec<String> = recovery_codes::table
            .filter(recovery_codes::user_id.eq(me.id))
            .select(recovery_codes::code_hash)
            .load(conn)
            .unwrap();
        assert_eq!(hashes.len(), 10);
        for c in &codes {
            assert!(hashes.iter().all(|h| !h.contains(&c.replace('-', ""))));
        }
    });
    client
        .get("/account/two-factor")
        .await
        .assert_contains("Recovery codes left: <strong id=\"recovery-left\">10</strong>");

    // The password alone is half a sign-in: nothing is open.
    let res = password_step(&client, &account.email).await;
    res.assert_redirect("/login/two-factor");
    let res = client.get("/").await;
    assert_eq!(res.status, 303);
    assert!(res.location().starts_with("/login"), "{}", res.location());
    assert_eq!(client.get("/account").await.status, 303);
    // A wrong code is refused and counted like a wrong password.
    let res = second_step(&client, "123456").await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("This code is not right");
    // The code of the step the set-up used is a replay.
    let res = second_step(&client, &code(&secret, 0)).await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("already used");
    // The next step's code signs in.
    let next = code(&secret, 1);
    second_step(&client, &next).await.assert_redirect("/");
    assert_eq!(client.get("/").await.status, 200);
    let events = event_types(&app, me.id);
    assert!(events.contains(&"login.success".to_string()), "{events:?}");
    assert!(
        events.contains(&"login.password_ok".to_string()),
        "{events:?}"
    );

    // The same code again is refused, on a new sign-in too.
    password_step(&client, &account.email)
        .await
        .assert_redirect("/login/two-factor");
    let res = second_step(&client, &next).await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("already used");
    // A recovery code signs in once.
    second_step(&client, &codes[3].to_uppercase())
        .await
        .assert_redirect("/");
    assert!(event_types(&app, me.id).contains(&"two_factor.recovery_code_used".to_string()));
    password_step(&client, &account.email)
        .await
        .assert_redirect("/login/two-factor");
    let res = second_step(&client, &codes[3]).await;
    assert_eq!(res.status, 422, "a used recovery code: {}", res.body);
    second_step(&client, &codes[4]).await.assert_redirect("/");
    client
        .get("/account/two-factor")
        .await
        .assert_contains("<strong id=\"recovery-left\">8</strong>");
    // Without a second step in progress the form sends back to the password.
    let other = app.client();
    other
        .get("/login/two-factor")
        .await
        .assert_redirect("/login");
}
on_both_databases!(enrolment_then_sign_in_with_codes);

async fn wrong_codes_are_throttled_like_passwords(app: TestApp) {
    let (client, account) = signed_up(&app, "Throttle2fa").await;
    let (secret, _) = enrol(&client).await;
    password_step(&client, &account.email)
        .await
        .assert_redirect("/login/two-factor");
    let mut last = 0;
    for _ in 0..6 {
        last = second_step(&client, "999999").await.status;
        if last == 429 {
            break;
        }
    }
    assert_eq!(last, 429, "locked after repeated wrong codes");
    // Locked: even the right code waits.
    let res = second_step(&client, &code(&secret, 1)).await;
    assert_eq!(res.status, 429);
    assert!(res.header("retry-after").is_some());
    // The password is locked as well (one budget per account).
    let res = password_step(&client, &account.email).await;
    assert_eq!(res.status, 429);
}
on_both_databases!(
    wrong_codes_are_throttled_like_passwords,
    |c: &mut ampflux::config::Config| c.login_throttle.max_account_failures = 4
);

async fn turning_off_and_new_codes_need_password_and_code(app: TestApp) {
    let (client, account) = signed_up(&app, "Off2fa").await;
    let me = user_by_login(&app, &account.email);
    let (secret, codes) = enrol(&client).await;
    client.get("/account/two-factor").await;
    let next = code(&secret, 1);
    // Wrong password, right code: refused, the code not spent.
    let res = client
        .post(
            "/account/two-factor/disable",
            &[("off_password", "not my password"), ("off_code", &next)],
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("This is not your current password.");
    // Right password, wrong code.
    let res = client
        .post(
            "/account/two-factor/disable",
            &[("off_password", PASSWORD), ("off_code", "111111")],
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    assert!(two_factor_on(&app, me.id));
    assert_eq!(
        audit_entries(&app, me.company_id, "user.two_factor_disable").len(),
        2,
        "both refusals audited"
    );

    // New recovery codes with the password and a recovery code: the old ones stop working.
    let res = client
        .post(
            "/account/two-factor/recovery-codes",
            &[("password", PASSWORD), ("code", &codes[0])],
        )
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let fresh = codes_on(&res.body);
    assert_eq!(fresh.len(), 10);
    assert!(fresh.iter().all(|c| !codes.contains(c)));
    assert!(
        event_types(&app, me.id).contains(&"two_factor.recovery_codes_regenerated".to_string())
    );
    assert_eq!(
        audit_entries(&app, me.company_id, "user.two_factor_recovery_codes")[0]
            .log
            .outcome,
        "success"
    );
    client.get("/account/two-factor").await;
    let res = client
        .post(
            "/account/two-factor/disable",
            &[("off_password", PASSWORD), ("off_code", &codes[1])],
        )
        .await;
    assert_eq!(res.status, 422, "an old recovery code: {}", res.body);

    // Password and the app's current code turn it off.
    let res = client
        .post(
            "/account/two-factor/disable",
            &[("off_password", PASSWORD), ("off_code", &next)],
        )
        .await;
    res.assert_redirect("/account/two-factor");
    assert!(!two_factor_on(&app, me.id));
    assert!(event_types(&app, me.id).contains(&"two_factor.disabled".to_string()));
    assert_eq!(
        audit_entries(&app, me.company_id, "user.two_factor_disable")[0]
            .log
            .outcome,
        "success"
    );
    app.with_conn(|conn| {
        use ampflux::db::schema::{recovery_codes, totp_secrets};
        let left: i64 = recovery_codes::table
            .filter(recovery_codes::user_id.eq(me.id))
            .count()
            .get_result(conn)
            .unwrap();
        let secrets: i64 = totp_secrets::table
            .filter(totp_secrets::user_id.eq(me.id))
            .count()
            .get_result(conn)
            .unwrap();
        assert_eq!((left, secrets), (0, 0));
    });
    // Signing in takes the password alone again.
    password_step(&client, &account.email)
        .await
        .assert_redirect("/");
}
on_both_databases!(turning_off_and_new_codes_need_password_and_code);

async fn a_company_requirement_leads_to_the_set_up(app: TestApp) {
    let (admin, account) = signed_up(&app, "Require2fa").await;
    let boss = user_by_login(&app, &account.email);
    admin.get("/admin/company").await;
    // Not before the admin has it themselves.
    let res = admin
        .post("/admin/company/two-factor", &[("require_two_factor", "on")])
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("Turn on two-factor sign-in for your own account first");
    enrol(&admin).await;
    admin.get("/admin/company").await;
    admin
        .post("/admin/company/two-factor", &[("require_two_factor", "on")])
        .await
        .assert_redirect("/admin/company");
    admin
        .get("/admin/company")
        .await
        .assert_contains(" checked");
    assert_eq!(
        audit_entries(&app, boss.company_id, "company.two_factor_requirement").len(),
        1
    );
    assert!(event_types(&app, boss.id).contains(&"company.two_factor_requirement".to_string()));

    // An engineer without it reaches only the set-up.
    let (engineer, id) = signed_in_until_set_up(&app, boss.company_id).await;
    for path in ["/", "/projects", "/account", "/audit"] {
        engineer
            .get(path)
            .await
            .assert_redirect("/account/two-factor");
    }
    let hx = engineer.get_htmx("/projects").await;
    assert_eq!(hx.header("hx-redirect"), Some("/account/two-factor"));
    let page = engineer.get("/account/two-factor").await;
    assert_eq!(page.status, 200);
    page.assert_contains("Your company requires two-factor sign-in");
    enrol(&engineer).await;
    assert!(two_factor_on(&app, id));
    assert_eq!(engineer.get("/").await.status, 200);

    // Turning the requirement off.
    admin.get("/admin/company").await;
    admin
        .post("/admin/company/two-factor", &[])
        .await
        .assert_redirect("/admin/company");
    let company =
        app.with_conn(|conn| ampflux::models::company::find(conn, boss.company_id).unwrap());
    assert!(!company.require_two_factor);
}
on_both_databases!(a_company_requirement_leads_to_the_set_up);

/// An engineer of the company signed in with the password (the company requires two factors,
/// which they have not set up).
async fn signed_in_until_set_up(app: &TestApp, company_id: i64) -> (Client, i64) {
    let id = add_user(app, company_id, "setup-engineer", "engineer");
    let client = app.client();
    login(&client, "setup-engineer", PASSWORD)
        .await
        .assert_redirect("/");
    (client, id)
}

async fn an_admin_resets_a_lost_device(app: TestApp) {
    let (admin, account) = signed_up(&app, "Reset2fa").await;
    let boss = user_by_login(&app, &account.email);
    let (engineer, id) = signed_in(&app, boss.company_id, "lost-phone", "engineer").await;
    enrol(&engineer).await;
    let page = admin.get(&format!("/admin/users/{id}")).await;
    page.assert_contains("<dd id=\"two-factor-status\">on since");
    let res = admin
        .post(&format!("/admin/users/{id}/two-factor/reset"), &[])
        .await;
    res.assert_redirect(&format!("/admin/users/{id}"));
    assert!(!two_factor_on(&app, id));
    admin
        .get(&format!("/admin/users/{id}"))
        .await
        .assert_contains("<dd id=\"two-factor-status\">off</dd>");
    assert!(event_types(&app, id).contains(&"two_factor.reset".to_string()));
    let audited = audit_entries(&app, boss.company_id, "user.two_factor_reset");
    assert_eq!(audited.len(), 1);
    assert_eq!(audited[0].log.user_id, Some(boss.id));
    // Again: nothing to reset.
    let res = admin
        .post(&format!("/admin/users/{id}/two-factor/reset"), &[])
        .await;
    assert_eq!(res.status, 409, "{}", res.body);
    res.assert_contains("does not use two-factor sign-in");
    // The engineer signs in with the password alone.
    password_step(&engineer, "lost-phone")
        .await
        .assert_redirect("/");
    // An engineer may not reset anyone's.
    let res = engineer
        .post(&format!("/admin/users/{}/two-factor/reset", boss.id), &[])
        .await;
    assert_eq!(res.status, 403);
}
on_both_databases!(an_admin_resets_a_lost_device);

async fn every_new_form_needs_the_csrf_token(app: TestApp) {
    let (client, account) = signed_up(&app, "Csrf2fa").await;
    let me = user_by_login(&app, &account.email);
    let other = add_user(&app, me.company_id, "csrf-other", "engineer");
    let routes = [
        "/account/two-factor/setup".to_string(),
        "/account/two-factor/confirm".to_string(),
        "/account/two-factor/recovery-codes".to_string(),
        "/account/two-factor/disable".to_string(),
        "/login/two-factor".to_string(),
        "/admin/company/two-factor".to_string(),
        format!("/admin/users/{other}/two-factor/reset"),
    ];
    let token = client.csrf().expect("a token");
    for path in &routes {
        let fields = [("code", "123456"), ("require_two_factor", "on")];
        // No token.
        let res = client.post_raw(path, &fields, Some(&client.base)).await;
        assert_eq!(res.status, 403, "{path} without a token");
        // The right token from another site.
        let mut with_token = fields.to_vec();
        with_token.push(("csrf_token", &token));
        let res = client
            .post_raw(path, &with_token, Some("http://evil.example"))
            .await;
        assert_eq!(res.status, 403, "{path} from another origin");
    }
    app.with_conn(|conn| {
        use ampflux::db::schema::totp_secrets;
        let n: i64 = totp_secrets::table.count().get_result(conn).unwrap();
        assert_eq!(n, 0, "no set-up started");
        let company = ampflux::models::company::find(conn, me.company_id).unwrap();
        assert!(!company.require_two_factor);
    });
}
on_both_databases!(every_new_form_needs_the_csrf_token);

/// The reset is refused for another company's user (404) and for one's own second factor
/// (which takes the password and a code); neither changes anything.
async fn a_reset_is_refused_across_companies_and_for_oneself(app: TestApp) {
    let (admin, account) = signed_up(&app, "ResetScope").await;
    let boss = user_by_login(&app, &account.email);
    let (engineer, id) = signed_in(&app, boss.company_id, "scoped-phone", "engineer").await;
    enrol(&engineer).await;
    let (outsider, _) = signed_up(&app, "ResetOutsider").await;
    outsider.get("/admin/users").await;
    let res = outsider
        .post(&format!("/admin/users/{id}/two-factor/reset"), &[])
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert!(
        two_factor_on(&app, id),
        "another company's admin changed nothing"
    );

    enrol(&admin).await;
    admin.get(&format!("/admin/users/{}", boss.id)).await;
    let res = admin
        .post(&format!("/admin/users/{}/two-factor/reset", boss.id), &[])
        .await;
    assert_eq!(res.status, 409, "{}", res.body);
    res.assert_contains("You cannot reset your own two-factor sign-in here");
    assert!(two_factor_on(&app, boss.id), "one's own stays on");
    assert!(audit_entries(&app, boss.company_id, "user.two_factor_reset").is_empty());
}
on_both_databases!(a_reset_is_refused_across_companies_and_for_oneself);
