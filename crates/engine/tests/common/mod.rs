//! Helpers shared by the engine's end-to-end tests: run a JSON document through the contract
//! and read the answer back as plain values.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};

/// One slot as `(start, hosts, seats_left)`.
pub type SlotRow = (String, Vec<String>, u64);

pub fn run(doc: &Value) -> Vec<SlotRow> {
    let out = rendezvous_engine::run_json(&doc.to_string())
        .unwrap_or_else(|e| panic!("document rejected: {e:?}\n{doc:#}"));
    let parsed: Value = serde_json::from_str(&out).expect("output is JSON");
    parsed["slots"]
        .as_array()
        .expect("slots array")
        .iter()
        .map(|s| {
            let hosts = s["hosts"]
                .as_array()
                .unwrap()
                .iter()
                .map(|h| h.as_str().unwrap().to_owned());
            (
                s["start"].as_str().unwrap().to_owned(),
                hosts.collect(),
                s["seats_left"].as_u64().unwrap(),
            )
        })
        .collect()
}

pub fn starts(doc: &Value) -> Vec<String> {
    run(doc).into_iter().map(|(start, _, _)| start).collect()
}

pub fn errors(doc: &Value) -> Vec<String> {
    match rendezvous_engine::run_json(&doc.to_string()) {
        Ok(out) => panic!("document accepted ({} bytes of slots)\n{doc:#}", out.len()),
        Err(lines) => lines,
    }
}

/// The paths of the error lines, for tests that care where, not how it is worded.
pub fn error_paths(doc: &Value) -> Vec<String> {
    errors(doc)
        .into_iter()
        .map(|line| {
            line.split_once(": ")
                .map(|(p, _)| p.to_owned())
                .unwrap_or(line)
        })
        .collect()
}

/// A one-host document: the host works `weekly` in `zone`; `event` fields override the
/// defaults (single, 30 minutes).
pub fn doc(now: &str, range: (&str, &str), zone: &str, weekly: Value, event: Value) -> Value {
    let mut ev = json!({ "kind": "single", "duration": 30 });
    for (k, v) in event.as_object().cloned().unwrap_or_default() {
        ev[k] = v;
    }
    json!({
        "now": now,
        "range": { "start": range.0, "end": range.1 },
        "event": ev,
        "hosts": [{ "id": "h", "timezone": zone, "weekly": weekly }]
    })
}

/// Minutes of the UTC clock in a start, `HH:MM`.
pub fn hhmm(start: &str) -> &str {
    &start[11..16]
}
