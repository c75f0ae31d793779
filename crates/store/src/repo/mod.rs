//! Repositories, one per aggregate. Each borrows the [`Db`] and takes a [`crate::Scope`]
//! (or an [`crate::Operator`]) on every method.

pub mod accounts;
pub mod api_keys;
pub mod audit;
pub mod organizations;
pub mod roles;
pub mod sessions;
pub mod teams;
pub mod tokens;
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

    /// Sign-in, passwords and e-mailed tokens (before authentication).
    pub fn accounts(&self) -> accounts::Accounts<'_> {
        accounts::Accounts { db: self }
    }

    /// Web sessions.
    pub fn sessions(&self) -> sessions::Sessions<'_> {
        sessions::Sessions { db: self }
    }

    /// Custom roles.
    pub fn roles(&self) -> roles::Roles<'_> {
        roles::Roles { db: self }
    }

    /// Teams and memberships.
    pub fn teams(&self) -> teams::Teams<'_> {
        teams::Teams { db: self }
    }
}
