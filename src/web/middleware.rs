//! Middleware, outermost first: request id and access log, security headers, (session), CSRF
//! (which also answers 503 when the session could not be loaded).

use std::time::Instant;

use actix_session::SessionExt;
use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::middleware::Next;
use actix_web::{Error, HttpMessage, web};
use tracing::Instrument;

use super::AppState;
use super::errors::AppError;
use crate::auth::csrf;
use crate::ops::audit::RefusedRequest;

/// The id of the request, also sent back as `X-Request-Id`.
#[derive(Clone, Debug)]
pub struct RequestId(pub String);

/// Gives each request an id and a tracing span, and logs one line per request. Only the route
/// pattern is logged, never the path or query, which may hold one-time tokens.
pub async fn request_context(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    // HEAD is answered as GET without the body (routes are registered for GET only).
    let head = req.method() == actix_web::http::Method::HEAD;
    if head {
        req.head_mut().method = actix_web::http::Method::GET;
    }
    let id = crate::util::random_token(8);
    req.extensions_mut().insert(RequestId(id.clone()));
    let span = tracing::info_span!(
        "request",
        request_id = %id,
        method = %req.method(),
        route = tracing::field::Empty
    );
    // Matching the route pattern again costs more than the rest of a cached page's logging;
    // only do it when the line is written.
    if !span.is_disabled() {
        let route = req.match_pattern();
        let route = route.as_deref().unwrap_or("<unmatched>");
        span.record("route", tracing::field::display(route));
    }
    let started = Instant::now();
    let json = super::errors::wants_json(req.headers());
    let mut res = next
        .call(req)
        .instrument(span.clone())
        .await?
        .map_into_boxed_body();
    if json {
        res = error_as_json(res);
    }
    if head {
        res = res.map_body(|_, _| BoxBody::new(()));
    }
    let status = res.status().as_u16();
    span.in_scope(|| {
        tracing::info!(
            status,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "request"
        )
    });
    if let Ok(v) = HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}

/// Replaces the page of an application error with its JSON form, keeping every header the
/// inner layers set (security headers, session cookie).
fn error_as_json(res: ServiceResponse<BoxBody>) -> ServiceResponse<BoxBody> {
    let Some((status, body)) = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>())
        .map(AppError::json_body)
    else {
        return res;
    };
    res.map_body(|head, _| {
        head.status = status;
        head.headers.remove(header::LOCATION);
        head.headers.remove("hx-redirect");
        head.headers.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json; charset=utf-8"),
        );
        BoxBody::new(body)
    })
}

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
     font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
     frame-ancestors 'none'";

/// Security headers on every response; `no-store` on everything but static files and responses
/// that chose their own caching.
pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let secure = req
        .app_data::<web::Data<AppState>>()
        .is_some_and(|s| s.config.secure_cookies);
    let is_static = req.path().starts_with("/static/");
    let is_htmx = req.headers().contains_key("hx-request");
    let mut res = next.call(req).await?.map_into_boxed_body();
    if is_static && res.status() == StatusCode::BAD_REQUEST {
        // A path the file service cannot parse (`/static/a:`): our 404, not its text.
        let (http_req, _) = res.into_parts();
        res = ServiceResponse::from_err(AppError::NotFound, http_req);
    }
    if is_htmx && res.status() == StatusCode::SEE_OTHER && res.headers().contains_key("hx-redirect")
    {
        // Sign-in needed (an ended session): htmx would follow a 303 and swap the sign-in page
        // into the fragment; a 401 with HX-Redirect makes it load the page instead.
        *res.response_mut().status_mut() = StatusCode::UNAUTHORIZED;
        res.headers_mut().remove(header::LOCATION);
    }
    let success = res.status().is_success() || res.status() == StatusCode::NOT_MODIFIED;
    let h = res.headers_mut();
    with_charset(h);
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(
        header::HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    if secure {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if is_static && success {
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=3600"),
        );
    } else if !h.contains_key(header::CACHE_CONTROL) {
        // Pages that answer conditional requests set their own (`private, no-cache`).
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    Ok(res)
}

/// JSON and JavaScript say their charset (UTF-8) like every text response.
fn with_charset(h: &mut header::HeaderMap) {
    let Some(ct) = h.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()) else {
        return;
    };
    let media = ct.split(';').next().unwrap_or("").trim();
    let needs = matches!(
        media,
        "application/json" | "application/javascript" | "text/javascript"
    ) && !ct.contains("charset");
    if needs && let Ok(v) = HeaderValue::from_str(&format!("{media}; charset=utf-8")) {
        h.insert(header::CONTENT_TYPE, v);
    }
}

/// Largest urlencoded body read to find the CSRF field; bigger forms must send the header.
const FORM_LIMIT: usize = 256 * 1024;

/// Refuses unsafe requests that do not come from our own pages with the session's token.
pub async fn csrf_guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let session = req.get_session();
    if crate::auth::session_store::unavailable(&session) {
        // The session could not be loaded: the database is out of reach. Every request gets
        // the app's 503 page (or JSON) with all its headers, not a signed-out page.
        return Ok(req.error_response(AppError::Unavailable));
    }
    if csrf::is_safe(req.method()) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    // The Host header itself, not X-Forwarded-Host (which a client can set).
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    // Our scheme is the base URL's (a TLS proxy in front forwards plain http to us).
    let scheme = req
        .app_data::<web::Data<AppState>>()
        .map(|s| site_scheme(&s.config.base_url))
        .unwrap_or("http");
    let origin_ok = csrf::same_origin(req.headers(), scheme, &host);

    let header_token = req
        .headers()
        .get(csrf::HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let sent = match header_token {
        Some(t) => Some(t),
        None if is_urlencoded(&req) => {
            let body = match read_body(&mut req).await {
                Ok(body) => body,
                Err(e) => return Ok(req.error_response(e)),
            };
            let token = csrf::token_in_form(&body);
            req.set_payload(Payload::from(body));
            token
        }
        // A file upload is streamed to its handler, so a plain (non-htmx) multipart form carries
        // the token in its action's query instead (never logged; Referrer-Policy keeps it here).
        None if is_multipart(&req) => csrf::token_in_form(req.query_string().as_bytes()),
        None => None,
    };
    let token_ok = sent.is_some_and(|t| csrf::matches(&session, &t));
    if origin_ok && token_ok {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }

    let reason = if origin_ok {
        "missing or wrong CSRF token"
    } else {
        "cross-origin request"
    };
    record_rejection(&req, reason).await;
    Ok(req.error_response(AppError::CsrfRefused))
}

/// `https` when the site is served over TLS (its base URL says so), else `http`.
fn site_scheme(base_url: &str) -> &'static str {
    if base_url.starts_with("https://") {
        "https"
    } else {
        "http"
    }
}

fn is_urlencoded(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"))
}

fn is_multipart(req: &ServiceRequest) -> bool {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

async fn read_body(req: &mut ServiceRequest) -> Result<web::Bytes, AppError> {
    use futures_util::StreamExt;
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk
            .map_err(|e| AppError::BadRequest(format!("The form could not be read ({e}).")))?;
        if body.len() + chunk.len() > FORM_LIMIT {
            return Err(AppError::TooLarge);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

/// A refused unsafe request is a security event and, for a signed-in user, a denied mutation.
async fn record_rejection(req: &ServiceRequest, reason: &'static str) {
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return;
    };
    let refused = RefusedRequest {
        meta: super::extractors::request_meta(req.request(), &state.config),
        user_id: req
            .get_session()
            .get::<i64>(crate::auth::session_store::KEY_USER_ID)
            .ok()
            .flatten(),
        route: req.match_pattern().unwrap_or_else(|| "<unmatched>".into()),
        // Named from a fixed set: a made-up method must not make each refusal a new record
        // (or a 128 KiB one).
        method: match *req.method() {
            actix_web::http::Method::POST => "POST",
            actix_web::http::Method::PUT => "PUT",
            actix_web::http::Method::PATCH => "PATCH",
            actix_web::http::Method::DELETE => "DELETE",
            _ => "OTHER",
        }
        .to_string(),
        reason,
    };
    tracing::warn!(reason, "unsafe request refused");
    let refusal = crate::ops::refusals::Refusal::Request(refused);
    let repeated = match state.refusals.admit(&refusal) {
        crate::ops::refusals::Admit::Record { repeated } => repeated,
        // Recorded in the last minute: counted, written with the others later.
        crate::ops::refusals::Admit::Counted => return,
    };
    let result = state.op(move |conn| refusal.write(conn, repeated)).await;
    if let Err(e) = result {
        tracing::error!(error = %e, "cannot record a refused request");
    }
}
