//! The account pages: profile, password change, sessions.

use crate::common::*;
use crate::on_both_databases;

async fn profile_update_is_saved_and_audited(app: TestApp) {
    let (client, account) = signed_up(&app, "Gauss").await;
    client
        .get("/account")
        .await
        .assert_contains("Europe/Berlin");
    let res = client
        .post(
            "/account/profile",
            &[("name", "Carl Friedrich"), ("timezone", "Europe/Berlin")],
        )
        .await;
    res.assert_redirect("/account");
    client
        .get("/account")
        .await
        .assert_contains("Your profile is saved.");
    let user = user_by_login(&app, &account.email);
    assert_eq!(
        (user.name.as_str(), user.timezone.as_str()),
        ("Carl Friedrich", "Europe/Berlin")
    );
    {
        let rows = audit_entries(&app, user.company_id, "user.update");
        let log = &rows[0].log;
        assert_eq!(log.before().unwrap()["name"], "Gauss Engineer");
        assert_eq!(log.after().unwrap()["name"], "Carl Friedrich");
        assert_eq!(log.after().unwrap()["timezone"], "Europe/Berlin");
        assert_eq!(log.user_id, Some(user.id));
        assert_eq!(log.ip_address.as_deref(), Some("127.0.0.1"));
        assert!(log.user_agent.as_deref().unwrap_or("").contains("Firefox"));
    }

    // Times are shown in the user's zone.
    client.get("/account/sessions").await.assert_contains("CET");
}
on_both_databases!(profile_update_is_saved_and_audited);

async fn profile_errors_keep_the_values(app: TestApp) {
    let (client, account) = signed_up(&app, "Weber").await;
    client.get("/account").await;
    let res = client
        .post(
            "/account/profile",
            &[("name", ""), ("timezone", "Mars/Olympus")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("Enter your name");
    res.assert_contains("Choose a time zone from the list");
    let user = user_by_login(&app, &account.email);
    assert_eq!(user.name, "Weber Engineer", "nothing saved");
}
on_both_databases!(profile_errors_keep_the_values);

async fn profile_through_htmx_returns_the_fragment(app: TestApp) {
    let (client, _) = signed_up(&app, "Hertz").await;
    client.get("/account").await;
    let token = client.csrf();
    let res = client
        .post_htmx(
            "/account/profile",
            &[("name", "Heinrich"), ("timezone", "UTC")],
            token.as_deref(),
        )
        .await;
    assert_eq!(res.status, 200);
    assert!(
        res.body
            .trim_start()
            .starts_with("<form id=\"profile-form\""),
        "{}",
        res.body
    );
    assert!(!res.body.contains("<html"));
    res.assert_contains("Your profile is saved.");
    assert_eq!(res.header("vary"), Some("HX-Request"));
}
on_both_databases!(profile_through_htmx_returns_the_fragment);

async fn password_change_checks_the_current_one_and_ends_other_sessions(app: TestApp) {
    let (client, account) = signed_up(&app, "Siemens").await;
    let other = app.client();
    login(&other, &account.email, &account.password)
        .await
        .assert_redirect("/");

    client.get("/account/password").await;
    let wrong = client
        .post(
            "/account/password",
            &[
                ("current_password", "not my password"),
                ("new_password", "fresh long passphrase"),
            ],
        )
        .await;
    assert_eq!(wrong.status, 422);
    wrong.assert_contains("This is not your current password.");
    let weak = client
        .post(
            "/account/password",
            &[
                ("current_password", &account.password),
                ("new_password", "qwertyuiop123"),
            ],
        )
        .await;
    assert_eq!(weak.status, 422);
    weak.assert_contains("too common");

    let res = client
        .post(
            "/account/password",
            &[
                ("current_password", &account.password),
                ("new_password", "fresh long passphrase"),
            ],
        )
        .await;
    res.assert_redirect("/account");
    client
        .get("/account")
        .await
        .assert_contains("Your other session was signed out.");
    assert_eq!(client.get("/").await.status, 200, "this session goes on");
    assert_eq!(other.get("/").await.status, 303, "the other session ended");

    let user = user_by_login(&app, &account.email);
    {
        let rows = audit_entries(&app, user.company_id, "user.password_change");
        let outcomes: Vec<&str> = rows.iter().map(|r| r.log.outcome.as_str()).collect();
        assert_eq!(
            outcomes,
            vec!["success", "failure"],
            "the refused attempt is audited too"
        );
    }
    let fresh = app.client();
    login(&fresh, &account.email, "fresh long passphrase")
        .await
        .assert_redirect("/");
}
on_both_databases!(password_change_checks_the_current_one_and_ends_other_sessions);

async fn sessions_are_listed_and_revocable(app: TestApp) {
    let (client, account) = signed_up(&app, "Coulomb").await;
    let phone = app.client();
    login(&phone, &account.email, &account.password)
        .await
        .assert_redirect("/");
    let third = app.client();
    login(&third, &account.username, &account.password)
        .await
        .assert_redirect("/");

    let page = client.get("/account/sessions").await;
    page.assert_contains("this session");
    page.assert_contains("Firefox on Linux");
    page.assert_contains("127.0.0.1");
    let ids = revoke_ids(&page.body);
    assert_eq!(ids.len(), 2, "two other sessions can be ended");

    // One through htmx (header token), answered with the table fragment.
    let token = client.csrf();
    let res = client
        .post_htmx(
            &format!("/account/sessions/{}/revoke", ids[0]),
            &[],
            token.as_deref(),
        )
        .await;
    assert_eq!(res.status, 200);
    assert!(res.body.trim_start().starts_with("<div id=\"sessions\">"));
    assert_eq!(revoke_ids(&res.body).len(), 1);

    // Then all others through the plain form.
    client.get("/account/sessions").await;
    client
        .post("/account/sessions/revoke-others", &[])
        .await
        .assert_redirect("/account/sessions");
    assert_eq!(phone.get("/").await.status, 303);
    assert_eq!(third.get("/").await.status, 303);
    assert_eq!(client.get("/").await.status, 200);
    assert!(revoke_ids(&client.get("/account/sessions").await.body).is_empty());

    // Another user's live session cannot be ended by its id: it is not found for them. The
    // user signs in on a laptop; that session is live and its id is valid.
    let laptop = app.client();
    login(&laptop, &account.email, &account.password)
        .await
        .assert_redirect("/");
    assert_eq!(laptop.get("/").await.status, 200);
    let live = revoke_ids(&client.get("/account/sessions").await.body);
    assert_eq!(live.len(), 1, "the laptop's session is listed");
    let (intruder, _) = signed_up(&app, "Intruder").await;
    intruder.get("/account/sessions").await;
    let res = intruder
        .post(&format!("/account/sessions/{}/revoke", live[0]), &[])
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    let token = intruder.csrf();
    let res = intruder
        .post_htmx(
            &format!("/account/sessions/{}/revoke", live[0]),
            &[],
            token.as_deref(),
        )
        .await;
    assert_eq!(res.status, 404, "{}", res.body);
    assert_eq!(laptop.get("/").await.status, 200, "the session lives on");
    assert_eq!(
        revoke_ids(&client.get("/account/sessions").await.body),
        live,
        "still listed for its user"
    );
    assert_eq!(
        intruder.get("/").await.status,
        200,
        "the intruder's own session"
    );
    // The same id is the user's to end: only the user scope refused the intruder.
    client.get("/account/sessions").await;
    client
        .post(&format!("/account/sessions/{}/revoke", live[0]), &[])
        .await
        .assert_redirect("/account/sessions");
    assert_eq!(laptop.get("/").await.status, 303);
}
on_both_databases!(sessions_are_listed_and_revocable);

fn revoke_ids(body: &str) -> Vec<String> {
    body.match_indices("action=\"/account/sessions/")
        .filter_map(|(i, m)| {
            let rest = &body[i + m.len()..];
            let id = rest.split('/').next()?;
            rest[id.len()..]
                .starts_with("/revoke")
                .then(|| id.to_string())
        })
        .collect()
}
