use crate::event_types::EventType;
use crate::ids::{OrganizationId, TeamId, UserId};

/// An organization as invitees see it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PublicOrganization {
    pub id: OrganizationId,
    pub slug: String,
    pub name: String,
    /// `#rrggbb`, when the organization set one.
    pub brand_color: Option<String>,
    pub logo_url: Option<String>,
}

/// A host as invitees see them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct PublicHost {
    pub id: UserId,
    pub name: String,
    pub slug: Option<String>,
    pub time_zone: String,
}

/// A team as invitees see it: its name and its active members who have a public handle.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicTeam {
    pub organization: PublicOrganization,
    pub id: TeamId,
    pub name: String,
    /// By name.
    pub members: Vec<PublicHost>,
}

/// An organizer page: the host and their listed event types.
#[derive(Clone, Debug)]
pub struct Listing {
    pub organization: PublicOrganization,
    pub host: PublicHost,
    /// Not hidden, by slug.
    pub event_types: Vec<EventType>,
}

/// A team page: the team's own listed event types, and its active members with a public
/// handle, each with their own listed event types.
#[derive(Clone, Debug)]
pub struct TeamListing {
    pub organization: PublicOrganization,
    pub team_name: String,
    /// The event types the team hosts (collective and round robin), by slug.
    pub event_types: Vec<EventType>,
    /// By name.
    pub members: Vec<(PublicHost, Vec<EventType>)>,
}
