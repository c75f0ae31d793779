//! The engine's request for an event type: its hosts' facts (hours, overrides, busy time,
//! bookings) in their zones, and the event type's rules. Listing slots and checking a booking
//! build it here alike, so what is shown is what can be booked.

use domain::bookings::Facts;
use domain::event_types::{BookingWindow, EventType};
use domain::ids::{BookingId, Timestamp};
use jiff::tz::TimeZone;

use crate::ServiceError;

/// The duration asked for, if the event type offers it.
pub(crate) fn chosen_duration(
    invalid: &mut crate::fields::Invalid,
    event_type: &EventType,
    asked: Option<i32>,
) -> Option<i32> {
    let f = &event_type.fields;
    match asked {
        None => Some(f.duration_minutes),
        Some(d) if d == f.duration_minutes || f.duration_options.contains(&d) => Some(d),
        Some(_) => {
            invalid.push(
                "/duration_minutes",
                "duration",
                "the event type does not offer this duration",
            );
            None
        }
    }
}

/// The engine's view of one event type and its host for starts in `range`. `exclude` leaves
/// one booking out (the one being rescheduled).
pub(crate) fn engine_request(
    event_type: &EventType,
    facts: &Facts,
    now: Timestamp,
    range: (Timestamp, Timestamp),
    duration: i32,
    exclude: Option<BookingId>,
) -> Result<engine::SlotRequest, ServiceError> {
    engine_request_for(
        event_type,
        engine::Kind::Single,
        std::slice::from_ref(facts),
        now,
        range,
        duration,
        exclude,
    )
}

/// The zone a host's hours are in: their schedule's, else their own.
pub(crate) fn host_zone(facts: &Facts) -> Result<TimeZone, ServiceError> {
    let zone_name = facts
        .schedule
        .as_ref()
        .map_or(facts.host.time_zone.as_str(), |s| s.time_zone.as_str());
    TimeZone::get(zone_name).map_err(|_| corrupt(format!("time zone {zone_name:?}")))
}

/// The engine's view of one host.
fn engine_host(
    event_type: &EventType,
    facts: &Facts,
    exclude: Option<BookingId>,
) -> Result<engine::Host, ServiceError> {
    let timezone = host_zone(facts)?;
    let (weekly, overrides) = match &facts.schedule {
        Some(schedule) => engine_hours(&schedule.weekly, &schedule.overrides)?,
        None => (engine::WeeklyHours::default(), Vec::new()),
    };
    let instant = |t: Timestamp| engine::Instant(t.to_jiff().as_second());
    let busy = facts
        .blocked
        .iter()
        .map(|b| engine::Interval::new(instant(b.start_at), instant(b.end_at)))
        .chain(
            facts
                .calendar_busy
                .iter()
                .map(|(start, end)| engine::Interval::new(instant(*start), instant(*end))),
        )
        .collect();
    let bookings = facts
        .bookings
        .iter()
        .filter(|b| Some(b.id) != exclude)
        .map(|b| engine::Booking {
            time: engine::Interval::new(instant(b.start_at), instant(b.end_at)),
            buffer_before_minutes: i64::from(b.buffer_before_minutes),
            buffer_after_minutes: i64::from(b.buffer_after_minutes),
            attendees: u64::try_from(b.seats_taken.max(1)).unwrap_or(1),
            same_event: b.event_type_id == event_type.id,
        })
        .collect();
    Ok(engine::Host {
        id: facts.host.id.to_string(),
        timezone,
        weekly,
        overrides,
        busy,
        bookings,
    })
}

/// The engine's view of an event type of `kind` hosted by the hosts of `facts` (at least
/// one), for starts in `range`; its grid, window and fixed dates follow the first host's zone.
pub(crate) fn engine_request_for(
    event_type: &EventType,
    kind: engine::Kind,
    facts: &[Facts],
    now: Timestamp,
    range: (Timestamp, Timestamp),
    duration: i32,
    exclude: Option<BookingId>,
) -> Result<engine::SlotRequest, ServiceError> {
    let f = &event_type.fields;
    let hosts = facts
        .iter()
        .map(|facts| engine_host(event_type, facts, exclude))
        .collect::<Result<Vec<_>, _>>()?;
    let timezone = hosts
        .first()
        .map(|h| h.timezone.clone())
        .ok_or_else(|| corrupt("an event type without hosts".to_owned()))?;
    let instant = |t: Timestamp| engine::Instant(t.to_jiff().as_second());
    let mut range = (instant(range.0), instant(range.1));
    let booking_window_days = match &f.booking_window {
        BookingWindow::Unlimited => None,
        BookingWindow::Rolling { days } => Some(u64::from(*days)),
        BookingWindow::Fixed { start, end } => {
            // Starts on the fixed dates, in the host's zone: clip the range to them.
            let first = local_midnight(&timezone, start)?;
            let after_last =
                next_midnight(&timezone, end).ok_or_else(|| corrupt(format!("date {end:?}")))?;
            range = (range.0.max(first), range.1.min(after_last));
            None
        }
    };
    if range.0 >= range.1 {
        range = (range.0, range.0.plus(1));
    }
    let non_negative = |v: Option<i32>| v.map(|v| u64::try_from(v).unwrap_or(0));
    Ok(engine::SlotRequest {
        now: instant(now),
        range: engine::Interval::new(range.0, range.1),
        event: engine::EventType {
            kind,
            duration_minutes: i64::from(duration),
            interval_minutes: i64::from(f.interval_minutes.unwrap_or(duration)),
            buffer_before_minutes: i64::from(f.buffer_before_minutes),
            buffer_after_minutes: i64::from(f.buffer_after_minutes),
            minimum_notice_minutes: i64::from(f.minimum_notice_minutes),
            booking_window_days,
            max_per_day: non_negative(f.max_per_day),
            max_per_week: non_negative(f.max_per_week),
            // Team event types have one seat: a group meets its hosts one booking at a time.
            seats: match kind {
                engine::Kind::Single => u64::try_from(f.seats.max(1)).unwrap_or(1),
                _ => 1,
            },
            timezone,
        },
        hosts,
    })
}

/// Stored weekly hours and date overrides as the engine reads them.
pub(crate) fn engine_hours(
    weekly: &domain::schedules::WeeklyRules,
    overrides: &domain::schedules::DateOverrides,
) -> Result<(engine::WeeklyHours, Vec<engine::DateOverride>), ServiceError> {
    let mut hours = engine::WeeklyHours::default();
    for (day, windows) in weekly {
        let index = crate::schedules::DAY_KEYS
            .iter()
            .position(|d| d == day)
            .ok_or_else(|| corrupt(format!("weekday {day:?}")))?;
        hours.days[index] = windows
            .iter()
            .map(stored_window)
            .collect::<Result<_, _>>()?;
    }
    let mut dated = Vec::with_capacity(overrides.len());
    for (date, windows) in overrides {
        let day =
            engine::instant::parse_date(date).ok_or_else(|| corrupt(format!("date {date:?}")))?;
        let windows = windows
            .iter()
            .map(stored_window)
            .collect::<Result<_, _>>()?;
        dated.push(engine::DateOverride { day, windows });
    }
    dated.sort_by_key(|o| o.day);
    Ok((hours, dated))
}

fn stored_window(window: &domain::schedules::Window) -> Result<engine::LocalWindow, ServiceError> {
    crate::schedules::local_window(window)
        .map_err(|(_, message)| corrupt(format!("window {window:?}: {message}")))
}

fn local_midnight(tz: &TimeZone, date: &str) -> Result<engine::Instant, ServiceError> {
    let date: jiff::civil::Date = date
        .parse()
        .map_err(|_| corrupt(format!("date {date:?}")))?;
    let ts = date
        .to_zoned(tz.clone())
        .map_err(|_| corrupt(format!("date {date}")))?
        .timestamp();
    Ok(engine::Instant(ts.as_second()))
}

fn next_midnight(tz: &TimeZone, date: &str) -> Option<engine::Instant> {
    let date: jiff::civil::Date = date.parse().ok()?;
    let ts = date.tomorrow().ok()?.to_zoned(tz.clone()).ok()?.timestamp();
    Some(engine::Instant(ts.as_second()))
}

fn corrupt(what: String) -> ServiceError {
    ServiceError::Internal(store::Error::Corrupt(what))
}
