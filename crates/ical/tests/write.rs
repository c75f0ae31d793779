//! The iCalendar we write, as snapshots.
#![allow(clippy::unwrap_used)]

use rendezvous_ical::write::{Event, Person, Status, calendar};

fn booking(sequence: u32, status: Status) -> Event {
    Event {
        uid: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b".into(),
        sequence,
        stamp: "2026-11-23T10:00:00Z".parse().unwrap(),
        start: "2026-12-01T14:00:00Z".parse().unwrap(),
        end: "2026-12-01T14:30:00Z".parse().unwrap(),
        summary: "Intro call: Ada Lovelace, Olive Owner".into(),
        description: "Notes from the invitee; with commas, semicolons\nand a second line.".into(),
        location: "https://meet.example/abc".into(),
        status,
        organizer: Some(Person {
            name: "Olive Owner".into(),
            email: "owner@acme.example".into(),
        }),
        attendees: vec![Person {
            name: "Ada \"the\" Lovelace".into(),
            email: "ada@example.com".into(),
        }],
    }
}

#[test]
fn a_booking_event() {
    insta::assert_snapshot!(
        calendar(&[booking(0, Status::Confirmed)], None).replace("\r\n", "⏎\n")
    );
}

#[test]
fn a_feed_with_a_cancelled_booking() {
    insta::assert_snapshot!(
        calendar(&[booking(2, Status::Cancelled)], Some("Olive's bookings")).replace("\r\n", "⏎\n")
    );
}
