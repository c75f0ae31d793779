//! What every handler can reach.

use std::sync::Arc;

use metrics_exporter_prometheus::PrometheusHandle;
use store::Db;

/// Shared, cheaply cloned application state.
#[derive(Clone, Debug)]
pub struct AppState {
    pub db: Db,
    pub(crate) metrics: PrometheusHandle,
    /// The OpenAPI document, rendered once at start-up.
    pub(crate) openapi_json: Arc<[u8]>,
}
