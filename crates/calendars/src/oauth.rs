//! OAuth 2.0 authorization-code flow with PKCE (RFC 7636, S256) and token refresh, for the
//! Google and Microsoft adapters. Endpoints are parameters, so tests point them at a mock.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use outbound::{Method, Url};
use sha2::{Digest, Sha256};

use crate::Error;

/// A provider's OAuth endpoints and our client registration with it.
#[derive(Clone)]
pub struct OAuthClient {
    pub authorize_url: String,
    pub token_url: String,
    pub client_id: String,
    pub client_secret: String,
    pub scope: String,
}

impl std::fmt::Debug for OAuthClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("OAuthClient")
            .field("token_url", &self.token_url)
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

/// Tokens from a code exchange or a refresh.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    pub access_token: String,
    /// Kept from before when a refresh does not return a new one.
    pub refresh_token: Option<String>,
    pub expires_at: jiff::Timestamp,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// A PKCE verifier (kept by us until the callback) and its S256 challenge (sent).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pkce {
    pub verifier: String,
    pub challenge: String,
}

impl Pkce {
    pub fn new() -> Self {
        let bytes: [u8; 32] = rand::random();
        Self::from_verifier(URL_SAFE_NO_PAD.encode(bytes))
    }

    pub fn from_verifier(verifier: String) -> Self {
        let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
        Self {
            verifier,
            challenge,
        }
    }
}

impl Default for Pkce {
    fn default() -> Self {
        Self::new()
    }
}

#[derive(serde::Deserialize)]
struct TokenResponse {
    access_token: String,
    #[serde(default)]
    refresh_token: Option<String>,
    #[serde(default)]
    expires_in: Option<i64>,
}

impl OAuthClient {
    /// Where to send the user: consent for `scope`, offline access the Google way
    /// (`access_type=offline`, `prompt=consent`), PKCE.
    pub fn authorize(&self, redirect_uri: &str, state: &str, pkce: &Pkce) -> Result<Url, Error> {
        self.authorize_with(
            redirect_uri,
            state,
            pkce,
            &[("access_type", "offline"), ("prompt", "consent")],
        )
    }

    /// Where to send the user: consent for `scope` with PKCE, plus the provider's own
    /// parameters in `extra` (Microsoft asks for offline access with the `offline_access`
    /// scope instead of Google's `access_type`).
    pub fn authorize_with(
        &self,
        redirect_uri: &str,
        state: &str,
        pkce: &Pkce,
        extra: &[(&str, &str)],
    ) -> Result<Url, Error> {
        let mut params = vec![
            ("response_type", "code"),
            ("client_id", self.client_id.as_str()),
            ("redirect_uri", redirect_uri),
            ("scope", self.scope.as_str()),
            ("state", state),
            ("code_challenge", pkce.challenge.as_str()),
            ("code_challenge_method", "S256"),
        ];
        params.extend_from_slice(extra);
        Url::parse_with_params(&self.authorize_url, &params)
            .map_err(|e| Error::Malformed(e.to_string()))
    }

    /// Trades the callback's code (with the PKCE verifier) for tokens.
    pub async fn exchange(
        &self,
        http: &outbound::Client,
        code: &str,
        redirect_uri: &str,
        verifier: &str,
    ) -> Result<Tokens, Error> {
        self.token_request(
            http,
            &[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", redirect_uri),
                ("code_verifier", verifier),
            ],
            None,
        )
        .await
    }

    /// A fresh access token from the refresh token.
    pub async fn refresh(
        &self,
        http: &outbound::Client,
        refresh_token: &str,
    ) -> Result<Tokens, Error> {
        self.token_request(
            http,
            &[
                ("grant_type", "refresh_token"),
                ("refresh_token", refresh_token),
            ],
            Some(refresh_token),
        )
        .await
    }

    async fn token_request(
        &self,
        http: &outbound::Client,
        params: &[(&str, &str)],
        previous_refresh: Option<&str>,
    ) -> Result<Tokens, Error> {
        let mut all: Vec<(&str, &str)> = params.to_vec();
        all.push(("client_id", &self.client_id));
        all.push(("client_secret", &self.client_secret));
        let request = http
            .request(Method::POST, &self.token_url)?
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "application/json")
            .body(form(&all));
        let response = http.send(request).await?;
        let status = response.status();
        if !status.is_success() {
            return Err(Error::status("the token endpoint", status));
        }
        let body = http.read_body(response).await?;
        let parsed: TokenResponse =
            serde_json::from_slice(&body).map_err(|e| Error::Malformed(e.to_string()))?;
        let lifetime = jiff::SignedDuration::from_secs(
            parsed.expires_in.unwrap_or(3600).clamp(0, 86_400 * 30),
        );
        Ok(Tokens {
            access_token: parsed.access_token,
            refresh_token: parsed
                .refresh_token
                .or_else(|| previous_refresh.map(str::to_owned)),
            expires_at: jiff::Timestamp::now()
                .checked_add(lifetime)
                .unwrap_or(jiff::Timestamp::MAX),
        })
    }
}

/// `application/x-www-form-urlencoded` of `pairs`.
pub(crate) fn form(pairs: &[(&str, &str)]) -> String {
    let encode = |text: &str| -> String {
        text.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                    char::from(b).to_string()
                }
                b' ' => "+".to_owned(),
                other => format!("%{other:02X}"),
            })
            .collect()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        let pkce = Pkce::from_verifier("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into());
        assert_eq!(
            pkce.challenge,
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert_eq!(form(&[("a", "b c"), ("d", "&")]), "a=b+c&d=%26");
    }
}
