//! Shunts, ward and extended ward equivalents, series impedances and storage units.

use super::ImportError;
use super::frame::{Importer, Row};
use crate::sc::circuit::*;

/// Shunts (no short-circuit contribution, as in pandapower; carried over for completeness).
pub(super) fn shunts(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("shunt")?;
    im.ignored(
        "shunt",
        &rows,
        &["bus", "p_mw", "q_mvar", "vn_kv", "step", "max_step"],
        &["step_dependency_table", "id_characteristic_table"],
    );
    for r in &rows {
        let t = "shunt";
        c.shunts.push(Shunt {
            id: r.index.clone(),
            name: r.s("name"),
            bus: im.need_idx(t, r, "bus")?,
            p_mw: r.f("p_mw").unwrap_or(0.0),
            q_mvar: r.f("q_mvar").unwrap_or(0.0),
            vn_kv: r.f("vn_kv"),
            step: count(t, r, "step")?.unwrap_or(1),
            max_step: count(t, r, "max_step")?,
            in_service: r.b("in_service").unwrap_or(true),
        });
    }
    Ok(())
}

/// A whole number of 0 or more (pandapower stores steps as integers, sometimes as floats).
fn count(table: &str, r: &Row, col: &str) -> Result<Option<u32>, ImportError> {
    let Some(v) = r.f(col) else { return Ok(None) };
    if v.fract() != 0.0 || !(0.0..=f64::from(u32::MAX)).contains(&v) {
        return Err(ImportError::Table {
            table: table.into(),
            message: format!(
                "row {}: {col} must be a whole number of 0 or more (got {v})",
                r.index
            ),
        });
    }
    Ok(Some(v as u32))
}

/// Ward equivalents (table `ward`).
pub(super) fn wards(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("ward")?;
    im.ignored(
        "ward",
        &rows,
        &["bus", "ps_mw", "qs_mvar", "pz_mw", "qz_mvar"],
        &[],
    );
    for r in &rows {
        let t = "ward";
        c.wards.push(Ward {
            id: r.index.clone(),
            name: r.s("name"),
            bus: im.need_idx(t, r, "bus")?,
            ps_mw: r.f("ps_mw").unwrap_or(0.0),
            qs_mvar: r.f("qs_mvar").unwrap_or(0.0),
            pz_mw: r.f("pz_mw").unwrap_or(0.0),
            qz_mvar: r.f("qz_mvar").unwrap_or(0.0),
            in_service: r.b("in_service").unwrap_or(true),
        });
    }
    Ok(())
}

/// Extended wards (table `xward`).
pub(super) fn xwards(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("xward")?;
    im.ignored(
        "xward",
        &rows,
        &[
            "bus", "ps_mw", "qs_mvar", "pz_mw", "qz_mvar", "r_ohm", "x_ohm", "vm_pu",
        ],
        &["slack_weight"],
    );
    for r in &rows {
        let t = "xward";
        c.xwards.push(Xward {
            id: r.index.clone(),
            name: r.s("name"),
            bus: im.need_idx(t, r, "bus")?,
            ps_mw: r.f("ps_mw").unwrap_or(0.0),
            qs_mvar: r.f("qs_mvar").unwrap_or(0.0),
            pz_mw: r.f("pz_mw").unwrap_or(0.0),
            qz_mvar: r.f("qz_mvar").unwrap_or(0.0),
            r_ohm: im.need(t, r, "r_ohm")?,
            x_ohm: im.need(t, r, "x_ohm")?,
            vm_pu: r.f("vm_pu").unwrap_or(1.0),
            in_service: r.b("in_service").unwrap_or(true),
        });
    }
    Ok(())
}

/// Series impedances. Values equal to their default (rtf = rft, gt = gf, ...) are left out.
pub(super) fn impedances(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("impedance")?;
    let used = [
        "from_bus", "to_bus", "sn_mva", "rft_pu", "xft_pu", "rtf_pu", "xtf_pu", "gf_pu", "bf_pu",
        "gt_pu", "bt_pu", "rft0_pu", "xft0_pu", "rtf0_pu", "xtf0_pu", "gf0_pu", "bf0_pu", "gt0_pu",
        "bt0_pu",
    ];
    im.ignored("impedance", &rows, &used, &[]);
    // `value` unless it equals `default` (both absent counts as equal).
    let unless = |value: Option<f64>, default: Option<f64>| value.filter(|v| Some(*v) != default);
    for r in &rows {
        let t = "impedance";
        let (rft, xft) = (im.need(t, r, "rft_pu")?, im.need(t, r, "xft_pu")?);
        let (gf, bf) = (r.f("gf_pu"), r.f("bf_pu"));
        let (rft0, xft0) = (r.f("rft0_pu"), r.f("xft0_pu"));
        let (gf0, bf0) = (r.f("gf0_pu"), r.f("bf0_pu"));
        c.impedances.push(Impedance {
            id: r.index.clone(),
            name: r.s("name"),
            from_bus: im.need_idx(t, r, "from_bus")?,
            to_bus: im.need_idx(t, r, "to_bus")?,
            sn_mva: im.need(t, r, "sn_mva")?,
            rft_pu: rft,
            xft_pu: xft,
            rtf_pu: unless(r.f("rtf_pu"), Some(rft)),
            xtf_pu: unless(r.f("xtf_pu"), Some(xft)),
            gf_pu: unless(gf, Some(0.0)),
            bf_pu: unless(bf, Some(0.0)),
            gt_pu: unless(r.f("gt_pu"), gf.or(Some(0.0))),
            bt_pu: unless(r.f("bt_pu"), bf.or(Some(0.0))),
            rft0_pu: rft0,
            xft0_pu: xft0,
            rtf0_pu: unless(r.f("rtf0_pu"), rft0),
            xtf0_pu: unless(r.f("xtf0_pu"), xft0),
            gf0_pu: unless(gf0, Some(0.0)),
            bf0_pu: unless(bf0, Some(0.0)),
            gt0_pu: unless(r.f("gt0_pu"), gf0.or(Some(0.0))),
            bt0_pu: unless(r.f("bt0_pu"), bf0.or(Some(0.0))),
            in_service: r.b("in_service").unwrap_or(true),
        });
    }
    Ok(())
}

/// Storage units (no short-circuit contribution, as in pandapower).
pub(super) fn storages(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("storage")?;
    im.ignored(
        "storage",
        &rows,
        &["bus", "p_mw", "q_mvar", "sn_mva", "max_e_mwh"],
        &[
            "min_e_mwh",
            "soc_percent",
            "scaling",
            "type",
            "controllable",
            "max_p_mw",
            "min_p_mw",
            "max_q_mvar",
            "min_q_mvar",
        ],
    );
    for r in &rows {
        c.storages.push(Storage {
            id: r.index.clone(),
            name: r.s("name"),
            bus: im.need_idx("storage", r, "bus")?,
            p_mw: r.f("p_mw").unwrap_or(0.0),
            q_mvar: r.f("q_mvar").unwrap_or(0.0),
            sn_mva: r.f("sn_mva"),
            max_e_mwh: r.f("max_e_mwh"),
            in_service: r.b("in_service").unwrap_or(true),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::sc::circuit::GeneratorType;
    use crate::sc::parse_input;

    fn import(text: &str) -> crate::sc::Parsed {
        let parsed = parse_input(text).unwrap();
        assert!(
            !parsed
                .warnings
                .iter()
                .any(|w| w.contains("not supported") || w.contains("not imported")),
            "{:?}",
            parsed.warnings
        );
        parsed
    }

    #[test]
    fn wards_shunts_storage_impedances_and_switch_impedances_are_imported() {
        let p = import(include_str!(
            "../../../tests/fixtures/sc/pp/equivalents_mv.json"
        ));
        let c = &p.circuit;
        assert_eq!((c.wards.len(), c.shunts.len(), c.storages.len()), (3, 1, 1));
        assert_eq!(c.wards[2].bus, "9");
        assert_eq!((c.wards[2].pz_mw, c.wards[2].qz_mvar), (0.5, -1.5));
        let sh = &c.shunts[0];
        assert_eq!((sh.q_mvar, sh.step, sh.max_step), (2.0, 2, Some(3)));
        assert_eq!(c.storages[0].max_e_mwh, Some(4.0));
        let z = &c.impedances[0];
        assert_eq!((z.from_bus.as_str(), z.to_bus.as_str()), ("8", "9"));
        assert_eq!((z.sn_mva, z.rft_pu, z.xft_pu), (10.0, 0.02, 0.08));
        // Defaults are left out: rtf = rft, gf = 0.
        assert_eq!(
            (z.rtf_pu, z.gf_pu, z.bf_pu, z.bt_pu),
            (None, None, Some(0.001), Some(0.002))
        );
        assert_eq!(
            (z.rft0_pu, z.xft0_pu, z.bf0_pu),
            (Some(0.06), Some(0.24), Some(0.0005))
        );
        // Only the bus-bus switch's positive impedance is kept (0 means fused in pandapower).
        let z_ohm: Vec<Option<f64>> = c.switches.iter().map(|s| s.z_ohm).collect();
        assert_eq!(z_ohm, vec![Some(0.8), None, Some(0.5)]);
        assert!(c.switches[0].is_impedance() && !c.switches[2].is_impedance());
        assert!(crate::sc::validate::validate(c).is_empty());
    }

    #[test]
    fn xwards_are_imported() {
        let p = import(include_str!("../../../tests/fixtures/sc/pp/xward_mv.json"));
        let w = &p.circuit.xwards[0];
        assert_eq!(
            (w.bus.as_str(), w.r_ohm, w.x_ohm, w.vm_pu),
            ("2", 2.0, 6.0, 1.02)
        );
        assert_eq!(p.circuit.wards.len(), 1);
    }

    #[test]
    fn asynchronous_static_generators_are_imported_by_type() {
        let p = import(include_str!(
            "../../../tests/fixtures/sc/pp/async_sgen_mv.json"
        ));
        let s = &p.circuit.static_generators;
        assert_eq!(s[0].generator_type, GeneratorType::Async);
        assert_eq!(
            (s[0].lrc_pu, s[0].rx, s[0].k),
            (Some(5.5), Some(0.12), None)
        );
        assert_eq!(s[1].generator_type, GeneratorType::AsyncDoublyFed);
        assert_eq!(
            (s[1].max_ik_ka, s[1].kappa, s[1].rx),
            (Some(0.35), Some(1.65), Some(0.1))
        );
        assert_eq!(s[1].lrc_pu, None);
        assert_eq!(s[2].generator_type, GeneratorType::CurrentSource);
        assert_eq!((s[2].sn_mva, s[2].k, s[2].rx), (Some(1.2), Some(1.2), None));
    }

    #[test]
    fn a_unit_transformer_flag_is_carried_over() {
        let p = import(include_str!(
            "../../../tests/fixtures/sc/pp/unit_trafo_without_gen.json"
        ));
        assert!(p.circuit.transformers.iter().all(|t| t.power_station_unit));
        assert!(!p.warnings.iter().any(|w| w.contains("power_station_unit")));
    }
}
