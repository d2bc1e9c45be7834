//! What a company admin does to a user from the user's page: change the company role,
//! deactivate, reactivate, send a password-reset mail, delete, end sessions. A change answers
//! with a redirect (htmx: a full navigation) and a message; a refusal shows the user's page
//! again with the reason (409, or 422 for a wrong field and for htmx, which swaps it).

use std::pin::Pin;

use actix_session::{Session, SessionExt};
use actix_web::dev::Payload;
use actix_web::http::StatusCode;
use actix_web::{FromRequest, HttpRequest, HttpResponse, web};
use serde::Deserialize;

use super::render_user;
use crate::db::DbConn;
use crate::ops::admin::user_changes as changes;
use crate::ops::{Actor, OpError};
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::extractors::CurrentUser;
use crate::web::handlers::circuit::done;
use crate::web::handlers::is_htmx;
use crate::web::page::flash;

/// The request a change answers: the signed-in user (anonymous requests go to the sign-in
/// page before anything else is read) with what answering needs.
pub struct Request {
    req: HttpRequest,
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
}

impl FromRequest for Request {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, AppError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let me = CurrentUser::from_request(req, payload);
        let req = req.clone();
        Box::pin(async move {
            let me = me.await?;
            let state = req
                .app_data::<web::Data<AppState>>()
                .cloned()
                .ok_or_else(|| AppError::Internal("application state missing".into()))?;
            let session = req.get_session();
            Ok(Request {
                req,
                state,
                session,
                me,
            })
        })
    }
}

impl Request {
    /// Runs `op` on user `id` as the signed-in admin; `said` turns its result into the message
    /// and the page to go to next.
    async fn run<T: Send + 'static>(
        self,
        id: i64,
        op: impl FnOnce(&mut DbConn, &Actor) -> Result<T, OpError> + Send + 'static,
        said: impl FnOnce(T) -> (String, String),
    ) -> AppResult<HttpResponse> {
        let actor = self.me.actor();
        let outcome = self.state.op(move |conn| op(conn, &actor)).await;
        let (status, error) = match outcome {
            Ok(result) => {
                let (message, location) = said(result);
                flash(&self.session, "success", message);
                return Ok(done(&self.req, &location));
            }
            Err(OpError::Invalid(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors.summary()),
            Err(OpError::People(refusal)) if is_htmx(&self.req) => {
                (StatusCode::UNPROCESSABLE_ENTITY, refusal.to_string())
            }
            Err(OpError::People(refusal)) => (StatusCode::CONFLICT, refusal.to_string()),
            Err(e) => return Err(e.into()),
        };
        render_user(
            &self.state,
            &self.session,
            &self.me,
            id,
            status,
            Some(error),
        )
        .await
    }
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
    r: Request,
    id: web::Path<i64>,
    form: web::Form<RoleForm>,
) -> AppResult<HttpResponse> {
    let (id, role) = (id.into_inner(), form.into_inner().role);
    let op = move |c: &mut DbConn, a: &Actor| changes::change_role(c, a, id, &role);
    let said = |roles: Vec<String>| (format!("Roles are now: {}.", roles.join(", ")), back(id));
    r.run(id, op, said).await
}

pub async fn deactivate(r: Request, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let op = move |c: &mut DbConn, a: &Actor| changes::deactivate(c, a, id);
    let said = |ended| {
        (
            format!("The user is deactivated; {ended} session(s) ended."),
            back(id),
        )
    };
    r.run(id, op, said).await
}

pub async fn reactivate(r: Request, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let op = move |c: &mut DbConn, a: &Actor| changes::reactivate(c, a, id);
    let said = |()| ("The user is active again.".to_string(), back(id));
    r.run(id, op, said).await
}

pub async fn password_reset(r: Request, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let (id, base_url) = (id.into_inner(), r.state.config.base_url.clone());
    let op = move |c: &mut DbConn, a: &Actor| changes::send_password_reset(c, a, &base_url, id);
    let said = |u: crate::models::user::User| {
        let message = format!("A password reset link was sent to {}.", u.email);
        (message, back(id))
    };
    r.run(id, op, said).await
}

pub async fn delete(r: Request, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let op = move |c: &mut DbConn, a: &Actor| changes::delete(c, a, id);
    let said = |u: crate::models::user::User| {
        let message = format!("{} was deleted; their seat is free.", u.name);
        (message, "/admin/users".to_string())
    };
    r.run(id, op, said).await
}

pub async fn revoke_session(r: Request, path: web::Path<(i64, String)>) -> AppResult<HttpResponse> {
    let (id, public_id) = path.into_inner();
    let op = move |c: &mut DbConn, a: &Actor| changes::revoke_session(c, a, id, &public_id);
    let said = |()| ("The session was ended.".to_string(), back(id));
    r.run(id, op, said).await
}

pub async fn revoke_all_sessions(r: Request, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let op = move |c: &mut DbConn, a: &Actor| changes::revoke_all_sessions(c, a, id);
    let said = |ended| (format!("{ended} session(s) ended."), back(id));
    r.run(id, op, said).await
}

pub async fn reset_two_factor(r: Request, id: web::Path<i64>) -> AppResult<HttpResponse> {
    let id = id.into_inner();
    let op = move |c: &mut DbConn, a: &Actor| changes::reset_two_factor(c, a, id);
    let said = |()| {
        (
            "Two-factor sign-in is reset: they sign in with their password and set it up again."
                .to_string(),
            back(id),
        )
    };
    r.run(id, op, said).await
}
