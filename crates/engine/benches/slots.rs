//! Benchmarks for the budgets of ENGINE.md ("Speed"), issue 27's targets and a scaling table.
//!
//! `cargo bench -p rendezvous-engine --bench slots`; figures go to docs/BENCHMARKS.md.
//! Requests are built before timing: the engine alone is measured, as the contract asks.
//! Divan's allocation profiler counts the heap allocations of each call: `compute_slots`
//! allocates the answer's lists and nothing else (at most three), `compute_slots_into` with a
//! warm [`Scratch`] and answer nothing at all.
#![allow(clippy::unwrap_used)]

mod workload;

use divan::{AllocProfiler, Bencher, black_box};
use rendezvous_engine::{Scratch, SlotRequest, Slots, compute_slots, compute_slots_into};
use workload::{collective, one_host, round_robin};

#[global_allocator]
static ALLOC: AllocProfiler = AllocProfiler::system();

fn main() {
    divan::main();
}

fn run(bencher: Bencher, request: SlotRequest) {
    bencher.bench_local(|| compute_slots(black_box(&request)));
}

/// The same through `compute_slots_into`, with a scratch and an answer kept between calls, as a
/// caller that reuses buffers does.
fn run_warm(bencher: Bencher, request: SlotRequest) {
    let (mut scratch, mut slots) = (Scratch::default(), Slots::default());
    compute_slots_into(&request, &mut scratch, &mut slots);
    bencher.bench_local(|| compute_slots_into(black_box(&request), &mut scratch, &mut slots));
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

/// Issue 27: round robin over 1,000 hosts in 10 zones, 3 busy blocks a weekday each, 31 days
/// (< 2 ms).
#[divan::bench]
fn round_robin_1000_hosts_31_days(bencher: Bencher) {
    run(bencher, round_robin(1000, 31));
}

/// The budget cases with a warm scratch and answer (`compute_slots_into`): no allocation.
mod warm {
    use super::*;

    #[divan::bench(args = [31, 365])]
    fn one_host_free(bencher: Bencher, days: i64) {
        run_warm(bencher, one_host(days, 0));
    }

    #[divan::bench(args = [31, 365])]
    fn one_host_four_busy_blocks_a_day(bencher: Bencher, days: i64) {
        run_warm(bencher, one_host(days, 4));
    }

    #[divan::bench(args = [100, 1000])]
    fn round_robin_31_days(bencher: Bencher, hosts: usize) {
        run_warm(bencher, round_robin(hosts, 31));
    }

    #[divan::bench]
    fn collective_10_hosts_31_days(bencher: Bencher) {
        run_warm(bencher, collective(10, 31));
    }
}
