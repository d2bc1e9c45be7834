//! Elements as engineers name them in result tables, findings, compare and exports: the name,
//! with the id only where the name repeats within its kind (`Feeder (B7)`) and the id alone
//! where there is no name. Built from the circuit of the simulated version; without it (a
//! version that cannot be read any more) buses keep the names stored with their results and
//! other elements show their ids.

use std::collections::HashMap;

use crate::sc::Circuit;
use crate::sc::results::BusResult;

/// An element's terminals by bus id: from/to (hv/lv for transformers), and mv for
/// three-winding transformers as the third.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Ends {
    pub from: String,
    pub to: String,
    pub third: Option<String>,
}

#[derive(Debug, Clone, Default)]
pub struct Names {
    buses: HashMap<String, String>,
    /// (kind, id) → label; kinds as branch results name them (`line`, `transformer`,
    /// `transformer3w`, `impedance`, `switch`).
    elements: HashMap<(&'static str, String), String>,
    ends: HashMap<(&'static str, String), Ends>,
}

/// Labels of one kind: name when unique, `name (id)` when it repeats, id when empty.
fn labels<'a>(items: impl Iterator<Item = (&'a str, Option<&'a str>)> + Clone) -> Vec<String> {
    let mut count: HashMap<&str, usize> = HashMap::new();
    for (_, name) in items.clone() {
        if let Some(n) = name.map(str::trim).filter(|n| !n.is_empty()) {
            *count.entry(n).or_default() += 1;
        }
    }
    items
        .map(|(id, name)| label(id, name, |n| count.get(n).copied().unwrap_or(0) > 1))
        .collect()
}

fn label(id: &str, name: Option<&str>, repeats: impl Fn(&str) -> bool) -> String {
    match name.map(str::trim).filter(|n| !n.is_empty()) {
        None => id.to_string(),
        Some(n) if n == id => id.to_string(),
        Some(n) if repeats(n) => format!("{n} ({id})"),
        Some(n) => n.to_string(),
    }
}

impl Names {
    /// The names of a circuit; `buses` (the results) name the buses when the circuit is gone.
    pub fn new(circuit: Option<&Circuit>, buses: &[BusResult]) -> Names {
        let mut out = Names::default();
        match circuit {
            Some(c) => {
                let l = labels(c.buses.iter().map(|b| (b.id.as_str(), b.name.as_deref())));
                out.buses = c.buses.iter().map(|b| b.id.clone()).zip(l).collect();
                out.add(
                    "line",
                    c.lines
                        .iter()
                        .map(|e| (&e.id, &e.name, &e.from_bus, &e.to_bus, None)),
                );
                out.add(
                    "transformer",
                    c.transformers
                        .iter()
                        .map(|e| (&e.id, &e.name, &e.hv_bus, &e.lv_bus, None)),
                );
                out.add(
                    "transformer3w",
                    c.transformers3w
                        .iter()
                        .map(|e| (&e.id, &e.name, &e.hv_bus, &e.mv_bus, Some(&e.lv_bus))),
                );
                out.add(
                    "impedance",
                    c.impedances
                        .iter()
                        .map(|e| (&e.id, &e.name, &e.from_bus, &e.to_bus, None)),
                );
                out.add(
                    "switch",
                    c.switches
                        .iter()
                        .map(|e| (&e.id, &e.name, &e.bus, &e.element, None)),
                );
            }
            None => {
                let l = labels(buses.iter().map(|b| (b.id.as_str(), b.name.as_deref())));
                out.buses = buses.iter().map(|b| b.id.clone()).zip(l).collect();
            }
        }
        out
    }

    fn add<'a>(
        &mut self,
        kind: &'static str,
        items: impl Iterator<
            Item = (
                &'a String,
                &'a Option<String>,
                &'a String,
                &'a String,
                Option<&'a String>,
            ),
        > + Clone,
    ) {
        let l = labels(
            items
                .clone()
                .map(|(id, name, ..)| (id.as_str(), name.as_deref())),
        );
        for ((id, _, from, to, third), label) in items.zip(l) {
            self.elements.insert((kind, id.clone()), label);
            self.ends.insert(
                (kind, id.clone()),
                Ends {
                    from: from.clone(),
                    to: to.clone(),
                    third: third.cloned(),
                },
            );
        }
    }

    /// A bus by its name (its id when unknown).
    pub fn bus(&self, id: &str) -> String {
        self.buses
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// An element of a kind by its name (its id when unknown).
    pub fn element(&self, kind: &str, id: &str) -> String {
        KINDS
            .iter()
            .find(|k| **k == kind)
            .and_then(|k| self.elements.get(&(*k, id.to_string())))
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// A switch by its name (breakers of the duty check).
    pub fn switch(&self, id: &str) -> String {
        self.element("switch", id)
    }

    /// The terminals of a branch as bus ids, when the circuit is known.
    pub fn ends(&self, kind: &str, id: &str) -> Option<&Ends> {
        let k = KINDS.iter().find(|k| **k == kind)?;
        self.ends.get(&(*k, id.to_string()))
    }
}

const KINDS: [&str; 5] = [
    "line",
    "transformer",
    "transformer3w",
    "impedance",
    "switch",
];

/// A branch kind in words.
pub fn kind_label(kind: &str) -> &str {
    match kind {
        "line" => "Line",
        "transformer" => "Transformer",
        "transformer3w" => "3-winding transformer",
        "impedance" => "Impedance",
        "switch" => "Switch",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn circuit() -> Circuit {
        crate::sc::parse_input(
            r#"{"format": "ampflux-circuit", "version": 1,
              "buses": [{"id": "0", "name": "1", "vn_kv": 20}, {"id": "1", "name": "Feeder", "vn_kv": 20},
                        {"id": "2", "name": "Feeder", "vn_kv": 20}, {"id": "3", "vn_kv": 20}],
              "lines": [{"id": "L1", "name": "Cable north", "from_bus": "0", "to_bus": "1",
                         "length_km": 1, "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.1}],
              "switches": [{"id": "CB-3", "bus": "1", "element_kind": "bus", "element": "2", "type": "CB"}]}"#,
        )
        .unwrap()
        .circuit
    }

    #[test]
    fn names_with_ids_only_where_they_repeat_or_are_empty() {
        let c = circuit();
        let n = Names::new(Some(&c), &[]);
        assert_eq!(n.bus("0"), "1");
        assert_eq!(n.bus("1"), "Feeder (1)");
        assert_eq!(n.bus("2"), "Feeder (2)");
        assert_eq!(n.bus("3"), "3");
        assert_eq!(n.bus("unknown"), "unknown");
        assert_eq!(n.element("line", "L1"), "Cable north");
        assert_eq!(n.switch("CB-3"), "CB-3");
        let e = n.ends("line", "L1").unwrap();
        assert_eq!((e.from.as_str(), e.to.as_str()), ("0", "1"));
        assert!(n.ends("line", "L9").is_none());
        // Without the circuit: the names stored with the results.
        let b = BusResult {
            id: "7".into(),
            name: Some("Main".into()),
            ..Default::default()
        };
        let n = Names::new(None, &[b]);
        assert_eq!(n.bus("7"), "Main");
        assert_eq!(n.element("line", "L1"), "L1");
    }
}
