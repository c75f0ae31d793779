#![forbid(unsafe_code)]
//! The availability engine: which start times can be booked, computed exactly as
//! `shared/ENGINE.md` specifies, with no I/O.
//!
//! The entry point is [`compute_slots`] on a [`SlotRequest`]; `rendezvous slots` reaches it
//! through [`run_json`], which reads and writes the documented JSON.
//!
//! Time is handled with care: weekly hours are wall-clock times in the host's zone, turned into
//! instants per date with the compatible rule ([`zone`]); all intervals are half-open
//! ([`interval`]); start times follow a grid on the event zone's clock ([`slots`]).

pub mod input;
pub mod instant;
pub mod interval;
pub mod model;
pub mod output;
pub mod quota;
pub mod slots;
pub mod zone;

pub use instant::Instant;
pub use interval::{Interval, IntervalSet};
pub use model::{
    Booking, DateOverride, EventType, Host, Kind, LocalWindow, SlotRequest, WeeklyHours,
};
pub use slots::{Scratch, Slot, Slots, compute_slots, compute_slots_into};

/// Runs the `rendezvous slots` contract on one JSON document: the output document on success,
/// else the problems as `PATH: REASON` lines in document order.
pub fn run_json(input: &str) -> Result<String, Vec<String>> {
    let request = input::parse_request(input)
        .map_err(|problems| problems.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let slots = compute_slots(&request);
    Ok(output::slots_to_json(&request, &slots))
}
