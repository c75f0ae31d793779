//! E-mailed one-time links (invitation, password reset, address verification, unlock): a
//! token is issued and its e-mail queued as an `email.account` job in one unit of work, so
//! the link goes out exactly when the token exists. The job holds the token sealed with the
//! credential keyring, so the jobs table never holds a usable token;
//! [`crate::messages::AccountEmailHandler`] opens it and sends the e-mail.

use domain::ids::{OrganizationId, Timestamp, UserId};
use domain::people::Person;
use domain::tokens::Purpose;
use domain::users::User;
use jobs::NewJob;
use serde::{Deserialize, Serialize};
use store::{SecretToken, Unit};

use crate::credentials::Keyring;

/// The job kind that e-mails an account holder a one-time link.
pub const ACCOUNT_EMAIL_JOB: &str = "email.account";

/// The message type of the notice sent when an account locks (it carries an unlock link).
pub const LOCK_NOTICE: &str = "account.locked";

/// The sealing context of an account e-mail's token: its organization and user, so a sealed
/// token copied into another user's job does not open.
pub fn account_token_context(organization: OrganizationId, user: UserId) -> String {
    format!("account_token:{organization}:{user}")
}

/// An e-mail with a one-time link to an account holder (the `email.account` job's payload).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountEmail {
    /// `account.invitation`, `account.password_reset`, `account.email_verification`,
    /// `account.unlock` or `account.locked` (the lock notice, with an unlock link).
    pub kind: String,
    pub user_id: UserId,
    pub recipient: Person,
    pub organization: String,
    /// The token, sealed with [`account_token_context`].
    pub sealed_token: String,
    pub expires_at: Timestamp,
}

/// Issues `user` a token of `purpose`, good for `valid_for`, and queues the e-mail that
/// carries it (the purpose's own message), inside `unit`. A reset or unlock link is the only
/// live one of its kind ([`Purpose::one_live`]): the older ones end.
pub(crate) async fn issue_and_mail(
    unit: &mut Unit,
    user: &User,
    purpose: Purpose,
    valid_for: jiff::SignedDuration,
    keys: &Keyring,
) -> Result<SecretToken, store::Error> {
    issue_and_mail_as(unit, user, purpose, purpose.message_type(), valid_for, keys).await
}

/// Like [`issue_and_mail`], with the e-mail of kind `message_type` (another wording of a
/// message that carries a token of `purpose`, such as the lock notice with its unlock link).
pub(crate) async fn issue_and_mail_as(
    unit: &mut Unit,
    user: &User,
    purpose: Purpose,
    message_type: &str,
    valid_for: jiff::SignedDuration,
    keys: &Keyring,
) -> Result<SecretToken, store::Error> {
    if purpose.one_live() {
        unit.tokens().revoke_all(user.id, purpose).await?;
    }
    let (token, expires_at) = unit.tokens().issue(user.id, purpose, valid_for).await?;
    let organization = unit.messages().organization_name().await?;
    let context = account_token_context(user.organization_id, user.id);
    let email = AccountEmail {
        kind: message_type.to_owned(),
        user_id: user.id,
        recipient: Person {
            name: user.name.clone(),
            email: user.email.clone(),
            time_zone: user.time_zone.clone(),
        },
        organization,
        sealed_token: keys.seal_text(context.as_bytes(), token.expose()),
        expires_at,
    };
    let mut job = NewJob::now(
        ACCOUNT_EMAIL_JOB,
        serde_json::to_value(&email).map_err(|e| store::Error::Corrupt(e.to_string()))?,
    );
    job.max_attempts = 8;
    unit.jobs().enqueue(&job).await?;
    Ok(token)
}

/// Ends the links that change a password or lift a lock: after a password change or a reset
/// none of them may still be used.
pub(crate) async fn revoke_password_links(
    unit: &mut Unit,
    user: UserId,
) -> Result<(), store::Error> {
    unit.tokens()
        .revoke_all(user, Purpose::ResetPassword)
        .await?;
    unit.tokens().revoke_all(user, Purpose::Unlock).await?;
    Ok(())
}
