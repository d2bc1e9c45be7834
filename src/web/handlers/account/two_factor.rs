//! `/account/two-factor`: setting up two-factor sign-in (QR code and key, confirmed by a first
//! code; the recovery codes shown once), new recovery codes and turning it off (each with the
//! password and a current code). Codes are throttled like passwords. The rules live in
//! `ops::accounts::two_factor`.

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::http::header::{HeaderValue, RETRY_AFTER};
use actix_web::{HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::super::{html, html_status, redirect};
use super::TWO_FACTOR_PAGE;
use crate::ops::OpError;
use crate::ops::accounts::AccountRefusal;
use crate::ops::accounts::two_factor::{self as op, Setup};
use crate::ops::input::FieldErrors;
use crate::web::AppState;
use crate::web::errors::AppResult;
use crate::web::extractors::CurrentUser;
use crate::web::page::{Page, flash, local_time};

#[derive(Template)]
#[template(path = "account/two_factor.html")]
struct TwoFactorPage {
    page: Page,
    enabled_at: Option<String>,
    recovery_left: i64,
    required: bool,
    setup: Option<Setup>,
    errors: FieldErrors,
}

#[derive(Template)]
#[template(path = "account/recovery_codes.html")]
struct CodesPage {
    page: Page,
    heading: &'static str,
    codes: Vec<String>,
    next: &'static str,
}

/// The page (with `errors` beside their fields, and this status).
async fn page(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    status: StatusCode,
    errors: FieldErrors,
) -> AppResult<HttpResponse> {
    let (actor, key) = (me.actor(), state.two_factor_key.clone());
    let o = state
        .op(move |conn| op::overview(conn, &actor, &key))
        .await?;
    let view = TwoFactorPage {
        page: Page::new(session, "Two-factor sign-in", Some(me), "/account"),
        enabled_at: o.enabled_at.map(|t| local_time(&t, &me.user.timezone)),
        recovery_left: o.recovery_left,
        required: o.required,
        setup: o.setup,
        errors,
    };
    Ok(html_status(status, view.render()?))
}

pub async fn show(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
) -> AppResult<HttpResponse> {
    page(
        &state,
        &session,
        &me,
        StatusCode::OK,
        FieldErrors::default(),
    )
    .await
}

/// Starts (or restarts) a set-up: a new key waiting for its first code.
pub async fn setup(state: web::Data<AppState>, me: CurrentUser) -> AppResult<HttpResponse> {
    let (actor, key) = (me.actor(), state.two_factor_key.clone());
    match state.op(move |conn| op::start(conn, &actor, &key)).await {
        Ok(()) | Err(OpError::Account(AccountRefusal::TwoFactorAlreadyOn)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(redirect(TWO_FACTOR_PAGE))
}

/// The page again after a refused code: the message beside `field` (the whole form for a
/// refusal that is not about a field), 429 with `Retry-After` while locked.
async fn refused(
    state: &AppState,
    session: &Session,
    me: &CurrentUser,
    e: OpError,
    (password_field, code_field): (&'static str, &'static str),
) -> AppResult<HttpResponse> {
    let mut errors = FieldErrors::default();
    let (status, retry) = match e {
        OpError::Account(r @ AccountRefusal::Locked { retry_after }) => {
            errors.add("", r.to_string());
            (StatusCode::TOO_MANY_REQUESTS, Some(retry_after))
        }
        OpError::Account(r @ AccountRefusal::WrongCurrentPassword) => {
            errors.add(password_field, r.to_string());
            (StatusCode::UNPROCESSABLE_ENTITY, None)
        }
        OpError::Account(r @ (AccountRefusal::WrongCode | AccountRefusal::CodeReused)) => {
            errors.add(code_field, r.to_string());
            (StatusCode::UNPROCESSABLE_ENTITY, None)
        }
        OpError::Account(
            r @ (AccountRefusal::TwoFactorAlreadyOn
            | AccountRefusal::TwoFactorOff
            | AccountRefusal::NoPendingSetup),
        ) => {
            errors.add("", r.to_string());
            (StatusCode::CONFLICT, None)
        }
        e => return Err(e.into()),
    };
    let mut res = page(state, session, me, status, errors).await?;
    if let Some(retry) = retry {
        res.headers_mut()
            .insert(RETRY_AFTER, HeaderValue::from(retry.as_secs()));
    }
    Ok(res)
}

/// Claims a code attempt and waits the throttle's delay.
async fn begin(state: &AppState, me: &CurrentUser) -> Result<op::Pending, OpError> {
    let (actor, limits) = (me.actor(), state.config.login_throttle.clone());
    let pending = state
        .op(move |conn| op::begin(conn, &limits, &actor))
        .await?;
    if !pending.delay.is_zero() {
        actix_web::rt::time::sleep(pending.delay).await;
    }
    Ok(pending)
}

fn codes_page(
    session: &Session,
    me: &CurrentUser,
    heading: &'static str,
    codes: Vec<String>,
) -> AppResult<HttpResponse> {
    let view = CodesPage {
        page: Page::new(session, heading, Some(me), "/account"),
        heading,
        codes,
        next: TWO_FACTOR_PAGE,
    };
    Ok(html(view.render()?))
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    code: String,
}

pub async fn confirm(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let fields = ("password", "code");
    let pending = match begin(&state, &me).await {
        Ok(p) => p,
        Err(e) => return refused(&state, &session, &me, e, fields).await,
    };
    let (actor, limits, key) = (
        me.actor(),
        state.config.login_throttle.clone(),
        state.two_factor_key.clone(),
    );
    let code = form.into_inner().code;
    match state
        .op(move |conn| op::confirm(conn, &limits, &actor, &key, pending, &code))
        .await
    {
        Ok(codes) => codes_page(
            &session,
            &me,
            "Two-factor sign-in is on: your recovery codes",
            codes,
        ),
        Err(e) => refused(&state, &session, &me, e, fields).await,
    }
}

#[derive(Deserialize)]
pub struct ProofForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    code: String,
}

pub async fn regenerate(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    form: web::Form<ProofForm>,
) -> AppResult<HttpResponse> {
    let fields = ("password", "code");
    let pending = match begin(&state, &me).await {
        Ok(p) => p,
        Err(e) => return refused(&state, &session, &me, e, fields).await,
    };
    let (actor, limits, key) = (
        me.actor(),
        state.config.login_throttle.clone(),
        state.two_factor_key.clone(),
    );
    let f = form.into_inner();
    match state
        .op(move |conn| {
            op::regenerate_recovery_codes(
                conn,
                &limits,
                &actor,
                &key,
                pending,
                (&f.password, &f.code),
            )
        })
        .await
    {
        Ok(codes) => codes_page(&session, &me, "Your new recovery codes", codes),
        Err(e) => refused(&state, &session, &me, e, fields).await,
    }
}

#[derive(Deserialize)]
pub struct DisableForm {
    #[serde(default)]
    off_password: String,
    #[serde(default)]
    off_code: String,
}

pub async fn disable(
    state: web::Data<AppState>,
    session: Session,
    me: CurrentUser,
    form: web::Form<DisableForm>,
) -> AppResult<HttpResponse> {
    let fields = ("off_password", "off_code");
    let pending = match begin(&state, &me).await {
        Ok(p) => p,
        Err(e) => return refused(&state, &session, &me, e, fields).await,
    };
    let (actor, limits, key) = (
        me.actor(),
        state.config.login_throttle.clone(),
        state.two_factor_key.clone(),
    );
    let f = form.into_inner();
    match state
        .op(move |conn| {
            op::disable(
                conn,
                &limits,
                &actor,
                &key,
                pending,
                (&f.off_password, &f.off_code),
            )
        })
        .await
    {
        Ok(()) => {
            flash(&session, "success", "Two-factor sign-in is off.");
            Ok(redirect(TWO_FACTOR_PAGE))
        }
        Err(e) => refused(&state, &session, &me, e, fields).await,
    }
}
