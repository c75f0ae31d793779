//! Reading the audit log (`audit.read`).

use domain::audit::{AuditEntry, AuditFilter};
use store::{Db, Scope, can};

use crate::ServiceError;

/// Entries matching `filter`, newest first; `limit` is clamped to 1..=200.
pub async fn search(
    db: &Db,
    scope: &Scope,
    filter: AuditFilter,
) -> Result<Vec<AuditEntry>, ServiceError> {
    let grant = scope
        .grant::<can::ReadAudit>()
        .ok_or(ServiceError::Forbidden)?;
    if let (Some(from), Some(until)) = (filter.from, filter.until)
        && until <= from
    {
        return Err(ServiceError::field(
            "/until",
            "range",
            "must be after `from`",
        ));
    }
    let limit = filter.limit.clamp(1, 200);
    Ok(db
        .audit()
        .search(&grant, &AuditFilter { limit, ..filter })
        .await?)
}
