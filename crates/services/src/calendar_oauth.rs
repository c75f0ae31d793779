//! Connecting Google Calendar and Microsoft 365 over OAuth 2.0: the authorization-code flow
//! with PKCE ([`start`], [`callback`]). Their sync and write-back are `oauth_calendars`'.
//!
//! The `state` sent to the provider is random, single use, bound to the user who started
//! and to the provider, and lives ten minutes (`oauth_states`, only its hash stored).

use calendars::oauth::Pkce;
use calendars::providers::RemoteCalendar;
use domain::calendars::NewCalendar;
use domain::ids::Timestamp;
use store::repo::calendars::{NewConnection, OAuthStateRefusal};
use store::{Db, Scope, can};

use crate::ServiceError;
use crate::calendar_context::{CalendarContext, context_of};
use crate::calendar_sync::ConnectionView;
use crate::oauth_calendars::{StoredTokens, google, microsoft};

pub use crate::oauth_providers::{OAuthProvider, OAuthSettings, ProviderSettings};

/// How long a started authorization may take to come back.
pub const STATE_LIFETIME: jiff::SignedDuration = jiff::SignedDuration::from_mins(10);

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
    };
    let connection = crate::calendar_sync::save_connection(db, ctx, &grant, new, calendars).await?;
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
