//! Headers every response carries, whichever handler (or error path) made it.
//!
//! Handlers that need a looser policy set their own `Content-Security-Policy` first (the
//! public booking pages inside the embed's iframe, the API docs page); this layer fills in
//! only what a response lacks, so a page that forgot is strict rather than open. Sign-in,
//! reset, invitation and verification pages, routing forms, error pages and the JSON API
//! all get the strict defaults.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// The policy of a page nobody may frame: our own scripts, styles and images only (images
/// may also come over https and as data: URLs, for avatars and logos).
pub(crate) const STRICT_CSP: &str = "default-src 'self'; img-src 'self' https: data:; \
    style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/// Adds the defaults to every response.
pub(crate) async fn layer(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    fill_in(response.headers_mut());
    response
}

fn fill_in(headers: &mut HeaderMap) {
    let framable = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|csp| !csp.contains("frame-ancestors 'none'"));
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(STRICT_CSP));
    // Secret tokens live in some page URLs (manage, reset, invitation links): no page tells
    // another site where it came from.
    headers
        .entry(header::REFERRER_POLICY)
        .or_insert(HeaderValue::from_static("no-referrer"));
    headers
        .entry(header::X_CONTENT_TYPE_OPTIONS)
        .or_insert(HeaderValue::from_static("nosniff"));
    // For browsers that predate `frame-ancestors`.
    if !framable {
        headers
            .entry(header::X_FRAME_OPTIONS)
            .or_insert(HeaderValue::from_static("DENY"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_response_without_headers_gets_the_strict_defaults() {
        let mut headers = HeaderMap::new();
        fill_in(&mut headers);
        assert_eq!(headers[header::CONTENT_SECURITY_POLICY], STRICT_CSP);
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY");
    }

    #[test]
    fn a_framable_page_keeps_its_own_policy() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'self'"),
        );
        fill_in(&mut headers);
        assert_eq!(
            headers[header::CONTENT_SECURITY_POLICY],
            "default-src 'self'"
        );
        assert!(headers.get(header::X_FRAME_OPTIONS).is_none());
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    }
}
