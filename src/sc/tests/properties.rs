//! Property tests: results do not depend on element order; doubling a line equals
//! parallel = 2; Ik'' never increases when an impedance increases.

use crate::sc::synthetic::network;
use crate::sc::{Circuit, Fault, ScOptions, calculate};
use proptest::prelude::*;

fn ikss(c: &Circuit, fault: Fault) -> Vec<(String, f64)> {
    let o = ScOptions {
        fault,
        ..Default::default()
    };
    let r = calculate(c, &o).expect("valid synthetic network");
    let mut v: Vec<(String, f64)> = r
        .buses
        .iter()
        .map(|b| (b.id.clone(), b.ikss_ka.unwrap_or(-1.0)))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

fn close(a: &[(String, f64)], b: &[(String, f64)], rtol: f64) -> bool {
    a.len() == b.len()
        && a.iter()
            .zip(b)
            .all(|(x, y)| x.0 == y.0 && (x.1 - y.1).abs() <= rtol * x.1.abs().max(1e-9))
}

fn faults() -> impl Strategy<Value = Fault> {
    prop_oneof![
        Just(Fault::ThreePhase),
        Just(Fault::TwoPhase),
        Just(Fault::TwoPhaseEarth),
        Just(Fault::SinglePhase)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn order_does_not_matter(seed in 0u64..1000, n in 5usize..60, meshed: bool, fault in faults(), rot in 0usize..50) {
        let c = network(n, meshed, seed);
        let mut d = c.clone();
        d.buses.reverse();
        d.lines.reverse();
        let k = rot % d.lines.len().max(1);
        d.lines.rotate_left(k);
        prop_assert!(close(&ikss(&c, fault), &ikss(&d, fault), 1e-9));
    }

    #[test]
    fn doubled_line_equals_parallel_two(seed in 0u64..1000, n in 5usize..40, pick in 0usize..100, fault in faults()) {
        let c = network(n, false, seed);
        let i = pick % c.lines.len();
        let mut doubled = c.clone();
        let mut copy = c.lines[i].clone();
        copy.id = "copy".into();
        doubled.lines.push(copy);
        let mut par = c.clone();
        par.lines[i].parallel = 2.0;
        prop_assert!(close(&ikss(&doubled, fault), &ikss(&par, fault), 1e-9));
    }

    #[test]
    fn more_impedance_never_more_current(seed in 0u64..1000, n in 5usize..40, pick in 0usize..100, factor in 1.0f64..5.0) {
        let c = network(n, false, seed);
        let i = pick % c.lines.len();
        let mut longer = c.clone();
        longer.lines[i].length_km *= factor;
        let base = ikss(&c, Fault::ThreePhase);
        let more = ikss(&longer, Fault::ThreePhase);
        for (a, b) in base.iter().zip(&more) {
            prop_assert!(b.1 <= a.1 * (1.0 + 1e-12), "bus {}: {} > {}", a.0, b.1, a.1);
        }
    }
}

/// In a radial network fed from one side, the largest phase current in the line feeding a
/// faulted end bus is the bus's Ik'' for every fault type (the bus has no other element).
#[test]
fn branch_current_into_faulted_end_bus_equals_ikss() {
    let c = network(40, false, 3);
    let last = c.lines.last().expect("lines").clone();
    for fault in [
        Fault::ThreePhase,
        Fault::TwoPhase,
        Fault::TwoPhaseEarth,
        Fault::SinglePhase,
    ] {
        let o = ScOptions {
            fault,
            buses: vec![last.to_bus.clone()],
            branch_results: true,
            ..Default::default()
        };
        let r = calculate(&c, &o).unwrap();
        let ik = r.buses[0].ikss_ka.unwrap();
        let br = r.branches.iter().find(|b| b.id == last.id).unwrap();
        assert!(
            (br.ikss_to_ka.unwrap() - ik).abs() < 1e-9 * ik,
            "{fault:?}: {br:?} vs {ik}"
        );
        assert_eq!(br.fault_bus.as_deref(), Some(last.to_bus.as_str()));
    }
}

/// A line-to-earth fault on the LV side of a Dyn transformer: no zero-sequence current on the
/// HV side, where two phases carry Ik1''·(UrLV/UrHV)/√3 (the classic Dyn transfer).
#[test]
fn dyn_transformer_transfers_an_earth_fault_to_two_hv_phases() {
    let c: Circuit = serde_json::from_str(
        r#"{"format":"ampflux-circuit","version":1,
        "buses":[{"id":"HV","vn_kv":20},{"id":"LV","vn_kv":0.4}],
        "external_grids":[{"id":"Q","bus":"HV","s_sc_max_mva":500,"rx_max":0.1,"x0x_max":1,"r0x0_max":0.1}],
        "transformers":[{"id":"T","hv_bus":"HV","lv_bus":"LV","sn_mva":0.63,"vn_hv_kv":20,"vn_lv_kv":0.4,
          "vk_percent":6,"vkr_percent":1,"vector_group":"Dyn5","vk0_percent":6,"vkr0_percent":1}]}"#,
    )
    .unwrap();
    let o = ScOptions {
        fault: Fault::SinglePhase,
        buses: vec!["LV".into()],
        branch_results: true,
        ..Default::default()
    };
    let r = calculate(&c, &o).unwrap();
    let ik1 = r.buses[0].ikss_ka.unwrap();
    let t = &r.branches[0];
    assert!((t.ikss_to_ka.unwrap() - ik1).abs() < 1e-9 * ik1);
    let hv = ik1 * 0.4 / 20.0 / 3f64.sqrt();
    assert!(
        (t.ikss_from_ka.unwrap() - hv).abs() < 1e-6 * hv,
        "{t:?} vs {hv}"
    );
}

/// 2phg without a zero-sequence path is a 2ph fault (eq. 56 with Z0 → ∞).
#[test]
fn two_phase_earth_limits() {
    let mut c = network(30, false, 5);
    let o2 = ScOptions {
        fault: Fault::TwoPhase,
        ..Default::default()
    };
    let o2e = ScOptions {
        fault: Fault::TwoPhaseEarth,
        ..Default::default()
    };
    // Unearthed MV: Yd transformers leave no zero-sequence path on the 20 kV side.
    // No line capacitance either (it would earth an isolated network).
    for t in &mut c.transformers {
        t.vector_group = Some("YNd11".into());
    }
    for l in &mut c.lines {
        l.c0_nf_per_km = Some(0.0);
    }
    let a = calculate(&c, &o2).unwrap();
    let b = calculate(&c, &o2e).unwrap();
    for (x, y) in a
        .buses
        .iter()
        .zip(&b.buses)
        .filter(|(x, _)| x.vn_kv < 100.0)
    {
        assert!((x.ikss_ka.unwrap() - y.ikss_ka.unwrap()).abs() < 1e-9 * x.ikss_ka.unwrap());
        assert!(y.ike_ka.is_none());
    }
}

/// Every numeric leaf of the example circuit, for mutation.
fn numeric_paths(v: &serde_json::Value, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match v {
        serde_json::Value::Object(o) => {
            for (k, x) in o {
                path.push(k.clone());
                numeric_paths(x, path, out);
                path.pop();
            }
        }
        serde_json::Value::Array(a) => {
            for (i, x) in a.iter().enumerate() {
                path.push(i.to_string());
                numeric_paths(x, path, out);
                path.pop();
            }
        }
        serde_json::Value::Number(_) => out.push(path.clone()),
        _ => {}
    }
}

fn leaf<'a>(v: &'a mut serde_json::Value, path: &[String]) -> &'a mut serde_json::Value {
    path.iter().fold(v, |v, k| match v {
        serde_json::Value::Array(a) => &mut a[k.parse::<usize>().unwrap()],
        other => &mut other[k.as_str()],
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// Bad numbers anywhere never make the engine panic: it returns results or problems, and
    /// results never hold a non-finite number.
    #[test]
    fn odd_values_never_panic(picks in proptest::collection::vec((0usize..1000, 0usize..7), 1..4), fault in faults(), min: bool) {
        let text = include_str!("../../../tests/fixtures/sc/examples/substation.circuit.json");
        let mut v: serde_json::Value = serde_json::from_str(text).unwrap();
        let mut paths = Vec::new();
        numeric_paths(&v, &mut Vec::new(), &mut paths);
        let values = [0.0, -1.0, 1e-12, 1e12, 0.5, 100.0, 2.0];
        for (p, k) in picks {
            let path = &paths[p % paths.len()];
            *leaf(&mut v, path) = serde_json::json!(values[k]);
        }
        if let Ok(c) = serde_json::from_value::<Circuit>(v) {
            let o = ScOptions {
                fault,
                case: if min { crate::sc::Case::Min } else { crate::sc::Case::Max },
                branch_results: true,
                ..Default::default()
            };
            if let Ok(r) = calculate(&c, &o) {
                let json = serde_json::to_string(&r).unwrap();
                prop_assert!(!json.contains("NaN") && !json.contains("null") && !json.contains("inf"));
            }
        }
    }
}
