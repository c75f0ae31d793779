//! Property values: dates, date-times in their zones, durations, text.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

use crate::Error;
use crate::parse::Property;
use crate::zones::Zones;

/// When something starts, as written: a whole day, or a local time in a zone.
#[derive(Clone, Debug, PartialEq)]
pub enum When {
    /// `VALUE=DATE`: a day, whose instants depend on whose day it is.
    Date(Date),
    /// A local date-time and the zone it is in (UTC for `...Z`).
    At(DateTime, TimeZone),
    /// A date-time with neither `Z` nor `TZID`: local wherever the reader is.
    Floating(DateTime),
}

/// The end of an `RDATE;VALUE=PERIOD` value: an explicit end or a length.
#[derive(Clone, Debug, PartialEq)]
pub enum PeriodEnd {
    At(When),
    Length(Duration),
}

impl When {
    /// Reads a DTSTART/DTEND/RECURRENCE-ID/EXDATE-like property's (first) value, its TZID
    /// looked up in `zones`.
    pub fn of(property: &Property, zones: &Zones) -> Result<When, Error> {
        let value = property.value.split(',').next().unwrap_or_default();
        Self::parse(
            value,
            property.param("VALUE"),
            property.param("TZID"),
            zones,
        )
    }

    /// Every value of a multi-valued property (EXDATE, RDATE), with the end of each period
    /// (`start/end` or `start/duration`) where one is given.
    pub fn all_of(
        property: &Property,
        zones: &Zones,
    ) -> Vec<Result<(When, Option<PeriodEnd>), Error>> {
        let kind = property
            .param("VALUE")
            .filter(|k| !k.eq_ignore_ascii_case("PERIOD"));
        let tzid = property.param("TZID");
        property
            .value
            .split(',')
            .filter(|v| !v.trim().is_empty())
            .map(|v| {
                let (start, end) = match v.split_once('/') {
                    Some((s, e)) => (s, Some(e.trim())),
                    None => (v, None),
                };
                let when = Self::parse(start, kind, tzid, zones)?;
                let end = match end {
                    None => None,
                    Some(e) if e.starts_with(['P', 'p', '+', '-']) => {
                        Some(PeriodEnd::Length(parse_duration(e)?))
                    }
                    Some(e) => Some(PeriodEnd::At(Self::parse(e, kind, tzid, zones)?)),
                };
                Ok((when, end))
            })
            .collect()
    }

    fn parse(
        value: &str,
        kind: Option<&str>,
        tzid: Option<&str>,
        zones: &Zones,
    ) -> Result<When, Error> {
        let value = value.trim();
        if kind.is_some_and(|k| k.eq_ignore_ascii_case("DATE")) || value.len() == 8 {
            return parse_date(value).map(When::Date);
        }
        if let Some(utc) = value.strip_suffix(['Z', 'z']) {
            return parse_datetime(utc).map(|dt| When::At(dt, TimeZone::UTC));
        }
        let local = parse_datetime(value)?;
        match tzid {
            Some(tzid) => zones
                .get(tzid)
                .map(|tz| When::At(local, tz))
                .ok_or_else(|| Error::UnknownZone(tzid.to_owned())),
            None => Ok(When::Floating(local)),
        }
    }

    /// The instant this names, reading dates and floating times in `local` (the host's zone).
    pub fn instant(&self, local: &TimeZone) -> Result<Timestamp, Error> {
        let (dt, tz) = self.local(local);
        instant(dt, tz)
    }

    /// The local date-time and the zone it is read in (dates at midnight, dates and floating
    /// times in `local`).
    pub fn local<'a>(&'a self, local: &'a TimeZone) -> (DateTime, &'a TimeZone) {
        match self {
            When::Date(d) => (d.to_datetime(jiff::civil::Time::midnight()), local),
            When::At(dt, tz) => (*dt, tz),
            When::Floating(dt) => (*dt, local),
        }
    }
}

/// A local date-time in a zone as an instant: a time in a DST gap is read with the offset
/// before the gap (02:30 that does not exist is 03:30), a repeated one as its first
/// occurrence, as RFC 5545 §3.3.5 asks.
pub fn instant(local: DateTime, zone: &TimeZone) -> Result<Timestamp, Error> {
    zone.to_ambiguous_zoned(local)
        .compatible()
        .map(|z| z.timestamp())
        .map_err(|_| Error::invalid("date-time", &local.to_string()))
}

/// A zone named by a TZID, without a calendar's own VTIMEZONEs (see [`Zones::get`]).
pub fn zone(tzid: &str) -> Result<TimeZone, Error> {
    Zones::default()
        .get(tzid)
        .ok_or_else(|| Error::UnknownZone(tzid.trim().to_owned()))
}

/// `YYYYMMDD`.
pub fn parse_date(value: &str) -> Result<Date, Error> {
    let digits = |range: std::ops::Range<usize>| -> Result<i16, Error> {
        value
            .get(range)
            .filter(|s| s.bytes().all(|b| b.is_ascii_digit()))
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| Error::invalid("date", value))
    };
    if value.len() != 8 {
        return Err(Error::invalid("date", value));
    }
    let (y, m, d) = (digits(0..4)?, digits(4..6)?, digits(6..8)?);
    let m = i8::try_from(m).map_err(|_| Error::invalid("date", value))?;
    let d = i8::try_from(d).map_err(|_| Error::invalid("date", value))?;
    Date::new(y, m, d).map_err(|_| Error::invalid("date", value))
}

/// `YYYYMMDDTHHMMSS` (no zone suffix).
pub fn parse_datetime(value: &str) -> Result<DateTime, Error> {
    let bad = || Error::invalid("date-time", value);
    let (date, time) = value.split_once(['T', 't']).ok_or_else(bad)?;
    let date = parse_date(date)?;
    if time.len() != 6 || !time.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let part = |r: std::ops::Range<usize>| time.get(r).and_then(|s| s.parse::<i8>().ok());
    let (Some(h), Some(m), Some(s)) = (part(0..2), part(2..4), part(4..6)) else {
        return Err(bad());
    };
    // A leap second (60) is read as the last second of its minute.
    let time = jiff::civil::Time::new(h, m, s.min(59), 0).map_err(|_| bad())?;
    Ok(date.to_datetime(time))
}

/// An RFC 5545 duration: whole days (nominal: calendar days in the event's zone) and an
/// exact part.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Duration {
    pub days: i64,
    pub exact: SignedDuration,
}

/// `[+-]P[nW][nD][T[nH][nM][nS]]`.
pub fn parse_duration(value: &str) -> Result<Duration, Error> {
    let bad = || Error::invalid("duration", value);
    let value = value.trim();
    let (negative, rest) = match value.as_bytes().first() {
        Some(b'-') => (true, &value[1..]),
        Some(b'+') => (false, &value[1..]),
        _ => (false, value),
    };
    let rest = rest.strip_prefix(['P', 'p']).ok_or_else(bad)?;
    let (mut days, mut seconds) = (0_i64, 0_i64);
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in rest.chars() {
        match c.to_ascii_uppercase() {
            d if d.is_ascii_digit() => number.push(d),
            'T' if number.is_empty() => in_time = true,
            unit => {
                let n: i64 = number.parse().map_err(|_| bad())?;
                number.clear();
                any = true;
                let (slot, factor) = match (unit, in_time) {
                    ('W', false) => (&mut days, 7),
                    ('D', false) => (&mut days, 1),
                    ('H', true) => (&mut seconds, 3600),
                    ('M', true) => (&mut seconds, 60),
                    ('S', true) => (&mut seconds, 1),
                    _ => return Err(bad()),
                };
                *slot = n
                    .checked_mul(factor)
                    .and_then(|v| slot.checked_add(v))
                    .ok_or_else(bad)?;
            }
        }
    }
    if !number.is_empty() || !any || days.abs() > 100_000 || seconds.abs() > 8_640_000_000 {
        return Err(bad());
    }
    let sign = if negative { -1 } else { 1 };
    Ok(Duration {
        days: sign * days,
        exact: SignedDuration::from_secs(sign * seconds),
    })
}

/// Undoes TEXT escapes (`\n`, `\,`, `\;`, `\\`).
pub fn unescape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    let mut chars = value.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Escapes TEXT for a property value (RFC 5545 §3.3.11): backslash, semicolon, comma and
/// newline escaped; tab kept; CR and the other control characters dropped (a content line
/// holds no ASCII control but tab; the C1 ones go too, no calendar text needs them).
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        let d = parse_duration("P1W2DT3H4M5S").unwrap();
        assert_eq!(d.days, 9);
        assert_eq!(d.exact, SignedDuration::from_secs(3 * 3600 + 4 * 60 + 5));
        assert_eq!(parse_duration("-PT15M").unwrap().exact.as_secs(), -900);
        for bad in [
            "",
            "P",
            "PT",
            "1H",
            "P1H",
            "PT1D",
            "P99999999999999999999D",
            "PTH",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn dates_times_and_zones() {
        let p = crate::parse(
            "BEGIN:X\nDTSTART;TZID=/mozilla.org/x/America/New_York:20261201T090000\nEND:X",
        )
        .remove(0);
        let when = When::of(p.property("DTSTART").unwrap(), &Zones::default()).unwrap();
        let utc = when.instant(&TimeZone::UTC).unwrap();
        assert_eq!(utc.to_string(), "2026-12-01T14:00:00Z");
        assert!(parse_date("20260230").is_err());
        assert!(parse_datetime("20261201T250000").is_err());
        assert!(zone("Not/AZone").is_err());
    }

    #[test]
    fn text_round_trips() {
        let s = "a, b; c\\d\nline";
        assert_eq!(unescape_text(&escape_text(s)), s);
    }
}
