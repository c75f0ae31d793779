//! Rule 1: a host's working hours as instants.

use crate::instant::{DAY, Instant, MINUTE, days_from_civil, weekday_from_days};
use crate::interval::{self, Interval, IntervalSet};
use crate::model::Host;
use crate::zone::ZoneCursor;

/// Rule 1: the host's merged working hours, as instants, within `span`.
pub fn working_hours(host: &Host, span: Interval) -> IntervalSet {
    let mut hours = Vec::new();
    working_hours_into(host, &mut ZoneCursor::new(&host.timezone), span, &mut hours);
    IntervalSet::from_intervals(hours)
}

/// [`working_hours`] into `out` (replacing what it held, normalized), converting with `clock`,
/// a cursor on the host's zone.
pub(super) fn working_hours_into(
    host: &Host,
    clock: &mut ZoneCursor<'_>,
    span: Interval,
    out: &mut Vec<Interval>,
) {
    out.clear();
    let span = span.clip_to(computable_time());
    if span.is_empty() {
        return;
    }
    let (Some(first), Some(last)) = (clock.local_at(span.start), clock.local_at(span.end)) else {
        return;
    };
    // One day of margin each side: a date's windows reach at most to its own 24:00, and the
    // span's edges may fall on either side of a date line in the host's zone.
    let (first_day, last_day) = (first.div_euclid(DAY) - 1, last.div_euclid(DAY) + 1);
    let mut next_override = host.overrides.partition_point(|o| o.day < first_day);
    let mut weekday = weekday_from_days(first_day);
    for day in first_day..=last_day {
        let list = match host.overrides.get(next_override) {
            Some(o) if o.day == day => {
                next_override += 1;
                &o.windows
            }
            _ => &host.weekly.days[weekday],
        };
        weekday = if weekday == 6 { 0 } else { weekday + 1 };
        let midnight = day * DAY;
        for window in list {
            let start = clock.instant_of_local(midnight + i64::from(window.start_minute) * MINUTE);
            let end = clock.instant_of_local(midnight + i64::from(window.end_minute) * MINUTE);
            if let (Some(start), Some(end)) = (start, end) {
                out.push(Interval::new(start, end));
            }
        }
    }
    interval::normalize(out);
    interval::clip(out, span);
}

/// The time in which slots can be found: from year 0000, the first the output format can
/// write, to the end of jiff's time zone arithmetic, just before the end of year 9999.
fn computable_time() -> Interval {
    let first = days_from_civil(0, 1, 1) * DAY;
    Interval::new(Instant(first), Instant(jiff::Timestamp::MAX.as_second()))
}
