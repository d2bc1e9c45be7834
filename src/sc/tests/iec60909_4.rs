//! The IEC TR 60909-4 section 6 example network and its variants, and PowerFactory values,
//! each check with its source (tests/fixtures/sc/iec60909_4_expected.json): "published"
//! values are printed in the TR; "program" values are another program's output.

use super::{case_of, fault_of};
use crate::sc::{KappaMethod, ScOptions, calculate, parse_input};
use serde_json::Value;

fn variant(name: &str) -> &'static str {
    match name {
        "full" => include_str!("../../../tests/fixtures/sc/iec60909_4_full.json"),
        "no_motor" => include_str!("../../../tests/fixtures/sc/iec60909_4_no_motor.json"),
        "small" => include_str!("../../../tests/fixtures/sc/iec60909_4_small.json"),
        "small_no_gen" => include_str!("../../../tests/fixtures/sc/iec60909_4_small_no_gen.json"),
        "small_gen_only" => {
            include_str!("../../../tests/fixtures/sc/iec60909_4_small_gen_only.json")
        }
        "2gen" => include_str!("../../../tests/fixtures/sc/iec60909_4_2gen.json"),
        "pf_five_bus_dyn" => include_str!("../../../tests/fixtures/sc/pp/pf_five_bus_dyn.json"),
        other => panic!("unknown variant {other}"),
    }
}

/// Values checked, as docs/validation.md states them: published TR values and other
/// programs' values. A check dropped or added shows here first.
const PUBLISHED_VALUES: usize = 70;
const PROGRAM_VALUES: usize = 47;

#[test]
fn iec_60909_4_reference_values() {
    let expected: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/sc/iec60909_4_expected.json"
    ))
    .unwrap();
    let mut failures = Vec::new();
    let (mut published, mut program) = (0, 0);
    for check in expected["checks"].as_array().unwrap() {
        let name = check["variant"].as_str().unwrap();
        let parsed = parse_input(variant(name)).unwrap();
        let options = ScOptions {
            fault: fault_of(check["fault"].as_str().unwrap()),
            case: case_of(check["case"].as_str().unwrap()),
            kappa_method: match check["kappa_method"].as_str() {
                Some("B") => KappaMethod::B,
                _ => KappaMethod::C,
            },
            tk_s: 0.1,
            ..Default::default()
        };
        let res = calculate(&parsed.circuit, &options)
            .unwrap_or_else(|e| panic!("{name}: {:?}", e.problems()));
        let qty = check["quantity"].as_str().unwrap();
        let kind = check["kind"].as_str().unwrap();
        let values = check["values"].as_array().unwrap();
        let buses: Vec<usize> = match check.get("bus_index").and_then(Value::as_array) {
            Some(idx) => idx.iter().map(|i| i.as_u64().unwrap() as usize).collect(),
            None => (0..values.len()).collect(),
        };
        assert_eq!(buses.len(), values.len(), "{name} {qty}");
        for (&i, want) in buses.iter().zip(values) {
            let want = want.as_f64().unwrap();
            let bus = &res.buses[i];
            let got = match qty {
                "ikss_ka" => bus.ikss_ka,
                "ip_ka" => bus.ip_ka,
                "skss_mva" => bus.skss_mva,
                other => panic!("unknown quantity {other}"),
            };
            let tol = match (check.get("atol"), check.get("rtol")) {
                (Some(a), None) => a.as_f64().unwrap(),
                (None, Some(r)) => r.as_f64().unwrap() * want.abs(),
                _ => panic!("{name} {qty}: one of atol and rtol"),
            };
            match kind {
                "published" => published += 1,
                "program" => program += 1,
                other => panic!("unknown kind {other}"),
            }
            match got {
                Some(g) if (g - want).abs() <= tol => {}
                other => failures.push(format!(
                    "{name} {} {} kappa {} {qty} bus {}: got {other:?}, {kind} {want} (tol {tol:.2e}; {})",
                    check["fault"],
                    check["case"],
                    check["kappa_method"],
                    bus.id,
                    check["source"]
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} values differ:\n{}",
        failures.len(),
        published + program,
        failures.join("\n")
    );
    assert_eq!(
        (published, program),
        (PUBLISHED_VALUES, PROGRAM_VALUES),
        "values checked (published, program): update docs/validation.md with the counts"
    );
}
