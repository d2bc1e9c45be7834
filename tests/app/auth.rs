//! Sign-up, email verification, sign-in, throttling, sign-out, password reset, first setup.

use crate::common::*;
use crate::on_both_databases;
use ampflux::models::{audit, license, role, security_event};

async fn signup_verify_and_sign_in(app: TestApp) {
    let (client, account) = signed_up(&app, "Volta").await;
    let dash = client.get("/").await;
    assert_eq!(dash.status, 200);
    dash.assert_contains("Volta Power &#38; Light");
    dash.assert_contains("Trial license, active, 30 days left");
    dash.assert_contains("company.create");
    dash.assert_contains("company admin");

    let user = user_by_login(&app, &account.username);
    assert!(user.email_verified_at.is_some());
    assert!(user.last_login_at.is_some());
    assert!(
        user.password_hash.starts_with("$argon2id$"),
        "argon2id hash"
    );
    assert!(!user.password_hash.contains(&account.password));
    app.with_conn(|conn| {
        let perms = role::permissions_for_user(conn, user.id).unwrap();
        assert!(perms.contains(&"users:manage".to_string()), "{perms:?}");
        let lic = license::current(conn, user.company_id)
            .unwrap()
            .expect("trial license");
        assert_eq!(lic.plan, "trial");
        assert_eq!(
            (lic.end_date - lic.start_date).num_days(),
            29,
            "30 days counting both ends"
        );
        let (rows, _) =
            audit::page(conn, user.company_id, &audit::Filter::default(), None, 50).unwrap();
        let actions: Vec<&str> = rows.iter().map(|r| r.log.action.as_str()).collect();
        for a in [
            "company.create",
            "user.create",
            "license.create",
            "user.verify_email",
        ] {
            assert!(actions.contains(&a), "{a} audited: {actions:?}");
        }
        let events = security_event::recent_for_user(conn, user.id, 10).unwrap();
        assert!(events.iter().any(|e| e.event_type == "login.success"));
    });

    // The verification link works once.
    let link = app.link_in_mail(&account.email, "/verify-email/").await;
    let again = client.get(&link).await;
    assert_eq!(again.status, 400);
    again.assert_contains("This link does not work");
}
on_both_databases!(signup_verify_and_sign_in);

async fn sign_in_by_username_case_insensitive(app: TestApp) {
    let (_, account) = signed_up(&app, "Ohm").await;
    let client = app.client();
    login(&client, &account.username.to_uppercase(), &account.password)
        .await
        .assert_redirect("/");
    assert_eq!(client.get("/").await.status, 200);
}
on_both_databases!(sign_in_by_username_case_insensitive);

async fn unverified_users_get_a_new_link(app: TestApp) {
    let client = app.client();
    let account = Account::new("Faraday");
    register(&app, &client, &account).await;
    app.mail_to(&account.email, "/verify-email/").await;
    let res = login(&client, &account.email, &account.password).await;
    assert_eq!(res.status, 200);
    res.assert_contains("not verified yet");
    for _ in 0..100 {
        if app.mail_count(&account.email) == 2 {
            break;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(app.mail_count(&account.email), 2, "a second link was sent");
    // Only the newest link works.
    verify(&app, &client, &account).await;
    assert_eq!(
        client.get("/").await.status,
        303,
        "verifying does not sign in"
    );
}
on_both_databases!(unverified_users_get_a_new_link);

async fn wrong_password_and_unknown_account_get_the_same_answer(app: TestApp) {
    let (_, account) = signed_up(&app, "Tesla").await;
    let client = app.client();
    let known = login(&client, &account.email, "wrong password here").await;
    let unknown = login(&client, "nobody@example.com", "wrong password here").await;
    for res in [&known, &unknown] {
        assert_eq!(res.status, 200);
        res.assert_contains("Incorrect email, username or password.");
        assert!(
            !res.body.contains("wrong password here"),
            "the password is not echoed"
        );
    }
    assert_eq!(client.get("/").await.status, 303, "still signed out");
    let user = user_by_login(&app, &account.email);
    app.with_conn(|conn| {
        let events = security_event::recent_for_user(conn, user.id, 10).unwrap();
        assert!(
            events.iter().any(|e| e.event_type == "login.failure"),
            "failure recorded"
        );
    });
    // The entered login is kept in the form.
    known.assert_contains(&format!("value=\"{}\"", account.email));
}
on_both_databases!(wrong_password_and_unknown_account_get_the_same_answer);

async fn repeated_failures_lock_the_account(app: TestApp) {
    let (_, account) = signed_up(&app, "Kirchhoff").await;
    let client = app.client();
    let max = app.config.login_throttle.max_account_failures;
    let started = std::time::Instant::now();
    for _ in 0..max {
        let res = login(&client, &account.email, "not the password!").await;
        assert_eq!(res.status, 200);
    }
    // Failures beyond `slow_after` were slowed down (20 ms per extra failure here).
    assert!(started.elapsed() >= std::time::Duration::from_millis(20 * (max as u64 - 3)));
    // Locked now, even with the right password.
    let locked = login(&client, &account.email, &account.password).await;
    assert_eq!(locked.status, 429, "{}", locked.body);
    locked.assert_contains("Too many failed sign-in attempts. Try again in 15 minutes.");
    assert_eq!(locked.header("retry-after"), Some("900"));
    let user = user_by_login(&app, &account.email);
    app.with_conn(|conn| {
        let events = security_event::recent_for_user(conn, user.id, 50).unwrap();
        assert_eq!(
            events
                .iter()
                .filter(|e| e.event_type == "login.lockout")
                .count(),
            1
        );
        assert!(events.iter().any(|e| e.event_type == "login.blocked"));
    });
    assert_eq!(client.get("/").await.status, 303);
}
on_both_databases!(repeated_failures_lock_the_account);

/// Unknown logins lock exactly like accounts, so a lockout tells nothing about existence.
async fn unknown_logins_lock_like_accounts(app: TestApp) {
    let (_, account) = signed_up(&app, "Known").await;
    for login_name in [account.email.as_str(), "nobody-at-all@example.com"] {
        let client = app.client();
        for _ in 0..3 {
            assert_eq!(
                login(&client, login_name, "wrong password here")
                    .await
                    .status,
                200
            );
        }
        let res = login(&client, login_name, "wrong password here").await;
        assert_eq!(res.status, 429, "{login_name}");
        res.assert_contains("Too many failed sign-in attempts");
    }
}
on_both_databases!(unknown_logins_lock_like_accounts, |c| {
    c.login_throttle.max_account_failures = 3
});

async fn parallel_guesses_count_each_other(app: TestApp) {
    let (_, account) = signed_up(&app, "Parallel").await;
    let max = app.config.login_throttle.max_account_failures as usize;
    let clients: Vec<Client> = (0..max * 2).map(|_| app.client()).collect();
    for c in &clients {
        c.get("/login").await;
    }
    let fields = [
        ("login", account.email.as_str()),
        ("password", "parallel guess!!"),
    ];
    let attempts = clients.iter().map(|c| c.post("/login", &fields));
    let results = futures_util::future::join_all(attempts).await;
    let evaluated = results.iter().filter(|r| r.status == 200).count();
    let refused = results.iter().filter(|r| r.status == 429).count();
    assert_eq!(evaluated + refused, max * 2);
    assert!(
        evaluated <= max,
        "{evaluated} guesses evaluated with a limit of {max}"
    );
}
on_both_databases!(parallel_guesses_count_each_other);

async fn repeated_failures_from_one_address_are_refused(app: TestApp) {
    let client = app.client();
    for i in 0..4 {
        let res = login(
            &client,
            &format!("ghost{i}@example.com"),
            "whatever password",
        )
        .await;
        assert_eq!(res.status, 200);
    }
    let res = login(&client, "ghost9@example.com", "whatever password").await;
    assert_eq!(res.status, 429);
    res.assert_contains("Too many failed sign-in attempts");
}
on_both_databases!(repeated_failures_from_one_address_are_refused, |c| c
    .login_throttle
    .max_ip_failures =
    4);

async fn sign_out_ends_the_session_for_good(app: TestApp) {
    let (client, _) = signed_up(&app, "Ampere").await;
    let before_logout = client.cookie_header();
    client
        .post("/logout", &[])
        .await
        .assert_redirect("/login?signed_out=1");
    client
        .get("/login?signed_out=1")
        .await
        .assert_contains("You have signed out.");
    assert_eq!(client.get("/").await.status, 303);
    // A cookie copied before signing out is anonymous afterwards.
    let replay = app.client();
    replay.set_cookies(&before_logout);
    let res = replay.get("/").await;
    res.assert_redirect("/login?next=%2F");
}
on_both_databases!(sign_out_ends_the_session_for_good);

async fn the_session_key_changes_at_sign_in(app: TestApp) {
    let (_, account) = signed_up(&app, "Joule").await;
    let client = app.client();
    client.get("/login").await;
    let anonymous = client.cookie_header();
    client
        .post(
            "/login",
            &[("login", &account.email), ("password", &account.password)],
        )
        .await
        .assert_redirect("/");
    assert_ne!(client.cookie_header(), anonymous, "session renewed");
    // The anonymous cookie (fixation attempt) does not carry the sign-in.
    let fixed = app.client();
    fixed.set_cookies(&anonymous);
    assert_eq!(fixed.get("/").await.status, 303);
}
on_both_databases!(the_session_key_changes_at_sign_in);

async fn password_reset_by_emailed_link(app: TestApp) {
    let (other_session, account) = signed_up(&app, "Maxwell").await;
    let client = app.client();
    client.get("/password/forgot").await;
    let known = client
        .post("/password/forgot", &[("email", &account.email)])
        .await;
    let unknown = client
        .post("/password/forgot", &[("email", "nobody@example.com")])
        .await;
    for res in [&known, &unknown] {
        assert_eq!(res.status, 200);
        res.assert_contains("If an account exists for");
    }
    let link = app.link_in_mail(&account.email, "/password/reset/").await;
    assert_eq!(app.mail_count("nobody@example.com"), 0);

    client
        .get(&link)
        .await
        .assert_contains("Choose a new password");
    let weak = client.post(&link, &[("password", "password1234")]).await;
    assert_eq!(weak.status, 422);
    weak.assert_contains("too common");
    let new_password = "a brand new reset phrase";
    client
        .post(&link, &[("password", new_password)])
        .await
        .assert_redirect("/login");
    // Used once only.
    let reused = client.get(&link).await;
    assert_eq!(reused.status, 400);
    // All sessions ended; the old password is gone, the new one works.
    assert_eq!(other_session.get("/").await.status, 303);
    let res = login(&client, &account.email, &account.password).await;
    res.assert_contains("Incorrect email, username or password.");
    login(&client, &account.email, new_password)
        .await
        .assert_redirect("/");
    let user = user_by_login(&app, &account.email);
    {
        let rows = audit_entries(&app, user.company_id, "user.password_reset");
        assert_eq!(rows.len(), 1);
    }
}
on_both_databases!(password_reset_by_emailed_link);

async fn sign_up_form_keeps_values_and_explains_errors(app: TestApp) {
    let client = app.client();
    client.get("/register").await;
    let res = client
        .post(
            "/register",
            &[
                ("company_name", "Siemens & Halske"),
                ("name", "Werner"),
                ("username", "w"),
                ("email", "not-an-email"),
                ("password", "short"),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("value=\"Siemens &#38; Halske\"");
    res.assert_contains("value=\"Werner\"");
    res.assert_contains("Use 3 to 40 letters");
    res.assert_contains("Enter a valid email address");
    res.assert_contains("Use at least 12 characters (5 given).");
    assert!(
        !res.body.contains("value=\"short\""),
        "passwords are not echoed"
    );

    // A taken username is explained; nothing is created.
    let (_, account) = signed_up(&app, "Edison").await;
    let dup = app.client();
    dup.get("/register").await;
    let res = dup
        .post(
            "/register",
            &[
                ("company_name", "Another Co"),
                ("name", "Someone"),
                ("username", &account.username),
                ("email", &account.email.to_uppercase()),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("This username is taken");
    assert!(
        !res.body
            .contains("An account with this email address exists"),
        "the form does not tell which addresses have accounts"
    );
    assert_eq!(company_count(&app), 1);
}

fn company_count(app: &TestApp) -> i64 {
    app.with_conn(|conn| {
        use diesel::prelude::*;
        ampflux::db::schema::companies::table
            .count()
            .get_result(conn)
            .unwrap()
    })
}

/// Signing up with an address that has an account answers exactly as for a new address; the
/// owner is mailed instead (a few times an hour at most) and the attempt is a security event.
async fn sign_up_does_not_reveal_existing_addresses(app: TestApp) {
    let (_, owner) = signed_up(&app, "Tesla").await;
    let owner_mails = app.mail_count(&owner.email);
    let attempt = |username: &'static str, email: String| {
        let client = app.client();
        async move {
            client.get("/register").await;
            let res = client
                .post(
                    "/register",
                    &[
                        ("company_name", "Copycat Co"),
                        ("name", "Someone Else"),
                        ("username", username),
                        ("email", email.as_str()),
                        ("password", PASSWORD),
                    ],
                )
                .await;
            (client, res)
        }
    };
    let (new_client, new_res) = attempt("fresh.person", "fresh.person@example.com".into()).await;
    let (dup_client, dup_res) = attempt("copy.cat", owner.email.to_uppercase()).await;
    // The same answer: a redirect to sign-in with the same message about the address.
    assert_eq!(new_res.status, 303);
    assert_eq!(dup_res.status, 303);
    assert_eq!(new_res.location(), dup_res.location());
    let said = |page: Resp, email: &str| {
        page.assert_contains(&format!(
            "Your company account is ready. We have sent a link to {email}"
        ));
    };
    said(new_client.get("/login").await, "fresh.person@example.com");
    said(dup_client.get("/login").await, &owner.email);
    assert_eq!(
        company_count(&app),
        2,
        "only the new address made a company"
    );

    // The owner hears of it, with how to sign in; the copycat could not sign in as anyone.
    let mail = app
        .mail_to(&owner.email, "You already have an AmpFlux account")
        .await;
    assert!(mail.contains("/password/forgot"), "{mail}");
    assert!(!mail.contains("/verify-email/"), "{mail}");
    let refused = login(&app.client(), "copy.cat", PASSWORD).await;
    assert!(refused.header("location").is_none(), "no account copy.cat");
    // Three mails (and security events) an hour at most.
    for _ in 0..4 {
        attempt("copy.cat", owner.email.clone()).await;
    }
    let user = user_by_login(&app, &owner.email);
    let events = app.with_conn(|conn| {
        ampflux::models::security_event::recent_for_user(conn, user.id, 20).unwrap()
    });
    let mailed: Vec<bool> = events
        .iter()
        .filter(|e| e.event_type == "signup.address_in_use")
        .map(|e| e.metadata.0["mailed"] == true)
        .collect();
    assert_eq!(mailed, vec![true; 3]);
    assert!(app.mail_count(&owner.email) <= owner_mails + 3);
}
on_both_databases!(sign_up_does_not_reveal_existing_addresses);

on_both_databases!(sign_up_form_keeps_values_and_explains_errors);

async fn first_platform_admin_through_the_setup_link(app: TestApp) {
    let link = app
        .with_conn(|conn| {
            ampflux::web::handlers::setup::setup_link_if_needed(conn, &app.base).unwrap()
        })
        .expect("a setup link while no platform admin exists");
    let path = link.trim_start_matches(&app.base).to_string();
    let client = app.client();
    client.get(&path).await.assert_contains("Set up AmpFlux");
    let res = client
        .post(
            &path,
            &[
                ("company_name", "AmpFlux Operations"),
                ("name", "Root Operator"),
                ("username", "operator"),
                ("email", "ops@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    res.assert_redirect("/login");
    assert_eq!(client.get(&path).await.status, 404, "the link works once");
    login(&client, "operator", PASSWORD)
        .await
        .assert_redirect("/");
    let dash = client.get("/").await;
    dash.assert_contains("platform admin");
    let admin = user_by_login(&app, "operator");
    app.with_conn(|conn| {
        assert_eq!(
            role::permissions_for_user(conn, admin.id).unwrap(),
            vec!["*:*".to_string()]
        );
        assert!(
            ampflux::web::handlers::setup::setup_link_if_needed(conn, &app.base)
                .unwrap()
                .is_none()
        );
    });
}
on_both_databases!(first_platform_admin_through_the_setup_link);

async fn idle_sessions_expire_on_the_server(app: TestApp) {
    let (client, _) = signed_up(&app, "Idle").await;
    assert_eq!(client.get("/").await.status, 200);
    let copied = client.cookie_header();
    actix_rt::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        client.get("/").await.status,
        303,
        "idle too long: signed out"
    );
    let replay = app.client();
    replay.set_cookies(&copied);
    assert_eq!(replay.get("/").await.status, 303);
}
on_both_databases!(idle_sessions_expire_on_the_server, |c| {
    c.session_idle = std::time::Duration::from_secs(2)
});

async fn sessions_end_at_their_absolute_lifetime_even_when_used(app: TestApp) {
    let (client, _) = signed_up(&app, "Lifetime").await;
    for _ in 0..2 {
        assert_eq!(client.get("/").await.status, 200);
        actix_rt::time::sleep(std::time::Duration::from_millis(1000)).await;
    }
    actix_rt::time::sleep(std::time::Duration::from_millis(1500)).await;
    assert_eq!(
        client.get("/").await.status,
        303,
        "lifetime over: signed out"
    );
}
on_both_databases!(
    sessions_end_at_their_absolute_lifetime_even_when_used,
    |c| { c.session_lifetime = std::time::Duration::from_secs(3) }
);

async fn expired_links_do_not_work(app: TestApp) {
    let (_, account) = signed_up(&app, "Expiry").await;
    let client = app.client();
    client.get("/password/forgot").await;
    client
        .post("/password/forgot", &[("email", &account.email)])
        .await;
    let link = app.link_in_mail(&account.email, "/password/reset/").await;
    app.with_conn(|conn| {
        use ampflux::db::schema::auth_tokens;
        use diesel::prelude::*;
        let past = ampflux::util::now() - chrono::Duration::minutes(1);
        diesel::update(auth_tokens::table.filter(auth_tokens::purpose.eq("password_reset")))
            .set(auth_tokens::expires_at.eq(past))
            .execute(conn)
            .unwrap();
        // Only hashes are stored, never the token itself.
        let hashes: Vec<String> = auth_tokens::table
            .select(auth_tokens::token_hash)
            .load(conn)
            .unwrap();
        let token = link.rsplit('/').next().unwrap();
        assert!(hashes.iter().all(|h| h != token && h.len() == 64));
        assert!(hashes.contains(&ampflux::util::sha256_hex(token.as_bytes())));
    });
    assert_eq!(client.get(&link).await.status, 400);
    let res = client
        .post(&link, &[("password", "a brand new reset phrase")])
        .await;
    assert_eq!(res.status, 400);
    res.assert_contains("invalid, was already used or has expired");
}
on_both_databases!(expired_links_do_not_work);

async fn a_password_change_ends_mailed_reset_links(app: TestApp) {
    let (client, account) = signed_up(&app, "Change").await;
    let other = app.client();
    other.get("/password/forgot").await;
    other
        .post("/password/forgot", &[("email", &account.email)])
        .await;
    let link = app.link_in_mail(&account.email, "/password/reset/").await;
    client.get("/account/password").await;
    client
        .post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("new_password", "changed on purpose 99"),
            ],
        )
        .await
        .assert_redirect("/account");
    assert_eq!(other.get(&link).await.status, 400);
}
on_both_databases!(a_password_change_ends_mailed_reset_links);

async fn anonymous_visitors_cost_no_database_write(app: TestApp) {
    use ampflux::db::schema::sessions;
    use diesel::prelude::*;
    let count = |app: &TestApp| -> i64 {
        app.with_conn(|conn| sessions::table.count().get_result(conn).unwrap())
    };
    for _ in 0..5 {
        let visitor = app.client();
        visitor.get("/login").await;
        visitor.get("/register").await;
        // A wrong password (a re-rendered form) and a flash keep working without a row.
        visitor
            .post(
                "/login",
                &[
                    ("login", "ghost@example.com"),
                    ("password", "not it at all"),
                ],
            )
            .await;
    }
    assert_eq!(count(&app), 0, "no session rows for anonymous visitors");
    let (client, _) = signed_up(&app, "Rows").await;
    assert_eq!(count(&app), 1, "one row once signed in");
    client
        .post("/logout", &[])
        .await
        .assert_redirect("/login?signed_out=1");
    assert_eq!(count(&app), 0, "gone at sign-out");
}
on_both_databases!(anonymous_visitors_cost_no_database_write);
