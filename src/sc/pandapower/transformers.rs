//! Two- and three-winding transformers.

use super::ImportError;
use super::frame::Importer;
use crate::sc::circuit::*;

/// Two-winding transformers.
pub(super) fn transformers(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("trafo")?;
    let used = [
        "hv_bus",
        "lv_bus",
        "sn_mva",
        "vn_hv_kv",
        "vn_lv_kv",
        "vk_percent",
        "vkr_percent",
        "vector_group",
        "vk0_percent",
        "vkr0_percent",
        "mag0_percent",
        "mag0_rx",
        "si0_hv_partial",
        "xn_ohm",
        "tap_side",
        "tap_neutral",
        "tap_pos",
        "tap_min",
        "tap_max",
        "tap_step_percent",
        "oltc",
        "pt_percent",
        "parallel",
        "power_station_unit",
    ];
    let pf = [
        "pfe_kw",
        "i0_percent",
        "shift_degree",
        "tap_step_degree",
        "tap_changer_type",
        "df",
        "max_loading_percent",
        "id_characteristic_table",
        "tap_dependency_table",
        "tap_phase_shifter",
        "leakage_resistance_ratio_hv",
        "leakage_reactance_ratio_hv",
        "tap2_side",
        "tap2_neutral",
        "tap2_pos",
        "tap2_min",
        "tap2_max",
        "tap2_step_percent",
        "tap2_step_degree",
        "tap2_changer_type",
    ];
    im.ignored("trafo", &rows, &used, &pf);
    for r in &rows {
        let t = "trafo";
        c.transformers.push(Transformer {
            id: r.index.clone(),
            name: r.s("name"),
            hv_bus: im.need_idx(t, r, "hv_bus")?,
            lv_bus: im.need_idx(t, r, "lv_bus")?,
            sn_mva: im.need(t, r, "sn_mva")?,
            vn_hv_kv: im.need(t, r, "vn_hv_kv")?,
            vn_lv_kv: im.need(t, r, "vn_lv_kv")?,
            vk_percent: im.need(t, r, "vk_percent")?,
            vkr_percent: im.need(t, r, "vkr_percent")?,
            vector_group: r.s("vector_group"),
            vk0_percent: r.f("vk0_percent"),
            vkr0_percent: r.f("vkr0_percent"),
            mag0_percent: r.f("mag0_percent"),
            mag0_rx: r.f("mag0_rx"),
            si0_hv_partial: r.f("si0_hv_partial"),
            xn_ohm: r.f("xn_ohm").filter(|x| *x != 0.0),
            tap_side: tap_side(r.s("tap_side")),
            tap_neutral: r.f("tap_neutral"),
            tap_pos: r.f("tap_pos"),
            tap_min: r.f("tap_min"),
            tap_max: r.f("tap_max"),
            tap_step_percent: r.f("tap_step_percent"),
            oltc: r.b("oltc").unwrap_or(false),
            pt_percent: r.f("pt_percent"),
            power_station_unit: r.b("power_station_unit").unwrap_or(false),
            parallel: r.f("parallel").unwrap_or(1.0),
            in_service: r.b("in_service").unwrap_or(true),
        });
        if r.f("rn_ohm").is_some_and(|v| v != 0.0) {
            im.warnings.push(format!(
                "trafo[{}].rn_ohm: neutral resistance is not supported (ignored)",
                r.index
            ));
        }
    }
    Ok(())
}

/// Three-winding transformers.
pub(super) fn transformers3w(im: &mut Importer, c: &mut Circuit) -> Result<(), ImportError> {
    let rows = im.table("trafo3w")?;
    let used = [
        "hv_bus",
        "mv_bus",
        "lv_bus",
        "sn_hv_mva",
        "sn_mv_mva",
        "sn_lv_mva",
        "vn_hv_kv",
        "vn_mv_kv",
        "vn_lv_kv",
        "vk_hv_percent",
        "vk_mv_percent",
        "vk_lv_percent",
        "vkr_hv_percent",
        "vkr_mv_percent",
        "vkr_lv_percent",
        "vk0_hv_percent",
        "vk0_mv_percent",
        "vk0_lv_percent",
        "vkr0_hv_percent",
        "vkr0_mv_percent",
        "vkr0_lv_percent",
        "vector_group",
        "tap_side",
        "tap_neutral",
        "tap_pos",
        "tap_step_percent",
    ];
    let pf = [
        "pfe_kw",
        "i0_percent",
        "shift_mv_degree",
        "shift_lv_degree",
        "tap_step_degree",
        "tap_at_star_point",
        "tap_changer_type",
        "tap_min",
        "tap_max",
        "max_loading_percent",
        "id_characteristic_table",
        "tap_dependency_table",
        "loss_side",
    ];
    im.ignored("trafo3w", &rows, &used, &pf);
    for r in &rows {
        let t = "trafo3w";
        c.transformers3w.push(Transformer3w {
            id: r.index.clone(),
            name: r.s("name"),
            hv_bus: im.need_idx(t, r, "hv_bus")?,
            mv_bus: im.need_idx(t, r, "mv_bus")?,
            lv_bus: im.need_idx(t, r, "lv_bus")?,
            sn_hv_mva: im.need(t, r, "sn_hv_mva")?,
            sn_mv_mva: im.need(t, r, "sn_mv_mva")?,
            sn_lv_mva: im.need(t, r, "sn_lv_mva")?,
            vn_hv_kv: im.need(t, r, "vn_hv_kv")?,
            vn_mv_kv: im.need(t, r, "vn_mv_kv")?,
            vn_lv_kv: im.need(t, r, "vn_lv_kv")?,
            vk_hv_percent: im.need(t, r, "vk_hv_percent")?,
            vk_mv_percent: im.need(t, r, "vk_mv_percent")?,
            vk_lv_percent: im.need(t, r, "vk_lv_percent")?,
            vkr_hv_percent: im.need(t, r, "vkr_hv_percent")?,
            vkr_mv_percent: im.need(t, r, "vkr_mv_percent")?,
            vkr_lv_percent: im.need(t, r, "vkr_lv_percent")?,
            vk0_hv_percent: r.f("vk0_hv_percent"),
            vk0_mv_percent: r.f("vk0_mv_percent"),
            vk0_lv_percent: r.f("vk0_lv_percent"),
            vkr0_hv_percent: r.f("vkr0_hv_percent"),
            vkr0_mv_percent: r.f("vkr0_mv_percent"),
            vkr0_lv_percent: r.f("vkr0_lv_percent"),
            vector_group: r.s("vector_group"),
            tap_side: tap_side(r.s("tap_side")),
            tap_neutral: r.f("tap_neutral"),
            tap_pos: r.f("tap_pos"),
            tap_step_percent: r.f("tap_step_percent"),
            in_service: r.b("in_service").unwrap_or(true),
        });
    }

    Ok(())
}

fn tap_side(s: Option<String>) -> Option<TapSide> {
    match s.as_deref() {
        Some("hv") => Some(TapSide::Hv),
        Some("mv") => Some(TapSide::Mv),
        Some("lv") => Some(TapSide::Lv),
        _ => None,
    }
}
