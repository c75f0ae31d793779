//! The walk every contract document shares: values visited in document order, problems
//! recorded with the JSON path of the bad field and sorted back into document order at the end.
//!
//! A contract's reader adds its own `impl Walker` block for its own objects; this module keeps
//! only what any document needs (objects with known keys, required fields, instants, numbers,
//! zones, lists).

use jiff::tz::TimeZone;
use serde_json::{Map, Value};

use super::parse_local_time;
use super::strict;
use crate::instant::Instant;
use crate::interval::Interval;

/// One reason the document is invalid.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// JSON path of the bad field, `.key` and `[index]` (`hosts[0].weekly.mon[1]`); empty for
    /// the document itself.
    pub path: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// Parses JSON text with repeated keys kept visible; bad JSON is one problem at the root.
pub fn parse_document(text: &str) -> Result<Value, Vec<Problem>> {
    strict::parse(text).map_err(|e| {
        vec![Problem {
            path: String::new(),
            reason: format!("not valid JSON: {e}"),
        }]
    })
}

/// Walks the document, recording problems with the position in the document they belong to.
#[derive(Default)]
pub(crate) struct Walker {
    problems: Vec<(u64, Problem)>,
    /// Advances at every value visited and at every object's close.
    position: u64,
}

pub(crate) fn child(path: &str, key: &str) -> String {
    // A key with a line break in it would split its problem over two lines.
    let key = if key.chars().any(char::is_control) {
        key.chars()
            .map(|c| {
                if c.is_control() {
                    c.escape_default().to_string()
                } else {
                    c.to_string()
                }
            })
            .collect()
    } else {
        key.to_owned()
    };
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

pub(crate) fn item(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

/// Absent or `null`: the same thing for an optional field.
pub(crate) fn present(value: Option<&Value>) -> Option<&Value> {
    value.filter(|v| !v.is_null())
}

impl Walker {
    /// The value read, if the walk found no problem; else every problem in document order.
    pub(crate) fn finish<T>(self, value: Option<T>) -> Result<T, Vec<Problem>> {
        match value {
            Some(value) if self.problems.is_empty() => Ok(value),
            _ => {
                let mut problems = self.problems;
                problems.sort_by_key(|(position, _)| *position);
                Err(problems.into_iter().map(|(_, p)| p).collect())
            }
        }
    }

    pub(crate) fn visit(&mut self) -> u64 {
        self.position += 1;
        self.position
    }

    pub(crate) fn report_at(
        &mut self,
        position: u64,
        path: impl Into<String>,
        reason: impl Into<String>,
    ) {
        let problem = Problem {
            path: path.into(),
            reason: reason.into(),
        };
        self.problems.push((position, problem));
    }

    pub(crate) fn report(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        let position = self.visit();
        self.report_at(position, path, reason);
    }

    /// The object at `path` with its keys checked against `known`, in document order. Each
    /// known key is handed to `field`; unknown keys are reported.
    pub(crate) fn object<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        known: &[&str],
        mut field: impl FnMut(&mut Self, &str, &'v Value, String),
    ) -> Option<&'v Map<String, Value>> {
        let Some(map) = value.as_object() else {
            self.report(path, "expected an object");
            return None;
        };
        for (key, value) in map {
            if let Some(name) = strict::repeated_key(key) {
                self.report(
                    child(path, name),
                    "repeats a key given earlier in the object",
                );
                continue;
            }
            let key_path = child(path, key);
            if known.contains(&key.as_str()) {
                field(self, key, value, key_path);
            } else {
                self.report(key_path, "unknown field");
            }
        }
        Some(map)
    }

    /// Reports required fields that are absent or null, where the object closes.
    pub(crate) fn require(&mut self, map: &Map<String, Value>, path: &str, fields: &[&str]) {
        let position = self.visit();
        for field in fields {
            if present(map.get(*field)).is_none() {
                self.report_at(position, child(path, field), "is required");
            }
        }
    }

    /// A JSON integer (not `30.0`) as i64, if it is one.
    pub(crate) fn integer(&mut self, value: &Value, path: &str) -> Option<i128> {
        self.visit();
        let number = value
            .as_i64()
            .map(i128::from)
            .or_else(|| value.as_u64().map(i128::from));
        if number.is_none() {
            self.report(path, "expected an integer");
        }
        number
    }

    pub(crate) fn bounded(&mut self, value: &Value, path: &str, min: i64, max: i64) -> Option<i64> {
        let number = self.integer(value, path)?;
        if number < i128::from(min) || number > i128::from(max) {
            self.report(path, format!("must be between {min} and {max}"));
            return None;
        }
        i64::try_from(number).ok()
    }

    /// A non-negative integer without an upper bound.
    pub(crate) fn count(&mut self, value: &Value, path: &str) -> Option<u64> {
        let number = self.integer(value, path)?;
        if number < 0 {
            self.report(path, "must be 0 or more");
            return None;
        }
        Some(u64::try_from(number).unwrap_or(u64::MAX))
    }

    pub(crate) fn timezone(&mut self, value: &Value, path: &str) -> Option<TimeZone> {
        self.visit();
        let Some(name) = value.as_str() else {
            self.report(path, "expected an IANA time zone name");
            return None;
        };
        // jiff matches names without regard to case; the contract wants them spelled exactly.
        // The system's zoneinfo folder also holds two files that are not tz database names.
        let not_a_zone_name = matches!(name, "posixrules" | "localtime");
        match TimeZone::get(name) {
            Ok(tz) if tz.iana_name() == Some(name) && !not_a_zone_name => Some(tz),
            _ => {
                self.report(path, format!("unknown time zone {}", Value::from(name)));
                None
            }
        }
    }

    pub(crate) fn list<T>(
        &mut self,
        value: &Value,
        path: &str,
        mut element: impl FnMut(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Some(values) = value.as_array() else {
            self.report(path, "expected an array");
            return None;
        };
        let mut out = Vec::with_capacity(values.len());
        let mut complete = true;
        for (index, v) in values.iter().enumerate() {
            match element(self, v, &item(path, index)) {
                Some(x) => out.push(x),
                None => complete = false,
            }
        }
        complete.then_some(out)
    }

    pub(crate) fn ordered(&mut self, start: Instant, end: Instant, path: &str) -> Option<Interval> {
        if start >= end {
            self.report(path, "start must be before end");
            return None;
        }
        Some(Interval::new(start, end))
    }

    pub(crate) fn boolean(&mut self, value: &Value, path: &str) -> Option<bool> {
        self.visit();
        let flag = value.as_bool();
        if flag.is_none() {
            self.report(path, "expected true or false");
        }
        flag
    }

    pub(crate) fn instant(&mut self, value: &Value, path: &str) -> Option<Instant> {
        self.visit();
        let Some(text) = value.as_str() else {
            self.report(path, "expected an RFC 3339 instant string");
            return None;
        };
        match Instant::parse_rfc3339(text) {
            Ok(instant) => Some(instant),
            Err(e) => {
                self.report(path, e.to_string());
                None
            }
        }
    }

    pub(crate) fn local_time(&mut self, value: &Value, path: &str, is_end: bool) -> Option<u16> {
        self.visit();
        let minute = value.as_str().and_then(parse_local_time);
        match minute {
            Some(1440) if !is_end => {
                self.report(path, "24:00 is allowed only as an end");
                None
            }
            Some(m) => Some(m),
            None => {
                self.report(
                    path,
                    "expected a local time \"HH:MM\" from 00:00 to 23:59, or 24:00 as an end",
                );
                None
            }
        }
    }
}
