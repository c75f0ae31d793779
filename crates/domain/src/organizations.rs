use crate::ids::{OrganizationId, Timestamp};

/// A tenant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Organization {
    pub id: OrganizationId,
    /// Unique, URL-safe handle: `acme`.
    pub slug: String,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// `#rrggbb`, for booking pages and e-mails.
    pub brand_color: Option<String>,
    /// An https URL of the logo.
    pub logo_url: Option<String>,
    /// The IANA zone new users start in.
    pub default_time_zone: String,
}

/// What it takes to create an organization.
#[derive(Clone, Debug)]
pub struct NewOrganization {
    pub slug: String,
    pub name: String,
    pub owner_email: String,
    pub owner_name: String,
    pub owner_time_zone: String,
}

/// Fields to change; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct OrganizationChanges {
    pub name: Option<String>,
    /// `Some(None)` clears the colour.
    pub brand_color: Option<Option<String>>,
    /// `Some(None)` clears the logo.
    pub logo_url: Option<Option<String>>,
    pub default_time_zone: Option<String>,
}
