//! `cargo xtask bench`: the core's benchmarks (divan prints the table), then the
//! plan's time and peak memory per scale design in a process of its own.

use crate::sh::{self, Result};

pub fn run(args: &[String]) -> Result {
    let mut a = vec!["bench", "-p", "meshplan-core", "--bench", "pipeline"];
    if !args.is_empty() {
        a.push("--");
        a.extend(args.iter().map(String::as_str));
    }
    sh::run("cargo", &a)?;
    sh::run("cargo", &["build", "--release", "-p", "meshplan-core", "--example", "plan_scale"])?;
    println!("\nplan, one run each, separate processes (peak = VmHWM):");
    for sites in ["6", "60", "200"] {
        let exe = sh::root().join("target/release/examples/plan_scale");
        sh::run(exe.to_str().unwrap_or("target/release/examples/plan_scale"), &[sites])?;
    }
    Ok(())
}
