//! What a booking change causes, decided in one place and written in the change's own
//! transaction: the booking's event (its fan-out job, which sends the e-mails, webhook
//! deliveries and workflow runs), the reminders and follow-up that a confirmed booking has,
//! and the write-back to the host's calendar.
//!
//! Everything here is enqueued through the booking's [`Unit`], so it commits with the change
//! or not at all: a booking is never confirmed without its messages, nor announced without
//! being made.

use domain::booking_view::{AttendeeView, BookingView};
use domain::bookings::{Attendee, Booking, BookingStatus};
use domain::ids::{AttendeeId, BookingId, Timestamp};
use domain::preferences::{FOLLOW_UP_DELAY, REMINDER_LEAD};
use domain::workflows::RunPayload;
use jobs::ClaimedJob;
use serde_json::{Value, json};
use store::repo::bookings::BookingTx;
use store::repo::jobs::{
    BOOKING_EVENT_JOB, CALENDAR_WRITEBACK_JOB, FOLLOW_UP_JOB, HOST_REMINDER_JOB, NewJob,
    REMINDER_JOB,
};
use store::repo::workflows;
use store::{Db, Unit};

use crate::booking_mail::{self, BookingEvent};
use crate::calendar_identity::CalendarIdentity;

/// Events that e-mail the host and attendees (a follow-up only the attendees).
const EMAILED_EVENTS: [&str; 8] = [
    "booking.created",
    "booking.requested",
    "booking.confirmed",
    "booking.rejected",
    "booking.rescheduled",
    "booking.cancelled",
    REMINDER_JOB,
    FOLLOW_UP_JOB,
];

/// Messages a booking's scheduled jobs send: not changes to the booking, so no webhook
/// event and no workflow run (and their invitation carries the booking's SEQUENCE as it is).
const SCHEDULED_EVENTS: [&str; 2] = [REMINDER_JOB, FOLLOW_UP_JOB];

/// The jobs a confirmed booking has until it starts or ends.
const SCHEDULED: [&str; 3] = [REMINDER_JOB, HOST_REMINDER_JOB, FOLLOW_UP_JOB];

/// Scheduled jobs that follow a booking when it moves, and go when it is off: its own and
/// the workflows' timed actions.
const FOLLOWING: [&str; 4] = [
    REMINDER_JOB,
    HOST_REMINDER_JOB,
    FOLLOW_UP_JOB,
    workflows::SCHEDULED_JOB,
];

/// Records that `booking` changed by `event` (`booking.created`, `booking.cancelled`, ...):
/// queues the event's fan-out, keeps the scheduled jobs in step with the booking's status,
/// and queues the write-back when the host's calendar is involved.
pub async fn record(
    tx: &mut BookingTx,
    event: &str,
    booking: &Booking,
) -> Result<(), store::Error> {
    record_change(tx, event, booking, None).await
}

/// Records that `attendee` took a seat on the group booking `booking` (`invitee.created`) or
/// gave theirs up while others stay (`invitee.cancelled`): the booking's change, with the
/// attendee it was about named in the webhook payload.
pub async fn record_invitee(
    tx: &mut BookingTx,
    event: &str,
    booking: &Booking,
    attendee: AttendeeId,
) -> Result<(), store::Error> {
    record_change(tx, event, booking, Some(attendee)).await
}

async fn record_change(
    tx: &mut BookingTx,
    event: &str,
    booking: &Booking,
    attendee: Option<AttendeeId>,
) -> Result<(), store::Error> {
    // Read in the change's transaction: subscribers see the attendees as the change left them.
    let attendees = tx.attendees(booking.id).await?;
    let data = webhook_data(booking, attendees, attendee);
    let unit = tx.unit();
    unit.jobs()
        .enqueue(&fan_out_job(event, booking, data))
        .await?;
    keep_scheduled_in_step(unit, booking).await?;
    if unit.calendars().writeback_needed(booking).await? {
        unit.jobs().enqueue(&writeback_job(booking)).await?;
    }
    Ok(())
}

/// The `data` of a booking event's webhook body: the booking as the API represents it
/// (`GET /api/v1/bookings/{uid}`), and, for an `invitee.*` event, the attendee it is about.
pub(crate) fn webhook_data(
    booking: &Booking,
    attendees: Vec<Attendee>,
    about: Option<AttendeeId>,
) -> Value {
    let attendee = about.and_then(|id| {
        attendees
            .iter()
            .find(|a| a.id == id)
            .cloned()
            .map(AttendeeView::from)
    });
    let mut data = json!({ "booking": BookingView::new(booking.clone(), attendees) });
    if let Some(attendee) = attendee {
        data["attendee"] = json!(attendee);
    }
    data
}

/// The event whose e-mails and workflow runs `event` causes: a seat taken on a group booking
/// is, for the people on it and for workflows, the booking made for that attendee (as it was
/// before `invitee.created` had its own name); a seat given up sends nothing of its own.
fn as_booking_change(event: &str) -> &str {
    match event {
        "invitee.created" => "booking.created",
        other => other,
    }
}

/// Fans `event` out, in one unit of work with finishing `job` (the `booking.event` job, or
/// a reminder or follow-up): the webhook deliveries of a change, its e-mails, and the
/// workflow runs it triggers. `None` when the job's claim was lost (nothing is written), so
/// an event is fanned out exactly once.
pub async fn fan_out(
    db: &Db,
    job: &ClaimedJob,
    event: &BookingEvent<'_>,
) -> Result<Option<()>, store::Error> {
    let scheduled = SCHEDULED_EVENTS.contains(&event.name);
    let mut unit = db.begin_unit(job.organization_id).await?;
    if !scheduled {
        crate::webhooks::fan_out(
            &mut unit,
            event.name,
            Some(event.host),
            Some(event.event_type),
            event.webhook_payload,
        )
        .await?;
    }
    let change = BookingEvent {
        name: as_booking_change(event.name),
        ..event.clone()
    };
    if EMAILED_EVENTS.contains(&change.name) {
        booking_mail::queue(&mut unit, job, &change).await?;
    }
    if !scheduled {
        queue_workflow_runs(&mut unit, &change).await?;
    }
    if !unit.jobs().complete(job).await? {
        return Ok(None);
    }
    unit.commit().await?;
    Ok(Some(()))
}

/// Moves `old`'s pending scheduled jobs to `new` (a reschedule), at `new`'s times (the host's
/// reminder at `new`'s host's current lead time). Those whose new time is already past are
/// dropped.
pub async fn follow_reschedule(
    unit: &mut Unit,
    old: BookingId,
    new: &Booking,
) -> Result<(), store::Error> {
    let pending = unit.jobs().pending(old, &FOLLOWING).await?;
    if pending.is_empty() {
        return Ok(());
    }
    let now = Timestamp::now();
    let host_lead = unit
        .preferences()
        .of_user(new.host_user_id)
        .await?
        .reminder_lead();
    for job in pending {
        let (run_at, key) = if job.kind == workflows::SCHEDULED_JOB {
            // A delay after an event keeps its time; a timed trigger follows the booking.
            let at = workflows::timed_run_at(&job.payload, new.start_at, new.end_at)
                .unwrap_or(job.run_at);
            let workflow = job
                .payload
                .get("workflow_id")
                .and_then(Value::as_str)
                .and_then(|w| w.parse().ok());
            let key =
                workflow.map_or_else(|| new.id.0.to_string(), |w| workflows::job_key(w, new.id));
            (Some(at), key)
        } else {
            (run_at(&job.kind, new, host_lead), new.id.0.to_string())
        };
        match run_at.filter(|at| *at > now) {
            Some(at) => unit.jobs().retarget(job.id, new.id, at, &key).await?,
            None => unit.jobs().delete(job.id).await?,
        }
    }
    Ok(())
}

/// The fan-out job for `event` about `booking`, carrying the booking, its calendar identity
/// and the webhook body's `data` as they are now, so the messages describe the change even if
/// the booking changes again before they go out.
fn fan_out_job(event: &str, booking: &Booking, webhook_data: Value) -> NewJob {
    let mut job = NewJob::now(
        BOOKING_EVENT_JOB,
        json!({
            "event": event,
            "occurred_at": Timestamp::now(),
            "booking": booking,
            "calendar": CalendarIdentity::of(booking),
            "webhook_data": webhook_data,
        }),
    );
    job.booking_id = Some(booking.id);
    job
}

/// The write-back job for `booking`: it carries only the id, since the handler writes the
/// booking as it is when it runs (a later change's job then finds nothing left to do).
fn writeback_job(booking: &Booking) -> NewJob {
    let mut job = NewJob::now(CALENDAR_WRITEBACK_JOB, json!({ "booking_id": booking.id }));
    job.booking_id = Some(booking.id);
    job
}

/// Keeps a booking's scheduled jobs (reminders, follow-up) in step with its status: a
/// confirmed booking has them (once each: the key is the booking), a cancelled, rejected or
/// no-show one has none left pending. A time already past is not scheduled: a reminder for a
/// booking that starts in ten minutes would only repeat the confirmation.
async fn keep_scheduled_in_step(unit: &mut Unit, booking: &Booking) -> Result<(), store::Error> {
    match booking.status {
        BookingStatus::Confirmed => {
            let now = Timestamp::now();
            let host_lead = unit
                .preferences()
                .of_user(booking.host_user_id)
                .await?
                .reminder_lead();
            for kind in SCHEDULED {
                let Some(at) = run_at(kind, booking, host_lead).filter(|at| *at > now) else {
                    continue;
                };
                let mut job = NewJob::now(kind, json!({ "event": kind }));
                job.run_at = at;
                job.booking_id = Some(booking.id);
                job.idempotency_key = Some(booking.id.0.to_string());
                job.max_attempts = 8;
                unit.jobs().enqueue(&job).await?;
            }
        }
        BookingStatus::Cancelled | BookingStatus::Rejected | BookingStatus::NoShow => {
            unit.jobs().drop_pending(booking.id, &FOLLOWING).await?;
        }
        BookingStatus::Pending | BookingStatus::Rescheduled | BookingStatus::Completed => {}
    }
    Ok(())
}

/// When the scheduled job `kind` of `booking` runs; `host_lead` is how long before the start
/// its host wants their reminder.
fn run_at(kind: &str, booking: &Booking, host_lead: jiff::SignedDuration) -> Option<Timestamp> {
    let (start, end) = (booking.start_at.to_jiff(), booking.end_at.to_jiff());
    let at = match kind {
        REMINDER_JOB => start.checked_sub(REMINDER_LEAD).ok()?,
        HOST_REMINDER_JOB => start.checked_sub(host_lead).ok()?,
        FOLLOW_UP_JOB => end.checked_add(FOLLOW_UP_DELAY).ok()?,
        _ => return None,
    };
    Some(Timestamp::from(at))
}

/// Events that leave a booking confirmed: they schedule its timed workflows.
const CONFIRMING_EVENTS: [&str; 3] = [
    "booking.created",
    "booking.confirmed",
    "booking.rescheduled",
];

/// Queues, inside the fan-out's unit, the runs `event` causes: workflows triggered by it
/// (now, or `offset_minutes` later), and, when it leaves the booking confirmed, the
/// booking's timed workflows at their times (those already past are not scheduled).
async fn queue_workflow_runs(
    unit: &mut store::Unit,
    event: &BookingEvent<'_>,
) -> Result<(), store::Error> {
    use store::repo::workflows::{RUN_JOB, SCHEDULED_JOB, job_key, timed_run_at};
    let confirming = CONFIRMING_EVENTS.contains(&event.name);
    let triggered = unit.workflows().triggered(event.name, confirming).await?;
    let now = Timestamp::now();
    for workflow in triggered {
        let payload = serde_json::to_value(RunPayload {
            workflow_id: workflow.id,
            event: workflow.trigger,
            offset_minutes: workflow.offset_minutes,
        })
        .map_err(|e| store::Error::Corrupt(e.to_string()))?;
        let run_at = match timed_run_at(&payload, event.start_at, event.end_at) {
            Some(at) if at <= now => continue,
            Some(at) => at,
            None => now
                .to_jiff()
                .checked_add(jiff::SignedDuration::from_mins(i64::from(
                    workflow.offset_minutes,
                )))
                .map_or(now, Timestamp::from),
        };
        let kind = if run_at > now { SCHEDULED_JOB } else { RUN_JOB };
        let mut job = jobs::NewJob::now(kind, payload);
        job.run_at = run_at;
        job.booking_id = Some(event.booking_id);
        job.max_attempts = 5;
        job.idempotency_key = Some(job_key(workflow.id, event.booking_id));
        unit.jobs().enqueue(&job).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use domain::ids::{EventTypeId, OrganizationId, UserId};

    fn booking(start: &str, minutes: i64) -> Booking {
        let start: jiff::Timestamp = start.parse().unwrap_or_default();
        Booking {
            id: BookingId::new(),
            organization_id: OrganizationId::new(),
            event_type_id: EventTypeId::new(),
            host_user_id: UserId::new(),
            start_at: start.into(),
            end_at: (start + jiff::SignedDuration::from_mins(minutes)).into(),
            buffer_before_minutes: 0,
            buffer_after_minutes: 0,
            status: BookingStatus::Confirmed,
            seats_taken: 1,
            location: Value::Null,
            cancel_reason: None,
            rescheduled_from: None,
            rescheduled_to: None,
            calendar_root: BookingId::new(),
            calendar_sequence: 0,
            hosts: Vec::new(),
            created_at: Timestamp::now(),
            updated_at: Timestamp::now(),
        }
    }

    #[test]
    fn reminders_lead_the_start_and_the_follow_up_trails_the_end() {
        let b = booking("2027-03-01T10:00:00Z", 30);
        let at = |kind, lead| run_at(kind, &b, lead).map(|t| t.to_string());
        let hour = jiff::SignedDuration::from_mins(60);
        assert_eq!(
            at(REMINDER_JOB, hour).as_deref(),
            Some("2027-03-01T09:00:00Z")
        );
        // The host's own lead time, not the attendees'.
        assert_eq!(
            at(HOST_REMINDER_JOB, jiff::SignedDuration::from_mins(15)).as_deref(),
            Some("2027-03-01T09:45:00Z")
        );
        assert_eq!(
            at(FOLLOW_UP_JOB, hour).as_deref(),
            Some("2027-03-01T11:30:00Z")
        );
        assert_eq!(at("booking.event", hour), None);
    }
}
