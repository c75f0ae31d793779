//! Calendar periods on a zone's wall clock: local days, weeks from a first weekday, calendar
//! months and years, and the enforced windows inside them.
//!
//! A period starts at the local midnight of its first day. A midnight that a daylight saving
//! change skips starts at the first instant after the gap (the compatible rule of RFC 5545 and
//! Temporal), a midnight that happens twice at its earlier instant, so periods always tile time
//! without gaps or overlaps.

use jiff::ToSpan;
use jiff::civil::{Date, Time, Weekday};
use jiff::tz::TimeZone;

use super::{EnforcedHours, Period};
use crate::instant::Instant;
use crate::interval::Interval;

/// One zone's calendar for one kind of period.
#[derive(Debug)]
pub struct Calendar<'a> {
    pub tz: &'a TimeZone,
    pub period: Period,
    pub first_weekday: Weekday,
}

impl Calendar<'_> {
    /// The local date `at` falls on; `None` only outside the years jiff knows.
    pub fn date_of(&self, at: Instant) -> Option<Date> {
        Some(self.tz.to_datetime(at.to_jiff()?).date())
    }

    /// The instant `minutes` after the start of `date` on the wall clock (1440 is the next
    /// midnight), by the compatible rule.
    pub fn instant_at(&self, date: Date, minutes: u16) -> Option<Instant> {
        let (date, minutes) = if minutes >= 1440 {
            (date.tomorrow().ok()?, minutes - 1440)
        } else {
            (date, minutes)
        };
        let hour = i8::try_from(minutes / 60).ok()?;
        let minute = i8::try_from(minutes % 60).ok()?;
        let wall = date.to_datetime(Time::new(hour, minute, 0, 0).ok()?);
        let ts = self.tz.to_ambiguous_timestamp(wall).compatible().ok()?;
        Some(Instant::from_jiff(ts))
    }

    /// The first day of the period that holds `date`.
    pub fn period_first_day(&self, date: Date) -> Option<Date> {
        match self.period {
            Period::Day => Some(date),
            Period::Week => {
                let back = date.weekday().since(self.first_weekday);
                date.checked_sub(i64::from(back).days()).ok()
            }
            Period::Month => date.first_of_month().into(),
            Period::Year => date.first_of_year().into(),
        }
    }

    /// The first day of the period after the one that starts on `first_day`.
    pub fn next_first_day(&self, first_day: Date) -> Option<Date> {
        let step = match self.period {
            Period::Day => 1.day(),
            Period::Week => 1.week(),
            Period::Month => 1.month(),
            Period::Year => 1.year(),
        };
        first_day.checked_add(step).ok()
    }

    /// The periods that overlap `span`, in order, each as its first day and its time.
    pub fn periods(&self, span: Interval) -> Periods<'_, '_> {
        let first = self
            .date_of(span.start)
            .and_then(|date| self.period_first_day(date));
        Periods {
            calendar: self,
            next: first,
            until: span.end,
        }
    }

    /// The enforced time inside `part`, which lies within one period: the whole of it with no
    /// enforcement, else its overlap with each enforced day's window.
    pub fn enforced_seconds(
        &self,
        part: Interval,
        days: Option<&[bool; 7]>,
        hours: Option<EnforcedHours>,
    ) -> i64 {
        if days.is_none() && hours.is_none() {
            return part.end.0 - part.start.0;
        }
        let window = hours.unwrap_or(EnforcedHours {
            start: 0,
            end: 1440,
        });
        let Some(mut date) = self.date_of(part.start) else {
            return 0;
        };
        let mut total = 0;
        loop {
            let Some(day_start) = self.instant_at(date, 0) else {
                return total;
            };
            if day_start >= part.end {
                return total;
            }
            let enforced_day = days.is_none_or(|days| {
                days[usize::from(date.weekday().to_monday_zero_offset().unsigned_abs())]
            });
            if enforced_day
                && let (Some(from), Some(to)) = (
                    self.instant_at(date, window.start),
                    self.instant_at(date, window.end),
                )
            {
                let start = from.max(part.start);
                let end = to.min(part.end);
                total += (end.0 - start.0).max(0);
            }
            let Ok(next) = date.tomorrow() else {
                return total;
            };
            date = next;
        }
    }
}

/// The periods over a span; see [`Calendar::periods`].
#[derive(Debug)]
pub struct Periods<'c, 'tz> {
    calendar: &'c Calendar<'tz>,
    next: Option<Date>,
    until: Instant,
}

impl Iterator for Periods<'_, '_> {
    /// The period's first day and its time.
    type Item = (Date, Interval);

    fn next(&mut self) -> Option<(Date, Interval)> {
        let first_day = self.next?;
        let start = self.calendar.instant_at(first_day, 0)?;
        if start >= self.until {
            self.next = None;
            return None;
        }
        // Past the last day jiff can write, the period runs to the end of what is asked.
        let following = self.calendar.next_first_day(first_day);
        let end = following.and_then(|day| self.calendar.instant_at(day, 0));
        self.next = following.filter(|_| end.is_some());
        Some((first_day, Interval::new(start, end.unwrap_or(self.until))))
    }
}
