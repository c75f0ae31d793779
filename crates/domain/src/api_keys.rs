use crate::access::Permissions;
use crate::ids::{ApiKeyId, Timestamp, UserId};

/// A key as listed: never the key itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiKey {
    pub id: ApiKeyId,
    /// Whom the key acts as.
    pub user_id: UserId,
    /// Who issued (and so holds) it; `None`: the operator, or a key older than this field.
    pub created_by: Option<UserId>,
    pub name: String,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    /// The permissions the key is narrowed to; `None`: all of its user's.
    pub scopes: Option<Permissions>,
    pub expires_at: Option<Timestamp>,
    /// Updated at most once a minute.
    pub last_used_at: Option<Timestamp>,
}

/// Optional limits on a key.
#[derive(Clone, Copy, Debug, Default)]
pub struct KeyLimits {
    /// Narrow the key to these permissions (intersected with its user's).
    pub scopes: Option<Permissions>,
    /// The key stops authenticating at this instant.
    pub expires_at: Option<Timestamp>,
}
