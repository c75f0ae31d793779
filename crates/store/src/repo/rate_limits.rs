//! Fixed-window hit counters in the database, so several server processes share one count.

use crate::{Db, Error, with_pool};
use domain::ids::Timestamp;

/// The state of one key's window after a hit.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub started_at: Timestamp,
    /// Hits in this window, the one just counted included.
    pub hits: i64,
}

/// Rate-limit counters (not tenant data: keys such as client addresses span organizations).
#[derive(Debug)]
pub struct RateLimits<'a> {
    pub(crate) db: &'a Db,
}

impl RateLimits<'_> {
    /// Counts a hit on `key` at `now` in windows of `window_ms`: a window older than that
    /// starts over at one. One statement, so concurrent hits from any process never lose a
    /// count.
    pub async fn hit(&self, key: &str, now: Timestamp, window_ms: i64) -> Result<Window, Error> {
        const SQL: &str = "INSERT INTO rate_limits (key, window_start, hits) VALUES ($1, $2, 1) \
            ON CONFLICT (key) DO UPDATE SET \
            hits = CASE WHEN rate_limits.window_start <= $3 THEN 1 ELSE rate_limits.hits + 1 END, \
            window_start = CASE WHEN rate_limits.window_start <= $3 THEN $2 \
                ELSE rate_limits.window_start END \
            RETURNING window_start, hits";
        let expired_at =
            Timestamp::from_millisecond(now.as_millisecond().saturating_sub(window_ms))
                .unwrap_or(now);
        let (started_at, hits): (Timestamp, i64) = with_pool!(self.db, crate::Tenant::Nobody, pool => {
            sqlx::query_as(SQL).bind(key).bind(now).bind(expired_at).fetch_one(pool).await?
        });
        Ok(Window { started_at, hits })
    }

    /// Forgets windows that started before `before`; returns how many.
    pub async fn sweep(&self, before: Timestamp) -> Result<u64, Error> {
        const SQL: &str = "DELETE FROM rate_limits WHERE window_start < $1";
        Ok(with_pool!(self.db, crate::Tenant::Nobody, pool => {
            sqlx::query(SQL).bind(before).execute(pool).await?.rows_affected()
        }))
    }
}
