//! Tuning of sign-in protection, sessions, tokens and rate limits: what the operator
//! configures, read by sign-in, invitations, sign-up and the public booking throttles.

use std::sync::Arc;
use std::time::Duration;

use crate::ServiceError;
use crate::rate_limit::{InMemoryLimiter, Limit, RateLimiter};

/// Tuning of sign-in protection, sessions and tokens.
#[derive(Clone, Debug)]
pub struct AuthSettings {
    /// Failed sign-ins at one account from one client address before that address backs
    /// off (default 5).
    pub max_failed_logins: u32,
    /// The first backoff (default 15 minutes); each further failure doubles it, up to
    /// `max_backoff`.
    pub lockout: Duration,
    /// The longest backoff of one address (default 24 hours).
    pub max_backoff: Duration,
    /// Failed sign-ins at one account from all addresses, since its last sign-in, that lock
    /// it until its owner unlocks it by e-mail or resets the password (default 20).
    pub account_lock_failures: u32,
    /// How long an account lock lasts if nobody lifts it (default 24 hours).
    pub account_lock: Duration,
    /// How long a session lives (default 14 days).
    pub session_ttl: Duration,
    /// Sign-in attempts per client address (default 20 a minute).
    pub login_per_ip: Limit,
    /// Sign-in attempts per organization, e-mail and client address (default 10 a
    /// minute). Per address too, so that nobody can use it to keep the owner out.
    pub login_per_account: Limit,
    /// Password reset requests per client address (default 5 an hour).
    pub reset_per_ip: Limit,
    /// Password reset requests per organization and e-mail (default 3 an hour).
    pub reset_per_account: Limit,
    /// Public bookings per client address (default 30 a minute).
    pub booking_per_ip: Limit,
    /// Public bookings per event type, from everyone (default 60 a minute).
    pub booking_per_event_type: Limit,
    /// Requests with a booking's manage token per client address (default 60 a minute).
    pub manage_per_ip: Limit,
    /// How long a reset link is good (default 1 hour).
    pub reset_ttl: Duration,
    /// How long an invitation is good (default 7 days).
    pub invite_ttl: Duration,
    /// Where the counters live.
    pub limiter: Arc<dyn RateLimiter>,
    /// Whether anyone may found an organization through sign-up (default true).
    pub open_signup: bool,
    /// Sign-ups per client address (default 5 an hour).
    pub signup_per_ip: Limit,
}

impl Default for AuthSettings {
    fn default() -> Self {
        let minute = Duration::from_secs(60);
        let hour = Duration::from_secs(3600);
        Self {
            max_failed_logins: 5,
            lockout: Duration::from_secs(15 * 60),
            max_backoff: Duration::from_secs(24 * 3600),
            account_lock_failures: 20,
            account_lock: Duration::from_secs(24 * 3600),
            session_ttl: Duration::from_secs(14 * 24 * 3600),
            login_per_ip: Limit {
                max: 20,
                per: minute,
            },
            login_per_account: Limit {
                max: 10,
                per: minute,
            },
            reset_per_ip: Limit { max: 5, per: hour },
            reset_per_account: Limit { max: 3, per: hour },
            booking_per_ip: Limit {
                max: 30,
                per: minute,
            },
            booking_per_event_type: Limit {
                max: 60,
                per: minute,
            },
            manage_per_ip: Limit {
                max: 60,
                per: minute,
            },
            reset_ttl: hour,
            invite_ttl: Duration::from_secs(7 * 24 * 3600),
            limiter: Arc::new(InMemoryLimiter::default()),
            open_signup: true,
            signup_per_ip: Limit { max: 5, per: hour },
        }
    }
}

pub(crate) fn signed(d: Duration) -> jiff::SignedDuration {
    jiff::SignedDuration::try_from(d).unwrap_or(jiff::SignedDuration::MAX)
}

pub(crate) async fn limit(
    settings: &AuthSettings,
    key: &str,
    l: Limit,
) -> Result<(), ServiceError> {
    settings
        .limiter
        .hit(key, l)
        .await
        .map_err(|wait| ServiceError::RateLimited {
            retry_after_secs: wait.as_secs().max(1),
        })
}
