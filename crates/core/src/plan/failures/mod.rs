//! What if it breaks: the design with one element down, for every element that
//! can fail alone (each router, host, link and site network).
//!
//! Each failure is planned with the plan's own stages on what remains, never a
//! second model of them: the underlay without the element (`Underlay::without`);
//! the sessions it takes (a failed router's own, and every session whose ends no
//! longer reach each other over the underlay); route propagation re-run on the
//! surviving sessions (`propagate::run`, the same RFC 4271/4456 rules); and
//! forwarding recomputed (`forwarding::paths`: blackholes, loops, path MTUs).
//! Each pair of node locations is then reachable or not, and why, and its pod
//! MTU is compared with the pod MTU the cluster keeps configured.
//!
//! It runs on demand from a finished `Plan`, not inside `plan::build`: every
//! failure is a plan of its own, and the export, the renderers and the app's
//! every keystroke need none of them. `crate::analyze_with_failures` (what
//! `meshplan check` calls, and the export when the design asks to survive
//! single failures) adds the findings.
//!
//! Reuse: a failure that takes no session leaves route propagation as it was,
//! and then only the pairs whose packets crossed the failed element (on the
//! underlay's path or on any walk, `SitePath::crosses`) can change: the others
//! keep their least-cost paths (removing an edge off a shortest path changes
//! neither its length nor its tie-breaks) and their routes, so they are not
//! recomputed. A failure that takes sessions re-runs propagation, and only
//! the pairs whose crossed devices got other next hops are followed again
//! (`Changed::touches`).

mod elements;
mod findings;
pub mod outage;
mod report;

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

pub use elements::Element;

use super::addressing::Addressing;
use super::forwarding::{self, Pairs};
use super::types::*;
use super::{propagate, Plan};
use crate::diag::Diagnostic;
use crate::model::{Kind, Topology};
use crate::underlay::Underlay;

/// Every single failure of a design and what it costs.
#[derive(Debug, Clone, Serialize)]
pub struct Failures {
    /// The pod MTU the cluster keeps configured whatever fails.
    pub pod_mtu: u32,
    /// `resilience.survive_single_failures`: the findings are errors.
    pub required: bool,
    /// Pairs of node locations the intact design connects.
    pub pairs: usize,
    /// One per element, worst first (see [`Failure::severity_key`]), then in file order.
    pub failures: Vec<Failure>,
}

/// The design with one element down.
#[derive(Debug, Clone, Serialize)]
pub struct Failure {
    pub element: Element,
    /// BGP sessions the failure takes down (each listed once, per family).
    pub sessions_lost: Vec<LostSession>,
    /// How long traffic over the lost sessions' routes dies before BGP notices.
    pub outage: Outage,
    /// Pairs from or to the failed element itself (a site network's own
    /// nodes): lost whatever the design, so not counted as broken.
    pub pairs_at_element: usize,
    /// Other pairs of node locations that reach each other intact and no longer do.
    pub broken: Vec<Broken>,
    /// The site pairs of `broken` (each once, the smaller name first).
    pub broken_site_pairs: Vec<[String; 2]>,
    /// Pairs still connected whose pod MTU falls below the configured pod MTU:
    /// packets above it die silently (pods do not learn a smaller path MTU).
    pub mtu_drops: Vec<MtuDrop>,
    /// Pairs still connected that take another way.
    pub moved: Vec<Moved>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LostSession {
    pub a: String,
    pub b: String,
    pub family: Family,
    pub role: SessionRole,
    /// The ends no longer reach each other, rather than one end being the failed router.
    pub no_underlay_path: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Outage {
    /// Seconds until BGP notices: the longest hold time of the lost sessions.
    pub seconds: Option<u32>,
    pub words: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Broken {
    pub from: String,
    pub to: String,
    pub from_site: String,
    pub to_site: String,
    pub why: Why,
}

/// Why a pair no longer connects.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "reason", rename_all = "kebab-case")]
pub enum Why {
    /// The underlay has no path left between the two locations.
    NoUnderlayPath,
    /// The sending node learns no route to the destination's pods.
    NoRoute { node: String },
    /// A device on the way has no route for the destination's pods.
    Blackhole { device: String, some_flows: bool },
    /// Packets go round these devices.
    Loop { devices: Vec<String>, some_flows: bool },
}

impl Why {
    pub fn words(&self) -> String {
        let some = |s: bool| if s { " (some flows: ECMP)" } else { "" };
        match self {
            Why::NoUnderlayPath => "no underlay path".into(),
            Why::NoRoute { node } => format!("no route at `{node}`"),
            Why::Blackhole { device, some_flows } => format!("blackhole at `{device}`{}", some(*some_flows)),
            Why::Loop { devices, some_flows } => {
                format!("forwarding loop {}{}", devices.join(" → "), some(*some_flows))
            }
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct MtuDrop {
    pub from: String,
    pub to: String,
    pub from_site: String,
    pub to_site: String,
    /// What the path left after the failure allows pods.
    pub pod_mtu: u32,
    /// What it allowed intact.
    pub was: u32,
    pub limiting: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Moved {
    pub from: String,
    pub to: String,
    /// The devices pod packets now cross, in order.
    pub hops: Vec<String>,
    pub pod_mtu: u32,
}

impl Failure {
    /// Breaks something: a pair lost or a pair below the pod MTU.
    pub fn hurts(&self) -> bool {
        !self.broken.is_empty() || !self.mtu_drops.is_empty()
    }
    /// Worst first: more site pairs broken, then more pairs below the pod MTU, then more pairs broken.
    fn severity_key(&self) -> (std::cmp::Reverse<usize>, std::cmp::Reverse<usize>, std::cmp::Reverse<usize>) {
        use std::cmp::Reverse;
        (Reverse(self.broken_site_pairs.len()), Reverse(self.mtu_drops.len()), Reverse(self.broken.len()))
    }
}

impl Failures {
    /// The failures that break something, worst first.
    pub fn hurting(&self) -> impl Iterator<Item = &Failure> {
        self.failures.iter().filter(|f| f.hurts())
    }
    /// The findings: one per failure that breaks pairs, one per failure that
    /// leaves a pair below the pod MTU; errors when the design must survive.
    pub fn findings(&self) -> Vec<Diagnostic> {
        findings::of(self)
    }
}

/// What every failure reads of the intact design.
struct Base<'a> {
    reuse: bool,
    t: &'a Topology,
    plan: &'a Plan,
    u: Underlay,
    addressing: Addressing,
    /// Pairs of the intact plan by (from, to) location.
    paths: BTreeMap<(&'a str, &'a str), &'a SitePath>,
    speaker_vertex: Vec<Option<petgraph::graph::NodeIndex>>,
    /// Speaker per underlay vertex.
    speaker_at: Vec<Option<usize>>,
    /// Per location (`SitePath::to`): the prefixes of its nodes.
    location_prefixes: BTreeMap<&'a str, Vec<usize>>,
    /// Per location (`SitePath::from`): its nodes' speakers.
    location_speakers: BTreeMap<&'a str, Vec<usize>>,
    /// Sessions whose ends reach each other intact (others are not the failure's to lose).
    up: Vec<bool>,
}

/// Every single failure of `t`, whose plan is `plan`.
pub fn analyze(t: &Topology, plan: &Plan) -> Failures {
    analyze_reusing(t, plan, true)
}

/// `reuse: false` recomputes every pair of every failure: what the tests
/// compare the reuse with.
fn analyze_reusing<'a>(t: &'a Topology, plan: &'a Plan, reuse: bool) -> Failures {
    let base = base(t, plan, reuse);
    let mut failures: Vec<Failure> = elements::elements(t, &base.u).into_iter().map(|e| one(&base, e)).collect();
    crate::sort::sort_by(&mut failures, |a, b| {
        (a.severity_key(), &a.element.kind, &a.element.path).cmp(&(b.severity_key(), &b.element.kind, &b.element.path))
    });
    Failures {
        pod_mtu: plan.pod_mtu,
        required: t.resilience.survive_single_failures,
        pairs: plan.paths.len(),
        failures,
    }
}

/// The one failure of the element at `path` (`routers.gw`, `hosts.nas`,
/// `links[3]`, `sites.WDS`: [`Element::path`]), exactly as [`analyze`] finds
/// it, without planning the others: what the app's What-if mode shows for a
/// click. `None` when nothing at `path` can fail alone (a node, a site without
/// a network of its own, a link the underlay left out, a name not in the design).
pub fn single(t: &Topology, plan: &Plan, path: &str) -> Option<Failure> {
    let base = base(t, plan, true);
    let element = elements::elements(t, &base.u).into_iter().find(|e| e.path == path)?;
    Some(one(&base, element))
}

/// What every failure reads of the intact design, computed once.
fn base<'a>(t: &'a Topology, plan: &'a Plan, reuse: bool) -> Base<'a> {
    let u = Underlay::new(t);
    let speaker_vertex: Vec<_> = plan.speakers.list.iter().map(|s| u.device(&s.name)).collect();
    let reach = elements::Reach::new(&u);
    let up = plan
        .sessions
        .iter()
        .map(|s| match (speaker_vertex[s.sa], speaker_vertex[s.sb]) {
            (Some(a), Some(b)) => reach.reaches(&u, a, b),
            _ => false,
        })
        .collect();
    let location = |node: &'a str| location(t, &u, node);
    let mut location_prefixes: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, pre) in plan.routing.prefixes.iter().enumerate() {
        if let Some(l) = location(&pre.origin) {
            location_prefixes.entry(l).or_default().push(i);
        }
    }
    let mut location_speakers: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for name in t.nodes.keys() {
        if let (Some(l), Some(s)) = (location(name), plan.speakers.get(name)) {
            location_speakers.entry(l).or_default().push(s);
        }
    }
    let speaker_at = u.graph.node_indices().map(|v| plan.speakers.get(&u.vertex(v).name)).collect();
    Base {
        reuse,
        t,
        plan,
        speaker_at,
        location_prefixes,
        location_speakers,
        addressing: Addressing { nodes: plan.nodes.clone(), calico: None },
        paths: crate::sort::map(plan.paths.iter().map(|p| ((p.from.as_str(), p.to.as_str()), p))),
        speaker_vertex,
        up,
        u,
    }
}

/// A node's location: its site's network when the site is one, else itself
/// (as `forwarding` places them).
fn location<'a>(t: &'a Topology, u: &Underlay, node: &'a str) -> Option<&'a str> {
    let n = t.nodes.get(node)?;
    let on_net = t.sites.get(&n.site).is_some_and(|s| s.lan) && u.net(&n.site).is_some();
    Some(if on_net { n.site.as_str() } else { node })
}

fn one(base: &Base, element: Element) -> Failure {
    let (t, plan) = (base.t, base.plan);
    let u = element.down.apply(&base.u);
    let failed_vertex = match element.down {
        elements::Down::Vertex(v) => Some(v),
        elements::Down::Link(_) => None,
    };

    // 1. Sessions lost: the failed device's own, and those whose ends no longer meet.
    let reach = elements::Reach::new(&u);
    let mut lost = Vec::new();
    let mut down = vec![false; plan.sessions.len()];
    for (i, s) in plan.sessions.iter().enumerate() {
        let (va, vb) = (base.speaker_vertex[s.sa], base.speaker_vertex[s.sb]);
        let own = failed_vertex.is_some() && (va == failed_vertex || vb == failed_vertex);
        let cut = !own
            && base.up[i]
            && match (va, vb) {
                (Some(a), Some(b)) => !reach.reaches(&u, a, b),
                _ => false,
            };
        if own || cut {
            lost.push((i, cut));
            down[i] = true;
        }
    }

    // 2. Route propagation on the surviving sessions (the intact result when none is lost).
    let mut scratch_diags = Vec::new();
    let rerouted;
    let routing = if lost.is_empty() {
        &plan.routing
    } else {
        rerouted =
            propagate::run_without(t, &u, &plan.speakers, &plan.sessions, &down, &base.addressing, &mut scratch_diags);
        &rerouted
    };

    // 3. Forwarding on what remains: the pairs the failure can change.
    let down_location = |loc: &str| {
        failed_vertex.is_some_and(|v| u.vertex(v).is_network() && u.vertex(v).name == loc)
            && t.sites.get(loc).is_some_and(|s| s.lan)
    };
    let moved_routes = (!lost.is_empty()).then(|| Changed::new(base, &plan.routing, routing));
    let affected = |p: &SitePath| {
        let crossed = match element.down {
            elements::Down::Vertex(v) => p.crosses.vertices.binary_search(&(v.index() as u32)).is_ok(),
            elements::Down::Link(l) => p.crosses.links.binary_search(&(l as u32)).is_ok(),
        };
        !base.reuse || crossed || moved_routes.as_ref().is_some_and(|c| c.touches(base, p))
    };
    let wanted: BTreeSet<(&str, &str)> = crate::sort::set(
        base.paths
            .iter()
            .filter(|(&(f, to), p)| !down_location(f) && !down_location(to) && affected(p))
            .map(|(k, _)| *k),
    );
    let select = |f: &str, to: &str| wanted.contains(&(f, to));
    let new_paths = if wanted.is_empty() {
        Vec::new()
    } else {
        forwarding::paths(t, &u, &plan.speakers, &base.addressing, routing, Pairs::Only(&select), &mut scratch_diags)
    };
    let new_by: BTreeMap<(&str, &str), &SitePath> =
        crate::sort::map(new_paths.iter().map(|p| ((p.from.as_str(), p.to.as_str()), p)));

    // 4. Each pair against the intact plan.
    let mut broken = Vec::new();
    let mut mtu_drops = Vec::new();
    let mut moved = Vec::new();
    let mut pairs_at_element = 0;
    for (&(f, to), old) in &base.paths {
        if old.blackhole.is_some() {
            continue; // broken intact: not this failure's doing
        }
        let why = if down_location(f) || down_location(to) {
            pairs_at_element += 1;
            continue;
        } else if !wanted.contains(&(f, to)) {
            continue; // untouched
        } else {
            match new_by.get(&(f, to)) {
                None => Some(Why::NoUnderlayPath),
                Some(p) => p.blackhole.as_ref().map(|b| why_of(t, b, p)),
            }
        };
        let entry = |why| Broken {
            from: f.to_string(),
            to: to.to_string(),
            from_site: old.from_site.clone(),
            to_site: old.to_site.clone(),
            why,
        };
        if let Some(why) = why {
            broken.push(entry(why));
            continue;
        }
        let Some(p) = new_by.get(&(f, to)) else { continue };
        if p.pod_mtu < plan.pod_mtu && p.pod_mtu < old.pod_mtu {
            mtu_drops.push(MtuDrop {
                from: f.to_string(),
                to: to.to_string(),
                from_site: old.from_site.clone(),
                to_site: old.to_site.clone(),
                pod_mtu: p.pod_mtu,
                was: old.pod_mtu,
                limiting: p.limiting.clone(),
            });
        }
        let hops = devices(p);
        if hops != devices(old) {
            moved.push(Moved { from: f.to_string(), to: to.to_string(), hops, pod_mtu: p.pod_mtu });
        }
    }
    let broken_site_pairs: Vec<[String; 2]> = crate::sort::set(broken.iter().map(|b| {
        let (x, y) = (b.from_site.clone(), b.to_site.clone());
        if x <= y {
            [x, y]
        } else {
            [y, x]
        }
    }))
    .into_iter()
    .collect();

    let sessions_lost: Vec<LostSession> = lost
        .iter()
        .map(|&(i, cut)| {
            let s = &plan.sessions[i];
            LostSession { a: s.a.clone(), b: s.b.clone(), family: s.family, role: s.role, no_underlay_path: cut }
        })
        .collect();
    let outage =
        outage_of(plan, &lost, !moved.is_empty() || !broken.is_empty() || !mtu_drops.is_empty(), !broken.is_empty());
    Failure { element, sessions_lost, outage, pairs_at_element, broken, broken_site_pairs, mtu_drops, moved }
}

/// Where propagation after a failure installs other next hops than intact:
/// per (intact class, new class) of the prefixes, the speakers whose routes
/// point elsewhere (`None`: the whole group, when the classes' representatives
/// differ and their slots cannot be compared).
struct Changed {
    /// Per prefix: the index of its group in `groups`.
    group_of: Vec<usize>,
    groups: Vec<Option<Vec<bool>>>,
    /// Direct routes (not BGP) changed: every pair.
    all: bool,
}

impl Changed {
    fn new(base: &Base, old: &Routing, new: &Routing) -> Changed {
        let n = base.plan.speakers.list.len();
        let all = old.direct_group != new.direct_group || old.prefixes.len() != new.prefixes.len();
        let mut keys: BTreeMap<(usize, usize), usize> = BTreeMap::new();
        let mut groups = Vec::new();
        let mut group_of = Vec::with_capacity(old.prefixes.len());
        for (po, pn) in old.prefixes.iter().zip(&new.prefixes) {
            let next = groups.len();
            let g = *keys.entry((po.class, pn.class)).or_insert(next);
            if g == next {
                groups.push(compare(old.classes.get(po.class), new.classes.get(pn.class), n));
            }
            group_of.push(g);
        }
        Changed { group_of, groups, all }
    }

    /// Whether pair `p` can forward otherwise: a device it crosses, or a node
    /// sending from its location, has other routes for a prefix of its destination.
    fn touches(&self, base: &Base, p: &SitePath) -> bool {
        if self.all {
            return true;
        }
        let Some(dests) = base.location_prefixes.get(p.to.as_str()) else { return true };
        let senders = base.location_speakers.get(p.from.as_str()).map(Vec::as_slice).unwrap_or(&[]);
        dests.iter().any(|&pi| {
            let Some(g) = self.group_of.get(pi).and_then(|&g| self.groups.get(g)) else { return true };
            let Some(changed) = g else { return true };
            let hit = |s: usize| changed.get(s).copied().unwrap_or(true);
            senders.iter().any(|&s| hit(s))
                || p.crosses
                    .vertices
                    .iter()
                    .any(|&v| base.speaker_at.get(v as usize).copied().flatten().is_some_and(hit))
        })
    }
}

/// Per speaker: do two classes' results install other next hops?
fn compare(old: Option<&ClassRoutes>, new: Option<&ClassRoutes>, n: usize) -> Option<Vec<bool>> {
    let (Some(a), Some(b)) = (old, new) else { return None };
    if a.representative != b.representative {
        return None;
    }
    let hops = |c: &ClassRoutes, i: usize| -> Vec<Ref> {
        let mut v: Vec<Ref> = c.best.get(i).copied().flatten().map(|e| e.next_hop).into_iter().collect();
        v.extend(c.extras(i).iter().map(|e| e.next_hop));
        crate::sort::sort(&mut v);
        v
    };
    // With one representative, slot for slot: its own slot is empty in both,
    // and what it sees of a member's prefix is that member's slot.
    Some((0..n).map(|i| hops(a, i) != hops(b, i)).collect())
}

/// Why a pair whose walk failed does not connect.
fn why_of(t: &Topology, b: &Blackhole, p: &SitePath) -> Why {
    if !b.looped.is_empty() {
        return Why::Loop { devices: b.looped.clone(), some_flows: b.some_flows };
    }
    // A node never forwards for others: a node that has no route is the sender.
    let _ = p;
    if t.nodes.contains_key(&b.device) {
        Why::NoRoute { node: b.device.clone() }
    } else {
        Why::Blackhole { device: b.device.clone(), some_flows: b.some_flows }
    }
}

/// The devices pod packets cross (routers and hosts), as the plan describes the path.
fn devices(p: &SitePath) -> Vec<String> {
    p.pod_hops
        .as_ref()
        .unwrap_or(&p.hops)
        .iter()
        .filter(|h| matches!(h.kind, Kind::Router | Kind::Host))
        .map(|h| h.name.clone())
        .collect()
}

fn outage_of(plan: &Plan, lost: &[(usize, bool)], changes: bool, cut: bool) -> Outage {
    let hold = lost.iter().map(|&(i, _)| outage::hold_time(&plan.speakers, &plan.sessions[i])).max();
    let words = match (hold, changes) {
        (Some(h), _) => format!(
            "{}up to {h} s for the rest: peers keep the routes of the lost sessions until their hold timer ({h} s) \
             expires (no BFD is rendered), then use what survives",
            if cut { "the pairs cut stay cut until it is back; " } else { "" }
        ),
        (None, true) => {
            "no BGP session is lost: traffic moves as soon as the underlay routes around the failure".to_string()
        }
        (None, false) => "none: nothing the pods use crosses it".to_string(),
    };
    Outage { seconds: hold, words }
}

#[cfg(test)]
mod tests;
