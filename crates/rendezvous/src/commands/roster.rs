//! `rendezvous roster`: solve and score one rostering document (ROSTER.md), no database.

use std::io::{Read, Write};
use std::path::Path;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;

use crate::cli::RosterCommand;

/// Exit status for input the solver rejects.
const INVALID_INPUT: u8 = 2;

pub fn run(command: &RosterCommand) -> anyhow::Result<ExitCode> {
    match command {
        RosterCommand::Solve(args) => {
            let instance = read(args.input.as_deref(), "--input")?;
            let pinned = match &args.pinned {
                Some(path) => Some(read(Some(path), "--pinned")?),
                None => None,
            };
            let result = match (text(instance), pinned.map(text).transpose()) {
                (Ok(instance), Ok(pinned)) => roster::solve_json(
                    &instance,
                    pinned.as_deref(),
                    args.seed,
                    Duration::from_millis(args.time_limit_ms),
                ),
                (Err(problem), _) | (_, Err(problem)) => Err(vec![problem]),
            };
            match result {
                Ok((document, outcome)) => {
                    if args.pinned.is_some() {
                        // Nothing but the solution goes to standard output.
                        let _ = writeln!(
                            std::io::stderr(),
                            "note: pinned: {} kept, {} dropped",
                            outcome.pinned_kept,
                            outcome.pinned_dropped
                        );
                    }
                    print(&document)
                }
                Err(problems) => Ok(reject(&problems)),
            }
        }
        RosterCommand::Score(args) => {
            let instance = text(read(Some(&args.instance), "INSTANCE_FILE")?);
            let solution = text(read(Some(&args.solution), "SOLUTION_FILE")?);
            let result = match (instance, solution) {
                (Ok(instance), Ok(solution)) => roster::score_json(&instance, &solution),
                (Err(problem), _) | (_, Err(problem)) => Err(vec![problem]),
            };
            match result {
                Ok(document) => print(&document),
                Err(problems) => Ok(reject(&problems)),
            }
        }
    }
}

fn read(path: Option<&Path>, what: &str) -> anyhow::Result<Vec<u8>> {
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

/// Bytes that are not UTF-8 cannot be JSON: invalid input, like any other.
fn text(bytes: Vec<u8>) -> Result<String, roster::Problem> {
    String::from_utf8(bytes).map_err(|_| roster::Problem {
        path: String::new(),
        reason: "not valid JSON: the input is not UTF-8".to_owned(),
    })
}

fn print(document: &str) -> anyhow::Result<ExitCode> {
    // A reader that stops early (`| head`) closes the pipe; that is its choice.
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{document}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(ExitCode::SUCCESS),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::SUCCESS),
        Err(e) => Err(e).context("cannot write standard output"),
    }
}

fn reject(problems: &[roster::Problem]) -> ExitCode {
    let mut stderr = std::io::stderr().lock();
    for problem in problems {
        // Nothing useful is left to do if standard error is gone.
        let _ = writeln!(stderr, "error: {problem}");
    }
    ExitCode::from(INVALID_INPUT)
}
