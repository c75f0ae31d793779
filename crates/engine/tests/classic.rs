//! The classic cases of slot computation, one rule at a time, in UTC so the arithmetic is plain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

const NOW: &str = "2026-03-01T00:00:00Z";
/// Monday 2026-03-23, the whole day.
const MONDAY: (&str, &str) = ("2026-03-23T00:00:00Z", "2026-03-24T00:00:00Z");

fn nine_to_five() -> serde_json::Value {
    json!({ "mon": [["09:00", "17:00"]] })
}

#[test]
fn full_days_at_every_interval() {
    for (minutes, count, last) in [
        (60, 8, "16:00"),
        (30, 16, "16:30"),
        (20, 24, "16:40"),
        (15, 32, "16:45"),
        (10, 48, "16:50"),
        (5, 96, "16:55"),
        (8, 60, "16:52"),
        (40, 12, "16:20"),
        (45, 10, "15:45"),
    ] {
        let d = doc(
            NOW,
            MONDAY,
            "UTC",
            nine_to_five(),
            json!({ "duration": minutes }),
        );
        let got = starts(&d);
        assert_eq!(got.len(), count, "{minutes}-minute event");
        assert_eq!(hhmm(&got[0]), "09:00");
        assert_eq!(hhmm(got.last().unwrap()), last, "{minutes}-minute event");
    }
}

#[test]
fn grid_follows_the_interval_not_the_window_edge() {
    let weekly = json!({ "mon": [["09:07", "11:00"]] });
    let at = |interval: i64, duration: i64| {
        let d = doc(
            NOW,
            MONDAY,
            "UTC",
            weekly.clone(),
            json!({ "duration": duration, "interval": interval }),
        );
        starts(&d)
            .iter()
            .map(|s| hhmm(s).to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(at(15, 30)[..3], ["09:15", "09:30", "09:45"]);
    assert_eq!(at(8, 30)[..3], ["09:07", "09:15", "09:23"]);
    assert_eq!(at(45, 30), ["09:15", "10:00"]);
    assert_eq!(at(90, 30), ["09:30"]);
    assert_eq!(at(7, 100), ["09:07", "09:14"]);
}

#[test]
fn overlapping_and_touching_windows_merge() {
    let overlapping = json!({ "mon": [["09:00", "12:00"], ["11:00", "14:00"]] });
    let touching = json!({ "mon": [["09:00", "12:00"], ["12:00", "14:00"]] });
    for weekly in [overlapping, touching] {
        let got = starts(&doc(NOW, MONDAY, "UTC", weekly, json!({ "duration": 60 })));
        assert_eq!(got.len(), 5);
        assert!(got.iter().any(|s| hhmm(s) == "11:30") || got.iter().any(|s| hhmm(s) == "11:00"));
        assert_eq!(hhmm(got.last().unwrap()), "13:00");
    }
}

#[test]
fn window_shorter_than_the_event_has_no_slot() {
    let weekly = json!({ "mon": [["09:00", "09:20"]] });
    assert!(starts(&doc(NOW, MONDAY, "UTC", weekly, json!({}))).is_empty());
}

#[test]
fn busy_blocks_at_start_middle_end_and_across() {
    let cases = [
        (("09:00", "10:00"), vec!["10:00", "16:30"], 14),
        (("12:10", "12:50"), vec!["09:00", "16:30"], 14),
        (("16:00", "17:00"), vec!["09:00", "15:30"], 14),
        (("08:00", "18:00"), vec![], 0),
    ];
    for ((from, to), edges, count) in cases {
        let mut d = doc(NOW, MONDAY, "UTC", nine_to_five(), json!({}));
        d["hosts"][0]["busy"] = json!([{ "start": format!("2026-03-23T{from}:00Z"), "end": format!("2026-03-23T{to}:00Z") }]);
        let got = starts(&d);
        assert_eq!(got.len(), count, "busy {from}-{to}: {got:?}");
        if let [first, last] = edges[..] {
            assert_eq!((hhmm(&got[0]), hhmm(got.last().unwrap())), (first, last));
        }
    }
}

#[test]
fn buffers_of_both_events_keep_meetings_apart() {
    let mut d = doc(
        NOW,
        MONDAY,
        "UTC",
        nine_to_five(),
        json!({ "buffer_before": 15, "buffer_after": 5 }),
    );
    d["hosts"][0]["bookings"] = json!([{
        "start": "2026-03-23T12:00:00Z", "end": "2026-03-23T13:00:00Z",
        "buffer_before": 10, "buffer_after": 20
    }]);
    let got = starts(&d);
    // Blocked: [12:00 - 10 - 5, 13:00 + 20 + 15) = [11:45, 13:35).
    assert!(got.iter().any(|s| hhmm(s) == "11:00"));
    assert!(!got.iter().any(|s| hhmm(s) == "11:30"));
    let after: Vec<_> = got
        .iter()
        .map(|s| hhmm(s))
        .filter(|s| *s > "12:00")
        .collect();
    assert_eq!(after.first(), Some(&"14:00"));
    // A busy interval takes only the event's buffers: [12:00 - 5, 13:00 + 15).
    let mut d = doc(
        NOW,
        MONDAY,
        "UTC",
        nine_to_five(),
        json!({ "buffer_before": 15, "buffer_after": 5, "interval": 5 }),
    );
    d["hosts"][0]["busy"] =
        json!([{ "start": "2026-03-23T12:00:00Z", "end": "2026-03-23T13:00:00Z" }]);
    let got: Vec<String> = starts(&d).iter().map(|s| hhmm(s).to_owned()).collect();
    assert!(got.contains(&"11:25".to_owned()) && !got.contains(&"11:30".to_owned()));
    assert!(got.contains(&"13:15".to_owned()) && !got.contains(&"13:10".to_owned()));
}

#[test]
fn minimum_notice_boundary_is_inclusive() {
    let d = doc(
        "2026-03-23T08:00:00Z",
        MONDAY,
        "UTC",
        nine_to_five(),
        json!({ "minimum_notice": 60 }),
    );
    assert_eq!(hhmm(&starts(&d)[0]), "09:00");
    let d = doc(
        "2026-03-23T08:00:01Z",
        MONDAY,
        "UTC",
        nine_to_five(),
        json!({ "minimum_notice": 60 }),
    );
    assert_eq!(hhmm(&starts(&d)[0]), "09:30");
    let d = doc(
        "2026-03-23T08:00:01Z",
        MONDAY,
        "UTC",
        nine_to_five(),
        json!({ "minimum_notice": 60, "interval": 8 }),
    );
    assert_eq!(hhmm(&starts(&d)[0]), "09:01");
    let d = doc(
        "2026-03-23T10:10:00Z",
        MONDAY,
        "UTC",
        nine_to_five(),
        json!({ "interval": 15 }),
    );
    assert_eq!(hhmm(&starts(&d)[0]), "10:15");
}

#[test]
fn booking_window_excludes_its_end() {
    let weekly = json!({ "mon": [["00:00", "24:00"]], "tue": [["00:00", "24:00"]] });
    let d = doc(
        "2026-03-22T10:00:00Z",
        ("2026-03-23T00:00:00Z", "2026-03-25T00:00:00Z"),
        "UTC",
        weekly,
        json!({ "booking_window_days": 2, "duration": 60 }),
    );
    let got = starts(&d);
    assert_eq!(got.last().unwrap(), "2026-03-24T09:00:00Z");
    let weekly = json!({ "mon": [["00:00", "24:00"]] });
    let d = doc(
        "2026-03-22T10:00:00Z",
        MONDAY,
        "UTC",
        weekly,
        json!({ "booking_window_days": 0 }),
    );
    assert!(starts(&d).is_empty());
}

#[test]
fn range_only_filters() {
    let d = doc(
        NOW,
        ("2026-03-23T10:10:00Z", "2026-03-23T11:00:00Z"),
        "UTC",
        nine_to_five(),
        json!({}),
    );
    assert_eq!(starts(&d), ["2026-03-23T10:30:00Z"]);
    // A slot whose start is in the range but whose end is past it still counts.
    let d = doc(
        NOW,
        ("2026-03-23T10:00:00Z", "2026-03-23T10:01:00Z"),
        "UTC",
        nine_to_five(),
        json!({}),
    );
    assert_eq!(starts(&d), ["2026-03-23T10:00:00Z"]);
}

#[test]
fn limits_per_day_and_week_count_same_event_bookings() {
    let weekly = json!({ "mon": [["09:00", "17:00"]], "tue": [["09:00", "17:00"]] });
    let two_days = ("2026-03-23T00:00:00Z", "2026-03-25T00:00:00Z");
    let booking = |same: bool| json!([{ "start": "2026-03-23T09:00:00Z", "end": "2026-03-23T09:30:00Z", "same_event": same }]);
    let day = |d: &str| d[..10].to_owned();
    let mut d = doc(
        NOW,
        two_days,
        "UTC",
        weekly.clone(),
        json!({ "max_per_day": 1 }),
    );
    d["hosts"][0]["bookings"] = booking(true);
    assert!(starts(&d).iter().all(|s| day(s) == "2026-03-24"));
    d["hosts"][0]["bookings"] = booking(false);
    assert!(starts(&d).iter().any(|s| day(s) == "2026-03-23"));
    let mut d = doc(
        NOW,
        two_days,
        "UTC",
        weekly.clone(),
        json!({ "max_per_week": 1 }),
    );
    d["hosts"][0]["bookings"] = booking(true);
    assert!(starts(&d).is_empty());
    let mut d = doc(NOW, two_days, "UTC", weekly, json!({ "max_per_day": 2 }));
    d["hosts"][0]["bookings"] = booking(true);
    assert!(starts(&d).iter().any(|s| day(s) == "2026-03-23"));
}

#[test]
fn limits_count_the_host_local_date() {
    // 23:30 UTC on Sunday is already Monday in Berlin.
    let weekly = json!({ "mon": [["09:00", "17:00"]] });
    let mut d = doc(
        NOW,
        MONDAY,
        "Europe/Berlin",
        weekly,
        json!({ "max_per_day": 1 }),
    );
    d["hosts"][0]["bookings"] = json!([{ "start": "2026-03-22T23:30:00Z", "end": "2026-03-22T23:45:00Z", "same_event": true }]);
    assert!(starts(&d).is_empty());
}

#[test]
fn seats_full_and_partly_full() {
    let mut d = doc(
        NOW,
        MONDAY,
        "UTC",
        nine_to_five(),
        json!({ "seats": 3, "duration": 60 }),
    );
    d["hosts"][0]["bookings"] = json!([
        { "start": "2026-03-23T10:00:00Z", "end": "2026-03-23T11:00:00Z", "attendees": 1, "same_event": true },
        { "start": "2026-03-23T10:00:00Z", "end": "2026-03-23T11:00:00Z", "attendees": 1, "same_event": true },
        { "start": "2026-03-23T13:00:00Z", "end": "2026-03-23T14:00:00Z", "attendees": 3, "same_event": true }
    ]);
    let got = run(&d);
    let at = |t: &str| {
        got.iter()
            .find(|(s, _, _)| hhmm(s) == t)
            .map(|(_, _, left)| *left)
    };
    assert_eq!(at("09:00"), Some(3));
    assert_eq!(at("10:00"), Some(1), "two of three seats taken");
    assert_eq!(at("13:00"), None, "full");
    assert_eq!(at("11:00"), Some(3));
    assert_eq!(at("10:30"), None, "overlaps the booking");
}

#[test]
fn joining_a_booking_ignores_limits_but_not_other_blocks() {
    let mut d = doc(
        NOW,
        MONDAY,
        "UTC",
        nine_to_five(),
        json!({ "seats": 5, "duration": 60, "max_per_day": 1, "buffer_after": 30 }),
    );
    d["hosts"][0]["bookings"] = json!([
        { "start": "2026-03-23T10:00:00Z", "end": "2026-03-23T11:00:00Z", "attendees": 2, "same_event": true }
    ]);
    assert_eq!(
        run(&d),
        vec![("2026-03-23T10:00:00Z".to_owned(), vec!["h".to_owned()], 3)]
    );
    // A busy interval just after the booking, within the event's buffer, still blocks joining.
    d["hosts"][0]["busy"] =
        json!([{ "start": "2026-03-23T11:20:00Z", "end": "2026-03-23T11:40:00Z" }]);
    assert!(run(&d).is_empty());
}

#[test]
fn kinds_collective_and_round_robin() {
    let both = |kind: &str| {
        json!({
            "now": NOW,
            "range": { "start": MONDAY.0, "end": MONDAY.1 },
            "event": { "kind": kind, "duration": 60 },
            "hosts": [
                { "id": "zed", "timezone": "UTC", "weekly": { "mon": [["09:00", "12:00"]] } },
                { "id": "amy", "timezone": "UTC", "weekly": { "mon": [["11:00", "14:00"]] } }
            ]
        })
    };
    let c = run(&both("collective"));
    assert_eq!(
        c,
        vec![(
            "2026-03-23T11:00:00Z".to_owned(),
            vec!["amy".to_owned(), "zed".to_owned()],
            1
        )]
    );
    let r = run(&both("round_robin"));
    let hosts_at = |t: &str| {
        r.iter()
            .find(|(s, _, _)| hhmm(s) == t)
            .map(|(_, h, _)| h.clone())
    };
    assert_eq!(r.len(), 5);
    assert_eq!(hosts_at("09:00"), Some(vec!["zed".to_owned()]));
    assert_eq!(
        hosts_at("11:00"),
        Some(vec!["amy".to_owned(), "zed".to_owned()])
    );
    assert_eq!(hosts_at("13:00"), Some(vec!["amy".to_owned()]));
}

#[test]
fn a_day_off_override_and_other_hours() {
    let mut d = doc(
        NOW,
        ("2026-03-23T00:00:00Z", "2026-03-25T00:00:00Z"),
        "UTC",
        json!({ "mon": [["09:00", "17:00"]] }),
        json!({ "duration": 60 }),
    );
    d["hosts"][0]["overrides"] = json!({ "2026-03-23": [], "2026-03-24": [["10:00", "12:00"]] });
    assert_eq!(starts(&d), ["2026-03-24T10:00:00Z", "2026-03-24T11:00:00Z"]);
}

#[test]
fn round_the_clock_hours_run_across_midnight() {
    let weekly = json!({ "mon": [["22:00", "24:00"]], "tue": [["00:00", "02:00"]] });
    let d = doc(
        NOW,
        ("2026-03-23T00:00:00Z", "2026-03-25T00:00:00Z"),
        "UTC",
        weekly,
        json!({ "duration": 240 }),
    );
    assert_eq!(starts(&d), ["2026-03-23T22:00:00Z"]);
    // Asking only for Tuesday still sees that the free time began on Monday.
    let weekly = json!({ "mon": [["23:30", "24:00"]], "tue": [["00:00", "03:00"]] });
    let d = doc(
        NOW,
        ("2026-03-24T00:00:00Z", "2026-03-25T00:00:00Z"),
        "UTC",
        weekly,
        json!({ "duration": 60, "interval": 45 }),
    );
    assert_eq!(
        starts(&d),
        [
            "2026-03-24T00:15:00Z",
            "2026-03-24T01:00:00Z",
            "2026-03-24T01:45:00Z"
        ]
    );
}
