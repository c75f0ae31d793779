//! Who may act for whom in scheduling. Every scheduling write goes through [`acting_for`],
//! which turns the scope into the capability the repository write needs
//! ([`Granted<C>`](store::Granted)) and the user the change is for; every read goes through
//! [`reading`] or [`reading_for`].
//!
//! The rule: the `*.manage` permission lets a user change their own rows; changing another
//! user's needs `users.manage` too (owners and admins, or a custom role that grants it).
//! Reading needs the `*.read` permission and covers the whole organization.

use store::types::{RoleId, UserId};
use store::{Capability, Db, Granted, Permissions, Role, Scope, can};

use crate::ServiceError;

/// Whether the scope may act for users other than its own.
fn acts_for_others(scope: &Scope) -> bool {
    scope.grant::<can::ManageUsers>().is_some()
}

/// The capability `C` and the user a change is for: `requested`, or the caller when `None`.
/// 403 without `C`, or when naming someone else without `users.manage`; 404 when naming a
/// user outside the organization.
pub(crate) async fn acting_for<C: Capability>(
    db: &Db,
    scope: &Scope,
    requested: Option<UserId>,
) -> Result<(Granted<C>, UserId), ServiceError> {
    let grant = scope.grant::<C>().ok_or(ServiceError::Forbidden)?;
    let caller = scope.actor().user_id();
    match (requested, caller) {
        (Some(user), Some(me)) if user == me => Ok((grant, user)),
        (None, Some(me)) => Ok((grant, me)),
        (Some(user), _) if acts_for_others(scope) => {
            // Names a user of this organization, or is not found.
            db.users().get(scope, user).await?;
            Ok((grant, user))
        }
        (Some(_), _) => Err(ServiceError::Forbidden),
        (None, None) => Err(ServiceError::field(
            "/user_id",
            "required",
            "name the user this is for",
        )),
    }
}

/// The right to read what capability `C` covers, or 403.
pub(crate) fn reading<C: Capability>(scope: &Scope) -> Result<Granted<C>, ServiceError> {
    scope.grant::<C>().ok_or(ServiceError::Forbidden)
}

/// Like [`reading`], for one user's rows: `requested` (which must be in the organization) or
/// the caller.
pub(crate) async fn reading_for<C: Capability>(
    db: &Db,
    scope: &Scope,
    requested: Option<UserId>,
) -> Result<(Granted<C>, UserId), ServiceError> {
    let grant = reading::<C>(scope)?;
    match (requested, scope.actor().user_id()) {
        (Some(user), Some(me)) if user == me => Ok((grant, user)),
        (None, Some(me)) => Ok((grant, me)),
        (Some(user), _) => {
            db.users().get(scope, user).await?;
            Ok((grant, user))
        }
        (None, None) => Err(ServiceError::field(
            "/user_id",
            "required",
            "name the user to read for",
        )),
    }
}

/// The rights a user would hold with built-in `role` and custom role `custom_role`.
pub(crate) async fn rights_of(
    db: &Db,
    scope: &Scope,
    role: Role,
    custom_role: Option<RoleId>,
) -> Result<Permissions, ServiceError> {
    let custom = match custom_role {
        Some(id) => db.roles().get(scope, id).await?.permissions,
        None => Permissions::NONE,
    };
    Ok(role.permissions().union(custom))
}

/// Refuses (403) rights beyond the caller's own: a built-in role above theirs, or any
/// permission they do not hold. Whoever grants a role, or acts through another user's key,
/// is held to this, so no one climbs by handing themselves (or a proxy) more.
pub(crate) fn within_own(
    scope: &Scope,
    role: Role,
    permissions: Permissions,
) -> Result<(), ServiceError> {
    let held = scope.permissions();
    if role.rank() > scope.role().rank() || permissions.intersection(held) != permissions {
        return Err(ServiceError::Forbidden);
    }
    Ok(())
}
