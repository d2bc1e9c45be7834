//! How many elements of each kind a document holds, as data and as a phrase.

use serde_json::Value;

use super::document::elements;
use crate::circuit_edit::fields::{KINDS, KindDef};

/// The number of elements of each kind, in document order.
pub fn element_counts(circuit: &Value) -> Vec<(&'static KindDef, usize)> {
    KINDS
        .iter()
        .map(|k| (k, elements(circuit, k).len()))
        .collect()
}

/// The counts as a JSON object (`{"buses": 6, "lines": 1, ...}`; kinds without elements
/// are left out), for audit entries.
pub fn counts_json(circuit: &Value) -> Value {
    Value::Object(
        element_counts(circuit)
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(k, n)| (k.key.to_string(), Value::from(n)))
            .collect(),
    )
}

/// "6 buses, 3 transformers, 1 line" (kinds without elements left out).
pub fn counts_text(circuit: &Value) -> String {
    counts_phrase(element_counts(circuit))
}

/// The same phrase from counts as [`counts_json`] writes them (`{"buses": 6, ...}`).
pub fn counts_text_of(counts: &Value) -> String {
    counts_phrase(
        KINDS
            .iter()
            .map(|k| {
                (
                    k,
                    counts.get(k.key).and_then(Value::as_u64).unwrap_or(0) as usize,
                )
            })
            .collect(),
    )
}

fn counts_phrase(counts: Vec<(&'static KindDef, usize)>) -> String {
    let parts: Vec<String> = counts
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(k, n)| {
            if n == 1 {
                format!("1 {}", k.singular)
            } else {
                format!("{n} {}", plural(k))
            }
        })
        .collect();
    if parts.is_empty() {
        "no elements".into()
    } else {
        parts.join(", ")
    }
}

fn plural(k: &KindDef) -> String {
    match k.singular {
        "bus" => "buses".into(),
        "switch" => "switches".into(),
        s => format!("{s}s"),
    }
}
