//! Hand calculations for ward equivalents, series impedances, switch impedances, asynchronous
//! static generators, shunts, storage and unit transformers without their generator, and the
//! validation of their data.

use crate::sc::validate::{Severity, validate};
use crate::sc::{CalcError, Case, Circuit, Fault, KappaMethod, ScOptions, calculate};
use num_complex::Complex64 as C64;
use serde_json::{Value, json};

const SQRT_3: f64 = 1.732_050_807_568_877_2;
const SQRT_2: f64 = std::f64::consts::SQRT_2;

/// 110 kV grid (3000 MVA, R/X 0.1, X0/X 1, R0/X0 0.1) at bus A; bus B of the same voltage.
fn grid() -> Value {
    json!({"format": "ampflux-circuit", "version": 1,
        "buses": [{"id": "A", "vn_kv": 110}, {"id": "B", "vn_kv": 110}],
        "external_grids": [{"id": "Q", "bus": "A", "s_sc_max_mva": 3000, "s_sc_min_mva": 2000,
            "rx_max": 0.1, "rx_min": 0.1, "x0x_max": 1.0, "r0x0_max": 0.1, "x0x_min": 1.0,
            "r0x0_min": 0.1}]})
}

fn with(mut v: Value, key: &str, elements: Value) -> Circuit {
    v[key] = elements;
    serde_json::from_value(v).unwrap()
}

/// Grid impedance at 110 kV in ohm for voltage factor c.
fn zq(c: f64, s: f64) -> C64 {
    let z = c * 110.0 * 110.0 / s;
    let x = z / (1.0 + 0.01f64).sqrt();
    C64::new(0.1 * x, x)
}

fn ik_at(c: &Circuit, o: &ScOptions, bus: &str) -> Option<f64> {
    calculate(c, o)
        .unwrap()
        .buses
        .into_iter()
        .find(|b| b.id == bus)
        .and_then(|b| b.ikss_ka)
}

fn close(got: f64, want: f64, what: &str) {
    assert!(
        (got - want).abs() <= 1e-9 * want.abs(),
        "{what}: {got} vs hand calculation {want}"
    );
}

/// The example: an xward whose shunt part is 10 + j20 Ω at 110 kV (pz = 242 MW,
/// qz = −484 Mvar) beside a 3000 MVA grid gives 18.699 kA (pandapower 3.5.6: 18.698556 kA).
#[test]
fn ward_is_a_shunt_admittance_at_its_bus() {
    let pz = 110.0 * 110.0 * 10.0 / 500.0;
    let qz = -110.0 * 110.0 * 20.0 / 500.0;
    let xward = json!([{"id": "X", "bus": "A", "ps_mw": 10, "qs_mvar": 5, "pz_mw": pz,
        "qz_mvar": qz, "r_ohm": 10, "x_ohm": 20, "vm_pu": 1.0}]);
    let c = with(grid(), "xwards", xward);
    let y_ward = C64::new(pz, qz) / (110.0 * 110.0);
    assert!((C64::new(1.0, 0.0) / y_ward - C64::new(10.0, 20.0)).norm() < 1e-12);
    for (case, cf, s) in [(Case::Max, 1.1, 3000.0), (Case::Min, 1.0, 2000.0)] {
        let zk = C64::new(1.0, 0.0) / (C64::new(1.0, 0.0) / zq(cf, s) + y_ward);
        let o = ScOptions {
            case,
            ..Default::default()
        };
        let ik = ik_at(&c, &o, "A").unwrap();
        close(ik, cf * 110.0 / (SQRT_3 * zk.norm()), "Ik'' with the xward");
        if case == Case::Max {
            assert!((ik - 18.698556).abs() < 1e-5, "{ik}");
        }
    }
    // A ward with the same impedance part acts the same; the xward's internal branch and
    // constant power part do not count; out of service it is ignored.
    let ward = json!([{"id": "W", "bus": "A", "pz_mw": pz, "qz_mvar": qz}]);
    let o = ScOptions::default();
    assert_eq!(
        ik_at(&with(grid(), "wards", ward), &o, "A"),
        ik_at(&c, &o, "A")
    );
    let off = json!([{"id": "W", "bus": "A", "pz_mw": pz, "qz_mvar": qz, "in_service": false}]);
    close(
        ik_at(&with(grid(), "wards", off), &o, "A").unwrap(),
        1.1 * 110.0 / (SQRT_3 * zq(1.1, 3000.0).norm()),
        "Ik'' without the ward",
    );
    // No zero-sequence path through a ward: Z(0) at A is the grid's.
    let o1 = ScOptions {
        fault: Fault::SinglePhase,
        ..Default::default()
    };
    let r = calculate(&c, &o1).unwrap();
    let z0 = zq(1.1, 3000.0).im * C64::new(0.1, 1.0);
    close(r.buses[0].xk0_ohm.unwrap(), z0.im, "X(0)");
}

/// A series impedance between A and B: Zk at B = ZQ + Z, Z = (rft + j xft)·Un²/sn_mva, in
/// every sequence; its branch current for a fault at B is Ik'' at B.
#[test]
fn impedance_in_series() {
    let imp = json!([{"id": "Z", "from_bus": "A", "to_bus": "B", "sn_mva": 100, "rft_pu": 0.01,
        "xft_pu": 0.05, "rft0_pu": 0.03, "xft0_pu": 0.15}]);
    let c = with(grid(), "impedances", imp);
    let zb = 110.0 * 110.0 / 100.0;
    let (z, z0) = (C64::new(0.01, 0.05) * zb, C64::new(0.03, 0.15) * zb);
    let q = zq(1.1, 3000.0);
    let q0 = q.im * C64::new(0.1, 1.0);
    let o = ScOptions {
        branch_results: true,
        ..Default::default()
    };
    let r = calculate(&c, &o).unwrap();
    let ik_b = 1.1 * 110.0 / (SQRT_3 * (q + z).norm());
    close(r.buses[1].ikss_ka.unwrap(), ik_b, "3ph Ik'' at B");
    let br = r.branches.iter().find(|b| b.kind == "impedance").unwrap();
    assert_eq!(br.id, "Z");
    close(br.ikss_ka.unwrap(), ik_b, "impedance current");
    assert_eq!(br.fault_bus.as_deref(), Some("B"));
    let o1 = ScOptions {
        fault: Fault::SinglePhase,
        ..Default::default()
    };
    let r1 = calculate(&c, &o1).unwrap();
    let ik1 = SQRT_3 * 1.1 * 110.0 / ((q + z) * 2.0 + q0 + z0).norm();
    close(r1.buses[1].ikss_ka.unwrap(), ik1, "1ph Ik'' at B");
    // Without zero-sequence data an earth fault names the missing field.
    let imp = json!([{"id": "Z", "from_bus": "A", "to_bus": "B", "sn_mva": 100, "rft_pu": 0.01,
        "xft_pu": 0.05}]);
    let err = calculate(&with(grid(), "impedances", imp), &o1).unwrap_err();
    assert_eq!(
        err.to_string(),
        "impedances[Z].rft0_pu, xft0_pu: required for earth faults (2phg, 1ph)"
    );
}

/// The shunt parts of an impedance at its ends: a susceptance b at B (pu of sn_mva) is an
/// admittance j·b·sn_mva/Un² there.
#[test]
fn impedance_shunt_parts() {
    let imp = json!([{"id": "Z", "from_bus": "A", "to_bus": "B", "sn_mva": 50, "rft_pu": 0.01,
        "xft_pu": 0.05, "gf_pu": 0.0, "bf_pu": 0.0, "bt_pu": 0.02}]);
    let c = with(grid(), "impedances", imp);
    let z = C64::new(0.01, 0.05) * (110.0 * 110.0 / 50.0);
    let y_t = C64::new(0.0, 0.02 * 50.0 / (110.0 * 110.0));
    let zk = C64::new(1.0, 0.0) / (C64::new(1.0, 0.0) / (zq(1.1, 3000.0) + z) + y_t);
    close(
        ik_at(&c, &ScOptions::default(), "B").unwrap(),
        1.1 * 110.0 / (SQRT_3 * zk.norm()),
        "Ik'' at B",
    );
}

/// A closed bus-bus switch with z_ohm is |Z| = z_ohm at R/X = 2 (pandapower); with z_ohm = 0
/// it fuses the buses; open, B is unfed.
#[test]
fn switch_impedance() {
    let sw = |z: f64, closed: bool| {
        json!([{"id": "S", "bus": "A", "element_kind": "bus", "element": "B", "type": "CB",
            "closed": closed, "z_ohm": z}])
    };
    let o = ScOptions {
        branch_results: true,
        ..Default::default()
    };
    let c = with(grid(), "switches", sw(1.5, true));
    let zs = C64::new(2.0, 1.0) * (1.5 / 5f64.sqrt());
    let r = calculate(&c, &o).unwrap();
    let ik_b = 1.1 * 110.0 / (SQRT_3 * (zq(1.1, 3000.0) + zs).norm());
    close(r.buses[1].ikss_ka.unwrap(), ik_b, "Ik'' behind the switch");
    let br = r.branches.iter().find(|b| b.kind == "switch").unwrap();
    close(br.ikss_ka.unwrap(), ik_b, "switch current");
    let fused = with(grid(), "switches", sw(0.0, true));
    let r = calculate(&fused, &o).unwrap();
    assert_eq!(r.buses[0].ikss_ka, r.buses[1].ikss_ka);
    assert!(r.branches.is_empty());
    let open = with(grid(), "switches", sw(1.5, false));
    assert_eq!(ik_at(&open, &o, "B"), None);
}

/// Asynchronous generator: Z = 1/lrc · Un²/Sr at R/X = rx beside the grid, in both cases; a
/// doubly fed one: Z = √2 κ Un/(√3 ikmax) and its κ at its bus.
#[test]
fn asynchronous_static_generators() {
    let gens = json!([{"id": "W", "bus": "A", "generator_type": "async", "sn_mva": 20,
        "lrc_pu": 5, "rx": 0.1}]);
    let c = with(grid(), "static_generators", gens);
    let zg = {
        let z = 110.0 * 110.0 / (5.0 * 20.0);
        let x = z / (1.0 + 0.01f64).sqrt();
        C64::new(0.1 * x, x)
    };
    for (case, cf, s) in [(Case::Max, 1.1, 3000.0), (Case::Min, 1.0, 2000.0)] {
        let zk = C64::new(1.0, 0.0) / (C64::new(1.0, 0.0) / zq(cf, s) + C64::new(1.0, 0.0) / zg);
        let o = ScOptions {
            case,
            ..Default::default()
        };
        close(
            ik_at(&c, &o, "A").unwrap(),
            cf * 110.0 / (SQRT_3 * zk.norm()),
            "Ik'' with the asynchronous generator",
        );
    }
    let dfig = json!([{"id": "D", "bus": "B", "generator_type": "async_doubly_fed",
        "max_ik_ka": 0.5, "kappa": 1.7, "rx": 0.1}]);
    let mut v = grid();
    v["lines"] = json!([{"id": "L", "from_bus": "A", "to_bus": "B", "length_km": 10,
        "r_ohm_per_km": 0.12, "x_ohm_per_km": 0.39}]);
    let c = with(v, "static_generators", dfig);
    let zw = {
        let z = SQRT_2 * 1.7 * 110.0 / (SQRT_3 * 0.5);
        let x = z / (1.0 + 0.01f64).sqrt();
        C64::new(0.1 * x, x)
    };
    let zl = C64::new(1.2, 3.9);
    let zk = C64::new(1.0, 0.0)
        / (C64::new(1.0, 0.0) / (zq(1.1, 3000.0) + zl) + C64::new(1.0, 0.0) / zw);
    for method in [KappaMethod::B, KappaMethod::C] {
        let o = ScOptions {
            kappa_method: method,
            ..Default::default()
        };
        let r = calculate(&c, &o).unwrap();
        let b = &r.buses[1];
        close(
            b.ikss_ka.unwrap(),
            1.1 * 110.0 / (SQRT_3 * zk.norm()),
            "Ik''",
        );
        assert_eq!(b.kappa, Some(1.7));
        close(b.ip_ka.unwrap(), 1.7 * SQRT_2 * b.ikss_ka.unwrap(), "ip");
        assert_ne!(r.buses[0].kappa, Some(1.7));
    }
    // With k the asynchronous generator is a current source too (max case only).
    let both = json!([{"id": "W", "bus": "A", "generator_type": "async", "sn_mva": 20,
        "lrc_pu": 5, "rx": 0.1, "k": 1.2}]);
    let o = ScOptions::default();
    let with_k = ik_at(&with(grid(), "static_generators", both), &o, "A").unwrap();
    let only = ik_at(&with(grid(), "static_generators", gens_async()), &o, "A").unwrap();
    close(
        with_k - only,
        20.0 * 1.2 / (SQRT_3 * 110.0),
        "current-source share",
    );
}

fn gens_async() -> Value {
    json!([{"id": "W", "bus": "A", "generator_type": "async", "sn_mva": 20, "lrc_pu": 5,
        "rx": 0.1}])
}

/// Shunts and storage units have no short-circuit contribution (pandapower and IEC 60909-0).
#[test]
fn shunts_and_storage_do_not_contribute() {
    let o = ScOptions::default();
    let bare = ik_at(&with(grid(), "loads", json!([])), &o, "A");
    let mut v = grid();
    v["shunts"] = json!([{"id": "C1", "bus": "A", "q_mvar": -20, "p_mw": 0.1, "step": 2,
        "max_step": 3}]);
    v["storages"] = json!([{"id": "S1", "bus": "A", "p_mw": 5, "sn_mva": 6, "max_e_mwh": 10}]);
    let c: Circuit = serde_json::from_value(v).unwrap();
    let p = validate(&c);
    assert!(
        p.iter()
            .all(|p| !p.path.starts_with("shunts") && !p.path.starts_with("storages")),
        "{p:?}"
    );
    assert_eq!(ik_at(&c, &o, "A"), bare);
}

/// A transformer flagged as a unit transformer without a generator naming it: KT = 1 (as
/// pandapower), with a validation warning.
#[test]
fn unit_transformer_without_generator_has_no_kt() {
    let net = |flag: bool| -> Circuit {
        serde_json::from_value(json!({"format": "ampflux-circuit", "version": 1,
            "buses": [{"id": "A", "vn_kv": 110}, {"id": "B", "vn_kv": 20}],
            "external_grids": [{"id": "Q", "bus": "A", "s_sc_max_mva": 3000, "rx_max": 0.1}],
            "transformers": [{"id": "T", "hv_bus": "A", "lv_bus": "B", "sn_mva": 40,
                "vn_hv_kv": 110, "vn_lv_kv": 20, "vk_percent": 12, "vkr_percent": 0.4,
                "power_station_unit": flag}]}))
        .unwrap()
    };
    let o = ScOptions::default();
    let zq20 = zq(1.1, 3000.0) * (20.0f64 / 110.0).powi(2);
    let zt = {
        let z = 0.12 * 400.0 / 40.0;
        let r = 0.004 * 400.0 / 40.0;
        C64::new(r, (z * z - r * r).sqrt())
    };
    let kt = 0.95 * 1.1 / (1.0 + 0.6 * (0.12f64 * 0.12 - 0.004 * 0.004).sqrt());
    let ik = |k: f64| 1.1 * 20.0 / (SQRT_3 * (zq20 + zt * k).norm());
    close(
        ik_at(&net(false), &o, "B").unwrap(),
        ik(kt),
        "network transformer (KT)",
    );
    close(
        ik_at(&net(true), &o, "B").unwrap(),
        ik(1.0),
        "flagged unit transformer",
    );
    let p = validate(&net(true));
    assert!(
        p.iter()
            .any(|p| p.severity == Severity::Warning
                && p.path == "transformers[T].power_station_unit"),
        "{p:?}"
    );
}

/// Bad data of the new kinds: clear messages by field, never a panic.
#[test]
fn element_data_is_validated() {
    let v = json!({"format": "ampflux-circuit", "version": 1,
        "buses": [{"id": "A", "vn_kv": 20}, {"id": "B", "vn_kv": 20}],
        "external_grids": [{"id": "Q", "bus": "A", "s_sc_max_mva": 300, "rx_max": 0.1}],
        "impedances": [
            {"id": "Z1", "from_bus": "A", "to_bus": "B", "sn_mva": 10, "rft_pu": 0.01,
             "xft_pu": 0.05, "rtf_pu": 0.02},
            {"id": "Z2", "from_bus": "A", "to_bus": "A", "sn_mva": 0, "rft_pu": 0, "xft_pu": 0,
             "rft0_pu": 0.1},
            {"id": "Z3", "from_bus": "A", "to_bus": "C", "sn_mva": 10, "rft_pu": 0.01,
             "xft_pu": 0.05}],
        "static_generators": [
            {"id": "S1", "bus": "A"},
            {"id": "S2", "bus": "A", "generator_type": "async", "sn_mva": 2, "rx": 0.1},
            {"id": "S3", "bus": "A", "generator_type": "async_doubly_fed", "max_ik_ka": 0.2,
             "kappa": 2.5, "rx": 0.1, "lrc_pu": 5}],
        "shunts": [{"id": "H", "bus": "A", "q_mvar": 1, "step": 3, "max_step": 2}],
        "wards": [{"id": "W", "bus": "X", "pz_mw": 1, "qz_mvar": 1}],
        "xwards": [{"id": "XW", "bus": "A", "pz_mw": 1, "qz_mvar": 1, "r_ohm": 1, "x_ohm": 1,
            "vm_pu": 0}],
        "storages": [{"id": "ST", "bus": "A", "sn_mva": -1}, {"id": "ST", "bus": "A"}],
        "switches": [{"id": "SW", "bus": "A", "element_kind": "bus", "element": "B",
            "z_ohm": -1}]});
    let c: Circuit = serde_json::from_value(v).unwrap();
    let lines: Vec<String> = validate(&c).iter().map(|p| p.to_string()).collect();
    for want in [
        "error: impedances[Z1].rtf_pu: must equal rft_pu (0.02 ≠ 0.01): a non-reciprocal impedance is not supported (the network model is symmetric)",
        "error: impedances[Z2].to_bus: must differ from from_bus",
        "error: impedances[Z2].sn_mva: must be greater than 0 (got 0)",
        "error: impedances[Z2].xft_pu: the impedance must not be zero (use a bus-bus switch)",
        "error: impedances[Z2].xft0_pu: required with rft0_pu",
        "error: impedances[Z3].to_bus: no bus \"C\"",
        "error: static_generators[S1].sn_mva: required for generator_type current_source",
        "error: static_generators[S1].k: required for generator_type current_source",
        "error: static_generators[S2].lrc_pu: required for generator_type async",
        "error: static_generators[S3].kappa: must be 1 to 2 (got 2.5)",
        "warning: static_generators[S3].lrc_pu: not used for generator_type async_doubly_fed (ignored)",
        "error: shunts[H].step: must not exceed max_step (3 > 2)",
        "error: wards[W].bus: no bus \"X\"",
        "error: xwards[XW].vm_pu: must be greater than 0 (got 0)",
        "error: storages[ST]: duplicate id",
        "error: storages[ST].sn_mva: must be greater than 0 (got -1)",
        "error: switches[SW].z_ohm: must be 0 or greater (got -1)",
    ] {
        assert!(
            lines.iter().any(|l| l == want),
            "missing {want:?} in {lines:#?}"
        );
    }
    assert!(matches!(
        calculate(&c, &ScOptions::default()),
        Err(CalcError::Invalid(_))
    ));
    // A line switch has no impedance.
    let v = json!({"format": "ampflux-circuit", "version": 1,
        "buses": [{"id": "A", "vn_kv": 20}, {"id": "B", "vn_kv": 20}],
        "lines": [{"id": "L", "from_bus": "A", "to_bus": "B", "length_km": 1,
            "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.1}],
        "switches": [{"id": "SW", "bus": "A", "element_kind": "line", "element": "L",
            "z_ohm": 0.5}]});
    let c: Circuit = serde_json::from_value(v).unwrap();
    let lines: Vec<String> = validate(&c).iter().map(|p| p.to_string()).collect();
    assert!(lines.contains(
        &"error: switches[SW].z_ohm: only a bus-bus switch has an impedance (element_kind is line)"
            .to_string()
    ));
}

/// A line between two buses fused by a closed switch carries nothing: the fault current is the
/// grid's alone (the branch's entries cancel on the shared diagonal, as in pandapower).
#[test]
fn a_branch_within_fused_buses_is_no_shunt() {
    let mut v = grid();
    v["lines"] = json!([{"id": "L", "from_bus": "A", "to_bus": "B", "length_km": 1,
        "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.4}]);
    let c = with(
        v,
        "switches",
        json!([{"id": "S", "bus": "A", "element_kind": "bus",
        "element": "B"}]),
    );
    let o = ScOptions::default();
    let want = 1.1 * 110.0 / (SQRT_3 * zq(1.1, 3000.0).norm());
    close(ik_at(&c, &o, "A").unwrap(), want, "Ik'' at A");
    close(ik_at(&c, &o, "B").unwrap(), want, "Ik'' at B");
}
