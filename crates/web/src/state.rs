//! What every handler can reach.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use services::Db;

/// Shared, cheaply cloned application state.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub(crate) metrics: PrometheusHandle,
    /// The OpenAPI document, rendered once at start-up.
    pub(crate) openapi_json: Arc<[u8]>,
    /// Sign-in protection, sessions and cookies.
    pub(crate) auth: Arc<crate::extract::AuthConfig>,
    /// The SSRF-guarded client for every call to a URL a user gave us.
    // Read by the webhook routes, which land next (calendars use `calendars.http`).
    #[allow(dead_code)]
    pub outbound: outbound::Client,
    /// Calendar sync and write-back: the same client, and the credential keys.
    pub calendars: services::calendar_sync::CalendarContext,
    /// `public_url` without a trailing slash: the base of absolute links.
    pub(crate) public_url: Option<Arc<str>>,
}
