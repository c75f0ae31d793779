//! Writing iCalendar: the events we put into people's calendars (bookings) and their feeds.
//! Output is CRLF-terminated and folded at 75 octets (RFC 5545 §3.1); instants are UTC.

use jiff::Timestamp;

use crate::value::escape_text;

/// `STATUS` of an event we write.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Tentative,
    Confirmed,
    Cancelled,
}

/// A person on an event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// One event to write.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Event {
    pub uid: String,
    /// Bumped on every change that moves or alters the event (RFC 5546).
    pub sequence: u32,
    /// When this version was made.
    pub stamp: Timestamp,
    pub start: Timestamp,
    pub end: Timestamp,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub status: Status,
    pub organizer: Option<Person>,
    pub attendees: Vec<Person>,
}

/// A `VCALENDAR` holding `events`. `name` becomes `X-WR-CALNAME` (what feed readers show).
pub fn calendar(events: &[Event], name: Option<&str>) -> String {
    let mut out = String::new();
    line(&mut out, "BEGIN:VCALENDAR");
    line(&mut out, "VERSION:2.0");
    line(&mut out, "PRODID:-//Rendezvous//Rendezvous//EN");
    line(&mut out, "CALSCALE:GREGORIAN");
    if let Some(name) = name {
        line(&mut out, &format!("X-WR-CALNAME:{}", escape_text(name)));
    }
    for event in events {
        write_event(&mut out, event);
    }
    line(&mut out, "END:VCALENDAR");
    out
}

fn write_event(out: &mut String, e: &Event) {
    line(out, "BEGIN:VEVENT");
    line(out, &format!("UID:{}", escape_text(&e.uid)));
    line(out, &format!("DTSTAMP:{}", utc(e.stamp)));
    line(out, &format!("DTSTART:{}", utc(e.start)));
    line(out, &format!("DTEND:{}", utc(e.end)));
    line(out, &format!("SEQUENCE:{}", e.sequence));
    line(out, &format!("SUMMARY:{}", escape_text(&e.summary)));
    if !e.description.is_empty() {
        line(out, &format!("DESCRIPTION:{}", escape_text(&e.description)));
    }
    if !e.location.is_empty() {
        line(out, &format!("LOCATION:{}", escape_text(&e.location)));
    }
    let status = match e.status {
        Status::Tentative => "TENTATIVE",
        Status::Confirmed => "CONFIRMED",
        Status::Cancelled => "CANCELLED",
    };
    line(out, &format!("STATUS:{status}"));
    line(out, "TRANSP:OPAQUE");
    if let Some(o) = &e.organizer {
        line(
            out,
            &format!(
                "ORGANIZER;CN={}:mailto:{}",
                param(&o.name),
                mailto(&o.email)
            ),
        );
    }
    for a in &e.attendees {
        line(
            out,
            &format!(
                "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:{}",
                param(&a.name),
                mailto(&a.email)
            ),
        );
    }
    line(out, "END:VEVENT");
}

/// `YYYYMMDDTHHMMSSZ`.
pub fn utc(ts: Timestamp) -> String {
    ts.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// A parameter value: quoted, with the characters a quoted value cannot hold removed.
fn param(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    format!("\"{clean}\"")
}

fn mailto(email: &str) -> String {
    email
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect()
}

/// Appends `content` folded at 75 octets, never splitting a character.
fn line(out: &mut String, content: &str) {
    let mut width = 0;
    for c in content.chars() {
        let len = c.len_utf8();
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_and_parse_back() {
        let e = Event {
            uid: "u1".into(),
            sequence: 0,
            stamp: "2026-11-23T00:00:00Z".parse().unwrap(),
            start: "2026-12-01T09:00:00Z".parse().unwrap(),
            end: "2026-12-01T09:30:00Z".parse().unwrap(),
            summary: "ü".repeat(100),
            description: String::new(),
            location: String::new(),
            status: Status::Confirmed,
            organizer: None,
            attendees: vec![],
        };
        let text = calendar(&[e], None);
        assert!(text.split("\r\n").all(|l| l.len() <= 75));
        let back = crate::parse(&text);
        let summary = &back[0].children[0].property("SUMMARY").unwrap().value;
        assert_eq!(summary, &"ü".repeat(100));
    }
}
