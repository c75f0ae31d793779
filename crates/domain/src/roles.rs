use crate::access::Permissions;
use crate::ids::{RoleId, Timestamp};

/// A custom role.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomRole {
    pub id: RoleId,
    pub name: String,
    pub permissions: Permissions,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}
