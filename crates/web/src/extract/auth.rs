//! `Authenticated`: the tenant scope a request's credentials grant.
//!
//! Two kinds of credentials: `Authorization: Bearer <api key>` (for programs) and the
//! `rdv_session` cookie (for the browser). A handler that needs tenant data takes this
//! extractor; it is the only way a request gets a [`services::Scope`], so an unauthenticated
//! handler cannot reach tenant rows at all.
//!
//! CSRF: a cookie is sent by the browser on cross-site requests too, so cookie-authenticated
//! unsafe requests (anything but GET, HEAD, OPTIONS) must carry `X-CSRF-Token` equal to the
//! session's CSRF token, which sign-in returns in the body and in the script-readable
//! `rdv_csrf` cookie. Only a script running on our own origin can read either, so a forged
//! cross-site request cannot supply it. The server stores a hash of the token with the
//! session (a synchronizer token), so it does not rely on cookie integrity alone. Bearer keys
//! are not sent automatically by browsers and need no CSRF token.

use std::time::Duration;

use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use services::Scope;
use services::auth::AuthSettings;

use crate::problem::ApiError;
use crate::state::AppState;

/// The session cookie (HttpOnly).
pub const SESSION_COOKIE: &str = "rdv_session";
/// The CSRF cookie (readable by scripts on our origin).
pub const CSRF_COOKIE: &str = "rdv_csrf";
/// The header carrying the CSRF token on unsafe cookie-authenticated requests.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Sign-in protection and cookie settings.
#[derive(Clone, Debug)]
pub struct AuthConfig {
    pub settings: AuthSettings,
    /// Mark cookies `Secure` (sent over HTTPS only). Turn off only for plain-HTTP
    /// development on localhost.
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` is believed (see `ClientAddr`).
    pub trusted_proxies: Vec<outbound::Cidr>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            settings: AuthSettings::default(),
            secure_cookies: true,
            trusted_proxies: Vec::new(),
        }
    }
}

impl AuthConfig {
    /// `Set-Cookie` values for a new session.
    pub(crate) fn session_cookies(
        &self,
        session: &str,
        csrf: &str,
        max_age: Duration,
    ) -> [String; 2] {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        let age = max_age.as_secs();
        [
            format!(
                "{SESSION_COOKIE}={session}; Path=/; Max-Age={age}; HttpOnly; SameSite=Lax{secure}"
            ),
            format!("{CSRF_COOKIE}={csrf}; Path=/; Max-Age={age}; SameSite=Lax{secure}"),
        ]
    }

    /// `Set-Cookie` values that delete both cookies.
    pub(crate) fn cleared_cookies(&self) -> [String; 2] {
        let secure = if self.secure_cookies { "; Secure" } else { "" };
        [
            format!("{SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax{secure}"),
            format!("{CSRF_COOKIE}=; Path=/; Max-Age=0; SameSite=Lax{secure}"),
        ]
    }
}

/// The caller, authenticated by an API key or a session cookie.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Scope);

/// The value of cookie `name`, if sent.
pub(crate) fn cookie<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    cookie_in(&parts.headers, name)
}

/// The value of cookie `name` in `headers`, if sent.
pub(crate) fn cookie_in<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let ip = super::client_addr::client_ip(parts, &state.auth.trusted_proxies);
            return bearer(value, state).await.map(|s| Self(s.with_ip(ip)));
        }
        let presented = parts
            .headers
            .get(CSRF_HEADER)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        session_scope(parts, state, presented).await.map(Self)
    }
}

/// The scope of the request's `rdv_session` cookie. On unsafe methods the session's CSRF
/// token must be `presented`: the API takes it from `X-CSRF-Token`, the pages' HTML forms
/// from their hidden `csrf_token` field (forms cannot send headers). One check for both.
pub(crate) async fn session_scope(
    parts: &Parts,
    state: &AppState,
    presented: &str,
) -> Result<Scope, ApiError> {
    let Some(cookie) = cookie(parts, SESSION_COOKIE) else {
        return Err(ApiError::unauthorized(
            "unauthenticated",
            "sign in, or send an API key: Authorization: Bearer <key>",
        ));
    };
    let session = match state.db.sessions().authenticate(cookie).await {
        Ok(Some(session)) => session,
        Ok(None) => {
            return Err(ApiError::unauthorized(
                "invalid_session",
                "the session has expired or was revoked; sign in again",
            ));
        }
        Err(e) => {
            tracing::error!(error = %e, "session authentication failed");
            return Err(ApiError::internal());
        }
    };
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !session.csrf_matches(presented) {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "csrf_failed",
            "send the session's CSRF token in the X-CSRF-Token header (or, from a page's form, its csrf_token field)",
        ));
    }
    let ip = super::client_addr::client_ip(parts, &state.auth.trusted_proxies);
    Ok(session.scope.with_ip(ip))
}

async fn bearer(value: &axum::http::HeaderValue, state: &AppState) -> Result<Scope, ApiError> {
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
        Ok(Some(scope)) => Ok(scope),
        Ok(None) => Err(ApiError::unauthorized(
            "invalid_api_key",
            "the API key is unknown, revoked or expired",
        )),
        Err(e) => {
            tracing::error!(error = %e, "authentication failed");
            Err(ApiError::internal())
        }
    }
}
