//! The OpenAPI 3.1 document: assembled from the handlers' annotations by utoipa, so it
//! cannot drift from the code.

use utoipa::openapi::content::ContentBuilder;
use utoipa::openapi::path::{HttpMethod, OperationBuilder, PathItem};
use utoipa::openapi::request_body::RequestBodyBuilder;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{PathsBuilder, Ref, Required};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rendezvous API",
        description = "Scheduling and booking. Authenticate with `Authorization: Bearer <api key>`; \
            errors are `application/problem+json` (RFC 9457) with a stable `code`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    modifiers(&BearerAuth, &Webhooks),
    tags(
        (name = "organization", description = "The caller's organization and identity"),
        (name = "accounts", description = "Sign-in, sessions, users, custom roles and teams"),
        (name = "availability", description = "Schedules and blocked times"),
        (name = "event types", description = "What can be booked"),
        (name = "resources", description = "Rooms, equipment, spaces and workshops, their groups, and reservations that hold one or more of them"),
        (name = "bookings", description = "The host's bookings and their states"),
        (name = "calendars", description = "Connected calendars (CalDAV, ICS feeds) that block availability and receive bookings; the secret bookings feed"),
        (name = "booking", description = "Public: slots, booking, and managing a booking by its token"),
        (name = "routing", description = "Routing forms: rules that send whoever fills them in to an event type, some hosts, a page or a message"),
        (name = "operations", description = "Health, readiness and metrics"),
        (name = "webhooks", description = "Signed event deliveries (Standard Webhooks) to your URLs; each event and its body are under `webhooks` in this document"),
        (name = "messages", description = "Message templates per type and channel (minijinja), with previews"),
        (name = "jobs", description = "Background work that gave up, and retrying it"),
        (name = "workflows", description = "Automations on bookings: on an event or before/after a booking, e-mail, SMS or call a webhook (the body is a WorkflowWebhookEvent, signed like webhooks); every run recorded"),
    ),
    components(schemas(
        crate::api::workflows::WorkflowWebhookEvent,
        crate::api::webhooks::BookingWebhookEvent,
        crate::api::webhooks::InviteeWebhookEvent,
        crate::api::webhooks::RoutingWebhookEvent,
        crate::api::webhooks::TestWebhookEvent,
    ))
)]
pub(crate) struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "api_key",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some(
                        "An API key from `rendezvous admin create-organization` or \
                         `rendezvous admin create-api-key`",
                    ))
                    .build(),
            ),
        );
    }
}

/// The OpenAPI 3.1 `webhooks`: one entry per event a subscription may ask for (and the
/// test-send), each the POST a subscriber's URL receives, with its body's schema.
struct Webhooks;

/// The schema of the body that carries `event`.
fn webhook_body_schema(event: &str) -> &'static str {
    if event == services::webhooks::TEST_EVENT {
        "TestWebhookEvent"
    } else if event == services::webhooks::ROUTING_SUBMITTED {
        "RoutingWebhookEvent"
    } else if event.starts_with("invitee.") {
        "InviteeWebhookEvent"
    } else {
        "BookingWebhookEvent"
    }
}

/// When `event` is sent.
fn webhook_description(event: &str) -> &'static str {
    match event {
        "booking.created" => "A booking was made and is confirmed.",
        "booking.requested" => "A booking was made and waits for the host to confirm it.",
        "booking.confirmed" => "The host confirmed a pending booking.",
        "booking.rejected" => "The host rejected a pending booking.",
        "booking.rescheduled" => {
            "A booking moved: the body is the new booking, linked back by `rescheduled_from`."
        }
        "booking.cancelled" => {
            "A booking was cancelled, by the host or by its last attendee giving up their seat."
        }
        "booking.no_show" => "The host marked that the attendee did not come.",
        "booking.completed" => "The host marked the booking as held.",
        "booking.updated" => {
            "Reserved for a change that leaves the status as it is (the place, the notes). \
             Nothing changes a booking that way yet, so it is not sent today."
        }
        "invitee.created" => "Someone took a seat on a group booking that was already there.",
        "invitee.cancelled" => {
            "An attendee gave up their seat; the group booking stays for the others."
        }
        "routing.submitted" => "A routing form was filled in.",
        _ => "A test-send from `POST /api/v1/webhooks/{id}/test`.",
    }
}

impl Modify for Webhooks {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let events = services::webhooks::EVENTS
            .iter()
            .chain([&services::webhooks::TEST_EVENT]);
        let mut paths = PathsBuilder::new();
        for event in events {
            let body = RequestBodyBuilder::new()
                .description(Some(
                    "Signed per Standard Webhooks (`webhook-id`, `webhook-timestamp`, \
                     `webhook-signature`); the same `webhook-id` on every retry",
                ))
                .required(Some(Required::True))
                .content(
                    "application/json",
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name(webhook_body_schema(event))))
                        .build(),
                )
                .build();
            let operation = OperationBuilder::new()
                .tag("webhooks")
                .summary(Some(format!("The `{event}` event")))
                .description(Some(webhook_description(event)))
                .operation_id(Some(format!("webhook_{}", event.replace('.', "_"))))
                .request_body(Some(body))
                .response(
                    "2XX",
                    ResponseBuilder::new().description("Received; any other answer is retried"),
                );
            paths = paths.path(*event, PathItem::new(HttpMethod::Post, operation));
        }
        openapi.webhooks = Some(paths.build());
    }
}
