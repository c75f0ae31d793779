//! Google Calendar and Microsoft 365 (Graph) adapters behind one interface: list what changed
//! since a sync token (Google `nextSyncToken`, Graph `@odata.deltaLink`), following pages; a
//! 410 Gone means the token expired and a full sync is needed. Events come back as busy or
//! free periods; the caller stores them like CalDAV busy time.
//!
//! They also write bookings ([`OutgoingEvent`]): Google by `iCalUID` (`events.insert`,
//! `events.update`, `events.delete`, `events.list?iCalUID=`), Graph with the booking's uid as
//! `transactionId` (`POST`, `PATCH`, `DELETE`).

use outbound::{Method, StatusCode};
use serde::Deserialize;

use crate::Error;

/// One event (or one instance of a recurring one) as a provider reports it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteEvent {
    pub id: String,
    pub when: RemoteWhen,
    /// False for free/transparent events: they do not block.
    pub busy: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteWhen {
    At {
        start: jiff::Timestamp,
        end: jiff::Timestamp,
    },
    /// All-day, end exclusive: the host's zone decides the instants.
    AllDay {
        start: jiff::civil::Date,
        end: jiff::civil::Date,
    },
}

/// What changed since the last sync.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RemoteChanges {
    Delta {
        changed: Vec<RemoteEvent>,
        /// Ids of deleted or cancelled events.
        removed: Vec<String>,
        /// Keep for next time (a sync token or a delta link).
        next: Option<String>,
    },
    /// 410 Gone: the token is no longer valid; sync again without one.
    Expired,
}

/// A provider's event feed: changes since `token`, or everything in `[from, until)` without.
#[allow(async_fn_in_trait)]
pub trait Provider {
    async fn changes(
        &self,
        calendar_id: &str,
        token: Option<&str>,
        from: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Result<RemoteChanges, Error>;
}

/// A calendar of the account, as the provider lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RemoteCalendar {
    pub id: String,
    pub name: String,
    /// `#rrggbb` when the provider has one.
    pub color: Option<String>,
    /// The account may add events to it (a booking could be written there).
    pub writable: bool,
    /// The account's main calendar.
    pub primary: bool,
}

/// At most this many pages per sync (a runaway `nextPageToken` loop stops here).
const MAX_PAGES: usize = 100;

async fn get_json<T: for<'de> Deserialize<'de>>(
    http: &outbound::Client,
    url: &str,
    access_token: &str,
    extra: Option<(&str, &str)>,
) -> Result<Option<T>, Error> {
    let mut request = http
        .request(Method::GET, url)?
        .bearer_auth(access_token)
        .header("accept", "application/json");
    if let Some((name, value)) = extra {
        request = request.header(name, value);
    }
    let response = http.send(request).await?;
    let status = response.status();
    if status == StatusCode::GONE {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(Error::status("the calendar API", status));
    }
    let body = http.read_body(response).await?;
    serde_json::from_slice(&body)
        .map(Some)
        .map_err(|e| Error::Malformed(e.to_string()))
}

// --- Google ---------------------------------------------------------------------------------

/// Google Calendar API v3 (`base` is `https://www.googleapis.com/calendar/v3`).
#[derive(Debug, Clone)]
pub struct Google<'a> {
    pub http: &'a outbound::Client,
    pub base: String,
    pub access_token: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GoogleList {
    #[serde(default)]
    items: Vec<GoogleEvent>,
    next_page_token: Option<String>,
    next_sync_token: Option<String>,
}

#[derive(Deserialize)]
struct GoogleEvent {
    id: String,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    transparency: Option<String>,
    start: Option<GoogleTime>,
    end: Option<GoogleTime>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GoogleTime {
    date_time: Option<String>,
    date: Option<String>,
}

fn google_when(start: &GoogleTime, end: &GoogleTime) -> Option<RemoteWhen> {
    match (&start.date_time, &end.date_time, &start.date, &end.date) {
        (Some(s), Some(e), _, _) => Some(RemoteWhen::At {
            start: s.parse().ok()?,
            end: e.parse().ok()?,
        }),
        (_, _, Some(s), Some(e)) => Some(RemoteWhen::AllDay {
            start: s.parse().ok()?,
            end: e.parse().ok()?,
        }),
        _ => None,
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GoogleCalendarList {
    #[serde(default)]
    items: Vec<GoogleCalendarEntry>,
    next_page_token: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GoogleCalendarEntry {
    id: String,
    #[serde(default)]
    summary: Option<String>,
    #[serde(default)]
    summary_override: Option<String>,
    #[serde(default)]
    background_color: Option<String>,
    #[serde(default)]
    access_role: Option<String>,
    #[serde(default)]
    primary: bool,
}

impl Google<'_> {
    /// The account's calendars (`GET /users/me/calendarList`), following pages.
    pub async fn calendars(&self) -> Result<Vec<RemoteCalendar>, Error> {
        let base = format!("{}/users/me/calendarList", self.base.trim_end_matches('/'));
        let mut out = Vec::new();
        let mut page: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let url = match &page {
                Some(p) => format!("{base}?{}", crate::oauth::form(&[("pageToken", p)])),
                None => base.clone(),
            };
            let Some(list) =
                get_json::<GoogleCalendarList>(self.http, &url, &self.access_token, None).await?
            else {
                return Err(Error::Status {
                    what: "the calendar list",
                    status: 410,
                });
            };
            out.extend(list.items.into_iter().map(|c| {
                RemoteCalendar {
                    name: c
                        .summary_override
                        .or(c.summary)
                        .unwrap_or_else(|| c.id.clone()),
                    color: c.background_color,
                    writable: matches!(c.access_role.as_deref(), Some("owner" | "writer")),
                    primary: c.primary,
                    id: c.id,
                }
            }));
            match list.next_page_token {
                Some(next) => page = Some(next),
                None => return Ok(out),
            }
        }
        Err(Error::Malformed("too many pages".into()))
    }
}

impl Provider for Google<'_> {
    async fn changes(
        &self,
        calendar_id: &str,
        token: Option<&str>,
        from: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Result<RemoteChanges, Error> {
        let base = self.events_url(calendar_id);
        let (mut changed, mut removed) = (Vec::new(), Vec::new());
        let mut page: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let from_s = from.to_string();
            let until_s = until.to_string();
            let mut params: Vec<(&str, &str)> =
                vec![("singleEvents", "true"), ("showDeleted", "true")];
            match token {
                // With a sync token Google refuses time bounds.
                Some(t) => params.push(("syncToken", t)),
                None => {
                    params.push(("timeMin", &from_s));
                    params.push(("timeMax", &until_s));
                }
            }
            if let Some(p) = &page {
                params.push(("pageToken", p));
            }
            let url = format!("{base}?{}", crate::oauth::form(&params));
            let Some(list) =
                get_json::<GoogleList>(self.http, &url, &self.access_token, None).await?
            else {
                return Ok(RemoteChanges::Expired);
            };
            for e in list.items {
                let cancelled = e.status.as_deref() == Some("cancelled");
                match (
                    cancelled,
                    e.start
                        .as_ref()
                        .zip(e.end.as_ref())
                        .and_then(|(s, en)| google_when(s, en)),
                ) {
                    (false, Some(when)) => changed.push(RemoteEvent {
                        busy: e.transparency.as_deref() != Some("transparent"),
                        id: e.id,
                        when,
                    }),
                    _ => removed.push(e.id),
                }
            }
            match list.next_page_token {
                Some(next) => page = Some(next),
                None => {
                    return Ok(RemoteChanges::Delta {
                        changed,
                        removed,
                        next: list.next_sync_token,
                    });
                }
            }
        }
        Err(Error::Malformed("too many pages".into()))
    }
}

// --- Microsoft Graph ------------------------------------------------------------------------

/// Microsoft Graph v1.0 (`base` is `https://graph.microsoft.com/v1.0`).
#[derive(Debug, Clone)]
pub struct Microsoft<'a> {
    pub http: &'a outbound::Client,
    pub base: String,
    pub access_token: String,
}

#[derive(Deserialize)]
struct GraphPage {
    #[serde(default)]
    value: Vec<GraphEvent>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
    #[serde(rename = "@odata.deltaLink")]
    delta_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphEvent {
    id: String,
    #[serde(rename = "@removed")]
    removed: Option<serde_json::Value>,
    #[serde(default)]
    is_cancelled: bool,
    #[serde(default)]
    is_all_day: bool,
    show_as: Option<String>,
    start: Option<GraphTime>,
    end: Option<GraphTime>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphTime {
    date_time: String,
}

/// Graph date-times are local to the `Prefer: outlook.timezone` we send (UTC), without an
/// offset and with up to 7 fraction digits.
fn graph_instant(text: &str) -> Option<jiff::Timestamp> {
    let dt: jiff::civil::DateTime = text.parse().ok()?;
    dt.to_zoned(jiff::tz::TimeZone::UTC)
        .ok()
        .map(|z| z.timestamp())
}

#[derive(Deserialize)]
struct GraphCalendarPage {
    #[serde(default)]
    value: Vec<GraphCalendar>,
    #[serde(rename = "@odata.nextLink")]
    next_link: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GraphCalendar {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    hex_color: Option<String>,
    #[serde(default)]
    can_edit: bool,
    #[serde(default)]
    is_default_calendar: bool,
}

impl Microsoft<'_> {
    /// The account's calendars (`GET /me/calendars`), following `@odata.nextLink`.
    pub async fn calendars(&self) -> Result<Vec<RemoteCalendar>, Error> {
        let mut url = format!("{}/me/calendars", self.base.trim_end_matches('/'));
        let mut out = Vec::new();
        for _ in 0..MAX_PAGES {
            let Some(page) =
                get_json::<GraphCalendarPage>(self.http, &url, &self.access_token, None).await?
            else {
                return Err(Error::Status {
                    what: "the calendar list",
                    status: 410,
                });
            };
            out.extend(page.value.into_iter().map(|c| RemoteCalendar {
                name: c.name.unwrap_or_else(|| c.id.clone()),
                // Graph says "" when a calendar has no color of its own.
                color: c.hex_color.filter(|h| !h.is_empty()),
                writable: c.can_edit,
                primary: c.is_default_calendar,
                id: c.id,
            }));
            match page.next_link {
                Some(next) => url = next,
                None => return Ok(out),
            }
        }
        Err(Error::Malformed("too many pages".into()))
    }
}

impl Provider for Microsoft<'_> {
    async fn changes(
        &self,
        calendar_id: &str,
        token: Option<&str>,
        from: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Result<RemoteChanges, Error> {
        let mut url = match token {
            Some(delta_link) => delta_link.to_owned(),
            None => format!(
                "{}/me/calendars/{}/calendarView/delta?{}",
                self.base.trim_end_matches('/'),
                segment(calendar_id),
                crate::oauth::form(&[
                    ("startDateTime", &from.to_string()),
                    ("endDateTime", &until.to_string()),
                ])
            ),
        };
        let (mut changed, mut removed) = (Vec::new(), Vec::new());
        for _ in 0..MAX_PAGES {
            let Some(page) = get_json::<GraphPage>(
                self.http,
                &url,
                &self.access_token,
                Some(("prefer", "outlook.timezone=\"UTC\"")),
            )
            .await?
            else {
                return Ok(RemoteChanges::Expired);
            };
            for e in page.value {
                if e.removed.is_some() || e.is_cancelled {
                    removed.push(e.id);
                    continue;
                }
                let (Some(start), Some(end)) = (e.start, e.end) else {
                    removed.push(e.id);
                    continue;
                };
                let when = if e.is_all_day {
                    let day = |t: &str| t.get(..10).and_then(|d| d.parse().ok());
                    day(&start.date_time)
                        .zip(day(&end.date_time))
                        .map(|(start, end)| RemoteWhen::AllDay { start, end })
                } else {
                    graph_instant(&start.date_time)
                        .zip(graph_instant(&end.date_time))
                        .map(|(start, end)| RemoteWhen::At { start, end })
                };
                match when {
                    Some(when) => changed.push(RemoteEvent {
                        busy: !matches!(e.show_as.as_deref(), Some("free" | "workingElsewhere")),
                        id: e.id,
                        when,
                    }),
                    None => removed.push(e.id),
                }
            }
            match (page.next_link, page.delta_link) {
                (Some(next), _) => url = next,
                (None, delta) => {
                    return Ok(RemoteChanges::Delta {
                        changed,
                        removed,
                        next: delta,
                    });
                }
            }
        }
        Err(Error::Malformed("too many pages".into()))
    }
}

// --- Writing bookings -----------------------------------------------------------------------

/// A booking as it is written into a Google or Microsoft calendar.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutgoingEvent {
    /// The booking's uid: Google's `iCalUID`, Microsoft's `transactionId` on creation.
    pub uid: String,
    /// RFC 5545 SEQUENCE (Google keeps it; Graph has no such field).
    pub sequence: u32,
    pub summary: String,
    pub description: String,
    pub location: String,
    pub start: jiff::Timestamp,
    pub end: jiff::Timestamp,
    /// The host's IANA zone: Google shows the event in it (the instants stay UTC).
    pub time_zone: String,
}

/// An event as the provider stored it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WrittenEvent {
    /// The provider's event id: what its event feed reports the event under.
    pub id: String,
    pub etag: Option<String>,
    /// Google's `sequence`, when it says.
    pub sequence: Option<u32>,
}

#[derive(Deserialize)]
struct WrittenBody {
    id: String,
    #[serde(default)]
    etag: Option<String>,
    #[serde(rename = "@odata.etag", default)]
    odata_etag: Option<String>,
    #[serde(default)]
    sequence: Option<u32>,
}

impl From<WrittenBody> for WrittenEvent {
    fn from(body: WrittenBody) -> Self {
        Self {
            id: body.id,
            etag: body.etag.or(body.odata_etag),
            sequence: body.sequence,
        }
    }
}

/// Which answers mean "not there" for a request that addresses one event.
#[derive(Clone, Copy)]
enum Missing {
    /// Any failure status is an error.
    IsError,
    /// 404 (and 410, Google's answer for a deleted event) mean the event is gone.
    IsNone,
}

/// Sends `body` as JSON (or nothing) and reads a JSON answer; `Ok(None)` for a missing event
/// when `missing` allows, and for an empty (204) answer.
async fn send_json<T: for<'de> Deserialize<'de>>(
    http: &outbound::Client,
    method: Method,
    url: &str,
    access_token: &str,
    body: Option<&serde_json::Value>,
    missing: Missing,
) -> Result<Option<T>, Error> {
    let mut request = http
        .request(method, url)?
        .bearer_auth(access_token)
        .header("accept", "application/json");
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = http.send(request).await?;
    let status = response.status();
    if matches!(missing, Missing::IsNone)
        && matches!(status, StatusCode::NOT_FOUND | StatusCode::GONE)
    {
        return Ok(None);
    }
    if !status.is_success() {
        return Err(Error::status("the calendar API", status));
    }
    if status == StatusCode::NO_CONTENT {
        return Ok(None);
    }
    let bytes = http.read_body(response).await?;
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| Error::Malformed(e.to_string()))
}

/// A path segment, percent-encoded (calendar ids are e-mail addresses at Google).
fn segment(text: &str) -> String {
    crate::oauth::form(&[("", text)])
        .trim_start_matches('=')
        .to_owned()
}

/// The private extended property that marks an event as a booking of ours.
pub const BOOKING_PROPERTY: &str = "rendezvousBooking";

#[derive(Deserialize)]
struct GoogleFound {
    #[serde(default)]
    items: Vec<WrittenBody>,
}

impl Google<'_> {
    fn events_url(&self, calendar_id: &str) -> String {
        format!(
            "{}/calendars/{}/events",
            self.base.trim_end_matches('/'),
            segment(calendar_id)
        )
    }

    fn event_body(event: &OutgoingEvent) -> serde_json::Value {
        let at = |t: &jiff::Timestamp| serde_json::json!({ "dateTime": t.to_string(), "timeZone": event.time_zone });
        serde_json::json!({
            "iCalUID": event.uid,
            "sequence": event.sequence,
            "status": "confirmed",
            "transparency": "opaque",
            "summary": event.summary,
            "description": event.description,
            "location": event.location,
            "start": at(&event.start),
            "end": at(&event.end),
            "extendedProperties": { "private": { BOOKING_PROPERTY: event.uid } },
        })
    }

    /// The event with this iCalendar UID, even a deleted one (`events.list?iCalUID=`): a
    /// retried write finds what an interrupted one created.
    pub async fn find_by_ical_uid(
        &self,
        calendar_id: &str,
        uid: &str,
    ) -> Result<Option<WrittenEvent>, Error> {
        let url = format!(
            "{}?{}",
            self.events_url(calendar_id),
            crate::oauth::form(&[("iCalUID", uid), ("showDeleted", "true")])
        );
        let found: Option<GoogleFound> = send_json(
            self.http,
            Method::GET,
            &url,
            &self.access_token,
            None,
            Missing::IsError,
        )
        .await?;
        Ok(found
            .and_then(|f| f.items.into_iter().next())
            .map(Into::into))
    }

    /// `events.insert`, without Google e-mailing anyone (we send our own messages).
    pub async fn insert(
        &self,
        calendar_id: &str,
        event: &OutgoingEvent,
    ) -> Result<WrittenEvent, Error> {
        let url = format!("{}?sendUpdates=none", self.events_url(calendar_id));
        let written: Option<WrittenBody> = send_json(
            self.http,
            Method::POST,
            &url,
            &self.access_token,
            Some(&Self::event_body(event)),
            Missing::IsError,
        )
        .await?;
        written
            .map(Into::into)
            .ok_or_else(|| Error::Malformed("events.insert answered no event".into()))
    }

    /// `events.update` (the whole event; a deleted one comes back to `confirmed`). `None`
    /// when the event is gone for good.
    pub async fn update(
        &self,
        calendar_id: &str,
        event_id: &str,
        event: &OutgoingEvent,
    ) -> Result<Option<WrittenEvent>, Error> {
        let url = format!(
            "{}/{}?sendUpdates=none",
            self.events_url(calendar_id),
            segment(event_id)
        );
        let written: Option<WrittenBody> = send_json(
            self.http,
            Method::PUT,
            &url,
            &self.access_token,
            Some(&Self::event_body(event)),
            Missing::IsNone,
        )
        .await?;
        Ok(written.map(Into::into))
    }

    /// `events.delete`; an event already gone (404, or 410 Gone) counts as deleted.
    pub async fn delete(&self, calendar_id: &str, event_id: &str) -> Result<(), Error> {
        let url = format!(
            "{}/{}?sendUpdates=none",
            self.events_url(calendar_id),
            segment(event_id)
        );
        send_json::<serde_json::Value>(
            self.http,
            Method::DELETE,
            &url,
            &self.access_token,
            None,
            Missing::IsNone,
        )
        .await?;
        Ok(())
    }
}

impl Microsoft<'_> {
    fn event_url(&self, event_id: &str) -> String {
        format!(
            "{}/me/events/{}",
            self.base.trim_end_matches('/'),
            segment(event_id)
        )
    }

    /// Graph's shape: wall-clock times in the named zone (we name UTC), plain-text body.
    /// No attendees: Outlook would send them meeting requests of its own.
    fn event_body(event: &OutgoingEvent) -> serde_json::Value {
        let at = |t: &jiff::Timestamp| {
            let utc = t.to_zoned(jiff::tz::TimeZone::UTC).datetime();
            serde_json::json!({ "dateTime": utc.strftime("%Y-%m-%dT%H:%M:%S").to_string(), "timeZone": "UTC" })
        };
        serde_json::json!({
            "subject": event.summary,
            "body": { "contentType": "text", "content": event.description },
            "start": at(&event.start),
            "end": at(&event.end),
            "location": { "displayName": event.location },
            "showAs": "busy",
            "isReminderOn": true,
        })
    }

    /// `POST /me/calendars/{id}/events` with `transaction_id` as Graph's idempotency key: a
    /// retried create answers the event the first one made instead of making another.
    pub async fn create(
        &self,
        calendar_id: &str,
        event: &OutgoingEvent,
        transaction_id: &str,
    ) -> Result<WrittenEvent, Error> {
        let url = format!(
            "{}/me/calendars/{}/events",
            self.base.trim_end_matches('/'),
            segment(calendar_id)
        );
        let mut body = Self::event_body(event);
        body["transactionId"] = serde_json::Value::String(transaction_id.to_owned());
        let written: Option<WrittenBody> = send_json(
            self.http,
            Method::POST,
            &url,
            &self.access_token,
            Some(&body),
            Missing::IsError,
        )
        .await?;
        written
            .map(Into::into)
            .ok_or_else(|| Error::Malformed("creating the event answered no event".into()))
    }

    /// `PATCH /me/events/{id}`; `None` when the event is gone (404).
    pub async fn update(
        &self,
        event_id: &str,
        event: &OutgoingEvent,
    ) -> Result<Option<WrittenEvent>, Error> {
        let written: Option<WrittenBody> = send_json(
            self.http,
            Method::PATCH,
            &self.event_url(event_id),
            &self.access_token,
            Some(&Self::event_body(event)),
            Missing::IsNone,
        )
        .await?;
        Ok(written.map(Into::into))
    }

    /// `DELETE /me/events/{id}`; a 404 counts as deleted.
    pub async fn delete(&self, event_id: &str) -> Result<(), Error> {
        send_json::<serde_json::Value>(
            self.http,
            Method::DELETE,
            &self.event_url(event_id),
            &self.access_token,
            None,
            Missing::IsNone,
        )
        .await?;
        Ok(())
    }
}
