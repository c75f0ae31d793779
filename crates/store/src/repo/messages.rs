//! What a booking event sends: webhook deliveries and e-mails, queued in one transaction with
//! the event's job, so a booking event is fanned out exactly once; text messages, one job
//! each; and the log of every message sent.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::repo::jobs::{self, ClaimedJob, NewJob};
use crate::repo::preferences;
use crate::repo::webhooks::{self, Event};
use crate::scope::Scope;
use crate::{Db, Error, Tx, with_pool, with_tx};
use domain::ids::{BookingId, EventTypeId, OrganizationId, Timestamp, UserId};

/// The job kind that sends one booking e-mail.
pub const EMAIL_JOB: &str = "email.booking";

/// The job kind that e-mails one notice to one of an organization's owners.
pub const NOTICE_JOB: &str = "email.notice";

/// The job kind that e-mails an account holder a one-time link (invitation, reset,
/// verification).
pub const ACCOUNT_EMAIL_JOB: &str = "email.account";

/// Seals an e-mailed one-time token for the job that carries it, so the jobs table never
/// holds a usable token (the store has no keys; `services` implements this with its
/// keyring). `context` binds the sealed text to its job's recipient.
pub trait TokenSealer: Send + Sync {
    fn seal(&self, context: &str, token: &str) -> String;
}

/// The sealing context of an account e-mail's token: its organization and user.
pub fn account_token_context(organization: OrganizationId, user: UserId) -> String {
    format!("account_token:{organization}:{user}")
}

/// An e-mail with a one-time link to an account holder (the `email.account` job's payload).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct AccountEmail {
    /// `account.invitation`, `account.password_reset`, `account.email_verification`,
    /// `account.unlock` or `account.locked` (the lock notice, with an unlock link).
    pub kind: String,
    pub user_id: UserId,
    pub recipient: Person,
    pub organization: String,
    /// The token, sealed with [`account_token_context`] (see [`TokenSealer`]).
    pub sealed_token: String,
    pub expires_at: Timestamp,
}

/// Queues the e-mail that carries `token` to `user`, inside the transaction that issued it.
pub(crate) async fn queue_account_email(
    tx: &mut Tx,
    user: &domain::users::User,
    kind: &str,
    token: &crate::token::SecretToken,
    expires_at: Timestamp,
    sealer: &dyn TokenSealer,
) -> Result<(), Error> {
    let org = user.organization_id;
    let (organization,): (String,) = with_tx!(&mut *tx, conn => {
        sqlx::query_as("SELECT name FROM organizations WHERE id = $1").bind(org).fetch_one(conn).await?
    });
    let email = AccountEmail {
        kind: kind.to_owned(),
        user_id: user.id,
        recipient: Person {
            name: user.name.clone(),
            email: user.email.clone(),
            time_zone: user.time_zone.clone(),
        },
        organization,
        sealed_token: sealer.seal(&account_token_context(org, user.id), token.expose()),
        expires_at,
    };
    let mut job = NewJob::now(
        ACCOUNT_EMAIL_JOB,
        serde_json::to_value(&email).map_err(|e| Error::Corrupt(e.to_string()))?,
    );
    job.max_attempts = 8;
    jobs::enqueue(tx, org, &job).await?;
    Ok(())
}

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
pub fn sms_job(message: &SmsMessage, idempotency_key: Option<String>) -> Result<NewJob, Error> {
    let mut job = NewJob::now(
        SMS_JOB,
        serde_json::to_value(message).map_err(|e| Error::Corrupt(e.to_string()))?,
    );
    job.booking_id = message.booking_id;
    job.max_attempts = 8;
    job.idempotency_key = idempotency_key;
    Ok(job)
}

/// Queues `message` inside `tx`, so it goes out exactly when the change that caused it
/// commits. `None` for a repeated idempotency key.
pub async fn queue_sms(
    tx: &mut Tx,
    org: OrganizationId,
    message: &SmsMessage,
    idempotency_key: Option<String>,
) -> Result<Option<domain::ids::JobId>, Error> {
    jobs::enqueue(tx, org, &sms_job(message, idempotency_key)?).await
}

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

/// Queues `kind` with `data` for each active owner of the organization, inside `tx`.
pub(crate) async fn notify_owners(
    tx: &mut Tx,
    org: OrganizationId,
    kind: &str,
    data: Value,
) -> Result<(), Error> {
    let owners: Vec<Person> = with_tx!(&mut *tx, conn => {
        sqlx::query_as(
            "SELECT name, email, time_zone FROM users WHERE organization_id = $1 \
             AND role = 'owner' AND status = 'active' AND deleted_at IS NULL ORDER BY created_at, id",
        )
        .bind(org).fetch_all(conn).await?
    });
    let (organization,): (String,) = with_tx!(&mut *tx, conn => {
        sqlx::query_as("SELECT name FROM organizations WHERE id = $1").bind(org).fetch_one(conn).await?
    });
    for owner in owners {
        let notice = OwnerNotice {
            kind: kind.to_owned(),
            recipient: owner,
            organization: organization.clone(),
            data: data.clone(),
        };
        let mut job = NewJob::now(
            NOTICE_JOB,
            serde_json::to_value(&notice).map_err(|e| Error::Corrupt(e.to_string()))?,
        );
        job.max_attempts = 8;
        jobs::enqueue(tx, org, &job).await?;
    }
    Ok(())
}

/// Events that e-mail the host and attendees (a follow-up only the attendees).
pub const EMAILED_EVENTS: [&str; 8] = [
    "booking.created",
    "booking.requested",
    "booking.confirmed",
    "booking.rejected",
    "booking.rescheduled",
    "booking.cancelled",
    jobs::REMINDER_JOB,
    jobs::FOLLOW_UP_JOB,
];

/// Messages a booking's scheduled jobs send: not changes to the booking, so no webhook
/// event and no new calendar SEQUENCE.
pub const SCHEDULED_EVENTS: [&str; 2] = [jobs::REMINDER_JOB, jobs::FOLLOW_UP_JOB];

/// Who a booking event's messages go to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Audience {
    /// The host and the attendees (booking changes).
    Everyone,
    /// The host alone (the host's reminder, at their own lead time).
    Host,
    /// The attendees alone (their reminder, a follow-up).
    Attendees,
}

/// A booking event to fan out.
#[derive(Clone, Debug)]
pub struct BookingEvent<'a> {
    pub name: &'a str,
    pub booking_id: BookingId,
    pub host: UserId,
    pub event_type: EventTypeId,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    /// The booking's place (`{"kind": "video", "url": ...}`), as stored.
    pub location: &'a Value,
    pub reason: Option<&'a str>,
    /// The body webhook subscribers receive.
    pub webhook_payload: &'a Value,
    pub audience: Audience,
}

/// Someone an e-mail goes to, or who is named in it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Person {
    pub name: String,
    pub email: String,
    pub time_zone: String,
}

/// Everything one booking e-mail needs, fixed when the event happened (the `email.booking`
/// job's payload).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BookingEmail {
    pub event: String,
    pub booking_id: BookingId,
    pub recipient: Person,
    /// `host` or `attendee`.
    pub role: String,
    pub organization: String,
    pub title: String,
    pub start_at: Timestamp,
    pub end_at: Timestamp,
    pub location: Option<String>,
    pub reason: Option<String>,
    pub host: Person,
    pub attendees: Vec<Person>,
    /// The calendar identity: the same for the booking and its reschedules.
    pub uid: String,
    /// Raised by one on every event of the booking.
    pub sequence: i32,
    /// When the event happened (`DTSTAMP`).
    pub stamp: Timestamp,
    /// The host's phone (E.164) when they prefer messages by SMS: the job then sends the
    /// message's `sms` template there instead of an e-mail (or, with no SMS provider
    /// configured, still e-mails).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sms_to: Option<String>,
    /// An attendee's manage token, sealed with [`manage_token_context`] of the recipient's
    /// address, for the link to reschedule or cancel; absent in the host's e-mails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manage_token: Option<String>,
}

/// The sealing context of an attendee's manage token: its organization and the attendee's
/// address (the e-mail it may be sent to).
pub fn manage_token_context(organization: OrganizationId, email: &str) -> String {
    format!("manage_token:{organization}:{email}")
}

/// Booking events' fan-out and the log of what was sent.
#[derive(Debug)]
pub struct Messages<'a> {
    pub(crate) db: &'a Db,
}

impl Messages<'_> {
    /// Queues `event`'s webhook deliveries and e-mails and finishes `job`, in one
    /// transaction. `None` when the job's claim was lost (nothing written).
    pub async fn fan_out(
        &self,
        job: &ClaimedJob,
        event: &BookingEvent<'_>,
    ) -> Result<Option<()>, Error> {
        let org = job.organization_id;
        let scheduled = SCHEDULED_EVENTS.contains(&event.name);
        let mut tx = self.db.begin_write(org).await?;
        if !scheduled {
            webhooks::fan_out(
                &mut tx,
                org,
                &Event {
                    name: event.name,
                    user_id: Some(event.host),
                    event_type_id: Some(event.event_type),
                    payload: event.webhook_payload,
                },
            )
            .await?;
        }
        if EMAILED_EVENTS.contains(&event.name) {
            queue_emails(&mut tx, org, job, event).await?;
        }
        if !scheduled {
            crate::repo::workflows::queue_runs(
                &mut tx,
                org,
                event.name,
                event.booking_id,
                event.start_at,
                event.end_at,
            )
            .await?;
        }
        if !jobs::complete_in(&mut tx, job).await? {
            return Ok(None);
        }
        tx.commit().await?;
        Ok(Some(()))
    }

    /// Records a message sent (or refused for good).
    pub async fn log(
        &self,
        organization_id: OrganizationId,
        entry: &LogEntry<'_>,
    ) -> Result<(), Error> {
        const SQL: &str = "INSERT INTO notification_log (organization_id, id, channel, event, \
            recipient, booking_id, status, provider_response, external_id, created_at) \
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)";
        let response: String = entry.provider_response.chars().take(2000).collect();
        with_pool!(self.db, organization_id, pool => {
            sqlx::query(SQL)
                .bind(organization_id).bind(uuid::Uuid::now_v7()).bind(entry.channel)
                .bind(entry.event).bind(entry.recipient).bind(entry.booking_id)
                .bind(if entry.sent { "sent" } else { "failed" }).bind(&response)
                .bind(entry.external_id).bind(Timestamp::now())
                .execute(pool).await?;
        });
        Ok(())
    }

    /// The organization's latest `limit` log rows, newest first.
    pub async fn recent_log(&self, scope: &Scope, limit: u32) -> Result<Vec<LoggedMessage>, Error> {
        const SQL: &str = "SELECT channel, event, recipient, status, provider_response, external_id \
            FROM notification_log WHERE organization_id = $1 \
            ORDER BY created_at DESC, id DESC LIMIT $2";
        Ok(with_pool!(self.db, scope, pool => {
            sqlx::query_as(SQL).bind(scope.organization_id()).bind(i64::from(limit)).fetch_all(pool).await?
        }))
    }

    /// The organization's log for one booking, oldest first.
    pub async fn log_for_booking(
        &self,
        scope: &Scope,
        booking: BookingId,
    ) -> Result<Vec<LoggedMessage>, Error> {
        const SQL: &str = "SELECT channel, event, recipient, status, provider_response, external_id \
            FROM notification_log WHERE organization_id = $1 AND booking_id = $2 \
            ORDER BY created_at, id";
        Ok(with_pool!(self.db, scope, pool => {
            sqlx::query_as(SQL).bind(scope.organization_id()).bind(booking).fetch_all(pool).await?
        }))
    }
}

/// A message to record in the notification log.
#[derive(Clone, Debug)]
pub struct LogEntry<'a> {
    /// `email` or `sms`.
    pub channel: &'a str,
    pub event: &'a str,
    pub recipient: &'a str,
    pub booking_id: Option<BookingId>,
    pub sent: bool,
    /// What the provider answered (`250 OK ...`) or the error.
    pub provider_response: &'a str,
    /// The provider's id for the message (an SMS provider's message sid).
    pub external_id: Option<&'a str>,
}

/// A row of the notification log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, sqlx::FromRow)]
pub struct LoggedMessage {
    pub channel: String,
    pub event: String,
    pub recipient: String,
    pub status: String,
    pub provider_response: String,
    pub external_id: Option<String>,
}

async fn queue_emails(
    tx: &mut Tx,
    org: OrganizationId,
    job: &ClaimedJob,
    event: &BookingEvent<'_>,
) -> Result<(), Error> {
    let uid = format!(
        "{}@rendezvous",
        root_booking(tx, org, event.booking_id).await?
    );
    let sequence = if SCHEDULED_EVENTS.contains(&event.name) {
        current_sequence(tx, org, &uid).await?
    } else {
        next_sequence(tx, org, &uid).await?
    };
    let host: Person = with_tx!(&mut *tx, conn => {
        sqlx::query_as("SELECT name, email, time_zone FROM users WHERE organization_id = $1 AND id = $2")
            .bind(org).bind(event.host).fetch_one(conn).await?
    });
    let (title,): (String,) = with_tx!(&mut *tx, conn => {
        sqlx::query_as("SELECT title FROM event_types WHERE organization_id = $1 AND id = $2")
            .bind(org).bind(event.event_type).fetch_one(conn).await?
    });
    let (organization,): (String,) = with_tx!(&mut *tx, conn => {
        sqlx::query_as("SELECT name FROM organizations WHERE id = $1").bind(org).fetch_one(conn).await?
    });
    // A cancellation tells everyone who was on the booking; other events its active seats.
    let attendees: Vec<Person> = with_tx!(&mut *tx, conn => {
        sqlx::query_as(
            "SELECT name, email, time_zone FROM booking_attendees \
             WHERE organization_id = $1 AND booking_id = $2 AND (status = 'active' OR $3) \
             ORDER BY created_at, id",
        )
        .bind(org).bind(event.booking_id).bind(event.name == "booking.cancelled")
        .fetch_all(conn).await?
    });
    // The attendees' sealed manage tokens, for the link in their e-mails; not offered once
    // the booking is off.
    let manage_tokens: Vec<(String, String)> =
        if matches!(event.name, "booking.cancelled" | "booking.rejected") {
            Vec::new()
        } else {
            with_tx!(&mut *tx, conn => {
                sqlx::query_as(
                    "SELECT email, manage_token_sealed FROM booking_attendees \
                     WHERE organization_id = $1 AND booking_id = $2 AND status = 'active' \
                     AND manage_token_sealed IS NOT NULL",
                )
                .bind(org).bind(event.booking_id)
                .fetch_all(conn).await?
            })
        };
    let host_too = event.audience != Audience::Attendees;
    let attendees_too = event.audience != Audience::Host;
    let recipients = host_too.then(|| (host.clone(), "host")).into_iter().chain(
        attendees
            .iter()
            .filter(|_| attendees_too)
            .cloned()
            .map(|a| (a, "attendee")),
    );
    // The host's preferences: muted types are not sent, and anything but a cancellation
    // waits out do-not-disturb hours (a cancellation may free the host's next hour). One
    // who prefers SMS and has a phone gets a text message instead of an e-mail.
    let host_prefs = preferences::of_user(tx, org, event.host).await?;
    let host_sms_to = match host_prefs.preferred_channel {
        domain::preferences::PreferredChannel::Sms => {
            let phone: Option<Option<String>> = with_tx!(&mut *tx, conn => {
                sqlx::query_scalar("SELECT phone FROM users WHERE organization_id = $1 AND id = $2")
                    .bind(org).bind(event.host).fetch_optional(conn).await?
            });
            phone.flatten()
        }
        domain::preferences::PreferredChannel::Email => None,
    };
    let now = Timestamp::now();
    let host_zone = jiff::tz::TimeZone::get(&host.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    for (recipient, role) in recipients {
        let mut run_at = now;
        if role == "host" {
            if host_prefs.muted_events.iter().any(|m| m == event.name) {
                continue;
            }
            if event.name != "booking.cancelled" {
                run_at = host_prefs.deliver_at(now, &host_zone);
            }
        }
        let email = BookingEmail {
            event: event.name.to_owned(),
            booking_id: event.booking_id,
            recipient: recipient.clone(),
            role: role.to_owned(),
            organization: organization.clone(),
            title: title.clone(),
            start_at: event.start_at,
            end_at: event.end_at,
            location: place(event.location),
            reason: event.reason.map(str::to_owned),
            host: host.clone(),
            attendees: attendees.clone(),
            uid: uid.clone(),
            sequence,
            stamp: Timestamp::now(),
            sms_to: if role == "host" {
                host_sms_to.clone()
            } else {
                None
            },
            manage_token: (role == "attendee")
                .then(|| {
                    manage_tokens
                        .iter()
                        .find(|(email, _)| *email == recipient.email)
                        .map(|(_, sealed)| sealed.clone())
                })
                .flatten(),
        };
        let mut new = NewJob::now(
            EMAIL_JOB,
            serde_json::to_value(&email).map_err(|e| Error::Corrupt(e.to_string()))?,
        );
        new.booking_id = Some(event.booking_id);
        new.run_at = run_at;
        new.max_attempts = 8;
        new.idempotency_key = Some(format!("{}:{}", job.id, recipient.email));
        jobs::enqueue(tx, org, &new).await?;
    }
    Ok(())
}

/// The first booking of a chain of reschedules: its id is the calendar UID.
async fn root_booking(
    tx: &mut Tx,
    org: OrganizationId,
    mut id: BookingId,
) -> Result<BookingId, Error> {
    // A chain is short; the bound guards against a cycle in hand-edited data.
    for _ in 0..1000 {
        let previous: Option<Option<BookingId>> = with_tx!(&mut *tx, conn => {
            sqlx::query_scalar("SELECT rescheduled_from FROM bookings WHERE organization_id = $1 AND id = $2")
                .bind(org).bind(id).fetch_optional(conn).await?
        });
        match previous.flatten() {
            Some(previous) => id = previous,
            None => return Ok(id),
        }
    }
    Err(Error::Corrupt(format!(
        "booking {id} reschedules in a loop"
    )))
}

/// Raises and returns the UID's sequence (0 for its first event).
async fn next_sequence(tx: &mut Tx, org: OrganizationId, uid: &str) -> Result<i32, Error> {
    Ok(with_tx!(&mut *tx, conn => {
        sqlx::query_scalar(
            "INSERT INTO calendar_sequences (organization_id, uid, sequence) VALUES ($1, $2, 0) \
             ON CONFLICT (organization_id, uid) DO UPDATE SET sequence = calendar_sequences.sequence + 1 \
             RETURNING sequence",
        )
        .bind(org).bind(uid).fetch_one(conn).await?
    }))
}

/// The UID's sequence as the last change left it.
async fn current_sequence(tx: &mut Tx, org: OrganizationId, uid: &str) -> Result<i32, Error> {
    let sequence: Option<i32> = with_tx!(&mut *tx, conn => {
        sqlx::query_scalar("SELECT sequence FROM calendar_sequences WHERE organization_id = $1 AND uid = $2")
            .bind(org).bind(uid).fetch_optional(conn).await?
    });
    Ok(sequence.unwrap_or(0))
}

/// The readable place of a stored location: the link, address or number.
pub fn place(location: &Value) -> Option<String> {
    ["url", "address", "number"]
        .iter()
        .find_map(|key| location.get(key).and_then(Value::as_str))
        .map(str::to_owned)
}
