//! A user's defaults for new event types.

use domain::ids::UserId;
use domain::scheduling_defaults::SchedulingDefaults;
use store::{Db, Scope, can};

use crate::ServiceError;
use crate::fields::Invalid;

pub async fn get(
    db: &Db,
    scope: &Scope,
    user: Option<UserId>,
) -> Result<SchedulingDefaults, ServiceError> {
    let (_, user) = crate::access::reading_for::<can::ReadEventTypes>(db, scope, user).await?;
    Ok(db.scheduling_defaults().get(scope, user).await?)
}

pub async fn set(
    db: &Db,
    scope: &Scope,
    user: Option<UserId>,
    new: SchedulingDefaults,
) -> Result<SchedulingDefaults, ServiceError> {
    let (grant, user) = crate::access::acting_for::<can::ManageEventTypes>(db, scope, user).await?;
    let mut invalid = Invalid::default();
    for (name, value) in [
        ("buffer_before_minutes", new.buffer_before_minutes),
        ("buffer_after_minutes", new.buffer_after_minutes),
    ] {
        invalid.check(
            (0..=1440).contains(&value),
            &format!("/{name}"),
            "range",
            "must be 0 to 1440",
        );
    }
    invalid.check(
        (0..=525_600).contains(&new.minimum_notice_minutes),
        "/minimum_notice_minutes",
        "range",
        "must be 0 to 525600",
    );
    if let Some(interval) = new.interval_minutes {
        invalid.check(
            (1..=1440).contains(&interval),
            "/interval_minutes",
            "range",
            "must be 1 to 1440",
        );
    }
    invalid.finish()?;
    Ok(db.scheduling_defaults().set(&grant, user, new).await?)
}
