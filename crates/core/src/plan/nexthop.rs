//! Where a pod packet really goes: each device looks the destination pod prefix
//! up in its own table, takes the BGP next hop of the route it installed (or
//! the direct route the CNI installed), and resolves that next hop over the
//! underlay as the kernel resolves a recursive route: to the first device on
//! the least-cost path towards it. The next device does its *own* lookup, so
//! the packet follows the chain of these choices, which need not be the
//! underlay path between the two nodes, and can loop (two routers that each
//! resolve their next hop through the other) or die at a device with no route.
//!
//! `walks` follows the packets of one prefix (every ECMP branch); the underlay trees it needs are built once per
//! device and kept (`Resolver`), so a large plan pays one shortest-path tree per
//! device that forwards, not one per packet.

use std::collections::HashMap;

use petgraph::graph::NodeIndex;

use super::types::{Ref, Routing, Speakers};
use crate::model::Kind;
use crate::underlay::{Step, Tree, Underlay};

/// Shortest-path trees per source vertex, built on first use, and the segments
/// read from them (every pair's walks ask the same few again and again).
pub struct Resolver<'a> {
    u: &'a Underlay,
    trees: Vec<Option<Tree>>,
    segments: HashMap<(NodeIndex, NodeIndex), Option<Vec<Step>>>,
}

impl<'a> Resolver<'a> {
    pub fn new(u: &'a Underlay) -> Resolver<'a> {
        Resolver { u, trees: (0..u.graph.node_count()).map(|_| None).collect(), segments: HashMap::new() }
    }

    /// The shortest-path tree from `root`, built once.
    pub fn tree(&mut self, root: NodeIndex) -> Option<&Tree> {
        let u = self.u;
        Some(self.trees.get_mut(root.index())?.get_or_insert_with(|| u.tree(root)))
    }

    /// [`Self::find_segment`], remembered (a lookup only: the output's order
    /// never depends on the map).
    fn segment(&mut self, from: NodeIndex, to: NodeIndex) -> Option<Vec<Step>> {
        if let Some(s) = self.segments.get(&(from, to)) {
            return s.clone();
        }
        let s = self.find_segment(from, to);
        self.segments.insert((from, to), s.clone());
        s
    }

    /// The underlay steps from `from` to the first device after it on the way
    /// to `to` (networks crossed included, `from` itself left out), or `None`
    /// when the underlay does not reach `to`.
    fn find_segment(&mut self, from: NodeIndex, to: NodeIndex) -> Option<Vec<Step>> {
        let u = self.u;
        // A node whose one edge is its site network leaves by it: the network's
        // tree gives the same paths (every distance is one more, every tie the
        // same), and one tree serves all the nodes of a site.
        let mut edges = u.graph.edges(from);
        let lone_net = match (edges.next(), edges.next()) {
            (Some(e), None) if u.vertex(from).kind == Kind::Node => {
                use petgraph::visit::EdgeRef;
                let net = if e.source() == from { e.target() } else { e.source() };
                u.vertex(net).is_network().then_some((net, e.id()))
            }
            _ => None,
        };
        let root = lone_net.map_or(from, |(n, _)| n);
        let mut steps = self.tree(root)?.path(to)?;
        if let Some((net, e)) = lone_net {
            // From the node: the step onto its network, then the network's path.
            steps[0] = Step { vertex: net, edge: Some(e) };
            steps.insert(0, Step { vertex: from, edge: None });
        }
        let mut out = Vec::new();
        for st in steps.into_iter().skip(1) {
            let device = !u.vertex(st.vertex).is_network();
            out.push(st);
            if device {
                return Some(out);
            }
        }
        None
    }
}

/// How a packet's walk ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum End {
    /// At the destination node.
    Arrived,
    /// At a device with no route for the prefix (a blackhole).
    NoRoute(NodeIndex),
    /// At a device whose next hop the underlay does not reach.
    NoPath(NodeIndex),
    /// Back at a device it had passed: the devices of the loop, in order.
    Loop(Vec<NodeIndex>),
}

/// One packet's walk: the underlay steps taken (the source first) and its end.
#[derive(Debug, Clone)]
pub struct Walk {
    pub steps: Vec<Step>,
    pub end: End,
}

/// What a walk reads of the plan.
pub struct Tables<'a> {
    pub u: &'a Underlay,
    pub sp: &'a Speakers,
    pub routing: &'a Routing,
    /// Node index (name order) per underlay vertex, for nodes.
    pub node_at: &'a [Option<usize>],
    /// The underlay vertex of each node (name order).
    pub node_vertex: &'a [Option<NodeIndex>],
    /// The underlay vertex of each speaker.
    pub speaker_vertex: &'a [Option<NodeIndex>],
    /// Speaker index per underlay vertex.
    pub speaker_at: &'a [Option<usize>],
}

/// Where device `v` sends packets for prefix `p`: the vertices its installed
/// routes point at (next hops, before resolution; more than one with ECMP),
/// none if it has no route.
pub fn next_hops(tb: &Tables, v: NodeIndex, p: usize) -> Vec<NodeIndex> {
    let Some(pre) = tb.routing.prefixes.get(p) else { return Vec::new() };
    let d_node = tb.node_at.get(v.index()).copied().flatten();
    let d = tb.speaker_at.get(v.index()).copied().flatten();
    let origin = tb.node_vertex.get(pre.origin_idx).copied().flatten();
    if let Some(dn) = d_node {
        let g = |i: usize| tb.routing.direct_group.get(i).copied().flatten();
        if g(dn).is_some() && g(dn) == g(pre.origin_idx) {
            return origin.into_iter().collect();
        }
    }
    let Some(d) = d else { return Vec::new() };
    let mut out: Vec<NodeIndex> = Vec::new();
    tb.routing.for_each_entry(d, p, |e| {
        let v = match e.next_hop {
            Ref::Origin => origin,
            Ref::Speaker(i) => tb.speaker_vertex.get(i).copied().flatten(),
        };
        if let Some(v) = v.filter(|v| !out.contains(v)) {
            out.push(v);
        }
    });
    out
}

/// Walks followed at most per packet: ECMP at every hop multiplies them.
const MAX_BRANCHES: usize = 64;

/// Follows packets for prefix `p` from node vertex `src` to the prefix's node
/// `dst`, device by device, each forwarding by its own table; where a device
/// spreads packets over several routes (ECMP), every branch is followed. The
/// kernel picks one branch per flow by a hash the plan cannot know, so every
/// branch is a walk some flow takes.
pub fn walks(tb: &Tables, r: &mut Resolver, src: NodeIndex, dst: NodeIndex, p: usize) -> Vec<Walk> {
    let mut done = Vec::new();
    let mut todo = vec![(vec![Step { vertex: src, edge: None }], vec![src])];
    while let Some((steps, visited)) = todo.pop() {
        if done.len() + todo.len() >= MAX_BRANCHES {
            break;
        }
        let Some(&cur) = visited.last() else { continue };
        if cur == dst {
            done.push(Walk { steps, end: End::Arrived });
            continue;
        }
        // Only devices with a table forward pod traffic by it: a host or a
        // router without a BGP daemon knows the underlay only.
        let forwards =
            tb.u.vertex(cur).kind == Kind::Node || tb.speaker_at.get(cur.index()).copied().flatten().is_some();
        let targets = if forwards { next_hops(tb, cur, p) } else { Vec::new() };
        if targets.is_empty() {
            done.push(Walk { steps, end: End::NoRoute(cur) });
            continue;
        }
        // Several next hops may resolve to one next device: follow each device once.
        let mut seen: Vec<NodeIndex> = Vec::new();
        for t in targets.into_iter().rev() {
            let Some(seg) = r.segment(cur, t) else {
                done.push(Walk { steps: steps.clone(), end: End::NoPath(cur) });
                continue;
            };
            let Some(next) = seg.last().map(|s| s.vertex) else { continue };
            if seen.contains(&next) {
                continue;
            }
            seen.push(next);
            let mut steps = steps.clone();
            steps.extend(seg);
            if let Some(k) = visited.iter().position(|&x| x == next) {
                done.push(Walk { steps, end: End::Loop(visited[k..].to_vec()) });
                continue;
            }
            let mut visited = visited.clone();
            visited.push(next);
            todo.push((steps, visited));
        }
    }
    done
}

impl Routing {
    /// Every route speaker `d` installs for prefix `p`, to `f`: its best, and
    /// the equal-cost ones beside it where its daemon does ECMP.
    pub fn for_each_entry(&self, d: usize, p: usize, mut f: impl FnMut(super::types::Entry)) {
        let Some(pre) = self.prefixes.get(p) else { return };
        let Some(class) = self.classes.get(pre.class) else { return };
        let x = pre.origin_idx;
        if d == x {
            return;
        }
        let slot = if d == class.representative { x } else { d };
        if let Some(b) = class.best.get(slot).copied().flatten() {
            f(b);
            class.extras(slot).iter().copied().for_each(f);
        }
    }

    /// Speaker `d`'s best route for prefix `p` (none for the prefix's own node).
    pub fn entry(&self, d: usize, p: usize) -> Option<super::types::Entry> {
        let pre = self.prefixes.get(p)?;
        let class = self.classes.get(pre.class)?;
        let x = pre.origin_idx;
        if d == x {
            return None;
        }
        // Members of a class are interchangeable; mirror the representative's view.
        let slot = if d == class.representative { x } else { d };
        class.best.get(slot).copied().flatten()
    }
}

/// Each device's next device for a prefix, as its kernel forwards: what the lab
/// compares with the gateway of the route the daemon installed.
pub struct NextDevices<'a> {
    plan: &'a super::Plan,
    u: &'a Underlay,
    node_at: Vec<Option<usize>>,
    node_vertex: Vec<Option<NodeIndex>>,
    speaker_vertex: Vec<Option<NodeIndex>>,
    speaker_at: Vec<Option<usize>>,
    resolver: Resolver<'a>,
}

impl<'a> NextDevices<'a> {
    pub fn new(plan: &'a super::Plan, u: &'a Underlay) -> NextDevices<'a> {
        let mut node_at = vec![None; u.graph.node_count()];
        for (i, n) in plan.nodes.keys().enumerate() {
            if let Some(x) = u.device(n) {
                node_at[x.index()] = Some(i);
            }
        }
        let speaker_at = u.graph.node_indices().map(|v| plan.speakers.get(&u.vertex(v).name)).collect();
        let node_vertex = plan.nodes.keys().map(|n| u.device(n)).collect();
        let speaker_vertex = plan.speakers.list.iter().map(|s| u.device(&s.name)).collect();
        NextDevices { plan, u, node_at, node_vertex, speaker_vertex, speaker_at, resolver: Resolver::new(u) }
    }

    /// The devices `device` hands packets for prefix `p` (an index into
    /// `plan.routing.prefixes`) to, sorted (more than one with ECMP); empty when
    /// it has no route or the underlay does not reach the route's next hop.
    pub fn get(&mut self, device: &str, p: usize) -> Vec<String> {
        let Some(v) = self.u.device(device) else { return Vec::new() };
        let tb = Tables {
            u: self.u,
            sp: &self.plan.speakers,
            routing: &self.plan.routing,
            node_at: &self.node_at,
            node_vertex: &self.node_vertex,
            speaker_vertex: &self.speaker_vertex,
            speaker_at: &self.speaker_at,
        };
        let mut out: Vec<String> = next_hops(&tb, v, p)
            .into_iter()
            .filter_map(|t| self.resolver.segment(v, t))
            .filter_map(|seg| seg.last().map(|s| self.u.vertex(s.vertex).name.clone()))
            .collect();
        crate::sort::sort(&mut out);
        out.dedup();
        out
    }
}
