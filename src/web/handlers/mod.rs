//! Routes and handlers, one module per area.

pub mod account;
pub mod admin;
pub mod audit;
pub mod auth;
pub mod circuit;
pub mod dashboard;
pub mod health;
pub mod projects;
pub mod simulations;
pub mod versions;

/// The setup link is reached here too (tests create one).
pub use auth::setup;

use actix_web::{HttpRequest, HttpResponse, web};

use super::errors::AppError;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(dashboard::show));
    cfg.route("/favicon.ico", web::get().to(favicon));
    health::routes(cfg);
    auth::routes(cfg);
    account::routes(cfg);
    admin::routes(cfg);
    audit::routes(cfg);
    projects::routes(cfg);
    circuit::routes(cfg);
    versions::routes(cfg);
    simulations::routes(cfg);
}

/// The icon browsers ask for at `/favicon.ico` (also linked from every page): the SVG in
/// static/, built in so it answers whatever the static folder holds.
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/svg+xml")
        .insert_header(("Cache-Control", "public, max-age=86400"))
        .body(&include_bytes!("../../../static/favicon.svg")[..])
}

pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}

/// What no route answered: 405 with `Allow` where the path exists for another method (routes
/// are GET or POST; HEAD is answered as GET), else 404.
pub async fn unmatched(req: HttpRequest) -> Result<HttpResponse, AppError> {
    if !req.resource_map().has_resource(req.path()) {
        return Err(AppError::NotFound);
    }
    let allow = match *req.method() {
        // GET would have matched: the path takes POST only.
        actix_web::http::Method::GET => "POST",
        actix_web::http::Method::POST => "GET, HEAD",
        _ => "GET, HEAD, POST",
    };
    Err(AppError::MethodNotAllowed { allow })
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

/// A page or fragment rendered with this status (200, or 422 for a form shown again ...).
pub fn render(
    status: actix_web::http::StatusCode,
    page: &impl askama::Template,
) -> Result<HttpResponse, AppError> {
    Ok(html_status(status, page.render()?))
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
