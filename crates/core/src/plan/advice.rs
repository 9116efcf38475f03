//! Advice a designer wants that is not an outright error: BGP scale, redundancy,
//! reflectors cut off from the rest.

use std::collections::{BTreeMap, BTreeSet};

use super::types::{Session, SessionRole, Speakers};
use crate::diag::{Code, Diagnostic};
use crate::model::{Cni, Kind, Topology};

/// Calico's own guidance: beyond about 100 nodes, use route reflectors.
const MESH_LIMIT: usize = 100;

pub fn run(t: &Topology, sp: &Speakers, sessions: &[Session], diags: &mut Vec<Diagnostic>) {
    let mesh = t.cluster.cni == Cni::Calico && t.cluster.calico().node_mesh;
    let n = t.nodes.len();
    if mesh && n > MESH_LIMIT {
        diags.push(
            Diagnostic::new(
                Code::W074,
                "cluster.calico.node_mesh",
                format!("the node mesh of {n} nodes needs {} BGP sessions, and grows as n²", n * (n - 1) / 2),
            )
            .hint("set `node_mesh: false` and let two routers per site reflect routes (`serves`)"),
        );
    }

    // Which BGP routers serve each site with nodes.
    let mut served_by: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for (name, r) in &t.routers {
        if r.daemon.speaks_bgp() {
            for s in &r.serves {
                served_by.entry(s.as_str()).or_default().push(name);
            }
        }
    }
    let node_sites: BTreeSet<&str> = crate::sort::set(t.nodes.values().map(|x| x.site.as_str()));
    if sp.list.iter().any(|s| s.kind == Kind::Node) {
        for site in &node_sites {
            match served_by.get(site).map(Vec::as_slice) {
                // One router serving a site: what its failure breaks is the
                // failure analysis's W101 (plan/failures), which replaced I075.
                None if !mesh && t.cluster.cni == Cni::Calico => diags.push(
                    Diagnostic::new(
                        Code::W078,
                        format!("sites.{site}"),
                        format!("the nodes of site `{site}` peer with no router, and Calico's node mesh is off"),
                    )
                    .hint("make a router serve the site, or turn `node_mesh` on"),
                ),
                _ => {}
            }
        }
    }

    // Reflectors serving sites should have a backbone session when there are other routers.
    let bgp_routers: Vec<&str> = sp.list.iter().filter(|s| s.kind == Kind::Router).map(|s| s.name.as_str()).collect();
    if bgp_routers.len() > 1 {
        for s in sp.list.iter().filter(|s| s.cluster_id.is_some()) {
            let has_backbone =
                sessions.iter().any(|x| x.role == SessionRole::Backbone && (x.a == s.name || x.b == s.name));
            if !has_backbone {
                diags.push(
                    Diagnostic::new(
                        Code::W076,
                        format!("routers.{}", s.name),
                        format!("route reflector `{}` has no backbone session to the other routers", s.name),
                    )
                    .hint("add it to `bgp.backbone`, or its sites' routes stay inside them"),
                );
            }
        }
    }
}
