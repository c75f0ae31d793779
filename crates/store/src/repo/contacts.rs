//! Contacts: everyone who booked a host, kept current by every booking.

use serde_json::Value;
use sqlx::types::Json;

use crate::scope::Scope;
use crate::types::{ContactId, OrganizationId, Timestamp, UserId};
use crate::{Db, Error, Tx, with_pool, with_tx};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Contact {
    pub id: ContactId,
    /// The host whose contact this is.
    pub owner_user_id: UserId,
    pub email: String,
    pub name: String,
    pub time_zone: String,
    pub total_bookings: i32,
    pub last_booking_at: Timestamp,
    pub tags: Vec<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

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

#[derive(Debug)]
pub struct Contacts<'a> {
    pub(crate) db: &'a Db,
}

impl Contacts<'_> {
    /// The organization's contacts, or one host's, most recent booking first.
    pub async fn list(
        &self,
        scope: &Scope,
        owner: Option<UserId>,
        limit: u32,
    ) -> Result<Vec<Contact>, Error> {
        let rows: Vec<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(
                "SELECT id, owner_user_id, email, name, time_zone, total_bookings, last_booking_at, \
                 tags, created_at, updated_at FROM contacts WHERE organization_id = $1 \
                 AND ($2 IS NULL OR owner_user_id = $2) ORDER BY last_booking_at DESC, id LIMIT $3",
            )
            .bind(scope.organization_id())
            .bind(owner)
            .bind(i64::from(limit))
            .fetch_all(pool)
            .await?
        });
        Ok(rows.into_iter().map(Contact::from).collect())
    }
}

/// Counts a booking for the host's contact with this e-mail, creating the contact on its
/// first booking. The name and zone follow the latest booking.
pub(crate) async fn record_booking(
    tx: &mut Tx,
    org: OrganizationId,
    owner: UserId,
    email: &str,
    name: &str,
    time_zone: &str,
    booked_at: Timestamp,
) -> Result<(), Error> {
    let now = Timestamp::now();
    with_tx!(tx, conn => {
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
