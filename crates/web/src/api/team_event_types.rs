//! `/api/v1/event-types/{id}/team`: a team's collective or round-robin event type, its
//! strategy and its hosts.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::ids::{EventTypeId, TeamId, UserId};
use domain::team_event_types::{HostSettings, Strategy, TeamKind, TeamSettings, TeamSetup};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// One host of a team event type.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HostRequest {
    pub user_id: Uuid,
    /// Round robin: on every booking, besides the hosts the strategy chooses.
    #[serde(default)]
    pub fixed: bool,
    /// Share under the `weighted` strategy, relative to the other hosts' (1 to 10000).
    #[serde(default = "one")]
    pub weight: i32,
    /// Higher first under the `priority` strategy (-1000 to 1000).
    #[serde(default)]
    pub priority: i32,
    /// The host's own limit on this event type's bookings per local day.
    pub max_per_day: Option<i32>,
    /// The host's own limit per ISO week.
    pub max_per_week: Option<i32>,
}

fn one() -> i32 {
    1
}

/// How a team hosts an event type.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamRequest {
    /// The team whose members host it.
    pub team_id: Uuid,
    /// `collective`: every host on every booking; `round_robin`: some chosen per booking.
    #[schema(value_type = String, example = "round_robin")]
    pub kind: TeamKind,
    /// How round robin chooses: `least_recent` (default), `rotate`, `priority`, `weighted`,
    /// `equal_distribution`.
    #[schema(value_type = Option<String>, example = "weighted")]
    #[serde(default)]
    pub strategy: Option<Strategy>,
    /// Round robin: hosts chosen per booking, besides the fixed ones (default 1).
    #[serde(default = "one")]
    pub hosts_per_booking: i32,
    /// `equal_distribution`: how many bookings a host may get ahead of the least-booked free
    /// host (default 1).
    #[serde(default = "one")]
    pub max_lead: i32,
    /// In rotation order.
    pub hosts: Vec<HostRequest>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HostBody {
    pub user_id: Uuid,
    pub fixed: bool,
    pub weight: i32,
    pub priority: i32,
    pub max_per_day: Option<i32>,
    pub max_per_week: Option<i32>,
    /// Bookings the weighted strategy counted for the host when they were added (the
    /// average then), so a newcomer is not handed every booking.
    pub starting_count: f64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TeamBody {
    pub team_id: Uuid,
    #[schema(value_type = String, example = "round_robin")]
    pub kind: TeamKind,
    #[schema(value_type = String, example = "least_recent")]
    pub strategy: Strategy,
    pub hosts_per_booking: i32,
    pub max_lead: i32,
    pub hosts: Vec<HostBody>,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<TeamSetup> for TeamBody {
    fn from(t: TeamSetup) -> Self {
        Self {
            team_id: t.team_id.0,
            kind: t.kind,
            strategy: t.strategy,
            hosts_per_booking: t.hosts_per_booking,
            max_lead: t.max_lead,
            hosts: t
                .hosts
                .into_iter()
                .map(|h| HostBody {
                    user_id: h.settings.user_id.0,
                    fixed: h.settings.fixed,
                    weight: h.settings.weight,
                    priority: h.settings.priority,
                    max_per_day: h.settings.max_per_day,
                    max_per_week: h.settings.max_per_week,
                    starting_count: h.starting_count,
                })
                .collect(),
            updated_at: super::instant(t.updated_at),
        }
    }
}

/// Get how a team hosts an event type.
#[utoipa::path(get, path = "/api/v1/event-types/{id}/team", tag = "event types", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Event type id")),
    responses(
        (status = 200, description = "The team setup", body = TeamBody),
        (status = 403, description = "Lacks event_types.read", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event type in this organization, or its owner hosts it alone", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_event_type_team(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<TeamBody>, ApiError> {
    let setup = services::team_event_types::get(&state.db, &scope, EventTypeId(id))
        .await?
        .ok_or(services::ServiceError::NotFound("team setup"))?;
    Ok(Json(setup.into()))
}

/// Make an event type a team's, or change how the team hosts it.
#[utoipa::path(put, path = "/api/v1/event-types/{id}/team", tag = "event types", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Event type id")),
    request_body = TeamRequest,
    responses(
        (status = 200, description = "The team setup", body = TeamBody),
        (status = 403, description = "May not manage the event type, or neither manages teams nor leads this team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event type or team in this organization", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (a host outside the team, a weight out of range, ...); `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_event_type_team(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<TeamRequest>,
) -> Result<Json<TeamBody>, ApiError> {
    let settings = TeamSettings {
        team_id: TeamId(body.team_id),
        kind: body.kind,
        strategy: body.strategy.unwrap_or(Strategy::LeastRecent),
        hosts_per_booking: body.hosts_per_booking,
        max_lead: body.max_lead,
        hosts: body
            .hosts
            .into_iter()
            .map(|h| HostSettings {
                user_id: UserId(h.user_id),
                fixed: h.fixed,
                weight: h.weight,
                priority: h.priority,
                max_per_day: h.max_per_day,
                max_per_week: h.max_per_week,
            })
            .collect(),
    };
    let setup =
        services::team_event_types::set(&state.db, &scope, EventTypeId(id), settings).await?;
    Ok(Json(setup.into()))
}

/// Hand a team event type back to its owner, who hosts it alone from now on. Bookings made
/// while the team hosted it keep their hosts.
#[utoipa::path(delete, path = "/api/v1/event-types/{id}/team", tag = "event types", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Event type id")),
    responses(
        (status = 204, description = "The owner hosts the event type alone"),
        (status = 403, description = "May not manage the event type, or neither manages teams nor leads its team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event type in this organization, or no team hosts it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_event_type_team(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::team_event_types::clear(&state.db, &scope, EventTypeId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
