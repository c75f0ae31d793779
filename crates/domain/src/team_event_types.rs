use crate::ids::{TeamId, Timestamp, UserId};
use serde::{Deserialize, Serialize};

/// Who is on a booking of a team event type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TeamKind {
    /// Every host; a start is offered when all of them are free.
    Collective,
    /// The fixed hosts and `hosts_per_booking` of the others, chosen by the strategy.
    RoundRobin,
}

impl TeamKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Collective => "collective",
            Self::RoundRobin => "round_robin",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [Self::Collective, Self::RoundRobin]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// How a round-robin event type chooses among its free hosts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Strategy {
    /// The host booked least recently for this event type.
    LeastRecent,
    /// The next host in the hosts' order after the one booked last.
    Rotate,
    /// The highest priority; ties by least recent.
    Priority,
    /// Bookings converge to the hosts' shares of the total weight.
    Weighted,
    /// Skips a host whom one more booking would put more than `max_lead` ahead of the
    /// least-booked free host; then least recent.
    EqualDistribution,
}

impl Strategy {
    pub const ALL: [Strategy; 5] = [
        Self::LeastRecent,
        Self::Rotate,
        Self::Priority,
        Self::Weighted,
        Self::EqualDistribution,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::LeastRecent => "least_recent",
            Self::Rotate => "rotate",
            Self::Priority => "priority",
            Self::Weighted => "weighted",
            Self::EqualDistribution => "equal_distribution",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// One host as the event type's manager sets it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HostSettings {
    pub user_id: UserId,
    /// On every booking (round robin); ignored by collective event types, where all are.
    pub fixed: bool,
    /// The host's share under the weighted strategy, relative to the others'.
    pub weight: i32,
    /// Higher first under the priority strategy.
    pub priority: i32,
    /// The host's own limits on this event type's bookings per local day and ISO week.
    pub max_per_day: Option<i32>,
    pub max_per_week: Option<i32>,
}

/// What the manager sets on a team event type; `hosts` in rotation order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TeamSettings {
    pub team_id: TeamId,
    pub kind: TeamKind,
    pub strategy: Strategy,
    pub hosts_per_booking: i32,
    pub max_lead: i32,
    pub hosts: Vec<HostSettings>,
}

/// A host as stored: the settings, and the bookings the host started with.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct EventTypeHost {
    #[serde(flatten)]
    pub settings: HostSettings,
    /// Bookings the weighted strategy counts before the host's first real one: the average of
    /// the other hosts (per unit of weight) when the host was added, so a newcomer is not
    /// handed every booking until they catch up.
    pub starting_count: f64,
    pub created_at: Timestamp,
}

/// A team event type's setup.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TeamSetup {
    pub team_id: TeamId,
    pub kind: TeamKind,
    pub strategy: Strategy,
    pub hosts_per_booking: i32,
    pub max_lead: i32,
    /// In rotation order.
    pub hosts: Vec<EventTypeHost>,
    pub updated_at: Timestamp,
}

impl TeamSetup {
    /// Every host's id, in rotation order.
    pub fn host_ids(&self) -> Vec<UserId> {
        self.hosts.iter().map(|h| h.settings.user_id).collect()
    }
}

/// What a host's past bookings of one event type tell the strategies.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HostRecord {
    /// Pending, confirmed, completed and no-show bookings (not cancelled, rejected or moved).
    pub bookings: i64,
    /// When the latest of them was made.
    pub last_booked_at: Option<Timestamp>,
}
