//! The reader alone, on hand-written manifests; and on every example's bundle,
//! where what it derives must be exactly the plan's sessions.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use meshplan_core::plan::{self, Family};
use meshplan_core::render::bird;

use super::selector::{parse_calico, Labels};
use super::{derive, Advert, Agent, Deployed, Speaker};

/// A node's install script, as far as the reader looks: its k3s config heredoc.
fn install(name: &str, ips: &str, labels: &[&str]) -> (String, String) {
    let labels: String = labels.iter().map(|l| format!("  - \"{l}\"\n")).collect();
    let text = format!(
        "#!/usr/bin/env bash\nset -euo pipefail\ninstall_file /etc/rancher/k3s/config.yaml 0600 <<'EOF_X'\n\
node-name: \"{name}\"\nnode-ip: \"{ips}\"\nnode-label:\n{labels}cluster-cidr: \"10.42.0.0/16\"\nEOF_X\necho done\n"
    );
    (format!("nodes/{name}/install.sh"), text)
}

const INSTALLATION: &str = "apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata:\n  name: default\n\
spec:\n  calicoNetwork:\n    bgp: Enabled\n    nodeAddressAutodetectionV4:\n      kubernetes: NodeInternalIP\n\
---\napiVersion: operator.tigera.io/v1\nkind: APIServer\nmetadata:\n  name: default\nspec: {}\n";

/// Three Calico nodes: a and b in region east, c in west.
fn calico(bgp: &str) -> Vec<(String, String)> {
    vec![
        install("a", "10.0.0.1", &["region=east"]),
        install("b", "10.0.0.2", &["region=east", "rr=yes"]),
        install("c", "10.1.0.3", &["region=west"]),
        ("cluster/calico/installation.yaml".into(), INSTALLATION.into()),
        ("cluster/calico/bgp.yaml".into(), bgp.into()),
    ]
}

fn ok(files: &[(String, String)]) -> Deployed {
    match derive(files) {
        Ok(Some(d)) => d,
        Ok(None) => panic!("no CNI found"),
        Err(e) => panic!("{}", e.join("\n")),
    }
}

fn err(files: &[(String, String)]) -> String {
    match derive(files) {
        Err(e) => e.join("\n"),
        Ok(d) => panic!("accepted: {d:?}"),
    }
}

/// `address as asn` per peer of a node.
fn peers(d: &Deployed, node: &str) -> Vec<String> {
    let s: &Speaker = d.speakers.get(node).unwrap_or_else(|| panic!("no speaker for {node}"));
    let mut v: Vec<String> = s.peers.iter().map(|p| format!("{} as {}", p.address, p.asn)).collect();
    v.sort();
    v
}

const CONF: &str = "apiVersion: projectcalico.org/v3\nkind: BGPConfiguration\nmetadata:\n  name: default\nspec:\n";

#[test]
fn calico_mesh_on_peers_every_other_node_once_and_one_side_listens() {
    let d = ok(&calico(&format!("{CONF}  nodeToNodeMeshEnabled: true\n  asNumber: 64600\n")));
    assert_eq!(d.agent, Agent::Calico);
    assert_eq!(peers(&d, "a"), ["10.0.0.2 as 64600", "10.1.0.3 as 64600"]);
    assert_eq!(peers(&d, "c"), ["10.0.0.1 as 64600", "10.0.0.2 as 64600"]);
    let a = &d.speakers["a"];
    assert_eq!(a.asn, 64600);
    assert_eq!(a.router_id, Some("10.0.0.1".parse().unwrap_or_else(|e| panic!("{e}"))));
    // "10.0.0.2" > "10.0.0.1": a waits for b; b connects to a.
    assert!(a.peers.iter().all(|p| p.passive && !p.multihop && p.local == Some(IpAddr::from([10, 0, 0, 1]))));
    assert!(d.speakers["b"].peers.iter().any(|p| p.address == IpAddr::from([10, 0, 0, 1]) && !p.passive));
    assert!(a.peers.iter().all(|p| p.adverts.get(&Family::Ipv4) == Some(&vec![Advert::PodCidr])));
}

#[test]
fn calico_defaults_mesh_on_and_as_64512_without_a_bgp_configuration() {
    let d = ok(&calico("# nothing\n"));
    assert_eq!(peers(&d, "b"), ["10.0.0.1 as 64512", "10.1.0.3 as 64512"]);
}

#[test]
fn calico_mesh_off_leaves_only_the_selected_peers() {
    let bgp = format!(
        "{CONF}  nodeToNodeMeshEnabled: false\n---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: r-east\n\
spec:\n  nodeSelector: \"region == 'east'\"\n  peerIP: \"10.0.0.254\"\n  asNumber: 64512\n"
    );
    let d = ok(&calico(&bgp));
    assert_eq!(peers(&d, "a"), ["10.0.0.254 as 64512"]);
    assert_eq!(peers(&d, "b"), ["10.0.0.254 as 64512"]);
    assert!(peers(&d, "c").is_empty(), "c is in west");
    let p = &d.speakers["a"].peers[0];
    assert!(p.multihop && p.source.contains("BGPPeer/r-east"), "{p:?}");
}

#[test]
fn a_selector_value_that_differs_in_case_selects_nobody() {
    let bgp = format!(
        "{CONF}  nodeToNodeMeshEnabled: false\n---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: r\n\
spec:\n  nodeSelector: \"region == 'East'\"\n  peerIP: \"10.0.0.254\"\n  asNumber: 64512\n"
    );
    let d = ok(&calico(&bgp));
    assert!(d.speakers.values().all(|s| s.peers.is_empty()));
}

#[test]
fn calico_node_specific_and_hostname_peers() {
    let bgp = format!(
        "{CONF}  nodeToNodeMeshEnabled: false\n---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: only-c\n\
spec:\n  node: c\n  peerIP: \"10.1.0.254\"\n  asNumber: 65001\n  keepOriginalNextHop: true\n\
---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: by-host\n\
spec:\n  nodeSelector: \"region == 'east' && kubernetes.io/hostname in {{ 'b' }}\"\n  peerIP: \"10.0.0.253\"\n  asNumber: 64512\n  keepOriginalNextHop: true\n"
    );
    let d = ok(&calico(&bgp));
    assert!(peers(&d, "a").is_empty());
    assert_eq!(peers(&d, "b"), ["10.0.0.253 as 64512"]);
    assert_eq!(peers(&d, "c"), ["10.1.0.254 as 65001"]);
    // `next hop keep` only towards another AS (bird.cfg.template).
    assert!(d.speakers["c"].peers[0].next_hop_keep);
    assert!(!d.speakers["b"].peers[0].next_hop_keep);
}

#[test]
fn calico_peer_selector_peers_with_nodes_both_ways_with_their_own_as() {
    let bgp = format!(
        "{CONF}  nodeToNodeMeshEnabled: false\n  asNumber: 64600\n---\napiVersion: projectcalico.org/v3\nkind: Node\nmetadata:\n  name: b\n\
spec:\n  bgp:\n    asNumber: 64700\n---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: to-rr\n\
spec:\n  nodeSelector: \"!has(rr)\"\n  peerSelector: has(rr)\n"
    );
    let d = ok(&calico(&bgp));
    assert_eq!(peers(&d, "a"), ["10.0.0.2 as 64700"]);
    assert_eq!(peers(&d, "c"), ["10.0.0.2 as 64700"]);
    // The reverse side: b peers back with every node the BGPPeer's nodeSelector picks.
    assert_eq!(peers(&d, "b"), ["10.0.0.1 as 64600", "10.1.0.3 as 64600"]);
    assert_eq!(d.speakers["b"].asn, 64700);
}

#[test]
fn calico_peer_ip_of_a_node_gets_the_reverse_peering_when_the_as_matches() {
    let bgp = format!(
        "{CONF}  nodeToNodeMeshEnabled: false\n---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: c-to-a\n\
spec:\n  node: c\n  peerIP: \"10.0.0.1\"\n  asNumber: 64512\n"
    );
    let d = ok(&calico(&bgp));
    assert_eq!(peers(&d, "c"), ["10.0.0.1 as 64512"]);
    assert_eq!(peers(&d, "a"), ["10.1.0.3 as 64512"]);
    assert!(peers(&d, "b").is_empty());
    // With another AS, the peer is not the node a: no reverse peering.
    let d = ok(&calico(&bgp.replace("asNumber: 64512", "asNumber: 64999")));
    assert!(peers(&d, "a").is_empty());
}

#[test]
fn calico_refuses_what_it_does_not_read() {
    let unknown = format!(
        "{CONF}  nodeToNodeMeshEnabled: false\n---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: r\n\
spec:\n  peerIP: \"10.0.0.254\"\n  asNumber: 64512\n  password:\n    secretKeyRef: {{name: x, key: y}}\n"
    );
    assert!(err(&calico(&unknown)).contains("BGPPeer/r: spec.password: not a field"), "{}", err(&calico(&unknown)));
    let kind = "apiVersion: projectcalico.org/v3\nkind: BGPFilter\nmetadata:\n  name: f\nspec: {}\n";
    assert!(err(&calico(kind)).contains("BGPFilter is not a resource"));
    let sel = format!("{CONF}---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: r\nspec:\n  nodeSelector: \"region = 'east'\"\n  peerIP: 10.0.0.9\n  asNumber: 1\n");
    assert!(err(&calico(&sel)).contains("spec.nodeSelector: selector `region = 'east'`"));
    let no_as = format!(
        "{CONF}---\napiVersion: projectcalico.org/v3\nkind: BGPPeer\nmetadata:\n  name: r\nspec:\n  peerIP: 10.0.0.9\n"
    );
    assert!(err(&calico(&no_as)).contains("peerIP without asNumber"));
    let word = format!("{CONF}  nodeToNodeMeshEnabled: yes\n");
    assert!(err(&calico(&word)).contains("nodeToNodeMeshEnabled: true or false expected"), "{}", err(&calico(&word)));
}

#[test]
fn calico_selectors_follow_calicos_grammar() {
    let l: Labels =
        [("region", "east"), ("tier", "edge-1")].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    let yes = [
        "",
        "all()",
        "has(region)",
        "region == 'east'",
        "region == \"east\"",
        "region != 'west'",
        "zone != 'x'",
        "region in { 'west', 'east' }",
        "region not in {'west'}",
        "zone not in {'a'}",
        "tier starts with 'edge'",
        "tier ends with '-1'",
        "tier contains 'ge-'",
        "region == 'west' || tier == 'edge-1' && has(region)",
        "!(region == 'west')",
        "!has(zone) && (region == 'x' || region == 'east')",
    ];
    for s in yes {
        assert!(parse_calico(s).unwrap_or_else(|e| panic!("{e}")).matches(&l), "{s}");
    }
    let no =
        ["region == 'East'", "has(zone)", "region in {}", "region == 'west' || region == 'x' && has(region)", "!all()"];
    for s in no {
        assert!(!parse_calico(s).unwrap_or_else(|e| panic!("{e}")).matches(&l), "{s}");
    }
    for bad in ["region = 'x'", "region == east", "(has(a)", "has(a) &&", "global()", "region in 'x'", "a == 'x' b"] {
        assert!(parse_calico(bad).is_err(), "{bad}");
    }
}

// ---- Cilium ----

const VALUES: &str = "ipam:\n  mode: cluster-pool\nbgpControlPlane:\n  enabled: true\n";

fn cilium(bgp: &str, values: &str) -> Vec<(String, String)> {
    vec![
        install("h1", "172.16.0.1,fd00::1", &["region=home", "bgp-enabled=true"]),
        install("h2", "172.16.0.2,fd00::2", &["region=home"]),
        install("w1", "172.17.0.1", &["region=work", "bgp-enabled=true"]),
        ("cluster/cilium/values.yaml".into(), values.into()),
        ("cluster/cilium/bgp.yaml".into(), bgp.into()),
        (
            "cluster/cilium/lb-pools.yaml".into(),
            "apiVersion: cilium.io/v2\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: p\nspec:\n  blocks:\n    - cidr: 192.0.2.0/28\n".into(),
        ),
    ]
}

const PEER_CONFIGS: &str = concat!(
    "# header\n---\napiVersion: cilium.io/v2\nkind: CiliumBGPPeerConfig\nmetadata:\n  name: v4\nspec:\n",
    "  gracefulRestart:\n    enabled: true\n  families:\n    - afi: ipv4\n      safi: unicast\n",
    "      advertisements:\n        matchLabels:\n          advertise: bgp\n",
    "---\napiVersion: cilium.io/v2\nkind: CiliumBGPPeerConfig\nmetadata:\n  name: v6-silent\nspec:\n  ebgpMultihop: 255\n",
    "  families:\n    - afi: ipv6\n      safi: unicast\n      advertisements:\n        matchLabels:\n",
    "          advertise: nothing-has-this\n",
    "---\napiVersion: cilium.io/v2\nkind: CiliumBGPAdvertisement\nmetadata:\n  name: routes\n  labels:\n    advertise: bgp\n",
    "spec:\n  advertisements:\n    - advertisementType: PodCIDR\n    - advertisementType: Service\n",
    "      service:\n        addresses: [LoadBalancerIP]\n",
);

fn cluster(name: &str, selector: &str, peers: &str) -> String {
    format!(
        "---\napiVersion: cilium.io/v2\nkind: CiliumBGPClusterConfig\nmetadata:\n  name: {name}\nspec:\n{selector}{}{peers}",
        "  bgpInstances:\n    - name: i\n      localASN: 64512\n      peers:\n"
    )
}

const HOME_PEERS: &str = concat!(
    "        - name: r4\n          peerASN: 64513\n          peerAddress: 172.16.0.254\n",
    "          peerConfigRef:\n            name: v4\n",
    "        - name: r6\n          peerASN: 64513\n          peerAddress: \"fd00::fe\"\n",
    "          peerConfigRef:\n            name: v6-silent\n",
);

#[test]
fn cilium_cluster_config_selects_by_match_labels_and_peer_configs_give_families_and_adverts() {
    let sel = "  nodeSelector:\n    matchLabels:\n      region: home\n      bgp-enabled: \"true\"\n";
    let d = ok(&cilium(&format!("{PEER_CONFIGS}{}", cluster("home", sel, HOME_PEERS)), VALUES));
    assert_eq!(d.agent, Agent::Cilium);
    assert_eq!(d.speakers.keys().collect::<Vec<_>>(), ["h1"], "h2 lacks bgp-enabled, w1 is in work");
    assert_eq!(peers(&d, "h1"), ["172.16.0.254 as 64513", "fd00::fe as 64513"]);
    let s = &d.speakers["h1"];
    assert!(!s.installs_routes);
    let v4 = &s.peers[0];
    assert_eq!(v4.families, [Family::Ipv4]);
    assert_eq!(v4.adverts[&Family::Ipv4], [Advert::PodCidr, Advert::Service(vec!["LoadBalancerIP".into()])]);
    assert!(!v4.multihop);
    let v6 = &s.peers[1];
    assert_eq!(v6.families, [Family::Ipv6]);
    assert!(v6.adverts[&Family::Ipv6].is_empty(), "its advertisement selector matches nothing");
    assert!(v6.multihop && v6.local == Some("fd00::1".parse().unwrap_or_else(|e| panic!("{e}"))));
}

#[test]
fn cilium_match_expressions_and_no_selector() {
    let sel = concat!(
        "  nodeSelector:\n    matchExpressions:\n      - key: kubernetes.io/hostname\n        operator: In\n",
        "        values: [h2, w1]\n      - key: region\n        operator: NotIn\n        values: [work]\n"
    );
    let d = ok(&cilium(&format!("{PEER_CONFIGS}{}", cluster("c", sel, HOME_PEERS)), VALUES));
    assert_eq!(d.speakers.keys().collect::<Vec<_>>(), ["h2"]);
    // No selector: every node; no peerConfigRef: both families, nothing advertised.
    let bare = "        - name: r\n          peerASN: 64513\n          peerAddress: 172.16.0.254\n";
    let d = ok(&cilium(&cluster("all", "", bare), VALUES));
    assert_eq!(d.speakers.len(), 3);
    let p = &d.speakers["w1"].peers[0];
    assert_eq!(p.families, [Family::Ipv4, Family::Ipv6]);
    assert!(p.adverts.values().all(Vec::is_empty));
}

#[test]
fn cilium_wrong_label_value_leaves_the_node_without_a_speaker() {
    let sel = "  nodeSelector:\n    matchLabels:\n      region: Home\n";
    let d = ok(&cilium(&format!("{PEER_CONFIGS}{}", cluster("home", sel, HOME_PEERS)), VALUES));
    assert!(d.speakers.is_empty());
}

#[test]
fn cilium_control_plane_off_runs_no_speaker() {
    let d = ok(&cilium(
        &cluster("all", "", "        - name: r\n          peerASN: 1\n          peerAddress: 172.16.0.254\n"),
        "ipam:\n  mode: cluster-pool\n",
    ));
    assert!(d.speakers.is_empty());
    assert!(d.notes.iter().any(|n| n.contains("bgpControlPlane.enabled off")), "{:?}", d.notes);
}

#[test]
fn cilium_refuses_conflicts_missing_configs_and_unknown_fields() {
    let two = format!("{PEER_CONFIGS}{}{}", cluster("a", "", HOME_PEERS), cluster("b", "", HOME_PEERS));
    assert!(err(&cilium(&two, VALUES)).contains("node h1: selected by 2 CiliumBGPClusterConfigs"));
    let missing = cluster("a", "", HOME_PEERS);
    assert!(err(&cilium(&missing, VALUES)).contains("peerConfigRef `v4` names no CiliumBGPPeerConfig"));
    let auth = PEER_CONFIGS.replace("  ebgpMultihop: 255\n", "  authSecretRef: s\n");
    assert!(err(&cilium(&format!("{auth}{}", cluster("a", "", HOME_PEERS)), VALUES))
        .contains("spec.authSecretRef: not a field"));
    let any_as = HOME_PEERS.replace("peerASN: 64513", "peerASN: 0");
    assert!(err(&cilium(&format!("{PEER_CONFIGS}{}", cluster("a", "", &any_as)), VALUES)).contains("peerASN is 0"));
    let pool = PEER_CONFIGS.replace("advertisementType: PodCIDR", "advertisementType: CiliumPodIPPool");
    assert!(err(&cilium(&format!("{pool}{}", cluster("a", "", HOME_PEERS)), VALUES))
        .contains("CiliumPodIPPool` is not emulated"));
    let op =
        "  nodeSelector:\n    matchExpressions:\n      - key: region\n        operator: Gt\n        values: ['1']\n";
    assert!(err(&cilium(&format!("{PEER_CONFIGS}{}", cluster("a", op, HOME_PEERS)), VALUES)).contains("operator `Gt`"));
}

#[test]
fn a_node_without_node_ip_or_with_a_bad_label_is_an_error() {
    let mut files = calico("");
    files.push((
        "nodes/x/install.sh".into(),
        "install_file /etc/rancher/k3s/config.yaml 0600 <<'E'\nnode-name: x\nE\n".into(),
    ));
    assert!(err(&files).contains("nodes/x/install.sh: /etc/rancher/k3s/config.yaml: no node-ip"));
    let mut files = calico("");
    files.push(install("y", "10.9.9.9", &["region"]));
    assert!(err(&files).contains("`region` is not key=value"));
}

/// The examples' bundles as rendered: the reader must find, for every node, the
/// sessions the plan gives it (peer address, AS, family), no more, no fewer.
#[test]
fn every_example_bundle_deploys_exactly_the_planned_sessions() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut checked = 0;
    for e in ["calico-wds-hkg", "cilium-dualstack-frr", "flannel-metallb-pi", "kilo-multicloud"] {
        let src = std::fs::read_to_string(root.join(format!("{e}.yaml"))).unwrap_or_else(|x| panic!("{e}: {x}"));
        let t = meshplan_core::parse::parse(&src).topology.unwrap_or_else(|| panic!("{e} does not parse"));
        let p = plan::build(&t);
        let files: Vec<(String, String)> = meshplan_core::bundle::files(&t)
            .unwrap_or_else(|d| panic!("{e}: {d:?}"))
            .into_iter()
            .map(|f| (f.path, f.contents))
            .collect();
        let d = derive(&files).unwrap_or_else(|x| panic!("{e}: {}", x.join("\n")));
        for name in p.nodes.keys() {
            let planned: BTreeSet<(IpAddr, u32, Family)> =
                bird::sides(&p, name).iter().map(|s| (s.peer_address, s.peer_asn, s.family)).collect();
            let deployed: BTreeSet<(IpAddr, u32, Family)> = d
                .as_ref()
                .and_then(|d| d.speakers.get(name))
                .map(|s| {
                    s.peers
                        .iter()
                        .flat_map(|x| {
                            x.families
                                .iter()
                                .filter(|f| **f == Family::of(&x.address))
                                .map(move |f| (x.address, x.asn, *f))
                        })
                        .collect()
                })
                .unwrap_or_default();
            assert_eq!(deployed, planned, "{e}: node {name}");
            if let Some(s) = d.as_ref().and_then(|d| d.speakers.get(name)) {
                let my = p.speakers.get(name).map(|i| p.speakers.list[i].asn);
                assert_eq!(Some(s.asn), my, "{e}: {name}'s AS");
                checked += 1;
            }
        }
    }
    assert_eq!(checked, 3 + 6, "the Calico and Cilium examples' nodes all speak BGP");
    let _ = BTreeMap::<(), ()>::new();
}
