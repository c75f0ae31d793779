//! Rule 6: the dates and ISO weeks on which a host takes no new start.

use super::zones::Zones;
use crate::instant::{DAY, Instant, iso_week_from_days};
use crate::model::SlotRequest;
use crate::zone::ZoneCursor;

/// One host's full dates and weeks; the lists keep their memory between computations.
#[derive(Debug, Default)]
pub(super) struct Limits {
    /// A limit of zero: no date is open.
    everything_full: bool,
    full_days: Vec<i64>,
    full_weeks: Vec<i64>,
}

/// Fills `limits` with one entry per host of the request, reusing the entries' memory.
pub(super) fn fill(
    request: &SlotRequest,
    zones: &Zones,
    limits: &mut Vec<Limits>,
    days: &mut Vec<i64>,
) {
    let (per_day, per_week) = (request.event.max_per_day, request.event.max_per_week);
    limits.truncate(request.hosts.len());
    limits.resize_with(request.hosts.len(), Limits::default);
    for (index, (host, limits)) in request.hosts.iter().zip(limits.iter_mut()).enumerate() {
        limits.full_days.clear();
        limits.full_weeks.clear();
        limits.everything_full = per_day == Some(0) || per_week == Some(0);
        if limits.everything_full {
            continue;
        }
        let mut clock = zones.host_cursor(request, index);
        days.clear();
        days.extend(
            host.bookings
                .iter()
                .filter(|b| b.same_event)
                .filter_map(|b| clock.local_at(b.time.start).map(|l| l.div_euclid(DAY))),
        );
        days.sort_unstable();
        if let Some(cap) = per_day {
            values_reaching(days, cap, &mut limits.full_days);
        }
        if let Some(cap) = per_week {
            for day in days.iter_mut() {
                *day = iso_week_from_days(*day);
            }
            // Sorted days give sorted weeks.
            values_reaching(days, cap, &mut limits.full_weeks);
        }
    }
}

impl Limits {
    /// Whether the host takes a new start at `start`; `clock` is a cursor on its zone.
    pub(super) fn allows(&self, clock: &mut ZoneCursor<'_>, start: Instant) -> bool {
        if self.everything_full {
            return false;
        }
        if self.full_days.is_empty() && self.full_weeks.is_empty() {
            return true;
        }
        let Some(local) = clock.local_at(start) else {
            return false;
        };
        let day = local.div_euclid(DAY);
        self.full_days.binary_search(&day).is_err()
            && self
                .full_weeks
                .binary_search(&iso_week_from_days(day))
                .is_err()
    }
}

/// Appends the distinct values of a sorted list that occur at least `cap` times.
fn values_reaching(sorted: &[i64], cap: u64, out: &mut Vec<i64>) {
    out.extend(
        sorted
            .chunk_by(|a, b| a == b)
            .filter(|run| run.len() as u64 >= cap)
            .map(|run| run[0]),
    );
}
