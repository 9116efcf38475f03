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

/// The lab these tests run: `MESHPLAN_LAB_ID`, read as `meshplan` reads it, so
/// that the suite can run beside another lab (a fuzz series) or beside itself.
fn lab_id() -> String {
    std::env::var("MESHPLAN_LAB_ID").unwrap_or_default()
}

/// This lab's namespace name for a kind letter and index (`n1`, `p3`).
fn lab_ns(tag: &str) -> String {
    match lab_id().as_str() {
        "" => format!("mpl-{tag}"),
        id => format!("mpl{id}-{tag}"),
    }
}

/// This lab's state folder.
fn state_dir() -> String {
    match lab_id().as_str() {
        "" => "/run/meshplan-lab".to_string(),
        id => format!("/run/meshplan-lab-{id}"),
    }
}

/// Where this lab's test files go (apart from another lab's tests).
fn scratch() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    match lab_id().as_str() {
        "" => dir,
        id => dir.join(format!("lab-{id}")),
    }
}

fn lab_namespaces() -> Vec<String> {
    let prefix = lab_ns("");
    sh("ip", &["netns", "list"])
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|n| n.starts_with(prefix.as_str()))
        .map(str::to_string)
        .collect()
}

/// Processes started for a lab: their command line names the lab's folder.
fn lab_processes() -> Vec<String> {
    let mut found = Vec::new();
    for e in fs::read_dir("/proc").into_iter().flatten().flatten() {
        let cmdline = fs::read(e.path().join("cmdline")).unwrap_or_default();
        let text = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if text.contains(&format!("{}/", state_dir())) {
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
        assert!(!Path::new(&state_dir()).exists(), "{} left behind", state_dir());
    }
}

/// The result table's line for one pair of locations.
/// An example with one line changed, written where the test binary keeps its files.
fn variant(example: &str, from: &str, to: &str) -> PathBuf {
    let src = fs::read_to_string(root().join(format!("examples/{example}.yaml"))).unwrap_or_default();
    assert!(src.contains(from), "examples/{example}.yaml no longer has `{from}`");
    let dir = scratch().join(format!("lab-{example}-{}", to.replace([':', ' '], "")));
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
            out.contains(&format!("{router} ({}", lab_ns("")))
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
    // A FreeBSD router's install.sh (sysrc, rc.d) cannot run here: the lab says
    // so and runs the complete config instead.
    assert!(
        out.contains(&format!(
            "freebsd ({}): FRR (zebra, staticd, ospfd, bgpd) with routers/freebsd/frr.conf, the complete config (its install.sh is FreeBSD's",
            lab_ns("r1")
        )),
        "{out}"
    );
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
        if pod_ping(&lab_ns("p1"), "10.44.0.129")
            && pod_ping(&lab_ns("p3"), "10.44.0.1")
            && pod_ping(&lab_ns("p2"), "10.44.0.193")
        {
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

/// Issue 22's regression corpus (`tests/data/lab/regress-*`): designs on which real BIRD/FRR once disagreed
/// with the plan (each file says how). Every one must now agree: the lab's
/// table matches the plan, whether pods reach each other or die where it says.
#[test]
fn regression_corpus_agrees_with_the_plan() {
    let dir = root().join("tests/data/lab");
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with("regress-")))
        .map(|p| p.join("topology.yaml"))
        .collect();
    files.sort();
    assert!(files.len() >= 2, "the corpus is missing: {}", dir.display());
    for f in files {
        let clean = start();
        let (code, out) = meshplan(&["lab", "run", &f.to_string_lossy()]);
        let agrees = (code == 0 && out.contains("PASS: the lab matches the plan"))
            || (code == 1 && out.contains("exactly where the plan says"));
        assert!(agrees, "{}: the lab disagrees with the plan (exit {code}):\n{out}", f.display());
        clean.check();
    }
}

/// A few fresh random designs per run (the seed is printed: `meshplan lab fuzz
/// --seed N --count 1` repeats one), the plan against the daemons.
#[test]
fn fresh_random_designs_agree_with_the_plan() {
    let clean = start();
    let seed = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
        % 1_000_000;
    let out_dir = scratch().join("lab-fuzz");
    let (code, out) =
        meshplan(&["lab", "fuzz", "--seed", &seed.to_string(), "--count", "3", "-o", &out_dir.to_string_lossy()]);
    println!("{out}");
    assert_eq!(code, 0, "seed {seed}: designs and logs in {}:\n{out}", out_dir.display());
    let ran: usize = out
        .lines()
        .find_map(|l| l.strip_prefix("fuzz: ")?.split(' ').next()?.parse().ok())
        .unwrap_or_else(|| panic!("no summary line:\n{out}"));
    assert!(ran >= 1, "seed {seed}: no design reached the lab:\n{out}");
    clean.check();
}

/// The example's bundle as `meshplan export` writes it, unpacked (with `unzip`)
/// where the test binary keeps its files: the folder that holds the bundle's top folder.
fn exported(example: &str) -> PathBuf {
    let dir = scratch().join(format!("bundle-{example}"));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("{e}"));
    let zip = dir.join("bundle.zip");
    let (code, out) = meshplan(&["export", &format!("examples/{example}.yaml"), "-o", &zip.to_string_lossy()]);
    assert_eq!(code, 0, "{out}");
    let unzip = Command::new("unzip")
        .args(["-q", &zip.to_string_lossy(), "-d", &dir.to_string_lossy()])
        .status()
        .unwrap_or_else(|e| panic!("`unzip` is needed to unpack the bundle: {e}"));
    assert!(unzip.success());
    dir
}

/// Replaces the one occurrence of `from` after `after` in a bundle file.
fn tamper(file: &Path, after: &str, from: &str, to: &str) {
    let text = fs::read_to_string(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let start = text.find(after).unwrap_or_else(|| panic!("{} has no `{after}`", file.display()));
    let at = start + text[start..].find(from).unwrap_or_else(|| panic!("{} has no `{from}`", file.display()));
    fs::write(file, format!("{}{to}{}", &text[..at], &text[at + from.len()..])).unwrap_or_else(|e| panic!("{e}"));
}

/// The lab's nodes speak BGP as the exported manifests say, not as the plan
/// says: a wrong `nodeSelector` or peer AS in a `BGPPeer` fails the lab, and
/// the result names the nodes that did not get their sessions.
#[test]
fn a_wrong_selector_or_as_in_the_exported_calico_manifests_fails_naming_the_nodes() {
    let clean = start();
    let dir = exported("calico-wds-hkg");
    let dir_s = dir.to_string_lossy().into_owned();
    let (code, out) = meshplan(&["lab", "run", "examples/calico-wds-hkg.yaml", "--bundle", &dir_s]);
    assert_eq!(code, 0, "the bundle as exported passes: {out}");
    assert!(out.contains(&format!("from the bundle's manifests (read from {dir_s})")), "{out}");
    assert!(out.contains("    kubenode-hkg04 (AS 64512): 192.168.100.251 as 64512, 192.168.100.252 as 64512, 100.64.1.106 as 64512\n"), "{out}");

    let bgp = dir.join("wds-hkg/cluster/calico/bgp.yaml");
    let original = fs::read_to_string(&bgp).unwrap_or_else(|e| panic!("{e}"));
    // The label value differs in case: the Global region's node gets no peer.
    tamper(&bgp, "name: global-ns-global", "region == 'Global'", "region == 'global'");
    let (code, out) = meshplan(&["lab", "run", "examples/calico-wds-hkg.yaml", "--bundle", &dir_s]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains("not up: kubenode-hkg04 → global-ns (100.64.1.106, ipv4): not deployed: the bundle's manifests give kubenode-hkg04 no such session"),
        "{out}"
    );
    assert!(out.contains("nodes without their planned sessions: kubenode-hkg04\n"), "{out}");
    assert!(out.contains("FAIL: the lab does not match the plan: kubenode-hkg04 did not get"), "{out}");

    // The WDS peer's AS is off by one: both WDS nodes' sessions with the gateway fail.
    fs::write(&bgp, &original).unwrap_or_else(|e| panic!("{e}"));
    tamper(&bgp, "name: gateway-wds", "asNumber: 64512", "asNumber: 64513");
    let (code, out) = meshplan(&["lab", "run", "examples/calico-wds-hkg.yaml", "--bundle", &dir_s]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("nodes without their planned sessions: kubemaster, kubenode-wds-1\n"), "{out}");
    assert!(out.contains("(deployed with peer AS 64513 by cluster/calico/bgp.yaml"), "{out}");
    assert!(out.contains("14/18 session ends Established"), "{out}");

    // A peer nobody planned: the session is reported, and the lab fails.
    let extra = "---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: extra\nspec:\n  node: kubemaster\n  peerIP: \"192.168.100.9\"\n  asNumber: 64512\n";
    fs::write(&bgp, format!("{original}{extra}")).unwrap_or_else(|e| panic!("{e}"));
    let (code, out) = meshplan(&["lab", "run", "examples/calico-wds-hkg.yaml", "--bundle", &dir_s]);
    assert_eq!(code, 1, "{out}");
    assert!(
        out.contains(
            "not up: kubemaster → (not in the plan) (192.168.100.9, ipv4): deployed by cluster/calico/bgp.yaml:"
        ),
        "{out}"
    );
    assert!(out.contains("nodes without their planned sessions: kubemaster\n"), "{out}");
    clean.check();
}

/// Cilium: a `CiliumBGPClusterConfig` whose node selector matches no node leaves
/// every node without its sessions.
#[test]
fn a_wrong_node_selector_in_the_exported_cilium_cluster_config_fails_naming_the_nodes() {
    let clean = start();
    let dir = exported("cilium-dualstack-frr");
    let bgp = dir.join("home-dualstack/cluster/cilium/bgp.yaml");
    tamper(&bgp, "kind: CiliumBGPClusterConfig", "region: \"home\"", "region: \"Home\"");
    let (code, out) =
        meshplan(&["lab", "run", "examples/cilium-dualstack-frr.yaml", "--bundle", &dir.to_string_lossy()]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("    k3s-agent-1: no BGP speaker"), "{out}");
    assert!(
        out.contains("nodes without their planned sessions: k3s-agent-1, k3s-agent-2, k3s-agent-3, k3s-agent-4, k3s-agent-5, k3s-server\n"),
        "{out}"
    );
    assert!(out.contains("0/24 session ends Established"), "{out}");
    clean.check();
}

/// `--fail`: the calico example's one leased line down. The plan predicts WDS ↔
/// zt-global (HKG) cut, no underlay path left; the lab takes both ends of the
/// IEPL's veth down, reroutes its static underlay around it, waits for BGP's
/// hold timer, and pings every pair against that prediction.
#[test]
fn calico_example_with_its_iepl_failed_is_cut_as_the_plan_predicts() {
    let clean = start();
    let (code, out) = meshplan(&["lab", "run", "examples/calico-wds-hkg.yaml", "--fail", "links[2]"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("failing link cn-ns ↔ global-ns (iepl) (links[2])"), "{out}");
    assert!(out.contains("every lost session is down after"), "{out}");
    for pair in ["WDS → zt-global", "zt-global → WDS"] {
        let line = out
            .lines()
            .skip_while(|l| !l.starts_with("== with"))
            .find(|l| l.trim_start().starts_with(pair))
            .unwrap_or_else(|| panic!("{pair}: {out}"));
        assert!(line.contains("cut: no underlay path") && line.ends_with("match"), "{line}");
    }
    assert!(out.contains("OK: with link cn-ns ↔ global-ns (iepl) (links[2]) down the lab matches"), "{out}");
    clean.check();
}

/// `--fail`: a two-reflector site losing one reflector (its daemon killed, its
/// interfaces down): the plan predicts every pair still connects, the lab agrees
/// once the hold timer has taken the dead reflector's sessions down.
#[test]
fn a_two_reflector_site_losing_one_reflector_keeps_every_pair_as_predicted() {
    let clean = start();
    let (code, out) = meshplan(&["lab", "run", "tests/data/lab/two-site-rr/topology.yaml", "--fail", "east-rr1"]);
    // Judged on the failure's own table: the intact run's path-MTU probe over
    // this design's bridge-to-bridge WireGuard link (a 1421-byte packet dropped
    // without an ICMP) is `two_reflectors_per_site_survive_losing_one`'s to judge.
    assert!(matches!(code, 0 | 1), "{out}");
    assert!(out.contains("the plan predicts 5 session(s) lost, 0 pair(s) cut"), "{out}");
    let rows: Vec<&str> = out
        .lines()
        .skip_while(|l| !l.starts_with("== with"))
        .filter(|l| l.contains(" → ") && !l.contains("from → to"))
        .collect();
    assert_eq!(rows.len(), 4, "{out}");
    assert!(rows.iter().all(|l| l.contains("connects at 1420") && l.ends_with("match")), "{rows:#?}");
    assert!(out.contains("OK: with router east-rr1 (routers.east-rr1) down the lab matches"), "{out}");
    clean.check();
}
