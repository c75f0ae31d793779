//! What a TZID names (RFC 5545 §3.2.19, §3.6.5).
//!
//! Looked up in the order icalendar (the Python library most calendar tools are tested
//! against) uses: an IANA name; else the calendar's own VTIMEZONE of that TZID; else a Windows
//! zone name (Outlook and Exchange write "W. Europe Standard Time") through CLDR's
//! windowsZones mapping; else an IANA name behind a vendor prefix
//! (`/mozilla.org/20050126_1/Europe/Berlin`).
//!
//! A VTIMEZONE is read whole, history included (RFC 5545 §3.6.5): every STANDARD and DAYLIGHT
//! observance's onsets (its DTSTART, the instances of its RRULEs up to UNTIL or COUNT, its
//! RDATEs; each a local time in TZOFFSETFROM, after which TZOFFSETTO holds until the next
//! onset of any observance) become the explicit transitions of a TZif zone, and the rule still
//! in force (the latest STANDARD and DAYLIGHT recurring yearly on an n-th weekday without end,
//! as every producer we know writes them) its POSIX TZ footer. So an event of 2006 in
//! Exchange's "Eastern Standard Time", which carries the US rules before and after 2007, or in
//! a zone whose standard offset changed, gets the offset of its day. This is python-dateutil's
//! `tzical` reading (icalendar and recurring-ical-events use it); `zones/vtimezone.rs` has the
//! details. In short:
//! - Onsets before 1970 only say which offset holds then (tzdb vouches for nothing earlier;
//!   Outlook's rules start in 1601). Before the first onset, the first STANDARD's offset holds.
//! - A zone that is its current rule alone since 1970 (Outlook's usual export) stays a bare
//!   POSIX rule, as cheap as ever; in any other the explicit transitions stop at the rule's
//!   first onset after every other onset, and rules no POSIX string can say are expanded up
//!   to 2100, the last offset holding after.
//! - `BYDAY=5SU` in a month is read as its last Sunday (Windows' "week 5"); an onset is within
//!   UNTIL when UNTIL read as UTC or as local digits keeps it (producers write both).
//! - Bounded work on any input: a VTIMEZONE is turned into a zone only when a TZID asks for
//!   it, and at most 1,000 observances, 32 RRULEs and 10,000 onsets of it are read.
//! - A VTIMEZONE whose history jiff would refuse yields its latest fixed offset; one with no
//!   readable observance names nothing, and the event is read in the host's zone with a
//!   warning, never dropped.

use std::collections::HashMap;
use std::sync::OnceLock;

use jiff::tz::TimeZone;

use crate::parse::Component;

mod tzif;
mod vtimezone;

/// CLDR windowsZones (territory 001); the source is named at the top of the file.
const WINDOWS_ZONES: &str = include_str!("windows_zones.tsv");

fn windows_zones() -> &'static HashMap<&'static str, &'static str> {
    static MAP: OnceLock<HashMap<&'static str, &'static str>> = OnceLock::new();
    MAP.get_or_init(|| {
        WINDOWS_ZONES
            .lines()
            .filter(|l| !l.starts_with('#'))
            .filter_map(|l| l.split_once('\t'))
            .collect()
    })
}

/// The IANA name CLDR maps a Windows zone name to.
pub fn windows_to_iana(name: &str) -> Option<&'static str> {
    windows_zones().get(name.trim()).copied()
}

/// The zones one calendar object defines, and how to read any TZID in it.
#[derive(Debug, Default)]
pub struct Zones {
    /// The VTIMEZONEs by TZID, turned into zones only when a TZID asks for one.
    defined: HashMap<String, Component>,
    /// Answers already given: a calendar names the same few zones thousands of times.
    seen: std::cell::RefCell<HashMap<String, Option<TimeZone>>>,
}

impl Zones {
    /// Reads the VTIMEZONEs of a parsed calendar object.
    pub fn of(roots: &[Component]) -> Zones {
        let mut found = Vec::new();
        for root in roots {
            if root.name == "VTIMEZONE" {
                found.push(root);
            }
            root.find_all("VTIMEZONE", &mut found);
        }
        let mut defined = HashMap::new();
        for vtimezone in found {
            let Some(tzid) = vtimezone.property("TZID") else {
                continue;
            };
            // The first definition of a TZID stands (some feeds repeat it per event).
            defined
                .entry(tzid.value.trim().trim_matches('/').to_owned())
                .or_insert_with(|| vtimezone.clone());
        }
        Zones {
            defined,
            seen: Default::default(),
        }
    }

    /// The zone a TZID names, `None` when nothing does.
    pub fn get(&self, tzid: &str) -> Option<TimeZone> {
        if let Some(known) = self.seen.borrow().get(tzid) {
            return known.clone();
        }
        let found = self.look_up(tzid);
        self.seen
            .borrow_mut()
            .insert(tzid.to_owned(), found.clone());
        found
    }

    fn look_up(&self, tzid: &str) -> Option<TimeZone> {
        let tzid = tzid.trim();
        let clean = tzid.trim_matches('/');
        if let Ok(tz) = TimeZone::get(clean) {
            return Some(tz);
        }
        if let Some(tz) = self
            .defined
            .get(clean)
            .and_then(|vtimezone| vtimezone::zone(clean, vtimezone))
        {
            return Some(tz);
        }
        if let Some(iana) = windows_to_iana(clean)
            && let Ok(tz) = TimeZone::get(iana)
        {
            return Some(tz);
        }
        let parts: Vec<&str> = clean.split('/').filter(|p| !p.is_empty()).collect();
        (1..parts.len()).find_map(|skip| TimeZone::get(&parts[skip..].join("/")).ok())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn windows_names_map_to_iana() {
        assert_eq!(
            windows_to_iana("W. Europe Standard Time"),
            Some("Europe/Berlin")
        );
        assert_eq!(
            windows_to_iana("Pacific Standard Time"),
            Some("America/Los_Angeles")
        );
        let zones = Zones::default();
        assert!(zones.get("Eastern Standard Time").is_some());
        assert!(zones.get("/mozilla.org/20050126_1/Europe/Berlin").is_some());
        assert!(zones.get("Nowhere Standard Time").is_none());
    }
}
