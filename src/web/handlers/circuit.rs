//! The circuit editor: each user's working draft of a project's circuit (`circuit_drafts`),
//! edited row by row with htmx (every action also works as a plain form post that redirects
//! back), saved as the next numbered version, imported from a circuit or pandapower file and
//! reset to the latest version.
//!
//! Decisions:
//! - A version is only saved when the validator finds no error (warnings are fine): a saved
//!   version is what simulations run on, so it must be computable. The draft may hold errors
//!   while it is being edited; they are shown beside their rows and fields.
//! - Renaming an element updates every reference to it (a renamed bus keeps its lines,
//!   transformers, loads and switches; a renamed line or transformer keeps its switches and
//!   power-station units). Renaming onto an id the kind already has is refused.
//! - Deleting an element leaves references to it in place: the validator then points at each
//!   of them, and the delete confirmation says how many there are.
//! - Edits to the draft are audited too (`circuit.draft.*`, before and after of the element).
//! - If a version was saved since the draft's base, saving needs an explicit confirmation
//!   naming the newest version seen (`confirm_base`); a save that races another is told so
//!   the same way, never given the same number.

use std::collections::{HashMap, HashSet};

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use serde_json::Value;

use super::{html, html_status, is_htmx, redirect};
use crate::circuit_edit::edit::{self, EditError, Edited, FieldErrors};
use crate::circuit_edit::problems::{self, ProblemIndex, RowProblem};
use crate::circuit_edit::{FieldDef, FieldType, KINDS, KindDef};
use crate::db::write_tx;
use crate::models::audit::{self, Entry};
use crate::models::circuit_draft::{self, CircuitDraft};
use crate::models::circuit_version::{self, CircuitVersion};
use crate::models::project::Project;
use crate::sc::validate::Severity;
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::extractors::CurrentUser;
use crate::web::forms::{FormErrors, has_control};
use crate::web::page::{Page, flash, local_time};
use crate::web::project_access::{self, Capability, ProjectCtx, ProjectFlags};

/// Largest circuit file accepted by the import.
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;
/// Longest version message.
pub const MAX_MESSAGE: usize = 500;
/// Problems listed in the summary (the count is always complete).
const SUMMARY_LIMIT: usize = 200;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/projects/{id}/editor", web::get().to(editor))
        .route(
            "/projects/{id}/editor/settings",
            web::post().to(update_settings),
        )
        .route("/projects/{id}/editor/save", web::post().to(save))
        .route("/projects/{id}/editor/discard", web::post().to(discard))
        .route("/projects/{id}/editor/import", web::post().to(import))
        .route(
            "/projects/{id}/editor/export.json",
            web::get().to(export_draft),
        )
        .route(
            "/projects/{id}/editor/diagram/buses",
            web::get().to(diagram_buses),
        )
        .route("/projects/{id}/editor/{kind}/rows", web::post().to(add_row))
        .route(
            "/projects/{id}/editor/{kind}/rows/{element}",
            web::get().to(show_row),
        )
        .route(
            "/projects/{id}/editor/{kind}/rows/{element}",
            web::post().to(update_row),
        )
        .route(
            "/projects/{id}/editor/{kind}/rows/{element}/edit",
            web::get().to(edit_row),
        )
        .route(
            "/projects/{id}/editor/{kind}/rows/{element}/delete",
            web::post().to(delete_row),
        );
}

// ---------------------------------------------------------------- small helpers

/// Percent-encodes a user string for one URL path segment (everything but `A-Z a-z 0-9 - _ ~`).
pub(crate) fn path_segment(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// An HTML id for an element's row (ids are user strings: hex keeps them valid and unique).
pub(crate) fn row_dom_id(kind: &str, id: &str) -> String {
    format!("row-{kind}-{}", hex::encode(id.as_bytes()))
}

fn kind_or_404(key: &str) -> AppResult<&'static KindDef> {
    crate::circuit_edit::kind(key).ok_or(AppError::NotFound)
}

/// An empty circuit named after the project (a project without any version).
fn empty_circuit(name: &str) -> Value {
    serde_json::to_value(crate::sc::Circuit::new(name)).unwrap_or_default()
}

/// Form fields as a map (the first value of each name).
fn form_map(pairs: Vec<(String, String)>) -> HashMap<String, String> {
    let mut map = HashMap::new();
    for (k, v) in pairs {
        map.entry(k).or_insert(v);
    }
    map
}

/// Content hash and element counts, what audit entries record of a circuit.
fn circuit_snapshot(circuit: &Value) -> Value {
    serde_json::json!({
        "content_hash": circuit_version::content_hash(circuit),
        "elements": edit::counts_json(circuit),
    })
}

fn severity_class(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn check(circuit: &Value) -> ProblemIndex {
    problems::check(circuit).unwrap_or_else(|message| {
        let mut idx = ProblemIndex::default();
        idx.general.push(crate::sc::validate::Problem {
            severity: Severity::Error,
            path: String::new(),
            message: format!("The circuit does not parse: {message}"),
        });
        idx.errors = 1;
        idx
    })
}

/// Loads the project and checks the user may change its circuit (403 audited, 409 when
/// archived).
async fn editable_ctx(
    state: &AppState,
    me: &CurrentUser,
    project_id: i64,
    action: &'static str,
    entity: &'static str,
    details: Value,
) -> AppResult<ProjectCtx> {
    let ctx = project_access::load(state, me, project_id).await?;
    project_access::require_to_change(
        state,
        me,
        &ctx,
        Capability::Edit,
        Entry::success(action, entity, None).details(details),
    )
    .await?;
    Ok(ctx)
}

/// The user's draft, created from the latest version on first open.
async fn open_draft(
    state: &AppState,
    me: &CurrentUser,
    project: &Project,
) -> AppResult<CircuitDraft> {
    let (pid, uid, name) = (project.id, me.user.id, project.name.clone());
    state
        .db(move |conn| {
            Ok(circuit_draft::open(conn, pid, uid, || {
                empty_circuit(&name)
            })?)
        })
        .await
}

// ---------------------------------------------------------------- view models

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

pub(crate) struct DataList {
    pub dom_id: String,
    pub options: Vec<String>,
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

/// Form values and refusals to show in one form.
pub(crate) struct FormState {
    pub values: Option<HashMap<String, String>>,
    pub errors: FieldErrors,
    pub message: Option<String>,
}

fn problem_view(kind: &KindDef, p: &RowProblem) -> ProblemView {
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
fn table_refs(t: &TableCtx, circuit: &Value) -> RefCounts {
    if t.editable {
        edit::reference_counts(circuit)
    } else {
        RefCounts::new()
    }
}

/// `refs`: the counts of the whole document when many rows are built; without them the one
/// row's references are counted.
pub(crate) fn row_view(
    t: &TableCtx,
    kind: &'static KindDef,
    element: &Value,
    problems: &[RowProblem],
    circuit: &Value,
    refs: Option<&RefCounts>,
) -> RowView {
    let id = edit::element_id(element).to_string();
    let cells = kind
        .columns()
        .map(|f| CellView {
            text: edit::display(element, f),
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
    } else if element.is_some() {
        if let Some(i) = main.first_mut() {
            i.autofocus = true;
        }
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
        let mut row = row_view(t, kind, el, probs, circuit, Some(refs));
        if let Editing::Row { state, .. } = editing {
            if editing_this && t.editable {
                row.form = Some(form_view(t, kind, Some(el), state, probs));
            }
        }
        rows.push(row);
    }
    let total = all.len();
    let (add, add_open) = if t.editable {
        match editing {
            Editing::Add { kind: k, state } if k.key == kind.key => {
                (Some(form_view(t, kind, None, state, &[])), true)
            }
            _ => (Some(form_view(t, kind, None, &blank, &[])), false),
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

pub(crate) fn datalists(circuit: &Value) -> Vec<DataList> {
    ["buses", "transformers"]
        .iter()
        .filter_map(|key| crate::circuit_edit::kind(key))
        .map(|k| DataList {
            dom_id: format!("dl-{}", k.key),
            options: edit::elements(circuit, k)
                .iter()
                .map(|e| edit::element_id(e).to_string())
                .collect(),
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

/// Rows whose display an edit changed (content or problems), other than those the response
/// replaces anyway: sent as out-of-band swaps so that every marker on the page stays true.
fn changed_rows(
    t: &TableCtx,
    before: &Value,
    before_idx: &ProblemIndex,
    after: &Value,
    after_idx: &ProblemIndex,
    skip_kind: Option<&str>,
    skip_row: Option<(&str, &str)>,
) -> Vec<RowView> {
    // What a row shows: its element, its problems, and (in its delete confirmation) how many
    // fields name it.
    let before_refs = edit::reference_counts(before);
    let refs = edit::reference_counts(after);
    let signature = |idx: &ProblemIndex, counts: &RefCounts, kind: &KindDef, el: &Value| {
        let id = edit::element_id(el);
        let n = counts
            .get(&(kind.key, id.to_string()))
            .copied()
            .unwrap_or(0);
        format!("{}|{:?}|{n}", el, idx.row(kind.key, id))
    };
    let mut old: HashMap<(&str, &str), String> = HashMap::new();
    for kind in &KINDS {
        for el in edit::elements(before, kind) {
            old.insert(
                (kind.key, edit::element_id(el)),
                signature(before_idx, &before_refs, kind, el),
            );
        }
    }
    let mut seen = HashSet::new();
    let mut out = Vec::new();
    for kind in &KINDS {
        if skip_kind == Some(kind.key) {
            continue;
        }
        for (index, el) in edit::elements(after, kind).iter().enumerate() {
            let id = edit::element_id(el);
            // Rows beyond the page's window are not on the page to be replaced.
            if skip_row == Some((kind.key, id))
                || !t.shows(kind.key, index)
                || !seen.insert((kind.key, id))
            {
                continue;
            }
            let sig = signature(after_idx, &refs, kind, el);
            if old.get(&(kind.key, id)) != Some(&sig) {
                let mut row =
                    row_view(t, kind, el, after_idx.row(kind.key, id), after, Some(&refs));
                row.oob = true;
                out.push(row);
            }
        }
    }
    out
}

// ---------------------------------------------------------------- one-line diagram

/// The query of the editor and version pages: the element kinds shown in full (`all`: a kind
/// key, or `all`), and for the diagram a bus to centre on (large circuits), its depth and a
/// bus search.
#[derive(Deserialize, Default, Clone)]
pub struct PageQuery {
    #[serde(default)]
    pub all: String,
    #[serde(default)]
    pub bus: String,
    #[serde(default)]
    pub depth: String,
    #[serde(default)]
    pub q: String,
}

impl PageQuery {
    /// Branch hops around the chosen bus: 2 unless 1 to 6 is asked for.
    fn depth(&self) -> usize {
        self.depth.trim().parse().unwrap_or(2).clamp(1, MAX_DEPTH)
    }

    /// The query of the page an htmx request came from (`HX-Current-URL`), so that a row edit
    /// redraws the diagram the user is looking at.
    fn of_current_url(req: &HttpRequest) -> PageQuery {
        let url = req
            .headers()
            .get("hx-current-url")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| url::Url::parse(v).ok());
        let mut q = PageQuery::default();
        if let Some(url) = url {
            for (k, v) in url.query_pairs() {
                match k.as_ref() {
                    "bus" => q.bus = v.into_owned(),
                    "depth" => q.depth = v.into_owned(),
                    "q" => q.q = v.into_owned(),
                    "all" => q.all = v.into_owned(),
                    _ => {}
                }
            }
        }
        q
    }
}

/// Deepest neighbourhood offered.
const MAX_DEPTH: usize = 6;
/// Buses listed by the bus search.
const BUS_MATCHES: usize = 50;

/// A bus in the diagram's bus search.
pub(crate) struct BusMatch {
    pub id: String,
    pub name: String,
    pub vn: String,
    pub url: String,
    pub selected: bool,
}

/// The one-line diagram block: the whole circuit, or for large circuits a bus search and the
/// neighbourhood of the chosen bus.
pub(crate) struct DiagramView {
    /// Inline SVG from `diagram::render` (safe to embed: no scripts, styles or external refs).
    pub svg: Option<String>,
    pub message: String,
    pub full: bool,
    pub bus_count: usize,
    pub limit: usize,
    pub page_url: String,
    pub search_url: String,
    pub query: String,
    pub selected: Option<String>,
    pub depth: usize,
    pub depths: Vec<usize>,
    pub matches: Vec<BusMatch>,
    pub total_matches: usize,
}

fn query_value(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn bus_url(page_url: &str, bus: &str, depth: usize, q: &str) -> String {
    let mut url = format!("{page_url}?bus={}&depth={depth}", query_value(bus));
    if !q.is_empty() {
        url.push_str(&format!("&q={}", query_value(q)));
    }
    url.push_str("#diagram");
    url
}

fn bus_matches(c: &crate::sc::Circuit, dq: &PageQuery, page_url: &str) -> (Vec<BusMatch>, usize) {
    let needle = dq.q.trim().to_lowercase();
    let depth = dq.depth();
    let mut total = 0;
    let mut out = Vec::new();
    for b in &c.buses {
        let name = b.name.clone().unwrap_or_default();
        if !needle.is_empty()
            && !b.id.to_lowercase().contains(&needle)
            && !name.to_lowercase().contains(&needle)
        {
            continue;
        }
        total += 1;
        if out.len() < BUS_MATCHES {
            out.push(BusMatch {
                url: bus_url(page_url, &b.id, depth, dq.q.trim()),
                selected: b.id == dq.bus,
                id: b.id.clone(),
                name,
                vn: b.vn_kv.to_string(),
            });
        }
    }
    (out, total)
}

pub(crate) fn diagram_view(
    circuit: &Value,
    page_url: &str,
    search_url: &str,
    dq: &PageQuery,
) -> DiagramView {
    let depth = dq.depth();
    let mut view = DiagramView {
        svg: None,
        message: String::new(),
        full: true,
        bus_count: 0,
        limit: crate::diagram::MAX_FULL_DIAGRAM_BUSES,
        page_url: page_url.to_string(),
        search_url: search_url.to_string(),
        query: dq.q.trim().to_string(),
        selected: None,
        depth,
        depths: (1..=MAX_DEPTH).collect(),
        matches: Vec::new(),
        total_matches: 0,
    };
    let c = match <crate::sc::Circuit as serde::Deserialize>::deserialize(circuit) {
        Ok(c) => c,
        Err(_) => {
            view.message = "No diagram: the circuit does not parse.".into();
            return view;
        }
    };
    view.bus_count = c.buses.len();
    let bus = dq.bus.trim();
    let options = |highlight: Option<&str>| crate::diagram::RenderOptions {
        highlight_bus: highlight.map(str::to_string),
        ..Default::default()
    };
    if view.bus_count <= view.limit {
        let highlight = c.buses.iter().any(|b| b.id == bus).then_some(bus);
        view.svg = Some(crate::diagram::render(&c, None, &options(highlight)));
        return view;
    }
    view.full = false;
    let (matches, total) = bus_matches(&c, dq, page_url);
    view.matches = matches;
    view.total_matches = total;
    if bus.is_empty() {
        view.message = format!(
            "Choose a bus above to see the diagram of its surroundings ({} buses are too many for one drawing).",
            view.bus_count
        );
    } else {
        match crate::diagram::neighbourhood(&c, bus, depth) {
            Some(sub) => {
                view.selected = Some(bus.to_string());
                view.svg = Some(crate::diagram::render(&sub, None, &options(Some(bus))));
            }
            None => view.message = format!("There is no bus “{bus}” in this circuit."),
        }
    }
    view
}

/// The bus search of the editor's diagram (htmx fragment; without htmx, the editor page).
pub async fn diagram_buses(
    req: HttpRequest,
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path.into_inner()).await?;
    let page_url = format!("/projects/{}/editor", ctx.id());
    if !is_htmx(&req) {
        return Ok(redirect(&format!(
            "{page_url}?q={}#diagram",
            query_value(&query.q)
        )));
    }
    let loaded = load_for_page(&state, &me, &ctx).await?;
    let circuit = match (loaded.draft, loaded.latest) {
        (Some(d), _) => d.data_json.0,
        (None, Some(v)) => v.data_json.0,
        (None, None) => return Err(AppError::NotFound),
    };
    bus_matches_response(&circuit, &page_url, &query)
}

#[derive(Template)]
#[template(path = "circuit/bus_matches_fragment.html")]
struct BusMatchesFragment {
    d: DiagramView,
}

/// The bus search's matches as an htmx fragment.
pub(crate) fn bus_matches_response(
    circuit: &Value,
    page_url: &str,
    query: &PageQuery,
) -> AppResult<HttpResponse> {
    let mut d = diagram_view(&Value::Null, page_url, "", query);
    if let Ok(c) = serde_json::from_value::<crate::sc::Circuit>(circuit.clone()) {
        let (matches, total) = bus_matches(&c, query, page_url);
        d.matches = matches;
        d.total_matches = total;
    }
    Ok(html(BusMatchesFragment { d }.render()?))
}

// ---------------------------------------------------------------- the editor page

#[derive(Template)]
#[template(path = "circuit/editor.html")]
struct EditorPage {
    page: Page,
    project: Project,
    tab: &'static str,
    flags: ProjectFlags,
    csrf: String,
    editable: bool,
    /// Why the page is read-only (for users who cannot edit).
    readonly_reason: String,
    /// A circuit is shown (a draft, or the latest version when read-only).
    has_circuit: bool,
    circuit_name: String,
    frequency: String,
    settings_errors: FormErrors,
    status: StatusView,
    tables: Tables,
    save: SaveView,
    import: ImportView,
    diagram: Option<DiagramView>,
}

/// Where the draft stands against the versions.
#[derive(Default)]
struct StatusView {
    base_number: Option<i32>,
    latest_number: Option<i32>,
    latest_author: String,
    latest_when: String,
    /// A version newer than the draft's base exists.
    stale: bool,
    /// The draft differs from its base version.
    dirty: bool,
    counts: String,
    draft_updated: String,
}

#[derive(Default)]
struct SaveView {
    message: String,
    error: Option<String>,
    /// The newest version number seen, for the stale-base confirmation.
    confirm_base: Option<i32>,
}

#[derive(Default)]
struct ImportView {
    error: Option<String>,
    text: String,
}

/// What a page render shows besides the stored state.
#[derive(Default)]
struct PageInput {
    editing: Option<Editing>,
    settings_errors: FormErrors,
    settings_values: Option<(String, String)>,
    save: SaveView,
    import: ImportView,
    query: PageQuery,
}

struct Loaded {
    draft: Option<CircuitDraft>,
    latest: Option<CircuitVersion>,
    latest_author: String,
    base_number: Option<i32>,
    base_data: Option<Value>,
}

async fn load_for_page(state: &AppState, me: &CurrentUser, ctx: &ProjectCtx) -> AppResult<Loaded> {
    let draft = if ctx.can(Capability::Edit) {
        Some(open_draft(state, me, &ctx.project).await?)
    } else {
        None
    };
    let pid = ctx.id();
    let base_id = draft.as_ref().and_then(|d| d.base_version_id);
    state
        .db(move |conn| {
            let latest = circuit_version::latest(conn, pid)?;
            let latest_author = match &latest {
                Some(v) => circuit_version::author_name(conn, v)?,
                None => String::new(),
            };
            // The draft's base is usually the latest version: no second read of its circuit.
            let (base_number, base_data) = match (base_id, &latest) {
                (Some(id), Some(l)) if l.id == id => {
                    (Some(l.version_number), Some(l.data_json.0.clone()))
                }
                (Some(id), _) => match circuit_version::find_in_project(conn, pid, id)? {
                    Some(b) => (Some(b.version_number), Some(b.data_json.0)),
                    None => (None, None),
                },
                (None, _) => (None, None),
            };
            Ok(Loaded {
                draft,
                latest,
                latest_author,
                base_number,
                base_data,
            })
        })
        .await
}

async fn render_editor(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    ctx: &ProjectCtx,
    input: PageInput,
) -> AppResult<String> {
    let loaded = load_for_page(state, me, ctx).await?;
    let page = Page::new(
        session,
        format!("Circuit editor · {}", ctx.project.name),
        Some(me),
        "/projects",
    );
    let csrf = crate::auth::csrf::token(session);
    let (ctx, tz) = (ctx.clone(), me.user.timezone.clone());
    // Validating, tabulating and drawing a circuit of thousands of elements takes long enough
    // to hold up every other request of this worker: it runs on the blocking pool.
    web::block(move || compose_editor(loaded, page, csrf, &ctx, &tz, input)).await?
}

/// The editor page of a loaded draft (or of the latest version, read-only).
fn compose_editor(
    loaded: Loaded,
    page: Page,
    csrf: String,
    ctx: &ProjectCtx,
    tz: &str,
    input: PageInput,
) -> AppResult<String> {
    let editable = loaded.draft.is_some();
    let circuit: Option<&Value> = match (&loaded.draft, &loaded.latest) {
        (Some(d), _) => Some(&d.data_json.0),
        (None, Some(v)) => Some(&v.data_json.0),
        (None, None) => None,
    };
    let t = TableCtx::editor(ctx.id(), editable, &input.query.all);
    let empty = Value::Null;
    let c = circuit.unwrap_or(&empty);
    let idx = if circuit.is_some() {
        check(c)
    } else {
        ProblemIndex::default()
    };
    let editing = input.editing.unwrap_or(Editing::None);
    let tables = tables(&t, c, &idx, &editing);
    let diagram = circuit.as_ref().map(|c| {
        diagram_view(
            c,
            &t.base,
            &format!("{}/diagram/buses", t.base),
            &input.query,
        )
    });
    let stale = match (&loaded.draft, &loaded.latest) {
        (Some(d), Some(l)) => d.base_version_id != Some(l.id),
        _ => false,
    };
    let dirty = match (&loaded.draft, &loaded.base_data) {
        (Some(d), Some(b)) => !edit::same_circuit(&d.data_json.0, b),
        (Some(d), None) => !edit::element_counts(&d.data_json.0)
            .iter()
            .all(|(_, n)| *n == 0),
        _ => false,
    };
    let status = StatusView {
        base_number: loaded.base_number,
        latest_number: loaded.latest.as_ref().map(|v| v.version_number),
        latest_author: loaded.latest_author.clone(),
        latest_when: loaded
            .latest
            .as_ref()
            .map(|v| local_time(&v.created_at, tz))
            .unwrap_or_default(),
        stale,
        dirty,
        counts: circuit.map(edit::counts_text).unwrap_or_default(),
        draft_updated: loaded
            .draft
            .as_ref()
            .map(|d| local_time(&d.updated_at, tz))
            .unwrap_or_default(),
    };
    let mut save = input.save;
    if stale {
        save.confirm_base = status.latest_number;
    }
    let (circuit_name, frequency) = match input.settings_values {
        Some(v) => v,
        None => (
            c.get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string(),
            c.get("frequency_hz")
                .map(edit::value_text)
                .unwrap_or_else(|| "50".into()),
        ),
    };
    let readonly_reason = if editable {
        String::new()
    } else if ctx.is_archived() {
        "This project is archived: its circuit is read-only.".into()
    } else {
        "You can read this circuit; your role in this project does not allow changing it.".into()
    };
    let page = EditorPage {
        page,
        project: ctx.project.clone(),
        tab: "editor",
        flags: ctx.flags(),
        csrf,
        editable,
        readonly_reason,
        has_circuit: circuit.is_some(),
        circuit_name,
        frequency,
        settings_errors: input.settings_errors,
        status,
        tables,
        save,
        import: input.import,
        diagram,
    };
    Ok(page.render()?)
}

pub async fn editor(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path.into_inner()).await?;
    let input = PageInput {
        query: query.into_inner(),
        ..Default::default()
    };
    let body = render_editor(&state, &session, &me, &ctx, input).await?;
    Ok(html(body))
}

// ---------------------------------------------------------------- htmx fragments

/// A display or edit row, with the other rows an edit changed, the summary and the id lists.
#[derive(Template)]
#[template(path = "circuit/row_fragment.html")]
struct RowFragment {
    csrf: String,
    r: RowView,
    others: Vec<RowView>,
    summary: Option<SummaryView>,
    datalists: Vec<DataList>,
    /// The diagram redrawn after an edit (out of band).
    figure: Option<DiagramView>,
}

/// A whole element table (after an add or a delete), with the same extras.
#[derive(Template)]
#[template(path = "circuit/section_fragment.html")]
struct SectionFragment {
    csrf: String,
    k: KindView,
    others: Vec<RowView>,
    summary: Option<SummaryView>,
    datalists: Vec<DataList>,
    figure: Option<DiagramView>,
}

fn section_id(project_id: i64, kind: &KindDef) -> String {
    format!("/projects/{project_id}/editor#section-{}", kind.key)
}

/// What a row action did.
enum RowOutcome {
    Done { before: Value, edited: Edited },
    Refused { current: Value, error: EditError },
}

#[derive(Clone, Copy)]
enum RowOp {
    Add,
    Update,
    Delete,
}

impl RowOp {
    fn action(self) -> &'static str {
        match self {
            RowOp::Add => "circuit.draft.add",
            RowOp::Update => "circuit.draft.update",
            RowOp::Delete => "circuit.draft.delete",
        }
    }
}

/// Applies a row action to the user's draft in one transaction with its audit entry.
async fn apply_row_op(
    state: &AppState,
    me: &CurrentUser,
    ctx: &ProjectCtx,
    kind: &'static KindDef,
    op: RowOp,
    element_id: Option<String>,
    values: HashMap<String, String>,
) -> AppResult<RowOutcome> {
    open_draft(state, me, &ctx.project).await?;
    let (actor, pid, uid) = (me.actor().audit(), ctx.id(), me.user.id);
    state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let draft =
                    circuit_draft::find_for_update(conn, pid, uid)?.ok_or(AppError::NotFound)?;
                let current = draft.data_json.0;
                let input = |name: &str| values.get(name).cloned();
                let id = element_id.clone().unwrap_or_default();
                let result = match op {
                    RowOp::Add => edit::add(&current, kind, &input),
                    RowOp::Update => edit::update(&current, kind, &id, &input),
                    RowOp::Delete => edit::delete(&current, kind, &id),
                };
                let edited = match result {
                    Ok(e) => e,
                    Err(error) => return Ok(RowOutcome::Refused { current, error }),
                };
                circuit_draft::set_data(conn, draft.id, &edited.circuit)?;
                let subject = edited
                    .after
                    .as_ref()
                    .or(edited.before.as_ref())
                    .map(|e| edit::element_id(e).to_string())
                    .unwrap_or_default();
                let mut entry = Entry::success(op.action(), "circuit_draft", Some(draft.id))
                    .project(pid)
                    .details(serde_json::json!({
                        "kind": kind.key,
                        "element": subject,
                        "references_updated": edited.references_updated,
                    }));
                if let Some(b) = &edited.before {
                    entry = entry.before(b.clone());
                }
                if let Some(a) = &edited.after {
                    entry = entry.after(a.clone());
                }
                audit::record(conn, &actor, entry)?;
                Ok::<_, AppError>(RowOutcome::Done {
                    before: current,
                    edited,
                })
            })
        })
        .await
}

fn refusal_parts(error: &EditError) -> (FieldErrors, Option<String>) {
    match error {
        EditError::Fields(f) => (
            f.clone(),
            Some(format!(
                "Nothing was changed: correct the field{} marked below.",
                if f.len() == 1 { "" } else { "s" }
            )),
        ),
        EditError::Row(m) => (FieldErrors::new(), Some(m.clone())),
    }
}

fn rename_notice(edited: &Edited) -> Option<String> {
    (edited.references_updated > 0).then(|| {
        format!(
            "Renamed: {} reference{} to it updated.",
            edited.references_updated,
            if edited.references_updated == 1 {
                ""
            } else {
                "s"
            }
        )
    })
}

/// The htmx answer to a row change that was applied: the row or table, the rows whose display
/// the change affected, the summary, changed id lists and the redrawn diagram.
fn row_done_fragment(
    t: &TableCtx,
    kind: &'static KindDef,
    op: RowOp,
    before: &Value,
    edited: &Edited,
    csrf: String,
    page_query: &PageQuery,
) -> AppResult<String> {
    let before_idx = check(before);
    let after_idx = check(&edited.circuit);
    let mut summary = summary_view(t, &edited.circuit, &after_idx);
    summary.oob = true;
    summary.notice = rename_notice(edited);
    // Only the id lists that changed (a bus list of a large circuit is long).
    let old_lists = datalists(before);
    let lists: Vec<DataList> = datalists(&edited.circuit)
        .into_iter()
        .filter(|l| {
            !old_lists
                .iter()
                .any(|o| o.dom_id == l.dom_id && o.options == l.options)
        })
        .collect();
    let figure = diagram_view(
        &edited.circuit,
        &t.base,
        &format!("{}/diagram/buses", t.base),
        page_query,
    );
    match op {
        RowOp::Update => {
            let el = edited.after.clone().unwrap_or_default();
            let new_id = edit::element_id(&el).to_string();
            let others = changed_rows(
                t,
                before,
                &before_idx,
                &edited.circuit,
                &after_idx,
                None,
                Some((kind.key, &new_id)),
            );
            let r = row_view(
                t,
                kind,
                &el,
                after_idx.row(kind.key, &new_id),
                &edited.circuit,
                None,
            );
            let body = RowFragment {
                csrf,
                r,
                others,
                summary: Some(summary),
                datalists: lists,
                figure: Some(figure),
            }
            .render()?;
            Ok(body)
        }
        RowOp::Add | RowOp::Delete => {
            let others = changed_rows(
                t,
                before,
                &before_idx,
                &edited.circuit,
                &after_idx,
                Some(kind.key),
                None,
            );
            let refs = table_refs(t, &edited.circuit);
            let mut k = kind_view(t, kind, &edited.circuit, &after_idx, &Editing::None, &refs);
            if matches!(op, RowOp::Add) {
                // Ready for the next row.
                k.add_open = true;
                if let Some(i) = k.add.as_mut().and_then(|f| f.main.first_mut()) {
                    i.autofocus = true;
                }
            }
            let body = SectionFragment {
                csrf,
                k,
                others,
                summary: Some(summary),
                datalists: lists,
                figure: Some(figure),
            }
            .render()?;
            Ok(body)
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn row_action(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    project_id: i64,
    kind_key: String,
    element_id: Option<String>,
    op: RowOp,
    values: HashMap<String, String>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, project_id).await?;
    let kind = kind_or_404(&kind_key)?;
    project_access::require_to_change(
        &state,
        &me,
        &ctx,
        Capability::Edit,
        Entry::success(op.action(), "circuit_draft", None).details(serde_json::json!({
            "kind": kind.key, "element": element_id,
        })),
    )
    .await?;
    let outcome = apply_row_op(
        &state,
        &me,
        &ctx,
        kind,
        op,
        element_id.clone(),
        values.clone(),
    )
    .await?;
    let htmx = is_htmx(&req);
    let t = TableCtx::editor(ctx.id(), true, &PageQuery::of_current_url(&req).all);
    let csrf = crate::auth::csrf::token(&session);
    match outcome {
        RowOutcome::Done { before, edited } => {
            if !htmx {
                let message = match op {
                    RowOp::Add => format!("Added the {} to your draft.", kind.singular),
                    RowOp::Update => format!(
                        "Saved the {} in your draft.{}",
                        kind.singular,
                        rename_notice(&edited)
                            .map(|n| format!(" {n}"))
                            .unwrap_or_default()
                    ),
                    RowOp::Delete => format!("Deleted the {} from your draft.", kind.singular),
                };
                flash(&session, "success", message);
                return Ok(redirect(&section_id(ctx.id(), kind)));
            }
            let page_query = PageQuery::of_current_url(&req);
            // Validating and redrawing a large circuit twice would hold up this worker's other
            // requests: the fragment is composed on the blocking pool.
            let body = web::block(move || {
                row_done_fragment(&t, kind, op, &before, &edited, csrf, &page_query)
            })
            .await??;
            Ok(html(body))
        }
        RowOutcome::Refused { current, error } => {
            let (errors, message) = refusal_parts(&error);
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            if !htmx {
                let editing = match op {
                    RowOp::Add => Editing::Add {
                        kind,
                        state: FormState {
                            values: Some(values.clone()),
                            errors: errors.clone(),
                            message,
                        },
                    },
                    RowOp::Update => Editing::Row {
                        kind,
                        id: element_id.clone().unwrap_or_default(),
                        state: FormState {
                            values: Some(values.clone()),
                            errors: errors.clone(),
                            message,
                        },
                    },
                    RowOp::Delete => {
                        flash(&session, "error", message.unwrap_or_default());
                        return Ok(redirect(&section_id(ctx.id(), kind)));
                    }
                };
                let input = PageInput {
                    editing: Some(editing),
                    ..Default::default()
                };
                let body = render_editor(&state, &session, &me, &ctx, input).await?;
                return Ok(html_status(status, body));
            }
            let idx = check(&current);
            let id = element_id.clone().unwrap_or_default();
            let existing = edit::find(&current, kind, &id);
            match (op, existing) {
                (RowOp::Update, Some(el)) => {
                    let mut r = row_view(&t, kind, el, idx.row(kind.key, &id), &current, None);
                    r.form = Some(form_view(
                        &t,
                        kind,
                        Some(el),
                        &FormState {
                            values: Some(values.clone()),
                            errors: errors.clone(),
                            message,
                        },
                        idx.row(kind.key, &id),
                    ));
                    let body = RowFragment {
                        csrf,
                        r,
                        others: Vec::new(),
                        summary: None,
                        datalists: Vec::new(),
                        figure: None,
                    }
                    .render()?;
                    Ok(html_status(status, body))
                }
                _ => {
                    // An add refused, or a row that is gone: the table again, with the message.
                    let editing = match op {
                        RowOp::Add => Editing::Add {
                            kind,
                            state: FormState {
                                values: Some(values.clone()),
                                errors: errors.clone(),
                                message: message.clone(),
                            },
                        },
                        _ => Editing::None,
                    };
                    let refs = table_refs(&t, &current);
                    let mut k = kind_view(&t, kind, &current, &idx, &editing, &refs);
                    if !matches!(op, RowOp::Add) {
                        k.notice = message;
                    }
                    let body = SectionFragment {
                        csrf,
                        k,
                        others: Vec::new(),
                        summary: None,
                        datalists: Vec::new(),
                        figure: None,
                    }
                    .render()?;
                    // The section replaces the form or row that asked (see the templates'
                    // hx-target); say so for the edit row's request too.
                    Ok(HttpResponse::build(status)
                        .content_type("text/html; charset=utf-8")
                        .insert_header(("Vary", "HX-Request"))
                        .insert_header(("HX-Retarget", format!("#section-{}", kind.key)))
                        .insert_header(("HX-Reswap", "outerHTML"))
                        .body(body))
                }
            }
        }
    }
}

pub async fn add_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<(i64, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (project_id, kind) = path.into_inner();
    let values = form_map(form.into_inner());
    row_action(
        req,
        state,
        session,
        me,
        project_id,
        kind,
        None,
        RowOp::Add,
        values,
    )
    .await
}

pub async fn update_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<(i64, String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (project_id, kind, element) = path.into_inner();
    let values = form_map(form.into_inner());
    row_action(
        req,
        state,
        session,
        me,
        project_id,
        kind,
        Some(element),
        RowOp::Update,
        values,
    )
    .await
}

pub async fn delete_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<(i64, String, String)>,
) -> AppResult<HttpResponse> {
    let (project_id, kind, element) = path.into_inner();
    row_action(
        req,
        state,
        session,
        me,
        project_id,
        kind,
        Some(element),
        RowOp::Delete,
        HashMap::new(),
    )
    .await
}

/// The draft's row `element` of `kind` (404 when it is not there), with its problems.
async fn draft_row(
    state: &AppState,
    me: &CurrentUser,
    ctx: &ProjectCtx,
    kind: &'static KindDef,
    element: &str,
) -> AppResult<(Value, Value, ProblemIndex)> {
    let draft = open_draft(state, me, &ctx.project).await?;
    let circuit = draft.data_json.0;
    let el = edit::find(&circuit, kind, element)
        .cloned()
        .ok_or(AppError::NotFound)?;
    let idx = check(&circuit);
    Ok((circuit, el, idx))
}

fn require_edit_view(ctx: &ProjectCtx) -> AppResult<()> {
    if ctx.can(Capability::Edit) {
        Ok(())
    } else if ctx.is_archived() {
        Err(AppError::Conflict(
            "This project is archived and read-only. An owner can reactivate it in its settings."
                .into(),
        ))
    } else {
        Err(AppError::Forbidden)
    }
}

/// The edit form of a row (htmx), or the editor page with that row being edited.
pub async fn edit_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<(i64, String, String)>,
) -> AppResult<HttpResponse> {
    let (project_id, kind_key, element) = path.into_inner();
    let ctx = project_access::load(&state, &me, project_id).await?;
    let kind = kind_or_404(&kind_key)?;
    require_edit_view(&ctx)?;
    let (circuit, el, idx) = draft_row(&state, &me, &ctx, kind, &element).await?;
    let form_state = FormState {
        values: None,
        errors: FieldErrors::new(),
        message: None,
    };
    if !is_htmx(&req) {
        let input = PageInput {
            editing: Some(Editing::Row {
                kind,
                id: element,
                state: form_state,
            }),
            ..Default::default()
        };
        return Ok(html(
            render_editor(&state, &session, &me, &ctx, input).await?,
        ));
    }
    let t = TableCtx::editor(ctx.id(), true, "");
    let probs = idx.row(kind.key, &element);
    let mut r = row_view(&t, kind, &el, probs, &circuit, None);
    r.form = Some(form_view(&t, kind, Some(&el), &form_state, probs));
    let body = RowFragment {
        csrf: crate::auth::csrf::token(&session),
        r,
        others: Vec::new(),
        summary: None,
        datalists: Vec::new(),
        figure: None,
    }
    .render()?;
    Ok(html(body))
}

/// A row as displayed (htmx: Cancel of an edit form); without htmx, back to the editor.
pub async fn show_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<(i64, String, String)>,
) -> AppResult<HttpResponse> {
    let (project_id, kind_key, element) = path.into_inner();
    let ctx = project_access::load(&state, &me, project_id).await?;
    let kind = kind_or_404(&kind_key)?;
    require_edit_view(&ctx)?;
    let (circuit, el, idx) = draft_row(&state, &me, &ctx, kind, &element).await?;
    if !is_htmx(&req) {
        return Ok(redirect(&format!(
            "/projects/{}/editor#{}",
            ctx.id(),
            row_dom_id(kind.key, &element)
        )));
    }
    let t = TableCtx::editor(ctx.id(), true, "");
    let r = row_view(&t, kind, &el, idx.row(kind.key, &element), &circuit, None);
    let body = RowFragment {
        csrf: crate::auth::csrf::token(&session),
        r,
        others: Vec::new(),
        summary: None,
        datalists: Vec::new(),
        figure: None,
    }
    .render()?;
    Ok(html(body))
}

// ---------------------------------------------------------------- circuit settings

pub async fn update_settings(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let ctx = editable_ctx(
        &state,
        &me,
        path.into_inner(),
        "circuit.draft.settings",
        "circuit_draft",
        Value::Null,
    )
    .await?;
    let values = form_map(form.into_inner());
    open_draft(&state, &me, &ctx.project).await?;
    let (actor, pid, uid) = (me.actor().audit(), ctx.id(), me.user.id);
    let v = values.clone();
    let result = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let draft =
                    circuit_draft::find_for_update(conn, pid, uid)?.ok_or(AppError::NotFound)?;
                let input = |name: &str| v.get(name).cloned();
                match edit::update_header(&draft.data_json.0, &input) {
                    Err(e) => Ok(Err(e)),
                    Ok(edited) => {
                        circuit_draft::set_data(conn, draft.id, &edited.circuit)?;
                        audit::record(
                            conn,
                            &actor,
                            Entry::success(
                                "circuit.draft.settings",
                                "circuit_draft",
                                Some(draft.id),
                            )
                            .project(pid)
                            .before(edited.before.clone().unwrap_or_default())
                            .after(edited.after.clone().unwrap_or_default()),
                        )?;
                        Ok::<_, AppError>(Ok(()))
                    }
                }
            })
        })
        .await?;
    match result {
        Ok(()) => {
            flash(
                &session,
                "success",
                "Circuit name and frequency saved in your draft.",
            );
            Ok(redirect(&format!("/projects/{}/editor", ctx.id())))
        }
        Err(error) => {
            let mut errors = FormErrors::default();
            if let EditError::Fields(f) = &error {
                for (k, m) in f {
                    errors.add(k, m.clone());
                }
            }
            if let EditError::Row(m) = &error {
                errors.add("", m.clone());
            }
            let input = PageInput {
                settings_errors: errors,
                settings_values: Some((
                    values.get("name").cloned().unwrap_or_default(),
                    values.get("frequency_hz").cloned().unwrap_or_default(),
                )),
                ..Default::default()
            };
            let body = render_editor(&state, &session, &me, &ctx, input).await?;
            Ok(html_status(StatusCode::UNPROCESSABLE_ENTITY, body))
        }
    }
}

// ---------------------------------------------------------------- save, discard

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    message: String,
    /// The newest version number the user saw when a newer version than their base exists.
    #[serde(default)]
    confirm_base: String,
}

enum SaveOutcome {
    Saved(CircuitVersion),
    /// A newer version than the draft's base exists and was not confirmed.
    Stale {
        latest: i32,
    },
    Invalid {
        errors: usize,
    },
    Unchanged {
        latest: i32,
    },
}

fn message_problem(message: &str) -> Option<String> {
    if message.is_empty() {
        Some("Describe what changed (a short message saved with the version).".into())
    } else if message.chars().count() > MAX_MESSAGE {
        Some(format!("At most {MAX_MESSAGE} characters."))
    } else if has_control(message) {
        Some("One line, without control characters.".into())
    } else {
        None
    }
}

pub async fn save(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
    form: web::Form<SaveForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let ctx = editable_ctx(
        &state,
        &me,
        path.into_inner(),
        "circuit.save",
        "circuit_version",
        Value::Null,
    )
    .await?;
    let message = form.message.trim().to_string();
    let confirm: Option<i32> = form.confirm_base.trim().parse().ok();
    let refuse = |error: String, message: String| PageInput {
        save: SaveView {
            message,
            error: Some(error),
            confirm_base: None,
        },
        ..Default::default()
    };
    if let Some(problem) = message_problem(&message) {
        let body = render_editor(&state, &session, &me, &ctx, refuse(problem, message)).await?;
        return Ok(html_status(StatusCode::UNPROCESSABLE_ENTITY, body));
    }
    open_draft(&state, &me, &ctx.project).await?;
    let (actor, pid, uid) = (me.actor().audit(), ctx.id(), me.user.id);
    let msg = message.clone();
    let outcome = state
        .db(move |conn| {
            circuit_version::retry_on_conflict(
                || {
                    write_tx(conn, |conn| {
                        circuit_version::lock_project(conn, pid)?;
                        let draft = circuit_draft::find_for_update(conn, pid, uid)?
                            .ok_or(AppError::NotFound)?;
                        let latest = circuit_version::latest(conn, pid)?;
                        if let Some(l) = &latest {
                            if draft.base_version_id != Some(l.id)
                                && confirm != Some(l.version_number)
                            {
                                return Ok(SaveOutcome::Stale {
                                    latest: l.version_number,
                                });
                            }
                        }
                        let content = edit::canonical(&draft.data_json.0)
                            .unwrap_or_else(|| draft.data_json.0.clone());
                        let idx = check(&content);
                        if idx.has_errors() {
                            return Ok(SaveOutcome::Invalid { errors: idx.errors });
                        }
                        if let Some(l) = &latest {
                            if edit::same_circuit(&l.data_json.0, &content) {
                                return Ok(SaveOutcome::Unchanged {
                                    latest: l.version_number,
                                });
                            }
                        }
                        let base_number = match draft.base_version_id {
                            Some(id) => circuit_version::find_in_project(conn, pid, id)?
                                .map(|v| v.version_number),
                            None => None,
                        };
                        let version =
                            circuit_version::insert_next_in_tx(conn, pid, &content, &msg, uid)?;
                        circuit_draft::rebase(conn, draft.id, Some(&version), &content)?;
                        let stale_confirmed = latest
                            .as_ref()
                            .is_some_and(|l| draft.base_version_id != Some(l.id));
                        let mut entry =
                            Entry::success("circuit.save", "circuit_version", Some(version.id))
                                .project(pid)
                                .after(circuit_version::snapshot(&version))
                                .details(serde_json::json!({
                                    "message": msg,
                                    "base_version": base_number,
                                    "confirmed_over_newer_version": stale_confirmed
                                        .then(|| latest.as_ref().map(|l| l.version_number)),
                                    "warnings": idx.warnings,
                                }));
                        if let Some(l) = &latest {
                            entry = entry.before(circuit_version::snapshot(l));
                        }
                        audit::record(conn, &actor, entry)?;
                        Ok::<_, AppError>(SaveOutcome::Saved(version))
                    })
                },
                |e| matches!(e, AppError::Db(d) if circuit_version::is_unique_violation(d)),
            )
        })
        .await?;
    let error = match outcome {
        SaveOutcome::Saved(v) => {
            flash(
                &session,
                "success",
                format!("Saved as version {}.", v.version_number),
            );
            return Ok(redirect(&format!("/projects/{}/editor", ctx.id())));
        }
        SaveOutcome::Stale { latest } => format!(
            "Version {latest} was saved since your draft started. Review the differences, then \
             save again to confirm that your draft becomes the next version."
        ),
        SaveOutcome::Invalid { errors } => format!(
            "Not saved: the circuit has {errors} error{} (listed above and beside the rows). A \
             saved version must be computable; warnings are fine.",
            if errors == 1 { "" } else { "s" }
        ),
        SaveOutcome::Unchanged { latest } => {
            format!("Nothing to save: your draft is the same as version {latest}.")
        }
    };
    let body = render_editor(&state, &session, &me, &ctx, refuse(error, message)).await?;
    Ok(html_status(StatusCode::UNPROCESSABLE_ENTITY, body))
}

/// Resets the draft to the latest version.
pub async fn discard(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let ctx = editable_ctx(
        &state,
        &me,
        path.into_inner(),
        "circuit.discard",
        "circuit_draft",
        Value::Null,
    )
    .await?;
    open_draft(&state, &me, &ctx.project).await?;
    let (actor, pid, uid, name) = (
        me.actor().audit(),
        ctx.id(),
        me.user.id,
        ctx.project.name.clone(),
    );
    let number = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let draft =
                    circuit_draft::find_for_update(conn, pid, uid)?.ok_or(AppError::NotFound)?;
                let latest = circuit_version::latest(conn, pid)?;
                let data = latest
                    .as_ref()
                    .map_or_else(|| empty_circuit(&name), |v| v.data_json.0.clone());
                circuit_draft::rebase(conn, draft.id, latest.as_ref(), &data)?;
                let number = latest.as_ref().map(|v| v.version_number);
                audit::record(
                    conn,
                    &actor,
                    Entry::success("circuit.discard", "circuit_draft", Some(draft.id))
                        .project(pid)
                        .before(circuit_snapshot(&draft.data_json.0))
                        .after(circuit_snapshot(&data))
                        .details(serde_json::json!({ "reset_to_version": number })),
                )?;
                Ok::<_, AppError>(number)
            })
        })
        .await?;
    let message = match number {
        Some(n) => format!("Draft discarded: it is version {n} again."),
        None => "Draft discarded: the circuit is empty again.".into(),
    };
    flash(&session, "success", message);
    Ok(done(&req, &format!("/projects/{}/editor", ctx.id())))
}

/// After a change: a redirect, or for htmx a full-page navigation (`HX-Redirect`).
pub(crate) fn done(req: &HttpRequest, location: &str) -> HttpResponse {
    if is_htmx(req) {
        HttpResponse::Ok()
            .insert_header(("HX-Redirect", location.to_string()))
            .finish()
    } else {
        redirect(location)
    }
}

// ---------------------------------------------------------------- import, export

/// The uploaded or pasted file: its name and text.
struct Upload {
    name: String,
    bytes: Vec<u8>,
    /// Pasted into the form's text area (shown again when refused) rather than a file.
    pasted: bool,
}

async fn read_upload(req: &HttpRequest, payload: web::Payload) -> Result<Option<Upload>, String> {
    use futures_util::StreamExt;
    let content_type = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let too_large = || {
        format!(
            "The file is larger than {} MB.",
            MAX_IMPORT_BYTES / (1024 * 1024)
        )
    };
    if content_type.starts_with("multipart/form-data") {
        let mut parts = actix_multipart::Multipart::new(req.headers(), payload);
        let mut found: Option<Upload> = None;
        while let Some(field) = parts.next().await {
            let mut field = field.map_err(|e| format!("The upload could not be read: {e}"))?;
            let name = field.name().unwrap_or("").to_string();
            let file_name = field
                .content_disposition()
                .and_then(|cd| cd.get_filename())
                .unwrap_or("")
                .to_string();
            let bytes = match field.bytes(MAX_IMPORT_BYTES).await {
                Err(_) => return Err(too_large()),
                Ok(Err(e)) => return Err(format!("The upload could not be read: {e}")),
                Ok(Ok(b)) => b,
            };
            let usable = match name.as_str() {
                "file" => !bytes.is_empty(),
                "content" => !bytes.iter().all(u8::is_ascii_whitespace),
                _ => false,
            };
            if usable && found.is_none() {
                found = Some(Upload {
                    pasted: name == "content",
                    name: if name == "content" || file_name.is_empty() {
                        "The pasted JSON".into()
                    } else {
                        file_name
                    },
                    bytes: bytes.to_vec(),
                });
            }
        }
        return Ok(found);
    }
    if content_type.starts_with("application/x-www-form-urlencoded") {
        let mut payload = payload;
        let mut body = web::BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk = chunk.map_err(|e| format!("The form could not be read: {e}"))?;
            // Percent-encoding can triple a file's size.
            if body.len() + chunk.len() > 3 * MAX_IMPORT_BYTES {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        let content = url::form_urlencoded::parse(&body)
            .find(|(k, _)| k == "content")
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if content.len() > MAX_IMPORT_BYTES {
            return Err(too_large());
        }
        if content.trim().is_empty() {
            return Ok(None);
        }
        return Ok(Some(Upload {
            name: "The pasted JSON".into(),
            bytes: content.into_bytes(),
            pasted: true,
        }));
    }
    Err("Send the file as a form upload.".into())
}

pub async fn import(
    req: HttpRequest,
    payload: web::Payload,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let ctx = editable_ctx(
        &state,
        &me,
        path.into_inner(),
        "circuit.import",
        "circuit_draft",
        Value::Null,
    )
    .await?;
    let refuse = |error: String| PageInput {
        import: ImportView {
            error: Some(error),
            ..Default::default()
        },
        ..Default::default()
    };
    let upload = match read_upload(&req, payload).await {
        Ok(Some(u)) => u,
        Ok(None) => {
            let input = refuse("Choose a circuit file (or paste its text) to import.".into());
            let body = render_editor(&state, &session, &me, &ctx, input).await?;
            return Ok(html_status(StatusCode::UNPROCESSABLE_ENTITY, body));
        }
        Err(e) => {
            let body = render_editor(&state, &session, &me, &ctx, refuse(e)).await?;
            return Ok(html_status(StatusCode::UNPROCESSABLE_ENTITY, body));
        }
    };
    let size = upload.bytes.len();
    // Pasted text comes back in the text area when refused (up to what a form carries).
    let pasted_text = (upload.pasted && size <= 256 * 1024)
        .then(|| String::from_utf8_lossy(&upload.bytes).into_owned());
    let file_name: String = upload
        .name
        .chars()
        .filter(|c| !c.is_control())
        .take(200)
        .collect();
    let parsed = web::block(move || {
        let text = String::from_utf8(upload.bytes)
            .map_err(|_| "The file is not UTF-8 text (a JSON file was expected).".to_string())?;
        let parsed = crate::sc::parse_input(&text).map_err(|e| e.to_string())?;
        let value = serde_json::to_value(&parsed.circuit).map_err(|e| e.to_string())?;
        // A value JSON cannot hold (NaN from a conversion) would leave a draft that no longer
        // parses: refuse it here instead.
        if serde_json::from_value::<crate::sc::Circuit>(value.clone()).is_err() {
            return Err("it holds a value that is not a finite number.".to_string());
        }
        if let Some(at) = edit::nul_location(&value) {
            return Err(format!(
                "{at} holds a NUL character (U+0000), which cannot be stored; remove it."
            ));
        }
        Ok::<_, String>((parsed.format, parsed.warnings, value))
    })
    .await?;
    let (format, warnings, circuit) = match parsed {
        Ok(p) => p,
        Err(e) => {
            let mut input = refuse(format!("{file_name} was not imported: {e}"));
            input.import.text = pasted_text.unwrap_or_default();
            let body = render_editor(&state, &session, &me, &ctx, input).await?;
            return Ok(html_status(StatusCode::UNPROCESSABLE_ENTITY, body));
        }
    };
    let format_name = match format {
        crate::sc::InputFormat::Circuit => "circuit",
        crate::sc::InputFormat::Pandapower => "pandapower",
    };
    open_draft(&state, &me, &ctx.project).await?;
    let (actor, pid, uid) = (me.actor().audit(), ctx.id(), me.user.id);
    let details = serde_json::json!({
        "format": format_name,
        "file_name": file_name,
        "bytes": size,
        "warnings": warnings,
        "elements": edit::counts_json(&circuit),
    });
    let c = circuit.clone();
    state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let draft =
                    circuit_draft::find_for_update(conn, pid, uid)?.ok_or(AppError::NotFound)?;
                circuit_draft::set_data(conn, draft.id, &c)?;
                audit::record(
                    conn,
                    &actor,
                    Entry::success("circuit.import", "circuit_draft", Some(draft.id))
                        .project(pid)
                        .before(circuit_snapshot(&draft.data_json.0))
                        .after(circuit_snapshot(&c))
                        .details(details),
                )?;
                Ok::<_, AppError>(())
            })
        })
        .await?;
    flash(
        &session,
        "success",
        format!(
            "Imported {file_name} ({} file) into your draft: {}.",
            if format_name == "circuit" {
                "AmpFlux circuit"
            } else {
                "pandapower"
            },
            edit::counts_text(&circuit)
        ),
    );
    for w in warnings.iter().take(20) {
        flash(&session, "info", format!("Import: {w}"));
    }
    if warnings.len() > 20 {
        flash(
            &session,
            "info",
            format!(
                "Import: {} more warnings (see the audit entry).",
                warnings.len() - 20
            ),
        );
    }
    Ok(done(&req, &format!("/projects/{}/editor", ctx.id())))
}

/// A JSON file download.
pub(crate) fn json_download(data: &Value, file_name: &str) -> AppResult<HttpResponse> {
    let mut body = serde_json::to_string_pretty(data)
        .map_err(|e| AppError::Internal(format!("circuit JSON: {e}")))?;
    body.push('\n');
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            actix_web::http::header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .body(body))
}

/// The user's draft as a circuit file.
pub async fn export_draft(
    state: web::Data<AppState>,
    me: CurrentUser,
    path: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let ctx = project_access::load(&state, &me, path.into_inner()).await?;
    require_edit_view(&ctx)?;
    let draft = open_draft(&state, &me, &ctx.project).await?;
    json_download(
        &draft.data_json.0,
        &format!("{}-draft.circuit.json", ctx.project.slug),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_percent_encoded() {
        assert_eq!(path_segment("L1"), "L1");
        assert_eq!(path_segment("Bus 1/A%"), "Bus%201%2FA%25");
        assert_eq!(path_segment(".."), "%2E%2E");
        assert_eq!(path_segment("Ü"), "%C3%9C");
        assert_eq!(row_dom_id("buses", "A"), "row-buses-41");
    }
}
