//! Dates the stories book on: far enough ahead for any notice, on the weekdays hosts work.

use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;

/// Monday of the week after next, in Berlin: always in the future, never in notice.
pub fn next_monday() -> Date {
    let today = jiff::Zoned::now()
        .with_time_zone(TimeZone::get("Europe/Berlin").unwrap())
        .date();
    let mut day = today.checked_add(jiff::Span::new().days(8)).unwrap();
    while day.weekday() != Weekday::Monday {
        day = day.tomorrow().unwrap();
    }
    day
}

/// The instant of a wall-clock time on `date` in `zone`.
pub fn local(date: Date, zone: &str, hour: i8, minute: i8) -> jiff::Timestamp {
    date.at(hour, minute, 0, 0)
        .to_zoned(TimeZone::get(zone).unwrap())
        .unwrap()
        .timestamp()
}

/// The instant of a Berlin wall-clock time on `date`, as RFC 3339 text.
pub fn berlin(date: Date, hour: i8, minute: i8) -> String {
    local(date, "Europe/Berlin", hour, minute).to_string()
}
