//! API keys: issue and revoke; one's own with `api_keys.manage`, anyone's as owner or admin.

use domain::access::Permissions;
use domain::access::Role;
use domain::api_keys::{ApiKey, KeyLimits};
use domain::ids::{ApiKeyId, Timestamp, UserId};
use store::can;
use store::{Db, IssuedApiKey, Scope};

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

/// Issues a key through the API. Anyone with `api_keys.manage` issues keys of their own;
/// keys for another user need an owner or admin whose own role and rights cover that
/// user's: a key never lets its holder act with more than they have (an admin cannot mint
/// the owner's key). The returned token is the only copy.
pub async fn create(
    db: &Db,
    scope: &Scope,
    input: NewApiKey,
) -> Result<IssuedApiKey, ServiceError> {
    let own = scope.actor().user_id();
    let target = match input.user_id.or(own) {
        Some(id) => id,
        None => {
            return Err(ServiceError::field(
                "/user_id",
                "required",
                "name the user the key acts as",
            ));
        }
    };
    let name = input.name.trim();
    let limits = checked_limits(scope, name, input.scopes.as_deref(), input.expires_at)?;
    if Some(target) == own
        && let Some(grant) = scope.grant::<can::ManageApiKeys>()
    {
        return Ok(db.api_keys().issue_own(&grant, name, limits).await?);
    }
    let admin = scope.admin().ok_or(ServiceError::Forbidden)?;
    // Names a user of this organization, or is not found.
    let user = db.users().get(scope, target).await?;
    let rights = crate::access::rights_of(db, scope, user.role, user.custom_role_id).await?;
    crate::access::within_own(scope, user.role, rights)?;
    Ok(db
        .api_keys()
        .issue_limited(&admin, target, name, limits)
        .await?)
}

async fn issue_to(
    db: &Db,
    admin: &store::AdminScope,
    user_id: UserId,
    name: &str,
    scopes: Option<&[String]>,
    expires_at: Option<Timestamp>,
) -> Result<IssuedApiKey, ServiceError> {
    let limits = checked_limits(admin.scope(), name, scopes, expires_at)?;
    Ok(db
        .api_keys()
        .issue_limited(admin, user_id, name, limits)
        .await?)
}

/// Checks a key's name, scopes and expiry. A key never carries a permission its issuer lacks:
/// scopes beyond the caller's are refused, and a caller who is itself narrowed (a key with
/// scopes) passes its narrowing on to a key asked for without scopes.
fn checked_limits(
    scope: &Scope,
    name: &str,
    scopes: Option<&[String]>,
    expires_at: Option<Timestamp>,
) -> Result<KeyLimits, ServiceError> {
    if name.is_empty() || name.chars().count() > 200 {
        return Err(ServiceError::Validation(vec![crate::FieldError {
            pointer: "/name".to_owned(),
            code: "invalid",
            message: "length is lower than 1 or greater than 200".to_owned(),
        }]));
    }
    let held = scope.permissions();
    let scopes = match scopes {
        Some(names) => {
            let asked = crate::roles::parse_permissions(names).map_err(|e| match e {
                ServiceError::Validation(mut f) => {
                    for f in &mut f {
                        f.pointer = f.pointer.replace("/permissions", "/scopes");
                    }
                    ServiceError::Validation(f)
                }
                other => other,
            })?;
            if let Some(missing) = asked.iter().find(|p| !held.contains(*p)) {
                return Err(ServiceError::field(
                    "/scopes",
                    "not_held",
                    format!(
                        "you cannot give a key {}, which you do not have",
                        missing.codename()
                    ),
                ));
            }
            Some(asked)
        }
        None if held != Permissions::all() => Some(held),
        None => None,
    };
    if expires_at.is_some_and(|t| t <= Timestamp::now()) {
        return Err(ServiceError::Validation(vec![crate::FieldError {
            pointer: "/expires_at".to_owned(),
            code: "invalid",
            message: "must be in the future".to_owned(),
        }]));
    }
    Ok(KeyLimits { scopes, expires_at })
}

/// Whether `scope` may list and revoke API keys ([`list`] and [`revoke`]): an admin every
/// key of the organization, `api_keys.manage` their own.
pub fn may_manage(scope: &Scope) -> bool {
    scope.admin().is_some() || scope.grant::<can::ManageApiKeys>().is_some()
}

/// Keys: the whole organization's for owners and admins, one's own for everyone else.
pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<ApiKey>, ServiceError> {
    if scope.admin().is_some() {
        return Ok(db.api_keys().list(scope).await?);
    }
    scope
        .grant::<can::ManageApiKeys>()
        .ok_or(ServiceError::Forbidden)?;
    Ok(db.api_keys().list_own(scope).await?)
}

/// Revokes a key: any of the organization's for owners and admins, one's own for everyone
/// else (another user's key is not found).
pub async fn revoke(db: &Db, scope: &Scope, id: ApiKeyId) -> Result<(), ServiceError> {
    if let Some(admin) = scope.admin() {
        return Ok(db.api_keys().revoke(&admin, id).await?);
    }
    let grant = scope
        .grant::<can::ManageApiKeys>()
        .ok_or(ServiceError::Forbidden)?;
    Ok(db.api_keys().revoke_own(&grant, id).await?)
}
