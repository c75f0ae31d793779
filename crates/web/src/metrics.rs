//! Prometheus metrics: requests by route and status, a latency histogram, pool gauges.
//!
//! The `metrics` facade has one global recorder per process; it is installed on first use
//! and shared by every server in the process (tests start several).

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use services::Db;

const REQUESTS: &str = "http_requests_total";
const DURATION: &str = "http_request_duration_seconds";

/// Latency buckets in seconds: from a cached read to a slow calendar sync.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The process's Prometheus handle, installing the recorder on first call.
pub fn handle() -> PrometheusHandle {
    static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();
    HANDLE
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), BUCKETS)
                .map(PrometheusBuilder::build_recorder)
                .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics will be empty");
            }
            metrics::describe_counter!(REQUESTS, "HTTP requests by method, route and status");
            metrics::describe_histogram!(
                DURATION,
                metrics::Unit::Seconds,
                "HTTP request latency by method and route"
            );
            handle
        })
        .clone()
}

/// Middleware recording each request under its route template (`/api/v1/things/{id}`), never
/// the raw path, so label cardinality stays bounded.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let method = req.method().as_str().to_owned();
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!(REQUESTS, "method" => method.clone(), "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!(DURATION, "method" => method, "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Sets the pool gauges from a fresh snapshot; called at scrape time.
pub fn record_pool(db: &Db) {
    let stats = db.pool_stats();
    let backend = db.backend().name();
    metrics::gauge!("db_pool_connections", "state" => "idle", "backend" => backend)
        .set(f64::from(stats.idle));
    metrics::gauge!("db_pool_connections", "state" => "in_use", "backend" => backend)
        .set(f64::from(stats.size.saturating_sub(stats.idle)));
    metrics::gauge!("db_pool_max_connections", "backend" => backend).set(f64::from(stats.max));
}
