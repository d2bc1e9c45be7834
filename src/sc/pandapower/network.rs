//! Buses, external grids, lines and switches.

use super::ImportError;
use super::frame::Importer;
use crate::sc::circuit::*;

/// Buses (table `bus`).
pub(super) fn buses(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("bus")?;
    im.ignored(
        "bus",
        &rows,
        &["vn_kv"],
        &["type", "max_vm_pu", "min_vm_pu"],
    );
    for r in &rows {
        c.buses.push(Bus {
            id: r.index.clone(),
            name: r.s("name"),
            vn_kv: im.need("bus", r, "vn_kv")?,
            in_service: r.b("in_service").unwrap_or(true),
            layout: None,
        });
    }
    Ok(())
}

/// External grids (table `ext_grid`).
pub(super) fn external_grids(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("ext_grid")?;
    let used = [
        "bus",
        "s_sc_max_mva",
        "s_sc_min_mva",
        "rx_max",
        "rx_min",
        "x0x_max",
        "r0x0_max",
        "x0x_min",
        "r0x0_min",
    ];
    im.ignored(
        "ext_grid",
        &rows,
        &used,
        &[
            "vm_pu",
            "va_degree",
            "slack_weight",
            "controllable",
            "max_p_mw",
            "min_p_mw",
            "max_q_mvar",
            "min_q_mvar",
        ],
    );
    for r in &rows {
        c.external_grids.push(ExternalGrid {
            id: r.index.clone(),
            name: r.s("name"),
            bus: im.need_idx("ext_grid", r, "bus")?,
            s_sc_max_mva: im.need("ext_grid", r, "s_sc_max_mva")?,
            s_sc_min_mva: r.f("s_sc_min_mva"),
            rx_max: r.f("rx_max"),
            rx_min: r.f("rx_min"),
            x0x_max: r.f("x0x_max"),
            r0x0_max: r.f("r0x0_max"),
            x0x_min: r.f("x0x_min"),
            r0x0_min: r.f("r0x0_min"),
            in_service: r.b("in_service").unwrap_or(true),
        });
    }

    Ok(())
}

/// Lines and cables.
pub(super) fn lines(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("line")?;
    let used = [
        "from_bus",
        "to_bus",
        "length_km",
        "r_ohm_per_km",
        "x_ohm_per_km",
        "c_nf_per_km",
        "r0_ohm_per_km",
        "x0_ohm_per_km",
        "c0_nf_per_km",
        "parallel",
        "endtemp_degree",
        "max_i_ka",
    ];
    im.ignored(
        "line",
        &rows,
        &used,
        &[
            "g_us_per_km",
            "g0_us_per_km",
            "df",
            "type",
            "max_loading_percent",
            "alpha",
            "temperature_degree_celsius",
        ],
    );
    for r in &rows {
        let t = "line";
        c.lines.push(Line {
            id: r.index.clone(),
            name: r.s("name"),
            from_bus: im.need_idx(t, r, "from_bus")?,
            to_bus: im.need_idx(t, r, "to_bus")?,
            length_km: im.need(t, r, "length_km")?,
            r_ohm_per_km: im.need(t, r, "r_ohm_per_km")?,
            x_ohm_per_km: im.need(t, r, "x_ohm_per_km")?,
            c_nf_per_km: r.f("c_nf_per_km").unwrap_or(0.0),
            r0_ohm_per_km: r.f("r0_ohm_per_km"),
            x0_ohm_per_km: r.f("x0_ohm_per_km"),
            c0_nf_per_km: r.f("c0_nf_per_km"),
            parallel: r.f("parallel").unwrap_or(1.0),
            endtemp_degree: r.f("endtemp_degree"),
            max_i_ka: r.f("max_i_ka"),
            in_service: r.b("in_service").unwrap_or(true),
        });
    }

    Ok(())
}

/// Switches (bus-bus, line and transformer ends).
pub(super) fn switches(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("switch")?;
    im.ignored(
        "switch",
        &rows,
        &["bus", "element", "et", "closed", "type", "z_ohm"],
        &["in_ka"],
    );
    for r in &rows {
        let kind = match r.s("et").as_deref() {
            Some("b") => ElementKind::Bus,
            Some("l") => ElementKind::Line,
            Some("t") => ElementKind::Transformer,
            Some("t3") => ElementKind::Transformer3w,
            other => {
                im.warnings.push(format!(
                    "switch[{}]: element type {other:?} is not supported; switch not imported",
                    r.index
                ));
                continue;
            }
        };
        let switch_type = match r.s("type").as_deref() {
            Some("CB") => Some(SwitchType::CB),
            Some("LBS") => Some(SwitchType::LBS),
            Some("DS") => Some(SwitchType::DS),
            None => None,
            Some(other) => {
                im.warnings.push(format!(
                    "switch[{}].type: \"{other}\" is not CB, LBS or DS (dropped)",
                    r.index
                ));
                None
            }
        };
        c.switches.push(Switch {
            id: r.index.clone(),
            name: r.s("name"),
            bus: im.need_idx("switch", r, "bus")?,
            element_kind: kind,
            element: im.need_idx("switch", r, "element")?,
            closed: r.b("closed").unwrap_or(true),
            switch_type,
            rated_ib_ka: None,
            rated_ip_ka: None,
            // pandapower uses z_ohm for bus-bus switches only.
            z_ohm: r
                .f("z_ohm")
                .filter(|z| *z > 0.0 && kind == ElementKind::Bus),
            in_service: true,
        });
    }

    Ok(())
}
