//! Capability handles. Every repository method that touches tenant data takes a [`Scope`],
//! and a `Scope` can only be made by authenticating (an API key today, sessions later) or by
//! an [`Operator`]. Code that holds no scope cannot name another tenant's rows.

use domain::access::Permissions;
use domain::access::{Actor, Role};
use domain::ids::OrganizationId;

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
                .contains(domain::access::Permission::OrganizationManage))
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

/// A stored role spelling, or [`crate::Error::Corrupt`].
pub(crate) fn parse_role(s: &str) -> Result<Role, crate::Error> {
    Role::parse(s).ok_or_else(|| crate::Error::Corrupt(format!("unknown role {s:?}")))
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
