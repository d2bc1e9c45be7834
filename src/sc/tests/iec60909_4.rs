//! IEC TR 60909-4 section 6 example network: every value asserted by pandapower's
//! test_iec60909_4.py, with its tolerances.

use super::{case_of, fault_of};
use crate::sc::{KappaMethod, ScOptions, calculate, parse_input};
use serde_json::Value;

fn variant(name: &str) -> &'static str {
    match name {
        "full" => include_str!("../../../tests/fixtures/sc/iec60909_4_full.json"),
        "no_motor" => include_str!("../../../tests/fixtures/sc/iec60909_4_no_motor.json"),
        "min" => include_str!("../../../tests/fixtures/sc/iec60909_4_min.json"),
        "small" => include_str!("../../../tests/fixtures/sc/iec60909_4_small.json"),
        "small_no_gen" => include_str!("../../../tests/fixtures/sc/iec60909_4_small_no_gen.json"),
        "small_gen_only" => {
            include_str!("../../../tests/fixtures/sc/iec60909_4_small_gen_only.json")
        }
        "2gen" => include_str!("../../../tests/fixtures/sc/iec60909_4_2gen.json"),
        other => panic!("unknown variant {other}"),
    }
}

#[test]
fn iec_60909_4_published_values() {
    let expected: Value = serde_json::from_str(include_str!(
        "../../../tests/fixtures/sc/iec60909_4_expected.json"
    ))
    .unwrap();
    let mut failures = Vec::new();
    let mut checked = 0;
    for check in expected["checks"].as_array().unwrap() {
        let name = check["variant"].as_str().unwrap();
        let parsed = parse_input(variant(name)).unwrap();
        let options = ScOptions {
            fault: fault_of(check["fault"].as_str().unwrap()),
            case: case_of(check["case"].as_str().unwrap()),
            kappa_method: KappaMethod::C,
            tk_s: 0.1,
            ..Default::default()
        };
        let res = calculate(&parsed.circuit, &options)
            .unwrap_or_else(|e| panic!("{name}: {:?}", e.problems()));
        let qty = check["quantity"].as_str().unwrap();
        let atol = check["atol"].as_f64().unwrap();
        for (i, want) in check["values"].as_array().unwrap().iter().enumerate() {
            let want = want.as_f64().unwrap();
            let bus = &res.buses[i];
            let got = match qty {
                "ikss_ka" => bus.ikss_ka,
                "ip_ka" => bus.ip_ka,
                "skss_mva" => bus.skss_mva,
                _ => None,
            };
            checked += 1;
            match got {
                Some(g) if (g - want).abs() <= atol => {}
                other => failures.push(format!(
                    "{name} {} {} {qty} bus {}: got {other:?}, published {want} (atol {atol})",
                    check["fault"], check["case"], bus.id
                )),
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} values differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
