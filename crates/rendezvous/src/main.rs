#![forbid(unsafe_code)]
//! The `rendezvous` binary: command line, configuration and wiring.

mod cli;
mod commands;
mod config;
mod logging;
mod secret;

use std::process::ExitCode;

use clap::Parser;

use crate::cli::{Cli, Command};
use crate::config::Config;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    // One TLS crypto provider (ring) for every rustls user: sqlx, SMTP, HTTP clients.
    // Installed before anything connects.
    outbound::install_crypto_provider();

    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            // One line: the setting (or operation) and the problem.
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    // `slots` is pure computation: no configuration, no database, no runtime.
    if let Command::Slots(args) = &cli.command {
        return commands::slots::run(args);
    }
    // So is `quota`.
    if let Command::Quota(args) = &cli.command {
        return commands::quota::run(args);
    }
    // So is `roster`.
    if let Command::Roster(command) = &cli.command {
        return commands::roster::run(command);
    }
    // So is `busy`.
    if let Command::Busy(args) = &cli.command {
        return Ok(commands::busy::run(args));
    }

    let config = Config::load(cli.config.as_deref())?;
    let format = cli.log_format.unwrap_or(config.log_format);
    // Operator commands print results; only warnings belong next to them.
    let level = match cli.command {
        Command::Serve | Command::Worker => config.log_level.as_str(),
        _ => "warn",
    };
    logging::init(format, level);

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        match cli.command {
            Command::Serve => commands::serve::run(&config).await,
            Command::Worker => commands::worker::run(&config).await,
            Command::Migrate => commands::migrate::run(&config).await,
            Command::Admin(command) => commands::admin::run(&config, command).await,
            Command::Slots(_) | Command::Quota(_) | Command::Busy(_) | Command::Roster(_) => Ok(()),
        }
    })?;
    Ok(ExitCode::SUCCESS)
}
