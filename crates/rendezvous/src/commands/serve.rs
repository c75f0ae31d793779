//! `rendezvous serve`

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::config::{Config, SettingError};

pub async fn run(config: &Config) -> anyhow::Result<()> {
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        database = %config.database_url,
        "starting"
    );
    let db = super::connect(config).await?;
    if config.auto_migrate {
        super::migrate(&db).await?;
    }
    if db.bypasses_row_security().await? {
        tracing::warn!(
            "the database role is a superuser or has BYPASSRLS: row-level security does not \
             confine its queries to one organization; connect as an ordinary role that owns the schema"
        );
    }
    // Loaded at start-up so a broken key fails now, not at the first login. Stored calendar
    // passwords are sealed under a key derived from it (services::credentials).
    let credential_keys = super::credential_keys(config)?;

    let listener = TcpListener::bind(config.listen).await.map_err(|e| {
        SettingError::new("listen", format!("cannot listen on {}: {e}", config.listen))
    })?;
    let addr = listener.local_addr().context("listener has no address")?;

    let mut auth = config.auth();
    if config.rate_limits.in_database(db.backend()) {
        auth.settings.limiter = Arc::new(services::rate_limit::DatabaseLimiter::new(db.clone()));
    }
    let http = web::HttpConfig {
        max_body_bytes: config.max_body_bytes,
        request_timeout: Duration::from_secs(config.request_timeout_secs),
        auth,
        outbound: config.outbound_policy()?,
        credential_keys,
        calendar_sync_every: config.calendar_sync_every(),
        calendar_oauth: config.calendar_oauth(),
        public_url: config.public_url.clone(),
    };
    let app = web::router(db.clone(), &http).context("setting up the HTTP client")?;
    let outbound =
        outbound::Client::new(http.outbound.clone()).context("setting up the HTTP client")?;

    // The signal both starts the graceful shutdown and the clock that bounds it.
    let (stopping_tx, stopping_rx) = oneshot::channel::<()>();
    let (workers_stop, workers_stopping) = tokio::sync::watch::channel(false);
    let workers = if config.run_workers {
        let mut stopping = workers_stopping.clone();
        Some(super::worker::spawn(&db, &outbound, config, async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        })?)
    } else {
        None
    };
    let stop_workers = workers_stop.clone();
    let shutdown = async move {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing in-flight requests and jobs");
        let _ = stop_workers.send(true);
        let _ = stopping_tx.send(());
    };
    tracing::info!("listening on http://{addr}");
    let server = tokio::spawn(web::serve(listener, app, shutdown));
    let grace = Duration::from_secs(config.shutdown_timeout_secs);
    let deadline = async move {
        if stopping_rx.await.is_ok() {
            tokio::time::sleep(grace).await;
        } else {
            // The server ended without a signal; let it report why.
            std::future::pending::<()>().await;
        }
    };
    tokio::select! {
        result = server => {
            result.context("server task failed")?.context("server failed")?;
        }
        () = deadline => {
            tracing::warn!(seconds = grace.as_secs(), "requests still running at the shutdown deadline; exiting anyway");
        }
    }
    let _ = workers_stop.send(true);
    if let Some(workers) = workers {
        // The worker bounds its own wait by the same grace period.
        if let Err(error) = workers.await {
            tracing::warn!(%error, "the worker task failed");
        }
    }
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM (what container runtimes and systemd send).
pub(crate) async fn wait_for_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
