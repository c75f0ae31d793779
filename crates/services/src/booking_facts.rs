//! The facts slots are computed from, read inside a booking transaction: for each host, who
//! they are, whose hours apply, their blocked time, their busy time from connected
//! calendars, and the bookings that hold their time.
//!
//! The rules of which facts count are here; store reads each kind for all hosts at once. A
//! team of any size costs the same statements as one host (one per kind of fact): this is
//! the booking hot path.

use std::collections::HashSet;

use domain::bookings::{Facts, HeldTime};
use domain::event_types::EventType;
use domain::ids::{BookingId, ScheduleId, Timestamp, UserId};
use domain::schedules::Schedule;
use domain::team_event_types::TeamSetup;
use jiff::SignedDuration;
use store::Bookable;
use store::repo::bookings::BookingTx;

use crate::ServiceError;

/// How far beyond the period asked for blocked time, busy time and bookings are read: the
/// engine looks a day either side for where free time begins.
const NEAR: SignedDuration = SignedDuration::from_hours(24);

/// How far around the period the bookings that limits count are read: limits count by local
/// date and ISO week, so a week and a day (for any zone) either side.
const LIMITS_REACH: SignedDuration = SignedDuration::from_hours(24 * 8);

/// The host's facts for slots that start in `[from, until)`: blocked times, busy time and
/// bookings that reach within a day of it, and, when the event type limits bookings per
/// day or week, its bookings in the weeks around it. For a team event type, the first
/// host's (see [`team_facts`]).
pub(crate) async fn host_facts(
    tx: &mut BookingTx,
    bookable: &Bookable,
    from: Timestamp,
    until: Timestamp,
) -> Result<Facts, ServiceError> {
    let first = bookable
        .host_ids()
        .first()
        .copied()
        .ok_or(ServiceError::NotFound("host"))?;
    hosts_facts(tx, bookable, &[first], from, until)
        .await?
        .pop()
        .ok_or(ServiceError::NotFound("host"))
}

/// The facts of every host of `bookable` (see [`host_facts`]), in the order of
/// [`Bookable::host_ids`].
pub(crate) async fn team_facts(
    tx: &mut BookingTx,
    bookable: &Bookable,
    from: Timestamp,
    until: Timestamp,
) -> Result<Vec<Facts>, ServiceError> {
    hosts_facts(tx, bookable, &bookable.host_ids(), from, until).await
}

/// The facts of `hosts`, in their order, read with one statement per kind of fact whatever
/// the number of hosts.
async fn hosts_facts(
    tx: &mut BookingTx,
    bookable: &Bookable,
    hosts: &[UserId],
    from: Timestamp,
    until: Timestamp,
) -> Result<Vec<Facts>, ServiceError> {
    let event_type = bookable.event_type();
    let team = bookable.team();
    let (near_from, near_until) = (shift(from, -NEAR), shift(until, NEAR));
    let unit = tx.unit();
    let users = unit.users().many(hosts).await?;
    let own = match own_schedule(event_type, team) {
        Some(id) => unit.schedules().get(id).await?,
        None => None,
    };
    let defaults = unit.schedules().defaults_of(hosts).await?;
    let blocked = unit
        .blocked_times()
        .overlapping(hosts, near_from, near_until)
        .await?;
    let mut calendar_busy = unit.calendars().busy(hosts, near_from, near_until).await?;
    let mut held = tx.held(hosts, near_from, near_until).await?;
    if counts_limits(event_type, team) {
        let counted = tx
            .held_of_event_type(
                event_type.id,
                hosts,
                shift(from, -LIMITS_REACH),
                shift(until, LIMITS_REACH),
            )
            .await?;
        add_counted(&mut held, counted);
    }
    hosts
        .iter()
        .map(|id| {
            let host = users
                .iter()
                .find(|u| u.id == *id)
                .cloned()
                .ok_or(ServiceError::NotFound("user"))?;
            Ok(Facts {
                host,
                schedule: schedule_of(*id, own.as_ref(), &defaults),
                blocked: blocked
                    .iter()
                    .filter(|b| b.user_id == *id)
                    .cloned()
                    .collect(),
                calendar_busy: calendar_busy.remove(id).unwrap_or_default(),
                bookings: held
                    .iter()
                    .filter(|(user, _)| user == id)
                    .map(|(_, held)| *held)
                    .collect(),
            })
        })
        .collect()
}

/// The schedule of the event type's own that applies: it is its owner's, so it applies to
/// the owner hosting alone; team hosts (and owners without one) use their default schedules.
fn own_schedule(event_type: &EventType, team: Option<&TeamSetup>) -> Option<ScheduleId> {
    match (event_type.fields.schedule_id, team) {
        (Some(id), None) => Some(id),
        _ => None,
    }
}

/// The schedule whose hours `host` is booked in: the event type's own when it is theirs,
/// else their default; `None` when they have neither.
fn schedule_of(host: UserId, own: Option<&Schedule>, defaults: &[Schedule]) -> Option<Schedule> {
    own.filter(|s| s.user_id == host)
        .or_else(|| defaults.iter().find(|s| s.user_id == host))
        .cloned()
}

/// Whether bookings are limited per day or week: by the event type, or by a team host's own
/// limits.
fn counts_limits(event_type: &EventType, team: Option<&TeamSetup>) -> bool {
    let f = &event_type.fields;
    let hosts_limit = team.is_some_and(|t| {
        t.hosts
            .iter()
            .any(|h| h.settings.max_per_day.is_some() || h.settings.max_per_week.is_some())
    });
    f.max_per_day.is_some() || f.max_per_week.is_some() || hosts_limit
}

/// Adds to `held` the bookings that limits count and that it lacks (those further away).
fn add_counted(held: &mut Vec<(UserId, HeldTime)>, counted: Vec<(UserId, HeldTime)>) {
    let near: HashSet<(UserId, BookingId)> = held.iter().map(|(u, h)| (*u, h.id)).collect();
    held.extend(
        counted
            .into_iter()
            .filter(|(u, h)| !near.contains(&(*u, h.id))),
    );
}

fn shift(ts: Timestamp, by: SignedDuration) -> Timestamp {
    ts.to_jiff().checked_add(by).map_or(ts, Timestamp::from)
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::event_types::{BookingWindow, EventTypeFields};
    use domain::ids::{EventTypeId, OrganizationId, TeamId};
    use domain::team_event_types::{EventTypeHost, HostSettings, Strategy, TeamKind};

    fn event_type(owner: UserId, schedule_id: Option<ScheduleId>) -> EventType {
        EventType {
            id: EventTypeId::new(),
            organization_id: OrganizationId::new(),
            owner_user_id: owner,
            fields: EventTypeFields {
                slug: "intro".into(),
                title: "Intro".into(),
                description: String::new(),
                duration_minutes: 30,
                duration_options: vec![],
                interval_minutes: None,
                buffer_before_minutes: 0,
                buffer_after_minutes: 0,
                minimum_notice_minutes: 0,
                booking_window: BookingWindow::Unlimited,
                max_per_day: None,
                max_per_week: None,
                seats: 1,
                requires_confirmation: false,
                hidden: false,
                locations: vec![],
                questions: vec![],
                schedule_id,
            },
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        }
    }

    fn host(user_id: UserId, max_per_week: Option<i32>) -> EventTypeHost {
        EventTypeHost {
            settings: HostSettings {
                user_id,
                fixed: false,
                weight: 1,
                priority: 0,
                max_per_day: None,
                max_per_week,
            },
            starting_count: 0.0,
            created_at: Timestamp::now(),
        }
    }

    fn team(hosts: Vec<EventTypeHost>) -> TeamSetup {
        TeamSetup {
            team_id: TeamId::new(),
            kind: TeamKind::RoundRobin,
            strategy: Strategy::LeastRecent,
            hosts_per_booking: 1,
            max_lead: 1,
            hosts,
            updated_at: Timestamp::now(),
        }
    }

    fn schedule(user_id: UserId, is_default: bool) -> Schedule {
        Schedule {
            id: ScheduleId::new(),
            user_id,
            name: if is_default { "Default" } else { "Mornings" }.into(),
            time_zone: "UTC".into(),
            weekly: Default::default(),
            overrides: Default::default(),
            is_default,
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        }
    }

    #[test]
    fn the_event_types_schedule_applies_to_its_owner_hosting_alone() {
        let owner = UserId::new();
        let own = schedule(owner, false);
        let default = schedule(owner, true);
        let alone = event_type(owner, Some(own.id));
        assert_eq!(own_schedule(&alone, None), Some(own.id));
        let chosen = schedule_of(owner, Some(&own), std::slice::from_ref(&default));
        assert_eq!(chosen.map(|s| s.id), Some(own.id));
        // Without a schedule of its own, the owner's default.
        let plain = event_type(owner, None);
        assert_eq!(own_schedule(&plain, None), None);
        let chosen = schedule_of(owner, None, std::slice::from_ref(&default));
        assert_eq!(chosen.map(|s| s.id), Some(default.id));
    }

    #[test]
    fn team_hosts_use_their_default_schedules() {
        let (owner, other) = (UserId::new(), UserId::new());
        let own = schedule(owner, false);
        let defaults = [schedule(owner, true), schedule(other, true)];
        let team_event = event_type(owner, Some(own.id));
        let setup = team(vec![host(owner, None), host(other, None)]);
        // The event type's schedule is not read for a team at all...
        assert_eq!(own_schedule(&team_event, Some(&setup)), None);
        // ...so every host, the owner among them, is booked in their default hours.
        for (user, default) in [(owner, &defaults[0]), (other, &defaults[1])] {
            let chosen = schedule_of(user, None, &defaults);
            assert_eq!(chosen.map(|s| s.id), Some(default.id));
        }
    }

    #[test]
    fn a_schedule_of_someone_else_is_no_hosts_hours() {
        let (owner, other) = (UserId::new(), UserId::new());
        let theirs = schedule(other, false);
        let default = schedule(owner, true);
        let chosen = schedule_of(owner, Some(&theirs), std::slice::from_ref(&default));
        assert_eq!(chosen.map(|s| s.id), Some(default.id));
        assert!(schedule_of(owner, Some(&theirs), &[]).is_none());
    }

    #[test]
    fn limits_are_counted_for_the_event_types_or_a_hosts_own() {
        let owner = UserId::new();
        let plain = event_type(owner, None);
        assert!(!counts_limits(&plain, None));
        assert!(!counts_limits(&plain, Some(&team(vec![host(owner, None)]))));
        assert!(counts_limits(
            &plain,
            Some(&team(vec![host(owner, Some(3))]))
        ));
        let mut limited = plain.clone();
        limited.fields.max_per_day = Some(2);
        assert!(counts_limits(&limited, None));
    }

    #[test]
    fn counted_bookings_are_added_once() {
        let (a, b) = (UserId::new(), UserId::new());
        let booking = |minute: i64| HeldTime {
            id: BookingId::new(),
            event_type_id: EventTypeId::new(),
            start_at: Timestamp::from(
                jiff::Timestamp::from_second(1_800_000_000 + minute * 60).unwrap_or_default(),
            ),
            end_at: Timestamp::from(
                jiff::Timestamp::from_second(1_800_000_000 + minute * 60 + 1800)
                    .unwrap_or_default(),
            ),
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            seats_taken: 1,
        };
        let (near, far) = (booking(0), booking(10_000));
        let mut held = vec![(a, near), (b, near)];
        add_counted(&mut held, vec![(a, near), (a, far)]);
        assert_eq!(held, vec![(a, near), (b, near), (a, far)]);
    }
}
