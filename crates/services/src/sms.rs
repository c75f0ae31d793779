//! Text messages: the `sms.send` job that carries one, queueing it, and the job's handler,
//! which sends it through the configured provider and records the outcome in the
//! notification log.
//!
//! Inside a unit of work (a change that also writes other rows), queue with [`queue_in`];
//! on its own, with [`queue`].

use domain::ids::{BookingId, JobId};
use jobs::{BoxFuture, ClaimedJob, Handler, NewJob, Outcome};
use notify::sms::{PhoneNumber, Sms, SmsAnswer, SmsError};
use serde::{Deserialize, Serialize};
use store::repo::messages::LogEntry;
use store::{Db, Scope, Unit};

use crate::ServiceError;

/// The job kind that sends one text message.
pub const SMS_JOB: &str = "sms.send";

/// One text message to one number (the `sms.send` job's payload). The body is final: it was
/// rendered when the message was queued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmsMessage {
    /// The number in E.164 form (`+14155550123`); checked again when sent.
    pub to: String,
    pub body: String,
    /// What the message is about, for the notification log: `booking.reminder`,
    /// `workflow.action`, ...
    pub event: String,
    /// The booking it is about, if any.
    pub booking_id: Option<BookingId>,
}

/// The job that sends `message`. `idempotency_key`, when given, makes queueing the same
/// message twice (a retried cause) send it once.
pub fn sms_job(
    message: &SmsMessage,
    idempotency_key: Option<String>,
) -> Result<NewJob, store::Error> {
    let mut job = NewJob::now(
        SMS_JOB,
        serde_json::to_value(message).map_err(|e| store::Error::Corrupt(e.to_string()))?,
    );
    job.booking_id = message.booking_id;
    job.max_attempts = 8;
    job.idempotency_key = idempotency_key;
    Ok(job)
}

/// Queues `message` inside `unit`, so it goes out exactly when the change that caused it
/// commits. `None` for a repeated idempotency key.
pub async fn queue_in(
    unit: &mut Unit,
    message: &SmsMessage,
    idempotency_key: Option<String>,
) -> Result<Option<JobId>, store::Error> {
    unit.jobs()
        .enqueue(&sms_job(message, idempotency_key)?)
        .await
}

/// A text message to queue.
#[derive(Clone, Debug)]
pub struct OutgoingSms {
    /// A phone number as typed; queued in E.164 form.
    pub to: String,
    pub body: String,
    /// What it is about, for the notification log (`booking.reminder`, ...).
    pub event: String,
    pub booking_id: Option<BookingId>,
    /// Queueing the same key again sends nothing more (a retried cause).
    pub idempotency_key: Option<String>,
}

/// Checks `sms` and queues it for the scope's organization. Refuses a number that is not
/// E.164 (`/to`) and an empty or overlong body (`/body`). `None`: the idempotency key was
/// already queued.
pub async fn queue(
    db: &Db,
    scope: &Scope,
    sms: OutgoingSms,
) -> Result<Option<JobId>, ServiceError> {
    let to = crate::validate::phone_number("/to", &sms.to)?;
    if sms.body.trim().is_empty() || sms.body.chars().count() > notify::sms::MAX_BODY_CHARS {
        return Err(ServiceError::field(
            "/body",
            "length",
            format!("must be 1 to {} characters", notify::sms::MAX_BODY_CHARS),
        ));
    }
    let message = SmsMessage {
        to: to.into(),
        body: sms.body,
        event: sms.event,
        booking_id: sms.booking_id,
    };
    Ok(db
        .jobs()
        .enqueue(scope, &sms_job(&message, sms.idempotency_key)?)
        .await?)
}

/// Runs `sms.send` jobs. Without a provider (`sms_provider = none`) the message is logged
/// failed and the job dead, so it can be retried once a provider is configured.
#[derive(Clone, Debug)]
pub struct SmsHandler {
    pub db: Db,
    pub sms: Option<Sms>,
}

impl Handler for SmsHandler {
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let message: SmsMessage = match serde_json::from_value(job.payload.clone()) {
                Ok(message) => message,
                Err(e) => {
                    return Outcome::Dead {
                        error: format!("payload: {e}"),
                    };
                }
            };
            let result = match (&self.sms, PhoneNumber::parse(&message.to)) {
                (_, Err(invalid)) => Err(SmsError::Invalid(format!("{:?} {invalid}", message.to))),
                (None, Ok(_)) => Err(SmsError::Invalid(
                    "no SMS provider is configured (sms_provider = none)".to_owned(),
                )),
                (Some(sms), Ok(to)) => sms.send(&to, &message.body).await,
            };
            // A transient failure is retried without a log row, except on the last try: the
            // log then says the message did not go out.
            let (outcome, logged) = match result {
                Ok(answer) => (Outcome::Succeeded, Ok(answer)),
                Err(error) if error.is_transient() => {
                    let retry = Outcome::Retry {
                        error: error.to_string(),
                        at: None,
                    };
                    if !job.is_last_attempt() {
                        return retry;
                    }
                    (retry, Err(error))
                }
                Err(error) => (
                    Outcome::Dead {
                        error: error.to_string(),
                    },
                    Err(error),
                ),
            };
            log(&self.db, job, &message, &logged).await;
            outcome
        })
    }
}

/// Records one message's outcome; a failure to record is only logged (the message went).
async fn log(
    db: &Db,
    job: &ClaimedJob,
    message: &SmsMessage,
    result: &Result<SmsAnswer, SmsError>,
) {
    let (sent, response, external_id) = match result {
        Ok(answer) => (true, answer.status.clone(), answer.message_id.as_deref()),
        Err(error) => (false, error.to_string(), None),
    };
    let entry = LogEntry {
        channel: "sms",
        event: &message.event,
        recipient: &message.to,
        booking_id: message.booking_id,
        sent,
        provider_response: &response,
        external_id,
    };
    if let Err(error) = db.messages().log(job.organization_id, &entry).await {
        tracing::warn!(%error, "writing the notification log failed");
    }
}
