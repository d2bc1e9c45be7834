//! Row actions: add, change and delete an element of the draft (htmx answers with the changed
//! row or table; without htmx a redirect back, or the page again with the refusals), and the
//! display and edit rows htmx swaps in.

use std::collections::HashMap;

use actix_session::Session;
use actix_web::{HttpRequest, HttpResponse, web};

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

pub async fn add_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    path: web::Path<(i64, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let kind = kind_or_404(&path.1)?;
    let values = form_map(form.into_inner());
    let input = AddRow {
        kind: kind.key.to_string(),
        values: values.clone(),
    };
    let result = run(&state, &access, |c, a, p| circuits::add_row(c, a, p, input)).await;
    let asked = Asked {
        kind,
        op: RowOp::Add,
        element: String::new(),
        values,
    };
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
    let (_, kind_key, element) = path.into_inner();
    let kind = kind_or_404(&kind_key)?;
    let values = form_map(form.into_inner());
    let input = UpdateRow {
        kind: kind.key.to_string(),
        element: element.clone(),
        values: values.clone(),
    };
    let result = run(&state, &access, |c, a, p| {
        circuits::update_row(c, a, p, input)
    })
    .await;
    let asked = Asked {
        kind,
        op: RowOp::Update,
        element,
        values,
    };
    answer(&req, &state, &session, &access, asked, result).await
}

pub async fn delete_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    path: web::Path<(i64, String, String)>,
) -> AppResult<HttpResponse> {
    let (_, kind_key, element) = path.into_inner();
    let kind = kind_or_404(&kind_key)?;
    let input = DeleteRow {
        kind: kind.key.to_string(),
        element: element.clone(),
    };
    let result = run(&state, &access, |c, a, p| {
        circuits::delete_row(c, a, p, input)
    })
    .await;
    let asked = Asked {
        kind,
        op: RowOp::Delete,
        element,
        values: HashMap::new(),
    };
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

/// The draft (404 without the row `element` of `kind`), for the edit and display rows.
async fn draft_row(
    state: &AppState,
    access: &ProjectAccess,
    kind: &'static KindDef,
    element: &str,
) -> AppResult<(serde_json::Value, serde_json::Value)> {
    let circuit = run(state, access, circuits::draft).await?.data_json.0;
    let el = edit::find(&circuit, kind, element)
        .cloned()
        .ok_or(AppError::NotFound)?;
    Ok((circuit, el))
}

/// The edit form of a row (htmx), or the editor page with that row being edited.
pub async fn edit_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    path: web::Path<(i64, String, String)>,
) -> AppResult<HttpResponse> {
    let (_, kind_key, element) = path.into_inner();
    let kind = kind_or_404(&kind_key)?;
    let (circuit, el) = draft_row(&state, &access, kind, &element).await?;
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
        return Ok(html(render_editor(&state, &session, &access, input).await?));
    }
    let idx = circuits::check(&circuit);
    let t = TableCtx::editor(access.project_id(), true, "");
    let probs = idx.row(kind.key, &element);
    let mut r = row_view(&t, kind, &el, probs, &circuit, None);
    r.form = Some(form_view(&t, kind, Some(&el), &form_state, probs));
    let csrf = crate::auth::csrf::token(&session);
    Ok(html(RowFragment::alone(csrf, r)?))
}

/// A row as displayed (htmx: Cancel of an edit form); without htmx, back to the editor.
pub async fn show_row(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    access: ProjectAccess,
    path: web::Path<(i64, String, String)>,
) -> AppResult<HttpResponse> {
    let (_, kind_key, element) = path.into_inner();
    let kind = kind_or_404(&kind_key)?;
    let (circuit, el) = draft_row(&state, &access, kind, &element).await?;
    if !is_htmx(&req) {
        return Ok(redirect(&format!(
            "/projects/{}/editor#{}",
            access.project_id(),
            row_dom_id(kind.key, &element)
        )));
    }
    let idx = circuits::check(&circuit);
    let t = TableCtx::editor(access.project_id(), true, "");
    let r = row_view(&t, kind, &el, idx.row(kind.key, &element), &circuit, None);
    let csrf = crate::auth::csrf::token(&session);
    Ok(html(RowFragment::alone(csrf, r)?))
}
