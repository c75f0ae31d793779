//! Who may act for whom in scheduling. Every scheduling write goes through [`acting_for`],
//! which turns the scope into the capability the repository write needs
//! ([`Granted<C>`](store::Granted)) and the user the change is for; every read goes through
//! [`reading`] or [`reading_for`].
//!
//! The rule: the `*.manage` permission lets a user change their own rows; changing another
//! user's needs `users.manage` too (owners and admins, or a custom role that grants it).
//! Reading needs the `*.read` permission. Schedules, event types and the directory are read
//! organization-wide; bookings, contacts and routing submissions only as far as [`reaching`]
//! says (one's own and the team event types one hosts for, everything with
//! `bookings.read_all`); calendar connections only one's own ([`reading_own`]).

use domain::access::{Permissions, Reach, Role};
use domain::ids::{RoleId, UserId};
use store::{Capability, Db, Granted, Scope, can};

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

/// The right to read what capability `C` covers and how far the read reaches: the whole
/// organization with `bookings.read_all`, else what the caller hosts (their own bookings and
/// contacts, and those of the team event types they are a host of). 403 without `C`, or
/// when no user acts and the scope lacks `bookings.read_all`.
pub(crate) fn reaching<C: Capability>(scope: &Scope) -> Result<(Granted<C>, Reach), ServiceError> {
    let grant = reading::<C>(scope)?;
    if reads_everything(scope) {
        return Ok((grant, Reach::Organization));
    }
    let me = scope.actor().user_id().ok_or(ServiceError::Forbidden)?;
    Ok((grant, Reach::HostedBy(me)))
}

/// Whether the scope reads every booking, contact and routing submission of the organization.
pub(crate) fn reads_everything(scope: &Scope) -> bool {
    scope.grant::<can::ReadAllBookings>().is_some()
}

/// The right to read `owner`'s private rows (calendar connections: their addresses and
/// credentials): the caller's own, or anyone's for who may act for others; 403 otherwise.
pub(crate) fn reading_own<C: Capability>(
    scope: &Scope,
    owner: UserId,
) -> Result<Granted<C>, ServiceError> {
    let grant = reading::<C>(scope)?;
    if scope.actor().user_id() == Some(owner) || acts_for_others(scope) {
        Ok(grant)
    } else {
        Err(ServiceError::Forbidden)
    }
}
