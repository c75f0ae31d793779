//! Web sessions, stored server-side: the cookie carries organization id, session id and a
//! secret (see [`crate::token`]); the row carries hashes of the secret and of the CSRF token,
//! the expiry and the revocation. Expired and revoked sessions stop authenticating at once.

use serde_json::json;

use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::token::{self, SESSION_PREFIX, SecretToken};
use crate::{Db, Error, Tx, with_pool, with_tx};
use domain::access::{self, Actor};
use domain::ids::{OrganizationId, RoleId, SessionId, Timestamp, UserId};
use domain::users::User;

/// A session as listed: never its secrets.
#[derive(Clone, Debug, PartialEq, Eq, sqlx::FromRow)]
pub struct Session {
    pub id: SessionId,
    pub user_id: UserId,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
    pub last_seen_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
}

/// A session just opened. Both tokens are the only copies.
#[derive(Debug)]
pub struct NewSession {
    pub id: SessionId,
    /// For the HttpOnly session cookie.
    pub token: SecretToken,
    /// For the script-readable CSRF cookie, echoed in `X-CSRF-Token` on unsafe requests.
    pub csrf_token: SecretToken,
    pub expires_at: Timestamp,
}

/// A successful sign-in: the scope it grants and the session it opened.
#[derive(Debug)]
pub struct SignedIn {
    pub scope: Scope,
    pub session: NewSession,
}

/// The scope a session cookie grants, and what is needed to check its CSRF token.
#[derive(Debug)]
pub struct SessionScope {
    pub scope: Scope,
    csrf_hash: Vec<u8>,
}

impl SessionScope {
    /// Whether `presented` is this session's CSRF token (constant-time comparison).
    pub fn csrf_matches(&self, presented: &str) -> bool {
        token::hashes_equal(&self.csrf_hash, &token::hash_text(presented))
    }
}

/// Opens a session inside `tx`.
async fn open(
    tx: &mut Tx,
    organization_id: OrganizationId,
    user_id: UserId,
    ttl: jiff::SignedDuration,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<NewSession, Error> {
    const SQL: &str = "INSERT INTO sessions \
        (organization_id, id, user_id, secret_hash, csrf_hash, created_at, expires_at, \
         last_seen_at, ip, user_agent) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $6, $8, $9)";
    let id = SessionId::new();
    let (token, secret_hash) = token::mint_prefixed(SESSION_PREFIX, organization_id, id.0);
    let (csrf_token, csrf_hash) = token::random_secret();
    let now = Timestamp::now();
    let expires_at = now.plus(ttl);
    with_tx!(tx, conn => {
        sqlx::query(SQL)
            .bind(organization_id)
            .bind(id)
            .bind(user_id)
            .bind(&secret_hash)
            .bind(&csrf_hash)
            .bind(now)
            .bind(expires_at)
            .bind(ip)
            // Bounded: the header is client-controlled.
            .bind(user_agent.map(|ua| ua.chars().take(300).collect::<String>()))
            .execute(conn)
            .await?;
    });
    Ok(NewSession {
        id,
        token,
        csrf_token,
        expires_at,
    })
}

/// Revokes every live session of `user_id` except `keep`, inside `tx`.
async fn revoke_all_in(
    tx: &mut Tx,
    organization_id: OrganizationId,
    user_id: UserId,
    keep: Option<SessionId>,
) -> Result<u64, Error> {
    const SQL: &str = "UPDATE sessions SET revoked_at = $3 \
        WHERE organization_id = $1 AND user_id = $2 AND revoked_at IS NULL \
          AND ($4 IS NULL OR id <> $4)";
    Ok(with_tx!(tx, conn => {
        sqlx::query(SQL)
            .bind(organization_id)
            .bind(user_id)
            .bind(Timestamp::now())
            .bind(keep)
            .execute(conn)
            .await?
            .rows_affected()
    }))
}

#[derive(sqlx::FromRow)]
struct AuthRow {
    user_id: UserId,
    secret_hash: Vec<u8>,
    csrf_hash: Vec<u8>,
    expires_at: Timestamp,
    last_seen_at: Timestamp,
    revoked_at: Option<Timestamp>,
    role: String,
    status: String,
    custom_permissions: Option<sqlx::types::Json<Vec<String>>>,
}

/// Sessions of the scope's organization.
#[derive(Debug)]
pub struct Sessions<'a> {
    pub(crate) db: &'a Db,
}

impl Sessions<'_> {
    /// The scope a session cookie grants, or `None` for a malformed, unknown, expired or
    /// revoked session, or a user who is no longer active.
    pub async fn authenticate(&self, cookie: &str) -> Result<Option<SessionScope>, Error> {
        const SQL: &str = "SELECT s.user_id, s.secret_hash, s.csrf_hash, s.expires_at, \
              s.last_seen_at, s.revoked_at, u.role, u.status, r.permissions AS custom_permissions \
            FROM sessions s \
            JOIN users u ON u.organization_id = s.organization_id AND u.id = s.user_id \
            LEFT JOIN roles r ON r.organization_id = u.organization_id AND r.id = u.custom_role_id \
            WHERE s.organization_id = $1 AND s.id = $2";
        const TOUCH: &str =
            "UPDATE sessions SET last_seen_at = $3 WHERE organization_id = $1 AND id = $2";
        let Some((org, id, hash)) = token::parse_prefixed(SESSION_PREFIX, cookie) else {
            return Ok(None);
        };
        let id = SessionId(id);
        let row: Option<AuthRow> = with_pool!(self.db, org, pool => {
            sqlx::query_as(SQL).bind(org).bind(id).fetch_optional(pool).await?
        });
        let Some(row) = row else { return Ok(None) };
        let now = Timestamp::now();
        if !token::hashes_equal(&row.secret_hash, &hash)
            || row.revoked_at.is_some()
            || row.expires_at <= now
            || row.status != "active"
        {
            return Ok(None);
        }
        // Written at most once a minute: a write per request would serialize SQLite readers.
        if now.as_millisecond() - row.last_seen_at.as_millisecond() > 60_000 {
            with_pool!(self.db, org, pool => {
                sqlx::query(TOUCH).bind(org).bind(id).bind(now).execute(pool).await?;
            });
        }
        let role = crate::scope::parse_role(&row.role)?;
        let permissions =
            access::effective(role, row.custom_permissions.as_deref().map(|j| &j[..]));
        let actor = Actor::Session {
            user_id: row.user_id,
            session_id: id,
        };
        Ok(Some(SessionScope {
            scope: Scope::new(org, actor, role).with_permissions(permissions),
            csrf_hash: row.csrf_hash,
        }))
    }

    /// The caller's own sessions, newest first.
    pub async fn list_own(&self, scope: &Scope) -> Result<Vec<Session>, Error> {
        const SQL: &str = "SELECT id, user_id, created_at, expires_at, last_seen_at, revoked_at, \
            ip, user_agent FROM sessions WHERE organization_id = $1 AND user_id = $2 \
            ORDER BY created_at DESC, id DESC";
        let user = scope.actor().user_id().ok_or(Error::NotFound("user"))?;
        Ok(with_pool!(self.db, scope, pool => {
            sqlx::query_as(SQL).bind(scope.organization_id()).bind(user).fetch_all(pool).await?
        }))
    }

    /// Revokes one of the caller's own sessions (sign-out, or "sign out that device").
    /// Another user's session id answers not found.
    pub async fn revoke_own(&self, scope: &Scope, id: SessionId) -> Result<(), Error> {
        const SQL: &str = "UPDATE sessions SET revoked_at = COALESCE(revoked_at, $4) \
            WHERE organization_id = $1 AND id = $2 AND user_id = $3";
        let user = scope.actor().user_id().ok_or(Error::NotFound("session"))?;
        let mut tx = self.db.begin_write(scope).await?;
        let changed = with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(scope.organization_id())
                .bind(id)
                .bind(user)
                .bind(Timestamp::now())
                .execute(conn)
                .await?
                .rows_affected()
        });
        if changed == 0 {
            return Err(Error::NotFound("session"));
        }
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change {
                action: "session.revoked".into(),
                target_type: "session",
                target_id: Some(id.0),
                old_values: None,
                new_values: Some(json!({ "user_id": user })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl Sessions<'_> {
    /// Revokes every live session of the caller except the one the request came with (all
    /// of them when the caller used an API key). Returns how many ended.
    pub async fn revoke_others(&self, scope: &Scope) -> Result<u64, Error> {
        let (user, keep) = match scope.actor() {
            Actor::Session {
                user_id,
                session_id,
            } => (user_id, Some(session_id)),
            Actor::ApiKey { user_id, .. } => (user_id, None),
            _ => return Err(Error::NotFound("user")),
        };
        let mut tx = self.db.begin_write(scope).await?;
        let revoked = revoke_all_in(&mut tx, scope.organization_id(), user, keep).await?;
        if revoked > 0 {
            audit::record_at(
                &mut tx,
                scope.organization_id(),
                scope.actor(),
                scope.ip(),
                Change {
                    action: "session.revoked_others".into(),
                    target_type: "user",
                    target_id: Some(user.0),
                    old_values: None,
                    new_values: Some(json!({ "revoked": revoked })),
                },
            )
            .await?;
        }
        tx.commit().await?;
        Ok(revoked)
    }
}

/// Custom role permissions for `role_id` read inside `tx` (for sign-in).
async fn custom_permissions(
    tx: &mut Tx,
    organization_id: OrganizationId,
    role_id: Option<RoleId>,
) -> Result<Option<Vec<String>>, Error> {
    let Some(role_id) = role_id else {
        return Ok(None);
    };
    const SQL: &str = "SELECT permissions FROM roles WHERE organization_id = $1 AND id = $2";
    let row: Option<(sqlx::types::Json<Vec<String>>,)> = with_tx!(tx, conn => {
        sqlx::query_as(SQL).bind(organization_id).bind(role_id).fetch_optional(conn).await?
    });
    Ok(row.map(|(j,)| j.0))
}

/// Sessions inside a unit of work.
#[derive(Debug)]
pub struct SessionsTx<'u> {
    unit: &'u mut crate::Unit,
}

impl crate::Unit {
    /// Web sessions, inside this unit.
    pub fn sessions(&mut self) -> SessionsTx<'_> {
        SessionsTx { unit: self }
    }
}

impl SessionsTx<'_> {
    /// Opens a session of `user` for `ttl`, from client address `ip` with `user_agent`, and
    /// returns it with the scope it grants: the user's role, with their custom role's
    /// permissions added ([`domain::access::effective`]).
    pub async fn open(
        &mut self,
        user: &User,
        ttl: jiff::SignedDuration,
        ip: Option<&str>,
        user_agent: Option<&str>,
    ) -> Result<SignedIn, Error> {
        let org = self.unit.org;
        let session = open(&mut self.unit.tx, org, user.id, ttl, ip, user_agent).await?;
        let custom = custom_permissions(&mut self.unit.tx, org, user.custom_role_id).await?;
        let actor = Actor::Session {
            user_id: user.id,
            session_id: session.id,
        };
        let scope = Scope::new(org, actor, user.role)
            .with_permissions(access::effective(user.role, custom.as_deref()))
            .with_ip(ip.map(str::to_owned));
        Ok(SignedIn { scope, session })
    }

    /// Revokes every live session of `user` except `keep`; returns how many ended.
    pub async fn revoke_all(
        &mut self,
        user: UserId,
        keep: Option<SessionId>,
    ) -> Result<u64, Error> {
        revoke_all_in(&mut self.unit.tx, self.unit.org, user, keep).await
    }
}
