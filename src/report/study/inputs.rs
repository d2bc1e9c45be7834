//! The input data of the report: the circuit as calculated, one table per element kind that
//! the circuit has, with names and units. Numbers are shown as entered (no rounding): the
//! reader checks them against the data sheets.

use crate::sc::Circuit;
use crate::sc::circuit::ElementKind;

use super::{Column, Names, Row, Table};

/// A number as entered.
fn n(v: f64) -> String {
    format!("{v}")
}

/// An optional number as entered; empty when absent.
fn o(v: Option<f64>) -> String {
    v.map(n).unwrap_or_default()
}

/// An element's label: its name, with its id when the name is empty or differs only in case.
fn label(id: &str, name: &Option<String>) -> String {
    match name.as_deref().map(str::trim) {
        Some(nm) if !nm.is_empty() && nm != id => format!("{nm} ({id})"),
        _ => id.to_string(),
    }
}

fn in_service(on: bool) -> &'static str {
    if on { "" } else { "muted" }
}

/// Builds a table from (label, unit) heads: an empty unit is a text column.
fn table(key: &str, title: &str, heads: &[(&str, &str)], rows: Vec<Row>) -> Table {
    Table {
        key: format!("input-{key}"),
        title: title.into(),
        note: String::new(),
        columns: heads
            .iter()
            .map(|&(label, unit)| Column {
                label: label.into(),
                unit: if unit == "-" {
                    String::new()
                } else {
                    unit.into()
                },
                numeric: !unit.is_empty(),
            })
            .collect(),
        rows,
    }
}

fn buses(c: &Circuit, names: &Names) -> Table {
    let rows = c
        .buses
        .iter()
        .map(|b| Row {
            cells: vec![
                names.bus(&b.id),
                b.id.clone(),
                n(b.vn_kv),
                if b.in_service { "yes" } else { "no" }.into(),
            ],
            mark: in_service(b.in_service),
        })
        .collect();
    table(
        "buses",
        "Buses",
        &[("Bus", ""), ("Id", ""), ("Un", "kV"), ("In service", "")],
        rows,
    )
}

fn grids(c: &Circuit, names: &Names) -> Table {
    let rows = c
        .external_grids
        .iter()
        .map(|g| Row {
            cells: vec![
                label(&g.id, &g.name),
                names.bus(&g.bus),
                n(g.s_sc_max_mva),
                o(g.s_sc_min_mva),
                o(g.rx_max),
                o(g.rx_min),
                o(g.x0x_max),
                o(g.r0x0_max),
            ],
            mark: in_service(g.in_service),
        })
        .collect();
    table(
        "grids",
        "External grids",
        &[
            ("Grid", ""),
            ("Bus", ""),
            ("S''k max", "MVA"),
            ("S''k min", "MVA"),
            ("R/X max", "-"),
            ("R/X min", "-"),
            ("X0/X max", "-"),
            ("R0/X0 max", "-"),
        ],
        rows,
    )
}

fn lines(c: &Circuit, names: &Names) -> Table {
    let rows = c
        .lines
        .iter()
        .map(|l| Row {
            cells: vec![
                label(&l.id, &l.name),
                names.bus(&l.from_bus),
                names.bus(&l.to_bus),
                n(l.length_km),
                n(l.r_ohm_per_km),
                n(l.x_ohm_per_km),
                n(l.c_nf_per_km),
                o(l.r0_ohm_per_km),
                o(l.x0_ohm_per_km),
                n(l.parallel),
                o(l.endtemp_degree),
                o(l.max_i_ka),
            ],
            mark: in_service(l.in_service),
        })
        .collect();
    table(
        "lines",
        "Lines and cables",
        &[
            ("Line", ""),
            ("From", ""),
            ("To", ""),
            ("Length", "km"),
            ("R'", "Ω/km"),
            ("X'", "Ω/km"),
            ("C'", "nF/km"),
            ("R0'", "Ω/km"),
            ("X0'", "Ω/km"),
            ("Parallel", "-"),
            ("End temp.", "°C"),
            ("Imax", "kA"),
        ],
        rows,
    )
}

fn transformers(c: &Circuit, names: &Names) -> Table {
    let rows = c
        .transformers
        .iter()
        .map(|t| Row {
            cells: vec![
                label(&t.id, &t.name),
                names.bus(&t.hv_bus),
                names.bus(&t.lv_bus),
                n(t.sn_mva),
                n(t.vn_hv_kv),
                n(t.vn_lv_kv),
                n(t.vk_percent),
                n(t.vkr_percent),
                t.vector_group.clone().unwrap_or_default(),
                o(t.vk0_percent),
                o(t.tap_pos),
                n(t.parallel),
            ],
            mark: in_service(t.in_service),
        })
        .collect();
    table(
        "transformers",
        "Two-winding transformers",
        &[
            ("Transformer", ""),
            ("HV bus", ""),
            ("LV bus", ""),
            ("Sn", "MVA"),
            ("Un HV", "kV"),
            ("Un LV", "kV"),
            ("uk", "%"),
            ("ukr", "%"),
            ("Vector group", ""),
            ("uk0", "%"),
            ("Tap", "-"),
            ("Parallel", "-"),
        ],
        rows,
    )
}

fn transformers3w(c: &Circuit, names: &Names) -> Table {
    let rows = c
        .transformers3w
        .iter()
        .map(|t| Row {
            cells: vec![
                label(&t.id, &t.name),
                names.bus(&t.hv_bus),
                names.bus(&t.mv_bus),
                names.bus(&t.lv_bus),
                format!(
                    "{} / {} / {}",
                    n(t.sn_hv_mva),
                    n(t.sn_mv_mva),
                    n(t.sn_lv_mva)
                ),
                format!("{} / {} / {}", n(t.vn_hv_kv), n(t.vn_mv_kv), n(t.vn_lv_kv)),
                format!(
                    "{} / {} / {}",
                    n(t.vk_hv_percent),
                    n(t.vk_mv_percent),
                    n(t.vk_lv_percent)
                ),
                format!(
                    "{} / {} / {}",
                    n(t.vkr_hv_percent),
                    n(t.vkr_mv_percent),
                    n(t.vkr_lv_percent)
                ),
                t.vector_group.clone().unwrap_or_default(),
            ],
            mark: in_service(t.in_service),
        })
        .collect();
    table(
        "transformers3w",
        "Three-winding transformers (HV / MV / LV)",
        &[
            ("Transformer", ""),
            ("HV bus", ""),
            ("MV bus", ""),
            ("LV bus", ""),
            ("Sn", "MVA"),
            ("Un", "kV"),
            ("uk", "%"),
            ("ukr", "%"),
            ("Vector group", ""),
        ],
        rows,
    )
}

fn impedances(c: &Circuit, names: &Names) -> Table {
    let rows = c
        .impedances
        .iter()
        .map(|z| Row {
            cells: vec![
                label(&z.id, &z.name),
                names.bus(&z.from_bus),
                names.bus(&z.to_bus),
                n(z.sn_mva),
                n(z.rft_pu),
                n(z.xft_pu),
            ],
            mark: "",
        })
        .collect();
    table(
        "impedances",
        "Series impedances",
        &[
            ("Impedance", ""),
            ("From", ""),
            ("To", ""),
            ("Sn", "MVA"),
            ("R", "pu"),
            ("X", "pu"),
        ],
        rows,
    )
}

fn generators(c: &Circuit, names: &Names) -> Table {
    let rows = c
        .generators
        .iter()
        .map(|g| Row {
            cells: vec![
                label(&g.id, &g.name),
                names.bus(&g.bus),
                n(g.sn_mva),
                n(g.vn_kv),
                n(g.xdss_pu),
                n(g.rdss_ohm),
                n(g.cos_phi),
                n(g.pg_percent),
                g.power_station_trafo.clone().unwrap_or_default(),
                o(g.xdsat_pu),
                g.excitation
                    .map(|e| e.as_str())
                    .unwrap_or_default()
                    .to_string(),
            ],
            mark: in_service(g.in_service),
        })
        .collect();
    table(
        "generators",
        "Synchronous generators",
        &[
            ("Generator", ""),
            ("Bus", ""),
            ("Sn", "MVA"),
            ("Un", "kV"),
            ("x''d", "pu"),
            ("R", "Ω"),
            ("cos φ", "-"),
            ("pG", "%"),
            ("Unit transformer", ""),
            ("xd sat", "pu"),
            ("Excitation", ""),
        ],
        rows,
    )
}

fn motors(c: &Circuit, names: &Names) -> Table {
    let rows = c
        .motors
        .iter()
        .map(|m| Row {
            cells: vec![
                label(&m.id, &m.name),
                names.bus(&m.bus),
                n(m.pn_mech_mw),
                n(m.vn_kv),
                n(m.cos_phi),
                n(m.efficiency_percent),
                n(m.lrc_pu),
                n(m.rx),
            ],
            mark: in_service(m.in_service),
        })
        .collect();
    table(
        "motors",
        "Asynchronous motors",
        &[
            ("Motor", ""),
            ("Bus", ""),
            ("Pn", "MW"),
            ("Un", "kV"),
            ("cos φ", "-"),
            ("η", "%"),
            ("ILR/IrM", "-"),
            ("R/X", "-"),
        ],
        rows,
    )
}

fn static_generators(c: &Circuit, names: &Names) -> Table {
    let rows = c
        .static_generators
        .iter()
        .map(|g| Row {
            cells: vec![
                label(&g.id, &g.name),
                names.bus(&g.bus),
                g.generator_type.as_str().replace('_', " "),
                o(g.sn_mva),
                o(g.k),
                o(g.max_ik_ka),
            ],
            mark: in_service(g.in_service),
        })
        .collect();
    table(
        "static-generators",
        "Static generators (inverter-based)",
        &[
            ("Generator", ""),
            ("Bus", ""),
            ("Type", ""),
            ("Sn", "MVA"),
            ("k", "-"),
            ("Ik max", "kA"),
        ],
        rows,
    )
}

fn switches(c: &Circuit, names: &Names) -> Table {
    let rows = c
        .switches
        .iter()
        .map(|s| {
            let kind = match s.element_kind {
                ElementKind::Bus => "bus",
                ElementKind::Line => "line",
                ElementKind::Transformer => "transformer",
                ElementKind::Transformer3w => "3w transformer",
            };
            let element = if s.element_kind == ElementKind::Bus {
                names.bus(&s.element)
            } else {
                s.element.clone()
            };
            Row {
                cells: vec![
                    label(&s.id, &s.name),
                    names.bus(&s.bus),
                    format!("{kind} {element}"),
                    s.switch_type.map(|t| format!("{t:?}")).unwrap_or_default(),
                    if s.closed { "closed" } else { "open" }.into(),
                    o(s.rated_ib_ka),
                    o(s.rated_ip_ka),
                ],
                mark: in_service(s.in_service && s.closed),
            }
        })
        .collect();
    table(
        "switches",
        "Switches and breakers",
        &[
            ("Switch", ""),
            ("Bus", ""),
            ("Connects", ""),
            ("Type", ""),
            ("State", ""),
            ("Rated Ib", "kA"),
            ("Rated ip", "kA"),
        ],
        rows,
    )
}

fn loads(c: &Circuit, names: &Names) -> Table {
    let rows = c
        .loads
        .iter()
        .map(|l| Row {
            cells: vec![
                label(&l.id, &l.name),
                names.bus(&l.bus),
                n(l.p_mw),
                n(l.q_mvar),
            ],
            mark: in_service(l.in_service),
        })
        .collect();
    table(
        "loads",
        "Loads (no short-circuit contribution)",
        &[("Load", ""), ("Bus", ""), ("P", "MW"), ("Q", "Mvar")],
        rows,
    )
}

/// One table per element kind the circuit has; elements out of service are greyed.
pub fn tables(c: &Circuit, names: &Names) -> Vec<Table> {
    let all = [
        buses(c, names),
        grids(c, names),
        lines(c, names),
        transformers(c, names),
        transformers3w(c, names),
        impedances(c, names),
        generators(c, names),
        motors(c, names),
        static_generators(c, names),
        switches(c, names),
        loads(c, names),
    ];
    let mut out: Vec<Table> = all.into_iter().filter(|t| !t.rows.is_empty()).collect();
    let others = [
        ("shunts", c.shunts.len()),
        ("wards", c.wards.len()),
        ("extended wards", c.xwards.len()),
        ("storages", c.storages.len()),
    ];
    let listed: Vec<String> = others
        .iter()
        .filter(|(_, count)| *count > 0)
        .map(|(kind, count)| format!("{count} {kind}"))
        .collect();
    if let (false, Some(last)) = (listed.is_empty(), out.last_mut()) {
        last.note = format!(
            "The circuit also has {} (see the JSON export).",
            listed.join(", ")
        );
    }
    out
}
