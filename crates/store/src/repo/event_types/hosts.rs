//! Team event types: the team an event type belongs to, how its hosts are booked
//! (collective or round robin, by which strategy) and each host's settings.
//!
//! An event type without a row in `event_type_teams` is booked with its owner alone.

use std::collections::HashMap;

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Error, Tx, with_tx};
use domain::ids::{EventTypeId, OrganizationId, TeamId, Timestamp, UserId};
use domain::team_event_types::{
    EventTypeHost, HostRecord, HostSettings, Strategy, TeamKind, TeamSettings, TeamSetup,
};

/// Statuses of a booking that count as the host having been booked.
pub(crate) const COUNTED: &str = "('pending', 'confirmed', 'completed', 'no_show')";

/// The record of every host who has bookings of `event_type` that count.
async fn host_records(
    tx: &mut Tx,
    org: OrganizationId,
    event_type: EventTypeId,
) -> Result<HashMap<UserId, HostRecord>, Error> {
    let sql = format!(
        "SELECT h.user_id, COUNT(*), MAX(b.created_at) FROM booking_hosts h \
         JOIN bookings b ON b.organization_id = h.organization_id AND b.id = h.booking_id \
         WHERE h.organization_id = $1 AND b.event_type_id = $2 AND h.status IN {COUNTED} \
         GROUP BY h.user_id"
    );
    let rows: Vec<(UserId, i64, Option<Timestamp>)> = with_tx!(tx, conn => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(event_type).fetch_all(conn).await?
    });
    Ok(rows
        .into_iter()
        .map(|(user, bookings, last_booked_at)| {
            (
                user,
                HostRecord {
                    bookings,
                    last_booked_at,
                },
            )
        })
        .collect())
}

/// An event type's hosts, read inside a unit of work (a booking transaction choosing hosts).
#[derive(Debug)]
pub struct EventTypesTx<'u> {
    unit: &'u mut crate::Unit,
}

impl crate::Unit {
    /// Event types' hosts, read inside this unit.
    pub fn event_types(&mut self) -> EventTypesTx<'_> {
        EventTypesTx { unit: self }
    }
}

impl EventTypesTx<'_> {
    /// What the strategies need to know about each host's past bookings of `event_type`.
    pub async fn host_records(
        &mut self,
        event_type: EventTypeId,
    ) -> Result<HashMap<UserId, HostRecord>, Error> {
        host_records(&mut self.unit.tx, self.unit.org, event_type).await
    }
}

type TeamRow = (TeamId, String, String, i32, i32, Timestamp);
/// A `HostRow` of any of a team's event types, led by the event type.
type TeamHostRow = (
    EventTypeId,
    UserId,
    bool,
    i32,
    i32,
    Option<i32>,
    Option<i32>,
    f64,
    Timestamp,
);
type HostRow = (
    UserId,
    bool,
    i32,
    i32,
    Option<i32>,
    Option<i32>,
    f64,
    Timestamp,
);

/// The team setup of `event_type`, or `None` for an event type its owner hosts alone (or
/// whose team was deleted). Deleted users are no longer hosts.
pub(crate) async fn fetch_setup(
    tx: &mut Tx,
    org: OrganizationId,
    event_type: EventTypeId,
) -> Result<Option<TeamSetup>, Error> {
    let team: Option<TeamRow> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT e.team_id, e.kind, e.strategy, e.hosts_per_booking, e.max_lead, e.updated_at \
             FROM event_type_teams e JOIN teams t \
             ON t.organization_id = e.organization_id AND t.id = e.team_id \
             WHERE e.organization_id = $1 AND e.event_type_id = $2 AND t.deleted_at IS NULL",
        )
        .bind(org).bind(event_type).fetch_optional(conn).await?
    });
    let Some(team) = team else {
        return Ok(None);
    };
    let hosts: Vec<HostRow> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT h.user_id, h.fixed, h.weight, h.priority, h.max_per_day, h.max_per_week, \
             h.starting_count, h.created_at FROM event_type_hosts h JOIN users u \
             ON u.organization_id = h.organization_id AND u.id = h.user_id \
             WHERE h.organization_id = $1 AND h.event_type_id = $2 AND u.deleted_at IS NULL \
             ORDER BY h.position",
        )
        .bind(org).bind(event_type).fetch_all(conn).await?
    });
    assemble(team, hosts).map(Some)
}

/// The setups of every event type `team` hosts, by event type: two statements however many
/// event types there are.
async fn fetch_team_setups(
    tx: &mut Tx,
    org: OrganizationId,
    team: TeamId,
) -> Result<Vec<(EventTypeId, TeamSetup)>, Error> {
    let teams: Vec<(EventTypeId, TeamId, String, String, i32, i32, Timestamp)> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT e.event_type_id, e.team_id, e.kind, e.strategy, e.hosts_per_booking, \
             e.max_lead, e.updated_at FROM event_type_teams e JOIN teams t \
             ON t.organization_id = e.organization_id AND t.id = e.team_id \
             WHERE e.organization_id = $1 AND e.team_id = $2 AND t.deleted_at IS NULL",
        )
        .bind(org).bind(team).fetch_all(conn).await?
    });
    let hosts: Vec<TeamHostRow> = with_tx!(tx, conn => {
        sqlx::query_as(
            "SELECT h.event_type_id, h.user_id, h.fixed, h.weight, h.priority, h.max_per_day, \
             h.max_per_week, h.starting_count, h.created_at FROM event_type_hosts h \
             JOIN event_type_teams e ON e.organization_id = h.organization_id \
             AND e.event_type_id = h.event_type_id JOIN users u \
             ON u.organization_id = h.organization_id AND u.id = h.user_id \
             WHERE h.organization_id = $1 AND e.team_id = $2 AND u.deleted_at IS NULL \
             ORDER BY h.event_type_id, h.position",
        )
        .bind(org).bind(team).fetch_all(conn).await?
    });
    let mut hosts_of: HashMap<EventTypeId, Vec<HostRow>> = HashMap::new();
    for (event_type, user, fixed, weight, priority, per_day, per_week, start, created) in hosts {
        hosts_of.entry(event_type).or_default().push((
            user, fixed, weight, priority, per_day, per_week, start, created,
        ));
    }
    teams
        .into_iter()
        .map(
            |(event_type, team, kind, strategy, per_booking, max_lead, updated_at)| {
                let hosts = hosts_of.remove(&event_type).unwrap_or_default();
                let setup = assemble(
                    (team, kind, strategy, per_booking, max_lead, updated_at),
                    hosts,
                )?;
                Ok((event_type, setup))
            },
        )
        .collect()
}

fn assemble(team: TeamRow, hosts: Vec<HostRow>) -> Result<TeamSetup, Error> {
    let (team_id, kind, strategy, hosts_per_booking, max_lead, updated_at) = team;
    Ok(TeamSetup {
        team_id,
        kind: TeamKind::parse(&kind)
            .ok_or_else(|| Error::Corrupt(format!("team kind {kind:?}")))?,
        strategy: Strategy::parse(&strategy)
            .ok_or_else(|| Error::Corrupt(format!("strategy {strategy:?}")))?,
        hosts_per_booking,
        max_lead,
        hosts: hosts
            .into_iter()
            .map(
                |(user_id, fixed, weight, priority, max_per_day, max_per_week, start, created)| {
                    EventTypeHost {
                        settings: HostSettings {
                            user_id,
                            fixed,
                            weight,
                            priority,
                            max_per_day,
                            max_per_week,
                        },
                        starting_count: start,
                        created_at: created,
                    }
                },
            )
            .collect(),
        updated_at,
    })
}

/// The count a host added now starts at: the other hosts' average bookings per unit of
/// weight, times the newcomer's weight.
fn starting_count(
    weight: i32,
    kept: &[EventTypeHost],
    records: &HashMap<UserId, HostRecord>,
) -> f64 {
    if kept.is_empty() {
        return 0.0;
    }
    let per_weight: f64 = kept
        .iter()
        .map(|h| {
            let booked = records
                .get(&h.settings.user_id)
                .map_or(0.0, |r| r.bookings as f64);
            (booked + h.starting_count) / f64::from(h.settings.weight.max(1))
        })
        .sum::<f64>()
        / kept.len() as f64;
    per_weight * f64::from(weight)
}

impl super::EventTypes<'_> {
    /// The team setup of an event type of the scope's organization (`None`: owner-hosted).
    pub async fn team_setup(
        &self,
        scope: &Scope,
        id: EventTypeId,
    ) -> Result<Option<TeamSetup>, Error> {
        self.get(scope, id).await?;
        let mut tx = self.db.begin_read(scope).await?;
        let setup = fetch_setup(&mut tx, scope.organization_id(), id).await?;
        tx.commit().await?;
        Ok(setup)
    }

    /// The setups of every event type `team` hosts, with the event type each belongs to.
    pub async fn team_setups(
        &self,
        scope: &Scope,
        team: TeamId,
    ) -> Result<Vec<(EventTypeId, TeamSetup)>, Error> {
        let mut tx = self.db.begin_read(scope).await?;
        let setups = fetch_team_setups(&mut tx, scope.organization_id(), team).await?;
        tx.commit().await?;
        Ok(setups)
    }

    /// Makes the event type a team event type with these settings, or replaces them. Hosts
    /// who stay keep their starting count; hosts added now start at the current average.
    pub async fn set_team(
        &self,
        grant: &Granted<can::ManageEventTypes>,
        id: EventTypeId,
        settings: TeamSettings,
    ) -> Result<TeamSetup, Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        self.get(scope, id).await?;
        let now = Timestamp::now();
        let mut tx = self.db.begin_write(scope).await?;
        let old = fetch_setup(&mut tx, org, id).await?;
        let records = host_records(&mut tx, org, id).await?;
        let previous: Vec<EventTypeHost> = old.as_ref().map_or(Vec::new(), |s| s.hosts.clone());
        let kept: Vec<EventTypeHost> = previous
            .iter()
            .filter(|h| {
                settings
                    .hosts
                    .iter()
                    .any(|n| n.user_id == h.settings.user_id)
            })
            .cloned()
            .collect();
        let hosts: Vec<EventTypeHost> = settings
            .hosts
            .iter()
            .map(
                |new| match kept.iter().find(|h| h.settings.user_id == new.user_id) {
                    Some(h) => EventTypeHost {
                        settings: new.clone(),
                        starting_count: h.starting_count,
                        created_at: h.created_at,
                    },
                    None => EventTypeHost {
                        settings: new.clone(),
                        starting_count: starting_count(new.weight, &kept, &records),
                        created_at: now,
                    },
                },
            )
            .collect();
        with_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO event_type_teams (organization_id, event_type_id, team_id, kind, \
                 strategy, hosts_per_booking, max_lead, created_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8) \
                 ON CONFLICT (organization_id, event_type_id) DO UPDATE SET team_id = excluded.team_id, \
                 kind = excluded.kind, strategy = excluded.strategy, \
                 hosts_per_booking = excluded.hosts_per_booking, max_lead = excluded.max_lead, \
                 updated_at = excluded.updated_at",
            )
            .bind(org).bind(id).bind(settings.team_id).bind(settings.kind.as_str())
            .bind(settings.strategy.as_str()).bind(settings.hosts_per_booking)
            .bind(settings.max_lead).bind(now)
            .execute(&mut *conn).await?;
            sqlx::query("DELETE FROM event_type_hosts WHERE organization_id = $1 AND event_type_id = $2")
                .bind(org).bind(id).execute(&mut *conn).await?;
            for (position, host) in hosts.iter().enumerate() {
                let s = &host.settings;
                sqlx::query(
                    "INSERT INTO event_type_hosts (organization_id, event_type_id, user_id, position, \
                     fixed, weight, priority, max_per_day, max_per_week, starting_count, created_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                )
                .bind(org).bind(id).bind(s.user_id)
                .bind(i32::try_from(position).unwrap_or(i32::MAX))
                .bind(s.fixed).bind(s.weight).bind(s.priority).bind(s.max_per_day)
                .bind(s.max_per_week).bind(host.starting_count).bind(host.created_at)
                .execute(&mut *conn).await?;
            }
        });
        let setup = TeamSetup {
            team_id: settings.team_id,
            kind: settings.kind,
            strategy: settings.strategy,
            hosts_per_booking: settings.hosts_per_booking,
            max_lead: settings.max_lead,
            hosts,
            updated_at: now,
        };
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::event(
                "event_type.team_set",
                "event_type",
                id.0,
                old.as_ref().and_then(|o| serde_json::to_value(o).ok()),
                serde_json::to_value(&setup).ok(),
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(setup)
    }

    /// Hands the event type back to its owner alone. Bookings made while a team hosted it
    /// keep their hosts; `false` when no team hosted it.
    pub async fn clear_team(
        &self,
        grant: &Granted<can::ManageEventTypes>,
        id: EventTypeId,
    ) -> Result<bool, Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        self.get(scope, id).await?;
        let mut tx = self.db.begin_write(scope).await?;
        let Some(old) = fetch_setup(&mut tx, org, id).await? else {
            tx.commit().await?;
            return Ok(false);
        };
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM event_type_hosts WHERE organization_id = $1 AND event_type_id = $2")
                .bind(org).bind(id).execute(&mut *conn).await?;
            sqlx::query("DELETE FROM event_type_teams WHERE organization_id = $1 AND event_type_id = $2")
                .bind(org).bind(id).execute(&mut *conn).await?;
        });
        audit::record_at(
            &mut tx,
            org,
            scope.actor(),
            scope.ip(),
            Change::event(
                "event_type.team_cleared",
                "event_type",
                id.0,
                serde_json::to_value(&old).ok(),
                None,
            ),
        )
        .await?;
        tx.commit().await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(weight: i32, starting_count: f64) -> EventTypeHost {
        EventTypeHost {
            settings: HostSettings {
                user_id: UserId::new(),
                fixed: false,
                weight,
                priority: 0,
                max_per_day: None,
                max_per_week: None,
            },
            starting_count,
            created_at: Timestamp::now(),
        }
    }

    #[test]
    fn a_newcomer_starts_at_the_average_per_weight() {
        let (a, b) = (host(1, 0.0), host(3, 3.0));
        let records = HashMap::from([
            (
                a.settings.user_id,
                HostRecord {
                    bookings: 10,
                    last_booked_at: None,
                },
            ),
            (
                b.settings.user_id,
                HostRecord {
                    bookings: 27,
                    last_booked_at: None,
                },
            ),
        ]);
        // a: 10 per weight, b: (27 + 3) / 3 = 10 per weight; a newcomer of weight 2 starts at 20.
        let start = starting_count(2, &[a, b], &records);
        assert!((start - 20.0).abs() < 1e-9, "{start}");
    }

    #[test]
    fn the_first_hosts_start_at_zero() {
        assert_eq!(starting_count(5, &[], &HashMap::new()), 0.0);
    }
}
