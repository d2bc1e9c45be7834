//! CSRF protection: a random token bound to the session, sent back by every form (hidden field
//! `csrf_token`) and every htmx request (header `X-CSRF-Token`, set once on `<body>`), checked
//! on every unsafe method together with the Origin (or Referer) of the request.

use actix_session::Session;
use actix_web::http::{Method, header};

use crate::util::{constant_time_eq, random_token};

pub const SESSION_KEY: &str = "csrf";
pub const FORM_FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";

/// The session's token, created on first use.
pub fn token(session: &Session) -> String {
    if let Ok(Some(t)) = session.get::<String>(SESSION_KEY) {
        return t;
    }
    let t = random_token(32);
    // Insert fails only if the value cannot be serialized, which a String always can.
    let _ = session.insert(SESSION_KEY, &t);
    t
}

pub fn is_safe(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    )
}

/// Does the token sent match the session's?
pub fn matches(session: &Session, sent: &str) -> bool {
    match session.get::<String>(SESSION_KEY) {
        Ok(Some(expected)) => constant_time_eq(expected.as_bytes(), sent.as_bytes()),
        _ => false,
    }
}

/// The token in an urlencoded form body, if any.
pub fn token_in_form(body: &[u8]) -> Option<String> {
    url::form_urlencoded::parse(body)
        .find(|(k, _)| k == FORM_FIELD)
        .map(|(_, v)| v.into_owned())
}

/// Is the request from our own pages? The Origin header (or, without it, the Referer) must name
/// the host the request was sent to. A request with neither is refused.
pub fn same_origin(headers: &header::HeaderMap, host: &str) -> bool {
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(source) = source else { return false };
    let Some((_, rest)) = source.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    authority.eq_ignore_ascii_case(host)
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::http::header::{HeaderMap, HeaderValue};

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn origin_checks() {
        assert!(same_origin(
            &headers(header::ORIGIN, "http://127.0.0.1:8080"),
            "127.0.0.1:8080"
        ));
        assert!(!same_origin(
            &headers(header::ORIGIN, "http://evil.example"),
            "127.0.0.1:8080"
        ));
        assert!(!same_origin(
            &headers(header::ORIGIN, "http://127.0.0.1:8080.evil.example"),
            "127.0.0.1:8080"
        ));
        assert!(same_origin(
            &headers(header::REFERER, "https://amp.example/login?next=/"),
            "amp.example"
        ));
        assert!(!same_origin(&HeaderMap::new(), "amp.example"));
        assert!(!same_origin(
            &headers(header::ORIGIN, "null"),
            "amp.example"
        ));
    }

    #[test]
    fn finds_form_token() {
        assert_eq!(
            token_in_form(b"a=1&csrf_token=abc%2B&b=2").as_deref(),
            Some("abc+")
        );
        assert_eq!(token_in_form(b"a=1"), None);
    }
}
