//! Routers as they are: a router of the lab starts from a config of its own, as
//! an operator's would be — BIRD: OSPF on its links, a kernel protocol, a table
//! and a static protocol; FRR: zebra, staticd, ospfd and bgpd running an
//! integrated config with OSPF and a static route, no BGP — that meshplan knows
//! nothing about, then gets meshplan's part through the bundle's own
//! `install.sh`: the same script, its root redirected into the router's lab
//! folder (`--root`), its daemon control pointed at the lab's daemon
//! (`--socket`: BIRD's control socket, FRR's vty socket folder), its namespace
//! named by `MESHPLAN_NETNS`. After the sessions are up the lab checks that the
//! operator's protocols still run and that a second run of the script changes
//! nothing.

use std::fs;
use std::path::{Path, PathBuf};

use meshplan_core::model::{Daemon, Platform};
use meshplan_core::plan::Plan;
use meshplan_core::render::{bird, bird_install, frr, frr_install, router_os};

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

/// Why the lab cannot run a router's install step as shipped, if it cannot:
/// then the router runs the bundle's complete config instead, and the lab says so.
pub fn why_not_installed(plan: &Plan, device: &str) -> Option<&'static str> {
    let r = plan.routers.get(device)?;
    (r.platform == Platform::Freebsd)
        .then_some("its install.sh is FreeBSD's (sysrc, rc.d), which this Linux lab cannot run")
}

/// The router's fake root and, in it, the folder of FRR's integrated config.
pub fn frr_dir(plan: &Plan, s: &Router) -> PathBuf {
    let dir = plan.routers.get(s.device).map(router_os::frr_dir_of).unwrap_or_default();
    s.dir.join("root").join(dir.trim_start_matches('/'))
}

/// The FRR daemons an operator's router runs (the Debian package's defaults
/// plus OSPF for the underlay); meshplan's part needs bgpd among them.
pub const FRR_DAEMONS: [&str; 4] = ["zebra", "staticd", "ospfd", "bgpd"];

/// The operator's integrated FRR config: OSPF on every interface, timers as the
/// BIRD routers' (hello 2, dead 8) so the two form adjacencies, and a static
/// route of the operator's own; no BGP yet.
pub fn frr_config(plan: &Plan, s: &Router, interfaces: &[String]) -> String {
    let rid = plan.routers.get(s.device).and_then(|r| r.router_id).map(|x| x.to_string()).unwrap_or_default();
    let d = s.dir.to_string_lossy();
    let mut o = format!(
        "! The operator's FRR on {dev}, before meshplan (written by the lab).\n\
         frr defaults traditional\nhostname {dev}\nlog file {d}/frr.log informational\n!\n\
         ! Something of the operator's that meshplan must leave alone.\n\
         ip route {OPERATOR_ROUTE} blackhole\n!\n",
        dev = s.device,
    );
    for i in interfaces {
        // A link's /30 is point-to-point to BIRD (`ospf_iface_classify`): both
        // ends must agree, or the adjacency stays in Loading.
        let ptp = if i.starts_with('l') { " ip ospf network point-to-point\n" } else { "" };
        o.push_str(&format!(
            "interface {i}\n{ptp} ip ospf hello-interval 2\n ip ospf dead-interval 8\n ip ospf cost 10\nexit\n!\n"
        ));
    }
    o.push_str(&format!(
        "! The underlay between the sites, as the seed's routers carry it.\n\
         router ospf\n ospf router-id {rid}\n network 0.0.0.0/0 area 0\nexit\n!\nend\n"
    ));
    o
}

/// Writes the bundle's files of the router beside its lab folder.
pub fn write_bundle(plan: &Plan, s: &Router) -> Result<PathBuf, String> {
    let dir = s.dir.join("bundle");
    let prefix = format!("routers/{}/", s.device);
    let daemon = plan.routers.get(s.device).map(|r| r.daemon);
    let files: Vec<meshplan_core::render::File> = if daemon == Some(Daemon::Frr) {
        frr::files(plan).into_iter().chain(frr_install::files(plan)).collect()
    } else {
        bird::files(plan).into_iter().chain(bird_install::files(plan)).collect()
    };
    for f in files.iter().filter(|f| f.path.starts_with(&prefix)) {
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
/// another router, and the operator's route must still be there. `sock` is
/// BIRD's control socket or FRR's vty socket folder.
pub fn operator_problems(plan: &Plan, s: &Router, sock: &str, expect_ospf_neighbour: bool) -> Vec<String> {
    match plan.routers.get(s.device).map(|r| r.daemon) {
        Some(Daemon::Frr) => frr_operator_problems(plan, s, sock, expect_ospf_neighbour),
        _ => bird_operator_problems(s, sock, expect_ospf_neighbour),
    }
}

fn bird_operator_problems(s: &Router, sock: &str, expect_ospf_neighbour: bool) -> Vec<String> {
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

fn frr_operator_problems(plan: &Plan, s: &Router, sock: &str, expect_ospf_neighbour: bool) -> Vec<String> {
    let mut out = Vec::new();
    let vtysh = |cmd: &str| exec::ns(s.ns, "vtysh", &["--vty_socket", sock, "-c", cmd]).map(|o| o.text());
    match vtysh("show ip ospf") {
        Ok(t) if t.contains("OSPF Routing Process") => {}
        Ok(t) => out.push(format!("{}: the operator's OSPF is not running: {}", s.device, t.trim())),
        Err(e) => out.push(format!("{}: {e}", s.device)),
    }
    if expect_ospf_neighbour {
        match vtysh("show ip ospf neighbor") {
            Ok(t) if t.contains("Full") => {}
            Ok(t) => out.push(format!("{}: no OSPF adjacency is Full: {}", s.device, t.trim())),
            Err(e) => out.push(format!("{}: {e}", s.device)),
        }
    }
    match vtysh(&format!("show ip route {OPERATOR_ROUTE}")) {
        Ok(t) if t.contains("\"static\"") => {}
        Ok(t) => out.push(format!("{}: the operator's static route {OPERATOR_ROUTE} is gone: {}", s.device, t.trim())),
        Err(e) => out.push(format!("{}: {e}", s.device)),
    }
    // What the install step's `write memory` saved (in the router's fake root):
    // the operator's protocols, and meshplan's beside them.
    let saved = fs::read_to_string(frr_dir(plan, s).join("frr.conf")).unwrap_or_default();
    let route_line = format!("ip route {OPERATOR_ROUTE} blackhole");
    for want in ["router ospf", route_line.as_str(), "router bgp "] {
        if !saved.contains(want) {
            out.push(format!("{}: the saved frr.conf lacks `{want}`", s.device));
        }
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
