//! `rendezvous serve`

use std::time::Duration;

use anyhow::Context;
use tokio::net::TcpListener;
use tokio::sync::oneshot;

use crate::config::{Config, SettingError};
use crate::secret::load_or_create_key_file;

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
    // Not used by any route yet; loaded now so a broken key fails at start-up, not at the
    // first login, and so a fresh install has its key before anything needs it.
    let _secret_key = match &config.secret_key {
        Some(key) => key.clone(),
        None => load_or_create_key_file(&config.secret_key_file)
            .map_err(|e| SettingError::new("secret_key_file", format!("{e:#}")))?,
    };

    let listener = TcpListener::bind(config.listen).await.map_err(|e| {
        SettingError::new("listen", format!("cannot listen on {}: {e}", config.listen))
    })?;
    let addr = listener.local_addr().context("listener has no address")?;

    let http = web::HttpConfig {
        max_body_bytes: config.max_body_bytes,
        request_timeout: Duration::from_secs(config.request_timeout_secs),
        auth: config.auth(),
        outbound: config.outbound_policy()?,
    };
    let app = web::router(db.clone(), &http).context("setting up the HTTP client")?;

    // The signal both starts the graceful shutdown and the clock that bounds it.
    let (stopping_tx, stopping_rx) = oneshot::channel::<()>();
    let shutdown = async move {
        wait_for_signal().await;
        tracing::info!("shutting down: finishing in-flight requests");
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
    db.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM (what container runtimes and systemd send).
async fn wait_for_signal() {
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
