use std::time::Instant;
fn main() {
    let a: Vec<usize> = std::env::args().skip(1).filter_map(|s| s.parse().ok()).collect();
    let t = meshplan_core::scale::design(a[0], a[1]);
    let s = Instant::now();
    let p = meshplan_core::plan::build(&t);
    let plan = s.elapsed();
    let s = Instant::now();
    let z = meshplan_core::bundle::export(&t).unwrap_or_default();
    println!("{}x{}: plan {:.0} ms, export {:.0} ms, zip {} bytes, {} sessions, {} paths", a[0], a[1], plan.as_secs_f64() * 1e3, s.elapsed().as_secs_f64() * 1e3, z.len(), p.sessions.len(), p.paths.len());
}
