//! Sign-in and sign-out for the dashboard. Sign-in calls `services::auth::login`, like the
//! API's `/api/v1/auth/login`, and sets the same cookies.

use axum::Form;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
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
}

#[derive(Serialize)]
struct SignInContext<'a> {
    form: &'a SignInForm,
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct SignInQuery {
    organization: Option<String>,
}

pub(crate) async fn form(Query(q): Query<SignInQuery>) -> Rendered {
    let form = SignInForm {
        organization: q.organization.unwrap_or_default(),
        ..SignInForm::default()
    };
    Ok(page(render(
        "signin.html",
        SignInContext {
            form: &form,
            error: None,
        },
    )?))
}

pub(crate) async fn submit(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    Form(form): Form<SignInForm>,
) -> Rendered {
    let input = services::auth::Login {
        organization: form.organization.clone(),
        email: form.email.clone(),
        password: form.password.clone(),
    };
    let client = crate::api::accounts::auth::client(addr, &headers);
    match services::auth::login(&state.db, &state.auth.settings, input, &client).await {
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
            let html = render(
                "signin.html",
                SignInContext {
                    form: &form,
                    error: message,
                },
            )?;
            Ok((error.status(), page(html)).into_response())
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
