//! API keys: issue and revoke.

use store::types::ApiKeyId;
use store::{Db, IssuedApiKey, Role, Scope};

use crate::ServiceError;

/// Issues a key acting as the user with `user_email`, or as the organization's first owner
/// when no e-mail is given. The returned token is the only copy.
pub async fn issue(
    db: &Db,
    scope: &Scope,
    user_email: Option<&str>,
    name: &str,
) -> Result<IssuedApiKey, ServiceError> {
    let admin = scope.admin().ok_or(ServiceError::Forbidden)?;
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ServiceError::Validation(vec![crate::FieldError {
            pointer: "/name".to_owned(),
            code: "invalid",
            message: "length is lower than 1 or greater than 200".to_owned(),
        }]));
    }
    let user = match user_email {
        Some(email) => db
            .users()
            .find_by_email(scope, email)
            .await?
            .ok_or(ServiceError::NotFound("user"))?,
        None => db
            .users()
            .list(scope)
            .await?
            .into_iter()
            .find(|u| u.role == Role::Owner)
            .ok_or(ServiceError::NotFound("owner"))?,
    };
    Ok(db.api_keys().issue(&admin, user.id, name).await?)
}

/// Revokes a key of the caller's organization.
pub async fn revoke(db: &Db, scope: &Scope, id: ApiKeyId) -> Result<(), ServiceError> {
    let admin = scope.admin().ok_or(ServiceError::Forbidden)?;
    Ok(db.api_keys().revoke(&admin, id).await?)
}
