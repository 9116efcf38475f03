//! Plans a generated scale design, then every single failure of it, and
//! reports both times: `cargo run --release --example failures_scale -- SITES
//! [NODES_PER_SITE]`. A profiling target; the benchmark proper is
//! `plan_failures` in benches/pipeline.rs.

use std::time::Instant;

fn main() {
    let sites: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let per_site: usize = std::env::args().nth(2).and_then(|s| s.parse().ok()).unwrap_or(10);
    let t = meshplan_core::scale::design(sites, per_site);
    let start = Instant::now();
    let p = meshplan_core::plan::build(&t);
    let plan_took = start.elapsed();
    let start = Instant::now();
    let f = meshplan_core::plan::failures::analyze(&t, &p);
    let took = start.elapsed();
    let lost = f.failures.iter().filter(|x| !x.sessions_lost.is_empty()).count();
    println!(
        "{} nodes: plan {:.1} ms; {} single failures ({lost} take sessions) in {:.1} ms = {:.1}× the plan; {} break something",
        p.nodes.len(),
        plan_took.as_secs_f64() * 1e3,
        f.failures.len(),
        took.as_secs_f64() * 1e3,
        took.as_secs_f64() / plan_took.as_secs_f64(),
        f.hurting().count()
    );
}
