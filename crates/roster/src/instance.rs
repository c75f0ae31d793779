//! Reads and validates `roster-instance/1` and `roster-solution/1` (ROSTER.md); the solution
//! document is written by [`crate::document`].
//!
//! Every problem is reported with the JSON path of the bad field (`participants[3].skills[0]`,
//! `targets[12].end`), in the order the walk meets them; a missing field is named itself and
//! reported where its object is checked, a repeated id by the later one.

use std::collections::{HashMap, HashSet};
use std::str::FromStr;

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use serde_json::{Map, Value};

pub const INSTANCE_FORMAT: &str = "roster-instance/1";
pub const SOLUTION_FORMAT: &str = "roster-solution/1";
/// Bounds that keep a hostile document from asking for unbounded memory or time.
pub const MAX_PARTICIPANTS: usize = 100_000;
pub const MAX_TARGETS: usize = 200_000;
pub const MAX_REQUIRED_COUNT: i64 = 1_000;
pub const MAX_HORIZON_DAYS: i64 = 3_660;
/// A target longer than this would make one assignment span weeks; no roster means that.
pub const MAX_TARGET_DAYS: i64 = 7;

/// One reason a document is invalid: printed `error: PATH: REASON`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// JSON path of the bad field; empty for the document itself.
    pub path: String,
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// A validated instance, in document order.
#[derive(Clone, Debug)]
pub struct Instance {
    pub name: Option<String>,
    pub timezone: TimeZone,
    pub horizon_start: Date,
    pub horizon_days: u32,
    pub min_rest_minutes: i64,
    pub max_per_day: u32,
    pub participants: Vec<Participant>,
    pub targets: Vec<Target>,
}

#[derive(Clone, Debug)]
pub struct Participant {
    pub id: String,
    pub name: Option<String>,
    pub skills: Vec<String>,
    pub unavailable_dates: Vec<Date>,
    pub undesired_dates: Vec<Date>,
    pub desired_dates: Vec<Date>,
}

#[derive(Clone, Debug)]
pub struct Target {
    pub id: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub location: String,
    pub required_count: u32,
    pub required_skills: Vec<String>,
}

/// One assignment by index: (target, participant).
pub type Assignment = (u32, u32);

pub const DEFAULT_MIN_REST_MINUTES: i64 = 600;
pub const DEFAULT_MAX_PER_DAY: u32 = 1;

pub fn parse_instance(text: &str) -> Result<Instance, Vec<Problem>> {
    let value = parse_json(text)?;
    let mut walker = Walker::default();
    match walker.instance(&value) {
        Some(instance) if walker.problems.is_empty() => Ok(instance),
        _ => Err(walker.problems),
    }
}

/// The assignments of a solution document, as indexes into `instance`; `score` is ignored.
pub fn parse_solution(text: &str, instance: &Instance) -> Result<Vec<Assignment>, Vec<Problem>> {
    let value = parse_json(text)?;
    let mut walker = Walker::default();
    match walker.solution(&value, instance) {
        Some(assignments) if walker.problems.is_empty() => Ok(assignments),
        _ => Err(walker.problems),
    }
}

fn parse_json(text: &str) -> Result<Value, Vec<Problem>> {
    serde_json::from_str(text).map_err(|e| {
        vec![Problem {
            path: String::new(),
            reason: format!("not valid JSON: {e}"),
        }]
    })
}

fn child(path: &str, key: &str) -> String {
    // A key with a line break in it would split its problem over two lines.
    let key: String = key
        .chars()
        .map(|c| {
            if c.is_control() {
                c.escape_default().to_string()
            } else {
                c.to_string()
            }
        })
        .collect();
    if path.is_empty() {
        key
    } else {
        format!("{path}.{key}")
    }
}

fn item(path: &str, index: usize) -> String {
    format!("{path}[{index}]")
}

#[derive(Default)]
struct Walker {
    problems: Vec<Problem>,
}

impl Walker {
    fn report(&mut self, path: impl Into<String>, reason: impl Into<String>) {
        self.problems.push(Problem {
            path: path.into(),
            reason: reason.into(),
        });
    }

    /// The object at `path`; unknown keys are reported, known non-null ones handed to `field`,
    /// then absent (or null) required ones reported.
    fn object<'v>(
        &mut self,
        value: &'v Value,
        path: &str,
        known: &[&str],
        required: &[&str],
        mut field: impl FnMut(&mut Self, &str, &'v Value, String),
    ) -> Option<&'v Map<String, Value>> {
        let Some(map) = value.as_object() else {
            self.report(path, "expected an object");
            return None;
        };
        for (key, value) in map {
            let key_path = child(path, key);
            if !known.contains(&key.as_str()) {
                self.report(key_path, "unknown field");
            } else if !value.is_null() {
                field(self, key, value, key_path);
            }
        }
        for name in required {
            if map.get(*name).is_none_or(Value::is_null) {
                self.report(child(path, name), "is required");
            }
        }
        Some(map)
    }

    fn string(&mut self, value: &Value, path: &str) -> Option<String> {
        match value.as_str() {
            Some(text) => Some(text.to_owned()),
            None => {
                self.report(path, "expected a string");
                None
            }
        }
    }

    fn id(&mut self, value: &Value, path: &str) -> Option<String> {
        let id = self.string(value, path)?;
        if id.is_empty() {
            self.report(path, "must not be empty");
            return None;
        }
        Some(id)
    }

    fn integer(&mut self, value: &Value, path: &str, min: i64, max: i64) -> Option<i64> {
        match value.as_i64() {
            Some(n) if (min..=max).contains(&n) => Some(n),
            _ => {
                self.report(path, format!("expected an integer from {min} to {max}"));
                None
            }
        }
    }

    fn date(&mut self, value: &Value, path: &str) -> Option<Date> {
        let text = self.string(value, path)?;
        // jiff also reads other ISO 8601 forms; the contract writes dates as YYYY-MM-DD.
        let shaped = text.len() == 10
            && text.bytes().enumerate().all(|(i, b)| match i {
                4 | 7 => b == b'-',
                _ => b.is_ascii_digit(),
            });
        match Date::from_str(&text) {
            Ok(date) if shaped => Some(date),
            _ => {
                self.report(path, format!("expected a date YYYY-MM-DD, not {text:?}"));
                None
            }
        }
    }

    fn instant(&mut self, value: &Value, path: &str) -> Option<Timestamp> {
        let text = self.string(value, path)?;
        match Timestamp::from_str(&text) {
            Ok(instant) if !text.contains('[') => Some(instant),
            _ => {
                self.report(
                    path,
                    format!("expected an RFC 3339 instant with an offset, not {text:?}"),
                );
                None
            }
        }
    }

    fn list<T>(
        &mut self,
        value: &Value,
        path: &str,
        mut each: impl FnMut(&mut Self, &Value, &str) -> Option<T>,
    ) -> Option<Vec<T>> {
        let Some(items) = value.as_array() else {
            self.report(path, "expected an array");
            return None;
        };
        let mut out = Vec::with_capacity(items.len());
        let mut ok = true;
        for (index, value) in items.iter().enumerate() {
            match each(self, value, &item(path, index)) {
                Some(v) => out.push(v),
                None => ok = false,
            }
        }
        ok.then_some(out)
    }

    fn instance(&mut self, root: &Value) -> Option<Instance> {
        const FIELDS: [&str; 7] = [
            "format",
            "name",
            "timezone",
            "horizon",
            "rules",
            "participants",
            "targets",
        ];
        const REQUIRED: [&str; 5] = ["format", "timezone", "horizon", "participants", "targets"];
        let mut format = None;
        let mut name = Some(None);
        let mut timezone = None;
        let mut horizon = None;
        let mut rules = Some((DEFAULT_MIN_REST_MINUTES, DEFAULT_MAX_PER_DAY));
        let mut participants = None;
        let mut targets = None;
        self.object(root, "", &FIELDS, &REQUIRED, |w, key, v, path| match key {
            "format" => format = w.format(v, &path, INSTANCE_FORMAT),
            "name" => name = w.string(v, &path).map(Some),
            "timezone" => timezone = w.timezone(v, &path),
            "horizon" => horizon = w.horizon(v, &path),
            "rules" => rules = w.rules(v, &path),
            "participants" => participants = w.participants(v, &path),
            _ => targets = w.targets(v, &path),
        })?;
        format?;
        let (horizon_start, horizon_days) = horizon?;
        let (min_rest_minutes, max_per_day) = rules?;
        Some(Instance {
            name: name?,
            timezone: timezone?,
            horizon_start,
            horizon_days,
            min_rest_minutes,
            max_per_day,
            participants: participants?,
            targets: targets?,
        })
    }

    fn format(&mut self, value: &Value, path: &str, expected: &str) -> Option<()> {
        let text = self.string(value, path)?;
        if text != expected {
            self.report(path, format!("must be {expected:?}"));
            return None;
        }
        Some(())
    }

    fn timezone(&mut self, value: &Value, path: &str) -> Option<TimeZone> {
        let name = self.string(value, path)?;
        match TimeZone::get(&name) {
            Ok(zone) => Some(zone),
            Err(_) => {
                self.report(path, format!("unknown time zone {name:?}"));
                None
            }
        }
    }

    fn horizon(&mut self, value: &Value, path: &str) -> Option<(Date, u32)> {
        let mut start = None;
        let mut days = None;
        self.object(
            value,
            path,
            &["start", "days"],
            &["start", "days"],
            |w, key, v, p| {
                if key == "start" {
                    start = w.date(v, &p);
                } else {
                    days = w.integer(v, &p, 1, MAX_HORIZON_DAYS);
                }
            },
        )?;
        Some((start?, u32::try_from(days?).ok()?))
    }

    fn rules(&mut self, value: &Value, path: &str) -> Option<(i64, u32)> {
        let mut rest = Some(DEFAULT_MIN_REST_MINUTES);
        let mut per_day = Some(i64::from(DEFAULT_MAX_PER_DAY));
        let fields = ["min_rest_minutes", "max_per_day"];
        self.object(value, path, &fields, &[], |w, key, v, p| {
            if key == "min_rest_minutes" {
                rest = w.integer(v, &p, 0, 7 * 1440);
            } else {
                per_day = w.integer(v, &p, 1, 1_000);
            }
        })?;
        Some((rest?, u32::try_from(per_day?).ok()?))
    }

    fn participants(&mut self, value: &Value, path: &str) -> Option<Vec<Participant>> {
        let participants = self.list(value, path, Self::participant)?;
        if participants.len() > MAX_PARTICIPANTS {
            self.report(path, format!("at most {MAX_PARTICIPANTS} participants"));
            return None;
        }
        self.unique_ids(path, participants.iter().map(|p| p.id.as_str()))?;
        Some(participants)
    }

    fn participant(&mut self, value: &Value, path: &str) -> Option<Participant> {
        const FIELDS: [&str; 6] = [
            "id",
            "name",
            "skills",
            "unavailable_dates",
            "undesired_dates",
            "desired_dates",
        ];
        let mut id = None;
        let mut name = Some(None);
        let mut skills = None;
        let (mut unavailable, mut undesired, mut desired) =
            (Some(Vec::new()), Some(Vec::new()), Some(Vec::new()));
        self.object(
            value,
            path,
            &FIELDS,
            &["id", "skills"],
            |w, key, v, p| match key {
                "id" => id = w.id(v, &p),
                "name" => name = w.string(v, &p).map(Some),
                "skills" => skills = w.list(v, &p, |w, v, p| w.string(v, p)),
                "unavailable_dates" => unavailable = w.list(v, &p, Self::date),
                "undesired_dates" => undesired = w.list(v, &p, Self::date),
                _ => desired = w.list(v, &p, Self::date),
            },
        )?;
        Some(Participant {
            id: id?,
            name: name?,
            skills: skills?,
            unavailable_dates: unavailable?,
            undesired_dates: undesired?,
            desired_dates: desired?,
        })
    }

    fn targets(&mut self, value: &Value, path: &str) -> Option<Vec<Target>> {
        let targets = self.list(value, path, Self::target)?;
        if targets.len() > MAX_TARGETS {
            self.report(path, format!("at most {MAX_TARGETS} targets"));
            return None;
        }
        self.unique_ids(path, targets.iter().map(|t| t.id.as_str()))?;
        Some(targets)
    }

    fn target(&mut self, value: &Value, path: &str) -> Option<Target> {
        const FIELDS: [&str; 6] = [
            "id",
            "start",
            "end",
            "location",
            "required_count",
            "required_skills",
        ];
        let (mut id, mut start, mut end, mut location) = (None, None, None, None);
        let (mut count, mut skills) = (None, None);
        self.object(value, path, &FIELDS, &FIELDS, |w, key, v, p| match key {
            "id" => id = w.id(v, &p),
            "start" => start = w.instant(v, &p),
            "end" => end = w.instant(v, &p),
            "location" => location = w.string(v, &p),
            "required_count" => count = w.integer(v, &p, 0, MAX_REQUIRED_COUNT),
            _ => skills = w.list(v, &p, |w, v, p| w.string(v, p)),
        })?;
        let (start, end) = (start?, end?);
        if end <= start {
            self.report(child(path, "end"), "must be after start");
            return None;
        }
        if end.as_second() - start.as_second() > MAX_TARGET_DAYS * 86_400 {
            self.report(
                child(path, "end"),
                format!("a target lasts at most {MAX_TARGET_DAYS} days"),
            );
            return None;
        }
        Some(Target {
            id: id?,
            start,
            end,
            location: location?,
            required_count: u32::try_from(count?).ok()?,
            required_skills: skills?,
        })
    }

    /// Reports each id that repeats an earlier one, at the later `path[i].id`.
    fn unique_ids<'a>(&mut self, path: &str, ids: impl Iterator<Item = &'a str>) -> Option<()> {
        let mut seen: HashMap<&str, usize> = HashMap::new();
        let mut ok = true;
        for (index, id) in ids.enumerate() {
            if let Some(first) = seen.insert(id, index) {
                seen.insert(id, first);
                self.report(
                    child(&item(path, index), "id"),
                    format!("repeats the id of {}", item(path, first)),
                );
                ok = false;
            }
        }
        ok.then_some(())
    }

    fn solution(&mut self, root: &Value, instance: &Instance) -> Option<Vec<Assignment>> {
        let fields = ["format", "instance", "assignments", "score"];
        let targets: HashMap<&str, u32> = ids(instance.targets.iter().map(|t| t.id.as_str()));
        let people: HashMap<&str, u32> = ids(instance.participants.iter().map(|p| p.id.as_str()));
        let mut format = None;
        let mut assignments = None;
        let required = ["format", "assignments"];
        self.object(root, "", &fields, &required, |w, key, v, path| match key {
            "format" => format = w.format(v, &path, SOLUTION_FORMAT),
            "instance" => {
                w.string(v, &path);
            }
            "assignments" => {
                let mut seen = HashSet::new();
                assignments = w.list(v, &path, |w, v, p| {
                    let pair = w.assignment(v, p, &targets, &people)?;
                    if !seen.insert(pair) {
                        w.report(
                            p,
                            "repeats an assignment of this participant to this target",
                        );
                        return None;
                    }
                    Some(pair)
                });
            }
            // The score is what `solve` computed; `score` recomputes it, `--pinned` ignores it.
            _ => {}
        })?;
        format?;
        assignments
    }

    fn assignment(
        &mut self,
        value: &Value,
        path: &str,
        targets: &HashMap<&str, u32>,
        people: &HashMap<&str, u32>,
    ) -> Option<Assignment> {
        let fields = ["target", "participant"];
        let (mut target, mut participant) = (None, None);
        self.object(value, path, &fields, &fields, |w, key, v, p| {
            let id = w.string(v, &p);
            let (known, what, slot) = if key == "target" {
                (targets, "target", &mut target)
            } else {
                (people, "participant", &mut participant)
            };
            if let Some(id) = id {
                match known.get(id.as_str()) {
                    Some(&index) => *slot = Some(index),
                    None => w.report(p, format!("no {what} has the id {id:?}")),
                }
            }
        })?;
        Some((target?, participant?))
    }
}

fn ids<'a>(ids: impl Iterator<Item = &'a str>) -> HashMap<&'a str, u32> {
    ids.enumerate().map(|(i, id)| (id, i as u32)).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn problems(text: &str) -> Vec<String> {
        parse_instance(text)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    const HEAD: &str = r#""format": "roster-instance/1", "timezone": "Europe/Berlin",
        "horizon": {"start": "2024-01-01", "days": 7}"#;

    #[test]
    fn problems_name_their_exact_path() {
        let text = format!(
            r#"{{{HEAD}, "colour": 1,
            "participants": [{{"id": "a", "skills": ["Nurse", 3]}}, {{"id": "a", "skills": []}}],
            "targets": [{{"id": "t", "start": "2024-01-01T14:00:00+01:00",
                          "end": "2024-01-01T06:00:00+01:00", "location": "W",
                          "required_count": 1, "required_skills": []}},
                        {{"id": "u", "start": "2024-01-01T06:00:00", "location": "W",
                          "required_count": -1, "required_skills": [], "extra": true}}]}}"#
        );
        assert_eq!(
            problems(&text),
            [
                "colour: unknown field",
                "participants[0].skills[1]: expected a string",
                "targets[0].end: must be after start",
                "targets[1].start: expected an RFC 3339 instant with an offset, not \"2024-01-01T06:00:00\"",
                "targets[1].required_count: expected an integer from 0 to 1000",
                "targets[1].extra: unknown field",
                "targets[1].end: is required",
            ]
        );
        let text = format!(
            r#"{{{HEAD}, "participants": [{{"id": "a", "skills": []}}, {{"id": "a", "skills": [],
                "desired_dates": ["2024-1-3"]}}], "targets": []}}"#
        );
        assert_eq!(
            problems(&text),
            ["participants[1].desired_dates[0]: expected a date YYYY-MM-DD, not \"2024-1-3\"",]
        );
        let text = format!(
            r#"{{{HEAD}, "participants": [{{"id": "a", "skills": []}}, {{"id": "a", "skills": []}}], "targets": []}}"#
        );
        assert_eq!(
            problems(&text),
            ["participants[1].id: repeats the id of participants[0]"]
        );
    }

    #[test]
    fn defaults_fill_what_may_be_left_out() {
        let text =
            format!(r#"{{{HEAD}, "participants": [{{"id": "a", "skills": []}}], "targets": []}}"#);
        let instance = parse_instance(&text).unwrap();
        assert_eq!(instance.min_rest_minutes, 600);
        assert_eq!(instance.max_per_day, 1);
        assert!(instance.participants[0].unavailable_dates.is_empty());
        assert_eq!(
            problems("{"),
            [": not valid JSON: EOF while parsing an object at line 1 column 1"]
        );
        assert_eq!(
            problems(r#"{"format": "roster-instance/2"}"#),
            [
                "format: must be \"roster-instance/1\"",
                "timezone: is required",
                "horizon: is required",
                "participants: is required",
                "targets: is required",
            ]
        );
    }

    #[test]
    fn solutions_name_unknown_ids_and_repeats() {
        let text = format!(
            r#"{{{HEAD}, "participants": [{{"id": "a", "skills": []}}],
                "targets": [{{"id": "t", "start": "2024-01-01T06:00:00+01:00",
                "end": "2024-01-01T14:00:00+01:00", "location": "W", "required_count": 1,
                "required_skills": []}}]}}"#
        );
        let instance = parse_instance(&text).unwrap();
        let solution = r#"{"format": "roster-solution/1", "score": {"anything": 1},
            "assignments": [{"target": "t", "participant": "a"}, {"target": "t", "participant": "a"},
                            {"target": "x", "participant": "a"}]}"#;
        let found: Vec<String> = parse_solution(solution, &instance)
            .unwrap_err()
            .iter()
            .map(ToString::to_string)
            .collect();
        assert_eq!(
            found,
            [
                "assignments[1]: repeats an assignment of this participant to this target",
                "assignments[2].target: no target has the id \"x\"",
            ]
        );
    }
}
