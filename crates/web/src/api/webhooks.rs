//! `/api/v1/webhooks`: subscriptions, their delivery log, test-sends and secret rotation.
//!
//! Every request is signed per the Standard Webhooks specification (`webhook-id`,
//! `webhook-timestamp`, `webhook-signature`); the body is a [`WebhookEvent`].

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use uuid::Uuid;

use crate::extract::{ApiJson, ApiPath, ApiQuery, Authenticated};
use crate::problem::{ApiError, Problem};
use crate::state::AppState;
use domain::ids::WebhookSubscriptionId;
use domain::webhooks::{Attempt, Delivery, Subscription};

#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookBody {
    pub id: Uuid,
    pub url: String,
    pub description: String,
    /// Event names sent; empty means all of them.
    pub events: Vec<String>,
    /// Only bookings hosted by this user.
    pub user_id: Option<Uuid>,
    /// Only bookings of this event type.
    pub event_type_id: Option<Uuid>,
    pub enabled: bool,
    /// Why it was turned off (deliveries kept failing), if it was.
    pub disabled_reason: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<Subscription> for WebhookBody {
    fn from(s: Subscription) -> Self {
        Self {
            id: s.id.0,
            url: s.url,
            description: s.description,
            events: s.events,
            user_id: s.user_id.map(|u| u.0),
            event_type_id: s.event_type_id.map(|e| e.0),
            enabled: s.enabled,
            disabled_reason: s.disabled_reason,
            created_at: super::instant(s.created_at),
            updated_at: super::instant(s.updated_at),
        }
    }
}

/// A subscription with its signing secret, shown only when created or rotated.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookWithSecret {
    #[serde(flatten)]
    pub webhook: WebhookBody,
    /// `whsec_` + base64: the key receivers verify `webhook-signature` with.
    pub secret: String,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateWebhookRequest {
    /// Where to POST events: http or https, not a private or local address.
    #[schema(example = "https://hooks.example.com/rendezvous")]
    pub url: String,
    #[serde(default)]
    pub description: String,
    /// Event names to send (`booking.created`, `booking.requested`, `booking.confirmed`,
    /// `booking.rejected`, `booking.rescheduled`, `booking.cancelled`, `booking.no_show`,
    /// `booking.completed`); empty or absent means all.
    #[serde(default)]
    pub events: Vec<String>,
    #[serde(default)]
    pub user_id: Option<Uuid>,
    #[serde(default)]
    pub event_type_id: Option<Uuid>,
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhookRequest {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<Vec<String>>,
    /// `true` re-enables a subscription that was disabled after failures.
    pub enabled: Option<bool>,
}

/// What a subscriber receives (the request body). Versioned by `version`.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookEvent {
    /// The event: `booking.created`, ..., or `webhook.test`.
    #[serde(rename = "type")]
    pub event_type: String,
    /// When it happened (RFC 3339).
    #[schema(format = DateTime)]
    pub timestamp: String,
    /// Payload format version; currently 1.
    pub version: u32,
    /// For `booking.*` events, `{"booking": Booking}`; for `invitee.*`, `{"booking": Booking,
    /// "attendee": Attendee}`; for `routing.submitted`, `{"submission": Submission}`; for
    /// `webhook.test`, `{"subscription_id": "..."}`. The booking is the one
    /// `GET /api/v1/bookings/{uid}` answers, as the change left it, attendees included.
    pub data: serde_json::Value,
}

/// A `booking.*` event: the booking as the change left it, in the representation
/// `GET /api/v1/bookings/{uid}` answers (attendees and their answers included).
#[derive(Debug, Serialize, ToSchema)]
pub struct BookingWebhookEvent {
    /// `booking.created`, `booking.requested`, `booking.confirmed`, `booking.rejected`,
    /// `booking.rescheduled`, `booking.cancelled`, `booking.no_show`, `booking.completed`
    /// or `booking.updated`.
    #[serde(rename = "type")]
    #[schema(example = "booking.created")]
    pub event_type: String,
    #[schema(format = DateTime)]
    pub timestamp: String,
    /// Payload format version; currently 1.
    pub version: u32,
    pub data: BookingEventData,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct BookingEventData {
    pub booking: super::bookings::BookingBody,
}

/// An `invitee.*` event: a seat taken on a group booking (`invitee.created`), or given up
/// while others stay (`invitee.cancelled`).
#[derive(Debug, Serialize, ToSchema)]
pub struct InviteeWebhookEvent {
    #[serde(rename = "type")]
    #[schema(example = "invitee.created")]
    pub event_type: String,
    #[schema(format = DateTime)]
    pub timestamp: String,
    pub version: u32,
    pub data: InviteeEventData,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct InviteeEventData {
    /// The group booking as the change left it, with all its attendees.
    pub booking: super::bookings::BookingBody,
    /// The attendee who took or gave up the seat (also in `booking.attendees`).
    pub attendee: super::bookings::AttendeeBody,
}

/// `routing.submitted`: a routing form was filled in, with where it led.
#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingWebhookEvent {
    #[serde(rename = "type")]
    #[schema(example = "routing.submitted")]
    pub event_type: String,
    #[schema(format = DateTime)]
    pub timestamp: String,
    pub version: u32,
    pub data: RoutingEventData,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoutingEventData {
    /// As `POST /api/v1/public/routing-forms/{id}/submissions` answered it.
    pub submission: super::routing_forms::SubmissionBody,
}

/// `webhook.test`: sent by `POST /api/v1/webhooks/{id}/test`.
#[derive(Debug, Serialize, ToSchema)]
pub struct TestWebhookEvent {
    #[serde(rename = "type")]
    #[schema(example = "webhook.test")]
    pub event_type: String,
    #[schema(format = DateTime)]
    pub timestamp: String,
    pub version: u32,
    pub data: TestEventData,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TestEventData {
    pub subscription_id: Uuid,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AttemptBody {
    #[schema(format = DateTime)]
    pub attempted_at: String,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    /// The start of the receiver's answer (at most 2048 characters).
    pub response_body: String,
    /// Why there was no answer (timeout, refused, forbidden address).
    pub error: Option<String>,
}

impl From<Attempt> for AttemptBody {
    fn from(a: Attempt) -> Self {
        Self {
            attempted_at: super::instant(a.attempted_at),
            status_code: a.status_code,
            duration_ms: a.duration_ms,
            response_body: a.response_body,
            error: a.error,
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct DeliveryBody {
    pub id: Uuid,
    /// The `webhook-id` header, the same on every attempt.
    pub message_id: String,
    pub event: String,
    /// `pending` (retrying), `succeeded` or `failed` (gave up).
    pub status: String,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    /// The body sent.
    #[schema(value_type = WebhookEvent)]
    pub payload: serde_json::Value,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Oldest first.
    pub attempt_log: Vec<AttemptBody>,
}

fn delivery_body(delivery: Delivery, attempts: Vec<Attempt>) -> DeliveryBody {
    DeliveryBody {
        id: delivery.id.0,
        message_id: delivery.message_id,
        event: delivery.event,
        status: serde_json::to_value(delivery.status)
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default(),
        attempts: delivery.attempts,
        last_status_code: delivery.last_status_code,
        payload: delivery.payload,
        created_at: super::instant(delivery.created_at),
        attempt_log: attempts.into_iter().map(Into::into).collect(),
    }
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DeliveryFilter {
    /// At most this many, newest first (1 to 100, default 50).
    #[serde(default, deserialize_with = "crate::extract::in_range::<_, 1, 100>")]
    pub limit: Option<u32>,
}

/// Subscribe to events.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "webhooks", security(("api_key" = [])),
    request_body = CreateWebhookRequest,
    responses(
        (status = 201, description = "Created; the secret is shown only now", body = WebhookWithSecret),
        (status = 403, description = "Lacks webhooks.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "The user or event type is not in this organization", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid (`forbidden_address` for private or local URLs)", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn create_webhook(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiJson(body): ApiJson<CreateWebhookRequest>,
) -> Result<(StatusCode, Json<WebhookWithSecret>), ApiError> {
    let input = services::webhooks::SubscriptionInput {
        url: body.url,
        description: body.description,
        events: body.events,
        user_id: body.user_id.map(domain::ids::UserId),
        event_type_id: body.event_type_id.map(domain::ids::EventTypeId),
    };
    let created = services::webhooks::create(
        &state.db,
        &state.outbound,
        &state.calendars.keys,
        &scope,
        input,
    )
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(WebhookWithSecret {
            webhook: created.subscription.into(),
            secret: created.secret,
        }),
    ))
}

/// List subscriptions.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "webhooks", security(("api_key" = [])),
    responses(
        (status = 200, description = "Oldest first", body = Vec<WebhookBody>),
        (status = 403, description = "Lacks webhooks.manage", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_webhooks(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
) -> Result<Json<Vec<WebhookBody>>, ApiError> {
    let list = services::webhooks::list(&state.db, &scope).await?;
    Ok(Json(list.into_iter().map(Into::into).collect()))
}

/// One subscription.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "The subscription", body = WebhookBody),
        (status = 403, description = "Lacks webhooks.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_webhook(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<WebhookBody>, ApiError> {
    let got = services::webhooks::get(&state.db, &scope, WebhookSubscriptionId(id)).await?;
    Ok(Json(got.into()))
}

/// Change a subscription, or re-enable it.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    request_body = UpdateWebhookRequest,
    responses(
        (status = 200, description = "Changed", body = WebhookBody),
        (status = 403, description = "Lacks webhooks.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in this organization", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "A field is invalid", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn update_webhook(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
    ApiJson(body): ApiJson<UpdateWebhookRequest>,
) -> Result<Json<WebhookBody>, ApiError> {
    let input = services::webhooks::SubscriptionUpdate {
        url: body.url,
        description: body.description,
        events: body.events,
        enabled: body.enabled,
    };
    let changed = services::webhooks::update(
        &state.db,
        &state.outbound,
        &scope,
        WebhookSubscriptionId(id),
        input,
    )
    .await?;
    Ok(Json(changed.into()))
}

/// Delete a subscription and its delivery log.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "webhooks", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Lacks webhooks.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn delete_webhook(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<StatusCode, ApiError> {
    services::webhooks::delete(&state.db, &scope, WebhookSubscriptionId(id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Issue a new secret. The old one keeps signing, alongside, for 24 hours.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/rotate-secret", tag = "webhooks", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "The subscription with its new secret", body = WebhookWithSecret),
        (status = 403, description = "Lacks webhooks.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn rotate_webhook_secret(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<WebhookWithSecret>, ApiError> {
    let id = WebhookSubscriptionId(id);
    let secret =
        services::webhooks::rotate_secret(&state.db, &state.calendars.keys, &scope, id).await?;
    let webhook = services::webhooks::get(&state.db, &scope, id).await?;
    Ok(Json(WebhookWithSecret {
        webhook: webhook.into(),
        secret,
    }))
}

/// Send a `webhook.test` event now and report what the receiver answered.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "webhooks", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Subscription id")),
    responses(
        (status = 200, description = "The test delivery with its one attempt (see `status`)", body = DeliveryBody),
        (status = 403, description = "Lacks webhooks.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn test_webhook(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
) -> Result<Json<DeliveryBody>, ApiError> {
    let (delivery, attempt) = services::webhooks::test_send(
        &state.db,
        &state.outbound,
        &state.calendars.keys,
        &scope,
        WebhookSubscriptionId(id),
    )
    .await?;
    let attempt = AttemptBody {
        attempted_at: super::instant(attempt.attempted_at),
        status_code: attempt.status_code,
        duration_ms: attempt.duration_ms,
        response_body: attempt.response_body,
        error: attempt.error,
    };
    let mut body = delivery_body(delivery, Vec::new());
    body.attempt_log.push(attempt);
    Ok(Json(body))
}

/// The subscription's latest deliveries, each with every attempt.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "webhooks", security(("api_key" = [])),
    params(("id" = Uuid, Path, description = "Subscription id"), DeliveryFilter),
    responses(
        (status = 200, description = "Newest first", body = Vec<DeliveryBody>),
        (status = 403, description = "Lacks webhooks.manage", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such subscription in this organization", body = Problem, content_type = "application/problem+json"),
    ))]
pub async fn list_webhook_deliveries(
    State(state): State<AppState>,
    Authenticated(scope): Authenticated,
    ApiPath(id): ApiPath<Uuid>,
    ApiQuery(filter): ApiQuery<DeliveryFilter>,
) -> Result<Json<Vec<DeliveryBody>>, ApiError> {
    let list = services::webhooks::deliveries(
        &state.db,
        &scope,
        WebhookSubscriptionId(id),
        filter.limit.unwrap_or(50),
    )
    .await?;
    Ok(Json(
        list.into_iter()
            .map(|(d, attempts)| delivery_body(d, attempts))
            .collect(),
    ))
}
