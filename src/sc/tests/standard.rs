//! Hand calculations from the IEC 60909-0:2016 equations for features pandapower 3.5 lacks:
//! the breaking current Ib (clause 9.1) of the duty check, and the terminal variant of
//! power-station units for earth faults (clause 6.7.1).

use crate::sc::{Circuit, Fault, ScOptions, calculate, parse_input};
use num_complex::Complex64 as C64;

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

/// Generator alone at a busbar with a breaker: fault at its terminals.
const GEN_ONLY: &str = r#"{"format": "ampflux-circuit", "version": 1, "frequency_hz": 50,
  "buses": [{"id": "G", "vn_kv": 10.5}, {"id": "F", "vn_kv": 10.5}],
  "generators": [{"id": "G1", "bus": "G", "sn_mva": 100, "vn_kv": 10.5, "xdss_pu": 0.2,
                  "rdss_ohm": 0.01, "cos_phi": 0.8}],
  "switches": [{"id": "CB", "bus": "G", "element_kind": "bus", "element": "F", "type": "CB",
                "rated_ib_ka": 25, "rated_ip_ka": 80}]}"#;

/// Single-fed near-to-generator fault: Ib = μ Ik'' (eq. 70, 9.1.1) with μ from I''kG/IrG
/// and tmin.
#[test]
fn breaking_current_synchronous_generator() {
    let c = circuit(GEN_ONLY);
    // Eq. (18): KG = Un/UrG · cmax / (1 + x''d sin φrG); eq. (29): Ik'' = c Un / (√3 |KG ZG|).
    let kg = 1.1 / (1.0 + 0.2 * 0.6);
    let zg = C64::new(0.01, 0.2 * 10.5 * 10.5 / 100.0) * kg;
    let ik = 1.1 * 10.5 / (SQRT_3 * zg.norm());
    let irg = 100.0 / (SQRT_3 * 10.5);
    let x = ik / irg;
    for (tmin, (a, b, e)) in [
        (0.02, (0.84, 0.26, 0.26)),
        (0.05, (0.71, 0.51, 0.30)),
        (0.1, (0.62, 0.72, 0.32)),
        (0.25, (0.56, 0.94, 0.38)),
        (0.5, (0.56, 0.94, 0.38)),
    ] {
        let o = ScOptions {
            tmin_s: tmin,
            ..Default::default()
        };
        let r = calculate(&c, &o).unwrap();
        let d = &r.duty[0];
        close(d.ikss_ka.unwrap(), ik, 1e-9, "Ik''");
        let mu = a + b * f64::exp(-e * x);
        close(
            d.ib_ka.unwrap(),
            mu * ik,
            1e-9,
            &format!("Ib at tmin {tmin}"),
        );
        close(
            d.ib_utilisation_percent.unwrap(),
            mu * ik / 25.0 * 100.0,
            1e-9,
            "utilisation",
        );
    }
    // Figures: Ik'' = 30.76 kA, x = 5.59, μ(0.1 s) = 0.740, Ib = 22.77 kA.
    let r = calculate(&c, &ScOptions::default()).unwrap();
    close(r.duty[0].ib_ka.unwrap(), 22.77, 1e-3, "Ib figure");
    // Between two curves μ is interpolated linearly in tmin.
    let at = |t| {
        calculate(
            &c,
            &ScOptions {
                tmin_s: t,
                ..Default::default()
            },
        )
        .unwrap()
        .duty[0]
            .ib_ka
            .unwrap()
    };
    close(
        at(0.075),
        (at(0.05) + at(0.1)) / 2.0,
        1e-12,
        "interpolation",
    );
    // Unbalanced faults: Ib = Ik'' (no flux decay considered).
    let r = calculate(
        &c,
        &ScOptions {
            fault: Fault::TwoPhase,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(r.duty[0].ib_ka, r.duty[0].ikss_ka);
}

/// Asynchronous motor and network feeder at one busbar: Ib = IkQ'' + μ q IkM'' (eq. 69 and
/// eq. 72-73 combined by eq. 75 with ΔU''M = c Un/√3 at the fault location).
#[test]
fn breaking_current_asynchronous_motor_and_feeder() {
    let json = |pole_pairs: &str| {
        format!(
            r#"{{"format": "ampflux-circuit", "version": 1, "frequency_hz": 50,
  "buses": [{{"id": "M", "vn_kv": 6}}, {{"id": "F", "vn_kv": 6}}],
  "external_grids": [{{"id": "Q", "bus": "M", "s_sc_max_mva": 200, "rx_max": 0.1}}],
  "motors": [{{"id": "M1", "bus": "M", "pn_mech_mw": 5, "cos_phi": 0.88,
              "efficiency_percent": 97, "lrc_pu": 5, "rx": 0.1, "vn_kv": 6{pole_pairs}}}],
  "switches": [{{"id": "CB", "bus": "M", "element_kind": "bus", "element": "F", "type": "CB",
                "rated_ib_ka": 20}}]}}"#
        )
    };
    // Eq. (1): IkQ'' = S''kQ/(√3 UnQ); eq. (26): ZM = 1/(ILR/IrM) · UrM²/SrM, SrM = PrM/(η cos φ).
    let ikq = 200.0 / (SQRT_3 * 6.0);
    let srm = 5.0 / (0.97 * 0.88);
    let zm = 1.0 / 5.0 * 36.0 / srm;
    let ikm = 1.1 * 6.0 / (SQRT_3 * zm);
    let irm = srm / (SQRT_3 * 6.0);
    let mu = 0.62 + 0.72 * f64::exp(-0.32 * ikm / irm); // eq. (70), tmin = 0.1 s
    let q = 0.57 + 0.12 * f64::ln(5.0 / 2.0); // eq. (73), m = PrM/p = 2.5 MW
    let r = calculate(
        &circuit(&json(r#", "pole_pairs": 2"#)),
        &ScOptions::default(),
    )
    .unwrap();
    let d = &r.duty[0];
    // Same R/X in both branches: the partial currents add arithmetically.
    close(d.ikss_ka.unwrap(), ikq + ikm, 1e-9, "Ik''");
    close(d.ib_ka.unwrap(), ikq + mu * q * ikm, 1e-9, "Ib with q");
    close(d.ib_ka.unwrap(), 20.813, 1e-3, "Ib figure");
    // Without the number of pole pairs q = 1 (conservative).
    let r = calculate(&circuit(&json("")), &ScOptions::default()).unwrap();
    close(r.duty[0].ib_ka.unwrap(), ikq + mu * ikm, 1e-9, "Ib, q = 1");
    // Minimum case: motors are neglected (4.3.2) and the feeder takes S''kQmin and cmin = 1
    // (Table 1): far from generator, Ib = Ik'' = cmin UnQ / (√3 ZQmin) with ZQmin = cmin UnQ²
    // / S''kQmin, i.e. S''kQmin / (√3 UnQ).
    let min_json = json("").replace(
        r#""rx_max": 0.1"#,
        r#""rx_max": 0.1, "s_sc_min_mva": 150, "rx_min": 0.1"#,
    );
    let r = calculate(
        &circuit(&min_json),
        &ScOptions {
            case: crate::sc::Case::Min,
            ..Default::default()
        },
    )
    .unwrap();
    let ik_min = 150.0 / (SQRT_3 * 6.0);
    close(r.buses[0].ikss_ka.unwrap(), ik_min, 1e-9, "Ik''min");
    let d = &r.duty[0];
    close(d.ikss_ka.unwrap(), ik_min, 1e-9, "Ik''min at the breaker");
    assert_eq!(d.ib_ka, d.ikss_ka, "Ib = Ik'' without machines");
}

/// Generator feeding the fault over a line, with a network feeder at the fault location:
/// eq. (75) with ΔU''G/(c Un/√3) = |ZG|/|ZG + ZL| and I''kG = c Un/(√3 |ZG + ZL|).
#[test]
fn breaking_current_remote_generator_eq_75() {
    let c = circuit(
        r#"{"format": "ampflux-circuit", "version": 1, "frequency_hz": 50,
  "buses": [{"id": "G", "vn_kv": 10.5}, {"id": "K", "vn_kv": 10.5}, {"id": "F", "vn_kv": 10.5}],
  "external_grids": [{"id": "Q", "bus": "K", "s_sc_max_mva": 300, "rx_max": 0.1}],
  "generators": [{"id": "G1", "bus": "G", "sn_mva": 50, "vn_kv": 10.5, "xdss_pu": 0.15,
                  "rdss_ohm": 0.02, "cos_phi": 0.85}],
  "lines": [{"id": "L", "from_bus": "G", "to_bus": "K", "length_km": 1.5, "r_ohm_per_km": 0.1,
             "x_ohm_per_km": 0.12}],
  "switches": [{"id": "CB", "bus": "K", "element_kind": "bus", "element": "F", "type": "CB",
                "rated_ib_ka": 40}]}"#,
    );
    let (un, cmax) = (10.5, 1.1);
    let sin = (1.0f64 - 0.85 * 0.85).sqrt();
    let kg = cmax / (1.0 + 0.15 * sin);
    let zg = C64::new(0.02, 0.15 * un * un / 50.0) * kg;
    let zl = C64::new(0.15, 0.18);
    let zq_abs = cmax * un * un / 300.0;
    let xq = zq_abs / (1.0f64 + 0.01).sqrt();
    let zq = C64::new(0.1 * xq, xq);
    let e = cmax * un / SQRT_3; // kV
    let ikg = e / (zg + zl).norm();
    let ik = (e / zq + e / (zg + zl)).norm();
    let du = zg.norm() / (zg + zl).norm();
    let mu = 0.62 + 0.72 * f64::exp(-0.32 * ikg / (50.0 / (SQRT_3 * un)));
    let r = calculate(&c, &ScOptions::default()).unwrap();
    let d = &r.duty[0];
    close(d.ikss_ka.unwrap(), ik, 1e-9, "Ik''");
    close(
        d.ib_ka.unwrap(),
        ik - du * (1.0 - mu) * ikg,
        1e-9,
        "Ib eq. 75",
    );
    assert!(d.ib_ka.unwrap() < ik);
}

/// Faults at the terminals of a power-station unit use the unit's own correction factors for
/// every fault type (6.7.1): with a delta generator-side winding there is no zero-sequence
/// path, so a 2phg fault there equals the 2ph fault (eq. 56-58 with Z(0) → ∞), and the 1ph
/// current is zero. Before, earth faults at unit terminals kept KS/KSO (2phg differed from
/// 2ph by the factor KS/KG,S).
#[test]
fn unit_terminal_variant_for_earth_faults() {
    let mut c = circuit(include_str!(
        "../../../tests/fixtures/sc/examples/substation.circuit.json"
    ));
    // Without the current source (pandapower's 2ph current-source term has no 2phg analogue).
    c.static_generators.clear();
    let run = |fault| {
        calculate(
            &c,
            &ScOptions {
                fault,
                buses: vec!["G".into()],
                ..Default::default()
            },
        )
        .unwrap()
        .buses[0]
            .clone()
    };
    let two = run(Fault::TwoPhase);
    let two_e = run(Fault::TwoPhaseEarth);
    close(
        two_e.ikss_ka.unwrap(),
        two.ikss_ka.unwrap(),
        1e-12,
        "2phg = 2ph",
    );
    assert_eq!(run(Fault::SinglePhase).ikss_ka, Some(0.0));
    // And 2ph at the terminals is √3/2 of 3ph there (same unit variant, eq. 46).
    let three = run(Fault::ThreePhase);
    close(
        two.ikss_ka.unwrap(),
        three.ikss_ka.unwrap() * SQRT_3 / 2.0,
        1e-12,
        "2ph = √3/2 3ph",
    );
}

/// Zigzag windings (6.3.2): Dzn distribution transformer, line-to-earth fault on the zigzag
/// side: Ik1'' = √3 c Un / |2 Z(1) + Z(0)| (eq. 52) with Z(0) = KT Z(0)T + 3 ZN measured at the
/// zigzag terminals.
#[test]
fn zigzag_dzn_earth_fault() {
    let c = circuit(
        r#"{"format": "ampflux-circuit", "version": 1, "frequency_hz": 50,
  "buses": [{"id": "MV", "vn_kv": 20}, {"id": "LV", "vn_kv": 0.4}],
  "external_grids": [{"id": "Q", "bus": "MV", "s_sc_max_mva": 250, "rx_max": 0.1,
                      "x0x_max": 1.0, "r0x0_max": 0.1}],
  "transformers": [{"id": "T", "hv_bus": "MV", "lv_bus": "LV", "sn_mva": 0.25,
                    "vn_hv_kv": 20, "vn_lv_kv": 0.4, "vk_percent": 4, "vkr_percent": 1.2,
                    "vector_group": "Dzn5", "vk0_percent": 1.5, "vkr0_percent": 0.8,
                    "xn_ohm": 0.01}]}"#,
    );
    let o = ScOptions {
        fault: Fault::SinglePhase,
        buses: vec!["LV".into()],
        ..Default::default()
    };
    let r = calculate(&c, &o).unwrap();
    let (un, c_lv) = (0.4, 1.1);
    let zt = |vk: f64, vkr: f64| {
        let zb = un * un / 0.25;
        C64::new(vkr / 100.0 * zb, (vk * vk - vkr * vkr).sqrt() / 100.0 * zb)
    };
    // Eq. (12a): KT = 0.95 cmax / (1 + 0.6 xT).
    let xt = (4.0f64 * 4.0 - 1.2 * 1.2).sqrt() / 100.0;
    let kt = 0.95 * 1.1 / (1.0 + 0.6 * xt);
    // Eq. (1) referred to the LV side by the rated ratio.
    let zq_abs = 1.1 * 20.0 * 20.0 / 250.0 * (0.4f64 / 20.0).powi(2);
    let xq = zq_abs / (1.0f64 + 0.01).sqrt();
    let z1 = C64::new(0.1 * xq, xq) + zt(4.0, 1.2) * kt;
    let z0 = zt(1.5, 0.8) * kt + C64::new(0.0, 3.0 * 0.01);
    let ik1 = SQRT_3 * c_lv * un / (z1 * 2.0 + z0).norm();
    let b = &r.buses[0];
    close(b.ikss_ka.unwrap(), ik1, 1e-9, "Ik1'' Dzn5");
    close(b.rk0_ohm.unwrap(), z0.re, 1e-9, "R(0)");
    close(b.xk0_ohm.unwrap(), z0.im, 1e-9, "X(0)");
    // The zigzag decouples the sides: the delta-side zero sequence never sees the grid's.
    let r = calculate(
        &c,
        &ScOptions {
            fault: Fault::SinglePhase,
            buses: vec!["MV".into()],
            ..Default::default()
        },
    )
    .unwrap();
    let zq0 = C64::new(0.1, 1.0) * (1.1 * 400.0 / 250.0 / (1.0f64 + 0.01).sqrt());
    close(
        r.buses[0].xk0_ohm.unwrap(),
        zq0.im,
        1e-9,
        "MV X(0): grid only",
    );
}

/// Zigzag earthing transformer (ZNd) on an otherwise unearthed 20 kV busbar: the only
/// zero-sequence path, Z(0) = KT Z(0)ZN + 3 ZN at its terminals; without it, no path.
#[test]
fn zigzag_earthing_transformer() {
    let json = |earthing: bool| {
        let t = if earthing {
            r#", {"id": "TE", "hv_bus": "MV", "lv_bus": "AUX", "sn_mva": 1, "vn_hv_kv": 20,
                 "vn_lv_kv": 0.4, "vk_percent": 6, "vkr_percent": 1, "vector_group": "ZNd11",
                 "vk0_percent": 3, "vkr0_percent": 0.5, "xn_ohm": 20}"#
        } else {
            ""
        };
        format!(
            r#"{{"format": "ampflux-circuit", "version": 1, "frequency_hz": 50,
  "buses": [{{"id": "HV", "vn_kv": 110}}, {{"id": "MV", "vn_kv": 20}}, {{"id": "AUX", "vn_kv": 0.4}}],
  "external_grids": [{{"id": "Q", "bus": "HV", "s_sc_max_mva": 3000, "rx_max": 0.1,
                      "x0x_max": 1.0, "r0x0_max": 0.1}}],
  "transformers": [{{"id": "T1", "hv_bus": "HV", "lv_bus": "MV", "sn_mva": 40, "vn_hv_kv": 110,
                    "vn_lv_kv": 20, "vk_percent": 12, "vkr_percent": 0.5, "vector_group": "YNd5",
                    "vk0_percent": 11, "vkr0_percent": 0.5}}{t}]}}"#
        )
    };
    let o = ScOptions {
        fault: Fault::SinglePhase,
        buses: vec!["MV".into()],
        ..Default::default()
    };
    let r = calculate(&circuit(&json(true)), &o).unwrap();
    let zb = 20.0 * 20.0 / 1.0;
    let xt = (6.0f64 * 6.0 - 1.0).sqrt() / 100.0;
    // KT with cmax of the earthing transformer's LV bus (0.4 kV, 10 %: 1.1).
    let kt = 0.95 * 1.1 / (1.0 + 0.6 * xt);
    let x0 = (3.0f64 * 3.0 - 0.25).sqrt() / 100.0 * zb * kt + 3.0 * 20.0;
    let r0 = 0.5 / 100.0 * zb * kt;
    close(r.buses[0].rk0_ohm.unwrap(), r0, 1e-9, "R(0) ZNd");
    close(r.buses[0].xk0_ohm.unwrap(), x0, 1e-9, "X(0) ZNd");
    assert!(r.buses[0].ikss_ka.unwrap() > 0.0);
    let r = calculate(&circuit(&json(false)), &o).unwrap();
    assert_eq!(r.buses[0].ikss_ka, Some(0.0));
    assert_eq!(r.buses[0].xk0_ohm, None);
}

/// Branch currents with a static generator (6.9) by superposition: grid and inverter at A,
/// line to B, fault at B. The inverter current Is (k·IrG, angle −arg(ZAA) for 3ph, −90°
/// otherwise) raises the Thevenin voltage at B by ZBA·Is = ZQ·Is, so the line carries
/// |c Un/√3 + ZQ Is| / |ZQ + ZL| (3ph) and √3 times that over 2 (2ph phases b, c), while the
/// bus Ik'' adds the magnitudes (eq. 29 with the current-source term, as pandapower).
#[test]
fn branch_currents_with_static_generator() {
    let c = circuit(
        r#"{"format": "ampflux-circuit", "version": 1, "frequency_hz": 50,
  "buses": [{"id": "A", "vn_kv": 20}, {"id": "B", "vn_kv": 20}],
  "external_grids": [{"id": "Q", "bus": "A", "s_sc_max_mva": 100, "rx_max": 0.1}],
  "lines": [{"id": "L", "from_bus": "A", "to_bus": "B", "length_km": 5, "r_ohm_per_km": 0.2,
             "x_ohm_per_km": 0.35}],
  "static_generators": [{"id": "PV", "bus": "A", "sn_mva": 10, "k": 1.2}]}"#,
    );
    let un = 20.0;
    let zq_abs = 1.1 * un * un / 100.0;
    let xq = zq_abs / (1.0f64 + 0.01).sqrt();
    let zq = C64::new(0.1 * xq, xq);
    let zk = zq + C64::new(1.0, 1.75);
    let e = 1.1 * un / SQRT_3;
    let is_abs = 1.2 * 10.0 / (SQRT_3 * un);
    for (fault, angle, factor) in [
        (Fault::ThreePhase, -zq.arg(), 1.0),
        (Fault::TwoPhase, -std::f64::consts::FRAC_PI_2, SQRT_3 / 2.0),
    ] {
        let is = C64::from_polar(is_abs, angle);
        let r = calculate(
            &c,
            &ScOptions {
                fault,
                buses: vec!["B".into()],
                branch_results: true,
                ..Default::default()
            },
        )
        .unwrap();
        let line = (C64::new(e, 0.0) + zq * is).norm() / zk.norm() * factor;
        let br = &r.branches[0];
        close(
            br.ikss_from_ka.unwrap(),
            line,
            1e-9,
            &format!("{fault:?} line"),
        );
        close(
            br.ikss_to_ka.unwrap(),
            line,
            1e-9,
            &format!("{fault:?} line"),
        );
        if fault == Fault::ThreePhase {
            let bus = (e + (zq * is).norm()) / zk.norm();
            close(r.buses[0].ikss_ka.unwrap(), bus, 1e-9, "bus Ik''");
        }
    }
    assert!(r_warnings(&c).is_empty());
}

fn r_warnings(c: &Circuit) -> Vec<String> {
    calculate(
        c,
        &ScOptions {
            branch_results: true,
            ..Default::default()
        },
    )
    .unwrap()
    .warnings
}

/// Fault at the terminals of a power-station unit (6.7.1), Zk by hand: the generator with
/// KG,S = cmax / (1 + x''d sin φrG) (eq. 23, unit with on-load tap changer) in parallel with the
/// unit transformer (no correction factor at its own terminals) and the network feeder referred
/// to the LV side by the rated ratio (ZQt = ZQ / tr², eq. 6); Ik'' = c UrG / (√3 |Zk|), and the
/// unit transformer carries the network share Ik'' − IkG'' (phasors).
#[test]
fn unit_transformer_current_for_terminal_fault() {
    let c = circuit(
        r#"{"format": "ampflux-circuit", "version": 1, "frequency_hz": 50,
  "buses": [{"id": "HV", "vn_kv": 110}, {"id": "G", "vn_kv": 10.5}],
  "external_grids": [{"id": "Grid", "bus": "HV", "s_sc_max_mva": 5000, "rx_max": 0.1}],
  "transformers": [{"id": "TG", "hv_bus": "HV", "lv_bus": "G", "sn_mva": 60, "vn_hv_kv": 115,
     "vn_lv_kv": 10.5, "vk_percent": 13, "vkr_percent": 0.3, "vector_group": "YNd5", "oltc": true}],
  "generators": [{"id": "G1", "bus": "G", "sn_mva": 55, "vn_kv": 10.5, "xdss_pu": 0.17,
     "rdss_ohm": 0.005, "cos_phi": 0.85, "power_station_trafo": "TG"}]}"#,
    );
    let r = calculate(
        &c,
        &ScOptions {
            buses: vec!["G".into()],
            branch_results: true,
            ..Default::default()
        },
    )
    .unwrap();
    // Network feeder (eq. 1): ZQ = c UnQ² / S''kQ with R/X = 0.1, referred to 10.5 kV.
    let zq_abs = 1.1 * 110.0 * 110.0 / 5000.0;
    let xq = zq_abs / (1.0f64 + 0.01).sqrt();
    let tr = 115.0 / 10.5;
    let zqt = C64::new(0.1 * xq, xq) / (tr * tr);
    // Unit transformer at its LV side (eq. 7-9).
    let zt_abs = 0.13 * 10.5 * 10.5 / 60.0;
    let rt = 0.003 * 10.5 * 10.5 / 60.0;
    let zt = C64::new(rt, (zt_abs * zt_abs - rt * rt).sqrt());
    // Generator (eq. 17) with KG,S (eq. 23).
    let sin = (1.0f64 - 0.85 * 0.85).sqrt();
    let kgs = 1.1 / (1.0 + 0.17 * sin);
    let zg = C64::new(0.005, 0.17 * 10.5 * 10.5 / 55.0) * kgs;
    let zk = 1.0 / (1.0 / zg + 1.0 / (zqt + zt));
    let e = 1.1 * 10.5 / SQRT_3;
    let b = &r.buses[0];
    close(b.ikss_ka.unwrap(), e / zk.norm(), 1e-9, "Ik''");
    close(b.rk_ohm.unwrap(), zk.re, 1e-9, "Rk");
    close(b.xk_ohm.unwrap(), zk.im, 1e-9, "Xk");
    let tg = r.branches.iter().find(|b| b.id == "TG").unwrap();
    close(
        tg.ikss_to_ka.unwrap(),
        (e / zk - e / zg).norm(),
        1e-9,
        "TG LV current",
    );
}

/// Every bus carries Ib (the duty check's rule for the options' tmin), |Zk|, R/X, and Ik
/// only where clause 10 gives it without generator data.
#[test]
fn per_bus_breaking_current_impedance_and_steady_state() {
    let c = circuit(GEN_ONLY);
    let r = calculate(&c, &ScOptions::default()).unwrap();
    let g = r.buses.iter().find(|b| b.id == "G").unwrap();
    // The bus result's Ib is the duty check's Ib at the breaker's bus (22.77 kA above).
    close(g.ib_ka.unwrap(), r.duty[0].ib_ka.unwrap(), 1e-12, "bus Ib");
    assert!(g.ib_ka.unwrap() < g.ikss_ka.unwrap());
    // The generator feeds alone and has no xdsat_pu/excitation for the λ method: no Ik.
    assert_eq!(g.ik_ka, None);
    let (rk, xk) = (g.rk_ohm.unwrap(), g.xk_ohm.unwrap());
    close(g.zk_ohm.unwrap(), rk.hypot(xk), 1e-12, "|Zk|");
    close(g.rx.unwrap(), rk / xk, 1e-12, "R/X");
    assert_eq!(g.z0k_ohm, None);
    // Unbalanced faults: Ib = Ik = Ik'' (clauses 9.1.4 and 10.4, flux decay not considered).
    let o = ScOptions {
        fault: Fault::TwoPhase,
        ..Default::default()
    };
    let r = calculate(&c, &o).unwrap();
    let g = r.buses.iter().find(|b| b.id == "G").unwrap();
    assert_eq!(g.ib_ka, g.ikss_ka);
    assert_eq!(g.ik_ka, g.ikss_ka);
}

/// Far from generator (a network feeder only): Ib = Ik = Ik'' at every bus.
#[test]
fn far_from_generator_ib_and_ik_equal_the_initial_current() {
    let c = circuit(
        r#"{"format": "ampflux-circuit", "version": 1, "frequency_hz": 50,
  "buses": [{"id": "Q", "vn_kv": 20}, {"id": "B", "vn_kv": 20}],
  "external_grids": [{"id": "N", "bus": "Q", "s_sc_max_mva": 500, "rx_max": 0.1}],
  "lines": [{"id": "L", "from_bus": "Q", "to_bus": "B", "length_km": 2,
             "r_ohm_per_km": 0.2, "x_ohm_per_km": 0.4, "c_nf_per_km": 0}]}"#,
    );
    let r = calculate(&c, &ScOptions::default()).unwrap();
    for b in &r.buses {
        assert!(b.ikss_ka.is_some());
        assert_eq!(b.ib_ka, b.ikss_ka, "{}", b.id);
        assert_eq!(b.ik_ka, b.ikss_ka, "{}", b.id);
    }
}

/// Earth faults give |Z(0)k| wherever a zero-sequence path exists, from R(0)k and X(0)k.
#[test]
fn earth_faults_give_the_zero_sequence_impedance() {
    let c = circuit(include_str!(
        "../../../tests/fixtures/sc/examples/substation.circuit.json"
    ));
    let o = ScOptions {
        fault: Fault::SinglePhase,
        ..Default::default()
    };
    let r = calculate(&c, &o).unwrap();
    let mut seen = 0;
    for b in &r.buses {
        if let (Some(r0), Some(x0)) = (b.rk0_ohm, b.xk0_ohm) {
            close(b.z0k_ohm.unwrap(), r0.hypot(x0), 1e-12, "|Z(0)k|");
            seen += 1;
        } else {
            assert_eq!(b.z0k_ohm, None, "{}", b.id);
        }
    }
    assert!(seen > 0);
    // A three-phase fault has none.
    let r = calculate(&c, &ScOptions::default()).unwrap();
    assert!(r.buses.iter().all(|b| b.z0k_ohm.is_none()));
}
