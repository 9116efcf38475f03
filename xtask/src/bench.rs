//! `cargo xtask bench`: the core's benchmarks, printed as a table.

use crate::sh::{self, Result};

pub fn run(args: &[String]) -> Result {
    let mut a = vec!["bench", "-p", "meshplan-core"];
    a.extend(args.iter().map(String::as_str));
    sh::run("cargo", &a)
}
