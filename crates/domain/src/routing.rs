use crate::event_types::Question;
use crate::ids::{
    BookingId, EventTypeId, OrganizationId, RoutingFormId, SubmissionId, Timestamp, UserId,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

/// How an answer is compared with a rule's value.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Operator {
    Equals,
    NotEquals,
    Contains,
    GreaterThan,
    LessThan,
    /// The answer is one of the values (a list).
    In,
}

/// When a route applies: every (`all`) or any (`any`) of the conditions inside, or one test
/// of an answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Condition {
    All {
        all: Vec<Condition>,
    },
    Any {
        any: Vec<Condition>,
    },
    Test {
        field: String,
        op: Operator,
        value: Value,
    },
}

/// Where a route leads.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    /// Book this event type.
    EventType { event_type_id: EventTypeId },
    /// Book this team event type with only these of its hosts.
    Members {
        event_type_id: EventTypeId,
        user_ids: Vec<UserId>,
    },
    /// Go to this page.
    Url { url: String },
    /// Show this text.
    Message { text: String },
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub when: Condition,
    pub action: Action,
}

/// What a form's author writes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FormFields {
    pub name: String,
    pub fields: Vec<Question>,
    pub routes: Vec<Route>,
    pub fallback: Action,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct RoutingForm {
    pub id: RoutingFormId,
    pub organization_id: OrganizationId,
    /// Who created it; `None` for forms made before owners were recorded.
    pub owner_user_id: Option<UserId>,
    #[serde(flatten)]
    pub form: FormFields,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// One filled-in form and where it led.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Submission {
    pub id: SubmissionId,
    pub form_id: RoutingFormId,
    pub answers: BTreeMap<String, Value>,
    /// The index of the route taken; `None` for the fallback.
    pub matched: Option<i32>,
    pub route: Action,
    pub booking_id: Option<BookingId>,
    pub created_at: Timestamp,
}
