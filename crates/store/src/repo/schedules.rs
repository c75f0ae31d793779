//! Schedules: a user's weekly hours in a zone, with date overrides. One is the default.

use sqlx::types::Json;

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, with_pool, with_tx};
use domain::ids::{ScheduleId, Timestamp, UserId};
use domain::refusals::{Conflict, UniqueField};
use domain::schedules::{DateOverrides, Schedule, ScheduleFields, WeeklyRules};

#[derive(sqlx::FromRow)]
struct Row {
    id: ScheduleId,
    user_id: UserId,
    name: String,
    time_zone: String,
    weekly: Json<WeeklyRules>,
    overrides: Json<DateOverrides>,
    is_default: bool,
    created_at: Timestamp,
    updated_at: Timestamp,
}

const SELECT: &str = "SELECT id, user_id, name, time_zone, weekly, overrides, is_default, \
    created_at, updated_at FROM schedules";

#[derive(Debug)]
pub struct Schedules<'a> {
    pub(crate) db: &'a Db,
}

impl Schedules<'_> {
    /// Creates a schedule for `user_id`. Making it the default takes that from the old one;
    /// a user's first schedule is the default whatever the input says.
    pub async fn create(
        &self,
        grant: &Granted<can::ManageAvailability>,
        user_id: UserId,
        fields: ScheduleFields,
    ) -> Result<Schedule, Error> {
        let scope = grant.scope();
        let mut tx = self.db.begin_write(scope).await?;
        let org = scope.organization_id();
        let existing: i64 = with_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT COUNT(*) FROM schedules WHERE organization_id = $1 AND user_id = $2")
                .bind(org)
                .bind(user_id)
                .fetch_one(conn)
                .await?
        });
        let is_default = fields.is_default || existing == 0;
        if is_default {
            clear_default(&mut tx, scope, user_id).await?;
        }
        let now = Timestamp::now();
        let schedule = Schedule {
            id: ScheduleId::new(),
            user_id,
            name: fields.name,
            time_zone: fields.time_zone,
            weekly: fields.weekly,
            overrides: fields.overrides,
            is_default,
            created_at: now,
            updated_at: now,
        };
        with_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO schedules (organization_id, id, user_id, name, time_zone, weekly, \
                 overrides, is_default, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
            )
            .bind(org)
            .bind(schedule.id)
            .bind(user_id)
            .bind(&schedule.name)
            .bind(&schedule.time_zone)
            .bind(Json(&schedule.weekly))
            .bind(Json(&schedule.overrides))
            .bind(is_default)
            .bind(now)
            .execute(conn)
            .await
            .map_err(Error::unique_as(UniqueField::Name))?;
        });
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::created("schedule", schedule.id.0, &schedule),
        )
        .await?;
        tx.commit().await?;
        Ok(schedule)
    }

    pub async fn get(&self, scope: &Scope, id: ScheduleId) -> Result<Schedule, Error> {
        let sql = format!("{SELECT} WHERE organization_id = $1 AND id = $2");
        let row: Option<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).bind(id).fetch_optional(pool).await?
        });
        row.map(Schedule::from).ok_or(Error::NotFound("schedule"))
    }

    /// The user's default schedule, if they have one.
    pub async fn default_for(
        &self,
        scope: &Scope,
        user_id: UserId,
    ) -> Result<Option<Schedule>, Error> {
        let sql = format!("{SELECT} WHERE organization_id = $1 AND user_id = $2 AND is_default");
        let row: Option<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).bind(user_id).fetch_optional(pool).await?
        });
        Ok(row.map(Schedule::from))
    }

    /// Every schedule of the organization, or of one user, by name.
    pub async fn list(
        &self,
        scope: &Scope,
        user_id: Option<UserId>,
    ) -> Result<Vec<Schedule>, Error> {
        let sql = format!(
            "{SELECT} WHERE organization_id = $1 AND ($2 IS NULL OR user_id = $2) ORDER BY name, id"
        );
        let rows: Vec<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).bind(user_id).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Schedule::from).collect())
    }

    /// Replaces a schedule's content. A schedule cannot stop being the default by itself:
    /// another one has to become the default.
    pub async fn replace(
        &self,
        grant: &Granted<can::ManageAvailability>,
        id: ScheduleId,
        fields: ScheduleFields,
    ) -> Result<Schedule, Error> {
        let scope = grant.scope();
        let old = self.get(scope, id).await?;
        let mut tx = self.db.begin_write(scope).await?;
        let is_default = fields.is_default || old.is_default;
        if is_default && !old.is_default {
            clear_default(&mut tx, scope, old.user_id).await?;
        }
        let now = Timestamp::now();
        let new = Schedule {
            name: fields.name,
            time_zone: fields.time_zone,
            weekly: fields.weekly,
            overrides: fields.overrides,
            is_default,
            updated_at: now,
            ..old.clone()
        };
        let changed = with_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE schedules SET name = $3, time_zone = $4, weekly = $5, overrides = $6, \
                 is_default = $7, updated_at = $8 WHERE organization_id = $1 AND id = $2",
            )
            .bind(scope.organization_id())
            .bind(id)
            .bind(&new.name)
            .bind(&new.time_zone)
            .bind(Json(&new.weekly))
            .bind(Json(&new.overrides))
            .bind(is_default)
            .bind(now)
            .execute(conn)
            .await
            .map_err(Error::unique_as(UniqueField::Name))?
            .rows_affected()
        });
        if changed == 0 {
            return Err(Error::NotFound("schedule"));
        }
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change::updated("schedule", id.0, &old, &new),
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Deletes a schedule that is not the default. Event types that used it fall back to
    /// their owner's default.
    pub async fn delete(
        &self,
        grant: &Granted<can::ManageAvailability>,
        id: ScheduleId,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let old = self.get(scope, id).await?;
        if old.is_default {
            return Err(Error::Conflict(Conflict::DefaultSchedule));
        }
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("UPDATE event_types SET schedule_id = NULL WHERE organization_id = $1 AND schedule_id = $2")
                .bind(scope.organization_id()).bind(id).execute(&mut *conn).await?;
            sqlx::query("DELETE FROM schedules WHERE organization_id = $1 AND id = $2")
                .bind(scope.organization_id()).bind(id).execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change::deleted("schedule", id.0, &old),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

async fn clear_default(tx: &mut crate::Tx, scope: &Scope, user_id: UserId) -> Result<(), Error> {
    with_tx!(tx, conn => {
        sqlx::query("UPDATE schedules SET is_default = $3 WHERE organization_id = $1 AND user_id = $2 AND is_default")
            .bind(scope.organization_id())
            .bind(user_id)
            .bind(false)
            .execute(conn)
            .await?;
    });
    Ok(())
}

/// Schedules, read inside a unit of work (a booking transaction reads its hosts' hours).
#[derive(Debug)]
pub struct SchedulesTx<'u> {
    unit: &'u mut crate::Unit,
}

impl crate::Unit {
    /// Schedules, read inside this unit.
    pub fn schedules(&mut self) -> SchedulesTx<'_> {
        SchedulesTx { unit: self }
    }
}

impl SchedulesTx<'_> {
    /// Schedule `id`, whoever it belongs to; `None` when there is none.
    pub async fn get(&mut self, id: ScheduleId) -> Result<Option<Schedule>, Error> {
        let sql = format!("{SELECT} WHERE organization_id = $1 AND id = $2");
        let org = self.unit.org;
        let row: Option<Row> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(id).fetch_optional(conn).await?
        });
        Ok(row.map(Schedule::from))
    }

    /// The default schedules of `users`, in one statement.
    pub async fn defaults_of(&mut self, users: &[UserId]) -> Result<Vec<Schedule>, Error> {
        let sql = format!(
            "{SELECT} WHERE organization_id = $1 AND is_default AND user_id IN ({})",
            crate::repo::placeholders(2, users.len())
        );
        let org = self.unit.org;
        let rows: Vec<Row> = with_tx!(&mut self.unit.tx, conn => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org);
            for id in users {
                query = query.bind(*id);
            }
            query.fetch_all(conn).await?
        });
        Ok(rows.into_iter().map(Schedule::from).collect())
    }
}

impl From<Row> for Schedule {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            user_id: r.user_id,
            name: r.name,
            time_zone: r.time_zone,
            weekly: r.weekly.0,
            overrides: r.overrides.0,
            is_default: r.is_default,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
