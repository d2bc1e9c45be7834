//! A forgotten password: asking for a reset link, and setting a new password through it.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::{html_status, redirect};
use super::link_refused;
use crate::models::RequestMeta;
use crate::ops::OpError;
use crate::ops::accounts::password_reset::{self as reset_op, ResetRequest};
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::page::{Page, flash};

#[derive(Template)]
#[template(path = "auth/forgot.html")]
struct ForgotPage {
    page: Page,
    email: String,
    errors: FieldErrors,
    sent: bool,
}

fn forgot_page(
    session: &Session,
    status: StatusCode,
    email: String,
    errors: FieldErrors,
    sent: bool,
) -> AppResult<HttpResponse> {
    let page = ForgotPage {
        page: Page::new(session, "Reset your password", None, ""),
        email,
        errors,
        sent,
    };
    Ok(html_status(status, page.render()?))
}

pub async fn forgot_form(session: Session) -> AppResult<HttpResponse> {
    forgot_page(
        &session,
        StatusCode::OK,
        String::new(),
        FieldErrors::default(),
        false,
    )
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

pub async fn forgot(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    form: web::Form<ForgotForm>,
) -> AppResult<HttpResponse> {
    let request = ResetRequest::new(&form.email);
    if let Err(OpError::Invalid(errors)) = request.check() {
        return forgot_page(
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            request.email,
            errors,
            false,
        );
    }
    let email = request.email.clone();
    // The lookup, the token and the mail happen after the answer is sent, so known and unknown
    // addresses get the same answer in the same time.
    let worker = state.clone();
    actix_web::rt::spawn(async move {
        let state = worker;
        let base_url = state.config.base_url.clone();
        let to_send = state
            .op(move |conn| reset_op::request_reset(conn, &meta, &base_url, &request))
            .await;
        match to_send {
            Err(e) => tracing::error!(error = %e, "password reset request failed"),
            Ok(None) => {}
            Ok(Some(mail)) => mail.send_later(&state.mailer),
        }
    });
    forgot_page(
        &session,
        StatusCode::OK,
        email,
        FieldErrors::default(),
        true,
    )
}

#[derive(Template)]
#[template(path = "auth/reset.html")]
struct ResetPage {
    page: Page,
    token: String,
    errors: FieldErrors,
}

fn reset_page(
    session: &Session,
    status: StatusCode,
    token: String,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let page = ResetPage {
        page: Page::new(session, "Choose a new password", None, ""),
        token,
        errors,
    };
    Ok(html_status(status, page.render()?))
}

const ASK_AGAIN: (&str, &str) = ("/password/forgot", "Reset your password");

pub async fn reset_form(
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let t = token.clone();
    match state.op(move |conn| reset_op::check_link(conn, &t)).await {
        Ok(()) => reset_page(&session, StatusCode::OK, token, FieldErrors::default()),
        Err(OpError::Account(r)) => link_refused(&session, &r, ASK_AGAIN),
        Err(e) => Err(e.into()),
    }
}

#[derive(Deserialize)]
pub struct ResetForm {
    password: String,
}

pub async fn reset(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    token: web::Path<String>,
    form: web::Form<ResetForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let (t, password) = (token.clone(), form.into_inner().password);
    let done = state
        .op(move |conn| reset_op::reset_password(conn, &meta, &t, &password))
        .await;
    match done {
        Ok(()) => {
            flash(
                &session,
                "success",
                "Your password is changed. Sign in with the new one.",
            );
            Ok(redirect("/login"))
        }
        Err(OpError::Invalid(errors)) => {
            reset_page(&session, StatusCode::UNPROCESSABLE_ENTITY, token, errors)
        }
        Err(OpError::Account(r)) => link_refused(&session, &r, ASK_AGAIN),
        Err(e) => Err(e.into()),
    }
}
