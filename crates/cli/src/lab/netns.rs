//! The lab on the machine: the lock that allows one lab at a time, building the
//! namespaces, bridges, veths, addresses and routes of a layout, and tearing all
//! of it down again (processes first, then namespaces, then the state folder).
//!
//! Nothing is created in the host's own namespace: veth pairs are made directly
//! between two lab namespaces and bridges live in the site-switch namespaces, so
//! deleting the namespaces removes every link.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::exec::{self, must, ns_must};
use super::id;
use super::layout::{self, Layout, SpaceKind};

/// Where a running (or kept) lab keeps its state, configs, sockets and logs:
/// `/run/meshplan-lab`, or `/run/meshplan-lab-<ID>` for a lab named by
/// `MESHPLAN_LAB_ID` (see `id`).
pub fn state_dir() -> PathBuf {
    PathBuf::from(id::state_dir())
}

/// What `lab down` needs to know about a lab that is up.
#[derive(Debug, Clone, Default)]
pub struct State {
    pub name: String,
    pub pid: u32,
    pub keep: bool,
    pub namespaces: Vec<String>,
}

impl State {
    fn write(&self, dir: &Path) -> Result<(), String> {
        let mut s = format!("name {}\npid {}\nkeep {}\n", self.name, self.pid, self.keep);
        for n in &self.namespaces {
            s.push_str(&format!("ns {n}\n"));
        }
        fs::write(dir.join("state"), s).map_err(|e| format!("cannot write {}/state: {e}", dir.display()))
    }

    pub fn read(dir: &Path) -> Option<State> {
        let text = fs::read_to_string(dir.join("state")).ok()?;
        let mut st = State::default();
        for line in text.lines() {
            match line.split_once(' ') {
                Some(("name", v)) => st.name = v.to_string(),
                Some(("pid", v)) => st.pid = v.parse().unwrap_or(0),
                Some(("keep", v)) => st.keep = v == "true",
                Some(("ns", v)) => st.namespaces.push(v.to_string()),
                _ => {}
            }
        }
        Some(st)
    }
}

/// Takes the one-lab lock, or says which lab holds it.
pub fn lock(name: &str) -> Result<PathBuf, String> {
    id::from_env()?;
    let dir = state_dir();
    match fs::create_dir(&dir) {
        Ok(()) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
            let who = State::read(&dir);
            let (other, pid) = who.as_ref().map(|s| (s.name.clone(), s.pid)).unwrap_or_else(|| ("(unknown)".into(), 0));
            let running = pid != 0 && Path::new(&format!("/proc/{pid}")).exists();
            let how = if running {
                format!("a `meshplan lab run` (pid {pid}) is using it")
            } else {
                "it was kept or its run ended without cleaning up".to_string()
            };
            return Err(format!(
                "a lab is already up: `{other}` ({how}); one lab at a time per `{}`. Remove it with `meshplan lab down {other}`, \
                 or run this one beside it with another `{}`",
                id::VAR,
                id::VAR
            ));
        }
        Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
    }
    let leftovers = our_namespaces();
    if !leftovers.is_empty() {
        let _ = fs::remove_dir_all(&dir);
        return Err(format!(
            "lab namespaces are left from an earlier run ({}); remove them with `meshplan lab down {name}`",
            leftovers.join(", ")
        ));
    }
    Ok(dir)
}

pub fn save(dir: &Path, state: &State) -> Result<(), String> {
    state.write(dir)
}

/// Namespaces on this machine whose names carry the lab's prefix.
pub fn our_namespaces() -> Vec<String> {
    let prefix = layout::prefix();
    let Ok(o) = exec::run("ip", &["netns", "list"]) else { return Vec::new() };
    let mut v: Vec<String> = o
        .stdout
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with(prefix.as_str()))
        .map(str::to_string)
        .collect();
    v.sort();
    v
}

const SYSCTLS: &[&str] = &[
    "net.ipv4.ip_forward=1",
    "net.ipv4.conf.all.rp_filter=0",
    "net.ipv4.conf.default.rp_filter=0",
    "net.ipv6.conf.all.forwarding=1",
    "net.ipv6.conf.default.accept_dad=0",
    "net.ipv6.conf.all.accept_dad=0",
];

/// Builds the layout; `log` gets one line per step.
pub fn create(l: &Layout, log: &mut dyn FnMut(String)) -> Result<(), String> {
    for s in &l.spaces {
        exec::sleep(Duration::ZERO)?;
        must("ip", &["netns", "add", &s.ns])?;
        must("ip", &["-n", &s.ns, "link", "set", "lo", "up"])?;
        let mut args = vec!["-q", "-w"];
        args.extend_from_slice(SYSCTLS);
        ns_must(&s.ns, "sysctl", &args)?;
        if s.kind == SpaceKind::Switch {
            let mtu = s.bridge_mtu.unwrap_or(1500).to_string();
            must("ip", &["-n", &s.ns, "link", "add", "br0", "mtu", &mtu, "type", "bridge"])?;
            must("ip", &["-n", &s.ns, "link", "set", "br0", "up"])?;
        }
    }
    log(format!("{} namespaces", l.spaces.len()));
    for v in &l.veths {
        exec::sleep(Duration::ZERO)?;
        let (sa, sb) = (&l.spaces[v.a.0], &l.spaces[v.b.0]);
        let mtu = v.mtu.to_string();
        must(
            "ip",
            &[
                "link", "add", &v.a.1, "netns", &sa.ns, "mtu", &mtu, "type", "veth", "peer", "name", &v.b.1, "netns",
                &sb.ns, "mtu", &mtu,
            ],
        )?;
        for (space, dev) in [(sa, &v.a.1), (sb, &v.b.1)] {
            if space.kind == SpaceKind::Switch {
                must("ip", &["-n", &space.ns, "link", "set", dev, "master", "br0"])?;
            }
            must("ip", &["-n", &space.ns, "link", "set", dev, "up"])?;
        }
        if v.a.1 == "pod0" {
            // As Calico's CNI plugin sets up the host side of a pod's veth
            // (cni-plugin/pkg/dataplane/linux/dataplane_linux.go): proxy ARP, and
            // no proxy delay. The kernel's default delays each proxied ARP reply
            // by up to 0.8 s; two of them (one per pod) outlast a ping's wait, so
            // a first ping to a new pod was lost where Calico loses nothing.
            ns_must(&sa.ns, "sysctl", &["-q", "-w", "net.ipv4.conf.pod0.proxy_arp=1"])?;
            ns_must(&sa.ns, "sysctl", &["-q", "-w", "net.ipv4.neigh.pod0.proxy_delay=0"])?;
        }
    }
    log(format!("{} veth pairs", l.veths.len()));
    for a in &l.addrs {
        let ns = &l.spaces[a.space].ns;
        let net = a.net.to_string();
        let mut args = vec!["-n", ns.as_str(), "addr", "add", net.as_str(), "dev", a.dev.as_str()];
        if a.net.addr().is_ipv6() {
            args.push("nodad");
        }
        must("ip", &args)?;
    }
    log(format!("{} addresses", l.addrs.len()));
    for r in &l.routes {
        let ns = &l.spaces[r.space].ns;
        let dst = r.dst.to_string();
        let via = r.via.map(|v| v.to_string());
        let fam = if r.dst.addr().is_ipv4() { "-4" } else { "-6" };
        let mut args = vec![fam, "-n", ns.as_str(), "route", "add", dst.as_str()];
        if let Some(v) = &via {
            args.extend_from_slice(&["via", v.as_str()]);
        }
        args.extend_from_slice(&["dev", r.dev.as_str()]);
        let src = r.src.map(|s| s.to_string());
        if let Some(s) = &src {
            args.extend_from_slice(&["src", s.as_str()]);
        }
        must("ip", &args)?;
    }
    log(format!("{} static routes", l.routes.len()));
    Ok(())
}

/// Pids of the processes inside a namespace.
pub fn pids(ns: &str) -> Vec<u32> {
    exec::run("ip", &["netns", "pids", ns])
        .map(|o| o.stdout.lines().filter_map(|l| l.trim().parse().ok()).collect())
        .unwrap_or_default()
}

/// Stops every process in one namespace (a router failing: its daemon dies).
pub fn stop_processes(ns: &str) {
    for pid in pids(ns) {
        signal(pid, "-KILL");
    }
}

fn signal(pid: u32, sig: &str) {
    let _ = exec::run("kill", &[sig, &pid.to_string()]);
}

/// Stops every process in the given namespaces (TERM, then KILL after 3 s),
/// deletes the namespaces and the state folder. Never fails half-way: it goes
/// on past errors and returns them.
pub fn teardown(namespaces: &[String], dir: Option<&Path>) -> Vec<String> {
    let mut errors = Vec::new();
    let mut all: Vec<String> = namespaces.to_vec();
    for n in our_namespaces() {
        if !all.contains(&n) {
            all.push(n);
        }
    }
    let mut victims: Vec<u32> = all.iter().flat_map(|n| pids(n)).collect();
    victims.sort_unstable();
    victims.dedup();
    for &p in &victims {
        signal(p, "-CONT");
        signal(p, "-TERM");
    }
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline && victims.iter().any(|p| Path::new(&format!("/proc/{p}")).exists()) {
        std::thread::sleep(Duration::from_millis(50));
    }
    for &p in &victims {
        if Path::new(&format!("/proc/{p}")).exists() {
            signal(p, "-KILL");
        }
    }
    for n in &all {
        if let Err(e) = must("ip", &["netns", "del", n]) {
            if our_namespaces().contains(n) {
                errors.push(e);
            }
        }
    }
    if let Some(d) = dir {
        if let Err(e) = fs::remove_dir_all(d) {
            if d.exists() {
                errors.push(format!("cannot remove {}: {e}", d.display()));
            }
        }
    }
    errors
}
