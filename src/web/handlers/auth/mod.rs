//! Signing up, in and out; first setup; email verification and password reset by one-time
//! links. The rules live in `ops::accounts`.

pub mod invitation;
pub mod login;
pub mod password_reset;
pub mod register;
pub mod setup;
pub mod two_factor;
pub mod verify;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use askama::Template;

use super::html_status;
use crate::auth::session_store::{KEY_IP, KEY_PUBLIC_ID, KEY_USER_AGENT, KEY_USER_ID};
use crate::models::RequestMeta;
use crate::web::errors::{AppError, AppResult};
use crate::web::page::Page;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/setup/{token}", web::get().to(setup::form))
        .route("/setup/{token}", web::post().to(setup::submit))
        .route("/login", web::get().to(login::login_form))
        .route("/login", web::post().to(login::login))
        .route("/login/two-factor", web::get().to(two_factor::form))
        .route("/login/two-factor", web::post().to(two_factor::submit))
        .route("/logout", web::post().to(login::logout))
        .route("/register", web::get().to(register::register_form))
        .route("/register", web::post().to(register::register))
        .route("/verify-email/{token}", web::get().to(verify::verify_email))
        .route(
            "/password/forgot",
            web::get().to(password_reset::forgot_form),
        )
        .route("/password/forgot", web::post().to(password_reset::forgot))
        .route(
            "/password/reset/{token}",
            web::get().to(password_reset::reset_form),
        )
        .route(
            "/password/reset/{token}",
            web::post().to(password_reset::reset),
        )
        .route("/invitations/{token}", web::get().to(invitation::form))
        .route("/invitations/{token}", web::post().to(invitation::accept));
}

#[derive(Template)]
#[template(path = "auth/message.html")]
struct MessagePage {
    page: Page,
    heading: String,
    message: String,
    link: Option<(String, String)>,
}

/// A page with one message and a link onwards (what a one-time link did, or why it did not).
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

/// A one-time link that does not work: 400 with the refusal's message.
fn link_refused(
    session: &Session,
    refusal: &dyn std::fmt::Display,
    link: (&str, &str),
) -> AppResult<HttpResponse> {
    message_page(
        session,
        StatusCode::BAD_REQUEST,
        "This link does not work",
        &refusal.to_string(),
        Some(link),
    )
}

/// A new session for a user who just signed in (by password, or by accepting an invitation): a
/// fresh key (renew), a public id, a new CSRF token.
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
