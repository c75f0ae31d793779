//! The workloads of the engine's benchmarks, shared by the timing suite (`slots.rs`) and the
//! instruction-count runner (`instructions.rs`), so both measure the same requests.
#![allow(clippy::unwrap_used, dead_code)]

use jiff::tz::TimeZone;
use rendezvous_engine::{
    EventType, Host, Instant, Interval, Kind, LocalWindow, SlotRequest, WeeklyHours,
};

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

pub fn one_host(days: i64, busy_per_day: i64) -> SlotRequest {
    request(
        Kind::Single,
        vec![host("alice".into(), "Europe/Berlin", days, busy_per_day, 1)],
        days,
    )
}

pub fn round_robin(hosts: usize, days: i64) -> SlotRequest {
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

/// Collective over 10 hosts in different zones, 31 days.
pub fn collective(hosts: usize, days: i64) -> SlotRequest {
    let mut r = round_robin(hosts, days);
    r.event.kind = Kind::Collective;
    r
}
