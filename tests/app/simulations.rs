//! Simulations through HTTP on both databases: run, live status, results against the engine,
//! failures, option checks, modules, compare, exports, permissions, and a job taken over from
//! a dead worker finishing the simulation exactly once.

use std::time::{Duration, Instant};

use crate::common::*;
use crate::on_both_databases;
use ampflux::db::schema::{jobs, modules, project_members, simulations};
use ampflux::models::job;
use ampflux::models::simulation::{self as sims, NewSimulation};
use ampflux::sc::{self, ScOptions};
use diesel::prelude::*;

fn simulation_row(app: &TestApp, id: i64) -> sims::Simulation {
    app.with_conn(|conn| sims::find(conn, id).unwrap().expect("simulation"))
}

fn simulation_count(app: &TestApp) -> i64 {
    app.with_conn(|conn| simulations::table.count().get_result(conn).unwrap())
}

fn stored(app: &TestApp, id: i64) -> sims::StoredResult {
    app.with_conn(|conn| {
        let v = sims::result_json(conn, id).unwrap().expect("result");
        serde_json::from_value(v.0).expect("stored result format")
    })
}

/// The table row of the bus with id `bus` in the bus table (rows show names; the id is the
/// row's anchor).
fn bus_row<'a>(page: &'a str, bus: &str) -> &'a str {
    let start = page
        .find(&format!("<tr data-row=\"{bus}\""))
        .unwrap_or_else(|| panic!("no row for bus {bus}"));
    let end = page[start..].find("</tr>").expect("row end") + start;
    &page[start..end]
}

fn example_results(options: &ScOptions) -> sc::ScResults {
    let text = example_circuit().to_string();
    let parsed = sc::parse_input(&text).expect("example parses");
    sc::calculate(&parsed.circuit, options).expect("example calculates")
}

async fn a_simulation_runs_and_shows_the_engines_values(app: TestApp) {
    let s = setup(&app, "Run").await;
    let form = s
        .client
        .get(&format!("/projects/{}/simulations", s.pid))
        .await;
    assert_eq!(form.status, 200);
    form.assert_contains("Run a simulation");
    form.assert_contains("No simulations yet");
    let clicked = Instant::now();
    let id = run_simulation(&s.client, s.pid, &[]).await;
    let done = wait_finished(&s.client, id).await;
    let elapsed = clicked.elapsed();
    eprintln!("click to results: {elapsed:?}");
    done.assert_contains("Completed");
    done.assert_contains("Findings");

    let sim = simulation_row(&app, id);
    assert_eq!(sim.status, "completed");
    assert!(sim.started_at.is_some() && sim.completed_at.is_some());
    assert!(sim.duration_ms.is_some());
    assert!(sim.job_id.is_some());

    // The stored result is the engine's, with its metadata.
    let options = ScOptions {
        branch_results: true,
        ..ScOptions::default()
    };
    let direct = example_results(&options);
    let r = stored(&app, id);
    assert_eq!(r.format, "ampflux-simulation-result");
    assert_eq!(r.engine.name, "ampflux-sc");
    assert_eq!(r.circuit.version_number, 1);
    assert_eq!(r.results.options, options);
    assert_eq!(r.results.buses.len(), direct.buses.len());
    for (a, b) in r.results.buses.iter().zip(&direct.buses) {
        assert_eq!(a.id, b.id);
        let (x, y) = (a.ikss_ka.unwrap(), b.ikss_ka.unwrap());
        assert!((x - y).abs() <= 1e-12 * y.abs(), "{}: {x} vs {y}", a.id);
    }
    assert_eq!(r.results.branches.len(), direct.branches.len());
    assert_eq!(r.results.duty, direct.duty);

    // The page shows the engine's numbers, bus by bus.
    let page = s.client.get(&format!("/simulations/{id}")).await;
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("hx-trigger=\"load"),
        "no polling once finished"
    );
    for b in &direct.buses {
        let row = bus_row(&page.body, &b.id);
        for v in [b.ikss_ka, b.skss_mva, b.ip_ka, b.ib_ka, b.ith_ka, b.kappa] {
            let text = ampflux::report::format::sig(v.unwrap());
            assert!(row.contains(&text), "bus {}: {text} missing in {row}", b.id);
        }
    }
    // Duty check, branch currents, findings.
    page.assert_contains("Duty check");
    page.assert_contains("CB1");
    page.assert_contains("Branch currents");
    page.assert_contains("The highest Ik&#39;&#39; is");
    page.assert_contains("The largest branch currents");
    // The one-line diagram of the whole (small) circuit, annotated per bus.
    page.assert_contains("One-line diagram");
    page.assert_contains("<svg");
    page.assert_contains("data-bus=\"HV\"");
    assert!(!page.body.contains("more than a diagram can show at once"));

    // Sorting: by Ik'' ascending puts the smallest first, as a page and as an htmx fragment.
    let mut by_ikss: Vec<&sc::results::BusResult> = direct.buses.iter().collect();
    by_ikss.sort_by(|a, b| a.ikss_ka.unwrap().total_cmp(&b.ikss_ka.unwrap()));
    let sorted = s
        .client
        .get(&format!("/simulations/{id}?sort=ikss&dir=asc"))
        .await;
    let positions: Vec<usize> = by_ikss
        .iter()
        .map(|b| {
            sorted
                .body
                .find(&format!("<tr data-row=\"{}\"", b.id))
                .unwrap()
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "rows in Ik'' order"
    );
    sorted.assert_contains("aria-sort=\"ascending\"");
    let fragment = s
        .client
        .get_htmx(&format!("/simulations/{id}/buses?sort=bus&dir=desc"))
        .await;
    assert_eq!(fragment.status, 200);
    assert!(
        fragment
            .body
            .trim_start()
            .starts_with("<div id=\"bus-table\"")
    );
    assert!(!fragment.body.contains("<html"));
    let plain = s
        .client
        .get(&format!("/simulations/{id}/buses?sort=bus&dir=desc"))
        .await;
    plain.assert_redirect(&format!("/simulations/{id}?sort=bus&dir=desc&page=1#buses"));

    // The list shows it, without polling now that nothing runs.
    let list = s
        .client
        .get(&format!("/projects/{}/simulations", s.pid))
        .await;
    list.assert_contains(&format!("href=\"/simulations/{id}\""));
    list.assert_contains("Completed");
    assert!(!list.body.contains("hx-trigger=\"load delay:1s\""));

    // Audit: the run with its type, version and options; one completion.
    let runs = audit_entries(&app, s.company_id, "simulation.run");
    assert_eq!(runs.len(), 1);
    let run = &runs[0].log;
    assert_eq!(
        (run.outcome.as_str(), run.entity_id, run.project_id),
        ("success", Some(id), Some(s.pid))
    );
    let after = run.after().expect("after");
    assert_eq!(after["simulation_type"], "short_circuit");
    assert_eq!(after["version"], 1);
    assert_eq!(after["options"]["fault"], "3ph");
    assert_eq!(after["options"]["branch_results"], true);
    let completes = audit_entries(&app, s.company_id, "simulation.complete");
    assert_eq!(completes.len(), 1);
    assert_eq!(completes[0].log.entity_id, Some(id));
    assert_eq!(completes[0].log.user_id, Some(s.user_id));
    assert!(audit_entries(&app, s.company_id, "simulation.fail").is_empty());
}
on_both_databases!(a_simulation_runs_and_shows_the_engines_values);

async fn the_page_polls_while_pending(app: TestApp) {
    let s = setup(&app, "Poll").await;
    // A simulation whose job nobody can claim yet (scheduled later, in the transaction that
    // queues it, so no worker sees it claimable): it stays pending.
    let id = app.with_conn(|conn| {
        let v1 = version_id(conn, s.pid, 1);
        let sim = ampflux::db::write_tx(conn, |conn| {
            let (sim, j) = sims::create_with_job(
                conn,
                NewSimulation {
                    project_id: s.pid,
                    circuit_version_id: v1,
                    simulation_type: "short_circuit".into(),
                    options: serde_json::to_value(ScOptions::default()).unwrap(),
                    simulated_by: s.user_id,
                },
            )?;
            diesel::update(jobs::table.find(j.id))
                .set(jobs::scheduled_at.eq(ampflux::util::now() + chrono::Duration::hours(1)))
                .execute(conn)?;
            Ok::<_, diesel::result::Error>(sim)
        })
        .unwrap();
        sim.id
    });
    let page = s.client.get(&format!("/simulations/{id}")).await;
    assert_eq!(page.status, 200);
    page.assert_contains("Queued");
    page.assert_contains(&format!("hx-get=\"/simulations/{id}/status\""));
    page.assert_contains("hx-trigger=\"load delay:250ms\"");
    // A pending run's page changes without a new revision: never tagged, never stored.
    assert!(page.header("etag").is_none());
    assert_eq!(page.header("cache-control"), Some("no-store"));
    let fragment = s
        .client
        .get_htmx(&format!("/simulations/{id}/status"))
        .await;
    fragment.assert_contains("hx-trigger=\"load delay:500ms\"");
    assert!(!fragment.body.contains("<html"));
    let list = s
        .client
        .get(&format!("/projects/{}/simulations", s.pid))
        .await;
    list.assert_contains("hx-trigger=\"load delay:1s\"");
    let rows = s
        .client
        .get_htmx(&format!("/projects/{}/simulations?page=1", s.pid))
        .await;
    assert!(rows.body.trim_start().starts_with("<div id=\"sim-list\""));
    // Results do not exist yet.
    assert_eq!(
        s.client
            .get(&format!("/simulations/{id}/export.csv"))
            .await
            .status,
        409
    );
    // Release the job: the workers run it.
    app.with_conn(|conn| {
        diesel::update(jobs::table)
            .set(jobs::scheduled_at.eq(ampflux::util::now()))
            .execute(conn)
            .unwrap();
    });
    let done = wait_finished(&s.client, id).await;
    done.assert_contains("Completed");
    let page = s.client.get(&format!("/simulations/{id}")).await;
    page.assert_contains("Completed");
    assert!(page.header("etag").is_some());
}
on_both_databases!(the_page_polls_while_pending);

async fn an_invalid_version_fails_with_the_validators_messages(app: TestApp) {
    let s = setup(&app, "Invalid").await;
    let mut circuit = example_circuit();
    circuit["buses"][1]["vn_kv"] = serde_json::json!(-20);
    let n = save_version(&app, s.pid, s.user_id, &circuit);
    assert_eq!(n, 2);
    let id = run_simulation(&s.client, s.pid, &[("version", "2")]).await;
    let done = wait_finished(&s.client, id).await;
    done.assert_contains("Failed");
    done.assert_contains("The simulation failed.");
    done.assert_contains("Circuit version 2 does not pass validation");
    done.assert_contains("buses[MV].vn_kv");
    let sim = simulation_row(&app, id);
    assert_eq!(sim.status, "failed");
    assert!(sim.error.unwrap().contains("buses[MV].vn_kv"));
    // The page after a reload shows the same, and no results or exports.
    let page = s.client.get(&format!("/simulations/{id}")).await;
    page.assert_contains("buses[MV].vn_kv");
    assert!(!page.body.contains("hx-trigger=\"load"));
    assert_eq!(
        s.client
            .get(&format!("/simulations/{id}/export.csv"))
            .await
            .status,
        409
    );
    let json = s
        .client
        .get(&format!("/simulations/{id}/export.json"))
        .await;
    assert_eq!(json.status, 200);
    let doc: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(doc["simulation"]["status"], "failed");
    assert!(doc["result"].is_null());
    // The job failed for good (no retries of a circuit that cannot be calculated).
    let j = app.with_conn(|conn| job::find(conn, sim.job_id.unwrap()).unwrap().unwrap());
    assert_eq!((j.status.as_str(), j.attempts), ("failed", 1));
    let fails = audit_entries(&app, s.company_id, "simulation.fail");
    assert_eq!(fails.len(), 1);
    assert_eq!(fails[0].log.entity_id, Some(id));
    assert!(
        fails[0].log.after().unwrap()["error"]
            .as_str()
            .unwrap()
            .contains("vn_kv")
    );
    assert!(audit_entries(&app, s.company_id, "simulation.complete").is_empty());
}
on_both_databases!(an_invalid_version_fails_with_the_validators_messages);

async fn options_out_of_range_are_refused_beside_the_fields(app: TestApp) {
    let s = setup(&app, "Options").await;
    let res = post_run(
        &s.client,
        s.pid,
        &[
            ("tk_s", "0"),
            ("tmin_s", "5"),
            ("r_fault_ohm", "-1"),
            ("x_fault_ohm", "abc"),
            ("lv_tol_percent", "7"),
            ("kappa_method", "D"),
            ("fault", "4ph"),
            ("buses", "MV, NOPE"),
        ],
    )
    .await;
    assert_eq!(res.status, 422, "{}", res.body);
    for text in [
        "id=\"tk_s-error\"",
        "Enter the fault duration Tk in seconds: more than 0 and at most 10.",
        "Enter the minimum time delay tmin in seconds: more than 0 and at most 1.",
        "Enter the fault resistance in ohms: from 0 to 1000.",
        "Enter the fault reactance in ohms: from 0 to 1000.",
        "Choose a low-voltage tolerance of 6 % or 10 %.",
        "Choose method B or C for the peak factor κ.",
        "Choose a fault type: 3ph, 2ph, 2phg or 1ph.",
        "Version 1 has no bus “NOPE”.",
    ] {
        res.assert_contains(text);
    }
    // Entered values are kept.
    res.assert_contains("value=\"MV, NOPE\"");
    // A version that does not exist, and the duty check on the min case.
    let res = post_run(
        &s.client,
        s.pid,
        &[
            ("version", "9"),
            ("simulation_type", "duty_check"),
            ("case", "min"),
        ],
    )
    .await;
    assert_eq!(res.status, 422);
    res.assert_contains("Choose one of the project&#39;s circuit versions.");
    res.assert_contains("runs on the max case only.");
    assert_eq!(simulation_count(&app), 0);
    let job_count: i64 = app.with_conn(|conn| {
        jobs::table
            .filter(jobs::name.eq("simulation.run"))
            .count()
            .get_result(conn)
            .unwrap()
    });
    assert_eq!(job_count, 0);
    assert!(audit_entries(&app, s.company_id, "simulation.run").is_empty());
}
on_both_databases!(options_out_of_range_are_refused_beside_the_fields);

async fn options_are_read_as_engineers_write_numbers(app: TestApp) {
    let s = setup(&app, "Numbers").await;
    let id = run_simulation(
        &s.client,
        s.pid,
        &[
            ("lv_tol_percent", "6.0"),
            ("tk_s", " 1 "),
            ("tmin_s", "0,05"),
            ("kappa_method", "b"),
        ],
    )
    .await;
    let options: ScOptions = serde_json::from_value(simulation_row(&app, id).options.0).unwrap();
    assert_eq!(options.lv_tol_percent, 6);
    assert_eq!((options.tk_s, options.tmin_s), (1.0, 0.05));
    assert_eq!(options.kappa_method, sc::KappaMethod::B);
}
on_both_databases!(options_are_read_as_engineers_write_numbers);

async fn only_enabled_modules_run(app: TestApp) {
    let s = setup(&app, "Modules").await;
    let form = s
        .client
        .get(&format!("/projects/{}/simulations/new?version=1", s.pid))
        .await;
    assert_eq!(form.status, 200);
    form.assert_contains("value=\"short_circuit\"");
    form.assert_contains("value=\"duty_check\"");
    app.with_conn(|conn| {
        diesel::update(modules::table.filter(modules::name.eq("duty_check")))
            .set(modules::status.eq("disabled"))
            .execute(conn)
            .unwrap();
    });
    let form = s
        .client
        .get(&format!("/projects/{}/simulations/new", s.pid))
        .await;
    form.assert_contains("value=\"short_circuit\"");
    assert!(!form.body.contains("value=\"duty_check\""));
    let res = post_run(&s.client, s.pid, &[("simulation_type", "duty_check")]).await;
    assert_eq!(res.status, 422);
    res.assert_contains("its module “Equipment duty check” is disabled");
    let res = post_run(&s.client, s.pid, &[("simulation_type", "arc_flash")]).await;
    assert_eq!(res.status, 422);
    res.assert_contains("There is no such simulation type.");
    assert_eq!(simulation_count(&app), 0);
    // The enabled one runs; a duty check runs once its module is enabled again.
    let id = run_simulation(&s.client, s.pid, &[]).await;
    wait_finished(&s.client, id)
        .await
        .assert_contains("Completed");
    app.with_conn(|conn| {
        diesel::update(modules::table.filter(modules::name.eq("duty_check")))
            .set(modules::status.eq("enabled"))
            .execute(conn)
            .unwrap();
    });
    let duty = run_simulation(&s.client, s.pid, &[("simulation_type", "duty_check")]).await;
    let done = wait_finished(&s.client, duty).await;
    done.assert_contains("Duty check");
    assert_eq!(simulation_row(&app, duty).simulation_type, "duty_check");
}
on_both_databases!(only_enabled_modules_run);

async fn two_simulations_compare_bus_by_bus(app: TestApp) {
    let s = setup(&app, "Compare").await;
    // Version 2: a weaker grid and one more bus.
    let mut circuit = example_circuit();
    circuit["external_grids"][0]["s_sc_max_mva"] = serde_json::json!(2500);
    circuit["buses"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({"id": "NEW", "vn_kv": 20}));
    circuit["lines"]
        .as_array_mut()
        .unwrap()
        .push(serde_json::json!({
            "id": "L2", "from_bus": "MV", "to_bus": "NEW", "length_km": 1.0,
            "r_ohm_per_km": 0.2, "x_ohm_per_km": 0.1, "c_nf_per_km": 200
        }));
    save_version(&app, s.pid, s.user_id, &circuit);
    let old = run_simulation(&s.client, s.pid, &[]).await;
    wait_finished(&s.client, old).await;
    let new = run_simulation(&s.client, s.pid, &[("version", "2")]).await;
    let done = wait_finished(&s.client, new).await;
    // The picker offers the other completed simulation.
    done.assert_contains(&format!("<option value=\"{old}\">#{old}"));

    let res = s
        .client
        .get(&format!("/simulations/{new}/compare?with={old}"))
        .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.assert_contains("Added buses");
    res.assert_contains("<li>NEW</li>");
    assert!(!res.body.contains("Removed buses"));
    // Largest absolute change first, with the change in percent.
    let (ro, rn) = (stored(&app, old), stored(&app, new));
    let mut changes: Vec<(String, f64, f64)> = ro
        .results
        .buses
        .iter()
        .map(|b| {
            let n = rn.results.buses.iter().find(|x| x.id == b.id).unwrap();
            let (a, c) = (b.ikss_ka.unwrap(), n.ikss_ka.unwrap());
            (b.id.clone(), c - a, (c - a) / a * 100.0)
        })
        .collect();
    changes.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
    let positions: Vec<usize> = changes
        .iter()
        .map(|(id, _, _)| res.body.find(&format!("<tr data-row=\"{id}\"")).unwrap())
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "sorted by |change|"
    );
    let (top, _, pct) = &changes[0];
    let row = {
        let start = res.body.find(&format!("<tr data-row=\"{top}\"")).unwrap();
        &res.body[start..start + res.body[start..].find("</tr>").unwrap()]
    };
    assert!(row.contains(&format!("{pct:+.1} %")), "{row}");
    // The same pair from the other side; the old one stays old.
    let back = s
        .client
        .get(&format!("/simulations/{old}/compare?with={new}"))
        .await;
    assert_eq!(back.status, 200);
    back.assert_contains("<li>NEW</li>");
    // Not with itself from another project, nor without a partner.
    let other_project = project_with_circuit(&app, s.user_id, "Other study", &example_circuit());
    let elsewhere = run_simulation(&s.client, other_project, &[]).await;
    wait_finished(&s.client, elsewhere).await;
    let refused = s
        .client
        .get(&format!("/simulations/{new}/compare?with={elsewhere}"))
        .await;
    assert_eq!(refused.status, 409);
    refused.assert_contains("These two runs cannot be compared");
    refused.assert_contains("belongs to project");
    refused.assert_contains("Other study");
    assert_eq!(
        s.client
            .get(&format!("/simulations/{new}/compare"))
            .await
            .status,
        400
    );
}
on_both_databases!(two_simulations_compare_bus_by_bus);

async fn exports_are_attachments_with_safe_csv(app: TestApp) {
    let (client, account) = signed_up(&app, "Export").await;
    let me = user_by_login(&app, &account.email);
    // A bus id that a spreadsheet would take for a formula, and a name with a comma and quotes.
    let text = example_circuit().to_string().replace("\"LV\"", "\"=LV\"");
    let mut circuit: serde_json::Value = serde_json::from_str(&text).unwrap();
    circuit["buses"][0]["name"] = serde_json::json!("110 kV, \"main\" busbar");
    let project_id = project_with_circuit(&app, me.id, "Export study", &circuit);
    let id = run_simulation(&client, project_id, &[]).await;
    wait_finished(&client, id).await;

    let csv = client.get(&format!("/simulations/{id}/export.csv")).await;
    assert_eq!(csv.status, 200);
    assert_eq!(csv.header("content-type"), Some("text/csv; charset=utf-8"));
    assert_eq!(
        csv.header("content-disposition"),
        Some(format!("attachment; filename=\"simulation-{id}.csv\"").as_str())
    );
    let all: Vec<&str> = csv.body.lines().collect();
    assert!(all[0].starts_with("# project: Export study"), "{}", all[0]);
    let lines: Vec<&str> = all.into_iter().filter(|l| !l.starts_with("# ")).collect();
    assert!(
        lines[0].starts_with(
            "bus_id,bus,Un (kV),Ik'' (kA),Sk'' (MVA),ip (kA),Ib (kA),Ik (kA),Ith (kA)"
        ),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 1 + 6);
    assert!(
        lines[1].starts_with("HV,\"110 kV, \"\"main\"\" busbar\",110,"),
        "{}",
        lines[1]
    );
    let lv = lines.iter().find(|l| l.contains("LV,")).unwrap();
    assert!(lv.starts_with("'=LV,"), "formula guarded: {lv}");
    // Full-precision numbers that read back as the stored values.
    let r = stored(&app, id);
    let ikss_hv = r.results.buses[0].ikss_ka.unwrap();
    assert!(
        lines[1].contains(&format!(",{ikss_hv},")),
        "{} {ikss_hv}",
        lines[1]
    );

    let duty = client
        .get(&format!("/simulations/{id}/export.csv?table=duty"))
        .await;
    assert_eq!(duty.status, 200);
    assert!(
        duty.body
            .contains("\nbreaker_id,breaker,bus_id,bus,Ik'' (kA),Ib (kA),")
    );
    assert!(duty.body.contains("CB1,CB1,MV,20 kV busbar,"));
    assert_eq!(
        duty.header("content-disposition"),
        Some(format!("attachment; filename=\"simulation-{id}-duty.csv\"").as_str())
    );
    let branches = client
        .get(&format!("/simulations/{id}/export.csv?table=branches"))
        .await;
    assert!(
        branches
            .body
            .contains("\nkind,branch_id,branch,from_bus (HV),to_bus (MV)")
    );
    assert!(
        branches.body.contains("Transformer,T2,T2,F1,'=LV,"),
        "{}",
        branches.body
    );
    assert_eq!(
        client
            .get(&format!("/simulations/{id}/export.csv?table=secrets"))
            .await
            .status,
        400
    );

    let json = client.get(&format!("/simulations/{id}/export.json")).await;
    assert_eq!(json.status, 200);
    assert_eq!(
        json.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert_eq!(
        json.header("content-disposition"),
        Some(format!("attachment; filename=\"simulation-{id}.json\"").as_str())
    );
    let doc: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(doc["simulation"]["id"], id);
    assert_eq!(doc["simulation"]["status"], "completed");
    assert_eq!(doc["simulation"]["circuit_version"], 1);
    assert_eq!(doc["result"]["format"], "ampflux-simulation-result");
    assert_eq!(
        doc["result"]["results"]["buses"].as_array().unwrap().len(),
        6
    );
    assert_eq!(doc["result"]["results"]["buses"][5]["id"], "=LV");
    // The page escapes the ids too.
    let page = client.get(&format!("/simulations/{id}")).await;
    page.assert_contains("<tr data-row=\"=LV\"");
    page.assert_contains("<th scope=\"row\">=LV</th>");
    page.assert_contains("110 kV, &#34;main&#34; busbar");
}
on_both_databases!(exports_are_attachments_with_safe_csv);

async fn readers_read_runners_run_strangers_see_nothing(app: TestApp) {
    let s = setup(&app, "Perm").await;
    let id = run_simulation(&s.client, s.pid, &[]).await;
    wait_finished(&s.client, id).await;
    let second = run_simulation(&s.client, s.pid, &[]).await;
    wait_finished(&s.client, second).await;
    let pid = s.pid;
    let read_routes = vec![
        format!("/projects/{pid}/simulations"),
        format!("/simulations/{id}"),
        format!("/simulations/{id}/status"),
        format!("/simulations/{id}/compare?with={second}"),
        format!("/simulations/{id}/export.csv"),
        format!("/simulations/{id}/export.json"),
    ];

    // A reviewer reads everything but cannot run: 403, recorded.
    let (reviewer, _) = signed_in(&app, s.company_id, "rita-reviewer", "reviewer").await;
    for path in &read_routes {
        let res = reviewer.get(path).await;
        assert_eq!(res.status, 200, "reviewer GET {path}");
    }
    let list = reviewer.get(&format!("/projects/{pid}/simulations")).await;
    assert!(
        !list.body.contains("Run a simulation"),
        "no form for readers"
    );
    assert_eq!(
        reviewer
            .get(&format!("/projects/{pid}/simulations/new"))
            .await
            .status,
        403
    );
    let before = simulation_count(&app);
    let res = reviewer
        .post(&format!("/projects/{pid}/simulations"), &run_fields(&[]))
        .await;
    assert_eq!(res.status, 403);
    assert_eq!(simulation_count(&app), before);
    let denied: Vec<_> = audit_entries(&app, s.company_id, "simulation.run")
        .into_iter()
        .filter(|e| e.log.outcome == "failure")
        .collect();
    assert_eq!(denied.len(), 1);
    assert_eq!(denied[0].log.project_id, Some(pid));
    assert_eq!(denied[0].log.details["denied"], "run");

    // An engineer who is not a member: nothing exists.
    let (engineer, eng_id) = signed_in(&app, s.company_id, "eddie-engineer", "engineer").await;
    for path in &read_routes {
        assert_eq!(
            engineer.get(path).await.status,
            404,
            "non-member GET {path}"
        );
    }
    let res = engineer
        .post(&format!("/projects/{pid}/simulations"), &run_fields(&[]))
        .await;
    assert_eq!(res.status, 404);
    // As a viewer member: reads, cannot run. As an editor: runs.
    add_member(&app, pid, eng_id, "viewer");
    assert_eq!(
        engineer.get(&format!("/simulations/{id}")).await.status,
        200
    );
    let res = engineer
        .post(&format!("/projects/{pid}/simulations"), &run_fields(&[]))
        .await;
    assert_eq!(res.status, 403);
    app.with_conn(|conn| {
        diesel::update(
            project_members::table
                .filter(project_members::project_id.eq(pid))
                .filter(project_members::user_id.eq(eng_id)),
        )
        .set(project_members::role.eq("editor"))
        .execute(conn)
        .unwrap();
    });
    let mine = run_simulation(&engineer, pid, &[]).await;
    wait_finished(&engineer, mine)
        .await
        .assert_contains("Completed");
    let done = audit_entries(&app, s.company_id, "simulation.complete");
    assert!(
        done.iter()
            .any(|e| e.log.entity_id == Some(mine) && e.log.user_id == Some(eng_id))
    );

    // Another company: 404 on every route, the run included.
    let (stranger, _) = signed_up(&app, "Stranger").await;
    let mut all = read_routes.clone();
    all.extend([
        format!("/projects/{pid}/simulations/new"),
        format!("/simulations/{id}/buses?sort=ikss"),
        format!("/simulations/{id}/export.csv?table=duty"),
    ]);
    for path in &all {
        assert_eq!(stranger.get(path).await.status, 404, "stranger GET {path}");
        assert_eq!(
            stranger.get_htmx(path).await.status,
            404,
            "stranger htmx GET {path}"
        );
    }
    let res = stranger
        .post(&format!("/projects/{pid}/simulations"), &run_fields(&[]))
        .await;
    assert_eq!(res.status, 404);
    // And their own simulation cannot be compared with ours.
    let me = user_by_login(&app, "stranger@example.com");
    let theirs = project_with_circuit(&app, me.id, "Theirs", &example_circuit());
    let their_sim = run_simulation(&stranger, theirs, &[]).await;
    wait_finished(&stranger, their_sim).await;
    assert_eq!(
        stranger
            .get(&format!("/simulations/{their_sim}/compare?with={id}"))
            .await
            .status,
        404
    );
}
on_both_databases!(readers_read_runners_run_strangers_see_nothing);

/// Inserts a simulation whose job is held by a worker that is about to "die" (a lease of an
/// hour, ended by [`expire_lease`]), with `max_attempts`, in one transaction so the real
/// workers never see it unclaimed or with another number of attempts.
fn queue_claimed_by_dead_worker(
    app: &TestApp,
    s: &Setup,
    max_attempts: i32,
) -> (sims::Simulation, job::Job) {
    app.with_conn(|conn| {
        let v1 = version_id(conn, s.pid, 1);
        ampflux::db::write_tx(conn, |conn| {
            let (sim, j) = sims::create_with_job(
                conn,
                NewSimulation {
                    project_id: s.pid,
                    circuit_version_id: v1,
                    simulation_type: "short_circuit".into(),
                    options: serde_json::to_value(ScOptions::default()).unwrap(),
                    simulated_by: s.user_id,
                },
            )?;
            let t = ampflux::util::now();
            let claimed = diesel::update(jobs::table.find(j.id))
                .set((
                    jobs::status.eq("running"),
                    jobs::attempts.eq(1),
                    jobs::max_attempts.eq(max_attempts),
                    jobs::locked_by.eq(Some("dead-worker")),
                    jobs::locked_until.eq(Some(t + chrono::Duration::hours(1))),
                    jobs::started_at.eq(Some(t)),
                ))
                .returning(jobs::all_columns)
                .get_result::<job::Job>(conn)?;
            Ok::<_, diesel::result::Error>((sim, claimed))
        })
        .unwrap()
    })
}

/// The dead worker's lease ends now (as if its hour had passed).
fn expire_lease(app: &TestApp, job_id: i64) {
    app.with_conn(|conn| {
        let changed = diesel::update(jobs::table.find(job_id))
            .filter(jobs::locked_by.eq("dead-worker"))
            .set(jobs::locked_until.eq(Some(ampflux::util::now() - chrono::Duration::seconds(1))))
            .execute(conn)
            .unwrap();
        assert_eq!(changed, 1, "job {job_id} still held by the dead worker");
    });
}

async fn wait_job(app: &TestApp, id: i64, status: &str) -> job::Job {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let j = app.with_conn(|conn| job::find(conn, id).unwrap().unwrap());
        if j.status == status {
            return j;
        }
        assert!(
            Instant::now() < deadline,
            "job {id} is {} (waiting for {status})",
            j.status
        );
        actix_rt::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn a_dead_workers_simulation_finishes_exactly_once(app: TestApp) {
    let s = setup(&app, "Lease").await;

    // 1. The worker died before running the handler: the job is taken over when the lease
    // expires and the simulation completes.
    let (sim, j) = queue_claimed_by_dead_worker(&app, &s, 3);
    app.with_conn(|conn| assert!(sims::mark_running(conn, sim.id).unwrap()));
    expire_lease(&app, j.id);
    let taken = wait_job(&app, j.id, "completed").await;
    assert_eq!(taken.attempts, 2, "the second attempt, by a live worker");
    assert_ne!(taken.locked_by.as_deref(), Some("dead-worker"));
    assert_eq!(simulation_row(&app, sim.id).status, "completed");
    app.with_conn(|conn| {
        assert!(
            !job::complete(conn, j.id, "dead-worker", serde_json::json!({})).unwrap(),
            "the dead worker lost the job"
        );
    });

    // 2. The worker finished the simulation but died before recording the job: the live
    // worker that takes the job over finds the simulation done and changes nothing.
    let (sim2, j2) = queue_claimed_by_dead_worker(&app, &s, 3);
    app.with_conn(|conn| {
        let out = ampflux::jobs::simulation::run(conn, &j2).expect("the handler runs");
        assert_eq!(out["status"], "completed");
        // Running it again (as a duplicate would) is a no-op.
        let again = ampflux::jobs::simulation::run(conn, &j2).unwrap();
        assert_eq!(again["ran"], false);
    });
    let completed_at = simulation_row(&app, sim2.id).completed_at;
    expire_lease(&app, j2.id);
    let taken = wait_job(&app, j2.id, "completed").await;
    assert_eq!(taken.attempts, 2);
    assert_eq!(taken.result.unwrap().0["ran"], false);
    let sim2_now = simulation_row(&app, sim2.id);
    assert_eq!(sim2_now.status, "completed");
    assert_eq!(sim2_now.completed_at, completed_at, "not completed twice");

    // Exactly one completion entry per simulation.
    let completes = audit_entries(&app, s.company_id, "simulation.complete");
    for id in [sim.id, sim2.id] {
        assert_eq!(
            completes
                .iter()
                .filter(|e| e.log.entity_id == Some(id))
                .count(),
            1,
            "simulation {id}"
        );
    }
    assert_eq!(completes.len(), 2);
    // The page shows the results.
    let page = s.client.get(&format!("/simulations/{}", sim2.id)).await;
    page.assert_contains("Completed");
    page.assert_contains("Findings");
}
on_both_databases!(a_dead_workers_simulation_finishes_exactly_once);

async fn a_job_lost_on_its_last_attempt_fails_the_simulation(app: TestApp) {
    let s = setup(&app, "Lost").await;
    let (sim, j) = queue_claimed_by_dead_worker(&app, &s, 1);
    expire_lease(&app, j.id);
    // The live workers mark the job failed once the lease is over (it has no attempts left).
    wait_job(&app, j.id, "failed").await;
    let page = s.client.get(&format!("/simulations/{}", sim.id)).await;
    page.assert_contains("Failed");
    page.assert_contains("The simulation could not be run");
    assert!(!page.body.contains("hx-trigger=\"load"));
    assert_eq!(simulation_row(&app, sim.id).status, "failed");
    assert_eq!(
        audit_entries(&app, s.company_id, "simulation.fail").len(),
        1
    );
}
on_both_databases!(a_job_lost_on_its_last_attempt_fails_the_simulation);

async fn a_thousand_bus_result_is_quick_to_show(app: TestApp) {
    let (client, account) = signed_up(&app, "Large").await;
    let me = user_by_login(&app, &account.email);
    let circuit = serde_json::to_value(sc::synthetic::network(1000, true, 7)).unwrap();
    let project_id = project_with_circuit(&app, me.id, "Large study", &circuit);
    let clicked = Instant::now();
    // Without branch currents: they cost one solve per bus, slow in a debug build (the release
    // figures with them are in the report).
    let id = run_simulation(&client, project_id, &[("branch_results", "no")]).await;
    wait_finished(&client, id).await;
    let computed = clicked.elapsed();
    let shown = Instant::now();
    let page = client.get(&format!("/simulations/{id}")).await;
    let page_time = shown.elapsed();
    let sorted = Instant::now();
    let fragment = client
        .get_htmx(&format!("/simulations/{id}/buses?sort=bus&dir=asc"))
        .await;
    let sort_time = sorted.elapsed();
    eprintln!(
        "1000 buses: click to finished {computed:?} (engine {} ms), results page {page_time:?} ({} kB), sorted table {sort_time:?}",
        stored(&app, id).duration_ms,
        page.body.len() / 1024
    );
    assert_eq!(page.status, 200);
    // The worst 50 buses first, the rest a page at a time.
    assert_eq!(page.body.matches("<tr data-row=").count(), 50);
    page.assert_contains("Buses 1–50 of 1,000, page 1 of 20.");
    page.assert_contains(&format!(
        "href=\"/simulations/{id}?sort=ikss&#38;dir=desc&#38;page=2#buses\""
    ));
    assert_eq!(fragment.status, 200);
    let mut seen = std::collections::HashSet::new();
    for n in 1..=20 {
        let part = client
            .get_htmx(&format!(
                "/simulations/{id}/buses?sort=bus&dir=asc&page={n}"
            ))
            .await;
        assert_eq!(part.status, 200);
        assert!(part.body.trim_start().starts_with("<div id=\"bus-table\""));
        part.assert_contains(&format!("page {n} of 20."));
        for row in part.body.split("<tr data-row=\"").skip(1) {
            let id = row.split('"').next().unwrap().to_string();
            assert!(seen.insert(id), "a bus on two pages");
        }
        assert_eq!(part.body.contains("rel=\"next\""), n < 20, "page {n}");
        assert_eq!(part.body.contains("rel=\"prev\""), n > 1, "page {n}");
    }
    assert_eq!(seen.len(), 1000, "every bus on exactly one page");
    // Past the end is the last page; nonsense is the first.
    client
        .get_htmx(&format!("/simulations/{id}/buses?page=999"))
        .await
        .assert_contains("Buses 951–1,000 of 1,000, page 20 of 20.");
    client
        .get(&format!("/simulations/{id}?page=lots"))
        .await
        .assert_contains("Buses 1–50 of 1,000, page 1 of 20.");
    // Too large for one diagram: the neighbourhood of the highest Ik'' (the 110 kV infeed),
    // or of a chosen bus.
    page.assert_contains("more than the 300 drawn at once");
    page.assert_contains("Around bus “HV” (2 branches)");
    page.assert_contains(&format!(
        "href=\"/simulations/{id}?bus=HV&#38;depth=2#diagram\""
    ));
    page.assert_contains("1000 buses match; the first 50 are listed");
    let around = client
        .get(&format!("/simulations/{id}?bus=B5&depth=1"))
        .await;
    around.assert_contains("Around bus “B5” (1 branch)");
    around.assert_contains("data-bus=\"B5\"");
    // Times are printed, not asserted: the release figures are in docs/PERFORMANCE.md.
    let _ = (computed, page_time);
}
on_both_databases!(a_thousand_bus_result_is_quick_to_show);

/// A project created empty has a version with no bus: a run of it fails with the validator's
/// words, and every page of the failed simulation answers.
async fn an_empty_circuit_fails_readably(app: TestApp) {
    let (c, _) = signed_up(&app, "Empty").await;
    let pid = create_project(&c, "Empty study", &[("start", "empty")]).await;
    let id = run_simulation(&c, pid, &[]).await;
    let sim = format!("/simulations/{id}");
    // Pages of a pending simulation.
    for path in [
        sim.clone(),
        format!("{sim}/export.json"),
        format!("{sim}/status"),
    ] {
        let res = c.get(&path).await;
        assert_eq!(res.status, 200, "{path}");
    }
    for path in [format!("{sim}/export.csv"), format!("{sim}/compare?with=1")] {
        let res = c.get(&path).await;
        assert!(matches!(res.status, 404 | 409), "{path}: {}", res.status);
    }
    wait_finished(&c, id).await.assert_contains("no bus");
    for path in [sim.clone(), format!("{sim}/export.json")] {
        assert_eq!(c.get(&path).await.status, 200, "{path}");
    }
    assert_eq!(c.get_htmx(&format!("{sim}/buses")).await.status, 409);
    assert_eq!(c.get(&format!("{sim}/export.csv")).await.status, 409);
    let failed: i64 = app.with_conn(|conn| {
        simulations::table
            .filter(simulations::status.eq("failed"))
            .count()
            .get_result(conn)
            .unwrap()
    });
    assert_eq!(failed, 1);
}
on_both_databases!(an_empty_circuit_fails_readably);

async fn absurd_run_options_are_refused(app: TestApp) {
    let s = setup(&app, "Options").await;
    let (c, pid) = (&s.client, s.pid);
    c.get(&format!("/projects/{pid}/simulations")).await;
    let long = "B".repeat(100_000);
    let many = vec!["MV"; 2000].join(",");
    let cases: Vec<(&str, &str)> = vec![
        ("tk_s", "NaN"),
        ("tk_s", "inf"),
        ("tk_s", "1e400"),
        ("tk_s", "-1"),
        ("tk_s", "1e-400"),
        ("tmin_s", "Infinity"),
        ("tmin_s", "0"),
        ("r_fault_ohm", "-0.1"),
        ("x_fault_ohm", "1e308"),
        ("r_fault_ohm", "0x10"),
        ("lv_tol_percent", "7"),
        ("kappa_method", "Z"),
        ("fault", "4ph"),
        ("case", "avg"),
        ("simulation_type", "../../etc/passwd"),
        ("version", "-1"),
        ("version", "99999999999"),
        ("version", "1e3"),
        ("version", "٣"),
        ("buses", "no-such-bus"),
        ("buses", "MV,\u{0}"),
        ("buses", &long),
        ("buses", &many),
        ("branch_results", "maybe"),
    ];
    for (field, value) in cases {
        let fields = run_fields(&[(field, value)]);
        let res = c
            .post(&format!("/projects/{pid}/simulations"), &fields)
            .await;
        assert_eq!(res.status, 422, "{field}={value:.40}: {}", res.status);
    }
    let n: i64 = app.with_conn(|conn| simulations::table.count().get_result(conn).unwrap());
    assert_eq!(n, 0);
    // Forms in the address: unknown values are ignored or refused, never an error.
    for path in [
        "/simulations/new?version=-5&type=%3Cscript%3E",
        "/simulations/new?version=abc",
        "/simulations?page=abc",
        "/versions/0",
        "/versions/-1",
        "/versions/99999999999",
        "/diff?from=v1&to=draft",
        "/diff?from=1e9&to=%F0%9F%98%80",
        "/editor?all=%00&depth=-9999999999999999999&bus=..",
    ] {
        let status = c.get(&format!("/projects/{pid}{path}")).await.status;
        assert!(matches!(status, 200 | 400 | 404 | 422), "{path}: {status}");
    }
}
on_both_databases!(absurd_run_options_are_refused);
