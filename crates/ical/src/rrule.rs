//! RRULE (RFC 5545 §3.3.10) parsing and expansion on civil date-times with jiff.
//!
//! The whole of §3.3.10: every FREQ (SECONDLY to YEARLY), INTERVAL, COUNT, UNTIL, BYSECOND,
//! BYMINUTE, BYHOUR, BYDAY (ordinals in monthly and yearly rules), BYMONTHDAY, BYYEARDAY,
//! BYWEEKNO, BYMONTH, BYSETPOS and WKST. The walk is the one python-dateutil does (period by
//! period: the days of the period the BY parts allow, times of day, then BYSETPOS), so we read
//! a rule the way that widely used expander does wherever RFC 5545 leaves room.
//!
//! The walk is bounded by the window asked, not by the series' age: a rule without COUNT
//! jumps straight to the period before the window, so a thirty-year-old daily series costs
//! what its occurrences in the window cost. A rule with COUNT has to be counted from DTSTART.
//!
//! Occurrences are local date-times (wall clock); the caller turns them into instants in the
//! event's zone, so a weekly 09:00 meeting stays at 09:00 across DST.
//!
//! Why our own and not the `rrule` crate: ours works on jiff (the zone and civil-time library
//! of the whole workspace), reads malformed parts leniently the way big clients do instead of
//! refusing the rule, and skips to the window, where that crate iterates from DTSTART and
//! stops at a fixed iteration limit (a decades-old series would silently stop blocking).

use jiff::ToSpan;
use jiff::civil::{Date, DateTime, Time, Weekday};

use crate::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Frequency {
    Yearly,
    Monthly,
    Weekly,
    Daily,
    Hourly,
    Minutely,
    Secondly,
}

/// The end of a rule, as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Until {
    /// `UNTIL=20261231`.
    Date(Date),
    /// `UNTIL=20261231T235959Z`.
    Utc(DateTime),
    /// `UNTIL=20261231T235959` (local to the event, or floating).
    Local(DateTime),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    pub frequency: Frequency,
    pub interval: u32,
    pub count: Option<u32>,
    pub until: Option<Until>,
    /// `(ordinal, weekday)`: `Some(-1)` is "last", `None` is "every".
    pub by_day: Vec<(Option<i8>, Weekday)>,
    pub by_month_day: Vec<i8>,
    pub by_month: Vec<i8>,
    pub by_year_day: Vec<i16>,
    pub by_week_no: Vec<i8>,
    pub by_hour: Vec<i8>,
    pub by_minute: Vec<i8>,
    pub by_second: Vec<i8>,
    pub by_set_pos: Vec<i32>,
    pub week_start: Weekday,
}

/// A rule that could be read, and what in it was read leniently.
#[derive(Clone, Debug)]
pub struct Parsed {
    pub rule: Rule,
    /// One line per part that was malformed and read leniently (so as to block more).
    pub lenient: Vec<String>,
}

/// Periods walked for one rule before giving up: a COUNT counted from a DTSTART this many
/// periods before the window (nearly four years of a MINUTELY rule, 5,000 years of a daily
/// one). Rules without COUNT start walking just before the window.
pub const MAX_PERIODS: u32 = 2_000_000;
/// At most this many occurrences are produced for one rule in one window (a year of a
/// MINUTELY rule is 525,600).
pub const MAX_OCCURRENCES: usize = 1_000_000;

/// Why a rule could not be expanded to the end of what was asked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut {
    /// The walk ended where the rule ends (COUNT, UNTIL) or past the window.
    No,
    /// The walk stopped at [`MAX_PERIODS`] or [`MAX_OCCURRENCES`].
    Budget,
}

fn parse_list<T: std::str::FromStr + PartialOrd + Copy>(
    key: &str,
    val: &str,
    ok: impl Fn(T) -> bool,
    lenient: &mut Vec<String>,
) -> Vec<T> {
    let mut out = Vec::new();
    for item in val.split(',').map(str::trim).filter(|v| !v.is_empty()) {
        match item.trim_start_matches('+').parse::<T>() {
            Ok(n) if ok(n) => out.push(n),
            _ => lenient.push(format!("{key}={item} ignored")),
        }
    }
    out
}

impl Rule {
    /// Parses an RRULE value. Malformed parts are read leniently, always towards more
    /// occurrences (an INTERVAL of 0 is 1, a negative COUNT is none, a BY value out of range
    /// is left out, a BY part left empty is dropped); only a rule without a usable FREQ, or
    /// in a calendar scale other than Gregorian (RFC 7529), is an error.
    pub fn parse(value: &str) -> Result<Parsed, Error> {
        let mut frequency = None;
        let mut lenient = Vec::new();
        let mut rule = Rule {
            frequency: Frequency::Daily,
            interval: 1,
            count: None,
            until: None,
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_month: Vec::new(),
            by_year_day: Vec::new(),
            by_week_no: Vec::new(),
            by_hour: Vec::new(),
            by_minute: Vec::new(),
            by_second: Vec::new(),
            by_set_pos: Vec::new(),
            week_start: Weekday::Monday,
        };
        for part in value.split(';').filter(|p| !p.trim().is_empty()) {
            let Some((key, val)) = part.split_once('=') else {
                lenient.push(format!("{part} ignored"));
                continue;
            };
            let key = key.trim().to_ascii_uppercase();
            let val = val.trim();
            match key.as_str() {
                "FREQ" => {
                    frequency = Some(match val.to_ascii_uppercase().as_str() {
                        "SECONDLY" => Frequency::Secondly,
                        "MINUTELY" => Frequency::Minutely,
                        "HOURLY" => Frequency::Hourly,
                        "DAILY" => Frequency::Daily,
                        "WEEKLY" => Frequency::Weekly,
                        "MONTHLY" => Frequency::Monthly,
                        "YEARLY" => Frequency::Yearly,
                        _ => return Err(Error::invalid("FREQ", val)),
                    })
                }
                "RSCALE" if !val.eq_ignore_ascii_case("GREGORIAN") => {
                    return Err(Error::Unsupported(format!("RSCALE={val}")));
                }
                "SKIP" if !val.eq_ignore_ascii_case("OMIT") => {
                    lenient.push(format!("SKIP={val} read as OMIT"));
                }
                "INTERVAL" => match val.parse::<i64>() {
                    Ok(n) if n >= 1 => rule.interval = u32::try_from(n.min(1_000_000)).unwrap_or(1),
                    _ => lenient.push(format!("INTERVAL={val} read as 1")),
                },
                "COUNT" => match val.parse::<i64>() {
                    Ok(n) if n >= 1 => rule.count = Some(u32::try_from(n).unwrap_or(u32::MAX)),
                    _ => lenient.push(format!("COUNT={val} ignored")),
                },
                "UNTIL" => match until(val) {
                    Ok(u) => rule.until = Some(u),
                    Err(_) => lenient.push(format!("UNTIL={val} ignored")),
                },
                "BYDAY" => {
                    for item in val.split(',').map(str::trim).filter(|v| !v.is_empty()) {
                        match by_day(item) {
                            Ok(d) => rule.by_day.push(d),
                            Err(_) => lenient.push(format!("BYDAY={item} ignored")),
                        }
                    }
                }
                "BYMONTHDAY" => {
                    rule.by_month_day = parse_list(
                        &key,
                        val,
                        |n: i8| n != 0 && (-31..=31).contains(&n),
                        &mut lenient,
                    )
                }
                "BYMONTH" => {
                    rule.by_month =
                        parse_list(&key, val, |n: i8| (1..=12).contains(&n), &mut lenient)
                }
                "BYYEARDAY" => {
                    rule.by_year_day = parse_list(
                        &key,
                        val,
                        |n: i16| n != 0 && (-366..=366).contains(&n),
                        &mut lenient,
                    )
                }
                "BYWEEKNO" => {
                    rule.by_week_no = parse_list(
                        &key,
                        val,
                        |n: i8| n != 0 && (-53..=53).contains(&n),
                        &mut lenient,
                    )
                }
                "BYHOUR" => {
                    rule.by_hour =
                        parse_list(&key, val, |n: i8| (0..=23).contains(&n), &mut lenient)
                }
                "BYMINUTE" => {
                    rule.by_minute =
                        parse_list(&key, val, |n: i8| (0..=59).contains(&n), &mut lenient)
                }
                "BYSECOND" => {
                    // A leap second (60) is read as the last second of its minute.
                    rule.by_second =
                        parse_list(&key, val, |n: i8| (0..=60).contains(&n), &mut lenient)
                            .into_iter()
                            .map(|n: i8| n.min(59))
                            .collect()
                }
                "BYSETPOS" => {
                    rule.by_set_pos = parse_list(
                        &key,
                        val,
                        |n: i32| n != 0 && (-366..=366).contains(&n),
                        &mut lenient,
                    )
                }
                "WKST" => match weekday(val) {
                    Ok(w) => rule.week_start = w,
                    Err(_) => lenient.push(format!("WKST={val} ignored")),
                },
                // X- parts and unknown names: ignored, as RFC 5545 asks of unknown parts.
                _ => {}
            }
        }
        rule.frequency = frequency.ok_or(Error::Missing("FREQ"))?;
        for list in [
            &mut rule.by_month_day,
            &mut rule.by_month,
            &mut rule.by_week_no,
            &mut rule.by_hour,
            &mut rule.by_minute,
            &mut rule.by_second,
        ] {
            list.sort_unstable();
            list.dedup();
        }
        Ok(Parsed { rule, lenient })
    }

    /// The local start date-times of the rule from `start` (DTSTART) in order, from the
    /// first that can fall on or after `from` up to the last on or before `last` (local
    /// date-times in the event's zone), stopping at COUNT and where `within_until` says an
    /// occurrence is past UNTIL. DTSTART itself is included only when the rule yields it
    /// (RFC 5545 adds it to the set; the caller does).
    pub fn expand(
        &self,
        start: DateTime,
        from: DateTime,
        last: DateTime,
        within_until: &dyn Fn(DateTime) -> bool,
        out: &mut Vec<DateTime>,
    ) -> Cut {
        let Some(mut walk) = Walk::new(self, start) else {
            return Cut::No;
        };
        if self.count.is_none() {
            walk.skip_to(from);
        }
        let mut remaining = self.count;
        let mut found = Vec::new();
        for _ in 0..MAX_PERIODS {
            if walk.period_first_date() > last.date() {
                return Cut::No;
            }
            found.clear();
            walk.occurrences_of_period(&mut found);
            for &at in &found {
                if !within_until(at) {
                    return Cut::No;
                }
                if at < start {
                    continue;
                }
                if let Some(n) = remaining.as_mut() {
                    if *n == 0 {
                        return Cut::No;
                    }
                    *n -= 1;
                }
                if at > last {
                    return Cut::No;
                }
                if at >= from {
                    out.push(at);
                    if out.len() >= MAX_OCCURRENCES {
                        return Cut::Budget;
                    }
                }
            }
            if !walk.advance() {
                return Cut::No;
            }
        }
        Cut::Budget
    }
}

/// Days of one year, indexed from its 1 January, seven more days into the next year (a week
/// that starts in December ends in January).
struct Year {
    year: i16,
    len: usize,
    next_len: usize,
    first: Date,
    /// Weekday of 1 January, Monday 0.
    first_weekday: usize,
    month: Vec<i8>,
    month_day: Vec<i8>,
    /// The day counted from the month's end: -1 is the last day.
    neg_month_day: Vec<i8>,
    /// Index of each month's first day, and one past December's last.
    month_range: [usize; 13],
    /// Days the BYWEEKNO part allows (None: no BYWEEKNO).
    week_no: Option<Vec<bool>>,
    /// The month the ordinal-weekday mask was made for, and the mask.
    nth_weekday: Option<(i8, Vec<bool>)>,
}

fn is_leap(year: i16) -> bool {
    (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
}

fn year_len(year: i16) -> usize {
    if is_leap(year) { 366 } else { 365 }
}

fn mon0(w: Weekday) -> usize {
    usize::try_from(w.to_monday_zero_offset()).unwrap_or(0)
}

impl Year {
    fn new(year: i16, rule: &Rule) -> Option<Year> {
        let first = Date::new(year, 1, 1).ok()?;
        let len = year_len(year);
        let next_len = year_len(year.checked_add(1)?);
        let mut month = Vec::with_capacity(len + 7);
        let mut month_day = Vec::with_capacity(len + 7);
        let mut neg_month_day = Vec::with_capacity(len + 7);
        let mut month_range = [0; 13];
        let mut day = first;
        for i in 0..len + 7 {
            if i < len && day.day() == 1 {
                month_range[usize::try_from(day.month() - 1).unwrap_or(0)] = i;
            }
            month.push(day.month());
            month_day.push(day.day());
            neg_month_day.push(day.day() - day.days_in_month() - 1);
            day = day.tomorrow().ok()?;
        }
        month_range[12] = len;
        let mut info = Year {
            year,
            len,
            next_len,
            first,
            first_weekday: mon0(first.weekday()),
            month,
            month_day,
            neg_month_day,
            month_range,
            week_no: None,
            nth_weekday: None,
        };
        if !rule.by_week_no.is_empty() {
            info.week_no = Some(info.week_no_mask(rule));
        }
        Some(info)
    }

    fn weekday(&self, i: usize) -> usize {
        (self.first_weekday + i) % 7
    }

    /// dateutil's week-number mask (ISO 8601 weeks starting on WKST).
    fn week_no_mask(&self, rule: &Rule) -> Vec<bool> {
        let wkst = mon0(rule.week_start);
        let len = self.len;
        let mut mask = vec![false; len + 7];
        let first_wkst = (7 - self.first_weekday + wkst) % 7;
        let mut no1wkst = first_wkst;
        let week_year_len = if no1wkst >= 4 {
            no1wkst = 0;
            len + (self.first_weekday + 7 - wkst) % 7
        } else {
            len - no1wkst
        };
        let weeks = week_year_len / 7 + (week_year_len % 7) / 4;
        let mark_week = |mut i: usize, mask: &mut Vec<bool>| {
            for _ in 0..7 {
                if i >= mask.len() {
                    break;
                }
                mask[i] = true;
                i += 1;
                if self.weekday(i) == wkst {
                    break;
                }
            }
        };
        for &n in &rule.by_week_no {
            let mut n = i64::from(n);
            let weeks = i64::try_from(weeks).unwrap_or(52);
            if n < 0 {
                n += weeks + 1;
            }
            if !(0 < n && n <= weeks) {
                continue;
            }
            let i = if n > 1 {
                let mut i = no1wkst + usize::try_from(n - 1).unwrap_or(0) * 7;
                if no1wkst != first_wkst {
                    i = i.saturating_sub(7 - first_wkst);
                }
                i
            } else {
                no1wkst
            };
            mark_week(i, &mut mask);
        }
        if rule.by_week_no.contains(&1) {
            // Week 1 of next year may start in this one.
            let mut i = no1wkst + weeks * 7;
            if no1wkst != first_wkst {
                i = i.saturating_sub(7 - first_wkst);
            }
            if i < len {
                mark_week(i, &mut mask);
            }
        }
        if no1wkst > 0 {
            // The first days may belong to the last week of last year.
            let last_weeks = if rule.by_week_no.contains(&-1) {
                -1
            } else {
                let last_year = self.year - 1;
                let last_first =
                    mon0(Date::new(last_year, 1, 1).map_or(Weekday::Monday, |d| d.weekday()));
                let last_len = year_len(last_year);
                let l_no1wkst = (7 - last_first + wkst) % 7;
                let extra = if l_no1wkst >= 4 {
                    (last_len + (last_first + 7 - wkst) % 7) % 7 / 4
                } else {
                    (len - no1wkst) % 7 / 4
                };
                52 + i8::try_from(extra).unwrap_or(0)
            };
            if rule.by_week_no.contains(&last_weeks) {
                for slot in mask.iter_mut().take(no1wkst) {
                    *slot = true;
                }
            }
        }
        mask
    }

    /// dateutil's mask of the days an ordinal BYDAY (`2MO`, `-1FR`) names: within each
    /// month for MONTHLY (and YEARLY with BYMONTH), within the year for YEARLY.
    fn nth_weekday_mask(&self, rule: &Rule, month: i8) -> Vec<bool> {
        let mut ranges = Vec::new();
        let range_of = |m: i8| {
            let m = usize::try_from(m - 1).unwrap_or(0);
            (self.month_range[m], self.month_range[m + 1])
        };
        match rule.frequency {
            Frequency::Yearly if rule.by_month.is_empty() => ranges.push((0, self.len)),
            Frequency::Yearly => ranges.extend(rule.by_month.iter().map(|m| range_of(*m))),
            Frequency::Monthly => ranges.push(range_of(month)),
            _ => {}
        }
        let mut mask = vec![false; self.len];
        for (first, end) in ranges {
            let last = end - 1;
            for &(n, w) in &rule.by_day {
                let Some(n) = n else { continue };
                let w = mon0(w);
                let n = i64::from(n);
                let at = if n < 0 {
                    let i = i64::try_from(last).unwrap_or(0) + (n + 1) * 7;
                    let Ok(i) = usize::try_from(i) else { continue };
                    i.checked_sub((self.weekday(i) + 7 - w) % 7)
                } else {
                    let i = first + usize::try_from(n - 1).unwrap_or(0) * 7;
                    Some(i + (7 - self.weekday(i) + w) % 7)
                };
                if let Some(i) = at
                    && first <= i
                    && i <= last
                {
                    mask[i] = true;
                }
            }
        }
        mask
    }
}

/// Where the walk through a rule's periods is: dateutil's iteration state.
struct Walk<'r> {
    rule: &'r Rule,
    interval: i64,
    year: i16,
    month: i8,
    day: i8,
    hour: i8,
    minute: i8,
    second: i8,
    info: Year,
    /// Plain weekdays (BYDAY without ordinal, or any BYDAY below MONTHLY), Monday 0.
    weekdays: Vec<usize>,
    has_nth: bool,
    month_days: Vec<i8>,
    neg_month_days: Vec<i8>,
    by_month: Vec<i8>,
    by_hour: Vec<i8>,
    by_minute: Vec<i8>,
    by_second: Vec<i8>,
    /// Times of day for rules of a day or longer (`None` below daily: built per period).
    times: Vec<Time>,
    /// The days of the current period the BY parts allow (kept to reuse its allocation).
    days: Vec<usize>,
    filtered: bool,
}

impl<'r> Walk<'r> {
    fn new(rule: &'r Rule, start: DateTime) -> Option<Walk<'r>> {
        let freq = rule.frequency;
        let mut by_month = rule.by_month.clone();
        let mut month_days: Vec<i8> = rule
            .by_month_day
            .iter()
            .copied()
            .filter(|d| *d > 0)
            .collect();
        let neg_month_days: Vec<i8> = rule
            .by_month_day
            .iter()
            .copied()
            .filter(|d| *d < 0)
            .collect();
        let mut weekdays = Vec::new();
        let mut has_nth = false;
        for &(n, w) in &rule.by_day {
            if n.is_none() || freq > Frequency::Monthly {
                weekdays.push(mon0(w));
            } else {
                has_nth = true;
            }
        }
        // The defaults RFC 5545 takes from DTSTART.
        if rule.by_week_no.is_empty()
            && rule.by_year_day.is_empty()
            && rule.by_month_day.is_empty()
            && rule.by_day.is_empty()
        {
            match freq {
                Frequency::Yearly => {
                    if by_month.is_empty() {
                        by_month.push(start.month());
                    }
                    month_days.push(start.day());
                }
                Frequency::Monthly => month_days.push(start.day()),
                Frequency::Weekly => weekdays.push(mon0(start.weekday())),
                _ => {}
            }
        }
        let by_hour = if rule.by_hour.is_empty() && freq < Frequency::Hourly {
            vec![start.hour()]
        } else {
            reachable(
                &rule.by_hour,
                freq == Frequency::Hourly,
                start.hour(),
                rule.interval,
                24,
            )?
        };
        let by_minute = if rule.by_minute.is_empty() && freq < Frequency::Minutely {
            vec![start.minute()]
        } else {
            reachable(
                &rule.by_minute,
                freq == Frequency::Minutely,
                start.minute(),
                rule.interval,
                60,
            )?
        };
        let by_second = if rule.by_second.is_empty() && freq < Frequency::Secondly {
            vec![start.second()]
        } else {
            reachable(
                &rule.by_second,
                freq == Frequency::Secondly,
                start.second(),
                rule.interval,
                60,
            )?
        };
        let mut walk = Walk {
            rule,
            interval: i64::from(rule.interval),
            year: start.year(),
            month: start.month(),
            day: start.day(),
            hour: start.hour(),
            minute: start.minute(),
            second: start.second(),
            info: Year::new(start.year(), rule)?,
            weekdays,
            has_nth,
            month_days,
            neg_month_days,
            by_month,
            by_hour,
            by_minute,
            by_second,
            times: Vec::new(),
            days: Vec::new(),
            filtered: false,
        };
        walk.reset_times();
        Some(walk)
    }

    fn reset_times(&mut self) {
        let freq = self.rule.frequency;
        let blocked = (freq >= Frequency::Hourly
            && !self.by_hour.is_empty()
            && !self.by_hour.contains(&self.hour))
            || (freq >= Frequency::Minutely
                && !self.by_minute.is_empty()
                && !self.by_minute.contains(&self.minute))
            || (freq >= Frequency::Secondly
                && !self.by_second.is_empty()
                && !self.by_second.contains(&self.second));
        self.times.clear();
        if blocked {
            return;
        }
        self.fill_times();
    }

    fn fill_times(&mut self) {
        self.times.clear();
        let (hours, minutes, seconds): (&[i8], &[i8], &[i8]) = match self.rule.frequency {
            Frequency::Hourly => (
                std::slice::from_ref(&self.hour),
                &self.by_minute,
                &self.by_second,
            ),
            Frequency::Minutely => (
                std::slice::from_ref(&self.hour),
                std::slice::from_ref(&self.minute),
                &self.by_second,
            ),
            Frequency::Secondly => (
                std::slice::from_ref(&self.hour),
                std::slice::from_ref(&self.minute),
                std::slice::from_ref(&self.second),
            ),
            _ => (&self.by_hour, &self.by_minute, &self.by_second),
        };
        for &h in hours {
            for &m in minutes {
                for &s in seconds {
                    if let Ok(t) = Time::new(h, m, s, 0) {
                        self.times.push(t);
                    }
                }
            }
        }
        self.times.sort_unstable();
        self.times.dedup();
    }

    fn rebuild(&mut self) -> bool {
        if self.info.year != self.year {
            match Year::new(self.year, self.rule) {
                Some(info) => self.info = info,
                None => return false,
            }
        }
        true
    }

    /// The first date of the current period.
    fn period_first_date(&self) -> Date {
        match self.rule.frequency {
            Frequency::Yearly => Date::new(self.year, 1, 1).unwrap_or(Date::MAX),
            Frequency::Monthly => Date::new(self.year, self.month, 1).unwrap_or(Date::MAX),
            _ => Date::new(self.year, self.month, self.day).unwrap_or(Date::MAX),
        }
    }

    fn day_index(&self) -> usize {
        let d = Date::new(self.year, self.month, self.day).unwrap_or(self.info.first);
        usize::try_from((d - self.info.first).get_days()).unwrap_or(0)
    }

    /// The range of day indexes of the current period.
    fn period_days(&self) -> (usize, usize) {
        match self.rule.frequency {
            Frequency::Yearly => (0, self.info.len),
            Frequency::Monthly => {
                let m = usize::try_from(self.month - 1).unwrap_or(0);
                (self.info.month_range[m], self.info.month_range[m + 1])
            }
            Frequency::Weekly => {
                let start = self.day_index();
                let wkst = mon0(self.rule.week_start);
                let mut end = start;
                for _ in 0..7 {
                    end += 1;
                    if self.info.weekday(end) == wkst {
                        break;
                    }
                }
                (start, end)
            }
            _ => {
                let i = self.day_index();
                (i, i + 1)
            }
        }
    }

    fn day_allowed(&self, i: usize) -> bool {
        let info = &self.info;
        let rule = self.rule;
        if !self.by_month.is_empty() && !self.by_month.contains(&info.month[i]) {
            return false;
        }
        if let Some(mask) = &info.week_no
            && !mask.get(i).copied().unwrap_or(false)
        {
            return false;
        }
        // BYDAY=SA,2WE is every Saturday and the second Wednesday (RFC 5545; dateutil
        // would want both at once and yield nothing).
        let plain = !self.weekdays.is_empty();
        let nth = info.nth_weekday.as_ref().map(|(_, mask)| mask);
        if plain || nth.is_some() {
            let by_plain = plain && self.weekdays.contains(&info.weekday(i));
            let by_nth = nth.is_some_and(|mask| mask.get(i).copied().unwrap_or(false));
            if !by_plain && !by_nth {
                return false;
            }
        }
        if (!self.month_days.is_empty() || !self.neg_month_days.is_empty())
            && !self.month_days.contains(&info.month_day[i])
            && !self.neg_month_days.contains(&info.neg_month_day[i])
        {
            return false;
        }
        if !rule.by_year_day.is_empty() {
            let len = i64::try_from(info.len).unwrap_or(365);
            let next_len = i64::try_from(info.next_len).unwrap_or(365);
            let i = i64::try_from(i).unwrap_or(0);
            let has = |n: i64| i16::try_from(n).is_ok_and(|n| rule.by_year_day.contains(&n));
            let ok = if i < len {
                has(i + 1) || has(i - len)
            } else {
                has(i + 1 - len) || has(i - len - next_len)
            };
            if !ok {
                return false;
            }
        }
        true
    }

    fn occurrences_of_period(&mut self, out: &mut Vec<DateTime>) {
        if self.has_nth
            && self
                .info
                .nth_weekday
                .as_ref()
                .is_none_or(|(m, _)| *m != self.month)
        {
            let mask = self.info.nth_weekday_mask(self.rule, self.month);
            self.info.nth_weekday = Some((self.month, mask));
        }
        let (start, end) = self.period_days();
        let mut days = std::mem::take(&mut self.days);
        days.clear();
        days.extend((start..end).filter(|&i| self.day_allowed(i)));
        self.filtered = days.len() < end - start;
        let date_of = |i: usize| {
            self.info
                .first
                .checked_add(i64::try_from(i).unwrap_or(0).days())
                .ok()
        };
        if !self.rule.by_set_pos.is_empty() && !self.times.is_empty() {
            let n_times = i64::try_from(self.times.len()).unwrap_or(1);
            let n_days = i64::try_from(days.len()).unwrap_or(0);
            let mut chosen = Vec::new();
            for &pos in &self.rule.by_set_pos {
                let pos = i64::from(pos);
                let flat = if pos < 0 {
                    n_days * n_times + pos
                } else {
                    pos - 1
                };
                if flat < 0 || flat >= n_days * n_times {
                    continue;
                }
                let (day, time) = (flat / n_times, flat % n_times);
                let (Ok(day), Ok(time)) = (usize::try_from(day), usize::try_from(time)) else {
                    continue;
                };
                if let Some(date) = date_of(days[day]) {
                    chosen.push(date.to_datetime(self.times[time]));
                }
            }
            chosen.sort_unstable();
            chosen.dedup();
            out.extend(chosen);
        } else {
            for &i in &days {
                if let Some(date) = date_of(i) {
                    out.extend(self.times.iter().map(|t| date.to_datetime(*t)));
                }
            }
        }
        self.days = days;
    }

    /// Moves to the next period; false when past the calendar's range.
    fn advance(&mut self) -> bool {
        let interval = self.interval;
        match self.rule.frequency {
            Frequency::Yearly => {
                let Some(y) = i64::from(self.year)
                    .checked_add(interval)
                    .and_then(|y| i16::try_from(y).ok())
                else {
                    return false;
                };
                self.year = y;
            }
            Frequency::Monthly => {
                let months = i64::from(self.year) * 12 + i64::from(self.month - 1) + interval;
                let (Ok(y), Ok(m)) = (
                    i16::try_from(months.div_euclid(12)),
                    i8::try_from(months.rem_euclid(12) + 1),
                ) else {
                    return false;
                };
                self.year = y;
                self.month = m;
            }
            Frequency::Weekly => {
                let wkst = i64::try_from(mon0(self.rule.week_start)).unwrap_or(0);
                let weekday = i64::try_from(self.info.weekday(self.day_index())).unwrap_or(0);
                let back = (weekday - wkst).rem_euclid(7);
                return self.add_days(interval * 7 - back) && self.rebuild();
            }
            Frequency::Daily => return self.add_days(interval) && self.rebuild(),
            Frequency::Hourly => {
                if self.filtered {
                    self.hour += i8::try_from(((23 - i64::from(self.hour)) / interval) * interval)
                        .unwrap_or(0);
                }
                let (days, hour) = if self.by_hour.is_empty() {
                    let h = i64::from(self.hour) + interval;
                    (h / 24, h % 24)
                } else {
                    match mod_distance(i64::from(self.hour), &self.by_hour, 24, interval) {
                        Some(v) => v,
                        None => return false,
                    }
                };
                self.hour = i8::try_from(hour).unwrap_or(0);
                if days > 0 && !self.add_days(days) {
                    return false;
                }
                self.fill_times();
            }
            Frequency::Minutely => {
                if self.filtered {
                    let now = i64::from(self.hour) * 60 + i64::from(self.minute);
                    let m = i64::from(self.minute) + ((1439 - now) / interval) * interval;
                    let (carry, m) = (m.div_euclid(60), m.rem_euclid(60));
                    self.minute = i8::try_from(m).unwrap_or(0);
                    let h = i64::from(self.hour) + carry;
                    let (days, h) = (h.div_euclid(24), h.rem_euclid(24));
                    self.hour = i8::try_from(h).unwrap_or(0);
                    if days > 0 && !self.add_days(days) {
                        return false;
                    }
                }
                let rep = 24 * 60 / gcd(interval, 24 * 60);
                let mut valid = false;
                for _ in 0..rep {
                    let (hours, minute) = if self.by_minute.is_empty() {
                        let m = i64::from(self.minute) + interval;
                        (m / 60, m % 60)
                    } else {
                        match mod_distance(i64::from(self.minute), &self.by_minute, 60, interval) {
                            Some(v) => v,
                            None => return false,
                        }
                    };
                    self.minute = i8::try_from(minute).unwrap_or(0);
                    let h = i64::from(self.hour) + hours;
                    self.hour = i8::try_from(h % 24).unwrap_or(0);
                    if h / 24 > 0 && !self.add_days(h / 24) {
                        return false;
                    }
                    if self.by_hour.is_empty() || self.by_hour.contains(&self.hour) {
                        valid = true;
                        break;
                    }
                }
                if !valid {
                    return false;
                }
                self.fill_times();
            }
            Frequency::Secondly => {
                if self.filtered {
                    let now = i64::from(self.hour) * 3600
                        + i64::from(self.minute) * 60
                        + i64::from(self.second);
                    let total = now + ((86_399 - now) / interval) * interval;
                    self.hour = i8::try_from(total / 3600).unwrap_or(0);
                    self.minute = i8::try_from(total / 60 % 60).unwrap_or(0);
                    self.second = i8::try_from(total % 60).unwrap_or(0);
                }
                let rep = 86_400 / gcd(interval, 86_400);
                let mut valid = false;
                for _ in 0..rep {
                    let (minutes, second) = if self.by_second.is_empty() {
                        let s = i64::from(self.second) + interval;
                        (s / 60, s % 60)
                    } else {
                        match mod_distance(i64::from(self.second), &self.by_second, 60, interval) {
                            Some(v) => v,
                            None => return false,
                        }
                    };
                    self.second = i8::try_from(second).unwrap_or(0);
                    let m = i64::from(self.minute) + minutes;
                    self.minute = i8::try_from(m % 60).unwrap_or(0);
                    let h = i64::from(self.hour) + m / 60;
                    self.hour = i8::try_from(h % 24).unwrap_or(0);
                    if h / 24 > 0 && !self.add_days(h / 24) {
                        return false;
                    }
                    if (self.by_hour.is_empty() || self.by_hour.contains(&self.hour))
                        && (self.by_minute.is_empty() || self.by_minute.contains(&self.minute))
                        && (self.by_second.is_empty() || self.by_second.contains(&self.second))
                    {
                        valid = true;
                        break;
                    }
                }
                if !valid {
                    return false;
                }
                self.fill_times();
            }
        }
        self.rebuild()
    }

    /// Adds days to the current date (the time of day is kept).
    fn add_days(&mut self, days: i64) -> bool {
        let Ok(d) = Date::new(self.year, self.month, self.day) else {
            return false;
        };
        match d.checked_add(days.days()) {
            Ok(d) => {
                self.year = d.year();
                self.month = d.month();
                self.day = d.day();
                true
            }
            Err(_) => false,
        }
    }

    /// Jumps whole intervals forward to the last period that starts before `from` (only for
    /// rules without COUNT: nothing before the window is needed then). Periods stay aligned
    /// on DTSTART's, so the jump yields what walking there would.
    fn skip_to(&mut self, from: DateTime) {
        let here = self.period_first_date().to_datetime(Time::midnight());
        // A period starting two periods' length before `from` can still reach into it.
        if from <= here {
            return;
        }
        let interval = self.interval;
        match self.rule.frequency {
            Frequency::Yearly => {
                let periods = (i64::from(from.year()) - i64::from(self.year) - 1).max(0) / interval;
                if periods > 0 {
                    self.year = i16::try_from(i64::from(self.year) + periods * interval)
                        .unwrap_or(self.year);
                }
            }
            Frequency::Monthly => {
                let now = i64::from(self.year) * 12 + i64::from(self.month - 1);
                let target = i64::from(from.year()) * 12 + i64::from(from.month() - 1) - 1;
                let periods = (target - now).max(0) / interval;
                if periods > 0 {
                    let m = now + periods * interval;
                    self.year = i16::try_from(m.div_euclid(12)).unwrap_or(self.year);
                    self.month = i8::try_from(m.rem_euclid(12) + 1).unwrap_or(self.month);
                }
            }
            Frequency::Weekly => {
                // After the first period, periods start on WKST; walk one step normally first.
                let days = i64::from((from.date() - self.period_first_date()).get_days());
                if days > 14 * interval {
                    let periods = (days - 7 * interval) / (7 * interval);
                    if periods > 1 && self.advance() {
                        let _ = self.add_days((periods - 1) * 7 * interval);
                    }
                }
            }
            Frequency::Daily => {
                let days = i64::from((from.date() - self.period_first_date()).get_days()) - 1;
                let periods = days.max(0) / interval;
                if periods > 0 {
                    let _ = self.add_days(periods * interval);
                }
            }
            Frequency::Hourly | Frequency::Minutely | Frequency::Secondly => {
                let unit: i64 = match self.rule.frequency {
                    Frequency::Hourly => 3600,
                    Frequency::Minutely => 60,
                    _ => 1,
                };
                let Ok(now) = Date::new(self.year, self.month, self.day).and_then(|d| {
                    Time::new(self.hour, self.minute, self.second, 0).map(|t| d.to_datetime(t))
                }) else {
                    return;
                };
                let seconds = from.duration_since(now).as_secs() - 86_400;
                let periods = seconds.max(0) / (unit * interval);
                if periods > 0
                    && let Ok(at) =
                        now.checked_add(jiff::SignedDuration::from_secs(periods * interval * unit))
                {
                    self.year = at.year();
                    self.month = at.month();
                    self.day = at.day();
                    self.hour = at.hour();
                    self.minute = at.minute();
                    self.second = at.second();
                    if !self.rebuild() {
                        return;
                    }
                    self.reset_times();
                    return;
                }
            }
        }
        let _ = self.rebuild();
    }
}

fn gcd(a: i64, b: i64) -> i64 {
    if b == 0 { a.max(1) } else { gcd(b, a % b) }
}

/// dateutil's `__construct_byset`: the BYHOUR (BYMINUTE, BYSECOND) values a rule of that
/// frequency can reach from DTSTART in steps of INTERVAL. `None` when none can.
fn reachable(
    values: &[i8],
    own_unit: bool,
    start: i8,
    interval: u32,
    base: i64,
) -> Option<Vec<i8>> {
    if !own_unit || values.is_empty() {
        return Some(values.to_vec());
    }
    let g = gcd(i64::from(interval), base);
    let set: Vec<i8> = values
        .iter()
        .copied()
        .filter(|&n| g == 1 || (i64::from(n) - i64::from(start)).rem_euclid(g) == 0)
        .collect();
    (!set.is_empty()).then_some(set)
}

/// dateutil's `__mod_distance`: steps of INTERVAL from `value` to the next value in `by`,
/// as (carry into the next unit, new value).
fn mod_distance(mut value: i64, by: &[i8], base: i64, interval: i64) -> Option<(i64, i64)> {
    let mut carry = 0;
    for _ in 0..base {
        let next = value + interval;
        carry += next.div_euclid(base);
        value = next.rem_euclid(base);
        if i8::try_from(value).is_ok_and(|v| by.contains(&v)) {
            return Some((carry, value));
        }
    }
    None
}

fn until(val: &str) -> Result<Until, Error> {
    if val.len() == 8 {
        return crate::value::parse_date(val).map(Until::Date);
    }
    if let Some(utc) = val.strip_suffix(['Z', 'z']) {
        return crate::value::parse_datetime(utc).map(Until::Utc);
    }
    crate::value::parse_datetime(val).map(Until::Local)
}

fn by_day(item: &str) -> Result<(Option<i8>, Weekday), Error> {
    let bad = || Error::invalid("BYDAY", item);
    if item.len() < 2 || !item.is_char_boundary(item.len() - 2) {
        return Err(bad());
    }
    let (number, day) = item.split_at(item.len() - 2);
    let weekday = weekday(day)?;
    let number = number.trim_start_matches('+');
    if number.is_empty() {
        return Ok((None, weekday));
    }
    let n: i8 = number.parse().map_err(|_| bad())?;
    if n == 0 || !(-53..=53).contains(&n) {
        // An ordinal out of range names no day; reading it as "every" blocks more.
        return Ok((None, weekday));
    }
    Ok((Some(n), weekday))
}

fn weekday(code: &str) -> Result<Weekday, Error> {
    Ok(match code.trim().to_ascii_uppercase().as_str() {
        "MO" => Weekday::Monday,
        "TU" => Weekday::Tuesday,
        "WE" => Weekday::Wednesday,
        "TH" => Weekday::Thursday,
        "FR" => Weekday::Friday,
        "SA" => Weekday::Saturday,
        "SU" => Weekday::Sunday,
        _ => return Err(Error::invalid("weekday", code)),
    })
}
