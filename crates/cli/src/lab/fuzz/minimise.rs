//! Cuts a design the lab disagrees with down to what still disagrees: drop one
//! element at a time (a node, a router with its links and sessions, a link, a
//! backbone session, a `serves` entry, a site with what is in it), keep the
//! drop when the smaller design still reaches the lab and the lab still says
//! MISMATCH, until no drop does. Greedy and slow (a lab run per try), so only
//! with `--minimise`.

use std::path::Path;

use meshplan_core::Topology;

use super::{lab_run, refused};

/// The edits tried, in order: the biggest cuts first.
fn candidates(t: &Topology) -> Vec<Topology> {
    let mut out = Vec::new();
    for site in t.sites.keys() {
        let mut x = t.clone();
        x.sites.remove(site);
        let gone: Vec<String> = x
            .nodes
            .iter()
            .filter(|(_, n)| &n.site == site)
            .map(|(k, _)| k.clone())
            .chain(x.routers.iter().filter(|(_, r)| r.site.as_deref() == Some(site)).map(|(k, _)| k.clone()))
            .collect();
        for g in &gone {
            drop_device(&mut x, g);
        }
        for r in x.routers.values_mut() {
            r.serves.retain(|s| s != site);
        }
        x.links.retain(|l| !l.between.iter().any(|e| e == site));
        out.push(x);
    }
    for name in t.routers.keys() {
        let mut x = t.clone();
        drop_device(&mut x, name);
        out.push(x);
    }
    for name in t.nodes.keys() {
        let mut x = t.clone();
        drop_device(&mut x, name);
        out.push(x);
    }
    for i in 0..t.links.len() {
        let mut x = t.clone();
        x.links.remove(i);
        out.push(x);
    }
    if let Some(b) = &t.bgp.backbone {
        for i in 0..b.len() {
            let mut x = t.clone();
            if let Some(list) = x.bgp.backbone.as_mut() {
                list.remove(i);
            }
            out.push(x);
        }
    }
    for (name, r) in &t.routers {
        for k in 0..r.serves.len() {
            let mut x = t.clone();
            if let Some(rr) = x.routers.get_mut(name) {
                rr.serves.remove(k);
            }
            out.push(x);
        }
    }
    out
}

/// Removes a device and everything that names it.
fn drop_device(t: &mut Topology, name: &str) {
    t.nodes.remove(name);
    t.routers.remove(name);
    t.hosts.remove(name);
    t.links.retain(|l| !l.between.iter().any(|e| e == name));
    if let Some(b) = t.bgp.backbone.as_mut() {
        b.retain(|p| !p.iter().any(|e| e == name));
    }
}

/// The smallest design found that the lab still disagrees with (the input if
/// nothing can be dropped).
pub fn run(text: &str, dir: &Path, seed: u64) -> String {
    let Some(mut best) = meshplan_core::parse(text).topology else { return text.to_string() };
    let file = dir.join(format!("fuzz-{seed}.try.yaml"));
    let log = dir.join(format!("fuzz-{seed}.try.log"));
    let mut tries = 0;
    'outer: loop {
        for cand in candidates(&best) {
            let text = meshplan_core::write(&cand);
            if refused(&text).is_some() || std::fs::write(&file, &text).is_err() {
                continue;
            }
            tries += 1;
            if lab_run(&file, &log).disagrees() {
                println!(
                    "    minimise: still disagrees with {} nodes, {} routers, {} links (try {tries})",
                    cand.nodes.len(),
                    cand.routers.len(),
                    cand.links.len()
                );
                best = cand;
                continue 'outer;
            }
        }
        break;
    }
    let _ = std::fs::remove_file(&file);
    format!("# minimised from seed {seed} in {tries} lab runs\n{}", meshplan_core::write(&best))
}
