//! The audit log: every change, with actor and old and new values. Entries are written in
//! the transaction of the change they record, so the log cannot miss a committed change.

use serde_json::Value;
use sqlx::types::Json;

use crate::permission::{Granted, can};
use crate::scope::Scope;
use crate::{Db, Error, Tx, with_pool, with_tx};
use domain::access::Actor;
use domain::audit::{AuditEntry, AuditFilter};
use domain::ids::{AuditId, OrganizationId, Timestamp, Uuid};

/// A change to record.
#[derive(Clone, Debug)]
pub struct Change<'a> {
    pub action: std::borrow::Cow<'a, str>,
    pub target_type: &'a str,
    pub target_id: Option<Uuid>,
    pub old_values: Option<Value>,
    pub new_values: Option<Value>,
}

impl<'a> Change<'a> {
    /// A new row, recorded with all its values.
    pub(crate) fn created(target_type: &'a str, id: Uuid, new: &impl serde::Serialize) -> Self {
        Self {
            action: Self::action(target_type, "created"),
            target_type,
            target_id: Some(id),
            old_values: None,
            new_values: serde_json::to_value(new).ok(),
        }
    }

    /// A changed row: only the fields that differ, before and after.
    pub(crate) fn updated(
        target_type: &'a str,
        id: Uuid,
        old: &impl serde::Serialize,
        new: &impl serde::Serialize,
    ) -> Self {
        let (old, new) = changed_fields(
            serde_json::to_value(old).ok(),
            serde_json::to_value(new).ok(),
        );
        Self {
            action: Self::action(target_type, "updated"),
            target_type,
            target_id: Some(id),
            old_values: old,
            new_values: new,
        }
    }

    /// A removed row, recorded with the values it had.
    pub(crate) fn deleted(target_type: &'a str, id: Uuid, old: &impl serde::Serialize) -> Self {
        Self {
            action: Self::action(target_type, "deleted"),
            target_type,
            target_id: Some(id),
            old_values: serde_json::to_value(old).ok(),
            new_values: None,
        }
    }

    /// A state transition or other named event: `booking.confirmed`.
    pub fn event(
        action: &'a str,
        target_type: &'a str,
        id: Uuid,
        old: Option<Value>,
        new: Option<Value>,
    ) -> Self {
        Self {
            action: action.into(),
            target_type,
            target_id: Some(id),
            old_values: old,
            new_values: new,
        }
    }

    /// `noun.verb`: `schedule.created`.
    fn action(target_type: &str, verb: &str) -> std::borrow::Cow<'a, str> {
        format!("{target_type}.{verb}").into()
    }
}

/// Keeps the top-level fields whose values differ between `old` and `new`.
fn changed_fields(old: Option<Value>, new: Option<Value>) -> (Option<Value>, Option<Value>) {
    match (old, new) {
        (Some(Value::Object(old)), Some(Value::Object(new))) => {
            let keys: Vec<&String> = new.keys().filter(|k| old.get(*k) != new.get(*k)).collect();
            let pick = |m: &serde_json::Map<String, Value>| -> Value {
                Value::Object(
                    keys.iter()
                        .filter_map(|k| m.get(*k).map(|v| ((*k).clone(), v.clone())))
                        .collect(),
                )
            };
            (Some(pick(&old)), Some(pick(&new)))
        }
        other => other,
    }
}

const INSERT: &str = "INSERT INTO audit_log \
    (organization_id, id, occurred_at, actor_type, actor_id, action, target_type, target_id, \
     ip, old_values, new_values, on_behalf_of) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";

/// Writes `change` inside `tx`.
pub(crate) async fn record(
    tx: &mut Tx,
    organization_id: OrganizationId,
    actor: Actor,
    change: Change<'_>,
) -> Result<(), Error> {
    record_at(tx, organization_id, actor, None, change).await
}

/// Writes `change` inside `tx`, with the client address it came from.
pub(crate) async fn record_at(
    tx: &mut Tx,
    organization_id: OrganizationId,
    actor: Actor,
    ip: Option<&str>,
    change: Change<'_>,
) -> Result<(), Error> {
    with_tx!(tx, conn => {
        sqlx::query(INSERT)
            .bind(organization_id)
            .bind(AuditId::new())
            .bind(Timestamp::now())
            .bind(actor.kind())
            .bind(actor.id())
            .bind(change.action.as_ref())
            .bind(change.target_type)
            .bind(change.target_id)
            .bind(ip)
            .bind(change.old_values.map(Json))
            .bind(change.new_values.map(Json))
            .bind(actor.on_behalf_of())
            .execute(conn)
            .await?;
    });
    Ok(())
}

/// The audit log inside a unit of work: a use case in services records its change in the
/// change's own transaction.
#[derive(Debug)]
pub struct AuditTx<'u> {
    unit: &'u mut crate::Unit,
}

impl crate::Unit {
    /// The audit log, inside this unit.
    pub fn audit(&mut self) -> AuditTx<'_> {
        AuditTx { unit: self }
    }
}

impl AuditTx<'_> {
    /// Records `change`, made by `actor` from client address `ip` when it is known.
    pub async fn record(
        &mut self,
        actor: Actor,
        ip: Option<&str>,
        change: Change<'_>,
    ) -> Result<(), Error> {
        record_at(&mut self.unit.tx, self.unit.org, actor, ip, change).await
    }
}

#[derive(sqlx::FromRow)]
struct Row {
    id: AuditId,
    occurred_at: Timestamp,
    actor_type: String,
    actor_id: Option<Uuid>,
    on_behalf_of: Option<Uuid>,
    action: String,
    target_type: String,
    target_id: Option<Uuid>,
    old_values: Option<Json<Value>>,
    new_values: Option<Json<Value>>,
    ip: Option<String>,
}

/// Reads the audit log.
#[derive(Debug)]
pub struct Audit<'a> {
    pub(crate) db: &'a Db,
}

impl Audit<'_> {
    /// The latest `limit` entries of the scope's organization, newest first.
    pub async fn recent(&self, scope: &Scope, limit: u32) -> Result<Vec<AuditEntry>, Error> {
        const SQL: &str = "SELECT id, occurred_at, actor_type, actor_id, on_behalf_of, action, target_type, \
            target_id, old_values, new_values, ip FROM audit_log WHERE organization_id = $1 \
            ORDER BY occurred_at DESC, id DESC LIMIT $2";
        let rows: Vec<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(SQL)
                .bind(scope.organization_id())
                .bind(i64::from(limit))
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }

    /// Entries matching `filter`, newest first (by time, then id), at most `filter.limit`.
    /// Needs `audit.read`.
    pub async fn search(
        &self,
        grant: &Granted<can::ReadAudit>,
        filter: &AuditFilter,
    ) -> Result<Vec<AuditEntry>, Error> {
        const SQL: &str = "SELECT id, occurred_at, actor_type, actor_id, on_behalf_of, action, target_type, \
            target_id, old_values, new_values, ip FROM audit_log WHERE organization_id = $1 \
            AND ($2 IS NULL OR action = $2) \
            AND ($3 IS NULL OR target_type = $3) \
            AND ($4 IS NULL OR target_id = $4) \
            AND ($5 IS NULL OR actor_id = $5 OR on_behalf_of = $5) \
            AND ($6 IS NULL OR occurred_at >= $6) \
            AND ($7 IS NULL OR occurred_at < $7) \
            AND ($8 IS NULL OR occurred_at < $8 OR (occurred_at = $8 AND id < $9)) \
            ORDER BY occurred_at DESC, id DESC LIMIT $10";
        let (before_at, before_id) = filter
            .before
            .map_or((None, None), |(t, id)| (Some(t), Some(id)));
        let rows: Vec<Row> = with_pool!(self.db, grant, pool => {
            sqlx::query_as(SQL)
                .bind(grant.scope().organization_id())
                .bind(filter.action.as_deref())
                .bind(filter.target_type.as_deref())
                .bind(filter.target_id)
                .bind(filter.actor_id)
                .bind(filter.from)
                .bind(filter.until)
                .bind(before_at)
                .bind(before_id)
                .bind(i64::from(filter.limit))
                .fetch_all(pool)
                .await?
        });
        Ok(rows.into_iter().map(AuditEntry::from).collect())
    }
}

impl From<Row> for AuditEntry {
    fn from(r: Row) -> Self {
        AuditEntry {
            id: r.id,
            occurred_at: r.occurred_at,
            actor_type: r.actor_type,
            actor_id: r.actor_id,
            on_behalf_of: r.on_behalf_of,
            action: r.action,
            target_type: r.target_type,
            target_id: r.target_id,
            old_values: r.old_values.map(|j| j.0),
            new_values: r.new_values.map(|j| j.0),
            ip: r.ip,
        }
    }
}
