//! Teams and their memberships (each member is a team `lead` or `member`).

use serde_json::json;

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, Tx, with_pool, with_tx};
use domain::ids::{TeamId, Timestamp, UserId};
use domain::refusals::UniqueField;
use domain::teams::{Team, TeamMember, TeamRole};

/// Teams of the scope's organization.
#[derive(Debug)]
pub struct Teams<'a> {
    pub(crate) db: &'a Db,
}

const SELECT: &str = "SELECT id, slug, name, created_at, updated_at FROM teams";

/// The right to run one team: rename it and set its members. Held by whoever may manage
/// every team (`teams.manage`, from [`Teams::manage`]) and by the team's own leads (from
/// [`Teams::lead`], which checks the membership).
#[derive(Clone, Debug)]
pub struct ManagedTeam {
    scope: Scope,
    id: TeamId,
}

impl ManagedTeam {
    pub fn id(&self) -> TeamId {
        self.id
    }
}

async fn record(
    tx: &mut Tx,
    scope: &Scope,
    action: &str,
    team: TeamId,
    new_values: Option<serde_json::Value>,
) -> Result<(), Error> {
    audit::record_at(
        tx,
        scope.organization_id(),
        scope.actor(),
        scope.ip(),
        Change {
            action: action.into(),
            target_type: "team",
            target_id: Some(team.0),
            old_values: None,
            new_values,
        },
    )
    .await
}

impl Teams<'_> {
    /// Any team of the organization, for those who manage them all.
    pub fn manage(&self, grant: &Granted<can::ManageTeams>, id: TeamId) -> ManagedTeam {
        ManagedTeam {
            scope: grant.scope().clone(),
            id,
        }
    }

    /// A team the caller leads; `Ok(None)` when they do not lead it (or it does not exist).
    pub async fn lead(&self, scope: &Scope, id: TeamId) -> Result<Option<ManagedTeam>, Error> {
        const SQL: &str = "SELECT m.role FROM team_members m JOIN teams t \
            ON t.organization_id = m.organization_id AND t.id = m.team_id \
            WHERE m.organization_id = $1 AND m.team_id = $2 AND m.user_id = $3 \
            AND t.deleted_at IS NULL";
        let Some(user_id) = scope.actor().user_id() else {
            return Ok(None);
        };
        let role: Option<String> = with_pool!(self.db, scope, pool => {
            sqlx::query_scalar(SQL)
                .bind(scope.organization_id())
                .bind(id)
                .bind(user_id)
                .fetch_optional(pool)
                .await?
        });
        Ok(
            (role.as_deref() == Some(TeamRole::Lead.as_str())).then(|| ManagedTeam {
                scope: scope.clone(),
                id,
            }),
        )
    }

    pub async fn list(&self, grant: &Granted<can::ReadTeams>) -> Result<Vec<Team>, Error> {
        let sql =
            format!("{SELECT} WHERE organization_id = $1 AND deleted_at IS NULL ORDER BY slug");
        Ok(with_pool!(self.db, grant, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(grant.scope().organization_id())
                .fetch_all(pool)
                .await?
        }))
    }

    pub async fn get(&self, grant: &Granted<can::ReadTeams>, id: TeamId) -> Result<Team, Error> {
        let sql = format!("{SELECT} WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL");
        let team: Option<Team> = with_pool!(self.db, grant, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(grant.scope().organization_id())
                .bind(id)
                .fetch_optional(pool)
                .await?
        });
        team.ok_or(Error::NotFound("team"))
    }

    pub async fn create(
        &self,
        grant: &Granted<can::ManageTeams>,
        slug: &str,
        name: &str,
    ) -> Result<Team, Error> {
        const SQL: &str = "INSERT INTO teams (organization_id, id, slug, name, created_at, \
            updated_at) VALUES ($1, $2, $3, $4, $5, $5)";
        let now = Timestamp::now();
        let team = Team {
            id: TeamId::new(),
            slug: slug.to_owned(),
            name: name.to_owned(),
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin_write(grant).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(grant.scope().organization_id())
                .bind(team.id)
                .bind(slug)
                .bind(name)
                .bind(now)
                .execute(conn)
                .await
                .map_err(Error::unique_as(UniqueField::Slug))?;
        });
        record(
            &mut tx,
            grant.scope(),
            "team.created",
            team.id,
            Some(json!({ "slug": slug, "name": name })),
        )
        .await?;
        tx.commit().await?;
        Ok(team)
    }

    pub async fn update(
        &self,
        team: &ManagedTeam,
        slug: Option<String>,
        name: Option<String>,
    ) -> Result<Team, Error> {
        let (scope, id) = (&team.scope, team.id);
        const SQL: &str = "UPDATE teams SET slug = $3, name = $4, updated_at = $5 \
            WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL";
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(org).await?;
        let sql = format!("{SELECT} WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL");
        let old: Option<Team> = with_tx!(&mut tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(id).fetch_optional(conn).await?
        });
        let old = old.ok_or(Error::NotFound("team"))?;
        let mut new = old.clone();
        if let Some(slug) = slug {
            new.slug = slug;
        }
        if let Some(name) = name {
            new.name = name;
        }
        if new == old {
            return Ok(old);
        }
        new.updated_at = Timestamp::now();
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(org)
                .bind(id)
                .bind(&new.slug)
                .bind(&new.name)
                .bind(new.updated_at)
                .execute(conn)
                .await
                .map_err(Error::unique_as(UniqueField::Slug))?;
        });
        record(
            &mut tx,
            scope,
            "team.updated",
            id,
            Some(json!({ "slug": new.slug, "name": new.name })),
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }

    /// Removes a team, softly: the row and its memberships stay for the history (and for
    /// bookings made through it), but it vanishes from every read and its slug is freed
    /// (kept in `deleted_slug`).
    pub async fn delete(&self, grant: &Granted<can::ManageTeams>, id: TeamId) -> Result<(), Error> {
        const SQL: &str = "UPDATE teams SET deleted_at = $3, updated_at = $3, \
            deleted_slug = slug, slug = $4 \
            WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL";
        let mut tx = self.db.begin_write(grant).await?;
        let deleted = with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(grant.scope().organization_id())
                .bind(id)
                .bind(Timestamp::now())
                // Not a valid slug, so no live team can ever take it.
                .bind(format!("~deleted~{id}"))
                .execute(conn)
                .await?
                .rows_affected()
        });
        if deleted == 0 {
            return Err(Error::NotFound("team"));
        }
        record(&mut tx, grant.scope(), "team.deleted", id, None).await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn members(
        &self,
        grant: &Granted<can::ReadTeams>,
        id: TeamId,
    ) -> Result<Vec<TeamMember>, Error> {
        const SQL: &str = "SELECT user_id, role, created_at FROM team_members \
            WHERE organization_id = $1 AND team_id = $2 ORDER BY created_at, user_id";
        self.get(grant, id).await?;
        let rows: Vec<(UserId, String, Timestamp)> = with_pool!(self.db, grant, pool => {
            sqlx::query_as(SQL)
                .bind(grant.scope().organization_id())
                .bind(id)
                .fetch_all(pool)
                .await?
        });
        rows.into_iter()
            .map(|(user_id, role, created_at)| {
                Ok(TeamMember {
                    user_id,
                    role: TeamRole::parse(&role)
                        .ok_or_else(|| Error::Corrupt(format!("unknown team role {role:?}")))?,
                    created_at,
                })
            })
            .collect()
    }

    /// Adds `user_id` to the team, or changes their team role if already a member.
    pub async fn put_member(
        &self,
        team: &ManagedTeam,
        user_id: UserId,
        role: TeamRole,
    ) -> Result<TeamMember, Error> {
        let (scope, id) = (&team.scope, team.id);
        const SQL: &str = "INSERT INTO team_members (organization_id, team_id, user_id, role, \
            created_at) VALUES ($1, $2, $3, $4, $5) \
            ON CONFLICT (organization_id, team_id, user_id) DO UPDATE SET role = excluded.role";
        const EXISTS: &str = "SELECT (SELECT COUNT(*) FROM teams \
                    WHERE organization_id = $1 AND id = $2 AND deleted_at IS NULL), \
                    (SELECT COUNT(*) FROM users \
                    WHERE organization_id = $1 AND id = $3 AND deleted_at IS NULL)";
        let org = scope.organization_id();
        let now = Timestamp::now();
        let mut tx = self.db.begin_write(org).await?;
        // Checked first so each missing thing is named (a foreign key error would not say).
        let (teams, users): (i64, i64) = with_tx!(&mut tx, conn => {
            sqlx::query_as(EXISTS).bind(org).bind(id).bind(user_id).fetch_one(conn).await?
        });
        if teams == 0 {
            return Err(Error::NotFound("team"));
        }
        if users == 0 {
            return Err(Error::NotFound("user"));
        }
        with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(org)
                .bind(id)
                .bind(user_id)
                .bind(role.as_str())
                .bind(now)
                .execute(conn)
                .await?;
        });
        record(
            &mut tx,
            scope,
            "team.member_set",
            id,
            Some(json!({ "user_id": user_id, "role": role.as_str() })),
        )
        .await?;
        tx.commit().await?;
        Ok(TeamMember {
            user_id,
            role,
            created_at: now,
        })
    }

    pub async fn remove_member(&self, team: &ManagedTeam, user_id: UserId) -> Result<(), Error> {
        let (scope, id) = (&team.scope, team.id);
        const SQL: &str = "DELETE FROM team_members \
            WHERE organization_id = $1 AND team_id = $2 AND user_id = $3";
        let mut tx = self.db.begin_write(scope).await?;
        let deleted = with_tx!(&mut tx, conn => {
            sqlx::query(SQL)
                .bind(scope.organization_id())
                .bind(id)
                .bind(user_id)
                .execute(conn)
                .await?
                .rows_affected()
        });
        if deleted == 0 {
            return Err(Error::NotFound("team member"));
        }
        record(
            &mut tx,
            scope,
            "team.member_removed",
            id,
            Some(json!({ "user_id": user_id })),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }
}
