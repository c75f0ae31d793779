//! Issue 19's speed budget: a room search over 500 resources takes under 5 ms of rule work
//! (no database): for each resource, its hours through the engine and its capacity against a
//! week of reservations, for a one-hour period, and for every hour of a working week.
//!
//! `cargo bench -p rendezvous-services --bench resource_search`; figures go to
//! docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used)]

use divan::Bencher;
use domain::ids::{ReservationId, ResourceId, Timestamp, UserId};
use domain::resources::{
    Attributes, HeldSpan, Resource, ResourceFields, ResourceKind, ResourceStatus,
};
use domain::schedules::{DateOverrides, WeeklyRules};
use rendezvous_services::resource_rules::why_not;

fn main() {
    divan::main();
}

const RESOURCES: usize = 500;

fn at(text: &str) -> Timestamp {
    Timestamp::from(text.parse::<jiff::Timestamp>().unwrap())
}

fn weekdays() -> WeeklyRules {
    ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|d| {
            (
                (*d).to_owned(),
                vec![["08:00".to_owned(), "18:00".to_owned()]],
            )
        })
        .collect()
}

fn rooms() -> Vec<Resource> {
    (0..RESOURCES)
        .map(|i| Resource {
            id: ResourceId::new(),
            fields: ResourceFields {
                name: format!("Room {i}"),
                kind: ResourceKind::Space,
                description: String::new(),
                location: String::new(),
                group_id: None,
                attributes: Attributes::new(),
                capacity: 1 + (i % 3) as i32,
                time_zone: ["Europe/Berlin", "America/New_York", "Asia/Tokyo"][i % 3].to_owned(),
                weekly: weekdays(),
                overrides: DateOverrides::new(),
                buffer_before_minutes: 0,
                buffer_after_minutes: 10,
                min_duration_minutes: 15,
                max_duration_minutes: Some(480),
                min_notice_minutes: 0,
                max_notice_days: None,
                requires_approval: false,
                check_in_required: false,
                release_after_minutes: 15,
                status: ResourceStatus::Available,
                status_reason: String::new(),
            },
            created_at: at("2026-01-01T00:00:00Z"),
            updated_at: at("2026-01-01T00:00:00Z"),
        })
        .collect()
}

/// Eight one-hour reservations a day on every room, Monday to Friday of the week searched.
fn week_of_reservations(rooms: &[Resource]) -> Vec<HeldSpan> {
    let monday = at("2026-12-14T00:00:00Z").to_jiff();
    let mut held = Vec::new();
    for room in rooms {
        for day in 0..5 {
            for hour in 0..8 {
                let start = monday + jiff::SignedDuration::from_hours(24 * day + 7 + hour);
                held.push(HeldSpan {
                    reservation_id: ReservationId::new(),
                    resource_id: room.id,
                    booked_by: UserId::new(),
                    start_at: start.into(),
                    end_at: (start + jiff::SignedDuration::from_mins(45)).into(),
                });
            }
        }
    }
    held
}

/// The spans of one resource, as the search hands them to the rules.
fn by_resource(rooms: &[Resource], held: &[HeldSpan]) -> Vec<Vec<HeldSpan>> {
    rooms
        .iter()
        .map(|r| {
            held.iter()
                .filter(|h| h.resource_id == r.id)
                .copied()
                .collect()
        })
        .collect()
}

#[divan::bench]
fn one_hour_over_500_resources(bencher: Bencher) {
    let rooms = rooms();
    let held = by_resource(&rooms, &week_of_reservations(&rooms));
    let now = at("2026-12-01T00:00:00Z");
    let period = (at("2026-12-15T13:00:00Z"), at("2026-12-15T14:00:00Z"));
    bencher.bench_local(|| {
        rooms
            .iter()
            .zip(&held)
            .filter(|(room, held)| why_not(room, held, &[], period, now).unwrap().is_none())
            .count()
    });
}

#[divan::bench(sample_count = 20)]
fn every_hour_of_a_week_over_500_resources(bencher: Bencher) {
    let rooms = rooms();
    let held = by_resource(&rooms, &week_of_reservations(&rooms));
    let now = at("2026-12-01T00:00:00Z");
    let monday = at("2026-12-14T00:00:00Z").to_jiff();
    let hours: Vec<(Timestamp, Timestamp)> = (0..24 * 5)
        .map(|h| {
            let start = monday + jiff::SignedDuration::from_hours(h);
            (
                start.into(),
                (start + jiff::SignedDuration::from_hours(1)).into(),
            )
        })
        .collect();
    bencher.bench_local(|| {
        let mut free = 0;
        for (room, held) in rooms.iter().zip(&held) {
            for period in &hours {
                free += usize::from(why_not(room, held, &[], *period, now).unwrap().is_none());
            }
        }
        free
    });
}
