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
