//! The resource conflict log: collisions between reservations and what changed around them,
//! recorded by services in the unit of work of the change, and handled by managers.

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, Unit, with_pool, with_tx};
use domain::ids::{ReservationId, ResourceConflictId, ResourceId, Timestamp};
use domain::resources::{ConflictKind, ConflictSeverity, ConflictStatus, ResourceConflict};

#[derive(sqlx::FromRow)]
struct Row {
    id: ResourceConflictId,
    kind: String,
    severity: String,
    status: String,
    resource_id: Option<ResourceId>,
    reservation_id: Option<ReservationId>,
    detail: String,
    resolution: String,
    created_at: Timestamp,
    updated_at: Timestamp,
}

const SELECT: &str = "SELECT id, kind, severity, status, resource_id, reservation_id, detail, \
    resolution, created_at, updated_at FROM resource_conflicts";

impl TryFrom<Row> for ResourceConflict {
    type Error = Error;

    fn try_from(r: Row) -> Result<Self, Error> {
        let corrupt = |what: &str| Error::Corrupt(format!("conflict {what}"));
        Ok(ResourceConflict {
            id: r.id,
            kind: ConflictKind::parse(&r.kind).ok_or_else(|| corrupt("kind"))?,
            severity: ConflictSeverity::parse(&r.severity).ok_or_else(|| corrupt("severity"))?,
            status: ConflictStatus::parse(&r.status).ok_or_else(|| corrupt("status"))?,
            resource_id: r.resource_id,
            reservation_id: r.reservation_id,
            detail: r.detail,
            resolution: r.resolution,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(Debug)]
pub struct ResourceConflicts<'a> {
    pub(crate) db: &'a Db,
}

impl ResourceConflicts<'_> {
    /// The newest first, in one state or all; at most `limit`.
    pub async fn list(
        &self,
        scope: &Scope,
        status: Option<ConflictStatus>,
        limit: u32,
    ) -> Result<Vec<ResourceConflict>, Error> {
        let sql = format!(
            "{SELECT} WHERE organization_id = $1 AND ($2 IS NULL OR status = $2) \
             ORDER BY created_at DESC, id DESC LIMIT $3"
        );
        let rows: Vec<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization_id())
                .bind(status.map(ConflictStatus::as_str))
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
        });
        rows.into_iter().map(ResourceConflict::try_from).collect()
    }

    /// Moves a conflict to `status`, with how it was settled.
    pub async fn update(
        &self,
        grant: &Granted<can::ManageResources>,
        id: ResourceConflictId,
        status: ConflictStatus,
        resolution: &str,
    ) -> Result<ResourceConflict, Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        let changed = with_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE resource_conflicts SET status = $3, resolution = $4, updated_at = $5 \
                 WHERE organization_id = $1 AND id = $2",
            )
            .bind(org)
            .bind(id)
            .bind(status.as_str())
            .bind(resolution)
            .bind(Timestamp::now())
            .execute(conn)
            .await?
            .rows_affected()
        });
        if changed == 0 {
            return Err(Error::NotFound("conflict"));
        }
        let sql = format!("{SELECT} WHERE organization_id = $1 AND id = $2");
        let row: Row = with_tx!(&mut tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(id).fetch_one(conn).await?
        });
        let conflict = ResourceConflict::try_from(row)?;
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::event(
                "resource_conflict.updated",
                "resource_conflict",
                id.0,
                None,
                serde_json::to_value(&conflict).ok(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(conflict)
    }
}

/// The conflict log inside a unit of work: a conflict commits with the change that found it.
#[derive(Debug)]
pub struct ResourceConflictsTx<'u> {
    unit: &'u mut Unit,
}

impl Unit {
    /// The resource conflict log, inside this unit.
    pub fn resource_conflicts(&mut self) -> ResourceConflictsTx<'_> {
        ResourceConflictsTx { unit: self }
    }
}

impl ResourceConflictsTx<'_> {
    pub async fn record(&mut self, conflict: &ResourceConflict) -> Result<(), Error> {
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(
                "INSERT INTO resource_conflicts (organization_id, id, kind, severity, status, \
                 resource_id, reservation_id, detail, resolution, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            )
            .bind(org)
            .bind(conflict.id)
            .bind(conflict.kind.as_str())
            .bind(conflict.severity.as_str())
            .bind(conflict.status.as_str())
            .bind(conflict.resource_id)
            .bind(conflict.reservation_id)
            .bind(&conflict.detail)
            .bind(&conflict.resolution)
            .bind(conflict.created_at)
            .bind(conflict.updated_at)
            .execute(conn)
            .await?;
        });
        Ok(())
    }
}
