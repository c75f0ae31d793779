//! Contacts: everyone who booked a host, kept current by every booking.

use serde_json::Value;
use sqlx::types::Json;

use crate::scope::Scope;
use crate::{Db, Error, with_pool, with_tx};
use domain::access::Reach;
use domain::contacts::Contact;
use domain::ids::{ContactId, Timestamp, UserId};

#[derive(sqlx::FromRow)]
struct Row {
    id: ContactId,
    owner_user_id: UserId,
    email: String,
    name: String,
    time_zone: String,
    total_bookings: i32,
    last_booking_at: Timestamp,
    tags: Json<Vec<String>>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(Debug)]
pub struct Contacts<'a> {
    pub(crate) db: &'a Db,
}

impl Contacts<'_> {
    /// The organization's contacts, or one host's, most recent booking first.
    /// Contacts, most recent booking first: `owner`'s, or everyone's, within `reach` (the
    /// reader's own, and those who booked a team event type the reader is a host of).
    pub async fn list(
        &self,
        scope: &Scope,
        owner: Option<UserId>,
        reach: Reach,
        limit: u32,
    ) -> Result<Vec<Contact>, Error> {
        let rows: Vec<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(
                "SELECT id, owner_user_id, email, name, time_zone, total_bookings, last_booking_at, \
                 tags, created_at, updated_at FROM contacts c WHERE organization_id = $1 \
                 AND ($2 IS NULL OR owner_user_id = $2) \
                 AND ($4 IS NULL OR owner_user_id = $4 OR EXISTS ( \
                     SELECT 1 FROM bookings b \
                     JOIN booking_attendees a ON a.organization_id = b.organization_id \
                         AND a.booking_id = b.id \
                     JOIN event_type_hosts eh ON eh.organization_id = b.organization_id \
                         AND eh.event_type_id = b.event_type_id \
                     WHERE b.organization_id = c.organization_id \
                         AND b.host_user_id = c.owner_user_id \
                         AND lower(a.email) = c.email AND eh.user_id = $4)) \
                 ORDER BY last_booking_at DESC, id LIMIT $3",
            )
            .bind(scope.organization_id())
            .bind(owner)
            .bind(i64::from(limit))
            .bind(reach.user())
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(Contact::from).collect())
    }
}

/// Contacts, inside a unit of work (a booking's).
#[derive(Debug)]
pub struct ContactsTx<'u> {
    unit: &'u mut crate::Unit,
}

impl crate::Unit {
    /// Contacts, inside this unit.
    pub fn contacts(&mut self) -> ContactsTx<'_> {
        ContactsTx { unit: self }
    }
}

impl ContactsTx<'_> {
    /// Counts a booking for `owner`'s contact with this e-mail, creating the contact on its
    /// first booking. The name and zone follow the latest booking.
    pub async fn record_booking(
        &mut self,
        owner: UserId,
        email: &str,
        name: &str,
        time_zone: &str,
        booked_at: Timestamp,
    ) -> Result<(), Error> {
        let org = self.unit.org;
        let now = Timestamp::now();
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(
                "INSERT INTO contacts (organization_id, id, owner_user_id, email, name, time_zone, \
                 total_bookings, last_booking_at, tags, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 1, $7, $8, $9, $9) \
                 ON CONFLICT (organization_id, owner_user_id, email) DO UPDATE SET \
                 name = excluded.name, time_zone = excluded.time_zone, \
                 total_bookings = contacts.total_bookings + 1, \
                 last_booking_at = CASE WHEN excluded.last_booking_at > contacts.last_booking_at \
                     THEN excluded.last_booking_at ELSE contacts.last_booking_at END, \
                 updated_at = excluded.updated_at",
            )
            .bind(org)
            .bind(ContactId::new())
            .bind(owner)
            .bind(email.to_lowercase())
            .bind(name)
            .bind(time_zone)
            .bind(booked_at)
            .bind(Json(Value::Array(Vec::new())))
            .bind(now)
            .execute(conn)
            .await?;
        });
        Ok(())
    }
}

impl From<Row> for Contact {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            owner_user_id: r.owner_user_id,
            email: r.email,
            name: r.name,
            time_zone: r.time_zone,
            total_bookings: r.total_bookings,
            last_booking_at: r.last_booking_at,
            tags: r.tags.0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
