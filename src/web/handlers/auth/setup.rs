//! First start: the one-time setup link (logged while no platform admin exists) creates the
//! platform admin.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::super::{redirect, render};
use crate::models::RequestMeta;
use crate::ops::OpError;
use crate::ops::accounts::setup;
use crate::ops::accounts::signup::NewAccount;
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::page::{Page, flash};

pub use crate::ops::accounts::setup::setup_link_if_needed;

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupPage {
    page: Page,
    token: String,
    form: NewAccount,
    errors: FieldErrors,
}

impl SetupPage {
    /// The form, empty or again with `errors`; the password is never sent back.
    fn new(session: &Session, token: String, form: NewAccount, errors: FieldErrors) -> Self {
        let page = Page::anonymous(session, "Set up AmpFlux");
        let form = form.without_password();
        SetupPage {
            page,
            token,
            form,
            errors,
        }
    }
}

/// The setup form; a used, expired or unknown setup link is simply not there.
pub async fn form(
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let t = token.clone();
    state.op(move |conn| setup::check_link(conn, &t)).await?;
    let form = NewAccount {
        company_name: "Platform operations".into(),
        ..NewAccount::default()
    };
    let page = SetupPage::new(&session, token, form, FieldErrors::default());
    render(StatusCode::OK, &page)
}

pub async fn submit(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    token: web::Path<String>,
    form: web::Form<NewAccount>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let input = form.into_inner().normalized();
    let (t, i) = (token.clone(), input.clone());
    match state
        .op(move |conn| setup::set_up(conn, &meta, &t, i))
        .await
    {
        Ok(_) => {
            flash(
                &session,
                "success",
                "The platform admin account is ready. Sign in with it.",
            );
            Ok(redirect("/login"))
        }
        Err(OpError::Invalid(errors)) => render(
            StatusCode::UNPROCESSABLE_ENTITY,
            &SetupPage::new(&session, token, input, errors),
        ),
        Err(e) => Err(e.into()),
    }
}
