//! What messages read (who a booking's people are, the calendar UID's sequence, the
//! organization's name) inside a unit of work, and the log of every message sent. Which
//! messages go out, and their jobs, are decided in services.

use serde::Serialize;

use crate::scope::Scope;
use crate::{Db, Error, with_pool, with_tx};
use domain::ids::{BookingId, EventTypeId, OrganizationId, Timestamp, UserId};
use domain::people::Person;

/// Booking events' fan-out and the log of what was sent.
#[derive(Debug)]
pub struct Messages<'a> {
    pub(crate) db: &'a Db,
}

impl Messages<'_> {
    /// Records a message sent (or refused for good), in a unit of its own (see
    /// [`MessagesTx::log`] to record it with other writes).
    pub async fn log(
        &self,
        organization_id: OrganizationId,
        entry: &LogEntry<'_>,
    ) -> Result<(), Error> {
        let mut unit = self.db.begin_unit(organization_id).await?;
        unit.messages().log(entry).await?;
        unit.commit().await
    }

    /// The organization's latest `limit` log rows, newest first.
    pub async fn recent_log(&self, scope: &Scope, limit: u32) -> Result<Vec<LoggedMessage>, Error> {
        const SQL: &str = "SELECT channel, event, recipient, status, provider_response, external_id \
            FROM notification_log WHERE organization_id = $1 \
            ORDER BY created_at DESC, id DESC LIMIT $2";
        Ok(with_pool!(self.db, scope, pool => {
            sqlx::query_as(SQL).bind(scope.organization_id()).bind(i64::from(limit)).fetch_all(pool).await?
        }))
    }

    /// The organization's log for one booking, oldest first.
    pub async fn log_for_booking(
        &self,
        scope: &Scope,
        booking: BookingId,
    ) -> Result<Vec<LoggedMessage>, Error> {
        const SQL: &str = "SELECT channel, event, recipient, status, provider_response, external_id \
            FROM notification_log WHERE organization_id = $1 AND booking_id = $2 \
            ORDER BY created_at, id";
        Ok(with_pool!(self.db, scope, pool => {
            sqlx::query_as(SQL).bind(scope.organization_id()).bind(booking).fetch_all(pool).await?
        }))
    }
}

/// A message to record in the notification log.
#[derive(Clone, Debug)]
pub struct LogEntry<'a> {
    /// `email` or `sms`.
    pub channel: &'a str,
    pub event: &'a str,
    pub recipient: &'a str,
    pub booking_id: Option<BookingId>,
    pub sent: bool,
    /// What the provider answered (`250 OK ...`) or the error.
    pub provider_response: &'a str,
    /// The provider's id for the message (an SMS provider's message sid).
    pub external_id: Option<&'a str>,
}

/// A row of the notification log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LoggedMessage {
    pub channel: String,
    pub event: String,
    pub recipient: String,
    pub status: String,
    pub provider_response: String,
    pub external_id: Option<String>,
}

/// What a booking's messages read, inside a unit of work.
#[derive(Debug)]
pub struct MessagesTx<'u> {
    unit: &'u mut crate::Unit,
}

impl crate::Unit {
    /// What booking messages name and number, inside this unit.
    pub fn messages(&mut self) -> MessagesTx<'_> {
        MessagesTx { unit: self }
    }
}

impl MessagesTx<'_> {
    /// Records a message sent (or refused for good) inside this unit.
    pub async fn log(&mut self, entry: &LogEntry<'_>) -> Result<(), Error> {
        const SQL: &str = "INSERT INTO notification_log (organization_id, id, channel, event, \
            recipient, booking_id, status, provider_response, external_id, created_at) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        let response: String = entry.provider_response.chars().take(2000).collect();
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(SQL)
                .bind(org).bind(uuid::Uuid::now_v7()).bind(entry.channel)
                .bind(entry.event).bind(entry.recipient).bind(entry.booking_id)
                .bind(if entry.sent { "sent" } else { "failed" }).bind(&response)
                .bind(entry.external_id).bind(Timestamp::now())
                .execute(conn).await?;
        });
        Ok(())
    }

    /// A user as messages name them.
    pub async fn person(&mut self, user: UserId) -> Result<Person, Error> {
        let org = self.unit.org;
        Ok(with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as("SELECT name, email, time_zone FROM users WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(user).fetch_one(conn).await?
        }))
    }

    /// The organization's active owners, oldest first.
    pub async fn active_owners(&mut self) -> Result<Vec<Person>, Error> {
        let org = self.unit.org;
        Ok(with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(
                "SELECT name, email, time_zone FROM users WHERE organization_id = $1 \
                 AND role = 'owner' AND status = 'active' AND deleted_at IS NULL ORDER BY created_at, id",
            )
            .bind(org).fetch_all(conn).await?
        }))
    }

    /// A user's phone number, if they gave one.
    pub async fn phone_of(&mut self, user: UserId) -> Result<Option<String>, Error> {
        let org = self.unit.org;
        let phone: Option<Option<String>> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_scalar("SELECT phone FROM users WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(user).fetch_optional(conn).await?
        });
        Ok(phone.flatten())
    }

    /// An event type's title.
    pub async fn event_type_title(&mut self, event_type: EventTypeId) -> Result<String, Error> {
        let org = self.unit.org;
        let (title,): (String,) = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as("SELECT title FROM event_types WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(event_type).fetch_one(conn).await?
        });
        Ok(title)
    }

    /// The organization's name.
    pub async fn organization_name(&mut self) -> Result<String, Error> {
        let org = self.unit.org;
        let (name,): (String,) = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as("SELECT name FROM organizations WHERE id = $1").bind(org).fetch_one(conn).await?
        });
        Ok(name)
    }

    /// A booking's attendees in the order they booked: its active seats, or everyone who was
    /// ever on it when `with_cancelled`.
    pub async fn attendees(
        &mut self,
        booking: BookingId,
        with_cancelled: bool,
    ) -> Result<Vec<Person>, Error> {
        let org = self.unit.org;
        Ok(with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(
                "SELECT name, email, time_zone FROM booking_attendees \
                 WHERE organization_id = $1 AND booking_id = $2 AND (status = 'active' OR $3) \
                 ORDER BY created_at, id",
            )
            .bind(org).bind(booking).bind(with_cancelled)
            .fetch_all(conn).await?
        }))
    }

    /// The active attendees' sealed manage tokens, by address.
    pub async fn sealed_manage_tokens(
        &mut self,
        booking: BookingId,
    ) -> Result<Vec<(String, String)>, Error> {
        let org = self.unit.org;
        Ok(with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(
                "SELECT email, manage_token_sealed FROM booking_attendees \
                 WHERE organization_id = $1 AND booking_id = $2 AND status = 'active' \
                 AND manage_token_sealed IS NOT NULL",
            )
            .bind(org).bind(booking)
            .fetch_all(conn).await?
        }))
    }
}
