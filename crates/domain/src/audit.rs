use crate::ids::{AuditId, Timestamp, Uuid};
use serde_json::Value;

/// One recorded change.
#[derive(Clone, Debug, PartialEq)]
pub struct AuditEntry {
    pub id: AuditId,
    pub occurred_at: Timestamp,
    /// `api_key` or `operator`.
    pub actor_type: String,
    /// Who acted: the user, a key's holder (who issued it), or the attendee.
    pub actor_id: Option<Uuid>,
    /// The user a key acted as, when its holder (`actor_id`) is someone else.
    pub on_behalf_of: Option<Uuid>,
    /// What happened, as `noun.verb`: `organization.created`.
    pub action: String,
    pub target_type: String,
    pub target_id: Option<Uuid>,
    pub old_values: Option<Value>,
    pub new_values: Option<Value>,
    /// The client address, when the change came through HTTP.
    pub ip: Option<String>,
}

/// What to search the audit log for; every field narrows, `None` does not.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Exactly this action (`login.failed`).
    pub action: Option<String>,
    pub target_type: Option<String>,
    pub target_id: Option<Uuid>,
    /// The acting user, key holder or attendee, or the user a key acted as.
    pub actor_id: Option<Uuid>,
    /// Entries at or after this instant.
    pub from: Option<Timestamp>,
    /// Entries before this instant.
    pub until: Option<Timestamp>,
    /// Continue after this entry (its time and id), for cursor pagination (newest first).
    pub before: Option<(Timestamp, AuditId)>,
    pub limit: u32,
}
