//! The editor page: the user's draft (or, for those who may not edit, the latest version
//! read-only) with where it stands against the versions, its settings, element tables,
//! diagram, save and import forms.

use actix_session::Session;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde_json::Value;

use actix_web::http::StatusCode;

use super::super::{html, html_status};
use super::diagram::{DiagramView, PageQuery, diagram_view};
use super::forms::Editing;
use super::run;
use super::tables::{TableCtx, Tables, tables};
use crate::circuit_edit::edit;
use crate::circuit_edit::problems::ProblemIndex;
use crate::models::project::Project;
use crate::ops::circuits::{self, EditorState};
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::page::{Page, local_time};
use crate::web::project_access::{ProjectAccess, ProjectCtx, ProjectFlags};

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
    settings_errors: FieldErrors,
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
pub(super) struct SaveView {
    pub message: String,
    pub error: Option<String>,
    /// The newest version number seen, for the stale-base confirmation.
    pub confirm_base: Option<i32>,
}

#[derive(Default)]
pub(super) struct ImportView {
    pub error: Option<String>,
    pub text: String,
}

/// What a page render shows besides the stored state.
#[derive(Default)]
pub(super) struct PageInput {
    pub editing: Option<Editing>,
    pub settings_errors: FieldErrors,
    pub settings_values: Option<(String, String)>,
    pub save: SaveView,
    pub import: ImportView,
    pub query: PageQuery,
}

/// The editor page's HTML for the user's draft with `input` (a form shown again ...).
pub(super) async fn render_editor(
    state: &AppState,
    session: &Session,
    access: &ProjectAccess,
    input: PageInput,
) -> AppResult<String> {
    let loaded = run(state, access, circuits::editor_state).await?;
    let ctx = &access.ctx;
    let page = Page::new(
        session,
        format!("Circuit editor · {}", ctx.project.name),
        Some(&access.me),
        "/projects",
    );
    let csrf = crate::auth::csrf::token(session);
    let (ctx, tz) = (ctx.clone(), access.me.user.timezone.clone());
    // Validating, tabulating and drawing a circuit of thousands of elements takes long enough
    // to hold up every other request of this worker: it runs on the blocking pool.
    web::block(move || compose_editor(loaded, page, csrf, &ctx, &tz, input)).await?
}

/// The editor page again with a refusal (422).
pub(super) async fn refused_page(
    state: &AppState,
    session: &Session,
    access: &ProjectAccess,
    input: PageInput,
) -> AppResult<HttpResponse> {
    let body = render_editor(state, session, access, input).await?;
    Ok(html_status(StatusCode::UNPROCESSABLE_ENTITY, body))
}

/// The editor page of a loaded draft (or of the latest version, read-only).
fn compose_editor(
    loaded: EditorState,
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
        circuits::check(c)
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
    access: ProjectAccess,
    query: web::Query<PageQuery>,
) -> AppResult<HttpResponse> {
    let input = PageInput {
        query: query.into_inner(),
        ..Default::default()
    };
    let body = render_editor(&state, &session, &access, input).await?;
    Ok(html(body))
}
