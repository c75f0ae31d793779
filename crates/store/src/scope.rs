//! Capability handles. Every repository method that touches tenant data takes a [`Scope`],
//! and a `Scope` can only be made by authenticating (an API key today, sessions later) or by
//! an [`Operator`]. Code that holds no scope cannot name another tenant's rows.

use crate::permission::Permissions;
use crate::types::{ApiKeyId, OrganizationId, SessionId, UserId};

/// A user's role in their organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Owner,
    Admin,
    Member,
    Viewer,
}

impl Role {
    /// The stored spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Member => "member",
            Self::Viewer => "viewer",
        }
    }

    /// Standing among the built-in roles: owner > admin > member > viewer.
    pub fn rank(self) -> u8 {
        match self {
            Self::Owner => 3,
            Self::Admin => 2,
            Self::Member => 1,
            Self::Viewer => 0,
        }
    }

    /// The lower of the two roles.
    pub fn at_most(self, other: Self) -> Self {
        if other.rank() < self.rank() {
            other
        } else {
            self
        }
    }

    pub(crate) fn parse(s: &str) -> Result<Self, crate::Error> {
        Ok(match s {
            "owner" => Self::Owner,
            "admin" => Self::Admin,
            "member" => Self::Member,
            "viewer" => Self::Viewer,
            other => return Err(crate::Error::Corrupt(format!("unknown role {other:?}"))),
        })
    }
}

/// Who is acting, for the audit log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Actor {
    /// A user, authenticated by an API key. `user_id` is whom the key acts as;
    /// `issued_by`, the user who issued it and so holds it (`None`: the operator, or a key
    /// older than this field). The audit log names the holder.
    ApiKey {
        user_id: UserId,
        api_key_id: ApiKeyId,
        issued_by: Option<UserId>,
    },
    /// The operator, through the command line.
    Operator,
    /// A user, authenticated by a web session cookie.
    Session {
        user_id: UserId,
        session_id: SessionId,
    },
    /// Nobody yet: a sign-in attempt or a token redemption, recorded before anyone is known.
    Anonymous,
    /// Someone booking through a public link.
    Invitee,
    /// An attendee, through their manage token.
    Attendee {
        attendee_id: crate::types::AttendeeId,
    },
    /// Background work: a job claimed by a worker, acting on what its payload names.
    System,
}

impl Actor {
    pub(crate) fn kind(self) -> &'static str {
        match self {
            Self::ApiKey { .. } => "api_key",
            Self::Operator => "operator",
            Self::Session { .. } => "session",
            Self::Anonymous => "anonymous",
            Self::Invitee => "invitee",
            Self::Attendee { .. } => "attendee",
            Self::System => "system",
        }
    }

    /// Who acted, for the audit log: a key's holder, not the user it acts as.
    pub(crate) fn id(self) -> Option<uuid::Uuid> {
        match self {
            Self::ApiKey {
                user_id, issued_by, ..
            } => Some(issued_by.unwrap_or(user_id).0),
            Self::Operator | Self::Invitee | Self::System => None,
            Self::Attendee { attendee_id } => Some(attendee_id.0),
            Self::Session { user_id, .. } => Some(user_id.0),
            Self::Anonymous => None,
        }
    }

    /// The user an API key acted as, when its holder is someone else (for the audit log).
    pub(crate) fn on_behalf_of(self) -> Option<UserId> {
        match self {
            Self::ApiKey {
                user_id,
                issued_by: Some(holder),
                ..
            } if holder != user_id => Some(user_id),
            _ => None,
        }
    }

    /// The person behind the request: a key's holder when a user issued it, else the user
    /// acting. Recorded as the issuer of keys this actor makes.
    pub(crate) fn real_user_id(self) -> Option<UserId> {
        match self {
            Self::ApiKey {
                user_id, issued_by, ..
            } => Some(issued_by.unwrap_or(user_id)),
            Self::Session { user_id, .. } => Some(user_id),
            _ => None,
        }
    }

    /// The user acting, if a user is.
    pub fn user_id(self) -> Option<UserId> {
        match self {
            Self::ApiKey { user_id, .. } | Self::Session { user_id, .. } => Some(user_id),
            _ => None,
        }
    }
}

/// Permission to act inside one organization. Only the store makes these.
#[derive(Clone, Debug)]
pub struct Scope {
    organization_id: OrganizationId,
    actor: Actor,
    role: Role,
    /// Effective permissions: the role's, plus a custom role's, narrowed by key scopes.
    permissions: Permissions,
    /// The client address, for the audit log.
    ip: Option<String>,
}

impl Scope {
    pub(crate) fn new(organization_id: OrganizationId, actor: Actor, role: Role) -> Self {
        Self {
            organization_id,
            actor,
            role,
            permissions: role.permissions(),
            ip: None,
        }
    }

    /// Replaces the role's permissions by `permissions` (computed by authentication).
    pub(crate) fn with_permissions(mut self, permissions: Permissions) -> Self {
        self.permissions = permissions;
        self
    }

    /// The same authority, remembering the client's address for the audit log. Adds no
    /// rights, so anyone holding a scope may call it.
    pub fn with_ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }

    /// What the actor may do.
    pub fn permissions(&self) -> Permissions {
        self.permissions
    }

    /// The client address the request came from, if known.
    pub fn ip(&self) -> Option<&str> {
        self.ip.as_deref()
    }

    /// The organization this scope is confined to.
    pub fn organization_id(&self) -> OrganizationId {
        self.organization_id
    }

    /// Who is acting.
    pub fn actor(&self) -> Actor {
        self.actor
    }

    /// The actor's role (the operator counts as owner).
    pub fn role(&self) -> Role {
        self.role
    }

    /// The right to manage the organization, if the role carries it (owners and admins) and
    /// an API key's scopes did not take `organization.manage` away.
    pub fn admin(&self) -> Option<AdminScope> {
        (matches!(self.role, Role::Owner | Role::Admin)
            && self
                .permissions
                .contains(crate::permission::Permission::OrganizationManage))
        .then(|| AdminScope(self.clone()))
    }
}

/// Permission to manage one organization (its settings, members and keys). Repository
/// methods that change those take this, not [`Scope`], so code holding only a member's scope
/// cannot call them. Obtained from [`Scope::admin`].
#[derive(Clone, Debug)]
pub struct AdminScope(Scope);

impl AdminScope {
    /// The plain scope, for reads.
    pub fn scope(&self) -> &Scope {
        &self.0
    }
}

/// The person running the `rendezvous` binary against the database: may create
/// organizations and act in any of them. Only the command line should make one; a web
/// handler that calls [`Operator::local`] is a bug a reviewer can grep for.
#[derive(Debug)]
pub struct Operator(());

impl Operator {
    /// Claims operator rights. Having the database URL already grants them.
    pub fn local() -> Self {
        Self(())
    }
}

/// The right to found one organization through public sign-up; used up by
/// [`Organizations::register`](crate::repo::organizations::Organizations::register). Only the
/// sign-up endpoint makes one, and only when the operator has opened sign-up: a caller of
/// [`Registration::open_signup`] that does not check that setting is a review-visible bug.
#[derive(Debug)]
pub struct Registration(());

impl Registration {
    /// Claims the right to found an organization. Check the `open_signup` setting first.
    pub fn open_signup() -> Self {
        Self(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_owners_and_admins_get_admin_rights() {
        let actor = Actor::Operator;
        for (role, admin) in [
            (Role::Owner, true),
            (Role::Admin, true),
            (Role::Member, false),
            (Role::Viewer, false),
        ] {
            let scope = Scope::new(OrganizationId::new(), actor, role);
            assert_eq!(scope.admin().is_some(), admin, "{role:?}");
        }
    }
}
