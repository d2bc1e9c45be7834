//! Self-service sign-up at `/register`: a company and its first user.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::super::{html_status, redirect};
use crate::models::RequestMeta;
use crate::ops::OpError;
use crate::ops::accounts::signup::{self, NewAccount};
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::session_user_id;
use crate::web::page::{Page, flash};

#[derive(Template)]
#[template(path = "auth/register.html")]
struct RegisterPage {
    page: Page,
    form: NewAccount,
    errors: FieldErrors,
}

fn register_page(
    session: &Session,
    status: StatusCode,
    form: NewAccount,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let page = RegisterPage {
        page: Page::new(session, "Create a company account", None, ""),
        form: form.without_password(),
        errors,
    };
    Ok(html_status(status, page.render()?))
}

pub async fn register_form(session: Session) -> AppResult<HttpResponse> {
    if session_user_id(&session).is_some() {
        return Ok(redirect("/"));
    }
    register_page(
        &session,
        StatusCode::OK,
        NewAccount::default(),
        FieldErrors::default(),
    )
}

pub async fn register(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    form: web::Form<NewAccount>,
) -> AppResult<HttpResponse> {
    let input = form.into_inner().normalized();
    let (base_url, i) = (state.config.base_url.clone(), input.clone());
    let created = state
        .op(move |conn| signup::sign_up(conn, &meta, &base_url, i))
        .await;
    match created {
        Ok((user, mail)) => {
            mail.send_later(&state.mailer);
            flash(
                &session,
                "success",
                format!(
                    "Your company account is ready. We have sent a link to {}: open it to verify your address, then sign in.",
                    user.email
                ),
            );
            Ok(redirect("/login"))
        }
        Err(OpError::Invalid(errors)) => {
            register_page(&session, StatusCode::UNPROCESSABLE_ENTITY, input, errors)
        }
        Err(e) => Err(e.into()),
    }
}
