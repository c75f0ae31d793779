//! Google Calendar and Microsoft 365 connections over OAuth 2.0: the authorization-code
//! flow with PKCE ([`start`], [`callback`]), and their sync through the adapters in
//! `calendars::providers` ([`sync_oauth`], called by `calendar_sync` for these kinds).
//!
//! The `state` sent to the provider is random, single use, bound to the user who started
//! and to the provider, and lives ten minutes (`oauth_states`, only its hash stored). The
//! tokens (access, refresh, expiry) are sealed with the keyring as one JSON value, like a
//! CalDAV password; a refresh (before expiry, or after a 401) seals the new ones.

use calendars::oauth::{OAuthClient, Pkce, Tokens};
use calendars::providers::{
    Google, Microsoft, OutgoingEvent, Provider, RemoteCalendar, RemoteChanges, RemoteEvent,
    RemoteWhen, WrittenEvent,
};
use domain::calendars::{CalendarEntry, CalendarSync, Connection, NewCalendar, SyncReport};
use domain::ids::{CalendarConnectionId, Timestamp};
use serde::{Deserialize, Serialize};
use store::repo::calendars::{NewConnection, OAuthStateRefusal};
use store::{Db, Granted, Scope, can};

use crate::ServiceError;
use crate::calendar_sync::{CalendarContext, ConnectionView, Failure, Window, context_of};

/// How long a started authorization may take to come back.
pub const STATE_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);
/// An access token this close to its expiry is refreshed before use.
const REFRESH_MARGIN: jiff::SignedDuration = jiff::SignedDuration::from_mins(2);

/// A calendar provider reached over OAuth.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OAuthProvider {
    Google,
    Microsoft,
}

impl OAuthProvider {
    /// Its name in URLs and as a connection's `kind`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Google => "google",
            Self::Microsoft => "microsoft",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "google" => Some(Self::Google),
            "microsoft" => Some(Self::Microsoft),
            _ => None,
        }
    }

    /// What people call it.
    pub fn label(self) -> &'static str {
        match self {
            Self::Google => "Google Calendar",
            Self::Microsoft => "Microsoft 365",
        }
    }

    /// Read the calendars and their events, write events. Microsoft's `offline_access` is
    /// what gets a refresh token there.
    fn scope(self) -> &'static str {
        match self {
            Self::Google => {
                "https://www.googleapis.com/auth/calendar.readonly \
                 https://www.googleapis.com/auth/calendar.events"
            }
            Self::Microsoft => "offline_access Calendars.ReadWrite",
        }
    }

    /// Google's way of asking for a refresh token (and again on every consent, so a
    /// reconnect gets a new one); Microsoft's is the scope above.
    fn extra_authorize_params(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Google => &[("access_type", "offline"), ("prompt", "consent")],
            Self::Microsoft => &[],
        }
    }
}

impl std::fmt::Display for OAuthProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Our registration with one provider and where its endpoints are (the real ones by
/// default; tests point them at a mock).
#[derive(Clone)]
pub struct ProviderSettings {
    pub client_id: String,
    pub client_secret: String,
    pub authorize_url: String,
    pub token_url: String,
    /// `https://www.googleapis.com/calendar/v3` or `https://graph.microsoft.com/v1.0`.
    pub api_url: String,
}

impl std::fmt::Debug for ProviderSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ProviderSettings")
            .field("client_id", &self.client_id)
            .field("authorize_url", &self.authorize_url)
            .field("token_url", &self.token_url)
            .field("api_url", &self.api_url)
            .finish_non_exhaustive()
    }
}

/// The OAuth providers this server is registered with (`None`: not configured, so not
/// offered) and the public address the providers send users back to.
#[derive(Clone, Debug, Default)]
pub struct OAuthSettings {
    pub google: Option<ProviderSettings>,
    pub microsoft: Option<ProviderSettings>,
    /// Like `https://rendezvous.example.com`: the callback is
    /// `{public_url}/api/v1/calendar-connections/oauth/{provider}/callback`.
    pub public_url: String,
}

impl OAuthSettings {
    pub fn provider(&self, provider: OAuthProvider) -> Option<&ProviderSettings> {
        match provider {
            OAuthProvider::Google => self.google.as_ref(),
            OAuthProvider::Microsoft => self.microsoft.as_ref(),
        }
    }

    /// The providers that are configured, in the order the dashboard offers them.
    pub fn configured(&self) -> Vec<OAuthProvider> {
        [OAuthProvider::Google, OAuthProvider::Microsoft]
            .into_iter()
            .filter(|p| self.provider(*p).is_some())
            .collect()
    }

    /// Where the provider sends the user back (registered with the provider as is).
    pub fn redirect_uri(&self, provider: OAuthProvider) -> String {
        format!(
            "{}/api/v1/calendar-connections/oauth/{provider}/callback",
            self.public_url.trim_end_matches('/')
        )
    }

    fn client(&self, provider: OAuthProvider) -> Result<OAuthClient, ServiceError> {
        let settings = self
            .provider(provider)
            .ok_or(ServiceError::NotFound("calendar provider"))?;
        Ok(client_of(provider, settings))
    }
}

fn client_of(provider: OAuthProvider, settings: &ProviderSettings) -> OAuthClient {
    OAuthClient {
        authorize_url: settings.authorize_url.clone(),
        token_url: settings.token_url.clone(),
        client_id: settings.client_id.clone(),
        client_secret: settings.client_secret.clone(),
        scope: provider.scope().to_owned(),
    }
}

/// The tokens as sealed in `calendar_connections.secret`.
#[derive(Serialize, Deserialize)]
struct StoredTokens {
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
    fn to_json(&self) -> String {
        // Strings and a timestamp: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Starts connecting the caller's `provider` account: records a state and a PKCE verifier
/// and answers the provider's consent URL to send the browser to. 404 when the provider is
/// not configured on this server.
pub async fn start(
    db: &Db,
    ctx: &CalendarContext,
    scope: &Scope,
    provider: OAuthProvider,
) -> Result<outbound::Url, ServiceError> {
    let client = ctx.oauth.client(provider)?;
    let (grant, user_id) =
        crate::access::acting_for::<can::ManageAvailability>(db, scope, None).await?;
    let pkce = Pkce::new();
    let expires_at = Timestamp::now().plus(STATE_LIFETIME);
    let state = db
        .calendar_connections()
        .start_oauth(
            &grant,
            user_id,
            provider.as_str(),
            &pkce.verifier,
            expires_at,
        )
        .await?;
    client
        .authorize_with(
            &ctx.oauth.redirect_uri(provider),
            state.expose(),
            &pkce,
            provider.extra_authorize_params(),
        )
        .map_err(|e| ServiceError::field("/provider", "misconfigured", e.summary()))
}

/// The provider's answer to the browser's return: `code` and `state`, or `error`.
#[derive(Clone, Debug, Default)]
pub struct CallbackInput {
    pub code: Option<String>,
    pub state: Option<String>,
    /// Set by the provider when the user declined or something went wrong there.
    pub error: Option<String>,
    pub error_description: Option<String>,
}

/// Finishes connecting: checks the state (the caller's, unused, unexpired), trades the code
/// and the verifier for tokens, lists the account's calendars, saves the connection with the
/// tokens sealed, and syncs it once.
pub async fn callback(
    db: &Db,
    ctx: &CalendarContext,
    scope: &Scope,
    provider: OAuthProvider,
    input: CallbackInput,
) -> Result<ConnectionView, ServiceError> {
    let client = ctx.oauth.client(provider)?;
    let (grant, user_id) =
        crate::access::acting_for::<can::ManageAvailability>(db, scope, None).await?;
    let Some(state) = input.state.filter(|s| !s.is_empty() && s.len() <= 200) else {
        return Err(ServiceError::field(
            "/state",
            "required",
            "the provider's answer carries no state; start connecting again",
        ));
    };
    let verifier = match db
        .calendar_connections()
        .take_oauth(&grant, user_id, provider.as_str(), &state)
        .await?
    {
        Ok(verifier) => verifier,
        Err(refusal) => {
            let (code, message) = match refusal {
                OAuthStateRefusal::Unknown => (
                    "unknown",
                    "this authorization was not started here; start connecting again",
                ),
                OAuthStateRefusal::Used => (
                    "used",
                    "this authorization was already used; start connecting again",
                ),
                OAuthStateRefusal::Expired => (
                    "expired",
                    "this authorization took more than 10 minutes; start connecting again",
                ),
                OAuthStateRefusal::OtherUser => (
                    "other_user",
                    "this authorization was started by another user; sign in as them, or start connecting again",
                ),
            };
            return Err(ServiceError::field("/state", code, message));
        }
    };
    // The state is used up even when the user declined: a new attempt starts over.
    if let Some(error) = input.error {
        let detail = input.error_description.unwrap_or_default();
        return Err(ServiceError::field(
            "/error",
            "declined",
            format!(
                "{} answered {error}{}{detail}",
                provider.label(),
                if detail.is_empty() { "" } else { ": " }
            ),
        ));
    }
    let Some(code) = input.code.filter(|c| !c.is_empty()) else {
        return Err(ServiceError::field(
            "/code",
            "required",
            "the provider's answer carries no code",
        ));
    };
    let redirect_uri = ctx.oauth.redirect_uri(provider);
    let tokens = client
        .exchange(&ctx.http, &code, &redirect_uri, &verifier)
        .await
        .map_err(|e| {
            ServiceError::field(
                "/code",
                "rejected",
                format!(
                    "{} refused the authorization: {}",
                    provider.label(),
                    e.summary()
                ),
            )
        })?;
    let api_url = ctx
        .oauth
        .provider(provider)
        .map(|s| s.api_url.clone())
        .unwrap_or_default();
    let remote = list_calendars(ctx, provider, &api_url, &tokens.access_token)
        .await
        .map_err(|e| {
            ServiceError::field(
                "/code",
                "unreachable",
                format!("listing the calendars failed: {}", e.summary()),
            )
        })?;
    let calendars: Vec<NewCalendar> = remote
        .into_iter()
        .map(|c| NewCalendar {
            // Subscribed read-only calendars (holidays, a colleague's) do not block at
            // first; the account's own ones do.
            blocks_availability: c.writable || c.primary,
            receives_bookings: false,
            url: c.id,
            display_name: c.name.chars().take(200).collect(),
            color: c.color,
        })
        .collect();
    let sealed = ctx.keys.seal(
        &context_of(scope.organization_id(), user_id),
        &StoredTokens::from(tokens).to_json(),
    );
    let new = NewConnection {
        user_id,
        kind: provider.as_str().to_owned(),
        name: provider.label().to_owned(),
        url: api_url,
        username: String::new(),
        secret: Some(sealed),
        sync_at: ctx.next_sync_at(),
    };
    let (connection, _) = db
        .calendar_connections()
        .create(&grant, new, calendars)
        .await?;
    crate::calendar_sync::sync_connection(db, ctx, &grant, connection.id).await?;
    crate::calendar_sync::view(db, scope, connection.id).await
}

async fn list_calendars(
    ctx: &CalendarContext,
    provider: OAuthProvider,
    api_url: &str,
    access_token: &str,
) -> Result<Vec<RemoteCalendar>, calendars::Error> {
    let access = access_token.to_owned();
    match provider {
        OAuthProvider::Google => google(ctx, api_url, access).calendars().await,
        OAuthProvider::Microsoft => microsoft(ctx, api_url, access).calendars().await,
    }
}

fn google<'a>(ctx: &'a CalendarContext, api_url: &str, access_token: String) -> Google<'a> {
    Google {
        http: &ctx.http,
        base: api_url.to_owned(),
        access_token,
    }
}

fn microsoft<'a>(ctx: &'a CalendarContext, api_url: &str, access_token: String) -> Microsoft<'a> {
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
