//! What a host or an attendee may do with a booking, and when. The status allows a change
//! (see [`BookingStatus::may_become`]); the time decides the rest: a no-show only once the
//! booking has started, a cancellation or a move only before. The API obeys
//! [`check_timing`], and the dashboard and the attendee's manage page offer the buttons
//! [`actions_for`] and [`attendee_actions_for`] list, so no page offers what the API refuses.

use domain::bookings::{Booking, BookingStatus};
use domain::ids::Timestamp;

use crate::ServiceError;

/// A change a host makes to a booking from its page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostAction {
    Confirm,
    Reject,
    Reschedule,
    Cancel,
    NoShow,
}

impl HostAction {
    /// Its name in the dashboard's forms and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Confirm => "confirm",
            Self::Reject => "reject",
            Self::Reschedule => "reschedule",
            Self::Cancel => "cancel",
            Self::NoShow => "no_show",
        }
    }
}

/// Whether the booking's start has passed at `now`.
fn started(booking: &Booking, now: Timestamp) -> bool {
    booking.start_at < now
}

/// The actions a host is offered on `booking` at `now`: confirm or reject a pending one;
/// reschedule or cancel a confirmed one before its start, mark a no-show after it.
pub fn actions_for(booking: &Booking, now: Timestamp) -> Vec<HostAction> {
    match booking.status {
        BookingStatus::Pending => vec![HostAction::Confirm, HostAction::Reject],
        BookingStatus::Confirmed if started(booking, now) => vec![HostAction::NoShow],
        BookingStatus::Confirmed => vec![HostAction::Reschedule, HostAction::Cancel],
        _ => Vec::new(),
    }
}

/// A change an attendee makes to their booking from its manage page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttendeeAction {
    Reschedule,
    Cancel,
}

/// The actions an attendee whose seat is still theirs (`seat_active`) is offered on
/// `booking` at `now`, before its start only: cancel a pending or confirmed booking; move a
/// confirmed one they have to themselves (a seat in a group booking is cancelled and booked
/// again instead, and a pending request waits for the host's answer).
pub fn attendee_actions_for(
    booking: &Booking,
    seat_active: bool,
    now: Timestamp,
) -> Vec<AttendeeAction> {
    if !seat_active || started(booking, now) {
        return Vec::new();
    }
    match booking.status {
        BookingStatus::Pending => vec![AttendeeAction::Cancel],
        BookingStatus::Confirmed if booking.seats_taken <= 1 => {
            vec![AttendeeAction::Reschedule, AttendeeAction::Cancel]
        }
        BookingStatus::Confirmed => vec![AttendeeAction::Cancel],
        _ => Vec::new(),
    }
}

/// Refuses a change to `next` that the time does not allow at `now`: a no-show before the
/// booking has started (`/status` `not_started`), a cancellation or a move after (`/status`
/// `started`). Whether the status allows it is the transition's own check.
pub(crate) fn check_timing(
    booking: &Booking,
    next: BookingStatus,
    now: Timestamp,
) -> Result<(), ServiceError> {
    match next {
        BookingStatus::NoShow if !started(booking, now) => Err(ServiceError::field(
            "/status",
            "not_started",
            "the booking has not started yet; mark a no-show once it has",
        )),
        BookingStatus::Cancelled if started(booking, now) => Err(ServiceError::field(
            "/status",
            "started",
            "the booking has started and can no longer be cancelled; mark a no-show instead",
        )),
        BookingStatus::Rescheduled if started(booking, now) => Err(ServiceError::field(
            "/status",
            "started",
            "the booking has started and can no longer be moved",
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use domain::ids::{BookingId, EventTypeId, OrganizationId, UserId};
    use uuid::Uuid;

    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::from(
            text.parse::<jiff::Timestamp>()
                .unwrap_or_else(|e| panic!("{text}: {e}")),
        )
    }

    /// A booking from 10:00 to 10:30 UTC on 1 March 2027.
    fn booking(status: BookingStatus, seats_taken: i32) -> Booking {
        Booking {
            id: BookingId(Uuid::nil()),
            organization_id: OrganizationId(Uuid::nil()),
            event_type_id: EventTypeId(Uuid::nil()),
            host_user_id: UserId(Uuid::nil()),
            start_at: at("2027-03-01T10:00:00Z"),
            end_at: at("2027-03-01T10:30:00Z"),
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            status,
            seats_taken,
            location: serde_json::Value::Null,
            cancel_reason: None,
            rescheduled_from: None,
            rescheduled_to: None,
            calendar_root: BookingId(Uuid::nil()),
            calendar_sequence: 0,
            hosts: Vec::new(),
            created_at: at("2027-02-01T00:00:00Z"),
            updated_at: at("2027-02-01T00:00:00Z"),
        }
    }

    const BEFORE: &str = "2027-03-01T09:59:00Z";
    const DURING: &str = "2027-03-01T10:05:00Z";

    #[test]
    fn a_host_moves_or_cancels_before_the_start_and_marks_a_no_show_after() {
        let confirmed = booking(BookingStatus::Confirmed, 1);
        assert_eq!(
            actions_for(&confirmed, at(BEFORE)),
            [HostAction::Reschedule, HostAction::Cancel]
        );
        assert_eq!(actions_for(&confirmed, at(DURING)), [HostAction::NoShow]);
        for (next, now, allowed) in [
            (BookingStatus::Cancelled, BEFORE, true),
            (BookingStatus::Cancelled, DURING, false),
            (BookingStatus::Rescheduled, BEFORE, true),
            (BookingStatus::Rescheduled, DURING, false),
            (BookingStatus::NoShow, BEFORE, false),
            (BookingStatus::NoShow, DURING, true),
        ] {
            assert_eq!(
                check_timing(&confirmed, next, at(now)).is_ok(),
                allowed,
                "{next:?} at {now}"
            );
        }
    }

    #[test]
    fn an_attendee_is_offered_only_what_the_api_allows() {
        let now = at(BEFORE);
        assert_eq!(
            attendee_actions_for(&booking(BookingStatus::Confirmed, 1), true, now),
            [AttendeeAction::Reschedule, AttendeeAction::Cancel]
        );
        // A seat in a group booking is cancelled, not moved; a request waits for the host.
        assert_eq!(
            attendee_actions_for(&booking(BookingStatus::Confirmed, 3), true, now),
            [AttendeeAction::Cancel]
        );
        assert_eq!(
            attendee_actions_for(&booking(BookingStatus::Pending, 1), true, now),
            [AttendeeAction::Cancel]
        );
        // Nothing once it has started, for a seat given up, or for a finished booking.
        assert!(
            attendee_actions_for(&booking(BookingStatus::Confirmed, 1), true, at(DURING))
                .is_empty()
        );
        assert!(attendee_actions_for(&booking(BookingStatus::Confirmed, 1), false, now).is_empty());
        assert!(attendee_actions_for(&booking(BookingStatus::Cancelled, 0), true, now).is_empty());
        assert!(
            !BookingStatus::Pending.may_become(BookingStatus::Rescheduled),
            "the API refuses moving a request, so the page does not offer it"
        );
    }
}
