//! Configuration: built-in defaults, then an optional TOML file (`--config`), then
//! `RENDEZVOUS_*` environment variables. Setting names map one to one: `listen` in the file
//! is `RENDEZVOUS_LISTEN` in the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

use crate::cli::LogFormat;
use crate::secret::{DatabaseUrl, Secret};

/// Every setting. Unknown keys are errors, so a typo cannot silently fall back to a default.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// Address and port the HTTP server listens on.
    pub listen: SocketAddr,
    /// `sqlite://PATH` or `postgres://USER:PASSWORD@HOST:PORT/DB`.
    pub database_url: DatabaseUrl,
    /// Pool size.
    pub database_max_connections: u32,
    /// Seconds to wait for a connection or (SQLite) a lock.
    pub database_timeout_secs: u64,
    /// Run migrations when `serve` starts.
    pub auto_migrate: bool,
    /// The key for cookies and encryption. Prefer `secret_key_file`; if neither exists the
    /// file is created.
    #[serde(default, skip_serializing)]
    pub secret_key: Option<Secret>,
    /// Where the secret key lives when `secret_key` is not set; created (mode 0600) if absent.
    pub secret_key_file: PathBuf,
    /// Earlier secret keys (key rotation): calendar credentials sealed under one of them
    /// still open, and are sealed again under the current key at their next sync.
    #[serde(default, skip_serializing)]
    pub previous_secret_keys: Vec<Secret>,
    /// `human` or `json`.
    pub log_format: LogFormat,
    /// A tracing filter: `info`, `debug`, `rendezvous=debug,sqlx=warn`, ...
    pub log_level: String,
    /// Largest accepted request body in bytes.
    pub max_body_bytes: usize,
    /// Seconds a request may run before it is answered 408.
    pub request_timeout_secs: u64,
    /// Seconds to let in-flight requests finish after SIGTERM or Ctrl-C.
    pub shutdown_timeout_secs: u64,
    /// Failed sign-ins at one account from one client address before that address backs
    /// off (the account locks after 20 from anywhere; see `services::auth::AuthSettings`).
    pub login_max_failures: u32,
    /// Seconds of an address's first backoff; each further failure doubles it, up to a day.
    pub login_lockout_secs: u64,
    /// Sign-in attempts allowed per client address per minute.
    pub login_rate_per_ip: u32,
    /// Sign-in attempts allowed per account and client address per minute.
    pub login_rate_per_account: u32,
    /// Public bookings allowed per client address per minute.
    pub booking_rate_per_ip: u32,
    /// Public bookings allowed per event type per minute.
    pub booking_rate_per_event_type: u32,
    /// Requests with a booking's manage token allowed per client address per minute.
    pub manage_rate_per_ip: u32,
    /// Seconds a web session lives.
    pub session_ttl_secs: u64,
    /// Mark session cookies Secure (HTTPS only); false only for plain-HTTP development.
    pub secure_cookies: bool,
    /// Internal network ranges (CIDR, like "10.0.0.0/8") that calls to user-given URLs
    /// (calendar servers, feeds, webhooks) may reach. Empty: only public addresses.
    pub outbound_allow: Vec<String>,
    /// Run background jobs (webhooks, messages) inside `serve`; turn off when dedicated
    /// `rendezvous worker` processes do it.
    pub run_workers: bool,
    /// Jobs one worker process runs at the same time.
    pub worker_concurrency: usize,
    /// Seconds a worker holds a job it claimed; a job whose worker died runs again after it.
    pub worker_lease_secs: u64,
    /// SMTP server for e-mail. Unset: e-mails are written to the log (target
    /// `rendezvous::email`) instead of sent.
    #[serde(default)]
    pub smtp_host: Option<String>,
    pub smtp_port: u16,
    /// `starttls` (port 587), `tls` (port 465) or `none` (a local relay only).
    pub smtp_security: notify::email::Security,
    #[serde(default)]
    pub smtp_username: Option<String>,
    #[serde(default, skip_serializing)]
    pub smtp_password: Option<Secret>,
    /// The sender of every e-mail: `Rendezvous <bookings@example.com>`.
    pub smtp_from: String,
    /// Where text messages go: `none` (not sent; each is logged failed), `log` (written to
    /// the log, target `rendezvous::sms`: development) or `twilio`.
    pub sms_provider: SmsProvider,
    /// The Twilio account (`AC...`) for `sms_provider = "twilio"`.
    #[serde(default)]
    pub twilio_account_sid: Option<String>,
    #[serde(default, skip_serializing)]
    pub twilio_auth_token: Option<Secret>,
    /// The sender: a number of the account (`+15005550006`) or an alphanumeric sender id.
    /// One of this and `twilio_messaging_service_sid` is needed.
    #[serde(default)]
    pub twilio_from: Option<String>,
    /// A messaging service (`MG...`) that picks the sender; used instead of `twilio_from`.
    #[serde(default)]
    pub twilio_messaging_service_sid: Option<String>,
    /// Twilio's API; tests and proxies point it elsewhere (reached under `outbound_allow`).
    pub twilio_base_url: String,
    /// Seconds between periodic syncs of each connected calendar; 0 turns periodic sync off
    /// (on-demand sync through the API still works).
    pub calendar_sync_interval_secs: u64,
    /// Reverse proxies (CIDR) whose X-Forwarded-For header names the client. Empty: the
    /// header is ignored and the TCP peer is the client.
    pub trusted_proxies: Vec<String>,
    /// Where rate-limit counters live: `memory` (one process), `database` (shared by every
    /// process on the database), or `auto`: the database on PostgreSQL, memory on SQLite.
    pub rate_limits: RateLimitStore,
    /// Whether anyone may found an organization through `POST /api/v1/auth/sign-up`.
    pub open_signup: bool,
    /// The address people reach the server at, like `https://book.example.com`: the base of
    /// absolute links (the manage link in a booking's .ics and calendar links; the OAuth
    /// redirect URI of Google and Microsoft connections; the links in e-mails). Unset: the
    /// optional links are left out, and the OAuth redirect URI and e-mail links use the
    /// listen address.
    #[serde(default)]
    pub public_url: Option<String>,
    /// Google OAuth client (Google Calendar connections). Unset: Google is not offered.
    #[serde(default)]
    pub google_client_id: Option<String>,
    #[serde(default, skip_serializing)]
    pub google_client_secret: Option<Secret>,
    pub google_authorize_url: String,
    pub google_token_url: String,
    /// Google Calendar API v3.
    pub google_api_url: String,
    /// Microsoft identity platform client (Microsoft 365 calendars). Unset: not offered.
    #[serde(default)]
    pub microsoft_client_id: Option<String>,
    #[serde(default, skip_serializing)]
    pub microsoft_client_secret: Option<Secret>,
    pub microsoft_authorize_url: String,
    pub microsoft_token_url: String,
    /// Microsoft Graph v1.0.
    pub microsoft_api_url: String,
}

/// Where text messages go.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmsProvider {
    None,
    Log,
    Twilio,
}

/// Where rate-limit counters live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RateLimitStore {
    Auto,
    Memory,
    Database,
}

impl RateLimitStore {
    /// Whether counters go to the database for this backend.
    pub fn in_database(self, backend: store::Backend) -> bool {
        match self {
            Self::Auto => backend == store::Backend::Postgres,
            Self::Memory => false,
            Self::Database => true,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            database_url: DatabaseUrl::new("sqlite://rendezvous.db"),
            database_max_connections: 10,
            database_timeout_secs: 5,
            auto_migrate: true,
            secret_key: None,
            secret_key_file: PathBuf::from("secret.key"),
            previous_secret_keys: Vec::new(),
            log_format: LogFormat::Human,
            log_level: "info".to_owned(),
            max_body_bytes: 1024 * 1024,
            request_timeout_secs: 30,
            shutdown_timeout_secs: 30,
            login_max_failures: 5,
            login_lockout_secs: 15 * 60,
            login_rate_per_ip: 20,
            login_rate_per_account: 10,
            booking_rate_per_ip: 30,
            booking_rate_per_event_type: 60,
            manage_rate_per_ip: 60,
            session_ttl_secs: 14 * 24 * 3600,
            secure_cookies: true,
            outbound_allow: Vec::new(),
            run_workers: true,
            worker_concurrency: 16,
            worker_lease_secs: 60,
            smtp_host: None,
            smtp_port: 587,
            smtp_security: notify::email::Security::StartTls,
            smtp_username: None,
            smtp_password: None,
            smtp_from: "Rendezvous <rendezvous@localhost>".to_owned(),
            sms_provider: SmsProvider::None,
            twilio_account_sid: None,
            twilio_auth_token: None,
            twilio_from: None,
            twilio_messaging_service_sid: None,
            twilio_base_url: "https://api.twilio.com".to_owned(),
            calendar_sync_interval_secs: 300,
            trusted_proxies: Vec::new(),
            rate_limits: RateLimitStore::Auto,
            open_signup: true,
            public_url: None,
            google_client_id: None,
            google_client_secret: None,
            google_authorize_url: "https://accounts.google.com/o/oauth2/v2/auth".to_owned(),
            google_token_url: "https://oauth2.googleapis.com/token".to_owned(),
            google_api_url: "https://www.googleapis.com/calendar/v3".to_owned(),
            microsoft_client_id: None,
            microsoft_client_secret: None,
            microsoft_authorize_url:
                "https://login.microsoftonline.com/common/oauth2/v2.0/authorize".to_owned(),
            microsoft_token_url: "https://login.microsoftonline.com/common/oauth2/v2.0/token"
                .to_owned(),
            microsoft_api_url: "https://graph.microsoft.com/v1.0".to_owned(),
        }
    }
}

/// Parses a list of network ranges, naming the setting and the entry that is not one.
fn cidrs(setting: &str, texts: &[String]) -> Result<Vec<outbound::Cidr>, SettingError> {
    texts
        .iter()
        .map(|text| {
            let text = text.trim();
            // A bare address is a range of one.
            text.parse::<outbound::Cidr>()
                .or_else(|_| text.parse::<std::net::IpAddr>().map(outbound::Cidr::from))
                .map_err(|_| {
                    SettingError::new(
                        setting,
                        format!("{text:?} is not a network range (try 10.0.0.0/8)"),
                    )
                })
        })
        .collect()
}

/// A problem with one setting, reported as one line.
#[derive(Debug, thiserror::Error)]
#[error("invalid setting `{setting}`{origin}: {problem}")]
pub struct SettingError {
    pub setting: String,
    /// ` (from RENDEZVOUS_LISTEN)` or ` (in rendezvous.toml)`, or empty.
    pub origin: String,
    pub problem: String,
}

impl SettingError {
    pub fn new(setting: &str, problem: impl std::fmt::Display) -> Self {
        Self {
            setting: setting.to_owned(),
            origin: String::new(),
            problem: problem.to_string(),
        }
    }
}

/// `public_url` is an http(s) origin, optionally with a path, and nothing after it.
fn check_public_url(url: &str) -> Result<(), SettingError> {
    let invalid = || {
        SettingError::new(
            "public_url",
            format!("{url:?} is not an http or https address like https://book.example.com"),
        )
    };
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(invalid)?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() || rest.contains(['?', '#', ' ']) || host.contains('@') {
        return Err(invalid());
    }
    Ok(())
}

impl Config {
    /// Loads the layers. `file` must exist when given.
    pub fn load(file: Option<&Path>) -> Result<Self, SettingError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.is_file() {
                return Err(SettingError::new(
                    "config",
                    format!("{} does not exist or is not a file", file.display()),
                ));
            }
            figment = figment.merge(Toml::file_exact(file));
        }
        // RENDEZVOUS_CONFIG names the file itself (read by clap), not a setting.
        figment = figment.merge(Env::prefixed("RENDEZVOUS_").ignore(&["config"]));
        let config: Config = figment.extract().map_err(describe)?;
        config.check()?;
        Ok(config)
    }

    /// Checks what the types cannot.
    fn check(&self) -> Result<(), SettingError> {
        store::Backend::of_url(self.database_url.expose())
            .map_err(|e| SettingError::new("database_url", e))?;
        if self
            .secret_key
            .as_ref()
            .is_some_and(|k| k.expose().trim().len() < 32)
        {
            return Err(SettingError::new(
                "secret_key",
                "must be at least 32 characters (try: openssl rand -base64 32)",
            ));
        }
        if self.database_max_connections == 0 {
            return Err(SettingError::new(
                "database_max_connections",
                "must be at least 1",
            ));
        }
        for (name, value) in [
            ("login_max_failures", u64::from(self.login_max_failures)),
            ("login_lockout_secs", self.login_lockout_secs),
            ("login_rate_per_ip", u64::from(self.login_rate_per_ip)),
            (
                "login_rate_per_account",
                u64::from(self.login_rate_per_account),
            ),
            ("booking_rate_per_ip", u64::from(self.booking_rate_per_ip)),
            (
                "booking_rate_per_event_type",
                u64::from(self.booking_rate_per_event_type),
            ),
            ("manage_rate_per_ip", u64::from(self.manage_rate_per_ip)),
            ("session_ttl_secs", self.session_ttl_secs),
        ] {
            if value == 0 {
                return Err(SettingError::new(name, "must be at least 1"));
            }
        }
        if self.max_body_bytes == 0 {
            return Err(SettingError::new("max_body_bytes", "must be at least 1"));
        }
        let policy = self.outbound_policy()?;
        if self.sms_provider == SmsProvider::Twilio {
            let http = outbound::Client::new(policy)
                .map_err(|e| SettingError::new("outbound_allow", e))?;
            self.sms(&http)?;
        }
        cidrs("trusted_proxies", &self.trusted_proxies)?;
        if let Some(url) = &self.public_url {
            check_public_url(url)?;
        }
        if tracing_subscriber::EnvFilter::try_new(&self.log_level).is_err() {
            return Err(SettingError::new(
                "log_level",
                format!(
                    "{:?} is not a log filter (try info or debug)",
                    self.log_level
                ),
            ));
        }
        Ok(())
    }

    /// Sign-in protection, sessions and cookies for the web layer. Call after `check`, which
    /// has validated the network ranges.
    pub fn auth(&self) -> web::AuthConfig {
        let minute = Duration::from_secs(60);
        let mut settings = services::auth::AuthSettings {
            max_failed_logins: self.login_max_failures,
            lockout: Duration::from_secs(self.login_lockout_secs),
            session_ttl: Duration::from_secs(self.session_ttl_secs),
            open_signup: self.open_signup,
            ..Default::default()
        };
        settings.login_per_ip.max = self.login_rate_per_ip;
        settings.login_per_ip.per = minute;
        settings.login_per_account.max = self.login_rate_per_account;
        settings.login_per_account.per = minute;
        for (limit, max) in [
            (&mut settings.booking_per_ip, self.booking_rate_per_ip),
            (
                &mut settings.booking_per_event_type,
                self.booking_rate_per_event_type,
            ),
            (&mut settings.manage_per_ip, self.manage_rate_per_ip),
        ] {
            *limit = services::rate_limit::Limit { max, per: minute };
        }
        web::AuthConfig {
            settings,
            secure_cookies: self.secure_cookies,
            trusted_proxies: cidrs("trusted_proxies", &self.trusted_proxies).unwrap_or_default(),
        }
    }

    /// What calls to user-given URLs may reach.
    /// The mailer for `smtp_*`, or `None` when no SMTP server is configured.
    /// The OAuth calendar providers with a client id, and the public address they send
    /// users back to.
    pub fn calendar_oauth(&self) -> services::calendar_oauth::OAuthSettings {
        let provider = |id: &Option<String>,
                        secret: &Option<Secret>,
                        authorize: &str,
                        token: &str,
                        api: &str| {
            id.as_ref().filter(|id| !id.trim().is_empty()).map(|id| {
                services::calendar_oauth::ProviderSettings {
                    client_id: id.trim().to_owned(),
                    client_secret: secret
                        .as_ref()
                        .map(|s| s.expose().to_owned())
                        .unwrap_or_default(),
                    authorize_url: authorize.to_owned(),
                    token_url: token.to_owned(),
                    api_url: api.to_owned(),
                }
            })
        };
        services::calendar_oauth::OAuthSettings {
            google: provider(
                &self.google_client_id,
                &self.google_client_secret,
                &self.google_authorize_url,
                &self.google_token_url,
                &self.google_api_url,
            ),
            microsoft: provider(
                &self.microsoft_client_id,
                &self.microsoft_client_secret,
                &self.microsoft_authorize_url,
                &self.microsoft_token_url,
                &self.microsoft_api_url,
            ),
            public_url: self.public_base(),
        }
    }

    /// The base of links that leave the server where a link cannot be left out (OAuth
    /// callbacks, account e-mails): `public_url`, or unset the listen address, which is right
    /// for local development only.
    pub fn public_base(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
    }

    /// The background calendar sync interval; `None` when set to 0 (on demand only).
    pub fn calendar_sync_every(&self) -> Option<std::time::Duration> {
        (self.calendar_sync_interval_secs > 0)
            .then(|| std::time::Duration::from_secs(self.calendar_sync_interval_secs))
    }

    pub fn mailer(&self) -> Result<Option<notify::email::Mailer>, SettingError> {
        let Some(host) = &self.smtp_host else {
            return Ok(None);
        };
        let settings = notify::email::SmtpSettings {
            host: host.clone(),
            port: self.smtp_port,
            security: self.smtp_security,
            username: self.smtp_username.clone(),
            password: self.smtp_password.as_ref().map(|p| p.expose().to_owned()),
            from: self.smtp_from.clone(),
            timeout: std::time::Duration::from_secs(30),
        };
        notify::email::Mailer::new(&settings)
            .map(Some)
            .map_err(|e| SettingError::new("smtp_from", e))
    }

    /// The SMS provider `sms_provider` names, calling out through `http`; `None` for `none`.
    pub fn sms(&self, http: &outbound::Client) -> Result<Option<notify::sms::Sms>, SettingError> {
        use notify::sms::{
            LogSms, Sms, TwilioSender, TwilioSettings, TwilioSettingsError, TwilioSms,
        };
        match self.sms_provider {
            SmsProvider::None => Ok(None),
            SmsProvider::Log => Ok(Some(Sms::new(LogSms))),
            SmsProvider::Twilio => {
                let set = |value: &Option<String>| {
                    value
                        .as_deref()
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(str::to_owned)
                };
                let sender = match (
                    set(&self.twilio_messaging_service_sid),
                    set(&self.twilio_from),
                ) {
                    (Some(service), _) => TwilioSender::MessagingService(service),
                    (None, Some(from)) => TwilioSender::From(from),
                    (None, None) => {
                        return Err(SettingError::new(
                            "twilio_from",
                            "sms_provider = twilio needs twilio_from or twilio_messaging_service_sid",
                        ));
                    }
                };
                let settings = TwilioSettings {
                    base_url: self.twilio_base_url.trim().to_owned(),
                    account_sid: set(&self.twilio_account_sid).unwrap_or_default(),
                    auth_token: self
                        .twilio_auth_token
                        .as_ref()
                        .map(|t| t.expose().trim().to_owned())
                        .unwrap_or_default(),
                    sender,
                };
                TwilioSms::new(settings, http.clone())
                    .map(|twilio| Some(Sms::new(twilio)))
                    .map_err(|e| {
                        let setting = match e {
                            TwilioSettingsError::AccountSid => "twilio_account_sid",
                            TwilioSettingsError::AuthToken => "twilio_auth_token",
                            TwilioSettingsError::Sender => "twilio_from",
                            TwilioSettingsError::BaseUrl(_) => "twilio_base_url",
                        };
                        SettingError::new(setting, e)
                    })
            }
        }
    }

    pub fn outbound_policy(&self) -> Result<outbound::Policy, SettingError> {
        Ok(outbound::Policy {
            allow: cidrs("outbound_allow", &self.outbound_allow)?,
            ..outbound::Policy::default()
        })
    }

    pub fn connect_options(&self) -> store::ConnectOptions {
        store::ConnectOptions {
            max_connections: self.database_max_connections,
            busy_timeout: Duration::from_secs(self.database_timeout_secs),
            create_if_missing: true,
        }
    }
}

/// Turns figment's error into one line naming the setting and where it came from.
fn describe(errors: figment::Error) -> SettingError {
    use figment::error::Kind;
    // Report the first problem: fixing it usually reveals the next.
    let Some(e) = errors.into_iter().next() else {
        return SettingError::new("config", "unknown error");
    };
    let (setting, problem) = match &e.kind {
        Kind::UnknownField(name, _) => (
            name.clone(),
            "unknown setting (see README.md for the list)".to_owned(),
        ),
        Kind::MissingField(name) => (name.to_string(), "missing".to_owned()),
        kind => (
            e.path
                .last()
                .cloned()
                .unwrap_or_else(|| "config".to_owned()),
            kind.to_string(),
        ),
    };
    let origin = match &e.metadata {
        Some(meta) => match &meta.source {
            Some(figment::Source::File(path)) => format!(" (in {})", path.display()),
            _ if meta.name.contains("environment") => {
                format!(" (from RENDEZVOUS_{})", setting.to_uppercase())
            }
            _ => String::new(),
        },
        None => String::new(),
    };
    SettingError {
        setting,
        origin,
        problem,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_output_hides_secrets() {
        let config = Config {
            secret_key: serde_json::from_str(r#""correct horse battery staple and more""#).ok(),
            database_url: DatabaseUrl::new("postgres://app:hunter2@db/rendezvous"),
            ..Config::default()
        };
        assert!(config.secret_key.is_some());
        let debug = format!("{config:?}");
        assert!(!debug.contains("hunter2"), "{debug}");
        assert!(!debug.contains("battery"), "{debug}");
        assert!(debug.contains("[redacted]"), "{debug}");
    }

    #[test]
    fn links_in_emails_fall_back_to_the_listen_address() {
        assert_eq!(Config::default().public_base(), "http://127.0.0.1:8080");
        let config = Config {
            public_url: Some("https://book.example.com".into()),
            ..Config::default()
        };
        assert_eq!(config.public_base(), "https://book.example.com");
    }

    #[test]
    fn public_url_is_an_http_address() {
        for good in [
            "https://book.example.com",
            "https://book.example.com/",
            "http://localhost:8080/rendezvous",
        ] {
            assert!(check_public_url(good).is_ok(), "{good}");
        }
        for bad in [
            "book.example.com",
            "ftp://example.com",
            "https://",
            "https://x.example/?a=1",
            "https://user@x.example",
        ] {
            let error = check_public_url(bad).err().map(|e| e.to_string());
            assert!(
                error.as_deref().is_some_and(|e| e.contains("public_url")),
                "{bad}: {error:?}"
            );
        }
    }

    #[test]
    fn defaults_need_no_configuration() {
        let config = Config::default();
        assert_eq!(config.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(config.database_url.expose(), "sqlite://rendezvous.db");
        config
            .check()
            .map_err(|e| e.to_string())
            .unwrap_or_else(|e| panic!("{e}"));
    }

    #[test]
    fn twilio_needs_an_account_a_token_and_a_sender() {
        let twilio = Config {
            sms_provider: SmsProvider::Twilio,
            twilio_account_sid: Some("AC0123".into()),
            twilio_auth_token: serde_json::from_str(r#""s3cret-token""#).ok(),
            twilio_from: Some("+15005550006".into()),
            ..Config::default()
        };
        assert!(twilio.check().is_ok());
        assert!(!format!("{twilio:?}").contains("s3cret"));
        let problem = |config: Config| config.check().err().map(|e| e.setting);
        assert_eq!(
            problem(Config {
                twilio_auth_token: None,
                ..twilio.clone()
            }),
            Some("twilio_auth_token".into())
        );
        assert_eq!(
            problem(Config {
                twilio_from: None,
                ..twilio.clone()
            }),
            Some("twilio_from".into())
        );
        assert_eq!(
            problem(Config {
                twilio_account_sid: Some("../AC".into()),
                ..twilio.clone()
            }),
            Some("twilio_account_sid".into())
        );
        // A local base URL is refused unless the operator opened the range.
        let local = Config {
            twilio_base_url: "http://127.0.0.1:9".into(),
            ..twilio.clone()
        };
        assert_eq!(problem(local.clone()), Some("twilio_base_url".into()));
        assert!(
            Config {
                outbound_allow: vec!["127.0.0.0/8".into()],
                ..local
            }
            .check()
            .is_ok()
        );
    }

    #[test]
    fn outbound_allow_takes_network_ranges_and_names_a_bad_one() {
        let config = Config {
            outbound_allow: vec!["10.0.0.0/8".into(), " fd00::/8 ".into()],
            ..Config::default()
        };
        let policy = config.outbound_policy().map_err(|e| e.to_string());
        assert_eq!(policy.map(|p| p.allow.len()), Ok(2));

        let config = Config {
            outbound_allow: vec!["10.0.0.0/33".into()],
            ..Config::default()
        };
        let error = config
            .check()
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(error.contains("`outbound_allow`"), "{error}");
        assert!(error.contains("10.0.0.0/33"), "{error}");
    }
}
