//! Webhook subscriptions, their deliveries and every attempt at one.
//!
//! A booking event becomes one delivery per matching subscription, each with its own job
//! (`webhook.deliver`). The delivery's `message_id` is the `webhook-id` the receiver sees on
//! every attempt, so a retried delivery is recognisably the same message.

use serde_json::Value;
use sqlx::types::Json;

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, Tx, with_pool, with_tx};
use domain::access::Actor;
use domain::ids::{
    EventTypeId, OrganizationId, Timestamp, UserId, WebhookAttemptId, WebhookDeliveryId,
    WebhookSubscriptionId,
};
use domain::webhooks::SigningSecrets;
use domain::webhooks::{
    Attempt, Delivery, DeliveryStatus, DeliveryTarget, NewAttempt, NewSubscription, Subscription,
    SubscriptionChanges,
};

/// The job kind that delivers one webhook.
pub const DELIVER_JOB: &str = "webhook.deliver";

/// Longest response body kept per attempt.
pub const MAX_RESPONSE_CHARS: usize = 2048;

const SUBSCRIPTION_COLUMNS: &str = "id, user_id, event_type_id, url, description, events, \
    enabled, disabled_reason, created_at, updated_at";
const DELIVERY_COLUMNS: &str = "id, subscription_id, message_id, event, payload, status, \
    attempts, last_status_code, created_at, updated_at";

#[derive(sqlx::FromRow)]
struct SubscriptionRow {
    id: WebhookSubscriptionId,
    user_id: Option<UserId>,
    event_type_id: Option<EventTypeId>,
    url: String,
    description: String,
    events: Json<Vec<String>>,
    enabled: bool,
    disabled_reason: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct DeliveryRow {
    id: WebhookDeliveryId,
    subscription_id: WebhookSubscriptionId,
    message_id: String,
    event: String,
    payload: Json<Value>,
    status: String,
    attempts: i32,
    last_status_code: Option<i32>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct AttemptRow {
    id: WebhookAttemptId,
    delivery_id: WebhookDeliveryId,
    attempted_at: Timestamp,
    status_code: Option<i32>,
    duration_ms: i64,
    response_body: String,
    error: Option<String>,
}

/// Webhook subscriptions and deliveries of an organization.
#[derive(Debug)]
pub struct Webhooks<'a> {
    pub(crate) db: &'a Db,
}

impl Webhooks<'_> {
    pub async fn create(
        &self,
        grant: &Granted<can::ManageWebhooks>,
        new: NewSubscription,
    ) -> Result<Subscription, Error> {
        const SQL: &str = "INSERT INTO webhook_subscriptions (organization_id, id, user_id, \
            event_type_id, url, description, events, secret, enabled, created_at, updated_at) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";
        let scope = grant.scope();
        let org = scope.organization_id();
        let now = Timestamp::now();
        let subscription = Subscription {
            id: WebhookSubscriptionId::new(),
            user_id: new.user_id,
            event_type_id: new.event_type_id,
            url: new.url,
            description: new.description,
            events: new.events,
            enabled: true,
            disabled_reason: None,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(org)
                .bind(subscription.id)
                .bind(subscription.user_id)
                .bind(subscription.event_type_id)
                .bind(&subscription.url)
                .bind(&subscription.description)
                .bind(Json(&subscription.events))
                .bind(&new.secret)
                .bind(true)
                .bind(now)
                .execute(conn)
                .await
                .map_err(foreign_key_as_not_found)?;
        });
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::created("webhook_subscription", subscription.id.0, &subscription),
        )
        .await?;
        tx.commit().await?;
        Ok(subscription)
    }

    pub async fn list(&self, scope: &Scope) -> Result<Vec<Subscription>, Error> {
        let sql = format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions WHERE organization_id = $1 \
             ORDER BY id"
        );
        let rows: Vec<SubscriptionRow> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Subscription::from).collect())
    }

    pub async fn get(
        &self,
        scope: &Scope,
        id: WebhookSubscriptionId,
    ) -> Result<Subscription, Error> {
        let sql = format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions \
             WHERE organization_id = $1 AND id = $2"
        );
        let row: Option<SubscriptionRow> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).bind(id).fetch_optional(pool).await?
        });
        row.map(Subscription::from)
            .ok_or(Error::NotFound("webhook subscription"))
    }

    pub async fn update(
        &self,
        grant: &Granted<can::ManageWebhooks>,
        id: WebhookSubscriptionId,
        changes: SubscriptionChanges,
    ) -> Result<Subscription, Error> {
        const SQL: &str = "UPDATE webhook_subscriptions SET url = $3, description = $4, \
            events = $5, enabled = $6, disabled_reason = $7, updated_at = $8 \
            WHERE organization_id = $1 AND id = $2";
        let scope = grant.scope();
        let org = scope.organization_id();
        let old = self.get(scope, id).await?;
        let enabled = changes.enabled.unwrap_or(old.enabled);
        let new = Subscription {
            url: changes.url.unwrap_or_else(|| old.url.clone()),
            description: changes
                .description
                .unwrap_or_else(|| old.description.clone()),
            events: changes.events.unwrap_or_else(|| old.events.clone()),
            enabled,
            disabled_reason: if enabled {
                None
            } else {
                old.disabled_reason.clone()
            },
            updated_at: Timestamp::now(),
            ..old.clone()
        };
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(org).bind(id).bind(&new.url).bind(&new.description).bind(Json(&new.events))
                .bind(new.enabled).bind(&new.disabled_reason).bind(new.updated_at)
                .execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::updated("webhook_subscription", id.0, &old, &new),
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }

    pub async fn delete(
        &self,
        grant: &Granted<can::ManageWebhooks>,
        id: WebhookSubscriptionId,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let old = self.get(scope, id).await?;
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM webhook_subscriptions WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(id).execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::deleted("webhook_subscription", id.0, &old),
        )
        .await?;
        tx.commit().await
    }

    /// Replaces the secret by `secret`; the old one keeps signing until `previous_until`.
    pub async fn rotate_secret(
        &self,
        grant: &Granted<can::ManageWebhooks>,
        id: WebhookSubscriptionId,
        secret: &str,
        previous_until: Timestamp,
    ) -> Result<(), Error> {
        const SQL: &str = "UPDATE webhook_subscriptions SET previous_secret = secret, \
            previous_secret_expires_at = $4, secret = $3, updated_at = $5 \
            WHERE organization_id = $1 AND id = $2";
        let scope = grant.scope();
        let org = scope.organization_id();
        self.get(scope, id).await?;
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL).bind(org).bind(id).bind(secret).bind(previous_until).bind(Timestamp::now())
                .execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::event(
                "webhook_subscription.secret_rotated",
                "webhook_subscription",
                id.0,
                None,
                Some(serde_json::json!({ "previous_valid_until": previous_until })),
            ),
        )
        .await?;
        tx.commit().await
    }

    /// The subscription's deliveries, newest first, each with its attempts (oldest first).
    pub async fn deliveries(
        &self,
        scope: &Scope,
        subscription: WebhookSubscriptionId,
        limit: u32,
    ) -> Result<Vec<(Delivery, Vec<Attempt>)>, Error> {
        self.get(scope, subscription).await?;
        let org = scope.organization_id();
        let sql = format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
             WHERE organization_id = $1 AND subscription_id = $2 ORDER BY id DESC LIMIT $3"
        );
        let rows: Vec<DeliveryRow> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(subscription).bind(i64::from(limit)).fetch_all(pool).await?
        });
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let delivery = Delivery::try_from(row)?;
            let attempts: Vec<AttemptRow> = with_pool!(self.db, scope, pool => {
                sqlx::query_as(
                    "SELECT id, delivery_id, attempted_at, status_code, duration_ms, response_body, error \
                     FROM webhook_attempts WHERE organization_id = $1 AND delivery_id = $2 \
                     ORDER BY attempted_at, id",
                )
                .bind(org).bind(delivery.id).fetch_all(pool).await?
            });
            out.push((delivery, attempts.into_iter().map(Attempt::from).collect()));
        }
        Ok(out)
    }

    /// A delivery with its subscription's address and secrets.
    pub async fn target(
        &self,
        scope: &Scope,
        id: WebhookDeliveryId,
    ) -> Result<DeliveryTarget, Error> {
        const SQL: &str = "SELECT d.id, d.subscription_id, d.message_id, d.event, d.payload, \
            d.status, d.attempts, d.last_status_code, d.created_at, d.updated_at, \
            s.url, s.enabled, s.secret, s.previous_secret, s.previous_secret_expires_at \
            FROM webhook_deliveries d JOIN webhook_subscriptions s \
              ON s.organization_id = d.organization_id AND s.id = d.subscription_id \
            WHERE d.organization_id = $1 AND d.id = $2";
        #[derive(sqlx::FromRow)]
        struct Row {
            #[sqlx(flatten)]
            delivery: DeliveryRow,
            url: String,
            enabled: bool,
            secret: String,
            previous_secret: Option<String>,
            previous_secret_expires_at: Option<Timestamp>,
        }
        let row: Option<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(SQL).bind(scope.organization_id()).bind(id).fetch_optional(pool).await?
        });
        let row = row.ok_or(Error::NotFound("webhook delivery"))?;
        let now = Timestamp::now();
        let previous = row.previous_secret.filter(|_| {
            row.previous_secret_expires_at
                .is_some_and(|until| until > now)
        });
        Ok(DeliveryTarget {
            delivery: Delivery::try_from(row.delivery)?,
            url: row.url,
            enabled: row.enabled,
            secrets: SigningSecrets {
                current: row.secret,
                previous,
            },
        })
    }

    /// Creates a delivery of `event` to one subscription right away (the test-send), without
    /// a job: the caller sends it and records the attempt.
    pub async fn create_test_delivery(
        &self,
        grant: &Granted<can::ManageWebhooks>,
        subscription: WebhookSubscriptionId,
        event: &str,
        payload: &Value,
    ) -> Result<WebhookDeliveryId, Error> {
        let scope = grant.scope();
        self.get(scope, subscription).await?;
        let mut tx = self.db.begin_write(scope).await?;
        let id = insert_delivery(
            &mut tx,
            scope.organization_id(),
            subscription,
            event,
            payload,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }
}

/// Webhook subscriptions and deliveries inside a unit of work.
#[derive(Debug)]
pub struct WebhooksTx<'u> {
    unit: &'u mut crate::Unit,
}

impl crate::Unit {
    /// Webhook subscriptions and deliveries, inside this unit.
    pub fn webhooks(&mut self) -> WebhooksTx<'_> {
        WebhooksTx { unit: self }
    }
}

impl WebhooksTx<'_> {
    /// The enabled subscriptions that cover `user`'s `event_type` (those narrowed to neither,
    /// to the user, or to the event type), oldest first.
    pub async fn enabled_for(
        &mut self,
        user: Option<UserId>,
        event_type: Option<EventTypeId>,
    ) -> Result<Vec<Subscription>, Error> {
        let sql = format!(
            "SELECT {SUBSCRIPTION_COLUMNS} FROM webhook_subscriptions \
             WHERE organization_id = $1 AND enabled = $2 \
             AND (user_id IS NULL OR user_id = $3) AND (event_type_id IS NULL OR event_type_id = $4) \
             ORDER BY id"
        );
        let org = self.unit.org;
        let rows: Vec<SubscriptionRow> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(org).bind(true).bind(user).bind(event_type)
                .fetch_all(conn).await?
        });
        Ok(rows.into_iter().map(Subscription::from).collect())
    }

    /// Records an attempt at `delivery` and the delivery's new `status`.
    pub async fn record_attempt(
        &mut self,
        delivery: WebhookDeliveryId,
        attempt: &NewAttempt,
        status: DeliveryStatus,
    ) -> Result<(), Error> {
        const INSERT: &str = "INSERT INTO webhook_attempts (organization_id, id, delivery_id, \
            attempted_at, status_code, duration_ms, response_body, error) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)";
        const UPDATE: &str = "UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, \
            last_status_code = $4, updated_at = $5 WHERE organization_id = $1 AND id = $2";
        let org = self.unit.org;
        let body: String = attempt
            .response_body
            .chars()
            .take(MAX_RESPONSE_CHARS)
            .collect();
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(INSERT)
                .bind(org).bind(WebhookAttemptId::new()).bind(delivery)
                .bind(attempt.attempted_at).bind(attempt.status_code).bind(attempt.duration_ms)
                .bind(&body).bind(&attempt.error)
                .execute(&mut *conn).await?;
            sqlx::query(UPDATE)
                .bind(org).bind(delivery).bind(status.as_str())
                .bind(attempt.status_code).bind(attempt.attempted_at)
                .execute(conn).await?;
        });
        Ok(())
    }

    /// The subscription `delivery` belongs to.
    pub async fn subscription_of(
        &mut self,
        delivery: WebhookDeliveryId,
    ) -> Result<WebhookSubscriptionId, Error> {
        let org = self.unit.org;
        Ok(with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_scalar("SELECT subscription_id FROM webhook_deliveries WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(delivery).fetch_one(conn).await?
        }))
    }

    /// Turns subscription `id` off for `reason`, with an audit row (actor `system`). Returns
    /// its URL and description, for telling the owners.
    pub async fn disable(
        &mut self,
        id: WebhookSubscriptionId,
        reason: &str,
    ) -> Result<(String, String), Error> {
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query("UPDATE webhook_subscriptions SET enabled = $3, disabled_reason = $4, updated_at = $5 WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(id).bind(false).bind(reason).bind(Timestamp::now())
                .execute(conn).await?;
        });
        audit::record(
            &mut self.unit.tx,
            org,
            Actor::System,
            Change::event(
                "webhook_subscription.disabled",
                "webhook_subscription",
                id.0,
                None,
                Some(serde_json::json!({ "reason": reason })),
            ),
        )
        .await?;
        Ok(with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as("SELECT url, description FROM webhook_subscriptions WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(id).fetch_one(conn).await?
        }))
    }

    /// Writes a pending delivery of `payload` as `event` to `subscription`.
    pub async fn insert_delivery(
        &mut self,
        subscription: WebhookSubscriptionId,
        event: &str,
        payload: &Value,
    ) -> Result<WebhookDeliveryId, Error> {
        let org = self.unit.org;
        insert_delivery(&mut self.unit.tx, org, subscription, event, payload).await
    }
}

/// Attempts a delivery gets: the first, then one per step of the retry schedule in
/// `services::webhooks`.
pub const DELIVERY_ATTEMPTS: i32 = 10;

async fn insert_delivery(
    tx: &mut Tx,
    organization_id: OrganizationId,
    subscription: WebhookSubscriptionId,
    event: &str,
    payload: &Value,
) -> Result<WebhookDeliveryId, Error> {
    const SQL: &str = "INSERT INTO webhook_deliveries (organization_id, id, subscription_id, \
        message_id, event, payload, status, attempts, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, 'pending', 0, $7, $7)";
    let id = WebhookDeliveryId::new();
    let message_id = format!("msg_{}", id.0.simple());
    with_tx!(tx, conn => {
        sqlx::query(SQL)
            .bind(organization_id).bind(id).bind(subscription).bind(&message_id).bind(event)
            .bind(Json(payload)).bind(Timestamp::now())
            .execute(conn).await?;
    });
    Ok(id)
}

/// A subscription naming a user or event type that is not in the organization.
fn foreign_key_as_not_found(e: sqlx::Error) -> Error {
    match e.as_database_error() {
        Some(db) if db.is_foreign_key_violation() => Error::NotFound("user or event type"),
        _ => Error::Database(e),
    }
}

impl From<SubscriptionRow> for Subscription {
    fn from(r: SubscriptionRow) -> Self {
        Subscription {
            id: r.id,
            user_id: r.user_id,
            event_type_id: r.event_type_id,
            url: r.url,
            description: r.description,
            events: r.events.0,
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl TryFrom<DeliveryRow> for Delivery {
    type Error = Error;
    fn try_from(r: DeliveryRow) -> Result<Self, Error> {
        Ok(Delivery {
            id: r.id,
            subscription_id: r.subscription_id,
            message_id: r.message_id,
            event: r.event,
            payload: r.payload.0,
            status: DeliveryStatus::parse(&r.status)
                .ok_or_else(|| Error::Corrupt(format!("delivery status {:?}", r.status)))?,
            attempts: r.attempts,
            last_status_code: r.last_status_code,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

impl From<AttemptRow> for Attempt {
    fn from(r: AttemptRow) -> Self {
        Attempt {
            id: r.id,
            delivery_id: r.delivery_id,
            attempted_at: r.attempted_at,
            status_code: r.status_code,
            duration_ms: r.duration_ms,
            response_body: r.response_body,
            error: r.error,
        }
    }
}
