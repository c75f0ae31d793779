use crate::ids::{BlockedTimeId, Timestamp, UserId};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct BlockedTime {
    pub id: BlockedTimeId,
    pub user_id: UserId,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    /// `manual` or `calendar`.
    pub source: String,
    pub external_id: Option<String>,
    pub reason: String,
    pub created_at: Timestamp,
}

#[derive(Clone, Debug)]
pub struct NewBlockedTime {
    pub user_id: UserId,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub source: String,
    pub external_id: Option<String>,
    pub reason: String,
}
