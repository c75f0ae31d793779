//! One module per subcommand.

pub mod admin;
pub mod migrate;
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
