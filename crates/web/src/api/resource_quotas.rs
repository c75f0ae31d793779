//! `/api/v1/resource-quotas`: how much each person may reserve per day, week, month or year
//! (../shared/QUOTAS.md, evaluated on every reservation).

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::ids::{ResourceGroupId, ResourceId, ResourceQuotaId, TeamId};
use domain::resources::{QuotaFields, QuotaPeriod, QuotaScope, QuotaUnit, ResourceQuota};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A quota as the API shows and takes it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuotaSettings {
    #[schema(example = "Rooms: 4 hours a week")]
    pub name: String,
    /// Hours (may have a fraction) or reservations; a period whose total is above it refuses.
    #[schema(example = 4)]
    pub limit: f64,
    /// `hours` or `reservations`.
    #[schema(value_type = String, example = "hours")]
    pub unit: QuotaUnit,
    /// `day`, `week`, `month` or `year`, on the calendar of `time_zone`.
    #[schema(value_type = String, example = "week")]
    pub period: QuotaPeriod,
    /// Which of the person's reservations count: `resource` (only on the limited resource, or
    /// on the ones asked for), `global` and `group` (those on the resources asked for and on
    /// their resource group), `schedule` (the same, a reservation counting once per resource).
    #[serde(default = "global")]
    #[schema(value_type = String, example = "global")]
    pub scope: QuotaScope,
    /// Only reservations that include this resource are limited.
    #[serde(default)]
    pub resource_id: Option<Uuid>,
    /// Only members of this team are limited.
    #[serde(default)]
    pub team_id: Option<Uuid>,
    /// Only reservations whose first resource is in this resource group are limited.
    #[serde(default)]
    pub group_id: Option<Uuid>,
    /// Weekday names (`monday` … `sunday`) the quota counts on; every day when empty.
    #[serde(default)]
    pub enforced_days: Vec<String>,
    /// `["08:00", "17:00"]`: only time inside this window counts; the whole day when absent.
    #[serde(default)]
    pub enforced_hours: Option<[String; 2]>,
    /// Whether reservations that already ended count.
    #[serde(default = "yes")]
    pub count_completed: bool,
    /// The weekday weeks start on, or `today`.
    #[serde(default = "monday")]
    #[schema(example = "monday")]
    pub first_weekday: String,
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
}

fn global() -> QuotaScope {
    QuotaScope::Global
}

fn yes() -> bool {
    true
}

fn monday() -> String {
    "monday".to_owned()
}

#[derive(Debug, Serialize, ToSchema)]
pub struct QuotaBody {
    pub id: Uuid,
    #[serde(flatten)]
    pub settings: QuotaSettings,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<ResourceQuota> for QuotaBody {
    fn from(q: ResourceQuota) -> Self {
        let f = q.fields;
        Self {
            id: q.id.0,
            settings: QuotaSettings {
                name: f.name,
                limit: f.limit,
                unit: f.unit,
                period: f.period,
                scope: f.scope,
                resource_id: f.resource_id.map(|id| id.0),
                team_id: f.team_id.map(|id| id.0),
                group_id: f.group_id.map(|id| id.0),
                enforced_days: f.enforced_days,
                enforced_hours: f.enforced_hours,
                count_completed: f.count_completed,
                first_weekday: f.first_weekday,
                time_zone: f.time_zone,
            },
            created_at: super::instant(q.created_at),
            updated_at: super::instant(q.updated_at),
        }
    }
}

impl From<QuotaSettings> for QuotaFields {
    fn from(s: QuotaSettings) -> Self {
        Self {
            name: s.name,
            limit: s.limit,
            unit: s.unit,
            period: s.period,
            scope: s.scope,
            resource_id: s.resource_id.map(ResourceId),
            team_id: s.team_id.map(TeamId),
            group_id: s.group_id.map(ResourceGroupId),
            enforced_days: s.enforced_days,
            enforced_hours: s.enforced_hours,
            count_completed: s.count_completed,
            first_weekday: s.first_weekday,
            time_zone: s.time_zone,
        }
    }
}

/// Create a quota.
#[utoipa::path(post, path = "/api/v1/resource-quotas", tag = "resources", security(("api_key" = [])),
    request_body = QuotaSettings,
    responses(
        (status = 201, description = "Created", body = QuotaBody),
        (status = 403, description = "Lacks resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource, team or resource group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another quota has this name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_quota(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<QuotaSettings>,
) -> Result<(StatusCode, Json<QuotaBody>), ApiError> {
    let quota = services::resource_quotas::create(&state.db, &scope, body.into()).await?;
    Ok((StatusCode::CREATED, Json(quota.into())))
}

/// List quotas, by name.
#[utoipa::path(get, path = "/api/v1/resource-quotas", tag = "resources", security(("api_key" = [])),
    responses(
        (status = 200, description = "By name", body = Vec<QuotaBody>),
        (status = 403, description = "Lacks resources.read", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_quotas(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<Json<Vec<QuotaBody>>, ApiError> {
    let quotas = services::resource_quotas::list(&state.db, &scope).await?;
    Ok(Json(quotas.into_iter().map(Into::into).collect()))
}

/// Replace a quota.
#[utoipa::path(put, path = "/api/v1/resource-quotas/{id}", tag = "resources", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Quota id")),
    request_body = QuotaSettings,
    responses(
        (status = 200, description = "The quota", body = QuotaBody),
        (status = 403, description = "Lacks resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such quota, resource, team or resource group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another quota has this name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replace_quota(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<QuotaSettings>,
) -> Result<Json<QuotaBody>, ApiError> {
    let quota =
        services::resource_quotas::replace(&state.db, &scope, ResourceQuotaId(id), body.into())
            .await?;
    Ok(Json(quota.into()))
}

/// Delete a quota.
#[utoipa::path(delete, path = "/api/v1/resource-quotas/{id}", tag = "resources", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Quota id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Lacks resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such quota", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_quota(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::resource_quotas::delete(&state.db, &scope, ResourceQuotaId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
