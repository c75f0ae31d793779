//! Sign-in and credentials: the only repository methods that run before anyone is
//! authenticated. They find an account by organization slug and e-mail, keep the login
//! protection fields (`failed_login_attempts`, `locked_until`, `last_login_ip`), open
//! sessions and redeem e-mailed tokens. Password hashing is not done here (the store holds
//! opaque PHC strings); `services` hashes and verifies.

use serde_json::json;

use crate::repo::audit::{self, Change};
use crate::repo::login_throttle;
use crate::repo::messages::TokenSealer;
use crate::repo::sessions::{self, NewSession};
use crate::repo::tokens;
use crate::repo::users;
use crate::scope::Scope;
use crate::token::SecretToken;
use crate::{Db, Error, Tx, with_pool, with_tx};
use domain::access::Actor;
use domain::ids::{OrganizationId, Timestamp, UserId};
use domain::tokens::Purpose;
use domain::users::{User, UserStatus};

/// An account found for a sign-in attempt. Only [`Accounts::find_login`] makes one, so the
/// success and failure methods cannot be called for an account nobody tried.
#[derive(Debug)]
pub struct LoginCandidate {
    organization_id: OrganizationId,
    /// The account as typed, for the per-address backoff.
    account_key: String,
    user_id: UserId,
    password_hash: Option<String>,
    status: UserStatus,
    locked_until: Option<Timestamp>,
}

impl LoginCandidate {
    /// The stored PHC string, if the user has set a password.
    pub fn password_hash(&self) -> Option<&str> {
        self.password_hash.as_deref()
    }

    pub fn status(&self) -> UserStatus {
        self.status
    }

    /// When the account's lock ends, if it is locked now (see [`LockoutPolicy`]).
    pub fn locked_until(&self) -> Option<Timestamp> {
        self.locked_until.filter(|t| *t > Timestamp::now())
    }
}

/// How sign-in protection is tuned. Two layers, so that an attacker cannot lock the owner
/// out yet guesses stay few:
/// - per typed account and client address: after `per_address_failures` failures that
///   address waits `backoff`, doubling with each further failure up to `max_backoff`; other
///   addresses, the owner's among them, are not slowed;
/// - per account, from every address: `account_failures` failures since the last sign-in
///   lock the account for `lock_for`. While locked, no password signs in and every answer
///   is the same, so guessing learns nothing; the owner gets a notice with an unlock link,
///   and the correct password mails a fresh one. The link (or a password reset) lifts the
///   lock, and the owner then signs in with the password.
#[derive(Clone, Copy, Debug)]
pub struct LockoutPolicy {
    pub per_address_failures: u32,
    pub backoff: jiff::SignedDuration,
    pub max_backoff: jiff::SignedDuration,
    pub account_failures: u32,
    pub lock_for: jiff::SignedDuration,
}

impl LockoutPolicy {
    fn backoff(self) -> login_throttle::Backoff {
        login_throttle::Backoff {
            free: self.per_address_failures,
            first: self.backoff,
            max: self.max_backoff,
        }
    }
}

/// What a failed attempt did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LoginFailure {
    /// Set when this failure started the client address's backoff for the account.
    pub backoff_until: Option<Timestamp>,
    /// Set when this failure locked the account.
    pub locked_until: Option<Timestamp>,
}

/// Request details kept with a sign-in.
#[derive(Clone, Debug, Default)]
pub struct ClientInfo {
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A successful sign-in: the scope it grants and the session it opened.
#[derive(Debug)]
pub struct SignedIn {
    pub scope: Scope,
    pub session: NewSession,
}

/// The message type of the notice sent when an account locks (it carries an unlock link).
pub const LOCK_NOTICE: &str = "account.locked";

/// The client address a throttle counts against; requests with none share one.
fn client_ip(client: &ClientInfo) -> &str {
    client.ip.as_deref().unwrap_or("unknown")
}

/// Lifts the account's sign-in lock and forgets its failures from every address, inside `tx`.
async fn clear_lock(tx: &mut Tx, org: OrganizationId, user_id: UserId) -> Result<(), Error> {
    const SQL: &str = "UPDATE users SET failed_login_attempts = 0, locked_until = NULL \
        WHERE organization_id = $1 AND id = $2";
    const TYPED: &str = "SELECT o.slug, u.email FROM users u \
        JOIN organizations o ON o.id = u.organization_id \
        WHERE u.organization_id = $1 AND u.id = $2";
    let (slug, email): (String, String) = with_tx!(tx, conn => {
        sqlx::query(SQL).bind(org).bind(user_id).execute(&mut *conn).await?;
        sqlx::query_as(TYPED).bind(org).bind(user_id).fetch_one(conn).await?
    });
    login_throttle::clear_account(tx, &login_throttle::account_key(&slug, &email)).await
}

/// Pre-authentication account operations.
#[derive(Debug)]
pub struct Accounts<'a> {
    pub(crate) db: &'a Db,
}

impl Accounts<'_> {
    /// The account a sign-in names, if the organization and e-mail exist.
    pub async fn find_login(
        &self,
        organization_slug: &str,
        email: &str,
    ) -> Result<Option<LoginCandidate>, Error> {
        const SQL: &str = "SELECT u.organization_id, u.id, u.password_hash, u.status, \
              u.locked_until \
            FROM users u JOIN organizations o ON o.id = u.organization_id \
            WHERE o.slug = $1 AND u.email = $2";
        type Found = (
            OrganizationId,
            UserId,
            Option<String>,
            String,
            Option<Timestamp>,
        );
        let row: Option<Found> = with_pool!(self.db, crate::CrossTenant::SignIn, pool => {
            sqlx::query_as(SQL)
                .bind(organization_slug)
                .bind(email.to_lowercase())
                .fetch_optional(pool)
                .await?
        });
        row.map(
            |(organization_id, user_id, password_hash, status, locked_until)| {
                Ok(LoginCandidate {
                    organization_id,
                    account_key: login_throttle::account_key(organization_slug, email),
                    user_id,
                    password_hash,
                    status: UserStatus::parse(&status)
                        .ok_or_else(|| Error::Corrupt(format!("unknown user status {status:?}")))?,
                    locked_until,
                })
            },
        )
        .transpose()
    }

    /// When the client address's backoff for the typed account ends, if it is backing off
    /// now: such an attempt is refused before any password is checked.
    pub async fn backoff_until(
        &self,
        organization_slug: &str,
        email: &str,
        client: &ClientInfo,
    ) -> Result<Option<Timestamp>, Error> {
        let key = login_throttle::account_key(organization_slug, email);
        let mut tx = self.db.begin_read(crate::Tenant::Nobody).await?;
        login_throttle::waiting_until(&mut tx, &key, client_ip(client)).await
    }

    /// Counts a failed attempt at a typed account that does not exist: it backs off like a
    /// real one, so the answers do not tell them apart.
    pub async fn unknown_login_failed(
        &self,
        organization_slug: &str,
        email: &str,
        policy: LockoutPolicy,
        client: &ClientInfo,
    ) -> Result<LoginFailure, Error> {
        let key = login_throttle::account_key(organization_slug, email);
        let mut tx = self.db.begin_write(crate::Tenant::Nobody).await?;
        let backoff_until =
            login_throttle::failed(&mut tx, &key, client_ip(client), policy.backoff()).await?;
        tx.commit().await?;
        Ok(LoginFailure {
            backoff_until,
            locked_until: None,
        })
    }

    /// Counts a failed attempt (see [`LockoutPolicy`]): for the client address, and, unless
    /// the account is locked already, for the account; the failure that reaches
    /// `account_failures` locks it and queues the notice e-mail with an unlock link (sealed
    /// by `sealer`), once per lock. Audited as `login.failed`, and `login.locked` when it
    /// locks.
    pub async fn login_failed(
        &self,
        candidate: &LoginCandidate,
        policy: LockoutPolicy,
        client: &ClientInfo,
        sealer: &dyn TokenSealer,
    ) -> Result<LoginFailure, Error> {
        const COUNT: &str = "UPDATE users SET failed_login_attempts = failed_login_attempts + 1 \
            WHERE organization_id = $1 AND id = $2 \
              AND (locked_until IS NULL OR locked_until <= $3) \
            RETURNING failed_login_attempts";
        const LOCK: &str = "UPDATE users SET failed_login_attempts = 0, locked_until = $3 \
            WHERE organization_id = $1 AND id = $2";
        let (org, user) = (candidate.organization_id, candidate.user_id);
        let ip = client.ip.as_deref();
        let now = Timestamp::now();
        let mut tx = self.db.begin_write(org).await?;
        let backoff_until = login_throttle::failed(
            &mut tx,
            &candidate.account_key,
            client_ip(client),
            policy.backoff(),
        )
        .await?;
        // No row: the account is locked already, and a lock is not counted into another.
        let failures: Option<(i32,)> = with_tx!(&mut tx, conn => {
            sqlx::query_as(COUNT).bind(org).bind(user).bind(now).fetch_optional(conn).await?
        });
        audit::record_at(
            &mut tx,
            org,
            Actor::Anonymous,
            ip,
            Change {
                action: "login.failed".into(),
                target_type: "user",
                target_id: Some(user.0),
                old_values: None,
                new_values: Some(json!({
                    "failed_login_attempts": failures.map(|(f,)| f),
                    "address_backoff_until": backoff_until.map(|t| t.to_string()),
                })),
            },
        )
        .await?;
        let mut locked_until = None;
        if let Some((failures,)) = failures
            && u32::try_from(failures).unwrap_or(0) >= policy.account_failures
        {
            let until = now.plus(policy.lock_for);
            with_tx!(&mut tx, conn => {
                sqlx::query(LOCK).bind(org).bind(user).bind(until).execute(conn).await?;
            });
            audit::record_at(
                &mut tx,
                org,
                Actor::Anonymous,
                ip,
                Change {
                    action: "login.locked".into(),
                    target_type: "user",
                    target_id: Some(user.0),
                    old_values: None,
                    new_values: Some(json!({ "locked_until": until.to_string() })),
                },
            )
            .await?;
            let account = users::get_in(&mut tx, org, user).await?;
            tokens::issue_and_mail_as(
                &mut tx,
                &account,
                Purpose::Unlock,
                LOCK_NOTICE,
                policy.lock_for,
                sealer,
            )
            .await?;
            locked_until = Some(until);
        }
        tx.commit().await?;
        Ok(LoginFailure {
            backoff_until,
            locked_until,
        })
    }

    /// The correct password met a lock: mails a fresh unlock link (ending any older one),
    /// good for `valid_for`. Audited as `login.unlock_requested`.
    pub async fn request_unlock(
        &self,
        candidate: &LoginCandidate,
        valid_for: jiff::SignedDuration,
        client: &ClientInfo,
        sealer: &dyn TokenSealer,
    ) -> Result<(), Error> {
        let (org, user_id) = (candidate.organization_id, candidate.user_id);
        let mut tx = self.db.begin_write(org).await?;
        let user = users::get_in(&mut tx, org, user_id).await?;
        tokens::issue_and_mail(&mut tx, &user, Purpose::Unlock, valid_for, sealer).await?;
        audit::record_at(
            &mut tx,
            org,
            Actor::Anonymous,
            client.ip.as_deref(),
            Change {
                action: "login.unlock_requested".into(),
                target_type: "user",
                target_id: Some(user_id.0),
                old_values: None,
                new_values: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Lifts the sign-in lock with an e-mailed unlock link: the account's failure counts,
    /// from every address, start over. `None` when the token is not good. Audited as
    /// `login.unlocked`.
    pub async fn unlock(&self, token: &str, client: &ClientInfo) -> Result<Option<User>, Error> {
        let Some(org) = crate::token::organization_in(crate::token::ACCOUNT_PREFIX, token) else {
            return Ok(None);
        };
        let mut tx = self.db.begin_write(org).await?;
        let Some((org, user_id)) = tokens::redeem(&mut tx, token, Purpose::Unlock).await? else {
            return Ok(None);
        };
        clear_lock(&mut tx, org, user_id).await?;
        tokens::revoke_all(&mut tx, org, user_id, Purpose::Unlock).await?;
        audit::record_at(
            &mut tx,
            org,
            Actor::Anonymous,
            client.ip.as_deref(),
            Change {
                action: "login.unlocked".into(),
                target_type: "user",
                target_id: Some(user_id.0),
                old_values: None,
                new_values: None,
            },
        )
        .await?;
        let user = users::get_in(&mut tx, org, user_id).await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    /// Records a sign-in with a verified password: clears the account's failure count and
    /// this address's backoff, keeps the time and address, and opens a session. Audited as
    /// `login.succeeded`. The caller has checked that the account is not locked.
    pub async fn login_succeeded(
        &self,
        candidate: &LoginCandidate,
        client: &ClientInfo,
        session_ttl: jiff::SignedDuration,
    ) -> Result<SignedIn, Error> {
        const SQL: &str = "UPDATE users SET failed_login_attempts = 0, locked_until = NULL, \
            last_login_at = $3, last_login_ip = $4 WHERE organization_id = $1 AND id = $2";
        let (org, user_id) = (candidate.organization_id, candidate.user_id);
        let ip = client.ip.as_deref();
        let mut tx = self.db.begin_write(org).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(org)
                .bind(user_id)
                .bind(Timestamp::now())
                .bind(ip)
                .execute(conn)
                .await?;
        });
        login_throttle::clear_pair(&mut tx, &candidate.account_key, client_ip(client)).await?;
        let user = users::get_in(&mut tx, org, user_id).await?;
        let session = sessions::open(
            &mut tx,
            org,
            user_id,
            session_ttl,
            ip,
            client.user_agent.as_deref(),
        )
        .await?;
        let custom = sessions::custom_permissions(&mut tx, org, user.custom_role_id).await?;
        audit::record_at(
            &mut tx,
            org,
            Actor::Session {
                user_id,
                session_id: session.id,
            },
            ip,
            Change {
                action: "login.succeeded".into(),
                target_type: "user",
                target_id: Some(user_id.0),
                old_values: None,
                new_values: None,
            },
        )
        .await?;
        tx.commit().await?;
        let actor = Actor::Session {
            user_id,
            session_id: session.id,
        };
        let scope = Scope::new(org, actor, user.role)
            .with_permissions(domain::access::effective(user.role, custom.as_deref()))
            .with_ip(client.ip.clone());
        Ok(SignedIn { scope, session })
    }

    /// Starts a password reset for an active account and queues the e-mail with its link:
    /// returns the user and the token, or `None` when there is no such account (the caller answers alike).
    pub async fn request_password_reset(
        &self,
        organization_slug: &str,
        email: &str,
        valid_for: jiff::SignedDuration,
        client: &ClientInfo,
        sealer: &dyn TokenSealer,
    ) -> Result<Option<(User, SecretToken)>, Error> {
        let Some(candidate) = self.find_login(organization_slug, email).await? else {
            return Ok(None);
        };
        if candidate.status != UserStatus::Active {
            return Ok(None);
        }
        let mut tx = self.db.begin_write(candidate.organization_id).await?;
        let org = candidate.organization_id;
        let user = users::get_in(&mut tx, org, candidate.user_id).await?;
        let token =
            tokens::issue_and_mail(&mut tx, &user, Purpose::ResetPassword, valid_for, sealer)
                .await?;
        audit::record_at(
            &mut tx,
            org,
            Actor::Anonymous,
            client.ip.as_deref(),
            Change {
                action: "password.reset_requested".into(),
                target_type: "user",
                target_id: Some(user.id.0),
                old_values: None,
                new_values: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(Some((user, token)))
    }

    /// Sets a new password from an e-mailed token: a reset (`ResetPassword`) or an accepted
    /// invitation (`Invite`, which also activates the account and verifies the address,
    /// since the invitation reached it; `name`, when given, replaces the name the inviter
    /// typed). Clears any lock, ends every other reset and unlock link and revokes every
    /// session. `None` when the token is not good.
    pub async fn set_password_with_token(
        &self,
        token: &str,
        purpose: Purpose,
        password_hash: &str,
        name: Option<&str>,
        client: &ClientInfo,
    ) -> Result<Option<User>, Error> {
        const SQL: &str = "UPDATE users SET password_hash = $3, password_changed_at = $4, \
            failed_login_attempts = 0, locked_until = NULL, updated_at = $4 \
            WHERE organization_id = $1 AND id = $2";
        const ACTIVATE: &str = "UPDATE users SET status = 'active', \
            email_verified_at = COALESCE(email_verified_at, $3) \
            WHERE organization_id = $1 AND id = $2 AND status = 'invited'";
        let Some(org) = crate::token::organization_in(crate::token::ACCOUNT_PREFIX, token) else {
            return Ok(None);
        };
        let mut tx = self.db.begin_write(org).await?;
        let Some((org, user_id)) = tokens::redeem(&mut tx, token, purpose).await? else {
            return Ok(None);
        };
        let now = Timestamp::now();
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL).bind(org).bind(user_id).bind(password_hash).bind(now)
                .execute(conn).await?;
        });
        if purpose == Purpose::Invite {
            with_tx!(&mut tx, conn => {
                sqlx::query(ACTIVATE).bind(org).bind(user_id).bind(now).execute(&mut *conn).await?;
                if let Some(name) = name {
                    sqlx::query("UPDATE users SET name = $3 WHERE organization_id = $1 AND id = $2")
                        .bind(org).bind(user_id).bind(name).execute(conn).await?;
                }
            });
        }
        // A reset lifts the sign-in lock too: whoever holds the mailbox is the owner.
        clear_lock(&mut tx, org, user_id).await?;
        tokens::revoke_password_links(&mut tx, org, user_id).await?;
        sessions::revoke_all_in(&mut tx, org, user_id, None).await?;
        let action = match purpose {
            Purpose::Invite => "user.invitation_accepted",
            _ => "password.reset",
        };
        audit::record_at(
            &mut tx,
            org,
            Actor::Anonymous,
            client.ip.as_deref(),
            Change {
                action: action.into(),
                target_type: "user",
                target_id: Some(user_id.0),
                old_values: None,
                new_values: None,
            },
        )
        .await?;
        let user = users::get_in(&mut tx, org, user_id).await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    /// The account a still-good e-mailed token of `purpose` belongs to, and its
    /// organization's slug, without using the token (to show the page its link opens);
    /// `None` when the token is not good.
    pub async fn peek_token(
        &self,
        token: &str,
        purpose: Purpose,
    ) -> Result<Option<(User, String)>, Error> {
        let Some(org) = crate::token::organization_in(crate::token::ACCOUNT_PREFIX, token) else {
            return Ok(None);
        };
        let mut tx = self.db.begin_read(org).await?;
        let Some((org, user_id)) = tokens::peek(&mut tx, token, purpose).await? else {
            return Ok(None);
        };
        let user = users::get_in(&mut tx, org, user_id).await?;
        let (slug,): (String,) = with_tx!(&mut tx, conn => {
            sqlx::query_as("SELECT slug FROM organizations WHERE id = $1").bind(org).fetch_one(conn).await?
        });
        Ok(Some((user, slug)))
    }

    /// Marks the address verified from an e-mailed token; `None` when the token is not good.
    pub async fn verify_email(&self, token: &str) -> Result<Option<User>, Error> {
        const SQL: &str = "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $3) \
            WHERE organization_id = $1 AND id = $2";
        let Some(org) = crate::token::organization_in(crate::token::ACCOUNT_PREFIX, token) else {
            return Ok(None);
        };
        let mut tx = self.db.begin_write(org).await?;
        let Some((org, user_id)) = tokens::redeem(&mut tx, token, Purpose::VerifyEmail).await?
        else {
            return Ok(None);
        };
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL).bind(org).bind(user_id).bind(Timestamp::now()).execute(conn).await?;
        });
        audit::record(
            &mut tx,
            org,
            Actor::Anonymous,
            Change {
                action: "user.email_verified".into(),
                target_type: "user",
                target_id: Some(user_id.0),
                old_values: None,
                new_values: None,
            },
        )
        .await?;
        let user = users::get_in(&mut tx, org, user_id).await?;
        tx.commit().await?;
        Ok(Some(user))
    }

    /// A verification token for the caller's own address, with the e-mail that carries it
    /// queued.
    pub async fn request_email_verification(
        &self,
        scope: &Scope,
        valid_for: jiff::SignedDuration,
        sealer: &dyn TokenSealer,
    ) -> Result<(User, SecretToken), Error> {
        let user_id = scope.actor().user_id().ok_or(Error::NotFound("user"))?;
        let mut tx = self.db.begin_write(scope).await?;
        let user = users::get_in(&mut tx, scope.organization_id(), user_id).await?;
        let token =
            tokens::issue_and_mail(&mut tx, &user, Purpose::VerifyEmail, valid_for, sealer).await?;
        tx.commit().await?;
        Ok((user, token))
    }

    /// The caller's own stored password hash (to check the current password on a change).
    pub async fn own_password_hash(&self, scope: &Scope) -> Result<Option<String>, Error> {
        const SQL: &str = "SELECT password_hash FROM users WHERE organization_id = $1 AND id = $2";
        let user_id = scope.actor().user_id().ok_or(Error::NotFound("user"))?;
        let row: Option<(Option<String>,)> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(SQL).bind(scope.organization_id()).bind(user_id)
                .fetch_optional(pool).await?
        });
        Ok(row.ok_or(Error::NotFound("user"))?.0)
    }

    /// Replaces the caller's own password, ends every reset and unlock link and revokes their
    /// other sessions (the one in use, if any, stays). Audited as `password.changed`.
    pub async fn change_own_password(
        &self,
        scope: &Scope,
        password_hash: &str,
    ) -> Result<(), Error> {
        const SQL: &str = "UPDATE users SET password_hash = $3, password_changed_at = $4, \
            updated_at = $4 WHERE organization_id = $1 AND id = $2";
        let user_id = scope.actor().user_id().ok_or(Error::NotFound("user"))?;
        let keep = match scope.actor() {
            Actor::Session { session_id, .. } => Some(session_id),
            _ => None,
        };
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL).bind(org).bind(user_id).bind(password_hash).bind(Timestamp::now())
                .execute(conn).await?;
        });
        tokens::revoke_password_links(&mut tx, org, user_id).await?;
        sessions::revoke_all_in(&mut tx, org, user_id, keep).await?;
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change {
                action: "password.changed".into(),
                target_type: "user",
                target_id: Some(user_id.0),
                old_values: None,
                new_values: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
