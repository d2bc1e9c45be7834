//! The CSV exports of a result's tables: a `# ` header block with what was calculated (project,
//! version and its hash, standard, options), units in the column heads, elements by name with
//! their ids, full-precision numbers, RFC 4180 quoting, CRLF lines, and text cells guarded
//! against being read as spreadsheet formulas.

use crate::models::simulation::StoredResult;
use crate::sc::model::voltage_factors;
use crate::sc::results::{BranchResult, BusResult, DutyResult};
use crate::sc::{Case, ScResults};

use super::format::{case_label, fault_label, kv};
use super::names::{Names, kind_label};
use super::tables::sorted_duty;

/// The tables a result exports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Buses,
    Branches,
    Duty,
}

impl Table {
    /// `buses`, `branches` or `duty`.
    pub fn parse(name: &str) -> Option<Table> {
        match name {
            "buses" => Some(Table::Buses),
            "branches" => Some(Table::Branches),
            "duty" => Some(Table::Duty),
            _ => None,
        }
    }

    /// The download's file name: `simulation-12.csv`, `simulation-12-duty.csv`.
    pub fn filename(self, sim_id: i64) -> String {
        match self {
            Table::Buses => format!("simulation-{sim_id}.csv"),
            Table::Branches => format!("simulation-{sim_id}-branches.csv"),
            Table::Duty => format!("simulation-{sim_id}-duty.csv"),
        }
    }
}

/// A CSV text cell: a leading `=`, `+`, `-`, `@`, tab or carriage return (a formula to a
/// spreadsheet) gets a `'` in front; quoted when it holds a comma, quote or line break.
pub fn csv_text(s: &str) -> String {
    let guarded = if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// A CSV number cell (full precision; empty when there is no value).
fn csv_num(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

fn csv_line(out: &mut String, cells: &[String]) {
    out.push_str(&cells.join(","));
    out.push_str("\r\n");
}

const BUS_HEADER: [&str; 19] = [
    "bus_id",
    "bus",
    "Un (kV)",
    "Ik'' (kA)",
    "Sk'' (MVA)",
    "ip (kA)",
    "Ib (kA)",
    "Ik (kA)",
    "Ith (kA)",
    "kappa",
    "R/X",
    "Zk (ohm)",
    "Rk (ohm)",
    "Xk (ohm)",
    "Z(0)k (ohm)",
    "R(0)k (ohm)",
    "X(0)k (ohm)",
    "IkE2E'' (kA)",
    "near_rating",
];
const BRANCH_HEADER: [&str; 12] = [
    "kind",
    "branch_id",
    "branch",
    "from_bus (HV)",
    "to_bus (MV)",
    "lv_bus",
    "Ik'' from/HV (kA)",
    "Ik'' to/MV (kA)",
    "Ik'' LV (kA)",
    "Ik'' largest (kA)",
    "fault_bus_id",
    "fault_bus",
];
const DUTY_HEADER: [&str; 12] = [
    "breaker_id",
    "breaker",
    "bus_id",
    "bus",
    "Ik'' (kA)",
    "Ib (kA)",
    "rated Ib (kA)",
    "Ib utilisation (%)",
    "ip (kA)",
    "rated ip (kA)",
    "ip utilisation (%)",
    "status",
];

fn bus_cells(b: &BusResult, names: &Names, near: bool) -> Vec<String> {
    let mut cells = vec![
        csv_text(&b.id),
        csv_text(&names.bus(&b.id)),
        b.vn_kv.to_string(),
    ];
    cells.extend(
        [
            b.ikss_ka, b.skss_mva, b.ip_ka, b.ib_ka, b.ik_ka, b.ith_ka, b.kappa, b.rx, b.zk_ohm,
            b.rk_ohm, b.xk_ohm, b.z0k_ohm, b.rk0_ohm, b.xk0_ohm, b.ike_ka,
        ]
        .map(csv_num),
    );
    cells.push(if near { "yes" } else { "" }.into());
    cells
}

fn branch_cells(b: &BranchResult, names: &Names) -> Vec<String> {
    let ends = names.ends(&b.kind, &b.id);
    let end = |id: Option<&String>| csv_text(&id.map(|i| names.bus(i)).unwrap_or_default());
    vec![
        csv_text(kind_label(&b.kind)),
        csv_text(&b.id),
        csv_text(&names.element(&b.kind, &b.id)),
        end(ends.map(|e| &e.from)),
        end(ends.map(|e| &e.to)),
        end(ends.and_then(|e| e.third.as_ref())),
        csv_num(b.ikss_from_ka),
        csv_num(b.ikss_to_ka),
        csv_num(b.ikss_lv_ka),
        csv_num(b.ikss_ka),
        csv_text(b.fault_bus.as_deref().unwrap_or("")),
        end(b.fault_bus.as_ref()),
    ]
}

fn duty_cells(d: &DutyResult, names: &Names) -> Vec<String> {
    let mut cells = vec![
        csv_text(&d.switch),
        csv_text(&names.switch(&d.switch)),
        csv_text(&d.bus),
        csv_text(&names.bus(&d.bus)),
    ];
    cells.extend(
        [
            d.ikss_ka,
            d.ib_ka,
            d.rated_ib_ka,
            d.ib_utilisation_percent,
            d.ip_ka,
            d.rated_ip_ka,
            d.ip_utilisation_percent,
        ]
        .map(csv_num),
    );
    cells.push(csv_text(&d.status));
    cells
}

/// The voltage factors of a calculation (IEC 60909-0 Table 1) in words.
pub fn c_factors(res: &ScResults) -> String {
    let o = &res.options;
    let (hv, lv) = (
        voltage_factors(20.0, o.lv_tol_percent),
        voltage_factors(0.4, o.lv_tol_percent),
    );
    let pick = |f: (f64, f64)| if o.case == Case::Max { f.0 } else { f.1 };
    format!(
        "c{} = {:.2} above 1 kV; {:.2} up to 1 kV (LV tolerance {} %)",
        if o.case == Case::Max { "max" } else { "min" },
        pick(hv),
        pick(lv),
        o.lv_tol_percent
    )
}

/// What was calculated, as `# key: value` lines (the same facts as the study report's).
pub fn header_block(project: &str, sim_id: i64, r: &StoredResult) -> String {
    let o = &r.results.options;
    let mut lines = vec![
        ("project", project.to_string()),
        (
            "simulation",
            format!("#{sim_id} ({})", r.simulation_type.replace('_', " ")),
        ),
        (
            "version",
            format!(
                "{} of circuit “{}”",
                r.circuit.version_number, r.circuit.name
            ),
        ),
        ("version hash", r.circuit.content_hash.clone()),
        (
            "standard",
            format!(
                "{} ({} {})",
                r.engine.standard, r.engine.name, r.engine.version
            ),
        ),
        ("fault", fault_label(o.fault).to_string()),
        ("case", case_label(o.case).to_string()),
        ("c factors", c_factors(&r.results)),
        ("kappa method", format!("{:?}", o.kappa_method)),
        ("tk", format!("{} s", kv(o.tk_s))),
        ("tmin", format!("{} s", kv(o.tmin_s))),
        (
            "fault impedance",
            format!("{} + j{} ohm", o.r_fault_ohm, o.x_fault_ohm),
        ),
        (
            "date",
            format!("{} UTC", r.computed_at.format("%Y-%m-%d %H:%M:%S")),
        ),
    ];
    if !o.buses.is_empty() {
        lines.push((
            "fault locations",
            format!("{} selected buses", o.buses.len()),
        ));
    }
    let mut out = String::new();
    for (k, v) in lines {
        // One line each, and one cell: a line break in a name must not end the comment, and a
        // comma in a name must not start a cell of its own (a spreadsheet would read
        // `Plant,=HYPERLINK(...)` as a formula); a line with a comma or quote is quoted.
        let v = v.replace(['\r', '\n'], " ");
        csv_line(&mut out, &[csv_text(&format!("# {k}: {v}"))]);
    }
    out
}

/// A header line, then one line per row.
fn csv_table<T>(
    out: &mut String,
    header: &[&str],
    rows: impl IntoIterator<Item = T>,
    cells: impl Fn(T) -> Vec<String>,
) {
    csv_line(out, &header.iter().map(|h| csv_text(h)).collect::<Vec<_>>());
    for row in rows {
        csv_line(out, &cells(row));
    }
}

/// The CSV of one result table (duty: failing breakers first, as on the page) after the
/// header block; `names` from the simulated version's circuit.
pub fn results_csv(
    project: &str,
    sim_id: i64,
    r: &StoredResult,
    table: Table,
    names: &Names,
) -> String {
    let res = &r.results;
    let mut out = header_block(project, sim_id, r);
    match table {
        Table::Buses => {
            let limits = crate::sc::findings::Thresholds::new(&res.buses, &res.duty);
            csv_table(&mut out, &BUS_HEADER, &res.buses, |b| {
                bus_cells(b, names, limits.is_above(b))
            })
        }
        Table::Branches => csv_table(&mut out, &BRANCH_HEADER, &res.branches, |b| {
            branch_cells(b, names)
        }),
        Table::Duty => csv_table(&mut out, &DUTY_HEADER, sorted_duty(&res.duty), |d| {
            duty_cells(d, names)
        }),
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{breaker, bus, stored_with};
    use super::*;

    #[test]
    fn csv_cells_are_quoted_and_guarded() {
        assert_eq!(csv_text("B1"), "B1");
        assert_eq!(csv_text("=1+2"), "'=1+2");
        assert_eq!(csv_text("+A"), "'+A");
        assert_eq!(csv_text("-A"), "'-A");
        assert_eq!(csv_text("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_text("a,b"), "\"a,b\"");
        assert_eq!(csv_text("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(
            csv_text("=HYPERLINK(\"x\",1)"),
            "\"'=HYPERLINK(\"\"x\"\",1)\""
        );
        assert_eq!(csv_text("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn a_comma_in_a_name_cannot_start_a_formula_cell_in_the_header_block() {
        let mut r = stored_with(vec![bus("B1", Some(1.0))], Vec::new());
        r.circuit.name = "x,=1+1".into();
        let names = Names::new(None, &r.results.buses);
        let csv = results_csv(
            "Plant,=HYPERLINK(\"http://x\")",
            1,
            &r,
            Table::Buses,
            &names,
        );
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(
            lines[0],
            "\"# project: Plant,=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(lines[2], "\"# version: 1 of circuit “x,=1+1”\"");
        // Every header line is one cell: no unquoted comma before the table's head.
        for line in lines.iter().take_while(|l| !l.starts_with("bus_id")) {
            assert!(
                line.starts_with('#') && !line.contains(',') || line.starts_with("\"#"),
                "{line}"
            );
        }
    }

    #[test]
    fn tables_export_with_a_header_block_units_names_and_guarded_ids() {
        let mut b = bus("=B1", Some(1.5));
        b.name = Some("Main, north".into());
        let mut r = stored_with(
            vec![b, bus("B2", None)],
            vec![breaker("CB", "B2", 3.0, 2.0)],
        );
        r.circuit.content_hash = "sha256:abc".into();
        r.circuit.version_number = 5;
        let names = Names::new(None, &r.results.buses);
        let csv = results_csv("Plant\nNorth", 12, &r, Table::Buses, &names);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "# project: Plant North");
        assert_eq!(lines[1], "# simulation: #12 (short circuit)");
        assert_eq!(lines[2], "# version: 5 of circuit “t”");
        assert_eq!(lines[3], "# version hash: sha256:abc");
        assert!(lines[4].starts_with("# standard: IEC 60909-0:2016"));
        assert_eq!(lines[5], "# fault: three-phase (3ph)");
        assert_eq!(lines[6], "# case: maximum");
        assert_eq!(
            lines[7],
            "# c factors: cmax = 1.10 above 1 kV; 1.10 up to 1 kV (LV tolerance 10 %)"
        );
        assert_eq!(lines[8], "# kappa method: C");
        assert_eq!((lines[9], lines[10]), ("# tk: 1 s", "# tmin: 0.1 s"));
        assert!(lines[12].starts_with("# date: ") && lines[12].ends_with(" UTC"));
        let head = lines.iter().position(|l| !l.starts_with('#')).unwrap();
        assert!(
            lines[head].starts_with("bus_id,bus,Un (kV),Ik'' (kA),Sk'' (MVA),ip (kA),Ib (kA),Ik (kA),Ith (kA),kappa,R/X,Zk (ohm)"),
            "{}",
            lines[head]
        );
        assert_eq!(
            lines[head + 1],
            "'=B1,\"Main, north\",20,1.5,,,,,,,,,,,,,,,"
        );
        assert_eq!(lines[head + 2], "B2,B2,20,,,,,,,,,,,,,,,,");
        assert_eq!(lines[head + 3], "");
        let duty = results_csv("P", 12, &r, Table::Duty, &names);
        assert!(
            duty.ends_with("\r\nCB,CB,B2,B2,3,3,2,150,,,,fail\r\n"),
            "{duty}"
        );
        assert!(
            results_csv("P", 12, &r, Table::Branches, &names).ends_with(
                "\r\nkind,branch_id,branch,from_bus (HV),to_bus (MV),lv_bus,Ik'' from/HV (kA),Ik'' to/MV (kA),Ik'' LV (kA),Ik'' largest (kA),fault_bus_id,fault_bus\r\n"
            )
        );
        assert_eq!(Table::parse("duty"), Some(Table::Duty));
        assert_eq!(Table::parse("x"), None);
        assert_eq!(Table::Branches.filename(4), "simulation-4-branches.csv");
        assert_eq!(Table::Buses.filename(4), "simulation-4.csv");
    }
}
