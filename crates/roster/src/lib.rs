//! Rostering on one JSON document, no I/O (the contract is `../shared/ROSTER.md`; the
//! decisions it leaves open are in this crate's README.md).
//!
//! - [`instance`] reads and validates `roster-instance/1` and `roster-solution/1` documents;
//! - [`score`] holds the facts the constraints need and the incremental score;
//! - [`solve`] builds a roster (greedy by scarcity) and improves it (late acceptance);
//! - [`generate`] makes Timefold-like demo instances for tests and benchmarks.

pub mod document;
pub mod generate;
pub mod instance;
mod rng;
pub mod score;
pub mod solve;

use std::time::Duration;

pub use instance::{Instance, Problem};
pub use score::{Facts, Roster, ScoreReport};
pub use solve::{Options, Outcome};

/// `rendezvous roster solve`: the instance text (and a pinned solution's) in, the solution
/// document out.
pub fn solve_json(
    instance_text: &str,
    pinned_text: Option<&str>,
    seed: u64,
    time_limit: Duration,
) -> Result<(String, Outcome), Vec<Problem>> {
    let instance = instance::parse_instance(instance_text)?;
    let pinned = match pinned_text {
        Some(text) => instance::parse_solution(text, &instance)?,
        None => Vec::new(),
    };
    let facts = Facts::new(&instance);
    let options = Options {
        seed,
        time_limit,
        pinned,
    };
    let outcome = solve::solve(&facts, &options);
    let document = document::solution_document(&instance, &facts, &outcome.assignments);
    Ok((document, outcome))
}

/// `rendezvous roster score`: the score document of a solution for an instance.
pub fn score_json(instance_text: &str, solution_text: &str) -> Result<String, Vec<Problem>> {
    let instance = instance::parse_instance(instance_text)?;
    let assignments = instance::parse_solution(solution_text, &instance)?;
    let facts = Facts::new(&instance);
    let roster = Roster::with(&facts, &assignments);
    Ok(serde_json::to_string(&roster.report()).unwrap_or_default())
}
