//! Users.

use store::{Actor, Db, Scope, User};

use crate::ServiceError;

/// The user the caller acts as. The operator is not a user, so has none.
pub async fn current(db: &Db, scope: &Scope) -> Result<User, ServiceError> {
    match scope.actor() {
        Actor::ApiKey { user_id, .. } => Ok(db.users().get(scope, user_id).await?),
        Actor::Operator | Actor::Invitee | Actor::Attendee { .. } => {
            Err(ServiceError::NotFound("user"))
        }
    }
}
