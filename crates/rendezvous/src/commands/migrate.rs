//! `rendezvous migrate`

use crate::config::Config;

pub async fn run(config: &Config) -> anyhow::Result<()> {
    let db = super::connect(config).await?;
    super::migrate(&db).await?;
    db.close().await;
    eprintln!("database {} is up to date", config.database_url.redacted());
    Ok(())
}
