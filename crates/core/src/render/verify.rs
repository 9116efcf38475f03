//! Renderer: `verify.sh`, run from a server after deployment. It checks what the
//! plan promises, one `PASS`/`FAIL` line per check, and exits non-zero on any
//! failure: every node Ready with its `region` label; every BGP session of the
//! plan Established (Calico: BIRD inside each calico-node pod; routers over ssh
//! when asked); each node's routes to the other nodes' pod ranges via the plan's
//! next hop; and for one node pair per site pair a pod-to-pod ping with the
//! don't-fragment bit that fills the pod MTU exactly, and one byte more that must
//! be refused.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::net::IpAddr;

use super::common::{require_host, require_root, script_start, servers, sh_quote};
use super::File;
use crate::model::{Cni, Daemon};
use crate::plan::{Family, Plan};

/// An image with iputils `ping` (for `-M do`) and iproute2; overridable with VERIFY_IMAGE.
pub const PROBE_IMAGE: &str = "docker.io/nicolaka/netshoot:v0.13";
const NS: &str = "meshplan-verify";

pub fn files(plan: &Plan) -> Vec<File> {
    if plan.nodes.is_empty() {
        return Vec::new();
    }
    vec![File::script("verify.sh", script(plan))]
}

fn family_flag(f: Family) -> &'static str {
    match f {
        Family::Ipv4 => "4",
        Family::Ipv6 => "6",
    }
}

fn script(plan: &Plan) -> String {
    let mut o = script_start(
        plan,
        "Checks the deployed cluster against the plan: PASS/FAIL per check, non-zero exit on any failure.",
    );
    o.push_str(
        "# Usage, as root on a server after every step of README.md:\n#   ./verify.sh\n\
# VERIFY_IMAGE: probe image with iputils ping and iproute2 (default below; set it in airgap mode).\n\
# VERIFY_ROUTERS=1: also ask each router's daemon over ssh (ROUTER_SSH, default `ssh -o BatchMode=yes`).\n\n",
    );
    o.push_str(&require_root());
    let names: Vec<&str> = servers(plan).into_iter().map(String::as_str).collect();
    let addrs: Vec<IpAddr> =
        servers(plan).iter().filter_map(|s| plan.nodes.get(*s)).flat_map(|n| n.addresses.iter().copied()).collect();
    o.push_str(&require_host(&names, &addrs));
    let _ = writeln!(o, "\nIMAGE=\"${{VERIFY_IMAGE:-{PROBE_IMAGE}}}\"\nNS={NS}\nPOD_MTU={}", plan.pod_mtu);
    o.push_str("export KUBECONFIG=\"${KUBECONFIG:-/etc/rancher/k3s/k3s.yaml}\"\n");
    o.push_str("KUBECTL=(kubectl)\nif ! command -v kubectl >/dev/null 2>&1; then\n  KUBECTL=(k3s kubectl)\nfi\n");
    o.push_str("kc() {\n  \"${KUBECTL[@]}\" \"$@\"\n}\n");
    o.push_str(
        "PASSED=0\nFAILED=0\npass() {\n  echo \"PASS $*\"\n  PASSED=$((PASSED + 1))\n}\nfail() {\n  echo \"FAIL $*\"\n  FAILED=$((FAILED + 1))\n}\n\
cleanup() {\n  kc delete namespace \"$NS\" --ignore-not-found --wait=false >/dev/null 2>&1 || true\n}\ntrap cleanup EXIT\n\n",
    );

    // Nodes.
    o.push_str("echo \"== nodes\"\ncheck_node() {\n  local node=$1 region=$2 ready label\n  \
ready=\"$(kc get node \"$node\" -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}' 2>/dev/null || true)\"\n  \
if [[ \"$ready\" == True ]]; then pass \"node $node is Ready\"; else fail \"node $node is Ready (status: ${ready:-not registered})\"; fi\n  \
label=\"$(kc get node \"$node\" -o jsonpath='{.metadata.labels.region}' 2>/dev/null || true)\"\n  \
if [[ \"$label\" == \"$region\" ]]; then pass \"node $node has region=$region\"; else fail \"node $node has region=$region (found: ${label:-none})\"; fi\n}\n");
    for (name, n) in &plan.nodes {
        let _ = writeln!(o, "check_node {} {}", sh_quote(name), sh_quote(&n.region));
    }

    // Probe pods: one per node on the pod network, one per node on the host network.
    o.push_str("\necho \"== probe pods ($IMAGE)\"\nkc apply -f - >/dev/null <<EOF\n");
    let _ = write!(o, "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {NS}\n");
    for (ds, host) in [("pod", false), ("host", true)] {
        let _ = write!(
            o,
            "---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: {ds}\n  namespace: {NS}\nspec:\n  selector:\n    matchLabels:\n      app: meshplan-{ds}\n  \
template:\n    metadata:\n      labels:\n        app: meshplan-{ds}\n    spec:\n{host_net}      terminationGracePeriodSeconds: 0\n      tolerations:\n        - operator: Exists\n      \
containers:\n        - name: probe\n          image: \"$IMAGE\"\n          command: [\"sh\", \"-c\", \"while true; do sleep 3600; done\"]\n",
            host_net = if host { "      hostNetwork: true\n" } else { "" }
        );
    }
    o.push_str("EOF\n");
    o.push_str(
        "for ds in pod host; do\n  if kc -n \"$NS\" rollout status \"daemonset/$ds\" --timeout=300s >/dev/null; then\n    \
pass \"probe daemonset $ds runs on every node\"\n  else\n    fail \"probe daemonset $ds runs on every node\"\n  fi\ndone\n\
# The probe pod of a node: $1 = pod|host, $2 = node.\n\
probe() {\n  kc -n \"$NS\" get pods -l \"app=meshplan-$1\" --field-selector \"spec.nodeName=$2\" -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true\n}\n\
# The pod address of node $1's probe in family $2 (4 or 6).\n\
probe_ip() {\n  local ip\n  for ip in $(kc -n \"$NS\" get pods -l app=meshplan-pod --field-selector \"spec.nodeName=$1\" -o jsonpath='{.items[0].status.podIPs[*].ip}' 2>/dev/null); do\n    \
if [[ \"$2\" == 6 && \"$ip\" == *:* ]] || [[ \"$2\" == 4 && \"$ip\" != *:* ]]; then\n      echo \"$ip\"\n      return 0\n    fi\n  done\n}\n",
    );

    bgp_checks(plan, &mut o);
    route_checks(plan, &mut o);
    mtu_checks(plan, &mut o);

    o.push_str("\necho \"$PASSED passed, $FAILED failed\"\nif [[ $FAILED -gt 0 ]]; then\n  exit 1\nfi\n");
    o
}

/// Calico runs BIRD in every calico-node pod: each node's sessions, by peer address.
/// Routers are asked over ssh when VERIFY_ROUTERS=1.
fn bgp_checks(plan: &Plan, o: &mut String) {
    if plan.sessions.is_empty() {
        return;
    }
    if plan.cluster.cni == Cni::Calico {
        o.push_str(
            "\necho \"== BGP sessions (BIRD in calico-node)\"\n\
if command -v calicoctl >/dev/null 2>&1; then\n  calicoctl node status || true\nfi\n\
# $1 node, $2 family, $3 peer address, $4 peer name: BIRD names the protocol <kind>_<address with . and : as _>.\n\
check_session() {\n  local node=$1 fam=$2 peer=$3 name=$4 pod sock=/var/run/calico/bird.ctl out\n  \
[[ \"$fam\" == 6 ]] && sock=/var/run/calico/bird6.ctl\n  \
pod=\"$(kc -n calico-system get pods -l k8s-app=calico-node --field-selector \"spec.nodeName=$node\" -o jsonpath='{.items[0].metadata.name}' 2>/dev/null || true)\"\n  \
if [[ -z \"$pod\" ]]; then\n    fail \"BGP $node ↔ $name ($peer): no calico-node pod on $node\"\n    return\n  fi\n  \
out=\"$(kc -n calico-system exec \"$pod\" -c calico-node -- birdcl -s \"$sock\" show protocols 2>/dev/null || true)\"\n  \
if grep -E \"_${peer//[.:]/_}[[:space:]]\" <<<\"$out\" | grep -q Established; then\n    pass \"BGP $node ↔ $name ($peer) Established\"\n  else\n    \
fail \"BGP $node ↔ $name ($peer) Established\"\n  fi\n}\n",
        );
        for name in plan.nodes.keys() {
            for s in &plan.sessions {
                let (peer, addr) = if &s.a == name {
                    (&s.b, s.b_address)
                } else if &s.b == name {
                    (&s.a, s.a_address)
                } else {
                    continue;
                };
                let _ = writeln!(
                    o,
                    "check_session {} {} {} {}",
                    sh_quote(name),
                    family_flag(s.family),
                    sh_quote(&addr.to_string()),
                    sh_quote(peer)
                );
            }
        }
    }

    // Routers, over ssh: each session of the router, by neighbour address.
    let mut router_lines = String::new();
    for (r, rp) in &plan.routers {
        let Some(addr) = rp.addresses.first() else { continue };
        for s in &plan.sessions {
            let (peer, paddr) = if &s.a == r {
                (&s.b, s.b_address)
            } else if &s.b == r {
                (&s.a, s.a_address)
            } else {
                continue;
            };
            let daemon = match rp.daemon {
                Daemon::Bird => "bird",
                Daemon::Frr => "frr",
                Daemon::None => continue,
            };
            let _ = writeln!(
                router_lines,
                "  check_router {} {} {daemon} {} {}",
                sh_quote(r),
                sh_quote(&addr.to_string()),
                sh_quote(&paddr.to_string()),
                sh_quote(peer)
            );
        }
    }
    if !router_lines.is_empty() {
        o.push_str(
            "\n# $1 router, $2 its address, $3 bird|frr, $4 neighbour address, $5 neighbour name.\n\
check_router() {\n  local router=$1 addr=$2 daemon=$3 peer=$4 name=$5 state=\"\"\n  local -a ssh_cmd\n  \
read -r -a ssh_cmd <<<\"${ROUTER_SSH:-ssh -o BatchMode=yes -o ConnectTimeout=5}\"\n  \
if [[ \"$daemon\" == bird ]]; then\n    \
state=\"$(\"${ssh_cmd[@]}\" \"root@$addr\" birdc show protocols all 2>/dev/null | awk -v p=\"$peer\" '/BGP state:/ {s = $3} /Neighbor address:/ && $3 == p {print s}' | head -n1 || true)\"\n  \
else\n    \
state=\"$(\"${ssh_cmd[@]}\" \"root@$addr\" vtysh -c \"show bgp neighbors $peer\" 2>/dev/null | sed -n 's/.*BGP state = \\([A-Za-z]*\\).*/\\1/p' | head -n1 || true)\"\n  fi\n  \
if [[ \"$state\" == Established ]]; then\n    pass \"BGP $router ↔ $name ($peer) Established\"\n  else\n    fail \"BGP $router ↔ $name ($peer) Established (state: ${state:-unknown})\"\n  fi\n}\n\
if [[ \"${VERIFY_ROUTERS:-0}\" == 1 ]]; then\n  echo \"== BGP sessions on the routers (ssh)\"\n",
        );
        o.push_str(&router_lines);
        o.push_str("else\n  echo \"(routers not asked: set VERIFY_ROUTERS=1 to check their sessions over ssh)\"\nfi\n");
    }
}

/// Each node's route to every other node's pod ranges, via the plan's next hop.
fn route_checks(plan: &Plan, o: &mut String) {
    let mut lines = String::new();
    for name in plan.nodes.keys() {
        let reach = plan.reach(name);
        let mut seen: BTreeSet<(String, Family, IpAddr)> = BTreeSet::new();
        for l in &reach.learned {
            let Some(nh) = l.next_hop else { continue };
            let Some(origin) = plan.routing.prefixes.iter().find(|p| p.net == l.prefix).map(|p| p.origin.clone())
            else {
                continue;
            };
            if &origin == name {
                continue;
            }
            let fam = Family::of_net(&l.prefix);
            if seen.insert((origin.clone(), fam, nh)) {
                let _ = writeln!(
                    lines,
                    "check_route {} {} {} {}",
                    sh_quote(name),
                    sh_quote(&origin),
                    family_flag(fam),
                    sh_quote(&nh.to_string())
                );
            }
        }
    }
    if lines.is_empty() {
        return;
    }
    o.push_str("\necho \"== routes to the other nodes' pod ranges (next hops of the plan)\"\n");
    if plan.cluster.cni == Cni::Calico {
        o.push_str(
            "# Calico claims blocks at run time: the blocks each node holds now.\n\
pod_ranges() {\n  local res\n  for res in blockaffinities.crd.projectcalico.org blockaffinities.projectcalico.org; do\n    \
if kc get \"$res\" >/dev/null 2>&1; then\n      \
kc get \"$res\" -o jsonpath='{range .items[*]}{.spec.node}{\" \"}{.spec.cidr}{\" \"}{.spec.state}{\"\\n\"}{end}' | awk -v n=\"$1\" '$1 == n && $3 != \"pending\" {print $2}'\n      return 0\n    fi\n  done\n}\n",
        );
    } else {
        o.push_str("pod_ranges() {\n  kc get node \"$1\" -o jsonpath='{range .spec.podCIDRs[*]}{@}{\"\\n\"}{end}' 2>/dev/null || true\n}\n");
    }
    o.push_str(
        "# $1 node, $2 the node whose pods, $3 family, $4 the plan's next hop.\n\
check_route() {\n  local node=$1 origin=$2 fam=$3 via=$4 pod cidr hop routes found=0\n  \
pod=\"$(probe host \"$node\")\"\n  \
if [[ -z \"$pod\" ]]; then\n    fail \"routes on $node: no host-network probe pod\"\n    return\n  fi\n  \
# A BGP next hop that is not on a shared network is resolved recursively: the kernel\n  \
# then shows the hop this node uses to reach it.\n  \
hop=\"$(kc -n \"$NS\" exec \"$pod\" -- ip -\"$fam\" route get \"$via\" 2>/dev/null | sed -n 's/.* via \\([^ ]*\\).*/\\1/p' | head -n1 || true)\"\n  \
for cidr in $(pod_ranges \"$origin\"); do\n    \
if [[ \"$fam\" == 6 && \"$cidr\" != *:* ]] || [[ \"$fam\" == 4 && \"$cidr\" == *:* ]]; then continue; fi\n    found=1\n    \
routes=\"$(kc -n \"$NS\" exec \"$pod\" -- ip -\"$fam\" route show \"$cidr\" 2>/dev/null || true)\"\n    \
if grep -qwF -- \"via $via\" <<<\"$routes\" || { [[ -n \"$hop\" ]] && grep -qwF -- \"via $hop\" <<<\"$routes\"; }; then\n      \
pass \"route on $node to $origin's pods $cidr via $via${hop:+ (reached via $hop)}\"\n    else\n      fail \"route on $node to $origin's pods $cidr via $via\"\n    fi\n  done\n  \
if [[ $found -eq 0 ]]; then\n    fail \"route on $node to $origin's pods: $origin holds no IPv$fam pod range\"\n  fi\n}\n",
    );
    o.push_str(&lines);
}

/// For each site pair of the plan, one node pair: ping that fills the pod MTU with
/// DF set passes; one byte more must be refused.
fn mtu_checks(plan: &Plan, o: &mut String) {
    let mut pairs: Vec<(String, String, String, String)> = Vec::new();
    let mut done: BTreeSet<(String, String)> = BTreeSet::new();
    for p in &plan.paths {
        if !done.insert((p.from.clone(), p.to.clone())) {
            continue;
        }
        let at = |loc: &str| -> Vec<&String> {
            plan.nodes.keys().filter(|n| plan.location_of(n).as_deref() == Some(loc)).collect()
        };
        let (src, dst) = (at(&p.from), at(&p.to));
        let Some(a) = src.first() else { continue };
        let Some(b) = dst.iter().find(|b| *b != a) else { continue };
        pairs.push((p.from_site.clone(), p.to_site.clone(), (*a).clone(), (*b).clone()));
    }
    if pairs.is_empty() {
        return;
    }
    let fams: Vec<Family> = {
        let mut f: Vec<Family> = plan.cluster.pod_cidr.iter().map(Family::of_net).collect();
        f.sort();
        f.dedup();
        f
    };
    o.push_str(
        "\necho \"== pod MTU $POD_MTU: ping with don't-fragment between one node pair per site pair\"\n\
# $1 site pair, $2 source node, $3 destination node, $4 family.\n\
check_mtu() {\n  local what=$1 src=$2 dst=$3 fam=$4 pod ip size hdr=28\n  [[ \"$fam\" == 6 ]] && hdr=48\n  \
pod=\"$(probe pod \"$src\")\"\n  ip=\"$(probe_ip \"$dst\" \"$fam\")\"\n  \
if [[ -z \"$pod\" || -z \"$ip\" ]]; then\n    fail \"$what: $src → $dst IPv$fam: probe pods missing\"\n    return\n  fi\n  \
size=$((POD_MTU - hdr))\n  \
if kc -n \"$NS\" exec \"$pod\" -- ping -\"$fam\" -c 3 -W 2 -M 'do' -s \"$size\" \"$ip\" >/dev/null 2>&1; then\n    \
pass \"$what: $src → $dst ($ip) ping -M do -s $size passes\"\n  else\n    fail \"$what: $src → $dst ($ip) ping -M do -s $size passes\"\n  fi\n  \
size=$((size + 1))\n  \
if kc -n \"$NS\" exec \"$pod\" -- ping -\"$fam\" -c 1 -W 2 -M 'do' -s \"$size\" \"$ip\" >/dev/null 2>&1; then\n    \
fail \"$what: $src → $dst ($ip) ping -M do -s $size is refused (it passed: pods send above the planned MTU)\"\n  else\n    \
pass \"$what: $src → $dst ($ip) ping -M do -s $size is refused\"\n  fi\n}\n",
    );
    for (fs, ts, a, b) in &pairs {
        for f in &fams {
            let _ = writeln!(
                o,
                "check_mtu {} {} {} {}",
                sh_quote(&format!("{fs} → {ts}")),
                sh_quote(a),
                sh_quote(b),
                family_flag(*f)
            );
        }
    }
}
