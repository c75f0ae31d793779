//! TZif (RFC 8536, version 2) bytes for a zone with explicit transitions and an optional
//! POSIX TZ footer: the one form in which jiff takes a zone with a history.

use jiff::tz::Offset;

/// The local time in force over a stretch of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct LocalTime {
    pub offset: Offset,
    pub daylight: bool,
}

impl LocalTime {
    /// The abbreviation written for it; the footer names its two local times the same way,
    /// which is what makes the footer agree with the last transition.
    pub fn designation(self) -> &'static str {
        if self.daylight { "DST" } else { "STD" }
    }
}

/// A TZif file holds at most this many local time types (indices are one byte).
pub(super) const MAX_TYPES: usize = 256;

/// Writes a TZif version 2 file: `initial` before the first transition, each
/// `(unix seconds, local time)` from then on (sorted, distinct instants), and `footer` (a
/// POSIX TZ string, or empty) after the last. Transitions needing a 257th local time type
/// are left out, with everything after them.
pub(super) fn write(initial: LocalTime, transitions: &[(i64, LocalTime)], footer: &str) -> Vec<u8> {
    let mut types = vec![initial];
    let mut times = Vec::with_capacity(transitions.len());
    let mut indices = Vec::with_capacity(transitions.len());
    for &(at, local) in transitions {
        let index = match types.iter().position(|t| *t == local) {
            Some(i) => i,
            None if types.len() < MAX_TYPES => {
                types.push(local);
                types.len() - 1
            }
            None => break,
        };
        times.push(at);
        indices.push(u8::try_from(index).unwrap_or(0));
    }
    let designations = b"STD\0DST\0";

    let mut out = Vec::with_capacity(100 + times.len() * 9 + types.len() * 6);
    // A minimal version 1 block: readers of version 2 skip it.
    header(&mut out, 0, 1, 1);
    out.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0]);

    header(&mut out, times.len(), types.len(), designations.len());
    for at in &times {
        out.extend_from_slice(&at.to_be_bytes());
    }
    out.extend_from_slice(&indices);
    for t in &types {
        out.extend_from_slice(&t.offset.seconds().to_be_bytes());
        out.push(u8::from(t.daylight));
        out.push(if t.daylight { 4 } else { 0 });
    }
    out.extend_from_slice(designations);
    out.push(b'\n');
    out.extend_from_slice(footer.as_bytes());
    out.push(b'\n');
    out
}

fn header(out: &mut Vec<u8>, times: usize, types: usize, chars: usize) {
    out.extend_from_slice(b"TZif2");
    out.extend_from_slice(&[0; 15]);
    let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).to_be_bytes();
    // UT/local indicators, standard/wall indicators, leap seconds: none.
    for n in [0, 0, 0, times, types, chars] {
        out.extend_from_slice(&count(n));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use jiff::Timestamp;
    use jiff::tz::TimeZone;

    fn local(hours: i8, daylight: bool) -> LocalTime {
        LocalTime {
            offset: Offset::from_hours(hours).unwrap(),
            daylight,
        }
    }

    #[test]
    fn jiff_reads_what_we_write() {
        let at: Timestamp = "2000-01-01T00:00:00Z".parse().unwrap();
        let bytes = write(
            local(1, false),
            &[(at.as_second(), local(2, false))],
            "STD-2",
        );
        let zone = TimeZone::tzif("Test", &bytes).unwrap();
        let before: Timestamp = "1999-12-31T23:00:00Z".parse().unwrap();
        let after: Timestamp = "2300-06-01T00:00:00Z".parse().unwrap();
        assert_eq!(zone.to_offset(before).seconds(), 3600);
        assert_eq!(zone.to_offset(at).seconds(), 7200);
        assert_eq!(zone.to_offset(after).seconds(), 7200);
        // jiff refuses a footer that disagrees with the last transition.
        let bytes = write(
            local(1, false),
            &[(at.as_second(), local(2, false))],
            "STD-3",
        );
        assert!(TimeZone::tzif("Test", &bytes).is_err());
    }

    #[test]
    fn without_a_footer_the_last_local_time_stays() {
        let at: Timestamp = "2000-01-01T00:00:00Z".parse().unwrap();
        let bytes = write(local(1, false), &[(at.as_second(), local(-5, true))], "");
        let zone = TimeZone::tzif("Test", &bytes).unwrap();
        let later: Timestamp = "2300-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(zone.to_offset(later).seconds(), -5 * 3600);
    }
}
