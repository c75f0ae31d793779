//! Slot computation: ENGINE.md's semantics, rule by rule.
//!
//! The plan for one request:
//! 1. the offsets of every zone in the request over the time that matters, read from jiff once
//!    per zone ([`zones`]);
//! 2. per host, the dates and weeks its limits have filled (rule 6, [`limits`]), which do not
//!    depend on what span is looked at;
//! 3. per slot owner (one host, or for `collective` all hosts at once), the free time: working
//!    hours (rule 1, [`hours`]) minus blocked time (rule 2), intersected across hosts (rules 3,
//!    4), over the span that can hold a listed start;
//! 4. the start grid in each free interval (rule 5, [`grid`]), filtered by range, window and
//!    limits;
//! 5. joinable seats of existing bookings (rule 7, [`seats`]);
//! 6. round-robin owners merged by start (rule 8, [`merge`]).
//!
//! Every step is a linear pass over days × windows, busy intervals or starts, apart from sorting
//! input that arrives unsorted. Every list lives in a [`Scratch`] that a caller may keep between
//! calls: once it has grown to the size of the requests, a computation allocates nothing.

mod divisor;
mod grid;
mod hours;
mod limits;
mod merge;
mod seats;
mod zones;

use std::cell::RefCell;

use crate::instant::{DAY, Instant, MINUTE};
use crate::interval::{self, Interval};
use crate::model::{EventType, Host, Kind, SlotRequest};

pub use grid::grid_minutes;
pub use hours::working_hours;

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
///
/// Stored as parallel lists, and a list that would repeat one value for every slot is left
/// empty: a one-host answer is its starts and nothing else.
#[derive(Clone, Debug, Default)]
pub struct Slots {
    duration: i64,
    starts: Vec<Instant>,
    /// The seats of every slot when `seats_left` is empty.
    seats: u64,
    /// Seats left of each slot, or empty when every slot has `seats`.
    seats_left: Vec<u64>,
    /// End of each slot's range in `host_lists` (it begins where the previous one ends), or
    /// empty when every slot lists all of `host_lists`.
    host_ends: Vec<u32>,
    /// Host indices.
    host_lists: Vec<u32>,
}

impl Slots {
    pub fn len(&self) -> usize {
        self.starts.len()
    }

    pub fn is_empty(&self) -> bool {
        self.starts.is_empty()
    }

    pub fn iter(&self) -> impl ExactSizeIterator<Item = Slot<'_>> + '_ {
        (0..self.starts.len()).map(move |n| {
            let start = self.starts[n];
            let hosts = if self.host_ends.is_empty() {
                &self.host_lists[..]
            } else {
                let from = n.checked_sub(1).map_or(0, |p| self.host_ends[p] as usize);
                &self.host_lists[from..self.host_ends[n] as usize]
            };
            Slot {
                start,
                end: start.plus(self.duration),
                hosts,
                seats_left: self.seats_left.get(n).copied().unwrap_or(self.seats),
            }
        })
    }

    /// Appends the starts of runs `step` apart, reserving exactly what they need (so a fresh
    /// answer allocates once).
    fn push_runs(&mut self, runs: &[(Instant, u32)], step: i64) {
        let total: usize = runs.iter().map(|&(_, count)| count as usize).sum();
        self.starts.reserve_exact(total);
        for &(first, count) in runs {
            // No overflow: every start of a run is before the range's end.
            self.starts
                .extend((0..i64::from(count)).map(|k| Instant(first.0 + k * step)));
        }
    }

    /// Empties the answer for a new computation, keeping its memory.
    fn reset(&mut self, duration: i64, seats: u64) {
        self.duration = duration;
        self.seats = seats;
        self.starts.clear();
        self.seats_left.clear();
        self.host_ends.clear();
        self.host_lists.clear();
    }
}

/// Two answers are equal when they list the same slots, however they are stored.
impl PartialEq for Slots {
    fn eq(&self, other: &Slots) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for Slots {}

/// The working memory of slot computations. Keep one per thread and pass it to
/// [`compute_slots_into`] to compute without allocating once it has grown to the size of the
/// requests; it holds no facts between calls, only capacity.
#[derive(Debug, Default)]
pub struct Scratch {
    zones: zones::Zones,
    /// Host indices sorted by id (byte order).
    by_id: Vec<u32>,
    /// Rule 6 per host, filled only when the event has a limit.
    limits: Vec<limits::Limits>,
    lists: Lists,
    merge: merge::Buckets,
    seats: seats::SeatScratch,
}

/// Interval lists one owner's free time is computed in.
#[derive(Debug, Default)]
struct Lists {
    hours: Vec<Interval>,
    blocked: Vec<Interval>,
    /// The owner's free time, the result of [`Plan::free_time`].
    free: Vec<Interval>,
    /// One host's free time while a collective owner's is intersected.
    mine: Vec<Interval>,
    common: Vec<Interval>,
    days: Vec<i64>,
    /// The owner's starts, as runs of [`Plan::each_run`].
    runs: Vec<(Instant, u32)>,
    shared: SharedHours,
}

/// Working hours already computed in this request, reused by hosts with the same schedule.
///
/// Rule 1 depends on nothing but a host's zone, weekly hours and overrides (and the span):
/// hosts that agree on all three have the same working hours, to the second, so a round robin
/// over a team that shares a schedule converts each zone's dates once rather than once a host.
#[derive(Debug, Default)]
struct SharedHours {
    /// Working hours of the hosts in `entries`, one range each.
    pool: Vec<Interval>,
    /// Per zone table, the last host computed in that zone: its index, span and hours.
    entries: Vec<Option<(u32, Interval, std::ops::Range<usize>)>>,
}

impl SharedHours {
    fn reset(&mut self) {
        self.pool.clear();
        self.entries.clear();
    }

    /// The working hours of `host` (its zone's table `table`) within `span`: a range of
    /// `pool` computed for a host with the same schedule, or computed now with `compute`.
    fn hours_of(
        &mut self,
        hosts: &[Host],
        host: u32,
        table: u32,
        span: Interval,
        compute: impl FnOnce(&mut Vec<Interval>),
        hours: &mut Vec<Interval>,
    ) -> &[Interval] {
        let table = table as usize;
        if self.entries.len() <= table {
            self.entries.resize(table + 1, None);
        }
        let mine = &hosts[host as usize];
        if let Some((other, other_span, range)) = &self.entries[table] {
            let other = &hosts[*other as usize];
            if *other_span == span
                && other.weekly == mine.weekly
                && other.overrides == mine.overrides
            {
                return &self.pool[range.clone()];
            }
        }
        compute(hours);
        let from = self.pool.len();
        self.pool.extend_from_slice(hours);
        self.entries[table] = Some((host, span, from..self.pool.len()));
        &self.pool[from..]
    }
}

thread_local! {
    /// [`compute_slots`]'s working memory: it keeps the capacity of the largest request the
    /// thread has computed.
    static WORKSPACE: RefCell<Scratch> = RefCell::default();
}

/// Computes the slots of a valid request (see [`crate::input`] for what valid means).
///
/// Works in a per-thread [`Scratch`], and writes each list of the answer once its length is
/// known: a call allocates once per list of the answer (at most three) and never per day or
/// slot.
pub fn compute_slots(request: &SlotRequest) -> Slots {
    let mut slots = Slots::default();
    WORKSPACE.with(|workspace| match workspace.try_borrow_mut() {
        Ok(mut scratch) => compute_slots_into(request, &mut scratch, &mut slots),
        // Only reachable if a computation could call itself; it cannot, but it costs nothing
        // to stay correct.
        Err(_) => compute_slots_into(request, &mut Scratch::default(), &mut slots),
    });
    slots
}

/// Computes the slots of a valid request into `out`, replacing what it held, working in
/// `scratch`. With both kept between calls, a computation allocates nothing once they have
/// grown to the size of the requests.
pub fn compute_slots_into(request: &SlotRequest, scratch: &mut Scratch, out: &mut Slots) {
    let plan = Plan::new(request);
    out.reset(plan.duration, request.event.seats);
    let (from, to) = plan.zone_span();
    scratch.zones.read(request, from, to);
    scratch.lists.shared.reset();
    sort_by_id(request, &mut scratch.by_id);
    if plan.limited {
        limits::fill(
            request,
            &scratch.zones,
            &mut scratch.limits,
            &mut scratch.lists.days,
        );
    }
    match request.event.kind {
        Kind::Single => plan.single(scratch, out),
        Kind::Collective => plan.collective(scratch, out),
        Kind::RoundRobin => plan.round_robin(scratch, out),
    }
}

fn sort_by_id(request: &SlotRequest, by_id: &mut Vec<u32>) {
    let id = |i: &u32| request.hosts[*i as usize].id.as_str();
    by_id.clear();
    by_id.extend(0..request.hosts.len() as u32);
    if !by_id.is_sorted_by_key(id) {
        by_id.sort_unstable_by(|a, b| id(a).cmp(id(b)));
    }
}

/// The request with its derived numbers, in seconds.
struct Plan<'r> {
    request: &'r SlotRequest,
    duration: i64,
    step: i64,
    /// Division by `step`.
    per_step: divisor::Divisor,
    grid: grid::Grid,
    /// `now + minimum_notice`: no start before it.
    earliest: Instant,
    /// Starts must be before this: the end of the range or of the booking window.
    stop: Instant,
    /// End of the span that matters: a start before `range.end` ends before this.
    span_end: Instant,
    /// Whether the event has a day or week limit (rule 6).
    limited: bool,
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
        Plan {
            request,
            duration,
            step: event.interval_minutes * MINUTE,
            per_step: divisor::Divisor::new((event.interval_minutes * MINUTE) as u64),
            grid: grid::Grid::new(event.interval_minutes),
            earliest,
            stop: request.range.end.min(window_end),
            span_end: request.range.end.plus(duration),
            limited: event.max_per_day.is_some() || event.max_per_week.is_some(),
        }
    }

    /// The time whose zone offsets the computation reads: the first span [`Plan::free_time`]
    /// tries, widened by the day each side that working hours look at and by the reach of a
    /// transition. Questions outside it are answered by jiff, only slower.
    fn zone_span(&self) -> (i64, i64) {
        let margin = 2 * DAY + 4 * DAY;
        (
            self.request.range.start.minus(2 * DAY + margin).0,
            self.span_end.plus(margin).0,
        )
    }

    fn single(&self, scratch: &mut Scratch, out: &mut Slots) {
        let Scratch {
            zones,
            limits,
            lists,
            seats,
            ..
        } = scratch;
        self.free_time(&[0], zones, lists);
        let mut event_clock = zones.event_cursor(self.request);
        let runs = &mut lists.runs;
        runs.clear();
        if self.limited {
            let mut host_clock = zones.host_cursor(self.request, 0);
            self.each_run(&lists.free, &mut event_clock, |first, count| {
                let keep = |start| limits[0].allows(&mut host_clock, start);
                self.filter_run(first, count, keep, |f, n| runs.push((f, n)));
            });
        } else {
            self.each_run(&lists.free, &mut event_clock, |first, count| {
                runs.push((first, count));
            });
        }
        let joins = self.joinable_seats(zones, lists, seats);
        if joins.is_empty() {
            out.push_runs(&lists.runs, self.step);
        } else {
            seats::push_runs_and_joins(&lists.runs, self.step, joins, out);
        }
        out.host_lists.push(0);
    }

    fn collective(&self, scratch: &mut Scratch, out: &mut Slots) {
        let Scratch {
            zones,
            by_id,
            limits,
            lists,
            ..
        } = scratch;
        self.free_time(by_id, zones, lists);
        let mut event_clock = zones.event_cursor(self.request);
        let runs = &mut lists.runs;
        runs.clear();
        if self.limited {
            let mut clocks: Vec<_> = (0..self.request.hosts.len())
                .map(|h| zones.host_cursor(self.request, h))
                .collect();
            self.each_run(&lists.free, &mut event_clock, |first, count| {
                let keep = |start| {
                    limits
                        .iter()
                        .zip(clocks.iter_mut())
                        .all(|(limits, clock)| limits.allows(clock, start))
                };
                self.filter_run(first, count, keep, |f, n| runs.push((f, n)));
            });
        } else {
            self.each_run(&lists.free, &mut event_clock, |first, count| {
                runs.push((first, count));
            });
        }
        out.push_runs(&lists.runs, self.step);
        out.host_lists.extend_from_slice(by_id);
    }

    fn round_robin(&self, scratch: &mut Scratch, out: &mut Slots) {
        let Scratch {
            zones,
            by_id,
            limits,
            lists,
            merge,
            ..
        } = scratch;
        let mut event_clock = zones.event_cursor(self.request);
        let mut buckets = merge.start(self.request.range.start, self.step);
        for &host in by_id.iter() {
            self.free_time(&[host], zones, lists);
            if self.limited {
                let mut clock = zones.host_cursor(self.request, host as usize);
                let limits = &limits[host as usize];
                self.each_run(&lists.free, &mut event_clock, |first, count| {
                    let keep = |start| limits.allows(&mut clock, start);
                    self.filter_run(first, count, keep, |f, n| buckets.push_run(f, n));
                });
            } else {
                self.each_run(&lists.free, &mut event_clock, |first, count| {
                    buckets.push_run(first, count);
                });
            }
            buckets.end_host();
        }
        buckets.finish(self.grid.minutes(), by_id, out);
    }

    /// Free time of an owner (one host, or every host at once) over the span whose starts can
    /// be listed, into `lists.free`. The span starts two days before the range, or at
    /// `earliest` when that is later; when a free interval runs into that edge, the grid's
    /// first start depends on where the interval really begins, so the span reaches further
    /// back until it does not.
    fn free_time(&self, owner: &[u32], zones: &zones::Zones, lists: &mut Lists) {
        let range = self.request.range;
        let mut lookback = 2 * DAY;
        loop {
            let start = self.earliest.max(range.start.minus(lookback));
            let span = Interval::new(start, self.span_end);
            lists.free.clear();
            if span.is_empty() {
                return;
            }
            self.owner_free_in(owner, span, zones, lists);
            let runs_into_edge = start > self.earliest
                && lists
                    .free
                    .first()
                    .is_some_and(|f| f.start == start && f.end >= range.start.plus(self.duration));
            if !runs_into_edge {
                return;
            }
            lookback = lookback.saturating_mul(8);
        }
    }

    fn owner_free_in(
        &self,
        owner: &[u32],
        span: Interval,
        zones: &zones::Zones,
        lists: &mut Lists,
    ) {
        for (n, &index) in owner.iter().enumerate() {
            let host = &self.request.hosts[index as usize];
            let blocked = blocked_time(&self.request.event, host, &mut lists.blocked);
            let hours = lists.shared.hours_of(
                &self.request.hosts,
                index,
                zones.table_of_host(index as usize),
                span,
                |out| {
                    let mut clock = zones.host_cursor(self.request, index as usize);
                    hours::working_hours_into(host, &mut clock, span, out);
                },
                &mut lists.hours,
            );
            if n == 0 {
                interval::difference_into(hours, blocked, &mut lists.free);
            } else {
                lists.mine.clear();
                interval::difference_into(hours, blocked, &mut lists.mine);
                lists.common.clear();
                interval::intersection_into(&lists.free, &lists.mine, &mut lists.common);
                std::mem::swap(&mut lists.free, &mut lists.common);
            }
            if lists.free.is_empty() {
                return;
            }
        }
    }
}

/// Rule 2: a host's blocked time, normalized: its busy list itself when that is all it is
/// (no buffers, no bookings, already normalized, as calendars send it), else built in `out`.
fn blocked_time<'a>(
    event: &EventType,
    host: &'a Host,
    out: &'a mut Vec<Interval>,
) -> &'a [Interval] {
    let unbuffered = event.buffer_before_minutes == 0 && event.buffer_after_minutes == 0;
    if unbuffered && host.bookings.is_empty() && interval::is_normalized(&host.busy) {
        return &host.busy;
    }
    out.clear();
    if unbuffered {
        // Busy time blocks exactly itself: copied, not mapped.
        out.extend_from_slice(&host.busy);
        out.extend(padded_blocks(event, host).skip(host.busy.len()));
    } else {
        out.extend(padded_blocks(event, host));
    }
    interval::normalize(out);
    out
}

/// Rule 2: each busy interval and booking, widened by the buffers that keep meetings apart.
fn padded_blocks<'a>(event: &'a EventType, host: &'a Host) -> impl Iterator<Item = Interval> + 'a {
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
