use crate::ids::{
    BookingId, CalendarConnectionId, CalendarId, IntegrationLogId, OrganizationId, Timestamp,
    UserId,
};
use serde::Serialize;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Connection {
    pub id: CalendarConnectionId,
    pub user_id: UserId,
    /// `caldav` or `ics`.
    pub kind: String,
    pub name: String,
    pub url: String,
    pub username: String,
    /// `active`, `error` or `disconnected`.
    pub status: String,
    pub last_error: Option<String>,
    pub last_error_at: Option<Timestamp>,
    pub last_synced_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct CalendarEntry {
    pub id: CalendarId,
    pub connection_id: CalendarConnectionId,
    pub user_id: UserId,
    pub url: String,
    pub display_name: String,
    pub color: Option<String>,
    pub blocks_availability: bool,
    pub receives_bookings: bool,
    #[serde(skip)]
    pub sync_token: Option<String>,
    #[serde(skip)]
    pub etag: Option<String>,
    #[serde(skip)]
    pub last_modified: Option<String>,
    /// When everything was last read (not just changes): the sync re-reads it all once a
    /// day, so recurring events roll forward into the horizon.
    #[serde(skip)]
    pub full_synced_at: Option<Timestamp>,
}

#[derive(Clone, Debug)]
pub struct NewCalendar {
    pub url: String,
    pub display_name: String,
    pub color: Option<String>,
    pub blocks_availability: bool,
    pub receives_bookings: bool,
}

/// What one sync learned about one calendar.
#[derive(Clone, Debug, Default)]
pub struct CalendarSync {
    pub calendar_id: CalendarId,
    /// A full fetch: every busy period of the calendar is replaced.
    pub replace_all: bool,
    /// Resources gone from the server.
    pub removed: Vec<String>,
    /// Resources new or changed, each with all the busy periods it now has (maybe none).
    pub changed: Vec<(String, Vec<(Timestamp, Timestamp)>)>,
    pub sync_token: Option<String>,
    pub etag: Option<String>,
    pub last_modified: Option<String>,
    /// Whether the validators above replace the stored ones (false: the server said
    /// nothing new).
    pub update_validators: bool,
}

/// How a sync attempt went, for the integration log.
#[derive(Clone, Debug)]
pub struct SyncReport {
    pub started_at: Timestamp,
    /// `incremental`, `full`, `feed`, `not_modified`.
    pub mode: String,
    pub changed: i32,
    pub deleted: i32,
    pub detail: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct LogEntry {
    pub id: IntegrationLogId,
    pub connection_id: CalendarConnectionId,
    pub started_at: Timestamp,
    pub finished_at: Timestamp,
    /// `ok` or `error`.
    pub outcome: String,
    pub mode: String,
    pub changed: i32,
    pub deleted: i32,
    pub detail: String,
}

/// A connection that is due for a periodic sync.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct DueConnection {
    pub organization_id: OrganizationId,
    pub id: CalendarConnectionId,
}

/// Where a booking lives in a calendar.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Writeback {
    pub booking_id: BookingId,
    pub calendar_id: CalendarId,
    pub uid: String,
    pub resource: String,
    pub etag: Option<String>,
    pub sequence: i32,
}

/// The right to read one user's bookings feed: held by whoever has the secret URL.
#[derive(Clone, Copy, Debug)]
pub struct FeedOwner {
    pub organization_id: OrganizationId,
    pub user_id: UserId,
}

/// A booking as a feed shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct FeedBooking {
    pub id: BookingId,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub status: String,
    pub title: String,
    pub updated_at: Timestamp,
    /// See [`crate::bookings::Booking::calendar_root`].
    pub calendar_root: BookingId,
    /// See [`crate::bookings::Booking::calendar_sequence`].
    pub calendar_sequence: i32,
}
