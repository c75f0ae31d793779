//! Rate limits for sign-in, password reset and (later) public booking, per client address
//! and per account. Behind a small trait so a shared store (the database) can replace the
//! in-process counter when several servers run; with one process, in memory is exact.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// At most `max` hits per `per`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    pub max: u32,
    pub per: Duration,
}

/// Counts hits against limits.
pub trait RateLimiter: Send + Sync + std::fmt::Debug {
    /// Counts one hit on `key`; `Err(wait)` when over `limit`, `wait` being how long until
    /// the next hit would be allowed (the `Retry-After`).
    fn hit(&self, key: &str, limit: Limit) -> Result<(), Duration>;
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
    fn hit(&self, key: &str, limit: Limit) -> Result<(), Duration> {
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
            assert!(l.hit("k", limit).is_ok());
        }
        let wait = l.hit("k", limit).err().unwrap_or_default();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        assert!(l.hit("other", limit).is_ok(), "keys are independent");
    }
}
