//! What a host may do with a booking, and when. The status allows a change (see
//! [`BookingStatus::may_become`]); the time decides the rest: a no-show only once the
//! booking has started, a cancellation only before. The API's transitions obey
//! [`check_timing`], and the dashboard offers the buttons [`actions_for`] lists, so neither
//! lets through what the other refuses.

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

/// Refuses a change to `next` that the time does not allow at `now`: a no-show before the
/// booking has started (`/status` `not_started`), a cancellation after (`/status`
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
        _ => Ok(()),
    }
}
