//! A VTIMEZONE (RFC 5545 §3.6.5) as a jiff zone that knows its history.
//!
//! Every observance counts: its onsets are its DTSTART, the instances of each RRULE (ended by
//! UNTIL or COUNT) and its RDATEs, each a local time in the offset before it (TZOFFSETFROM);
//! after an onset, its TZOFFSETTO holds until the next onset of any observance. This is the
//! reading of python-dateutil's `tzical`, which icalendar and recurring-ical-events use, with
//! one difference: dateutil compares UNTIL's digits with the onset's local time, so east of
//! UTC a correctly written UTC UNTIL drops an era's last onset (a differential test on random
//! zones found no other difference); we keep an onset that either reading keeps.
//!
//! The zone is written as TZif: the onsets as explicit transitions, then the rule still in
//! force (the latest STANDARD and DAYLIGHT that recur yearly on an n-th weekday without end)
//! as the POSIX TZ footer. The explicit part ends at the rule's first onset after every other
//! onset (there the footer agrees with it, which jiff checks); a zone that is that rule alone
//! since 1970 stays a bare POSIX rule, as cheap as before. Without such a rule every onset up
//! to 2100 is explicit, and the last offset holds after.

use std::cell::Cell;

use jiff::civil::{Date, DateTime, Time, Weekday};
use jiff::tz::{Offset, TimeZone};
use jiff::{SignedDuration, Timestamp};

use super::tzif::{self, LocalTime};
use crate::parse::{Component, Property};
use crate::rrule::{Frequency, Rule, Until};
use crate::value::{parse_date, parse_datetime};

/// Onsets before 1970 only say which offset holds at its start: tzdb itself vouches for
/// nothing earlier, and walking Outlook's rules from their DTSTART in 1601 would cost every
/// calendar object hundreds of rule periods.
const FLOOR_YEAR: i16 = 1970;
/// Rules no POSIX footer can carry are expanded this far; the last offset holds after.
const HORIZON_YEAR: i16 = 2100;
/// Onsets read for one VTIMEZONE at most (a hostile rule could ask for millions).
const MAX_ONSETS: usize = 10_000;
/// STANDARD and DAYLIGHT components read for one VTIMEZONE at most (tzurl.org's full
/// histories have a few hundred).
const MAX_OBSERVANCES: usize = 1_000;
/// RRULEs expanded for one VTIMEZONE at most: real ones have a handful, and a rule that
/// never yields an onset still walks every period to the horizon (at most a few ms).
const MAX_RULES: usize = 32;

/// What one VTIMEZONE may still cost.
struct Budget {
    onsets: Cell<usize>,
    rules: Cell<usize>,
}

impl Budget {
    fn new() -> Budget {
        Budget {
            onsets: Cell::new(MAX_ONSETS),
            rules: Cell::new(MAX_RULES),
        }
    }
}

/// One STANDARD or DAYLIGHT component.
struct Observance {
    /// What holds after each onset: TZOFFSETTO, and whether it is DAYLIGHT.
    after: LocalTime,
    /// TZOFFSETFROM: the offset the onsets' local times are in.
    before: Offset,
    /// DTSTART, local.
    start: DateTime,
    /// Each RRULE, with its closed form when it has one.
    rules: Vec<(Rule, Option<YearlyWeekday>)>,
    rdates: Vec<Timestamp>,
    /// Some rule recurs without end (neither UNTIL nor COUNT).
    open: bool,
    /// Its one rule, when that recurs without end and has a closed form: what a POSIX TZ
    /// string can say.
    posix: Option<YearlyWeekday>,
}

/// A change every year on the n-th (or last) weekday of a month at a local time: what a
/// POSIX TZ string says (`M10.5.0/3`), and how nearly every VTIMEZONE rule is written.
/// Computed by date arithmetic, which costs a fraction of walking the rule: a 1987-2006 US
/// rule pair in every calendar resource of a sync adds up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct YearlyWeekday {
    month: i8,
    /// 1 to 4, or 5 for the last.
    week: i8,
    weekday: Weekday,
    time: Time,
}

/// One change of local time.
#[derive(Clone, Copy, Debug)]
struct Onset {
    at: Timestamp,
    after: LocalTime,
    /// Index of its observance (document order breaks ties, as in dateutil).
    observance: usize,
    /// An instance of the current rule's RRULEs, which the POSIX footer repeats.
    by_footer: bool,
}

/// The zone a VTIMEZONE defines; `None` when it has no readable observance.
pub(super) fn zone(name: &str, vtimezone: &Component) -> Option<TimeZone> {
    let observances: Vec<Observance> = vtimezone
        .children
        .iter()
        .filter(|c| c.name == "STANDARD" || c.name == "DAYLIGHT")
        .take(MAX_OBSERVANCES)
        .filter_map(observance)
        .collect();
    let budget = Budget::new();
    if let Some((pair, footer, rule)) = current_rule(&observances) {
        let onsets = onsets(&observances, Some(pair), &budget);
        let bound = onsets.iter().filter(|o| !o.by_footer).map(|o| o.at).max();
        if bound.is_none_or(|b| b < floor()) {
            // Nothing but the rule since 1970.
            return Some(rule);
        }
        if let Some(zone) = with_history(name, &observances, &onsets, Some(&footer)) {
            return Some(zone);
        }
    }
    let onsets = onsets(&observances, None, &budget);
    with_history(name, &observances, &onsets, None).or_else(|| latest_offset(&observances))
}

fn floor() -> Timestamp {
    Offset::UTC
        .to_timestamp(
            Date::new(FLOOR_YEAR, 1, 1)
                .unwrap_or_default()
                .to_datetime(Time::midnight()),
        )
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// The latest STANDARD and DAYLIGHT (a rule still recurring wins, then the latest start),
/// when both recur without end in a form POSIX can say: their indices, their POSIX TZ
/// string and the zone it makes.
fn current_rule(observances: &[Observance]) -> Option<([usize; 2], String, TimeZone)> {
    let latest = |daylight: bool| {
        observances
            .iter()
            .enumerate()
            .filter(|(_, o)| o.after.daylight == daylight)
            .max_by_key(|(_, o)| (o.open, o.start))
            .map(|(i, _)| i)
    };
    let (std, dst) = (latest(false)?, latest(true)?);
    let (s, d) = (&observances[std], &observances[dst]);
    let posix = format!(
        "{}{}{}{},{},{}",
        s.after.designation(),
        posix_offset(s.after.offset),
        d.after.designation(),
        posix_offset(d.after.offset),
        d.posix?.posix(),
        s.posix?.posix(),
    );
    let zone = TimeZone::posix(&posix).ok()?;
    Some(([std, dst], posix, zone))
}

/// Every onset, sorted, one per instant. The rules of `current` (the footer's pair) are
/// expanded only to a year past every other onset; all else to [`HORIZON_YEAR`].
fn onsets(observances: &[Observance], current: Option<[usize; 2]>, budget: &Budget) -> Vec<Onset> {
    budget.onsets.set(MAX_ONSETS);
    let mut out = Vec::new();
    let from = civil(FLOOR_YEAR - 1, 1, 1, Time::midnight());
    let horizon = civil(HORIZON_YEAR, 12, 31, Time::MAX);
    let is_current = |i: usize| current.is_some_and(|pair| pair.contains(&i));
    for (i, o) in observances.iter().enumerate() {
        let onset = |at| Onset {
            at,
            after: o.after,
            observance: i,
            by_footer: false,
        };
        out.extend(o.before.to_timestamp(o.start).ok().map(onset));
        for &at in &o.rdates {
            if take(&budget.onsets) {
                out.push(onset(at));
            }
        }
        if !is_current(i) {
            expand(o, i, from, horizon, false, budget, &mut out);
        }
    }
    if let Some(pair) = current {
        let last = out
            .iter()
            .map(|o| o.at)
            .max()
            .and_then(|at| at.checked_add(SignedDuration::from_hours(24 * 400)).ok())
            .map_or(horizon, |at| Offset::UTC.to_datetime(at).min(horizon));
        for i in pair {
            expand(&observances[i], i, from, last, true, budget, &mut out);
        }
    }
    out.sort_by_key(|o| (o.at, o.observance));
    out.dedup_by_key(|o| o.at);
    out
}

fn take(budget: &Cell<usize>) -> bool {
    let left = budget.get();
    budget.set(left.saturating_sub(1));
    left > 0
}

/// The onsets of an observance's RRULEs from `from` to `last` (local).
fn expand(
    o: &Observance,
    index: usize,
    from: DateTime,
    last: DateTime,
    by_footer: bool,
    budget: &Budget,
    out: &mut Vec<Onset>,
) {
    let mut locals = Vec::new();
    for (rule, closed) in &o.rules {
        if !take(&budget.rules) {
            return;
        }
        // Past UNTIL (read either way, a day apart at most) nothing is left to walk.
        let until = match &rule.until {
            None => None,
            Some(Until::Date(d)) => Some(d.to_datetime(Time::MAX)),
            Some(Until::Local(u) | Until::Utc(u)) => Some(*u),
        };
        let last = until
            .and_then(|u| u.checked_add(SignedDuration::from_hours(48)).ok())
            .map_or(last, |end| end.min(last));
        let utc = |local: DateTime| o.before.to_timestamp(local).ok();
        // UNTIL is UTC by the RFC, yet producers write local times, with or without `Z`:
        // an onset counts when any reading keeps it (dateutil compares the digits as local).
        let within = |local: DateTime| {
            take(&budget.onsets)
                && match &rule.until {
                    None => true,
                    Some(Until::Date(d)) => local.date() <= *d,
                    Some(Until::Local(u) | Until::Utc(u)) => {
                        local <= *u
                            || utc(local)
                                .zip(Offset::UTC.to_timestamp(*u).ok())
                                .is_some_and(|(at, limit)| at <= limit)
                    }
                }
        };
        match closed {
            Some(yearly) => yearly.expand(rule.count, o.start, from, last, &within, &mut locals),
            None => {
                rule.expand(o.start, from, last, &within, &mut locals);
            }
        }
        out.extend(locals.drain(..).filter_map(utc).map(|at| Onset {
            at,
            after: o.after,
            observance: index,
            by_footer,
        }));
    }
}

/// The zone of `onsets` as TZif, with `footer` after the first of its own instances that
/// follows every other onset; `None` when jiff refuses it (the caller falls back).
fn with_history(
    name: &str,
    observances: &[Observance],
    onsets: &[Onset],
    footer: Option<&str>,
) -> Option<TimeZone> {
    let split = onsets.partition_point(|o| o.at < floor());
    let initial = match onsets[..split].last() {
        Some(o) => o.after,
        // Before the first onset the RFC says nothing; dateutil takes the first STANDARD.
        None => {
            observances
                .iter()
                .find(|o| !o.after.daylight)
                .or(observances.first())?
                .after
        }
    };
    let mut explicit = &onsets[split..];
    let posix = match footer {
        Some(posix) => {
            let bound = onsets.iter().filter(|o| !o.by_footer).map(|o| o.at).max()?;
            let cut = explicit.iter().position(|o| o.by_footer && o.at > bound)?;
            explicit = &explicit[..=cut];
            posix
        }
        None => {
            if explicit.iter().all(|o| o.after.offset == initial.offset) {
                return Some(TimeZone::fixed(initial.offset));
            }
            ""
        }
    };
    let transitions: Vec<(i64, LocalTime)> = explicit
        .iter()
        .map(|o| (o.at.as_second(), o.after))
        .collect();
    TimeZone::tzif(name, &tzif::write(initial, &transitions, posix)).ok()
}

/// When no zone can be made of the onsets: the offset of the latest observance (a rule still
/// recurring first), as VTIMEZONEs were read before their histories were.
fn latest_offset(observances: &[Observance]) -> Option<TimeZone> {
    let latest = |daylight: bool| {
        observances
            .iter()
            .filter(|o| o.after.daylight == daylight)
            .max_by_key(|o| (o.open, o.start))
    };
    let o = match (latest(false), latest(true)) {
        (Some(std), Some(dst)) if dst.start > std.start && dst.open => dst,
        (Some(o), _) | (None, Some(o)) => o,
        (None, None) => return None,
    };
    Some(TimeZone::fixed(o.after.offset))
}

fn civil(year: i16, month: i8, day: i8, time: Time) -> DateTime {
    Date::new(year, month, day)
        .unwrap_or_default()
        .to_datetime(time)
}

/// `+0200`, `-0500`, `+053000` as an offset.
fn offset(property: Option<&Property>) -> Option<Offset> {
    let v = property?.value.trim();
    let (sign, digits) = match v.as_bytes().first()? {
        b'-' => (-1, &v[1..]),
        b'+' => (1, &v[1..]),
        _ => (1, v),
    };
    if !(digits.len() == 4 || digits.len() == 6) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |r: std::ops::Range<usize>| digits.get(r).and_then(|s| s.parse::<i32>().ok());
    let secs = n(0..2)? * 3600 + n(2..4)? * 60 + n(4..6).unwrap_or(0);
    Offset::from_seconds(sign * secs).ok()
}

/// A DTSTART or RDATE value as a local time in `before`: RFC 5545 asks for a local
/// date-time; a UTC one or a date is read too.
fn local_time(value: &str, before: Offset) -> Option<DateTime> {
    let value = value.split('/').next()?.trim();
    if value.len() == 8 {
        return parse_date(value)
            .ok()
            .map(|d| d.to_datetime(Time::midnight()));
    }
    if let Some(utc) = value.strip_suffix(['Z', 'z']) {
        let at = Offset::UTC.to_timestamp(parse_datetime(utc).ok()?).ok()?;
        return Some(before.to_datetime(at));
    }
    parse_datetime(value).ok()
}

fn observance(c: &Component) -> Option<Observance> {
    let to = offset(c.property("TZOFFSETTO"))?;
    // TZOFFSETFROM is required; without it an onset is read in the offset it brings.
    let before = offset(c.property("TZOFFSETFROM")).unwrap_or(to);
    let start = local_time(&c.property("DTSTART")?.value, before)?;
    let rules: Vec<(Rule, Option<YearlyWeekday>)> = c
        .properties_named("RRULE")
        .filter_map(|p| Rule::parse(&p.value).ok())
        .map(|parsed| {
            let rule = fifth_is_last(parsed.rule);
            let closed = YearlyWeekday::of(&rule, start);
            (rule, closed)
        })
        .collect();
    let rdates = c
        .properties_named("RDATE")
        .flat_map(|p| p.value.split(','))
        .filter(|v| !v.trim().is_empty())
        .take(MAX_ONSETS)
        .filter_map(|v| before.to_timestamp(local_time(v, before)?).ok())
        .collect();
    let open = rules
        .iter()
        .any(|(r, _)| r.count.is_none() && r.until.is_none());
    let posix = match rules.as_slice() {
        [(_, closed)] if open => *closed,
        _ => None,
    };
    Some(Observance {
        after: LocalTime {
            offset: to,
            daylight: c.name == "DAYLIGHT",
        },
        before,
        start,
        rules,
        rdates,
        open,
        posix,
    })
}

/// Windows keeps zone rules as "week 5 of the month", meaning its last week, and some
/// producers write that as `BYDAY=5SU`; read literally it would skip the change in years
/// with four Sundays in the month, so in a month's weekday it is read as `-1SU`.
fn fifth_is_last(mut rule: Rule) -> Rule {
    let monthly_weekday = matches!(rule.frequency, Frequency::Yearly | Frequency::Monthly)
        && rule.by_month_day.is_empty()
        && rule.by_year_day.is_empty()
        && rule.by_week_no.is_empty()
        && (rule.frequency == Frequency::Monthly || !rule.by_month.is_empty());
    if monthly_weekday {
        for (n, _) in &mut rule.by_day {
            if *n == Some(5) {
                *n = Some(-1);
            }
        }
    }
    rule
}

impl YearlyWeekday {
    /// The closed form of a rule, UNTIL and COUNT aside: yearly in one month, one weekday with an ordinal (`-1SU` in October) or within seven days of the month
    /// (`SU` on days 8 to 14 is the second Sunday), at DTSTART's time of day.
    fn of(rule: &Rule, start: DateTime) -> Option<YearlyWeekday> {
        let plain = rule.frequency == Frequency::Yearly
            && rule.interval == 1
            && rule.by_year_day.is_empty()
            && rule.by_week_no.is_empty()
            && rule.by_hour.is_empty()
            && rule.by_minute.is_empty()
            && rule.by_second.is_empty()
            && rule.by_set_pos.is_empty();
        if !plain {
            return None;
        }
        // Without BYMONTH an ordinal counts in the year (`-1SU` is its last Sunday).
        let [month] = rule.by_month.as_slice() else {
            return None;
        };
        let [(n, weekday)] = rule.by_day.as_slice() else {
            return None;
        };
        let week = match (n, rule.by_month_day.as_slice()) {
            (Some(n @ 1..=4), []) => *n,
            (Some(-1), []) => 5,
            (None, days) if days.len() == 7 => {
                let first = days[0];
                let consecutive = days.windows(2).all(|w| w[1] == w[0] + 1);
                match first {
                    1 | 8 | 15 | 22 if consecutive => (first + 6) / 7,
                    -7 if consecutive => 5,
                    _ => return None,
                }
            }
            _ => return None,
        };
        Some(YearlyWeekday {
            month: *month,
            week,
            weekday: *weekday,
            time: start.time(),
        })
    }

    /// Its onset in `year`.
    fn in_year(self, year: i16) -> Option<DateTime> {
        let nth = if self.week == 5 { -1 } else { self.week };
        let day = Date::new(year, self.month, 1)
            .ok()?
            .nth_weekday_of_month(nth, self.weekday)
            .ok()?;
        Some(day.to_datetime(self.time))
    }

    /// What [`Rule::expand`] yields for the rule it is the closed form of.
    fn expand(
        self,
        count: Option<u32>,
        start: DateTime,
        from: DateTime,
        last: DateTime,
        within_until: &dyn Fn(DateTime) -> bool,
        out: &mut Vec<DateTime>,
    ) {
        // COUNT counts from DTSTART; without it the years before `from` do not matter.
        let first = match count {
            Some(_) => start.year(),
            None => start.year().max(from.year()),
        };
        let mut remaining = count;
        for year in first..=last.year() {
            let Some(at) = self.in_year(year) else {
                continue;
            };
            if at < start {
                continue;
            }
            if !within_until(at) || remaining == Some(0) || at > last {
                return;
            }
            remaining = remaining.map(|n| n - 1);
            if at >= from {
                out.push(at);
            }
        }
    }

    /// `M10.5.0/3:00:00`.
    fn posix(self) -> String {
        let t = self.time;
        format!(
            "M{}.{}.{}/{}:{:02}:{:02}",
            self.month,
            self.week,
            self.weekday.to_sunday_zero_offset(),
            t.hour(),
            t.minute(),
            t.second()
        )
    }
}

/// POSIX offsets are west of UTC: UTC+1 is `-1`.
fn posix_offset(offset: Offset) -> String {
    let west = -offset.seconds();
    let sign = if west < 0 { "-" } else { "" };
    let a = west.abs();
    format!("{sign}{}:{:02}:{:02}", a / 3600, a / 60 % 60, a % 60)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::civil::{Weekday, date};
    use proptest::prelude::*;

    fn read(text: &str) -> Option<TimeZone> {
        let roots = crate::parse(&text.replace('\n', "\r\n"));
        zone("Test", roots.first()?)
    }

    fn offset_at(zone: &TimeZone, utc: &str) -> i32 {
        zone.to_offset(utc.parse().unwrap()).seconds() / 60
    }

    const OUTLOOK_PAIR: &str = "BEGIN:VTIMEZONE
TZID:Test
BEGIN:STANDARD
DTSTART:16010101T030000
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=10
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:16010101T020000
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
RRULE:FREQ=YEARLY;INTERVAL=1;BYDAY=-1SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE";

    #[test]
    fn a_pair_alone_is_its_posix_rule() {
        let zone = read(OUTLOOK_PAIR).unwrap();
        // A bare POSIX zone has no IANA name and no TZif transitions before 1970 to show.
        let expected =
            TimeZone::posix("STD-1:00:00DST-2:00:00,M3.5.0/2:00:00,M10.5.0/3:00:00").unwrap();
        assert_eq!(zone, expected);
        assert_eq!(offset_at(&zone, "2026-03-29T00:59:59Z"), 60);
        assert_eq!(offset_at(&zone, "2026-03-29T01:00:00Z"), 120);
        assert_eq!(offset_at(&zone, "2026-10-25T00:59:59Z"), 120);
        assert_eq!(offset_at(&zone, "2026-10-25T01:00:00Z"), 60);
    }

    #[test]
    fn weekday_rules_in_other_spellings_become_posix_rules() {
        // The second Sunday of March as days 8 to 14, the last Sunday as week 5.
        let text = OUTLOOK_PAIR
            .replace(
                "BYDAY=-1SU;BYMONTH=3",
                "BYDAY=SU;BYMONTHDAY=8,9,10,11,12,13,14;BYMONTH=3",
            )
            .replace("BYDAY=-1SU;BYMONTH=10", "BYDAY=5SU;BYMONTH=10");
        let zone = read(&text).unwrap();
        let expected =
            TimeZone::posix("STD-1:00:00DST-2:00:00,M3.2.0/2:00:00,M10.5.0/3:00:00").unwrap();
        assert_eq!(zone, expected);
        // 2026 has four Sundays in October after the 4th: week 5 is still its last.
        assert_eq!(offset_at(&zone, "2026-10-25T01:00:00Z"), 60);
    }

    #[test]
    fn a_rule_posix_cannot_say_is_expanded_to_the_horizon() {
        // Yearly on a fixed date: no POSIX M-rule, so explicit transitions up to 2100.
        let text = OUTLOOK_PAIR
            .replace("BYDAY=-1SU;BYMONTH=3", "BYMONTHDAY=1;BYMONTH=4")
            .replace("BYDAY=-1SU;BYMONTH=10", "BYMONTHDAY=1;BYMONTH=10");
        let zone = read(&text).unwrap();
        assert_eq!(offset_at(&zone, "2030-03-31T12:00:00Z"), 60);
        assert_eq!(offset_at(&zone, "2030-04-02T12:00:00Z"), 120);
        assert_eq!(offset_at(&zone, "2099-06-01T12:00:00Z"), 120);
        assert_eq!(offset_at(&zone, "2099-12-01T12:00:00Z"), 60);
    }

    #[test]
    fn until_written_as_local_digits_with_z_still_ends_after_its_onset() {
        // UNTIL=20061029T020000Z is the local time of the last onset, not its instant (06:00Z).
        let text = "BEGIN:VTIMEZONE
TZID:Test
BEGIN:STANDARD
DTSTART:19701025T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10;UNTIL=20061029T020000Z
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700426T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=4;UNTIL=20060430T020000Z
END:DAYLIGHT
BEGIN:STANDARD
DTSTART:20071104T020000
TZOFFSETFROM:-0400
TZOFFSETTO:-0500
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:20070311T020000
TZOFFSETFROM:-0500
TZOFFSETTO:-0400
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3
END:DAYLIGHT
END:VTIMEZONE";
        let zone = read(text).unwrap();
        assert_eq!(offset_at(&zone, "2006-12-01T12:00:00Z"), -300);
        assert_eq!(offset_at(&zone, "2007-03-12T12:00:00Z"), -240);
    }

    #[test]
    fn what_cannot_be_read_names_nothing_and_a_lone_offset_is_fixed() {
        assert!(read("BEGIN:VTIMEZONE\nTZID:Test\nEND:VTIMEZONE").is_none());
        assert!(
            read("BEGIN:VTIMEZONE\nTZID:T\nBEGIN:STANDARD\nTZOFFSETTO:+0100\nEND:STANDARD\nEND:VTIMEZONE")
                .is_none()
        );
        let fixed = read(
            "BEGIN:VTIMEZONE\nTZID:T\nBEGIN:STANDARD\nDTSTART:19700101T000000\nTZOFFSETFROM:+0530\n\
             TZOFFSETTO:+0530\nEND:STANDARD\nEND:VTIMEZONE",
        )
        .unwrap();
        assert_eq!(
            fixed,
            TimeZone::fixed(Offset::from_seconds(19_800).unwrap())
        );
    }

    /// Inputs no producer writes, each of which must yield a zone quickly and not panic.
    #[test]
    fn hostile_zones_cost_little() {
        let observance = |kind: &str, body: &str| {
            format!(
                "BEGIN:{kind}\nDTSTART:19700101T000000\nTZOFFSETFROM:+0100\nTZOFFSETTO:+0200\n{body}\nEND:{kind}\n"
            )
        };
        let many_offsets: String = (0..400)
            .map(|i| {
                format!(
                    "BEGIN:STANDARD\nDTSTART:{}0101T000000\nTZOFFSETFROM:+0000\nTZOFFSETTO:+{:02}{:02}\nEND:STANDARD\n",
                    1971 + i % 120,
                    i / 60 % 24,
                    i % 60
                )
            })
            .collect();
        let endless_rdates = format!("RDATE:{}", vec!["20200101T000000"; 50_000].join(","));
        let empty_rules: String = (0..1_000)
            .map(|_| observance("DAYLIGHT", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"))
            .collect();
        let cases = [
            observance("STANDARD", "RRULE:FREQ=SECONDLY"),
            observance("STANDARD", "RRULE:FREQ=SECONDLY;COUNT=4000000000")
                + &observance("DAYLIGHT", "RRULE:FREQ=MINUTELY"),
            observance("DAYLIGHT", "RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"),
            observance("DAYLIGHT", "RRULE:FREQ=MONTHLY;BYMONTH=2;BYMONTHDAY=30"),
            observance("DAYLIGHT", "RRULE:FREQ=WEEKLY;BYMONTH=2;BYMONTHDAY=30"),
            observance("DAYLIGHT", "RRULE:FREQ=HOURLY;BYMONTH=2;BYMONTHDAY=30"),
            observance("DAYLIGHT", "RRULE:FREQ=SECONDLY;BYMONTH=2;BYMONTHDAY=30"),
            observance("DAYLIGHT", "RRULE:FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"),
            observance("DAYLIGHT", &endless_rdates),
            observance("STANDARD", "RRULE:FREQ=YEARLY;UNTIL=19000101T000000Z"),
            observance("STANDARD", "RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10")
                + &observance("DAYLIGHT", "RRULE:FREQ=HOURLY;BYDAY=-1SU;BYMONTH=3"),
            many_offsets,
            empty_rules,
            "BEGIN:STANDARD\nDTSTART:99991231T235959\nTZOFFSETFROM:-2359\nTZOFFSETTO:+2359\n\
             RRULE:FREQ=YEARLY\nEND:STANDARD\nBEGIN:DAYLIGHT\nDTSTART:00010101T000000\n\
             TZOFFSETFROM:+9999\nTZOFFSETTO:-0000\nRRULE:FREQ=YEARLY;BYDAY=-1SU\nEND:DAYLIGHT\n"
                .to_owned(),
        ];
        for body in cases {
            let started = std::time::Instant::now();
            let zone = read(&format!("BEGIN:VTIMEZONE\nTZID:Test\n{body}END:VTIMEZONE"));
            let zone = zone.unwrap();
            let _ = zone.to_offset("2026-06-01T00:00:00Z".parse().unwrap());
            let took = started.elapsed();
            assert!(
                took < std::time::Duration::from_secs(5),
                "{took:?} for {}",
                &body[..body.len().min(120)]
            );
        }
    }

    /// A zone of two eras: yearly `(month, nth Sunday)` changes at 02:00 from `start` to
    /// `until` (in UTC), then other offsets and rules (or one fixed offset) from the next year.
    #[derive(Clone, Debug)]
    struct Era {
        standard: i32,
        saving: i32,
        dst_on: (i8, i8),
        std_on: (i8, i8),
    }

    fn era() -> impl Strategy<Value = Era> {
        let on = (
            1_i8..=12,
            prop_oneof![Just(1_i8), Just(2), Just(3), Just(4), Just(-1)],
        );
        (
            -11_i32..=13,
            prop_oneof![Just(30), Just(60), Just(120)],
            on.clone(),
            on,
        )
            .prop_filter("two different months", |(_, _, a, b)| a.0 != b.0)
            .prop_map(|(h, saving, dst_on, std_on)| Era {
                standard: h * 60,
                saving,
                dst_on,
                std_on,
            })
    }

    fn hhmm(minutes: i32) -> String {
        let sign = if minutes < 0 { '-' } else { '+' };
        format!("{sign}{:02}{:02}", minutes.abs() / 60, minutes.abs() % 60)
    }

    fn on(year: i16, (month, nth): (i8, i8)) -> DateTime {
        date(year, month, 1)
            .nth_weekday_of_month(nth, Weekday::Sunday)
            .unwrap()
            .at(2, 0, 0, 0)
    }

    /// One observance; its DTSTART is its first onset, as RFC 5545 producers write it.
    fn component(kind: &str, from: i32, to: i32, first: i16, when: (i8, i8), end: &str) -> String {
        let start = on(first, when).strftime("%Y%m%dT%H%M%S");
        let (month, nth) = when;
        format!(
            "BEGIN:{kind}\nDTSTART:{start}\nTZOFFSETFROM:{}\nTZOFFSETTO:{}\n\
             RRULE:FREQ=YEARLY;BYMONTH={month};BYDAY={nth}SU{end}\nEND:{kind}\n",
            hhmm(from),
            hhmm(to)
        )
    }

    /// The offset at `t` by brute force: every onset of every year, the latest at or before
    /// `t` (before the first, the first STANDARD's offset, as dateutil reads it).
    fn brute_force(eras: &[(Era, i16, i16)], fixed_after: Option<(i16, i32)>, t: Timestamp) -> i32 {
        let mut onsets: Vec<(Timestamp, i32)> = Vec::new();
        for (e, first, last) in eras {
            for year in *first..=*last {
                let dst = on(year, e.dst_on);
                let std = on(year, e.std_on);
                let utc = |local: DateTime, from: i32| {
                    Offset::from_seconds(from * 60)
                        .unwrap()
                        .to_timestamp(local)
                        .unwrap()
                };
                onsets.push((utc(std, e.standard + e.saving), e.standard));
                onsets.push((utc(dst, e.standard), e.standard + e.saving));
            }
        }
        if let Some((year, offset)) = fixed_after {
            let local = date(year, 1, 1).at(2, 0, 0, 0);
            onsets.push((
                Offset::from_seconds(0)
                    .unwrap()
                    .to_timestamp(local)
                    .unwrap(),
                offset,
            ));
        }
        onsets.sort();
        onsets
            .iter()
            .rev()
            .find(|(at, _)| *at <= t)
            .map_or(eras[0].0.standard, |(_, offset)| *offset)
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// The closed form of a yearly weekday rule yields what the recurrence walk does.
        #[test]
        fn yearly_weekday_rules_expand_as_the_rule_walk_does(
            month in 1_i8..=12,
            day in prop_oneof![
                Just("1SU"), Just("2MO"), Just("3SA"), Just("4WE"), Just("-1SU"), Just("5FR"),
                Just("SU;BYMONTHDAY=8,9,10,11,12,13,14"), Just("TH;BYMONTHDAY=-7,-6,-5,-4,-3,-2,-1"),
                Just("FR;BYMONTHDAY=22,23,24,25,26,27,28"),
            ],
            start_day in 0_i64..40_000,
            hour in 0_i8..24,
            end in prop_oneof![
                Just(String::new()),
                (1_u32..200).prop_map(|n| format!(";COUNT={n}")),
                (1960_i16..2090).prop_map(|y| format!(";UNTIL={y}0615T000000Z")),
            ],
        ) {
            let text = format!("FREQ=YEARLY;BYMONTH={month};BYDAY={day}{end}");
            let rule = fifth_is_last(Rule::parse(&text).unwrap().rule);
            let start = date(1900, 1, 1)
                .checked_add(jiff::Span::new().days(start_day))
                .unwrap()
                .at(hour, 30, 0, 0);
            let closed = YearlyWeekday::of(&rule, start).unwrap();
            let from = civil(FLOOR_YEAR - 1, 1, 1, Time::midnight());
            let last = civil(HORIZON_YEAR, 12, 31, Time::MAX);
            let within = |local: DateTime| match &rule.until {
                Some(Until::Utc(u)) => local <= *u,
                _ => true,
            };
            let (mut walked, mut computed) = (Vec::new(), Vec::new());
            rule.expand(start, from, last, &within, &mut walked);
            closed.expand(rule.count, start, from, last, &within, &mut computed);
            prop_assert_eq!(computed, walked, "{}", text);
        }

        /// A zone whose rules changed (optionally to a fixed offset) reads every instant
        /// from 1970 on as the brute-force reading of its onsets does.
        #[test]
        fn history_and_rule_agree_with_brute_force(
            old in era(),
            new in era(),
            first in 1950_i16..2000,
            span in 1_i16..40,
            fixed in prop::option::of(-11_i32..=13),
            instants in prop::collection::vec(0_i64..2_900_000_000, 40),
        ) {
            let until = first + span;
            let old_end = format!(";UNTIL={until}1231T235959Z");
            let mut text = String::from("BEGIN:VTIMEZONE\nTZID:Test\n");
            text += &component("STANDARD", old.standard + old.saving, old.standard, first, old.std_on, &old_end);
            text += &component("DAYLIGHT", old.standard, old.standard + old.saving, first, old.dst_on, &old_end);
            let next = until + 1;
            let (eras, fixed_after) = match fixed {
                None => {
                    text += &component("STANDARD", new.standard + new.saving, new.standard, next, new.std_on, "");
                    text += &component("DAYLIGHT", new.standard, new.standard + new.saving, next, new.dst_on, "");
                    (vec![(old.clone(), first, until), (new.clone(), next, 2100)], None)
                }
                Some(hours) => {
                    text += &format!(
                        "BEGIN:STANDARD\nDTSTART:{next}0101T020000\nTZOFFSETFROM:+0000\nTZOFFSETTO:{}\nEND:STANDARD\n",
                        hhmm(hours * 60)
                    );
                    (vec![(old.clone(), first, until)], Some((next, hours * 60)))
                }
            };
            text += "END:VTIMEZONE";
            // DTSTART is the first onset only where the rule falls on or after it.
            let eras: Vec<(Era, i16, i16)> = eras;
            let zone = read(&text).unwrap();
            for s in instants {
                let t = Timestamp::from_second(s).unwrap();
                let expected = brute_force(&eras, fixed_after, t);
                prop_assert_eq!(zone.to_offset(t).seconds() / 60, expected, "at {} in\n{}", t, text);
            }
        }
    }
}
