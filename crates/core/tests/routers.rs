//! Router configs (BIRD and FRR): what each example's routers must say, and every
//! generated config and install script passed through the real tools — BIRD's
//! parser (`bird -p`), FRR's (`vtysh -C`, `bgpd -C`), `bash -n` and shellcheck.
//! A missing tool fails the test (the README's test command installs them).
//!
//! `MESHPLAN_DUMP_ROUTERS=DIR` also writes the files under DIR for reading.

// Tests are not in the browser's module: std's sorts are fine here (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use meshplan_core::plan::{self, Plan};
use meshplan_core::render::{bird, frr, File};
use meshplan_core::{diag, parse};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn load(path: &Path) -> Option<Plan> {
    let src = fs::read_to_string(path).ok()?;
    let t = parse(&src).topology?;
    Some(plan::build(&t))
}

fn example(name: &str) -> Plan {
    let p = root().join("examples").join(name);
    load(&p).unwrap_or_else(|| panic!("{} does not parse", p.display()))
}

fn router_files(p: &Plan) -> Vec<File> {
    let mut f = bird::files(p);
    f.extend(meshplan_core::render::bird_install::files(p));
    f.extend(frr::files(p));
    f.extend(meshplan_core::render::frr_install::files(p));
    f.sort_by(|a, b| a.path.cmp(&b.path));
    f
}

fn file<'a>(files: &'a [File], path: &str) -> &'a str {
    files.iter().find(|f| f.path == path).map(|f| f.contents.as_str()).unwrap_or_else(|| panic!("no file {path}"))
}

/// The block of a config that starts with the line `start` (up to its closing brace).
fn block<'a>(conf: &'a str, start: &str) -> &'a str {
    let Some(i) = conf.find(start) else { panic!("no `{start}` in\n{conf}") };
    let rest = &conf[i..];
    let end = rest.find("\n}\n").map(|e| e + 3).unwrap_or(rest.len());
    &rest[..end]
}

#[test]
fn calico_gateway_reflects_for_wds_and_sets_next_hop_on_the_backbone() {
    let p = example("calico-wds-hkg.yaml");
    let files = router_files(&p);
    let paths: Vec<&str> = files.iter().map(|f| f.path.as_str()).collect();
    assert_eq!(
        paths,
        [
            "routers/cn-ns/bird.conf",
            "routers/cn-ns/install.sh",
            "routers/cn-ns/meshplan.conf",
            "routers/gateway/bird.conf",
            "routers/gateway/install.sh",
            "routers/gateway/meshplan.conf",
            "routers/global-ns/bird.conf",
            "routers/global-ns/install.sh",
            "routers/global-ns/meshplan.conf"
        ]
    );
    let whole = file(&files, "routers/gateway/bird.conf");
    assert!(whole.contains("router id 192.168.100.1;"), "{whole}");
    assert!(whole.contains("\ninclude \"meshplan.conf\";\n"), "{whole}");
    let gw = file(&files, "routers/gateway/meshplan.conf");
    // The part joins a config that runs: no router id, device or kernel protocol of its own.
    for global in ["router id", "protocol device", "protocol kernel", "protocol direct", "\ntable "] {
        assert!(!gw.contains(&format!("\n{}", global.trim_start_matches('\n'))), "the part defines `{global}`:\n{gw}");
    }
    assert!(gw.contains("filter mp_v4 {\n  if net ~ [ 10.42.0.0/16{26,32} ] then accept;\n  reject;\n}"), "{gw}");
    assert!(!gw.contains("ipv6"), "IPv4-only cluster: {gw}");

    let backbone = block(gw, "template bgp mp_backbone_v4 {");
    for line in [
        "local 192.168.100.1 as 64512;",
        "next hop self;",
        "gateway recursive;",
        "igp table master4;",
        "import filter mp_v4;",
        "export filter mp_v4;",
        "hold time 30;",
    ] {
        assert!(backbone.contains(line), "backbone template lacks `{line}`:\n{backbone}");
    }
    assert!(!backbone.contains("rr client"), "{backbone}");

    let clients = block(gw, "template bgp mp_clients_v4 {");
    for line in ["rr client;", "rr cluster id 192.168.100.1;", "gateway recursive;"] {
        assert!(clients.contains(line), "clients template lacks `{line}`:\n{clients}");
    }
    assert!(!clients.contains("next hop self"), "reflected routes keep the node as next hop:\n{clients}");

    let to_global = block(gw, "protocol bgp mp_backbone_global_ns_v4 from mp_backbone_v4 {");
    assert!(to_global.contains("neighbor 100.64.1.106 as 64512;") && to_global.contains("multihop;"), "{to_global}");
    // cn-ns is joined to the gateway by a ZeroTier link, whose addresses are
    // not the ones they peer on: no shared network, so multihop too.
    let to_cn = block(gw, "protocol bgp mp_backbone_cn_ns_v4 from mp_backbone_v4 {");
    assert!(to_cn.contains("multihop;"), "{to_cn}");
    let master = block(gw, "protocol bgp mp_clients_kubemaster_v4 from mp_clients_v4 {");
    assert!(!master.contains("multihop"), "kubemaster is on the gateway's LAN:\n{master}");
    assert!(master.contains("neighbor 192.168.100.251 as 64512;"), "{master}");
    assert_eq!(gw.matches("protocol bgp ").count(), 4, "two clients and two backbone peers:\n{gw}");

    let kernel = block(whole, "protocol kernel mp_kernel_v4 {");
    assert!(!kernel.contains("merge paths"), "{kernel}");
    for line in ["learn;", "if source = RTS_BGP then accept;"] {
        assert!(kernel.contains(line), "kernel protocol lacks `{line}`:\n{kernel}");
    }

    // cn-ns reflects for no one: backbone only, no cluster id.
    let cn = file(&files, "routers/cn-ns/meshplan.conf");
    assert!(!cn.contains("rr client") && !cn.contains("template bgp mp_clients"), "{cn}");
    assert_eq!(cn.matches("protocol bgp ").count(), 2, "{cn}");
    // global-ns reflects for the Hong Kong node.
    let gl = file(&files, "routers/global-ns/meshplan.conf");
    assert!(gl.contains("rr cluster id 100.64.1.106;") && gl.contains("neighbor 10.2.5.7 as 64512;"), "{gl}");

    let sh = file(&files, "routers/gateway/install.sh");
    for line in [
        "#!/bin/sh\n",
        "set -eu",
        "bird -p -c \"$STAGE\"",
        "birdc_ configure",
        "ADDRESSES=192.168.100.1",
        "MAIN=\"${CONFIG:-$ROOT/etc/bird/bird.conf}\"",
    ] {
        assert!(sh.contains(line), "install.sh lacks `{line}`:\n{sh}");
    }
}

#[test]
fn cilium_frr_router_peers_ebgp_in_both_families() {
    let p = example("cilium-dualstack-frr.yaml");
    let files = router_files(&p);
    let whole = file(&files, "routers/freebsd/frr.conf");
    for line in [
        " no bgp default ipv4-unicast\n",
        " bgp bestpath as-path multipath-relax\n",
        " bgp bestpath compare-routerid\n",
        "  maximum-paths 8\n",
    ] {
        assert!(whole.contains(line), "frr.conf lacks `{}`:\n{whole}", line.trim_end());
    }
    let conf = file(&files, "routers/freebsd/meshplan.conf");
    // Merged into a running FRR, the part leaves the operator's sessions alone...
    for global in ["no bgp default", "timers bgp", "hostname", "frr defaults"] {
        assert!(!conf.contains(global), "the part sets `{global}` router-wide:\n{conf}");
    }
    // ...but carries the best-path and ECMP settings the plan's predictions rest
    // on: without them a merged router keeps the older eBGP route.
    for line in [" bgp bestpath as-path multipath-relax\n", " bgp bestpath compare-routerid\n", "  maximum-paths 8\n"] {
        assert!(conf.contains(line), "meshplan.conf lacks `{}`:\n{conf}", line.trim_end());
    }
    for line in [
        "router bgp 64513\n",
        " bgp router-id 172.16.10.1\n",
        " neighbor MP-EBGP-V4 timers 10 30\n",
        "  no neighbor MP-EBGP-V6 activate\n",
        " neighbor MP-EBGP-V4 peer-group\n",
        " neighbor MP-EBGP-V4 remote-as 64512\n",
        " neighbor MP-EBGP-V4 update-source 172.16.10.1\n",
        " neighbor 172.16.10.20 peer-group MP-EBGP-V4\n",
        " neighbor MP-EBGP-V6 remote-as 64512\n",
        " neighbor 2001:db8:beef:aa10::25 peer-group MP-EBGP-V6\n",
        "  neighbor MP-EBGP-V4 activate\n",
        "  neighbor MP-EBGP-V6 activate\n",
        "  neighbor MP-EBGP-V4 next-hop-self\n",
        "  neighbor MP-EBGP-V4 route-map MESHPLAN-V4 in\n",
        "  neighbor MP-EBGP-V6 route-map MESHPLAN-V6 out\n",
        "ip prefix-list MESHPLAN-V4 seq 10 permit 10.42.0.0/16 ge 24\n",
        "ipv6 prefix-list MESHPLAN-V6 seq 10 permit 2001:db8:beef:aa42::/96 ge 112\n",
        "ip prefix-list MESHPLAN-V4 seq 20 permit 10.43.0.0/16 le 32\n",
        "ip prefix-list MESHPLAN-V4 seq 40 permit 192.0.2.240/29 le 32\n",
        "ipv6 prefix-list MESHPLAN-V6 seq 40 permit 2001:db8:beef:aa01::240/125 le 128\n",
    ] {
        assert!(conf.contains(line), "frr.conf lacks `{}`:\n{conf}", line.trim_end());
    }
    assert!(!conf.contains("ebgp-multihop"), "all neighbours share the home LAN:\n{conf}");
    assert!(!conf.contains("route-reflector-client"), "eBGP neighbours are no reflector clients:\n{conf}");
    assert!(!conf.contains("ebgp-requires-policy"), "policies are applied, RFC 8212 stays on:\n{conf}");
    // IPv4 neighbours are activated only in the IPv4 family.
    let v6 = &conf[conf.find("address-family ipv6 unicast").unwrap_or(0)..];
    assert!(!v6.contains("MP-EBGP-V4"), "{v6}");
    let sh = file(&files, "routers/freebsd/install.sh");
    for line in [
        "#!/bin/sh\n",
        "FRR_DIR=\"$ROOT/usr/local/etc/frr\"",
        "service frr start",
        "pkg install -y frr10",
        "gateway_enable",
        "net.inet6.ip6.forwarding",
        "frr_enable=YES",
        "vtysh_ -f \"$HERE/meshplan.conf\"",
        "vtysh_ -c 'write memory'",
    ] {
        assert!(sh.contains(line), "install.sh lacks `{line}`:\n{sh}");
    }
    assert!(!sh.contains("sysctl.d") && !sh.contains("apt-get") && !sh.contains("bgpd=yes"), "{sh}");
}

fn lab_design(case: &str) -> Plan {
    let p = root().join("tests/data/lab").join(case).join("topology.yaml");
    load(&p).unwrap_or_else(|| panic!("{} does not parse", p.display()))
}

#[test]
fn frr_reflector_marks_clients_and_forces_next_hop_self_on_the_backbone() {
    let p = lab_design("two-site-rr");
    let files = router_files(&p);
    let conf = file(&files, "routers/west-rr1/frr.conf");
    for line in [
        " bgp cluster-id 10.20.1.1\n",
        " neighbor MP-CLIENTS-V4 remote-as 64600\n",
        " neighbor 10.20.1.11 peer-group MP-CLIENTS-V4\n",
        " neighbor 10.10.1.1 peer-group MP-BACKBONE-V4\n",
        "  neighbor MP-CLIENTS-V4 route-reflector-client\n",
        "  neighbor MP-BACKBONE-V4 next-hop-self force\n",
        "  maximum-paths ibgp 8 equal-cluster-length\n",
    ] {
        assert!(conf.contains(line), "frr.conf lacks `{}`:\n{conf}", line.trim_end());
    }
    assert!(!conf.contains("MP-CLIENTS-V4 next-hop-self"), "reflected routes keep the node as next hop:\n{conf}");
    assert!(!conf.contains("ebgp-multihop"), "{conf}");
    // The BIRD reflectors of the other site: two clients, three backbone peers.
    let east = file(&files, "routers/east-rr1/meshplan.conf");
    assert_eq!(east.matches(" from mp_clients_v4 {").count(), 2, "{east}");
    assert_eq!(east.matches(" from mp_backbone_v4 {").count(), 3, "{east}");
}

#[test]
fn ebgp_edges_behind_a_host_peer_multihop_in_both_families() {
    let p = lab_design("ebgp-multihop");
    let files = router_files(&p);
    let frr = file(&files, "routers/edge-frr/frr.conf");
    for line in [
        "router bgp 65010\n",
        " neighbor 10.30.0.11 ebgp-multihop 255\n",
        " neighbor fd00:30::12 ebgp-multihop 255\n",
        " neighbor MP-BACKBONE-EBGP-V4 remote-as 65020\n",
        " neighbor MP-BACKBONE-EBGP-V6 update-source fd00:20::1\n",
        "  neighbor MP-BACKBONE-EBGP-V6 route-map MESHPLAN-V6 in\n",
        "ipv6 prefix-list MESHPLAN-V6 seq 10 permit fd00:46::/48 ge 122\n",
    ] {
        assert!(frr.contains(line), "frr.conf lacks `{}`:\n{frr}", line.trim_end());
    }
    let bird = file(&files, "routers/edge-bird/meshplan.conf");
    let to_node = block(bird, "protocol bgp mp_ebgp_node_a_v6 from mp_ebgp_v6 {");
    assert!(to_node.contains("neighbor fd00:30::11 as 64512;") && to_node.contains("multihop;"), "{to_node}");
    let tmpl = block(bird, "template bgp mp_ebgp_v6 {");
    assert!(tmpl.contains("local fd00:21::1 as 65020;") && tmpl.contains("next hop self;"), "{tmpl}");
    assert!(!tmpl.contains("gateway recursive") && !tmpl.contains("rr client"), "{tmpl}");
    assert!(bird.contains("filter mp_v6 {\n  if net ~ [ fd00:46::/48{122,128} ] then accept;"), "{bird}");
}

#[test]
fn routers_without_a_daemon_get_no_files() {
    let p = load(&root().join("tests/data/check/blackhole-host/topology.yaml"))
        .unwrap_or_else(|| panic!("blackhole-host does not parse"));
    let files = router_files(&p);
    assert!(files.iter().all(|f| !f.path.contains("cn-ns")), "cn-ns is a plain host");
    let gw = file(&files, "routers/gateway/meshplan.conf");
    assert!(gw.contains("protocol bgp mp_backbone_global_ns_v4 from mp_backbone_v4"), "{gw}");
}

#[test]
fn prefix_ranges_of_pools() {
    let p = example("cilium-dualstack-frr.yaml");
    let acc: Vec<String> =
        bird::accepted(&p).iter().map(|a| format!("{}{{{},{}}} {}", a.net, a.ge, a.le, a.what)).collect();
    assert_eq!(
        acc,
        [
            "10.42.0.0/16{24,32} pod range",
            "2001:db8:beef:aa42::/96{112,128} pod range",
            "10.43.0.0/16{16,32} service range",
            "fddd:dead:beef::/112{112,128} service range",
            "172.31.0.0/16{16,32} LB pool internal",
            "2001:db8:beef:aa31::/64{64,128} LB pool internal",
            "192.0.2.240/29{29,32} LB pool public",
            "2001:db8:beef:aa01::240/125{125,128} LB pool public",
        ]
    );
}

/// Every topology whose routers the tools check: the examples, the lab designs,
/// and the check cases without errors.
fn all_topologies() -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut push_dir = |dir: PathBuf, nested: bool| {
        let rd = fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
        let mut v: Vec<PathBuf> = rd.map(|e| e.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path()).collect();
        v.sort();
        for p in v {
            if nested {
                let t = p.join("topology.yaml");
                assert!(t.is_file(), "{}: a case folder without topology.yaml", p.display());
                out.push(t);
            } else if p.extension().is_some_and(|e| e == "yaml") {
                out.push(p);
            }
        }
    };
    push_dir(root().join("examples"), false);
    push_dir(root().join("tests/data/lab"), true);
    push_dir(root().join("tests/data/check"), true);
    out
}

fn run(cmd: &str, args: &[&str]) -> (bool, String) {
    match Command::new(cmd).args(args).output() {
        Ok(o) => (
            o.status.success(),
            format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr)),
        ),
        Err(e) => panic!("`{cmd}` cannot run ({e}): install it (cargo xtask test installs the test tools)"),
    }
}

#[test]
fn real_tools_accept_every_router_config() {
    let dump = std::env::var_os("MESHPLAN_DUMP_ROUTERS").map(PathBuf::from);
    let tmp = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("routers");
    let _ = fs::remove_dir_all(&tmp);
    let mut checked = 0;
    let mut failures = Vec::new();
    for topo in all_topologies() {
        // Every fixture parses (the check cases with parse errors give no plan, so
        // they are the only ones passed over).
        let Some(p) = load(&topo) else {
            assert!(topo.components().any(|c| c.as_os_str() == "check"), "{} does not parse", topo.display());
            continue;
        };
        let lab = topo.components().any(|c| c.as_os_str() == "lab");
        let blackhole_case = topo.to_string_lossy().contains("blackhole");
        if diag::has_errors(&p.diagnostics) && !lab && !blackhole_case {
            continue;
        }
        let case =
            topo.parent().and_then(|d| d.file_name()).map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
        let case = if case == "examples" {
            topo.file_stem().map(|s| s.to_string_lossy().to_string()).unwrap_or_default()
        } else {
            case
        };
        let files = router_files(&p);
        // All written first: a router's bird.conf includes the meshplan.conf beside it.
        for f in &files {
            for base in std::iter::once(&tmp).chain(dump.as_ref()) {
                let path = base.join(&case).join(&f.path);
                if let Some(d) = path.parent() {
                    fs::create_dir_all(d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
                }
                fs::write(&path, &f.contents).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
            }
        }
        for f in files {
            let path = tmp.join(&case).join(&f.path);
            let ps = path.to_string_lossy().to_string();
            let label = format!("{case}/{}", f.path);
            if f.path.ends_with("bird.conf") {
                let (ok, out) = run("bird", &["-p", "-c", &ps]);
                if !ok {
                    failures.push(format!("{label}: bird -p: {out}"));
                }
            } else if f.path.ends_with("frr.conf") {
                let (ok, out) = run("vtysh", &["-C", "-f", &ps]);
                if !ok || out.lines().any(|l| l.starts_with('%') || l.contains("Unknown command")) {
                    failures.push(format!("{label}: vtysh -C: {out}"));
                }
                let (_, out) = run("/usr/lib/frr/bgpd", &["-C", "-f", &ps]);
                if out.lines().any(|l| {
                    l.contains("Unknown command")
                        || l.contains("No such command")
                        || l.contains("% ")
                        || l.contains("[EC ")
                        || l.contains("rror")
                }) {
                    failures.push(format!("{label}: bgpd -C: {out}"));
                }
            } else if f.path.ends_with(".sh") {
                // Router scripts are POSIX sh (FreeBSD and Alpine have no bash).
                let (ok, out) = run("dash", &["-n", &ps]);
                if !ok {
                    failures.push(format!("{label}: dash -n: {out}"));
                }
                let (ok, out) = run("shellcheck", &["-x", &ps]);
                if !ok {
                    failures.push(format!("{label}: shellcheck: {out}"));
                }
                assert!(f.executable, "{label} is a script");
            }
            checked += 1;
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(checked >= 8, "only {checked} files checked");
}

#[test]
fn same_plan_same_bytes() {
    let p = example("calico-wds-hkg.yaml");
    assert_eq!(router_files(&p), router_files(&p));
}

/// FRR installs an equal-cost eBGP route beside a single-hop eBGP best only
/// when its next hop is on a connected network (zebra may not recurse: seed
/// 2022 of the lab fuzz). r0a's best for the s1/s2 blocks is r0b's (on its
/// LAN); r1b's and r2a's equal routes come over multihop sessions and stay out.
#[test]
fn frr_keeps_only_connected_next_hops_beside_a_single_hop_ebgp_best() {
    let p = root().join("tests/data/lab/regress-frr-ebgp-connected-only/topology.yaml");
    let src = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let t = parse(&src).topology.unwrap_or_else(|| panic!("{} does not parse", p.display()));
    let plan = plan::build(&t);
    let u = meshplan_core::underlay::Underlay::new(&t);
    let mut next = meshplan_core::plan::nexthop::NextDevices::new(&plan, &u);
    let mut checked = 0;
    for (i, pre) in plan.routing.prefixes.iter().enumerate() {
        if pre.origin.starts_with("n1") || pre.origin.starts_with("n2") {
            assert_eq!(next.get("r0a", i), vec!["r0b".to_string()], "r0a for {} ({})", pre.net, pre.origin);
            checked += 1;
        }
    }
    assert_eq!(checked, 4, "the s1 and s2 blocks");
}

/// Two reflectors that each prefer the other's copy of a node's route (fuzz
/// seed 4113; tests/data/check/timing-dependent says why): the plan gives both
/// answers, W103 names the pair, and `plan::settled` is the network that took
/// the other one, forwarding followed again.
#[test]
fn reflectors_preferring_each_others_copy_settle_either_way() {
    let p = root().join("tests/data/check/timing-dependent/topology.yaml");
    let src = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let t = parse(&src).topology.unwrap_or_else(|| panic!("{} does not parse", p.display()));
    let first = plan::build(&t);
    let w103: Vec<_> = first.diagnostics.iter().filter(|d| d.code == diag::Code::W103).collect();
    assert_eq!(w103.len(), 1, "{w103:?}");
    assert!(
        w103[0].message.contains("`rr-b1` via n-a or via rr-b2, `rr-b2` via rr-b1 or via n-a"),
        "{}",
        w103[0].message
    );
    // Only the other answer loops (the lab saw it there): the warning says so.
    assert!(w103[0].message.contains("the other way adds E100: forwarding loop"), "{}", w103[0].message);
    assert!(!first.diagnostics.iter().any(|d| d.code == diag::Code::E100), "this way does not loop");
    let other = plan::settled(&t, &first, |_| true);
    let via = |p: &Plan, device: &str| -> Vec<String> {
        p.reach(device)
            .learned
            .iter()
            .filter(|l| l.prefix.to_string() == "10.42.0.0/26") // n-a's block
            .map(|l| l.via.clone())
            .collect()
    };
    assert_eq!((via(&first, "rr-b1"), via(&first, "rr-b2")), (vec!["n-a".to_string()], vec!["rr-b1".to_string()]));
    assert_eq!((via(&other, "rr-b1"), via(&other, "rr-b2")), (vec!["rr-b2".to_string()], vec!["n-a".to_string()]));
    // Settling back gives the first answer again; choosing nothing changes nothing.
    let back = plan::settled(&t, &other, |_| true);
    assert_eq!((via(&back, "rr-b1"), via(&back, "rr-b2")), (via(&first, "rr-b1"), via(&first, "rr-b2")));
    assert_eq!(plan::settled(&t, &first, |_| false).to_json_text(), first.to_json_text());
}
