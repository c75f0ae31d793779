//! Rate limits for sign-in, password reset, public booking and manage links, per client
//! address and per account. Two counters behind one trait: in process memory (exact for one
//! server process, and free) and in the database (shared by every process on it).

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use domain::ids::Timestamp;
use store::Db;

/// At most `max` hits per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub per: Duration,
}

/// What [`RateLimiter::hit`] returns: `Err(wait)` when over the limit, `wait` being how
/// long until the next hit would be allowed (the `Retry-After`).
pub type HitResult<'a> = Pin<Box<dyn Future<Output = Result<(), Duration>> + Send + 'a>>;

/// Counts hits against limits.
pub trait RateLimiter: Send + Sync + std::fmt::Debug {
    /// Counts one hit on `key` against `limit`.
    fn hit<'a>(&'a self, key: &'a str, limit: Limit) -> HitResult<'a>;
}

/// Fixed windows in process memory.
#[derive(Debug, Default)]
pub struct InMemoryLimiter {
    windows: Mutex<HashMap<String, (Instant, u32)>>,
}

/// Beyond this many keys, expired windows are swept, so a flood of distinct keys cannot
/// grow the map without bound.
const SWEEP_AT: usize = 10_000;

impl RateLimiter for InMemoryLimiter {
    fn hit<'a>(&'a self, key: &'a str, limit: Limit) -> HitResult<'a> {
        let counted = self.count(key, limit);
        Box::pin(std::future::ready(counted))
    }
}

impl InMemoryLimiter {
    fn count(&self, key: &str, limit: Limit) -> Result<(), Duration> {
        let now = Instant::now();
        // A poisoned lock only means another thread panicked mid-update; counts stay usable.
        let mut windows = self.windows.lock().unwrap_or_else(|e| e.into_inner());
        if windows.len() > SWEEP_AT {
            windows.retain(|_, (start, _)| now.duration_since(*start) < limit.per);
        }
        let entry = windows.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= limit.per {
            *entry = (now, 0);
        }
        if entry.1 >= limit.max {
            let wait = limit.per.saturating_sub(now.duration_since(entry.0));
            return Err(wait.max(Duration::from_secs(1)));
        }
        entry.1 += 1;
        Ok(())
    }
}

/// Counters in the database's `rate_limits` table, shared by every server process on it.
/// When the database cannot count, the hit is let through (and logged): a limiter must not
/// turn a database hiccup into refusing everyone.
#[derive(Debug)]
pub struct DatabaseLimiter {
    db: Db,
    hits_since_sweep: AtomicU32,
}

/// Expired windows are deleted every this many hits (per process).
const SWEEP_EVERY: u32 = 1_000;
/// Windows older than this are certainly over (the longest limit is an hour).
const KEEP_WINDOWS: Duration = Duration::from_secs(24 * 3600);

impl DatabaseLimiter {
    pub fn new(db: Db) -> Self {
        Self {
            db,
            hits_since_sweep: AtomicU32::new(0),
        }
    }

    async fn count(&self, key: &str, limit: Limit) -> Result<(), Duration> {
        let now = Timestamp::now();
        let window_ms = i64::try_from(limit.per.as_millis()).unwrap_or(i64::MAX);
        let window = match self.db.rate_limits().hit(key, now, window_ms).await {
            Ok(window) => window,
            Err(error) => {
                tracing::warn!(%error, key, "rate limit not counted: the database failed");
                return Ok(());
            }
        };
        if self.hits_since_sweep.fetch_add(1, Ordering::Relaxed) >= SWEEP_EVERY {
            self.hits_since_sweep.store(0, Ordering::Relaxed);
            self.sweep(now).await;
        }
        if window.hits <= i64::from(limit.max) {
            return Ok(());
        }
        let elapsed_ms = now.as_millisecond() - window.started_at.as_millisecond();
        let left = limit.per.saturating_sub(Duration::from_millis(
            u64::try_from(elapsed_ms).unwrap_or(0),
        ));
        Err(left.max(Duration::from_secs(1)))
    }

    async fn sweep(&self, now: Timestamp) {
        let keep_ms = i64::try_from(KEEP_WINDOWS.as_millis()).unwrap_or(i64::MAX);
        let Ok(before) = Timestamp::from_millisecond(now.as_millisecond() - keep_ms) else {
            return;
        };
        if let Err(error) = self.db.rate_limits().sweep(before).await {
            tracing::warn!(%error, "could not sweep old rate-limit windows");
        }
    }
}

impl RateLimiter for DatabaseLimiter {
    fn hit<'a>(&'a self, key: &'a str, limit: Limit) -> HitResult<'a> {
        Box::pin(self.count(key, limit))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_max_then_refuses_with_a_wait() {
        let l = InMemoryLimiter::default();
        let limit = Limit {
            max: 3,
            per: Duration::from_secs(60),
        };
        for _ in 0..3 {
            assert!(l.count("k", limit).is_ok());
        }
        let wait = l.count("k", limit).err().unwrap_or_default();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        assert!(l.count("other", limit).is_ok(), "keys are independent");
    }
}
