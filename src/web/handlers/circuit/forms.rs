//! The row forms of the element tables (add an element, edit one): inputs with the form's
//! refusals and the validator's problems beside each field.

use std::collections::HashMap;

use serde_json::Value;

use super::path_segment;
use super::tables::{ProblemView, TableCtx, problem_view};
use crate::circuit_edit::edit::{self, FieldErrors};
use crate::circuit_edit::problems::RowProblem;
use crate::circuit_edit::{FieldDef, FieldType, KindDef};

pub(crate) struct OptionView {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// One input of a row form.
pub(crate) struct InputView {
    pub name: &'static str,
    pub label: &'static str,
    pub unit: &'static str,
    pub dom_id: String,
    /// `text`, `number`, `checkbox` or `select`.
    pub control: &'static str,
    pub value: String,
    pub checked: bool,
    pub options: Vec<OptionView>,
    pub required: bool,
    pub placeholder: String,
    /// The form's refusal of the entered value.
    pub error: Option<String>,
    /// The validator's problems with the stored value.
    pub problems: Vec<ProblemView>,
    /// Datalist of ids this field may name.
    pub list: String,
    pub hint: String,
    /// Focused when the form appears (htmx focuses `[autofocus]` in swapped content).
    pub autofocus: bool,
}

/// A row form (add or edit).
pub(crate) struct FormView {
    pub action: String,
    pub dom_id: String,
    pub main: Vec<InputView>,
    pub more: Vec<InputView>,
    pub more_open: bool,
    pub error: Option<String>,
    pub submit: String,
    /// What htmx replaces with the answer: the row (edit) or the table (add).
    pub target: String,
    /// For an edit row: where htmx gets the display row back (Cancel).
    pub cancel_url: Option<String>,
    /// For an edit row: the editor page (Cancel without htmx).
    pub page_url: String,
    /// Problems of the whole element (not of one field).
    pub problems: Vec<ProblemView>,
}

/// Form values and refusals to show in one form.
pub(crate) struct FormState {
    pub values: Option<HashMap<String, String>>,
    pub errors: FieldErrors,
    pub message: Option<String>,
}

fn input_view(
    kind: &KindDef,
    f: &'static FieldDef,
    form_dom: &str,
    element: Option<&Value>,
    state: &FormState,
    problems: &[RowProblem],
) -> InputView {
    let submitted = state
        .values
        .as_ref()
        .map(|v| v.get(f.name).cloned().unwrap_or_default());
    let (value, checked) = match (&submitted, element) {
        (Some(v), _) => (v.clone(), !v.is_empty() && v != "false"),
        (None, Some(el)) => (edit::input_value(el, f), edit::bool_value(el, f)),
        (None, None) => (String::new(), f.default == Some("true")),
    };
    let control = match f.ty {
        FieldType::Number | FieldType::Integer => "number",
        FieldType::Text => "text",
        FieldType::Bool => "checkbox",
        FieldType::Choice(_) => "select",
    };
    let options = match f.ty {
        FieldType::Choice(options) => {
            let mut list: Vec<OptionView> = Vec::new();
            if !f.required {
                list.push(OptionView {
                    value: String::new(),
                    label: "—".into(),
                    selected: value.is_empty(),
                });
            }
            for o in options {
                list.push(OptionView {
                    value: (*o).to_string(),
                    label: (*o).to_string(),
                    selected: o.eq_ignore_ascii_case(&value),
                });
            }
            if !value.is_empty() && !options.iter().any(|o| o.eq_ignore_ascii_case(&value)) {
                list.push(OptionView {
                    value: value.clone(),
                    label: value.clone(),
                    selected: true,
                });
            }
            list
        }
        _ => Vec::new(),
    };
    InputView {
        name: f.name,
        label: f.label,
        unit: f.unit,
        dom_id: format!("{form_dom}-{}", f.name.replace('.', "-")),
        control,
        value,
        checked,
        options,
        required: f.required,
        placeholder: f
            .default
            .filter(|_| f.ty != FieldType::Bool)
            .unwrap_or("")
            .to_string(),
        error: state.errors.get(f.name).cloned(),
        problems: problems
            .iter()
            .filter(|p| p.field.as_deref() == Some(f.name))
            .map(|p| problem_view(kind, p))
            .collect(),
        list: f.refers_to.map(|k| format!("dl-{k}")).unwrap_or_default(),
        hint: crate::circuit_edit::fields::description(
            kind.key,
            f.name.split('.').next().unwrap_or(""),
        )
        .unwrap_or("")
        .to_string(),
        autofocus: false,
    }
}

/// The form to add an element (`element` None) or edit one.
pub(crate) fn form_view(
    t: &TableCtx,
    kind: &'static KindDef,
    element: Option<&Value>,
    state: &FormState,
    problems: &[RowProblem],
) -> FormView {
    let (action, dom_id, submit, cancel_url, target) = match element {
        None => (
            format!("{}/{}/rows", t.base, kind.key),
            format!("add-{}", kind.key),
            format!("Add {}", kind.singular),
            None,
            format!("#section-{}", kind.key),
        ),
        Some(el) => {
            let id = edit::element_id(el);
            let url = format!("{}/{}/rows/{}", t.base, kind.key, path_segment(id));
            (
                url.clone(),
                format!("edit-{}-{}", kind.key, hex::encode(id.as_bytes())),
                "Save row".to_string(),
                Some(url),
                "closest tr".to_string(),
            )
        }
    };
    let mut main = Vec::new();
    let mut more = Vec::new();
    for f in kind.fields {
        let input = input_view(kind, f, &dom_id, element, state, problems);
        if f.advanced {
            more.push(input);
        } else {
            main.push(input);
        }
    }
    let more_open = more
        .iter()
        .any(|i| i.error.is_some() || !i.problems.is_empty());
    // The first refused field, else (an edit row) the first field.
    if let Some(i) = main
        .iter_mut()
        .chain(more.iter_mut())
        .find(|i| i.error.is_some())
    {
        i.autofocus = true;
    } else if element.is_some()
        && let Some(i) = main.first_mut()
    {
        i.autofocus = true;
    }
    FormView {
        action,
        dom_id,
        main,
        more,
        more_open,
        error: state.message.clone(),
        submit,
        target,
        cancel_url,
        page_url: format!("{}#section-{}", t.base, kind.key),
        problems: problems
            .iter()
            .filter(|p| p.field.is_none() || kind.field(p.field.as_deref().unwrap_or("")).is_none())
            .map(|p| problem_view(kind, p))
            .collect(),
    }
}

/// Which form of the page holds submitted values (shown again with their refusals).
pub(crate) enum Editing {
    None,
    Add {
        kind: &'static KindDef,
        state: FormState,
    },
    Row {
        kind: &'static KindDef,
        id: String,
        state: FormState,
    },
}
