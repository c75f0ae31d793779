//! Rule 5: the start grid in each free interval, with the range and the booking window applied.

use super::Plan;
use crate::instant::{HOUR, Instant, MINUTE};
use crate::interval::Interval;
use crate::zone::ZoneCursor;

/// Rule 5's `g`: the largest of 60, 30, 20, 15, 10, 5 that divides the interval, else 1.
pub fn grid_minutes(interval_minutes: i64) -> i64 {
    [60, 30, 20, 15, 10, 5]
        .into_iter()
        .find(|g| interval_minutes % g == 0)
        .unwrap_or(1)
}

/// The grid of one event: `g`, and for each minute of the hour the minutes to wait until the
/// next one divisible by `g`, looked up rather than divided in the loop over free intervals.
#[derive(Clone, Copy, Debug)]
pub(super) struct Grid {
    minutes: i64,
    wait: [u8; 60],
}

impl Grid {
    pub(super) fn new(interval_minutes: i64) -> Grid {
        let minutes = grid_minutes(interval_minutes);
        let mut wait = [0u8; 60];
        for (minute, wait) in (0..60).zip(wait.iter_mut()) {
            *wait = ((minutes - minute % minutes) % minutes) as u8;
        }
        Grid { minutes, wait }
    }

    pub(super) fn minutes(&self) -> i64 {
        self.minutes
    }

    /// The first whole minute at or after `from` (itself a whole minute) whose local minute of
    /// the hour in the event's zone is divisible by `g`.
    #[inline(always)]
    fn align(&self, from: Instant, clock: &mut ZoneCursor<'_>) -> Option<Instant> {
        if self.minutes == 1 {
            return Some(from);
        }
        let minute_of_hour = |local: i64| local.rem_euclid(HOUR) / MINUTE;
        let local = clock.local_at(from)?;
        let wait = i64::from(self.wait[minute_of_hour(local) as usize]);
        let candidate = from.plus(wait * MINUTE);
        if candidate < clock.segment_end() {
            return Some(candidate);
        }
        // The offset changes before the candidate: walk minute by minute with each minute's own
        // offset. A day is far more than any offset change can delay a match.
        (0..=24 * 60).map(|m| from.plus(m * MINUTE)).find(|&at| {
            clock
                .local_at(at)
                .is_some_and(|local| minute_of_hour(local) % self.minutes == 0)
        })
    }
}

impl Plan<'_> {
    /// Rule 5 in each free interval, with the range and the booking window applied: each
    /// interval's starts as a run, its first start and how many follow an interval apart.
    pub(super) fn each_run(
        &self,
        free: &[Interval],
        event_clock: &mut ZoneCursor<'_>,
        mut emit: impl FnMut(Instant, u32),
    ) {
        let range_start = self.request.range.start;
        // An interval that ends before this holds no listed start.
        let first_end = range_start.plus(self.duration);
        for interval in free {
            if interval.start >= self.stop {
                break;
            }
            if interval.end < first_end {
                continue;
            }
            let from = interval.start.max(self.earliest).ceil_minute();
            let Some(mut start) = self.grid.align(from, event_clock) else {
                continue;
            };
            if start < range_start {
                let behind = (range_start.0 - start.0) as u64 + self.step as u64 - 1;
                let steps = self.per_step.divide(behind) as i64;
                start = start.plus(steps.saturating_mul(self.step));
            }
            let last = interval.end.minus(self.duration).min(self.stop.minus(1));
            if start <= last {
                let count = self.per_step.divide((last.0 - start.0) as u64) + 1;
                emit(start, u32::try_from(count).unwrap_or(u32::MAX));
            }
        }
    }

    /// Splits a run into the runs of the starts that `keep` accepts.
    pub(super) fn filter_run(
        &self,
        first: Instant,
        count: u32,
        mut keep: impl FnMut(Instant) -> bool,
        mut emit: impl FnMut(Instant, u32),
    ) {
        let mut kept: Option<(Instant, u32)> = None;
        let mut start = first;
        for _ in 0..count {
            if keep(start) {
                match &mut kept {
                    Some((_, n)) => *n += 1,
                    None => kept = Some((start, 1)),
                }
            } else if let Some((from, n)) = kept.take() {
                emit(from, n);
            }
            start = start.plus(self.step);
        }
        if let Some((from, n)) = kept {
            emit(from, n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits_are_the_distance_to_the_next_multiple() {
        for interval in [1, 7, 15, 20, 25, 45, 60, 90] {
            let grid = Grid::new(interval);
            let g = grid.minutes();
            for minute in 0..60 {
                let wait = i64::from(grid.wait[minute as usize]);
                assert!((0..g).contains(&wait));
                assert_eq!(
                    (minute + wait) % g,
                    0,
                    "interval {interval}, minute {minute}"
                );
            }
        }
    }
}
