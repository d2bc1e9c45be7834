//! The element kinds beyond lines, transformers and machines in the editor over HTTP: tables for
//! series impedances, storage units, shunts, ward and extended ward equivalents, the new fields
//! of static generators, switches and transformers, their checks beside the rows, renames,
//! the version diff and the element counts.

use crate::common::*;
use crate::on_both_databases;
use serde_json::json;

async fn add(c: &Client, pid: i64, kind: &str, fields: &[(&str, &str)]) -> Resp {
    let res = hx(c, &format!("/projects/{pid}/editor/{kind}/rows"), fields).await;
    assert_eq!(res.status, 200, "{kind}: {}", res.body);
    res.assert_contains(&format!("id=\"section-{kind}\""));
    res
}

async fn new_element_tables_through_http(app: TestApp) {
    let s = setup(&app, "Equivalents").await;
    let (c, pid) = (&s.client, s.pid);
    let page = open_editor(c, pid).await;
    for text in [
        "Series impedances",
        "Storage units",
        "Shunts",
        "Ward equivalents",
        "Extended ward equivalents",
        "[p.u.]",
        "[Mvar]",
        "[MWh]",
        "name=\"generator_type\"",
    ] {
        page.assert_contains(text);
    }

    add(
        c,
        pid,
        "buses",
        &[("id", "B9"), ("vn_kv", "20"), ("in_service", "true")],
    )
    .await;
    add(
        c,
        pid,
        "impedances",
        &[
            ("id", "Z1"),
            ("from_bus", "MV"),
            ("to_bus", "B9"),
            ("sn_mva", "10"),
            ("rft_pu", "0.02"),
            ("xft_pu", "0.08"),
            ("rft0_pu", "0.06"),
            ("xft0_pu", "0.24"),
            ("in_service", "true"),
        ],
    )
    .await;
    add(
        c,
        pid,
        "wards",
        &[
            ("id", "W1"),
            ("bus", "B9"),
            ("pz_mw", "4"),
            ("qz_mvar", "-2.5"),
            ("in_service", "true"),
        ],
    )
    .await;
    add(
        c,
        pid,
        "xwards",
        &[
            ("id", "X1"),
            ("bus", "MV"),
            ("pz_mw", "2"),
            ("qz_mvar", "-4"),
            ("r_ohm", "2"),
            ("x_ohm", "6"),
            ("in_service", "true"),
        ],
    )
    .await;
    add(
        c,
        pid,
        "shunts",
        &[
            ("id", "R1"),
            ("bus", "MV"),
            ("q_mvar", "2"),
            ("step", "1"),
            ("max_step", "2"),
            ("in_service", "true"),
        ],
    )
    .await;
    add(
        c,
        pid,
        "storages",
        &[
            ("id", "BESS"),
            ("bus", "B9"),
            ("p_mw", "1"),
            ("max_e_mwh", "4"),
            ("in_service", "true"),
        ],
    )
    .await;
    add(
        c,
        pid,
        "static_generators",
        &[
            ("id", "WT1"),
            ("bus", "B9"),
            ("generator_type", "async"),
            ("sn_mva", "2.5"),
            ("lrc_pu", "5.5"),
            ("rx", "0.12"),
            ("in_service", "true"),
        ],
    )
    .await;
    // The breaker between the sections gets an impedance.
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/switches/rows/CB1"),
        &[
            ("id", "CB1"),
            ("bus", "MV"),
            ("element_kind", "bus"),
            ("element", "MV2"),
            ("closed", "true"),
            ("type", "CB"),
            ("rated_ib_ka", "16"),
            ("rated_ip_ka", "40"),
            ("z_ohm", "0.5"),
            ("in_service", "true"),
        ],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);

    let d = draft_json(&app, pid, s.user_id);
    let z = element(&d, "impedances", "Z1").unwrap();
    assert_eq!(
        (z["xft_pu"].clone(), z["rft0_pu"].clone()),
        (json!(0.08), json!(0.06))
    );
    assert_eq!(element(&d, "wards", "W1").unwrap()["qz_mvar"], json!(-2.5));
    assert_eq!(element(&d, "xwards", "X1").unwrap()["x_ohm"], json!(6.0));
    assert_eq!(element(&d, "shunts", "R1").unwrap()["max_step"], json!(2));
    assert_eq!(
        element(&d, "storages", "BESS").unwrap()["max_e_mwh"],
        json!(4.0)
    );
    let wt = element(&d, "static_generators", "WT1").unwrap();
    assert_eq!(
        (wt["generator_type"].clone(), wt["lrc_pu"].clone()),
        (json!("async"), json!(5.5))
    );
    assert_eq!(element(&d, "switches", "CB1").unwrap()["z_ohm"], json!(0.5));
    // The draft is a valid circuit, computed with the new elements.
    let circuit: ampflux::sc::Circuit = serde_json::from_value(d.clone()).unwrap();
    let r = ampflux::sc::calculate(&circuit, &ampflux::sc::ScOptions::default()).unwrap();
    assert!(r.buses.iter().any(|b| b.id == "B9" && b.ikss_ka.is_some()));
    open_editor(c, pid)
        .await
        .assert_contains("Checks: no problems found.");

    // A refused number names the field; a missing field of the generator type is a problem
    // beside the row.
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/impedances/rows"),
        &[
            ("id", "Z2"),
            ("from_bus", "MV"),
            ("to_bus", "B9"),
            ("sn_mva", "10"),
            ("rft_pu", "0.1"),
        ],
    )
    .await;
    assert_eq!(res.status, 422);
    res.assert_contains("Enter a value in p.u.");
    let res = add(
        c,
        pid,
        "static_generators",
        &[
            ("id", "WT2"),
            ("bus", "B9"),
            ("generator_type", "async_doubly_fed"),
            ("kappa", "1.7"),
            ("rx", "0.1"),
            ("in_service", "true"),
        ],
    )
    .await;
    res.assert_contains("required for generator_type async_doubly_fed");
    open_editor(c, pid)
        .await
        .assert_contains("static generator “WT2” · ik max (doubly fed)");
    hx(
        c,
        &format!("/projects/{pid}/editor/static_generators/rows/WT2/delete"),
        &[],
    )
    .await;

    // Renaming the bus follows it into the new kinds.
    let res = hx(
        c,
        &format!("/projects/{pid}/editor/buses/rows/B9"),
        &[("id", "PARK"), ("vn_kv", "20"), ("in_service", "true")],
    )
    .await;
    assert_eq!(res.status, 200, "{}", res.body);
    res.assert_contains("Renamed: 4 references to it updated.");
    let d = draft_json(&app, pid, s.user_id);
    assert_eq!(element(&d, "impedances", "Z1").unwrap()["to_bus"], "PARK");
    assert_eq!(element(&d, "wards", "W1").unwrap()["bus"], "PARK");
    assert_eq!(element(&d, "storages", "BESS").unwrap()["bus"], "PARK");
    assert_eq!(
        element(&d, "static_generators", "WT1").unwrap()["bus"],
        "PARK"
    );

    // Saved as version 2: the diff lists the new elements by kind, the overview counts them.
    c.post(
        &format!("/projects/{pid}/editor/save"),
        &[("message", "equivalents")],
    )
    .await
    .assert_redirect(&format!("/projects/{pid}/editor"));
    let diff = c.get(&format!("/projects/{pid}/diff?from=1&to=2")).await;
    assert_eq!(diff.status, 200, "{}", diff.body);
    for text in [
        "Series impedances",
        "<strong>Z1</strong>",
        "Ward equivalents",
        "<strong>W1</strong>",
        "Extended ward equivalents",
        "<strong>X1</strong>",
        "<strong>R1</strong>",
        "<strong>BESS</strong>",
        "<strong>WT1</strong>",
        "<td title=\"z_ohm\">Impedance (bus-bus) <span class=\"unit\">[Ω]</span></td><td class=\"old\">0</td><td class=\"new\">0.5</td>",
    ] {
        diff.assert_contains(text);
    }
    let overview = c.get(&format!("/projects/{pid}")).await;
    assert_eq!(overview.status, 200);
    for text in [
        "1 series impedances",
        "1 storage units",
        "1 shunts",
        "1 ward equivalents",
        "1 extended ward equivalents",
    ] {
        overview.assert_contains(text);
    }
}
on_both_databases!(new_element_tables_through_http);
