//! Slots of an event type: the host's facts from the store, turned into one engine request.
//! The slots endpoint and the booking check both go through [`engine_request`], so what is
//! shown is what can be booked.

use jiff::tz::TimeZone;
use store::Db;
use store::repo::bookings::Facts;
use store::repo::event_types::{Bookable, BookingWindow, EventType};
use store::types::{BookingId, Timestamp};

use crate::ServiceError;

/// The longest period one slots request may cover.
pub const MAX_RANGE_DAYS: i64 = 92;

/// Which slots to list, and how to show them.
#[derive(Clone, Debug)]
pub struct SlotQuery {
    pub from: Timestamp,
    pub until: Timestamp,
    /// The invitee's zone: slots are grouped by their local date there.
    pub time_zone: String,
    /// One of the event type's durations; `None` is its default.
    pub duration_minutes: Option<i32>,
}

/// One bookable start.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpenSlot {
    pub start: Timestamp,
    pub end: Timestamp,
    pub seats_left: u64,
}

/// Slots of one local date of the invitee.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Day {
    /// `YYYY-MM-DD` in the query's zone.
    pub date: String,
    pub slots: Vec<OpenSlot>,
}

pub async fn slots(
    db: &Db,
    bookable: &Bookable,
    query: SlotQuery,
) -> Result<Vec<Day>, ServiceError> {
    let mut invalid = crate::fields::Invalid::default();
    let display = crate::fields::time_zone(&mut invalid, "/timeZone", &query.time_zone);
    let span = query.until.to_jiff().duration_since(query.from.to_jiff());
    invalid.check(span.is_positive(), "/end", "order", "must be after start");
    invalid.check(
        span.as_secs() <= MAX_RANGE_DAYS * 86_400,
        "/end",
        "range",
        "a request covers at most 92 days",
    );
    let duration = chosen_duration(&mut invalid, bookable.event_type(), query.duration_minutes);
    invalid.finish()?;
    let (Some(display), Some(duration)) = (display, duration) else {
        return Err(ServiceError::NotFound("slots"));
    };
    let mut tx = db.bookings().read(bookable).await?;
    let facts = tx.facts(bookable, query.from, query.until).await?;
    tx.commit().await?;
    let request = engine_request(
        bookable.event_type(),
        &facts,
        Timestamp::now(),
        (query.from, query.until),
        duration,
        None,
    )?;
    let slots = engine::compute_slots(&request);
    let mut days: Vec<Day> = Vec::new();
    for slot in slots.iter() {
        let (Some(start), Some(end)) = (slot.start.to_jiff(), slot.end.to_jiff()) else {
            continue;
        };
        let date = start.to_zoned(display.clone()).date().to_string();
        let open = OpenSlot {
            start: start.into(),
            end: end.into(),
            seats_left: slot.seats_left,
        };
        match days.last_mut() {
            Some(day) if day.date == date => day.slots.push(open),
            _ => days.push(Day {
                date,
                slots: vec![open],
            }),
        }
    }
    Ok(days)
}

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
    let f = &event_type.fields;
    let zone_name = facts
        .schedule
        .as_ref()
        .map_or(facts.host.time_zone.as_str(), |s| s.time_zone.as_str());
    let timezone =
        TimeZone::get(zone_name).map_err(|_| corrupt(format!("time zone {zone_name:?}")))?;
    let mut weekly = engine::WeeklyHours::default();
    let mut overrides = Vec::new();
    if let Some(schedule) = &facts.schedule {
        for (day, windows) in &schedule.weekly {
            let index = crate::schedules::DAY_KEYS
                .iter()
                .position(|d| d == day)
                .ok_or_else(|| corrupt(format!("weekday {day:?}")))?;
            weekly.days[index] = windows
                .iter()
                .map(stored_window)
                .collect::<Result<_, _>>()?;
        }
        for (date, windows) in &schedule.overrides {
            let day = engine::instant::parse_date(date)
                .ok_or_else(|| corrupt(format!("date {date:?}")))?;
            let windows = windows
                .iter()
                .map(stored_window)
                .collect::<Result<_, _>>()?;
            overrides.push(engine::DateOverride { day, windows });
        }
        overrides.sort_by_key(|o| o.day);
    }
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
            kind: engine::Kind::Single,
            duration_minutes: i64::from(duration),
            interval_minutes: i64::from(f.interval_minutes.unwrap_or(duration)),
            buffer_before_minutes: i64::from(f.buffer_before_minutes),
            buffer_after_minutes: i64::from(f.buffer_after_minutes),
            minimum_notice_minutes: i64::from(f.minimum_notice_minutes),
            booking_window_days,
            max_per_day: non_negative(f.max_per_day),
            max_per_week: non_negative(f.max_per_week),
            seats: u64::try_from(f.seats.max(1)).unwrap_or(1),
            timezone: timezone.clone(),
        },
        hosts: vec![engine::Host {
            id: event_type.owner_user_id.to_string(),
            timezone,
            weekly,
            overrides,
            busy,
            bookings,
        }],
    })
}

fn stored_window(
    window: &store::repo::schedules::Window,
) -> Result<engine::LocalWindow, ServiceError> {
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
