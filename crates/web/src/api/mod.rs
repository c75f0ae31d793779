//! The JSON API, `/api/v1`. One module per resource; each handler parses, calls one service
//! function and renders. No rules, no SQL.

pub mod accounts;
pub mod blocked_times;
pub mod bookings;
pub mod calendars;
pub mod contacts;
pub mod event_types;
pub mod jobs;
pub mod me;
pub mod organization;
pub mod preferences;
pub mod public;
pub mod resource_quotas;
pub mod resources;
pub mod routing_forms;
pub mod schedules;
pub mod team_event_types;
pub mod templates;
pub mod webhooks;
pub mod workflows;

/// Instants in API bodies: RFC 3339 in UTC, e.g. `2026-11-22T10:00:00Z`.
pub(crate) fn instant(ts: domain::ids::Timestamp) -> String {
    ts.to_jiff().to_string()
}
