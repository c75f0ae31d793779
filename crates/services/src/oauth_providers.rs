//! The OAuth calendar providers (Google, Microsoft) and this server's registration with
//! them: what the operator configures, read by the authorization flow and by every sync and
//! write with a connection's tokens.

use calendars::oauth::OAuthClient;

use crate::ServiceError;

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
    pub(crate) fn scope(self) -> &'static str {
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
    pub(crate) fn extra_authorize_params(self) -> &'static [(&'static str, &'static str)] {
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

    pub(crate) fn client(&self, provider: OAuthProvider) -> Result<OAuthClient, ServiceError> {
        let settings = self
            .provider(provider)
            .ok_or(ServiceError::NotFound("calendar provider"))?;
        Ok(client_of(provider, settings))
    }
}

pub(crate) fn client_of(provider: OAuthProvider, settings: &ProviderSettings) -> OAuthClient {
    OAuthClient {
        authorize_url: settings.authorize_url.clone(),
        token_url: settings.token_url.clone(),
        client_id: settings.client_id.clone(),
        client_secret: settings.client_secret.clone(),
        scope: provider.scope().to_owned(),
    }
}
