//! Users: the people of an organization, their profiles, roles and status.

use serde_json::json;

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, Tx, Unit, with_pool, with_tx};
use domain::ids::{OrganizationId, RoleId, Timestamp, UserId};
use domain::refusals::UniqueField;
use domain::users::{NewInvite, NewUser, ProfileChanges, User, UserChanges, UserStatus};

#[derive(sqlx::FromRow)]
struct Row {
    id: UserId,
    organization_id: OrganizationId,
    email: String,
    name: String,
    role: String,
    time_zone: String,
    created_at: Timestamp,
    updated_at: Timestamp,
    slug: Option<String>,
    status: String,
    custom_role_id: Option<RoleId>,
    reasonable_hours_start: i32,
    reasonable_hours_end: i32,
    email_verified_at: Option<Timestamp>,
    failed_login_attempts: i32,
    locked_until: Option<Timestamp>,
    last_login_at: Option<Timestamp>,
    last_login_ip: Option<String>,
    phone: Option<String>,
}

const COLUMNS: &str = "id, organization_id, email, name, role, time_zone, created_at, updated_at, \
    slug, status, custom_role_id, reasonable_hours_start, reasonable_hours_end, \
    email_verified_at, failed_login_attempts, locked_until, last_login_at, last_login_ip, phone";

fn fresh(organization_id: OrganizationId, new: NewUser, status: UserStatus) -> User {
    let now = Timestamp::now();
    User {
        id: UserId::new(),
        organization_id,
        email: new.email.to_lowercase(),
        name: new.name,
        role: new.role,
        time_zone: new.time_zone,
        created_at: now,
        updated_at: now,
        slug: None,
        status,
        custom_role_id: None,
        reasonable_hours_start: 7,
        reasonable_hours_end: 22,
        email_verified_at: None,
        failed_login_attempts: 0,
        locked_until: None,
        last_login_at: None,
        last_login_ip: None,
        phone: None,
    }
}

/// Inserts `user` inside `tx`.
async fn insert_row(tx: &mut Tx, user: &User) -> Result<(), Error> {
    const SQL: &str = "INSERT INTO users \
        (organization_id, id, email, name, role, time_zone, created_at, updated_at, status, \
         custom_role_id) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9)";
    with_tx!(tx, conn => {
        sqlx::query(SQL)
            .bind(user.organization_id)
            .bind(user.id)
            .bind(&user.email)
            .bind(&user.name)
            .bind(user.role.as_str())
            .bind(&user.time_zone)
            .bind(user.created_at)
            .bind(user.status.as_str())
            .bind(user.custom_role_id)
            .execute(conn)
            .await
            .map_err(Error::unique_as(UniqueField::Email))?;
    });
    Ok(())
}

/// Reads one user inside `tx`.
async fn get_in(tx: &mut Tx, organization_id: OrganizationId, id: UserId) -> Result<User, Error> {
    let sql = const_format_select("WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL");
    let row: Option<Row> = with_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(organization_id)
            .bind(id)
            .fetch_optional(conn)
            .await?
    });
    row.ok_or(Error::NotFound("user"))?.try_into()
}

/// Checks that a custom role exists in the organization (SQLite has no foreign key for it).
async fn check_role(
    tx: &mut Tx,
    organization_id: OrganizationId,
    role: Option<RoleId>,
) -> Result<(), Error> {
    let Some(role) = role else { return Ok(()) };
    const SQL: &str = "SELECT id FROM roles WHERE organization_id = $1 AND id = $2";
    let found: Option<(RoleId,)> = with_tx!(tx, conn => {
        sqlx::query_as(SQL).bind(organization_id).bind(role).fetch_optional(conn).await?
    });
    found.map(|_| ()).ok_or(Error::NotFound("role"))
}

/// Users of the scope's organization.
#[derive(Debug)]
pub struct Users<'a> {
    pub(crate) db: &'a Db,
}

impl Users<'_> {
    /// One user by id.
    pub async fn get(&self, scope: &Scope, id: UserId) -> Result<User, Error> {
        let sql =
            const_format_select("WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL");
        let row: Option<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization_id())
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.ok_or(Error::NotFound("user"))?.try_into()
    }

    /// One user by e-mail address (case-insensitive), if there is one.
    pub async fn find_by_email(&self, scope: &Scope, email: &str) -> Result<Option<User>, Error> {
        let sql =
            const_format_select("WHERE organization_id = $1 AND email = $2 AND deleted_at IS NULL");
        let row: Option<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization_id())
                .bind(email.to_lowercase())
                .fetch_optional(pool)
                .await?
        });
        row.map(User::try_from).transpose()
    }

    /// All users, oldest first.
    pub async fn list(&self, scope: &Scope) -> Result<Vec<User>, Error> {
        let sql = const_format_select(
            "WHERE organization_id = $1 AND deleted_at IS NULL ORDER BY created_at, id",
        );
        let rows: Vec<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization_id())
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(User::try_from).collect()
    }

    /// Changes the caller's own profile.
    pub async fn update_own_profile(
        &self,
        scope: &Scope,
        changes: ProfileChanges,
    ) -> Result<User, Error> {
        let id = scope.actor().user_id().ok_or(Error::NotFound("user"))?;
        let mut tx = self.db.begin_write(scope).await?;
        let changes = UserChanges {
            profile: changes,
            ..UserChanges::default()
        };
        let (_, new) = apply(&mut tx, scope, id, changes).await?;
        tx.commit().await?;
        Ok(new)
    }

    /// The account a sign-in names, if the organization (by slug) and the e-mail address
    /// exist. Read across organizations: the organization is what is being looked up.
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
}

/// An account found for a sign-in attempt ([`Users::find_login`]).
#[derive(Debug)]
pub struct LoginCandidate {
    organization_id: OrganizationId,
    user_id: UserId,
    password_hash: Option<String>,
    status: UserStatus,
    locked_until: Option<Timestamp>,
}

impl LoginCandidate {
    /// The organization the account belongs to: sign-in's unit of work is opened on it.
    pub fn organization_id(&self) -> OrganizationId {
        self.organization_id
    }

    pub fn user_id(&self) -> UserId {
        self.user_id
    }

    /// The stored PHC string, if the user has set a password.
    pub fn password_hash(&self) -> Option<&str> {
        self.password_hash.as_deref()
    }

    pub fn status(&self) -> UserStatus {
        self.status
    }

    /// When the account's sign-in lock ends, if it is locked now.
    pub fn locked_until(&self) -> Option<Timestamp> {
        self.locked_until.filter(|t| *t > Timestamp::now())
    }
}

/// Applies `changes` to user `id` inside `tx`, auditing them as the scope's actor: role and
/// status changes as `user.role_changed` / `user.status_changed`. Returns the user before
/// and after (the same when nothing changed, and then nothing is written).
async fn apply(
    tx: &mut Tx,
    scope: &Scope,
    id: UserId,
    changes: UserChanges,
) -> Result<(User, User), Error> {
    const UPDATE: &str = "UPDATE users SET name = $3, slug = $4, time_zone = $5, \
        reasonable_hours_start = $6, reasonable_hours_end = $7, role = $8, \
        custom_role_id = $9, status = $10, updated_at = $11, phone = $12 \
        WHERE organization_id = $1 AND id = $2";
    let org = scope.organization_id();
    let old = get_in(tx, org, id).await?;
    let mut new = old.clone();
    let p = changes.profile;
    if let Some(name) = p.name {
        new.name = name;
    }
    if let Some(slug) = p.slug {
        new.slug = slug;
    }
    if let Some(tz) = p.time_zone {
        new.time_zone = tz;
    }
    if let Some((start, end)) = p.reasonable_hours {
        new.reasonable_hours_start = start;
        new.reasonable_hours_end = end;
    }
    if let Some(phone) = p.phone {
        new.phone = phone;
    }
    if let Some(role) = changes.role {
        new.role = role;
    }
    if let Some(custom) = changes.custom_role_id {
        check_role(tx, org, custom).await?;
        new.custom_role_id = custom;
    }
    if let Some(status) = changes.status {
        new.status = status;
    }
    if new == old {
        return Ok((old.clone(), old));
    }
    new.updated_at = Timestamp::now();
    with_tx!(tx, conn => {
        sqlx::query(UPDATE)
            .bind(org)
            .bind(id)
            .bind(&new.name)
            .bind(&new.slug)
            .bind(&new.time_zone)
            .bind(new.reasonable_hours_start)
            .bind(new.reasonable_hours_end)
            .bind(new.role.as_str())
            .bind(new.custom_role_id)
            .bind(new.status.as_str())
            .bind(new.updated_at)
            .bind(&new.phone)
            .execute(conn)
            .await
            .map_err(Error::unique_as(UniqueField::Slug))?;
    });
    let role_changed = (old.role, old.custom_role_id) != (new.role, new.custom_role_id);
    let (action, old_values, new_values) = if role_changed {
        (
            "user.role_changed",
            json!({ "role": old.role.as_str(), "custom_role_id": old.custom_role_id }),
            json!({ "role": new.role.as_str(), "custom_role_id": new.custom_role_id }),
        )
    } else if old.status != new.status {
        (
            "user.status_changed",
            json!({ "status": old.status.as_str() }),
            json!({ "status": new.status.as_str() }),
        )
    } else {
        (
            "user.updated",
            json!({ "name": old.name, "slug": old.slug, "time_zone": old.time_zone }),
            json!({ "name": new.name, "slug": new.slug, "time_zone": new.time_zone }),
        )
    };
    audit::record_at(
        tx,
        org,
        scope.actor(),
        scope.ip(),
        Change {
            action: action.into(),
            target_type: "user",
            target_id: Some(id.0),
            old_values: Some(old_values),
            new_values: Some(new_values),
        },
    )
    .await?;
    Ok((old, new))
}

/// Users inside a unit of work.
#[derive(Debug)]
pub struct UsersTx<'u> {
    unit: &'u mut Unit,
}

impl Unit {
    /// The organization's users, inside this unit.
    pub fn users(&mut self) -> UsersTx<'_> {
        UsersTx { unit: self }
    }
}

impl UsersTx<'_> {
    /// One user by id.
    pub async fn get(&mut self, id: UserId) -> Result<User, Error> {
        get_in(&mut self.unit.tx, self.unit.org, id).await
    }

    /// Inserts an active user (an organization's founding owner).
    pub async fn insert(&mut self, new: NewUser) -> Result<User, Error> {
        let user = fresh(self.unit.org, new, UserStatus::Active);
        insert_row(&mut self.unit.tx, &user).await?;
        Ok(user)
    }

    /// Creates an `invited` user, audited as `user.invited`. (The invitation's token and
    /// e-mail, and so `invite.valid_for`, are the caller's.)
    pub async fn invite(
        &mut self,
        grant: &Granted<can::ManageUsers>,
        invite: NewInvite,
    ) -> Result<User, Error> {
        let scope = self.in_unit(grant)?;
        let org = self.unit.org;
        let mut user = fresh(
            org,
            NewUser {
                email: invite.email,
                name: invite.name,
                role: invite.role,
                time_zone: invite.time_zone,
            },
            UserStatus::Invited,
        );
        user.custom_role_id = invite.custom_role_id;
        check_role(&mut self.unit.tx, org, user.custom_role_id).await?;
        insert_row(&mut self.unit.tx, &user).await?;
        audit::record_at(
            &mut self.unit.tx,
            org,
            scope.actor(),
            scope.ip(),
            Change {
                action: "user.invited".into(),
                target_type: "user",
                target_id: Some(user.id.0),
                old_values: None,
                new_values: Some(json!({
                    "email": user.email,
                    "role": user.role.as_str(),
                    "custom_role_id": user.custom_role_id,
                })),
            },
        )
        .await?;
        Ok(user)
    }

    /// Changes any user of the organization, including role, custom role and status (see
    /// [`apply`] for the audit). Returns the user before and after.
    pub async fn update(
        &mut self,
        grant: &Granted<can::ManageUsers>,
        id: UserId,
        changes: UserChanges,
    ) -> Result<(User, User), Error> {
        let scope = self.in_unit(grant)?;
        apply(&mut self.unit.tx, scope, id, changes).await
    }

    /// Removes a user, softly: the row stays so their bookings and history stay whole, but
    /// they vanish from every read, cannot sign in, and their keys and team memberships end.
    /// The address and slug are freed for someone new (the address is kept in
    /// `deleted_email`). Audited as `user.deleted`.
    pub async fn delete(
        &mut self,
        grant: &Granted<can::ManageUsers>,
        id: UserId,
    ) -> Result<(), Error> {
        const SQL: &str = "UPDATE users SET deleted_at = $3, updated_at = $3, \
            deleted_email = email, email = $4, slug = NULL, status = 'inactive', \
            password_hash = NULL \
            WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL";
        const REVOKE_KEYS: &str = "UPDATE api_keys SET revoked_at = $3 \
            WHERE organization_id = $1 AND user_id = $2 AND revoked_at IS NULL";
        const LEAVE_TEAMS: &str =
            "DELETE FROM team_members WHERE organization_id = $1 AND user_id = $2";
        let scope = self.in_unit(grant)?;
        let org = self.unit.org;
        let now = Timestamp::now();
        let old = get_in(&mut self.unit.tx, org, id).await?;
        // Unique per organization like any address, and never deliverable (RFC 2606).
        let placeholder = format!("{id}@deleted.invalid");
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(SQL).bind(org).bind(id).bind(now).bind(&placeholder).execute(&mut *conn).await?;
            sqlx::query(REVOKE_KEYS).bind(org).bind(id).bind(now).execute(&mut *conn).await?;
            sqlx::query(LEAVE_TEAMS).bind(org).bind(id).execute(&mut *conn).await?;
        });
        audit::record_at(
            &mut self.unit.tx,
            org,
            scope.actor(),
            scope.ip(),
            Change {
                action: "user.deleted".into(),
                target_type: "user",
                target_id: Some(id.0),
                old_values: Some(json!({ "email": old.email, "role": old.role.as_str() })),
                new_values: None,
            },
        )
        .await?;
        Ok(())
    }

    /// Counts a failed sign-in at `id`'s account, unless it is locked now (a lock is not
    /// counted into another). Returns the failures since the last sign-in, or `None` when
    /// locked.
    pub async fn count_failed_login(&mut self, id: UserId) -> Result<Option<u32>, Error> {
        const SQL: &str = "UPDATE users SET failed_login_attempts = failed_login_attempts + 1 \
            WHERE organization_id = $1 AND id = $2 \
              AND (locked_until IS NULL OR locked_until <= $3) \
            RETURNING failed_login_attempts";
        let org = self.unit.org;
        let failures: Option<(i32,)> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(SQL).bind(org).bind(id).bind(Timestamp::now()).fetch_optional(conn).await?
        });
        Ok(failures.map(|(f,)| u32::try_from(f).unwrap_or(0)))
    }

    /// Locks `id`'s account against sign-in until `until`; its failures start over.
    pub async fn lock(&mut self, id: UserId, until: Timestamp) -> Result<(), Error> {
        const SQL: &str = "UPDATE users SET failed_login_attempts = 0, locked_until = $3 \
            WHERE organization_id = $1 AND id = $2";
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(SQL).bind(org).bind(id).bind(until).execute(conn).await?;
        });
        Ok(())
    }

    /// Lifts `id`'s sign-in lock; its failures start over.
    pub async fn clear_lock(&mut self, id: UserId) -> Result<(), Error> {
        const SQL: &str = "UPDATE users SET failed_login_attempts = 0, locked_until = NULL \
            WHERE organization_id = $1 AND id = $2";
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(SQL).bind(org).bind(id).execute(conn).await?;
        });
        Ok(())
    }

    /// Records a sign-in of `id` from `ip` now: the lock lifts and the failures start over.
    pub async fn record_sign_in(&mut self, id: UserId, ip: Option<&str>) -> Result<(), Error> {
        const SQL: &str = "UPDATE users SET failed_login_attempts = 0, locked_until = NULL, \
            last_login_at = $3, last_login_ip = $4 WHERE organization_id = $1 AND id = $2";
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(SQL).bind(org).bind(id).bind(Timestamp::now()).bind(ip).execute(conn).await?;
        });
        Ok(())
    }

    /// Replaces `id`'s password with `password_hash` (a PHC string), changed `at`.
    pub async fn set_password(
        &mut self,
        id: UserId,
        password_hash: &str,
        at: Timestamp,
    ) -> Result<(), Error> {
        const SQL: &str = "UPDATE users SET password_hash = $3, password_changed_at = $4, \
            updated_at = $4 WHERE organization_id = $1 AND id = $2";
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(SQL).bind(org).bind(id).bind(password_hash).bind(at).execute(conn).await?;
        });
        Ok(())
    }

    /// Makes an `invited` user active with their address verified `at` (unless it was
    /// already); a user in any other status is left as they are.
    pub async fn activate_invited(&mut self, id: UserId, at: Timestamp) -> Result<(), Error> {
        const SQL: &str = "UPDATE users SET status = 'active', \
            email_verified_at = COALESCE(email_verified_at, $3) \
            WHERE organization_id = $1 AND id = $2 AND status = 'invited'";
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(SQL).bind(org).bind(id).bind(at).execute(conn).await?;
        });
        Ok(())
    }

    /// Replaces `id`'s name.
    pub async fn rename(&mut self, id: UserId, name: &str) -> Result<(), Error> {
        const SQL: &str = "UPDATE users SET name = $3 WHERE organization_id = $1 AND id = $2";
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(SQL).bind(org).bind(id).bind(name).execute(conn).await?;
        });
        Ok(())
    }

    /// Marks `id`'s address verified `at`, unless it was already.
    pub async fn mark_email_verified(&mut self, id: UserId, at: Timestamp) -> Result<(), Error> {
        const SQL: &str = "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $3) \
            WHERE organization_id = $1 AND id = $2";
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(SQL).bind(org).bind(id).bind(at).execute(conn).await?;
        });
        Ok(())
    }

    /// The scope of `grant`, which must be this unit's organization's.
    fn in_unit<'g>(&self, grant: &'g Granted<can::ManageUsers>) -> Result<&'g Scope, Error> {
        let scope = grant.scope();
        if scope.organization_id() == self.unit.org {
            Ok(scope)
        } else {
            Err(Error::NotFound("user"))
        }
    }
}

/// `SELECT <columns> FROM users <rest>`; `rest` is always a literal from this file.
fn const_format_select(rest: &'static str) -> String {
    format!("SELECT {COLUMNS} FROM users {rest}")
}

/// The users of `org` among `ids`, read inside `tx` in one statement (order not kept).
pub(crate) async fn fetch_many(
    tx: &mut Tx,
    org: OrganizationId,
    ids: &[UserId],
) -> Result<Vec<User>, Error> {
    let sql = format!(
        "SELECT {COLUMNS} FROM users WHERE organization_id = $1 AND deleted_at IS NULL \
         AND id IN ({})",
        crate::repo::placeholders(2, ids.len())
    );
    let rows: Vec<Row> = with_tx!(tx, conn => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org);
        for id in ids {
            query = query.bind(*id);
        }
        query.fetch_all(conn).await?
    });
    rows.into_iter().map(User::try_from).collect()
}

impl TryFrom<Row> for User {
    type Error = Error;
    fn try_from(r: Row) -> Result<Self, Error> {
        Ok(Self {
            id: r.id,
            organization_id: r.organization_id,
            email: r.email,
            name: r.name,
            role: crate::scope::parse_role(&r.role)?,
            time_zone: r.time_zone,
            created_at: r.created_at,
            updated_at: r.updated_at,
            slug: r.slug,
            status: UserStatus::parse(&r.status)
                .ok_or_else(|| Error::Corrupt(format!("unknown user status {:?}", r.status)))?,
            custom_role_id: r.custom_role_id,
            reasonable_hours_start: r.reasonable_hours_start,
            reasonable_hours_end: r.reasonable_hours_end,
            email_verified_at: r.email_verified_at,
            failed_login_attempts: r.failed_login_attempts,
            locked_until: r.locked_until,
            last_login_at: r.last_login_at,
            last_login_ip: r.last_login_ip,
            phone: r.phone,
        })
    }
}

impl UsersTx<'_> {
    /// The users among `ids` who are not removed, in one statement (order not kept).
    pub async fn many(&mut self, ids: &[UserId]) -> Result<Vec<User>, Error> {
        fetch_many(&mut self.unit.tx, self.unit.org, ids).await
    }
}
