//! What a company admin does to a user from the user's page: change the company role,
//! deactivate, reactivate, send a password-reset mail, delete, end sessions. A change answers
//! with a redirect (htmx: a full navigation) and a message; a refusal shows the user's page
//! again with the reason (409, or 422 for a wrong field and for htmx, which swaps it).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::render_user;
use crate::ops::OpError;
use crate::ops::admin::user_changes as changes;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::handlers::circuit::done;
use crate::web::handlers::is_htmx;
use crate::web::page::flash;

/// The answer to a change of user `id`: `Ok` carries the message and where to go next.
async fn respond(
    req: &HttpRequest,
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    id: i64,
    outcome: Result<(String, String), OpError>,
) -> AppResult<HttpResponse> {
    let (status, error) = match outcome {
        Ok((message, location)) => {
            flash(session, "success", message);
            return Ok(done(req, &location));
        }
        Err(OpError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors.summary()),
        Err(OpError::People(refusal)) if is_htmx(req) => {
            (StatusCode::UNPROCESSABLE_ENTITY, refusal.to_string())
        }
        Err(OpError::People(refusal)) => (StatusCode::CONFLICT, refusal.to_string()),
        Err(e) => return Err(e.into()),
    };
    render_user(state, session, me, id, status, Some(error)).await
}

fn back(id: i64) -> String {
    format!("/admin/users/{id}")
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn change_role(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
    form: web::Form<RoleForm>,
) -> AppResult<HttpResponse> {
    let (id, actor, role) = (id.into_inner(), me.actor(), form.into_inner().role);
    let outcome = state
        .op(move |conn| changes::change_role(conn, &actor, id, &role))
        .await
        .map(|roles| (format!("Roles are now: {}.", roles.join(", ")), back(id)));
    respond(&req, &state, &session, &me, id, outcome).await
}

pub async fn deactivate(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (id.into_inner(), me.actor());
    let outcome = state
        .op(move |conn| changes::deactivate(conn, &actor, id))
        .await
        .map(|ended| {
            (
                format!("The user is deactivated; {ended} session(s) ended."),
                back(id),
            )
        });
    respond(&req, &state, &session, &me, id, outcome).await
}

pub async fn reactivate(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (id.into_inner(), me.actor());
    let outcome = state
        .op(move |conn| changes::reactivate(conn, &actor, id))
        .await
        .map(|()| ("The user is active again.".to_string(), back(id)));
    respond(&req, &state, &session, &me, id, outcome).await
}

pub async fn password_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, actor, base_url) = (id.into_inner(), me.actor(), state.config.base_url.clone());
    let outcome = state
        .op(move |conn| changes::send_password_reset(conn, &actor, &base_url, id))
        .await
        .map(|u| {
            (
                format!("A password reset link was sent to {}.", u.email),
                back(id),
            )
        });
    respond(&req, &state, &session, &me, id, outcome).await
}

pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (id.into_inner(), me.actor());
    let outcome = state
        .op(move |conn| changes::delete(conn, &actor, id))
        .await
        .map(|u| {
            (
                format!("{} was deleted; their seat is free.", u.name),
                "/admin/users".to_string(),
            )
        });
    respond(&req, &state, &session, &me, id, outcome).await
}

pub async fn revoke_session(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    path: web::Path<(i64, String)>,
) -> AppResult<HttpResponse> {
    let (id, public_id) = path.into_inner();
    let actor = me.actor();
    let outcome = state
        .op(move |conn| changes::revoke_session(conn, &actor, id, &public_id))
        .await
        .map(|()| ("The session was ended.".to_string(), back(id)));
    respond(&req, &state, &session, &me, id, outcome).await
}

pub async fn revoke_all_sessions(
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    id: web::Path<i64>,
) -> AppResult<HttpResponse> {
    let (id, actor) = (id.into_inner(), me.actor());
    let outcome = state
        .op(move |conn| changes::revoke_all_sessions(conn, &actor, id))
        .await
        .map(|ended| (format!("{ended} session(s) ended."), back(id)));
    respond(&req, &state, &session, &me, id, outcome).await
}
