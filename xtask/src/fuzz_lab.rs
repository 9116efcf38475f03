//! `cargo xtask fuzz-lab [--count N] [--seed N]`: the long differential run of
//! issue 22 — random designs planned and run in the lab, each twice (a
//! different outcome on the second run is a finding), disagreements minimised.
//! CI runs the regression corpus and three fresh designs (crates/cli/tests/lab.rs);
//! this is for the hundreds.

use crate::sh::{self, Result};
use crate::tools;

pub fn run(args: &[String]) -> Result {
    tools::ensure_test_tools()?;
    let mut count = "200".to_string();
    let mut seed: Option<String> = None;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--count" => count = it.next().cloned().ok_or("--count needs a number")?,
            "--seed" => seed = Some(it.next().cloned().ok_or("--seed needs a number")?),
            other => return Err(format!("unknown option `{other}` (--count N, --seed N)")),
        }
    }
    sh::run("cargo", &["build", "--release", "-p", "meshplan"])?;
    let exe = sh::root().join("target/release/meshplan");
    let out = sh::root().join("target/fuzz-lab");
    let (exe, out) = (exe.to_string_lossy().into_owned(), out.to_string_lossy().into_owned());
    let mut cmd = vec!["lab", "fuzz", "--count", count.as_str(), "--twice", "--minimise", "-o", out.as_str()];
    if let Some(s) = &seed {
        cmd.extend_from_slice(&["--seed", s.as_str()]);
    }
    sh::run(&exe, &cmd)
}
