//! Runs one benchmark workload a fixed number of times, for instruction counts under callgrind,
//! which stay meaningful on a machine whose wall clock is shared:
//!
//! ```sh
//! cargo bench -p rendezvous-engine --bench instructions --no-run
//! valgrind --tool=callgrind --toggle-collect='*compute_slots*' \
//!     target/release/deps/instructions-* busy4-31 1000
//! ```
//!
//! One call comes first, so buffers the engine keeps between calls are warm, as in a server; it
//! runs through `run` too, so instructions per call are the collected total divided by the count
//! plus one. Callgrind counts each byte of glibc's `rep movsb`/`rep stosb` copies and fills as
//! an instruction, so large copies weigh more here than on the wall clock.
#![allow(clippy::unwrap_used)]

mod workload;

use rendezvous_engine::compute_slots;
use std::hint::black_box;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let case = args.first().map_or("busy4-31", String::as_str);
    let count: usize = args.get(1).map_or(1000, |n| n.parse().unwrap());
    let request = match case {
        "free-31" => workload::one_host(31, 0),
        "free-365" => workload::one_host(365, 0),
        "busy4-31" => workload::one_host(31, 4),
        "busy4-365" => workload::one_host(365, 4),
        "busy3-31" => workload::one_host(31, 3),
        "busy3-365" => workload::one_host(365, 3),
        "rr-100" => workload::round_robin(100, 31),
        "rr-1000" => workload::round_robin(1000, 31),
        "collective-10" => workload::collective(10, 31),
        other => panic!("unknown case {other}"),
    };
    let warm = run(&request);
    let mut slots = 0;
    for _ in 0..count {
        slots += run(black_box(&request));
    }
    println!("{case}: {warm} slots, {count} calls ({slots} slots)");
}

#[inline(never)]
fn run(request: &rendezvous_engine::SlotRequest) -> usize {
    compute_slots(request).len()
}
