//! Repositories, one per aggregate. Each borrows the [`Db`] and takes a [`crate::Scope`]
//! (or an [`crate::Operator`]) on every method.

pub mod api_keys;
pub mod audit;
pub mod blocked_times;
pub mod bookings;
pub mod calendars;
pub mod contacts;
pub mod event_types;
pub mod jobs;
pub mod login_throttle;
pub mod messages;
pub mod organizations;
pub mod preferences;
pub mod public_profiles;
pub mod rate_limits;
pub mod resource_conflicts;
pub mod resource_quotas;
pub mod resources;
pub mod roles;
pub mod routing_forms;
pub mod schedules;
pub mod scheduling_defaults;
pub mod sessions;
pub mod teams;
pub mod templates;
pub mod tokens;
pub mod users;
pub mod webhooks;
pub mod workflows;

use crate::Db;

/// `$first, $first+1, …` for `count` values (`NULL` for none, which matches nothing in `IN`).
pub(crate) fn placeholders(first: usize, count: usize) -> String {
    if count == 0 {
        return "NULL".to_owned();
    }
    (first..first + count)
        .map(|n| format!("${n}"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl Db {
    /// Organizations: the tenants.
    pub fn organizations(&self) -> organizations::Organizations<'_> {
        organizations::Organizations { db: self }
    }

    /// Users of an organization.
    pub fn users(&self) -> users::Users<'_> {
        users::Users { db: self }
    }

    /// API keys, and authentication by key.
    pub fn api_keys(&self) -> api_keys::ApiKeys<'_> {
        api_keys::ApiKeys { db: self }
    }

    /// Weekly schedules with date overrides.
    pub fn schedules(&self) -> schedules::Schedules<'_> {
        schedules::Schedules { db: self }
    }

    /// Bookable resources, their groups and reservations.
    pub fn resources(&self) -> resources::Resources<'_> {
        resources::Resources { db: self }
    }

    /// The resource conflict log.
    pub fn resource_conflicts(&self) -> resource_conflicts::ResourceConflicts<'_> {
        resource_conflicts::ResourceConflicts { db: self }
    }

    /// Limits on how much each person reserves.
    pub fn resource_quotas(&self) -> resource_quotas::ResourceQuotas<'_> {
        resource_quotas::ResourceQuotas { db: self }
    }

    /// One-off periods a user cannot be booked.
    pub fn blocked_times(&self) -> blocked_times::BlockedTimes<'_> {
        blocked_times::BlockedTimes { db: self }
    }

    /// Bookable event definitions.
    pub fn event_types(&self) -> event_types::EventTypes<'_> {
        event_types::EventTypes { db: self }
    }

    /// Users' defaults for new event types.
    pub fn scheduling_defaults(&self) -> scheduling_defaults::SchedulingDefaultsRepo<'_> {
        scheduling_defaults::SchedulingDefaultsRepo { db: self }
    }

    /// Contacts: everyone who booked a host.
    pub fn contacts(&self) -> contacts::Contacts<'_> {
        contacts::Contacts { db: self }
    }

    /// Bookings and their attendees.
    pub fn bookings(&self) -> bookings::Bookings<'_> {
        bookings::Bookings { db: self }
    }

    /// The audit log.
    pub fn audit(&self) -> audit::Audit<'_> {
        audit::Audit { db: self }
    }

    /// Failed sign-ins per typed account and client address (before authentication).
    pub fn login_throttle(&self) -> login_throttle::LoginThrottle<'_> {
        login_throttle::LoginThrottle { db: self }
    }

    /// Web sessions.
    pub fn sessions(&self) -> sessions::Sessions<'_> {
        sessions::Sessions { db: self }
    }

    /// Custom roles.
    pub fn roles(&self) -> roles::Roles<'_> {
        roles::Roles { db: self }
    }

    /// Routing forms and their submissions.
    pub fn routing_forms(&self) -> routing_forms::RoutingForms<'_> {
        routing_forms::RoutingForms { db: self }
    }

    /// Names and branding that public pages show.
    pub fn public_profiles(&self) -> public_profiles::PublicProfiles<'_> {
        public_profiles::PublicProfiles { db: self }
    }

    /// Rate-limit counters shared by every process on this database.
    pub fn rate_limits(&self) -> rate_limits::RateLimits<'_> {
        rate_limits::RateLimits { db: self }
    }

    /// Teams and memberships.
    pub fn teams(&self) -> teams::Teams<'_> {
        teams::Teams { db: self }
    }

    /// The durable job queue.
    pub fn jobs(&self) -> jobs::Jobs<'_> {
        jobs::Jobs { db: self }
    }

    /// Webhook subscriptions, deliveries and attempts.
    pub fn webhooks(&self) -> webhooks::Webhooks<'_> {
        webhooks::Webhooks { db: self }
    }

    /// Booking events' fan-out and the notification log.
    pub fn workflows(&self) -> workflows::Workflows<'_> {
        workflows::Workflows { db: self }
    }

    pub fn messages(&self) -> messages::Messages<'_> {
        messages::Messages { db: self }
    }

    /// Users' notification preferences.
    pub fn preferences(&self) -> preferences::NotificationPreferences<'_> {
        preferences::NotificationPreferences { db: self }
    }

    /// Organizations' own message templates.
    pub fn templates(&self) -> templates::Templates<'_> {
        templates::Templates { db: self }
    }

    /// Calendar connections, their calendars, synced busy time, write-backs and feed URLs.
    pub fn calendar_connections(&self) -> calendars::CalendarConnections<'_> {
        calendars::CalendarConnections { db: self }
    }
}
