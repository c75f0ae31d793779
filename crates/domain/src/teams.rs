use crate::ids::{TeamId, Timestamp, UserId};

/// A team.
#[derive(Clone, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Team {
    pub id: TeamId,
    /// Unique within the organization.
    pub slug: String,
    pub name: String,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
}

/// A user's role within one team.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TeamRole {
    Lead,
    Member,
}

impl TeamRole {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Lead => "lead",
            Self::Member => "member",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "lead" => Some(Self::Lead),
            "member" => Some(Self::Member),
            _ => None,
        }
    }
}

/// One membership.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TeamMember {
    pub user_id: UserId,
    pub role: TeamRole,
    pub created_at: Timestamp,
}
