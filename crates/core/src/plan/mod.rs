//! The plan: what a topology means for the network, resolved. A pure function of
//! the `Topology`, computed, never edited; renderers read only the plan.
//!
//! `build` is the spine: read it top to bottom to learn the pipeline.

pub mod addressing;
mod advice;
mod dataplane;
pub mod failures;
mod forwarding;
mod mtu;
pub mod nexthop;
mod propagate;
pub mod reach;
pub mod report;
mod sessions;
mod tunnels;
mod types;

pub use types::*;

use crate::check;
use crate::diag::{self, Diagnostic};
use crate::model::Topology;
use crate::underlay::Underlay;

/// Resolves a topology into a plan. Works on any parsed topology, errors included:
/// elements with broken references are left out of the routing, and the structural
/// diagnostics come first in `diagnostics`.
pub fn build(t: &Topology) -> Plan {
    // 1. The rules on the file as written (names, references, addresses, ranges).
    let mut diagnostics: Vec<Diagnostic> = check::check(t);
    // 2. The underlay graph: devices and site networks, links and attachments.
    let underlay = Underlay::new(t);
    // 3. Address plan: each node's pod ranges (Calico: its first block).
    let addressing = addressing::plan(t);
    // 4. BGP speakers and sessions: mesh, route-reflector clients, backbone, eBGP.
    let speakers = sessions::speakers(t);
    let sessions = sessions::resolve(t, &underlay, &speakers);
    // 5. Route propagation to a fixpoint, per originator class and family (RFC 4271/4456 rules).
    let routing = propagate::run(t, &underlay, &speakers, &sessions, &addressing, &mut diagnostics);
    // 6. Forwarding: per pair of node locations, the underlay path and where pod
    //    packets really go (each device's installed route, its next hop resolved
    //    over the underlay): blackholes and forwarding loops.
    let paths =
        forwarding::paths(t, &underlay, &speakers, &addressing, &routing, forwarding::Pairs::All, &mut diagnostics);
    // 6b. Where routes settle one way or the other (W103), what packets meet
    //     the other way that they do not meet this way.
    if routing.otherwise.iter().any(Option::is_some) {
        other_way(t, &underlay, &speakers, &addressing, &routing, &mut diagnostics);
    }
    // 7. MTU budget: smallest path MTU less the CNI's overhead per path.
    let mtu = mtu::budget(t, &paths, &mut diagnostics);
    // 8. Advice a designer wants: scale, redundancy, isolated reflectors.
    advice::run(t, &speakers, &sessions, &mut diagnostics);
    // 9. Tunnels between sites that carry routed pods: what their ends must route.
    tunnels::run(t, &addressing.nodes, &paths, &mut diagnostics);

    // (What each single failure costs is planned on demand from the result:
    //  `failures::analyze`.)

    diag::sort(&mut diagnostics);
    Plan {
        name: t.name.clone(),
        cluster: t.cluster.clone(),
        sites: t.sites.clone(),
        mtu_budget: mtu.budget,
        pod_mtu: mtu.pod_mtu,
        limiting: mtu.limiting,
        mtu_notes: mtu.notes,
        nodes: addressing.nodes,
        calico_blocks: addressing.calico,
        routers: sessions::router_plans(t, &speakers),
        hosts: t.hosts.keys().cloned().collect(),
        speakers,
        sessions,
        routing,
        paths,
        links: t.links.clone(),
        diagnostics,
    }
}

/// The plan as the network is when the classes `choose` picks settled the
/// other way (`Routing::otherwise`, W103): their routes swapped in, forwarding
/// and the MTU budget followed again. What the lab compares with where the
/// daemons took the other answer; the diagnostics stay those of `plan`.
pub fn settled(t: &Topology, plan: &Plan, choose: impl Fn(usize) -> bool) -> Plan {
    let mut p = plan.clone();
    let r = &mut p.routing;
    for c in 0..r.classes.len().min(r.otherwise.len()) {
        if choose(c) {
            if let (Some(first), Some(Some(alt))) = (r.classes.get_mut(c), r.otherwise.get_mut(c)) {
                std::mem::swap(first, alt);
            }
        }
    }
    let underlay = Underlay::new(t);
    let addressing = addressing::plan(t);
    let mut scratch = Vec::new();
    p.paths =
        forwarding::paths(t, &underlay, &p.speakers, &addressing, &p.routing, forwarding::Pairs::All, &mut scratch);
    let mtu = mtu::budget(t, &p.paths, &mut scratch);
    (p.mtu_budget, p.pod_mtu, p.limiting, p.mtu_notes) = (mtu.budget, mtu.pod_mtu, mtu.limiting, mtu.notes);
    p
}

/// Adds to each W103 what forwarding finds only in the other answer (the
/// blackholes and loops of `plan::settled`'s routes that this answer has not).
fn other_way(
    t: &Topology,
    underlay: &Underlay,
    speakers: &Speakers,
    addressing: &addressing::Addressing,
    routing: &Routing,
    diagnostics: &mut [Diagnostic],
) {
    let mut other = routing.clone();
    for (first, alt) in other.classes.iter_mut().zip(other.otherwise.iter_mut()) {
        if let Some(alt) = alt {
            std::mem::swap(first, alt);
        }
    }
    let mut found = Vec::new();
    forwarding::paths(t, underlay, speakers, addressing, &other, forwarding::Pairs::All, &mut found);
    let already = |d: &Diagnostic| diagnostics.iter().any(|x| x.code == d.code && x.message == d.message);
    let only: Vec<String> =
        found.iter().filter(|d| !already(d)).map(|d| format!("{}: {}", d.code, d.message)).collect();
    let Some(first) = only.first() else { return };
    let more = if only.len() > 1 { format!(" (and {} more)", only.len() - 1) } else { String::new() };
    for d in diagnostics.iter_mut().filter(|d| d.code == diag::Code::W103) {
        d.message.push_str(&format!("; the other way adds {first}{more}"));
    }
}
