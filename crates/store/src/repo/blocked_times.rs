//! Blocked times: one-off periods a user cannot be booked, entered by hand or copied from a
//! calendar.

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, with_pool, with_tx};
use domain::blocked_times::{BlockedTime, NewBlockedTime};
use domain::ids::{BlockedTimeId, Timestamp, UserId};

#[derive(sqlx::FromRow)]
struct Row {
    id: BlockedTimeId,
    user_id: UserId,
    start_at: Timestamp,
    end_at: Timestamp,
    source: String,
    external_id: Option<String>,
    reason: String,
    created_at: Timestamp,
}

const SELECT: &str = "SELECT id, user_id, start_at, end_at, source, external_id, reason, created_at \
    FROM blocked_times";

#[derive(Debug)]
pub struct BlockedTimes<'a> {
    pub(crate) db: &'a Db,
}

impl BlockedTimes<'_> {
    pub async fn create(
        &self,
        grant: &Granted<can::ManageAvailability>,
        new: NewBlockedTime,
    ) -> Result<BlockedTime, Error> {
        let scope = grant.scope();
        let blocked = BlockedTime {
            id: BlockedTimeId::new(),
            user_id: new.user_id,
            start_at: new.start_at,
            end_at: new.end_at,
            source: new.source,
            external_id: new.external_id,
            reason: new.reason,
            created_at: Timestamp::now(),
        };
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO blocked_times (organization_id, id, user_id, start_at, end_at, source, \
                 external_id, reason, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(scope.organization_id())
            .bind(blocked.id)
            .bind(blocked.user_id)
            .bind(blocked.start_at)
            .bind(blocked.end_at)
            .bind(&blocked.source)
            .bind(&blocked.external_id)
            .bind(&blocked.reason)
            .bind(blocked.created_at)
            .execute(conn)
            .await?;
        });
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change::created("blocked_time", blocked.id.0, &blocked),
        )
        .await?;
        tx.commit().await?;
        Ok(blocked)
    }

    /// A user's blocked periods that overlap `[from, until)`, by start.
    pub async fn overlapping(
        &self,
        scope: &Scope,
        user_id: UserId,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<BlockedTime>, Error> {
        let mut tx = self.db.begin_read(scope).await?;
        let found = overlapping_in(&mut tx, scope.organization_id(), user_id, from, until).await?;
        tx.commit().await?;
        Ok(found)
    }

    pub async fn get(&self, scope: &Scope, id: BlockedTimeId) -> Result<BlockedTime, Error> {
        let sql = format!("{SELECT} WHERE organization_id = $1 AND id = $2");
        let row: Option<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).bind(id).fetch_optional(pool).await?
        });
        row.map(BlockedTime::from)
            .ok_or(Error::NotFound("blocked time"))
    }

    pub async fn delete(
        &self,
        grant: &Granted<can::ManageAvailability>,
        id: BlockedTimeId,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let old = self.get(scope, id).await?;
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM blocked_times WHERE organization_id = $1 AND id = $2")
                .bind(scope.organization_id()).bind(id).execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change::deleted("blocked_time", id.0, &old),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

/// A user's blocked periods that overlap `[from, until)`, read inside `tx`.
async fn overlapping_in(
    tx: &mut crate::Tx,
    org: domain::ids::OrganizationId,
    user_id: UserId,
    from: Timestamp,
    until: Timestamp,
) -> Result<Vec<BlockedTime>, Error> {
    let sql = format!(
        "{SELECT} WHERE organization_id = $1 AND user_id = $2 AND start_at < $4 AND end_at > $3 \
         ORDER BY start_at, id"
    );
    let rows: Vec<Row> = with_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql))
            .bind(org).bind(user_id).bind(from).bind(until)
            .fetch_all(conn).await?
    });
    Ok(rows.into_iter().map(BlockedTime::from).collect())
}

/// Blocked times, read inside a unit of work (a booking transaction reads its hosts').
#[derive(Debug)]
pub struct BlockedTimesTx<'u> {
    unit: &'u mut crate::Unit,
}

impl crate::Unit {
    /// Blocked times, read inside this unit.
    pub fn blocked_times(&mut self) -> BlockedTimesTx<'_> {
        BlockedTimesTx { unit: self }
    }
}

impl BlockedTimesTx<'_> {
    /// The blocked periods of `users` that overlap `[from, until)`, in one statement, by
    /// start.
    pub async fn overlapping(
        &mut self,
        users: &[UserId],
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<BlockedTime>, Error> {
        let sql = format!(
            "{SELECT} WHERE organization_id = $1 AND start_at < $3 AND end_at > $2 \
             AND user_id IN ({}) ORDER BY start_at, id",
            crate::repo::placeholders(4, users.len())
        );
        let org = self.unit.org;
        let rows: Vec<Row> = with_tx!(&mut self.unit.tx, conn => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(from).bind(until);
            for id in users {
                query = query.bind(*id);
            }
            query.fetch_all(conn).await?
        });
        Ok(rows.into_iter().map(BlockedTime::from).collect())
    }
}

impl From<Row> for BlockedTime {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id,
            start_at: r.start_at,
            end_at: r.end_at,
            source: r.source,
            external_id: r.external_id,
            reason: r.reason,
            created_at: r.created_at,
        }
    }
}
