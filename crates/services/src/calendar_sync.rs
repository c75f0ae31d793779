//! Calendar connections: connect (discover and save), sync (incremental or full), and the
//! periodic sync of every due connection.
//!
//! Periodic sync is a durable job per connection (`calendar.sync`, see
//! [`crate::calendar_jobs`]), queued with the connection and moved to its next due time
//! after each run; on-demand sync is the API's `POST .../sync`. Both call
//! [`sync_connection`], which holds the connection's lease (`sync:<id>` in
//! `calendar_locks`) while it runs, so several workers on one database, or a worker and the
//! API, never sync one connection at the same time.
//!
//! Failure policy: a calendar that cannot be reached keeps its last synced busy time and
//! the connection is marked `error` with the reason; the host never silently becomes free
//! (nor completely unavailable).

use std::time::Duration;

use calendars::{CalDav, Credentials, FeedFetch, SyncChanges};
use domain::calendars::{
    CalendarEntry, CalendarSync, Connection, LogEntry, NewCalendar, SyncReport,
};
use domain::ids::{CalendarConnectionId, CalendarId, Timestamp, UserId};
use store::repo::calendars::NewConnection;
use store::repo::jobs::NewJob;
use store::{Db, Granted, Scope, can};

use crate::ServiceError;
use crate::calendar_context::{Failure, Window, context_of};
use crate::fields::Invalid;

pub use crate::calendar_context::{CalendarContext, DEFAULT_SYNC_EVERY};

/// How long one sync may hold its connection's lease; a sync that dies leaves it this long.
const SYNC_LEASE: Duration = Duration::from_secs(120);

/// Busy time is kept from a day ago to this far ahead.
pub const HORIZON_DAYS: i64 = 365;
/// Problems reported in one log line at most.
const MAX_PROBLEMS: usize = 5;

#[derive(Clone, Debug)]
pub struct ConnectInput {
    /// Whose calendars: the caller when absent.
    pub user_id: Option<UserId>,
    /// `caldav` or `ics`.
    pub kind: String,
    pub name: Option<String>,
    pub url: String,
    pub username: String,
    pub password: String,
}

/// A connection with its calendars.
#[derive(Clone, Debug)]
pub struct ConnectionView {
    pub connection: Connection,
    pub calendars: Vec<CalendarEntry>,
    /// What the last sync could read only in part (a malformed event blocks more, never
    /// less, and is named here), when it succeeded with warnings.
    pub warnings: Option<String>,
}

/// Whether a connection of `kind` can receive bookings: an ICS feed is read-only.
pub fn may_receive_bookings(kind: &str) -> bool {
    kind != "ics"
}

/// Connects a CalDAV account (discovering its calendars) or an ICS feed, then syncs it once.
/// Every event calendar blocks availability at first; none receives bookings until chosen.
pub async fn connect(
    db: &Db,
    ctx: &CalendarContext,
    scope: &Scope,
    input: ConnectInput,
) -> Result<ConnectionView, ServiceError> {
    let (grant, user_id) =
        crate::access::acting_for::<can::ManageAvailability>(db, scope, input.user_id).await?;
    let mut invalid = Invalid::default();
    let caldav = input.kind == "caldav";
    invalid.check(
        caldav || input.kind == "ics",
        "/kind",
        "one_of",
        "must be caldav or ics",
    );
    let url = input.url.trim().to_owned();
    if let Err(e) = ctx.http.check_url(&url.replace("webcal://", "https://")) {
        invalid.push("/url", "url", e.to_string());
    }
    if caldav {
        invalid.check(
            !input.username.trim().is_empty(),
            "/username",
            "required",
            "a CalDAV account needs a username",
        );
        invalid.check(
            !input.password.is_empty(),
            "/password",
            "required",
            "a CalDAV account needs a password or app password",
        );
    }
    invalid.check(
        url.len() <= 2000,
        "/url",
        "length",
        "must be at most 2000 characters",
    );
    invalid.finish()?;

    let (calendars, name) = if caldav {
        let credentials = Credentials {
            username: input.username.trim().to_owned(),
            password: input.password.clone(),
        };
        let found = CalDav::new(&ctx.http, &credentials)
            .discover(&url)
            .await
            .map_err(|e| match e {
                calendars::Error::Unauthorized(_) => ServiceError::field(
                    "/password",
                    "rejected",
                    "the server refused these credentials",
                ),
                other => ServiceError::field(
                    "/url",
                    "unreachable",
                    format!("no calendars found: {other}"),
                ),
            })?;
        let calendars: Vec<NewCalendar> = found
            .into_iter()
            .filter(|c| c.supports_events)
            .map(|c| NewCalendar {
                url: c.url,
                display_name: c.display_name,
                color: c.color,
                blocks_availability: true,
                receives_bookings: false,
            })
            .collect();
        let host = outbound::Url::parse(&url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_default();
        (calendars, input.name.unwrap_or(host))
    } else {
        let name = input.name.unwrap_or_else(|| "ICS feed".to_owned());
        let calendar = NewCalendar {
            url: url.clone(),
            display_name: name.clone(),
            color: None,
            blocks_availability: true,
            receives_bookings: false,
        };
        (vec![calendar], name)
    };
    let secret = caldav.then(|| {
        ctx.keys.seal(
            &context_of(scope.organization_id(), user_id),
            &input.password,
        )
    });
    let new = NewConnection {
        user_id,
        kind: input.kind,
        name: name.chars().take(200).collect(),
        url,
        username: input.username.trim().to_owned(),
        secret,
    };
    let connection = save_connection(db, ctx, &grant, new, calendars).await?;
    sync_connection(db, ctx, &grant, connection.id).await?;
    view(db, scope, connection.id).await
}

/// The job kind that syncs one calendar connection and schedules its next sync.
pub const CALENDAR_SYNC_JOB: &str = "calendar.sync";

/// The periodic sync job of a connection, first due at `run_at`. Its idempotency key is the
/// connection, so a connection has exactly one sync job: the handler moves that same job to
/// the next due time instead of queueing another.
pub(crate) fn sync_job(connection_id: CalendarConnectionId, run_at: Timestamp) -> NewJob {
    let mut job = NewJob::now(
        CALENDAR_SYNC_JOB,
        serde_json::json!({ "connection_id": connection_id }),
    );
    job.run_at = run_at;
    job.idempotency_key = Some(sync_key(connection_id));
    job
}

/// The idempotency key of a connection's sync job.
pub(crate) fn sync_key(connection_id: CalendarConnectionId) -> String {
    format!("connection:{connection_id}")
}

/// Saves a connection with its discovered calendars and, when periodic sync is on, queues
/// its sync job in the same transaction, so no connection is left without one.
pub(crate) async fn save_connection(
    db: &Db,
    ctx: &CalendarContext,
    grant: &Granted<can::ManageAvailability>,
    new: NewConnection,
    calendars: Vec<NewCalendar>,
) -> Result<Connection, ServiceError> {
    let mut unit = db.begin_unit(grant.scope().organization_id()).await?;
    let (connection, _) = unit.calendars().create(grant, new, calendars).await?;
    if let Some(at) = ctx.next_sync_at() {
        unit.jobs().enqueue(&sync_job(connection.id, at)).await?;
    }
    unit.commit().await?;
    Ok(connection)
}

/// A connection and its calendars: the caller's own, or anyone's for who may act for others
/// (a connection's address and account are its owner's secrets).
pub async fn view(
    db: &Db,
    scope: &Scope,
    id: CalendarConnectionId,
) -> Result<ConnectionView, ServiceError> {
    crate::access::reading::<can::ReadAvailability>(scope)?;
    let connection = db.calendar_connections().get(scope, id).await?;
    crate::access::reading_own::<can::ReadAvailability>(scope, connection.user_id)?;
    let calendars = db.calendar_connections().calendars(scope, id).await?;
    let warnings = last_warnings(db, scope, id).await?;
    Ok(ConnectionView {
        connection,
        calendars,
        warnings,
    })
}

/// The warnings of the connection's latest sync, if it succeeded with some.
async fn last_warnings(
    db: &Db,
    scope: &Scope,
    id: CalendarConnectionId,
) -> Result<Option<String>, ServiceError> {
    let latest = db.calendar_connections().logs(scope, id, 1).await?;
    Ok(latest
        .into_iter()
        .next()
        .filter(|log| log.outcome == "ok" && !log.detail.is_empty())
        .map(|log| log.detail))
}

/// A user's connections: the caller's, or another's for who may act for others.
pub async fn list(
    db: &Db,
    scope: &Scope,
    user_id: Option<UserId>,
) -> Result<Vec<ConnectionView>, ServiceError> {
    let (_, user_id) =
        crate::access::reading_for::<can::ReadAvailability>(db, scope, user_id).await?;
    crate::access::reading_own::<can::ReadAvailability>(scope, user_id)?;
    let mut out = Vec::new();
    for connection in db.calendar_connections().list(scope, user_id).await? {
        let calendars = db
            .calendar_connections()
            .calendars(scope, connection.id)
            .await?;
        let warnings = last_warnings(db, scope, connection.id).await?;
        out.push(ConnectionView {
            connection,
            calendars,
            warnings,
        });
    }
    Ok(out)
}

/// The connection's latest sync attempts.
pub async fn logs(
    db: &Db,
    scope: &Scope,
    id: CalendarConnectionId,
) -> Result<Vec<LogEntry>, ServiceError> {
    crate::access::reading::<can::ReadAvailability>(scope)?;
    let connection = db.calendar_connections().get(scope, id).await?;
    crate::access::reading_own::<can::ReadAvailability>(scope, connection.user_id)?;
    Ok(db.calendar_connections().logs(scope, id, 50).await?)
}

/// Chooses whether a calendar blocks availability and whether it receives bookings.
pub async fn choose(
    db: &Db,
    scope: &Scope,
    connection_id: CalendarConnectionId,
    calendar_id: CalendarId,
    blocks_availability: bool,
    receives_bookings: bool,
) -> Result<CalendarEntry, ServiceError> {
    let calendar = db
        .calendar_connections()
        .calendar(scope, calendar_id)
        .await?;
    if calendar.connection_id != connection_id {
        return Err(ServiceError::NotFound("calendar"));
    }
    let connection = db.calendar_connections().get(scope, connection_id).await?;
    let (grant, _) =
        crate::access::acting_for::<can::ManageAvailability>(db, scope, Some(calendar.user_id))
            .await?;
    if receives_bookings && !may_receive_bookings(&connection.kind) {
        return Err(ServiceError::field(
            "/receives_bookings",
            "read_only",
            "an ICS feed is read-only: bookings are written to CalDAV, Google or Microsoft calendars",
        ));
    }
    Ok(db
        .calendar_connections()
        .choose(&grant, calendar_id, blocks_availability, receives_bookings)
        .await?)
}

/// Disconnects: the connection, its calendars and their busy time are removed.
pub async fn disconnect(
    db: &Db,
    scope: &Scope,
    id: CalendarConnectionId,
) -> Result<(), ServiceError> {
    let connection = db.calendar_connections().get(scope, id).await?;
    let (grant, _) =
        crate::access::acting_for::<can::ManageAvailability>(db, scope, Some(connection.user_id))
            .await?;
    Ok(db.calendar_connections().delete(&grant, id).await?)
}

/// Syncs a connection now, on behalf of `scope` (the API's on-demand sync).
pub async fn sync_now(
    db: &Db,
    ctx: &CalendarContext,
    scope: &Scope,
    id: CalendarConnectionId,
) -> Result<LogEntry, ServiceError> {
    let connection = db.calendar_connections().get(scope, id).await?;
    let (grant, _) =
        crate::access::acting_for::<can::ManageAvailability>(db, scope, Some(connection.user_id))
            .await?;
    sync_connection(db, ctx, &grant, id).await
}

/// Syncs one connection: every calendar that blocks availability, incrementally when it has
/// a sync token. Calendar errors are recorded on the connection (status `error`, the busy
/// time kept) and are not errors of this function; database errors are. While another sync
/// of the same connection runs (another worker, or the API), this one does nothing and says
/// [`ServiceError::Conflict`]`(`[`SyncRunning`](domain::refusals::Conflict::SyncRunning)`)`.
pub async fn sync_connection(
    db: &Db,
    ctx: &CalendarContext,
    grant: &Granted<can::ManageAvailability>,
    id: CalendarConnectionId,
) -> Result<LogEntry, ServiceError> {
    let lock = format!("sync:{id}");
    let holder = uuid::Uuid::now_v7().to_string();
    let repo = db.calendar_connections();
    if !repo.try_lock(grant, &lock, &holder, SYNC_LEASE).await? {
        return Err(ServiceError::Conflict(
            domain::refusals::Conflict::SyncRunning,
        ));
    }
    let synced = sync_locked(db, ctx, grant, id).await;
    // A lease left behind expires on its own; the sync's outcome matters more.
    if let Err(e) = repo.unlock(grant, &lock, &holder).await {
        tracing::warn!(connection = %id, error = %e, "releasing a calendar sync lease failed");
    }
    synced
}

async fn sync_locked(
    db: &Db,
    ctx: &CalendarContext,
    grant: &Granted<can::ManageAvailability>,
    id: CalendarConnectionId,
) -> Result<LogEntry, ServiceError> {
    let scope = grant.scope();
    let repo = db.calendar_connections();
    let connection = repo.get(scope, id).await?;
    let calendars = repo.calendars(scope, id).await?;
    let host = db.users().get(scope, connection.user_id).await?;
    let zone = jiff::tz::TimeZone::get(&host.time_zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let now = Timestamp::now();
    let window = (
        now.plus(-jiff::SignedDuration::from_hours(24)),
        now.plus(jiff::SignedDuration::from_hours(24 * HORIZON_DAYS)),
    );
    // Calendars not read in full since this are read in full (see `needs_full_read`).
    let full_before = now.plus(-FULL_READ_EVERY);
    let calendars: Vec<CalendarEntry> = calendars
        .into_iter()
        .map(|mut c| {
            if needs_full_read(&c, full_before) {
                c.sync_token = None;
                c.etag = None;
                c.last_modified = None;
            }
            c
        })
        .collect();
    let mut report = SyncReport {
        started_at: now,
        mode: String::new(),
        changed: 0,
        deleted: 0,
        detail: String::new(),
    };
    let outcome = match connection.kind.as_str() {
        "caldav" => {
            let context = context_of(scope.organization_id(), connection.user_id);
            let password = match repo.secret(grant, id).await? {
                Some(sealed) => {
                    let opened = ctx
                        .keys
                        .open(&context, &sealed)
                        .map_err(|e| Failure::new(format!("{e}; reconnect the calendar")));
                    // Sealed under a previous key (rotation): seal it again under the
                    // current one, so the old key can be retired.
                    if let Ok(password) = &opened
                        && sealed.key_id != ctx.keys.current_id()
                    {
                        repo.replace_secret(grant, id, ctx.keys.seal(&context, password))
                            .await?;
                    }
                    opened
                }
                None => Err(Failure::new("no stored password; reconnect the calendar")),
            };
            match password {
                Ok(password) => {
                    let credentials = Credentials {
                        username: connection.username.clone(),
                        password,
                    };
                    let dav = CalDav::new(&ctx.http, &credentials);
                    sync_caldav(&dav, &calendars, window, &zone, &mut report).await
                }
                Err(f) => Err(f),
            }
        }
        "google" | "microsoft" => {
            crate::oauth_calendars::sync_oauth(
                db,
                ctx,
                grant,
                &connection,
                &calendars,
                window,
                &zone,
                &mut report,
            )
            .await?
        }
        _ => sync_feeds(&ctx.http, &calendars, window, &zone, &mut report).await,
    };
    let entry = match outcome {
        Ok(syncs) => repo.record_sync(grant, id, syncs, report).await?,
        Err(failure) => {
            report.detail = failure.into_reason();
            if report.mode.is_empty() {
                report.mode = "failed".to_owned();
            }
            repo.record_failure(grant, id, report).await?
        }
    };
    Ok(entry)
}

/// How often a calendar is read in full even when the server offers only changes.
const FULL_READ_EVERY: jiff::SignedDuration = jiff::SignedDuration::from_hours(24);

/// Whether a calendar is due a full read: an incremental sync re-expands only changed
/// events, so an unchanged weekly event's instances would stop at the horizon as it was when
/// the event last changed. Reading everything once a day (ignoring the sync token, the
/// feed's ETag and Last-Modified) rolls the horizon forward.
fn needs_full_read(calendar: &CalendarEntry, full_before: Timestamp) -> bool {
    calendar.full_synced_at.is_none_or(|at| at < full_before)
}

/// The busy periods of one resource's iCalendar text, with any problems noted in `report`.
fn periods_of(
    data: &str,
    window: Window,
    zone: &jiff::tz::TimeZone,
    report: &mut SyncReport,
    problems: &mut Vec<String>,
) -> Vec<(Timestamp, Timestamp)> {
    let expansion = ical::busy_times(data, window.0.to_jiff(), window.1.to_jiff(), zone);
    problems.extend(expansion.problems);
    report.changed += 1;
    expansion
        .busy
        .into_iter()
        .map(|b| (Timestamp::from(b.start), Timestamp::from(b.end)))
        .collect()
}

/// The periods of a full read's resources, by resource URL, in their order.
///
/// RFC 4791 keeps every component of one UID in one resource, but some servers store a moved
/// instance (a `RECURRENCE-ID` override) in a resource of its own. Expanded apart, both the
/// original time and the new one would block. Resources that share an event UID are
/// therefore expanded together, and their periods are kept under the first of them (the
/// others keep none). An incremental sync that sees only the override's resource change
/// expands it alone, which blocks more, never less, until the next full read.
fn full_read_periods(
    resources: Vec<(String, String)>,
    window: Window,
    zone: &jiff::tz::TimeZone,
    report: &mut SyncReport,
    problems: &mut Vec<String>,
) -> Vec<(String, Vec<(Timestamp, Timestamp)>)> {
    // Each resource joins the group of the first of its UIDs seen before, else starts one.
    let mut group_of_uid: std::collections::HashMap<String, usize> = Default::default();
    let mut groups: Vec<Vec<usize>> = Vec::new();
    for (index, (_, data)) in resources.iter().enumerate() {
        let uids = event_uids(data);
        let group = uids
            .iter()
            .find_map(|uid| group_of_uid.get(uid).copied())
            .unwrap_or_else(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
        groups[group].push(index);
        for uid in uids {
            group_of_uid.entry(uid).or_insert(group);
        }
    }
    let mut periods: Vec<Vec<(Timestamp, Timestamp)>> = vec![Vec::new(); resources.len()];
    for members in groups {
        let text = match members.as_slice() {
            [only] => std::borrow::Cow::Borrowed(resources[*only].1.as_str()),
            _ => std::borrow::Cow::Owned(
                members
                    .iter()
                    .map(|&i| resources[i].1.as_str())
                    .collect::<Vec<_>>()
                    .join("\r\n"),
            ),
        };
        periods[members[0]] = periods_of(&text, window, zone, report, problems);
        // Every resource read counts as changed, as when each is expanded alone.
        report.changed += i32::try_from(members.len() - 1).unwrap_or(i32::MAX);
    }
    resources
        .into_iter()
        .map(|(url, _)| url)
        .zip(periods)
        .collect()
}

/// The UIDs of the events in `data` (an event without one shares nothing).
fn event_uids(data: &str) -> Vec<String> {
    let mut events = Vec::new();
    let roots = ical::parse(data);
    for root in &roots {
        root.find_all("VEVENT", &mut events);
    }
    let mut uids: Vec<String> = events
        .iter()
        .filter_map(|e| e.property("UID"))
        .map(|p| p.value.trim().to_owned())
        .filter(|uid| !uid.is_empty())
        .collect();
    uids.sort_unstable();
    uids.dedup();
    uids
}

fn finish_detail(report: &mut SyncReport, problems: Vec<String>) {
    let shown: Vec<String> = problems.iter().take(MAX_PROBLEMS).cloned().collect();
    report.detail = if shown.is_empty() {
        String::new()
    } else {
        format!(
            "{} item(s) read in part: {}",
            problems.len(),
            shown.join("; ")
        )
    };
}

async fn sync_caldav(
    dav: &CalDav<'_>,
    calendars: &[CalendarEntry],
    window: Window,
    zone: &jiff::tz::TimeZone,
    report: &mut SyncReport,
) -> Result<Vec<CalendarSync>, Failure> {
    let mut syncs = Vec::new();
    let mut problems = Vec::new();
    let mut modes = Vec::new();
    for calendar in calendars.iter().filter(|c| c.blocks_availability) {
        let delta = match &calendar.sync_token {
            Some(token) => match dav.sync_collection(&calendar.url, Some(token)).await? {
                SyncChanges::Delta {
                    changed,
                    deleted,
                    token,
                } => Some((changed, deleted, token)),
                SyncChanges::TokenRejected => None,
            },
            None => None,
        };
        let sync = match delta {
            Some((changed, deleted, token)) => {
                modes.push("incremental");
                report.deleted += i32::try_from(deleted.len()).unwrap_or(i32::MAX);
                CalendarSync {
                    calendar_id: calendar.id,
                    replace_all: false,
                    removed: deleted,
                    changed: changed
                        .into_iter()
                        .map(|r| {
                            let periods = periods_of(&r.data, window, zone, report, &mut problems);
                            (r.url, periods)
                        })
                        .collect(),
                    sync_token: token.or_else(|| calendar.sync_token.clone()),
                    update_validators: true,
                    ..CalendarSync::default()
                }
            }
            None => {
                modes.push("full");
                // The token first: a change made during the fetch is seen again next time.
                let token = dav.sync_token(&calendar.url).await?;
                let resources = dav
                    .calendar_query(&calendar.url, window.0.to_jiff(), window.1.to_jiff())
                    .await?;
                let resources = resources.into_iter().map(|r| (r.url, r.data)).collect();
                CalendarSync {
                    calendar_id: calendar.id,
                    replace_all: true,
                    changed: full_read_periods(resources, window, zone, report, &mut problems),
                    sync_token: token,
                    update_validators: true,
                    ..CalendarSync::default()
                }
            }
        };
        syncs.push(sync);
    }
    modes.dedup();
    report.mode = if modes.is_empty() {
        "none".to_owned()
    } else {
        modes.join("+")
    };
    finish_detail(report, problems);
    Ok(syncs)
}

async fn sync_feeds(
    http: &outbound::Client,
    calendars: &[CalendarEntry],
    window: Window,
    zone: &jiff::tz::TimeZone,
    report: &mut SyncReport,
) -> Result<Vec<CalendarSync>, Failure> {
    let mut syncs = Vec::new();
    let mut problems = Vec::new();
    report.mode = "feed".to_owned();
    for calendar in calendars.iter().filter(|c| c.blocks_availability) {
        match calendars::fetch_feed(
            http,
            &calendar.url,
            calendar.etag.as_deref(),
            calendar.last_modified.as_deref(),
        )
        .await?
        {
            FeedFetch::NotModified => report.mode = "not_modified".to_owned(),
            FeedFetch::Body {
                text,
                etag,
                last_modified,
            } => {
                let periods = periods_of(&text, window, zone, report, &mut problems);
                syncs.push(CalendarSync {
                    calendar_id: calendar.id,
                    replace_all: true,
                    changed: vec![(calendar.url.clone(), periods)],
                    etag,
                    last_modified,
                    update_validators: true,
                    ..CalendarSync::default()
                });
            }
        }
    }
    finish_detail(report, problems);
    Ok(syncs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calendar(full_synced_at: Option<Timestamp>) -> CalendarEntry {
        CalendarEntry {
            id: CalendarId::new(),
            connection_id: CalendarConnectionId::new(),
            user_id: UserId::new(),
            url: "https://dav.example/cal/".to_owned(),
            display_name: "Work".to_owned(),
            color: None,
            blocks_availability: true,
            receives_bookings: false,
            sync_token: Some("t1".to_owned()),
            etag: None,
            last_modified: None,
            full_synced_at,
        }
    }

    #[test]
    fn an_override_in_a_resource_of_its_own_moves_its_instance_on_a_full_read() {
        let day = |d: i8, h: i8| {
            jiff::civil::date(2027, 3, d)
                .at(h, 0, 0, 0)
                .to_zoned(jiff::tz::TimeZone::UTC)
                .unwrap_or_else(|e| panic!("{e}"))
                .timestamp()
        };
        let master = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:standup\r\n\
            DTSTAMP:20270101T000000Z\r\nDTSTART:20270301T090000Z\r\nDTEND:20270301T100000Z\r\n\
            RRULE:FREQ=DAILY;COUNT=3\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        // The second day's instance moved to 14:00, stored as a resource of its own.
        let moved = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:standup\r\n\
            DTSTAMP:20270101T000000Z\r\nRECURRENCE-ID:20270302T090000Z\r\n\
            DTSTART:20270302T140000Z\r\nDTEND:20270302T150000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n";
        let other = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:lunch\r\n\
            DTSTAMP:20270101T000000Z\r\nDTSTART:20270301T120000Z\r\nDTEND:20270301T130000Z\r\n\
            END:VEVENT\r\nEND:VCALENDAR\r\n";
        let window = (Timestamp::from(day(1, 0)), Timestamp::from(day(10, 0)));
        let mut report = SyncReport {
            started_at: Timestamp::now(),
            mode: String::new(),
            changed: 0,
            deleted: 0,
            detail: String::new(),
        };
        let mut problems = Vec::new();
        let read = full_read_periods(
            vec![
                ("/cal/standup.ics".into(), master.into()),
                ("/cal/lunch.ics".into(), other.into()),
                ("/cal/standup-moved.ics".into(), moved.into()),
            ],
            window,
            &jiff::tz::TimeZone::UTC,
            &mut report,
            &mut problems,
        );
        let urls: Vec<&str> = read.iter().map(|(url, _)| url.as_str()).collect();
        assert_eq!(
            urls,
            [
                "/cal/standup.ics",
                "/cal/lunch.ics",
                "/cal/standup-moved.ics"
            ]
        );
        let mut standup = read[0].1.clone();
        standup.sort();
        let expected: Vec<(Timestamp, Timestamp)> = [(1, 9), (2, 14), (3, 9)]
            .iter()
            .map(|&(d, h)| (Timestamp::from(day(d, h)), Timestamp::from(day(d, h + 1))))
            .collect();
        assert_eq!(standup, expected, "the moved instance is not blocked twice");
        assert_eq!(read[1].1.len(), 1, "other events are read as before");
        assert!(
            read[2].1.is_empty(),
            "the override's periods are its master's"
        );
        assert_eq!(report.changed, 3);
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn a_calendar_is_read_in_full_once_a_day() {
        let now = Timestamp::now();
        let full_before = now.plus(-FULL_READ_EVERY);
        assert!(
            needs_full_read(&calendar(None), full_before),
            "never read in full"
        );
        assert!(!needs_full_read(&calendar(Some(now)), full_before));
        let yesterday = now.plus(-jiff::SignedDuration::from_hours(25));
        assert!(needs_full_read(&calendar(Some(yesterday)), full_before));
    }
}
