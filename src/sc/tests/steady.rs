//! Steady-state short-circuit current Ik near generators (IEC 60909-0:2016 clause 10.2).
//!
//! Every expected value here is a hand calculation from the circuit data with the equations
//! of the standard (KG eq. 18, KT eq. 12a, Ik'' eq. 29) and AmpFlux's λ model
//! (`sc::steady::lambda_max`/`lambda_min`, a model of Figures 18/19, not values read from
//! them). None is a published value.

use crate::sc::circuit::Excitation;
use crate::sc::steady::{LambdaMachine, lambda_max, lambda_min};
use crate::sc::{Case, Circuit, Fault, ScOptions, calculate, parse_input};

const SQRT_3: f64 = 1.732_050_807_568_877_2;

fn circuit(json: &str) -> Circuit {
    parse_input(json).unwrap().circuit
}

fn close(got: f64, want: f64, rtol: f64, what: &str) {
    assert!(
        (got - want).abs() <= rtol * want.abs(),
        "{what}: {got} vs hand calculation {want}"
    );
}

fn bus<'a>(r: &'a crate::sc::ScResults, id: &str) -> &'a crate::sc::results::BusResult {
    r.buses.iter().find(|b| b.id == id).unwrap()
}

const TURBINE: LambdaMachine = LambdaMachine {
    xdsat_pu: 1.8,
    xdss_pu: 0.2,
    cos_phi: 0.8,
    excitation: Excitation::Turbine1_3,
};

/// The λ model at the terminals and away from them (hand calculation).
#[test]
fn lambda_curves() {
    // Terminal fault: Ik''G/IrG = (1 + x''d sin φ)/x''d = 1.12/0.2 = 5.6, so xe = 0.
    // λmax = 1.3 · |1 + j 1.8 (0.8 − j 0.6)| / 1.8 = 1.3 · √(2.08² + 1.44²) / 1.8.
    close(
        lambda_max(5.6, &TURBINE),
        1.827_093_759,
        1e-9,
        "λmax terminal",
    );
    // λmin = 1 / xd sat (the short-circuit ratio).
    close(lambda_min(5.6, &TURBINE), 1.0 / 1.8, 1e-12, "λmin terminal");
    // Closer than the terminals is the terminal value (xe ≥ 0).
    assert_eq!(lambda_max(8.0, &TURBINE), lambda_max(5.6, &TURBINE));
    // Series two (1.6) of the same machine is 1.6/1.3 times series one.
    let two = LambdaMachine {
        excitation: Excitation::Turbine1_6,
        ..TURBINE
    };
    close(
        lambda_max(5.6, &two),
        lambda_max(5.6, &TURBINE) * 1.6 / 1.3,
        1e-12,
        "series two",
    );
    // Salient pole, Ufmax/UfR = 2.0, xd sat = 1.0, cos φ = 0.9: 2.0 · |1 + j(0.9 − j√0.19)|.
    let salient = LambdaMachine {
        xdsat_pu: 1.0,
        xdss_pu: 0.25,
        cos_phi: 0.9,
        excitation: Excitation::SalientPole2_0,
    };
    let s = 0.19f64.sqrt();
    close(
        lambda_max(10.0, &salient),
        2.0 * (1.0 + s).hypot(0.9),
        1e-12,
        "salient pole terminal",
    );
    // Far away the steady current cannot exceed the initial one: λmax = Ik''G/IrG at 0.5.
    assert_eq!(lambda_max(0.5, &TURBINE), 0.5);
    // Monotone in Ik''G/IrG, λmin below λmax, both at most Ik''G/IrG.
    let mut last = (0.0, 0.0);
    for i in 1..=80 {
        let x = f64::from(i) * 0.1;
        let (hi, lo) = (lambda_max(x, &TURBINE), lambda_min(x, &TURBINE));
        assert!(hi >= last.0 && lo >= last.1, "monotone at {x}");
        assert!(lo <= hi && hi <= x, "order at {x}");
        last = (hi, lo);
    }
}

/// A generator feeding a 110 kV bus through a network transformer (no power-station unit).
fn gen_via_transformer(extra: &str) -> String {
    format!(
        r#"{{"format": "ampflux-circuit", "version": 1, "frequency_hz": 50,
  "buses": [{{"id": "G", "vn_kv": 10.5}}, {{"id": "F", "vn_kv": 110}}{buses}],
  "generators": [{{"id": "G1", "bus": "G", "sn_mva": 10, "vn_kv": 10.5, "xdss_pu": 0.2,
                  "rdss_ohm": 0, "cos_phi": 0.8, "xdsat_pu": 1.8, "excitation": "turbine_1.3"}}],
  "transformers": [{{"id": "T", "hv_bus": "F", "lv_bus": "G", "sn_mva": 10, "vn_hv_kv": 110,
                    "vn_lv_kv": 10.5, "vk_percent": 10, "vkr_percent": 0}}{trafos}]{rest}}}"#,
        buses = extra_field(extra, "buses"),
        trafos = extra_field(extra, "transformers"),
        rest = extra_field(extra, "rest"),
    )
}

fn extra_field(extra: &str, key: &str) -> String {
    extra
        .split('|')
        .find_map(|part| part.strip_prefix(&format!("{key}=")))
        .unwrap_or("")
        .to_string()
}

/// Clause 10.2.1: a single generator feeding: Ik = λ IrG, with λ at the computed Ik''G/IrG.
#[test]
fn single_generator_through_a_transformer() {
    let c = circuit(&gen_via_transformer(""));
    // Per unit on 10 MVA: KG = 1.1/(1 + 0.2·0.6) = 0.982143 (eq. 18, UrG = Un), ZG = j0.2 KG;
    // KT = 0.95·1.1/(1 + 0.6·0.1) = 0.985849 (eq. 12a), ZT = j0.1 KT.
    // Ik'' = 1.1/(0.196429 + 0.098585) = 3.72864 p.u. = 3.72864 · 10/(√3·110) = 0.195703 kA.
    // Ik''G/IrG = 3.72864 (rated ratio, same p.u. on both sides); xe = 1.12/3.72864 − 0.2 =
    // 0.100377; λmax = 1.3 · 2.529822/(1.8 + 0.100377) = 1.730587.
    // Ik = λ IrG referred to 110 kV = 1.730587 · 10/(√3·110) = 0.090832 kA.
    let r = calculate(&c, &ScOptions::default()).unwrap();
    let f = bus(&r, "F");
    close(f.ikss_ka.unwrap(), 0.195_703_015, 1e-7, "Ik''");
    close(f.ik_ka.unwrap(), 0.090_832_272, 1e-7, "Ik max");
    assert!(f.ik_ka.unwrap() <= f.ikss_ka.unwrap());
    // At the terminals (10.5 kV): Ik''G/IrG = 1.12/0.2 = 5.6, λmax = 1.827094, IrG = 0.549857 kA.
    let g = bus(&r, "G");
    close(
        g.ik_ka.unwrap(),
        1.827_093_759 * 10.0 / (SQRT_3 * 10.5),
        1e-7,
        "Ik terminal",
    );
    assert!(g.ik_ka.unwrap() <= g.ikss_ka.unwrap());

    // Minimum case: c = 1.0, KT not applied (as the engine's min case): Ik'' = 1/(0.196429 +
    // 0.1) = 3.373494 p.u.; xe = 1.12/3.373494 − 0.2 = 0.132; λmin = 1/(1.8 + 0.132) =
    // 0.517598; Ik = 0.517598 · 10/(√3·110) = 0.027167 kA.
    let o = ScOptions {
        case: Case::Min,
        ..Default::default()
    };
    let r = calculate(&c, &o).unwrap();
    let f = bus(&r, "F");
    close(f.ikss_ka.unwrap(), 0.177_062_514, 1e-7, "Ik'' min");
    close(f.ik_ka.unwrap(), 0.027_166_868, 1e-7, "Ik min");
}

/// Clause 10.2.1 for a power-station unit (6.7.2, KSO): Ik = λ IrG referred to the HV side;
/// at the generator terminals (KG,S, 6.7.1) Ik = λ IrG.
#[test]
fn power_station_unit_feeding_alone() {
    let c = circuit(
        r#"{"format": "ampflux-circuit", "version": 1, "frequency_hz": 50,
  "buses": [{"id": "G", "vn_kv": 10.5}, {"id": "F", "vn_kv": 110}],
  "generators": [{"id": "G1", "bus": "G", "sn_mva": 100, "vn_kv": 10.5, "xdss_pu": 0.2,
                  "rdss_ohm": 0, "cos_phi": 0.8, "power_station_trafo": "T",
                  "xdsat_pu": 1.8, "excitation": "turbine_1.3"}],
  "transformers": [{"id": "T", "hv_bus": "F", "lv_bus": "G", "sn_mva": 100, "vn_hv_kv": 110,
                    "vn_lv_kv": 10.5, "vk_percent": 12, "vkr_percent": 0}]}"#,
    );
    let r = calculate(&c, &ScOptions::default()).unwrap();
    // Eq. (24) with pG = pT = 0: KSO = 110/10.5 · 10.5/110 · 1.1/(1 + 0.2·0.6) = 0.982143;
    // ZPSU = KSO (j0.2 + j0.12) = j0.314286 p.u. on 100 MVA; Ik'' = 1.1/0.314286 = 3.5 p.u.
    // = 3.5 · 100/(√3·110) = 1.837024 kA. Ik''G/IrG = 3.5; xe = 1.12/3.5 − 0.2 = 0.12;
    // λmax = 1.3 · 2.529822/1.92 = 1.712901; Ik = 1.712901 · 100/(√3·110) = 0.899040 kA.
    let f = bus(&r, "F");
    close(f.ikss_ka.unwrap(), 1.837_023_584, 1e-7, "Ik'' HV");
    close(f.ik_ka.unwrap(), 0.899_039_551, 1e-7, "Ik HV");
    // Terminals: KG,S = 1.1/1.12 (eq. 23 with pG = 0), Ik''G/IrG = 1.1/(0.2 KG,S) = 5.6, the
    // unit transformer leads to no other source: Ik = λmax IrG = 1.827094 · 100/(√3·10.5).
    let g = bus(&r, "G");
    close(
        g.ikss_ka.unwrap(),
        5.6 * 100.0 / (SQRT_3 * 10.5),
        1e-9,
        "Ik'' terminals",
    );
    close(
        g.ik_ka.unwrap(),
        1.827_093_759 * 100.0 / (SQRT_3 * 10.5),
        1e-7,
        "Ik terminals",
    );
}

/// Clause 10.2.2: a grid and a generator on separate feeders of the fault bus: the sum of the
/// grid's Ik'' and the generator's λ IrG.
#[test]
fn non_meshed_network_sums_the_contributions() {
    // The grid at the fault bus (a feeder of its own): S''kQ = 1000 MVA, R/X = 0, so its
    // partial current is 1000/(√3·110) = 5.248639 kA; the generator feeder as above.
    let c = circuit(&gen_via_transformer(
        r#"rest=, "external_grids": [{"id": "Q", "bus": "F", "s_sc_max_mva": 1000, "rx_max": 0}]"#,
    ));
    let r = calculate(&c, &ScOptions::default()).unwrap();
    let f = bus(&r, "F");
    close(
        f.ikss_ka.unwrap(),
        5.248_638_811 + 0.195_703_015,
        1e-7,
        "Ik''",
    );
    close(f.ik_ka.unwrap(), 5.248_638_811 + 0.090_832_272, 1e-7, "Ik");
    assert!(f.ik_ka.unwrap() <= f.ikss_ka.unwrap());
    // An asynchronous motor at the fault bus: a feeder contributing nothing (Ik unchanged).
    let with_motor = gen_via_transformer(
        r#"rest=, "external_grids": [{"id": "Q", "bus": "F", "s_sc_max_mva": 1000, "rx_max": 0}],
  "motors": [{"id": "M", "bus": "F", "pn_mech_mw": 5, "cos_phi": 0.9, "efficiency_percent": 97,
              "lrc_pu": 5, "rx": 0.1, "vn_kv": 110}]"#,
    );
    let r = calculate(&circuit(&with_motor), &ScOptions::default()).unwrap();
    let f = bus(&r, "F");
    assert!(f.ikss_ka.unwrap() > 5.248_638_811 + 0.195_703_015 + 1e-4);
    close(
        f.ik_ka.unwrap(),
        5.248_638_811 + 0.090_832_272,
        1e-9,
        "Ik with motor",
    );
}

/// Clause 10.2.3: grid and generator feed the fault over a meshed network: Ik = I''kM, the
/// initial current without motors.
#[test]
fn meshed_network_gives_the_initial_current_without_motors() {
    // Ring Q-F-H-Q at 110 kV, the grid at Q, the generator transformer at H.
    let mesh = r#"buses=, {"id": "Q", "vn_kv": 110}, {"id": "H", "vn_kv": 110}|rest=,
  "external_grids": [{"id": "N", "bus": "Q", "s_sc_max_mva": 2000, "rx_max": 0.1}],
  "lines": [
    {"id": "L1", "from_bus": "Q", "to_bus": "F", "length_km": 10, "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.4, "c_nf_per_km": 0},
    {"id": "L2", "from_bus": "Q", "to_bus": "H", "length_km": 10, "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.4, "c_nf_per_km": 0},
    {"id": "L3", "from_bus": "F", "to_bus": "H", "length_km": 5, "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.4, "c_nf_per_km": 0}]"#;
    let base = gen_via_transformer(mesh).replace(r#""hv_bus": "F""#, r#""hv_bus": "H""#);
    let motors = r#",
  "motors": [{"id": "M", "bus": "F", "pn_mech_mw": 5, "cos_phi": 0.9, "efficiency_percent": 97,
              "lrc_pu": 5, "rx": 0.1, "vn_kv": 110}]}"#;
    let with_motor = format!("{}{motors}", base.trim_end().trim_end_matches('}'));
    let r = calculate(&circuit(&with_motor), &ScOptions::default()).unwrap();
    let r0 = calculate(&circuit(&base), &ScOptions::default()).unwrap();
    // At F both sources feed over the ring (one feeder): I''kM, the same network's Ik''
    // without the motor; less than Ik'' with it.
    let (f, f0) = (bus(&r, "F"), bus(&r0, "F"));
    close(f.ik_ka.unwrap(), f0.ikss_ka.unwrap(), 1e-9, "F");
    assert!(f.ik_ka.unwrap() < f.ikss_ka.unwrap());
    // At H the generator (behind T) and the grid (over L2 and L1-L3) are separate feeders
    // (10.2.2): the generator's part decays to λ IrG, so Ik is below I''kM; at Q likewise.
    for id in ["H", "Q"] {
        let (b, b0) = (bus(&r, id), bus(&r0, id));
        assert!(b.ik_ka.unwrap() < b0.ikss_ka.unwrap() - 1e-3, "{id}");
    }
}

/// Without xdsat_pu and excitation, Ik is absent where the generator feeds alone, and the
/// results say which generator lacks them; where it feeds together with a grid in one
/// feeder (meshed), Ik = I''kM needs no λ.
#[test]
fn missing_generator_data_leaves_ik_absent() {
    let json =
        gen_via_transformer("").replace(r#", "xdsat_pu": 1.8, "excitation": "turbine_1.3""#, "");
    let r = calculate(&circuit(&json), &ScOptions::default()).unwrap();
    assert!(r.buses.iter().all(|b| b.ik_ka.is_none()));
    assert!(
        r.warnings
            .iter()
            .any(|w| w.contains("xdsat_pu and excitation") && w.contains("\"G1\"")),
        "{:?}",
        r.warnings
    );
    // Unbalanced faults: Ik = Ik'' regardless (flux decay not considered).
    let o = ScOptions {
        fault: Fault::TwoPhase,
        ..Default::default()
    };
    let r = calculate(&circuit(&json), &o).unwrap();
    assert!(r.buses.iter().all(|b| b.ik_ka == b.ikss_ka));
}

/// The built-in examples carry xdsat_pu and excitation: Ik at every fed bus, at most Ik''
/// in the maximum case.
#[test]
fn examples_show_ik_at_every_bus() {
    for text in [
        include_str!("../../examples/iec60909_4.circuit.json"),
        include_str!("../../examples/substation.circuit.json"),
    ] {
        let c = circuit(text);
        let r = calculate(&c, &ScOptions::default()).unwrap();
        for b in &r.buses {
            let (Some(ik), Some(ikss)) = (b.ik_ka, b.ikss_ka) else {
                panic!(
                    "{}: {}: Ik {:?}, Ik'' {:?}",
                    c.name, b.id, b.ik_ka, b.ikss_ka
                );
            };
            assert!(ik <= ikss, "{}: {}: Ik {ik} > Ik'' {ikss}", c.name, b.id);
        }
    }
}

/// The format: xdsat_pu must be positive; one of the pair without the other, or xd sat below
/// x''d, is a warning; unknown excitation names are refused when parsing.
#[test]
fn generator_fields_are_checked() {
    use crate::sc::validate::{Severity, validate};
    let json = gen_via_transformer("");
    let problems = |from: &str, to: &str| {
        validate(&circuit(&json.replace(from, to)))
            .into_iter()
            .map(|p| (p.severity, p.path))
            .collect::<Vec<_>>()
    };
    assert!(problems("", "").is_empty());
    assert!(
        problems(r#""xdsat_pu": 1.8"#, r#""xdsat_pu": 0"#)
            .contains(&(Severity::Error, "generators[G1].xdsat_pu".to_string()))
    );
    assert!(
        problems(r#", "excitation": "turbine_1.3""#, "")
            .contains(&(Severity::Warning, "generators[G1].excitation".to_string()))
    );
    assert!(
        problems(r#""xdsat_pu": 1.8, "#, "")
            .contains(&(Severity::Warning, "generators[G1].xdsat_pu".to_string()))
    );
    assert!(
        problems(r#""xdsat_pu": 1.8"#, r#""xdsat_pu": 0.15"#)
            .contains(&(Severity::Warning, "generators[G1].xdsat_pu".to_string()))
    );
    assert!(parse_input(&json.replace("turbine_1.3", "turbine_1.4")).is_err());
    // Every excitation name parses to the series with its Ufmax/UfR.
    for (name, ceiling) in Excitation::NAMES.iter().zip([1.3, 1.6, 1.6, 2.0]) {
        let c = circuit(&json.replace("turbine_1.3", name));
        let e = c.generators[0].excitation.unwrap();
        assert_eq!((e.as_str(), e.ceiling()), (*name, ceiling));
    }
}
