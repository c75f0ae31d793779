//! iMIP invitations (RFC 6047): an iCalendar object with `METHOD:REQUEST` (new or changed)
//! or `METHOD:CANCEL`, attached to the e-mail as `text/calendar; method=...`.
//!
//! A booking keeps one `UID` for its whole life, reschedules included, and every change raises
//! `SEQUENCE`, so calendar clients update the event they already have instead of adding one.

use ical::write::{Calendar, Participation, Status};
pub use ical::write::{Method, Person};

/// One event to put on (or take off) calendars.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invitation {
    pub method: Method,
    pub uid: String,
    pub sequence: u32,
    /// When the invitation was made (`DTSTAMP`).
    pub stamp: jiff::Timestamp,
    pub start: jiff::Timestamp,
    pub end: jiff::Timestamp,
    pub summary: String,
    pub description: String,
    /// The video link or address, if any.
    pub location: Option<String>,
    pub organizer: Person,
    pub attendees: Vec<Person>,
}

impl Invitation {
    /// The iCalendar text (written by [`ical::write`]).
    pub fn to_ics(&self) -> String {
        let (participation, status) = match self.method {
            Method::Cancel => (Participation::Declined, Status::Cancelled),
            Method::Request | Method::Publish => (Participation::NeedsAction, Status::Confirmed),
        };
        Calendar::new()
            .method(self.method)
            .event(|event| {
                event
                    .uid(&self.uid)
                    .sequence(self.sequence)
                    .stamp(self.stamp)
                    .start(self.start)
                    .end(self.end)
                    .summary(&self.summary);
                if !self.description.is_empty() {
                    event.description(&self.description);
                }
                if let Some(location) = &self.location {
                    event.location(location);
                }
                event.organizer(&self.organizer);
                for attendee in &self.attendees {
                    event.attendee(attendee, participation, Some(false));
                }
                event.status(status).opaque();
            })
            .finish()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn sample(method: Method) -> Invitation {
        Invitation {
            method,
            uid: "0194-booking@rendezvous".into(),
            sequence: 2,
            stamp: "2026-11-20T10:00:00Z".parse().unwrap(),
            start: "2026-12-01T09:00:00Z".parse().unwrap(),
            end: "2026-12-01T09:30:00Z".parse().unwrap(),
            summary: "Intro call, with Olive; and more".into(),
            description: "Line one\nLine two".into(),
            location: Some("https://meet.example/abc".into()),
            organizer: Person {
                name: "Olive \"O\" Owner".into(),
                email: "olive@acme.example".into(),
            },
            attendees: vec![Person {
                name: "Ines Invitee".into(),
                email: "ines@example.com".into(),
            }],
        }
    }

    #[test]
    fn request_and_cancel_render_as_expected() {
        insta::assert_snapshot!("request", sample(Method::Request).to_ics());
        insta::assert_snapshot!("cancel", sample(Method::Cancel).to_ics());
    }

    proptest! {
        #[test]
        fn every_line_fits_and_unfolds_back(summary in "\\PC{0,300}") {
            let mut invitation = sample(Method::Request);
            invitation.summary = summary.clone();
            let ics = invitation.to_ics();
            prop_assert!(ics.ends_with("\r\n"));
            for line in ics.split("\r\n") {
                prop_assert!(line.len() <= 75, "{line:?}");
            }
            let unfolded = ics.replace("\r\n ", "");
            let expected = format!("SUMMARY:{}\r\n", ical::value::escape_text(&summary));
            prop_assert!(unfolded.contains(&expected));
        }
    }
}
