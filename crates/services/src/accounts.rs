//! The account flows that write several of store's repositories at once: a sign-in's
//! failure, lock and success, unlocking, password reset and change, invitations and address
//! verification. Each runs in one unit of work on the account's organization, so the
//! account, its throttle, its tokens, the e-mail jobs, its sessions and the audit rows
//! commit together or not at all.
//!
//! Flows that start before the organization is known read what names it first: sign-in and
//! reset requests find the account by organization slug and e-mail
//! ([`store::repo::users::Users::find_login`]); an e-mailed token carries its organization
//! ([`store::repo::tokens::organization_of`]). The unit is then opened on that
//! organization, and the token is checked and used inside it (a conditional update, so it
//! is good once). What the rules are ([`crate::lockout`]) and which e-mail a flow sends
//! ([`crate::account_mail`]) is decided here, not in store.

use domain::access::Actor;
use domain::ids::{Timestamp, UserId};
use domain::tokens::Purpose;
use domain::users::{NewInvite, User, UserStatus};
use serde_json::json;
use store::repo::audit::Change;
use store::repo::tokens;
use store::{Db, Granted, LoginCandidate, Scope, SecretToken, SignedIn, Unit, can};

use crate::ServiceError;
use crate::account_mail::{self, LOCK_NOTICE};
use crate::credentials::Keyring;
use crate::lockout::{LockoutPolicy, LoginFailure};

/// Request details kept with a sign-in and in the audit log.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

impl ClientInfo {
    /// The client address a sign-in throttle counts against; requests with none share one.
    fn throttle_ip(&self) -> &str {
        self.ip.as_deref().unwrap_or("unknown")
    }
}

/// An audit entry about user `id` with no values.
fn about_user(action: &str, id: UserId) -> Change<'_> {
    Change::event(action, "user", id.0, None, None)
}

/// Counts a failed attempt at a typed account that does not exist: it backs off like a
/// real one, so the answers do not tell them apart.
pub(crate) async fn unknown_login_failed(
    db: &Db,
    organization_slug: &str,
    email: &str,
    policy: LockoutPolicy,
    client: &ClientInfo,
) -> Result<LoginFailure, ServiceError> {
    let backoff = policy.backoff();
    let backoff_until = db
        .login_throttle()
        .failed(
            organization_slug,
            email,
            client.throttle_ip(),
            policy.quiet_since(Timestamp::now()),
            |failures| backoff.after(failures),
        )
        .await?;
    Ok(LoginFailure {
        backoff_until,
        locked_until: None,
    })
}

/// Counts a failed attempt at `candidate`, typed as `organization_slug` and `email` (see
/// [`LockoutPolicy`]): for the client address, and, unless the account is locked already,
/// for the account; the failure that reaches `account_failures` locks it and queues the
/// notice e-mail with an unlock link (sealed with `keys`), once per lock. Audited as
/// `login.failed`, and `login.locked` when it locks.
pub(crate) async fn login_failed(
    db: &Db,
    candidate: &LoginCandidate,
    organization_slug: &str,
    email: &str,
    policy: LockoutPolicy,
    client: &ClientInfo,
    keys: &Keyring,
) -> Result<LoginFailure, ServiceError> {
    let user_id = candidate.user_id();
    let ip = client.ip.as_deref();
    let now = Timestamp::now();
    let backoff = policy.backoff();
    let mut unit = db.begin_unit(candidate.organization_id()).await?;
    let backoff_until = unit
        .login_throttle()
        .failed(
            organization_slug,
            email,
            client.throttle_ip(),
            policy.quiet_since(now),
            |failures| backoff.after(failures),
        )
        .await?;
    // None: the account is locked already, and a lock is not counted into another.
    let failures = unit.users().count_failed_login(user_id).await?;
    unit.audit()
        .record(
            Actor::Anonymous,
            ip,
            Change::event(
                "login.failed",
                "user",
                user_id.0,
                None,
                Some(json!({
                    "failed_login_attempts": failures,
                    "address_backoff_until": backoff_until.map(|t| t.to_string()),
                })),
            ),
        )
        .await?;
    let mut locked_until = None;
    if failures.is_some_and(|failures| policy.locks(failures)) {
        let until = now.plus(policy.lock_for);
        unit.users().lock(user_id, until).await?;
        unit.audit()
            .record(
                Actor::Anonymous,
                ip,
                Change::event(
                    "login.locked",
                    "user",
                    user_id.0,
                    None,
                    Some(json!({ "locked_until": until.to_string() })),
                ),
            )
            .await?;
        let account = unit.users().get(user_id).await?;
        account_mail::issue_and_mail_as(
            &mut unit,
            &account,
            Purpose::Unlock,
            LOCK_NOTICE,
            policy.lock_for,
            keys,
        )
        .await?;
        locked_until = Some(until);
    }
    unit.commit().await?;
    Ok(LoginFailure {
        backoff_until,
        locked_until,
    })
}

/// The correct password met a lock: mails a fresh unlock link (ending any older one), good
/// for `valid_for`. Audited as `login.unlock_requested`.
pub(crate) async fn request_unlock(
    db: &Db,
    candidate: &LoginCandidate,
    valid_for: jiff::SignedDuration,
    client: &ClientInfo,
    keys: &Keyring,
) -> Result<(), ServiceError> {
    let user_id = candidate.user_id();
    let mut unit = db.begin_unit(candidate.organization_id()).await?;
    let user = unit.users().get(user_id).await?;
    account_mail::issue_and_mail(&mut unit, &user, Purpose::Unlock, valid_for, keys).await?;
    unit.audit()
        .record(
            Actor::Anonymous,
            client.ip.as_deref(),
            about_user("login.unlock_requested", user_id),
        )
        .await?;
    unit.commit().await?;
    Ok(())
}

/// Records a sign-in of `candidate` (typed as `organization_slug` and `email`) with a
/// verified password: clears the account's failure count and this address's backoff, keeps
/// the time and address, and opens a session for `session_ttl`. Audited as
/// `login.succeeded`. The caller has checked that the account is not locked.
pub(crate) async fn login_succeeded(
    db: &Db,
    candidate: &LoginCandidate,
    organization_slug: &str,
    email: &str,
    client: &ClientInfo,
    session_ttl: jiff::SignedDuration,
) -> Result<SignedIn, ServiceError> {
    let user_id = candidate.user_id();
    let ip = client.ip.as_deref();
    let mut unit = db.begin_unit(candidate.organization_id()).await?;
    unit.users().record_sign_in(user_id, ip).await?;
    unit.login_throttle()
        .clear_pair(organization_slug, email, client.throttle_ip())
        .await?;
    let user = unit.users().get(user_id).await?;
    let signed_in = unit
        .sessions()
        .open(&user, session_ttl, ip, client.user_agent.as_deref())
        .await?;
    let actor = Actor::Session {
        user_id,
        session_id: signed_in.session.id,
    };
    unit.audit()
        .record(actor, ip, about_user("login.succeeded", user_id))
        .await?;
    unit.commit().await?;
    Ok(signed_in)
}

/// Lifts `user`'s sign-in lock: the account's failure counts, from every address, start
/// over.
async fn lift_lock(unit: &mut Unit, user: UserId) -> Result<(), store::Error> {
    unit.users().clear_lock(user).await?;
    unit.login_throttle().clear_user(user).await
}

/// The unit of work on the organization an e-mailed `token` names, or `None` when it names
/// none (the caller answers as for any token that is not good).
async fn unit_for_token(db: &Db, token: &str) -> Result<Option<Unit>, store::Error> {
    match tokens::organization_of(token) {
        Some(org) => Ok(Some(db.begin_unit(org).await?)),
        None => Ok(None),
    }
}

/// Lifts the sign-in lock with an e-mailed unlock link: the account's failure counts, from
/// every address, start over, and its other unlock links end. `None` when the token is not
/// good. Audited as `login.unlocked`.
pub async fn unlock(
    db: &Db,
    token: &str,
    client: &ClientInfo,
) -> Result<Option<User>, ServiceError> {
    let Some(mut unit) = unit_for_token(db, token).await? else {
        return Ok(None);
    };
    let Some(user_id) = unit.tokens().redeem(token, Purpose::Unlock).await? else {
        return Ok(None);
    };
    lift_lock(&mut unit, user_id).await?;
    unit.tokens().revoke_all(user_id, Purpose::Unlock).await?;
    unit.audit()
        .record(
            Actor::Anonymous,
            client.ip.as_deref(),
            about_user("login.unlocked", user_id),
        )
        .await?;
    let user = unit.users().get(user_id).await?;
    unit.commit().await?;
    Ok(Some(user))
}

/// Starts a password reset for an active account and queues the e-mail with its link, good
/// for `valid_for` (sealed with `keys`): returns the user and the token, or `None` when
/// there is no such active account (the caller answers alike). Audited as
/// `password.reset_requested`.
pub async fn request_password_reset(
    db: &Db,
    organization_slug: &str,
    email: &str,
    valid_for: jiff::SignedDuration,
    client: &ClientInfo,
    keys: &Keyring,
) -> Result<Option<(User, SecretToken)>, ServiceError> {
    let Some(candidate) = db.users().find_login(organization_slug, email).await? else {
        return Ok(None);
    };
    if candidate.status() != UserStatus::Active {
        return Ok(None);
    }
    let mut unit = db.begin_unit(candidate.organization_id()).await?;
    let user = unit.users().get(candidate.user_id()).await?;
    let token =
        account_mail::issue_and_mail(&mut unit, &user, Purpose::ResetPassword, valid_for, keys)
            .await?;
    unit.audit()
        .record(
            Actor::Anonymous,
            client.ip.as_deref(),
            about_user("password.reset_requested", user.id),
        )
        .await?;
    unit.commit().await?;
    Ok(Some((user, token)))
}

/// Sets a new password from an e-mailed token: a reset (`ResetPassword`) or an accepted
/// invitation (`Invite`, which also activates the account and verifies the address, since
/// the invitation reached it; `name`, when given, replaces the name the inviter typed).
/// Clears any lock, ends every other reset and unlock link and revokes every session.
/// `None` when the token is not good.
pub(crate) async fn set_password_with_token(
    db: &Db,
    token: &str,
    purpose: Purpose,
    password_hash: &str,
    name: Option<&str>,
    client: &ClientInfo,
) -> Result<Option<User>, ServiceError> {
    let Some(mut unit) = unit_for_token(db, token).await? else {
        return Ok(None);
    };
    let Some(user_id) = unit.tokens().redeem(token, purpose).await? else {
        return Ok(None);
    };
    let now = Timestamp::now();
    unit.users()
        .set_password(user_id, password_hash, now)
        .await?;
    if purpose == Purpose::Invite {
        unit.users().activate_invited(user_id, now).await?;
        if let Some(name) = name {
            unit.users().rename(user_id, name).await?;
        }
    }
    // A reset lifts the sign-in lock too: whoever holds the mailbox is the owner.
    lift_lock(&mut unit, user_id).await?;
    account_mail::revoke_password_links(&mut unit, user_id).await?;
    unit.sessions().revoke_all(user_id, None).await?;
    let action = match purpose {
        Purpose::Invite => "user.invitation_accepted",
        _ => "password.reset",
    };
    unit.audit()
        .record(
            Actor::Anonymous,
            client.ip.as_deref(),
            about_user(action, user_id),
        )
        .await?;
    let user = unit.users().get(user_id).await?;
    unit.commit().await?;
    Ok(Some(user))
}

/// The account a still-good e-mailed token of `purpose` belongs to, and its organization's
/// slug, without using the token (to show the page its link opens); `None` when the token
/// is not good. Reads in a unit that is dropped: nothing is written.
pub(crate) async fn peek_token(
    db: &Db,
    token: &str,
    purpose: Purpose,
) -> Result<Option<(User, String)>, ServiceError> {
    let Some(mut unit) = unit_for_token(db, token).await? else {
        return Ok(None);
    };
    let Some(user_id) = unit.tokens().peek(token, purpose).await? else {
        return Ok(None);
    };
    let user = unit.users().get(user_id).await?;
    let organization = unit.organizations().get().await?;
    Ok(Some((user, organization.slug)))
}

/// Marks the address verified from an e-mailed token; `None` when the token is not good.
/// Audited as `user.email_verified`.
pub(crate) async fn verify_email(db: &Db, token: &str) -> Result<Option<User>, ServiceError> {
    let Some(mut unit) = unit_for_token(db, token).await? else {
        return Ok(None);
    };
    let Some(user_id) = unit.tokens().redeem(token, Purpose::VerifyEmail).await? else {
        return Ok(None);
    };
    unit.users()
        .mark_email_verified(user_id, Timestamp::now())
        .await?;
    unit.audit()
        .record(
            Actor::Anonymous,
            None,
            about_user("user.email_verified", user_id),
        )
        .await?;
    let user = unit.users().get(user_id).await?;
    unit.commit().await?;
    Ok(Some(user))
}

/// Issues a token that verifies the caller's own address, good for `valid_for`, with the
/// e-mail that carries it queued (sealed with `keys`).
pub async fn request_email_verification(
    db: &Db,
    scope: &Scope,
    valid_for: jiff::SignedDuration,
    keys: &Keyring,
) -> Result<(User, SecretToken), ServiceError> {
    let user_id = scope
        .actor()
        .user_id()
        .ok_or(ServiceError::NotFound("user"))?;
    let mut unit = db.begin_unit(scope.organization_id()).await?;
    let user = unit.users().get(user_id).await?;
    let token =
        account_mail::issue_and_mail(&mut unit, &user, Purpose::VerifyEmail, valid_for, keys)
            .await?;
    unit.commit().await?;
    Ok((user, token))
}

/// Replaces the caller's own password with `password_hash`, ends every reset and unlock
/// link and revokes their other sessions (the one in use, if any, stays). Audited as
/// `password.changed`.
pub(crate) async fn change_own_password(
    db: &Db,
    scope: &Scope,
    password_hash: &str,
) -> Result<(), ServiceError> {
    let user_id = scope
        .actor()
        .user_id()
        .ok_or(ServiceError::NotFound("user"))?;
    let keep = match scope.actor() {
        Actor::Session { session_id, .. } => Some(session_id),
        _ => None,
    };
    let mut unit = db.begin_unit(scope.organization_id()).await?;
    unit.users()
        .set_password(user_id, password_hash, Timestamp::now())
        .await?;
    account_mail::revoke_password_links(&mut unit, user_id).await?;
    unit.sessions().revoke_all(user_id, keep).await?;
    unit.audit()
        .record(
            scope.actor(),
            scope.ip(),
            about_user("password.changed", user_id),
        )
        .await?;
    unit.commit().await?;
    Ok(())
}

/// Invites a user: creates them `invited` and queues the invitation e-mail (its token good
/// for `invite.valid_for`, sealed with `keys`). Returns the user and the one-time token,
/// which is not stored (only its hash is). Checks nothing beyond the grant; see
/// [`crate::users::invite`] for the rules an invitation obeys.
pub async fn send_invitation(
    db: &Db,
    grant: &Granted<can::ManageUsers>,
    invite: NewInvite,
    keys: &Keyring,
) -> Result<(User, SecretToken), ServiceError> {
    let valid_for = invite.valid_for;
    let mut unit = db.begin_unit(grant.scope().organization_id()).await?;
    let user = unit.users().invite(grant, invite).await?;
    let token =
        account_mail::issue_and_mail(&mut unit, &user, Purpose::Invite, valid_for, keys).await?;
    unit.commit().await?;
    Ok((user, token))
}
