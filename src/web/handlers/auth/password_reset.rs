//! A forgotten password: asking for a reset link, and setting a new password through it.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::{redirect, render};
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

const FORGOT: &str = "Reset your password";

pub async fn forgot_form(session: Session) -> AppResult<HttpResponse> {
    let page = ForgotPage {
        page: Page::anonymous(&session, FORGOT),
        email: String::new(),
        errors: FieldErrors::default(),
        sent: false,
    };
    render(StatusCode::OK, &page)
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
        let page = ForgotPage {
            page: Page::anonymous(&session, FORGOT),
            email: request.email,
            errors,
            sent: false,
        };
        return render(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let email = request.email.clone();
    // The lookup, the token and the mail happen after the answer is sent, so known and unknown
    // addresses get the same answer in the same time.
    let worker = state.clone();
    actix_web::rt::spawn(async move {
        let state = worker;
        let base_url = state.config.base_url.clone();
        let queued = state
            .op(move |conn| reset_op::request_reset(conn, &meta, &base_url, &request))
            .await;
        if let Err(e) = queued {
            tracing::error!(error = %e, "password reset request failed");
        }
    });
    let page = ForgotPage {
        page: Page::anonymous(&session, FORGOT),
        email,
        errors: FieldErrors::default(),
        sent: true,
    };
    render(StatusCode::OK, &page)
}

#[derive(Template)]
#[template(path = "auth/reset.html")]
struct ResetPage {
    page: Page,
    token: String,
    errors: FieldErrors,
}

impl ResetPage {
    fn new(session: &Session, token: String, errors: FieldErrors) -> Self {
        let page = Page::anonymous(session, "Choose a new password");
        ResetPage {
            page,
            token,
            errors,
        }
    }
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
        Ok(()) => render(
            StatusCode::OK,
            &ResetPage::new(&session, token, FieldErrors::default()),
        ),
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
        Err(OpError::Invalid(errors)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &ResetPage::new(&session, token, errors),
        ),
        Err(OpError::Account(r)) => link_refused(&session, &r, ASK_AGAIN),
        Err(e) => Err(e.into()),
    }
}
