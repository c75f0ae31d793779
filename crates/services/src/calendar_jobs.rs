//! Calendar work on the durable job queue: write-back (`calendar.writeback`, queued in the
//! booking's transaction by `BookingTx::emit`) and periodic sync (`calendar.sync`, one job
//! per connection that moves itself to its next due time after each run).
//!
//! A crash between a booking's commit and its write-back no longer loses the write: the job
//! committed with the booking and runs when a worker is back. Both handlers hold a lease in
//! `calendar_locks` while they talk to the calendar server (`writeback:<host>` and
//! `sync:<connection>`), so several workers on one PostgreSQL never write one host's
//! calendar or sync one connection at the same time.

use std::time::Duration;

use domain::ids::{BookingId, CalendarConnectionId, Timestamp};
use domain::refusals::Conflict;
use jobs::{BoxFuture, ClaimedJob, Handler, Outcome};
use store::{Db, Operator, can};

use crate::ServiceError;
use crate::calendar_sync::{
    CALENDAR_SYNC_JOB, CalendarContext, sync_connection, sync_job, sync_key,
};
use crate::calendar_writeback::{WritebackError, booking_changed};

/// How long one write-back may hold its host's lease.
const WRITEBACK_LEASE: Duration = Duration::from_secs(120);
/// How soon a job that found its lease taken looks again.
const LEASE_TAKEN_RETRY: jiff::SignedDuration = jiff::SignedDuration::from_secs(5);

/// Runs `calendar.writeback` jobs.
#[derive(Clone, Debug)]
pub struct WritebackHandler {
    pub db: Db,
    pub calendars: CalendarContext,
}

impl Handler for WritebackHandler {
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let Some(booking_id) = job.booking_id.or_else(|| {
                job.payload
                    .get("booking_id")
                    .cloned()
                    .and_then(|v| serde_json::from_value::<BookingId>(v).ok())
            }) else {
                return Outcome::Dead {
                    error: "payload has no booking_id".to_owned(),
                };
            };
            match self.write_back(job, booking_id).await {
                Ok(Some(outcome)) => {
                    tracing::debug!(booking = %booking_id, ?outcome, "calendar write-back");
                    Outcome::Succeeded
                }
                Ok(None) => Outcome::Retry {
                    error: "another write-back for this host is running".to_owned(),
                    at: Some(Timestamp::now().plus(LEASE_TAKEN_RETRY)),
                },
                Err(WritebackError::Store(store::Error::NotFound(_))) => Outcome::Succeeded,
                Err(e) => {
                    tracing::warn!(booking = %booking_id, error = %e, "calendar write-back failed");
                    Outcome::Retry {
                        error: e.to_string(),
                        at: None,
                    }
                }
            }
        })
    }
}

impl WritebackHandler {
    /// `None` when another write-back holds the host's lease.
    async fn write_back(
        &self,
        job: &ClaimedJob,
        booking_id: BookingId,
    ) -> Result<Option<crate::calendar_writeback::Outcome>, WritebackError> {
        let scope = self
            .db
            .calendar_connections()
            .system_scope(&Operator::local(), job.organization_id);
        let Some(grant) = scope.grant::<can::ManageAvailability>() else {
            return Ok(Some(crate::calendar_writeback::Outcome::Nothing));
        };
        let (booking, _) = self.db.bookings().get(&scope, booking_id).await?;
        let lock = format!("writeback:{}", booking.host_user_id);
        let holder = uuid::Uuid::now_v7().to_string();
        let repo = self.db.calendar_connections();
        if !repo
            .try_lock(&grant, &lock, &holder, WRITEBACK_LEASE)
            .await?
        {
            return Ok(None);
        }
        let outcome =
            booking_changed(&self.db, &self.calendars, job.organization_id, booking_id).await;
        if let Err(e) = repo.unlock(&grant, &lock, &holder).await {
            tracing::warn!(booking = %booking_id, error = %e, "releasing a write-back lease failed");
        }
        outcome.map(Some)
    }
}

/// Runs `calendar.sync` jobs: syncs the connection, then moves the job to the next due time.
#[derive(Clone, Debug)]
pub struct SyncHandler {
    pub db: Db,
    pub calendars: CalendarContext,
}

impl Handler for SyncHandler {
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let Some(id) = job
                .payload
                .get("connection_id")
                .cloned()
                .and_then(|v| serde_json::from_value::<CalendarConnectionId>(v).ok())
            else {
                return Outcome::Dead {
                    error: "payload has no connection_id".to_owned(),
                };
            };
            let scope = self
                .db
                .calendar_connections()
                .system_scope(&Operator::local(), job.organization_id);
            let Some(grant) = scope.grant::<can::ManageAvailability>() else {
                return Outcome::Dead {
                    error: "the system scope cannot manage availability".to_owned(),
                };
            };
            match sync_connection(&self.db, &self.calendars, &grant, id).await {
                // Calendar failures are recorded on the connection (status `error`); the
                // job itself succeeded and the next sync is due as usual.
                Ok(_) | Err(ServiceError::Conflict(Conflict::SyncRunning)) => {}
                // Disconnected: the job ends with its connection.
                Err(ServiceError::NotFound(_)) => return Outcome::Succeeded,
                Err(e) => {
                    return Outcome::Retry {
                        error: e.to_string(),
                        at: None,
                    };
                }
            }
            let Some(next) = self.calendars.next_sync_at() else {
                return Outcome::Succeeded;
            };
            match self.db.jobs().reschedule(job, next).await {
                Ok(_) => Outcome::Finished,
                Err(e) => Outcome::Retry {
                    error: e.to_string(),
                    at: None,
                },
            }
        })
    }
}

/// Queues a periodic sync job for every live connection that has none (connections made
/// before sync ran on the job queue, or whose job was buried). Workers call it when they
/// start; queueing is idempotent per connection, so several workers starting at once are
/// fine. One transaction per organization. Returns how many were queued.
pub async fn schedule_syncs(db: &Db, ctx: &CalendarContext) -> Result<usize, ServiceError> {
    if ctx.sync_every.is_none() {
        return Ok(0);
    }
    let first_at = Timestamp::now();
    let live = db.calendar_connections().live(&Operator::local()).await?;
    let mut queued = 0;
    for connections in live.chunk_by(|a, b| a.organization_id == b.organization_id) {
        let Some(first) = connections.first() else {
            continue;
        };
        let mut unit = db.begin_unit(first.organization_id).await?;
        for connection in connections {
            // A buried job keeps the key: clear it so the connection can have a job again.
            unit.jobs()
                .forget_finished(CALENDAR_SYNC_JOB, &sync_key(connection.id))
                .await?;
            if unit
                .jobs()
                .enqueue(&sync_job(connection.id, first_at))
                .await?
                .is_some()
            {
                queued += 1;
            }
        }
        unit.commit().await?;
    }
    Ok(queued)
}
