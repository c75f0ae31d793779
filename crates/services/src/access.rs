//! Who a member may act for: themselves always; anyone in the organization if they are an
//! owner or admin.

use store::types::UserId;
use store::{Actor, Db, Scope};

use crate::ServiceError;

/// The user a change is for: `requested`, or the caller when `None`. Members may only act
/// for themselves.
pub(crate) async fn acting_for(
    db: &Db,
    scope: &Scope,
    requested: Option<UserId>,
) -> Result<UserId, ServiceError> {
    let caller = match scope.actor() {
        Actor::ApiKey { user_id, .. } => Some(user_id),
        _ => None,
    };
    match (requested, caller) {
        (Some(user), Some(me)) if user == me => Ok(user),
        (None, Some(me)) => Ok(me),
        (Some(user), _) if scope.admin().is_some() => {
            // Names a user of this organization, or is not found.
            db.users().get(scope, user).await?;
            Ok(user)
        }
        (Some(_), _) => Err(ServiceError::Forbidden),
        (None, None) => Err(ServiceError::field(
            "/user_id",
            "required",
            "name the user this is for",
        )),
    }
}
