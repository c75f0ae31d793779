//! `rendezvous quota`: the quota rule on one JSON document (QUOTAS.md), no database.

use std::process::ExitCode;

use super::document;
use crate::cli::QuotaArgs;

pub fn run(args: &QuotaArgs) -> anyhow::Result<ExitCode> {
    let bytes = document::read(args.input.as_deref(), "--input")?;
    document::answer(bytes, engine::quota::run_json)
}
