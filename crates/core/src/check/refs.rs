//! References between names: link ends, `site`, `serves` and backbone pairs.

use std::collections::BTreeMap;

use crate::diag::{Code, Diagnostic};
use crate::model::{Kind, Topology};
use crate::text::did_you_mean;

pub fn run(t: &Topology, out: &mut Vec<Diagnostic>) {
    let sites: Vec<String> = t.sites.keys().cloned().collect();
    let everything: Vec<String> =
        t.sites.keys().chain(t.nodes.keys()).chain(t.routers.keys()).chain(t.hosts.keys()).cloned().collect();
    let routers: Vec<String> = t.routers.keys().cloned().collect();
    cilium_pool_refs(t, out);

    let mut site_ref = |path: String, name: &str| {
        if !t.sites.contains_key(name) {
            out.push(missing(path, name, "site", &sites));
        }
    };
    for (n, node) in &t.nodes {
        site_ref(format!("nodes.{n}.site"), &node.site);
    }
    for (n, r) in &t.routers {
        if let Some(s) = &r.site {
            site_ref(format!("routers.{n}.site"), s);
        }
        for (i, s) in r.serves.iter().enumerate() {
            site_ref(format!("routers.{n}.serves[{i}]"), s);
        }
    }
    for (n, h) in &t.hosts {
        if let Some(s) = &h.site {
            site_ref(format!("hosts.{n}.site"), s);
        }
    }

    let mut seen: BTreeMap<(String, String, &str), usize> = BTreeMap::new();
    for (i, link) in t.links.iter().enumerate() {
        let mut ok = true;
        for (j, end) in link.between.iter().enumerate() {
            if t.kind_of(end).is_none() {
                out.push(missing(format!("links[{i}].between[{j}]"), end, "site or device", &everything));
                ok = false;
            }
        }
        let [a, b] = &link.between;
        if a == b {
            out.push(
                Diagnostic::new(Code::E021, format!("links[{i}]"), format!("link joins `{a}` to itself"))
                    .hint("a link joins two different devices or sites"),
            );
            continue;
        }
        if ok {
            let key = if a < b {
                (a.clone(), b.clone(), link.kind.as_str())
            } else {
                (b.clone(), a.clone(), link.kind.as_str())
            };
            if let Some(first) = seen.get(&key) {
                out.push(
                    Diagnostic::new(
                        Code::E022,
                        format!("links[{i}]"),
                        format!("link {a} ↔ {b} ({}) repeats links[{first}]", link.kind.as_str()),
                    )
                    .hint("remove one; parallel links of different kinds are fine"),
                );
            } else {
                seen.insert(key, i);
            }
        }
    }

    if let Some(backbone) = &t.bgp.backbone {
        let mut seen: BTreeMap<(&str, &str), usize> = BTreeMap::new();
        for (i, [a, b]) in backbone.iter().enumerate() {
            for (j, end) in [a, b].into_iter().enumerate() {
                match t.kind_of(end) {
                    None => out.push(missing(format!("bgp.backbone[{i}][{j}]"), end, "router", &routers)),
                    Some(Kind::Router) => {}
                    Some(k) => out.push(
                        Diagnostic::new(
                            Code::E023,
                            format!("bgp.backbone[{i}][{j}]"),
                            format!(
                                "`{end}` is a {}, not a router: backbone sessions join routers",
                                k.section().trim_end_matches('s')
                            ),
                        )
                        .hint("nodes peer with the routers that serve their site (`serves`)"),
                    ),
                }
            }
            if a == b {
                out.push(Diagnostic::new(
                    Code::E021,
                    format!("bgp.backbone[{i}]"),
                    format!("backbone session from `{a}` to itself"),
                ));
                continue;
            }
            let key = if a < b { (a.as_str(), b.as_str()) } else { (b.as_str(), a.as_str()) };
            if let Some(first) = seen.get(&key) {
                out.push(Diagnostic::new(
                    Code::E022,
                    format!("bgp.backbone[{i}]"),
                    format!("backbone session {a} ↔ {b} repeats bgp.backbone[{first}]"),
                ));
            } else {
                seen.insert(key, i);
            }
        }
    }
}

/// Names of LoadBalancer pools that other Cilium settings refer to.
fn cilium_pool_refs(t: &Topology, out: &mut Vec<Diagnostic>) {
    let Some(c) = &t.cluster.cilium else { return };
    let pools: Vec<String> = c.lb_pools.keys().cloned().collect();
    for (i, p) in c.lb_reserve_first_last.iter().enumerate() {
        if !c.lb_pools.contains_key(p) {
            out.push(missing(format!("cluster.cilium.lb_reserve_first_last[{i}]"), p, "LoadBalancer pool", &pools));
        }
    }
}

fn missing(path: String, name: &str, what: &str, known: &[String]) -> Diagnostic {
    let d = Diagnostic::new(Code::E020, path, format!("no {what} is named `{name}`"));
    match did_you_mean(name, known) {
        Some(m) => d.hint(format!("did you mean `{m}`?")),
        None if known.is_empty() => d.hint(format!("define the {what} first")),
        None => d.hint(format!("known: {}", known.join(", "))),
    }
}
