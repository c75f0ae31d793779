//! The dashboard's view of the session: a signed-in visitor on GET, and a submitted form
//! whose hidden `csrf_token` field is checked by the same code that checks the API's
//! `X-CSRF-Token` header (`extract::auth::session_scope`).

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::StatusCode;
use axum::http::request::Parts;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use services::Scope;

use super::PageError;
use crate::extract::auth::{CSRF_COOKIE, cookie, session_scope};
use crate::problem::ApiError;
use crate::state::AppState;

/// Dashboard forms are a few fields; anything bigger is not one of ours.
const MAX_FORM_BYTES: usize = 64 * 1024;

/// A signed-in visitor: the session's scope, and the CSRF token to put in the page's forms
/// (the script-readable `rdv_csrf` cookie of the same session, whose hash the session row
/// keeps; the server checks it on submit, so a stale or forged one is refused).
#[derive(Debug)]
pub(crate) struct SignedIn {
    pub scope: Scope,
    pub csrf: String,
}

impl FromRequestParts<AppState> for SignedIn {
    type Rejection = PageError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, PageError> {
        let scope = session_scope(parts, state, "").await?;
        let csrf = cookie(parts, CSRF_COOKIE).unwrap_or_default().to_owned();
        Ok(Self { scope, csrf })
    }
}

/// A dashboard form submission (`application/x-www-form-urlencoded`) from a signed-in
/// visitor, accepted only with the session's CSRF token in its `csrf_token` field.
#[derive(Debug)]
pub(crate) struct SessionForm<T> {
    pub scope: Scope,
    pub csrf: String,
    pub form: T,
}

#[derive(Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf_token: String,
}

impl<T: DeserializeOwned> FromRequest<AppState> for SessionForm<T> {
    type Rejection = PageError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, PageError> {
        let (parts, body) = req.into_parts();
        let bytes = axum::body::to_bytes(body, MAX_FORM_BYTES)
            .await
            .map_err(|_| {
                ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    "the form is too large",
                )
            })?;
        let presented = serde_urlencoded::from_bytes::<CsrfField>(&bytes)
            .map(|f| f.csrf_token)
            .unwrap_or_default();
        let scope = session_scope(&parts, state, &presented).await?;
        let form = serde_urlencoded::from_bytes::<T>(&bytes).map_err(|e| {
            ApiError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_form",
                format!("the form could not be read: {e}"),
            )
        })?;
        Ok(Self {
            scope,
            csrf: presented,
            form,
        })
    }
}
