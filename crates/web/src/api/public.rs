//! `/api/v1/public`: what an invitee does without an account. An event type's id is its
//! booking link; a manage token is an attendee's link to their own booking. A wrong token is
//! 404, like an unknown one, so tokens cannot be probed.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::event_types::{Location, Question};
use domain::ids::EventTypeId;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use super::bookings::{BookingBody, RescheduleRequest, TransitionRequest};
use crate::extract::{ApiJson, ApiPath, ApiQuery, ClientAddr};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// What a booking page shows about an event type.
#[derive(Debug, Serialize, ToSchema)]
pub struct PublicEventTypeBody {
    pub id: Uuid,
    pub title: String,
    pub description: String,
    pub duration_minutes: i32,
    pub duration_options: Vec<i32>,
    pub seats: i32,
    pub requires_confirmation: bool,
    pub locations: Vec<Location>,
    pub questions: Vec<Question>,
}

/// Get an event type's booking page facts.
#[utoipa::path(get, path = "/api/v1/public/event-types/{id}", tag = "booking",
    params(("id" = Uuid, Path, description = "Event type id (the booking link)")),
    responses(
        (status = 200, description = "The event type", body = PublicEventTypeBody),
        (status = 404, description = "No such event type, or its host (a host every booking needs) is switched off, suspended or removed", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn public_event_type(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<PublicEventTypeBody>, ApiError> {
    let bookable = services::bookings::public_bookable(&state.db, EventTypeId(id)).await?;
    Ok(Json(public_body(bookable.event_type().clone())))
}

fn public_body(e: domain::event_types::EventType) -> PublicEventTypeBody {
    PublicEventTypeBody {
        id: e.id.0,
        title: e.fields.title,
        description: e.fields.description,
        duration_minutes: e.fields.duration_minutes,
        duration_options: e.fields.duration_options,
        seats: e.fields.seats,
        requires_confirmation: e.fields.requires_confirmation,
        locations: e.fields.locations,
        questions: e.fields.questions,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SlotParams {
    /// First instant (RFC 3339), or first local date `YYYY-MM-DD` in `timeZone`.
    #[param(example = "2026-12-01")]
    pub start: String,
    /// End instant (RFC 3339, exclusive), or last local date `YYYY-MM-DD` (inclusive).
    #[param(example = "2026-12-31")]
    pub end: String,
    /// The invitee's IANA zone: dates are read and slots grouped in it.
    #[serde(rename = "timeZone")]
    #[param(rename = "timeZone", example = "America/New_York")]
    pub time_zone: String,
    /// One of the event type's durations; its default when absent.
    pub duration: Option<i32>,
    /// The routing form submission that sent the invitee here (its `id`): a route to some
    /// team members lists only the starts one of them can take.
    pub routing_submission_id: Option<Uuid>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlotBody {
    #[schema(format = DateTime)]
    pub start: String,
    #[schema(format = DateTime)]
    pub end: String,
    pub seats_left: u64,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlotDayBody {
    /// Local date in `time_zone`.
    #[schema(example = "2026-12-01")]
    pub date: String,
    pub slots: Vec<SlotBody>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SlotsBody {
    pub time_zone: String,
    pub days: Vec<SlotDayBody>,
}

/// List bookable starts, grouped by the invitee's local date.
#[utoipa::path(get, path = "/api/v1/public/event-types/{id}/slots", tag = "booking",
    params(("id" = Uuid, Path, description = "Event type id"), SlotParams),
    responses(
        (status = 200, description = "Open slots by local date", body = SlotsBody),
        (status = 404, description = "No such event type, or its host (a host every booking needs) is switched off, suspended or removed", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A parameter is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn public_slots(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(params): ApiQuery<SlotParams>,
) -> Result<Json<SlotsBody>, ApiError> {
    let bookable = services::bookings::public_bookable(&state.db, EventTypeId(id)).await?;
    let zone = jiff::tz::TimeZone::get(&params.time_zone).map_err(|_| {
        ApiError::from(services::ServiceError::field(
            "/timeZone",
            "time_zone",
            "must be an IANA time zone name",
        ))
    })?;
    let from = bound(&params.start, &zone, false).ok_or_else(|| bad_bound("/start"))?;
    let until = bound(&params.end, &zone, true).ok_or_else(|| bad_bound("/end"))?;
    let query = services::availability::SlotQuery {
        from: from.into(),
        until: until.into(),
        time_zone: params.time_zone.clone(),
        duration_minutes: params.duration,
        routing_submission: params.routing_submission_id.map(domain::ids::SubmissionId),
    };
    let days = services::availability::slots(&state.db, &bookable, query).await?;
    Ok(Json(SlotsBody {
        time_zone: params.time_zone,
        days: days
            .into_iter()
            .map(|d| SlotDayBody {
                date: d.date,
                slots: d
                    .slots
                    .into_iter()
                    .map(|s| SlotBody {
                        start: super::instant(s.start),
                        end: super::instant(s.end),
                        seats_left: s.seats_left,
                    })
                    .collect(),
            })
            .collect(),
    }))
}

/// An instant, or a local date read in `zone` (its midnight; the next midnight for an end).
fn bound(text: &str, zone: &jiff::tz::TimeZone, is_end: bool) -> Option<jiff::Timestamp> {
    if let Ok(ts) = text.parse::<jiff::Timestamp>() {
        return Some(ts);
    }
    let date: jiff::civil::Date = text.parse().ok()?;
    let date = if is_end { date.tomorrow().ok()? } else { date };
    Some(date.to_zoned(zone.clone()).ok()?.timestamp())
}

fn bad_bound(pointer: &str) -> ApiError {
    services::ServiceError::field(
        pointer,
        "instant",
        "must be an RFC 3339 instant or a date YYYY-MM-DD",
    )
    .into()
}

/// What an invitee sends to book.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BookRequest {
    /// A start from the slots list (RFC 3339).
    #[schema(value_type = String, format = DateTime, example = "2026-12-01T14:00:00Z")]
    pub start: jiff::Timestamp,
    /// One of the event type's durations; its default when absent.
    #[serde(default)]
    pub duration_minutes: Option<i32>,
    #[schema(example = "Ines Invitee")]
    pub name: String,
    #[schema(example = "ines@example.com")]
    pub email: String,
    /// The invitee's IANA zone, for their messages.
    #[schema(example = "America/New_York")]
    pub time_zone: String,
    /// Answers by question key.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, serde_json::Value>,
    #[serde(default)]
    pub notes: String,
    /// `utm_source`, `utm_medium`, `utm_campaign`, `utm_term`, `utm_content`.
    #[serde(default)]
    pub utm: BTreeMap<String, String>,
    /// Which of the event type's `locations` (by index); the first when absent.
    #[serde(default)]
    pub location: Option<usize>,
    /// The routing form submission that sent the invitee here (its `id`): linked to the
    /// booking, and a `members` route limits the hosts to those it named.
    #[serde(default)]
    pub routing_submission_id: Option<Uuid>,
}

/// A new booking and the attendee's manage token, shown only this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct BookedBody {
    pub booking: BookingBody,
    /// Lets the attendee view, cancel and reschedule: `/api/v1/public/manage/{token}`.
    pub manage_token: String,
}

/// Book a slot.
#[utoipa::path(post, path = "/api/v1/public/event-types/{id}/bookings", tag = "booking",
    params(
        ("id" = Uuid, Path, description = "Event type id"),
        ("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: a repeat of the same request with the same key (within 24 hours) answers with the booking the first one made, with a fresh manage token; a different request with the key is 409"),
    ),
    request_body = BookRequest,
    responses(
        (status = 201, description = "Booked (or `pending` until the host confirms)", body = BookedBody),
        (status = 404, description = "No such event type, or its host (a host every booking needs) is switched off, suspended or removed", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The start cannot be booked; `errors[0].code` says why: taken, outside_hours, too_soon, beyond_window, limit_reached, full", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many bookings from this address or for this event type; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn book(
    State(state): State<AppState>,
    ApiPath(id): ApiPath<Uuid>,
    ClientAddr(ip): ClientAddr,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<BookRequest>,
) -> Result<(StatusCode, Json<BookedBody>), ApiError> {
    services::auth::limit_public_booking(&state.auth.settings, ip.as_deref(), EventTypeId(id))
        .await?;
    let bookable = services::bookings::public_bookable(&state.db, EventTypeId(id)).await?;
    let routed = body.routing_submission_id;
    let input = book_input(&headers, body, ip)?;
    let booked = match routed {
        Some(submission) => {
            services::bookings::book_routed(
                &state.db,
                &state.calendars.keys,
                &bookable,
                input,
                domain::ids::SubmissionId(submission),
            )
            .await?
        }
        None => {
            services::bookings::book(&state.db, &state.calendars.keys, &bookable, input).await?
        }
    };
    Ok((StatusCode::CREATED, Json(booked_body(booked))))
}

/// The booking input of a request body and its `Idempotency-Key` header.
fn book_input(
    headers: &axum::http::HeaderMap,
    body: BookRequest,
    client_ip: Option<String>,
) -> Result<services::bookings::BookInput, ApiError> {
    let idempotency_key = match headers.get("idempotency-key") {
        None => None,
        Some(value) => Some(value.to_str().map(str::to_owned).map_err(|_| {
            ApiError::from(services::ServiceError::field(
                "/Idempotency-Key",
                "idempotency_key",
                "must be visible ASCII",
            ))
        })?),
    };
    Ok(services::bookings::BookInput {
        start: body.start.into(),
        duration_minutes: body.duration_minutes,
        name: body.name,
        email: body.email,
        time_zone: body.time_zone,
        answers: body.answers,
        notes: body.notes,
        utm: body.utm,
        idempotency_key,
        location: body.location,
        client_ip,
    })
}

fn booked_body(booked: services::bookings::Booked) -> BookedBody {
    BookedBody {
        manage_token: booked.manage_token.expose().to_owned(),
        booking: BookingBody::new(booked.booking, vec![booked.attendee]),
    }
}

/// What a single-use link opens: the event type to book (its slots come from the event
/// type's own slots endpoint).
#[derive(Debug, Serialize, ToSchema)]
pub struct LinkBody {
    pub event_type: PublicEventTypeBody,
}

/// Open a single-use link.
#[utoipa::path(get, path = "/api/v1/public/links/{token}", tag = "booking",
    params(("token" = String, Path, description = "The single-use link's token")),
    responses(
        (status = 200, description = "The event type the link books", body = LinkBody),
        (status = 404, description = "Unknown, wrong or already used link, or its event type is not hosted (as for the event type itself)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn open_link(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
) -> Result<Json<LinkBody>, ApiError> {
    let bookable = services::bookings::link_target(&state.db, &token).await?;
    Ok(Json(LinkBody {
        event_type: public_body(bookable.event_type().clone()),
    }))
}

/// Book through a single-use link, which the booking uses up.
#[utoipa::path(post, path = "/api/v1/public/links/{token}/bookings", tag = "booking",
    params(("token" = String, Path, description = "The single-use link's token")),
    request_body = BookRequest,
    responses(
        (status = 201, description = "Booked; the link no longer works", body = BookedBody),
        (status = 404, description = "Unknown, wrong or already used link, or its event type is not hosted (as for the event type itself)", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The start cannot be booked; `errors[0].code` says why", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many bookings from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn book_with_link(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ClientAddr(ip): ClientAddr,
    headers: axum::http::HeaderMap,
    ApiJson(body): ApiJson<BookRequest>,
) -> Result<(StatusCode, Json<BookedBody>), ApiError> {
    services::auth::limit_link_booking(&state.auth.settings, ip.as_deref()).await?;
    if body.routing_submission_id.is_some() {
        return Err(services::ServiceError::field(
            "/routing_submission_id",
            "routing_submission",
            "a single-use link is not reached through a routing form",
        )
        .into());
    }
    let booked = services::bookings::book_with_link(
        &state.db,
        &state.calendars.keys,
        &token,
        book_input(&headers, body, ip)?,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(booked_body(booked))))
}

/// See your booking.
#[utoipa::path(get, path = "/api/v1/public/manage/{token}", tag = "booking",
    params(("token" = String, Path, description = "The manage token from booking")),
    responses(
        (status = 200, description = "The booking, with your own attendee entry", body = BookingBody),
        (status = 404, description = "Unknown or wrong token", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn manage_get(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ClientAddr(ip): ClientAddr,
) -> Result<Json<BookingBody>, ApiError> {
    services::auth::limit_manage(&state.auth.settings, ip.as_deref()).await?;
    let (booking, attendee) = services::bookings::for_token(&state.db, &token).await?;
    Ok(Json(BookingBody::new(booking, vec![attendee])))
}

/// Cancel your booking (your seat, in a group event).
#[utoipa::path(post, path = "/api/v1/public/manage/{token}/cancel", tag = "booking",
    params(("token" = String, Path, description = "The manage token from booking")),
    request_body = TransitionRequest,
    responses(
        (status = 200, description = "The booking after cancelling", body = BookingBody),
        (status = 404, description = "Unknown or wrong token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "Already cancelled", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The reason is too long, or the booking has started (`/status` `started`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn manage_cancel(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<TransitionRequest>,
) -> Result<Json<BookingBody>, ApiError> {
    services::auth::limit_manage(&state.auth.settings, ip.as_deref()).await?;
    let booking = services::bookings::cancel_by_token(&state.db, &token, body.reason, ip).await?;
    Ok(Json(BookingBody::new(booking, Vec::new())))
}

/// Move your booking to another free start.
#[utoipa::path(post, path = "/api/v1/public/manage/{token}/reschedule", tag = "booking",
    params(("token" = String, Path, description = "The manage token from booking")),
    request_body = RescheduleRequest,
    responses(
        (status = 200, description = "The new booking; the token now manages it", body = BookingBody),
        (status = 404, description = "Unknown or wrong token", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The new time is not free; `errors` says why", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "The new start is in the past (`/start` `in_past`), a seat in a group booking (`/start` `group_booking`), or the booking has started (`/status` `started`)", body = Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many requests from this address; see Retry-After", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn manage_reschedule(
    State(state): State<AppState>,
    ApiPath(token): ApiPath<String>,
    ClientAddr(ip): ClientAddr,
    ApiJson(body): ApiJson<RescheduleRequest>,
) -> Result<Json<BookingBody>, ApiError> {
    services::auth::limit_manage(&state.auth.settings, ip.as_deref()).await?;
    let booking =
        services::bookings::reschedule_by_token(&state.db, &token, body.start.into(), ip).await?;
    Ok(Json(BookingBody::new(booking, Vec::new())))
}
