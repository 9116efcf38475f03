//! The Cilium, MetalLB and Kilo renderers on the examples of their seeds, and one
//! topology switched across the four CNIs. Every manifest goes through the upstream
//! CRD schemas (`tests/schemas/validate.py`), every script (and every bash snippet
//! the runbook, verify.sh and fetch-artifacts.sh take from these renderers) through
//! `bash -n` and shellcheck. A missing tool fails the test: nothing is skipped.
//!
//! `MESHPLAN_DUMP_CNI=DIR` also writes each case's files under DIR for reading.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use meshplan_core::model::Cni;
use meshplan_core::plan::{self, Plan};
use meshplan_core::render::addon::AddOn;
use meshplan_core::render::{self, cilium, kilo, metallb, File};
use meshplan_core::{diag, parse, Topology};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn topology(src: &str, what: &str) -> Topology {
    let parsed = parse(src);
    assert!(!diag::has_errors(&parsed.diagnostics), "{what} does not parse: {:#?}", parsed.diagnostics);
    parsed.topology.unwrap_or_else(|| panic!("{what} gives no topology"))
}

fn example_text(name: &str) -> String {
    let path = root().join("examples").join(name);
    fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn example(name: &str) -> Plan {
    let p = plan::build(&topology(&example_text(name), name));
    assert!(!diag::has_errors(&p.diagnostics), "{name} has errors: {:#?}", p.diagnostics);
    p
}

/// The add-ons under test, as the design has them.
fn under_test(p: &Plan) -> Vec<&'static dyn AddOn> {
    render::addons(p).into_iter().filter(|a| ["Cilium", "MetalLB", "Kilo"].contains(&a.name())).collect()
}

/// The files of the add-ons under test.
fn cni_files(p: &Plan) -> Vec<File> {
    under_test(p).into_iter().flat_map(|a| a.files(p)).collect()
}

fn file<'a>(files: &'a [File], path: &str) -> &'a str {
    files.iter().find(|f| f.path == path).map(|f| f.contents.as_str()).unwrap_or_else(|| {
        let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
        panic!("no file {path} among {paths:?}")
    })
}

fn paths(files: &[File]) -> Vec<&str> {
    files.iter().map(|f| f.path.as_str()).collect()
}

fn tool(cmd: &str, hint: &str) {
    let found =
        Command::new("sh").arg("-c").arg(format!("command -v {cmd}")).output().is_ok_and(|o| o.status.success());
    assert!(found, "`{cmd}` is missing: {hint}");
}

fn write(dir: &Path, files: &[File]) {
    for f in files {
        let p = dir.join(&f.path);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        fs::write(&p, &f.contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
        let mode = if f.executable { 0o755 } else { 0o644 };
        fs::set_permissions(&p, fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("cannot chmod {}: {e}", p.display()));
    }
}

fn run(failures: &mut Vec<String>, what: &str, cmd: &mut Command) -> String {
    match cmd.output() {
        Err(e) => {
            failures.push(format!("{what}: cannot run: {e}"));
            String::new()
        }
        Ok(o) => {
            let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
            if !o.status.success() {
                failures.push(format!("{what}: exit {:?}\n{}", o.status.code(), text.trim_end()));
            }
            text
        }
    }
}

/// The prologue verify.sh gives the snippets: `kc`, `pass`, `fail`, KUBECONFIG.
const VERIFY_HARNESS: &str = "#!/usr/bin/env bash\nset -euo pipefail\n\
export KUBECONFIG=\"${KUBECONFIG:-/etc/rancher/k3s/k3s.yaml}\"\n\
kc() {\n  kubectl \"$@\"\n}\nPASSED=0\nFAILED=0\n\
pass() {\n  echo \"PASS $*\"\n  PASSED=$((PASSED + 1))\n}\nfail() {\n  echo \"FAIL $*\"\n  FAILED=$((FAILED + 1))\n}\n";

/// The prologue fetch-artifacts.sh gives the snippets: `fetch`, `check`, HERE, ARCH.
const FETCH_HARNESS: &str = "#!/usr/bin/env bash\nset -euo pipefail\n\
HERE=\"$(cd \"$(dirname \"${BASH_SOURCE[0]}\")\" && pwd)\"\nARCH=\"${ARCH:-amd64}\"\n\
fetch() {\n  curl -fL -o \"$2\" \"$1\"\n}\n\
check() {\n  grep -q \"$2\" \"$1\" && sha256sum \"$3\" >/dev/null\n}\n";

/// Writes the files (and the snippets, wrapped in the prologue their host script
/// gives them) under a fresh folder and runs the real tools; panics with every failure.
fn real_tools(case: &str, p: &Plan, files: &[File]) {
    tool("bash", "it comes with the system");
    tool("shellcheck", "apt-get install shellcheck (cargo xtask test installs it)");
    tool("python3", "apt-get install python3 python3-jsonschema python3-yaml");
    tool("nft", "apt-get install nftables (its parser checks the Kilo firewall rules)");
    tool("unshare", "apt-get install util-linux");
    let validator = root().join("tests/schemas/validate.py");
    assert!(validator.exists(), "{} is missing: the repository carries it", validator.display());

    let mut all = files.to_vec();
    // Each Kilo node's nftables rules, with an SSH port filled in.
    let rules: Vec<File> = p
        .nodes
        .keys()
        .filter_map(|n| {
            kilo::nft_rules(p, n).map(|r| File::text(format!("snippets/{n}.nft"), r.replace("$SSH_PORT", "22")))
        })
        .collect();
    all.extend(rules);
    let mut snippets = Vec::new();
    for a in under_test(p) {
        let name = a.name().to_lowercase();
        if let Some(s) = a.verify_checks(p) {
            snippets.push(File::script(format!("snippets/verify-{name}.sh"), format!("{VERIFY_HARNESS}{s}")));
        }
    }
    for a in under_test(p) {
        let name = a.name().to_lowercase();
        if let Some(s) = a.fetch_steps(p) {
            snippets.push(File::script(format!("snippets/fetch-{name}.sh"), format!("{FETCH_HARNESS}{s}")));
        }
    }
    all.extend(snippets);

    let dir = match std::env::var_os("MESHPLAN_DUMP_CNI") {
        Some(d) => PathBuf::from(d).join(case),
        None => std::env::temp_dir().join(format!("meshplan-cni-{}-{case}", std::process::id())),
    };
    let _ = fs::remove_dir_all(&dir);
    write(&dir, &all);
    if std::env::var_os("MESHPLAN_DUMP_CNI").is_some() {
        let mut extra = String::new();
        for s in under_test(p).into_iter().filter_map(|a| a.runbook_section(p)) {
            extra.push_str(&s);
            extra.push('\n');
        }
        for s in under_test(p).into_iter().filter_map(|a| a.artifact_lines(p)) {
            extra.push_str(&s);
        }
        let _ = fs::write(dir.join("snippets/runbook-and-artifacts.md"), extra);
    }

    let mut failures = Vec::new();
    let yaml: Vec<PathBuf> = all.iter().filter(|f| f.path.ends_with(".yaml")).map(|f| dir.join(&f.path)).collect();
    if !yaml.is_empty() {
        let out = run(
            &mut failures,
            &format!("{case}: validate.py"),
            Command::new("python3").arg(&validator).arg("-v").args(&yaml),
        );
        // Every custom resource must have met its schema: only the Helm values
        // (no apiVersion) may go unchecked.
        for line in out.lines().filter(|l| l.contains("no schema")) {
            if !line.contains("values.yaml: (document without apiVersion/kind)") {
                failures.push(format!("{case}: a manifest was not checked: {line}"));
            }
        }
    }
    for f in all.iter().filter(|f| f.path.ends_with(".nft")) {
        // `nft -c` parses and checks against the kernel without changing it; a new user
        // and network namespace gives it the netlink access it needs without root.
        run(
            &mut failures,
            &format!("{case}: nft -c {}", f.path),
            Command::new("unshare").args(["-rn", "nft", "-c", "-f"]).arg(dir.join(&f.path)),
        );
    }
    for f in all.iter().filter(|f| f.executable) {
        let path = dir.join(&f.path);
        run(&mut failures, &format!("{case}: bash -n {}", f.path), Command::new("bash").arg("-n").arg(&path));
        run(&mut failures, &format!("{case}: shellcheck {}", f.path), Command::new("shellcheck").arg(&path));
        assert!(
            f.contents.starts_with("#!/usr/bin/env bash\n") && f.contents.contains("set -euo pipefail\n"),
            "{case}: {} lacks the shebang or strict mode",
            f.path
        );
    }
    if std::env::var_os("MESHPLAN_DUMP_CNI").is_none() {
        let _ = fs::remove_dir_all(&dir);
    }
    assert!(failures.is_empty(), "{} failure(s):\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn cilium_dual_stack_with_ebgp_to_frr() {
    let p = example("cilium-dualstack-frr.yaml");
    let files = cni_files(&p);
    assert_eq!(
        paths(&files),
        [
            "cluster/cilium/values.yaml",
            "cluster/cilium/bgp.yaml",
            "cluster/cilium/lb-pools.yaml",
            "cluster/cilium/apply.sh"
        ]
    );
    let values = file(&files, "cluster/cilium/values.yaml");
    for want in [
        "kubeProxyReplacement: true\nk8sServiceHost: \"172.16.10.20\"\nk8sServicePort: 6443\n",
        "routingMode: native\n",
        "ipv4NativeRoutingCIDR: \"10.42.0.0/16\"\n",
        "ipv6NativeRoutingCIDR: \"2001:db8:beef:aa42::/96\"\n",
        // Six nodes on one home LAN.
        "autoDirectNodeRoutes: true\n",
        "ipv4:\n  enabled: true\nipv6:\n  enabled: true\n",
        concat!(
            "ipam:\n  mode: cluster-pool\n  operator:\n",
            "    clusterPoolIPv4PodCIDRList:\n      - \"10.42.0.0/16\"\n    clusterPoolIPv4MaskSize: 24\n",
            "    clusterPoolIPv6PodCIDRList:\n      - \"2001:db8:beef:aa42::/96\"\n    clusterPoolIPv6MaskSize: 112\n",
        ),
        "bgpControlPlane:\n  enabled: true\n",
        "MTU: 1500\n",
    ] {
        assert!(values.contains(want), "values.yaml lacks {want:?}:\n{values}");
    }
    assert!(cilium::auto_direct_node_routes(&p));

    // Cilium 1.18.0 is pinned: the v2 API. One config for the region, two peers.
    let bgp = file(&files, "cluster/cilium/bgp.yaml");
    assert!(!bgp.contains("v2alpha1"), "{bgp}");
    for want in [
        concat!(
            "apiVersion: cilium.io/v2\nkind: CiliumBGPClusterConfig\nmetadata:\n  name: bgp-home\nspec:\n",
            "  nodeSelector:\n    matchLabels:\n      region: \"home\"\n      bgp-enabled: \"true\"\n",
            "  bgpInstances:\n    - name: \"instance-64512\"\n      localASN: 64512\n      peers:\n",
            "        - name: \"freebsd-ipv4\"\n          peerASN: 64513\n          peerAddress: \"172.16.10.1\"\n",
            "          peerConfigRef:\n            name: meshplan-ipv4\n",
            "        - name: \"freebsd-ipv6\"\n          peerASN: 64513\n          peerAddress: \"2001:db8:beef:aa10::1\"\n",
            "          peerConfigRef:\n            name: meshplan-ipv6\n",
        ),
        "kind: CiliumBGPPeerConfig\nmetadata:\n  name: meshplan-ipv6\n",
        "    - advertisementType: PodCIDR\n",
        "    - advertisementType: Service\n      service:\n        addresses:\n          - ExternalIP\n          - LoadBalancerIP\n",
    ] {
        assert!(bgp.contains(want), "bgp.yaml lacks {want:?}:\n{bgp}");
    }
    // As seed 003: routed pods keep their addresses, external IPs are served.
    for want in ["enableIPv4Masquerade: false\n", "enableIPv6Masquerade: false\n", "externalIPs:\n  enabled: true\n"] {
        assert!(values.contains(want), "values.yaml lacks {want:?}:\n{values}");
    }
    // Two pools: each picked by the service label, the IPv6 range as start/stop.
    let pools = file(&files, "cluster/cilium/lb-pools.yaml");
    for want in [
        "apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: public\n",
        "    - cidr: \"192.0.2.240/29\"\n    - start: \"2001:db8:beef:aa01::240\"\n      stop: \"2001:db8:beef:aa01::247\"\n",
        "  serviceSelector:\n    matchLabels:\n      network: \"internal\"\n  allowFirstLastIPs: \"No\"\n",
    ] {
        assert!(pools.contains(want), "lb-pools.yaml lacks {want:?}:\n{pools}");
    }
    assert_eq!(pools.matches("allowFirstLastIPs").count(), 1, "only the internal pool:\n{pools}");
    let apply = file(&files, "cluster/cilium/apply.sh");
    assert!(
        apply.contains("upgrade --install cilium cilium --repo https://helm.cilium.io --version \"$CILIUM_VERSION\""),
        "{apply}"
    );
    assert!(apply.contains("CILIUM_VERSION=1.18.0\n"), "{apply}");
    let runbook = cilium::Cilium.runbook_section(&p).unwrap_or_default();
    assert!(runbook.contains("| bgp-home | k3s-agent-1, k3s-agent-2"), "{runbook}");
    real_tools("cilium-dualstack-frr", &p, &files);

    // The same cluster airgapped: the chart from the artifacts.
    let mut t = topology(&example_text("cilium-dualstack-frr.yaml"), "cilium");
    t.cluster.airgap = true;
    let air = plan::build(&t);
    let files = cni_files(&air);
    assert!(file(&files, "cluster/cilium/apply.sh").contains("CHART=\"$ART/cilium-$CILIUM_VERSION.tgz\""));
    real_tools("cilium-dualstack-frr-airgap", &air, &files);
}

#[test]
fn cilium_before_1_18_takes_v2alpha1_and_tunnel_mode_adds_the_overhead_back() {
    let src = example_text("cilium-dualstack-frr.yaml");
    let mut t = topology(&src, "cilium");
    if let Some(c) = t.cluster.cilium.as_mut() {
        c.version = Some("1.17.6".into());
        c.native_routing = false;
    }
    let p = plan::build(&t);
    assert!(!diag::has_errors(&p.diagnostics), "{:#?}", p.diagnostics);
    let files = cni_files(&p);
    assert!(file(&files, "cluster/cilium/bgp.yaml")
        .contains("apiVersion: cilium.io/v2alpha1\nkind: CiliumBGPClusterConfig"));
    assert!(file(&files, "cluster/cilium/lb-pools.yaml").contains("apiVersion: cilium.io/v2alpha1\n"));
    let values = file(&files, "cluster/cilium/values.yaml");
    assert!(values.contains("routingMode: tunnel\ntunnelProtocol: vxlan\n"), "{values}");
    assert!(!values.contains("autoDirectNodeRoutes"), "{values}");
    // Tunnelled pods are not routed outside the cluster: their traffic leaves masqueraded.
    assert!(
        values.contains("enableIPv4Masquerade: true\n") && values.contains("enableIPv6Masquerade: true\n"),
        "{values}"
    );
    // Pods get the plan's pod MTU: Cilium subtracts its 50 bytes from MTU itself.
    assert_eq!(p.pod_mtu, 1450);
    assert!(values.contains("MTU: 1500\n"), "{values}");
    real_tools("cilium-1.17-tunnel", &p, &files);
}

#[test]
fn flannel_with_metallb_layer2_on_a_pi_lan() {
    let p = example("flannel-metallb-pi.yaml");
    let files = cni_files(&p);
    assert_eq!(paths(&files), ["cluster/metallb/pools.yaml", "cluster/metallb/l2.yaml", "cluster/metallb/apply.sh"]);
    let pools = file(&files, "cluster/metallb/pools.yaml");
    assert!(
        pools.contains(
            "apiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n  name: picluster-pool\n  namespace: metallb-system\n\
spec:\n  addresses:\n    - \"10.0.0.100-10.0.0.200\"\n"
        ),
        "{pools}"
    );
    let l2 = file(&files, "cluster/metallb/l2.yaml");
    assert!(l2.contains("kind: L2Advertisement\n") && l2.contains("  ipAddressPools:\n    - picluster-pool\n"), "{l2}");
    let apply = file(&files, "cluster/metallb/apply.sh");
    for want in [
        "METALLB_VERSION=v0.16.1\n",
        "MANIFEST=metallb-native.yaml\n",
        "rollout status deployment/controller",
        "wait_until 300 webhook_ready\n",
    ] {
        assert!(apply.contains(want), "apply.sh lacks {want:?}:\n{apply}");
    }
    // servicelb is disabled in the example: no warning.
    assert!(!apply.contains("does not disable k3s's servicelb"), "{apply}");
    real_tools("flannel-metallb-pi", &p, &files);
}

#[test]
fn metallb_bgp_peers_with_the_routers_that_serve_the_nodes() {
    let src = "version: 1\nname: lbbgp\ncluster:\n  cni: flannel\n  pod_cidr: [10.42.0.0/16]\n  service_cidr: [10.43.0.0/16]\n  asn: 64512\n  \
disable: [servicelb]\n  metallb:\n    mode: bgp\n    pools:\n      web: [198.51.100.0/28]\n\
sites:\n  lab: {}\nrouters:\n  edge:\n    site: lab\n    daemon: frr\n    address: 10.0.0.1\n    asn: 64600\n    serves: [lab]\n\
nodes:\n  n1: {site: lab, role: server, address: 10.0.0.11}\n  n2: {site: lab, role: agent, address: 10.0.0.12}\n";
    let p = plan::build(&topology(src, "lbbgp"));
    assert!(!diag::has_errors(&p.diagnostics), "{:#?}", p.diagnostics);
    let files = cni_files(&p);
    assert_eq!(paths(&files), ["cluster/metallb/pools.yaml", "cluster/metallb/bgp.yaml", "cluster/metallb/apply.sh"]);
    let bgp = file(&files, "cluster/metallb/bgp.yaml");
    for want in [
        "apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata:\n  name: edge\n  namespace: metallb-system\nspec:\n  myASN: 64512\n  peerASN: 64600\n  \
peerAddress: \"10.0.0.1\"\n  nodeSelectors:\n    - matchLabels:\n        region: \"lab\"\n",
        "kind: BGPAdvertisement\nmetadata:\n  name: meshplan-bgp\n  namespace: metallb-system\nspec:\n  ipAddressPools:\n    - web\n",
    ] {
        assert!(bgp.contains(want), "bgp.yaml lacks {want:?}:\n{bgp}");
    }
    assert_eq!(metallb::manifest(&p), "metallb-native.yaml");
    real_tools("metallb-bgp", &p, &files);

    // Airgapped: the manifest from the artifacts.
    let mut t = topology(src, "lbbgp");
    t.cluster.airgap = true;
    let air = plan::build(&t);
    let files = cni_files(&air);
    assert!(file(&files, "cluster/metallb/apply.sh").contains("SRC=\"$HERE/../../artifacts/metallb/$MANIFEST\""));
    real_tools("metallb-bgp-airgap", &air, &files);
}

#[test]
fn kilo_across_five_clouds() {
    let p = example("kilo-multicloud.yaml");
    let files = cni_files(&p);
    let mut want_paths = vec!["cluster/kilo/apply.sh".to_string()];
    want_paths.extend(p.nodes.keys().map(|n| format!("nodes/{n}/firewall.sh")));
    assert_eq!(paths(&files), want_paths.iter().map(String::as_str).collect::<Vec<_>>());

    // Leaders: the node with a public endpoint per location; bd2 has none.
    let locs = kilo::locations(&p);
    let leaders: Vec<(&str, &str)> = locs.iter().map(|l| (l.name.as_str(), l.leader.as_str())).collect();
    assert_eq!(
        leaders,
        [
            ("aliyun", "ali1.k3s"),
            ("baidu", "bd1.k3s"),
            ("ctyun", "ty1.k3s"),
            ("huaweicloud", "hw1.k3s"),
            ("tencentcloud", "tx1.k3s")
        ]
    );
    let apply = file(&files, "cluster/kilo/apply.sh");
    for want in [
        "KILO_VERSION=0.7.0\nPOD_MTU=1420\n",
        "KILO_ARGS=(--mesh-granularity=location --subnet=10.4.0.0/16 --port=51820 --mtu=1420 --encapsulate=always --service-cidr=10.43.0.0/16)\n",
        "annotate ty1.k3s kilo.squat.ai/location=ctyun kilo.squat.ai/force-endpoint=203.0.113.1:51820 kilo.squat.ai/persistent-keepalive=20 kilo.squat.ai/leader=true\n",
        "annotate bd2.k3s kilo.squat.ai/location=baidu kilo.squat.ai/persistent-keepalive=20\nunannotate bd2.k3s kilo.squat.ai/force-endpoint\nunannotate bd2.k3s kilo.squat.ai/leader\n",
        "https://raw.githubusercontent.com/squat/kilo/$KILO_VERSION/manifests/$m",
    ] {
        assert!(apply.contains(want), "apply.sh lacks {want:?}:\n{apply}");
    }
    // The server opens the API; agents do not. One server: no etcd ports.
    let ty1 = file(&files, "nodes/ty1.k3s/firewall.sh");
    let ali1 = file(&files, "nodes/ali1.k3s/firewall.sh");
    assert!(ty1.contains("\t\ttcp dport 6443 accept\n") && !ali1.contains("dport 6443"), "{ty1}");
    assert!(ty1.contains("\t\tudp dport 51820 accept\n") && ali1.contains("\t\tudp dport 51820 accept\n"));
    assert!(!ty1.contains("2379"), "{ty1}");
    assert!(file(&files, "nodes/bd1.k3s/firewall.sh").contains("elements = { 192.168.64.5 }"));

    // verify.sh: 10 leader pairs and bd1 ↔ bd2 inside baidu.
    let verify = kilo::Kilo.verify_checks(&p).unwrap_or_default();
    assert_eq!(verify.matches("\nexpect_link ").count(), 11, "{verify}");
    assert!(verify.contains("expect_link bd1.k3s bd2.k3s 'inside baidu, through its leader bd1.k3s'\n"), "{verify}");
    assert!(
        verify.contains(
            "check_showconf ty1.k3s 4 203.0.113.2:51820 203.0.113.4:51820 203.0.113.3:51820 203.0.113.5:51820\n"
        ),
        "{verify}"
    );
    assert!(verify.contains("check_not_leader bd2.k3s bd1.k3s\n"), "{verify}");
    let runbook = kilo::Kilo.runbook_section(&p).unwrap_or_default();
    assert!(
        runbook.contains("```mermaid\nflowchart LR\n") && runbook.contains("n_bd1_k3s -.-|IP-in-IP| n_bd2_k3s"),
        "{runbook}"
    );
    assert!(runbook.contains("no Kilo `Peer` is \nrendered") || runbook.contains("no Kilo `Peer` is"), "{runbook}");
    real_tools("kilo-multicloud", &p, &files);

    // Full granularity: every node leads itself; every pair peers.
    let mut t = topology(&example_text("kilo-multicloud.yaml"), "kilo");
    if let Some(k) = t.cluster.kilo.as_mut() {
        k.granularity = meshplan_core::model::KiloGranularity::Full;
    }
    t.cluster.airgap = true;
    let full = plan::build(&t);
    assert_eq!(kilo::locations(&full).len(), 6);
    let verify = kilo::Kilo.verify_checks(&full).unwrap_or_default();
    assert_eq!(verify.matches("\nexpect_link ").count(), 15, "{verify}");
    let files = cni_files(&full);
    assert!(!file(&files, "cluster/kilo/apply.sh").contains("leader=true"));
    real_tools("kilo-full-airgap", &full, &files);

    // crosssubnet, chosen in the topology: kg gets it, the plan routes inside a
    // location, and the runbook states the cloud's prerequisite; always states none.
    assert!(!runbook.contains("source/destination check"), "{runbook}");
    let mut t = topology(&fs::read_to_string(root().join("examples/kilo-multicloud.yaml")).unwrap_or_default(), "kilo");
    if let Some(k) = t.cluster.kilo.as_mut() {
        k.encapsulate = meshplan_core::model::KiloEncapsulation::Crosssubnet;
    }
    let cross = plan::build(&t);
    let files = cni_files(&cross);
    assert!(file(&files, "cluster/kilo/apply.sh").contains(" --encapsulate=crosssubnet "));
    let runbook = kilo::Kilo.runbook_section(&cross).unwrap_or_default();
    assert!(runbook.contains("**Cloud prerequisite.**") && runbook.contains("source/destination"), "{runbook}");
    assert!(runbook.contains("n_bd1_k3s -.-|routed| n_bd2_k3s"), "{runbook}");
}

/// Two sites joined by a 1420-byte WireGuard link, a BGP router serving both,
/// public endpoints on two nodes, a MetalLB pool; the CNI is switched by the tests.
const SWITCH: &str = "version: 1\nname: switch\ncluster:\n  cni: calico\n  pod_cidr: [10.42.0.0/16]\n  service_cidr: [10.43.0.0/16]\n  asn: 64512\n  \
disable: [servicelb]\n  metallb:\n    mode: l2\n    pools:\n      lan: [192.168.1.200-192.168.1.220]\n\
sites:\n  east: {}\n  west: {}\n\
routers:\n  gw:\n    site: east\n    daemon: bird\n    address: 192.168.1.1\n    serves: [east, west]\n\
nodes:\n  a1: {site: east, role: server, address: 192.168.1.10, public: 198.51.100.10:51820}\n  \
a2: {site: east, role: agent, address: 192.168.1.11}\n  b1: {site: west, role: agent, address: 192.168.2.10, public: 198.51.100.20:51820}\n\
links:\n  - {between: [gw, west], kind: wireguard, mtu: 1420}\n";

/// One topology (two sites, a BGP router, public endpoints, a MetalLB pool) under
/// each CNI: no errors, the CNI's own files, and a budget that follows the
/// encapsulation over the 1420-byte WireGuard link between the sites.
#[test]
fn one_topology_under_each_cni() {
    let t0 = topology(SWITCH, "switch");
    let mut budgets = Vec::new();
    for cni in Cni::ALL {
        let mut t = t0.clone();
        t.cluster.cni = cni;
        let p = plan::build(&t);
        let errors: Vec<_> = p.diagnostics.iter().filter(|d| d.severity == diag::Severity::Error).collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", cni.as_str());
        let all = render::render(&p);
        let has = |prefix: &str| all.iter().any(|f| f.path.starts_with(prefix));
        assert_eq!(has("cluster/calico/"), cni == Cni::Calico, "{}: {:?}", cni.as_str(), paths(&all));
        assert_eq!(has("cluster/cilium/"), cni == Cni::Cilium, "{}: {:?}", cni.as_str(), paths(&all));
        assert_eq!(has("cluster/kilo/"), cni == Cni::Kilo, "{}: {:?}", cni.as_str(), paths(&all));
        assert_eq!(all.iter().any(|f| f.path.ends_with("/firewall.sh")), cni == Cni::Kilo);
        assert!(has("cluster/metallb/"), "{}: MetalLB works with any CNI", cni.as_str());
        let backend = match cni {
            Cni::Flannel => "flannel-backend: \"vxlan\"",
            _ => "flannel-backend: \"none\"",
        };
        assert!(file(&all, "nodes/a1/install.sh").contains(backend), "{}", cni.as_str());
        let section = match cni {
            Cni::Cilium => cilium::Cilium.runbook_section(&p),
            Cni::Kilo => kilo::Kilo.runbook_section(&p),
            Cni::Calico | Cni::Flannel => None,
        };
        assert_eq!(section.is_some(), matches!(cni, Cni::Cilium | Cni::Kilo));
        assert!(metallb::MetalLb.runbook_section(&p).is_some());
        real_tools(&format!("switch-{}", cni.as_str()), &p, &cni_files(&p));
        budgets.push((cni, p.mtu_budget));
    }
    // The east ↔ west path is limited by the 1420-byte link: Calico routes (no
    // overhead), Cilium's default VXLAN and flannel's take 50, Kilo's WireGuard 80.
    assert_eq!(budgets, [(Cni::Calico, 1420), (Cni::Cilium, 1370), (Cni::Flannel, 1370), (Cni::Kilo, 1340)]);
}

/// Cilium's direct node routes follow the plan: on when every node shares one L2
/// network (the plan then puts all nodes in one direct-route group), off otherwise.
#[test]
fn direct_node_routes_follow_the_plan() {
    let p = example("cilium-dualstack-frr.yaml");
    assert!(cilium::auto_direct_node_routes(&p));
    assert!(p.routing.direct_group.iter().take(p.nodes.len()).all(|g| *g == Some(0)), "{:?}", p.routing.direct_group);

    let mut t = topology(SWITCH, "switch");
    t.cluster.cni = Cni::Cilium;
    t.cluster.cilium = Some(meshplan_core::model::Cilium { native_routing: true, ..Default::default() });
    let p = plan::build(&t);
    assert!(!diag::has_errors(&p.diagnostics), "{:#?}", p.diagnostics);
    assert!(!cilium::auto_direct_node_routes(&p));
    assert!(p.routing.direct_group.iter().all(Option::is_none), "{:?}", p.routing.direct_group);
    let files = cni_files(&p);
    let values = file(&files, "cluster/cilium/values.yaml");
    assert!(values.contains("routingMode: native\n") && values.contains("autoDirectNodeRoutes: false\n"), "{values}");
    // Native routing: the pod MTU is the path MTU, and Cilium's MTU is that value.
    assert_eq!(p.pod_mtu, 1420);
    assert!(values.contains("MTU: 1420\n"), "{values}");
}

/// Every example again in airgap mode: the scripts install from `artifacts/`.
#[test]
fn every_example_airgapped() {
    for e in ["cilium-dualstack-frr.yaml", "flannel-metallb-pi.yaml", "kilo-multicloud.yaml"] {
        let src = example_text(e);
        let mut t = topology(&src, e);
        t.cluster.airgap = true;
        let p = plan::build(&t);
        assert!(!diag::has_errors(&p.diagnostics), "{e}: {:#?}", p.diagnostics);
        let files = cni_files(&p);
        for f in files.iter().filter(|f| f.path.ends_with("apply.sh")) {
            assert!(f.contents.contains("fetch-artifacts.sh"), "{e}: {} does not use the artifacts", f.path);
            assert!(!f.contents.contains("https://"), "{e}: {} downloads in airgap mode", f.path);
        }
        real_tools(&format!("airgap-{}", e.trim_end_matches(".yaml")), &p, &files);
    }
}
