//! Sign-in and sign-out for the dashboard. Sign-in calls `services::auth::login`, like the
//! API's `/api/v1/auth/login`, and sets the same cookies.
//!
//! Login CSRF: before sign-in there is no session whose token could protect the form, yet a
//! forged cross-site POST could still sign the visitor in to the attacker's account (whose
//! bookings and settings the visitor would then fill in). The form is protected by a
//! double-submit token instead: rendering the form sets a random token in the HttpOnly,
//! `SameSite=Strict` `rdv_login_csrf` cookie and in a hidden field; a submission is accepted
//! only when both are present and equal. Another site can neither read the cookie nor make
//! the browser send it with a cross-site POST, so it cannot produce a matching pair. The
//! other forms used without a session (forgotten password, reset and invitation links; see
//! `account_links`) are protected the same way, each with the cookie scoped to its own path.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};

use super::render::{page, render};
use super::session::SessionForm;
use super::{PageError, Rendered};
use crate::extract::ClientAddr;
use crate::problem::ApiError;
use crate::state::AppState;

/// `/` leads to the dashboard, which leads to sign-in when needed.
pub(crate) async fn home() -> Redirect {
    Redirect::to("/dashboard")
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct SignInForm {
    #[serde(default)]
    organization: String,
    #[serde(default)]
    email: String,
    #[serde(default, skip_serializing)]
    password: String,
    /// The double-submit login CSRF token (see the module docs).
    #[serde(default, skip_serializing)]
    csrf_token: String,
}

#[derive(Serialize)]
struct SignInContext<'a> {
    form: &'a SignInForm,
    error: Option<String>,
    csrf_token: &'a str,
    /// The "Forgot password?" link, keeping the organization typed so far.
    forgot_href: String,
}

/// `path`, with `?organization=...` when one is known.
pub(super) fn with_organization(path: &str, organization: &str) -> String {
    if organization.is_empty() {
        return path.to_owned();
    }
    let query = serde_urlencoded::to_string([("organization", organization)]).unwrap_or_default();
    format!("{path}?{query}")
}

/// The cookie holding the sign-in form's double-submit token.
const LOGIN_CSRF_COOKIE: &str = "rdv_login_csrf";
/// How long a rendered sign-in form stays usable.
const LOGIN_CSRF_MAX_AGE_SECS: u64 = 60 * 60;

/// A fresh 256-bit login CSRF token.
fn new_login_token() -> String {
    let bytes: [u8; 32] = rand::random();
    URL_SAFE_NO_PAD.encode(bytes)
}

/// The login token the browser already holds, if it looks like one of ours; reusing it keeps
/// a sign-in form open in another tab valid.
fn held_login_token(headers: &HeaderMap) -> Option<String> {
    crate::extract::auth::cookie_in(headers, LOGIN_CSRF_COOKIE)
        .filter(|t| t.len() == 43 && URL_SAFE_NO_PAD.decode(t).is_ok())
        .map(str::to_owned)
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignInQuery {
    organization: Option<String>,
}

pub(crate) async fn form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<SignInQuery>,
) -> Rendered {
    let form = SignInForm {
        organization: q.organization.unwrap_or_default(),
        ..SignInForm::default()
    };
    sign_in_page(&state, &headers, StatusCode::OK, &form, None)
}

/// The sign-in form with `error` above it, carrying a login CSRF token that is also set (or
/// kept) in the browser's `rdv_login_csrf` cookie.
fn sign_in_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    form: &SignInForm,
    error: Option<String>,
) -> Rendered {
    let token = form_token(headers);
    let html = render(
        "signin.html",
        SignInContext {
            form,
            error,
            csrf_token: &token,
            forgot_href: with_organization("/signin/forgot", &form.organization),
        },
    )?;
    Ok(with_form_cookie(
        state,
        (status, page(html)).into_response(),
        &token,
        "/signin",
    ))
}

/// The double-submit token for a form rendered without a session: the one the browser
/// holds for this path, or a fresh one.
pub(super) fn form_token(headers: &HeaderMap) -> String {
    held_login_token(headers).unwrap_or_else(new_login_token)
}

/// Sets (or renews) `token` in the browser's `rdv_login_csrf` cookie, scoped to `path`,
/// where the form that carries it is posted.
pub(super) fn with_form_cookie(
    state: &AppState,
    mut response: Response,
    token: &str,
    path: &str,
) -> Response {
    let secure = if state.auth.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    let cookie = format!(
        "{LOGIN_CSRF_COOKIE}={token}; Path={path}; Max-Age={LOGIN_CSRF_MAX_AGE_SECS}; \
         HttpOnly; SameSite=Strict{secure}"
    );
    if let Ok(v) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, v);
    }
    response
}

/// Whether the submitted form carries the token of the browser's login CSRF cookie.
pub(super) fn login_token_matches(headers: &HeaderMap, presented: &str) -> bool {
    let Some(held) = held_login_token(headers) else {
        return false;
    };
    // Constant time over the (fixed) token length, so a mismatch position does not leak.
    held.len() == presented.len()
        && held
            .bytes()
            .zip(presented.bytes())
            .fold(0u8, |diff, (a, b)| diff | (a ^ b))
            == 0
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Rendered {
    if !login_token_matches(&headers, &form.csrf_token) {
        let error = "This sign-in form has expired or did not come from this site. \
                     Please sign in again."
            .to_owned();
        return sign_in_page(&state, &headers, StatusCode::FORBIDDEN, &form, Some(error));
    }
    let input = services::auth::Login {
        organization: form.organization.clone(),
        email: form.email.clone(),
        password: form.password.clone(),
    };
    let client = crate::api::accounts::auth::client(addr, &headers);
    let keys = &state.calendars.keys;
    match services::auth::login(&state.db, &state.auth.settings, keys, input, &client).await {
        Ok(signed_in) => {
            let session = signed_in.session;
            let cookies = state.auth.session_cookies(
                session.token.expose(),
                session.csrf_token.expose(),
                state.auth.settings.session_ttl,
            );
            let mut response = Redirect::to("/dashboard").into_response();
            for c in cookies {
                if let Ok(v) = HeaderValue::from_str(&c) {
                    response.headers_mut().append(header::SET_COOKIE, v);
                }
            }
            Ok(response)
        }
        Err(e) => {
            let error = ApiError::from(e);
            if error.status() == StatusCode::INTERNAL_SERVER_ERROR {
                return Err(PageError::Api(error));
            }
            let message = error.problem().detail.clone();
            sign_in_page(&state, &headers, error.status(), &form, message)
        }
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct Empty {}

pub(crate) async fn sign_out(
    State(state): State<AppState>,
    submitted: SessionForm<Empty>,
) -> Result<Response, PageError> {
    services::auth::logout(&state.db, &submitted.scope).await?;
    let mut response = Redirect::to("/signin").into_response();
    for c in state.auth.cleared_cookies() {
        if let Ok(v) = HeaderValue::from_str(&c) {
            response.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(response)
}
