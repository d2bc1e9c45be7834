//! Changing one's password (throttled like signing in).

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::{html_status, redirect};
use crate::ops::OpError;
use crate::ops::accounts::AccountRefusal;
use crate::ops::accounts::password_change::{self, ChangePassword};
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::page::{Page, flash};

#[derive(Template)]
#[template(path = "account/password.html")]
struct PasswordPage {
    page: Page,
    errors: FieldErrors,
}

fn password_page(
    session: &Session,
    me: &CurrentUser,
    status: StatusCode,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let page = PasswordPage {
        page: Page::new(session, "Change your password", Some(me), "/account"),
        errors,
    };
    Ok(html_status(status, page.render()?))
}

/// The page again with one message at the current password.
fn at_current(
    session: &Session,
    me: &CurrentUser,
    status: StatusCode,
    refusal: &AccountRefusal,
) -> AppResult<HttpResponse> {
    let mut errors = FieldErrors::default();
    errors.add("current_password", refusal.to_string());
    password_page(session, me, status, errors)
}

pub async fn password_form(session: Session, me: CurrentUser) -> AppResult<HttpResponse> {
    password_page(&session, &me, StatusCode::OK, FieldErrors::default())
}

#[derive(Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    form: web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let limits = state.config.login_throttle.clone();
    let begun = {
        let (actor, limits) = (me.actor(), limits.clone());
        state
            .op(move |conn| password_change::begin(conn, &limits, &actor))
            .await
    };
    let pending = match begun {
        Ok(pending) => pending,
        Err(OpError::Account(r @ AccountRefusal::Locked { .. })) => {
            return at_current(&session, &me, StatusCode::TOO_MANY_REQUESTS, &r);
        }
        Err(e) => return Err(e.into()),
    };
    if !pending.delay.is_zero() {
        actix_web::rt::time::sleep(pending.delay).await;
    }
    let (actor, keep) = (me.actor(), me.session_public_id.clone());
    let input = ChangePassword {
        current_password: form.current_password,
        new_password: form.new_password,
    };
    let changed = state
        .op(move |conn| {
            password_change::change(conn, &limits, &actor, keep.as_deref(), pending, input)
        })
        .await;
    let ended = match changed {
        Ok(ended) => ended,
        Err(OpError::Account(r @ AccountRefusal::WrongCurrentPassword)) => {
            return at_current(&session, &me, StatusCode::UNPROCESSABLE_ENTITY, &r);
        }
        Err(OpError::Invalid(errors)) => {
            return password_page(&session, &me, StatusCode::UNPROCESSABLE_ENTITY, errors);
        }
        Err(e) => return Err(e.into()),
    };
    let others = match ended {
        0 => String::new(),
        1 => " Your other session was signed out.".to_string(),
        n => format!(" Your {n} other sessions were signed out."),
    };
    flash(
        &session,
        "success",
        format!("Your password is changed.{others}"),
    );
    Ok(redirect("/account"))
}
