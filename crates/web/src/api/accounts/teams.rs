//! `/api/v1/teams`: teams and memberships.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::ids::{TeamId, UserId};
use domain::teams::TeamRole;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A team.
#[derive(Debug, Serialize, ToSchema)]
pub struct TeamBody {
    pub id: Uuid,
    pub slug: String,
    pub name: String,
}

impl From<domain::teams::Team> for TeamBody {
    fn from(t: domain::teams::Team) -> Self {
        Self {
            id: t.id.0,
            slug: t.slug,
            name: t.name,
        }
    }
}

/// A new team, or changes to one (absent fields stay).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TeamInput {
    #[serde(default)]
    pub slug: Option<String>,
    #[serde(default)]
    pub name: Option<String>,
}

/// A membership.
#[derive(Debug, Serialize, ToSchema)]
pub struct MemberBody {
    pub user_id: Uuid,
    /// `lead` or `member`.
    pub role: String,
}

/// A membership's role.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MemberInput {
    #[schema(value_type = String, example = "member")]
    pub role: TeamRole,
}

/// List teams (needs `teams.read`).
#[utoipa::path(get, path = "/api/v1/teams", tag = "accounts", security(("api_key" = [])),
    responses(
        (status = 200, description = "Teams", body = Vec<TeamBody>),
        (status = 403, description = "Lacks teams.read", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_teams(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<axum::Json<Vec<TeamBody>>, ApiError> {
    let teams = services::teams::list(&state.db, &scope).await?;
    Ok(axum::Json(teams.into_iter().map(TeamBody::from).collect()))
}

/// Create a team (needs `teams.manage`).
#[utoipa::path(post, path = "/api/v1/teams", tag = "accounts", security(("api_key" = [])),
    request_body = TeamInput,
    responses(
        (status = 201, description = "Created", body = TeamBody),
        (status = 403, description = "Lacks teams.manage", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_team(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<TeamInput>,
) -> Result<(StatusCode, axum::Json<TeamBody>), ApiError> {
    let team = services::teams::create(
        &state.db,
        &scope,
        body.slug.as_deref().unwrap_or_default(),
        body.name.as_deref().unwrap_or_default(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(team.into())))
}

/// Get a team.
#[utoipa::path(get, path = "/api/v1/teams/{id}", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    responses(
        (status = 200, description = "The team", body = TeamBody),
        (status = 404, description = "No such team", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_team(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<TeamBody>, ApiError> {
    Ok(axum::Json(
        services::teams::get(&state.db, &scope, TeamId(id))
            .await?
            .into(),
    ))
}

/// Update a team (needs `teams.manage`, or to lead the team).
#[utoipa::path(patch, path = "/api/v1/teams/{id}", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    request_body = TeamInput,
    responses(
        (status = 200, description = "The updated team", body = TeamBody),
        (status = 403, description = "Lacks teams.manage and does not lead the team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_team(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<TeamInput>,
) -> Result<axum::Json<TeamBody>, ApiError> {
    let team = services::teams::update(&state.db, &scope, TeamId(id), body.slug, body.name).await?;
    Ok(axum::Json(team.into()))
}

/// Delete a team (needs `teams.manage`).
///
/// The team disappears from every read and its slug is free again; its row and memberships
/// are kept for the history.
#[utoipa::path(delete, path = "/api/v1/teams/{id}", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Lacks teams.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_team(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::teams::delete(&state.db, &scope, TeamId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// List a team's members.
#[utoipa::path(get, path = "/api/v1/teams/{id}/members", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Team id")),
    responses(
        (status = 200, description = "Members", body = Vec<MemberBody>),
        (status = 404, description = "No such team", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_members(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<Vec<MemberBody>>, ApiError> {
    let members = services::teams::members(&state.db, &scope, TeamId(id)).await?;
    Ok(axum::Json(
        members
            .into_iter()
            .map(|m| MemberBody {
                user_id: m.user_id.0,
                role: m.role.as_str().to_owned(),
            })
            .collect(),
    ))
}

/// Add a member or change their team role (needs `teams.manage`, or to lead the team).
#[utoipa::path(put, path = "/api/v1/teams/{id}/members/{user_id}", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Team id"), ("user_id" = Uuid, Path, description = "User id")),
    request_body = MemberInput,
    responses(
        (status = 200, description = "The membership", body = MemberBody),
        (status = 403, description = "Lacks teams.manage and does not lead the team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such team or user", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn put_member(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    Path((id, user_id)): Path<(Uuid, Uuid)>,
    ApiJson(body): ApiJson<MemberInput>,
) -> Result<axum::Json<MemberBody>, ApiError> {
    let m = services::teams::put_member(&state.db, &scope, TeamId(id), UserId(user_id), body.role)
        .await?;
    Ok(axum::Json(MemberBody {
        user_id: m.user_id.0,
        role: m.role.as_str().to_owned(),
    }))
}

/// Remove a member (needs `teams.manage`, or to lead the team).
#[utoipa::path(delete, path = "/api/v1/teams/{id}/members/{user_id}", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Team id"), ("user_id" = Uuid, Path, description = "User id")),
    responses(
        (status = 204, description = "Removed"),
        (status = 403, description = "Lacks teams.manage and does not lead the team", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such membership", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn remove_member(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    Path((id, user_id)): Path<(Uuid, Uuid)>,
) -> Result<StatusCode, ApiError> {
    services::teams::remove_member(&state.db, &scope, TeamId(id), UserId(user_id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
