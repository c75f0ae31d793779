//! What a TZID names (RFC 5545 §3.2.19, §3.6.5).
//!
//! Looked up in the order icalendar (the Python library most calendar tools are tested
//! against) uses: an IANA name; else the calendar's own VTIMEZONE of that TZID; else a Windows
//! zone name (Outlook and Exchange write "W. Europe Standard Time") through CLDR's
//! windowsZones mapping; else an IANA name behind a vendor prefix
//! (`/mozilla.org/20050126_1/Europe/Berlin`).
//!
//! A VTIMEZONE becomes a POSIX TZ rule (jiff reads those): its current STANDARD and DAYLIGHT
//! observances, each a yearly "n-th weekday of a month" rule as every producer we know writes
//! them. Transitions before the current rule (history) are not kept; a VTIMEZONE we cannot
//! turn into a rule yields its latest fixed offset.

use std::collections::HashMap;
use std::sync::OnceLock;

use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::parse::{Component, Property};
use crate::value::parse_datetime;

/// CLDR windowsZones (territory 001); the source is named at the top of the file.
const WINDOWS_ZONES: &str = include_str!("windows_zones.tsv");

fn windows_zones() -> &'static HashMap<&'static str, &'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        WINDOWS_ZONES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .collect()
    })
}

/// The IANA name CLDR maps a Windows zone name to.
pub fn windows_to_iana(name: &str) -> Option<&'static str> {
    windows_zones().get(name.trim()).copied()
}

/// The zones one calendar object defines, and how to read any TZID in it.
#[derive(Debug, Default)]
pub struct Zones {
    defined: HashMap<String, TimeZone>,
    /// Answers already given: a calendar names the same few zones thousands of times.
    seen: std::cell::RefCell<HashMap<String, Option<TimeZone>>>,
}

impl Zones {
    /// Reads the VTIMEZONEs of a parsed calendar object.
    pub fn of(roots: &[Component]) -> Zones {
        let mut found = Vec::new();
        for root in roots {
            if root.name == "VTIMEZONE" {
                found.push(root);
            }
            root.find_all("VTIMEZONE", &mut found);
        }
        let mut defined = HashMap::new();
        for vtimezone in found {
            let Some(tzid) = vtimezone.property("TZID") else {
                continue;
            };
            if let Some(zone) = from_vtimezone(vtimezone) {
                defined
                    .entry(tzid.value.trim().trim_matches('/').to_owned())
                    .or_insert(zone);
            }
        }
        Zones {
            defined,
            seen: Default::default(),
        }
    }

    /// The zone a TZID names, `None` when nothing does.
    pub fn get(&self, tzid: &str) -> Option<TimeZone> {
        if let Some(known) = self.seen.borrow().get(tzid) {
            return known.clone();
        }
        let found = self.look_up(tzid);
        self.seen
            .borrow_mut()
            .insert(tzid.to_owned(), found.clone());
        found
    }

    fn look_up(&self, tzid: &str) -> Option<TimeZone> {
        let tzid = tzid.trim();
        let clean = tzid.trim_matches('/');
        if let Ok(tz) = TimeZone::get(clean) {
            return Some(tz);
        }
        if let Some(tz) = self.defined.get(clean) {
            return Some(tz.clone());
        }
        if let Some(iana) = windows_to_iana(clean)
            && let Ok(tz) = TimeZone::get(iana)
        {
            return Some(tz);
        }
        let parts: Vec<&str> = clean.split('/').filter(|p| !p.is_empty()).collect();
        (1..parts.len()).find_map(|skip| TimeZone::get(&parts[skip..].join("/")).ok())
    }
}

/// One STANDARD or DAYLIGHT observance, as far as a POSIX rule needs it.
struct Observance {
    start: DateTime,
    /// The offset in force after the change, in seconds east of UTC.
    to: i32,
    /// `Mm.w.d` when a yearly weekday rule without end says when it recurs.
    rule: Option<String>,
    /// The observance stopped recurring (UNTIL), or never recurred.
    ended: bool,
}

fn offset(property: Option<&Property>) -> Option<i32> {
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
    Some(sign * secs)
}

fn observance(c: &Component) -> Option<Observance> {
    let start = parse_datetime(c.property("DTSTART")?.value.trim()).ok()?;
    let to = offset(c.property("TZOFFSETTO"))?;
    let mut rule = None;
    let mut ended = true;
    if let Some(rrule) = c.property("RRULE") {
        let mut month = None;
        let mut day = None;
        let mut until = false;
        for part in rrule.value.split(';') {
            let Some((k, v)) = part.split_once('=') else {
                continue;
            };
            match k.trim().to_ascii_uppercase().as_str() {
                "BYMONTH" => month = v.trim().parse::<u8>().ok().filter(|m| (1..=12).contains(m)),
                "BYDAY" => day = Some(v.trim().to_ascii_uppercase()),
                "UNTIL" | "COUNT" => until = true,
                _ => {}
            }
        }
        ended = until;
        let month = month.or_else(|| u8::try_from(start.month()).ok());
        if let (Some(month), Some(day)) = (month, day.as_deref()) {
            rule = posix_day(month, day);
        }
    }
    Some(Observance {
        start,
        to,
        rule,
        ended,
    })
}

/// `-1SU` in October as `M10.5.0`.
fn posix_day(month: u8, byday: &str) -> Option<String> {
    if byday.len() < 2 || !byday.is_char_boundary(byday.len() - 2) {
        return None;
    }
    let (n, code) = byday.split_at(byday.len() - 2);
    let weekday = ["SU", "MO", "TU", "WE", "TH", "FR", "SA"]
        .iter()
        .position(|c| *c == code)?;
    let n: i8 = n.trim_start_matches('+').parse().ok()?;
    let week = match n {
        1..=4 => n,
        -1 | 5 => 5,
        _ => return None,
    };
    Some(format!("M{month}.{week}.{weekday}"))
}

fn posix_offset(secs: i32) -> String {
    // POSIX offsets are west of UTC: UTC+1 is `-1`.
    let west = -secs;
    let sign = if west < 0 { "-" } else { "" };
    let a = west.abs();
    format!("{sign}{}:{:02}:{:02}", a / 3600, a / 60 % 60, a % 60)
}

fn posix_time(t: DateTime) -> String {
    format!("{}:{:02}:{:02}", t.hour(), t.minute(), t.second())
}

/// A VTIMEZONE as a jiff zone: its current yearly rule, or its latest offset.
fn from_vtimezone(vtimezone: &Component) -> Option<TimeZone> {
    let latest = |name: &str| {
        vtimezone
            .children
            .iter()
            .filter(|c| c.name == name)
            .filter_map(observance)
            // A rule still recurring wins; then the latest start.
            .max_by_key(|o| (!o.ended, o.start))
    };
    let standard = latest("STANDARD");
    let daylight = latest("DAYLIGHT");
    let fixed = |o: &Observance| {
        jiff::tz::Offset::from_seconds(o.to)
            .ok()
            .map(TimeZone::fixed)
    };
    match (standard, daylight) {
        (Some(std), Some(dst))
            if !std.ended && !dst.ended && std.rule.is_some() && dst.rule.is_some() =>
        {
            let posix = format!(
                "STD{}DST{},{}/{},{}/{}",
                posix_offset(std.to),
                posix_offset(dst.to),
                dst.rule.as_deref().unwrap_or_default(),
                posix_time(dst.start),
                std.rule.as_deref().unwrap_or_default(),
                posix_time(std.start),
            );
            TimeZone::posix(&posix).ok().or_else(|| fixed(&std))
        }
        (Some(std), Some(dst)) => {
            if dst.start > std.start && !dst.ended {
                fixed(&dst)
            } else {
                fixed(&std)
            }
        }
        (Some(only), None) | (None, Some(only)) => fixed(&only),
        (None, None) => None,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn windows_names_map_to_iana() {
        assert_eq!(
            windows_to_iana("W. Europe Standard Time"),
            Some("Europe/Berlin")
        );
        assert_eq!(
            windows_to_iana("Pacific Standard Time"),
            Some("America/Los_Angeles")
        );
        let zones = Zones::default();
        assert!(zones.get("Eastern Standard Time").is_some());
        assert!(zones.get("/mozilla.org/20050126_1/Europe/Berlin").is_some());
        assert!(zones.get("Nowhere Standard Time").is_none());
    }
}
