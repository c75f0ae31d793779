//! The worker loop: claim, run, record; stop gracefully.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use domain::ids::{JobId, Timestamp};
use store::Db;
use store::repo::jobs::ClaimedJob;
use tokio::task::JoinSet;

use crate::{Backoff, BoxFuture};

/// What a handler made of a job.
#[derive(Debug)]
pub enum Outcome {
    /// Done; the worker marks the job succeeded.
    Succeeded,
    /// The handler already recorded the job's end in the transaction of its own writes
    /// (`store::repo::jobs::complete_in` or `fail_in`), or found its claim lost.
    Finished,
    /// Try again: at `at`, or after the worker's backoff when `None`. Dead instead when the
    /// job has used its attempts.
    Retry {
        error: String,
        at: Option<Timestamp>,
    },
    /// Will never work (bad payload, unknown kind): dead now.
    Dead { error: String },
}

/// Runs jobs of one kind.
pub trait Handler: Send + Sync + 'static {
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Outcome>;
}

/// Handlers by job kind.
#[derive(Clone, Default)]
pub struct Handlers(HashMap<String, Arc<dyn Handler>>);

impl Handlers {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs jobs of `kind` with `handler`.
    pub fn on(mut self, kind: &str, handler: impl Handler) -> Self {
        self.0.insert(kind.to_owned(), Arc::new(handler));
        self
    }

    fn get(&self, kind: &str) -> Option<&Arc<dyn Handler>> {
        self.0.get(kind)
    }
}

impl std::fmt::Debug for Handlers {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.0.keys()).finish()
    }
}

/// How a worker paces itself.
#[derive(Clone, Debug)]
pub struct WorkerConfig {
    /// Jobs run at the same time.
    pub concurrency: usize,
    /// How long a claim lasts. A handler gets most of it (the rest is margin for recording
    /// the outcome); a worker that dies leaves its jobs for this long.
    pub lease: Duration,
    /// How long to wait before looking again when nothing was due.
    pub idle_poll: Duration,
    /// After SIGTERM, how long running jobs may finish before they are handed back.
    pub grace: Duration,
    /// Waits between tries for handlers that do not choose their own.
    pub backoff: Backoff,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            concurrency: 16,
            lease: Duration::from_secs(60),
            idle_poll: Duration::from_millis(250),
            grace: Duration::from_secs(10),
            backoff: Backoff::default(),
        }
    }
}

/// Claims and runs jobs until told to stop.
#[derive(Debug)]
pub struct Worker {
    db: Db,
    name: String,
    handlers: Arc<Handlers>,
    config: WorkerConfig,
}

/// Jobs claimed and not yet recorded, so a shutdown can hand back the ones it cuts off.
type InFlight = Arc<Mutex<HashMap<JobId, ClaimedJob>>>;

impl Worker {
    /// A worker with a name unique to this process and start (it is the claim's owner).
    pub fn new(db: Db, handlers: Handlers, config: WorkerConfig) -> Self {
        let name = format!("{}-{}", std::process::id(), uuid::Uuid::now_v7().simple());
        Self {
            db,
            name,
            handlers: Arc::new(handlers),
            config,
        }
    }

    /// The claim owner's name, as written to `jobs.locked_by`.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Runs until `shutdown` resolves, then lets running jobs finish within the grace period
    /// and hands back the rest (due now, the attempt not counted).
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        let concurrency = self.config.concurrency.max(1);
        let in_flight: InFlight = Arc::default();
        let mut running = JoinSet::new();
        let mut shutdown = std::pin::pin!(shutdown);
        tracing::info!(worker = %self.name, concurrency, "worker started");
        loop {
            while running.try_join_next().is_some() {}
            let free = concurrency.saturating_sub(running.len());
            let claimed = if free == 0 {
                Vec::new()
            } else {
                let limit = u32::try_from(free).unwrap_or(u32::MAX);
                match self
                    .db
                    .jobs()
                    .claim(&self.name, self.config.lease, limit)
                    .await
                {
                    Ok(jobs) => jobs,
                    Err(error) => {
                        tracing::warn!(%error, "claiming jobs failed");
                        Vec::new()
                    }
                }
            };
            let full_batch = free > 0 && claimed.len() == free;
            for job in claimed {
                if let Ok(mut jobs) = in_flight.lock() {
                    jobs.insert(job.id, job.clone());
                }
                // Boxed: the task then holds a pointer, where it held the whole state of
                // `run_one` (the store's futures inline), which tokio copies on every change of
                // the task's stage (callgrind: 110,000 instructions a spawn, mostly memcpy).
                running.spawn(Box::pin(run_one(
                    self.db.clone(),
                    self.handlers.clone(),
                    self.config.clone(),
                    in_flight.clone(),
                    job,
                )));
            }
            if full_batch {
                // More may be due; look again right away unless told to stop.
                tokio::select! {
                    biased;
                    () = &mut shutdown => break,
                    () = tokio::task::yield_now() => continue,
                }
            }
            tokio::select! {
                biased;
                () = &mut shutdown => break,
                Some(_) = running.join_next(), if free == 0 => {}
                () = tokio::time::sleep(self.config.idle_poll) => {}
            }
        }
        tracing::info!(worker = %self.name, running = running.len(), "worker stopping");
        let drained = tokio::time::timeout(self.config.grace, async {
            while running.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            running.abort_all();
            while running.join_next().await.is_some() {}
        }
        let left: Vec<ClaimedJob> = in_flight
            .lock()
            .map(|mut jobs| jobs.drain().map(|(_, job)| job).collect())
            .unwrap_or_default();
        for job in left {
            if let Err(error) = self.db.jobs().release(&job).await {
                tracing::warn!(%error, job = %job.id, "handing back a job failed; its lease will expire");
            }
        }
        tracing::info!(worker = %self.name, "worker stopped");
    }
}

async fn run_one(
    db: Db,
    handlers: Arc<Handlers>,
    config: WorkerConfig,
    in_flight: InFlight,
    job: ClaimedJob,
) {
    // The handler must end well inside the lease, or another worker may take the job while
    // this one still runs it.
    let budget = config.lease.mul_f64(0.8);
    let outcome = match handlers.get(&job.kind) {
        None => Outcome::Dead {
            error: format!("no handler for job kind {:?}", job.kind),
        },
        Some(handler) => match tokio::time::timeout(budget, handler.run(&job)).await {
            Ok(outcome) => outcome,
            Err(_) => Outcome::Retry {
                error: format!("timed out after {} ms", budget.as_millis()),
                at: None,
            },
        },
    };
    let jobs = db.jobs();
    let recorded = match &outcome {
        Outcome::Succeeded => jobs.complete(&job).await,
        Outcome::Finished => Ok(true),
        Outcome::Retry { error, at } => {
            let at = at.unwrap_or_else(|| {
                let wait = config.backoff.delay(job.attempt);
                Timestamp::now().plus(jiff::SignedDuration::try_from(wait).unwrap_or_default())
            });
            jobs.fail(&job, error, Some(at)).await
        }
        Outcome::Dead { error } => jobs.fail(&job, error, None).await,
    };
    match recorded {
        Ok(true) => {
            tracing::debug!(job = %job.id, kind = %job.kind, attempt = job.attempt, ?outcome, "job ran")
        }
        Ok(false) => {
            tracing::warn!(job = %job.id, kind = %job.kind, "job's lease expired before it finished; another worker has it")
        }
        Err(error) => {
            tracing::warn!(%error, job = %job.id, "recording a job's outcome failed; it will run again when its lease expires")
        }
    }
    if let Ok(mut jobs) = in_flight.lock() {
        jobs.remove(&job.id);
    }
}
