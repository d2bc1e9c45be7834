//! Negative series impedances (network equivalents in real data such as PEGASE): computed as
//! given, like pandapower, with one warning listing the elements; a network whose admittances
//! cancel is refused by the factorization with the reason and the bus.

use crate::sc::calc::CalcError;
use crate::sc::validate::{Severity, has_errors, validate};
use crate::sc::{Circuit, ScOptions, calculate, parse_input};
use num_complex::Complex64 as C64;

const SQRT_3: f64 = 1.732_050_807_568_877_2;

fn circuit(json: &str) -> Circuit {
    parse_input(json).unwrap().circuit
}

/// 110 kV feeder Q at A, line L1 A-B, series-capacitor equivalent L2 B-C (negative reactance),
/// 110/20 kV transformer T C-D with a negative resistance part (vkr < 0).
const SERIES_EQUIVALENT: &str = r#"{"format": "ampflux-circuit", "version": 1, "frequency_hz": 50,
  "buses": [{"id": "A", "vn_kv": 110}, {"id": "B", "vn_kv": 110}, {"id": "C", "vn_kv": 110},
            {"id": "D", "vn_kv": 20}],
  "external_grids": [{"id": "Q", "bus": "A", "s_sc_max_mva": 1000, "rx_max": 0.1}],
  "lines": [{"id": "L1", "from_bus": "A", "to_bus": "B", "length_km": 10,
             "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.4},
            {"id": "L2", "from_bus": "B", "to_bus": "C", "length_km": 1,
             "r_ohm_per_km": 0.0, "x_ohm_per_km": -1.5}],
  "transformers": [{"id": "T", "hv_bus": "C", "lv_bus": "D", "sn_mva": 40, "vn_hv_kv": 110,
                    "vn_lv_kv": 20, "vk_percent": 12, "vkr_percent": -0.5}]}"#;

#[test]
fn negative_series_equivalents_computed_by_hand() {
    let c = circuit(SERIES_EQUIVALENT);
    let r = calculate(&c, &ScOptions::default()).unwrap();
    // Eq. (1): ZQ = c Un² / S''kQ with R/X = 0.1; the lines as given (X of L2 = −1.5 Ω).
    let zq = 1.1 * 110.0 * 110.0 / 1000.0;
    let xq = zq / (1.0 + 0.01_f64).sqrt();
    let zq = C64::new(0.1 * xq, xq);
    let zl1 = C64::new(1.0, 4.0);
    let zl2 = C64::new(0.0, -1.5);
    let ik = |z: C64, un: f64| 1.1 * un / (SQRT_3 * z.norm());
    let by_bus = |id: &str| r.buses.iter().find(|b| b.id == id).unwrap();
    let close = |id: &str, want: f64| {
        let got = by_bus(id).ikss_ka.unwrap();
        assert!(
            (got - want).abs() <= 1e-9 * want,
            "{id}: {got} vs hand calculation {want}"
        );
    };
    close("B", ik(zq + zl1, 110.0));
    // The capacitive equivalent lowers the impedance: more current at C than at B.
    close("C", ik(zq + zl1 + zl2, 110.0));
    assert!(by_bus("C").ikss_ka > by_bus("B").ikss_ka);
    assert!((by_bus("C").xk_ohm.unwrap() - (zq + zl1 + zl2).im).abs() < 1e-9);
    // Transformer: R = vkr/100 · UrLV²/SrT (negative), X = sqrt(vk² − vkr²)/100 · UrLV²/SrT,
    // KT (eq. 12a) with xT from the same magnitudes.
    let zb = 20.0 * 20.0 / 40.0;
    let xt = (0.12_f64 * 0.12 - 0.005 * 0.005).sqrt();
    let kt = 0.95 * 1.1 / (1.0 + 0.6 * xt);
    let zt = C64::new(-0.005 * zb, xt * zb) * kt;
    let referred = (zq + zl1 + zl2) * (20.0_f64 / 110.0).powi(2);
    close("D", ik(referred + zt, 20.0));
    assert!((by_bus("D").rk_ohm.unwrap() - (referred + zt).re).abs() < 1e-9);
    // One warning per element kind, naming the elements.
    let lines: Vec<&String> = r
        .warnings
        .iter()
        .filter(|w| w.contains("negative"))
        .collect();
    assert_eq!(lines.len(), 2, "{:?}", r.warnings);
    assert!(lines[0].starts_with("lines[L2]: 1 line(s) with a negative"));
    assert!(lines[0].ends_with(": \"L2\""), "{}", lines[0]);
    assert!(lines[1].starts_with("transformers[T]: 1 transformer(s)"));
}

#[test]
fn negative_vk_gives_a_negative_reactance() {
    let mut c = circuit(SERIES_EQUIVALENT);
    c.transformers[0].vk_percent = -12.0;
    let r = calculate(&c, &ScOptions::default()).unwrap();
    let d = r.buses.iter().find(|b| b.id == "D").unwrap();
    // X = sign(vk) sqrt(vk² − vkr²) (pandapower's convention); KT from |xT|.
    let zb = 20.0 * 20.0 / 40.0;
    let xt = (0.12_f64 * 0.12 - 0.005 * 0.005).sqrt();
    let kt = 0.95 * 1.1 / (1.0 + 0.6 * xt);
    let upstream =
        C64::new(0.1, 1.0) * 1.1 * 110.0 * 110.0 / 1000.0 / (1.01_f64).sqrt() + C64::new(1.0, 2.5);
    let want = upstream * (20.0_f64 / 110.0).powi(2) + C64::new(-0.005 * zb, -xt * zb) * kt;
    assert!((d.xk_ohm.unwrap() - want.im).abs() < 1e-9, "{d:?}");
    // A capacitive short-circuit impedance: κ is outside eq. (55) and taken as 2, with a
    // warning naming the bus; Ith then has m = 2 (no decay of the DC component).
    assert!(want.im < 0.0);
    assert_eq!(d.kappa, Some(2.0));
    let ik = d.ikss_ka.unwrap();
    assert!((d.ith_ka.unwrap() - ik * 3.0_f64.sqrt()).abs() < 1e-9 * ik);
    assert!(
        r.warnings.iter().any(
            |w| w.starts_with("buses: 1 fault location(s) with a negative R/X")
                && w.ends_with(": \"D\"")
        ),
        "{:?}",
        r.warnings
    );
}

#[test]
fn cancelling_parallel_branches_are_refused_with_the_reason_and_the_bus() {
    // B hangs on A by +j5 Ω and −j5 Ω in parallel: its admittances cancel, Y is singular.
    let c = circuit(
        r#"{"format": "ampflux-circuit", "version": 1,
        "buses": [{"id": "A", "vn_kv": 110}, {"id": "B", "vn_kv": 110}],
        "external_grids": [{"id": "Q", "bus": "A", "s_sc_max_mva": 1000, "rx_max": 0.1}],
        "lines": [{"id": "P", "from_bus": "A", "to_bus": "B", "length_km": 1,
                   "r_ohm_per_km": 0, "x_ohm_per_km": 5},
                  {"id": "N", "from_bus": "A", "to_bus": "B", "length_km": 1,
                   "r_ohm_per_km": 0, "x_ohm_per_km": -5}]}"#,
    );
    assert!(!has_errors(&validate(&c)));
    let e = calculate(&c, &ScOptions::default()).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, CalcError::Solver { .. }), "{e:?}");
    assert!(
        text.starts_with(
            "positive-sequence network, at bus \"B\": the admittance matrix is singular"
        ),
        "{text}"
    );
    assert!(text.contains("cancel out"), "{text}");
}

#[test]
fn meaningless_values_stay_errors() {
    let mut c = circuit(SERIES_EQUIVALENT);
    c.lines[0].r_ohm_per_km = f64::NAN;
    c.transformers[0].vk_percent = 0.0;
    c.buses[3].vn_kv = 0.0;
    let p = validate(&c);
    let errors: Vec<&str> = p
        .iter()
        .filter(|p| p.severity == Severity::Error)
        .map(|p| p.path.as_str())
        .collect();
    for want in [
        "lines[L1].r_ohm_per_km",
        "transformers[T].vk_percent",
        "buses[D].vn_kv",
    ] {
        assert!(errors.contains(&want), "{want} missing in {errors:?}");
    }
    let mut c = circuit(SERIES_EQUIVALENT);
    c.transformers[0].vkr_percent = -12.5;
    let p = validate(&c);
    assert!(
        p.iter()
            .any(|p| p.path == "transformers[T].vk_percent" && p.message.contains("magnitude")),
        "{p:?}"
    );
}

#[test]
fn the_warning_lists_a_bounded_number_of_elements() {
    let mut c = circuit(SERIES_EQUIVALENT);
    let template = c.lines[1].clone();
    for i in 0..30 {
        let mut l = template.clone();
        l.id = format!("X{i}");
        l.x_ohm_per_km = -0.01;
        l.from_bus = "A".into();
        l.to_bus = "B".into();
        c.lines.push(l);
    }
    let w: Vec<_> = validate(&c)
        .into_iter()
        .filter(|p| p.path.starts_with("lines[") && p.message.contains("negative"))
        .collect();
    assert_eq!(w.len(), 1);
    assert_eq!(w[0].severity, Severity::Warning);
    assert!(w[0].message.starts_with("31 line(s)"), "{}", w[0].message);
    assert!(w[0].message.ends_with(" and 23 more"), "{}", w[0].message);
    assert!(w[0].message.len() < 300);
}
