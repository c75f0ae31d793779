//! Failed sign-ins per typed account and client address, and that pair's backoff. The
//! account is keyed as typed (organization slug and e-mail, hashed), not by user id, so an
//! account that does not exist backs off exactly like one that does. Not tenant data.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::{Error, Tx, with_tx};
use domain::ids::Timestamp;

/// The stored key of a typed account: organization slugs and e-mail addresses stay out of
/// the table.
pub(crate) fn account_key(organization_slug: &str, email: &str) -> String {
    let typed = format!("{organization_slug}\u{0}{}", email.to_lowercase());
    URL_SAFE_NO_PAD.encode(crate::token::hash_text(&typed))
}

/// How a pair backs off: after `free` failures, each further one waits `first`, doubling,
/// up to `max`.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Backoff {
    pub free: u32,
    pub first: jiff::SignedDuration,
    pub max: jiff::SignedDuration,
}

impl Backoff {
    /// The wait after the `failures`-th failure in a row, if any.
    pub(crate) fn after(self, failures: u32) -> Option<jiff::SignedDuration> {
        let beyond = failures.checked_sub(self.free)?;
        let factor = 1_i32.checked_shl(beyond.min(30)).unwrap_or(i32::MAX);
        Some(
            self.first
                .checked_mul(factor)
                .unwrap_or(self.max)
                .min(self.max),
        )
    }
}

/// When the pair's backoff ends, if it is backing off now.
pub(crate) async fn waiting_until(
    tx: &mut Tx,
    account_key: &str,
    ip: &str,
) -> Result<Option<Timestamp>, Error> {
    const SQL: &str = "SELECT locked_until FROM login_throttle WHERE account_key = $1 AND ip = $2";
    let row: Option<(Option<Timestamp>,)> = with_tx!(tx, conn => {
        sqlx::query_as(SQL).bind(account_key).bind(ip).fetch_optional(conn).await?
    });
    let now = Timestamp::now();
    Ok(row.and_then(|(until,)| until).filter(|t| *t > now))
}

/// Counts a failure of the pair and starts its backoff when due; returns when the backoff
/// ends, if this failure started one. A pair quiet for twice the longest backoff starts
/// over, so an owner's rare typos never add up. Old quiet pairs are swept on the way.
pub(crate) async fn failed(
    tx: &mut Tx,
    account_key: &str,
    ip: &str,
    backoff: Backoff,
) -> Result<Option<Timestamp>, Error> {
    const COUNT: &str = "INSERT INTO login_throttle \
        (account_key, ip, failures, locked_until, updated_at) VALUES ($1, $2, 1, NULL, $3) \
        ON CONFLICT (account_key, ip) DO UPDATE SET \
        failures = CASE WHEN login_throttle.updated_at <= $4 THEN 1 \
            ELSE login_throttle.failures + 1 END, \
        updated_at = $3 \
        RETURNING failures";
    const WAIT: &str =
        "UPDATE login_throttle SET locked_until = $3 WHERE account_key = $1 AND ip = $2";
    const SWEEP: &str = "DELETE FROM login_throttle WHERE updated_at <= $1 \
        AND (locked_until IS NULL OR locked_until <= $2)";
    let now = Timestamp::now();
    let quiet = backoff.max.checked_mul(2).unwrap_or(backoff.max);
    let stale = now.plus(-quiet);
    let (failures,): (i32,) = with_tx!(tx, conn => {
        sqlx::query_as(COUNT)
            .bind(account_key)
            .bind(ip)
            .bind(now)
            .bind(stale)
            .fetch_one(&mut *conn)
            .await?
    });
    with_tx!(tx, conn => {
        sqlx::query(SWEEP).bind(stale).bind(now).execute(conn).await?;
    });
    let Some(wait) = backoff.after(u32::try_from(failures).unwrap_or(0)) else {
        return Ok(None);
    };
    let until = now.plus(wait);
    with_tx!(tx, conn => {
        sqlx::query(WAIT).bind(account_key).bind(ip).bind(until).execute(conn).await?;
    });
    Ok(Some(until))
}

/// Forgets the pair's failures (a sign-in from it succeeded).
pub(crate) async fn clear_pair(tx: &mut Tx, account_key: &str, ip: &str) -> Result<(), Error> {
    const SQL: &str = "DELETE FROM login_throttle WHERE account_key = $1 AND ip = $2";
    with_tx!(tx, conn => {
        sqlx::query(SQL).bind(account_key).bind(ip).execute(conn).await?;
    });
    Ok(())
}

/// Forgets the account's failures from every address (it was unlocked or reset by its owner).
pub(crate) async fn clear_account(tx: &mut Tx, account_key: &str) -> Result<(), Error> {
    const SQL: &str = "DELETE FROM login_throttle WHERE account_key = $1";
    with_tx!(tx, conn => {
        sqlx::query(SQL).bind(account_key).execute(conn).await?;
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_after_the_free_tries_up_to_the_cap() {
        let b = Backoff {
            free: 5,
            first: jiff::SignedDuration::from_mins(15),
            max: jiff::SignedDuration::from_hours(24),
        };
        assert_eq!(b.after(4), None);
        assert_eq!(b.after(5), Some(jiff::SignedDuration::from_mins(15)));
        assert_eq!(b.after(6), Some(jiff::SignedDuration::from_mins(30)));
        assert_eq!(b.after(7), Some(jiff::SignedDuration::from_hours(1)));
        assert_eq!(b.after(40), Some(jiff::SignedDuration::from_hours(24)));
        assert_eq!(
            b.after(u32::MAX),
            Some(jiff::SignedDuration::from_hours(24))
        );
    }

    #[test]
    fn typed_accounts_key_alike_whatever_the_case() {
        assert_eq!(
            account_key("acme", "Mia@X.example"),
            account_key("acme", "mia@x.example")
        );
        assert_ne!(
            account_key("acme", "mia@x.example"),
            account_key("acme2", "mia@x.example")
        );
    }
}
