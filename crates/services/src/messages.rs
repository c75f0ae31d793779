//! Booking events become messages: the `booking.event` job fans out to webhooks and e-mails
//! (exactly once, in one transaction), and `email.booking` jobs send one e-mail each, with an
//! iMIP invitation, through SMTP, or, to a host who prefers SMS, queue one text message.
//! `email.account` jobs send an account holder their one-time link (invitation, password
//! reset, address verification).

use domain::bookings::BookingStatus;
use domain::ids::{BookingId, EventTypeId, Timestamp, UserId};
use jobs::{BoxFuture, ClaimedJob, Handler, Outcome};
use notify::email::{Email, EmailError, Mailer};
use notify::imip::{Invitation, Method, Person};
use notify::templates::{AccountMessage, BookingMessage, Channel, NoticeMessage, Rendered};
use serde::Deserialize;
use serde_json::Value;
use store::Db;
use store::repo::jobs::{FOLLOW_UP_JOB, HOST_REMINDER_JOB, REMINDER_JOB};
use store::repo::messages::LogEntry;

use crate::account_mail::{AccountEmail, account_token_context};
use crate::booking_events;
use crate::booking_mail::{Audience, BookingEmail, BookingEvent, manage_token_context};
use crate::calendar_identity::CalendarIdentity;
use crate::owner_notices::OwnerNotice;
use crate::sms::{SmsMessage, sms_job};

use crate::templates::{ForSending, RenderFailure};
use crate::webhooks::envelope;

/// The booking as `BookingTx::emit` stored it: the fields the fan-out needs.
#[derive(Deserialize)]
struct Snapshot {
    id: BookingId,
    host_user_id: UserId,
    event_type_id: EventTypeId,
    start_at: Timestamp,
    end_at: Timestamp,
    #[serde(default)]
    location: Value,
    #[serde(default)]
    cancel_reason: Option<String>,
}

/// Runs `booking.event` jobs.
#[derive(Clone, Debug)]
pub struct BookingEventHandler {
    pub db: Db,
}

impl Handler for BookingEventHandler {
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let Some(name) = job.payload.get("event").and_then(Value::as_str) else {
                return Outcome::Dead {
                    error: "payload has no event".to_owned(),
                };
            };
            let booking = job.payload.get("booking").cloned().unwrap_or(Value::Null);
            let snapshot: Snapshot = match serde_json::from_value(booking.clone()) {
                Ok(s) => s,
                Err(e) => {
                    return Outcome::Dead {
                        error: format!("payload booking: {e}"),
                    };
                }
            };
            let occurred_at = job
                .payload
                .get("occurred_at")
                .cloned()
                .and_then(|v| serde_json::from_value::<Timestamp>(v).ok())
                .unwrap_or_else(Timestamp::now);
            let calendar = match job.payload.get("calendar") {
                Some(calendar) => match serde_json::from_value(calendar.clone()) {
                    Ok(calendar) => calendar,
                    Err(e) => {
                        return Outcome::Dead {
                            error: format!("payload calendar: {e}"),
                        };
                    }
                },
                // Queued before the identity travelled with the event: the booking's now.
                None => match self.db.bookings().get(&job.scope(), snapshot.id).await {
                    Ok((booking, _)) => CalendarIdentity::of(&booking),
                    Err(error) => {
                        return Outcome::Retry {
                            error: error.to_string(),
                            at: None,
                        };
                    }
                },
            };
            let data = match job.payload.get("webhook_data") {
                Some(data) => data.clone(),
                // Queued before the body travelled with the event: the booking as it is now.
                None => match self.db.bookings().get(&job.scope(), snapshot.id).await {
                    Ok((booking, attendees)) => {
                        booking_events::webhook_data(&booking, attendees, None)
                    }
                    Err(error) => {
                        return Outcome::Retry {
                            error: error.to_string(),
                            at: None,
                        };
                    }
                },
            };
            let body = envelope(name, occurred_at, data);
            let event = BookingEvent {
                name,
                booking_id: snapshot.id,
                host: snapshot.host_user_id,
                event_type: snapshot.event_type_id,
                start_at: snapshot.start_at,
                end_at: snapshot.end_at,
                location: &snapshot.location,
                reason: snapshot.cancel_reason.as_deref(),
                webhook_payload: &body,
                audience: Audience::Everyone,
                calendar,
            };
            match booking_events::fan_out(&self.db, job, &event).await {
                Ok(_) => Outcome::Finished,
                Err(error) => Outcome::Retry {
                    error: error.to_string(),
                    at: None,
                },
            }
        })
    }
}

/// Runs a booking's scheduled jobs (`booking.reminder` for the attendees,
/// `booking.host_reminder` for the host, `booking.follow_up`): messages from the booking as
/// it is when the job runs, sent only while it is still confirmed (or, for a follow-up,
/// completed).
#[derive(Clone, Debug)]
pub struct ScheduledMessageHandler {
    pub db: Db,
}

impl Handler for ScheduledMessageHandler {
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let Some(booking_id) = job.booking_id else {
                return Outcome::Dead {
                    error: "the job has no booking".to_owned(),
                };
            };
            let (booking, _) = match self.db.bookings().get(&job.scope(), booking_id).await {
                Ok(found) => found,
                // Deleted with its organization: nothing to remind anyone of.
                Err(store::Error::NotFound(_)) => return Outcome::Succeeded,
                Err(error) => {
                    return Outcome::Retry {
                        error: error.to_string(),
                        at: None,
                    };
                }
            };
            let wanted = match job.kind.as_str() {
                FOLLOW_UP_JOB => matches!(
                    booking.status,
                    BookingStatus::Confirmed | BookingStatus::Completed
                ),
                _ => booking.status == BookingStatus::Confirmed,
            };
            if !wanted {
                return Outcome::Succeeded;
            }
            // Both reminders send the one `booking.reminder` message, each to its own people.
            let (name, audience) = match job.kind.as_str() {
                HOST_REMINDER_JOB => (REMINDER_JOB, Audience::Host),
                REMINDER_JOB => (REMINDER_JOB, Audience::Attendees),
                other => (other, Audience::Attendees),
            };
            let event = BookingEvent {
                name,
                booking_id: booking.id,
                host: booking.host_user_id,
                event_type: booking.event_type_id,
                start_at: booking.start_at,
                end_at: booking.end_at,
                location: &booking.location,
                reason: None,
                webhook_payload: &Value::Null,
                audience,
                calendar: CalendarIdentity::of(&booking),
            };
            match booking_events::fan_out(&self.db, job, &event).await {
                Ok(_) => Outcome::Finished,
                Err(error) => Outcome::Retry {
                    error: error.to_string(),
                    at: None,
                },
            }
        })
    }
}

/// How workers send e-mail and what the links in it start with.
#[derive(Clone, Debug)]
pub struct Mail {
    /// `None` (no SMTP configured): messages are written to the log (target
    /// `rendezvous::email`) instead, links included, for local development.
    pub mailer: Option<Mailer>,
    /// The base of links in e-mails, without a trailing slash: `public_url`, or the server's
    /// own `http://` address when it is unset (right for local development only).
    pub public_url: String,
}

impl Mail {
    /// `{public_url}/{path}`.
    fn link(&self, path: &str) -> String {
        format!("{}/{path}", self.public_url.trim_end_matches('/'))
    }
}

/// The page an account e-mail's link opens, by message type.
pub fn account_link_path(kind: &str) -> Option<&'static str> {
    match kind {
        "account.invitation" => Some("invite"),
        "account.password_reset" => Some("reset"),
        "account.locked" | "account.unlock" => Some("unlock"),
        "account.email_verification" => Some("verify"),
        _ => None,
    }
}

/// Runs `email.account` jobs: opens the sealed token, builds the absolute link and sends it
/// from the organization's template (or the built-in one).
#[derive(Clone, Debug)]
pub struct AccountEmailHandler {
    pub db: Db,
    pub mail: Mail,
    /// Opens the sealed token.
    pub keys: crate::credentials::Keyring,
}

impl Handler for AccountEmailHandler {
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let email: AccountEmail = match serde_json::from_value(job.payload.clone()) {
                Ok(email) => email,
                Err(e) => {
                    return Outcome::Dead {
                        error: format!("payload: {e}"),
                    };
                }
            };
            let Some(path) = account_link_path(&email.kind) else {
                return Outcome::Dead {
                    error: format!("unknown account e-mail {:?}", email.kind),
                };
            };
            let context = account_token_context(job.organization_id, email.user_id);
            let token = match self.keys.open_text(context.as_bytes(), &email.sealed_token) {
                Ok(token) => token,
                // The secret key changed since the job was written: retrying cannot help.
                Err(e) => {
                    return Outcome::Dead {
                        error: e.to_string(),
                    };
                }
            };
            let zone = jiff::tz::TimeZone::get(&email.recipient.time_zone)
                .unwrap_or(jiff::tz::TimeZone::UTC);
            let expires = format!(
                "{} ({})",
                email
                    .expires_at
                    .to_jiff()
                    .to_zoned(zone)
                    .strftime("%a %-d %b %Y, %H:%M"),
                email.recipient.time_zone
            );
            let message = AccountMessage {
                event: email.kind.clone(),
                recipient: email.recipient.name.clone(),
                organization: email.organization.clone(),
                link: self.mail.link(&format!("{path}/{token}")),
                expires,
            };
            let ForSending { rendered, fallback } =
                match render(&self.db, job, Channel::Email, &email.kind, |set| {
                    message.render_with(set)
                })
                .await
                {
                    Ok(ready) => ready,
                    Err(outcome) => return outcome,
                };
            let out = Email {
                to_name: email.recipient.name.clone(),
                to_email: email.recipient.email.clone(),
                subject: rendered.subject,
                text: rendered.text,
                html: rendered.html,
                calendar: None,
                message_id: format!("{}@rendezvous", job.id),
            };
            send_and_log(
                &self.db,
                self.mail.mailer.as_ref(),
                job,
                &out,
                &email.kind,
                None,
                fallback.as_deref(),
            )
            .await
        })
    }
}

/// Runs `email.booking` jobs. Without a mailer (no SMTP configured) the message is written to
/// the log (target `rendezvous::email`) instead. A host message for a host who prefers SMS
/// (`sms_to`) becomes an `sms.send` job when an SMS provider is configured, and stays an
/// e-mail otherwise, so it is not lost.
#[derive(Clone, Debug)]
pub struct EmailHandler {
    pub db: Db,
    pub mail: Mail,
    /// Opens the invitee's sealed manage token.
    pub keys: crate::credentials::Keyring,
    /// Whether an SMS provider is configured (`sms_provider` other than `none`).
    pub sms_configured: bool,
}

impl Handler for EmailHandler {
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let email: BookingEmail = match serde_json::from_value(job.payload.clone()) {
                Ok(email) => email,
                Err(e) => {
                    return Outcome::Dead {
                        error: format!("payload: {e}"),
                    };
                }
            };
            if let Some(to) = &email.sms_to {
                if self.sms_configured {
                    return queue_text(&self.db, job, &email, to).await;
                }
                tracing::warn!(event = %email.event, booking = %email.booking_id,
                    "the host prefers SMS but no SMS provider is configured (sms_provider = none): e-mailing instead");
            }
            let message = booking_message(&email, self.manage_url(job, &email));
            let ForSending { rendered, fallback } =
                match render(&self.db, job, Channel::Email, &email.event, |set| {
                    message.render_with(Channel::Email, set)
                })
                .await
                {
                    Ok(ready) => ready,
                    Err(outcome) => return outcome,
                };
            let message = compose(&email, job, rendered);
            send_and_log(
                &self.db,
                self.mail.mailer.as_ref(),
                job,
                &message,
                &email.event,
                Some(email.booking_id),
                fallback.as_deref(),
            )
            .await
        })
    }
}

/// Renders `email`'s message from the `sms` channel's templates and queues it to `to` as an
/// `sms.send` job (keyed by this job, so a retry queues nothing more), which sends and logs it.
async fn queue_text(db: &Db, job: &ClaimedJob, email: &BookingEmail, to: &str) -> Outcome {
    let message = booking_message(email, None);
    // A fallback is logged by `render_for`; the text's own log row comes from `sms.send`.
    let rendered = match render(db, job, Channel::Sms, &email.event, |set| {
        message.render_with(Channel::Sms, set)
    })
    .await
    {
        Ok(ready) => ready.rendered,
        Err(outcome) => return outcome,
    };
    let body: String = rendered
        .text
        .trim()
        .chars()
        .take(notify::sms::MAX_BODY_CHARS)
        .collect();
    let message = SmsMessage {
        to: to.to_owned(),
        body,
        event: email.event.clone(),
        booking_id: Some(email.booking_id),
    };
    let queued = match sms_job(&message, Some(format!("email.booking:{}", job.id))) {
        Ok(new) => db.jobs().enqueue(&job.scope(), &new).await,
        Err(error) => Err(error),
    };
    match queued {
        Ok(_) => Outcome::Succeeded,
        Err(error) => Outcome::Retry {
            error: error.to_string(),
            at: None,
        },
    }
}

impl EmailHandler {
    /// The invitee's manage link, when the job carries their sealed manage token. A token
    /// that does not open leaves the link out rather than losing the message.
    fn manage_url(&self, job: &ClaimedJob, email: &BookingEmail) -> Option<String> {
        let sealed = email.manage_token.as_deref()?;
        let context = manage_token_context(job.organization_id, &email.recipient.email);
        match self.keys.open_text(context.as_bytes(), sealed) {
            Ok(token) => Some(self.mail.link(&format!("manage/{token}"))),
            Err(error) => {
                tracing::warn!(%error, "the manage token in an e-mail job does not open; sending without the link");
                None
            }
        }
    }
}

/// The job's message on `channel`, from the organization's template or the built-in one.
/// A failure to read the templates is the job's retry; a template that does not render is
/// never retried (rendering again gives the same answer): the organization's falls back to
/// the built-in one, and a failing built-in one ends the job for good.
async fn render(
    db: &Db,
    job: &ClaimedJob,
    channel: Channel,
    event: &str,
    render_with: impl Fn(
        &notify::templates::TemplateSet,
    ) -> Result<Rendered, notify::templates::TemplateError>,
) -> Result<ForSending, Outcome> {
    crate::templates::render_for(db, job.organization_id, channel, event, render_with)
        .await
        .map_err(|failure| match failure {
            RenderFailure::Store(error) => Outcome::Retry { error, at: None },
            RenderFailure::Template(error) => Outcome::Dead {
                error: error.to_string(),
            },
        })
}

/// Sends `message` (or, without a mailer, writes it to the log, target
/// `rendezvous::email`) and records the outcome in the notification log. A transient SMTP
/// failure retries without a log row; the row is written once the message went or failed
/// for good. `fallback` (the organization's template failed and the built-in one was sent)
/// is recorded in the row's response.
#[allow(clippy::too_many_arguments)]
async fn send_and_log(
    db: &Db,
    mailer: Option<&Mailer>,
    job: &ClaimedJob,
    message: &Email,
    event: &str,
    booking_id: Option<BookingId>,
    fallback: Option<&str>,
) -> Outcome {
    let result = match mailer {
        Some(mailer) => mailer.send(message).await,
        None => {
            tracing::info!(target: "rendezvous::email", to = %message.to_email, subject = %message.subject, "\n{}", message.text);
            Ok("logged: no SMTP server configured".to_owned())
        }
    };
    let (sent, response, outcome) = match result {
        Ok(answer) => (true, answer, Outcome::Succeeded),
        Err(EmailError::Transient(e)) => {
            return Outcome::Retry { error: e, at: None };
        }
        Err(e) => (
            false,
            e.to_string(),
            Outcome::Dead {
                error: e.to_string(),
            },
        ),
    };
    let response = match fallback {
        Some(fallback) => format!("{fallback}; {response}"),
        None => response,
    };
    let entry = LogEntry {
        channel: "email",
        event,
        recipient: &message.to_email,
        booking_id,
        sent,
        provider_response: &response,
        external_id: None,
    };
    log_and_record(db, job, &entry, outcome).await
}

/// Writes the log row and the job's outcome in one unit (one commit where there were two:
/// issue 17's booking path). If that unit fails, the outcome goes back to the worker to
/// record on its own and the row is lost with a warning, as a failed log write always was.
async fn log_and_record(
    db: &Db,
    job: &ClaimedJob,
    entry: &LogEntry<'_>,
    outcome: Outcome,
) -> Outcome {
    let recorded = async {
        let mut unit = db.begin_unit(job.organization_id).await?;
        unit.messages().log(entry).await?;
        let kept = match &outcome {
            Outcome::Succeeded => Some(unit.jobs().complete(job).await?),
            Outcome::Dead { error } => Some(unit.jobs().fail(job, error, None).await?),
            // The worker records these itself.
            Outcome::Retry { .. } | Outcome::Finished => None,
        };
        if kept == Some(false) {
            tracing::warn!(job = %job.id, kind = %job.kind, "job's lease expired before it finished; another worker has it");
        }
        unit.commit().await?;
        Ok::<_, store::Error>(kept.is_some())
    }
    .await;
    match recorded {
        Ok(true) => Outcome::Finished,
        Ok(false) => outcome,
        Err(error) => {
            tracing::warn!(%error, "writing the notification log failed");
            outcome
        }
    }
}

/// Runs `email.notice` jobs: one notice to one of an organization's owners, from its
/// built-in template.
#[derive(Clone, Debug)]
pub struct NoticeHandler {
    pub db: Db,
    pub mailer: Option<Mailer>,
}

impl Handler for NoticeHandler {
    fn run<'a>(&'a self, job: &'a ClaimedJob) -> BoxFuture<'a, Outcome> {
        Box::pin(async move {
            let notice: OwnerNotice = match serde_json::from_value(job.payload.clone()) {
                Ok(notice) => notice,
                Err(e) => {
                    return Outcome::Dead {
                        error: format!("payload: {e}"),
                    };
                }
            };
            let rendered = match (NoticeMessage {
                kind: notice.kind.clone(),
                recipient: notice.recipient.name.clone(),
                organization: notice.organization.clone(),
                data: notice.data.clone(),
            })
            .render()
            {
                Ok(rendered) => rendered,
                Err(e) => {
                    return Outcome::Dead {
                        error: e.to_string(),
                    };
                }
            };
            let message = Email {
                to_name: notice.recipient.name.clone(),
                to_email: notice.recipient.email.clone(),
                subject: rendered.subject,
                text: rendered.text,
                html: rendered.html,
                calendar: None,
                message_id: format!("{}@rendezvous", job.id),
            };
            send_and_log(
                &self.db,
                self.mailer.as_ref(),
                job,
                &message,
                &notice.kind,
                None,
                None,
            )
            .await
        })
    }
}

/// What the templates say to one recipient, in the recipient's time zone.
pub(crate) fn booking_message(email: &BookingEmail, manage_url: Option<String>) -> BookingMessage {
    let zone =
        jiff::tz::TimeZone::get(&email.recipient.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let start = email.start_at.to_jiff().to_zoned(zone.clone());
    let end = email.end_at.to_jiff().to_zoned(zone);
    let when = format!(
        "{}–{}",
        start.strftime("%a %-d %b %Y, %H:%M"),
        end.strftime("%H:%M")
    );
    let mut people = vec![email.host.name.clone()];
    people.extend(email.attendees.iter().map(|a| a.name.clone()));
    BookingMessage {
        event: email.event.clone(),
        recipient: email.recipient.name.clone(),
        role: email.role.clone(),
        organization: email.organization.clone(),
        title: email.title.clone(),
        when,
        time_zone: email.recipient.time_zone.clone(),
        location: email.location.clone(),
        people,
        reason: email.reason.clone(),
        manage_url,
    }
}

/// The e-mail for one recipient, with the invitation attached.
fn compose(email: &BookingEmail, job: &ClaimedJob, rendered: Rendered) -> Email {
    let method = match email.event.as_str() {
        "booking.cancelled" | "booking.rejected" => Some(Method::Cancel),
        "booking.requested" | "booking.reminder" | "booking.follow_up" => None,
        _ => Some(Method::Request),
    };
    let calendar = method.map(|method| {
        let invitation = Invitation {
            method,
            uid: email.uid.clone(),
            sequence: email.sequence,
            stamp: email.stamp.to_jiff(),
            start: email.start_at.to_jiff(),
            end: email.end_at.to_jiff(),
            summary: format!("{} ({})", email.title, email.organization),
            description: String::new(),
            location: email.location.clone(),
            organizer: person(&email.host),
            attendees: email.attendees.iter().map(person).collect(),
        };
        (method, invitation.to_ics())
    });
    Email {
        to_name: email.recipient.name.clone(),
        to_email: email.recipient.email.clone(),
        subject: rendered.subject,
        text: rendered.text,
        html: rendered.html,
        calendar,
        // The same on every retry of this job, so a repeat is recognisable.
        message_id: format!("{}@rendezvous", job.id),
    }
}

fn person(p: &domain::people::Person) -> Person {
    Person {
        name: p.name.clone(),
        email: p.email.clone(),
    }
}
