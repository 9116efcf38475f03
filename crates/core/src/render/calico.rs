//! Renderer: Calico through the Tigera operator (`cluster/calico/`).
//!
//! - `installation.yaml`: the operator's `Installation` (BGP on, the plan's pod MTU,
//!   one IP pool per pod CIDR, node addresses from the Kubernetes node object) and
//!   the `APIServer` that serves `projectcalico.org/v3`.
//! - `bgp.yaml`: `BGPConfiguration` `default` and one `BGPPeer` per router and
//!   region, exactly as the plan resolved the sessions, as `crd.projectcalico.org/v1`
//!   resources (see below).
//! - `apply.sh`: installs the operator of the pinned version and applies the rest
//!   in the order of [`super::bootstrap`]: the BGP resources before calico-node,
//!   and nothing served from a pod waited on before the pod routes exist.
//!
//! Why `crd.projectcalico.org/v1` and not `projectcalico.org/v3`: before Calico
//! v3.32, v3 is served only by the calico-apiserver pods, which kube-apiserver
//! reaches over the pod network, the very network these BGP peers build (a
//! deadlock when the apiserver pod lands in another site). The aggregated API
//! stores a v3 BGPPeer/BGPConfiguration spec unchanged in these CRDs
//! (libcalico-go `lib/backend/k8s/resources/bgppeer.go`, v3.26 to v3.31), and the
//! operator's manifest brings them, so seed 000's way works without the API
//! server. The cost (projectcalico/calico#6412): Calico's own validation and
//! defaulting are skipped, only the CRD schema applies; meshplan writes only
//! fields it has checked, and the real-tool test validates them against that schema.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use super::bootstrap::Step;
use super::common::{header, k8s_name, require_host, require_root, script_start, servers, sh_quote, yaml_str};
use super::File;
use crate::model::{CalicoEncapsulation, Cni};
use crate::plan::{Plan, SessionRole};

/// The Calico release installed when the topology pins none ([`crate::versions`]).
pub const DEFAULT_VERSION: &str = crate::versions::CALICO;
/// Where fetch-artifacts.sh puts the operator manifests and calicoctl in airgap mode.
pub const ARTIFACTS_DIR: &str = "artifacts/calico";

/// The Calico version in force.
pub fn version(plan: &Plan) -> String {
    plan.cluster.calico().version.unwrap_or_else(|| DEFAULT_VERSION.to_string())
}

/// From Calico v3.30 on, `tigera-operator.yaml` no longer carries the CRDs: they come
/// in `operator-crds.yaml`, applied first. Versions that do not parse count as new.
pub fn has_separate_crds(version: &str) -> bool {
    let mut it = version.trim_start_matches('v').split('.').map(|p| p.parse::<u32>().ok());
    match (it.next().flatten(), it.next().flatten()) {
        (Some(major), Some(minor)) => (major, minor) >= (3, 30),
        _ => true,
    }
}

/// The images of the Calico components the operator deploys for this design: the
/// `Component`s of tigera/operator v1.42.3 `pkg/components/calico.go` that
/// `pkg/render` uses on Linux without Calico Enterprise: calico-node with its
/// `cni` and `pod2daemon-flexvol` init containers (k3s keeps the default
/// FlexVolume path, `core_controller.go`), typha, kube-controllers, the CSI
/// driver and its registrar, and the API server of `installation.yaml`'s
/// `APIServer`. Not deployed: goldmane and whisker (no such resources), the
/// webhooks (only with the v3 CRDs), key-cert-provisioner (only with certificate
/// management), the Windows and FIPS variants, istio and the gateway's envoy.
pub const OPERATOR_COMPONENTS: [&str; 8] =
    ["apiserver", "cni", "csi", "kube-controllers", "node", "node-driver-registrar", "pod2daemon-flexvol", "typha"];

/// The registry the operator prefixes its components with: `registry` as
/// written, or the operator's default `quay.io` (`pkg/components/images.go`).
pub fn image_registry(plan: &Plan) -> String {
    match plan.cluster.calico().registry {
        Some(r) => r.trim_end_matches('/').to_string(),
        None => "quay.io".to_string(),
    }
}

/// Every image Calico runs, under the names the pods use: the operator's own
/// (`manifests/tigera-operator.yaml` of the pinned release; another version's is
/// read from its manifest by fetch-artifacts.sh) and its components under the
/// `registry` of `installation.yaml` (`path.Join(registry, "calico/", image)`,
/// `GetReference` in `pkg/components/references.go`).
pub fn images(plan: &Plan) -> Vec<String> {
    if plan.cluster.cni != Cni::Calico {
        return Vec::new();
    }
    let v = version(plan);
    let mut out = Vec::new();
    if v == crate::versions::CALICO {
        out.push(format!("quay.io/tigera/operator:{}", crate::versions::TIGERA_OPERATOR));
    }
    let reg = image_registry(plan);
    out.extend(OPERATOR_COMPONENTS.iter().map(|c| format!("{reg}/calico/{c}:{v}")));
    out
}

pub fn files(plan: &Plan) -> Vec<File> {
    if plan.cluster.cni != Cni::Calico {
        return Vec::new();
    }
    vec![
        File::text("cluster/calico/installation.yaml", installation(plan)),
        File::text("cluster/calico/bgp.yaml", bgp(plan)),
        File::script("cluster/calico/apply.sh", apply(plan)),
    ]
}

fn encapsulation(e: CalicoEncapsulation, v6: bool) -> &'static str {
    match e {
        CalicoEncapsulation::None => "None",
        // Calico supports no IP-in-IP for IPv6 pools: those stay unencapsulated.
        CalicoEncapsulation::Ipip | CalicoEncapsulation::IpipCrossSubnet if v6 => "None",
        CalicoEncapsulation::Ipip => "IPIP",
        CalicoEncapsulation::IpipCrossSubnet => "IPIPCrossSubnet",
        CalicoEncapsulation::Vxlan => "VXLAN",
        CalicoEncapsulation::VxlanCrossSubnet => "VXLANCrossSubnet",
    }
}

fn installation(plan: &Plan) -> String {
    let c = plan.cluster.calico();
    let mut o = header(plan, "#", "Calico operator: Installation and API server");
    o.push_str("apiVersion: operator.tigera.io/v1\nkind: Installation\nmetadata:\n  name: default\nspec:\n");
    if let Some(r) = &c.registry {
        // The operator prefixes image names with the registry verbatim: it must end in `/`.
        let r = if r.ends_with('/') { r.clone() } else { format!("{r}/") };
        let _ = writeln!(o, "  registry: {}", yaml_str(&r));
    }
    o.push_str("  calicoNetwork:\n    bgp: Enabled\n");
    let _ = writeln!(o, "    mtu: {}", plan.pod_mtu);
    let has_v4 = plan.cluster.pod_cidr.iter().any(|n| n.network().is_ipv4());
    let has_v6 = plan.cluster.has_ipv6();
    // The address k3s registered (node-ip), not the first interface found: on a
    // multi-homed host that is often a ZeroTier or tunnel interface.
    if has_v4 {
        o.push_str("    nodeAddressAutodetectionV4:\n      kubernetes: NodeInternalIP\n");
    }
    if has_v6 {
        o.push_str("    nodeAddressAutodetectionV6:\n      kubernetes: NodeInternalIP\n");
    }
    o.push_str("    ipPools:\n");
    for net in &plan.cluster.pod_cidr {
        let v6 = !net.network().is_ipv4();
        let block = if v6 { c.block_size_v6 } else { c.block_size };
        let _ = writeln!(o, "      - cidr: {net}");
        let _ = writeln!(o, "        blockSize: {block}");
        let _ = writeln!(o, "        encapsulation: {}", encapsulation(c.encapsulation, v6));
        let _ = writeln!(o, "        natOutgoing: {}", if c.nat_outgoing { "Enabled" } else { "Disabled" });
        o.push_str("        nodeSelector: all()\n");
    }
    o.push_str("---\napiVersion: operator.tigera.io/v1\nkind: APIServer\nmetadata:\n  name: default\nspec: {}\n");
    o
}

/// One `BGPPeer`: a router address and the nodes that peer with it.
struct Peer {
    router: String,
    region: String,
    peer_ip: IpAddr,
    asn: u32,
    nodes: Vec<String>,
}

/// Groups the plan's node-to-router sessions by router, region and router address.
fn peers(plan: &Plan) -> Vec<Peer> {
    let mut groups: BTreeMap<(String, String, IpAddr), Peer> = BTreeMap::new();
    for s in &plan.sessions {
        if !matches!(s.role, SessionRole::RrClient | SessionRole::Ebgp) {
            continue;
        }
        let Some(node) = plan.nodes.get(&s.a) else { continue };
        let key = (s.b.clone(), node.region.clone(), s.b_address);
        let p = groups.entry(key).or_insert_with(|| Peer {
            router: s.b.clone(),
            region: node.region.clone(),
            peer_ip: s.b_address,
            asn: s.b_asn,
            nodes: Vec::new(),
        });
        if !p.nodes.contains(&s.a) {
            p.nodes.push(s.a.clone());
        }
    }
    groups.into_values().collect()
}

fn bgp(plan: &Plan) -> String {
    let c = plan.cluster.calico();
    let asn = plan
        .nodes
        .keys()
        .find_map(|n| plan.speakers.get(n).map(|i| plan.speakers.list[i].asn))
        .or(plan.cluster.asn)
        .unwrap_or(64512);
    let mut o =
        header(plan, "#", "Calico BGP: the cluster's AS, the node mesh, and the routers each region peers with");
    o.push_str("apiVersion: crd.projectcalico.org/v1\nkind: BGPConfiguration\nmetadata:\n  name: default\nspec:\n");
    o.push_str("  logSeverityScreen: Info\n");
    let _ = writeln!(o, "  nodeToNodeMeshEnabled: {}", c.node_mesh);
    let _ = writeln!(o, "  asNumber: {asn}");

    let peers = peers(plan);
    // Routers with both families get one peer per address: name them apart.
    let mut per_router_region: BTreeMap<(&str, &str), usize> = BTreeMap::new();
    for p in &peers {
        *per_router_region.entry((p.router.as_str(), p.region.as_str())).or_default() += 1;
    }
    let mut used: Vec<String> = Vec::new();
    for p in &peers {
        let mut parts = vec![p.router.as_str(), p.region.as_str()];
        if per_router_region.get(&(p.router.as_str(), p.region.as_str())).copied().unwrap_or(0) > 1 {
            parts.push(if p.peer_ip.is_ipv4() { "v4" } else { "v6" });
        }
        let mut name = k8s_name(&parts);
        let base = name.clone();
        let mut n = 2;
        while used.contains(&name) {
            name = format!("{base}-{n}");
            n += 1;
        }
        used.push(name.clone());

        // All nodes of the region, or only those the plan gives a session.
        let in_region: Vec<&String> = plan.nodes.iter().filter(|(_, n)| n.region == p.region).map(|(k, _)| k).collect();
        let mut selector = format!("region == '{}'", p.region);
        if in_region.len() != p.nodes.len() {
            let list: Vec<String> = p.nodes.iter().map(|n| format!("'{n}'")).collect();
            let _ = write!(selector, " && kubernetes.io/hostname in {{ {} }}", list.join(", "));
        }
        let _ = writeln!(o, "---\n# {} ({}) reflects routes for: {}", p.router, p.peer_ip, p.nodes.join(", "));
        o.push_str("apiVersion: crd.projectcalico.org/v1\nkind: BGPPeer\nmetadata:\n");
        let _ = writeln!(o, "  name: {name}");
        o.push_str("spec:\n");
        let _ = writeln!(o, "  nodeSelector: {}", yaml_str(&selector));
        let _ = writeln!(o, "  peerIP: {}", yaml_str(&p.peer_ip.to_string()));
        let _ = writeln!(o, "  asNumber: {}", p.asn);
    }
    o
}

fn apply(plan: &Plan) -> String {
    let v = version(plan);
    let airgap = plan.cluster.airgap;
    let mut o = script_start(
        plan,
        "Installs Calico (Tigera operator) and the plan's BGP peering. Run on a server, after every node is installed.",
    );
    o.push_str("# Usage: sudo ./cluster/calico/apply.sh\n\n");
    o.push_str(&require_root());
    let names: Vec<&str> = servers(plan).into_iter().map(String::as_str).collect();
    let addrs: Vec<IpAddr> =
        servers(plan).iter().filter_map(|s| plan.nodes.get(*s)).flat_map(|n| n.addresses.iter().copied()).collect();
    o.push_str(&require_host(&names, &addrs));
    let _ = writeln!(o, "\nCALICO_VERSION={}", sh_quote(&v));
    o.push_str("HERE=\"$(cd \"$(dirname \"${BASH_SOURCE[0]}\")\" && pwd)\"\n");
    o.push_str("export KUBECONFIG=\"${KUBECONFIG:-/etc/rancher/k3s/k3s.yaml}\"\n");
    o.push_str("KUBECTL=(kubectl)\nif ! command -v kubectl >/dev/null 2>&1; then\n  KUBECTL=(k3s kubectl)\nfi\n");
    o.push_str("kc() {\n  \"${KUBECTL[@]}\" \"$@\"\n}\n");
    o.push_str(
        "# Polls a command until it succeeds, for at most $1 seconds.\nwait_until() {\n  local limit=$1 waited=0\n  shift\n  \
until \"$@\" >/dev/null 2>&1; do\n    if (( waited >= limit )); then\n      echo \"error: timed out after ${limit}s waiting for: $*\" >&2\n      return 1\n    fi\n    \
sleep 5\n    waited=$((waited + 5))\n  done\n}\n\n",
    );

    o.push_str(&Step::CalicoLabels.header());
    for (name, n) in &plan.nodes {
        let _ = writeln!(
            o,
            "if kc get node {node} >/dev/null 2>&1; then\n  kc label node {node} --overwrite {label}\nelse\n  echo \"warning: node {node} has not joined yet\" >&2\nfi",
            node = sh_quote(name),
            label = sh_quote(&format!("region={}", n.region))
        );
    }

    o.push('\n');
    o.push_str(&Step::CalicoOperator.header());
    let mut manifests: Vec<&str> = Vec::new();
    if has_separate_crds(&v) {
        manifests.push("operator-crds.yaml");
    }
    manifests.push("tigera-operator.yaml");
    for m in &manifests {
        if airgap {
            let path = format!("{ARTIFACTS_DIR}/{m}");
            let _ = writeln!(
                o,
                "MANIFEST=\"$HERE/../../\"{path}\nif [[ ! -f \"$MANIFEST\" ]]; then\n  echo \"error: $MANIFEST is missing: run fetch-artifacts.sh on a machine with Internet and copy artifacts/ beside this bundle\" >&2\n  exit 1\nfi\n\
# Server-side apply: the CRDs are too large for the last-applied annotation, and it is safe to repeat.\n\
kc apply --server-side --force-conflicts -f \"$MANIFEST\"",
                path = sh_quote(&path)
            );
        } else {
            let _ = writeln!(
                o,
                "# Server-side apply: the CRDs are too large for the last-applied annotation, and it is safe to repeat.\n\
kc apply --server-side --force-conflicts -f \"https://raw.githubusercontent.com/projectcalico/calico/$CALICO_VERSION/manifests/\"{m}"
            );
        }
    }
    o.push_str("kc -n tigera-operator rollout status deployment/tigera-operator --timeout=600s\n");
    o.push_str(
        "kc wait --for=condition=Established --timeout=120s crd/installations.operator.tigera.io crd/apiservers.operator.tigera.io \\\n  \
crd/bgpconfigurations.crd.projectcalico.org crd/bgppeers.crd.projectcalico.org\n",
    );

    o.push('\n');
    o.push_str(&Step::CalicoBgp.header());
    o.push_str("kc apply -f \"$HERE/bgp.yaml\"\n");
    o.push_str("kc get bgpconfigurations.crd.projectcalico.org,bgppeers.crd.projectcalico.org\n");

    o.push('\n');
    o.push_str(&Step::CalicoInstallation.header());
    o.push_str("kc apply -f \"$HERE/installation.yaml\"\n");
    // calico-node runs in the host network; it is ready once its BGP sessions are up.
    o.push_str(
        "wait_until 300 kc -n calico-system get daemonset/calico-node\n\
kc -n calico-system rollout status daemonset/calico-node --timeout=900s\n",
    );

    o.push('\n');
    o.push_str(&Step::CalicoReady.header());
    o.push_str("wait_until 300 kc get tigerastatus calico\nkc wait --for=condition=Available --timeout=900s tigerastatus/calico\n");

    o.push('\n');
    o.push_str(&Step::CalicoApiServer.header());
    o.push_str("wait_until 300 kc get tigerastatus apiserver\nkc wait --for=condition=Available --timeout=600s tigerastatus/apiserver\n");
    o.push_str("# The projectcalico.org/v3 API answers once the API server is registered: the same peers, seen through it.\nwait_until 300 kc get bgpconfigurations.projectcalico.org\n");
    o.push_str("kc get bgpconfigurations.projectcalico.org,bgppeers.projectcalico.org\n");
    o.push_str("echo \"Calico is installed. Next: ./verify.sh from the bundle's top folder.\"\n");
    o
}

#[cfg(test)]
mod tests {
    use super::has_separate_crds;

    #[test]
    fn operator_crds_split_from_v3_30() {
        assert!(!has_separate_crds("v3.26.1"));
        assert!(!has_separate_crds("v3.29.4"));
        assert!(has_separate_crds("v3.30.0"));
        assert!(has_separate_crds("v3.32.2"));
        assert!(has_separate_crds("master"));
    }
}
