//! Someone a message goes to or names: an account holder, an attendee, an owner.

use serde::{Deserialize, Serialize};

/// Someone an e-mail goes to, or who is named in it: enough to address them and to show
/// times in their zone.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "sqlx", derive(sqlx::FromRow))]
pub struct Person {
    pub name: String,
    pub email: String,
    pub time_zone: String,
}
