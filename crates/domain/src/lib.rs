#![forbid(unsafe_code)]
//! The domain of Rendezvous: what a booking, an event type, a schedule or a webhook *is*, and
//! the pure rules on them (which status may follow which, when a preference delays a message,
//! why a time cannot be booked). No I/O: `store` maps rows to these types, `services` decides
//! with them, `web` shows them.

pub mod access;
pub mod api_keys;
pub mod audit;
pub mod blocked_times;
pub mod booking_view;
pub mod bookings;
pub mod calendars;
pub mod contacts;
pub mod event_types;
pub mod ids;
pub mod organizations;
pub mod people;
pub mod preferences;
pub mod public_profiles;
pub mod refusals;
pub mod resources;
pub mod roles;
pub mod routing;
pub mod schedules;
pub mod scheduling_defaults;
pub mod team_event_types;
pub mod teams;
pub mod templates;
pub mod tokens;
pub mod users;
pub mod webhooks;
pub mod workflows;
