//! One-time tokens sent by e-mail: invitations, address verification, password resets,
//! sign-in unlocks. Only a hash of the secret is stored; a token is good once and until it
//! expires. A password reset or unlock link is also the only live one of its kind: a newer
//! one, a password change or a reset ends the others ([`revoke_all`]).

use crate::token::{self, ACCOUNT_PREFIX, SecretToken};
use crate::{Error, Tx, with_tx};
use domain::ids::{AccountTokenId, OrganizationId, Timestamp, UserId};
use domain::tokens::Purpose;

/// Mints and stores a token for `user`, and queues the e-mail that carries it (sealed by
/// `sealer`) in the same transaction: the link goes out exactly when the token exists.
pub(crate) async fn issue_and_mail(
    tx: &mut Tx,
    user: &domain::users::User,
    purpose: Purpose,
    valid_for: jiff::SignedDuration,
    sealer: &dyn crate::repo::messages::TokenSealer,
) -> Result<SecretToken, Error> {
    let (token, expires_at) = issue(tx, user.organization_id, user.id, purpose, valid_for).await?;
    crate::repo::messages::queue_account_email(
        tx,
        user,
        purpose.message_type(),
        &token,
        expires_at,
        sealer,
    )
    .await?;
    Ok(token)
}

/// Like [`issue_and_mail`], with the e-mail of kind `message_type` (another wording of a
/// message that carries a token of `purpose`, such as the lock notice with its unlock link).
pub(crate) async fn issue_and_mail_as(
    tx: &mut Tx,
    user: &domain::users::User,
    purpose: Purpose,
    message_type: &str,
    valid_for: jiff::SignedDuration,
    sealer: &dyn crate::repo::messages::TokenSealer,
) -> Result<SecretToken, Error> {
    let (token, expires_at) = issue(tx, user.organization_id, user.id, purpose, valid_for).await?;
    crate::repo::messages::queue_account_email(tx, user, message_type, &token, expires_at, sealer)
        .await?;
    Ok(token)
}

/// Ends every unused token of `purpose` of `user_id` inside `tx`; returns how many.
pub(crate) async fn revoke_all(
    tx: &mut Tx,
    organization_id: OrganizationId,
    user_id: UserId,
    purpose: Purpose,
) -> Result<u64, Error> {
    const SQL: &str = "UPDATE account_tokens SET used_at = $4 \
        WHERE organization_id = $1 AND user_id = $2 AND purpose = $3 AND used_at IS NULL";
    Ok(with_tx!(tx, conn => {
        sqlx::query(SQL)
            .bind(organization_id)
            .bind(user_id)
            .bind(purpose.as_str())
            .bind(Timestamp::now())
            .execute(conn)
            .await?
            .rows_affected()
    }))
}

/// Ends the links that change a password or lift a lock: after a password change or a reset
/// none of them may still be used.
pub(crate) async fn revoke_password_links(
    tx: &mut Tx,
    organization_id: OrganizationId,
    user_id: UserId,
) -> Result<(), Error> {
    revoke_all(tx, organization_id, user_id, Purpose::ResetPassword).await?;
    revoke_all(tx, organization_id, user_id, Purpose::Unlock).await?;
    Ok(())
}

/// Mints and stores a token for `user_id`; returns it and when it expires.
async fn issue(
    tx: &mut Tx,
    organization_id: OrganizationId,
    user_id: UserId,
    purpose: Purpose,
    valid_for: jiff::SignedDuration,
) -> Result<(SecretToken, Timestamp), Error> {
    const SQL: &str = "INSERT INTO account_tokens \
        (organization_id, id, user_id, purpose, secret_hash, created_at, expires_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7)";
    if purpose.one_live() {
        revoke_all(tx, organization_id, user_id, purpose).await?;
    }
    let id = AccountTokenId::new();
    let (token, secret_hash) = token::mint_prefixed(ACCOUNT_PREFIX, organization_id, id.0);
    let now = Timestamp::now();
    let expires_at = now.plus(valid_for);
    with_tx!(tx, conn => {
        sqlx::query(SQL)
            .bind(organization_id)
            .bind(id)
            .bind(user_id)
            .bind(purpose.as_str())
            .bind(&secret_hash)
            .bind(now)
            .bind(expires_at)
            .execute(conn)
            .await?;
    });
    Ok((token, expires_at))
}

/// Whose the token is, without using it, or `None` if it is malformed, unknown, for
/// another purpose, used or expired (callers answer all of these alike).
pub(crate) async fn peek(
    tx: &mut Tx,
    text: &str,
    purpose: Purpose,
) -> Result<Option<(OrganizationId, UserId)>, Error> {
    Ok(good(tx, text, purpose)
        .await?
        .map(|(org, _, user_id)| (org, user_id)))
}

/// Marks the token used and returns whose it is, or `None` if it is malformed, unknown,
/// for another purpose, used or expired (callers answer all of these alike).
pub(crate) async fn redeem(
    tx: &mut Tx,
    text: &str,
    purpose: Purpose,
) -> Result<Option<(OrganizationId, UserId)>, Error> {
    const USE: &str = "UPDATE account_tokens SET used_at = $3 \
        WHERE organization_id = $1 AND id = $2 AND used_at IS NULL";
    let Some((org, id, user_id)) = good(tx, text, purpose).await? else {
        return Ok(None);
    };
    let changed = with_tx!(tx, conn => {
        sqlx::query(USE).bind(org).bind(id).bind(Timestamp::now()).execute(conn).await?.rows_affected()
    });
    Ok((changed == 1).then_some((org, user_id)))
}

/// The token's row, if the token is good for `purpose` now.
async fn good(
    tx: &mut Tx,
    text: &str,
    purpose: Purpose,
) -> Result<Option<(OrganizationId, AccountTokenId, UserId)>, Error> {
    const SELECT: &str = "SELECT user_id, purpose, secret_hash, expires_at, used_at \
        FROM account_tokens WHERE organization_id = $1 AND id = $2";
    let Some((org, id, hash)) = token::parse_prefixed(ACCOUNT_PREFIX, text) else {
        return Ok(None);
    };
    let id = AccountTokenId(id);
    type Found = (UserId, String, Vec<u8>, Timestamp, Option<Timestamp>);
    let row: Option<Found> = with_tx!(tx, conn => {
        sqlx::query_as(SELECT).bind(org).bind(id).fetch_optional(conn).await?
    });
    let Some((user_id, stored_purpose, stored_hash, expires_at, used_at)) = row else {
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
    Ok(Some((org, id, user_id)))
}
