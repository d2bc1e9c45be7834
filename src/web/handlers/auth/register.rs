//! Self-service sign-up at `/register`: a company and its first user.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::super::{redirect, render};
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

impl RegisterPage {
    /// The form, empty or again with `errors`; the password is never sent back.
    fn new(session: &Session, form: NewAccount, errors: FieldErrors) -> Self {
        let page = Page::anonymous(session, "Create a company account");
        let form = form.without_password();
        RegisterPage { page, form, errors }
    }
}

pub async fn register_form(session: Session) -> AppResult<HttpResponse> {
    if session_user_id(&session).is_some() {
        return Ok(redirect("/"));
    }
    let page = RegisterPage::new(&session, NewAccount::default(), FieldErrors::default());
    render(StatusCode::OK, &page)
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
        // The same answer whether or not the address had an account (its owner got a mail).
        Ok(signup::SignUp::Created(_) | signup::SignUp::AddressInUse) => {
            flash(
                &session,
                "success",
                format!(
                    "Your company account is ready. We have sent a link to {}: open it to verify your address, then sign in.",
                    input.email
                ),
            );
            Ok(redirect("/login"))
        }
        Err(OpError::Invalid(errors)) => {
            let page = RegisterPage::new(&session, input, errors);
            render(StatusCode::UNPROCESSABLE_ENTITY, &page)
        }
        Err(e) => Err(e.into()),
    }
}
