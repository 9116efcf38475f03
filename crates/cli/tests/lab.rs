//! The routing lab, for real: network namespaces, BIRD and FRR, ping. Needs root,
//! `ip`, `bird`, FRR and `ping` (the README's test command installs them; CI runs
//! as root); a missing one fails the test, nothing is skipped.
//!
//! Labs run one at a time (the lab itself allows only one), so every test takes
//! the same lock. Each test checks that nothing is left behind: no lab namespace,
//! no link in the host's namespace, no process, no state folder.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

static ONE_LAB: Mutex<()> = Mutex::new(());

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn meshplan(args: &[&str]) -> (i32, String) {
    let out: Output = Command::new(env!("CARGO_BIN_EXE_meshplan"))
        .args(args)
        .current_dir(root())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("cannot run meshplan: {e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.code().unwrap_or(-1), text)
}

fn sh(cmd: &str, args: &[&str]) -> String {
    let out = Command::new(cmd).args(args).output().unwrap_or_else(|e| panic!("cannot run {cmd}: {e}"));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What the host's namespace holds: links and lab namespaces.
fn host_links() -> Vec<String> {
    let mut v: Vec<String> = sh("ip", &["-o", "link", "show"])
        .lines()
        .filter_map(|l| l.split(": ").nth(1))
        .map(|s| s.split('@').next().unwrap_or(s).to_string())
        .collect();
    v.sort();
    v
}

fn lab_namespaces() -> Vec<String> {
    sh("ip", &["netns", "list"])
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with("mpl-"))
        .map(str::to_string)
        .collect()
}

/// Processes started for a lab: their command line names the lab's folder.
fn lab_processes() -> Vec<String> {
    let mut found = Vec::new();
    for e in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let cmdline = fs::read(e.path().join("cmdline")).unwrap_or_default();
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if text.contains("/run/meshplan-lab") {
            found.push(format!("{}: {text}", e.file_name().to_string_lossy()));
        }
    }
    found
}

/// Takes the lab lock and checks the machine is clean before and after.
struct Clean {
    links: Vec<String>,
    _guard: std::sync::MutexGuard<'static, ()>,
}

fn start() -> Clean {
    let guard = ONE_LAB.lock().unwrap_or_else(|p| p.into_inner());
    assert_eq!(sh("id", &["-u"]).trim(), "0", "the lab tests need root");
    for tool in ["ip", "bird", "birdc", "ping", "vtysh"] {
        assert!(
            Command::new("sh").args(["-c", &format!("command -v {tool}")]).output().is_ok_and(|o| o.status.success()),
            "`{tool}` is missing: run `cargo xtask test`, which installs it"
        );
    }
    assert!(lab_namespaces().is_empty(), "a lab is already up: {:?}", lab_namespaces());
    Clean { links: host_links(), _guard: guard }
}

impl Clean {
    fn check(&self) {
        assert!(lab_namespaces().is_empty(), "namespaces left behind: {:?}", lab_namespaces());
        assert_eq!(host_links(), self.links, "links left behind in the host's namespace");
        assert!(lab_processes().is_empty(), "processes left behind: {:?}", lab_processes());
        assert!(!Path::new("/run/meshplan-lab").exists(), "/run/meshplan-lab left behind");
    }
}

/// The result table's line for one pair of locations.
/// An example with one line changed, written where the test binary keeps its files.
fn variant(example: &str, from: &str, to: &str) -> PathBuf {
    let src = fs::read_to_string(root().join(format!("examples/{example}.yaml"))).unwrap_or_default();
    assert!(src.contains(from), "examples/{example}.yaml no longer has `{from}`");
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("lab-{example}-{}", to.replace([':', ' '], "")));
    let _ = fs::create_dir_all(&dir);
    let file = dir.join("topology.yaml");
    fs::write(&file, src.replace(from, to)).unwrap_or_else(|e| panic!("{e}"));
    file
}

fn ping_line<'a>(out: &'a str, pair: &str) -> Vec<&'a str> {
    out.lines().skip_while(|l| !l.starts_with("== lab")).filter(|l| l.trim_start().starts_with(pair)).collect()
}

#[test]
fn calico_example_converges_and_its_budget_is_tight() {
    let clean = start();
    let t = Instant::now();
    let (code, out) = meshplan(&["lab", "run", "examples/calico-wds-hkg.yaml"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("18/18 session ends Established"), "{out}");
    for pair in ["WDS → WDS", "WDS → zt-global", "zt-global → WDS"] {
        let lines = ping_line(&out, pair);
        assert_eq!(lines.len(), 1, "{pair}: {out}");
        // 1370-byte packets (pod MTU) pass, 1421 (budget + 1) do not.
        assert!(
            lines[0].contains("-s 1342 pass") && lines[0].contains("-s 1393 fails") && lines[0].ends_with("match"),
            "{pair}: {}",
            lines[0]
        );
    }
    // The ZeroTier path's 1420 bytes are exactly what gets through between the nodes.
    assert!(ping_line(&out, "WDS → zt-global")[0].contains("1420 tight"), "{out}");
    for router in ["gateway", "cn-ns", "global-ns"] {
        assert!(
            out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == [router, "3", "3", "0", "match"]),
            "{router}: {out}"
        );
    }
    assert!(out.contains("zerotier links (links[0], links[1], links[3]) are emulated as a plain veth pair"), "{out}");
    // The routers started from the operator's own BIRD (OSPF, a table and a static
    // protocol of its own) and got meshplan's part through the bundle's install.sh;
    // OSPF kept its adjacencies, and a second install run changed nothing.
    for router in ["gateway", "cn-ns", "global-ns"] {
        assert!(
            out.contains(&format!("{router} (mpl-"))
                && out.contains(&format!("then routers/{router}/install.sh --root")),
            "{router}: {out}"
        );
        assert!(
            out.lines().any(|l| l.trim_start().starts_with(router)
                && l.contains("op_ospf and op_static up (OSPF adjacency Full), second install: nothing to change")),
            "{router}: {out}"
        );
    }
    assert!(out.contains("the operator's own protocols kept, install run twice  OK"), "{out}");
    assert!(out.contains("PASS"), "{out}");
    clean.check();
    eprintln!("calico example: {:.1} s", t.elapsed().as_secs_f64());
}

#[test]
fn a_plain_host_in_the_path_is_the_blackhole_the_checker_names() {
    let clean = start();
    let file = "tests/data/check/blackhole-host/topology.yaml";
    let (_, check) = meshplan(&["check", file]);
    assert!(check.contains("E071") && check.contains("hosts.cn-ns"), "{check}");
    let (code, out) = meshplan(&["lab", "run", file]);
    assert_eq!(code, 1, "{out}");
    for pair in ["WDS → zt-global", "zt-global → WDS"] {
        let lines = ping_line(&out, pair);
        assert!(
            lines.len() == 1 && lines[0].contains("FAIL") && lines[0].ends_with("blackhole at cn-ns, as the plan says"),
            "{pair}: {out}"
        );
    }
    assert!(ping_line(&out, "WDS → WDS")[0].ends_with("match"), "{out}");
    assert!(out.contains("packets die at cn-ns, exactly where the plan says"), "{out}");
    clean.check();
}

#[test]
fn cilium_frr_router_and_nodes_converge_in_both_families() {
    let clean = start();
    let (code, out) = meshplan(&["lab", "run", "examples/cilium-dualstack-frr.yaml"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("FRR zebra + bgpd with routers/freebsd/frr.conf as exported"), "{out}");
    assert!(out.contains("24/24 session ends Established"), "six nodes × two families, both ends: {out}");
    assert!(
        out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == ["freebsd", "12", "12", "0", "match"]),
        "{out}"
    );
    let lines = ping_line(&out, "home → home");
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines.iter().any(|l| l.contains(" v4 ") && l.contains("-s 1472 pass")), "{out}");
    assert!(lines.iter().any(|l| l.contains(" v6 ") && l.contains("-s 1452 pass")), "{out}");
    clean.check();
}

#[test]
fn multihop_ebgp_edges_frr_and_bird_converge_in_both_families() {
    let clean = start();
    let (code, out) = meshplan(&["lab", "run", "tests/data/lab/ebgp-multihop/topology.yaml"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("24/24 session ends Established"), "{out}");
    for router in ["edge-frr", "edge-bird"] {
        assert!(
            out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == [router, "4", "4", "0", "match"]),
            "{router}: {out}"
        );
    }
    assert_eq!(ping_line(&out, "dc → dc").len(), 2, "{out}");
    clean.check();
}

fn pod_ping(ns: &str, dst: &str) -> bool {
    Command::new("ip")
        .args(["netns", "exec", ns, "ping", "-c", "1", "-W", "1", "-M", "do", "-s", "1392", dst])
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn two_reflectors_per_site_survive_losing_one() {
    let clean = start();
    let file = "tests/data/lab/two-site-rr/topology.yaml";
    let (code, out) = meshplan(&["lab", "run", file, "--keep"]);
    if code != 0 {
        let _ = meshplan(&["lab", "down", "two-site-rr"]);
        panic!("{out}");
    }
    assert!(out.contains("28/28 session ends Established"), "{out}");
    // One lab at a time.
    let (code2, second) = meshplan(&["lab", "run", "examples/calico-wds-hkg.yaml"]);
    assert_eq!(code2, 2, "{second}");
    assert!(second.contains("a lab is already up: `two-site-rr`"), "{second}");
    let (code3, wrong) = meshplan(&["lab", "down", "wds-hkg"]);
    assert_eq!(code3, 2, "{wrong}");

    // Stop east-rr1 as a crashed box: freeze its daemon, take its links down.
    let ns = out
        .lines()
        .find_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            (w.len() == 3 && w[1] == "router" && w[2] == "east-rr1").then(|| w[0].to_string())
        })
        .unwrap_or_else(|| panic!("no namespace for east-rr1 in {out}"));
    for pid in sh("ip", &["netns", "pids", &ns]).lines() {
        let _ = Command::new("kill").args(["-STOP", pid.trim()]).status();
    }
    for link in sh("ip", &["-n", &ns, "-o", "link", "show"]).lines().filter_map(|l| l.split(": ").nth(1)) {
        let link = link.split('@').next().unwrap_or(link);
        let _ = Command::new("ip").args(["-n", &ns, "link", "set", link, "down"]).status();
    }
    // Pods: mpl-p1 east-a (10.44.0.1), mpl-p2 east-b (10.44.0.65), mpl-p3 west-a (10.44.0.129).
    let t = Instant::now();
    let hold = Duration::from_secs(30);
    let mut back = None;
    while t.elapsed() < hold + Duration::from_secs(15) {
        if pod_ping("mpl-p1", "10.44.0.129") && pod_ping("mpl-p3", "10.44.0.1") && pod_ping("mpl-p2", "10.44.0.193") {
            back = Some(t.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    let (code4, down) = meshplan(&["lab", "down", "two-site-rr"]);
    assert_eq!(code4, 0, "{down}");
    let back = back.unwrap_or_else(|| panic!("pods did not reach each other again within the hold time + 15 s"));
    eprintln!("reachable again {:.1} s after east-rr1 stopped", back.as_secs_f64());
    assert!(back <= hold + Duration::from_secs(10), "{back:?}");
    clean.check();
}

#[test]
fn ctrl_c_tears_the_lab_down() {
    let clean = start();
    let child = Command::new(env!("CARGO_BIN_EXE_meshplan"))
        .args(["lab", "run", "examples/calico-wds-hkg.yaml"])
        .current_dir(root())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{e}"));
    // Wait until the daemons run, then interrupt.
    let t = Instant::now();
    while lab_processes().is_empty() && t.elapsed() < Duration::from_secs(30) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(!lab_processes().is_empty(), "the lab never started its daemons");
    let _ = Command::new("kill").args(["-INT", &child.id().to_string()]).status();
    let out = child.wait_with_output().unwrap_or_else(|e| panic!("{e}"));
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    assert_eq!(out.status.code(), Some(130), "{text}");
    assert!(text.contains("teardown: stopped every lab process"), "{text}");
    clean.check();
}

/// Flannel host-gw: no BGP at all; every node routes to the others' pod ranges
/// directly over the one LAN, which the lab's kernel tables must show.
#[test]
fn flannel_host_gw_routes_directly_on_one_lan() {
    let clean = start();
    let file = variant("flannel-metallb-pi", "backend: vxlan", "backend: host-gw");
    let (code, out) = meshplan(&["lab", "run", &file.to_string_lossy()]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("0/0 session ends Established"), "host-gw has no BGP: {out}");
    for node in ["node1", "node2", "node3", "node4"] {
        assert!(
            out.lines().any(|l| l.split_whitespace().collect::<Vec<_>>() == [node, "3", "3", "0", "match"]),
            "{node} has a direct route to each other node's pod range: {out}"
        );
    }
    let lines = ping_line(&out, "home → home");
    assert!(lines.len() == 1 && lines[0].contains("-s 1472 pass") && lines[0].contains("1500 tight"), "{out}");
    assert!(out.contains("PASS"), "{out}");
    clean.check();
}

#[test]
fn encapsulated_designs_are_refused() {
    let _clean = start();
    let file = variant("calico-wds-hkg", "encapsulation: none", "encapsulation: ipip");
    let (code, out) = meshplan(&["lab", "run", &file.to_string_lossy()]);
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("cannot emulate this design: Calico IP-in-IP: this kernel has no ipip device"), "{out}");
    assert!(lab_namespaces().is_empty());
}
