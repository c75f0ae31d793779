use crate::blocked_times::BlockedTime;
use crate::ids::{AttendeeId, BookingId, EventTypeId, OrganizationId, Timestamp, UserId};
use crate::schedules::Schedule;
use crate::users::User;
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

/// Where a booking is in its life. Transitions: pending → confirmed | rejected | cancelled;
/// confirmed → cancelled | rescheduled | no_show | completed; the others are final.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    Pending,
    Confirmed,
    Rejected,
    Cancelled,
    Rescheduled,
    NoShow,
    Completed,
}

impl BookingStatus {
    pub const ALL: [BookingStatus; 7] = [
        Self::Pending,
        Self::Confirmed,
        Self::Rejected,
        Self::Cancelled,
        Self::Rescheduled,
        Self::NoShow,
        Self::Completed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
            Self::Rescheduled => "rescheduled",
            Self::NoShow => "no_show",
            Self::Completed => "completed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|status| status.as_str() == s)
    }

    /// Whether the booking holds its host's time.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::Confirmed)
    }

    /// Whether a booking in this state may move to `next`.
    pub fn may_become(self, next: BookingStatus) -> bool {
        use BookingStatus::*;
        matches!(
            (self, next),
            (Pending, Confirmed | Rejected | Cancelled)
                | (Confirmed, Cancelled | Rescheduled | NoShow | Completed)
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Booking {
    pub id: BookingId,
    pub organization_id: OrganizationId,
    pub event_type_id: EventTypeId,
    pub host_user_id: UserId,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub status: BookingStatus,
    /// Attendees still on the booking (group events share one booking).
    pub seats_taken: i32,
    /// Where it happens: the event type's location as resolved for this booking.
    pub location: Value,
    pub cancel_reason: Option<String>,
    pub rescheduled_from: Option<BookingId>,
    pub rescheduled_to: Option<BookingId>,
    /// The booking whose id names this one in every calendar: the first of its chain of
    /// reschedules (itself when it was never moved), so a move updates the event calendars
    /// already hold. Spelt as a UID by `services::calendar_identity`.
    #[serde(skip_serializing)]
    pub calendar_root: BookingId,
    /// The iCalendar SEQUENCE of the latest change calendars have seen: 0 when made, one more
    /// at each change they must see, counted with the booking in the change's transaction.
    #[serde(skip_serializing)]
    pub calendar_sequence: i32,
    /// Everyone hosting it, `host_user_id` first; one for an event type its owner hosts.
    pub hosts: Vec<BookingHost>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A host of a booking, and why they were chosen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct BookingHost {
    pub user_id: UserId,
    /// On every booking of its event type (a fixed host, a collective host, or the owner).
    pub fixed: bool,
    /// Why this host: `owner`, `collective`, `fixed`, `kept` (a reschedule kept the host), or
    /// the strategy and what decided it.
    pub reason: String,
}

/// A host to put on a new booking.
pub type NewBookingHost = BookingHost;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Attendee {
    pub id: AttendeeId,
    pub booking_id: BookingId,
    pub name: String,
    pub email: String,
    pub time_zone: String,
    /// Answers by question key.
    pub answers: BTreeMap<String, Value>,
    pub notes: String,
    pub utm: BTreeMap<String, String>,
    /// `active` or `cancelled`.
    pub status: String,
    pub cancel_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A new booking's times, place and hosts; the event type comes from the [`Bookable`].
#[derive(Clone, Debug)]
pub struct NewBooking {
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub status: BookingStatus,
    pub location: Value,
    pub rescheduled_from: Option<BookingId>,
    /// The calendar identity it continues (`calendar_root` of the booking it moves), or
    /// `None` for a new one, named after the new booking itself.
    pub calendar_root: Option<BookingId>,
    /// Its first SEQUENCE: 0 for a new identity, the next one for a continued identity.
    pub calendar_sequence: i32,
    /// Who hosts it, the first becoming `host_user_id`; empty means the event type's owner.
    pub hosts: Vec<NewBookingHost>,
}

#[derive(Clone, Debug)]
pub struct NewAttendee {
    pub name: String,
    pub email: String,
    pub time_zone: String,
    pub answers: BTreeMap<String, Value>,
    pub notes: String,
    pub utm: BTreeMap<String, String>,
}

/// What slot computation needs to know about a host, read in one transaction.
#[derive(Clone, Debug)]
pub struct Facts {
    pub host: User,
    /// The event type's schedule, else the host's default; `None` if the host has none.
    pub schedule: Option<Schedule>,
    pub blocked: Vec<BlockedTime>,
    /// Busy periods synced from the host's connected calendars (see `repo::calendars`).
    pub calendar_busy: Vec<(Timestamp, Timestamp)>,
    /// The host's pending and confirmed bookings around the period asked for.
    pub bookings: Vec<HeldTime>,
}

/// The part of a pending or confirmed booking that decides availability: when it is, the
/// buffers it holds around itself, and how many seats it has taken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct HeldTime {
    pub id: BookingId,
    pub event_type_id: EventTypeId,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub seats_taken: i32,
}

/// Filters for the host's booking list.
#[derive(Clone, Debug, Default)]
pub struct BookingFilter {
    pub status: Option<BookingStatus>,
    pub from: Option<Timestamp>,
    pub until: Option<Timestamp>,
    pub event_type_id: Option<EventTypeId>,
    pub attendee_email: Option<String>,
    pub host_user_id: Option<UserId>,
    /// Continue after this booking (its start and id, in the list's order), for cursor
    /// pagination.
    pub after: Option<(Timestamp, BookingId)>,
    pub limit: u32,
    /// Latest start first (the most recent past bookings), instead of the earliest.
    pub newest_first: bool,
}
