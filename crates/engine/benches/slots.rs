//! Benchmarks for the budgets of ENGINE.md ("Speed") and a scaling table.
//!
//! `cargo bench -p rendezvous-engine --bench slots`; figures go to docs/BENCHMARKS.md.
//! Requests are built before timing: the engine alone is measured, as the contract asks.
#![allow(clippy::unwrap_used)]

use divan::{Bencher, black_box};
use jiff::tz::TimeZone;
use rendezvous_engine::{
    EventType, Host, Instant, Interval, Kind, LocalWindow, SlotRequest, WeeklyHours, compute_slots,
};

fn main() {
    divan::main();
}

/// 2026-03-02T00:00:00Z, a Monday.
const START: i64 = 1_772_409_600;
const DAY: i64 = 86_400;
const MIN: i64 = 60;
const ZONES: [&str; 10] = [
    "Europe/Berlin",
    "America/New_York",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Los_Angeles",
    "Asia/Kathmandu",
    "Europe/London",
    "Asia/Tokyo",
    "America/Sao_Paulo",
    "Pacific/Chatham",
];

fn weekdays_nine_to_five() -> WeeklyHours {
    let mut weekly = WeeklyHours::default();
    for day in &mut weekly.days[..5] {
        day.push(LocalWindow {
            start_minute: 9 * 60,
            end_minute: 17 * 60,
        });
    }
    weekly
}

/// `per_day` busy blocks of 30 to 90 minutes on each weekday, spread over working hours.
fn busy_blocks(zone: &TimeZone, days: i64, per_day: i64, seed: i64) -> Vec<Interval> {
    let mut out = Vec::new();
    for d in 0..days {
        let midnight = START + d * DAY;
        let weekday = (d % 7) as usize;
        if weekday >= 5 {
            continue;
        }
        let offset = i64::from(
            zone.to_offset(jiff::Timestamp::from_second(midnight).unwrap())
                .seconds(),
        );
        for b in 0..per_day {
            let start = midnight - offset
                + 9 * 3600
                + b * (480 / per_day.max(1)) * MIN
                + ((seed + d + b) % 4) * 15 * MIN;
            let length = (30 + ((seed * 7 + d * 3 + b * 5) % 4) * 20) * MIN;
            out.push(Interval::new(Instant(start), Instant(start + length)));
        }
    }
    out
}

fn host(id: String, zone: &str, days: i64, busy_per_day: i64, seed: i64) -> Host {
    let timezone = TimeZone::get(zone).unwrap();
    Host {
        id,
        busy: busy_blocks(&timezone, days, busy_per_day, seed),
        timezone,
        weekly: weekdays_nine_to_five(),
        overrides: Vec::new(),
        bookings: Vec::new(),
    }
}

fn request(kind: Kind, hosts: Vec<Host>, days: i64) -> SlotRequest {
    SlotRequest {
        now: Instant(START),
        range: Interval::new(Instant(START), Instant(START + days * DAY)),
        event: EventType {
            kind,
            duration_minutes: 30,
            interval_minutes: 15,
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            minimum_notice_minutes: 0,
            booking_window_days: None,
            max_per_day: None,
            max_per_week: None,
            seats: 1,
            timezone: hosts[0].timezone.clone(),
        },
        hosts,
    }
}

fn one_host(days: i64, busy_per_day: i64) -> SlotRequest {
    request(
        Kind::Single,
        vec![host("alice".into(), "Europe/Berlin", days, busy_per_day, 1)],
        days,
    )
}

fn round_robin(hosts: usize, days: i64) -> SlotRequest {
    let list = (0..hosts)
        .map(|i| {
            host(
                format!("host-{i:04}"),
                ZONES[i % ZONES.len()],
                days,
                3,
                i as i64,
            )
        })
        .collect();
    request(Kind::RoundRobin, list, days)
}

fn run(bencher: Bencher, request: SlotRequest) {
    bencher.bench_local(|| compute_slots(black_box(&request)));
}

/// ENGINE.md: one host, Mon-Fri 09:00-17:00, 30-minute event every 15 minutes (budgets:
/// 31 days < 20 µs, 365 days < 200 µs).
#[divan::bench(args = [31, 365])]
fn one_host_free(bencher: Bencher, days: i64) {
    run(bencher, one_host(days, 0));
}

/// ENGINE.md: the same with 4 busy blocks of 30-90 minutes a weekday (< 40 µs, < 400 µs).
#[divan::bench(args = [31, 365])]
fn one_host_four_busy_blocks_a_day(bencher: Bencher, days: i64) {
    run(bencher, one_host(days, 4));
}

/// The variant: three busy blocks a weekday (< 40 µs, < 400 µs).
#[divan::bench(args = [31, 365])]
fn one_host_three_busy_blocks_a_day(bencher: Bencher, days: i64) {
    run(bencher, one_host(days, 3));
}

/// ENGINE.md: 100 round-robin hosts in their own zones with busy times, 31 days (< 5 ms).
#[divan::bench]
fn round_robin_100_hosts_31_days(bencher: Bencher) {
    run(bencher, round_robin(100, 31));
}

/// Scaling by days: one host with 3 busy blocks a weekday.
#[divan::bench(args = [7, 31, 91, 182, 365])]
fn scaling_days(bencher: Bencher, days: i64) {
    run(bencher, one_host(days, 3));
}

/// Scaling by hosts: round robin over 31 days.
#[divan::bench(args = [1, 10, 100, 1000])]
fn scaling_hosts(bencher: Bencher, hosts: usize) {
    run(bencher, round_robin(hosts, 31));
}

/// Collective over 10 hosts in different zones, 31 days.
#[divan::bench]
fn collective_10_hosts_31_days(bencher: Bencher) {
    let mut r = round_robin(10, 31);
    r.event.kind = Kind::Collective;
    run(bencher, r);
}
