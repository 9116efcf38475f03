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
//! every keystroke need none of them. `crate::analyze` (what `meshplan check`
//! and the app's diagnostics call) adds the findings.
//!
//! Reuse: a failure that takes no session leaves route propagation as it was,
//! and then only the pairs whose packets crossed the failed element (on the
//! underlay's path or on any walk, `SitePath::crosses`) can change: the others
//! keep their least-cost paths (removing an edge off a shortest path changes
//! neither its length nor its tie-breaks) and their routes, so they are not
//! recomputed. A failure that takes sessions re-runs propagation and every pair.

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
    t: &'a Topology,
    plan: &'a Plan,
    u: Underlay,
    addressing: Addressing,
    /// Pairs of the intact plan by (from, to) location.
    paths: BTreeMap<(&'a str, &'a str), &'a SitePath>,
    speaker_vertex: Vec<Option<petgraph::graph::NodeIndex>>,
    /// Sessions whose ends reach each other intact (others are not the failure's to lose).
    up: Vec<bool>,
}

/// Every single failure of `t`, whose plan is `plan`.
pub fn analyze(t: &Topology, plan: &Plan) -> Failures {
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
    let base = Base {
        t,
        plan,
        addressing: Addressing { nodes: plan.nodes.clone(), calico: None },
        paths: crate::sort::map(plan.paths.iter().map(|p| ((p.from.as_str(), p.to.as_str()), p))),
        speaker_vertex,
        up,
        u,
    };
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
    let mut survivors: Vec<Session> = Vec::with_capacity(plan.sessions.len());
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
        } else {
            survivors.push(s.clone());
        }
    }

    // 2. Route propagation on the surviving sessions (the intact result when none is lost).
    let mut scratch_diags = Vec::new();
    let rerouted;
    let routing = if lost.is_empty() {
        &plan.routing
    } else {
        rerouted = propagate::run(t, &u, &plan.speakers, &survivors, &base.addressing, &mut scratch_diags);
        &rerouted
    };

    // 3. Forwarding on what remains: the pairs the failure can change.
    let down_location = |loc: &str| {
        failed_vertex.is_some_and(|v| u.vertex(v).is_network() && u.vertex(v).name == loc)
            && t.sites.get(loc).is_some_and(|s| s.lan)
    };
    let affected = |p: &SitePath| match element.down {
        _ if !lost.is_empty() => true,
        elements::Down::Vertex(v) => p.crosses.vertices.binary_search(&(v.index() as u32)).is_ok(),
        elements::Down::Link(l) => p.crosses.links.binary_search(&(l as u32)).is_ok(),
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
