//! Resources, their groups, and reservations.
//!
//! Reserving is a read-check-write inside one unit of work ([`ReservationsTx`]): lock the
//! resources, read what they hold, let services decide (hours, notice, capacity, quotas), then
//! write. The unit is serialized per resource: on SQLite every write transaction is (BEGIN
//! IMMEDIATE); on PostgreSQL it takes an advisory lock on each resource, in id order, so two
//! reservations of overlapping resource sets never wait on each other in a circle.

use std::collections::BTreeMap;

use sqlx::types::Json;

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, Tx, Unit, with_pool, with_tx};
use domain::access::Actor;
use domain::ids::{
    BlackoutId, OrganizationId, ReservationId, ResourceGroupId, ResourceId, Timestamp, UserId,
};
use domain::refusals::{Conflict, UniqueField};
use domain::resources::{
    Attributes, Blackout, HeldSpan, NewReservation, Reservation, ReservationFilter,
    ReservationSource, ReservationStatus, Resource, ResourceFields, ResourceGroup, ResourceKind,
    ResourceStatus,
};
use domain::schedules::{DateOverrides, WeeklyRules};

#[derive(sqlx::FromRow)]
struct ResourceRow {
    id: ResourceId,
    group_id: Option<ResourceGroupId>,
    name: String,
    kind: String,
    description: String,
    location: String,
    attributes: Json<Attributes>,
    capacity: i32,
    time_zone: String,
    weekly: Json<WeeklyRules>,
    overrides: Json<DateOverrides>,
    buffer_before_minutes: i32,
    buffer_after_minutes: i32,
    min_duration_minutes: i32,
    max_duration_minutes: Option<i32>,
    min_notice_minutes: i32,
    max_notice_days: Option<i32>,
    requires_approval: bool,
    check_in_required: bool,
    release_after_minutes: i32,
    status: String,
    status_reason: String,
    created_at: Timestamp,
    updated_at: Timestamp,
}

const SELECT_RESOURCE: &str = "SELECT id, group_id, name, kind, description, location, \
    attributes, capacity, time_zone, weekly, overrides, buffer_before_minutes, \
    buffer_after_minutes, min_duration_minutes, max_duration_minutes, min_notice_minutes, \
    max_notice_days, requires_approval, check_in_required, release_after_minutes, status, \
    status_reason, created_at, updated_at FROM resources";

impl TryFrom<ResourceRow> for Resource {
    type Error = Error;

    fn try_from(r: ResourceRow) -> Result<Self, Error> {
        Ok(Resource {
            id: r.id,
            fields: ResourceFields {
                name: r.name,
                kind: ResourceKind::parse(&r.kind)
                    .ok_or_else(|| Error::Corrupt("resource kind".to_owned()))?,
                description: r.description,
                location: r.location,
                group_id: r.group_id,
                attributes: r.attributes.0,
                capacity: r.capacity,
                time_zone: r.time_zone,
                weekly: r.weekly.0,
                overrides: r.overrides.0,
                buffer_before_minutes: r.buffer_before_minutes,
                buffer_after_minutes: r.buffer_after_minutes,
                min_duration_minutes: r.min_duration_minutes,
                max_duration_minutes: r.max_duration_minutes,
                min_notice_minutes: r.min_notice_minutes,
                max_notice_days: r.max_notice_days,
                requires_approval: r.requires_approval,
                check_in_required: r.check_in_required,
                release_after_minutes: r.release_after_minutes,
                status: ResourceStatus::parse(&r.status)
                    .ok_or_else(|| Error::Corrupt("resource status".to_owned()))?,
                status_reason: r.status_reason,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(sqlx::FromRow)]
struct GroupRow {
    id: ResourceGroupId,
    parent_id: Option<ResourceGroupId>,
    name: String,
    created_at: Timestamp,
}

impl From<GroupRow> for ResourceGroup {
    fn from(r: GroupRow) -> Self {
        ResourceGroup {
            id: r.id,
            parent_id: r.parent_id,
            name: r.name,
            created_at: r.created_at,
        }
    }
}

#[derive(sqlx::FromRow)]
struct ReservationRow {
    id: ReservationId,
    booked_by: UserId,
    title: String,
    start_at: Timestamp,
    end_at: Timestamp,
    status: String,
    source: String,
    reason: Option<String>,
    checked_in_at: Option<Timestamp>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

const SELECT_RESERVATION: &str = "SELECT r.id, r.booked_by, r.title, r.start_at, r.end_at, \
    r.status, r.source, r.reason, r.checked_in_at, r.created_at, r.updated_at \
    FROM reservations r";

impl ReservationRow {
    fn into_reservation(self, resource_ids: Vec<ResourceId>) -> Result<Reservation, Error> {
        Ok(Reservation {
            id: self.id,
            booked_by: self.booked_by,
            title: self.title,
            start_at: self.start_at,
            end_at: self.end_at,
            status: ReservationStatus::parse(&self.status)
                .ok_or_else(|| Error::Corrupt("reservation status".to_owned()))?,
            source: ReservationSource::parse(&self.source)
                .ok_or_else(|| Error::Corrupt("reservation source".to_owned()))?,
            resource_ids,
            reason: self.reason,
            checked_in_at: self.checked_in_at,
            created_at: self.created_at,
            updated_at: self.updated_at,
        })
    }
}

#[derive(Debug)]
pub struct Resources<'a> {
    pub(crate) db: &'a Db,
}

impl Resources<'_> {
    pub async fn create_group(
        &self,
        grant: &Granted<can::ManageResources>,
        parent_id: Option<ResourceGroupId>,
        name: String,
    ) -> Result<ResourceGroup, Error> {
        let scope = grant.scope();
        let group = ResourceGroup {
            id: ResourceGroupId::new(),
            parent_id,
            name,
            created_at: Timestamp::now(),
        };
        let mut tx = self.db.begin_write(scope).await?;
        if let Some(parent) = parent_id {
            group_in(&mut tx, scope.organization_id(), parent).await?;
        }
        with_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO resource_groups (organization_id, id, parent_id, name, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(scope.organization_id())
            .bind(group.id)
            .bind(group.parent_id)
            .bind(&group.name)
            .bind(group.created_at)
            .execute(conn)
            .await
            .map_err(Error::unique_as(UniqueField::Name))?;
        });
        record(
            &mut tx,
            scope,
            Change::created("resource_group", group.id.0, &group),
        )
        .await?;
        tx.commit().await?;
        Ok(group)
    }

    /// Every group, by name.
    pub async fn groups(&self, scope: &Scope) -> Result<Vec<ResourceGroup>, Error> {
        let mut tx = self.db.begin_read(scope).await?;
        let found = groups_in(&mut tx, scope.organization_id()).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Blackouts that overlap `[from, until)`, by start.
    pub async fn blackouts(
        &self,
        scope: &Scope,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<Blackout>, Error> {
        let mut tx = self.db.begin_read(scope).await?;
        let found = blackouts_in(&mut tx, scope.organization_id(), from, until).await?;
        tx.commit().await?;
        Ok(found)
    }

    pub async fn delete_blackout(
        &self,
        grant: &Granted<can::ManageResources>,
        id: BlackoutId,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        let deleted = with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM resource_blackouts WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(id).execute(conn).await?.rows_affected()
        });
        if deleted == 0 {
            return Err(Error::NotFound("blackout"));
        }
        record(
            &mut tx,
            scope,
            Change::event(
                "resource_blackout.deleted",
                "resource_blackout",
                id.0,
                None,
                None,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Deletes an empty group; one that holds resources or groups is a conflict.
    pub async fn delete_group(
        &self,
        grant: &Granted<can::ManageResources>,
        id: ResourceGroupId,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        let old = group_in(&mut tx, org, id).await?;
        let held: i64 = with_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "SELECT (SELECT COUNT(*) FROM resources WHERE organization_id = $1 AND group_id = $2) \
                 + (SELECT COUNT(*) FROM resource_groups WHERE organization_id = $1 AND parent_id = $2)",
            )
            .bind(org)
            .bind(id)
            .fetch_one(conn)
            .await?
        });
        if held > 0 {
            return Err(Error::Conflict(Conflict::GroupNotEmpty));
        }
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM resource_groups WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(id).execute(conn).await?;
        });
        record(
            &mut tx,
            scope,
            Change::deleted("resource_group", id.0, &old),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn create(
        &self,
        grant: &Granted<can::ManageResources>,
        fields: ResourceFields,
    ) -> Result<Resource, Error> {
        let scope = grant.scope();
        let now = Timestamp::now();
        let resource = Resource {
            id: ResourceId::new(),
            fields,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin_write(scope).await?;
        if let Some(group) = resource.fields.group_id {
            group_in(&mut tx, scope.organization_id(), group).await?;
        }
        write_resource(&mut tx, scope.organization_id(), &resource, true).await?;
        record(
            &mut tx,
            scope,
            Change::created("resource", resource.id.0, &resource),
        )
        .await?;
        tx.commit().await?;
        Ok(resource)
    }

    /// Replaces every field of a resource.
    pub async fn replace(
        &self,
        grant: &Granted<can::ManageResources>,
        id: ResourceId,
        fields: ResourceFields,
    ) -> Result<Resource, Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        let old = resource_in(&mut tx, org, id).await?;
        if let Some(group) = fields.group_id {
            group_in(&mut tx, org, group).await?;
        }
        let new = Resource {
            id,
            fields,
            created_at: old.created_at,
            updated_at: Timestamp::now(),
        };
        write_resource(&mut tx, org, &new, false).await?;
        record(
            &mut tx,
            scope,
            Change::updated("resource", id.0, &old, &new),
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }

    pub async fn get(&self, scope: &Scope, id: ResourceId) -> Result<Resource, Error> {
        let mut tx = self.db.begin_read(scope).await?;
        let found = resource_in(&mut tx, scope.organization_id(), id).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// Every resource, by name.
    pub async fn list(&self, scope: &Scope) -> Result<Vec<Resource>, Error> {
        let sql = format!("{SELECT_RESOURCE} WHERE organization_id = $1 ORDER BY name, id");
        let rows: Vec<ResourceRow> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).fetch_all(pool).await?
        });
        rows.into_iter().map(Resource::try_from).collect()
    }

    /// Deletes a resource that was never reserved; one with reservations is kept for their
    /// history (hide it instead).
    pub async fn delete(
        &self,
        grant: &Granted<can::ManageResources>,
        id: ResourceId,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        let old = resource_in(&mut tx, org, id).await?;
        let reserved: i64 = with_tx!(&mut tx, conn => {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM reservation_resources WHERE organization_id = $1 AND resource_id = $2",
            )
            .bind(org)
            .bind(id)
            .fetch_one(conn)
            .await?
        });
        if reserved > 0 {
            return Err(Error::Conflict(Conflict::HasReservations));
        }
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM resources WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(id).execute(conn).await?;
        });
        record(&mut tx, scope, Change::deleted("resource", id.0, &old)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Reservations by start, as `filter` narrows them.
    pub async fn reservations(
        &self,
        scope: &Scope,
        filter: &ReservationFilter,
    ) -> Result<Vec<Reservation>, Error> {
        let mut sql = format!("{SELECT_RESERVATION} WHERE r.organization_id = $1");
        if filter.resource_id.is_some() {
            sql.push_str(
                " AND EXISTS (SELECT 1 FROM reservation_resources rr WHERE rr.organization_id = r.organization_id \
                 AND rr.reservation_id = r.id AND rr.resource_id = $2)",
            );
        }
        if filter.booked_by.is_some() {
            sql.push_str(" AND r.booked_by = $3");
        }
        if filter.from.is_some() {
            sql.push_str(" AND r.end_at > $4");
        }
        if filter.until.is_some() {
            sql.push_str(" AND r.start_at < $5");
        }
        if !filter.statuses.is_empty() {
            let names: Vec<String> = filter
                .statuses
                .iter()
                .map(|s| format!("'{}'", s.as_str()))
                .collect();
            sql.push_str(&format!(" AND r.status IN ({})", names.join(", ")));
        }
        sql.push_str(" ORDER BY r.start_at, r.id LIMIT $6");
        let org = scope.organization_id();
        let mut tx = self.db.begin_read(scope).await?;
        let rows: Vec<ReservationRow> = with_tx!(&mut tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(org)
                .bind(filter.resource_id)
                .bind(filter.booked_by)
                .bind(filter.from)
                .bind(filter.until)
                .bind(i64::from(filter.limit))
                .fetch_all(conn)
                .await?
        });
        let found = with_resources(&mut tx, org, rows).await?;
        tx.commit().await?;
        Ok(found)
    }

    /// The time active reservations hold on `resources` within `[from, until)`, read outside
    /// any reservation (a search shows what is free; only reserving decides).
    pub async fn held(
        &self,
        scope: &Scope,
        resources: &[ResourceId],
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<HeldSpan>, Error> {
        let mut tx = self.db.begin_read(scope).await?;
        let found = spans_in(
            &mut tx,
            scope.organization_id(),
            Holding::Resources(resources),
            from,
            until,
        )
        .await?;
        tx.commit().await?;
        Ok(found)
    }

    pub async fn reservation(
        &self,
        scope: &Scope,
        id: ReservationId,
    ) -> Result<Reservation, Error> {
        let mut tx = self.db.begin_read(scope).await?;
        let found = reservation_in(&mut tx, scope.organization_id(), id).await?;
        tx.commit().await?;
        Ok(found)
    }
}

#[derive(sqlx::FromRow)]
struct BlackoutRow {
    id: BlackoutId,
    title: String,
    start_at: Timestamp,
    end_at: Timestamp,
    resource_id: Option<ResourceId>,
    group_id: Option<ResourceGroupId>,
    created_by: Option<UserId>,
    created_at: Timestamp,
}

impl From<BlackoutRow> for Blackout {
    fn from(r: BlackoutRow) -> Self {
        Blackout {
            id: r.id,
            title: r.title,
            start_at: r.start_at,
            end_at: r.end_at,
            resource_id: r.resource_id,
            group_id: r.group_id,
            created_by: r.created_by,
            created_at: r.created_at,
        }
    }
}

/// Blackouts that overlap `[from, until)`, by start.
async fn blackouts_in(
    tx: &mut Tx,
    org: OrganizationId,
    from: Timestamp,
    until: Timestamp,
) -> Result<Vec<Blackout>, Error> {
    let rows: Vec<BlackoutRow> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT id, title, start_at, end_at, resource_id, group_id, created_by, created_at \
             FROM resource_blackouts WHERE organization_id = $1 AND start_at < $3 AND end_at > $2 \
             ORDER BY start_at, id",
        )
        .bind(org)
        .bind(from)
        .bind(until)
        .fetch_all(conn)
        .await?
    });
    Ok(rows.into_iter().map(Blackout::from).collect())
}

async fn groups_in(tx: &mut Tx, org: OrganizationId) -> Result<Vec<ResourceGroup>, Error> {
    let rows: Vec<GroupRow> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT id, parent_id, name, created_at FROM resource_groups \
             WHERE organization_id = $1 ORDER BY name, id",
        )
        .bind(org)
        .fetch_all(conn)
        .await?
    });
    Ok(rows.into_iter().map(ResourceGroup::from).collect())
}

/// Reservations inside a unit of work, serialized per resource (see the module docs).
#[derive(Debug)]
pub struct ReservationsTx<'u> {
    unit: &'u mut Unit,
}

impl Unit {
    /// Reservations, inside this unit.
    pub fn reservations(&mut self) -> ReservationsTx<'_> {
        ReservationsTx { unit: self }
    }
}

impl ReservationsTx<'_> {
    /// Takes the lock of each resource (PostgreSQL; SQLite's write lock already covers them),
    /// in id order. Held until the unit ends.
    pub async fn lock(&mut self, resources: &[ResourceId]) -> Result<(), Error> {
        if let Tx::Postgres(tx) = &mut self.unit.tx {
            let mut ids = resources.to_vec();
            ids.sort();
            ids.dedup();
            for id in ids {
                sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
                    .bind(format!("resource:{}:{}", self.unit.org.0, id.0))
                    .execute(&mut **tx)
                    .await?;
            }
        }
        Ok(())
    }

    /// Every resource of the organization, by name.
    pub async fn all_resources(&mut self) -> Result<Vec<Resource>, Error> {
        let sql = format!("{SELECT_RESOURCE} WHERE organization_id = $1 ORDER BY name, id");
        let org = self.unit.org;
        let rows: Vec<ResourceRow> = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).fetch_all(conn).await?
        });
        rows.into_iter().map(Resource::try_from).collect()
    }

    /// Every resource group (for the resources a group's blackout covers).
    pub async fn groups(&mut self) -> Result<Vec<ResourceGroup>, Error> {
        groups_in(&mut self.unit.tx, self.unit.org).await
    }

    /// Blackouts that overlap `[from, until)`, by start.
    pub async fn blackouts(
        &mut self,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<Blackout>, Error> {
        blackouts_in(&mut self.unit.tx, self.unit.org, from, until).await
    }

    /// Writes a blackout services decided may be made.
    pub async fn insert_blackout(
        &mut self,
        actor: Actor,
        ip: Option<&str>,
        blackout: &Blackout,
    ) -> Result<(), Error> {
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(
                "INSERT INTO resource_blackouts (organization_id, id, title, start_at, end_at, \
                 resource_id, group_id, created_by, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            )
            .bind(org)
            .bind(blackout.id)
            .bind(&blackout.title)
            .bind(blackout.start_at)
            .bind(blackout.end_at)
            .bind(blackout.resource_id)
            .bind(blackout.group_id)
            .bind(blackout.created_by)
            .bind(blackout.created_at)
            .execute(conn)
            .await?;
        });
        audit::record_at(
            &mut self.unit.tx,
            org,
            actor,
            ip,
            Change::created("resource_blackout", blackout.id.0, blackout),
        )
        .await
    }

    /// The resources with these ids, in the order asked; `NotFound` if one is missing.
    pub async fn resources(&mut self, ids: &[ResourceId]) -> Result<Vec<Resource>, Error> {
        let mut found = Vec::with_capacity(ids.len());
        for id in ids {
            found.push(resource_in(&mut self.unit.tx, self.unit.org, *id).await?);
        }
        Ok(found)
    }

    /// The time active reservations hold on `resources` within `[from, until)`, by start.
    pub async fn held(
        &mut self,
        resources: &[ResourceId],
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<HeldSpan>, Error> {
        spans_in(
            &mut self.unit.tx,
            self.unit.org,
            Holding::Resources(resources),
            from,
            until,
        )
        .await
    }

    /// What `user`'s active reservations hold within `[from, until)`: one span per resource
    /// of each, by start (a quota weighs them).
    pub async fn held_by(
        &mut self,
        user: UserId,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<HeldSpan>, Error> {
        spans_in(
            &mut self.unit.tx,
            self.unit.org,
            Holding::BookedBy(user),
            from,
            until,
        )
        .await
    }

    /// Writes a reservation services decided may be made.
    pub async fn insert(
        &mut self,
        actor: Actor,
        ip: Option<&str>,
        new: NewReservation,
    ) -> Result<Reservation, Error> {
        let now = Timestamp::now();
        let reservation = Reservation {
            id: ReservationId::new(),
            booked_by: new.booked_by,
            title: new.title,
            start_at: new.start_at,
            end_at: new.end_at,
            status: new.status,
            source: new.source,
            resource_ids: new.resource_ids,
            reason: None,
            checked_in_at: None,
            created_at: now,
            updated_at: now,
        };
        let org = self.unit.org;
        let r = &reservation;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(
                "INSERT INTO reservations (organization_id, id, booked_by, title, start_at, end_at, \
                 status, source, reason, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, $9, $10)",
            )
            .bind(org)
            .bind(r.id)
            .bind(r.booked_by)
            .bind(&r.title)
            .bind(r.start_at)
            .bind(r.end_at)
            .bind(r.status.as_str())
            .bind(r.source.as_str())
            .bind(r.created_at)
            .bind(r.updated_at)
            .execute(&mut *conn)
            .await?;
            for resource in &r.resource_ids {
                sqlx::query(
                    "INSERT INTO reservation_resources (organization_id, reservation_id, resource_id) \
                     VALUES ($1, $2, $3)",
                )
                .bind(org)
                .bind(r.id)
                .bind(*resource)
                .execute(&mut *conn)
                .await?;
            }
        });
        audit::record_at(
            &mut self.unit.tx,
            org,
            actor,
            ip,
            Change::created("reservation", reservation.id.0, &reservation),
        )
        .await?;
        Ok(reservation)
    }

    /// Records that someone checked in to a reservation (services checked it may be).
    pub async fn check_in(
        &mut self,
        actor: Actor,
        ip: Option<&str>,
        id: ReservationId,
        at: Timestamp,
    ) -> Result<Reservation, Error> {
        let org = self.unit.org;
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(
                "UPDATE reservations SET checked_in_at = $3, updated_at = $3 \
                 WHERE organization_id = $1 AND id = $2",
            )
            .bind(org)
            .bind(id)
            .bind(at)
            .execute(conn)
            .await?;
        });
        audit::record_at(
            &mut self.unit.tx,
            org,
            actor,
            ip,
            Change::event("reservation.checked_in", "reservation", id.0, None, None),
        )
        .await?;
        reservation_in(&mut self.unit.tx, org, id).await
    }

    pub async fn get(&mut self, id: ReservationId) -> Result<Reservation, Error> {
        reservation_in(&mut self.unit.tx, self.unit.org, id).await
    }

    /// Moves a reservation to `to` (services checked the transition), with a reason for a
    /// rejection or cancellation.
    pub async fn set_status(
        &mut self,
        actor: Actor,
        ip: Option<&str>,
        id: ReservationId,
        to: ReservationStatus,
        reason: Option<String>,
    ) -> Result<Reservation, Error> {
        let org = self.unit.org;
        let now = Timestamp::now();
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(
                "UPDATE reservations SET status = $3, reason = COALESCE($4, reason), updated_at = $5 \
                 WHERE organization_id = $1 AND id = $2",
            )
            .bind(org)
            .bind(id)
            .bind(to.as_str())
            .bind(reason.as_deref())
            .bind(now)
            .execute(conn)
            .await?;
        });
        let action = format!("reservation.{}", to.as_str());
        audit::record_at(
            &mut self.unit.tx,
            org,
            actor,
            ip,
            Change::event(
                &action,
                "reservation",
                id.0,
                None,
                reason.map(|r| serde_json::json!({ "reason": r })),
            ),
        )
        .await?;
        reservation_in(&mut self.unit.tx, org, id).await
    }
}

/// Whose held time to read.
#[derive(Clone, Copy)]
enum Holding<'a> {
    Resources(&'a [ResourceId]),
    BookedBy(UserId),
}

/// The time active reservations hold within `[from, until)`, by start: on some resources,
/// or of one booker.
async fn spans_in(
    tx: &mut Tx,
    org: OrganizationId,
    which: Holding<'_>,
    from: Timestamp,
    until: Timestamp,
) -> Result<Vec<HeldSpan>, Error> {
    let condition = match which {
        Holding::Resources(ids) => format!(
            "rr.resource_id IN ({})",
            crate::repo::placeholders(4, ids.len())
        ),
        Holding::BookedBy(_) => "r.booked_by = $4".to_owned(),
    };
    let sql = format!(
        "SELECT r.id, rr.resource_id, r.booked_by, r.start_at, r.end_at \
         FROM reservation_resources rr JOIN reservations r \
         ON r.organization_id = rr.organization_id AND r.id = rr.reservation_id \
         WHERE rr.organization_id = $1 AND r.status IN ('pending', 'confirmed') \
         AND r.start_at < $3 AND r.end_at > $2 AND {condition} ORDER BY r.start_at, r.id"
    );
    let rows: Vec<(ReservationId, ResourceId, UserId, Timestamp, Timestamp)> = with_tx!(tx, conn => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(from).bind(until);
        match which {
            Holding::Resources(ids) => {
                for id in ids {
                    query = query.bind(*id);
                }
            }
            Holding::BookedBy(user) => query = query.bind(user),
        }
        query.fetch_all(conn).await?
    });
    Ok(rows
        .into_iter()
        .map(
            |(reservation_id, resource_id, booked_by, start_at, end_at)| HeldSpan {
                reservation_id,
                resource_id,
                booked_by,
                start_at,
                end_at,
            },
        )
        .collect())
}

/// Inserts `resource`, or rewrites every field of the stored one; a name another resource
/// has is a conflict on `name`.
async fn write_resource(
    tx: &mut Tx,
    org: OrganizationId,
    resource: &Resource,
    insert: bool,
) -> Result<(), Error> {
    let sql = if insert {
        "INSERT INTO resources (organization_id, id, group_id, name, kind, description, \
         location, attributes, capacity, time_zone, weekly, overrides, buffer_before_minutes, \
         buffer_after_minutes, min_duration_minutes, max_duration_minutes, min_notice_minutes, \
         max_notice_days, requires_approval, status, status_reason, created_at, updated_at, \
         check_in_required, release_after_minutes) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
         $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)"
    } else {
        "UPDATE resources SET group_id = $3, name = $4, kind = $5, description = $6, \
         location = $7, attributes = $8, capacity = $9, time_zone = $10, weekly = $11, \
         overrides = $12, buffer_before_minutes = $13, buffer_after_minutes = $14, \
         min_duration_minutes = $15, max_duration_minutes = $16, min_notice_minutes = $17, \
         max_notice_days = $18, requires_approval = $19, status = $20, status_reason = $21, \
         updated_at = $23, check_in_required = $24, release_after_minutes = $25 \
         WHERE organization_id = $1 AND id = $2 AND created_at = $22"
    };
    let f = &resource.fields;
    with_tx!(tx, conn => {
        sqlx::query(sql)
            .bind(org)
            .bind(resource.id)
            .bind(f.group_id)
            .bind(&f.name)
            .bind(f.kind.as_str())
            .bind(&f.description)
            .bind(&f.location)
            .bind(Json(&f.attributes))
            .bind(f.capacity)
            .bind(&f.time_zone)
            .bind(Json(&f.weekly))
            .bind(Json(&f.overrides))
            .bind(f.buffer_before_minutes)
            .bind(f.buffer_after_minutes)
            .bind(f.min_duration_minutes)
            .bind(f.max_duration_minutes)
            .bind(f.min_notice_minutes)
            .bind(f.max_notice_days)
            .bind(f.requires_approval)
            .bind(f.status.as_str())
            .bind(&f.status_reason)
            .bind(resource.created_at)
            .bind(resource.updated_at)
            .bind(f.check_in_required)
            .bind(f.release_after_minutes)
            .execute(conn)
            .await
            .map_err(Error::unique_as(UniqueField::Name))?;
    });
    Ok(())
}

/// Records a change made through `scope`.
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

async fn group_in(
    tx: &mut Tx,
    org: OrganizationId,
    id: ResourceGroupId,
) -> Result<ResourceGroup, Error> {
    let row: Option<GroupRow> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT id, parent_id, name, created_at FROM resource_groups \
             WHERE organization_id = $1 AND id = $2",
        )
        .bind(org)
        .bind(id)
        .fetch_optional(conn)
        .await?
    });
    row.map(ResourceGroup::from)
        .ok_or(Error::NotFound("resource group"))
}

async fn resource_in(tx: &mut Tx, org: OrganizationId, id: ResourceId) -> Result<Resource, Error> {
    let sql = format!("{SELECT_RESOURCE} WHERE organization_id = $1 AND id = $2");
    let row: Option<ResourceRow> = with_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(id).fetch_optional(conn).await?
    });
    row.ok_or(Error::NotFound("resource"))?.try_into()
}

async fn reservation_in(
    tx: &mut Tx,
    org: OrganizationId,
    id: ReservationId,
) -> Result<Reservation, Error> {
    let sql = format!("{SELECT_RESERVATION} WHERE r.organization_id = $1 AND r.id = $2");
    let row: Option<ReservationRow> = with_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(id).fetch_optional(conn).await?
    });
    let row = row.ok_or(Error::NotFound("reservation"))?;
    with_resources(tx, org, vec![row])
        .await?
        .pop()
        .ok_or(Error::NotFound("reservation"))
}

/// Attaches to each reservation row the resources it holds, read in one statement.
async fn with_resources(
    tx: &mut Tx,
    org: OrganizationId,
    rows: Vec<ReservationRow>,
) -> Result<Vec<Reservation>, Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT reservation_id, resource_id FROM reservation_resources \
         WHERE organization_id = $1 AND reservation_id IN ({}) ORDER BY resource_id",
        crate::repo::placeholders(2, rows.len())
    );
    let pairs: Vec<(ReservationId, ResourceId)> = with_tx!(tx, conn => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org);
        for row in &rows {
            query = query.bind(row.id);
        }
        query.fetch_all(conn).await?
    });
    let mut held: BTreeMap<ReservationId, Vec<ResourceId>> = BTreeMap::new();
    for (reservation, resource) in pairs {
        held.entry(reservation).or_default().push(resource);
    }
    rows.into_iter()
        .map(|row| {
            let ids = held.remove(&row.id).unwrap_or_default();
            row.into_reservation(ids)
        })
        .collect()
}
