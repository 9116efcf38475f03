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

use super::addon::{port, AddOn, ConfigValue, Kind, Mirror, Port};
use super::bootstrap::{Provides, Res, Step};
use super::common::{header, k8s_name, kube_prologue, on_a_server, script_start, sh_quote, yaml_str, HERE};
use super::File;
use crate::model::{CalicoEncapsulation, Cni};
use crate::plan::{Plan, SessionRole};

/// The Calico release installed when the topology pins none ([`crate::versions`]).
pub const DEFAULT_VERSION: &str = crate::versions::CALICO;

/// The script that deploys Calico from a server, relative to the bundle root.
pub const APPLY: &str = "cluster/calico/apply.sh";
/// Where fetch-artifacts.sh puts the operator's manifests and calicoctl in airgap mode.
pub const ARTIFACTS_DIR: &str = "artifacts/calico";

/// Calico as an add-on of the bundle.
pub struct Calico;

impl AddOn for Calico {
    fn kind(&self) -> Kind {
        Kind::Cni
    }
    fn name(&self) -> &'static str {
        "Calico"
    }
    fn in_design(&self, plan: &Plan) -> bool {
        plan.cluster.cni == Cni::Calico
    }
    fn files(&self, plan: &Plan) -> Vec<File> {
        files(plan)
    }
    fn apply_script(&self) -> Option<&'static str> {
        Some(APPLY)
    }
    fn steps(&self) -> &'static [Step] {
        &[LABELS, OPERATOR, BGP, INSTALLATION, READY, API_SERVER]
    }
    fn title_vars(&self, plan: &Plan) -> Vec<(&'static str, String)> {
        vec![("$CALICO_VERSION", version(plan))]
    }
    /// Calico brings its own CNI and policy engine: no flannel, no k3s network policy controller.
    fn k3s_settings(&self, _plan: &Plan) -> Vec<(&'static str, ConfigValue)> {
        vec![("flannel-backend", ConfigValue::Str("none".into())), ("disable-network-policy", ConfigValue::Bool(true))]
    }
    fn fetch_steps(&self, plan: &Plan) -> Option<String> {
        Some(fetch_steps(plan))
    }
    fn artifact_lines(&self, plan: &Plan) -> Option<String> {
        Some(artifact_lines(plan))
    }
    fn mirrors(&self) -> &'static [Mirror] {
        &[Mirror { var: "CALICO_RELEASES", default: "$GITHUB/projectcalico/calico/releases/download", seeds: "" }]
    }
    fn images(&self, plan: &Plan) -> Vec<String> {
        images(plan)
    }
    /// The operator's own image, from the release's manifest (another version's
    /// operator tag is not in meshplan's data).
    fn image_steps(&self, _plan: &Plan) -> Option<String> {
        Some(format!(
            "manifest_images \"$HERE/\"{}/tigera-operator.yaml >> \"$IMAGES_LIST\"\n",
            sh_quote(ARTIFACTS_DIR)
        ))
    }
    fn summary(&self, plan: &Plan) -> Option<String> {
        let enc = match plan.cluster.calico().encapsulation {
            CalicoEncapsulation::None => "no encapsulation (pods routed by BGP)",
            CalicoEncapsulation::Ipip => "IP-in-IP",
            CalicoEncapsulation::Vxlan => "VXLAN",
            CalicoEncapsulation::IpipCrossSubnet => "IP-in-IP across subnets",
            CalicoEncapsulation::VxlanCrossSubnet => "VXLAN across subnets",
        };
        Some(format!("Calico {} (Tigera operator), {enc}", version(plan)))
    }
    /// Calico's "Network requirements".
    fn ports(&self, plan: &Plan) -> Vec<Port> {
        let cal = plan.cluster.calico();
        let mut v = Vec::new();
        if cal.node_mesh {
            v.push(port("179/tcp", "nodes ↔ nodes", "BGP, Calico's node mesh"));
        }
        if super::addon::bgp_to_routers(plan) {
            v.push(port("179/tcp", "nodes ↔ routers", "BGP to the route reflectors / peers"));
        }
        v.push(port("5473/tcp", "nodes → nodes", "Typha (calico-node's datastore cache)"));
        match cal.encapsulation {
            CalicoEncapsulation::Vxlan | CalicoEncapsulation::VxlanCrossSubnet => {
                v.push(port("4789/udp", "nodes ↔ nodes", "Calico VXLAN"));
            }
            CalicoEncapsulation::Ipip | CalicoEncapsulation::IpipCrossSubnet => {
                v.push(port("IP protocol 4", "nodes ↔ nodes", "Calico IP-in-IP"));
            }
            CalicoEncapsulation::None => {}
        }
        v
    }
    fn check_undo(&self) -> (&'static str, &'static str) {
        (
            "kubectl get tigerastatus; kubectl get bgppeers.crd.projectcalico.org",
            "kubectl delete -f cluster/calico/installation.yaml -f cluster/calico/bgp.yaml   # then the operator's manifest",
        )
    }
    fn verify_node_sessions(&self) -> Option<&'static str> {
        Some(VERIFY_SESSIONS)
    }
    fn verify_pod_ranges(&self) -> Option<&'static str> {
        Some(VERIFY_RANGES)
    }
}

/// The steps of apply.sh, in its order: the BGP resources are stored as the CRDs
/// the operator's manifest brings (no aggregated API), before calico-node starts.
const LABELS: Step = Step {
    title: "node labels: region (the BGPPeer selectors match on it)",
    needs: &[Res::KubeApi],
    provides: Provides::Always(&[Res::NodeMarks]),
};
const OPERATOR: Step = Step {
    title: "Tigera operator for Calico $CALICO_VERSION",
    needs: &[Res::KubeApi, Res::Upstream],
    provides: Provides::Always(&[Res::Operator, Res::CniCrds]),
};
const BGP: Step = Step {
    title: "BGP configuration and peers (crd.projectcalico.org/v1, no API server needed)",
    needs: &[Res::CniCrds],
    provides: Provides::Always(&[Res::BgpConfig]),
};
/// calico-node reads the BGP configuration when it starts; where the design
/// routes pods through routers, its pod routes come from those peers.
const INSTALLATION: Step = Step {
    title: "Installation: calico-node on every node",
    needs: &[Res::Operator, Res::BgpConfig, Res::Underlay],
    provides: Provides::Always(&[Res::CniAgents, Res::PodRoutes]),
};
/// calico-kube-controllers is a pod that must reach the API server.
const READY: Step = Step {
    title: "Calico ready (calico-kube-controllers runs on the pod network)",
    needs: &[Res::CniAgents, Res::PodRoutes],
    provides: Provides::Always(&[]),
};
/// kube-apiserver reaches calico-apiserver at its pod address.
const API_SERVER: Step = Step {
    title: "Calico API server (projectcalico.org/v3, reached over the pod network)",
    needs: &[Res::PodRoutes],
    provides: Provides::Always(&[Res::CalicoApi]),
};

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
    let v = version(plan);
    let mut out = Vec::new();
    if v == crate::versions::CALICO {
        out.push(format!("quay.io/tigera/operator:{}", crate::versions::TIGERA_OPERATOR));
    }
    let reg = image_registry(plan);
    out.extend(OPERATOR_COMPONENTS.iter().map(|c| format!("{reg}/calico/{c}:{v}")));
    out
}

fn files(plan: &Plan) -> Vec<File> {
    vec![
        File::text("cluster/calico/installation.yaml", installation(plan)),
        File::text("cluster/calico/bgp.yaml", bgp(plan)),
        File::script(APPLY, apply(plan)),
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
    o.push_str(&on_a_server(plan));
    let _ = writeln!(o, "\nCALICO_VERSION={}", sh_quote(&v));
    o.push_str(HERE);
    o.push_str(kube_prologue());
    o.push('\n');

    o.push_str(&LABELS.header());
    for (name, n) in &plan.nodes {
        let _ = writeln!(
            o,
            "if kc get node {node} >/dev/null 2>&1; then\n  kc label node {node} --overwrite {label}\nelse\n  echo \"warning: node {node} has not joined yet\" >&2\nfi",
            node = sh_quote(name),
            label = sh_quote(&format!("region={}", n.region))
        );
    }

    o.push('\n');
    o.push_str(&OPERATOR.header());
    let mut manifests: Vec<&str> = Vec::new();
    if has_separate_crds(&v) {
        manifests.push("operator-crds.yaml");
    }
    manifests.push("tigera-operator.yaml");
    for m in &manifests {
        if airgap {
            let path = format!("{}/{m}", ARTIFACTS_DIR);
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
    o.push_str(&BGP.header());
    o.push_str("kc apply -f \"$HERE/bgp.yaml\"\n");
    o.push_str("kc get bgpconfigurations.crd.projectcalico.org,bgppeers.crd.projectcalico.org\n");

    o.push('\n');
    o.push_str(&INSTALLATION.header());
    o.push_str("kc apply -f \"$HERE/installation.yaml\"\n");
    // calico-node runs in the host network; it is ready once its BGP sessions are up.
    o.push_str(
        "wait_until 300 kc -n calico-system get daemonset/calico-node\n\
kc -n calico-system rollout status daemonset/calico-node --timeout=900s\n",
    );

    o.push('\n');
    o.push_str(&READY.header());
    o.push_str("wait_until 300 kc get tigerastatus calico\nkc wait --for=condition=Available --timeout=900s tigerastatus/calico\n");

    o.push('\n');
    o.push_str(&API_SERVER.header());
    o.push_str("wait_until 300 kc get tigerastatus apiserver\nkc wait --for=condition=Available --timeout=600s tigerastatus/apiserver\n");
    o.push_str("# The projectcalico.org/v3 API answers once the API server is registered: the same peers, seen through it.\nwait_until 300 kc get bgpconfigurations.projectcalico.org\n");
    o.push_str("kc get bgpconfigurations.projectcalico.org,bgppeers.projectcalico.org\n");
    o.push_str("echo \"Calico is installed. Next: ./verify.sh from the bundle's top folder.\"\n");
    o
}

/// fetch-artifacts.sh's Calico step: the release tarball (manifests and image
/// tarballs) and calicoctl, each checked against the release's SHA256SUMS.
fn fetch_steps(plan: &Plan) -> String {
    let v = version(plan);
    let mut o = String::new();
    let _ = writeln!(o, "# Calico: the release tarball and calicoctl, checked against the release's SHA256SUMS.");
    let _ = writeln!(o, "CALICO_VERSION={}\nCALICO_DIR=\"$HERE/\"{}", sh_quote(&v), sh_quote(ARTIFACTS_DIR));
    o.push_str("CALICO_BASE=\"$CALICO_RELEASES/$CALICO_VERSION\"\n");
    o.push_str("mkdir -p \"$CALICO_DIR\"\nTMP=\"$(mktemp -d)\"\ntrap 'rm -rf \"$TMP\"' EXIT\n");
    o.push_str("fetch \"$CALICO_BASE/SHA256SUMS\" \"$CALICO_DIR/SHA256SUMS\"\n");
    o.push_str("fetch \"$CALICO_BASE/calicoctl-linux-$ARCH\" \"$CALICO_DIR/calicoctl-linux-$ARCH\"\n");
    o.push_str("check \"$CALICO_DIR/SHA256SUMS\" \"calicoctl-linux-$ARCH\" \"$CALICO_DIR/calicoctl-linux-$ARCH\"\nchmod 0755 \"$CALICO_DIR/calicoctl-linux-$ARCH\"\n");
    // The manifests come out of the release tarball, which is not kept: a run
    // that has them (tigera-operator.yaml is copied last) fetches it no more.
    // Its images/ are amd64 only and named docker.io/calico/*: the kit saves the
    // names the operator really uses instead (`images`).
    o.push_str("if [[ ! -s \"$CALICO_DIR/tigera-operator.yaml\" ]]; then\n");
    o.push_str("  fetch \"$CALICO_BASE/release-$CALICO_VERSION.tgz\" \"$TMP/release-$CALICO_VERSION.tgz\"\n");
    o.push_str(
        "  check \"$CALICO_DIR/SHA256SUMS\" \"release-$CALICO_VERSION.tgz\" \"$TMP/release-$CALICO_VERSION.tgz\"\n",
    );
    o.push_str("  tar -xzf \"$TMP/release-$CALICO_VERSION.tgz\" -C \"$TMP\"\n");
    let mut manifests = Vec::new();
    if has_separate_crds(&v) {
        manifests.push("operator-crds.yaml");
    }
    manifests.push("tigera-operator.yaml");
    for m in manifests {
        let _ = writeln!(o, "  cp \"$TMP/release-$CALICO_VERSION/manifests/{m}\" \"$CALICO_DIR/{m}\"");
    }
    o.push_str("fi\n");
    o
}

/// ARTIFACTS.txt's Calico lines.
fn artifact_lines(plan: &Plan) -> String {
    let v = version(plan);
    let mut o = String::new();
    let base = format!("https://github.com/projectcalico/calico/releases/download/{v}");
    let _ = writeln!(o, "Calico {v}");
    let _ = writeln!(o, "  {ARTIFACTS_DIR}/SHA256SUMS\n      {base}/SHA256SUMS");
    let _ = writeln!(
        o,
        "  release-{v}.tgz (unpacked, not kept)\n      {base}/release-{v}.tgz\n      sha256 checked against SHA256SUMS"
    );
    if has_separate_crds(&v) {
        let _ = writeln!(
            o,
            "  {ARTIFACTS_DIR}/operator-crds.yaml       from release-{v}.tgz: manifests/operator-crds.yaml"
        );
    }
    let _ =
        writeln!(o, "  {ARTIFACTS_DIR}/tigera-operator.yaml     from release-{v}.tgz: manifests/tigera-operator.yaml");
    let _ = writeln!(o, "  {ARTIFACTS_DIR}/calicoctl-linux-$ARCH\n      {base}/calicoctl-linux-$ARCH\n      sha256 checked against SHA256SUMS");
    o
}

/// verify.sh's `check_sessions NODE`: each of the node's sessions, from BIRD in
/// its calico-node pod, asked once per family (BIRD names the protocol
/// `<kind>_<peer address with . and : as _>`).
const VERIFY_SESSIONS: &str = "\necho \"== BGP sessions (BIRD in calico-node)\"\n\
if command -v calicoctl >/dev/null 2>&1; then\n  calicoctl node status || true\nfi\n\
# $1 node: each of its sessions, from BIRD in its calico-node pod, asked once per\n\
# family (BIRD names the protocol <kind>_<peer address with . and : as _>).\n\
check_sessions() {\n  local node=$1 pod peer fam addr name line sock want4=0 want6=0\n  local -A up=()\n  peers_of \"$node\"\n  \
pod=\"$(kc -n calico-system get pods -l k8s-app=calico-node --field-selector \"spec.nodeName=$node\" -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true)\"\n  \
if [[ -z \"$pod\" ]]; then\n    fail \"BGP sessions of $node (${#PEER_LIST[@]}): no calico-node pod on $node\"\n    return\n  fi\n  \
for peer in \"${PEER_LIST[@]}\"; do\n    if [[ \"${peer%% *}\" == 6 ]]; then\n      want6=1\n    else\n      want4=1\n    fi\n  done\n  \
for fam in 4 6; do\n    if [[ $fam == 4 && $want4 -eq 0 ]] || [[ $fam == 6 && $want6 -eq 0 ]]; then\n      continue\n    fi\n    \
sock=/var/run/calico/bird.ctl\n    if [[ $fam == 6 ]]; then\n      sock=/var/run/calico/bird6.ctl\n    fi\n    \
while read -r name line; do\n      if [[ \"$line\" == *Established* ]]; then\n        up[$fam ${name#*_}]=1\n      fi\n    \
done < <(kc -n calico-system exec \"$pod\" -c calico-node -- birdcl -s \"$sock\" show protocols 2>/dev/null || true)\n  done\n  \
for peer in \"${PEER_LIST[@]}\"; do\n    read -r fam addr name <<<\"$peer\"\n    \
if [[ -n \"${up[$fam ${addr//[.:]/_}]:-}\" ]]; then\n      pass \"BGP $node ↔ $name ($addr) Established\"\n    else\n      \
fail \"BGP $node ↔ $name ($addr) Established\"\n    fi\n  done\n}\n";

/// verify.sh's `load_ranges`: Calico claims blocks at run time, not the nodes' podCIDRs.
const VERIFY_RANGES: &str = "# Calico claims blocks at run time: the blocks each node holds now.\n\
declare -A RANGES=()\nload_ranges() {\n  local res node cidr state\n  \
for res in blockaffinities.crd.projectcalico.org blockaffinities.projectcalico.org; do\n    \
if kc get \"$res\" >/dev/null 2>&1; then\n      while read -r node cidr state; do\n        \
if [[ -n \"$node\" && -n \"$cidr\" && \"$state\" != pending ]]; then\n          RANGES[$node]+=\"$cidr \"\n        fi\n      \
done < <(kc get \"$res\" -o jsonpath='{range .items[*]}{.spec.node}{\" \"}{.spec.cidr}{\" \"}{.spec.state}{\"\\n\"}{end}' 2>/dev/null || true)\n      \
return 0\n    fi\n  done\n}\n";

#[cfg(test)]
mod tests {
    use super::{has_separate_crds, API_SERVER, BGP, INSTALLATION, LABELS, OPERATOR, READY};
    use crate::render::bootstrap::{check_order, given, routes_via_peers};
    use crate::test_support::example_and_case_plans;

    /// The order that deadlocked: Installation and the API server waited on
    /// before the BGP peers the pod network needs.
    #[test]
    fn waiting_on_the_calico_api_server_before_the_peers_is_refused() {
        let plan = example_and_case_plans()
            .into_iter()
            .find(|(n, _)| n == "calico-wds-hkg")
            .map(|(_, p)| p)
            .unwrap_or_else(|| panic!("no calico-wds-hkg example"));
        assert!(routes_via_peers(&plan));
        let old = [LABELS, OPERATOR, INSTALLATION, READY, API_SERVER, BGP];
        let e = check_order(&plan, given(&[]), &old).err().unwrap_or_default();
        assert!(e.contains("Installation") && e.contains("BgpConfig") && e.contains("later step"), "{e}");
        let good = [LABELS, OPERATOR, BGP, INSTALLATION, READY, API_SERVER];
        assert_eq!(check_order(&plan, given(&[]), &good), Ok(()));
        // Skipping the step that provides the pod routes leaves the API server wait stranded.
        let e = check_order(&plan, given(&[]), &[API_SERVER]).err().unwrap_or_default();
        assert!(e.contains("PodRoutes") && e.contains("no step before it"), "{e}");
    }

    #[test]
    fn operator_crds_split_from_v3_30() {
        assert!(!has_separate_crds("v3.26.1"));
        assert!(!has_separate_crds("v3.29.4"));
        assert!(has_separate_crds("v3.30.0"));
        assert!(has_separate_crds("v3.32.2"));
        assert!(has_separate_crds("master"));
    }
}
