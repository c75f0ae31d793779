//! The time a calendar object blocks.
//!
//! One rule above all (issue 26): busy time is what the host's calendar app shows them, and
//! never less. Where RFC 5545 leaves a choice we read it the way python-dateutil and
//! recurring-ical-events do; where a calendar is malformed we block more and say so in
//! [`Expansion::problems`], never dropping an event silently. docs/ARCHITECTURE.md
//! ("Calendar connections") lists each reading.

use std::collections::BTreeMap;

use jiff::civil::{DateTime, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::Error;
use crate::parse::Component;
use crate::rrule::{Cut, Rule, Until};
use crate::value::{PeriodEnd, When, instant, parse_duration};
use crate::zones::Zones;

/// One period of blocked time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BusyTime {
    pub start: Timestamp,
    pub end: Timestamp,
    /// The event's UID (several periods share it when it recurs; empty when it has none).
    pub uid: std::sync::Arc<str>,
}

/// What one calendar object blocks in a window, and what could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expansion {
    /// By start, then end, then UID.
    pub busy: Vec<BusyTime>,
    /// One `UID: REASON` line per event or value that was skipped or read leniently.
    pub problems: Vec<String>,
}

/// The busy periods of every `VEVENT` in `text` that overlap `[from, until)` (an event of
/// no length counts when it starts in the window). Dates and floating times are read in
/// `host_zone`.
pub fn busy_times(
    text: &str,
    from: Timestamp,
    until: Timestamp,
    host_zone: &TimeZone,
) -> Expansion {
    let roots = crate::parse(text);
    let zones = Zones::of(&roots);
    let mut events = Vec::new();
    for root in &roots {
        if root.name == "VEVENT" {
            events.push(root);
        }
        root.find_all("VEVENT", &mut events);
    }
    busy_of_events(&events, &zones, from, until, host_zone)
}

/// [`busy_times`] over already parsed events, with the zones their calendar defines.
pub fn busy_of_events(
    events: &[&Component],
    zones: &Zones,
    from: Timestamp,
    until: Timestamp,
    host_zone: &TimeZone,
) -> Expansion {
    let mut out = Expansion::default();
    // Events by UID; an event without one (legal in RFC 2445) is a series of its own.
    let mut by_uid: BTreeMap<&str, Vec<&Component>> = BTreeMap::new();
    let mut lone = Vec::new();
    for event in events {
        match event.property("UID").map(|p| p.value.trim()) {
            Some(uid) if !uid.is_empty() => by_uid.entry(uid).or_default().push(event),
            _ => lone.push(("", vec![*event])),
        }
    }
    let reader = Reader {
        zones,
        host: host_zone,
        from,
        until,
    };
    for (uid, events) in by_uid.into_iter().chain(lone) {
        let mut series = Series {
            reader: &reader,
            uid,
            busy: Vec::new(),
            problems: &mut out.problems,
        };
        series.expand(&events);
        let mut busy = series.busy;
        busy.sort_unstable();
        busy.dedup();
        let uid: std::sync::Arc<str> = uid.into();
        out.busy
            .extend(busy.into_iter().map(|(start, end)| BusyTime {
                start,
                end,
                uid: uid.clone(),
            }));
    }
    out.busy
        .retain(|b| b.start < until && (b.end > from || (b.start == b.end && b.start >= from)));
    out.busy.sort_unstable();
    out
}

/// Whether an event blocks time at all.
fn blocks(event: &Component) -> bool {
    let is = |name: &str, value: &str| {
        event
            .property(name)
            .is_some_and(|p| p.value.trim().eq_ignore_ascii_case(value))
    };
    !is("TRANSP", "TRANSPARENT") && !is("STATUS", "CANCELLED")
}

fn sequence(event: &Component) -> i64 {
    event
        .property("SEQUENCE")
        .and_then(|p| p.value.trim().parse().ok())
        .unwrap_or(-1)
}

struct Reader<'a> {
    zones: &'a Zones,
    host: &'a TimeZone,
    from: Timestamp,
    until: Timestamp,
}

/// How long each occurrence lasts.
#[derive(Clone, Copy, Debug)]
enum Length {
    /// All-day: whole local days.
    Days(i64),
    /// DURATION: nominal days, then exact time (RFC 5545 §3.3.6).
    Duration { days: i64, time: SignedDuration },
    /// DTEND: the wall-clock and the exact distance from DTSTART, which differ when the
    /// first instance spans a DST change.
    Span {
        wall: SignedDuration,
        exact: SignedDuration,
    },
}

impl Length {
    /// An upper bound, for widening the window.
    fn bound(&self) -> SignedDuration {
        let day = SignedDuration::from_hours(25);
        match *self {
            Length::Days(d) => day * i32::try_from(d.max(1)).unwrap_or(i32::MAX / 25 / 3600),
            Length::Duration { days, time } => {
                day * i32::try_from(days).unwrap_or(0) + time.abs() + SignedDuration::from_hours(1)
            }
            Length::Span { wall, exact } => {
                wall.abs().max(exact.abs()) + SignedDuration::from_hours(1)
            }
        }
    }
}

/// An event's anchor: DTSTART as a local date-time in the zone it is read in.
#[derive(Clone, Debug)]
struct Timing {
    local: DateTime,
    zone: TimeZone,
    all_day: bool,
    /// Neither a date nor tied to a zone: read in the host's.
    floating: bool,
    length: Length,
}

impl Timing {
    /// The instants of an occurrence starting at `local`: where the wall-clock and the
    /// exact readings of its length differ, the longer.
    fn period(&self, local: DateTime, length: &Length) -> Result<(Timestamp, Timestamp), Error> {
        self.period_from(local, instant(local, &self.zone)?, length)
    }

    /// [`Timing::period`] when the start's instant is known already.
    fn period_from(
        &self,
        local: DateTime,
        start: Timestamp,
        length: &Length,
    ) -> Result<(Timestamp, Timestamp), Error> {
        let wall = |d: SignedDuration| {
            local
                .checked_add(d)
                .ok()
                .and_then(|end| instant(end, &self.zone).ok())
        };
        let exact = |d: SignedDuration| start.checked_add(d).ok();
        let candidates = match *length {
            Length::Days(days) => {
                let end = local
                    .checked_add(days.max(1).days())
                    .map_err(|_| Error::invalid("duration", &days.to_string()))?;
                [instant(end, &self.zone).ok(), None, None]
            }
            Length::Duration { days: 0, time } => [
                exact(time),
                local
                    .checked_add(time)
                    .ok()
                    .and_then(|e| instant(e, &self.zone).ok()),
                None,
            ],
            Length::Duration { days, time } => {
                let day_end = local.checked_add(days.days()).ok();
                [
                    day_end
                        .and_then(|e| instant(e, &self.zone).ok())
                        .and_then(|e| e.checked_add(time).ok()),
                    day_end
                        .and_then(|e| e.checked_add(time).ok())
                        .and_then(|e| instant(e, &self.zone).ok()),
                    None,
                ]
            }
            Length::Span { wall: w, exact: x } => [exact(x), exact(w), wall(w)],
        };
        let end = candidates
            .into_iter()
            .flatten()
            .max()
            .ok_or_else(|| Error::invalid("duration", &local.to_string()))?;
        Ok((start, end.max(start)))
    }
}

/// One override (RECURRENCE-ID), read against its master's zone.
struct Override<'e> {
    event: &'e Component,
    rid: Timestamp,
    /// The RECURRENCE-ID as written when it is a date or floating (matched by wall clock).
    rid_local: Option<DateTime>,
    this_and_future: bool,
}

struct Series<'r, 'p> {
    reader: &'r Reader<'r>,
    uid: &'r str,
    busy: Vec<(Timestamp, Timestamp)>,
    problems: &'p mut Vec<String>,
}

impl Series<'_, '_> {
    fn warn(&mut self, reason: impl std::fmt::Display) {
        let uid = if self.uid.is_empty() {
            "(no UID)"
        } else {
            self.uid
        };
        self.problems.push(format!("{uid}: {reason}"));
    }

    fn when(&mut self, event: &Component, name: &'static str) -> Option<When> {
        let property = event.property(name)?;
        match When::of(property, self.reader.zones) {
            Ok(w) => Some(w),
            Err(Error::UnknownZone(tzid)) => {
                self.warn(format!(
                    "{name}: unknown time zone {tzid:?}, read in the host's zone"
                ));
                let bare = crate::parse::Property {
                    params: property
                        .params
                        .iter()
                        .filter(|(n, _)| n != "TZID")
                        .cloned()
                        .collect(),
                    ..property.clone()
                };
                When::of(&bare, self.reader.zones).ok()
            }
            Err(e) => {
                self.warn(format!("{name}: {e}"));
                None
            }
        }
    }

    fn expand(&mut self, events: &[&Component]) {
        let (mut masters, overrides): (Vec<&Component>, Vec<&Component>) = events
            .iter()
            .partition(|e| e.property("RECURRENCE-ID").is_none());
        // A later SEQUENCE replaces an earlier copy; copies of one SEQUENCE all block.
        if let Some(top) = masters.iter().map(|m| sequence(m)).max() {
            masters.retain(|m| sequence(m) == top);
        }
        if masters.len() > 1 {
            self.warn(format!(
                "{} events share this UID and SEQUENCE; all of them block",
                masters.len()
            ));
        }
        if masters.is_empty() {
            // Overrides of a master we do not have (in another resource): each blocks as
            // what it says.
            for event in overrides {
                self.single(event);
            }
            return;
        }
        for (i, master) in masters.iter().enumerate() {
            // Overrides belong to the first master (the others are malformed copies).
            let own = if i == 0 { overrides.as_slice() } else { &[] };
            self.master(master, own);
        }
    }

    /// An event on its own (no recurrence, or an override without its master).
    fn single(&mut self, event: &Component) {
        if !blocks(event) {
            return;
        }
        if let Some(timing) = self.timing(event) {
            match timing.period(timing.local, &timing.length) {
                Ok(p) => self.busy.push(p),
                Err(e) => self.warn(e),
            }
        }
    }

    fn timing(&mut self, event: &Component) -> Option<Timing> {
        let Some(mut start) = self.when(event, "DTSTART") else {
            if event.property("DTSTART").is_none() {
                self.warn("no DTSTART, nothing to block");
            }
            return None;
        };
        let mut end = self.when(event, "DTEND");
        let host = self.reader.host;
        if let Some(e) = &end
            && let (Ok(s), Ok(t)) = (start.instant(host), e.instant(host))
            && t < s
        {
            self.warn("DTEND before DTSTART, read swapped");
            std::mem::swap(&mut start, end.as_mut()?);
        }
        let (local, zone) = {
            let (l, z) = start.local(host);
            (l, z.clone())
        };
        let all_day = matches!(start, When::Date(_));
        let floating = matches!(start, When::Floating(_));
        let length = if let Some(end) = end {
            match (&end, all_day) {
                (When::Date(d), true) => Length::Days((*d - local.date()).get_days().into()),
                _ => {
                    let (end_local, end_zone) = end.local(host);
                    let exact = match (instant(local, &zone), instant(end_local, end_zone)) {
                        (Ok(s), Ok(e)) => e.duration_since(s),
                        _ => SignedDuration::ZERO,
                    };
                    // The wall-clock length only means something in one zone.
                    let wall = if end_zone == &zone || matches!(end, When::Floating(_)) {
                        end_local.duration_since(local)
                    } else {
                        exact
                    };
                    Length::Span { wall, exact }
                }
            }
        } else if let Some(duration) = event.property("DURATION") {
            match parse_duration(&duration.value) {
                Ok(d) if d.days < 0 || d.exact.is_negative() => {
                    self.warn("negative DURATION, read as its length");
                    Length::Duration {
                        days: d.days.abs(),
                        time: d.exact.abs(),
                    }
                }
                Ok(d) if all_day && d.exact.is_zero() => Length::Days(d.days),
                Ok(d) => Length::Duration {
                    days: d.days,
                    time: d.exact,
                },
                Err(e) => {
                    self.warn(format!("DURATION: {e}"));
                    default_length(all_day)
                }
            }
        } else {
            default_length(all_day)
        };
        Some(Timing {
            local,
            zone,
            all_day,
            floating,
            length,
        })
    }

    fn overrides<'e>(&mut self, list: &[&'e Component], zone: &TimeZone) -> Vec<Override<'e>> {
        let mut found: Vec<Override<'e>> = Vec::new();
        for event in list {
            let Some(rid) = self.when(event, "RECURRENCE-ID") else {
                continue;
            };
            let rid_local = match &rid {
                When::Date(d) => Some(d.to_datetime(Time::midnight())),
                When::Floating(dt) => Some(*dt),
                When::At(..) => None,
            };
            // A date or floating RECURRENCE-ID is read in the master's zone.
            let Ok(at) = rid.instant(zone) else {
                self.warn("RECURRENCE-ID cannot be read");
                continue;
            };
            let this_and_future = event
                .property("RECURRENCE-ID")
                .and_then(|p| p.param("RANGE"))
                .is_some_and(|r| r.eq_ignore_ascii_case("THISANDFUTURE"));
            // Two copies of one override: the later SEQUENCE stands.
            if let Some(same) = found.iter_mut().find(|o| o.rid == at) {
                if sequence(event) > sequence(same.event) {
                    same.event = event;
                    same.this_and_future = this_and_future;
                }
                continue;
            }
            found.push(Override {
                event,
                rid: at,
                rid_local,
                this_and_future,
            });
        }
        found.sort_by_key(|o| o.rid);
        found
    }

    fn master(&mut self, master: &Component, overrides: &[&Component]) {
        let Some(timing) = self.timing(master) else {
            return;
        };
        let zone = timing.zone.clone();
        let overrides = self.overrides(overrides, &zone);
        // THISANDFUTURE overrides: later instances move by the same amount and take the
        // override's length and status.
        let mut futures = Vec::new();
        for o in overrides.iter().filter(|o| o.this_and_future) {
            let Some(t) = self.timing(o.event) else {
                continue;
            };
            let rid_local = o.rid.to_zoned(zone.clone()).datetime();
            let start_local = match instant(t.local, &t.zone) {
                Ok(at) if t.zone != zone => at.to_zoned(zone.clone()).datetime(),
                _ => t.local,
            };
            futures.push((
                o.rid,
                start_local.duration_since(rid_local),
                t.length,
                blocks(o.event),
            ));
        }
        let mut pad_before = timing.length.bound() + SignedDuration::from_hours(48);
        let mut pad_after = SignedDuration::from_hours(48);
        for (_, shift, length, _) in &futures {
            pad_before = pad_before.max(length.bound() + *shift + SignedDuration::from_hours(48));
            pad_after = pad_after.max(SignedDuration::from_hours(48) - *shift);
        }
        let from = self
            .reader
            .from
            .checked_sub(pad_before)
            .unwrap_or(Timestamp::MIN);
        let until = self
            .reader
            .until
            .checked_add(pad_after)
            .unwrap_or(Timestamp::MAX);
        let from_local = from.to_zoned(zone.clone()).datetime();
        let last_local = until.to_zoned(zone.clone()).datetime();

        let mut starts = self.rule_starts(master, &timing, from_local, last_local);
        if timing.all_day {
            // A rule with times of day (BYHOUR, HOURLY) on an all-day event names days.
            for start in &mut starts {
                *start = start.date().to_datetime(Time::midnight());
            }
        }
        let mut own_length: BTreeMap<DateTime, Length> = BTreeMap::new();
        for rdate in master.properties_named("RDATE") {
            for value in When::all_of(rdate, self.reader.zones) {
                let (when, end) = match value {
                    Ok(v) => v,
                    Err(e) => {
                        self.warn(format!("RDATE: {e}"));
                        continue;
                    }
                };
                let local = match &when {
                    When::Date(d) => d.to_datetime(Time::midnight()),
                    When::Floating(dt) => *dt,
                    When::At(dt, z) if *z == zone => *dt,
                    When::At(dt, z) => match instant(*dt, z) {
                        Ok(at) => at.to_zoned(zone.clone()).datetime(),
                        Err(e) => {
                            self.warn(format!("RDATE: {e}"));
                            continue;
                        }
                    },
                };
                if let Some(end) = end {
                    let length = match end {
                        PeriodEnd::Length(d) => Length::Duration {
                            days: d.days,
                            time: d.exact,
                        },
                        PeriodEnd::At(e) => {
                            let (s, e) = (when.instant(&zone), e.instant(&zone));
                            match (s, e) {
                                (Ok(s), Ok(e)) => Length::Span {
                                    wall: e.duration_since(s),
                                    exact: e.duration_since(s),
                                },
                                _ => timing.length,
                            }
                        }
                    };
                    own_length.insert(local, length);
                }
                starts.push(local);
            }
        }
        let mut ex_dates = Vec::new();
        let mut ex_instants = Vec::new();
        let mut ex_local = Vec::new();
        for exdate in master.properties_named("EXDATE") {
            for value in When::all_of(exdate, self.reader.zones) {
                match value {
                    // A date excludes the occurrence on that day, whatever its time.
                    Ok((When::Date(d), _)) => ex_dates.push(d),
                    Ok((When::Floating(dt), _)) => ex_local.push(dt),
                    Ok((w, _)) => match w.instant(&zone) {
                        Ok(at) => ex_instants.push(at),
                        Err(e) => self.warn(format!("EXDATE: {e}")),
                    },
                    Err(e) => self.warn(format!("EXDATE: {e}")),
                }
            }
        }
        let excluded = |local: DateTime, at: Timestamp| {
            ex_dates.contains(&local.date())
                || ex_instants.contains(&at)
                || ex_local.contains(&local)
        };
        starts.sort_unstable();
        starts.dedup();
        let master_blocks = blocks(master);
        for local in starts {
            let Ok(at) = instant(local, &zone) else {
                continue;
            };
            if excluded(local, at)
                || overrides
                    .iter()
                    .any(|o| o.rid == at || o.rid_local == Some(local))
            {
                continue;
            }
            let mut length = own_length.get(&local).copied().unwrap_or(timing.length);
            let mut moved = local;
            let mut blocking = master_blocks;
            if let Some((_, shift, future_length, future_blocks)) =
                futures.iter().rev().find(|(rid, ..)| *rid < at)
            {
                moved = local.checked_add(*shift).unwrap_or(local);
                if !own_length.contains_key(&local) {
                    length = *future_length;
                }
                blocking = *future_blocks;
            }
            if !blocking {
                continue;
            }
            let period = if moved == local {
                timing.period_from(moved, at, &length)
            } else {
                timing.period(moved, &length)
            };
            match period {
                Ok(p) => self.busy.push(p),
                Err(e) => self.warn(e),
            }
        }
        // Each override stands for its instance: moved, changed or cancelled.
        for o in &overrides {
            let rid_local = o.rid.to_zoned(zone.clone()).datetime();
            if excluded(o.rid_local.unwrap_or(rid_local), o.rid) {
                continue;
            }
            self.single(o.event);
        }
    }

    /// DTSTART and the starts every RRULE gives in the window (local, in the event's zone).
    fn rule_starts(
        &mut self,
        master: &Component,
        timing: &Timing,
        from_local: DateTime,
        last_local: DateTime,
    ) -> Vec<DateTime> {
        // DTSTART is always an occurrence (RFC 5545 §3.8.5.3), also under a rule whose UNTIL
        // is before it: calendar apps show that first instance, and blocking it is the
        // conservative reading of a malformed rule.
        let mut starts = vec![timing.local];
        for rrule in master.properties_named("RRULE") {
            let parsed = match Rule::parse(&rrule.value) {
                Ok(p) => p,
                Err(e) => {
                    // A rule we cannot read at all blocks from DTSTART to the window's end.
                    self.warn(format!("RRULE not read ({e}); blocking from DTSTART on"));
                    if let Ok(start) = instant(timing.local, &timing.zone) {
                        self.busy.push((start, start.max(self.reader.until)));
                    }
                    continue;
                }
            };
            for part in &parsed.lenient {
                self.warn(format!("RRULE: {part}"));
            }
            let rule = parsed.rule;
            let within = self.until_check(&rule, timing);
            if rule.until.is_some() && !within(timing.local) {
                self.warn("RRULE: UNTIL before DTSTART; DTSTART alone blocks");
            }
            if rule.expand(timing.local, from_local, last_local, &within, &mut starts)
                == Cut::Budget
            {
                self.warn("RRULE expansion stopped at its budget; later instances not read");
            }
        }
        starts
    }

    /// Whether a local start is still within the rule's UNTIL. UNTIL in a form RFC 5545 does
    /// not allow for this DTSTART is read every way it can be and the latest reading wins.
    fn until_check<'t>(
        &mut self,
        rule: &Rule,
        timing: &'t Timing,
    ) -> Box<dyn Fn(DateTime) -> bool + 't> {
        let zone = &timing.zone;
        let floating = timing.floating;
        match rule.until.clone() {
            None => Box::new(|_| true),
            Some(Until::Date(d)) => {
                if !timing.all_day {
                    self.warn("UNTIL is a date for a timed DTSTART; its whole day counts");
                }
                Box::new(move |local: DateTime| local.date() <= d)
            }
            Some(Until::Utc(u)) if timing.all_day => {
                // Exchange writes these for all-day series: the date as written counts.
                Box::new(move |local: DateTime| local.date() <= u.date())
            }
            Some(Until::Utc(u)) => {
                let limit = instant(u, &TimeZone::UTC).ok();
                Box::new(move |local: DateTime| {
                    (floating && local <= u)
                        || instant(local, zone)
                            .ok()
                            .zip(limit)
                            .is_some_and(|(a, l)| a <= l)
                })
            }
            Some(Until::Local(u)) => {
                if timing.all_day {
                    return Box::new(move |local: DateTime| local.date() <= u.date());
                }
                let utc = instant(u, &TimeZone::UTC).ok();
                Box::new(move |local: DateTime| {
                    local <= u
                        || instant(local, zone)
                            .ok()
                            .zip(utc)
                            .is_some_and(|(a, l)| a <= l)
                })
            }
        }
    }
}

fn default_length(all_day: bool) -> Length {
    // RFC 5545 §3.6.1: without DTEND or DURATION, a date lasts one day, a date-time no time.
    if all_day {
        Length::Days(1)
    } else {
        Length::Span {
            wall: SignedDuration::ZERO,
            exact: SignedDuration::ZERO,
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;
