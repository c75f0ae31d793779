use crate::ids::{ContactId, Timestamp, UserId};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Contact {
    pub id: ContactId,
    /// The host whose contact this is.
    pub owner_user_id: UserId,
    pub email: String,
    pub name: String,
    pub time_zone: String,
    pub total_bookings: i32,
    pub last_booking_at: Timestamp,
    pub tags: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
