//! Add-to-calendar for an invitee: an iCalendar file (RFC 5545) with the one event, and
//! links that open Google Calendar's and Outlook's "new event" forms filled in.

use domain::ids::Timestamp;
use ical::write::{Calendar, Method, Status, utc};

/// What the invitee adds to their calendar.
#[derive(Clone, Debug)]
pub(crate) struct CalendarEvent {
    /// Stable across reschedules, so a calendar updates the event it has.
    pub uid: String,
    /// The booking's SEQUENCE, so a calendar takes the latest copy over an older one.
    pub sequence: u32,
    pub title: String,
    pub description: String,
    pub location: String,
    pub start: Timestamp,
    pub end: Timestamp,
    /// Tentative while the host has not confirmed it, cancelled once it is off.
    pub status: Status,
    /// The absolute manage link (`public_url` set): the event's URL.
    pub url: Option<String>,
}

/// The event as an iCalendar object (`METHOD:PUBLISH`: a copy for the invitee's calendar).
pub(crate) fn ics(event: &CalendarEvent, now: Timestamp) -> String {
    // This download has always named itself "Booking" in PRODID; kept so its bytes stay.
    Calendar::with_product_id("-//Rendezvous//Booking//EN")
        .gregorian()
        .method(Method::Publish)
        .event(|e| {
            e.uid(&event.uid)
                .stamp(now.to_jiff())
                .start(event.start.to_jiff())
                .end(event.end.to_jiff())
                .sequence(event.sequence)
                .summary(&event.title)
                .description(&event.description)
                .location(&event.location)
                .status(event.status);
            if let Some(url) = &event.url {
                e.url(url);
            }
        })
        .finish()
}

fn query(pairs: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// Google Calendar's event template link.
pub(crate) fn google_url(event: &CalendarEvent) -> String {
    let dates = format!(
        "{}/{}",
        utc(event.start.to_jiff()),
        utc(event.end.to_jiff())
    );
    format!(
        "https://calendar.google.com/calendar/render?{}",
        query(&[
            ("action", "TEMPLATE"),
            ("text", &event.title),
            ("dates", &dates),
            ("details", &event.description),
            ("location", &event.location),
        ])
    )
}

/// Outlook on the web's compose-event link.
pub(crate) fn outlook_url(event: &CalendarEvent) -> String {
    let start = event.start.to_jiff().to_string();
    let end = event.end.to_jiff().to_string();
    format!(
        "https://outlook.live.com/calendar/0/deeplink/compose?{}",
        query(&[
            ("path", "/calendar/action/compose"),
            ("rru", "addevent"),
            ("subject", &event.title),
            ("startdt", &start),
            ("enddt", &end),
            ("body", &event.description),
            ("location", &event.location),
        ])
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event() -> CalendarEvent {
        let at = |s: &str| Timestamp::from(s.parse::<jiff::Timestamp>().unwrap_or_default());
        CalendarEvent {
            uid: "0190-b@rendezvous".to_owned(),
            sequence: 2,
            title: "Intro call; with Ines, and a very long title that goes on and on past seventy-five octets".to_owned(),
            description: "Line one\nLine two".to_owned(),
            location: "https://meet.jit.si/room".to_owned(),
            start: at("2026-12-01T14:00:00Z"),
            end: at("2026-12-01T14:30:00Z"),
            status: Status::Confirmed,
            url: None,
        }
    }

    #[test]
    fn the_manage_link_is_the_events_url() {
        let event = CalendarEvent {
            url: Some("https://book.example.com/manage/tok;en".to_owned()),
            ..event()
        };
        let text = ics(&event, Timestamp::now());
        assert!(
            text.contains("\r\nURL:https://book.example.com/manage/tok;en\r\nEND:VEVENT"),
            "{text}"
        );
    }

    #[test]
    fn ics_escapes_folds_and_uses_utc() {
        let now = Timestamp::from(
            "2026-11-23T02:00:00Z"
                .parse::<jiff::Timestamp>()
                .unwrap_or_default(),
        );
        let text = ics(&event(), now);
        insta::assert_snapshot!(text.replace("\r\n", "⏎\n"));
        assert!(text.split("\r\n").all(|line| line.len() <= 75));
    }

    #[test]
    fn links_carry_the_times_in_utc() {
        let google = google_url(&event());
        assert!(
            google.contains("dates=20261201T140000Z%2F20261201T143000Z"),
            "{google}"
        );
        let outlook = outlook_url(&event());
        assert!(
            outlook.contains("startdt=2026-12-01T14%3A00%3A00Z"),
            "{outlook}"
        );
    }
}
