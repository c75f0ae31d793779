//! `/api/v1/schedules`: weekly hours with date overrides.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A weekly schedule in a time zone.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScheduleBody {
    pub id: Uuid,
    pub user_id: Uuid,
    #[schema(example = "Working hours")]
    pub name: String,
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// Windows per weekday (`mon` … `sun`), wall-clock `HH:MM`, `24:00` allowed as an end.
    #[schema(example = json!({"mon": [["09:00", "12:00"], ["13:00", "17:00"]]}))]
    pub weekly: BTreeMap<String, Vec<[String; 2]>>,
    /// Windows per local date `YYYY-MM-DD`; an empty list is a day off.
    #[schema(example = json!({"2026-12-24": [], "2026-12-23": [["09:00", "12:00"]]}))]
    pub overrides: BTreeMap<String, Vec<[String; 2]>>,
    /// The user's default schedule, used by event types that name none.
    pub is_default: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<domain::schedules::Schedule> for ScheduleBody {
    fn from(s: domain::schedules::Schedule) -> Self {
        Self {
            id: s.id.0,
            user_id: s.user_id.0,
            name: s.name,
            time_zone: s.time_zone,
            weekly: s.weekly,
            overrides: s.overrides,
            is_default: s.is_default,
            created_at: super::instant(s.created_at),
            updated_at: super::instant(s.updated_at),
        }
    }
}

/// A schedule to create, or the whole new content of one.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduleRequest {
    /// Whose schedule: the caller when absent; owners and admins may name another member.
    #[serde(default)]
    pub user_id: Option<Uuid>,
    pub name: String,
    pub time_zone: String,
    #[serde(default)]
    pub weekly: BTreeMap<String, Vec<[String; 2]>>,
    #[serde(default)]
    pub overrides: BTreeMap<String, Vec<[String; 2]>>,
    /// Make it the user's default (their first schedule always is).
    #[serde(default)]
    pub is_default: bool,
}

impl From<ScheduleRequest> for services::schedules::ScheduleInput {
    fn from(r: ScheduleRequest) -> Self {
        Self {
            user_id: r.user_id.map(domain::ids::UserId),
            name: r.name,
            time_zone: r.time_zone,
            weekly: r.weekly,
            overrides: r.overrides,
            is_default: r.is_default,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ScheduleFilter {
    /// Only this user's schedules.
    pub user_id: Option<Uuid>,
}

/// Create a schedule.
#[utoipa::path(post, path = "/api/v1/schedules", tag = "availability", security(("api_key" = [])),
    request_body = ScheduleRequest,
    responses(
        (status = 403, description = "Lacks availability.manage, or it belongs to another user and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 201, description = "Created", body = ScheduleBody),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The user has a schedule of that name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_schedule(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<ScheduleRequest>,
) -> Result<(StatusCode, Json<ScheduleBody>), ApiError> {
    let schedule = services::schedules::create(&state.db, &scope, body.into()).await?;
    Ok((StatusCode::CREATED, Json(schedule.into())))
}

/// List schedules.
#[utoipa::path(get, path = "/api/v1/schedules", tag = "availability", security(("api_key" = [])),
    params(ScheduleFilter),
    responses(
        (status = 403, description = "Lacks availability.read", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "Schedules by name", body = Vec<ScheduleBody>),
        (status = 401, description = "Missing or invalid API key", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_schedules(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(filter): ApiQuery<ScheduleFilter>,
) -> Result<Json<Vec<ScheduleBody>>, ApiError> {
    let list =
        services::schedules::list(&state.db, &scope, filter.user_id.map(domain::ids::UserId))
            .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Get a schedule.
#[utoipa::path(get, path = "/api/v1/schedules/{id}", tag = "availability", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Schedule id")),
    responses(
        (status = 403, description = "Lacks availability.read", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The schedule", body = ScheduleBody),
        (status = 404, description = "No such schedule in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_schedule(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ScheduleBody>, ApiError> {
    let schedule = services::schedules::get(&state.db, &scope, domain::ids::ScheduleId(id)).await?;
    Ok(Json(schedule.into()))
}

/// Replace a schedule.
#[utoipa::path(put, path = "/api/v1/schedules/{id}", tag = "availability", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Schedule id")),
    request_body = ScheduleRequest,
    responses(
        (status = 403, description = "Lacks availability.manage, or it belongs to another user and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The new schedule", body = ScheduleBody),
        (status = 404, description = "No such schedule in this organization", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replace_schedule(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ScheduleRequest>,
) -> Result<Json<ScheduleBody>, ApiError> {
    let schedule =
        services::schedules::replace(&state.db, &scope, domain::ids::ScheduleId(id), body.into())
            .await?;
    Ok(Json(schedule.into()))
}

/// Delete a schedule (not the default one).
#[utoipa::path(delete, path = "/api/v1/schedules/{id}", tag = "availability", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Schedule id")),
    responses(
        (status = 403, description = "Lacks availability.manage, or it belongs to another user and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such schedule in this organization", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The default schedule cannot be deleted", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_schedule(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::schedules::delete(&state.db, &scope, domain::ids::ScheduleId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
