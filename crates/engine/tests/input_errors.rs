//! Invalid documents: each problem is named by the JSON path of the field, in document order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
use common::*;
use serde_json::{Value, json};

fn base() -> Value {
    json!({
        "now": "2026-03-20T12:00:00Z",
        "range": { "start": "2026-03-23T00:00:00Z", "end": "2026-04-06T00:00:00Z" },
        "event": { "kind": "round_robin", "duration": 30 },
        "hosts": [
            { "id": "alice", "timezone": "Europe/Berlin", "weekly": { "mon": [["09:00", "12:00"], ["13:00", "17:00"]] } },
            { "id": "bob", "timezone": "America/New_York" }
        ]
    })
}

fn with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut doc = base();
    edit(&mut doc);
    doc
}

#[test]
fn the_examples_of_the_contract() {
    let doc = with(|d| d["hosts"][1]["timezone"] = json!("Mars/Base"));
    assert_eq!(
        errors(&doc),
        [r#"hosts[1].timezone: unknown time zone "Mars/Base""#]
    );
    let doc = with(|d| d["hosts"][0]["weekly"]["mon"][1] = json!(["17:00", "13:00"]));
    assert_eq!(
        errors(&doc),
        ["hosts[0].weekly.mon[1]: start must be before end"]
    );
}

#[test]
fn missing_unknown_and_repeated_fields_are_named_themselves() {
    let doc = with(|d| {
        d["event"].as_object_mut().unwrap().remove("duration");
    });
    assert_eq!(error_paths(&doc), ["event.duration"]);
    let doc = with(|d| d["hosts"][0]["weekly"]["funday"] = json!([]));
    assert_eq!(error_paths(&doc), ["hosts[0].weekly.funday"]);
    let doc = with(|d| d["hosts"][1]["id"] = json!("alice"));
    assert_eq!(error_paths(&doc), ["hosts[1].id"]);
    let doc = with(|d| d["event"]["duration"] = Value::Null);
    assert_eq!(error_paths(&doc), ["event.duration"]);
    let text = base()
        .to_string()
        .replacen("\"duration\":30", "\"duration\":30,\"duration\":45", 1);
    let lines = rendezvous_engine::run_json(&text).unwrap_err();
    assert_eq!(lines.len(), 1);
    assert!(lines[0].starts_with("event.duration: "), "{lines:?}");
}

#[test]
fn rules_between_fields_name_the_object_or_the_documented_field() {
    assert_eq!(error_paths(&with(|d| d["hosts"] = json!([]))), ["hosts"]);
    let many: Vec<Value> = (0..1001)
        .map(|i| json!({ "id": format!("h{i}"), "timezone": "UTC" }))
        .collect();
    assert_eq!(error_paths(&with(|d| d["hosts"] = json!(many))), ["hosts"]);
    assert_eq!(
        error_paths(&with(|d| d["event"]["kind"] = json!("single"))),
        ["hosts"]
    );
    assert_eq!(
        error_paths(&with(|d| d["event"]["seats"] = json!(2))),
        ["event"]
    );
    assert_eq!(
        error_paths(&with(|d| d["range"]["end"] = json!("2026-03-23T00:00:00Z"))),
        ["range"]
    );
    assert_eq!(
        error_paths(&with(|d| d["range"]["end"] = json!("2027-03-25T00:00:00Z"))),
        ["range"]
    );
    let exactly_366_days = with(|d| d["range"]["end"] = json!("2027-03-24T00:00:00Z"));
    assert!(
        rendezvous_engine::run_json(&exactly_366_days.to_string()).is_ok(),
        "366 days are allowed"
    );
    let far = with(|d| {
        d["range"] = json!({ "start": "2031-03-19T00:00:00Z", "end": "2031-03-20T12:00:01Z" })
    });
    assert_eq!(error_paths(&far), ["range.end"]);
    let at_limit = with(|d| {
        d["range"] = json!({ "start": "2031-03-19T00:00:00Z", "end": "2031-03-20T12:00:00Z" })
    });
    assert!(rendezvous_engine::run_json(&at_limit.to_string()).is_ok());
    let busy = with(|d| {
        d["hosts"][0]["busy"] =
            json!([{ "start": "2026-03-23T10:00:00Z", "end": "2026-03-23T10:00:00Z" }])
    });
    assert_eq!(error_paths(&busy), ["hosts[0].busy[0]"]);
}

#[test]
fn values_out_of_bounds_or_of_the_wrong_type() {
    let cases: Vec<(&str, Value, &str)> = vec![
        ("duration", json!(0), "event.duration"),
        ("duration", json!(1441), "event.duration"),
        ("duration", json!(30.0), "event.duration"),
        ("duration", json!("30"), "event.duration"),
        ("interval", json!(1441), "event.interval"),
        ("buffer_before", json!(-1), "event.buffer_before"),
        ("minimum_notice", json!(525_601), "event.minimum_notice"),
        ("max_per_day", json!(-1), "event.max_per_day"),
        ("seats", json!(10_001), "event.seats"),
        ("kind", json!("pair"), "event.kind"),
        ("timezone", json!("Europe/berlin"), "event.timezone"),
    ];
    for (field, value, path) in cases {
        let doc = with(|d| d["event"][field] = value.clone());
        assert_eq!(error_paths(&doc), [path], "{field} = {value}");
    }
    for (text, ok) in [
        ("24:00", false),
        ("9:00", false),
        ("09:60", false),
        ("23:59", true),
    ] {
        let doc = with(|d| d["hosts"][0]["weekly"]["tue"] = json!([[text, "24:00"]]));
        let result = rendezvous_engine::run_json(&doc.to_string());
        assert_eq!(result.is_ok(), ok, "{text}");
        if !ok {
            assert_eq!(error_paths(&doc), ["hosts[0].weekly.tue[0][0]"]);
        }
    }
    let doc = with(|d| d["hosts"][0]["overrides"] = json!({ "2026-02-30": [] }));
    assert_eq!(error_paths(&doc), ["hosts[0].overrides.2026-02-30"]);
    let doc = with(
        |d| d["hosts"][0]["bookings"] = json!([{ "start": "2026-03-23T10:00:00Z", "end": "2026-03-23T11:00:00Z", "attendees": 0 }]),
    );
    assert_eq!(error_paths(&doc), ["hosts[0].bookings[0].attendees"]);
    let doc = with(|d| d["now"] = json!("2026-03-20T12:00:00.5Z"));
    assert_eq!(error_paths(&doc), ["now"]);
}

#[test]
fn every_problem_is_listed_in_document_order() {
    let doc = json!({
        "now": "yesterday",
        "range": { "start": "2026-03-23T00:00:00Z" },
        "event": { "kind": "single", "duration": 30, "colour": "red" },
        "hosts": [
            { "id": "a", "timezone": "Mars/Base", "weekly": { "mon": [["10:00", "09:00"]] } },
            { "timezone": "UTC" }
        ],
        "extra": 1
    });
    assert_eq!(
        error_paths(&doc),
        [
            "now",
            "range.end",
            "event.colour",
            "hosts[0].timezone",
            "hosts[0].weekly.mon[0]",
            "hosts[1].id",
            "hosts",
            "extra"
        ]
    );
}

#[test]
fn nulls_mean_absent_for_optional_fields() {
    let doc = with(|d| {
        d["event"]["interval"] = Value::Null;
        d["event"]["max_per_week"] = Value::Null;
        d["hosts"][0]["weekly"]["tue"] = Value::Null;
        d["hosts"][0]["busy"] = Value::Null;
    });
    assert!(rendezvous_engine::run_json(&doc.to_string()).is_ok());
}

#[test]
fn unparsable_documents_are_rejected() {
    for text in ["", "[", "{\"now\": }", "[]", "42"] {
        let lines = rendezvous_engine::run_json(text).unwrap_err();
        assert_eq!(lines.len(), 1, "{text}");
    }
}
