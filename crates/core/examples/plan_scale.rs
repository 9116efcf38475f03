//! Plans a generated scale design once: `cargo run --release --example plan_scale -- SITES`.
//! For profilers (callgrind, perf); the benchmarks are in benches/.
fn main() {
    let sites: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let t = meshplan_core::scale::design(sites, 10);
    let p = meshplan_core::plan::build(&t);
    println!("{} nodes, {} sessions, {} paths", p.nodes.len(), p.sessions.len(), p.paths.len());
}
