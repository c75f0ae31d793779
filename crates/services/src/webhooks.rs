//! Webhooks: subscriptions, the events they receive, and delivering them.
//!
//! A booking change queues one `booking.event` job in its own transaction
//! (`BookingTx::emit`). The job's handler (`messages::BookingEventHandler`) turns it into one
//! delivery per matching subscription, each with a `webhook.deliver` job, and finishes itself
//! in that same transaction. [`DeliverHandler`] signs and sends one delivery through the
//! SSRF-guarded client, records the attempt, and retries on [`RETRY_SCHEDULE`] for about
//! three days; after the last failure the subscription is disabled (with an audit row that
//! tells its owners why).

use std::time::{Duration, Instant};

use domain::ids::{
    EventTypeId, OrganizationId, Timestamp, UserId, WebhookDeliveryId, WebhookSubscriptionId,
};
use domain::webhooks::{
    Attempt, Delivery, DeliveryStatus, NewAttempt, NewSubscription, Subscription,
    SubscriptionChanges,
};
use jobs::{BoxFuture, ClaimedJob, Handler, Outcome};
use notify::webhook::{SignedMessage, SigningKey, generate_secret};
use serde_json::{Value, json};
use store::{Db, Granted, Scope, can};

use crate::ServiceError;
use crate::credentials::Keyring;
use crate::fields::Invalid;

/// Events a subscription may ask for: a booking's changes (`booking.*`), a seat taken on or
/// given up from a group booking (`invitee.*`), and a routing form filled in.
///
/// `booking.updated` is for a change that leaves the status as it was (its place, its
/// notes); no path changes a booking that way yet, so it is defined and never sent.
pub const EVENTS: [&str; 12] = [
    "booking.created",
    "booking.requested",
    "booking.confirmed",
    "booking.rejected",
    "booking.rescheduled",
    "booking.cancelled",
    "booking.no_show",
    "booking.completed",
    "booking.updated",
    "invitee.created",
    "invitee.cancelled",
    ROUTING_SUBMITTED,
];

/// A routing form was filled in (whether or not a booking follows).
pub const ROUTING_SUBMITTED: &str = "routing.submitted";

/// The event a test-send carries.
pub const TEST_EVENT: &str = "webhook.test";

/// The payload format's version, in every body as `version`.
pub const PAYLOAD_VERSION: u32 = 1;

/// Waits after each failed attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 20 h —
/// about 72 hours from the first attempt to the tenth and last.
pub const RETRY_SCHEDULE: [Duration; 9] = [
    Duration::from_secs(5),
    Duration::from_secs(5 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(2 * 3600),
    Duration::from_secs(5 * 3600),
    Duration::from_secs(10 * 3600),
    Duration::from_secs(14 * 3600),
    Duration::from_secs(20 * 3600),
    Duration::from_secs(20 * 3600),
];

/// How long a rotated-out secret keeps signing.
pub const ROTATION_OVERLAP: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// The wait after failed attempt `attempt` (1 for the first) on `schedule`, with ±10 %
/// jitter so a receiver that was down is not hit by all its retries at once.
pub fn retry_delay(schedule: &[Duration], attempt: i32) -> Duration {
    let index = usize::try_from(attempt.saturating_sub(1)).unwrap_or(0);
    let Some(base) = schedule.get(index).or(schedule.last()).copied() else {
        return Duration::ZERO;
    };
    let jitter = 0.9 + 0.2 * (rand::random::<u32>() as f64 / u32::MAX as f64);
    base.mul_f64(jitter)
}

/// Every body has this shape: `{type, timestamp, version, data}`.
pub fn envelope(event: &str, occurred_at: Timestamp, data: Value) -> Value {
    json!({
        "type": event,
        "timestamp": occurred_at,
        "version": PAYLOAD_VERSION,
        "data": data,
    })
}

#[derive(Clone, Debug, Default)]
pub struct SubscriptionInput {
    pub url: String,
    pub description: String,
    /// Empty: every event.
    pub events: Vec<String>,
    /// Only bookings hosted by this user.
    pub user_id: Option<UserId>,
    /// Only bookings of this event type.
    pub event_type_id: Option<EventTypeId>,
}

/// A new subscription and its secret, which is shown only now.
#[derive(Clone, Debug)]
pub struct CreatedSubscription {
    pub subscription: Subscription,
    pub secret: String,
}

fn manage(scope: &Scope) -> Result<Granted<can::ManageWebhooks>, ServiceError> {
    scope.grant().ok_or(ServiceError::Forbidden)
}

fn read(scope: &Scope) -> Result<(), ServiceError> {
    scope
        .grant::<can::ManageWebhooks>()
        .map(|_| ())
        .ok_or(ServiceError::Forbidden)
}

pub(crate) fn check_url(
    invalid: &mut Invalid,
    pointer: &str,
    outbound: &outbound::Client,
    url: &str,
) {
    match outbound.check_url(url) {
        Ok(_) => {}
        Err(outbound::Error::Forbidden(why)) => invalid.push(
            pointer,
            "forbidden_address",
            format!("must not point at a private or local address ({why})"),
        ),
        Err(_) => invalid.push(pointer, "url", "must be an http or https URL with a host"),
    }
}

fn check_events(invalid: &mut Invalid, events: &[String]) {
    for (i, event) in events.iter().enumerate() {
        if !EVENTS.contains(&event.as_str()) {
            invalid.push(
                format!("/events/{i}"),
                "event",
                format!("must be one of {}", EVENTS.join(", ")),
            );
        }
    }
}

fn check_description(invalid: &mut Invalid, description: &str) {
    invalid.check(
        description.chars().count() <= 500,
        "/description",
        "length",
        "must be at most 500 characters",
    );
}

pub async fn create(
    db: &Db,
    outbound: &outbound::Client,
    keys: &Keyring,
    scope: &Scope,
    input: SubscriptionInput,
) -> Result<CreatedSubscription, ServiceError> {
    let grant = manage(scope)?;
    let mut invalid = Invalid::default();
    check_url(&mut invalid, "/url", outbound, &input.url);
    check_events(&mut invalid, &input.events);
    check_description(&mut invalid, &input.description);
    invalid.check(
        input.user_id.is_none() || input.event_type_id.is_none(),
        "/event_type_id",
        "exclusive",
        "give user_id or event_type_id, not both",
    );
    invalid.finish()?;
    if let Some(user) = input.user_id {
        db.users().get(scope, user).await?;
    }
    if let Some(event_type) = input.event_type_id {
        db.event_types().get(scope, event_type).await?;
    }
    let secret = generate_secret();
    let subscription = db
        .webhooks()
        .create(
            &grant,
            NewSubscription {
                user_id: input.user_id,
                event_type_id: input.event_type_id,
                url: input.url,
                description: input.description.trim().to_owned(),
                events: dedup(input.events),
                secret: keys.seal_text(&secret_context(scope.organization_id()), &secret),
            },
        )
        .await?;
    Ok(CreatedSubscription {
        subscription,
        secret,
    })
}

fn dedup(mut events: Vec<String>) -> Vec<String> {
    events.sort();
    events.dedup();
    events
}

pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<Subscription>, ServiceError> {
    read(scope)?;
    Ok(db.webhooks().list(scope).await?)
}

pub async fn get(
    db: &Db,
    scope: &Scope,
    id: WebhookSubscriptionId,
) -> Result<Subscription, ServiceError> {
    read(scope)?;
    Ok(db.webhooks().get(scope, id).await?)
}

/// Changes to a subscription; `None` keeps the value.
#[derive(Clone, Debug, Default)]
pub struct SubscriptionUpdate {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<Vec<String>>,
    pub enabled: Option<bool>,
}

pub async fn update(
    db: &Db,
    outbound: &outbound::Client,
    scope: &Scope,
    id: WebhookSubscriptionId,
    input: SubscriptionUpdate,
) -> Result<Subscription, ServiceError> {
    let grant = manage(scope)?;
    let mut invalid = Invalid::default();
    if let Some(url) = &input.url {
        check_url(&mut invalid, "/url", outbound, url);
    }
    if let Some(events) = &input.events {
        check_events(&mut invalid, events);
    }
    if let Some(description) = &input.description {
        check_description(&mut invalid, description);
    }
    invalid.finish()?;
    let changes = SubscriptionChanges {
        url: input.url,
        description: input.description.map(|d| d.trim().to_owned()),
        events: input.events.map(dedup),
        enabled: input.enabled,
    };
    Ok(db.webhooks().update(&grant, id, changes).await?)
}

pub async fn delete(db: &Db, scope: &Scope, id: WebhookSubscriptionId) -> Result<(), ServiceError> {
    let grant = manage(scope)?;
    Ok(db.webhooks().delete(&grant, id).await?)
}

/// Issues a new secret; the old one keeps signing (alongside) for [`ROTATION_OVERLAP`].
pub async fn rotate_secret(
    db: &Db,
    keys: &Keyring,
    scope: &Scope,
    id: WebhookSubscriptionId,
) -> Result<String, ServiceError> {
    let grant = manage(scope)?;
    let secret = generate_secret();
    let sealed = keys.seal_text(&secret_context(scope.organization_id()), &secret);
    let until = Timestamp::now().plus(ROTATION_OVERLAP);
    db.webhooks()
        .rotate_secret(&grant, id, &sealed, until)
        .await?;
    Ok(secret)
}

/// The subscription's latest deliveries with their attempts.
pub async fn deliveries(
    db: &Db,
    scope: &Scope,
    id: WebhookSubscriptionId,
    limit: u32,
) -> Result<Vec<(Delivery, Vec<Attempt>)>, ServiceError> {
    read(scope)?;
    Ok(db
        .webhooks()
        .deliveries(scope, id, limit.clamp(1, 100))
        .await?)
}

/// Sends a `webhook.test` event to the subscription now and reports the attempt (also kept
/// in its delivery log). Works on disabled subscriptions, so an owner can check a fix.
pub async fn test_send(
    db: &Db,
    outbound: &outbound::Client,
    keys: &Keyring,
    scope: &Scope,
    id: WebhookSubscriptionId,
) -> Result<(Delivery, NewAttempt), ServiceError> {
    let grant = manage(scope)?;
    let payload = envelope(
        TEST_EVENT,
        Timestamp::now(),
        json!({ "subscription_id": id }),
    );
    let delivery = db
        .webhooks()
        .create_test_delivery(&grant, id, TEST_EVENT, &payload)
        .await?;
    let target = db.webhooks().target(scope, delivery).await?;
    let signing = signing_keys(keys, scope.organization_id(), &target.secrets).map_err(|e| {
        ServiceError::Internal(store::Error::Corrupt(format!("webhook secret: {e}")))
    })?;
    let attempt = send(outbound, &target.url, &target.delivery, &signing).await;
    let status = if attempt.succeeded() {
        DeliveryStatus::Succeeded
    } else {
        DeliveryStatus::Failed
    };
    record_attempt(
        db,
        scope.organization_id(),
        delivery,
        &attempt,
        status,
        None,
    )
    .await?;
    let delivery = db.webhooks().target(scope, delivery).await?.delivery;
    Ok((delivery, attempt))
}

/// What a subscription's sealed secrets are bound to: a sealed secret copied into another
/// organization's row does not open.
fn secret_context(organization: OrganizationId) -> Vec<u8> {
    format!("webhook-secret/{organization}").into_bytes()
}

/// Why a subscription's stored secrets cannot sign.
#[derive(Debug, thiserror::Error)]
enum SecretProblem {
    #[error(transparent)]
    Sealed(#[from] crate::credentials::CredentialError),
    #[error(transparent)]
    Format(#[from] notify::webhook::SecretError),
}

/// The keys that sign a delivery: the current secret, and the previous one while a rotation
/// overlaps, opened from their sealed form.
fn signing_keys(
    keys: &Keyring,
    organization: OrganizationId,
    secrets: &domain::webhooks::SigningSecrets,
) -> Result<Vec<SigningKey>, SecretProblem> {
    let context = secret_context(organization);
    let mut signing = vec![SigningKey::parse(
        &keys.open_text(&context, &secrets.current)?,
    )?];
    if let Some(previous) = &secrets.previous {
        signing.push(SigningKey::parse(&keys.open_text(&context, previous)?)?);
    }
    Ok(signing)
}

/// An attempt's HTTP result counts as delivered.
pub(crate) trait Succeeded {
    fn succeeded(&self) -> bool;
}

impl Succeeded for NewAttempt {
    fn succeeded(&self) -> bool {
        self.status_code.is_some_and(|s| (200..300).contains(&s))
    }
}

/// Signs and POSTs one delivery, once. Never fails: what went wrong is in the attempt.
async fn send(
    outbound: &outbound::Client,
    url: &str,
    delivery: &Delivery,
    keys: &[SigningKey],
) -> NewAttempt {
    post_signed(outbound, url, &delivery.message_id, &delivery.payload, keys).await
}

/// Signs `payload` as message `message_id` (the `webhook-id`) and POSTs it to `url` through
/// the SSRF-guarded client, once. Never fails: what went wrong is in the attempt.
pub(crate) async fn post_signed(
    outbound: &outbound::Client,
    url: &str,
    message_id: &str,
    payload: &Value,
    keys: &[SigningKey],
) -> NewAttempt {
    let attempted_at = Timestamp::now();
    let started = Instant::now();
    let body = serde_json::to_vec(payload).unwrap_or_default();
    let message = SignedMessage::new(message_id, attempted_at.to_jiff().as_second(), body, keys);
    let result = async {
        let mut request = outbound
            .request(reqwest::Method::POST, url)?
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .header(reqwest::header::USER_AGENT, "Rendezvous-Webhooks/1");
        for (name, value) in message.headers() {
            request = request.header(name, value);
        }
        let response = request
            .body(message.body.clone())
            .send()
            .await
            .map_err(outbound::Error::from)?;
        let status = response.status().as_u16();
        let body = outbound.read_body(response).await.unwrap_or_default();
        Ok::<_, outbound::Error>((status, body))
    }
    .await;
    let duration_ms = i64::try_from(started.elapsed().as_millis()).unwrap_or(i64::MAX);
    match result {
        Ok((status, body)) => NewAttempt {
            attempted_at,
            status_code: Some(i32::from(status)),
            duration_ms,
            response_body: String::from_utf8_lossy(&body).into_owned(),
            error: None,
        },
        Err(error) => NewAttempt {
            attempted_at,
            status_code: None,
            duration_ms,
            response_body: String::new(),
            error: Some(error.to_string()),
        },
    }
}

/// Runs `webhook.deliver` jobs: one signed POST per run, retried on `retries` (normally
/// [`RETRY_SCHEDULE`]).
#[derive(Clone, Debug)]
pub struct DeliverHandler {
    pub db: Db,
    pub outbound: outbound::Client,
    /// Opens the subscriptions' sealed secrets.
    pub keys: Keyring,
    pub retries: std::sync::Arc<[Duration]>,
}

impl Handler for DeliverHandler {
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Outcome> {
        Box::pin(self.deliver(job))
    }
}

impl DeliverHandler {
    async fn deliver(&self, job: &ClaimedJob) -> Outcome {
        let Some(id) = job
            .payload
            .get("delivery_id")
            .and_then(Value::as_str)
            .and_then(|s| s.parse().ok())
            .map(WebhookDeliveryId)
        else {
            return Outcome::Dead {
                error: "payload has no delivery_id".to_owned(),
            };
        };
        let scope = job.scope();
        let target = match self.db.webhooks().target(&scope, id).await {
            Ok(target) => target,
            // The subscription was deleted, and its deliveries with it.
            Err(store::Error::NotFound(_)) => return Outcome::Succeeded,
            Err(error) => {
                return Outcome::Retry {
                    error: error.to_string(),
                    at: None,
                };
            }
        };
        if target.delivery.status == DeliveryStatus::Succeeded {
            return Outcome::Succeeded;
        }
        if !target.enabled {
            // Dead, not dropped: after the owner re-enables the subscription, retrying the
            // dead job sends it.
            return Outcome::Dead {
                error: "subscription is disabled".to_owned(),
            };
        }
        let signing = match signing_keys(&self.keys, job.organization_id, &target.secrets) {
            Ok(signing) => signing,
            Err(error) => {
                return Outcome::Dead {
                    error: error.to_string(),
                };
            }
        };
        let attempt = send(&self.outbound, &target.url, &target.delivery, &signing).await;
        let status = if attempt.succeeded() {
            DeliveryStatus::Succeeded
        } else if job.is_last_attempt() {
            DeliveryStatus::Failed
        } else {
            DeliveryStatus::Pending
        };
        let retry_at = Timestamp::now().plus(
            jiff::SignedDuration::try_from(retry_delay(&self.retries, job.attempt))
                .unwrap_or_default(),
        );
        let recorded = record_attempt(
            &self.db,
            job.organization_id,
            id,
            &attempt,
            status,
            Some((job, retry_at)),
        )
        .await;
        match recorded {
            Ok(_) => Outcome::Finished,
            // Sent but not recorded: the job runs again and the receiver gets the same
            // webhook-id a second time, which it is told to expect.
            Err(error) => Outcome::Retry {
                error: error.to_string(),
                at: None,
            },
        }
    }
}

/// Queues one delivery (and its job) per enabled subscription that wants `event` and covers
/// `user`'s `event_type`, inside `unit`. Returns how many were queued.
pub(crate) async fn fan_out(
    unit: &mut store::Unit,
    event: &str,
    user: Option<UserId>,
    event_type: Option<EventTypeId>,
    payload: &Value,
) -> Result<usize, store::Error> {
    let subscriptions = unit.webhooks().enabled_for(user, event_type).await?;
    let mut queued = 0;
    for subscription in subscriptions.iter().filter(|s| s.wants(event)) {
        let delivery = unit
            .webhooks()
            .insert_delivery(subscription.id, event, payload)
            .await?;
        let mut job = jobs::NewJob::now(
            store::repo::webhooks::DELIVER_JOB,
            json!({ "delivery_id": delivery }),
        );
        job.max_attempts = store::repo::webhooks::DELIVERY_ATTEMPTS;
        unit.jobs().enqueue(&job).await?;
        queued += 1;
    }
    Ok(queued)
}

/// Records an attempt and the delivery's new status. With `job`, the job ends in the same
/// transaction: completed when the delivery succeeded, put back for `retry_at` while it is
/// pending, dead when it failed for good; and a delivery that failed for good turns its
/// subscription off and tells the owners, in that transaction too, so nobody sees a failed
/// delivery of a subscription that still looks healthy. Returns `false` when the job's claim
/// was lost, in which case nothing is written.
async fn record_attempt(
    db: &Db,
    organization_id: OrganizationId,
    delivery: WebhookDeliveryId,
    attempt: &NewAttempt,
    status: DeliveryStatus,
    job: Option<(&ClaimedJob, Timestamp)>,
) -> Result<bool, store::Error> {
    let mut unit = db.begin_unit(organization_id).await?;
    // Losing this record to a database crash only sends the message again, with the same
    // webhook-id, which receivers deduplicate.
    unit.flush_lazily().await?;
    if let Some((job, retry_at)) = job {
        let error = attempt
            .error
            .clone()
            .unwrap_or_else(|| format!("receiver answered {}", attempt.status_code.unwrap_or(0)));
        let kept = match status {
            DeliveryStatus::Succeeded => unit.jobs().complete(job).await?,
            DeliveryStatus::Pending => unit.jobs().fail(job, &error, Some(retry_at)).await?,
            DeliveryStatus::Failed => unit.jobs().fail(job, &error, None).await?,
        };
        if !kept {
            return Ok(false);
        }
    }
    unit.webhooks()
        .record_attempt(delivery, attempt, status)
        .await?;
    if let (DeliveryStatus::Failed, Some((job, _))) = (status, job) {
        let subscription = unit.webhooks().subscription_of(delivery).await?;
        let reason = format!(
            "deliveries failed {} times in a row; re-enable it after fixing the receiver",
            job.attempt
        );
        let (url, description) = unit.webhooks().disable(subscription, &reason).await?;
        crate::owner_notices::notify_owners(
            &mut unit,
            "webhook.disabled",
            json!({
                "subscription_id": subscription.0,
                "url": url,
                "description": description,
                "reason": reason,
            }),
        )
        .await?;
    }
    unit.commit().await?;
    Ok(true)
}
