//! The time a calendar object blocks.
//!
//! Rules (issue 7): recurring events are expanded within the window (RRULE, RDATE, EXDATE,
//! RECURRENCE-ID overrides); `TRANSP:TRANSPARENT` and `STATUS:CANCELLED` do not block;
//! all-day events block the whole local day in the host's zone, as do floating times.

use std::collections::BTreeMap;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};

use crate::parse::Component;
use crate::rrule::Rule;
use crate::value::{When, parse_duration};

/// One period of blocked time.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct BusyTime {
    pub start: Timestamp,
    pub end: Timestamp,
    /// The event's UID (several periods share it when it recurs).
    pub uid: String,
}

/// What one calendar object blocks in a window, and what could not be read.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Expansion {
    /// By start.
    pub busy: Vec<BusyTime>,
    /// One line per event or rule that was skipped or read only in part. A recurring event
    /// whose rule cannot be expanded still blocks its first occurrence.
    pub problems: Vec<String>,
}

/// The busy periods of every `VEVENT` in `text` that overlap `[from, until)`. Dates and
/// floating times are read in `host_zone`.
pub fn busy_times(
    text: &str,
    from: Timestamp,
    until: Timestamp,
    host_zone: &TimeZone,
) -> Expansion {
    let mut events = Vec::new();
    for root in crate::parse(text) {
        if root.name == "VEVENT" {
            events.push(root.clone());
        }
        let mut found = Vec::new();
        root.find_all("VEVENT", &mut found);
        events.extend(found.into_iter().cloned());
    }
    busy_of_events(&events, from, until, host_zone)
}

/// [`busy_times`] over already parsed events.
pub fn busy_of_events(
    events: &[Component],
    from: Timestamp,
    until: Timestamp,
    host_zone: &TimeZone,
) -> Expansion {
    let mut out = Expansion::default();
    // Masters and overrides by UID; an override is keyed by the instant it replaces.
    let mut masters: BTreeMap<String, &Component> = BTreeMap::new();
    let mut overrides: BTreeMap<String, Vec<(Timestamp, &Component)>> = BTreeMap::new();
    for event in events {
        let uid = event
            .property("UID")
            .map(|p| p.value.trim().to_owned())
            .unwrap_or_default();
        match event.property("RECURRENCE-ID") {
            Some(rid) => match When::of(rid).and_then(|w| w.instant(host_zone)) {
                Ok(at) => overrides.entry(uid).or_default().push((at, event)),
                Err(e) => out.problems.push(format!("{uid}: RECURRENCE-ID: {e}")),
            },
            None => {
                masters.insert(uid, event);
            }
        }
    }
    for (uid, master) in &masters {
        let replaced: Vec<Timestamp> = overrides
            .get(uid)
            .map(|list| list.iter().map(|(at, _)| *at).collect())
            .unwrap_or_default();
        match occurrences(master, until, host_zone, &mut out.problems, uid) {
            Ok(list) if blocks(master) => {
                for (start, end) in list {
                    if !replaced.contains(&start) {
                        out.busy.push(BusyTime {
                            start,
                            end,
                            uid: uid.clone(),
                        });
                    }
                }
            }
            Ok(_) => {}
            Err(e) => out.problems.push(format!("{uid}: {e}")),
        }
    }
    // Each override stands for its instance: moved, changed or cancelled.
    for (uid, list) in &overrides {
        for (_, event) in list {
            if !blocks(event) {
                continue;
            }
            match single(event, host_zone) {
                Ok((start, end)) => out.busy.push(BusyTime {
                    start,
                    end,
                    uid: uid.clone(),
                }),
                Err(e) => out.problems.push(format!("{uid}: {e}")),
            }
        }
    }
    out.busy
        .retain(|b| b.start < until && b.end > from && b.start < b.end);
    out.busy.sort();
    out.busy.dedup();
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

/// How an event's start is anchored: a local date-time in a zone, and whether it is all-day.
struct Anchor {
    local: DateTime,
    zone: TimeZone,
    all_day: bool,
}

fn anchor(event: &Component, host_zone: &TimeZone) -> Result<Anchor, crate::Error> {
    let start = When::of(
        event
            .property("DTSTART")
            .ok_or(crate::Error::Missing("DTSTART"))?,
    )?;
    Ok(match start {
        When::Date(d) => Anchor {
            local: d.to_datetime(jiff::civil::Time::midnight()),
            zone: host_zone.clone(),
            all_day: true,
        },
        When::At(dt, zone) => Anchor {
            local: dt,
            zone,
            all_day: false,
        },
        When::Floating(dt) => Anchor {
            local: dt,
            zone: host_zone.clone(),
            all_day: false,
        },
    })
}

/// How long each occurrence lasts: whole days for all-day events, else exact time.
enum Length {
    Days(i64),
    Exact(SignedDuration),
}

fn length(
    event: &Component,
    anchor: &Anchor,
    host_zone: &TimeZone,
) -> Result<Length, crate::Error> {
    if let Some(end) = event.property("DTEND") {
        let end = When::of(end)?;
        return Ok(match (&end, anchor.all_day) {
            (When::Date(d), true) => Length::Days((*d - anchor.local.date()).get_days().into()),
            _ => {
                let start = instant(anchor.local, &anchor.zone)?;
                Length::Exact(end.instant(host_zone)?.duration_since(start))
            }
        });
    }
    if let Some(duration) = event.property("DURATION") {
        let d = parse_duration(&duration.value)?;
        return Ok(if anchor.all_day && d.exact.is_zero() {
            Length::Days(d.days)
        } else {
            // Nominal days of a timed event are taken as 24 hours.
            Length::Exact(d.exact + SignedDuration::from_hours(24 * d.days))
        });
    }
    // RFC 5545 §3.6.1: without DTEND or DURATION, a date lasts one day, a date-time no time.
    Ok(if anchor.all_day {
        Length::Days(1)
    } else {
        Length::Exact(SignedDuration::ZERO)
    })
}

fn instant(local: DateTime, zone: &TimeZone) -> Result<Timestamp, crate::Error> {
    zone.to_ambiguous_zoned(local)
        .compatible()
        .map(|z| z.timestamp())
        .map_err(|_| crate::Error::invalid("date-time", &local.to_string()))
}

fn period(
    local: DateTime,
    zone: &TimeZone,
    length: &Length,
) -> Result<(Timestamp, Timestamp), crate::Error> {
    let start = instant(local, zone)?;
    let end = match length {
        Length::Days(days) => {
            let end_local = local
                .checked_add((*days).max(1).days())
                .map_err(|_| crate::Error::invalid("duration", &days.to_string()))?;
            instant(end_local, zone)?
        }
        Length::Exact(d) => start
            .checked_add(*d)
            .map_err(|_| crate::Error::invalid("duration", &d.to_string()))?,
    };
    Ok((start, end))
}

/// The one period of a non-recurring event (or an override).
fn single(event: &Component, host_zone: &TimeZone) -> Result<(Timestamp, Timestamp), crate::Error> {
    let anchor = anchor(event, host_zone)?;
    let length = length(event, &anchor, host_zone)?;
    period(anchor.local, &anchor.zone, &length)
}

/// Every period of a master event that starts before `until`.
fn occurrences(
    event: &Component,
    until: Timestamp,
    host_zone: &TimeZone,
    problems: &mut Vec<String>,
    uid: &str,
) -> Result<Vec<(Timestamp, Timestamp)>, crate::Error> {
    let anchor = anchor(event, host_zone)?;
    let length = length(event, &anchor, host_zone)?;
    let zone = anchor.zone.clone();
    let instant_of = |dt: DateTime| instant(dt, &zone).ok();
    // The last local date that can start before `until`, with a day of slack for zones.
    let last_date: Date = until
        .to_zoned(zone.clone())
        .date()
        .checked_add(1.day())
        .unwrap_or(Date::MAX);
    let mut starts: Vec<DateTime> = match event.property("RRULE") {
        Some(rrule) => match Rule::parse(&rrule.value, &instant_of) {
            Ok(rule) => rule.expand(anchor.local, last_date, &instant_of),
            Err(e) => {
                problems.push(format!(
                    "{uid}: RRULE not expanded, first occurrence only: {e}"
                ));
                vec![anchor.local]
            }
        },
        None => vec![anchor.local],
    };
    for rdate in event.properties_named("RDATE") {
        for when in When::all_of(rdate) {
            match when {
                Ok(When::Date(d)) => starts.push(d.to_datetime(anchor.local.time())),
                Ok(When::At(dt, z)) => match instant(dt, &z) {
                    Ok(at) => starts.push(at.to_zoned(zone.clone()).datetime()),
                    Err(e) => problems.push(format!("{uid}: RDATE: {e}")),
                },
                Ok(When::Floating(dt)) => starts.push(dt),
                Err(e) => problems.push(format!("{uid}: RDATE: {e}")),
            }
        }
    }
    let mut excluded = Vec::new();
    for exdate in event.properties_named("EXDATE") {
        for when in When::all_of(exdate) {
            match when {
                // A date excludes the occurrence on that date, whatever its time.
                Ok(When::Date(d)) => {
                    excluded.push(instant(d.to_datetime(anchor.local.time()), &zone))
                }
                Ok(other) => excluded.push(other.instant(&zone)),
                Err(e) => problems.push(format!("{uid}: EXDATE: {e}")),
            }
        }
    }
    let excluded: Vec<Timestamp> = excluded.into_iter().filter_map(Result::ok).collect();
    let mut periods = Vec::with_capacity(starts.len());
    for local in starts {
        let (start, end) = period(local, &zone, &length)?;
        if start < until && !excluded.contains(&start) {
            periods.push((start, end));
        }
    }
    periods.sort();
    periods.dedup();
    Ok(periods)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    fn spans(text: &str, zone: &str) -> Vec<(String, String)> {
        let e = busy_times(
            text,
            ts("2026-11-30T00:00:00Z"),
            ts("2027-01-01T00:00:00Z"),
            &TimeZone::get(zone).unwrap(),
        );
        assert!(e.problems.is_empty(), "{:?}", e.problems);
        e.busy
            .into_iter()
            .map(|b| (b.start.to_string(), b.end.to_string()))
            .collect()
    }

    fn cal(body: &str) -> String {
        format!("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{body}END:VCALENDAR\r\n")
    }

    #[test]
    fn timed_event_in_another_zone() {
        let got = spans(
            &cal(
                "BEGIN:VEVENT\r\nUID:1\r\nDTSTART;TZID=Asia/Tokyo:20261202T100000\r\nDTEND;TZID=Asia/Tokyo:20261202T113000\r\nEND:VEVENT\r\n",
            ),
            "Europe/Berlin",
        );
        assert_eq!(
            got,
            [("2026-12-02T01:00:00Z".into(), "2026-12-02T02:30:00Z".into())]
        );
    }

    #[test]
    fn all_day_blocks_the_hosts_local_day() {
        let got = spans(
            &cal(
                "BEGIN:VEVENT\r\nUID:1\r\nDTSTART;VALUE=DATE:20261203\r\nDTEND;VALUE=DATE:20261205\r\nEND:VEVENT\r\n",
            ),
            "America/New_York",
        );
        assert_eq!(
            got,
            [("2026-12-03T05:00:00Z".into(), "2026-12-05T05:00:00Z".into())]
        );
    }

    #[test]
    fn weekly_with_exdate_and_moved_instance_and_transparent() {
        let text = cal(concat!(
            "BEGIN:VEVENT\r\nUID:w\r\nDTSTART;TZID=Europe/Berlin:20261201T090000\r\nDURATION:PT1H\r\n",
            "RRULE:FREQ=WEEKLY;COUNT=4\r\nEXDATE;TZID=Europe/Berlin:20261208T090000\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:w\r\nRECURRENCE-ID;TZID=Europe/Berlin:20261215T090000\r\n",
            "DTSTART;TZID=Europe/Berlin:20261215T140000\r\nDTEND;TZID=Europe/Berlin:20261215T150000\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:t\r\nTRANSP:TRANSPARENT\r\nDTSTART:20261201T120000Z\r\nDTEND:20261201T130000Z\r\nEND:VEVENT\r\n",
            "BEGIN:VEVENT\r\nUID:c\r\nSTATUS:CANCELLED\r\nDTSTART:20261201T120000Z\r\nDTEND:20261201T130000Z\r\nEND:VEVENT\r\n",
        ));
        let got = spans(&text, "UTC");
        assert_eq!(
            got,
            [
                ("2026-12-01T08:00:00Z".into(), "2026-12-01T09:00:00Z".into()),
                ("2026-12-15T13:00:00Z".into(), "2026-12-15T14:00:00Z".into()),
                ("2026-12-22T08:00:00Z".into(), "2026-12-22T09:00:00Z".into()),
            ]
        );
    }

    #[test]
    fn an_unexpandable_rule_still_blocks_its_first_occurrence() {
        let text = cal(
            "BEGIN:VEVENT\r\nUID:h\r\nDTSTART:20261201T090000Z\r\nDTEND:20261201T100000Z\r\nRRULE:FREQ=HOURLY\r\nEND:VEVENT\r\n",
        );
        let e = busy_times(
            &text,
            ts("2026-11-30T00:00:00Z"),
            ts("2027-01-01T00:00:00Z"),
            &TimeZone::UTC,
        );
        assert_eq!(e.busy.len(), 1);
        assert_eq!(e.problems.len(), 1);
    }
}
