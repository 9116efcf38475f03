//! Routers as they are: a BIRD router of the lab starts from a config of its own,
//! as an operator's would be (OSPF on its links, a kernel protocol, a table and a
//! static protocol of the operator's that meshplan knows nothing about), then
//! gets meshplan's part through the bundle's own `install.sh`: the same script,
//! its root redirected into the router's lab folder (`--root`), its daemon
//! control pointed at the lab's BIRD (`--socket`), its namespace named by
//! `MESHPLAN_NETNS`. After the sessions are up the lab checks that the operator's
//! protocols still run and that a second run of the script changes nothing.

use std::fs;
use std::path::{Path, PathBuf};

use meshplan_core::plan::Plan;
use meshplan_core::render::{bird, router_os};

use super::exec;
use super::layout::Layout;

/// A BIRD router of the lab, as this module needs it (not the daemons' whole
/// `Speaker`, so that the daemons call this module and not the other way too).
pub struct Router<'a> {
    pub device: &'a str,
    pub ns: &'a str,
    pub dir: &'a Path,
}

/// The operator's protocols and what each must still show after meshplan joined.
pub const OPERATOR_PROTOCOLS: [&str; 2] = ["op_ospf", "op_static"];
/// A route of the operator's own table, which must stay there.
pub const OPERATOR_ROUTE: &str = "198.51.100.0/24";

/// The router's fake root and, in it, the main BIRD config the OS keeps.
pub fn bird_main(plan: &Plan, s: &Router) -> PathBuf {
    let main = plan.routers.get(s.device).map(router_os::bird_main_of).unwrap_or_default();
    s.dir.join("root").join(main.trim_start_matches('/'))
}

/// The operator's config: router id, device, direct, kernel (learns the
/// underlay, installs everything), OSPF on every interface, and a table with a
/// static protocol of its own.
pub fn bird_config(plan: &Plan, s: &Router) -> String {
    let rid = plan.routers.get(s.device).and_then(|r| r.router_id).map(|x| x.to_string()).unwrap_or_default();
    let d = s.dir.to_string_lossy();
    format!(
        "# The operator's BIRD on {dev}, before meshplan (written by the lab).\n\
         log \"{d}/bird.log\" all;\nrouter id {rid};\n\n\
         protocol device {{\n  scan time 10;\n}}\n\n\
         protocol direct {{\n  ipv4;\n  ipv6;\n}}\n\n\
         protocol kernel {{\n  learn;\n  ipv4 {{\n    import all;\n    export all;\n  }};\n}}\n\n\
         protocol kernel {{\n  learn;\n  ipv6 {{\n    import all;\n    export all;\n  }};\n}}\n\n\
         # The underlay between the sites, as the seed's routers carry it.\n\
         protocol ospf v2 op_ospf {{\n  ipv4 {{\n    import all;\n    export none;\n  }};\n  \
         area 0 {{\n    interface \"*\" {{\n      cost 10;\n      hello 2;\n      dead 8;\n    }};\n  }};\n}}\n\n\
         # Something of the operator's that meshplan must leave alone.\n\
         ipv4 table op_table;\n\
         protocol static op_static {{\n  ipv4 {{ table op_table; }};\n  route {OPERATOR_ROUTE} blackhole;\n}}\n",
        dev = s.device,
    )
}

/// Writes the bundle's files of the router beside its lab folder.
pub fn write_bundle(plan: &Plan, s: &Router) -> Result<PathBuf, String> {
    let dir = s.dir.join("bundle");
    let prefix = format!("routers/{}/", s.device);
    let files = bird::files(plan).into_iter().chain(meshplan_core::render::bird_install::files(plan));
    for f in files.filter(|f| f.path.starts_with(&prefix)) {
        let p = dir.join(&f.path[prefix.len()..]);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
        }
        fs::write(&p, &f.contents).map_err(|e| format!("cannot write {}: {e}", p.display()))?;
    }
    Ok(dir)
}

/// Runs the bundle's install step for the router, in its namespace; its output.
pub fn install(s: &Router, bundle: &Path, sock: &str) -> Result<String, String> {
    let script = bundle.join("install.sh").to_string_lossy().into_owned();
    let root = s.dir.join("root").to_string_lossy().into_owned();
    let netns = format!("MESHPLAN_NETNS={}", s.ns);
    let out = exec::ns(s.ns, "env", &[&netns, "sh", &script, "--root", &root, "--socket", sock])?;
    if !out.ok {
        return Err(format!("{}: install.sh failed:\n{}", s.device, out.text().trim()));
    }
    Ok(out.text())
}

/// Problems with the operator's own protocols after meshplan joined: each must
/// be up, OSPF must have its neighbours where the router shares a link with
/// another router, and the operator's table must still hold its route.
pub fn operator_problems(s: &Router, sock: &str, expect_ospf_neighbour: bool) -> Vec<String> {
    let mut out = Vec::new();
    for p in OPERATOR_PROTOCOLS {
        match exec::run("birdc", &["-s", sock, "show", "protocols", p]) {
            Ok(o) if o.text().lines().any(|l| l.starts_with(p) && l.contains(" up ")) => {}
            Ok(o) => out.push(format!("{}: the operator's {p} is not up: {}", s.device, o.text().trim())),
            Err(e) => out.push(format!("{}: {e}", s.device)),
        }
    }
    if expect_ospf_neighbour {
        match exec::run("birdc", &["-s", sock, "show", "ospf", "neighbors", "op_ospf"]) {
            Ok(o) if o.text().contains("Full") => {}
            Ok(o) => out.push(format!("{}: no OSPF adjacency is Full: {}", s.device, o.text().trim())),
            Err(e) => out.push(format!("{}: {e}", s.device)),
        }
    }
    match exec::run("birdc", &["-s", sock, "show", "route", "table", "op_table"]) {
        Ok(o) if o.text().contains(OPERATOR_ROUTE) => {}
        Ok(o) => out.push(format!("{}: the operator's table lost {OPERATOR_ROUTE}: {}", s.device, o.text().trim())),
        Err(e) => out.push(format!("{}: {e}", s.device)),
    }
    out
}

/// Whether the device has an IPv4 network in common with one of `others`
/// (then their OSPF forms an adjacency there).
pub fn shares_a_network(layout: &Layout, device: &str, others: &[&str]) -> bool {
    let nets = |name: &str| -> Vec<ipnet::IpNet> {
        let Some(space) = layout.device(name) else { return Vec::new() };
        layout
            .addrs
            .iter()
            .filter(|a| a.space == space && matches!(a.net, ipnet::IpNet::V4(_)) && a.net.prefix_len() < 32)
            .map(|a| a.net.trunc())
            .collect()
    };
    let mine = nets(device);
    others.iter().any(|o| nets(o).iter().any(|n| mine.contains(n)))
}
