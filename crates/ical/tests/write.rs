//! The iCalendar we write: snapshots of a booking as write-back and the feed lay it out, and
//! properties of escaping and folding on any text.
#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use rendezvous_ical::parse;
use rendezvous_ical::value::unescape_text;
use rendezvous_ical::write::{Calendar, EventWriter, Participation, Person, Status};

fn booking(event: &mut EventWriter<'_>, sequence: u32, status: Status) {
    event
        .uid("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b")
        .stamp("2026-11-23T10:00:00Z".parse().unwrap())
        .start("2026-12-01T14:00:00Z".parse().unwrap())
        .end("2026-12-01T14:30:00Z".parse().unwrap())
        .sequence(sequence)
        .summary("Intro call: Ada Lovelace, Olive Owner")
        .description("Notes from the invitee; with commas, semicolons\nand a second line.")
        .location("https://meet.example/abc")
        .status(status)
        .opaque()
        .organizer(&Person {
            name: "Olive Owner".into(),
            email: "owner@acme.example".into(),
        })
        .attendee(
            &Person {
                name: "Ada \"the\" Lovelace".into(),
                email: "ada@example.com".into(),
            },
            Participation::Accepted,
            None,
        );
}

#[test]
fn a_booking_event() {
    let text = Calendar::new()
        .gregorian()
        .event(|e| booking(e, 0, Status::Confirmed))
        .finish();
    insta::assert_snapshot!(text.replace("\r\n", "⏎\n"));
}

#[test]
fn a_feed_with_a_cancelled_booking() {
    let text = Calendar::new()
        .gregorian()
        .name("Olive's bookings")
        .event(|e| booking(e, 2, Status::Cancelled))
        .finish();
    insta::assert_snapshot!(text.replace("\r\n", "⏎\n"));
}

/// What survives escaping: CR and the controls other than tab and newline are dropped.
fn kept(text: &str) -> String {
    text.chars()
        .filter(|c| matches!(c, '\t' | '\n') || !c.is_control())
        .collect()
}

proptest! {
    #[test]
    fn any_text_fits_its_lines_and_reads_back(
        summary in any::<String>(),
        description in "(\\PC|[\\n\\t,;\\\\]){0,200}",
        name in any::<String>(),
    ) {
        let person = Person { name: name.clone(), email: "p@example.com".into() };
        let text = Calendar::new()
            .event(|e| {
                e.summary(&summary)
                    .description(&description)
                    .attendee(&person, Participation::NeedsAction, Some(false));
            })
            .finish();
        prop_assert!(text.ends_with("\r\n"));
        for line in text.split("\r\n") {
            prop_assert!(line.len() <= 75, "{line:?}");
            prop_assert!(!line.contains(['\r', '\n']), "{line:?}");
        }
        let calendars = parse(&text);
        prop_assert_eq!(calendars.len(), 1);
        let event = &calendars[0].children[0];
        prop_assert_eq!(event.properties.len(), 3);
        let value = |name: &str| unescape_text(&event.property(name).unwrap().value);
        prop_assert_eq!(value("SUMMARY"), kept(&summary));
        prop_assert_eq!(value("DESCRIPTION"), kept(&description));
        let attendee = event.property("ATTENDEE").unwrap();
        prop_assert_eq!(attendee.value.as_str(), "mailto:p@example.com");
        let cn: String = kept(&name).chars().filter(|c| !matches!(c, '"' | '\t' | '\n')).collect();
        prop_assert_eq!(attendee.param("CN").unwrap_or_default(), cn.as_str());
    }
}
