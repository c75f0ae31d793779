#![forbid(unsafe_code)]
//! Persistence for Rendezvous. All SQL lives here.
//!
//! - [`Db`] is one pool on SQLite or PostgreSQL. Repositories write their SQL once, in the
//!   dialect both share (`$n` placeholders), and run it on either pool.
//! - [`types`] bridges the column types that differ (instants, ids, documents).
//! - Every repository method that touches tenant data takes a [`Scope`], which only
//!   authentication ([`repo::api_keys::ApiKeys::authenticate`]) or an [`Operator`] produce.
//! - [`migrations`] holds the two migration sets, kept at the same versions.

mod bookable;
mod db;
mod error;
pub mod migrations;
mod permission;
pub mod repo;
mod scope;
mod token;
pub mod types;
mod unit;

#[cfg(feature = "test-support")]
pub mod testing;

pub use bookable::Bookable;
pub use db::{Backend, ConnectOptions, CrossTenant, Db, PoolStats, SqliteDb, Tenant, Tx};
pub use error::{ConnectError, Error};
pub use permission::{Capability, Granted, can};
pub use repo::api_keys::IssuedApiKey;
pub use repo::organizations::{Founder, Founding};
pub use repo::sessions::{NewSession, Session, SessionScope, SignedIn};
pub use repo::teams::ManagedTeam;
pub use repo::users::LoginCandidate;
pub use scope::{AdminScope, Operator, Registration, Scope};
pub use token::{ApiKeyToken, ManageToken, SecretToken};
pub use unit::Unit;
