//! First start: no default password exists. While no platform admin exists, each start logs a
//! one-time setup link; opening it lets the operator create the platform admin.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::auth::{check_person, unique_violation};
use super::{html, html_status, redirect};
use crate::auth::password;
use crate::db::{DbConn, write_tx};
use crate::models::audit::{self, Actor, Entry};
use crate::models::auth_token::{self, Purpose};
use crate::models::user::{self, NewUser};
use crate::models::{RequestMeta, company, role};
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
    form: SetupForm,
    errors: FormErrors,
}

#[derive(Deserialize, Default, Clone)]
pub struct SetupForm {
    #[serde(default)]
    company_name: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    username: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn token_valid(state: &AppState, token: &str) -> AppResult<bool> {
    let t = token.to_string();
    state
        .db(move |conn| Ok(auth_token::peek(conn, Purpose::Setup, &t)?.is_some()))
        .await
}

/// A used, expired or unknown setup link is simply not there.
fn invalid() -> AppResult<HttpResponse> {
    Err(AppError::NotFound)
}

pub async fn form(
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    if !token_valid(&state, &token).await? {
        return invalid();
    }
    let page = SetupPage {
        page: Page::new(&session, "Set up AmpFlux", None, ""),
        token,
        form: SetupForm {
            company_name: "Platform operations".into(),
            ..SetupForm::default()
        },
        errors: FormErrors::default(),
    };
    Ok(html(page.render()?))
}

pub async fn submit(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    token: web::Path<String>,
    form: web::Form<SetupForm>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    if !token_valid(&state, &token).await? {
        return invalid();
    }
    let mut form = form.into_inner();
    form.company_name = form.company_name.trim().to_string();
    form.name = form.name.trim().to_string();
    form.username = form.username.trim().to_lowercase();
    form.email = form.email.trim().to_lowercase();
    let mut errors = FormErrors::default();
    if form.company_name.chars().count() < 2 || form.company_name.chars().count() > 200 {
        errors.add(
            "company_name",
            "Enter the operator's organisation (2 to 200 characters).",
        );
    }
    check_person(
        &form.name,
        &form.username,
        &form.email,
        &form.password,
        &form.company_name,
        &mut errors,
    );
    let rerender =
        |errors: FormErrors, form: SetupForm, token: String| -> AppResult<HttpResponse> {
            let page = SetupPage {
                page: Page::new(&session, "Set up AmpFlux", None, ""),
                token,
                form: SetupForm {
                    password: String::new(),
                    ..form
                },
                errors,
            };
            Ok(html_status(
                StatusCode::UNPROCESSABLE_ENTITY,
                page.render()?,
            ))
        };
    if !errors.is_empty() {
        return rerender(errors, form, token);
    }
    let pw = form.password.clone();
    let hash = web::block(move || password::hash(&pw)).await??;
    let f = form.clone();
    let tok = token.clone();
    let outcome = state
        .db(move |conn| {
            let result = write_tx(conn, |conn| {
                if auth_token::consume(conn, Purpose::Setup, &tok)?.is_none() {
                    return Ok(None);
                }
                let company = company::create(conn, &f.company_name, &f.email)?;
                let admin = user::create(
                    conn,
                    NewUser {
                        company_id: company.id,
                        name: &f.name,
                        username: &f.username,
                        email: &f.email,
                        password_hash: &hash,
                        timezone: "UTC",
                        email_verified: true,
                    },
                )?;
                role::assign(conn, admin.id, role::PLATFORM_ADMIN, None)?;
                let actor = Actor { company_id: company.id, user_id: Some(admin.id), meta: meta.clone() };
                audit::record(
                    conn,
                    &actor,
                    Entry::success("company.create", "company", Some(company.id))
                        .after(serde_json::json!({ "name": company.name, "slug": company.slug, "code": company.code })),
                )?;
                audit::record(
                    conn,
                    &actor,
                    Entry::success("platform.setup", "user", Some(admin.id))
                        .after(admin.audit_snapshot())
                        .details(serde_json::json!({ "roles": [role::PLATFORM_ADMIN] })),
                )?;
                Ok::<_, diesel::result::Error>(Some(admin))
            });
            match result {
                Ok(v) => Ok(Ok(v)),
                Err(e) if unique_violation(&e).is_some() => Ok(Err(())),
                Err(e) => Err(AppError::from(e)),
            }
        })
        .await?;
    match outcome {
        Ok(Some(_)) => {
            flash(
                &session,
                "success",
                "The platform admin account is ready. Sign in with it.",
            );
            Ok(redirect("/login"))
        }
        Ok(None) => invalid(),
        Err(()) => {
            let mut errors = FormErrors::default();
            errors.add(
                "username",
                "This username or email address is taken; choose another.",
            );
            rerender(errors, form, token)
        }
    }
}
