//! The BGP daemons of the lab: BIRD routers run the operator's config the lab
//! writes, joined by meshplan's part through the bundle's install step
//! ([`super::existing`]); FRR routers run the exported `frr.conf` (only the log
//! line is pointed at the lab's folder; sockets and pid files are command-line
//! options); the nodes run BIRD with a config the lab
//! writes from the plan, playing Calico's node agent (or Cilium's BGP control
//! plane). Also: asking each daemon for its sessions and its BGP routes.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::fs;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use ipnet::IpNet;
use meshplan_core::model::{Cni, Daemon, Kind};
use meshplan_core::plan::{Family, Plan, SessionKind};
use meshplan_core::render::bird::{self, Side, HOLD, KEEPALIVE};
use meshplan_core::render::frr;

use super::exec;
use super::existing;

pub const ZEBRA: &str = "/usr/lib/frr/zebra";
pub const BGPD: &str = "/usr/lib/frr/bgpd";

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
    /// BIRD protocol name per session side (same order as `bird::sides`).
    pub protocols: Vec<String>,
}

impl Speaker {
    pub fn sock(&self) -> String {
        self.dir.join("bird.ctl").to_string_lossy().into_owned()
    }
}

/// What the lab changed in an exported config: the log destination only.
pub fn adapt_router_config(text: &str, engine: Engine, dir: &Path) -> String {
    let d = dir.to_string_lossy();
    match engine {
        Engine::Bird => text.replace("log syslog all;", &format!("log \"{d}/bird.log\" all;")),
        Engine::Frr => text.replace("log syslog informational", &format!("log file {d}/bgpd.log informational")),
    }
}

/// The BIRD config of a node: Calico's node agent (iBGP mesh and reflector
/// clients, routes installed in the kernel) or Cilium's BGP control plane
/// (announces, installs nothing: Cilium routes through its default gateway).
pub fn node_config(plan: &Plan, node: &str, dir: &Path) -> (String, Vec<String>) {
    let sides = bird::sides(plan, node);
    let names: Vec<String> = bird::protocol_names(&sides).into_iter().map(|n| format!("n_{n}")).collect();
    let acc = bird::accepted(plan);
    let fams = bird::families(plan, &sides);
    let rid = plan
        .speakers
        .get(node)
        .map(|i| plan.speakers.list[i].router_id.to_string())
        .unwrap_or_else(|| "0.0.0.0".into());
    let calico = plan.cluster.cni == Cni::Calico;
    let mut o = String::new();
    let agent = if calico { "Calico's node agent (calico-node's BIRD)" } else { "Cilium's BGP control plane" };
    let _ = writeln!(o, "# meshplan lab: BIRD playing {agent} on node `{node}`, written from the plan.");
    let _ = writeln!(o, "log \"{}/bird.log\" all;\nrouter id {rid};\n", dir.to_string_lossy());
    let _ = writeln!(o, "protocol device {{\n  scan time 10;\n}}\n");
    let chans: String = fams.iter().map(|f| format!("  {};\n", f.as_str())).collect();
    let _ = writeln!(o, "protocol direct {{\n{chans}}}\n");
    let pods: Vec<IpNet> = plan.nodes.get(node).map(|n| n.pod_ranges.clone()).unwrap_or_default();
    for &f in &fams {
        let s = suffix(f);
        let set: Vec<String> =
            acc.iter().filter(|a| a.family() == f).map(|a| format!("{}{{{},{}}}", a.net, a.ge, a.le)).collect();
        let set = if set.is_empty() { "[ ]".to_string() } else { format!("[ {} ]", set.join(", ")) };
        let export = if calico { "if source = RTS_BGP then accept;\n      reject;" } else { "reject;" };
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
    for (side, name) in sides.iter().zip(&names) {
        let _ = writeln!(o, "protocol bgp {name} {{");
        let _ = writeln!(o, "  description \"{} with {}\";", side.session.role.as_str(), side.peer);
        let _ = writeln!(
            o,
            "  local {} as {};\n  neighbor {} as {};",
            side.my_address, side.my_asn, side.peer_address, side.peer_asn
        );
        let _ = writeln!(o, "  hold time {HOLD};\n  keepalive time {KEEPALIVE};\n  connect delay time 1;\n  connect retry time 3;\n  error wait time 1, 5;");
        if side.session.multihop {
            let _ = writeln!(o, "  multihop;");
        }
        let s = suffix(side.family);
        let _ = writeln!(
            o,
            "  {} {{\n    import filter pods_in_{s};\n    export filter pods_out_{s};",
            side.family.as_str()
        );
        if side.session.kind == SessionKind::Ibgp {
            let _ = writeln!(o, "    gateway recursive;\n    igp table master{};", &s[1..]);
        }
        let _ = writeln!(o, "  }};\n}}\n");
    }
    (o, names)
}

fn suffix(f: Family) -> &'static str {
    match f {
        Family::Ipv4 => "v4",
        Family::Ipv6 => "v6",
    }
}

/// Writes every daemon's config and starts them, routers first.
pub fn start(plan: &Plan, base: &Path, speakers: &[Speaker], log: &mut dyn FnMut(String)) -> Result<(), String> {
    let order =
        speakers.iter().filter(|s| s.kind == Kind::Router).chain(speakers.iter().filter(|s| s.kind != Kind::Router));
    for s in order {
        exec::sleep(Duration::ZERO)?;
        fs::create_dir_all(&s.dir).map_err(|e| format!("cannot create {}: {e}", s.dir.display()))?;
        let dir = s.dir.to_string_lossy().into_owned();
        match (s.kind, s.engine) {
            (Kind::Router, Engine::Bird) => {
                // The operator's own config first; meshplan's part joins it
                // through the bundle's install step.
                let main = existing::bird_main(plan, s);
                if let Some(parent) = main.parent() {
                    fs::create_dir_all(parent).map_err(|e| format!("cannot create {}: {e}", parent.display()))?;
                }
                write(&main, &existing::bird_config(plan, s))?;
                start_bird_with(s, &main)?;
                wait_bird(s)?;
                let bundle = existing::write_bundle(plan, s)?;
                let out = existing::install(s, &bundle, &s.sock())?;
                let said =
                    out.lines().filter(|l| l.starts_with("placed") || l.starts_with("BIRD reconfigured")).count();
                log(format!(
                    "{} ({}): BIRD with the operator's config (OSPF, op_static), then routers/{}/install.sh --root {dir}/root ({said} steps: placed, reconfigured)",
                    s.device, s.ns, s.device
                ));
            }
            (Kind::Router, Engine::Frr) => {
                let conf = adapt_router_config(&frr::config(plan, &s.device), Engine::Frr, &s.dir);
                write(&s.dir.join("frr.conf"), &conf)?;
                write(&s.dir.join("zebra.conf"), "")?;
                exec::must("chown", &["-R", "frr:frr", &dir])?;
                start_frr(s)?;
                log(format!(
                    "{} ({}): FRR zebra + bgpd with routers/{}/frr.conf as exported (log → {dir}/bgpd.log)",
                    s.device, s.ns, s.device
                ));
            }
            _ => {
                let (conf, _) = node_config(plan, &s.device, &s.dir);
                write(&s.dir.join("bird.conf"), &conf)?;
                start_bird(s)?;
                log(format!("{} ({}): BIRD as the node agent ({dir}/bird.conf)", s.device, s.ns));
            }
        }
    }
    let _ = base;
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

fn start_frr(s: &Speaker) -> Result<(), String> {
    let d = s.dir.to_string_lossy().into_owned();
    let zsock = format!("{d}/zserv.api");
    let zlog = format!("file:{d}/zebra.log");
    let out = exec::ns(
        &s.ns,
        ZEBRA,
        &[
            "-d",
            "-f",
            &format!("{d}/zebra.conf"),
            "-i",
            &format!("{d}/zebra.pid"),
            "-z",
            &zsock,
            "--vty_socket",
            &d,
            "-P",
            "0",
            "--log",
            &zlog,
        ],
    )?;
    if !out.ok {
        return Err(format!("zebra did not start in {}: {}", s.ns, out.text().trim()));
    }
    for _ in 0..50 {
        if Path::new(&zsock).exists() {
            break;
        }
        exec::sleep(Duration::from_millis(100))?;
    }
    let out = exec::ns(
        &s.ns,
        BGPD,
        &[
            "-d",
            "-f",
            &format!("{d}/frr.conf"),
            "-i",
            &format!("{d}/bgpd.pid"),
            "-z",
            &zsock,
            "--vty_socket",
            &d,
            "-P",
            "0",
        ],
    )?;
    if !out.ok {
        return Err(format!("bgpd did not start in {}: {}", s.ns, out.text().trim()));
    }
    Ok(())
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
}

/// The daemon's view of each of the device's plan sessions.
pub fn sessions(plan: &Plan, s: &Speaker) -> Vec<SessionState> {
    let sides: Vec<Side> = bird::sides(plan, &s.device);
    match s.engine {
        Engine::Bird => {
            let out =
                exec::ns(&s.ns, "birdc", &["-s", &s.sock(), "show", "protocols"]).map(|o| o.stdout).unwrap_or_default();
            let mut by_name: BTreeMap<&str, String> = BTreeMap::new();
            for line in out.lines() {
                let cols: Vec<&str> = line.split_whitespace().collect();
                if cols.len() >= 4 && cols[1] == "BGP" {
                    by_name.insert(cols[0], cols.get(5..).unwrap_or_default().join(" "));
                }
            }
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
pub fn speakers_of(plan: &Plan, spaces: &[(String, String, Kind)], base: &Path) -> Vec<Speaker> {
    let mut out = Vec::new();
    for (device, ns, kind) in spaces {
        let Some(i) = plan.speakers.get(device) else { continue };
        let sp = &plan.speakers.list[i];
        let engine = match (sp.kind, sp.daemon) {
            (Kind::Node, _) => Engine::Bird,
            (_, Some(Daemon::Bird)) => Engine::Bird,
            (_, Some(Daemon::Frr)) => Engine::Frr,
            _ => continue,
        };
        let sides = bird::sides(plan, device);
        let protocols = match kind {
            Kind::Node => bird::protocol_names(&sides).into_iter().map(|n| format!("n_{n}")).collect(),
            _ => bird::router_protocol_names(&sides),
        };
        out.push(Speaker {
            device: device.clone(),
            ns: ns.clone(),
            engine,
            dir: base.join(ns),
            kind: *kind,
            protocols,
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
}
