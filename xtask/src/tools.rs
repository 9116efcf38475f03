//! Installs what building and testing need, only when it is missing: the wasm
//! target, Trunk and the wasm-bindgen CLI that matches Cargo.lock, Debian packages
//! (BIRD, FRR, shellcheck, Chromium, binaryen), playwright-core from npm,
//! ansible-core and jsonschema from PyPI.

use crate::sh::{have, output, root, run, Result};

pub const TRUNK_VERSION: &str = "0.21.14";

pub fn ensure_all() -> Result {
    ensure_build_tools()?;
    ensure_test_tools()
}

/// What `serve` needs.
pub fn ensure_build_tools() -> Result {
    let targets = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !targets.lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        run("rustup", &["target", "add", "wasm32-unknown-unknown"])?;
    }
    if output("cargo", &["fmt", "--version"]).is_none() || output("cargo", &["clippy", "--version"]).is_none() {
        run("rustup", &["component", "add", "rustfmt", "clippy"])?;
    }
    let trunk = output("trunk", &["--version"]).unwrap_or_default();
    if !trunk.contains(TRUNK_VERSION) {
        run("cargo", &["install", "trunk", "--version", TRUNK_VERSION, "--locked"])?;
    }
    let wb = wasm_bindgen_version()?;
    let have_wb = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if !have_wb.split_whitespace().any(|w| w == wb) {
        // Not --locked: the CLI's own lockfile pins crates this rustc cannot build.
        run("cargo", &["install", "wasm-bindgen-cli", "--version", &wb])?;
    }
    apt(&[("wasm-opt", "binaryen")])
}

/// What `test` needs beyond the build tools.
pub fn ensure_test_tools() -> Result {
    apt(&[
        ("bird", "bird2"),
        ("/usr/lib/frr/bgpd", "frr"),
        ("vtysh", "frr"),
        ("shellcheck", "shellcheck"),
        ("chromium", "chromium"),
        ("unzip", "unzip"),
        ("ip", "iproute2"),
        ("ping", "iputils-ping"),
        ("nft", "nftables"),
        ("unshare", "util-linux"),
    ])?;
    let e2e = root().join("tests/e2e");
    if !e2e.join("node_modules/playwright-core").exists() && e2e.join("package.json").exists() {
        run("npm", &["ci", "--prefix", "tests/e2e", "--no-audit", "--no-fund"])?;
    }
    if !have("ansible-playbook") {
        run("python3", &["-m", "pip", "install", "-q", "ansible-core"])?;
    }
    if output("python3", &["-c", "import jsonschema, yaml"]).is_none() {
        run("python3", &["-m", "pip", "install", "-q", "jsonschema", "pyyaml"])?;
    }
    Ok(())
}

/// The wasm-bindgen version Cargo.lock pins; the CLI must be exactly this one.
pub fn wasm_bindgen_version() -> Result<String> {
    let lock =
        std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l.trim() == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|v| v.trim().strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err("Cargo.lock pins no wasm-bindgen".into())
}

/// Installs the Debian packages whose command (or file) is missing.
fn apt(wanted: &[(&str, &str)]) -> Result {
    let mut missing: Vec<&str> = wanted
        .iter()
        .filter(|(cmd, _)| if cmd.starts_with('/') { !std::path::Path::new(cmd).exists() } else { !have(cmd) })
        .map(|(_, pkg)| *pkg)
        .collect();
    missing.sort();
    missing.dedup();
    if missing.is_empty() {
        return Ok(());
    }
    run("apt-get", &["update", "-qq"])?;
    let mut args = vec!["install", "-y", "-qq", "--no-install-recommends"];
    args.extend(missing);
    crate::sh::run_env("apt-get", &args, &[("DEBIAN_FRONTEND", "noninteractive")])
}
