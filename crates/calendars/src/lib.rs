#![forbid(unsafe_code)]
//! Calendar protocol adapters: CalDAV (RFC 4791, discovery RFC 6764, sync RFC 6578), ICS
//! feeds over HTTP, and Google Calendar and Microsoft Graph over OAuth 2.0. They take credentials and return calendar objects; no database. Every
//! request goes through the SSRF-guarded [`outbound::Client`].

pub mod caldav;
mod dav;
pub mod feed;
pub mod oauth;
pub mod providers;

pub use caldav::{CalDav, Calendar, Credentials, Resource, SyncChanges};
pub use feed::{FeedFetch, fetch_feed};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Outbound(#[from] outbound::Error),
    #[error("the server refused the credentials (HTTP {0})")]
    Unauthorized(u16),
    #[error("{what} answered HTTP {status}")]
    Status { what: &'static str, status: u16 },
    #[error("the resource changed on the server (HTTP 412)")]
    PreconditionFailed,
    #[error("the server's answer could not be read: {0}")]
    Malformed(String),
    #[error("no CalDAV calendars found at this address")]
    NoCalendars,
}

impl Error {
    /// A short, user-presentable reason (no secrets: URLs are not included).
    pub fn summary(&self) -> String {
        self.to_string()
    }

    pub(crate) fn status(what: &'static str, status: outbound::StatusCode) -> Self {
        match status.as_u16() {
            401 | 403 => Error::Unauthorized(status.as_u16()),
            412 => Error::PreconditionFailed,
            code => Error::Status { what, status: code },
        }
    }
}

#[cfg(feature = "test-support")]
pub mod testing;
