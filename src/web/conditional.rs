//! Conditional GETs for pages that do not change: an entity tag over what the response is
//! made of, and `304 Not Modified` when the browser already holds it. The pages carry the
//! session's CSRF token and the signed-in user's name, so the tag covers those too, and such
//! responses are `private, no-cache`: the browser keeps them, asks again each time, and gets
//! 304 while nothing changed.

use actix_web::HttpRequest;
use actix_web::HttpResponse;
use actix_web::http::header::{self, HeaderValue};
use sha2::{Digest, Sha256};

/// A weak entity tag over `parts` (the same bytes give the same tag in every process).
pub fn entity_tag(parts: &[&[u8]]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        // Length-prefixed, so ("ab", "c") and ("a", "bc") differ.
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part);
    }
    let digest = hasher.finalize();
    format!("W/\"{}\"", hex::encode(&digest[..16]))
}

/// The digest of a cached body, to be combined with the page's own parts in [`entity_tag`].
pub fn body_digest(body: &str) -> [u8; 32] {
    Sha256::digest(body.as_bytes()).into()
}

/// True when the request's `If-None-Match` names `tag` (weak comparison) or is `*`.
pub fn matches(req: &HttpRequest, tag: &str) -> bool {
    let opaque = |t: &str| t.trim().trim_start_matches("W/").to_string();
    let wanted = opaque(tag);
    req.headers()
        .get_all(header::IF_NONE_MATCH)
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .any(|t| t.trim() == "*" || opaque(t) == wanted)
}

/// Adds the tag and the caching rule to a response.
pub fn tagged(mut res: HttpResponse, tag: &str) -> HttpResponse {
    if let Ok(value) = HeaderValue::from_str(tag) {
        let h = res.headers_mut();
        h.insert(header::ETAG, value);
        h.insert(
            header::CACHE_CONTROL,
            HeaderValue::from_static("private, no-cache"),
        );
    }
    res
}

/// `304 Not Modified` for `tag`.
pub fn not_modified(tag: &str) -> HttpResponse {
    tagged(
        HttpResponse::NotModified()
            .insert_header(("Vary", "HX-Request"))
            .finish(),
        tag,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use actix_web::test::TestRequest;

    #[test]
    fn tags_differ_with_their_parts_and_their_boundaries() {
        let a = entity_tag(&[b"ab", b"c"]);
        assert_eq!(a, entity_tag(&[b"ab", b"c"]));
        assert_ne!(a, entity_tag(&[b"a", b"bc"]));
        assert_ne!(a, entity_tag(&[b"ab", b"d"]));
        assert!(a.starts_with("W/\"") && a.ends_with('"'));
    }

    #[test]
    fn if_none_match_is_compared_weakly_in_lists_and_with_a_star() {
        let tag = entity_tag(&[b"page"]);
        let strong = tag.trim_start_matches("W/").to_string();
        for header in [
            tag.clone(),
            strong.clone(),
            format!("\"other\", {tag}"),
            "*".to_string(),
        ] {
            let req = TestRequest::default()
                .insert_header((header::IF_NONE_MATCH, header.as_str()))
                .to_http_request();
            assert!(matches(&req, &tag), "{header}");
        }
        let other = TestRequest::default()
            .insert_header((header::IF_NONE_MATCH, "W/\"other\""))
            .to_http_request();
        assert!(!matches(&other, &tag));
        assert!(!matches(&TestRequest::default().to_http_request(), &tag));
    }
}
