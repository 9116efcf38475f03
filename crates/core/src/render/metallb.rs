//! Renderer: MetalLB (`cluster/metallb/`), with any CNI whose topology sets
//! `cluster.metallb`.
//!
//! - `pools.yaml`: one `IPAddressPool` per pool of the topology.
//! - `l2.yaml` (mode l2): one `L2Advertisement` of every pool.
//! - `bgp.yaml` (mode bgp): one `BGPPeer` (`metallb.io/v1beta2`) per router
//!   address that serves nodes, exactly as the plan resolved the sessions, and one
//!   `BGPAdvertisement` of every pool.
//! - `apply.sh`: installs the MetalLB manifest of the pinned version, waits for the
//!   controller, the speakers and the validating webhook, then applies the rest.
//!
//! Fields as upstream documents them: `website/content/configuration/_index.md` and
//! `config/crd/bases/` of metallb/metallb at v0.16.1; the manifests and their
//! object names from `config/manifests/` at the same tag.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::IpAddr;

use super::addon::{port, AddOn, Kind, Mirror, Port};
use super::bootstrap::{Provides, Res, Step};
use super::common::{header, k8s_name, kube_prologue, on_a_server, script_start, sh_quote, yaml_str, HERE};
use super::File;
use crate::model::{AddrRange, Metallb, MetallbMode};
use crate::plan::{Plan, SessionKind, SessionRole};

/// The MetalLB release installed ([`crate::versions`]).
pub const VERSION: &str = crate::versions::METALLB;
pub const DIR: &str = "cluster/metallb";
/// The script that deploys MetalLB from a server, relative to the bundle root.
pub const APPLY: &str = "cluster/metallb/apply.sh";
/// Where fetch-artifacts.sh puts the manifest in airgap mode.
pub const ARTIFACTS_DIR: &str = "artifacts/metallb";
/// MetalLB's own namespace; every configuration object lives in it.
const NS: &str = "metallb-system";

/// Native mode: MetalLB's own BGP speaker (L2, and IPv4-only BGP). FRR-K8s mode:
/// what upstream recommends, and the only one that speaks BGP over IPv6.
const NATIVE: &str = "metallb-native.yaml";
const FRR_K8S: &str = "metallb-frr-k8s.yaml";

/// MetalLB as an add-on of the bundle.
pub struct MetalLb;

impl AddOn for MetalLb {
    fn kind(&self) -> Kind {
        Kind::LoadBalancer
    }
    fn name(&self) -> &'static str {
        "MetalLB"
    }
    fn in_design(&self, plan: &Plan) -> bool {
        plan.cluster.metallb.is_some()
    }
    fn files(&self, plan: &Plan) -> Vec<File> {
        files(plan)
    }
    fn apply_script(&self) -> Option<&'static str> {
        Some(APPLY)
    }
    fn steps(&self) -> &'static [Step] {
        &[INSTALL, POOLS, L2, BGP]
    }
    fn hands_out_service_addresses(&self, _plan: &Plan) -> bool {
        true
    }
    fn fetch_steps(&self, plan: &Plan) -> Option<String> {
        fetch_steps(plan)
    }
    fn artifact_lines(&self, plan: &Plan) -> Option<String> {
        artifact_lines(plan)
    }
    fn mirrors(&self) -> &'static [Mirror] {
        &[Mirror { var: "METALLB_RAW", default: "$GITHUB_RAW/metallb/metallb", seeds: "" }]
    }
    fn images(&self, plan: &Plan) -> Vec<String> {
        images(plan)
    }
    fn image_steps(&self, plan: &Plan) -> Option<String> {
        Some(format!("manifest_images \"$HERE/\"{} >> \"$IMAGES_LIST\"\n", sh_quote(&artifact_manifest(plan))))
    }
    fn ports(&self, plan: &Plan) -> Vec<Port> {
        let mut v = vec![port("7946/tcp+udp", "nodes ↔ nodes", "MetalLB speakers (memberlist)")];
        if plan.cluster.metallb.as_ref().is_some_and(|m| m.mode == MetallbMode::Bgp) {
            v.push(port("179/tcp", "nodes ↔ routers", "MetalLB BGP"));
        }
        v
    }
    fn check_undo(&self) -> (&'static str, &'static str) {
        (
            "kubectl -n metallb-system get pods,ipaddresspools.metallb.io",
            "kubectl delete -f cluster/metallb/   # the pools and advertisements, then the MetalLB manifest",
        )
    }
    fn runbook_section(&self, plan: &Plan) -> Option<String> {
        runbook_section(plan)
    }
    fn verify_checks(&self, plan: &Plan) -> Option<String> {
        verify_checks(plan)
    }
}

/// The steps of apply.sh. Installing waits for the controller's webhook, a pod
/// kube-apiserver calls: it needs the pod routes.
const INSTALL: Step = Step {
    title: "MetalLB $METALLB_VERSION ($MANIFEST)",
    needs: &[Res::KubeApi, Res::Upstream, Res::PodRoutes],
    provides: Provides::Always(&[Res::MetallbWebhook]),
};
const POOLS: Step =
    Step { title: "address pools", needs: &[Res::MetallbWebhook], provides: Provides::Always(&[Res::LbPools]) };
const L2: Step =
    Step { title: "layer 2 advertisement", needs: &[Res::MetallbWebhook], provides: Provides::Always(&[]) };
const BGP: Step = Step {
    title: "BGP peers and advertisement",
    needs: &[Res::MetallbWebhook, Res::LbPools],
    provides: Provides::Always(&[]),
};

fn files(plan: &Plan) -> Vec<File> {
    let Some(m) = &plan.cluster.metallb else { return Vec::new() };
    let mut out = vec![File::text(format!("{DIR}/pools.yaml"), pools(plan, m))];
    match m.mode {
        MetallbMode::L2 => out.push(File::text(format!("{DIR}/l2.yaml"), l2(plan, m))),
        MetallbMode::Bgp => out.push(File::text(format!("{DIR}/bgp.yaml"), bgp(plan, m))),
    }
    out.push(File::script(APPLY, apply(plan, m)));
    out
}

/// The upstream manifest this plan installs: FRR-K8s when BGP carries IPv6 (a
/// session or a pool of that family), the native speaker otherwise.
pub fn manifest(plan: &Plan) -> &'static str {
    let Some(m) = &plan.cluster.metallb else { return NATIVE };
    let v6_session = peers(plan).iter().any(|p| p.address.is_ipv6());
    let v6_pool = m.pools.values().flatten().any(|r| !r.is_ipv4());
    if m.mode == MetallbMode::Bgp && (v6_session || v6_pool) {
        FRR_K8S
    } else {
        NATIVE
    }
}

/// The images of the manifest this plan installs (`config/manifests/` of the
/// pinned tag: `image:` of the controller and speaker, and in FRR-K8s mode of
/// the frr-k8s daemon set and its FRR containers).
fn images(plan: &Plan) -> Vec<String> {
    let mut out = vec![format!("quay.io/metallb/controller:{VERSION}"), format!("quay.io/metallb/speaker:{VERSION}")];
    if manifest(plan) == FRR_K8S {
        out.extend(FRR_K8S_IMAGES.iter().map(|i| i.to_string()));
    }
    out
}

/// What `metallb-frr-k8s.yaml` of v0.16.1 adds to the controller and speaker.
const FRR_K8S_IMAGES: [&str; 2] = ["quay.io/frrouting/frr:10.4.3", "quay.io/metallb/frr-k8s:v0.0.25"];

/// The manifest file apply.sh applies, relative to the bundle root (airgap).
fn artifact_manifest(plan: &Plan) -> String {
    format!("{ARTIFACTS_DIR}/{}", manifest(plan))
}

/// The sha256 of the upstream manifests at the pinned tag (the files in
/// `tests/data/upstream/metallb-v0.16.1/`; a test recomputes them): upstream
/// publishes none, and a mirror must serve the same bytes.
pub const MANIFEST_SHA256: [(&str, &str); 2] = [
    (FRR_K8S, "19313e5031714cc1489b3b0ed0ae6e58be0e92538b4a5ed9c529c847ef2bac62"),
    (NATIVE, "bf25feebb7582ca7df845efd52ffbc2960d6cbf4cfc972f47fded9f788b67f0b"),
];

fn manifest_sha256(file: &str) -> Option<&'static str> {
    MANIFEST_SHA256.iter().find(|(f, _)| *f == file).map(|(_, s)| *s)
}

fn manifest_url(file: &str) -> String {
    format!("https://raw.githubusercontent.com/metallb/metallb/{VERSION}/config/manifests/{file}")
}

/// A pool entry as MetalLB takes it: a prefix, or `first-last`.
fn address(r: &AddrRange) -> String {
    match r {
        AddrRange::Cidr(n) => n.trunc().to_string(),
        AddrRange::Range(a, b) => format!("{a}-{b}"),
    }
}

fn pool_names(m: &Metallb) -> Vec<String> {
    m.pools.keys().map(|p| k8s_name(&[p])).collect()
}

fn pools(plan: &Plan, m: &Metallb) -> String {
    let mut o = header(plan, "#", "MetalLB address pools: the addresses LoadBalancer services get");
    for (name, ranges) in &m.pools {
        o.push_str("---\napiVersion: metallb.io/v1beta1\nkind: IPAddressPool\nmetadata:\n");
        let _ = writeln!(o, "  name: {}\n  namespace: {NS}\nspec:\n  addresses:", k8s_name(&[name]));
        for r in ranges {
            let _ = writeln!(o, "    - {}", yaml_str(&address(r)));
        }
    }
    o
}

fn l2(plan: &Plan, m: &Metallb) -> String {
    let mut o = header(
        plan,
        "#",
        "MetalLB layer 2 mode: one node answers ARP/NDP for each service address on the nodes' network",
    );
    o.push_str("---\napiVersion: metallb.io/v1beta1\nkind: L2Advertisement\nmetadata:\n");
    let _ = writeln!(o, "  name: meshplan-l2\n  namespace: {NS}\nspec:\n  ipAddressPools:");
    for p in pool_names(m) {
        let _ = writeln!(o, "    - {p}");
    }
    o
}

/// One BGP peer of MetalLB: a router address and the nodes that peer with it.
#[derive(Debug, Clone)]
pub(crate) struct Peer {
    pub router: String,
    pub address: IpAddr,
    pub my_asn: u32,
    pub peer_asn: u32,
    pub ebgp_multihop: bool,
    pub nodes: Vec<String>,
}

/// The plan's node-to-router sessions, grouped by router address.
pub(crate) fn peers(plan: &Plan) -> Vec<Peer> {
    let mut groups: BTreeMap<(String, IpAddr), Peer> = BTreeMap::new();
    for s in &plan.sessions {
        if !matches!(s.role, SessionRole::RrClient | SessionRole::Ebgp) || !plan.nodes.contains_key(&s.a) {
            continue;
        }
        let p = groups.entry((s.b.clone(), s.b_address)).or_insert_with(|| Peer {
            router: s.b.clone(),
            address: s.b_address,
            my_asn: s.a_asn,
            peer_asn: s.b_asn,
            ebgp_multihop: false,
            nodes: Vec::new(),
        });
        p.ebgp_multihop |= s.multihop && s.kind == SessionKind::Ebgp;
        if !p.nodes.contains(&s.a) {
            p.nodes.push(s.a.clone());
        }
    }
    groups.into_values().collect()
}

/// Node selectors (ORed) that pick exactly `nodes`: one per region, narrowed to
/// the named hosts when the region has nodes outside the set.
fn node_selectors(plan: &Plan, nodes: &[String], indent: &str, o: &mut String) {
    let mut by_region: BTreeMap<&str, Vec<&String>> = BTreeMap::new();
    for n in nodes {
        if let Some(np) = plan.nodes.get(n) {
            by_region.entry(np.region.as_str()).or_default().push(n);
        }
    }
    for (region, members) in by_region {
        let all = plan.nodes.values().filter(|n| n.region == region).count();
        let _ = writeln!(o, "{indent}- matchLabels:\n{indent}    region: {}", yaml_str(region));
        if members.len() != all {
            let _ = writeln!(
                o,
                "{indent}  matchExpressions:\n{indent}    - key: kubernetes.io/hostname\n{indent}      operator: In\n{indent}      values:"
            );
            for m in members {
                let _ = writeln!(o, "{indent}        - {}", yaml_str(m));
            }
        }
    }
}

fn peer_names(peers: &[Peer]) -> Vec<String> {
    let mut count: BTreeMap<&str, usize> = BTreeMap::new();
    for p in peers {
        *count.entry(p.router.as_str()).or_default() += 1;
    }
    let mut used: BTreeSet<String> = BTreeSet::new();
    peers
        .iter()
        .map(|p| {
            let fam = if p.address.is_ipv4() { "v4" } else { "v6" };
            let base = if count.get(p.router.as_str()).copied().unwrap_or(0) > 1 {
                k8s_name(&[&p.router, fam])
            } else {
                k8s_name(&[&p.router])
            };
            let mut name = base.clone();
            let mut i = 2;
            while !used.insert(name.clone()) {
                name = format!("{base}-{i}");
                i += 1;
            }
            name
        })
        .collect()
}

fn bgp(plan: &Plan, m: &Metallb) -> String {
    let mut o = header(
        plan,
        "#",
        "MetalLB BGP mode: every node announces the service addresses to the routers that serve its site",
    );
    let peers = peers(plan);
    if peers.is_empty() {
        o.push_str("# The plan has no router serving the nodes' sites: nothing to peer with.\n");
    }
    for (p, name) in peers.iter().zip(peer_names(&peers)) {
        let kind = if p.my_asn == p.peer_asn { "iBGP" } else { "eBGP" };
        let _ = writeln!(o, "---\n# {} ({}), {kind}, for: {}", p.router, p.address, p.nodes.join(", "));
        o.push_str("apiVersion: metallb.io/v1beta2\nkind: BGPPeer\nmetadata:\n");
        let _ = writeln!(o, "  name: {name}\n  namespace: {NS}\nspec:");
        let _ = writeln!(o, "  myASN: {}\n  peerASN: {}", p.my_asn, p.peer_asn);
        let _ = writeln!(o, "  peerAddress: {}", yaml_str(&p.address.to_string()));
        if p.ebgp_multihop {
            // Read by the FRR-based modes only; the native speaker ignores it.
            o.push_str("  ebgpMultiHop: true\n");
        }
        o.push_str("  nodeSelectors:\n");
        node_selectors(plan, &p.nodes, "    ", &mut o);
    }
    o.push_str("---\napiVersion: metallb.io/v1beta1\nkind: BGPAdvertisement\nmetadata:\n");
    let _ = writeln!(o, "  name: meshplan-bgp\n  namespace: {NS}\nspec:\n  ipAddressPools:");
    for p in pool_names(m) {
        let _ = writeln!(o, "    - {p}");
    }
    o
}

fn apply(plan: &Plan, m: &Metallb) -> String {
    let file = manifest(plan);
    let mut o = script_start(
        plan,
        "Installs MetalLB and its address pools. Run on a server, after the CNI is deployed and every node is Ready.",
    );
    o.push_str("# Usage: sudo ./cluster/metallb/apply.sh\n\n");
    o.push_str(&on_a_server(plan));
    let _ = writeln!(o, "\nMETALLB_VERSION={}\nMANIFEST={}", sh_quote(VERSION), sh_quote(file));
    o.push_str(HERE);
    o.push_str(kube_prologue());

    if !plan.cluster.disable.iter().any(|d| d == "servicelb") {
        o.push_str(
            "\n# k3s's own service load balancer (klipper, `servicelb`) would answer for the same services.\n\
echo \"warning: the topology does not disable k3s's servicelb (cluster.disable: [servicelb]); it competes with MetalLB for LoadBalancer services\" >&2\n",
        );
    }

    o.push('\n');
    o.push_str(&INSTALL.header());
    if plan.cluster.airgap {
        let _ = writeln!(
            o,
            "SRC=\"$HERE/../../{}/$MANIFEST\"\nif [[ ! -f \"$SRC\" ]]; then\n  echo \"error: $SRC is missing: run fetch-artifacts.sh on a machine with Internet and copy artifacts/ beside this bundle\" >&2\n  exit 1\nfi",
            ARTIFACTS_DIR
        );
    } else {
        o.push_str(
            "SRC=\"https://raw.githubusercontent.com/metallb/metallb/$METALLB_VERSION/config/manifests/$MANIFEST\"\n",
        );
    }
    o.push_str(
        "# Server-side apply: the CRDs are too large for the last-applied annotation, and it is safe to repeat.\n\
kc apply --server-side --force-conflicts -f \"$SRC\"\n\
kc -n metallb-system rollout status deployment/controller --timeout=600s\n\
kc -n metallb-system rollout status daemonset/speaker --timeout=600s\n",
    );
    if file == FRR_K8S {
        o.push_str(
            "kc -n metallb-system rollout status daemonset/frr-k8s-daemon --timeout=600s\n\
kc -n metallb-system rollout status deployment/frr-k8s-statuscleaner --timeout=600s\n",
        );
    }
    o.push_str(
        "\n# The validating webhook (served by the controller) must answer before any pool is accepted.\n\
webhook_ready() {\n  [[ -n \"$(kc -n metallb-system get endpointslices -l kubernetes.io/service-name=metallb-webhook-service \\\n    \
-o jsonpath='{.items[*].endpoints[*].addresses[*]}' 2>/dev/null)\" ]]\n}\n\
wait_until 300 webhook_ready\n\
# Its certificate may still be propagating: retry for a while before giving up.\n\
apply_config() {\n  local file=$1 try\n  for try in $(seq 1 24); do\n    if kc apply -f \"$file\"; then\n      return 0\n    fi\n    \
echo \"MetalLB's webhook refused $file (attempt $try); retrying in 5s\" >&2\n    sleep 5\n  done\n  \
echo \"error: MetalLB's webhook kept refusing $file: see kubectl -n metallb-system logs deployment/controller\" >&2\n  return 1\n}\n",
    );
    o.push('\n');
    o.push_str(&POOLS.header());
    o.push_str("apply_config \"$HERE/pools.yaml\"\n");
    match m.mode {
        MetallbMode::L2 => {
            o.push_str(&L2.header());
            o.push_str("apply_config \"$HERE/l2.yaml\"\n");
            o.push_str("kc -n metallb-system get ipaddresspools.metallb.io,l2advertisements.metallb.io\n");
        }
        MetallbMode::Bgp => {
            o.push_str(&BGP.header());
            o.push_str("apply_config \"$HERE/bgp.yaml\"\n");
            o.push_str(
                "kc -n metallb-system get ipaddresspools.metallb.io,bgppeers.metallb.io,bgpadvertisements.metallb.io\n",
            );
        }
    }
    o.push_str("echo \"MetalLB is installed. Next: ./verify.sh from the bundle's top folder.\"\n");
    o
}

/// The runbook's MetalLB section (markdown), for README.md after the CNI's section.
fn runbook_section(plan: &Plan) -> Option<String> {
    let m = plan.cluster.metallb.as_ref()?;
    let mut o = String::new();
    let _ = writeln!(o, "## MetalLB {VERSION}\n");
    let mode = match m.mode {
        MetallbMode::L2 => "layer 2: one node per service answers ARP (IPv4) / NDP (IPv6) on the nodes' network",
        MetallbMode::Bgp => "BGP: every node announces the service addresses to the routers that serve its site",
    };
    let _ = writeln!(o, "Mode: {mode}. Manifest: `{}` (from {}).\n", manifest(plan), manifest_url(manifest(plan)));
    o.push_str("| pool | addresses |\n|---|---|\n");
    for (name, ranges) in &m.pools {
        let r: Vec<String> = ranges.iter().map(address).collect();
        let _ = writeln!(o, "| {} | {} |", k8s_name(&[name]), r.join(", "));
    }
    if m.mode == MetallbMode::Bgp {
        o.push_str("\n| peer | address | AS (nodes → router) | nodes |\n|---|---|---|---|\n");
        let peers = peers(plan);
        for (p, name) in peers.iter().zip(peer_names(&peers)) {
            let _ = writeln!(
                o,
                "| {name} ({}) | {} | {} → {} | {} |",
                p.router,
                p.address,
                p.my_asn,
                p.peer_asn,
                p.nodes.join(", ")
            );
        }
        o.push_str(
            "\nEach node announces every service address as a /32 (/128): the routers see one path per node \
and spread the traffic over them (ECMP) when they allow multipath.\n",
        );
    }
    if !plan.cluster.disable.iter().any(|d| d == "servicelb") {
        o.push_str(
            "\n**Warning:** the topology does not disable k3s's `servicelb`; add `servicelb` to \
`cluster.disable`, or it competes with MetalLB for every LoadBalancer service.\n",
        );
    }
    let _ = writeln!(
        o,
        "\nRun once on a server, after the CNI: `sudo ./{APPLY}`. It installs MetalLB, waits for the controller, \
the speakers and the validating webhook, then applies `pools.yaml` and `{}`.",
        if m.mode == MetallbMode::L2 { "l2.yaml" } else { "bgp.yaml" }
    );
    if plan.cluster.airgap {
        o.push_str(
            "\nAirgap: the manifest comes from `artifacts/metallb/`, its images (controller, speaker, and in FRR-K8s \
mode frr-k8s and FRR) from the kit (`artifacts/images/`, imported by k3s).\n",
        );
    }
    Some(o)
}

/// verify.sh's MetalLB checks (bash), run inside verify.sh after its prologue: they
/// use its `kc`, `pass` and `fail`. A probe LoadBalancer service must get an
/// address from a pool.
fn verify_checks(plan: &Plan) -> Option<String> {
    let m = plan.cluster.metallb.as_ref()?;
    let mut o = String::from("\necho \"== MetalLB\"\n");
    o.push_str(
        "if kc -n metallb-system rollout status deployment/controller --timeout=60s >/dev/null 2>&1; then\n  \
pass \"MetalLB controller is available\"\nelse\n  fail \"MetalLB controller is available\"\nfi\n\
if kc -n metallb-system rollout status daemonset/speaker --timeout=60s >/dev/null 2>&1; then\n  \
pass \"MetalLB speaker runs on every node\"\nelse\n  fail \"MetalLB speaker runs on every node\"\nfi\n",
    );
    for p in pool_names(m) {
        let _ = writeln!(
            o,
            "if kc -n metallb-system get ipaddresspools.metallb.io {p} >/dev/null 2>&1; then\n  pass \"MetalLB pool {p} exists\"\nelse\n  fail \"MetalLB pool {p} exists\"\nfi"
        );
    }
    if m.mode == MetallbMode::Bgp {
        let peers = peers(plan);
        for name in peer_names(&peers) {
            let _ = writeln!(
                o,
                "if kc -n metallb-system get bgppeers.metallb.io {name} >/dev/null 2>&1; then\n  pass \"MetalLB BGP peer {name} exists\"\nelse\n  fail \"MetalLB BGP peer {name} exists\"\nfi"
            );
        }
    }
    o.push_str(
        "# A LoadBalancer service without pods: MetalLB still assigns it an address.\n\
kc -n default delete service meshplan-lb-probe --ignore-not-found >/dev/null 2>&1 || true\n\
kc -n default create service loadbalancer meshplan-lb-probe --tcp=80:80 >/dev/null\n\
lb_ip() {\n  kc -n default get service meshplan-lb-probe -o jsonpath='{.status.loadBalancer.ingress[0].ip}' 2>/dev/null\n}\n\
LB_IP=\"\"\nfor _ in $(seq 1 12); do\n  LB_IP=\"$(lb_ip || true)\"\n  [[ -n \"$LB_IP\" ]] && break\n  sleep 5\ndone\n\
if [[ -n \"$LB_IP\" ]]; then\n  pass \"MetalLB assigned $LB_IP to a LoadBalancer service\"\nelse\n  \
fail \"MetalLB assigned an address to a LoadBalancer service (none after 60s)\"\nfi\n\
kc -n default delete service meshplan-lb-probe --ignore-not-found >/dev/null 2>&1 || true\n",
    );
    Some(o)
}

/// fetch-artifacts.sh's MetalLB step (bash), run inside that script: it uses its
/// `fetch` and `$HERE`. MetalLB publishes no checksum for the manifest; it comes
/// from the immutable release tag and lands in artifacts/SHA256SUMS.
fn fetch_steps(plan: &Plan) -> Option<String> {
    plan.cluster.metallb.as_ref()?;
    let file = manifest(plan);
    let mut o = String::from(
        "\n# MetalLB: the manifest of the release tag, checked against the sha256 meshplan pinned from it.\n",
    );
    let _ = writeln!(o, "mkdir -p \"$HERE/{ARTIFACTS_DIR}\"");
    let _ = writeln!(o, "fetch \"$METALLB_RAW/{VERSION}/config/manifests/{file}\" \"$HERE/{ARTIFACTS_DIR}/{file}\"");
    if let Some(sum) = manifest_sha256(file) {
        let _ = writeln!(o, "pinned {sum} \"$HERE/{ARTIFACTS_DIR}/{file}\"");
    }
    Some(o)
}

/// ARTIFACTS.txt's MetalLB lines.
fn artifact_lines(plan: &Plan) -> Option<String> {
    plan.cluster.metallb.as_ref()?;
    let file = manifest(plan);
    Some(format!(
        "\nMetalLB {VERSION}\n  {ARTIFACTS_DIR}/{file}\n      {}\n      sha256 {}\n",
        manifest_url(file),
        manifest_sha256(file).unwrap_or("not pinned: recorded in artifacts/SHA256SUMS"),
    ))
}

#[cfg(test)]
mod tests {
    use super::address;
    use crate::model::AddrRange;

    #[test]
    fn pool_entries() {
        let r: AddrRange = "10.0.0.100-10.0.0.200".parse().expect("a range");
        assert_eq!(address(&r), "10.0.0.100-10.0.0.200");
        let c: AddrRange = "192.0.2.241/29".parse().expect("a prefix");
        assert_eq!(address(&c), "192.0.2.240/29");
    }
}
