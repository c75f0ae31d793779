//! What public pages show about an organization and a host: names, slugs and branding,
//! nothing else. Reached with a [`Bookable`] (whoever holds an event type's link may see who
//! they are booking), or by the organization's and host's (or team's) slugs. The event
//! types those pages list are read by the event types repository (`EventTypes::listed`).

use crate::bookable::Bookable;
use crate::{Db, Error, with_pool};
use domain::ids::UserId;
use domain::public_profiles::{PublicHost, PublicOrganization, PublicTeam};

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

    /// The user `user` of the organization of `bookable`, as public pages name them: the host
    /// a booking of it was given (for a team event type, whom the team chose).
    pub async fn host_of(&self, bookable: &Bookable, user: UserId) -> Result<PublicHost, Error> {
        let organization_id = bookable.organization_id();
        let sql = format!("{HOST} WHERE organization_id = $1 AND id = $2");
        let host: Option<PublicHost> = with_pool!(self.db, organization_id, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(organization_id).bind(user).fetch_optional(pool).await?
        });
        host.ok_or(Error::NotFound("host"))
    }

    /// The name of the team that hosts `bookable`, a team event type (`None` for an event
    /// type its owner hosts alone).
    pub async fn team_of(&self, bookable: &Bookable) -> Result<Option<String>, Error> {
        let Some(team) = bookable.team() else {
            return Ok(None);
        };
        let organization_id = bookable.organization_id();
        let name: Option<String> = with_pool!(self.db, organization_id, pool => {
            sqlx::query_scalar("SELECT name FROM teams WHERE organization_id = $1 AND id = $2")
                .bind(organization_id).bind(team.team_id).fetch_optional(pool).await?
        });
        name.map(Some).ok_or(Error::NotFound("team"))
    }

    /// The active host with `user_slug` in the organization with `organization_slug` (their
    /// event types are the event types repository's to list).
    pub async fn host(
        &self,
        organization_slug: &str,
        user_slug: &str,
    ) -> Result<(PublicOrganization, PublicHost), Error> {
        let org_sql = format!("{ORGANIZATION} WHERE slug = $1");
        let host_sql = format!(
            "{HOST} WHERE organization_id = $1 AND slug = $2 AND status = 'active' AND deleted_at IS NULL"
        );
        let found = with_pool!(self.db, crate::CrossTenant::PublicPage, pool => {
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
            (organization, host.ok_or(Error::NotFound("host"))?)
        });
        Ok(found)
    }

    /// The team `team_slug` of organization `organization_slug`, with its active members
    /// who have a public handle.
    pub async fn team(
        &self,
        organization_slug: &str,
        team_slug: &str,
    ) -> Result<PublicTeam, Error> {
        let org_sql = format!("{ORGANIZATION} WHERE slug = $1");
        const TEAM: &str = "SELECT id, name FROM teams WHERE organization_id = $1 AND slug = $2 \
            AND deleted_at IS NULL";
        const MEMBERS: &str = "SELECT u.id, u.name, u.slug, u.time_zone FROM team_members m \
            JOIN users u ON u.organization_id = m.organization_id AND u.id = m.user_id \
            WHERE m.organization_id = $1 AND m.team_id = $2 AND u.status = 'active' \
            AND u.deleted_at IS NULL \
            AND u.slug IS NOT NULL ORDER BY u.name, u.id";
        let team = with_pool!(self.db, crate::CrossTenant::PublicPage, pool => {
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
            let (team_id, name) = team.ok_or(Error::NotFound("team"))?;
            let members: Vec<PublicHost> = sqlx::query_as(MEMBERS)
                .bind(organization.id)
                .bind(team_id)
                .fetch_all(&mut *pool)
                .await?;
            PublicTeam {
                organization,
                id: team_id,
                name,
                members,
            }
        });
        Ok(team)
    }
}
