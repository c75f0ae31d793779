//! A user's defaults for new event types: buffers, notice and the start interval.

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, with_pool, with_tx};
use domain::ids::{Timestamp, UserId};
use domain::scheduling_defaults::SchedulingDefaults;

#[derive(Debug)]
pub struct SchedulingDefaultsRepo<'a> {
    pub(crate) db: &'a Db,
}

impl SchedulingDefaultsRepo<'_> {
    /// The user's defaults; all zero (and no interval) until they set some.
    pub async fn get(&self, scope: &Scope, user: UserId) -> Result<SchedulingDefaults, Error> {
        let row: Option<(i32, i32, i32, Option<i32>)> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(
                "SELECT buffer_before_minutes, buffer_after_minutes, minimum_notice_minutes, \
                 interval_minutes FROM scheduling_defaults WHERE organization_id = $1 AND user_id = $2",
            )
            .bind(scope.organization_id()).bind(user).fetch_optional(pool).await?
        });
        Ok(row.map_or_else(
            SchedulingDefaults::default,
            |(before, after, notice, interval)| SchedulingDefaults {
                buffer_before_minutes: before,
                buffer_after_minutes: after,
                minimum_notice_minutes: notice,
                interval_minutes: interval,
            },
        ))
    }

    pub async fn set(
        &self,
        grant: &Granted<can::ManageEventTypes>,
        user: UserId,
        new: SchedulingDefaults,
    ) -> Result<SchedulingDefaults, Error> {
        let scope = grant.scope();
        let old = self.get(scope, user).await?;
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO scheduling_defaults (organization_id, user_id, buffer_before_minutes, \
                 buffer_after_minutes, minimum_notice_minutes, interval_minutes, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (organization_id, user_id) DO UPDATE SET \
                 buffer_before_minutes = excluded.buffer_before_minutes, \
                 buffer_after_minutes = excluded.buffer_after_minutes, \
                 minimum_notice_minutes = excluded.minimum_notice_minutes, \
                 interval_minutes = excluded.interval_minutes, updated_at = excluded.updated_at",
            )
            .bind(scope.organization_id())
            .bind(user)
            .bind(new.buffer_before_minutes)
            .bind(new.buffer_after_minutes)
            .bind(new.minimum_notice_minutes)
            .bind(new.interval_minutes)
            .bind(Timestamp::now())
            .execute(conn)
            .await?;
        });
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change::updated("scheduling_defaults", user.0, &old, &new),
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }
}
