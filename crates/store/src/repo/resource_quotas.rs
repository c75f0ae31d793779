//! Quotas on reservations: how much each person may reserve per period. Services evaluate
//! them with `engine::quota` inside the reservation's unit of work, from what
//! [`ResourceQuotasTx`] reads there.

use sqlx::types::Json;

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, Tx, Unit, with_pool, with_tx};
use domain::ids::{
    OrganizationId, ResourceGroupId, ResourceId, ResourceQuotaId, TeamId, Timestamp, UserId,
};
use domain::refusals::UniqueField;
use domain::resources::{QuotaFields, QuotaPeriod, QuotaScope, QuotaUnit, ResourceQuota};

#[derive(sqlx::FromRow)]
struct Row {
    id: ResourceQuotaId,
    name: String,
    limit_value: f64,
    unit: String,
    period: String,
    scope: String,
    resource_id: Option<ResourceId>,
    team_id: Option<TeamId>,
    group_id: Option<ResourceGroupId>,
    enforced_days: Json<Vec<String>>,
    enforced_hours: Option<Json<[String; 2]>>,
    count_completed: bool,
    first_weekday: String,
    time_zone: String,
    created_at: Timestamp,
    updated_at: Timestamp,
}

const SELECT: &str = "SELECT id, name, limit_value, unit, period, scope, resource_id, team_id, \
    group_id, enforced_days, enforced_hours, count_completed, first_weekday, time_zone, \
    created_at, updated_at FROM resource_quotas";

impl TryFrom<Row> for ResourceQuota {
    type Error = Error;

    fn try_from(r: Row) -> Result<Self, Error> {
        let corrupt = |what: &str| Error::Corrupt(format!("quota {what}"));
        Ok(ResourceQuota {
            id: r.id,
            fields: QuotaFields {
                name: r.name,
                limit: r.limit_value,
                unit: QuotaUnit::parse(&r.unit).ok_or_else(|| corrupt("unit"))?,
                period: QuotaPeriod::parse(&r.period).ok_or_else(|| corrupt("period"))?,
                scope: QuotaScope::parse(&r.scope).ok_or_else(|| corrupt("scope"))?,
                resource_id: r.resource_id,
                team_id: r.team_id,
                group_id: r.group_id,
                enforced_days: r.enforced_days.0,
                enforced_hours: r.enforced_hours.map(|h| h.0),
                count_completed: r.count_completed,
                first_weekday: r.first_weekday,
                time_zone: r.time_zone,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Debug)]
pub struct ResourceQuotas<'a> {
    pub(crate) db: &'a Db,
}

impl ResourceQuotas<'_> {
    pub async fn create(
        &self,
        grant: &Granted<can::ManageResources>,
        fields: QuotaFields,
    ) -> Result<ResourceQuota, Error> {
        let scope = grant.scope();
        let now = Timestamp::now();
        let quota = ResourceQuota {
            id: ResourceQuotaId::new(),
            fields,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin_write(scope).await?;
        write(&mut tx, scope.organization_id(), &quota, true).await?;
        record(
            &mut tx,
            scope,
            Change::created("resource_quota", quota.id.0, &quota),
        )
        .await?;
        tx.commit().await?;
        Ok(quota)
    }

    pub async fn replace(
        &self,
        grant: &Granted<can::ManageResources>,
        id: ResourceQuotaId,
        fields: QuotaFields,
    ) -> Result<ResourceQuota, Error> {
        let scope = grant.scope();
        let mut tx = self.db.begin_write(scope).await?;
        let old = quota_in(&mut tx, scope.organization_id(), id).await?;
        let new = ResourceQuota {
            id,
            fields,
            created_at: old.created_at,
            updated_at: Timestamp::now(),
        };
        write(&mut tx, scope.organization_id(), &new, false).await?;
        record(
            &mut tx,
            scope,
            Change::updated("resource_quota", id.0, &old, &new),
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }

    pub async fn get(&self, scope: &Scope, id: ResourceQuotaId) -> Result<ResourceQuota, Error> {
        let mut tx = self.db.begin_read(scope).await?;
        let found = quota_in(&mut tx, scope.organization_id(), id).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Every quota, by name.
    pub async fn list(&self, scope: &Scope) -> Result<Vec<ResourceQuota>, Error> {
        let sql = format!("{SELECT} WHERE organization_id = $1 ORDER BY name, id");
        let rows: Vec<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).fetch_all(pool).await?
        });
        rows.into_iter().map(ResourceQuota::try_from).collect()
    }

    pub async fn delete(
        &self,
        grant: &Granted<can::ManageResources>,
        id: ResourceQuotaId,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        let old = quota_in(&mut tx, org, id).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM resource_quotas WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(id).execute(conn).await?;
        });
        record(
            &mut tx,
            scope,
            Change::deleted("resource_quota", id.0, &old),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// What a reservation's quota check reads, inside its unit of work.
#[derive(Debug)]
pub struct ResourceQuotasTx<'u> {
    unit: &'u mut Unit,
}

impl Unit {
    /// Quotas and the facts they are evaluated on, inside this unit.
    pub fn resource_quotas(&mut self) -> ResourceQuotasTx<'_> {
        ResourceQuotasTx { unit: self }
    }
}

impl ResourceQuotasTx<'_> {
    /// Every quota of the organization.
    pub async fn all(&mut self) -> Result<Vec<ResourceQuota>, Error> {
        let sql = format!("{SELECT} WHERE organization_id = $1 ORDER BY name, id");
        let org = self.unit.org;
        let rows: Vec<Row> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).fetch_all(conn).await?
        });
        rows.into_iter().map(ResourceQuota::try_from).collect()
    }

    /// The teams `user` belongs to (a quota's user groups).
    pub async fn teams_of(&mut self, user: UserId) -> Result<Vec<TeamId>, Error> {
        let org = self.unit.org;
        let rows: Vec<(TeamId,)> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as("SELECT team_id FROM team_members WHERE organization_id = $1 AND user_id = $2")
                .bind(org).bind(user).fetch_all(conn).await?
        });
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// The group of every resource that has one (a quota's schedules).
    pub async fn resource_groups(&mut self) -> Result<Vec<(ResourceId, ResourceGroupId)>, Error> {
        let org = self.unit.org;
        let rows: Vec<(ResourceId, ResourceGroupId)> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(
                "SELECT id, group_id FROM resources WHERE organization_id = $1 AND group_id IS NOT NULL",
            )
            .bind(org)
            .fetch_all(conn)
            .await?
        });
        Ok(rows)
    }
}

async fn write(
    tx: &mut Tx,
    org: OrganizationId,
    quota: &ResourceQuota,
    insert: bool,
) -> Result<(), Error> {
    let sql = if insert {
        "INSERT INTO resource_quotas (organization_id, id, name, limit_value, unit, period, scope, \
         resource_id, team_id, group_id, enforced_days, enforced_hours, count_completed, \
         first_weekday, time_zone, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, \
         $9, $10, $11, $12, $13, $14, $15, $16, $17)"
    } else {
        "UPDATE resource_quotas SET name = $3, limit_value = $4, unit = $5, period = $6, \
         scope = $7, resource_id = $8, team_id = $9, group_id = $10, enforced_days = $11, \
         enforced_hours = $12, count_completed = $13, first_weekday = $14, time_zone = $15, \
         updated_at = $17 WHERE organization_id = $1 AND id = $2 AND created_at = $16"
    };
    let f = &quota.fields;
    with_tx!(tx, conn => {
        sqlx::query(sql)
            .bind(org)
            .bind(quota.id)
            .bind(&f.name)
            .bind(f.limit)
            .bind(f.unit.as_str())
            .bind(f.period.as_str())
            .bind(f.scope.as_str())
            .bind(f.resource_id)
            .bind(f.team_id)
            .bind(f.group_id)
            .bind(Json(&f.enforced_days))
            .bind(f.enforced_hours.as_ref().map(Json))
            .bind(f.count_completed)
            .bind(&f.first_weekday)
            .bind(&f.time_zone)
            .bind(quota.created_at)
            .bind(quota.updated_at)
            .execute(conn)
            .await
            .map_err(Error::unique_as(UniqueField::Name))?;
    });
    Ok(())
}

async fn record(tx: &mut Tx, scope: &Scope, change: Change<'_>) -> Result<(), Error> {
    audit::record_at(
        tx,
        scope.organization_id(),
        scope.actor(),
        scope.ip(),
        change,
    )
    .await
}

async fn quota_in(
    tx: &mut Tx,
    org: OrganizationId,
    id: ResourceQuotaId,
) -> Result<ResourceQuota, Error> {
    let sql = format!("{SELECT} WHERE organization_id = $1 AND id = $2");
    let row: Option<Row> = with_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(id).fetch_optional(conn).await?
    });
    row.ok_or(Error::NotFound("quota"))?.try_into()
}
