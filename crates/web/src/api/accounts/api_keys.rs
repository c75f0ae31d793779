//! `/api/v1/api-keys`: issue, list and revoke API keys: one's own with `api_keys.manage`,
//! anyone's as owner or admin.

use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A key to issue.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewApiKeyBody {
    #[schema(example = "CI deploys")]
    pub name: String,
    /// The user the key acts as; the caller when absent.
    #[serde(default)]
    pub user_id: Option<Uuid>,
    /// Permission codenames the key is narrowed to (intersected with its user's); all of the
    /// user's when absent.
    #[serde(default)]
    #[schema(example = json!(["bookings.read"]))]
    pub scopes: Option<Vec<String>>,
    /// When the key stops working (RFC 3339); never when absent.
    #[serde(default)]
    #[schema(value_type = Option<String>, format = DateTime)]
    pub expires_at: Option<jiff::Timestamp>,
}

/// A key as listed: never the key itself.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApiKeyBody {
    pub id: Uuid,
    /// Whom the key acts as.
    pub user_id: Uuid,
    /// Who issued (and so holds) it; null for keys the operator issued.
    pub created_by: Option<Uuid>,
    pub name: String,
    /// Permission codenames, or null for all of the user's.
    pub scopes: Option<Vec<String>>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
}

impl From<domain::api_keys::ApiKey> for ApiKeyBody {
    fn from(k: domain::api_keys::ApiKey) -> Self {
        Self {
            id: k.id.0,
            user_id: k.user_id.0,
            created_by: k.created_by.map(|u| u.0),
            name: k.name,
            scopes: k.scopes.map(domain::access::Permissions::codenames),
            created_at: crate::api::instant(k.created_at),
            expires_at: k.expires_at.map(crate::api::instant),
            last_used_at: k.last_used_at.map(crate::api::instant),
            revoked_at: k.revoked_at.map(crate::api::instant),
        }
    }
}

/// A key just issued. `key` is shown this once and never stored.
#[derive(Debug, Serialize, ToSchema)]
pub struct IssuedApiKeyBody {
    pub id: Uuid,
    /// Send as `Authorization: Bearer <key>`.
    pub key: String,
}

/// Issue an API key.
///
/// A key of one's own needs `api_keys.manage` (members have it); a key for another user
/// needs an owner or admin whose role and permissions cover that user's (an admin cannot
/// mint the owner's key). A key never carries a permission its issuer lacks: `scopes`
/// beyond the caller's are refused, a caller using a narrowed key passes its narrowing on,
/// and a key for another user stays held to its issuer's current rights. The audit log
/// names the issuer as the actor and the user as `on_behalf_of`. Returns the key once; only
/// a hash is kept.
#[utoipa::path(post, path = "/api/v1/api-keys", tag = "accounts", security(("api_key" = [])),
    request_body = NewApiKeyBody,
    responses(
        (status = 201, description = "Issued; the key is in the body, once", body = IssuedApiKeyBody),
        (status = 403, description = "Lacks api_keys.manage, or a key for another user from someone who is not an owner or admin or whose rights do not cover that user's", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such user in this organization", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (unknown or unheld scope, past expiry)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_api_key(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<NewApiKeyBody>,
) -> Result<(StatusCode, axum::Json<IssuedApiKeyBody>), ApiError> {
    let input = services::api_keys::NewApiKey {
        user_id: body.user_id.map(domain::ids::UserId),
        name: body.name,
        scopes: body.scopes,
        expires_at: body.expires_at.map(Into::into),
    };
    let issued = services::api_keys::create(&state.db, &scope, input).await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(IssuedApiKeyBody {
            id: issued.id.0,
            key: issued.token.expose().to_owned(),
        }),
    ))
}

/// List API keys.
///
/// Owners and admins see the organization's keys, everyone else with `api_keys.manage`
/// their own; revoked and expired keys included.
#[utoipa::path(get, path = "/api/v1/api-keys", tag = "accounts", security(("api_key" = [])),
    responses(
        (status = 200, description = "The keys, oldest first", body = Vec<ApiKeyBody>),
        (status = 403, description = "Lacks api_keys.manage", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_api_keys(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<axum::Json<Vec<ApiKeyBody>>, ApiError> {
    let keys = services::api_keys::list(&state.db, &scope).await?;
    Ok(axum::Json(keys.into_iter().map(ApiKeyBody::from).collect()))
}

/// Revoke an API key.
///
/// It stops authenticating at once. Revoking twice is not an error. Owners and admins
/// revoke any key; everyone else with `api_keys.manage` their own (another's is not found).
#[utoipa::path(delete, path = "/api/v1/api-keys/{id}", tag = "accounts", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "API key id")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 403, description = "Lacks api_keys.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such key (of yours, unless owner or admin)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn revoke_api_key(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::api_keys::revoke(&state.db, &scope, domain::ids::ApiKeyId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}
