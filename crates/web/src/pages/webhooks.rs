//! The dashboard's webhooks (owners and admins): subscriptions with their URL, events and
//! scope (the whole organization, one host, or one event type); a subscription's page with
//! its latest deliveries and their attempts, and the actions: rotate the signing secret,
//! send a test event, disable or re-enable, delete. Each form calls the `services::webhooks`
//! function the JSON API calls; a new secret is shown once, like a new API key.

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use domain::ids::{EventTypeId, UserId, WebhookSubscriptionId};
use domain::webhooks::{DeliveryStatus, Subscription};
use serde::Serialize;
use services::ServiceError;
use services::webhooks::{EVENTS, SubscriptionInput, SubscriptionUpdate};
use uuid::Uuid;

use super::Rendered;
use super::kit::{Chrome, chrome, field_of, private_page, sentence};
use super::render::render;
use super::session::{SessionForm, SignedIn};
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/webhooks", get(list).post(create))
        .route("/dashboard/webhooks/{id}", get(show))
        .route("/dashboard/webhooks/{id}/{action}", post(act))
}

/// How many deliveries a subscription's page shows.
const DELIVERIES_SHOWN: u32 = 20;

/// The create form as typed. Repeated `events` checkboxes arrive as pairs, so the form is
/// read from its `(name, value)` list.
#[derive(Debug, Default, Serialize)]
struct WebhookForm {
    url: String,
    description: String,
    events: Vec<String>,
    /// `organization`, `user:<id>` or `event_type:<id>`.
    scope: String,
}

impl WebhookForm {
    fn of(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "url" => form.url = value.trim().to_owned(),
                "description" => form.description = value,
                "events" => form.events.push(value),
                "scope" => form.scope = value,
                _ => {}
            }
        }
        form
    }

    /// The service input, or the scope field's error.
    fn input(&self) -> Result<SubscriptionInput, (String, String)> {
        let mut input = SubscriptionInput {
            url: self.url.clone(),
            description: self.description.clone(),
            events: self.events.clone(),
            ..SubscriptionInput::default()
        };
        let scope_error = || {
            (
                "scope".to_owned(),
                "Choose who the events are about.".to_owned(),
            )
        };
        match self.scope.split_once(':') {
            None if self.scope.is_empty() || self.scope == "organization" => {}
            Some(("user", id)) => {
                input.user_id = Some(UserId(Uuid::parse_str(id).map_err(|_| scope_error())?));
            }
            Some(("event_type", id)) => {
                input.event_type_id =
                    Some(EventTypeId(Uuid::parse_str(id).map_err(|_| scope_error())?));
            }
            _ => return Err(scope_error()),
        }
        Ok(input)
    }
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct SubscriptionRow {
    id: Uuid,
    url: String,
    description: String,
    events: String,
    scope: String,
    enabled: bool,
    disabled_reason: Option<String>,
}

#[derive(Serialize)]
struct ListContext {
    chrome: Chrome,
    subscriptions: Vec<SubscriptionRow>,
    form: WebhookForm,
    events: &'static [&'static str],
    scopes: Vec<Choice>,
    errors: BTreeMap<String, String>,
    /// The secret of a subscription just created: shown this once.
    new_secret: Option<String>,
}

/// Names of the organization's hosts and event types, for scope labels and choices.
async fn scope_choices(
    state: &AppState,
    signed_in: &SignedIn,
) -> Result<Vec<Choice>, ServiceError> {
    let scope = &signed_in.scope;
    let mut choices = vec![Choice {
        value: "organization".to_owned(),
        label: "Every booking in the organization".to_owned(),
    }];
    for user in services::users::list(&state.db, scope).await? {
        choices.push(Choice {
            value: format!("user:{}", user.id.0),
            label: format!("Bookings hosted by {}", user.name),
        });
    }
    for event in services::event_types::list(&state.db, scope, None).await? {
        choices.push(Choice {
            value: format!("event_type:{}", event.id.0),
            label: format!("Bookings of “{}”", event.fields.title),
        });
    }
    Ok(choices)
}

fn scope_label(subscription: &Subscription, choices: &[Choice]) -> String {
    let value = match (subscription.user_id, subscription.event_type_id) {
        (Some(user), _) => format!("user:{}", user.0),
        (None, Some(event)) => format!("event_type:{}", event.0),
        (None, None) => "organization".to_owned(),
    };
    choices
        .iter()
        .find(|c| c.value == value)
        .map_or(value, |c| c.label.clone())
}

fn events_label(subscription: &Subscription) -> String {
    if subscription.events.is_empty() {
        "every event".to_owned()
    } else {
        subscription.events.join(", ")
    }
}

async fn list_context(
    state: &AppState,
    signed_in: &SignedIn,
    notice: Option<String>,
) -> Result<ListContext, ServiceError> {
    let subscriptions = services::webhooks::list(&state.db, &signed_in.scope).await?;
    let scopes = scope_choices(state, signed_in).await?;
    let (mut chrome, _) = chrome(state, signed_in, "webhooks")
        .await
        .map_err(|_| ServiceError::NotFound("user"))?;
    chrome.notice = notice;
    Ok(ListContext {
        chrome,
        subscriptions: subscriptions
            .iter()
            .map(|s| SubscriptionRow {
                id: s.id.0,
                url: s.url.clone(),
                description: s.description.clone(),
                events: events_label(s),
                scope: scope_label(s, &scopes),
                enabled: s.enabled,
                disabled_reason: s.disabled_reason.clone(),
            })
            .collect(),
        form: WebhookForm {
            scope: "organization".to_owned(),
            ..WebhookForm::default()
        },
        events: &EVENTS,
        scopes,
        errors: BTreeMap::new(),
        new_secret: None,
    })
}

fn list_page(context: ListContext) -> Rendered {
    let status = if context.errors.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let html = render("dashboard/webhooks.html", context)?;
    Ok((status, private_page(html)).into_response())
}

/// `/dashboard/webhooks`: the subscriptions and the form for a new one.
pub(crate) async fn list(State(state): State<AppState>, signed_in: SignedIn) -> Rendered {
    list_page(list_context(&state, &signed_in, None).await?)
}

/// The form field a webhook service error names (`/events/2` is the events group).
fn webhook_field(pointer: &str) -> String {
    match field_of(pointer).as_str() {
        "user_id" | "event_type_id" => "scope".to_owned(),
        other => other.to_owned(),
    }
}

pub(crate) async fn create(
    State(state): State<AppState>,
    submitted: SessionForm<Vec<(String, String)>>,
) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    let form = WebhookForm::of(submitted.form);
    let result = match form.input() {
        Err((field, message)) => Err(BTreeMap::from([(field, message)])),
        Ok(input) => {
            match services::webhooks::create(
                &state.db,
                &state.outbound,
                &state.calendars.keys,
                &signed_in.scope,
                input,
            )
            .await
            {
                Ok(created) => Ok(created.secret),
                Err(ServiceError::Validation(fields)) => Err(fields
                    .into_iter()
                    .map(|f| (webhook_field(&f.pointer), sentence(&f.message)))
                    .collect()),
                Err(ServiceError::NotFound(_)) => Err(BTreeMap::from([(
                    "scope".to_owned(),
                    "That host or event type no longer exists.".to_owned(),
                )])),
                Err(other) => return Err(other.into()),
            }
        }
    };
    match result {
        Ok(secret) => {
            let mut context = list_context(
                &state,
                &signed_in,
                Some("Webhook created. Copy its signing secret now: it is not shown again.".into()),
            )
            .await?;
            context.new_secret = Some(secret);
            list_page(context)
        }
        Err(errors) => {
            let mut context = list_context(&state, &signed_in, None).await?;
            context.form = form;
            context.errors = errors;
            list_page(context)
        }
    }
}

#[derive(Serialize)]
struct AttemptRow {
    at: String,
    outcome: String,
    duration_ms: i64,
    response: String,
}

#[derive(Serialize)]
struct DeliveryRow {
    event: String,
    created: String,
    status: &'static str,
    attempts: Vec<AttemptRow>,
}

#[derive(Serialize)]
struct ShowContext {
    chrome: Chrome,
    subscription: SubscriptionRow,
    deliveries: Vec<DeliveryRow>,
    new_secret: Option<String>,
}

fn when(ts: domain::ids::Timestamp) -> String {
    ts.to_jiff().strftime("%Y-%m-%d %H:%M:%S UTC").to_string()
}

fn status_word(status: DeliveryStatus) -> &'static str {
    match status {
        DeliveryStatus::Pending => "pending",
        DeliveryStatus::Succeeded => "succeeded",
        DeliveryStatus::Failed => "failed",
    }
}

async fn show_page(
    state: &AppState,
    signed_in: &SignedIn,
    id: WebhookSubscriptionId,
    notice: Option<String>,
    new_secret: Option<String>,
) -> Rendered {
    let subscription = services::webhooks::get(&state.db, &signed_in.scope, id).await?;
    let scopes = scope_choices(state, signed_in).await?;
    let deliveries =
        services::webhooks::deliveries(&state.db, &signed_in.scope, id, DELIVERIES_SHOWN).await?;
    let (mut chrome, _) = chrome(state, signed_in, "webhooks").await?;
    chrome.notice = notice;
    let context = ShowContext {
        chrome,
        subscription: SubscriptionRow {
            id: subscription.id.0,
            url: subscription.url.clone(),
            description: subscription.description.clone(),
            events: events_label(&subscription),
            scope: scope_label(&subscription, &scopes),
            enabled: subscription.enabled,
            disabled_reason: subscription.disabled_reason.clone(),
        },
        deliveries: deliveries
            .into_iter()
            .map(|(delivery, attempts)| DeliveryRow {
                event: delivery.event,
                created: when(delivery.created_at),
                status: status_word(delivery.status),
                attempts: attempts
                    .into_iter()
                    .map(|a| AttemptRow {
                        at: when(a.attempted_at),
                        outcome: match (a.status_code, a.error) {
                            (Some(code), _) => format!("HTTP {code}"),
                            (None, Some(error)) => error,
                            (None, None) => "no answer".to_owned(),
                        },
                        duration_ms: a.duration_ms,
                        response: a.response_body.chars().take(200).collect(),
                    })
                    .collect(),
            })
            .collect(),
        new_secret,
    };
    let html = render("dashboard/webhook.html", context)?;
    Ok(private_page(html))
}

/// `/dashboard/webhooks/{id}`: one subscription, its deliveries and its actions.
pub(crate) async fn show(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    signed_in: SignedIn,
) -> Rendered {
    show_page(&state, &signed_in, WebhookSubscriptionId(id), None, None).await
}

/// `POST /dashboard/webhooks/{id}/{action}`: `rotate`, `test`, `enable`, `disable`, `delete`.
pub(crate) async fn act(
    State(state): State<AppState>,
    Path((id, action)): Path<(Uuid, String)>,
    submitted: SessionForm<super::signin::Empty>,
) -> Rendered {
    let signed_in = SignedIn {
        scope: submitted.scope,
        csrf: submitted.csrf,
    };
    let id = WebhookSubscriptionId(id);
    let scope = &signed_in.scope;
    let toggle = |enabled| SubscriptionUpdate {
        enabled: Some(enabled),
        ..SubscriptionUpdate::default()
    };
    let (notice, secret) = match action.as_str() {
        "rotate" => {
            let secret =
                services::webhooks::rotate_secret(&state.db, &state.calendars.keys, scope, id)
                    .await?;
            (
                "New signing secret issued; the old one keeps signing for a while. Copy it now: \
                 it is not shown again."
                    .to_owned(),
                Some(secret),
            )
        }
        "test" => {
            let (_, attempt) = services::webhooks::test_send(
                &state.db,
                &state.outbound,
                &state.calendars.keys,
                scope,
                id,
            )
            .await?;
            let outcome = match (attempt.status_code, attempt.error) {
                (Some(code), _) => format!("the receiver answered HTTP {code}"),
                (None, Some(error)) => format!("no answer: {error}"),
                (None, None) => "no answer".to_owned(),
            };
            (format!("Test event sent: {outcome}."), None)
        }
        "enable" => {
            services::webhooks::update(&state.db, &state.outbound, scope, id, toggle(true)).await?;
            ("Webhook enabled.".to_owned(), None)
        }
        "disable" => {
            services::webhooks::update(&state.db, &state.outbound, scope, id, toggle(false))
                .await?;
            ("Webhook disabled.".to_owned(), None)
        }
        "delete" => {
            services::webhooks::delete(&state.db, scope, id).await?;
            return Ok(Redirect::to("/dashboard/webhooks").into_response());
        }
        _ => return Err(ServiceError::NotFound("action").into()),
    };
    show_page(&state, &signed_in, id, Some(notice), secret).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_reads_repeated_events_and_the_scope() {
        let id = Uuid::nil();
        let form = WebhookForm::of(vec![
            ("url".into(), " https://example.com/hook ".into()),
            ("events".into(), "booking.created".into()),
            ("events".into(), "booking.cancelled".into()),
            ("scope".into(), format!("event_type:{id}")),
        ]);
        assert_eq!(form.events, ["booking.created", "booking.cancelled"]);
        let input = form.input().ok();
        assert_eq!(
            input.as_ref().map(|i| (i.url.as_str(), i.event_type_id)),
            Some(("https://example.com/hook", Some(EventTypeId(id))))
        );
        let bad = WebhookForm {
            scope: "team:x".into(),
            ..WebhookForm::default()
        };
        assert_eq!(bad.input().err().map(|e| e.0), Some("scope".to_owned()));
    }
}
