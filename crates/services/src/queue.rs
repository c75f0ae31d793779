//! The organization's view of its background work: dead jobs, and retrying them.

use domain::ids::JobId;
use store::{Db, Scope, can};

use crate::ServiceError;

/// A job as the queue's views show it.
pub use store::repo::jobs::Job;

/// Dead jobs (out of attempts, or failed for good), most recent first.
pub async fn dead(
    db: &Db,
    scope: &Scope,
    before: Option<JobId>,
    limit: u32,
) -> Result<Vec<Job>, ServiceError> {
    scope
        .grant::<can::ManageOrganization>()
        .ok_or(ServiceError::Forbidden)?;
    Ok(db.jobs().dead(scope, before, limit.clamp(1, 100)).await?)
}

/// Gives a dead job a fresh set of attempts, due now. A job that is not dead is a conflict.
pub async fn retry(db: &Db, scope: &Scope, id: JobId) -> Result<Job, ServiceError> {
    let grant = scope
        .grant::<can::ManageOrganization>()
        .ok_or(ServiceError::Forbidden)?;
    Ok(db.jobs().retry_dead(&grant, id).await?)
}
