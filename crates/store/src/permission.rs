//! Permissions and the capability handles that carry them.
//!
//! A [`Scope`] knows the actor's effective [`Permissions`]: their built-in role's, plus their
//! custom role's, narrowed by an API key's scopes. Repository methods that need a permission
//! take a [`Granted<C>`] for a capability `C` (one marker type per permission), and the only
//! way to get one is [`Scope::grant`], which returns `None` when the permission is missing.
//! So a handler that lacks, say, `teams.manage` cannot even call `Teams::create`:
//!
//! ```
//! # use rendezvous_store::{Scope, can, Granted};
//! fn create_team(scope: &Scope) -> Result<(), &'static str> {
//!     let _grant: Granted<can::ManageTeams> = scope.grant().ok_or("forbidden")?;
//!     // db.teams().create(&grant, ...)
//!     Ok(())
//! }
//! ```

use std::marker::PhantomData;

use crate::scope::{Role, Scope};
use crate::types::UserId;

/// How far a read of bookings, contacts and routing submissions reaches. Services decide it
/// (`services::access::reach`); the repositories filter by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// The whole organization (`bookings.read_all`).
    Organization,
    /// What one user hosts: what they host themselves, and what the team event types they
    /// are a host of bring.
    HostedBy(UserId),
}

impl Reach {
    /// The user the read is narrowed to; `None` for the whole organization.
    pub fn user(self) -> Option<UserId> {
        match self {
            Self::Organization => None,
            Self::HostedBy(user) => Some(user),
        }
    }
}

/// One thing an actor may do, named by a stable codename (`teams.manage`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// Change the organization's settings and branding.
    OrganizationManage,
    /// See the organization's users.
    UsersRead,
    /// Invite, change, suspend and remove users; assign roles.
    UsersManage,
    /// Create, change and delete custom roles.
    RolesManage,
    /// See teams and their members.
    TeamsRead,
    /// Create, change and delete teams and their memberships.
    TeamsManage,
    /// Issue and revoke API keys for any user.
    ApiKeysManage,
    /// Read the audit log.
    AuditRead,
    /// See schedules and blocked times.
    AvailabilityRead,
    /// Create, change and delete schedules and blocked times (one's own; anyone's with
    /// `users.manage`).
    AvailabilityManage,
    /// See event types.
    EventTypesRead,
    /// Create, change and delete event types (one's own; anyone's with `users.manage`).
    EventTypesManage,
    /// See bookings.
    BookingsRead,
    /// Confirm, reject, cancel, reschedule and complete bookings (one's own as host;
    /// anyone's with `users.manage`).
    BookingsManage,
    /// See the people who booked.
    ContactsRead,
    /// Read every booking, contact and routing submission of the organization (without it,
    /// one's own and those of the team event types one hosts for).
    BookingsReadAll,
    /// Create, change and delete any routing form (without it, `event_types.manage` covers
    /// the forms one created).
    RoutingFormsManage,
    /// Create, change and delete workflows.
    WorkflowsManage,
    /// Create, change, test and delete webhook subscriptions, and read their deliveries.
    WebhooksManage,
    /// Change and reset the organization's message templates.
    TemplatesManage,
}

impl Permission {
    /// Every permission, in codename order of declaration.
    pub const ALL: [Permission; 20] = [
        Self::OrganizationManage,
        Self::UsersRead,
        Self::UsersManage,
        Self::RolesManage,
        Self::TeamsRead,
        Self::TeamsManage,
        Self::ApiKeysManage,
        Self::AuditRead,
        Self::AvailabilityRead,
        Self::AvailabilityManage,
        Self::EventTypesRead,
        Self::EventTypesManage,
        Self::BookingsRead,
        Self::BookingsManage,
        Self::ContactsRead,
        Self::BookingsReadAll,
        Self::RoutingFormsManage,
        Self::WorkflowsManage,
        Self::WebhooksManage,
        Self::TemplatesManage,
    ];

    /// The stable name used in roles, API key scopes and the API.
    pub fn codename(self) -> &'static str {
        match self {
            Self::OrganizationManage => "organization.manage",
            Self::UsersRead => "users.read",
            Self::UsersManage => "users.manage",
            Self::RolesManage => "roles.manage",
            Self::TeamsRead => "teams.read",
            Self::TeamsManage => "teams.manage",
            Self::ApiKeysManage => "api_keys.manage",
            Self::AuditRead => "audit.read",
            Self::AvailabilityRead => "availability.read",
            Self::AvailabilityManage => "availability.manage",
            Self::EventTypesRead => "event_types.read",
            Self::EventTypesManage => "event_types.manage",
            Self::BookingsRead => "bookings.read",
            Self::BookingsManage => "bookings.manage",
            Self::ContactsRead => "contacts.read",
            Self::BookingsReadAll => "bookings.read_all",
            Self::RoutingFormsManage => "routing_forms.manage",
            Self::WorkflowsManage => "workflows.manage",
            Self::WebhooksManage => "webhooks.manage",
            Self::TemplatesManage => "templates.manage",
        }
    }

    /// The permission with this codename.
    pub fn from_codename(codename: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.codename() == codename)
    }

    fn bit(self) -> u32 {
        1 << (self as u32)
    }
}

/// A set of permissions.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Permissions(u32);

impl Permissions {
    /// No permission at all.
    pub const NONE: Self = Self(0);

    /// Every permission.
    pub fn all() -> Self {
        Permission::ALL.into_iter().collect()
    }

    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    pub fn union(self, other: Self) -> Self {
        Self(self.0 | other.0)
    }

    pub fn intersection(self, other: Self) -> Self {
        Self(self.0 & other.0)
    }

    /// The permissions in the set, in declaration order.
    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }

    /// Codenames, for storage and display.
    pub fn codenames(self) -> Vec<String> {
        self.iter().map(|p| p.codename().to_owned()).collect()
    }

    /// Parses codenames; unknown ones are returned as the error, so callers can name them.
    pub fn from_codenames<S: AsRef<str>>(names: &[S]) -> Result<Self, String> {
        names
            .iter()
            .map(|n| Permission::from_codename(n.as_ref()).ok_or_else(|| n.as_ref().to_owned()))
            .collect()
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        Self(iter.into_iter().fold(0, |acc, p| acc | p.bit()))
    }
}

impl std::fmt::Debug for Permissions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set()
            .entries(self.iter().map(Permission::codename))
            .finish()
    }
}

impl Role {
    /// What the built-in role allows. Owners and admins may do everything. Members read
    /// the directory, event types and availability, and read and manage their own bookings,
    /// contacts and routing forms (acting for someone else needs `users.manage`, reading
    /// everyone's bookings `bookings.read_all`, and the organization's shared objects their
    /// own `*.manage`: only owners and admins have those). Viewers only read.
    pub fn permissions(self) -> Permissions {
        use Permission::*;
        const READ: [Permission; 6] = [
            UsersRead,
            TeamsRead,
            AvailabilityRead,
            EventTypesRead,
            BookingsRead,
            ContactsRead,
        ];
        match self {
            Self::Owner | Self::Admin => Permissions::all(),
            Self::Member => READ
                .into_iter()
                .chain([
                    AvailabilityManage,
                    EventTypesManage,
                    BookingsManage,
                    ApiKeysManage,
                ])
                .collect(),
            Self::Viewer => READ.into_iter().collect(),
        }
    }
}

/// A capability: a marker type standing for one [`Permission`].
pub trait Capability {
    const PERMISSION: Permission;
}

/// The capability markers, one per permission.
pub mod can {
    use super::{Capability, Permission};

    macro_rules! capability {
        ($($(#[$meta:meta])* $name:ident => $perm:ident),* $(,)?) => {$(
            $(#[$meta])*
            #[derive(Debug)]
            pub enum $name {}
            impl Capability for $name {
                const PERMISSION: Permission = Permission::$perm;
            }
        )*};
    }

    capability! {
        /// `organization.manage`
        ManageOrganization => OrganizationManage,
        /// `users.read`
        ReadUsers => UsersRead,
        /// `users.manage`
        ManageUsers => UsersManage,
        /// `roles.manage`
        ManageRoles => RolesManage,
        /// `teams.read`
        ReadTeams => TeamsRead,
        /// `teams.manage`
        ManageTeams => TeamsManage,
        /// `api_keys.manage`
        ManageApiKeys => ApiKeysManage,
        /// `audit.read`
        ReadAudit => AuditRead,
        /// `availability.read`
        ReadAvailability => AvailabilityRead,
        /// `availability.manage`
        ManageAvailability => AvailabilityManage,
        /// `event_types.read`
        ReadEventTypes => EventTypesRead,
        /// `event_types.manage`
        ManageEventTypes => EventTypesManage,
        /// `bookings.read`
        ReadBookings => BookingsRead,
        /// `bookings.manage`
        ManageBookings => BookingsManage,
        /// `contacts.read`
        ReadContacts => ContactsRead,
        /// `bookings.read_all`
        ReadAllBookings => BookingsReadAll,
        /// `routing_forms.manage`
        ManageRoutingForms => RoutingFormsManage,
        /// `workflows.manage`
        ManageWorkflows => WorkflowsManage,
        /// `webhooks.manage`
        ManageWebhooks => WebhooksManage,
        /// `templates.manage`
        ManageTemplates => TemplatesManage,
    }
}

/// Proof that a scope holds capability `C`. Only [`Scope::grant`] makes one.
pub struct Granted<C: Capability> {
    scope: Scope,
    _capability: PhantomData<fn() -> C>,
}

impl<C: Capability> Granted<C> {
    /// The scope the grant was taken from (for reads and the audit actor).
    pub fn scope(&self) -> &Scope {
        &self.scope
    }
}

impl<C: Capability> Clone for Granted<C> {
    fn clone(&self) -> Self {
        Self {
            scope: self.scope.clone(),
            _capability: PhantomData,
        }
    }
}

impl<C: Capability> std::fmt::Debug for Granted<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Granted")
            .field("permission", &C::PERMISSION.codename())
            .field("scope", &self.scope)
            .finish()
    }
}

impl Scope {
    /// Capability `C`, if the scope's permissions include it.
    pub fn grant<C: Capability>(&self) -> Option<Granted<C>> {
        self.permissions().contains(C::PERMISSION).then(|| Granted {
            scope: self.clone(),
            _capability: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_roles_split_reading_from_managing() {
        let viewer = Role::Viewer.permissions();
        let member = Role::Member.permissions();
        for p in [
            Permission::AvailabilityRead,
            Permission::EventTypesRead,
            Permission::BookingsRead,
            Permission::ContactsRead,
        ] {
            assert!(viewer.contains(p) && member.contains(p), "{p:?}");
        }
        for p in [
            Permission::AvailabilityManage,
            Permission::EventTypesManage,
            Permission::BookingsManage,
        ] {
            assert!(!viewer.contains(p) && member.contains(p), "{p:?}");
        }
        // Acting for others, reading everyone's bookings and writing shared objects take
        // permissions that members and viewers lack.
        for p in [
            Permission::UsersManage,
            Permission::BookingsReadAll,
            Permission::RoutingFormsManage,
            Permission::WorkflowsManage,
            Permission::WebhooksManage,
            Permission::TemplatesManage,
        ] {
            assert!(!member.contains(p) && !viewer.contains(p), "{p:?}");
        }
        assert_eq!(Role::Admin.permissions(), Permissions::all());
    }

    #[test]
    fn codenames_round_trip() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_codename(p.codename()), Some(p));
        }
        assert_eq!(
            Permissions::from_codenames(&["teams.read", "nope"]),
            Err("nope".to_owned())
        );
        let set = Permissions::from_codenames(&["teams.read", "users.read"]).unwrap_or_default();
        assert_eq!(set.codenames(), vec!["users.read", "teams.read"]);
    }
}
