//! Organizations: create (operator), read and rename (members).

use domain::organizations::{Organization, OrganizationChanges};
use garde::Validate;
use store::{Db, Operator, Scope};

use crate::ServiceError;

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

/// Creates an organization, its owner and a first API key (returned once).
pub async fn create(
    db: &Db,
    operator: &Operator,
    input: CreateOrganization,
) -> Result<store::CreatedOrganization, ServiceError> {
    input.validate()?;
    let created = db
        .organizations()
        .create(
            operator,
            domain::organizations::NewOrganization {
                slug: input.slug,
                name: input.name.trim().to_owned(),
                owner_email: input.owner_email,
                owner_name: input.owner_name.trim().to_owned(),
                owner_time_zone: input.owner_time_zone,
            },
        )
        .await?;
    tracing::info!(organization = %created.organization.id, slug = %created.organization.slug, "organization created");
    Ok(created)
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
