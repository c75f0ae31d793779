//! Calendar connections (CalDAV accounts and ICS feeds), their calendars, the busy time
//! synced from them, the integration log, where bookings were written back, and users'
//! secret bookings feeds.
//!
//! Passwords arrive sealed ([`SealedSecret`], encrypted by `services`): the store never sees
//! them in the clear. Busy time is replaced per resource in one transaction with the sync's
//! log row, so a failed sync leaves the last good busy time in place.

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::{Operator, Scope};
use crate::token::{self, SecretToken};
use crate::{Db, Error, Tx, with_pool, with_tx};
use domain::access::{Actor, Role};
use domain::calendars::{
    CalendarEntry, CalendarSync, Connection, DueConnection, FeedBooking, FeedOwner, LogEntry,
    NewCalendar, SyncReport, Writeback,
};
use domain::ids::{
    BookingId, CalendarConnectionId, CalendarId, FeedTokenId, IntegrationLogId, OrganizationId,
    Timestamp, UserId,
};

/// Secret bookings feed URLs.
const FEED_PREFIX: &str = "rdvf_";
/// Rows per multi-row INSERT of busy periods (6 parameters each, well under both backends'
/// parameter limits).
const BUSY_BATCH: usize = 500;

const CONNECTION_COLUMNS: &str = "id, user_id, kind, name, url, username, status, last_error, \
    last_error_at, last_synced_at, created_at, updated_at";

/// A password encrypted by `services::credentials`: nonce ‖ ciphertext, and the key's id.
#[derive(Clone, PartialEq, Eq)]
pub struct SealedSecret {
    pub key_id: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for SealedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "SealedSecret({}, {} bytes)",
            self.key_id,
            self.bytes.len()
        )
    }
}

#[derive(Clone, Debug)]
pub struct NewConnection {
    pub user_id: UserId,
    pub kind: String,
    pub name: String,
    pub url: String,
    pub username: String,
    pub secret: Option<SealedSecret>,
}

const CALENDAR_COLUMNS: &str = "id, connection_id, user_id, url, display_name, color, \
    blocks_availability, receives_bookings, sync_token, etag, last_modified, full_synced_at";

#[derive(Debug)]
pub struct CalendarConnections<'a> {
    pub(crate) db: &'a Db,
}

impl CalendarConnections<'_> {
    /// A user's connections, oldest first.
    pub async fn list(&self, scope: &Scope, user_id: UserId) -> Result<Vec<Connection>, Error> {
        let sql = format!(
            "SELECT {CONNECTION_COLUMNS} FROM calendar_connections WHERE organization_id = $1 \
             AND user_id = $2 ORDER BY created_at, id"
        );
        Ok(with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).bind(user_id)
                .fetch_all(pool).await?
        }))
    }

    pub async fn get(&self, scope: &Scope, id: CalendarConnectionId) -> Result<Connection, Error> {
        let mut tx = self.db.begin_read(scope).await?;
        let found = connection_in(&mut tx, scope.organization_id(), id).await?;
        tx.commit().await?;
        found.ok_or(Error::NotFound("calendar connection"))
    }

    /// The sealed password of a connection, for the service that decrypts it to sync.
    pub async fn secret(
        &self,
        grant: &Granted<can::ManageAvailability>,
        id: CalendarConnectionId,
    ) -> Result<Option<SealedSecret>, Error> {
        let row: Option<(Option<Vec<u8>>, Option<String>)> = with_pool!(self.db, grant, pool => {
            sqlx::query_as("SELECT secret, secret_key_id FROM calendar_connections \
                WHERE organization_id = $1 AND id = $2")
                .bind(grant.scope().organization_id()).bind(id).fetch_optional(pool).await?
        });
        match row {
            None => Err(Error::NotFound("calendar connection")),
            Some((Some(bytes), Some(key_id))) => Ok(Some(SealedSecret { key_id, bytes })),
            Some(_) => Ok(None),
        }
    }

    /// The calendars of a connection, by name.
    pub async fn calendars(
        &self,
        scope: &Scope,
        connection_id: CalendarConnectionId,
    ) -> Result<Vec<CalendarEntry>, Error> {
        let sql = format!(
            "SELECT {CALENDAR_COLUMNS} FROM calendars WHERE organization_id = $1 \
             AND connection_id = $2 ORDER BY display_name, id"
        );
        Ok(with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).bind(connection_id)
                .fetch_all(pool).await?
        }))
    }

    /// Chooses whether a calendar blocks availability and whether it receives bookings (only
    /// one of a user's calendars does: choosing one un-chooses the other).
    pub async fn choose(
        &self,
        grant: &Granted<can::ManageAvailability>,
        calendar_id: CalendarId,
        blocks_availability: bool,
        receives_bookings: bool,
    ) -> Result<CalendarEntry, Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        let old = calendar_in(&mut tx, org, calendar_id)
            .await?
            .ok_or(Error::NotFound("calendar"))?;
        with_tx!(&mut tx, conn => {
            if receives_bookings {
                sqlx::query("UPDATE calendars SET receives_bookings = FALSE WHERE organization_id = $1 \
                    AND user_id = $2 AND id <> $3")
                    .bind(org).bind(old.user_id).bind(calendar_id).execute(&mut *conn).await?;
            }
            sqlx::query("UPDATE calendars SET blocks_availability = $3, receives_bookings = $4 \
                WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(calendar_id).bind(blocks_availability).bind(receives_bookings)
                .execute(&mut *conn).await?;
        });
        let new = CalendarEntry {
            blocks_availability,
            receives_bookings,
            ..old.clone()
        };
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::updated("calendar", calendar_id.0, &old, &new),
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Removes a connection with its calendars and busy time.
    pub async fn delete(
        &self,
        grant: &Granted<can::ManageAvailability>,
        id: CalendarConnectionId,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        let old = connection_in(&mut tx, org, id)
            .await?
            .ok_or(Error::NotFound("calendar connection"))?;
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM calendar_connections WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(id).execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::deleted("calendar_connection", id.0, &old),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Stores what a successful sync learned, marks the connection active and logs the sync,
    /// all in one transaction.
    pub async fn record_sync(
        &self,
        grant: &Granted<can::ManageAvailability>,
        connection_id: CalendarConnectionId,
        syncs: Vec<CalendarSync>,
        report: SyncReport,
    ) -> Result<LogEntry, Error> {
        let org = grant.scope().organization_id();
        let mut tx = self.db.begin_write(org).await?;
        let connection = connection_in(&mut tx, org, connection_id)
            .await?
            .ok_or(Error::NotFound("calendar connection"))?;
        for sync in syncs {
            apply_calendar_sync(&mut tx, org, connection.user_id, sync).await?;
        }
        let now = Timestamp::now();
        with_tx!(&mut tx, conn => {
            sqlx::query("UPDATE calendar_connections SET status = 'active', last_error = NULL, \
                last_synced_at = $3, updated_at = $3 WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(connection_id).bind(now).execute(conn).await?;
        });
        let entry = log_in(&mut tx, org, connection_id, "ok", report, now).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// Marks the connection `error` with the reason and logs the attempt. Its busy time stays
    /// as last synced: an unreachable calendar neither frees nor blocks the host.
    pub async fn record_failure(
        &self,
        grant: &Granted<can::ManageAvailability>,
        connection_id: CalendarConnectionId,
        report: SyncReport,
    ) -> Result<LogEntry, Error> {
        let org = grant.scope().organization_id();
        let now = Timestamp::now();
        let mut tx = self.db.begin_write(org).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("UPDATE calendar_connections SET status = 'error', last_error = $3, \
                last_error_at = $4, updated_at = $4 WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(connection_id).bind(&report.detail).bind(now).execute(conn).await?;
        });
        let entry = log_in(&mut tx, org, connection_id, "error", report, now).await?;
        tx.commit().await?;
        Ok(entry)
    }

    /// The latest sync attempts of a connection, newest first.
    pub async fn logs(
        &self,
        scope: &Scope,
        connection_id: CalendarConnectionId,
        limit: i64,
    ) -> Result<Vec<LogEntry>, Error> {
        Ok(with_pool!(self.db, scope, pool => {
            sqlx::query_as("SELECT id, connection_id, started_at, finished_at, outcome, mode, changed, \
                deleted, detail FROM integration_logs WHERE organization_id = $1 AND connection_id = $2 \
                ORDER BY started_at DESC, id DESC LIMIT $3")
                .bind(scope.organization_id()).bind(connection_id).bind(limit)
                .fetch_all(pool).await?
        }))
    }

    /// A user's busy periods from calendars that block availability, overlapping
    /// `[from, until)`.
    pub async fn busy(
        &self,
        scope: &Scope,
        user_id: UserId,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<(Timestamp, Timestamp)>, Error> {
        let mut tx = self.db.begin_read(scope).await?;
        let found = busy_in(&mut tx, scope.organization_id(), user_id, from, until).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Connections of every organization not synced (nor tried) since `before`: the
    /// periodic sync's work list. Operator only: it crosses tenants.
    pub async fn due(
        &self,
        _operator: &Operator,
        before: Timestamp,
        limit: i64,
    ) -> Result<Vec<DueConnection>, Error> {
        Ok(with_pool!(self.db, crate::CrossTenant::Worker, pool => {
            sqlx::query_as("SELECT organization_id, id FROM calendar_connections \
                WHERE status <> 'disconnected' \
                AND (last_synced_at IS NULL OR last_synced_at < $1) \
                AND (last_error_at IS NULL OR last_error_at < $1) \
                ORDER BY last_synced_at, id LIMIT $2")
                .bind(before).bind(limit).fetch_all(pool).await?
        }))
    }

    /// The live (not disconnected) connections of every organization, by organization:
    /// the list a worker makes sure has its sync jobs. Operator only: it crosses tenants.
    pub async fn live(&self, _operator: &Operator) -> Result<Vec<DueConnection>, Error> {
        Ok(with_pool!(self.db, crate::CrossTenant::Worker, pool => {
            sqlx::query_as("SELECT organization_id, id FROM calendar_connections \
                WHERE status <> 'disconnected' ORDER BY organization_id, id")
                .fetch_all(pool).await?
        }))
    }

    /// Replaces a connection's sealed password (re-sealed under the current key).
    pub async fn replace_secret(
        &self,
        grant: &Granted<can::ManageAvailability>,
        id: CalendarConnectionId,
        secret: SealedSecret,
    ) -> Result<(), Error> {
        let mut tx = self.db.begin_write(grant).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("UPDATE calendar_connections SET secret = $3, secret_key_id = $4, \
                updated_at = $5 WHERE organization_id = $1 AND id = $2")
                .bind(grant.scope().organization_id()).bind(id).bind(&secret.bytes)
                .bind(&secret.key_id).bind(Timestamp::now()).execute(conn).await?;
        });
        tx.commit().await?;
        Ok(())
    }

    /// Takes the lease `name` (`sync:<connection>`, `writeback:<user>`) for `holder` until
    /// `hold` from now, unless someone else holds it unexpired. `true` when taken.
    pub async fn try_lock(
        &self,
        grant: &Granted<can::ManageAvailability>,
        name: &str,
        holder: &str,
        hold: std::time::Duration,
    ) -> Result<bool, Error> {
        let now = Timestamp::now();
        let until = now.plus(jiff::SignedDuration::try_from(hold).unwrap_or_default());
        let mut tx = self.db.begin_write(grant).await?;
        let taken = with_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO calendar_locks (organization_id, name, holder, locked_until) \
                VALUES ($1, $2, $3, $4) ON CONFLICT (organization_id, name) DO UPDATE \
                SET holder = excluded.holder, locked_until = excluded.locked_until \
                WHERE calendar_locks.locked_until < $5")
                .bind(grant.scope().organization_id()).bind(name).bind(holder).bind(until).bind(now)
                .execute(conn).await?.rows_affected()
        });
        tx.commit().await?;
        Ok(taken == 1)
    }

    /// Gives back a lease `holder` took (a lease since taken over by another is left alone).
    pub async fn unlock(
        &self,
        grant: &Granted<can::ManageAvailability>,
        name: &str,
        holder: &str,
    ) -> Result<(), Error> {
        let mut tx = self.db.begin_write(grant).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM calendar_locks WHERE organization_id = $1 AND name = $2 \
                AND holder = $3")
                .bind(grant.scope().organization_id()).bind(name).bind(holder)
                .execute(conn).await?;
        });
        tx.commit().await?;
        Ok(())
    }

    /// The scope background work (periodic sync, write-back after a booking committed) acts
    /// in for one organization: the operator, with an owner's permissions.
    pub fn system_scope(&self, _operator: &Operator, organization_id: OrganizationId) -> Scope {
        Scope::new(organization_id, Actor::Operator, Role::Owner)
    }

    /// The calendar of a user that receives bookings, with its connection.
    pub async fn receiver(
        &self,
        scope: &Scope,
        user_id: UserId,
    ) -> Result<Option<(CalendarEntry, Connection)>, Error> {
        let mut tx = self.db.begin_read(scope).await?;
        let org = scope.organization_id();
        let found = match receiver_in(&mut tx, org, user_id).await? {
            Some(calendar) => connection_in(&mut tx, org, calendar.connection_id)
                .await?
                // ICS feeds are read-only.
                .filter(|c| c.kind != "ics" && c.status != "disconnected")
                .map(|c| (calendar, c)),
            None => None,
        };
        tx.commit().await?;
        Ok(found)
    }

    pub async fn calendar(&self, scope: &Scope, id: CalendarId) -> Result<CalendarEntry, Error> {
        let mut tx = self.db.begin_read(scope).await?;
        let found = calendar_in(&mut tx, scope.organization_id(), id).await?;
        tx.commit().await?;
        found.ok_or(Error::NotFound("calendar"))
    }

    /// Where a booking was written, if it was.
    pub async fn writeback(
        &self,
        scope: &Scope,
        booking_id: BookingId,
    ) -> Result<Option<Writeback>, Error> {
        Ok(with_pool!(self.db, scope, pool => {
            sqlx::query_as("SELECT booking_id, calendar_id, uid, resource, etag, sequence \
                FROM calendar_writebacks WHERE organization_id = $1 AND booking_id = $2")
                .bind(scope.organization_id()).bind(booking_id).fetch_optional(pool).await?
        }))
    }

    /// Records (or replaces) where a booking was written. `previous` is the booking it
    /// continues (a reschedule), whose row it takes over.
    pub async fn save_writeback(
        &self,
        grant: &Granted<can::ManageBookings>,
        row: &Writeback,
        previous: Option<BookingId>,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM calendar_writebacks WHERE organization_id = $1 \
                AND (booking_id = $2 OR booking_id = $3)")
                .bind(org).bind(row.booking_id).bind(previous.unwrap_or(row.booking_id))
                .execute(&mut *conn).await?;
            sqlx::query("INSERT INTO calendar_writebacks (organization_id, booking_id, calendar_id, \
                uid, resource, etag, sequence, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(org).bind(row.booking_id).bind(row.calendar_id).bind(&row.uid)
                .bind(&row.resource).bind(&row.etag).bind(row.sequence).bind(Timestamp::now())
                .execute(&mut *conn).await?;
        });
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::event(
                "booking.written_to_calendar",
                "booking",
                row.booking_id.0,
                None,
                serde_json::to_value(row).ok(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets where a booking was written (after it was deleted from the calendar).
    pub async fn remove_writeback(
        &self,
        grant: &Granted<can::ManageBookings>,
        booking_id: BookingId,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM calendar_writebacks WHERE organization_id = $1 AND booking_id = $2")
                .bind(org).bind(booking_id).execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::event(
                "booking.removed_from_calendar",
                "booking",
                booking_id.0,
                None,
                None,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Issues a user's secret bookings feed URL token, revoking any earlier one.
    pub async fn issue_feed(
        &self,
        grant: &Granted<can::ManageAvailability>,
        user_id: UserId,
    ) -> Result<SecretToken, Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let id = FeedTokenId::new();
        let (token, hash) = token::mint_prefixed(FEED_PREFIX, org, id.0);
        let now = Timestamp::now();
        let mut tx = self.db.begin_write(scope).await?;
        revoke_feeds_in(&mut tx, org, user_id, now).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("INSERT INTO calendar_feed_tokens (organization_id, id, user_id, secret_hash, \
                created_at) VALUES ($1, $2, $3, $4, $5)")
                .bind(org).bind(id).bind(user_id).bind(&hash).bind(now).execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::event("calendar_feed.issued", "user", user_id.0, None, None),
        )
        .await?;
        tx.commit().await?;
        Ok(token)
    }

    /// Revokes a user's feed URL; it answers 404 from now on.
    pub async fn revoke_feed(
        &self,
        grant: &Granted<can::ManageAvailability>,
        user_id: UserId,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        revoke_feeds_in(&mut tx, org, user_id, Timestamp::now()).await?;
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::event("calendar_feed.revoked", "user", user_id.0, None, None),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The owner of a live feed token; `None` for a wrong, unknown or revoked one.
    pub async fn feed_owner(&self, token: &str) -> Result<Option<FeedOwner>, Error> {
        let Some((org, id, hash)) = token::parse_prefixed(FEED_PREFIX, token) else {
            return Ok(None);
        };
        let row: Option<(UserId, Vec<u8>)> = with_pool!(self.db, org, pool => {
            sqlx::query_as("SELECT user_id, secret_hash FROM calendar_feed_tokens \
                WHERE organization_id = $1 AND id = $2 AND revoked_at IS NULL")
                .bind(org).bind(FeedTokenId(id)).fetch_optional(pool).await?
        });
        Ok(row
            .filter(|(_, stored)| token::hashes_equal(stored, &hash))
            .map(|(user_id, _)| FeedOwner {
                organization_id: org,
                user_id,
            }))
    }

    /// The feed owner's bookings as host that end after `from` (pending, confirmed and
    /// cancelled, so calendar apps drop cancelled ones), with their event type's title.
    pub async fn feed_bookings(
        &self,
        owner: &FeedOwner,
        from: Timestamp,
    ) -> Result<Vec<(FeedBooking, Vec<(String, String)>)>, Error> {
        let mut tx = self.db.begin_read(owner.organization_id).await?;
        let bookings: Vec<FeedBooking> = with_tx!(&mut tx, conn => {
            sqlx::query_as("SELECT b.id, b.start_at, b.end_at, b.status, e.title, b.updated_at, \
                COALESCE(b.calendar_root_id, b.id) AS calendar_root, b.calendar_sequence \
                FROM bookings b JOIN event_types e ON e.organization_id = b.organization_id \
                AND e.id = b.event_type_id WHERE b.organization_id = $1 AND b.host_user_id = $2 \
                AND b.end_at > $3 AND b.status IN ('pending', 'confirmed', 'cancelled') \
                ORDER BY b.start_at, b.id LIMIT 2000")
                .bind(owner.organization_id).bind(owner.user_id).bind(from)
                .fetch_all(&mut *conn).await?
        });
        let attendees: Vec<(BookingId, String, String)> = with_tx!(&mut tx, conn => {
            sqlx::query_as("SELECT a.booking_id, a.name, a.email FROM booking_attendees a \
                JOIN bookings b ON b.organization_id = a.organization_id AND b.id = a.booking_id \
                WHERE a.organization_id = $1 AND b.host_user_id = $2 AND b.end_at > $3 \
                AND a.status = 'active' ORDER BY a.created_at, a.id")
                .bind(owner.organization_id).bind(owner.user_id).bind(from)
                .fetch_all(&mut *conn).await?
        });
        tx.commit().await?;
        Ok(bookings
            .into_iter()
            .map(|b| {
                let people = attendees
                    .iter()
                    .filter(|(id, _, _)| *id == b.id)
                    .map(|(_, name, email)| (name.clone(), email.clone()))
                    .collect();
                (b, people)
            })
            .collect())
    }

    /// Records a started OAuth authorization for `user_id`: the state's hash (the state
    /// itself goes only to the provider and comes back on the callback) and the PKCE
    /// verifier, valid until `expires_at`. Expired states of the organization are swept.
    pub async fn start_oauth(
        &self,
        grant: &Granted<can::ManageAvailability>,
        user_id: UserId,
        provider: &str,
        verifier: &str,
        expires_at: Timestamp,
    ) -> Result<SecretToken, Error> {
        let org = grant.scope().organization_id();
        let (state, hash) = token::random_secret();
        let now = Timestamp::now();
        let mut tx = self.db.begin_write(org).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM oauth_states WHERE organization_id = $1 AND expires_at < $2")
                .bind(org).bind(now).execute(&mut *conn).await?;
            sqlx::query("INSERT INTO oauth_states (organization_id, state_hash, user_id, provider, \
                verifier, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
                .bind(org).bind(&hash).bind(user_id).bind(provider).bind(verifier).bind(now)
                .bind(expires_at).execute(conn).await?;
        });
        tx.commit().await?;
        Ok(state)
    }

    /// Uses up an OAuth state on its callback: the PKCE verifier when `state` was started by
    /// `user_id` for `provider`, unused and unexpired; otherwise why not. A state started by
    /// someone else is left for them.
    pub async fn take_oauth(
        &self,
        grant: &Granted<can::ManageAvailability>,
        user_id: UserId,
        provider: &str,
        state: &str,
    ) -> Result<Result<String, OAuthStateRefusal>, Error> {
        let org = grant.scope().organization_id();
        let hash = token::hash_text(state);
        let now = Timestamp::now();
        let mut tx = self.db.begin_write(org).await?;
        let row: Option<OAuthStateRow> = with_tx!(&mut tx, conn => {
            sqlx::query_as("SELECT user_id, provider, verifier, expires_at, used_at FROM oauth_states \
                WHERE organization_id = $1 AND state_hash = $2")
                .bind(org).bind(&hash).fetch_optional(conn).await?
        });
        let refusal = match &row {
            None => Some(OAuthStateRefusal::Unknown),
            Some(r) if r.provider != provider => Some(OAuthStateRefusal::Unknown),
            Some(r) if r.user_id != user_id => Some(OAuthStateRefusal::OtherUser),
            Some(r) if r.used_at.is_some() => Some(OAuthStateRefusal::Used),
            Some(r) if r.expires_at <= now => Some(OAuthStateRefusal::Expired),
            Some(_) => None,
        };
        let taken = match (refusal, row) {
            (Some(refusal), _) => Err(refusal),
            (None, Some(row)) => {
                // Single use even when two callbacks race: only one UPDATE finds it unused.
                let updated = with_tx!(&mut tx, conn => {
                    sqlx::query("UPDATE oauth_states SET used_at = $3 WHERE organization_id = $1 \
                        AND state_hash = $2 AND used_at IS NULL")
                        .bind(org).bind(&hash).bind(now).execute(conn).await?.rows_affected()
                });
                if updated == 1 {
                    Ok(row.verifier)
                } else {
                    Err(OAuthStateRefusal::Used)
                }
            }
            (None, None) => Err(OAuthStateRefusal::Unknown),
        };
        tx.commit().await?;
        Ok(taken)
    }
}

#[derive(sqlx::FromRow)]
struct OAuthStateRow {
    user_id: UserId,
    provider: String,
    verifier: String,
    expires_at: Timestamp,
    used_at: Option<Timestamp>,
}

/// Why an OAuth callback's `state` is refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OAuthStateRefusal {
    /// Never issued here (or for another provider, or another organization).
    Unknown,
    /// Its callback already ran.
    Used,
    /// Older than its lifetime.
    Expired,
    /// Started by another user of the organization.
    OtherUser,
}

/// Calendar connections inside a unit of work.
#[derive(Debug)]
pub struct CalendarsTx<'u> {
    unit: &'u mut crate::Unit,
}

impl crate::Unit {
    /// Calendar connections and write-backs, inside this unit.
    pub fn calendars(&mut self) -> CalendarsTx<'_> {
        CalendarsTx { unit: self }
    }
}

impl CalendarsTx<'_> {
    /// Saves a connection with its discovered calendars, in this unit (which must be the
    /// grant's organization's).
    pub async fn create(
        &mut self,
        grant: &Granted<can::ManageAvailability>,
        new: NewConnection,
        calendars: Vec<NewCalendar>,
    ) -> Result<(Connection, Vec<CalendarEntry>), Error> {
        let scope = grant.scope();
        let org = self.unit.org;
        if scope.organization_id() != org {
            return Err(Error::NotFound("organization"));
        }
        let tx = &mut self.unit.tx;
        let now = Timestamp::now();
        let connection = Connection {
            id: CalendarConnectionId::new(),
            user_id: new.user_id,
            kind: new.kind,
            name: new.name,
            url: new.url,
            username: new.username,
            status: "active".to_owned(),
            last_error: None,
            last_error_at: None,
            last_synced_at: None,
            created_at: now,
            updated_at: now,
        };
        let (key_id, bytes) = match new.secret {
            Some(s) => (Some(s.key_id), Some(s.bytes)),
            None => (None, None),
        };
        with_tx!(&mut *tx, conn => {
            sqlx::query(
                "INSERT INTO calendar_connections (organization_id, id, user_id, kind, name, url, \
                 username, secret, secret_key_id, status, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            )
            .bind(org).bind(connection.id).bind(connection.user_id).bind(&connection.kind)
            .bind(&connection.name).bind(&connection.url).bind(&connection.username)
            .bind(&bytes).bind(&key_id).bind(&connection.status).bind(now).bind(now)
            .execute(conn).await?;
        });
        let mut entries = Vec::new();
        let receiver_taken = receiver_in(tx, org, new.user_id).await?.is_some();
        for c in calendars {
            let entry = CalendarEntry {
                id: CalendarId::new(),
                connection_id: connection.id,
                user_id: connection.user_id,
                url: c.url,
                display_name: c.display_name,
                color: c.color,
                blocks_availability: c.blocks_availability,
                // Only one calendar of a user receives bookings.
                receives_bookings: c.receives_bookings
                    && !receiver_taken
                    && !entries.iter().any(|e: &CalendarEntry| e.receives_bookings),
                sync_token: None,
                etag: None,
                last_modified: None,
                full_synced_at: None,
            };
            with_tx!(&mut *tx, conn => {
                sqlx::query(
                    "INSERT INTO calendars (organization_id, id, connection_id, user_id, url, \
                     display_name, color, blocks_availability, receives_bookings, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                )
                .bind(org).bind(entry.id).bind(entry.connection_id).bind(entry.user_id)
                .bind(&entry.url).bind(&entry.display_name).bind(&entry.color)
                .bind(entry.blocks_availability).bind(entry.receives_bookings).bind(now)
                .execute(conn).await?;
            });
            entries.push(entry);
        }
        audit::record_at(
            tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::created("calendar_connection", connection.id.0, &connection),
        )
        .await?;
        Ok((connection, entries))
    }

    /// Whether `booking` touches a host calendar: its host has a calendar that receives
    /// bookings, or it (or the booking it was rescheduled from) was written to one.
    pub async fn writeback_needed(
        &mut self,
        booking: &domain::bookings::Booking,
    ) -> Result<bool, Error> {
        let org = self.unit.org;
        let previous = booking.rescheduled_from.unwrap_or(booking.id);
        let needed: Option<i32> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_scalar("SELECT 1 WHERE EXISTS (SELECT 1 FROM calendars \
                WHERE organization_id = $1 AND user_id = $2 AND receives_bookings) \
                OR EXISTS (SELECT 1 FROM calendar_writebacks WHERE organization_id = $1 \
                AND (booking_id = $3 OR booking_id = $4))")
                .bind(org).bind(booking.host_user_id).bind(booking.id).bind(previous)
                .fetch_optional(conn).await?
        });
        Ok(needed.is_some())
    }

    /// The busy periods of `users` from calendars that block availability, overlapping
    /// `[from, until)`, by user (every one of `users` has an entry), in one statement.
    /// Events we wrote ourselves are left out (see [`busy_in`]).
    pub async fn busy(
        &mut self,
        users: &[UserId],
        from: Timestamp,
        until: Timestamp,
    ) -> Result<std::collections::HashMap<UserId, Vec<(Timestamp, Timestamp)>>, Error> {
        busy_of(&mut self.unit.tx, self.unit.org, users, from, until).await
    }
}

async fn connection_in(
    tx: &mut Tx,
    org: OrganizationId,
    id: CalendarConnectionId,
) -> Result<Option<Connection>, Error> {
    let sql = format!(
        "SELECT {CONNECTION_COLUMNS} FROM calendar_connections WHERE organization_id = $1 AND id = $2"
    );
    Ok(with_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(id).fetch_optional(conn).await?
    }))
}

async fn calendar_in(
    tx: &mut Tx,
    org: OrganizationId,
    id: CalendarId,
) -> Result<Option<CalendarEntry>, Error> {
    let sql =
        format!("SELECT {CALENDAR_COLUMNS} FROM calendars WHERE organization_id = $1 AND id = $2");
    Ok(with_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(id).fetch_optional(conn).await?
    }))
}

async fn receiver_in(
    tx: &mut Tx,
    org: OrganizationId,
    user_id: UserId,
) -> Result<Option<CalendarEntry>, Error> {
    let sql = format!(
        "SELECT {CALENDAR_COLUMNS} FROM calendars WHERE organization_id = $1 AND user_id = $2 \
         AND receives_bookings"
    );
    Ok(with_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(user_id).fetch_optional(conn).await?
    }))
}

async fn revoke_feeds_in(
    tx: &mut Tx,
    org: OrganizationId,
    user_id: UserId,
    now: Timestamp,
) -> Result<(), Error> {
    with_tx!(tx, conn => {
        sqlx::query("UPDATE calendar_feed_tokens SET revoked_at = $3 WHERE organization_id = $1 \
            AND user_id = $2 AND revoked_at IS NULL")
            .bind(org).bind(user_id).bind(now).execute(conn).await?;
    });
    Ok(())
}

async fn apply_calendar_sync(
    tx: &mut Tx,
    org: OrganizationId,
    user_id: UserId,
    sync: CalendarSync,
) -> Result<(), Error> {
    let calendar = sync.calendar_id;
    with_tx!(&mut *tx, conn => {
        if sync.replace_all {
            sqlx::query("DELETE FROM calendar_busy WHERE organization_id = $1 AND calendar_id = $2")
                .bind(org).bind(calendar).execute(&mut *conn).await?;
            sqlx::query("UPDATE calendars SET full_synced_at = $3 WHERE organization_id = $1 \
                AND id = $2")
                .bind(org).bind(calendar).bind(Timestamp::now()).execute(&mut *conn).await?;
        } else {
            for resource in sync.removed.iter().chain(sync.changed.iter().map(|(r, _)| r)) {
                sqlx::query("DELETE FROM calendar_busy WHERE organization_id = $1 AND calendar_id = $2 \
                    AND resource = $3")
                    .bind(org).bind(calendar).bind(resource).execute(&mut *conn).await?;
            }
        }
    });
    let rows: Vec<(&str, Timestamp, Timestamp)> = sync
        .changed
        .iter()
        .flat_map(|(resource, periods)| {
            periods
                .iter()
                .map(move |(start, end)| (resource.as_str(), *start, *end))
        })
        .filter(|(_, start, end)| start < end)
        .collect();
    for batch in rows.chunks(BUSY_BATCH) {
        let mut sql = String::from(
            "INSERT INTO calendar_busy (organization_id, calendar_id, user_id, resource, start_at, end_at) VALUES ",
        );
        for i in 0..batch.len() {
            let p = i * 6;
            if i > 0 {
                sql.push_str(", ");
            }
            sql.push_str(&format!(
                "(${}, ${}, ${}, ${}, ${}, ${})",
                p + 1,
                p + 2,
                p + 3,
                p + 4,
                p + 5,
                p + 6
            ));
        }
        with_tx!(&mut *tx, conn => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.clone()));
            for (resource, start, end) in batch {
                query = query.bind(org).bind(calendar).bind(user_id).bind(*resource).bind(*start).bind(*end);
            }
            query.execute(&mut *conn).await?;
        });
    }
    if sync.update_validators {
        with_tx!(&mut *tx, conn => {
            sqlx::query("UPDATE calendars SET sync_token = $3, etag = $4, last_modified = $5 \
                WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(calendar).bind(&sync.sync_token).bind(&sync.etag).bind(&sync.last_modified)
                .execute(&mut *conn).await?;
        });
    }
    Ok(())
}

async fn log_in(
    tx: &mut Tx,
    org: OrganizationId,
    connection_id: CalendarConnectionId,
    outcome: &str,
    report: SyncReport,
    finished_at: Timestamp,
) -> Result<LogEntry, Error> {
    let entry = LogEntry {
        id: IntegrationLogId::new(),
        connection_id,
        started_at: report.started_at,
        finished_at,
        outcome: outcome.to_owned(),
        mode: report.mode,
        changed: report.changed,
        deleted: report.deleted,
        detail: report.detail,
    };
    with_tx!(tx, conn => {
        sqlx::query("INSERT INTO integration_logs (organization_id, id, connection_id, started_at, \
            finished_at, outcome, mode, changed, deleted, detail) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)")
            .bind(org).bind(entry.id).bind(connection_id).bind(entry.started_at).bind(finished_at)
            .bind(&entry.outcome).bind(&entry.mode).bind(entry.changed).bind(entry.deleted)
            .bind(&entry.detail).execute(conn).await?;
    });
    Ok(entry)
}

/// A user's busy periods from blocking calendars of live connections, read inside `tx`.
/// Events we wrote ourselves (a `calendar_writebacks`
/// resource) are left out: their bookings already block that time, and a moved or
/// cancelled booking must free its old time before the next sync sees the change.
async fn busy_in(
    tx: &mut Tx,
    org: OrganizationId,
    user_id: UserId,
    from: Timestamp,
    until: Timestamp,
) -> Result<Vec<(Timestamp, Timestamp)>, Error> {
    let mut busy = busy_of(tx, org, &[user_id], from, until).await?;
    Ok(busy.remove(&user_id).unwrap_or_default())
}

/// [`busy_in`] for many users with one statement, by user (a team's hosts).
async fn busy_of(
    tx: &mut Tx,
    org: OrganizationId,
    users: &[UserId],
    from: Timestamp,
    until: Timestamp,
) -> Result<std::collections::HashMap<UserId, Vec<(Timestamp, Timestamp)>>, Error> {
    let sql = format!(
        "SELECT b.user_id, b.start_at, b.end_at FROM calendar_busy b \
         JOIN calendars c ON c.organization_id = b.organization_id AND c.id = b.calendar_id \
         JOIN calendar_connections k ON k.organization_id = c.organization_id AND k.id = c.connection_id \
         WHERE b.organization_id = $1 AND b.start_at < $3 AND b.end_at > $2 \
         AND c.blocks_availability AND k.status <> 'disconnected' AND b.user_id IN ({}) \
         AND NOT EXISTS (SELECT 1 FROM calendar_writebacks w \
             WHERE w.organization_id = b.organization_id AND w.resource = b.resource) \
         ORDER BY b.start_at",
        crate::repo::placeholders(4, users.len())
    );
    let rows: Vec<(UserId, Timestamp, Timestamp)> = with_tx!(tx, conn => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(from).bind(until);
        for id in users {
            query = query.bind(*id);
        }
        query.fetch_all(conn).await?
    });
    let mut busy: std::collections::HashMap<UserId, Vec<(Timestamp, Timestamp)>> =
        users.iter().map(|u| (*u, Vec::new())).collect();
    for (user, start, end) in rows {
        busy.entry(user).or_default().push((start, end));
    }
    Ok(busy)
}
