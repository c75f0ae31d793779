//! Organizations: the tenants. Creating one also creates its owner and first API key, in one
//! transaction, so an organization never exists without someone able to use it.

use serde_json::json;

use crate::repo::api_keys::{self, IssuedApiKey};
use crate::repo::audit::{self, Change};
use crate::repo::users::{self, NewUser, User};
use crate::scope::{Actor, AdminScope, Operator, Role, Scope};
use crate::types::{OrganizationId, Timestamp};
use crate::{Db, Error, with_pool, with_tx};

/// A tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    pub id: OrganizationId,
    /// Unique, URL-safe handle: `acme`.
    pub slug: String,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What it takes to create an organization.
#[derive(Clone, Debug)]
pub struct NewOrganization {
    pub slug: String,
    pub name: String,
    pub owner_email: String,
    pub owner_name: String,
    pub owner_time_zone: String,
}

/// The result of creating an organization. `api_key` is the only copy of the key.
#[derive(Debug)]
pub struct CreatedOrganization {
    pub organization: Organization,
    pub owner: User,
    pub api_key: IssuedApiKey,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: OrganizationId,
    slug: String,
    name: String,
    created_at: Timestamp,
    updated_at: Timestamp,
}

impl From<Row> for Organization {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            slug: r.slug,
            name: r.name,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Organizations, for the operator and for their own members.
#[derive(Debug)]
pub struct Organizations<'a> {
    pub(crate) db: &'a Db,
}

impl Organizations<'_> {
    /// Creates an organization with its owner and a first API key.
    pub async fn create(
        &self,
        _operator: &Operator,
        new: NewOrganization,
    ) -> Result<CreatedOrganization, Error> {
        const SQL: &str = "INSERT INTO organizations (id, slug, name, created_at, updated_at) \
            VALUES ($1, $2, $3, $4, $4)";
        let now = Timestamp::now();
        let organization = Organization {
            id: OrganizationId::new(),
            slug: new.slug,
            name: new.name,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin_write().await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(organization.id)
                .bind(&organization.slug)
                .bind(&organization.name)
                .bind(now)
                .execute(conn)
                .await
                .map_err(Error::unique_as("slug"))?;
        });
        let owner = users::insert(
            &mut tx,
            organization.id,
            NewUser {
                email: new.owner_email,
                name: new.owner_name,
                role: Role::Owner,
                time_zone: new.owner_time_zone,
            },
        )
        .await?;
        let api_key = api_keys::insert(&mut tx, organization.id, owner.id, "initial key").await?;
        audit::record(
            &mut tx,
            organization.id,
            Actor::Operator,
            Change {
                action: "organization.created".into(),
                target_type: "organization",
                target_id: Some(organization.id.0),
                old_values: None,
                new_values: Some(json!({
                    "slug": organization.slug,
                    "name": organization.name,
                    "owner_email": owner.email,
                })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedOrganization {
            organization,
            owner,
            api_key,
        })
    }

    /// Every organization, by slug.
    pub async fn list(&self, _operator: &Operator) -> Result<Vec<Organization>, Error> {
        const SQL: &str = "SELECT id, slug, name, created_at, updated_at FROM organizations \
            ORDER BY slug";
        let rows: Vec<Row> =
            with_pool!(self.db, pool => sqlx::query_as(SQL).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Organization::from).collect())
    }

    /// Lets the operator act inside the organization with this slug.
    pub async fn operator_scope(&self, _operator: &Operator, slug: &str) -> Result<Scope, Error> {
        const SQL: &str = "SELECT id, slug, name, created_at, updated_at FROM organizations \
            WHERE slug = $1";
        let row: Option<Row> = with_pool!(self.db, pool => {
            sqlx::query_as(SQL).bind(slug).fetch_optional(pool).await?
        });
        let row = row.ok_or(Error::NotFound("organization"))?;
        Ok(Scope::new(row.id, Actor::Operator, Role::Owner))
    }

    /// The scope's own organization.
    pub async fn get(&self, scope: &Scope) -> Result<Organization, Error> {
        const SQL: &str = "SELECT id, slug, name, created_at, updated_at FROM organizations \
            WHERE id = $1";
        let row: Option<Row> = with_pool!(self.db, pool => {
            sqlx::query_as(SQL).bind(scope.organization_id()).fetch_optional(pool).await?
        });
        row.map(Organization::from)
            .ok_or(Error::NotFound("organization"))
    }

    /// Changes the scope's own organization and records the change.
    pub async fn update(
        &self,
        admin: &AdminScope,
        changes: OrganizationChanges,
    ) -> Result<Organization, Error> {
        let scope = admin.scope();
        const SELECT: &str = "SELECT id, slug, name, created_at, updated_at FROM organizations \
            WHERE id = $1";
        const UPDATE: &str = "UPDATE organizations SET name = $2, updated_at = $3 WHERE id = $1";
        let mut tx = self.db.begin_write().await?;
        let row: Option<Row> = with_tx!(&mut tx, conn => {
            sqlx::query_as(SELECT).bind(scope.organization_id()).fetch_optional(conn).await?
        });
        let old = Organization::from(row.ok_or(Error::NotFound("organization"))?);
        let mut new = old.clone();
        if let Some(name) = changes.name {
            new.name = name;
        }
        if new == old {
            return Ok(old);
        }
        new.updated_at = Timestamp::now();
        with_tx!(&mut tx, conn => {
            sqlx::query(UPDATE)
                .bind(new.id)
                .bind(&new.name)
                .bind(new.updated_at)
                .execute(conn)
                .await?;
        });
        audit::record(
            &mut tx,
            new.id,
            scope.actor(),
            Change {
                action: "organization.updated".into(),
                target_type: "organization",
                target_id: Some(new.id.0),
                old_values: Some(json!({ "name": old.name })),
                new_values: Some(json!({ "name": new.name })),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }
}
