//! The dashboard's resources: find a room or a piece of equipment that is free for a time and
//! reserve it, see and cancel one's reservations; for those who manage resources, the
//! approval queue and a form for a new resource. Each form calls the `services::resources`
//! function the JSON API calls; times are shown and typed in the viewer's own zone.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use domain::ids::{ReservationId, ResourceId, Timestamp};
use domain::resources::{
    Attributes, ConflictStatus, Reservation, ReservationFilter, ReservationSource,
    ReservationStatus, Resource, ResourceKind, ResourceStatus,
};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use serde::{Deserialize, Serialize};
use services::ServiceError;
use services::resources::{Decision, ReserveInput, ResourceInput, SearchInput};
use uuid::Uuid;

use super::Rendered;
use super::kit::{Chrome, chrome, field_errors, private_page};
use super::render::render;
use super::session::{SessionForm, SignedIn};
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/resources", get(page).post(create))
        .route("/dashboard/resources/reserve", post(reserve))
        .route("/dashboard/reservations/{id}/{action}", post(decide))
        .route("/dashboard/resource-conflicts/{id}/{status}", post(settle))
}

/// How many of one's upcoming reservations, and of the pending ones, the page lists.
const LISTED: u32 = 50;

/// The "find a time" form, in the viewer's zone. Empty fields take tomorrow 09:00-10:00.
#[derive(Clone, Debug, Default, Deserialize, Serialize)]
#[serde(default)]
struct FindForm {
    date: String,
    from: String,
    to: String,
    /// At least this many seats (the `seats` attribute); empty for any.
    seats: String,
}

/// A reservation asked for from a search row.
#[derive(Debug, Deserialize)]
struct ReserveForm {
    resource_id: Uuid,
    #[serde(default)]
    title: String,
    #[serde(flatten)]
    find: FindForm,
}

/// A new resource as typed: open Monday to Friday between two times.
#[derive(Clone, Debug, Deserialize, Serialize)]
#[serde(default)]
struct NewResourceForm {
    name: String,
    kind: String,
    capacity: String,
    location: String,
    time_zone: String,
    opens: String,
    closes: String,
    requires_approval: Option<String>,
}

impl Default for NewResourceForm {
    fn default() -> Self {
        Self {
            name: String::new(),
            kind: "space".to_owned(),
            capacity: "1".to_owned(),
            location: String::new(),
            time_zone: String::new(),
            opens: "08:00".to_owned(),
            closes: "18:00".to_owned(),
            requires_approval: None,
        }
    }
}

#[derive(Serialize)]
struct HitRow {
    id: Uuid,
    name: String,
    kind: &'static str,
    location: String,
    capacity: i32,
    details: String,
    available: bool,
    reason: Option<String>,
}

#[derive(Serialize)]
struct ReservationRow {
    id: Uuid,
    title: String,
    when: String,
    resources: String,
    status: &'static str,
    reason: Option<String>,
    cancellable: bool,
    /// A resource requires check-in and it is open now.
    check_in_open: bool,
    checked_in: bool,
}

#[derive(Serialize)]
struct ConflictRow {
    id: Uuid,
    detail: String,
    severity: &'static str,
    when: String,
}

#[derive(Serialize)]
struct ResourceRow {
    name: String,
    kind: &'static str,
    location: String,
    capacity: i32,
    hours: String,
    status: &'static str,
    requires_approval: bool,
}

#[derive(Serialize)]
struct Context {
    chrome: Chrome,
    time_zone: String,
    find: FindForm,
    /// Why the search could not run, for people.
    find_error: Option<String>,
    hits: Vec<HitRow>,
    /// The refusal of a reservation just asked for.
    alert: Option<String>,
    mine: Vec<ReservationRow>,
    manages: bool,
    pending: Vec<ReservationRow>,
    conflicts: Vec<ConflictRow>,
    resources: Vec<ResourceRow>,
    form: NewResourceForm,
    errors: BTreeMap<String, String>,
    kinds: Vec<(&'static str, &'static str)>,
}

/// The period a find form names, in `zone`; the form with its defaults filled in.
fn period(find: &FindForm, zone: &TimeZone) -> Result<(FindForm, Timestamp, Timestamp), String> {
    let tomorrow = jiff::Zoned::now()
        .with_time_zone(zone.clone())
        .date()
        .tomorrow()
        .map_err(|_| "That date cannot be shown.".to_owned())?;
    let filled = FindForm {
        date: or(&find.date, &tomorrow.to_string()),
        from: or(&find.from, "09:00"),
        to: or(&find.to, "10:00"),
        seats: find.seats.trim().to_owned(),
    };
    let date: Date = filled
        .date
        .parse()
        .map_err(|_| "Choose a date.".to_owned())?;
    let time = |text: &str| {
        text.parse::<Time>()
            .map_err(|_| "Times are HH:MM.".to_owned())
    };
    let (from, to) = (time(&filled.from)?, time(&filled.to)?);
    let instant = |t: Time| {
        date.to_datetime(t)
            .to_zoned(zone.clone())
            .map(|z| Timestamp::from(z.timestamp()))
            .map_err(|_| "That time does not exist in your zone.".to_owned())
    };
    let (start, end) = (instant(from)?, instant(to)?);
    if start >= end {
        return Err("The end must be after the start.".to_owned());
    }
    Ok((filled, start, end))
}

fn or(value: &str, default: &str) -> String {
    let value = value.trim();
    if value.is_empty() {
        default.to_owned()
    } else {
        value.to_owned()
    }
}

fn kind_label(kind: ResourceKind) -> &'static str {
    match kind {
        ResourceKind::Equipment => "Equipment",
        ResourceKind::Space => "Room or space",
        ResourceKind::Person => "Person",
        ResourceKind::Workshop => "Workshop",
    }
}

fn attributes_text(attributes: &Attributes) -> String {
    attributes
        .iter()
        .map(|(key, value)| match value {
            serde_json::Value::Bool(true) => key.clone(),
            serde_json::Value::Bool(false) => format!("no {key}"),
            serde_json::Value::String(text) => format!("{key}: {text}"),
            other => format!("{key}: {other}"),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// "Tue 15 Dec, 14:00–15:00" in `zone` (with both dates when it spans days).
fn when(start: Timestamp, end: Timestamp, zone: &TimeZone) -> String {
    let (s, e) = (
        start.to_jiff().to_zoned(zone.clone()),
        end.to_jiff().to_zoned(zone.clone()),
    );
    if s.date() == e.date() {
        format!("{}–{}", s.strftime("%a %-d %b, %H:%M"), e.strftime("%H:%M"))
    } else {
        format!(
            "{} – {}",
            s.strftime("%a %-d %b, %H:%M"),
            e.strftime("%a %-d %b, %H:%M")
        )
    }
}

fn status_word(status: ReservationStatus) -> &'static str {
    match status {
        ReservationStatus::Pending => "waiting for approval",
        ReservationStatus::Confirmed => "confirmed",
        ReservationStatus::Rejected => "declined",
        ReservationStatus::Cancelled => "cancelled",
    }
}

fn reservation_row(
    r: &Reservation,
    all: &[Resource],
    names: &BTreeMap<ResourceId, String>,
    zone: &TimeZone,
) -> ReservationRow {
    let needs_check_in = r.resource_ids.iter().any(|id| {
        all.iter()
            .any(|res| res.id == *id && res.fields.check_in_required)
    });
    let now = Timestamp::now();
    let opens = r.start_at.plus(jiff::SignedDuration::from_mins(
        -services::resource_release::CHECK_IN_OPENS_MINUTES,
    ));
    ReservationRow {
        id: r.id.0,
        title: r.title.clone(),
        when: when(r.start_at, r.end_at, zone),
        resources: r
            .resource_ids
            .iter()
            .map(|id| {
                names
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| "a hidden resource".to_owned())
            })
            .collect::<Vec<_>>()
            .join(", "),
        status: status_word(r.status),
        reason: r.reason.clone(),
        cancellable: r.status.is_active(),
        check_in_open: needs_check_in
            && r.status == ReservationStatus::Confirmed
            && r.checked_in_at.is_none()
            && opens <= now
            && now < r.end_at,
        checked_in: r.checked_in_at.is_some(),
    }
}

/// Opening hours as people write them: "Mon–Fri 08:00–18:00, Sat 10:00–14:00 (Europe/Berlin)".
fn hours_text(resource: &Resource) -> String {
    const NAMES: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
    let f = &resource.fields;
    let day_hours: Vec<String> = services::schedules::DAY_KEYS
        .iter()
        .map(|day| {
            f.weekly
                .get(*day)
                .map(|windows| {
                    windows
                        .iter()
                        .map(|w| format!("{}–{}", w[0], w[1]))
                        .collect::<Vec<_>>()
                        .join(", ")
                })
                .unwrap_or_default()
        })
        .collect();
    // Runs of consecutive days with the same hours.
    let mut parts = Vec::new();
    let mut day = 0;
    while day < 7 {
        let mut last = day;
        while last + 1 < 7 && day_hours[last + 1] == day_hours[day] {
            last += 1;
        }
        if !day_hours[day].is_empty() {
            let days = if last == day {
                NAMES[day].to_owned()
            } else {
                format!("{}–{}", NAMES[day], NAMES[last])
            };
            parts.push(format!("{days} {}", day_hours[day]));
        }
        day = last + 1;
    }
    if parts.is_empty() {
        "closed".to_owned()
    } else {
        format!("{} ({})", parts.join(", "), f.time_zone)
    }
}

async fn context(
    state: &AppState,
    signed_in: &SignedIn,
    find: &FindForm,
) -> Result<Context, ServiceError> {
    let scope = &signed_in.scope;
    let (chrome, me) = chrome(state, signed_in, "resources")
        .await
        .map_err(|_| ServiceError::NotFound("user"))?;
    let zone = TimeZone::get(&me.time_zone).unwrap_or(TimeZone::UTC);
    let manages = scope.grant::<services::can::ManageResources>().is_some();
    let all = services::resources::list(&state.db, scope).await?;
    let names: BTreeMap<ResourceId, String> =
        all.iter().map(|r| (r.id, r.fields.name.clone())).collect();
    let (find, hits, find_error) = match period(find, &zone) {
        Ok((filled, start_at, end_at)) => {
            let mut input = SearchInput {
                start_at,
                end_at,
                kind: None,
                group_id: None,
                attributes: Attributes::new(),
                at_least: BTreeMap::new(),
            };
            let mut error = None;
            if !filled.seats.is_empty() {
                match filled.seats.parse::<f64>() {
                    Ok(seats) if seats >= 0.0 => {
                        input.at_least.insert("seats".to_owned(), seats);
                    }
                    _ => error = Some("Seats is a number.".to_owned()),
                }
            }
            let hits = if error.is_none() {
                services::resources::search(&state.db, scope, input)
                    .await?
                    .into_iter()
                    .map(|hit| HitRow {
                        id: hit.resource.id.0,
                        name: hit.resource.fields.name.clone(),
                        kind: kind_label(hit.resource.fields.kind),
                        location: hit.resource.fields.location.clone(),
                        capacity: hit.resource.fields.capacity,
                        details: attributes_text(&hit.resource.fields.attributes),
                        available: hit.refusal.is_none(),
                        reason: hit.refusal.map(|(_, detail)| super::kit::sentence(&detail)),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            (filled, hits, error)
        }
        Err(message) => (find.clone(), Vec::new(), Some(message)),
    };
    let upcoming = ReservationFilter {
        from: Some(Timestamp::now()),
        statuses: vec![ReservationStatus::Pending, ReservationStatus::Confirmed],
        limit: LISTED,
        booked_by: scope.actor().user_id(),
        ..ReservationFilter::default()
    };
    let mine = services::resources::reservations(&state.db, scope, upcoming)
        .await?
        .iter()
        .map(|r| reservation_row(r, &all, &names, &zone))
        .collect();
    let pending = if manages {
        let waiting = ReservationFilter {
            statuses: vec![ReservationStatus::Pending],
            limit: LISTED,
            ..ReservationFilter::default()
        };
        services::resources::reservations(&state.db, scope, waiting)
            .await?
            .iter()
            .map(|r| reservation_row(r, &all, &names, &zone))
            .collect()
    } else {
        Vec::new()
    };
    let conflicts = if manages {
        services::resources::conflicts(&state.db, scope, Some(ConflictStatus::Open))
            .await?
            .into_iter()
            .map(|c| ConflictRow {
                id: c.id.0,
                detail: c.detail,
                severity: c.severity.as_str(),
                when: c
                    .created_at
                    .to_jiff()
                    .to_zoned(zone.clone())
                    .strftime("%a %-d %b, %H:%M")
                    .to_string(),
            })
            .collect()
    } else {
        Vec::new()
    };
    let resources = if manages {
        all.iter()
            .map(|r| ResourceRow {
                name: r.fields.name.clone(),
                kind: kind_label(r.fields.kind),
                location: r.fields.location.clone(),
                capacity: r.fields.capacity,
                hours: hours_text(r),
                status: match r.fields.status {
                    ResourceStatus::Available => "available",
                    ResourceStatus::Unavailable => "unavailable",
                    ResourceStatus::Hidden => "hidden",
                },
                requires_approval: r.fields.requires_approval,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(Context {
        chrome,
        time_zone: me.time_zone.clone(),
        find,
        find_error,
        hits,
        alert: None,
        mine,
        manages,
        pending,
        conflicts,
        resources,
        form: NewResourceForm {
            time_zone: me.time_zone,
            ..NewResourceForm::default()
        },
        errors: BTreeMap::new(),
        kinds: ResourceKind::ALL
            .iter()
            .map(|k| (k.as_str(), kind_label(*k)))
            .collect(),
    })
}

fn respond(context: Context) -> Rendered {
    let status = if context.errors.is_empty() && context.alert.is_none() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render("dashboard/resources.html", context)?;
    Ok((status, private_page(html)).into_response())
}

/// `/dashboard/resources`: find a free resource, one's reservations, and for managers the
/// approval queue and the resources.
async fn page(
    State(state): State<AppState>,
    signed_in: SignedIn,
    Query(find): Query<FindForm>,
) -> Rendered {
    respond(context(&state, &signed_in, &find).await?)
}

async fn reserve(State(state): State<AppState>, submitted: SessionForm<ReserveForm>) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    let form = submitted.form;
    let me = services::users::current(&state.db, &signed_in.scope).await?;
    let zone = TimeZone::get(&me.time_zone).unwrap_or(TimeZone::UTC);
    let outcome = match period(&form.find, &zone) {
        Err(message) => Err(message),
        Ok((_, start_at, end_at)) => {
            let input = ReserveInput {
                resource_ids: vec![ResourceId(form.resource_id)],
                start_at,
                end_at,
                title: form.title.clone(),
                source: ReservationSource::Web,
            };
            match services::resources::reserve(&state.db, &signed_in.scope, input).await {
                Ok(reservation) => Ok(reservation),
                Err(ServiceError::ResourceRefused { detail, .. }) => {
                    Err(super::kit::sentence(&detail))
                }
                Err(ServiceError::Validation(fields)) => Err(fields
                    .first()
                    .map(|f| super::kit::sentence(&f.message))
                    .unwrap_or_default()),
                Err(other) => return Err(other.into()),
            }
        }
    };
    let mut context = context(&state, &signed_in, &form.find).await?;
    match outcome {
        Ok(reservation) => {
            context.chrome.notice = Some(match reservation.status {
                ReservationStatus::Pending => format!(
                    "Requested {}: it waits for approval and is held for you meanwhile.",
                    when(reservation.start_at, reservation.end_at, &zone)
                ),
                _ => format!(
                    "Reserved {}.",
                    when(reservation.start_at, reservation.end_at, &zone)
                ),
            });
        }
        Err(message) => context.alert = Some(message),
    }
    respond(context)
}

async fn decide(
    State(state): State<AppState>,
    Path((id, action)): Path<(Uuid, String)>,
    submitted: SessionForm<BTreeMap<String, String>>,
) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    if action == "check-in" {
        services::resource_release::check_in(&state.db, &signed_in.scope, ReservationId(id))
            .await?;
        let mut context = context(&state, &signed_in, &FindForm::default()).await?;
        context.chrome.notice = Some("Checked in.".to_owned());
        return respond(context);
    }
    let (decision, notice) = match action.as_str() {
        "cancel" => (Decision::Cancel, "Reservation cancelled."),
        "approve" => (Decision::Approve, "Reservation approved."),
        "reject" => (Decision::Reject, "Reservation declined."),
        _ => return Err(ServiceError::NotFound("action").into()),
    };
    let reason = submitted.form.get("reason").cloned();
    services::resources::decide(
        &state.db,
        &signed_in.scope,
        ReservationId(id),
        decision,
        reason,
    )
    .await?;
    let mut context = context(&state, &signed_in, &FindForm::default()).await?;
    context.chrome.notice = Some(notice.to_owned());
    respond(context)
}

/// Marks a logged conflict resolved or ignored.
async fn settle(
    State(state): State<AppState>,
    Path((id, status)): Path<(Uuid, String)>,
    submitted: SessionForm<BTreeMap<String, String>>,
) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    let status = match status.as_str() {
        "resolved" => ConflictStatus::Resolved,
        "ignored" => ConflictStatus::Ignored,
        _ => return Err(ServiceError::NotFound("action").into()),
    };
    let resolution = submitted
        .form
        .get("resolution")
        .cloned()
        .unwrap_or_default();
    services::resources::update_conflict(
        &state.db,
        &signed_in.scope,
        domain::ids::ResourceConflictId(id),
        status,
        resolution,
    )
    .await?;
    let mut context = context(&state, &signed_in, &FindForm::default()).await?;
    context.chrome.notice = Some(format!("Conflict marked {}.", status.as_str()));
    respond(context)
}

/// The form field a resource service error names (`/weekly/mon/0` is the opening hours).
fn resource_field(field: String) -> String {
    if services::schedules::DAY_KEYS.contains(&field.as_str()) {
        "opens".to_owned()
    } else {
        field
    }
}

async fn create(
    State(state): State<AppState>,
    submitted: SessionForm<NewResourceForm>,
) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    let form = submitted.form;
    let mut errors = BTreeMap::new();
    let kind = ResourceKind::parse(&form.kind);
    if kind.is_none() {
        errors.insert("kind".to_owned(), "Choose what it is.".to_owned());
    }
    let capacity = form.capacity.trim().parse::<i32>().ok();
    if capacity.is_none() {
        errors.insert(
            "capacity".to_owned(),
            "Capacity is a whole number.".to_owned(),
        );
    }
    let result = match (kind, capacity) {
        (Some(kind), Some(capacity)) => {
            let window = [form.opens.trim().to_owned(), form.closes.trim().to_owned()];
            let weekly = ["mon", "tue", "wed", "thu", "fri"]
                .iter()
                .map(|d| ((*d).to_owned(), vec![window.clone()]))
                .collect();
            let input = ResourceInput {
                name: form.name.clone(),
                kind,
                description: String::new(),
                location: form.location.clone(),
                group_id: None,
                attributes: Attributes::new(),
                capacity,
                time_zone: form.time_zone.trim().to_owned(),
                weekly,
                overrides: BTreeMap::new(),
                buffer_before_minutes: 0,
                buffer_after_minutes: 0,
                min_duration_minutes: 15,
                max_duration_minutes: None,
                min_notice_minutes: 0,
                max_notice_days: None,
                requires_approval: form.requires_approval.is_some(),
                check_in_required: false,
                release_after_minutes: 15,
                status: ResourceStatus::Available,
                status_reason: String::new(),
            };
            match services::resources::create(&state.db, &signed_in.scope, input).await {
                Ok(resource) => Ok(resource),
                Err(e) => Err(
                    field_errors(e, "", Some("Another resource has this name."))?
                        .into_iter()
                        .map(|(field, message)| (resource_field(field), message))
                        .collect(),
                ),
            }
        }
        _ => Err(errors),
    };
    let mut context = context(&state, &signed_in, &FindForm::default()).await?;
    match result {
        Ok(resource) => {
            context.chrome.notice = Some(format!("{} added.", resource.fields.name));
        }
        Err(errors) => {
            context.form = form;
            context.errors = errors;
        }
    }
    respond(context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_empty_find_form_means_tomorrow_at_nine() {
        let zone = TimeZone::get("Europe/Berlin").unwrap_or(TimeZone::UTC);
        let (filled, start, end) = period(&FindForm::default(), &zone).expect("a period");
        assert_eq!(
            (filled.from.as_str(), filled.to.as_str()),
            ("09:00", "10:00")
        );
        assert_eq!(
            end.to_jiff().as_second() - start.to_jiff().as_second(),
            3600
        );
        let backwards = FindForm {
            from: "11:00".into(),
            to: "10:00".into(),
            ..FindForm::default()
        };
        assert_eq!(
            period(&backwards, &zone).err().as_deref(),
            Some("The end must be after the start.")
        );
    }

    #[test]
    fn hours_read_as_runs_of_days() {
        let mut weekly = domain::schedules::WeeklyRules::new();
        for day in ["mon", "tue", "wed", "thu", "fri"] {
            weekly.insert(day.into(), vec![["08:00".into(), "18:00".into()]]);
        }
        weekly.insert("sat".into(), vec![["10:00".into(), "14:00".into()]]);
        let resource = Resource {
            id: ResourceId::new(),
            fields: domain::resources::ResourceFields {
                name: "Ada".into(),
                kind: ResourceKind::Space,
                description: String::new(),
                location: String::new(),
                group_id: None,
                attributes: Attributes::new(),
                capacity: 1,
                time_zone: "Europe/Berlin".into(),
                weekly,
                overrides: BTreeMap::new(),
                buffer_before_minutes: 0,
                buffer_after_minutes: 0,
                min_duration_minutes: 15,
                max_duration_minutes: None,
                min_notice_minutes: 0,
                max_notice_days: None,
                requires_approval: false,
                check_in_required: false,
                release_after_minutes: 15,
                status: ResourceStatus::Available,
                status_reason: String::new(),
            },
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        };
        assert_eq!(
            hours_text(&resource),
            "Mon–Fri 08:00–18:00, Sat 10:00–14:00 (Europe/Berlin)"
        );
    }

    #[test]
    fn attributes_read_as_words() {
        let attributes: Attributes = [
            ("projector".to_owned(), serde_json::json!(true)),
            ("seats".to_owned(), serde_json::json!(8)),
            ("whiteboard".to_owned(), serde_json::json!(false)),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            attributes_text(&attributes),
            "projector, seats: 8, no whiteboard"
        );
    }
}
