//! CSRF, security headers, error pages, permissions and tenant isolation.

use crate::common::*;
use crate::on_both_databases;
use ampflux::models::{audit, role, security_event};

async fn unsafe_requests_need_the_token_and_our_origin(app: TestApp) {
    let (client, account) = signed_up(&app, "Ohmic").await;
    client.get("/account").await;
    let token = client.csrf().expect("token in the page");
    let fields = [("name", "Changed"), ("timezone", "UTC")];

    let no_token = client
        .post_raw("/account/profile", &fields, Some(&app.base))
        .await;
    assert_eq!(no_token.status, 403);
    no_token.assert_contains("Request refused");

    let wrong = client
        .post_raw(
            "/account/profile",
            &[
                ("name", "Changed"),
                ("timezone", "UTC"),
                ("csrf_token", "0000"),
            ],
            Some(&app.base),
        )
        .await;
    assert_eq!(wrong.status, 403);

    let with_token = [
        ("name", "Changed"),
        ("timezone", "UTC"),
        ("csrf_token", token.as_str()),
    ];
    let cross_site = client
        .post_raw("/account/profile", &with_token, Some("http://evil.example"))
        .await;
    assert_eq!(
        cross_site.status, 403,
        "cross-origin refused even with the token"
    );
    // Same host and port, another scheme: not our origin (the test app is served over http).
    let https = app.base.replacen("http://", "https://", 1);
    let other_scheme = client
        .post_raw("/account/profile", &with_token, Some(&https))
        .await;
    assert_eq!(other_scheme.status, 403, "{https} is not {}", app.base);
    let no_origin = client.post_raw("/account/profile", &with_token, None).await;
    assert_eq!(no_origin.status, 403, "no Origin or Referer: refused");

    let htmx_wrong = client
        .post_htmx("/account/profile", &fields, Some("bad-token"))
        .await;
    assert_eq!(htmx_wrong.status, 403);
    let htmx_none = client.post_htmx("/account/profile", &fields, None).await;
    assert_eq!(htmx_none.status, 403);

    let user = user_by_login(&app, &account.email);
    assert_eq!(user.name, "Ohmic Engineer", "nothing changed");
    app.with_conn(|conn| {
        let rows = audit_entries(&app, user.company_id, "request.refused");
        assert_eq!(
            rows.len(),
            7,
            "each refused request is a failed mutation in the audit trail"
        );
        assert!(rows.iter().all(|r| r.log.outcome == "failure"));
        let events = security_event::recent_for_user(conn, user.id, 20).unwrap();
        assert_eq!(
            events
                .iter()
                .filter(|e| e.event_type == "csrf.rejected")
                .count(),
            7
        );
    });

    // The right token in the header passes.
    let ok = client
        .post_htmx("/account/profile", &fields, Some(&token))
        .await;
    assert_eq!(ok.status, 200);
    assert_eq!(user_by_login(&app, &account.email).name, "Changed");
}
on_both_databases!(unsafe_requests_need_the_token_and_our_origin);

async fn anonymous_forms_are_protected_too(app: TestApp) {
    let client = app.client();
    let res = client
        .post_raw(
            "/login",
            &[("login", "a@example.com"), ("password", "x")],
            Some(&app.base),
        )
        .await;
    assert_eq!(res.status, 403);
    let res = client
        .post_raw("/register", &[("company_name", "X")], Some(&app.base))
        .await;
    assert_eq!(res.status, 403);
}
on_both_databases!(anonymous_forms_are_protected_too);

async fn security_headers_on_every_response(app: TestApp) {
    let client = app.client();
    for path in ["/login", "/health/live", "/no/such/page", "/static/app.css"] {
        let res = client.get(path).await;
        let csp = res.header("content-security-policy").unwrap_or_default();
        assert!(csp.contains("script-src 'self'"), "{path}: {csp}");
        assert!(csp.contains("frame-ancestors 'none'"));
        assert!(!csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"));
        assert_eq!(
            res.header("x-content-type-options"),
            Some("nosniff"),
            "{path}"
        );
        assert_eq!(res.header("referrer-policy"), Some("same-origin"));
        assert!(res.header("x-request-id").is_some_and(|id| id.len() == 16));
        assert!(
            res.header("strict-transport-security").is_none(),
            "no HSTS over plain http"
        );
    }
    assert_eq!(
        client.get("/login").await.header("cache-control"),
        Some("no-store")
    );
    assert_eq!(
        client.get("/static/app.css").await.header("cache-control"),
        Some("public, max-age=3600")
    );
    let cookie = app.client().get("/login").await;
    let set = cookie.header("set-cookie").unwrap_or_default().to_string();
    // A second page view changes nothing in the session: no new cookie, no write.
    let again = Client::new(&app.base);
    again.get("/login").await;
    assert!(again.get("/login").await.header("set-cookie").is_none());
    assert!(set.starts_with("ampflux_session="), "{set}");
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Lax") && set.contains("Path=/"),
        "{set}"
    );
}
on_both_databases!(security_headers_on_every_response);

async fn https_deployments_get_host_cookies_and_hsts(app: TestApp) {
    let res = app.client().get("/login").await;
    let set = res.header("set-cookie").unwrap_or_default();
    assert!(set.starts_with("__Host-ampflux="), "{set}");
    assert!(set.contains("Secure"), "{set}");
    assert!(
        res.header("strict-transport-security")
            .is_some_and(|h| h.contains("max-age="))
    );
}
on_both_databases!(https_deployments_get_host_cookies_and_hsts, |c| c
    .secure_cookies =
    true);

async fn error_pages_leak_nothing(app: TestApp) {
    let res = app.client().get("/no/such/page").await;
    assert_eq!(res.status, 404);
    res.assert_contains("Not found");
    assert!(
        !res.body.contains("panicked")
            && !res.body.contains("diesel")
            && !res.body.contains("src/")
    );
    let (client, _) = signed_up(&app, "Errors").await;
    let res = client.get("/audit/not-a-number").await;
    assert_eq!(res.status, 404);
    res.assert_contains("<title>Not found · AmpFlux</title>");
    let res = client.get("/audit?before=abc").await;
    assert_eq!(res.status, 400);
    res.assert_contains("<title>Bad request · AmpFlux</title>");
    assert!(!res.body.contains("ParseIntError") && !res.body.contains("deserialize"));
}
on_both_databases!(error_pages_leak_nothing);

async fn errors_answer_json_to_clients_that_ask_for_it(app: TestApp) {
    let (client, _) = signed_up(&app, "JsonErr").await;
    let json = |res: &Resp| -> serde_json::Value {
        assert_eq!(
            res.header("content-type"),
            Some("application/json"),
            "{}",
            res.body
        );
        assert!(
            res.header("content-security-policy").is_some(),
            "headers kept"
        );
        assert!(res.header("x-request-id").is_some(), "request id kept");
        serde_json::from_str(&res.body).expect("a JSON body")
    };
    let res = client.get_for_json("/audit/not-a-number").await;
    assert_eq!(res.status, 404);
    let v = json(&res);
    assert_eq!(
        (v["error"].as_str(), v["status"].as_u64()),
        (Some("not_found"), Some(404))
    );
    let res = client.get_for_json("/no/such/page").await;
    assert_eq!(
        (res.status, json(&res)["error"].as_str()),
        (404, Some("not_found"))
    );
    let res = client.get_for_json("/audit?before=abc").await;
    assert_eq!(
        (res.status, json(&res)["error"].as_str()),
        (400, Some("bad_request"))
    );
    // An anonymous client gets 401 rather than the sign-in redirect a browser follows.
    let res = app.client().get_for_json("/projects").await;
    assert_eq!(res.status, 401);
    assert_eq!(res.header("location"), None);
    assert_eq!(res.header("hx-redirect"), None);
    assert_eq!(json(&res)["error"], "sign_in_required");
    // Refusals of the layers before the handlers too: no CSRF token, a form over the limit.
    let res = client
        .post_body_for_json("/account/profile", "name=x".into(), None)
        .await;
    assert_eq!(
        (res.status, json(&res)["error"].as_str()),
        (403, Some("csrf_refused"))
    );
    let huge = format!("name={}", "x".repeat(300 * 1024));
    let res = client
        .post_body_for_json("/account/profile", huge, None)
        .await;
    assert_eq!(
        (res.status, json(&res)["error"].as_str()),
        (413, Some("too_large"))
    );
    // A browser's Accept (text/html among others) and parameters are read as media types.
    let res = client
        .get_with_accept("/no/such/page", "text/html;q=0.9, application/json")
        .await;
    assert!(
        res.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html")
    );
    let res = client
        .get_with_accept("/no/such/page", "application/json; charset=utf-8")
        .await;
    assert_eq!(json(&res)["error"], "not_found");
    // Browsers (which always accept text/html) keep getting pages.
    let res = client.get("/audit/not-a-number").await;
    assert!(
        res.header("content-type")
            .unwrap_or_default()
            .starts_with("text/html")
    );
}
on_both_databases!(errors_answer_json_to_clients_that_ask_for_it);

async fn permissions_deny_by_default(app: TestApp) {
    let (admin, account) = signed_up(&app, "Rayleigh").await;
    let company_id = user_by_login(&app, &account.email).company_id;
    add_user(&app, company_id, "eng.one", role::ENGINEER);
    add_user(&app, company_id, "rev.one", role::REVIEWER);

    let engineer = app.client();
    sign_in(&engineer, "eng.one").await;
    let dash = engineer.get("/").await;
    assert!(
        !dash.body.contains("href=\"/audit\""),
        "no audit link without audit:read"
    );
    dash.assert_contains("Your recent activity");
    assert_eq!(engineer.get("/audit").await.status, 403);

    let reviewer = app.client();
    sign_in(&reviewer, "rev.one").await;
    assert_eq!(reviewer.get("/audit").await.status, 200);
    reviewer
        .get("/")
        .await
        .assert_contains("Recent activity in your company");
    assert_eq!(admin.get("/audit").await.status, 200);
}
on_both_databases!(permissions_deny_by_default);

async fn another_companys_ids_are_not_found(app: TestApp) {
    let (alice, a) = signed_up(&app, "Alpha").await;
    let (bob, _) = signed_up(&app, "Beta").await;
    let alpha_company = user_by_login(&app, &a.email).company_id;
    let alpha_entry = app.with_conn(|conn| {
        audit::page(conn, alpha_company, &audit::Filter::default(), None, 1)
            .unwrap()
            .0[0]
            .log
            .id
    });
    assert_eq!(
        alice.get(&format!("/audit/{alpha_entry}")).await.status,
        200
    );
    let res = bob.get(&format!("/audit/{alpha_entry}")).await;
    assert_eq!(res.status, 404, "not 403: existence is not confirmed");
    let list = bob.get("/audit").await;
    assert!(
        !list.body.contains("Alpha Power"),
        "no other tenant's data in lists"
    );
    assert!(!list.body.contains(&format!("/audit/{alpha_entry}\"")));
}
on_both_databases!(another_companys_ids_are_not_found);

async fn deactivated_users_are_signed_out(app: TestApp) {
    let (client, account) = signed_up(&app, "Leyden").await;
    let user = user_by_login(&app, &account.email);
    app.with_conn(|conn| {
        use ampflux::db::schema::users;
        use diesel::prelude::*;
        diesel::update(users::table.find(user.id))
            .set(users::is_active.eq(false))
            .execute(conn)
            .unwrap();
    });
    assert_eq!(client.get("/").await.status, 303);
    let res = login(&app.client(), &account.email, &account.password).await;
    res.assert_contains("This account is deactivated");

    // A user of a deactivated company cannot sign in either.
    let (_, other) = signed_up(&app, "Closed").await;
    let company_id = user_by_login(&app, &other.email).company_id;
    app.with_conn(|conn| {
        use ampflux::db::schema::companies;
        use diesel::prelude::*;
        diesel::update(companies::table.find(company_id))
            .set(companies::is_active.eq(false))
            .execute(conn)
            .unwrap();
    });
    let client = app.client();
    let res = login(&client, &other.email, &other.password).await;
    assert_eq!(res.status, 200);
    res.assert_contains("This account is deactivated");
    assert_eq!(client.get("/").await.status, 303);
}
on_both_databases!(deactivated_users_are_signed_out);

async fn other_methods_and_body_types_need_the_token_too(app: TestApp) {
    let (client, _) = signed_up(&app, "Methods").await;
    let token = client.csrf().unwrap();
    let http = awc::Client::builder().disable_redirects().finish();
    let url = format!("{}/account/profile", app.base);
    let cookie = client.cookie_header();
    for method in ["PUT", "DELETE", "PATCH"] {
        let res = http
            .request(method.parse().unwrap(), &url)
            .insert_header(("Cookie", cookie.clone()))
            .insert_header(("Origin", app.base.clone()))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 403, "{method}");
    }
    // The field is read from urlencoded forms only: other bodies must send the header.
    for (content_type, body) in [
        (
            "text/plain",
            format!("csrf_token={token}&name=X&timezone=UTC"),
        ),
        (
            "application/json",
            format!("{{\"csrf_token\":\"{token}\"}}"),
        ),
        (
            "multipart/form-data; boundary=XX",
            format!(
                "--XX\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{token}\r\n--XX--\r\n"
            ),
        ),
    ] {
        let res = http
            .post(&url)
            .insert_header(("Cookie", cookie.clone()))
            .insert_header(("Origin", app.base.clone()))
            .insert_header(("Content-Type", content_type))
            .send_body(body)
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 403, "{content_type}");
    }
    // A cross-site Referer without Origin is refused; a same-site one passes.
    for (referer, expected) in [
        ("http://evil.example/page", 403),
        (format!("{}/account", app.base).leak() as &str, 303),
    ] {
        let res = http
            .post(&url)
            .insert_header(("Cookie", cookie.clone()))
            .insert_header(("Referer", referer))
            .insert_header(("Content-Type", "application/x-www-form-urlencoded"))
            .send_body(format!("csrf_token={token}&name=Referer&timezone=UTC"))
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), expected, "{referer}");
    }
}
on_both_databases!(other_methods_and_body_types_need_the_token_too);

async fn control_characters_get_a_message_not_an_error(app: TestApp) {
    let client = app.client();
    let res = login(&client, "a\0b", "whatever password").await;
    assert_eq!(res.status, 200);
    res.assert_contains("Incorrect email, username or password.");

    client.get("/password/forgot").await;
    let res = client
        .post("/password/forgot", &[("email", "a\0b@example.com")])
        .await;
    assert_eq!(res.status, 422);

    client.get("/register").await;
    let res = client
        .post(
            "/register",
            &[
                ("company_name", "Nul\0Co"),
                ("name", "Eve\r\nBcc: victim@example.com"),
                ("username", "eve"),
                ("email", "eve@example.com"),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("no control characters");
    res.assert_contains("must not contain control characters");

    let (signed_in, account) = signed_up(&app, "Ctrl").await;
    signed_in.get("/account").await;
    let res = signed_in
        .post(
            "/account/profile",
            &[("name", "Line\nBreak"), ("timezone", "UTC")],
        )
        .await;
    assert_eq!(res.status, 422);
    assert_eq!(user_by_login(&app, &account.email).name, "Ctrl Engineer");
    let res = signed_in.get("/audit?action=%00x").await;
    assert_eq!(res.status, 200);
}
on_both_databases!(control_characters_get_a_message_not_an_error);

async fn next_cannot_leave_the_site(app: TestApp) {
    let (client, account) = signed_up(&app, "Redirect").await;
    for next in [
        "/%09/evil.example",
        "//evil.example",
        "/%5Cevil.example",
        "https://evil.example",
        "/%0A/evil",
    ] {
        let res = client.get(&format!("/login?next={next}")).await;
        res.assert_redirect("/");
    }
    // After signing in, `next` is followed only when it stays on the site.
    for (next, expected) in [("/\t/evil.example", "/"), ("/audit?x=1", "/audit?x=1")] {
        let anon = app.client();
        anon.get("/login").await;
        let res = anon
            .post(
                "/login",
                &[
                    ("login", &account.email),
                    ("password", PASSWORD),
                    ("next", next),
                ],
            )
            .await;
        res.assert_redirect(expected);
    }
}
on_both_databases!(next_cannot_leave_the_site);

async fn denied_changes_are_audited_as_failures(app: TestApp) {
    use ampflux::auth::permissions;
    use ampflux::models::audit::Entry;
    use ampflux::web::errors::AppError;
    use ampflux::web::extractors::CurrentUser;

    let (_, account) = signed_up(&app, "Deny").await;
    let company_id = user_by_login(&app, &account.email).company_id;
    let engineer_id = add_user(&app, company_id, "eng.deny", role::ENGINEER);
    let me = app.with_conn(|conn| CurrentUser {
        user: ampflux::models::user::find(conn, engineer_id)
            .unwrap()
            .unwrap(),
        company: ampflux::models::company::find(conn, company_id).unwrap(),
        permissions: role::permissions_for_user(conn, engineer_id).unwrap(),
        license: ampflux::models::license::current(conn, company_id).unwrap(),
        revision: None,
        session_public_id: None,
        meta: Default::default(),
    });
    let entry = Entry::success("user.deactivate", "user", Some(1));
    let denied = me
        .require_to_change(&app.state, permissions::USERS_MANAGE, entry.clone())
        .await;
    assert!(matches!(denied, Err(AppError::Forbidden)));
    me.require_to_change(&app.state, permissions::PROJECTS_WRITE, entry)
        .await
        .expect("allowed");
    {
        let rows = audit_entries(&app, company_id, "user.deactivate");
        assert_eq!(rows.len(), 1, "only the denial is recorded");
        assert_eq!(rows[0].log.outcome, "failure");
        assert_eq!(rows[0].log.user_id, Some(engineer_id));
        assert_eq!(rows[0].log.details.0["denied"], "users:manage");
    }
}
on_both_databases!(denied_changes_are_audited_as_failures);

/// Every unsafe project route refuses a request without the session's token, including a
/// token only in the query of a form that is not multipart.
async fn project_routes_need_the_csrf_token(app: TestApp) {
    let s = setup(&app, "Csrf").await;
    let pid = s.pid;
    let c = &s.client;
    open_editor(c, pid).await;
    let token = c.csrf().expect("token");
    let before = fingerprint(&app, pid);
    let mut routes = project_changes(pid, 1, s.user_id);
    routes.push(("/projects".into(), vec![("name", "x"), ("start", "empty")]));
    for (path, fields) in routes {
        let res = c.post_raw(&path, &fields, Some(&c.base.clone())).await;
        assert_eq!(res.status, 403, "no token: {path}");
        let with_query = format!("{path}?csrf_token={token}");
        let res = c
            .post_raw(&with_query, &fields, Some(&c.base.clone()))
            .await;
        assert_eq!(
            res.status, 403,
            "token in the query of a urlencoded form: {path}"
        );
        let res = c.post_htmx(&path, &fields, Some("wrong")).await;
        assert_eq!(res.status, 403, "wrong header token: {path}");
        let mut with_token = fields.clone();
        with_token.push(("csrf_token", &token));
        let res = c
            .post_raw(&path, &with_token, Some("http://evil.example"))
            .await;
        assert_eq!(res.status, 403, "cross-origin: {path}");
    }
    assert_eq!(fingerprint(&app, pid), before);
}
on_both_databases!(project_routes_need_the_csrf_token);

/// A user who reads only their own activity is not shown the current name of a project they
/// were removed from: the dashboard's entry about it names no project and links nowhere.
async fn own_activity_hides_projects_the_user_can_no_longer_read(app: TestApp) {
    let s = setup(&app, "Removed").await;
    let eng_id = add_user(&app, s.company_id, "eng.removed", role::ENGINEER);
    add_member(&app, s.pid, eng_id, "editor");
    let engineer = app.client();
    sign_in(&engineer, "eng.removed").await;
    let pid = s.pid;
    open_editor(&engineer, pid).await;
    let res = hx(
        &engineer,
        &format!("/projects/{pid}/editor/buses/rows"),
        &[("id", "NEW"), ("vn_kv", "20"), ("in_service", "true")],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    engineer
        .post(
            &format!("/projects/{pid}/editor/save"),
            &[("message", "a bus")],
        )
        .await
        .assert_redirect(&format!("/projects/{pid}/editor"));
    let version_link = format!("href=\"/projects/{pid}/versions/2\"");
    let dash = engineer.get("/").await;
    dash.assert_contains("Your recent activity");
    dash.assert_contains(&version_link);
    dash.assert_contains("version 2 of “Removed substation”");

    // Renamed and the engineer removed: their entry stays, without the project's new name.
    app.with_conn(|conn| {
        use ampflux::db::schema::projects;
        use diesel::prelude::*;
        diesel::update(projects::table.find(pid))
            .set(projects::name.eq("Takeover target"))
            .execute(conn)
            .unwrap();
        ampflux::models::project::delete_member(conn, pid, eng_id).unwrap();
    });
    let dash = engineer.get("/").await;
    assert_eq!(dash.status, 200);
    assert!(!dash.body.contains("Takeover target"), "{}", dash.body);
    assert!(!dash.body.contains(&version_link), "{}", dash.body);
    // The owner still sees it by name.
    s.client
        .get("/")
        .await
        .assert_contains("version 2 of “Takeover target”");
}
on_both_databases!(own_activity_hides_projects_the_user_can_no_longer_read);
