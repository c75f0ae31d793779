//! Benchmarks for the budgets of ENGINE.md ("Speed") and a scaling table.
//!
//! `cargo bench -p rendezvous-engine --bench slots`; figures go to docs/BENCHMARKS.md.
//! Requests are built before timing: the engine alone is measured, as the contract asks.
#![allow(clippy::unwrap_used)]

mod workload;

use divan::{Bencher, black_box};
use rendezvous_engine::{SlotRequest, compute_slots};
use workload::{collective, one_host, round_robin};

fn main() {
    divan::main();
}

fn run(bencher: Bencher, request: SlotRequest) {
    bencher.bench_local(|| compute_slots(black_box(&request)));
}

/// ENGINE.md: one host, Mon-Fri 09:00-17:00, 30-minute event every 15 minutes (budgets:
/// 31 days < 20 µs, 365 days < 200 µs).
#[divan::bench(args = [31, 365])]
fn one_host_free(bencher: Bencher, days: i64) {
    run(bencher, one_host(days, 0));
}

/// ENGINE.md: the same with 4 busy blocks of 30-90 minutes a weekday (< 40 µs, < 400 µs).
#[divan::bench(args = [31, 365])]
fn one_host_four_busy_blocks_a_day(bencher: Bencher, days: i64) {
    run(bencher, one_host(days, 4));
}

/// The variant: three busy blocks a weekday (< 40 µs, < 400 µs).
#[divan::bench(args = [31, 365])]
fn one_host_three_busy_blocks_a_day(bencher: Bencher, days: i64) {
    run(bencher, one_host(days, 3));
}

/// ENGINE.md: 100 round-robin hosts in their own zones with busy times, 31 days (< 5 ms).
#[divan::bench]
fn round_robin_100_hosts_31_days(bencher: Bencher) {
    run(bencher, round_robin(100, 31));
}

/// Scaling by days: one host with 3 busy blocks a weekday.
#[divan::bench(args = [7, 31, 91, 182, 365])]
fn scaling_days(bencher: Bencher, days: i64) {
    run(bencher, one_host(days, 3));
}

/// Scaling by hosts: round robin over 31 days.
#[divan::bench(args = [1, 10, 100, 1000])]
fn scaling_hosts(bencher: Bencher, hosts: usize) {
    run(bencher, round_robin(hosts, 31));
}

/// Collective over 10 hosts in different zones, 31 days.
#[divan::bench]
fn collective_10_hosts_31_days(bencher: Bencher) {
    run(bencher, collective(10, 31));
}
