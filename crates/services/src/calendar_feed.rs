//! Feeds out: a secret, revocable ICS URL per user with the bookings they host, for calendar
//! apps that subscribe to URLs. The token in the URL is the only credential; issuing a new
//! one revokes the old.

use domain::bookings::BookingStatus;
use domain::calendars::FeedBooking;
use domain::ids::{Timestamp, UserId};
use ical::write::{Calendar, Participation, Person};
use store::{Db, Scope, SecretToken, can};

use crate::ServiceError;
use crate::calendar_identity::{CalendarIdentity, status_in_calendars};

/// Issues (or replaces) the user's feed token.
pub async fn issue(
    db: &Db,
    scope: &Scope,
    user_id: Option<UserId>,
) -> Result<SecretToken, ServiceError> {
    let (grant, user_id) =
        crate::access::acting_for::<can::ManageAvailability>(db, scope, user_id).await?;
    Ok(db
        .calendar_connections()
        .issue_feed(&grant, user_id)
        .await?)
}

/// Revokes the user's feed token.
pub async fn revoke(db: &Db, scope: &Scope, user_id: Option<UserId>) -> Result<(), ServiceError> {
    let (grant, user_id) =
        crate::access::acting_for::<can::ManageAvailability>(db, scope, user_id).await?;
    Ok(db
        .calendar_connections()
        .revoke_feed(&grant, user_id)
        .await?)
}

/// The feed's iCalendar text: bookings that end after 30 days ago. 404 for a wrong or revoked
/// token.
pub async fn render(db: &Db, token: &str) -> Result<String, ServiceError> {
    let owner = db
        .calendar_connections()
        .feed_owner(token)
        .await?
        .ok_or(ServiceError::NotFound("feed"))?;
    let since = Timestamp::now().plus(-jiff::SignedDuration::from_hours(24 * 30));
    let bookings = db
        .calendar_connections()
        .feed_bookings(&owner, since)
        .await?;
    Ok(write(bookings))
}

/// The bookings as one calendar, each with its calendar identity (the UID and SEQUENCE the
/// e-mails and the write-back carry) and status.
fn write(bookings: Vec<(FeedBooking, Vec<(String, String)>)>) -> String {
    let mut calendar = Calendar::new().gregorian().name("Rendezvous bookings");
    for (b, people) in bookings {
        let names: Vec<&str> = people.iter().map(|(n, _)| n.as_str()).collect();
        let summary = if names.is_empty() {
            b.title.clone()
        } else {
            format!("{}: {}", b.title, names.join(", "))
        };
        let status = status_in_calendars(
            BookingStatus::parse(&b.status).unwrap_or(BookingStatus::Confirmed),
        );
        let identity = CalendarIdentity::stored(b.calendar_root, b.calendar_sequence);
        calendar = calendar.event(|event| {
            event
                .uid(&identity.uid)
                .stamp(b.updated_at.to_jiff())
                .start(b.start_at.to_jiff())
                .end(b.end_at.to_jiff())
                .sequence(identity.sequence)
                .summary(&summary)
                .status(status)
                .opaque();
            for (name, email) in people {
                event.attendee(&Person { name, email }, Participation::Accepted, None);
            }
        });
    }
    calendar.finish()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use domain::ids::BookingId;

    fn at(text: &str) -> Timestamp {
        Timestamp::from(text.parse::<jiff::Timestamp>().unwrap())
    }

    fn booking(id: &str, status: &str, calendar_sequence: i32) -> FeedBooking {
        let id = id.parse::<BookingId>().unwrap();
        FeedBooking {
            id,
            calendar_root: id,
            calendar_sequence,
            start_at: at("2026-12-01T14:00:00Z"),
            end_at: at("2026-12-01T14:30:00Z"),
            status: status.to_owned(),
            title: "Intro call".to_owned(),
            updated_at: at("2026-11-23T10:00:00Z"),
        }
    }

    #[test]
    fn the_feed_as_written() {
        let ada = (
            "Ada \"the\" Lovelace".to_owned(),
            "ada@example.com".to_owned(),
        );
        let bob = ("Bob, Jr.".to_owned(), "bob@example.com".to_owned());
        let text = write(vec![
            (
                booking("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", "confirmed", 1),
                vec![ada, bob],
            ),
            (
                booking("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c", "pending", 0),
                vec![],
            ),
            (
                booking("0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5d", "cancelled", 2),
                vec![],
            ),
        ]);
        insta::assert_snapshot!(text.replace("\r\n", "⏎\n"));
    }
}
