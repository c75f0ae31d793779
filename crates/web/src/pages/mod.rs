//! Server-rendered pages: the public booking pages invitees use and the dashboard hosts
//! sign in to. Templates (minijinja) and static CSS/JS are embedded in the binary; there is
//! no front-end build step.
//!
//! A page handler is like an API handler: it parses, calls the same `services` function the
//! JSON API calls, and renders HTML instead of JSON. The booking calendar's script talks to
//! the public JSON API directly (slots, book, reschedule, cancel), so the rules and the
//! answers are the API's.

mod account_links;
mod assets;
mod branding;
mod calendar_links;
mod calendars;
mod dashboard;
mod event_types;
mod kit;
mod override_calendar;
mod public;
mod render;
mod resources;
mod routing_forms;
mod routing_public;
mod session;
mod settings;
mod signin;
mod teams;
mod webhooks;
mod workflows;

use axum::Router;
use axum::routing::{get, post};
use tower_http::compression::CompressionLayer;

use crate::state::AppState;

pub(crate) use render::{PageError, Rendered};

/// Every page route. Pages are compressed (gzip) when the browser accepts it; the JSON API
/// is left as it is.
pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/", get(signin::home))
        .route("/static/{file}", get(assets::serve))
        .route("/book/{id}", get(public::booking_page))
        .route("/link/{token}", get(public::link_page))
        .route("/manage/{token}", get(public::manage_page))
        .route("/manage/{token}/event.ics", get(public::manage_ics))
        .route("/u/{organization}/{user}", get(public::organizer_page))
        .route("/t/{organization}/{team}", get(public::team_page))
        // Readable booking links; static routes of the same length (the API's) match first.
        .route(
            "/{organization}/{user}/{event}",
            get(public::host_booking_page),
        )
        .route(
            "/{organization}/team/{team}/{event}",
            get(public::team_booking_page),
        )
        .route(
            "/forms/{id}",
            get(routing_public::show).post(routing_public::submit),
        )
        .route("/signin", get(signin::form).post(signin::submit))
        .route(
            "/signin/forgot",
            get(account_links::forgot_form).post(account_links::forgot_submit),
        )
        .route(
            "/reset/{token}",
            get(account_links::reset_form).post(account_links::reset_submit),
        )
        .route(
            "/invite/{token}",
            get(account_links::invite_form).post(account_links::invite_submit),
        )
        .route("/verify/{token}", get(account_links::verify))
        .route(
            "/unlock/{token}",
            get(account_links::unlock_form).post(account_links::unlock),
        )
        .route("/signout", post(signin::sign_out))
        .merge(dashboard::router())
        .merge(event_types::router())
        .merge(settings::router())
        .merge(webhooks::router())
        .merge(workflows::router())
        .merge(teams::router())
        .merge(resources::router())
        .merge(routing_forms::router())
        .merge(calendars::router())
        .layer(CompressionLayer::new())
}
