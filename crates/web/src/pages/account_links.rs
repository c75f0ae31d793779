//! The pages account e-mails link to, and the request for a reset link. None needs a
//! session: the token in the path is the proof. The forms are protected against cross-site
//! posting by the sign-in form's double-submit cookie (see `signin`), scoped to their path.
//!
//! - `/signin/forgot`: asks for a reset link (the answer never says whether the account
//!   exists).
//! - `/reset/{token}`: a new password, twice.
//! - `/invite/{token}`: the invitee's name and first password, twice.
//! - `/verify/{token}`: confirms the address on opening.
//! - `/unlock/{token}`: asks, then lifts a sign-in lock (the password is still needed to
//!   sign in afterwards); not on opening, which a mail scanner may do.
//!
//! A malformed, unknown, used or expired token shows a page saying so (400), never an error
//! page about the server.

use std::collections::BTreeMap;

use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use domain::tokens::Purpose;
use serde::{Deserialize, Serialize};
use services::ServiceError;

use super::render::{page, render};
use super::signin::{form_token, login_token_matches, with_form_cookie, with_organization};
use super::{PageError, Rendered};
use crate::extract::ClientAddr;
use crate::problem::ApiError;
use crate::state::AppState;

const STALE_FORM: &str =
    "This form has expired or did not come from this site. Please fill it in again.";

#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct ForgotForm {
    #[serde(default)]
    organization: String,
    #[serde(default)]
    email: String,
    #[serde(default, skip_serializing)]
    csrf_token: String,
}

#[derive(Serialize)]
struct ForgotContext<'a> {
    form: &'a ForgotForm,
    error: Option<String>,
    sent: bool,
    csrf_token: &'a str,
    sign_in_href: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct ForgotQuery {
    organization: Option<String>,
}

fn forgot_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    form: &ForgotForm,
    error: Option<String>,
    sent: bool,
) -> Rendered {
    let token = form_token(headers);
    let html = render(
        "forgot.html",
        ForgotContext {
            form,
            error,
            sent,
            csrf_token: &token,
            sign_in_href: with_organization("/signin", form.organization.trim()),
        },
    )?;
    // Under the sign-in form's path, so both share one cookie.
    Ok(with_form_cookie(
        state,
        (status, page(html)).into_response(),
        &token,
        "/signin",
    ))
}

pub(crate) async fn forgot_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<ForgotQuery>,
) -> Rendered {
    let form = ForgotForm {
        organization: q.organization.unwrap_or_default(),
        ..ForgotForm::default()
    };
    forgot_page(&state, &headers, StatusCode::OK, &form, None, false)
}

pub(crate) async fn forgot_submit(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    Form(form): Form<ForgotForm>,
) -> Rendered {
    if !login_token_matches(&headers, &form.csrf_token) {
        let error = Some(STALE_FORM.to_owned());
        return forgot_page(&state, &headers, StatusCode::FORBIDDEN, &form, error, false);
    }
    let client = crate::api::accounts::auth::client(addr, &headers);
    match services::auth::request_password_reset(
        &state.db,
        &state.auth.settings,
        &state.calendars.keys,
        form.organization.trim(),
        form.email.trim(),
        &client,
    )
    .await
    {
        Ok(()) => forgot_page(&state, &headers, StatusCode::OK, &form, None, true),
        Err(e) => {
            let error = ApiError::from(e);
            if error.status() == StatusCode::INTERNAL_SERVER_ERROR {
                return Err(PageError::Api(error));
            }
            let message = error.problem().detail.clone();
            forgot_page(&state, &headers, error.status(), &form, message, false)
        }
    }
}

/// Which link a password form belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum Link {
    Reset,
    Invite,
}

impl Link {
    fn purpose(self) -> Purpose {
        match self {
            Self::Reset => Purpose::ResetPassword,
            Self::Invite => Purpose::Invite,
        }
    }

    /// Where the form is posted (and its cookie is scoped).
    fn path(self) -> &'static str {
        match self {
            Self::Reset => "/reset",
            Self::Invite => "/invite",
        }
    }
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct PasswordForm {
    /// Invitations only: the name the invitee goes by.
    #[serde(default)]
    name: String,
    #[serde(default, skip_serializing)]
    password: String,
    #[serde(default, skip_serializing)]
    password_confirm: String,
    #[serde(default, skip_serializing)]
    csrf_token: String,
}

#[derive(Serialize)]
struct PasswordContext<'a> {
    link: Link,
    token: &'a str,
    email: &'a str,
    organization: &'a str,
    form: &'a PasswordForm,
    errors: BTreeMap<String, String>,
    error: Option<String>,
    csrf_token: &'a str,
}

#[derive(Serialize)]
struct MessageContext<'a> {
    title: &'a str,
    message: &'a str,
    /// A sign-in link, for this organization when known.
    sign_in: Option<String>,
    /// Offers to ask for a new reset link.
    forgot: bool,
    /// A button that posts back to this page (with the sign-in form's CSRF token), for a
    /// link whose effect must not happen merely by opening it.
    #[serde(skip_serializing_if = "Option::is_none")]
    confirm: Option<Confirm<'a>>,
}

#[derive(Serialize)]
struct Confirm<'a> {
    label: &'a str,
    csrf_token: &'a str,
}

/// A page that says one thing, with a way on.
fn message_page(status: StatusCode, context: MessageContext<'_>) -> Rendered {
    let html = render("account_message.html", context)?;
    Ok((status, page(html)).into_response())
}

/// The page for a link that no longer works.
fn dead_link(link: Option<Link>) -> Rendered {
    let (title, message) = match link {
        Some(Link::Invite) => (
            "This invitation cannot be used",
            "The link is invalid, was already used or has expired. Ask whoever invited you \
             to send a new invitation.",
        ),
        Some(Link::Reset) => (
            "This reset link cannot be used",
            "The link is invalid, was already used or has expired. Ask for a new one.",
        ),
        None => (
            "This link cannot be used",
            "The link is invalid, was already used or has expired. Ask for a new one from \
             your account settings.",
        ),
    };
    message_page(
        StatusCode::BAD_REQUEST,
        MessageContext {
            title,
            message,
            sign_in: Some("/signin".to_owned()),
            forgot: link == Some(Link::Reset),
            confirm: None,
        },
    )
}

#[allow(clippy::too_many_arguments)]
fn password_page(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    link: Link,
    token: &str,
    account: &(domain::users::User, String),
    form: &PasswordForm,
    errors: BTreeMap<String, String>,
    error: Option<String>,
) -> Rendered {
    let csrf = form_token(headers);
    let html = render(
        "set_password.html",
        PasswordContext {
            link,
            token,
            email: &account.0.email,
            organization: &account.1,
            form,
            errors,
            error,
            csrf_token: &csrf,
        },
    )?;
    Ok(with_form_cookie(
        state,
        (status, page(html)).into_response(),
        &csrf,
        link.path(),
    ))
}

async fn show(state: AppState, headers: HeaderMap, link: Link, token: String) -> Rendered {
    let Some(account) = services::auth::peek_token(&state.db, &token, link.purpose()).await? else {
        return dead_link(Some(link));
    };
    let form = PasswordForm {
        name: account.0.name.clone(),
        ..PasswordForm::default()
    };
    password_page(
        &state,
        &headers,
        StatusCode::OK,
        link,
        &token,
        &account,
        &form,
        BTreeMap::new(),
        None,
    )
}

async fn submit(
    state: AppState,
    addr: ClientAddr,
    headers: HeaderMap,
    link: Link,
    token: String,
    form: PasswordForm,
) -> Rendered {
    let Some(account) = services::auth::peek_token(&state.db, &token, link.purpose()).await? else {
        return dead_link(Some(link));
    };
    let again = |status, errors, error| {
        password_page(
            &state, &headers, status, link, &token, &account, &form, errors, error,
        )
    };
    if !login_token_matches(&headers, &form.csrf_token) {
        return again(
            StatusCode::FORBIDDEN,
            BTreeMap::new(),
            Some(STALE_FORM.to_owned()),
        );
    }
    if form.password != form.password_confirm {
        let errors = BTreeMap::from([(
            "password_confirm".to_owned(),
            "does not match the password".to_owned(),
        )]);
        return again(StatusCode::UNPROCESSABLE_ENTITY, errors, None);
    }
    let client = crate::api::accounts::auth::client(addr, &headers);
    let result = match link {
        Link::Reset => {
            services::auth::reset_password(&state.db, &token, form.password.clone(), &client).await
        }
        Link::Invite => {
            services::auth::accept_invitation(
                &state.db,
                &token,
                form.password.clone(),
                Some(form.name.clone()),
                &client,
            )
            .await
        }
    };
    match result {
        Ok(()) => {
            let (title, message) = match link {
                Link::Reset => (
                    "Your password is changed",
                    "Sign in with your new password. You were signed out everywhere else.",
                ),
                Link::Invite => (
                    "Welcome aboard",
                    "Your account is ready. Sign in with your e-mail address and the password \
                     you just chose.",
                ),
            };
            message_page(
                StatusCode::OK,
                MessageContext {
                    title,
                    message,
                    sign_in: Some(with_organization("/signin", &account.1)),
                    forgot: false,
                    confirm: None,
                },
            )
        }
        Err(ServiceError::Validation(problems)) => {
            let errors = problems
                .into_iter()
                .map(|p| (p.pointer.trim_start_matches('/').to_owned(), p.message))
                .collect();
            again(StatusCode::UNPROCESSABLE_ENTITY, errors, None)
        }
        // Used in another tab, or expired, between the check above and now.
        Err(ServiceError::InvalidToken) => dead_link(Some(link)),
        Err(e) => {
            let error = ApiError::from(e);
            if error.status() == StatusCode::INTERNAL_SERVER_ERROR {
                return Err(PageError::Api(error));
            }
            let message = error.problem().detail.clone();
            again(error.status(), BTreeMap::new(), message)
        }
    }
}

pub(crate) async fn reset_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Rendered {
    show(state, headers, Link::Reset, token).await
}

pub(crate) async fn reset_submit(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Rendered {
    submit(state, addr, headers, Link::Reset, token, form).await
}

pub(crate) async fn invite_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Rendered {
    show(state, headers, Link::Invite, token).await
}

pub(crate) async fn invite_submit(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<PasswordForm>,
) -> Rendered {
    submit(state, addr, headers, Link::Invite, token, form).await
}

/// Confirms the address on opening: the link reaching the inbox is the proof, and a
/// confirmation needs nothing else from its owner.
pub(crate) async fn verify(State(state): State<AppState>, Path(token): Path<String>) -> Rendered {
    match services::auth::verify_email(&state.db, &token).await {
        Ok(()) => message_page(
            StatusCode::OK,
            MessageContext {
                title: "Your e-mail address is confirmed",
                message: "Thank you. Messages about your bookings will reach you here.",
                sign_in: None,
                forgot: false,
                confirm: None,
            },
        ),
        Err(ServiceError::InvalidToken) => dead_link(None),
        Err(e) => Err(e.into()),
    }
}

/// The unlock link's page asks before it lifts the lock: mail scanners open links to look
/// at them, and one opening it must not undo the owner's lock for an attacker.
pub(crate) async fn unlock_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Rendered {
    let csrf_token = form_token(&headers);
    let response = message_page(
        StatusCode::OK,
        MessageContext {
            title: "Unlock sign-in",
            message: "Someone tried wrong passwords on your account, so signing in was locked. \
                      Unlock it here, then sign in with your password.",
            sign_in: None,
            forgot: false,
            confirm: Some(Confirm {
                label: "Unlock sign-in",
                csrf_token: &csrf_token,
            }),
        },
    )?;
    Ok(with_form_cookie(
        &state,
        response,
        &csrf_token,
        &format!("/unlock/{token}"),
    ))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ConfirmForm {
    #[serde(default)]
    csrf_token: String,
}

/// Lifts a sign-in lock when its owner confirms: the link reaching the inbox is the proof,
/// and signing in afterwards still takes the password.
pub(crate) async fn unlock(
    State(state): State<AppState>,
    addr: ClientAddr,
    headers: HeaderMap,
    Path(token): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Rendered {
    if !login_token_matches(&headers, &form.csrf_token) {
        return message_page(
            StatusCode::FORBIDDEN,
            MessageContext {
                title: "Unlock sign-in",
                message: STALE_FORM,
                sign_in: None,
                forgot: false,
                confirm: None,
            },
        );
    }
    let client = crate::api::accounts::auth::client(addr, &headers);
    match services::auth::unlock(&state.db, &token, &client).await {
        Ok(()) => message_page(
            StatusCode::OK,
            MessageContext {
                title: "Sign-in is unlocked",
                message: "Sign in with your password. If the failed attempts were not yours, \
                          change your password once you are in.",
                sign_in: Some("/signin".to_owned()),
                forgot: false,
                confirm: None,
            },
        ),
        Err(ServiceError::InvalidToken) => dead_link(None),
        Err(e) => Err(e.into()),
    }
}
