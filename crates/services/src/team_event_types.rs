//! Making an event type a team's: collective or round robin, the strategy, and the hosts
//! with their weights, priorities and own limits.
//!
//! Who may: someone who may manage the event type (its owner, or an owner or admin acting
//! for them) and who either manages teams or leads this team.

use std::collections::HashSet;

use domain::ids::EventTypeId;
use domain::team_event_types::{HostSettings, TeamKind, TeamSettings, TeamSetup};
use domain::teams::TeamRole;
use store::{Db, Scope, can};

use crate::ServiceError;
use crate::fields::Invalid;

/// The most hosts a team event type may have (the engine's limit).
pub const MAX_HOSTS: usize = 1000;
const MAX_WEIGHT: i32 = 10_000;
const MAX_PRIORITY: i32 = 1000;

/// The team setup of an event type; `None` when its owner hosts it alone.
pub async fn get(
    db: &Db,
    scope: &Scope,
    id: EventTypeId,
) -> Result<Option<TeamSetup>, ServiceError> {
    crate::access::reading::<can::ReadEventTypes>(scope)?;
    Ok(db.event_types().team_setup(scope, id).await?)
}

/// The setups of every event type `team` hosts.
pub async fn of_team(
    db: &Db,
    scope: &Scope,
    team: domain::ids::TeamId,
) -> Result<Vec<(EventTypeId, TeamSetup)>, ServiceError> {
    crate::access::reading::<can::ReadEventTypes>(scope)?;
    Ok(db.event_types().team_setups(scope, team).await?)
}

/// Sets (or replaces) the team setup of an event type.
pub async fn set(
    db: &Db,
    scope: &Scope,
    id: EventTypeId,
    settings: TeamSettings,
) -> Result<TeamSetup, ServiceError> {
    let event_type = db.event_types().get(scope, id).await?;
    let (grant, members) = team_access(db, scope, &event_type, settings.team_id).await?;
    let mut invalid = Invalid::default();
    invalid.check(
        event_type.fields.seats == 1,
        "/kind",
        "seats",
        "a team event type has one seat; set the event type's seats to 1 first",
    );
    check_hosts(&mut invalid, &settings, |user| {
        members.iter().any(|m| m.user_id == user)
    });
    invalid.finish()?;
    Ok(db.event_types().set_team(&grant, id, settings).await?)
}

/// Hands a team event type back to its owner, who hosts it alone from now on; bookings made
/// before keep their hosts. 404 when no team hosts it.
pub async fn clear(db: &Db, scope: &Scope, id: EventTypeId) -> Result<(), ServiceError> {
    let event_type = db.event_types().get(scope, id).await?;
    let setup = db
        .event_types()
        .team_setup(scope, id)
        .await?
        .ok_or(ServiceError::NotFound("team setup"))?;
    let (grant, _) = team_access(db, scope, &event_type, setup.team_id).await?;
    if db.event_types().clear_team(&grant, id).await? {
        Ok(())
    } else {
        Err(ServiceError::NotFound("team setup"))
    }
}

/// The right to change `event_type` itself (its fields, its links, deleting it): one who may
/// manage it, and when a team hosts it, who also manages teams or leads that team, since the
/// change reaches every host of the team.
pub(crate) async fn writing(
    db: &Db,
    scope: &Scope,
    event_type: &domain::event_types::EventType,
) -> Result<store::Granted<can::ManageEventTypes>, ServiceError> {
    match db.event_types().team_setup(scope, event_type.id).await? {
        Some(setup) => Ok(team_access(db, scope, event_type, setup.team_id).await?.0),
        None => Ok(crate::access::acting_for::<can::ManageEventTypes>(
            db,
            scope,
            Some(event_type.owner_user_id),
        )
        .await?
        .0),
    }
}

/// The right to change how `team` hosts `event_type`, with the team's members: one who may
/// manage the event type and either manages teams or leads this team.
async fn team_access(
    db: &Db,
    scope: &Scope,
    event_type: &domain::event_types::EventType,
    team: domain::ids::TeamId,
) -> Result<
    (
        store::Granted<can::ManageEventTypes>,
        Vec<domain::teams::TeamMember>,
    ),
    ServiceError,
> {
    let (grant, _) = crate::access::acting_for::<can::ManageEventTypes>(
        db,
        scope,
        Some(event_type.owner_user_id),
    )
    .await?;
    let read = crate::access::reading::<can::ReadTeams>(scope)?;
    let members = db.teams().members(&read, team).await?;
    let leads = scope.actor().user_id().is_some_and(|me| {
        members
            .iter()
            .any(|m| m.user_id == me && m.role == TeamRole::Lead)
    });
    if scope.grant::<can::ManageTeams>().is_none() && !leads {
        return Err(ServiceError::Forbidden);
    }
    Ok((grant, members))
}

fn check_hosts(
    invalid: &mut Invalid,
    settings: &TeamSettings,
    is_member: impl Fn(domain::ids::UserId) -> bool,
) {
    let hosts = &settings.hosts;
    invalid.check(
        (1..=MAX_HOSTS).contains(&hosts.len()),
        "/hosts",
        "length",
        "must list 1 to 1000 hosts",
    );
    let mut seen = HashSet::new();
    for (i, host) in hosts.iter().enumerate() {
        check_host(invalid, i, host, &is_member);
        invalid.check(
            seen.insert(host.user_id),
            &format!("/hosts/{i}/user_id"),
            "duplicate",
            "a host is listed once",
        );
    }
    invalid.check(
        (1..=1000).contains(&settings.max_lead),
        "/max_lead",
        "range",
        "must be 1 to 1000",
    );
    if settings.kind == TeamKind::RoundRobin {
        let pool = hosts.iter().filter(|h| !h.fixed).count();
        invalid.check(
            pool >= 1,
            "/hosts",
            "no_pool",
            "a round-robin event type needs at least one host who is not fixed",
        );
        invalid.check(
            settings.hosts_per_booking >= 1
                && usize::try_from(settings.hosts_per_booking).is_ok_and(|n| n <= pool.max(1)),
            "/hosts_per_booking",
            "range",
            "must be at least 1 and at most the number of hosts who are not fixed",
        );
    }
}

fn check_host(
    invalid: &mut Invalid,
    i: usize,
    host: &HostSettings,
    is_member: impl Fn(domain::ids::UserId) -> bool,
) {
    let at = |field: &str| format!("/hosts/{i}/{field}");
    invalid.check(
        is_member(host.user_id),
        &at("user_id"),
        "not_member",
        "a host must be a member of the team",
    );
    invalid.check(
        (1..=MAX_WEIGHT).contains(&host.weight),
        &at("weight"),
        "range",
        "must be 1 to 10000",
    );
    invalid.check(
        (-MAX_PRIORITY..=MAX_PRIORITY).contains(&host.priority),
        &at("priority"),
        "range",
        "must be -1000 to 1000",
    );
    for (field, value) in [
        ("max_per_day", host.max_per_day),
        ("max_per_week", host.max_per_week),
    ] {
        invalid.check(
            value.is_none_or(|v| v >= 0),
            &at(field),
            "range",
            "must be 0 or more",
        );
    }
}
