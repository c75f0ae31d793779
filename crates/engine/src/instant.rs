//! Instants as whole seconds since the Unix epoch, and the civil-calendar arithmetic the engine
//! needs to read and write them without a time zone.
//!
//! The engine works on `i64` seconds because every input is at whole seconds and because the
//! slot loop must not pay for a richer type. [`Instant`] converts to and from
//! [`jiff::Timestamp`] at the edges.

use std::fmt;

/// Seconds in one minute, hour and day; named so arithmetic reads as what it means.
pub const MINUTE: i64 = 60;
pub const HOUR: i64 = 3_600;
pub const DAY: i64 = 86_400;

/// A point in time: whole seconds since 1970-01-01T00:00:00Z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Instant(pub i64);

impl Instant {
    pub const MIN: Instant = Instant(i64::MIN);
    pub const MAX: Instant = Instant(i64::MAX);

    pub fn seconds(self) -> i64 {
        self.0
    }

    /// `self + seconds`, pinned to the representable range instead of overflowing.
    pub fn plus(self, seconds: i64) -> Instant {
        Instant(self.0.saturating_add(seconds))
    }

    pub fn minus(self, seconds: i64) -> Instant {
        Instant(self.0.saturating_sub(seconds))
    }

    /// The first whole UTC minute at or after `self`.
    pub fn ceil_minute(self) -> Instant {
        let rem = self.0.rem_euclid(MINUTE);
        if rem == 0 {
            self
        } else {
            self.plus(MINUTE - rem)
        }
    }

    pub fn to_jiff(self) -> Option<jiff::Timestamp> {
        jiff::Timestamp::from_second(self.0).ok()
    }

    pub fn from_jiff(ts: jiff::Timestamp) -> Instant {
        Instant(ts.as_second())
    }

    /// Parses RFC 3339 (`2026-03-20T12:00:00Z`, `2026-03-20T13:00:00+01:00`) at whole seconds:
    /// a fraction is accepted only when it is all zeros.
    pub fn parse_rfc3339(text: &str) -> Result<Instant, InstantError> {
        parse_rfc3339(text.as_bytes())
    }
}

/// Why a string is not an RFC 3339 instant at whole seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum InstantError {
    #[error("expected an RFC 3339 instant such as \"2026-03-20T12:00:00Z\"")]
    Syntax,
    #[error("not a real calendar date or time of day")]
    OutOfRange,
    #[error("instants must be at whole seconds (a fraction is allowed only if it is zero)")]
    Fraction,
}

/// Writes `YYYY-MM-DDTHH:MM:SSZ`, the one output format of the engine.
impl fmt::Display for Instant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut buf = [0u8; 20];
        match self.write_utc(&mut buf) {
            Some(text) => f.write_str(text),
            None => write!(f, "@{}", self.0),
        }
    }
}

impl Instant {
    /// Formats into `buf` without allocating; `None` outside years 0000..=9999.
    pub fn write_utc(self, buf: &mut [u8; 20]) -> Option<&str> {
        let days = self.0.div_euclid(DAY);
        let secs = self.0.rem_euclid(DAY);
        let (year, month, day) = civil_from_days(days);
        if !(0..=9999).contains(&year) {
            return None;
        }
        let (hh, mm, ss) = (secs / HOUR, (secs % HOUR) / MINUTE, secs % MINUTE);
        let put = |buf: &mut [u8; 20], at: usize, value: i64, width: usize| {
            let mut v = value;
            for i in (0..width).rev() {
                buf[at + i] = b'0' + (v % 10) as u8;
                v /= 10;
            }
        };
        put(buf, 0, year, 4);
        buf[4] = b'-';
        put(buf, 5, month as i64, 2);
        buf[7] = b'-';
        put(buf, 8, day as i64, 2);
        buf[10] = b'T';
        put(buf, 11, hh, 2);
        buf[13] = b':';
        put(buf, 14, mm, 2);
        buf[16] = b':';
        put(buf, 17, ss, 2);
        buf[19] = b'Z';
        std::str::from_utf8(buf).ok()
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day number (inverse of [`days_from_civil`]).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

pub fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// Monday = 0 … Sunday = 6 for a day number (1970-01-01 was a Thursday).
pub fn weekday_from_days(days: i64) -> usize {
    (days + 3).rem_euclid(7) as usize
}

/// The ISO week a day belongs to, as a number that is equal for the Monday-to-Sunday days of
/// one week and grows by one each week.
pub fn iso_week_from_days(days: i64) -> i64 {
    (days + 3).div_euclid(7)
}

/// Parses a `YYYY-MM-DD` calendar date into its day number.
pub fn parse_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let year = digits(&b[0..4])?;
    let month = digits(&b[5..7])? as u32;
    let day = digits(&b[8..10])? as u32;
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    Some(days_from_civil(year, month, day))
}

fn digits(b: &[u8]) -> Option<i64> {
    b.iter().try_fold(0i64, |acc, &c| {
        c.is_ascii_digit().then(|| acc * 10 + i64::from(c - b'0'))
    })
}

fn parse_rfc3339(b: &[u8]) -> Result<Instant, InstantError> {
    use InstantError::*;
    if b.len() < 20 {
        return Err(Syntax);
    }
    let sep = |i: usize, c: u8| if b[i] == c { Ok(()) } else { Err(Syntax) };
    sep(4, b'-')?;
    sep(7, b'-')?;
    if b[10] != b'T' && b[10] != b't' {
        return Err(Syntax);
    }
    sep(13, b':')?;
    sep(16, b':')?;
    let num = |r: std::ops::Range<usize>| digits(&b[r]).ok_or(Syntax);
    let (year, month, day) = (num(0..4)?, num(5..7)? as u32, num(8..10)? as u32);
    let (hour, minute, second) = (num(11..13)?, num(14..16)?, num(17..19)?);
    let mut rest = &b[19..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return Err(Syntax);
        }
        if frac[..n].iter().any(|&c| c != b'0') {
            return Err(Fraction);
        }
        rest = &frac[n..];
    }
    let offset = match rest {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let oh = digits(&[*h1, *h2]).ok_or(Syntax)?;
            let om = digits(&[*m1, *m2]).ok_or(Syntax)?;
            if oh > 23 || om > 59 {
                return Err(OutOfRange);
            }
            let magnitude = oh * HOUR + om * MINUTE;
            if *sign == b'-' { -magnitude } else { magnitude }
        }
        _ => return Err(Syntax),
    };
    if !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 59
    {
        return Err(OutOfRange);
    }
    let local = days_from_civil(year, month, day) * DAY + hour * HOUR + minute * MINUTE + second;
    Ok(Instant(local - offset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn parses_utc_and_offsets() {
        let utc = Instant::parse_rfc3339("2026-03-20T12:00:00Z");
        assert_eq!(utc, Ok(Instant(1_774_008_000)));
        assert_eq!(Instant::parse_rfc3339("2026-03-20T13:00:00+01:00"), utc);
        assert_eq!(Instant::parse_rfc3339("2026-03-20T06:15:00-05:45"), utc);
        assert_eq!(Instant::parse_rfc3339("2026-03-20T12:00:00.000Z"), utc);
    }

    #[test]
    fn rejects_what_is_not_rfc3339_at_whole_seconds() {
        for bad in [
            "2026-03-20T12:00Z",
            "2026-03-20 12:00:00Z",
            "2026-03-20T12:00:00",
            "2026-03-20T12:00:00+0100",
            "2026-03-20T12:00:00.Z",
            "20260320T120000Z",
            "",
        ] {
            assert_eq!(
                Instant::parse_rfc3339(bad),
                Err(InstantError::Syntax),
                "{bad}"
            );
        }
        assert_eq!(
            Instant::parse_rfc3339("2026-03-20T12:00:00.5Z"),
            Err(InstantError::Fraction)
        );
        for bad in [
            "2026-02-29T00:00:00Z",
            "2026-03-20T24:00:00Z",
            "2026-03-20T12:00:60Z",
        ] {
            assert_eq!(
                Instant::parse_rfc3339(bad),
                Err(InstantError::OutOfRange),
                "{bad}"
            );
        }
    }

    #[test]
    fn weekdays_and_iso_weeks() {
        let monday = days_from_civil(2026, 3, 23);
        assert_eq!(weekday_from_days(monday), 0);
        assert_eq!(weekday_from_days(monday + 6), 6);
        assert_eq!(iso_week_from_days(monday), iso_week_from_days(monday + 6));
        assert_eq!(
            iso_week_from_days(monday) + 1,
            iso_week_from_days(monday + 7)
        );
        assert_eq!(
            iso_week_from_days(monday - 1) + 1,
            iso_week_from_days(monday)
        );
    }

    proptest! {
        #[test]
        fn civil_round_trip(days in -4_000_000i64..4_000_000) {
            let (y, m, d) = civil_from_days(days);
            prop_assert_eq!(days_from_civil(y, m, d), days);
        }

        #[test]
        fn display_matches_jiff(secs in -62_135_596_800i64..253_402_000_000) {
            let ours = Instant(secs).to_string();
            let theirs = jiff::Timestamp::from_second(secs).expect("in range")
                .strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
            prop_assert_eq!(ours.clone(), theirs);
            prop_assert_eq!(Instant::parse_rfc3339(&ours), Ok(Instant(secs)));
        }
    }
}
