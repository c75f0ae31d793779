//! Event types: what invitees can book, with its rules (duration, buffers, notice, window,
//! limits, seats), where it happens and what it asks.

/// The team an event type belongs to and its hosts: part of the event type's aggregate.
pub mod hosts;

use sqlx::types::Json;

use crate::bookable::Bookable;
use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, with_pool, with_tx};
use domain::event_types::{
    BookingWindow, EventType, EventTypeFields, Location, Question, SingleUseLink,
};
use domain::ids::{EventTypeId, OrganizationId, ScheduleId, Timestamp, UserId};
use domain::refusals::{Conflict, UniqueField};
use hosts::fetch_setup;

#[derive(sqlx::FromRow)]
struct Row {
    id: EventTypeId,
    organization_id: OrganizationId,
    owner_user_id: UserId,
    slug: String,
    title: String,
    description: String,
    duration_minutes: i32,
    duration_options: Json<Vec<i32>>,
    interval_minutes: Option<i32>,
    buffer_before_minutes: i32,
    buffer_after_minutes: i32,
    minimum_notice_minutes: i32,
    booking_window: Json<BookingWindow>,
    max_per_day: Option<i32>,
    max_per_week: Option<i32>,
    seats: i32,
    requires_confirmation: bool,
    hidden: bool,
    locations: Json<Vec<Location>>,
    questions: Json<Vec<Question>>,
    schedule_id: Option<ScheduleId>,
    created_at: Timestamp,
    updated_at: Timestamp,
}

const SELECT: &str = "SELECT id, organization_id, owner_user_id, slug, title, \
    description, duration_minutes, duration_options, interval_minutes, buffer_before_minutes, \
    buffer_after_minutes, minimum_notice_minutes, booking_window, max_per_day, max_per_week, \
    seats, requires_confirmation, hidden, locations, questions, schedule_id, created_at, \
    updated_at FROM event_types";

/// Whose event type a readable link names.
#[derive(Clone, Copy, Debug)]
pub enum SlugOwner {
    User(UserId),
    Team(domain::ids::TeamId),
}

#[derive(Debug)]
pub struct EventTypes<'a> {
    pub(crate) db: &'a Db,
}

impl EventTypes<'_> {
    pub async fn create(
        &self,
        grant: &Granted<can::ManageEventTypes>,
        owner: UserId,
        fields: EventTypeFields,
    ) -> Result<EventType, Error> {
        let scope = grant.scope();
        let now = Timestamp::now();
        let event_type = EventType {
            id: EventTypeId::new(),
            organization_id: scope.organization_id(),
            owner_user_id: owner,
            fields,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin_write(scope).await?;
        let f = &event_type.fields;
        with_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO event_types (organization_id, id, owner_user_id, slug, title, \
                 description, duration_minutes, duration_options, interval_minutes, \
                 buffer_before_minutes, buffer_after_minutes, minimum_notice_minutes, \
                 booking_window, max_per_day, max_per_week, seats, requires_confirmation, hidden, \
                 locations, questions, schedule_id, created_at, updated_at) VALUES \
                 ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, \
                  $19, $20, $21, $22, $22)",
            )
            .bind(event_type.organization_id)
            .bind(event_type.id)
            .bind(owner)
            .bind(&f.slug)
            .bind(&f.title)
            .bind(&f.description)
            .bind(f.duration_minutes)
            .bind(Json(&f.duration_options))
            .bind(f.interval_minutes)
            .bind(f.buffer_before_minutes)
            .bind(f.buffer_after_minutes)
            .bind(f.minimum_notice_minutes)
            .bind(Json(&f.booking_window))
            .bind(f.max_per_day)
            .bind(f.max_per_week)
            .bind(f.seats)
            .bind(f.requires_confirmation)
            .bind(f.hidden)
            .bind(Json(&f.locations))
            .bind(Json(&f.questions))
            .bind(f.schedule_id)
            .bind(now)
            .execute(conn)
            .await
            .map_err(Error::unique_as(UniqueField::Slug))?;
        });
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change::created("event_type", event_type.id.0, &event_type),
        )
        .await?;
        tx.commit().await?;
        Ok(event_type)
    }

    pub async fn get(&self, scope: &Scope, id: EventTypeId) -> Result<EventType, Error> {
        fetch(self.db, scope.organization_id(), id).await
    }

    /// An event type and the right to book it, for an invitee holding its id.
    pub async fn public(&self, id: EventTypeId) -> Result<Bookable, Error> {
        let sql = format!("{SELECT} WHERE id = $1");
        let row: Option<Row> = with_pool!(self.db, crate::CrossTenant::PublicPage, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        });
        let event_type = EventType::from(row.ok_or(Error::NotFound("event type"))?);
        bookable_of(self.db, event_type).await
    }

    /// The right to book an event type of the caller's organization.
    pub async fn bookable(&self, scope: &Scope, id: EventTypeId) -> Result<Bookable, Error> {
        let event_type = self.get(scope, id).await?;
        bookable_of(self.db, event_type).await
    }

    /// Event types of the organization, or of one owner, by slug.
    pub async fn list(
        &self,
        scope: &Scope,
        owner: Option<UserId>,
    ) -> Result<Vec<EventType>, Error> {
        let sql = format!(
            "{SELECT} WHERE organization_id = $1 AND ($2 IS NULL OR owner_user_id = $2) ORDER BY slug, id"
        );
        let rows: Vec<Row> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).bind(owner).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(EventType::from).collect())
    }

    /// The event types of `owners` in organization `org` that public pages list (those not
    /// hidden), by slug. For the organizer and team pages, whose slugs found the organization
    /// and the hosts.
    pub async fn listed(
        &self,
        org: OrganizationId,
        owners: &[UserId],
    ) -> Result<Vec<EventType>, Error> {
        let sql = format!(
            "{SELECT} WHERE organization_id = $1 AND hidden = $2 AND owner_user_id IN ({}) \
             ORDER BY slug, id",
            crate::repo::placeholders(3, owners.len())
        );
        let rows: Vec<Row> = with_pool!(self.db, org, pool => {
            let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(false);
            for owner in owners {
                query = query.bind(*owner);
            }
            query.fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(EventType::from).collect())
    }

    /// The event type whose readable link names it: `slug` of `owner`'s, or of team `team`'s
    /// (hidden ones too: a readable link works like the id link).
    pub async fn id_by_slug(
        &self,
        org: OrganizationId,
        owner: SlugOwner,
        slug: &str,
    ) -> Result<EventTypeId, Error> {
        let found: Option<(EventTypeId,)> = match owner {
            SlugOwner::User(user) => with_pool!(self.db, org, pool => {
                sqlx::query_as(
                    "SELECT id FROM event_types WHERE organization_id = $1 AND owner_user_id = $2 \
                     AND slug = $3 AND id NOT IN (SELECT event_type_id FROM event_type_teams \
                     WHERE organization_id = $1)",
                )
                .bind(org).bind(user).bind(slug).fetch_optional(pool).await?
            }),
            SlugOwner::Team(team) => with_pool!(self.db, org, pool => {
                sqlx::query_as(
                    "SELECT e.id FROM event_types e JOIN event_type_teams t \
                     ON t.organization_id = e.organization_id AND t.event_type_id = e.id \
                     WHERE e.organization_id = $1 AND t.team_id = $2 AND e.slug = $3 \
                     ORDER BY e.id LIMIT 1",
                )
                .bind(org).bind(team).bind(slug).fetch_optional(pool).await?
            }),
        };
        found.map(|(id,)| id).ok_or(Error::NotFound("event type"))
    }

    /// The event types team `team` of organization `org` hosts that public pages list (those
    /// not hidden), by slug. For the team page, whose slugs found the organization and team.
    pub async fn listed_of_team(
        &self,
        org: OrganizationId,
        team: domain::ids::TeamId,
    ) -> Result<Vec<EventType>, Error> {
        let sql = format!(
            "{SELECT} WHERE organization_id = $1 AND hidden = $2 AND id IN \
             (SELECT event_type_id FROM event_type_teams WHERE organization_id = $1 AND team_id = $3) \
             ORDER BY slug, id"
        );
        let rows: Vec<Row> = with_pool!(self.db, org, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(false).bind(team).fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(EventType::from).collect())
    }

    pub async fn replace(
        &self,
        grant: &Granted<can::ManageEventTypes>,
        id: EventTypeId,
        fields: EventTypeFields,
    ) -> Result<EventType, Error> {
        let scope = grant.scope();
        let old = self.get(scope, id).await?;
        let new = EventType {
            fields,
            updated_at: Timestamp::now(),
            ..old.clone()
        };
        let f = &new.fields;
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(
                "UPDATE event_types SET slug = $3, title = $4, description = $5, \
                 duration_minutes = $6, duration_options = $7, interval_minutes = $8, \
                 buffer_before_minutes = $9, buffer_after_minutes = $10, \
                 minimum_notice_minutes = $11, booking_window = $12, max_per_day = $13, \
                 max_per_week = $14, seats = $15, requires_confirmation = $16, hidden = $17, \
                 locations = $18, questions = $19, schedule_id = $20, updated_at = $21 \
                 WHERE organization_id = $1 AND id = $2",
            )
            .bind(scope.organization_id())
            .bind(id)
            .bind(&f.slug)
            .bind(&f.title)
            .bind(&f.description)
            .bind(f.duration_minutes)
            .bind(Json(&f.duration_options))
            .bind(f.interval_minutes)
            .bind(f.buffer_before_minutes)
            .bind(f.buffer_after_minutes)
            .bind(f.minimum_notice_minutes)
            .bind(Json(&f.booking_window))
            .bind(f.max_per_day)
            .bind(f.max_per_week)
            .bind(f.seats)
            .bind(f.requires_confirmation)
            .bind(f.hidden)
            .bind(Json(&f.locations))
            .bind(Json(&f.questions))
            .bind(f.schedule_id)
            .bind(new.updated_at)
            .execute(conn)
            .await
            .map_err(Error::unique_as(UniqueField::Slug))?;
        });
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change::updated("event_type", id.0, &old, &new),
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Deletes an event type that has never been booked; one with bookings is kept for their
    /// history (hide it instead).
    pub async fn delete(
        &self,
        grant: &Granted<can::ManageEventTypes>,
        id: EventTypeId,
    ) -> Result<(), Error> {
        let scope = grant.scope();
        let old = self.get(scope, id).await?;
        let mut tx = self.db.begin_write(scope).await?;
        let booked: i64 = with_tx!(&mut tx, conn => {
            sqlx::query_scalar("SELECT COUNT(*) FROM bookings WHERE organization_id = $1 AND event_type_id = $2")
                .bind(scope.organization_id()).bind(id).fetch_one(conn).await?
        });
        if booked > 0 {
            return Err(Error::Conflict(Conflict::HasBookings));
        }
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM event_types WHERE organization_id = $1 AND id = $2")
                .bind(scope.organization_id()).bind(id).execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change::deleted("event_type", id.0, &old),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}

impl EventTypes<'_> {
    /// Makes a link that lets one booking of the event type through. The token is shown once.
    pub async fn create_single_use_link(
        &self,
        grant: &Granted<can::ManageEventTypes>,
        id: EventTypeId,
    ) -> Result<(SingleUseLink, crate::SecretToken), Error> {
        let scope = grant.scope();
        self.get(scope, id).await?;
        let link = SingleUseLink {
            id: domain::ids::LinkId::new(),
            event_type_id: id,
            created_at: Timestamp::now(),
            used_at: None,
            booking_id: None,
        };
        let (token, hash) = crate::token::mint_prefixed(
            crate::token::LINK_PREFIX,
            scope.organization_id(),
            link.id.0,
        );
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO single_use_links (organization_id, id, event_type_id, secret_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(scope.organization_id()).bind(link.id).bind(id).bind(hash).bind(link.created_at)
            .execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change::created("single_use_link", link.id.0, &link),
        )
        .await?;
        tx.commit().await?;
        Ok((link, token))
    }

    /// The event type a single-use link opens, with the right to book it, while the link is
    /// unused. A wrong, unknown or used link is `NotFound`.
    pub async fn by_single_use_link(
        &self,
        token: &str,
    ) -> Result<(Bookable, domain::ids::LinkId), Error> {
        let (org, id, hash) = crate::token::parse_prefixed(crate::token::LINK_PREFIX, token)
            .ok_or(Error::NotFound("link"))?;
        let found: Option<(Vec<u8>, EventTypeId, Option<Timestamp>)> = with_pool!(self.db, org, pool => {
            sqlx::query_as("SELECT secret_hash, event_type_id, used_at FROM single_use_links WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(domain::ids::LinkId(id)).fetch_optional(pool).await?
        });
        match found {
            Some((stored, event_type_id, None)) if crate::token::hashes_equal(&stored, &hash) => {
                let event_type = fetch(self.db, org, event_type_id).await?;
                Ok((
                    bookable_of(self.db, event_type).await?,
                    domain::ids::LinkId(id),
                ))
            }
            _ => Err(Error::NotFound("link")),
        }
    }
}

/// The right to book `event_type`, with its team setup if it has one.
async fn bookable_of(db: &Db, event_type: EventType) -> Result<Bookable, Error> {
    let org = event_type.organization_id;
    let mut tx = db.begin_read(org).await?;
    let team = fetch_setup(&mut tx, org, event_type.id).await?;
    let mut people = vec![event_type.owner_user_id];
    if let Some(team) = &team {
        people.extend(team.host_ids());
    }
    let sql = format!(
        "SELECT id FROM users WHERE organization_id = $1 AND id IN ({}) \
         AND (status IN ('inactive', 'suspended') OR deleted_at IS NOT NULL)",
        crate::repo::placeholders(2, people.len())
    );
    let unavailable: Vec<(UserId,)> = with_tx!(&mut tx, conn => {
        let mut query = sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org);
        for id in &people {
            query = query.bind(*id);
        }
        query.fetch_all(conn).await?
    });
    tx.commit().await?;
    Ok(Bookable {
        organization_id: org,
        event_type,
        team,
        unavailable: unavailable.into_iter().map(|(id,)| id).collect(),
    })
}

async fn fetch(
    db: &Db,
    organization_id: OrganizationId,
    id: EventTypeId,
) -> Result<EventType, Error> {
    let sql = format!("{SELECT} WHERE organization_id = $1 AND id = $2");
    let row: Option<Row> = with_pool!(db, organization_id, pool => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(organization_id).bind(id).fetch_optional(pool).await?
    });
    row.map(EventType::from)
        .ok_or(Error::NotFound("event type"))
}

impl From<Row> for EventType {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            organization_id: r.organization_id,
            owner_user_id: r.owner_user_id,
            fields: EventTypeFields {
                slug: r.slug,
                title: r.title,
                description: r.description,
                duration_minutes: r.duration_minutes,
                duration_options: r.duration_options.0,
                interval_minutes: r.interval_minutes,
                buffer_before_minutes: r.buffer_before_minutes,
                buffer_after_minutes: r.buffer_after_minutes,
                minimum_notice_minutes: r.minimum_notice_minutes,
                booking_window: r.booking_window.0,
                max_per_day: r.max_per_day,
                max_per_week: r.max_per_week,
                seats: r.seats,
                requires_confirmation: r.requires_confirmation,
                hidden: r.hidden,
                locations: r.locations.0,
                questions: r.questions.0,
                schedule_id: r.schedule_id,
            },
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}
