//! The write unit of work: one transaction on one organization, from which each repository
//! hands out a handle (`unit.jobs()`, `unit.preferences()`, `unit.calendars()`) that writes
//! and reads inside it.
//!
//! The handles are declared beside their SQL, in each repository (`impl Unit` blocks), so no
//! repository names another: a use case in `services` composes them, and everything it
//! writes commits or rolls back together.

use domain::ids::OrganizationId;

use crate::{Db, Error, Tx};

/// One organization's open write transaction (see the module docs).
#[derive(Debug)]
pub struct Unit {
    pub(crate) tx: Tx,
    pub(crate) org: OrganizationId,
}

impl Db {
    /// Opens a write unit of work on `org` (see [`Unit`]).
    pub async fn begin_unit(&self, org: OrganizationId) -> Result<Unit, Error> {
        Ok(Unit::new(self.begin_write(org).await?, org))
    }
}

impl Unit {
    pub(crate) fn new(tx: Tx, org: OrganizationId) -> Self {
        Self { tx, org }
    }

    /// The organization every handle of this unit works in.
    pub fn organization_id(&self) -> OrganizationId {
        self.org
    }

    /// Lets this unit commit without waiting for its WAL flush on PostgreSQL (for records
    /// whose loss to a database crash only repeats work, such as a delivery attempt).
    pub async fn flush_lazily(&mut self) -> Result<(), Error> {
        self.tx.flush_lazily().await
    }

    /// Makes every write of the unit durable.
    pub async fn commit(self) -> Result<(), Error> {
        self.tx.commit().await
    }
}
