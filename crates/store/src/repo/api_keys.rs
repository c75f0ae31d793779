//! API keys: issue, authenticate, revoke. See [`crate::token`] for the key format.

use serde_json::json;

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::{AdminScope, Scope};
use crate::token::{self, ApiKeyToken};
use crate::{Db, Error, Tx, with_pool, with_tx};
use domain::access::{self, Actor, Permissions};
use domain::api_keys::{ApiKey, KeyLimits};
use domain::ids::{ApiKeyId, OrganizationId, Timestamp, UserId};

/// A key just issued; `token` is the only copy and is not stored.
#[derive(Debug)]
pub struct IssuedApiKey {
    pub id: ApiKeyId,
    pub token: ApiKeyToken,
}

/// API keys inside a unit of work.
#[derive(Debug)]
pub struct ApiKeysTx<'u> {
    unit: &'u mut crate::Unit,
}

impl crate::Unit {
    /// The organization's API keys, inside this unit.
    pub fn api_keys(&mut self) -> ApiKeysTx<'_> {
        ApiKeysTx { unit: self }
    }
}

impl ApiKeysTx<'_> {
    /// Issues `user` a key named `name` with all of their rights and no expiry, issued by
    /// no one (an organization's first key).
    pub async fn insert(&mut self, user: UserId, name: &str) -> Result<IssuedApiKey, Error> {
        let org = self.unit.org;
        insert_limited(
            &mut self.unit.tx,
            org,
            user,
            None,
            name,
            KeyLimits::default(),
        )
        .await
    }
}

async fn insert_limited(
    tx: &mut Tx,
    organization_id: OrganizationId,
    user_id: UserId,
    created_by: Option<UserId>,
    name: &str,
    limits: KeyLimits,
) -> Result<IssuedApiKey, Error> {
    const SQL: &str = "INSERT INTO api_keys \
        (organization_id, id, user_id, name, secret_hash, created_at, scopes, expires_at, \
         created_by) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";
    let id = ApiKeyId::new();
    let minted = token::mint(organization_id, id);
    with_tx!(tx, conn => {
        sqlx::query(SQL)
            .bind(organization_id)
            .bind(id)
            .bind(user_id)
            .bind(name)
            .bind(&minted.secret_hash)
            .bind(Timestamp::now())
            .bind(limits.scopes.map(|p| sqlx::types::Json(p.codenames())))
            .bind(limits.expires_at)
            .bind(created_by)
            .execute(conn)
            .await?;
    });
    Ok(IssuedApiKey {
        id,
        token: minted.token,
    })
}

#[derive(sqlx::FromRow)]
struct AuthRow {
    user_id: UserId,
    secret_hash: Vec<u8>,
    revoked_at: Option<Timestamp>,
    role: String,
    expires_at: Option<Timestamp>,
    last_used_at: Option<Timestamp>,
    scopes: Option<sqlx::types::Json<Vec<String>>>,
    status: String,
    custom_permissions: Option<sqlx::types::Json<Vec<String>>>,
    created_by: Option<UserId>,
    /// The issuer's role, status and custom role, when a user issued the key.
    issuer_role: Option<String>,
    issuer_status: Option<String>,
    issuer_permissions: Option<sqlx::types::Json<Vec<String>>>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: ApiKeyId,
    user_id: UserId,
    created_by: Option<UserId>,
    name: String,
    created_at: Timestamp,
    revoked_at: Option<Timestamp>,
    scopes: Option<sqlx::types::Json<Vec<String>>>,
    expires_at: Option<Timestamp>,
    last_used_at: Option<Timestamp>,
}

/// API keys of the scope's organization.
#[derive(Debug)]
pub struct ApiKeys<'a> {
    pub(crate) db: &'a Db,
}

impl ApiKeys<'_> {
    /// The scope a bearer token grants, or `None` for a malformed, unknown, revoked or
    /// expired key, or one whose user is not active. Besides sessions, this is the only way a
    /// request obtains a [`Scope`]. The scope's permissions are the user's (built-in plus
    /// custom role), narrowed to the key's scopes if it has any. A key issued by another
    /// user is also held to its issuer's current rights (and role), and stops working when
    /// the issuer is removed or no longer active: a key never lends its holder more than
    /// they have.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Scope>, Error> {
        const SQL: &str = "SELECT k.user_id, k.secret_hash, k.revoked_at, u.role, \
              k.expires_at, k.last_used_at, k.scopes, u.status, \
              r.permissions AS custom_permissions, k.created_by, \
              c.role AS issuer_role, c.status AS issuer_status, \
              cr.permissions AS issuer_permissions \
            FROM api_keys k JOIN users u \
              ON u.organization_id = k.organization_id AND u.id = k.user_id \
            LEFT JOIN roles r ON r.organization_id = u.organization_id AND r.id = u.custom_role_id \
            LEFT JOIN users c ON c.organization_id = k.organization_id AND c.id = k.created_by \
            LEFT JOIN roles cr \
              ON cr.organization_id = c.organization_id AND cr.id = c.custom_role_id \
            WHERE k.organization_id = $1 AND k.id = $2";
        const TOUCH: &str =
            "UPDATE api_keys SET last_used_at = $3 WHERE organization_id = $1 AND id = $2";
        let Some(parsed) = token::parse(token) else {
            return Ok(None);
        };
        let row: Option<AuthRow> = with_pool!(self.db, parsed.organization_id, pool => {
            sqlx::query_as(SQL)
                .bind(parsed.organization_id)
                .bind(parsed.key_id)
                .fetch_optional(pool)
                .await?
        });
        let Some(row) = row else { return Ok(None) };
        let now = Timestamp::now();
        if row.revoked_at.is_some()
            || !token::hashes_equal(&row.secret_hash, &parsed.secret_hash)
            || row.expires_at.is_some_and(|t| t <= now)
            || row.status != "active"
        {
            return Ok(None);
        }
        // At most once a minute: a write per request would serialize SQLite readers.
        if row
            .last_used_at
            .is_none_or(|t| now.as_millisecond() - t.as_millisecond() > 60_000)
        {
            with_pool!(self.db, parsed.organization_id, pool => {
                sqlx::query(TOUCH)
                    .bind(parsed.organization_id)
                    .bind(parsed.key_id)
                    .bind(now)
                    .execute(pool)
                    .await?;
            });
        }
        let actor = Actor::ApiKey {
            user_id: row.user_id,
            api_key_id: parsed.key_id,
            issued_by: row.created_by,
        };
        let mut role = crate::scope::parse_role(&row.role)?;
        let mut permissions =
            access::effective(role, row.custom_permissions.as_deref().map(|j| &j[..]));
        if let Some(issuer) = row.created_by
            && issuer != row.user_id
        {
            let (Some(issuer_role), Some("active")) =
                (row.issuer_role.as_deref(), row.issuer_status.as_deref())
            else {
                return Ok(None);
            };
            let issuer_role = crate::scope::parse_role(issuer_role)?;
            role = role.at_most(issuer_role);
            permissions = permissions.intersection(access::effective(
                issuer_role,
                row.issuer_permissions.as_deref().map(|j| &j[..]),
            ));
        }
        if let Some(scopes) = &row.scopes {
            permissions = permissions.intersection(Permissions::known(scopes));
        }
        Ok(Some(
            Scope::new(parsed.organization_id, actor, role).with_permissions(permissions),
        ))
    }

    /// Issues the caller a key of their own (`api_keys.manage`).
    pub async fn issue_own(
        &self,
        grant: &Granted<can::ManageApiKeys>,
        name: &str,
        limits: KeyLimits,
    ) -> Result<IssuedApiKey, Error> {
        let scope = grant.scope();
        let user_id = scope.actor().user_id().ok_or(Error::NotFound("user"))?;
        self.issue_in(scope, user_id, name, limits).await
    }

    /// Issues a key acting as `user_id`.
    pub async fn issue(
        &self,
        admin: &AdminScope,
        user_id: UserId,
        name: &str,
    ) -> Result<IssuedApiKey, Error> {
        self.issue_limited(admin, user_id, name, KeyLimits::default())
            .await
    }

    /// Issues a key acting as `user_id`, narrowed and with an expiry.
    pub async fn issue_limited(
        &self,
        admin: &AdminScope,
        user_id: UserId,
        name: &str,
        limits: KeyLimits,
    ) -> Result<IssuedApiKey, Error> {
        self.issue_in(admin.scope(), user_id, name, limits).await
    }

    async fn issue_in(
        &self,
        scope: &Scope,
        user_id: UserId,
        name: &str,
        limits: KeyLimits,
    ) -> Result<IssuedApiKey, Error> {
        let mut tx = self.db.begin_write(scope).await?;
        let issuer = scope.actor().real_user_id();
        let key = insert_limited(
            &mut tx,
            scope.organization_id(),
            user_id,
            issuer,
            name,
            limits,
        )
        .await
        .map_err(|e| match e {
            // The only foreign key here is the user.
            Error::Database(ref db)
                if db
                    .as_database_error()
                    .is_some_and(|d| d.is_foreign_key_violation()) =>
            {
                Error::NotFound("user")
            }
            other => other,
        })?;
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change {
                action: "api_key.created".into(),
                target_type: "api_key",
                target_id: Some(key.id.0),
                old_values: None,
                new_values: Some(json!({
                    "name": name,
                    "user_id": user_id,
                    "created_by": issuer,
                    "scopes": limits.scopes.map(Permissions::codenames),
                    "expires_at": limits.expires_at.map(|t| t.to_string()),
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(key)
    }

    /// Revokes one of the caller's own keys; another user's key is not found.
    pub async fn revoke_own(
        &self,
        grant: &Granted<can::ManageApiKeys>,
        id: ApiKeyId,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let user_id = scope.actor().user_id().ok_or(Error::NotFound("api key"))?;
        self.revoke_in(scope, Some(user_id), id).await
    }

    /// Revokes a key; it stops authenticating at once. Revoking twice is not an error.
    pub async fn revoke(&self, admin: &AdminScope, id: ApiKeyId) -> Result<(), Error> {
        self.revoke_in(admin.scope(), None, id).await
    }

    /// Revokes a key of the organization, of `owner` only when given.
    async fn revoke_in(
        &self,
        scope: &Scope,
        owner: Option<UserId>,
        id: ApiKeyId,
    ) -> Result<(), Error> {
        const SQL: &str = "UPDATE api_keys SET revoked_at = $3 \
            WHERE organization_id = $1 AND id = $2 AND revoked_at IS NULL \
            AND ($4 IS NULL OR user_id = $4)";
        const EXISTS: &str = "SELECT id FROM api_keys \
            WHERE organization_id = $1 AND id = $2 AND ($3 IS NULL OR user_id = $3)";
        let mut tx = self.db.begin_write(scope).await?;
        let changed = with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(scope.organization_id())
                .bind(id)
                .bind(Timestamp::now())
                .bind(owner)
                .execute(conn)
                .await?
                .rows_affected()
        });
        if changed == 0 {
            let found: Option<(ApiKeyId,)> = with_tx!(&mut tx, conn => {
                sqlx::query_as(EXISTS)
                    .bind(scope.organization_id())
                    .bind(id)
                    .bind(owner)
                    .fetch_optional(conn)
                    .await?
            });
            return match found {
                Some(_) => Ok(()),
                None => Err(Error::NotFound("api key")),
            };
        }
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change {
                action: "api_key.revoked".into(),
                target_type: "api_key",
                target_id: Some(id.0),
                old_values: None,
                new_values: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// All keys, oldest first.
    pub async fn list(&self, scope: &Scope) -> Result<Vec<ApiKey>, Error> {
        self.list_of(scope, None).await
    }

    /// The caller's own keys, oldest first.
    pub async fn list_own(&self, scope: &Scope) -> Result<Vec<ApiKey>, Error> {
        match scope.actor().user_id() {
            Some(user_id) => self.list_of(scope, Some(user_id)).await,
            None => Ok(Vec::new()),
        }
    }

    async fn list_of(&self, scope: &Scope, owner: Option<UserId>) -> Result<Vec<ApiKey>, Error> {
        const SQL: &str = "SELECT id, user_id, created_by, name, created_at, revoked_at, scopes, \
            expires_at, last_used_at FROM api_keys \
            WHERE organization_id = $1 AND ($2 IS NULL OR user_id = $2) ORDER BY created_at, id";
        let rows: Vec<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(SQL).bind(scope.organization_id()).bind(owner).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|r| ApiKey {
                id: r.id,
                user_id: r.user_id,
                created_by: r.created_by,
                name: r.name,
                created_at: r.created_at,
                revoked_at: r.revoked_at,
                scopes: r.scopes.map(|s| Permissions::known(&s)),
                expires_at: r.expires_at,
                last_used_at: r.last_used_at,
            })
            .collect())
    }
}
