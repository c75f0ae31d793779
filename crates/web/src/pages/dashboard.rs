//! The host's dashboard: bookings (upcoming, pending, past, cancelled) with their actions,
//! rescheduling through the booking calendar, and the weekly-hours editor. Each handler
//! calls the `services` function the JSON API calls; validation errors come back from there
//! and are shown next to their fields.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use serde::{Deserialize, Serialize};
use serde_json::json;
use services::ServiceError;
use store::repo::bookings::{BookingFilter, BookingStatus};
use store::repo::schedules::{DateOverrides, Schedule, WeeklyRules, Window};
use store::types::{BookingId, Timestamp};
use store::{Scope, User};
use uuid::Uuid;

use super::branding::Palette;
use super::render::{page, render};
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
        .merge(super::event_types::router())
        .merge(super::settings::router())
        .merge(super::calendars::router())
}

/// The dashboard may not be framed by anyone.
const PRIVATE_CSP: &str = "default-src 'self'; img-src 'self' https: data:; \
    style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; \
    form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub(super) fn private_page(html: Html<String>) -> Response {
    let mut response = page(html);
    if let Ok(v) = header::HeaderValue::from_str(PRIVATE_CSP) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, v);
    }
    response
}

/// What every dashboard page shows around its content.
#[derive(Serialize)]
pub(super) struct Chrome {
    brand: Palette,
    organization: String,
    user_name: String,
    csrf: String,
    /// Which tab is current.
    section: &'static str,
    pub(super) notice: Option<String>,
}

pub(super) async fn chrome(
    state: &AppState,
    signed_in: &SignedIn,
    section: &'static str,
) -> Result<(Chrome, User), PageError> {
    let me = services::users::current(&state.db, &signed_in.scope).await?;
    let organization = services::organizations::get(&state.db, &signed_in.scope).await?;
    Ok((
        Chrome {
            brand: Palette::of(organization.brand_color.as_deref()),
            organization: organization.name,
            user_name: me.name.clone(),
            csrf: signed_in.csrf.clone(),
            section,
            notice: None,
        },
        me,
    ))
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

#[derive(Debug, Deserialize)]
pub(crate) struct BookingsQuery {
    #[serde(default)]
    view: Option<String>,
    #[serde(default)]
    done: Option<String>,
}

#[derive(Serialize)]
struct BookingRow {
    id: Uuid,
    title: String,
    day: String,
    time: String,
    status: &'static str,
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
}

const VIEWS: [(&str, &str); 4] = [
    ("upcoming", "Upcoming"),
    ("pending", "Pending"),
    ("past", "Past"),
    ("cancelled", "Cancelled"),
];

fn actions(status: BookingStatus, past: bool) -> Vec<&'static str> {
    match status {
        BookingStatus::Pending => vec!["confirm", "reject"],
        BookingStatus::Confirmed if past => vec!["no_show"],
        BookingStatus::Confirmed => vec!["reschedule", "cancel"],
        _ => Vec::new(),
    }
}

/// `/dashboard`: my bookings, one view at a time.
pub(crate) async fn bookings(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(q): Query<BookingsQuery>,
) -> Rendered {
    let (mut chrome, me) = chrome(&state, &signed_in, "bookings").await?;
    chrome.notice = q.done.map(|d| match d.as_str() {
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
    };
    match view {
        "pending" => filter.status = Some(BookingStatus::Pending),
        "past" => filter.until = Some(now),
        "cancelled" => filter.status = Some(BookingStatus::Cancelled),
        _ => {
            filter.status = Some(BookingStatus::Confirmed);
            filter.from = Some(now);
        }
    }
    let scope = &signed_in.scope;
    let mut list = services::bookings::list(&state.db, scope, filter).await?;
    if view == "past" {
        list.reverse();
    }
    let titles: BTreeMap<_, _> = services::event_types::list(&state.db, scope, None)
        .await?
        .into_iter()
        .map(|e| (e.id, e.fields.title))
        .collect();
    let tz = zone_of(&me);
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
            actions: actions(booking.status, booking.start_at < now),
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
        },
    )?;
    Ok(private_page(html))
}

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

/// The weekly-hours form: one text field per day (`09:00-12:00, 13:00-17:00`), date
/// overrides one per line (`2026-12-24: closed` or `2026-12-24: 10:00-12:00`).
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
    #[serde(default)]
    overrides: String,
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
        let overrides = schedule
            .overrides
            .iter()
            .map(|(date, windows)| {
                if windows.is_empty() {
                    format!("{date}: closed")
                } else {
                    format!("{date}: {}", windows_text(windows))
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
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
            overrides,
        }
    }
}

fn windows_text(windows: &[Window]) -> String {
    windows
        .iter()
        .map(|[start, end]| format!("{start}-{end}"))
        .collect::<Vec<_>>()
        .join(", ")
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

/// The form as a schedule's weekly rules and overrides, or the fields it cannot read.
fn parse_form(
    form: &AvailabilityForm,
) -> Result<(WeeklyRules, DateOverrides), Vec<(String, String)>> {
    let mut errors = Vec::new();
    let mut weekly = WeeklyRules::new();
    for day in services::schedules::DAY_KEYS {
        match parse_windows(form.day(day)) {
            Ok(windows) if windows.is_empty() => {}
            Ok(windows) => {
                weekly.insert(day.to_owned(), windows);
            }
            Err(()) => errors.push((
                day.to_owned(),
                "Write times as 09:00-12:00, separated by commas.".to_owned(),
            )),
        }
    }
    let mut overrides = DateOverrides::new();
    for line in form
        .overrides
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        let parsed = line
            .split_once(':')
            .and_then(|(date, rest)| Some((date.trim(), parse_windows(rest).ok()?)));
        match parsed {
            Some((date, windows)) => {
                overrides.insert(date.to_owned(), windows);
            }
            None => errors.push((
                "overrides".to_owned(),
                format!(
                    "cannot read “{line}”: write 2026-12-24: closed, or 2026-12-24: 10:00-12:00"
                ),
            )),
        }
    }
    if errors.is_empty() {
        Ok((weekly, overrides))
    } else {
        Err(errors)
    }
}

/// A service message as a sentence: `must be …` becomes `Must be ….`
pub(super) fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    match chars.next() {
        Some(first) => format!(
            "{}{}.",
            first.to_uppercase(),
            chars.as_str().trim_end_matches('.')
        ),
        None => String::new(),
    }
}

/// The form field a service error's JSON Pointer names.
pub(super) fn field_of(pointer: &str) -> String {
    let mut parts = pointer.trim_start_matches('/').split('/');
    match (parts.next(), parts.next()) {
        (Some("weekly"), Some(day)) => day.to_owned(),
        (Some("overrides"), _) => "overrides".to_owned(),
        (Some(first), _) => first.to_owned(),
        _ => String::new(),
    }
}

#[derive(Serialize)]
struct AvailabilityContext<'a> {
    chrome: Chrome,
    form: &'a AvailabilityForm,
    days: [(&'static str, &'static str); 7],
    errors: BTreeMap<String, String>,
    booking_links: Vec<(String, String)>,
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

async fn availability_page(
    state: &AppState,
    chrome: Chrome,
    scope: &Scope,
    me: &User,
    form: &AvailabilityForm,
    errors: BTreeMap<String, String>,
) -> Result<Html<String>, PageError> {
    let booking_links = services::event_types::list(&state.db, scope, Some(me.id))
        .await?
        .into_iter()
        .map(|e| (e.fields.title, format!("/book/{}", e.id.0)))
        .collect();
    render(
        "dashboard/availability.html",
        AvailabilityContext {
            chrome,
            form,
            days: DAYS,
            errors,
            booking_links,
        },
    )
}

/// `/dashboard/availability`: my default schedule's weekly hours, overrides and zone.
pub(crate) async fn availability(State(state): State<AppState>, signed_in: SignedIn) -> Rendered {
    let (chrome, me) = chrome(&state, &signed_in, "availability").await?;
    let schedule = my_default_schedule(&state, &signed_in.scope, &me).await?;
    let form = schedule.as_ref().map_or_else(
        || AvailabilityForm {
            name: "Working hours".to_owned(),
            time_zone: me.time_zone.clone(),
            ..AvailabilityForm::default()
        },
        AvailabilityForm::of,
    );
    let html = availability_page(
        &state,
        chrome,
        &signed_in.scope,
        &me,
        &form,
        BTreeMap::new(),
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
    let saved = match parse_form(&form) {
        Err(errors) => Err(errors.into_iter().collect::<BTreeMap<_, _>>()),
        Ok((weekly, overrides)) => {
            let input = services::schedules::ScheduleInput {
                user_id: None,
                name: form.name.clone(),
                time_zone: form.time_zone.trim().to_owned(),
                weekly,
                overrides,
                is_default: true,
            };
            let result = match my_default_schedule(&state, scope, &me).await? {
                Some(existing) => {
                    services::schedules::replace(&state.db, scope, existing.id, input).await
                }
                None => services::schedules::create(&state.db, scope, input).await,
            };
            match result {
                Ok(_) => Ok(()),
                Err(ServiceError::Validation(fields)) => Err(fields
                    .into_iter()
                    .map(|f| (field_of(&f.pointer), sentence(&f.message)))
                    .collect()),
                Err(other) => return Err(other.into()),
            }
        }
    };
    match saved {
        Ok(()) => {
            chrome.notice = Some("Availability saved.".to_owned());
            let html =
                availability_page(&state, chrome, scope, &me, &form, BTreeMap::new()).await?;
            Ok(private_page(html))
        }
        Err(errors) => {
            let html = availability_page(&state, chrome, scope, &me, &form, errors).await?;
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
    fn overrides_name_the_line_they_cannot_read() {
        let form = AvailabilityForm {
            overrides: "2026-12-24: closed\n2026-12-31 10:00".to_owned(),
            ..AvailabilityForm::default()
        };
        let errors = parse_form(&form).err().unwrap_or_default();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "overrides");
    }

    #[test]
    fn pointers_map_to_form_fields() {
        assert_eq!(field_of("/weekly/mon/0"), "mon");
        assert_eq!(field_of("/overrides/2026-12-24/1"), "overrides");
        assert_eq!(field_of("/time_zone"), "time_zone");
    }
}
