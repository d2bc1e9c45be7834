//! Row actions: add, change and delete an element of the draft (htmx answers with the changed
//! row or table; without htmx a redirect back, or the page again with the refusals), and the
//! display and edit rows htmx swaps in.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};
use serde_json::Value;

use super::super::{html, is_htmx, redirect};
use super::diagram::PageQuery;
use super::editor::{PageInput, refused_page, render_editor};
use super::forms::{Editing, FormState, form_view};
use super::fragments::{RowFragment, refused_fragment, rename_notice, row_done_fragment};
use super::tables::{TableCtx, row_view};
use super::{form_map, kind_or_404, row_dom_id, run};
use crate::circuit_edit::KindDef;
use crate::circuit_edit::edit::{self, EditError, FieldErrors};
use crate::ops::OpError;
use crate::ops::circuits::{self, AddRow, CircuitRefusal, DeleteRow, RowChanged, RowOp, UpdateRow};
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::page::flash;
use crate::web::project_access::ProjectAccess;

/// What a row request asked for (to answer it).
struct Asked {
    kind: &'static KindDef,
    op: RowOp,
    /// The element named by the path (update, delete).
    element: String,
    values: HashMap<String, String>,
}

impl Asked {
    /// 404 for a kind that does not exist.
    fn new(
        kind: &str,
        op: RowOp,
        element: String,
        values: HashMap<String, String>,
    ) -> AppResult<Asked> {
        let kind = kind_or_404(kind)?;
        Ok(Asked {
            kind,
            op,
            element,
            values,
        })
    }
}

pub async fn add_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    path: web::Path<(i64, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let values = form_map(form.into_inner());
    let asked = Asked::new(&path.1, RowOp::Add, String::new(), values)?;
    let input = AddRow {
        kind: asked.kind.key.to_string(),
        values: asked.values.clone(),
    };
    let result = run(&state, &access, |c, a, p| circuits::add_row(c, a, p, input)).await;
    answer(&req, &state, &session, &access, asked, result).await
}

pub async fn update_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    path: web::Path<(i64, String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let (_, kind, element) = path.into_inner();
    let asked = Asked::new(&kind, RowOp::Update, element, form_map(form.into_inner()))?;
    let input = UpdateRow {
        kind: asked.kind.key.to_string(),
        element: asked.element.clone(),
        values: asked.values.clone(),
    };
    let result = run(&state, &access, |c, a, p| {
        circuits::update_row(c, a, p, input)
    })
    .await;
    answer(&req, &state, &session, &access, asked, result).await
}

pub async fn delete_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    path: web::Path<(i64, String, String)>,
) -> AppResult<HttpResponse> {
    let (_, kind, element) = path.into_inner();
    let asked = Asked::new(&kind, RowOp::Delete, element, HashMap::new())?;
    let input = DeleteRow {
        kind: asked.kind.key.to_string(),
        element: asked.element.clone(),
    };
    let result = run(&state, &access, |c, a, p| {
        circuits::delete_row(c, a, p, input)
    })
    .await;
    answer(&req, &state, &session, &access, asked, result).await
}

fn section_url(project_id: i64, kind: &KindDef) -> String {
    format!("/projects/{project_id}/editor#section-{}", kind.key)
}

/// The answer to a row action: the change or its refusal, as htmx fragments or a page.
async fn answer(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    access: &ProjectAccess,
    asked: Asked,
    result: Result<RowChanged, OpError>,
) -> AppResult<HttpResponse> {
    let (error, current) = match result {
        Ok(changed) => return done(req, session, access, asked.op, changed).await,
        Err(OpError::Circuit(CircuitRefusal::Edit { error, draft })) => (error, *draft),
        Err(e) => return Err(e.into()),
    };
    let (kind, op) = (asked.kind, asked.op);
    let errors = match &error {
        EditError::Fields(f) => f.clone(),
        EditError::Row(_) => FieldErrors::new(),
    };
    let form = FormState {
        values: Some(asked.values),
        errors,
        message: Some(circuits::edit_message(&error)),
    };
    if is_htmx(req) {
        let t = TableCtx::editor(
            access.project_id(),
            true,
            &PageQuery::of_current_url(req).all,
        );
        let csrf = crate::auth::csrf::token(session);
        return refused_fragment(&t, kind, op, &asked.element, &current, form, csrf);
    }
    let editing = match op {
        RowOp::Add => Editing::Add { kind, state: form },
        RowOp::Update => Editing::Row {
            kind,
            id: asked.element,
            state: form,
        },
        RowOp::Delete => {
            flash(session, "error", form.message.unwrap_or_default());
            return Ok(redirect(&section_url(access.project_id(), kind)));
        }
    };
    let input = PageInput {
        editing: Some(editing),
        ..Default::default()
    };
    refused_page(state, session, access, input).await
}

/// The answer to a row change that was made.
async fn done(
    req: &HttpRequest,
    session: &Session,
    access: &ProjectAccess,
    op: RowOp,
    changed: RowChanged,
) -> AppResult<HttpResponse> {
    let RowChanged {
        kind,
        before,
        edited,
    } = changed;
    if !is_htmx(req) {
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
        flash(session, "success", message);
        return Ok(redirect(&section_url(access.project_id(), kind)));
    }
    let page_query = PageQuery::of_current_url(req);
    let t = TableCtx::editor(access.project_id(), true, &page_query.all);
    let csrf = crate::auth::csrf::token(session);
    // Validating and redrawing a large circuit twice would hold up this worker's other
    // requests: the fragment is composed on the blocking pool.
    let body =
        web::block(move || row_done_fragment(&t, kind, op, &before, &edited, csrf, &page_query))
            .await??;
    Ok(html(body))
}

/// A row of the draft, for the edit and display rows.
struct DraftRow {
    kind: &'static KindDef,
    id: String,
    circuit: Value,
    element: Value,
}

impl DraftRow {
    /// The row the path names (404 for an unknown kind or a row that is not there).
    async fn load(
        state: &AppState,
        access: &ProjectAccess,
        path: web::Path<(i64, String, String)>,
    ) -> AppResult<DraftRow> {
        let (_, kind, id) = path.into_inner();
        let kind = kind_or_404(&kind)?;
        let circuit = run(state, access, circuits::draft).await?.data_json.0;
        let element = edit::find(&circuit, kind, &id)
            .cloned()
            .ok_or(AppError::NotFound)?;
        Ok(DraftRow {
            kind,
            id,
            circuit,
            element,
        })
    }

    /// The row with its problems (as an htmx fragment), with its edit form when `form` is
    /// given.
    fn fragment(
        &self,
        session: &Session,
        access: &ProjectAccess,
        form: Option<&FormState>,
    ) -> AppResult<HttpResponse> {
        let (kind, el) = (self.kind, &self.element);
        let t = TableCtx::editor(access.project_id(), true, "");
        let idx = circuits::check(&self.circuit);
        let probs = idx.row(kind.key, &self.id);
        let mut r = row_view(&t, kind, el, probs, &self.circuit, None, None);
        if let Some(form) = form {
            r.form = Some(form_view(&t, kind, Some(el), form, probs));
        }
        let csrf = crate::auth::csrf::token(session);
        Ok(html(RowFragment::alone(csrf, r)?))
    }
}

/// The edit form of a row (htmx), or the editor page with that row being edited.
pub async fn edit_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    path: web::Path<(i64, String, String)>,
) -> AppResult<HttpResponse> {
    let row = DraftRow::load(&state, &access, path).await?;
    let form = FormState {
        values: None,
        errors: FieldErrors::new(),
        message: None,
    };
    if is_htmx(&req) {
        return row.fragment(&session, &access, Some(&form));
    }
    let input = PageInput {
        editing: Some(Editing::Row {
            kind: row.kind,
            id: row.id,
            state: form,
        }),
        ..Default::default()
    };
    Ok(html(render_editor(&state, &session, &access, input).await?))
}

/// A row as displayed (htmx: Cancel of an edit form); without htmx, back to the editor.
pub async fn show_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    path: web::Path<(i64, String, String)>,
) -> AppResult<HttpResponse> {
    let row = DraftRow::load(&state, &access, path).await?;
    if is_htmx(&req) {
        return row.fragment(&session, &access, None);
    }
    Ok(redirect(&format!(
        "/projects/{}/editor#{}",
        access.project_id(),
        row_dom_id(row.kind.key, &row.id)
    )))
}
