//! The durable job queue's SQL: enqueue inside the caller's transaction, claim with a lease,
//! finish, retry, bury.
//!
//! A claim sets `state = 'running'`, bumps `attempts` and moves `run_at` to the end of the
//! lease, so one index range (`state IN ('pending', 'running') AND run_at <= now`) finds both
//! the jobs that are due and the ones whose worker died. Every later write about a claimed
//! job names the claim (`locked_by` and `attempts`): a worker whose lease expired and whose
//! job was claimed again cannot finish or fail it any more.
//!
//! On PostgreSQL the claim is `FOR UPDATE SKIP LOCKED`, so several processes claim disjoint
//! rows without waiting on each other; on SQLite the write transaction is the single writer.

use serde_json::Value;
use sqlx::types::Json;

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, Tx, Unit, with_pool, with_tx};
use domain::access::{Actor, Role};
use domain::ids::{BookingId, JobId, OrganizationId, Timestamp};

/// Work to queue.
#[derive(Clone, Debug)]
pub struct NewJob {
    /// What to do; the worker picks the handler by this name (`webhook.deliver`).
    pub kind: String,
    pub payload: Value,
    /// Not before this instant.
    pub run_at: Timestamp,
    /// Claims allowed before the job is buried as dead.
    pub max_attempts: i32,
    /// At most one job per organization, kind and key; enqueueing it again does nothing.
    pub idempotency_key: Option<String>,
    /// The booking the job is about, so moving or cancelling the booking reaches it.
    pub booking_id: Option<BookingId>,
}

impl NewJob {
    /// A job due now, with the default number of attempts.
    pub fn now(kind: impl Into<String>, payload: Value) -> Self {
        Self {
            kind: kind.into(),
            payload,
            run_at: Timestamp::now(),
            max_attempts: 10,
            idempotency_key: None,
            booking_id: None,
        }
    }
}

/// The job kind that turns a booking event into its messages and webhook deliveries.
pub const BOOKING_EVENT_JOB: &str = "booking.event";

/// The job kind that reminds a booking's attendees before it starts, [`REMINDER_LEAD`]
/// ahead. It sends the `booking.reminder` message.
pub const REMINDER_JOB: &str = "booking.reminder";

/// The job kind that reminds a booking's host before it starts, at the host's own lead time
/// (notification preferences; [`REMINDER_LEAD`] by default). It sends the
/// `booking.reminder` message to the host alone.
pub const HOST_REMINDER_JOB: &str = "booking.host_reminder";

/// A booking's scheduled job kinds.
pub const SCHEDULED_JOBS: [&str; 3] = [REMINDER_JOB, HOST_REMINDER_JOB, FOLLOW_UP_JOB];

/// The job kind that thanks the attendees after a booking ended.
pub const FOLLOW_UP_JOB: &str = "booking.follow_up";

/// A booking's job still waiting to run (see [`QueueTx::pending`]).
#[derive(Clone, Debug)]
pub struct PendingJob {
    pub id: JobId,
    pub kind: String,
    pub payload: Value,
    pub run_at: Timestamp,
}

/// The job queue inside a unit of work: what a use case enqueues commits with the change
/// that caused it, or not at all.
#[derive(Debug)]
pub struct QueueTx<'u> {
    unit: &'u mut Unit,
}

impl Unit {
    /// The job queue, inside this unit.
    pub fn jobs(&mut self) -> QueueTx<'_> {
        QueueTx { unit: self }
    }
}

impl QueueTx<'_> {
    /// Queues `job`; `None` when its idempotency key is already queued (nothing written).
    pub async fn enqueue(&mut self, job: &NewJob) -> Result<Option<JobId>, Error> {
        enqueue(&mut self.unit.tx, self.unit.org, job).await
    }

    /// `booking`'s jobs of the given kinds that have not started.
    pub async fn pending(
        &mut self,
        booking: BookingId,
        kinds: &[&str],
    ) -> Result<Vec<PendingJob>, Error> {
        let sql = format!(
            "SELECT id, kind, payload, run_at FROM jobs WHERE organization_id = $1 \
             AND booking_id = $2 AND state = 'pending' AND kind IN ({}) ORDER BY run_at, id",
            crate::repo::placeholders(3, kinds.len())
        );
        let org = self.unit.org;
        let rows: Vec<(JobId, String, Json<Value>, Timestamp)> = with_tx!(&mut self.unit.tx, conn => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(booking);
            for kind in kinds {
                query = query.bind(*kind);
            }
            query.fetch_all(conn).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, kind, Json(payload), run_at)| PendingJob {
                id,
                kind,
                payload,
                run_at,
            })
            .collect())
    }

    /// Drops `booking`'s jobs of the given kinds that have not started. One a worker holds
    /// right now is not dropped; its handler reads the booking as it is then.
    pub async fn drop_pending(&mut self, booking: BookingId, kinds: &[&str]) -> Result<u64, Error> {
        let sql = format!(
            "DELETE FROM jobs WHERE organization_id = $1 AND booking_id = $2 \
             AND state = 'pending' AND kind IN ({})",
            crate::repo::placeholders(3, kinds.len())
        );
        let org = self.unit.org;
        Ok(with_tx!(&mut self.unit.tx, conn => {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(org).bind(booking);
            for kind in kinds {
                query = query.bind(*kind);
            }
            query.execute(conn).await?.rows_affected()
        }))
    }

    /// Points pending job `id` at `booking`, due at `run_at`, under idempotency key `key`.
    pub async fn retarget(
        &mut self,
        id: JobId,
        booking: BookingId,
        run_at: Timestamp,
        key: &str,
    ) -> Result<(), Error> {
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(
                "UPDATE jobs SET booking_id = $3, run_at = $4, idempotency_key = $5, \
                 updated_at = $6 WHERE organization_id = $1 AND id = $2",
            )
            .bind(org).bind(id).bind(booking).bind(run_at).bind(key).bind(Timestamp::now())
            .execute(conn).await?;
        });
        Ok(())
    }

    /// Marks the claimed `job` done inside the unit; `false` when its claim was lost (a
    /// worker whose lease expired), in which case the caller must not commit.
    pub async fn complete(&mut self, job: &ClaimedJob) -> Result<bool, Error> {
        complete_in(&mut self.unit.tx, job).await
    }

    /// Puts the claimed `job` back for another try at `retry_at`, or buries it as dead when
    /// `retry_at` is `None` or it has used its attempts; `false` when its claim was lost.
    pub async fn fail(
        &mut self,
        job: &ClaimedJob,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<bool, Error> {
        fail_in(&mut self.unit.tx, job, error, retry_at).await
    }

    /// Forgets the finished (succeeded or dead) job of `kind` under idempotency key `key`,
    /// which keeps the key from being queued again.
    pub async fn forget_finished(&mut self, kind: &str, key: &str) -> Result<(), Error> {
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query("DELETE FROM jobs WHERE organization_id = $1 AND kind = $2 \
                AND idempotency_key = $3 AND state IN ('succeeded', 'dead')")
                .bind(org).bind(kind).bind(key).execute(conn).await?;
        });
        Ok(())
    }

    /// Deletes pending job `id`.
    pub async fn delete(&mut self, id: JobId) -> Result<(), Error> {
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query("DELETE FROM jobs WHERE organization_id = $1 AND id = $2 AND state = 'pending'")
                .bind(org).bind(id).execute(conn).await?;
        });
        Ok(())
    }
}

/// The job kind that brings a host's calendar in line with a booking (write-back).
pub const CALENDAR_WRITEBACK_JOB: &str = "calendar.writeback";

/// A job a worker holds. The claim (`worker`, `attempt`) is what later writes check.
#[derive(Clone, Debug)]
pub struct ClaimedJob {
    pub organization_id: OrganizationId,
    pub id: JobId,
    pub kind: String,
    pub payload: Value,
    /// 1 on the first claim.
    pub attempt: i32,
    pub max_attempts: i32,
    pub booking_id: Option<BookingId>,
    worker: String,
}

impl ClaimedJob {
    /// The right to read the job's organization, acting as the system.
    pub fn scope(&self) -> Scope {
        Scope::new(self.organization_id, Actor::System, Role::Viewer)
            .with_permissions(domain::access::Permissions::NONE)
    }

    /// Whether this is the last attempt the job gets.
    pub fn is_last_attempt(&self) -> bool {
        self.attempt >= self.max_attempts
    }
}

/// A queued job as the API shows it.
#[derive(Clone, Debug, PartialEq, serde::Serialize)]
pub struct Job {
    pub id: JobId,
    pub kind: String,
    pub payload: Value,
    /// `pending`, `running`, `succeeded` or `dead`.
    pub state: String,
    pub attempts: i32,
    pub max_attempts: i32,
    pub run_at: Timestamp,
    pub last_error: Option<String>,
    pub booking_id: Option<BookingId>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct JobRow {
    id: JobId,
    kind: String,
    payload: Json<Value>,
    state: String,
    attempts: i32,
    max_attempts: i32,
    run_at: Timestamp,
    last_error: Option<String>,
    booking_id: Option<BookingId>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<JobRow> for Job {
    fn from(r: JobRow) -> Self {
        Job {
            id: r.id,
            kind: r.kind,
            payload: r.payload.0,
            state: r.state,
            attempts: r.attempts,
            max_attempts: r.max_attempts,
            run_at: r.run_at,
            last_error: r.last_error,
            booking_id: r.booking_id,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ClaimRow {
    organization_id: OrganizationId,
    id: JobId,
    kind: String,
    payload: Json<Value>,
    attempts: i32,
    max_attempts: i32,
    booking_id: Option<BookingId>,
}

const JOB_COLUMNS: &str = "id, kind, payload, state, attempts, max_attempts, run_at, last_error, \
    booking_id, created_at, updated_at";

/// Longest `last_error` kept; errors can quote response bodies.
const MAX_ERROR_CHARS: usize = 2000;

/// Queues `job` inside `tx`: it exists exactly when the change that caused it commits.
/// Returns `None` when a job with the same idempotency key is already queued.
pub(crate) async fn enqueue(
    tx: &mut Tx,
    organization_id: OrganizationId,
    job: &NewJob,
) -> Result<Option<JobId>, Error> {
    const SQL: &str = "INSERT INTO jobs (organization_id, id, kind, payload, state, attempts, \
        max_attempts, run_at, idempotency_key, booking_id, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, 'pending', 0, $5, $6, $7, $8, $9, $9) \
        ON CONFLICT (organization_id, kind, idempotency_key) DO NOTHING";
    let id = JobId::new();
    let now = Timestamp::now();
    let inserted = with_tx!(tx, conn => {
        sqlx::query(SQL)
            .bind(organization_id)
            .bind(id)
            .bind(&job.kind)
            .bind(Json(&job.payload))
            .bind(job.max_attempts.max(1))
            .bind(job.run_at)
            .bind(job.idempotency_key.as_deref())
            .bind(job.booking_id)
            .bind(now)
            .execute(conn)
            .await?
            .rows_affected()
    });
    Ok((inserted == 1).then_some(id))
}

/// Marks `job` succeeded inside `tx`, so the job's own writes and its completion commit
/// together. `false` means the claim was lost (the lease expired and another worker holds
/// the job): the caller must roll back.
pub(crate) async fn complete_in(tx: &mut Tx, job: &ClaimedJob) -> Result<bool, Error> {
    const SQL: &str = "UPDATE jobs SET state = 'succeeded', locked_until = NULL, \
        last_error = NULL, updated_at = $5 \
        WHERE organization_id = $1 AND id = $2 AND state = 'running' AND locked_by = $3 \
        AND attempts = $4";
    let n = with_tx!(tx, conn => {
        sqlx::query(SQL)
            .bind(job.organization_id)
            .bind(job.id)
            .bind(&job.worker)
            .bind(job.attempt)
            .bind(Timestamp::now())
            .execute(conn)
            .await?
            .rows_affected()
    });
    Ok(n == 1)
}

/// Puts `job` back for another try at `retry_at`, or buries it as dead when `retry_at` is
/// `None` or it has used its attempts. Returns `false` when the claim was lost.
pub(crate) async fn fail_in(
    tx: &mut Tx,
    job: &ClaimedJob,
    error: &str,
    retry_at: Option<Timestamp>,
) -> Result<bool, Error> {
    const SQL: &str = "UPDATE jobs SET state = $5, run_at = COALESCE($6, run_at), \
        locked_until = NULL, last_error = $7, updated_at = $8 \
        WHERE organization_id = $1 AND id = $2 AND state = 'running' AND locked_by = $3 \
        AND attempts = $4";
    let retry_at = retry_at.filter(|_| !job.is_last_attempt());
    let state = if retry_at.is_some() {
        "pending"
    } else {
        "dead"
    };
    let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
    let n = with_tx!(tx, conn => {
        sqlx::query(SQL)
            .bind(job.organization_id)
            .bind(job.id)
            .bind(&job.worker)
            .bind(job.attempt)
            .bind(state)
            .bind(retry_at)
            .bind(&error)
            .bind(Timestamp::now())
            .execute(conn)
            .await?
            .rows_affected()
    });
    Ok(n == 1)
}

/// The queue, across organizations, for workers; and each organization's view of it.
#[derive(Debug)]
pub struct Jobs<'a> {
    pub(crate) db: &'a Db,
}

impl Jobs<'_> {
    /// Queues `job` for the scope's organization on its own (work not caused by another
    /// change, like a test-send). Returns `None` for a repeated idempotency key.
    pub async fn enqueue(&self, scope: &Scope, job: &NewJob) -> Result<Option<JobId>, Error> {
        let mut tx = self.db.begin_write(scope).await?;
        let id = enqueue(&mut tx, scope.organization_id(), job).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Claims up to `limit` due jobs (pending and due, or running with an expired lease) for
    /// `worker` until `lease` from now, oldest due first.
    pub async fn claim(
        &self,
        worker: &str,
        lease: std::time::Duration,
        limit: u32,
    ) -> Result<Vec<ClaimedJob>, Error> {
        // The inner SELECT picks the rows, the UPDATE takes them; on PostgreSQL SKIP LOCKED
        // lets concurrent claimers pass over each other's rows instead of queueing on them.
        const PICK: &str = "SELECT organization_id, id FROM jobs \
            WHERE state IN ('pending', 'running') AND run_at <= $1 ORDER BY run_at LIMIT $2";
        const TAKE: &str = "UPDATE jobs SET state = 'running', attempts = attempts + 1, \
            locked_by = $3, locked_until = $4, run_at = $4, updated_at = $1 \
            WHERE (organization_id, id) IN (PICK) \
            RETURNING organization_id, id, kind, payload, attempts, max_attempts, booking_id";
        let now = Timestamp::now();
        let lease_ends = now.plus(jiff::SignedDuration::try_from(lease).unwrap_or_default());
        let pick = match self.db.backend() {
            crate::Backend::Postgres => format!("{PICK} FOR UPDATE SKIP LOCKED"),
            crate::Backend::Sqlite => PICK.to_owned(),
        };
        let sql = TAKE.replace("PICK", &pick);
        // An idle worker polls often; asking first without a write lock keeps it from taking
        // SQLite's single writer slot (and queueing API writes behind it) for nothing.
        let due: Option<i32> = with_pool!(self.db, crate::CrossTenant::Worker, pool => {
            sqlx::query_scalar("SELECT 1 FROM jobs WHERE state IN ('pending', 'running') AND run_at <= $1 LIMIT 1")
                .bind(now).fetch_optional(pool).await?
        });
        if due.is_none() {
            return Ok(Vec::new());
        }
        let mut tx = self.db.begin_write(crate::CrossTenant::Worker).await?;
        tx.flush_lazily().await?;
        let rows: Vec<ClaimRow> = with_tx!(&mut tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(now)
                .bind(i64::from(limit))
                .bind(worker)
                .bind(lease_ends)
                .fetch_all(conn)
                .await?
        });
        tx.commit().await?;
        Ok(rows
            .into_iter()
            .map(|r| ClaimedJob {
                organization_id: r.organization_id,
                id: r.id,
                kind: r.kind,
                payload: r.payload.0,
                attempt: r.attempts,
                max_attempts: r.max_attempts,
                booking_id: r.booking_id,
                worker: worker.to_owned(),
            })
            .collect())
    }

    /// Marks `job` succeeded. `false` means the claim was lost.
    pub async fn complete(&self, job: &ClaimedJob) -> Result<bool, Error> {
        let mut tx = self.db.begin_write(job.organization_id).await?;
        let done = complete_in(&mut tx, job).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// See [`fail_in`].
    pub async fn fail(
        &self,
        job: &ClaimedJob,
        error: &str,
        retry_at: Option<Timestamp>,
    ) -> Result<bool, Error> {
        let mut tx = self.db.begin_write(job.organization_id).await?;
        let done = fail_in(&mut tx, job, error, retry_at).await?;
        tx.commit().await?;
        Ok(done)
    }

    /// Ends this run of a recurring job: due again at `run_at`, with a fresh set of attempts
    /// (a run that succeeded says nothing against the next one). Returns `false` when the
    /// claim was lost.
    pub async fn reschedule(&self, job: &ClaimedJob, run_at: Timestamp) -> Result<bool, Error> {
        const SQL: &str = "UPDATE jobs SET state = 'pending', attempts = 0, run_at = $5, \
            locked_until = NULL, last_error = NULL, updated_at = $6 \
            WHERE organization_id = $1 AND id = $2 AND state = 'running' AND locked_by = $3 \
            AND attempts = $4";
        let mut tx = self.db.begin_write(job.organization_id).await?;
        let n = with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(job.organization_id)
                .bind(job.id)
                .bind(&job.worker)
                .bind(job.attempt)
                .bind(run_at)
                .bind(Timestamp::now())
                .execute(conn)
                .await?
                .rows_affected()
        });
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Hands a claimed job back untouched (a worker shutting down before it started or
    /// finished it): due now, and the attempt does not count.
    pub async fn release(&self, job: &ClaimedJob) -> Result<bool, Error> {
        const SQL: &str = "UPDATE jobs SET state = 'pending', attempts = attempts - 1, \
            run_at = $5, locked_until = NULL, updated_at = $5 \
            WHERE organization_id = $1 AND id = $2 AND state = 'running' AND locked_by = $3 \
            AND attempts = $4";
        let mut tx = self.db.begin_write(job.organization_id).await?;
        let n = with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(job.organization_id)
                .bind(job.id)
                .bind(&job.worker)
                .bind(job.attempt)
                .bind(Timestamp::now())
                .execute(conn)
                .await?
                .rows_affected()
        });
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Makes the scope's pending job of `kind` with `idempotency_key` due now (a recurring
    /// job asked to run early). `false` when there is no such pending job.
    pub async fn run_now(
        &self,
        scope: &Scope,
        kind: &str,
        idempotency_key: &str,
    ) -> Result<bool, Error> {
        const SQL: &str = "UPDATE jobs SET run_at = $4, updated_at = $4 WHERE organization_id = $1 \
            AND kind = $2 AND idempotency_key = $3 AND state = 'pending'";
        let mut tx = self.db.begin_write(scope).await?;
        let n = with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(scope.organization_id())
                .bind(kind)
                .bind(idempotency_key)
                .bind(Timestamp::now())
                .execute(conn)
                .await?
                .rows_affected()
        });
        tx.commit().await?;
        Ok(n == 1)
    }

    /// One job of the scope's organization.
    pub async fn get(&self, scope: &Scope, id: JobId) -> Result<Job, Error> {
        let sql = format!("SELECT {JOB_COLUMNS} FROM jobs WHERE organization_id = $1 AND id = $2");
        let row: Option<JobRow> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization_id())
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(Job::from).ok_or(Error::NotFound("job"))
    }

    /// The jobs about `booking`, by when they run.
    pub async fn for_booking(&self, scope: &Scope, booking: BookingId) -> Result<Vec<Job>, Error> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE organization_id = $1 AND booking_id = $2 \
             ORDER BY run_at, id"
        );
        let rows: Vec<JobRow> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization_id())
                .bind(booking)
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(Job::from).collect())
    }

    /// The organization's dead jobs, most recently buried first, after `before` (a job id
    /// from the previous page).
    pub async fn dead(
        &self,
        scope: &Scope,
        before: Option<JobId>,
        limit: u32,
    ) -> Result<Vec<Job>, Error> {
        let sql = format!(
            "SELECT {JOB_COLUMNS} FROM jobs WHERE organization_id = $1 AND state = 'dead' \
             AND ($2 IS NULL OR id < $2) ORDER BY id DESC LIMIT $3"
        );
        let rows: Vec<JobRow> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization_id())
                .bind(before)
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(Job::from).collect())
    }

    /// Gives a dead job a fresh set of attempts, due now. Other states are left alone and
    /// reported as `InvalidTransition`.
    pub async fn retry_dead(
        &self,
        grant: &Granted<can::ManageOrganization>,
        id: JobId,
    ) -> Result<Job, Error> {
        // The answer is the row as this update left it: a worker may claim the job the
        // moment the transaction commits.
        let sql = format!(
            "UPDATE jobs SET state = 'pending', attempts = 0, run_at = $3, \
             locked_by = NULL, locked_until = NULL, updated_at = $3 \
             WHERE organization_id = $1 AND id = $2 AND state = 'dead' RETURNING {JOB_COLUMNS}"
        );
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        let row: Option<JobRow> = with_tx!(&mut tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(org).bind(id).bind(Timestamp::now())
                .fetch_optional(conn).await?
        });
        let Some(row) = row else {
            // Either unknown (404) or not dead (409); tell them apart without writing.
            self.get(scope, id).await?;
            return Err(Error::Conflict(domain::refusals::Conflict::JobNotDead));
        };
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::event("job.retried", "job", id.0, None, None),
        )
        .await?;
        tx.commit().await?;
        Ok(Job::from(row))
    }

    /// Counts the organization's jobs by state (for tests and metrics).
    pub async fn count(&self, scope: &Scope, state: &str) -> Result<i64, Error> {
        const SQL: &str = "SELECT COUNT(*) FROM jobs WHERE organization_id = $1 AND state = $2";
        Ok(with_pool!(self.db, scope, pool => {
            sqlx::query_scalar(SQL).bind(scope.organization_id()).bind(state).fetch_one(pool).await?
        }))
    }
}
