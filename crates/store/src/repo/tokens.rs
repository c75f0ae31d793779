//! One-time tokens sent by e-mail: invitations, address verification, password resets,
//! sign-in unlocks. Only a hash of the secret is stored; a token is good once and until it
//! expires. Which tokens a change ends, and the e-mail that carries a new one, are decided in
//! services (`services::account_mail`); here is their SQL, on a [`crate::Unit`].

use crate::token::{self, ACCOUNT_PREFIX, SecretToken};
use crate::{Error, Unit, with_tx};
use domain::ids::{AccountTokenId, OrganizationId, Timestamp, UserId};
use domain::tokens::Purpose;

/// The organization an e-mailed token names, not yet checked: the unit that checks (and
/// uses) the token is opened on it, so row-level security confines it there. `None` for
/// text that is not such a token.
pub fn organization_of(text: &str) -> Option<OrganizationId> {
    token::organization_in(ACCOUNT_PREFIX, text)
}

/// E-mailed tokens inside a unit of work.
#[derive(Debug)]
pub struct TokensTx<'u> {
    unit: &'u mut Unit,
}

impl Unit {
    /// E-mailed one-time tokens, inside this unit.
    pub fn tokens(&mut self) -> TokensTx<'_> {
        TokensTx { unit: self }
    }
}

impl TokensTx<'_> {
    /// Mints and stores a token of `purpose` for `user`, good for `valid_for`; returns it
    /// (the only copy) and when it expires.
    pub async fn issue(
        &mut self,
        user: UserId,
        purpose: Purpose,
        valid_for: jiff::SignedDuration,
    ) -> Result<(SecretToken, Timestamp), Error> {
        const SQL: &str = "INSERT INTO account_tokens \
            (organization_id, id, user_id, purpose, secret_hash, created_at, expires_at) \
            VALUES ($1, $2, $3, $4, $5, $6, $7)";
        let org = self.unit.org;
        let id = AccountTokenId::new();
        let (token, secret_hash) = token::mint_prefixed(ACCOUNT_PREFIX, org, id.0);
        let now = Timestamp::now();
        let expires_at = now.plus(valid_for);
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(SQL)
                .bind(org)
                .bind(id)
                .bind(user)
                .bind(purpose.as_str())
                .bind(&secret_hash)
                .bind(now)
                .bind(expires_at)
                .execute(conn)
                .await?;
        });
        Ok((token, expires_at))
    }

    /// Ends every unused token of `purpose` of `user`; returns how many.
    pub async fn revoke_all(&mut self, user: UserId, purpose: Purpose) -> Result<u64, Error> {
        const SQL: &str = "UPDATE account_tokens SET used_at = $4 \
            WHERE organization_id = $1 AND user_id = $2 AND purpose = $3 AND used_at IS NULL";
        let org = self.unit.org;
        Ok(with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(SQL)
                .bind(org)
                .bind(user)
                .bind(purpose.as_str())
                .bind(Timestamp::now())
                .execute(conn)
                .await?
                .rows_affected()
        }))
    }

    /// Whose the token is, without using it, or `None` if it is malformed, of another
    /// organization, unknown, for another purpose, used or expired (callers answer all of
    /// these alike).
    pub async fn peek(&mut self, text: &str, purpose: Purpose) -> Result<Option<UserId>, Error> {
        Ok(self.good(text, purpose).await?.map(|(_, user)| user))
    }

    /// Marks the token used and returns whose it is, or `None` as for [`TokensTx::peek`].
    /// The conditional update makes the token good once even when two requests carry it at
    /// the same time.
    pub async fn redeem(&mut self, text: &str, purpose: Purpose) -> Result<Option<UserId>, Error> {
        const USE: &str = "UPDATE account_tokens SET used_at = $3 \
            WHERE organization_id = $1 AND id = $2 AND used_at IS NULL";
        let Some((id, user)) = self.good(text, purpose).await? else {
            return Ok(None);
        };
        let org = self.unit.org;
        let changed = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(USE).bind(org).bind(id).bind(Timestamp::now()).execute(conn).await?.rows_affected()
        });
        Ok((changed == 1).then_some(user))
    }

    /// The token's id and user, if the token is good for `purpose` now.
    async fn good(
        &mut self,
        text: &str,
        purpose: Purpose,
    ) -> Result<Option<(AccountTokenId, UserId)>, Error> {
        const SELECT: &str = "SELECT user_id, purpose, secret_hash, expires_at, used_at \
            FROM account_tokens WHERE organization_id = $1 AND id = $2";
        let Some((org, id, hash)) = token::parse_prefixed(ACCOUNT_PREFIX, text) else {
            return Ok(None);
        };
        if org != self.unit.org {
            return Ok(None);
        }
        let id = AccountTokenId(id);
        type Found = (UserId, String, Vec<u8>, Timestamp, Option<Timestamp>);
        let row: Option<Found> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(SELECT).bind(org).bind(id).fetch_optional(conn).await?
        });
        let Some((user, stored_purpose, stored_hash, expires_at, used_at)) = row else {
            return Ok(None);
        };
        let now = Timestamp::now();
        if !token::hashes_equal(&stored_hash, &hash)
            || stored_purpose != purpose.as_str()
            || used_at.is_some()
            || expires_at <= now
        {
            return Ok(None);
        }
        Ok(Some((id, user)))
    }
}
