//! Submitted form values to an element: each field parsed, every field's refusal reported at
//! once.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::circuit_edit::fields::{FieldDef, FieldType, KindDef};

/// Longest text accepted in a field.
pub const MAX_TEXT: usize = 200;

/// Field name to message.
pub type FieldErrors = BTreeMap<&'static str, String>;

fn parse_number(raw: &str) -> Result<f64, String> {
    let s = raw.trim();
    if s.contains(',') && !s.contains('.') {
        return Err(format!(
            "Use a decimal point: {} instead of {s}.",
            s.replace(',', ".")
        ));
    }
    match s.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v),
        _ => Err(format!("Enter a number (like 0.125 or 1e-3), not “{s}”.")),
    }
}

/// Parses one submitted field. `Ok(None)`: leave the field out (empty and optional).
pub fn parse_field(f: &FieldDef, raw: Option<&str>) -> Result<Option<Value>, String> {
    if let FieldType::Bool = f.ty {
        let on = raw.is_some_and(|v| matches!(v.trim(), "true" | "on" | "1" | "yes"));
        return Ok(Some(Value::Bool(on)));
    }
    let s = raw.unwrap_or("").trim();
    if s.is_empty() {
        return if f.required {
            Err(match f.ty {
                FieldType::Number | FieldType::Integer if !f.unit.is_empty() => {
                    format!("Enter a value in {}.", f.unit)
                }
                FieldType::Choice(_) => "Choose one.".into(),
                _ => "This field is required.".into(),
            })
        } else {
            Ok(None)
        };
    }
    match f.ty {
        FieldType::Number => parse_number(s).map(|v| Some(Value::from(v))),
        FieldType::Integer => s
            .parse::<u32>()
            .map(|v| Some(Value::from(v)))
            .map_err(|_| format!("Enter a whole number of 0 or more, not “{s}”.")),
        FieldType::Text => {
            if s.chars().any(char::is_control) {
                Err("Must not contain control characters such as line breaks.".into())
            } else if s.chars().count() > MAX_TEXT {
                Err(format!("At most {MAX_TEXT} characters."))
            } else if f.name == "id" && (s == "." || s == "..") {
                // Such a path segment would be read as "this or the parent folder" in links.
                Err("Choose another id: “.” and “..” cannot be used.".into())
            } else {
                Ok(Some(Value::String(s.to_string())))
            }
        }
        FieldType::Choice(options) => options
            .iter()
            .find(|o| o.eq_ignore_ascii_case(s))
            .map(|o| Some(Value::String((*o).to_string())))
            .ok_or_else(|| format!("Choose one of {}.", options.join(", "))),
        FieldType::Bool => unreachable!("handled above"),
    }
}

/// Builds an element from submitted values, starting from `base` (the element being edited)
/// so that keys outside the field list survive. Every field's problem is reported at once.
pub fn element_from_form(
    kind: &KindDef,
    base: Option<&Value>,
    input: &dyn Fn(&str) -> Option<String>,
) -> Result<Value, FieldErrors> {
    let mut obj = base.and_then(Value::as_object).cloned().unwrap_or_default();
    let mut errors = FieldErrors::new();
    let mut nested: BTreeMap<&str, Vec<(&'static FieldDef, Option<Value>)>> = BTreeMap::new();
    for f in kind.fields {
        let raw = input(f.name);
        match parse_field(f, raw.as_deref()) {
            Err(message) => {
                errors.insert(f.name, message);
            }
            Ok(value) => match f.name.split_once('.') {
                Some((outer, _)) => nested.entry(outer).or_default().push((f, value)),
                None => match value {
                    Some(v) => {
                        obj.insert(f.name.to_string(), v);
                    }
                    None => {
                        obj.remove(f.name);
                    }
                },
            },
        }
    }
    // A nested object (the bus's layout) is all or nothing.
    for (outer, parts) in nested {
        if parts.iter().all(|(_, v)| v.is_none()) {
            obj.remove(outer);
        } else if parts.iter().all(|(_, v)| v.is_some()) {
            let mut inner = Map::new();
            for (f, v) in parts {
                let key = f.name.split_once('.').map_or(f.name, |(_, i)| i);
                inner.insert(key.to_string(), v.unwrap_or(Value::Null));
            }
            obj.insert(outer.to_string(), Value::Object(inner));
        } else {
            for (f, v) in parts {
                if v.is_none() {
                    errors.insert(f.name, "Enter both coordinates, or neither.".into());
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(Value::Object(obj))
    } else {
        Err(errors)
    }
}
