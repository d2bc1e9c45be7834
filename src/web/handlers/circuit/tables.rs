//! The element tables of a circuit (the editor's and a version's): one table per kind, each
//! row with its validator problems, the problem summary and the id lists forms offer.

use std::collections::HashMap;

use serde_json::Value;

use super::forms::{Editing, FormState, FormView, form_view};
use super::{path_segment, row_dom_id};
use crate::circuit_edit::edit::{self, FieldErrors};
use crate::circuit_edit::names::{self, Names};
use crate::circuit_edit::problems::{ProblemIndex, RowProblem};
use crate::circuit_edit::{FieldType, KINDS, KindDef};
use crate::sc::validate::Severity;

/// Problems listed in the summary (the count is always complete).
const SUMMARY_LIMIT: usize = 200;

/// A column of an element table.
pub(crate) struct ColumnView {
    pub label: &'static str,
    pub unit: &'static str,
    pub name: &'static str,
}

pub(crate) struct CellView {
    pub text: String,
    /// `error`, `warning` or empty: a validator problem concerns this field.
    pub level: &'static str,
    pub numeric: bool,
}

pub(crate) struct ProblemView {
    pub level: &'static str,
    /// The field's label, or empty for a problem of the whole element.
    pub field: String,
    pub message: String,
}

/// One element's row: its display, or its edit form.
pub(crate) struct RowView {
    pub kind: &'static str,
    pub singular: &'static str,
    pub id: String,
    pub dom_id: String,
    pub cells: Vec<CellView>,
    pub more: Vec<String>,
    pub problems: Vec<ProblemView>,
    pub level: &'static str,
    pub editable: bool,
    pub edit_url: String,
    pub delete_url: String,
    pub delete_confirm: String,
    /// Columns of the table (for the edit row's colspan).
    pub colspan: usize,
    pub form: Option<FormView>,
    /// Rendered as an out-of-band swap (another row that an edit changed).
    pub oob: bool,
}

/// One element kind's table.
pub(crate) struct KindView {
    pub key: &'static str,
    pub title: &'static str,
    /// "Add a bus", "Add an external grid".
    pub add_label: String,
    pub columns: Vec<ColumnView>,
    pub rows: Vec<RowView>,
    /// Elements of the kind, shown or not.
    pub total: usize,
    /// Rows not shown (beyond the window), and where to see them all.
    pub hidden: usize,
    pub show_all_url: String,
    pub editable: bool,
    pub add: Option<FormView>,
    pub add_open: bool,
    /// A message about the table (an element that vanished ...).
    pub notice: Option<String>,
    pub errors: usize,
    pub warnings: usize,
}

/// One suggestion: the id that is entered, and what it is (empty: the id says it all).
#[derive(PartialEq)]
pub(crate) struct DataOption {
    pub value: String,
    pub label: String,
}

pub(crate) struct DataList {
    pub dom_id: String,
    pub options: Vec<DataOption>,
}

/// A problem in the summary, linked to its row when it has one.
pub(crate) struct SummaryLine {
    pub level: &'static str,
    pub place: String,
    /// Link to the row (on this page, or on the page showing its kind in full); empty for
    /// problems of the whole circuit.
    pub href: String,
    pub message: String,
}

pub(crate) struct SummaryView {
    /// What the circuit is ready for, one line per study type.
    pub studies: Vec<crate::circuit_edit::problems::StudyLine>,
    pub errors: usize,
    pub warnings: usize,
    pub lines: Vec<SummaryLine>,
    pub more: usize,
    pub notice: Option<String>,
    pub oob: bool,
}

/// Everything the element tables need.
pub(crate) struct Tables {
    pub kinds: Vec<KindView>,
    pub datalists: Vec<DataList>,
    pub summary: SummaryView,
}

/// What the tables are built for: where forms post and whether they are shown.
#[derive(Clone)]
pub(crate) struct TableCtx {
    /// `/projects/{id}/editor`; empty for read-only tables.
    pub base: String,
    pub editable: bool,
    /// The page the tables are on (for "show all" links).
    pub page_url: String,
    /// The kind shown with all its rows (`all` for every kind); the others show the first
    /// [`ROW_WINDOW`] rows.
    pub show_all: String,
}

/// Rows of a kind shown before "show all" (keeps pages of large circuits small).
pub const ROW_WINDOW: usize = 100;

impl TableCtx {
    pub fn shows(&self, kind: &str, index: usize) -> bool {
        index < ROW_WINDOW || self.show_all == "all" || self.show_all == kind
    }

    /// The editor's tables of project `project_id`.
    pub fn editor(project_id: i64, editable: bool, show_all: &str) -> TableCtx {
        let base = format!("/projects/{project_id}/editor");
        TableCtx {
            page_url: base.clone(),
            base,
            editable,
            show_all: show_all.to_string(),
        }
    }

    fn show_all_url(&self, kind: &str) -> String {
        format!("{}?all={kind}#section-{kind}", self.page_url)
    }
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

pub(super) fn problem_view(kind: &KindDef, p: &RowProblem) -> ProblemView {
    ProblemView {
        level: severity_class(p.severity),
        field: p
            .field
            .as_deref()
            .map(|f| kind.field(f).map_or(f.to_string(), |d| d.label.to_string()))
            .unwrap_or_default(),
        message: p.message.clone(),
    }
}

fn columns(kind: &KindDef) -> Vec<ColumnView> {
    kind.columns()
        .map(|f| ColumnView {
            label: f.label,
            unit: f.unit,
            name: f.name,
        })
        .collect()
}

fn worst(problems: &[RowProblem], field: Option<&str>) -> &'static str {
    let mut level = "";
    for p in problems {
        if field.is_none() || p.field.as_deref() == field {
            match p.severity {
                Severity::Error => return "error",
                Severity::Warning => level = "warning",
            }
        }
    }
    level
}

/// How many fields name each element (see `edit::reference_counts`).
pub(crate) type RefCounts = HashMap<(&'static str, String), usize>;

/// The reference counts the delete confirmations of editable tables show (none when read-only).
pub(super) fn table_refs(t: &TableCtx, circuit: &Value) -> RefCounts {
    if t.editable {
        edit::reference_counts(circuit)
    } else {
        RefCounts::new()
    }
}

/// `refs`: the counts of the whole document when many rows are built; without them the one
/// row's references are counted. `buses`: the buses' display names, likewise (read from the
/// document when not given).
pub(crate) fn row_view(
    t: &TableCtx,
    kind: &'static KindDef,
    element: &Value,
    problems: &[RowProblem],
    circuit: &Value,
    refs: Option<&RefCounts>,
    buses: Option<&Names>,
) -> RowView {
    let id = edit::element_id(element).to_string();
    // A bus reference shows the bus's name (its id only where names repeat or are empty).
    let local_names;
    let bus_names = match buses {
        Some(names) => Some(names),
        None if kind.columns().any(|f| f.refers_to == Some("buses")) => {
            local_names = Names::buses(circuit);
            Some(&local_names)
        }
        None => None,
    };
    let cells = kind
        .columns()
        .map(|f| CellView {
            text: match (f.refers_to, bus_names) {
                (Some("buses"), Some(names)) => names.label(&edit::display(element, f)),
                _ => edit::display(element, f),
            },
            level: worst(problems, Some(f.name)),
            numeric: matches!(f.ty, FieldType::Number | FieldType::Integer),
        })
        .collect();
    let more = kind
        .advanced()
        .filter(|f| edit::get(element, f.name).is_some())
        .map(|f| {
            let v = edit::display(element, f);
            if f.unit.is_empty() {
                format!("{}: {v}", f.label)
            } else {
                format!("{}: {v} {}", f.label, f.unit)
            }
        })
        .collect();
    let refs = match (t.editable, refs) {
        (false, _) => 0,
        (true, Some(map)) => map.get(&(kind.key, id.clone())).copied().unwrap_or(0),
        (true, None) => edit::count_references(circuit, kind.key, &id),
    };
    let mut delete_confirm = format!("Delete the {} “{id}” from your draft?", kind.singular);
    if refs > 0 {
        delete_confirm.push_str(&format!(
            " {refs} field{} of other elements name{} it and will show errors until you change them.",
            if refs == 1 { "" } else { "s" },
            if refs == 1 { "s" } else { "" }
        ));
    }
    let row_url = format!("{}/{}/rows/{}", t.base, kind.key, path_segment(&id));
    RowView {
        kind: kind.key,
        singular: kind.singular,
        dom_id: row_dom_id(kind.key, &id),
        cells,
        more,
        problems: problems.iter().map(|p| problem_view(kind, p)).collect(),
        level: worst(problems, None),
        editable: t.editable,
        edit_url: format!("{row_url}/edit"),
        delete_url: format!("{row_url}/delete"),
        delete_confirm,
        colspan: kind.columns().count() + 3 + usize::from(t.editable),
        form: None,
        oob: false,
        id,
    }
}

pub(crate) fn kind_view(
    t: &TableCtx,
    kind: &'static KindDef,
    circuit: &Value,
    idx: &ProblemIndex,
    editing: &Editing,
    refs: &RefCounts,
) -> KindView {
    let blank = FormState {
        values: None,
        errors: FieldErrors::new(),
        message: None,
    };
    let mut errors = 0;
    let mut warnings = 0;
    let all = edit::elements(circuit, kind);
    let bus_names = Names::buses(circuit);
    let mut rows = Vec::new();
    for (index, el) in all.iter().enumerate() {
        let id = edit::element_id(el);
        let probs = idx.row(kind.key, id);
        for p in probs {
            match p.severity {
                Severity::Error => errors += 1,
                Severity::Warning => warnings += 1,
            }
        }
        let editing_this = matches!(editing, Editing::Row { kind: k, id: eid, .. } if k.key == kind.key && eid == id);
        if !t.shows(kind.key, index) && !editing_this {
            continue;
        }
        let mut row = row_view(t, kind, el, probs, circuit, Some(refs), Some(&bus_names));
        if let Editing::Row { state, .. } = editing
            && editing_this
            && t.editable
        {
            row.form = Some(form_view(t, kind, Some(el), state, probs));
        }
        rows.push(row);
    }
    let total = all.len();
    let (add, add_open) = if t.editable {
        match editing {
            Editing::Add { kind: k, state } if k.key == kind.key => {
                (Some(form_view(t, kind, None, state, &[])), true)
            }
            _ => {
                let mut form = form_view(t, kind, None, &blank, &[]);
                propose_id(&mut form, circuit, kind);
                (Some(form), false)
            }
        }
    } else {
        (None, false)
    };
    KindView {
        key: kind.key,
        title: kind.title,
        add_label: format!(
            "Add {} {}",
            if kind.singular.starts_with(['a', 'e', 'i', 'o', 'u']) {
                "an"
            } else {
                "a"
            },
            kind.singular
        ),
        columns: columns(kind),
        hidden: total - rows.len(),
        show_all_url: t.show_all_url(kind.key),
        total,
        rows,
        editable: t.editable,
        add,
        add_open,
        notice: None,
        errors,
        warnings,
    }
}

/// A new row's id field holds a free id (`B7`, `L3`), so the id is never a chore.
fn propose_id(form: &mut FormView, circuit: &Value, kind: &KindDef) {
    if let Some(input) = form.main.iter_mut().find(|i| i.name == "id")
        && input.value.is_empty()
    {
        input.value = names::next_free_id(circuit, kind);
    }
}

/// The suggestions of the reference fields: each element's id, labelled with its name (and a
/// bus's voltage), so a bus is picked by the name an engineer knows.
pub(crate) fn datalists(circuit: &Value) -> Vec<DataList> {
    ["buses", "transformers"]
        .iter()
        .filter_map(|key| crate::circuit_edit::kind(key))
        .map(|k| {
            let names = Names::of_kind(circuit, k);
            DataList {
                dom_id: format!("dl-{}", k.key),
                options: edit::elements(circuit, k)
                    .iter()
                    .map(|e| {
                        let id = edit::element_id(e);
                        let mut label = names.name_of(id).unwrap_or("").to_string();
                        if let Some(kv) = e.get("vn_kv").and_then(Value::as_f64) {
                            if !label.is_empty() {
                                label.push_str(" · ");
                            }
                            label.push_str(&format!("{kv} kV"));
                        }
                        if !label.is_empty() {
                            label.push_str(&format!(" · id {id}"));
                        }
                        DataOption {
                            value: id.to_string(),
                            label,
                        }
                    })
                    .collect(),
            }
        })
        .collect()
}

pub(crate) fn summary_view(t: &TableCtx, circuit: &Value, idx: &ProblemIndex) -> SummaryView {
    let mut lines = Vec::new();
    for p in &idx.general {
        lines.push(SummaryLine {
            level: severity_class(p.severity),
            place: p.path.clone(),
            href: String::new(),
            message: p.message.clone(),
        });
    }
    for kind in &KINDS {
        for (index, el) in edit::elements(circuit, kind).iter().enumerate() {
            let id = edit::element_id(el);
            for p in idx.row(kind.key, id) {
                let field = p
                    .field
                    .as_deref()
                    .map(|f| {
                        format!(
                            " · {}",
                            kind.field(f).map_or(f.to_string(), |d| d.label.to_string())
                        )
                    })
                    .unwrap_or_default();
                lines.push(SummaryLine {
                    level: severity_class(p.severity),
                    place: format!("{} “{id}”{field}", kind.singular),
                    href: if t.shows(kind.key, index) {
                        format!("#{}", row_dom_id(kind.key, id))
                    } else {
                        format!(
                            "{}?all={}#{}",
                            t.page_url,
                            kind.key,
                            row_dom_id(kind.key, id)
                        )
                    },
                    message: p.message.clone(),
                });
            }
        }
    }
    let more = lines.len().saturating_sub(SUMMARY_LIMIT);
    lines.truncate(SUMMARY_LIMIT);
    SummaryView {
        studies: idx.studies.clone(),
        errors: idx.errors,
        warnings: idx.warnings,
        lines,
        more,
        notice: None,
        oob: false,
    }
}

/// The element tables of a circuit with its problems.
pub(crate) fn tables(
    t: &TableCtx,
    circuit: &Value,
    idx: &ProblemIndex,
    editing: &Editing,
) -> Tables {
    let refs = table_refs(t, circuit);
    Tables {
        kinds: KINDS
            .iter()
            .map(|k| kind_view(t, k, circuit, idx, editing, &refs))
            .collect(),
        datalists: datalists(circuit),
        summary: summary_view(t, circuit, idx),
    }
}
