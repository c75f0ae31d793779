//! RRULE (RFC 5545 §3.3.10) parsing and expansion on civil dates with jiff.
//!
//! Supported: FREQ=DAILY|WEEKLY|MONTHLY|YEARLY with INTERVAL, COUNT, UNTIL, BYDAY (with
//! ordinals in monthly and yearly rules), BYMONTHDAY (negative too), BYMONTH, BYSETPOS and
//! WKST. Calendars that people book around use these; rules with BYHOUR, BYMINUTE,
//! BYSECOND, BYWEEKNO, BYYEARDAY or a sub-daily FREQ are reported as
//! [`Error::Unsupported`], and the caller decides what to block instead.
//!
//! Every occurrence keeps DTSTART's local time of day; the caller turns local date-times into
//! instants in the event's zone, so a weekly 09:00 meeting stays at 09:00 across DST.

use jiff::ToSpan;
use jiff::civil::{Date, DateTime, Weekday};

use crate::Error;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frequency {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

/// The end of a rule, as written.
#[derive(Clone, Debug, PartialEq)]
pub enum Until {
    /// A date (all-day events): the last date that may occur.
    Date(Date),
    /// An instant (`...Z`, or local read in the event's zone by the caller).
    Instant(jiff::Timestamp),
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
    pub by_set_pos: Vec<i32>,
    pub week_start: Weekday,
}

/// At most this many occurrences are produced for one rule: more is a malformed or hostile
/// calendar, and the window of interest never holds that many.
pub const MAX_OCCURRENCES: usize = 5_000;
/// Periods walked without finding the window's end (e.g. FEB 30th yearly) stop the walk.
const MAX_PERIODS: u32 = 200_000;

impl Rule {
    /// Parses an RRULE value. `local_until` reads an UNTIL without `Z` (in the event's zone).
    pub fn parse(
        value: &str,
        local_until: &dyn Fn(DateTime) -> Option<jiff::Timestamp>,
    ) -> Result<Rule, Error> {
        let mut frequency = None;
        let mut rule = Rule {
            frequency: Frequency::Daily,
            interval: 1,
            count: None,
            until: None,
            by_day: Vec::new(),
            by_month_day: Vec::new(),
            by_month: Vec::new(),
            by_set_pos: Vec::new(),
            week_start: Weekday::Monday,
        };
        for part in value.split(';').filter(|p| !p.trim().is_empty()) {
            let (key, val) = part
                .split_once('=')
                .ok_or_else(|| Error::invalid("RRULE part", part))?;
            let key = key.trim().to_ascii_uppercase();
            let val = val.trim();
            let list = || val.split(',').map(str::trim).filter(|v| !v.is_empty());
            match key.as_str() {
                "FREQ" => {
                    frequency = Some(match val.to_ascii_uppercase().as_str() {
                        "DAILY" => Frequency::Daily,
                        "WEEKLY" => Frequency::Weekly,
                        "MONTHLY" => Frequency::Monthly,
                        "YEARLY" => Frequency::Yearly,
                        _ => return Err(Error::Unsupported(format!("FREQ={val}"))),
                    })
                }
                "INTERVAL" => {
                    rule.interval = val
                        .parse()
                        .ok()
                        .filter(|n| (1..=10_000).contains(n))
                        .ok_or_else(|| Error::invalid("INTERVAL", val))?
                }
                "COUNT" => {
                    rule.count = Some(val.parse().map_err(|_| Error::invalid("COUNT", val))?)
                }
                "UNTIL" => {
                    rule.until = Some(if val.len() == 8 {
                        Until::Date(crate::value::parse_date(val)?)
                    } else if let Some(utc) = val.strip_suffix(['Z', 'z']) {
                        let dt = crate::value::parse_datetime(utc)?;
                        Until::Instant(
                            dt.to_zoned(jiff::tz::TimeZone::UTC)
                                .map_err(|_| Error::invalid("UNTIL", val))?
                                .timestamp(),
                        )
                    } else {
                        let dt = crate::value::parse_datetime(val)?;
                        Until::Instant(local_until(dt).ok_or_else(|| Error::invalid("UNTIL", val))?)
                    })
                }
                "BYDAY" => {
                    for item in list() {
                        rule.by_day.push(by_day(item)?);
                    }
                }
                "BYMONTHDAY" => {
                    for item in list() {
                        let n: i8 = item
                            .parse()
                            .map_err(|_| Error::invalid("BYMONTHDAY", item))?;
                        if n == 0 || !(-31..=31).contains(&n) {
                            return Err(Error::invalid("BYMONTHDAY", item));
                        }
                        rule.by_month_day.push(n);
                    }
                }
                "BYMONTH" => {
                    for item in list() {
                        let n: i8 = item.parse().map_err(|_| Error::invalid("BYMONTH", item))?;
                        if !(1..=12).contains(&n) {
                            return Err(Error::invalid("BYMONTH", item));
                        }
                        rule.by_month.push(n);
                    }
                }
                "BYSETPOS" => {
                    for item in list() {
                        let n: i32 = item.parse().map_err(|_| Error::invalid("BYSETPOS", item))?;
                        if n == 0 || !(-366..=366).contains(&n) {
                            return Err(Error::invalid("BYSETPOS", item));
                        }
                        rule.by_set_pos.push(n);
                    }
                }
                "WKST" => rule.week_start = weekday(val)?,
                "BYHOUR" | "BYMINUTE" | "BYSECOND" | "BYWEEKNO" | "BYYEARDAY" => {
                    return Err(Error::Unsupported(key));
                }
                // X- parts and unknown names: ignored, as RFC 5545 asks of unknown parts.
                _ => {}
            }
        }
        rule.frequency = frequency.ok_or(Error::Missing("FREQ"))?;
        Ok(rule)
    }

    /// The local start date-times of the rule from `start` (DTSTART, always the first
    /// occurrence), in order, stopping at COUNT, UNTIL (judged by `instant_of`), the first
    /// date after `last_date`, or [`MAX_OCCURRENCES`].
    pub fn expand(
        &self,
        start: DateTime,
        last_date: Date,
        instant_of: &dyn Fn(DateTime) -> Option<jiff::Timestamp>,
    ) -> Vec<DateTime> {
        let mut out = Vec::new();
        let count = self.count.map(|c| c as usize);
        let within_until = |dt: DateTime| match &self.until {
            None => true,
            Some(Until::Date(d)) => dt.date() <= *d,
            Some(Until::Instant(limit)) => instant_of(dt).is_some_and(|i| i <= *limit),
        };
        if count == Some(0) || !within_until(start) {
            return out;
        }
        out.push(start);
        let time = start.time();
        let first = start.date();
        let mut period = self.period_start(first);
        for _ in 0..MAX_PERIODS {
            if period > last_date {
                break;
            }
            let mut dates = self.candidates(period, first);
            dates.sort();
            dates.dedup();
            let dates = self.select_positions(dates);
            for date in dates {
                if date <= first {
                    continue;
                }
                if date > last_date || count.is_some_and(|c| out.len() >= c) {
                    return out;
                }
                let dt = date.to_datetime(time);
                if !within_until(dt) {
                    return out;
                }
                out.push(dt);
                if out.len() >= MAX_OCCURRENCES {
                    return out;
                }
            }
            let Some(next) = self.next_period(period) else {
                break;
            };
            period = next;
        }
        out
    }

    fn period_start(&self, date: Date) -> Date {
        match self.frequency {
            Frequency::Daily => date,
            Frequency::Weekly => {
                let back = (date.weekday().to_monday_zero_offset() + 7
                    - self.week_start.to_monday_zero_offset())
                    % 7;
                date.checked_sub(i64::from(back).days()).unwrap_or(date)
            }
            Frequency::Monthly => date.first_of_month(),
            Frequency::Yearly => date.first_of_year(),
        }
    }

    fn next_period(&self, period: Date) -> Option<Date> {
        let n = i64::from(self.interval);
        let step = match self.frequency {
            Frequency::Daily => n.days(),
            Frequency::Weekly => (n * 7).days(),
            Frequency::Monthly => n.months(),
            Frequency::Yearly => n.years(),
        };
        period.checked_add(step).ok()
    }

    /// The dates of one period that the BY rules allow.
    fn candidates(&self, period: Date, first: Date) -> Vec<Date> {
        let month_ok = |d: &Date| self.by_month.is_empty() || self.by_month.contains(&d.month());
        match self.frequency {
            Frequency::Daily => {
                let d = period;
                let ok = month_ok(&d)
                    && (self.by_month_day.is_empty() || month_day_matches(&self.by_month_day, d))
                    && (self.by_day.is_empty()
                        || self.by_day.iter().any(|(_, w)| *w == d.weekday()));
                if ok { vec![d] } else { vec![] }
            }
            Frequency::Weekly => {
                let week: Vec<Date> = (0..7)
                    .filter_map(|i| period.checked_add(i64::from(i).days()).ok())
                    .collect();
                week.into_iter()
                    .filter(|d| {
                        if self.by_day.is_empty() {
                            d.weekday() == first.weekday()
                        } else {
                            self.by_day.iter().any(|(_, w)| *w == d.weekday())
                        }
                    })
                    .filter(month_ok)
                    .collect()
            }
            Frequency::Monthly => {
                if !month_ok(&period) {
                    return vec![];
                }
                self.in_month(period, first)
            }
            Frequency::Yearly => {
                if !self.by_month.is_empty() {
                    self.by_month
                        .iter()
                        .filter_map(|m| Date::new(period.year(), *m, 1).ok())
                        .flat_map(|month| self.in_month(month, first))
                        .collect()
                } else if !self.by_day.is_empty() && self.by_month_day.is_empty() {
                    days_of(period, period.days_in_year())
                        .filter(|d| by_day_matches(&self.by_day, *d, Scope::Year))
                        .collect()
                } else if !self.by_month_day.is_empty() {
                    (1..=12)
                        .filter_map(|m| Date::new(period.year(), m, 1).ok())
                        .flat_map(|month| self.in_month(month, first))
                        .collect()
                } else {
                    Date::new(period.year(), first.month(), first.day())
                        .ok()
                        .into_iter()
                        .collect()
                }
            }
        }
    }

    /// The dates of the month starting at `month` that BYMONTHDAY and BYDAY allow (DTSTART's
    /// day of month when neither is given).
    fn in_month(&self, month: Date, first: Date) -> Vec<Date> {
        if self.by_month_day.is_empty() && self.by_day.is_empty() {
            return Date::new(month.year(), month.month(), first.day())
                .ok()
                .into_iter()
                .collect();
        }
        days_of(month, i16::from(month.days_in_month()))
            .filter(|d| self.by_month_day.is_empty() || month_day_matches(&self.by_month_day, *d))
            .filter(|d| self.by_day.is_empty() || by_day_matches(&self.by_day, *d, Scope::Month))
            .collect()
    }

    fn select_positions(&self, dates: Vec<Date>) -> Vec<Date> {
        if self.by_set_pos.is_empty() {
            return dates;
        }
        let len = i32::try_from(dates.len()).unwrap_or(i32::MAX);
        let mut chosen: Vec<Date> = self
            .by_set_pos
            .iter()
            .filter_map(|&p| {
                let index = if p > 0 { p - 1 } else { len + p };
                usize::try_from(index)
                    .ok()
                    .and_then(|i| dates.get(i).copied())
            })
            .collect();
        chosen.sort();
        chosen.dedup();
        chosen
    }
}

#[derive(Clone, Copy)]
enum Scope {
    Month,
    Year,
}

fn days_of(first: Date, count: i16) -> impl Iterator<Item = Date> {
    (0..i64::from(count)).filter_map(move |i| first.checked_add(i.days()).ok())
}

fn month_day_matches(days: &[i8], date: Date) -> bool {
    let last = i16::from(date.days_in_month());
    days.iter().any(|&n| {
        let n = i16::from(n);
        let wanted = if n > 0 { n } else { last + 1 + n };
        wanted == i16::from(date.day())
    })
}

fn by_day_matches(entries: &[(Option<i8>, Weekday)], date: Date, scope: Scope) -> bool {
    let (index, len) = match scope {
        Scope::Month => (i16::from(date.day()) - 1, i16::from(date.days_in_month())),
        Scope::Year => (date.day_of_year() - 1, date.days_in_year()),
    };
    entries.iter().any(|(ordinal, weekday)| {
        if *weekday != date.weekday() {
            return false;
        }
        match ordinal {
            None => true,
            Some(n) if *n > 0 => index / 7 + 1 == i16::from(*n),
            Some(n) => (len - 1 - index) / 7 + 1 == -i16::from(*n),
        }
    })
}

fn by_day(item: &str) -> Result<(Option<i8>, Weekday), Error> {
    let bad = || Error::invalid("BYDAY", item);
    if item.len() < 2 {
        return Err(bad());
    }
    let (number, day) = item.split_at(item.len() - 2);
    let weekday = weekday(day)?;
    if number.is_empty() || number == "+" {
        return Ok((None, weekday));
    }
    let n: i8 = number.parse().map_err(|_| bad())?;
    if n == 0 || !(-53..=53).contains(&n) {
        return Err(bad());
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::civil::date;

    fn dates(rule: &str, start: DateTime, last: Date) -> Vec<String> {
        let rule = Rule::parse(rule, &|_| None).unwrap();
        let utc = |dt: DateTime| {
            dt.to_zoned(jiff::tz::TimeZone::UTC)
                .ok()
                .map(|z| z.timestamp())
        };
        rule.expand(start, last, &utc)
            .into_iter()
            .map(|d| d.date().to_string())
            .collect()
    }

    #[test]
    fn weekly_by_day_with_count() {
        let got = dates(
            "FREQ=WEEKLY;BYDAY=TU,TH;COUNT=5",
            date(2026, 12, 1).at(9, 0, 0, 0),
            date(2027, 12, 31),
        );
        assert_eq!(
            got,
            [
                "2026-12-01",
                "2026-12-03",
                "2026-12-08",
                "2026-12-10",
                "2026-12-15"
            ]
        );
    }

    #[test]
    fn monthly_last_friday_and_set_pos() {
        let got = dates(
            "FREQ=MONTHLY;BYDAY=-1FR;COUNT=3",
            date(2026, 1, 30).at(9, 0, 0, 0),
            date(2027, 12, 31),
        );
        assert_eq!(got, ["2026-01-30", "2026-02-27", "2026-03-27"]);
        let got = dates(
            "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1;COUNT=3",
            date(2026, 1, 30).at(9, 0, 0, 0),
            date(2027, 12, 31),
        );
        assert_eq!(got, ["2026-01-30", "2026-02-27", "2026-03-31"]);
    }

    #[test]
    fn monthly_31st_skips_short_months_and_until_stops() {
        let got = dates(
            "FREQ=MONTHLY;UNTIL=20260601T000000Z",
            date(2026, 1, 31).at(9, 0, 0, 0),
            date(2027, 12, 31),
        );
        assert_eq!(got, ["2026-01-31", "2026-03-31", "2026-05-31"]);
    }

    #[test]
    fn yearly_and_daily_interval() {
        let got = dates(
            "FREQ=YEARLY;COUNT=3",
            date(2024, 2, 29).at(0, 0, 0, 0),
            date(2040, 1, 1),
        );
        assert_eq!(got, ["2024-02-29", "2028-02-29", "2032-02-29"]);
        let got = dates(
            "FREQ=YEARLY;BYMONTH=11;BYDAY=4TH;COUNT=2",
            date(2026, 11, 26).at(0, 0, 0, 0),
            date(2040, 1, 1),
        );
        assert_eq!(got, ["2026-11-26", "2027-11-25"]);
        let got = dates(
            "FREQ=DAILY;INTERVAL=10",
            date(2026, 1, 1).at(0, 0, 0, 0),
            date(2026, 1, 31),
        );
        assert_eq!(
            got,
            ["2026-01-01", "2026-01-11", "2026-01-21", "2026-01-31"]
        );
    }

    #[test]
    fn rejects_what_it_cannot_expand() {
        assert!(matches!(
            Rule::parse("FREQ=HOURLY", &|_| None),
            Err(Error::Unsupported(_))
        ));
        assert!(matches!(
            Rule::parse("FREQ=DAILY;BYHOUR=9", &|_| None),
            Err(Error::Unsupported(_))
        ));
        assert!(Rule::parse("INTERVAL=2", &|_| None).is_err());
        assert!(Rule::parse("FREQ=DAILY;BYDAY=XX", &|_| None).is_err());
        assert!(Rule::parse("FREQ=DAILY;INTERVAL=0", &|_| None).is_err());
    }
}
