//! The invitee's pages: the organizer page, the booking page (also for single-use links),
//! and the manage page that doubles as the confirmation, with its .ics download.

use axum::extract::{Path, Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use domain::bookings::BookingStatus;
use domain::event_types::{EventType, Location, Question, QuestionKind};
use domain::ids::{EventTypeId, Timestamp};
use domain::public_profiles::{PublicHost, PublicOrganization};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use services::booking_actions::{AttendeeAction, attendee_actions_for};
use services::calendar_identity::{CalendarIdentity, status_in_calendars};
use services::public_pages::{BookingPage, ManagePage};
use uuid::Uuid;

use super::Rendered;
use super::branding::Palette;
use super::calendar_links::{self, CalendarEvent};
use super::render::{page, render};
use crate::extract::ClientAddr;
use crate::problem::ApiError;
use crate::state::AppState;

/// A public page opened with `?embed=1` may be framed by other sites (that is what the embed
/// snippet does); opened directly it may not, like every other page (the strict policy comes
/// from [`crate::security_headers`]).
const EMBEDDED_CSP: &str = "default-src 'self'; img-src 'self' https: data:; \
    style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; \
    form-action 'self'; base-uri 'none'";

fn public_page(html: axum::response::Html<String>, embedded: bool) -> Response {
    let mut response = page(html);
    if embedded {
        response.headers_mut().insert(
            header::CONTENT_SECURITY_POLICY,
            header::HeaderValue::from_static(EMBEDDED_CSP),
        );
    }
    response
}

/// Branding and names every public page shows.
#[derive(Serialize)]
struct Frame<'a> {
    brand: Palette,
    organization: &'a PublicOrganization,
    host: &'a PublicHost,
    /// Inside the embed's iframe: no header, transparent page.
    embedded: bool,
}

impl<'a> Frame<'a> {
    fn of(organization: &'a PublicOrganization, host: &'a PublicHost, embedded: bool) -> Self {
        Self {
            brand: Palette::of(organization.brand_color.as_deref()),
            organization,
            host,
            embedded,
        }
    }
}

#[derive(Serialize)]
struct QuestionView<'a> {
    key: &'a str,
    label: &'a str,
    required: bool,
    options: &'a [String],
    /// `text`, `textarea`, `select`, `multi`, `checkbox`, `tel`, `email`, `number`, `url`.
    input: &'static str,
}

fn question_view(q: &Question) -> QuestionView<'_> {
    let input = match q.kind {
        QuestionKind::ShortText => "text",
        QuestionKind::LongText => "textarea",
        QuestionKind::Select => "select",
        QuestionKind::MultiSelect => "multi",
        QuestionKind::Checkbox => "checkbox",
        QuestionKind::Phone => "tel",
        QuestionKind::Email => "email",
        QuestionKind::Number => "number",
        QuestionKind::Url => "url",
    };
    QuestionView {
        key: &q.key,
        label: &q.label,
        required: q.required,
        options: &q.options,
        input,
    }
}

fn location_label(location: &Location) -> String {
    match location {
        Location::InPerson { address } => format!("In person: {address}"),
        Location::Phone { .. } => "Phone call".to_owned(),
        Location::Video { .. } => "Video call".to_owned(),
        Location::Jitsi => "Jitsi video call".to_owned(),
    }
}

/// The location of a booking as the invitee reads it (with the address, number or link).
fn booked_location(location: &Value) -> String {
    let field = |name: &str| {
        location
            .get(name)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    match location.get("kind").and_then(Value::as_str) {
        Some("in_person") => field("address").to_owned(),
        Some("phone") => format!("Phone: {}", field("number")),
        Some("video" | "jitsi") => field("url").to_owned(),
        _ => String::new(),
    }
}

#[derive(Serialize)]
struct EventView<'a> {
    id: Uuid,
    /// The last part of its readable link.
    slug: &'a str,
    title: &'a str,
    description: &'a str,
    durations: Vec<i32>,
    duration_minutes: i32,
    seats: i32,
    requires_confirmation: bool,
    locations: Vec<String>,
    questions: Vec<QuestionView<'a>>,
}

fn event_view(e: &EventType) -> EventView<'_> {
    let mut durations = vec![e.fields.duration_minutes];
    durations.extend(
        e.fields
            .duration_options
            .iter()
            .filter(|d| **d != e.fields.duration_minutes),
    );
    durations.sort_unstable();
    EventView {
        id: e.id.0,
        slug: &e.fields.slug,
        title: &e.fields.title,
        description: &e.fields.description,
        durations,
        duration_minutes: e.fields.duration_minutes,
        seats: e.fields.seats,
        requires_confirmation: e.fields.requires_confirmation,
        locations: e.fields.locations.iter().map(location_label).collect(),
        questions: e.fields.questions.iter().map(question_view).collect(),
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PageQuery {
    /// `1` inside the embed's iframe.
    #[serde(default)]
    embed: Option<String>,
    /// `1` right after booking: the manage page shows itself as the confirmation.
    #[serde(default)]
    booked: Option<String>,
}

impl PageQuery {
    fn embedded(&self) -> bool {
        self.embed.as_deref() == Some("1")
    }
}

#[derive(Serialize)]
struct BookContext<'a> {
    frame: Frame<'a>,
    /// Who offers it: the team of a team event type, else the host.
    offered_by: &'a str,
    event: EventView<'a>,
    /// What the calendar script needs: where to read slots and where to send the booking.
    config: Value,
}

fn booking_response(booking: &BookingPage, book_url: String, embedded: bool) -> Rendered {
    let event_type = booking.bookable.event_type();
    let config = json!({
        "mode": "book",
        "slotsUrl": format!("/api/v1/public/event-types/{}/slots", event_type.id.0),
        "actionUrl": book_url,
        "seats": event_type.fields.seats,
        "duration": event_type.fields.duration_minutes,
        "embedded": embedded,
    });
    let html = render(
        "book.html",
        BookContext {
            frame: Frame::of(&booking.organization, &booking.host, embedded),
            offered_by: &booking.offered_by,
            event: event_view(event_type),
            config,
        },
    )?;
    Ok(public_page(html, embedded))
}

/// `/book/{id}`: the booking page of an event type (its id is its link).
pub(crate) async fn booking_page(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Query(q): Query<PageQuery>,
) -> Rendered {
    let booking = services::public_pages::booking_page(&state.db, EventTypeId(id)).await?;
    let url = format!("/api/v1/public/event-types/{id}/bookings");
    booking_response(&booking, url, q.embedded())
}

/// `/{organization}/{user}/{event}`: a host's booking page by its readable link.
pub(crate) async fn host_booking_page(
    State(state): State<AppState>,
    Path((organization, user, event)): Path<(String, String, String)>,
    Query(q): Query<PageQuery>,
) -> Rendered {
    // An API path of three segments that matches no API route is the API's own 404.
    if organization == "api" {
        return Ok(crate::problem::not_found().await.into_response());
    }
    let id =
        services::public_pages::host_event_type(&state.db, &organization, &user, &event).await?;
    booking_page(State(state), Path(id.0), Query(q)).await
}

/// `/{organization}/team/{team}/{event}`: a team's booking page by its readable link.
pub(crate) async fn team_booking_page(
    State(state): State<AppState>,
    Path((organization, team, event)): Path<(String, String, String)>,
    Query(q): Query<PageQuery>,
) -> Rendered {
    let id =
        services::public_pages::team_event_type(&state.db, &organization, &team, &event).await?;
    booking_page(State(state), Path(id.0), Query(q)).await
}

/// `/link/{token}`: the booking page of a single-use link.
pub(crate) async fn link_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
) -> Rendered {
    let booking = services::public_pages::link_page(&state.db, &token).await?;
    let url = format!("/api/v1/public/links/{token}/bookings");
    booking_response(&booking, url, q.embedded())
}

#[derive(Serialize)]
struct OrganizerContext<'a> {
    frame: Frame<'a>,
    event_types: Vec<EventView<'a>>,
}

/// `/u/{organization}/{user}`: a host's listed event types.
pub(crate) async fn organizer_page(
    State(state): State<AppState>,
    Path((organization, user)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Rendered {
    let listing = services::public_pages::listing(&state.db, &organization, &user).await?;
    let html = render(
        "organizer.html",
        OrganizerContext {
            frame: Frame::of(&listing.organization, &listing.host, q.embedded()),
            event_types: listing.event_types.iter().map(event_view).collect(),
        },
    )?;
    Ok(public_page(html, q.embedded()))
}

#[derive(Serialize)]
struct TeamMemberView<'a> {
    host: &'a PublicHost,
    event_types: Vec<EventView<'a>>,
}

#[derive(Serialize)]
struct TeamContext<'a> {
    brand: Palette,
    organization: &'a PublicOrganization,
    team_name: &'a str,
    /// The team's slug, for its readable booking links.
    team_slug: &'a str,
    embedded: bool,
    /// The event types the team itself hosts.
    event_types: Vec<EventView<'a>>,
    members: Vec<TeamMemberView<'a>>,
}

/// `/t/{organization}/{team}`: the team's members and what each offers.
pub(crate) async fn team_page(
    State(state): State<AppState>,
    Path((organization, team)): Path<(String, String)>,
    Query(q): Query<PageQuery>,
) -> Rendered {
    let listing = services::public_pages::team_listing(&state.db, &organization, &team).await?;
    let html = render(
        "team.html",
        TeamContext {
            brand: Palette::of(listing.organization.brand_color.as_deref()),
            organization: &listing.organization,
            team_name: &listing.team_name,
            team_slug: &team,
            embedded: q.embedded(),
            event_types: listing.event_types.iter().map(event_view).collect(),
            members: listing
                .members
                .iter()
                .map(|(host, types)| TeamMemberView {
                    host,
                    event_types: types.iter().map(event_view).collect(),
                })
                .collect(),
        },
    )?;
    Ok(public_page(html, q.embedded()))
}

/// `Tuesday, 1 December 2026, 09:00–09:30` in `zone` (UTC when the zone is unknown).
fn local_span(start: Timestamp, end: Timestamp, zone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let s = start.to_jiff().to_zoned(tz.clone());
    let e = end.to_jiff().to_zoned(tz);
    format!(
        "{}, {}–{}",
        s.strftime("%A, %-d %B %Y"),
        s.strftime("%H:%M"),
        e.strftime("%H:%M")
    )
}

/// The booking for the invitee's calendar, under the identity (UID, SEQUENCE) and status
/// every other channel gives it, titled with the booking's host. With `public_url` set, its
/// description and URL carry the absolute manage link (to reschedule or cancel from the
/// calendar entry); without it the server cannot know the address it is reached at, and
/// leaves it out.
fn calendar_event(manage: &ManagePage, public_url: Option<&str>, token: &str) -> CalendarEvent {
    let event_type = manage.page.bookable.event_type();
    let location = booked_location(&manage.booking.location);
    let url = public_url.map(|base| format!("{base}/manage/{token}"));
    let description = match &url {
        Some(url) => {
            let mut text = event_type.fields.description.trim().to_owned();
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&format!("Reschedule or cancel: {url}"));
            text
        }
        None => event_type.fields.description.clone(),
    };
    let identity = CalendarIdentity::of(&manage.booking);
    CalendarEvent {
        uid: identity.uid,
        sequence: identity.sequence,
        title: format!("{} with {}", event_type.fields.title, manage.page.host.name),
        description,
        url,
        location,
        start: manage.booking.start_at,
        end: manage.booking.end_at,
        status: status_in_calendars(manage.booking.status),
    }
}

#[derive(Serialize)]
struct ManageContext<'a> {
    frame: Frame<'a>,
    event: EventView<'a>,
    just_booked: bool,
    status: &'static str,
    /// Whether the booking still takes place for this attendee (calendar links, manage link).
    active: bool,
    /// What services lets the attendee do now (`attendee_actions_for`).
    can_reschedule: bool,
    can_cancel: bool,
    when: String,
    time_zone: &'a str,
    start: String,
    end: String,
    location: String,
    attendee_name: &'a str,
    cancel_reason: Option<&'a str>,
    google_url: String,
    outlook_url: String,
    ics_url: String,
    manage_url: String,
    config: Value,
}

/// `/manage/{token}`: the attendee's booking: the confirmation after booking, and where
/// they cancel or reschedule.
pub(crate) async fn manage_page(
    State(state): State<AppState>,
    Path(token): Path<String>,
    Query(q): Query<PageQuery>,
    ClientAddr(ip): ClientAddr,
) -> Rendered {
    services::auth::limit_manage(&state.auth.settings, ip.as_deref()).await?;
    let manage = services::public_pages::manage_page(&state.db, &token).await?;
    let embedded = q.embedded();
    let event_type = manage.page.bookable.event_type();
    let manage_url = format!("/manage/{token}");
    let event = calendar_event(&manage, state.public_url.as_deref(), &token);
    let booking = &manage.booking;
    let config = json!({
        "mode": "reschedule",
        "slotsUrl": format!("/api/v1/public/event-types/{}/slots", event_type.id.0),
        "actionUrl": format!("/api/v1/public/manage/{token}/reschedule"),
        "cancelUrl": format!("/api/v1/public/manage/{token}/cancel"),
        "seats": event_type.fields.seats,
        "duration": (booking.end_at.to_jiff().as_second() - booking.start_at.to_jiff().as_second()) / 60,
        "embedded": embedded,
    });
    let seat_active = manage.attendee.status == "active";
    let actions = attendee_actions_for(booking, seat_active, Timestamp::now());
    let html = render(
        "manage.html",
        ManageContext {
            frame: Frame::of(&manage.page.organization, &manage.page.host, embedded),
            event: event_view(event_type),
            just_booked: q.booked.as_deref() == Some("1"),
            status: booking.status.as_str(),
            active: matches!(
                booking.status,
                BookingStatus::Pending | BookingStatus::Confirmed
            ) && seat_active,
            can_reschedule: actions.contains(&AttendeeAction::Reschedule),
            can_cancel: actions.contains(&AttendeeAction::Cancel),
            when: local_span(booking.start_at, booking.end_at, &manage.attendee.time_zone),
            time_zone: &manage.attendee.time_zone,
            start: booking.start_at.to_jiff().to_string(),
            end: booking.end_at.to_jiff().to_string(),
            location: booked_location(&booking.location),
            attendee_name: &manage.attendee.name,
            cancel_reason: booking
                .cancel_reason
                .as_deref()
                .or(manage.attendee.cancel_reason.as_deref()),
            google_url: calendar_links::google_url(&event),
            outlook_url: calendar_links::outlook_url(&event),
            ics_url: format!("{manage_url}/event.ics"),
            manage_url,
            config,
        },
    )?;
    let mut response = public_page(html, embedded);
    // The token is in the URL: keep it out of Referer headers to the calendar links.
    response.headers_mut().insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("no-referrer"),
    );
    Ok(response)
}

/// `/manage/{token}/event.ics`: the booking as an iCalendar file.
pub(crate) async fn manage_ics(
    State(state): State<AppState>,
    Path(token): Path<String>,
    ClientAddr(ip): ClientAddr,
) -> Result<Response, ApiError> {
    services::auth::limit_manage(&state.auth.settings, ip.as_deref()).await?;
    let manage = services::public_pages::manage_page(&state.db, &token).await?;
    let event = calendar_event(&manage, state.public_url.as_deref(), &token);
    let body = calendar_links::ics(&event, Timestamp::now());
    Ok((
        [
            (header::CONTENT_TYPE, "text/calendar; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"booking.ics\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response())
}
