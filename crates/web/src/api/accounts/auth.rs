//! `/api/v1/auth/*`: sign-in, sign-out, passwords, invitations.

use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use services::ClientInfo;
use utoipa::ToSchema;
use uuid::Uuid;

use crate::extract::{ApiJson, Authenticated, ClientAddr};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A sign-in.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginBody {
    /// The organization's slug (addresses are unique per organization).
    #[schema(example = "acme")]
    pub organization: String,
    #[schema(example = "olive@acme.example")]
    pub email: String,
    pub password: String,
}

/// A new session. The session itself travels in the HttpOnly `rdv_session` cookie.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionBody {
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub session_id: Uuid,
    /// Send as `X-CSRF-Token` on unsafe requests authenticated by the cookie.
    pub csrf_token: String,
    /// RFC 3339, UTC.
    #[schema(format = DateTime)]
    pub expires_at: String,
}

pub(crate) fn client(addr: ClientAddr, headers: &HeaderMap) -> ClientInfo {
    ClientInfo {
        ip: addr.0,
        user_agent: headers
            .get(header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
    }
}

/// A sign-up: a new organization and its owner.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignUpBody {
    #[schema(example = "Acme Clinic")]
    pub organization_name: String,
    /// The organization's handle in URLs and at sign-in.
    #[schema(example = "acme")]
    pub organization_slug: String,
    /// The owner's name.
    #[schema(example = "Olive Owner")]
    pub name: String,
    #[schema(example = "olive@acme.example")]
    pub email: String,
    pub password: String,
    /// IANA time zone of the owner (and the organization's default).
    #[schema(example = "Europe/Berlin")]
    pub time_zone: String,
}

/// Sign up.
///
/// Founds an organization with the caller as its owner and signs them in (the same cookies
/// and body as sign-in). A link to verify the address is e-mailed. Only when the operator
/// has opened sign-up (`open_signup`, on by default); otherwise 403 `signup_closed`.
/// Limited per client address (429 with `Retry-After`).
#[utoipa::path(
    post,
    path = "/api/v1/auth/sign-up",
    tag = "accounts",
    request_body = SignUpBody,
    responses(
        (status = 201, description = "Signed up and signed in; cookies set", body = SessionBody),
        (status = 403, description = "Sign-up is closed on this server", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The organization slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (including a weak password, naming the rule)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many sign-ups from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn sign_up(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignUpBody>,
) -> Result<Response, ApiError> {
    let input = services::signup::SignUp {
        organization_name: body.organization_name,
        organization_slug: body.organization_slug,
        name: body.name,
        email: body.email,
        password: body.password,
        time_zone: body.time_zone,
    };
    let signed_in = services::signup::sign_up(
        &state.db,
        &state.auth.settings,
        &state.calendars.keys,
        input,
        &client(addr, &headers),
    )
    .await?;
    let mut response = session_response(&state, signed_in);
    *response.status_mut() = StatusCode::CREATED;
    Ok(response)
}

/// The answer to a sign-in or sign-up: the session's cookies and body.
fn session_response(state: &AppState, signed_in: services::SignedIn) -> Response {
    let session = signed_in.session;
    let cookies = state.auth.session_cookies(
        session.token.expose(),
        session.csrf_token.expose(),
        state.auth.settings.session_ttl,
    );
    let body = SessionBody {
        organization_id: signed_in.scope.organization_id().0,
        user_id: signed_in
            .scope
            .actor()
            .user_id()
            .map(|u| u.0)
            .unwrap_or_default(),
        session_id: session.id.0,
        csrf_token: session.csrf_token.expose().to_owned(),
        expires_at: crate::api::instant(session.expires_at),
    };
    let mut response = axum::Json(body).into_response();
    for c in cookies {
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    response
}

/// Sign in.
///
/// Opens a session (cookies `rdv_session`, HttpOnly, and `rdv_csrf`). Wrong organization,
/// e-mail or password all answer 401 alike. After 5 failures at an account from one client
/// address, that address backs off (429 with `Retry-After`: 15 minutes, doubling with each
/// further failure, up to a day) while other addresses are unaffected. After 20 failures
/// from anywhere the account locks: every password then answers 401, and the right one
/// e-mails an unlock link (see `/api/v1/auth/unlock`). Also limited per client address and
/// per account and address (429 with `Retry-After`).
#[utoipa::path(
    post,
    path = "/api/v1/auth/login",
    tag = "accounts",
    request_body = LoginBody,
    responses(
        (status = 200, description = "Signed in; cookies set", body = SessionBody),
        (status = 401, description = "Wrong credentials", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Account not active", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many attempts; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn login(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<LoginBody>,
) -> Result<Response, ApiError> {
    let input = services::auth::Login {
        organization: body.organization,
        email: body.email,
        password: body.password,
    };
    let signed_in = services::auth::login(
        &state.db,
        &state.auth.settings,
        &state.calendars.keys,
        input,
        &client(addr, &headers),
    )
    .await?;
    Ok(session_response(&state, signed_in))
}

/// Sign out.
///
/// Revokes the session the request came with and clears the cookies.
#[utoipa::path(
    post,
    path = "/api/v1/auth/logout",
    tag = "accounts",
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, description = "No session", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Missing CSRF token, or an API key (revoke keys instead)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn logout(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<Response, ApiError> {
    services::auth::logout(&state.db, &scope).await?;
    let mut response = StatusCode::NO_CONTENT.into_response();
    for c in state.auth.cleared_cookies() {
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}

/// A password change.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordBody {
    pub current_password: String,
    /// At least 10 characters, not a common password, not containing the e-mail address.
    pub new_password: String,
}

/// Change my password.
///
/// Checks the current password; ends every other session of the user.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password",
    tag = "accounts",
    security(("api_key" = [])),
    request_body = ChangePasswordBody,
    responses(
        (status = 204, description = "Changed"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Current password wrong, or the new one breaks a rule (named in `errors`)", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn change_password(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<ChangePasswordBody>,
) -> Result<StatusCode, ApiError> {
    services::auth::change_password(
        &state.db,
        &state.auth.settings,
        &scope,
        body.current_password,
        body.new_password,
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A request for a reset link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetRequestBody {
    pub organization: String,
    pub email: String,
}

/// Request a password reset.
///
/// Answers 202 whether or not the account exists; the link goes to the account's address.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password-reset",
    tag = "accounts",
    request_body = ResetRequestBody,
    responses(
        (status = 202, description = "If the account exists, a link is on its way"),
        (status = 429, description = "Too many requests; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn request_password_reset(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<ResetRequestBody>,
) -> Result<StatusCode, ApiError> {
    services::auth::request_password_reset(
        &state.db,
        &state.auth.settings,
        &state.calendars.keys,
        &body.organization,
        &body.email,
        &client(addr, &headers),
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}

/// A token from an e-mailed link and the password to set.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenPasswordBody {
    pub token: String,
    pub password: String,
}

/// Reset a password.
///
/// Sets a new password from the e-mailed token, clears any lock and ends every session.
#[utoipa::path(
    post,
    path = "/api/v1/auth/password-reset/confirm",
    tag = "accounts",
    request_body = TokenPasswordBody,
    responses(
        (status = 204, description = "Password set; sign in"),
        (status = 400, description = "Invalid, used or expired token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The password breaks a rule", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn reset_password(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<TokenPasswordBody>,
) -> Result<StatusCode, ApiError> {
    services::auth::reset_password(
        &state.db,
        &body.token,
        body.password,
        &client(addr, &headers),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Accept an invitation.
///
/// Sets the first password from the invitation token and activates the account.
#[utoipa::path(
    post,
    path = "/api/v1/auth/invitations/accept",
    tag = "accounts",
    request_body = TokenPasswordBody,
    responses(
        (status = 204, description = "Account active; sign in"),
        (status = 400, description = "Invalid, used or expired token", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The password breaks a rule", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn accept_invitation(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<TokenPasswordBody>,
) -> Result<StatusCode, ApiError> {
    services::auth::accept_invitation(
        &state.db,
        &body.token,
        body.password,
        None,
        &client(addr, &headers),
    )
    .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Verify my e-mail address.
///
/// E-mails the caller a link with a one-time token (`{public_url}/verify/{token}`). Limited
/// per account (429 with `Retry-After`).
#[utoipa::path(
    post,
    path = "/api/v1/me/email-verification",
    tag = "accounts",
    security(("api_key" = [])),
    responses(
        (status = 202, description = "A link is on its way to the caller's address"),
        (status = 401, description = "Not signed in", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests; see Retry-After", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn request_email_verification(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<StatusCode, ApiError> {
    services::auth::request_email_verification(
        &state.db,
        &state.auth.settings,
        &state.calendars.keys,
        &scope,
    )
    .await?;
    Ok(StatusCode::ACCEPTED)
}

/// A token from an e-mailed link.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenBody {
    pub token: String,
}

/// Unlock sign-in.
///
/// Lifts the lock that failed sign-ins put on an account, from the e-mailed token (the lock
/// notice's link, or the one the right password sends); then sign in with the password.
/// Needs no sign-in (the token is the proof).
#[utoipa::path(
    post,
    path = "/api/v1/auth/unlock",
    tag = "accounts",
    request_body = TokenBody,
    responses(
        (status = 204, description = "Unlocked"),
        (status = 400, description = "Invalid, used or expired token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn unlock(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    ApiJson(body): ApiJson<TokenBody>,
) -> Result<StatusCode, ApiError> {
    services::auth::unlock(&state.db, &body.token, &client(addr, &headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Confirm an e-mail address.
///
/// Marks the address verified from the e-mailed token; needs no sign-in (the token is the
/// proof).
#[utoipa::path(
    post,
    path = "/api/v1/auth/verify-email",
    tag = "accounts",
    request_body = TokenBody,
    responses(
        (status = 204, description = "Verified"),
        (status = 400, description = "Invalid, used or expired token", body = Problem, content_type = "application/problem+json"),
    )
)]
pub async fn verify_email(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<TokenBody>,
) -> Result<StatusCode, ApiError> {
    services::auth::verify_email(&state.db, &body.token).await?;
    Ok(StatusCode::NO_CONTENT)
}
