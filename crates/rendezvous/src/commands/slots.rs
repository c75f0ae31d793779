//! `rendezvous slots`: the availability engine on one JSON document, no database.

use std::process::ExitCode;

use super::document;
use crate::cli::SlotsArgs;

pub fn run(args: &SlotsArgs) -> anyhow::Result<ExitCode> {
    let bytes = document::read(args.input.as_deref(), "--input")?;
    document::answer(bytes, engine::run_json)
}
