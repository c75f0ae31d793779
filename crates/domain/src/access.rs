//! Who acts, and what they may do: roles, permissions and how far a read reaches.

use crate::ids::{ApiKeyId, SessionId, UserId};

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

    /// The role spelled `s` (its stored spelling), if there is one.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "owner" => Self::Owner,
            "admin" => Self::Admin,
            "member" => Self::Member,
            "viewer" => Self::Viewer,
            _ => return None,
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
    Attendee { attendee_id: crate::ids::AttendeeId },
    /// Background work: a job claimed by a worker, acting on what its payload names.
    System,
}

impl Actor {
    pub fn kind(self) -> &'static str {
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
    pub fn id(self) -> Option<uuid::Uuid> {
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
    pub fn on_behalf_of(self) -> Option<UserId> {
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
    pub fn real_user_id(self) -> Option<UserId> {
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
    /// See the organization's resources (hidden ones need `resources.manage`).
    ResourcesRead,
    /// Reserve resources, and see and cancel one's own reservations.
    ResourcesBook,
    /// Create, change and delete resources and their groups; see, approve, reject and cancel
    /// every reservation.
    ResourcesManage,
}

impl Permission {
    /// Every permission, in codename order of declaration.
    pub const ALL: [Permission; 23] = [
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
        Self::ResourcesRead,
        Self::ResourcesBook,
        Self::ResourcesManage,
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
            Self::ResourcesRead => "resources.read",
            Self::ResourcesBook => "resources.book",
            Self::ResourcesManage => "resources.manage",
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

    /// The permissions among stored codenames that this version knows. A codename a newer
    /// version stored is left out rather than failing: a key or a custom role keeps working,
    /// with at most the rights this version can name.
    pub fn known<S: AsRef<str>>(names: &[S]) -> Self {
        names
            .iter()
            .filter_map(|n| Permission::from_codename(n.as_ref()))
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

/// A user's effective permissions: their built-in role's, plus those of their custom role
/// (its stored codenames), when they have one. Unknown codenames are ignored
/// ([`Permissions::known`]) rather than failing sign-in.
pub fn effective(role: Role, custom: Option<&[String]>) -> Permissions {
    role.permissions()
        .union(Permissions::known(custom.unwrap_or_default()))
}

impl Role {
    /// What the built-in role allows. Owners and admins may do everything. Members read
    /// the directory, event types and availability, and read and manage their own bookings,
    /// contacts and routing forms (acting for someone else needs `users.manage`, reading
    /// everyone's bookings `bookings.read_all`, and the organization's shared objects their
    /// own `*.manage`: only owners and admins have those). Viewers only read.
    pub fn permissions(self) -> Permissions {
        use Permission::*;
        const READ: [Permission; 7] = [
            UsersRead,
            TeamsRead,
            AvailabilityRead,
            EventTypesRead,
            BookingsRead,
            ContactsRead,
            ResourcesRead,
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
                    ResourcesBook,
                ])
                .collect(),
            Self::Viewer => READ.into_iter().collect(),
        }
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

    #[test]
    fn a_custom_role_adds_to_the_built_in_one_and_unknown_names_are_ignored() {
        assert_eq!(effective(Role::Viewer, None), Role::Viewer.permissions());
        let custom = vec!["teams.manage".to_owned(), "from.a.newer.version".to_owned()];
        let granted = effective(Role::Viewer, Some(&custom));
        assert!(granted.contains(Permission::TeamsManage));
        assert_eq!(
            granted,
            Role::Viewer
                .permissions()
                .union([Permission::TeamsManage].into_iter().collect())
        );
        assert_eq!(
            Permissions::known(&["users.read", "nope"]),
            [Permission::UsersRead].into_iter().collect()
        );
    }
}
