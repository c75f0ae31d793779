//! `/api/v1/blocked-times`: one-off periods a user cannot be booked.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct BlockedTimeBody {
    pub id: Uuid,
    pub user_id: Uuid,
    #[schema(format = DateTime)]
    pub start_at: String,
    #[schema(format = DateTime)]
    pub end_at: String,
    /// `manual`, or `calendar` when copied from a connected calendar.
    pub source: String,
    pub reason: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<domain::blocked_times::BlockedTime> for BlockedTimeBody {
    fn from(b: domain::blocked_times::BlockedTime) -> Self {
        Self {
            id: b.id.0,
            user_id: b.user_id.0,
            start_at: super::instant(b.start_at),
            end_at: super::instant(b.end_at),
            source: b.source,
            reason: b.reason,
            created_at: super::instant(b.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlockedTimeRequest {
    /// Whose time: the caller when absent.
    #[serde(default)]
    pub user_id: Option<Uuid>,
    /// RFC 3339.
    #[schema(value_type = String, format = DateTime, example = "2026-12-24T08:00:00Z")]
    pub start_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime, example = "2026-12-24T17:00:00Z")]
    pub end_at: jiff::Timestamp,
    #[serde(default)]
    pub reason: String,
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BlockedTimeFilter {
    /// Whose blocked times: the caller when absent.
    pub user_id: Option<Uuid>,
    /// RFC 3339; periods that end after it.
    #[param(value_type = String, format = DateTime)]
    pub from: jiff::Timestamp,
    /// RFC 3339; periods that start before it.
    #[param(value_type = String, format = DateTime)]
    pub until: jiff::Timestamp,
}

/// Block a period.
#[utoipa::path(post, path = "/api/v1/blocked-times", tag = "availability", security(("api_key" = [])),
    request_body = BlockedTimeRequest,
    responses(
        (status = 403, description = "Lacks availability.manage, or it belongs to another user and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 201, description = "Created", body = BlockedTimeBody),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_blocked_time(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<BlockedTimeRequest>,
) -> Result<(StatusCode, Json<BlockedTimeBody>), ApiError> {
    let input = services::blocked_times::BlockInput {
        user_id: body.user_id.map(domain::ids::UserId),
        start_at: body.start_at.into(),
        end_at: body.end_at.into(),
        reason: body.reason,
    };
    let blocked = services::blocked_times::create(&state.db, &scope, input).await?;
    Ok((StatusCode::CREATED, Json(blocked.into())))
}

/// List blocked periods that overlap a range.
#[utoipa::path(get, path = "/api/v1/blocked-times", tag = "availability", security(("api_key" = [])),
    params(BlockedTimeFilter),
    responses(
        (status = 200, description = "By start", body = Vec<BlockedTimeBody>),
        (status = 403, description = "Lacks availability.read", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_blocked_times(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(filter): ApiQuery<BlockedTimeFilter>,
) -> Result<Json<Vec<BlockedTimeBody>>, ApiError> {
    let list = services::blocked_times::list(
        &state.db,
        &scope,
        filter.user_id.map(domain::ids::UserId),
        filter.from.into(),
        filter.until.into(),
    )
    .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Remove a blocked period.
#[utoipa::path(delete, path = "/api/v1/blocked-times/{id}", tag = "availability", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Blocked time id")),
    responses(
        (status = 403, description = "Lacks availability.manage, or it belongs to another user and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such blocked time in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_blocked_time(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::blocked_times::delete(&state.db, &scope, domain::ids::BlockedTimeId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
