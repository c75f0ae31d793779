//! The facts the engine computes slots from: one event type, its hosts and their calendars.
//!
//! These are plain data, built either from the `rendezvous slots` JSON document
//! ([`crate::input`]) or from the database by the services layer. Lengths of time are whole
//! minutes, as in ENGINE.md; instants are [`Instant`]s; zones are jiff [`TimeZone`]s.

use jiff::tz::TimeZone;

use crate::instant::Instant;
use crate::interval::Interval;

/// Who must be free for a slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Exactly one host.
    Single,
    /// Every host at once; a slot lists them all.
    Collective,
    /// Any one host; a slot lists every host who is free then.
    RoundRobin,
}

/// A wall-clock window of one day, in minutes after local midnight; `end` may be 1440 (24:00).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LocalWindow {
    pub start_minute: u16,
    pub end_minute: u16,
}

/// Working hours by weekday, Monday first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WeeklyHours {
    pub days: [Vec<LocalWindow>; 7],
}

/// Hours for one local date that replace the weekly hours; empty means a day off.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DateOverride {
    /// Days since 1970-01-01 of the host's local date.
    pub day: i64,
    pub windows: Vec<LocalWindow>,
}

/// A booking a host already has.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Booking {
    pub time: Interval,
    pub buffer_before_minutes: i64,
    pub buffer_after_minutes: i64,
    pub attendees: u64,
    /// A booking of the event type being scheduled: it counts toward limits and can be joined
    /// while it has seats left.
    pub same_event: bool,
}

#[derive(Clone, Debug)]
pub struct Host {
    pub id: String,
    pub timezone: TimeZone,
    pub weekly: WeeklyHours,
    /// Sorted by `day`, at most one per day.
    pub overrides: Vec<DateOverride>,
    pub busy: Vec<Interval>,
    pub bookings: Vec<Booking>,
}

#[derive(Clone, Debug)]
pub struct EventType {
    pub kind: Kind,
    pub duration_minutes: i64,
    pub interval_minutes: i64,
    pub buffer_before_minutes: i64,
    pub buffer_after_minutes: i64,
    pub minimum_notice_minutes: i64,
    pub booking_window_days: Option<u64>,
    pub max_per_day: Option<u64>,
    pub max_per_week: Option<u64>,
    pub seats: u64,
    /// The zone whose clock the start-time grid follows.
    pub timezone: TimeZone,
}

/// Everything one slot computation needs.
#[derive(Clone, Debug)]
pub struct SlotRequest {
    pub now: Instant,
    /// Only starts inside this range are listed.
    pub range: Interval,
    pub event: EventType,
    pub hosts: Vec<Host>,
}
