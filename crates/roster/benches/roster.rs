//! Rostering speed (issue 20, "Speed"): `cargo bench -p rendezvous-roster`.
//!
//! - `solve_until_converged`: construction plus search until it converges, asserting the result is
//!   covered and hard feasible (an upper bound on time to feasibility; SMALL budget 0.5 s, LARGE 5 s);
//! - `one_move`: one change move evaluated and taken back, at 1x, 2x and 4x LARGE, which must
//!   stay flat as the roster grows.
#![allow(clippy::unwrap_used)]

use divan::{Bencher, black_box};
use rendezvous_roster::generate::{self, LARGE, SMALL, Size};
use rendezvous_roster::solve::{self, Options};
use rendezvous_roster::{Facts, Roster};

fn main() {
    divan::main();
}

#[divan::bench(args = ["SMALL", "LARGE"], sample_count = 5, sample_size = 1)]
fn solve_until_converged(bencher: Bencher, size: &str) {
    let size = if size == "SMALL" { SMALL } else { LARGE };
    let facts = Facts::new(&generate::instance(size, 1));
    bencher.bench_local(|| {
        let options = Options {
            seed: 1,
            time_limit: std::time::Duration::from_secs(5),
            pinned: Vec::new(),
        };
        let outcome = solve::solve(black_box(&facts), &options);
        let report = Roster::with(&facts, &outcome.assignments).report();
        assert!(report.hard_feasible);
    });
}

#[divan::bench(args = [1, 2, 4])]
fn one_move(bencher: Bencher, factor: usize) {
    let size: Size = LARGE.times(factor);
    let facts = Facts::new(&generate::instance(size, 1));
    let outcome = solve::solve(
        &facts,
        &Options {
            seed: 1,
            time_limit: std::time::Duration::from_secs(20),
            pinned: Vec::new(),
        },
    );
    let mut roster = Roster::with(&facts, &outcome.assignments);
    let (mut i, n) = (0usize, outcome.assignments.len());
    let people = facts.participants.len() as u32;
    bencher.bench_local(|| {
        // Reassign one seat to another person, read the cost, take it back.
        let (t, p) = outcome.assignments[i % n];
        let q = (p + 1 + (i as u32 % 7)) % people;
        i += 1;
        if roster.holds(q, t) {
            return black_box(roster.cost());
        }
        roster.remove(p, t);
        roster.add(q, t);
        let cost = roster.cost();
        roster.remove(q, t);
        roster.add(p, t);
        black_box(cost)
    });
}
