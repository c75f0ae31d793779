//! Time zone lookups tuned for the slot loop.
//!
//! A zone's UTC offset is constant between transitions, and the engine asks about instants that
//! mostly move forward. [`ZoneCursor`] remembers the segment between two transitions that the
//! last question fell into, so most lookups are two comparisons. New segments come from a table
//! read from jiff once per computation ([`push_segments`]); jiff answers what the table does not
//! reach, and conversions next to two transitions at once.
//!
//! Local wall-clock times are "civil seconds": seconds since 1970-01-01T00:00:00 on the wall
//! clock, with no zone attached. The conversion to an instant follows the *compatible* rule of
//! RFC 5545 and Temporal: a time in a spring-forward gap moves forward by the gap's length, a
//! time that occurs twice in a fall-back fold takes the earlier instant.

use jiff::civil::DateTime;
use jiff::tz::TimeZone;

use crate::instant::{DAY, Instant};

/// Largest distance between an instant and a transition at which the other side's offset can
/// still matter for a wall-clock time: jiff bounds offsets to ±26 h, so two offsets differ by
/// less than 52 h.
const TRANSITION_REACH: i64 = 3 * DAY;

/// A stretch of time `[start, end)` in which a zone keeps one UTC offset (seconds east).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub start: i64,
    pub end: i64,
    pub offset: i64,
}

/// Appends to `out` the segments of `tz` that cover `[from, to)`, consecutive and in order, as
/// jiff reports them: read once per computation, so that the slot loop's conversions need no
/// jiff query. Outside jiff's range of years nothing is appended.
pub fn push_segments(tz: &TimeZone, from: i64, to: i64, out: &mut Vec<Segment>) {
    let Some(first) = segment_at(tz, from) else {
        return;
    };
    let Ok(ts) = jiff::Timestamp::from_second(first.start.max(from)) else {
        return;
    };
    let mut current = first;
    for transition in tz.following(ts) {
        let at = transition.timestamp().as_second();
        out.push(Segment { end: at, ..current });
        if at >= to {
            return;
        }
        current = Segment {
            start: at,
            end: i64::MAX,
            offset: i64::from(transition.offset().seconds()),
        };
    }
    out.push(current);
}

/// The segment that holds `at`, from jiff. Past the ends of jiff's range the offset of the
/// nearest end goes on, so a conversion never depends on what a cursor looked at before.
fn segment_at(tz: &TimeZone, at: i64) -> Option<Segment> {
    let bounds = jiff::Timestamp::MIN.as_second()..=jiff::Timestamp::MAX.as_second() - 1;
    let ts = jiff::Timestamp::from_second(at.clamp(*bounds.start(), *bounds.end())).ok()?;
    let just_after = ts
        .checked_add(jiff::SignedDuration::from_secs(1))
        .unwrap_or(ts);
    Some(Segment {
        start: match tz.preceding(just_after).next() {
            Some(t) => t.timestamp().as_second(),
            None => i64::MIN,
        },
        end: match tz.following(ts).next() {
            Some(t) => t.timestamp().as_second(),
            None => i64::MAX,
        },
        offset: i64::from(tz.to_offset(ts).seconds()),
    })
}

/// Looks up a zone's offsets, remembering the current segment between transitions. Segments
/// come from a table read ahead of time ([`push_segments`]) when it covers the question, else
/// from jiff.
#[derive(Clone, Debug)]
pub struct ZoneCursor<'tz> {
    tz: &'tz TimeZone,
    /// Consecutive segments read ahead; may be empty.
    table: &'tz [Segment],
    /// The current segment and, when it came from `table`, its index there.
    segment: Segment,
    index: Option<usize>,
    /// The part of the segment farther than [`TRANSITION_REACH`] from both its ends, where a
    /// wall-clock time converts with the segment's offset alone.
    far: (i64, i64),
}

impl<'tz> ZoneCursor<'tz> {
    pub fn new(tz: &'tz TimeZone) -> ZoneCursor<'tz> {
        ZoneCursor::with_table(tz, &[])
    }

    /// A cursor that answers from `table` (segments of `tz` from [`push_segments`]) where it
    /// reaches.
    pub fn with_table(tz: &'tz TimeZone, table: &'tz [Segment]) -> ZoneCursor<'tz> {
        // An empty segment: the first lookup seeks.
        ZoneCursor {
            tz,
            table,
            segment: Segment {
                start: 0,
                end: 0,
                offset: 0,
            },
            index: None,
            far: (0, 0),
        }
    }

    /// The UTC offset in seconds at `at`, or `None` outside jiff's range of years.
    #[inline]
    pub fn offset_at(&mut self, at: Instant) -> Option<i64> {
        if !(self.segment.start <= at.0 && at.0 < self.segment.end) {
            self.seek(at.0)?;
        }
        Some(self.segment.offset)
    }

    /// The first instant after `at` at which the offset may change (valid after a lookup).
    pub fn segment_end(&self) -> Instant {
        Instant(self.segment.end)
    }

    /// Wall-clock civil seconds at `at`.
    #[inline]
    pub fn local_at(&mut self, at: Instant) -> Option<i64> {
        Some(at.0 + self.offset_at(at)?)
    }

    /// The instant of a wall-clock time by the compatible rule.
    #[inline]
    pub fn instant_of_local(&mut self, civil: i64) -> Option<Instant> {
        let guess = civil - self.segment.offset;
        if !self.far_from_transitions(guess) {
            self.seek(guess)?;
            let guess = civil - self.segment.offset;
            if !self.far_from_transitions(guess) {
                return match self.one_transition_near(guess) {
                    Some((at, before, after)) => {
                        Some(Instant(compatible(civil, at, before, after)))
                    }
                    None => self.instant_of_local_near_transition(civil),
                };
            }
        }
        Some(Instant(civil - self.segment.offset))
    }

    #[inline]
    fn far_from_transitions(&self, at: i64) -> bool {
        self.far.0 <= at && at < self.far.1
    }

    /// When the table shows exactly one transition within reach of `at` (which lies in the
    /// current segment): its instant and the offsets before and after it.
    fn one_transition_near(&self, at: i64) -> Option<(i64, i64, i64)> {
        let index = self.index?;
        let here = self.segment;
        let near = at.saturating_sub(TRANSITION_REACH)..=at.saturating_add(TRANSITION_REACH);
        let reach = |t: i64| near.contains(&t);
        let (previous, next) = (
            index.checked_sub(1).map(|i| self.table[i]),
            self.table.get(index + 1),
        );
        match (reach(here.start), reach(here.end)) {
            (true, false) => {
                let previous = previous?;
                (!reach(previous.start)).then_some((here.start, previous.offset, here.offset))
            }
            (false, true) => {
                let next = next?;
                (!reach(next.end)).then_some((here.end, here.offset, next.offset))
            }
            _ => None,
        }
    }

    fn seek(&mut self, at: i64) -> Option<()> {
        let covered = match (self.table.first(), self.table.last()) {
            (Some(first), Some(last)) => first.start <= at && at < last.end,
            _ => false,
        };
        if covered {
            // Mostly the next segment; a binary search otherwise.
            let index = match self.index {
                Some(i)
                    if self
                        .table
                        .get(i + 1)
                        .is_some_and(|s| s.start <= at && at < s.end) =>
                {
                    i + 1
                }
                _ => self.table.partition_point(|s| s.end <= at),
            };
            self.segment = self.table[index];
            self.index = Some(index);
        } else {
            self.segment = segment_at(self.tz, at)?;
            self.index = None;
        }
        self.far = (
            self.segment.start.saturating_add(TRANSITION_REACH),
            self.segment.end.saturating_sub(TRANSITION_REACH),
        );
        Some(())
    }

    fn instant_of_local_near_transition(&self, civil: i64) -> Option<Instant> {
        let days = civil.div_euclid(DAY);
        let secs = civil.rem_euclid(DAY);
        let (y, m, d) = crate::instant::civil_from_days(days);
        let dt = DateTime::new(
            i16::try_from(y).ok()?,
            i8::try_from(m).ok()?,
            i8::try_from(d).ok()?,
            (secs / 3600) as i8,
            ((secs % 3600) / 60) as i8,
            (secs % 60) as i8,
            0,
        )
        .ok()?;
        let ts = self.tz.to_ambiguous_timestamp(dt).compatible().ok()?;
        Some(Instant::from_jiff(ts))
    }
}

/// The compatible rule around a single transition at `at` from offset `before` to `after`: a
/// wall-clock time before the change keeps the old offset (in a fold, the earlier instant), one
/// after it the new offset, one in a gap moves forward by the gap (the old offset again).
fn compatible(civil: i64, at: i64, before: i64, after: i64) -> i64 {
    let (old, new) = (civil - before, civil - after);
    if old < at || new < at { old } else { new }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::instant::{HOUR, MINUTE, days_from_civil};

    fn civil(y: i64, mo: u32, d: u32, h: i64, mi: i64) -> i64 {
        days_from_civil(y, mo, d) * DAY + h * HOUR + mi * MINUTE
    }

    fn utc(text: &str) -> Instant {
        Instant::parse_rfc3339(text).expect("valid instant")
    }

    fn zone(name: &str) -> TimeZone {
        TimeZone::get(name).expect("zone in tzdb")
    }

    #[test]
    fn gap_moves_forward_and_fold_takes_the_earlier() {
        let berlin = zone("Europe/Berlin");
        let mut c = ZoneCursor::new(&berlin);
        // 2026-03-29 02:30 does not exist in Berlin: it becomes 03:30 CEST = 01:30Z.
        assert_eq!(
            c.instant_of_local(civil(2026, 3, 29, 2, 30)),
            Some(utc("2026-03-29T01:30:00Z"))
        );
        assert_eq!(
            c.instant_of_local(civil(2026, 3, 29, 3, 0)),
            Some(utc("2026-03-29T01:00:00Z"))
        );
        // 2026-10-25 02:30 happens twice: the first is 00:30Z.
        assert_eq!(
            c.instant_of_local(civil(2026, 10, 25, 2, 30)),
            Some(utc("2026-10-25T00:30:00Z"))
        );
        assert_eq!(
            c.instant_of_local(civil(2026, 7, 1, 9, 0)),
            Some(utc("2026-07-01T07:00:00Z"))
        );
    }

    #[test]
    fn agrees_with_jiff_hour_by_hour_across_a_year() {
        for name in [
            "America/New_York",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
            "Asia/Kathmandu",
        ] {
            let tz = zone(name);
            let mut cursor = ZoneCursor::new(&tz);
            let start = civil(2026, 1, 1, 0, 0);
            for step in 0..(366 * 24 * 4) {
                let local = start + step * 15 * MINUTE;
                let ours = cursor.instant_of_local(local);
                let theirs = cursor.instant_of_local_near_transition(local);
                assert_eq!(ours, theirs, "{name} at civil {local}");
                let at = ours.expect("in range");
                let expected = i64::from(tz.to_offset(at.to_jiff().expect("in range")).seconds());
                assert_eq!(cursor.offset_at(at), Some(expected));
            }
        }
    }

    /// The table's arithmetic around transitions against jiff's compatible conversion, every
    /// 11 minutes through years with DST changes, historic offsets with seconds, a zone that
    /// skipped a day (Apia, 2011) and 30-minute changes.
    #[test]
    fn table_conversions_agree_with_jiff() {
        let spans = [(1890, 1893), (1940, 1947), (2010, 2013), (2026, 2028)];
        for name in [
            "Europe/Berlin",
            "America/New_York",
            "Australia/Lord_Howe",
            "Pacific/Chatham",
            "Pacific/Apia",
            "America/St_Johns",
            "Europe/Dublin",
            "Asia/Kathmandu",
            "Africa/Casablanca",
            "Antarctica/Troll",
        ] {
            let tz = zone(name);
            for (from, to) in spans {
                let (start, end) = (civil(from, 1, 1, 0, 0), civil(to, 1, 1, 0, 0));
                let mut table = Vec::new();
                push_segments(&tz, start - 8 * DAY, end + 8 * DAY, &mut table);
                let mut cursor = ZoneCursor::with_table(&tz, &table);
                let mut local = start;
                while local < end {
                    let expected = cursor.instant_of_local_near_transition(local);
                    assert_eq!(
                        cursor.instant_of_local(local),
                        expected,
                        "{name} at civil {local}"
                    );
                    let at = expected.expect("in range");
                    let offset = tz.to_offset(at.to_jiff().expect("in range")).seconds();
                    assert_eq!(
                        cursor.offset_at(at),
                        Some(i64::from(offset)),
                        "{name} at {at}"
                    );
                    local += 11 * MINUTE;
                }
            }
        }
    }
}
