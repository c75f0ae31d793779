//! Organizations: the tenants. Creating one also creates its owner and first API key, in one
//! transaction, so an organization never exists without someone able to use it.

use serde_json::json;

use crate::repo::accounts::ClientInfo;
use crate::repo::api_keys::{self, IssuedApiKey};
use crate::repo::audit::{self, Change};
use crate::repo::users;
use crate::scope::{AdminScope, Operator, Registration, Scope};
use crate::{Db, Error, with_pool, with_tx};
use domain::access::{Actor, Role};
use domain::ids::{OrganizationId, Timestamp};
use domain::organizations::{NewOrganization, Organization, OrganizationChanges};
use domain::refusals::UniqueField;
use domain::users::{NewUser, User};

/// The result of creating an organization. `api_key` is the only copy of the key.
#[derive(Debug)]
pub struct CreatedOrganization {
    pub organization: Organization,
    pub owner: User,
    pub api_key: IssuedApiKey,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: OrganizationId,
    slug: String,
    name: String,
    created_at: Timestamp,
    updated_at: Timestamp,
    brand_color: Option<String>,
    logo_url: Option<String>,
    default_time_zone: String,
}

/// Inserts an organization and its active owner inside `tx`.
async fn found(tx: &mut crate::Tx, new: NewOrganization) -> Result<(Organization, User), Error> {
    const SQL: &str = "INSERT INTO organizations \
        (id, slug, name, created_at, updated_at, default_time_zone) \
        VALUES ($1, $2, $3, $4, $4, $5)";
    let now = Timestamp::now();
    let organization = Organization {
        id: OrganizationId::new(),
        slug: new.slug,
        name: new.name,
        created_at: now,
        updated_at: now,
        brand_color: None,
        logo_url: None,
        // The owner's zone is the best guess of where the organization works.
        default_time_zone: new.owner_time_zone.clone(),
    };
    with_tx!(tx, conn => {
        sqlx::query(SQL)
            .bind(organization.id)
            .bind(&organization.slug)
            .bind(&organization.name)
            .bind(now)
            .bind(&organization.default_time_zone)
            .execute(conn)
            .await
            .map_err(Error::unique_as(UniqueField::Slug))?;
    });
    let owner = users::insert(
        tx,
        organization.id,
        NewUser {
            email: new.owner_email,
            name: new.owner_name,
            role: Role::Owner,
            time_zone: new.owner_time_zone,
        },
    )
    .await?;
    Ok((organization, owner))
}

/// The audit entry of a new organization.
fn created(organization: &Organization, owner: &User) -> Change<'static> {
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
        let mut tx = self.db.begin_write(crate::CrossTenant::Founding).await?;
        let (organization, owner) = found(&mut tx, new).await?;
        let api_key = api_keys::insert(&mut tx, organization.id, owner.id, "initial key").await?;
        audit::record(
            &mut tx,
            organization.id,
            Actor::Operator,
            created(&organization, &owner),
        )
        .await?;
        tx.commit().await?;
        Ok(CreatedOrganization {
            organization,
            owner,
            api_key,
        })
    }

    /// Founds an organization through public sign-up: its owner signs in with
    /// `password_hash` (no API key is made). The registration is used up.
    pub async fn register(
        &self,
        _registration: Registration,
        new: NewOrganization,
        password_hash: &str,
        client: &ClientInfo,
    ) -> Result<(Organization, User), Error> {
        const PASSWORD: &str = "UPDATE users SET password_hash = $3, password_changed_at = $4 \
            WHERE organization_id = $1 AND id = $2";
        let mut tx = self.db.begin_write(crate::CrossTenant::Founding).await?;
        let (organization, owner) = found(&mut tx, new).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(PASSWORD)
                .bind(organization.id)
                .bind(owner.id)
                .bind(password_hash)
                .bind(organization.created_at)
                .execute(conn)
                .await?;
        });
        let mut change = created(&organization, &owner);
        change.action = "organization.registered".into();
        audit::record_at(
            &mut tx,
            organization.id,
            Actor::Anonymous,
            client.ip.as_deref(),
            change,
        )
        .await?;
        tx.commit().await?;
        Ok((organization, owner))
    }

    /// Every organization, by slug.
    pub async fn list(&self, _operator: &Operator) -> Result<Vec<Organization>, Error> {
        const SQL: &str = "SELECT id, slug, name, created_at, updated_at, brand_color, logo_url, default_time_zone FROM organizations \
            ORDER BY slug";
        let rows: Vec<Row> = with_pool!(self.db, crate::CrossTenant::Operator, pool => sqlx::query_as(SQL).fetch_all(pool).await?);
        Ok(rows.into_iter().map(Organization::from).collect())
    }

    /// Lets the operator act inside the organization with this slug.
    pub async fn operator_scope(&self, _operator: &Operator, slug: &str) -> Result<Scope, Error> {
        const SQL: &str = "SELECT id, slug, name, created_at, updated_at, brand_color, logo_url, default_time_zone FROM organizations \
            WHERE slug = $1";
        let row: Option<Row> = with_pool!(self.db, crate::CrossTenant::Operator, pool => {
            sqlx::query_as(SQL).bind(slug).fetch_optional(pool).await?
        });
        let row = row.ok_or(Error::NotFound("organization"))?;
        Ok(Scope::new(row.id, Actor::Operator, Role::Owner))
    }

    /// The scope's own organization.
    pub async fn get(&self, scope: &Scope) -> Result<Organization, Error> {
        const SQL: &str = "SELECT id, slug, name, created_at, updated_at, brand_color, logo_url, default_time_zone FROM organizations \
            WHERE id = $1";
        let row: Option<Row> = with_pool!(self.db, scope, pool => {
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
        const SELECT: &str = "SELECT id, slug, name, created_at, updated_at, brand_color, logo_url, default_time_zone FROM organizations \
            WHERE id = $1";
        const UPDATE: &str = "UPDATE organizations SET name = $2, updated_at = $3, \
            brand_color = $4, logo_url = $5, default_time_zone = $6 WHERE id = $1";
        let mut tx = self.db.begin_write(scope).await?;
        let row: Option<Row> = with_tx!(&mut tx, conn => {
            sqlx::query_as(SELECT).bind(scope.organization_id()).fetch_optional(conn).await?
        });
        let old = Organization::from(row.ok_or(Error::NotFound("organization"))?);
        let mut new = old.clone();
        if let Some(name) = changes.name {
            new.name = name;
        }
        if let Some(color) = changes.brand_color {
            new.brand_color = color;
        }
        if let Some(logo) = changes.logo_url {
            new.logo_url = logo;
        }
        if let Some(tz) = changes.default_time_zone {
            new.default_time_zone = tz;
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
                .bind(&new.brand_color)
                .bind(&new.logo_url)
                .bind(&new.default_time_zone)
                .execute(conn)
                .await?;
        });
        // Only the fields that changed, so the log reads as a diff.
        let (mut before, mut after) = (serde_json::Map::new(), serde_json::Map::new());
        let mut diff = |field: &str, old: serde_json::Value, new: serde_json::Value| {
            if old != new {
                before.insert(field.to_owned(), old);
                after.insert(field.to_owned(), new);
            }
        };
        diff("name", json!(old.name), json!(new.name));
        diff(
            "brand_color",
            json!(old.brand_color),
            json!(new.brand_color),
        );
        diff("logo_url", json!(old.logo_url), json!(new.logo_url));
        diff(
            "default_time_zone",
            json!(old.default_time_zone),
            json!(new.default_time_zone),
        );
        let (before, after) = (
            serde_json::Value::from(before),
            serde_json::Value::from(after),
        );
        audit::record_at(
            &mut tx,
            new.id,
            scope.actor(),
            scope.ip(),
            Change {
                action: "organization.updated".into(),
                target_type: "organization",
                target_id: Some(new.id.0),
                old_values: Some(before),
                new_values: Some(after),
            },
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }
}

impl From<Row> for Organization {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            slug: r.slug,
            name: r.name,
            created_at: r.created_at,
            updated_at: r.updated_at,
            brand_color: r.brand_color,
            logo_url: r.logo_url,
            default_time_zone: r.default_time_zone,
        }
    }
}
