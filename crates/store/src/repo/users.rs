//! Users: the people of an organization.

use crate::scope::{Role, Scope};
use crate::types::{OrganizationId, Timestamp, UserId};
use crate::{Db, Error, Tx, with_pool, with_tx};

/// A member of an organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub organization_id: OrganizationId,
    /// Stored lower-cased; unique within the organization.
    pub email: String,
    pub name: String,
    pub role: Role,
    /// IANA zone name.
    pub time_zone: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What it takes to add a user.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub time_zone: String,
}

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
}

impl TryFrom<Row> for User {
    type Error = Error;
    fn try_from(r: Row) -> Result<Self, Error> {
        Ok(Self {
            id: r.id,
            organization_id: r.organization_id,
            email: r.email,
            name: r.name,
            role: Role::parse(&r.role)?,
            time_zone: r.time_zone,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

const COLUMNS: &str = "id, organization_id, email, name, role, time_zone, created_at, updated_at";

/// Inserts a user inside `tx` (used by organization creation and, later, invitations).
pub(crate) async fn insert(
    tx: &mut Tx,
    organization_id: OrganizationId,
    new: NewUser,
) -> Result<User, Error> {
    const SQL: &str = "INSERT INTO users \
        (organization_id, id, email, name, role, time_zone, created_at, updated_at) \
        VALUES ($1, $2, $3, $4, $5, $6, $7, $7)";
    let now = Timestamp::now();
    let user = User {
        id: UserId::new(),
        organization_id,
        email: new.email.to_lowercase(),
        name: new.name,
        role: new.role,
        time_zone: new.time_zone,
        created_at: now,
        updated_at: now,
    };
    with_tx!(tx, conn => {
        sqlx::query(SQL)
            .bind(organization_id)
            .bind(user.id)
            .bind(&user.email)
            .bind(&user.name)
            .bind(user.role.as_str())
            .bind(&user.time_zone)
            .bind(now)
            .execute(conn)
            .await
            .map_err(Error::unique_as("email"))?;
    });
    Ok(user)
}

/// Users of the scope's organization.
#[derive(Debug)]
pub struct Users<'a> {
    pub(crate) db: &'a Db,
}

impl Users<'_> {
    /// One user by id.
    pub async fn get(&self, scope: &Scope, id: UserId) -> Result<User, Error> {
        let sql = const_format_select("WHERE organization_id = $1 AND id = $2");
        let row: Option<Row> = with_pool!(self.db, pool => {
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
        let sql = const_format_select("WHERE organization_id = $1 AND email = $2");
        let row: Option<Row> = with_pool!(self.db, pool => {
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
        let sql = const_format_select("WHERE organization_id = $1 ORDER BY created_at, id");
        let rows: Vec<Row> = with_pool!(self.db, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization_id())
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(User::try_from).collect()
    }
}

/// `SELECT <columns> FROM users <rest>`; `rest` is always a literal from this file.
fn const_format_select(rest: &'static str) -> String {
    format!("SELECT {COLUMNS} FROM users {rest}")
}

/// One user of `org`, read inside `tx`.
pub(crate) async fn fetch(tx: &mut Tx, org: OrganizationId, id: UserId) -> Result<User, Error> {
    let sql = const_format_select("WHERE organization_id = $1 AND id = $2");
    let row: Option<Row> = with_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(id).fetch_optional(conn).await?
    });
    row.ok_or(Error::NotFound("user"))?.try_into()
}
