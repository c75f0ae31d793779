//! Google Calendar and Microsoft 365 connections once connected: their sync through the
//! adapters in `calendars::providers` ([`sync_oauth`], called by `calendar_sync` for these
//! kinds) and the write-back's [`ProviderWriter`].
//!
//! The tokens (access, refresh, expiry) are sealed with the keyring as one JSON value, like a
//! CalDAV password; a refresh (before expiry, or after a 401) seals the new ones.

use calendars::oauth::{OAuthClient, Tokens};
use calendars::providers::{
    Google, Microsoft, OutgoingEvent, Provider, RemoteChanges, RemoteEvent, RemoteWhen,
    WrittenEvent,
};
use domain::calendars::{CalendarEntry, CalendarSync, Connection, SyncReport};
use domain::ids::{CalendarConnectionId, Timestamp};
use serde::{Deserialize, Serialize};
use store::{Db, Granted, can};

use crate::ServiceError;
use crate::calendar_context::{CalendarContext, Failure, Window, context_of};
use crate::oauth_providers::{OAuthProvider, client_of};

/// An access token this close to its expiry is refreshed before use.
const REFRESH_MARGIN: jiff::SignedDuration = jiff::SignedDuration::from_mins(2);

/// The tokens as sealed in `calendar_connections.secret`.
#[derive(Serialize, Deserialize)]
pub(crate) struct StoredTokens {
    access_token: String,
    refresh_token: Option<String>,
    expires_at: jiff::Timestamp,
}

impl From<Tokens> for StoredTokens {
    fn from(t: Tokens) -> Self {
        Self {
            access_token: t.access_token,
            refresh_token: t.refresh_token,
            expires_at: t.expires_at,
        }
    }
}

impl StoredTokens {
    pub(crate) fn to_json(&self) -> String {
        // Strings and a timestamp: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

pub(crate) fn google<'a>(
    ctx: &'a CalendarContext,
    api_url: &str,
    access_token: String,
) -> Google<'a> {
    Google {
        http: &ctx.http,
        base: api_url.to_owned(),
        access_token,
    }
}

pub(crate) fn microsoft<'a>(
    ctx: &'a CalendarContext,
    api_url: &str,
    access_token: String,
) -> Microsoft<'a> {
    Microsoft {
        http: &ctx.http,
        base: api_url.to_owned(),
        access_token,
    }
}

/// A connection's tokens while one sync or write runs: refreshed (and sealed again) when
/// about to expire or refused.
struct TokenSession<'a> {
    db: &'a Db,
    ctx: &'a CalendarContext,
    grant: &'a Granted<can::ManageAvailability>,
    connection_id: CalendarConnectionId,
    context: Vec<u8>,
    client: OAuthClient,
    tokens: StoredTokens,
}

/// `Ok(Err(failure))`: the calendar side failed (recorded on the connection);
/// `Err`: the database did.
pub(crate) type Attempt<T> = Result<Result<T, Failure>, ServiceError>;

macro_rules! calendar_try {
    ($attempt:expr) => {
        match $attempt? {
            Ok(value) => value,
            Err(failure) => return Ok(Err(failure)),
        }
    };
}

impl<'a> TokenSession<'a> {
    async fn open(
        db: &'a Db,
        ctx: &'a CalendarContext,
        grant: &'a Granted<can::ManageAvailability>,
        connection: &Connection,
        client: OAuthClient,
    ) -> Attempt<Self> {
        let repo = db.calendar_connections();
        let context = context_of(grant.scope().organization_id(), connection.user_id);
        let Some(sealed) = repo.secret(grant, connection.id).await? else {
            return Ok(Err(Failure::new(
                "no stored tokens; reconnect the calendar",
            )));
        };
        let opened = match ctx.keys.open(&context, &sealed) {
            Ok(text) => text,
            Err(e) => return Ok(Err(Failure::new(format!("{e}; reconnect the calendar")))),
        };
        let Ok(tokens) = serde_json::from_str::<StoredTokens>(&opened) else {
            return Ok(Err(Failure::new(
                "the stored tokens cannot be read; reconnect the calendar",
            )));
        };
        // Sealed under a previous key (rotation): seal again under the current one.
        if sealed.key_id != ctx.keys.current_id() {
            repo.replace_secret(grant, connection.id, ctx.keys.seal(&context, &opened))
                .await?;
        }
        Ok(Ok(Self {
            db,
            ctx,
            grant,
            connection_id: connection.id,
            context,
            client,
            tokens,
        }))
    }

    /// Runs `request` with an access token; after a 401, refreshes the token once and runs
    /// it again (a second 401 is the calendar's failure).
    // A plain closure returning a future rather than an async closure: the job handlers'
    // futures must be `Send`, which the compiler cannot yet prove through `AsyncFn`.
    async fn authorized<T, Fut>(&mut self, request: impl Fn(String) -> Fut) -> Attempt<T>
    where
        Fut: std::future::Future<Output = Result<T, calendars::Error>>,
    {
        let mut refused = false;
        loop {
            let access = calendar_try!(self.access_token(refused).await);
            match request(access).await {
                Err(calendars::Error::Unauthorized(401)) if !refused => refused = true,
                Err(e) => return Ok(Err(e.into())),
                Ok(value) => return Ok(Ok(value)),
            }
        }
    }

    /// An access token good for a while: refreshed first when it expires within
    /// [`REFRESH_MARGIN`], or when `refused` (the API answered 401 to the current one).
    async fn access_token(&mut self, refused: bool) -> Attempt<String> {
        let soon = Timestamp::now().plus(REFRESH_MARGIN).to_jiff();
        if refused || self.tokens.expires_at <= soon {
            let Some(refresh_token) = self.tokens.refresh_token.clone() else {
                return Ok(Err(Failure::new(
                    "the access token expired and there is no refresh token; reconnect the calendar",
                )));
            };
            let fresh = match self.client.refresh(&self.ctx.http, &refresh_token).await {
                Ok(fresh) => StoredTokens::from(fresh),
                Err(e) => {
                    return Ok(Err(Failure::new(format!(
                        "refreshing the access token failed ({}); reconnect the calendar",
                        e.summary()
                    ))));
                }
            };
            self.db
                .calendar_connections()
                .replace_secret(
                    self.grant,
                    self.connection_id,
                    self.ctx.keys.seal(&self.context, &fresh.to_json()),
                )
                .await?;
            self.tokens = fresh;
        }
        Ok(Ok(self.tokens.access_token.clone()))
    }
}

/// Opens a Google or Microsoft connection's tokens: the session, which provider, and its
/// API address.
async fn open_session<'a>(
    db: &'a Db,
    ctx: &'a CalendarContext,
    grant: &'a Granted<can::ManageAvailability>,
    connection: &Connection,
) -> Attempt<(TokenSession<'a>, OAuthProvider, String)> {
    let Some(provider) = OAuthProvider::parse(&connection.kind) else {
        return Ok(Err(Failure::new("not an OAuth connection")));
    };
    let Some(settings) = ctx.oauth.provider(provider) else {
        return Ok(Err(Failure::new(format!(
            "{} is not configured on this server",
            provider.label()
        ))));
    };
    let client = client_of(provider, settings);
    let api_url = settings.api_url.clone();
    let session = calendar_try!(TokenSession::open(db, ctx, grant, connection, client).await);
    Ok(Ok((session, provider, api_url)))
}

/// Syncs a Google or Microsoft connection: each blocking calendar from its sync token or
/// delta link (a full read of the window without one, or when the provider answers 410
/// Gone), refreshing the access token before expiry and once after a 401.
// The CalDAV and feed syncs' arguments, plus the database and the connection (a refreshed
// token is stored mid-sync).
#[allow(clippy::too_many_arguments)]
pub(crate) async fn sync_oauth(
    db: &Db,
    ctx: &CalendarContext,
    grant: &Granted<can::ManageAvailability>,
    connection: &Connection,
    calendars: &[CalendarEntry],
    window: Window,
    zone: &jiff::tz::TimeZone,
    report: &mut SyncReport,
) -> Attempt<Vec<CalendarSync>> {
    let (mut session, provider, api_url) =
        calendar_try!(open_session(db, ctx, grant, connection).await);
    let mut syncs = Vec::new();
    let mut modes = Vec::new();
    for calendar in calendars.iter().filter(|c| c.blocks_availability) {
        let mut token = calendar.sync_token.clone();
        let changes = loop {
            let (api_url, since) = (api_url.as_str(), token.as_deref());
            let (from, until) = (window.0.to_jiff(), window.1.to_jiff());
            let asked = calendar_try!(
                session
                    .authorized(|access| async move {
                        match provider {
                            OAuthProvider::Google => {
                                google(ctx, api_url, access)
                                    .changes(&calendar.url, since, from, until)
                                    .await
                            }
                            OAuthProvider::Microsoft => {
                                microsoft(ctx, api_url, access)
                                    .changes(&calendar.url, since, from, until)
                                    .await
                            }
                        }
                    })
                    .await
            );
            match asked {
                // The token is no longer valid: read the window in full.
                RemoteChanges::Expired if token.is_some() => token = None,
                RemoteChanges::Expired => {
                    return Ok(Err(Failure::new(
                        "the provider answered 410 Gone to a full read",
                    )));
                }
                RemoteChanges::Delta {
                    changed,
                    removed,
                    next,
                } => break (changed, removed, next),
            }
        };
        let (changed, removed, next) = changes;
        let full = token.is_none();
        modes.push(if full { "full" } else { "incremental" });
        report.changed += i32::try_from(changed.len()).unwrap_or(i32::MAX);
        report.deleted += i32::try_from(removed.len()).unwrap_or(i32::MAX);
        syncs.push(CalendarSync {
            calendar_id: calendar.id,
            replace_all: full,
            removed: if full { Vec::new() } else { removed },
            changed: changed
                .into_iter()
                .map(|event| {
                    let periods = periods_of(&event, window, zone);
                    (event.id, periods)
                })
                .collect(),
            sync_token: next.or_else(|| token.clone()),
            update_validators: true,
            ..CalendarSync::default()
        });
    }
    modes.dedup();
    report.mode = if modes.is_empty() {
        "none".to_owned()
    } else {
        modes.join("+")
    };
    Ok(Ok(syncs))
}

/// The busy period of one provider event within the window (none when it is free or
/// outside). All-day events block whole days in the host's zone.
fn periods_of(
    event: &RemoteEvent,
    window: Window,
    zone: &jiff::tz::TimeZone,
) -> Vec<(Timestamp, Timestamp)> {
    if !event.busy {
        return Vec::new();
    }
    let (start, end) = match &event.when {
        RemoteWhen::At { start, end } => (*start, *end),
        RemoteWhen::AllDay { start, end } => {
            let at = |day: &jiff::civil::Date| {
                day.to_zoned(zone.clone())
                    .ok()
                    .map(|zoned| zoned.timestamp())
            };
            match (at(start), at(end)) {
                (Some(start), Some(end)) => (start, end),
                _ => return Vec::new(),
            }
        }
    };
    let (start, end) = (Timestamp::from(start), Timestamp::from(end));
    if start >= end || end <= window.0 || start >= window.1 {
        return Vec::new();
    }
    vec![(start, end)]
}

/// Writes bookings into a Google or Microsoft calendar for the write-back job, with the
/// connection's tokens (refreshed before expiry, and once after a 401).
pub(crate) struct ProviderWriter<'a> {
    session: TokenSession<'a>,
    provider: OAuthProvider,
    api_url: String,
}

impl<'a> ProviderWriter<'a> {
    pub(crate) async fn open(
        db: &'a Db,
        ctx: &'a CalendarContext,
        grant: &'a Granted<can::ManageAvailability>,
        connection: &Connection,
    ) -> Attempt<Self> {
        let (session, provider, api_url) =
            calendar_try!(open_session(db, ctx, grant, connection).await);
        Ok(Ok(Self {
            session,
            provider,
            api_url,
        }))
    }

    /// Creates the booking's event in `calendar_id`, or replaces `existing` (the event id
    /// written before). Never makes a second event for one booking: Google is asked for the
    /// booking's iCalUID before inserting, and Microsoft gets the booking's uid as
    /// `transactionId`, which it deduplicates creates by.
    pub(crate) async fn write(
        &mut self,
        calendar_id: &str,
        existing: Option<&str>,
        event: &OutgoingEvent,
    ) -> Attempt<WrittenEvent> {
        let (ctx, api_url) = (self.session.ctx, self.api_url.as_str());
        match self.provider {
            OAuthProvider::Google => {
                let api = &|access| google(ctx, api_url, access);
                if let Some(id) = existing {
                    let updated = calendar_try!(
                        self.session
                            .authorized(|access| async move {
                                api(access).update(calendar_id, id, event).await
                            })
                            .await
                    );
                    if let Some(written) = updated {
                        return Ok(Ok(written));
                    }
                }
                // Written by an attempt that did not live to record it, or deleted by the
                // user meanwhile: bring that event back rather than make another.
                let found = calendar_try!(
                    self.session
                        .authorized(|access| async move {
                            api(access).find_by_ical_uid(calendar_id, &event.uid).await
                        })
                        .await
                );
                if let Some(found) = found {
                    // Google refuses a sequence below the one it has.
                    let event = OutgoingEvent {
                        sequence: event.sequence.max(found.sequence.unwrap_or(0)),
                        ..event.clone()
                    };
                    let (found_id, event) = (found.id.as_str(), &event);
                    let updated = calendar_try!(
                        self.session
                            .authorized(|access| async move {
                                api(access).update(calendar_id, found_id, event).await
                            })
                            .await
                    );
                    if let Some(written) = updated {
                        return Ok(Ok(written));
                    }
                }
                self.session
                    .authorized(
                        |access| async move { api(access).insert(calendar_id, event).await },
                    )
                    .await
            }
            OAuthProvider::Microsoft => {
                let api = &|access| microsoft(ctx, api_url, access);
                if let Some(id) = existing {
                    let updated = calendar_try!(
                        self.session
                            .authorized(|access| async move { api(access).update(id, event).await })
                            .await
                    );
                    if let Some(written) = updated {
                        return Ok(Ok(written));
                    }
                }
                // Graph would answer a create under a used transactionId with the event it
                // made then, which is gone: one deleted by the user is made again under a
                // key of its own.
                let transaction = match existing {
                    None => event.uid.clone(),
                    Some(_) => format!("{}-{}", event.uid, event.sequence),
                };
                let transaction = transaction.as_str();
                self.session
                    .authorized(|access| async move {
                        api(access).create(calendar_id, event, transaction).await
                    })
                    .await
            }
        }
    }

    /// Deletes the booking's event; one already gone counts as deleted.
    pub(crate) async fn remove(&mut self, calendar_id: &str, event_id: &str) -> Attempt<()> {
        let (ctx, api_url) = (self.session.ctx, self.api_url.as_str());
        match self.provider {
            OAuthProvider::Google => {
                self.session
                    .authorized(|access| async move {
                        google(ctx, api_url, access)
                            .delete(calendar_id, event_id)
                            .await
                    })
                    .await
            }
            OAuthProvider::Microsoft => {
                self.session
                    .authorized(|access| async move {
                        microsoft(ctx, api_url, access).delete(event_id).await
                    })
                    .await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_day_events_block_the_hosts_local_days() {
        let zone = jiff::tz::TimeZone::get("Europe/Berlin").unwrap_or(jiff::tz::TimeZone::UTC);
        let window = (
            Timestamp::from(jiff::Timestamp::from_second(0).unwrap_or_default()),
            Timestamp::from(jiff::Timestamp::MAX),
        );
        let event = RemoteEvent {
            id: "e1".into(),
            busy: true,
            when: RemoteWhen::AllDay {
                start: jiff::civil::date(2026, 12, 1),
                end: jiff::civil::date(2026, 12, 2),
            },
        };
        let periods = periods_of(&event, window, &zone);
        assert_eq!(periods.len(), 1);
        assert_eq!(periods[0].0.to_jiff().to_string(), "2026-11-30T23:00:00Z");
        assert_eq!(periods[0].1.to_jiff().to_string(), "2026-12-01T23:00:00Z");
        let free = RemoteEvent {
            busy: false,
            ..event
        };
        assert!(periods_of(&free, window, &zone).is_empty());
    }
}
