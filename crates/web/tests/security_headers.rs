//! Every page and every error carries a content security policy that forbids framing (but
//! for the booking pages opened by the embed snippet) and never sends a Referer.
#![allow(clippy::unwrap_used)]

mod common;

use common::booking;
use reqwest::{StatusCode, header};
use serde_json::json;

/// What a page nobody may frame must carry.
fn assert_strict(response: &reqwest::Response, what: &str) {
    let headers = response.headers();
    let csp = headers
        .get(header::CONTENT_SECURITY_POLICY)
        .unwrap_or_else(|| panic!("{what}: no Content-Security-Policy"))
        .to_str()
        .unwrap();
    assert!(
        csp.contains("frame-ancestors 'none'"),
        "{what}: CSP without frame-ancestors 'none': {csp}"
    );
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert_eq!(
        headers
            .get(header::REFERRER_POLICY)
            .map(|v| v.to_str().unwrap()),
        Some("no-referrer"),
        "{what}: Referrer-Policy"
    );
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff", "{what}");
}

app_test!(
    csp_frame_ancestors_and_referrer_policy_on_every_page,
    |app| async move {
        let org = app.organization("acme").await;
        let event = booking::event_type(&app, &org).await;
        let (status, form) = common::call(
            &app,
            reqwest::Method::POST,
            "/api/v1/routing-forms",
            Some(&org.key),
            Some(json!({"name": "Find your call",
                "fields": [{"key": "size", "label": "Team size", "kind": "number", "required": true}],
                "routes": [],
                "fallback": {"kind": "message", "text": "We will write to you."}})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{form}");
        let form = form["id"].as_str().unwrap();

        for (path, status) in [
            ("/signin".to_owned(), StatusCode::OK),
            ("/signin/forgot".to_owned(), StatusCode::OK),
            ("/reset/rdt_nonsense".to_owned(), StatusCode::OK),
            ("/invite/rdt_nonsense".to_owned(), StatusCode::OK),
            ("/verify/rdt_nonsense".to_owned(), StatusCode::OK),
            (format!("/forms/{form}"), StatusCode::OK),
            (format!("/book/{event}"), StatusCode::OK),
            ("/u/acme/nobody".to_owned(), StatusCode::NOT_FOUND),
            ("/no/such/page".to_owned(), StatusCode::NOT_FOUND),
            ("/api/v1/me".to_owned(), StatusCode::UNAUTHORIZED),
            ("/healthz".to_owned(), StatusCode::OK),
        ] {
            let response = app.get(&path).await;
            // Token pages may answer an error page for a bogus token; either way it is a page.
            if status != StatusCode::OK || !path.contains("rdt_") {
                assert_eq!(response.status(), status, "{path}");
            }
            assert_strict(&response, &path);
        }

        // The embed snippet frames the booking page: there, and only there, framing is allowed.
        let embedded = app.get(&format!("/book/{event}?embed=1")).await;
        assert_eq!(embedded.status(), StatusCode::OK);
        let csp = embedded.headers()[header::CONTENT_SECURITY_POLICY]
            .to_str()
            .unwrap();
        assert!(!csp.contains("frame-ancestors"), "{csp}");
        assert!(embedded.headers().get(header::X_FRAME_OPTIONS).is_none());
        assert_eq!(embedded.headers()[header::REFERRER_POLICY], "no-referrer");
    }
);
