//! Cross-check against pandapower 3.5 calc_sc on varied networks (radial and meshed, LV and
//! HV, generators, power-station units, motors, static generators, three-winding transformers,
//! parallel elements, open switches; ward and xward equivalents, shunts, storage, series
//! impedances, switch impedances, asynchronous static generators, a unit transformer without
//! its generator), all fault types pandapower has, both cases.
//! Relative difference below 1e-4 on Ik'', ip and Ith.

use super::{case_of, fault_of};
use crate::sc::{KappaMethod, ScOptions, calculate, parse_input};
use serde_json::Value;

const NETWORKS: &[(&str, &str, &str)] = &[
    (
        "iec60909_4_tr_min",
        include_str!("../../../tests/fixtures/sc/pp/iec60909_4_tr_min.json"),
        include_str!("../../../tests/fixtures/sc/pp/iec60909_4_tr_min.results.json"),
    ),
    (
        "lv_ring",
        include_str!("../../../tests/fixtures/sc/pp/lv_ring.json"),
        include_str!("../../../tests/fixtures/sc/pp/lv_ring.results.json"),
    ),
    (
        "lv_ring_b",
        include_str!("../../../tests/fixtures/sc/pp/lv_ring_b.json"),
        include_str!("../../../tests/fixtures/sc/pp/lv_ring_b.results.json"),
    ),
    (
        "lv_ring_tol6",
        include_str!("../../../tests/fixtures/sc/pp/lv_ring_tol6.json"),
        include_str!("../../../tests/fixtures/sc/pp/lv_ring_tol6.results.json"),
    ),
    (
        "meshed_hv_0",
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_0.json"),
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_0.results.json"),
    ),
    (
        "meshed_hv_1",
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_1.json"),
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_1.results.json"),
    ),
    (
        "meshed_hv_2",
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_2.json"),
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_2.results.json"),
    ),
    (
        "meshed_hv_3w",
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_3w.json"),
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_3w.results.json"),
    ),
    (
        "meshed_hv_gen",
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_gen.json"),
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_gen.results.json"),
    ),
    (
        "meshed_hv_out_of_service",
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_out_of_service.json"),
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_out_of_service.results.json"),
    ),
    (
        "meshed_hv_ps_no_oltc",
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_ps_no_oltc.json"),
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_ps_no_oltc.results.json"),
    ),
    (
        "meshed_hv_ps_oltc",
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_ps_oltc.json"),
        include_str!("../../../tests/fixtures/sc/pp/meshed_hv_ps_oltc.results.json"),
    ),
    (
        "pf_five_bus_dyn",
        include_str!("../../../tests/fixtures/sc/pp/pf_five_bus_dyn.json"),
        include_str!("../../../tests/fixtures/sc/pp/pf_five_bus_dyn.results.json"),
    ),
    (
        "radial_mv_0",
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_0.json"),
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_0.results.json"),
    ),
    (
        "radial_mv_1",
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_1.json"),
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_1.results.json"),
    ),
    (
        "radial_mv_2",
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_2.json"),
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_2.results.json"),
    ),
    (
        "radial_mv_3",
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_3.json"),
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_3.results.json"),
    ),
    (
        "radial_mv_60hz",
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_60hz.json"),
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_60hz.results.json"),
    ),
    (
        "radial_mv_fault_z",
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_fault_z.json"),
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_fault_z.results.json"),
    ),
    (
        "radial_mv_gen",
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_gen.json"),
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_gen.results.json"),
    ),
    (
        "radial_mv_lv",
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_lv.json"),
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_lv.results.json"),
    ),
    (
        "radial_mv_lv_tol6",
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_lv_tol6.json"),
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_lv_tol6.results.json"),
    ),
    (
        "radial_mv_motors",
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_motors.json"),
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_motors.results.json"),
    ),
    (
        "radial_mv_open_switch",
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_open_switch.json"),
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_open_switch.results.json"),
    ),
    (
        "radial_mv_parallel",
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_parallel.json"),
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_parallel.results.json"),
    ),
    (
        "radial_mv_sgen",
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_sgen.json"),
        include_str!("../../../tests/fixtures/sc/pp/radial_mv_sgen.results.json"),
    ),
    (
        "xward_example",
        include_str!("../../../tests/fixtures/sc/pp/xward_example.json"),
        include_str!("../../../tests/fixtures/sc/pp/xward_example.results.json"),
    ),
    (
        "xward_mv",
        include_str!("../../../tests/fixtures/sc/pp/xward_mv.json"),
        include_str!("../../../tests/fixtures/sc/pp/xward_mv.results.json"),
    ),
    (
        "equivalents_mv",
        include_str!("../../../tests/fixtures/sc/pp/equivalents_mv.json"),
        include_str!("../../../tests/fixtures/sc/pp/equivalents_mv.results.json"),
    ),
    (
        "async_sgen_mv",
        include_str!("../../../tests/fixtures/sc/pp/async_sgen_mv.json"),
        include_str!("../../../tests/fixtures/sc/pp/async_sgen_mv.results.json"),
    ),
    (
        "unit_trafo_without_gen",
        include_str!("../../../tests/fixtures/sc/pp/unit_trafo_without_gen.json"),
        include_str!("../../../tests/fixtures/sc/pp/unit_trafo_without_gen.results.json"),
    ),
    (
        "impedance_meshed_hv",
        include_str!("../../../tests/fixtures/sc/pp/impedance_meshed_hv.json"),
        include_str!("../../../tests/fixtures/sc/pp/impedance_meshed_hv.results.json"),
    ),
];

const RTOL: f64 = 1e-4;

#[test]
fn pandapower_crosscheck() {
    assert!(NETWORKS.len() >= 20);
    let mut failures = Vec::new();
    let mut compared = 0usize;
    let mut without_factor = 0usize;
    let mut worst = 0.0f64;
    for (name, net, results) in NETWORKS {
        let parsed = parse_input(net).unwrap_or_else(|e| panic!("{name}: {e}"));
        let reference: Value = serde_json::from_str(results).unwrap();
        assert_unmodified_pandapower(name, &reference);
        for run in reference["runs"].as_array().unwrap() {
            let o = &run["options"];
            let options = ScOptions {
                fault: fault_of(o["fault"].as_str().unwrap()),
                case: case_of(o["case"].as_str().unwrap()),
                lv_tol_percent: o["lv_tol_percent"].as_u64().unwrap() as u8,
                kappa_method: if o["kappa_method"] == "B" {
                    KappaMethod::B
                } else {
                    KappaMethod::C
                },
                tk_s: o["tk_s"].as_f64().unwrap(),
                r_fault_ohm: o.get("r_fault_ohm").and_then(Value::as_f64).unwrap_or(0.0),
                x_fault_ohm: o.get("x_fault_ohm").and_then(Value::as_f64).unwrap_or(0.0),
                ..Default::default()
            };
            let label = format!(
                "{name} {} {} kappa {}",
                o["fault"], o["case"], o["kappa_method"]
            );
            let res = calculate(&parsed.circuit, &options)
                .unwrap_or_else(|e| panic!("{label}: {:?}", e.problems()));
            for (bus_id, want) in run["buses"].as_object().unwrap() {
                let Some(bus) = res.buses.iter().find(|b| &b.id == bus_id) else {
                    failures.push(format!("{label} bus {bus_id}: missing"));
                    continue;
                };
                let ik_ref = want.get("ikss_ka").and_then(Value::as_f64);
                // Unfed or out-of-service buses: pandapower gives NaN, the engine no result.
                if ik_ref.is_none() {
                    compared += 1;
                    if bus.ikss_ka.is_some() {
                        failures.push(format!(
                            "{label} bus {bus_id}: result {:?} where pandapower has none",
                            bus.ikss_ka
                        ));
                    }
                    continue;
                }
                for (qty, got) in [
                    ("ikss_ka", bus.ikss_ka),
                    ("ip_ka", bus.ip_ka),
                    ("ith_ka", bus.ith_ka),
                ] {
                    let Some(w) = want.get(qty).and_then(Value::as_f64) else {
                        continue;
                    };
                    // pandapower sets m = 0 for kappa > 1.99 and uses f = 50 Hz in m
                    // (docs/validation.md, readings 4 and 5).
                    if qty == "ith_ka"
                        && (bus.kappa.is_some_and(|k| k > 1.99)
                            || parsed.circuit.frequency_hz != 50.0)
                    {
                        continue;
                    }
                    // κ method B where the engine applies the factor 1.15 (fed over parallel
                    // paths, Rk/Xk >= 0.3 at the fault): pandapower omits it when one path to
                    // a source has R/X < 0.3, and derives m of Ith from κ with the factor
                    // (docs/validation.md, readings 3 and 4). The ip must then be the engine's
                    // without the factor, exactly; Ith is not compared.
                    let factor = if o["kappa_method"] == "B" {
                        kappa_b_factor(bus)
                    } else {
                        1.0
                    };
                    if factor != 1.0 {
                        match qty {
                            "ith_ka" => continue,
                            "ip_ka" => {
                                if let Some(g) = got {
                                    let rel = (g / factor - w).abs() / w;
                                    if rel <= RTOL {
                                        without_factor += 1;
                                        continue;
                                    }
                                }
                            }
                            _ => {}
                        }
                    }
                    if ik_ref.is_some_and(|ik| ik == 0.0) {
                        continue;
                    }
                    // κ method B beside asynchronous static generators with a current-source
                    // share: the engine's factor 1.15 is on the machine part of ip only, so
                    // the check above cannot undo it (docs/validation.md, reading 13).
                    if o["kappa_method"] == "B" && factor != 1.0 && *name == "async_sgen_mv" {
                        continue;
                    }
                    // κ method C with the grid and a ward of another R/X at one bus: pandapower
                    // scales the aggregated bus shunt (docs/validation.md, reading 7).
                    if qty != "ikss_ka" && o["kappa_method"] == "C" && *name == "xward_example" {
                        continue;
                    }
                    // No zero-sequence path: AmpFlux gives 0; pandapower adds a fictitious
                    // (1000 + 1000j) pu zero-sequence shunt at generator buses (docs/validation.md).
                    if o["fault"] == "1ph" && bus.ikss_ka == Some(0.0) && w < 1e-3 {
                        continue;
                    }
                    compared += 1;
                    match got {
                        Some(g) => {
                            let rel = (g - w).abs() / w.abs().max(1e-12);
                            worst = worst.max(rel);
                            if rel > RTOL {
                                failures.push(format!("{label} bus {bus_id} {qty}: {g} vs pandapower {w} (rel {rel:.2e})"));
                            }
                        }
                        None => failures.push(format!(
                            "{label} bus {bus_id} {qty}: absent, pandapower {w}"
                        )),
                    }
                }
            }
        }
    }
    eprintln!(
        "pandapower cross-check: {compared} values, worst relative difference {worst:.2e}; \
         {without_factor} method-B ip equal without the factor 1.15"
    );
    assert!(
        failures.is_empty(),
        "{} of {compared} values differ:\n{}",
        failures.len(),
        failures
            .iter()
            .take(100000)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    // The counts docs/validation.md states: a skip rule that grows shows here.
    assert_eq!(
        (NETWORKS.len(), compared, without_factor),
        (
            CROSSCHECK_NETWORKS,
            CROSSCHECK_VALUES,
            CROSSCHECK_WITHOUT_FACTOR
        ),
        "networks, values compared, method-B ip equal without 1.15: update docs/validation.md"
    );
}

/// Networks, values compared within RTOL, and method-B ip values that equal the engine's
/// without the factor 1.15 (docs/validation.md).
const CROSSCHECK_NETWORKS: usize = 32;
const CROSSCHECK_VALUES: usize = 6073;
const CROSSCHECK_WITHOUT_FACTOR: usize = 17;
const LINE_CURRENT_VALUES: usize = 311;
const UNIT_TERMINAL_LINE_CURRENT_VALUES: usize = 26;

/// The reference is pandapower's own output, unpatched (tests/sc/generate_references.py).
fn assert_unmodified_pandapower(name: &str, reference: &Value) {
    let p = &reference["provenance"];
    assert_eq!(p["program"], "pandapower", "{name}");
    assert_eq!(p["version"], "3.5.6", "{name}");
    assert_eq!(p["modified"], false, "{name}");
}

/// The factor that method B applied beyond κ(Rk/Xk) at this bus (1 where none).
fn kappa_b_factor(bus: &crate::sc::results::BusResult) -> f64 {
    match (bus.kappa, bus.rk_ohm, bus.xk_ohm) {
        (Some(k), Some(r), Some(x)) if x > 0.0 => {
            let plain = crate::sc::formulas::kappa_of(r / x);
            if (k - plain).abs() > 1e-12 {
                k / plain
            } else {
                1.0
            }
        }
        _ => 1.0,
    }
}

/// Line currents of 3ph faults, largest over all fault locations, against pandapower's
/// branch results (networks without current sources or power-station units, whose terminal
/// variants pandapower also applies to branch currents).
#[test]
fn pandapower_line_currents() {
    let mut compared = 0usize;
    let mut worst = 0.0f64;
    let mut failures = Vec::new();
    for (name, net, results) in NETWORKS {
        let reference: Value = serde_json::from_str(results).unwrap();
        assert_unmodified_pandapower(name, &reference);
        let Some(lines) = reference
            .get("line_ikss_3ph_max")
            .and_then(Value::as_object)
        else {
            continue;
        };
        let parsed = parse_input(net).unwrap();
        let options = ScOptions {
            branch_results: true,
            lv_tol_percent: if name.contains("tol6") { 6 } else { 10 },
            r_fault_ohm: if *name == "radial_mv_fault_z" {
                0.5
            } else {
                0.0
            },
            x_fault_ohm: if *name == "radial_mv_fault_z" {
                0.3
            } else {
                0.0
            },
            ..Default::default()
        };
        let res = calculate(&parsed.circuit, &options).unwrap();
        // Bus-bus switches with an impedance are branches too (pandapower's res_switch_sc).
        let switches = reference
            .get("switch_ikss_3ph_max")
            .and_then(Value::as_object)
            .into_iter()
            .flatten()
            .map(|(id, v)| ("switch", id, v));
        for (kind, id, want) in lines.iter().map(|(id, v)| ("line", id, v)).chain(switches) {
            let want = want.as_f64().unwrap();
            let got = res
                .branches
                .iter()
                .find(|b| b.kind == kind && &b.id == id)
                .and_then(|b| b.ikss_ka);
            compared += 1;
            match got {
                Some(g) if want > 0.0 => {
                    let rel = (g - want).abs() / want;
                    worst = worst.max(rel);
                    if rel > RTOL {
                        failures.push(format!(
                            "{name} {kind} {id}: {g} vs pandapower {want} (rel {rel:.2e})"
                        ));
                    }
                }
                Some(g) if g.abs() < 1e-9 => {}
                other => failures.push(format!(
                    "{name} {kind} {id}: {other:?} vs pandapower {want}"
                )),
            }
        }
    }
    eprintln!("pandapower line currents: {compared} values, worst relative difference {worst:.2e}");
    assert_eq!(compared, LINE_CURRENT_VALUES, "update docs/validation.md");
    assert!(
        failures.is_empty(),
        "{} of {compared} differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Line currents of a 3ph fault at the generator terminals of a power-station unit: the
/// network takes the unit's terminal variant (generator with KG,S, unit transformer without
/// KS/KSO, voltage source c·UrG/√3; IEC 60909-0:2016 6.7.1), as in pandapower.
#[test]
fn pandapower_unit_terminal_line_currents() {
    let cases: &[(&str, &str, &str)] = &[
        (
            "meshed_hv_ps_oltc",
            include_str!("../../../tests/fixtures/sc/pp/meshed_hv_ps_oltc.json"),
            include_str!("../../../tests/fixtures/sc/pp/meshed_hv_ps_oltc.terminal.json"),
        ),
        (
            "meshed_hv_ps_no_oltc",
            include_str!("../../../tests/fixtures/sc/pp/meshed_hv_ps_no_oltc.json"),
            include_str!("../../../tests/fixtures/sc/pp/meshed_hv_ps_no_oltc.terminal.json"),
        ),
    ];
    let mut compared = 0;
    for (name, net, reference) in cases {
        let parsed = parse_input(net).unwrap();
        let reference: Value = serde_json::from_str(reference).unwrap();
        assert_unmodified_pandapower(name, &reference);
        for (bus, want) in reference["faults"].as_object().unwrap() {
            let options = ScOptions {
                branch_results: true,
                buses: vec![bus.clone()],
                ..Default::default()
            };
            let res = calculate(&parsed.circuit, &options).unwrap();
            let ik = res.buses[0].ikss_ka.unwrap();
            let ik_ref = want["bus_ikss_ka"].as_f64().unwrap();
            assert!(
                (ik - ik_ref).abs() / ik_ref < RTOL,
                "{name} bus {bus}: {ik} vs {ik_ref}"
            );
            for (id, w) in want["line_ikss_ka"].as_object().unwrap() {
                let w = w.as_f64().unwrap();
                let got = res
                    .branches
                    .iter()
                    .find(|b| b.kind == "line" && &b.id == id)
                    .and_then(|b| b.ikss_ka)
                    .unwrap_or(0.0);
                compared += 1;
                assert!(
                    (got - w).abs() <= RTOL * w.max(1e-3),
                    "{name} fault {bus} line {id}: {got} vs pandapower {w}"
                );
            }
        }
    }
    assert_eq!(
        compared, UNIT_TERMINAL_LINE_CURRENT_VALUES,
        "update docs/validation.md"
    );
}

/// pandapower's to_json writes missing std_type values as bare NaN tokens; the five-bus grid
/// (compared above for every fault type and case) keeps them as pandapower wrote them.
#[test]
fn pandapower_file_with_bare_nan_tokens() {
    let text = include_str!("../../../tests/fixtures/sc/pp/pf_five_bus_dyn.json");
    assert!(text.contains(": NaN"), "the fixture lost its NaN tokens");
    assert!(serde_json::from_str::<Value>(text).is_err());
    let parsed = parse_input(text).unwrap();
    assert_eq!(parsed.circuit.buses.len(), 5);
    assert_eq!(parsed.circuit.lines.len(), 3);
}
