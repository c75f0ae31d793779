//! Contacts: everyone who booked a host.

use store::repo::contacts::Contact;
use store::types::UserId;
use store::{Db, Scope, can};

use crate::ServiceError;

/// The organization's contacts, or one host's, most recent booking first (at most `limit`,
/// 1 to 500).
pub async fn list(
    db: &Db,
    scope: &Scope,
    owner: Option<UserId>,
    limit: u32,
) -> Result<Vec<Contact>, ServiceError> {
    crate::access::reading::<can::ReadContacts>(scope)?;
    Ok(db
        .contacts()
        .list(scope, owner, limit.clamp(1, 500))
        .await?)
}
