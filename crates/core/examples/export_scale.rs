//! Exports a generated scale design once and reports the time per stage:
//! `cargo run --release --example export_scale -- SITES`. Also a profiler target.

use std::time::Instant;

fn main() {
    let sites: usize = std::env::args().nth(1).and_then(|s| s.parse().ok()).unwrap_or(60);
    let t = meshplan_core::scale::design(sites, 10);
    let start = Instant::now();
    let p = meshplan_core::plan::build(&t);
    let planned = start.elapsed();
    let files = meshplan_core::render::render(&p);
    let rendered = start.elapsed();
    let bytes: usize = files.iter().map(|f| f.contents.len()).sum();
    let zip = meshplan_core::bundle::export(&t).unwrap_or_default();
    if let Some(out) = std::env::args().nth(2) {
        let _ = std::fs::write(out, &zip);
    }
    let zip = zip.len();
    let total = start.elapsed();
    println!(
        "{} nodes: plan {:.0} ms, render {:.0} ms ({} files, {} bytes), export (plan+render+zip) {:.0} ms, zip {} bytes",
        p.nodes.len(),
        planned.as_secs_f64() * 1e3,
        (rendered - planned).as_secs_f64() * 1e3,
        files.len(),
        bytes,
        (total - rendered).as_secs_f64() * 1e3,
        zip
    );
}
