//! `/api/v1/roles`: custom roles.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use domain::ids::RoleId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A custom role.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoleBody {
    pub id: Uuid,
    pub name: String,
    /// Permission codenames, e.g. `teams.manage`.
    pub permissions: Vec<String>,
}

impl From<domain::roles::CustomRole> for RoleBody {
    fn from(r: domain::roles::CustomRole) -> Self {
        Self {
            id: r.id.0,
            name: r.name,
            permissions: r.permissions.codenames(),
        }
    }
}

/// A new role, or changes to one (absent fields stay).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleInput {
    #[serde(default)]
    pub name: Option<String>,
    /// Codenames: organization.manage, users.read, users.manage, roles.manage, teams.read,
    /// teams.manage, api_keys.manage, audit.read.
    #[serde(default)]
    pub permissions: Option<Vec<String>>,
}

/// List custom roles.
#[utoipa::path(get, path = "/api/v1/roles", tag = "accounts", security(("api_key" = [])),
    responses((status = 200, description = "Custom roles", body = Vec<RoleBody>)))]
pub async fn list_roles(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<axum::Json<Vec<RoleBody>>, ApiError> {
    let roles = services::roles::list(&state.db, &scope).await?;
    Ok(axum::Json(roles.into_iter().map(RoleBody::from).collect()))
}

/// Create a custom role.
///
/// Needs `roles.manage`, and every permission given (no one grants what they lack).
#[utoipa::path(post, path = "/api/v1/roles", tag = "accounts", security(("api_key" = [])),
    request_body = RoleInput,
    responses(
        (status = 201, description = "Created", body = RoleBody),
        (status = 403, description = "Lacks roles.manage or a given permission", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Name taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown permission (pointer names it)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_role(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<RoleInput>,
) -> Result<(StatusCode, axum::Json<RoleBody>), ApiError> {
    let role = services::roles::create(
        &state.db,
        &scope,
        body.name.as_deref().unwrap_or_default(),
        &body.permissions.unwrap_or_default(),
    )
    .await?;
    Ok((StatusCode::CREATED, axum::Json(role.into())))
}

/// Get a custom role.
#[utoipa::path(get, path = "/api/v1/roles/{id}", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Role id")),
    responses(
        (status = 200, description = "The role", body = RoleBody),
        (status = 404, description = "No such role", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_role(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    Path(id): Path<Uuid>,
) -> Result<axum::Json<RoleBody>, ApiError> {
    Ok(axum::Json(
        services::roles::get(&state.db, &scope, RoleId(id))
            .await?
            .into(),
    ))
}

/// Update a custom role.
#[utoipa::path(patch, path = "/api/v1/roles/{id}", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Role id")),
    request_body = RoleInput,
    responses(
        (status = 200, description = "The updated role", body = RoleBody),
        (status = 403, description = "Lacks roles.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such role", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_role(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    Path(id): Path<Uuid>,
    ApiJson(body): ApiJson<RoleInput>,
) -> Result<axum::Json<RoleBody>, ApiError> {
    let role = services::roles::update(
        &state.db,
        &scope,
        RoleId(id),
        body.name.as_deref(),
        body.permissions.as_deref(),
    )
    .await?;
    Ok(axum::Json(role.into()))
}

/// Delete a custom role.
///
/// Its holders keep their built-in role.
#[utoipa::path(delete, path = "/api/v1/roles/{id}", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Role id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Lacks roles.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such role", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_role(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    Path(id): Path<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::roles::delete(&state.db, &scope, RoleId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
