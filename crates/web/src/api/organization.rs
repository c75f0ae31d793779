//! `/api/v1/organization`: the caller's own organization.

use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// An organization (tenant).
#[derive(Debug, Serialize, ToSchema)]
pub struct OrganizationBody {
    pub id: Uuid,
    /// URL-safe unique handle.
    #[schema(example = "acme")]
    pub slug: String,
    #[schema(example = "Acme Clinic")]
    pub name: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime, example = "2026-11-22T10:00:00.123Z")]
    pub created_at: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime, example = "2026-11-22T10:00:00.123Z")]
    pub updated_at: String,
    /// `#rrggbb`.
    #[schema(example = "#0066cc")]
    pub brand_color: Option<String>,
    /// https URL of the logo.
    pub logo_url: Option<String>,
    /// IANA zone new users start in.
    #[schema(example = "Europe/Berlin")]
    pub default_time_zone: String,
}

impl From<domain::organizations::Organization> for OrganizationBody {
    fn from(o: domain::organizations::Organization) -> Self {
        Self {
            id: o.id.0,
            slug: o.slug,
            name: o.name,
            created_at: super::instant(o.created_at),
            updated_at: super::instant(o.updated_at),
            brand_color: o.brand_color,
            logo_url: o.logo_url,
            default_time_zone: o.default_time_zone,
        }
    }
}

/// Changes to the organization; absent fields stay as they are.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateOrganizationBody {
    /// 1 to 200 characters.
    #[schema(example = "Acme Health")]
    #[serde(default)]
    pub name: Option<String>,
    /// `#rrggbb`; `null` clears it.
    #[serde(default, deserialize_with = "super::accounts::nullable")]
    #[schema(value_type = Option<String>, example = "#0066cc")]
    pub brand_color: Option<Option<String>>,
    /// An https URL; `null` clears it.
    #[serde(default, deserialize_with = "super::accounts::nullable")]
    #[schema(value_type = Option<String>)]
    pub logo_url: Option<Option<String>>,
    /// IANA zone new users start in.
    #[serde(default)]
    pub default_time_zone: Option<String>,
}

/// Get the organization.
///
/// Returns the organization the API key belongs to.
#[utoipa::path(
    get,
    path = "/api/v1/organization",
    tag = "organization",
    security(("api_key" = [])),
    responses(
        (status = 200, description = "The caller's organization", body = OrganizationBody),
        (status = 401, description = "Missing, unknown or revoked API key", body = Problem,
            content_type = "application/problem+json"),
    )
)]
pub async fn get_organization(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<axum::Json<OrganizationBody>, ApiError> {
    let organization = services::organizations::get(&state.db, &scope).await?;
    Ok(axum::Json(organization.into()))
}

/// Update the organization.
///
/// Owners and admins only; the change is recorded in the audit log.
#[utoipa::path(
    patch,
    path = "/api/v1/organization",
    tag = "organization",
    security(("api_key" = [])),
    request_body = UpdateOrganizationBody,
    responses(
        (status = 200, description = "The updated organization", body = OrganizationBody),
        (status = 400, description = "Malformed JSON", body = Problem,
            content_type = "application/problem+json"),
        (status = 401, description = "Missing, unknown or revoked API key", body = Problem,
            content_type = "application/problem+json"),
        (status = 403, description = "The caller's role may not change the organization",
            body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body too large", body = Problem,
            content_type = "application/problem+json"),
        (status = 415, description = "Body is not JSON", body = Problem,
            content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem,
            content_type = "application/problem+json"),
    )
)]
pub async fn update_organization(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<UpdateOrganizationBody>,
) -> Result<axum::Json<OrganizationBody>, ApiError> {
    let input = services::organizations::UpdateOrganization {
        name: body.name,
        brand_color: body.brand_color,
        logo_url: body.logo_url,
        default_time_zone: body.default_time_zone,
    };
    let organization = services::organizations::update(&state.db, &scope, input).await?;
    Ok(axum::Json(organization.into()))
}
