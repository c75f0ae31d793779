//! Issue 27: the engine computes in buffers a caller keeps between calls. A kept `Scratch` and
//! answer must carry no facts from one request to the next, and the round-robin merge, which
//! buckets starts by grid step, must give every start its own minute.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rendezvous_engine::{Scratch, Slots, compute_slots, compute_slots_into, input::parse_request};
use serde_json::{Value, json};

fn request(doc: &Value) -> rendezvous_engine::SlotRequest {
    parse_request(&doc.to_string()).unwrap_or_else(|e| panic!("valid document: {e:?}"))
}

fn rows(slots: &Slots) -> Vec<(i64, Vec<u32>, u64)> {
    slots
        .iter()
        .map(|s| (s.start.0, s.hosts.to_vec(), s.seats_left))
        .collect()
}

fn host(id: &str, zone: &str, busy: Value, bookings: Value) -> Value {
    json!({
        "id": id, "timezone": zone,
        "weekly": { "mon": [["09:00", "17:00"]], "tue": [["08:30", "12:00"], ["13:00", "18:00"]],
                    "wed": [["22:00", "24:00"]], "thu": [["00:00", "02:00"], ["09:00", "17:00"]] },
        "busy": busy, "bookings": bookings
    })
}

fn documents() -> Vec<Value> {
    let now = "2026-03-20T12:00:00Z";
    let range = json!({ "start": "2026-03-23T07:07:31Z", "end": "2026-04-03T00:00:00Z" });
    vec![
        json!({ "now": now, "range": range, "event": { "kind": "round_robin", "duration": 30, "interval": 15, "timezone": "Europe/Berlin" },
                "hosts": [host("b", "Asia/Kathmandu", json!([]), json!([])),
                          host("a", "Europe/Berlin", json!([{ "start": "2026-03-23T09:00:00Z", "end": "2026-03-23T10:10:00Z" }]), json!([])),
                          host("c", "Australia/Lord_Howe", json!([]), json!([]))] }),
        json!({ "now": now, "range": range, "event": { "kind": "single", "duration": 45, "seats": 4, "buffer_after": 10 },
                "hosts": [host("s", "America/New_York", json!([]),
                    json!([{ "start": "2026-03-24T13:00:00Z", "end": "2026-03-24T13:45:00Z", "attendees": 2, "same_event": true }]))] }),
        json!({ "now": now, "range": range, "event": { "kind": "collective", "duration": 60, "interval": 20, "max_per_day": 1 },
                "hosts": [host("x", "Europe/London", json!([]),
                            json!([{ "start": "2026-03-24T09:00:00Z", "end": "2026-03-24T10:00:00Z", "same_event": true }])),
                          host("y", "Europe/Berlin", json!([]), json!([]))] }),
        json!({ "now": now, "range": range, "event": { "kind": "round_robin", "duration": 25, "interval": 35, "max_per_week": 3 },
                "hosts": [host("p", "America/St_Johns", json!([]), json!([])),
                          host("q", "Pacific/Chatham", json!([]), json!([]))] }),
    ]
}

#[test]
fn a_kept_scratch_and_answer_carry_nothing_between_requests() {
    let (mut scratch, mut slots) = (Scratch::default(), Slots::default());
    let docs = documents();
    // Each request after every other one, so each meets buffers another has filled.
    for round in 0..2 {
        for doc in docs.iter().chain(docs.iter().rev()) {
            let request = request(doc);
            compute_slots_into(&request, &mut scratch, &mut slots);
            let fresh = compute_slots(&request);
            assert!(
                !fresh.is_empty(),
                "round {round}: the document offers slots\n{doc:#}"
            );
            assert_eq!(rows(&slots), rows(&fresh), "round {round}\n{doc:#}");
            assert_eq!(slots, fresh);
        }
    }
}

#[test]
fn round_robin_starts_keep_their_minute_when_the_range_starts_off_the_grid() {
    let request = request(&documents()[0]);
    let slots = compute_slots(&request);
    // Starts are on the event zone's quarter hours (Berlin: whole hours from UTC), not on the
    // range start's minute, and each lists the hosts that are free then.
    for slot in slots.iter() {
        assert_eq!(slot.start.0 % (15 * 60), 0, "{}", slot.start);
    }
    let singles: Vec<Vec<i64>> = (0..request.hosts.len())
        .map(|h| {
            let mut one = request.clone();
            one.hosts = vec![request.hosts[h].clone()];
            one.event.kind = rendezvous_engine::Kind::Single;
            compute_slots(&one).iter().map(|s| s.start.0).collect()
        })
        .collect();
    for slot in slots.iter() {
        for h in 0..request.hosts.len() as u32 {
            let has = singles[h as usize].contains(&slot.start.0);
            assert_eq!(slot.hosts.contains(&h), has, "host {h} at {}", slot.start);
        }
    }
    let all: usize = singles.iter().map(Vec::len).sum();
    let listed: usize = slots.iter().map(|s| s.hosts.len()).sum();
    assert_eq!(listed, all);
}
