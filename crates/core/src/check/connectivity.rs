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
    let node_comp: Vec<(&String, Option<usize>)> =
        t.nodes.keys().map(|n| (n, u.device(n).map(|i| comp[i.index()]))).collect();

    // Sites with nodes, and whether anything leaves them.
    let node_sites: BTreeSet<&str> =
        crate::sort::set(t.nodes.values().map(|n| n.site.as_str()).filter(|s| t.sites.contains_key(*s)));
    let mut closed: BTreeSet<&str> = BTreeSet::new();
    if node_sites.len() > 1 {
        // The site each link end stands in (a site itself, or a device's site).
        fn site_of<'a>(t: &'a Topology, end: &'a str) -> Option<&'a str> {
            if t.sites.contains_key(end) {
                Some(end)
            } else {
                t.site_of(end)
            }
        }
        let mut open: BTreeSet<&str> = BTreeSet::new();
        for l in &t.links {
            let (a, b) = (site_of(t, &l.between[0]), site_of(t, &l.between[1]));
            if a != b {
                open.extend(a);
                open.extend(b);
            }
        }
        for site in &node_sites {
            if !open.contains(site) {
                closed.insert(site);
                out.push(
                    Diagnostic::new(
                        Code::E061,
                        format!("sites.{site}"),
                        format!(
                            "site `{site}` has nodes but no link to anything outside it, while other sites have nodes"
                        ),
                    )
                    .hint("add a link from the site (or one of its routers) to another site or router"),
                );
            }
        }
    }

    // Nodes per component, to find the ones alone in theirs.
    let mut per_comp: std::collections::BTreeMap<usize, usize> = std::collections::BTreeMap::new();
    for (_, c) in &node_comp {
        if let Some(c) = c {
            *per_comp.entry(*c).or_default() += 1;
        }
    }
    for (name, c) in &node_comp {
        let alone = c.is_none_or(|c| per_comp.get(&c).copied().unwrap_or(0) < 2);
        let site = t.nodes.get(*name).map(|n| n.site.as_str()).unwrap_or_default();
        if alone && !closed.contains(site) {
            out.push(
                Diagnostic::new(
                    Code::E060,
                    format!("nodes.{name}"),
                    format!("node `{name}` reaches no other node over the underlay"),
                )
                .hint("put it in a site with `lan: true` shared with other devices, or add a link to it"),
            );
        }
    }
}
