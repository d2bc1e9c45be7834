//! Two runs side by side: Ik'' per bus, largest change first, and the buses only one of them
//! has.

use std::collections::{HashMap, HashSet};

use crate::sc::results::BusResult;

use super::format::{fixed, kv};

pub struct CompareRow {
    pub bus: String,
    pub vn: String,
    pub old: String,
    pub new: String,
    pub delta: String,
    pub percent: String,
    /// `up`, `down` or `same`.
    pub trend: &'static str,
}

/// The comparison of an old and a new run's buses.
pub struct Comparison {
    pub rows: Vec<CompareRow>,
    /// Buses only in the new run.
    pub added: Vec<String>,
    /// Buses only in the old run.
    pub removed: Vec<String>,
}

fn row(o: &BusResult, n: &BusResult) -> (Option<f64>, CompareRow) {
    let delta = match (o.ikss_ka, n.ikss_ka) {
        (Some(a), Some(b)) => Some(b - a),
        _ => None,
    };
    let percent = match (o.ikss_ka, delta) {
        (Some(a), Some(d)) if a != 0.0 => Some(d / a * 100.0),
        _ => None,
    };
    (
        delta,
        CompareRow {
            bus: n.id.clone(),
            vn: kv(n.vn_kv),
            old: fixed(o.ikss_ka, 3),
            new: fixed(n.ikss_ka, 3),
            delta: delta.map(|d| format!("{d:+.3}")).unwrap_or_default(),
            percent: percent.map(|p| format!("{p:+.1} %")).unwrap_or_default(),
            trend: match delta {
                Some(d) if d > 1e-9 => "up",
                Some(d) if d < -1e-9 => "down",
                _ => "same",
            },
        },
    )
}

/// Per bus old and new Ik'', largest absolute change first (buses without a change value
/// last).
pub fn compare_buses(old: &[BusResult], new: &[BusResult]) -> Comparison {
    let old_by_id: HashMap<&str, &BusResult> = old.iter().map(|b| (b.id.as_str(), b)).collect();
    let new_ids: HashSet<&str> = new.iter().map(|b| b.id.as_str()).collect();
    let mut rows: Vec<(Option<f64>, CompareRow)> = Vec::new();
    let mut added = Vec::new();
    for n in new {
        match old_by_id.get(n.id.as_str()) {
            Some(o) => rows.push(row(o, n)),
            None => added.push(n.id.clone()),
        }
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
        .map(|b| b.id.clone())
        .collect();
    Comparison {
        rows: rows.into_iter().map(|(_, r)| r).collect(),
        added,
        removed,
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixtures::bus;
    use super::*;

    #[test]
    fn comparison_sorts_by_absolute_change() {
        let old = vec![
            bus("a", Some(10.0)),
            bus("b", Some(5.0)),
            bus("gone", Some(1.0)),
            bus("unfed", None),
        ];
        let new = vec![
            bus("unfed", Some(1.0)),
            bus("a", Some(9.0)),
            bus("b", Some(8.0)),
            bus("new", Some(2.0)),
        ];
        let c = compare_buses(&old, &new);
        assert_eq!(c.rows[0].bus, "b");
        assert_eq!(c.rows[0].percent, "+60.0 %");
        assert_eq!((c.rows[0].trend, c.rows[1].trend), ("up", "down"));
        assert_eq!(c.rows[1].bus, "a");
        assert_eq!(c.rows[1].delta, "-1.000");
        assert_eq!((c.rows[2].bus.as_str(), c.rows[2].trend), ("unfed", "same"));
        assert_eq!(c.added, vec!["new".to_string()]);
        assert_eq!(c.removed, vec!["gone".to_string()]);
    }
}
