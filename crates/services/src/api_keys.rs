//! API keys: issue and revoke.

use store::types::{ApiKeyId, Timestamp};
use store::{ApiKey, Db, IssuedApiKey, KeyLimits, Role, Scope};

use crate::ServiceError;

/// Issues a key acting as the user with `user_email`, or as the organization's first owner
/// when no e-mail is given. The returned token is the only copy.
pub async fn issue(
    db: &Db,
    scope: &Scope,
    user_email: Option<&str>,
    name: &str,
) -> Result<IssuedApiKey, ServiceError> {
    issue_limited(db, scope, user_email, name, None, None).await
}

/// Like [`issue`], narrowed to `scopes` (permission codenames) and expiring at `expires_at`.
pub async fn issue_limited(
    db: &Db,
    scope: &Scope,
    user_email: Option<&str>,
    name: &str,
    scopes: Option<&[String]>,
    expires_at: Option<Timestamp>,
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
    let scopes = scopes
        .map(|s| {
            crate::roles::parse_permissions(s).map_err(|e| match e {
                ServiceError::Validation(mut f) => {
                    for f in &mut f {
                        f.pointer = f.pointer.replace("/permissions", "/scopes");
                    }
                    ServiceError::Validation(f)
                }
                other => other,
            })
        })
        .transpose()?;
    if expires_at.is_some_and(|t| t <= Timestamp::now()) {
        return Err(ServiceError::Validation(vec![crate::FieldError {
            pointer: "/expires_at".to_owned(),
            code: "invalid",
            message: "must be in the future".to_owned(),
        }]));
    }
    Ok(db
        .api_keys()
        .issue_limited(&admin, user.id, name, KeyLimits { scopes, expires_at })
        .await?)
}

/// The organization's keys (owners and admins).
pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<ApiKey>, ServiceError> {
    scope.admin().ok_or(ServiceError::Forbidden)?;
    Ok(db.api_keys().list(scope).await?)
}

/// Revokes a key of the caller's organization.
pub async fn revoke(db: &Db, scope: &Scope, id: ApiKeyId) -> Result<(), ServiceError> {
    let admin = scope.admin().ok_or(ServiceError::Forbidden)?;
    Ok(db.api_keys().revoke(&admin, id).await?)
}
