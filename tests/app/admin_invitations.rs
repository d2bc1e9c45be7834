//! Invitations: invite, the mail, accepting in a new browser (signed in, right company and
//! role), addresses in use, the seat cap (also under 20 concurrent invitations), resend and
//! revoke, and a link used twice at once.

use ampflux::models::role;
use diesel::prelude::*;

use crate::admin_users::{admin_of, invitation_id, invite, roles_of, set_seats};
use crate::common::*;
use crate::on_both_databases;

fn pending(app: &TestApp, company_id: i64) -> i64 {
    app.with_conn(|conn| ampflux::models::invitation::pending_count(conn, company_id).unwrap())
}

/// Accepts through the link's form in `client` (a page with a form first, for the CSRF token,
/// in case the link no longer shows its form).
async fn accept(client: &Client, link: &str, username: &str, password: &str) -> Resp {
    client.get("/login").await;
    client.get(link).await;
    client
        .post(link, &[("username", username), ("password", password)])
        .await
}

async fn invite_mail_accept_signed_in(app: TestApp) {
    let (admin, account, company, admin_id) = admin_of(&app, "Inviter").await;
    let res = invite(
        &admin,
        "  Ada.Lovelace@Example.com ",
        "Ada Lovelace",
        "reviewer",
    )
    .await;
    res.assert_redirect("/admin/users");
    admin
        .get("/admin/users")
        .await
        .assert_contains("Invitation sent to ada.lovelace@example.com.");
    let inv = invitation_id(&app, "ada.lovelace@example.com");
    let entry = &audit_entries(&app, company, "user.invite")[0];
    assert_eq!(
        (entry.log.user_id, entry.log.entity_id),
        (Some(admin_id), Some(inv))
    );
    assert_eq!(entry.log.after().unwrap()["role"], "reviewer");
    assert_eq!(
        entry.log.after().unwrap()["email"],
        "ada.lovelace@example.com"
    );
    // The token is stored hashed, for 7 days, tied to the invitation.
    let (purpose, expires, hash) = app.with_conn(|conn| {
        use ampflux::db::schema::auth_tokens as t;
        t::table
            .filter(t::invitation_id.eq(inv))
            .select((t::purpose, t::expires_at, t::token_hash))
            .first::<(String, chrono::NaiveDateTime, String)>(conn)
            .unwrap()
    });
    assert_eq!(purpose, "invitation");
    let days = (expires - ampflux::util::now()).num_hours();
    assert!((167..=168).contains(&days), "{days} hours");

    let link = app
        .link_in_mail("ada.lovelace@example.com", "/invitations/")
        .await;
    let mail = app
        .mail_to("ada.lovelace@example.com", "/invitations/")
        .await;
    assert!(
        mail.contains(&account.company),
        "the mail names the company"
    );
    assert!(
        !link.contains(&hash),
        "the link holds the token, the database its hash"
    );

    let ada = app.client();
    let form = ada.get(&link).await;
    assert_eq!(form.status, 200);
    form.assert_contains("Ada Lovelace");
    form.assert_contains("name=\"username\"");
    // Sign-up's password policy.
    let weak = ada
        .post(&link, &[("username", "ada"), ("password", "short")])
        .await;
    assert_eq!(weak.status, 422);
    let taken = ada
        .post(
            &link,
            &[
                ("username", &account.username),
                ("password", "countess of analytical engines"),
            ],
        )
        .await;
    assert_eq!(taken.status, 422);
    taken.assert_contains("This username is taken");

    let res = accept(&ada, &link, "ada", "countess of analytical engines").await;
    res.assert_redirect("/");
    let home = ada.get("/").await;
    assert_eq!(home.status, 200);
    home.assert_contains("Ada Lovelace");
    home.assert_contains(&account.company.replace('&', "&#38;"));
    let user = user_by_login(&app, "ada");
    assert_eq!(user.company_id, company);
    assert_eq!(user.email, "ada.lovelace@example.com");
    assert!(user.email_verified_at.is_some() && user.last_login_at.is_some());
    assert_eq!(roles_of(&app, user.id), ["reviewer"]);
    let assigned: Option<i64> = app.with_conn(|conn| {
        use ampflux::db::schema::user_roles;
        user_roles::table
            .filter(user_roles::user_id.eq(user.id))
            .select(user_roles::assigned_by)
            .first(conn)
            .unwrap()
    });
    assert_eq!(assigned, Some(admin_id));
    // A reviewer reads the audit trail and may not manage people.
    assert_eq!(ada.get("/audit").await.status, 200);
    assert_eq!(ada.get("/admin/users").await.status, 403);
    let created = &audit_entries(&app, company, "user.create")[0];
    assert_eq!(
        (created.log.user_id, created.log.entity_id),
        (Some(user.id), Some(user.id))
    );
    assert_eq!(created.log.details.0["via"], "invitation");
    let accepted = &audit_entries(&app, company, "invitation.accept")[0];
    assert_eq!(accepted.log.entity_id, Some(inv));
    let events = app.with_conn(|conn| {
        ampflux::models::security_event::recent_for_user(conn, user.id, 10).unwrap()
    });
    assert!(events.iter().any(|e| e.event_type == "invitation.accepted"));

    // The link works once; the list shows her as active.
    let again = app.client().get(&link).await;
    assert_eq!(again.status, 400);
    again.assert_contains("This invitation link is invalid");
    let list = admin.get("/admin/users").await;
    list.assert_contains(&format!("/admin/users/{}", user.id));
    assert_eq!(pending(&app, company), 0);
}
on_both_databases!(invite_mail_accept_signed_in);

async fn addresses_in_use_are_refused_without_naming_the_company(app: TestApp) {
    let (admin, _, _, _) = admin_of(&app, "Asker").await;
    let (other, other_account, _, _) = admin_of(&app, "Secretive").await;
    invite(&other, "courted@example.com", "Courted", "engineer")
        .await
        .assert_redirect("/admin/users");
    for email in [
        other_account.email.as_str(),
        "courted@example.com",
        "asker@example.com",
    ] {
        let res = invite(&admin, email, "Somebody", "engineer").await;
        assert_eq!(res.status, 422, "{email}");
        res.assert_contains("This email address cannot be invited");
        assert!(
            !res.body.contains(&other_account.company),
            "{email}: company named"
        );
        assert!(!res.body.contains("Secretive"), "{email}: company named");
    }
    // Input errors beside their fields.
    let res = invite(&admin, "not-an-address", "", "platform_admin").await;
    assert_eq!(res.status, 422);
    res.assert_contains("Enter a valid email address");
    res.assert_contains("Enter their name");
    res.assert_contains("Choose a company role");
    let count: i64 = app.with_conn(|conn| {
        use ampflux::db::schema::invitations;
        invitations::table.count().get_result(conn).unwrap()
    });
    assert_eq!(count, 1);
}
on_both_databases!(addresses_in_use_are_refused_without_naming_the_company);

async fn an_expired_invitation_elsewhere_is_closed_in_its_own_trail(app: TestApp) {
    let (first, _, first_company, _) = admin_of(&app, "Slow").await;
    let (second, _, second_company, _) = admin_of(&app, "Quick").await;
    invite(&first, "wanted@example.com", "Wanted", "engineer")
        .await
        .assert_redirect("/admin/users");
    let old = invitation_id(&app, "wanted@example.com");
    app.with_conn(|conn| {
        use ampflux::db::schema::invitations;
        diesel::update(invitations::table.find(old))
            .set(invitations::expires_at.eq(ampflux::util::now() - chrono::Duration::hours(1)))
            .execute(conn)
            .unwrap();
    });
    invite(&second, "wanted@example.com", "Wanted", "reviewer")
        .await
        .assert_redirect("/admin/users");
    // The first company's trail says its invitation was closed, by the system, and names no
    // other company; the second company's trail does not mention it.
    let closed = audit_entries(&app, first_company, "invitation.close_expired");
    assert_eq!(closed.len(), 1);
    let log = &closed[0].log;
    assert_eq!(
        (log.entity_id, log.user_id, log.outcome.as_str()),
        (Some(old), None, "success")
    );
    assert_eq!(log.changes.0["after"]["revoked"], true, "{:?}", log.changes);
    let text = serde_json::to_string(&log.details.0).unwrap();
    assert!(
        !text.contains("Quick") && !text.contains(&second_company.to_string()),
        "{text}"
    );
    assert!(audit_entries(&app, second_company, "invitation.close_expired").is_empty());
    // The chains of both companies still verify.
    for company in [first_company, second_company] {
        let report =
            app.with_conn(|conn| ampflux::ops::audit::verify(conn, Some(company)).unwrap());
        assert!(report.first_broken.is_none(), "{report:?}");
    }
}
on_both_databases!(an_expired_invitation_elsewhere_is_closed_in_its_own_trail);

async fn seats_cap_invitations(app: TestApp) {
    let (admin, _, company, _) = admin_of(&app, "Capped").await;
    for name in ["cp.one", "cp.two", "cp.three"] {
        add_user(&app, company, name, role::ENGINEER);
    }
    invite(&admin, "cp.four@example.com", "Four", "engineer")
        .await
        .assert_redirect("/admin/users");
    let res = invite(&admin, "cp.five@example.com", "Five", "engineer").await;
    assert_eq!(res.status, 409);
    res.assert_contains("All 5 seats are taken (4 active users, 1 pending invitation)");
    assert_eq!(pending(&app, company), 1);
    let refused = audit_entries(&app, company, "user.invite");
    assert_eq!(refused.len(), 1, "a refused invitation leaves no entry");
    // Expired invitations hold no seat (and can be resent only if one is free).
    app.with_conn(|conn| {
        use ampflux::db::schema::invitations;
        diesel::update(invitations::table)
            .set(invitations::expires_at.eq(ampflux::util::now() - chrono::Duration::hours(1)))
            .execute(conn)
            .unwrap();
    });
    invite(&admin, "cp.five@example.com", "Five", "engineer")
        .await
        .assert_redirect("/admin/users");
    admin.get("/admin/users").await.assert_contains(">expired<");
    let four = invitation_id(&app, "cp.four@example.com");
    let res = admin
        .post(&format!("/admin/users/invitations/{four}/resend"), &[])
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains("All 5 seats are taken (4 active users, 1 pending invitation)");
}
on_both_databases!(seats_cap_invitations);

async fn twenty_concurrent_invitations_take_five_free_seats(app: TestApp) {
    let (admin, _, company, _) = admin_of(&app, "Rush").await;
    set_seats(&app, company, 6);
    admin.get("/admin/users/invite").await;
    let emails: Vec<String> = (0..20).map(|i| format!("rush{i}@example.com")).collect();
    let forms: Vec<[(&str, &str); 3]> = emails
        .iter()
        .map(|email| {
            [
                ("email", email.as_str()),
                ("name", "Rusher"),
                ("role", "engineer"),
            ]
        })
        .collect();
    let posts = forms
        .iter()
        .map(|form| admin.post("/admin/users/invite", form));
    let answers = futures_util::future::join_all(posts).await;
    let ok = answers.iter().filter(|r| r.status == 303).count();
    let refused: Vec<_> = answers.iter().filter(|r| r.status == 409).collect();
    assert_eq!(
        ok,
        5,
        "{:?}",
        answers.iter().map(|r| r.status).collect::<Vec<_>>()
    );
    assert_eq!(refused.len(), 15);
    refused[0].assert_contains("All 6 seats are taken (1 active user, 5 pending invitations)");
    assert_eq!(pending(&app, company), 5);
    assert_eq!(audit_entries(&app, company, "user.invite").len(), 5);
}
on_both_databases!(twenty_concurrent_invitations_take_five_free_seats);

async fn resend_and_revoke(app: TestApp) {
    let (admin, _, company, _) = admin_of(&app, "Resend").await;
    invite(&admin, "maybe@example.com", "Maybe", "engineer")
        .await
        .assert_redirect("/admin/users");
    let inv = invitation_id(&app, "maybe@example.com");
    let first = app.link_in_mail("maybe@example.com", "/invitations/").await;
    admin
        .post(&format!("/admin/users/invitations/{inv}/resend"), &[])
        .await
        .assert_redirect("/admin/users");
    let entry = &audit_entries(&app, company, "invitation.resend")[0];
    assert!(entry.log.before().is_some() && entry.log.after().is_some());
    let second = loop {
        let link = app.link_in_mail("maybe@example.com", "/invitations/").await;
        if link != first {
            break link;
        }
        actix_rt::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    let client = app.client();
    assert_eq!(
        client.get(&first).await.status,
        400,
        "the old link stops working"
    );
    assert_eq!(client.get(&second).await.status, 200);
    assert_eq!(pending(&app, company), 1);

    admin
        .post(&format!("/admin/users/invitations/{inv}/revoke"), &[])
        .await
        .assert_redirect("/admin/users");
    let res = client.get(&second).await;
    assert_eq!(res.status, 400);
    res.assert_contains("was revoked");
    let res = accept(&app.client(), &second, "maybe", "a perfectly fine phrase 1").await;
    assert_eq!(res.status, 400);
    assert!(
        ampflux::models::user::find_by_login(&mut app.conn(), "maybe")
            .unwrap()
            .is_none()
    );
    assert_eq!(pending(&app, company), 0);
    assert_eq!(audit_entries(&app, company, "invitation.revoke").len(), 1);
    // Closed invitations are not resent or revoked again.
    let res = admin
        .post(&format!("/admin/users/invitations/{inv}/resend"), &[])
        .await;
    assert_eq!(res.status, 409);
    // ... and the address can be invited again.
    invite(&admin, "maybe@example.com", "Maybe", "engineer")
        .await
        .assert_redirect("/admin/users");
}
on_both_databases!(resend_and_revoke);

async fn a_link_used_twice_at_once_creates_one_user(app: TestApp) {
    let (admin, _, company, _) = admin_of(&app, "Twice").await;
    invite(&admin, "double@example.com", "Double", "engineer")
        .await
        .assert_redirect("/admin/users");
    let link = app
        .link_in_mail("double@example.com", "/invitations/")
        .await;
    let (a, b) = (app.client(), app.client());
    a.get(&link).await;
    b.get(&link).await;
    let (ra, rb) = futures_util::future::join(
        a.post(
            &link,
            &[
                ("username", "double.a"),
                ("password", "two at once is one 42"),
            ],
        ),
        b.post(
            &link,
            &[
                ("username", "double.b"),
                ("password", "two at once is one 42"),
            ],
        ),
    )
    .await;
    let mut statuses = [ra.status, rb.status];
    statuses.sort();
    assert_eq!(statuses, [303, 400], "{} / {}", ra.body, rb.body);
    let users: i64 = app.with_conn(|conn| {
        use ampflux::db::schema::users;
        users::table
            .filter(users::company_id.eq(company))
            .count()
            .get_result(conn)
            .unwrap()
    });
    assert_eq!(users, 2, "the admin and one new user");
}
on_both_databases!(a_link_used_twice_at_once_creates_one_user);

async fn acceptance_checks_seats_again(app: TestApp) {
    let (admin, _, company, _) = admin_of(&app, "Recheck").await;
    invite(&admin, "late@example.com", "Late", "engineer")
        .await
        .assert_redirect("/admin/users");
    let link = app.link_in_mail("late@example.com", "/invitations/").await;
    // The license shrank meanwhile.
    set_seats(&app, company, 1);
    let res = accept(&app.client(), &link, "late", "arrived after the cut 7").await;
    assert_eq!(res.status, 409);
    res.assert_contains("All 1 seat is taken");
    set_seats(&app, company, 5);
    accept(&app.client(), &link, "late", "arrived after the cut 7")
        .await
        .assert_redirect("/");
}
on_both_databases!(acceptance_checks_seats_again);

fn users_with_email(app: &TestApp, email: &str) -> i64 {
    app.with_conn(|conn| {
        use ampflux::db::schema::users;
        users::table
            .filter(users::email.eq(email))
            .count()
            .get_result(conn)
            .unwrap()
    })
}

/// The fields of a sign-up of a new company with this address.
fn sign_up_fields<'a>(tag: &'a str, email: &'a str) -> [(&'static str, &'a str); 5] {
    [
        ("company_name", tag),
        ("name", tag),
        ("username", tag),
        ("email", email),
        ("password", "first come first served 9"),
    ]
}

async fn an_address_taken_by_a_sign_up_meanwhile_is_said_at_acceptance(app: TestApp) {
    let (admin, _, company, _) = admin_of(&app, "Overtaken").await;
    invite(&admin, "wanted.person@example.com", "Overtaken", "engineer")
        .await
        .assert_redirect("/admin/users");
    let link = app
        .link_in_mail("wanted.person@example.com", "/invitations/")
        .await;
    // Someone signs up a company of their own with the invited address first.
    let other = app.client();
    other.get("/register").await;
    other
        .post(
            "/register",
            &sign_up_fields("overtaker", "wanted.person@example.com"),
        )
        .await
        .assert_redirect("/login");
    let res = accept(&app.client(), &link, "overtaken", "arrived second at 9").await;
    assert_eq!(res.status, 409, "{}", res.body);
    res.assert_contains("An account with this email address exists now");
    assert_eq!(users_with_email(&app, "wanted.person@example.com"), 1);
    let users: Vec<i64> = app.with_conn(|conn| {
        use ampflux::db::schema::users;
        users::table
            .filter(users::company_id.eq(company))
            .select(users::id)
            .load(conn)
            .unwrap()
    });
    assert_eq!(users.len(), 1, "no user added to the inviting company");
}
on_both_databases!(an_address_taken_by_a_sign_up_meanwhile_is_said_at_acceptance);

/// A sign-up and an acceptance racing for one address: exactly one account gets it; the other
/// request is told why (never a 500), whichever check (before the insert or the unique index)
/// catches it.
async fn a_sign_up_and_an_acceptance_racing_for_an_address(app: TestApp) {
    let (admin, _, _, _) = admin_of(&app, "Racer").await;
    for round in 0..4 {
        let email = format!("race{round}@example.com");
        let tag = format!("racer{round}");
        invite(&admin, &email, "Racer", "engineer")
            .await
            .assert_redirect("/admin/users");
        let link = app.link_in_mail(&email, "/invitations/").await;
        let (invitee, stranger) = (app.client(), app.client());
        invitee.get(&link).await;
        stranger.get("/register").await;
        let username = format!("invitee{round}");
        let (accepted, signed_up) = futures_util::future::join(
            invitee.post(
                &link,
                &[
                    ("username", &username),
                    ("password", "first come first served 9"),
                ],
            ),
            stranger.post("/register", &sign_up_fields(&tag, &email)),
        )
        .await;
        let won = [accepted.status, signed_up.status]
            .iter()
            .filter(|s| **s == 303)
            .count();
        assert_eq!(won, 1, "round {round}: {accepted:?} / {signed_up:?}");
        assert!(
            [303, 409].contains(&accepted.status),
            "acceptance: {}: {}",
            accepted.status,
            accepted.body
        );
        assert!(
            [303, 422].contains(&signed_up.status),
            "sign-up: {}: {}",
            signed_up.status,
            signed_up.body
        );
        if accepted.status == 409 {
            accepted.assert_contains("An account with this email address exists now");
        }
        assert_eq!(users_with_email(&app, &email), 1, "round {round}");
    }
}
on_both_databases!(a_sign_up_and_an_acceptance_racing_for_an_address);
