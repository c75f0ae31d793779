//! `/api/v1/me/sessions`: the caller's own sign-ins, and ending them.

use axum::extract::State;
use axum::http::StatusCode;
use domain::access::Actor;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiPath, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A session as listed: never its secrets.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfoBody {
    pub id: Uuid,
    /// The session this request came with.
    pub current: bool,
    /// Neither revoked nor expired.
    pub active: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    #[schema(format = DateTime)]
    pub last_seen_at: String,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// How many sessions ended.
#[derive(Debug, Serialize, ToSchema)]
pub struct RevokedBody {
    pub revoked: u64,
}

/// List my sessions.
///
/// Newest first, ended ones included.
#[utoipa::path(get, path = "/api/v1/me/sessions", tag = "accounts", security(("api_key" = [])),
    responses(
        (status = 200, description = "My sessions", body = Vec<SessionInfoBody>),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_my_sessions(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<axum::Json<Vec<SessionInfoBody>>, ApiError> {
    let current = match scope.actor() {
        Actor::Session { session_id, .. } => Some(session_id),
        _ => None,
    };
    let now = domain::ids::Timestamp::now();
    let sessions = services::auth::my_sessions(&state.db, &scope).await?;
    Ok(axum::Json(
        sessions
            .into_iter()
            .map(|s| SessionInfoBody {
                id: s.id.0,
                current: Some(s.id) == current,
                active: s.revoked_at.is_none() && s.expires_at > now,
                created_at: crate::api::instant(s.created_at),
                expires_at: crate::api::instant(s.expires_at),
                last_seen_at: crate::api::instant(s.last_seen_at),
                revoked_at: s.revoked_at.map(crate::api::instant),
                ip: s.ip,
                user_agent: s.user_agent,
            })
            .collect(),
    ))
}

/// Revoke one of my sessions.
///
/// Signs that device out. Another user's session is not found.
#[utoipa::path(delete, path = "/api/v1/me/sessions/{id}", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Session id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 404, description = "No such session of mine", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke_my_session(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::auth::revoke_my_session(&state.db, &scope, domain::ids::SessionId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Revoke all my other sessions.
///
/// Signs out everywhere but here (everywhere, when called with an API key).
#[utoipa::path(post, path = "/api/v1/me/sessions/revoke-others", tag = "accounts", security(("api_key" = [])),
    responses(
        (status = 200, description = "How many sessions ended", body = RevokedBody),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke_my_other_sessions(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<axum::Json<RevokedBody>, ApiError> {
    let revoked = services::auth::revoke_my_other_sessions(&state.db, &scope).await?;
    Ok(axum::Json(RevokedBody { revoked }))
}
