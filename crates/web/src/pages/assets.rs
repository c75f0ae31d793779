//! Static CSS and JavaScript, embedded in the binary. URLs carry a hash of the content
//! (`/static/app.css?v=…`), so browsers may cache them for a year and still get a new file
//! the moment it changes.

use std::sync::OnceLock;

use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::problem::ApiError;

struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
}

const ASSETS: &[Asset] = &[
    Asset {
        name: "app.css",
        content_type: "text/css; charset=utf-8",
        body: include_str!("../../assets/pages/app.css"),
    },
    Asset {
        name: "booking.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/pages/booking.js"),
    },
    Asset {
        name: "dashboard.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/pages/dashboard.js"),
    },
    Asset {
        name: "embed.js",
        content_type: "text/javascript; charset=utf-8",
        body: include_str!("../../assets/pages/embed.js"),
    },
];

/// FNV-1a, 64 bits: a version tag for cache busting, not a security measure.
fn version(body: &str) -> String {
    let hash = body.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    });
    format!("{hash:016x}")
}

fn versions() -> &'static Vec<(&'static str, String)> {
    static VERSIONS: OnceLock<Vec<(&'static str, String)>> = OnceLock::new();
    VERSIONS.get_or_init(|| ASSETS.iter().map(|a| (a.name, version(a.body))).collect())
}

/// The versioned URL of asset `name` (a template function: `{{ asset("app.css") }}`).
pub(crate) fn url(name: &str) -> String {
    match versions().iter().find(|(n, _)| *n == name) {
        Some((_, v)) => format!("/static/{name}?v={v}"),
        None => format!("/static/{name}"),
    }
}

pub(crate) async fn serve(Path(file): Path<String>) -> Result<Response, ApiError> {
    let asset = ASSETS
        .iter()
        .find(|a| a.name == file)
        .ok_or_else(|| ApiError::not_found("no such file"))?;
    // embed.js is loaded by other sites under a fixed URL, so it is revalidated hourly.
    let cache = if asset.name == "embed.js" {
        "public, max-age=3600"
    } else {
        "public, max-age=31536000, immutable"
    };
    Ok((
        [
            (header::CONTENT_TYPE, asset.content_type),
            (header::CACHE_CONTROL, cache),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        asset.body,
    )
        .into_response())
}
