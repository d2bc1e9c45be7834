//! Circuit versions over HTTP: saving the draft as consecutive, audited versions, the
//! stale-base warning and its confirmation, concurrent saves, export, the element diff and
//! restoring an old version.

use crate::circuit::*;
use crate::common::*;
use crate::on_both_databases;
use ampflux::models::circuit_version;
use serde_json::json;

fn versions(app: &TestApp, pid: i64) -> Vec<circuit_version::CircuitVersion> {
    let mut v = app.with_conn(|conn| circuit_version::list(conn, pid).unwrap());
    v.reverse();
    v
}

async fn save(client: &Client, pid: i64, fields: &[(&str, &str)]) -> Resp {
    client
        .post(&format!("/projects/{pid}/editor/save"), fields)
        .await
}

async fn add_bus(client: &Client, pid: i64, id: &str) {
    let res = hx(
        client,
        &format!("/projects/{pid}/editor/buses/rows"),
        &[("id", id), ("vn_kv", "20"), ("in_service", "true")],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
}

async fn saving_writes_consecutive_audited_versions(app: TestApp) {
    let s = setup(&app, "Save").await;
    let (c, pid) = (&s.client, s.pid);
    open_editor(c, pid).await;
    // Nothing changed yet, or no message: refused.
    let res = save(c, pid, &[("message", "nothing")]).await;
    assert_eq!(res.status, 422);
    res.assert_contains("Nothing to save: your draft is the same as version 1.");
    add_bus(c, pid, "B2").await;
    let res = save(c, pid, &[("message", "  ")]).await;
    assert_eq!(res.status, 422);
    res.assert_contains("Describe what changed");
    assert_eq!(versions(&app, pid).len(), 1);

    let res = save(c, pid, &[("message", "Second board")]).await;
    res.assert_redirect(&format!("/projects/{pid}/editor"));
    let page = open_editor(c, pid).await;
    page.assert_contains("Saved as version 2.");
    page.assert_contains(&format!(
        "Started from <a href=\"/projects/{pid}/versions/2\">version 2</a>."
    ));
    page.assert_contains("No changes yet.");
    add_bus(c, pid, "B3").await;
    save(c, pid, &[("message", "Third board")])
        .await
        .assert_redirect(&format!("/projects/{pid}/editor"));
    let all = versions(&app, pid);
    let numbers: Vec<i32> = all.iter().map(|v| v.version_number).collect();
    assert_eq!(numbers, vec![1, 2, 3]);
    assert_eq!(all[2].message, "Third board");
    assert_eq!(all[2].created_by, s.user_id);
    let d = draft(&app, pid, s.user_id).unwrap();
    assert_eq!(
        d.base_version_id,
        Some(all[2].id),
        "the draft's base moves to the new version"
    );
    assert!(ampflux::circuit_edit::edit::same_value(
        &d.data_json.0,
        &all[2].data_json.0
    ));

    let saves = audit_entries(&app, s.company_id, "circuit.save");
    let third = saves
        .iter()
        .find(|e| e.log.entity_id == Some(all[2].id))
        .expect("save audited");
    assert_eq!(third.log.outcome, "success");
    assert_eq!(third.log.project_id, Some(pid));
    let (before, after) = (third.log.before().unwrap(), third.log.after().unwrap());
    assert_eq!(before["version_number"], 2);
    assert_eq!(before["content_hash"], all[1].content_hash.as_str());
    assert_eq!(after["version_number"], 3);
    assert_eq!(after["content_hash"], all[2].content_hash.as_str());
    assert_eq!(after["elements"]["buses"], 8);
    assert_eq!(after["elements"]["lines"], 1);
    assert_eq!(third.log.details["message"], "Third board");
    assert_eq!(third.log.details["base_version"], 2);

    // The list: number, author, time in the user's zone, message, element counts.
    let list = c.get(&format!("/projects/{pid}/versions")).await;
    assert_eq!(list.status, 200);
    list.assert_contains(&format!(
        "<a href=\"/projects/{pid}/versions/3\">v3</a> <span class=\"tag\">latest</span>"
    ));
    list.assert_contains("<td>Save Engineer</td>");
    list.assert_contains("<td>Third board</td>");
    list.assert_contains("<td>8 buses, 1 external grid, 1 line, 3 transformers, 1 generator, 1 motor, 1 static generator, 1 load, 2 switches</td>");
    list.assert_contains(" UTC</td>");
    // A version read-only: the same tables without forms.
    let v2 = c.get(&format!("/projects/{pid}/versions/2")).await;
    assert_eq!(v2.status, 200);
    v2.assert_contains("<th scope=\"row\" class=\"el-id\">B2</th>");
    assert!(!v2.body.contains(">B3<"));
    assert!(!v2.body.contains("Add a bus"));
    assert!(!v2.body.contains("/rows/"));
    assert_eq!(
        c.get(&format!("/projects/{pid}/versions/9")).await.status,
        404
    );
    assert_eq!(
        c.get(&format!("/projects/{pid}/versions/x")).await.status,
        404
    );
}
on_both_databases!(saving_writes_consecutive_audited_versions);

async fn a_newer_version_needs_confirmation(app: TestApp) {
    let s = setup(&app, "Stale").await;
    let pid = s.pid;
    let (other, other_id) = signed_in(&app, s.company_id, "olga-editor", "engineer").await;
    add_member(&app, pid, other_id, "editor");
    open_editor(&s.client, pid).await;
    open_editor(&other, pid).await;
    // Both start from version 1; the admin saves version 2.
    add_bus(&s.client, pid, "MINE").await;
    save(&s.client, pid, &[("message", "admin's bus")])
        .await
        .assert_redirect(&format!("/projects/{pid}/editor"));
    // The other editor is told, with links to review the differences.
    add_bus(&other, pid, "THEIRS").await;
    let page = open_editor(&other, pid).await;
    page.assert_contains("Version 2 was saved by Stale Engineer since your draft started");
    page.assert_contains("your draft is based on version 1");
    page.assert_contains(&format!(
        "<a href=\"/projects/{pid}/diff?from=1&amp;to=2\">"
    ));
    page.assert_contains(&format!(
        "<a href=\"/projects/{pid}/diff?from=2&amp;to=draft\">"
    ));
    page.assert_contains("<input type=\"hidden\" name=\"confirm_base\" value=\"2\">");
    page.assert_contains("Save anyway as version 3");
    let review = other
        .get(&format!("/projects/{pid}/diff?from=2&to=draft"))
        .await;
    assert_eq!(review.status, 200);
    review.assert_contains("<strong>THEIRS</strong>");
    review.assert_contains("<strong>MINE</strong>");
    // Saving without the confirmation (an old page, a script) is refused; so is a
    // confirmation of an older number.
    let res = save(&other, pid, &[("message", "mine")]).await;
    assert_eq!(res.status, 422);
    res.assert_contains("Version 2 was saved since your draft started.");
    let res = save(&other, pid, &[("message", "mine"), ("confirm_base", "1")]).await;
    assert_eq!(res.status, 422);
    assert_eq!(versions(&app, pid).len(), 2);
    // Confirmed: saved as version 3, and the draft's base moves there.
    let res = save(
        &other,
        pid,
        &[("message", "their bus"), ("confirm_base", "2")],
    )
    .await;
    res.assert_redirect(&format!("/projects/{pid}/editor"));
    let all = versions(&app, pid);
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].created_by, other_id);
    let entry = audit_entries(&app, s.company_id, "circuit.save")
        .into_iter()
        .find(|e| e.log.entity_id == Some(all[2].id))
        .unwrap();
    assert_eq!(entry.log.details["confirmed_over_newer_version"], 2);
    assert_eq!(entry.log.details["base_version"], 1);
    let page = open_editor(&other, pid).await;
    assert!(!page.body.contains("since your draft started"));

    // Two people saving at once from the same base: one number each, nobody's work lost (the
    // second is told about the first and keeps their draft).
    let base = versions(&app, pid).len();
    // Both drafts are now based on the latest version.
    app.with_conn(|conn| {
        use ampflux::db::schema::circuit_drafts;
        use diesel::prelude::*;
        let latest = circuit_version::latest(conn, pid).unwrap().unwrap();
        diesel::update(circuit_drafts::table.filter(circuit_drafts::project_id.eq(pid)))
            .set((
                circuit_drafts::base_version_id.eq(latest.id),
                circuit_drafts::data_json.eq(latest.data_json.clone()),
            ))
            .execute(conn)
            .unwrap();
    });
    add_bus(&s.client, pid, "RACE-A").await;
    add_bus(&other, pid, "RACE-B").await;
    let (a, b) = futures_util::future::join(
        save(&s.client, pid, &[("message", "race a")]),
        save(&other, pid, &[("message", "race b")]),
    )
    .await;
    let statuses = [a.status, b.status];
    assert!(
        statuses.contains(&303) && statuses.contains(&422),
        "{statuses:?}"
    );
    let loser = if a.status == 422 { &a } else { &b };
    loser.assert_contains(&format!(
        "Version {} was saved since your draft started.",
        base + 1
    ));
    let all = versions(&app, pid);
    assert_eq!(all.len(), base + 1);
    let numbers: Vec<i32> = all.iter().map(|v| v.version_number).collect();
    assert_eq!(numbers, (1..=all.len() as i32).collect::<Vec<_>>());
    // The loser confirms and gets the next number.
    let (loser_client, loser_bus) = if a.status == 422 {
        (&s.client, "RACE-A")
    } else {
        (&other, "RACE-B")
    };
    let confirm = (base + 1).to_string();
    save(
        loser_client,
        pid,
        &[("message", "after review"), ("confirm_base", &confirm)],
    )
    .await
    .assert_redirect(&format!("/projects/{pid}/editor"));
    let last = versions(&app, pid).pop().unwrap();
    assert_eq!(last.version_number as usize, base + 2);
    assert!(element(&last.data_json.0, "buses", loser_bus).is_some());
}
on_both_databases!(a_newer_version_needs_confirmation);

async fn export_diff_and_restore(app: TestApp) {
    let s = setup(&app, "Diff").await;
    let (c, pid) = (&s.client, s.pid);
    // Export: the version exactly as stored, as a download named after the project.
    let res = c
        .get(&format!("/projects/{pid}/versions/1/export.json"))
        .await;
    assert_eq!(res.status, 200);
    assert_eq!(res.header("content-type"), Some("application/json"));
    assert_eq!(
        res.header("content-disposition"),
        Some("attachment; filename=\"diff-substation-v1.circuit.json\"")
    );
    let exported: serde_json::Value = serde_json::from_str(&res.body).unwrap();
    assert_eq!(exported, versions(&app, pid)[0].data_json.0);
    assert_eq!(exported, example_circuit());
    assert_eq!(
        c.get(&format!("/projects/{pid}/versions/2/export.json"))
            .await
            .status,
        404
    );

    // Version 2: a bus added, the load removed, the line longer and out of service.
    open_editor(c, pid).await;
    add_bus(c, pid, "NEWBUS").await;
    hx(
        c,
        &format!("/projects/{pid}/editor/loads/rows/Load1/delete"),
        &[],
    )
    .await;
    let mut line = line_form(&[("length_km", "3.5")]);
    line.retain(|(k, _)| *k != "in_service");
    let res = hx(c, &format!("/projects/{pid}/editor/lines/rows/L1"), &line).await;
    assert_eq!(res.status, 200);
    save(c, pid, &[("message", "changes")])
        .await
        .assert_redirect(&format!("/projects/{pid}/editor"));

    let d = c.get(&format!("/projects/{pid}/diff?from=1&to=2")).await;
    assert_eq!(d.status, 200, "{}", d.body);
    d.assert_contains("1 added, 1 removed, 1 changed element.");
    d.assert_contains("<h4 class=\"added\">Added (1)</h4>");
    d.assert_contains(
        "<li class=\"added\"><strong>NEWBUS</strong><span class=\"kv\">Un: 20 kV</span>",
    );
    d.assert_contains("<li class=\"removed\"><strong>Load1</strong>");
    d.assert_contains("<th scope=\"rowgroup\" rowspan=\"2\">L1</th><td title=\"length_km\">Length <span class=\"unit\">[km]</span></td><td class=\"old\">2.5</td><td class=\"new\">3.5</td>");
    d.assert_contains("<td title=\"in_service\">In service</td><td class=\"old\">yes</td><td class=\"new\">no</td>");
    // Numbers written differently (110 and 110.0) are not differences.
    assert_eq!(
        d.body.matches("<h4 class=\"changed\">").count(),
        1,
        "{}",
        d.body
    );
    // The draft side, and bad choices.
    add_bus(c, pid, "DRAFTBUS").await;
    let d = c
        .get(&format!("/projects/{pid}/diff?from=2&to=draft"))
        .await;
    assert_eq!(d.status, 200);
    d.assert_contains("From version 2 (Diff Engineer,");
    d.assert_contains("to your draft");
    d.assert_contains("<strong>DRAFTBUS</strong>");
    let d = c.get(&format!("/projects/{pid}/diff?from=2&to=2")).await;
    d.assert_contains("No differences");
    let d = c.get(&format!("/projects/{pid}/diff?from=7&to=2")).await;
    assert_eq!(d.status, 422);
    d.assert_contains("There is no version 7 in this project.");
    let d = c.get(&format!("/projects/{pid}/diff?from=abc&to=2")).await;
    assert_eq!(d.status, 422);
    d.assert_contains("is neither a version number nor");
    let d = c.get(&format!("/projects/{pid}/diff")).await;
    assert_eq!(d.status, 200);
    d.assert_contains("From version 1");
    d.assert_contains("<option value=\"draft\">Your draft</option>");

    // Restore version 1: a new version with its content.
    let res = c
        .post(&format!("/projects/{pid}/versions/1/restore"), &[])
        .await;
    res.assert_redirect(&format!("/projects/{pid}/versions"));
    let all = versions(&app, pid);
    assert_eq!(all.len(), 3);
    assert_eq!(all[2].message, "Restored version 1");
    assert_eq!(all[2].content_hash, all[0].content_hash);
    assert_eq!(all[2].data_json.0, all[0].data_json.0);
    c.get(&format!("/projects/{pid}/versions"))
        .await
        .assert_contains("Version 1 restored: it is version 3 now.");
    let entry = &audit_entries(&app, s.company_id, "circuit.restore")[0];
    assert_eq!(entry.log.details.0, json!({"from_version": 1}));
    assert_eq!(entry.log.after().unwrap()["version_number"], 3);
    assert_eq!(entry.log.before().unwrap()["version_number"], 2);
    assert_eq!(entry.log.entity_id, Some(all[2].id));
    // The draft had changes of its own (DRAFTBUS): it keeps them and is told of version 3.
    let page = open_editor(c, pid).await;
    page.assert_contains("Version 3 was saved by Diff Engineer since your draft started");
    assert!(element(&draft_json(&app, pid, s.user_id), "buses", "DRAFTBUS").is_some());
    // Restoring what the latest version already holds is refused.
    let res = c
        .post(&format!("/projects/{pid}/versions/1/restore"), &[])
        .await;
    res.assert_redirect(&format!("/projects/{pid}/versions/1"));
    c.get(&format!("/projects/{pid}/versions/1"))
        .await
        .assert_contains("Nothing to restore");
    assert_eq!(versions(&app, pid).len(), 3);
    assert_eq!(
        c.post(&format!("/projects/{pid}/versions/8/restore"), &[])
            .await
            .status,
        404
    );
}
on_both_databases!(export_diff_and_restore);

/// Versions with extreme but finite values (saved directly, as an older release or a
/// validator gap might have let through): every page shows them and a run ends readably.
async fn extreme_values_render_and_run(app: TestApp) {
    let s = setup(&app, "Extreme").await;
    let (c, pid) = (&s.client, s.pid);
    let mut variants = Vec::new();
    let patch = |f: &dyn Fn(&mut serde_json::Value)| {
        let mut v = example_circuit();
        f(&mut v);
        v
    };
    variants.push(patch(&|v| v["buses"][1]["vn_kv"] = json!(1e308)));
    variants.push(patch(&|v| v["buses"][1]["vn_kv"] = json!(1e-308)));
    variants.push(patch(&|v| v["buses"][1]["vn_kv"] = json!(0.0)));
    variants.push(patch(&|v| v["buses"][1]["vn_kv"] = json!(-20.0)));
    variants.push(patch(&|v| v["lines"][0]["length_km"] = json!(1e308)));
    variants.push(patch(&|v| v["lines"][0]["length_km"] = json!(0.0)));
    variants.push(patch(&|v| v["lines"][0]["parallel"] = json!(0)));
    variants.push(patch(&|v| v["lines"][0]["parallel"] = json!(4294967295u32)));
    variants.push(patch(&|v| {
        v["lines"][0]["to_bus"] = v["lines"][0]["from_bus"].clone()
    }));
    variants.push(patch(&|v| {
        v["external_grids"][0]["s_sc_max_mva"] = json!(1e308)
    }));
    variants.push(patch(&|v| {
        v["external_grids"][0]["s_sc_max_mva"] = json!(0.0)
    }));
    variants.push(patch(&|v| v["transformers"][0]["sn_mva"] = json!(1e-300)));
    variants.push(patch(&|v| {
        v["transformers"][0]["vk_percent"] = json!(1e300)
    }));
    variants.push(patch(&|v| {
        v["transformers"][0]["lv_bus"] = v["transformers"][0]["hv_bus"].clone()
    }));
    variants.push(patch(&|v| {
        for b in v["buses"].as_array_mut().unwrap() {
            b["layout"] = json!({"x": 1e308, "y": -1e308});
        }
    }));
    variants.push(patch(&|v| v["buses"][2]["id"] = json!("MV")));
    variants.push(patch(&|v| v["frequency_hz"] = json!(0.0)));
    variants.push(patch(&|v| v["switches"][0]["element"] = json!("CB1")));
    variants.push(patch(&|v| v["buses"] = json!([])));
    for (i, circuit) in variants.iter().enumerate() {
        let n = app.with_conn(|conn| {
            ampflux::models::circuit_version::save_next(conn, pid, circuit, "extreme", s.user_id)
                .unwrap()
                .version_number
        });
        for path in [
            format!("/projects/{pid}/versions/{n}"),
            format!("/projects/{pid}/versions/{n}?bus=MV&all=all"),
            format!("/projects/{pid}/diff?from=1&to={n}"),
            format!("/projects/{pid}/versions/{n}/export.json"),
        ] {
            let res = c.get(&path).await;
            assert_eq!(res.status, 200, "variant {i}: {path}");
        }
        // The draft follows the version after a discard.
        c.get(&format!("/projects/{pid}/editor")).await;
        c.post(&format!("/projects/{pid}/editor/discard"), &[])
            .await;
        assert_eq!(
            c.get(&format!("/projects/{pid}/editor")).await.status,
            200,
            "variant {i} editor"
        );
        let v = n.to_string();
        let id = run_simulation(c, pid, &[("version", &v)]).await;
        wait_finished(c, id).await;
        let sim = format!("/simulations/{id}");
        for path in [
            sim.clone(),
            format!("{sim}/export.json"),
            format!("{sim}?sort=rk&dir=asc"),
        ] {
            let res = c.get(&path).await;
            assert_eq!(res.status, 200, "variant {i}: {path}: {}", res.body);
        }
        let status = c.get(&format!("{sim}/export.csv")).await.status;
        assert!(matches!(status, 200 | 409), "variant {i} csv: {status}");
    }
}
on_both_databases!(extreme_values_render_and_run);

/// The diff names elements as the editor does: by name, with the id only where the name
/// repeats (once, not twice), and bus references of a changed element by the buses' names.
async fn diff_shows_names_with_ids_only_where_they_repeat(app: TestApp) {
    let s = setup(&app, "Names").await;
    let (c, pid) = (&s.client, s.pid);
    open_editor(c, pid).await;
    for id in ["FB1", "FB2"] {
        let res = hx(
            c,
            &format!("/projects/{pid}/editor/buses/rows"),
            &[
                ("id", id),
                ("name", "Feeder board"),
                ("vn_kv", "20"),
                ("in_service", "true"),
            ],
        )
        .await;
        assert_eq!(res.status, 200, "{}", res.body);
    }
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/lines/rows/L1"),
        &line_form(&[("from_bus", "FB1")]),
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    save(c, pid, &[("message", "feeder boards")])
        .await
        .assert_redirect(&format!("/projects/{pid}/editor"));

    let d = c.get(&format!("/projects/{pid}/diff?from=1&to=2")).await;
    assert_eq!(d.status, 200, "{}", d.body);
    d.assert_contains("<li class=\"added\"><strong>Feeder board (FB1)</strong>");
    d.assert_contains("<li class=\"added\"><strong>Feeder board (FB2)</strong>");
    assert!(!d.body.contains("(id FB1)"), "{}", d.body);
    // The line's end: from MV2 (no name: its id) to the repeated name with its id.
    d.assert_contains("<td class=\"old\">MV2</td><td class=\"new\">Feeder board (FB1)</td>");
}
on_both_databases!(diff_shows_names_with_ids_only_where_they_repeat);
