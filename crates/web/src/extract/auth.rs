//! `Authenticated`: the tenant scope a bearer API key grants.
//!
//! A handler that needs tenant data takes this extractor; it is the only way a request gets
//! a [`store::Scope`], so an unauthenticated handler cannot reach tenant rows at all.

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;
use store::Scope;

use crate::problem::ApiError;
use crate::state::AppState;

/// The caller, authenticated by `Authorization: Bearer <api key>`.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Scope);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let Some(value) = parts.headers.get(header::AUTHORIZATION) else {
            return Err(ApiError::unauthorized(
                "unauthenticated",
                "send an API key: Authorization: Bearer <key>",
            ));
        };
        let token = value
            .to_str()
            .ok()
            .and_then(|v| v.split_once(' '))
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .ok_or_else(|| {
                ApiError::unauthorized(
                    "unauthenticated",
                    "the Authorization header must be: Bearer <key>",
                )
            })?;
        match state.db.api_keys().authenticate(token).await {
            Ok(Some(scope)) => Ok(Self(scope)),
            Ok(None) => Err(ApiError::unauthorized(
                "invalid_api_key",
                "the API key is unknown or revoked",
            )),
            Err(e) => {
                tracing::error!(error = %e, "authentication failed");
                Err(ApiError::internal())
            }
        }
    }
}
