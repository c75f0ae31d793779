//! `/api/v1/me`: who the API key acts as.

use axum::extract::State;
use domain::access::Actor;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::Authenticated;
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// The authenticated caller.
#[derive(Debug, Serialize, ToSchema)]
pub struct MeBody {
    pub organization_id: Uuid,
    pub user_id: Uuid,
    /// The key used, when the request came with an API key (not a session).
    pub api_key_id: Option<Uuid>,
    #[schema(example = "owner@example.com")]
    pub email: String,
    pub name: String,
    /// `owner`, `admin`, `member` or `viewer`.
    #[schema(example = "owner")]
    pub role: String,
    /// IANA time zone.
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
}

/// Who am I.
///
/// Returns the user the API key acts as.
#[utoipa::path(
    get,
    path = "/api/v1/me",
    tag = "organization",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The caller", body = MeBody),
        (status = 401, description = "Missing, unknown or revoked API key", body = Problem,
            content_type = "application/problem+json"),
    )
)]
pub async fn get_me(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<axum::Json<MeBody>, ApiError> {
    // Requests authenticate by API key or session; the operator never comes through HTTP.
    let api_key_id = match scope.actor() {
        Actor::ApiKey { api_key_id, .. } => Some(api_key_id.0),
        _ => None,
    };
    let user = services::users::current(&state.db, &scope).await?;
    Ok(axum::Json(MeBody {
        organization_id: scope.organization_id().0,
        user_id: user.id.0,
        api_key_id,
        email: user.email,
        name: user.name,
        role: user.role.as_str().to_owned(),
        time_zone: user.time_zone,
    }))
}
