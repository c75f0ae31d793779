//! `rendezvous worker`: background jobs without the HTTP server. `serve` runs the same
//! workers in-process unless `run_workers = false`.

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use store::Db;

use crate::config::Config;

pub async fn run(config: &Config) -> anyhow::Result<()> {
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        database = %config.database_url,
        "starting worker"
    );
    let db = super::connect(config).await?;
    if config.auto_migrate {
        super::migrate(&db).await?;
    }
    let outbound =
        outbound::Client::new(config.outbound_policy()?).context("setting up the HTTP client")?;
    let worker = build(&db, &outbound, config)?;
    schedule_calendar_syncs(&db, &outbound, config).await;
    worker
        .run(async {
            super::serve::wait_for_signal().await;
            tracing::info!("shutting down: finishing running jobs");
        })
        .await;
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// A worker for every job kind, paced by the configuration.
pub fn build(
    db: &Db,
    outbound: &outbound::Client,
    config: &Config,
) -> anyhow::Result<jobs::Worker> {
    let settings = jobs::WorkerConfig {
        concurrency: config.worker_concurrency.max(1),
        lease: Duration::from_secs(config.worker_lease_secs.max(1)),
        grace: Duration::from_secs(config.shutdown_timeout_secs),
        ..jobs::WorkerConfig::default()
    };
    let calendars = super::calendar_context(config, outbound)?;
    Ok(jobs::Worker::new(
        db.clone(),
        services::workers::handlers(
            db,
            outbound,
            &calendars,
            services::workers::Senders {
                mailer: config.mailer()?,
                sms: config.sms(outbound)?,
            },
        ),
        settings,
    ))
}

/// Runs workers until `stop` resolves (for `serve`).
pub fn spawn(
    db: &Db,
    outbound: &outbound::Client,
    config: &Config,
    stop: impl Future<Output = ()> + Send + 'static,
) -> anyhow::Result<tokio::task::JoinHandle<()>> {
    let worker = build(db, outbound, config)?;
    let (db, outbound, config) = (db.clone(), outbound.clone(), config.clone());
    Ok(tokio::spawn(async move {
        schedule_calendar_syncs(&db, &outbound, &config).await;
        worker.run(stop).await;
    }))
}

/// Gives every calendar connection without one its periodic sync job (connections made
/// before sync ran on the job queue). Failing here only delays those syncs: logged.
async fn schedule_calendar_syncs(db: &Db, outbound: &outbound::Client, config: &Config) {
    let scheduled = match super::calendar_context(config, outbound) {
        Ok(ctx) => services::calendar_jobs::schedule_syncs(db, &ctx)
            .await
            .map_err(anyhow::Error::from),
        Err(e) => Err(e),
    };
    match scheduled {
        Ok(0) => {}
        Ok(n) => tracing::info!(connections = n, "queued calendar sync jobs"),
        Err(error) => tracing::warn!(%error, "queueing calendar sync jobs failed"),
    }
}
