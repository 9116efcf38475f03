//! The plan as people and programs read it: per-device route tables (learned and
//! missing), the JSON of `meshplan plan --format json`, and the text report.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;
use serde_json::{json, Value};

use super::types::*;
use crate::model::Kind;

#[derive(Debug, Clone, Serialize)]
pub struct Reach {
    pub learned: Vec<Learned>,
    pub missing: Vec<ipnet::IpNet>,
}

impl Plan {
    /// Where a node's pod traffic enters the underlay: its site's network, or the
    /// node itself in a site without one.
    pub fn location_of(&self, node: &str) -> Option<String> {
        let n = self.nodes.get(node)?;
        Some(if self.sites.get(&n.site).is_some_and(|s| s.lan) { n.site.clone() } else { node.to_string() })
    }

    /// The route table of one device: what it learned, and what it should know for
    /// the paths it is on but does not.
    pub fn reach(&self, device: &str) -> Reach {
        let node_idx = self.nodes.keys().position(|n| n == device);
        let sp = self.speakers.get(device);
        let r = &self.routing;
        let learned: Vec<Learned> =
            (0..r.prefixes.len()).filter_map(|p| r.route(&self.speakers, &self.sessions, node_idx, sp, p)).collect();

        // Prefixes per location, to know what a path's far end holds.
        let mut at: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, p) in r.prefixes.iter().enumerate() {
            if let Some(l) = self.location_of(&p.origin) {
                at.entry(l).or_default().push(i);
            }
        }
        let my_loc = node_idx.and_then(|_| self.location_of(device));
        let mut need: Vec<usize> = Vec::new();
        for path in self.paths.iter().filter(|p| p.routed) {
            let on_path = match &my_loc {
                Some(l) => path.source_needs_route && &path.from == l,
                None => path.hops.iter().any(|h| h.name == device && h.kind != Kind::Site),
            };
            if on_path {
                need.extend(at.get(&path.to).into_iter().flatten().copied());
            }
        }
        need.sort_unstable();
        need.dedup();
        let missing = need
            .into_iter()
            .filter(|&p| r.prefixes[p].origin != device && !r.knows(node_idx, sp, p))
            .map(|p| r.prefixes[p].net)
            .collect();
        Reach { learned, missing }
    }

    /// Devices that have route tables: nodes, routers, hosts.
    pub fn devices(&self) -> impl Iterator<Item = &String> {
        self.nodes.keys().chain(self.routers.keys()).chain(self.hosts.iter())
    }

    /// The document of `meshplan plan --format json`; keys are sorted.
    pub fn to_json(&self) -> Value {
        let nodes: BTreeMap<&String, Value> = self
            .nodes
            .iter()
            .map(|(n, p)| (n, json!({"site": p.site, "region": p.region, "role": p.role, "addresses": p.addresses, "pod_ranges": p.pod_ranges})))
            .collect();
        let sessions: Vec<Value> = self
            .sessions
            .iter()
            .map(|s| {
                json!({"a": s.a, "b": s.b, "kind": s.kind, "role": s.role, "family": s.family,
                       "a_address": s.a_address, "b_address": s.b_address, "multihop": s.multihop,
                       "next_hop_self": s.next_hop_self})
            })
            .collect();
        let reach: BTreeMap<&String, Reach> = self.devices().map(|d| (d, self.reach(d))).collect();
        json!({
            "name": self.name,
            "cni": self.cluster.cni.as_str(),
            "mtu_budget": self.mtu_budget,
            "pod_mtu": self.pod_mtu,
            "limiting": self.limiting,
            "notes": self.mtu_notes,
            "nodes": nodes,
            "calico_blocks": self.calico_blocks,
            "routers": self.routers,
            "sessions": sessions,
            "reach": reach,
            "paths": self.paths,
            "diagnostics": self.diagnostics,
        })
    }

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
        for d in self.devices() {
            let r = self.reach(d);
            if r.learned.is_empty() && r.missing.is_empty() {
                continue;
            }
            let _ = writeln!(o, "  {d}: {} learned, {} missing", r.learned.len(), r.missing.len());
            for l in &r.learned {
                let nh = l.next_hop.map(|a| a.to_string()).unwrap_or_else(|| "direct".into());
                let _ = writeln!(o, "    {:<22} via {:<16} from {}", l.prefix, nh, l.via);
            }
            for m in &r.missing {
                let _ = writeln!(o, "    {m:<22} MISSING");
            }
        }
        let _ = writeln!(o, "\npaths");
        for p in &self.paths {
            let hops: Vec<String> = p
                .hops
                .iter()
                .map(|h| match h.mtu {
                    Some(m) => format!("-{m}- {}", h.name),
                    None => h.name.clone(),
                })
                .collect();
            let _ = writeln!(
                o,
                "  {} → {}: path MTU {}, pods {}{}{}",
                p.from,
                p.to,
                p.path_mtu,
                p.pod_mtu,
                if p.routed { ", routed" } else { ", encapsulated" },
                p.blackhole.as_ref().map(|b| format!(", BLACKHOLE at {}", b.device)).unwrap_or_default()
            );
            let _ = writeln!(o, "    {}", hops.join(" "));
            if let Some(l) = &p.limiting {
                let _ = writeln!(o, "    limited by {l}");
            }
        }
        o
    }
}
