//! `cargo xtask serve`: build the app in release and serve it on 127.0.0.1:8080.

use crate::sh::{self, Result};
use crate::tools;

pub fn run() -> Result {
    tools::ensure_build_tools()?;
    sh::run("trunk", &["serve", "--release", "--offline", "--address", "127.0.0.1", "--port", "8080"])
}
