//! Slots of an event type: the host's facts from the store, turned into one engine request.
//! The slots endpoint and the booking check both go through
//! `engine_request`, so what is shown is what can be booked.

use domain::ids::Timestamp;
use store::{Bookable, Db};

use crate::ServiceError;
use crate::engine_request::{chosen_duration, engine_request};

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
    /// The routing form submission that sent the invitee here: a `members` route lists only
    /// the starts one of the hosts it named can take, as booking through it would.
    pub routing_submission: Option<domain::ids::SubmissionId>,
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
    let routing = match query.routing_submission {
        Some(id) => Some(crate::routing::routed_submission(db, bookable, id).await?),
        None => None,
    };
    let only = routing.as_ref().and_then(crate::routing::routed_hosts);
    let open = open_slots(db, bookable, (query.from, query.until), duration, only).await?;
    let mut days: Vec<Day> = Vec::new();
    for open in open {
        let date = open
            .start
            .to_jiff()
            .to_zoned(display.clone())
            .date()
            .to_string();
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

/// The open starts in `range`, read from the database and computed by the engine: for the
/// owner alone, or for a team event type's hosts (only those of `only` in the pool, when a
/// routing form named some).
async fn open_slots(
    db: &Db,
    bookable: &Bookable,
    range: (Timestamp, Timestamp),
    duration: i32,
    only: Option<&[domain::ids::UserId]>,
) -> Result<Vec<OpenSlot>, ServiceError> {
    let event_type = bookable.event_type();
    let now = Timestamp::now();
    let mut tx = db.bookings().read(bookable).await?;
    if let Some(team) = bookable.team() {
        let facts = crate::booking_facts::team_facts(&mut tx, bookable, range.0, range.1).await?;
        tx.commit().await?;
        let slots =
            crate::team_booking::team_slots(event_type, team, &facts, now, range, duration, None)?;
        return Ok(slots
            .into_iter()
            .filter_map(|slot| match only {
                Some(only) => crate::team_booking::restrict(team, slot, only),
                None => Some(slot),
            })
            .map(|s| OpenSlot {
                start: s.start,
                end: s.end,
                seats_left: 1,
            })
            .collect());
    }
    let facts = crate::booking_facts::host_facts(&mut tx, bookable, range.0, range.1).await?;
    tx.commit().await?;
    let request = engine_request(event_type, &facts, now, range, duration, None)?;
    let slots = engine::compute_slots(&request);
    Ok(slots
        .iter()
        .filter_map(|slot| {
            Some(OpenSlot {
                start: slot.start.to_jiff()?.into(),
                end: slot.end.to_jiff()?.into(),
                seats_left: slot.seats_left,
            })
        })
        .collect())
}
