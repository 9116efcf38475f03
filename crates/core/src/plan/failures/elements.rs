//! The elements that can fail one at a time, and the underlay without one of them.

use petgraph::graph::NodeIndex;
use serde::Serialize;

use crate::model::{Kind, Topology};
use crate::underlay::Underlay;

/// One element of the design that can fail.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Element {
    /// `router`, `host`, `link` or `site` (a site's network).
    pub kind: &'static str,
    /// Its name; for a link, its two ends (`a ↔ b`).
    pub name: String,
    /// The element's path in the file (`routers.gw`, `links[3]`, `sites.WDS`):
    /// what a finding about its failure points at.
    pub path: String,
    #[serde(skip)]
    pub(super) down: Down,
}

impl Element {
    /// The underlay with this element down (what the lab routes over when it
    /// fails the element, as an IGP would route around it).
    pub fn underlay(&self, u: &Underlay) -> Underlay {
        self.down.apply(u)
    }
    /// The link's index, for a link.
    pub fn link(&self) -> Option<usize> {
        match self.down {
            Down::Link(i) => Some(i),
            Down::Vertex(_) => None,
        }
    }
}

/// What goes down in the underlay: a vertex with every edge it has, or one link.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Down {
    Vertex(NodeIndex),
    Link(usize),
}

/// Every single failure of `t`, in file order: routers, hosts, links, then
/// site networks (sites with `lan: true`; a site without one has nothing
/// shared to fail).
pub fn elements(t: &Topology, u: &Underlay) -> Vec<Element> {
    let mut out = Vec::new();
    let device = |kind: &'static str, section: &str, name: &String| {
        u.device(name).map(|v| Element {
            kind,
            name: name.clone(),
            path: format!("{section}.{name}"),
            down: Down::Vertex(v),
        })
    };
    out.extend(t.routers.keys().filter_map(|n| device("router", Kind::Router.section(), n)));
    out.extend(t.hosts.keys().filter_map(|n| device("host", Kind::Host.section(), n)));
    for (i, l) in t.links.iter().enumerate() {
        // A link the underlay left out (an end that does not resolve) has nothing to lose.
        if u.graph.edge_weights().any(|e| e.link == Some(i)) {
            out.push(Element {
                kind: "link",
                name: format!("{} ↔ {} ({})", l.between[0], l.between[1], l.kind.as_str()),
                path: format!("links[{i}]"),
                down: Down::Link(i),
            });
        }
    }
    for name in t.sites.keys() {
        if let Some(v) = u.net(name) {
            out.push(Element {
                kind: "site",
                name: name.clone(),
                path: format!("sites.{name}"),
                down: Down::Vertex(v),
            });
        }
    }
    out
}

impl Down {
    /// The underlay with this element down.
    pub(super) fn apply(self, u: &Underlay) -> Underlay {
        match self {
            Down::Vertex(v) => u.without(|_, a, b| a == v || b == v),
            Down::Link(i) => u.without(|e, _, _| e.link == Some(i)),
        }
    }
}

/// Which devices reach which over an underlay, as its paths go: networks,
/// routers and hosts carry traffic, nodes only send and receive (`Underlay::tree`).
/// Built once per failure, so that each session's question is cheap.
pub(super) struct Reach {
    /// Per vertex: its component among the vertices that carry traffic (nodes: none).
    comp: Vec<usize>,
}

impl Reach {
    pub(super) fn new(u: &Underlay) -> Reach {
        let n = u.graph.node_count();
        let carries = |v: NodeIndex| u.vertex(v).kind != Kind::Node;
        let mut comp = vec![usize::MAX; n];
        let mut next = 0;
        for start in u.graph.node_indices().filter(|&v| carries(v)) {
            if comp[start.index()] != usize::MAX {
                continue;
            }
            comp[start.index()] = next;
            let mut stack = vec![start];
            while let Some(v) = stack.pop() {
                for w in u.graph.neighbors(v).filter(|&w| carries(w)) {
                    if comp[w.index()] == usize::MAX {
                        comp[w.index()] = next;
                        stack.push(w);
                    }
                }
            }
            next += 1;
        }
        Reach { comp }
    }

    /// Whether packets from `a` get to `b` (both devices) over `u`.
    pub(super) fn reaches(&self, u: &Underlay, a: NodeIndex, b: NodeIndex) -> bool {
        if a == b {
            return true;
        }
        // The components `x` enters: its own, or (a node) its neighbours'.
        let entries = |x: NodeIndex| -> Vec<usize> {
            match self.comp.get(x.index()).copied().filter(|&c| c != usize::MAX) {
                Some(c) => vec![c],
                None => u
                    .graph
                    .neighbors(x)
                    .filter_map(|w| self.comp.get(w.index()).copied())
                    .filter(|&c| c != usize::MAX)
                    .collect(),
            }
        };
        if u.graph.neighbors(a).any(|w| w == b) {
            return true;
        }
        let ea = entries(a);
        entries(b).iter().any(|c| ea.contains(c))
    }
}
