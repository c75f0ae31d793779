//! Text messages: queueing one as an `sms.send` job, and the job that sends it through the
//! configured provider and records the outcome in the notification log.
//!
//! Inside a store transaction (a fan-out that also writes other rows), queue with
//! [`store::repo::messages::queue_sms`]; on its own, with [`queue`].

use domain::ids::{BookingId, JobId};
use jobs::{BoxFuture, ClaimedJob, Handler, Outcome};
use notify::sms::{PhoneNumber, Sms, SmsAnswer, SmsError};
use store::repo::messages::{LogEntry, SmsMessage, sms_job};
use store::{Db, Scope};

use crate::ServiceError;

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
