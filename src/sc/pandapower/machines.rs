//! Generators, static generators, motors and loads.

use super::ImportError;
use super::frame::Importer;
use crate::sc::circuit::*;

/// Synchronous generators (and power-station units).
pub(super) fn generators(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("gen")?;
    let used = [
        "bus",
        "sn_mva",
        "vn_kv",
        "xdss_pu",
        "rdss_ohm",
        "cos_phi",
        "pg_percent",
        "power_station_trafo",
    ];
    let pf = [
        "p_mw",
        "vm_pu",
        "slack",
        "controllable",
        "max_q_mvar",
        "min_q_mvar",
        "max_p_mw",
        "min_p_mw",
        "scaling",
        "type",
        "slack_weight",
        "id_q_capability_characteristic",
        "reactive_capability_curve",
        "curve_style",
        "max_vm_pu",
        "min_vm_pu",
    ];
    im.ignored("gen", &rows, &used, &pf);
    for r in &rows {
        let t = "gen";
        c.generators.push(Generator {
            id: r.index.clone(),
            name: r.s("name"),
            bus: im.need_idx(t, r, "bus")?,
            sn_mva: im.need(t, r, "sn_mva")?,
            vn_kv: im.need(t, r, "vn_kv")?,
            xdss_pu: im.need(t, r, "xdss_pu")?,
            rdss_ohm: im.need(t, r, "rdss_ohm")?,
            cos_phi: im.need(t, r, "cos_phi")?,
            pg_percent: r.f("pg_percent").unwrap_or(0.0),
            power_station_trafo: r.idx("power_station_trafo"),
            // pandapower's gen has no saturated reactance or excitation type.
            xdsat_pu: None,
            excitation: None,
            in_service: r.b("in_service").unwrap_or(true),
        });
    }
    Ok(())
}

/// Static generators: full converters (current sources), asynchronous and doubly fed
/// asynchronous generators (impedances), by pandapower's `generator_type`.
pub(super) fn static_generators(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("sgen")?;
    im.ignored(
        "sgen",
        &rows,
        &[
            "bus",
            "sn_mva",
            "k",
            "current_source",
            "generator_type",
            "lrc_pu",
            "rx",
            "max_ik_ka",
            "kappa",
        ],
        &[
            "p_mw",
            "q_mvar",
            "scaling",
            "type",
            "controllable",
            "max_p_mw",
            "min_p_mw",
            "max_q_mvar",
            "min_q_mvar",
            "id_q_capability_characteristic",
            "reactive_capability_curve",
            "curve_style",
            "current_angle_degree",
        ],
    );
    for r in &rows {
        let generator_type = match r.s("generator_type").as_deref() {
            None | Some("current_source") => GeneratorType::CurrentSource,
            Some("async") => GeneratorType::Async,
            Some("async_doubly_fed") => GeneratorType::AsyncDoublyFed,
            Some(other) => {
                im.warnings.push(format!(
                    "sgen[{}]: generator_type \"{other}\" is not current_source, async or async_doubly_fed; element not imported",
                    r.index
                ));
                continue;
            }
        };
        // pandapower: the current-source part only with current_source = true (its default).
        let current_source = r.b("current_source").unwrap_or(true);
        let k = r.f("k").filter(|_| current_source);
        let kind = generator_type.as_str();
        if generator_type.is_current_source() {
            if !current_source {
                im.warnings.push(format!(
                    "sgen[{}]: current_source is false: no short-circuit contribution (as in pandapower); element not imported",
                    r.index
                ));
                continue;
            }
            if k.is_none() {
                im.warnings.push(format!(
                    "sgen[{}]: no k (short-circuit to rated current ratio); element not imported",
                    r.index
                ));
                continue;
            }
        } else if current_source && k.is_none() {
            im.warnings.push(format!(
                "sgen[{}]: current_source is true but k is missing (pandapower stops there); imported as an {kind} generator without a current-source part",
                r.index
            ));
        }
        let (asynchronous, doubly_fed) = (
            generator_type == GeneratorType::Async,
            generator_type == GeneratorType::AsyncDoublyFed,
        );
        c.static_generators.push(StaticGenerator {
            id: r.index.clone(),
            name: r.s("name"),
            bus: im.need_idx("sgen", r, "bus")?,
            generator_type,
            sn_mva: r.f("sn_mva"),
            k,
            lrc_pu: r.f("lrc_pu").filter(|_| asynchronous),
            rx: r.f("rx").filter(|_| asynchronous || doubly_fed),
            max_ik_ka: r.f("max_ik_ka").filter(|_| doubly_fed),
            kappa: r.f("kappa").filter(|_| doubly_fed),
            in_service: r.b("in_service").unwrap_or(true),
        });
    }

    Ok(())
}

/// Asynchronous motors (table `motor`).
pub(super) fn motors(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("motor")?;
    im.ignored(
        "motor",
        &rows,
        &[
            "bus",
            "pn_mech_mw",
            "cos_phi_n",
            "efficiency_n_percent",
            "lrc_pu",
            "rx",
            "vn_kv",
        ],
        &[
            "cos_phi",
            "efficiency_percent",
            "loading_percent",
            "scaling",
        ],
    );
    for r in &rows {
        let t = "motor";
        c.motors.push(Motor {
            id: r.index.clone(),
            name: r.s("name"),
            bus: im.need_idx(t, r, "bus")?,
            pn_mech_mw: im.need(t, r, "pn_mech_mw")?,
            cos_phi: im.need(t, r, "cos_phi_n")?,
            efficiency_percent: im.need(t, r, "efficiency_n_percent")?,
            lrc_pu: im.need(t, r, "lrc_pu")?,
            rx: im.need(t, r, "rx")?,
            vn_kv: im.need(t, r, "vn_kv")?,
            pole_pairs: None,
            in_service: r.b("in_service").unwrap_or(true),
        });
    }
    Ok(())
}

/// Loads (table `load`).
pub(super) fn loads(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("load")?;
    im.ignored(
        "load",
        &rows,
        &["bus", "p_mw", "q_mvar"],
        &[
            "const_z_percent",
            "const_i_percent",
            "const_z_p_percent",
            "const_i_p_percent",
            "const_z_q_percent",
            "const_i_q_percent",
            "sn_mva",
            "scaling",
            "type",
            "controllable",
        ],
    );
    for r in &rows {
        c.loads.push(Load {
            id: r.index.clone(),
            name: r.s("name"),
            bus: im.need_idx("load", r, "bus")?,
            p_mw: r.f("p_mw").unwrap_or(0.0),
            q_mvar: r.f("q_mvar").unwrap_or(0.0),
            in_service: r.b("in_service").unwrap_or(true),
        });
    }

    Ok(())
}
