//! Bookings and their attendees.
//!
//! Booking is a read-check-write inside one transaction ([`BookingTx`]): read the host's
//! facts, let the engine (in `services`) decide that the slot is still free, then write. The
//! transaction is serialized per host: on SQLite every write transaction is (BEGIN
//! IMMEDIATE); on PostgreSQL it takes an advisory lock on the host. The exclusion constraint
//! (PostgreSQL) and trigger (SQLite) on `bookings` are the last line under all of it.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::types::Json;

use crate::bookable::Bookable;
use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::token::{self, ManageToken};
use crate::{Db, Error, Tx, Unit, with_pool, with_tx};
use domain::access::Actor;
use domain::access::Reach;
use domain::bookings::{
    Attendee, Booking, BookingFilter, BookingHost, BookingStatus, HeldTime, NewAttendee, NewBooking,
};
use domain::ids::{AttendeeId, BookingId, EventTypeId, OrganizationId, Timestamp, UserId};

/// The columns of [`HeldTime`] (of `bookings b`): fewer than a whole booking, as a booking
/// check reads many.
const HELD_COLUMNS: &str = "b.id, b.event_type_id, b.start_at, b.end_at, \
    b.buffer_before_minutes, b.buffer_after_minutes, b.seats_taken";

/// A [`HeldTime`] and the host whose time it holds.
#[derive(sqlx::FromRow)]
struct HostHeld {
    user_id: UserId,
    #[sqlx(flatten)]
    held: HeldTime,
}

#[derive(sqlx::FromRow)]
struct BookingRow {
    id: BookingId,
    organization_id: OrganizationId,
    event_type_id: EventTypeId,
    host_user_id: UserId,
    start_at: Timestamp,
    end_at: Timestamp,
    buffer_before_minutes: i32,
    buffer_after_minutes: i32,
    status: String,
    seats_taken: i32,
    location: Json<Value>,
    cancel_reason: Option<String>,
    rescheduled_from: Option<BookingId>,
    rescheduled_to: Option<BookingId>,
    /// NULL only in a row older than the column that its migration did not reach.
    calendar_root_id: Option<BookingId>,
    calendar_sequence: i32,
    created_at: Timestamp,
    updated_at: Timestamp,
}

const BOOKING_COLUMNS: &str = "id, organization_id, event_type_id, host_user_id, start_at, \
    end_at, buffer_before_minutes, buffer_after_minutes, status, seats_taken, location, \
    cancel_reason, rescheduled_from, rescheduled_to, calendar_root_id, calendar_sequence, \
    created_at, updated_at";

#[derive(sqlx::FromRow)]
struct AttendeeRow {
    id: AttendeeId,
    booking_id: BookingId,
    name: String,
    email: String,
    time_zone: String,
    answers: Json<BTreeMap<String, Value>>,
    notes: String,
    utm: Json<BTreeMap<String, String>>,
    status: String,
    cancel_reason: Option<String>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

const ATTENDEE_COLUMNS: &str = "id, booking_id, name, email, time_zone, answers, notes, utm, \
    status, cancel_reason, created_at, updated_at";

/// The condition that booking `b` is within the reach bound to `user` (NULL: everything):
/// `user` hosts it, or is a host of its (team) event type.
fn reached_by(user: &str) -> String {
    format!(
        "({user} IS NULL \
          OR EXISTS (SELECT 1 FROM booking_hosts rh WHERE rh.organization_id = b.organization_id \
              AND rh.booking_id = b.id AND rh.user_id = {user}) \
          OR EXISTS (SELECT 1 FROM event_type_hosts reh WHERE reh.organization_id = \
              b.organization_id AND reh.event_type_id = b.event_type_id AND reh.user_id = {user}))"
    )
}

/// An attendee's right to see and change their own booking, from their manage token.
#[derive(Clone, Debug)]
pub struct AttendeeHandle {
    organization_id: OrganizationId,
    attendee_id: AttendeeId,
}

impl AttendeeHandle {
    pub fn attendee_id(&self) -> AttendeeId {
        self.attendee_id
    }

    pub fn organization_id(&self) -> OrganizationId {
        self.organization_id
    }
}

#[derive(Debug)]
pub struct Bookings<'a> {
    pub(crate) db: &'a Db,
}

impl Bookings<'_> {
    /// Opens a booking transaction for the bookable's host. Other bookings of that host wait
    /// until it commits or rolls back.
    pub async fn begin(&self, bookable: &Bookable) -> Result<BookingTx, Error> {
        let mut tx = self.db.begin_write(bookable.organization_id).await?;
        lock_hosts(&mut tx, bookable.organization_id, bookable.host_ids()).await?;
        Ok(BookingTx {
            unit: Unit::new(tx, bookable.organization_id),
            ip: None,
        })
    }

    /// Opens a transaction that only reads, for computing slots.
    pub async fn read(&self, bookable: &Bookable) -> Result<BookingTx, Error> {
        Ok(BookingTx {
            unit: Unit::new(
                self.db.begin_read(bookable.organization_id).await?,
                bookable.organization_id,
            ),
            ip: None,
        })
    }

    /// Opens a booking transaction on behalf of a member, for changes to existing bookings
    /// of `hosts` (every host a change may book, for a reschedule).
    pub async fn begin_for(
        &self,
        grant: &Granted<can::ManageBookings>,
        hosts: Vec<UserId>,
    ) -> Result<BookingTx, Error> {
        let scope = grant.scope();
        let mut tx = self.db.begin_write(scope).await?;
        lock_hosts(&mut tx, scope.organization_id(), hosts).await?;
        Ok(BookingTx {
            unit: Unit::new(tx, scope.organization_id()),
            ip: scope.ip().map(str::to_owned),
        })
    }

    pub async fn get(
        &self,
        scope: &Scope,
        id: BookingId,
    ) -> Result<(Booking, Vec<Attendee>), Error> {
        let mut tx = self.db.begin_read(scope).await?;
        let booking = fetch_booking(&mut tx, scope.organization_id(), id).await?;
        let attendees = fetch_attendees(&mut tx, scope.organization_id(), id).await?;
        tx.commit().await?;
        Ok((booking, attendees))
    }

    /// Whether booking `id` is within `reach` (`NotFound` when there is no such booking).
    pub async fn reaches(&self, scope: &Scope, id: BookingId, reach: Reach) -> Result<bool, Error> {
        let sql = format!(
            "SELECT id FROM bookings b WHERE organization_id = $1 AND id = $2 AND {}",
            reached_by("$3")
        );
        let found: Option<(BookingId,)> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization_id()).bind(id).bind(reach.user())
                .fetch_optional(pool).await?
        });
        if found.is_some() {
            return Ok(true);
        }
        let exists: Option<(BookingId,)> = with_pool!(self.db, scope, pool => {
            sqlx::query_as("SELECT id FROM bookings WHERE organization_id = $1 AND id = $2")
                .bind(scope.organization_id()).bind(id)
                .fetch_optional(pool).await?
        });
        exists.map(|_| false).ok_or(Error::NotFound("booking"))
    }

    /// Bookings by start time, then id; `filter.after` continues a previous page. `reach`
    /// narrows them to those a user hosts or whose (team) event type they are a host of.
    pub async fn list(
        &self,
        scope: &Scope,
        filter: &BookingFilter,
        reach: Reach,
    ) -> Result<Vec<Booking>, Error> {
        let sql = format!(
            "SELECT {BOOKING_COLUMNS} FROM bookings b WHERE organization_id = $1 \
             AND ($2 IS NULL OR status = $2) \
             AND ($3 IS NULL OR end_at > $3) \
             AND ($4 IS NULL OR start_at < $4) \
             AND ($5 IS NULL OR event_type_id = $5) \
             AND ($6 IS NULL OR EXISTS (SELECT 1 FROM booking_hosts h WHERE \
                  h.organization_id = b.organization_id AND h.booking_id = b.id AND h.user_id = $6)) \
             AND ($7 IS NULL OR EXISTS (SELECT 1 FROM booking_attendees a WHERE \
                  a.organization_id = b.organization_id AND a.booking_id = b.id AND a.email = $7)) \
             AND ($8 IS NULL OR start_at {beyond} $8 OR (start_at = $8 AND id {beyond} $9)) \
             AND {reached} ORDER BY start_at {order}, id {order} LIMIT $10",
            reached = reached_by("$11"),
            beyond = if filter.newest_first { "<" } else { ">" },
            order = if filter.newest_first { "DESC" } else { "ASC" },
        );
        let (after_start, after_id) = filter
            .after
            .map_or((None, None), |(s, i)| (Some(s), Some(i)));
        let mut tx = self.db.begin_read(scope).await?;
        let rows: Vec<BookingRow> = with_tx!(&mut tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization_id())
                .bind(filter.status.map(BookingStatus::as_str))
                .bind(filter.from)
                .bind(filter.until)
                .bind(filter.event_type_id)
                .bind(filter.host_user_id)
                .bind(filter.attendee_email.as_ref().map(|e| e.to_lowercase()))
                .bind(after_start)
                .bind(after_id)
                .bind(i64::from(filter.limit))
                .bind(reach.user())
                .fetch_all(conn)
                .await?
        });
        let mut bookings = rows
            .into_iter()
            .map(Booking::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        fill_hosts(&mut tx, scope.organization_id(), &mut bookings).await?;
        tx.commit().await?;
        Ok(bookings)
    }

    /// The attendee a manage token belongs to. A wrong token is `NotFound`, like an unknown
    /// one, so tokens cannot be probed.
    pub async fn by_manage_token(&self, token: &str) -> Result<AttendeeHandle, Error> {
        let (organization_id, attendee, hash) =
            token::parse_manage(token).ok_or(Error::NotFound("booking"))?;
        let stored: Option<Vec<u8>> = with_pool!(self.db, organization_id, pool => {
            sqlx::query_scalar("SELECT manage_token_hash FROM booking_attendees WHERE organization_id = $1 AND id = $2")
                .bind(organization_id).bind(AttendeeId(attendee)).fetch_optional(pool).await?
        });
        match stored {
            Some(stored) if token::hashes_equal(&stored, &hash) => Ok(AttendeeHandle {
                organization_id,
                attendee_id: AttendeeId(attendee),
            }),
            _ => Err(Error::NotFound("booking")),
        }
    }

    /// The attendee's booking, as they may see it: the booking and their own attendee row.
    pub async fn for_attendee(
        &self,
        handle: &AttendeeHandle,
    ) -> Result<(Booking, Attendee), Error> {
        let mut tx = self.db.begin_read(handle.organization_id).await?;
        let attendee = fetch_attendee(&mut tx, handle.organization_id, handle.attendee_id).await?;
        let booking = fetch_booking(&mut tx, handle.organization_id, attendee.booking_id).await?;
        tx.commit().await?;
        Ok((booking, attendee))
    }
}

/// A transaction on one organization's bookings (see the module docs).
#[derive(Debug)]
pub struct BookingTx {
    unit: Unit,
    /// The client address the audit log records.
    ip: Option<String>,
}

impl BookingTx {
    /// Records `ip` as the client address of this transaction's changes.
    pub fn from_ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }

    /// The time `hosts` hold with their pending and confirmed bookings that overlaps
    /// `[from, until)` (buffers included), with the host whose time each holds, by start:
    /// one statement whatever the number of hosts.
    pub async fn held(
        &mut self,
        hosts: &[UserId],
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<(UserId, HeldTime)>, Error> {
        // A booking holds at most MAX_REACH of a host's time, which lets the index on the
        // start of the held time find every hold that overlaps.
        let sql = format!(
            "SELECT h.user_id, {HELD_COLUMNS} FROM booking_hosts h JOIN bookings b \
             ON b.organization_id = h.organization_id AND b.id = h.booking_id \
             WHERE h.organization_id = $1 AND h.status IN ('pending', 'confirmed') \
             AND h.blocked_from > $2 AND h.blocked_from < $3 AND h.blocked_until > $4 \
             AND h.user_id IN ({}) ORDER BY b.start_at, b.id",
            crate::repo::placeholders(5, hosts.len())
        );
        let org = self.unit.org;
        let held: Vec<HostHeld> = with_tx!(&mut self.unit.tx, conn => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(org).bind(shift(from, -MAX_REACH)).bind(until).bind(from);
            for host in hosts {
                query = query.bind(*host);
            }
            query.fetch_all(conn).await?
        });
        Ok(held.into_iter().map(|h| (h.user_id, h.held)).collect())
    }

    /// The pending and confirmed bookings of `event_type` that `hosts` host and that start
    /// in `[from, until)` (what its limits count), with the host of each, by start: one
    /// statement whatever the number of hosts.
    pub async fn held_of_event_type(
        &mut self,
        event_type: EventTypeId,
        hosts: &[UserId],
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<(UserId, HeldTime)>, Error> {
        let sql = format!(
            "SELECT h.user_id, {HELD_COLUMNS} FROM booking_hosts h JOIN bookings b \
             ON b.organization_id = h.organization_id AND b.id = h.booking_id \
             WHERE h.organization_id = $1 AND b.event_type_id = $2 \
             AND h.status IN ('pending', 'confirmed') \
             AND b.start_at >= $3 AND b.start_at < $4 AND h.user_id IN ({}) \
             ORDER BY b.start_at, b.id",
            crate::repo::placeholders(5, hosts.len())
        );
        let org = self.unit.org;
        let held: Vec<HostHeld> = with_tx!(&mut self.unit.tx, conn => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(org).bind(event_type).bind(from).bind(until);
            for host in hosts {
                query = query.bind(*host);
            }
            query.fetch_all(conn).await?
        });
        Ok(held.into_iter().map(|h| (h.user_id, h.held)).collect())
    }

    /// Writes a new booking with its first attendee. Returns the attendee's manage token,
    /// which is not kept.
    pub async fn insert(
        &mut self,
        bookable: &Bookable,
        actor: Actor,
        new: NewBooking,
        attendee: NewAttendee,
    ) -> Result<(Booking, Attendee, ManageToken), Error> {
        let booking = self.insert_booking(bookable, actor, new, 1).await?;
        let (attendee, token) = self.insert_attendee(actor, booking.id, attendee).await?;
        Ok((booking, attendee, token))
    }

    /// Writes `new` as the continuation of `old` (already marked rescheduled): its attendees
    /// move to it with their manage tokens, and `old` links to it.
    pub async fn move_to(
        &mut self,
        bookable: &Bookable,
        actor: Actor,
        old: &Booking,
        new: NewBooking,
    ) -> Result<Booking, Error> {
        let booking = self
            .insert_booking(bookable, actor, new, old.seats_taken)
            .await?;
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query("UPDATE booking_attendees SET booking_id = $3 WHERE organization_id = $1 AND booking_id = $2")
                .bind(org).bind(old.id).bind(booking.id).execute(&mut *conn).await?;
            sqlx::query("UPDATE bookings SET rescheduled_to = $3 WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(old.id).bind(booking.id).execute(conn).await?;
        });
        Ok(booking)
    }

    async fn insert_booking(
        &mut self,
        bookable: &Bookable,
        actor: Actor,
        new: NewBooking,
        seats_taken: i32,
    ) -> Result<Booking, Error> {
        let event_type = &bookable.event_type;
        let before = event_type.fields.buffer_before_minutes;
        let after = event_type.fields.buffer_after_minutes;
        let now = Timestamp::now();
        let hosts = if new.hosts.is_empty() {
            vec![BookingHost {
                user_id: event_type.owner_user_id,
                fixed: true,
                reason: "owner".to_owned(),
            }]
        } else {
            new.hosts
        };
        let id = BookingId::new();
        let booking = Booking {
            id,
            organization_id: self.unit.org,
            event_type_id: event_type.id,
            host_user_id: hosts[0].user_id,
            start_at: new.start_at,
            end_at: new.end_at,
            buffer_before_minutes: before,
            buffer_after_minutes: after,
            status: new.status,
            seats_taken,
            location: new.location,
            cancel_reason: None,
            rescheduled_from: new.rescheduled_from,
            rescheduled_to: None,
            calendar_root: new.calendar_root.unwrap_or(id),
            calendar_sequence: new.calendar_sequence,
            hosts,
            created_at: now,
            updated_at: now,
        };
        let blocked_from = shift(
            booking.start_at,
            -jiff::SignedDuration::from_mins(i64::from(before)),
        );
        let blocked_until = shift(
            booking.end_at,
            jiff::SignedDuration::from_mins(i64::from(after)),
        );
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(
                "INSERT INTO bookings (organization_id, id, event_type_id, host_user_id, start_at, \
                 end_at, buffer_before_minutes, buffer_after_minutes, blocked_from, blocked_until, \
                 status, seats_taken, location, cancel_reason, rescheduled_from, rescheduled_to, \
                 calendar_root_id, calendar_sequence, created_at, updated_at) VALUES ($1, $2, $3, \
                 $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, NULL, $14, NULL, $15, $16, $17, $17)",
            )
            .bind(booking.organization_id)
            .bind(booking.id)
            .bind(booking.event_type_id)
            .bind(booking.host_user_id)
            .bind(booking.start_at)
            .bind(booking.end_at)
            .bind(before)
            .bind(after)
            .bind(blocked_from)
            .bind(blocked_until)
            .bind(booking.status.as_str())
            .bind(booking.seats_taken)
            .bind(Json(&booking.location))
            .bind(booking.rescheduled_from)
            .bind(booking.calendar_root)
            .bind(booking.calendar_sequence)
            .bind(now)
            .execute(&mut *conn)
            .await
            .map_err(overlap_as_conflict)?;
            for host in &booking.hosts {
                sqlx::query(
                    "INSERT INTO booking_hosts (organization_id, booking_id, user_id, fixed, reason, \
                     status, blocked_from, blocked_until) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                )
                .bind(booking.organization_id)
                .bind(booking.id)
                .bind(host.user_id)
                .bind(host.fixed)
                .bind(&host.reason)
                .bind(booking.status.as_str())
                .bind(blocked_from)
                .bind(blocked_until)
                .execute(&mut *conn)
                .await
                .map_err(overlap_as_conflict)?;
            }
        });
        audit::record_at(
            &mut self.unit.tx,
            self.unit.org,
            actor,
            self.ip.as_deref(),
            Change::created("booking", booking.id.0, &booking),
        )
        .await?;
        Ok(booking)
    }

    /// Adds an attendee to a group booking that has a seat left.
    pub async fn join(
        &mut self,
        actor: Actor,
        booking_id: BookingId,
        attendee: NewAttendee,
    ) -> Result<(Booking, Attendee, ManageToken), Error> {
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query("UPDATE bookings SET seats_taken = seats_taken + 1, updated_at = $3 WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(booking_id).bind(Timestamp::now()).execute(conn).await?;
        });
        let (attendee, token) = self.insert_attendee(actor, booking_id, attendee).await?;
        let booking = fetch_booking(&mut self.unit.tx, org, booking_id).await?;
        Ok((booking, attendee, token))
    }

    async fn insert_attendee(
        &mut self,
        actor: Actor,
        booking_id: BookingId,
        new: NewAttendee,
    ) -> Result<(Attendee, ManageToken), Error> {
        let now = Timestamp::now();
        let attendee = Attendee {
            id: AttendeeId::new(),
            booking_id,
            name: new.name,
            email: new.email.to_lowercase(),
            time_zone: new.time_zone,
            answers: new.answers,
            notes: new.notes,
            utm: new.utm,
            status: "active".to_owned(),
            cancel_reason: None,
            created_at: now,
            updated_at: now,
        };
        let (token, hash) = token::mint_manage(self.unit.org, attendee.id.0);
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(
                "INSERT INTO booking_attendees (organization_id, id, booking_id, name, email, \
                 time_zone, answers, notes, utm, manage_token_hash, status, cancel_reason, \
                 created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, NULL, $12, $12)",
            )
            .bind(self.unit.org)
            .bind(attendee.id)
            .bind(booking_id)
            .bind(&attendee.name)
            .bind(&attendee.email)
            .bind(&attendee.time_zone)
            .bind(Json(&attendee.answers))
            .bind(&attendee.notes)
            .bind(Json(&attendee.utm))
            .bind(hash)
            .bind(&attendee.status)
            .bind(now)
            .execute(conn)
            .await?;
        });
        audit::record_at(
            &mut self.unit.tx,
            self.unit.org,
            actor,
            self.ip.as_deref(),
            Change::created("booking_attendee", attendee.id.0, &attendee),
        )
        .await?;
        Ok((attendee, token))
    }

    /// The booking and attendee an earlier request with this idempotency key made (within the
    /// last day), if its request was the same; `Conflict::IdempotencyKeyReused` if it differed.
    pub async fn replay(
        &mut self,
        scope_key: &str,
        key: &str,
        request: &str,
    ) -> Result<Option<(Booking, Attendee, ManageToken)>, Error> {
        let org = self.unit.org;
        let since = shift(Timestamp::now(), -jiff::SignedDuration::from_hours(24));
        let found: Option<(Vec<u8>, BookingId, AttendeeId)> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(
                "SELECT request_hash, booking_id, attendee_id FROM idempotency_keys \
                 WHERE organization_id = $1 AND scope = $2 AND key = $3 AND created_at > $4",
            )
            .bind(org).bind(scope_key).bind(key).bind(since)
            .fetch_optional(conn).await?
        });
        let Some((hash, booking_id, attendee_id)) = found else {
            return Ok(None);
        };
        if !token::hashes_equal(&hash, &token::hash_text(request)) {
            return Err(Error::Conflict(
                domain::refusals::Conflict::IdempotencyKeyReused,
            ));
        }
        let booking = fetch_booking(&mut self.unit.tx, org, booking_id).await?;
        let attendee = fetch_attendee(&mut self.unit.tx, org, attendee_id).await?;
        // Only the token's hash was kept: the retry gets a new token for the same attendee,
        // and the first one (which its client may never have seen) stops working.
        let (token, hash) = token::mint_manage(org, attendee.id.0);
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query("UPDATE booking_attendees SET manage_token_hash = $3, manage_token_sealed = NULL WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(attendee.id).bind(hash).execute(conn).await?;
        });
        Ok(Some((booking, attendee, token)))
    }

    /// Keeps the attendee's manage token sealed (`services` seals it with
    /// `messages::manage_token_context` of the attendee's address), so the e-mails sent about
    /// the booking later can carry the manage link.
    pub async fn keep_sealed_manage_token(
        &mut self,
        attendee: AttendeeId,
        sealed: &str,
    ) -> Result<(), Error> {
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query("UPDATE booking_attendees SET manage_token_sealed = $3 WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(attendee).bind(sealed).execute(conn).await?;
        });
        Ok(())
    }

    /// Marks a single-use link used by `booking`; `NotFound` if another booking used it first.
    pub async fn use_link(
        &mut self,
        link: domain::ids::LinkId,
        booking: BookingId,
    ) -> Result<(), Error> {
        let org = self.unit.org;
        let changed = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(
                "UPDATE single_use_links SET used_at = $3, booking_id = $4 \
                 WHERE organization_id = $1 AND id = $2 AND used_at IS NULL",
            )
            .bind(org).bind(link).bind(Timestamp::now()).bind(booking)
            .execute(conn).await?.rows_affected()
        });
        if changed == 0 {
            return Err(Error::NotFound("link"));
        }
        Ok(())
    }

    /// Remembers that the request with this key made this booking and attendee.
    pub async fn remember(
        &mut self,
        scope_key: &str,
        key: &str,
        request: &str,
        booking: BookingId,
        attendee: AttendeeId,
    ) -> Result<(), Error> {
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            // A key older than a day may be used again: the old entry gives way.
            sqlx::query("DELETE FROM idempotency_keys WHERE organization_id = $1 AND scope = $2 AND key = $3")
                .bind(org).bind(scope_key).bind(key).execute(&mut *conn).await?;
            sqlx::query(
                "INSERT INTO idempotency_keys (organization_id, scope, key, request_hash, booking_id, \
                 attendee_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(org).bind(scope_key).bind(key).bind(token::hash_text(request))
            .bind(booking).bind(attendee).bind(Timestamp::now())
            .execute(conn).await?;
        });
        Ok(())
    }

    pub async fn booking(&mut self, id: BookingId) -> Result<Booking, Error> {
        fetch_booking(&mut self.unit.tx, self.unit.org, id).await
    }

    pub async fn attendees(&mut self, id: BookingId) -> Result<Vec<Attendee>, Error> {
        fetch_attendees(&mut self.unit.tx, self.unit.org, id).await
    }

    pub async fn attendee(&mut self, handle: &AttendeeHandle) -> Result<Attendee, Error> {
        fetch_attendee(
            &mut self.unit.tx,
            handle.organization_id,
            handle.attendee_id,
        )
        .await
    }

    /// Moves a booking to `next`, if its state allows; `InvalidTransition` names the state it
    /// is in otherwise.
    pub async fn transition(
        &mut self,
        actor: Actor,
        id: BookingId,
        next: BookingStatus,
        reason: Option<String>,
        rescheduled_to: Option<BookingId>,
    ) -> Result<Booking, Error> {
        let old = self.booking(id).await?;
        if !old.status.may_become(next) {
            return Err(Error::InvalidTransition {
                from: old.status.as_str(),
                to: next.as_str(),
            });
        }
        let org = self.unit.org;
        let now = Timestamp::now();
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(
                "UPDATE bookings SET status = $3, cancel_reason = COALESCE($4, cancel_reason), \
                 rescheduled_to = COALESCE($5, rescheduled_to), updated_at = $6 \
                 WHERE organization_id = $1 AND id = $2",
            )
            .bind(org).bind(id).bind(next.as_str()).bind(&reason).bind(rescheduled_to).bind(now)
            .execute(conn).await.map_err(overlap_as_conflict)?;
        });
        let new = Booking {
            status: next,
            cancel_reason: reason.or(old.cancel_reason.clone()),
            rescheduled_to: rescheduled_to.or(old.rescheduled_to),
            updated_at: now,
            ..old.clone()
        };
        let action = format!("booking.{}", next.as_str());
        audit::record_at(
            &mut self.unit.tx,
            org,
            actor,
            self.ip.as_deref(),
            Change::event(
                &action,
                "booking",
                id.0,
                Some(serde_json::json!({"status": old.status})),
                Some(serde_json::json!({"status": next, "reason": new.cancel_reason})),
            ),
        )
        .await?;
        Ok(new)
    }

    /// Raises the booking's calendar SEQUENCE by one (`services` decides which changes
    /// calendars must see); answers the new SEQUENCE.
    pub async fn raise_calendar_sequence(&mut self, id: BookingId) -> Result<i32, Error> {
        let org = self.unit.org;
        let raised: Option<i32> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_scalar("UPDATE bookings SET calendar_sequence = calendar_sequence + 1 \
                WHERE organization_id = $1 AND id = $2 RETURNING calendar_sequence")
                .bind(org).bind(id).fetch_optional(conn).await?
        });
        raised.ok_or(Error::NotFound("booking"))
    }

    /// Cancels one attendee's seat; the booking keeps its other attendees.
    pub async fn cancel_attendee(
        &mut self,
        actor: Actor,
        handle: &AttendeeHandle,
        reason: Option<String>,
    ) -> Result<Booking, Error> {
        let org = self.unit.org;
        let attendee = self.attendee(handle).await?;
        if attendee.status != "active" {
            return Err(Error::InvalidTransition {
                from: "cancelled",
                to: "cancelled",
            });
        }
        let now = Timestamp::now();
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query("UPDATE booking_attendees SET status = 'cancelled', cancel_reason = $3, updated_at = $4 WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(attendee.id).bind(&reason).bind(now).execute(&mut *conn).await?;
            sqlx::query("UPDATE bookings SET seats_taken = seats_taken - 1, updated_at = $3 WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(attendee.booking_id).bind(now).execute(conn).await?;
        });
        audit::record_at(
            &mut self.unit.tx,
            org,
            actor,
            self.ip.as_deref(),
            Change::event(
                "booking_attendee.cancelled",
                "booking_attendee",
                attendee.id.0,
                None,
                Some(serde_json::json!({"reason": reason})),
            ),
        )
        .await?;
        self.booking(attendee.booking_id).await
    }

    /// The unit of work this transaction writes in, for what a use case enqueues with it.
    pub fn unit(&mut self) -> &mut Unit {
        &mut self.unit
    }

    pub async fn commit(self) -> Result<(), Error> {
        self.unit.commit().await
    }
}

/// The furthest a booking's held time reaches from its start: the longest duration plus the
/// largest buffers an event type may have (each a day; see `services::event_types`).
pub const MAX_REACH: jiff::SignedDuration = jiff::SignedDuration::from_hours(3 * 24);

fn shift(ts: Timestamp, by: jiff::SignedDuration) -> Timestamp {
    ts.to_jiff().checked_add(by).map_or(ts, Timestamp::from)
}

/// Serializes booking transactions per host on PostgreSQL (SQLite serializes all writes):
/// one advisory lock per host, taken in id order so that two transactions over overlapping
/// sets of hosts cannot wait for each other in a cycle.
async fn lock_hosts(
    tx: &mut Tx,
    organization_id: OrganizationId,
    mut hosts: Vec<UserId>,
) -> Result<(), Error> {
    if let Tx::Postgres(tx) = tx {
        hosts.sort();
        hosts.dedup();
        for host in hosts {
            sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                .bind(format!("booking-host:{}:{}", organization_id.0, host.0))
                .execute(&mut **tx)
                .await?;
        }
    }
    Ok(())
}

/// The exclusion constraint (PostgreSQL) or trigger (SQLite) that keeps a host's bookings
/// apart: a conflict on the booking's start.
fn overlap_as_conflict(e: sqlx::Error) -> Error {
    let overlap = e.as_database_error().is_some_and(|db| {
        db.code().as_deref() == Some("23P01")
            || db.message().contains("bookings_no_overlap")
            || db.message().contains("booking_hosts_no_overlap")
    });
    if overlap {
        Error::Conflict(domain::refusals::Conflict::SlotTaken)
    } else {
        Error::Database(e)
    }
}

async fn fetch_booking(tx: &mut Tx, org: OrganizationId, id: BookingId) -> Result<Booking, Error> {
    let sql =
        format!("SELECT {BOOKING_COLUMNS} FROM bookings WHERE organization_id = $1 AND id = $2");
    let row: Option<BookingRow> = with_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(id).fetch_optional(conn).await?
    });
    let mut booking = [Booking::try_from(row.ok_or(Error::NotFound("booking"))?)?];
    fill_hosts(tx, org, &mut booking).await?;
    let [booking] = booking;
    Ok(booking)
}

/// Reads the hosts of `bookings` (one statement), `host_user_id` first, then by id.
async fn fill_hosts(
    tx: &mut Tx,
    org: OrganizationId,
    bookings: &mut [Booking],
) -> Result<(), Error> {
    if bookings.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "SELECT booking_id, user_id, fixed, reason FROM booking_hosts \
         WHERE organization_id = $1 AND booking_id IN ({}) ORDER BY booking_id, user_id",
        crate::repo::placeholders(2, bookings.len())
    );
    let rows: Vec<(BookingId, UserId, bool, String)> = with_tx!(tx, conn => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org);
        for booking in bookings.iter() {
            query = query.bind(booking.id);
        }
        query.fetch_all(conn).await?
    });
    for booking in bookings.iter_mut() {
        let mut hosts: Vec<BookingHost> = rows
            .iter()
            .filter(|(id, ..)| *id == booking.id)
            .map(|(_, user_id, fixed, reason)| BookingHost {
                user_id: *user_id,
                fixed: *fixed,
                reason: reason.clone(),
            })
            .collect();
        hosts.sort_by_key(|h| h.user_id != booking.host_user_id);
        booking.hosts = hosts;
    }
    Ok(())
}

async fn fetch_attendees(
    tx: &mut Tx,
    org: OrganizationId,
    booking: BookingId,
) -> Result<Vec<Attendee>, Error> {
    let sql = format!(
        "SELECT {ATTENDEE_COLUMNS} FROM booking_attendees WHERE organization_id = $1 AND booking_id = $2 ORDER BY created_at, id"
    );
    let rows: Vec<AttendeeRow> = with_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(booking).fetch_all(conn).await?
    });
    Ok(rows.into_iter().map(Attendee::from).collect())
}

async fn fetch_attendee(
    tx: &mut Tx,
    org: OrganizationId,
    id: AttendeeId,
) -> Result<Attendee, Error> {
    let sql = format!(
        "SELECT {ATTENDEE_COLUMNS} FROM booking_attendees WHERE organization_id = $1 AND id = $2"
    );
    let row: Option<AttendeeRow> = with_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(id).fetch_optional(conn).await?
    });
    row.map(Attendee::from).ok_or(Error::NotFound("booking"))
}

impl TryFrom<BookingRow> for Booking {
    type Error = Error;
    fn try_from(r: BookingRow) -> Result<Self, Error> {
        Ok(Self {
            id: r.id,
            organization_id: r.organization_id,
            event_type_id: r.event_type_id,
            host_user_id: r.host_user_id,
            start_at: r.start_at,
            end_at: r.end_at,
            buffer_before_minutes: r.buffer_before_minutes,
            buffer_after_minutes: r.buffer_after_minutes,
            status: BookingStatus::parse(&r.status)
                .ok_or_else(|| Error::Corrupt(format!("booking status {:?}", r.status)))?,
            seats_taken: r.seats_taken,
            location: r.location.0,
            cancel_reason: r.cancel_reason,
            rescheduled_from: r.rescheduled_from,
            rescheduled_to: r.rescheduled_to,
            calendar_root: r.calendar_root_id.unwrap_or(r.id),
            calendar_sequence: r.calendar_sequence,
            hosts: Vec::new(),
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

impl From<AttendeeRow> for Attendee {
    fn from(r: AttendeeRow) -> Self {
        Self {
            id: r.id,
            booking_id: r.booking_id,
            name: r.name,
            email: r.email,
            time_zone: r.time_zone,
            answers: r.answers.0,
            notes: r.notes,
            utm: r.utm.0,
            status: r.status,
            cancel_reason: r.cancel_reason,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
