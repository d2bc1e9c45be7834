//! A finished simulation's page is rendered once per company revision and answered with an
//! entity tag: the same page again is 304, anything the page shows that changes (the project,
//! the runs to compare with, the user's access) gives a new page, and a tag never opens a
//! page to someone who may not read it.

use crate::common::*;
use crate::on_both_databases;
use ampflux::db::schema::projects;
use diesel::prelude::*;

async fn finished_results_answer_conditional_requests(app: TestApp) {
    let s = setup(&app, "Etag").await;
    let sid = completed_simulation(&s.client, s.pid).await;
    let path = format!("/simulations/{sid}");

    let first = s.client.get(&path).await;
    assert_eq!(first.status, 200, "{}", first.body);
    first.assert_contains("Etag substation");
    let tag = first.header("etag").expect("an entity tag").to_string();
    assert!(tag.starts_with("W/\""), "{tag}");
    assert_eq!(first.header("cache-control"), Some("private, no-cache"));

    // The same page again: 304 without a body, the same tag and the page's security headers.
    let again = s
        .client
        .get_with_headers(&path, &[("If-None-Match", &tag)])
        .await;
    assert_eq!(again.status, 304);
    assert!(again.body.is_empty());
    assert_eq!(again.header("etag"), Some(tag.as_str()));
    assert!(again.header("content-security-policy").is_some());
    // Unconditional requests get the same page (served from the cache).
    let plain = s.client.get(&path).await;
    assert_eq!(plain.header("etag"), Some(tag.as_str()));
    assert_eq!(plain.body, first.body);
    // Another sort is another page with another tag.
    let sorted = s.client.get(&format!("{path}?sort=bus&dir=asc")).await;
    assert_eq!(sorted.status, 200);
    assert_ne!(sorted.header("etag"), Some(tag.as_str()));

    // A change the page shows (the project's name, written straight into the database as
    // another process would): the old tag is stale and the new page shows the change.
    app.with_conn(|conn| {
        diesel::update(projects::table.find(s.pid))
            .set(projects::name.eq("Renamed substation"))
            .execute(conn)
            .unwrap();
    });
    let renamed = s
        .client
        .get_with_headers(&path, &[("If-None-Match", &tag)])
        .await;
    assert_eq!(renamed.status, 200);
    renamed.assert_contains("Renamed substation");
    let renamed_tag = renamed.header("etag").unwrap().to_string();
    assert_ne!(renamed_tag, tag);

    // A second finished run is offered to compare with on the first run's page.
    let second = completed_simulation(&s.client, s.pid).await;
    let with_second = s
        .client
        .get_with_headers(&path, &[("If-None-Match", &renamed_tag)])
        .await;
    assert_eq!(with_second.status, 200);
    with_second.assert_contains(&format!("<option value=\"{second}\""));

    // Another company's user with the tag: 404, never 304.
    let (stranger, _) = signed_up(&app, "Stranger").await;
    let current = s.client.get(&path).await;
    let current_tag = current.header("etag").unwrap().to_string();
    let refused = stranger
        .get_with_headers(&path, &[("If-None-Match", &current_tag)])
        .await;
    assert_eq!(refused.status, 404);

    // A colleague whose access ends: the page they were shown is 404 on the next request.
    let colleague_id = add_user(&app, s.company_id, "colleague.etag", "engineer");
    add_member(&app, s.pid, colleague_id, "viewer");
    let colleague = Client::new(&app.base);
    sign_in(&colleague, "colleague.etag").await;
    let seen = colleague.get(&path).await;
    assert_eq!(seen.status, 200);
    let seen_tag = seen.header("etag").unwrap().to_string();
    assert_eq!(
        colleague
            .get_with_headers(&path, &[("If-None-Match", &seen_tag)])
            .await
            .status,
        304
    );
    s.client.get(&format!("/projects/{}/members", s.pid)).await;
    s.client
        .post(
            &format!("/projects/{}/members/{colleague_id}/remove", s.pid),
            &[],
        )
        .await
        .assert_redirect(&format!("/projects/{}/members", s.pid));
    let gone = colleague
        .get_with_headers(&path, &[("If-None-Match", &seen_tag)])
        .await;
    assert_eq!(gone.status, 404);

    // Signing out tells the browser to drop the pages it kept.
    let out = s.client.post("/logout", &[]).await;
    assert_eq!(out.status, 303);
    assert_eq!(out.header("clear-site-data"), Some("\"cache\""));
    assert_eq!(s.client.get(&path).await.status, 303, "signed out");
}
on_both_databases!(finished_results_answer_conditional_requests);

async fn table_fragments_page_and_answer_conditional_requests(app: TestApp) {
    let s = setup(&app, "Tables").await;
    let sid = run_simulation(&s.client, s.pid, &[("branch_results", "yes")]).await;
    wait_finished(&s.client, sid).await;

    let branches = s
        .client
        .get_htmx(&format!("/simulations/{sid}/branches?page=1"))
        .await;
    assert_eq!(branches.status, 200, "{}", branches.body);
    assert!(
        branches
            .body
            .trim_start()
            .starts_with("<div id=\"branch-table\"")
    );
    assert!(!branches.body.contains("<html"));
    // Branches by name with both ends, and how many there are.
    branches.assert_contains("<th scope=\"row\">");
    assert!(branches.body.contains(" branches."), "{}", branches.body);
    let tag = branches.header("etag").expect("tagged").to_string();
    let again = s
        .client
        .get_with_headers(
            &format!("/simulations/{sid}/branches?page=1"),
            &[("HX-Request", "true"), ("If-None-Match", &tag)],
        )
        .await;
    assert_eq!(again.status, 304);
    // Without htmx: the page, at that table.
    s.client
        .get(&format!("/simulations/{sid}/branches?page=3"))
        .await
        .assert_redirect(&format!("/simulations/{sid}?bpage=3#branches"));
    // The page with a branch page past the end shows the last one.
    let page = s.client.get(&format!("/simulations/{sid}?bpage=3")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("id=\"branch-table\"");

    // Odd queries are answered but not kept: no user can crowd the per-process cache with
    // pages past the end or one search after another.
    let kept = app.state.result_pages.len();
    for path in [
        format!("/simulations/{sid}/buses?page=9999"),
        format!("/simulations/{sid}/branches?page=77"),
    ] {
        assert_eq!(s.client.get_htmx(&path).await.status, 200, "{path}");
    }
    for path in [
        format!("/simulations/{sid}?page=500"),
        format!("/simulations/{sid}?q=busbar"),
    ] {
        assert_eq!(s.client.get(&path).await.status, 200, "{path}");
    }
    assert_eq!(app.state.result_pages.len(), kept);
    s.client
        .get_htmx(&format!("/simulations/{sid}/buses?sort=bus&dir=asc&page=1"))
        .await;
    assert_eq!(
        app.state.result_pages.len(),
        kept + 1,
        "a plain page is kept"
    );
    // Parameters the bus table does not read share its entry.
    s.client
        .get_htmx(&format!(
            "/simulations/{sid}/buses?sort=bus&dir=asc&page=1&bpage=77&q=x&bus=y"
        ))
        .await;
    assert_eq!(app.state.result_pages.len(), kept + 1);

    // Another company's user: 404 for both fragments, with or without a tag.
    let (stranger, _) = signed_up(&app, "Outsider").await;
    for path in [
        format!("/simulations/{sid}/branches?page=1"),
        format!("/simulations/{sid}/buses?page=1"),
    ] {
        let res = stranger
            .get_with_headers(&path, &[("HX-Request", "true"), ("If-None-Match", &tag)])
            .await;
        assert_eq!(res.status, 404, "{path}");
    }
}
on_both_databases!(table_fragments_page_and_answer_conditional_requests);
