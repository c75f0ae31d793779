//! The right to compute slots for one event type and to book it, a capability like
//! [`crate::Scope`]: only the event types repository makes one (from a public link, a
//! single-use link or a member's scope), and the bookings and public profile repositories
//! take it. It lives beside the other capabilities, not in a repository, so that
//! repositories need not name each other to pass it.

use domain::event_types::EventType;
use domain::ids::{OrganizationId, UserId};
use domain::team_event_types::TeamSetup;

/// The right to compute slots for one event type and to book it: held by anyone who has
/// its id (the public booking link) and by members of its organization.
#[derive(Clone, Debug)]
pub struct Bookable {
    pub(crate) organization_id: OrganizationId,
    pub(crate) event_type: EventType,
    /// The team setup of a team event type; `None` when the owner hosts it alone.
    pub(crate) team: Option<TeamSetup>,
    /// Of the owner and the team's hosts, those who cannot host now (switched off,
    /// suspended or removed).
    pub(crate) unavailable: Vec<UserId>,
}

impl Bookable {
    pub fn event_type(&self) -> &EventType {
        &self.event_type
    }

    pub fn team(&self) -> Option<&TeamSetup> {
        self.team.as_ref()
    }

    /// Of the owner and the team's hosts, those who cannot host now: switched off
    /// (`inactive`), suspended or removed. Services decide what that means for booking.
    pub fn unavailable(&self) -> &[UserId] {
        &self.unavailable
    }

    /// The same right with `users` taken out of the team's hosts (who then are no candidate
    /// for slots or bookings).
    pub fn without_hosts(mut self, users: &[UserId]) -> Self {
        if let Some(team) = &mut self.team {
            team.hosts.retain(|h| !users.contains(&h.settings.user_id));
        }
        self
    }

    /// Everyone who may host a booking of it: the team's hosts, else the owner.
    pub fn host_ids(&self) -> Vec<UserId> {
        match &self.team {
            Some(team) => team.host_ids(),
            None => vec![self.event_type.owner_user_id],
        }
    }

    pub fn organization_id(&self) -> OrganizationId {
        self.organization_id
    }
}
