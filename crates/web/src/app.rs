//! The router and the server loop.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, Request};
use axum::routing::get;
use services::Db;
use tokio::net::TcpListener;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::{DefaultOnResponse, TraceLayer};
use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;
use crate::{api, ops, pages, problem};

const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// HTTP settings the binary passes in from configuration.
#[derive(Clone, Debug)]
pub struct HttpConfig {
    /// Largest accepted request body; larger bodies get 413.
    pub max_body_bytes: usize,
    /// A request running longer than this is answered 408 and dropped.
    pub request_timeout: Duration,
    /// Sign-in, sessions, cookies and rate limits.
    pub auth: crate::extract::AuthConfig,
    /// What calls to user-given URLs (calendars, feeds, webhooks) may reach.
    pub outbound: outbound::Policy,
    /// Keys that seal and open stored credentials: calendar passwords and OAuth tokens, webhook
    /// signing secrets (derived from the server secret).
    pub credential_keys: services::credentials::Keyring,
    /// The address people reach the server at (`https://book.example.com`, no trailing
    /// slash), for absolute links in files and messages that leave the browser (the
    /// booking's .ics and calendar links). `None`: such links are left out.
    pub public_url: Option<String>,
    /// How often each calendar connection is synced in the background (its sync job is
    /// queued with the connection); `None`: only on demand.
    pub calendar_sync_every: Option<Duration>,
    /// Google and Microsoft registrations for OAuth calendar connections, and the public
    /// address their callbacks come back to.
    pub calendar_oauth: services::calendar_oauth::OAuthSettings,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            max_body_bytes: 1024 * 1024,
            request_timeout: Duration::from_secs(30),
            auth: crate::extract::AuthConfig::default(),
            outbound: outbound::Policy::default(),
            credential_keys: services::credentials::Keyring::ephemeral(),
            public_url: None,
            calendar_sync_every: Some(services::calendar_sync::DEFAULT_SYNC_EVERY),
            calendar_oauth: services::calendar_oauth::OAuthSettings::default(),
        }
    }
}

/// The OpenAPI router: every documented route, with its annotation.
fn api_router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(crate::openapi::ApiDoc::openapi())
        .routes(routes!(ops::health::healthz))
        .routes(routes!(ops::health::readyz))
        .routes(routes!(ops::health::metrics))
        .routes(routes!(
            api::organization::get_organization,
            api::organization::update_organization
        ))
        .routes(routes!(api::me::get_me))
        .merge(api::accounts::router())
        .routes(routes!(
            api::schedules::create_schedule,
            api::schedules::list_schedules
        ))
        .routes(routes!(
            api::schedules::get_schedule,
            api::schedules::replace_schedule,
            api::schedules::delete_schedule
        ))
        .routes(routes!(
            api::blocked_times::create_blocked_time,
            api::blocked_times::list_blocked_times
        ))
        .routes(routes!(api::blocked_times::delete_blocked_time))
        .routes(routes!(
            api::resources::create_resource,
            api::resources::list_resources
        ))
        .routes(routes!(
            api::resources::get_resource,
            api::resources::replace_resource,
            api::resources::delete_resource
        ))
        .routes(routes!(api::resources::search_resources))
        .routes(routes!(
            api::resources::create_blackout,
            api::resources::list_blackouts
        ))
        .routes(routes!(api::resources::delete_blackout))
        .routes(routes!(api::resources::list_conflicts))
        .routes(routes!(api::resources::update_conflict))
        .routes(routes!(
            api::resources::create_resource_group,
            api::resources::list_resource_groups
        ))
        .routes(routes!(api::resources::delete_resource_group))
        .routes(routes!(
            api::resources::create_reservation,
            api::resources::list_reservations
        ))
        .routes(routes!(api::resources::get_reservation))
        .routes(routes!(api::resources::cancel_reservation))
        .routes(routes!(api::resources::approve_reservation))
        .routes(routes!(api::resources::reject_reservation))
        .routes(routes!(api::resources::check_in_reservation))
        .routes(routes!(
            api::resource_quotas::create_quota,
            api::resource_quotas::list_quotas
        ))
        .routes(routes!(
            api::resource_quotas::replace_quota,
            api::resource_quotas::delete_quota
        ))
        .routes(routes!(
            api::event_types::create_event_type,
            api::event_types::list_event_types
        ))
        .routes(routes!(
            api::event_types::get_event_type,
            api::event_types::replace_event_type,
            api::event_types::delete_event_type
        ))
        .routes(routes!(
            api::team_event_types::get_event_type_team,
            api::team_event_types::put_event_type_team,
            api::team_event_types::delete_event_type_team
        ))
        .routes(routes!(
            api::routing_forms::create_routing_form,
            api::routing_forms::list_routing_forms
        ))
        .routes(routes!(
            api::routing_forms::get_routing_form,
            api::routing_forms::replace_routing_form,
            api::routing_forms::delete_routing_form
        ))
        .routes(routes!(api::routing_forms::list_submissions))
        .routes(routes!(api::routing_forms::public_routing_form))
        .routes(routes!(api::routing_forms::submit_routing_form))
        .routes(routes!(api::bookings::list_bookings))
        .routes(routes!(api::contacts::list_contacts))
        .routes(routes!(api::bookings::get_booking))
        .routes(routes!(api::bookings::confirm_booking))
        .routes(routes!(api::bookings::reject_booking))
        .routes(routes!(api::bookings::cancel_booking))
        .routes(routes!(api::bookings::mark_no_show))
        .routes(routes!(api::bookings::complete_booking))
        .routes(routes!(api::bookings::reschedule_booking))
        .routes(routes!(api::public::public_event_type))
        .routes(routes!(api::public::public_slots))
        .routes(routes!(api::public::book))
        .routes(routes!(api::public::open_link))
        .routes(routes!(api::public::book_with_link))
        .routes(routes!(api::event_types::create_single_use_link))
        .routes(routes!(
            api::event_types::get_scheduling_defaults,
            api::event_types::set_scheduling_defaults
        ))
        .routes(routes!(api::public::manage_get))
        .routes(routes!(api::public::manage_cancel))
        .routes(routes!(api::public::manage_reschedule))
        .routes(routes!(
            api::webhooks::create_webhook,
            api::webhooks::list_webhooks
        ))
        .routes(routes!(
            api::webhooks::get_webhook,
            api::webhooks::update_webhook,
            api::webhooks::delete_webhook
        ))
        .routes(routes!(api::webhooks::rotate_webhook_secret))
        .routes(routes!(api::webhooks::test_webhook))
        .routes(routes!(api::webhooks::list_webhook_deliveries))
        .routes(routes!(
            api::workflows::create_workflow,
            api::workflows::list_workflows
        ))
        .routes(routes!(
            api::workflows::get_workflow,
            api::workflows::replace_workflow,
            api::workflows::delete_workflow
        ))
        .routes(routes!(api::workflows::list_workflow_runs))
        .routes(routes!(
            api::preferences::get_notification_preferences,
            api::preferences::put_notification_preferences
        ))
        .routes(routes!(api::templates::list_message_templates))
        .routes(routes!(
            api::templates::get_message_template,
            api::templates::put_message_template,
            api::templates::reset_message_template
        ))
        .routes(routes!(api::templates::preview_message_template))
        .routes(routes!(api::jobs::list_dead_jobs))
        .routes(routes!(api::jobs::retry_job))
        .routes(routes!(
            api::calendars::connect_calendar,
            api::calendars::list_calendar_connections
        ))
        .routes(routes!(
            api::calendars::get_calendar_connection,
            api::calendars::disconnect_calendar
        ))
        .routes(routes!(api::calendars::choose_calendar))
        .routes(routes!(api::calendars::sync_calendar_connection))
        .routes(routes!(api::calendars::start_calendar_oauth))
        .routes(routes!(api::calendars::finish_calendar_oauth))
        .routes(routes!(api::calendars::calendar_connection_logs))
        .routes(routes!(
            api::calendars::issue_calendar_feed,
            api::calendars::revoke_calendar_feed
        ))
        .routes(routes!(api::calendars::calendar_feed))
}

/// The OpenAPI document as served at `/api/v1/openapi.json`.
pub fn openapi() -> utoipa::openapi::OpenApi {
    api_router().into_openapi()
}

/// Builds the application: routes, error fallbacks and middleware.
pub fn router(db: Db, config: &HttpConfig) -> Result<Router, outbound::Error> {
    let (routes, openapi) = api_router().split_for_parts();
    let openapi_json: Arc<[u8]> = serde_json::to_vec_pretty(&openapi)
        .unwrap_or_default()
        .into();
    let outbound = outbound::Client::new(config.outbound.clone())?;
    let state = AppState {
        db,
        metrics: crate::metrics::handle(),
        openapi_json,
        auth: Arc::new(config.auth.clone()),
        calendars: services::calendar_sync::CalendarContext {
            http: outbound.clone(),
            keys: config.credential_keys.clone(),
            sync_every: config.calendar_sync_every,
            oauth: config.calendar_oauth.clone(),
            public_url: config
                .public_url
                .as_ref()
                .map(|u| u.trim_end_matches('/').to_owned()),
        },
        outbound,
        public_url: config
            .public_url
            .as_deref()
            .map(|u| Arc::from(u.trim_end_matches('/'))),
    };

    // One INFO line per response (status, latency) is the access log.
    let trace = TraceLayer::new_for_http()
        .on_response(DefaultOnResponse::new().level(tracing::Level::INFO))
        .make_span_with(|req: &Request<_>| {
            let request_id = req
                .headers()
                .get(&REQUEST_ID)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default();
            tracing::info_span!(
                "request",
                method = %req.method(),
                // Never the query; tokens in the path are blanked.
                path = %crate::request_log::redacted_path(req.uri().path()),
                request_id = %request_id,
            )
        });

    Ok(routes
        .route("/api/v1/openapi.json", get(ops::docs::openapi_json))
        .route("/api/v1/docs", get(ops::docs::page))
        .route("/api/v1/docs/rapidoc-min.js", get(ops::docs::script))
        .merge(pages::router())
        .fallback(problem::not_found)
        .method_not_allowed_fallback(problem::method_not_allowed)
        .with_state(state)
        .layer(axum::middleware::from_fn(crate::input_guard::layer))
        .layer(DefaultBodyLimit::max(config.max_body_bytes))
        .layer(axum::middleware::from_fn(crate::metrics::track))
        .layer(CatchPanicLayer::custom(
            |_panic: Box<dyn std::any::Any + Send>| {
                tracing::error!("handler panicked");
                axum::response::IntoResponse::into_response(problem::ApiError::internal())
            },
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            config.request_timeout,
        ))
        // Timeouts and panics answered above get the security headers too.
        .layer(axum::middleware::from_fn(crate::security_headers::layer))
        // Outermost: every response, errors included, carries the request id, and the trace
        // span sees it.
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(trace)
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid)))
}

/// Serves `app` on `listener` until `shutdown` resolves, then stops accepting and waits for
/// in-flight requests to finish.
pub async fn serve(
    listener: TcpListener,
    app: Router,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
}
