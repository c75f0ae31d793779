//! `/api/v1/resources`, `/api/v1/resource-groups` and `/api/v1/reservations`: rooms,
//! equipment, spaces and workshops, and reservations that hold one or more of them.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::ids::{ReservationId, ResourceGroupId, ResourceId};
use domain::resources::{
    Reservation, ReservationFilter, ReservationSource, ReservationStatus, Resource, ResourceGroup,
    ResourceKind, ResourceStatus,
};
use serde::{Deserialize, Serialize};
use services::resources::{Decision, ReserveInput, ResourceInput};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A resource as the API shows and takes it.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceSettings {
    #[schema(example = "Room Ada")]
    pub name: String,
    /// `equipment`, `space`, `person` or `workshop`.
    #[schema(value_type = String, example = "space")]
    pub kind: ResourceKind,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    #[schema(example = "Building A, floor 2")]
    pub location: String,
    #[serde(default)]
    pub group_id: Option<Uuid>,
    /// Typed custom fields: true or false, a number, or a text.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"projector": true, "seats": 8}))]
    pub attributes: BTreeMap<String, serde_json::Value>,
    /// How many reservations it holds at one time (1 for a room).
    #[serde(default = "one")]
    pub capacity: i32,
    /// The IANA zone its hours are read in.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
    /// Hours per weekday `mon` … `sun`, as windows `["09:00", "17:00"]`; a day left out is
    /// closed.
    #[schema(value_type = Object, example = json!({"mon": [["08:00", "18:00"]]}))]
    pub weekly: BTreeMap<String, Vec<[String; 2]>>,
    /// Hours for single dates `YYYY-MM-DD` that replace the weekly ones; `[]` closes the day.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub overrides: BTreeMap<String, Vec<[String; 2]>>,
    #[serde(default)]
    pub buffer_before_minutes: i32,
    #[serde(default)]
    pub buffer_after_minutes: i32,
    #[serde(default = "fifteen")]
    pub min_duration_minutes: i32,
    #[serde(default)]
    pub max_duration_minutes: Option<i32>,
    #[serde(default)]
    pub min_notice_minutes: i32,
    #[serde(default)]
    pub max_notice_days: Option<i32>,
    /// Reservations wait for approval by someone with `resources.manage`.
    #[serde(default)]
    pub requires_approval: bool,
    /// Someone must check in (`POST /reservations/{id}/check-in`); a reservation nobody
    /// checked in to is released `release_after_minutes` after its start.
    #[serde(default)]
    pub check_in_required: bool,
    #[serde(default = "fifteen")]
    pub release_after_minutes: i32,
    /// `available`, `unavailable` (shown, not bookable) or `hidden`.
    #[serde(default = "available")]
    #[schema(value_type = String, example = "available")]
    pub status: ResourceStatus,
    #[serde(default)]
    pub status_reason: String,
}

fn one() -> i32 {
    1
}

fn fifteen() -> i32 {
    15
}

fn available() -> ResourceStatus {
    ResourceStatus::Available
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceBody {
    pub id: Uuid,
    #[serde(flatten)]
    pub settings: ResourceSettings,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<Resource> for ResourceBody {
    fn from(r: Resource) -> Self {
        let f = r.fields;
        Self {
            id: r.id.0,
            settings: ResourceSettings {
                name: f.name,
                kind: f.kind,
                description: f.description,
                location: f.location,
                group_id: f.group_id.map(|g| g.0),
                attributes: f.attributes,
                capacity: f.capacity,
                time_zone: f.time_zone,
                weekly: f.weekly,
                overrides: f.overrides,
                buffer_before_minutes: f.buffer_before_minutes,
                buffer_after_minutes: f.buffer_after_minutes,
                min_duration_minutes: f.min_duration_minutes,
                max_duration_minutes: f.max_duration_minutes,
                min_notice_minutes: f.min_notice_minutes,
                max_notice_days: f.max_notice_days,
                requires_approval: f.requires_approval,
                check_in_required: f.check_in_required,
                release_after_minutes: f.release_after_minutes,
                status: f.status,
                status_reason: f.status_reason,
            },
            created_at: super::instant(r.created_at),
            updated_at: super::instant(r.updated_at),
        }
    }
}

impl From<ResourceSettings> for ResourceInput {
    fn from(s: ResourceSettings) -> Self {
        Self {
            name: s.name,
            kind: s.kind,
            description: s.description,
            location: s.location,
            group_id: s.group_id.map(ResourceGroupId),
            attributes: s.attributes,
            capacity: s.capacity,
            time_zone: s.time_zone,
            weekly: s.weekly,
            overrides: s.overrides,
            buffer_before_minutes: s.buffer_before_minutes,
            buffer_after_minutes: s.buffer_after_minutes,
            min_duration_minutes: s.min_duration_minutes,
            max_duration_minutes: s.max_duration_minutes,
            min_notice_minutes: s.min_notice_minutes,
            max_notice_days: s.max_notice_days,
            requires_approval: s.requires_approval,
            check_in_required: s.check_in_required,
            release_after_minutes: s.release_after_minutes,
            status: s.status,
            status_reason: s.status_reason,
        }
    }
}

/// Create a resource.
#[utoipa::path(post, path = "/api/v1/resources", tag = "resources", security(("api_key" = [])),
    request_body = ResourceSettings,
    responses(
        (status = 201, description = "Created", body = ResourceBody),
        (status = 403, description = "Lacks resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another resource has this name (`/name` `taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_resource(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<ResourceSettings>,
) -> Result<(StatusCode, Json<ResourceBody>), ApiError> {
    let resource = services::resources::create(&state.db, &scope, body.into()).await?;
    Ok((StatusCode::CREATED, Json(resource.into())))
}

/// List resources, by name (hidden ones only for those with `resources.manage`).
#[utoipa::path(get, path = "/api/v1/resources", tag = "resources", security(("api_key" = [])),
    responses(
        (status = 200, description = "By name", body = Vec<ResourceBody>),
        (status = 403, description = "Lacks resources.read", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_resources(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<Json<Vec<ResourceBody>>, ApiError> {
    let list = services::resources::list(&state.db, &scope).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Get a resource.
#[utoipa::path(get, path = "/api/v1/resources/{id}", tag = "resources", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Resource id")),
    responses(
        (status = 200, description = "The resource", body = ResourceBody),
        (status = 403, description = "Lacks resources.read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource (or it is hidden)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_resource(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ResourceBody>, ApiError> {
    let resource = services::resources::get(&state.db, &scope, ResourceId(id)).await?;
    Ok(Json(resource.into()))
}

/// Replace a resource's settings.
#[utoipa::path(put, path = "/api/v1/resources/{id}", tag = "resources", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Resource id")),
    request_body = ResourceSettings,
    responses(
        (status = 200, description = "The resource", body = ResourceBody),
        (status = 403, description = "Lacks resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource or resource group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Another resource has this name (`/name` `taken`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replace_resource(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ResourceSettings>,
) -> Result<Json<ResourceBody>, ApiError> {
    let resource =
        services::resources::replace(&state.db, &scope, ResourceId(id), body.into()).await?;
    Ok(Json(resource.into()))
}

/// Delete a resource that was never reserved (one with reservations is kept: hide it).
#[utoipa::path(delete, path = "/api/v1/resources/{id}", tag = "resources", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Resource id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Lacks resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It has reservations (`has_reservations`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_resource(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::resources::delete(&state.db, &scope, ResourceId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a search asks for: a period, and what the resource must be.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceSearchRequest {
    #[schema(value_type = String, format = DateTime, example = "2026-12-15T13:00:00Z")]
    pub start_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime, example = "2026-12-15T14:00:00Z")]
    pub end_at: jiff::Timestamp,
    /// Only this kind.
    #[serde(default)]
    #[schema(value_type = Option<String>, example = "space")]
    pub kind: Option<ResourceKind>,
    /// Only resources in this group or a group below it (a building, with its floors).
    #[serde(default)]
    pub group_id: Option<Uuid>,
    /// Attributes that must be equal.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"projector": true}))]
    pub attributes: BTreeMap<String, serde_json::Value>,
    /// Numeric attributes that must be at least this.
    #[serde(default)]
    #[schema(value_type = Object, example = json!({"seats": 8}))]
    pub at_least: BTreeMap<String, f64>,
}

/// One resource of a search.
#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceSearchHit {
    pub resource: ResourceBody,
    /// Whether it can be reserved for the whole period now.
    pub available: bool,
    /// Why not: `not_bookable`, `too_short`, `too_long`, `too_soon`, `too_far_ahead`,
    /// `outside_hours`, `blacked_out` or `full`.
    pub reason: Option<String>,
    /// The reason for people, naming the resource's rule.
    pub detail: Option<String>,
}

/// Which resources are free for a period: every resource that is what the search asks for,
/// the free ones first, each other one with the reason it is not (quotas are weighed when
/// reserving).
#[utoipa::path(post, path = "/api/v1/resources/search", tag = "resources", security(("api_key" = [])),
    request_body = ResourceSearchRequest,
    responses(
        (status = 200, description = "Free ones first, then by name", body = Vec<ResourceSearchHit>),
        (status = 403, description = "Lacks resources.read", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn search_resources(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<ResourceSearchRequest>,
) -> Result<Json<Vec<ResourceSearchHit>>, ApiError> {
    let input = services::resources::SearchInput {
        start_at: body.start_at.into(),
        end_at: body.end_at.into(),
        kind: body.kind,
        group_id: body.group_id.map(ResourceGroupId),
        attributes: body.attributes,
        at_least: body.at_least,
    };
    let hits = services::resources::search(&state.db, &scope, input).await?;
    Ok(Json(
        hits.into_iter()
            .map(|hit| {
                let (reason, detail) = match hit.refusal {
                    Some((reason, detail)) => (Some(reason.code().to_owned()), Some(detail)),
                    None => (None, None),
                };
                ResourceSearchHit {
                    resource: hit.resource.into(),
                    available: reason.is_none(),
                    reason,
                    detail,
                }
            })
            .collect(),
    ))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ResourceGroupBody {
    pub id: Uuid,
    pub parent_id: Option<Uuid>,
    pub name: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<ResourceGroup> for ResourceGroupBody {
    fn from(g: ResourceGroup) -> Self {
        Self {
            id: g.id.0,
            parent_id: g.parent_id.map(|p| p.0),
            name: g.name,
            created_at: super::instant(g.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResourceGroupRequest {
    #[schema(example = "Building A")]
    pub name: String,
    /// The group it belongs to (a floor in a building); a top-level group without one.
    #[serde(default)]
    pub parent_id: Option<Uuid>,
}

/// Create a resource group.
#[utoipa::path(post, path = "/api/v1/resource-groups", tag = "resources", security(("api_key" = [])),
    request_body = ResourceGroupRequest,
    responses(
        (status = 201, description = "Created", body = ResourceGroupBody),
        (status = 403, description = "Lacks resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such parent group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The parent already has a group of this name", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_resource_group(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<ResourceGroupRequest>,
) -> Result<(StatusCode, Json<ResourceGroupBody>), ApiError> {
    let group = services::resources::create_group(
        &state.db,
        &scope,
        body.parent_id.map(ResourceGroupId),
        body.name,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(group.into())))
}

/// List resource groups, by name.
#[utoipa::path(get, path = "/api/v1/resource-groups", tag = "resources", security(("api_key" = [])),
    responses(
        (status = 200, description = "By name", body = Vec<ResourceGroupBody>),
        (status = 403, description = "Lacks resources.read", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_resource_groups(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<Json<Vec<ResourceGroupBody>>, ApiError> {
    let groups = services::resources::groups(&state.db, &scope).await?;
    Ok(Json(groups.into_iter().map(Into::into).collect()))
}

/// Delete an empty resource group.
#[utoipa::path(delete, path = "/api/v1/resource-groups/{id}", tag = "resources", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Resource group id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Lacks resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It still holds resources or groups (`group_not_empty`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_resource_group(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::resources::delete_group(&state.db, &scope, ResourceGroupId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ReservationBody {
    pub id: Uuid,
    pub booked_by: Uuid,
    pub title: String,
    #[schema(format = DateTime)]
    pub start_at: String,
    #[schema(format = DateTime)]
    pub end_at: String,
    /// `pending` (waiting for approval; it holds the resources), `confirmed`, `rejected` or
    /// `cancelled`.
    #[schema(value_type = String, example = "confirmed")]
    pub status: ReservationStatus,
    /// `web`, `api`, `request`, `calendar` or `import`.
    #[schema(value_type = String, example = "api")]
    pub source: ReservationSource,
    pub resource_ids: Vec<Uuid>,
    /// Why it was rejected or cancelled.
    pub reason: Option<String>,
    /// When someone checked in to it.
    #[schema(format = DateTime)]
    pub checked_in_at: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<Reservation> for ReservationBody {
    fn from(r: Reservation) -> Self {
        Self {
            id: r.id.0,
            booked_by: r.booked_by.0,
            title: r.title,
            start_at: super::instant(r.start_at),
            end_at: super::instant(r.end_at),
            status: r.status,
            source: r.source,
            resource_ids: r.resource_ids.into_iter().map(|id| id.0).collect(),
            reason: r.reason,
            checked_in_at: r.checked_in_at.map(super::instant),
            created_at: super::instant(r.created_at),
            updated_at: super::instant(r.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReservationRequest {
    /// Every resource to hold, all or none (1 to 20).
    pub resource_ids: Vec<Uuid>,
    /// RFC 3339, on a whole minute.
    #[schema(value_type = String, format = DateTime, example = "2026-12-15T13:00:00Z")]
    pub start_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime, example = "2026-12-15T14:00:00Z")]
    pub end_at: jiff::Timestamp,
    #[serde(default)]
    #[schema(example = "Design review")]
    pub title: String,
}

/// Reserve resources for a period: all of them or none. Confirmed at once, or `pending` when
/// a resource requires approval.
#[utoipa::path(post, path = "/api/v1/reservations", tag = "resources", security(("api_key" = [])),
    request_body = ReservationRequest,
    responses(
        (status = 201, description = "Reserved", body = ReservationBody),
        (status = 403, description = "Lacks resources.book", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "A resource cannot be held then (`resource_unavailable`); `errors` names the field or `/resource_ids/{i}` with the reason: `not_bookable`, `too_short`, `too_long`, `too_soon`, `too_far_ahead`, `outside_hours`, `blacked_out`, `full`, `over_quota` (the detail names the quota and the period)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_reservation(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<ReservationRequest>,
) -> Result<(StatusCode, Json<ReservationBody>), ApiError> {
    let input = ReserveInput {
        resource_ids: body.resource_ids.into_iter().map(ResourceId).collect(),
        start_at: body.start_at.into(),
        end_at: body.end_at.into(),
        title: body.title,
        source: ReservationSource::Api,
    };
    let reservation = services::resources::reserve(&state.db, &scope, input).await?;
    Ok((StatusCode::CREATED, Json(reservation.into())))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ReservationQuery {
    /// Only those holding this resource.
    pub resource_id: Option<Uuid>,
    /// RFC 3339; only those that end after it.
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<jiff::Timestamp>,
    /// RFC 3339; only those that start before it.
    #[param(value_type = Option<String>, format = DateTime)]
    pub until: Option<jiff::Timestamp>,
    /// Only this state.
    #[param(value_type = Option<String>)]
    pub status: Option<ReservationStatus>,
    /// At most this many (1 to 500; 100 when absent).
    #[serde(default, deserialize_with = "crate::extract::in_range::<_, 1, 500>")]
    pub limit: Option<u32>,
}

/// List reservations by start: one's own, or everyone's with `resources.manage`.
#[utoipa::path(get, path = "/api/v1/reservations", tag = "resources", security(("api_key" = [])),
    params(ReservationQuery),
    responses(
        (status = 200, description = "By start", body = Vec<ReservationBody>),
        (status = 403, description = "Lacks resources.book and resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "`limit` is out of range", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_reservations(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(query): ApiQuery<ReservationQuery>,
) -> Result<Json<Vec<ReservationBody>>, ApiError> {
    let filter = ReservationFilter {
        resource_id: query.resource_id.map(ResourceId),
        booked_by: None,
        from: query.from.map(Into::into),
        until: query.until.map(Into::into),
        statuses: query.status.into_iter().collect(),
        limit: query.limit.unwrap_or(100),
    };
    let list = services::resources::reservations(&state.db, &scope, filter).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Get a reservation: one's own, or anyone's with `resources.manage`.
#[utoipa::path(get, path = "/api/v1/reservations/{id}", tag = "resources", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "The reservation", body = ReservationBody),
        (status = 404, description = "No such reservation, or another's without resources.manage", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_reservation(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ReservationBody>, ApiError> {
    let reservation =
        services::resources::reservation(&state.db, &scope, ReservationId(id)).await?;
    Ok(Json(reservation.into()))
}

/// A decision on a reservation, with an optional reason (for a cancellation or rejection).
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionRequest {
    #[serde(default)]
    pub reason: Option<String>,
}

macro_rules! decision_handler {
    ($name:ident, $path:literal, $decision:expr, $who:literal, $summary:literal) => {
        #[doc = $summary]
        #[utoipa::path(post, path = $path, tag = "resources", security(("api_key" = [])),
            params(("id" = Uuid, Path, description = "Reservation id")),
            request_body = DecisionRequest,
            responses(
                (status = 200, description = "The reservation in its new state", body = ReservationBody),
                (status = 403, description = $who, body = Problem, content_type = "application/problem+json"),
                (status = 404, description = "No such reservation, or another's without resources.manage", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Its state does not allow this (`invalid_transition`)", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "The reason is too long", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            State(state): State<AppState>,
            Authenticated(scope): Authenticated,
            ApiPath(id): ApiPath<Uuid>,
            ApiJson(body): ApiJson<DecisionRequest>,
        ) -> Result<Json<ReservationBody>, ApiError> {
            let reservation = services::resources::decide(
                &state.db,
                &scope,
                ReservationId(id),
                $decision,
                body.reason,
            )
            .await?;
            Ok(Json(reservation.into()))
        }
    };
}

decision_handler!(
    cancel_reservation,
    "/api/v1/reservations/{id}/cancel",
    Decision::Cancel,
    "Another's reservation without resources.manage",
    "Cancel a reservation: one's own, or anyone's with `resources.manage`."
);
decision_handler!(
    approve_reservation,
    "/api/v1/reservations/{id}/approve",
    Decision::Approve,
    "Lacks resources.manage",
    "Approve a pending reservation."
);
decision_handler!(
    reject_reservation,
    "/api/v1/reservations/{id}/reject",
    Decision::Reject,
    "Lacks resources.manage",
    "Reject a pending reservation."
);

#[derive(Debug, Serialize, ToSchema)]
pub struct BlackoutBody {
    pub id: Uuid,
    pub title: String,
    #[schema(format = DateTime)]
    pub start_at: String,
    #[schema(format = DateTime)]
    pub end_at: String,
    /// The resource it covers, or
    pub resource_id: Option<Uuid>,
    /// the group whose resources (and those of the groups below) it covers.
    pub group_id: Option<Uuid>,
    pub created_by: Option<Uuid>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<domain::resources::Blackout> for BlackoutBody {
    fn from(b: domain::resources::Blackout) -> Self {
        Self {
            id: b.id.0,
            title: b.title,
            start_at: super::instant(b.start_at),
            end_at: super::instant(b.end_at),
            resource_id: b.resource_id.map(|id| id.0),
            group_id: b.group_id.map(|id| id.0),
            created_by: b.created_by.map(|id| id.0),
            created_at: super::instant(b.created_at),
        }
    }
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BlackoutRequest {
    #[schema(example = "Projector repair")]
    pub title: String,
    #[schema(value_type = String, format = DateTime, example = "2026-12-24T00:00:00Z")]
    pub start_at: jiff::Timestamp,
    #[schema(value_type = String, format = DateTime, example = "2026-12-27T00:00:00Z")]
    pub end_at: jiff::Timestamp,
    /// One resource, or
    #[serde(default)]
    pub resource_id: Option<Uuid>,
    /// a group: its resources and those of the groups below it.
    #[serde(default)]
    pub group_id: Option<Uuid>,
    /// What happens to the reservations it overlaps: `refuse` (409 while any does; the
    /// default), `cancel` (cancelled, the title as the reason) or `notify` (kept, listed).
    #[serde(default = "refuse")]
    #[schema(value_type = String, example = "cancel")]
    pub policy: domain::resources::BlackoutPolicy,
}

fn refuse() -> domain::resources::BlackoutPolicy {
    domain::resources::BlackoutPolicy::Refuse
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BlackoutCreated {
    pub blackout: BlackoutBody,
    /// The reservations it overlaps, as they are now (cancelled under `cancel`).
    pub overlapping: Vec<ReservationBody>,
}

/// Black out resources for a period (maintenance, a holiday).
#[utoipa::path(post, path = "/api/v1/resource-blackouts", tag = "resources", security(("api_key" = [])),
    request_body = BlackoutRequest,
    responses(
        (status = 201, description = "Created, with the reservations it overlaps", body = BlackoutCreated),
        (status = 403, description = "Lacks resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such resource or resource group", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Reservations overlap it and the policy is `refuse` (`reservations_overlap`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_blackout(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<BlackoutRequest>,
) -> Result<(StatusCode, Json<BlackoutCreated>), ApiError> {
    let input = services::resources::BlackoutInput {
        title: body.title,
        start_at: body.start_at.into(),
        end_at: body.end_at.into(),
        resource_id: body.resource_id.map(ResourceId),
        group_id: body.group_id.map(ResourceGroupId),
        policy: body.policy,
    };
    let (blackout, overlapping) =
        services::resources::create_blackout(&state.db, &scope, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(BlackoutCreated {
            blackout: blackout.into(),
            overlapping: overlapping.into_iter().map(Into::into).collect(),
        }),
    ))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BlackoutQuery {
    /// RFC 3339; those that end after it.
    #[param(value_type = String, format = DateTime)]
    pub from: jiff::Timestamp,
    /// RFC 3339; those that start before it.
    #[param(value_type = String, format = DateTime)]
    pub until: jiff::Timestamp,
}

/// List the blackouts that overlap a range, by start.
#[utoipa::path(get, path = "/api/v1/resource-blackouts", tag = "resources", security(("api_key" = [])),
    params(BlackoutQuery),
    responses(
        (status = 200, description = "By start", body = Vec<BlackoutBody>),
        (status = 403, description = "Lacks resources.read", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_blackouts(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(query): ApiQuery<BlackoutQuery>,
) -> Result<Json<Vec<BlackoutBody>>, ApiError> {
    let list =
        services::resources::blackouts(&state.db, &scope, query.from.into(), query.until.into())
            .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Remove a blackout.
#[utoipa::path(delete, path = "/api/v1/resource-blackouts/{id}", tag = "resources", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Blackout id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Lacks resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such blackout", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_blackout(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::resources::delete_blackout(&state.db, &scope, domain::ids::BlackoutId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Check in to a reservation (of a resource that requires it): one's own, or anyone's with
/// `resources.manage`; from 15 minutes before its start until its end.
#[utoipa::path(post, path = "/api/v1/reservations/{id}/check-in", tag = "resources", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Reservation id")),
    responses(
        (status = 200, description = "Checked in (`checked_in_at` set; the first time is kept)", body = ReservationBody),
        (status = 403, description = "Lacks resources.book and resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such reservation, or another's without resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "It is not confirmed (`invalid_transition`)", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Too early or over (`/status` `not_now`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn check_in_reservation(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<ReservationBody>, ApiError> {
    let reservation =
        services::resource_release::check_in(&state.db, &scope, ReservationId(id)).await?;
    Ok(Json(reservation.into()))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConflictBody {
    pub id: Uuid,
    /// `blackout` or `capacity_cut`.
    #[schema(value_type = String, example = "blackout")]
    pub kind: domain::resources::ConflictKind,
    /// `low`, `medium` or `high`.
    #[schema(value_type = String, example = "high")]
    pub severity: domain::resources::ConflictSeverity,
    /// `open`, `investigating`, `resolved` or `ignored`.
    #[schema(value_type = String, example = "open")]
    pub status: domain::resources::ConflictStatus,
    pub resource_id: Option<Uuid>,
    pub reservation_id: Option<Uuid>,
    pub detail: String,
    pub resolution: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<domain::resources::ResourceConflict> for ConflictBody {
    fn from(c: domain::resources::ResourceConflict) -> Self {
        Self {
            id: c.id.0,
            kind: c.kind,
            severity: c.severity,
            status: c.status,
            resource_id: c.resource_id.map(|id| id.0),
            reservation_id: c.reservation_id.map(|id| id.0),
            detail: c.detail,
            resolution: c.resolution,
            created_at: super::instant(c.created_at),
            updated_at: super::instant(c.updated_at),
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ConflictQuery {
    /// Only this state.
    #[param(value_type = Option<String>)]
    pub status: Option<domain::resources::ConflictStatus>,
}

/// The conflict log, newest first: reservations a blackout or a capacity cut collided with.
#[utoipa::path(get, path = "/api/v1/resource-conflicts", tag = "resources", security(("api_key" = [])),
    params(ConflictQuery),
    responses(
        (status = 200, description = "Newest first (at most 500)", body = Vec<ConflictBody>),
        (status = 403, description = "Lacks resources.manage", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_conflicts(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(query): ApiQuery<ConflictQuery>,
) -> Result<Json<Vec<ConflictBody>>, ApiError> {
    let list = services::resources::conflicts(&state.db, &scope, query.status).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ConflictUpdate {
    #[schema(value_type = String, example = "resolved")]
    pub status: domain::resources::ConflictStatus,
    /// How it was settled.
    #[serde(default)]
    pub resolution: String,
}

/// Move a logged conflict along, saying how it was settled.
#[utoipa::path(patch, path = "/api/v1/resource-conflicts/{id}", tag = "resources", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Conflict id")),
    request_body = ConflictUpdate,
    responses(
        (status = 200, description = "The conflict", body = ConflictBody),
        (status = 403, description = "Lacks resources.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such conflict", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_conflict(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<ConflictUpdate>,
) -> Result<Json<ConflictBody>, ApiError> {
    let conflict = services::resources::update_conflict(
        &state.db,
        &scope,
        domain::ids::ResourceConflictId(id),
        body.status,
        body.resolution,
    )
    .await?;
    Ok(Json(conflict.into()))
}
