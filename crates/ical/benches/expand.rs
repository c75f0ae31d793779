//! Issue 26's speed budget: expanding a calendar of 5,000 events (a tenth recurring, some of
//! those decades old) over a 400-day window takes under 50 ms on the engine alone, whatever
//! the series' ages.
//!
//! `cargo bench -p rendezvous-ical --bench expand`; figures go to docs/BENCHMARKS.md.
#![allow(clippy::unwrap_used)]

use divan::Bencher;
use jiff::Timestamp;
use jiff::tz::TimeZone;

fn main() {
    divan::main();
}

const EVENTS: usize = 5_000;

/// One calendar object holding every event: one in ten recurring (daily, weekly on two days,
/// monthly on a weekday, yearly, hourly in office hours), a third of those started between
/// 1975 and 2005; the rest single events spread over the window.
fn calendar() -> String {
    let mut text = String::from("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//bench//EN\r\n");
    for i in 0..EVENTS {
        let (start, rule) = if i % 10 == 0 {
            let year = if i % 30 == 0 { 1975 + (i % 31) } else { 2025 };
            let rule = match (i / 10) % 5 {
                0 => "FREQ=DAILY",
                1 => "FREQ=WEEKLY;BYDAY=TU,TH",
                2 => "FREQ=MONTHLY;BYDAY=-1FR",
                3 => "FREQ=YEARLY;BYMONTH=3,9;BYMONTHDAY=15",
                _ => "FREQ=HOURLY;INTERVAL=3;BYHOUR=9,12,15;BYDAY=MO,WE",
            };
            (
                format!(
                    "{year}{:02}{:02}T{:02}0000",
                    1 + i % 12,
                    1 + i % 28,
                    8 + i % 9
                ),
                format!("RRULE:{rule}\r\n"),
            )
        } else {
            let day = i % 400;
            let date = jiff::civil::date(2026, 1, 1)
                .checked_add(jiff::Span::new().days(i64::try_from(day).unwrap()))
                .unwrap();
            (
                format!("{}T{:02}3000", date.strftime("%Y%m%d"), 7 + i % 11),
                String::new(),
            )
        };
        text.push_str(&format!(
            "BEGIN:VEVENT\r\nUID:event-{i}@bench\r\nDTSTAMP:20261101T000000Z\r\n\
             DTSTART;TZID=Europe/Berlin:{start}\r\nDURATION:PT45M\r\n{rule}\
             SUMMARY:Event {i}\r\nEND:VEVENT\r\n"
        ));
    }
    text.push_str("END:VCALENDAR\r\n");
    text
}

#[divan::bench(sample_count = 20)]
fn expand_5000_events_over_400_days(bencher: Bencher) {
    let text = calendar();
    let from: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let until = from
        .checked_add(jiff::SignedDuration::from_hours(24 * 400))
        .unwrap();
    let zone = TimeZone::get("America/New_York").unwrap();
    let busy = rendezvous_ical::busy_times(&text, from, until, &zone);
    assert!(
        busy.problems.is_empty(),
        "{:?}",
        &busy.problems[..3.min(busy.problems.len())]
    );
    assert!(busy.busy.len() > 40_000, "{}", busy.busy.len());
    bencher.bench(|| rendezvous_ical::busy_times(divan::black_box(&text), from, until, &zone));
}

/// Exchange's "Eastern Standard Time" with the US rules before 2007 and since.
const EASTERN_WITH_HISTORY: &str = "BEGIN:VTIMEZONE\r\nTZID:Eastern Standard Time\r\n\
BEGIN:STANDARD\r\nDTSTART:16011028T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\n\
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10;UNTIL=20061029T060000Z\r\nEND:STANDARD\r\n\
BEGIN:DAYLIGHT\r\nDTSTART:16010401T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n\
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=4;UNTIL=20060402T070000Z\r\nEND:DAYLIGHT\r\n\
BEGIN:STANDARD\r\nDTSTART:20071104T020000\r\nTZOFFSETFROM:-0400\r\nTZOFFSETTO:-0500\r\n\
RRULE:FREQ=YEARLY;BYDAY=1SU;BYMONTH=11\r\nEND:STANDARD\r\n\
BEGIN:DAYLIGHT\r\nDTSTART:20070311T020000\r\nTZOFFSETFROM:-0500\r\nTZOFFSETTO:-0400\r\n\
RRULE:FREQ=YEARLY;BYDAY=2SU;BYMONTH=3\r\nEND:DAYLIGHT\r\nEND:VTIMEZONE\r\n";

/// What a CalDAV sync pays per resource when each carries its own VTIMEZONE with a history:
/// one weekly event read over 400 days, the zone built from the VTIMEZONE each time; beside
/// the same event named by its IANA zone, the difference is the zone's cost.
#[divan::bench(sample_count = 100, args = ["vtimezone", "iana"])]
fn one_weekly_event_in_eastern_time(bencher: Bencher, named_by: &str) {
    let (zone_text, tzid) = match named_by {
        "vtimezone" => (EASTERN_WITH_HISTORY, "Eastern Standard Time"),
        _ => ("", "America/New_York"),
    };
    let text = format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n{zone_text}BEGIN:VEVENT\r\nUID:w@bench\r\n\
         DTSTART;TZID={tzid}:20250106T090000\r\nDURATION:PT1H\r\n\
         RRULE:FREQ=WEEKLY\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    );
    let from: Timestamp = "2026-01-01T00:00:00Z".parse().unwrap();
    let until = from
        .checked_add(jiff::SignedDuration::from_hours(24 * 400))
        .unwrap();
    let zone = TimeZone::UTC;
    let busy = rendezvous_ical::busy_times(&text, from, until, &zone);
    assert!(busy.problems.is_empty(), "{:?}", busy.problems);
    assert_eq!(busy.busy.len(), 57);
    bencher.bench(|| rendezvous_ical::busy_times(divan::black_box(&text), from, until, &zone));
}
