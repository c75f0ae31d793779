//! Failed sign-ins per typed account and client address, and when that pair's backoff ends.
//! The account is keyed as typed (organization slug and e-mail, hashed), not by user id, so
//! an account that does not exist backs off exactly like one that does. Not tenant data.
//! How long a pair waits is the caller's policy (`services::lockout`).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::{Db, Error, Tx, Unit, with_tx};
use domain::ids::{Timestamp, UserId};

/// The stored key of a typed account: organization slugs and e-mail addresses stay out of
/// the table.
fn account_key(organization_slug: &str, email: &str) -> String {
    let typed = format!("{organization_slug}\u{0}{}", email.to_lowercase());
    URL_SAFE_NO_PAD.encode(crate::token::hash_text(&typed))
}

/// When the pair's backoff ends, if it is backing off now.
async fn waiting_until(
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

/// Counts a failure of the pair; a pair whose last failure is at or before `quiet_since`
/// starts over at one. Old quiet pairs are swept on the way. `wait_after` says how long the
/// pair waits after that many failures in a row (the caller's backoff policy); returns when
/// that wait ends, if this failure started one.
async fn failed(
    tx: &mut Tx,
    account_key: &str,
    ip: &str,
    quiet_since: Timestamp,
    wait_after: impl FnOnce(u32) -> Option<jiff::SignedDuration>,
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
    let (failures,): (i32,) = with_tx!(tx, conn => {
        sqlx::query_as(COUNT)
            .bind(account_key)
            .bind(ip)
            .bind(now)
            .bind(quiet_since)
            .fetch_one(&mut *conn)
            .await?
    });
    with_tx!(tx, conn => {
        sqlx::query(SWEEP).bind(quiet_since).bind(now).execute(conn).await?;
    });
    let Some(wait) = wait_after(u32::try_from(failures).unwrap_or(0)) else {
        return Ok(None);
    };
    let until = now.plus(wait);
    with_tx!(tx, conn => {
        sqlx::query(WAIT).bind(account_key).bind(ip).bind(until).execute(conn).await?;
    });
    Ok(Some(until))
}

/// Failed sign-ins of typed accounts that may not exist, each in a transaction of its own
/// (the table holds no tenant data).
#[derive(Debug)]
pub struct LoginThrottle<'a> {
    pub(crate) db: &'a Db,
}

impl LoginThrottle<'_> {
    /// When the backoff of client address `ip` for the typed account ends, if it is backing
    /// off now.
    pub async fn waiting_until(
        &self,
        organization_slug: &str,
        email: &str,
        ip: &str,
    ) -> Result<Option<Timestamp>, Error> {
        let mut tx = self.db.begin_read(crate::Tenant::Nobody).await?;
        waiting_until(&mut tx, &account_key(organization_slug, email), ip).await
    }

    /// Counts a failed attempt of `ip` at the typed account (see [`LoginThrottleTx::failed`])
    /// in a transaction of its own: for an account that does not exist, which backs off
    /// exactly like one that does.
    pub async fn failed(
        &self,
        organization_slug: &str,
        email: &str,
        ip: &str,
        quiet_since: Timestamp,
        wait_after: impl FnOnce(u32) -> Option<jiff::SignedDuration>,
    ) -> Result<Option<Timestamp>, Error> {
        let key = account_key(organization_slug, email);
        let mut tx = self.db.begin_write(crate::Tenant::Nobody).await?;
        let until = failed(&mut tx, &key, ip, quiet_since, wait_after).await?;
        tx.commit().await?;
        Ok(until)
    }
}

/// Failed sign-ins inside a unit of work (of the organization whose account was tried).
#[derive(Debug)]
pub struct LoginThrottleTx<'u> {
    unit: &'u mut Unit,
}

impl Unit {
    /// Failed sign-ins per typed account and client address, inside this unit.
    pub fn login_throttle(&mut self) -> LoginThrottleTx<'_> {
        LoginThrottleTx { unit: self }
    }
}

impl LoginThrottleTx<'_> {
    /// Counts a failure of client address `ip` at the typed account; a pair whose last
    /// failure is at or before `quiet_since` starts over. `wait_after(n)` is how long the
    /// pair waits after its `n`-th failure in a row, if at all; returns when this failure's
    /// wait ends, if it started one.
    pub async fn failed(
        &mut self,
        organization_slug: &str,
        email: &str,
        ip: &str,
        quiet_since: Timestamp,
        wait_after: impl FnOnce(u32) -> Option<jiff::SignedDuration>,
    ) -> Result<Option<Timestamp>, Error> {
        let key = account_key(organization_slug, email);
        failed(&mut self.unit.tx, &key, ip, quiet_since, wait_after).await
    }

    /// Forgets the failures of `ip` at the typed account (a sign-in from it succeeded).
    pub async fn clear_pair(
        &mut self,
        organization_slug: &str,
        email: &str,
        ip: &str,
    ) -> Result<(), Error> {
        const SQL: &str = "DELETE FROM login_throttle WHERE account_key = $1 AND ip = $2";
        let key = account_key(organization_slug, email);
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(SQL).bind(&key).bind(ip).execute(conn).await?;
        });
        Ok(())
    }

    /// Forgets the failures at `user`'s account (as their organization's slug and their
    /// address type it) from every address.
    pub async fn clear_user(&mut self, user: UserId) -> Result<(), Error> {
        const TYPED: &str = "SELECT o.slug, u.email FROM users u \
            JOIN organizations o ON o.id = u.organization_id \
            WHERE u.organization_id = $1 AND u.id = $2";
        const SQL: &str = "DELETE FROM login_throttle WHERE account_key = $1";
        let org = self.unit.org;
        let (slug, email): (String, String) = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(TYPED).bind(org).bind(user).fetch_one(conn).await?
        });
        let key = account_key(&slug, &email);
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(SQL).bind(&key).execute(conn).await?;
        });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
