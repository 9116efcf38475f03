//! Renderer: `verify.sh`, run from a server after deployment. It checks what the
//! plan promises, one `PASS`/`FAIL` line per check, and exits non-zero on any
//! failure: every node Ready with its `region` label; every BGP session of the
//! plan Established (Calico: BIRD inside each calico-node pod; routers over ssh
//! when asked); each node's routes to the other nodes' pod ranges via the plan's
//! next hop; and for one node pair per site pair a pod-to-pod ping with the
//! don't-fragment bit that fills the pod MTU exactly, and one byte more that must
//! be refused.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::IpAddr;

use super::common::{on_a_server, script_start, sh_quote, PROBE_IMAGE};
use super::File;
use crate::model::Daemon;
use crate::plan::reach::Sym;
use crate::plan::{Family, Plan, SessionRole};

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
    o.push_str(&on_a_server(plan));
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
    // The CNI's and the load balancer's own checks (Cilium BGP, Kilo's WireGuard peers, MetalLB).
    for checks in super::addons(plan).into_iter().filter_map(|a| a.verify_checks(plan)) {
        o.push_str(&checks);
        if !checks.ends_with('\n') {
            o.push('\n');
        }
    }
    route_checks(plan, &mut o);
    mtu_checks(plan, &mut o);

    o.push_str("\necho \"$PASSED passed, $FAILED failed\"\nif [[ $FAILED -gt 0 ]]; then\n  exit 1\nfi\n");
    o
}

/// The BGP sessions as the script lists them: each complete mesh (every pair of a
/// set of speakers has a session of one family and role, each member always on
/// one address) once, by its members; the other sessions one by one.
fn session_lists(plan: &Plan) -> (Vec<String>, Vec<String>) {
    let mut groups: BTreeMap<(Family, SessionRole), Vec<usize>> = BTreeMap::new();
    for (i, s) in plan.sessions.iter().enumerate() {
        groups.entry((s.family, s.role)).or_default().push(i);
    }
    let mut in_mesh = vec![false; plan.sessions.len()];
    let mut meshes = Vec::new();
    for ((fam, _), list) in &groups {
        // Members by speaker number: (name, address).
        let mut members: BTreeMap<usize, (&str, IpAddr)> = BTreeMap::new();
        let mut pairs: BTreeSet<(usize, usize)> = BTreeSet::new();
        let mut consistent = true;
        for &i in list {
            let s = &plan.sessions[i];
            for (k, n, a) in [(s.sa, s.a.as_str(), s.a_address), (s.sb, s.b.as_str(), s.b_address)] {
                consistent &= *members.entry(k).or_insert((n, a)) == (n, a);
            }
            consistent &= s.sa != s.sb && pairs.insert((s.sa.min(s.sb), s.sa.max(s.sb)));
        }
        let k = members.len();
        if !consistent || k < 3 || pairs.len() != k * (k - 1) / 2 {
            continue;
        }
        let mut sorted: Vec<(&str, IpAddr)> = members.into_values().collect();
        crate::sort::sort(&mut sorted);
        let mut line = family_flag(*fam).to_string();
        for (n, a) in &sorted {
            let _ = write!(line, " {n} {a}");
        }
        meshes.push(line);
        for &i in list {
            in_mesh[i] = true;
        }
    }
    let single = plan
        .sessions
        .iter()
        .zip(&in_mesh)
        .filter(|(_, m)| !**m)
        .map(|(s, _)| format!("{} {} {} {} {}", family_flag(s.family), s.a, s.a_address, s.b, s.b_address))
        .collect();
    (single, meshes)
}

/// A bash array of words, one single-quoted element per line.
fn array(o: &mut String, name: &str, items: &[String]) {
    if items.is_empty() {
        let _ = writeln!(o, "{name}=()");
        return;
    }
    let _ = writeln!(o, "{name}=(");
    for i in items {
        let _ = writeln!(o, "  '{}'", i.replace('\'', r"'\''"));
    }
    o.push_str(")\n");
}

/// Every BGP session of the plan Established: Calico runs BIRD in every
/// calico-node pod (each node's sessions, by peer address); routers are asked over
/// ssh when VERIFY_ROUTERS=1. One question per speaker, however many peers.
fn bgp_checks(plan: &Plan, o: &mut String) {
    if plan.sessions.is_empty() {
        return;
    }
    let mut speakers: BTreeSet<&str> = BTreeSet::new();
    for s in &plan.sessions {
        speakers.insert(&s.a);
        speakers.insert(&s.b);
    }
    // Node speakers are asked only where the CNI's agents can be (Calico's BIRD).
    let cni = super::cni(plan);
    let nodes: Vec<&String> = if cni.is_some_and(|c| c.verify_node_sessions().is_some()) {
        plan.nodes.keys().filter(|n| speakers.contains(n.as_str())).collect()
    } else {
        Vec::new()
    };
    let routers: Vec<(&String, IpAddr, &str)> = plan
        .routers
        .iter()
        .filter(|(r, _)| speakers.contains(r.as_str()))
        .filter_map(|(r, rp)| {
            let daemon = match rp.daemon {
                Daemon::Bird => "bird",
                Daemon::Frr => "frr",
                Daemon::None => return None,
            };
            rp.addresses.first().map(|a| (r, *a, daemon))
        })
        .collect();
    if nodes.is_empty() && routers.is_empty() {
        return;
    }

    let (single, meshes) = session_lists(plan);
    o.push_str("\n# The BGP sessions of the plan, once each: family, then name and address of each end.\n");
    array(o, "SESSIONS", &single);
    o.push_str("# Full meshes: family, then name and address of each member; every pair has a session.\n");
    array(o, "MESHES", &meshes);
    o.push_str(
        "# The peers of each speaker, one \"family address name\" line each.\n\
declare -A PEERS=()\n\
add_peer() {\n  PEERS[$1]+=\"$2 $3 $4\"$'\\n'\n}\n\
for s in \"${SESSIONS[@]}\"; do\n  read -r fam a aa b ba <<<\"$s\"\n  add_peer \"$a\" \"$fam\" \"$ba\" \"$b\"\n  add_peer \"$b\" \"$fam\" \"$aa\" \"$a\"\ndone\n\
for m in \"${MESHES[@]}\"; do\n  read -r -a w <<<\"$m\"\n  for ((i = 1; i < ${#w[@]}; i += 2)); do\n    \
for ((j = i + 2; j < ${#w[@]}; j += 2)); do\n      add_peer \"${w[i]}\" \"${w[0]}\" \"${w[j + 1]}\" \"${w[j]}\"\n      \
add_peer \"${w[j]}\" \"${w[0]}\" \"${w[i + 1]}\" \"${w[i]}\"\n    done\n  done\ndone\n\
# The peers of speaker $1, one \"family address name\" per element, into the array PEER_LIST.\n\
peers_of() {\n  PEER_LIST=()\n  if [[ -n \"${PEERS[$1]:-}\" ]]; then\n    mapfile -t PEER_LIST <<<\"${PEERS[$1]%$'\\n'}\"\n  fi\n}\n",
    );

    if let Some(check_sessions) = cni.and_then(|c| c.verify_node_sessions()).filter(|_| !nodes.is_empty()) {
        o.push_str(check_sessions);
        for n in &nodes {
            let _ = writeln!(o, "check_sessions {}", sh_quote(n));
        }
    }

    if !routers.is_empty() {
        o.push_str(
            "\n# $1 router, $2 its address, $3 bird|frr: each of its sessions, from its daemon over ssh.\n\
check_router() {\n  local router=$1 addr=$2 daemon=$3 out peer fam paddr name a s state\n  local -a ssh_cmd\n  local -A states=()\n  \
read -r -a ssh_cmd <<<\"${ROUTER_SSH:-ssh -o BatchMode=yes -o ConnectTimeout=5}\"\n  \
if [[ \"$daemon\" == bird ]]; then\n    \
out=\"$(\"${ssh_cmd[@]}\" \"root@$addr\" birdc show protocols all </dev/null 2>/dev/null | awk '/BGP state:/ {s = $3} /Neighbor address:/ {print $3, s}' || true)\"\n  \
else\n    \
out=\"$(\"${ssh_cmd[@]}\" \"root@$addr\" vtysh -c \"'show bgp neighbors'\" </dev/null 2>/dev/null | awk '/^BGP neighbor is / {n = $4; sub(/,$/, \"\", n)} /BGP state = / {s = $4; sub(/,$/, \"\", s); print n, s}' || true)\"\n  fi\n  \
while read -r a s; do\n    if [[ -n \"$a\" ]]; then\n      states[$a]=$s\n    fi\n  done <<<\"$out\"\n  \
peers_of \"$router\"\n  for peer in \"${PEER_LIST[@]}\"; do\n    read -r fam paddr name <<<\"$peer\"\n    state=${states[$paddr]:-}\n    \
if [[ \"$state\" == Established ]]; then\n      pass \"BGP $router ↔ $name ($paddr) Established\"\n    else\n      \
fail \"BGP $router ↔ $name ($paddr) Established (IPv$fam, state: ${state:-unknown})\"\n    fi\n  done\n}\n\
if [[ \"${VERIFY_ROUTERS:-0}\" == 1 ]]; then\n  echo \"== BGP sessions on the routers (ssh)\"\n",
        );
        for (r, a, daemon) in &routers {
            let _ = writeln!(o, "  check_router {} {} {daemon}", sh_quote(r), sh_quote(&a.to_string()));
        }
        o.push_str("else\n  echo \"(routers not asked: set VERIFY_ROUTERS=1 to check their sessions over ssh)\"\nfi\n");
    }
}

/// Each node's routes to the other nodes' pod ranges, via the plan's next hops.
/// The expectations are written compactly, as the plan's route tables summarize
/// ([`crate::plan::reach::Reaches::summarize`]): groups of nodes whose ranges
/// are routed alike, patterns of next hops per group, and per node its pattern
/// and the routes where it departs from it. The script expands them, asks each
/// node for its whole table once, and prints one PASS per node whose routes all
/// match, or a FAIL per route that does not.
fn route_checks(plan: &Plan, o: &mut String) {
    let all = plan.reach_all();
    let groups = plan.route_groups();
    let nodes: Vec<usize> = (0..all.len()).filter(|&d| all.is_node(d)).collect();
    let summary = all.summarize(&groups, nodes.iter().copied(), |r| all.next_hop_sym(r));
    let tables: Vec<_> = summary.tables.iter().filter(|t| t.routes > 0).collect();
    if tables.is_empty() {
        return;
    }
    let prefixes = &plan.routing.prefixes;
    let key = |p: usize| {
        prefixes.get(p).map(|x| format!("{}/{}", x.origin, family_flag(Family::of_net(&x.net)))).unwrap_or_default()
    };
    let hop = |h: Option<Sym<IpAddr>>| match h {
        Some(Sym::Is(a)) => a.to_string(),
        Some(Sym::Origin) => "origin".to_string(),
        None => "none".to_string(),
    };

    o.push_str("\necho \"== routes to the other nodes' pod ranges (next hops of the plan)\"\n");
    o.push_str("# Each node's first address per family: what `origin` stands for below.\n");
    for (flag, fam) in [("4", Family::Ipv4), ("6", Family::Ipv6)] {
        let _ = write!(o, "declare -A ADDR{flag}=(");
        let mut any = false;
        for (name, n) in &plan.nodes {
            if let Some(a) = n.addresses.iter().find(|a| Family::of(a) == fam) {
                let _ = write!(o, "\n  [{}]={}", sh_quote(name), sh_quote(&a.to_string()));
                any = true;
            }
        }
        o.push_str(if any { "\n)\n" } else { ")\n" });
    }
    let group_lines: Vec<String> = groups
        .iter()
        .map(|g| {
            let mut line = g
                .first()
                .and_then(|&p| prefixes.get(p))
                .map(|x| family_flag(Family::of_net(&x.net)).to_string())
                .unwrap_or_default();
            for &p in g {
                if let Some(x) = prefixes.get(p) {
                    line.push(' ');
                    line.push_str(&x.origin);
                }
            }
            line
        })
        .collect();
    o.push_str("# Route groups: family, then the nodes whose pod ranges the plan routes alike.\n");
    array(o, "ROUTE_GROUPS", &group_lines);
    let pattern_lines: Vec<String> = summary
        .patterns
        .iter()
        .map(|pat| pat.iter().map(|(g, h)| format!("{g}={}", hop(Some(*h)))).collect::<Vec<_>>().join(" "))
        .collect();
    o.push_str(
        "# Route patterns: \"group=next hop\" for each group a node learns (`origin`: the node the pods are on).\n",
    );
    array(o, "ROUTE_PATTERNS", &pattern_lines);

    if let Some(load_ranges) = super::cni(plan).and_then(|c| c.verify_pod_ranges()) {
        o.push_str(load_ranges);
    } else {
        o.push_str(
            "# The pod ranges each node holds.\ndeclare -A RANGES=()\nload_ranges() {\n  local node cidrs\n  while read -r node cidrs; do\n    \
if [[ -n \"$node\" ]]; then\n      RANGES[$node]=$cidrs\n    fi\n  \
done < <(kc get nodes -o jsonpath='{range .items[*]}{.metadata.name}{\" \"}{.spec.podCIDRs[*]}{\"\\n\"}{end}' 2>/dev/null || true)\n}\n",
        );
    }
    o.push_str(
        "# $1 node, $2 its route pattern, then exceptions: \"node/family=next hop\" adds or\n\
# replaces a route, \"node/family=none\" drops one of the pattern.\n\
check_routes() {\n  local node=$1 pattern=$2 entry hop fam origin key pod cidr via line dst routes found bad=0 n=0 out h v\n  \
local -a entries words cidrs keys nhs\n  local -A want=() rt=() hops=() asked=()\n  shift 2\n  \
read -r -a entries <<<\"${ROUTE_PATTERNS[$pattern]}\"\n  for entry in \"${entries[@]}\"; do\n    \
read -r -a words <<<\"${ROUTE_GROUPS[${entry%%=*}]}\"\n    hop=${entry#*=}\n    fam=${words[0]}\n    \
for origin in \"${words[@]:1}\"; do\n      if [[ \"$origin\" != \"$node\" ]]; then\n        want[$origin/$fam]=$hop\n      fi\n    done\n  done\n  \
for entry in \"$@\"; do\n    key=${entry%%=*}\n    if [[ \"${entry#*=}\" == none ]]; then\n      unset \"want[$key]\"\n    else\n      want[$key]=${entry#*=}\n    fi\n  done\n  \
for key in \"${!want[@]}\"; do\n    if [[ \"${want[$key]}\" == origin ]]; then\n      \
if [[ \"${key##*/}\" == 6 ]]; then\n        want[$key]=${ADDR6[${key%/*}]:-}\n      else\n        want[$key]=${ADDR4[${key%/*}]:-}\n      fi\n    fi\n  done\n  \
if [[ ${#want[@]} -eq 0 ]]; then\n    return\n  fi\n  \
pod=\"$(probe host \"$node\")\"\n  if [[ -z \"$pod\" ]]; then\n    fail \"routes on $node: no host-network probe pod\"\n    return\n  fi\n  \
mapfile -t keys < <(printf '%s\\n' \"${!want[@]}\" | sort)\n  for fam in 4 6; do\n    nhs=()\n    \
for key in \"${keys[@]}\"; do\n      h=${want[$key]}\n      if [[ \"${key##*/}\" == \"$fam\" && -n \"$h\" && -z \"${asked[$fam $h]:-}\" ]]; then\n        \
asked[$fam $h]=1\n        nhs+=(\"$h\")\n      fi\n    done\n    if [[ ${#nhs[@]} -eq 0 ]]; then\n      continue\n    fi\n    \
# The node's routes, by destination (the next hops of a multipath route on one line).\n    key=\"\"\n    \
while IFS= read -r line; do\n      line=\" ${line//$'\\t'/ } \"\n      if [[ \"$line\" == \"  \"* ]]; then\n        \
if [[ -n \"$key\" ]]; then\n          rt[$key]+=$line\n        fi\n        continue\n      fi\n      \
read -r -a words <<<\"$line\"\n      dst=${words[0]:-}\n      \
case \"$dst\" in\n        unicast | local | broadcast | multicast | throw | unreachable | prohibit | blackhole | nat | anycast) dst=${words[1]:-} ;;\n      esac\n      \
key=\"$fam $dst\"\n      rt[$key]+=$line\n    done < <(kc -n \"$NS\" exec \"$pod\" -- ip -\"$fam\" route show 2>/dev/null || true)\n    \
# How the node reaches each next hop: a BGP next hop off its networks resolves recursively.\n    \
# shellcheck disable=SC2016 # expanded by the shell in the probe pod\n    \
out=\"$(kc -n \"$NS\" exec \"$pod\" -- sh -c 'f=$1; shift; for h do printf \"%s %s\\n\" \"$h\" \"$(ip -\"$f\" route get \"$h\" 2>/dev/null | sed -n \"s/.* via \\([^ ]*\\).*/\\1/p\" | head -n 1)\"; done' sh \"$fam\" \"${nhs[@]}\" 2>/dev/null || true)\"\n    \
while read -r h v; do\n      if [[ -n \"$h\" ]]; then\n        hops[$fam $h]=$v\n      fi\n    done <<<\"$out\"\n  done\n  \
for key in \"${keys[@]}\"; do\n    origin=${key%/*}\n    fam=${key##*/}\n    via=${want[$key]}\n    \
if [[ -z \"$via\" ]]; then\n      bad=$((bad + 1))\n      fail \"route on $node to $origin's pods: $origin has no IPv$fam address\"\n      continue\n    fi\n    \
hop=${hops[$fam $via]:-}\n    found=0\n    read -r -a cidrs <<<\"${RANGES[$origin]:-}\"\n    for cidr in \"${cidrs[@]}\"; do\n      \
if [[ \"$fam\" == 6 && \"$cidr\" != *:* ]] || [[ \"$fam\" == 4 && \"$cidr\" == *:* ]]; then\n        continue\n      fi\n      found=1\n      \
routes=${rt[$fam $cidr]:-}\n      if [[ -z \"$routes\" && ( \"$cidr\" == */32 || \"$cidr\" == */128 ) ]]; then\n        routes=${rt[$fam ${cidr%/*}]:-}\n      fi\n      \
if [[ -z \"$routes\" ]]; then\n        routes=\"$(kc -n \"$NS\" exec \"$pod\" -- ip -\"$fam\" route show \"$cidr\" 2>/dev/null || true)\"\n        \
routes=\" ${routes//[$'\\t\\n']/ } \"\n      fi\n      \
if [[ \"$routes\" == *\" via $via \"* ]] || { [[ -n \"$hop\" ]] && [[ \"$routes\" == *\" via $hop \"* ]]; }; then\n        n=$((n + 1))\n      else\n        \
bad=$((bad + 1))\n        fail \"route on $node to $origin's pods $cidr via $via${hop:+ (reached via $hop)}\"\n      fi\n    done\n    \
if [[ $found -eq 0 ]]; then\n      bad=$((bad + 1))\n      fail \"route on $node to $origin's pods: $origin holds no IPv$fam pod range\"\n    fi\n  done\n  \
if [[ $bad -eq 0 ]]; then\n    pass \"routes on $node: $n pod ranges of the other nodes, each via the plan's next hop\"\n  fi\n}\n\
load_ranges\n",
    );
    for t in tables {
        let mut line = format!("check_routes {} {}", sh_quote(all.name(t.device)), t.pattern);
        for r in &t.except {
            let _ = write!(line, " {}", sh_quote(&format!("{}={}", key(r.prefix), hop(all.next_hop_sym(r)))));
        }
        for &p in &t.without {
            let _ = write!(line, " {}", sh_quote(&format!("{}=none", key(p))));
        }
        o.push_str(&line);
        o.push('\n');
    }
}

/// For each site pair of the plan, one node pair: ping that fills the pod MTU with
/// DF set passes; one byte more must be refused. When the plan has a path between
/// every two node locations (the usual case), the script loops over the locations
/// instead of listing each pair.
fn mtu_checks(plan: &Plan, o: &mut String) {
    // Locations by number, with their nodes and site; the from-locations in the
    // order paths name them.
    let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
    let mut at: Vec<Vec<&String>> = Vec::new();
    let mut site_of: Vec<Option<&str>> = Vec::new();
    for n in plan.nodes.keys() {
        if let Some(l) = plan.location(n) {
            let next = ids.len();
            let i = *ids.entry(l).or_insert(next);
            if i == at.len() {
                at.push(Vec::new());
                site_of.push(None);
            }
            at[i].push(n);
        }
    }
    let mut pairs: Vec<(&str, &str, &String, &String)> = Vec::new();
    let mut done: BTreeSet<(usize, usize)> = BTreeSet::new();
    let mut locations: Vec<usize> = Vec::new();
    let mut is_from = vec![false; at.len()];
    let mut consistent = true;
    for p in &plan.paths {
        let (from, to) = (ids.get(p.from.as_str()).copied(), ids.get(p.to.as_str()).copied());
        for (i, site) in [(from, p.from_site.as_str()), (to, p.to_site.as_str())] {
            if let Some(i) = i {
                consistent &= *site_of[i].get_or_insert(site) == site;
            }
        }
        let (Some(from), Some(to)) = (from, to) else {
            // A location without nodes: no pair to check, and no loop over all pairs.
            consistent = false;
            continue;
        };
        if !done.insert((from, to)) {
            continue;
        }
        if !is_from[from] {
            is_from[from] = true;
            locations.push(from);
        }
        let Some(a) = at[from].first() else { continue };
        let Some(b) = at[to].iter().find(|b| *b != a) else { continue };
        pairs.push((p.from_site.as_str(), p.to_site.as_str(), a, b));
    }
    if pairs.is_empty() {
        return;
    }
    let every_pair = consistent
        && locations.len() > 2
        && done.len() == locations.len() * locations.len()
        && done.iter().all(|&(_, to)| is_from[to]);
    let fams: Vec<Family> = {
        let mut f: Vec<Family> = plan.cluster.pod_cidr.iter().map(Family::of_net).collect();
        crate::sort::sort(&mut f);
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
    if every_pair {
        let lines: Vec<String> = locations
            .iter()
            .map(|&l| {
                let name = |i: usize| at[l].get(i).map(|n| n.as_str()).unwrap_or("-");
                format!("{} {} {}", site_of[l].unwrap_or("-"), name(0), name(1))
            })
            .collect();
        o.push_str(
            "# A path joins every two node locations: each location's site, first node and second node (`-`: none).\n",
        );
        array(o, "MTU_LOCATIONS", &lines);
        let flags: Vec<&str> = fams.iter().map(|f| family_flag(*f)).collect();
        let _ = writeln!(o, "MTU_FAMILIES=({})", flags.join(" "));
        let _ = writeln!(
            o,
            "for from in \"${{MTU_LOCATIONS[@]}}\"; do\n  read -r from_site src _ <<<\"$from\"\n  if [[ \"$src\" == - ]]; then\n    continue\n  fi\n  \
for to in \"${{MTU_LOCATIONS[@]}}\"; do\n    read -r to_site dst dst2 <<<\"$to\"\n    if [[ \"$dst\" == \"$src\" ]]; then\n      dst=$dst2\n    fi\n    \
if [[ \"$dst\" == - ]]; then\n      continue\n    fi\n    for fam in \"${{MTU_FAMILIES[@]}}\"; do\n      check_mtu \"$from_site → $to_site\" \"$src\" \"$dst\" \"$fam\"\n    done\n  done\ndone"
        );
        return;
    }
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

#[cfg(test)]
mod tests {
    //! The script's BGP, route and MTU sections run in bash against a fake cluster
    //! built from the plan (kubectl, the routers' ssh and the nodes' kernels answer
    //! as the plan says): every check passes; one wrong next hop fails one check.

    use std::fmt::Write as _;
    use std::path::Path;
    use std::process::Command;

    use super::{bgp_checks, family_flag, mtu_checks, route_checks};
    use crate::model::Cni;
    use crate::plan::{self, Family, Plan};
    use crate::scale;

    /// The examples and the check cases that export (no errors): dual stack, eBGP, host-gw and more.
    fn plans() -> Vec<(String, Plan)> {
        let mut out: Vec<(String, Plan)> = crate::test_support::example_and_case_plans()
            .into_iter()
            .filter(|(_, p)| !crate::diag::has_errors(&p.diagnostics))
            .collect();
        out.push(("scale-4x3".into(), plan::build(&scale::design(4, 3))));
        out
    }

    const FAKE_KC: &str = r#"
pass() {
  echo "PASS $*"
  PASSED=$((PASSED + 1))
}
fail() {
  echo "FAIL $*"
  FAILED=$((FAILED + 1))
}
probe() {
  echo "$2"
}
probe_ip() {
  echo "pod-of-$1"
}
kc() {
  local args="$*"
  case "$args" in
    "get blockaffinities.crd.projectcalico.org") return 0 ;;
    "get blockaffinities.crd.projectcalico.org -o "*) cat "$FAKE/ranges" ;;
    "get nodes -o "*) cat "$FAKE/node-ranges" ;;
    "-n calico-system get pods "*) echo "calico-${args##*spec.nodeName=}" | cut -d' ' -f1 ;;
    "-n calico-system exec "*) cat "$FAKE/bird/${4#calico-}.${10##*bird}" ;;
    "-n $NS exec "*" -- ip -"?" route show") cat "$FAKE/routes/$4.${7#-}" ;;
    "-n $NS exec "*" -- ip -"?" route show "*) echo "${10} via nowhere" ;;
    "-n $NS exec "*" -- sh -c "*)
      shift 10
      for h in "$@"; do
        echo "$h"
      done
      ;;
    "-n $NS exec "*" -- ping "*)
      local size=${15} hdr=28
      [[ "$7" == -6 ]] && hdr=48
      [[ $((size + hdr)) -le $POD_MTU ]]
      ;;
    *) echo "unexpected: kc $args" >&2; return 1 ;;
  esac
}
"#;

    /// Writes the fake cluster of `plan` under `dir`.
    fn fake(plan: &Plan, dir: &Path) {
        let _ = std::fs::remove_dir_all(dir);
        for sub in ["routes", "bird", "ssh"] {
            std::fs::create_dir_all(dir.join(sub)).expect("a temporary folder");
        }
        let mut ranges = String::new();
        let mut node_ranges = String::new();
        for (name, n) in &plan.nodes {
            let nets: Vec<String> = n.pod_ranges.iter().map(ToString::to_string).collect();
            for net in &nets {
                let _ = writeln!(ranges, "{name} {net} confirmed");
            }
            let _ = writeln!(node_ranges, "{name} {}", nets.join(" "));
        }
        std::fs::write(dir.join("ranges"), ranges).expect("write");
        std::fs::write(dir.join("node-ranges"), node_ranges).expect("write");
        // Each node's kernel table: the plan's routes, every third as a multipath route.
        for name in plan.nodes.keys() {
            let mut t = [String::new(), String::new()];
            for (i, l) in plan.reach(name).learned.iter().enumerate() {
                let Some(nh) = l.next_hop else { continue };
                let fam = usize::from(Family::of_net(&l.prefix) == Family::Ipv6);
                let out = &mut t[fam];
                if i % 3 == 0 {
                    let _ = writeln!(out, "{} proto bird metric 32\n\tnexthop via 192.0.2.1 dev eth1 weight 1\n\tnexthop via {nh} dev eth0 weight 1", l.prefix);
                } else {
                    let _ = writeln!(out, "{} via {nh} dev eth0 proto bird", l.prefix);
                }
            }
            for (fam, text) in ["4", "6"].iter().zip(&t) {
                std::fs::write(
                    dir.join(format!("routes/{name}.{fam}")),
                    format!("default via 10.0.0.1 dev eth0\n{text}"),
                )
                .expect("write");
            }
        }
        // BIRD in each calico-node pod, and the routers over ssh.
        let mut bird: std::collections::BTreeMap<String, [String; 2]> = Default::default();
        let mut routers: std::collections::BTreeMap<String, String> = Default::default();
        for s in &plan.sessions {
            let fam = usize::from(s.family == Family::Ipv6);
            for (me, peer) in [(&s.a, s.b_address), (&s.b, s.a_address)] {
                let proto = format!("Node_{}", peer.to_string().replace(['.', ':'], "_"));
                let _ =
                    writeln!(bird.entry(me.clone()).or_default()[fam], "{proto} BGP -- master up 10:00:00 Established");
                let _ = writeln!(
                    routers.entry(me.clone()).or_default(),
                    "  BGP state:          Established\n    Neighbor address: {peer}\nBGP neighbor is {peer}, remote AS 1, local AS 1\n  BGP state = Established, up for 00:01:00"
                );
            }
        }
        for (name, [v4, v6]) in &bird {
            std::fs::write(dir.join(format!("bird/{name}..ctl")), v4).expect("write");
            std::fs::write(dir.join(format!("bird/{name}.6.ctl")), v6).expect("write");
        }
        for (name, r) in &plan.routers {
            let Some(a) = r.addresses.first() else { continue };
            std::fs::write(dir.join(format!("ssh/{a}")), routers.get(name).cloned().unwrap_or_default())
                .expect("write");
        }
        std::fs::write(dir.join("ssh.sh"), "#!/usr/bin/env bash\ncat \"$(dirname \"$0\")/ssh/${1#root@}\"\n")
            .expect("write");
    }

    fn run(plan: &Plan, dir: &Path) -> (usize, usize, String) {
        let mut sections = String::new();
        bgp_checks(plan, &mut sections);
        route_checks(plan, &mut sections);
        mtu_checks(plan, &mut sections);
        let script = format!(
            "set -euo pipefail\nFAKE={}\nNS=meshplan-verify\nPOD_MTU={}\nPASSED=0\nFAILED=0\nVERIFY_ROUTERS=1\nROUTER_SSH='bash {}/ssh.sh'\n{FAKE_KC}{sections}\necho \"RESULT $PASSED $FAILED\"\n",
            dir.display(),
            plan.pod_mtu,
            dir.display()
        );
        std::fs::write(dir.join("checks.sh"), &script).expect("write");
        let out = Command::new("bash").arg(dir.join("checks.sh")).output().expect("bash runs");
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert!(out.status.success(), "{text}");
        let last = text.lines().rev().find(|l| l.starts_with("RESULT ")).unwrap_or_default().to_string();
        let n: Vec<usize> = last.split(' ').skip(1).filter_map(|x| x.parse().ok()).collect();
        (n.first().copied().unwrap_or(0), n.get(1).copied().unwrap_or(usize::MAX), text)
    }

    #[test]
    fn the_checks_pass_on_a_cluster_as_planned_and_fail_where_it_is_not() {
        for (name, p) in plans() {
            let dir = std::env::temp_dir().join(format!("meshplan-verify-{}-{name}", std::process::id()));
            fake(&p, &dir);
            let (passed, failed, text) = run(&p, &dir);
            assert_eq!(failed, 0, "{name}:\n{text}");
            // One PASS per node with routes, per session end asked, two per MTU pair and family.
            let nodes_with_routes =
                p.nodes.keys().filter(|n| p.reach(n).learned.iter().any(|l| l.next_hop.is_some())).count();
            let session_ends: usize = p
                .sessions
                .iter()
                .map(|s| {
                    let asked = |n: &str| {
                        (p.cluster.cni == Cni::Calico && p.nodes.contains_key(n))
                            || p.routers.get(n).is_some_and(|r| r.daemon.speaks_bgp() && !r.addresses.is_empty())
                    };
                    usize::from(asked(&s.a)) + usize::from(asked(&s.b))
                })
                .sum();
            let mtu = text.lines().filter(|l| l.contains("ping -M do")).count();
            assert_eq!(passed, nodes_with_routes + session_ends + mtu, "{name}:\n{text}");
            let fams: std::collections::BTreeSet<Family> = p.cluster.pod_cidr.iter().map(Family::of_net).collect();
            let mut pairs: std::collections::BTreeSet<(&str, &str)> = Default::default();
            for x in &p.paths {
                pairs.insert((&x.from, &x.to));
            }
            assert!(mtu > 0 && mtu <= 2 * pairs.len() * fams.len(), "{name}: {mtu} MTU checks");

            // A wrong next hop on one node: that route, and only it, fails.
            let Some(node) = p.nodes.keys().find(|n| p.reach(n).learned.iter().any(|l| l.next_hop.is_some())) else {
                continue;
            };
            let l = p.reach(node).learned.into_iter().rfind(|l| l.next_hop.is_some()).expect("a route");
            let fam = family_flag(Family::of_net(&l.prefix));
            let file = dir.join(format!("routes/{node}.{fam}"));
            let table = std::fs::read_to_string(&file).expect("read");
            let nh = l.next_hop.map(|a| a.to_string()).unwrap_or_default();
            // That prefix's line, or the next-hop lines of its multipath route.
            let mut inside = false;
            let changed: Vec<String> = table
                .lines()
                .map(|line| {
                    if !line.starts_with('\t') {
                        inside = line.starts_with(&format!("{} ", l.prefix));
                    }
                    if inside {
                        line.replace(&format!("via {nh} "), "via 198.51.100.99 ")
                    } else {
                        line.to_string()
                    }
                })
                .collect();
            let changed = changed.join("\n");
            assert_ne!(changed, table.trim_end(), "{name}: the route of {} on {node}", l.prefix);
            std::fs::write(&file, format!("{changed}\n")).expect("write");
            let (_, failed, text) = run(&p, &dir);
            assert!(failed >= 1, "{name}: the wrong next hop on {node} went unnoticed:\n{text}");
            assert!(
                text.lines().filter(|x| x.starts_with("FAIL")).all(|x| x.contains(&format!("route on {node} "))),
                "{name}:\n{text}"
            );
            let _ = std::fs::remove_dir_all(&dir);
        }
    }

    #[test]
    fn the_sections_pass_shellcheck() {
        for (name, p) in plans() {
            let dir = std::env::temp_dir().join(format!("meshplan-verify-sc-{}-{name}", std::process::id()));
            let _ = std::fs::create_dir_all(&dir);
            let file = dir.join("verify.sh");
            std::fs::write(&file, super::script(&p)).expect("write");
            let out = Command::new("shellcheck")
                .arg(&file)
                .output()
                .expect("shellcheck is installed (apt-get install shellcheck)");
            assert!(out.status.success(), "{name}: {}", String::from_utf8_lossy(&out.stdout));
            let _ = std::fs::remove_dir_all(&dir);
        }
    }
}
