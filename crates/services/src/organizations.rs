//! Organizations: found (the operator, or sign-up), read and rename (members). Founding
//! writes the organization, its owner (and, for the operator, a first API key) and the audit
//! row in one unit of work, so an organization never exists without someone able to use it.

use domain::access::{Actor, Role};
use domain::organizations::{NewOrganization, Organization, OrganizationChanges};
use domain::users::{NewUser, User};
use garde::Validate;
use serde_json::json;
use store::repo::audit::Change;
use store::{Db, Founder, Founding, IssuedApiKey, Operator, Registration, Scope, Unit};

use crate::ServiceError;
use crate::accounts::ClientInfo;

/// The result of creating an organization. `api_key` is the only copy of the key.
#[derive(Debug)]
pub struct CreatedOrganization {
    pub organization: Organization,
    pub owner: User,
    pub api_key: IssuedApiKey,
}

/// Input for creating an organization with its owner.
#[derive(Clone, Debug, Validate)]
pub struct CreateOrganization {
    #[garde(custom(crate::validate::slug))]
    pub slug: String,
    #[garde(length(chars, min = 1, max = 200))]
    pub name: String,
    #[garde(custom(crate::validate::email))]
    pub owner_email: String,
    #[garde(length(chars, min = 1, max = 200))]
    pub owner_name: String,
    #[garde(custom(crate::validate::time_zone))]
    pub owner_time_zone: String,
}

/// Creates an organization, its owner and a first API key (returned once). Audited as
/// `organization.created`, by the operator.
pub async fn create(
    db: &Db,
    operator: &Operator,
    input: CreateOrganization,
) -> Result<CreatedOrganization, ServiceError> {
    input.validate()?;
    let new = NewOrganization {
        slug: input.slug,
        name: input.name.trim().to_owned(),
        owner_email: input.owner_email,
        owner_name: input.owner_name.trim().to_owned(),
        owner_time_zone: input.owner_time_zone,
    };
    let (mut unit, organization, owner) = found(db, Founder::Operator(operator), new).await?;
    let api_key = unit.api_keys().insert(owner.id, "initial key").await?;
    unit.audit()
        .record(
            Actor::Operator,
            None,
            founded("organization.created", &organization, &owner),
        )
        .await?;
    unit.commit().await?;
    tracing::info!(organization = %organization.id, slug = %organization.slug, "organization created");
    Ok(CreatedOrganization {
        organization,
        owner,
        api_key,
    })
}

/// Founds an organization through public sign-up (the registration is used up): its owner
/// signs in with `password_hash`; no API key is made. Audited as `organization.registered`,
/// by an anonymous actor from the client's address.
pub(crate) async fn register(
    db: &Db,
    registration: Registration,
    new: NewOrganization,
    password_hash: &str,
    client: &ClientInfo,
) -> Result<(Organization, User), ServiceError> {
    let (mut unit, organization, owner) = found(db, Founder::SignUp(registration), new).await?;
    // Set as the owner is made, so the account's `updated_at` stays its creation.
    unit.users()
        .set_password(owner.id, password_hash, owner.created_at)
        .await?;
    unit.audit()
        .record(
            Actor::Anonymous,
            client.ip.as_deref(),
            founded("organization.registered", &organization, &owner),
        )
        .await?;
    unit.commit().await?;
    Ok((organization, owner))
}

/// Founds `new` with its active owner, in the unit returned (the caller completes and
/// commits it).
async fn found(
    db: &Db,
    founder: Founder<'_>,
    new: NewOrganization,
) -> Result<(Unit, Organization, User), ServiceError> {
    let (mut unit, organization) = db
        .organizations()
        .found(
            founder,
            Founding {
                slug: &new.slug,
                name: &new.name,
                // The owner's zone is the best guess of where the organization works.
                default_time_zone: &new.owner_time_zone,
            },
        )
        .await?;
    let owner = unit
        .users()
        .insert(NewUser {
            email: new.owner_email,
            name: new.owner_name,
            role: Role::Owner,
            time_zone: new.owner_time_zone,
        })
        .await?;
    Ok((unit, organization, owner))
}

/// The audit entry of a new organization, recorded as `action`.
fn founded<'a>(action: &'a str, organization: &Organization, owner: &User) -> Change<'a> {
    Change::event(
        action,
        "organization",
        organization.id.0,
        None,
        Some(json!({
            "slug": organization.slug,
            "name": organization.name,
            "owner_email": owner.email,
        })),
    )
}

/// The caller's organization.
pub async fn get(db: &Db, scope: &Scope) -> Result<Organization, ServiceError> {
    Ok(db.organizations().get(scope).await?)
}

/// Changes to the caller's organization; absent fields stay as they are.
#[derive(Clone, Debug, Default, Validate)]
pub struct UpdateOrganization {
    #[garde(inner(length(chars, min = 1, max = 200)))]
    pub name: Option<String>,
    /// `#rrggbb`; `Some(None)` clears it.
    #[garde(custom(color))]
    pub brand_color: Option<Option<String>>,
    /// An https URL; `Some(None)` clears it.
    #[garde(custom(logo))]
    pub logo_url: Option<Option<String>>,
    #[garde(inner(custom(crate::validate::time_zone)))]
    pub default_time_zone: Option<String>,
}

fn color(value: &Option<Option<String>>, _ctx: &()) -> garde::Result {
    match value {
        Some(Some(c))
            if !(c.len() == 7
                && c.starts_with('#')
                && c[1..].bytes().all(|b| b.is_ascii_hexdigit())) =>
        {
            Err(garde::Error::new("must be a colour like #0066cc"))
        }
        _ => Ok(()),
    }
}

fn logo(value: &Option<Option<String>>, _ctx: &()) -> garde::Result {
    match value {
        // https only: the logo is shown on public pages, which must not load mixed content.
        Some(Some(u))
            if !(u.starts_with("https://")
                && u.len() > "https://".len()
                && u.len() <= 2000
                && !u.chars().any(|c| c.is_whitespace() || c.is_control())) =>
        {
            Err(garde::Error::new(
                "must be an https URL of at most 2000 characters",
            ))
        }
        _ => Ok(()),
    }
}

/// Whether `scope` may change the organization's settings ([`update`]): owners and admins.
pub fn may_update(scope: &Scope) -> bool {
    scope.admin().is_some()
}

/// Updates the caller's organization. Owners and admins only.
pub async fn update(
    db: &Db,
    scope: &Scope,
    input: UpdateOrganization,
) -> Result<Organization, ServiceError> {
    let admin = scope.admin().ok_or(ServiceError::Forbidden)?;
    input.validate()?;
    Ok(db
        .organizations()
        .update(
            &admin,
            OrganizationChanges {
                name: input.name.map(|n| n.trim().to_owned()),
                brand_color: input.brand_color.map(|c| c.map(|c| c.to_lowercase())),
                logo_url: input.logo_url,
                default_time_zone: input.default_time_zone,
            },
        )
        .await?)
}
