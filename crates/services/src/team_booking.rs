//! Team event types at booking time: which starts are open (the engine's collective or
//! round-robin answer, narrowed by each host's own limits and by the fixed hosts and pool
//! size), and who hosts a booking made at one of them.

use std::collections::{HashMap, HashSet};

use domain::bookings::{BookingHost, Facts, NewBookingHost};
use domain::event_types::EventType;
use domain::ids::{BookingId, Timestamp, UserId};
use domain::team_event_types::{HostRecord, TeamKind, TeamSetup};

use crate::ServiceError;
use crate::engine_request::{engine_request_for, host_zone};
use crate::host_choice::{self, Candidate, Rules};

/// An open start of a team event type and the hosts free at it (indices into the setup's
/// hosts, which are also the facts' order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TeamSlot {
    pub start: Timestamp,
    pub end: Timestamp,
    pub free: Vec<usize>,
}

/// The open starts in `range`. `facts` are the setup's hosts' facts, in its order; `exclude`
/// leaves out the booking being rescheduled.
pub(crate) fn team_slots(
    event_type: &EventType,
    team: &TeamSetup,
    facts: &[Facts],
    now: Timestamp,
    range: (Timestamp, Timestamp),
    duration: i32,
    exclude: Option<BookingId>,
) -> Result<Vec<TeamSlot>, ServiceError> {
    if facts.is_empty() {
        return Ok(Vec::new());
    }
    let kind = match team.kind {
        TeamKind::Collective => engine::Kind::Collective,
        TeamKind::RoundRobin => engine::Kind::RoundRobin,
    };
    let request = engine_request_for(event_type, kind, facts, now, range, duration, exclude)?;
    let slots = engine::compute_slots(&request);
    let limits = OwnLimits::new(event_type, team, facts, exclude)?;
    let fixed: Vec<bool> = team.hosts.iter().map(|h| h.settings.fixed).collect();
    let needed = usize::try_from(team.hosts_per_booking.max(1)).unwrap_or(1);
    let mut open = Vec::new();
    for slot in slots.iter() {
        let (Some(start), Some(end)) = (slot.start.to_jiff(), slot.end.to_jiff()) else {
            continue;
        };
        let free: Vec<usize> = slot
            .hosts
            .iter()
            .map(|&i| i as usize)
            .filter(|&i| limits.allows(i, start))
            .collect();
        let enough = match team.kind {
            TeamKind::Collective => free.len() == facts.len(),
            TeamKind::RoundRobin => {
                let fixed_free = (0..fixed.len()).all(|i| !fixed[i] || free.contains(&i));
                fixed_free && free.iter().filter(|&&i| !fixed[i]).count() >= needed
            }
        };
        if enough {
            open.push(TeamSlot {
                start: start.into(),
                end: end.into(),
                free,
            });
        }
    }
    Ok(open)
}

/// Each host's own limits on the event type's bookings per local date and ISO week, with
/// what they have booked so far.
struct OwnLimits {
    hosts: Vec<Option<HostCount>>,
}

struct HostCount {
    zone: jiff::tz::TimeZone,
    max_per_day: Option<i32>,
    max_per_week: Option<i32>,
    per_day: HashMap<jiff::civil::Date, i32>,
    per_week: HashMap<(i16, i8), i32>,
}

impl OwnLimits {
    fn new(
        event_type: &EventType,
        team: &TeamSetup,
        facts: &[Facts],
        exclude: Option<BookingId>,
    ) -> Result<Self, ServiceError> {
        let mut hosts = Vec::with_capacity(facts.len());
        for (host, facts) in team.hosts.iter().zip(facts) {
            let s = &host.settings;
            if s.max_per_day.is_none() && s.max_per_week.is_none() {
                hosts.push(None);
                continue;
            }
            let zone = host_zone(facts)?;
            let mut count = HostCount {
                zone,
                max_per_day: s.max_per_day,
                max_per_week: s.max_per_week,
                per_day: HashMap::new(),
                per_week: HashMap::new(),
            };
            for b in &facts.bookings {
                if b.event_type_id != event_type.id || Some(b.id) == exclude {
                    continue;
                }
                let (day, week) = count.date_and_week(b.start_at.to_jiff());
                *count.per_day.entry(day).or_default() += 1;
                *count.per_week.entry(week).or_default() += 1;
            }
            hosts.push(Some(count));
        }
        Ok(Self { hosts })
    }

    fn allows(&self, host: usize, start: jiff::Timestamp) -> bool {
        let Some(Some(count)) = self.hosts.get(host) else {
            return true;
        };
        let (day, week) = count.date_and_week(start);
        let under = |max: Option<i32>, booked: Option<&i32>| {
            max.is_none_or(|max| booked.copied().unwrap_or(0) < max)
        };
        under(count.max_per_day, count.per_day.get(&day))
            && under(count.max_per_week, count.per_week.get(&week))
    }
}

impl HostCount {
    fn date_and_week(&self, at: jiff::Timestamp) -> (jiff::civil::Date, (i16, i8)) {
        let date = at.to_zoned(self.zone.clone()).date();
        let week = date.iso_week_date();
        (date, (week.year(), week.week()))
    }
}

/// The hosts of a new booking at `slot`: every host of a collective event type; for round
/// robin the fixed hosts and `hosts_per_booking` of the free pool, keeping the pool hosts of
/// `keep` (the booking being rescheduled) that are free, and choosing the rest by the
/// strategy. The pool hosts come first: the first becomes the booking's `host_user_id`.
pub(crate) fn choose_hosts(
    event_type: &EventType,
    team: &TeamSetup,
    slot: &TeamSlot,
    records: &HashMap<UserId, HostRecord>,
    keep: &[BookingHost],
    now: Timestamp,
) -> Vec<NewBookingHost> {
    let host = |user_id: UserId, fixed: bool, reason: &str| NewBookingHost {
        user_id,
        fixed,
        reason: reason.to_owned(),
    };
    if team.kind == TeamKind::Collective {
        return team
            .hosts
            .iter()
            .map(|h| host(h.settings.user_id, true, "collective"))
            .collect();
    }
    let free: HashSet<usize> = slot.free.iter().copied().collect();
    let needed = usize::try_from(team.hosts_per_booking.max(1)).unwrap_or(1);
    let kept: Vec<usize> = (0..team.hosts.len())
        .filter(|i| {
            let h = &team.hosts[*i].settings;
            !h.fixed && free.contains(i) && keep.iter().any(|k| k.user_id == h.user_id)
        })
        .take(needed)
        .collect();
    let mut chosen: Vec<NewBookingHost> = kept
        .iter()
        .map(|&i| host(team.hosts[i].settings.user_id, false, "kept"))
        .collect();
    let candidates: Vec<Candidate> = team
        .hosts
        .iter()
        .enumerate()
        .filter(|(_, h)| !h.settings.fixed)
        .map(|(i, h)| Candidate {
            user_id: h.settings.user_id,
            position: i,
            weight: h.settings.weight,
            priority: h.settings.priority,
            starting_count: h.starting_count,
            record: records
                .get(&h.settings.user_id)
                .copied()
                .unwrap_or_default(),
            free: free.contains(&i) && !kept.contains(&i),
        })
        .collect();
    let rules = Rules {
        strategy: team.strategy,
        max_lead: i64::from(team.max_lead),
    };
    let booked: i64 = records.values().map(|r| r.bookings).sum();
    let seed = host_choice::seed_for(&[
        event_type.id.0.as_bytes(),
        &slot.start.to_jiff().as_second().to_le_bytes(),
        &booked.to_le_bytes(),
    ]);
    let choices = host_choice::choose(
        rules,
        &candidates,
        needed.saturating_sub(kept.len()),
        seed,
        now,
    );
    chosen.extend(
        choices
            .into_iter()
            .map(|c| host(c.user_id, false, &c.reason)),
    );
    chosen.extend(
        team.hosts
            .iter()
            .filter(|h| h.settings.fixed)
            .map(|h| host(h.settings.user_id, true, "fixed")),
    );
    chosen
}

/// `slot` with only the pool hosts among `only` still free, if enough of them are.
pub(crate) fn restrict(
    team: &TeamSetup,
    mut slot: TeamSlot,
    only: &[domain::ids::UserId],
) -> Option<TeamSlot> {
    let pool = |i: usize| !team.hosts[i].settings.fixed;
    slot.free
        .retain(|&i| !pool(i) || only.contains(&team.hosts[i].settings.user_id));
    let needed = usize::try_from(team.hosts_per_booking.max(1)).unwrap_or(1);
    (slot.free.iter().filter(|&&i| pool(i)).count() >= needed).then_some(slot)
}
