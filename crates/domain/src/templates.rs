use crate::ids::Timestamp;
use serde::Serialize;

/// A stored template. SMS templates use only `text`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct StoredTemplate {
    /// The message type: `booking.created`, ...
    pub event: String,
    /// `email` or `sms`.
    pub channel: String,
    pub subject: String,
    pub html: String,
    pub text: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What to save.
#[derive(Clone, Debug)]
pub struct TemplateSources {
    pub subject: String,
    pub html: String,
    pub text: String,
}
