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

use crate::scope::Scope;
use domain::access::Permission;

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
        /// `resources.read`
        ReadResources => ResourcesRead,
        /// `resources.book`
        BookResources => ResourcesBook,
        /// `resources.manage`
        ManageResources => ResourcesManage,
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
