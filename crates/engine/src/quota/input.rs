//! Reads and validates the `rendezvous quota` document (QUOTAS.md, "Input"), reporting every
//! problem with its JSON path, in document order, as `rendezvous slots` does.

use std::collections::HashMap;

use jiff::civil::Weekday;
use serde_json::Value;

use super::{
    AppliesTo, EnforcedHours, Existing, Id, Period, Quota, QuotaRequest, Requested, Scope, Unit,
};
use crate::input::Problem;
use crate::input::walk::{self, Walker};
use crate::instant::{DAY, Instant};
use crate::interval::Interval;

/// Occurrences one request may list: a daily series for more than ten years.
pub const MAX_REQUESTED: usize = 5_000;
/// Existing bookings one decision may weigh.
pub const MAX_EXISTING: usize = 100_000;
/// How many periods all bookings together may be split into, so that the totals stay bounded
/// in memory whatever the bookings' lengths.
pub const MAX_PERIOD_PARTS: i64 = 2_000_000;

const WEEKDAYS: [(&str, Weekday); 7] = [
    ("monday", Weekday::Monday),
    ("tuesday", Weekday::Tuesday),
    ("wednesday", Weekday::Wednesday),
    ("thursday", Weekday::Thursday),
    ("friday", Weekday::Friday),
    ("saturday", Weekday::Saturday),
    ("sunday", Weekday::Sunday),
];

/// `first_weekday` before `now` and the zone are known: `today` needs both.
enum FirstWeekday {
    Named(Weekday),
    Today,
}

/// Parses and validates a document; every problem is reported, in document order.
pub fn parse_quota_request(text: &str) -> Result<QuotaRequest, Vec<Problem>> {
    let value = walk::parse_document(text)?;
    let mut walker = Walker::default();
    let request = walker.quota_request(&value);
    walker.finish(request)
}

const ROOT: [&str; 9] = [
    "quota",
    "first_weekday",
    "timezone",
    "now",
    "user_groups",
    "resource_schedule",
    "existing",
    "requested",
    "deleting",
];

impl Walker {
    fn quota_request(&mut self, root: &Value) -> Option<QuotaRequest> {
        let mut quota = None;
        let mut first_weekday = None;
        let mut timezone = None;
        let mut now = None;
        let mut user_groups = None;
        let mut resource_schedule = None;
        let mut existing = None;
        let mut requested = None;
        let mut deleting = Some(Vec::new());
        let map = self.object(root, "", &ROOT, |w, key, v, p| {
            if v.is_null() {
                return;
            }
            match key {
                "quota" => quota = w.quota(v, &p),
                "first_weekday" => first_weekday = w.first_weekday(v, &p),
                "timezone" => timezone = w.timezone(v, &p),
                "now" => now = w.zoned_instant(v, &p),
                "user_groups" => user_groups = w.list(v, &p, Walker::id),
                "resource_schedule" => resource_schedule = w.resource_schedule(v, &p),
                "existing" => existing = w.bookings(v, &p, MAX_EXISTING, Walker::existing),
                "requested" => requested = w.bookings(v, &p, MAX_REQUESTED, Walker::requested),
                _ => deleting = w.list(v, &p, Walker::id),
            }
        })?;
        self.require(map, "", &ROOT[..8]);
        if let (Some(quota), Some(existing), Some(requested)) = (&quota, &existing, &requested) {
            let existing_parts = existing.iter().map(|b: &Existing| b.time);
            let requested_parts = requested.iter().map(|r: &Requested| r.time);
            let parts: i64 = existing_parts
                .chain(requested_parts)
                .map(|time| period_parts(quota.period, time))
                .sum();
            if parts > MAX_PERIOD_PARTS {
                let reason =
                    format!("the bookings span more than {MAX_PERIOD_PARTS} periods in all");
                self.report("", reason);
            }
        }
        let timezone = timezone?;
        let now = now?;
        let first_weekday = match first_weekday? {
            FirstWeekday::Named(day) => day,
            FirstWeekday::Today => {
                let ts = now.to_jiff()?;
                timezone.to_datetime(ts).weekday()
            }
        };
        Some(QuotaRequest {
            quota: quota?,
            first_weekday,
            timezone,
            now,
            user_groups: user_groups?,
            resource_schedule: resource_schedule?,
            existing: existing?,
            requested: requested?,
            deleting: deleting?,
        })
    }

    fn quota(&mut self, value: &Value, path: &str) -> Option<Quota> {
        const FIELDS: [&str; 8] = [
            "limit",
            "unit",
            "period",
            "scope",
            "applies_to",
            "enforced_days",
            "enforced_hours",
            "count_completed",
        ];
        let (mut limit, mut unit, mut period, mut scope, mut applies_to) =
            (None, None, None, None, None);
        let (mut days, mut hours, mut count_completed) = (Some(None), Some(None), Some(true));
        let map = self.object(value, path, &FIELDS, |w, key, v, p| {
            if v.is_null() {
                return;
            }
            match key {
                "limit" => limit = w.limit(v, &p),
                "unit" => {
                    unit = w.word(
                        v,
                        &p,
                        &[("hours", Unit::Hours), ("reservations", Unit::Reservations)],
                    )
                }
                "period" => {
                    period = w.word(
                        v,
                        &p,
                        &[
                            ("day", Period::Day),
                            ("week", Period::Week),
                            ("month", Period::Month),
                            ("year", Period::Year),
                        ],
                    )
                }
                "scope" => {
                    scope = w.word(
                        v,
                        &p,
                        &[
                            ("global", Scope::Global),
                            ("resource", Scope::Resource),
                            ("group", Scope::Group),
                            ("schedule", Scope::Schedule),
                        ],
                    )
                }
                "applies_to" => applies_to = w.applies_to(v, &p),
                "enforced_days" => days = w.enforced_days(v, &p).map(Some),
                "enforced_hours" => hours = w.enforced_hours(v, &p).map(Some),
                _ => count_completed = w.boolean(v, &p),
            }
        })?;
        self.require(map, path, &FIELDS[..5]);
        Some(Quota {
            limit: limit?,
            unit: unit?,
            period: period?,
            scope: scope?,
            applies_to: applies_to?,
            enforced_days: days?,
            enforced_hours: hours?,
            count_completed: count_completed?,
        })
    }

    /// A number of hours or bookings, 0 or more; kept as written so that a refusal repeats it.
    fn limit(&mut self, value: &Value, path: &str) -> Option<serde_json::Number> {
        self.visit();
        match value {
            Value::Number(n) if n.as_f64().is_some_and(|f| f >= 0.0 && f.is_finite()) => {
                Some(n.clone())
            }
            Value::Number(_) => {
                self.report(path, "must be 0 or more");
                None
            }
            _ => {
                self.report(path, "expected a number");
                None
            }
        }
    }

    /// One of a fixed set of words.
    fn word<T: Copy>(&mut self, value: &Value, path: &str, words: &[(&str, T)]) -> Option<T> {
        self.visit();
        let found = value
            .as_str()
            .and_then(|text| words.iter().find(|(word, _)| *word == text));
        if found.is_none() {
            let names: Vec<String> = words.iter().map(|(w, _)| format!("\"{w}\"")).collect();
            self.report(path, format!("expected one of {}", names.join(", ")));
        }
        found.map(|(_, t)| *t)
    }

    fn first_weekday(&mut self, value: &Value, path: &str) -> Option<FirstWeekday> {
        self.visit();
        match value.as_str() {
            Some("today") => Some(FirstWeekday::Today),
            Some(text) => match WEEKDAYS.iter().find(|(name, _)| *name == text) {
                Some((_, day)) => Some(FirstWeekday::Named(*day)),
                None => {
                    self.report(
                        path,
                        "expected a weekday name (\"monday\" … \"sunday\") or \"today\"",
                    );
                    None
                }
            },
            None => {
                self.report(
                    path,
                    "expected a weekday name (\"monday\" … \"sunday\") or \"today\"",
                );
                None
            }
        }
    }

    fn weekday(&mut self, value: &Value, path: &str) -> Option<Weekday> {
        self.word(value, path, &WEEKDAYS)
    }

    /// A resource, group, schedule or booking id: a string, or an integer read as its text.
    fn id(&mut self, value: &Value, path: &str) -> Option<Id> {
        self.visit();
        match value {
            Value::String(text) => Some(text.clone()),
            Value::Number(n) if n.is_i64() || n.is_u64() => Some(n.to_string()),
            _ => {
                self.report(path, "expected an id: a string or an integer");
                None
            }
        }
    }

    fn applies_to(&mut self, value: &Value, path: &str) -> Option<AppliesTo> {
        let mut filter = Some(AppliesTo::default());
        self.object(
            value,
            path,
            &["resource", "group", "schedule"],
            |w, key, v, p| {
                if v.is_null() {
                    return;
                }
                let id = w.id(v, &p);
                let Some(current) = filter.as_mut() else {
                    return;
                };
                match (key, id) {
                    (_, None) => filter = None,
                    ("resource", id) => current.resource = id,
                    ("group", id) => current.group = id,
                    (_, id) => current.schedule = id,
                }
            },
        )?;
        filter
    }

    fn enforced_days(&mut self, value: &Value, path: &str) -> Option<[bool; 7]> {
        let days = self.list(value, path, Walker::weekday)?;
        let mut enforced = [false; 7];
        for day in days {
            enforced[usize::from(day.to_monday_zero_offset().unsigned_abs())] = true;
        }
        Some(enforced)
    }

    fn enforced_hours(&mut self, value: &Value, path: &str) -> Option<EnforcedHours> {
        let (mut start, mut end) = (None, None);
        let map = self.object(value, path, &["start", "end"], |w, key, v, p| {
            if v.is_null() {
                return;
            }
            if key == "start" {
                start = w.local_time(v, &p, false);
            } else {
                end = w.local_time(v, &p, true);
            }
        })?;
        self.require(map, path, &["start", "end"]);
        let (start, end) = (start?, end?);
        // "00:00" as an end is the end of the day, as a clock shows it.
        let end = if end == 0 { 1440 } else { end };
        if start >= end {
            self.report(path, "start must be before end");
            return None;
        }
        Some(EnforcedHours { start, end })
    }

    fn resource_schedule(&mut self, value: &Value, path: &str) -> Option<HashMap<Id, Id>> {
        let Some(map) = value.as_object() else {
            self.report(path, "expected an object from resource id to schedule id");
            return None;
        };
        let mut schedules = HashMap::with_capacity(map.len().min(MAX_EXISTING));
        let mut complete = true;
        for (key, v) in map {
            if let Some(name) = crate::input::repeated_key(key) {
                self.report(
                    walk::child(path, name),
                    "repeats a key given earlier in the object",
                );
                complete = false;
                continue;
            }
            match self.id(v, &walk::child(path, key)) {
                Some(id) => {
                    schedules.insert(key.clone(), id);
                }
                None => complete = false,
            }
        }
        complete.then_some(schedules)
    }

    /// A list of bookings of at most `max` entries.
    fn bookings<T>(
        &mut self,
        value: &Value,
        path: &str,
        max: usize,
        element: impl FnMut(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        if value.as_array().is_some_and(|list| list.len() > max) {
            self.report(path, format!("must list at most {max} bookings"));
            return None;
        }
        self.list(value, path, element)
    }

    fn existing(&mut self, value: &Value, path: &str) -> Option<Existing> {
        let (mut id, mut start, mut end, mut resource) = (Some(None), None, None, None);
        let map = self.object(
            value,
            path,
            &["id", "start", "end", "resource"],
            |w, key, v, p| {
                if v.is_null() {
                    return;
                }
                match key {
                    "id" => id = w.id(v, &p).map(Some),
                    "start" => start = w.zoned_instant(v, &p),
                    "end" => end = w.zoned_instant(v, &p),
                    _ => resource = w.id(v, &p),
                }
            },
        )?;
        self.require(map, path, &["start", "end", "resource"]);
        let time = self.booked_time(start?, end?, path)?;
        Some(Existing {
            id: id?,
            time,
            resource: resource?,
        })
    }

    fn requested(&mut self, value: &Value, path: &str) -> Option<Requested> {
        const FIELDS: [&str; 5] = ["id", "start", "end", "resource", "resources"];
        let (mut id, mut start, mut end, mut resource) = (Some(None), None, None, None);
        let mut resources = Some(Vec::new());
        let map = self.object(value, path, &FIELDS, |w, key, v, p| {
            if v.is_null() {
                return;
            }
            match key {
                "id" => id = w.id(v, &p).map(Some),
                "start" => start = w.zoned_instant(v, &p),
                "end" => end = w.zoned_instant(v, &p),
                "resource" => resource = w.id(v, &p),
                _ => resources = w.list(v, &p, Walker::id),
            }
        })?;
        self.require(map, path, &["start", "end", "resource"]);
        let time = self.booked_time(start?, end?, path)?;
        let resource = resource?;
        let mut resources = resources?;
        // The primary resource is booked too, whether or not the list repeats it.
        if !resources.contains(&resource) {
            resources.insert(0, resource.clone());
        }
        resources.dedup();
        Some(Requested {
            id: id?,
            time,
            resource,
            resources,
        })
    }

    /// An instant that every zone can show on its clock: jiff's timestamps stop a little
    /// inside the years 9999 and -9999, so that any offset still gives a valid date.
    fn zoned_instant(&mut self, value: &Value, path: &str) -> Option<Instant> {
        let instant = self.instant(value, path)?;
        if instant.to_jiff().is_none() {
            let text = |ts: jiff::Timestamp| ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
            let (min, max) = (text(jiff::Timestamp::MIN), text(jiff::Timestamp::MAX));
            let reason = format!("must be between {min} and {max}");
            self.report(path, reason);
            return None;
        }
        Some(instant)
    }

    /// A booking's time. A booking that starts when it ends is read (it counts for nothing);
    /// one that ends before it starts is refused.
    fn booked_time(&mut self, start: Instant, end: Instant, path: &str) -> Option<Interval> {
        if end < start {
            self.report(path, "start must not be after end");
            return None;
        }
        Some(Interval::new(start, end))
    }
}

/// An upper bound of the periods `time` is split into: the shortest day a zone has is 23 hours
/// long (a few historic days are shorter, which only moves the bound by a little).
fn period_parts(period: Period, time: Interval) -> i64 {
    let shortest = match period {
        Period::Day => 23 * 3_600,
        Period::Week => 7 * DAY - 3_600,
        Period::Month => 28 * DAY - 3_600,
        Period::Year => 365 * DAY - 3_600,
    };
    (time.end.0 - time.start.0) / shortest + 2
}
