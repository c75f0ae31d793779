//! Bookings: invitees book, view, cancel and reschedule; hosts list, confirm, reject, cancel,
//! reschedule and mark no-shows.
//!
//! Every booking and reschedule is checked by the engine inside the transaction that writes
//! it, with the same request the slots endpoint builds, so a start is bookable exactly when
//! it is listed.

use std::collections::BTreeMap;

use domain::access::Actor;
use domain::bookings::{
    Attendee, Booking, BookingFilter, BookingStatus, Facts, NewAttendee, NewBooking,
};
use domain::event_types::{BookingWindow, EventType, Location};
use domain::ids::{BookingId, EventTypeId, Timestamp};
use domain::refusals::Unbookable;
use domain::routing::Submission;
use domain::team_event_types::{TeamKind, TeamSetup};
use serde_json::{Value, json};
use store::repo::bookings::{AttendeeHandle, BookingTx};
use store::{Bookable, Db, ManageToken, Scope, can};

use crate::ServiceError;
use crate::booking_events;
use crate::booking_facts::{host_facts, team_facts};
use crate::calendar_identity;
use crate::credentials::Keyring;
use crate::engine_request::{chosen_duration, engine_request};
use crate::fields::{Invalid, time_zone};
use crate::routing::{not_routed_here, routed_hosts, routed_submission};
use crate::team_booking::{choose_hosts, restrict, team_slots};

/// UTM parameters kept with a booking.
pub const UTM_KEYS: [&str; 5] = [
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "utm_term",
    "utm_content",
];

/// What an invitee sends to book.
#[derive(Clone, Debug)]
pub struct BookInput {
    pub start: Timestamp,
    pub duration_minutes: Option<i32>,
    pub name: String,
    pub email: String,
    pub time_zone: String,
    pub answers: BTreeMap<String, Value>,
    pub notes: String,
    pub utm: BTreeMap<String, String>,
    /// A retry with the same key (within a day) answers with the booking the first request
    /// made, instead of booking twice.
    pub idempotency_key: Option<String>,
    /// Which of the event type's locations (index into its list); the first when absent.
    pub location: Option<usize>,
    /// Where the request came from, for the audit log.
    pub client_ip: Option<String>,
}

/// A booking as its attendee sees it after booking, with their manage token (shown once).
#[derive(Debug)]
pub struct Booked {
    pub booking: Booking,
    pub attendee: Attendee,
    pub manage_token: ManageToken,
}

/// Books a start of `bookable` for an invitee: a new booking, or a seat in the group booking
/// already at that start.
pub async fn book(
    db: &Db,
    keys: &Keyring,
    bookable: &Bookable,
    input: BookInput,
) -> Result<Booked, ServiceError> {
    book_in(db, keys, bookable, input, None, None).await
}

/// Books after a routing form sent the invitee here: the submission must have routed to this
/// event type (for a `members` route, only those hosts are chosen from), and is linked to the
/// booking in the same transaction.
pub async fn book_routed(
    db: &Db,
    keys: &Keyring,
    bookable: &Bookable,
    input: BookInput,
    submission: domain::ids::SubmissionId,
) -> Result<Booked, ServiceError> {
    let submission = routed_submission(db, bookable, submission).await?;
    book_in(db, keys, bookable, input, None, Some(&submission)).await
}

/// Books through a single-use link, which the booking uses up (in the same transaction, so a
/// refused booking leaves the link unused).
pub async fn book_with_link(
    db: &Db,
    keys: &Keyring,
    link: &str,
    input: BookInput,
) -> Result<Booked, ServiceError> {
    let (bookable, link) = db.event_types().by_single_use_link(link).await?;
    let bookable = hosted(bookable)?;
    book_in(db, keys, &bookable, input, Some(link), None).await
}

/// The event type a single-use link opens, while it is unused and hosted (see [`hosted`]).
pub async fn link_target(db: &Db, link: &str) -> Result<Bookable, ServiceError> {
    hosted(db.event_types().by_single_use_link(link).await?.0)
}

/// The event type whose public link is `id`, with the right to see its details, its slots
/// and to book it, while it is hosted (see [`hosted`]).
pub async fn public_bookable(db: &Db, id: EventTypeId) -> Result<Bookable, ServiceError> {
    hosted(db.event_types().public(id).await?)
}

/// `bookable` as invitees may book it, or 404 as if it did not exist: an event type whose
/// owner hosts it alone is gone while the owner is switched off, suspended or removed; a team
/// event type is gone while a host every booking needs (a collective host, a fixed host) is,
/// and otherwise such hosts are simply no candidates (gone when none is left).
pub(crate) fn hosted(bookable: Bookable) -> Result<Bookable, ServiceError> {
    let unavailable = bookable.unavailable().to_vec();
    if unavailable.is_empty() {
        return Ok(bookable);
    }
    let gone = || ServiceError::NotFound("event type");
    let Some(team) = bookable.team() else {
        return Err(gone());
    };
    let required_gone = team.hosts.iter().any(|h| {
        unavailable.contains(&h.settings.user_id)
            && (team.kind == TeamKind::Collective || h.settings.fixed)
    });
    if required_gone {
        return Err(gone());
    }
    let narrowed = bookable.without_hosts(&unavailable);
    match narrowed.team() {
        Some(team) if team.hosts.is_empty() => Err(gone()),
        _ => Ok(narrowed),
    }
}

/// Books, and keeps the attendee's manage token sealed with `keys` for the links in their
/// e-mails.
async fn book_in(
    db: &Db,
    keys: &Keyring,
    bookable: &Bookable,
    input: BookInput,
    link: Option<domain::ids::LinkId>,
    routing: Option<&Submission>,
) -> Result<Booked, ServiceError> {
    let event_type = bookable.event_type();
    let (duration, attendee) = validate(event_type, &input)?;
    let now = Timestamp::now();
    if input.start < now {
        return Err(ServiceError::field(
            "/start",
            "in_past",
            "the start is in the past",
        ));
    }
    let end = plus_minutes(input.start, duration);
    let mut tx = db
        .bookings()
        .begin(bookable)
        .await?
        .from_ip(input.client_ip.clone());
    let idempotency = match &input.idempotency_key {
        Some(key) => {
            let scope_key = format!("booking:{}", event_type.id);
            let request = fingerprint(&input, duration);
            if let Some((booking, attendee, manage_token)) =
                tx.replay(&scope_key, key, &request).await?
            {
                keep_manage_token(
                    &mut tx,
                    keys,
                    bookable.organization_id(),
                    &attendee,
                    &manage_token,
                )
                .await?;
                tx.commit().await?;
                return Ok(Booked {
                    booking,
                    attendee,
                    manage_token,
                });
            }
            Some((scope_key, key.clone(), request))
        }
        None => None,
    };
    let location = resolve_location(event_type, input.location)?;
    // `joined`: a seat taken on the group booking already at that start.
    let (booked, joined) = match bookable.team() {
        Some(team) => {
            let new = NewBooking {
                start_at: input.start,
                end_at: end,
                status: initial_status(event_type),
                location,
                rescheduled_from: None,
                calendar_root: None,
                calendar_sequence: 0,
                hosts: Vec::new(),
            };
            let only = routing.and_then(routed_hosts);
            let new =
                with_team_hosts(&mut tx, bookable, team, new, duration, None, &[], only).await?;
            let (booking, attendee, manage_token) =
                tx.insert(bookable, Actor::Invitee, new, attendee).await?;
            let booked = Booked {
                booking,
                attendee,
                manage_token,
            };
            (booked, false)
        }
        None => book_single(&mut tx, bookable, &input, duration, location, attendee).await?,
    };
    // Whoever books a host becomes (or stays) one of their contacts.
    tx.unit()
        .contacts()
        .record_booking(
            booked.booking.host_user_id,
            &booked.attendee.email,
            &booked.attendee.name,
            &booked.attendee.time_zone,
            booked.booking.start_at,
        )
        .await?;
    keep_manage_token(
        &mut tx,
        keys,
        bookable.organization_id(),
        &booked.attendee,
        &booked.manage_token,
    )
    .await?;
    if joined {
        booking_events::record_invitee(
            &mut tx,
            "invitee.created",
            &booked.booking,
            booked.attendee.id,
        )
        .await?;
    } else {
        let event = match booked.booking.status {
            BookingStatus::Pending => "booking.requested",
            _ => "booking.created",
        };
        booking_events::record(&mut tx, event, &booked.booking).await?;
    }
    if let Some(link) = link {
        tx.use_link(link, booked.booking.id).await?;
    }
    if let Some(submission) = routing {
        tx.unit()
            .routing_forms()
            .link_booking(submission.id, booked.booking.id)
            .await
            .map_err(|_| not_routed_here())?;
    }
    if let Some((scope_key, key, request)) = idempotency {
        tx.remember(
            &scope_key,
            &key,
            &request,
            booked.booking.id,
            booked.attendee.id,
        )
        .await?;
    }
    tx.commit().await?;
    tracing::info!(booking = %booked.booking.id, event_type = %event_type.id, status = booked.booking.status.as_str(), "booked");
    Ok(booked)
}

fn initial_status(event_type: &EventType) -> BookingStatus {
    if event_type.fields.requires_confirmation {
        BookingStatus::Pending
    } else {
        BookingStatus::Confirmed
    }
}

/// Fills in the hosts of `new`, a booking of a team event type, checking inside `tx` that its
/// start is open: the engine's answer for the team, then the strategy's choice among the
/// free hosts (keeping those of `keep`, the booking being rescheduled, when free; choosing
/// only among `only` when a routing form named some hosts).
#[allow(clippy::too_many_arguments)]
async fn with_team_hosts(
    tx: &mut BookingTx,
    bookable: &Bookable,
    team: &TeamSetup,
    new: NewBooking,
    duration: i32,
    exclude: Option<BookingId>,
    keep: &[domain::bookings::BookingHost],
    only: Option<&[domain::ids::UserId]>,
) -> Result<NewBooking, ServiceError> {
    let event_type = bookable.event_type();
    let now = Timestamp::now();
    let facts = team_facts(tx, bookable, new.start_at, new.end_at).await?;
    let range = (new.start_at, plus_seconds(new.start_at, 1));
    let slot = team_slots(event_type, team, &facts, now, range, duration, exclude)?
        .into_iter()
        .find(|s| seconds(s.start) == seconds(new.start_at))
        .and_then(|slot| match only {
            Some(only) => restrict(team, slot, only),
            None => Some(slot),
        });
    let Some(slot) = slot else {
        return Err(ServiceError::Unavailable(team_why_not(
            event_type,
            team,
            &facts,
            now,
            new.start_at,
            (duration, exclude),
        )));
    };
    let records = tx.unit().event_types().host_records(event_type.id).await?;
    let hosts = choose_hosts(event_type, team, &slot, &records, keep, now);
    Ok(NewBooking { hosts, ..new })
}

/// Books `input.start` of an event type its owner hosts alone: a new booking, or a seat in
/// the group booking already there (then `true`).
async fn book_single(
    tx: &mut BookingTx,
    bookable: &Bookable,
    input: &BookInput,
    duration: i32,
    location: Value,
    attendee: NewAttendee,
) -> Result<(Booked, bool), ServiceError> {
    let event_type = bookable.event_type();
    let now = Timestamp::now();
    let end = plus_minutes(input.start, duration);
    let facts = host_facts(tx, bookable, input.start, end).await?;
    let request = engine_request(
        event_type,
        &facts,
        now,
        (input.start, plus_seconds(input.start, 1)),
        duration,
        None,
    )?;
    let offered = engine::compute_slots(&request)
        .iter()
        .find(|s| s.start.0 == seconds(input.start))
        .map(|s| s.seats_left);
    Ok(match offered {
        None => {
            return Err(ServiceError::Unavailable(why_not(
                event_type,
                &facts,
                now,
                input.start,
                duration,
            )));
        }
        Some(seats_left) if seats_left < seats(event_type) => {
            let group = facts
                .bookings
                .iter()
                .find(|b| b.event_type_id == event_type.id && b.start_at == input.start)
                .ok_or(ServiceError::Unavailable(Unbookable::Taken))?;
            let (mut booking, attendee, manage_token) =
                tx.join(Actor::Invitee, group.id, attendee).await?;
            // A new attendee on the event: every calendar holding it must see the change.
            calendar_identity::raise(tx, &mut booking).await?;
            let booked = Booked {
                booking,
                attendee,
                manage_token,
            };
            (booked, true)
        }
        Some(_) => {
            let new = NewBooking {
                start_at: input.start,
                end_at: end,
                status: initial_status(event_type),
                location,
                rescheduled_from: None,
                calendar_root: None,
                calendar_sequence: 0,
                hosts: Vec::new(),
            };
            let (booking, attendee, manage_token) =
                tx.insert(bookable, Actor::Invitee, new, attendee).await?;
            let booked = Booked {
                booking,
                attendee,
                manage_token,
            };
            (booked, false)
        }
    })
}

/// What makes two booking requests the same request, for idempotency.
fn fingerprint(input: &BookInput, duration: i32) -> String {
    json!({
        "start": input.start,
        "duration": duration,
        "name": input.name,
        "email": input.email,
        "time_zone": input.time_zone,
        "answers": input.answers,
        "notes": input.notes,
        "utm": input.utm,
    })
    .to_string()
}

fn validate(event_type: &EventType, input: &BookInput) -> Result<(i32, NewAttendee), ServiceError> {
    let mut invalid = Invalid::default();
    let name = input.name.trim().to_owned();
    invalid.check(
        (1..=200).contains(&name.chars().count()),
        "/name",
        "length",
        "must be 1 to 200 characters",
    );
    invalid.check(
        crate::validate::email(&input.email, &()).is_ok(),
        "/email",
        "email",
        "must be an e-mail address",
    );
    time_zone(&mut invalid, "/time_zone", &input.time_zone);
    invalid.check(
        input.notes.chars().count() <= 10_000,
        "/notes",
        "length",
        "must be at most 10000 characters",
    );
    if let Some(key) = &input.idempotency_key {
        let ok = (1..=255).contains(&key.len()) && key.bytes().all(|b| b.is_ascii_graphic());
        invalid.check(
            ok,
            "/Idempotency-Key",
            "idempotency_key",
            "must be 1 to 255 visible ASCII characters",
        );
    }
    for (key, value) in &input.utm {
        invalid.check(
            UTM_KEYS.contains(&key.as_str()),
            &format!("/utm/{key}"),
            "unknown_field",
            "UTM fields are utm_source, utm_medium, utm_campaign, utm_term and utm_content",
        );
        invalid.check(
            value.chars().count() <= 500,
            &format!("/utm/{key}"),
            "length",
            "must be at most 500 characters",
        );
    }
    crate::answers::check(&mut invalid, &event_type.fields.questions, &input.answers);
    let duration = chosen_duration(&mut invalid, event_type, input.duration_minutes);
    invalid.finish()?;
    let duration = duration.ok_or(ServiceError::NotFound("duration"))?;
    Ok((
        duration,
        NewAttendee {
            name,
            email: input.email.trim().to_owned(),
            time_zone: input.time_zone.clone(),
            answers: input.answers.clone(),
            notes: input.notes.clone(),
            utm: input.utm.clone(),
        },
    ))
}

/// Why the engine did not offer `start`: the first rule, in the order an invitee can act on,
/// that rules it out.
fn why_not(
    event_type: &EventType,
    facts: &Facts,
    now: Timestamp,
    start: Timestamp,
    duration: i32,
) -> Unbookable {
    let f = &event_type.fields;
    if start < plus_minutes(now, f.minimum_notice_minutes) {
        return Unbookable::TooSoon;
    }
    if beyond_window(&f.booking_window, facts, now, start) {
        return Unbookable::BeyondWindow;
    }
    let full = |b: &&domain::bookings::HeldTime| {
        b.event_type_id == event_type.id && b.start_at == start && b.seats_taken >= f.seats
    };
    if f.seats > 1 && facts.bookings.iter().any(|b| full(&b)) {
        return Unbookable::Full;
    }
    let range = (start, plus_seconds(start, 1));
    let offered = |facts: &Facts, event_type: &EventType| {
        engine_request(event_type, facts, now, range, duration, None)
            .map(|r| {
                engine::compute_slots(&r)
                    .iter()
                    .any(|s| s.start.0 == seconds(start))
            })
            .unwrap_or(false)
    };
    let nothing_booked = Facts {
        blocked: Vec::new(),
        calendar_busy: Vec::new(),
        bookings: Vec::new(),
        ..facts.clone()
    };
    let mut unlimited = event_type.clone();
    unlimited.fields.max_per_day = None;
    unlimited.fields.max_per_week = None;
    unlimited.fields.booking_window = BookingWindow::Unlimited;
    if !offered(&nothing_booked, &unlimited) {
        return Unbookable::OutsideHours;
    }
    // Busy time of any kind (bookings, blocked time, calendars) still counts here; only the
    // limits are lifted.
    if !offered(facts, &unlimited) {
        return Unbookable::Taken;
    }
    Unbookable::LimitReached
}

/// Why a team cannot take `start`, by the same steps as [`why_not`]: notice and window, then
/// whether any host's hours offer it at all, then whether bookings and busy time fill it, and
/// otherwise the limits (the event type's or a host's own). A start open to the team but not
/// to the hosts a routing form named is `taken`.
fn team_why_not(
    event_type: &EventType,
    team: &TeamSetup,
    facts: &[Facts],
    now: Timestamp,
    start: Timestamp,
    (duration, exclude): (i32, Option<BookingId>),
) -> Unbookable {
    let Some(first) = facts.first() else {
        return Unbookable::Taken;
    };
    let f = &event_type.fields;
    if start < plus_minutes(now, f.minimum_notice_minutes) {
        return Unbookable::TooSoon;
    }
    if beyond_window(&f.booking_window, first, now, start) {
        return Unbookable::BeyondWindow;
    }
    let range = (start, plus_seconds(start, 1));
    let offered = |facts: &[Facts], event_type: &EventType, team: &TeamSetup| {
        team_slots(event_type, team, facts, now, range, duration, exclude)
            .map(|slots| slots.iter().any(|s| seconds(s.start) == seconds(start)))
            .unwrap_or(false)
    };
    let mut unlimited = event_type.clone();
    unlimited.fields.max_per_day = None;
    unlimited.fields.max_per_week = None;
    unlimited.fields.booking_window = BookingWindow::Unlimited;
    let mut unlimited_team = team.clone();
    for host in &mut unlimited_team.hosts {
        host.settings.max_per_day = None;
        host.settings.max_per_week = None;
    }
    let nothing_booked: Vec<Facts> = facts
        .iter()
        .map(|f| Facts {
            blocked: Vec::new(),
            calendar_busy: Vec::new(),
            bookings: Vec::new(),
            ..f.clone()
        })
        .collect();
    if !offered(&nothing_booked, &unlimited, &unlimited_team) {
        return Unbookable::OutsideHours;
    }
    if !offered(facts, &unlimited, &unlimited_team) || offered(facts, event_type, team) {
        return Unbookable::Taken;
    }
    Unbookable::LimitReached
}

/// Whether `start` lies outside the event type's booking window.
fn beyond_window(window: &BookingWindow, facts: &Facts, now: Timestamp, start: Timestamp) -> bool {
    match window {
        BookingWindow::Unlimited => false,
        BookingWindow::Rolling { days } => {
            seconds(start) >= seconds(now).saturating_add(i64::from(*days) * 86_400)
        }
        BookingWindow::Fixed {
            start: first,
            end: last,
        } => {
            let zone = facts
                .schedule
                .as_ref()
                .map_or(facts.host.time_zone.as_str(), |s| s.time_zone.as_str());
            let Ok(tz) = jiff::tz::TimeZone::get(zone) else {
                return true;
            };
            let date = start.to_jiff().to_zoned(tz).date().to_string();
            date.as_str() < first.as_str() || date.as_str() > last.as_str()
        }
    }
}

/// Where the booking happens: the chosen location of the event type (the first by default),
/// with a Jitsi room made for this booking.
fn resolve_location(event_type: &EventType, chosen: Option<usize>) -> Result<Value, ServiceError> {
    let locations = &event_type.fields.locations;
    let location = match chosen {
        None => locations.first(),
        Some(i) => Some(locations.get(i).ok_or_else(|| {
            ServiceError::field(
                "/location",
                "location",
                "the event type has no location with this index",
            )
        })?),
    };
    Ok(match location {
        None => Value::Null,
        Some(Location::Jitsi) => {
            let room: u128 = rand::random();
            json!({ "kind": "jitsi", "url": format!("https://meet.jit.si/rendezvous-{room:032x}") })
        }
        Some(other) => serde_json::to_value(other).unwrap_or(Value::Null),
    })
}

fn seats(event_type: &EventType) -> u64 {
    u64::try_from(event_type.fields.seats.max(1)).unwrap_or(1)
}

fn seconds(t: Timestamp) -> i64 {
    t.to_jiff().as_second()
}

fn plus_seconds(t: Timestamp, s: i64) -> Timestamp {
    t.to_jiff()
        .checked_add(jiff::SignedDuration::from_secs(s))
        .map_or(t, Timestamp::from)
}

fn plus_minutes(t: Timestamp, m: i32) -> Timestamp {
    plus_seconds(t, i64::from(m) * 60)
}

// ----- hosts -----

/// Whether the scope sees every booking of the organization (`bookings.read_all`); without
/// it, a user sees the bookings they host and those of the team event types they host for.
pub fn reads_everyone(scope: &Scope) -> bool {
    crate::access::reads_everything(scope)
}

/// A page of the bookings the scope may read (see [`reads_everyone`]).
pub async fn list(
    db: &Db,
    scope: &Scope,
    filter: BookingFilter,
) -> Result<Vec<Booking>, ServiceError> {
    let (_, reach) = crate::access::reaching::<can::ReadBookings>(scope)?;
    let limit = filter.limit.clamp(1, 200);
    Ok(db
        .bookings()
        .list(scope, &BookingFilter { limit, ..filter }, reach)
        .await?)
}

/// A booking and its attendees, when the scope may read it; another host's booking is 404,
/// as if it did not exist.
pub async fn get(
    db: &Db,
    scope: &Scope,
    id: BookingId,
) -> Result<(Booking, Vec<Attendee>), ServiceError> {
    let (_, reach) = crate::access::reaching::<can::ReadBookings>(scope)?;
    if !db.bookings().reaches(scope, id, reach).await? {
        return Err(ServiceError::NotFound("booking"));
    }
    Ok(db.bookings().get(scope, id).await?)
}

/// Confirms, rejects, cancels, marks a no-show or completes a booking; a no-show only once
/// it has started, a cancellation only before (see [`crate::booking_actions`]).
pub async fn transition(
    db: &Db,
    scope: &Scope,
    id: BookingId,
    next: BookingStatus,
    reason: Option<String>,
) -> Result<Booking, ServiceError> {
    if next == BookingStatus::Rescheduled || next == BookingStatus::Pending {
        return Err(ServiceError::field(
            "/status",
            "status",
            "use reschedule to move a booking",
        ));
    }
    let (booking, _) = db.bookings().get(scope, id).await?;
    let (grant, host) =
        crate::access::acting_for::<can::ManageBookings>(db, scope, Some(booking.host_user_id))
            .await?;
    let reason = checked_reason(reason)?;
    // The status is checked in the transaction; the start never changes, so it is checked here.
    if booking.status.may_become(next) {
        crate::booking_actions::check_timing(&booking, next, Timestamp::now())?;
    }
    let mut tx = db.bookings().begin_for(&grant, vec![host]).await?;
    let mut changed = tx.transition(scope.actor(), id, next, reason, None).await?;
    calendar_identity::raise_for(&mut tx, &mut changed).await?;
    booking_events::record(&mut tx, &format!("booking.{}", next.as_str()), &changed).await?;
    tx.commit().await?;
    Ok(changed)
}

/// Moves a booking to a new start that is free (the booking's own time counts as free). The
/// old booking becomes `rescheduled` and links to the new one; attendees move with their
/// manage tokens.
pub async fn reschedule(
    db: &Db,
    scope: &Scope,
    id: BookingId,
    start: Timestamp,
) -> Result<Booking, ServiceError> {
    let (booking, _) = db.bookings().get(scope, id).await?;
    let (grant, host) =
        crate::access::acting_for::<can::ManageBookings>(db, scope, Some(booking.host_user_id))
            .await?;
    let bookable = db
        .event_types()
        .bookable(scope, booking.event_type_id)
        .await?;
    let mut hosts = bookable.host_ids();
    hosts.push(host);
    let mut tx = db.bookings().begin_for(&grant, hosts).await?;
    let moved = move_booking(&mut tx, &bookable, scope.actor(), id, start).await?;
    tx.commit().await?;
    Ok(moved)
}

async fn move_booking(
    tx: &mut BookingTx,
    bookable: &Bookable,
    actor: Actor,
    id: BookingId,
    start: Timestamp,
) -> Result<Booking, ServiceError> {
    let event_type = bookable.event_type();
    let old = tx.booking(id).await?;
    if !old.status.may_become(BookingStatus::Rescheduled) {
        return Err(ServiceError::InvalidTransition {
            from: old.status.as_str(),
            to: "rescheduled",
        });
    }
    let now = Timestamp::now();
    crate::booking_actions::check_timing(&old, BookingStatus::Rescheduled, now)?;
    if start < now {
        return Err(ServiceError::field(
            "/start",
            "in_past",
            "the start is in the past",
        ));
    }
    let duration = i32::try_from((seconds(old.end_at) - seconds(old.start_at)) / 60)
        .unwrap_or(event_type.fields.duration_minutes);
    let end = plus_minutes(start, duration);
    let (calendar_root, calendar_sequence) = calendar_identity::continued(&old);
    let new = NewBooking {
        start_at: start,
        end_at: end,
        status: BookingStatus::Confirmed,
        location: old.location.clone(),
        rescheduled_from: Some(id),
        calendar_root,
        calendar_sequence,
        hosts: Vec::new(),
    };
    if let Some(team) = bookable.team() {
        let new = with_team_hosts(
            tx,
            bookable,
            team,
            new,
            duration,
            Some(id),
            &old.hosts,
            None,
        )
        .await?;
        tx.transition(actor, id, BookingStatus::Rescheduled, None, None)
            .await?;
        let moved = tx.move_to(bookable, actor, &old, new).await?;
        booking_events::follow_reschedule(tx.unit(), id, &moved).await?;
        // A team booking's move is announced like any other: before, it moved silently.
        booking_events::record(tx, "booking.rescheduled", &moved).await?;
        return Ok(moved);
    }
    let facts = host_facts(tx, bookable, start, end).await?;
    let request = engine_request(
        event_type,
        &facts,
        now,
        (start, plus_seconds(start, 1)),
        duration,
        Some(id),
    )?;
    let fresh = engine::compute_slots(&request)
        .iter()
        .any(|s| s.start.0 == seconds(start) && s.seats_left == seats(event_type));
    if !fresh {
        let without_old = Facts {
            bookings: facts
                .bookings
                .iter()
                .filter(|b| b.id != id)
                .cloned()
                .collect(),
            ..facts
        };
        return Err(ServiceError::Unavailable(why_not(
            event_type,
            &without_old,
            now,
            start,
            duration,
        )));
    }
    tx.transition(actor, id, BookingStatus::Rescheduled, None, None)
        .await?;
    let moved = tx.move_to(bookable, actor, &old, new).await?;
    booking_events::follow_reschedule(tx.unit(), id, &moved).await?;
    booking_events::record(tx, "booking.rescheduled", &moved).await?;
    Ok(moved)
}

fn checked_reason(reason: Option<String>) -> Result<Option<String>, ServiceError> {
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if reason.as_ref().is_some_and(|r| r.chars().count() > 2000) {
        return Err(ServiceError::field(
            "/reason",
            "length",
            "must be at most 2000 characters",
        ));
    }
    Ok(reason)
}

/// Keeps the attendee's manage token sealed (bound to their address), so the e-mails about
/// the booking can carry the manage link though only the token's hash checks it.
async fn keep_manage_token(
    tx: &mut BookingTx,
    keys: &Keyring,
    organization: domain::ids::OrganizationId,
    attendee: &Attendee,
    token: &ManageToken,
) -> Result<(), ServiceError> {
    let context = crate::booking_mail::manage_token_context(organization, &attendee.email);
    let sealed = keys.seal_text(context.as_bytes(), token.expose());
    Ok(tx.keep_sealed_manage_token(attendee.id, &sealed).await?)
}

// ----- attendees, through their manage token -----

/// The attendee's own view of their booking.
pub async fn for_token(db: &Db, token: &str) -> Result<(Booking, Attendee), ServiceError> {
    let handle = db.bookings().by_manage_token(token).await?;
    Ok(db.bookings().for_attendee(&handle).await?)
}

/// Cancels the attendee's seat; when it was the last one, the booking is cancelled.
pub async fn cancel_by_token(
    db: &Db,
    token: &str,
    reason: Option<String>,
    client_ip: Option<String>,
) -> Result<Booking, ServiceError> {
    let reason = checked_reason(reason)?;
    let (handle, booking) = attendee_booking(db, token).await?;
    crate::booking_actions::check_timing(&booking, BookingStatus::Cancelled, Timestamp::now())?;
    let actor = Actor::Attendee {
        attendee_id: handle.attendee_id(),
    };
    let bookable = store_bookable(db, &handle, booking.event_type_id).await?;
    let mut tx = db.bookings().begin(&bookable).await?.from_ip(client_ip);
    let after = tx.cancel_attendee(actor, &handle, reason.clone()).await?;
    let after = if after.seats_taken <= 0 {
        let mut cancelled = tx
            .transition(actor, after.id, BookingStatus::Cancelled, reason, None)
            .await?;
        calendar_identity::raise_for(&mut tx, &mut cancelled).await?;
        booking_events::record(&mut tx, "booking.cancelled", &cancelled).await?;
        cancelled
    } else {
        // Others keep the group booking: the seat given up is the change, and calendars
        // holding the event must see the attendee go, as they saw them come.
        let mut after = after;
        calendar_identity::raise(&mut tx, &mut after).await?;
        booking_events::record_invitee(&mut tx, "invitee.cancelled", &after, handle.attendee_id())
            .await?;
        after
    };
    tx.commit().await?;
    Ok(after)
}

/// Moves the attendee's booking to another free start. Only a booking the attendee has to
/// themselves can be moved; in a group booking they cancel their seat and book again.
pub async fn reschedule_by_token(
    db: &Db,
    token: &str,
    start: Timestamp,
    client_ip: Option<String>,
) -> Result<Booking, ServiceError> {
    let (handle, booking) = attendee_booking(db, token).await?;
    if booking.seats_taken > 1 {
        return Err(ServiceError::field(
            "/start",
            "group_booking",
            "a seat in a group booking cannot be moved; cancel it and book again",
        ));
    }
    let bookable = hosted(store_bookable(db, &handle, booking.event_type_id).await?)?;
    let mut tx = db.bookings().begin(&bookable).await?.from_ip(client_ip);
    let moved = move_booking(
        &mut tx,
        &bookable,
        Actor::Attendee {
            attendee_id: handle.attendee_id(),
        },
        booking.id,
        start,
    )
    .await?;
    tx.commit().await?;
    Ok(moved)
}

pub(crate) async fn attendee_booking(
    db: &Db,
    token: &str,
) -> Result<(AttendeeHandle, Booking), ServiceError> {
    let handle = db.bookings().by_manage_token(token).await?;
    let (booking, _) = db.bookings().for_attendee(&handle).await?;
    Ok((handle, booking))
}

pub(crate) async fn store_bookable(
    db: &Db,
    handle: &AttendeeHandle,
    event_type_id: EventTypeId,
) -> Result<Bookable, ServiceError> {
    let bookable = db.event_types().public(event_type_id).await?;
    if bookable.organization_id() != handle.organization_id() {
        return Err(ServiceError::NotFound("booking"));
    }
    Ok(bookable)
}
