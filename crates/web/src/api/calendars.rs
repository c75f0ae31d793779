//! `/api/v1/calendar-connections`: CalDAV accounts and ICS feeds whose events block a user's
//! availability, and the calendar that receives their bookings; `/api/v1/me/calendar-feed`
//! and `/api/v1/public/calendar-feeds/{token}`: the secret ICS URL of a user's bookings.

use axum::Json;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use domain::ids::{CalendarConnectionId, CalendarId, UserId};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct CalendarBody {
    pub id: Uuid,
    /// The collection's URL on the server (the feed URL for ICS).
    pub url: String,
    pub display_name: String,
    pub color: Option<String>,
    /// Its events make the user busy.
    pub blocks_availability: bool,
    /// New bookings are written here (one calendar per user at most).
    pub receives_bookings: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConnectionBody {
    pub id: Uuid,
    pub user_id: Uuid,
    /// `caldav`, `ics`, `google` or `microsoft`.
    pub kind: String,
    pub name: String,
    pub url: String,
    pub username: String,
    /// `active`; `error` when the last sync failed (its busy times are kept and still
    /// block); `disconnected`.
    pub status: String,
    pub last_error: Option<String>,
    #[schema(format = DateTime)]
    pub last_error_at: Option<String>,
    #[schema(format = DateTime)]
    pub last_synced_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    pub calendars: Vec<CalendarBody>,
}

impl From<services::calendar_sync::ConnectionView> for ConnectionBody {
    fn from(v: services::calendar_sync::ConnectionView) -> Self {
        let c = v.connection;
        Self {
            id: c.id.0,
            user_id: c.user_id.0,
            kind: c.kind,
            name: c.name,
            url: c.url,
            username: c.username,
            status: c.status,
            last_error: c.last_error,
            last_error_at: c.last_error_at.map(super::instant),
            last_synced_at: c.last_synced_at.map(super::instant),
            created_at: super::instant(c.created_at),
            calendars: v.calendars.into_iter().map(Into::into).collect(),
        }
    }
}

impl From<domain::calendars::CalendarEntry> for CalendarBody {
    fn from(c: domain::calendars::CalendarEntry) -> Self {
        Self {
            id: c.id.0,
            url: c.url,
            display_name: c.display_name,
            color: c.color,
            blocks_availability: c.blocks_availability,
            receives_bookings: c.receives_bookings,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncLogBody {
    pub id: Uuid,
    #[schema(format = DateTime)]
    pub started_at: String,
    #[schema(format = DateTime)]
    pub finished_at: String,
    /// `ok` or `error`.
    pub outcome: String,
    /// `incremental`, `full`, `feed`, `not_modified`, or `failed`.
    pub mode: String,
    /// Resources read (changed or new).
    pub changed: i32,
    /// Resources removed on the server.
    pub deleted: i32,
    /// The error, or events that could be read only in part.
    pub detail: String,
}

impl From<domain::calendars::LogEntry> for SyncLogBody {
    fn from(l: domain::calendars::LogEntry) -> Self {
        Self {
            id: l.id.0,
            started_at: super::instant(l.started_at),
            finished_at: super::instant(l.finished_at),
            outcome: l.outcome,
            mode: l.mode,
            changed: l.changed,
            deleted: l.deleted,
            detail: l.detail,
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConnectRequest {
    /// Whose calendars: the caller when absent.
    #[serde(default)]
    pub user_id: Option<Uuid>,
    /// `caldav` or `ics`.
    #[schema(example = "caldav")]
    pub kind: String,
    #[serde(default)]
    pub name: Option<String>,
    /// CalDAV: the server (discovery finds the calendars). ICS: the feed (`webcal://` too).
    #[schema(example = "https://caldav.example.com/")]
    pub url: String,
    #[serde(default)]
    pub username: String,
    /// A password or app password; stored encrypted, never shown again.
    #[serde(default)]
    pub password: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UserFilter {
    /// Whose: the caller when absent.
    pub user_id: Option<Uuid>,
}

/// Connect a CalDAV account or an ICS feed.
///
/// CalDAV: discovers the account's calendars (current-user-principal, calendar-home-set);
/// each blocks availability until changed; none receives bookings until chosen. The first
/// sync runs before the answer; its outcome is in `status`.
#[utoipa::path(post, path = "/api/v1/calendar-connections", tag = "calendars", security(("api_key" = [])),
    request_body = ConnectRequest,
    responses(
        (status = 201, description = "Connected and synced once", body = ConnectionBody),
        (status = 403, description = "Lacks availability.manage, or it is for another user and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (a URL to an internal address, refused credentials, no calendars); `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn connect_calendar(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<ConnectRequest>,
) -> Result<(StatusCode, Json<ConnectionBody>), ApiError> {
    let input = services::calendar_sync::ConnectInput {
        user_id: body.user_id.map(UserId),
        kind: body.kind,
        name: body.name,
        url: body.url,
        username: body.username,
        password: body.password,
    };
    let view = services::calendar_sync::connect(&state.db, &state.calendars, &scope, input).await?;
    Ok((StatusCode::CREATED, Json(view.into())))
}

/// List a user's calendar connections.
///
/// Another user's need `users.manage`: their addresses and accounts are their own.
#[utoipa::path(get, path = "/api/v1/calendar-connections", tag = "calendars", security(("api_key" = [])),
    params(UserFilter),
    responses(
        (status = 200, description = "Oldest first", body = Vec<ConnectionBody>),
        (status = 403, description = "Lacks availability.read, or names another user and lacks users.manage", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_calendar_connections(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(filter): ApiQuery<UserFilter>,
) -> Result<Json<Vec<ConnectionBody>>, ApiError> {
    let list = services::calendar_sync::list(&state.db, &scope, filter.user_id.map(UserId)).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// One calendar connection with its calendars and status.
#[utoipa::path(get, path = "/api/v1/calendar-connections/{id}", tag = "calendars", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Connection id")),
    responses(
        (status = 200, description = "The connection", body = ConnectionBody),
        (status = 403, description = "Another user's connection and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_calendar_connection(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ConnectionBody>, ApiError> {
    let view = services::calendar_sync::view(&state.db, &scope, CalendarConnectionId(id)).await?;
    Ok(Json(view.into()))
}

/// Disconnect: the connection, its calendars and their busy times are removed.
#[utoipa::path(delete, path = "/api/v1/calendar-connections/{id}", tag = "calendars", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Connection id")),
    responses(
        (status = 204, description = "Disconnected"),
        (status = 403, description = "Lacks availability.manage for its user", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn disconnect_calendar(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::calendar_sync::disconnect(&state.db, &scope, CalendarConnectionId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChooseCalendarRequest {
    pub blocks_availability: bool,
    /// Choosing one calendar un-chooses the user's previous one. CalDAV only.
    pub receives_bookings: bool,
}

/// Choose whether a calendar blocks availability and whether it receives bookings.
#[utoipa::path(patch, path = "/api/v1/calendar-connections/{id}/calendars/{calendar_id}", tag = "calendars", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Connection id"), ("calendar_id" = Uuid, Path, description = "Calendar id")),
    request_body = ChooseCalendarRequest,
    responses(
        (status = 200, description = "The calendar", body = CalendarBody),
        (status = 403, description = "Lacks availability.manage for its user", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such calendar in this connection", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "An ICS feed cannot receive bookings", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn choose_calendar(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath((id, calendar_id)): ApiPath<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<ChooseCalendarRequest>,
) -> Result<Json<CalendarBody>, ApiError> {
    let calendar = services::calendar_sync::choose(
        &state.db,
        &scope,
        CalendarConnectionId(id),
        CalendarId(calendar_id),
        body.blocks_availability,
        body.receives_bookings,
    )
    .await?;
    Ok(Json(calendar.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SyncBody {
    pub connection: ConnectionBody,
    pub log: SyncLogBody,
}

/// Sync a connection now (incremental when the server allows).
#[utoipa::path(post, path = "/api/v1/calendar-connections/{id}/sync", tag = "calendars", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Connection id")),
    responses(
        (status = 200, description = "The attempt (a failure is `log.outcome = error` and `connection.status = error`)", body = SyncBody),
        (status = 403, description = "Lacks availability.manage for its user", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such connection in this organization", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A sync of this connection is running (`sync_running`): a background job, or another request", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn sync_calendar_connection(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<SyncBody>, ApiError> {
    let id = CalendarConnectionId(id);
    let log = services::calendar_sync::sync_now(&state.db, &state.calendars, &scope, id).await?;
    let view = services::calendar_sync::view(&state.db, &scope, id).await?;
    Ok(Json(SyncBody {
        connection: view.into(),
        log: log.into(),
    }))
}

/// The latest sync attempts of a connection (the integration log).
#[utoipa::path(get, path = "/api/v1/calendar-connections/{id}/logs", tag = "calendars", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Connection id")),
    responses(
        (status = 200, description = "Newest first, at most 50", body = Vec<SyncLogBody>),
        (status = 404, description = "No such connection in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn calendar_connection_logs(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<Vec<SyncLogBody>>, ApiError> {
    let logs = services::calendar_sync::logs(&state.db, &scope, CalendarConnectionId(id)).await?;
    Ok(Json(logs.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OAuthCallbackQuery {
    /// The one-time authorization code.
    pub code: Option<String>,
    /// The state `start` sent; single use, 10 minutes, the same user only.
    pub state: Option<String>,
    /// Set instead of `code` when the user declined (`access_denied`) or the provider failed.
    pub error: Option<String>,
    pub error_description: Option<String>,
}

fn provider_of(name: &str) -> Result<services::calendar_oauth::OAuthProvider, ApiError> {
    services::calendar_oauth::OAuthProvider::parse(name)
        .ok_or_else(|| services::ServiceError::NotFound("calendar provider").into())
}

/// Connect a Google or Microsoft 365 calendar: start (OAuth 2.0 with PKCE).
///
/// For the signed-in user (a browser follows this link from the dashboard). Records a
/// random state (single use, bound to the caller, valid 10 minutes) and a PKCE verifier,
/// and redirects to the provider's consent page with the S256 `code_challenge`, calendar
/// read/write scopes, and offline access (`access_type=offline&prompt=consent` for Google,
/// the `offline_access` scope for Microsoft).
#[utoipa::path(get, path = "/api/v1/calendar-connections/oauth/{provider}/start", tag = "calendars", security(("api_key" = [])),
    params(("provider" = String, Path, description = "`google` or `microsoft`")),
    responses(
        (status = 303, description = "To the provider's consent page", headers(("location" = String, description = "The provider's authorization URL"))),
        (status = 403, description = "Lacks availability.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider, or it is not configured on this server", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn start_calendar_oauth(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(provider): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let provider = provider_of(&provider)?;
    let url =
        services::calendar_oauth::start(&state.db, &state.calendars, &scope, provider).await?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::LOCATION, url.to_string()),
            (header::CACHE_CONTROL, "no-store".to_owned()),
        ],
    ))
}

/// Connect a Google or Microsoft 365 calendar: the provider's callback.
///
/// Checks the state (unknown, already used, expired, or another user's), trades the code
/// and the PKCE verifier for tokens (stored encrypted), lists the account's calendars (the
/// account's own ones block availability), and syncs once.
///
/// A browser arrives here from the provider's consent page, so the answer is always a 303
/// to `/dashboard/calendars?oauth={outcome}&provider={provider}`, where the page shows the
/// outcome: `connected`, `declined`, `state_missing`, `state_unknown`, `state_used`,
/// `state_expired`, `state_other_user`, `code_missing`, `code_rejected`, `unreachable`,
/// `not_configured`, `forbidden` or `failed`. A client that asks for JSON (`Accept:
/// application/json` without `text/html`) gets the failures as problem+json instead: 422
/// naming `/state`, `/error` (declined) or `/code`.
#[utoipa::path(get, path = "/api/v1/calendar-connections/oauth/{provider}/callback", tag = "calendars", security(("api_key" = [])),
    params(("provider" = String, Path, description = "`google` or `microsoft`"), OAuthCallbackQuery),
    responses(
        (status = 303, description = "To `/dashboard/calendars` with the outcome (`?oauth=connected`, or why it failed)", headers(("location" = String, description = "/dashboard/calendars?oauth={outcome}&provider={provider}"))),
        (status = 403, description = "Lacks availability.manage (JSON clients)", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such provider; or, for JSON clients, it is not configured on this server", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "JSON clients: the state is unknown, used, expired or another user's (`/state`); the user declined (`/error`); the code was refused (`/code`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn finish_calendar_oauth(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(provider): ApiPath<String>,
    headers: axum::http::HeaderMap,
    ApiQuery(query): ApiQuery<OAuthCallbackQuery>,
) -> Result<impl IntoResponse, ApiError> {
    let provider = provider_of(&provider)?;
    let input = services::calendar_oauth::CallbackInput {
        code: query.code,
        state: query.state,
        error: query.error,
        error_description: query.error_description,
    };
    let finished =
        services::calendar_oauth::callback(&state.db, &state.calendars, &scope, provider, input)
            .await;
    let outcome = match finished {
        Ok(_) => "connected",
        Err(e) if wants_json(&headers) => return Err(e.into()),
        Err(e) => callback_outcome(&e),
    };
    // Only fixed words go into the address: the page says what each means.
    let location = format!("/dashboard/calendars?oauth={outcome}&provider={provider}");
    Ok((StatusCode::SEE_OTHER, [(header::LOCATION, location)]))
}

/// Whether the client asked for JSON rather than a page.
fn wants_json(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|accept| accept.contains("json") && !accept.contains("text/html"))
}

/// A failed callback as one of the outcomes the calendars page knows.
fn callback_outcome(error: &services::ServiceError) -> &'static str {
    use services::ServiceError;
    match error {
        ServiceError::Validation(fields) => {
            match fields.first().map(|f| (f.pointer.as_str(), f.code)) {
                Some(("/error", _)) => "declined",
                Some(("/state", "required")) => "state_missing",
                Some(("/state", "unknown")) => "state_unknown",
                Some(("/state", "used")) => "state_used",
                Some(("/state", "expired")) => "state_expired",
                Some(("/state", "other_user")) => "state_other_user",
                Some(("/code", "required")) => "code_missing",
                Some(("/code", "rejected")) => "code_rejected",
                Some(("/code", "unreachable")) => "unreachable",
                _ => "failed",
            }
        }
        ServiceError::NotFound(_) => "not_configured",
        ServiceError::Forbidden => "forbidden",
        other => {
            tracing::warn!(error = %other, "connecting an OAuth calendar failed");
            "failed"
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct FeedBody {
    /// Path of the feed on this server; subscribe to it from a calendar app. Shown once.
    #[schema(example = "/api/v1/public/calendar-feeds/rdvf_...")]
    pub path: String,
    pub token: String,
}

/// Issue the secret ICS URL of a user's bookings (revoking the previous one).
#[utoipa::path(post, path = "/api/v1/me/calendar-feed", tag = "calendars", security(("api_key" = [])),
    params(UserFilter),
    responses(
        (status = 201, description = "The new URL", body = FeedBody),
        (status = 403, description = "Lacks availability.manage for that user", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn issue_calendar_feed(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(filter): ApiQuery<UserFilter>,
) -> Result<(StatusCode, Json<FeedBody>), ApiError> {
    let token =
        services::calendar_feed::issue(&state.db, &scope, filter.user_id.map(UserId)).await?;
    let token = token.expose().to_owned();
    Ok((
        StatusCode::CREATED,
        Json(FeedBody {
            path: format!("/api/v1/public/calendar-feeds/{token}"),
            token,
        }),
    ))
}

/// Revoke a user's secret ICS URL.
#[utoipa::path(delete, path = "/api/v1/me/calendar-feed", tag = "calendars", security(("api_key" = [])),
    params(UserFilter),
    responses(
        (status = 204, description = "Revoked; the URL answers 404 from now on"),
        (status = 403, description = "Lacks availability.manage for that user", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke_calendar_feed(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(filter): ApiQuery<UserFilter>,
) -> Result<StatusCode, ApiError> {
    services::calendar_feed::revoke(&state.db, &scope, filter.user_id.map(UserId)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A user's bookings as iCalendar (the secret feed URL).
#[utoipa::path(get, path = "/api/v1/public/calendar-feeds/{token}", tag = "calendars",
    params(("token" = String, Path, description = "The feed token")),
    responses(
        (status = 200, description = "The bookings", body = String, content_type = "text/calendar"),
        (status = 404, description = "Unknown or revoked token", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn calendar_feed(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<impl IntoResponse, ApiError> {
    let text = services::calendar_feed::render(&state.db, &token).await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (header::CACHE_CONTROL, "private, max-age=300"),
        ],
        text,
    ))
}
