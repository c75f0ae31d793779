use crate::ids::{BookingId, EventTypeId, Timestamp, WorkflowId, WorkflowRunId};
use serde::{Deserialize, Serialize};

/// Runs this many minutes before the booking starts.
pub const BEFORE_START: &str = "before_start";

/// Runs this many minutes after the booking ends.
pub const AFTER_END: &str = "after_end";

/// Every trigger a workflow may have: booking events (run `offset_minutes` after the event)
/// and the two timed ones.
pub const TRIGGERS: [&str; 9] = [
    "booking.created",
    "booking.requested",
    "booking.confirmed",
    "booking.rejected",
    "booking.rescheduled",
    "booking.cancelled",
    "booking.no_show",
    BEFORE_START,
    AFTER_END,
];

/// Which bookings a workflow runs for; empty lists match every booking.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Conditions {
    /// Any of these event types.
    #[serde(default)]
    pub event_type_ids: Vec<EventTypeId>,
    /// All of these answers (of any attendee).
    #[serde(default)]
    pub answers: Vec<AnswerCondition>,
}

/// An answer a booking must carry.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnswerCondition {
    /// The question's key.
    pub key: String,
    /// `equals` or `contains`.
    pub op: String,
    pub value: String,
}

/// One step of a workflow. Which fields apply depends on `kind`: `email_host`,
/// `email_attendee`, `email_address` (`address`), `sms_attendee`, `sms_number` (`number`),
/// `webhook` (`url`); e-mails have a `subject` and a `body`, SMS a `body` (templates).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Action {
    pub kind: String,
    #[serde(default)]
    pub subject: String,
    #[serde(default)]
    pub body: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// How many runs a workflow had, by outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub runs: i64,
    pub succeeded: i64,
    pub failed: i64,
    pub skipped: i64,
}

/// A workflow as the API shows it (never with its secret).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Workflow {
    pub id: WorkflowId,
    pub name: String,
    pub active: bool,
    pub trigger: String,
    pub offset_minutes: i32,
    pub conditions: Conditions,
    pub actions: Vec<Action>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a workflow is made of (create or replace).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WorkflowInput {
    pub name: String,
    pub active: bool,
    pub trigger: String,
    pub offset_minutes: i32,
    pub conditions: Conditions,
    pub actions: Vec<Action>,
}

/// One action's outcome in a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActionOutcome {
    /// `succeeded`, `failed` or `skipped`.
    pub status: String,
    pub detail: String,
}

impl ActionOutcome {
    pub fn succeeded(detail: impl Into<String>) -> Self {
        Self {
            status: "succeeded".to_owned(),
            detail: detail.into(),
        }
    }

    pub fn failed(detail: impl Into<String>) -> Self {
        Self {
            status: "failed".to_owned(),
            detail: detail.into(),
        }
    }

    pub fn skipped(detail: impl Into<String>) -> Self {
        Self {
            status: "skipped".to_owned(),
            detail: detail.into(),
        }
    }

    /// Done for good: a retry does not repeat it.
    pub fn is_done(&self) -> bool {
        self.status != "failed"
    }
}

/// One run of a workflow for one booking.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Run {
    pub id: WorkflowRunId,
    pub workflow_id: WorkflowId,
    pub booking_id: BookingId,
    /// The trigger that ran it (`booking.created`, `before_start`, ...).
    pub event: String,
    /// `running`, `succeeded`, `failed` (an action failed) or `skipped` (conditions).
    pub status: String,
    /// By action position; shorter than the actions while a run is under way.
    pub outcomes: Vec<ActionOutcome>,
    /// How many times the job ran it.
    pub attempts: i32,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What a workflow job carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunPayload {
    pub workflow_id: WorkflowId,
    /// The trigger: the booking event, or `before_start` / `after_end`.
    pub event: String,
    pub offset_minutes: i32,
}
