//! Custom roles: a name and a set of permission codenames, assigned to users on top of their
//! built-in role.

use serde_json::json;
use sqlx::types::Json;

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, with_pool, with_tx};
use domain::access::Permissions;
use domain::ids::{RoleId, Timestamp};
use domain::refusals::UniqueField;
use domain::roles::CustomRole;

#[derive(sqlx::FromRow)]
struct Row {
    id: RoleId,
    name: String,
    permissions: Json<Vec<String>>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

const SELECT: &str = "SELECT id, name, permissions, created_at, updated_at FROM roles";

/// Custom roles of the scope's organization.
#[derive(Debug)]
pub struct Roles<'a> {
    pub(crate) db: &'a Db,
}

impl Roles<'_> {
    /// All custom roles, by name. Any member may read them (they explain what people can do).
    pub async fn list(&self, scope: &Scope) -> Result<Vec<CustomRole>, Error> {
        let sql = format!("{SELECT} WHERE organization_id = $1 ORDER BY name");
        let rows: Vec<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization_id())
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(CustomRole::from).collect())
    }

    pub async fn get(&self, scope: &Scope, id: RoleId) -> Result<CustomRole, Error> {
        let sql = format!("{SELECT} WHERE organization_id = $1 AND id = $2");
        let row: Option<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization_id())
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        row.map(CustomRole::from).ok_or(Error::NotFound("role"))
    }

    pub async fn create(
        &self,
        grant: &Granted<can::ManageRoles>,
        name: &str,
        permissions: Permissions,
    ) -> Result<CustomRole, Error> {
        const SQL: &str = "INSERT INTO roles \
            (organization_id, id, name, permissions, created_at, updated_at) \
            VALUES ($1, $2, $3, $4, $5, $5)";
        let scope = grant.scope();
        let now = Timestamp::now();
        let role = CustomRole {
            id: RoleId::new(),
            name: name.to_owned(),
            permissions,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(scope.organization_id())
                .bind(role.id)
                .bind(&role.name)
                .bind(Json(permissions.codenames()))
                .bind(now)
                .execute(conn)
                .await
                .map_err(Error::unique_as(UniqueField::Name))?;
        });
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change {
                action: "role.created".into(),
                target_type: "role",
                target_id: Some(role.id.0),
                old_values: None,
                new_values: Some(json!({ "name": name, "permissions": permissions.codenames() })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(role)
    }

    /// Renames a role or replaces its permissions; holders are affected at their next
    /// request (permissions are read at authentication).
    pub async fn update(
        &self,
        grant: &Granted<can::ManageRoles>,
        id: RoleId,
        name: Option<String>,
        permissions: Option<Permissions>,
    ) -> Result<CustomRole, Error> {
        const SQL: &str = "UPDATE roles SET name = $3, permissions = $4, updated_at = $5 \
            WHERE organization_id = $1 AND id = $2";
        let scope = grant.scope();
        let old = self.get(scope, id).await?;
        let mut new = old.clone();
        if let Some(name) = name {
            new.name = name;
        }
        if let Some(p) = permissions {
            new.permissions = p;
        }
        if new == old {
            return Ok(old);
        }
        new.updated_at = Timestamp::now();
        let mut tx = self.db.begin_write(scope).await?;
        let changed = with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(scope.organization_id())
                .bind(id)
                .bind(&new.name)
                .bind(Json(new.permissions.codenames()))
                .bind(new.updated_at)
                .execute(conn)
                .await
                .map_err(Error::unique_as(UniqueField::Name))?
                .rows_affected()
        });
        if changed == 0 {
            return Err(Error::NotFound("role"));
        }
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change {
                action: "role.updated".into(),
                target_type: "role",
                target_id: Some(id.0),
                old_values: Some(
                    json!({ "name": old.name, "permissions": old.permissions.codenames() }),
                ),
                new_values: Some(
                    json!({ "name": new.name, "permissions": new.permissions.codenames() }),
                ),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Deletes a role; users holding it keep only their built-in role.
    pub async fn delete(&self, grant: &Granted<can::ManageRoles>, id: RoleId) -> Result<(), Error> {
        const UNASSIGN: &str = "UPDATE users SET custom_role_id = NULL \
            WHERE organization_id = $1 AND custom_role_id = $2";
        const DELETE: &str = "DELETE FROM roles WHERE organization_id = $1 AND id = $2";
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        let deleted = with_tx!(&mut tx, conn => {
            sqlx::query(UNASSIGN).bind(org).bind(id).execute(&mut *conn).await?;
            sqlx::query(DELETE).bind(org).bind(id).execute(conn).await?.rows_affected()
        });
        if deleted == 0 {
            return Err(Error::NotFound("role"));
        }
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change {
                action: "role.deleted".into(),
                target_type: "role",
                target_id: Some(id.0),
                old_values: None,
                new_values: None,
            },
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl From<Row> for CustomRole {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            name: r.name,
            // Unknown codenames (from a newer version) are dropped, as at sign-in.
            permissions: domain::access::Permissions::known(&r.permissions.0),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
