//! Reads and validates the `rendezvous slots` JSON document (ENGINE.md, "Input").
//!
//! Validation walks the document in its own key order and reports every problem it finds as a
//! [`Problem`] naming the JSON path of the bad field. Problems that concern a whole object (a
//! missing field, a rule between two fields) are reported where that object closes, so the
//! list comes out in document order.

mod strict;
pub(crate) mod walk;

pub(crate) use strict::repeated_key;
pub use walk::Problem;

use jiff::tz::TimeZone;
use serde_json::Value;

use walk::{Walker, child, item};

use crate::instant::{DAY, Instant, civil_from_days, days_from_civil, days_in_month, parse_date};
use crate::interval::Interval;
use crate::model::{
    Booking, DateOverride, EventType, Host, Kind, LocalWindow, SlotRequest, WeeklyHours,
};

pub const MAX_HOSTS: usize = 1_000;
pub const MAX_RANGE_DAYS: i64 = 366;
pub const MAX_YEARS_AHEAD: i64 = 5;
const MAX_BUFFER_MINUTES: i64 = 525_600;
const DAY_KEYS: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Parses and validates a document; every problem is reported, in document order.
pub fn parse_request(text: &str) -> Result<SlotRequest, Vec<Problem>> {
    let value = walk::parse_document(text)?;
    let mut walker = Walker::default();
    let request = walker.request(&value);
    walker.finish(request)
}

impl Walker {
    fn request(&mut self, root: &Value) -> Option<SlotRequest> {
        let mut now = None;
        let mut range = None;
        let mut range_end = (0, None);
        let mut event = None;
        let mut hosts = None;
        let mut host_count = None;
        let mut declared_kind = None;
        let map = self.object(
            root,
            "",
            &["now", "range", "event", "hosts"],
            |w, key, v, path| {
                if v.is_null() {
                    return;
                }
                match key {
                    "now" => now = w.instant(v, &path),
                    "range" => range = w.range(v, &path, &mut range_end),
                    "event" => {
                        event = w.event(v, &path);
                        declared_kind = v.get("kind").and_then(Value::as_str).map(str::to_owned);
                    }
                    _ => (hosts, host_count) = w.hosts(v, &path),
                }
            },
        )?;
        self.require(map, "", &["now", "range", "event", "hosts"]);
        if let (Some(now), (position, Some(end))) = (now, range_end)
            && end > five_years_after(now)
        {
            let reason = format!("must be at most {MAX_YEARS_AHEAD} years after now");
            self.report_at(position, "range.end", reason);
        }
        if let (Some("single"), Some((position, count))) = (declared_kind.as_deref(), host_count)
            && count != 1
        {
            self.report_at(position, "hosts", "kind single needs exactly one host");
        }
        let (now, range, event, hosts) = (now?, range?, event?, hosts?);
        let (mut event, has_timezone) = event;
        if !has_timezone {
            event.timezone = hosts.first()?.timezone.clone();
        }
        Some(SlotRequest {
            now,
            range,
            event,
            hosts,
        })
    }

    /// The range; `end` keeps the end's position and value for the rule that involves `now`.
    fn range(
        &mut self,
        value: &Value,
        path: &str,
        end: &mut (u64, Option<Instant>),
    ) -> Option<Interval> {
        let end_slot = end;
        let mut start = None;
        let map = self.object(value, path, &["start", "end"], |w, key, v, p| {
            if v.is_null() {
                return;
            }
            if key == "start" {
                start = w.instant(v, &p);
            } else {
                *end_slot = (w.visit(), w.instant(v, &p));
            }
        })?;
        self.require(map, path, &["start", "end"]);
        let (start, end) = (start?, end_slot.1?);
        if start >= end {
            self.report(path, "start must be before end");
            return None;
        }
        if end.0 - start.0 > MAX_RANGE_DAYS * DAY {
            self.report(path, format!("must span at most {MAX_RANGE_DAYS} days"));
            return None;
        }
        Some(Interval::new(start, end))
    }

    /// The event type, and whether it named its own time zone (else the first host's applies).
    fn event(&mut self, value: &Value, path: &str) -> Option<(EventType, bool)> {
        const FIELDS: [&str; 11] = [
            "kind",
            "duration",
            "interval",
            "buffer_before",
            "buffer_after",
            "minimum_notice",
            "booking_window_days",
            "max_per_day",
            "max_per_week",
            "seats",
            "timezone",
        ];
        let mut kind = None;
        let mut duration = None;
        let mut interval = None;
        let (mut before, mut after, mut notice) = (Some(0), Some(0), Some(0));
        let (mut window, mut per_day, mut per_week) = (Some(None), Some(None), Some(None));
        let mut seats = Some(1);
        let mut timezone = Some(None);
        let map = self.object(value, path, &FIELDS, |w, key, v, p| {
            if v.is_null() {
                return;
            }
            match key {
                "kind" => kind = w.kind(v, &p),
                "duration" => duration = w.bounded(v, &p, 1, 1440),
                "interval" => interval = w.bounded(v, &p, 1, 1440),
                "buffer_before" => before = w.bounded(v, &p, 0, MAX_BUFFER_MINUTES),
                "buffer_after" => after = w.bounded(v, &p, 0, MAX_BUFFER_MINUTES),
                "minimum_notice" => notice = w.bounded(v, &p, 0, MAX_BUFFER_MINUTES),
                "booking_window_days" => window = w.count(v, &p).map(Some),
                "max_per_day" => per_day = w.count(v, &p).map(Some),
                "max_per_week" => per_week = w.count(v, &p).map(Some),
                "seats" => seats = w.bounded(v, &p, 1, 10_000).map(|s| s as u64),
                _ => timezone = w.timezone(v, &p).map(Some),
            }
        })?;
        self.require(map, path, &["kind", "duration"]);
        let (kind, seats) = (kind?, seats?);
        if seats > 1 && kind != Kind::Single {
            self.report(path, "seats above 1 are allowed only with kind single");
            return None;
        }
        let duration = duration?;
        let timezone = timezone?;
        let has_timezone = timezone.is_some();
        let event = EventType {
            kind,
            duration_minutes: duration,
            interval_minutes: interval.unwrap_or(duration),
            buffer_before_minutes: before?,
            buffer_after_minutes: after?,
            minimum_notice_minutes: notice?,
            booking_window_days: window?,
            max_per_day: per_day?,
            max_per_week: per_week?,
            seats,
            timezone: timezone.unwrap_or(TimeZone::UTC),
        };
        Some((event, has_timezone))
    }

    fn kind(&mut self, value: &Value, path: &str) -> Option<Kind> {
        match value.as_str() {
            Some("single") => Some(Kind::Single),
            Some("collective") => Some(Kind::Collective),
            Some("round_robin") => Some(Kind::RoundRobin),
            _ => {
                self.report(
                    path,
                    "must be one of \"single\", \"collective\", \"round_robin\"",
                );
                None
            }
        }
    }

    /// The hosts, and where the list closes with how many entries it has (`None` if it is not
    /// a list), for the rules on the host count.
    fn hosts(&mut self, value: &Value, path: &str) -> (Option<Vec<Host>>, Option<(u64, usize)>) {
        let Some(list) = value.as_array() else {
            self.report(path, "expected an array of hosts");
            return (None, None);
        };
        let mut hosts = Vec::with_capacity(list.len());
        let mut seen = std::collections::HashSet::new();
        let mut complete = true;
        for (index, value) in list.iter().enumerate() {
            match self.host(value, &item(path, index), &mut seen) {
                Some(host) => hosts.push(host),
                None => complete = false,
            }
        }
        let close = self.visit();
        let count_ok = (1..=MAX_HOSTS).contains(&list.len());
        if !count_ok {
            self.report_at(close, path, format!("must have 1 to {MAX_HOSTS} hosts"));
        }
        (
            (complete && count_ok).then_some(hosts),
            count_ok.then_some((close, list.len())),
        )
    }

    fn host(
        &mut self,
        value: &Value,
        path: &str,
        seen: &mut std::collections::HashSet<String>,
    ) -> Option<Host> {
        const FIELDS: [&str; 6] = ["id", "timezone", "weekly", "overrides", "busy", "bookings"];
        let mut id = None;
        let mut timezone = None;
        let mut weekly = Some(WeeklyHours::default());
        let mut overrides = Some(Vec::new());
        let mut busy = Some(Vec::new());
        let mut bookings = Some(Vec::new());
        let map = self.object(value, path, &FIELDS, |w, key, v, p| {
            if v.is_null() {
                return;
            }
            match key {
                "id" => id = w.host_id(v, &p, seen),
                "timezone" => timezone = w.timezone(v, &p),
                "weekly" => weekly = w.weekly(v, &p),
                "overrides" => overrides = w.overrides(v, &p),
                "busy" => busy = w.list(v, &p, Walker::busy),
                _ => bookings = w.list(v, &p, Walker::booking),
            }
        })?;
        self.require(map, path, &["id", "timezone"]);
        Some(Host {
            id: id?,
            timezone: timezone?,
            weekly: weekly?,
            overrides: overrides?,
            busy: busy?,
            bookings: bookings?,
        })
    }

    fn host_id(
        &mut self,
        value: &Value,
        path: &str,
        seen: &mut std::collections::HashSet<String>,
    ) -> Option<String> {
        let Some(id) = value.as_str() else {
            self.report(path, "expected a string");
            return None;
        };
        if !seen.insert(id.to_owned()) {
            self.report(path, format!("repeats the host id {}", Value::from(id)));
            return None;
        }
        self.visit();
        Some(id.to_owned())
    }

    fn weekly(&mut self, value: &Value, path: &str) -> Option<WeeklyHours> {
        let mut weekly = WeeklyHours::default();
        let mut complete = true;
        self.object(value, path, &DAY_KEYS, |w, key, v, p| {
            if v.is_null() {
                return;
            }
            let day = DAY_KEYS.iter().position(|d| *d == key).unwrap_or(0);
            match w.windows(v, &p) {
                Some(windows) => weekly.days[day] = windows,
                None => complete = false,
            }
        })?;
        complete.then_some(weekly)
    }

    fn overrides(&mut self, value: &Value, path: &str) -> Option<Vec<DateOverride>> {
        let Some(map) = value.as_object() else {
            self.report(path, "expected an object of dates");
            return None;
        };
        let mut overrides = Vec::with_capacity(map.len());
        let mut complete = true;
        for (key, v) in map {
            if let Some(name) = strict::repeated_key(key) {
                self.report(
                    child(path, name),
                    "repeats a key given earlier in the object",
                );
                complete = false;
                continue;
            }
            let p = child(path, key);
            let Some(day) = parse_date(key) else {
                self.report(p, "expected a calendar date YYYY-MM-DD");
                complete = false;
                continue;
            };
            if v.is_null() {
                continue;
            }
            match self.windows(v, &p) {
                Some(windows) => overrides.push(DateOverride { day, windows }),
                None => complete = false,
            }
        }
        overrides.sort_by_key(|o| o.day);
        complete.then_some(overrides)
    }

    fn windows(&mut self, value: &Value, path: &str) -> Option<Vec<LocalWindow>> {
        self.list(value, path, Walker::window)
    }

    fn window(&mut self, value: &Value, path: &str) -> Option<LocalWindow> {
        let pair = match value.as_array() {
            Some(pair) if pair.len() == 2 => pair,
            _ => {
                self.report(path, "expected a pair [\"HH:MM\", \"HH:MM\"]");
                return None;
            }
        };
        let start = self.local_time(&pair[0], &item(path, 0), false);
        let end = self.local_time(&pair[1], &item(path, 1), true);
        let (start, end) = (start?, end?);
        if start >= end {
            self.report(path, "start must be before end");
            return None;
        }
        Some(LocalWindow {
            start_minute: start,
            end_minute: end,
        })
    }

    fn busy(&mut self, value: &Value, path: &str) -> Option<Interval> {
        let (mut start, mut end) = (None, None);
        let map = self.object(value, path, &["start", "end"], |w, key, v, p| {
            if v.is_null() {
                return;
            }
            if key == "start" {
                start = w.instant(v, &p);
            } else {
                end = w.instant(v, &p);
            }
        })?;
        self.require(map, path, &["start", "end"]);
        self.ordered(start?, end?, path)
    }

    fn booking(&mut self, value: &Value, path: &str) -> Option<Booking> {
        const FIELDS: [&str; 6] = [
            "start",
            "end",
            "buffer_before",
            "buffer_after",
            "attendees",
            "same_event",
        ];
        let (mut start, mut end) = (None, None);
        let (mut before, mut after, mut attendees) = (Some(0), Some(0), Some(1));
        let mut same_event = Some(false);
        let map = self.object(value, path, &FIELDS, |w, key, v, p| {
            if v.is_null() {
                return;
            }
            match key {
                "start" => start = w.instant(v, &p),
                "end" => end = w.instant(v, &p),
                "buffer_before" => before = w.bounded(v, &p, 0, MAX_BUFFER_MINUTES),
                "buffer_after" => after = w.bounded(v, &p, 0, MAX_BUFFER_MINUTES),
                "attendees" => {
                    attendees = w.count(v, &p).and_then(|n| {
                        if n == 0 {
                            w.report(&p, "must be 1 or more");
                            None
                        } else {
                            Some(n)
                        }
                    })
                }
                _ => same_event = w.boolean(v, &p),
            }
        })?;
        self.require(map, path, &["start", "end"]);
        let time = self.ordered(start?, end?, path)?;
        Some(Booking {
            time,
            buffer_before_minutes: before?,
            buffer_after_minutes: after?,
            attendees: attendees?,
            same_event: same_event?,
        })
    }
}

/// `HH:MM` as minutes after midnight, 00:00 to 24:00 (24:00 is 1440).
pub fn parse_local_time(text: &str) -> Option<u16> {
    let b = text.as_bytes();
    if b.len() != 5
        || b[2] != b':'
        || !b
            .iter()
            .enumerate()
            .all(|(i, c)| i == 2 || c.is_ascii_digit())
    {
        return None;
    }
    let hours = u16::from(b[0] - b'0') * 10 + u16::from(b[1] - b'0');
    let minutes = u16::from(b[3] - b'0') * 10 + u16::from(b[4] - b'0');
    match (hours, minutes) {
        (24, 0) => Some(1440),
        (0..=23, 0..=59) => Some(hours * 60 + minutes),
        _ => None,
    }
}

/// `now` plus five calendar years in UTC; 29 February becomes 28 February in a common year.
fn five_years_after(now: Instant) -> Instant {
    let days = now.0.div_euclid(DAY);
    let (year, month, day) = civil_from_days(days);
    let year = year + MAX_YEARS_AHEAD;
    let day = day.min(days_in_month(year, month));
    Instant(days_from_civil(year, month, day) * DAY + now.0.rem_euclid(DAY))
}
