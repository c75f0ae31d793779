//! Custom roles.

use domain::access::Permissions;
use domain::ids::RoleId;
use domain::roles::CustomRole;
use store::{Db, Scope, can};

use crate::{FieldError, ServiceError};

fn check_name(name: &str) -> Result<String, ServiceError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(ServiceError::Validation(vec![FieldError {
            pointer: "/name".to_owned(),
            code: "invalid",
            message: "length is lower than 1 or greater than 100".to_owned(),
        }]));
    }
    Ok(name.to_owned())
}

/// Parses codenames, naming the first unknown one by its index.
pub fn parse_permissions(codenames: &[String]) -> Result<Permissions, ServiceError> {
    Permissions::from_codenames(codenames).map_err(|unknown| {
        let index = codenames.iter().position(|c| *c == unknown).unwrap_or(0);
        ServiceError::Validation(vec![FieldError {
            pointer: format!("/permissions/{index}"),
            code: "unknown_permission",
            message: format!("{unknown:?} is not a permission"),
        }])
    })
}

pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<CustomRole>, ServiceError> {
    Ok(db.roles().list(scope).await?)
}

pub async fn get(db: &Db, scope: &Scope, id: RoleId) -> Result<CustomRole, ServiceError> {
    Ok(db.roles().get(scope, id).await?)
}

/// Creates a role (needs `roles.manage`). A role may not carry a permission its creator
/// lacks, so `roles.manage` cannot be used to climb.
pub async fn create(
    db: &Db,
    scope: &Scope,
    name: &str,
    permissions: &[String],
) -> Result<CustomRole, ServiceError> {
    let grant = scope
        .grant::<can::ManageRoles>()
        .ok_or(ServiceError::Forbidden)?;
    let name = check_name(name)?;
    let permissions = parse_permissions(permissions)?;
    if permissions.intersection(scope.permissions()) != permissions {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.roles().create(&grant, &name, permissions).await?)
}

pub async fn update(
    db: &Db,
    scope: &Scope,
    id: RoleId,
    name: Option<&str>,
    permissions: Option<&[String]>,
) -> Result<CustomRole, ServiceError> {
    let grant = scope
        .grant::<can::ManageRoles>()
        .ok_or(ServiceError::Forbidden)?;
    let name = name.map(check_name).transpose()?;
    let permissions = permissions.map(parse_permissions).transpose()?;
    if permissions.is_some_and(|p| p.intersection(scope.permissions()) != p) {
        return Err(ServiceError::Forbidden);
    }
    Ok(db.roles().update(&grant, id, name, permissions).await?)
}

pub async fn delete(db: &Db, scope: &Scope, id: RoleId) -> Result<(), ServiceError> {
    let grant = scope
        .grant::<can::ManageRoles>()
        .ok_or(ServiceError::Forbidden)?;
    Ok(db.roles().delete(&grant, id).await?)
}
