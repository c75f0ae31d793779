//! Differential test against `tools/engine-oracle`, an independent Python implementation of
//! ENGINE.md written from the contract alone. Both read the same generated documents (DST days,
//! odd intervals, limits, seats, invalid fields); valid answers must be identical and invalid
//! ones must name the same paths.
//!
//! `ORACLE_SEED` and `ORACLE_CASES` widen the search (`ORACLE_CASES=3000` runs in minutes).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn generate(out: &Path, seed: u64, count: u64, invalid: bool) {
    let mut cmd = Command::new("python3");
    cmd.arg(repo_root().join("tools/engine-oracle/gen_cases.py"))
        .args([
            "--seed",
            &seed.to_string(),
            "--count",
            &count.to_string(),
            "--out",
        ])
        .arg(out);
    if invalid {
        cmd.arg("--invalid");
    }
    let status = cmd
        .output()
        .expect("python3 runs (the oracle needs Python 3.11)")
        .status;
    assert!(status.success(), "gen_cases.py failed");
}

/// `Ok(output)` or `Err(paths)`, for either implementation.
type Verdict = Result<Value, Vec<String>>;

fn paths(lines: impl Iterator<Item = String>) -> Vec<String> {
    lines
        .map(|l| {
            let l = l.strip_prefix("error: ").unwrap_or(&l).to_owned();
            l.split_once(": ").map_or(l.clone(), |(p, _)| p.to_owned())
        })
        .collect()
}

fn oracle(case: &Path) -> Option<Verdict> {
    let out = Command::new("python3")
        .arg(repo_root().join("tools/engine-oracle/oracle.py"))
        .arg(case)
        .output()
        .expect("oracle runs");
    match out.status.code() {
        Some(0) => Some(Ok(
            serde_json::from_slice(&out.stdout).expect("oracle prints JSON")
        )),
        Some(2) => Some(Err(paths(
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .map(str::to_owned),
        ))),
        // Exit 3: a document the oracle cannot compute (years at the edge of the calendar).
        _ => None,
    }
}

fn ours(case: &Path) -> Verdict {
    let text = std::fs::read_to_string(case).unwrap();
    match rendezvous_engine::run_json(&text) {
        Ok(out) => Ok(serde_json::from_str(&out).expect("engine prints JSON")),
        Err(lines) => Err(paths(lines.into_iter())),
    }
}

fn compare_folder(folder: &Path) -> (usize, Vec<String>) {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "json")
                && !p.to_string_lossy().ends_with(".expect.json")
        })
        .collect();
    cases.sort();
    let halves: Vec<Vec<PathBuf>> = vec![
        cases.iter().step_by(2).cloned().collect(),
        cases.iter().skip(1).step_by(2).cloned().collect(),
    ];
    let results: Vec<(usize, Vec<String>)> = std::thread::scope(|scope| {
        let workers: Vec<_> = halves
            .iter()
            .map(|half| {
                scope.spawn(move || {
                    let mut compared = 0;
                    let mut mismatches = Vec::new();
                    for case in half {
                        let Some(expected) = oracle(case) else {
                            continue;
                        };
                        compared += 1;
                        let got = ours(case);
                        if got != expected {
                            mismatches.push(format!(
                                "{}: ours {got:?}\n oracle {expected:?}",
                                case.display()
                            ));
                        }
                    }
                    (compared, mismatches)
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    results
        .into_iter()
        .fold((0, Vec::new()), |(n, mut all), (c, m)| {
            all.extend(m);
            (n + c, all)
        })
}

#[test]
fn agrees_with_the_independent_oracle() {
    let seed = env_number("ORACLE_SEED", 20_261_122);
    let count = env_number("ORACLE_CASES", 160);
    let dir = std::env::temp_dir().join(format!("rendezvous-oracle-{}", std::process::id()));
    let (valid, invalid) = (dir.join("valid"), dir.join("invalid"));
    generate(&valid, seed, count, false);
    generate(&invalid, seed + 1, count / 2, true);
    let (n_valid, mut mismatches) = compare_folder(&valid);
    let (n_invalid, more) = compare_folder(&invalid);
    mismatches.extend(more);
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        n_valid as u64 >= count * 9 / 10 && n_invalid > 0,
        "too few comparable cases"
    );
    assert!(
        mismatches.is_empty(),
        "{} of {} cases differ:\n{}",
        mismatches.len(),
        n_valid + n_invalid,
        mismatches[..mismatches.len().min(5)].join("\n")
    );
}
