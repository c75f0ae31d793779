#![forbid(unsafe_code)]
//! Use cases: book, reschedule, confirm, sync, deliver. Each opens the transaction, asks the
//! engine, writes through the store and queues work.
//!
//! Callers (web handlers, the CLI) parse input into the structs here and call one function;
//! validation and business rules live here so every caller gets the same answers.

pub mod api_keys;
pub mod auth;
mod error;
pub mod organizations;
pub mod passwords;
pub mod rate_limit;
pub mod roles;
pub mod teams;
pub mod users;
mod validate;

pub use error::{FieldError, ServiceError};
