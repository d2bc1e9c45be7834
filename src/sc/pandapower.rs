//! Import of pandapower networks written by `pandapower.to_json` (element tables stored as
//! JSON-encoded DataFrames, orient "split") into circuit format v1.
//!
//! Element ids are the pandapower index as a decimal string; names go to `name`. Anything the
//! conversion cannot carry over is listed in the returned warnings, never dropped silently.

use super::circuit::*;
use serde_json::{Map, Value};
use std::collections::{BTreeSet, HashMap};

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("table \"{table}\": {message}")]
    Table { table: String, message: String },
    #[error("{0}")]
    Structure(String),
}

/// True when the JSON value is a pandapower network.
pub fn looks_like_pandapower(v: &Value) -> bool {
    v.get("_class").and_then(Value::as_str) == Some("pandapowerNet")
        || v.get("bus")
            .and_then(|b| b.get("_class"))
            .and_then(Value::as_str)
            == Some("DataFrame")
}

/// One DataFrame row: column name to value (nulls and NaN removed).
struct Row {
    index: String,
    cells: HashMap<String, Value>,
}

impl Row {
    fn f(&self, col: &str) -> Option<f64> {
        match self.cells.get(col)? {
            Value::Number(n) => n.as_f64(),
            Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
            _ => None,
        }
    }
    fn b(&self, col: &str) -> Option<bool> {
        match self.cells.get(col)? {
            Value::Bool(b) => Some(*b),
            Value::Number(n) => n.as_f64().map(|v| v != 0.0),
            _ => None,
        }
    }
    fn s(&self, col: &str) -> Option<String> {
        match self.cells.get(col)? {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }
    /// A reference to another element's index, written as an integer (or float) index.
    fn idx(&self, col: &str) -> Option<String> {
        match self.cells.get(col)? {
            Value::Number(n) => match n.as_i64() {
                Some(i) => Some(i.to_string()),
                None => n
                    .as_f64()
                    .filter(|f| f.fract() == 0.0)
                    .map(|f| (f as i64).to_string()),
            },
            Value::String(s) => Some(s.clone()),
            _ => None,
        }
    }
}

struct Importer<'a> {
    net: &'a Map<String, Value>,
    warnings: Vec<String>,
}

impl Importer<'_> {
    fn table(&self, name: &str) -> Result<Vec<Row>, ImportError> {
        let Some(t) = self.net.get(name) else {
            return Ok(Vec::new());
        };
        let terr = |m: &str| ImportError::Table {
            table: name.into(),
            message: m.into(),
        };
        let obj = t.get("_object").ok_or_else(|| terr("not a DataFrame"))?;
        let parsed: Value;
        let frame = match obj {
            Value::String(s) => {
                parsed = serde_json::from_str(s)
                    .map_err(|e| terr(&format!("invalid DataFrame JSON: {e}")))?;
                &parsed
            }
            other => other,
        };
        if let Some(orient) = t.get("orient").and_then(Value::as_str) {
            if orient != "split" {
                return Err(terr(&format!(
                    "orient \"{orient}\" is not supported (expected \"split\")"
                )));
            }
        }
        let columns: Vec<String> = frame
            .get("columns")
            .and_then(Value::as_array)
            .ok_or_else(|| terr("no columns"))?
            .iter()
            .map(|c| {
                c.as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| c.to_string())
            })
            .collect();
        let index = frame
            .get("index")
            .and_then(Value::as_array)
            .ok_or_else(|| terr("no index"))?;
        let data = frame
            .get("data")
            .and_then(Value::as_array)
            .ok_or_else(|| terr("no data"))?;
        let mut rows = Vec::with_capacity(data.len());
        for (i, row) in data.iter().enumerate() {
            let cells = row
                .as_array()
                .ok_or_else(|| terr("a row is not an array"))?;
            let idx = index.get(i).map(|v| match v {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            });
            let mut map = HashMap::new();
            for (c, v) in columns.iter().zip(cells) {
                let keep = match v {
                    Value::Null => false,
                    Value::Number(n) => n.as_f64().is_some_and(f64::is_finite),
                    _ => true,
                };
                if keep {
                    map.insert(c.clone(), v.clone());
                }
            }
            rows.push(Row {
                index: idx.unwrap_or_else(|| i.to_string()),
                cells: map,
            });
        }
        Ok(rows)
    }

    /// Warns about columns with values that the conversion does not use.
    fn ignored(&mut self, table: &str, rows: &[Row], used: &[&str], pf_only: &[&str]) {
        let mut unknown = BTreeSet::new();
        let mut pf = BTreeSet::new();
        for r in rows {
            for (c, v) in &r.cells {
                if used.contains(&c.as_str())
                    || matches!(
                        c.as_str(),
                        "name" | "in_service" | "geo" | "zone" | "std_type"
                    )
                {
                    continue;
                }
                let meaningful = !matches!(v, Value::Bool(false)) && v.as_f64() != Some(0.0);
                if pf_only.contains(&c.as_str()) {
                    pf.insert(c.clone());
                } else if meaningful {
                    unknown.insert(c.clone());
                }
            }
        }
        if !pf.is_empty() {
            let list: Vec<String> = pf.into_iter().collect();
            self.warnings.push(format!(
                "{table}: power-flow parameters not used by IEC 60909 ignored: {}",
                list.join(", ")
            ));
        }
        for c in unknown {
            self.warnings
                .push(format!("{table}.{c}: unsupported parameter ignored"));
        }
    }

    fn need(&self, table: &str, r: &Row, col: &str) -> Result<f64, ImportError> {
        r.f(col).ok_or_else(|| ImportError::Table {
            table: table.into(),
            message: format!("row {}: {col} is missing", r.index),
        })
    }
    fn need_idx(&self, table: &str, r: &Row, col: &str) -> Result<String, ImportError> {
        r.idx(col).ok_or_else(|| ImportError::Table {
            table: table.into(),
            message: format!("row {}: {col} is missing", r.index),
        })
    }
}

fn tap_side(s: Option<String>) -> Option<TapSide> {
    match s.as_deref() {
        Some("hv") => Some(TapSide::Hv),
        Some("mv") => Some(TapSide::Mv),
        Some("lv") => Some(TapSide::Lv),
        _ => None,
    }
}

/// Converts a pandapower network; returns the circuit and the warnings.
pub fn import(v: &Value) -> Result<(Circuit, Vec<String>), ImportError> {
    let net = match v.get("_object") {
        Some(Value::Object(o)) => o,
        _ => v
            .as_object()
            .ok_or_else(|| ImportError::Structure("the network is not a JSON object".into()))?,
    };
    let mut im = Importer {
        net,
        warnings: Vec::new(),
    };
    let mut c = Circuit::new(
        net.get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    );
    c.frequency_hz = net.get("f_hz").and_then(Value::as_f64).unwrap_or(50.0);

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
    let unit_flags: Vec<String> = rows
        .iter()
        .filter(|r| r.b("power_station_unit") == Some(true))
        .map(|r| r.index.clone())
        .collect();

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
            in_service: r.b("in_service").unwrap_or(true),
        });
    }
    for t in unit_flags {
        if !c
            .generators
            .iter()
            .any(|g| g.power_station_trafo.as_deref() == Some(t.as_str()))
        {
            im.warnings.push(format!(
                "trafo[{t}].power_station_unit: no generator names this transformer in power_station_trafo; it is treated as a network transformer (KT)"
            ));
        }
    }

    let rows = im.table("sgen")?;
    im.ignored(
        "sgen",
        &rows,
        &["bus", "sn_mva", "k", "current_source", "generator_type"],
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
        ],
    );
    for r in &rows {
        let gtype = r
            .s("generator_type")
            .unwrap_or_else(|| "current_source".into());
        if gtype != "current_source" || r.b("current_source") == Some(false) {
            im.warnings.push(format!(
                "sgen[{}]: generator_type \"{gtype}\" (not a current source) is not supported; element not imported",
                r.index
            ));
            continue;
        }
        let Some(k) = r.f("k") else {
            im.warnings.push(format!(
                "sgen[{}]: no k (short-circuit to rated current ratio); element not imported",
                r.index
            ));
            continue;
        };
        c.static_generators.push(StaticGenerator {
            id: r.index.clone(),
            name: r.s("name"),
            bus: im.need_idx("sgen", r, "bus")?,
            sn_mva: im.need("sgen", r, "sn_mva")?,
            k,
            in_service: r.b("in_service").unwrap_or(true),
        });
    }

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
        if kind == ElementKind::Bus
            && r.f("z_ohm").is_some_and(|z| z > 0.0)
            && r.b("closed") != Some(false)
        {
            im.warnings.push(format!(
                "switch[{}].z_ohm: switch impedance is not supported; the buses are fused",
                r.index
            ));
        }
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
            in_service: true,
        });
    }

    // Tables with elements that this converter does not carry over.
    let supported = [
        "bus", "ext_grid", "line", "trafo", "trafo3w", "gen", "sgen", "motor", "load", "switch",
    ];
    for (name, value) in net.iter() {
        if supported.contains(&name.as_str()) || name.starts_with("res_") || name == "std_types" {
            continue;
        }
        if value.get("_class").and_then(Value::as_str) != Some("DataFrame") {
            continue;
        }
        let n = im.table(name).map(|r| r.len()).unwrap_or(0);
        if n > 0
            && !matches!(
                name.as_str(),
                "measurement"
                    | "pwl_cost"
                    | "poly_cost"
                    | "controller"
                    | "group"
                    | "bus_geodata"
                    | "line_geodata"
                    | "characteristic"
                    | "trafo_characteristic_table"
            )
        {
            im.warnings.push(format!(
                "{name}: {n} element(s) not imported (element type not supported)"
            ));
        }
    }
    Ok((c, im.warnings))
}

#[cfg(test)]
mod tests {
    use crate::sc::{InputError, InputFormat, parse_input};

    #[test]
    fn detects_formats_by_content() {
        let pp = parse_input(include_str!(
            "../../tests/fixtures/sc/iec60909_4_small.json"
        ))
        .unwrap();
        assert_eq!(pp.format, InputFormat::Pandapower);
        assert_eq!(pp.circuit.buses[0].id, "0");
        assert_eq!(pp.circuit.transformers3w.len(), 2);
        let own = parse_input(include_str!(
            "../../tests/fixtures/sc/examples/substation.circuit.json"
        ))
        .unwrap();
        assert_eq!(own.format, InputFormat::Circuit);
        assert!(matches!(
            parse_input("{\"hello\": 1}"),
            Err(InputError::UnknownFormat)
        ));
        assert!(matches!(parse_input("[1, 2"), Err(InputError::Json(_))));
    }

    #[test]
    fn unsupported_content_is_listed() {
        let mut v: serde_json::Value = serde_json::from_str(include_str!(
            "../../tests/fixtures/sc/iec60909_4_small.json"
        ))
        .unwrap();
        let frame = r#"{"columns":["from_bus","to_bus","rft_pu"],"index":[0],"data":[[0,1,0.1]]}"#;
        v["_object"]["impedance"] = serde_json::json!({"_module": "pandas.core.frame", "_class": "DataFrame",
            "_object": frame, "orient": "split"});
        let parsed = parse_input(&v.to_string()).unwrap();
        assert!(
            parsed
                .warnings
                .iter()
                .any(|w| w == "impedance: 1 element(s) not imported (element type not supported)"),
            "{:?}",
            parsed.warnings
        );
        assert!(
            parsed.warnings.iter().any(
                |w| w.starts_with("trafo: power-flow parameters not used by IEC 60909 ignored")
            )
        );
    }
}
