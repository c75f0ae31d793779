//! Repositories, one per aggregate. Each borrows the [`Db`] and takes a [`crate::Scope`]
//! (or an [`crate::Operator`]) on every method.

pub mod api_keys;
pub mod audit;
pub mod organizations;
pub mod users;

use crate::Db;

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

    /// The audit log.
    pub fn audit(&self) -> audit::Audit<'_> {
        audit::Audit { db: self }
    }
}
