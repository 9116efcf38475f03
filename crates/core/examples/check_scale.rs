//! What `meshplan check` does to a scale design, in one process and timed by
//! stage: `cargo run --release --example check_scale -- SITES [RUNS]`. The
//! whole command (`cargo xtask bench-command`) is compared with this: what the
//! process adds (start, reading the file, printing) is the difference.

use std::time::Instant;

use meshplan_core::{analyze, analyze_with_failures, parse, scale, write};

fn main() {
    let sites: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let runs: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(1).max(1);
    let src = write(&scale::design(sites, 10));
    let median = |f: &dyn Fn()| {
        let mut ms: Vec<f64> = (0..runs)
            .map(|_| {
                let t = Instant::now();
                f();
                t.elapsed().as_secs_f64() * 1e3
            })
            .collect();
        meshplan_core::sort::sort_by(&mut ms, f64::total_cmp);
        ms[runs / 2]
    };
    let parse_ms = median(&|| drop(parse(&src)));
    let analyze_ms = median(&|| drop(analyze(&src)));
    let check_ms = median(&|| drop(analyze_with_failures(&src)));
    println!(
        "{} nodes, in one process (median of {runs}): parse {parse_ms:.1} ms; parse + check + plan + places \
         (analyze) {analyze_ms:.1} ms; and single failures, all `check` does (analyze_with_failures) {check_ms:.1} ms",
        sites * 10
    );
}
