//! Checks before a run, through HTTP on both databases: the run form refuses a circuit version
//! that lacks data for the chosen study (422, the elements and links to their editor rows,
//! nothing queued), the run page and the editor say what a circuit is ready for, and every
//! study type runs to completion on every built-in example.

use crate::common::*;
use crate::on_both_databases;
use ampflux::circuit_edit::row_anchor;
use ampflux::db::schema::{jobs, simulations};
use diesel::prelude::*;

fn counts(app: &TestApp) -> (i64, i64) {
    app.with_conn(|conn| {
        (
            simulations::table.count().get_result(conn).unwrap(),
            jobs::table.count().get_result(conn).unwrap(),
        )
    })
}

/// The example circuit without the grid's minimum data, the cable's zero sequence and the
/// breaker's ratings.
fn incomplete_circuit() -> serde_json::Value {
    let mut c = example_circuit();
    let grid = c["external_grids"][0].as_object_mut().unwrap();
    grid.remove("s_sc_min_mva");
    grid.remove("rx_min");
    let line = c["lines"][0].as_object_mut().unwrap();
    line.remove("r0_ohm_per_km");
    line.remove("x0_ohm_per_km");
    line.insert("name".into(), serde_json::json!("Feeder F1"));
    let cb = c["switches"][0].as_object_mut().unwrap();
    cb.remove("rated_ib_ka");
    cb.remove("rated_ip_ka");
    c
}

async fn an_incomplete_circuit_is_refused_before_anything_is_queued(app: TestApp) {
    let s = setup(&app, "Checks").await;
    let n = save_version(&app, s.pid, s.user_id, &incomplete_circuit());
    assert_eq!(n, 2);
    let pid = s.pid;
    let editor = format!("/projects/{pid}/editor");
    let before = counts(&app);

    // 1ph min: the grid lacks its minimum data, the cable its zero sequence.
    let res = post_run(
        &s.client,
        pid,
        &[("version", "2"), ("fault", "1ph"), ("case", "min")],
    )
    .await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("Version 2 lacks data for 1ph min");
    res.assert_contains("nothing was queued");
    res.assert_contains(&format!(
        "<a href=\"{editor}?all=external_grids#{}\">external grid “Grid”</a>: <code>s_sc_min_mva, rx_min</code>",
        row_anchor("external_grids", "Grid")
    ));
    res.assert_contains(&format!(
        "<a href=\"{editor}?all=lines#{}\">line “Feeder F1” (L1)</a>: <code>r0_ohm_per_km, x0_ohm_per_km</code> required for earth faults",
        row_anchor("lines", "L1")
    ));
    // The form keeps what was chosen.
    res.assert_contains("<option value=\"1ph\" selected>");
    assert_eq!(counts(&app), before, "nothing queued");

    // The duty check: the breaker lacks its ratings.
    let res = post_run(
        &s.client,
        pid,
        &[("version", "2"), ("simulation_type", "duty_check")],
    )
    .await;
    assert_eq!(res.status, 422, "{}", res.body);
    res.assert_contains("Version 2 lacks data for duty check (3ph max)");
    res.assert_contains(&format!(
        "<a href=\"{editor}?all=switches#{}\">switch “CB1”</a>: <code>rated_ib_ka, rated_ip_ka</code>",
        row_anchor("switches", "CB1")
    ));
    assert_eq!(counts(&app), before, "nothing queued");

    // The link leads to the row: the editor (whose draft starts from the newest version)
    // has the anchor.
    let page = s.client.get(&format!("{editor}?all=lines")).await;
    assert_eq!(page.status, 200);
    page.assert_contains(&format!("id=\"{}\"", row_anchor("lines", "L1")));

    // What the version has is enough for 3ph max: that runs.
    let id = run_simulation(&s.client, pid, &[("version", "2")]).await;
    wait_finished(&s.client, id)
        .await
        .assert_contains("Completed");
    // Version 1 has everything for 1ph min.
    let id = run_simulation(&s.client, pid, &[("fault", "1ph"), ("case", "min")]).await;
    wait_finished(&s.client, id)
        .await
        .assert_contains("Completed");
}
on_both_databases!(an_incomplete_circuit_is_refused_before_anything_is_queued);

async fn the_run_page_and_the_editor_say_what_a_circuit_is_ready_for(app: TestApp) {
    let s = setup(&app, "Ready").await;
    let pid = s.pid;
    let page = s
        .client
        .get(&format!("/projects/{pid}/simulations/new"))
        .await;
    assert_eq!(page.status, 200);
    page.assert_contains("What version 1 is ready for");
    for study in [
        "3ph max", "3ph min", "2ph max", "2ph min", "2phg max", "2phg min", "1ph max", "1ph min",
    ] {
        page.assert_contains(&format!("<li class=\"ready\">ready for {study}</li>"));
    }
    page.assert_contains("ready for duty check (3ph max)");

    save_version(&app, pid, s.user_id, &incomplete_circuit());
    let page = s
        .client
        .get(&format!("/projects/{pid}/simulations/new?version=2"))
        .await;
    page.assert_contains("What version 2 is ready for");
    // Choosing another version in the form fetches its lines (htmx).
    page.assert_contains(&format!(
        "hx-get=\"/projects/{pid}/simulations/new\" hx-trigger=\"change\" hx-target=\"#readiness\""
    ));
    page.assert_contains("<li class=\"ready\">ready for 3ph max</li>");
    page.assert_contains(
        "<li class=\"not-ready\">3ph min needs S&#39;&#39;k min and R/X min on 1 external grid</li>",
    );
    page.assert_contains("<li class=\"not-ready\">1ph max needs R0/X0 on 1 line</li>");
    page.assert_contains(
        "<li class=\"not-ready\">duty check (3ph max) needs ratings on 1 breaker</li>",
    );

    // The editor's checks: the same lines, while its own check finds no problem.
    let editor = s.client.get(&format!("/projects/{pid}/editor")).await;
    assert_eq!(editor.status, 200);
    editor.assert_contains("Checks: no problems found.");
    editor.assert_contains("<li class=\"ready\">ready for 2ph max</li>");
    editor.assert_contains("<li class=\"not-ready\">2phg max needs R0/X0 on 1 line</li>");
    editor.assert_contains(
        "<li class=\"not-ready\">1ph min needs S&#39;&#39;k min and R/X min on 1 external grid, R0/X0 on 1 line</li>",
    );

    // A circuit with errors: no readiness until they are fixed.
    let mut broken = example_circuit();
    broken["lines"][0]["length_km"] = serde_json::json!(-1);
    save_version(&app, pid, s.user_id, &broken);
    let version = s.client.get(&format!("/projects/{pid}/versions/3")).await;
    assert_eq!(version.status, 200);
    version.assert_contains("once the errors are fixed, this lists what each study type needs");
    assert!(!version.body.contains("class=\"study-lines\""));
}
on_both_databases!(the_run_page_and_the_editor_say_what_a_circuit_is_ready_for);

async fn every_study_runs_on_every_built_in_example(app: TestApp) {
    let (client, _) = signed_up(&app, "Examples").await;
    for example in ampflux::examples::EXAMPLES.iter() {
        let pid = create_project(
            &client,
            example.title,
            &[("start", "example"), ("example", example.id)],
        )
        .await;
        let page = client
            .get(&format!("/projects/{pid}/simulations/new"))
            .await;
        assert!(
            !page.body.contains("class=\"not-ready\""),
            "{}: {}",
            example.id,
            page.body
        );
        let mut runs: Vec<Vec<(&str, &str)>> = Vec::new();
        for fault in ["3ph", "2ph", "2phg", "1ph"] {
            for case in ["max", "min"] {
                runs.push(vec![("fault", fault), ("case", case)]);
            }
        }
        runs.push(vec![("simulation_type", "duty_check")]);
        for changes in runs {
            let id = run_simulation(&client, pid, &changes).await;
            let done = wait_finished(&client, id).await;
            assert!(
                done.body.contains("Completed"),
                "{} {changes:?}: {}",
                example.id,
                done.body
            );
            let status: String = app.with_conn(|conn| {
                simulations::table
                    .find(id)
                    .select(simulations::status)
                    .first(conn)
                    .unwrap()
            });
            assert_eq!(status, "completed", "{} {changes:?}", example.id);
        }
    }
}
on_both_databases!(every_study_runs_on_every_built_in_example);

/// A run that reaches the worker without the form (queued directly) meets the same rules: the
/// job fails with the engine's list of what is missing, in the same words.
async fn the_worker_applies_the_same_rules(app: TestApp) {
    use ampflux::models::simulation::{self as sims, NewSimulation};
    use ampflux::sc::{Case, Fault, ScOptions};
    let s = setup(&app, "Worker").await;
    save_version(&app, s.pid, s.user_id, &incomplete_circuit());
    let queue = |kind: &str, options: ScOptions| {
        app.with_conn(|conn| {
            let v2 = version_id(conn, s.pid, 2);
            let (sim, _) = ampflux::db::write_tx(conn, |conn| {
                sims::create_with_job(
                    conn,
                    NewSimulation {
                        project_id: s.pid,
                        circuit_version_id: v2,
                        simulation_type: kind.into(),
                        options: serde_json::to_value(options).unwrap(),
                        simulated_by: s.user_id,
                    },
                )
            })
            .unwrap();
            sim.id
        })
    };
    let min = queue(
        "short_circuit",
        ScOptions {
            fault: Fault::SinglePhase,
            case: Case::Min,
            ..ScOptions::default()
        },
    );
    let duty = queue("duty_check", ScOptions::default());
    ampflux::jobs::wake();
    for (id, words) in [
        (
            min,
            "external_grids[Grid].s_sc_min_mva, rx_min: required for the min case",
        ),
        (
            min,
            "lines[L1].r0_ohm_per_km, x0_ohm_per_km: required for earth faults",
        ),
        (
            duty,
            "switches[CB1].rated_ib_ka, rated_ip_ka: required for the duty check",
        ),
    ] {
        let done = wait_finished(&s.client, id).await;
        done.assert_contains("Failed");
        let sim = app.with_conn(|conn| sims::find(conn, id).unwrap().unwrap());
        assert_eq!(sim.status, "failed");
        let error = sim.error.unwrap_or_default();
        assert!(
            error.contains("Circuit version 2 lacks data this study needs"),
            "{error}"
        );
        assert!(error.contains(words), "{error}");
    }
}
on_both_databases!(the_worker_applies_the_same_rules);

/// A version the engine cannot read (a value of the wrong type) is refused on the form with
/// the reason; nothing is queued to fail later in the worker.
async fn an_unreadable_version_is_refused_before_anything_is_queued(app: TestApp) {
    let s = setup(&app, "Unreadable").await;
    let mut c = example_circuit();
    c["buses"][0]["vn_kv"] = serde_json::json!("one hundred and ten");
    let n = save_version(&app, s.pid, s.user_id, &c);
    let before = counts(&app);
    for buses in ["", "HV"] {
        let res = post_run(
            &s.client,
            s.pid,
            &[
                ("version", &n.to_string()),
                ("fault", "3ph"),
                ("case", "max"),
                ("buses", buses),
            ],
        )
        .await;
        assert_eq!(res.status, 422, "{}", res.body);
        res.assert_contains(&format!("Version {n} cannot be read as a circuit"));
    }
    assert_eq!(counts(&app), before, "nothing queued");
}
on_both_databases!(an_unreadable_version_is_refused_before_anything_is_queued);
