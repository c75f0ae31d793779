//! iMIP invitations (RFC 6047): an iCalendar object with `METHOD:REQUEST` (new or changed)
//! or `METHOD:CANCEL`, attached to the e-mail as `text/calendar; method=...`.
//!
//! A booking keeps one `UID` for its whole life, reschedules included, and every change raises
//! `SEQUENCE`, so calendar clients update the event they already have instead of adding one.

use std::fmt::Write as _;

/// What the invitation asks of the calendar.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Add or update the event.
    Request,
    /// Remove the event.
    Cancel,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
        }
    }
}

/// Someone named on the invitation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
}

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
    /// The iCalendar text: CRLF line ends, long lines folded at 75 octets, text escaped.
    pub fn to_ics(&self) -> String {
        let mut lines: Vec<String> = vec![
            "BEGIN:VCALENDAR".into(),
            "VERSION:2.0".into(),
            "PRODID:-//Rendezvous//Rendezvous//EN".into(),
            format!("METHOD:{}", self.method.as_str()),
            "BEGIN:VEVENT".into(),
            format!("UID:{}", escape(&self.uid)),
            format!("SEQUENCE:{}", self.sequence),
            format!("DTSTAMP:{}", utc(self.stamp)),
            format!("DTSTART:{}", utc(self.start)),
            format!("DTEND:{}", utc(self.end)),
            format!("SUMMARY:{}", escape(&self.summary)),
        ];
        if !self.description.is_empty() {
            lines.push(format!("DESCRIPTION:{}", escape(&self.description)));
        }
        if let Some(location) = &self.location {
            lines.push(format!("LOCATION:{}", escape(location)));
        }
        lines.push(format!(
            "ORGANIZER;CN={}:mailto:{}",
            param(&self.organizer.name),
            self.organizer.email
        ));
        let (partstat, status) = match self.method {
            Method::Request => ("NEEDS-ACTION", "CONFIRMED"),
            Method::Cancel => ("DECLINED", "CANCELLED"),
        };
        for attendee in &self.attendees {
            lines.push(format!(
                "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT={partstat};RSVP=FALSE:mailto:{}",
                param(&attendee.name),
                attendee.email
            ));
        }
        lines.push(format!("STATUS:{status}"));
        lines.push("TRANSP:OPAQUE".into());
        lines.push("END:VEVENT".into());
        lines.push("END:VCALENDAR".into());
        let mut out = String::new();
        for line in lines {
            fold(&mut out, &line);
        }
        out
    }
}

fn utc(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// TEXT values escape backslash, semicolon, comma and newlines (RFC 5545 §3.3.11).
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// Parameter values are quoted, and may not contain quotes or control characters.
fn param(text: &str) -> String {
    let clean: String = text
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    format!("\"{clean}\"")
}

/// Appends `line` folded at 75 octets (never inside a character) with CRLF.
fn fold(out: &mut String, line: &str) {
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    let _ = write!(out, "\r\n");
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
            let expected = format!("SUMMARY:{}\r\n", escape(&summary));
            prop_assert!(unfolded.contains(&expected));
        }
    }
}
