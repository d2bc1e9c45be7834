//! The second step of signing in (`/login/two-factor`): after a right password, a user with
//! two-factor sign-in enters a code from their app or a recovery code. Until then the session
//! holds only who is half signed in and since when (no user id: it grants nothing, and the
//! session store keeps it in the encrypted cookie like any anonymous state); it lapses after
//! `SECOND_STEP_TTL`. Codes are throttled like passwords.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::{Deserialize, Serialize};

use super::super::{html_status, redirect, safe_next};
use super::start_session;
use crate::models::RequestMeta;
use crate::ops::OpError;
use crate::ops::accounts::AccountRefusal;
use crate::ops::accounts::two_factor as op;
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::page::Page;

/// The session key of the half-signed-in state.
const KEY: &str = "second_step";
/// How long the second step waits for its code after the password.
pub const SECOND_STEP_TTL: u64 = 5 * 60;

#[derive(Debug, Clone, Serialize, Deserialize)]
struct SecondStep {
    user_id: i64,
    /// When the password was right (Unix seconds).
    at: u64,
    next: String,
}

/// Starts the second step for `user_id` (after a right password); `next` is where to go after.
pub fn begin(session: &Session, user_id: i64, next: &str) -> AppResult<()> {
    // A new key: whatever state the visitor had before the password does not carry over.
    session.renew();
    session.remove(KEY);
    session
        .insert(
            KEY,
            SecondStep {
                user_id,
                at: crate::auth::two_factor::unix_now(),
                next: next.to_string(),
            },
        )
        .map_err(|e| AppError::Internal(format!("session: {e}")))
}

/// The second step in progress, if it has not lapsed.
fn current(session: &Session) -> Option<SecondStep> {
    let step = session.get::<SecondStep>(KEY).ok().flatten()?;
    let age = crate::auth::two_factor::unix_now().saturating_sub(step.at);
    if age > SECOND_STEP_TTL {
        session.remove(KEY);
        return None;
    }
    Some(step)
}

#[derive(Template)]
#[template(path = "auth/two_factor.html")]
struct StepPage {
    page: Page,
    errors: FieldErrors,
}

fn step_page(
    session: &Session,
    status: StatusCode,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let view = StepPage {
        page: Page::anonymous(session, "Two-factor sign-in"),
        errors,
    };
    Ok(html_status(status, view.render()?))
}

/// Back to the password with a message (the step lapsed or was never started).
fn start_over(session: &Session) -> HttpResponse {
    session.remove(KEY);
    crate::web::page::flash(
        session,
        "info",
        AccountRefusal::SecondStepExpired.to_string(),
    );
    redirect("/login")
}

pub async fn form(session: Session) -> AppResult<HttpResponse> {
    if current(&session).is_none() {
        return Ok(start_over(&session));
    }
    step_page(&session, StatusCode::OK, FieldErrors::default())
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

pub async fn submit(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    form: web::Form<CodeForm>,
) -> AppResult<HttpResponse> {
    let Some(step) = current(&session) else {
        return Ok(start_over(&session));
    };
    let limits = state.config.login_throttle.clone();
    let begun = {
        let (limits, meta, user_id) = (limits.clone(), meta.clone(), step.user_id);
        state
            .op(move |conn| op::begin_sign_in(conn, &limits, &meta, user_id))
            .await
    };
    let pending = match begun {
        Ok(p) => p,
        Err(e) => return refused(&session, e),
    };
    if !pending.delay.is_zero() {
        actix_web::rt::time::sleep(pending.delay).await;
    }
    let (key, m, user_id, code) = (
        state.two_factor_key.clone(),
        meta.clone(),
        step.user_id,
        form.into_inner().code,
    );
    let finished = state
        .op(move |conn| op::finish_sign_in(conn, &limits, &m, &key, pending, user_id, &code))
        .await;
    match finished {
        Ok(user) => {
            start_session(&session, user.id, &meta)?;
            Ok(redirect(&safe_next(Some(&step.next))))
        }
        Err(e) => refused(&session, e),
    }
}

fn refused(session: &Session, e: OpError) -> AppResult<HttpResponse> {
    let mut errors = FieldErrors::default();
    match e {
        OpError::Account(r @ AccountRefusal::Locked { retry_after }) => {
            errors.add("", r.to_string());
            let mut res = step_page(session, StatusCode::TOO_MANY_REQUESTS, errors)?;
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after.as_secs()));
            Ok(res)
        }
        OpError::Account(r @ (AccountRefusal::WrongCode | AccountRefusal::CodeReused)) => {
            errors.add("code", r.to_string());
            step_page(session, StatusCode::UNPROCESSABLE_ENTITY, errors)
        }
        OpError::Account(AccountRefusal::SecondStepExpired) => Ok(start_over(session)),
        OpError::Account(r @ AccountRefusal::Deactivated) => {
            session.remove(KEY);
            errors.add("", r.to_string());
            step_page(session, StatusCode::FORBIDDEN, errors)
        }
        e => Err(e.into()),
    }
}
