//! Time zones: DST gaps and folds, half- and quarter-hour offsets, and hosts in different zones.
//! Every expectation was worked out by hand from the tz database's transitions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::json;

const NOW: &str = "2026-01-01T00:00:00Z";

fn day(date: &str) -> (String, String) {
    // A UTC window generous enough to hold the whole local day of any zone.
    let d: jiff::civil::Date = date.parse().unwrap();
    let before = d.yesterday().unwrap();
    let after = d.tomorrow().unwrap().tomorrow().unwrap();
    (format!("{before}T00:00:00Z"), format!("{after}T00:00:00Z"))
}

fn on(
    date: &str,
    zone: &str,
    weekday: &str,
    window: (&str, &str),
    event: serde_json::Value,
) -> Vec<String> {
    let (start, end) = day(date);
    let mut d = doc(
        NOW,
        (&start, &end),
        zone,
        json!({ weekday: [[window.0, window.1]] }),
        event,
    );
    // Only the one date: the weekly day would repeat on other weeks, which the range excludes.
    d["hosts"][0]["overrides"] = json!({});
    starts(&d)
}

#[test]
fn berlin_spring_forward_day_has_23_hours() {
    let got = on(
        "2026-03-29",
        "Europe/Berlin",
        "sun",
        ("00:00", "24:00"),
        json!({ "duration": 60 }),
    );
    assert_eq!(got.len(), 23);
    assert_eq!(got[0], "2026-03-28T23:00:00Z");
    assert_eq!(got[1], "2026-03-29T00:00:00Z");
    assert_eq!(
        got[2], "2026-03-29T01:00:00Z",
        "03:00 CEST follows 01:00 CET"
    );
    assert_eq!(got.last().unwrap(), "2026-03-29T21:00:00Z");
}

#[test]
fn berlin_windows_in_the_gap_move_forward() {
    // 02:30 does not exist: it becomes 03:30 CEST (01:30Z); the window is 30 minutes long.
    let got = on(
        "2026-03-29",
        "Europe/Berlin",
        "sun",
        ("02:30", "04:00"),
        json!({ "duration": 30 }),
    );
    assert_eq!(got, ["2026-03-29T01:30:00Z"]);
    // Wholly inside the gap: 02:00 and 03:00 are the same instant, so the window is empty.
    let got = on(
        "2026-03-29",
        "Europe/Berlin",
        "sun",
        ("02:00", "03:00"),
        json!({ "duration": 5 }),
    );
    assert!(got.is_empty());
    // Starting inside the gap: 02:15 -> 03:15 CEST; the next :00/:30 is 03:30, too late for 30
    // minutes before 03:45.
    let got = on(
        "2026-03-29",
        "Europe/Berlin",
        "sun",
        ("02:15", "03:45"),
        json!({ "duration": 30 }),
    );
    assert!(got.is_empty());
    let got = on(
        "2026-03-29",
        "Europe/Berlin",
        "sun",
        ("02:15", "03:45"),
        json!({ "duration": 30, "interval": 5 }),
    );
    assert_eq!(got, ["2026-03-29T01:15:00Z"]);
}

#[test]
fn berlin_fall_back_day_has_25_hours_and_folds_take_the_earlier() {
    let got = on(
        "2026-10-25",
        "Europe/Berlin",
        "sun",
        ("00:00", "24:00"),
        json!({ "duration": 60 }),
    );
    assert_eq!(got.len(), 25);
    assert_eq!(got[0], "2026-10-24T22:00:00Z");
    assert_eq!(got.last().unwrap(), "2026-10-25T22:00:00Z");
    // 02:00-03:00 starts at the first 02:00 (CEST) and ends at 03:00 CET: two hours.
    let got = on(
        "2026-10-25",
        "Europe/Berlin",
        "sun",
        ("02:00", "03:00"),
        json!({ "duration": 60 }),
    );
    assert_eq!(got, ["2026-10-25T00:00:00Z", "2026-10-25T01:00:00Z"]);
    // Both ends inside the fold: both take the first pass.
    let got = on(
        "2026-10-25",
        "Europe/Berlin",
        "sun",
        ("02:30", "02:45"),
        json!({ "duration": 15 }),
    );
    assert_eq!(got, ["2026-10-25T00:30:00Z"]);
}

#[test]
fn new_york_spring_forward_and_fall_back() {
    let got = on(
        "2026-03-08",
        "America/New_York",
        "sun",
        ("01:00", "04:00"),
        json!({ "duration": 60 }),
    );
    assert_eq!(got, ["2026-03-08T06:00:00Z", "2026-03-08T07:00:00Z"]);
    let got = on(
        "2026-11-01",
        "America/New_York",
        "sun",
        ("00:00", "03:00"),
        json!({ "duration": 60 }),
    );
    assert_eq!(
        got,
        [
            "2026-11-01T04:00:00Z",
            "2026-11-01T05:00:00Z",
            "2026-11-01T06:00:00Z",
            "2026-11-01T07:00:00Z"
        ]
    );
    // 01:30 happens twice; the window opens on the first (EDT).
    let got = on(
        "2026-11-01",
        "America/New_York",
        "sun",
        ("01:30", "02:00"),
        json!({ "duration": 30 }),
    );
    assert_eq!(
        got,
        [
            "2026-11-01T05:30:00Z",
            "2026-11-01T06:00:00Z",
            "2026-11-01T06:30:00Z"
        ]
    );
}

#[test]
fn lord_howe_half_hour_dst() {
    // +11 -> +10:30 at 02:00 on 2026-04-05; the day has 24.5 hours and an hourly grid keeps
    // its elapsed spacing, so local starts move from :00 to :30 after the change.
    let got = on(
        "2026-04-05",
        "Australia/Lord_Howe",
        "sun",
        ("00:00", "24:00"),
        json!({ "duration": 60 }),
    );
    assert_eq!(got.len(), 24);
    assert_eq!(got[0], "2026-04-04T13:00:00Z");
    assert_eq!(got.last().unwrap(), "2026-04-05T12:00:00Z");
    let got = on(
        "2026-04-05",
        "Australia/Lord_Howe",
        "sun",
        ("00:00", "24:00"),
        json!({ "duration": 30 }),
    );
    assert_eq!(got.len(), 49);
    // +10:30 -> +11 at 02:00 on 2026-10-04: 02:00 does not exist and moves to 02:30.
    let got = on(
        "2026-10-04",
        "Australia/Lord_Howe",
        "sun",
        ("02:00", "03:00"),
        json!({ "duration": 30 }),
    );
    assert_eq!(got, ["2026-10-03T15:30:00Z"]);
}

#[test]
fn kolkata_half_hour_offset_and_the_event_zone_grid() {
    let weekly = json!({ "mon": [["09:00", "12:00"]] });
    let monday = ("2026-03-23T00:00:00Z", "2026-03-24T00:00:00Z");
    let d = doc(
        NOW,
        monday,
        "Asia/Kolkata",
        weekly.clone(),
        json!({ "duration": 60 }),
    );
    assert_eq!(
        starts(&d),
        [
            "2026-03-23T03:30:00Z",
            "2026-03-23T04:30:00Z",
            "2026-03-23T05:30:00Z"
        ]
    );
    // On a UTC clock the hourly grid falls on the UTC hour.
    let d = doc(
        NOW,
        monday,
        "Asia/Kolkata",
        weekly,
        json!({ "duration": 60, "timezone": "UTC" }),
    );
    assert_eq!(starts(&d), ["2026-03-23T04:00:00Z", "2026-03-23T05:00:00Z"]);
}

#[test]
fn kathmandu_quarter_hour_offset() {
    let weekly = json!({ "mon": [["09:00", "12:00"]] });
    let monday = ("2026-03-23T00:00:00Z", "2026-03-24T00:00:00Z");
    let d = doc(
        NOW,
        monday,
        "Asia/Kathmandu",
        weekly.clone(),
        json!({ "duration": 60 }),
    );
    assert_eq!(
        starts(&d),
        [
            "2026-03-23T03:15:00Z",
            "2026-03-23T04:15:00Z",
            "2026-03-23T05:15:00Z"
        ]
    );
    let d = doc(
        NOW,
        monday,
        "Asia/Kathmandu",
        weekly,
        json!({ "duration": 30, "timezone": "UTC" }),
    );
    assert_eq!(starts(&d).len(), 5);
}

#[test]
fn chatham_fall_back_repeats_a_local_hour() {
    // +13:45 -> +12:45 at 03:45 local on 2026-04-05.
    let got = on(
        "2026-04-05",
        "Pacific/Chatham",
        "sun",
        ("02:00", "05:00"),
        json!({ "duration": 60 }),
    );
    assert_eq!(
        got,
        [
            "2026-04-04T12:15:00Z",
            "2026-04-04T13:15:00Z",
            "2026-04-04T14:15:00Z",
            "2026-04-04T15:15:00Z"
        ]
    );
}

#[test]
fn collective_across_berlin_and_new_york() {
    let d = json!({
        "now": NOW,
        "range": { "start": "2026-03-23T00:00:00Z", "end": "2026-03-24T00:00:00Z" },
        "event": { "kind": "collective", "duration": 60, "timezone": "Europe/Berlin" },
        "hosts": [
            { "id": "berlin", "timezone": "Europe/Berlin", "weekly": { "mon": [["09:00", "17:00"]] } },
            { "id": "new-york", "timezone": "America/New_York", "weekly": { "mon": [["09:00", "17:00"]] } }
        ]
    });
    let got = run(&d);
    let hosts = vec!["berlin".to_owned(), "new-york".to_owned()];
    assert_eq!(
        got,
        ["13:00", "14:00", "15:00"]
            .map(|t| (format!("2026-03-23T{t}:00Z"), hosts.clone(), 1))
            .to_vec()
    );
}

#[test]
fn links_are_accepted_and_names_are_case_sensitive() {
    let weekly = json!({ "mon": [["09:00", "10:00"]] });
    let monday = ("2026-03-23T00:00:00Z", "2026-03-24T00:00:00Z");
    let d = doc(
        NOW,
        monday,
        "US/Eastern",
        weekly.clone(),
        json!({ "duration": 60 }),
    );
    assert_eq!(starts(&d), ["2026-03-23T13:00:00Z"]);
    let d = doc(NOW, monday, "europe/berlin", weekly, json!({}));
    assert_eq!(error_paths(&d), ["hosts[0].timezone"]);
}
