//! The BGP daemons of the lab: routers run the operator's config the lab writes
//! (BIRD: OSPF, a table and a static protocol; FRR: zebra, staticd, ospfd and
//! bgpd booted from an integrated config with OSPF and a static route), joined
//! by meshplan's part through the bundle's install step ([`super::existing`]);
//! the nodes run BIRD playing Calico's node agent (or Cilium's BGP control
//! plane) with the sessions the bundle's manifests deploy (`deployed`).
//! Also: asking each daemon for its sessions, matched to the plan's, and its BGP routes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;
use meshplan_core::model::{Cni, Daemon, Kind};
use meshplan_core::plan::{Family, Plan};
use meshplan_core::render::bird::{self, Side, HOLD, KEEPALIVE};
use meshplan_core::render::frr;

use super::existing;
use super::{deployed, exec};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Bird,
    Frr,
}

/// One BGP daemon in one namespace.
#[derive(Debug, Clone)]
pub struct Speaker {
    pub device: String,
    pub ns: String,
    pub engine: Engine,
    pub dir: PathBuf,
    pub kind: Kind,
    /// Routers: BIRD protocol name per session side (same order as `bird::sides`).
    pub protocols: Vec<String>,
    /// Nodes: the sessions the deployed manifests give the node's agent, and its AS.
    pub peers: Vec<NodePeer>,
    pub asn: Option<u32>,
}

impl Speaker {
    /// BIRD's control socket, or the folder of FRR's vty sockets.
    pub fn sock(&self) -> String {
        match self.engine {
            Engine::Bird => self.dir.join("bird.ctl").to_string_lossy().into_owned(),
            Engine::Frr => self.dir.to_string_lossy().into_owned(),
        }
    }
    /// The router as `existing` takes it.
    pub fn router(&self) -> existing::Router<'_> {
        existing::Router { device: &self.device, ns: &self.ns, dir: &self.dir }
    }
}

/// One BGP session a node's agent opens, as the lab's BIRD names it.
#[derive(Debug, Clone)]
pub struct NodePeer {
    pub protocol: String,
    pub address: IpAddr,
    pub asn: u32,
    /// The families its BIRD protocol carries (those of the peer's address).
    pub families: Vec<Family>,
    /// The manifest it comes from.
    pub source: String,
}

/// A BIRD protocol name for a peer: `n_` and the address with `_` for its separators.
fn peer_protocol(i: usize, a: &IpAddr) -> String {
    let addr: String = a.to_string().chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }).collect();
    format!("n{i}_{addr}")
}

/// The BIRD config of a node: the speaker its CNI agent runs as the bundle's
/// manifests deploy it (`deployed`; `None`: the manifests give the node no BGP at
/// all). Calico's agent installs what it learns in the kernel; Cilium's only
/// announces (it routes through its default gateway). What the manifests do not
/// hold comes from the plan, as the cluster would give it at run time: the node's
/// pod range (IPAM) and, for a node without IPv4, a router ID.
pub fn node_config(
    plan: &Plan,
    node: &str,
    dir: &Path,
    deployed: Option<&deployed::Speaker>,
) -> (String, Vec<NodePeer>) {
    let acc = bird::accepted(plan);
    let pods: Vec<IpNet> = plan.nodes.get(node).map(|n| n.pod_ranges.clone()).unwrap_or_default();
    let rid = deployed.and_then(|d| d.router_id).map(|r| r.to_string()).unwrap_or_else(|| {
        plan.speakers.get(node).map(|i| plan.speakers.list[i].router_id.to_string()).unwrap_or_else(|| "0.0.0.0".into())
    });
    let installs = deployed.map_or(plan.cluster.cni == Cni::Calico, |d| d.installs_routes);
    let mut fams: Vec<Family> = pods.iter().map(Family::of_net).collect();
    fams.extend(deployed.into_iter().flat_map(|d| d.peers.iter().map(|p| Family::of(&p.address))));
    fams.sort();
    fams.dedup();
    let mut o = String::new();
    let agent = if installs { "Calico's node agent (calico-node's BIRD)" } else { "Cilium's BGP control plane" };
    let _ = writeln!(o, "# meshplan lab: BIRD playing {agent} on node `{node}`, as the bundle's manifests deploy it.");
    let _ = writeln!(o, "log \"{}/bird.log\" all;\nrouter id {rid};\n", dir.to_string_lossy());
    let _ = writeln!(o, "protocol device {{\n  scan time 10;\n}}\n");
    let chans: String = fams.iter().map(|f| format!("  {};\n", f.as_str())).collect();
    let _ = writeln!(o, "protocol direct {{\n{chans}}}\n");
    for &f in &fams {
        let s = suffix(f);
        let set: Vec<String> =
            acc.iter().filter(|a| a.family() == f).map(|a| format!("{}{{{},{}}}", a.net, a.ge, a.le)).collect();
        let set = if set.is_empty() { "[ ]".to_string() } else { format!("[ {} ]", set.join(", ")) };
        let export = if installs { "if source = RTS_BGP then accept;\n      reject;" } else { "reject;" };
        let _ = writeln!(
            o,
            "protocol kernel kernel_{s} {{\n  learn;\n  merge paths on;\n  {fam} {{\n    import filter {{\n      if net ~ {set} then reject;\n      accept;\n    }};\n    export filter {{\n      {export}\n    }};\n  }};\n}}\n",
            fam = f.as_str()
        );
        let _ = writeln!(o, "filter pods_in_{s} {{\n  if net ~ {set} then accept;\n  reject;\n}}\n");
        let mine: Vec<String> =
            pods.iter().filter(|p| Family::of_net(p) == f).map(|p| format!("  route {p} blackhole;\n")).collect();
        let _ = writeln!(
            o,
            "# The node's own pod block, as the CNI announces it.\nprotocol static pods_{s} {{\n  {};\n{}}}\n",
            f.as_str(),
            mine.concat()
        );
        let _ = writeln!(o, "filter pods_out_{s} {{\n  if proto = \"pods_{s}\" then accept;\n  reject;\n}}\n");
    }
    let mut peers = Vec::new();
    let Some(d) = deployed else { return (o, peers) };
    for (i, p) in d.peers.iter().enumerate() {
        let name = peer_protocol(i + 1, &p.address);
        let fam = Family::of(&p.address);
        // BIRD carries a family over a session of the other family only with
        // extended next hops; the lab's routers are configured per family, so one
        // channel: the family of the peer's address.
        let families: Vec<Family> = p.families.iter().copied().filter(|f| *f == fam).collect();
        let _ = writeln!(o, "# {}\nprotocol bgp {name} {{", p.source);
        match p.local {
            Some(l) => {
                let _ = writeln!(o, "  local {l} as {};", d.asn);
            }
            None => {
                let _ = writeln!(o, "  local as {};", d.asn);
            }
        }
        let _ = writeln!(o, "  neighbor {} as {};", p.address, p.asn);
        let _ = writeln!(o, "  hold time {HOLD};\n  keepalive time {KEEPALIVE};\n  connect delay time 1;\n  connect retry time 3;\n  error wait time 1, 5;");
        if p.multihop {
            let _ = writeln!(o, "  multihop;");
        }
        if p.passive {
            let _ = writeln!(o, "  passive on;");
        }
        let s = suffix(fam);
        for f in &families {
            // Announce the pod range only where an advertisement says so.
            let pods = p.adverts.get(f).is_some_and(|a| a.contains(&deployed::Advert::PodCidr));
            let export = if pods { format!("export filter pods_out_{s};") } else { "export none;".to_string() };
            let _ = writeln!(o, "  {} {{\n    import filter pods_in_{s};\n    {export}", f.as_str());
            if p.next_hop_keep {
                let _ = writeln!(o, "    next hop keep;");
            }
            if p.asn == d.asn {
                let _ = writeln!(o, "    gateway recursive;\n    igp table master{};", &s[1..]);
            }
            let _ = writeln!(o, "  }};");
        }
        let _ = writeln!(o, "}}\n");
        peers.push(NodePeer { protocol: name, address: p.address, asn: p.asn, families, source: p.source.clone() });
    }
    (o, peers)
}

fn suffix(f: Family) -> &'static str {
    match f {
        Family::Ipv4 => "v4",
        Family::Ipv6 => "v6",
    }
}

/// Writes every daemon's config and starts them, routers first. Node speakers
/// get the sessions `deployed` derived from the bundle's manifests.
pub fn start(
    plan: &Plan,
    deployed: Option<&deployed::Deployed>,
    speakers: &mut [Speaker],
    log: &mut dyn FnMut(String),
) -> Result<(), String> {
    let mut order: Vec<usize> = (0..speakers.len()).collect();
    order.sort_by_key(|&i| speakers[i].kind != Kind::Router);
    for i in order {
        let s = &mut speakers[i];
        exec::sleep(Duration::ZERO)?;
        fs::create_dir_all(&s.dir).map_err(|e| format!("cannot create {}: {e}", s.dir.display()))?;
        let dir = s.dir.to_string_lossy().into_owned();
        let own_os = existing::why_not_installed(plan, &s.device);
        match (s.kind, s.engine) {
            (Kind::Router, Engine::Bird) if own_os.is_some() => {
                let conf =
                    bird::config(plan, &s.device).replace("log syslog all;", &format!("log \"{dir}/bird.log\" all;"));
                write(&s.dir.join("bird.conf"), &conf)?;
                start_bird(s)?;
                wait_bird(s)?;
                log(format!(
                    "{} ({}): BIRD with routers/{}/bird.conf, the complete config ({})",
                    s.device,
                    s.ns,
                    s.device,
                    own_os.unwrap_or_default()
                ));
            }
            (Kind::Router, Engine::Frr) if own_os.is_some() => {
                let conf_dir = existing::frr_dir(plan, &s.router());
                fs::create_dir_all(&conf_dir).map_err(|e| format!("cannot create {}: {e}", conf_dir.display()))?;
                let conf = frr::config(plan, &s.device)
                    .replace("log syslog informational", &format!("log file {dir}/frr.log informational"));
                write(&conf_dir.join("frr.conf"), &conf)?;
                boot_frr(s, &conf_dir)?;
                log(format!(
                    "{} ({}): FRR ({}) with routers/{}/frr.conf, the complete config ({})",
                    s.device,
                    s.ns,
                    existing::FRR_DAEMONS.join(", "),
                    s.device,
                    own_os.unwrap_or_default()
                ));
            }
            (Kind::Router, Engine::Bird) => {
                // The operator's own config first; meshplan's part joins it
                // through the bundle's install step.
                let main = existing::bird_main(plan, &s.router());
                if let Some(parent) = main.parent() {
                    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
                }
                write(&main, &existing::bird_config(plan, &s.router()))?;
                start_bird_with(s, &main)?;
                wait_bird(s)?;
                let bundle = existing::write_bundle(plan, &s.router())?;
                let out = existing::install(&s.router(), &bundle, &s.sock())?;
                let said =
                    out.lines().filter(|l| l.starts_with("placed") || l.starts_with("BIRD reconfigured")).count();
                log(format!(
                    "{} ({}): BIRD with the operator's config (OSPF, op_static), then routers/{}/install.sh --root {dir}/root ({said} steps: placed, reconfigured)",
                    s.device, s.ns, s.device
                ));
            }
            (Kind::Router, Engine::Frr) => {
                // The operator's FRR first (OSPF, a static route, no BGP), loaded
                // as FRR's init script loads it at boot; meshplan's part joins it
                // through the bundle's install step (vtysh -f, write memory).
                let conf_dir = existing::frr_dir(plan, &s.router());
                fs::create_dir_all(&conf_dir).map_err(|e| format!("cannot create {}: {e}", conf_dir.display()))?;
                let ifaces = interfaces(&s.ns)?;
                write(&conf_dir.join("frr.conf"), &existing::frr_config(plan, &s.router(), &ifaces))?;
                boot_frr(s, &conf_dir)?;
                let bundle = existing::write_bundle(plan, &s.router())?;
                let out = existing::install(&s.router(), &bundle, &s.sock())?;
                let merged = out.lines().any(|l| l.starts_with("merged meshplan's part"));
                log(format!(
                    "{} ({}): FRR ({}) with the operator's config (OSPF, a static route), then routers/{}/install.sh --root {dir}/root{}",
                    s.device,
                    s.ns,
                    existing::FRR_DAEMONS.join(", "),
                    s.device,
                    if merged { " (merged meshplan's part, write memory)" } else { "" }
                ));
            }
            _ => {
                let mine = deployed.and_then(|d| d.speakers.get(&s.device));
                let (conf, peers) = node_config(plan, &s.device, &s.dir, mine);
                s.peers = peers;
                s.asn = mine.map(|d| d.asn);
                write(&s.dir.join("bird.conf"), &conf)?;
                start_bird(s)?;
                let what = if s.peers.is_empty() {
                    "no BGP session: the deployed manifests give this node none".to_string()
                } else {
                    format!("{} session(s) as deployed", s.peers.len())
                };
                log(format!("{} ({}): BIRD as the node agent, {what} ({dir}/bird.conf)", s.device, s.ns));
            }
        }
    }
    Ok(())
}

fn write(p: &Path, text: &str) -> Result<(), String> {
    fs::write(p, text).map_err(|e| format!("cannot write {}: {e}", p.display()))
}

fn start_bird(s: &Speaker) -> Result<(), String> {
    start_bird_with(s, &s.dir.join("bird.conf"))
}

fn start_bird_with(s: &Speaker, conf: &Path) -> Result<(), String> {
    let conf = conf.to_string_lossy().into_owned();
    let pid = s.dir.join("bird.pid").to_string_lossy().into_owned();
    let out = exec::ns(&s.ns, "bird", &["-c", &conf, "-s", &s.sock(), "-P", &pid])?;
    if !out.ok {
        return Err(format!("BIRD did not start in {} ({}): {}", s.ns, s.device, out.text().trim()));
    }
    Ok(())
}

/// The empty per-daemon config FRR's daemons start with: the integrated
/// config comes through vtysh, as on a router FRR's init script boots.
const NO_CONFIG: &str = "none.conf";

/// The daemon binaries of an FRR install.
pub const FRR_BIN: &str = "/usr/lib/frr";

fn start_frr(s: &Speaker) -> Result<(), String> {
    let d = s.dir.to_string_lossy().into_owned();
    let zsock = format!("{d}/zserv.api");
    for name in existing::FRR_DAEMONS {
        let (conf, pid, log) = (format!("{d}/{NO_CONFIG}"), format!("{d}/{name}.pid"), format!("file:{d}/{name}.log"));
        let mut args = vec!["-d", "-f", &conf, "-i", &pid, "-z", &zsock, "--vty_socket", &d, "-P", "0"];
        if name == "zebra" {
            args.extend_from_slice(&["--log", &log]);
        }
        let bin = format!("{FRR_BIN}/{name}");
        let out = exec::ns(&s.ns, &bin, &args)?;
        if !out.ok {
            return Err(format!("{name} did not start in {}: {}", s.ns, out.text().trim()));
        }
        if name == "zebra" {
            for _ in 0..50 {
                if Path::new(&zsock).exists() {
                    break;
                }
                exec::sleep(Duration::from_millis(100))?;
            }
        }
    }
    // vtysh needs every daemon's vty socket before it applies a config.
    for _ in 0..50 {
        if existing::FRR_DAEMONS.iter().all(|n| Path::new(&format!("{d}/{n}.vty")).exists()) {
            return Ok(());
        }
        exec::sleep(Duration::from_millis(100))?;
    }
    Err(format!("FRR's daemons did not all open their vty sockets in {d}"))
}

/// Starts FRR's daemons and loads the integrated config in `conf_dir` as FRR's
/// init script does at boot (`vtysh -b`).
fn boot_frr(s: &Speaker, conf_dir: &Path) -> Result<(), String> {
    let dir = s.dir.to_string_lossy().into_owned();
    write(&s.dir.join(NO_CONFIG), "")?;
    exec::must("chown", &["-R", "frr:frr", &dir])?;
    start_frr(s)?;
    let cd = conf_dir.to_string_lossy().into_owned();
    let out = exec::ns(&s.ns, "vtysh", &["--vty_socket", &dir, "--config_dir", &cd, "-b"])?;
    if !out.ok {
        return Err(format!("{}: FRR refused {}/frr.conf: {}", s.device, cd, out.text().trim()));
    }
    Ok(())
}

/// The network devices of a namespace (loopback aside): where the operator's
/// OSPF runs.
fn interfaces(ns: &str) -> Result<Vec<String>, String> {
    let out = exec::run("ip", &["-n", ns, "-o", "link", "show"])?;
    Ok(out
        .stdout
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|n| n.split('@').next().unwrap_or(n).to_string())
        .filter(|n| n != "lo")
        .collect())
}

/// Waits until a BIRD answers on its control socket.
fn wait_bird(s: &Speaker) -> Result<(), String> {
    for _ in 0..50 {
        if exec::run("birdc", &["-s", &s.sock(), "show", "status"]).is_ok_and(|o| o.ok) {
            return Ok(());
        }
        exec::sleep(Duration::from_millis(100))?;
    }
    Err(format!("BIRD in {} ({}) does not answer on {}", s.ns, s.device, s.sock()))
}

/// One session as a daemon reports it.
#[derive(Debug, Clone)]
pub struct SessionState {
    pub peer: String,
    pub peer_address: IpAddr,
    pub family: Family,
    pub up: bool,
    pub state: String,
    /// It cannot come up however long the lab waits: the deployed manifests do
    /// not configure it, or the plan does not have it.
    pub never: bool,
}

/// `birdc show protocols`: protocol name → the state columns of each BGP protocol.
fn bird_protocols(s: &Speaker) -> BTreeMap<String, String> {
    let out = exec::ns(&s.ns, "birdc", &["-s", &s.sock(), "show", "protocols"]).map(|o| o.stdout).unwrap_or_default();
    let mut by_name = BTreeMap::new();
    for line in out.lines() {
        let cols: Vec<&str> = line.split_whitespace().collect();
        if cols.len() >= 4 && cols[1] == "BGP" {
            by_name.insert(cols[0].to_string(), cols.get(5..).unwrap_or_default().join(" "));
        }
    }
    by_name
}

/// The daemon's view of each of the device's plan sessions. A node's are matched
/// by peer address and family against what its manifests deployed: a planned
/// session they do not configure is down ("not deployed"), and a session they
/// configure that the plan does not have is listed too, never up.
pub fn sessions(plan: &Plan, s: &Speaker) -> Vec<SessionState> {
    let sides: Vec<Side> = bird::sides(plan, &s.device);
    match s.engine {
        Engine::Bird if s.kind != Kind::Router => {
            let by_name = bird_protocols(s);
            let mut out: Vec<SessionState> = sides
                .iter()
                .map(|side| {
                    let deployed =
                        s.peers.iter().find(|p| p.address == side.peer_address && p.families.contains(&side.family));
                    // An AS other than the plan's is refused in every OPEN while the configs stand.
                    let wrong_as = deployed.filter(|p| p.asn != side.peer_asn);
                    let wrong_local = deployed.and(s.asn).filter(|a| *a != side.my_asn);
                    let mut info = match deployed {
                        Some(p) => by_name.get(&p.protocol).cloned().unwrap_or_else(|| "not running".into()),
                        None => format!("not deployed: the bundle's manifests give {} no such session", s.device),
                    };
                    if let Some(p) = wrong_as {
                        info = format!(
                            "{info} (deployed with peer AS {} by {}; the plan says AS {})",
                            p.asn, p.source, side.peer_asn
                        );
                    }
                    if let Some(a) = wrong_local {
                        info = format!("{info} (the node's deployed AS is {a}; the plan says AS {})", side.my_asn);
                    }
                    SessionState {
                        peer: side.peer.to_string(),
                        peer_address: side.peer_address,
                        family: side.family,
                        // Up with another AS than planned is a mismatch all the same.
                        up: deployed.is_some()
                            && wrong_as.is_none()
                            && wrong_local.is_none()
                            && info.contains("Established"),
                        state: info,
                        never: deployed.is_none() || wrong_as.is_some() || wrong_local.is_some(),
                    }
                })
                .collect();
            for p in &s.peers {
                for &f in &p.families {
                    if !sides.iter().any(|x| x.peer_address == p.address && x.family == f) {
                        out.push(SessionState {
                            peer: "(not in the plan)".into(),
                            peer_address: p.address,
                            family: f,
                            up: false,
                            state: format!("deployed by {} but not planned", p.source),
                            never: true,
                        });
                    }
                }
            }
            out
        }
        Engine::Bird => {
            let by_name = bird_protocols(s);
            sides
                .iter()
                .zip(&s.protocols)
                .map(|(side, name)| {
                    let info = by_name.get(name.as_str()).cloned().unwrap_or_else(|| "not running".into());
                    SessionState {
                        peer: side.peer.to_string(),
                        peer_address: side.peer_address,
                        family: side.family,
                        up: info.contains("Established"),
                        state: info,
                        never: false,
                    }
                })
                .collect()
        }
        Engine::Frr => {
            let d = s.dir.to_string_lossy().into_owned();
            let out = exec::ns(&s.ns, "vtysh", &["--vty_socket", &d, "-c", "show bgp summary json"])
                .map(|o| o.stdout)
                .unwrap_or_default();
            let v: serde_json::Value = serde_json::from_str(&out).unwrap_or(serde_json::Value::Null);
            sides
                .iter()
                .map(|side| {
                    let key = match side.family {
                        Family::Ipv4 => "ipv4Unicast",
                        Family::Ipv6 => "ipv6Unicast",
                    };
                    let st = v
                        .get(key)
                        .and_then(|x| x.get("peers"))
                        .and_then(|p| p.get(side.peer_address.to_string()))
                        .and_then(|p| p.get("state"))
                        .and_then(|x| x.as_str())
                        .unwrap_or("not configured")
                        .to_string();
                    SessionState {
                        peer: side.peer.to_string(),
                        peer_address: side.peer_address,
                        family: side.family,
                        up: st == "Established",
                        state: st,
                        never: false,
                    }
                })
                .collect()
        }
    }
}

/// The daemon's best BGP route per prefix: its BGP next hop.
pub fn bgp_routes(s: &Speaker) -> BTreeMap<IpNet, Option<IpAddr>> {
    match s.engine {
        Engine::Bird => {
            let out = exec::ns(&s.ns, "birdc", &["-s", &s.sock(), "show", "route", "all"])
                .map(|o| o.stdout)
                .unwrap_or_default();
            parse_bird_routes(&out)
        }
        Engine::Frr => {
            let d = s.dir.to_string_lossy().into_owned();
            let mut m = BTreeMap::new();
            for fam in ["ipv4", "ipv6"] {
                let cmd = format!("show bgp {fam} unicast json");
                let out =
                    exec::ns(&s.ns, "vtysh", &["--vty_socket", &d, "-c", &cmd]).map(|o| o.stdout).unwrap_or_default();
                m.extend(parse_frr_routes(&out));
            }
            m
        }
    }
}

/// `birdc show route all`: the best (`*`) BGP route of each prefix and its `BGP.next_hop`.
pub fn parse_bird_routes(out: &str) -> BTreeMap<IpNet, Option<IpAddr>> {
    let mut m = BTreeMap::new();
    let mut prefix: Option<IpNet> = None;
    let mut best = false;
    for line in out.lines() {
        let starts_route = !line.starts_with(char::is_whitespace) && line.contains('[');
        let alt_route = line.starts_with(char::is_whitespace) && line.trim_start().starts_with("unicast [");
        if starts_route {
            prefix = line.split_whitespace().next().and_then(|p| p.parse().ok());
        }
        if starts_route || alt_route {
            best = line.contains("] * (");
            continue;
        }
        if let (Some(p), true) = (prefix, best) {
            if let Some(rest) = line.trim().strip_prefix("BGP.next_hop:") {
                let nh = rest.split_whitespace().next().and_then(|a| a.parse().ok());
                m.insert(p, nh);
            }
        }
    }
    m
}

/// `show bgp … json` of FRR: the best path's first global next hop per prefix.
pub fn parse_frr_routes(out: &str) -> BTreeMap<IpNet, Option<IpAddr>> {
    let mut m = BTreeMap::new();
    let v: serde_json::Value = serde_json::from_str(out).unwrap_or(serde_json::Value::Null);
    let Some(routes) = v.get("routes").and_then(|r| r.as_object()) else { return m };
    for (p, paths) in routes {
        let Ok(net) = p.parse::<IpNet>() else { continue };
        let Some(paths) = paths.as_array() else { continue };
        let Some(best) = paths.iter().find(|x| x.get("bestpath").and_then(|b| b.as_bool()).unwrap_or(false)) else {
            continue;
        };
        let nh = best
            .get("nexthops")
            .and_then(|n| n.as_array())
            .and_then(|n| n.iter().find(|h| h.get("scope").and_then(|s| s.as_str()) != Some("link-local")))
            .and_then(|h| h.get("ip"))
            .and_then(|i| i.as_str())
            .and_then(|i| i.parse().ok());
        m.insert(net, nh);
    }
    m
}

/// Kernel routes of a namespace that fall inside `within`: prefix → gateways.
pub fn kernel_routes(ns: &str, within: &[IpNet]) -> BTreeMap<IpNet, Vec<IpAddr>> {
    let mut m: BTreeMap<IpNet, Vec<IpAddr>> = BTreeMap::new();
    for fam in ["-4", "-6"] {
        let out = exec::run("ip", &[fam, "-j", "-n", ns, "route", "show"]).map(|o| o.stdout).unwrap_or_default();
        let v: serde_json::Value = serde_json::from_str(&out).unwrap_or(serde_json::Value::Null);
        for r in v.as_array().into_iter().flatten() {
            let Some(dst) = r.get("dst").and_then(|d| d.as_str()) else { continue };
            let net =
                if dst.contains('/') { dst.parse::<IpNet>().ok() } else { dst.parse::<IpAddr>().ok().map(IpNet::from) };
            let Some(net) = net else { continue };
            if !within.iter().any(|w| w.contains(&net)) {
                continue;
            }
            let mut gws: Vec<IpAddr> =
                r.get("gateway").and_then(|g| g.as_str()).and_then(|g| g.parse().ok()).into_iter().collect();
            for nh in r.get("nexthops").and_then(|n| n.as_array()).into_iter().flatten() {
                if let Some(g) = nh.get("gateway").and_then(|g| g.as_str()).and_then(|g| g.parse().ok()) {
                    gws.push(g);
                }
            }
            m.entry(net).or_default().extend(gws);
        }
    }
    m
}

/// The daemons the lab runs: a BIRD per BGP-speaking node, the routers' own daemon.
/// A node speaks BGP when the plan or the deployed manifests say so (the lab
/// must show a session nobody planned as well as a missing one).
pub fn speakers_of(
    plan: &Plan,
    deployed: Option<&deployed::Deployed>,
    spaces: &[(String, String, Kind)],
    base: &Path,
) -> Vec<Speaker> {
    let mut out = Vec::new();
    for (device, ns, kind) in spaces {
        let planned = plan.speakers.get(device).map(|i| &plan.speakers.list[i]);
        let deployed_node = *kind == Kind::Node && deployed.is_some_and(|d| d.speakers.contains_key(device));
        let engine = match (planned.map(|sp| (sp.kind, sp.daemon)), deployed_node) {
            (_, true) | (Some((Kind::Node, _)), _) => Engine::Bird,
            (Some((_, Some(Daemon::Bird))), _) => Engine::Bird,
            (Some((_, Some(Daemon::Frr))), _) => Engine::Frr,
            _ => continue,
        };
        let protocols = match kind {
            Kind::Node => Vec::new(),
            _ => bird::router_protocol_names(&bird::sides(plan, device)),
        };
        out.push(Speaker {
            device: device.clone(),
            ns: ns.clone(),
            engine,
            dir: base.join(ns),
            kind: *kind,
            protocols,
            peers: Vec::new(),
            asn: None,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bird_best_routes_and_next_hops() {
        let out = "BIRD 2.0.12 ready.\nTable master4:\n\
10.42.0.64/26        unicast [mesh_x 21:00:01.000 from 10.2.5.7] * (100/?) [i]\n\
\tvia 198.18.1.3 on s1\n\tType: BGP univ\n\tBGP.next_hop: 10.2.5.7\n\tBGP.local_pref: 100\n\
                     unicast [clients_y 21:00:02.000 from 192.168.100.1] (100/?) [i]\n\
\tvia 198.18.1.3 on s1\n\tType: BGP univ\n\tBGP.next_hop: 100.64.1.106\n\
10.42.0.0/26         blackhole [pods_v4 21:00:00.000] * (200)\n\tType: static univ\n";
        let m = parse_bird_routes(out);
        let got: Vec<String> = m.iter().map(|(k, v)| format!("{k} {v:?}")).collect();
        assert_eq!(got, ["10.42.0.64/26 Some(10.2.5.7)"]);
    }

    #[test]
    fn frr_best_routes() {
        let out = r#"{"routes":{"10.42.0.0/24":[{"valid":true,"bestpath":true,"nexthops":[{"ip":"172.16.10.21","afi":"ipv4","used":true}]}],
        "2001:db8::/112":[{"valid":true,"nexthops":[{"ip":"2001:db8::9","scope":"global"}]},{"valid":true,"bestpath":true,"nexthops":[{"ip":"2001:db8::21","scope":"global"},{"ip":"fe80::1","scope":"link-local"}]}]}}"#;
        let got: Vec<String> = parse_frr_routes(out).iter().map(|(k, v)| format!("{k} {v:?}")).collect();
        assert_eq!(got, ["10.42.0.0/24 Some(172.16.10.21)", "2001:db8::/112 Some(2001:db8::21)"]);
    }

    /// The example's plan and what its rendered bundle deploys.
    fn example(name: &str) -> (Plan, deployed::Deployed) {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!("../../examples/{name}.yaml"));
        let src = fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let t = meshplan_core::parse::parse(&src).topology.unwrap_or_else(|| panic!("{name} does not parse"));
        let plan = meshplan_core::plan::build(&t);
        let files: Vec<(String, String)> =
            meshplan_core::render::render(&plan).into_iter().map(|f| (f.path, f.contents)).collect();
        let d =
            deployed::derive(&files).unwrap_or_else(|e| panic!("{}", e.join("\n"))).unwrap_or_else(|| panic!("no CNI"));
        (plan, d)
    }

    /// Every node config of the Calico and Cilium examples is one BIRD accepts
    /// (`bird -p`), with one protocol per deployed session.
    #[test]
    fn node_configs_from_the_deployed_manifests_parse_in_bird() {
        let dir = std::env::temp_dir().join(format!("meshplan-daemons-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        for e in ["calico-wds-hkg", "cilium-dualstack-frr"] {
            let (plan, d) = example(e);
            for (node, sp) in &d.speakers {
                let (conf, peers) = node_config(&plan, node, &dir, Some(sp));
                assert_eq!(peers.len(), sp.peers.len(), "{e}: {node}");
                assert_eq!(conf.matches("protocol bgp ").count(), sp.peers.len(), "{e}: {node}");
                let file = dir.join(format!("{node}.conf"));
                fs::write(&file, &conf).unwrap_or_else(|x| panic!("{x}"));
                let out = std::process::Command::new("bird")
                    .args(["-p", "-c", &file.to_string_lossy()])
                    .output()
                    .unwrap_or_else(|x| panic!("`bird` is needed: {x}"));
                assert!(out.status.success(), "{e}: {node}: {}\n{conf}", String::from_utf8_lossy(&out.stderr));
            }
        }
        let _ = fs::remove_dir_all(&dir);
    }

    /// What a deployed peer says becomes BIRD's words: the AS pair, `next hop
    /// keep`, `passive`, `multihop`, and no pod range where nothing advertises it.
    #[test]
    fn a_deployed_peer_becomes_its_bird_protocol() {
        let (plan, d) = example("cilium-dualstack-frr");
        let mut sp = d.speakers["k3s-agent-1"].clone();
        let fam = Family::Ipv4;
        sp.peers.retain(|p| Family::of(&p.address) == fam);
        sp.peers[0].next_hop_keep = true;
        sp.peers[0].passive = true;
        sp.peers[0].multihop = true;
        let dir = std::env::temp_dir().join(format!("meshplan-daemons-peer-{}", std::process::id()));
        fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
        let (conf, _) = node_config(&plan, "k3s-agent-1", &dir, Some(&sp));
        let file = dir.join("bird.conf");
        fs::write(&file, &conf).unwrap_or_else(|x| panic!("{x}"));
        let out = std::process::Command::new("bird")
            .args(["-p", "-c", &file.to_string_lossy()])
            .output()
            .unwrap_or_else(|x| panic!("`bird` is needed: {x}"));
        let _ = fs::remove_dir_all(&dir);
        assert!(out.status.success(), "{}\n{conf}", String::from_utf8_lossy(&out.stderr));
        let dir = dir.as_path();
        assert!(conf.contains("  local 172.16.10.21 as 64512;\n  neighbor 172.16.10.1 as 64513;\n"), "{conf}");
        assert!(conf.contains("  multihop;\n  passive on;\n"), "{conf}");
        assert!(conf.contains("    export filter pods_out_v4;\n    next hop keep;\n"), "{conf}");
        // Cilium installs nothing it learns.
        assert!(conf.contains("export filter {\n      reject;"), "{conf}");
        sp.peers[0].adverts.clear();
        let (conf, _) = node_config(&plan, "k3s-agent-1", dir, Some(&sp));
        assert!(conf.contains("    export none;\n"), "{conf}");
        // No speaker deployed: BIRD runs without any session.
        let (conf, peers) = node_config(&plan, "k3s-agent-1", dir, None);
        assert!(peers.is_empty() && !conf.contains("protocol bgp"), "{conf}");
    }
}
