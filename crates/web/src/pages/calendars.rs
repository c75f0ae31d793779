//! The dashboard's calendar connections: the signed-in user's CalDAV accounts and ICS feeds
//! with their status, last error and last sync; adding one; choosing which calendars block
//! availability and which one receives bookings; syncing now; disconnecting. Each form calls
//! the `services::calendar_sync` function the JSON API calls.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use domain::ids::{CalendarConnectionId, CalendarId, Timestamp};
use domain::refusals::Conflict;
use serde::{Deserialize, Serialize};
use services::ServiceError;
use services::calendar_sync::{ConnectInput, ConnectionView};
use uuid::Uuid;

use super::Rendered;
use super::kit::{Chrome, chrome, field_errors, private_page};
use super::render::render;
use super::session::{SessionForm, SignedIn};
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/calendars", get(show))
        .route("/dashboard/calendars/caldav", post(add_caldav))
        .route("/dashboard/calendars/ics", post(add_feed))
        .route("/dashboard/calendars/{id}/sync", post(sync))
        .route("/dashboard/calendars/{id}/disconnect", post(disconnect))
        .route(
            "/dashboard/calendars/{id}/calendars/{calendar}",
            post(choose),
        )
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct CaldavForm {
    #[serde(default)]
    url: String,
    #[serde(default)]
    username: String,
    /// Never echoed back into the page.
    #[serde(default, skip_serializing)]
    password: String,
    #[serde(default)]
    name: String,
}

#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct FeedForm {
    /// Named apart from the CalDAV form's fields: both forms are on one page.
    #[serde(default)]
    feed_url: String,
    #[serde(default)]
    feed_name: String,
}

/// Checkboxes: present ("on") when ticked, absent otherwise.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ChooseForm {
    #[serde(default)]
    blocks_availability: Option<String>,
    #[serde(default)]
    receives_bookings: Option<String>,
}

#[derive(Serialize)]
struct CalendarRow {
    id: Uuid,
    name: String,
    color: Option<String>,
    blocks_availability: bool,
    receives_bookings: bool,
}

#[derive(Serialize)]
struct ConnectionRow {
    id: Uuid,
    name: String,
    /// `CalDAV` or `ICS feed`.
    kind: &'static str,
    writable: bool,
    url: String,
    status: String,
    last_error: Option<String>,
    last_error_at: Option<String>,
    /// What the last sync read only in part.
    warnings: Option<String>,
    last_synced_at: Option<String>,
    calendars: Vec<CalendarRow>,
}

#[derive(Serialize)]
struct CalendarsContext {
    chrome: Chrome,
    connections: Vec<ConnectionRow>,
    caldav: CaldavForm,
    feed: FeedForm,
    errors: BTreeMap<String, String>,
    /// The OAuth providers this server is registered with: a "Connect" button each.
    providers: Vec<ProviderLink>,
    /// Why connecting a Google or Microsoft calendar just failed (one of our own sentences).
    oauth_problem: Option<String>,
}

/// Where the OAuth callback sends the browser back: `?oauth={outcome}&provider={slug}`.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct OAuthReturn {
    #[serde(default)]
    oauth: Option<String>,
    #[serde(default)]
    provider: Option<String>,
}

impl OAuthReturn {
    /// The sentence for the outcome: `Ok` for a connection made, `Err` for a failure. Only
    /// known outcome words are shown, each as text of our own: nothing in the address ends
    /// up on the page.
    fn message(&self) -> Option<Result<String, String>> {
        let label = self
            .provider
            .as_deref()
            .and_then(services::calendar_oauth::OAuthProvider::parse)
            .map_or("the calendar provider", |p| p.label());
        let again = "Please connect again.";
        let problem = match self.oauth.as_deref()? {
            "connected" => {
                return Some(Ok(format!(
                    "Connected {label}. Choose below which calendars block your availability and which one receives bookings."
                )));
            }
            "declined" => format!("{label} was not connected: access was not allowed."),
            "state_missing" => format!("The answer from {label} was incomplete. {again}"),
            "state_unknown" => format!("This connection attempt was not started here. {again}"),
            "state_used" => format!("This connection attempt was already used. {again}"),
            "state_expired" => {
                format!("This connection attempt took more than 10 minutes. {again}")
            }
            "state_other_user" => "This connection attempt was started by another user: sign in as them, or connect again.".to_owned(),
            "code_missing" => format!("The answer from {label} carried no authorization. {again}"),
            "code_rejected" => format!("{label} refused the authorization. {again}"),
            "unreachable" => {
                format!("{label} could not be reached to list your calendars. Please try again later.")
            }
            "not_configured" => format!("{label} is not set up on this server."),
            "forbidden" => "You may not connect calendars.".to_owned(),
            _ => format!("Connecting {label} failed. Please try again."),
        };
        Some(Err(problem))
    }
}

#[derive(Serialize)]
struct ProviderLink {
    /// `Google`, `Microsoft`.
    name: &'static str,
    /// `google`, `microsoft`: in the start route, a GET the browser follows to the
    /// provider's consent page.
    slug: &'static str,
}

fn when(ts: Option<Timestamp>) -> Option<String> {
    ts.map(|t| t.to_jiff().strftime("%Y-%m-%d %H:%M UTC").to_string())
}

fn row(view: ConnectionView) -> ConnectionRow {
    let c = view.connection;
    ConnectionRow {
        id: c.id.0,
        name: c.name,
        kind: match c.kind.as_str() {
            "caldav" => "CalDAV",
            "google" => "Google Calendar",
            "microsoft" => "Microsoft 365",
            _ => "ICS feed",
        },
        writable: services::calendar_sync::may_receive_bookings(&c.kind),
        url: c.url,
        status: c.status,
        last_error: c.last_error,
        last_error_at: when(c.last_error_at),
        warnings: view.warnings,
        last_synced_at: when(c.last_synced_at),
        calendars: view
            .calendars
            .into_iter()
            .map(|k| CalendarRow {
                id: k.id.0,
                name: k.display_name,
                color: k.color,
                blocks_availability: k.blocks_availability,
                receives_bookings: k.receives_bookings,
            })
            .collect(),
    }
}

async fn context(
    state: &AppState,
    signed_in: &SignedIn,
    notice: Option<String>,
) -> Result<CalendarsContext, ServiceError> {
    let connections = services::calendar_sync::list(&state.db, &signed_in.scope, None)
        .await?
        .into_iter()
        .map(row)
        .collect();
    let (mut chrome, _) = chrome(state, signed_in, "calendars")
        .await
        .map_err(|_| ServiceError::NotFound("user"))?;
    chrome.notice = notice;
    Ok(CalendarsContext {
        chrome,
        connections,
        caldav: CaldavForm::default(),
        feed: FeedForm::default(),
        errors: BTreeMap::new(),
        providers: state
            .calendars
            .oauth
            .configured()
            .into_iter()
            .map(|p| ProviderLink {
                name: match p {
                    services::calendar_oauth::OAuthProvider::Google => "Google",
                    services::calendar_oauth::OAuthProvider::Microsoft => "Microsoft",
                },
                slug: p.as_str(),
            })
            .collect(),
        oauth_problem: None,
    })
}

fn page(context: CalendarsContext) -> Rendered {
    let status = if context.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render("dashboard/calendars.html", context)?;
    Ok((status, private_page(html)).into_response())
}

fn signed(scope: services::Scope, csrf: String) -> SignedIn {
    SignedIn { scope, csrf }
}

fn optional(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

pub(crate) async fn show(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(returned): Query<OAuthReturn>,
) -> Rendered {
    let (notice, problem) = match returned.message() {
        Some(Ok(notice)) => (Some(notice), None),
        Some(Err(problem)) => (None, Some(problem)),
        None => (None, None),
    };
    let mut context = context(&state, &signed_in, notice).await?;
    context.oauth_problem = problem;
    page(context)
}

pub(crate) async fn add_caldav(
    State(state): State<AppState>,
    submitted: SessionForm<CaldavForm>,
) -> Rendered {
    let signed_in = signed(submitted.scope, submitted.csrf);
    let form = submitted.form;
    let input = ConnectInput {
        user_id: None,
        kind: "caldav".to_owned(),
        name: optional(&form.name),
        url: form.url.clone(),
        username: form.username.clone(),
        password: form.password.clone(),
    };
    match services::calendar_sync::connect(&state.db, &state.calendars, &signed_in.scope, input)
        .await
    {
        Ok(view) => {
            let notice = format!(
                "Connected {}: {} calendar(s) found.",
                view.connection.name,
                view.calendars.len()
            );
            page(context(&state, &signed_in, Some(notice)).await?)
        }
        Err(e) => {
            let errors = field_errors(e, "caldav_", None)?;
            let mut context = context(&state, &signed_in, None).await?;
            context.caldav = form;
            context.errors = errors;
            page(context)
        }
    }
}

pub(crate) async fn add_feed(
    State(state): State<AppState>,
    submitted: SessionForm<FeedForm>,
) -> Rendered {
    let signed_in = signed(submitted.scope, submitted.csrf);
    let form = submitted.form;
    let input = ConnectInput {
        user_id: None,
        kind: "ics".to_owned(),
        name: optional(&form.feed_name),
        url: form.feed_url.clone(),
        username: String::new(),
        password: String::new(),
    };
    match services::calendar_sync::connect(&state.db, &state.calendars, &signed_in.scope, input)
        .await
    {
        Ok(view) => {
            let notice = format!("Added the feed {}.", view.connection.name);
            page(context(&state, &signed_in, Some(notice)).await?)
        }
        Err(e) => {
            let errors = field_errors(e, "ics_", None)?;
            let mut context = context(&state, &signed_in, None).await?;
            context.feed = form;
            context.errors = errors;
            page(context)
        }
    }
}

pub(crate) async fn sync(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    submitted: SessionForm<super::signin::Empty>,
) -> Rendered {
    let signed_in = signed(submitted.scope, submitted.csrf);
    let id = CalendarConnectionId(id);
    let notice =
        match services::calendar_sync::sync_now(&state.db, &state.calendars, &signed_in.scope, id)
            .await
        {
            Ok(log) if log.outcome == "ok" && log.detail.is_empty() => "Synced.".to_owned(),
            Ok(log) if log.outcome == "ok" => format!("Synced; {}.", log.detail),
            Ok(log) => format!("The sync failed: {}", log.detail),
            Err(ServiceError::Conflict(Conflict::SyncRunning)) => {
                "A sync of this calendar is running; try again in a moment.".to_owned()
            }
            Err(e) => return Err(e.into()),
        };
    page(context(&state, &signed_in, Some(notice)).await?)
}

pub(crate) async fn disconnect(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    submitted: SessionForm<super::signin::Empty>,
) -> Rendered {
    services::calendar_sync::disconnect(&state.db, &submitted.scope, CalendarConnectionId(id))
        .await?;
    Ok(Redirect::to("/dashboard/calendars").into_response())
}

pub(crate) async fn choose(
    State(state): State<AppState>,
    Path((id, calendar)): Path<(Uuid, Uuid)>,
    submitted: SessionForm<ChooseForm>,
) -> Rendered {
    let signed_in = signed(submitted.scope, submitted.csrf);
    let form = submitted.form;
    match services::calendar_sync::choose(
        &state.db,
        &signed_in.scope,
        CalendarConnectionId(id),
        CalendarId(calendar),
        form.blocks_availability.is_some(),
        form.receives_bookings.is_some(),
    )
    .await
    {
        Ok(_) => page(context(&state, &signed_in, Some("Calendar saved.".to_owned())).await?),
        Err(e) => {
            let errors = field_errors(e, &format!("calendar_{calendar}_"), None)?;
            let mut context = context(&state, &signed_in, None).await?;
            context.errors = errors;
            page(context)
        }
    }
}
