//! A booking as the outside world sees it: the one representation that the API serves
//! (`GET /api/v1/bookings/{uid}`) and that webhook subscribers receive, so a subscriber can
//! treat a delivery and a read as the same thing.
//!
//! It lives here, below `services` (which builds webhook payloads) and `web` (which serves
//! it, converting it into its documented `BookingBody`), so both share one definition of the
//! shape without either reaching into the other.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use crate::bookings::{Attendee, Booking, BookingStatus};
use crate::ids::Timestamp;

/// A booking with its hosts and attendees (see the module docs).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct BookingView {
    pub uid: Uuid,
    pub event_type_id: Uuid,
    pub host_user_id: Uuid,
    /// RFC 3339.
    pub start: String,
    /// RFC 3339.
    pub end: String,
    pub status: BookingStatus,
    pub seats_taken: i32,
    pub location: Value,
    pub cancel_reason: Option<String>,
    pub rescheduled_from: Option<Uuid>,
    pub rescheduled_to: Option<Uuid>,
    pub hosts: Vec<BookingHostView>,
    pub attendees: Vec<AttendeeView>,
    pub created_at: String,
    pub updated_at: String,
}

/// A host of a booking, and why they were chosen.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct BookingHostView {
    pub user_id: Uuid,
    pub fixed: bool,
    pub reason: String,
}

/// A person on a booking, with their answers.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AttendeeView {
    pub id: Uuid,
    pub name: String,
    pub email: String,
    pub time_zone: String,
    pub answers: BTreeMap<String, Value>,
    pub notes: String,
    pub utm: BTreeMap<String, String>,
    /// `active` or `cancelled`.
    pub status: String,
    pub cancel_reason: Option<String>,
}

/// An instant as every representation spells it (RFC 3339, UTC).
pub fn instant(ts: Timestamp) -> String {
    ts.to_jiff().to_string()
}

impl BookingView {
    /// `booking` with `attendees` (all of them, or only the reader's own entry).
    pub fn new(booking: Booking, attendees: Vec<Attendee>) -> Self {
        Self {
            uid: booking.id.0,
            event_type_id: booking.event_type_id.0,
            host_user_id: booking.host_user_id.0,
            start: instant(booking.start_at),
            end: instant(booking.end_at),
            status: booking.status,
            seats_taken: booking.seats_taken,
            location: booking.location,
            cancel_reason: booking.cancel_reason,
            rescheduled_from: booking.rescheduled_from.map(|id| id.0),
            rescheduled_to: booking.rescheduled_to.map(|id| id.0),
            hosts: booking
                .hosts
                .into_iter()
                .map(|h| BookingHostView {
                    user_id: h.user_id.0,
                    fixed: h.fixed,
                    reason: h.reason,
                })
                .collect(),
            attendees: attendees.into_iter().map(AttendeeView::from).collect(),
            created_at: instant(booking.created_at),
            updated_at: instant(booking.updated_at),
        }
    }
}

impl From<Attendee> for AttendeeView {
    fn from(a: Attendee) -> Self {
        Self {
            id: a.id.0,
            name: a.name,
            email: a.email,
            time_zone: a.time_zone,
            answers: a.answers,
            notes: a.notes,
            utm: a.utm,
            status: a.status,
            cancel_reason: a.cancel_reason,
        }
    }
}
