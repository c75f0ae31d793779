//! Properties of slot computation over random schedules, busy times, buffers and parameters.
//!
//! Working hours are checked against an independent computation with jiff's own civil-to-zoned
//! conversion (which uses the same compatible rule), not against the engine's zone code.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeMap;

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use proptest::prelude::*;
use rendezvous_engine::{
    Booking, DateOverride, EventType, Host, Instant, Interval, Kind, LocalWindow, SlotRequest,
    WeeklyHours, compute_slots,
};

const ZONES: [&str; 8] = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "Australia/Lord_Howe",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Pacific/Chatham",
    "America/St_Johns",
];
/// Zones whose offsets are whole hours apart from each other's changes, so a grid on their
/// clock stays on the grid across a DST change.
const WHOLE_HOUR_SHIFT_ZONES: [&str; 4] =
    ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"];
/// 2026-03-20T00:00:00Z: the weeks after it hold the spring changes of the northern zones and
/// the autumn changes of the southern ones.
const BASE: i64 = 1_773_964_800;
const MIN: i64 = 60;
const DAY: i64 = 86_400;

#[derive(Clone, Debug)]
struct HostSpec {
    zone: usize,
    weekly: Vec<(usize, u16, u16)>,
    overrides: Vec<(i64, Vec<(u16, u16)>)>,
    busy: Vec<(i64, i64)>,
    bookings: Vec<(i64, i64, i64, i64, u64, bool)>,
}

fn window() -> impl Strategy<Value = (u16, u16)> {
    (0u16..1440, 1u16..600).prop_map(|(s, len)| {
        let s = s / 5 * 5;
        (s, (s + len).min(1440))
    })
}

fn host_spec() -> impl Strategy<Value = HostSpec> {
    (
        0..ZONES.len(),
        prop::collection::vec(
            (0usize..7, window()).prop_map(|(d, (s, e))| (d, s, e)),
            0..10,
        ),
        prop::collection::vec((0i64..16, prop::collection::vec(window(), 0..3)), 0..3),
        prop::collection::vec((0i64..16 * DAY, 1i64..240 * MIN), 0..6),
        prop::collection::vec(
            (
                0i64..16 * DAY / 300,
                1i64..12,
                0i64..40,
                0i64..40,
                1u64..4,
                any::<bool>(),
            ),
            0..6,
        ),
    )
        .prop_map(|(zone, weekly, overrides, busy, bookings)| HostSpec {
            zone,
            weekly,
            overrides,
            busy,
            // Bookings on a 5-minute grid so that some line up with slots and seats.
            bookings: bookings
                .into_iter()
                .map(|(s, len, b, a, n, same)| (s * 300, len * 15 * MIN, b, a, n, same))
                .collect(),
        })
}

#[derive(Clone, Debug)]
struct Spec {
    kind: Kind,
    now_offset: i64,
    range_days: (i64, i64),
    duration: i64,
    interval: i64,
    buffers: (i64, i64),
    notice: i64,
    window: Option<u64>,
    per_day: Option<u64>,
    per_week: Option<u64>,
    seats: u64,
    event_zone: usize,
    hosts: Vec<HostSpec>,
}

fn spec_with(
    kinds: &'static [Kind],
    intervals: &'static [i64],
    zones: &'static [&'static str],
) -> impl Strategy<Value = Spec> {
    (
        prop::sample::select(kinds),
        (0i64..3 * DAY, 0i64..6, 1i64..7),
        (5i64..180, prop::sample::select(intervals)),
        (0i64..30, 0i64..30, 0i64..600),
        (
            prop::option::of(0u64..20),
            prop::option::of(0u64..3),
            prop::option::of(0u64..5),
        ),
        (1u64..4, 0..zones.len()),
        prop::collection::vec(host_spec(), 1..4),
    )
        .prop_map(
            |(
                kind,
                (now, from, len),
                (duration, interval),
                (before, after, notice),
                (window, per_day, per_week),
                (seats, event_zone),
                hosts,
            )| {
                let hosts = if kind == Kind::Single {
                    hosts[..1].to_vec()
                } else {
                    hosts
                };
                Spec {
                    kind,
                    now_offset: now,
                    range_days: (from, from + len),
                    duration,
                    interval: if interval == 0 { duration } else { interval },
                    buffers: (before, after),
                    notice,
                    window,
                    per_day,
                    per_week,
                    seats: if kind == Kind::Single { seats } else { 1 },
                    event_zone: ZONES.iter().position(|z| *z == zones[event_zone]).unwrap(),
                    hosts,
                }
            },
        )
}

fn any_spec() -> impl Strategy<Value = Spec> {
    spec_with(
        &[Kind::Single, Kind::Collective, Kind::RoundRobin],
        &[0, 1, 5, 7, 8, 10, 15, 20, 30, 40, 45, 50, 60, 90],
        &ZONES,
    )
}

fn zone(index: usize) -> TimeZone {
    TimeZone::get(ZONES[index]).unwrap()
}

fn windows(list: &[(u16, u16)]) -> Vec<LocalWindow> {
    list.iter()
        .map(|&(s, e)| LocalWindow {
            start_minute: s,
            end_minute: e,
        })
        .collect()
}

fn build(spec: &Spec) -> SlotRequest {
    let day0 = BASE / DAY;
    let hosts = spec
        .hosts
        .iter()
        .enumerate()
        .map(|(i, h)| {
            let mut weekly = WeeklyHours::default();
            for &(d, s, e) in &h.weekly {
                weekly.days[d].push(LocalWindow {
                    start_minute: s,
                    end_minute: e,
                });
            }
            let mut overrides: BTreeMap<i64, Vec<LocalWindow>> = BTreeMap::new();
            for (d, list) in &h.overrides {
                overrides.insert(day0 + d, windows(list));
            }
            Host {
                id: format!("host-{}", (b'c' - i as u8) as char),
                timezone: zone(h.zone),
                weekly,
                overrides: overrides
                    .into_iter()
                    .map(|(day, windows)| DateOverride { day, windows })
                    .collect(),
                busy: h
                    .busy
                    .iter()
                    .map(|&(s, len)| Interval::new(Instant(BASE + s), Instant(BASE + s + len)))
                    .collect(),
                bookings: h
                    .bookings
                    .iter()
                    .map(|&(s, len, before, after, attendees, same_event)| Booking {
                        time: Interval::new(Instant(BASE + s), Instant(BASE + s + len)),
                        buffer_before_minutes: before,
                        buffer_after_minutes: after,
                        attendees,
                        same_event,
                    })
                    .collect(),
            }
        })
        .collect();
    SlotRequest {
        now: Instant(BASE + spec.now_offset),
        range: Interval::new(
            Instant(BASE + spec.range_days.0 * DAY),
            Instant(BASE + spec.range_days.1 * DAY),
        ),
        event: EventType {
            kind: spec.kind,
            duration_minutes: spec.duration,
            interval_minutes: spec.interval,
            buffer_before_minutes: spec.buffers.0,
            buffer_after_minutes: spec.buffers.1,
            minimum_notice_minutes: spec.notice,
            booking_window_days: spec.window,
            max_per_day: spec.per_day,
            max_per_week: spec.per_week,
            seats: spec.seats,
            timezone: zone(spec.event_zone),
        },
        hosts,
    }
}

type Answer = Vec<(i64, Vec<String>, u64)>;

fn answer(request: &SlotRequest) -> Answer {
    compute_slots(request)
        .iter()
        .map(|s| {
            assert_eq!(s.end.0 - s.start.0, request.event.duration_minutes * MIN);
            let hosts = s
                .hosts
                .iter()
                .map(|&h| request.hosts[h as usize].id.clone())
                .collect();
            (s.start.0, hosts, s.seats_left)
        })
        .collect()
}

/// Working hours by jiff's high-level API, over every local date that can touch the range.
fn independent_working_hours(host: &Host, around: Interval) -> Vec<(i64, i64)> {
    let to_instant = |date: Date, minute: u16| -> i64 {
        let (date, minute) = if minute == 1440 {
            (date.tomorrow().unwrap(), 0)
        } else {
            (date, minute)
        };
        let dt = DateTime::from_parts(
            date,
            jiff::civil::time((minute / 60) as i8, (minute % 60) as i8, 0, 0),
        );
        dt.to_zoned(host.timezone.clone())
            .unwrap()
            .timestamp()
            .as_second()
    };
    let first = jiff::Timestamp::from_second(around.start.0 - 3 * DAY)
        .unwrap()
        .to_zoned(host.timezone.clone())
        .date();
    let mut out = Vec::new();
    let mut date = first;
    let last_secs = around.end.0 + 3 * DAY;
    while to_instant(date, 0) < last_secs {
        let day = (date.since(Date::constant(1970, 1, 1)).unwrap().get_days()) as i64;
        let list = match host.overrides.iter().find(|o| o.day == day) {
            Some(o) => &o.windows,
            None => &host.weekly.days[date.weekday().to_monday_zero_offset() as usize],
        };
        for w in list {
            let (s, e) = (
                to_instant(date, w.start_minute),
                to_instant(date, w.end_minute),
            );
            if s < e {
                out.push((s, e));
            }
        }
        date = date.tomorrow().unwrap();
    }
    out.sort();
    let mut merged: Vec<(i64, i64)> = Vec::new();
    for (s, e) in out {
        match merged.last_mut() {
            Some(last) if s <= last.1 => last.1 = last.1.max(e),
            _ => merged.push((s, e)),
        }
    }
    merged
}

fn covered(hours: &[(i64, i64)], start: i64, end: i64) -> bool {
    hours.iter().any(|&(s, e)| s <= start && end <= e)
}

fn local_minute(tz: &TimeZone, at: i64) -> i64 {
    i64::from(
        jiff::Timestamp::from_second(at)
            .unwrap()
            .to_zoned(tz.clone())
            .minute(),
    )
}

fn grid(interval: i64) -> i64 {
    [60, 30, 20, 15, 10, 5]
        .into_iter()
        .find(|g| interval % g == 0)
        .unwrap_or(1)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn slots_obey_every_rule(spec in any_spec()) {
        let request = build(&spec);
        let ev = &request.event;
        let slots = answer(&request);
        let earliest = request.now.0 + ev.minimum_notice_minutes * MIN;
        let window_end = ev.booking_window_days.map_or(i64::MAX, |d| request.now.0 + d as i64 * DAY);
        prop_assert!(slots.windows(2).all(|w| w[0].0 < w[1].0), "sorted, one entry per start");
        let hours: Vec<_> = request.hosts.iter().map(|h| independent_working_hours(h, request.range)).collect();
        for (start, hosts, seats_left) in &slots {
            let (start, end) = (*start, start + ev.duration_minutes * MIN);
            prop_assert!(request.range.start.0 <= start && start < request.range.end.0);
            prop_assert!(start >= earliest && start < window_end);
            prop_assert!(!hosts.is_empty() && hosts.windows(2).all(|w| w[0] < w[1]));
            prop_assert!(*seats_left >= 1 && *seats_left <= ev.seats);
            let joined = *seats_left < ev.seats;
            for id in hosts {
                let index = request.hosts.iter().position(|h| &h.id == id).unwrap();
                let host = &request.hosts[index];
                prop_assert!(covered(&hours[index], start, end), "{id} works through the slot");
                for b in &host.busy {
                    let block = (b.start.0 - ev.buffer_after_minutes * MIN, b.end.0 + ev.buffer_before_minutes * MIN);
                    prop_assert!(!(start < block.1 && block.0 < end), "busy {b:?} blocks {start}");
                }
                for b in &host.bookings {
                    let block = (
                        b.time.start.0 - (b.buffer_before_minutes + ev.buffer_after_minutes) * MIN,
                        b.time.end.0 + (b.buffer_after_minutes + ev.buffer_before_minutes) * MIN,
                    );
                    let own_seat = joined && b.same_event && b.time.start.0 == start;
                    prop_assert!(own_seat || !(start < block.1 && block.0 < end), "booking {b:?} blocks {start}");
                }
            }
            if joined {
                prop_assert_eq!(ev.kind, Kind::Single);
            } else if WHOLE_HOUR_SHIFT_ZONES.contains(&ev.timezone.iana_name().unwrap()) {
                prop_assert_eq!(local_minute(&ev.timezone, start) % grid(ev.interval_minutes), 0);
            }
        }
    }

    #[test]
    fn a_sub_range_lists_exactly_its_part_of_a_larger_range(spec in any_spec(), cut in (0i64..7 * DAY, 1i64..7 * DAY)) {
        let request = build(&spec);
        let whole = answer(&request);
        let mut sub = request.clone();
        let start = (request.range.start.0 + cut.0 / 60 * 60).min(request.range.end.0 - 60);
        sub.range = Interval::new(Instant(start), Instant((start + cut.1).min(request.range.end.0)));
        let expected: Answer = whole.into_iter().filter(|s| sub.range.start.0 <= s.0 && s.0 < sub.range.end.0).collect();
        prop_assert_eq!(answer(&sub), expected);
    }

    #[test]
    fn round_robin_is_the_union_of_each_host_alone(spec in spec_with(&[Kind::RoundRobin], &[0, 7, 15, 30, 45, 60], &ZONES)) {
        let request = build(&spec);
        let mut union: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for host in &request.hosts {
            let mut alone = request.clone();
            alone.event.kind = Kind::Single;
            alone.hosts = vec![host.clone()];
            for (start, hosts, _) in answer(&alone) {
                union.entry(start).or_default().extend(hosts);
            }
        }
        let expected: Answer = union.into_iter().map(|(s, mut h)| { h.sort(); (s, h, 1) }).collect();
        prop_assert_eq!(answer(&request), expected);
    }

    #[test]
    fn collective_slots_are_slots_of_every_host(spec in spec_with(&[Kind::Collective], &[5, 10, 15, 20, 30, 60], &WHOLE_HOUR_SHIFT_ZONES)) {
        let request = build(&spec);
        let together = answer(&request);
        for host in &request.hosts {
            let mut alone = request.clone();
            alone.event.kind = Kind::Single;
            alone.hosts = vec![host.clone()];
            let own: Vec<i64> = answer(&alone).into_iter().map(|s| s.0).collect();
            for (start, hosts, _) in &together {
                prop_assert_eq!(hosts.len(), request.hosts.len());
                prop_assert!(own.binary_search(start).is_ok(), "{} lacks {}", host.id, start);
            }
        }
    }
}
