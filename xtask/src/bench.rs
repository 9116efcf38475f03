//! `cargo xtask bench`: the core's benchmarks (divan prints the table), then the
//! plan's time and peak memory per scale design in a process of its own, then
//! the user's whole command: `meshplan check` of each scale design as a
//! process (reading the file, parsing, checking, planning, the single-failure
//! analysis, placing and printing every finding), timed from outside.

use std::process::{Command, Stdio};
use std::time::Instant;

use meshplan_core::{scale, write};

use crate::sh::{self, Result};

/// Sites of the scale designs (10 nodes each): 60, 600 and 2,000 nodes.
const SITES: &[usize] = &[6, 60, 200];
/// Runs of the whole command per design (sites, runs); the median is shown
/// (the machine may be shared, and a median shrugs off the run another
/// process slowed). `check` runs the single-failure analysis, seconds at 600
/// nodes and minutes at 2,000 (README, Performance): fewer runs there.
const RUNS: &[(usize, usize)] = &[(6, 7), (60, 3), (200, 1)];

pub fn run(args: &[String]) -> Result {
    let mut a = vec!["bench", "-p", "meshplan-core", "--bench", "pipeline"];
    if !args.is_empty() {
        a.push("--");
        a.extend(args.iter().map(String::as_str));
    }
    sh::run("cargo", &a)?;
    sh::run("cargo", &["build", "--release", "-p", "meshplan-core", "--example", "plan_scale"])?;
    println!("\nplan, one run each, separate processes (peak = VmHWM):");
    for sites in SITES {
        let exe = sh::root().join("target/release/examples/plan_scale");
        sh::run(exe.to_str().unwrap_or("target/release/examples/plan_scale"), &[&sites.to_string()])?;
    }
    whole_command()
}

/// `meshplan check FILE` (release build) of each scale design, as the user runs
/// it: compare with parse_text + check_rules + plan_build (+ plan_failures,
/// which `check` runs too) in divan's table above.
pub fn whole_command() -> Result {
    sh::run("cargo", &["build", "--release", "-p", "meshplan"])?;
    let exe = sh::root().join("target/release/meshplan");
    let dir = sh::root().join("target/bench");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    println!("\nthe whole command, `meshplan check FILE` as a process (median of the runs):");
    println!("{:<10} {:>6} {:>12} {:>12} {:>12}", "nodes", "runs", "median ms", "fastest ms", "slowest ms");
    for &(sites, runs) in RUNS {
        let t = scale::design(sites, 10);
        let file = dir.join(format!("scale-{}.yaml", t.nodes.len()));
        std::fs::write(&file, write(&t)).map_err(|e| format!("{}: {e}", file.display()))?;
        let mut ms = Vec::with_capacity(runs);
        for _ in 0..runs {
            let start = Instant::now();
            // Exit status 1 means findings with errors, not a failed run.
            let status = Command::new(&exe)
                .arg("check")
                .arg(&file)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .map_err(|e| format!("cannot run {}: {e}", exe.display()))?;
            ms.push(start.elapsed().as_secs_f64() * 1e3);
            if status.code().is_none_or(|c| c > 1) {
                return Err(format!("`meshplan check {}` failed ({status})", file.display()));
            }
        }
        ms.sort_by(f64::total_cmp);
        println!("{:<10} {runs:>6} {:>12.1} {:>12.1} {:>12.1}", t.nodes.len(), ms[runs / 2], ms[0], ms[runs - 1]);
    }
    Ok(())
}
