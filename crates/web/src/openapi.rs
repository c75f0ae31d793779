//! The OpenAPI 3.1 document: assembled from the handlers' annotations by utoipa, so it
//! cannot drift from the code.

use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Rendezvous API",
        description = "Scheduling and booking. Authenticate with `Authorization: Bearer <api key>`; \
            errors are `application/problem+json` (RFC 9457) with a stable `code`.",
        license(name = "AGPL-3.0-or-later", identifier = "AGPL-3.0-or-later"),
    ),
    modifiers(&BearerAuth),
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
        (name = "webhooks", description = "Signed event deliveries (Standard Webhooks) to your URLs; the body is a WebhookEvent"),
        (name = "messages", description = "Message templates per type and channel (minijinja), with previews"),
        (name = "jobs", description = "Background work that gave up, and retrying it"),
        (name = "workflows", description = "Automations on bookings: on an event or before/after a booking, e-mail, SMS or call a webhook (the body is a WorkflowWebhookEvent, signed like webhooks); every run recorded"),
    ),
    components(schemas(crate::api::workflows::WorkflowWebhookEvent))
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
