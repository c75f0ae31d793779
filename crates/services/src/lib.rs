#![forbid(unsafe_code)]
//! Use cases: book, reschedule, confirm, sync, deliver. Each opens the transaction, asks the
//! engine, writes through the store and queues work.
//!
//! Callers (web handlers, the CLI) parse input into the structs here and call one function;
//! validation and business rules live here so every caller gets the same answers.

mod access;
pub mod account_mail;
pub mod accounts;
mod answers;
pub mod api_keys;
pub mod audit;
pub mod auth;
mod auth_settings;
pub mod availability;
pub mod blocked_times;
pub mod booking_actions;
pub mod booking_events;
mod booking_facts;
pub mod booking_mail;
pub mod bookings;
mod calendar_context;
pub mod calendar_feed;
pub mod calendar_identity;
pub mod calendar_jobs;
pub mod calendar_oauth;
pub mod calendar_sync;
pub mod calendar_writeback;
pub mod contacts;
pub mod credentials;
mod engine_request;
mod error;
pub mod event_types;
mod fields;
pub mod host_choice;
pub mod lockout;
pub mod messages;
mod oauth_calendars;
mod oauth_providers;
pub mod organizations;
pub mod owner_notices;
pub mod passwords;
pub mod preferences;
pub mod public_pages;
pub mod queue;
pub mod rate_limit;
pub mod resource_quotas;
pub mod resource_release;
pub mod resource_rules;
pub mod resources;
pub mod roles;
pub mod routing;
pub mod schedules;
pub mod scheduling_defaults;
pub mod signup;
pub mod sms;
mod team_booking;
pub mod team_event_types;
pub mod teams;
pub mod templates;
pub mod users;
pub mod validate;
pub mod webhooks;
pub mod workers;
pub mod workflows;

/// What signing in takes and gives.
pub use accounts::ClientInfo;
pub use error::{FieldError, ServiceError};
pub use store::SignedIn;
/// What callers pass back in: the database handle, the capability an authentication
/// produced, and the permission markers a page may ask about. Callers name these here, not
/// in store.
pub use store::{Db, Scope, can};
