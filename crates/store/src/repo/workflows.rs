//! Workflows: an organization's own automations on booking events, and the record of every
//! run.
//!
//! A booking event's fan-out (`messages::Messages::fan_out`) queues a job per workflow
//! whose trigger it is: `workflow.run` when due now, `workflow.scheduled` when due later.
//! Timed triggers (`before_start`, `after_end`) are queued when a booking becomes confirmed
//! (created, confirmed, rescheduled) as `workflow.scheduled` jobs on the booking, which the
//! booking's own changes move (reschedule) or drop (cancel, reject, no-show) like its
//! reminders. The handler (`services::workflows`) keeps one run row per job, so a retried job
//! continues its run instead of repeating actions that already succeeded.

use serde_json::Value;
use sqlx::types::Json;

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, with_pool, with_tx};
use domain::ids::{BookingId, EventTypeId, JobId, Timestamp, WorkflowId, WorkflowRunId};
use domain::workflows::{
    AFTER_END, Action, ActionOutcome, BEFORE_START, Conditions, Run, RunPayload, Totals, Workflow,
    WorkflowInput,
};

/// The job kind of a workflow run due when its event happened.
pub const RUN_JOB: &str = "workflow.run";

/// The job kind of a workflow run due later (a timed trigger or a delay): it follows its
/// booking when it moves and goes when the booking is cancelled.
pub const SCHEDULED_JOB: &str = "workflow.scheduled";

const COLUMNS: &str = "id, name, active, trigger, offset_minutes, conditions, actions, \
    created_at, updated_at";
const RUN_COLUMNS: &str = "id, workflow_id, booking_id, event, status, outcomes, attempts, \
    created_at, updated_at";

#[derive(sqlx::FromRow)]
struct WorkflowRow {
    id: WorkflowId,
    name: String,
    active: bool,
    trigger: String,
    offset_minutes: i32,
    conditions: Json<Conditions>,
    actions: Json<Vec<Action>>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

#[derive(sqlx::FromRow)]
struct RunRow {
    id: WorkflowRunId,
    workflow_id: WorkflowId,
    booking_id: BookingId,
    event: String,
    status: String,
    outcomes: Json<Vec<ActionOutcome>>,
    attempts: i32,
    created_at: Timestamp,
    updated_at: Timestamp,
}

/// An organization's workflows and their runs.
#[derive(Debug)]
pub struct Workflows<'a> {
    pub(crate) db: &'a Db,
}

impl Workflows<'_> {
    /// Creates a workflow; `secret` is sealed by the caller.
    pub async fn create(
        &self,
        grant: &Granted<can::ManageWorkflows>,
        input: WorkflowInput,
        secret: &str,
    ) -> Result<Workflow, Error> {
        const SQL: &str = "INSERT INTO workflows (organization_id, id, name, active, trigger, \
            offset_minutes, conditions, actions, secret, created_at, updated_at) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)";
        let scope = grant.scope();
        let org = scope.organization_id();
        let now = Timestamp::now();
        let workflow = Workflow {
            id: WorkflowId::new(),
            name: input.name,
            active: input.active,
            trigger: input.trigger,
            offset_minutes: input.offset_minutes,
            conditions: input.conditions,
            actions: input.actions,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(org).bind(workflow.id).bind(&workflow.name).bind(workflow.active)
                .bind(&workflow.trigger).bind(workflow.offset_minutes)
                .bind(Json(&workflow.conditions)).bind(Json(&workflow.actions)).bind(secret)
                .bind(now)
                .execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::created("workflow", workflow.id.0, &workflow),
        )
        .await?;
        tx.commit().await?;
        Ok(workflow)
    }

    /// The organization's workflows, oldest first, with their totals.
    pub async fn list(&self, scope: &Scope) -> Result<Vec<(Workflow, Totals)>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM workflows WHERE organization_id = $1 ORDER BY created_at, id"
        );
        let rows: Vec<WorkflowRow> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).fetch_all(pool).await?
        });
        let counts: Vec<(WorkflowId, String, i64)> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(
                "SELECT workflow_id, status, COUNT(*) FROM workflow_runs WHERE organization_id = $1 \
                 GROUP BY workflow_id, status",
            )
            .bind(scope.organization_id()).fetch_all(pool).await?
        });
        Ok(rows
            .into_iter()
            .map(|row| {
                let id = row.id;
                let totals = totals_of(counts.iter().filter(|(w, _, _)| *w == id));
                (Workflow::from(row), totals)
            })
            .collect())
    }

    pub async fn get(&self, scope: &Scope, id: WorkflowId) -> Result<(Workflow, Totals), Error> {
        let sql = format!("SELECT {COLUMNS} FROM workflows WHERE organization_id = $1 AND id = $2");
        let row: Option<WorkflowRow> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).bind(id).fetch_optional(pool).await?
        });
        let workflow = Workflow::from(row.ok_or(Error::NotFound("workflow"))?);
        let counts: Vec<(WorkflowId, String, i64)> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(
                "SELECT workflow_id, status, COUNT(*) FROM workflow_runs \
                 WHERE organization_id = $1 AND workflow_id = $2 GROUP BY workflow_id, status",
            )
            .bind(scope.organization_id()).bind(id).fetch_all(pool).await?
        });
        Ok((workflow, totals_of(counts.iter())))
    }

    /// The sealed secret that signs the workflow's webhook calls.
    pub async fn secret(&self, scope: &Scope, id: WorkflowId) -> Result<String, Error> {
        let secret: Option<String> = with_pool!(self.db, scope, pool => {
            sqlx::query_scalar("SELECT secret FROM workflows WHERE organization_id = $1 AND id = $2")
                .bind(scope.organization_id()).bind(id).fetch_optional(pool).await?
        });
        secret.ok_or(Error::NotFound("workflow"))
    }

    /// Replaces a workflow's definition. Jobs already queued keep their time; each run reads
    /// the workflow as it is then.
    pub async fn replace(
        &self,
        grant: &Granted<can::ManageWorkflows>,
        id: WorkflowId,
        input: WorkflowInput,
    ) -> Result<Workflow, Error> {
        const SQL: &str = "UPDATE workflows SET name = $3, active = $4, trigger = $5, \
            offset_minutes = $6, conditions = $7, actions = $8, updated_at = $9 \
            WHERE organization_id = $1 AND id = $2";
        let scope = grant.scope();
        let org = scope.organization_id();
        let (old, _) = self.get(scope, id).await?;
        let new = Workflow {
            name: input.name,
            active: input.active,
            trigger: input.trigger,
            offset_minutes: input.offset_minutes,
            conditions: input.conditions,
            actions: input.actions,
            updated_at: Timestamp::now(),
            ..old.clone()
        };
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(org).bind(id).bind(&new.name).bind(new.active).bind(&new.trigger)
                .bind(new.offset_minutes).bind(Json(&new.conditions)).bind(Json(&new.actions))
                .bind(new.updated_at)
                .execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::updated("workflow", id.0, &old, &new),
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Deletes a workflow and its runs; its queued jobs find it gone and do nothing.
    pub async fn delete(
        &self,
        grant: &Granted<can::ManageWorkflows>,
        id: WorkflowId,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let (old, _) = self.get(scope, id).await?;
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM workflows WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(id).execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::deleted("workflow", id.0, &old),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The workflow's latest `limit` runs, newest first.
    pub async fn runs(&self, scope: &Scope, id: WorkflowId, limit: u32) -> Result<Vec<Run>, Error> {
        self.get(scope, id).await?;
        let sql = format!(
            "SELECT {RUN_COLUMNS} FROM workflow_runs WHERE organization_id = $1 AND workflow_id = $2 \
             ORDER BY created_at DESC, id DESC LIMIT $3"
        );
        let rows: Vec<RunRow> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(scope.organization_id()).bind(id).bind(i64::from(limit))
                .fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(Run::from).collect())
    }

    /// The run of `job`, started now (status `running`, no outcomes) if this is its first
    /// attempt; a later attempt gets the same row back with its attempts raised.
    pub async fn start_run(
        &self,
        scope: &Scope,
        job: JobId,
        workflow: WorkflowId,
        booking: BookingId,
        event: &str,
    ) -> Result<Run, Error> {
        let org = scope.organization_id();
        let now = Timestamp::now();
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO workflow_runs (organization_id, id, workflow_id, job_id, booking_id, \
                 event, status, outcomes, attempts, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, 'running', $7, 0, $8, $8) \
                 ON CONFLICT (organization_id, job_id) DO NOTHING",
            )
            .bind(org).bind(WorkflowRunId::new()).bind(workflow).bind(job).bind(booking)
            .bind(event).bind(Json(Vec::<ActionOutcome>::new())).bind(now)
            .execute(conn).await?;
        });
        let sql = format!(
            "UPDATE workflow_runs SET attempts = attempts + 1, status = 'running', updated_at = $3 \
             WHERE organization_id = $1 AND job_id = $2 RETURNING {RUN_COLUMNS}"
        );
        let row: RunRow = with_tx!(&mut tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(job).bind(now).fetch_one(conn).await?
        });
        tx.commit().await?;
        Ok(row.into())
    }

    /// Records the run's outcomes so far and its status.
    pub async fn record_run(
        &self,
        scope: &Scope,
        run: WorkflowRunId,
        status: &str,
        outcomes: &[ActionOutcome],
    ) -> Result<(), Error> {
        with_pool!(self.db, scope, pool => {
            sqlx::query(
                "UPDATE workflow_runs SET status = $3, outcomes = $4, updated_at = $5 \
                 WHERE organization_id = $1 AND id = $2",
            )
            .bind(scope.organization_id()).bind(run).bind(status).bind(Json(outcomes))
            .bind(Timestamp::now())
            .execute(pool).await?;
        });
        Ok(())
    }
}

fn totals_of<'a>(counts: impl Iterator<Item = &'a (WorkflowId, String, i64)>) -> Totals {
    let mut totals = Totals::default();
    for (_, status, n) in counts {
        totals.runs += n;
        match status.as_str() {
            "succeeded" => totals.succeeded += n,
            "failed" => totals.failed += n,
            "skipped" => totals.skipped += n,
            _ => {}
        }
    }
    totals
}

/// When a timed workflow job of a booking from `start` to `end` runs; `None` for event
/// triggers (their time does not follow the booking).
pub fn timed_run_at(payload: &Value, start: Timestamp, end: Timestamp) -> Option<Timestamp> {
    let payload: RunPayload = serde_json::from_value(payload.clone()).ok()?;
    let offset = jiff::SignedDuration::from_mins(i64::from(payload.offset_minutes));
    let at = match payload.event.as_str() {
        BEFORE_START => start.to_jiff().checked_sub(offset).ok()?,
        AFTER_END => end.to_jiff().checked_add(offset).ok()?,
        _ => return None,
    };
    Some(Timestamp::from(at))
}

/// The idempotency key of a workflow's job for a booking: one run per workflow and booking.
pub fn job_key(workflow: WorkflowId, booking: BookingId) -> String {
    format!("{workflow}:{booking}")
}

/// Workflows inside a unit of work.
#[derive(Debug)]
pub struct WorkflowsTx<'u> {
    unit: &'u mut crate::Unit,
}

impl crate::Unit {
    /// Workflows, inside this unit.
    pub fn workflows(&mut self) -> WorkflowsTx<'_> {
        WorkflowsTx { unit: self }
    }
}

/// An active workflow as its trigger sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Triggered {
    pub id: WorkflowId,
    pub trigger: String,
    pub offset_minutes: i32,
}

impl WorkflowsTx<'_> {
    /// The active workflows triggered by `event`, and, when `with_timed`, those timed around
    /// the booking (`before_start`, `after_end`); oldest first.
    pub async fn triggered(
        &mut self,
        event: &str,
        with_timed: bool,
    ) -> Result<Vec<Triggered>, Error> {
        let org = self.unit.org;
        let rows: Vec<(WorkflowId, String, i32)> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(
                "SELECT id, trigger, offset_minutes FROM workflows \
                 WHERE organization_id = $1 AND active AND (trigger = $2 OR (trigger IN ($3, $4) AND $5)) \
                 ORDER BY created_at, id",
            )
            .bind(org).bind(event).bind(BEFORE_START).bind(AFTER_END).bind(with_timed)
            .fetch_all(conn).await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, trigger, offset_minutes)| Triggered {
                id,
                trigger,
                offset_minutes,
            })
            .collect())
    }
}

/// What a run's messages name besides the booking: its host, its event type's title and
/// the organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunContext {
    pub host: domain::people::Person,
    pub title: String,
    pub organization: String,
}

impl Workflows<'_> {
    /// The host, title and organization name of `booking` (hosted by `host`, of
    /// `event_type`).
    pub async fn context(
        &self,
        scope: &Scope,
        host: domain::ids::UserId,
        event_type: EventTypeId,
    ) -> Result<RunContext, Error> {
        let org = scope.organization_id();
        let mut tx = self.db.begin_read(scope).await?;
        let host: domain::people::Person = with_tx!(&mut tx, conn => {
            sqlx::query_as("SELECT name, email, time_zone FROM users WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(host).fetch_one(conn).await?
        });
        let title: String = with_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT title FROM event_types WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(event_type).fetch_one(conn).await?
        });
        let organization: String = with_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT name FROM organizations WHERE id = $1").bind(org).fetch_one(conn).await?
        });
        tx.commit().await?;
        Ok(RunContext {
            host,
            title,
            organization,
        })
    }
}

impl From<WorkflowRow> for Workflow {
    fn from(r: WorkflowRow) -> Self {
        Workflow {
            id: r.id,
            name: r.name,
            active: r.active,
            trigger: r.trigger,
            offset_minutes: r.offset_minutes,
            conditions: r.conditions.0,
            actions: r.actions.0,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

impl From<RunRow> for Run {
    fn from(r: RunRow) -> Self {
        Run {
            id: r.id,
            workflow_id: r.workflow_id,
            booking_id: r.booking_id,
            event: r.event,
            status: r.status,
            outcomes: r.outcomes.0,
            attempts: r.attempts,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload(event: &str, offset_minutes: i32) -> Value {
        serde_json::to_value(RunPayload {
            workflow_id: WorkflowId::new(),
            event: event.to_owned(),
            offset_minutes,
        })
        .unwrap_or_default()
    }

    #[test]
    fn timed_triggers_follow_the_booking_and_event_triggers_do_not() {
        let start: Timestamp = jiff::Timestamp::from_second(1_800_000_000)
            .unwrap_or_default()
            .into();
        let end = Timestamp::from(start.to_jiff() + jiff::SignedDuration::from_mins(30));
        let at = |p: &Value| timed_run_at(p, start, end).map(|t| t.to_jiff());
        assert_eq!(
            at(&payload(BEFORE_START, 90)),
            Some(start.to_jiff() - jiff::SignedDuration::from_mins(90))
        );
        assert_eq!(
            at(&payload(AFTER_END, 15)),
            Some(end.to_jiff() + jiff::SignedDuration::from_mins(15))
        );
        assert_eq!(at(&payload("booking.created", 15)), None);
        assert_eq!(at(&Value::Null), None);
    }
}
