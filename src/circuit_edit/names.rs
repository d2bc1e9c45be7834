//! Elements shown by their names: the engineer's name of an element, with its id only where
//! the name is empty or repeats within its kind, and the next free id proposed for a new row.

use std::collections::HashMap;

use serde_json::Value;

use super::KindDef;
use super::edit::{element_id, elements};

/// How an element is shown: its name when it has one that no other element of its kind has,
/// `name (id)` when the name repeats, the id alone when the name is empty or equals the id.
pub fn display_name(name: &str, id: &str, name_repeats: bool) -> String {
    let name = name.trim();
    if name.is_empty() || name == id {
        id.to_string()
    } else if name_repeats {
        format!("{name} ({id})")
    } else {
        name.to_string()
    }
}

/// The display names of one kind's elements, by id.
#[derive(Debug, Default, Clone)]
pub struct Names {
    by_id: HashMap<String, String>,
}

impl Names {
    /// The names of the elements of `kind` in `circuit` (a circuit document).
    pub fn of_kind(circuit: &Value, kind: &KindDef) -> Names {
        let items = elements(circuit, kind);
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for el in items {
            let name = el.get("name").and_then(Value::as_str).unwrap_or("").trim();
            if !name.is_empty() {
                *seen.entry(name).or_default() += 1;
            }
        }
        let by_id = items
            .iter()
            .map(|el| {
                let id = element_id(el);
                let name = el.get("name").and_then(Value::as_str).unwrap_or("").trim();
                let repeats = seen.get(name).copied().unwrap_or(0) > 1;
                (id.to_string(), display_name(name, id, repeats))
            })
            .collect();
        Names { by_id }
    }

    /// The buses' names (what element tables and pickers show for a bus reference).
    pub fn buses(circuit: &Value) -> Names {
        match super::kind("buses") {
            Some(k) => Names::of_kind(circuit, k),
            None => Names::default(),
        }
    }

    /// The display name of `id`; the id itself when no element has it.
    pub fn label(&self, id: &str) -> String {
        self.by_id
            .get(id)
            .cloned()
            .unwrap_or_else(|| id.to_string())
    }

    /// The display name, when it says more than the id.
    pub fn name_of(&self, id: &str) -> Option<&str> {
        self.by_id
            .get(id)
            .map(String::as_str)
            .filter(|name| *name != id)
    }
}

/// The id prefix proposed for a new element of a kind (`B7`, `L3`, `T2` ...).
fn prefix(kind_key: &str) -> &'static str {
    match kind_key {
        "buses" => "B",
        "external_grids" => "G",
        "lines" => "L",
        "transformers" => "T",
        "transformers3w" => "TT",
        "generators" => "GEN",
        "motors" => "M",
        "static_generators" => "SG",
        "loads" => "LD",
        "shunts" => "SH",
        "wards" => "W",
        "impedances" => "Z",
        "switches" => "S",
        _ => "E",
    }
}

/// A free id for a new element of `kind`: the kind's prefix and the number after the count
/// of its elements, counted up past any id already taken.
pub fn next_free_id(circuit: &Value, kind: &KindDef) -> String {
    let items = elements(circuit, kind);
    let taken: std::collections::HashSet<&str> = items.iter().map(element_id).collect();
    let p = prefix(kind.key);
    let mut n = items.len() + 1;
    loop {
        let candidate = format!("{p}{n}");
        if !taken.contains(candidate.as_str()) {
            return candidate;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_are_shown_and_ids_only_where_needed() {
        let c = json!({
            "buses": [
                {"id": "0", "name": "1", "vn_kv": 380},
                {"id": "1", "name": "2", "vn_kv": 110},
                {"id": "2", "name": "Feeder", "vn_kv": 20},
                {"id": "3", "name": "Feeder", "vn_kv": 20},
                {"id": "B5", "name": "", "vn_kv": 20},
                {"id": "B6", "vn_kv": 20}
            ]
        });
        let names = Names::buses(&c);
        assert_eq!(names.label("0"), "1");
        assert_eq!(names.label("1"), "2");
        assert_eq!(names.label("2"), "Feeder (2)");
        assert_eq!(names.label("3"), "Feeder (3)");
        assert_eq!(names.label("B5"), "B5");
        assert_eq!(names.label("B6"), "B6");
        assert_eq!(names.label("missing"), "missing");
        assert_eq!(names.name_of("B5"), None);
        assert_eq!(names.name_of("0"), Some("1"));
    }

    #[test]
    fn a_proposed_id_is_free() {
        let buses = super::super::kind("buses").unwrap();
        let lines = super::super::kind("lines").unwrap();
        let c = json!({
            "buses": [{"id": "B1"}, {"id": "B3"}, {"id": "B2"}],
            "lines": [{"id": "L2"}]
        });
        assert_eq!(next_free_id(&c, buses), "B4");
        assert_eq!(next_free_id(&c, lines), "L3");
        let taken = json!({"buses": [{"id": "B2"}, {"id": "B3"}]});
        assert_eq!(next_free_id(&taken, buses), "B4");
        assert_eq!(next_free_id(&json!({}), buses), "B1");
    }
}
