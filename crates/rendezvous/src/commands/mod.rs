//! One module per subcommand.

pub mod admin;
pub mod busy;
pub mod document;
pub mod migrate;
pub mod quota;
pub mod roster;
pub mod serve;
pub mod slots;
pub mod worker;

use anyhow::Context;
use store::Db;

use crate::config::{Config, SettingError};

/// Opens the configured database; failures name `database_url`.
pub async fn connect(config: &Config) -> anyhow::Result<Db> {
    let url = config.database_url.expose();
    let db = Db::connect(url, &config.connect_options())
        .await
        .map_err(|e| {
            SettingError::new(
                "database_url",
                format!("{e} ({})", config.database_url.redacted()),
            )
        })?;
    Ok(db)
}

/// Brings the schema up to date.
pub async fn migrate(db: &Db) -> anyhow::Result<()> {
    db.migrate().await.context("cannot migrate the database")
}

/// The server's secret key: the configured one, or the key file's (made on first start).
pub fn secret_key(config: &Config) -> anyhow::Result<crate::secret::Secret> {
    match &config.secret_key {
        Some(key) => Ok(key.clone()),
        None => Ok(
            crate::secret::load_or_create_key_file(&config.secret_key_file)
                .map_err(|e| SettingError::new("secret_key_file", format!("{e:#}")))?,
        ),
    }
}

/// What calendar work needs: the outbound client, the keys that open stored calendar
/// passwords, and the background sync interval.
pub fn calendar_context(
    config: &Config,
    outbound: &outbound::Client,
) -> anyhow::Result<services::calendar_sync::CalendarContext> {
    Ok(services::calendar_sync::CalendarContext {
        http: outbound.clone(),
        keys: credential_keys(config)?,
        sync_every: config.calendar_sync_every(),
        oauth: config.calendar_oauth(),
        public_url: config
            .public_url
            .as_ref()
            .map(|u| u.trim_end_matches('/').to_owned()),
    })
}

/// The keys that seal and open stored credentials (calendar passwords and tokens, webhook
/// secrets), derived from the secret key and the previous ones, which still open what they
/// sealed.
pub fn credential_keys(config: &Config) -> anyhow::Result<services::credentials::Keyring> {
    let secret = secret_key(config)?;
    let keys = services::credentials::Keyring::from_secret(secret.expose().as_bytes());
    Ok(config.previous_secret_keys.iter().fold(keys, |keys, old| {
        keys.with_previous(old.expose().trim().as_bytes())
    }))
}
