//! The study report: what an engineer hands in. One pure view model, [`StudyReport`], built
//! from the simulation's stored result and the circuit version it ran on; the HTML page
//! (`templates/simulations/report.html`) and the PDF ([`pdf::render`]) both draw it, so the two
//! never say different things. Sections: the study's identity (project, version and its hash,
//! author, date), the standard and options with the voltage factors used, assumptions,
//! findings, the duty check (failing breakers first), the result tables, the one-line diagram,
//! a chart of Ik'' per bus, and the input data.

pub mod chart;
pub mod html;
pub mod inputs;
pub mod pdf;
#[cfg(test)]
mod tests;

use std::collections::{BTreeSet, HashMap};

use crate::models::simulation::StoredResult;
use crate::sc::findings::Thresholds;
use crate::sc::results::BusResult;
use crate::sc::{Case, Circuit, Fault, KappaMethod, ScResults};

use super::findings::findings;
use super::format::{case_label, fault_label, fixed, kv, significant};
use super::tables::{by_current, duty_rows};

/// The standard every result is calculated to.
pub const STANDARD: &str = "IEC 60909-0:2016";

/// A table column: its label, its unit (shown under the label) and whether it holds numbers.
#[derive(Debug, Clone)]
pub struct Column {
    pub label: String,
    pub unit: String,
    pub numeric: bool,
}

impl Column {
    fn text(label: &str) -> Column {
        Column {
            label: label.into(),
            unit: String::new(),
            numeric: false,
        }
    }
    fn num(label: &str, unit: &str) -> Column {
        Column {
            label: label.into(),
            unit: unit.into(),
            numeric: true,
        }
    }
}

/// A table row; `mark` is `bad` (over a rating or threshold), `muted` (no result) or empty.
#[derive(Debug, Clone)]
pub struct Row {
    pub cells: Vec<String>,
    pub mark: &'static str,
}

/// A titled table of the report (results or input data).
#[derive(Debug, Clone)]
pub struct Table {
    /// The anchor of the table in the HTML page.
    pub key: String,
    pub title: String,
    /// One sentence under the title (order, what is marked); may be empty.
    pub note: String,
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

/// A picture of the report as SVG markup (escaped where it was drawn), with a note under it.
#[derive(Debug, Clone)]
pub struct Figure {
    pub svg: String,
    pub note: String,
}

/// A finding in plain words: `bad`, `warn` or `info`.
#[derive(Debug, Clone)]
pub struct Point {
    pub level: &'static str,
    pub text: String,
}

/// Who and when, which the report cannot read from the result itself.
pub struct ReportMeta {
    pub sim_id: i64,
    pub project: String,
    /// The name of who ran the simulation.
    pub author: String,
    /// When the result was computed, formatted for the reader.
    pub date: String,
    /// The simulation type as the modules list labels it.
    pub kind: String,
}

pub struct StudyReport {
    pub sim_id: i64,
    pub title: String,
    pub project: String,
    /// The study's identity: project, version, hash, author, date, standard, engine.
    pub facts: Vec<(String, String)>,
    /// Standard and calculation options, including the voltage factors.
    pub options: Vec<(String, String)>,
    pub assumptions: Vec<String>,
    pub findings: Vec<Point>,
    pub warnings: Vec<String>,
    /// The duty check (failing breakers first), when the run checked breakers.
    pub duty: Option<Table>,
    pub duty_failures: usize,
    /// Bus results, then branch currents when calculated.
    pub results: Vec<Table>,
    pub diagram: Option<Figure>,
    pub chart: Figure,
    /// The circuit as calculated, one table per element kind present.
    pub inputs: Vec<Table>,
}

/// Elements are named as on the results page (the id only where names repeat or are empty).
pub use super::names::Names;

fn kappa_label(k: KappaMethod) -> &'static str {
    match k {
        KappaMethod::B => "method B (uniform R/X at the fault location, factor 1.15)",
        KappaMethod::C => "method C (equivalent frequency fc = 0.4 f)",
    }
}

/// The voltage factor c of each voltage level of the results, for the case calculated.
fn c_factors(res: &ScResults) -> String {
    let levels: BTreeSet<u64> = res.buses.iter().map(|b| b.vn_kv.to_bits()).collect();
    let mut levels: Vec<f64> = levels.into_iter().map(f64::from_bits).collect();
    levels.sort_by(|a, b| b.total_cmp(a));
    let o = &res.options;
    let name = match o.case {
        Case::Max => "cmax",
        Case::Min => "cmin",
    };
    levels
        .iter()
        .map(|&vn| {
            let (cmax, cmin) = crate::sc::model::voltage_factors(vn, o.lv_tol_percent);
            let c = if o.case == Case::Max { cmax } else { cmin };
            format!("{} kV: {name} = {c:.2}", kv(vn))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

fn options(r: &StoredResult) -> Vec<(String, String)> {
    let o = &r.results.options;
    let pairs = [
        (
            "Standard",
            format!("{STANDARD} (equivalent voltage source at the fault location)"),
        ),
        ("Fault", fault_label(o.fault).to_string()),
        (
            "Case",
            format!("{} short-circuit currents", case_label(o.case)),
        ),
        ("Voltage factor c", c_factors(&r.results)),
        (
            "Low-voltage tolerance",
            format!("{} % (IEC 60909-0 Table 1)", o.lv_tol_percent),
        ),
        ("Peak factor κ", kappa_label(o.kappa_method).to_string()),
        ("Fault duration Tk (for Ith)", format!("{} s", o.tk_s)),
        (
            "Minimum time delay tmin (for Ib)",
            format!("{} s", o.tmin_s),
        ),
        (
            "Fault impedance",
            format!("{} + j{} Ω", o.r_fault_ohm, o.x_fault_ohm),
        ),
        (
            "Fault locations",
            if o.buses.is_empty() {
                "every bus".to_string()
            } else {
                o.buses.join(", ")
            },
        ),
        (
            "Branch currents",
            if o.branch_results {
                "calculated"
            } else {
                "not calculated"
            }
            .to_string(),
        ),
    ];
    pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
}

fn assumptions(res: &ScResults) -> Vec<String> {
    let o = &res.options;
    let mut a = vec![
        "The short-circuit currents are calculated with the equivalent voltage source c·Un/√3 at \
         the fault location; operating data, load flow and the pre-fault voltages are not used."
            .to_string(),
        "Line capacitances and the admittances of non-rotating loads are neglected in the \
         positive- and negative-sequence systems."
            .to_string(),
        "Only elements in service and closed switches take part; a bus that no source feeds has \
         no result."
            .to_string(),
    ];
    a.push(match o.case {
        Case::Max => "Maximum case: voltage factor cmax, the correction factors KT, KG and KS/KSO \
                      on network transformers, generators and power station units, motors \
                      included."
            .to_string(),
        Case::Min => "Minimum case: voltage factor cmin, the minimum short-circuit power of the \
                      grids, and line resistances at their end temperature."
            .to_string(),
    });
    a.push(format!(
        "ip from κ by {}; Ith for Tk = {} s from the factors m and n; Ib for tmin = {} s.",
        kappa_label(o.kappa_method),
        o.tk_s,
        o.tmin_s
    ));
    if o.fault.needs_zero_sequence() {
        a.push(
            "Earth faults use the zero-sequence data of lines, grids and transformers and the \
             earthing of the transformers' star points as entered."
                .to_string(),
        );
    }
    a
}

/// The value columns of the bus results (besides the bus): label, unit, value.
type BusValue = (&'static str, &'static str, fn(&BusResult) -> String);

fn bus_values(fault: Fault) -> Vec<BusValue> {
    let mut v: Vec<BusValue> = vec![
        ("Un", "kV", |b| kv(b.vn_kv)),
        ("Ik''", "kA", |b| fixed(b.ikss_ka, 3)),
        ("Sk''", "MVA", |b| fixed(b.skss_mva, 1)),
        ("ip", "kA", |b| fixed(b.ip_ka, 3)),
        ("Ib", "kA", |b| fixed(b.ib_ka, 3)),
        ("Ik", "kA", |b| fixed(b.ik_ka, 3)),
        ("Ith", "kA", |b| fixed(b.ith_ka, 3)),
        ("κ", "", |b| fixed(b.kappa, 3)),
        ("R/X", "", |b| significant(b.rx, 3)),
        ("Zk", "Ω", |b| significant(b.zk_ohm, 4)),
    ];
    if fault.needs_zero_sequence() {
        v.push(("Z0", "Ω", |b| significant(b.z0k_ohm, 4)));
    }
    if fault == Fault::TwoPhaseEarth {
        v.push(("IkE''", "kA", |b| fixed(b.ike_ka, 3)));
    }
    v
}

fn bus_results(res: &ScResults, names: &Names, limits: &Thresholds) -> Table {
    let values = bus_values(res.options.fault);
    let mut columns = vec![Column::text("Bus")];
    columns.extend(values.iter().map(|(l, u, _)| Column::num(l, u)));
    let rows = res
        .buses
        .iter()
        .map(|b| {
            let mut cells = vec![names.bus(&b.id)];
            cells.extend(values.iter().map(|(_, _, f)| f(b)));
            let mark = if b.ikss_ka.is_none() {
                "muted"
            } else if limits.is_above(b) {
                "bad"
            } else {
                ""
            };
            Row { cells, mark }
        })
        .collect();
    Table {
        key: "bus-results".into(),
        title: format!(
            "Short-circuit currents per bus ({})",
            res.options.fault.as_str()
        ),
        note: "In the order of the circuit; buses above their finding threshold are marked, \
               buses without a source are greyed."
            .into(),
        columns,
        rows,
    }
}

/// The end buses of each branch of the circuit: (kind, id) to (name, from, to).
fn branch_ends(c: &Circuit, names: &Names) -> HashMap<(String, String), (String, String)> {
    let mut m = HashMap::new();
    let named = |id: &str, name: &Option<String>| match name.as_deref() {
        Some(n) if !n.trim().is_empty() && n != id => format!("{n} ({id})"),
        _ => id.to_string(),
    };
    for l in &c.lines {
        m.insert(
            ("line".to_string(), l.id.clone()),
            (
                named(&l.id, &l.name),
                format!("{} – {}", names.bus(&l.from_bus), names.bus(&l.to_bus)),
            ),
        );
    }
    for t in &c.transformers {
        m.insert(
            ("transformer".to_string(), t.id.clone()),
            (
                named(&t.id, &t.name),
                format!("{} – {}", names.bus(&t.hv_bus), names.bus(&t.lv_bus)),
            ),
        );
    }
    for t in &c.transformers3w {
        m.insert(
            ("transformer3w".to_string(), t.id.clone()),
            (
                named(&t.id, &t.name),
                format!(
                    "{} – {} – {}",
                    names.bus(&t.hv_bus),
                    names.bus(&t.mv_bus),
                    names.bus(&t.lv_bus)
                ),
            ),
        );
    }
    m
}

fn branch_results(res: &ScResults, circuit: Option<&Circuit>, names: &Names) -> Table {
    let ends = circuit.map(|c| branch_ends(c, names)).unwrap_or_default();
    let rows = by_current(&res.branches)
        .into_iter()
        .map(|b| {
            let (name, between) = ends
                .get(&(b.kind.clone(), b.id.clone()))
                .cloned()
                .unwrap_or_else(|| (b.id.clone(), String::new()));
            Row {
                cells: vec![
                    b.kind.replace("transformer3w", "3-winding transformer"),
                    name,
                    between,
                    fixed(b.ikss_from_ka, 3),
                    fixed(b.ikss_to_ka, 3),
                    fixed(b.ikss_lv_ka, 3),
                    fixed(b.ikss_ka, 3),
                    b.fault_bus
                        .as_deref()
                        .map(|f| names.bus(f))
                        .unwrap_or_default(),
                ],
                mark: if b.ikss_ka.is_none() { "muted" } else { "" },
            }
        })
        .collect();
    Table {
        key: "branch-results".into(),
        title: "Branch currents".into(),
        note: "The largest Ik'' through each branch over the fault locations, largest first."
            .into(),
        columns: vec![
            Column::text("Kind"),
            Column::text("Branch"),
            Column::text("Between"),
            Column::num("From / HV", "kA"),
            Column::num("To / MV", "kA"),
            Column::num("LV", "kA"),
            Column::num("Largest", "kA"),
            Column::text("Fault at"),
        ],
        rows,
    }
}

fn duty_table(res: &ScResults, names: &Names) -> Table {
    let rows = duty_rows(&res.duty, names)
        .into_iter()
        .map(|d| {
            let (mark, verdict) = match d.status.as_str() {
                "fail" => ("bad", "over duty"),
                "pass" => ("", "within rating"),
                _ => ("muted", "no result"),
            };
            Row {
                cells: vec![
                    d.switch,
                    d.bus,
                    d.ikss,
                    d.ib,
                    d.rated_ib,
                    d.ib_pct,
                    d.ip,
                    d.rated_ip,
                    d.ip_pct,
                    d.margin,
                    verdict.to_string(),
                ],
                mark,
            }
        })
        .collect();
    Table {
        key: "duty".into(),
        title: "Duty check of the circuit breakers".into(),
        note: "Failing breakers first, then by utilisation, highest first.".into(),
        columns: vec![
            Column::text("Breaker"),
            Column::text("Bus"),
            Column::num("Ik''", "kA"),
            Column::num("Ib", "kA"),
            Column::num("Rated Ib", "kA"),
            Column::num("Ib", "%"),
            Column::num("ip", "kA"),
            Column::num("Rated ip", "kA"),
            Column::num("ip", "%"),
            Column::num("Margin", ""),
            Column::text("Result"),
        ],
        rows,
    }
}

/// The report of a completed simulation. `circuit` is the version it ran on (`None` when that
/// can no longer be read: the report then goes without the input data and the diagram).
pub fn build(meta: ReportMeta, r: &StoredResult, circuit: Option<&Circuit>) -> StudyReport {
    let res = &r.results;
    let names = Names::new(circuit, &res.buses);
    let limits = Thresholds::new(&res.buses, &res.duty);
    let facts = vec![
        ("Project".to_string(), meta.project.clone()),
        (
            "Study".to_string(),
            format!("{} (simulation #{})", meta.kind, meta.sim_id),
        ),
        (
            "Circuit".to_string(),
            format!("{}, version {}", r.circuit.name, r.circuit.version_number),
        ),
        (
            "Content hash (SHA-256)".to_string(),
            r.circuit.content_hash.clone(),
        ),
        ("Author".to_string(), meta.author.clone()),
        ("Date".to_string(), meta.date.clone()),
        ("Standard".to_string(), STANDARD.to_string()),
        (
            "Engine".to_string(),
            format!(
                "{} {} ({})",
                r.engine.name, r.engine.version, r.engine.standard
            ),
        ),
        (
            "Buses calculated".to_string(),
            format!("{} of {}", res.buses.len(), r.circuit.buses),
        ),
    ];
    let mut results = vec![bus_results(res, &names, &limits)];
    if res.options.branch_results && !res.branches.is_empty() {
        results.push(branch_results(res, circuit, &names));
    }
    let diagram = circuit.map(|c| {
        let d = super::diagram::diagram_svg(c, Some(res), &super::diagram::SvgOptions::default());
        Figure {
            svg: d.svg,
            note: if d.note.is_empty() {
                "Buses annotated with Ik'' in bands of breaking-current ratings (legend in the drawing)."
                    .into()
            } else {
                d.note
            },
        }
    });
    StudyReport {
        sim_id: meta.sim_id,
        title: format!("Short-circuit study: {}", meta.project),
        project: meta.project,
        facts,
        options: options(r),
        assumptions: assumptions(res),
        findings: findings(res, &limits, &names, circuit)
            .into_iter()
            .map(|f| Point {
                level: f.level,
                text: f.text,
            })
            .collect(),
        warnings: res.warnings.clone(),
        duty: (!res.duty.is_empty()).then(|| duty_table(res, &names)),
        duty_failures: res.duty.iter().filter(|d| d.status == "fail").count(),
        results,
        diagram,
        chart: chart::ikss_chart(&res.buses, &names),
        inputs: circuit
            .map(|c| inputs::tables(c, &names))
            .unwrap_or_default(),
    }
}
