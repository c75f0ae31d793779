//! Why a write is refused when nothing about the input is malformed: the time asked for cannot
//! be booked ([`Unbookable`]), or the write collides with what is already there
//! ([`Conflict`]). Each has a stable code, which the API shows as it is, and a sentence for
//! people.

use std::fmt;

/// Why a time cannot be booked. Listed in the order `services` checks them, the order an
/// invitee can act on: the first that applies is the one given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Unbookable {
    /// Closer than the event type's minimum notice.
    TooSoon,
    /// Beyond the event type's booking window.
    BeyondWindow,
    /// Every seat of the group booking at that start is taken.
    Full,
    /// Not a start the host's (or any team host's) hours offer.
    OutsideHours,
    /// Someone booked it, or other busy time covers it.
    Taken,
    /// The host's or the event type's bookings per day or week are reached.
    LimitReached,
}

impl Unbookable {
    pub const ALL: [Unbookable; 6] = [
        Self::TooSoon,
        Self::BeyondWindow,
        Self::Full,
        Self::OutsideHours,
        Self::Taken,
        Self::LimitReached,
    ];

    /// The stable code: the API's `errors[].code` at `/start`.
    pub fn code(self) -> &'static str {
        match self {
            Self::TooSoon => "too_soon",
            Self::BeyondWindow => "beyond_window",
            Self::Full => "full",
            Self::OutsideHours => "outside_hours",
            Self::Taken => "taken",
            Self::LimitReached => "limit_reached",
        }
    }

    /// For people.
    pub fn detail(self) -> &'static str {
        match self {
            Self::TooSoon => "the time is closer than the event type's minimum notice",
            Self::BeyondWindow => "the time is beyond the event type's booking window",
            Self::Full => "every seat at that time is taken",
            Self::OutsideHours => "the time is not a start the host offers",
            Self::Taken => "the time is no longer free",
            Self::LimitReached => "the host's limit of bookings for that day or week is reached",
        }
    }
}

impl fmt::Display for Unbookable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.detail())
    }
}

/// A field whose value must be unique (in its organization, or for organizations everywhere).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UniqueField {
    Slug,
    Email,
    Name,
}

impl UniqueField {
    pub const ALL: [UniqueField; 3] = [Self::Slug, Self::Email, Self::Name];

    /// The field's name in the input: the API's pointer is `/{name}`, the CLI's flag `--{name}`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Slug => "slug",
            Self::Email => "email",
            Self::Name => "name",
        }
    }
}

/// What a write collides with.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Conflict {
    /// Another row of its kind already holds this unique value.
    ValueTaken(UniqueField),
    /// A booking of the same host already holds that time (the database's overlap guard).
    /// The caller sees it as [`Unbookable::Taken`].
    SlotTaken,
    /// The idempotency key came with a different request within the day.
    IdempotencyKeyReused,
    /// Another sync of the same calendar connection is running.
    SyncRunning,
    /// The event type has bookings, which keep it for their history.
    HasBookings,
    /// The schedule is its user's default.
    DefaultSchedule,
    /// Only dead jobs can be retried.
    JobNotDead,
    /// The resource has reservations, which keep it for their history.
    HasReservations,
    /// The resource group still holds resources or groups.
    GroupNotEmpty,
    /// Reservations overlap the blackout being created with the `refuse` policy.
    ReservationsOverlap,
}

impl Conflict {
    /// The stable code the API answers with: the problem `code`, or for the refusals a
    /// service reports at a field (`HasBookings`, `DefaultSchedule`) that field's
    /// `errors[].code`.
    pub fn code(self) -> &'static str {
        match self {
            Self::ValueTaken(_) => "conflict",
            Self::SlotTaken => "slot_unavailable",
            Self::IdempotencyKeyReused => "idempotency_key_reused",
            Self::SyncRunning => "sync_running",
            Self::HasBookings => "has_bookings",
            Self::DefaultSchedule => "default_schedule",
            Self::JobNotDead => "job_not_dead",
            Self::HasReservations => "has_reservations",
            Self::GroupNotEmpty => "group_not_empty",
            Self::ReservationsOverlap => "reservations_overlap",
        }
    }

    /// For people.
    pub fn detail(self) -> String {
        let sentence = match self {
            Self::ValueTaken(field) => return format!("{} is already taken", field.name()),
            Self::SlotTaken => Unbookable::Taken.detail(),
            Self::IdempotencyKeyReused => "this Idempotency-Key was used for a different request",
            Self::SyncRunning => {
                "a sync of this connection is running; try again when it has finished"
            }
            Self::HasBookings => {
                "an event type with bookings is kept for their history; hide it instead"
            }
            Self::DefaultSchedule => {
                "the default schedule cannot be deleted; make another one the default first"
            }
            Self::JobNotDead => {
                "only dead jobs can be retried; this one is queued, running or done"
            }
            Self::HasReservations => {
                "a resource with reservations is kept for their history; hide it instead"
            }
            Self::GroupNotEmpty => {
                "the group still holds resources or groups; move or delete them first"
            }
            Self::ReservationsOverlap => {
                "reservations overlap the blackout; create it with the policy cancel or notify, \
                 or cancel them first"
            }
        };
        sentence.to_owned()
    }
}

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.detail())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn all_lists_every_reason_once() {
        // A new variant breaks this match, and then the count, until `ALL` lists it.
        let variants = |reason: Unbookable| match reason {
            Unbookable::TooSoon
            | Unbookable::BeyondWindow
            | Unbookable::Full
            | Unbookable::OutsideHours
            | Unbookable::Taken
            | Unbookable::LimitReached => 6,
        };
        let listed: HashSet<Unbookable> = Unbookable::ALL.into_iter().collect();
        assert_eq!(listed.len(), variants(Unbookable::Taken));
    }

    #[test]
    fn every_reason_has_its_own_code() {
        let codes: HashSet<&str> = Unbookable::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), Unbookable::ALL.len());
    }

    #[test]
    fn unbookable_codes_are_the_wire_strings() {
        let codes: Vec<&str> = Unbookable::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(
            codes,
            [
                "too_soon",
                "beyond_window",
                "full",
                "outside_hours",
                "taken",
                "limit_reached"
            ]
        );
    }

    #[test]
    fn every_reason_has_its_own_sentence() {
        let details: HashSet<&str> = Unbookable::ALL.iter().map(|r| r.detail()).collect();
        assert_eq!(details.len(), Unbookable::ALL.len());
    }

    #[test]
    fn a_taken_value_names_its_field_and_a_taken_slot_does_not() {
        assert_eq!(
            Conflict::ValueTaken(UniqueField::Slug).to_string(),
            "slug is already taken"
        );
        assert_eq!(
            Conflict::SlotTaken.to_string(),
            "the time is no longer free"
        );
        assert_ne!(Conflict::SlotTaken, Conflict::ValueTaken(UniqueField::Name));
    }

    #[test]
    fn unique_field_names_are_distinct() {
        let names: HashSet<&str> = UniqueField::ALL.iter().map(|f| f.name()).collect();
        assert_eq!(names.len(), UniqueField::ALL.len());
    }
}
