//! The edits: adding, replacing (renaming, with its references) and deleting an element, and
//! the circuit's own fields. Each returns the document in canonical form.

use serde_json::Value;

use super::document::{array_mut, element_id, elements, find};
use super::form::{FieldErrors, MAX_TEXT, element_from_form};
use super::references::rename_references;
use crate::circuit_edit::fields::KindDef;
use crate::sc::Circuit;

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
