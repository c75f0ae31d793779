#![forbid(unsafe_code)]
//! Availability engine (ENGINE.md).

/// Runs the `rendezvous slots` contract on one JSON document: the output document on success,
/// else the problems as `PATH: REASON` lines in document order.
pub fn run_json(input: &str) -> Result<String, Vec<String>> {
    let _ = input;
    Err(vec!["engine: not built yet".to_owned()])
}
