//! Signing in (throttled, the same for known and unknown logins) and out.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::{html, html_status, redirect, safe_next};
use super::start_session;
use crate::models::RequestMeta;
use crate::ops::OpError;
use crate::ops::accounts::AccountRefusal;
use crate::ops::accounts::sign_in::{self, SignedIn};
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::session_user_id;
use crate::web::page::Page;

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    page: Page,
    login: String,
    next: String,
    errors: FieldErrors,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    next: Option<String>,
    signed_out: Option<String>,
}

pub async fn login_form(session: Session, q: web::Query<LoginQuery>) -> AppResult<HttpResponse> {
    if session_user_id(&session).is_some() {
        return Ok(redirect(&safe_next(q.next.as_deref())));
    }
    let notice = q
        .signed_out
        .as_ref()
        .map(|_| "You have signed out.".to_string());
    let page = LoginPage {
        page: Page::new(&session, "Sign in", None, ""),
        login: String::new(),
        next: safe_next(q.next.as_deref()),
        errors: FieldErrors::default(),
        notice,
    };
    Ok(html(page.render()?))
}

#[derive(Deserialize)]
pub struct LoginForm {
    login: String,
    password: String,
    next: Option<String>,
}

/// The sign-in form again with a message about the whole form.
fn refused(
    session: &Session,
    status: StatusCode,
    login: String,
    next: String,
    message: String,
) -> AppResult<HttpResponse> {
    let mut errors = FieldErrors::default();
    errors.add("", message);
    let page = LoginPage {
        page: Page::new(session, "Sign in", None, ""),
        login,
        next,
        errors,
        notice: None,
    };
    Ok(html_status(status, page.render()?))
}

pub async fn login(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let login = form.login.trim().to_string();
    let limits = state.config.login_throttle.clone();

    // Claim the attempt first (the same for known and unknown logins), then wait the delay.
    let begun = {
        let (login, meta, limits) = (login.clone(), meta.clone(), limits.clone());
        state
            .op(move |conn| sign_in::begin(conn, &limits, &meta, &login))
            .await
    };
    let pending = match begun {
        Ok(pending) => pending,
        Err(OpError::Account(r @ AccountRefusal::Locked { retry_after })) => {
            let mut res = refused(
                &session,
                StatusCode::TOO_MANY_REQUESTS,
                login,
                next,
                r.to_string(),
            )?;
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry_after.as_secs()));
            return Ok(res);
        }
        Err(e) => return Err(e.into()),
    };
    if !pending.delay.is_zero() {
        actix_web::rt::time::sleep(pending.delay).await;
    }
    let (base_url, password, m) = (state.config.base_url.clone(), form.password, meta.clone());
    let finished = state
        .op(move |conn| sign_in::finish(conn, &limits, &m, &base_url, pending, &password))
        .await;
    match finished {
        Ok(SignedIn::User(u)) => {
            start_session(&session, u.id, &meta)?;
            Ok(redirect(&next))
        }
        Ok(SignedIn::SecondFactor { user_id }) => {
            super::two_factor::begin(&session, user_id, &next)?;
            Ok(redirect("/login/two-factor"))
        }
        Ok(SignedIn::Unverified { refusal }) => {
            refused(&session, StatusCode::OK, login, next, refusal.to_string())
        }
        Err(OpError::Account(
            r @ (AccountRefusal::WrongCredentials | AccountRefusal::Deactivated),
        )) => refused(&session, StatusCode::OK, login, next, r.to_string()),
        Err(e) => Err(e.into()),
    }
}

pub async fn logout(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
) -> AppResult<HttpResponse> {
    if let Some(user_id) = session_user_id(&session) {
        state
            .op(move |conn| sign_in::sign_out(conn, &meta, user_id))
            .await?;
    }
    session.purge();
    // Results pages are kept by the browser (`private, no-cache`, revalidated by entity tag):
    // signing out drops them, so nobody at this browser can bring them back without a session.
    let mut res = redirect("/login?signed_out=1");
    res.headers_mut().insert(
        actix_web::http::header::HeaderName::from_static("clear-site-data"),
        actix_web::http::header::HeaderValue::from_static("\"cache\""),
    );
    Ok(res)
}
