//! Quotas on reservations: how much each person may reserve per day, week, month or year.
//!
//! The rule is `engine::quota`, the one `rendezvous quota` runs (../shared/QUOTAS.md); here it
//! gets its facts from the reservation's unit of work: the booker's own active reservations
//! (LibreBooking's quotas limit each person), their teams (the contract's user groups) and
//! each resource's group (the contract's schedule). Two readings belong to the product, not
//! the contract: only periods the new reservation falls in can refuse it (a period already
//! over a limit that was lowered later does not block next week), and a reservation of
//! several resources counts once except under a `schedule` scope, which counts per resource.

use std::collections::HashMap;

use domain::ids::{ResourceGroupId, ResourceId, ResourceQuotaId, TeamId, Timestamp, UserId};
use domain::resources::{HeldSpan, QuotaFields, QuotaPeriod, QuotaScope, QuotaUnit, ResourceQuota};
use engine::quota::{
    AppliesTo, EnforcedHours, Existing, Outcome, Period, Quota, QuotaRequest, Requested, Scope,
    Unit,
};
use store::{Db, can};

use crate::ServiceError;
use crate::fields::{Invalid, time_zone};

const WEEKDAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];

pub async fn create(
    db: &Db,
    scope: &store::Scope,
    fields: QuotaFields,
) -> Result<ResourceQuota, ServiceError> {
    let grant = crate::access::reading::<can::ManageResources>(scope)?;
    let fields = validate(db, scope, fields).await?;
    Ok(db.resource_quotas().create(&grant, fields).await?)
}

pub async fn replace(
    db: &Db,
    scope: &store::Scope,
    id: ResourceQuotaId,
    fields: QuotaFields,
) -> Result<ResourceQuota, ServiceError> {
    let grant = crate::access::reading::<can::ManageResources>(scope)?;
    let fields = validate(db, scope, fields).await?;
    Ok(db.resource_quotas().replace(&grant, id, fields).await?)
}

pub async fn delete(
    db: &Db,
    scope: &store::Scope,
    id: ResourceQuotaId,
) -> Result<(), ServiceError> {
    let grant = crate::access::reading::<can::ManageResources>(scope)?;
    Ok(db.resource_quotas().delete(&grant, id).await?)
}

/// Every quota, by name: members see the limits they reserve under.
pub async fn list(db: &Db, scope: &store::Scope) -> Result<Vec<ResourceQuota>, ServiceError> {
    crate::access::reading::<can::ReadResources>(scope)?;
    Ok(db.resource_quotas().list(scope).await?)
}

async fn validate(
    db: &Db,
    scope: &store::Scope,
    mut fields: QuotaFields,
) -> Result<QuotaFields, ServiceError> {
    let mut invalid = Invalid::default();
    fields.name = fields.name.trim().to_owned();
    invalid.check(
        (1..=100).contains(&fields.name.chars().count()),
        "/name",
        "length",
        "must be 1 to 100 characters",
    );
    invalid.check(
        fields.limit.is_finite() && (0.0..=1e9).contains(&fields.limit),
        "/limit",
        "range",
        "must be 0 to 1000000000",
    );
    time_zone(&mut invalid, "/time_zone", &fields.time_zone);
    invalid.check(
        fields.first_weekday == "today" || WEEKDAYS.contains(&fields.first_weekday.as_str()),
        "/first_weekday",
        "weekday",
        "must be a weekday name (monday … sunday) or today",
    );
    for (i, day) in fields.enforced_days.iter().enumerate() {
        invalid.check(
            WEEKDAYS.contains(&day.as_str()),
            &format!("/enforced_days/{i}"),
            "weekday",
            "must be a weekday name (monday … sunday)",
        );
    }
    if let Some(hours) = &fields.enforced_hours
        && enforced_hours(hours).is_none()
    {
        invalid.push(
            "/enforced_hours",
            "order",
            "two times HH:MM, the start before the end (00:00 or 24:00 ends the day)",
        );
    }
    invalid.finish()?;
    // Named resources, teams and groups must exist in the organization.
    if let Some(resource) = fields.resource_id {
        db.resources().get(scope, resource).await?;
    }
    if let Some(group) = fields.group_id
        && !db
            .resources()
            .groups(scope)
            .await?
            .iter()
            .any(|g| g.id == group)
    {
        return Err(ServiceError::NotFound("resource group"));
    }
    if let Some(team) = fields.team_id {
        let grant = crate::access::reading::<can::ReadTeams>(scope)?;
        db.teams().get(&grant, team).await?;
    }
    Ok(fields)
}

/// `["08:00", "17:00"]` as minutes; an end of 00:00 is the end of the day.
fn enforced_hours(hours: &[String; 2]) -> Option<EnforcedHours> {
    let start = engine::input::parse_local_time(&hours[0]).filter(|m| *m < 1440)?;
    let end = match engine::input::parse_local_time(&hours[1])? {
        0 => 1440,
        end => end,
    };
    (start < end).then_some(EnforcedHours { start, end })
}

/// A quota the reservation would exceed, with the first period it would take over.
#[derive(Debug)]
pub(crate) struct Exceeded {
    pub quota: ResourceQuota,
    pub period_start: Timestamp,
    /// Seconds or reservations, as the quota counts.
    pub total: i64,
}

/// What the reservation being made looks like to the quotas.
pub(crate) struct Asked<'a> {
    pub booked_by: UserId,
    pub resources: &'a [ResourceId],
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub now: Timestamp,
}

/// The first quota (by name) the reservation would exceed, read and decided inside `unit`.
pub(crate) async fn first_exceeded(
    unit: &mut store::Unit,
    asked: &Asked<'_>,
) -> Result<Option<Exceeded>, ServiceError> {
    let quotas = unit.resource_quotas().all().await?;
    if quotas.is_empty() {
        return Ok(None);
    }
    // A year-long period around the reservation holds every booking any quota can weigh.
    let reach = 367 * 86_400;
    let held = unit
        .reservations()
        .held_by(
            asked.booked_by,
            asked.start_at.plus(jiff::SignedDuration::from_secs(-reach)),
            asked.end_at.plus(jiff::SignedDuration::from_secs(reach)),
        )
        .await?;
    let teams = unit.resource_quotas().teams_of(asked.booked_by).await?;
    let groups = unit.resource_quotas().resource_groups().await?;
    for quota in quotas {
        if let Some(exceeded) = exceeds(&quota, asked, &held, &teams, &groups)? {
            return Ok(Some(exceeded));
        }
    }
    Ok(None)
}

fn exceeds(
    quota: &ResourceQuota,
    asked: &Asked<'_>,
    held: &[HeldSpan],
    teams: &[TeamId],
    groups: &[(ResourceId, ResourceGroupId)],
) -> Result<Option<Exceeded>, ServiceError> {
    let request = quota_request(quota, asked, held, teams, groups)?;
    let Outcome::Denied(periods) = engine::quota::evaluate(&request) else {
        return Ok(None);
    };
    let (start, end) = (instant(asked.start_at), instant(asked.end_at));
    let over = periods
        .into_iter()
        .find(|p| p.period.start < end && start < p.period.end);
    Ok(over.map(|over| Exceeded {
        quota: quota.clone(),
        period_start: Timestamp::from(
            jiff::Timestamp::from_second(over.period.start.0).unwrap_or(jiff::Timestamp::MIN),
        ),
        total: over.total,
    }))
}

/// The contract's document for one quota, from the product's facts.
fn quota_request(
    quota: &ResourceQuota,
    asked: &Asked<'_>,
    held: &[HeldSpan],
    teams: &[TeamId],
    groups: &[(ResourceId, ResourceGroupId)],
) -> Result<QuotaRequest, ServiceError> {
    let f = &quota.fields;
    let corrupt =
        |what: &str| ServiceError::Internal(store::Error::Corrupt(format!("quota {what}")));
    let timezone = jiff::tz::TimeZone::get(&f.time_zone).map_err(|_| corrupt("time zone"))?;
    let now = instant(asked.now);
    let first_weekday = match WEEKDAYS.iter().position(|d| *d == f.first_weekday) {
        Some(i) => weekday(i),
        None => timezone.to_datetime(asked.now.to_jiff()).weekday(),
    };
    let mut enforced_days = None;
    if !f.enforced_days.is_empty() {
        let mut days = [false; 7];
        for day in &f.enforced_days {
            if let Some(i) = WEEKDAYS.iter().position(|d| d == day) {
                days[i] = true;
            }
        }
        enforced_days = Some(days);
    }
    let group_of: HashMap<ResourceId, ResourceGroupId> = groups.iter().copied().collect();
    let request_group = asked.resources.first().and_then(|r| group_of.get(r));
    let existing = existing_entries(f.scope, held, asked.resources, request_group, &group_of);
    Ok(QuotaRequest {
        quota: Quota {
            limit: serde_json::Number::from_f64(f.limit).ok_or_else(|| corrupt("limit"))?,
            unit: match f.unit {
                QuotaUnit::Hours => Unit::Hours,
                QuotaUnit::Reservations => Unit::Reservations,
            },
            period: match f.period {
                QuotaPeriod::Day => Period::Day,
                QuotaPeriod::Week => Period::Week,
                QuotaPeriod::Month => Period::Month,
                QuotaPeriod::Year => Period::Year,
            },
            scope: match f.scope {
                QuotaScope::Global => Scope::Global,
                QuotaScope::Resource => Scope::Resource,
                QuotaScope::Group => Scope::Group,
                QuotaScope::Schedule => Scope::Schedule,
            },
            applies_to: AppliesTo {
                resource: f.resource_id.map(|id| id.to_string()),
                group: f.team_id.map(|id| id.to_string()),
                schedule: f.group_id.map(|id| id.to_string()),
            },
            enforced_days,
            enforced_hours: f.enforced_hours.as_ref().and_then(enforced_hours),
            count_completed: f.count_completed,
        },
        first_weekday,
        timezone,
        now,
        user_groups: teams.iter().map(ToString::to_string).collect(),
        resource_schedule: group_of
            .iter()
            .map(|(resource, group)| (resource.to_string(), group.to_string()))
            .collect(),
        existing,
        requested: vec![Requested {
            id: None,
            time: engine::Interval::new(instant(asked.start_at), instant(asked.end_at)),
            resource: asked
                .resources
                .first()
                .map(ToString::to_string)
                .unwrap_or_default(),
            resources: asked.resources.iter().map(ToString::to_string).collect(),
        }],
        deleting: Vec::new(),
    })
}

/// The booker's reservations as the contract's `existing` entries: one per resource under a
/// `schedule` scope (which counts per resource), else one per reservation, named by the
/// resource the quota's filter would pick first (a requested one, then one of the request's
/// group), so that a reservation of a room and its projector counts once.
fn existing_entries(
    scope: QuotaScope,
    held: &[HeldSpan],
    requested: &[ResourceId],
    request_group: Option<&ResourceGroupId>,
    group_of: &HashMap<ResourceId, ResourceGroupId>,
) -> Vec<Existing> {
    let entry = |span: &HeldSpan| Existing {
        id: Some(span.reservation_id.to_string()),
        time: engine::Interval::new(instant(span.start_at), instant(span.end_at)),
        resource: span.resource_id.to_string(),
    };
    if scope == QuotaScope::Schedule {
        return held.iter().map(entry).collect();
    }
    let rank = |span: &HeldSpan| {
        if requested.contains(&span.resource_id) {
            0
        } else if request_group.is_some() && group_of.get(&span.resource_id) == request_group {
            1
        } else {
            2
        }
    };
    let mut best: Vec<&HeldSpan> = Vec::new();
    for span in held {
        match best
            .iter_mut()
            .find(|b| b.reservation_id == span.reservation_id)
        {
            Some(current) if rank(span) < rank(current) => *current = span,
            Some(_) => {}
            None => best.push(span),
        }
    }
    best.into_iter().map(entry).collect()
}

/// For people: "“Room hours” allows 4 hours a week; the week from 2026-03-02 would hold 5".
pub(crate) fn exceeded_detail(exceeded: &Exceeded) -> String {
    let f = &exceeded.quota.fields;
    let zone = jiff::tz::TimeZone::get(&f.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let from = exceeded.period_start.to_jiff().to_zoned(zone).date();
    let period = f.period.as_str();
    let (limit, total) = match f.unit {
        QuotaUnit::Hours => (
            format!("{} hours", f.limit),
            format!("{} hours", exceeded.total as f64 / 3600.0),
        ),
        QuotaUnit::Reservations => (
            format!("{} reservations", f.limit),
            format!("{} reservations", exceeded.total),
        ),
    };
    format!(
        "quota “{}” allows {limit} a {period}; the {period} from {from} would hold {total}",
        f.name
    )
}

fn weekday(index: usize) -> jiff::civil::Weekday {
    use jiff::civil::Weekday::*;
    [
        Monday, Tuesday, Wednesday, Thursday, Friday, Saturday, Sunday,
    ][index % 7]
}

fn instant(t: Timestamp) -> engine::Instant {
    engine::Instant(t.to_jiff().as_second())
}
