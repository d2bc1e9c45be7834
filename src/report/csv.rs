//! The CSV exports of a result's tables: full-precision numbers, RFC 4180 quoting, CRLF lines,
//! and text cells guarded against being read as spreadsheet formulas.

use crate::sc::ScResults;
use crate::sc::results::{BranchResult, BusResult, DutyResult};

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

const BUS_HEADER: [&str; 13] = [
    "bus", "name", "vn_kv", "ikss_ka", "skss_mva", "ip_ka", "ith_ka", "rk_ohm", "xk_ohm",
    "rk0_ohm", "xk0_ohm", "ike_ka", "kappa",
];
const BRANCH_HEADER: [&str; 7] = [
    "kind",
    "id",
    "ikss_from_ka",
    "ikss_to_ka",
    "ikss_lv_ka",
    "ikss_ka",
    "fault_bus",
];
const DUTY_HEADER: [&str; 10] = [
    "switch",
    "bus",
    "ikss_ka",
    "ib_ka",
    "rated_ib_ka",
    "ib_utilisation_percent",
    "ip_ka",
    "rated_ip_ka",
    "ip_utilisation_percent",
    "status",
];

fn bus_cells(b: &BusResult) -> Vec<String> {
    vec![
        csv_text(&b.id),
        csv_text(b.name.as_deref().unwrap_or("")),
        b.vn_kv.to_string(),
        csv_num(b.ikss_ka),
        csv_num(b.skss_mva),
        csv_num(b.ip_ka),
        csv_num(b.ith_ka),
        csv_num(b.rk_ohm),
        csv_num(b.xk_ohm),
        csv_num(b.rk0_ohm),
        csv_num(b.xk0_ohm),
        csv_num(b.ike_ka),
        csv_num(b.kappa),
    ]
}

fn branch_cells(b: &BranchResult) -> Vec<String> {
    vec![
        csv_text(&b.kind),
        csv_text(&b.id),
        csv_num(b.ikss_from_ka),
        csv_num(b.ikss_to_ka),
        csv_num(b.ikss_lv_ka),
        csv_num(b.ikss_ka),
        csv_text(b.fault_bus.as_deref().unwrap_or("")),
    ]
}

fn duty_cells(d: &DutyResult) -> Vec<String> {
    let mut cells = vec![csv_text(&d.switch), csv_text(&d.bus)];
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

/// A header line, then one line per row.
fn csv_table<T>(
    header: &[&str],
    rows: impl IntoIterator<Item = T>,
    cells: fn(T) -> Vec<String>,
) -> String {
    let mut out = String::new();
    csv_line(
        &mut out,
        &header.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
    );
    for row in rows {
        csv_line(&mut out, &cells(row));
    }
    out
}

/// The CSV of one result table (duty: failing breakers first, as on the page).
pub fn results_csv(res: &ScResults, table: Table) -> String {
    match table {
        Table::Buses => csv_table(&BUS_HEADER, &res.buses, bus_cells),
        Table::Branches => csv_table(&BRANCH_HEADER, &res.branches, branch_cells),
        Table::Duty => csv_table(&DUTY_HEADER, sorted_duty(&res.duty), duty_cells),
    }
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
    fn tables_export_with_crlf_and_guarded_ids() {
        let mut b = bus("=B1", Some(1.5));
        b.name = Some("Main, north".into());
        let r = stored_with(
            vec![b, bus("B2", None)],
            vec![breaker("CB", "B2", 3.0, 2.0)],
        );
        let csv = results_csv(&r.results, Table::Buses);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert!(lines[0].starts_with("bus,name,vn_kv,ikss_ka,"));
        assert_eq!(lines[1], "'=B1,\"Main, north\",20,1.5,,,,,,,,,");
        assert_eq!(lines[2], "B2,,20,,,,,,,,,,");
        assert_eq!(lines[3], "");
        let duty = results_csv(&r.results, Table::Duty);
        assert!(duty.ends_with("\r\nCB,B2,3,3,2,150,,,,fail\r\n"), "{duty}");
        assert_eq!(
            results_csv(&r.results, Table::Branches),
            "kind,id,ikss_from_ka,ikss_to_ka,ikss_lv_ka,ikss_ka,fault_bus\r\n"
        );
        assert_eq!(Table::parse("duty"), Some(Table::Duty));
        assert_eq!(Table::parse("x"), None);
        assert_eq!(Table::Branches.filename(4), "simulation-4-branches.csv");
        assert_eq!(Table::Buses.filename(4), "simulation-4.csv");
    }
}
