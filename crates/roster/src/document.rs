//! Writes the `roster-solution/1` document (ROSTER.md): the assignments and their score.

use serde::Serialize;

use crate::instance::{Assignment, Instance, SOLUTION_FORMAT};
use crate::score::{Facts, Roster, ScoreReport};

#[derive(Serialize)]
struct SolutionDocument<'a> {
    format: &'static str,
    instance: Option<&'a str>,
    assignments: Vec<AssignmentDocument<'a>>,
    score: ScoreReport,
}

#[derive(Serialize)]
struct AssignmentDocument<'a> {
    target: &'a str,
    participant: &'a str,
}

/// The solution document: assignments sorted by target, then participant, in document order.
pub fn solution_document(instance: &Instance, facts: &Facts, assignments: &[Assignment]) -> String {
    let mut sorted = assignments.to_vec();
    sorted.sort_unstable();
    let roster = Roster::with(facts, &sorted);
    let document = SolutionDocument {
        format: SOLUTION_FORMAT,
        instance: instance.name.as_deref(),
        assignments: sorted
            .iter()
            .map(|&(t, p)| AssignmentDocument {
                target: &instance.targets[t as usize].id,
                participant: &instance.participants[p as usize].id,
            })
            .collect(),
        score: roster.report(),
    };
    // Serializing plain structs of strings and numbers cannot fail.
    serde_json::to_string(&document).unwrap_or_default()
}
