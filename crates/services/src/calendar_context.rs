//! What calendar work shares: its context (HTTP client, keys, sync interval, OAuth
//! providers), the time window it reads, and how a calendar-side failure is told apart from a
//! database error.

use std::time::Duration;

use domain::ids::{OrganizationId, Timestamp, UserId};

use crate::credentials::Keyring;
use crate::oauth_providers::OAuthSettings;

/// What calendar work needs besides the database: the SSRF-guarded HTTP client and the keys
/// that open stored passwords.
#[derive(Clone, Debug)]
pub struct CalendarContext {
    pub http: outbound::Client,
    pub keys: Keyring,
    /// How often each connection is synced in the background; `None`: never (only on
    /// demand).
    pub sync_every: Option<Duration>,
    /// The OAuth providers (Google, Microsoft) this server is registered with.
    pub oauth: OAuthSettings,
    /// The `public_url` setting (no trailing slash): written-back events link to the
    /// booking in the dashboard when it is set.
    pub public_url: Option<String>,
}

impl CalendarContext {
    /// Background sync every [`DEFAULT_SYNC_EVERY`].
    pub fn new(http: outbound::Client, keys: Keyring) -> Self {
        Self {
            http,
            keys,
            sync_every: Some(DEFAULT_SYNC_EVERY),
            oauth: OAuthSettings::default(),
            public_url: None,
        }
    }

    /// When a connection's next background sync is due, counting from now.
    pub fn next_sync_at(&self) -> Option<Timestamp> {
        let every = self.sync_every?;
        Some(Timestamp::now().plus(jiff::SignedDuration::try_from(every).ok()?))
    }
}

/// The background sync interval unless configured (`calendar_sync_interval_secs`).
pub const DEFAULT_SYNC_EVERY: Duration = Duration::from_secs(300);

/// The period a sync reads busy time in.
pub(crate) type Window = (Timestamp, Timestamp);

/// What a user's secrets are sealed to: their organization and them.
pub(crate) fn context_of(org: OrganizationId, user: UserId) -> Vec<u8> {
    let mut context = org.0.as_bytes().to_vec();
    context.extend_from_slice(user.0.as_bytes());
    context
}

/// What went wrong in one sync, for the connection's status and log.
pub(crate) struct Failure(String);

impl Failure {
    pub(crate) fn new(reason: impl Into<String>) -> Self {
        Failure(reason.into())
    }

    pub(crate) fn into_reason(self) -> String {
        self.0
    }
}

impl From<calendars::Error> for Failure {
    fn from(e: calendars::Error) -> Self {
        Failure(e.summary())
    }
}
