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
    pub host: PublicHost,
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
    Ok(BookingPage {
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
    Ok(ManagePage {
        booking,
        attendee,
        page: page_for(db, bookable).await?,
    })
}

/// The organizer page of the host `user_slug` in organization `organization_slug`.
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

/// The team page of team `team_slug` in organization `organization_slug`: each member
/// shown with their own listed event types.
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
        members.push((host, hosted_only(db, own).await?));
    }
    Ok(TeamListing {
        organization: team.organization,
        team_name: team.name,
        members,
    })
}

/// Of `event_types`, those the public may book (a team event type whose required host is
/// suspended is listed no more than it is bookable).
async fn hosted_only(db: &Db, event_types: Vec<EventType>) -> Result<Vec<EventType>, ServiceError> {
    let mut listed = Vec::with_capacity(event_types.len());
    for event_type in event_types {
        match crate::bookings::public_bookable(db, event_type.id).await {
            Ok(_) => listed.push(event_type),
            Err(ServiceError::NotFound(_)) => {}
            Err(other) => return Err(other),
        }
    }
    Ok(listed)
}
