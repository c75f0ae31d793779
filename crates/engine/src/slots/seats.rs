//! Rule 7: existing bookings of the event that still have seats can be joined.

use super::zones::Zones;
use super::{Lists, Plan, Slots, hours, padded_blocks};
use crate::instant::Instant;
use crate::interval::{self, Interval};

/// The lists of rule 7, kept between computations.
#[derive(Debug, Default)]
pub(super) struct SeatScratch {
    /// `(start, attendees, bookings)` of the host's own bookings, grouped by start.
    groups: Vec<(Instant, u64, u64)>,
    block_starts: Vec<Instant>,
    block_ends: Vec<Instant>,
    /// Joinable starts and their seats left.
    joins: Vec<(Instant, u64)>,
}

impl Plan<'_> {
    /// The joinable starts of the single host's bookings and their seats left, sorted.
    pub(super) fn joinable_seats<'s>(
        &self,
        zones: &Zones,
        lists: &mut Lists,
        scratch: &'s mut SeatScratch,
    ) -> &'s [(Instant, u64)] {
        let seats = self.request.event.seats;
        let host = &self.request.hosts[0];
        scratch.joins.clear();
        if seats <= 1 || !host.bookings.iter().any(|b| b.same_event) {
            return &scratch.joins;
        }
        let groups = &mut scratch.groups;
        groups.clear();
        groups.extend(
            host.bookings
                .iter()
                .filter(|b| b.same_event)
                .map(|b| (b.time.start, b.attendees, 1)),
        );
        groups.sort_unstable_by_key(|&(start, _, _)| start);
        groups.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                kept.1 = kept.1.saturating_add(later.1);
                kept.2 += 1;
            }
            same
        });
        let range = self.request.range;
        let mut clock = zones.host_cursor(self.request, 0);
        let span = Interval::new(range.start, self.span_end);
        hours::working_hours_into(host, &mut clock, span, &mut lists.hours);
        let blocks = BlockIndex::new(
            padded_blocks(&self.request.event, host),
            &mut scratch.block_starts,
            &mut scratch.block_ends,
        );
        scratch.joins.extend(
            groups
                .iter()
                .filter(|&&(start, taken, own_blocks)| {
                    let time = Interval::new(start, start.plus(self.duration));
                    taken < seats
                        && start >= self.earliest
                        && start < self.stop
                        && start >= range.start
                        && interval::covers(&lists.hours, time)
                        && blocks.overlapping(time) == own_blocks
                })
                .map(|&(start, taken, _)| (start, seats - taken)),
        );
        &scratch.joins
    }
}

/// Writes the starts of runs `step` apart (with all seats) merged with joinable starts (both
/// sorted); a start of each at the same instant puts the run's first.
pub(super) fn push_runs_and_joins(
    runs: &[(Instant, u32)],
    step: i64,
    joins: &[(Instant, u64)],
    out: &mut Slots,
) {
    let total = runs.iter().map(|&(_, count)| count as usize).sum::<usize>() + joins.len();
    out.starts.reserve_exact(total);
    out.seats_left.reserve_exact(total);
    let starts = runs
        .iter()
        .flat_map(|&(first, count)| (0..i64::from(count)).map(move |k| first.plus(k * step)));
    let mut joins = joins.iter().peekable();
    for start in starts {
        while let Some(&&(at, left)) = joins.peek()
            && at < start
        {
            out.starts.push(at);
            out.seats_left.push(left);
            joins.next();
        }
        out.starts.push(start);
        out.seats_left.push(out.seats);
    }
    for &(at, left) in joins {
        out.starts.push(at);
        out.seats_left.push(left);
    }
}

/// Counts how many of a host's individual blocks overlap an interval, in logarithmic time.
struct BlockIndex<'a> {
    starts: &'a [Instant],
    ends: &'a [Instant],
}

impl<'a> BlockIndex<'a> {
    fn new(
        blocks: impl Iterator<Item = Interval>,
        starts: &'a mut Vec<Instant>,
        ends: &'a mut Vec<Instant>,
    ) -> BlockIndex<'a> {
        starts.clear();
        ends.clear();
        for block in blocks {
            starts.push(block.start);
            ends.push(block.end);
        }
        starts.sort_unstable();
        ends.sort_unstable();
        BlockIndex { starts, ends }
    }

    /// Blocks that start before `probe` ends, less those that end before it starts (a block
    /// that ends at or before `probe.start` also starts before `probe.end`).
    fn overlapping(&self, probe: Interval) -> u64 {
        let started = self.starts.partition_point(|&s| s < probe.end);
        let finished = self.ends.partition_point(|&e| e <= probe.start);
        (started - finished) as u64
    }
}
