//! `cargo run -p rendezvous-engine --example slots < input.json`: the engine alone, for
//! trying documents without building the server.
use std::io::Read;

fn main() {
    let mut input = String::new();
    if std::io::stdin().read_to_string(&mut input).is_err() {
        eprintln!("error: : standard input is not UTF-8");
        std::process::exit(2);
    }
    match rendezvous_engine::run_json(&input) {
        Ok(output) => println!("{output}"),
        Err(problems) => {
            for problem in problems {
                eprintln!("error: {problem}");
            }
            std::process::exit(2);
        }
    }
}
