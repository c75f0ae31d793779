//! What the public pages read: the booking page's event type with its organization's
//! branding and host, an attendee's booking with the same, and an organizer's listing. The
//! booking itself, its slots and its changes go through `availability` and `bookings`, the
//! same functions the JSON API calls.

use domain::bookings::{Attendee, Booking};
use domain::event_types::EventType;
use domain::ids::{EventTypeId, UserId};
use domain::public_profiles::{Listing, PublicHost, PublicOrganization, TeamListing};
use store::{Bookable, Db};

use crate::ServiceError;

/// A booking page: the event type (and the right to book it), who offers it, and whose
/// branding to wear.
#[derive(Clone, Debug)]
pub struct BookingPage {
    pub bookable: Bookable,
    pub organization: PublicOrganization,
    /// The event type's owner; on an attendee's booking, the host it was given (for a team
    /// event type, the one the team chose), as the e-mails about it name them.
    pub host: PublicHost,
    /// Who the page names as offering the event type: the team that hosts a team event type,
    /// else the host.
    pub offered_by: String,
}

/// The booking page of the event type whose link is `id`.
pub async fn booking_page(db: &Db, id: EventTypeId) -> Result<BookingPage, ServiceError> {
    let bookable = crate::bookings::public_bookable(db, id).await?;
    page_for(db, bookable).await
}

/// The booking page of a single-use link (the link is not used up by looking at it).
pub async fn link_page(db: &Db, token: &str) -> Result<BookingPage, ServiceError> {
    let bookable = crate::bookings::link_target(db, token).await?;
    page_for(db, bookable).await
}

async fn page_for(db: &Db, bookable: Bookable) -> Result<BookingPage, ServiceError> {
    let (organization, host) = db.public_profiles().of_bookable(&bookable).await?;
    let team = db.public_profiles().team_of(&bookable).await?;
    Ok(BookingPage {
        offered_by: team.unwrap_or_else(|| host.name.clone()),
        bookable,
        organization,
        host,
    })
}

/// An attendee's view of their booking, through their manage token.
#[derive(Clone, Debug)]
pub struct ManagePage {
    pub booking: Booking,
    pub attendee: Attendee,
    pub page: BookingPage,
}

pub async fn manage_page(db: &Db, token: &str) -> Result<ManagePage, ServiceError> {
    let (handle, booking) = crate::bookings::attendee_booking(db, token).await?;
    let bookable = crate::bookings::store_bookable(db, &handle, booking.event_type_id).await?;
    let (booking, attendee) = db.bookings().for_attendee(&handle).await?;
    let mut page = page_for(db, bookable).await?;
    page.host = db
        .public_profiles()
        .host_of(&page.bookable, booking.host_user_id)
        .await?;
    Ok(ManagePage {
        booking,
        attendee,
        page,
    })
}

/// The organizer page of the host `user_slug` in organization `organization_slug`.
/// The event type a readable link names: `/{organization}/{user}/{event}`.
pub async fn host_event_type(
    db: &Db,
    organization_slug: &str,
    user_slug: &str,
    event_slug: &str,
) -> Result<EventTypeId, ServiceError> {
    let (organization, host) = db
        .public_profiles()
        .host(organization_slug, user_slug)
        .await?;
    let owner = store::repo::event_types::SlugOwner::User(host.id);
    Ok(db
        .event_types()
        .id_by_slug(organization.id, owner, event_slug)
        .await?)
}

/// The event type a team's readable link names: `/{organization}/team/{team}/{event}`.
pub async fn team_event_type(
    db: &Db,
    organization_slug: &str,
    team_slug: &str,
    event_slug: &str,
) -> Result<EventTypeId, ServiceError> {
    let team = db
        .public_profiles()
        .team(organization_slug, team_slug)
        .await?;
    let owner = store::repo::event_types::SlugOwner::Team(team.id);
    Ok(db
        .event_types()
        .id_by_slug(team.organization.id, owner, event_slug)
        .await?)
}

pub async fn listing(
    db: &Db,
    organization_slug: &str,
    user_slug: &str,
) -> Result<Listing, ServiceError> {
    let (organization, host) = db
        .public_profiles()
        .host(organization_slug, user_slug)
        .await?;
    let event_types = db.event_types().listed(organization.id, &[host.id]).await?;
    Ok(Listing {
        organization,
        host,
        event_types: hosted_only(db, event_types).await?,
    })
}

/// The team page of team `team_slug` in organization `organization_slug`: the event types
/// the team hosts, then each member shown with their own listed event types (not those a
/// team hosts, which are the team's to show).
pub async fn team_listing(
    db: &Db,
    organization_slug: &str,
    team_slug: &str,
) -> Result<TeamListing, ServiceError> {
    let team = db
        .public_profiles()
        .team(organization_slug, team_slug)
        .await?;
    let member_ids: Vec<UserId> = team.members.iter().map(|m| m.id).collect();
    let event_types = db
        .event_types()
        .listed(team.organization.id, &member_ids)
        .await?;
    let mut members = Vec::with_capacity(team.members.len());
    for host in team.members {
        let own = event_types
            .iter()
            .filter(|e| e.owner_user_id == host.id)
            .cloned()
            .collect();
        let own = bookable_only(db, own)
            .await?
            .into_iter()
            .filter(|b| b.team().is_none())
            .map(|b| b.event_type().clone())
            .collect();
        members.push((host, own));
    }
    let team_types = db
        .event_types()
        .listed_of_team(team.organization.id, team.id)
        .await?;
    Ok(TeamListing {
        organization: team.organization,
        team_name: team.name,
        event_types: hosted_only(db, team_types).await?,
        members,
    })
}

/// Of `event_types`, those the public may book (a team event type whose required host is
/// suspended is listed no more than it is bookable).
async fn hosted_only(db: &Db, event_types: Vec<EventType>) -> Result<Vec<EventType>, ServiceError> {
    Ok(bookable_only(db, event_types)
        .await?
        .into_iter()
        .map(|b| b.event_type().clone())
        .collect())
}

/// [`hosted_only`], with the right to book each (which tells a team event type).
async fn bookable_only(
    db: &Db,
    event_types: Vec<EventType>,
) -> Result<Vec<Bookable>, ServiceError> {
    let mut listed = Vec::with_capacity(event_types.len());
    for event_type in event_types {
        match crate::bookings::public_bookable(db, event_type.id).await {
            Ok(bookable) => listed.push(bookable),
            Err(ServiceError::NotFound(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(listed)
}
