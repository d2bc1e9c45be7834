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
/// the site's scheme (`http` or `https`, from the base URL) and the host and port the request
/// was sent to (a default port may be left out on either side). A request with neither header
/// is refused.
pub fn same_origin(headers: &header::HeaderMap, scheme: &str, host: &str) -> bool {
    let source = headers
        .get(header::ORIGIN)
        .or_else(|| headers.get(header::REFERER))
        .and_then(|v| v.to_str().ok());
    let Some(source) = source else { return false };
    let Some((their_scheme, rest)) = source.split_once("://") else {
        return false;
    };
    if !their_scheme.eq_ignore_ascii_case(scheme) {
        return false;
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    without_default_port(authority, scheme).eq_ignore_ascii_case(without_default_port(host, scheme))
}

/// `host:80` on http and `host:443` on https are `host`.
fn without_default_port<'a>(authority: &'a str, scheme: &str) -> &'a str {
    let default = if scheme.eq_ignore_ascii_case("https") {
        ":443"
    } else {
        ":80"
    };
    authority.strip_suffix(default).unwrap_or(authority)
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
        let origin = |v| headers(header::ORIGIN, v);
        assert!(same_origin(
            &origin("http://127.0.0.1:8080"),
            "http",
            "127.0.0.1:8080"
        ));
        assert!(!same_origin(
            &origin("http://evil.example"),
            "http",
            "127.0.0.1:8080"
        ));
        assert!(!same_origin(
            &origin("http://127.0.0.1:8080.evil.example"),
            "http",
            "127.0.0.1:8080"
        ));
        assert!(same_origin(
            &headers(header::REFERER, "https://amp.example/login?next=/"),
            "https",
            "amp.example"
        ));
        assert!(!same_origin(&HeaderMap::new(), "https", "amp.example"));
        assert!(!same_origin(&origin("null"), "https", "amp.example"));
        // The scheme counts: an https origin is not the http site on the same host and port.
        assert!(!same_origin(
            &origin("https://127.0.0.1:8080"),
            "http",
            "127.0.0.1:8080"
        ));
        assert!(!same_origin(
            &origin("http://amp.example"),
            "https",
            "amp.example"
        ));
        // So does the port, except that a default port may be written or left out.
        assert!(!same_origin(
            &origin("http://127.0.0.1:8081"),
            "http",
            "127.0.0.1:8080"
        ));
        assert!(same_origin(
            &origin("https://amp.example:443"),
            "https",
            "amp.example"
        ));
        assert!(same_origin(
            &origin("https://amp.example"),
            "https",
            "amp.example:443"
        ));
        assert!(!same_origin(
            &origin("https://amp.example:80"),
            "https",
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
