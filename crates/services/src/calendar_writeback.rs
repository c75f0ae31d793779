//! Write-back: a host's confirmed booking is written into the calendar they chose to
//! receive bookings, updated when rescheduled, and deleted when cancelled. Runs as the
//! durable `calendar.writeback` job ([`crate::calendar_jobs`]), queued in the booking's
//! transaction.
//!
//! The event carries the booking's calendar identity ([`crate::calendar_identity`]): the UID
//! every other channel uses (kept across reschedules) and the booking's SEQUENCE, the same
//! as the e-mails about the same change. An event already written keeps the UID it was first
//! written with (events written before that identity existed carry the bare booking id).
//!
//! - CalDAV: PUT with that UID to `<root id>.ics`; a 412 (someone changed the event
//!   meanwhile) is retried once after a fresh GET.
//! - Google: `events.insert` with `iCalUID` = the UID, `events.update` with the booking's
//!   SEQUENCE, `events.delete`; before inserting, `events.list?iCalUID=` finds an event a
//!   retried job (or the host's mail client, from the invitation) already made.
//! - Microsoft Graph: `POST /me/calendars/{id}/events` with `transactionId` = the UID
//!   (Graph's idempotency key), `PATCH` and `DELETE /me/events/{id}`.
//!
//! `calendar_writebacks` keeps where each booking went: the CalDAV resource URL or the
//! provider's event id. Sync reports provider events under those same ids, which is how our
//! own events are left out of busy time (see `store::repo::calendars::busy_of`).

use calendars::providers::OutgoingEvent;
use calendars::{CalDav, Credentials};
use domain::bookings::{Booking, BookingStatus};
use domain::calendars::{CalendarEntry, Connection, Writeback};
use domain::ids::{BookingId, OrganizationId, Timestamp};
use ical::write::{Calendar, Participation, Person};
use store::Operator;
use store::{Db, Granted, can};

use crate::ServiceError;
use crate::calendar_context::{CalendarContext, context_of};
use crate::calendar_identity::{CalendarIdentity, status_in_calendars};
use crate::credentials::CredentialError;
use crate::oauth_calendars::ProviderWriter;

#[derive(Debug, thiserror::Error)]
pub enum WritebackError {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Service(#[from] ServiceError),
    #[error(transparent)]
    Calendar(#[from] calendars::Error),
    #[error(transparent)]
    Credentials(#[from] CredentialError),
    /// The provider (or the connection's tokens) failed; the reason is user-presentable.
    #[error("{0}")]
    Provider(String),
    #[error("a {0} connection cannot receive bookings")]
    ReadOnly(String),
}

/// What the write-back did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The host has no calendar that receives bookings, or nothing was ever written.
    Nothing,
    Created,
    Updated,
    Deleted,
}

/// What a written-back event says, whatever the calendar.
#[derive(Clone, Debug)]
pub struct Content {
    pub summary: String,
    pub description: String,
    pub location: String,
    pub start: Timestamp,
    pub end: Timestamp,
    pub status: BookingStatus,
    /// The host's IANA zone.
    pub time_zone: String,
    pub organizer: Person,
    pub attendees: Vec<Person>,
}

/// Brings the host's calendar in line with the booking's current state.
pub async fn booking_changed(
    db: &Db,
    ctx: &CalendarContext,
    organization_id: OrganizationId,
    booking_id: BookingId,
) -> Result<Outcome, WritebackError> {
    let operator = Operator::local();
    let scope = db
        .calendar_connections()
        .system_scope(&operator, organization_id);
    let (Some(bookings_grant), Some(availability_grant)) = (
        scope.grant::<can::ManageBookings>(),
        scope.grant::<can::ManageAvailability>(),
    ) else {
        return Ok(Outcome::Nothing);
    };
    let repo = db.calendar_connections();
    let (booking, attendees) = db.bookings().get(&scope, booking_id).await?;
    let existing = repo.writeback(&scope, booking_id).await?;
    let previous = match (&existing, booking.rescheduled_from) {
        (None, Some(from)) => repo.writeback(&scope, from).await?,
        _ => None,
    };

    match booking.status {
        BookingStatus::Confirmed => {
            let Some((receiver, receiver_connection)) =
                repo.receiver(&scope, booking.host_user_id).await?
            else {
                return Ok(Outcome::Nothing);
            };
            let host = db.users().get(&scope, booking.host_user_id).await?;
            let title = db
                .event_types()
                .get(&scope, booking.event_type_id)
                .await
                .map(|e| e.fields.title)
                .unwrap_or_else(|_| "Booking".to_owned());
            let people: Vec<Person> = attendees
                .iter()
                .filter(|a| a.status == "active")
                .map(|a| Person {
                    name: a.name.clone(),
                    email: a.email.clone(),
                })
                .collect();
            let content = content(&booking, &title, &host, people, ctx.public_url.as_deref());
            let identity = CalendarIdentity::of(&booking);
            // Already written (this booking, or the one it was rescheduled from): replace it
            // where it is, which may not be today's receiving calendar. Its calendar may be
            // gone (disconnected): then it is written afresh.
            let old_row = existing.or(previous);
            let written_before = match &old_row {
                Some(row) => located(db, &scope, row)
                    .await?
                    .map(|place| (row.clone(), place)),
                None => None,
            };
            match written_before {
                Some((row, (calendar, connection))) => {
                    // The UID it was first written with; the booking's SEQUENCE, never below
                    // one the event already had (rows older than the booking's counter).
                    let kept = CalendarIdentity {
                        uid: row.uid.clone(),
                        sequence: identity
                            .sequence
                            .max(u32::try_from(row.sequence).unwrap_or(0)),
                    };
                    let (resource, etag) = write(
                        db,
                        ctx,
                        &availability_grant,
                        (&calendar, &connection),
                        Some(&row),
                        (&kept, booking.calendar_root),
                        &content,
                    )
                    .await?;
                    let saved = Writeback {
                        booking_id: booking.id,
                        resource,
                        etag,
                        sequence: i32::try_from(kept.sequence).unwrap_or(i32::MAX),
                        ..row.clone()
                    };
                    repo.save_writeback(&bookings_grant, &saved, Some(row.booking_id))
                        .await?;
                    Ok(Outcome::Updated)
                }
                None => {
                    let (resource, etag) = write(
                        db,
                        ctx,
                        &availability_grant,
                        (&receiver, &receiver_connection),
                        None,
                        (&identity, booking.calendar_root),
                        &content,
                    )
                    .await?;
                    let row = Writeback {
                        booking_id: booking.id,
                        calendar_id: receiver.id,
                        uid: identity.uid.clone(),
                        resource,
                        etag,
                        sequence: booking.calendar_sequence,
                    };
                    // A row left for a calendar that is gone is replaced by this one.
                    let stale = old_row.map(|r| r.booking_id);
                    repo.save_writeback(&bookings_grant, &row, stale).await?;
                    Ok(Outcome::Created)
                }
            }
        }
        BookingStatus::Cancelled | BookingStatus::Rejected => {
            let Some(row) = existing else {
                return Ok(Outcome::Nothing);
            };
            let calendar = repo.calendar(&scope, row.calendar_id).await?;
            let connection = repo.get(&scope, calendar.connection_id).await?;
            remove(db, ctx, &availability_grant, (&calendar, &connection), &row).await?;
            repo.remove_writeback(&bookings_grant, booking.id).await?;
            Ok(Outcome::Deleted)
        }
        // Pending bookings wait for confirmation; a rescheduled booking's event moves with
        // its successor; no-shows and completed bookings stay as they are.
        _ => Ok(Outcome::Nothing),
    }
}

/// The calendar a written-back event is in, with its connection; `None` when it is gone.
async fn located(
    db: &Db,
    scope: &store::Scope,
    row: &Writeback,
) -> Result<Option<(CalendarEntry, Connection)>, WritebackError> {
    let repo = db.calendar_connections();
    let calendar = match repo.calendar(scope, row.calendar_id).await {
        Ok(calendar) => calendar,
        Err(store::Error::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let connection = repo.get(scope, calendar.connection_id).await?;
    Ok((connection.status != "disconnected").then_some((calendar, connection)))
}

/// Writes the booking's event, as `identity` (with `root`, the booking that names its new
/// CalDAV resource), into `calendar` (replacing `existing` when it was written before);
/// answers where it now is (resource URL or provider event id) and its ETag.
async fn write(
    db: &Db,
    ctx: &CalendarContext,
    grant: &Granted<can::ManageAvailability>,
    (calendar, connection): (&CalendarEntry, &Connection),
    existing: Option<&Writeback>,
    (identity, root): (&CalendarIdentity, BookingId),
    content: &Content,
) -> Result<(String, Option<String>), WritebackError> {
    match connection.kind.as_str() {
        "caldav" => {
            let dav = open_caldav(db, ctx, grant, connection).await?;
            let dav = dav.client(&ctx.http);
            let ics = render(identity, content, Timestamp::now());
            match existing {
                Some(row) => {
                    let etag = put_retrying(&dav, &row.resource, &ics, row.etag.as_deref()).await?;
                    Ok((row.resource.clone(), etag))
                }
                None => {
                    let resource = format!("{}/{root}.ics", calendar.url.trim_end_matches('/'));
                    let etag = match dav.put(&resource, &ics, None).await {
                        Ok(etag) => etag,
                        // Written before (a retry after a crash): replace it.
                        Err(calendars::Error::PreconditionFailed) => {
                            put_retrying(&dav, &resource, &ics, Some("\"unknown\"")).await?
                        }
                        Err(e) => return Err(e.into()),
                    };
                    Ok((resource, etag))
                }
            }
        }
        "google" | "microsoft" => {
            let mut writer = provider(ProviderWriter::open(db, ctx, grant, connection).await)?;
            let event = OutgoingEvent {
                uid: identity.uid.clone(),
                sequence: identity.sequence,
                summary: content.summary.clone(),
                description: content.description.clone(),
                location: content.location.clone(),
                start: content.start.to_jiff(),
                end: content.end.to_jiff(),
                time_zone: content.time_zone.clone(),
            };
            let existing_id = existing.map(|row| row.resource.as_str());
            let written = provider(writer.write(&calendar.url, existing_id, &event).await)?;
            Ok((written.id, written.etag))
        }
        other => Err(WritebackError::ReadOnly(other.to_owned())),
    }
}

/// Deletes the booking's event from `calendar`; one already gone counts as deleted.
async fn remove(
    db: &Db,
    ctx: &CalendarContext,
    grant: &Granted<can::ManageAvailability>,
    (calendar, connection): (&CalendarEntry, &Connection),
    row: &Writeback,
) -> Result<(), WritebackError> {
    match connection.kind.as_str() {
        "caldav" => {
            let dav = open_caldav(db, ctx, grant, connection).await?;
            let dav = dav.client(&ctx.http);
            match dav.delete(&row.resource, row.etag.as_deref()).await {
                Ok(()) => Ok(()),
                Err(calendars::Error::PreconditionFailed) => {
                    if let Some(fresh) = dav.get(&row.resource).await? {
                        dav.delete(&row.resource, fresh.etag.as_deref()).await?;
                    }
                    Ok(())
                }
                Err(e) => Err(e.into()),
            }
        }
        "google" | "microsoft" => {
            let mut writer = provider(ProviderWriter::open(db, ctx, grant, connection).await)?;
            provider(writer.remove(&calendar.url, &row.resource).await)
        }
        other => Err(WritebackError::ReadOnly(other.to_owned())),
    }
}

/// A provider attempt's calendar-side failure as this module's error.
fn provider<T>(attempt: crate::oauth_calendars::Attempt<T>) -> Result<T, WritebackError> {
    attempt?.map_err(|failure| WritebackError::Provider(failure.into_reason()))
}

/// A CalDAV connection's credentials, opened.
struct OpenedDav(Credentials);

impl OpenedDav {
    fn client<'a>(&'a self, http: &'a outbound::Client) -> CalDav<'a> {
        CalDav::new(http, &self.0)
    }
}

async fn open_caldav(
    db: &Db,
    ctx: &CalendarContext,
    grant: &Granted<can::ManageAvailability>,
    connection: &Connection,
) -> Result<OpenedDav, WritebackError> {
    let sealed = db
        .calendar_connections()
        .secret(grant, connection.id)
        .await?
        .ok_or(CredentialError::Corrupt)?;
    let context = context_of(grant.scope().organization_id(), connection.user_id);
    Ok(OpenedDav(Credentials {
        username: connection.username.clone(),
        password: ctx.keys.open(&context, &sealed)?,
    }))
}

/// What the host's calendar shows for `booking`: the event type and the invitees' names as
/// the summary; the invitees and, with `public_url`, the booking's link in the dashboard as
/// the description; the location's one line.
pub fn content(
    booking: &Booking,
    title: &str,
    host: &domain::users::User,
    attendees: Vec<Person>,
    public_url: Option<&str>,
) -> Content {
    let names: Vec<&str> = attendees.iter().map(|p| p.name.as_str()).collect();
    let summary = if names.is_empty() {
        title.to_owned()
    } else {
        format!("{title}: {}", names.join(", "))
    };
    let mut lines: Vec<String> = attendees
        .iter()
        .map(|p| format!("Invitee: {} <{}>", p.name, p.email))
        .collect();
    if let Some(base) = public_url {
        if !lines.is_empty() {
            lines.push(String::new());
        }
        lines.push(format!(
            "Manage this booking: {}/dashboard/bookings/{}/reschedule",
            base.trim_end_matches('/'),
            booking.id
        ));
    }
    Content {
        summary,
        description: lines.join("\n"),
        location: location_text(&booking.location),
        start: booking.start_at,
        end: booking.end_at,
        status: booking.status,
        time_zone: host.time_zone.clone(),
        organizer: Person {
            name: host.name.clone(),
            email: host.email.clone(),
        },
        attendees,
    }
}

/// PUT with `If-Match`; on 412, GET the current ETag and try once more.
async fn put_retrying(
    dav: &CalDav<'_>,
    url: &str,
    ics: &str,
    etag: Option<&str>,
) -> Result<Option<String>, calendars::Error> {
    match dav.put(url, ics, etag.or(Some("*"))).await {
        Err(calendars::Error::PreconditionFailed) => {
            let fresh = dav.get(url).await?;
            let fresh_etag = fresh.and_then(|r| r.etag);
            match fresh_etag {
                Some(tag) => dav.put(url, ics, Some(&tag)).await,
                // Deleted meanwhile: create it again.
                None => dav.put(url, ics, None).await,
            }
        }
        other => other,
    }
}

/// The booking as an iCalendar object with `identity`, made at `stamp`.
pub fn render(identity: &CalendarIdentity, content: &Content, stamp: Timestamp) -> String {
    Calendar::new()
        .gregorian()
        .event(|event| {
            event
                .uid(&identity.uid)
                .stamp(stamp.to_jiff())
                .start(content.start.to_jiff())
                .end(content.end.to_jiff())
                .sequence(identity.sequence)
                .summary(&content.summary);
            if !content.description.is_empty() {
                event.description(&content.description);
            }
            if !content.location.is_empty() {
                event.location(&content.location);
            }
            event
                .status(status_in_calendars(content.status))
                .opaque()
                .organizer(&content.organizer);
            for attendee in &content.attendees {
                event.attendee(attendee, Participation::Accepted, None);
            }
        })
        .finish()
}

/// A booking's resolved location as one line of text.
pub(crate) fn location_text(location: &serde_json::Value) -> String {
    match location {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(map) => ["url", "link", "address", "phone", "value", "kind"]
            .iter()
            .find_map(|k| map.get(*k).and_then(|v| v.as_str()))
            .unwrap_or_default()
            .to_owned(),
        _ => String::new(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn at(text: &str) -> Timestamp {
        Timestamp::from(text.parse::<jiff::Timestamp>().unwrap())
    }

    #[test]
    fn the_event_as_written() {
        let ada = Person {
            name: "Ada \"the\" Lovelace".to_owned(),
            email: "ada@example.com".to_owned(),
        };
        let content = Content {
            summary: "Intro call: Ada \"the\" Lovelace".to_owned(),
            description: "Invitee: Ada \"the\" Lovelace <ada@example.com>\n\nManage this \
                booking: https://book.example.com/dashboard/bookings/0193a1b2/reschedule"
                .to_owned(),
            location: "https://meet.example/abc; room 2".to_owned(),
            start: at("2026-12-01T14:00:00Z"),
            end: at("2026-12-01T14:30:00Z"),
            status: BookingStatus::Confirmed,
            time_zone: "Europe/Berlin".to_owned(),
            organizer: Person {
                name: "Olive Owner".to_owned(),
                email: "owner@acme.example".to_owned(),
            },
            attendees: vec![ada],
        };
        let identity = |sequence| CalendarIdentity {
            uid: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b@rendezvous".to_owned(),
            sequence,
        };
        let text = render(&identity(1), &content, at("2026-11-23T10:00:00Z"));
        insta::assert_snapshot!(text.replace("\r\n", "⏎\n"));
        let bare = Content {
            description: String::new(),
            location: String::new(),
            status: BookingStatus::Pending,
            ..content
        };
        let text = render(&identity(0), &bare, at("2026-11-23T10:00:00Z"));
        insta::assert_snapshot!("bare", text.replace("\r\n", "⏎\n"));
    }
}
