//! The circuit editor over HTTP: each user's draft, edited row by row (htmx and plain forms),
//! refusals beside the field with nothing changed, validation problems beside their rows,
//! drafts that outlive the session, imports, and who may do what.

use crate::common::*;
use crate::on_both_databases;
use ampflux::db::schema::{circuit_drafts, projects};
use ampflux::models::circuit_version;
use diesel::prelude::*;
use serde_json::{Value, json};

/// Every field of the line L1 of the example, with `changes` applied.
pub fn line_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let fields = vec![
        ("id", "L1"),
        ("from_bus", "MV2"),
        ("to_bus", "F1"),
        ("length_km", "2.5"),
        ("r_ohm_per_km", "0.125"),
        ("x_ohm_per_km", "0.11"),
        ("c_nf_per_km", "250"),
        ("r0_ohm_per_km", "0.5"),
        ("x0_ohm_per_km", "0.4"),
        ("c0_nf_per_km", "200"),
        ("endtemp_degree", "90"),
        ("max_i_ka", "0.4"),
        ("in_service", "true"),
    ];
    with_changes(fields, changes)
}

async fn edit_rows_through_http(app: TestApp) {
    let s = setup(&app, "Rows").await;
    let (c, pid) = (&s.client, s.pid);
    let page = open_editor(c, pid).await;
    for text in [
        "Buses",
        "External grids",
        "Lines and cables",
        "Transformers",
        "Three-winding transformers",
        "Generators",
        "Motors",
        "Static generators",
        "Loads",
        "Switches",
        "[kV]",
        "[MVA]",
        "[km]",
        "[Ω/km]",
        "[nF/km]",
        "[%]",
        "[kA]",
        "Started from <a href=\"/projects/",
    ] {
        page.assert_contains(text);
    }
    let d = draft(&app, pid, s.user_id).expect("the draft is created on first open");
    let v1 = app.with_conn(|conn| circuit_version::latest(conn, pid).unwrap().unwrap());
    assert_eq!(d.base_version_id, Some(v1.id));

    // Add a bus (htmx): the table comes back with it.
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/buses/rows"),
        &[
            ("id", "B9"),
            ("name", "New board"),
            ("vn_kv", "20"),
            ("in_service", "true"),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.assert_contains("id=\"section-buses\"");
    res.assert_contains("New board");
    res.assert_contains("id=\"circuit-summary\" class=\"circuit-summary\" hx-swap-oob=\"true\"");
    // An external grid at it (htmx).
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/external_grids/rows"),
        &[
            ("id", "Q9"),
            ("bus", "B9"),
            ("s_sc_max_mva", "500"),
            ("rx_max", "0.1"),
            ("in_service", "true"),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    // A transformer, as a plain form post: back to the editor.
    let res = c
        .post(
            &format!("/projects/{pid}/editor/transformers/rows"),
            &[
                ("id", "T9"),
                ("hv_bus", "HV"),
                ("lv_bus", "B9"),
                ("sn_mva", "25"),
                ("vn_hv_kv", "110"),
                ("vn_lv_kv", "20"),
                ("vk_percent", "12"),
                ("vkr_percent", "0.5"),
                ("vector_group", "Dyn5"),
                ("in_service", "true"),
            ],
        )
        .await;
    res.assert_redirect(&format!("/projects/{pid}/editor#section-transformers"));
    open_editor(c, pid)
        .await
        .assert_contains("Added the transformer to your draft.");
    // A second bus and a line between them.
    hx(
        c,
        &format!("/projects/{pid}/editor/buses/rows"),
        &[("id", "B10"), ("vn_kv", "20"), ("in_service", "true")],
    )
    .await;
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/lines/rows"),
        &[
            ("id", "L9"),
            ("from_bus", "B9"),
            ("to_bus", "B10"),
            ("length_km", "1.2"),
            ("r_ohm_per_km", "0.2"),
            ("x_ohm_per_km", "0.1"),
            ("in_service", "true"),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let draft_now = draft_json(&app, pid, s.user_id);
    assert_eq!(
        element(&draft_now, "buses", "B9").unwrap()["vn_kv"],
        json!(20.0)
    );
    assert_eq!(
        element(&draft_now, "external_grids", "Q9").unwrap()["bus"],
        "B9"
    );
    assert_eq!(
        element(&draft_now, "transformers", "T9").unwrap()["sn_mva"],
        json!(25.0)
    );
    assert_eq!(
        element(&draft_now, "lines", "L9").unwrap()["length_km"],
        json!(1.2)
    );
    assert_eq!(
        version_count(&app, pid),
        1,
        "editing writes the draft, not a version"
    );

    // The edit form of a row, then a changed field.
    let form = c
        .get_htmx(&format!("/projects/{pid}/editor/lines/rows/L9/edit"))
        .await;
    assert_eq!(form.status, 200);
    form.assert_contains("name=\"length_km\"");
    form.assert_contains("value=\"1.2\"");
    form.assert_contains("hx-target=\"closest tr\"");
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/lines/rows/L9"),
        &[
            ("id", "L9"),
            ("from_bus", "B9"),
            ("to_bus", "B10"),
            ("length_km", "3.5"),
            ("r_ohm_per_km", "0.2"),
            ("x_ohm_per_km", "0.1"),
            ("in_service", "true"),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    assert!(
        res.body
            .trim_start()
            .starts_with("<tr id=\"row-lines-4c39\""),
        "{}",
        res.body
    );
    res.assert_contains("<td class=\"num\">3.5</td>");
    assert_eq!(
        element(&draft_json(&app, pid, s.user_id), "lines", "L9").unwrap()["length_km"],
        json!(3.5)
    );
    // Cancel brings the display row back.
    let row = c
        .get_htmx(&format!("/projects/{pid}/editor/lines/rows/L9"))
        .await;
    assert_eq!(row.status, 200);
    row.assert_contains("<td class=\"num\">3.5</td>");

    // Renaming a bus updates its references, and the rows that changed come along.
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/buses/rows/B9"),
        &[
            ("id", "B9a"),
            ("name", "New board"),
            ("vn_kv", "20"),
            ("in_service", "true"),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.assert_contains("Renamed: 3 references to it updated.");
    res.assert_contains("<tr id=\"row-lines-4c39\" class=\"el-row\" hx-swap-oob=\"true\">");
    let after = draft_json(&app, pid, s.user_id);
    assert_eq!(element(&after, "lines", "L9").unwrap()["from_bus"], "B9a");
    assert_eq!(
        element(&after, "transformers", "T9").unwrap()["lv_bus"],
        "B9a"
    );
    assert_eq!(
        element(&after, "external_grids", "Q9").unwrap()["bus"],
        "B9a"
    );

    // Delete (htmx): the table comes back without the row.
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/loads/rows/Load1/delete"),
        &[],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.assert_contains("id=\"section-loads\"");
    assert!(!res.body.contains("row-loads-"), "{}", res.body);
    assert!(element(&draft_json(&app, pid, s.user_id), "loads", "Load1").is_none());
    // Deleting again: the row is gone, said in the table.
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/loads/rows/Load1/delete"),
        &[],
    )
    .await;
    assert_eq!(res.status, 422);
    res.assert_contains("no longer in your draft");

    // Ids with spaces, slashes and percent signs travel percent-encoded.
    hx(
        c,
        &format!("/projects/{pid}/editor/buses/rows"),
        &[("id", "Bus 1/A%"), ("vn_kv", "0.4"), ("in_service", "true")],
    )
    .await;
    let page = open_editor(c, pid).await;
    page.assert_contains("/projects/");
    page.assert_contains("/editor/buses/rows/Bus%201%2FA%25/edit");
    let form = c
        .get_htmx(&format!(
            "/projects/{pid}/editor/buses/rows/Bus%201%2FA%25/edit"
        ))
        .await;
    assert_eq!(form.status, 200, "{}", form.body);
    form.assert_contains("value=\"Bus 1/A%\"");
    let res = c
        .post(
            &format!("/projects/{pid}/editor/buses/rows/Bus%201%2FA%25/delete"),
            &[],
        )
        .await;
    res.assert_redirect(&format!("/projects/{pid}/editor#section-buses"));
    assert!(element(&draft_json(&app, pid, s.user_id), "buses", "Bus 1/A%").is_none());

    // Unknown kinds and rows are 404.
    assert_eq!(
        c.get_htmx(&format!("/projects/{pid}/editor/cables/rows/L1/edit"))
            .await
            .status,
        404
    );
    assert_eq!(
        c.get_htmx(&format!("/projects/{pid}/editor/lines/rows/NOPE/edit"))
            .await
            .status,
        404
    );

    // Every change is audited with the element before and after.
    let entries = audit_entries(&app, s.company_id, "circuit.draft.");
    let update = entries
        .iter()
        .find(|e| e.log.action == "circuit.draft.update" && e.log.details["element"] == "L9")
        .expect("update audited");
    assert_eq!(update.log.before().unwrap()["length_km"], json!(1.2));
    assert_eq!(update.log.after().unwrap()["length_km"], json!(3.5));
    assert!(entries.iter().any(|e| e.log.action == "circuit.draft.add" && e.log.details["kind"] == "transformers"));
    assert!(
        entries
            .iter()
            .any(|e| e.log.action == "circuit.draft.delete" && e.log.details["element"] == "Load1")
    );
}
on_both_databases!(edit_rows_through_http);

async fn invalid_numbers_are_refused_beside_the_field(app: TestApp) {
    let s = setup(&app, "Refuse").await;
    let (c, pid) = (&s.client, s.pid);
    open_editor(c, pid).await;
    let before = draft_json(&app, pid, s.user_id);
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/lines/rows/L1"),
        &line_form(&[("length_km", "abc"), ("x_ohm_per_km", "0.2")]),
    )
    .await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("Enter a number (like 0.125 or 1e-3), not “abc”.");
    res.assert_contains("value=\"abc\"");
    res.assert_contains(
        "aria-invalid=\"true\" aria-describedby=\"edit-lines-4c31-length_km-error\"",
    );
    res.assert_contains("Nothing was changed");
    assert_eq!(draft_json(&app, pid, s.user_id), before, "nothing changes");

    // Without htmx: the editor page with the row's form and the message.
    let res = c
        .post(
            &format!("/projects/{pid}/editor/lines/rows/L1"),
            &line_form(&[("length_km", "abc")]),
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("Enter a number (like 0.125 or 1e-3), not “abc”.");
    res.assert_contains("Editing line “L1”");
    // A decimal comma is explained; an empty required field is named.
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/lines/rows/L1"),
        &line_form(&[("length_km", "2,5"), ("from_bus", "")]),
    )
    .await;
    assert_eq!(res.status, 422);
    res.assert_contains("Use a decimal point: 2.5 instead of 2,5.");
    res.assert_contains("This field is required.");
    // Adding: a bad number and a duplicate id, each beside its field.
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/buses/rows"),
        &[("id", "HV"), ("vn_kv", "abc")],
    )
    .await;
    assert_eq!(res.status, 422);
    res.assert_contains("There is already a bus “HV”.");
    res.assert_contains("not “abc”");
    res.assert_contains("<details class=\"add-row\" open>");
    let res = c
        .post(
            &format!("/projects/{pid}/editor/buses/rows"),
            &[("id", "X"), ("vn_kv", "1e999")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("not “1e999”");
    assert_eq!(draft_json(&app, pid, s.user_id), before, "nothing changes");
    assert!(audit_entries(&app, s.company_id, "circuit.draft.").is_empty());
}
on_both_databases!(invalid_numbers_are_refused_beside_the_field);

async fn validation_problems_are_shown_beside_their_rows(app: TestApp) {
    let s = setup(&app, "Checks").await;
    let (c, pid) = (&s.client, s.pid);
    open_editor(c, pid)
        .await
        .assert_contains("Checks: no problems found.");
    // A line from a bus that does not exist: accepted into the draft, flagged by the checks.
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/lines/rows/L1"),
        &line_form(&[("from_bus", "NOPE")]),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    let row_end = res.body.find("</tr>").unwrap();
    let row = res.body[..row_end].trim_start();
    assert!(
        row.starts_with("<tr id=\"row-lines-4c31\" class=\"el-row has-error\""),
        "{row}"
    );
    assert!(row.contains("<td class=\" cell-error\">NOPE</td>"), "{row}");
    assert!(
        row.contains("<strong>From bus</strong>: no bus &#34;NOPE&#34;"),
        "{row}"
    );
    // The summary comes along out of band.
    res.assert_contains("<strong class=\"error\">1 error</strong>");
    // On the page: the summary links to the row; the edit form shows it beside the field.
    let page = open_editor(c, pid).await;
    page.assert_contains(
        "<a href=\"#row-lines-4c31\">line “L1” · From bus</a>: no bus &#34;NOPE&#34;",
    );
    page.assert_contains("<span class=\"badge error\">1 error</span>");
    let form = c
        .get_htmx(&format!("/projects/{pid}/editor/lines/rows/L1/edit"))
        .await;
    let field = form.body.find("name=\"from_bus\"").unwrap();
    assert!(form.body[field..].starts_with("name=\"from_bus\" type=\"text\" value=\"NOPE\""));
    assert!(
        form.body[field..].find("no bus &#34;NOPE&#34;").unwrap()
            < form.body[field..].find("name=\"to_bus\"").unwrap(),
        "the problem is shown beside its field"
    );
    // A circuit with errors is not saved as a version.
    let res = c
        .post(
            &format!("/projects/{pid}/editor/save"),
            &[("message", "broken")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("Not saved: the circuit has 1 error");
    assert_eq!(version_count(&app, pid), 1);
    // Warnings are fine: a transformer rated far from its bus voltage.
    hx(
        c,
        &format!("/projects/{pid}/editor/lines/rows/L1"),
        &line_form(&[]),
    )
    .await;
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/transformers/rows"),
        &[
            ("id", "T8"),
            ("hv_bus", "HV"),
            ("lv_bus", "LV"),
            ("sn_mva", "1"),
            ("vn_hv_kv", "110"),
            ("vn_lv_kv", "10"),
            ("vk_percent", "6"),
            ("vkr_percent", "1"),
            ("in_service", "true"),
        ],
    )
    .await;
    assert_eq!(res.status, 200);
    res.assert_contains("<span class=\"badge warning\">1 warning</span>");
    let res = c
        .post(
            &format!("/projects/{pid}/editor/save"),
            &[("message", "with a warning")],
        )
        .await;
    res.assert_redirect(&format!("/projects/{pid}/editor"));
    assert_eq!(version_count(&app, pid), 2);
}
on_both_databases!(validation_problems_are_shown_beside_their_rows);

async fn the_draft_survives_a_new_session(app: TestApp) {
    let s = setup(&app, "Survive").await;
    let pid = s.pid;
    open_editor(&s.client, pid).await;
    hx(
        &s.client,
        &format!("/projects/{pid}/editor/buses/rows"),
        &[("id", "KEEP"), ("vn_kv", "6.3"), ("in_service", "true")],
    )
    .await;
    s.client.post("/logout", &[]).await;
    let other = app.client();
    login(&other, &s.account.email, PASSWORD)
        .await
        .assert_redirect("/");
    let page = open_editor(&other, pid).await;
    page.assert_contains("<th scope=\"row\" class=\"el-id\">KEEP</th>");
    page.assert_contains("It has changes that are not saved as a version yet.");
    let count: i64 = app.with_conn(|conn| {
        circuit_drafts::table
            .filter(circuit_drafts::project_id.eq(pid))
            .count()
            .get_result(conn)
            .unwrap()
    });
    assert_eq!(count, 1, "one draft per user and project");
    // Discard: back to the latest version.
    let res = other
        .post(&format!("/projects/{pid}/editor/discard"), &[])
        .await;
    res.assert_redirect(&format!("/projects/{pid}/editor"));
    let page = open_editor(&other, pid).await;
    page.assert_contains("Draft discarded: it is version 1 again.");
    assert!(!page.body.contains(">KEEP<"));
    assert_eq!(
        draft_json(&app, pid, s.user_id),
        example_circuit(),
        "version 1 as stored"
    );
    let discard = &audit_entries(&app, s.company_id, "circuit.discard")[0];
    assert_eq!(discard.log.details["reset_to_version"], 1);
}
on_both_databases!(the_draft_survives_a_new_session);

/// The example circuit as the editor stores it (parsed and written back).
pub fn example_circuit_canonical() -> Value {
    let c: ampflux::sc::Circuit = serde_json::from_value(example_circuit()).unwrap();
    serde_json::to_value(c).unwrap()
}

async fn import_circuit_and_pandapower_files(app: TestApp) {
    let s = setup(&app, "Import").await;
    let (c, pid) = (&s.client, s.pid);
    open_editor(c, pid).await;
    // A circuit file.
    let mut circuit = example_circuit();
    circuit["name"] = json!("Imported substation");
    circuit["buses"]
        .as_array_mut()
        .unwrap()
        .push(json!({"id": "EXTRA", "vn_kv": 0.4}));
    let text = serde_json::to_vec(&circuit).unwrap();
    let (status, location, body) = upload(&app, c, pid, "sub.circuit.json", &text).await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("/projects/{pid}/editor").as_str()),
        "{body}"
    );
    let d = draft_json(&app, pid, s.user_id);
    assert_eq!(d["name"], "Imported substation");
    assert!(element(&d, "buses", "EXTRA").is_some());
    open_editor(c, pid).await.assert_contains(
        "Imported sub.circuit.json (AmpFlux circuit file) into your draft: 7 buses",
    );
    let entry = &audit_entries(&app, s.company_id, "circuit.import")[0];
    assert_eq!(entry.log.details["format"], "circuit");
    assert_eq!(entry.log.details["elements"]["buses"], 7);
    assert_eq!(entry.log.details["file_name"], "sub.circuit.json");
    assert_eq!(
        version_count(&app, pid),
        1,
        "an import writes the draft only"
    );

    // A pandapower file: converted, with its warnings kept in the audit entry.
    let pp = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sc/pp/meshed_hv_0.json"
    ))
    .unwrap();
    let (status, _, body) = upload(&app, c, pid, "meshed_hv_0.json", &pp).await;
    assert_eq!(status, 303, "{body}");
    let d = draft_json(&app, pid, s.user_id);
    let parsed = ampflux::sc::parse_input(std::str::from_utf8(&pp).unwrap()).unwrap();
    assert!(ampflux::circuit_edit::edit::same_value(
        &d,
        &serde_json::to_value(&parsed.circuit).unwrap()
    ));
    let entry = &audit_entries(&app, s.company_id, "circuit.import")[0];
    assert_eq!(entry.log.details["format"], "pandapower");
    assert_eq!(
        entry.log.details["elements"]["buses"],
        parsed.circuit.buses.len()
    );
    assert!(entry.log.details["warnings"].is_array());
    open_editor(c, pid)
        .await
        .assert_contains("(pandapower file) into your draft");

    // Malformed and unknown files: the message on the page, the draft unchanged.
    let before = draft_json(&app, pid, s.user_id);
    let (status, _, body) = upload(
        &app,
        c,
        pid,
        "broken.json",
        b"{\"format\": \"ampflux-circuit\", \"version\": 1, \"buses\": [",
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        body.contains("broken.json was not imported: cannot read the JSON input"),
        "{body}"
    );
    let (status, _, body) = upload(&app, c, pid, "other.json", b"{\"hello\": 1}").await;
    assert_eq!(status, 422);
    assert!(
        body.contains("other.json was not imported: unknown input"),
        "{body}"
    );
    let (status, _, body) = upload(
        &app,
        c,
        pid,
        "typo.json",
        br#"{"format":"ampflux-circuit","version":1,"buses":[{"id":"A","vn_kv":1,"vn_kV":2}]}"#,
    )
    .await;
    assert_eq!(status, 422);
    assert!(body.contains("unknown field `vn_kV`"), "{body}");
    let (status, _, body) = upload(&app, c, pid, "empty.json", b"").await;
    assert_eq!(status, 422);
    assert!(body.contains("Choose a circuit file"), "{body}");
    assert_eq!(draft_json(&app, pid, s.user_id), before);
    assert_eq!(audit_entries(&app, s.company_id, "circuit.import").len(), 2);

    // Pasted JSON (a plain urlencoded form) works too; refused, it comes back to be corrected.
    let res = c
        .post(
            &format!("/projects/{pid}/editor/import"),
            &[("content", "{\"format\": 7")],
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("The pasted JSON was not imported: cannot read the JSON input");
    res.assert_contains("spellcheck=\"false\">{&#34;format&#34;: 7</textarea>");
    let res = c
        .post(
            &format!("/projects/{pid}/editor/import"),
            &[(
                "content",
                &serde_json::to_string(&example_circuit()).unwrap(),
            )],
        )
        .await;
    res.assert_redirect(&format!("/projects/{pid}/editor"));
    assert!(ampflux::circuit_edit::edit::same_value(
        &draft_json(&app, pid, s.user_id),
        &example_circuit_canonical()
    ));
    // An upload without the token is refused.
    let http = awc::Client::builder().disable_redirects().finish();
    let res = http
        .post(format!("{}/projects/{pid}/editor/import", app.base))
        .insert_header(("Content-Type", "multipart/form-data; boundary=x"))
        .insert_header(("Origin", app.base.clone()))
        .insert_header(("Cookie", c.cookie_header()))
        .send_body(multipart("x", "a.json", b"{}"))
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 403);
}
on_both_databases!(import_circuit_and_pandapower_files);

async fn who_may_edit(app: TestApp) {
    let s = setup(&app, "Perm").await;
    let pid = s.pid;
    let (reviewer, _) = signed_in(&app, s.company_id, "rita-reviewer", "reviewer").await;
    let (viewer, viewer_id) = signed_in(&app, s.company_id, "vic-viewer", "engineer").await;
    add_member(&app, pid, viewer_id, "viewer");
    let (stranger, _) = signed_in(&app, s.company_id, "nina-nonmember", "engineer").await;
    let (editor, editor_id) = signed_in(&app, s.company_id, "ed-editor", "engineer").await;
    add_member(&app, pid, editor_id, "editor");
    let (other, _) = signed_up(&app, "Elsewhere").await;

    let add = format!("/projects/{pid}/editor/buses/rows");
    let changes: Vec<(String, Vec<(&str, &str)>)> = vec![
        (add.clone(), vec![("id", "X"), ("vn_kv", "1")]),
        (
            format!("/projects/{pid}/editor/lines/rows/L1"),
            line_form(&[]),
        ),
        (
            format!("/projects/{pid}/editor/lines/rows/L1/delete"),
            vec![],
        ),
        (
            format!("/projects/{pid}/editor/settings"),
            vec![("name", "x"), ("frequency_hz", "50")],
        ),
        (
            format!("/projects/{pid}/editor/save"),
            vec![("message", "x")],
        ),
        (format!("/projects/{pid}/editor/discard"), vec![]),
        (
            format!("/projects/{pid}/editor/import"),
            vec![("content", "{}")],
        ),
        (format!("/projects/{pid}/versions/1/restore"), vec![]),
    ];
    let reads = [
        format!("/projects/{pid}/editor"),
        format!("/projects/{pid}/versions"),
        format!("/projects/{pid}/versions/1"),
        format!("/projects/{pid}/versions/1/export.json"),
        format!("/projects/{pid}/diff?from=1&to=1"),
    ];
    let fragments = [
        format!("/projects/{pid}/editor/lines/rows/L1/edit"),
        format!("/projects/{pid}/editor/lines/rows/L1"),
        format!("/projects/{pid}/editor/export.json"),
    ];

    // Reviewer (company-wide read) and viewer member: read-only pages, changes refused and
    // audited as failures.
    for (who, client) in [("reviewer", &reviewer), ("viewer", &viewer)] {
        for path in &reads {
            assert_eq!(client.get(path).await.status, 200, "{who} GET {path}");
        }
        let page = client.get(&format!("/projects/{pid}/editor")).await;
        page.assert_contains("your role in this project does not allow changing it");
        page.assert_contains("<th scope=\"row\" class=\"el-id\">L1</th>");
        for marker in [
            "/editor/save",
            "Add a bus",
            "/rows/L1/edit",
            "Discard draft",
            "enctype=\"multipart/form-data\"",
        ] {
            assert!(!page.body.contains(marker), "{who} sees {marker}");
        }
        let version = client.get(&format!("/projects/{pid}/versions/1")).await;
        assert!(!version.body.contains("/restore"), "{who} sees restore");
        for path in &fragments {
            assert_eq!(client.get_htmx(path).await.status, 403, "{who} GET {path}");
        }
        let before = audit_entries(&app, s.company_id, "circuit.").len();
        for (path, fields) in &changes {
            assert_eq!(
                client.post(path, fields).await.status,
                403,
                "{who} POST {path}"
            );
        }
        assert_eq!(
            hx(client, &add, &[("id", "X"), ("vn_kv", "1")])
                .await
                .status,
            403
        );
        // Repeats of one refusal within a minute are counted into one record (now, not in a
        // minute).
        flush_refusals(&app);
        let entries = audit_entries(&app, s.company_id, "circuit.");
        assert_eq!(
            entries.len(),
            before + changes.len() + 1,
            "{who}: every refusal audited"
        );
        assert!(
            entries[..changes.len() + 1]
                .iter()
                .all(|e| e.log.outcome == "failure")
        );
        assert!(
            entries
                .iter()
                .any(|e| e.log.action == "circuit.save" && e.log.outcome == "failure")
        );
        assert!(
            entries
                .iter()
                .any(|e| e.log.action == "circuit.restore" && e.log.outcome == "failure")
        );
    }
    assert!(
        draft(&app, pid, viewer_id).is_none(),
        "read-only users get no draft"
    );
    // An engineer who is not a member, and another company: nothing exists.
    for (who, client) in [("non-member", &stranger), ("other company", &other)] {
        for path in reads.iter().chain(fragments.iter()) {
            assert_eq!(client.get(path).await.status, 404, "{who} GET {path}");
            assert_eq!(
                client.get_htmx(path).await.status,
                404,
                "{who} htmx GET {path}"
            );
        }
        for (path, fields) in &changes {
            assert_eq!(
                client.post(path, fields).await.status,
                404,
                "{who} POST {path}"
            );
            assert_eq!(
                hx(client, path, fields).await.status,
                404,
                "{who} htmx POST {path}"
            );
        }
        let (status, _, _) = upload(&app, client, pid, "a.json", b"{}").await;
        assert_eq!(status, 404, "{who} upload");
    }
    assert_eq!(version_count(&app, pid), 1);
    // An editor member edits.
    open_editor(&editor, pid).await;
    assert_eq!(
        hx(
            &editor,
            &add,
            &[("id", "X"), ("vn_kv", "1"), ("in_service", "true")]
        )
        .await
        .status,
        200
    );

    // An archived project refuses every change with 409, and shows read-only.
    app.with_conn(|conn| {
        diesel::update(projects::table.find(pid))
            .set(projects::status.eq("archived"))
            .execute(conn)
            .unwrap()
    });
    let page = open_editor(&s.client, pid).await;
    page.assert_contains("This project is archived: its circuit is read-only.");
    assert!(!page.body.contains("Add a bus"));
    for (path, fields) in &changes {
        let res = s.client.post(path, fields).await;
        assert_eq!(res.status, 409, "archived POST {path}");
        res.assert_contains("archived");
    }
    assert_eq!(s.client.get_htmx(&fragments[0]).await.status, 409);
    assert_eq!(version_count(&app, pid), 1);
}
on_both_databases!(who_may_edit);

async fn the_one_line_diagram(app: TestApp) {
    let s = setup(&app, "Diagram").await;
    let (c, pid) = (&s.client, s.pid);
    // A small circuit: the whole diagram, in the editor and on a version.
    let page = open_editor(c, pid).await;
    page.assert_contains("<div id=\"diagram-figure\" class=\"diagram-figure\">");
    page.assert_contains("class=\"one-line\"");
    page.assert_contains("data-bus=\"MV2\"");
    assert!(!page.body.contains("id=\"bus-search\""));
    let v1 = c.get(&format!("/projects/{pid}/versions/1")).await;
    v1.assert_contains("class=\"one-line\"");
    // A row edit redraws it out of band.
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/buses/rows"),
        &[("id", "DRAWN"), ("vn_kv", "20"), ("in_service", "true")],
    )
    .await;
    res.assert_contains(
        "<div id=\"diagram-figure\" class=\"diagram-figure\" hx-swap-oob=\"true\">",
    );
    res.assert_contains("data-bus=\"DRAWN\"");

    // A large circuit: a bus search and one bus's neighbourhood.
    let big = serde_json::to_value(ampflux::sc::synthetic::network(400, false, 7)).unwrap();
    let bus_count = big["buses"].as_array().unwrap().len();
    assert!(bus_count > ampflux::diagram::MAX_FULL_DIAGRAM_BUSES);
    let some_bus = big["buses"][200]["id"].as_str().unwrap().to_string();
    let big_pid = project_with_circuit(&app, s.user_id, "Big network", &big);
    let page = open_editor(c, big_pid).await;
    page.assert_contains(&format!(
        "This circuit has {bus_count} buses, more than the 300 drawn at once"
    ));
    page.assert_contains("id=\"bus-search\"");
    page.assert_contains("Choose a bus above");
    assert!(!page.body.contains("class=\"one-line\""));
    // Large tables show their first rows, and all of them on request.
    page.assert_contains(&format!(
        "The first 100 of {bus_count} are shown. <a href=\"/projects/{big_pid}/editor?all=buses#section-buses\">Show all {bus_count}</a>"
    ));
    let row = format!("<th scope=\"row\" class=\"el-id\">{some_bus}</th>");
    assert!(!page.body.contains(&row));
    let all = c
        .get(&format!("/projects/{big_pid}/editor?all=buses"))
        .await;
    all.assert_contains(&row);
    // Editing a row beyond the first ones shows it.
    let edit = c
        .get(&format!(
            "/projects/{big_pid}/editor/buses/rows/{some_bus}/edit"
        ))
        .await;
    edit.assert_contains(&format!("Editing bus “{some_bus}”"));
    let page = c
        .get(&format!(
            "/projects/{big_pid}/editor?bus={some_bus}&depth=1"
        ))
        .await;
    assert_eq!(page.status, 200);
    page.assert_contains("class=\"one-line\"");
    page.assert_contains(&format!("data-bus=\"{some_bus}\""));
    page.assert_contains(&format!("Around bus “{some_bus}” (1 branch)"));
    let page = c
        .get(&format!("/projects/{big_pid}/editor?bus=NOPE&depth=x"))
        .await;
    assert_eq!(page.status, 200);
    page.assert_contains("There is no bus “NOPE” in this circuit.");
    let found = c
        .get_htmx(&format!(
            "/projects/{big_pid}/editor/diagram/buses?q={some_bus}"
        ))
        .await;
    assert_eq!(found.status, 200, "{some_bus}: {}", found.body);
    assert!(
        found
            .body
            .trim_start()
            .starts_with("<div id=\"bus-matches\""),
        "{}",
        found.body
    );
    found.assert_contains(&format!(">{some_bus}</a>"));
    found.assert_contains(&format!(
        "href=\"/projects/{big_pid}/editor?bus={some_bus}&#38;depth=2&#38;q={some_bus}#diagram\""
    ));
    let none = c
        .get_htmx(&format!(
            "/projects/{big_pid}/editor/diagram/buses?q=zzz-nothing"
        ))
        .await;
    none.assert_contains("No bus matches “zzz-nothing”.");
    let on_version = c
        .get(&format!("/projects/{big_pid}/versions/1?bus={some_bus}"))
        .await;
    on_version.assert_contains(&format!("data-bus=\"{some_bus}\""));
    let found = c
        .get_htmx(&format!(
            "/projects/{big_pid}/versions/1/diagram/buses?q={some_bus}"
        ))
        .await;
    found.assert_contains(&format!(
        "href=\"/projects/{big_pid}/versions/1?bus={some_bus}"
    ));
    // Without htmx the search goes to the page.
    let res = c
        .get(&format!("/projects/{big_pid}/editor/diagram/buses?q=S0"))
        .await;
    res.assert_redirect(&format!("/projects/{big_pid}/editor?q=S0#diagram"));
    // Another company sees none of it.
    let (other, _) = signed_up(&app, "NoDiagram").await;
    for path in [
        format!("/projects/{big_pid}/editor/diagram/buses?q=S"),
        format!("/projects/{big_pid}/versions/1/diagram/buses?q=S"),
        format!("/projects/{big_pid}/editor?bus={some_bus}"),
    ] {
        assert_eq!(other.get_htmx(&path).await.status, 404, "{path}");
    }
}
on_both_databases!(the_one_line_diagram);

/// A circuit file whose bus name holds a NUL character (`\u0000` in the JSON text).
fn circuit_with_nul() -> String {
    let mut c = example_circuit();
    c["buses"][0]["name"] = json!("Main\u{0}bus");
    c.to_string()
}

async fn nul_characters_are_refused_not_stored(app: TestApp) {
    let s = setup(&app, "Nul").await;
    let (c, pid) = (&s.client, s.pid);
    open_editor(c, pid).await;
    let before = draft_json(&app, pid, s.user_id);

    // Pasted into the import's text area.
    let res = c
        .post(
            &format!("/projects/{pid}/editor/import"),
            &[("content", &circuit_with_nul())],
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("NUL");
    // Uploaded as a file.
    let (status, _, body) = upload(&app, c, pid, "nul.json", circuit_with_nul().as_bytes()).await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(draft_json(&app, pid, s.user_id), before);

    // The first circuit of a new project.
    c.get("/projects/new").await;
    let res = c
        .post_multipart(
            "/projects",
            &[("name", "Nul project"), ("start", "upload")],
            Some(("nul.json", &circuit_with_nul())),
        )
        .await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("NUL");

    // An element id with NUL in the path: a viewer's denial is still recorded, as a 403.
    let (viewer, viewer_id) = signed_in(&app, s.company_id, "nul-viewer", "engineer").await;
    add_member(&app, pid, viewer_id, "viewer");
    viewer.get(&format!("/projects/{pid}")).await;
    let res = viewer
        .post(
            &format!("/projects/{pid}/editor/buses/rows/a%00b/delete"),
            &[],
        )
        .await;
    assert_eq!(res.status, 403, "{}", res.body);
    let denied = audit_entries(&app, s.company_id, "circuit.draft.delete");
    assert_eq!(denied[0].log.outcome, "failure");
    assert_eq!(denied[0].log.details.0["details"]["element"], "a\u{FFFD}b");
    // An editor's request for such a row is a 404 / 422, not an error.
    let res = c
        .post(
            &format!("/projects/{pid}/editor/buses/rows/a%00b/delete"),
            &[],
        )
        .await;
    assert!(matches!(res.status, 303 | 404 | 422), "{}", res.body);

    // Searches with NUL find nothing rather than fail.
    for path in [
        "/projects?q=a%00b".to_string(),
        format!("/projects/{pid}/editor?bus=a%00b&q=%00"),
        format!("/projects/{pid}/diff?from=%00&to=1"),
    ] {
        let res = c.get(&path).await;
        assert!(matches!(res.status, 200 | 422), "{path}: {}", res.status);
    }
}
on_both_databases!(nul_characters_are_refused_not_stored);

/// Element ids with markup, path characters, quotes, a formula and non-ASCII letters travel
/// through the editor, the version, the diagram, a simulation and its exports as text.
async fn hostile_ids_stay_text_everywhere(app: TestApp) {
    let s = setup(&app, "Hostile").await;
    let (c, pid) = (&s.client, s.pid);
    open_editor(c, pid).await;
    let ids = [
        "<script>alert(1)</script>",
        "a/b",
        "50% ..",
        "..",
        "\"q'uote\"",
        "=HYPERLINK(\"http://x\")",
        "Ümlaut-母線",
        "x?y#z&w=1",
    ];
    for id in ids {
        let res = hx(
            c,
            &format!("/projects/{pid}/editor/buses/rows"),
            &[
                ("id", id),
                ("vn_kv", "20"),
                ("name", id),
                ("in_service", "true"),
            ],
        )
        .await;
        assert!(matches!(res.status, 200 | 422), "add {id}: {}", res.status);
        assert!(!res.body.contains("<script>alert"), "{}", res.body);
    }
    let stored = draft_json(&app, pid, s.user_id);
    let added: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| element(&stored, "buses", id).is_some())
        .collect();
    assert!(added.contains(&"a/b") && added.contains(&"<script>alert(1)</script>"));
    // Each row is reached by its percent-encoded id; a transformer feeds each bus.
    for id in &added {
        let seg: String = url::form_urlencoded::byte_serialize(id.as_bytes())
            .collect::<String>()
            .replace('+', "%20");
        let res = c
            .get_htmx(&format!("/projects/{pid}/editor/buses/rows/{seg}/edit"))
            .await;
        assert_eq!(res.status, 200, "edit {id}");
        assert!(!res.body.contains("<script>alert"));
        let res = hx(
            c,
            &format!("/projects/{pid}/editor/lines/rows"),
            &[
                ("id", &format!("L-{id}")),
                ("from_bus", "MV2"),
                ("to_bus", id),
                ("length_km", "1"),
                ("r_ohm_per_km", "0.1"),
                ("x_ohm_per_km", "0.1"),
                ("in_service", "true"),
            ],
        )
        .await;
        assert_eq!(res.status, 200, "line to {id}: {}", res.body);
    }
    let res = open_editor(c, pid).await;
    assert!(!res.body.contains("<script>alert"));
    let res = c
        .post(
            &format!("/projects/{pid}/editor/save"),
            &[("message", "hostile ids")],
        )
        .await;
    assert_eq!(res.status, 303, "{}", res.body);
    for path in [
        format!("/projects/{pid}/versions/2"),
        format!("/projects/{pid}/versions/2?bus=%3Cscript%3E&q=%3Cscript%3E"),
        format!("/projects/{pid}/diff?from=1&to=2"),
        format!("/projects/{pid}/editor?bus=a%2Fb&q=%22%3E%3Cscript%3E"),
    ] {
        let res = c.get(&path).await;
        assert_eq!(res.status, 200, "{path}");
        assert!(!res.body.contains("<script>alert"), "{path}");
        assert!(!res.body.contains("\"><script>"), "{path}");
    }
    let res = c
        .get(&format!("/projects/{pid}/versions/2/export.json"))
        .await;
    assert!(
        res.header("content-disposition")
            .is_some_and(|d| !d.contains('<'))
    );
    // A simulation of version 2.
    let id = run_simulation(c, pid, &[("version", "2")]).await;
    wait_finished(c, id).await;
    let sim = format!("/simulations/{id}");
    for path in [
        sim.clone(),
        format!("{sim}?sort=%3Cscript%3E&dir=%22&bus=%3Cscript%3E"),
        format!("{sim}?bus=a%2Fb"),
    ] {
        let res = c.get(&path).await;
        assert_eq!(res.status, 200, "{path}");
        assert!(!res.body.contains("<script>alert"), "{path}");
        res.assert_contains("completed");
    }
    let csv = c.get(&format!("{sim}/export.csv")).await;
    assert_eq!(csv.status, 200);
    assert!(csv.body.contains("\"'=HYPERLINK"), "{}", csv.body);
    assert!(!csv.body.lines().any(|l| l.starts_with('=')));
}
on_both_databases!(hostile_ids_stay_text_everywhere);

async fn bad_imports_get_a_message(app: TestApp) {
    let s = setup(&app, "BadImport").await;
    let (c, pid) = (&s.client, s.pid);
    open_editor(c, pid).await;
    let before = draft_json(&app, pid, s.user_id);
    let nested = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
    let huge_number = example_circuit()
        .to_string()
        .replacen("\"vn_kv\":110", "\"vn_kv\":1e400", 1);
    let files: Vec<(&str, Vec<u8>)> = vec![
        ("empty.json", Vec::new()),
        ("space.json", b"   \n".to_vec()),
        ("binary.json", vec![0xff, 0xfe, 0x00, 0x01]),
        ("nested.json", nested.clone().into_bytes()),
        (
            "nan.json",
            br#"{"format":"ampflux-circuit","version":1,"frequency_hz":NaN}"#.to_vec(),
        ),
        ("huge.json", huge_number.into_bytes()),
        ("array.json", b"[1,2,3]".to_vec()),
        ("\"><script>x.json", b"{}".to_vec()),
    ];
    for (name, content) in files {
        let (status, _, body) = upload(&app, c, pid, name, &content).await;
        assert_eq!(status, 422, "{name}: {body}");
        assert!(!body.contains("<script>x"), "{name}");
    }
    for content in [nested.as_str(), "{\"format\":\"ampflux-circuit\"", "null"] {
        let res = c
            .post(
                &format!("/projects/{pid}/editor/import"),
                &[("content", content)],
            )
            .await;
        if content.len() * 3 > 256 * 1024 {
            // Over the limit of a plain form (token in the body): 413 before it is parsed.
            assert_eq!(res.status, 413, "{}", res.body);
            res.assert_contains("larger than this page accepts");
        } else {
            assert!(matches!(res.status, 400 | 422), "{}", res.status);
        }
    }
    // A file over the limit, a multipart body that ends early and one without its boundary.
    let big = vec![b' '; ampflux::web::handlers::circuit::MAX_IMPORT_BYTES + 1024];
    let (status, _, _) = upload(&app, c, pid, "big.json", &big).await;
    assert_eq!(status, 422);
    let truncated = b"--XYZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.json\"\r\n\r\n{\"for".to_vec();
    let (status, _, _) =
        raw_import(&app, c, pid, "multipart/form-data; boundary=XYZ", truncated).await;
    assert!(matches!(status, 400 | 422), "truncated: {status}");
    let (status, _, _) = raw_import(&app, c, pid, "multipart/form-data", b"garbage".to_vec()).await;
    assert!(matches!(status, 400 | 422), "no boundary: {status}");
    assert_eq!(draft_json(&app, pid, s.user_id), before);
    // Creating a project from such files changes nothing either.
    c.get("/projects/new").await;
    for content in ["", "[1]", &nested] {
        let res = c
            .post_multipart(
                "/projects",
                &[("name", "From a bad file"), ("start", "upload")],
                Some(("bad.json", content)),
            )
            .await;
        assert_eq!(res.status, 422, "{}", res.body);
    }
    let res = c
        .post_multipart(
            "/projects",
            &[("name", &"n".repeat(70_000)), ("start", "empty")],
            None,
        )
        .await;
    assert_eq!(res.status, 422);
    // The new-project upload has the import's size limit.
    let big = " ".repeat(ampflux::web::handlers::circuit::MAX_IMPORT_BYTES + 1024);
    let res = c
        .post_multipart(
            "/projects",
            &[("name", "Too big"), ("start", "upload")],
            Some(("big.json", &big)),
        )
        .await;
    assert_eq!(res.status, 422);
    res.assert_contains("larger than 20 MB");
}
on_both_databases!(bad_imports_get_a_message);
