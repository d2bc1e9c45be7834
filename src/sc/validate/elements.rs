//! Checks of static generators by type, shunts, ward equivalents, series impedances, storage
//! units, switch impedances and unit transformers without their generator.

use super::Checker;
use crate::sc::circuit::{ElementKind, GeneratorType, Impedance};

impl Checker<'_> {
    /// A field the element's variant needs.
    fn required(&mut self, kind: &str, id: &str, field: &str, v: Option<f64>, why: &str) {
        if v.is_none() {
            self.error(format!("{kind}[{id}].{field}"), format!("required {why}"));
        }
    }
}

/// Checks the element kinds of this module; called by `validate_data_with`.
pub(super) fn check(k: &mut Checker) {
    let c = k.c;
    k.unique("impedances", c.impedances.iter().map(|e| e.id.as_str()));
    k.unique("storages", c.storages.iter().map(|e| e.id.as_str()));
    k.unique("shunts", c.shunts.iter().map(|e| e.id.as_str()));
    k.unique("wards", c.wards.iter().map(|e| e.id.as_str()));
    k.unique("xwards", c.xwards.iter().map(|e| e.id.as_str()));
    for t in c.transformers.iter().filter(|t| t.power_station_unit) {
        let named = c
            .generators
            .iter()
            .any(|g| g.power_station_trafo.as_deref() == Some(t.id.as_str()));
        if !named {
            k.warn(
                format!("transformers[{}].power_station_unit", t.id),
                "no generator names this unit transformer in power_station_trafo: it gets no \
                 correction factor (KT = 1, as pandapower) and no KS/KSO"
                    .into(),
            );
        }
    }
    for z in &c.impedances {
        impedance(k, z);
    }
    static_generators(k);
    for s in &c.storages {
        let kd = "storages";
        k.bus_ref(kd, &s.id, "bus", &s.bus);
        k.finite(kd, &s.id, "p_mw", s.p_mw);
        k.finite(kd, &s.id, "q_mvar", s.q_mvar);
        k.opt_positive(kd, &s.id, "sn_mva", s.sn_mva);
        k.opt_non_negative(kd, &s.id, "max_e_mwh", s.max_e_mwh);
    }
    for s in &c.shunts {
        let kd = "shunts";
        k.bus_ref(kd, &s.id, "bus", &s.bus);
        k.finite(kd, &s.id, "p_mw", s.p_mw);
        k.finite(kd, &s.id, "q_mvar", s.q_mvar);
        k.opt_positive(kd, &s.id, "vn_kv", s.vn_kv);
        match s.max_step {
            Some(0) => k.error(
                format!("{kd}[{}].max_step", s.id),
                "must be 1 or greater (got 0)".into(),
            ),
            Some(m) if s.step > m => k.error(
                format!("{kd}[{}].step", s.id),
                format!("must not exceed max_step ({} > {m})", s.step),
            ),
            _ => {}
        }
    }
    for w in &c.wards {
        let kd = "wards";
        k.bus_ref(kd, &w.id, "bus", &w.bus);
        for (f, v) in [
            ("ps_mw", w.ps_mw),
            ("qs_mvar", w.qs_mvar),
            ("pz_mw", w.pz_mw),
            ("qz_mvar", w.qz_mvar),
        ] {
            k.finite(kd, &w.id, f, v);
        }
    }
    for w in &c.xwards {
        let kd = "xwards";
        k.bus_ref(kd, &w.id, "bus", &w.bus);
        for (f, v) in [
            ("ps_mw", w.ps_mw),
            ("qs_mvar", w.qs_mvar),
            ("pz_mw", w.pz_mw),
            ("qz_mvar", w.qz_mvar),
            ("r_ohm", w.r_ohm),
            ("x_ohm", w.x_ohm),
        ] {
            k.finite(kd, &w.id, f, v);
        }
        k.positive(kd, &w.id, "vm_pu", w.vm_pu);
    }
    for s in &c.switches {
        let Some(z) = s.z_ohm else { continue };
        let kd = "switches";
        k.non_negative(kd, &s.id, "z_ohm", z);
        if z > 0.0 && s.element_kind != ElementKind::Bus {
            k.error(
                format!("{kd}[{}].z_ohm", s.id),
                format!(
                    "only a bus-bus switch has an impedance (element_kind is {})",
                    format!("{:?}", s.element_kind).to_lowercase()
                ),
            );
        }
    }
}

fn impedance(k: &mut Checker, z: &Impedance) {
    let kd = "impedances";
    let id = z.id.as_str();
    k.bus_ref(kd, id, "from_bus", &z.from_bus);
    k.bus_ref(kd, id, "to_bus", &z.to_bus);
    if z.from_bus == z.to_bus {
        k.error(
            format!("{kd}[{id}].to_bus"),
            "must differ from from_bus".into(),
        );
    }
    k.positive(kd, id, "sn_mva", z.sn_mva);
    k.finite(kd, id, "rft_pu", z.rft_pu);
    k.finite(kd, id, "xft_pu", z.xft_pu);
    if z.rft_pu == 0.0 && z.xft_pu == 0.0 {
        k.error(
            format!("{kd}[{id}].xft_pu"),
            "the impedance must not be zero (use a bus-bus switch)".into(),
        );
    }
    for (f, v) in [
        ("rtf_pu", z.rtf_pu),
        ("xtf_pu", z.xtf_pu),
        ("gf_pu", z.gf_pu),
        ("bf_pu", z.bf_pu),
        ("gt_pu", z.gt_pu),
        ("bt_pu", z.bt_pu),
        ("rft0_pu", z.rft0_pu),
        ("xft0_pu", z.xft0_pu),
        ("rtf0_pu", z.rtf0_pu),
        ("xtf0_pu", z.xtf0_pu),
        ("gf0_pu", z.gf0_pu),
        ("bf0_pu", z.bf0_pu),
        ("gt0_pu", z.gt0_pu),
        ("bt0_pu", z.bt0_pu),
    ] {
        k.opt_finite(kd, id, f, v);
    }
    // The sparse solver takes a symmetric (reciprocal) admittance matrix.
    let mut reciprocal = |field: &str, v: Option<f64>, ft_field: &str, ft: Option<f64>| {
        if let (Some(v), Some(ft)) = (v, ft)
            && v != ft
        {
            k.error(
                format!("{kd}[{id}].{field}"),
                format!(
                    "must equal {ft_field} ({v} ≠ {ft}): a non-reciprocal impedance is not \
                         supported (the network model is symmetric)"
                ),
            );
        }
    };
    reciprocal("rtf_pu", z.rtf_pu, "rft_pu", Some(z.rft_pu));
    reciprocal("xtf_pu", z.xtf_pu, "xft_pu", Some(z.xft_pu));
    reciprocal("rtf0_pu", z.rtf0_pu, "rft0_pu", z.rft0_pu);
    reciprocal("xtf0_pu", z.xtf0_pu, "xft0_pu", z.xft0_pu);
    // The zero sequence is given as a pair (and then must not be zero), or not at all.
    for (field, other, v, o) in [
        ("rft0_pu", "xft0_pu", z.rft0_pu, z.xft0_pu),
        ("xft0_pu", "rft0_pu", z.xft0_pu, z.rft0_pu),
        ("rtf0_pu", "rft0_pu", z.rtf0_pu, z.rft0_pu),
        ("xtf0_pu", "xft0_pu", z.xtf0_pu, z.xft0_pu),
    ] {
        if v.is_some() && o.is_none() {
            k.error(
                format!("{kd}[{id}].{other}"),
                format!("required with {field}"),
            );
        }
    }
    if z.rft0_pu == Some(0.0) && z.xft0_pu == Some(0.0) {
        k.error(
            format!("{kd}[{id}].xft0_pu"),
            "the zero-sequence impedance must not be zero".into(),
        );
    }
}

fn static_generators(k: &mut Checker) {
    let kd = "static_generators";
    let c = k.c;
    for s in &c.static_generators {
        let id = s.id.as_str();
        k.bus_ref(kd, id, "bus", &s.bus);
        let gt = s.generator_type;
        let why = format!("for generator_type {}", gt.as_str());
        let mut used = vec!["sn_mva", "k"];
        match gt {
            GeneratorType::CurrentSource => {
                k.required(kd, id, "sn_mva", s.sn_mva, &why);
                k.required(kd, id, "k", s.k, &why);
            }
            GeneratorType::Async => {
                k.required(kd, id, "sn_mva", s.sn_mva, &why);
                k.required(kd, id, "lrc_pu", s.lrc_pu, &why);
                k.required(kd, id, "rx", s.rx, &why);
                used.extend(["lrc_pu", "rx"]);
            }
            GeneratorType::AsyncDoublyFed => {
                k.required(kd, id, "max_ik_ka", s.max_ik_ka, &why);
                k.required(kd, id, "kappa", s.kappa, &why);
                k.required(kd, id, "rx", s.rx, &why);
                if s.k.is_some() {
                    k.required(kd, id, "sn_mva", s.sn_mva, "with k (a current source)");
                }
                used.extend(["max_ik_ka", "kappa", "rx"]);
            }
        }
        for (field, v) in [
            ("lrc_pu", s.lrc_pu),
            ("rx", s.rx),
            ("max_ik_ka", s.max_ik_ka),
            ("kappa", s.kappa),
        ] {
            if v.is_some() && !used.contains(&field) {
                k.warn(
                    format!("{kd}[{id}].{field}"),
                    format!("not used {why} (ignored)"),
                );
            }
        }
        k.opt_positive(kd, id, "sn_mva", s.sn_mva);
        k.opt_non_negative(kd, id, "k", s.k);
        k.opt_positive(kd, id, "lrc_pu", s.lrc_pu);
        k.opt_non_negative(kd, id, "rx", s.rx);
        k.opt_positive(kd, id, "max_ik_ka", s.max_ik_ka);
        if let Some(kappa) = s.kappa
            && !(1.0..=2.0).contains(&kappa)
        {
            k.error(
                format!("{kd}[{id}].kappa"),
                format!("must be 1 to 2 (got {kappa})"),
            );
        }
    }
}
