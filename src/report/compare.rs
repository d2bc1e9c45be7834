//! Two runs side by side: Ik'', ip, Ib and Ith per bus by name, largest change of Ik'' first,
//! the buses only one of them has, the versions' element differences next to the result
//! change ("bus Feeder A's Ik'' rose 12.0 % after transformer T3 was added in version 5"),
//! and, where two runs cannot be compared, why.

use std::collections::{HashMap, HashSet};

use serde_json::Value;

use crate::circuit_edit::diff::CircuitDiff;
use crate::sc::results::BusResult;
use crate::sc::{Case, Fault};

use super::format::{case_label, fault_label, kv, list_names, sig_opt, status_label};
use super::names::Names;

/// One quantity of a bus in both runs.
pub struct Change {
    pub old: String,
    pub new: String,
    /// `+12.0 %`; empty without both values.
    pub percent: String,
    /// `up`, `down` or `same`.
    pub trend: &'static str,
}

pub struct CompareRow {
    pub id: String,
    /// The bus as named in the new run.
    pub bus: String,
    pub vn: String,
    pub ikss: Change,
    pub ip: Change,
    pub ib: Change,
    pub ith: Change,
    /// Ik'' new − old, kA (`+1.234`).
    pub delta: String,
    /// The trend of Ik''.
    pub trend: &'static str,
}

/// The comparison of an old and a new run's buses.
pub struct Comparison {
    pub rows: Vec<CompareRow>,
    /// Buses only in the new run (named).
    pub added: Vec<String>,
    /// Buses only in the old run (named).
    pub removed: Vec<String>,
    /// The largest relative changes of Ik'' in words, with what changed in the circuit.
    pub headlines: Vec<String>,
}

fn change(old: Option<f64>, new: Option<f64>) -> (Change, Option<f64>) {
    let percent = match (old, new) {
        (Some(a), Some(b)) if a != 0.0 => Some((b - a) / a * 100.0),
        _ => None,
    };
    let trend = match (old, new) {
        (Some(a), Some(b)) if b - a > 1e-9 => "up",
        (Some(a), Some(b)) if b - a < -1e-9 => "down",
        _ => "same",
    };
    (
        Change {
            old: sig_opt(old),
            new: sig_opt(new),
            percent: percent.map(|p| format!("{p:+.1} %")).unwrap_or_default(),
            trend,
        },
        percent,
    )
}

/// Per bus old and new Ik'', ip, Ib and Ith, largest absolute change of Ik'' first (buses
/// without a change value last). `old_names` and `new_names` name the buses of each run.
pub fn compare_buses(
    old: &[BusResult],
    new: &[BusResult],
    old_names: &Names,
    new_names: &Names,
) -> Comparison {
    let old_by_id: HashMap<&str, &BusResult> = old.iter().map(|b| (b.id.as_str(), b)).collect();
    let new_ids: HashSet<&str> = new.iter().map(|b| b.id.as_str()).collect();
    let mut rows: Vec<(Option<f64>, Option<f64>, CompareRow)> = Vec::new();
    let mut added = Vec::new();
    for n in new {
        let Some(o) = old_by_id.get(n.id.as_str()) else {
            added.push(new_names.bus(&n.id));
            continue;
        };
        let delta = n.ikss_ka.zip(o.ikss_ka).map(|(b, a)| b - a);
        let (ikss, pct) = change(o.ikss_ka, n.ikss_ka);
        let trend = ikss.trend;
        rows.push((
            delta,
            pct,
            CompareRow {
                id: n.id.clone(),
                bus: new_names.bus(&n.id),
                vn: kv(n.vn_kv),
                ikss,
                ip: change(o.ip_ka, n.ip_ka).0,
                ib: change(o.ib_ka, n.ib_ka).0,
                ith: change(o.ith_ka, n.ith_ka).0,
                delta: delta.map(|d| format!("{d:+.3}")).unwrap_or_default(),
                trend,
            },
        ));
    }
    rows.sort_by(|a, b| match (a.0, b.0) {
        (Some(x), Some(y)) => y.abs().total_cmp(&x.abs()),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => std::cmp::Ordering::Equal,
    });
    let removed = old
        .iter()
        .filter(|b| !new_ids.contains(b.id.as_str()))
        .map(|b| old_names.bus(&b.id))
        .collect();
    // The three largest relative changes of Ik'' (at least 0.1 %).
    let mut by_pct: Vec<(f64, &CompareRow)> = rows
        .iter()
        .filter_map(|(_, p, r)| p.filter(|p| p.abs() >= 0.1).map(|p| (p, r)))
        .collect();
    by_pct.sort_by(|a, b| b.0.abs().total_cmp(&a.0.abs()));
    let headlines = by_pct
        .iter()
        .take(3)
        .map(|(p, r)| {
            format!(
                "Bus {}'s Ik'' {} {:.1} % (from {} to {} kA)",
                r.bus,
                if *p > 0.0 { "rose" } else { "fell" },
                p.abs(),
                r.ikss.old,
                r.ikss.new
            )
        })
        .collect();
    Comparison {
        rows: rows.into_iter().map(|(_, _, r)| r).collect(),
        added,
        removed,
        headlines,
    }
}

/// An element of a circuit document by its name (the id where the name repeats within its
/// kind or is empty), as [`Names`] names the elements of a circuit.
fn doc_label(doc: Option<&Value>, kind_key: &str, id: &str) -> String {
    let Some(items) = doc.and_then(|d| d.get(kind_key)).and_then(Value::as_array) else {
        return id.to_string();
    };
    let name_of = |e: &Value| {
        e.get("name")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|n| !n.is_empty())
            .map(str::to_string)
    };
    let Some(el) = items
        .iter()
        .find(|e| e.get("id").and_then(Value::as_str) == Some(id))
    else {
        return id.to_string();
    };
    match name_of(el) {
        None => id.to_string(),
        Some(n) if n == id => n,
        Some(n) => {
            let repeats = items
                .iter()
                .filter(|e| name_of(e).as_deref() == Some(&n))
                .count()
                > 1;
            if repeats { format!("{n} ({id})") } else { n }
        }
    }
}

/// The versions' element differences in words, one line per element: `transformer T3 was
/// added`, `line Cable north was changed (Length)`.
pub fn change_lines(
    diff: &CircuitDiff,
    old_doc: Option<&Value>,
    new_doc: Option<&Value>,
) -> Vec<String> {
    let mut out = Vec::new();
    for h in &diff.header {
        out.push(format!(
            "the circuit's {} was changed",
            h.label.to_lowercase()
        ));
    }
    for k in &diff.kinds {
        let kind = k.kind.singular;
        for a in &k.added {
            out.push(format!(
                "{kind} {} was added",
                doc_label(new_doc, k.kind.key, &a.id)
            ));
        }
        for r in &k.removed {
            out.push(format!(
                "{kind} {} was removed",
                doc_label(old_doc, k.kind.key, &r.id)
            ));
        }
        for c in &k.changed {
            let fields: Vec<String> = c.fields.iter().map(|f| f.label.clone()).collect();
            out.push(format!(
                "{kind} {} was changed ({})",
                doc_label(new_doc, k.kind.key, &c.id),
                list_names(&fields, 4)
            ));
        }
    }
    out
}

/// The headlines with the cause: `… after transformer T3 was added in version 5`, or the note
/// that the circuit did not change (the options did).
pub fn explain(
    headlines: &[String],
    changes: &[String],
    old_version: i32,
    new_version: i32,
) -> Vec<String> {
    let cause = if old_version == new_version || changes.is_empty() {
        format!(
            " with the same circuit (version {new_version}): the difference comes from the options"
        )
    } else {
        format!(
            " after {} in version {new_version} (compared with version {old_version})",
            list_names(changes, 3)
        )
    };
    headlines.iter().map(|h| format!("{h}{cause}.")).collect()
}

/// What the page knows about a run to tell whether two can be compared.
pub struct RunFacts<'a> {
    pub id: i64,
    pub project_id: i64,
    pub project_name: &'a str,
    pub status: &'a str,
    pub fault: Fault,
    pub case: Case,
}

/// Why two runs cannot be compared; empty when they can.
pub fn refusal_reasons(a: &RunFacts, b: &RunFacts) -> Vec<String> {
    let mut out = Vec::new();
    if a.id == b.id {
        out.push(format!(
            "Both sides are simulation #{}: choose another run of the project to compare with.",
            a.id
        ));
        return out;
    }
    if a.project_id != b.project_id {
        out.push(format!(
            "Simulation #{} belongs to project \"{}\" and simulation #{} to project \"{}\": only \
             runs of one project (of versions of one circuit) can be compared.",
            a.id, a.project_name, b.id, b.project_name
        ));
    }
    for r in [a, b] {
        if r.status != "completed" {
            out.push(format!(
                "Simulation #{} is {}: only completed runs have results to compare.",
                r.id,
                status_label(r.status).to_lowercase()
            ));
        }
    }
    if a.fault != b.fault {
        out.push(format!(
            "Simulation #{} calculated a {} fault and simulation #{} a {} fault: currents of \
             different fault types are not comparable. Compare runs of the same fault type.",
            a.id,
            fault_label(a.fault),
            b.id,
            fault_label(b.fault)
        ));
    }
    if a.case != b.case {
        out.push(format!(
            "Simulation #{} is the {} case and simulation #{} the {} case: maximum and minimum \
             currents answer different questions. Compare runs of the same case.",
            a.id,
            case_label(a.case),
            b.id,
            case_label(b.case)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::bus;
    use super::*;
    use serde_json::json;

    #[test]
    fn comparison_sorts_by_absolute_change_with_names_and_four_quantities() {
        let mut a_old = bus("a", Some(10.0));
        a_old.ib_ka = Some(9.0);
        let old = vec![
            a_old,
            bus("b", Some(5.0)),
            bus("gone", Some(1.0)),
            bus("unfed", None),
        ];
        let mut b_new = bus("b", Some(8.0));
        b_new.name = Some("Feeder A".into());
        let mut a_new = bus("a", Some(9.0));
        a_new.ib_ka = Some(8.1);
        let new = vec![bus("unfed", Some(1.0)), a_new, b_new, bus("new", Some(2.0))];
        let c = compare_buses(&old, &new, &Names::new(None, &old), &Names::new(None, &new));
        assert_eq!(c.rows[0].bus, "Feeder A");
        assert_eq!(c.rows[0].ikss.percent, "+60.0 %");
        assert_eq!((c.rows[0].trend, c.rows[1].trend), ("up", "down"));
        assert_eq!(c.rows[1].bus, "a");
        assert_eq!(c.rows[1].delta, "-1.000");
        assert_eq!(
            (
                c.rows[1].ib.old.as_str(),
                c.rows[1].ib.new.as_str(),
                c.rows[1].ib.percent.as_str()
            ),
            ("9.000", "8.100", "-10.0 %")
        );
        assert_eq!((c.rows[2].bus.as_str(), c.rows[2].trend), ("unfed", "same"));
        assert_eq!(c.added, vec!["new".to_string()]);
        assert_eq!(c.removed, vec!["gone".to_string()]);
        assert_eq!(
            c.headlines[0],
            "Bus Feeder A's Ik'' rose 60.0 % (from 5.000 to 8.000 kA)"
        );
    }

    #[test]
    fn the_element_diff_explains_the_change() {
        let old = json!({"format": "ampflux-circuit", "version": 1,
            "buses": [{"id": "0", "name": "Grid", "vn_kv": 110}, {"id": "1", "name": "Feeder A", "vn_kv": 20}],
            "transformers": []});
        let new = json!({"format": "ampflux-circuit", "version": 1,
            "buses": [{"id": "0", "name": "Grid", "vn_kv": 110}, {"id": "1", "name": "Feeder A", "vn_kv": 20}],
            "transformers": [{"id": "T3", "name": "Unit T3", "hv_bus": "0", "lv_bus": "1", "sn_mva": 40,
                "vn_hv_kv": 110, "vn_lv_kv": 20, "vk_percent": 12, "vkr_percent": 0.5}]});
        let d = crate::circuit_edit::diff::diff(&old, &new);
        let lines = change_lines(&d, Some(&old), Some(&new));
        assert_eq!(lines, vec!["transformer Unit T3 was added".to_string()]);
        let text = explain(
            &["Bus Feeder A's Ik'' rose 12.0 % (from 10.00 to 11.20 kA)".to_string()],
            &lines,
            4,
            5,
        );
        assert_eq!(
            text[0],
            "Bus Feeder A's Ik'' rose 12.0 % (from 10.00 to 11.20 kA) after transformer Unit T3 was added in version 5 (compared with version 4)."
        );
        let same = explain(&["x".to_string()], &[], 5, 5);
        assert!(same[0].contains("same circuit (version 5)"));
    }

    #[test]
    fn refusals_say_why() {
        let a = RunFacts {
            id: 1,
            project_id: 1,
            project_name: "North",
            status: "completed",
            fault: Fault::ThreePhase,
            case: Case::Max,
        };
        let b = RunFacts {
            id: 2,
            project_id: 1,
            project_name: "North",
            status: "failed",
            fault: Fault::SinglePhase,
            case: Case::Min,
        };
        let r = refusal_reasons(&a, &b);
        assert_eq!(r.len(), 3, "{r:?}");
        assert_eq!(
            r[0],
            "Simulation #2 is failed: only completed runs have results to compare."
        );
        assert!(
            r[1].contains("three-phase (3ph) fault and simulation #2 a line-to-earth (1ph) fault")
        );
        assert!(r[2].contains("maximum case and simulation #2 the minimum case"));
        assert!(refusal_reasons(&a, &a)[0].starts_with("Both sides are simulation #1"));
        let other = RunFacts {
            id: 3,
            project_id: 2,
            project_name: "South",
            ..a
        };
        let r = refusal_reasons(&a, &other);
        assert_eq!(r.len(), 1);
        assert!(r[0].contains("project \"North\" and simulation #3 to project \"South\""));
    }
}
