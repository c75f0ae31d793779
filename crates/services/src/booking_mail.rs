//! Who a booking event's e-mails go to, and when: the host and the attendees (or one side,
//! for a reminder or follow-up), never the host for an event type they muted, the host only
//! after their do-not-disturb hours (a cancellation at once: it may free their next hour),
//! and by text message to a host who prefers SMS and gave a number. Each e-mail is one
//! `email.booking` job whose payload, [`BookingEmail`], fixes everything it says when the
//! event happened.

use domain::ids::{BookingId, EventTypeId, OrganizationId, Timestamp, UserId};
use domain::people::Person;
use domain::preferences::PreferredChannel;
use jobs::{ClaimedJob, NewJob};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use store::Unit;

use crate::calendar_identity::CalendarIdentity;

/// The job kind that sends one booking e-mail.
pub const EMAIL_JOB: &str = "email.booking";

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
    /// The booking's calendar identity as the change left it (a reminder: as it is now).
    pub calendar: CalendarIdentity,
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
    /// The calendar identity ([`crate::calendar_identity`]): the same for the booking and
    /// its reschedules.
    pub uid: String,
    /// The booking's SEQUENCE as the change left it.
    pub sequence: u32,
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

/// The readable place of a stored location: the link, address or number.
pub fn place(location: &Value) -> Option<String> {
    ["url", "address", "number"]
        .iter()
        .find_map(|key| location.get(key).and_then(Value::as_str))
        .map(str::to_owned)
}

/// Queues `event`'s e-mails inside the fan-out's unit (`job` is the fan-out's own job: its
/// id keys each e-mail, so a retried fan-out sends each once).
pub(crate) async fn queue(
    unit: &mut Unit,
    job: &ClaimedJob,
    event: &BookingEvent<'_>,
) -> Result<(), store::Error> {
    let host = unit.messages().person(event.host).await?;
    let title = unit.messages().event_type_title(event.event_type).await?;
    let organization = unit.messages().organization_name().await?;
    // A cancellation tells everyone who was on the booking; other events its active seats.
    let cancelled = event.name == "booking.cancelled";
    let attendees = unit
        .messages()
        .attendees(event.booking_id, cancelled)
        .await?;
    // The attendees' sealed manage tokens, for the link in their e-mails; not offered once
    // the booking is off.
    let manage_tokens = if matches!(event.name, "booking.cancelled" | "booking.rejected") {
        Vec::new()
    } else {
        unit.messages()
            .sealed_manage_tokens(event.booking_id)
            .await?
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
    let host_prefs = unit.preferences().of_user(event.host).await?;
    let host_sms_to = match host_prefs.preferred_channel {
        PreferredChannel::Sms => unit.messages().phone_of(event.host).await?,
        PreferredChannel::Email => None,
    };
    let now = Timestamp::now();
    let host_zone = jiff::tz::TimeZone::get(&host.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    for (recipient, role) in recipients {
        let mut run_at = now;
        if role == "host" {
            if host_prefs.muted_events.iter().any(|m| m == event.name) {
                continue;
            }
            if !cancelled {
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
            uid: event.calendar.uid.clone(),
            sequence: event.calendar.sequence,
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
            serde_json::to_value(&email).map_err(|e| store::Error::Corrupt(e.to_string()))?,
        );
        new.booking_id = Some(event.booking_id);
        new.run_at = run_at;
        new.max_attempts = 8;
        new.idempotency_key = Some(format!("{}:{}", job.id, recipient.email));
        unit.jobs().enqueue(&new).await?;
    }
    Ok(())
}
