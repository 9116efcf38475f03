//! Underlay connectivity: every node reaches another node; a site with nodes has a
//! way out when other sites have nodes.

use std::collections::BTreeSet;

use crate::diag::{Code, Diagnostic};
use crate::model::Topology;
use crate::underlay::Underlay;

pub fn run(t: &Topology, out: &mut Vec<Diagnostic>) {
    if t.nodes.len() < 2 {
        return;
    }
    let u = Underlay::new(t);
    let comp = u.components();
    let node_comp: Vec<(&String, Option<usize>)> = t.nodes.keys().map(|n| (n, u.device(n).map(|i| comp[i.index()]))).collect();

    // Sites with nodes, and whether anything leaves them.
    let node_sites: BTreeSet<&str> = t.nodes.values().map(|n| n.site.as_str()).filter(|s| t.sites.contains_key(*s)).collect();
    let mut closed: BTreeSet<&str> = BTreeSet::new();
    if node_sites.len() > 1 {
        for site in &node_sites {
            let leaves = t.links.iter().any(|l| {
                let ends = [l.between[0].as_str(), l.between[1].as_str()];
                ends.iter().zip(ends.iter().rev()).any(|(a, b)| {
                    let inside = *a == *site || t.site_of(a) == Some(site);
                    let outside = *b != *site && t.site_of(b) != Some(site);
                    inside && outside
                })
            });
            if !leaves {
                closed.insert(site);
                out.push(
                    Diagnostic::new(Code::E061, format!("sites.{site}"), format!("site `{site}` has nodes but no link to anything outside it, while other sites have nodes"))
                        .hint("add a link from the site (or one of its routers) to another site or router"),
                );
            }
        }
    }

    for (name, c) in &node_comp {
        let alone = match c {
            None => true,
            Some(c) => !node_comp.iter().any(|(other, oc)| other != name && oc.as_ref() == Some(c)),
        };
        let site = t.nodes.get(*name).map(|n| n.site.as_str()).unwrap_or_default();
        if alone && !closed.contains(site) {
            out.push(
                Diagnostic::new(Code::E060, format!("nodes.{name}"), format!("node `{name}` reaches no other node over the underlay"))
                    .hint("put it in a site with `lan: true` shared with other devices, or add a link to it"),
            );
        }
    }
}
