//! `rendezvous roster`: solve and score one rostering document (ROSTER.md), no database.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use super::document::{self, print, read, reject};
use crate::cli::RosterCommand;

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

/// Bytes that are not UTF-8 cannot be JSON: invalid input, like any other.
fn text(bytes: Vec<u8>) -> Result<String, roster::Problem> {
    String::from_utf8(bytes).map_err(|_| roster::Problem {
        path: String::new(),
        reason: document::NOT_UTF8.to_owned(),
    })
}
