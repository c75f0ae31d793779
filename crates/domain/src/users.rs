use crate::access::Role;
use crate::ids::{OrganizationId, RoleId, Timestamp, UserId};

/// Where an account stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum UserStatus {
    /// Invited, has not set a password yet.
    Invited,
    Active,
    /// Switched off by the user's organization (left, on leave); may be switched back on.
    Inactive,
    /// Blocked by an administrator; cannot sign in or use keys.
    Suspended,
}

impl UserStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Invited => "invited",
            Self::Active => "active",
            Self::Inactive => "inactive",
            Self::Suspended => "suspended",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "invited" => Self::Invited,
            "active" => Self::Active,
            "inactive" => Self::Inactive,
            "suspended" => Self::Suspended,
            _ => return None,
        })
    }
}

/// A member of an organization.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub organization_id: OrganizationId,
    /// Stored lower-cased; unique within the organization.
    pub email: String,
    pub name: String,
    pub role: Role,
    /// IANA zone name.
    pub time_zone: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    /// Handle for public booking pages; unique within the organization.
    pub slug: Option<String>,
    pub status: UserStatus,
    /// A custom role whose permissions add to the built-in role's.
    pub custom_role_id: Option<RoleId>,
    /// Local hours (0-24) the user is willing to meet in.
    pub reasonable_hours_start: i32,
    pub reasonable_hours_end: i32,
    pub email_verified_at: Option<Timestamp>,
    pub failed_login_attempts: i32,
    pub locked_until: Option<Timestamp>,
    pub last_login_at: Option<Timestamp>,
    pub last_login_ip: Option<String>,
    /// E.164 phone number for host messages by SMS.
    pub phone: Option<String>,
}

/// What it takes to add a user.
#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub time_zone: String,
}

/// An invitation: the user is created `invited` and receives a one-time token.
#[derive(Clone, Debug)]
pub struct NewInvite {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub custom_role_id: Option<RoleId>,
    pub time_zone: String,
    /// How long the invitation link stays valid.
    pub valid_for: jiff::SignedDuration,
}

/// Profile fields a user may change on themselves; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct ProfileChanges {
    pub name: Option<String>,
    /// `Some(None)` clears the slug.
    pub slug: Option<Option<String>>,
    pub time_zone: Option<String>,
    pub reasonable_hours: Option<(i32, i32)>,
    /// `Some(None)` clears the phone number.
    pub phone: Option<Option<String>>,
}

/// What an administrator may change on a user; `None` leaves a field as it is.
#[derive(Clone, Debug, Default)]
pub struct UserChanges {
    pub profile: ProfileChanges,
    pub role: Option<Role>,
    /// `Some(None)` removes the custom role.
    pub custom_role_id: Option<Option<RoleId>>,
    pub status: Option<UserStatus>,
}
