//! The bus, branch and duty tables of a result: sorted, formatted rows with elements by name
//! ([`Names`]). The bus table sorts on any column (links work without script; htmx swaps only
//! the table). These types are what result pages and the study report render.

use crate::sc::findings::{Thresholds, utilisation};
use crate::sc::results::{BranchResult, BusResult, DutyResult};
use crate::sc::{Fault, ScResults};

use super::format::{fixed, kv, sig_opt};
use super::names::{Names, kind_label};
use super::paging::{PageLink, PageNav, Pager, Rows};

/// A column of the bus table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Column {
    pub key: &'static str,
    /// The head, with its unit.
    pub label: &'static str,
    pub numeric: bool,
    /// `all`, `earth` (earth faults only) or `2phg`.
    pub when: &'static str,
}

const fn col(key: &'static str, label: &'static str, numeric: bool, when: &'static str) -> Column {
    Column {
        key,
        label,
        numeric,
        when,
    }
}

/// Every sortable column of the bus table, in order.
pub const BUS_COLUMNS: [Column; 14] = [
    col("bus", "Bus", false, "all"),
    col("vn", "Un (kV)", true, "all"),
    col("ikss", "Ik'' (kA)", true, "all"),
    col("skss", "Sk'' (MVA)", true, "all"),
    col("ip", "ip (kA)", true, "all"),
    col("ib", "Ib (kA)", true, "all"),
    col("ik", "Ik (kA)", true, "all"),
    col("ith", "Ith (kA)", true, "all"),
    col("kappa", "κ", true, "all"),
    col("rx", "R/X", true, "all"),
    col("zk", "Zk (Ω)", true, "all"),
    col("z0k", "Z(0)k (Ω)", true, "earth"),
    col("ike", "IkE2E'' (kA)", true, "2phg"),
    col("name", "Name", false, "never"),
];

/// The columns shown for a fault type.
pub fn bus_columns(fault: Fault) -> Vec<Column> {
    BUS_COLUMNS
        .iter()
        .copied()
        .filter(|c| match c.when {
            "all" => true,
            "earth" => fault.needs_zero_sequence(),
            "2phg" => fault == Fault::TwoPhaseEarth,
            _ => false,
        })
        .collect()
}

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
    /// unless a direction is given (`name` is the old name column: the bus column now).
    pub fn parse(sort: Option<&str>, dir: Option<&str>) -> Sort {
        let key = sort
            .map(|s| if s == "name" { "bus" } else { s })
            .and_then(|s| BUS_COLUMNS.iter().find(|c| c.key == s))
            .map_or("ikss", |c| c.key);
        let numeric = BUS_COLUMNS.iter().any(|c| c.key == key && c.numeric);
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
    pub key: &'static str,
    pub label: &'static str,
    pub href: String,
    pub hx: String,
    /// `ascending`, `descending` or `none` (aria-sort).
    pub aria_sort: &'static str,
    pub numeric: bool,
}

/// One bus, formatted for the screen (4 significant digits).
pub struct BusRow {
    pub id: String,
    /// The bus as named ([`Names::bus`]).
    pub name: String,
    pub vn: String,
    pub ikss: String,
    pub skss: String,
    pub ip: String,
    pub ib: String,
    pub ik: String,
    pub ith: String,
    pub kappa: String,
    pub rx: String,
    pub zk: String,
    pub z0k: String,
    pub rk: String,
    pub xk: String,
    pub rk0: String,
    pub xk0: String,
    pub ike: String,
    pub over: bool,
    pub unfed: bool,
}

impl BusRow {
    /// The cell of a column (for tables that choose their columns).
    pub fn cell(&self, key: &str) -> &str {
        match key {
            "bus" | "name" => &self.name,
            "vn" => &self.vn,
            "ikss" => &self.ikss,
            "skss" => &self.skss,
            "ip" => &self.ip,
            "ib" => &self.ib,
            "ik" => &self.ik,
            "ith" => &self.ith,
            "kappa" => &self.kappa,
            "rx" => &self.rx,
            "zk" => &self.zk,
            "z0k" => &self.z0k,
            "ike" => &self.ike,
            _ => "",
        }
    }
}

pub struct BusTable {
    pub sim_id: i64,
    pub headers: Vec<SortHeader>,
    pub rows: Vec<BusRow>,
    /// The keys of the columns after the bus column, in order.
    pub keys: Vec<&'static str>,
    pub zero_sequence: bool,
    pub earth_current: bool,
    pub sort_note: String,
    /// What the columns mean where a value can be missing (Ib's tmin, why Ik is empty).
    pub notes: Vec<String>,
    /// Which rows these are and the way to the others.
    pub nav: PageNav,
}

fn value_of(b: &BusResult, key: &str) -> Option<f64> {
    match key {
        "vn" => Some(b.vn_kv),
        "ikss" => b.ikss_ka,
        "skss" => b.skss_mva,
        "ip" => b.ip_ka,
        "ib" => b.ib_ka,
        "ik" => b.ik_ka,
        "ith" => b.ith_ka,
        "kappa" => b.kappa,
        "rx" => b.rx,
        "zk" => b.zk_ohm,
        "z0k" => b.z0k_ohm,
        "ike" => b.ike_ka,
        "rk" => b.rk_ohm,
        "xk" => b.xk_ohm,
        _ => None,
    }
}

/// Sorted indices of the buses: O(n log n); buses without a value come last either way.
/// `bus` sorts by the name as shown.
pub fn sorted_buses(buses: &[BusResult], names: &Names, key: &str, dir: Dir) -> Vec<usize> {
    let mut idx: Vec<usize> = (0..buses.len()).collect();
    match key {
        "bus" | "name" => {
            let keys: Vec<String> = buses
                .iter()
                .map(|b| names.bus(&b.id).to_lowercase())
                .collect();
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

/// One bus row, formatted.
pub fn bus_row(b: &BusResult, names: &Names, limits: &Thresholds) -> BusRow {
    BusRow {
        id: b.id.clone(),
        name: names.bus(&b.id),
        vn: kv(b.vn_kv),
        ikss: sig_opt(b.ikss_ka),
        skss: sig_opt(b.skss_mva),
        ip: sig_opt(b.ip_ka),
        ib: sig_opt(b.ib_ka),
        ik: sig_opt(b.ik_ka),
        ith: sig_opt(b.ith_ka),
        kappa: sig_opt(b.kappa),
        rx: sig_opt(b.rx),
        zk: sig_opt(b.zk_ohm),
        z0k: sig_opt(b.z0k_ohm),
        rk: sig_opt(b.rk_ohm),
        xk: sig_opt(b.xk_ohm),
        rk0: sig_opt(b.rk0_ohm),
        xk0: sig_opt(b.xk0_ohm),
        ike: sig_opt(b.ike_ka),
        over: limits.is_above(b),
        unfed: b.ikss_ka.is_none(),
    }
}

/// The notes under the bus table: Ib's tmin, and why Ik is missing where it is.
pub fn bus_notes(res: &ScResults) -> Vec<String> {
    let o = &res.options;
    let mut notes = vec![format!(
        "Ib is the symmetrical breaking current for tmin = {} s (IEC 60909-0 clause 9.1); Ith is for Tk = {} s; Zk = |Rk + jXk| and R/X = Rk/Xk at the fault location.",
        kv(o.tmin_s),
        kv(o.tk_s)
    )];
    if res
        .buses
        .iter()
        .any(|b| b.ikss_ka.is_some() && b.ik_ka.is_none())
    {
        notes.push(
            "Ik (steady state) is empty where a synchronous generator feeds this three-phase fault alone and lacks its saturated reactance xdsat_pu or excitation series: the λ method of IEC 60909-0 clause 10.2.1 needs both (generator fields, under more fields). Far from generators Ik = Ik''."
                .into(),
        );
    }
    notes
}

/// The bus table of simulation `sim_id`, sorted, the rows asked for (only those are
/// formatted); rows above their threshold are marked. Sorting starts again at the first page.
pub fn bus_table(
    sim_id: i64,
    res: &ScResults,
    sort: Sort,
    rows: Rows,
    limits: &Thresholds,
    names: &Names,
) -> BusTable {
    let Sort { key, dir } = sort;
    let columns = bus_columns(res.options.fault);
    let headers = columns
        .iter()
        .map(|c| {
            let k = c.key;
            let next = if k == key {
                if dir == Dir::Asc { "desc" } else { "asc" }
            } else if c.numeric {
                "desc"
            } else {
                "asc"
            };
            SortHeader {
                key: k,
                label: c.label,
                href: format!("/simulations/{sim_id}?sort={k}&dir={next}#buses"),
                hx: format!("/simulations/{sim_id}/buses?sort={k}&dir={next}"),
                aria_sort: match (k == key, dir) {
                    (false, _) => "none",
                    (true, Dir::Asc) => "ascending",
                    (true, Dir::Desc) => "descending",
                },
                numeric: c.numeric,
            }
        })
        .collect();
    let buses = &res.buses;
    let pager = Pager::new(rows, buses.len());
    let order = sorted_buses(buses, names, key, dir);
    let rows = order[pager.range()]
        .iter()
        .map(|&i| bus_row(&buses[i], names, limits))
        .collect();
    let nav = PageNav::new(&pager, "Buses", |n| PageLink {
        href: format!(
            "/simulations/{sim_id}?sort={key}&dir={}&page={n}#buses",
            dir.as_str()
        ),
        hx: format!(
            "/simulations/{sim_id}/buses?sort={key}&dir={}&page={n}",
            dir.as_str()
        ),
    });
    let label = BUS_COLUMNS
        .iter()
        .find(|c| c.key == key)
        .map_or("", |c| c.label);
    BusTable {
        sim_id,
        headers,
        rows,
        keys: columns.iter().skip(1).map(|c| c.key).collect(),
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
        notes: bus_notes(res),
        nav,
    }
}

pub struct BranchRow {
    /// In words (`Line`, `Transformer` …).
    pub kind: String,
    pub id: String,
    /// The branch as named.
    pub name: String,
    /// Its ends by bus name (from/HV, to/MV, LV); empty when the circuit is unknown.
    pub from_bus: String,
    pub to_bus: String,
    pub lv_bus: String,
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

/// Every branch, the largest current first.
pub fn branch_rows(branches: &[BranchResult], names: &Names) -> Vec<BranchRow> {
    branch_table(0, branches, Rows::All, names).rows
}

/// A page of the branch table of simulation `sim_id`.
pub struct BranchTable {
    pub sim_id: i64,
    pub rows: Vec<BranchRow>,
    pub nav: PageNav,
}

/// The branches of a page, the largest current first (only those are formatted).
pub fn branch_table(
    sim_id: i64,
    branches: &[BranchResult],
    rows: Rows,
    names: &Names,
) -> BranchTable {
    let sorted = by_current(branches);
    let pager = Pager::new(rows, sorted.len());
    let nav = PageNav::new(&pager, "Branches", |n| PageLink {
        href: format!("/simulations/{sim_id}?bpage={n}#branches"),
        hx: format!("/simulations/{sim_id}/branches?page={n}"),
    });
    let rows = sorted[pager.range()]
        .iter()
        .map(|b| {
            let ends = names.ends(&b.kind, &b.id);
            let end = |f: fn(&super::names::Ends) -> Option<&String>| {
                ends.and_then(f).map(|id| names.bus(id)).unwrap_or_default()
            };
            BranchRow {
                kind: kind_label(&b.kind).to_string(),
                id: b.id.clone(),
                name: names.element(&b.kind, &b.id),
                from_bus: end(|e| Some(&e.from)),
                // A three-winding transformer's second end is its MV bus, the third its LV.
                to_bus: end(|e| Some(&e.to)),
                lv_bus: end(|e| e.third.as_ref()),
                from: sig_opt(b.ikss_from_ka),
                to: sig_opt(b.ikss_to_ka),
                lv: sig_opt(b.ikss_lv_ka),
                max: sig_opt(b.ikss_ka),
                fault_bus: b
                    .fault_bus
                    .as_deref()
                    .map(|f| names.bus(f))
                    .unwrap_or_default(),
            }
        })
        .collect();
    BranchTable { sim_id, rows, nav }
}

pub struct DutyRow {
    /// The breaker and its bus as named.
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

pub fn duty_rows(duty: &[DutyResult], names: &Names) -> Vec<DutyRow> {
    sorted_duty(duty)
        .into_iter()
        .map(|d| DutyRow {
            switch: names.switch(&d.switch),
            bus: names.bus(&d.bus),
            ikss: sig_opt(d.ikss_ka),
            ib: sig_opt(d.ib_ka),
            rated_ib: d.rated_ib_ka.map(kv).unwrap_or_default(),
            ib_pct: fixed(d.ib_utilisation_percent, 1),
            ip: sig_opt(d.ip_ka),
            rated_ip: d.rated_ip_ka.map(kv).unwrap_or_default(),
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
        let names = Names::new(None, &buses);
        assert_eq!(
            sorted_buses(&buses, &names, "ikss", Dir::Desc),
            vec![2, 0, 3, 1]
        );
        assert_eq!(
            sorted_buses(&buses, &names, "ikss", Dir::Asc),
            vec![3, 0, 2, 1]
        );
        assert_eq!(
            sorted_buses(&buses, &names, "bus", Dir::Desc),
            vec![3, 2, 1, 0]
        );
        let s = Sort::parse(Some("nonsense"), Some("sideways"));
        assert_eq!((s.key, s.dir), ("ikss", Dir::Desc));
        let s = Sort::parse(Some("name"), None);
        assert_eq!((s.key, s.dir), ("bus", Dir::Asc));
        let s = Sort::parse(Some("ib"), None);
        assert_eq!((s.key, s.dir), ("ib", Dir::Desc));
    }

    #[test]
    fn bus_table_names_buses_links_the_next_sort_and_marks_rows() {
        let mut a = bus("0", Some(2.0));
        a.name = Some("Feeder".into());
        a.ib_ka = Some(1.9);
        a.kappa = Some(1.80234);
        let mut c = bus("2", Some(50.0));
        c.name = Some("Main".into());
        let r = stored_with(
            vec![a, bus("1", None), c],
            vec![breaker("CB", "2", 50.0, 40.0)],
        );
        let names = Names::new(None, &r.results.buses);
        let limits = Thresholds::new(&r.results.buses, &r.results.duty);
        let t = bus_table(
            9,
            &r.results,
            Sort::parse(None, None),
            Rows::All,
            &limits,
            &names,
        );
        assert_eq!(t.sort_note, "Sorted by Ik'' (kA), descending.");
        let labels: Vec<&str> = t.headers.iter().map(|h| h.label).collect();
        assert_eq!(
            labels,
            [
                "Bus",
                "Un (kV)",
                "Ik'' (kA)",
                "Sk'' (MVA)",
                "ip (kA)",
                "Ib (kA)",
                "Ik (kA)",
                "Ith (kA)",
                "κ",
                "R/X",
                "Zk (Ω)"
            ]
        );
        let ik = &t.headers[2];
        assert_eq!(ik.aria_sort, "descending");
        assert_eq!(ik.hx, "/simulations/9/buses?sort=ikss&dir=asc");
        assert_eq!(t.headers[0].href, "/simulations/9?sort=bus&dir=asc#buses");
        let shown: Vec<&str> = t.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(shown, ["Main", "Feeder", "1"]);
        assert!(t.rows[0].over && !t.rows[1].over && t.rows[2].unfed);
        assert_eq!(
            (t.rows[1].ib.as_str(), t.rows[1].kappa.as_str()),
            ("1.900", "1.802")
        );
        assert_eq!(t.rows[1].cell("ikss"), "2.000");
        let by_name = bus_table(
            9,
            &r.results,
            Sort::parse(Some("bus"), None),
            Rows::All,
            &limits,
            &names,
        );
        let shown: Vec<&str> = by_name.rows.iter().map(|r| r.name.as_str()).collect();
        assert_eq!(shown, ["1", "Feeder", "Main"]);
        // Earth faults add |Z(0)k|.
        let mut earth = r.results.clone();
        earth.options.fault = Fault::SinglePhase;
        let t = bus_table(
            9,
            &earth,
            Sort::parse(None, None),
            Rows::All,
            &limits,
            &names,
        );
        assert_eq!(t.keys.last(), Some(&"z0k"));
        // Ik missing with a result: the page says why.
        assert!(t.notes.iter().any(|n| n.contains("λ method")));
    }

    #[test]
    fn duty_rows_put_failures_first_with_their_margin() {
        let duty = vec![
            breaker("CB2", "MV2", 10.0, 20.0),
            breaker("CB1", "MV", 15.0, 12.5),
        ];
        let rows = duty_rows(&duty, &Names::default());
        assert_eq!(
            (rows[0].switch.as_str(), rows[0].status.as_str()),
            ("CB1", "fail")
        );
        assert_eq!(rows[0].margin, "-20.0 %");
        assert_eq!(rows[1].margin, "+50.0 %");
    }
}
