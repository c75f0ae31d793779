//! Contacts: everyone who booked a host.

use domain::contacts::Contact;
use domain::ids::UserId;
use store::{Db, Scope, can};

use crate::ServiceError;

/// The contacts the scope may read (its own and those of the team event types it hosts for;
/// everyone's with `bookings.read_all`), or one host's of those, most recent booking first
/// (at most `limit`, 1 to 500).
pub async fn list(
    db: &Db,
    scope: &Scope,
    owner: Option<UserId>,
    limit: u32,
) -> Result<Vec<Contact>, ServiceError> {
    let (_, reach) = crate::access::reaching::<can::ReadContacts>(scope)?;
    Ok(db
        .contacts()
        .list(scope, owner, reach, limit.clamp(1, 500))
        .await?)
}
