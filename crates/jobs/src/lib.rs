#![forbid(unsafe_code)]
//! Durable background work on the jobs table: claim with a lease, retry with backoff, dead
//! letters. Knows nothing of what a job does: handlers are registered by kind.
//!
//! Jobs are written by `store` inside the transaction of the change that causes them
//! ([`store::repo::jobs::enqueue`]), so work exists exactly when its cause committed. A
//! [`Worker`] claims due jobs with a lease, runs their handler and records the outcome; a
//! worker that dies leaves its jobs to be claimed again when the lease runs out. Delivery is
//! therefore at least once: handlers with outside effects make them idempotent (a webhook
//! keeps its `webhook-id`), and handlers whose effects are rows finish the job in the same
//! transaction as those rows ([`Outcome::Finished`]), which makes them exactly once.

mod backoff;
mod worker;

pub use backoff::Backoff;
pub use store::repo::jobs::{ClaimedJob, NewJob};
pub use worker::{Handler, Handlers, Outcome, Worker, WorkerConfig};

/// A boxed future, for handlers kept behind `dyn`.
pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;
