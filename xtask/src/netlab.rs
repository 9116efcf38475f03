//! `cargo xtask compare-netlab`: the 600-node scale design written twice, as a
//! meshplan topology and as the equivalent netlab topology (FRR route reflectors
//! and their clients, same sessions), then `netlab create` timed against
//! `meshplan export`. netlab is optional: `python3 -m pip install networklab`.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use meshplan_core::{scale, write};

use crate::sh::{self, Result};

const SITES: usize = 60;
const NODES: usize = 10;

pub fn run() -> Result {
    if !sh::have("netlab") {
        return Err("netlab is not installed: python3 -m pip install networklab".into());
    }
    let dir = sh::root().join("target/compare-netlab");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("netlab")).map_err(|e| e.to_string())?;
    let t = scale::design(SITES, NODES);
    std::fs::write(dir.join("topology.yaml"), write(&t)).map_err(|e| e.to_string())?;
    std::fs::write(dir.join("netlab/topology.yml"), netlab_topology(&t)).map_err(|e| e.to_string())?;

    sh::run("cargo", &["build", "--release", "-p", "meshplan"])?;
    let exe = sh::root().join("target/release/meshplan");
    let ours = time(|| {
        sh::run(
            exe.to_str().unwrap_or("meshplan"),
            &["export", path(&dir.join("topology.yaml")), "-o", path(&dir.join("bundle.zip"))],
        )
    })?;
    let theirs = time(|| run_in(&dir.join("netlab"), "netlab", &["create", "-p", "clab"]))?;
    println!(
        "{} nodes + {} reflectors: meshplan export {:.3} s, netlab create {:.1} s, ratio {:.0}×",
        SITES * NODES,
        SITES * 2,
        ours,
        theirs,
        theirs / ours
    );
    Ok(())
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

fn time(f: impl FnOnce() -> Result) -> Result<f64> {
    let start = Instant::now();
    f()?;
    Ok(start.elapsed().as_secs_f64())
}

fn run_in(dir: &Path, prog: &str, args: &[&str]) -> Result {
    let status = std::process::Command::new(prog)
        .args(args)
        .current_dir(dir)
        .status()
        .map_err(|e| format!("cannot start {prog}: {e}"))?;
    status.success().then_some(()).ok_or_else(|| format!("{prog} failed ({status})"))
}

/// The same design in netlab's format: every device FRR, the bgp module, the two
/// reflectors of each site marked `bgp.rr`, a LAN per site and one overlay LAN
/// joining all reflectors.
fn netlab_topology(t: &meshplan_core::Topology) -> String {
    // 720 devices: lift netlab's default node-id cap (150), widen the loopback and management pools.
    let mut o = String::from(
        "provider: clab\ndefaults.device: frr\ndefaults.const.MAX_NODE_ID: 1000\n\
         addressing.loopback.ipv4: 10.0.0.0/20\naddressing.mgmt.ipv4: 192.168.112.0/20\nmodule: [bgp]\nbgp.as: 64512\n\nnodes:\n",
    );
    for name in t.routers.keys() {
        let _ = writeln!(o, "  {}:\n    bgp.rr: True", netlab_name(name));
    }
    for name in t.nodes.keys() {
        let _ = writeln!(o, "  {}:", netlab_name(name));
    }
    o.push_str("\nlinks:\n");
    for site in t.sites.keys().filter(|s| *s != "wg") {
        let members: Vec<String> = t
            .routers
            .iter()
            .filter(|(_, r)| r.site.as_deref() == Some(site))
            .map(|(n, _)| netlab_name(n))
            .chain(t.nodes.iter().filter(|(_, n)| &n.site == site).map(|(n, _)| netlab_name(n)))
            .collect();
        let _ = writeln!(o, "- [{}]", members.join(", "));
    }
    let rrs: Vec<String> = t.routers.keys().map(|n| netlab_name(n)).collect();
    let _ = writeln!(o, "- [{}]", rrs.join(", "));
    o
}

/// netlab names are identifiers: letters, digits, underscores.
fn netlab_name(n: &str) -> String {
    n.replace(['-', '.'], "_")
}
