//! People (`/admin/users`): who may open it, tenant scope, the list, role changes,
//! deactivation, reactivation, deletion, password-reset mails and the last-admin rule (also
//! under concurrent requests). Invitations are in `admin_invitations.rs`.

use ampflux::models::role;
use diesel::prelude::*;

use crate::common::*;
use crate::on_both_databases;

/// A signed-up company admin: client, account, company id and user id.
pub async fn admin_of(app: &TestApp, tag: &str) -> (Client, Account, i64, i64) {
    let (client, account) = signed_up(app, tag).await;
    let me = user_by_login(app, &account.email);
    (client, account, me.company_id, me.id)
}

/// Sets the seats of the company's current license.
pub fn set_seats(app: &TestApp, company_id: i64, seats: i32) {
    use ampflux::db::schema::licenses;
    app.with_conn(|conn| {
        diesel::update(licenses::table.filter(licenses::company_id.eq(company_id)))
            .set(licenses::seats.eq(seats))
            .execute(conn)
            .unwrap();
    });
}

pub fn roles_of(app: &TestApp, user_id: i64) -> Vec<String> {
    app.with_conn(|conn| role::role_names_for_user(conn, user_id).unwrap())
}

pub fn user_row(app: &TestApp, id: i64) -> ampflux::models::user::User {
    use ampflux::db::schema::users;
    use ampflux::models::user::User;
    app.with_conn(|conn| {
        users::table
            .find(id)
            .select(User::as_select())
            .first(conn)
            .unwrap()
    })
}

/// Who assigned the user's role.
fn assigned_by(app: &TestApp, user_id: i64) -> Vec<Option<i64>> {
    use ampflux::db::schema::user_roles;
    app.with_conn(|conn| {
        user_roles::table
            .filter(user_roles::user_id.eq(user_id))
            .select(user_roles::assigned_by)
            .load(conn)
            .unwrap()
    })
}

fn security_events(app: &TestApp, user_id: i64) -> Vec<(String, String)> {
    app.with_conn(|conn| {
        ampflux::models::security_event::recent_for_user(conn, user_id, 50)
            .unwrap()
            .into_iter()
            .map(|e| (e.event_type, e.severity))
            .collect()
    })
}

/// A request: method, path, form fields.
pub type Route = (&'static str, String, Vec<(&'static str, &'static str)>);

/// Every route of the people section for a user and an invitation id: method, path, fields.
pub fn people_routes(user: i64, invitation: i64) -> Vec<Route> {
    let u = |p: &str| format!("/admin/users/{user}{p}");
    vec![
        ("GET", "/admin/users".into(), vec![]),
        ("GET", "/admin/users/invite".into(), vec![]),
        (
            "POST",
            "/admin/users/invite".into(),
            vec![
                ("email", "someone.new@example.com"),
                ("name", "Someone New"),
                ("role", "engineer"),
            ],
        ),
        (
            "POST",
            format!("/admin/users/invitations/{invitation}/resend"),
            vec![],
        ),
        (
            "POST",
            format!("/admin/users/invitations/{invitation}/revoke"),
            vec![],
        ),
        ("GET", u(""), vec![]),
        ("POST", u("/role"), vec![("role", "reviewer")]),
        ("POST", u("/deactivate"), vec![]),
        ("POST", u("/reactivate"), vec![]),
        ("POST", u("/password-reset"), vec![]),
        ("POST", u("/delete"), vec![]),
        ("POST", u("/sessions/revoke-all"), vec![]),
        ("POST", u("/sessions/abcdef0123456789/revoke"), vec![]),
    ]
}

async fn request(client: &Client, method: &str, path: &str, fields: &[(&str, &str)]) -> Resp {
    if method == "GET" {
        client.get(path).await
    } else {
        client.post(path, fields).await
    }
}

/// Invites through the form (opening it first, as a browser does).
pub async fn invite(client: &Client, email: &str, name: &str, role: &str) -> Resp {
    client.get("/admin/users/invite").await;
    client
        .post(
            "/admin/users/invite",
            &[("email", email), ("name", name), ("role", role)],
        )
        .await
}

/// The id of the newest invitation of an address.
pub fn invitation_id(app: &TestApp, email: &str) -> i64 {
    use ampflux::db::schema::invitations;
    app.with_conn(|conn| {
        invitations::table
            .filter(invitations::email.eq(email))
            .order(invitations::id.desc())
            .select(invitations::id)
            .first(conn)
            .unwrap()
    })
}

async fn permission_matrix(app: TestApp) {
    let (admin, _, company, _) = admin_of(&app, "Matrix").await;
    let engineer_id = add_user(&app, company, "mx.eng", role::ENGINEER);
    add_user(&app, company, "mx.rev", role::REVIEWER);
    invite(&admin, "mx.invited@example.com", "Invited", "engineer")
        .await
        .assert_redirect("/admin/users");
    let inv = invitation_id(&app, "mx.invited@example.com");

    for login_name in ["mx.eng", "mx.rev"] {
        let client = app.client();
        sign_in(&client, login_name).await;
        for (method, path, fields) in people_routes(engineer_id, inv) {
            let res = request(&client, method, &path, &fields).await;
            assert_eq!(
                res.status, 403,
                "{login_name} {method} {path}: {}",
                res.body
            );
        }
        // The admin area is not offered either.
        assert!(!client.get("/").await.body.contains("href=\"/admin\""));
    }
    // Nothing changed.
    assert!(user_row(&app, engineer_id).is_active);
    assert_eq!(roles_of(&app, engineer_id), ["engineer"]);
    let (revoked, expires): (Option<chrono::NaiveDateTime>, chrono::NaiveDateTime) =
        app.with_conn(|conn| {
            use ampflux::db::schema::invitations;
            invitations::table
                .find(inv)
                .select((invitations::revoked_at, invitations::expires_at))
                .first(conn)
                .unwrap()
        });
    assert!(revoked.is_none(), "the invitation is still open");
    assert!(expires > ampflux::util::now(), "and not expired");

    let anonymous = app.client();
    anonymous.get("/login").await;
    for (method, path, fields) in people_routes(engineer_id, inv) {
        let res = request(&anonymous, method, &path, &fields).await;
        assert_eq!(res.status, 303, "anonymous {method} {path}");
        assert!(
            res.location().starts_with("/login?next="),
            "{path}: {}",
            res.location()
        );
    }

    // The company admin opens every page.
    for path in [
        "/admin".to_string(),
        "/admin/users".into(),
        "/admin/users/invite".into(),
        format!("/admin/users/{engineer_id}"),
    ] {
        let res = admin.get(&path).await;
        assert!(
            res.status == 200 || res.status == 303,
            "{path}: {}",
            res.status
        );
    }
    admin.get("/admin").await.assert_redirect("/admin/users");
}
on_both_databases!(permission_matrix);

async fn other_companies_people_are_not_found(app: TestApp) {
    let (admin, _, _, _) = admin_of(&app, "Scope").await;
    let (other_admin, other_account, other_company, other_admin_id) =
        admin_of(&app, "Elsewhere").await;
    let other_user = add_user(&app, other_company, "else.eng", role::ENGINEER);
    let other_client = app.client();
    sign_in(&other_client, "else.eng").await;
    invite(
        &other_admin,
        "else.invited@example.com",
        "Invited",
        "reviewer",
    )
    .await
    .assert_redirect("/admin/users");
    let other_inv = invitation_id(&app, "else.invited@example.com");

    admin.get("/").await;
    for (method, path, fields) in people_routes(other_user, other_inv)
        .into_iter()
        .filter(|(_, p, _)| p != "/admin/users" && !p.ends_with("/invite"))
    {
        let res = request(&admin, method, &path, &fields).await;
        assert_eq!(res.status, 404, "{method} {path}: {}", res.body);
    }
    // The other company's admin too.
    let res = admin.get(&format!("/admin/users/{other_admin_id}")).await;
    assert_eq!(res.status, 404);
    // Nothing of theirs changed or shows.
    assert!(user_row(&app, other_user).is_active);
    assert_eq!(roles_of(&app, other_user), ["engineer"]);
    assert_eq!(
        other_client.get("/").await.status,
        200,
        "their session lives"
    );
    let list = admin.get("/admin/users").await;
    assert!(!list.body.contains("else.eng") && !list.body.contains("else.invited"));
    assert!(!list.body.contains(&other_account.email));
    let open = other_admin.get("/admin/users?status=invited").await;
    open.assert_contains("else.invited@example.com");
}
on_both_databases!(other_companies_people_are_not_found);

async fn the_list_searches_filters_and_pages(app: TestApp) {
    let (admin, account, company, _) = admin_of(&app, "Lister").await;
    set_seats(&app, company, 100);
    for i in 0..27 {
        add_user(&app, company, &format!("eng{i:02}"), role::ENGINEER);
    }
    let rev = add_user(&app, company, "quiet.reviewer", role::REVIEWER);
    let off = add_user(&app, company, "gone.engineer", role::ENGINEER);
    app.with_conn(|conn| ampflux::models::user::set_active(conn, off, false).unwrap());
    invite(&admin, "newbie@example.com", "Newbie Person", "reviewer")
        .await
        .assert_redirect("/admin/users");

    let page1 = admin.get("/admin/users").await;
    assert_eq!(page1.status, 200);
    page1.assert_contains("30 users, page 1 of 2");
    page1.assert_contains("newbie@example.com");
    page1.assert_contains(">invited<");
    page1.assert_contains("Seats: 30 of 100 seats used (29 active users, 1 pending invitation)");
    page1.assert_contains("href=\"/admin/users?page=2\"");
    let page2 = admin.get("/admin/users?page=2").await;
    page2.assert_contains("page 2 of 2");
    assert!(
        !page2.body.contains("newbie@example.com"),
        "invitations on page 1"
    );
    page2.assert_contains(&account.email);

    // htmx gets the results alone, and the links keep the query.
    let frag = admin.get_htmx("/admin/users?q=eng2&role=engineer").await;
    assert_eq!(frag.status, 200);
    assert!(!frag.body.contains("<html"), "a fragment");
    assert!(
        frag.body.starts_with("<div id=\"people-results\""),
        "{}",
        frag.body
    );
    frag.assert_contains("eng20");
    frag.assert_contains("eng26");
    assert!(!frag.body.contains("eng19") && !frag.body.contains("quiet.reviewer"));
    // The same query on reload is the whole page with the filters filled in.
    let full = admin.get("/admin/users?q=eng2&role=engineer").await;
    full.assert_contains("<html");
    full.assert_contains("value=\"eng2\"");
    full.assert_contains("<option value=\"engineer\" selected>");

    let reviewers = admin.get("/admin/users?role=reviewer").await;
    reviewers.assert_contains("quiet.reviewer");
    reviewers.assert_contains("newbie@example.com");
    assert!(!reviewers.body.contains("eng01"));
    let deactivated = admin.get("/admin/users?status=deactivated").await;
    deactivated.assert_contains("gone.engineer");
    deactivated.assert_contains("1 user");
    assert!(!deactivated.body.contains("eng01") && !deactivated.body.contains("newbie"));
    let invited = admin.get("/admin/users?status=invited").await;
    invited.assert_contains("newbie@example.com");
    assert!(!invited.body.contains("eng01"));
    let by_email = admin.get("/admin/users?q=QUIET.REVIEWER%40EXAMPLE").await;
    by_email.assert_contains(&format!("/admin/users/{rev}"));

    // A user's page: roles, projects, sessions, security events.
    let pid = project_with_circuit(&app, rev, "Quiet project", &example_circuit());
    let rev_client = app.client();
    sign_in(&rev_client, "quiet.reviewer").await;
    let page = admin.get(&format!("/admin/users/{rev}")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("quiet.reviewer@example.com");
    page.assert_contains(&format!("href=\"/projects/{pid}\">Quiet project"));
    page.assert_contains("Firefox on Linux");
    page.assert_contains("login.success");
}
on_both_databases!(the_list_searches_filters_and_pages);

async fn role_changes_are_audited(app: TestApp) {
    let (admin, _, company, admin_id) = admin_of(&app, "Roles").await;
    let eng = add_user(&app, company, "ro.eng", role::ENGINEER);
    admin.get(&format!("/admin/users/{eng}")).await;
    let res = admin
        .post(&format!("/admin/users/{eng}/role"), &[("role", "reviewer")])
        .await;
    res.assert_redirect(&format!("/admin/users/{eng}"));
    assert_eq!(roles_of(&app, eng), ["reviewer"]);
    assert_eq!(assigned_by(&app, eng), [Some(admin_id)]);
    let entry = &audit_entries(&app, company, "user.role_change")[0];
    assert_eq!(entry.log.entity_id, Some(eng));
    assert_eq!(entry.log.user_id, Some(admin_id));
    assert_eq!(
        entry.log.before().unwrap()["roles"],
        serde_json::json!(["engineer"])
    );
    assert_eq!(
        entry.log.after().unwrap()["roles"],
        serde_json::json!(["reviewer"])
    );
    assert!(security_events(&app, eng).contains(&("user.role_change".into(), "info".into())));
    admin
        .get(&format!("/admin/users/{eng}"))
        .await
        .assert_contains("Roles are now: reviewer.");
    // The same role again changes nothing and writes no entry or event.
    let events = security_events(&app, eng).len();
    admin
        .post(&format!("/admin/users/{eng}/role"), &[("role", "reviewer")])
        .await
        .assert_redirect(&format!("/admin/users/{eng}"));
    assert_eq!(audit_entries(&app, company, "user.role_change").len(), 1);
    assert_eq!(security_events(&app, eng).len(), events);
    assert_eq!(assigned_by(&app, eng), [Some(admin_id)]);

    // platform_admin and unknown roles are field errors; nothing changes.
    for bad in ["platform_admin", "owner", ""] {
        let res = admin
            .post(&format!("/admin/users/{eng}/role"), &[("role", bad)])
            .await;
        assert_eq!(res.status, 422, "{bad}");
        res.assert_contains("Choose a company role");
    }
    assert_eq!(roles_of(&app, eng), ["reviewer"]);

    // Promoted to company admin, the user may manage people at once.
    admin
        .post(
            &format!("/admin/users/{eng}/role"),
            &[("role", "company_admin")],
        )
        .await
        .assert_redirect(&format!("/admin/users/{eng}"));
    let promoted = app.client();
    sign_in(&promoted, "ro.eng").await;
    assert_eq!(promoted.get("/admin/users").await.status, 200);
}
on_both_databases!(role_changes_are_audited);

async fn the_last_company_admin_stays(app: TestApp) {
    let (admin, _, company, admin_id) = admin_of(&app, "Lonely").await;
    admin.get(&format!("/admin/users/{admin_id}")).await;
    let last = "The company must keep at least one active company administrator";
    for (path, fields) in [
        ("role", vec![("role", "engineer")]),
        ("deactivate", vec![]),
        ("delete", vec![]),
    ] {
        let res = admin
            .post(&format!("/admin/users/{admin_id}/{path}"), &fields)
            .await;
        assert_eq!(res.status, 409, "{path}: {}", res.body);
        res.assert_contains(last);
    }
    assert_eq!(roles_of(&app, admin_id), ["company_admin"]);
    assert!(user_row(&app, admin_id).is_active);
    // A deactivated admin does not count.
    let other = add_user(&app, company, "lo.admin", role::COMPANY_ADMIN);
    admin
        .post(&format!("/admin/users/{other}/deactivate"), &[])
        .await;
    let res = admin
        .post(
            &format!("/admin/users/{admin_id}/role"),
            &[("role", "engineer")],
        )
        .await;
    assert_eq!(res.status, 409);
    // With a second active admin, stepping down works.
    admin
        .post(&format!("/admin/users/{other}/reactivate"), &[])
        .await
        .assert_redirect(&format!("/admin/users/{other}"));
    admin
        .post(
            &format!("/admin/users/{admin_id}/role"),
            &[("role", "engineer")],
        )
        .await
        .assert_redirect(&format!("/admin/users/{admin_id}"));
    assert_eq!(roles_of(&app, admin_id), ["engineer"]);
    // ... and the former admin lost the section on their next request.
    assert_eq!(admin.get("/admin/users").await.status, 403);
}
on_both_databases!(the_last_company_admin_stays);

async fn two_admins_demoting_each_other_leave_one(app: TestApp) {
    let (first, _, company, first_id) = admin_of(&app, "Duel").await;
    let second_id = add_user(&app, company, "duel.two", role::COMPANY_ADMIN);
    let second = app.client();
    sign_in(&second, "duel.two").await;
    for round in 0..3 {
        let (a, b) = futures_util::future::join(
            first.post(
                &format!("/admin/users/{second_id}/role"),
                &[("role", "engineer")],
            ),
            second.post(
                &format!("/admin/users/{first_id}/role"),
                &[("role", "engineer")],
            ),
        )
        .await;
        // The loser is refused by the last-admin rule, or for lacking the permission when the
        // other change committed before its request was authorized.
        let mut statuses = [a.status, b.status];
        statuses.sort();
        assert_eq!(statuses[0], 303, "round {round}: {} / {}", a.body, b.body);
        assert!(
            statuses[1] == 409 || statuses[1] == 403,
            "round {round}: {statuses:?}"
        );
        let admins = app.with_conn(|conn| {
            ampflux::models::user::active_count_with_role(conn, company, role::COMPANY_ADMIN)
                .unwrap()
        });
        assert_eq!(admins, 1, "round {round}: exactly one admin remains");
        // Make both admins again for the next round (straight in the database).
        for id in [first_id, second_id] {
            app.with_conn(|conn| {
                role::replace_company_role(conn, id, role::COMPANY_ADMIN, None).unwrap()
            });
        }
    }
}
on_both_databases!(two_admins_demoting_each_other_leave_one);

async fn deactivation_ends_sessions_at_once(app: TestApp) {
    let (admin, _, company, admin_id) = admin_of(&app, "Switch").await;
    let eng = add_user(&app, company, "sw.eng", role::ENGINEER);
    let engineer = app.client();
    sign_in(&engineer, "sw.eng").await;
    let laptop = app.client();
    sign_in(&laptop, "sw.eng").await;
    admin
        .get(&format!("/admin/users/{eng}"))
        .await
        .assert_contains("Firefox on Linux");

    let res = admin
        .post(&format!("/admin/users/{eng}/deactivate"), &[])
        .await;
    res.assert_redirect(&format!("/admin/users/{eng}"));
    admin
        .get(&format!("/admin/users/{eng}"))
        .await
        .assert_contains("The user is deactivated; 2 session(s) ended.");
    for client in [&engineer, &laptop] {
        let res = client.get("/projects").await;
        assert_eq!(res.status, 303);
        assert!(res.location().starts_with("/login"), "{}", res.location());
    }
    login(&app.client(), "sw.eng", PASSWORD)
        .await
        .assert_contains("This account is deactivated");
    assert!(!user_row(&app, eng).is_active);
    let entry = &audit_entries(&app, company, "user.deactivate")[0];
    assert_eq!(entry.log.user_id, Some(admin_id));
    assert_eq!(entry.log.before().unwrap()["is_active"], true);
    assert_eq!(entry.log.after().unwrap()["is_active"], false);
    assert_eq!(entry.log.details.0["sessions_ended"], 2);
    assert!(security_events(&app, eng).contains(&("user.deactivate".into(), "warning".into())));
    // Again: refused, not repeated.
    let res = admin
        .post(&format!("/admin/users/{eng}/deactivate"), &[])
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains("already deactivated");

    // Reactivated, they sign in again.
    admin
        .post(&format!("/admin/users/{eng}/reactivate"), &[])
        .await
        .assert_redirect(&format!("/admin/users/{eng}"));
    sign_in(&engineer, "sw.eng").await;
    assert_eq!(audit_entries(&app, company, "user.reactivate").len(), 1);
    assert!(security_events(&app, eng).contains(&("user.reactivate".into(), "info".into())));

    // Ending sessions from the user's page.
    let sessions = |app: &TestApp| {
        app.with_conn(|conn| {
            ampflux::models::session::list_for_user(
                conn,
                eng,
                ampflux::util::now() - chrono::Duration::hours(1),
            )
            .unwrap()
        })
    };
    let one = sessions(&app)[0].public_id.clone();
    admin
        .post(&format!("/admin/users/{eng}/sessions/{one}/revoke"), &[])
        .await
        .assert_redirect(&format!("/admin/users/{eng}"));
    assert_eq!(engineer.get("/").await.status, 303);
    sign_in(&engineer, "sw.eng").await;
    sign_in(&laptop, "sw.eng").await;
    admin
        .post(&format!("/admin/users/{eng}/sessions/revoke-all"), &[])
        .await
        .assert_redirect(&format!("/admin/users/{eng}"));
    assert!(sessions(&app).is_empty());
    assert_eq!(laptop.get("/").await.status, 303);
    assert_eq!(audit_entries(&app, company, "session.revoke").len(), 2);
}
on_both_databases!(deactivation_ends_sessions_at_once);

async fn access_can_be_taken_away_while_read_only(app: TestApp) {
    let (admin, _, company, _) = admin_of(&app, "Lapsed").await;
    let eng = add_user(&app, company, "la.eng", role::ENGINEER);
    let other = add_user(&app, company, "la.other", role::ENGINEER);
    let third = add_user(&app, company, "la.third", role::ENGINEER);
    let engineer = app.client();
    sign_in(&engineer, "la.eng").await;
    let colleague = app.client();
    sign_in(&colleague, "la.other").await;
    let laptop = app.client();
    sign_in(&laptop, "la.third").await;
    invite(&admin, "la.new@example.com", "New", "engineer")
        .await
        .assert_redirect("/admin/users");
    let invitation = invitation_id(&app, "la.new@example.com");
    crate::license::set_license(&app, company, "suspended", -10, 20);

    // The page offers only what takes access away...
    let page = admin.get(&format!("/admin/users/{other}")).await;
    page.assert_contains(&format!("action=\"/admin/users/{other}/deactivate\""));
    assert!(
        !page
            .body
            .contains(&format!("action=\"/admin/users/{other}/role\""))
    );
    assert!(
        !page
            .body
            .contains(&format!("action=\"/admin/users/{other}/delete\""))
    );
    // ...and giving or restoring is refused with the reason...
    let res = admin
        .post(
            &format!("/admin/users/{other}/role"),
            &[("role", "company_admin")],
        )
        .await;
    assert_eq!(res.status, 403);
    res.assert_contains(crate::license::READ_ONLY_MESSAGE);
    assert_eq!(roles_of(&app, other), ["engineer"]);
    // ...taking access away is not: deactivation, ending sessions, revoking an invitation.
    admin
        .post(&format!("/admin/users/{eng}/deactivate"), &[])
        .await
        .assert_redirect(&format!("/admin/users/{eng}"));
    assert!(!user_row(&app, eng).is_active);
    assert_eq!(engineer.get("/projects").await.status, 303);
    admin
        .post(&format!("/admin/users/{other}/sessions/revoke-all"), &[])
        .await
        .assert_redirect(&format!("/admin/users/{other}"));
    assert_eq!(colleague.get("/projects").await.status, 303);
    let one = app.with_conn(|conn| {
        ampflux::models::session::list_for_user(
            conn,
            third,
            ampflux::util::now() - chrono::Duration::hours(1),
        )
        .unwrap()
    })[0]
        .public_id
        .clone();
    admin
        .post(&format!("/admin/users/{third}/sessions/{one}/revoke"), &[])
        .await
        .assert_redirect(&format!("/admin/users/{third}"));
    assert_eq!(laptop.get("/projects").await.status, 303);
    admin.get("/admin/users").await;
    admin
        .post(
            &format!("/admin/users/invitations/{invitation}/revoke"),
            &[],
        )
        .await
        .assert_redirect("/admin/users");
    let open =
        app.with_conn(|conn| ampflux::models::invitation::pending_count(conn, company).unwrap());
    assert_eq!(open, 0);
    // Each is audited as a success; reactivation stays refused.
    for (action, count) in [
        ("user.deactivate", 1),
        ("session.revoke", 2),
        ("invitation.revoke", 1),
    ] {
        let entries = audit_entries(&app, company, action);
        assert_eq!(entries.len(), count, "{action}");
        assert!(
            entries.iter().all(|e| e.log.outcome == "success"),
            "{action}"
        );
    }
    let res = admin
        .post(&format!("/admin/users/{eng}/reactivate"), &[])
        .await;
    assert_eq!(res.status, 403);
    assert!(!user_row(&app, eng).is_active);
}
on_both_databases!(access_can_be_taken_away_while_read_only);

async fn reactivation_counts_against_the_seats(app: TestApp) {
    let (admin, _, company, _) = admin_of(&app, "Seaty").await;
    // 5 seats: the admin, three engineers and one pending invitation.
    for name in ["st.one", "st.two", "st.three"] {
        add_user(&app, company, name, role::ENGINEER);
    }
    let off = add_user(&app, company, "st.off", role::ENGINEER);
    admin.get("/").await;
    admin
        .post(&format!("/admin/users/{off}/deactivate"), &[])
        .await;
    invite(&admin, "st.new@example.com", "New", "engineer")
        .await
        .assert_redirect("/admin/users");
    let res = admin
        .post(&format!("/admin/users/{off}/reactivate"), &[])
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains("All 5 seats are taken (4 active users, 1 pending invitation)");
    assert!(!user_row(&app, off).is_active);
    // Revoking the invitation frees its seat.
    let inv = invitation_id(&app, "st.new@example.com");
    admin
        .post(&format!("/admin/users/invitations/{inv}/revoke"), &[])
        .await
        .assert_redirect("/admin/users");
    admin
        .post(&format!("/admin/users/{off}/reactivate"), &[])
        .await
        .assert_redirect(&format!("/admin/users/{off}"));
    assert!(user_row(&app, off).is_active);
}
on_both_databases!(reactivation_counts_against_the_seats);

async fn deleting_frees_the_seat_and_keeps_the_name(app: TestApp) {
    let (admin, _, company, admin_id) = admin_of(&app, "Leaver").await;
    set_seats(&app, company, 2);
    let leaver = add_user(&app, company, "lv.eng", role::ENGINEER);
    app.with_conn(|conn| {
        use ampflux::db::schema::users;
        diesel::update(users::table.find(leaver))
            .set(users::name.eq("Lena Leaver"))
            .execute(conn)
            .unwrap();
    });
    let pid = project_with_circuit(&app, leaver, "Leaver study", &example_circuit());
    let client = app.client();
    sign_in(&client, "lv.eng").await;
    client.get("/account").await;
    client
        .post(
            "/account/profile",
            &[("name", "Lena Leaver"), ("timezone", "Europe/Berlin")],
        )
        .await;
    assert!(
        !audit_entries(&app, company, "user.update").is_empty(),
        "she did something"
    );

    let res = invite(&admin, "next@example.com", "Next", "engineer").await;
    assert_eq!(res.status, 409, "no seat free yet");
    res.assert_contains("All 2 seats are taken (2 active users, 0 pending invitations)");

    admin.get(&format!("/admin/users/{leaver}")).await;
    admin
        .post(&format!("/admin/users/{leaver}/delete"), &[])
        .await
        .assert_redirect("/admin/users");
    let row = user_row(&app, leaver);
    assert!(row.deleted_at.is_some() && !row.is_active);
    // Released: random placeholders nobody can sign up with first.
    assert!(
        row.email.starts_with(&format!("deleted-{leaver}-"))
            && row.email.ends_with("@deleted.invalid")
    );
    assert!(row.username.starts_with(&format!("~deleted-{leaver}-")));
    assert_eq!(row.name, "Lena Leaver");
    assert_eq!(client.get("/").await.status, 303, "her session ended");
    assert_eq!(
        admin.get(&format!("/admin/users/{leaver}")).await.status,
        404
    );
    let entry = &audit_entries(&app, company, "user.delete")[0];
    assert_eq!(entry.log.user_id, Some(admin_id));
    assert_eq!(entry.log.before().unwrap()["email"], "lv.eng@example.com");
    assert!(security_events(&app, leaver).contains(&("user.delete".into(), "warning".into())));

    // Not listed, except under "deleted".
    let list = admin.get("/admin/users").await;
    list.assert_contains("Lena Leaver was deleted; their seat is free.");
    assert!(!list.body.contains(&format!("/admin/users/{leaver}\"")));
    admin
        .get("/admin/users?status=deleted")
        .await
        .assert_contains("Lena Leaver");
    // Her name stays readable everywhere, marked deleted.
    admin
        .get("/audit?action=user.update")
        .await
        .assert_contains("Lena Leaver (deleted)");
    admin
        .get(&format!("/projects/{pid}/versions"))
        .await
        .assert_contains("Lena Leaver (deleted)");
    admin
        .get(&format!("/projects/{pid}"))
        .await
        .assert_contains("Lena Leaver (deleted)");
    admin
        .get("/projects")
        .await
        .assert_contains("Lena Leaver (deleted)");

    // The seat and the address are free again.
    invite(&admin, "lv.eng@example.com", "Lena Leaver", "engineer")
        .await
        .assert_redirect("/admin/users");
}
on_both_databases!(deleting_frees_the_seat_and_keeps_the_name);

async fn admins_send_password_reset_mails(app: TestApp) {
    let (admin, _, company, admin_id) = admin_of(&app, "Resetter").await;
    let eng = add_user(&app, company, "rs.eng", role::ENGINEER);
    admin.get(&format!("/admin/users/{eng}")).await;
    admin
        .post(&format!("/admin/users/{eng}/password-reset"), &[])
        .await
        .assert_redirect(&format!("/admin/users/{eng}"));
    let link = app
        .link_in_mail("rs.eng@example.com", "/password/reset/")
        .await;
    let client = app.client();
    assert_eq!(client.get(&link).await.status, 200);
    client
        .post(&link, &[("password", "a brand new reset phrase 9")])
        .await
        .assert_redirect("/login");
    login(&client, "rs.eng", "a brand new reset phrase 9")
        .await
        .assert_redirect("/");
    let entry = &audit_entries(&app, company, "user.password_reset_sent")[0];
    assert_eq!(
        (entry.log.user_id, entry.log.entity_id),
        (Some(admin_id), Some(eng))
    );
}
on_both_databases!(admins_send_password_reset_mails);

async fn platform_admins_are_not_managed_by_companies(app: TestApp) {
    let (admin, _, company, _) = admin_of(&app, "Hosting").await;
    let ops = add_user(&app, company, "ops.person", role::PLATFORM_ADMIN);
    admin.get("/").await;
    assert_eq!(admin.get(&format!("/admin/users/{ops}")).await.status, 404);
    let res = admin
        .post(&format!("/admin/users/{ops}/deactivate"), &[])
        .await;
    assert_eq!(res.status, 404);
    assert!(!admin.get("/admin/users").await.body.contains("ops.person"));
    assert!(user_row(&app, ops).is_active);
}
on_both_databases!(platform_admins_are_not_managed_by_companies);
