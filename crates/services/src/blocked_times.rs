//! Blocked times: one-off periods a user cannot be booked.

use domain::blocked_times::{BlockedTime, NewBlockedTime};
use domain::ids::{BlockedTimeId, Timestamp, UserId};
use store::{Db, Scope, can};

use crate::ServiceError;
use crate::fields::Invalid;

#[derive(Clone, Debug)]
pub struct BlockInput {
    /// Whose time; `None` is the caller.
    pub user_id: Option<UserId>,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub reason: String,
}

pub async fn create(
    db: &Db,
    scope: &Scope,
    input: BlockInput,
) -> Result<BlockedTime, ServiceError> {
    let (grant, user_id) =
        crate::access::acting_for::<can::ManageAvailability>(db, scope, input.user_id).await?;
    let mut invalid = Invalid::default();
    invalid.check(
        input.start_at < input.end_at,
        "/end_at",
        "order",
        "must be after start_at",
    );
    invalid.check(
        input.reason.chars().count() <= 500,
        "/reason",
        "length",
        "must be at most 500 characters",
    );
    invalid.finish()?;
    let new = NewBlockedTime {
        user_id,
        start_at: input.start_at,
        end_at: input.end_at,
        source: "manual".to_owned(),
        external_id: None,
        reason: input.reason.trim().to_owned(),
    };
    Ok(db.blocked_times().create(&grant, new).await?)
}

/// A user's blocked times that overlap `[from, until)`.
pub async fn list(
    db: &Db,
    scope: &Scope,
    user_id: Option<UserId>,
    from: Timestamp,
    until: Timestamp,
) -> Result<Vec<BlockedTime>, ServiceError> {
    let (_, user_id) =
        crate::access::reading_for::<can::ReadAvailability>(db, scope, user_id).await?;
    Ok(db
        .blocked_times()
        .overlapping(scope, user_id, from, until)
        .await?)
}

pub async fn delete(db: &Db, scope: &Scope, id: BlockedTimeId) -> Result<(), ServiceError> {
    let existing = db.blocked_times().get(scope, id).await?;
    let (grant, _) =
        crate::access::acting_for::<can::ManageAvailability>(db, scope, Some(existing.user_id))
            .await?;
    Ok(db.blocked_times().delete(&grant, id).await?)
}
