//! Resources and reservations: what a resource is, who may see, reserve and manage it, and
//! what happens when someone reserves, cancels, approves or rejects.
//!
//! A reservation holds every resource it names for one period, or none: the unit locks the
//! resources, then each is checked in turn (bookable, length, notice, hours, capacity), and
//! the first refusal answers; then the quotas ([`crate::resource_quotas`]). Capacity is the number of reservations a resource holds at one
//! instant, each widened by the resource's buffers; pending reservations hold it too.

use domain::access::Actor;
use domain::ids::{ReservationId, ResourceGroupId, ResourceId, Timestamp};
use domain::resources::{
    Attributes, Blackout, BlackoutPolicy, ConflictKind, ConflictSeverity, ConflictStatus,
    NewReservation, Reservation, ReservationFilter, ReservationSource, ReservationStatus, Resource,
    ResourceConflict, ResourceFields, ResourceGroup, ResourceKind, ResourceRefusal, ResourceStatus,
    peak_overlap,
};
use domain::schedules::{DateOverrides, WeeklyRules};
use store::{Db, Scope, can};

use crate::ServiceError;
use crate::fields::{Invalid, time_zone};

/// The most resources one reservation may hold.
pub const MAX_RESOURCES_PER_RESERVATION: usize = 20;
const MAX_ATTRIBUTES: usize = 50;
/// Longest reservation: a year, so that every check stays bounded.
const MAX_RESERVATION_MINUTES: i64 = 366 * 1440;

/// A resource as its manager writes it.
#[derive(Clone, Debug)]
pub struct ResourceInput {
    pub name: String,
    pub kind: ResourceKind,
    pub description: String,
    pub location: String,
    pub group_id: Option<ResourceGroupId>,
    pub attributes: Attributes,
    pub capacity: i32,
    pub time_zone: String,
    pub weekly: WeeklyRules,
    pub overrides: DateOverrides,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub min_duration_minutes: i32,
    pub max_duration_minutes: Option<i32>,
    pub min_notice_minutes: i32,
    pub max_notice_days: Option<i32>,
    pub requires_approval: bool,
    pub check_in_required: bool,
    pub release_after_minutes: i32,
    pub status: ResourceStatus,
    pub status_reason: String,
}

/// The job kind that releases a reservation nobody checked in to.
pub const RELEASE_JOB: &str = "reservation.release";

/// The release job for a new reservation, if one of its resources requires check-in: due the
/// shortest of their release times after the start.
pub(crate) fn release_job(
    reservation: &Reservation,
    resources: &[Resource],
) -> Option<store::repo::jobs::NewJob> {
    let after = resources
        .iter()
        .filter(|r| r.fields.check_in_required)
        .map(|r| r.fields.release_after_minutes)
        .min()?;
    let mut job = store::repo::jobs::NewJob::now(
        RELEASE_JOB,
        serde_json::json!({ "reservation_id": reservation.id }),
    );
    job.run_at = reservation
        .start_at
        .plus(jiff::SignedDuration::from_mins(i64::from(after)));
    job.idempotency_key = Some(format!("release:{}", reservation.id));
    Some(job)
}

/// Whether the scope manages resources (sees hidden ones, approves, acts on anyone's
/// reservations).
fn manages(scope: &Scope) -> bool {
    scope.grant::<can::ManageResources>().is_some()
}

pub async fn create(
    db: &Db,
    scope: &Scope,
    input: ResourceInput,
) -> Result<Resource, ServiceError> {
    let grant = crate::access::reading::<can::ManageResources>(scope)?;
    let fields = validate(input)?;
    Ok(db.resources().create(&grant, fields).await?)
}

pub async fn replace(
    db: &Db,
    scope: &Scope,
    id: ResourceId,
    input: ResourceInput,
) -> Result<Resource, ServiceError> {
    let grant = crate::access::reading::<can::ManageResources>(scope)?;
    let fields = validate(input)?;
    let old = db.resources().get(scope, id).await?;
    let new = db.resources().replace(&grant, id, fields).await?;
    if new.fields.capacity < old.fields.capacity {
        log_capacity_cut(db, scope, &new).await?;
    }
    Ok(new)
}

/// After a resource's capacity was lowered: records a conflict if its coming reservations now
/// overlap more than it holds (they stay; a manager decides).
async fn log_capacity_cut(db: &Db, scope: &Scope, resource: &Resource) -> Result<(), ServiceError> {
    let now = Timestamp::now();
    let far = now.plus(jiff::SignedDuration::from_hours(24 * 3660));
    let mut unit = db.begin_unit(scope.organization_id()).await?;
    unit.reservations().lock(&[resource.id]).await?;
    let held = unit.reservations().held(&[resource.id], now, far).await?;
    let spans: Vec<(Timestamp, Timestamp)> = held.iter().map(|h| (h.start_at, h.end_at)).collect();
    let peak = peak_overlap(&spans, (now, far));
    let capacity = usize::try_from(resource.fields.capacity).unwrap_or(1);
    if peak > capacity {
        let conflict = new_conflict(
            ConflictKind::CapacityCut,
            ConflictSeverity::Medium,
            Some(resource.id),
            None,
            format!(
                "Up to {peak} coming reservations of {} overlap, and it now holds {capacity} at once",
                resource.fields.name
            ),
        );
        unit.resource_conflicts().record(&conflict).await?;
    }
    unit.commit().await?;
    Ok(())
}

/// A new entry of the conflict log, open.
fn new_conflict(
    kind: ConflictKind,
    severity: ConflictSeverity,
    resource_id: Option<ResourceId>,
    reservation_id: Option<ReservationId>,
    detail: String,
) -> ResourceConflict {
    let now = Timestamp::now();
    ResourceConflict {
        id: domain::ids::ResourceConflictId::new(),
        kind,
        severity,
        status: ConflictStatus::Open,
        resource_id,
        reservation_id,
        detail,
        resolution: String::new(),
        created_at: now,
        updated_at: now,
    }
}

/// The conflict log, newest first (those who manage resources).
pub async fn conflicts(
    db: &Db,
    scope: &Scope,
    status: Option<ConflictStatus>,
) -> Result<Vec<ResourceConflict>, ServiceError> {
    crate::access::reading::<can::ManageResources>(scope)?;
    Ok(db.resource_conflicts().list(scope, status, 500).await?)
}

/// Moves a logged conflict along (investigating, resolved, ignored), saying how.
pub async fn update_conflict(
    db: &Db,
    scope: &Scope,
    id: domain::ids::ResourceConflictId,
    status: ConflictStatus,
    resolution: String,
) -> Result<ResourceConflict, ServiceError> {
    let grant = crate::access::reading::<can::ManageResources>(scope)?;
    let resolution = resolution.trim().to_owned();
    let mut invalid = Invalid::default();
    check_length(&mut invalid, "/resolution", &resolution, 0, 1000);
    invalid.finish()?;
    Ok(db
        .resource_conflicts()
        .update(&grant, id, status, &resolution)
        .await?)
}

pub async fn delete(db: &Db, scope: &Scope, id: ResourceId) -> Result<(), ServiceError> {
    let grant = crate::access::reading::<can::ManageResources>(scope)?;
    Ok(db.resources().delete(&grant, id).await?)
}

/// One resource; a hidden one is not found except by its managers.
pub async fn get(db: &Db, scope: &Scope, id: ResourceId) -> Result<Resource, ServiceError> {
    crate::access::reading::<can::ReadResources>(scope)?;
    let resource = db.resources().get(scope, id).await?;
    if resource.fields.status == ResourceStatus::Hidden && !manages(scope) {
        return Err(ServiceError::NotFound("resource"));
    }
    Ok(resource)
}

/// The resources the scope may see, by name.
pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<Resource>, ServiceError> {
    crate::access::reading::<can::ReadResources>(scope)?;
    let all = db.resources().list(scope).await?;
    let everything = manages(scope);
    Ok(all
        .into_iter()
        .filter(|r| everything || r.fields.status != ResourceStatus::Hidden)
        .collect())
}

pub async fn create_group(
    db: &Db,
    scope: &Scope,
    parent_id: Option<ResourceGroupId>,
    name: String,
) -> Result<ResourceGroup, ServiceError> {
    let grant = crate::access::reading::<can::ManageResources>(scope)?;
    let name = name.trim().to_owned();
    let mut invalid = Invalid::default();
    check_length(&mut invalid, "/name", &name, 1, 100);
    invalid.finish()?;
    Ok(db.resources().create_group(&grant, parent_id, name).await?)
}

pub async fn groups(db: &Db, scope: &Scope) -> Result<Vec<ResourceGroup>, ServiceError> {
    crate::access::reading::<can::ReadResources>(scope)?;
    Ok(db.resources().groups(scope).await?)
}

pub async fn delete_group(db: &Db, scope: &Scope, id: ResourceGroupId) -> Result<(), ServiceError> {
    let grant = crate::access::reading::<can::ManageResources>(scope)?;
    Ok(db.resources().delete_group(&grant, id).await?)
}

fn check_length(invalid: &mut Invalid, pointer: &str, value: &str, min: usize, max: usize) {
    let n = value.chars().count();
    if !(min..=max).contains(&n) {
        invalid.push(
            pointer,
            "length",
            format!("must be {min} to {max} characters"),
        );
    }
}

fn validate(input: ResourceInput) -> Result<ResourceFields, ServiceError> {
    let mut invalid = Invalid::default();
    let name = input.name.trim().to_owned();
    check_length(&mut invalid, "/name", &name, 1, 100);
    check_length(&mut invalid, "/description", &input.description, 0, 5000);
    check_length(&mut invalid, "/location", &input.location, 0, 500);
    check_length(&mut invalid, "/status_reason", &input.status_reason, 0, 500);
    invalid.check(
        (1..=10_000).contains(&input.capacity),
        "/capacity",
        "range",
        "must be 1 to 10000",
    );
    time_zone(&mut invalid, "/time_zone", &input.time_zone);
    crate::schedules::check_hours(&mut invalid, &input.weekly, &input.overrides);
    for (pointer, value) in [
        ("/buffer_before_minutes", input.buffer_before_minutes),
        ("/buffer_after_minutes", input.buffer_after_minutes),
    ] {
        invalid.check(
            (0..=1440).contains(&value),
            pointer,
            "range",
            "must be 0 to 1440",
        );
    }
    invalid.check(
        (1..=1440 * 366).contains(&input.min_duration_minutes),
        "/min_duration_minutes",
        "range",
        "must be 1 to 527040 (a year)",
    );
    if let Some(max) = input.max_duration_minutes {
        invalid.check(
            max >= input.min_duration_minutes && max <= 1440 * 366,
            "/max_duration_minutes",
            "range",
            "must be at least min_duration_minutes and at most 527040 (a year)",
        );
    }
    invalid.check(
        (0..=525_600).contains(&input.min_notice_minutes),
        "/min_notice_minutes",
        "range",
        "must be 0 to 525600 (a year)",
    );
    if let Some(days) = input.max_notice_days {
        invalid.check(
            (1..=3650).contains(&days),
            "/max_notice_days",
            "range",
            "must be 1 to 3650",
        );
    }
    invalid.check(
        (0..=1440).contains(&input.release_after_minutes),
        "/release_after_minutes",
        "range",
        "must be 0 to 1440",
    );
    invalid.check(
        input.attributes.len() <= MAX_ATTRIBUTES,
        "/attributes",
        "too_many",
        "at most 50 attributes",
    );
    for (key, value) in &input.attributes {
        let pointer = format!("/attributes/{}", crate::validate::pointer(key));
        if !(1..=64).contains(&key.chars().count()) {
            invalid.push(pointer.clone(), "length", "names are 1 to 64 characters");
        }
        let fits = match value {
            serde_json::Value::Bool(_) | serde_json::Value::Number(_) => true,
            serde_json::Value::String(text) => text.chars().count() <= 500,
            _ => false,
        };
        if !fits {
            invalid.push(
                pointer,
                "attribute",
                "a value is true or false, a number, or a text of at most 500 characters",
            );
        }
    }
    invalid.finish()?;
    Ok(ResourceFields {
        name,
        kind: input.kind,
        description: input.description,
        location: input.location,
        group_id: input.group_id,
        attributes: input.attributes,
        capacity: input.capacity,
        time_zone: input.time_zone,
        weekly: input.weekly,
        overrides: input.overrides,
        buffer_before_minutes: input.buffer_before_minutes,
        buffer_after_minutes: input.buffer_after_minutes,
        min_duration_minutes: input.min_duration_minutes,
        max_duration_minutes: input.max_duration_minutes,
        min_notice_minutes: input.min_notice_minutes,
        max_notice_days: input.max_notice_days,
        requires_approval: input.requires_approval,
        check_in_required: input.check_in_required,
        release_after_minutes: input.release_after_minutes,
        status: input.status,
        status_reason: input.status_reason,
    })
}

/// A reservation as the caller asks for it.
#[derive(Clone, Debug)]
pub struct ReserveInput {
    pub resource_ids: Vec<ResourceId>,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub title: String,
    pub source: ReservationSource,
}

/// Reserves every resource of `input` for its period, or none: confirmed, or pending when a
/// resource needs approval and the caller does not manage resources.
pub async fn reserve(
    db: &Db,
    scope: &Scope,
    input: ReserveInput,
) -> Result<Reservation, ServiceError> {
    crate::access::reading::<can::BookResources>(scope)?;
    let booked_by = scope.actor().user_id().ok_or(ServiceError::Forbidden)?;
    let title = input.title.trim().to_owned();
    let mut invalid = Invalid::default();
    check_length(&mut invalid, "/title", &title, 0, 200);
    let count = input.resource_ids.len();
    invalid.check(
        (1..=MAX_RESOURCES_PER_RESERVATION).contains(&count),
        "/resource_ids",
        "length",
        "name 1 to 20 resources",
    );
    for (i, id) in input.resource_ids.iter().enumerate() {
        if input.resource_ids[..i].contains(id) {
            invalid.push(
                format!("/resource_ids/{i}"),
                "repeated",
                "names a resource twice",
            );
        }
    }
    let minutes = |t: Timestamp| t.to_jiff().as_second().rem_euclid(60) == 0;
    invalid.check(
        minutes(input.start_at),
        "/start_at",
        "whole_minute",
        "must be on a whole minute",
    );
    invalid.check(
        minutes(input.end_at),
        "/end_at",
        "whole_minute",
        "must be on a whole minute",
    );
    let length = seconds(input.end_at) - seconds(input.start_at);
    invalid.check(length > 0, "/end_at", "order", "must be after start_at");
    invalid.check(
        length <= MAX_RESERVATION_MINUTES * 60,
        "/end_at",
        "range",
        "a reservation lasts at most 366 days",
    );
    invalid.finish()?;

    let everything = manages(scope);
    let now = Timestamp::now();
    let mut unit = db.begin_unit(scope.organization_id()).await?;
    unit.reservations().lock(&input.resource_ids).await?;
    let resources = unit.reservations().resources(&input.resource_ids).await?;
    let widest = resources
        .iter()
        .map(|r| {
            i64::from(
                r.fields
                    .buffer_before_minutes
                    .max(r.fields.buffer_after_minutes),
            )
        })
        .max()
        .unwrap_or(0)
        * 2
        * 60;
    let held = unit
        .reservations()
        .held(
            &input.resource_ids,
            input
                .start_at
                .plus(jiff::SignedDuration::from_secs(-widest)),
            input.end_at.plus(jiff::SignedDuration::from_secs(widest)),
        )
        .await?;
    let blackouts = unit
        .reservations()
        .blackouts(input.start_at, input.end_at)
        .await?;
    let groups = if blackouts.is_empty() {
        Vec::new()
    } else {
        unit.reservations().groups().await?
    };
    for (index, resource) in resources.iter().enumerate() {
        if resource.fields.status == ResourceStatus::Hidden && !everything {
            return Err(ServiceError::NotFound("resource"));
        }
        let dark = blackout_spans(&blackouts, resource, &groups);
        if let Some(reason) = crate::resource_rules::why_not(
            resource,
            &held,
            &dark,
            (input.start_at, input.end_at),
            now,
        )? {
            return Err(ServiceError::ResourceRefused {
                index,
                reason,
                detail: crate::resource_rules::refusal_detail(resource, reason),
            });
        }
    }
    // Quotas limit members; those who manage resources are not held to them (LibreBooking's
    // administrators are not either).
    if !everything {
        let asked = crate::resource_quotas::Asked {
            booked_by,
            resources: &input.resource_ids,
            start_at: input.start_at,
            end_at: input.end_at,
            now,
        };
        if let Some(exceeded) = crate::resource_quotas::first_exceeded(&mut unit, &asked).await? {
            let index = exceeded
                .quota
                .fields
                .resource_id
                .and_then(|limited| input.resource_ids.iter().position(|id| *id == limited))
                .unwrap_or(0);
            return Err(ServiceError::ResourceRefused {
                index,
                reason: ResourceRefusal::OverQuota,
                detail: crate::resource_quotas::exceeded_detail(&exceeded),
            });
        }
    }
    let needs_approval = resources.iter().any(|r| r.fields.requires_approval);
    let status = if needs_approval && !everything {
        ReservationStatus::Pending
    } else {
        ReservationStatus::Confirmed
    };
    let new = NewReservation {
        booked_by,
        title,
        start_at: input.start_at,
        end_at: input.end_at,
        status,
        source: input.source,
        resource_ids: input.resource_ids,
    };
    let reservation = unit
        .reservations()
        .insert(scope.actor(), scope.ip(), new)
        .await?;
    if let Some(job) = release_job(&reservation, &resources) {
        unit.jobs().enqueue(&job).await?;
    }
    unit.commit().await?;
    tracing::info!(reservation = %reservation.id, status = reservation.status.as_str(), "reserved");
    Ok(reservation)
}

/// What a search asks for: a period, and what the resource must be.
#[derive(Clone, Debug)]
pub struct SearchInput {
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub kind: Option<ResourceKind>,
    /// In this group or any group below it.
    pub group_id: Option<ResourceGroupId>,
    /// Attributes that must be equal: `{"projector": true}`.
    pub attributes: Attributes,
    /// Numeric attributes that must be at least this: `{"seats": 8}`.
    pub at_least: std::collections::BTreeMap<String, f64>,
}

/// One resource of a search: free for the period, or the first reason it is not.
#[derive(Clone, Debug)]
pub struct SearchHit {
    pub resource: Resource,
    pub refusal: Option<(ResourceRefusal, String)>,
}

/// The resources that are what the search asks for, each free for its period or with the
/// reason it is not; the free ones first, then by name. Quotas are not weighed here: they
/// depend on who reserves, and reserving checks them.
pub async fn search(
    db: &Db,
    scope: &Scope,
    input: SearchInput,
) -> Result<Vec<SearchHit>, ServiceError> {
    crate::access::reading::<can::ReadResources>(scope)?;
    let (start_at, end_at) = (input.start_at, input.end_at);
    let mut invalid = Invalid::default();
    invalid.check(
        start_at < end_at,
        "/end_at",
        "order",
        "must be after start_at",
    );
    invalid.finish()?;
    let groups = match input.group_id {
        Some(root) => Some(group_and_below(&db.resources().groups(scope).await?, root)),
        None => None,
    };
    let wanted: Vec<Resource> = list(db, scope)
        .await?
        .into_iter()
        .filter(|r| matches(r, &input, groups.as_deref()))
        .collect();
    let ids: Vec<ResourceId> = wanted.iter().map(|r| r.id).collect();
    let reach = i64::from(
        wanted
            .iter()
            .map(|r| {
                r.fields
                    .buffer_before_minutes
                    .max(r.fields.buffer_after_minutes)
            })
            .max()
            .unwrap_or(0),
    ) * 120;
    let held = if ids.is_empty() {
        Vec::new()
    } else {
        db.resources()
            .held(
                scope,
                &ids,
                start_at.plus(jiff::SignedDuration::from_secs(-reach)),
                end_at.plus(jiff::SignedDuration::from_secs(reach)),
            )
            .await?
    };
    let blackouts = db.resources().blackouts(scope, start_at, end_at).await?;
    let groups = if blackouts.is_empty() {
        Vec::new()
    } else {
        db.resources().groups(scope).await?
    };
    let now = Timestamp::now();
    let mut hits = Vec::with_capacity(wanted.len());
    for resource in wanted {
        let dark = blackout_spans(&blackouts, &resource, &groups);
        let refusal =
            crate::resource_rules::why_not(&resource, &held, &dark, (start_at, end_at), now)?.map(
                |reason| {
                    (
                        reason,
                        crate::resource_rules::refusal_detail(&resource, reason),
                    )
                },
            );
        hits.push(SearchHit { resource, refusal });
    }
    // Stable: free first, each part still by name.
    hits.sort_by_key(|hit| hit.refusal.is_some());
    Ok(hits)
}

/// The periods of the blackouts that cover `resource`.
fn blackout_spans(
    blackouts: &[Blackout],
    resource: &Resource,
    groups: &[ResourceGroup],
) -> Vec<(Timestamp, Timestamp)> {
    blackouts
        .iter()
        .filter(|b| b.covers(resource, groups))
        .map(|b| (b.start_at, b.end_at))
        .collect()
}

/// A blackout as its manager asks for it.
#[derive(Clone, Debug)]
pub struct BlackoutInput {
    pub title: String,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    /// One resource, or a group (with the groups below it): exactly one of the two.
    pub resource_id: Option<ResourceId>,
    pub group_id: Option<ResourceGroupId>,
    pub policy: BlackoutPolicy,
}

/// Creates a blackout and applies its policy to the reservations it overlaps: refuse while
/// any does, cancel them (the title is the reason), or keep them. Answers the blackout and
/// the reservations it overlapped, as they are afterwards.
pub async fn create_blackout(
    db: &Db,
    scope: &Scope,
    input: BlackoutInput,
) -> Result<(Blackout, Vec<Reservation>), ServiceError> {
    crate::access::reading::<can::ManageResources>(scope)?;
    let title = input.title.trim().to_owned();
    let mut invalid = Invalid::default();
    check_length(&mut invalid, "/title", &title, 1, 200);
    invalid.check(
        input.start_at < input.end_at,
        "/end_at",
        "order",
        "must be after start_at",
    );
    invalid.check(
        input.resource_id.is_some() != input.group_id.is_some(),
        "/resource_id",
        "one_of",
        "name either a resource or a resource group",
    );
    invalid.finish()?;
    let blackout = Blackout {
        id: domain::ids::BlackoutId::new(),
        title,
        start_at: input.start_at,
        end_at: input.end_at,
        resource_id: input.resource_id,
        group_id: input.group_id,
        created_by: scope.actor().user_id(),
        created_at: Timestamp::now(),
    };
    let mut unit = db.begin_unit(scope.organization_id()).await?;
    let groups = unit.reservations().groups().await?;
    if let Some(group) = input.group_id
        && !groups.iter().any(|g| g.id == group)
    {
        return Err(ServiceError::NotFound("resource group"));
    }
    let all = unit.reservations().all_resources().await?;
    if let Some(resource) = input.resource_id
        && !all.iter().any(|r| r.id == resource)
    {
        return Err(ServiceError::NotFound("resource"));
    }
    let covered: Vec<ResourceId> = all
        .iter()
        .filter(|r| blackout.covers(r, &groups))
        .map(|r| r.id)
        .collect();
    unit.reservations().lock(&covered).await?;
    let mut overlapping: Vec<ReservationId> = Vec::new();
    if !covered.is_empty() {
        for span in unit
            .reservations()
            .held(&covered, blackout.start_at, blackout.end_at)
            .await?
        {
            if !overlapping.contains(&span.reservation_id) {
                overlapping.push(span.reservation_id);
            }
        }
    }
    if input.policy == BlackoutPolicy::Refuse && !overlapping.is_empty() {
        return Err(ServiceError::Conflict(
            domain::refusals::Conflict::ReservationsOverlap,
        ));
    }
    let mut affected = Vec::with_capacity(overlapping.len());
    for id in overlapping {
        let before = unit.reservations().get(id).await?;
        let mut conflict = new_conflict(
            ConflictKind::Blackout,
            ConflictSeverity::High,
            before.resource_ids.first().copied(),
            Some(id),
            format!(
                "The reservation “{}” overlaps the blackout “{}”",
                before.title, blackout.title
            ),
        );
        if input.policy == BlackoutPolicy::Cancel {
            conflict.status = ConflictStatus::Resolved;
            conflict.resolution = "Cancelled by the blackout".to_owned();
        }
        unit.resource_conflicts().record(&conflict).await?;
        let reservation = match input.policy {
            BlackoutPolicy::Cancel => {
                let reason = format!("Cancelled: {}", blackout.title);
                unit.reservations()
                    .set_status(
                        scope.actor(),
                        scope.ip(),
                        id,
                        ReservationStatus::Cancelled,
                        Some(reason),
                    )
                    .await?
            }
            _ => unit.reservations().get(id).await?,
        };
        affected.push(reservation);
    }
    unit.reservations()
        .insert_blackout(scope.actor(), scope.ip(), &blackout)
        .await?;
    unit.commit().await?;
    Ok((blackout, affected))
}

/// Blackouts that overlap `[from, until)`, by start.
pub async fn blackouts(
    db: &Db,
    scope: &Scope,
    from: Timestamp,
    until: Timestamp,
) -> Result<Vec<Blackout>, ServiceError> {
    crate::access::reading::<can::ReadResources>(scope)?;
    Ok(db.resources().blackouts(scope, from, until).await?)
}

pub async fn delete_blackout(
    db: &Db,
    scope: &Scope,
    id: domain::ids::BlackoutId,
) -> Result<(), ServiceError> {
    let grant = crate::access::reading::<can::ManageResources>(scope)?;
    Ok(db.resources().delete_blackout(&grant, id).await?)
}

/// `root` and every group below it.
fn group_and_below(groups: &[ResourceGroup], root: ResourceGroupId) -> Vec<ResourceGroupId> {
    let mut found = vec![root];
    let mut next = 0;
    while next < found.len() {
        let parent = found[next];
        for group in groups {
            if group.parent_id == Some(parent) && !found.contains(&group.id) {
                found.push(group.id);
            }
        }
        next += 1;
    }
    found
}

fn matches(resource: &Resource, input: &SearchInput, groups: Option<&[ResourceGroupId]>) -> bool {
    let f = &resource.fields;
    input.kind.is_none_or(|kind| f.kind == kind)
        && groups.is_none_or(|groups| f.group_id.is_some_and(|g| groups.contains(&g)))
        && input
            .attributes
            .iter()
            .all(|(key, value)| f.attributes.get(key) == Some(value))
        && input.at_least.iter().all(|(key, least)| {
            f.attributes
                .get(key)
                .and_then(serde_json::Value::as_f64)
                .is_some_and(|have| have >= *least)
        })
}

/// Reservations the scope may see: everyone's for those who manage resources, else the
/// caller's own.
pub async fn reservations(
    db: &Db,
    scope: &Scope,
    mut filter: ReservationFilter,
) -> Result<Vec<Reservation>, ServiceError> {
    crate::access::reading::<can::BookResources>(scope)
        .map(|_| ())
        .or_else(|_| crate::access::reading::<can::ManageResources>(scope).map(|_| ()))?;
    if !manages(scope) {
        filter.booked_by = Some(scope.actor().user_id().ok_or(ServiceError::Forbidden)?);
    }
    filter.limit = filter.limit.clamp(1, 500);
    Ok(db.resources().reservations(scope, &filter).await?)
}

/// One reservation: one's own, or anyone's for those who manage resources.
pub async fn reservation(
    db: &Db,
    scope: &Scope,
    id: ReservationId,
) -> Result<Reservation, ServiceError> {
    let found = db.resources().reservation(scope, id).await?;
    if manages(scope) || (own(scope, &found) && scope.grant::<can::BookResources>().is_some()) {
        Ok(found)
    } else {
        Err(ServiceError::NotFound("reservation"))
    }
}

fn own(scope: &Scope, reservation: &Reservation) -> bool {
    scope.actor().user_id() == Some(reservation.booked_by)
}

/// What a caller does to a reservation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The booker (or a manager) withdraws it.
    Cancel,
    /// A manager approves a pending reservation.
    Approve,
    /// A manager turns a pending reservation down.
    Reject,
}

/// Cancels, approves or rejects a reservation. The booker may cancel their own; managers may
/// do all three to anyone's. A reason goes with a cancellation or rejection.
pub async fn decide(
    db: &Db,
    scope: &Scope,
    id: ReservationId,
    decision: Decision,
    reason: Option<String>,
) -> Result<Reservation, ServiceError> {
    let reason = reason
        .map(|r| r.trim().to_owned())
        .filter(|r| !r.is_empty());
    if let Some(text) = &reason {
        let mut invalid = Invalid::default();
        check_length(&mut invalid, "/reason", text, 1, 500);
        invalid.finish()?;
    }
    let existing = reservation(db, scope, id).await?;
    let allowed = match decision {
        Decision::Cancel => manages(scope) || own(scope, &existing),
        Decision::Approve | Decision::Reject => manages(scope),
    };
    if !allowed {
        return Err(ServiceError::Forbidden);
    }
    let to = match decision {
        Decision::Cancel => ReservationStatus::Cancelled,
        Decision::Approve => ReservationStatus::Confirmed,
        Decision::Reject => ReservationStatus::Rejected,
    };
    let mut unit = db.begin_unit(scope.organization_id()).await?;
    unit.reservations().lock(&existing.resource_ids).await?;
    // Read again under the lock: another decision may have come first.
    let current = unit.reservations().get(id).await?;
    if !current.status.may_become(to) {
        return Err(ServiceError::InvalidTransition {
            from: current.status.as_str(),
            to: to.as_str(),
        });
    }
    let reason = match decision {
        Decision::Approve => None,
        _ => reason,
    };
    let actor: Actor = scope.actor();
    let changed = unit
        .reservations()
        .set_status(actor, scope.ip(), id, to, reason)
        .await?;
    unit.commit().await?;
    Ok(changed)
}

fn seconds(t: Timestamp) -> i64 {
    t.to_jiff().as_second()
}
