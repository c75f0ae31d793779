use crate::ids::{
    EventTypeId, Timestamp, UserId, WebhookAttemptId, WebhookDeliveryId, WebhookSubscriptionId,
};
use serde::Serialize;
use serde_json::Value;

/// A subscription as the API shows it (never with its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subscription {
    pub id: WebhookSubscriptionId,
    pub user_id: Option<UserId>,
    pub event_type_id: Option<EventTypeId>,
    pub url: String,
    pub description: String,
    /// Event names to send; empty means every event.
    pub events: Vec<String>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

impl Subscription {
    /// Whether the subscription wants `event`.
    pub fn wants(&self, event: &str) -> bool {
        self.events.is_empty() || self.events.iter().any(|e| e == event)
    }
}

/// A new subscription; `secret` is made by the caller (`whsec_...`).
#[derive(Clone, Debug)]
pub struct NewSubscription {
    pub user_id: Option<UserId>,
    pub event_type_id: Option<EventTypeId>,
    pub url: String,
    pub description: String,
    pub events: Vec<String>,
    pub secret: String,
}

/// Changes to a subscription; `None` keeps the value.
#[derive(Clone, Debug, Default)]
pub struct SubscriptionChanges {
    pub url: Option<String>,
    pub description: Option<String>,
    pub events: Option<Vec<String>>,
    /// Re-enabling clears the reason it was disabled.
    pub enabled: Option<bool>,
}

/// `pending` until an attempt succeeds (`succeeded`) or the last one fails (`failed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    Pending,
    Succeeded,
    Failed,
}

impl DeliveryStatus {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    /// The status spelled `s` (its stored spelling), if there is one.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "pending" => Some(Self::Pending),
            "succeeded" => Some(Self::Succeeded),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// One event for one subscription.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Delivery {
    pub id: WebhookDeliveryId,
    pub subscription_id: WebhookSubscriptionId,
    /// The `webhook-id` header.
    pub message_id: String,
    pub event: String,
    /// The exact body sent.
    pub payload: Value,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub last_status_code: Option<i32>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One try at a delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attempt {
    pub id: WebhookAttemptId,
    pub delivery_id: WebhookDeliveryId,
    pub attempted_at: Timestamp,
    /// The receiver's HTTP status, if it answered.
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    /// The start of the receiver's answer.
    pub response_body: String,
    /// Why no answer came (timeout, refused, forbidden address), if none did.
    pub error: Option<String>,
}

/// What an attempt found, to record.
#[derive(Clone, Debug)]
pub struct NewAttempt {
    pub attempted_at: Timestamp,
    pub status_code: Option<i32>,
    pub duration_ms: i64,
    pub response_body: String,
    pub error: Option<String>,
}

/// A delivery with what sending it needs.
#[derive(Clone, Debug)]
pub struct DeliveryTarget {
    pub delivery: Delivery,
    pub url: String,
    pub enabled: bool,
    pub secrets: SigningSecrets,
}

/// What signs a subscription's messages: the current secret, and the previous one while it
/// is still honoured after a rotation.
#[derive(Clone, PartialEq, Eq)]
pub struct SigningSecrets {
    pub current: String,
    pub previous: Option<String>,
}

impl std::fmt::Debug for SigningSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningSecrets")
            .field("previous", &self.previous.is_some())
            .finish_non_exhaustive()
    }
}
