//! The small traps of issue 12 (item 8), each pinned by a test: an example chosen while
//! "Empty" stays ticked, "Remove" offered to a sole owner, a failed simulation audited as a
//! success, "Duration 0 ms" for every run, the missing favicon and htmx's style settling.

use crate::common::*;
use crate::on_both_databases;
use ampflux::models::simulation as sims;

fn buses_of_version_one(app: &TestApp, pid: i64) -> usize {
    app.with_conn(|conn| {
        let versions = ampflux::models::circuit_version::list(conn, pid).unwrap();
        versions[0].data_json.0["buses"]
            .as_array()
            .map_or(0, Vec::len)
    })
}

async fn an_example_chosen_while_empty_stays_ticked_is_the_start(app: TestApp) {
    let (client, _) = signed_up(&app, "Starts").await;

    // The form offers no example until one is chosen, so a chosen one means something.
    let form = client.get("/projects/new").await;
    assert_eq!(form.status, 200);
    form.assert_contains(r#"<option value="" selected>Choose an example…</option>"#);
    form.assert_contains(r#"data-ticks="start-example""#);

    let chosen = create_project(
        &client,
        "Chosen example",
        &[("start", "empty"), ("example", "substation")],
    )
    .await;
    assert_eq!(buses_of_version_one(&app, chosen), 6, "the example's buses");

    let empty = create_project(
        &client,
        "Really empty",
        &[("start", "empty"), ("example", "")],
    )
    .await;
    assert_eq!(buses_of_version_one(&app, empty), 0);

    // "Example" ticked with nothing chosen is refused with a reason, nothing created.
    client.get("/projects/new").await;
    let res = client
        .post_multipart(
            "/projects",
            &[("name", "No choice"), ("start", "example"), ("example", "")],
            None,
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("Choose one of the examples.");
}
on_both_databases!(an_example_chosen_while_empty_stays_ticked_is_the_start);

async fn a_sole_owner_is_offered_no_remove(app: TestApp) {
    let s = setup(&app, "Owner").await;
    let remove = format!("/projects/{}/members/{}/remove", s.pid, s.user_id);
    let page = s.client.get(&format!("/projects/{}/members", s.pid)).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains(&remove),
        "a sole owner must not be offered Remove"
    );
    page.assert_contains("The only owner");

    // The operation refuses it anyway.
    let res = hx(&s.client, &remove, &[]).await;
    res.assert_contains("A project always keeps at least one owner");

    // With a second owner, both may be removed.
    let other = add_user(&app, s.company_id, "second-owner", "engineer");
    add_member(&app, s.pid, other, "owner");
    let page = s.client.get(&format!("/projects/{}/members", s.pid)).await;
    page.assert_contains(&remove);
    page.assert_contains(&format!("/projects/{}/members/{other}/remove", s.pid));
    assert!(!page.body.contains("The only owner"));
}
on_both_databases!(a_sole_owner_is_offered_no_remove);

async fn a_failed_simulation_is_audited_as_a_failure(app: TestApp) {
    let s = setup(&app, "Failing").await;
    let mut circuit = example_circuit();
    circuit["buses"][1]["vn_kv"] = serde_json::json!(-20);
    save_version(&app, s.pid, s.user_id, &circuit);
    let id = run_simulation(&s.client, s.pid, &[("version", "2")]).await;
    wait_finished(&s.client, id).await.assert_contains("Failed");
    let fails = audit_entries(&app, s.company_id, "simulation.fail");
    assert_eq!(fails.len(), 1);
    assert_eq!(fails[0].log.outcome, "failure");
    let detail = s.client.get(&format!("/audit/{}", fails[0].log.id)).await;
    detail.assert_contains(r#"<span class="outcome failure">failure</span>"#);
    // A completed one stays a success.
    let ok = completed_simulation(&s.client, s.pid).await;
    let done = audit_entries(&app, s.company_id, "simulation.complete");
    assert_eq!(done[0].log.entity_id, Some(ok));
    assert_eq!(done[0].log.outcome, "success");
}
on_both_databases!(a_failed_simulation_is_audited_as_a_failure);

async fn a_run_shows_its_real_duration(app: TestApp) {
    let s = setup(&app, "Timing").await;
    let id = completed_simulation(&s.client, s.pid).await;
    let sim = app.with_conn(|conn| sims::find(conn, id).unwrap().expect("simulation"));
    let us = sim.duration_us.expect("the duration in microseconds");
    assert!(us > 0, "a calculation takes some time: {us} µs");
    assert_eq!(sim.duration_ms, Some(us / 1000));
    let label = ampflux::report::format::duration_label_us(Some(us));
    assert_ne!(label, "0 ms");

    let list = s
        .client
        .get(&format!("/projects/{}/simulations", s.pid))
        .await;
    assert_eq!(list.status, 200);
    list.assert_contains(&format!("<td>{label}</td>"));
    assert!(!list.body.contains("<td>0 ms</td>"), "{}", list.body);

    let page = s.client.get(&format!("/simulations/{id}")).await;
    assert_eq!(page.status, 200);
    page.assert_contains(&format!("<dt>Calculation time</dt><dd>{label}</dd>"));
}
on_both_databases!(a_run_shows_its_real_duration);

async fn the_favicon_is_served(app: TestApp) {
    let client = app.client();
    let icon = client.get("/favicon.ico").await;
    assert_eq!(icon.status, 200);
    assert!(
        icon.header("content-type")
            .is_some_and(|t| t.starts_with("image/")),
        "{:?}",
        icon.headers
    );
    assert!(icon.body.contains("<svg"), "{}", icon.body);
    let login = client.get("/login").await;
    login.assert_contains(r#"<link rel="icon" href="/favicon.ico""#);
}
on_both_databases!(the_favicon_is_served);

/// htmx settles `style` by setting the attribute, which the CSP (no inline styles) refuses
/// on every swap: the page's htmx configuration leaves it out.
async fn htmx_settles_no_style_attribute(app: TestApp) {
    let client = app.client();
    let login = client.get("/login").await;
    let start = login
        .body
        .find(r#"<meta name="htmx-config" content='"#)
        .expect("the htmx configuration");
    let rest = &login.body[start..];
    let json_start = rest.find("content='").expect("content") + "content='".len();
    let json_end = rest[json_start..].find('\'').expect("end") + json_start;
    let config: serde_json::Value =
        serde_json::from_str(&rest[json_start..json_end]).expect("the configuration is JSON");
    let settled = config["attributesToSettle"]
        .as_array()
        .expect("attributesToSettle is configured");
    assert!(!settled.is_empty());
    assert!(!settled.iter().any(|a| a == "style"), "{settled:?}");
    assert_eq!(config["allowEval"], false);
}
on_both_databases!(htmx_settles_no_style_attribute);

/// Item 1 in the editor: bus references show the bus's name (its id only where names repeat
/// or are empty), the suggestions name each bus with its voltage and id, a new row comes with
/// a free id, and renaming a bus brings the rows that show its name along.
async fn the_editor_shows_buses_by_name(app: TestApp) {
    let s = setup(&app, "Names").await;
    let mut circuit = example_circuit();
    for bus in circuit["buses"].as_array_mut().unwrap() {
        match bus["id"].as_str() {
            Some("MV2") => bus["name"] = serde_json::json!("Feeder A"),
            Some("F1") => bus["name"] = serde_json::json!("Feeder A"),
            _ => {}
        }
    }
    save_version(&app, s.pid, s.user_id, &circuit);
    let page = open_editor(&s.client, s.pid).await;
    let row_start = page
        .body
        .find(r#"<th scope="row" class="el-id">L1</th>"#)
        .expect("L1");
    let row = &page.body[row_start..row_start + page.body[row_start..].find("</tr>").unwrap()];
    // Two buses named alike: the name with the id.
    assert!(row.contains("<td class=\"\">Feeder A (MV2)</td>"), "{row}");
    assert!(row.contains("<td class=\"\">Feeder A (F1)</td>"), "{row}");
    // A named bus by its name alone; one without a name by its id.
    page.assert_contains("<td class=\"\">110 kV busbar</td>");
    page.assert_contains(r#"<option value="HV" label="110 kV busbar · 110 kV · id HV"></option>"#);
    page.assert_contains(r#"<option value="LV" label="0.4 kV · id LV"></option>"#);
    // New rows come with a free id.
    page.assert_contains(r#"id="add-buses-id" name="id" type="text" value="B7""#);
    page.assert_contains(r#"id="add-lines-id" name="id" type="text" value="L2""#);

    // Renaming F1 makes the names unique: the line's row comes along with the new names.
    let res = hx(
        &s.client,
        &format!("/projects/{}/editor/buses/rows/F1", s.pid),
        &[
            ("id", "F1"),
            ("name", "Feeder B"),
            ("vn_kv", "20"),
            ("in_service", "true"),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let oob = res
        .body
        .find("hx-swap-oob=\"true\">\n  <th scope=\"row\" class=\"el-id\">L1</th>");
    assert!(oob.is_some(), "the line's row is swapped in: {}", res.body);
    res.assert_contains("<td class=\"\">Feeder A</td>");
    res.assert_contains("<td class=\"\">Feeder B</td>");
}
on_both_databases!(the_editor_shows_buses_by_name);

/// Item 1 in the audit trail and the dashboard: an entry's target is named and links to it.
async fn audit_targets_are_named_links(app: TestApp) {
    let s = setup(&app, "Targets").await;
    let sim = completed_simulation(&s.client, s.pid).await;
    let project = "Targets substation";
    let trail = s.client.get("/audit").await;
    assert_eq!(trail.status, 200);
    trail.assert_contains(&format!(
        "<a href=\"/simulations/{sim}\">simulation #{sim} of “{project}”</a>"
    ));
    let home = s.client.get("/").await;
    home.assert_contains(&format!(
        "<a href=\"/simulations/{sim}\">simulation #{sim} of “{project}”</a>"
    ));
    // A project entry, in the detail page too.
    let pid = create_project(&s.client, "Named target", &[("start", "empty")]).await;
    let created = audit_entries(&app, s.company_id, "project.create");
    let entry = created
        .iter()
        .find(|e| e.log.entity_id == Some(pid))
        .expect("the project's entry");
    let detail = s.client.get(&format!("/audit/{}", entry.log.id)).await;
    detail.assert_contains(&format!(
        "<dd><a href=\"/projects/{pid}\">project “Named target”</a></dd>"
    ));
    let version = audit_entries(&app, s.company_id, "circuit.save");
    let v = version
        .iter()
        .find(|e| e.log.project_id == Some(pid))
        .expect("version 1's entry");
    let detail = s.client.get(&format!("/audit/{}", v.log.id)).await;
    detail.assert_contains(&format!(
        "<a href=\"/projects/{pid}/versions/1\">version 1 of “Named target”</a>"
    ));
}
on_both_databases!(audit_targets_are_named_links);
