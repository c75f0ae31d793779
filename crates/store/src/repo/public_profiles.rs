//! What public pages show about an organization and a host: names, slugs and branding,
//! nothing else. Reached with a [`Bookable`] (whoever holds an event type's link may see who
//! they are booking), or by the organization's and host's (or team's) slugs (the organizer
//! and team pages list event types that are not hidden).

use crate::bookable::Bookable;
use crate::repo::event_types::SELECT as EVENT_TYPES;
use crate::{Db, Error, with_pool};
use domain::event_types::EventType;
use domain::public_profiles::{Listing, PublicHost, PublicOrganization, TeamListing};

#[derive(Debug)]
pub struct PublicProfiles<'a> {
    pub(crate) db: &'a Db,
}

const ORGANIZATION: &str = "SELECT id, slug, name, brand_color, logo_url FROM organizations";
const HOST: &str = "SELECT id, name, slug, time_zone FROM users";

impl PublicProfiles<'_> {
    /// The organization and the owner of the event type `bookable` books.
    pub async fn of_bookable(
        &self,
        bookable: &Bookable,
    ) -> Result<(PublicOrganization, PublicHost), Error> {
        let organization_id = bookable.organization_id();
        let owner = bookable.event_type().owner_user_id;
        let org_sql = format!("{ORGANIZATION} WHERE id = $1");
        let host_sql = format!("{HOST} WHERE organization_id = $1 AND id = $2");
        let (organization, host): (Option<PublicOrganization>, Option<PublicHost>) = with_pool!(self.db, organization_id, pool => {
            let organization = sqlx::query_as(sqlx::AssertSqlSafe(org_sql))
                .bind(organization_id)
                .fetch_optional(&mut *pool)
                .await?;
            let host = sqlx::query_as(sqlx::AssertSqlSafe(host_sql))
                .bind(organization_id)
                .bind(owner)
                .fetch_optional(&mut *pool)
                .await?;
            (organization, host)
        });
        Ok((
            organization.ok_or(Error::NotFound("organization"))?,
            host.ok_or(Error::NotFound("host"))?,
        ))
    }

    /// The active host with `user_slug` in the organization with `organization_slug`, and
    /// their event types that are not hidden.
    pub async fn listing(
        &self,
        organization_slug: &str,
        user_slug: &str,
    ) -> Result<Listing, Error> {
        let org_sql = format!("{ORGANIZATION} WHERE slug = $1");
        let host_sql = format!(
            "{HOST} WHERE organization_id = $1 AND slug = $2 AND status = 'active' AND deleted_at IS NULL"
        );
        let types_sql = format!(
            "{EVENT_TYPES} WHERE organization_id = $1 AND owner_user_id = $2 AND hidden = $3 \
             ORDER BY slug, id"
        );
        let listing = with_pool!(self.db, crate::CrossTenant::PublicPage, pool => {
            let organization: Option<PublicOrganization> =
                sqlx::query_as(sqlx::AssertSqlSafe(org_sql))
                    .bind(organization_slug)
                    .fetch_optional(&mut *pool)
                    .await?;
            let organization = organization.ok_or(Error::NotFound("organization"))?;
            let host: Option<PublicHost> = sqlx::query_as(sqlx::AssertSqlSafe(host_sql))
                .bind(organization.id)
                .bind(user_slug)
                .fetch_optional(&mut *pool)
                .await?;
            let host = host.ok_or(Error::NotFound("host"))?;
            let rows: Vec<crate::repo::event_types::Row> =
                sqlx::query_as(sqlx::AssertSqlSafe(types_sql))
                    .bind(organization.id)
                    .bind(host.id)
                    .bind(false)
                    .fetch_all(&mut *pool)
                    .await?;
            Listing {
                organization,
                host,
                event_types: rows.into_iter().map(EventType::from).collect(),
            }
        });
        Ok(listing)
    }

    /// The team `team_slug` of organization `organization_slug`: its active members who
    /// have a public handle, and their event types that are not hidden.
    pub async fn team_listing(
        &self,
        organization_slug: &str,
        team_slug: &str,
    ) -> Result<TeamListing, Error> {
        let org_sql = format!("{ORGANIZATION} WHERE slug = $1");
        const TEAM: &str = "SELECT id, name FROM teams WHERE organization_id = $1 AND slug = $2 \
            AND deleted_at IS NULL";
        const MEMBERS: &str = "SELECT u.id, u.name, u.slug, u.time_zone FROM team_members m \
            JOIN users u ON u.organization_id = m.organization_id AND u.id = m.user_id \
            WHERE m.organization_id = $1 AND m.team_id = $2 AND u.status = 'active' \
            AND u.deleted_at IS NULL \
            AND u.slug IS NOT NULL ORDER BY u.name, u.id";
        let types_sql = format!(
            "{EVENT_TYPES} WHERE organization_id = $1 AND hidden = $3 AND owner_user_id IN \
             (SELECT user_id FROM team_members WHERE organization_id = $1 AND team_id = $2) \
             ORDER BY slug, id"
        );
        let listing = with_pool!(self.db, crate::CrossTenant::PublicPage, pool => {
            let organization: Option<PublicOrganization> =
                sqlx::query_as(sqlx::AssertSqlSafe(org_sql))
                    .bind(organization_slug)
                    .fetch_optional(&mut *pool)
                    .await?;
            let organization = organization.ok_or(Error::NotFound("organization"))?;
            let team: Option<(domain::ids::TeamId, String)> = sqlx::query_as(TEAM)
                .bind(organization.id)
                .bind(team_slug)
                .fetch_optional(&mut *pool)
                .await?;
            let (team_id, team_name) = team.ok_or(Error::NotFound("team"))?;
            let hosts: Vec<PublicHost> = sqlx::query_as(MEMBERS)
                .bind(organization.id)
                .bind(team_id)
                .fetch_all(&mut *pool)
                .await?;
            let rows: Vec<crate::repo::event_types::Row> =
                sqlx::query_as(sqlx::AssertSqlSafe(types_sql))
                    .bind(organization.id)
                    .bind(team_id)
                    .bind(false)
                    .fetch_all(&mut *pool)
                    .await?;
            let event_types: Vec<EventType> = rows.into_iter().map(EventType::from).collect();
            let members = hosts
                .into_iter()
                .map(|host| {
                    let own = event_types
                        .iter()
                        .filter(|e| e.owner_user_id == host.id)
                        .cloned()
                        .collect();
                    (host, own)
                })
                .collect();
            TeamListing {
                organization,
                team_name,
                members,
            }
        });
        Ok(listing)
    }
}
