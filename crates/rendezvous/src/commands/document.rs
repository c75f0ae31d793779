//! What the contract commands share (`slots`, `quota`, `roster`): one JSON document in from a
//! file or standard input, one document out, or `error: PATH: REASON` lines and exit 2.

use std::fmt::Display;
use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

/// Exit status for input a contract rejects.
pub const INVALID_INPUT: u8 = 2;

/// The reason given, at the document's root, for bytes that are not UTF-8: they cannot be
/// JSON, so they are invalid input like any other.
pub const NOT_UTF8: &str = "not valid JSON: the input is not UTF-8";

/// The bytes of `path`, or of standard input without one; `what` names the argument in errors.
pub fn read(path: Option<&Path>, what: &str) -> anyhow::Result<Vec<u8>> {
    match path {
        Some(path) => {
            std::fs::read(path).with_context(|| format!("cannot read {what} {}", path.display()))
        }
        None => {
            let mut bytes = Vec::new();
            std::io::stdin()
                .read_to_end(&mut bytes)
                .context("cannot read standard input")?;
            Ok(bytes)
        }
    }
}

/// Runs a contract on one input: prints its document, or rejects with its problems.
pub fn answer<P: Display>(
    bytes: Vec<u8>,
    contract: impl FnOnce(&str) -> Result<String, Vec<P>>,
) -> anyhow::Result<ExitCode> {
    match String::from_utf8(bytes) {
        Ok(text) => match contract(&text) {
            Ok(document) => print(&document),
            Err(problems) => Ok(reject(&problems)),
        },
        Err(_) => Ok(reject(&[format!(": {NOT_UTF8}")])),
    }
}

/// Prints the answer document on standard output.
pub fn print(document: &str) -> anyhow::Result<ExitCode> {
    // A reader that stops early (`| head`) closes the pipe; that is its choice, not an error
    // of ours, and must not become a panic.
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{document}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e).context("cannot write standard output"),
    }
}

/// One `error: PATH: REASON` line per problem on standard error, and exit 2.
pub fn reject<P: Display>(problems: &[P]) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    for problem in problems {
        // Nothing useful is left to do if standard error is gone.
        let _ = writeln!(stderr, "error: {problem}");
    }
    ExitCode::from(INVALID_INPUT)
}
