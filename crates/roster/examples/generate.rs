//! Prints a demo instance: `cargo run -p rendezvous-roster --example generate -- large 2 7`
//! (size `small` or `large`, a factor, a seed).

use rendezvous_roster::generate::{self, LARGE, SMALL};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let size = if args.first().map(String::as_str) == Some("large") {
        LARGE
    } else {
        SMALL
    };
    let factor = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1);
    let seed = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(1);
    println!(
        "{}",
        generate::to_json(&generate::instance(size.times(factor), seed))
    );
}
