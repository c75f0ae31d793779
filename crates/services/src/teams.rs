//! Teams and memberships. `teams.manage` runs every team; a team's leads run their own
//! (rename it, set and remove its members), but only `teams.manage` creates or deletes teams.

use domain::ids::{TeamId, UserId};
use domain::teams::{Team, TeamMember, TeamRole};
use store::{Db, ManagedTeam, Scope, can};

use crate::{FieldError, ServiceError};

fn read(scope: &Scope) -> Result<store::Granted<can::ReadTeams>, ServiceError> {
    scope.grant().ok_or(ServiceError::Forbidden)
}

fn manage(scope: &Scope) -> Result<store::Granted<can::ManageTeams>, ServiceError> {
    scope.grant().ok_or(ServiceError::Forbidden)
}

/// Whether `scope` may create teams (and run every team): [`create`] asks the same.
pub fn may_create(scope: &Scope) -> bool {
    manage(scope).is_ok()
}

/// The right to run team `id`: anyone's with `teams.manage`, else the team's own leads'.
async fn managed(db: &Db, scope: &Scope, id: TeamId) -> Result<ManagedTeam, ServiceError> {
    if let Some(grant) = scope.grant::<can::ManageTeams>() {
        return Ok(db.teams().manage(&grant, id));
    }
    // Others may see the team (or learn it does not exist) only with teams.read.
    read(scope)?;
    match db.teams().lead(scope, id).await? {
        Some(team) => Ok(team),
        None => {
            db.teams().get(&read(scope)?, id).await?;
            Err(ServiceError::Forbidden)
        }
    }
}

fn check(slug: Option<&str>, name: Option<&str>) -> Result<(), ServiceError> {
    let mut errors = Vec::new();
    if slug.is_some_and(|s| crate::validate::slug(s, &()).is_err()) {
        errors.push(FieldError {
            pointer: "/slug".to_owned(),
            code: "invalid",
            message: "must be 1-63 lowercase letters, digits and single inner hyphens".to_owned(),
        });
    }
    if name.is_some_and(|n| n.trim().is_empty() || n.chars().count() > 200) {
        errors.push(FieldError {
            pointer: "/name".to_owned(),
            code: "invalid",
            message: "length is lower than 1 or greater than 200".to_owned(),
        });
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::Validation(errors))
    }
}

pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<Team>, ServiceError> {
    Ok(db.teams().list(&read(scope)?).await?)
}

pub async fn get(db: &Db, scope: &Scope, id: TeamId) -> Result<Team, ServiceError> {
    Ok(db.teams().get(&read(scope)?, id).await?)
}

pub async fn create(db: &Db, scope: &Scope, slug: &str, name: &str) -> Result<Team, ServiceError> {
    let grant = manage(scope)?;
    check(Some(slug), Some(name))?;
    Ok(db.teams().create(&grant, slug, name.trim()).await?)
}

pub async fn update(
    db: &Db,
    scope: &Scope,
    id: TeamId,
    slug: Option<String>,
    name: Option<String>,
) -> Result<Team, ServiceError> {
    let team = managed(db, scope, id).await?;
    check(slug.as_deref(), name.as_deref())?;
    Ok(db
        .teams()
        .update(&team, slug, name.map(|n| n.trim().to_owned()))
        .await?)
}

pub async fn delete(db: &Db, scope: &Scope, id: TeamId) -> Result<(), ServiceError> {
    Ok(db.teams().delete(&manage(scope)?, id).await?)
}

pub async fn members(db: &Db, scope: &Scope, id: TeamId) -> Result<Vec<TeamMember>, ServiceError> {
    Ok(db.teams().members(&read(scope)?, id).await?)
}

pub async fn put_member(
    db: &Db,
    scope: &Scope,
    id: TeamId,
    user_id: UserId,
    role: TeamRole,
) -> Result<TeamMember, ServiceError> {
    let team = managed(db, scope, id).await?;
    Ok(db.teams().put_member(&team, user_id, role).await?)
}

pub async fn remove_member(
    db: &Db,
    scope: &Scope,
    id: TeamId,
    user_id: UserId,
) -> Result<(), ServiceError> {
    let team = managed(db, scope, id).await?;
    Ok(db.teams().remove_member(&team, user_id).await?)
}
