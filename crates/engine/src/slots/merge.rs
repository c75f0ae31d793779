//! Rule 8 for round robin: the starts of every host merged into one list by start, each start
//! with the hosts that have it, in id order.
//!
//! Every round-robin start is a whole minute at or after the range's first whole minute, so a
//! start is a bucket of a counting sort. A host's starts arrive as runs (a first start and how
//! many follow it, an interval apart) and are counted with a strided difference array, so
//! counting costs a run, not a start; then each host, in id order, is written into the place of
//! each of its starts. Buckets are whole minutes, or whole grid steps when every start lies on
//! the same minute of the grid.

use super::Slots;
use super::divisor::Divisor;
use crate::instant::{Instant, MINUTE};

/// The merge's lists, kept between computations.
#[derive(Debug, Default)]
pub(super) struct Buckets {
    /// Every host's runs, host after host in id order.
    runs: Vec<Run>,
    /// End of each host's runs in `runs`.
    host_ends: Vec<u32>,
    counts: Vec<u32>,
    /// `(bucket, rank)` pairs, for answers too sparse for a bucket array.
    pairs: Vec<u64>,
}

/// Starts an interval apart: the first, in minutes after the merge's base, and how many.
#[derive(Clone, Copy, Debug)]
struct Run {
    first: u32,
    count: u32,
}

/// Takes the starts of one host after another, in id order.
pub(super) struct Collector<'b> {
    buckets: &'b mut Buckets,
    base: Instant,
    step: i64,
}

impl Buckets {
    pub(super) fn start(&mut self, range_start: Instant, step: i64) -> Collector<'_> {
        self.runs.clear();
        self.host_ends.clear();
        Collector {
            buckets: self,
            base: range_start.ceil_minute(),
            step,
        }
    }
}

impl Collector<'_> {
    /// The next run of the current host's starts (runs come in order, each start a whole
    /// minute at or after the range start).
    pub(super) fn push_run(&mut self, first: Instant, count: u32) {
        self.buckets.runs.push(Run {
            first: ((first.0 - self.base.0) / MINUTE) as u32,
            count,
        });
    }

    pub(super) fn end_host(&mut self) {
        self.buckets.host_ends.push(self.buckets.runs.len() as u32);
    }

    /// Writes the merged answer: starts, and per start the hosts (`by_id[rank]`) that have it.
    pub(super) fn finish(self, grid_minutes: i64, by_id: &[u32], out: &mut Slots) {
        let Buckets {
            runs,
            host_ends,
            counts,
            pairs,
        } = self.buckets;
        let step_minutes = (self.step / MINUTE) as u32;
        let (scale, phase) = bucket_minutes(runs, grid_minutes as u32);
        let divisor = Divisor::new(u64::from(scale));
        let stride = step_minutes / scale;
        let mut total = 0usize;
        let mut last = 0u32;
        for run in runs.iter_mut() {
            run.first = divisor.divide(u64::from(run.first)) as u32;
            total += run.count as usize;
            last = last.max(run.first + (run.count - 1) * stride);
        }
        if total == 0 {
            return;
        }
        let bucket_start = |bucket: u32| {
            let minute = i64::from(bucket) * i64::from(scale) + i64::from(phase);
            self.base.plus(minute * MINUTE)
        };
        let ranks = host_ends
            .iter()
            .enumerate()
            .scan(0usize, |from, (rank, &end)| {
                let mine = *from..end as usize;
                *from = end as usize;
                Some((rank, mine))
            });
        let len = last as usize + stride as usize + 1;
        if total.saturating_mul(8) < len {
            // Few starts over a long range: sort them rather than sweep every bucket.
            pairs.clear();
            for (rank, mine) in ranks {
                for run in &runs[mine] {
                    for k in 0..run.count {
                        let bucket = u64::from(run.first + k * stride);
                        pairs.push(bucket << 32 | rank as u64);
                    }
                }
            }
            pairs.sort_unstable();
            let groups = pairs.chunk_by(|a, b| a >> 32 == b >> 32).count();
            out.starts.reserve_exact(groups);
            out.host_ends.reserve_exact(groups);
            out.host_lists.reserve_exact(pairs.len());
            for group in pairs.chunk_by(|a, b| a >> 32 == b >> 32) {
                out.starts.push(bucket_start((group[0] >> 32) as u32));
                out.host_lists
                    .extend(group.iter().map(|&p| by_id[(p & 0xffff_ffff) as usize]));
                out.host_ends.push(out.host_lists.len() as u32);
            }
            return;
        }
        // Count per bucket: +1 where a run begins, -1 one stride after it ends, then a prefix
        // sum along each stride.
        counts.clear();
        counts.resize(len, 0);
        for run in runs.iter() {
            let first = run.first as usize;
            counts[first] = counts[first].wrapping_add(1);
            let after = first + (run.count * stride) as usize;
            counts[after] = counts[after].wrapping_sub(1);
        }
        let stride = stride as usize;
        for i in stride..len {
            counts[i] = counts[i].wrapping_add(counts[i - stride]);
        }
        // Each bucket's count becomes where its hosts begin.
        let used = counts.iter().filter(|&&c| c != 0).count();
        out.starts.reserve_exact(used);
        out.host_ends.reserve_exact(used);
        out.host_lists.reserve_exact(total);
        let mut written = 0u32;
        for (bucket, count) in counts.iter_mut().enumerate() {
            if *count != 0 {
                out.starts.push(bucket_start(bucket as u32));
                let begins = written;
                written += *count;
                *count = begins;
                out.host_ends.push(written);
            }
        }
        out.host_lists.resize(written as usize, 0);
        // Plain slices, so the loops below keep their bounds in registers (a store through a
        // `Vec` may, for the compiler, change the `Vec` itself).
        let (host_lists, counts) = (&mut out.host_lists[..], &mut counts[..]);
        for (rank, mine) in ranks {
            let host = by_id[rank];
            for run in &runs[mine] {
                let (first, count) = (run.first as usize, run.count as usize);
                if stride == 1 {
                    // The common case (the interval is the grid): contiguous buckets.
                    for place in &mut counts[first..first + count] {
                        host_lists[*place as usize] = host;
                        *place += 1;
                    }
                } else {
                    for place in counts[first..].iter_mut().step_by(stride).take(count) {
                        host_lists[*place as usize] = host;
                        *place += 1;
                    }
                }
            }
        }
    }
}

/// Minutes per bucket and the minute of the first bucket: the grid and the one minute of it on
/// which every run begins (then every start does, runs being whole intervals long), else one
/// and zero.
fn bucket_minutes(runs: &[Run], grid_minutes: u32) -> (u32, u32) {
    let divisor = Divisor::new(u64::from(grid_minutes));
    let phase = |minute: u32| minute - divisor.divide(u64::from(minute)) as u32 * grid_minutes;
    let Some(first) = runs.first() else {
        return (1, 0);
    };
    let common = phase(first.first);
    if runs.iter().all(|run| phase(run.first) == common) {
        (grid_minutes, common)
    } else {
        (1, 0)
    }
}
