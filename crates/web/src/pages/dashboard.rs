//! The host's dashboard: bookings (upcoming, pending, past, cancelled) with their actions,
//! rescheduling through the booking calendar, and the weekly-hours editor. Each handler
//! calls the `services` function the JSON API calls; validation errors come back from there
//! and are shown next to their fields.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use domain::bookings::{BookingFilter, BookingStatus};
use domain::ids::{BookingId, Timestamp};
use domain::schedules::{DateOverrides, Schedule, WeeklyRules, Window};
use domain::users::User;
use serde::{Deserialize, Serialize};
use serde_json::json;
use services::Scope;
use services::ServiceError;
use uuid::Uuid;

use super::kit::{Chrome, chrome, field_errors, private_page};
use super::override_calendar::{self, DayEditor, MonthGrid, OverrideRow, windows_text};
use super::render::render;
use super::session::{SessionForm, SignedIn};
use super::{PageError, Rendered};
use crate::problem::ApiError;
use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard", get(bookings))
        .route("/dashboard/bookings/{id}/reschedule", get(reschedule_page))
        .route("/dashboard/bookings/{id}/{action}", post(booking_action))
        .route(
            "/dashboard/availability",
            get(availability).post(save_availability),
        )
        .route("/dashboard/availability/overrides", post(save_override))
}

fn zone_of(user: &User) -> jiff::tz::TimeZone {
    jiff::tz::TimeZone::get(&user.time_zone).unwrap_or(jiff::tz::TimeZone::UTC)
}

fn local(ts: Timestamp, tz: &jiff::tz::TimeZone, format: &str) -> String {
    ts.to_jiff()
        .to_zoned(tz.clone())
        .strftime(format)
        .to_string()
}

// ----- bookings -----

#[derive(Clone, Debug, Default, Deserialize, Serialize)]
pub(crate) struct BookingsQuery {
    #[serde(default)]
    view: Option<String>,
    #[serde(default, skip_serializing)]
    done: Option<String>,
    /// `all`: the organization's bookings (owners and admins); else my own.
    #[serde(default)]
    scope: Option<String>,
    /// Filters of the organization view: host user id, event type id, status, local dates.
    #[serde(default)]
    host: Option<String>,
    #[serde(default)]
    event_type: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    from: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

/// Blank query values are no filter.
fn given(value: &Option<String>) -> Option<&str> {
    value.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

/// The organization view's filters applied to `filter`; what cannot be read is named by
/// field and left out.
fn organization_filters(
    q: &BookingsQuery,
    tz: &jiff::tz::TimeZone,
    filter: &mut BookingFilter,
) -> BTreeMap<String, String> {
    let mut errors = BTreeMap::new();
    filter.host_user_id = None;
    if let Some(host) = given(&q.host) {
        match Uuid::parse_str(host) {
            Ok(id) => filter.host_user_id = Some(domain::ids::UserId(id)),
            Err(_) => {
                errors.insert("host".to_owned(), "Choose a host from the list.".to_owned());
            }
        }
    }
    if let Some(event_type) = given(&q.event_type) {
        match Uuid::parse_str(event_type) {
            Ok(id) => filter.event_type_id = Some(domain::ids::EventTypeId(id)),
            Err(_) => {
                errors.insert(
                    "event_type".to_owned(),
                    "Choose an event type from the list.".to_owned(),
                );
            }
        }
    }
    if let Some(status) = given(&q.status) {
        match BookingStatus::parse(status) {
            Some(status) => filter.status = Some(status),
            None => {
                errors.insert(
                    "status".to_owned(),
                    "Choose a status from the list.".to_owned(),
                );
            }
        }
    }
    // Dates are the viewer's local days; `to` includes its whole day.
    let day_start = |text: &str, next: bool| -> Option<Timestamp> {
        let date = text.parse::<jiff::civil::Date>().ok()?;
        let date = if next { date.tomorrow().ok()? } else { date };
        let zoned = date.to_zoned(tz.clone()).ok()?;
        Timestamp::from_millisecond(zoned.timestamp().as_millisecond()).ok()
    };
    let from = given(&q.from).map(|t| (t, day_start(t, false)));
    let to = given(&q.to).map(|t| (t, day_start(t, true)));
    match from {
        Some((_, Some(ts))) => filter.from = Some(ts),
        Some((_, None)) => {
            errors.insert("from".to_owned(), "Write a date as 2026-12-24.".to_owned());
        }
        None => {}
    }
    match to {
        Some((_, Some(ts))) => filter.until = Some(ts),
        Some((_, None)) => {
            errors.insert("to".to_owned(), "Write a date as 2026-12-24.".to_owned());
        }
        None => {}
    }
    if let (Some(from), Some(until)) = (filter.from, filter.until)
        && from >= until
    {
        errors.insert(
            "to".to_owned(),
            "Must be on or after the first day.".to_owned(),
        );
    }
    errors
}

#[derive(Serialize)]
struct FilterChoice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct BookingRow {
    id: Uuid,
    title: String,
    day: String,
    time: String,
    status: &'static str,
    /// The host's name, in the organization view.
    host: Option<String>,
    attendees: Vec<String>,
    location: String,
    cancel_reason: Option<String>,
    /// The actions this booking's status allows: `confirm`, `reject`, `cancel`,
    /// `no_show`, `reschedule`.
    actions: Vec<&'static str>,
}

#[derive(Serialize)]
struct BookingsContext {
    chrome: Chrome,
    view: &'static str,
    views: [(&'static str, &'static str); 4],
    rows: Vec<BookingRow>,
    time_zone: String,
    /// Owners and admins may switch to the organization's bookings.
    sees_organization: bool,
    /// Showing the organization's bookings, with these filters.
    organization_view: bool,
    query: BookingsQuery,
    hosts: Vec<FilterChoice>,
    event_types: Vec<FilterChoice>,
    statuses: Vec<&'static str>,
    errors: BTreeMap<String, String>,
    /// The query string of the current filters, for the view tabs.
    filter_query: String,
}

const VIEWS: [(&str, &str); 4] = [
    ("upcoming", "Upcoming"),
    ("pending", "Pending"),
    ("past", "Past"),
    ("cancelled", "Cancelled"),
];

/// `/dashboard`: my bookings, one view at a time.
pub(crate) async fn bookings(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(q): Query<BookingsQuery>,
) -> Rendered {
    let (mut chrome, me) = chrome(&state, &signed_in, "bookings").await?;
    chrome.notice = q.done.as_deref().map(|d| match d {
        "confirm" => "Booking confirmed.".to_owned(),
        "reject" => "Booking rejected.".to_owned(),
        "cancel" => "Booking cancelled.".to_owned(),
        "no_show" => "Marked as a no-show.".to_owned(),
        _ => "Done.".to_owned(),
    });
    let view = VIEWS
        .iter()
        .map(|(v, _)| *v)
        .find(|v| Some(*v) == q.view.as_deref())
        .unwrap_or("upcoming");
    let now = Timestamp::now();
    let mut filter = BookingFilter {
        status: None,
        from: None,
        until: None,
        event_type_id: None,
        attendee_email: None,
        host_user_id: Some(me.id),
        after: None,
        limit: 100,
        newest_first: false,
    };
    match view {
        "pending" => filter.status = Some(BookingStatus::Pending),
        "past" => {
            filter.until = Some(now);
            filter.newest_first = true;
        }
        "cancelled" => filter.status = Some(BookingStatus::Cancelled),
        _ => {
            filter.status = Some(BookingStatus::Confirmed);
            filter.from = Some(now);
        }
    }
    let scope = &signed_in.scope;
    let tz = zone_of(&me);
    // Who reads every booking (the same rule the API's list follows) may switch to them all.
    let sees_organization = services::bookings::reads_everyone(scope);
    let organization_view = sees_organization && q.scope.as_deref() == Some("all");
    let errors = if organization_view {
        organization_filters(&q, &tz, &mut filter)
    } else {
        BTreeMap::new()
    };
    let has_errors = !errors.is_empty();
    let list = services::bookings::list(&state.db, scope, filter).await?;
    let event_types = services::event_types::list(&state.db, scope, None).await?;
    let titles: BTreeMap<_, _> = event_types
        .iter()
        .map(|e| (e.id, e.fields.title.clone()))
        .collect();
    let people = if organization_view {
        services::users::list(&state.db, scope).await?
    } else {
        Vec::new()
    };
    let names: BTreeMap<_, _> = people.iter().map(|u| (u.id, u.name.clone())).collect();
    let mut rows = Vec::with_capacity(list.len());
    for booking in list {
        let (_, attendees) = services::bookings::get(&state.db, scope, booking.id).await?;
        rows.push(BookingRow {
            id: booking.id.0,
            title: titles
                .get(&booking.event_type_id)
                .cloned()
                .unwrap_or_default(),
            day: local(booking.start_at, &tz, "%a %-d %b %Y"),
            time: format!(
                "{}–{}",
                local(booking.start_at, &tz, "%H:%M"),
                local(booking.end_at, &tz, "%H:%M")
            ),
            status: booking.status.as_str(),
            host: organization_view.then(|| {
                names
                    .get(&booking.host_user_id)
                    .cloned()
                    .unwrap_or_default()
            }),
            attendees: attendees
                .iter()
                .filter(|a| a.status == "active")
                .map(|a| format!("{} <{}>", a.name, a.email))
                .collect(),
            location: booking
                .location
                .get("kind")
                .and_then(|k| k.as_str())
                .unwrap_or_default()
                .replace('_', " "),
            cancel_reason: booking.cancel_reason.clone(),
            actions: services::booking_actions::actions_for(&booking, now)
                .into_iter()
                .map(services::booking_actions::HostAction::as_str)
                .collect(),
        });
    }
    let html = render(
        "dashboard/bookings.html",
        BookingsContext {
            chrome,
            view,
            views: VIEWS,
            rows,
            time_zone: me.time_zone,
            sees_organization,
            organization_view,
            filter_query: if organization_view {
                let filters = BookingsQuery {
                    view: None,
                    done: None,
                    ..q.clone()
                };
                serde_urlencoded::to_string(&filters).unwrap_or_default()
            } else {
                String::new()
            },
            query: q.clone(),
            hosts: people
                .iter()
                .map(|u| FilterChoice {
                    value: u.id.0.to_string(),
                    label: u.name.clone(),
                })
                .collect(),
            event_types: event_types
                .iter()
                .map(|e| FilterChoice {
                    value: e.id.0.to_string(),
                    label: e.fields.title.clone(),
                })
                .collect(),
            statuses: STATUSES.to_vec(),
            errors,
        },
    )?;
    let status = if has_errors {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, private_page(html)).into_response())
}

const STATUSES: [&str; 7] = [
    "pending",
    "confirmed",
    "rejected",
    "cancelled",
    "rescheduled",
    "no_show",
    "completed",
];

#[derive(Debug, Deserialize)]
pub(crate) struct ActionForm {
    #[serde(default)]
    reason: Option<String>,
    #[serde(default)]
    view: Option<String>,
}

/// Confirms, rejects, cancels or marks a no-show, then returns to the list.
pub(crate) async fn booking_action(
    State(state): State<AppState>,
    Path((id, action)): Path<(Uuid, String)>,
    submitted: SessionForm<ActionForm>,
) -> Result<Response, PageError> {
    let next = match action.as_str() {
        "confirm" => BookingStatus::Confirmed,
        "reject" => BookingStatus::Rejected,
        "cancel" => BookingStatus::Cancelled,
        "no_show" => BookingStatus::NoShow,
        _ => return Err(ApiError::not_found("no such action").into()),
    };
    let form = submitted.form;
    services::bookings::transition(
        &state.db,
        &submitted.scope,
        BookingId(id),
        next,
        form.reason,
    )
    .await?;
    let view = form
        .view
        .filter(|v| VIEWS.iter().any(|(name, _)| name == v))
        .unwrap_or_else(|| "upcoming".to_owned());
    Ok(Redirect::to(&format!("/dashboard?view={view}&done={action}")).into_response())
}

#[derive(Serialize)]
struct RescheduleContext {
    chrome: Chrome,
    title: String,
    when: String,
    config: serde_json::Value,
}

/// `/dashboard/bookings/{id}/reschedule`: the booking calendar, moving this booking.
pub(crate) async fn reschedule_page(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    signed_in: SignedIn,
) -> Rendered {
    let (chrome, me) = chrome(&state, &signed_in, "bookings").await?;
    let scope = &signed_in.scope;
    let (booking, _) = services::bookings::get(&state.db, scope, BookingId(id)).await?;
    // The page opens only where the dashboard offers it: what services would refuse (a
    // booking that has started, one that is not confirmed) is refused here before any
    // picking.
    let offered = services::booking_actions::actions_for(&booking, Timestamp::now())
        .contains(&services::booking_actions::HostAction::Reschedule);
    if !offered {
        return Err(services::ServiceError::field(
            "/status",
            "not_reschedulable",
            "only a confirmed booking that has not started can be moved",
        )
        .into());
    }
    let event_type = services::event_types::get(&state.db, scope, booking.event_type_id).await?;
    let tz = zone_of(&me);
    let config = json!({
        "mode": "host-reschedule",
        "slotsUrl": format!("/api/v1/public/event-types/{}/slots", event_type.id.0),
        "actionUrl": format!("/api/v1/bookings/{id}/reschedule"),
        "doneUrl": "/dashboard?view=upcoming",
        "csrf": signed_in.csrf,
        "seats": event_type.fields.seats,
        "duration": (booking.end_at.to_jiff().as_second() - booking.start_at.to_jiff().as_second()) / 60,
        "timeZone": me.time_zone,
    });
    let html = render(
        "dashboard/reschedule.html",
        RescheduleContext {
            chrome,
            title: event_type.fields.title,
            when: format!(
                "{}, {}",
                local(booking.start_at, &tz, "%A %-d %B %Y"),
                local(booking.start_at, &tz, "%H:%M")
            ),
            config,
        },
    )?;
    Ok(private_page(html))
}

// ----- availability -----

/// The weekly-hours form: one text field per day (`09:00-12:00, 13:00-17:00`). Date
/// overrides are edited one day at a time on the month grid (`save_override`).
#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct AvailabilityForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    time_zone: String,
    #[serde(default)]
    mon: String,
    #[serde(default)]
    tue: String,
    #[serde(default)]
    wed: String,
    #[serde(default)]
    thu: String,
    #[serde(default)]
    fri: String,
    #[serde(default)]
    sat: String,
    #[serde(default)]
    sun: String,
}

impl AvailabilityForm {
    fn day(&self, key: &str) -> &str {
        match key {
            "mon" => &self.mon,
            "tue" => &self.tue,
            "wed" => &self.wed,
            "thu" => &self.thu,
            "fri" => &self.fri,
            "sat" => &self.sat,
            _ => &self.sun,
        }
    }

    fn of(schedule: &Schedule) -> Self {
        let day = |key: &str| windows_text(schedule.weekly.get(key).map_or(&[][..], |w| w));
        Self {
            name: schedule.name.clone(),
            time_zone: schedule.time_zone.clone(),
            mon: day("mon"),
            tue: day("tue"),
            wed: day("wed"),
            thu: day("thu"),
            fri: day("fri"),
            sat: day("sat"),
            sun: day("sun"),
        }
    }
}

/// `09:00-12:00, 13:00-17:00` as windows; the times themselves are checked by the service.
fn parse_windows(text: &str) -> Result<Vec<Window>, ()> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("closed") {
        return Ok(Vec::new());
    }
    text.split(',')
        .map(|part| {
            let (start, end) = part.split_once('-').ok_or(())?;
            Ok([start.trim().to_owned(), end.trim().to_owned()])
        })
        .collect()
}

const WINDOWS_HINT: &str = "Write times as 09:00-12:00, separated by commas.";

/// The form as a schedule's weekly rules, or the fields it cannot read.
fn parse_form(form: &AvailabilityForm) -> Result<WeeklyRules, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let mut weekly = WeeklyRules::new();
    for day in services::schedules::DAY_KEYS {
        match parse_windows(form.day(day)) {
            Ok(windows) if windows.is_empty() => {}
            Ok(windows) => {
                weekly.insert(day.to_owned(), windows);
            }
            Err(()) => errors.push((day.to_owned(), WINDOWS_HINT.to_owned())),
        }
    }
    if errors.is_empty() {
        Ok(weekly)
    } else {
        Err(errors)
    }
}

#[derive(Serialize)]
struct AvailabilityContext<'a> {
    chrome: Chrome,
    form: &'a AvailabilityForm,
    days: [(&'static str, &'static str); 7],
    errors: BTreeMap<String, String>,
    booking_links: Vec<(String, String)>,
    calendar: MonthGrid,
    editor: Option<DayEditor>,
    override_errors: BTreeMap<String, String>,
    upcoming_overrides: Vec<OverrideRow>,
}

const DAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

async fn my_default_schedule(
    state: &AppState,
    scope: &Scope,
    me: &User,
) -> Result<Option<Schedule>, ServiceError> {
    let schedules = services::schedules::list(&state.db, scope, Some(me.id)).await?;
    let default = schedules.iter().position(|s| s.is_default);
    Ok(match default {
        Some(i) => schedules.into_iter().nth(i),
        None => schedules.into_iter().next(),
    })
}

/// What the override calendar shows: a month, maybe a selected day, and (after a refused
/// save) the day editor as submitted with its errors.
#[derive(Default)]
struct CalendarView {
    month: Option<jiff::civil::Date>,
    day: Option<jiff::civil::Date>,
    submitted: Option<OverrideForm>,
    errors: BTreeMap<String, String>,
}

impl CalendarView {
    fn of_query(q: &AvailabilityQuery) -> Self {
        let day = q.day.as_deref().and_then(override_calendar::parse_day);
        let month = q
            .month
            .as_deref()
            .and_then(override_calendar::parse_month)
            .or_else(|| day.map(|d| d.first_of_month()));
        Self {
            month,
            day,
            ..Self::default()
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn availability_page(
    state: &AppState,
    chrome: Chrome,
    scope: &Scope,
    me: &User,
    schedule: Option<&Schedule>,
    form: &AvailabilityForm,
    errors: BTreeMap<String, String>,
    view: CalendarView,
) -> Result<Html<String>, PageError> {
    let booking_links = services::event_types::list(&state.db, scope, Some(me.id))
        .await?
        .into_iter()
        .map(|e| (e.fields.title, format!("/book/{}", e.id.0)))
        .collect();
    let zone = schedule
        .and_then(|s| jiff::tz::TimeZone::get(&s.time_zone).ok())
        .unwrap_or_else(|| zone_of(me));
    let today = jiff::Timestamp::now().to_zoned(zone).date();
    let empty_weekly = WeeklyRules::new();
    let empty_overrides = DateOverrides::new();
    let (weekly, overrides) = schedule.map_or((&empty_weekly, &empty_overrides), |s| {
        (&s.weekly, &s.overrides)
    });
    let month = view.month.unwrap_or_else(|| today.first_of_month());
    let calendar = override_calendar::month_grid(month, view.day, today, overrides);
    let editor = view.day.map(|day| {
        let mut editor = override_calendar::day_editor(day, weekly, overrides);
        if let Some(submitted) = &view.submitted {
            editor.mode = submitted.mode.clone();
            editor.windows = submitted.windows.clone();
        }
        editor
    });
    render(
        "dashboard/availability.html",
        AvailabilityContext {
            chrome,
            form,
            days: DAYS,
            errors,
            booking_links,
            calendar,
            editor,
            override_errors: view.errors,
            upcoming_overrides: override_calendar::override_rows(overrides, today),
        },
    )
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct AvailabilityQuery {
    #[serde(default)]
    month: Option<String>,
    #[serde(default)]
    day: Option<String>,
    #[serde(default)]
    saved: Option<String>,
}

fn default_form(me: &User) -> AvailabilityForm {
    AvailabilityForm {
        name: "Working hours".to_owned(),
        time_zone: me.time_zone.clone(),
        ..AvailabilityForm::default()
    }
}

/// `/dashboard/availability`: my default schedule's weekly hours, zone, and the month grid
/// of date overrides (`?month=2026-12&day=2026-12-24` opens that day's editor).
pub(crate) async fn availability(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(q): Query<AvailabilityQuery>,
) -> Rendered {
    let (mut chrome, me) = chrome(&state, &signed_in, "availability").await?;
    chrome.notice = match q.saved.as_deref() {
        Some("override") => Some("Date override saved.".to_owned()),
        Some("weekly") => Some("Date override removed; the weekly hours apply.".to_owned()),
        _ => None,
    };
    let schedule = my_default_schedule(&state, &signed_in.scope, &me).await?;
    let form = schedule
        .as_ref()
        .map_or_else(|| default_form(&me), AvailabilityForm::of);
    let html = availability_page(
        &state,
        chrome,
        &signed_in.scope,
        &me,
        schedule.as_ref(),
        &form,
        BTreeMap::new(),
        CalendarView::of_query(&q),
    )
    .await?;
    Ok(private_page(html))
}

pub(crate) async fn save_availability(
    State(state): State<AppState>,
    submitted: SessionForm<AvailabilityForm>,
) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    let (mut chrome, me) = chrome(&state, &signed_in, "availability").await?;
    let scope = &signed_in.scope;
    let form = submitted.form;
    let existing = my_default_schedule(&state, scope, &me).await?;
    let saved = match parse_form(&form) {
        Err(errors) => Err(errors.into_iter().collect::<BTreeMap<_, _>>()),
        Ok(weekly) => {
            let input = services::schedules::ScheduleInput {
                user_id: None,
                name: form.name.clone(),
                time_zone: form.time_zone.trim().to_owned(),
                weekly,
                // The overrides are edited on the calendar; this form keeps them.
                overrides: existing
                    .as_ref()
                    .map(|s| s.overrides.clone())
                    .unwrap_or_default(),
                is_default: true,
            };
            let result = match &existing {
                Some(existing) => {
                    services::schedules::replace(&state.db, scope, existing.id, input).await
                }
                None => services::schedules::create(&state.db, scope, input).await,
            };
            match result {
                Ok(schedule) => Ok(schedule),
                Err(e) => Err(field_errors(e, "", None)?),
            }
        }
    };
    match saved {
        Ok(schedule) => {
            chrome.notice = Some("Availability saved.".to_owned());
            let html = availability_page(
                &state,
                chrome,
                scope,
                &me,
                Some(&schedule),
                &form,
                BTreeMap::new(),
                CalendarView::default(),
            )
            .await?;
            Ok(private_page(html))
        }
        Err(errors) => {
            let html = availability_page(
                &state,
                chrome,
                scope,
                &me,
                existing.as_ref(),
                &form,
                errors,
                CalendarView::default(),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, private_page(html)).into_response())
        }
    }
}

/// One day of the override calendar: `weekly` removes the day's override, `closed` makes
/// the day unavailable, `hours` sets custom windows (`10:00-12:00, 14:00-16:00`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct OverrideForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    mode: String,
    #[serde(default)]
    windows: String,
}

/// The override the form asks for: `None` removes the day's override.
fn parse_override(form: &OverrideForm) -> Result<Option<Vec<Window>>, (String, String)> {
    let windows_error = |message: &str| ("override_windows".to_owned(), message.to_owned());
    match form.mode.as_str() {
        "weekly" => Ok(None),
        "closed" => Ok(Some(Vec::new())),
        "hours" => match parse_windows(&form.windows) {
            Ok(windows) if windows.is_empty() => Err(windows_error(
                "Give at least one time range, or choose unavailable all day.",
            )),
            Ok(windows) => Ok(Some(windows)),
            Err(()) => Err(windows_error(WINDOWS_HINT)),
        },
        _ => Err((
            "override_mode".to_owned(),
            "Choose weekly hours, unavailable, or custom hours.".to_owned(),
        )),
    }
}

/// `POST /dashboard/availability/overrides`: sets or removes one day's override on my
/// default schedule (creating it, with no weekly hours, if I have none yet).
pub(crate) async fn save_override(
    State(state): State<AppState>,
    submitted: SessionForm<OverrideForm>,
) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    let form = submitted.form;
    let scope = &signed_in.scope;
    let (chrome, me) = chrome(&state, &signed_in, "availability").await?;
    let existing = my_default_schedule(&state, scope, &me).await?;
    let Some(date) = override_calendar::parse_day(&form.date) else {
        return Err(ApiError::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_form",
            "the day to edit is not a date",
        )
        .into());
    };
    let result = match parse_override(&form) {
        Err((field, message)) => Err(BTreeMap::from([(field, message)])),
        Ok(change) => {
            let mut input = existing.as_ref().map_or_else(
                || services::schedules::ScheduleInput {
                    user_id: None,
                    name: "Working hours".to_owned(),
                    time_zone: me.time_zone.clone(),
                    weekly: WeeklyRules::new(),
                    overrides: DateOverrides::new(),
                    is_default: true,
                },
                |s| services::schedules::ScheduleInput {
                    user_id: None,
                    name: s.name.clone(),
                    time_zone: s.time_zone.clone(),
                    weekly: s.weekly.clone(),
                    overrides: s.overrides.clone(),
                    is_default: true,
                },
            );
            let key = date.to_string();
            let removed = change.is_none();
            match change {
                Some(windows) => {
                    input.overrides.insert(key, windows);
                }
                None => {
                    input.overrides.remove(&key);
                }
            }
            let saved = match &existing {
                Some(s) => services::schedules::replace(&state.db, scope, s.id, input).await,
                None => services::schedules::create(&state.db, scope, input).await,
            };
            match saved {
                Ok(_) => Ok(removed),
                Err(e) => Err(field_errors(e, "", None)?),
            }
        }
    };
    match result {
        Ok(removed) => {
            let saved = if removed { "weekly" } else { "override" };
            let to = format!(
                "/dashboard/availability?month={}&day={date}&saved={saved}#override-editor",
                override_calendar::month_key(date.first_of_month())
            );
            Ok(Redirect::to(&to).into_response())
        }
        Err(errors) => {
            let form_values = existing
                .as_ref()
                .map_or_else(|| default_form(&me), AvailabilityForm::of);
            let view = CalendarView {
                month: Some(date.first_of_month()),
                day: Some(date),
                submitted: Some(form),
                errors,
            };
            let html = availability_page(
                &state,
                chrome,
                scope,
                &me,
                existing.as_ref(),
                &form_values,
                BTreeMap::new(),
                view,
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, private_page(html)).into_response())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_read_and_write_back() {
        let parsed = parse_windows(" 09:00-12:00, 13:00 - 17:30 ");
        assert_eq!(
            parsed,
            Ok(vec![
                ["09:00".to_owned(), "12:00".to_owned()],
                ["13:00".to_owned(), "17:30".to_owned()]
            ])
        );
        assert_eq!(parse_windows("closed"), Ok(Vec::new()));
        assert_eq!(parse_windows("9 to 5"), Err(()));
        let windows = parse_windows("09:00-12:00, 13:00-17:30").unwrap_or_default();
        assert_eq!(windows_text(&windows), "09:00-12:00, 13:00-17:30");
    }

    #[test]
    fn an_override_is_closed_custom_or_removed() {
        let form = |mode: &str, windows: &str| OverrideForm {
            date: "2026-12-24".to_owned(),
            mode: mode.to_owned(),
            windows: windows.to_owned(),
        };
        assert_eq!(parse_override(&form("weekly", "ignored")), Ok(None));
        assert_eq!(parse_override(&form("closed", "")), Ok(Some(Vec::new())));
        assert_eq!(
            parse_override(&form("hours", "10:00-12:00")),
            Ok(Some(vec![["10:00".to_owned(), "12:00".to_owned()]]))
        );
        for (mode, windows, field) in [
            ("hours", "", "override_windows"),
            ("hours", "ten to twelve", "override_windows"),
            ("sometimes", "", "override_mode"),
        ] {
            let error = parse_override(&form(mode, windows)).err().map(|e| e.0);
            assert_eq!(error.as_deref(), Some(field), "{mode} {windows}");
        }
    }
}
