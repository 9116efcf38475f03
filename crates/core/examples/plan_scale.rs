//! Plans a generated scale design once and reports time and peak memory:
//! `cargo run --release --example plan_scale -- SITES [NODES_PER_SITE]`. Also the target for
//! profilers (callgrind, perf); the benchmarks proper are in benches/.

use std::time::Instant;

fn main() {
    let sites: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let per_site: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let t = meshplan_core::scale::design(sites, per_site);
    let start = Instant::now();
    let p = meshplan_core::plan::build(&t);
    let took = start.elapsed();
    // Peak resident memory of the whole process, from the kernel (Linux).
    let peak = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).map(|l| l.trim_start_matches("VmHWM:").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into());
    // The input's own size: the backbone's full mesh makes it grow faster than the nodes.
    let text = meshplan_core::write(&t);
    println!(
        "{} nodes ({} links, {} KB of YAML): plan in {:.1} ms ({} sessions, {} paths), peak memory {peak}",
        p.nodes.len(),
        t.links.len(),
        text.len() / 1000,
        took.as_secs_f64() * 1e3,
        p.sessions.len(),
        p.paths.len()
    );
}
