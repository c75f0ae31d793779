#![forbid(unsafe_code)]
//! iCalendar (RFC 5545) reading and writing, and recurrence expansion. Ground floor: no I/O,
//! no database.
//!
//! - [`parse`] reads text into [`Component`]s (lenient: unknown properties are kept, bad lines
//!   are skipped, nothing panics on any input).
//! - [`busy::busy_times`] turns the events of a calendar object into the time they block in a
//!   window: recurrences expanded (RRULE, RDATE, EXDATE, RECURRENCE-ID overrides), transparent
//!   and cancelled events left out, all-day events covering the whole local day of the host.
//! - [`rrule`] expands every RFC 5545 recurrence rule within a window; [`zones`] resolves
//!   TZIDs (IANA, the calendar's VTIMEZONEs, Windows names, vendor prefixes).
//! - [`write`] renders the events we put into calendars (bookings) and feeds.

pub mod busy;
pub mod parse;
pub mod rrule;
pub mod value;
pub mod write;
pub mod zones;

pub use busy::{BusyTime, busy_times};
pub use parse::{Component, Property, parse};

/// What can be wrong with one value or rule. Parsing a whole calendar never fails; an event
/// whose dates cannot be read is skipped and reported by [`busy::busy_times`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("invalid {what}: {value:?}")]
    Invalid { what: &'static str, value: String },
    #[error("missing {0}")]
    Missing(&'static str),
    #[error("unknown time zone {0:?}")]
    UnknownZone(String),
    #[error("unsupported recurrence rule part {0}")]
    Unsupported(String),
}

impl Error {
    pub(crate) fn invalid(what: &'static str, value: &str) -> Self {
        let mut value = value.to_owned();
        value.truncate(80);
        Self::Invalid { what, value }
    }
}
