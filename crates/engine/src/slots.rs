//! Slot computation: ENGINE.md's semantics, rule by rule.
//!
//! The plan for one request:
//! 1. per host, the blocked time (rule 2) and the dates and weeks its limits have filled
//!    (rule 6), which do not depend on what span is looked at;
//! 2. per slot owner (one host, or for `collective` all hosts at once), the free time (rules 1,
//!    3, 4) over the span that can hold a listed start;
//! 3. the start grid in each free interval (rule 5), filtered by range, window and limits;
//! 4. joinable seats of existing bookings (rule 7);
//! 5. round-robin owners merged by start (rule 8).
//!
//! Every step is a linear pass over days × windows, busy intervals or starts, apart from sorting
//! input that arrives unsorted.

use std::ops::Range;

use crate::instant::{DAY, Instant, MINUTE, iso_week_from_days, weekday_from_days};
use crate::interval::{Interval, IntervalSet};
use crate::model::{Host, Kind, SlotRequest};
use crate::zone::ZoneCursor;

/// One listed start.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slot<'a> {
    pub start: Instant,
    pub end: Instant,
    /// Indices into the request's hosts, sorted by host id.
    pub hosts: &'a [u32],
    pub seats_left: u64,
}

/// The answer: slots sorted by start, one per start instant.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Slots {
    entries: Vec<Entry>,
    /// Host indices; each entry names a range of it, so slots that share a host list share it.
    host_lists: Vec<u32>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Entry {
    start: Instant,
    end: Instant,
    seats_left: u64,
    hosts: Range<usize>,
}

impl Slots {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Slot<'_>> + '_ {
        self.entries.iter().map(|e| Slot {
            start: e.start,
            end: e.end,
            hosts: &self.host_lists[e.hosts.clone()],
            seats_left: e.seats_left,
        })
    }
}

/// Computes the slots of a valid request (see [`crate::input`] for what valid means).
pub fn compute_slots(request: &SlotRequest) -> Slots {
    let plan = Plan::new(request);
    match request.event.kind {
        Kind::Single => plan.single(),
        Kind::Collective => plan.collective(),
        Kind::RoundRobin => plan.round_robin(),
    }
}

/// The request with its derived numbers, in seconds.
struct Plan<'r> {
    request: &'r SlotRequest,
    hosts: Vec<HostPlan<'r>>,
    /// Host indices sorted by id (byte order).
    by_id: Vec<u32>,
    duration: i64,
    step: i64,
    /// The grid divisor of rule 5, in minutes.
    grid: i64,
    /// `now + minimum_notice`: no start before it.
    earliest: Instant,
    /// Starts must be before this: the end of the range or of the booking window.
    stop: Instant,
    /// End of the span that matters: a start before `range.end` ends before this.
    span_end: Instant,
}

struct HostPlan<'r> {
    host: &'r Host,
    /// Rule 2, with every booking blocking.
    blocked: IntervalSet,
    limits: Limits,
}

/// The dates and ISO weeks on which a host takes no new start (rule 6).
#[derive(Default)]
struct Limits {
    /// A limit of zero: no date is open.
    everything_full: bool,
    full_days: Vec<i64>,
    full_weeks: Vec<i64>,
}

impl Limits {
    fn is_unlimited(&self) -> bool {
        !self.everything_full && self.full_days.is_empty() && self.full_weeks.is_empty()
    }
}

impl<'r> Plan<'r> {
    fn new(request: &'r SlotRequest) -> Plan<'r> {
        let event = &request.event;
        let duration = event.duration_minutes * MINUTE;
        let earliest = request
            .now
            .plus(event.minimum_notice_minutes.saturating_mul(MINUTE));
        let window_end = match event.booking_window_days {
            Some(days) => {
                let seconds = i64::try_from(days).unwrap_or(i64::MAX).saturating_mul(DAY);
                request.now.plus(seconds)
            }
            None => Instant::MAX,
        };
        let hosts: Vec<HostPlan<'r>> = request
            .hosts
            .iter()
            .map(|host| HostPlan::new(host, request))
            .collect();
        let mut by_id: Vec<u32> = (0..request.hosts.len() as u32).collect();
        by_id.sort_by(|&a, &b| {
            request.hosts[a as usize]
                .id
                .cmp(&request.hosts[b as usize].id)
        });
        Plan {
            request,
            hosts,
            by_id,
            duration,
            step: event.interval_minutes * MINUTE,
            grid: grid_minutes(event.interval_minutes),
            earliest,
            stop: request.range.end.min(window_end),
            span_end: request.range.end.plus(duration),
        }
    }

    fn single(&self) -> Slots {
        let owner = [0u32];
        let mut entries = Vec::new();
        let mut event_clock = ZoneCursor::new(&self.request.event.timezone);
        let mut host_clock = ZoneCursor::new(&self.request.hosts[0].timezone);
        let free = self.free_time(&owner);
        let seats = self.request.event.seats;
        self.each_start(&free, &mut event_clock, |start| {
            if self.hosts[0].under_limits(&mut host_clock, start) {
                entries.push(self.entry(start, seats, 0..1));
            }
        });
        let joinable = self.joinable_seats();
        if !joinable.is_empty() {
            entries = merge_by_start(entries, joinable);
        }
        Slots {
            entries,
            host_lists: owner.to_vec(),
        }
    }

    fn collective(&self) -> Slots {
        let free = self.free_time(&self.by_id);
        let mut clocks: Vec<ZoneCursor<'_>> = self
            .request
            .hosts
            .iter()
            .map(|h| ZoneCursor::new(&h.timezone))
            .collect();
        let mut event_clock = ZoneCursor::new(&self.request.event.timezone);
        let mut entries = Vec::new();
        let all = 0..self.by_id.len();
        self.each_start(&free, &mut event_clock, |start| {
            let open = self
                .hosts
                .iter()
                .zip(clocks.iter_mut())
                .all(|(host, clock)| host.under_limits(clock, start));
            if open {
                entries.push(self.entry(start, self.request.event.seats, all.clone()));
            }
        });
        Slots {
            entries,
            host_lists: self.by_id.clone(),
        }
    }

    fn round_robin(&self) -> Slots {
        let mut event_clock = ZoneCursor::new(&self.request.event.timezone);
        // Every start is a whole minute at or after `base`; hosts are visited in id order, so
        // (minute, rank) pairs sorted by minute keep each start's hosts in id order.
        let base = self.request.range.start.ceil_minute();
        let mut starts: Vec<(u32, u32)> = Vec::new();
        for (rank, &host_index) in self.by_id.iter().enumerate() {
            let host = &self.hosts[host_index as usize];
            let mut clock = ZoneCursor::new(&host.host.timezone);
            let free = self.free_time(&[host_index]);
            self.each_start(&free, &mut event_clock, |start| {
                if host.under_limits(&mut clock, start) {
                    let minute = ((start.0 - base.0) / MINUTE) as u32;
                    starts.push((minute, rank as u32));
                }
            });
        }
        let buckets = starts
            .iter()
            .map(|&(m, _)| m as usize + 1)
            .max()
            .unwrap_or(0);
        group_by_minute(&mut starts, buckets);
        let seats = self.request.event.seats;
        let mut entries = Vec::new();
        let host_lists: Vec<u32> = starts
            .iter()
            .map(|&(_, rank)| self.by_id[rank as usize])
            .collect();
        for run in starts.chunk_by(|a, b| a.0 == b.0) {
            let first = entries.last().map_or(0, |e: &Entry| e.hosts.end);
            let start = base.plus(i64::from(run[0].0) * MINUTE);
            entries.push(self.entry(start, seats, first..first + run.len()));
        }
        Slots {
            entries,
            host_lists,
        }
    }

    fn entry(&self, start: Instant, seats_left: u64, hosts: Range<usize>) -> Entry {
        Entry {
            start,
            end: start.plus(self.duration),
            seats_left,
            hosts,
        }
    }

    /// Free time of an owner (one host, or every host at once) over the span whose starts can
    /// be listed. The span starts two days before the range, or at `earliest` when that is
    /// later; when a free interval runs into that edge, the grid's first start depends on where
    /// the interval really begins, so the span reaches further back until it does not.
    fn free_time(&self, owner: &[u32]) -> IntervalSet {
        let range = self.request.range;
        let mut lookback = 2 * DAY;
        loop {
            let start = self.earliest.max(range.start.minus(lookback));
            let span = Interval::new(start, self.span_end);
            if span.is_empty() {
                return IntervalSet::new();
            }
            let free = self.owner_free_in(owner, span);
            let runs_into_edge = start > self.earliest
                && free
                    .first()
                    .is_some_and(|f| f.start == start && f.end >= range.start.plus(self.duration));
            if !runs_into_edge {
                return free;
            }
            lookback = lookback.saturating_mul(8);
        }
    }

    fn owner_free_in(&self, owner: &[u32], span: Interval) -> IntervalSet {
        let mut common: Option<IntervalSet> = None;
        for &index in owner {
            let host = &self.hosts[index as usize];
            let free = working_hours(host.host, span).difference(&host.blocked);
            let next = match common {
                None => free,
                Some(so_far) => so_far.intersection(&free),
            };
            if next.is_empty() {
                return next;
            }
            common = Some(next);
        }
        common.unwrap_or_default()
    }

    /// Rule 5 in each free interval, with the range and the booking window applied.
    fn each_start(
        &self,
        free: &IntervalSet,
        event_clock: &mut ZoneCursor<'_>,
        mut emit: impl FnMut(Instant),
    ) {
        let range_start = self.request.range.start;
        for interval in free.as_slice() {
            let from = interval.start.max(self.earliest).ceil_minute();
            let Some(mut start) = align_to_grid(from, self.grid, event_clock) else {
                continue;
            };
            if start < range_start {
                let behind = range_start.0 - start.0;
                let steps = (behind + self.step - 1) / self.step;
                start = start.plus(steps.saturating_mul(self.step));
            }
            while start < self.stop && start.plus(self.duration) <= interval.end {
                emit(start);
                start = start.plus(self.step);
            }
        }
    }

    /// Rule 7: existing bookings of this event type that still have seats.
    fn joinable_seats(&self) -> Vec<Entry> {
        let seats = self.request.event.seats;
        let host = &self.hosts[0];
        let mut groups: Vec<(Instant, u64, u64)> = Vec::new();
        let mut own: Vec<(Instant, u64)> = host
            .host
            .bookings
            .iter()
            .filter(|b| b.same_event)
            .map(|b| (b.time.start, b.attendees))
            .collect();
        if seats <= 1 || own.is_empty() {
            return Vec::new();
        }
        own.sort_unstable_by_key(|&(start, _)| start);
        for (start, attendees) in own {
            match groups.last_mut() {
                Some((s, sum, count)) if *s == start => {
                    *sum = sum.saturating_add(attendees);
                    *count += 1;
                }
                _ => groups.push((start, attendees, 1)),
            }
        }
        let range = self.request.range;
        let hours = working_hours(host.host, Interval::new(range.start, self.span_end));
        let blocks = BlockIndex::new(&self.request.event, host.host);
        groups
            .into_iter()
            .filter(|&(start, taken, own_blocks)| {
                let time = Interval::new(start, start.plus(self.duration));
                taken < seats
                    && start >= self.earliest
                    && start < self.stop
                    && start >= range.start
                    && hours.covers(time)
                    && blocks.overlapping(time) == own_blocks
            })
            .map(|(start, taken, _)| self.entry(start, seats - taken, 0..1))
            .collect()
    }
}

impl<'r> HostPlan<'r> {
    fn new(host: &'r Host, request: &SlotRequest) -> HostPlan<'r> {
        let event = &request.event;
        let blocked = IntervalSet::from_intervals(padded_blocks(event, host).collect());
        HostPlan {
            host,
            blocked,
            limits: Limits::new(host, event.max_per_day, event.max_per_week),
        }
    }

    fn under_limits(&self, clock: &mut ZoneCursor<'_>, start: Instant) -> bool {
        if self.limits.is_unlimited() {
            return true;
        }
        if self.limits.everything_full {
            return false;
        }
        let Some(local) = clock.local_at(start) else {
            return false;
        };
        let day = local.div_euclid(DAY);
        self.limits.full_days.binary_search(&day).is_err()
            && self
                .limits
                .full_weeks
                .binary_search(&iso_week_from_days(day))
                .is_err()
    }
}

impl Limits {
    fn new(host: &Host, per_day: Option<u64>, per_week: Option<u64>) -> Limits {
        if per_day == Some(0) || per_week == Some(0) {
            return Limits {
                everything_full: true,
                ..Limits::default()
            };
        }
        if per_day.is_none() && per_week.is_none() {
            return Limits::default();
        }
        let mut clock = ZoneCursor::new(&host.timezone);
        let mut days: Vec<i64> = host
            .bookings
            .iter()
            .filter(|b| b.same_event)
            .filter_map(|b| clock.local_at(b.time.start).map(|l| l.div_euclid(DAY)))
            .collect();
        days.sort_unstable();
        let mut weeks: Vec<i64> = days.iter().map(|&d| iso_week_from_days(d)).collect();
        weeks.sort_unstable();
        Limits {
            everything_full: false,
            full_days: per_day.map_or_else(Vec::new, |cap| values_reaching(&days, cap)),
            full_weeks: per_week.map_or_else(Vec::new, |cap| values_reaching(&weeks, cap)),
        }
    }
}

/// The distinct values of a sorted list that occur at least `cap` times.
fn values_reaching(sorted: &[i64], cap: u64) -> Vec<i64> {
    sorted
        .chunk_by(|a, b| a == b)
        .filter(|run| run.len() as u64 >= cap)
        .map(|run| run[0])
        .collect()
}

/// Rule 2: each busy interval and booking, widened by the buffers that keep meetings apart.
fn padded_blocks<'a>(
    event: &'a crate::model::EventType,
    host: &'a Host,
) -> impl Iterator<Item = Interval> + 'a {
    let before = event.buffer_before_minutes * MINUTE;
    let after = event.buffer_after_minutes * MINUTE;
    let busy = host
        .busy
        .iter()
        .map(move |b| Interval::new(b.start.minus(after), b.end.plus(before)));
    let bookings = host.bookings.iter().map(move |b| {
        Interval::new(
            b.time.start.minus(b.buffer_before_minutes * MINUTE + after),
            b.time.end.plus(b.buffer_after_minutes * MINUTE + before),
        )
    });
    busy.chain(bookings)
}

/// Counts how many of a host's individual blocks overlap an interval, in logarithmic time.
struct BlockIndex {
    starts: Vec<Instant>,
    ends: Vec<Instant>,
}

impl BlockIndex {
    fn new(event: &crate::model::EventType, host: &Host) -> BlockIndex {
        let (mut starts, mut ends): (Vec<Instant>, Vec<Instant>) =
            padded_blocks(event, host).map(|b| (b.start, b.end)).unzip();
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

/// Rule 1: the host's merged working hours, as instants, within `span`.
pub fn working_hours(host: &Host, span: Interval) -> IntervalSet {
    let span = span.clip_to(computable_time());
    if span.is_empty() {
        return IntervalSet::new();
    }
    let mut clock = ZoneCursor::new(&host.timezone);
    let (Some(first), Some(last)) = (clock.local_at(span.start), clock.local_at(span.end)) else {
        return IntervalSet::new();
    };
    // One day of margin each side: a date's windows reach at most to its own 24:00, and the
    // span's edges may fall on either side of a date line in the host's zone.
    let (first_day, last_day) = (first.div_euclid(DAY) - 1, last.div_euclid(DAY) + 1);
    let mut next_override = host.overrides.partition_point(|o| o.day < first_day);
    let mut windows = Vec::new();
    for day in first_day..=last_day {
        let list = match host.overrides.get(next_override) {
            Some(o) if o.day == day => {
                next_override += 1;
                &o.windows
            }
            _ => &host.weekly.days[weekday_from_days(day)],
        };
        let midnight = day * DAY;
        for window in list {
            let start = clock.instant_of_local(midnight + i64::from(window.start_minute) * MINUTE);
            let end = clock.instant_of_local(midnight + i64::from(window.end_minute) * MINUTE);
            if let (Some(start), Some(end)) = (start, end) {
                windows.push(Interval::new(start, end));
            }
        }
    }
    IntervalSet::from_intervals(windows).clip(span)
}

/// The time in which slots can be found: from year 0000, the first the output format can
/// write, to the end of jiff's time zone arithmetic, just before the end of year 9999.
fn computable_time() -> Interval {
    let first = crate::instant::days_from_civil(0, 1, 1) * DAY;
    Interval::new(Instant(first), Instant(jiff::Timestamp::MAX.as_second()))
}

/// Rule 5's `g`: the largest of 60, 30, 20, 15, 10, 5 that divides the interval, else 1.
pub fn grid_minutes(interval_minutes: i64) -> i64 {
    [60, 30, 20, 15, 10, 5]
        .into_iter()
        .find(|g| interval_minutes % g == 0)
        .unwrap_or(1)
}

/// The first whole minute at or after `from` whose local minute of the hour in the event's zone
/// is divisible by `grid`.
fn align_to_grid(from: Instant, grid: i64, clock: &mut ZoneCursor<'_>) -> Option<Instant> {
    if grid == 1 {
        return Some(from);
    }
    let minute_of_hour = |local: i64| local.div_euclid(MINUTE).rem_euclid(60);
    let local = clock.local_at(from)?;
    let wait = (grid - minute_of_hour(local) % grid) % grid;
    let candidate = from.plus(wait * MINUTE);
    if candidate < clock.segment_end() {
        return Some(candidate);
    }
    // The offset changes before the candidate: walk minute by minute with each minute's own
    // offset. A day is far more than any offset change can delay a match.
    (0..=24 * 60).map(|m| from.plus(m * MINUTE)).find(|&at| {
        clock
            .local_at(at)
            .is_some_and(|local| minute_of_hour(local) % grid == 0)
    })
}

/// Orders `(minute, rank)` pairs by minute, keeping the order of equal minutes (already by
/// rank): a counting sort over the minutes when the starts are dense, else a plain sort of the
/// few there are.
fn group_by_minute(pairs: &mut Vec<(u32, u32)>, buckets: usize) {
    if pairs.len().saturating_mul(16) < buckets {
        pairs.sort_unstable();
        return;
    }
    let mut offsets = vec![0u32; buckets + 1];
    for &(minute, _) in pairs.iter() {
        offsets[minute as usize + 1] += 1;
    }
    for i in 1..offsets.len() {
        offsets[i] += offsets[i - 1];
    }
    let mut sorted = vec![(0u32, 0u32); pairs.len()];
    for &pair in pairs.iter() {
        let slot = &mut offsets[pair.0 as usize];
        sorted[*slot as usize] = pair;
        *slot += 1;
    }
    *pairs = sorted;
}

/// Merges two lists sorted by start into one.
fn merge_by_start(a: Vec<Entry>, b: Vec<Entry>) -> Vec<Entry> {
    let mut out = Vec::with_capacity(a.len() + b.len());
    let (mut a, mut b) = (a.into_iter().peekable(), b.into_iter().peekable());
    while let (Some(x), Some(y)) = (a.peek(), b.peek()) {
        let next = if x.start <= y.start {
            a.next()
        } else {
            b.next()
        };
        out.extend(next);
    }
    out.extend(a);
    out.extend(b);
    out
}
