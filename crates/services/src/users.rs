//! Users: the caller, the directory, invitations, profiles, roles and status.

use domain::access::Role;
use domain::ids::{RoleId, UserId};
use domain::users::{NewInvite, ProfileChanges, User, UserChanges, UserStatus};
use store::{Db, Scope, can};

use crate::auth_settings::{AuthSettings, signed};
use crate::{FieldError, ServiceError};

/// The user the caller acts as. The operator is not a user, so has none.
pub async fn current(db: &Db, scope: &Scope) -> Result<User, ServiceError> {
    match scope.actor().user_id() {
        Some(user_id) => Ok(db.users().get(scope, user_id).await?),
        None => Err(ServiceError::NotFound("user")),
    }
}

/// Everyone in the organization (needs `users.read`).
pub async fn list(db: &Db, scope: &Scope) -> Result<Vec<User>, ServiceError> {
    scope
        .grant::<can::ReadUsers>()
        .ok_or(ServiceError::Forbidden)?;
    Ok(db.users().list(scope).await?)
}

/// One user (needs `users.read`).
pub async fn get(db: &Db, scope: &Scope, id: UserId) -> Result<User, ServiceError> {
    scope
        .grant::<can::ReadUsers>()
        .ok_or(ServiceError::Forbidden)?;
    Ok(db.users().get(scope, id).await?)
}

/// An invitation to send.
#[derive(Clone, Debug)]
pub struct Invite {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub custom_role_id: Option<RoleId>,
    /// Defaults to the organization's zone.
    pub time_zone: Option<String>,
}

/// Invites a user (needs `users.manage`); the link is e-mailed (an `email.account` job, its
/// token sealed with `keys`). The invitee's role and custom role may not carry more than
/// the inviter holds (so only an owner invites an owner).
pub async fn invite(
    db: &Db,
    settings: &AuthSettings,
    keys: &crate::credentials::Keyring,
    scope: &Scope,
    input: Invite,
) -> Result<User, ServiceError> {
    let grant = scope
        .grant::<can::ManageUsers>()
        .ok_or(ServiceError::Forbidden)?;
    let rights = crate::access::rights_of(db, scope, input.role, input.custom_role_id).await?;
    crate::access::within_own(scope, input.role, rights)?;
    let mut errors = Vec::new();
    if crate::validate::email(&input.email, &()).is_err() {
        errors.push(field("/email", "must be an e-mail address"));
    }
    let name = input.name.trim().to_owned();
    if name.is_empty() || name.chars().count() > 200 {
        errors.push(field("/name", "length is lower than 1 or greater than 200"));
    }
    let time_zone = match input.time_zone {
        Some(tz) => tz,
        None => db.organizations().get(scope).await?.default_time_zone,
    };
    if crate::validate::time_zone(&time_zone, &()).is_err() {
        errors.push(field("/time_zone", "must be an IANA time zone name"));
    }
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    let (user, _token) = crate::accounts::send_invitation(
        db,
        &grant,
        NewInvite {
            email: input.email,
            name,
            role: input.role,
            custom_role_id: input.custom_role_id,
            time_zone,
            valid_for: signed(settings.invite_ttl),
        },
        keys,
    )
    .await?;
    Ok(user)
}

fn field(pointer: &str, message: &str) -> FieldError {
    FieldError {
        pointer: pointer.to_owned(),
        code: "invalid",
        message: message.to_owned(),
    }
}

/// Profile changes; absent fields stay.
#[derive(Clone, Debug, Default)]
pub struct Profile {
    pub name: Option<String>,
    pub slug: Option<Option<String>>,
    pub time_zone: Option<String>,
    pub reasonable_hours_start: Option<i32>,
    pub reasonable_hours_end: Option<i32>,
    /// A phone number as typed (stored in E.164 form); `Some(None)` or blank clears it.
    pub phone: Option<Option<String>>,
}

fn profile_changes(current: &User, p: Profile) -> Result<ProfileChanges, ServiceError> {
    let mut errors = Vec::new();
    let name = p.name.map(|n| n.trim().to_owned());
    if name
        .as_ref()
        .is_some_and(|n| n.is_empty() || n.chars().count() > 200)
    {
        errors.push(field("/name", "length is lower than 1 or greater than 200"));
    }
    if let Some(Some(slug)) = &p.slug
        && crate::validate::slug(slug, &()).is_err()
    {
        errors.push(field(
            "/slug",
            "must be 1-63 lowercase letters, digits and single inner hyphens",
        ));
    }
    if let Some(tz) = &p.time_zone
        && crate::validate::time_zone(tz, &()).is_err()
    {
        errors.push(field("/time_zone", "must be an IANA time zone name"));
    }
    let hours = if p.reasonable_hours_start.is_some() || p.reasonable_hours_end.is_some() {
        let start = p
            .reasonable_hours_start
            .unwrap_or(current.reasonable_hours_start);
        let end = p
            .reasonable_hours_end
            .unwrap_or(current.reasonable_hours_end);
        if !(0..24).contains(&start) || !(1..=24).contains(&end) || start >= end {
            errors.push(field(
                "/reasonable_hours_start",
                "hours must satisfy 0 <= start < end <= 24",
            ));
        }
        Some((start, end))
    } else {
        None
    };
    let phone = match p.phone {
        Some(Some(typed)) if !typed.trim().is_empty() => {
            match crate::validate::phone_number("/phone", &typed) {
                Ok(number) => Some(Some(number.into())),
                Err(ServiceError::Validation(fields)) => {
                    errors.extend(fields);
                    None
                }
                Err(other) => return Err(other),
            }
        }
        Some(_) => Some(None),
        None => None,
    };
    if !errors.is_empty() {
        return Err(ServiceError::Validation(errors));
    }
    Ok(ProfileChanges {
        name,
        slug: p.slug,
        time_zone: p.time_zone,
        reasonable_hours: hours,
        phone,
    })
}

/// Changes the caller's own profile.
pub async fn update_me(db: &Db, scope: &Scope, input: Profile) -> Result<User, ServiceError> {
    let me = current(db, scope).await?;
    let changes = profile_changes(&me, input)?;
    Ok(db.users().update_own_profile(scope, changes).await?)
}

/// What an administrator may change.
#[derive(Clone, Debug, Default)]
pub struct Update {
    pub profile: Profile,
    pub role: Option<Role>,
    pub custom_role_id: Option<Option<RoleId>>,
    pub status: Option<UserStatus>,
}

/// Changes a user (needs `users.manage`). A change of role, custom role or status is
/// refused (403) when the user stands above the caller (a higher role, or a permission the
/// caller lacks), when the new role and custom role would give a permission the caller
/// lacks, and for one's own role and custom role: no one climbs by granting. So only owners
/// grant or take the owner role; and the last owner cannot be demoted or disabled, so an
/// organization always has one.
pub async fn update(
    db: &Db,
    scope: &Scope,
    id: UserId,
    input: Update,
) -> Result<User, ServiceError> {
    let grant = scope
        .grant::<can::ManageUsers>()
        .ok_or(ServiceError::Forbidden)?;
    let target = db.users().get(scope, id).await?;
    let changes_rights = input.role.is_some_and(|r| r != target.role)
        || input
            .custom_role_id
            .is_some_and(|c| c != target.custom_role_id);
    if changes_rights || input.status.is_some_and(|s| s != target.status) {
        // The user as they are: no one changes the standing of someone above them.
        let held = crate::access::rights_of(db, scope, target.role, target.custom_role_id).await?;
        crate::access::within_own(scope, target.role, held)?;
        // The user as they will be: no one grants what they do not hold.
        let role = input.role.unwrap_or(target.role);
        let custom = input.custom_role_id.unwrap_or(target.custom_role_id);
        let granted = crate::access::rights_of(db, scope, role, custom).await?;
        crate::access::within_own(scope, role, granted)?;
    }
    let touches_owner = input.role == Some(Role::Owner) || target.role == Role::Owner;
    if touches_owner && (input.role.is_some() || input.status.is_some()) {
        let demoting = input.role.is_some_and(|r| r != Role::Owner)
            || input.status.is_some_and(|s| s != UserStatus::Active);
        if target.role == Role::Owner && demoting && owners(db, scope).await? <= 1 {
            return Err(ServiceError::Validation(vec![field(
                "/role",
                "the organization's last owner cannot be demoted or disabled",
            )]));
        }
    }
    if changes_rights && scope.actor().user_id() == Some(id) {
        return Err(ServiceError::Forbidden);
    }
    if input.status == Some(UserStatus::Invited) {
        return Err(ServiceError::Validation(vec![field(
            "/status",
            "must be active, inactive or suspended",
        )]));
    }
    let profile = profile_changes(&target, input.profile)?;
    let mut unit = db.begin_unit(scope.organization_id()).await?;
    let (before, after) = unit
        .users()
        .update(
            &grant,
            id,
            UserChanges {
                profile,
                role: input.role,
                custom_role_id: input.custom_role_id,
                status: input.status,
            },
        )
        .await?;
    // A suspended or deactivated user loses their sessions at once, not at expiry.
    if after != before && matches!(after.status, UserStatus::Suspended | UserStatus::Inactive) {
        unit.sessions().revoke_all(id, None).await?;
    }
    unit.commit().await?;
    Ok(after)
}

async fn owners(db: &Db, scope: &Scope) -> Result<usize, ServiceError> {
    Ok(db
        .users()
        .list(scope)
        .await?
        .iter()
        .filter(|u| u.role == Role::Owner && u.status == UserStatus::Active)
        .count())
}

/// Removes a user (needs `users.manage`); never oneself, nor anyone above the caller (so
/// owners only by owners). Their sessions end with them.
pub async fn delete(db: &Db, scope: &Scope, id: UserId) -> Result<(), ServiceError> {
    let grant = scope
        .grant::<can::ManageUsers>()
        .ok_or(ServiceError::Forbidden)?;
    let target = db.users().get(scope, id).await?;
    if scope.actor().user_id() == Some(id) {
        return Err(ServiceError::Validation(vec![field(
            "",
            "you cannot remove yourself",
        )]));
    }
    let held = crate::access::rights_of(db, scope, target.role, target.custom_role_id).await?;
    crate::access::within_own(scope, target.role, held)?;
    let mut unit = db.begin_unit(scope.organization_id()).await?;
    unit.users().delete(&grant, id).await?;
    unit.sessions().revoke_all(id, None).await?;
    unit.commit().await?;
    Ok(())
}
