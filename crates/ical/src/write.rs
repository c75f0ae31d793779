//! Writing iCalendar (RFC 5545): every iCalendar text Rendezvous produces is written here,
//! the iMIP invitations (`notify`), the manage page's `.ics` (`web`), CalDAV write-back and
//! the bookings feed (`services`).
//!
//! Callers say which properties an event has and in which order ([`Calendar::event`]); this
//! module owns how each one is spelled: TEXT escaped, parameters quoted, `mailto:` and URIs
//! kept on their line, instants in UTC, lines folded at 75 octets and ended with CRLF
//! (RFC 5545 §3.1). What goes into UID and SEQUENCE is the caller's policy.

use jiff::Timestamp;

use crate::value::escape_text;

/// Our `PRODID`.
pub const PRODUCT_ID: &str = "-//Rendezvous//Rendezvous//EN";

/// `METHOD` (RFC 5546): what the receiver is asked to do with the events.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// A copy to keep (a download, a feed).
    Publish,
    /// Add or update the event (an invitation).
    Request,
    /// Remove the event.
    Cancel,
}

impl Method {
    /// The value as written, also the `method=` parameter of `text/calendar` (RFC 6047).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Publish => "PUBLISH",
            Self::Request => "REQUEST",
            Self::Cancel => "CANCEL",
        }
    }
}

/// `STATUS` of an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    Tentative,
    Confirmed,
    Cancelled,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Tentative => "TENTATIVE",
            Self::Confirmed => "CONFIRMED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// An attendee's `PARTSTAT`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Participation {
    NeedsAction,
    Accepted,
    Declined,
}

impl Participation {
    fn as_str(self) -> &'static str {
        match self {
            Self::NeedsAction => "NEEDS-ACTION",
            Self::Accepted => "ACCEPTED",
            Self::Declined => "DECLINED",
        }
    }
}

/// A person on an event: `CN` and the `mailto:` address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Person {
    pub name: String,
    pub email: String,
}

/// A `VCALENDAR` being written. Starts with `BEGIN:VCALENDAR`, `VERSION:2.0` and `PRODID`;
/// [`Calendar::finish`] ends it.
#[derive(Debug)]
#[must_use = "finish() returns the text"]
pub struct Calendar {
    text: String,
}

impl Calendar {
    /// A calendar with our [`PRODUCT_ID`].
    pub fn new() -> Self {
        Self::with_product_id(PRODUCT_ID)
    }

    /// A calendar naming another product in `PRODID`.
    pub fn with_product_id(product_id: &str) -> Self {
        let mut text = String::new();
        fold_line(&mut text, "BEGIN:VCALENDAR");
        fold_line(&mut text, "VERSION:2.0");
        fold_line(&mut text, &format!("PRODID:{}", escape_text(product_id)));
        Self { text }
    }

    /// `CALSCALE:GREGORIAN` (the default, said explicitly for readers that want it).
    pub fn gregorian(mut self) -> Self {
        fold_line(&mut self.text, "CALSCALE:GREGORIAN");
        self
    }

    /// `METHOD`.
    pub fn method(mut self, method: Method) -> Self {
        fold_line(&mut self.text, &format!("METHOD:{}", method.as_str()));
        self
    }

    /// `X-WR-CALNAME`: the name feed readers show for the calendar.
    pub fn name(mut self, name: &str) -> Self {
        fold_line(
            &mut self.text,
            &format!("X-WR-CALNAME:{}", escape_text(name)),
        );
        self
    }

    /// One `VEVENT`, its properties written by `write` in the order it calls them.
    pub fn event(mut self, write: impl FnOnce(&mut EventWriter<'_>)) -> Self {
        fold_line(&mut self.text, "BEGIN:VEVENT");
        write(&mut EventWriter {
            text: &mut self.text,
        });
        fold_line(&mut self.text, "END:VEVENT");
        self
    }

    /// `END:VCALENDAR`, and the text.
    pub fn finish(mut self) -> String {
        fold_line(&mut self.text, "END:VCALENDAR");
        self.text
    }
}

impl Default for Calendar {
    fn default() -> Self {
        Self::new()
    }
}

/// The `VEVENT` being written: each method appends one property.
#[derive(Debug)]
pub struct EventWriter<'a> {
    text: &'a mut String,
}

impl EventWriter<'_> {
    /// `UID`.
    pub fn uid(&mut self, uid: &str) -> &mut Self {
        self.text_property("UID", uid)
    }

    /// `SEQUENCE`: the revision of the event (RFC 5546 §2.1.4).
    pub fn sequence(&mut self, sequence: u32) -> &mut Self {
        self.property(&format!("SEQUENCE:{sequence}"))
    }

    /// `DTSTAMP`: when this version was made.
    pub fn stamp(&mut self, at: Timestamp) -> &mut Self {
        self.property(&format!("DTSTAMP:{}", utc(at)))
    }

    /// `DTSTART`.
    pub fn start(&mut self, at: Timestamp) -> &mut Self {
        self.property(&format!("DTSTART:{}", utc(at)))
    }

    /// `DTEND`.
    pub fn end(&mut self, at: Timestamp) -> &mut Self {
        self.property(&format!("DTEND:{}", utc(at)))
    }

    /// `SUMMARY`.
    pub fn summary(&mut self, summary: &str) -> &mut Self {
        self.text_property("SUMMARY", summary)
    }

    /// `DESCRIPTION`.
    pub fn description(&mut self, description: &str) -> &mut Self {
        self.text_property("DESCRIPTION", description)
    }

    /// `LOCATION`.
    pub fn location(&mut self, location: &str) -> &mut Self {
        self.text_property("LOCATION", location)
    }

    /// `URL`: a URI value, not TEXT, so not escaped (RFC 5545 §3.8.4.6).
    pub fn url(&mut self, url: &str) -> &mut Self {
        self.property(&format!("URL:{}", uri(url)))
    }

    /// `STATUS`.
    pub fn status(&mut self, status: Status) -> &mut Self {
        self.property(&format!("STATUS:{}", status.as_str()))
    }

    /// `TRANSP:OPAQUE`: the event blocks time.
    pub fn opaque(&mut self) -> &mut Self {
        self.property("TRANSP:OPAQUE")
    }

    /// `ORGANIZER;CN=…:mailto:…`.
    pub fn organizer(&mut self, organizer: &Person) -> &mut Self {
        self.property(&format!(
            "ORGANIZER;CN={}:mailto:{}",
            param(&organizer.name),
            uri(&organizer.email)
        ))
    }

    /// `ATTENDEE;CN=…;ROLE=REQ-PARTICIPANT;PARTSTAT=…[;RSVP=…]:mailto:…`. `rsvp` is left out
    /// when `None`; `Some(false)` says no reply is expected.
    pub fn attendee(
        &mut self,
        attendee: &Person,
        participation: Participation,
        rsvp: Option<bool>,
    ) -> &mut Self {
        let rsvp = match rsvp {
            Some(true) => ";RSVP=TRUE",
            Some(false) => ";RSVP=FALSE",
            None => "",
        };
        self.property(&format!(
            "ATTENDEE;CN={};ROLE=REQ-PARTICIPANT;PARTSTAT={}{rsvp}:mailto:{}",
            param(&attendee.name),
            participation.as_str(),
            uri(&attendee.email)
        ))
    }

    fn text_property(&mut self, name: &str, value: &str) -> &mut Self {
        self.property(&format!("{name}:{}", escape_text(value)))
    }

    fn property(&mut self, content: &str) -> &mut Self {
        fold_line(self.text, content);
        self
    }
}

/// `YYYYMMDDTHHMMSSZ`: a DATE-TIME in UTC (RFC 5545 §3.3.5, form #2).
pub fn utc(ts: Timestamp) -> String {
    ts.strftime("%Y%m%dT%H%M%SZ").to_string()
}

/// A parameter value: quoted, with what a quoted value cannot hold (`"`, controls) removed
/// (RFC 5545 §3.1, QSAFE-CHAR).
fn param(value: &str) -> String {
    let clean: String = value
        .chars()
        .filter(|c| *c != '"' && !c.is_control())
        .collect();
    format!("\"{clean}\"")
}

/// A URI or address without the whitespace and controls that would break its line.
fn uri(value: &str) -> String {
    value
        .chars()
        .filter(|c| !c.is_control() && !c.is_whitespace())
        .collect()
}

/// Appends `content` as a content line: folded so no line exceeds 75 octets, never inside a
/// UTF-8 character, each continuation starting with one space, and ended with CRLF.
fn fold_line(out: &mut String, content: &str) {
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

    fn at(text: &str) -> Timestamp {
        text.parse().unwrap()
    }

    fn unfold(text: &str) -> String {
        text.replace("\r\n ", "")
    }

    #[test]
    fn structure_is_in_call_order_with_crlf() {
        let text = Calendar::new()
            .gregorian()
            .method(Method::Request)
            .event(|e| {
                e.uid("u1")
                    .sequence(3)
                    .stamp(at("2026-11-23T00:00:00Z"))
                    .start(at("2026-12-01T09:00:00Z"))
                    .end(at("2026-12-01T09:30:00Z"))
                    .summary("Call")
                    .status(Status::Tentative)
                    .opaque();
            })
            .finish();
        assert_eq!(
            text,
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Rendezvous//Rendezvous//EN\r\n\
             CALSCALE:GREGORIAN\r\nMETHOD:REQUEST\r\nBEGIN:VEVENT\r\nUID:u1\r\nSEQUENCE:3\r\n\
             DTSTAMP:20261123T000000Z\r\nDTSTART:20261201T090000Z\r\n\
             DTEND:20261201T093000Z\r\nSUMMARY:Call\r\nSTATUS:TENTATIVE\r\n\
             TRANSP:OPAQUE\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        );
    }

    #[test]
    fn events_follow_each_other() {
        let text = Calendar::new()
            .name("Feed")
            .event(|e| {
                e.uid("a");
            })
            .event(|e| {
                e.uid("b");
            })
            .finish();
        assert!(
            text.contains(
                "X-WR-CALNAME:Feed\r\nBEGIN:VEVENT\r\nUID:a\r\nEND:VEVENT\r\n\
                 BEGIN:VEVENT\r\nUID:b\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
            ),
            "{text}"
        );
    }

    #[test]
    fn text_is_escaped() {
        let text = Calendar::new()
            .event(|e| {
                e.summary("a, b; c\\d\r\ne\tf\u{7}g");
            })
            .finish();
        // Tab is TEXT (WSP); other controls are not and are dropped; CRLF is one newline.
        assert!(
            text.contains("SUMMARY:a\\, b\\; c\\\\d\\ne\tfg\r\n"),
            "{text}"
        );
    }

    #[test]
    fn people_are_quoted_and_kept_on_their_line() {
        let olive = Person {
            name: "Olive \"O\"; Owner, Esq.".into(),
            email: "olive@acme.example\r\nX-INJECTED:1".into(),
        };
        let text = Calendar::new()
            .event(|e| {
                e.organizer(&olive)
                    .attendee(&olive, Participation::Declined, Some(false))
                    .attendee(&olive, Participation::Accepted, None);
            })
            .finish();
        let text = unfold(&text);
        assert!(!text.contains("\r\nX-INJECTED"), "{text}");
        assert!(
            text.contains(
                "ORGANIZER;CN=\"Olive O; Owner, Esq.\":mailto:olive@acme.exampleX-INJECTED:1\r\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("PARTSTAT=DECLINED;RSVP=FALSE:mailto:olive@"),
            "{text}"
        );
        assert!(
            text.contains(";ROLE=REQ-PARTICIPANT;PARTSTAT=ACCEPTED:mailto:olive@"),
            "{text}"
        );
    }

    #[test]
    fn urls_are_not_escaped() {
        let text = Calendar::new()
            .event(|e| {
                e.url("https://book.example.com/manage/tok;en,x");
            })
            .finish();
        assert!(
            text.contains("\r\nURL:https://book.example.com/manage/tok;en,x\r\n"),
            "{text}"
        );
    }

    #[test]
    fn a_line_of_75_octets_is_not_folded_and_76_is() {
        let mut out = String::new();
        fold_line(&mut out, &"a".repeat(75));
        assert_eq!(out, format!("{}\r\n", "a".repeat(75)));
        let mut out = String::new();
        fold_line(&mut out, &"a".repeat(76));
        assert_eq!(out, format!("{}\r\n a\r\n", "a".repeat(75)));
    }

    #[test]
    fn folding_never_splits_a_character() {
        let mut out = String::new();
        // 74 octets, then a 2-octet character that would make 76.
        fold_line(&mut out, &format!("{}ü", "a".repeat(74)));
        assert_eq!(out, format!("{}\r\n ü\r\n", "a".repeat(74)));
    }

    #[test]
    fn long_lines_fold_and_parse_back() {
        let text = Calendar::new()
            .event(|e| {
                e.summary(&"ü".repeat(100));
            })
            .finish();
        assert!(text.split("\r\n").all(|l| l.len() <= 75));
        let back = crate::parse(&text);
        let summary = &back[0].children[0].property("SUMMARY").unwrap().value;
        assert_eq!(summary, &"ü".repeat(100));
    }
}
