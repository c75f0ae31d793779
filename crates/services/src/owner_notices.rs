//! Notices to an organization's owners about something that happened without them (a
//! webhook subscription turned off after its deliveries kept failing): one `email.notice`
//! job per active owner, queued in the transaction that made the change.

use domain::people::Person;
use jobs::NewJob;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::Unit;

/// The job kind that e-mails one notice to one of an organization's owners.
pub const NOTICE_JOB: &str = "email.notice";

/// A notice to an organization's owner (the `email.notice` job's payload).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct OwnerNotice {
    /// `webhook.disabled`, ...
    pub kind: String,
    pub recipient: Person,
    pub organization: String,
    /// What the notice's template shows.
    pub data: Value,
}

/// Queues notice `kind` with `data` for each active owner of the unit's organization.
pub(crate) async fn notify_owners(
    unit: &mut Unit,
    kind: &str,
    data: Value,
) -> Result<(), store::Error> {
    let owners = unit.messages().active_owners().await?;
    let organization = unit.messages().organization_name().await?;
    for owner in owners {
        let notice = OwnerNotice {
            kind: kind.to_owned(),
            recipient: owner,
            organization: organization.clone(),
            data: data.clone(),
        };
        let mut job = NewJob::now(
            NOTICE_JOB,
            serde_json::to_value(&notice).map_err(|e| store::Error::Corrupt(e.to_string()))?,
        );
        job.max_attempts = 8;
        unit.jobs().enqueue(&job).await?;
    }
    Ok(())
}
