//! Resources (rooms, equipment, spaces, workshops) and their reservations, as LibreBooking and
//! seed 003 know them: a resource has its own hours in its own zone, a capacity (how many
//! reservations it holds at once), length and notice rules, and may need approval. A
//! reservation holds one or more resources for one period, all of them or none.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::ids::{ReservationId, ResourceGroupId, ResourceId, Timestamp, UserId};
use crate::schedules::{DateOverrides, WeeklyRules};

/// What a resource is (seed 003's kinds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceKind {
    Equipment,
    Space,
    Person,
    /// A resource with sessions and seats: capacity is its number of places.
    Workshop,
}

impl ResourceKind {
    pub const ALL: [ResourceKind; 4] = [Self::Equipment, Self::Space, Self::Person, Self::Workshop];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Equipment => "equipment",
            Self::Space => "space",
            Self::Person => "person",
            Self::Workshop => "workshop",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// Whether a resource can be booked and seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceStatus {
    /// Bookable by those allowed.
    Available,
    /// Shown, not bookable (its `status_reason` says why: "under repair").
    Unavailable,
    /// Neither shown to members nor bookable; managers still see it.
    Hidden,
}

impl ResourceStatus {
    pub const ALL: [ResourceStatus; 3] = [Self::Available, Self::Unavailable, Self::Hidden];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Unavailable => "unavailable",
            Self::Hidden => "hidden",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// A typed custom field value: "projector: true", "seats: 12", "floor: 'B2'".
pub type Attributes = BTreeMap<String, serde_json::Value>;

/// Everything about a resource that its managers set.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResourceFields {
    pub name: String,
    pub kind: ResourceKind,
    pub description: String,
    pub location: String,
    pub group_id: Option<ResourceGroupId>,
    pub attributes: Attributes,
    /// Reservations it holds at the same time (1 for a room; 3 for three identical
    /// projectors; the places of a workshop).
    pub capacity: i32,
    /// The zone its hours are read in.
    pub time_zone: String,
    pub weekly: WeeklyRules,
    pub overrides: DateOverrides,
    pub buffer_before_minutes: i32,
    pub buffer_after_minutes: i32,
    pub min_duration_minutes: i32,
    /// `None`: as long as its hours allow.
    pub max_duration_minutes: Option<i32>,
    /// How long before its start a reservation must be made.
    pub min_notice_minutes: i32,
    /// How far ahead it may be reserved; `None` for no limit.
    pub max_notice_days: Option<i32>,
    /// Reservations wait for a manager's approval (and hold the resource meanwhile).
    pub requires_approval: bool,
    /// Someone must check in; a confirmed reservation nobody checked in to is released
    /// `release_after_minutes` after its start, and the resource is free again.
    pub check_in_required: bool,
    pub release_after_minutes: i32,
    pub status: ResourceStatus,
    pub status_reason: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Resource {
    pub id: ResourceId,
    #[serde(flatten)]
    pub fields: ResourceFields,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A node of the resource tree: building → floor → room.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResourceGroup {
    pub id: ResourceGroupId,
    pub parent_id: Option<ResourceGroupId>,
    pub name: String,
    pub created_at: Timestamp,
}

/// Where a reservation is in its life: pending → confirmed | rejected | cancelled;
/// confirmed → cancelled. Pending and confirmed reservations hold their resources.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationStatus {
    Pending,
    Confirmed,
    Rejected,
    Cancelled,
}

impl ReservationStatus {
    pub const ALL: [ReservationStatus; 4] = [
        Self::Pending,
        Self::Confirmed,
        Self::Rejected,
        Self::Cancelled,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::Rejected => "rejected",
            Self::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the reservation holds its resources' time.
    pub fn is_active(self) -> bool {
        matches!(self, Self::Pending | Self::Confirmed)
    }

    pub fn may_become(self, next: ReservationStatus) -> bool {
        use ReservationStatus::*;
        matches!(
            (self, next),
            (Pending, Confirmed | Rejected | Cancelled) | (Confirmed, Cancelled)
        )
    }
}

/// How a reservation came in (seed 003).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReservationSource {
    Web,
    Api,
    Request,
    Calendar,
    Import,
}

impl ReservationSource {
    pub const ALL: [ReservationSource; 5] = [
        Self::Web,
        Self::Api,
        Self::Request,
        Self::Calendar,
        Self::Import,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Web => "web",
            Self::Api => "api",
            Self::Request => "request",
            Self::Calendar => "calendar",
            Self::Import => "import",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Reservation {
    pub id: ReservationId,
    /// Who reserved (and whose reservation it is).
    pub booked_by: UserId,
    pub title: String,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub status: ReservationStatus,
    pub source: ReservationSource,
    /// Every resource it holds, all or none.
    pub resource_ids: Vec<ResourceId>,
    /// Why it was rejected or cancelled.
    pub reason: Option<String>,
    /// When someone checked in to it.
    pub checked_in_at: Option<Timestamp>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A reservation to write; services decided it may be.
#[derive(Clone, Debug)]
pub struct NewReservation {
    pub booked_by: UserId,
    pub title: String,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub status: ReservationStatus,
    pub source: ReservationSource,
    pub resource_ids: Vec<ResourceId>,
}

/// Which reservations to list.
#[derive(Clone, Debug, Default)]
pub struct ReservationFilter {
    /// Only those holding this resource.
    pub resource_id: Option<ResourceId>,
    /// Only this user's.
    pub booked_by: Option<UserId>,
    /// Only those that end after it.
    pub from: Option<Timestamp>,
    /// Only those that start before it.
    pub until: Option<Timestamp>,
    /// Only these states (all when empty).
    pub statuses: Vec<ReservationStatus>,
    pub limit: u32,
}

/// The time one active reservation holds on one resource, as a capacity check reads it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HeldSpan {
    pub reservation_id: ReservationId,
    pub resource_id: ResourceId,
    pub booked_by: UserId,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
}

/// Why a reservation cannot be made when its input is well formed. Listed in the order
/// services check them; the first that applies is given.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ResourceRefusal {
    /// The resource is unavailable or hidden.
    NotBookable,
    /// Shorter than the resource's minimum length.
    TooShort,
    /// Longer than the resource's maximum length.
    TooLong,
    /// Closer than the resource's minimum notice.
    TooSoon,
    /// Further ahead than the resource's maximum notice.
    TooFarAhead,
    /// Not inside the resource's hours.
    OutsideHours,
    /// Every unit of its capacity is reserved for some of that time.
    Full,
    /// A quota on the resource would be exceeded.
    OverQuota,
    /// A blackout (maintenance, a holiday) covers some of the time.
    BlackedOut,
}

impl ResourceRefusal {
    pub const ALL: [ResourceRefusal; 9] = [
        Self::NotBookable,
        Self::TooShort,
        Self::TooLong,
        Self::TooSoon,
        Self::TooFarAhead,
        Self::OutsideHours,
        Self::Full,
        Self::OverQuota,
        Self::BlackedOut,
    ];

    /// The stable code: the API's `errors[].code`.
    pub fn code(self) -> &'static str {
        match self {
            Self::NotBookable => "not_bookable",
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::TooSoon => "too_soon",
            Self::TooFarAhead => "too_far_ahead",
            Self::OutsideHours => "outside_hours",
            Self::Full => "full",
            Self::OverQuota => "over_quota",
            Self::BlackedOut => "blacked_out",
        }
    }

    /// The input field the refusal is about.
    pub fn field(self) -> &'static str {
        match self {
            Self::NotBookable | Self::Full | Self::OverQuota => "resource_ids",
            Self::TooShort | Self::TooLong => "end_at",
            Self::TooSoon | Self::TooFarAhead | Self::OutsideHours | Self::BlackedOut => "start_at",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_pending_and_confirmed_reservations_move_on() {
        use ReservationStatus::*;
        assert!(Pending.may_become(Confirmed) && Pending.may_become(Rejected));
        assert!(Confirmed.may_become(Cancelled) && !Confirmed.may_become(Rejected));
        for end in [Rejected, Cancelled] {
            assert!(ReservationStatus::ALL.iter().all(|s| !end.may_become(*s)));
            assert!(!end.is_active());
        }
    }

    #[test]
    fn names_round_trip() {
        for k in ResourceKind::ALL {
            assert_eq!(ResourceKind::parse(k.as_str()), Some(k));
        }
        for s in ResourceStatus::ALL {
            assert_eq!(ResourceStatus::parse(s.as_str()), Some(s));
        }
        for s in ReservationStatus::ALL {
            assert_eq!(ReservationStatus::parse(s.as_str()), Some(s));
        }
        for s in ReservationSource::ALL {
            assert_eq!(ReservationSource::parse(s.as_str()), Some(s));
        }
        let codes: std::collections::HashSet<_> =
            ResourceRefusal::ALL.iter().map(|r| r.code()).collect();
        assert_eq!(codes.len(), ResourceRefusal::ALL.len());
    }
}

/// The most reservations that hold a resource at one instant of `window`, of `spans` (each
/// `[start, end)`, already widened by the resource's buffers). Half-open: one that ends when
/// another starts does not overlap it.
pub fn peak_overlap(spans: &[(Timestamp, Timestamp)], window: (Timestamp, Timestamp)) -> usize {
    let mut edges: Vec<(Timestamp, i32)> = Vec::with_capacity(spans.len() * 2);
    for &(start, end) in spans {
        let (start, end) = (start.max(window.0), end.min(window.1));
        if start < end {
            edges.push((start, 1));
            edges.push((end, -1));
        }
    }
    // At one instant, ends before starts.
    edges.sort();
    let (mut depth, mut peak) = (0i32, 0i32);
    for (_, step) in edges {
        depth += step;
        peak = peak.max(depth);
    }
    usize::try_from(peak).unwrap_or(0)
}

#[cfg(test)]
mod peak_tests {
    use super::*;

    fn at(minute: i64) -> Timestamp {
        Timestamp::from(jiff::Timestamp::from_second(minute * 60).expect("in range"))
    }

    fn spans(list: &[(i64, i64)]) -> Vec<(Timestamp, Timestamp)> {
        list.iter().map(|&(a, b)| (at(a), at(b))).collect()
    }

    #[test]
    fn counts_the_deepest_instant_inside_the_window() {
        let held = spans(&[(0, 60), (30, 90), (45, 50), (100, 120)]);
        assert_eq!(peak_overlap(&held, (at(0), at(200))), 3);
        assert_eq!(peak_overlap(&held, (at(60), at(100))), 1);
        assert_eq!(peak_overlap(&held, (at(90), at(100))), 0);
    }

    #[test]
    fn touching_spans_do_not_overlap() {
        let held = spans(&[(0, 30), (30, 60), (60, 90)]);
        assert_eq!(peak_overlap(&held, (at(0), at(90))), 1);
    }
}

/// What a quota counts (QUOTAS.md `unit`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaUnit {
    Hours,
    Reservations,
}

/// The calendar period a quota's limit applies to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaPeriod {
    Day,
    Week,
    Month,
    Year,
}

/// Which of the booker's reservations a quota weighs a new one against (QUOTAS.md `scope`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuotaScope {
    Global,
    Resource,
    Group,
    Schedule,
}

macro_rules! names {
    ($type:ident { $($variant:ident => $name:literal),* $(,)? }) => {
        impl $type {
            pub const ALL: &'static [$type] = &[$(Self::$variant),*];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $name),*
                }
            }

            pub fn parse(s: &str) -> Option<Self> {
                Self::ALL.iter().copied().find(|v| v.as_str() == s)
            }
        }
    };
}

names!(QuotaUnit { Hours => "hours", Reservations => "reservations" });
names!(QuotaPeriod { Day => "day", Week => "week", Month => "month", Year => "year" });
names!(QuotaScope { Global => "global", Resource => "resource", Group => "group", Schedule => "schedule" });

/// A limit on how much each person reserves: "at most 4 hours of Room Ada per week", as
/// LibreBooking's quotas and `../shared/QUOTAS.md` define it. A resource group stands for the
/// contract's schedule, a team for its user group.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct QuotaFields {
    pub name: String,
    pub limit: f64,
    pub unit: QuotaUnit,
    pub period: QuotaPeriod,
    pub scope: QuotaScope,
    /// Only reservations that include this resource are limited.
    pub resource_id: Option<ResourceId>,
    /// Only members of this team are limited.
    pub team_id: Option<crate::ids::TeamId>,
    /// Only reservations whose first resource is in this group are limited.
    pub group_id: Option<ResourceGroupId>,
    /// Weekday names (`monday` …); empty for every day.
    pub enforced_days: Vec<String>,
    /// `["08:00", "17:00"]` on each enforced day; `None` for the whole day.
    pub enforced_hours: Option<[String; 2]>,
    /// Whether reservations that already ended count.
    pub count_completed: bool,
    /// A weekday name, or `today`.
    pub first_weekday: String,
    /// The zone whose calendar the periods follow.
    pub time_zone: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResourceQuota {
    pub id: crate::ids::ResourceQuotaId,
    #[serde(flatten)]
    pub fields: QuotaFields,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What creating a blackout does to the reservations it overlaps (LibreBooking's choices).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BlackoutPolicy {
    /// Create nothing while a reservation overlaps; say which do.
    Refuse,
    /// Cancel the overlapping reservations, with the blackout's title as the reason.
    Cancel,
    /// Keep them, and say which overlap.
    Notify,
}

names!(BlackoutPolicy { Refuse => "refuse", Cancel => "cancel", Notify => "notify" });

/// A period in which resources cannot be reserved: maintenance, a holiday. It covers one
/// resource, or every resource of a group and of the groups below it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Blackout {
    pub id: crate::ids::BlackoutId,
    pub title: String,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub resource_id: Option<ResourceId>,
    pub group_id: Option<ResourceGroupId>,
    pub created_by: Option<UserId>,
    pub created_at: Timestamp,
}

impl Blackout {
    /// Whether it covers `resource`: that resource, or a resource in its group or any group
    /// below it (`groups` is the organization's tree).
    pub fn covers(&self, resource: &Resource, groups: &[ResourceGroup]) -> bool {
        if let Some(id) = self.resource_id {
            return id == resource.id;
        }
        let Some(root) = self.group_id else {
            return false;
        };
        // Walk up from the resource's group; the depth bound stops a corrupt cycle.
        let mut group = resource.fields.group_id;
        for _ in 0..=groups.len() {
            match group {
                Some(g) if g == root => return true,
                Some(g) => group = groups.iter().find(|x| x.id == g).and_then(|x| x.parent_id),
                None => return false,
            }
        }
        false
    }
}

/// What collided (seed 003's conflict log).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// A blackout created over a reservation.
    Blackout,
    /// A resource's capacity lowered below what is reserved.
    CapacityCut,
}

names!(ConflictKind { Blackout => "blackout", CapacityCut => "capacity_cut" });

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictSeverity {
    Low,
    Medium,
    High,
}

names!(ConflictSeverity { Low => "low", Medium => "medium", High => "high" });

/// Where a recorded conflict is in its handling.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictStatus {
    Open,
    Investigating,
    Resolved,
    Ignored,
}

names!(ConflictStatus { Open => "open", Investigating => "investigating", Resolved => "resolved", Ignored => "ignored" });

/// A collision found between reservations and what changed around them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResourceConflict {
    pub id: crate::ids::ResourceConflictId,
    pub kind: ConflictKind,
    pub severity: ConflictSeverity,
    pub status: ConflictStatus,
    pub resource_id: Option<ResourceId>,
    pub reservation_id: Option<ReservationId>,
    /// What collided, for people.
    pub detail: String,
    /// How it was settled.
    pub resolution: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
