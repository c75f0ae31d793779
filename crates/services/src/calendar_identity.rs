//! One booking, one event in every calendar: the iCalendar identity every channel writes
//! (the iMIP e-mails, the write-back to CalDAV, Google and Microsoft, the invitee's `.ics`
//! download, the host's ICS feed, workflow messages), so a calendar that hears of a booking
//! twice updates the one event it has instead of adding a second.
//!
//! - The UID is the first booking of the chain of reschedules, `<root id>@rendezvous`: a move
//!   makes a new booking row, but calendars see the same event move.
//! - The SEQUENCE is counted with the booking, in the transaction of each change calendars
//!   must see ([`raise_for`]): 0 when it is made, the next number when it is confirmed,
//!   rejected, cancelled, moved (the new row continues its predecessor's count), or a seat of
//!   a group booking is taken. Every channel reads it from the booking, so an e-mail and a
//!   write-back about the same change carry the same SEQUENCE, whenever their jobs run.
//! - Its status: tentative until the host confirms, cancelled once it is off.
//!
//! A write-back row keeps the UID its event was first written with (`calendar_writebacks.uid`),
//! so events written before this identity existed (under the bare booking id) are still
//! updated and deleted where they are.

use domain::bookings::{Booking, BookingStatus};
use domain::ids::BookingId;
use ical::write::Status;
use serde::{Deserialize, Serialize};
use store::repo::bookings::BookingTx;

/// A booking as calendars know it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarIdentity {
    /// `<root id>@rendezvous`, the same for the booking's whole life.
    pub uid: String,
    /// The iCalendar SEQUENCE of the booking's latest change calendars have seen.
    pub sequence: u32,
}

impl CalendarIdentity {
    /// `booking`'s identity as it stands.
    pub fn of(booking: &Booking) -> Self {
        Self::stored(booking.calendar_root, booking.calendar_sequence)
    }

    /// The identity of a booking whose root and SEQUENCE were read on their own (the feed).
    pub fn stored(root: BookingId, sequence: i32) -> Self {
        Self {
            uid: format!("{root}@rendezvous"),
            // The counter starts at 0 and only grows; a negative one is not ours to send.
            sequence: u32::try_from(sequence).unwrap_or(0),
        }
    }
}

/// The calendar identity the booking that moves `old` continues: `old`'s root, at the next
/// SEQUENCE (`NewBooking::calendar_root` and `calendar_sequence`).
pub(crate) fn continued(old: &Booking) -> (Option<BookingId>, i32) {
    (
        Some(old.calendar_root),
        old.calendar_sequence.saturating_add(1),
    )
}

/// Whether a booking that becomes `next` changes what calendars show: confirmed (tentative
/// becomes busy), rejected or cancelled (the event is off). A no-show or a completed booking
/// changes nothing there.
fn calendars_see(next: BookingStatus) -> bool {
    matches!(
        next,
        BookingStatus::Confirmed | BookingStatus::Rejected | BookingStatus::Cancelled
    )
}

/// Raises `booking`'s SEQUENCE in the transaction that changed it to its current status,
/// when calendars must see that status (see the module docs); `booking` is updated to match.
pub(crate) async fn raise_for(
    tx: &mut BookingTx,
    booking: &mut Booking,
) -> Result<(), store::Error> {
    if calendars_see(booking.status) {
        raise(tx, booking).await?;
    }
    Ok(())
}

/// Raises `booking`'s SEQUENCE in the current transaction, for a change calendars must see
/// whatever the status (a seat of a group booking taken: a new attendee).
pub(crate) async fn raise(tx: &mut BookingTx, booking: &mut Booking) -> Result<(), store::Error> {
    booking.calendar_sequence = tx.raise_calendar_sequence(booking.id).await?;
    Ok(())
}

/// How a calendar shows a booking in `status`: tentative until the host confirms it,
/// cancelled once it is off (cancelled or rejected), confirmed otherwise.
pub fn status_in_calendars(status: BookingStatus) -> Status {
    match status {
        BookingStatus::Pending => Status::Tentative,
        BookingStatus::Cancelled | BookingStatus::Rejected => Status::Cancelled,
        _ => Status::Confirmed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_uid_names_the_root_and_the_sequence_never_goes_negative() {
        let root = BookingId(uuid::Uuid::from_u128(
            0x0193_a1b2_c3d4_7e5f_8a9b_0c1d_2e3f_4a5b,
        ));
        assert_eq!(
            CalendarIdentity::stored(root, 3),
            CalendarIdentity {
                uid: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b@rendezvous".to_owned(),
                sequence: 3,
            }
        );
        assert_eq!(CalendarIdentity::stored(root, -1).sequence, 0);
    }

    #[test]
    fn calendars_see_confirmations_and_endings_only() {
        for status in BookingStatus::ALL {
            let expected = matches!(
                status,
                BookingStatus::Confirmed | BookingStatus::Rejected | BookingStatus::Cancelled
            );
            assert_eq!(calendars_see(status), expected, "{status:?}");
        }
        assert_eq!(
            status_in_calendars(BookingStatus::Pending),
            Status::Tentative
        );
        assert_eq!(
            status_in_calendars(BookingStatus::Rejected),
            Status::Cancelled
        );
    }
}
