//! The bus, branch and duty tables of a result: sorted, formatted rows. The bus table sorts on
//! any column (links work without script; htmx swaps only the table).

use crate::sc::findings::{Thresholds, utilisation};
use crate::sc::results::{BranchResult, BusResult, DutyResult};
use crate::sc::{Fault, ScResults};

use super::format::{fixed, kv, significant};

/// Sortable columns of the bus table: (key, header, numeric).
pub const BUS_COLUMNS: [(&str, &str, bool); 9] = [
    ("bus", "Bus", false),
    ("name", "Name", false),
    ("vn", "Un (kV)", true),
    ("ikss", "Ik'' (kA)", true),
    ("skss", "Sk'' (MVA)", true),
    ("ip", "ip (kA)", true),
    ("ith", "Ith (kA)", true),
    ("rk", "Rk (Ω)", true),
    ("xk", "Xk (Ω)", true),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dir {
    Asc,
    Desc,
}

impl Dir {
    pub fn as_str(self) -> &'static str {
        match self {
            Dir::Asc => "asc",
            Dir::Desc => "desc",
        }
    }
}

/// The bus table's sort: a known column and a direction (Ik'' descending by default).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sort {
    pub key: &'static str,
    pub dir: Dir,
}

impl Sort {
    /// Reads `?sort=&dir=`: unknown columns sort by Ik'', numbers descend and text ascends
    /// unless a direction is given.
    pub fn parse(sort: Option<&str>, dir: Option<&str>) -> Sort {
        let key = sort
            .and_then(|s| BUS_COLUMNS.iter().find(|c| c.0 == s))
            .map_or("ikss", |c| c.0);
        let numeric = BUS_COLUMNS.iter().any(|c| c.0 == key && c.2);
        let dir = match dir {
            Some("asc") => Dir::Asc,
            Some("desc") => Dir::Desc,
            _ if numeric => Dir::Desc,
            _ => Dir::Asc,
        };
        Sort { key, dir }
    }
}

pub struct SortHeader {
    pub label: &'static str,
    pub href: String,
    pub hx: String,
    /// `ascending`, `descending` or `none` (aria-sort).
    pub aria_sort: &'static str,
    pub numeric: bool,
}

pub struct BusRow {
    pub id: String,
    pub name: String,
    pub vn: String,
    pub ikss: String,
    pub skss: String,
    pub ip: String,
    pub ith: String,
    pub rk: String,
    pub xk: String,
    pub rk0: String,
    pub xk0: String,
    pub ike: String,
    pub over: bool,
    pub unfed: bool,
}

pub struct BusTable {
    pub sim_id: i64,
    pub headers: Vec<SortHeader>,
    pub rows: Vec<BusRow>,
    pub zero_sequence: bool,
    pub earth_current: bool,
    pub sort_note: String,
}

fn value_of(b: &BusResult, key: &str) -> Option<f64> {
    match key {
        "vn" => Some(b.vn_kv),
        "ikss" => b.ikss_ka,
        "skss" => b.skss_mva,
        "ip" => b.ip_ka,
        "ith" => b.ith_ka,
        "rk" => b.rk_ohm,
        "xk" => b.xk_ohm,
        _ => None,
    }
}

/// Sorted indices of the buses: O(n log n); buses without a value come last either way.
pub fn sorted_buses(buses: &[BusResult], key: &str, dir: Dir) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..buses.len()).collect();
    match key {
        "bus" | "name" => {
            let text = |b: &BusResult| -> String {
                if key == "bus" {
                    b.id.to_lowercase()
                } else {
                    b.name.clone().unwrap_or_default().to_lowercase()
                }
            };
            let keys: Vec<String> = buses.iter().map(text).collect();
            idx.sort_by(|&a, &b| {
                let o = keys[a].cmp(&keys[b]).then(a.cmp(&b));
                if dir == Dir::Desc { o.reverse() } else { o }
            });
        }
        _ => {
            idx.sort_by(|&a, &b| {
                match (value_of(&buses[a], key), value_of(&buses[b], key)) {
                    (Some(x), Some(y)) => {
                        let o = x.total_cmp(&y);
                        if dir == Dir::Desc { o.reverse() } else { o }
                    }
                    (Some(_), None) => std::cmp::Ordering::Less,
                    (None, Some(_)) => std::cmp::Ordering::Greater,
                    (None, None) => std::cmp::Ordering::Equal,
                }
                .then(a.cmp(&b))
            });
        }
    }
    idx
}

/// The bus table of simulation `sim_id`, sorted; rows above their threshold are marked.
pub fn bus_table(sim_id: i64, res: &ScResults, sort: Sort, limits: &Thresholds) -> BusTable {
    let Sort { key, dir } = sort;
    let headers = BUS_COLUMNS
        .iter()
        .map(|&(k, label, numeric)| {
            let next = if k == key {
                if dir == Dir::Asc { "desc" } else { "asc" }
            } else if numeric {
                "desc"
            } else {
                "asc"
            };
            SortHeader {
                label,
                href: format!("/simulations/{sim_id}?sort={k}&dir={next}#buses"),
                hx: format!("/simulations/{sim_id}/buses?sort={k}&dir={next}"),
                aria_sort: match (k == key, dir) {
                    (false, _) => "none",
                    (true, Dir::Asc) => "ascending",
                    (true, Dir::Desc) => "descending",
                },
                numeric,
            }
        })
        .collect();
    let buses = &res.buses;
    let rows = sorted_buses(buses, key, dir)
        .into_iter()
        .map(|i| {
            let b = &buses[i];
            BusRow {
                id: b.id.clone(),
                name: b.name.clone().unwrap_or_default(),
                vn: kv(b.vn_kv),
                ikss: fixed(b.ikss_ka, 3),
                skss: fixed(b.skss_mva, 1),
                ip: fixed(b.ip_ka, 3),
                ith: fixed(b.ith_ka, 3),
                rk: significant(b.rk_ohm, 4),
                xk: significant(b.xk_ohm, 4),
                rk0: significant(b.rk0_ohm, 4),
                xk0: significant(b.xk0_ohm, 4),
                ike: fixed(b.ike_ka, 3),
                over: limits.is_above(b),
                unfed: b.ikss_ka.is_none(),
            }
        })
        .collect();
    let label = BUS_COLUMNS.iter().find(|c| c.0 == key).map_or("", |c| c.1);
    BusTable {
        sim_id,
        headers,
        rows,
        zero_sequence: res.options.fault.needs_zero_sequence(),
        earth_current: res.options.fault == Fault::TwoPhaseEarth,
        sort_note: format!(
            "Sorted by {label}, {}.",
            if dir == Dir::Asc {
                "ascending"
            } else {
                "descending"
            }
        ),
    }
}

pub struct BranchRow {
    pub kind: String,
    pub id: String,
    pub from: String,
    pub to: String,
    pub lv: String,
    pub max: String,
    pub fault_bus: String,
}

/// Branches with their largest current first.
pub fn by_current(branches: &[BranchResult]) -> Vec<&BranchResult> {
    let mut sorted: Vec<&BranchResult> = branches.iter().collect();
    sorted.sort_by(|a, b| {
        b.ikss_ka
            .unwrap_or(f64::NEG_INFINITY)
            .total_cmp(&a.ikss_ka.unwrap_or(f64::NEG_INFINITY))
    });
    sorted
}

pub fn branch_rows(branches: &[BranchResult]) -> Vec<BranchRow> {
    by_current(branches)
        .into_iter()
        .map(|b| BranchRow {
            kind: b.kind.clone(),
            id: b.id.clone(),
            from: fixed(b.ikss_from_ka, 3),
            to: fixed(b.ikss_to_ka, 3),
            lv: fixed(b.ikss_lv_ka, 3),
            max: fixed(b.ikss_ka, 3),
            fault_bus: b.fault_bus.clone().unwrap_or_default(),
        })
        .collect()
}

pub struct DutyRow {
    pub switch: String,
    pub bus: String,
    pub ikss: String,
    pub ib: String,
    pub rated_ib: String,
    pub ib_pct: String,
    pub ip: String,
    pub rated_ip: String,
    pub ip_pct: String,
    pub margin: String,
    pub status: String,
}

/// Failing breakers first, then by utilisation, highest first.
pub fn sorted_duty(duty: &[DutyResult]) -> Vec<&DutyResult> {
    let mut sorted: Vec<&DutyResult> = duty.iter().collect();
    let rank = |d: &DutyResult| match d.status.as_str() {
        "fail" => 0,
        "pass" => 1,
        _ => 2,
    };
    sorted.sort_by(|a, b| {
        rank(a).cmp(&rank(b)).then(
            utilisation(b)
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&utilisation(a).unwrap_or(f64::NEG_INFINITY)),
        )
    });
    sorted
}

pub fn duty_rows(duty: &[DutyResult]) -> Vec<DutyRow> {
    sorted_duty(duty)
        .into_iter()
        .map(|d| DutyRow {
            switch: d.switch.clone(),
            bus: d.bus.clone(),
            ikss: fixed(d.ikss_ka, 3),
            ib: fixed(d.ib_ka, 3),
            rated_ib: fixed(d.rated_ib_ka, 1),
            ib_pct: fixed(d.ib_utilisation_percent, 1),
            ip: fixed(d.ip_ka, 3),
            rated_ip: fixed(d.rated_ip_ka, 1),
            ip_pct: fixed(d.ip_utilisation_percent, 1),
            margin: utilisation(d)
                .map(|u| format!("{:+.1} %", 100.0 - u))
                .unwrap_or_default(),
            status: d.status.clone(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::{breaker, bus, stored_with};
    use super::*;

    #[test]
    fn sorting_puts_missing_values_last() {
        let buses = vec![
            bus("a", Some(2.0)),
            bus("b", None),
            bus("c", Some(5.0)),
            bus("d", Some(1.0)),
        ];
        assert_eq!(sorted_buses(&buses, "ikss", Dir::Desc), vec![2, 0, 3, 1]);
        assert_eq!(sorted_buses(&buses, "ikss", Dir::Asc), vec![3, 0, 2, 1]);
        assert_eq!(sorted_buses(&buses, "bus", Dir::Desc), vec![3, 2, 1, 0]);
        let s = Sort::parse(Some("nonsense"), Some("sideways"));
        assert_eq!((s.key, s.dir), ("ikss", Dir::Desc));
        let s = Sort::parse(Some("name"), None);
        assert_eq!((s.key, s.dir), ("name", Dir::Asc));
    }

    #[test]
    fn bus_table_links_the_next_sort_and_marks_rows() {
        let r = stored_with(
            vec![bus("a", Some(2.0)), bus("b", None), bus("c", Some(50.0))],
            Vec::new(),
        );
        let limits = Thresholds::new(&r.results.buses, &r.results.duty);
        let t = bus_table(9, &r.results, Sort::parse(None, None), &limits);
        assert_eq!(t.sort_note, "Sorted by Ik'' (kA), descending.");
        let ik = &t.headers[3];
        assert_eq!(ik.aria_sort, "descending");
        assert_eq!(ik.hx, "/simulations/9/buses?sort=ikss&dir=asc");
        assert_eq!(t.headers[0].href, "/simulations/9?sort=bus&dir=asc#buses");
        let ids: Vec<&str> = t.rows.iter().map(|r| r.id.as_str()).collect();
        assert_eq!(ids, ["c", "a", "b"]);
        assert!(t.rows[0].over && !t.rows[1].over && t.rows[2].unfed);
    }

    #[test]
    fn duty_rows_put_failures_first_with_their_margin() {
        let duty = vec![
            breaker("CB2", "MV2", 10.0, 20.0),
            breaker("CB1", "MV", 15.0, 12.5),
        ];
        let rows = duty_rows(&duty);
        assert_eq!(
            (rows[0].switch.as_str(), rows[0].status.as_str()),
            ("CB1", "fail")
        );
        assert_eq!(rows[0].margin, "-20.0 %");
        assert_eq!(rows[1].margin, "+50.0 %");
    }
}
