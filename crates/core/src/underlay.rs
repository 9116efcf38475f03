//! The underlay: devices (nodes, routers, hosts) and site networks as vertices,
//! links and site attachments as edges (docs/format.md, "The underlay model").
//! Paths are least cost; ties go to the smaller name, so a path never depends on
//! hash order or on the order of the file.

use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap};
use std::rc::Rc;

use petgraph::graph::{EdgeIndex, NodeIndex, UnGraph};
use petgraph::visit::EdgeRef;
use serde::Serialize;

use crate::model::{Kind, Topology};

/// A vertex: a device, or the L2 network of a site with `lan: true`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Vertex {
    pub name: String,
    pub kind: Kind,
}

impl Vertex {
    pub fn is_network(&self) -> bool {
        self.kind == Kind::Site
    }
}

/// An edge: a link of the file, or a device's attachment to its site's network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Edge {
    pub mtu: u32,
    /// Path weight: attachments cost 1, a link `1 + 1000 × cost`, so a shared LAN
    /// wins over a link of any cost, as a connected route does, and cost 0 still works.
    pub weight: u64,
    /// Index into `Topology::links`, or `None` for a site attachment.
    pub link: Option<usize>,
}

pub struct Underlay {
    pub graph: UnGraph<Vertex, Edge>,
    /// Shared with the copies `without` makes: a failure removes edges, never names.
    index: Rc<BTreeMap<(Kind, String), NodeIndex>>,
    by_name: Rc<BTreeMap<String, NodeIndex>>,
}

/// Shortest paths from one vertex.
pub struct Tree {
    pub source: NodeIndex,
    dist: Vec<Option<u64>>,
    pred: Vec<Option<(NodeIndex, EdgeIndex)>>,
}

/// One step of a path: the vertex reached and the edge used to reach it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub vertex: NodeIndex,
    pub edge: Option<EdgeIndex>,
}

impl Underlay {
    pub fn new(t: &Topology) -> Underlay {
        let mut graph = UnGraph::new_undirected();
        let mut all: Vec<Vertex> = Vec::new();
        for (name, site) in &t.sites {
            if site.lan {
                all.push(Vertex { name: name.clone(), kind: Kind::Site });
            }
        }
        for name in t.nodes.keys() {
            all.push(Vertex { name: name.clone(), kind: Kind::Node });
        }
        for name in t.routers.keys() {
            all.push(Vertex { name: name.clone(), kind: Kind::Router });
        }
        for name in t.hosts.keys() {
            all.push(Vertex { name: name.clone(), kind: Kind::Host });
        }
        // Sorted by name, so index order is name order: ties resolve by name.
        crate::sort::sort_by(&mut all, |a, b| (&a.name, a.kind).cmp(&(&b.name, b.kind)));
        let mut index = BTreeMap::new();
        let mut by_name = BTreeMap::new();
        for v in all {
            let key = (v.kind, v.name.clone());
            let name = v.name.clone();
            let is_device = !v.is_network();
            let i = graph.add_node(v);
            index.insert(key, i);
            // A device shadows a site of the same name (itself an error, E012).
            if is_device || !by_name.contains_key(&name) {
                by_name.insert(name, i);
            }
        }
        let mut u = Underlay { graph, index: Rc::new(index), by_name: Rc::new(by_name) };
        // Attachments of devices to their site's network.
        for (kind, name, site) in t
            .nodes
            .iter()
            .map(|(n, d)| (Kind::Node, n, Some(d.site.as_str())))
            .chain(t.routers.iter().map(|(n, d)| (Kind::Router, n, d.site.as_deref())))
            .chain(t.hosts.iter().map(|(n, d)| (Kind::Host, n, d.site.as_deref())))
        {
            let Some(site) = site else { continue };
            let (Some(dev), Some(net), Some(s)) = (u.index.get(&(kind, name.clone())), u.net(site), t.sites.get(site))
            else {
                continue;
            };
            u.graph.add_edge(*dev, net, Edge { mtu: s.mtu(), weight: 1, link: None });
        }
        for (i, link) in t.links.iter().enumerate() {
            let (Some(a), Some(b)) = (u.resolve(&link.between[0]), u.resolve(&link.between[1])) else {
                continue;
            };
            if a == b {
                continue;
            }
            let weight = 1 + 1000 * u64::from(link.cost());
            u.graph.add_edge(a, b, Edge { mtu: link.mtu(), weight, link: Some(i) });
        }
        u
    }

    /// The underlay with some elements down: every edge `down` names removed.
    /// Vertices keep their indices (a failed device stays, cut off), so what
    /// is computed on the copy compares index for index with the original.
    /// (Edge indices do change: they are not what a failure names.)
    pub fn without(&self, down: impl Fn(&Edge, NodeIndex, NodeIndex) -> bool) -> Underlay {
        let mut graph = self.graph.clone();
        graph.retain_edges(|g, e| match g.edge_endpoints(e) {
            Some((a, b)) => !down(&g[e], a, b),
            None => true,
        });
        Underlay { graph, index: Rc::clone(&self.index), by_name: Rc::clone(&self.by_name) }
    }

    /// The vertex a link end names: a device, or a site's network.
    pub fn resolve(&self, name: &str) -> Option<NodeIndex> {
        self.by_name.get(name).copied()
    }
    pub fn device(&self, name: &str) -> Option<NodeIndex> {
        self.by_name.get(name).copied().filter(|i| !self.graph[*i].is_network())
    }
    pub fn net(&self, site: &str) -> Option<NodeIndex> {
        self.index.get(&(Kind::Site, site.to_string())).copied()
    }
    pub fn vertex(&self, i: NodeIndex) -> &Vertex {
        &self.graph[i]
    }
    pub fn edge(&self, e: EdgeIndex) -> &Edge {
        &self.graph[e]
    }

    /// Connected component id per vertex (index order).
    pub fn components(&self) -> Vec<usize> {
        let mut comp = vec![usize::MAX; self.graph.node_count()];
        let mut next = 0;
        for start in self.graph.node_indices() {
            if comp[start.index()] != usize::MAX {
                continue;
            }
            let mut stack = vec![start];
            comp[start.index()] = next;
            while let Some(v) = stack.pop() {
                for w in self.graph.neighbors(v) {
                    if comp[w.index()] == usize::MAX {
                        comp[w.index()] = next;
                        stack.push(w);
                    }
                }
            }
            next += 1;
        }
        comp
    }

    /// Least-cost paths from `source` to every vertex.
    pub fn tree(&self, source: NodeIndex) -> Tree {
        let n = self.graph.node_count();
        let mut dist: Vec<Option<u64>> = vec![None; n];
        let mut heap = BinaryHeap::new();
        dist[source.index()] = Some(0);
        heap.push(Reverse((0u64, source.index())));
        while let Some(Reverse((d, v))) = heap.pop() {
            if dist[v] != Some(d) {
                continue;
            }
            let vi = NodeIndex::new(v);
            // Only devices forward: a path may cross a network, but an end device
            // (a node) that is not the source never carries transit traffic
            // unless it is a router or host.
            if v != source.index() && self.graph[vi].kind == Kind::Node {
                continue;
            }
            for e in self.graph.edges(vi) {
                let w = e.target();
                let nd = d + e.weight().weight;
                if dist[w.index()].is_none_or(|old| nd < old) {
                    dist[w.index()] = Some(nd);
                    // Nodes are leaves: reached, never expanded, so kept off the heap.
                    if self.graph[w].kind != Kind::Node {
                        heap.push(Reverse((nd, w.index())));
                    }
                }
            }
        }
        // Predecessors chosen after the fact among all tight edges: smallest
        // vertex index (= name order), then smallest edge weight, then link index.
        let mut pred = vec![None; n];
        for v in self.graph.node_indices() {
            let Some(dv) = dist[v.index()] else { continue };
            if v == source {
                continue;
            }
            let mut best: Option<(usize, u64, usize, NodeIndex, EdgeIndex)> = None;
            for e in self.graph.edges(v) {
                let u = e.target();
                if u != source && self.graph[u].kind == Kind::Node {
                    continue;
                }
                let Some(du) = dist[u.index()] else { continue };
                if du + e.weight().weight != dv {
                    continue;
                }
                let key = (u.index(), e.weight().weight, e.weight().link.unwrap_or(usize::MAX), u, e.id());
                if best.is_none_or(|b| (key.0, key.1, key.2) < (b.0, b.1, b.2)) {
                    best = Some(key);
                }
            }
            pred[v.index()] = best.map(|b| (b.3, b.4));
        }
        Tree { source, dist, pred }
    }
}

impl Tree {
    pub fn reaches(&self, v: NodeIndex) -> bool {
        self.dist[v.index()].is_some()
    }
    /// The path from the tree's source to `dest`, source first; `None` if unreachable.
    pub fn path(&self, dest: NodeIndex) -> Option<Vec<Step>> {
        self.dist[dest.index()]?;
        let mut steps = vec![];
        let mut cur = dest;
        while cur != self.source {
            let (p, e) = self.pred[cur.index()]?;
            steps.push(Step { vertex: cur, edge: Some(e) });
            cur = p;
            if steps.len() > self.pred.len() {
                return None; // cannot happen with positive weights; never loop
            }
        }
        steps.push(Step { vertex: self.source, edge: None });
        steps.reverse();
        Some(steps)
    }
}
