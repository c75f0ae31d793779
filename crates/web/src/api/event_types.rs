//! `/api/v1/event-types`: what can be booked, and how.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use domain::event_types::{BookingWindow, EventType, EventTypeFields, Location, Question};
use serde::{Deserialize, Serialize};
use services::event_types::Defaulted;
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;

/// An event type, as its organization sees it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventTypeBody {
    pub id: Uuid,
    /// The host.
    pub owner_user_id: Uuid,
    #[serde(flatten)]
    pub settings: EventTypeSettings,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// Everything the owner sets on an event type. Absent fields take the defaults shown.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventTypeSettings {
    /// Unique per owner; part of the booking link.
    #[schema(example = "intro-call")]
    pub slug: String,
    #[schema(example = "Intro call")]
    pub title: String,
    #[serde(default)]
    pub description: String,
    /// The default length, 1 to 1440 minutes.
    #[schema(example = 30)]
    pub duration_minutes: i32,
    /// Lengths the invitee may choose from; must include `duration_minutes`. Empty: only it.
    #[serde(default)]
    pub duration_options: Vec<i32>,
    /// Minutes between possible starts. Absent: the owner's scheduling default, else the
    /// duration.
    #[serde(default)]
    pub interval_minutes: Option<i32>,
    /// Absent: the owner's scheduling default (0 unless set).
    #[serde(default)]
    pub buffer_before_minutes: Option<i32>,
    /// Absent: the owner's scheduling default (0 unless set).
    #[serde(default)]
    pub buffer_after_minutes: Option<i32>,
    /// No start closer to now than this. Absent: the owner's scheduling default.
    #[serde(default)]
    pub minimum_notice_minutes: Option<i32>,
    #[serde(default = "unlimited")]
    pub booking_window: BookingWindow,
    /// Bookings of this event type per day (host's local date); absent is no limit.
    #[serde(default)]
    pub max_per_day: Option<i32>,
    /// Bookings per ISO week (Monday to Sunday, host's zone).
    #[serde(default)]
    pub max_per_week: Option<i32>,
    /// Attendees per booking: more than 1 makes it a group event.
    #[serde(default = "one")]
    pub seats: i32,
    /// Bookings start `pending` until the host confirms them.
    #[serde(default)]
    pub requires_confirmation: bool,
    /// Not listed publicly; bookable by its link.
    #[serde(default)]
    pub hidden: bool,
    #[serde(default)]
    pub locations: Vec<Location>,
    #[serde(default)]
    pub questions: Vec<Question>,
    /// The owner's schedule to use; their default when absent.
    #[serde(default)]
    pub schedule_id: Option<Uuid>,
}

fn unlimited() -> BookingWindow {
    BookingWindow::Unlimited
}

fn one() -> i32 {
    1
}

/// The fields, and which of them the request left to the owner's defaults.
pub(crate) fn split(s: EventTypeSettings) -> (EventTypeFields, Vec<Defaulted>) {
    let defaulted = [
        (s.buffer_before_minutes.is_none(), Defaulted::BufferBefore),
        (s.buffer_after_minutes.is_none(), Defaulted::BufferAfter),
        (s.minimum_notice_minutes.is_none(), Defaulted::MinimumNotice),
        (s.interval_minutes.is_none(), Defaulted::Interval),
    ]
    .into_iter()
    .filter_map(|(absent, field)| absent.then_some(field))
    .collect();
    (s.into(), defaulted)
}

impl From<EventTypeSettings> for EventTypeFields {
    fn from(s: EventTypeSettings) -> Self {
        Self {
            slug: s.slug,
            title: s.title,
            description: s.description,
            duration_minutes: s.duration_minutes,
            duration_options: s.duration_options,
            interval_minutes: s.interval_minutes,
            buffer_before_minutes: s.buffer_before_minutes.unwrap_or(0),
            buffer_after_minutes: s.buffer_after_minutes.unwrap_or(0),
            minimum_notice_minutes: s.minimum_notice_minutes.unwrap_or(0),
            booking_window: s.booking_window,
            max_per_day: s.max_per_day,
            max_per_week: s.max_per_week,
            seats: s.seats,
            requires_confirmation: s.requires_confirmation,
            hidden: s.hidden,
            locations: s.locations,
            questions: s.questions,
            schedule_id: s.schedule_id.map(domain::ids::ScheduleId),
        }
    }
}

impl From<EventTypeFields> for EventTypeSettings {
    fn from(f: EventTypeFields) -> Self {
        Self {
            slug: f.slug,
            title: f.title,
            description: f.description,
            duration_minutes: f.duration_minutes,
            duration_options: f.duration_options,
            interval_minutes: f.interval_minutes,
            buffer_before_minutes: Some(f.buffer_before_minutes),
            buffer_after_minutes: Some(f.buffer_after_minutes),
            minimum_notice_minutes: Some(f.minimum_notice_minutes),
            booking_window: f.booking_window,
            max_per_day: f.max_per_day,
            max_per_week: f.max_per_week,
            seats: f.seats,
            requires_confirmation: f.requires_confirmation,
            hidden: f.hidden,
            locations: f.locations,
            questions: f.questions,
            schedule_id: f.schedule_id.map(|id| id.0),
        }
    }
}

impl From<EventType> for EventTypeBody {
    fn from(e: EventType) -> Self {
        Self {
            id: e.id.0,
            owner_user_id: e.owner_user_id.0,
            settings: e.fields.into(),
            created_at: super::instant(e.created_at),
            updated_at: super::instant(e.updated_at),
        }
    }
}

/// A new event type: its settings, and optionally its host.
#[derive(Debug, ToSchema)]
pub struct CreateEventTypeRequest {
    /// The host: the caller when absent; owners and admins may name another member.
    #[serde(default)]
    pub owner_user_id: Option<Uuid>,
    #[serde(flatten)]
    pub settings: EventTypeSettings,
}

// One object, as the schema's `flatten` says, but read by `with_field`: serde's `flatten` would
// let unknown fields through and blame every wrong type on `""`.
impl<'de> Deserialize<'de> for CreateEventTypeRequest {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let (owner_user_id, settings) = crate::extract::with_field(d, "owner_user_id")?;
        Ok(Self {
            owner_user_id,
            settings,
        })
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct EventTypeFilter {
    /// Only this host's event types.
    pub owner_user_id: Option<Uuid>,
}

/// Create an event type.
#[utoipa::path(post, path = "/api/v1/event-types", tag = "event types", security(("api_key" = [])),
    request_body = CreateEventTypeRequest,
    responses(
        (status = 403, description = "Lacks event_types.manage, or it belongs to another user and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 201, description = "Created", body = EventTypeBody),
        (status = 409, description = "The owner has an event type with this slug", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_event_type(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<CreateEventTypeRequest>,
) -> Result<(StatusCode, Json<EventTypeBody>), ApiError> {
    let (fields, defaulted) = split(body.settings);
    let input = services::event_types::EventTypeInput {
        owner_user_id: body.owner_user_id.map(domain::ids::UserId),
        fields,
        defaulted,
    };
    let created = services::event_types::create(&state.db, &scope, input).await?;
    Ok((StatusCode::CREATED, Json(created.into())))
}

/// List event types.
#[utoipa::path(get, path = "/api/v1/event-types", tag = "event types", security(("api_key" = [])),
    params(EventTypeFilter),
    responses(
        (status = 200, description = "By slug", body = Vec<EventTypeBody>),
        (status = 403, description = "Lacks event_types.read", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_event_types(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(filter): ApiQuery<EventTypeFilter>,
) -> Result<Json<Vec<EventTypeBody>>, ApiError> {
    let list = services::event_types::list(
        &state.db,
        &scope,
        filter.owner_user_id.map(domain::ids::UserId),
    )
    .await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// Get an event type.
#[utoipa::path(get, path = "/api/v1/event-types/{id}", tag = "event types", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Event type id")),
    responses(
        (status = 403, description = "Lacks event_types.read", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The event type", body = EventTypeBody),
        (status = 404, description = "No such event type in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_event_type(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<EventTypeBody>, ApiError> {
    let found = services::event_types::get(&state.db, &scope, domain::ids::EventTypeId(id)).await?;
    Ok(Json(found.into()))
}

/// Replace an event type's settings.
#[utoipa::path(put, path = "/api/v1/event-types/{id}", tag = "event types", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Event type id")),
    request_body = EventTypeSettings,
    responses(
        (status = 403, description = "Lacks event_types.manage, or it belongs to another user and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 200, description = "The new event type", body = EventTypeBody),
        (status = 404, description = "No such event type in this organization", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn replace_event_type(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<EventTypeSettings>,
) -> Result<Json<EventTypeBody>, ApiError> {
    let (fields, defaulted) = split(body);
    let replaced = services::event_types::replace(
        &state.db,
        &scope,
        domain::ids::EventTypeId(id),
        fields,
        &defaulted,
    )
    .await?;
    Ok(Json(replaced.into()))
}

/// Delete an event type that has no bookings.
#[utoipa::path(delete, path = "/api/v1/event-types/{id}", tag = "event types", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Event type id")),
    responses(
        (status = 403, description = "Lacks event_types.manage, or it belongs to another user and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 204, description = "Deleted"),
        (status = 404, description = "No such event type in this organization", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "It has bookings; hide it instead", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_event_type(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::event_types::delete(&state.db, &scope, domain::ids::EventTypeId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new single-use link; its token is shown only this once.
#[derive(Debug, Serialize, ToSchema)]
pub struct SingleUseLinkBody {
    pub id: Uuid,
    pub event_type_id: Uuid,
    /// Open with `GET /api/v1/public/links/{token}`; book with
    /// `POST /api/v1/public/links/{token}/bookings`.
    pub token: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// Make a single-use link: it lets exactly one booking through, then stops working.
#[utoipa::path(post, path = "/api/v1/event-types/{id}/single-use-links", tag = "event types", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Event type id")),
    responses(
        (status = 201, description = "The link, with its token", body = SingleUseLinkBody),
        (status = 403, description = "Lacks event_types.manage, or it belongs to another user and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such event type in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_single_use_link(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<(StatusCode, Json<SingleUseLinkBody>), ApiError> {
    let (link, token) = services::event_types::create_single_use_link(
        &state.db,
        &scope,
        domain::ids::EventTypeId(id),
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(SingleUseLinkBody {
            id: link.id.0,
            event_type_id: link.event_type_id.0,
            token: token.expose().to_owned(),
            created_at: super::instant(link.created_at),
        }),
    ))
}

/// A user's defaults for the event types they create.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SchedulingDefaultsBody {
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub minimum_notice_minutes: i32,
    /// Minutes between starts; null for each event's own duration.
    #[serde(default)]
    pub interval_minutes: Option<i32>,
}

impl From<domain::scheduling_defaults::SchedulingDefaults> for SchedulingDefaultsBody {
    fn from(d: domain::scheduling_defaults::SchedulingDefaults) -> Self {
        Self {
            buffer_before_minutes: d.buffer_before_minutes,
            buffer_after_minutes: d.buffer_after_minutes,
            minimum_notice_minutes: d.minimum_notice_minutes,
            interval_minutes: d.interval_minutes,
        }
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DefaultsFor {
    /// Whose defaults: the caller when absent; owners and admins may name another member.
    pub user_id: Option<Uuid>,
}

/// Get a user's scheduling defaults.
#[utoipa::path(get, path = "/api/v1/scheduling-defaults", tag = "event types", security(("api_key" = [])),
    params(DefaultsFor),
    responses(
        (status = 200, description = "The defaults", body = SchedulingDefaultsBody),
        (status = 403, description = "Lacks event_types.read", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_scheduling_defaults(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(q): ApiQuery<DefaultsFor>,
) -> Result<Json<SchedulingDefaultsBody>, ApiError> {
    let d =
        services::scheduling_defaults::get(&state.db, &scope, q.user_id.map(domain::ids::UserId))
            .await?;
    Ok(Json(d.into()))
}

/// Set a user's scheduling defaults: buffers, notice and interval for event types that leave
/// them out.
#[utoipa::path(put, path = "/api/v1/scheduling-defaults", tag = "event types", security(("api_key" = [])),
    params(DefaultsFor),
    request_body = SchedulingDefaultsBody,
    responses(
        (status = 200, description = "The new defaults", body = SchedulingDefaultsBody),
        (status = 403, description = "Lacks event_types.manage, or it belongs to another user and the caller lacks users.manage", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid; `errors` names it", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn set_scheduling_defaults(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiQuery(q): ApiQuery<DefaultsFor>,
    ApiJson(body): ApiJson<SchedulingDefaultsBody>,
) -> Result<Json<SchedulingDefaultsBody>, ApiError> {
    let new = domain::scheduling_defaults::SchedulingDefaults {
        buffer_before_minutes: body.buffer_before_minutes,
        buffer_after_minutes: body.buffer_after_minutes,
        minimum_notice_minutes: body.minimum_notice_minutes,
        interval_minutes: body.interval_minutes,
    };
    let d = services::scheduling_defaults::set(
        &state.db,
        &scope,
        q.user_id.map(domain::ids::UserId),
        new,
    )
    .await?;
    Ok(Json(d.into()))
}
