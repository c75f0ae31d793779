//! No input makes the engine panic, in `rendezvous slots` or `rendezvous quota`: arbitrary
//! JSON, arbitrary bytes, and valid documents with one part replaced by something random.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use proptest::prelude::*;
use serde_json::{Value, json};

fn arb_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        prop_oneof![
            Just("2026-03-29T01:30:00Z".to_owned()),
            Just("24:00".to_owned()),
            Just("09:00".to_owned()),
            Just("Europe/Berlin".to_owned()),
            Just("single".to_owned()),
            Just("round_robin".to_owned()),
            Just("hours".to_owned()),
            Just("week".to_owned()),
            Just("today".to_owned()),
            Just("9999-12-31T23:59:59Z".to_owned()),
            Just("0000-01-01T00:00:00+23:59".to_owned()),
            ".{0,12}",
        ]
        .prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::from),
            prop::collection::vec(
                (
                    prop::sample::select(vec![
                        "now",
                        "range",
                        "event",
                        "hosts",
                        "start",
                        "end",
                        "kind",
                        "duration",
                        "interval",
                        "timezone",
                        "id",
                        "weekly",
                        "mon",
                        "overrides",
                        "busy",
                        "bookings",
                        "seats",
                        "attendees",
                        "quota",
                        "limit",
                        "unit",
                        "period",
                        "scope",
                        "applies_to",
                        "resource",
                        "resources",
                        "requested",
                        "existing",
                        "first_weekday",
                        "x"
                    ]),
                    inner
                ),
                0..6
            )
            .prop_map(|pairs| Value::Object(
                pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect()
            )),
        ]
    })
}

fn valid_document() -> Value {
    json!({
        "now": "2026-03-20T12:00:00Z",
        "range": { "start": "2026-03-23T00:00:00Z", "end": "2026-04-06T00:00:00Z" },
        "event": { "kind": "single", "duration": 30, "interval": 15, "buffer_after": 10,
                   "minimum_notice": 120, "booking_window_days": 60, "max_per_day": 5, "seats": 3,
                   "timezone": "Europe/Berlin" },
        "hosts": [{
            "id": "alice", "timezone": "Europe/Berlin",
            "weekly": { "mon": [["09:00", "12:00"], ["13:00", "24:00"]], "sun": [["00:00", "24:00"]] },
            "overrides": { "2026-03-29": [["02:00", "03:30"]], "2026-03-31": [] },
            "busy": [{ "start": "2026-03-23T10:00:00Z", "end": "2026-03-23T11:00:00Z" }],
            "bookings": [{ "start": "2026-03-24T08:00:00Z", "end": "2026-03-24T08:30:00Z",
                           "buffer_before": 5, "attendees": 2, "same_event": true }]
        }]
    })
}

fn valid_quota_document() -> Value {
    json!({
        "quota": {"limit": 4, "unit": "hours", "period": "week", "scope": "schedule",
                  "applies_to": {"schedule": 1},
                  "enforced_days": ["monday", "tuesday"], "enforced_hours": {"start": "08:00", "end": "17:00"},
                  "count_completed": false},
        "first_weekday": "today", "timezone": "Europe/Berlin", "now": "2026-03-02T08:00:00+01:00",
        "user_groups": [2], "resource_schedule": {"r1": 1, "r2": 1, "r3": 2},
        "existing": [{"id": "b1", "start": "2026-03-02T09:00:00+01:00", "end": "2026-03-02T11:00:00+01:00", "resource": "r1"},
                     {"id": 9, "start": "2026-03-09T09:00:00+01:00", "end": "2026-03-10T11:00:00+01:00", "resource": "r3"}],
        "requested": [{"id": "b1", "start": "2026-03-03T09:00:00+01:00", "end": "2026-03-03T15:00:00+01:00", "resource": "r1", "resources": ["r1", "r2"]}],
        "deleting": ["b7"]
    })
}

/// Every path to a value inside `doc`, as JSON pointers.
fn pointers(doc: &Value, at: String, out: &mut Vec<String>) {
    out.push(at.clone());
    match doc {
        Value::Object(map) => map
            .iter()
            .for_each(|(k, v)| pointers(v, format!("{at}/{k}"), out)),
        Value::Array(list) => list
            .iter()
            .enumerate()
            .for_each(|(i, v)| pointers(v, format!("{at}/{i}"), out)),
        _ => {}
    }
}

fn check(text: &str) {
    match rendezvous_engine::run_json(text) {
        Ok(out) => {
            let answer: Value = serde_json::from_str(&out).expect("output is JSON");
            for slot in answer["slots"].as_array().expect("a slot list") {
                for end in ["start", "end"] {
                    let instant = slot[end].as_str().expect("an instant string");
                    assert!(
                        rendezvous_engine::Instant::parse_rfc3339(instant).is_ok(),
                        "{instant:?}"
                    );
                }
            }
        }
        Err(lines) => {
            assert!(!lines.is_empty(), "a rejection says why");
            assert!(
                lines.iter().all(|l| !l.contains('\n')),
                "one line per problem: {lines:?}"
            );
        }
    }
}

fn check_quota(text: &str) {
    match rendezvous_engine::quota::run_json(text) {
        Ok(out) => {
            let answer: Value = serde_json::from_str(&out).expect("output is JSON");
            let outcome = answer["outcome"].as_str().expect("an outcome");
            assert!(outcome == "allowed" || outcome == "denied", "{out}");
            for period in answer["periods"].as_array().into_iter().flatten() {
                for end in ["start", "end"] {
                    let instant = period[end].as_str().expect("an instant string");
                    assert!(
                        rendezvous_engine::Instant::parse_rfc3339(instant).is_ok(),
                        "{instant:?}"
                    );
                }
            }
        }
        Err(lines) => {
            assert!(!lines.is_empty(), "a rejection says why");
            assert!(lines.iter().all(|l| !l.contains('\n')), "{lines:?}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_json_never_panics_a_quota(doc in arb_json()) {
        check_quota(&doc.to_string());
    }

    #[test]
    fn one_part_of_a_quota_replaced_never_panics(pick in any::<prop::sample::Index>(), replacement in arb_json()) {
        let mut doc = valid_quota_document();
        let mut all = Vec::new();
        pointers(&doc, String::new(), &mut all);
        let at = pick.get(&all).clone();
        if let Some(slot) = doc.pointer_mut(&at) {
            *slot = replacement;
        }
        check_quota(&doc.to_string());
    }

    #[test]
    fn arbitrary_json_never_panics(doc in arb_json()) {
        check(&doc.to_string());
    }

    #[test]
    fn arbitrary_text_never_panics(text in ".{0,64}") {
        check(&text);
    }

    #[test]
    fn one_part_replaced_never_panics(pick in any::<prop::sample::Index>(), replacement in arb_json()) {
        let mut doc = valid_document();
        let mut all = Vec::new();
        pointers(&doc, String::new(), &mut all);
        let at = pick.get(&all).clone();
        if let Some(slot) = doc.pointer_mut(&at) {
            *slot = replacement;
        }
        check(&doc.to_string());
    }
}

#[test]
fn the_valid_document_is_valid() {
    check(&valid_document().to_string());
    assert!(rendezvous_engine::run_json(&valid_document().to_string()).is_ok());
}

#[test]
fn extreme_but_valid_values_compute() {
    let mut doc = valid_document();
    doc["now"] = json!("9994-01-01T00:00:00Z");
    doc["range"] = json!({ "start": "9998-12-01T00:00:00Z", "end": "9998-12-31T23:59:59Z" });
    doc["event"]["booking_window_days"] = json!(u64::MAX);
    doc["event"]["minimum_notice"] = json!(525_600);
    check(&doc.to_string());
    doc["now"] = json!("0000-01-01T00:00:00+23:59");
    doc["range"] = json!({ "start": "0000-01-01T00:00:00+23:59", "end": "0000-12-31T00:00:00Z" });
    check(&doc.to_string());
    // Round-the-clock hours at the very end of the calendar: slots stop where time can be
    // written, never half-written.
    let mut doc = valid_document();
    doc["now"] = json!("9999-12-01T00:00:00Z");
    doc["range"] = json!({ "start": "9999-12-29T00:00:00Z", "end": "9999-12-31T23:59:59Z" });
    doc["event"] = json!({ "kind": "single", "duration": 60 });
    doc["hosts"][0]["timezone"] = json!("UTC");
    doc["hosts"][0]["weekly"] = json!({ "mon": [["00:00", "24:00"]], "tue": [["00:00", "24:00"]], "wed": [["00:00", "24:00"]], "thu": [["00:00", "24:00"]], "fri": [["00:00", "24:00"]] });
    let out = rendezvous_engine::run_json(&doc.to_string()).expect("valid");
    assert!(
        out.contains("9999-12-30T21:00:00Z") && !out.contains("\"\""),
        "{}",
        &out[out.len().saturating_sub(200)..]
    );
    check(&doc.to_string());
}

#[test]
fn a_key_with_a_line_break_stays_on_one_line() {
    let mut doc = valid_document();
    doc["event"]["bad\nkey"] = json!(1);
    let lines = rendezvous_engine::run_json(&doc.to_string()).unwrap_err();
    assert_eq!(lines, ["event.bad\\nkey: unknown field"]);
}

#[test]
fn quotas_at_the_ends_of_the_calendar_compute() {
    let mut doc = valid_quota_document();
    assert!(rendezvous_engine::quota::run_json(&doc.to_string()).is_ok());
    for (start, end) in [
        ("9999-12-31T20:00:00Z", "9999-12-31T23:59:59Z"),
        ("0000-01-01T00:00:00+23:59", "0000-01-02T00:00:00Z"),
    ] {
        for period in ["day", "week", "month", "year"] {
            doc["quota"]["period"] = json!(period);
            doc["quota"]["limit"] = json!(0);
            doc["requested"][0]["start"] = json!(start);
            doc["requested"][0]["end"] = json!(end);
            check_quota(&doc.to_string());
        }
    }
}
