//! The OpenAPI document and an interactive page to explore it. The page's script (RapiDoc,
//! see `assets/rapidoc/README.md`) is compiled into the binary: nothing is downloaded when
//! building or running, and the page's Content-Security-Policy forbids other origins.

use axum::extract::State;
use axum::http::header;
use axum::response::{Html, IntoResponse};

use crate::state::AppState;

static RAPIDOC_JS: &[u8] = include_bytes!("../../assets/rapidoc/rapidoc-min.js");

/// `GET /api/v1/openapi.json`
pub async fn openapi_json(State(state): State<AppState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "application/json")],
        state.openapi_json.to_vec(),
    )
}

/// `GET /api/v1/docs`
pub async fn page() -> impl IntoResponse {
    (
        [(
            header::CONTENT_SECURITY_POLICY,
            // RapiDoc styles with inline <style>; everything else comes from this server.
            "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; \
             font-src 'self'; connect-src 'self'; script-src 'self'",
        )],
        Html(PAGE),
    )
}

/// `GET /api/v1/docs/rapidoc-min.js`
pub async fn script() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        RAPIDOC_JS,
    )
}

// System fonts only: RapiDoc's default font rule would fetch from Google.
const PAGE: &str = r#"<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Rendezvous API</title>
  <script type="module" src="/api/v1/docs/rapidoc-min.js"></script>
</head>
<body>
  <rapi-doc
    spec-url="/api/v1/openapi.json"
    heading-text="Rendezvous API"
    render-style="read"
    show-header="false"
    allow-server-selection="false"
    allow-authentication="true"
    regular-font="system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif"
    mono-font="ui-monospace, 'SFMono-Regular', Menlo, Consolas, monospace"
  ></rapi-doc>
</body>
</html>
"#;
