//! `cargo xtask serve|test|bench`: the project's two commands (README), the Rust
//! way. Each installs only what is missing, then builds and runs. Plain std, so
//! this crate builds in seconds on a fresh machine.

mod bench;
mod cycles;
mod fuzz_lab;
mod netlab;
mod serve;
mod sh;
mod test;
mod tools;
mod wasm_cost;

use std::process::ExitCode;

const USAGE: &str = "usage: cargo xtask <serve|test|bench|compare-netlab|wasm-cost|fuzz-lab|cycles|install>
  serve     install missing build tools, build the app in release, serve it on http://127.0.0.1:8080
  test      install missing test tools, then run every test (fmt, clippy, unit, data, golden,
            real-tool, wasm build, browser end-to-end, routing lab)
  bench     run the benchmarks and print the table (the whole `meshplan check` last)
  bench-command  only the last row: `meshplan check` of the scale designs as a process
  compare-netlab  time `netlab create` against `meshplan export` on the 600-node design
  wasm-cost [--worker]  what each crate costs in the page's (or the export worker's) .wasm
  fuzz-lab [--count N] [--seed N]  random designs, the plan against real BIRD/FRR, twice each (root)
  cycles    the import circles among the modules of core and cli (fails on one not allowed)
  install   install the missing tools only";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("serve") => serve::run(),
        Some("test") => test::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("bench-command") => bench::whole_command(),
        Some("install") => tools::ensure_all(),
        Some("compare-netlab") => netlab::run(),
        Some("wasm-cost") => wasm_cost::run(&args[1..]),
        Some("fuzz-lab") => fuzz_lab::run(&args[1..]),
        Some("cycles") => cycles::run(),
        _ => {
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::FAILURE
        }
    }
}
