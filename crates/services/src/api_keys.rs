//! API keys: issue and revoke.

use store::types::{ApiKeyId, Timestamp, UserId};
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
    issue_to(db, &admin, user.id, name, scopes, expires_at).await
}

/// A key asked for through the API.
#[derive(Clone, Debug)]
pub struct NewApiKey {
    /// Whose key; `None` is the caller.
    pub user_id: Option<UserId>,
    pub name: String,
    /// Permission codenames to narrow the key to; `None`: all of its user's.
    pub scopes: Option<Vec<String>>,
    pub expires_at: Option<Timestamp>,
}

/// Issues a key through the API (owners and admins). The returned token is the only copy.
pub async fn create(
    db: &Db,
    scope: &Scope,
    input: NewApiKey,
) -> Result<IssuedApiKey, ServiceError> {
    let admin = scope.admin().ok_or(ServiceError::Forbidden)?;
    let user_id = match input.user_id.or(scope.actor().user_id()) {
        Some(id) => id,
        None => {
            return Err(ServiceError::field(
                "/user_id",
                "required",
                "name the user the key acts as",
            ));
        }
    };
    // Names a user of this organization, or is not found.
    db.users().get(scope, user_id).await?;
    let name = input.name.trim();
    issue_to(
        db,
        &admin,
        user_id,
        name,
        input.scopes.as_deref(),
        input.expires_at,
    )
    .await
}

async fn issue_to(
    db: &Db,
    admin: &store::AdminScope,
    user_id: UserId,
    name: &str,
    scopes: Option<&[String]>,
    expires_at: Option<Timestamp>,
) -> Result<IssuedApiKey, ServiceError> {
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ServiceError::Validation(vec![crate::FieldError {
            pointer: "/name".to_owned(),
            code: "invalid",
            message: "length is lower than 1 or greater than 200".to_owned(),
        }]));
    }
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
        .issue_limited(admin, user_id, name, KeyLimits { scopes, expires_at })
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
