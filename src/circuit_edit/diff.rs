//! Element-by-element differences between two circuit documents: per kind, the elements
//! added, removed and changed (matched by id), and for each change every field's old and new
//! value. Numbers compare by value and absent fields by their default, so `110` and `110.0`,
//! or a missing `in_service` and `true`, are not differences.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::edit::{
    canonical, display, effective, element_id, elements, get, same_value, value_text,
};
use super::fields::{FieldDef, KINDS, KindDef};
use super::names::Names;

/// The display names of one document: of the kind being compared, and of its buses (which
/// reference fields show by name).
struct Named {
    own: Names,
    buses: Names,
}

impl Named {
    fn of(circuit: &Value, kind: &KindDef) -> Named {
        Named {
            own: Names::of_kind(circuit, kind),
            buses: Names::buses(circuit),
        }
    }

    /// A field's display value, a bus reference by the bus's name.
    fn show(&self, element: &Value, f: &FieldDef) -> String {
        let text = display(element, f);
        if f.refers_to == Some("buses") && !text.is_empty() {
            self.buses.label(&text)
        } else {
            text
        }
    }
}

/// One field that differs.
#[derive(Debug, Clone, PartialEq)]
pub struct FieldChange {
    pub field: String,
    pub label: String,
    pub unit: &'static str,
    /// Display values; empty when absent.
    pub old: String,
    pub new: String,
}

/// An added or removed element, with its set fields for display.
#[derive(Debug, Clone, PartialEq)]
pub struct ElementSummary {
    pub id: String,
    /// The element's name (its id where the name is empty or repeats).
    pub name: String,
    /// `(label, value with unit)` of the fields that have a value.
    pub fields: Vec<(String, String)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ElementChange {
    pub id: String,
    /// The element's name in the newer document (its id where empty or repeated).
    pub name: String,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Clone)]
pub struct KindDiff {
    pub kind: &'static KindDef,
    pub added: Vec<ElementSummary>,
    pub removed: Vec<ElementSummary>,
    pub changed: Vec<ElementChange>,
}

impl KindDiff {
    pub fn is_empty(&self) -> bool {
        self.added.is_empty() && self.removed.is_empty() && self.changed.is_empty()
    }
}

#[derive(Debug, Clone)]
pub struct CircuitDiff {
    /// Changes of the circuit's own fields (name, frequency).
    pub header: Vec<FieldChange>,
    /// Only the kinds with differences.
    pub kinds: Vec<KindDiff>,
}

impl CircuitDiff {
    pub fn is_empty(&self) -> bool {
        self.header.is_empty() && self.kinds.is_empty()
    }

    /// (added, removed, changed) over all kinds.
    pub fn totals(&self) -> (usize, usize, usize) {
        self.kinds.iter().fold((0, 0, 0), |(a, r, c), k| {
            (a + k.added.len(), r + k.removed.len(), c + k.changed.len())
        })
    }
}

fn with_unit(value: String, unit: &str) -> String {
    if value.is_empty() || unit.is_empty() {
        value
    } else {
        format!("{value} {unit}")
    }
}

fn summary(kind: &KindDef, element: &Value, named: &Named) -> ElementSummary {
    let fields = kind
        .fields
        .iter()
        .filter(|f| f.name != "id" && f.name != "name" && get(element, f.name).is_some())
        .map(|f| {
            (
                f.label.to_string(),
                with_unit(named.show(element, f), f.unit),
            )
        })
        .collect();
    let id = element_id(element);
    ElementSummary {
        id: id.to_string(),
        name: named.own.label(id),
        fields,
    }
}

fn field_change(
    f: &FieldDef,
    old: &Value,
    new: &Value,
    names: (&Named, &Named),
) -> Option<FieldChange> {
    let (a, b) = (effective(old, f), effective(new, f));
    let same = match (&a, &b) {
        (Some(x), Some(y)) => same_value(x, y),
        (None, None) => true,
        _ => false,
    };
    (!same).then(|| FieldChange {
        field: f.name.to_string(),
        label: f.label.to_string(),
        unit: f.unit,
        old: names.0.show(old, f),
        new: names.1.show(new, f),
    })
}

/// Keys of an element outside the field list (only in documents that do not parse).
fn extra_keys(kind: &KindDef, old: &Value, new: &Value) -> BTreeSet<String> {
    let known = |k: &str| {
        kind.fields
            .iter()
            .any(|f| f.name == k || f.name.split_once('.').is_some_and(|(o, _)| o == k))
    };
    [old, new]
        .iter()
        .filter_map(|v| v.as_object())
        .flat_map(|o| o.keys())
        .filter(|k| !known(k))
        .cloned()
        .collect()
}

fn element_changes(
    kind: &KindDef,
    old: &Value,
    new: &Value,
    names: (&Named, &Named),
) -> Vec<FieldChange> {
    let mut out: Vec<FieldChange> = kind
        .fields
        .iter()
        .filter_map(|f| field_change(f, old, new, names))
        .collect();
    for key in extra_keys(kind, old, new) {
        let (a, b) = (old.get(&key), new.get(&key));
        let same = match (a, b) {
            (Some(x), Some(y)) => same_value(x, y),
            (None, None) => true,
            _ => false,
        };
        if !same {
            out.push(FieldChange {
                label: key.clone(),
                field: key,
                unit: "",
                old: a.map(value_text).unwrap_or_default(),
                new: b.map(value_text).unwrap_or_default(),
            });
        }
    }
    out
}

/// Elements keyed by (id, occurrence), so duplicate ids pair up in order.
fn keyed(list: &[Value]) -> Vec<((String, usize), &Value)> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    list.iter()
        .map(|e| {
            let id = element_id(e);
            let n = seen.entry(id).or_default();
            let key = (id.to_string(), *n);
            *n += 1;
            (key, e)
        })
        .collect()
}

fn diff_kind(kind: &'static KindDef, from: &Value, to: &Value) -> KindDiff {
    let old = keyed(elements(from, kind));
    let new = keyed(elements(to, kind));
    let old_map: HashMap<&(String, usize), &Value> = old.iter().map(|(k, v)| (k, *v)).collect();
    let new_map: HashMap<&(String, usize), &Value> = new.iter().map(|(k, v)| (k, *v)).collect();
    let (before, after) = (Named::of(from, kind), Named::of(to, kind));
    let mut out = KindDiff {
        kind,
        added: Vec::new(),
        removed: Vec::new(),
        changed: Vec::new(),
    };
    for (key, el) in &old {
        match new_map.get(key) {
            None => out.removed.push(summary(kind, el, &before)),
            Some(now) => {
                let fields = element_changes(kind, el, now, (&before, &after));
                if !fields.is_empty() {
                    out.changed.push(ElementChange {
                        id: key.0.clone(),
                        name: after.own.label(&key.0),
                        fields,
                    });
                }
            }
        }
    }
    for (key, el) in &new {
        if !old_map.contains_key(key) {
            out.added.push(summary(kind, el, &after));
        }
    }
    out
}

/// The differences from `from` to `to`.
pub fn diff(from: &Value, to: &Value) -> CircuitDiff {
    let from = canonical(from).unwrap_or_else(|| from.clone());
    let to = canonical(to).unwrap_or_else(|| to.clone());
    let mut header = Vec::new();
    for (key, label, unit) in [("name", "Name", ""), ("frequency_hz", "Frequency", "Hz")] {
        let (a, b) = (from.get(key), to.get(key));
        let same = match (a, b) {
            (Some(x), Some(y)) => same_value(x, y),
            (None, None) => true,
            _ => false,
        };
        if !same {
            header.push(FieldChange {
                field: key.into(),
                label: label.into(),
                unit,
                old: a.map(value_text).unwrap_or_default(),
                new: b.map(value_text).unwrap_or_default(),
            });
        }
    }
    let kinds = KINDS
        .iter()
        .map(|k| diff_kind(k, &from, &to))
        .filter(|d| !d.is_empty())
        .collect();
    CircuitDiff { header, kinds }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn v1() -> Value {
        json!({"format": "ampflux-circuit", "version": 1, "name": "A",
            "buses": [{"id": "HV", "vn_kv": 110}, {"id": "MV", "vn_kv": 20}, {"id": "X", "vn_kv": 20}],
            "lines": [{"id": "L1", "from_bus": "HV", "to_bus": "MV", "length_km": 2.5,
                       "r_ohm_per_km": 0.125, "x_ohm_per_km": 0.11}]})
    }

    #[test]
    fn added_removed_and_changed_with_old_and_new_values() {
        let mut v2 = v1();
        v2["name"] = json!("B");
        v2["buses"] = json!([{"id": "HV", "vn_kv": 110.0, "in_service": true},
                             {"id": "MV", "vn_kv": 21}, {"id": "LV", "vn_kv": 0.4}]);
        v2["lines"][0]["length_km"] = json!(3);
        v2["lines"][0]["in_service"] = json!(false);
        let d = diff(&v1(), &v2);
        assert_eq!(d.header.len(), 1);
        assert_eq!(
            (d.header[0].old.as_str(), d.header[0].new.as_str()),
            ("A", "B")
        );
        assert_eq!(d.totals(), (1, 1, 2));
        let buses = d.kinds.iter().find(|k| k.kind.key == "buses").unwrap();
        assert_eq!(buses.added[0].id, "LV");
        assert_eq!(
            buses.added[0].fields,
            vec![("Un".to_string(), "0.4 kV".to_string())]
        );
        assert_eq!(buses.removed[0].id, "X");
        assert_eq!(
            buses.changed.len(),
            1,
            "110 and 110.0, absent and true in_service are equal"
        );
        assert_eq!(buses.changed[0].id, "MV");
        assert_eq!(buses.changed[0].fields[0].old, "20");
        assert_eq!(buses.changed[0].fields[0].new, "21");
        let lines = d.kinds.iter().find(|k| k.kind.key == "lines").unwrap();
        let f: Vec<(&str, &str, &str)> = lines.changed[0]
            .fields
            .iter()
            .map(|c| (c.field.as_str(), c.old.as_str(), c.new.as_str()))
            .collect();
        assert_eq!(
            f,
            vec![("length_km", "2.5", "3"), ("in_service", "yes", "no")]
        );
    }

    #[test]
    fn equal_documents_have_no_difference() {
        assert!(diff(&v1(), &v1()).is_empty());
        let mut reordered = v1();
        reordered["buses"].as_array_mut().unwrap().reverse();
        assert!(diff(&v1(), &reordered).is_empty());
    }

    #[test]
    fn documents_that_do_not_parse_are_compared_as_they_are() {
        let mut a = v1();
        a["lines"][0]["colour"] = json!("red");
        let d = diff(&a, &v1());
        let lines = &d.kinds[0];
        assert_eq!(lines.changed[0].fields[0].field, "colour");
        assert_eq!(lines.changed[0].fields[0].old, "red");
        assert_eq!(lines.changed[0].fields[0].new, "");
    }

    #[test]
    fn elements_and_bus_references_are_named() {
        let from = json!({"buses": [{"id": "0", "name": "1", "vn_kv": 110},
                                    {"id": "1", "name": "2", "vn_kv": 110},
                                    {"id": "2", "name": "3", "vn_kv": 110}],
                          "lines": [{"id": "5", "name": "Cable A", "from_bus": "0", "to_bus": "1",
                                     "length_km": 1, "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.1}]});
        let mut to = from.clone();
        to["lines"][0]["to_bus"] = json!("2");
        to["lines"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "6", "from_bus": "1", "to_bus": "2",
            "length_km": 1, "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.1}));
        let d = diff(&from, &to);
        let lines = d.kinds.iter().find(|k| k.kind.key == "lines").unwrap();
        assert_eq!(lines.changed[0].name, "Cable A");
        assert_eq!(lines.changed[0].fields[0].old, "2", "bus id 1 is bus “2”");
        assert_eq!(lines.changed[0].fields[0].new, "3");
        assert_eq!(lines.added[0].name, "6", "no name: the id");
        assert!(
            lines.added[0]
                .fields
                .contains(&("From bus".to_string(), "2".to_string())),
            "{:?}",
            lines.added[0].fields
        );
    }
}
