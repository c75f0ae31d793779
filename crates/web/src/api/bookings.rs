//! `/api/v1/bookings`: the host's side of bookings.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use domain::booking_view::{AttendeeView, BookingView};
use domain::bookings::{Attendee, Booking, BookingFilter, BookingStatus};
use domain::ids::{BookingId, Timestamp};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// A booking. Its `uid` stays the same for its whole life; a reschedule makes a new booking
/// that links back (`rescheduled_from`).
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingBody {
    pub uid: Uuid,
    pub event_type_id: Uuid,
    pub host_user_id: Uuid,
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
    /// `pending`, `confirmed`, `rejected`, `cancelled`, `rescheduled`, `no_show` or `completed`.
    #[schema(value_type = String, example = "confirmed")]
    pub status: BookingStatus,
    pub seats_taken: i32,
    /// Where it happens (`kind` with its `address`, `number` or `url`), or null.
    #[schema(value_type = Object)]
    pub location: serde_json::Value,
    pub cancel_reason: Option<String>,
    pub rescheduled_from: Option<Uuid>,
    pub rescheduled_to: Option<Uuid>,
    /// Everyone hosting it (`host_user_id` first) and why each was chosen.
    pub hosts: Vec<BookingHostBody>,
    /// The people on the booking (only your own entry through a manage link).
    pub attendees: Vec<AttendeeBody>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// A host of a booking.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingHostBody {
    pub user_id: Uuid,
    /// On every booking of the event type: its owner, a collective host or a fixed host.
    pub fixed: bool,
    /// Why this host: `owner`, `collective`, `fixed`, `kept` (a reschedule kept the host), or
    /// the round-robin strategy and what decided it.
    #[schema(example = "least_recent: last booked never")]
    pub reason: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttendeeBody {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub time_zone: String,
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
    pub notes: String,
    pub utm: BTreeMap<String, String>,
    /// `active` or `cancelled`.
    pub status: String,
    pub cancel_reason: Option<String>,
}

impl From<AttendeeView> for AttendeeBody {
    fn from(a: AttendeeView) -> Self {
        Self {
            id: a.id,
            name: a.name,
            email: a.email,
            time_zone: a.time_zone,
            answers: a.answers,
            notes: a.notes,
            utm: a.utm,
            status: a.status,
            cancel_reason: a.cancel_reason,
        }
    }
}

/// The documented form of [`BookingView`], the one representation the API and webhook
/// deliveries share: field for field, so both serialize alike (a test below holds them to it).
impl From<BookingView> for BookingBody {
    fn from(b: BookingView) -> Self {
        Self {
            uid: b.uid,
            event_type_id: b.event_type_id,
            host_user_id: b.host_user_id,
            start: b.start,
            end: b.end,
            status: b.status,
            seats_taken: b.seats_taken,
            location: b.location,
            cancel_reason: b.cancel_reason,
            rescheduled_from: b.rescheduled_from,
            rescheduled_to: b.rescheduled_to,
            hosts: b
                .hosts
                .into_iter()
                .map(|h| BookingHostBody {
                    user_id: h.user_id,
                    fixed: h.fixed,
                    reason: h.reason,
                })
                .collect(),
            attendees: b.attendees.into_iter().map(Into::into).collect(),
            created_at: b.created_at,
            updated_at: b.updated_at,
        }
    }
}

impl BookingBody {
    pub(crate) fn new(b: Booking, attendees: Vec<Attendee>) -> Self {
        BookingView::new(b, attendees).into()
    }
}

/// A page of bookings; pass `next_cursor` as `cursor` for the next one.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingPage {
    pub bookings: Vec<BookingBody>,
    pub next_cursor: Option<String>,
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct BookingQuery {
    #[param(value_type = Option<String>, example = "confirmed")]
    pub status: Option<String>,
    /// Bookings that end after this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub from: Option<jiff::Timestamp>,
    /// Bookings that start before this instant (RFC 3339).
    #[param(value_type = Option<String>, format = DateTime)]
    pub until: Option<jiff::Timestamp>,
    pub event_type_id: Option<Uuid>,
    pub host_user_id: Option<Uuid>,
    pub attendee_email: Option<String>,
    pub cursor: Option<String>,
    /// 1 to 200; 50 when absent.
    #[serde(default, deserialize_with = "crate::extract::in_range::<_, 1, 200>")]
    pub limit: Option<u32>,
}

/// List bookings by start time.
///
/// Those the caller hosts and those of the team event types they are a host of; every
/// booking of the organization with `bookings.read_all`.
#[utoipa::path(get, path = "/api/v1/bookings", tag = "bookings", security(("api_key" = [])),
    params(BookingQuery),
    responses(
        (status = 403, description = "Lacks bookings.read", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "A page of bookings", body = BookingPage),
        (status = 422, description = "A filter is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_bookings(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(q): ApiQuery<BookingQuery>,
) -> Result<Json<BookingPage>, ApiError> {
    let status = match q.status.as_deref() {
        None => None,
        Some(s) => Some(BookingStatus::parse(s).ok_or_else(|| {
            ApiError::from(services::ServiceError::field(
                "/status",
                "status",
                "unknown booking status",
            ))
        })?),
    };
    let after = match q.cursor.as_deref() {
        None => None,
        Some(c) => Some(decode_cursor(c).ok_or_else(|| {
            ApiError::from(services::ServiceError::field(
                "/cursor",
                "cursor",
                "not a cursor this API gave out",
            ))
        })?),
    };
    let limit = q.limit.unwrap_or(50);
    let filter = BookingFilter {
        status,
        from: q.from.map(Into::into),
        until: q.until.map(Into::into),
        event_type_id: q.event_type_id.map(domain::ids::EventTypeId),
        attendee_email: q.attendee_email,
        host_user_id: q.host_user_id.map(domain::ids::UserId),
        after,
        limit,
        newest_first: false,
    };
    let page = services::bookings::list(&state.db, &scope, filter).await?;
    let next_cursor = (page.len() as u32 >= limit.clamp(1, 200))
        .then(|| page.last().map(|b| encode_cursor(b.start_at, b.id)))
        .flatten();
    let bookings = page
        .into_iter()
        .map(|b| BookingBody::new(b, Vec::new()))
        .collect();
    Ok(Json(BookingPage {
        bookings,
        next_cursor,
    }))
}

fn encode_cursor(start: Timestamp, id: BookingId) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{}", start.as_millisecond(), id.0))
}

fn decode_cursor(cursor: &str) -> Option<(Timestamp, BookingId)> {
    let text = String::from_utf8(URL_SAFE_NO_PAD.decode(cursor).ok()?).ok()?;
    let (ms, id) = text.split_once(':')?;
    Some((
        Timestamp::from_millisecond(ms.parse().ok()?).ok()?,
        BookingId(id.parse().ok()?),
    ))
}

/// Get a booking with its attendees.
#[utoipa::path(get, path = "/api/v1/bookings/{uid}", tag = "bookings", security(("api_key" = [])),
    params(("uid" = Uuid, Path, description = "Booking uid")),
    responses(
        (status = 403, description = "Lacks bookings.read", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The booking", body = BookingBody),
        (status = 404, description = "No such booking in this organization, or one the caller may not read (see the list)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_booking(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(uid): ApiPath<Uuid>,
) -> Result<Json<BookingBody>, ApiError> {
    let (booking, attendees) = services::bookings::get(&state.db, &scope, BookingId(uid)).await?;
    Ok(Json(BookingBody::new(booking, attendees)))
}

/// A state change, with an optional reason for the attendee.
#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TransitionRequest {
    #[serde(default)]
    pub reason: Option<String>,
}

/// Moves a booking to another start.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RescheduleRequest {
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T09:00:00Z")]
    pub start: jiff::Timestamp,
}

macro_rules! transition_handler {
    ($name:ident, $path:literal, $status:expr, $summary:literal) => {
        #[doc = $summary]
        #[utoipa::path(post, path = $path, tag = "bookings", security(("api_key" = [])),
            params(("uid" = Uuid, Path, description = "Booking uid")),
            request_body = TransitionRequest,
            responses(
                (status = 403, description = "Lacks bookings.manage, or it belongs to another user and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
                (status = 200, description = "The booking in its new state", body = BookingBody),
                (status = 404, description = "No such booking in this organization", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "The booking's state does not allow this; `errors` names the state", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "The reason is too long, or the time does not allow this: a no-show before the start (`/status` `not_started`), a cancellation after it (`/status` `started`)", body = Problem, content_type = "application/problem+json"),
            ))]
        pub async fn $name(
            State(state): State<AppState>,
            Authenticated(scope): Authenticated,
            ApiPath(uid): ApiPath<Uuid>,
            ApiJson(body): ApiJson<TransitionRequest>,
        ) -> Result<Json<BookingBody>, ApiError> {
            let booking = services::bookings::transition(&state.db, &scope, BookingId(uid), $status, body.reason).await?;
            Ok(Json(BookingBody::new(booking, Vec::new())))
        }
    };
}

transition_handler!(
    confirm_booking,
    "/api/v1/bookings/{uid}/confirm",
    BookingStatus::Confirmed,
    "Confirm a pending booking."
);
transition_handler!(
    reject_booking,
    "/api/v1/bookings/{uid}/reject",
    BookingStatus::Rejected,
    "Reject a pending booking."
);
transition_handler!(
    cancel_booking,
    "/api/v1/bookings/{uid}/cancel",
    BookingStatus::Cancelled,
    "Cancel a booking before its start."
);
transition_handler!(
    mark_no_show,
    "/api/v1/bookings/{uid}/no-show",
    BookingStatus::NoShow,
    "Mark that the attendee did not come, once the booking has started."
);
transition_handler!(
    complete_booking,
    "/api/v1/bookings/{uid}/complete",
    BookingStatus::Completed,
    "Mark a booking as held."
);

/// Move a booking to another free start.
#[utoipa::path(post, path = "/api/v1/bookings/{uid}/reschedule", tag = "bookings", security(("api_key" = [])),
    params(("uid" = Uuid, Path, description = "Booking uid")),
    request_body = RescheduleRequest,
    responses(
        (status = 403, description = "Lacks bookings.manage, or it belongs to another user and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The new booking, linked to the old one", body = BookingBody),
        (status = 409, description = "The new time is not free, or the booking cannot move; `errors` says why", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new start is in the past (`/start` `in_past`), or the booking has started (`/status` `started`)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn reschedule_booking(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(uid): ApiPath<Uuid>,
    ApiJson(body): ApiJson<RescheduleRequest>,
) -> Result<Json<BookingBody>, ApiError> {
    let booking =
        services::bookings::reschedule(&state.db, &scope, BookingId(uid), body.start.into())
            .await?;
    Ok(Json(BookingBody::new(booking, Vec::new())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::bookings::BookingHost;
    use domain::ids::{AttendeeId, EventTypeId, OrganizationId, UserId};

    /// Webhook payloads serialize [`BookingView`]; the API serves [`BookingBody`]. Subscribers
    /// are promised the same JSON.
    #[test]
    fn the_documented_body_serializes_as_the_shared_view() {
        let now = Timestamp::now();
        let booking = Booking {
            id: BookingId::new(),
            organization_id: OrganizationId::new(),
            event_type_id: EventTypeId::new(),
            host_user_id: UserId::new(),
            start_at: now,
            end_at: now,
            buffer_before_minutes: 5,
            buffer_after_minutes: 0,
            status: BookingStatus::Confirmed,
            seats_taken: 1,
            location: serde_json::json!({ "kind": "video", "url": "https://meet.example/x" }),
            cancel_reason: Some("why".to_owned()),
            rescheduled_from: Some(BookingId::new()),
            rescheduled_to: None,
            calendar_root: BookingId::new(),
            calendar_sequence: 2,
            hosts: vec![BookingHost {
                user_id: UserId::new(),
                fixed: true,
                reason: "owner".to_owned(),
            }],
            created_at: now,
            updated_at: now,
        };
        let attendee = Attendee {
            id: AttendeeId::new(),
            booking_id: booking.id,
            name: "Ada".to_owned(),
            email: "ada@example.com".to_owned(),
            time_zone: "UTC".to_owned(),
            answers: BTreeMap::from([("topic".to_owned(), serde_json::json!("pricing"))]),
            notes: "hi".to_owned(),
            utm: BTreeMap::from([("utm_source".to_owned(), "mail".to_owned())]),
            status: "active".to_owned(),
            cancel_reason: None,
            created_at: now,
            updated_at: now,
        };
        let view = BookingView::new(booking, vec![attendee]);
        let body = BookingBody::from(view.clone());
        assert_eq!(
            serde_json::to_value(&body).ok(),
            serde_json::to_value(&view).ok()
        );
    }
}
