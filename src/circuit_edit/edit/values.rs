//! Reading a field of an element: for a table, for a form input, for a comparison.

use serde_json::Value;

use crate::circuit_edit::fields::{FieldDef, FieldType};

/// The value of a field of an element (following `layout.x`), if present.
pub fn get<'a>(element: &'a Value, name: &str) -> Option<&'a Value> {
    match name.split_once('.') {
        Some((outer, inner)) => element.get(outer)?.get(inner),
        None => element.get(name),
    }
}

/// A JSON number as an engineer reads it: `110`, `0.125`, `1e-7`.
pub fn number_text(n: &serde_json::Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    n.as_f64().map_or_else(|| n.to_string(), |f| f.to_string())
}

/// Any JSON value as display text (strings unquoted).
pub fn value_text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::Bool(true) => "yes".into(),
        Value::Bool(false) => "no".into(),
        Value::Number(n) => number_text(n),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The field as shown in a table: its value, else its default, else empty.
pub fn display(element: &Value, f: &FieldDef) -> String {
    match get(element, f.name) {
        Some(v) => value_text(v),
        None => match (f.ty, f.default) {
            (FieldType::Bool, Some(d)) => value_text(&Value::Bool(d == "true")),
            (_, Some(d)) => d.to_string(),
            _ => String::new(),
        },
    }
}

/// The field as put back into a form input (empty when absent: the default is a placeholder).
pub fn input_value(element: &Value, f: &FieldDef) -> String {
    match get(element, f.name) {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => number_text(n),
        Some(Value::Bool(b)) => b.to_string(),
        Some(other) => other.to_string(),
        None => String::new(),
    }
}

/// Whether a checkbox is ticked for this element (its value, else its default).
pub fn bool_value(element: &Value, f: &FieldDef) -> bool {
    match get(element, f.name) {
        Some(Value::Bool(b)) => *b,
        _ => f.default == Some("true"),
    }
}

/// The effective value of a field: as stored, else its default (for comparisons).
pub fn effective(element: &Value, f: &FieldDef) -> Option<Value> {
    if let Some(v) = get(element, f.name) {
        return Some(v.clone());
    }
    let d = f.default?;
    Some(match f.ty {
        FieldType::Bool => Value::Bool(d == "true"),
        FieldType::Number | FieldType::Integer => {
            serde_json::Number::from_f64(d.parse().ok()?).map(Value::Number)?
        }
        _ => Value::String(d.to_string()),
    })
}

/// Equality with numbers compared by value (`110` equals `110.0`).
pub fn same_value(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same_value(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        _ => a == b,
    }
}
