//! The text of `meshplan plan`: summary, addresses, sessions, route tables,
//! paths. Reads the plan and its route tables only.

use std::fmt::Write as _;

use super::rows::rows;
use crate::plan::reach::EXPLICIT_ROUTES_MAX_NODES;
use crate::plan::{Family, Hop, Plan};

/// How many missing prefixes a summarized table names before counting the rest.
pub const MISSING_SHOWN: usize = 10;

impl Plan {
    /// A readable report: summary, addresses, sessions, route tables, paths.
    pub fn to_text(&self) -> String {
        let mut o = String::new();
        let _ = writeln!(o, "plan {} ({})", self.name, self.cluster.cni.as_str());
        let _ = writeln!(o, "  MTU budget {}, pod MTU {}", self.mtu_budget, self.pod_mtu);
        for n in &self.mtu_notes {
            let _ = writeln!(o, "  {n}");
        }
        let _ = writeln!(o, "\naddresses");
        for (name, n) in &self.nodes {
            let ranges: Vec<String> = n.pod_ranges.iter().map(ToString::to_string).collect();
            let addrs: Vec<String> = n.addresses.iter().map(ToString::to_string).collect();
            let _ = writeln!(o, "  {name:<20} {:<8} {:<28} pods {}", n.site, addrs.join(","), ranges.join(","));
        }
        if let Some(c) = &self.calico_blocks {
            for b in &c.blocks {
                let _ = writeln!(
                    o,
                    "  pool {}: {} blocks of /{} ({} addresses each), {} per node",
                    b.cidr, b.block_count, b.block_size, b.addresses_per_block, b.blocks_per_node
                );
            }
            let _ = writeln!(o, "  {}", c.note);
        }
        let _ = writeln!(o, "\nsessions ({})", self.sessions.len());
        for s in &self.sessions {
            let _ = writeln!(
                o,
                "  {:<10} {:<5} {:<4} {} ({}) ↔ {} ({}){}",
                s.role.as_str(),
                format!("{:?}", s.kind).to_lowercase(),
                if s.family == Family::Ipv4 { "v4" } else { "v6" },
                s.a,
                s.a_address,
                s.b,
                s.b_address,
                if s.multihop { " multihop" } else { "" }
            );
        }
        let _ = writeln!(o, "\nroutes");
        let all = self.reach_all();
        let summarized = self.summarizes_routes();
        if summarized {
            let _ = writeln!(
                o,
                "  (more than {EXPLICIT_ROUTES_MAX_NODES} nodes: each table grouped by source and next hop; `--format json` has every route)"
            );
        }
        for d in 0..all.len() {
            let name = all.name(d);
            if summarized {
                let rows = rows(&all, d);
                let missing: Vec<usize> = all.missing(d).collect();
                if rows.is_empty() && missing.is_empty() {
                    continue;
                }
                let learned: usize = rows.iter().map(|r| r.routes).sum();
                let _ = writeln!(o, "  {name}: {learned} learned, {} missing", missing.len());
                for r in &rows {
                    let _ = writeln!(
                        o,
                        "    {} {} of {}, from {}, next hop {}",
                        r.routes,
                        if r.routes == 1 { "prefix" } else { "prefixes" },
                        r.origins_text(),
                        r.via_text(),
                        r.next_hop_text()
                    );
                }
                for m in missing.iter().take(MISSING_SHOWN) {
                    let _ = writeln!(o, "    {:<22} MISSING", self.prefix_net(*m));
                }
                if missing.len() > MISSING_SHOWN {
                    let _ = writeln!(o, "    … and {} more MISSING", missing.len() - MISSING_SHOWN);
                }
                continue;
            }
            let r = all.reach(d);
            if r.learned.is_empty() && r.missing.is_empty() {
                continue;
            }
            let _ = writeln!(o, "  {name}: {} learned, {} missing", r.learned.len(), r.missing.len());
            for l in &r.learned {
                let nh = l.next_hop.map(|a| a.to_string()).unwrap_or_else(|| "direct".into());
                let _ = writeln!(o, "    {:<22} via {:<16} from {}", l.prefix, nh, l.via);
            }
            for m in &r.missing {
                let _ = writeln!(o, "    {m:<22} MISSING");
            }
        }
        let _ = writeln!(o, "\npaths");
        let line = |hops: &[Hop]| -> String {
            let parts: Vec<String> = hops
                .iter()
                .map(|h| match h.mtu {
                    Some(m) => format!("-{m}- {}", h.name),
                    None => h.name.clone(),
                })
                .collect();
            parts.join(" ")
        };
        for p in &self.paths {
            let _ = writeln!(
                o,
                "  {} → {}: path MTU {}, pods {}{}{}",
                p.from,
                p.to,
                p.path_mtu,
                p.pod_mtu,
                if p.routed { ", routed" } else { ", encapsulated" },
                p.blackhole
                    .as_ref()
                    .map(|b| if b.looped.is_empty() {
                        format!(", BLACKHOLE at {}", b.device)
                    } else {
                        format!(", LOOP {} → {}", b.looped.join(" → "), b.device)
                    } + if b.some_flows { " (some flows: ECMP)" } else { "" }
                        + &other_branches(&b.other_branches))
                    .unwrap_or_default()
            );
            let _ = writeln!(o, "    {}", line(&p.hops));
            if let Some(h) = &p.pod_hops {
                let _ = writeln!(o, "    pods go by the routes installed: {}", line(h));
            }
            if let Some(l) = &p.limiting {
                let _ = writeln!(o, "    limited by {l}");
            }
        }
        o
    }

    fn prefix_net(&self, p: usize) -> String {
        self.routing.prefixes.get(p).map(|x| x.net.to_string()).unwrap_or_default()
    }
}

/// The other ECMP branches' ends, after the first: "; other flows: BLACKHOLE
/// at r3b" (one device) or "LOOP a → b → a" (a loop).
fn other_branches(ends: &[Vec<String>]) -> String {
    ends.iter()
        .map(|e| match e.as_slice() {
            [one] => format!("; other flows: BLACKHOLE at {one}"),
            ring => format!("; other flows: LOOP {} → {}", ring.join(" → "), ring.first().map_or("", |s| s.as_str())),
        })
        .collect()
}
