//! Complete results (issue 12 items 3 and 5): the bus table's columns with units and names,
//! sorting by the new columns, branch and duty tables by name, findings that name the rating
//! they are against, the CSV header block, and compare (ordered by time, by name, with the
//! versions' element diff, and the reasons two runs cannot be compared).

use crate::common::*;
use crate::on_both_databases;
use ampflux::models::simulation as sims;

fn stored(app: &TestApp, id: i64) -> sims::StoredResult {
    app.with_conn(|conn| {
        let v = sims::result_json(conn, id).unwrap().expect("result");
        serde_json::from_value(v.0).expect("stored result format")
    })
}

/// The `<tr>` … `</tr>` that starts with `start`.
fn row_from<'a>(page: &'a str, start: &str) -> &'a str {
    let at = page
        .find(start)
        .unwrap_or_else(|| panic!("no {start} in the page"));
    let end = page[at..].find("</tr>").expect("row end") + at;
    &page[at..end]
}

async fn the_results_page_shows_every_quantity_by_name(app: TestApp) {
    let s = setup(&app, "Columns").await;
    let id = run_simulation(&s.client, s.pid, &[]).await;
    wait_finished(&s.client, id).await;
    let page = s.client.get(&format!("/simulations/{id}")).await;
    assert_eq!(page.status, 200);
    // Every column with its unit.
    for head in [
        "Ik&#39;&#39; (kA)",
        "Sk&#39;&#39; (MVA)",
        "ip (kA)",
        "Ib (kA)",
        "Ik (kA)",
        "Ith (kA)",
        "κ",
        "R/X",
        "Zk (Ω)",
    ] {
        page.assert_contains(&format!("{head}</a></th>"));
    }
    // A three-phase fault has no zero-sequence column.
    assert!(!page.body.contains("Z(0)k (Ω)</a>"));
    // Buses by name; the id only where there is no name.
    let r = stored(&app, id);
    let hv = row_from(&page.body, "<tr data-row=\"HV\"");
    assert!(hv.contains("<th scope=\"row\">110 kV busbar</th>"), "{hv}");
    let b = r.results.buses.iter().find(|b| b.id == "HV").unwrap();
    for v in [b.ib_ka, b.kappa, b.rx, b.zk_ohm] {
        let text = ampflux::report::format::sig(v.expect("value"));
        assert!(hv.contains(&format!(">{text}<")), "{text} not in {hv}");
    }
    assert!(!page.body.contains("<th scope=\"row\">HV</th>"));
    page.assert_contains("<th scope=\"row\">MV2</th>");
    // The example's generator carries xdsat_pu and excitation: Ik (clause 10) at every bus,
    // in its column, and no note about a missing Ik.
    assert!(r.results.buses.iter().all(|b| b.ik_ka.is_some()));
    let ik = ampflux::report::format::sig(b.ik_ka.expect("Ik"));
    assert!(hv.contains(&format!(">{ik}<")), "{ik} not in {hv}");
    assert!(!page.body.contains("λ method of IEC 60909-0 clause 10"));
    page.assert_contains("Ib is the symmetrical breaking current for tmin = 0.1 s");
    // Branch table: names and both ends by bus name.
    let t1 = row_from(&page.body, "<tr><th scope=\"row\">T1</th>");
    assert!(
        t1.contains("<td>110 kV busbar</td><td>20 kV busbar</td>"),
        "{t1}"
    );
    // Duty table: the breaker's bus by name.
    let cb = row_from(&page.body, "<th scope=\"row\">CB1</th>");
    assert!(cb.contains("<td>20 kV busbar</td>"), "{cb}");
    // Findings name the rating they are against; lines without a short-time rating are "not
    // checked"; no fixed threshold.
    // (the example's breaker is loaded most by its making current; its breaking rating sets
    // the threshold of its level)
    page.assert_contains("CB1 at bus 20 kV busbar: ip ");
    page.assert_contains("of its rated making current 40 kA");
    page.assert_contains("of the lowest rated breaking current, 16 kA of CB1");
    page.assert_contains("Lines and cables not checked for short-circuit withstand");
    assert!(!page.body.contains("above 40 kA"), "no fixed threshold");

    // Sorting by a new column, as a page and as the htmx fragment.
    let mut by_ib: Vec<&ampflux::sc::results::BusResult> = r.results.buses.iter().collect();
    by_ib.sort_by(|a, b| a.ib_ka.unwrap().total_cmp(&b.ib_ka.unwrap()));
    for sorted in [
        s.client
            .get(&format!("/simulations/{id}?sort=ib&dir=asc"))
            .await,
        s.client
            .get_htmx(&format!("/simulations/{id}/buses?sort=ib&dir=asc"))
            .await,
    ] {
        assert_eq!(sorted.status, 200);
        let positions: Vec<usize> = by_ib
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
            "rows in Ib order"
        );
        sorted.assert_contains("Sorted by Ib (kA), ascending.");
    }
    // By name: "110 kV busbar" < "20 kV busbar" < "F1" < "G" < "LV" < "MV2".
    let by_name = s
        .client
        .get_htmx(&format!("/simulations/{id}/buses?sort=bus&dir=asc"))
        .await;
    let order: Vec<usize> = ["HV", "MV", "F1", "G", "LV", "MV2"]
        .iter()
        .map(|b| by_name.body.find(&format!("<tr data-row=\"{b}\"")).unwrap())
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "rows in name order");

    // JSON keeps full precision.
    let json = s
        .client
        .get(&format!("/simulations/{id}/export.json"))
        .await;
    let doc: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(
        doc["result"]["results"]["buses"][0]["ib_ka"].as_f64(),
        r.results.buses[0].ib_ka
    );
}
on_both_databases!(the_results_page_shows_every_quantity_by_name);

async fn findings_name_the_breaker_rating_they_are_against(app: TestApp) {
    let s = setup(&app, "Ratings").await;
    // A breaker rated below the fault level at its bus.
    let mut circuit = example_circuit();
    circuit["switches"][0]["rated_ib_ka"] = serde_json::json!(2);
    circuit["switches"][0]["name"] = serde_json::json!("CB-3");
    save_version(&app, s.pid, s.user_id, &circuit);
    let id = run_simulation(&s.client, s.pid, &[("version", "2")]).await;
    wait_finished(&s.client, id).await;
    let page = s.client.get(&format!("/simulations/{id}")).await;
    let r = stored(&app, id);
    let d = &r.results.duty[0];
    let want = format!(
        "CB-3 at bus 20 kV busbar: Ib {} kA &#62; rated breaking current 2 kA",
        ampflux::report::format::sig(d.ib_ka.unwrap())
    );
    page.assert_contains(&want);
}
on_both_databases!(findings_name_the_breaker_rating_they_are_against);

async fn csv_exports_carry_a_header_block(app: TestApp) {
    let s = setup(&app, "Header").await;
    let id = run_simulation(&s.client, s.pid, &[("tk_s", "0.5"), ("tmin_s", "0.05")]).await;
    wait_finished(&s.client, id).await;
    let csv = s.client.get(&format!("/simulations/{id}/export.csv")).await;
    assert_eq!(csv.status, 200);
    let r = stored(&app, id);
    let head: Vec<&str> = csv
        .body
        .lines()
        .take_while(|l| l.starts_with("# "))
        .collect();
    for want in [
        "# project: Header substation".to_string(),
        format!("# simulation: #{id} (short circuit)"),
        "# version: 1 of circuit".to_string(),
        format!("# version hash: {}", r.circuit.content_hash),
        "# standard: IEC 60909-0:2016".to_string(),
        "# fault: three-phase (3ph)".to_string(),
        "# case: maximum".to_string(),
        "# c factors: cmax = 1.10 above 1 kV; 1.10 up to 1 kV (LV tolerance 10 %)".to_string(),
        "# kappa method: C".to_string(),
        "# tk: 0.5 s".to_string(),
        "# tmin: 0.05 s".to_string(),
        "# date: ".to_string(),
    ] {
        assert!(
            head.iter().any(|l| l.starts_with(&want)),
            "{want} not in {head:?}"
        );
    }
    let columns = csv.body.lines().nth(head.len()).unwrap();
    assert!(
        columns.starts_with("bus_id,bus,Un (kV),Ik'' (kA),Sk'' (MVA),ip (kA),Ib (kA),Ik (kA),Ith (kA),kappa,R/X,Zk (ohm)"),
        "{columns}"
    );
    assert!(csv.body.contains("\nHV,110 kV busbar,110,"), "{}", csv.body);
}
on_both_databases!(csv_exports_carry_a_header_block);

async fn compare_orders_by_time_names_buses_and_explains_with_the_diff(app: TestApp) {
    let s = setup(&app, "Explain").await;
    let old = run_simulation(&s.client, s.pid, &[]).await;
    wait_finished(&s.client, old).await;
    // Version 2: a second transformer in parallel with T1 raises the MV fault level.
    let mut circuit = example_circuit();
    let mut t3 = circuit["transformers"][0].clone();
    t3["id"] = serde_json::json!("T3");
    t3["name"] = serde_json::json!("Grid transformer 2");
    circuit["transformers"].as_array_mut().unwrap().push(t3);
    save_version(&app, s.pid, s.user_id, &circuit);
    let new = run_simulation(&s.client, s.pid, &[("version", "2")]).await;
    wait_finished(&s.client, new).await;
    // Asked from the newer run's page or the older one's: the older is "before".
    for (from, with) in [(new, old), (old, new)] {
        let res = s
            .client
            .get(&format!("/simulations/{from}/compare?with={with}"))
            .await;
        assert_eq!(res.status, 200, "{}", res.body);
        let before = res.body.find("Before (older run)").unwrap();
        let after = res.body.find("After (newer run)").unwrap();
        let old_link = res
            .body
            .find(&format!("<a href=\"/simulations/{old}\">#{old}"))
            .unwrap();
        let new_link = res
            .body
            .find(&format!("<a href=\"/simulations/{new}\">#{new}"))
            .unwrap();
        assert!(before < old_link && old_link < after && after < new_link);
        // Four quantities, by name.
        for q in ["Ik'' (kA)", "ip (kA)", "Ib (kA)", "Ith (kA)"] {
            res.assert_contains(&format!("<th scope=\"colgroup\" colspan=\"3\">{q}</th>"));
        }
        let mv = row_from(&res.body, "<tr data-row=\"MV\"");
        assert!(mv.contains("<th scope=\"row\">20 kV busbar</th>"), "{mv}");
        assert!(mv.contains("trend-up"), "{mv}");
        // The element diff next to the result change.
        res.assert_contains("transformer Grid transformer 2 was added");
        res.assert_contains("after transformer Grid transformer 2 was added in version 2 (compared with version 1).");
        res.assert_contains("Ik&#39;&#39; rose");
    }
    let (ro, rn) = (stored(&app, old), stored(&app, new));
    let ik = |r: &sims::StoredResult| {
        r.results
            .buses
            .iter()
            .find(|b| b.id == "MV")
            .unwrap()
            .ikss_ka
            .unwrap()
    };
    assert!(ik(&rn) > ik(&ro));
}
on_both_databases!(compare_orders_by_time_names_buses_and_explains_with_the_diff);

async fn compare_explains_why_two_runs_cannot_be_compared(app: TestApp) {
    let s = setup(&app, "Refuse").await;
    let max = run_simulation(&s.client, s.pid, &[]).await;
    wait_finished(&s.client, max).await;
    let min = run_simulation(&s.client, s.pid, &[("case", "min"), ("fault", "2ph")]).await;
    wait_finished(&s.client, min).await;
    // The results page offers only runs it can be compared with.
    let page = s.client.get(&format!("/simulations/{max}")).await;
    assert!(
        !page.body.contains(&format!("<option value=\"{min}\"")),
        "a 2ph min run offered to compare with a 3ph max run"
    );
    page.assert_contains("No other completed simulation of this project to compare with");
    let res = s
        .client
        .get(&format!("/simulations/{max}/compare?with={min}"))
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains("These two runs cannot be compared");
    res.assert_contains("currents of different fault types are not comparable");
    res.assert_contains("maximum and minimum currents answer different questions");
    res.assert_contains(&format!("Back to simulation #{max}"));
    // With itself.
    let res = s
        .client
        .get(&format!("/simulations/{max}/compare?with={max}"))
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains(&format!("Both sides are simulation #{max}"));
    // A run that is not finished.
    // A run that is not finished (its job scheduled later, so it stays pending).
    let pending = app.with_conn(|conn| {
        use ampflux::db::schema::jobs;
        use diesel::prelude::*;
        let v1 = version_id(conn, s.pid, 1);
        ampflux::db::write_tx(conn, |conn| {
            let (sim, j) = sims::create_with_job(
                conn,
                sims::NewSimulation {
                    project_id: s.pid,
                    circuit_version_id: v1,
                    simulation_type: "short_circuit".into(),
                    options: serde_json::to_value(ampflux::sc::ScOptions::default()).unwrap(),
                    simulated_by: s.user_id,
                },
            )?;
            diesel::update(jobs::table.find(j.id))
                .set(jobs::scheduled_at.eq(ampflux::util::now() + chrono::Duration::hours(1)))
                .execute(conn)?;
            Ok::<_, diesel::result::Error>(sim.id)
        })
        .unwrap()
    });
    let res = s
        .client
        .get(&format!("/simulations/{max}/compare?with={pending}"))
        .await;
    assert_eq!(res.status, 409);
    res.assert_contains(&format!("Simulation #{pending} is "));
    res.assert_contains("only completed runs have results to compare");
}
on_both_databases!(compare_explains_why_two_runs_cannot_be_compared);
