//! `rendezvous slots`: the availability engine on one JSON document, no database.

use std::io::{Read, Write};
use std::process::ExitCode;

use anyhow::Context;

use crate::cli::SlotsArgs;

/// Exit status for input the engine rejects.
const INVALID_INPUT: u8 = 2;

pub fn run(args: &SlotsArgs) -> anyhow::Result<ExitCode> {
    let bytes = match &args.input {
        Some(path) => std::fs::read(path)
            .with_context(|| format!("cannot read --input {}", path.display()))?,
        None => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("cannot read standard input")?;
            bytes
        }
    };
    // Bytes that are not UTF-8 cannot be JSON: invalid input, like any other.
    let result = match String::from_utf8(bytes) {
        Ok(input) => engine::run_json(&input),
        Err(_) => Err(vec![": not valid JSON: the input is not UTF-8".to_owned()]),
    };
    match result {
        Ok(output) => {
            // A reader that stops early (`| head`) closes the pipe; that is its choice, not
            // an error of ours, and must not become a panic.
            let mut stdout = std::io::stdout().lock();
            match writeln!(stdout, "{output}").and_then(|()| stdout.flush()) {
                Ok(()) => Ok(ExitCode::SUCCESS),
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
                Err(e) => Err(e).context("cannot write standard output"),
            }
        }
        Err(problems) => {
            let mut stderr = std::io::stderr().lock();
            for problem in problems {
                // Nothing useful is left to do if standard error is gone.
                let _ = writeln!(stderr, "error: {problem}");
            }
            Ok(ExitCode::from(INVALID_INPUT))
        }
    }
}
