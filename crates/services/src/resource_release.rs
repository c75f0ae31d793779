//! Check-in and automatic release: a resource may require someone to check in to a
//! reservation (LibreBooking's check-in); a reservation nobody checked in to is cancelled
//! `release_after_minutes` after its start by a job queued when it was made
//! ([`crate::resources::release_job`]), and the resource is free again for whoever comes.

use domain::access::Actor;
use domain::ids::{OrganizationId, ReservationId, Timestamp};
use domain::resources::{Reservation, ReservationStatus};
use jobs::{BoxFuture, ClaimedJob, Handler, Outcome};
use store::{Db, Scope};

use crate::ServiceError;

/// How long before its start one may check in to a reservation.
pub const CHECK_IN_OPENS_MINUTES: i64 = 15;

/// Checks in to a reservation: one's own, or anyone's for those who manage resources, from
/// 15 minutes before its start until its end, once it is confirmed. Checking in twice keeps
/// the first time.
pub async fn check_in(
    db: &Db,
    scope: &Scope,
    id: ReservationId,
) -> Result<Reservation, ServiceError> {
    let existing = crate::resources::reservation(db, scope, id).await?;
    let now = Timestamp::now();
    let opens = existing
        .start_at
        .plus(jiff::SignedDuration::from_mins(-CHECK_IN_OPENS_MINUTES));
    if existing.status != ReservationStatus::Confirmed {
        return Err(ServiceError::InvalidTransition {
            from: existing.status.as_str(),
            to: "checked_in",
        });
    }
    if now < opens || now >= existing.end_at {
        return Err(ServiceError::field(
            "/status",
            "not_now",
            "check-in opens 15 minutes before the start and closes at the end",
        ));
    }
    if existing.checked_in_at.is_some() {
        return Ok(existing);
    }
    let mut unit = db.begin_unit(scope.organization_id()).await?;
    unit.reservations().lock(&existing.resource_ids).await?;
    let checked = unit
        .reservations()
        .check_in(scope.actor(), scope.ip(), id, now)
        .await?;
    unit.commit().await?;
    Ok(checked)
}

/// Releases a reservation if nobody checked in to it: cancelled, with the reason said.
/// Answers whether it did.
pub async fn release(
    db: &Db,
    organization: OrganizationId,
    id: ReservationId,
) -> Result<bool, ServiceError> {
    let mut unit = db.begin_unit(organization).await?;
    let reservation = match unit.reservations().get(id).await {
        Ok(found) => found,
        Err(store::Error::NotFound(_)) => return Ok(false),
        Err(e) => return Err(e.into()),
    };
    unit.reservations().lock(&reservation.resource_ids).await?;
    let current = unit.reservations().get(id).await?;
    if !current.status.is_active() || current.checked_in_at.is_some() {
        return Ok(false);
    }
    unit.reservations()
        .set_status(
            Actor::System,
            None,
            id,
            ReservationStatus::Cancelled,
            Some("Released: nobody checked in".to_owned()),
        )
        .await?;
    unit.commit().await?;
    tracing::info!(reservation = %id, "released: nobody checked in");
    Ok(true)
}

/// Runs [`crate::resources::RELEASE_JOB`].
#[derive(Debug)]
pub struct ReleaseHandler {
    pub db: Db,
}

impl Handler for ReleaseHandler {
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let Some(id) = job
                .payload
                .get("reservation_id")
                .cloned()
                .and_then(|v| serde_json::from_value::<ReservationId>(v).ok())
            else {
                return Outcome::Dead {
                    error: "payload has no reservation_id".to_owned(),
                };
            };
            match release(&self.db, job.organization_id, id).await {
                Ok(_) => Outcome::Succeeded,
                Err(e) => Outcome::Retry {
                    error: e.to_string(),
                    at: None,
                },
            }
        })
    }
}
