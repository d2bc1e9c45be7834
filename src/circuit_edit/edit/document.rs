//! The whole document: its canonical form, where it holds a NUL, whether two hold the same
//! circuit, and its elements by kind and id.

use serde::Deserialize;
use serde_json::Value;

use super::values::same_value;
use crate::circuit_edit::fields::KindDef;
use crate::sc::Circuit;

/// The document in canonical form: parsed as a circuit and written back (numbers as floats,
/// defaults as the engine writes them). `None` when it does not parse.
pub fn canonical(circuit: &Value) -> Option<Value> {
    let parsed = Circuit::deserialize(circuit).ok()?;
    serde_json::to_value(&parsed).ok()
}

/// Where a document holds a NUL character (U+0000), as a path like `buses[0].name`. Such a
/// document is refused on the way in: PostgreSQL's JSONB cannot store NUL, and SQLite should
/// not hold what PostgreSQL refuses.
pub fn nul_location(v: &Value) -> Option<String> {
    nul_path(v).map(|p| p.trim_start_matches('.').to_string())
}

fn nul_path(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => s.contains('\0').then(String::new),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .find_map(|(i, item)| nul_path(item).map(|p| format!("[{i}]{p}"))),
        Value::Object(map) => map.iter().find_map(|(k, item)| {
            if k.contains('\0') {
                return Some(format!(".{}", crate::util::without_nul(k)));
            }
            nul_path(item).map(|p| format!(".{k}{p}"))
        }),
        _ => None,
    }
}

/// Whether two documents hold the same circuit (compared in canonical form, so `110` and
/// `110.0`, key order and defaults written out or not make no difference).
pub fn same_circuit(a: &Value, b: &Value) -> bool {
    // Equal documents (a draft not yet edited) need no parsing.
    if a == b {
        return true;
    }
    match (canonical(a), canonical(b)) {
        (Some(x), Some(y)) => same_value(&x, &y),
        _ => same_value(a, b),
    }
}

/// The elements of a kind (empty when the document has none).
pub fn elements<'a>(circuit: &'a Value, kind: &KindDef) -> &'a [Value] {
    circuit
        .get(kind.key)
        .and_then(Value::as_array)
        .map_or(&[], Vec::as_slice)
}

/// An element's id.
pub fn element_id(element: &Value) -> &str {
    element.get("id").and_then(Value::as_str).unwrap_or("")
}

/// The first element of the kind with this id.
pub fn find<'a>(circuit: &'a Value, kind: &KindDef, id: &str) -> Option<&'a Value> {
    elements(circuit, kind).iter().find(|e| element_id(e) == id)
}

pub(super) fn array_mut<'a>(circuit: &'a mut Value, key: &str) -> Option<&'a mut Vec<Value>> {
    let obj = circuit.as_object_mut()?;
    obj.entry(key.to_string())
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
}
