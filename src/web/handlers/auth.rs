//! Signing up, in and out; email verification and password reset by one-time links.

use std::time::Duration;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;
use diesel::prelude::*;
use serde::Deserialize;

use super::{html, html_status, redirect, safe_next};
use crate::auth::password;
use crate::auth::session_store::{KEY_IP, KEY_PUBLIC_ID, KEY_USER_AGENT, KEY_USER_ID};
use crate::auth::throttle::{self, Subject, Verdict};
use crate::db::write_tx;
use crate::models::RequestMeta;
use crate::models::audit::{self, Actor, Entry};
use crate::models::auth_token::{self, Purpose};
use crate::models::security_event::{self, NewEvent, Severity};
use crate::models::user::{self, User};
use crate::web::AppState;
use crate::web::errors::{AppError, AppResult};
use crate::web::extractors::session_user_id;
use crate::web::forms::{FormErrors, valid_email};
use crate::web::page::{Page, flash};

// ---------------------------------------------------------------- sign in

#[derive(Template)]
#[template(path = "auth/login.html")]
struct LoginPage {
    page: Page,
    login: String,
    next: String,
    errors: FormErrors,
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
        errors: FormErrors::default(),
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

/// What the password check found, decided inside one blocking task.
enum Attempt {
    Locked(Duration),
    Failed,
    Inactive,
    Unverified(User),
    Success(User),
}

const WRONG_CREDENTIALS: &str = "Incorrect email, username or password.";

pub async fn login(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    form: web::Form<LoginForm>,
) -> AppResult<HttpResponse> {
    let form = form.into_inner();
    let next = safe_next(form.next.as_deref());
    let limits = state.config.login_throttle.clone();
    let login = form.login.trim().to_string();

    // Claim the attempt first (the same for known and unknown logins), then wait the delay.
    let (found, subject, claim) = {
        let (login, meta, limits) = (login.clone(), meta.clone(), limits.clone());
        state
            .db(move |conn| {
                let found = user::find_by_login(conn, &login)?;
                let subject = Subject {
                    key: throttle::subject_key(found.as_ref().map(|u| u.id), &login),
                    user_id: found.as_ref().map(|u| u.id),
                    company_id: found.as_ref().map(|u| u.company_id),
                };
                let claim = throttle::claim(
                    conn,
                    &limits,
                    &subject,
                    &meta,
                    security_event::LOGIN_FAILURE,
                    "Failed sign-in",
                )?;
                Ok((found, subject, claim))
            })
            .await?
    };
    let company_active = match &found {
        Some(u) => {
            let company_id = u.company_id;
            state
                .db(move |conn| Ok(crate::models::company::find(conn, company_id)?.is_active))
                .await?
        }
        None => true,
    };
    let attempt = match claim.verdict {
        Verdict::Locked { retry_after } => Attempt::Locked(retry_after),
        Verdict::Allow { delay } => {
            if !delay.is_zero() {
                actix_web::rt::time::sleep(delay).await;
            }
            let password = form.password;
            web::block(move || match found {
                None => {
                    password::verify_dummy(&password);
                    Attempt::Failed
                }
                Some(u) if !password::verify(&password, &u.password_hash) => Attempt::Failed,
                Some(u) if !u.is_active || !company_active => Attempt::Inactive,
                Some(u) if u.email_verified_at.is_none() => Attempt::Unverified(u),
                Some(u) => Attempt::Success(u),
            })
            .await?
        }
    };
    let render_error =
        |status: StatusCode, message: String, session: &Session| -> AppResult<HttpResponse> {
            let mut errors = FormErrors::default();
            errors.add("", message);
            let page = LoginPage {
                page: Page::new(session, "Sign in", None, ""),
                login: login.clone(),
                next: next.clone(),
                errors,
                notice: None,
            };
            Ok(html_status(status, page.render()?))
        };
    // Settles the provisional failure event of this attempt.
    let settle = |event_type: &'static str, severity: Severity, description: &'static str| {
        let id = claim.event_id;
        let state = state.clone();
        async move {
            match id {
                Some(id) => {
                    state
                        .db(move |conn| {
                            Ok(security_event::settle(
                                conn,
                                id,
                                event_type,
                                severity,
                                description,
                            )?)
                        })
                        .await
                }
                None => Ok(()),
            }
        }
    };

    match attempt {
        Attempt::Locked(retry_after) => {
            let (meta, subject) = (meta.clone(), subject.clone());
            state
                .db(move |conn| {
                    security_event::record(
                        conn,
                        &meta,
                        NewEvent {
                            user_id: subject.user_id,
                            company_id: subject.company_id,
                            event_type: "login.blocked",
                            subject_key: Some(subject.key.clone()),
                            severity: Severity::Warning,
                            description: "Sign-in refused while locked after repeated failures"
                                .into(),
                            metadata: serde_json::json!({}),
                        },
                    )?;
                    Ok(())
                })
                .await?;
            let mut res = render_error(
                StatusCode::TOO_MANY_REQUESTS,
                throttle::locked_message(retry_after),
                &session,
            )?;
            res.headers_mut().insert(
                actix_web::http::header::RETRY_AFTER,
                actix_web::http::header::HeaderValue::from(retry_after.as_secs()),
            );
            Ok(res)
        }
        Attempt::Failed | Attempt::Inactive => {
            let inactive = matches!(attempt, Attempt::Inactive);
            if inactive {
                // The password was right: not a guess, so it does not count towards a lockout.
                settle(
                    "login.inactive",
                    Severity::Warning,
                    "Sign-in refused: account or company deactivated",
                )
                .await?;
            } else {
                let (meta, subject) = (meta.clone(), subject.clone());
                state
                    .db(move |conn| Ok(throttle::after_failure(conn, &limits, &subject, &meta)?))
                    .await?;
            }
            let message = if inactive {
                "This account is deactivated. Ask your company administrator.".to_string()
            } else {
                WRONG_CREDENTIALS.to_string()
            };
            render_error(StatusCode::OK, message, &session)
        }
        Attempt::Unverified(u) => {
            settle(
                "login.unverified",
                Severity::Info,
                "Sign-in refused: email address not verified",
            )
            .await?;
            let user_id = u.id;
            let token = state
                .db(move |conn| {
                    Ok(auth_token::issue(
                        conn,
                        Some(user_id),
                        Purpose::VerifyEmail,
                    )?)
                })
                .await?;
            send_verification(&state, &u, &token);
            render_error(
                StatusCode::OK,
                format!(
                    "Your email address is not verified yet. We have sent a new link to {}; open it, then sign in.",
                    u.email
                ),
                &session,
            )
        }
        Attempt::Success(u) => {
            settle(security_event::LOGIN_SUCCESS, Severity::Info, "Signed in").await?;
            let user_id = u.id;
            state
                .db(move |conn| Ok(user::record_login(conn, user_id)?))
                .await?;
            start_session(&session, u.id, &meta)?;
            Ok(redirect(&next))
        }
    }
}

/// A new session for a signed-in user: a fresh key (renew), a public id, a new CSRF token.
pub fn start_session(session: &Session, user_id: i64, meta: &RequestMeta) -> AppResult<()> {
    session.renew();
    session.clear();
    let insert = |k: &str, v: serde_json::Value| {
        session
            .insert(k, v)
            .map_err(|e| AppError::Internal(format!("session: {e}")))
    };
    insert(KEY_USER_ID, serde_json::json!(user_id))?;
    insert(
        KEY_PUBLIC_ID,
        serde_json::json!(crate::util::random_token(16)),
    )?;
    insert(KEY_IP, serde_json::json!(meta.ip_address))?;
    insert(KEY_USER_AGENT, serde_json::json!(meta.user_agent))?;
    Ok(())
}

pub async fn logout(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
) -> AppResult<HttpResponse> {
    if let Some(user_id) = session_user_id(&session) {
        state
            .db(move |conn| {
                let company_id = user::find(conn, user_id)?.map(|u| u.company_id);
                security_event::record(
                    conn,
                    &meta,
                    NewEvent {
                        user_id: Some(user_id),
                        company_id,
                        event_type: "logout",
                        subject_key: None,
                        severity: Severity::Info,
                        description: "Signed out".into(),
                        metadata: serde_json::json!({}),
                    },
                )?;
                Ok(())
            })
            .await?;
    }
    session.purge();
    Ok(redirect("/login?signed_out=1"))
}

pub(crate) fn send_verification(state: &AppState, user: &User, token: &str) {
    let link = format!("{}/verify-email/{token}", state.config.base_url);
    let body = format!(
        "Hello {},\n\nPlease confirm your email address for AmpFlux by opening this link:\n\n{link}\n\nThe link works once and expires in 48 hours. If you did not create an account, ignore this mail.\n",
        user.name
    );
    state.mailer.send_later(
        user.name.clone(),
        user.email.clone(),
        "Confirm your email address".into(),
        body,
    );
}

// ---------------------------------------------------------------- one-time links

#[derive(Template)]
#[template(path = "auth/message.html")]
struct MessagePage {
    page: Page,
    heading: String,
    message: String,
    link: Option<(String, String)>,
}

fn message_page(
    session: &Session,
    status: StatusCode,
    heading: &str,
    message: &str,
    link: Option<(&str, &str)>,
) -> AppResult<HttpResponse> {
    let page = MessagePage {
        page: Page::new(session, heading, None, ""),
        heading: heading.into(),
        message: message.into(),
        link: link.map(|(h, l)| (h.to_string(), l.to_string())),
    };
    Ok(html_status(status, page.render()?))
}

pub async fn verify_email(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let verified = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                let Some(u) = auth_token::consume_for_user(conn, Purpose::VerifyEmail, &token)?
                else {
                    return Ok(None);
                };
                user::mark_email_verified(conn, u.id)?;
                let actor = Actor::user(&u, &meta);
                audit::record(
                    conn,
                    &actor,
                    Entry::success("user.verify_email", "user", Some(u.id))
                        .before(serde_json::json!({ "email_verified": false }))
                        .after(serde_json::json!({ "email_verified": true, "email": u.email })),
                )?;
                Ok::<_, AppError>(Some(u))
            })
        })
        .await?;
    match verified {
        Some(_) => message_page(
            &session,
            StatusCode::OK,
            "Email address verified",
            "Thank you: your email address is confirmed. You can sign in now.",
            Some(("/login", "Sign in")),
        ),
        None => message_page(
            &session,
            StatusCode::BAD_REQUEST,
            "This link does not work",
            "The link is invalid, was already used or has expired. Sign in to receive a new one.",
            Some(("/login", "Sign in")),
        ),
    }
}

#[derive(Template)]
#[template(path = "auth/forgot.html")]
struct ForgotPage {
    page: Page,
    email: String,
    errors: FormErrors,
    sent: bool,
}

pub async fn forgot_form(session: Session) -> AppResult<HttpResponse> {
    let page = ForgotPage {
        page: Page::new(&session, "Reset your password", None, ""),
        email: String::new(),
        errors: FormErrors::default(),
        sent: false,
    };
    Ok(html(page.render()?))
}

#[derive(Deserialize)]
pub struct ForgotForm {
    email: String,
}

/// Reset links per account per hour; more requests are answered the same but send nothing.
const RESETS_PER_HOUR: i64 = 5;

pub async fn forgot(
    state: web::Data<AppState>,
    session: Session,
    meta: RequestMeta,
    form: web::Form<ForgotForm>,
) -> AppResult<HttpResponse> {
    let email = form.into_inner().email.trim().to_lowercase();
    if !valid_email(&email) {
        let mut errors = FormErrors::default();
        errors.add("email", "Enter the email address of your account.");
        let page = ForgotPage {
            page: Page::new(&session, "Reset your password", None, ""),
            email,
            errors,
            sent: false,
        };
        return Ok(html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            page.render()?,
        ));
    }
    let lookup = email.clone();
    // The lookup, the token and the mail happen after the answer is sent, so known and unknown
    // addresses get the same answer in the same time.
    let worker = state.clone();
    actix_web::rt::spawn(async move {
        let state = worker;
        let to_send = state
            .db(move |conn| {
                write_tx(conn, |conn| {
                    let Some(u) = user::find_by_login(conn, &lookup)?
                        .filter(|u| u.is_active && u.email == lookup)
                    else {
                        return Ok(None);
                    };
                    let since = crate::util::now() - chrono::Duration::hours(1);
                    let recent = crate::db::schema::security_events::table
                        .filter(
                            crate::db::schema::security_events::event_type
                                .eq("password_reset.requested"),
                        )
                        .filter(crate::db::schema::security_events::user_id.eq(u.id))
                        .filter(crate::db::schema::security_events::created_at.gt(since))
                        .count()
                        .get_result::<i64>(conn)?;
                    security_event::record(
                        conn,
                        &meta,
                        NewEvent {
                            user_id: Some(u.id),
                            company_id: Some(u.company_id),
                            event_type: "password_reset.requested",
                            subject_key: None,
                            severity: Severity::Info,
                            description: "Password reset link requested".into(),
                            metadata: serde_json::json!({ "sent": recent < RESETS_PER_HOUR }),
                        },
                    )?;
                    if recent >= RESETS_PER_HOUR {
                        return Ok(None);
                    }
                    let token = auth_token::issue(conn, Some(u.id), Purpose::PasswordReset)?;
                    Ok::<_, AppError>(Some((u, token)))
                })
            })
            .await;
        match to_send {
            Err(e) => tracing::error!(error = %e, "password reset request failed"),
            Ok(None) => {}
            Ok(Some((u, token))) => {
                let link = format!("{}/password/reset/{token}", state.config.base_url);
                let body = format!(
                    "Hello {},\n\nSomeone asked to reset the password of your AmpFlux account. To choose a new password, open:\n\n{link}\n\nThe link works once and expires in one hour. If it was not you, ignore this mail: your password stays as it is.\n",
                    u.name
                );
                state.mailer.send_later(
                    u.name,
                    u.email,
                    "Reset your AmpFlux password".into(),
                    body,
                );
            }
        }
    });
    let page = ForgotPage {
        page: Page::new(&session, "Reset your password", None, ""),
        email,
        errors: FormErrors::default(),
        sent: true,
    };
    Ok(html(page.render()?))
}

#[derive(Template)]
#[template(path = "auth/reset.html")]
struct ResetPage {
    page: Page,
    token: String,
    errors: FormErrors,
}

pub async fn reset_form(
    state: web::Data<AppState>,
    session: Session,
    token: web::Path<String>,
) -> AppResult<HttpResponse> {
    let token = token.into_inner();
    let t = token.clone();
    let valid = state
        .db(move |conn| Ok(auth_token::peek(conn, Purpose::PasswordReset, &t)?.is_some()))
        .await?;
    if !valid {
        return invalid_reset_link(&session);
    }
    let page = ResetPage {
        page: Page::new(&session, "Choose a new password", None, ""),
        token,
        errors: FormErrors::default(),
    };
    Ok(html(page.render()?))
}

fn invalid_reset_link(session: &Session) -> AppResult<HttpResponse> {
    message_page(
        session,
        StatusCode::BAD_REQUEST,
        "This link does not work",
        "The password reset link is invalid, was already used or has expired. Ask for a new one.",
        Some(("/password/forgot", "Reset your password")),
    )
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
    let password_in = form.into_inner().password;
    let t = token.clone();
    let Some(owner) = state
        .db(move |conn| {
            Ok(
                match auth_token::peek(conn, Purpose::PasswordReset, &t)?.and_then(|t| t.user_id) {
                    Some(id) => user::find(conn, id)?,
                    None => None,
                },
            )
        })
        .await?
    else {
        return invalid_reset_link(&session);
    };
    let local = owner.email.split('@').next().unwrap_or("").to_string();
    if let Err(m) = password::check_policy(
        &password_in,
        &[&owner.name, &owner.username, &owner.email, &local],
    ) {
        let mut errors = FormErrors::default();
        errors.add("password", m);
        let page = ResetPage {
            page: Page::new(&session, "Choose a new password", None, ""),
            token,
            errors,
        };
        return Ok(html_status(
            StatusCode::UNPROCESSABLE_ENTITY,
            page.render()?,
        ));
    }
    let hash = web::block(move || password::hash(&password_in)).await??;
    let done = state
        .db(move |conn| {
            write_tx(conn, |conn| {
                // Consumed inside the transaction: a second use of the same link changes nothing.
                let Some(u) = auth_token::consume_for_user(conn, Purpose::PasswordReset, &token)?
                else {
                    return Ok(false);
                };
                user::set_password(conn, u.id, &hash)?;
                // Control of the mailbox is proven, so the address counts as verified.
                user::mark_email_verified(conn, u.id)?;
                let ended = crate::models::session::revoke_all_except(conn, u.id, None)?;
                let actor = Actor::user(&u, &meta);
                audit::record(
                    conn,
                    &actor,
                    Entry::success("user.password_reset", "user", Some(u.id))
                        .details(serde_json::json!({ "sessions_ended": ended })),
                )?;
                security_event::record(
                    conn,
                    &meta,
                    NewEvent {
                        user_id: Some(u.id),
                        company_id: Some(u.company_id),
                        event_type: "password_reset.completed",
                        subject_key: None,
                        severity: Severity::Warning,
                        description: "Password reset by emailed link; all sessions ended".into(),
                        metadata: serde_json::json!({ "sessions_ended": ended }),
                    },
                )?;
                Ok::<_, AppError>(true)
            })
        })
        .await?;
    if !done {
        return invalid_reset_link(&session);
    }
    flash(
        &session,
        "success",
        "Your password is changed. Sign in with the new one.",
    );
    Ok(redirect("/login"))
}
