//! First start: no default password exists. While no platform admin exists, each start logs a
//! one-time setup link; opening it lets the operator create the platform admin.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::signup::{Creation, NewAccountForm, create_company_with_user, is_unique_violation};
use super::{html_status, redirect};
use crate::auth::password;
use crate::db::{DbConn, write_tx};
use crate::models::auth_token::{self, Purpose};
use crate::models::{RequestMeta, role, user};
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::forms::FormErrors;
use crate::web::page::{Page, flash};

/// Issues a fresh setup token when no platform admin exists (older links stop working) and
/// returns the link to log; `None` once set up.
pub fn setup_link_if_needed(
    conn: &mut DbConn,
    base_url: &str,
) -> diesel::QueryResult<Option<String>> {
    if user::platform_admin_exists(conn)? {
        return Ok(None);
    }
    let token = auth_token::issue(conn, None, Purpose::Setup)?;
    Ok(Some(format!("{base_url}/setup/{token}")))
}

#[derive(Template)]
#[template(path = "auth/setup.html")]
struct SetupPage {
    page: Page,
    token: String,
    form: NewAccountForm,
    errors: FormErrors,
}

fn setup_page(
    session: &Session,
    status: StatusCode,
    token: String,
    form: NewAccountForm,
    errors: FormErrors,
) -> AppResult<HttpResponse> {
    let page = SetupPage {
        page: Page::new(session, "Set up AmpFlux", None, ""),
        token,
        form: form.without_password(),
        errors,
    };
    Ok(html_status(status, page.render()?))
}

/// A setup link works only while no platform admin exists.
async fn token_valid(state: &AppState, token: &str) -> AppResult<bool> {
    let t = token.to_string();
    state
        .db(move |conn| {
            Ok(!user::platform_admin_exists(conn)?
                && auth_token::peek(conn, Purpose::Setup, &t)?.is_some())
        })
        .await
}

pub async fn form(
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    if !token_valid(&state, &token).await? {
        // A used, expired or unknown setup link is simply not there.
        return Err(AppError::NotFound);
    }
    let form = NewAccountForm {
        company_name: "Platform operations".into(),
        ..NewAccountForm::default()
    };
    setup_page(&session, StatusCode::OK, token, form, FormErrors::default())
}

pub async fn submit(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    token: web::Path<String>,
    form: web::Form<NewAccountForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    if !token_valid(&state, &token).await? {
        return Err(AppError::NotFound);
    }
    let form = form.into_inner().normalized();
    let mut errors = form.check("the operator's organisation");
    if errors.is_empty() {
        form.check_unique(&state, &mut errors).await?;
    }
    if !errors.is_empty() {
        return setup_page(
            &session,
            StatusCode::UNPROCESSABLE_ENTITY,
            token,
            form,
            errors,
        );
    }
    let pw = form.password.clone();
    let hash = web::block(move || password::hash(&pw)).await??;
    let (f, tok) = (form.clone(), token.clone());
    let outcome = state
        .db(move |conn| {
            let result = write_tx(conn, |conn| {
                // Consumed in the same transaction: the link creates one admin at most.
                if auth_token::consume(conn, Purpose::Setup, &tok)?.is_none()
                    || user::platform_admin_exists(conn)?
                {
                    return Ok(false);
                }
                let how = Creation {
                    role: role::PLATFORM_ADMIN,
                    email_verified: true,
                    via: "setup",
                    meta: &meta,
                    acting_user: true,
                };
                create_company_with_user(conn, &f, &hash, how)?;
                Ok::<_, diesel::result::Error>(true)
            });
            match result {
                Ok(created) => Ok(Some(created)),
                Err(e) if is_unique_violation(&e) => Ok(None),
                Err(e) => Err(AppError::from(e)),
            }
        })
        .await?;
    match outcome {
        Some(true) => {
            flash(
                &session,
                "success",
                "The platform admin account is ready. Sign in with it.",
            );
            Ok(redirect("/login"))
        }
        Some(false) => Err(AppError::NotFound),
        None => {
            let mut errors = FormErrors::default();
            errors.add(
                "username",
                "This username or email address was just taken; choose another.",
            );
            setup_page(
                &session,
                StatusCode::UNPROCESSABLE_ENTITY,
                token,
                form,
                errors,
            )
        }
    }
}
