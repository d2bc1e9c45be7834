//! Editing a circuit document row by row: reading a field for display or for a form, turning
//! submitted form values into an element (refusing what the format cannot hold, field by
//! field), and adding, replacing and deleting elements.
//!
//! Every successful edit returns the document in its canonical form (parsed into the engine's
//! types and written back), so a draft always parses as a circuit; semantic problems (a
//! dangling reference, vk ≤ vkr ...) are the validator's business and are shown, not refused.
//!
//! Renaming an element updates every reference to it (lines and transformers follow a renamed
//! bus, switches follow a renamed line ...), and the number of updated references is reported.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::{Map, Value};

use super::fields::{FieldDef, FieldType, KINDS, KindDef};
use crate::sc::Circuit;

/// Longest text accepted in a field.
pub const MAX_TEXT: usize = 200;

/// Field name to message.
pub type FieldErrors = BTreeMap<&'static str, String>;

/// Why an edit was refused.
#[derive(Debug, Clone, PartialEq)]
pub enum EditError {
    /// Messages beside the fields.
    Fields(FieldErrors),
    /// A message about the whole row (e.g. the element no longer exists).
    Row(String),
}

/// A successful edit.
#[derive(Debug, Clone)]
pub struct Edited {
    /// The whole document after the edit, canonical.
    pub circuit: Value,
    /// The element before (update, delete) and after (add, update).
    pub before: Option<Value>,
    pub after: Option<Value>,
    /// References to a renamed element that were updated.
    pub references_updated: usize,
}

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

fn array_mut<'a>(circuit: &'a mut Value, key: &str) -> Option<&'a mut Vec<Value>> {
    let obj = circuit.as_object_mut()?;
    obj.entry(key.to_string())
        .or_insert_with(|| Value::Array(Vec::new()))
        .as_array_mut()
}

/// Puts the document into canonical form, or explains why the format refuses it.
fn finish(circuit: Value) -> Result<Value, EditError> {
    let parsed: Circuit = serde_json::from_value(circuit)
        .map_err(|e| EditError::Row(format!("The circuit format refuses this: {e}")))?;
    serde_json::to_value(&parsed)
        .map_err(|e| EditError::Row(format!("The circuit cannot be written: {e}")))
}

/// Adds the refusal of an id another element of the kind already has (`current`: the id of
/// the element being edited, which may keep its own) to the form's other refusals.
fn with_id_check(
    built: Result<Value, FieldErrors>,
    circuit: &Value,
    kind: &KindDef,
    current: Option<&str>,
    input: &dyn Fn(&str) -> Option<String>,
) -> Result<Value, EditError> {
    let id = input("id").unwrap_or_default().trim().to_string();
    let taken =
        !id.is_empty() && Some(id.as_str()) != current && find(circuit, kind, &id).is_some();
    match built {
        Ok(element) if !taken => Ok(element),
        Ok(_) => Err(EditError::Fields(FieldErrors::from([(
            "id",
            format!("There is already a {} “{id}”.", kind.singular),
        )]))),
        Err(mut errors) => {
            if taken {
                errors.insert(
                    "id",
                    format!("There is already a {} “{id}”.", kind.singular),
                );
            }
            Err(EditError::Fields(errors))
        }
    }
}

/// Adds an element built from the form.
pub fn add(
    circuit: &Value,
    kind: &KindDef,
    input: &dyn Fn(&str) -> Option<String>,
) -> Result<Edited, EditError> {
    let element = with_id_check(
        element_from_form(kind, None, input),
        circuit,
        kind,
        None,
        input,
    )?;
    let id = element_id(&element).to_string();
    let mut next = circuit.clone();
    array_mut(&mut next, kind.key)
        .ok_or_else(|| EditError::Row("The circuit document is not an object.".into()))?
        .push(element);
    let next = finish(next)?;
    let after = find(&next, kind, &id).cloned();
    Ok(Edited {
        circuit: next,
        before: None,
        after,
        references_updated: 0,
    })
}

/// Replaces the element `id` with one built from the form; a new id renames it, and every
/// reference to it follows.
pub fn update(
    circuit: &Value,
    kind: &KindDef,
    id: &str,
    input: &dyn Fn(&str) -> Option<String>,
) -> Result<Edited, EditError> {
    let Some(index) = elements(circuit, kind)
        .iter()
        .position(|e| element_id(e) == id)
    else {
        return Err(EditError::Row(format!(
            "The {} “{id}” is no longer in your draft.",
            kind.singular
        )));
    };
    let before = elements(circuit, kind)[index].clone();
    let element = with_id_check(
        element_from_form(kind, Some(&before), input),
        circuit,
        kind,
        Some(id),
        input,
    )?;
    let new_id = element_id(&element).to_string();
    let mut next = circuit.clone();
    if let Some(list) = array_mut(&mut next, kind.key) {
        list[index] = element;
    }
    let references_updated = if new_id != id {
        rename_references(&mut next, kind.key, id, &new_id)
    } else {
        0
    };
    let next = finish(next)?;
    let after = elements(&next, kind).get(index).cloned();
    Ok(Edited {
        circuit: next,
        before: Some(before),
        after,
        references_updated,
    })
}

/// Removes the element `id`. References to it are left for the validator to point out.
pub fn delete(circuit: &Value, kind: &KindDef, id: &str) -> Result<Edited, EditError> {
    let Some(index) = elements(circuit, kind)
        .iter()
        .position(|e| element_id(e) == id)
    else {
        return Err(EditError::Row(format!(
            "The {} “{id}” is no longer in your draft.",
            kind.singular
        )));
    };
    let mut next = circuit.clone();
    let before = array_mut(&mut next, kind.key).map(|list| list.remove(index));
    Ok(Edited {
        circuit: finish(next)?,
        before,
        after: None,
        references_updated: 0,
    })
}

/// The circuit's own fields (name, frequency) from a form.
pub fn update_header(
    circuit: &Value,
    input: &dyn Fn(&str) -> Option<String>,
) -> Result<Edited, EditError> {
    let mut errors = FieldErrors::new();
    let name = input("name").unwrap_or_default().trim().to_string();
    if name.chars().any(char::is_control) {
        errors.insert("name", "Must not contain control characters.".into());
    } else if name.chars().count() > MAX_TEXT {
        errors.insert("name", format!("At most {MAX_TEXT} characters."));
    }
    let frequency = match input("frequency_hz").unwrap_or_default().trim() {
        "50" => 50.0,
        "60" => 60.0,
        _ => {
            errors.insert("frequency_hz", "Choose 50 or 60 Hz.".into());
            50.0
        }
    };
    if !errors.is_empty() {
        return Err(EditError::Fields(errors));
    }
    let header =
        |c: &Value| serde_json::json!({"name": c["name"], "frequency_hz": c["frequency_hz"]});
    let mut next = circuit.clone();
    if let Some(obj) = next.as_object_mut() {
        obj.insert("name".into(), Value::String(name));
        obj.insert("frequency_hz".into(), Value::from(frequency));
    }
    let next = finish(next)?;
    Ok(Edited {
        before: Some(header(circuit)),
        after: Some(header(&next)),
        circuit: next,
        references_updated: 0,
    })
}

/// A place where one element names another: `(kind holding the reference, field, the
/// switch element_kind it applies to)`.
struct RefSite {
    holder: &'static str,
    field: &'static str,
    when_element_kind: Option<&'static str>,
}

const fn site(holder: &'static str, field: &'static str) -> RefSite {
    RefSite {
        holder,
        field,
        when_element_kind: None,
    }
}
const fn switch_site(element_kind: &'static str) -> RefSite {
    RefSite {
        holder: "switches",
        field: "element",
        when_element_kind: Some(element_kind),
    }
}

/// Where each kind is referenced from.
fn reference_sites(kind_key: &str) -> &'static [RefSite] {
    const BUS: &[RefSite] = &[
        site("external_grids", "bus"),
        site("lines", "from_bus"),
        site("lines", "to_bus"),
        site("transformers", "hv_bus"),
        site("transformers", "lv_bus"),
        site("transformers3w", "hv_bus"),
        site("transformers3w", "mv_bus"),
        site("transformers3w", "lv_bus"),
        site("generators", "bus"),
        site("motors", "bus"),
        site("impedances", "from_bus"),
        site("impedances", "to_bus"),
        site("static_generators", "bus"),
        site("storages", "bus"),
        site("loads", "bus"),
        site("shunts", "bus"),
        site("wards", "bus"),
        site("xwards", "bus"),
        site("switches", "bus"),
        switch_site("bus"),
    ];
    const LINE: &[RefSite] = &[switch_site("line")];
    const TRAFO: &[RefSite] = &[
        switch_site("transformer"),
        site("generators", "power_station_trafo"),
    ];
    const TRAFO3W: &[RefSite] = &[switch_site("transformer3w")];
    match kind_key {
        "buses" => BUS,
        "lines" => LINE,
        "transformers" => TRAFO,
        "transformers3w" => TRAFO3W,
        _ => &[],
    }
}

fn site_matches(site: &RefSite, element: &Value, id: &str) -> bool {
    let applies = site
        .when_element_kind
        .is_none_or(|k| element.get("element_kind").and_then(Value::as_str) == Some(k));
    applies && element.get(site.field).and_then(Value::as_str) == Some(id)
}

/// Points every reference to `old` (an element of `kind_key`) at `new`; returns how many.
pub fn rename_references(circuit: &mut Value, kind_key: &str, old: &str, new: &str) -> usize {
    let mut count = 0;
    for site in reference_sites(kind_key) {
        let Some(list) = circuit.get_mut(site.holder).and_then(Value::as_array_mut) else {
            continue;
        };
        for element in list {
            if site_matches(site, element, old) {
                element[site.field] = Value::String(new.to_string());
                count += 1;
            }
        }
    }
    count
}

/// How many fields of other elements name this element.
pub fn count_references(circuit: &Value, kind_key: &str, id: &str) -> usize {
    reference_sites(kind_key)
        .iter()
        .map(|site| {
            circuit
                .get(site.holder)
                .and_then(Value::as_array)
                .map_or(0, |list| {
                    list.iter().filter(|e| site_matches(site, e, id)).count()
                })
        })
        .sum()
}

/// How many fields name each element, for every element at once (`(kind key, id)` →
/// count; elements nobody names are absent). Linear in the document size.
pub fn reference_counts(
    circuit: &Value,
) -> std::collections::HashMap<(&'static str, String), usize> {
    let mut out = std::collections::HashMap::new();
    for kind_key in ["buses", "lines", "transformers", "transformers3w"] {
        let key = KINDS
            .iter()
            .find(|k| k.key == kind_key)
            .map_or("", |k| k.key);
        for site in reference_sites(kind_key) {
            let Some(list) = circuit.get(site.holder).and_then(Value::as_array) else {
                continue;
            };
            for element in list {
                let applies = site
                    .when_element_kind
                    .is_none_or(|k| element.get("element_kind").and_then(Value::as_str) == Some(k));
                if let (true, Some(id)) = (applies, element.get(site.field).and_then(Value::as_str))
                {
                    *out.entry((key, id.to_string())).or_insert(0) += 1;
                }
            }
        }
    }
    out
}

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

#[cfg(test)]
mod tests {
    use super::super::fields::kind;
    use super::*;
    use serde_json::json;
    use std::collections::HashMap;

    fn form(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name: &str| map.get(name).cloned()
    }

    #[test]
    fn nul_is_located() {
        let doc = json!({"name": "ok", "buses": [{"id": "A"}, {"id": "B", "name": "x\u{0}y"}]});
        assert_eq!(nul_location(&doc).as_deref(), Some("buses[1].name"));
        assert_eq!(
            nul_location(&json!({"n\u{0}": 1})).as_deref(),
            Some("n\u{FFFD}")
        );
        assert_eq!(nul_location(&json!({"buses": [{"id": "A"}]})), None);
    }

    fn base() -> Value {
        canonical(&json!({
            "format": "ampflux-circuit", "version": 1, "name": "T",
            "buses": [{"id": "A", "vn_kv": 20}, {"id": "B", "vn_kv": 20}],
            "lines": [{"id": "L1", "from_bus": "A", "to_bus": "B", "length_km": 1,
                       "r_ohm_per_km": 0.1, "x_ohm_per_km": 0.1}],
            "switches": [{"id": "S1", "bus": "A", "element_kind": "bus", "element": "B"},
                         {"id": "S2", "bus": "A", "element_kind": "line", "element": "L1"}]
        }))
        .unwrap()
    }

    #[test]
    fn numbers_are_parsed_or_refused_with_a_message() {
        let len = kind("lines").unwrap().field("length_km").unwrap();
        assert_eq!(parse_field(len, Some(" 2.5 ")), Ok(Some(json!(2.5))));
        assert_eq!(parse_field(len, Some("1e-3")), Ok(Some(json!(0.001))));
        assert!(
            parse_field(len, Some("abc"))
                .unwrap_err()
                .contains("Enter a number")
        );
        assert!(parse_field(len, Some("NaN")).is_err());
        assert!(parse_field(len, Some("inf")).is_err());
        assert!(parse_field(len, Some("2,5")).unwrap_err().contains("2.5"));
        assert_eq!(
            parse_field(len, Some("")),
            Err("Enter a value in km.".into())
        );
        let c = kind("lines").unwrap().field("c_nf_per_km").unwrap();
        assert_eq!(parse_field(c, Some("  ")), Ok(None));
        let pp = kind("motors").unwrap().field("pole_pairs").unwrap();
        assert_eq!(parse_field(pp, Some("2")), Ok(Some(json!(2))));
        assert!(parse_field(pp, Some("1.5")).is_err());
        assert!(parse_field(pp, Some("-1")).is_err());
    }

    #[test]
    fn text_choice_and_bool_fields() {
        let k = kind("switches").unwrap();
        let ek = k.field("element_kind").unwrap();
        assert_eq!(parse_field(ek, Some("LINE")), Ok(Some(json!("line"))));
        assert!(
            parse_field(ek, Some("cable"))
                .unwrap_err()
                .contains("Choose one of")
        );
        let closed = k.field("closed").unwrap();
        assert_eq!(parse_field(closed, None), Ok(Some(json!(false))));
        assert_eq!(parse_field(closed, Some("on")), Ok(Some(json!(true))));
        let id = k.field("id").unwrap();
        assert_eq!(
            parse_field(id, Some("")),
            Err("This field is required.".into())
        );
        assert!(parse_field(id, Some("a\nb")).is_err());
        assert!(parse_field(id, Some(&"x".repeat(201))).is_err());
        assert!(parse_field(id, Some("..")).is_err());
        assert_eq!(parse_field(id, Some("Bus 1/A")), Ok(Some(json!("Bus 1/A"))));
    }

    #[test]
    fn layout_is_both_coordinates_or_none() {
        let k = kind("buses").unwrap();
        let one = element_from_form(
            k,
            None,
            &form(&[("id", "X"), ("vn_kv", "20"), ("layout.x", "1")]),
        );
        assert!(one.unwrap_err().contains_key("layout.y"));
        let both = element_from_form(
            k,
            None,
            &form(&[
                ("id", "X"),
                ("vn_kv", "20"),
                ("layout.x", "1"),
                ("layout.y", "2"),
                ("in_service", "on"),
            ]),
        )
        .unwrap();
        assert_eq!(both["layout"], json!({"x": 1.0, "y": 2.0}));
    }

    #[test]
    fn add_refuses_a_duplicate_id_and_bad_numbers_field_by_field() {
        let k = kind("buses").unwrap();
        let err = add(&base(), k, &form(&[("id", "A"), ("vn_kv", "20")])).unwrap_err();
        assert!(matches!(err, EditError::Fields(f) if f["id"].contains("already")));
        let err = add(&base(), k, &form(&[("id", "B"), ("vn_kv", "abc")])).unwrap_err();
        assert!(
            matches!(err, EditError::Fields(f) if f.contains_key("vn_kv") && f.contains_key("id"))
        );
        let err = add(&base(), k, &form(&[("id", "C"), ("vn_kv", "abc")])).unwrap_err();
        assert!(
            matches!(err, EditError::Fields(f) if f.contains_key("vn_kv") && !f.contains_key("id"))
        );
        let ok = add(
            &base(),
            k,
            &form(&[("id", "C"), ("vn_kv", "0.4"), ("in_service", "on")]),
        )
        .unwrap();
        assert_eq!(elements(&ok.circuit, k).len(), 3);
        assert_eq!(ok.after, Some(json!({"id": "C", "vn_kv": 0.4})));
    }

    #[test]
    fn renaming_a_bus_updates_its_references() {
        let k = kind("buses").unwrap();
        let ok = update(
            &base(),
            k,
            "A",
            &form(&[("id", "A1"), ("vn_kv", "20"), ("in_service", "on")]),
        )
        .unwrap();
        // from_bus of L1, bus of S1 and S2.
        assert_eq!(ok.references_updated, 3);
        assert_eq!(ok.circuit["lines"][0]["from_bus"], "A1");
        assert_eq!(ok.circuit["switches"][0]["bus"], "A1");
        assert_eq!(ok.circuit["switches"][0]["element"], "B");
        assert_eq!(count_references(&ok.circuit, "buses", "A1"), 3);
        assert_eq!(count_references(&ok.circuit, "buses", "A"), 0);
        let all = reference_counts(&ok.circuit);
        assert_eq!(all[&("buses", "A1".to_string())], 3);
        assert_eq!(
            all[&("buses", "B".to_string())],
            2,
            "L1's to_bus and S1's element"
        );
        assert_eq!(all[&("lines", "L1".to_string())], 1);
        assert!(!all.contains_key(&("buses", "A".to_string())));
        // The switch on the line follows a renamed line; a bus-bus switch element follows a bus.
        let l = kind("lines").unwrap();
        let renamed = update(
            &ok.circuit,
            l,
            "L1",
            &form(&[
                ("id", "L9"),
                ("from_bus", "A1"),
                ("to_bus", "B"),
                ("length_km", "1"),
                ("r_ohm_per_km", "0.1"),
                ("x_ohm_per_km", "0.1"),
                ("in_service", "on"),
            ]),
        )
        .unwrap();
        assert_eq!(renamed.references_updated, 1);
        assert_eq!(renamed.circuit["switches"][1]["element"], "L9");
        let b = update(
            &base(),
            k,
            "B",
            &form(&[("id", "B2"), ("vn_kv", "20"), ("in_service", "on")]),
        )
        .unwrap();
        assert_eq!(b.circuit["switches"][0]["element"], "B2");
        // Renaming onto another element's id is refused.
        let err = update(&base(), k, "A", &form(&[("id", "B"), ("vn_kv", "20")])).unwrap_err();
        assert!(matches!(err, EditError::Fields(f) if f.contains_key("id")));
    }

    #[test]
    fn update_keeps_the_row_when_a_field_is_refused_and_delete_removes_it() {
        let l = kind("lines").unwrap();
        let err = update(
            &base(),
            l,
            "L1",
            &form(&[("id", "L1"), ("length_km", "abc")]),
        )
        .unwrap_err();
        let EditError::Fields(fields) = err else {
            panic!()
        };
        assert!(fields["length_km"].contains("Enter a number"));
        assert!(fields.contains_key("from_bus"));
        let gone = delete(&base(), l, "L1").unwrap();
        assert!(elements(&gone.circuit, l).is_empty());
        assert_eq!(gone.before.unwrap()["id"], "L1");
        assert!(matches!(delete(&base(), l, "nope"), Err(EditError::Row(_))));
    }

    #[test]
    fn display_uses_defaults_and_plain_numbers() {
        let l = kind("lines").unwrap();
        let line = &base()["lines"][0];
        assert_eq!(display(line, l.field("parallel").unwrap()), "1");
        assert_eq!(display(line, l.field("in_service").unwrap()), "yes");
        assert_eq!(display(line, l.field("length_km").unwrap()), "1");
        assert_eq!(display(line, l.field("r_ohm_per_km").unwrap()), "0.1");
        assert_eq!(input_value(line, l.field("parallel").unwrap()), "");
        assert!(same_value(&json!(110), &json!(110.0)));
        let mut written = base();
        written["buses"][0]["in_service"] = json!(true);
        written["buses"][0]["vn_kv"] = json!(20);
        assert!(same_circuit(&base(), &written));
        written["buses"][0]["vn_kv"] = json!(21);
        assert!(!same_circuit(&base(), &written));
        assert!(!same_value(&json!(110), &json!("110")));
    }

    #[test]
    fn counts() {
        assert_eq!(counts_text(&base()), "2 buses, 1 line, 2 switches");
        assert_eq!(
            counts_text_of(&json!({"buses": 2, "lines": 1, "switches": 2, "loads": 0})),
            "2 buses, 1 line, 2 switches"
        );
        assert_eq!(
            counts_json(&base()),
            json!({"buses": 2, "lines": 1, "switches": 2})
        );
    }

    #[test]
    fn header_fields() {
        let ok = update_header(&base(), &form(&[("name", "New"), ("frequency_hz", "60")])).unwrap();
        assert_eq!(ok.circuit["frequency_hz"], json!(60.0));
        assert_eq!(ok.circuit["name"], "New");
        assert!(update_header(&base(), &form(&[("name", "x"), ("frequency_hz", "55")])).is_err());
    }
}
