//! Write-back: a host's confirmed booking is PUT into the calendar they chose to receive
//! bookings (UID = the booking's id, kept across reschedules), updated with SEQUENCE + 1 when
//! rescheduled, and deleted when cancelled. A 412 (someone changed the event meanwhile) is
//! retried once after a fresh GET.
//!
//! Called after the booking's transaction commits ([`booking_changed`]); the web layer runs it
//! in a spawned task so the invitee does not wait for the calendar server. Issue 8 will turn
//! this call into a durable job written in the booking's transaction, so a crash between
//! commit and write-back no longer loses it.

use calendars::{CalDav, Credentials};
use ical::write::{Event, Person, Status};
use store::Operator;
use store::repo::bookings::{Booking, BookingStatus};
use store::repo::calendars::Writeback;
use store::types::{BookingId, OrganizationId, Timestamp};
use store::{Db, can};

use crate::calendar_sync::CalendarContext;
use crate::credentials::CredentialError;

#[derive(Debug, thiserror::Error)]
pub enum WritebackError {
    #[error(transparent)]
    Store(#[from] store::Error),
    #[error(transparent)]
    Calendar(#[from] calendars::Error),
    #[error(transparent)]
    Credentials(#[from] CredentialError),
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
    let dav_for = |connection_user: store::types::UserId| {
        let mut context = organization_id.0.as_bytes().to_vec();
        context.extend_from_slice(connection_user.0.as_bytes());
        context
    };

    match booking.status {
        BookingStatus::Confirmed => {
            let Some((calendar, connection)) = repo.receiver(&scope, booking.host_user_id).await?
            else {
                return Ok(Outcome::Nothing);
            };
            let sealed = repo
                .secret(&availability_grant, connection.id)
                .await?
                .ok_or(CredentialError::Corrupt)?;
            let password = ctx.keys.open(&dav_for(connection.user_id), &sealed)?;
            let credentials = Credentials {
                username: connection.username.clone(),
                password,
            };
            let dav = CalDav::new(&ctx.http, &credentials);
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
            match existing.or(previous) {
                // Already written (this booking, or the one it was rescheduled from): replace.
                Some(row) => {
                    let sequence = if row.booking_id == booking.id {
                        row.sequence
                    } else {
                        row.sequence + 1
                    };
                    let ics = render(&booking, &row.uid, sequence, &title, &host, &people);
                    let etag = put_retrying(&dav, &row.resource, &ics, row.etag.as_deref()).await?;
                    let saved = Writeback {
                        booking_id: booking.id,
                        etag,
                        sequence,
                        ..row.clone()
                    };
                    repo.save_writeback(&bookings_grant, &saved, Some(row.booking_id))
                        .await?;
                    Ok(Outcome::Updated)
                }
                None => {
                    let uid = booking.id.to_string();
                    let resource = format!("{}/{uid}.ics", calendar.url.trim_end_matches('/'));
                    let ics = render(&booking, &uid, 0, &title, &host, &people);
                    let etag = match dav.put(&resource, &ics, None).await {
                        Ok(etag) => etag,
                        // Written before (a retry after a crash): replace it.
                        Err(calendars::Error::PreconditionFailed) => {
                            put_retrying(&dav, &resource, &ics, Some("\"unknown\"")).await?
                        }
                        Err(e) => return Err(e.into()),
                    };
                    let row = Writeback {
                        booking_id: booking.id,
                        calendar_id: calendar.id,
                        uid,
                        resource,
                        etag,
                        sequence: 0,
                    };
                    repo.save_writeback(&bookings_grant, &row, None).await?;
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
            let sealed = repo
                .secret(&availability_grant, connection.id)
                .await?
                .ok_or(CredentialError::Corrupt)?;
            let credentials = Credentials {
                username: connection.username.clone(),
                password: ctx.keys.open(&dav_for(connection.user_id), &sealed)?,
            };
            let dav = CalDav::new(&ctx.http, &credentials);
            match dav.delete(&row.resource, row.etag.as_deref()).await {
                Ok(()) => {}
                Err(calendars::Error::PreconditionFailed) => {
                    let fresh = dav.get(&row.resource).await?;
                    if let Some(fresh) = fresh {
                        dav.delete(&row.resource, fresh.etag.as_deref()).await?;
                    }
                }
                Err(e) => return Err(e.into()),
            }
            repo.remove_writeback(&bookings_grant, booking.id).await?;
            Ok(Outcome::Deleted)
        }
        // Pending bookings wait for confirmation; a rescheduled booking's event moves with
        // its successor; no-shows and completed bookings stay as they are.
        _ => Ok(Outcome::Nothing),
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

/// The booking as an iCalendar object.
pub fn render(
    booking: &Booking,
    uid: &str,
    sequence: i32,
    title: &str,
    host: &store::User,
    attendees: &[Person],
) -> String {
    let names: Vec<&str> = attendees.iter().map(|p| p.name.as_str()).collect();
    let summary = if names.is_empty() {
        title.to_owned()
    } else {
        format!("{title}: {}", names.join(", "))
    };
    let event = Event {
        uid: uid.to_owned(),
        sequence: u32::try_from(sequence).unwrap_or(0),
        stamp: Timestamp::now().to_jiff(),
        start: booking.start_at.to_jiff(),
        end: booking.end_at.to_jiff(),
        summary,
        description: String::new(),
        location: location_text(&booking.location),
        status: match booking.status {
            BookingStatus::Cancelled | BookingStatus::Rejected => Status::Cancelled,
            BookingStatus::Pending => Status::Tentative,
            _ => Status::Confirmed,
        },
        organizer: Some(Person {
            name: host.name.clone(),
            email: host.email.clone(),
        }),
        attendees: attendees.to_vec(),
    };
    ical::write::calendar(&[event], None)
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
