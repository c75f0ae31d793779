//! The quota rule against an oracle that reads time minute by minute on the wall clock: each
//! minute of a booking goes to the period its local date falls in, and counts where its local
//! weekday and time of day are enforced. The rule splits bookings at period boundaries as
//! instants instead; the two must agree in every zone, across DST changes, month and year ends.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{BTreeMap, BTreeSet};

use jiff::Timestamp;
use jiff::civil::Date;
use jiff::tz::TimeZone;
use proptest::prelude::*;
use rendezvous_engine::quota::run_json;
use serde_json::{Value, json};

const ZONES: [&str; 7] = [
    "Europe/Berlin",
    "America/Chicago",
    "Australia/Lord_Howe",
    "America/Santiago",
    "America/Havana",
    "Asia/Kolkata",
    "UTC",
];

/// Days near DST changes, month and year ends.
const ANCHORS: [&str; 9] = [
    "2026-03-08",
    "2026-03-29",
    "2026-04-05",
    "2026-09-06",
    "2026-10-25",
    "2026-11-01",
    "2026-12-31",
    "2026-02-28",
    "2026-06-30",
];

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

#[derive(Debug, Clone)]
struct Case {
    zone: &'static str,
    unit: &'static str,
    period: &'static str,
    first_weekday: usize,
    enforced_days: Option<Vec<usize>>,
    /// Minutes after midnight, away from the hours clocks change in.
    enforced_hours: Option<(u16, u16)>,
    limit: f64,
    /// Start and length in minutes of each booking; the first is the request.
    bookings: Vec<(i64, i64)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        0..ZONES.len(),
        prop::bool::ANY,
        0..4usize,
        0..7usize,
        prop::option::of(prop::collection::btree_set(0..7usize, 1..7)),
        // Window edges stay away from the hours clocks change in (02:00-03:00 in most zones,
        // midnight in Santiago and Havana): there the rule reads an edge by the compatible
        // rule (QUOTAS notes, reading 3), which a wall-clock minute count does not.
        prop::option::of((300u16..720, prop_oneof![780u16..=1320, Just(1440u16)])),
        0..20u32,
        0..ANCHORS.len(),
        prop::collection::vec((-4 * 1440i64..4 * 1440, 0i64..3 * 1440), 1..6),
    )
        .prop_map(
            |(zone, hours, period, first, days, window, limit, anchor, bookings)| {
                let base = Date::strptime("%Y-%m-%d", ANCHORS[anchor])
                    .unwrap()
                    .to_zoned(TimeZone::UTC)
                    .unwrap()
                    .timestamp()
                    .as_second()
                    / 60;
                Case {
                    zone: ZONES[zone],
                    unit: if hours { "hours" } else { "reservations" },
                    period: ["day", "week", "month", "year"][period],
                    first_weekday: first,
                    enforced_days: days.map(|d| d.into_iter().collect()),
                    enforced_hours: window,
                    limit: f64::from(limit) / 2.0,
                    bookings: bookings
                        .into_iter()
                        .map(|(start, length)| (base + start, length))
                        .collect(),
                }
            },
        )
}

fn instant(minute: i64) -> String {
    Timestamp::from_second(minute * 60).unwrap().to_string()
}

fn document(case: &Case) -> Value {
    let booking = |&(start, length): &(i64, i64)| json!({"start": instant(start), "end": instant(start + length), "resource": "r"});
    let mut quota = json!({
        "limit": case.limit, "unit": case.unit, "period": case.period, "scope": "global",
        "applies_to": {},
    });
    if let Some(days) = &case.enforced_days {
        quota["enforced_days"] = days.iter().map(|&d| json!(WEEKDAYS[d])).collect();
    }
    if let Some((start, end)) = case.enforced_hours {
        let clock = |m: u16| format!("{:02}:{:02}", m / 60, m % 60);
        quota["enforced_hours"] = json!({"start": clock(start), "end": clock(end)});
    }
    json!({
        "quota": quota,
        "first_weekday": WEEKDAYS[case.first_weekday],
        "timezone": case.zone,
        "now": "2026-01-01T00:00:00Z",
        "user_groups": [],
        "resource_schedule": {"r": 1},
        "existing": case.bookings[1..].iter().map(booking).collect::<Vec<_>>(),
        "requested": [booking(&case.bookings[0])],
    })
}

/// The first day of the period holding `date`, by plain calendar arithmetic.
fn period_key(case: &Case, date: Date) -> Date {
    match case.period {
        "day" => date,
        "week" => {
            let weekday = usize::from(date.weekday().to_monday_zero_offset().unsigned_abs());
            let back = (weekday + 7 - case.first_weekday) % 7;
            date.checked_sub(jiff::Span::new().days(back as i64))
                .unwrap()
        }
        "month" => Date::new(date.year(), date.month(), 1).unwrap(),
        _ => Date::new(date.year(), 1, 1).unwrap(),
    }
}

/// Period first day → total (seconds or bookings), minute by minute.
fn oracle(case: &Case) -> BTreeMap<Date, i64> {
    let tz = TimeZone::get(case.zone).unwrap();
    let mut totals = BTreeMap::new();
    for &(start, length) in &case.bookings {
        let mut touched = BTreeSet::new();
        for minute in start..start + length {
            let local = tz.to_datetime(Timestamp::from_second(minute * 60).unwrap());
            let weekday = usize::from(local.weekday().to_monday_zero_offset().unsigned_abs());
            let clock =
                u16::try_from(i32::from(local.hour()) * 60 + i32::from(local.minute())).unwrap();
            let day_ok = case
                .enforced_days
                .as_ref()
                .is_none_or(|d| d.contains(&weekday));
            let hour_ok = case
                .enforced_hours
                .is_none_or(|(from, to)| from <= clock && clock < to);
            if !(day_ok && hour_ok) {
                continue;
            }
            let key = period_key(case, local.date());
            if case.unit == "hours" {
                *totals.entry(key).or_insert(0) += 60;
            } else {
                touched.insert(key);
            }
        }
        for key in touched {
            *totals.entry(key).or_insert(0) += 1;
        }
    }
    totals
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn periods_over_the_limit_match_a_minute_by_minute_reading(case in case()) {
        let out: Value = serde_json::from_str(&run_json(&document(&case).to_string()).unwrap()).unwrap();
        let expected: Vec<(String, f64)> = oracle(&case)
            .into_iter()
            .map(|(day, total)| {
                let total = if case.unit == "hours" { total as f64 / 3600.0 } else { total as f64 };
                (day.to_string(), total)
            })
            .filter(|&(_, total)| total > case.limit)
            .collect();
        let got: Vec<(String, f64)> = out["periods"]
            .as_array()
            .map(|periods| {
                periods
                    .iter()
                    .map(|p| {
                        (p["start"].as_str().unwrap()[..10].to_owned(), p["total"].as_f64().unwrap())
                    })
                    .collect()
            })
            .unwrap_or_default();
        // serde_json reads floats back within a few ulps (no `float_roundtrip`); the document
        // itself prints the nearest double.
        let close = got.len() == expected.len()
            && got.iter().zip(&expected).all(|(g, e)| g.0 == e.0 && (g.1 - e.1).abs() < 1e-9);
        prop_assert!(close, "got {:?}, expected {:?}", got, expected);
        prop_assert_eq!(out["outcome"] == "allowed", expected.is_empty());
    }

    #[test]
    fn without_enforcement_hours_add_up_to_the_booking(
        zone in 0..ZONES.len(), period in 0..4usize, first in 0..7usize,
        anchor in 0..ANCHORS.len(), start in -40i64 * 1440..40 * 1440, length in 1i64..60 * 1440,
    ) {
        let case = Case {
            zone: ZONES[zone], unit: "hours", period: ["day", "week", "month", "year"][period],
            first_weekday: first, enforced_days: None, enforced_hours: None, limit: 0.0,
            bookings: vec![(0, 0)],
        };
        let base = Date::strptime("%Y-%m-%d", ANCHORS[anchor]).unwrap()
            .to_zoned(TimeZone::UTC).unwrap().timestamp().as_second() / 60;
        let case = Case { bookings: vec![(base + start, length)], ..case };
        let out: Value = serde_json::from_str(&run_json(&document(&case).to_string()).unwrap()).unwrap();
        let periods = out["periods"].as_array().unwrap();
        let hours: f64 = periods.iter().map(|p| p["total"].as_f64().unwrap()).sum();
        prop_assert!((hours * 60.0 - length as f64).abs() < 1e-6, "{hours} h for {length} min");
        // Periods tile time: each ends where the next starts.
        for pair in periods.windows(2) {
            prop_assert_eq!(&pair[0]["end"], &pair[1]["start"]);
        }
    }
}
