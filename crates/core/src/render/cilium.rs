//! Renderer: Cilium (`cluster/cilium/`).
//!
//! - `values.yaml`: values for the Helm chart of the pinned version: routing mode
//!   (native with the pod CIDRs as native-routing CIDRs, or the VXLAN tunnel),
//!   `autoDirectNodeRoutes` only when every node shares one L2 network, cluster-pool
//!   IPAM with the plan's pod CIDRs and mask sizes, the families, the BGP control
//!   plane, kube-proxy replacement with the first server's API address, the MTU
//!   that leaves pods the plan's pod MTU, and masquerading per family: off where
//!   the routers learn the pod ranges, on where they do not.
//! - `bgp.yaml` (when nodes peer with routers): `CiliumBGPPeerConfig` per family,
//!   one `CiliumBGPAdvertisement` (pod CIDRs, and LoadBalancer IPs when there are
//!   pools), and one `CiliumBGPClusterConfig` per group of nodes with the same
//!   routers, selected by their `region` label, exactly as the plan's sessions say.
//!   `cilium.io/v2` from Cilium 1.18 on, `cilium.io/v2alpha1` for 1.16 and 1.17.
//! - `lb-pools.yaml`: one `CiliumLoadBalancerIPPool` per `lb_pools` entry.
//! - `apply.sh`: helm upgrade --install from helm.cilium.io (or the chart tarball in
//!   the artifacts when airgapped), waits for the agents and the operator, then
//!   applies the pools and the BGP resources.
//!
//! Sources: the chart's `install/kubernetes/cilium/values.yaml` at v1.19.4 and main
//! (1.20.0-dev); `Documentation/network/bgp-control-plane/bgp-control-plane-configuration.rst`,
//! `Documentation/network/lb-ipam.rst` and `Documentation/installation/k3s.rst`;
//! the CRDs under `pkg/k8s/apis/cilium.io/client/crds/` (v2 from 1.18.0-pre.3 on,
//! "k8s: Promote BGPv2 CRDs to v2 API version"); `pkg/mtu/mtu.go` for the MTU.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::IpAddr;

use ipnet::IpNet;

use super::addon::{port, AddOn, ConfigValue, Kind, Mirror, Port};
use super::bootstrap::{routes_via_peers, Provides, Res, Step};
use super::common::{
    first_server, header, k8s_name, kube_prologue, on_a_server, script_start, sh_quote, yaml_str, HERE,
};
use super::File;
use crate::model::{AddrRange, Cni};
use crate::plan::{Family, Plan, SessionKind, SessionRole};

/// The Cilium release installed when the topology pins none ([`crate::versions`]).
pub const DEFAULT_VERSION: &str = crate::versions::CILIUM;
pub const DIR: &str = "cluster/cilium";
/// The script that deploys Cilium from a server, relative to the bundle root.
pub const APPLY: &str = "cluster/cilium/apply.sh";
/// Where fetch-artifacts.sh puts the chart (and helm) in airgap mode.
pub const ARTIFACTS_DIR: &str = "artifacts/cilium";
pub const HELM_REPO: &str = "https://helm.cilium.io";
/// The helm release fetched for airgapped installs (get.helm.sh publishes a
/// `.sha256sum` beside each archive).
pub const HELM_VERSION: &str = crate::versions::HELM;
/// The label that ties the peer configs' families to the advertisement (as the
/// Cilium documentation spells it).
const ADVERTISE_LABEL: (&str, &str) = ("advertise", "bgp");
/// The label that picks a LoadBalancer pool when there are several.
const POOL_LABEL: &str = "network";
/// Graceful restart keeps the routers' routes while an agent restarts.
const RESTART_SECONDS: u32 = 120;
/// TTL of eBGP sessions to routers that share no network with the node.
const EBGP_MULTIHOP_TTL: u32 = 255;

/// The Cilium version in force, as the chart spells it (no leading `v`).
pub fn version(plan: &Plan) -> String {
    let v = plan.cluster.cilium().version.unwrap_or_else(|| DEFAULT_VERSION.to_string());
    v.trim_start_matches('v').to_string()
}

/// `(major, minor)` of a version; `None` when it does not parse (counts as newest).
fn minor(v: &str) -> Option<(u32, u32)> {
    let mut it = v.trim_start_matches('v').split('.').map(|p| p.parse::<u32>().ok());
    Some((it.next().flatten()?, it.next().flatten()?))
}

fn at_least(v: &str, want: (u32, u32)) -> bool {
    minor(v).is_none_or(|m| m >= want)
}

/// The API of the BGP control plane v2 resources in this version: `cilium.io/v2`
/// from 1.18, `cilium.io/v2alpha1` in 1.16 and 1.17, none before 1.16 (only the
/// older `CiliumBGPPeeringPolicy`).
pub fn bgp_api(v: &str) -> Option<&'static str> {
    if at_least(v, (1, 18)) {
        Some("cilium.io/v2")
    } else if at_least(v, (1, 16)) {
        Some("cilium.io/v2alpha1")
    } else {
        None
    }
}

/// The API of `CiliumLoadBalancerIPPool` in this version (v2 from 1.18).
pub fn lb_api(v: &str) -> &'static str {
    if at_least(v, (1, 18)) {
        "cilium.io/v2"
    } else {
        "cilium.io/v2alpha1"
    }
}

/// Every node sits in one site whose members share an L2 network: only then may
/// Cilium install direct routes to the other nodes' pod ranges.
pub fn one_l2_network(plan: &Plan) -> bool {
    let sites: BTreeSet<&str> = plan.nodes.values().map(|n| n.site.as_str()).collect();
    sites.len() == 1 && sites.iter().all(|s| plan.sites.get(*s).is_some_and(|x| x.lan))
}

pub fn auto_direct_node_routes(plan: &Plan) -> bool {
    plan.cluster.cilium().native_routing && one_l2_network(plan)
}

/// Tunnels run over IPv6 when a node has no IPv4 address (the plan's data plane
/// says the same); Cilium's overhead is then 70 bytes instead of 50.
fn v6_underlay(plan: &Plan) -> bool {
    plan.nodes.values().any(|n| !n.addresses.iter().any(IpAddr::is_ipv4))
}

/// The `MTU` value: Cilium takes the MTU of the underlying network and subtracts
/// its own tunnel overhead (pkg/mtu: 50 bytes over IPv4, 70 over IPv6) for the
/// pod routes, so in tunnel mode the plan's pod MTU gets that overhead back.
pub fn mtu_value(plan: &Plan) -> u32 {
    if plan.cluster.cilium().native_routing {
        plan.pod_mtu
    } else {
        plan.pod_mtu + if v6_underlay(plan) { 70 } else { 50 }
    }
}

/// Cilium as an add-on of the bundle.
pub struct Cilium;

impl AddOn for Cilium {
    fn kind(&self) -> Kind {
        Kind::Cni
    }
    fn name(&self) -> &'static str {
        "Cilium"
    }
    fn in_design(&self, plan: &Plan) -> bool {
        plan.cluster.cni == Cni::Cilium
    }
    fn files(&self, plan: &Plan) -> Vec<File> {
        files(plan)
    }
    fn apply_script(&self) -> Option<&'static str> {
        Some(APPLY)
    }
    fn steps(&self) -> &'static [Step] {
        &[LABELS, HELM, LB_POOLS, BGP]
    }
    fn title_vars(&self, plan: &Plan) -> Vec<(&'static str, String)> {
        vec![("$CILIUM_VERSION", version(plan))]
    }
    /// Cilium brings its own CNI and policy engine, and replaces kube-proxy when asked
    /// (`Documentation/installation/k3s.rst`).
    fn k3s_settings(&self, plan: &Plan) -> Vec<(&'static str, ConfigValue)> {
        let mut v = vec![
            ("flannel-backend", ConfigValue::Str("none".into())),
            ("disable-network-policy", ConfigValue::Bool(true)),
        ];
        if plan.cluster.cilium().kube_proxy_replacement {
            v.push(("disable-kube-proxy", ConfigValue::Bool(true)));
        }
        v
    }
    /// LB-IPAM hands out service addresses when the topology gives it pools.
    fn hands_out_service_addresses(&self, plan: &Plan) -> bool {
        !plan.cluster.cilium().lb_pools.is_empty()
    }
    fn fetch_steps(&self, plan: &Plan) -> Option<String> {
        fetch_steps(plan)
    }
    fn artifact_lines(&self, plan: &Plan) -> Option<String> {
        artifact_lines(plan)
    }
    fn mirrors(&self) -> &'static [Mirror] {
        &[
            Mirror { var: "CILIUM_CHARTS", default: HELM_REPO, seeds: "" },
            Mirror { var: "HELM_DOWNLOADS", default: "https://get.helm.sh", seeds: "" },
        ]
    }
    /// No image list of the pinned chart is in meshplan's data: they come from
    /// the chart itself, `helm template` with this bundle's values.
    fn image_steps(&self, plan: &Plan) -> Option<String> {
        Some(image_steps(plan))
    }
    fn summary(&self, _plan: &Plan) -> Option<String> {
        Some("cilium".to_string())
    }
    /// Cilium's "Firewall rules".
    fn ports(&self, plan: &Plan) -> Vec<Port> {
        let mut v = Vec::new();
        if super::addon::bgp_to_routers(plan) {
            v.push(port("179/tcp", "nodes ↔ routers", "BGP (Cilium's BGP control plane)"));
        }
        if !plan.cluster.cilium().native_routing {
            v.push(port("8472/udp", "nodes ↔ nodes", "Cilium VXLAN"));
        }
        v.push(port("4240/tcp", "nodes ↔ nodes", "cilium-health"));
        v
    }
    fn check_undo(&self) -> (&'static str, &'static str) {
        ("kubectl -n kube-system rollout status daemonset/cilium", "helm uninstall cilium -n kube-system")
    }
    fn runbook_section(&self, plan: &Plan) -> Option<String> {
        runbook_section(plan)
    }
    fn verify_checks(&self, plan: &Plan) -> Option<String> {
        verify_checks(plan)
    }
}

/// The steps of apply.sh. The agents and the operator run in the host network.
const LABELS: Step = Step {
    title: "node labels (the BGP node selectors match on them)",
    needs: &[Res::KubeApi],
    provides: Provides::Always(&[Res::NodeMarks]),
};
const HELM: Step = Step {
    title: "Cilium $CILIUM_VERSION (helm)",
    needs: &[Res::KubeApi, Res::Upstream],
    provides: Provides::Depends(helm_provides),
};
const LB_POOLS: Step =
    Step { title: "LoadBalancer IP pools", needs: &[Res::CniCrds], provides: Provides::Always(&[Res::LbPools]) };
/// The agents already run: with the peers the routers learn the pod ranges.
const BGP: Step = Step {
    title: "BGP peering",
    needs: &[Res::CniCrds, Res::NodeMarks],
    provides: Provides::Always(&[Res::BgpConfig, Res::PodRoutes]),
};

/// Without peers to routers (one L2, or the VXLAN tunnel) the agents route pods themselves.
fn helm_provides(plan: &Plan) -> Vec<Res> {
    let mut v = vec![Res::CniAgents, Res::CniCrds];
    if !routes_via_peers(plan) {
        v.push(Res::PodRoutes);
    }
    v
}

fn files(plan: &Plan) -> Vec<File> {
    let mut out = vec![File::text(format!("{DIR}/values.yaml"), values(plan))];
    if !groups(plan).is_empty() {
        out.push(File::text(format!("{DIR}/bgp.yaml"), bgp(plan)));
    }
    if !plan.cluster.cilium().lb_pools.is_empty() {
        out.push(File::text(format!("{DIR}/lb-pools.yaml"), lb_pools(plan)));
    }
    out.push(File::script(APPLY, apply(plan)));
    out
}

/// True when the design routes this family's pod ranges: native routing, and
/// every node announces its range of the family to a router of the plan.
pub fn pods_routed(plan: &Plan, fam: Family) -> bool {
    plan.cluster.cilium().native_routing
        && !plan.nodes.is_empty()
        && plan.nodes.keys().all(|n| {
            plan.sessions
                .iter()
                .any(|s| s.a == *n && s.family == fam && matches!(s.role, SessionRole::RrClient | SessionRole::Ebgp))
        })
}

fn pod_cidr(plan: &Plan, fam: Family) -> Option<IpNet> {
    plan.cluster.pod_cidr.iter().copied().find(|n| Family::of_net(n) == fam)
}

fn values(plan: &Plan) -> String {
    let c = plan.cluster.cilium();
    let v = version(plan);
    let mut o =
        header(plan, "#", &format!("Helm values for the Cilium chart {v} ({HELM_REPO}), installed by apply.sh"));
    let v4 = pod_cidr(plan, Family::Ipv4);
    let v6 = pod_cidr(plan, Family::Ipv6);

    if c.kube_proxy_replacement {
        // k3s runs without kube-proxy (disable-kube-proxy): Cilium must reach the API
        // server directly, not through the service address kube-proxy would serve.
        o.push_str("kubeProxyReplacement: true\n");
        let host = first_server(plan).and_then(|s| plan.nodes.get(s)).and_then(|n| n.addresses.first());
        if let Some(h) = host {
            let _ = writeln!(o, "k8sServiceHost: {}\nk8sServicePort: 6443", yaml_str(&h.to_string()));
        }
    } else {
        o.push_str("kubeProxyReplacement: false\n");
    }

    if c.native_routing {
        o.push_str("# Pods are routed, not tunnelled: the routers learn the pod ranges by BGP.\nroutingMode: native\n");
        if let Some(n) = v4 {
            let _ = writeln!(o, "ipv4NativeRoutingCIDR: {}", yaml_str(&n.to_string()));
        }
        if let Some(n) = v6 {
            let _ = writeln!(o, "ipv6NativeRoutingCIDR: {}", yaml_str(&n.to_string()));
        }
        if auto_direct_node_routes(plan) {
            o.push_str("# Every node is on one L2 network: each installs direct routes to the others' pod ranges.\nautoDirectNodeRoutes: true\n");
        } else {
            o.push_str("# The nodes do not share one L2 network: pod traffic to other nodes goes to the default gateway.\nautoDirectNodeRoutes: false\n");
        }
    } else {
        o.push_str("routingMode: tunnel\ntunnelProtocol: vxlan\n");
        if v6_underlay(plan) {
            if at_least(&v, (1, 18)) {
                o.push_str("# Some nodes have no IPv4 address: the tunnel runs over IPv6.\nunderlayProtocol: ipv6\n");
            } else {
                o.push_str("# Some nodes have no IPv4 address, and Cilium before 1.18 tunnels over IPv4 only.\n");
            }
        }
    }
    let _ = writeln!(o, "ipv4:\n  enabled: {}\nipv6:\n  enabled: {}", v4.is_some(), v6.is_some());
    // Masquerading (chart default on, `enableIPv4Masquerade`/`enableIPv6Masquerade`)
    // hides pod addresses behind the node's: off where every node announces that
    // family's pod range to a router, as seed 003 does; on where nothing outside
    // the nodes knows the pod ranges, or replies would not find their way back.
    for (fam, net, key) in [(Family::Ipv4, v4, "enableIPv4Masquerade"), (Family::Ipv6, v6, "enableIPv6Masquerade")] {
        if net.is_some() {
            let routed = pods_routed(plan, fam);
            let why = if routed {
                "the routers learn this family's pod ranges by BGP: pods keep their own addresses"
            } else {
                "no router learns this family's pod ranges: traffic leaving the cluster takes the node's address"
            };
            let _ = writeln!(o, "# {why}\n{key}: {}", !routed);
        }
    }
    o.push_str("ipam:\n  mode: cluster-pool\n  operator:\n");
    if let Some(n) = v4 {
        let _ = writeln!(o, "    clusterPoolIPv4PodCIDRList:\n      - {}", yaml_str(&n.to_string()));
        let _ = writeln!(o, "    clusterPoolIPv4MaskSize: {}", c.mask_size_v4);
    }
    if let Some(n) = v6 {
        let _ = writeln!(o, "    clusterPoolIPv6PodCIDRList:\n      - {}", yaml_str(&n.to_string()));
        let _ = writeln!(o, "    clusterPoolIPv6MaskSize: {}", c.mask_size_v6);
    }
    if c.external_ips {
        // Services' spec.externalIPs, served by Cilium's kube-proxy replacement (chart `externalIPs.enabled`).
        o.push_str("externalIPs:\n  enabled: true\n");
    }
    let _ = writeln!(o, "bgpControlPlane:\n  enabled: {}", !groups(plan).is_empty());
    let _ = writeln!(
        o,
        "# The underlying network's MTU{}: pods get the plan's pod MTU of {}.\nMTU: {}",
        if c.native_routing { "" } else { " (Cilium subtracts its tunnel overhead)" },
        plan.pod_mtu,
        mtu_value(plan)
    );
    // The operator's replicas repel each other: one node holds one replica.
    let _ = writeln!(o, "operator:\n  replicas: {}", plan.nodes.len().clamp(1, 2));
    if plan.cluster.airgap {
        // The kit's archives carry tags, and a digest reference would not find them
        // (values.yaml: `image.useDigest`, `operator.image.useDigest`, `envoy.image.useDigest`,
        // each beside its `pullPolicy`).
        // And never `Always`, which asks the registry even for an image the node has.
        o.push_str(
            "  image:\n    useDigest: false\n    pullPolicy: IfNotPresent\n\
# Airgap: images by tag, as the kit's archives name them, and taken from the node.\n\
image:\n  useDigest: false\n  pullPolicy: IfNotPresent\nenvoy:\n  image:\n    useDigest: false\n    pullPolicy: IfNotPresent\n",
        );
    }
    o
}

/// One BGP neighbour of a node: a router address, as the plan's session has it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct PeerRef {
    router: String,
    family: Family,
    address: IpAddr,
    peer_asn: u32,
    multihop: bool,
}

impl PeerRef {
    fn name(&self) -> String {
        k8s_name(&[&self.router, self.family.as_str()])
    }
    fn config(&self) -> String {
        peer_config_name(self.family, self.multihop)
    }
}

fn peer_config_name(family: Family, multihop: bool) -> String {
    if multihop {
        format!("meshplan-{}-multihop", family.as_str())
    } else {
        format!("meshplan-{}", family.as_str())
    }
}

/// Nodes of one region that peer with the same routers: one `CiliumBGPClusterConfig`.
#[derive(Debug, Clone)]
struct Group {
    name: String,
    region: String,
    local_asn: u32,
    nodes: Vec<String>,
    peers: Vec<PeerRef>,
}

fn groups(plan: &Plan) -> Vec<Group> {
    let mut per_node: BTreeMap<&str, (u32, BTreeSet<PeerRef>)> = BTreeMap::new();
    for s in &plan.sessions {
        if !matches!(s.role, SessionRole::RrClient | SessionRole::Ebgp) || !plan.nodes.contains_key(&s.a) {
            continue;
        }
        let e = per_node.entry(s.a.as_str()).or_insert_with(|| (s.a_asn, BTreeSet::new()));
        e.1.insert(PeerRef {
            router: s.b.clone(),
            family: s.family,
            address: s.b_address,
            peer_asn: s.b_asn,
            multihop: s.multihop && s.kind == SessionKind::Ebgp,
        });
    }
    let mut by_key: BTreeMap<(String, u32, Vec<PeerRef>), Vec<String>> = BTreeMap::new();
    for (node, (asn, peers)) in per_node {
        let Some(np) = plan.nodes.get(node) else { continue };
        by_key.entry((np.region.clone(), asn, peers.into_iter().collect())).or_default().push(node.to_string());
    }
    let mut per_region: BTreeMap<String, usize> = BTreeMap::new();
    for (region, _, _) in by_key.keys() {
        *per_region.entry(region.clone()).or_default() += 1;
    }
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    by_key
        .into_iter()
        .map(|((region, local_asn, peers), nodes)| {
            let n = seen.entry(region.clone()).or_default();
            *n += 1;
            let name = if per_region.get(&region).copied().unwrap_or(0) > 1 {
                k8s_name(&["bgp", &region, &n.to_string()])
            } else {
                k8s_name(&["bgp", &region])
            };
            Group { name, region, local_asn, nodes, peers }
        })
        .collect()
}

/// The extra label every node of the group carries (the seed selects BGP nodes with
/// `bgp-enabled: "true"`), if any.
fn shared_bgp_label(plan: &Plan, nodes: &[String]) -> Option<String> {
    let mut values = nodes.iter().map(|n| plan.nodes.get(n).and_then(|x| x.labels.get("bgp-enabled")));
    let first = values.next().flatten()?;
    values.all(|v| v == Some(first)).then(|| first.clone())
}

fn bgp(plan: &Plan) -> String {
    let v = version(plan);
    let api = bgp_api(&v).unwrap_or("cilium.io/v2alpha1");
    let groups = groups(plan);
    let c = plan.cluster.cilium();
    let mut o = header(
        plan,
        "#",
        &format!("Cilium BGP control plane ({api}): each node peers with the routers that serve its site"),
    );
    if bgp_api(&v).is_none() {
        let _ = writeln!(o, "# Cilium {v} predates these resources (Cilium 1.16): apply.sh refuses to run.");
    }

    // Peer configs: one per family (and multihop), as the sessions need.
    let configs: BTreeSet<(Family, bool)> =
        groups.iter().flat_map(|g| g.peers.iter().map(|p| (p.family, p.multihop))).collect();
    for (family, multihop) in &configs {
        let _ = writeln!(o, "---\napiVersion: {api}\nkind: CiliumBGPPeerConfig\nmetadata:");
        let _ = writeln!(o, "  name: {}\nspec:", peer_config_name(*family, *multihop));
        if *multihop {
            let _ = writeln!(o, "  # The router shares no network with the nodes: eBGP needs a TTL above 1.\n  ebgpMultihop: {EBGP_MULTIHOP_TTL}");
        }
        let _ = writeln!(o, "  gracefulRestart:\n    enabled: true\n    restartTimeSeconds: {RESTART_SECONDS}");
        let _ = writeln!(
            o,
            "  families:\n    - afi: {}\n      safi: unicast\n      advertisements:\n        matchLabels:\n          {}: {}",
            family.as_str(),
            ADVERTISE_LABEL.0,
            yaml_str(ADVERTISE_LABEL.1)
        );
    }

    // What the nodes announce: their pod CIDR, and the LoadBalancer addresses.
    let _ = writeln!(o, "---\napiVersion: {api}\nkind: CiliumBGPAdvertisement\nmetadata:\n  name: meshplan-routes");
    let _ = writeln!(o, "  labels:\n    {}: {}", ADVERTISE_LABEL.0, yaml_str(ADVERTISE_LABEL.1));
    o.push_str("spec:\n  advertisements:\n    - advertisementType: PodCIDR\n");
    if !c.lb_pools.is_empty() || c.external_ips {
        let what = match (!c.lb_pools.is_empty(), c.external_ips) {
            (true, true) => "LoadBalancer and external addresses",
            (false, true) => "external addresses",
            _ => "LoadBalancer addresses",
        };
        let _ = writeln!(
            o,
            "    # Every service's {what} (a NotIn on a key no service has matches all).\n    - advertisementType: Service\n      service:\n        addresses:"
        );
        if c.external_ips {
            o.push_str("          - ExternalIP\n");
        }
        if !c.lb_pools.is_empty() {
            o.push_str("          - LoadBalancerIP\n");
        }
        o.push_str(concat!(
            "      selector:\n",
            "        matchExpressions:\n",
            "          - key: somekey\n",
            "            operator: NotIn\n",
            "            values:\n",
            "              - never-used-value\n",
        ));
    }

    // Which nodes peer with which routers.
    for g in &groups {
        let routers: BTreeSet<&str> = g.peers.iter().map(|p| p.router.as_str()).collect();
        let _ = writeln!(
            o,
            "---\n# region {}: {} peer with {}",
            g.region,
            g.nodes.join(", "),
            routers.into_iter().collect::<Vec<_>>().join(", ")
        );
        let _ = writeln!(o, "apiVersion: {api}\nkind: CiliumBGPClusterConfig\nmetadata:\n  name: {}\nspec:", g.name);
        o.push_str("  nodeSelector:\n    matchLabels:\n");
        let _ = writeln!(o, "      region: {}", yaml_str(&g.region));
        if let Some(val) = shared_bgp_label(plan, &g.nodes) {
            let _ = writeln!(o, "      bgp-enabled: {}", yaml_str(&val));
        }
        let in_region = plan.nodes.values().filter(|n| n.region == g.region).count();
        if in_region != g.nodes.len() {
            o.push_str(
                "    matchExpressions:\n      - key: kubernetes.io/hostname\n        operator: In\n        values:\n",
            );
            for n in &g.nodes {
                let _ = writeln!(o, "          - {}", yaml_str(n));
            }
        }
        let _ = writeln!(
            o,
            "  bgpInstances:\n    - name: {}\n      localASN: {}\n      peers:",
            yaml_str(&format!("instance-{}", g.local_asn)),
            g.local_asn
        );
        for p in &g.peers {
            let _ = writeln!(o, "        - name: {}", yaml_str(&p.name()));
            let _ = writeln!(o, "          peerASN: {}", p.peer_asn);
            let _ = writeln!(o, "          peerAddress: {}", yaml_str(&p.address.to_string()));
            let _ = writeln!(o, "          peerConfigRef:\n            name: {}", p.config());
        }
    }
    o
}

fn pool_name(pool: &str) -> String {
    let mut n = k8s_name(&[pool]);
    n.truncate(63);
    n
}

fn lb_pools(plan: &Plan) -> String {
    let c = plan.cluster.cilium();
    let api = lb_api(&version(plan));
    let several = c.lb_pools.len() > 1;
    let mut o = header(plan, "#", &format!("Cilium LB IPAM ({api}): the addresses LoadBalancer services get"));
    if several {
        let _ = writeln!(
            o,
            "# Several pools: a service picks one with the label `{POOL_LABEL}: <pool name>`; an unlabelled service gets none."
        );
    }
    for (name, ranges) in &c.lb_pools {
        let n = pool_name(name);
        let _ = writeln!(
            o,
            "---\napiVersion: {api}\nkind: CiliumLoadBalancerIPPool\nmetadata:\n  name: {n}\nspec:\n  blocks:"
        );
        for r in ranges {
            match r {
                AddrRange::Cidr(net) => {
                    let _ = writeln!(o, "    - cidr: {}", yaml_str(&net.trunc().to_string()));
                }
                AddrRange::Range(a, b) => {
                    let _ = writeln!(
                        o,
                        "    - start: {}\n      stop: {}",
                        yaml_str(&a.to_string()),
                        yaml_str(&b.to_string())
                    );
                }
            }
        }
        if several {
            let _ = writeln!(o, "  serviceSelector:\n    matchLabels:\n      {POOL_LABEL}: {}", yaml_str(&n));
        }
        if c.lb_reserve_first_last.contains(name) {
            // The CRD's enum is the strings "Yes" and "No"; undefined hands them out.
            o.push_str("  allowFirstLastIPs: \"No\"\n");
        }
    }
    o
}

fn apply(plan: &Plan) -> String {
    let v = version(plan);
    let airgap = plan.cluster.airgap;
    let has_bgp = !groups(plan).is_empty();
    let has_pools = !plan.cluster.cilium().lb_pools.is_empty();
    let mut o = script_start(
        plan,
        "Installs Cilium with Helm and applies its LoadBalancer pools and BGP peering. Run on a server, after every node is installed.",
    );
    o.push_str("# Usage: sudo ./cluster/cilium/apply.sh\n");
    if !airgap {
        o.push_str("# Needs helm 3 on this server (https://helm.sh/docs/intro/install/).\n");
    }
    o.push('\n');
    o.push_str(&on_a_server(plan));
    let _ = writeln!(o, "\nCILIUM_VERSION={}", sh_quote(&v));
    o.push_str(HERE);
    o.push_str(kube_prologue());
    if has_bgp && bgp_api(&v).is_none() {
        o.push_str(
            "echo \"error: Cilium $CILIUM_VERSION has no BGP control plane v2 (CiliumBGPClusterConfig came with Cilium 1.16): pin cluster.cilium.version to 1.16 or newer\" >&2\nexit 1\n",
        );
    }

    if airgap {
        let _ = writeln!(o, "ART=\"$HERE/../../{ARTIFACTS_DIR}\"");
        o.push_str(
            "CHART=\"$ART/cilium-$CILIUM_VERSION.tgz\"\n\
if [[ ! -f \"$CHART\" ]]; then\n  echo \"error: $CHART is missing: run fetch-artifacts.sh on a machine with Internet and copy artifacts/ beside this bundle\" >&2\n  exit 1\nfi\n\
HELM=(helm)\nif [[ -x \"$ART/helm\" ]]; then\n  HELM=(\"$ART/helm\")\nelif ! command -v helm >/dev/null 2>&1; then\n  \
echo \"error: helm is missing: fetch-artifacts.sh puts it in $ART/helm\" >&2\n  exit 1\nfi\n",
        );
    } else {
        o.push_str(
            "HELM=(helm)\nif ! command -v helm >/dev/null 2>&1; then\n  \
echo \"error: helm is missing: install helm 3 (https://helm.sh/docs/intro/install/), then run this script again\" >&2\n  exit 1\nfi\n",
        );
    }

    o.push('\n');
    o.push_str(&LABELS.header());
    for (name, n) in &plan.nodes {
        let mut labels = vec![sh_quote(&format!("region={}", n.region))];
        labels.extend(
            n.labels.iter().filter(|(k, _)| k.as_str() != "region").map(|(k, v)| sh_quote(&format!("{k}={v}"))),
        );
        let _ = writeln!(
            o,
            "if kc get node {node} >/dev/null 2>&1; then\n  kc label node {node} --overwrite {labels}\nelse\n  echo \"warning: node {node} has not joined yet; run this script again once it has\" >&2\nfi",
            node = sh_quote(name),
            labels = labels.join(" ")
        );
    }

    o.push('\n');
    o.push_str(&HELM.header());
    if airgap {
        o.push_str(
            "\"${HELM[@]}\" upgrade --install cilium \"$CHART\" \\\n  --namespace kube-system --values \"$HERE/values.yaml\"\n",
        );
    } else {
        let _ = writeln!(
            o,
            "\"${{HELM[@]}}\" upgrade --install cilium cilium --repo {} --version \"$CILIUM_VERSION\" \\\n  --namespace kube-system --values \"$HERE/values.yaml\"",
            sh_quote(HELM_REPO)
        );
    }
    o.push_str(
        "kc -n kube-system rollout status daemonset/cilium --timeout=900s\n\
kc -n kube-system rollout status deployment/cilium-operator --timeout=600s\n\
kc wait --for=condition=Ready node --all --timeout=600s\n",
    );
    // The operator registers the CRDs once it runs.
    let crd = |o: &mut String, name: &str| {
        let _ = writeln!(
            o,
            "wait_until 300 kc get crd {name}\nkc wait --for=condition=Established --timeout=120s crd/{name}"
        );
    };
    if has_pools {
        o.push('\n');
        o.push_str(&LB_POOLS.header());
        crd(&mut o, "ciliumloadbalancerippools.cilium.io");
        o.push_str("kc apply -f \"$HERE/lb-pools.yaml\"\nkc get ciliumloadbalancerippools.cilium.io\n");
    }
    if has_bgp {
        o.push('\n');
        o.push_str(&BGP.header());
        for n in ["ciliumbgppeerconfigs", "ciliumbgpadvertisements", "ciliumbgpclusterconfigs"] {
            crd(&mut o, &format!("{n}.cilium.io"));
        }
        o.push_str(
            "kc apply -f \"$HERE/bgp.yaml\"\nkc get ciliumbgpclusterconfigs.cilium.io,ciliumbgpnodeconfigs.cilium.io\n",
        );
    }
    o.push_str("echo \"Cilium is installed. Next: ./verify.sh from the bundle's top folder.\"\n");
    o
}

/// The runbook's Cilium section (markdown), for README.md.
fn runbook_section(plan: &Plan) -> Option<String> {
    if plan.cluster.cni != Cni::Cilium {
        return None;
    }
    let c = plan.cluster.cilium();
    let v = version(plan);
    let mut o = String::new();
    let _ = writeln!(o, "## Cilium {v}\n");
    o.push_str("| | |\n|---|---|\n");
    if c.native_routing {
        let cidrs: Vec<String> = plan.cluster.pod_cidr.iter().map(ToString::to_string).collect();
        let _ = writeln!(o, "| routing | native: pods are routed, not tunnelled ({}) |", cidrs.join(", "));
        let _ = writeln!(
            o,
            "| direct node routes | {} |",
            if auto_direct_node_routes(plan) {
                "on: every node is on one L2 network"
            } else {
                "off: the nodes share no L2 network; the routers carry the pod routes"
            }
        );
    } else {
        let _ = writeln!(o, "| routing | VXLAN tunnel |");
    }
    let masks: Vec<String> = plan
        .cluster
        .pod_cidr
        .iter()
        .map(|n| format!("{n} in /{}", if Family::of_net(n) == Family::Ipv4 { c.mask_size_v4 } else { c.mask_size_v6 }))
        .collect();
    let _ = writeln!(o, "| IPAM | cluster-pool: {} per node |", masks.join(", "));
    if c.kube_proxy_replacement {
        let host = first_server(plan).and_then(|s| plan.nodes.get(s)).and_then(|n| n.addresses.first());
        let _ = writeln!(
            o,
            "| kube-proxy | replaced by Cilium (k3s runs with `disable-kube-proxy`); API server {}:6443 |",
            host.map(ToString::to_string).unwrap_or_else(|| "(no server)".into())
        );
    } else {
        let _ = writeln!(o, "| kube-proxy | k3s's kube-proxy |");
    }
    let _ = writeln!(o, "| MTU | pods {} (Helm `MTU: {}`) |", plan.pod_mtu, mtu_value(plan));

    let groups = groups(plan);
    if !groups.is_empty() {
        let _ = writeln!(
            o,
            "\nBGP control plane ({}): each group of nodes is one `CiliumBGPClusterConfig` selected by its `region` label.\n",
            bgp_api(&v).unwrap_or("not available before Cilium 1.16")
        );
        o.push_str("| config | nodes | peer | address | AS (nodes → router) | session |\n|---|---|---|---|---|---|\n");
        for g in &groups {
            for p in &g.peers {
                let kind = if g.local_asn == p.peer_asn { "iBGP" } else { "eBGP" };
                let _ = writeln!(
                    o,
                    "| {} | {} | {} | {} | {} → {} | {kind}{} |",
                    g.name,
                    g.nodes.join(", "),
                    p.router,
                    p.address,
                    g.local_asn,
                    p.peer_asn,
                    if p.multihop { ", multihop" } else { "" }
                );
            }
        }
        o.push_str("\nThe nodes announce their pod CIDR");
        if !c.lb_pools.is_empty() {
            o.push_str(" and every LoadBalancer address");
        }
        o.push_str(". Cilium does not install the routes it learns: traffic to other nodes' pods leaves through the node's routes (direct routes, or the default gateway).\n");
    } else if !c.lb_pools.is_empty() {
        o.push_str("\n**Note:** no router serves the nodes' sites, so nothing announces the LoadBalancer addresses.\n");
    }
    if !c.lb_pools.is_empty() {
        o.push_str("\n| LB pool | blocks | services |\n|---|---|---|\n");
        let several = c.lb_pools.len() > 1;
        for (name, ranges) in &c.lb_pools {
            let r: Vec<String> = ranges.iter().map(ToString::to_string).collect();
            let n = pool_name(name);
            let who = if several { format!("labelled `{POOL_LABEL}: {n}`") } else { "all".to_string() };
            let _ = writeln!(o, "| {n} | {} | {who} |", r.join(", "));
        }
    }
    let first = first_server(plan).map(String::as_str).unwrap_or("a server");
    let _ = writeln!(
        o,
        "\nRun once on {first}, after every node is installed (nodes stay NotReady until then): `sudo ./{APPLY}`. \
It labels the nodes, runs `helm upgrade --install` with `values.yaml`, waits for the agents and the operator, \
then applies{}{}.",
        if !c.lb_pools.is_empty() { " `lb-pools.yaml`" } else { "" },
        if groups.is_empty() {
            ""
        } else if c.lb_pools.is_empty() {
            " `bgp.yaml`"
        } else {
            " and `bgp.yaml`"
        }
    );
    if plan.cluster.airgap {
        o.push_str(
            "\nAirgap: the chart and helm come from `artifacts/cilium/`, the images the chart names from the kit \
(`artifacts/images/`, imported by k3s; `values.yaml` names them by tag, not digest, so the archives match).\n",
        );
    }
    Some(o)
}

/// verify.sh's Cilium checks (bash), run inside verify.sh after its prologue: they
/// use its `kc`, `pass` and `fail`. Every agent ready, every planned BGP session
/// established (from each node's `CiliumBGPNodeConfig` status), no pool in conflict.
fn verify_checks(plan: &Plan) -> Option<String> {
    if plan.cluster.cni != Cni::Cilium {
        return None;
    }
    let mut o = String::from("\necho \"== Cilium\"\n");
    o.push_str(
        "if kc -n kube-system rollout status daemonset/cilium --timeout=60s >/dev/null 2>&1; then\n  \
pass \"Cilium agent runs on every node\"\nelse\n  fail \"Cilium agent runs on every node\"\nfi\n",
    );
    let groups = groups(plan);
    if !groups.is_empty() {
        o.push_str(
            "# $1 node, $2 router, $3 router address: the session's state as the node's agent reports it.\n\
check_cilium_peer() {\n  local node=$1 router=$2 addr=$3 state\n  \
state=\"$(kc get ciliumbgpnodeconfigs.cilium.io \"$node\" -o jsonpath='{range .status.bgpInstances[*].peers[*]}{.peerAddress}{\"=\"}{.peeringState}{\"\\n\"}{end}' 2>/dev/null \\\n    \
| awk -F= -v a=\"$addr\" '$1 == a {print $2; exit}' || true)\"\n  \
if [[ \"$state\" == established ]]; then\n    pass \"BGP $node ↔ $router ($addr) established\"\n  else\n    \
fail \"BGP $node ↔ $router ($addr) established (state: ${state:-unknown})\"\n  fi\n}\n",
        );
        for g in &groups {
            for n in &g.nodes {
                for p in &g.peers {
                    let _ = writeln!(
                        o,
                        "check_cilium_peer {} {} {}",
                        sh_quote(n),
                        sh_quote(&p.router),
                        sh_quote(&p.address.to_string())
                    );
                }
            }
        }
    }
    for name in plan.cluster.cilium().lb_pools.keys() {
        let n = pool_name(name);
        let _ = writeln!(
            o,
            "conflict=\"$(kc get ciliumloadbalancerippools.cilium.io {q} -o jsonpath='{{.status.conditions[?(@.type==\"cilium.io/PoolConflict\")].status}}' 2>/dev/null || true)\"\n\
if [[ \"$conflict\" == False ]]; then\n  pass \"LB pool {n} is in use without conflict\"\nelse\n  fail \"LB pool {n} is in use without conflict (conflict: ${{conflict:-pool missing}})\"\nfi",
            q = sh_quote(&n)
        );
    }
    Some(o)
}

/// fetch-artifacts.sh's Cilium step (bash), run inside that script: it uses its
/// `fetch`, `check`, `$HERE` and `$ARCH`. The chart tarball from helm.cilium.io
/// (whose index publishes no checksum file: it lands in SHA256SUMS), and helm
/// itself, checked against get.helm.sh's `.sha256sum`.
fn fetch_steps(plan: &Plan) -> Option<String> {
    if plan.cluster.cni != Cni::Cilium {
        return None;
    }
    let v = version(plan);
    let mut o = String::from("\n# Cilium: the Helm chart, and helm to install it.\n");
    let _ = writeln!(o, "CILIUM_DIR=\"$HERE/{ARTIFACTS_DIR}\"\nmkdir -p \"$CILIUM_DIR\"");
    let _ =
        writeln!(o, "fetch \"$CILIUM_CHARTS/\"{} \"$CILIUM_DIR/cilium-{v}.tgz\"", sh_quote(&format!("cilium-{v}.tgz")));
    let _ = writeln!(o, "HELM_VERSION={}", sh_quote(HELM_VERSION));
    o.push_str(
        "HELM_TGZ=\"helm-$HELM_VERSION-linux-$ARCH.tar.gz\"\n\
HELM_TMP=\"$(mktemp -d)\"\n\
fetch \"$HELM_DOWNLOADS/$HELM_TGZ\" \"$HELM_TMP/$HELM_TGZ\"\n\
fetch \"$HELM_DOWNLOADS/$HELM_TGZ.sha256sum\" \"$HELM_TMP/$HELM_TGZ.sha256sum\"\n\
check \"$HELM_TMP/$HELM_TGZ.sha256sum\" \"$HELM_TGZ\" \"$HELM_TMP/$HELM_TGZ\"\n\
tar -xzf \"$HELM_TMP/$HELM_TGZ\" -C \"$HELM_TMP\"\n\
install -m 0755 \"$HELM_TMP/linux-$ARCH/helm\" \"$CILIUM_DIR/helm\"\n\
rm -rf \"$HELM_TMP\"\n",
    );
    Some(o)
}

/// fetch-artifacts.sh's lines that add the images the chart renders with this
/// bundle's values (`helm template` runs offline) to the kit's list; a chart
/// that still pulls `Always` is named as a fault, for the nodes cannot pull.
fn image_steps(plan: &Plan) -> String {
    let v = version(plan);
    format!(
        "# Cilium: the images the chart renders with this bundle's values (helm template runs offline).\n\
HELM_BIN=\"$HERE/{dir}/helm\"\n\
if ! \"$HELM_BIN\" version >/dev/null 2>&1; then\n  HELM_BIN=helm\nfi\n\
if command -v \"$HELM_BIN\" >/dev/null 2>&1; then\n  \
\"$HELM_BIN\" template cilium \"$HERE/{dir}/cilium-{v}.tgz\" --namespace kube-system \\\n    \
--values \"$HERE/{DIR}/values.yaml\" > \"$IMAGES_LIST.cilium\"\n  \
manifest_images \"$IMAGES_LIST.cilium\" >> \"$IMAGES_LIST\"\n  \
if grep -q 'imagePullPolicy: Always' \"$IMAGES_LIST.cilium\"; then\n    \
MISSING+=(\"Cilium's chart pulls an image Always with these values, which fails offline: set its pullPolicy to IfNotPresent in {DIR}/values.yaml\")\n  fi\n  \
rm -f \"$IMAGES_LIST.cilium\"\nelse\n  \
MISSING+=(\"Cilium's images: no helm runs on this machine to read them from the chart (install helm 3, run again)\")\nfi\n",
        dir = ARTIFACTS_DIR,
    )
}

/// ARTIFACTS.txt's Cilium lines.
fn artifact_lines(plan: &Plan) -> Option<String> {
    if plan.cluster.cni != Cni::Cilium {
        return None;
    }
    let v = version(plan);
    Some(format!(
        "\nCilium {v}\n  {ARTIFACTS_DIR}/cilium-{v}.tgz\n      {HELM_REPO}/cilium-{v}.tgz\n      \
no checksum file upstream: recorded in artifacts/SHA256SUMS\n  {ARTIFACTS_DIR}/helm (helm {HELM_VERSION})\n      \
https://get.helm.sh/helm-{HELM_VERSION}-linux-$ARCH.tar.gz\n      sha256 checked against the .sha256sum beside it\n  \
The chart's images: those `helm template` of the chart names with cluster/cilium/values.yaml (the fetched\n  \
helm must run on the connected machine, or that machine's own helm 3 is used).\n"
    ))
}

#[cfg(test)]
mod tests {
    use super::{bgp_api, lb_api};

    #[test]
    fn api_by_version() {
        assert_eq!(bgp_api("1.15.7"), None);
        assert_eq!(bgp_api("1.16.0"), Some("cilium.io/v2alpha1"));
        assert_eq!(bgp_api("v1.17.4"), Some("cilium.io/v2alpha1"));
        assert_eq!(bgp_api("1.18.0"), Some("cilium.io/v2"));
        assert_eq!(bgp_api("1.20.2"), Some("cilium.io/v2"));
        assert_eq!(bgp_api("main"), Some("cilium.io/v2"));
        assert_eq!(lb_api("1.17.0"), "cilium.io/v2alpha1");
        assert_eq!(lb_api("1.18.0"), "cilium.io/v2");
    }
}
