//! Forwarding: the underlay path between every pair of node locations, its MTU,
//! and, where pods are routed natively, every device on it that has no route for
//! a destination pod prefix (a blackhole). Paths are computed per pair of
//! locations (a site network, or a node in a site without one) and shared by all
//! nodes there; nothing here is indexed by pairs of nodes.

use std::collections::BTreeMap;

use petgraph::graph::NodeIndex;

use super::addressing::Addressing;
use super::dataplane::pair_mode;
use super::nexthop::{next_hops, walks, End, Resolver, Tables, Walk};
use super::types::*;
use crate::diag::{Code, Diagnostic};
use crate::model::{Cni, FlannelBackend, Kind, Topology};
use crate::underlay::Underlay;

/// Where a node's pod traffic enters the underlay.
struct Location {
    vertex: NodeIndex,
    name: String,
    site: String,
    /// Node indexes (sorted order of names).
    nodes: Vec<usize>,
}

fn locations(t: &Topology, u: &Underlay) -> Vec<Location> {
    let mut by_vertex: BTreeMap<usize, Location> = BTreeMap::new();
    for (i, (name, n)) in t.nodes.iter().enumerate() {
        let on_net = t.sites.get(&n.site).is_some_and(|s| s.lan);
        let (vertex, loc_name) = match (on_net, u.net(&n.site), u.device(name)) {
            (true, Some(v), _) => (v, n.site.clone()),
            (_, _, Some(v)) => (v, name.clone()),
            _ => continue,
        };
        by_vertex
            .entry(vertex.index())
            .or_insert_with(|| Location { vertex, name: loc_name, site: n.site.clone(), nodes: Vec::new() })
            .nodes
            .push(i);
    }
    by_vertex.into_values().collect()
}

/// Which pairs of locations (by name: `SitePath::from`, `to`) to compute.
pub enum Pairs<'a> {
    All,
    /// Only these: what a failure can change (`failures`).
    Only(&'a dyn Fn(&str, &str) -> bool),
}

pub fn paths(
    t: &Topology,
    u: &Underlay,
    sp: &Speakers,
    addressing: &Addressing,
    routing: &Routing,
    pairs: Pairs,
    diags: &mut Vec<Diagnostic>,
) -> Vec<SitePath> {
    let locs = locations(t, u);
    let wanted = |from: &Location, to: &Location| match &pairs {
        Pairs::All => true,
        Pairs::Only(f) => f(&from.name, &to.name),
    };
    let node_names: Vec<&String> = t.nodes.keys().collect();
    // Prefix indexes per node.
    let mut node_prefixes: Vec<Vec<usize>> = vec![Vec::new(); node_names.len()];
    for (pi, p) in routing.prefixes.iter().enumerate() {
        if let Some(v) = node_prefixes.get_mut(p.origin_idx) {
            v.push(pi);
        }
    }
    let v6_underlay = t.nodes.values().all(|n| n.address.v4().is_none()) && !t.nodes.is_empty();
    // Speaker index per underlay vertex, looked up once rather than by name per pair.
    let speaker_at: Vec<Option<usize>> = u.graph.node_indices().map(|v| sp.get(&u.vertex(v).name)).collect();
    let node_speaker: Vec<Option<usize>> = node_names.iter().map(|n| sp.get(n)).collect();
    let mut out = Vec::new();
    let mut unrouted: BTreeMap<usize, Vec<usize>> = BTreeMap::new(); // node → prefixes it lacks
    let mut host_gw_pairs: Vec<(String, String)> = Vec::new();
    // Forwarding loops, once each: the devices in order → (from site, to site, a prefix).
    let mut loops: BTreeMap<Vec<NodeIndex>, (String, String, usize, bool)> = BTreeMap::new();
    let node_at: Vec<Option<usize>> = {
        let mut v = vec![None; u.graph.node_count()];
        for (i, n) in node_names.iter().enumerate() {
            if let Some(x) = u.device(n) {
                v[x.index()] = Some(i);
            }
        }
        v
    };
    let node_vertex: Vec<Option<NodeIndex>> = node_names.iter().map(|n| u.device(n)).collect();
    let speaker_vertex: Vec<Option<NodeIndex>> = sp.list.iter().map(|s| u.device(&s.name)).collect();
    let tables = Tables {
        u,
        sp,
        routing,
        node_at: &node_at,
        node_vertex: &node_vertex,
        speaker_vertex: &speaker_vertex,
        speaker_at: &speaker_at,
    };
    let mut resolver = Resolver::new(u);

    for from in &locs {
        if !locs.iter().any(|to| wanted(from, to)) {
            continue;
        }
        for to in &locs {
            if !wanted(from, to) {
                continue;
            }
            let same = from.vertex == to.vertex;
            if same && from.nodes.len() < 2 && u.vertex(from.vertex).kind == Kind::Node {
                continue;
            }
            // The resolver's tree from this location: walks from here use it too.
            let Some(steps) = resolver.tree(from.vertex).and_then(|t| t.path(to.vertex)) else { continue };
            let mode = pair_mode(t, from.site == to.site, v6_underlay);
            let (hops, path_mtu, limiting) = describe(t, u, &steps, from, to);
            if t.cluster.cni == Cni::Flannel
                && t.cluster.flannel().backend == FlannelBackend::HostGw
                && !same
                && from.name < to.name
            {
                host_gw_pairs.push((from.name.clone(), to.name.clone()));
            }

            let mut crosses = Crosses::default();
            crosses.add(u, &steps);
            let mut blackhole = None;
            let mut pod_hops = None;
            let mut pod_path = None;
            // host-gw across networks cannot work at all (E072 says so); no
            // per-device findings on top of it.
            let host_gw_split = mode.routed && !same && t.cluster.cni == Cni::Flannel;
            if mode.routed && !host_gw_split && mode.source_needs_route {
                // The sending node routes by its own table, and so does every
                // device after it: follow the packets.
                let found = walk_pair(&tables, &mut resolver, &node_prefixes, from, to, &mut crosses);
                for f in &found.failures {
                    match f {
                        // The sender itself: E070, once per node, below.
                        Failure::NoRoute { at_source: true, .. } => {}
                        Failure::NoRoute { device, missing, .. } => {
                            let v = u.vertex(*device);
                            diags.push(blackhole_diag(t, &v.name, v.kind, from, to, &missing_nets(routing, missing)));
                        }
                        Failure::Loop { cycle, prefix } => {
                            // One finding per loop, whichever device a packet enters it at.
                            let mut ring = cycle.clone();
                            let k = (0..ring.len()).min_by_key(|&i| ring[i]).unwrap_or(0);
                            ring.rotate_left(k);
                            loops.entry(ring).or_insert((
                                from.site.clone(),
                                to.site.clone(),
                                *prefix,
                                found.some_flows,
                            ));
                        }
                    }
                }
                let ends = |f: &Failure| -> Vec<String> {
                    match f {
                        Failure::NoRoute { device, .. } => vec![u.vertex(*device).name.clone()],
                        Failure::Loop { cycle, .. } => cycle.iter().map(|v| u.vertex(*v).name.clone()).collect(),
                    }
                };
                let mut other_branches: Vec<Vec<String>> = Vec::new();
                for e in found.failures.iter().skip(1).map(ends) {
                    if !other_branches.contains(&e) {
                        other_branches.push(e);
                    }
                }
                blackhole = found.failures.first().map(|f| match f {
                    Failure::NoRoute { device, missing, .. } => Blackhole {
                        device: u.vertex(*device).name.clone(),
                        missing: missing_nets(routing, missing),
                        looped: Vec::new(),
                        some_flows: found.some_flows,
                        other_branches: other_branches.clone(),
                    },
                    Failure::Loop { cycle, prefix } => Blackhole {
                        device: u.vertex(cycle[0]).name.clone(),
                        missing: missing_nets(routing, &[*prefix]),
                        looped: cycle.iter().map(|v| u.vertex(*v).name.clone()).collect(),
                        some_flows: found.some_flows,
                        other_branches,
                    },
                });
                // Described in words only where pods leave the underlay's path
                // or meet a smaller MTU on a branch of their own.
                let on_path = devices_of(u, &steps);
                let tightest = found.arrived.iter().min_by_key(|w| steps_mtu(u, t, &w.steps, from, to));
                if let Some(w) = tightest {
                    if steps_mtu(u, t, &w.steps, from, to) < path_mtu || devices_of(u, &w.steps) != on_path {
                        let (h, m, lim) = describe(t, u, &w.steps, from, to);
                        pod_hops = Some(h);
                        pod_path = Some((m, lim));
                    }
                }
            } else if mode.routed && !host_gw_split {
                // Devices between the two locations, in path order.
                for st in &steps {
                    let v = u.vertex(st.vertex);
                    if v.is_network() || v.kind == Kind::Node {
                        continue;
                    }
                    let d = speaker_at[st.vertex.index()];
                    let missing: Vec<_> = to
                        .nodes
                        .iter()
                        .flat_map(|n| node_prefixes[*n].iter().copied())
                        .filter(|&p| !routing.knows(None, d, p))
                        .collect();
                    if missing.is_empty() {
                        continue;
                    }
                    let nets = missing_nets(routing, &missing);
                    diags.push(blackhole_diag(t, &v.name, v.kind, from, to, &nets));
                    if blackhole.is_none() {
                        blackhole = Some(Blackhole {
                            device: v.name.clone(),
                            missing: nets,
                            looped: Vec::new(),
                            some_flows: false,
                            other_branches: Vec::new(),
                        });
                    }
                }
            }
            if mode.routed && !host_gw_split && mode.source_needs_route {
                for &src in &from.nodes {
                    let d = node_speaker[src];
                    for &dst in &to.nodes {
                        if dst == src {
                            continue;
                        }
                        for &p in &node_prefixes[dst] {
                            if !routing.knows(Some(src), d, p) {
                                unrouted.entry(src).or_default().push(p);
                            }
                        }
                    }
                }
            }
            let (pod_path_mtu, limiting) = match pod_path {
                Some((m, lim)) => (m, lim),
                None => (path_mtu, limiting),
            };
            out.push(SitePath {
                from_site: from.site.clone(),
                to_site: to.site.clone(),
                from: from.name.clone(),
                to: to.name.clone(),
                hops,
                pod_hops,
                path_mtu,
                pod_mtu: pod_path_mtu.saturating_sub(mode.overhead),
                overhead: mode.overhead,
                routed: mode.routed,
                source_needs_route: mode.source_needs_route,
                blackhole,
                limiting,
                crosses: crosses.done(),
            });
        }
    }

    for (src, prefixes) in unrouted {
        let name = node_names[src];
        let list: Vec<String> = prefixes
            .iter()
            .take(6)
            .map(|&p| format!("{} ({})", routing.prefixes[p].net, routing.prefixes[p].origin))
            .collect();
        let more = prefixes.len().saturating_sub(6);
        let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
        diags.push(
            Diagnostic::new(
                Code::E070,
                format!("nodes.{name}"),
                format!("node `{name}` learns no route to {}{tail}", list.join(", ")),
            )
            .hint(unrouted_hint(t, name)),
        );
    }
    for (cycle, (from, to, p, some)) in loops {
        diags.push(loop_diag(u, &cycle, (&from, &to), &routing.prefixes[p].net, some));
    }
    for (a, b) in host_gw_pairs {
        diags.push(
            Diagnostic::new(
                Code::E072,
                "cluster.flannel.backend",
                format!(
                    "flannel host-gw needs all nodes on one network, but the nodes at `{a}` and at `{b}` share none"
                ),
            )
            .hint("use `backend: vxlan` or `wireguard-native`, or put the nodes on one site network"),
        );
    }
    let _ = addressing;
    out
}

fn blackhole_diag(
    t: &Topology,
    device: &str,
    kind: Kind,
    from: &Location,
    to: &Location,
    missing: &[ipnet::IpNet],
) -> Diagnostic {
    let list: Vec<String> = missing.iter().take(4).map(ToString::to_string).collect();
    let more = missing.len().saturating_sub(4);
    let tail = if more > 0 { format!(" and {more} more") } else { String::new() };
    let encap = encapsulate_hint(t);
    let hint = match kind {
        Kind::Host => format!(
            "make `{device}` a router (move it from `hosts` to `routers` with `daemon: bird` or `frr`) \
             and peer it in `bgp.backbone`, route around it, or {encap}"
        ),
        _ if t.routers.get(device).is_some_and(|r| !r.daemon.speaks_bgp()) => {
            format!("give it a BGP daemon (`routers.{device}.daemon: bird` or `frr`), route around it, or {encap}")
        }
        _ if !served(t, &to.site) => format!(
            "no router serves site `{}`: add it to a route reflector's `serves` (`routers.<name>.serves`), \
             pair `{device}` in `bgp.backbone` with a router that has the route, or {encap}",
            to.site
        ),
        _ => format!("pair `{device}` in `bgp.backbone` with a router that has the route, or {encap}"),
    };
    Diagnostic::new(
        Code::E071,
        format!("{}.{device}", kind.section()),
        format!(
            "blackhole: `{device}` forwards pod traffic from {} to {} but has no route to {}{tail}",
            from.site,
            to.site,
            list.join(", ")
        ),
    )
    .hint(hint)
}

/// True when some router lists `site` under `serves` (reflects its nodes' routes).
fn served(t: &Topology, site: &str) -> bool {
    t.routers.values().any(|r| r.serves.iter().any(|s| s == site))
}

/// How to encapsulate, as the field a person would change.
fn encapsulate_hint(t: &Topology) -> &'static str {
    match t.cluster.cni {
        Cni::Calico => "encapsulate (`cluster.calico.encapsulation: vxlan`)",
        Cni::Cilium => "encapsulate (`cluster.cilium.native_routing: false`)",
        _ => "encapsulate",
    }
}

/// E070's hint: the fields that give a node the routes it lacks.
fn unrouted_hint(t: &Topology, node: &str) -> String {
    let site = t.nodes.get(node).map_or("its site", |n| n.site.as_str());
    let mesh = if t.cluster.cni == Cni::Calico { ", keep `cluster.calico.node_mesh: true`" } else { "" };
    format!("add `{site}` to a route reflector's `serves` (`routers.<name>.serves`){mesh}, or {}", encapsulate_hint(t))
}

/// The tightest edge of a path; described in words only once, at the end.
enum Tight<'a> {
    Link(usize, u32),
    Net(&'a str, u32),
}

/// Hops with their MTUs, the path MTU (site networks at both ends included) and
/// the edge that limits it.
fn describe<'a>(
    t: &Topology,
    u: &'a Underlay,
    steps: &[crate::underlay::Step],
    from: &'a Location,
    to: &'a Location,
) -> (Vec<Hop>, u32, Option<String>) {
    let mut hops = Vec::with_capacity(steps.len());
    let mut min: Option<(u32, Tight<'a>)> = None;
    let mut consider = |mtu: u32, what: Tight<'a>| {
        if min.as_ref().is_none_or(|(m, _)| mtu < *m) {
            min = Some((mtu, what));
        }
    };
    let mut prev: Option<NodeIndex> = None;
    for st in steps {
        let v = u.vertex(st.vertex);
        let (mtu, via) = match st.edge {
            Some(e) => {
                let edge = u.edge(e);
                let via = match edge.link {
                    Some(i) => {
                        let l = &t.links[i];
                        let _ = l;
                        consider(edge.mtu, Tight::Link(i, edge.mtu));
                        format!("links[{i}]")
                    }
                    None => {
                        let net = if v.is_network() {
                            v.name.as_str()
                        } else {
                            prev.map(|p| u.vertex(p).name.as_str()).unwrap_or_default()
                        };
                        consider(edge.mtu, Tight::Net(net, edge.mtu));
                        "site".to_string()
                    }
                };
                (Some(edge.mtu), Some(via))
            }
            None => (None, None),
        };
        hops.push(Hop { name: v.name.clone(), kind: v.kind, mtu, via });
        prev = Some(st.vertex);
    }
    // Links first, so that on a tie the link is named; then the networks the
    // nodes themselves sit on.
    // Nodes reach their site's network at its MTU.
    for loc in [from, to] {
        if u.vertex(loc.vertex).is_network() {
            if let Some(s) = t.sites.get(&loc.name) {
                consider(s.mtu(), Tight::Net(&loc.name, s.mtu()));
            }
        }
    }
    let Some((mtu, tight)) = min else {
        return (hops, 1500, None);
    };
    let what = match tight {
        Tight::Link(i, m) => {
            let l = &t.links[i];
            format!("links[{i}] {} ↔ {} ({}, {m} bytes)", l.between[0], l.between[1], l.kind.as_str())
        }
        Tight::Net(name, m) => format!("site {name} network ({m} bytes)"),
    };
    (hops, mtu, Some(what))
}

/// The smallest MTU on a list of steps and at both end locations' networks:
/// what `describe` finds, without the words.
fn steps_mtu(u: &Underlay, t: &Topology, steps: &[crate::underlay::Step], from: &Location, to: &Location) -> u32 {
    let edges = steps.iter().filter_map(|s| s.edge).map(|e| u.edge(e).mtu);
    let ends = [from, to]
        .into_iter()
        .filter(|l| u.vertex(l.vertex).is_network())
        .filter_map(|l| t.sites.get(&l.name).map(|s| s.mtu()));
    edges.chain(ends).min().unwrap_or(1500)
}

fn missing_nets(routing: &Routing, prefixes: &[usize]) -> Vec<ipnet::IpNet> {
    prefixes.iter().map(|&p| routing.prefixes[p].net).collect()
}

/// The devices that forward on a list of steps, in order (no networks, and no
/// nodes: a path between locations starts and ends at networks, a walk at nodes).
fn devices_of(u: &Underlay, steps: &[crate::underlay::Step]) -> Vec<NodeIndex> {
    steps.iter().map(|s| s.vertex).filter(|v| !u.vertex(*v).is_network() && u.vertex(*v).kind != Kind::Node).collect()
}

/// What a pair crosses, collected as it is computed.
#[derive(Default)]
struct Crosses {
    vertices: Vec<u32>,
    links: Vec<u32>,
}

impl Crosses {
    fn add(&mut self, u: &Underlay, steps: &[crate::underlay::Step]) {
        for st in steps {
            self.vertices.push(st.vertex.index() as u32);
            if let Some(l) = st.edge.and_then(|e| u.edge(e).link) {
                self.links.push(l as u32);
            }
        }
    }
    fn done(mut self) -> Crossed {
        crate::sort::sort(&mut self.vertices);
        self.vertices.dedup();
        crate::sort::sort(&mut self.links);
        self.links.dedup();
        Crossed { vertices: self.vertices, links: self.links }
    }
}

/// Why pod packets of a pair do not arrive.
enum Failure {
    /// A device on the way (or the sender itself: E070 names it) has no route
    /// for these prefixes of the destination location.
    NoRoute { device: NodeIndex, missing: Vec<usize>, at_source: bool },
    /// The packets go round these devices.
    Loop { cycle: Vec<NodeIndex>, prefix: usize },
}

struct PairWalks {
    failures: Vec<Failure>,
    /// The walks between the pair the lab pings (the first node of `from` to
    /// the first other node of `to`) that arrive: one per ECMP branch.
    arrived: Vec<Walk>,
    /// Some walks arrive and some fail: which a flow takes is the kernel's
    /// ECMP hash.
    some_flows: bool,
}

/// Walks pod packets from `from`'s nodes to `to`'s: from one sender per
/// originator class (nodes of a class have the same sessions, so the same
/// table) to one prefix per class at the destination, the pair the lab pings
/// first, so that the first failure is the one the lab meets.
fn walk_pair(
    tb: &Tables,
    r: &mut Resolver,
    node_prefixes: &[Vec<usize>],
    from: &Location,
    to: &Location,
    crosses: &mut Crosses,
) -> PairWalks {
    let class_of = |n: usize| node_prefixes[n].first().map(|&p| tb.routing.prefixes[p].class);
    let mut senders: Vec<usize> = Vec::new();
    for &n in &from.nodes {
        if !senders.iter().any(|&s| class_of(s) == class_of(n)) {
            senders.push(n);
        }
    }
    let lab_dst = senders.first().and_then(|&s| to.nodes.iter().copied().find(|&d| d != s));
    let mut receivers: Vec<usize> = lab_dst.into_iter().collect();
    for &n in &to.nodes {
        if !receivers.iter().any(|&s| class_of(s) == class_of(n)) {
            receivers.push(n);
        }
    }
    let mut out = PairWalks { failures: Vec::new(), arrived: Vec::new(), some_flows: false };
    let vertex = |n: usize| tb.node_vertex.get(n).copied().flatten();
    for (si, &src) in senders.iter().enumerate() {
        let Some(sv) = vertex(src) else { continue };
        for (di, &dst) in receivers.iter().enumerate() {
            if dst == src {
                continue;
            }
            let Some(dv) = vertex(dst) else { continue };
            for &p in &node_prefixes[dst] {
                let all = walks(tb, r, sv, dv, p);
                let arrived = all.iter().filter(|w| w.end == End::Arrived).count();
                if arrived > 0 && arrived < all.len() {
                    out.some_flows = true;
                }
                for w in all {
                    crosses.add(tb.u, &w.steps);
                    match &w.end {
                        End::Arrived => {
                            // The lab's pair: the branch with the smallest MTU sets the pod MTU.
                            if si == 0 && di == 0 {
                                out.arrived.push(w);
                            }
                        }
                        End::NoRoute(v) | End::NoPath(v) => {
                            let v = *v;
                            if !out
                                .failures
                                .iter()
                                .any(|f| matches!(f, Failure::NoRoute { device, .. } if *device == v))
                            {
                                let missing = to
                                    .nodes
                                    .iter()
                                    .flat_map(|n| node_prefixes[*n].iter().copied())
                                    .filter(|&q| next_hops(tb, v, q).is_empty())
                                    .collect::<Vec<_>>();
                                let missing = if missing.is_empty() { vec![p] } else { missing };
                                out.failures.push(Failure::NoRoute { device: v, missing, at_source: v == sv });
                            }
                        }
                        End::Loop(cycle) => {
                            if !out.failures.iter().any(|f| matches!(f, Failure::Loop { cycle: c, .. } if c == cycle)) {
                                out.failures.push(Failure::Loop { cycle: cycle.clone(), prefix: p });
                            }
                        }
                    }
                }
            }
        }
    }
    out
}

fn loop_diag(
    u: &Underlay,
    cycle: &[NodeIndex],
    (from, to): (&str, &str),
    prefix: &ipnet::IpNet,
    some: bool,
) -> Diagnostic {
    let names: Vec<&str> = cycle.iter().map(|v| u.vertex(*v).name.as_str()).collect();
    let first = u.vertex(cycle[0]);
    let ring = format!("{} → {}", names.join(" → "), names[0]);
    let which = if some {
        "some of the pod packets (the flows that ECMP hashes onto one of several equal-cost routes)"
    } else {
        "pod packets"
    };
    Diagnostic::new(
        Code::E100,
        format!("{}.{}", first.kind.section(), first.name),
        format!(
            "forwarding loop: {which} from {from} to {to} (for {prefix}) go round {ring}: each \
             resolves its BGP next hop for the prefix through the next one"
        ),
    )
    .hint(
        "a route reflector that serves a remote site hands out next hops the routers between \
         resolve back through it: serve only sites it sits in, give the backbone `next hop self` \
         towards that router, or change link costs so the underlay path to the next hop does not \
         cross the router that chose it",
    )
}
