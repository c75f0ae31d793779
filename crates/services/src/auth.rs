//! Sign-in, sign-out, password change and reset, invitations and e-mail verification.
//!
//! Answers never say whether an e-mail address exists: an unknown address, a wrong password
//! and a locked account all answer `InvalidCredentials` after the same argon2 work. Sign-in
//! protection (see [`LockoutPolicy`]) backs off per account and client address, so an
//! attacker cannot lock the owner out from elsewhere, and locks the account after many
//! failures from everywhere; while locked every answer is the same whatever the password,
//! so guessing learns nothing, and the right password only e-mails an unlock link. The
//! e-mails these flows send are queued as `email.account` jobs in the transaction that
//! issues their token, the token sealed with the credential keyring. The flows themselves,
//! one unit of work each, are in [`crate::accounts`].

use domain::tokens::Purpose;
use domain::users::UserStatus;
use store::{Db, Scope, SignedIn};

use crate::accounts::{self, ClientInfo};
use crate::auth_settings::{limit, signed};
use crate::credentials::Keyring;
use crate::lockout::LockoutPolicy;
use crate::{ServiceError, passwords};

pub use crate::auth_settings::AuthSettings;

/// Counts a public booking attempt from `ip` for `event_type`; 429 (with the wait) once
/// either the address or the event type is over its limit. Called before any database work,
/// so a flood costs no transactions.
pub async fn limit_public_booking(
    settings: &AuthSettings,
    ip: Option<&str>,
    event_type: domain::ids::EventTypeId,
) -> Result<(), ServiceError> {
    let ip = ip.unwrap_or("unknown");
    limit(settings, &format!("book/ip/{ip}"), settings.booking_per_ip).await?;
    limit(
        settings,
        &format!("book/event_type/{event_type}"),
        settings.booking_per_event_type,
    )
    .await
}

/// Counts a booking through a single-use link from `ip` against the same per-address budget
/// as [`limit_public_booking`] (the link's event type is not known before its token is
/// checked).
pub async fn limit_link_booking(
    settings: &AuthSettings,
    ip: Option<&str>,
) -> Result<(), ServiceError> {
    let ip = ip.unwrap_or("unknown");
    limit(settings, &format!("book/ip/{ip}"), settings.booking_per_ip).await
}

/// Counts a request with a manage token from `ip` (view, cancel, reschedule); 429 over the
/// limit, which also slows down guessing tokens.
pub async fn limit_manage(settings: &AuthSettings, ip: Option<&str>) -> Result<(), ServiceError> {
    let ip = ip.unwrap_or("unknown");
    limit(settings, &format!("manage/ip/{ip}"), settings.manage_per_ip).await
}

/// A sign-in attempt.
#[derive(Clone, Debug)]
pub struct Login {
    /// The organization's slug: e-mail addresses are unique per organization only.
    pub organization: String,
    pub email: String,
    pub password: String,
}

impl AuthSettings {
    fn lockout_policy(&self) -> LockoutPolicy {
        LockoutPolicy {
            per_address_failures: self.max_failed_logins,
            backoff: signed(self.lockout),
            max_backoff: signed(self.max_backoff),
            account_failures: self.account_lock_failures,
            lock_for: signed(self.account_lock),
        }
    }
}

/// Signs in and opens a session. An address backing off for the account is answered 429
/// before any password is checked. A locked account answers `InvalidCredentials` to every
/// password; the right one e-mails its owner an unlock link (sealed with `keys`; as often as
/// reset links).
pub async fn login(
    db: &Db,
    settings: &AuthSettings,
    keys: &Keyring,
    input: Login,
    client: &ClientInfo,
) -> Result<SignedIn, ServiceError> {
    let ip = client.ip.as_deref().unwrap_or("unknown");
    let account = format!("{}\u{0}{}", input.organization, input.email.to_lowercase());
    limit(settings, &format!("login/ip/{ip}"), settings.login_per_ip).await?;
    limit(
        settings,
        &format!("login/account/{account}/ip/{ip}"),
        settings.login_per_account,
    )
    .await?;
    if input.password.chars().count() > passwords::MAX_LEN {
        // Not hashed at all: a megabyte password must not buy a megabyte of argon2 work.
        return Err(ServiceError::InvalidCredentials);
    }
    if let Some(until) = db
        .login_throttle()
        .waiting_until(&input.organization, &input.email, ip)
        .await?
    {
        let wait = until.as_millisecond() - domain::ids::Timestamp::now().as_millisecond();
        return Err(ServiceError::RateLimited {
            retry_after_secs: u64::try_from(wait / 1000).unwrap_or(0).max(1),
        });
    }
    let candidate = db
        .users()
        .find_login(&input.organization, &input.email)
        .await?;
    let stored = candidate
        .as_ref()
        .and_then(|c| c.password_hash().map(str::to_owned));
    let correct = passwords::verify(input.password, stored).await;
    let policy = settings.lockout_policy();
    let Some(candidate) = candidate else {
        tracing::info!(organization = %input.organization, "sign-in for an unknown account");
        accounts::unknown_login_failed(db, &input.organization, &input.email, policy, client)
            .await?;
        return Err(ServiceError::InvalidCredentials);
    };
    if !correct {
        let failure = accounts::login_failed(
            db,
            &candidate,
            &input.organization,
            &input.email,
            policy,
            client,
            keys,
        )
        .await?;
        if let Some(until) = failure.locked_until {
            tracing::warn!(%until, "account locked after repeated failed sign-ins");
        }
        return Err(ServiceError::InvalidCredentials);
    }
    if candidate.locked_until().is_some() {
        // Answered like a wrong password, so a guess during the lock learns nothing; the
        // owner finds the link in their mailbox.
        let unlock_key = format!("unlock/account/{account}");
        if candidate.status() == UserStatus::Active
            && limit(settings, &unlock_key, settings.reset_per_account)
                .await
                .is_ok()
        {
            accounts::request_unlock(db, &candidate, signed(settings.reset_ttl), client, keys)
                .await?;
        }
        return Err(ServiceError::InvalidCredentials);
    }
    if candidate.status() != UserStatus::Active {
        return Err(ServiceError::AccountDisabled);
    }
    accounts::login_succeeded(
        db,
        &candidate,
        &input.organization,
        &input.email,
        client,
        signed(settings.session_ttl),
    )
    .await
}

/// Lifts a sign-in lock from its e-mailed link; the owner then signs in with the password.
pub async fn unlock(db: &Db, token: &str, client: &ClientInfo) -> Result<(), ServiceError> {
    accounts::unlock(db, token, client)
        .await?
        .map(|_| ())
        .ok_or(ServiceError::InvalidToken)
}

/// Signs out: revokes the session the request came with.
pub async fn logout(db: &Db, scope: &Scope) -> Result<(), ServiceError> {
    match scope.actor() {
        domain::access::Actor::Session { session_id, .. } => {
            Ok(db.sessions().revoke_own(scope, session_id).await?)
        }
        // A key is not signed out; it is revoked.
        _ => Err(ServiceError::Forbidden),
    }
}

/// Changes the caller's password after checking the current one; other sessions end.
pub async fn change_password(
    db: &Db,
    settings: &AuthSettings,
    scope: &Scope,
    current: String,
    new: String,
) -> Result<(), ServiceError> {
    let user = crate::users::current(db, scope).await?;
    limit(
        settings,
        &format!("password/account/{}", user.id),
        settings.login_per_account,
    )
    .await?;
    let stored = db.users().own_password_hash(scope).await?;
    if stored.is_some() && !passwords::verify(current, stored).await {
        return Err(ServiceError::Validation(vec![crate::FieldError {
            pointer: "/current_password".to_owned(),
            code: "incorrect",
            message: "is not your current password".to_owned(),
        }]));
    }
    passwords::check(&new, &user.email, "/new_password")?;
    let hash = passwords::hash(new).await?;
    accounts::change_own_password(db, scope, &hash).await
}

/// Starts a password reset. Always succeeds (unless rate limited), whether or not the
/// account exists; the e-mail with the link goes to the account's address only.
pub async fn request_password_reset(
    db: &Db,
    settings: &AuthSettings,
    keys: &Keyring,
    organization: &str,
    email: &str,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    let ip = client.ip.as_deref().unwrap_or("unknown");
    limit(settings, &format!("reset/ip/{ip}"), settings.reset_per_ip).await?;
    let account = format!("{organization}\u{0}{}", email.to_lowercase());
    limit(
        settings,
        &format!("reset/account/{account}"),
        settings.reset_per_account,
    )
    .await?;
    accounts::request_password_reset(
        db,
        organization,
        email,
        signed(settings.reset_ttl),
        client,
        keys,
    )
    .await?;
    Ok(())
}

/// Sets a new password from a reset link.
pub async fn reset_password(
    db: &Db,
    token: &str,
    new_password: String,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    set_with_token(
        db,
        token,
        Purpose::ResetPassword,
        new_password,
        None,
        client,
    )
    .await
}

/// Accepts an invitation: sets the first password (and, when given, the name the invitee
/// goes by) and activates the account.
pub async fn accept_invitation(
    db: &Db,
    token: &str,
    password: String,
    name: Option<String>,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    let name = name.map(|n| n.trim().to_owned());
    if let Some(name) = &name
        && (name.is_empty() || name.chars().count() > 200)
    {
        return Err(ServiceError::field(
            "/name",
            "length",
            "must be 1 to 200 characters".to_owned(),
        ));
    }
    set_with_token(db, token, Purpose::Invite, password, name, client).await
}

async fn set_with_token(
    db: &Db,
    token: &str,
    purpose: Purpose,
    password: String,
    name: Option<String>,
    client: &ClientInfo,
) -> Result<(), ServiceError> {
    // The rules need the e-mail, which only the token reveals: check the generic rules
    // first, hash, then redeem and set in one unit of work.
    passwords::check(&password, "", "/password")?;
    let hash = passwords::hash(password).await?;
    accounts::set_password_with_token(db, token, purpose, &hash, name.as_deref(), client)
        .await?
        .map(|_| ())
        .ok_or(ServiceError::InvalidToken)
}

/// The account a still-good e-mailed token of `purpose` belongs to and its organization's
/// slug, without using the token: what the page its link opens shows. `None` when the
/// token is malformed, unknown, used or expired.
pub async fn peek_token(
    db: &Db,
    token: &str,
    purpose: Purpose,
) -> Result<Option<(domain::users::User, String)>, ServiceError> {
    accounts::peek_token(db, token, purpose).await
}

/// Sends the caller a link that verifies their e-mail address. Limited like reset
/// requests per account, so the endpoint cannot be used to flood an inbox.
pub async fn request_email_verification(
    db: &Db,
    settings: &AuthSettings,
    keys: &Keyring,
    scope: &Scope,
) -> Result<(), ServiceError> {
    let user = scope
        .actor()
        .user_id()
        .ok_or(ServiceError::NotFound("user"))?;
    limit(
        settings,
        &format!("verify/account/{}/{user}", scope.organization_id()),
        settings.reset_per_account,
    )
    .await?;
    accounts::request_email_verification(db, scope, signed(settings.reset_ttl), keys).await?;
    Ok(())
}

/// Marks an address verified from its link.
pub async fn verify_email(db: &Db, token: &str) -> Result<(), ServiceError> {
    accounts::verify_email(db, token)
        .await?
        .map(|_| ())
        .ok_or(ServiceError::InvalidToken)
}

/// The caller's own sessions, newest first (revoked and expired ones included).
pub async fn my_sessions(db: &Db, scope: &Scope) -> Result<Vec<store::Session>, ServiceError> {
    Ok(db.sessions().list_own(scope).await?)
}

/// Revokes one of the caller's own sessions; another user's is not found.
pub async fn revoke_my_session(
    db: &Db,
    scope: &Scope,
    id: domain::ids::SessionId,
) -> Result<(), ServiceError> {
    Ok(db.sessions().revoke_own(scope, id).await?)
}

/// Revokes every session of the caller but the current one; returns how many ended.
pub async fn revoke_my_other_sessions(db: &Db, scope: &Scope) -> Result<u64, ServiceError> {
    Ok(db.sessions().revoke_others(scope).await?)
}
