//! Renderer: Kilo, the WireGuard mesh (`cluster/kilo/`, `nodes/<node>/firewall.sh`).
//!
//! - `cluster/kilo/apply.sh`: annotates every node (`kilo.squat.ai/location` from
//!   its site, `force-endpoint` from `public`, `persistent-keepalive`, and `leader`
//!   on the node the plan expects to lead its location), fetches the upstream
//!   `crds.yaml` and `kilo-k3s.yaml` of the pinned Kilo release (or takes them from
//!   the artifacts when airgapped; nothing upstream is embedded in the bundle), adds
//!   the plan's flags to the `kg` DaemonSet arguments and the pod MTU to its CNI
//!   configuration, applies them and waits for the mesh.
//! - `nodes/<node>/firewall.sh`: an nftables table that opens exactly what the node
//!   needs: the WireGuard port (udp), 6443/tcp on servers, 10250/tcp from the
//!   cluster, 2379-2380/tcp between servers (when there is more than one).
//!
//! The expected WireGuard layout follows Kilo's own rules (pkg/mesh/topology.go):
//! at `location` granularity the leaders of the locations form a full mesh and the
//! other nodes reach other locations through their leader; at `full` granularity
//! every node is its own location. The leader of a location is the first node (by
//! name) with a `public` endpoint, else the first node; apply.sh annotates it so
//! Kilo picks the same one.
//!
//! Flags and annotations as squat/kilo 0.7.0 defines them: `cmd/kg/main.go`,
//! `docs/kg.md`, `docs/annotations.md`, `pkg/k8s/backend.go`; kgctl's output from
//! `cmd/kgctl/{graph,showconf}.go` and `pkg/mesh/graph.go`.
//!
//! Kilo `Peer` resources (WireGuard peers outside the cluster) have no field in
//! topology format v1, so none are rendered.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::{IpAddr, SocketAddr};

use ipnet::IpNet;

use super::addon::{port, AddOn, ConfigValue, Kind, Mirror, NodeStep, Port, Reader};
use super::bootstrap::{Provides, Res, Step};
use super::common::{
    ident, kube_prologue, on_a_server, require_host, require_root, script_start, servers, sh_quote, HERE,
};
use super::File;
use crate::model::{Cni, KiloEncapsulation, KiloGranularity, MetallbMode, Role};
use crate::plan::{NodePlan, Plan};

/// The Kilo release installed ([`crate::versions`]). Its manifests pin the image
/// `squat/kilo:0.7.0`.
pub const VERSION: &str = crate::versions::KILO;
pub const DIR: &str = "cluster/kilo";
/// The script that deploys Kilo from a server, relative to the bundle root.
pub const APPLY: &str = "cluster/kilo/apply.sh";
/// Where fetch-artifacts.sh puts the manifests and kgctl in airgap mode.
pub const ARTIFACTS_DIR: &str = "artifacts/kilo";
/// The manifests of the release that apply.sh installs, in order.
pub const MANIFESTS: [&str; 2] = ["crds.yaml", "kilo-k3s.yaml"];
/// The sha256 of [`MANIFESTS`] at the pinned tag (the files in
/// `tests/data/upstream/kilo-0.7.0/`; a test recomputes them): Kilo publishes
/// none, and a mirror (Gitee) must serve the same bytes.
pub const MANIFEST_SHA256: [(&str, &str); 2] = [
    ("crds.yaml", "4d377db1ad0bc3aed7d4b75e643615b97ea251871b715e1356994faf739ff1fc"),
    ("kilo-k3s.yaml", "f4683a1905a1cd1c1040e3d48af7da51429a9e53735aab0ee7a5382fc42100c9"),
];
/// The nftables table of the firewall scripts.
const TABLE: &str = "meshplan";
/// Annotation keys (pkg/k8s/backend.go).
const A_LOCATION: &str = "kilo.squat.ai/location";
const A_ENDPOINT: &str = "kilo.squat.ai/force-endpoint";
const A_KEEPALIVE: &str = "kilo.squat.ai/persistent-keepalive";
const A_LEADER: &str = "kilo.squat.ai/leader";

/// The image `kilo-k3s.yaml` of the pinned release runs (`squat/kilo`, on Docker Hub).
fn images() -> Vec<String> {
    vec![format!("docker.io/squat/kilo:{VERSION}")]
}

fn manifest_url(file: &str) -> String {
    format!("https://raw.githubusercontent.com/squat/kilo/{VERSION}/manifests/{file}")
}

fn kgctl_url() -> String {
    format!("https://github.com/squat/kilo/releases/download/{VERSION}/kgctl-linux-$ARCH")
}

/// Kilo as an add-on of the bundle.
pub struct Kilo;

impl AddOn for Kilo {
    fn kind(&self) -> Kind {
        Kind::Cni
    }
    fn name(&self) -> &'static str {
        "Kilo"
    }
    fn in_design(&self, plan: &Plan) -> bool {
        plan.cluster.cni == Cni::Kilo
    }
    fn files(&self, plan: &Plan) -> Vec<File> {
        files(plan)
    }
    fn apply_script(&self) -> Option<&'static str> {
        Some(APPLY)
    }
    fn steps(&self) -> &'static [Step] {
        &[MANIFESTS_STEP, ANNOTATIONS, ARGS, KILO]
    }
    fn title_vars(&self, _plan: &Plan) -> Vec<(&'static str, String)> {
        vec![("$KILO_VERSION", VERSION.to_string())]
    }
    /// Kilo is the CNI; k3s's network policy controller stays.
    fn k3s_settings(&self, _plan: &Plan) -> Vec<(&'static str, ConfigValue)> {
        vec![("flannel-backend", ConfigValue::Str("none".into()))]
    }
    fn fetch_steps(&self, plan: &Plan) -> Option<String> {
        fetch_steps(plan)
    }
    fn artifact_lines(&self, plan: &Plan) -> Option<String> {
        artifact_lines(plan)
    }
    fn mirrors(&self) -> &'static [Mirror] {
        &[
            Mirror { var: "KILO_RELEASES", default: "$GITHUB/squat/kilo/releases/download", seeds: "" },
            Mirror {
                var: "KILO_RAW",
                default: "$GITHUB_RAW/squat/kilo",
                seeds: "`https://gitee.com/mirrors/squat/raw` (seed 004's Gitee mirror)",
            },
        ]
    }
    fn images(&self, _plan: &Plan) -> Vec<String> {
        images()
    }
    fn image_steps(&self, _plan: &Plan) -> Option<String> {
        Some(format!("manifest_images \"$HERE/{ARTIFACTS_DIR}/kilo-k3s.yaml\" >> \"$IMAGES_LIST\"\n"))
    }
    fn summary(&self, _plan: &Plan) -> Option<String> {
        Some("kilo".to_string())
    }
    /// Each node opens WireGuard and the k3s ports on its own firewall before k3s.
    fn node_step(&self) -> Option<NodeStep> {
        Some(NodeStep {
            title: "Node firewalls (Kilo)",
            file: "firewall.sh",
            runbook: "Before k3s, open on each node exactly the ports it needs (WireGuard; the API and etcd on servers; the kubelet):\n\n```sh\nsudo ./nodes/<node>/firewall.sh                 # SSH_PORT=2222 ... when sshd listens elsewhere\n```\n\n",
            check: "nft list table inet meshplan",
            undo: "systemctl disable --now meshplan-firewall.service; nft delete table inet meshplan",
        })
    }
    fn prerequisites(&self, _plan: &Plan) -> Vec<&'static str> {
        vec!["- Every node has the WireGuard kernel module (in Linux 5.6 and later).\n"]
    }
    fn ports(&self, plan: &Plan) -> Vec<Port> {
        let k = plan.cluster.kilo();
        let mut v = vec![port(format!("{}/udp", k.port), "location leaders ↔ leaders", "Kilo WireGuard")];
        if k.encapsulate != KiloEncapsulation::Never {
            v.push(port("IP protocol 4", "nodes of one location", "Kilo IP-in-IP"));
        }
        v
    }
    fn variables(&self) -> Vec<(Reader, &'static str)> {
        vec![
            (Reader::Nodes, "| `SSH_PORT` | `nodes/*/firewall.sh` | `22` | the SSH port the firewall keeps open, so it never locks you out |\n"),
            (Reader::Verify, "| `KGCTL` | `verify.sh` | `kgctl` | Kilo's CLI |\n"),
        ]
    }
    fn check_undo(&self) -> (&'static str, &'static str) {
        (
            "kubectl -n kube-system rollout status daemonset/kilo",
            "kubectl -n kube-system delete daemonset kilo   # nodes keep kilo0 until they reboot",
        )
    }
    fn runbook_section(&self, plan: &Plan) -> Option<String> {
        runbook_section(plan)
    }
    fn verify_checks(&self, plan: &Plan) -> Option<String> {
        verify_checks(plan)
    }
}

/// The steps of apply.sh.
const MANIFESTS_STEP: Step =
    Step { title: "Kilo $KILO_VERSION manifests", needs: &[Res::Upstream], provides: Provides::Always(&[]) };
const ANNOTATIONS: Step = Step {
    title: "node annotations: location, endpoint, keepalive, leader",
    needs: &[Res::KubeApi],
    provides: Provides::Always(&[Res::NodeMarks]),
};
const ARGS: Step = Step { title: "kg arguments and pod MTU", needs: &[Res::Upstream], provides: Provides::Always(&[]) };
const KILO: Step = Step {
    title: "Kilo",
    needs: &[Res::KubeApi, Res::Underlay, Res::NodeMarks],
    provides: Provides::Always(&[Res::CniCrds, Res::CniAgents, Res::PodRoutes]),
};

fn files(plan: &Plan) -> Vec<File> {
    let mut out = vec![File::script(APPLY, apply(plan))];
    for (name, n) in &plan.nodes {
        out.push(File::script(format!("nodes/{name}/firewall.sh"), firewall(plan, name, n)));
    }
    out
}

/// One Kilo location: its nodes (sorted) and the one that leads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    pub name: String,
    pub nodes: Vec<String>,
    pub leader: String,
}

/// The locations as Kilo forms them: one per site at `location` granularity, one
/// per node at `full`.
pub fn locations(plan: &Plan) -> Vec<Location> {
    match plan.cluster.kilo().granularity {
        KiloGranularity::Full => {
            plan.nodes.keys().map(|n| Location { name: n.clone(), nodes: vec![n.clone()], leader: n.clone() }).collect()
        }
        KiloGranularity::Location => {
            let sites: BTreeSet<&str> = plan.nodes.values().map(|n| n.site.as_str()).collect();
            sites
                .into_iter()
                .filter_map(|site| {
                    let nodes: Vec<String> =
                        plan.nodes.iter().filter(|(_, n)| n.site == site).map(|(k, _)| k.clone()).collect();
                    let leader = nodes
                        .iter()
                        .find(|n| plan.nodes.get(*n).is_some_and(|x| x.public.is_some()))
                        .or_else(|| nodes.first())?
                        .clone();
                    Some(Location { name: site.to_string(), nodes, leader })
                })
                .collect()
        }
    }
}

/// The UDP port a node's WireGuard interface listens on: Kilo takes it from the
/// node's endpoint, so a `public` endpoint's port wins over `kilo.port`.
pub fn listen_port(plan: &Plan, node: &NodePlan) -> u16 {
    node.public.map_or(plan.cluster.kilo().port, |p| p.port())
}

/// The flags meshplan adds to `kg` in the DaemonSet (after `--hostname`).
pub fn kg_args(plan: &Plan) -> Vec<String> {
    let k = plan.cluster.kilo();
    let g = match k.granularity {
        KiloGranularity::Location => "location",
        KiloGranularity::Full => "full",
    };
    let mut args = vec![
        format!("--mesh-granularity={g}"),
        format!("--subnet={}", k.wireguard_cidr),
        format!("--port={}", k.port),
        // The WireGuard interface carries pod packets of the pod MTU.
        format!("--mtu={}", plan.pod_mtu),
        // Inside a location: IP-in-IP always (upstream's default, what the plan's
        // data plane counts), or as the topology chose.
        format!("--encapsulate={}", k.encapsulate.as_str()),
    ];
    args.extend(plan.cluster.service_cidr.iter().map(|c| format!("--service-cidr={c}")));
    args
}

/// `key=value` to set, and keys to remove, on one node.
fn annotations(plan: &Plan, name: &str, n: &NodePlan, leaders: &BTreeSet<String>) -> (Vec<String>, Vec<&'static str>) {
    let k = plan.cluster.kilo();
    let mut set = vec![format!("{A_LOCATION}={}", n.site)];
    let mut remove = Vec::new();
    match n.public {
        Some(p) => set.push(format!("{A_ENDPOINT}={p}")),
        None => remove.push(A_ENDPOINT),
    }
    match k.keepalive {
        Some(s) => set.push(format!("{A_KEEPALIVE}={s}")),
        None => remove.push(A_KEEPALIVE),
    }
    if k.granularity == KiloGranularity::Location && leaders.contains(name) {
        set.push(format!("{A_LEADER}=true"));
    } else {
        remove.push(A_LEADER);
    }
    (set, remove)
}

fn leaders(plan: &Plan) -> BTreeSet<String> {
    locations(plan).into_iter().map(|l| l.leader).collect()
}

fn apply(plan: &Plan) -> String {
    let airgap = plan.cluster.airgap;
    let mut o = script_start(
        plan,
        "Installs Kilo (WireGuard mesh) and annotates the nodes with their location, endpoint and keepalive. Run on a server, after every node is installed.",
    );
    o.push_str("# Usage: sudo ./cluster/kilo/apply.sh\n# Safe to run again, for example after more nodes joined.\n\n");
    o.push_str(&on_a_server(plan));
    let _ = writeln!(o, "\nKILO_VERSION={}\nPOD_MTU={}", sh_quote(VERSION), plan.pod_mtu);
    if airgap {
        o.push_str(HERE);
    }
    o.push_str(kube_prologue());
    let args: Vec<String> = kg_args(plan).iter().map(|a| sh_quote(a)).collect();
    let _ = writeln!(o, "# Added to kg's arguments after --hostname.\nKILO_ARGS=({})", args.join(" "));
    o.push_str("TMP=\"$(mktemp -d)\"\ntrap 'rm -rf \"$TMP\"' EXIT\n");

    o.push('\n');
    o.push_str(&MANIFESTS_STEP.header());
    let list = MANIFESTS.join(" ");
    if airgap {
        let _ = writeln!(
            o,
            "for m in {list}; do\n  src=\"$HERE/../../{dir}/$m\"\n  if [[ ! -f \"$src\" ]]; then\n    \
echo \"error: $src is missing: run fetch-artifacts.sh on a machine with Internet and copy artifacts/ beside this bundle\" >&2\n    exit 1\n  fi\n  \
cp \"$src\" \"$TMP/$m\"\ndone",
            dir = ARTIFACTS_DIR
        );
    } else {
        let _ = writeln!(
            o,
            "for m in {list}; do\n  curl -fsSL --retry 3 --proto '=https' -o \"$TMP/$m\" \"https://raw.githubusercontent.com/squat/kilo/$KILO_VERSION/manifests/$m\"\ndone"
        );
    }

    o.push('\n');
    o.push_str(&ANNOTATIONS.header());
    o.push_str(
        "# $1 node, then key=value pairs to set.\nannotate() {\n  local node=$1\n  shift\n  \
if kc get node \"$node\" >/dev/null 2>&1; then\n    kc annotate node \"$node\" --overwrite \"$@\" >/dev/null\n    echo \"annotated $node\"\n  else\n    \
echo \"warning: node $node has not joined yet; run this script again once it has\" >&2\n  fi\n}\n\
# $1 node, $2 key: removes an annotation the plan no longer wants (absent is fine).\n\
unannotate() {\n  kc annotate node \"$1\" \"$2-\" >/dev/null 2>&1 || true\n}\n",
    );
    let leaders = leaders(plan);
    for (name, n) in &plan.nodes {
        let (set, remove) = annotations(plan, name, n, &leaders);
        let set: Vec<String> = set.iter().map(|s| sh_quote(s)).collect();
        let _ = writeln!(o, "annotate {} {}", sh_quote(name), set.join(" "));
        for r in remove {
            let _ = writeln!(o, "unannotate {} {}", sh_quote(name), sh_quote(r));
        }
    }

    o.push('\n');
    o.push_str(&ARGS.header());
    o.push_str(
        "# Drops any earlier copy of our flags, adds them after --hostname, and sets the CNI MTU.\n\
awk -v args=\"${KILO_ARGS[*]}\" -v mtu=\"$POD_MTU\" '\n  \
/^ *- --(mesh-granularity|subnet|port|mtu|encapsulate|service-cidr)=/ { next }\n  \
{ gsub(/\"mtu\": *[0-9]+/, \"\\\"mtu\\\": \" mtu); print }\n  \
/^ *- --hostname=/ {\n    match($0, /^ */)\n    n = split(args, a, \" \")\n    for (i = 1; i <= n; i++) print substr($0, 1, RLENGTH) \"- \" a[i]\n  }\n\
' \"$TMP/kilo-k3s.yaml\" > \"$TMP/kilo.yaml\"\n\
for a in \"${KILO_ARGS[@]}\"; do\n  if ! grep -qF -- \"- $a\" \"$TMP/kilo.yaml\"; then\n    \
echo \"error: kilo-k3s.yaml of $KILO_VERSION has no '- --hostname=' argument to add $a after\" >&2\n    exit 1\n  fi\ndone\n\
if ! grep -qF \"\\\"mtu\\\": $POD_MTU\" \"$TMP/kilo.yaml\"; then\n  echo \"error: kilo-k3s.yaml of $KILO_VERSION has no CNI mtu to set\" >&2\n  exit 1\nfi\n",
    );
    if airgap {
        // kilo-k3s.yaml pulls its init container with `imagePullPolicy: Always`,
        // which asks the registry even when the image is present: offline, the
        // pod would never start. The kit's image is on every node.
        o.push_str(
            "# Airgap: the kit's image is on every node; Always would ask a registry the nodes cannot reach.\n\
sed -i 's/imagePullPolicy: Always/imagePullPolicy: IfNotPresent/' \"$TMP/kilo.yaml\"\n\
if grep -q 'imagePullPolicy: Always' \"$TMP/kilo.yaml\"; then\n  \
echo \"error: kilo.yaml still pulls an image Always\" >&2\n  exit 1\nfi\n",
        );
    }

    o.push('\n');
    o.push_str(&KILO.header());
    o.push_str(
        "# Server-side apply: safe to repeat, and takes over fields an earlier apply set.\n\
kc apply --server-side --force-conflicts -f \"$TMP/crds.yaml\"\n\
kc wait --for=condition=Established --timeout=120s crd/peers.kilo.squat.ai\n\
kc apply --server-side --force-conflicts -f \"$TMP/kilo.yaml\"\n\
kc -n kube-system rollout status daemonset/kilo --timeout=900s\n\
kc wait --for=condition=Ready node --all --timeout=600s\n\
echo \"Kilo is installed. Next: ./verify.sh from the bundle's top folder (it compares kgctl's view with the plan).\"\n",
    );
    o
}

/// Addresses by family, deduplicated and sorted.
#[derive(Default)]
struct Sets {
    v4: BTreeSet<IpNet>,
    v6: BTreeSet<IpNet>,
}

impl Sets {
    fn add_addr(&mut self, a: IpAddr) {
        self.add_net(IpNet::from(a));
    }
    fn add_net(&mut self, n: IpNet) {
        match n {
            IpNet::V4(_) => self.v4.insert(n.trunc()),
            IpNet::V6(_) => self.v6.insert(n.trunc()),
        };
    }
}

fn element(n: &IpNet) -> String {
    if n.prefix_len() == n.max_prefix_len() {
        n.addr().to_string()
    } else {
        n.to_string()
    }
}

/// An nftables set declaration (interval, auto-merged), empty when `items` is.
fn nft_set(o: &mut String, name: &str, ty: &str, items: &BTreeSet<IpNet>) {
    let _ = write!(o, "\tset {name} {{\n\t\ttype {ty}\n\t\tflags interval\n\t\tauto-merge\n");
    if !items.is_empty() {
        let e: Vec<String> = items.iter().map(element).collect();
        let _ = writeln!(o, "\t\telements = {{ {} }}", e.join(", "));
    }
    o.push_str("\t}\n");
}

/// What one node's firewall opens, for the script and the runbook's table.
struct Openings {
    wg_port: u16,
    server: bool,
    etcd: bool,
    memberlist: bool,
    bgp_from: Sets,
    cluster: Sets,
    servers: Sets,
    location: Sets,
}

fn openings(plan: &Plan, name: &str, n: &NodePlan) -> Openings {
    let k = plan.cluster.kilo();
    let mut cluster = Sets::default();
    let mut srv = Sets::default();
    for node in plan.nodes.values() {
        let ips = node.addresses.iter().copied().chain(node.public.map(|p| p.ip()));
        for a in ips {
            cluster.add_addr(a);
            if node.role == Role::Server {
                srv.add_addr(a);
            }
        }
    }
    cluster.add_net(k.wireguard_cidr);
    for c in &plan.cluster.pod_cidr {
        cluster.add_net(*c);
    }
    let mut location = Sets::default();
    for (other, node) in &plan.nodes {
        if other != name && node.site == n.site {
            node.addresses.iter().for_each(|a| location.add_addr(*a));
        }
    }
    let metallb = plan.cluster.metallb.as_ref();
    let mut bgp_from = Sets::default();
    if metallb.is_some_and(|m| m.mode == MetallbMode::Bgp) {
        for s in plan.sessions.iter().filter(|s| s.a == name) {
            bgp_from.add_addr(s.b_address);
        }
    }
    Openings {
        wg_port: listen_port(plan, n),
        server: n.role == Role::Server,
        etcd: n.role == Role::Server && servers(plan).len() > 1,
        memberlist: metallb.is_some(),
        bgp_from,
        cluster,
        servers: srv,
        location,
    }
}

/// The nftables ruleset of one node's firewall.sh, with `$SSH_PORT` where the
/// script fills in the SSH port (for checking with `nft -c`).
pub fn nft_rules(plan: &Plan, node: &str) -> Option<String> {
    if plan.cluster.cni != Cni::Kilo {
        return None;
    }
    plan.nodes.get(node).map(|n| ruleset(plan, node, n))
}

/// The nftables ruleset of one node; `$SSH_PORT` is filled in by the script.
fn ruleset(plan: &Plan, name: &str, n: &NodePlan) -> String {
    let op = openings(plan, name, n);
    // No backquote or dollar sign but $SSH_PORT: the script writes this through an
    // unquoted heredoc, so that one value is filled in.
    let mut o = format!(
        "# nftables rules of {name} (Kilo): opens what k3s and the WireGuard mesh need\n\
# Generated by meshplan from the plan {}. Edit the topology, not this file.\n",
        plan.name.chars().filter(|c| c.is_ascii_alphanumeric() || "-_.".contains(*c)).collect::<String>()
    );
    // Declaring, then deleting, then defining the table replaces it atomically,
    // and works whether it existed before or not.
    let _ = write!(o, "table inet {TABLE}\ndelete table inet {TABLE}\n\ntable inet {TABLE} {{\n");
    nft_set(&mut o, "cluster4", "ipv4_addr", &op.cluster.v4);
    nft_set(&mut o, "cluster6", "ipv6_addr", &op.cluster.v6);
    nft_set(&mut o, "servers4", "ipv4_addr", &op.servers.v4);
    nft_set(&mut o, "servers6", "ipv6_addr", &op.servers.v6);
    nft_set(&mut o, "location4", "ipv4_addr", &op.location.v4);
    nft_set(&mut o, "location6", "ipv6_addr", &op.location.v6);
    nft_set(&mut o, "routers4", "ipv4_addr", &op.bgp_from.v4);
    nft_set(&mut o, "routers6", "ipv6_addr", &op.bgp_from.v6);
    o.push_str("\n\tchain input {\n\t\ttype filter hook input priority filter; policy drop;\n");
    o.push_str("\t\tct state established,related accept\n\t\tct state invalid drop\n\t\tiif \"lo\" accept\n");
    o.push_str("\t\t# ICMP and ICMPv6 (path MTU discovery, neighbour discovery)\n\t\tmeta l4proto { icmp, ipv6-icmp } accept\n");
    o.push_str("\t\t# SSH, so this script never locks you out\n\t\ttcp dport $SSH_PORT accept\n");
    o.push_str(
        "\t\t# the WireGuard mesh, the pods' bridge, and IP-in-IP inside a location: cluster traffic\n\
\t\tiifname { \"kilo0\", \"kube-bridge\", \"tunl0\" } accept\n",
    );
    let _ = writeln!(o, "\t\t# WireGuard between locations\n\t\tudp dport {} accept", op.wg_port);
    if op.server {
        o.push_str("\t\t# Kubernetes API and k3s supervisor: agents and kubectl\n\t\ttcp dport 6443 accept\n");
    }
    o.push_str("\t\t# kubelet: from the cluster's nodes and pods\n");
    o.push_str("\t\ttcp dport 10250 ip saddr @cluster4 accept\n\t\ttcp dport 10250 ip6 saddr @cluster6 accept\n");
    if op.etcd {
        o.push_str("\t\t# embedded etcd: between servers only\n");
        o.push_str("\t\ttcp dport { 2379, 2380 } ip saddr @servers4 accept\n\t\ttcp dport { 2379, 2380 } ip6 saddr @servers6 accept\n");
    }
    o.push_str("\t\t# IP-in-IP (protocol 4) from nodes of the same location\n");
    o.push_str("\t\tip protocol 4 ip saddr @location4 accept\n");
    if op.memberlist {
        o.push_str("\t\t# MetalLB speakers' memberlist\n");
        o.push_str("\t\tmeta l4proto { tcp, udp } th dport 7946 ip saddr @cluster4 accept\n");
        o.push_str("\t\tmeta l4proto { tcp, udp } th dport 7946 ip6 saddr @cluster6 accept\n");
    }
    if !op.bgp_from.v4.is_empty() || !op.bgp_from.v6.is_empty() {
        o.push_str("\t\t# BGP from the routers MetalLB peers with\n");
        o.push_str("\t\ttcp dport 179 ip saddr @routers4 accept\n\t\ttcp dport 179 ip6 saddr @routers6 accept\n");
    }
    o.push_str("\t}\n}\n");
    o
}

fn firewall(plan: &Plan, name: &str, n: &NodePlan) -> String {
    let mut o = script_start(
        plan,
        &format!("Firewall of {name} (nftables): opens the ports k3s and Kilo need, drops other inbound traffic"),
    );
    let _ = writeln!(
        o,
        "#\n# Usage, as root on {name}, before its install.sh:\n#   ./firewall.sh            (SSH_PORT=2222 ./firewall.sh when sshd listens elsewhere)\n\
# It replaces the nftables table `inet {TABLE}` and restores it at boot (meshplan-firewall.service).\n\
# Cloud security groups must allow the same: see README.md.\n"
    );
    o.push_str(&require_root());
    o.push_str(&require_host(&[name], &n.addresses));
    o.push_str(
        "\nif ! command -v nft >/dev/null 2>&1; then\n  echo \"error: nft is missing: install nftables (apt-get install nftables, or dnf install nftables)\" >&2\n  exit 1\nfi\n\
SSH_PORT=\"${SSH_PORT:-22}\"\n\
if ! [[ \"$SSH_PORT\" =~ ^[0-9]+$ ]] || (( SSH_PORT < 1 || SSH_PORT > 65535 )); then\n  echo \"error: SSH_PORT must be a port number (got $SSH_PORT)\" >&2\n  exit 1\nfi\n\
RULES=/etc/meshplan/firewall.nft\nUNIT=/etc/systemd/system/meshplan-firewall.service\n\
TMP=\"$(mktemp)\"\ntrap 'rm -f \"$TMP\"' EXIT\n\
# Writes $TMP to $1 with mode $2 when the content differs; returns 1 when unchanged.\n\
place() {\n  if [[ -f \"$1\" ]] && cmp -s \"$TMP\" \"$1\"; then\n    echo \"unchanged $1\"\n    return 1\n  fi\n  \
mkdir -p \"$(dirname \"$1\")\"\n  install -m \"$2\" \"$TMP\" \"$1\"\n  echo \"wrote     $1\"\n}\n\n",
    );
    let rules = ruleset(plan, name, n);
    let _ = write!(o, "cat > \"$TMP\" <<MESHPLAN_EOF\n{rules}MESHPLAN_EOF\n");
    o.push_str(
        "# Check the rules before touching the running firewall.\nnft -c -f \"$TMP\"\n\
place \"$RULES\" 0600 || true\nnft -f \"$RULES\"\n\n\
NFT=\"$(command -v nft)\"\n\
cat > \"$TMP\" <<MESHPLAN_EOF\n\
[Unit]\nDescription=meshplan firewall (nftables table inet meshplan)\nDefaultDependencies=no\nWants=network-pre.target\n\
Before=network-pre.target shutdown.target\nConflicts=shutdown.target\n\n\
[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=$NFT -f $RULES\n\n\
[Install]\nWantedBy=sysinit.target\nMESHPLAN_EOF\n\
if place \"$UNIT\" 0644; then\n  systemctl daemon-reload\nfi\n\
systemctl enable meshplan-firewall.service >/dev/null 2>&1\n",
    );
    let _ = writeln!(o, "nft list table inet {TABLE}");
    o
}

fn endpoint(plan: &Plan, node: &str) -> Option<SocketAddr> {
    plan.nodes.get(node).and_then(|n| n.public)
}

/// `ip:port` without IPv6 brackets, as verify.sh compares kgctl's `Endpoint =` lines.
fn bare(sa: &SocketAddr) -> String {
    format!("{}:{}", sa.ip(), sa.port())
}

/// The expected links of `kgctl graph`: unordered pairs, the smaller name first.
fn expected_edges(plan: &Plan) -> Vec<(String, String, String)> {
    let locs = locations(plan);
    let pair = |a: &str, b: &str| if a < b { (a.to_string(), b.to_string()) } else { (b.to_string(), a.to_string()) };
    let mut out = Vec::new();
    for (i, x) in locs.iter().enumerate() {
        for y in &locs[i + 1..] {
            let (a, b) = pair(&x.leader, &y.leader);
            out.push((a, b, format!("WireGuard between {} and {}", x.name, y.name)));
        }
        for m in x.nodes.iter().filter(|m| **m != x.leader) {
            let (a, b) = pair(&x.leader, m);
            out.push((a, b, format!("inside {}, through its leader {}", x.name, x.leader)));
        }
    }
    crate::sort::sort(&mut out);
    out
}

/// The runbook's Kilo section (markdown), for README.md: settings, the expected
/// WireGuard layout (table and mermaid diagram), firewall and security groups,
/// the node annotations, and how to compare with kgctl.
fn runbook_section(plan: &Plan) -> Option<String> {
    if plan.cluster.cni != Cni::Kilo {
        return None;
    }
    let k = plan.cluster.kilo();
    let locs = locations(plan);
    let full = k.granularity == KiloGranularity::Full;
    let mut o = String::new();
    let _ = writeln!(o, "## Kilo {VERSION}: the WireGuard mesh\n");
    o.push_str("| | |\n|---|---|\n");
    let _ = writeln!(
        o,
        "| granularity | {} |",
        if full {
            "full: every node is its own location, all nodes peer"
        } else {
            "location: one WireGuard peer per location (its leader)"
        }
    );
    let _ = writeln!(o, "| WireGuard CIDR | {} (`--subnet`) |", k.wireguard_cidr);
    let _ =
        writeln!(o, "| WireGuard port | {}/udp (`--port`; a `public` endpoint's port overrides it per node) |", k.port);
    let _ = writeln!(o, "| pod MTU | {} (`--mtu` and the CNI configuration) |", plan.pod_mtu);
    if let Some(s) = k.keepalive {
        let _ = writeln!(o, "| keepalive | {s} s on every node |");
    }
    let inside = match k.encapsulate {
        KiloEncapsulation::Always => "IP-in-IP between every pair of nodes (`--encapsulate=always`, Kilo's default)",
        KiloEncapsulation::Crosssubnet => {
            "routed, no encapsulation on one subnet; IP-in-IP across subnets (`--encapsulate=crosssubnet`)"
        }
        KiloEncapsulation::Never => "routed, never encapsulated (`--encapsulate=never`)",
    };
    let _ = writeln!(o, "| inside a location | {inside} |");
    let cloud = locs.iter().any(|l| plan.sites.get(&l.name).is_some_and(|s| s.kind == crate::model::SiteKind::Vpc));
    let args: Vec<String> = kg_args(plan).iter().map(|a| format!("`{a}`")).collect();
    let _ = writeln!(o, "| kg flags | {} |", args.join(" "));

    o.push_str(
        "\nEvery node needs the WireGuard kernel module (in-tree from Linux 5.6; older kernels need the \
wireguard package), as Kilo's README says.\n",
    );
    if cloud && !full && !k.encapsulate.is_always() {
        let _ = writeln!(
            o,
            "\n**Cloud prerequisite.** With `--encapsulate={}` pod packets between nodes of one VPC subnet leave \
unencapsulated, addressed to pod IPs no instance owns. A cloud network drops them unless the source/destination \
check is off on every node's interface (AWS: \"Change source/destination check\"; other clouds have the same \
switch under another name), or those pods cannot reach each other inside the location. `encapsulate: always` \
(Kilo's default) needs nothing from the cloud but IP protocol 4 between the nodes.",
            k.encapsulate.as_str()
        );
    }
    o.push_str("\n### Expected WireGuard layout\n\n| location | nodes | leader | endpoint | WireGuard peers |\n|---|---|---|---|---|\n");
    for l in &locs {
        let peers: Vec<&str> = locs.iter().filter(|x| x.name != l.name).map(|x| x.leader.as_str()).collect();
        let ep = endpoint(plan, &l.leader).map(|e| e.to_string()).unwrap_or_else(|| "none (detected by Kilo)".into());
        let _ = writeln!(o, "| {} | {} | {} | {ep} | {} |", l.name, l.nodes.join(", "), l.leader, peers.join(", "));
    }
    let unreachable: Vec<&Location> = locs.iter().filter(|l| endpoint(plan, &l.leader).is_none()).collect();
    if !unreachable.is_empty() && locs.len() > 1 {
        let names: Vec<&str> = unreachable.iter().map(|l| l.name.as_str()).collect();
        let _ = writeln!(
            o,
            "\n**Warning:** no `public` endpoint in {}: Kilo advertises the address it detects, which other \
locations can reach only if it is routable from them.",
            names.join(", ")
        );
    }

    o.push_str("\n```mermaid\nflowchart LR\n");
    for l in &locs {
        let _ = writeln!(o, "  subgraph loc_{}[\"{}\"]", ident(&l.name), l.name);
        for n in &l.nodes {
            let mut label = n.clone();
            if *n == l.leader && !full {
                label.push_str(" (leader)");
            }
            if let Some(e) = endpoint(plan, n) {
                let _ = write!(label, "<br/>{e}");
            }
            let _ = writeln!(o, "    n_{}[\"{label}\"]", ident(n));
        }
        o.push_str("  end\n");
    }
    for (i, x) in locs.iter().enumerate() {
        for y in &locs[i + 1..] {
            let _ = writeln!(o, "  n_{} <-->|WireGuard| n_{}", ident(&x.leader), ident(&y.leader));
        }
        for m in x.nodes.iter().filter(|m| **m != x.leader) {
            let how = if plan.cluster.kilo().encapsulate.is_always() { "IP-in-IP" } else { "routed" };
            let _ = writeln!(o, "  n_{} -.-|{how}| n_{}", ident(&x.leader), ident(m));
        }
    }
    o.push_str("```\n");

    o.push_str(
        "\n### Firewall\n\nRun `sudo ./nodes/<node>/firewall.sh` on each node before its `install.sh`: an nftables \
table that drops inbound traffic except what is listed here (and SSH, ICMP, replies, and traffic on `kilo0`, \
`kube-bridge` and `tunl0`). Cloud security groups must allow the same:\n\n\
| node | protocol | port | from |\n|---|---|---|---|\n",
    );
    for (name, n) in &plan.nodes {
        let op = openings(plan, name, n);
        let _ = writeln!(o, "| {name} | udp | {} | any (WireGuard) |", op.wg_port);
        if op.server {
            let _ = writeln!(o, "| {name} | tcp | 6443 | any (Kubernetes API, k3s agents) |");
        }
        let _ = writeln!(o, "| {name} | tcp | 10250 | cluster nodes and pods (kubelet) |");
        if op.etcd {
            let _ = writeln!(o, "| {name} | tcp | 2379-2380 | the other servers (etcd) |");
        }
        if !op.location.v4.is_empty() {
            let _ = writeln!(o, "| {name} | IP protocol 4 | - | nodes of {} (IP-in-IP inside the location) |", n.site);
        }
        if op.memberlist {
            let _ = writeln!(o, "| {name} | tcp+udp | 7946 | cluster nodes (MetalLB memberlist) |");
        }
        if !op.bgp_from.v4.is_empty() || !op.bgp_from.v6.is_empty() {
            let _ = writeln!(o, "| {name} | tcp | 179 | its BGP routers (MetalLB) |");
        }
    }
    if servers(plan).len() < 2 {
        o.push_str("\nOne server: no embedded etcd, so 2379-2380 stay closed.\n");
    }

    o.push_str("\n### Node annotations\n\n`cluster/kilo/apply.sh` sets these (and removes the ones the plan does not want):\n\n```sh\n");
    let leaders = leaders(plan);
    for (name, n) in &plan.nodes {
        let (set, _) = annotations(plan, name, n, &leaders);
        let set: Vec<String> = set.iter().map(|s| sh_quote(s)).collect();
        let _ = writeln!(o, "kubectl annotate node {} --overwrite {}", sh_quote(name), set.join(" "));
    }
    o.push_str("```\n");
    let _ = writeln!(
        o,
        "\nRun once on a server, after every node is installed: `sudo ./{APPLY}`. It fetches `crds.yaml` and \
`kilo-k3s.yaml` of Kilo {VERSION}{}, adds the kg flags above, applies them and waits for every node to be Ready.",
        if plan.cluster.airgap { " from `artifacts/kilo/`" } else { "" }
    );
    o.push_str(
        "\nThe topology (format v1) has no field for WireGuard peers outside the cluster, so no Kilo `Peer` is \
rendered; add them with `kubectl apply` and `kgctl showconf peer <name>`.\n",
    );
    let _ = writeln!(
        o,
        "\n### Checking the mesh\n\n`verify.sh` compares `kgctl graph` and `kgctl showconf node <leader>` with the layout above \
(kgctl {VERSION} from the Kilo release page{}). By hand: `kgctl graph | circo -Tsvg > mesh.svg`.",
        if plan.cluster.airgap { ", or `artifacts/kilo/kgctl`" } else { "" }
    );
    if plan.cluster.airgap {
        o.push_str(
            "\nAirgap: the image `docker.io/squat/kilo` comes from the kit (`artifacts/images/`, imported by k3s).\n",
        );
    }
    Some(o)
}

/// verify.sh's Kilo checks (bash), run inside verify.sh (at the bundle's top
/// folder) after its prologue: they use its `kc`, `pass` and `fail`, and kgctl
/// (on PATH, `$KGCTL`, or `artifacts/kilo/kgctl`). The links of `kgctl graph` and
/// each leader's `kgctl showconf node` must match the plan's layout.
fn verify_checks(plan: &Plan) -> Option<String> {
    if plan.cluster.cni != Cni::Kilo {
        return None;
    }
    let k = plan.cluster.kilo();
    let g = match k.granularity {
        KiloGranularity::Location => "location",
        KiloGranularity::Full => "full",
    };
    let locs = locations(plan);
    let mut o = String::from("\necho \"== Kilo WireGuard mesh\"\n");
    o.push_str(
        "if kc -n kube-system rollout status daemonset/kilo --timeout=60s >/dev/null 2>&1; then\n  \
pass \"Kilo runs on every node\"\nelse\n  fail \"Kilo runs on every node\"\nfi\n\
check_kilo_location() {\n  local got\n  got=\"$(kc get node \"$1\" -o jsonpath='{.metadata.annotations.kilo\\.squat\\.ai/location}' 2>/dev/null || true)\"\n  \
if [[ \"$got\" == \"$2\" ]]; then pass \"node $1 is in Kilo location $2\"; else fail \"node $1 is in Kilo location $2 (found: ${got:-none})\"; fi\n}\n",
    );
    for (name, n) in &plan.nodes {
        let _ = writeln!(o, "check_kilo_location {} {}", sh_quote(name), sh_quote(&n.site));
    }
    let _ = writeln!(
        o,
        "KGCTL_BIN=\"${{KGCTL:-kgctl}}\"\n\
if ! command -v \"$KGCTL_BIN\" >/dev/null 2>&1 && [[ -x \"$(dirname \"${{BASH_SOURCE[0]}}\")/{ARTIFACTS_DIR}/kgctl\" ]]; then\n  \
KGCTL_BIN=\"$(dirname \"${{BASH_SOURCE[0]}}\")/{ARTIFACTS_DIR}/kgctl\"\nfi\n\
KGCTL_ARGS=(--kubeconfig \"$KUBECONFIG\" --mesh-granularity {g} --port {port})",
        port = k.port
    );
    o.push_str(
        "if ! command -v \"$KGCTL_BIN\" >/dev/null 2>&1; then\n  \
fail \"kgctl is installed (download kgctl-linux-<arch> of the Kilo release, or set KGCTL=/path/to/kgctl)\"\nelse\n\
# The links of `kgctl graph`, one per line: the two names, the smaller first.\n\
kilo_links() {\n  local LC_ALL=C line a b\n  grep -oE '\"[^\"]+\"->\"[^\"]+\"' | while IFS= read -r line; do\n    \
line=\"${line//\\\"/}\"\n    a=\"${line%%->*}\"\n    b=\"${line#*->}\"\n    \
if [[ \"$a\" < \"$b\" ]]; then echo \"$a $b\"; else echo \"$b $a\"; fi\n  done | sort -u\n}\n\
KILO_LINKS=\"$(\"$KGCTL_BIN\" \"${KGCTL_ARGS[@]}\" graph 2>/dev/null | kilo_links || true)\"\n\
KILO_EXPECTED=0\n\
expect_link() {\n  KILO_EXPECTED=$((KILO_EXPECTED + 1))\n  \
if grep -qxF \"$1 $2\" <<<\"$KILO_LINKS\"; then pass \"kgctl graph: $1 ↔ $2 ($3)\"; else fail \"kgctl graph: $1 ↔ $2 ($3)\"; fi\n}\n",
    );
    for (a, b, why) in expected_edges(plan) {
        let _ = writeln!(o, "expect_link {} {} {}", sh_quote(&a), sh_quote(&b), sh_quote(&why));
    }
    o.push_str(
        "KILO_FOUND=\"$(grep -c . <<<\"$KILO_LINKS\" || true)\"\n\
if [[ \"$KILO_FOUND\" -eq \"$KILO_EXPECTED\" ]]; then\n  pass \"kgctl graph has exactly the planned $KILO_EXPECTED links\"\nelse\n  \
fail \"kgctl graph has exactly the planned $KILO_EXPECTED links (found $KILO_FOUND)\"\nfi\n\
# $1 leader, $2 number of WireGuard peers, then the endpoints it must dial.\n\
check_showconf() {\n  local node=$1 want=$2 conf got ep\n  shift 2\n  \
conf=\"$(\"$KGCTL_BIN\" \"${KGCTL_ARGS[@]}\" showconf node \"$node\" 2>&1 || true)\"\n  \
got=\"$(grep -c '^\\[Peer\\]' <<<\"$conf\" || true)\"\n  \
if [[ \"$got\" == \"$want\" ]]; then pass \"kgctl showconf node $node: $want WireGuard peers\"; else fail \"kgctl showconf node $node: $want WireGuard peers (found $got)\"; fi\n  \
for ep in \"$@\"; do\n    if grep '^Endpoint' <<<\"$conf\" | tr -d '[] ' | grep -qxF \"Endpoint=$ep\"; then\n      \
pass \"kgctl showconf node $node: peer endpoint $ep\"\n    else\n      fail \"kgctl showconf node $node: peer endpoint $ep\"\n    fi\n  done\n}\n\
check_not_leader() {\n  if \"$KGCTL_BIN\" \"${KGCTL_ARGS[@]}\" showconf node \"$1\" 2>&1 | grep -q 'is not a leader node'; then\n    \
pass \"$1 is not a leader: it reaches other locations through $2\"\n  else\n    fail \"$1 is not a leader: it reaches other locations through $2\"\n  fi\n}\n",
    );
    for l in &locs {
        let peers: Vec<&Location> = locs.iter().filter(|x| x.name != l.name).collect();
        let eps: Vec<String> =
            peers.iter().filter_map(|x| endpoint(plan, &x.leader)).map(|e| sh_quote(&bare(&e))).collect();
        let mut line = format!("check_showconf {} {}", sh_quote(&l.leader), peers.len());
        for e in eps {
            line.push(' ');
            line.push_str(&e);
        }
        let _ = writeln!(o, "{line}");
        for m in l.nodes.iter().filter(|m| **m != l.leader) {
            let _ = writeln!(o, "check_not_leader {} {}", sh_quote(m), sh_quote(&l.leader));
        }
    }
    o.push_str("fi\n");
    Some(o)
}

/// fetch-artifacts.sh's Kilo step (bash), run inside that script: it uses its
/// `fetch`, `$HERE` and `$ARCH`. Kilo publishes no checksums: the files come from
/// the immutable release tag and land in artifacts/SHA256SUMS.
fn fetch_steps(plan: &Plan) -> Option<String> {
    if plan.cluster.cni != Cni::Kilo {
        return None;
    }
    let mut o = String::from(
        "\n# Kilo: the manifests of the release tag, checked against the sha256 meshplan pinned from them,\n\
# and kgctl (no upstream checksum; recorded in SHA256SUMS).\n",
    );
    let _ = writeln!(o, "KILO_DIR=\"$HERE/{ARTIFACTS_DIR}\"\nmkdir -p \"$KILO_DIR\"");
    // VERSION is a constant of plain characters: no quoting needed inside the URLs.
    for (m, sum) in MANIFEST_SHA256 {
        let _ = writeln!(
            o,
            "fetch \"$KILO_RAW/{VERSION}/manifests/{m}\" \"$KILO_DIR/{m}\"\npinned {sum} \"$KILO_DIR/{m}\""
        );
    }
    let _ = writeln!(
        o,
        "fetch \"$KILO_RELEASES/{VERSION}/kgctl-linux-$ARCH\" \"$KILO_DIR/kgctl\"\nchmod 0755 \"$KILO_DIR/kgctl\""
    );
    Some(o)
}

/// ARTIFACTS.txt's Kilo lines.
fn artifact_lines(plan: &Plan) -> Option<String> {
    if plan.cluster.cni != Cni::Kilo {
        return None;
    }
    let mut o = format!("\nKilo {VERSION}\n");
    for (m, sum) in MANIFEST_SHA256 {
        let _ = writeln!(o, "  {ARTIFACTS_DIR}/{m}\n      {}\n      sha256 {sum}", manifest_url(m));
    }
    let _ = writeln!(o, "  {ARTIFACTS_DIR}/kgctl\n      {}", kgctl_url());
    o.push_str("      no upstream checksum: taken from the release tag, recorded in artifacts/SHA256SUMS\n");
    Some(o)
}
