//! `rendezvous slots`: the availability engine on one JSON document, no database.

use std::io::Read;
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::SlotsArgs;

/// Exit status for input the engine rejects.
const INVALID_INPUT: u8 = 2;

pub fn run(args: &SlotsArgs) -> anyhow::Result<ExitCode> {
    let input = match &args.input {
        Some(path) => std::fs::read_to_string(path)
            .with_context(|| format!("cannot read --input {}", path.display()))?,
        None => {
            let mut text = String::new();
            std::io::stdin()
                .read_to_string(&mut text)
                .context("cannot read standard input")?;
            text
        }
    };
    match engine::run_json(&input) {
        Ok(output) => {
            println!("{output}");
            Ok(ExitCode::SUCCESS)
        }
        Err(problems) => {
            for problem in problems {
                eprintln!("error: {problem}");
            }
            Ok(ExitCode::from(INVALID_INPUT))
        }
    }
}
