//! Organizations: the tenants. Founding one opens the unit of work in which the caller
//! writes its first rows (its owner, a first key), so an organization never exists without
//! someone able to use it.

use serde_json::json;

use crate::repo::audit::{self, Change};
use crate::scope::{AdminScope, Operator, Registration, Scope};
use crate::{Db, Error, Unit, with_pool, with_tx};
use domain::access::{Actor, Role};
use domain::ids::{OrganizationId, Timestamp};
use domain::organizations::{Organization, OrganizationChanges};
use domain::refusals::UniqueField;

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

const SELECT_ONE: &str = "SELECT id, slug, name, created_at, updated_at, brand_color, logo_url, \
    default_time_zone FROM organizations WHERE id = $1";

/// Who founds an organization: the operator, or anyone through public sign-up (which uses
/// its [`Registration`] up).
#[derive(Debug)]
pub enum Founder<'a> {
    Operator(&'a Operator),
    SignUp(Registration),
}

/// An organization to found.
#[derive(Clone, Copy, Debug)]
pub struct Founding<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    /// The zone its new users start in.
    pub default_time_zone: &'a str,
}

/// Organizations, for the operator and for their own members.
#[derive(Debug)]
pub struct Organizations<'a> {
    pub(crate) db: &'a Db,
}

impl Organizations<'_> {
    /// Founds an organization: inserts it in a new unit of work on it and returns both. The
    /// organization commits with what the caller writes in the unit (its owner, ...), or not
    /// at all. A taken slug is [`Error::Conflict`].
    pub async fn found(
        &self,
        _founder: Founder<'_>,
        new: Founding<'_>,
    ) -> Result<(Unit, Organization), Error> {
        const SQL: &str = "INSERT INTO organizations \
            (id, slug, name, created_at, updated_at, default_time_zone) \
            VALUES ($1, $2, $3, $4, $4, $5)";
        let now = Timestamp::now();
        let organization = Organization {
            id: OrganizationId::new(),
            slug: new.slug.to_owned(),
            name: new.name.to_owned(),
            created_at: now,
            updated_at: now,
            brand_color: None,
            logo_url: None,
            default_time_zone: new.default_time_zone.to_owned(),
        };
        // Its first rows are written before anyone can be scoped to it.
        let mut tx = self.db.begin_write(crate::CrossTenant::Founding).await?;
        with_tx!(&mut tx, conn => {
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
        Ok((Unit::new(tx, organization.id), organization))
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

/// The unit's own organization.
#[derive(Debug)]
pub struct OrganizationsTx<'u> {
    unit: &'u mut Unit,
}

impl Unit {
    /// The unit's organization, inside this unit.
    pub fn organizations(&mut self) -> OrganizationsTx<'_> {
        OrganizationsTx { unit: self }
    }
}

impl OrganizationsTx<'_> {
    /// The unit's organization.
    pub async fn get(&mut self) -> Result<Organization, Error> {
        let org = self.unit.org;
        let row: Option<Row> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(SELECT_ONE).bind(org).fetch_optional(conn).await?
        });
        row.map(Organization::from)
            .ok_or(Error::NotFound("organization"))
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
