//! Quotas on resources: "no more than N hours or N bookings per day, week, month or year", as
//! `../shared/QUOTAS.md` specifies them, with no I/O.
//!
//! The product asks [`evaluate`] inside the booking transaction with the bookings it read;
//! `rendezvous quota` reaches the same function through [`run_json`]. A quota never speaks about
//! availability: it only adds up what is booked, period by period, and says which periods the
//! request would push over the limit.
//!
//! Periods are calendar periods on the wall clock of the quota's zone ([`periods`]): a day that
//! loses an hour to daylight saving time is a 23-hour day, and a booking across it adds its
//! elapsed time, not its wall-clock time.

mod input;
mod output;
pub mod periods;
mod rule;

use jiff::civil::Weekday;
use jiff::tz::TimeZone;

use crate::instant::Instant;
use crate::interval::Interval;

pub use input::parse_quota_request;
pub use rule::evaluate;

/// What a quota counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// Elapsed time inside the enforced windows.
    Hours,
    /// One per booking per period it has time in.
    Reservations,
}

/// The calendar period a limit applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Period {
    Day,
    Week,
    Month,
    Year,
}

/// Which existing bookings a quota weighs the request against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    Global,
    /// Only bookings on the resource itself.
    Resource,
    Group,
    /// Bookings on the request's schedule; a request counts once per resource it books.
    Schedule,
}

/// A resource, user group, schedule or booking id: JSON strings and integers compare by text.
pub type Id = String;

/// Whom a quota is limited to; an empty filter applies to every request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AppliesTo {
    pub resource: Option<Id>,
    pub group: Option<Id>,
    pub schedule: Option<Id>,
}

/// The wall-clock window a quota is enforced in on each enforced day, minutes after midnight;
/// `end` is 1440 for the end of the day.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EnforcedHours {
    pub start: u16,
    pub end: u16,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Quota {
    /// The limit as given, so that a refusal repeats it exactly.
    pub limit: serde_json::Number,
    pub unit: Unit,
    pub period: Period,
    pub scope: Scope,
    pub applies_to: AppliesTo,
    /// Enforced weekdays; `None` is every day.
    pub enforced_days: Option<[bool; 7]>,
    /// `None` is the whole day.
    pub enforced_hours: Option<EnforcedHours>,
    pub count_completed: bool,
}

/// A booking already made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Existing {
    pub id: Option<Id>,
    pub time: Interval,
    pub resource: Id,
}

/// One occurrence of the booking being saved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Requested {
    /// The existing booking this occurrence replaces, if it is an edit.
    pub id: Option<Id>,
    pub time: Interval,
    /// The primary resource, whose schedule is the request's.
    pub resource: Id,
    /// Every resource booked together, the primary one included.
    pub resources: Vec<Id>,
}

/// Everything one quota decision depends on.
#[derive(Clone, Debug)]
pub struct QuotaRequest {
    pub quota: Quota,
    pub first_weekday: Weekday,
    pub timezone: TimeZone,
    pub now: Instant,
    pub user_groups: Vec<Id>,
    /// Resource id → schedule id.
    pub resource_schedule: std::collections::HashMap<Id, Id>,
    pub existing: Vec<Existing>,
    pub requested: Vec<Requested>,
    pub deleting: Vec<Id>,
}

/// A period the request would take over the limit.
#[derive(Clone, Debug, PartialEq)]
pub struct OverQuota {
    pub period: Interval,
    /// Seconds for [`Unit::Hours`], bookings for [`Unit::Reservations`].
    pub total: i64,
}

/// The decision: allowed, or denied with every period over the limit, in time order.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    Allowed,
    Denied(Vec<OverQuota>),
}

/// Runs the `rendezvous quota` contract on one JSON document: the output document on success,
/// else the problems as `PATH: REASON` lines in document order.
pub fn run_json(input: &str) -> Result<String, Vec<String>> {
    let request = parse_quota_request(input)
        .map_err(|problems| problems.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let outcome = evaluate(&request);
    Ok(output::outcome_to_json(&request, &outcome))
}
