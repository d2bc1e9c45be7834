//! Routes and handlers, one module per area.

pub mod account;
pub mod audit;
pub mod auth;
pub mod circuit;
pub mod dashboard;
pub mod health;
pub mod projects;
pub mod setup;
pub mod signup;
pub mod simulations;
pub mod versions;

use actix_web::{HttpRequest, HttpResponse, web};

use super::errors::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(dashboard::show))
        .route("/health/live", web::get().to(health::live))
        .route("/health/ready", web::get().to(health::ready))
        .route("/setup/{token}", web::get().to(setup::form))
        .route("/setup/{token}", web::post().to(setup::submit))
        .route("/login", web::get().to(auth::login_form))
        .route("/login", web::post().to(auth::login))
        .route("/logout", web::post().to(auth::logout))
        .route("/register", web::get().to(signup::register_form))
        .route("/register", web::post().to(signup::register))
        .route("/verify-email/{token}", web::get().to(auth::verify_email))
        .route("/password/forgot", web::get().to(auth::forgot_form))
        .route("/password/forgot", web::post().to(auth::forgot))
        .route("/password/reset/{token}", web::get().to(auth::reset_form))
        .route("/password/reset/{token}", web::post().to(auth::reset))
        .route("/account", web::get().to(account::profile_form))
        .route("/account/profile", web::post().to(account::update_profile))
        .route("/account/password", web::get().to(account::password_form))
        .route(
            "/account/password",
            web::post().to(account::change_password),
        )
        .route("/account/sessions", web::get().to(account::sessions))
        .route(
            "/account/sessions/revoke-others",
            web::post().to(account::revoke_others),
        )
        .route(
            "/account/sessions/{public_id}/revoke",
            web::post().to(account::revoke),
        )
        .route("/audit", web::get().to(audit::list))
        .route("/audit/{id}", web::get().to(audit::detail));
    projects::routes(cfg);
    circuit::routes(cfg);
    versions::routes(cfg);
    simulations::routes(cfg);
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// Is this an htmx request (which gets a fragment instead of a page)?
pub fn is_htmx(req: &HttpRequest) -> bool {
    req.headers().contains_key("hx-request")
}

/// A 200 HTML answer (a page, or a fragment for htmx: hence `Vary: HX-Request`).
pub fn html(body: String) -> HttpResponse {
    html_status(actix_web::http::StatusCode::OK, body)
}

/// An HTML answer with another status (422 for a form shown again with errors, 429 ...).
pub fn html_status(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header(("Vary", "HX-Request"))
        .body(body)
}

/// Post/redirect/get: 303 to `location`.
pub fn redirect(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, location.to_string()))
        .finish()
}

/// A local path to return to after signing in; anything else is `/`. Browsers drop tabs and
/// newlines from URLs and read `\` as `/`, so `/\t/evil.example` would become `//evil.example`:
/// a path with any control character, whitespace or backslash is refused outright.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && n.len() <= 2000
                && !n
                    .chars()
                    .any(|c| c.is_control() || c.is_whitespace() || c == '\\') =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_local() {
        assert_eq!(safe_next(Some("/audit?x=1")), "/audit?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/\n/evil.example")), "/");
        assert_eq!(safe_next(Some("/ /evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
