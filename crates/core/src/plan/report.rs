//! The plan as people and programs read it: per-device route tables (learned and
//! missing), the JSON of `meshplan plan --format json`, and the text report.
//!
//! Route tables grow with devices × prefixes (every node learns every other
//! node's block), so everything here works by index: [`Plan::reach_all`] finds
//! the prefixes each device needs from the routed paths once, and yields each
//! device's routes as [`RouteRef`]s that allocate nothing. Plans with more than
//! [`EXPLICIT_ROUTES_MAX_NODES`] nodes write their route tables summarized
//! ([`Reaches::summarize`]): devices that see a group of prefixes alike share a
//! pattern, and each device lists only where it departs from its pattern.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use serde::ser::{Error as _, SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::Value;

use super::types::*;
use crate::model::Kind;

/// Plans with more nodes than this get summarized route tables in `plan.json`,
/// the text report, the runbook and `verify.sh`; smaller plans list every route.
pub const EXPLICIT_ROUTES_MAX_NODES: usize = 100;

/// What the summarized `reach` of `plan.json` means (written into the file).
pub const ROUTE_FORMAT: &str = "summarized route tables (plans of more than 100 nodes): \
route_groups[g] is [family, [[prefix, origin node], ...]], prefixes that devices see alike; \
route_patterns[k] is a list of {group, via, next_hop, session}, where via is the peer the route \
is learned from ('origin': the node that owns the prefix, 'direct': installed by the CNI without BGP) \
and next_hop an address ('origin': the owning node's first address of the prefix's family, null: none). \
reach[device].learned is {pattern, routes, except, without}: the device learns, for each entry of its \
pattern, every prefix of the group except those its own node owns and those listed in without; \
except lists full routes {prefix, next_hop, via, session} that replace or add to those; routes is the \
count. Smaller plans list every route in learned.";

#[derive(Debug, Clone, Serialize)]
pub struct Reach {
    pub learned: Vec<Learned>,
    pub missing: Vec<ipnet::IpNet>,
}

/// A learned route by indices: what [`Learned`] says, without allocating.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RouteRef {
    /// Index into `plan.routing.prefixes`.
    pub prefix: usize,
    pub next_hop: Option<IpAddr>,
    /// The speaker (index into `plan.speakers.list`) the route is learned from;
    /// `None` for a route the CNI installs itself (`direct`).
    pub via: Option<usize>,
    pub session: Option<SessionRole>,
}

/// A value relative to the prefix of a route: the prefix's own node, or a given one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Sym<T> {
    Origin,
    Is(T),
}

/// A route with its prefix left out, relative to the prefix's node: what devices
/// that see a group of prefixes alike have in common.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Rule {
    /// `None`: direct.
    pub via: Option<Sym<usize>>,
    pub next_hop: Option<Sym<IpAddr>>,
    pub session: Option<SessionRole>,
}

fn fam_ix(f: Family) -> usize {
    match f {
        Family::Ipv4 => 0,
        Family::Ipv6 => 1,
    }
}

/// First address of each family, per speaker.
fn speaker_addrs(plan: &Plan) -> Vec<[Option<IpAddr>; 2]> {
    plan.speakers.list.iter().map(|s| first_of_each(&s.addresses)).collect()
}

fn first_of_each(addresses: &[IpAddr]) -> [Option<IpAddr>; 2] {
    let pick = |f: Family| addresses.iter().copied().find(|a| Family::of(a) == f);
    [pick(Family::Ipv4), pick(Family::Ipv6)]
}

/// The route device (`d_node` as node, `d` as speaker) has for prefix `p`: the
/// index form of `Routing::route`.
fn route_ref(
    plan: &Plan,
    addrs: &[[Option<IpAddr>; 2]],
    d_node: Option<usize>,
    d: Option<usize>,
    p: usize,
) -> Option<RouteRef> {
    let r = &plan.routing;
    let pre = r.prefixes.get(p)?;
    if let Some(dn) = d_node {
        if dn == pre.origin_idx {
            return None;
        }
        if let (Some(a), Some(b)) =
            (r.direct_group.get(dn).copied().flatten(), r.direct_group.get(pre.origin_idx).copied().flatten())
        {
            if a == b {
                return Some(RouteRef { prefix: p, next_hop: None, via: None, session: None });
            }
        }
    }
    let d = d?;
    let class = r.classes.get(pre.class)?;
    let x = pre.origin_idx; // the real originator (a node speaker: same index)
    if d == x {
        return None;
    }
    // Members of a class are interchangeable; mirror the representative's view.
    let slot = if d == class.representative { x } else { d };
    let entry = class.best.get(slot).copied().flatten()?;
    let resolve = |r: Ref| match r {
        Ref::Origin => x,
        Ref::Speaker(i) => i,
    };
    let next_hop = addrs.get(resolve(entry.next_hop)).and_then(|a| a[fam_ix(Family::of_net(&pre.net))]);
    Some(RouteRef {
        prefix: p,
        next_hop,
        via: Some(resolve(entry.peer)),
        session: plan.sessions.get(entry.session).map(|s| s.role),
    })
}

impl Plan {
    /// Where a node's pod traffic enters the underlay (see [`Plan::location_of`]),
    /// without allocating.
    pub fn location(&self, node: &str) -> Option<&str> {
        let (name, n) = self.nodes.get_key_value(node)?;
        Some(if self.sites.get(&n.site).is_some_and(|s| s.lan) { n.site.as_str() } else { name.as_str() })
    }

    /// Where a node's pod traffic enters the underlay: its site's network, or the
    /// node itself in a site without one.
    pub fn location_of(&self, node: &str) -> Option<String> {
        self.location(node).map(str::to_string)
    }

    /// True when the path between two nodes' locations crosses a link of kind
    /// `internet`: the open Internet, with no overlay of the plan's own.
    pub fn crosses_internet(&self, a: &str, b: &str) -> bool {
        let (Some(la), Some(lb)) = (self.location(a), self.location(b)) else { return false };
        let internet = |via: &str| {
            via.strip_prefix("links[")
                .and_then(|v| v.strip_suffix(']'))
                .and_then(|i| i.parse::<usize>().ok())
                .and_then(|i| self.links.get(i))
                .is_some_and(|l| l.kind == crate::model::LinkKind::Internet)
        };
        self.paths
            .iter()
            .filter(|p| (p.from == la && p.to == lb) || (p.from == lb && p.to == la))
            .any(|p| p.hops.iter().any(|h| h.via.as_deref().is_some_and(internet)))
    }

    /// A route as a device sees it, with names.
    pub fn learned(&self, r: &RouteRef) -> Learned {
        let via = match r.via {
            None => "direct".to_string(),
            Some(i) => self.speakers.list.get(i).map(|s| s.name.clone()).unwrap_or_default(),
        };
        let prefix = self.routing.prefixes.get(r.prefix).map(|p| p.net).unwrap_or_default();
        Learned { prefix, next_hop: r.next_hop, via, session: r.session }
    }

    /// The route table of one device: what it learned, and what it should know for
    /// the paths it is on but does not. For every device at once, use [`Plan::reach_all`].
    pub fn reach(&self, device: &str) -> Reach {
        let node_idx = self.nodes.keys().position(|n| n == device);
        let sp = self.speakers.get(device);
        let r = &self.routing;
        let addrs = speaker_addrs(self);
        let learned = (0..r.prefixes.len())
            .filter_map(|p| route_ref(self, &addrs, node_idx, sp, p))
            .map(|x| self.learned(&x))
            .collect();

        // The locations at the far end of the routed paths this device is on.
        let my_loc = node_idx.and_then(|_| self.location(device));
        let mut to: Vec<&str> = self
            .paths
            .iter()
            .filter(|p| p.routed)
            .filter(|path| match my_loc {
                Some(l) => path.source_needs_route && path.from == l,
                None => path.hops.iter().any(|h| h.name == device && h.kind != Kind::Site),
            })
            .map(|p| p.to.as_str())
            .collect();
        crate::sort::sort(&mut to);
        to.dedup();
        let missing = if to.is_empty() {
            Vec::new()
        } else {
            r.prefixes
                .iter()
                .enumerate()
                .filter(|(_, pre)| self.location(&pre.origin).is_some_and(|l| to.binary_search(&l).is_ok()))
                .filter(|(p, pre)| pre.origin != device && !r.knows(node_idx, sp, *p))
                .map(|(_, pre)| pre.net)
                .collect()
        };
        Reach { learned, missing }
    }

    /// Every device's route table, computed together: the prefixes each device
    /// needs come from one pass over the routed paths, shared by the nodes of a
    /// location. The tables themselves are produced per device on demand.
    pub fn reach_all(&self) -> Reaches<'_> {
        Reaches::new(self)
    }

    /// Devices that have route tables: nodes, routers, hosts.
    pub fn devices(&self) -> impl Iterator<Item = &String> {
        self.nodes.keys().chain(self.routers.keys()).chain(self.hosts.iter())
    }

    /// Whether this plan's route tables are written summarized (more than
    /// [`EXPLICIT_ROUTES_MAX_NODES`] nodes).
    pub fn summarizes_routes(&self) -> bool {
        self.nodes.len() > EXPLICIT_ROUTES_MAX_NODES
    }

    /// The document of `meshplan plan --format json`; keys are sorted. Route
    /// tables are summarized above [`EXPLICIT_ROUTES_MAX_NODES`] nodes (see
    /// [`ROUTE_FORMAT`]); [`Plan::to_json_explicit`] always lists every route.
    pub fn to_json(&self) -> Value {
        serde_json::to_value(PlanJson { plan: self, summarized: self.summarizes_routes() }).unwrap_or(Value::Null)
    }

    /// [`Plan::to_json`] with every route of every device listed.
    pub fn to_json_explicit(&self) -> Value {
        serde_json::to_value(PlanJson { plan: self, summarized: false }).unwrap_or(Value::Null)
    }

    /// The text of `plan.json`: [`Plan::to_json`] indented, and for plans with
    /// summarized route tables one entry per line (a node, a session, a path, a
    /// device's table), which keeps a large plan readable at a fraction of the
    /// size. Written straight from the plan, without building the JSON tree.
    pub fn to_json_text(&self) -> String {
        let doc = PlanJson { plan: self, summarized: self.summarizes_routes() };
        let mut buf = Vec::new();
        let written = if doc.summarized {
            doc.serialize(&mut serde_json::Serializer::with_formatter(&mut buf, LinePerEntry::new(2)))
        } else {
            doc.serialize(&mut serde_json::Serializer::pretty(&mut buf))
        };
        let mut out = match written {
            Ok(()) => String::from_utf8(buf).unwrap_or_default(),
            Err(_) => String::new(),
        };
        out.push('\n');
        out
    }

    fn prefix_net(&self, p: usize) -> String {
        self.routing.prefixes.get(p).map(|x| x.net.to_string()).unwrap_or_default()
    }

    /// Groups of prefixes that devices see alike: the prefixes of one propagation
    /// class (nodes with the same sessions), family and site, in the plan's order.
    pub fn route_groups(&self) -> Vec<Vec<usize>> {
        let mut ids: BTreeMap<(usize, Family, &str), usize> = BTreeMap::new();
        let mut groups: Vec<Vec<usize>> = Vec::new();
        for (i, pre) in self.routing.prefixes.iter().enumerate() {
            let site = self.nodes.get(&pre.origin).map(|n| n.site.as_str()).unwrap_or("");
            let g = *ids.entry((pre.class, Family::of_net(&pre.net), site)).or_insert_with(|| {
                groups.push(Vec::new());
                groups.len() - 1
            });
            groups[g].push(i);
        }
        groups
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
                let rows = all.rows(d);
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
                    } + if b.some_flows { " (some flows: ECMP)" } else { "" })
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
}

/// How many missing prefixes a summarized table names before counting the rest.
pub const MISSING_SHOWN: usize = 10;

/// Every device's route table (see [`Plan::reach_all`]). Devices are numbered in
/// the order of [`Plan::devices`].
pub struct Reaches<'a> {
    plan: &'a Plan,
    names: Vec<&'a str>,
    node: Vec<Option<usize>>,
    speaker: Vec<Option<usize>>,
    /// Per device, an index into `need_sets`.
    need: Vec<usize>,
    /// Sorted prefix indices; nodes of one location share theirs.
    need_sets: Vec<Vec<usize>>,
    addrs: Vec<[Option<IpAddr>; 2]>,
    /// Per prefix: the speaker that is its node, and that node's first address of
    /// the prefix's family (what `origin` stands for in a summary).
    origin_speaker: Vec<Option<usize>>,
    origin_addr: Vec<Option<IpAddr>>,
    /// Per prefix: its node (index into `plan.nodes`) and that node's site.
    origin_node: Vec<Option<usize>>,
    origin_site: Vec<&'a str>,
}

impl<'a> Reaches<'a> {
    fn new(plan: &'a Plan) -> Reaches<'a> {
        let r = &plan.routing;
        let names: Vec<&str> = plan.devices().map(String::as_str).collect();
        let node_index: BTreeMap<&str, usize> =
            crate::sort::map(plan.nodes.keys().enumerate().map(|(i, n)| (n.as_str(), i)));
        let node: Vec<Option<usize>> = names.iter().map(|n| node_index.get(n).copied()).collect();
        let speaker: Vec<Option<usize>> = names.iter().map(|n| plan.speakers.get(n)).collect();

        // Locations by number, and the prefixes at each.
        let mut loc_ids: BTreeMap<&str, usize> = BTreeMap::new();
        let mut loc_of_node: Vec<usize> = Vec::with_capacity(plan.nodes.len());
        for n in plan.nodes.keys() {
            let l = plan.location(n).unwrap_or(n.as_str());
            let next = loc_ids.len();
            loc_of_node.push(*loc_ids.entry(l).or_insert(next));
        }
        let mut prefixes_at: Vec<Vec<usize>> = vec![Vec::new(); loc_ids.len()];
        let origin_node: Vec<Option<usize>> =
            r.prefixes.iter().map(|p| node_index.get(p.origin.as_str()).copied()).collect();
        for (i, n) in origin_node.iter().enumerate() {
            if let Some(&n) = n.as_ref() {
                prefixes_at[loc_of_node[n]].push(i);
            }
        }
        let sites: Vec<&str> = plan.nodes.values().map(|n| n.site.as_str()).collect();
        let origin_site = origin_node.iter().map(|n| n.and_then(|n| sites.get(n).copied()).unwrap_or("")).collect();

        // The routed paths: which far ends each location's nodes, and each other
        // device on the way, need routes to.
        let mut device_ids: BTreeMap<&str, usize> = BTreeMap::new();
        for (d, n) in names.iter().enumerate() {
            device_ids.entry(n).or_insert(d);
        }
        let mut loc_needs: Vec<Vec<usize>> = vec![Vec::new(); loc_ids.len()];
        let mut device_needs: Vec<Vec<usize>> = vec![Vec::new(); names.len()];
        for path in plan.paths.iter().filter(|p| p.routed) {
            let Some(&to) = loc_ids.get(path.to.as_str()) else { continue };
            if path.source_needs_route {
                if let Some(&from) = loc_ids.get(path.from.as_str()) {
                    loc_needs[from].push(to);
                }
            }
            for h in path.hops.iter().filter(|h| h.kind != Kind::Site) {
                if let Some(&d) = device_ids.get(h.name.as_str()) {
                    if node[d].is_none() {
                        device_needs[d].push(to);
                    }
                }
            }
        }
        let union = |locs: &mut Vec<usize>| -> Vec<usize> {
            crate::sort::sort(locs);
            locs.dedup();
            let mut out: Vec<usize> = locs.iter().flat_map(|&l| prefixes_at[l].iter().copied()).collect();
            crate::sort::sort(&mut out);
            out.dedup();
            out
        };
        let mut need_sets: Vec<Vec<usize>> = loc_needs.iter_mut().map(&union).collect();
        let mut need = Vec::with_capacity(names.len());
        for d in 0..names.len() {
            match node[d] {
                Some(n) => need.push(loc_of_node[n]),
                None => {
                    need.push(need_sets.len());
                    need_sets.push(union(&mut device_needs[d]));
                }
            }
        }

        let origin_speaker = r.prefixes.iter().map(|p| plan.speakers.get(&p.origin)).collect();
        let node_addrs: Vec<[Option<IpAddr>; 2]> = plan.nodes.values().map(|n| first_of_each(&n.addresses)).collect();
        let origin_addr = r
            .prefixes
            .iter()
            .zip(&origin_node)
            .map(|(p, n)| n.and_then(|n| node_addrs.get(n)).and_then(|a| a[fam_ix(Family::of_net(&p.net))]))
            .collect();
        Reaches {
            plan,
            names,
            node,
            speaker,
            need,
            need_sets,
            addrs: speaker_addrs(plan),
            origin_speaker,
            origin_addr,
            origin_node,
            origin_site,
        }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The name of device `d`.
    pub fn name(&self, d: usize) -> &'a str {
        self.names.get(d).copied().unwrap_or("")
    }

    /// The number of a device by name (the first, should a name repeat).
    pub fn index(&self, name: &str) -> Option<usize> {
        self.names.iter().position(|n| *n == name)
    }

    /// Whether device `d` is a node.
    pub fn is_node(&self, d: usize) -> bool {
        self.node.get(d).copied().flatten().is_some()
    }

    /// The route device `d` has for prefix `p`.
    pub fn route(&self, d: usize, p: usize) -> Option<RouteRef> {
        route_ref(
            self.plan,
            &self.addrs,
            self.node.get(d).copied().flatten(),
            self.speaker.get(d).copied().flatten(),
            p,
        )
    }

    /// The routes of device `d`, in the plan's prefix order.
    pub fn routes(&self, d: usize) -> impl Iterator<Item = RouteRef> + '_ {
        (0..self.plan.routing.prefixes.len()).filter_map(move |p| self.route(d, p))
    }

    /// The prefixes (indices) device `d` should know for the paths it is on but does not.
    pub fn missing(&self, d: usize) -> impl Iterator<Item = usize> + '_ {
        let r = &self.plan.routing;
        let (dn, sp, name) =
            (self.node.get(d).copied().flatten(), self.speaker.get(d).copied().flatten(), self.name(d));
        let set: &[usize] = self.need.get(d).and_then(|&i| self.need_sets.get(i)).map(Vec::as_slice).unwrap_or(&[]);
        set.iter().copied().filter(move |&p| r.prefixes[p].origin != name && !r.knows(dn, sp, p))
    }

    /// Device `d`'s table with names, as [`Plan::reach`] gives it.
    pub fn reach(&self, d: usize) -> Reach {
        Reach {
            learned: self.routes(d).map(|r| self.plan.learned(&r)).collect(),
            missing: self.missing(d).map(|p| self.plan.routing.prefixes[p].net).collect(),
        }
    }

    /// The first address of the node that owns prefix `p`, in `p`'s family.
    pub fn origin_address(&self, p: usize) -> Option<IpAddr> {
        self.origin_addr.get(p).copied().flatten()
    }

    /// A route relative to its prefix's node (exact: `Origin` only where the
    /// value is the node's own name or first address of the family).
    pub fn rule(&self, r: &RouteRef) -> Rule {
        let via = r.via.map(|i| {
            if self.origin_speaker.get(r.prefix).copied().flatten() == Some(i) {
                Sym::Origin
            } else {
                Sym::Is(i)
            }
        });
        Rule { via, next_hop: self.next_hop_sym(r), session: r.session }
    }

    /// A route's next hop relative to its prefix's node.
    pub fn next_hop_sym(&self, r: &RouteRef) -> Option<Sym<IpAddr>> {
        r.next_hop.map(|a| if self.origin_address(r.prefix) == Some(a) { Sym::Origin } else { Sym::Is(a) })
    }

    /// Summarizes the tables of `devices` over prefix `groups`: `key` gives what
    /// is compared of a route (`None`: leave the route out). For each group, a
    /// device's most common key becomes its rule when that is shorter than listing
    /// the routes; devices with the same rules share a pattern. Exact: expanding
    /// a table (every prefix of each group of its pattern with that rule, less the
    /// device's own prefixes and `without`, then `except` on top) gives back every
    /// route with a key.
    pub fn summarize<K: Ord + Clone>(
        &self,
        groups: &[Vec<usize>],
        devices: impl IntoIterator<Item = usize>,
        key: impl Fn(&RouteRef) -> Option<K>,
    ) -> Summary<K> {
        let mut ids: BTreeMap<Vec<(usize, K)>, usize> = BTreeMap::new();
        let mut out = Summary { patterns: Vec::new(), tables: Vec::new() };
        let mut buf: Vec<(usize, Option<(K, RouteRef)>)> = Vec::new();
        for d in devices {
            // Its own prefixes: those of its node (a name is a node's when it is one).
            let own_node = self.node.get(d).copied().flatten();
            let mut pattern: Vec<(usize, K)> = Vec::new();
            let mut t = Table { device: d, pattern: 0, routes: 0, except: Vec::new(), without: Vec::new() };
            for (g, members) in groups.iter().enumerate() {
                buf.clear();
                for &p in members {
                    let got = self.route(d, p).and_then(|r| key(&r).map(|k| (k, r)));
                    if own_node.is_some() && self.origin_node.get(p).copied().flatten() == own_node {
                        // Never part of a pattern: its own prefix.
                        if let Some((_, r)) = got {
                            t.routes += 1;
                            t.except.push(r);
                        }
                        continue;
                    }
                    buf.push((p, got));
                }
                let learned = buf.iter().filter(|(_, x)| x.is_some()).count();
                t.routes += learned;
                if learned == 0 {
                    continue;
                }
                // The most common key, the first of equals.
                let mut counts: Vec<(&K, usize)> = Vec::new();
                for (k, _) in buf.iter().filter_map(|(_, x)| x.as_ref()) {
                    match counts.iter_mut().find(|(c, _)| *c == k) {
                        Some(c) => c.1 += 1,
                        None => counts.push((k, 1)),
                    }
                }
                let mut top = 0;
                for (i, c) in counts.iter().enumerate() {
                    if c.1 > counts[top].1 {
                        top = i;
                    }
                }
                let (top_key, top_count) = (counts[top].0.clone(), counts[top].1);
                // A rule costs a line per route that departs from it or lacks.
                if buf.len() - top_count < learned {
                    for (p, x) in &buf {
                        match x {
                            None => t.without.push(*p),
                            Some((k, r)) if *k != top_key => t.except.push(*r),
                            Some(_) => {}
                        }
                    }
                    pattern.push((g, top_key));
                } else {
                    t.except.extend(buf.iter().filter_map(|(_, x)| x.as_ref().map(|(_, r)| *r)));
                }
            }
            crate::sort::sort_by_key(&mut t.except, |r| r.prefix);
            crate::sort::sort(&mut t.without);
            let next = out.patterns.len();
            t.pattern = *ids.entry(pattern.clone()).or_insert_with(|| {
                out.patterns.push(pattern);
                next
            });
            out.tables.push(t);
        }
        out
    }

    /// Device `d`'s routes grouped for people: by session, by whether they come
    /// from the prefix's node or a peer, and by what the next hop is.
    pub fn rows(&self, d: usize) -> Vec<RouteRow<'a>> {
        let plan = self.plan;
        let mut rows: BTreeMap<(Option<SessionRole>, u8, u8), RouteRow<'a>> = BTreeMap::new();
        for r in self.routes(d) {
            let rule = self.rule(&r);
            let via_kind = match rule.via {
                None => 0,
                Some(Sym::Origin) => 1,
                Some(Sym::Is(_)) => 2,
            };
            let peer_addrs: &[IpAddr] =
                r.via.and_then(|i| plan.speakers.list.get(i)).map(|s| s.addresses.as_slice()).unwrap_or(&[]);
            let hop_kind = match rule.next_hop {
                None => 0,
                Some(Sym::Origin) => 1,
                Some(Sym::Is(a)) if via_kind == 2 && peer_addrs.contains(&a) => 2,
                Some(Sym::Is(_)) => 3,
            };
            let row = rows.entry((r.session, via_kind, hop_kind)).or_insert_with(|| RouteRow {
                session: r.session,
                routes: 0,
                origins: 0,
                sites: Vec::new(),
                via: match via_kind {
                    0 => RowVia::Direct,
                    1 => RowVia::Origin,
                    _ => RowVia::Peers(Vec::new()),
                },
                next_hop: match hop_kind {
                    0 => RowHop::Direct,
                    1 => RowHop::Origin,
                    2 => RowHop::Peer,
                    _ => RowHop::Addresses(Vec::new()),
                },
                origin_list: Vec::new(),
            });
            row.routes += 1;
            if let Some(pre) = plan.routing.prefixes.get(r.prefix) {
                row.origin_list.push(pre.origin.as_str());
            }
            if let Some(site) = self.origin_site.get(r.prefix).filter(|s| !s.is_empty()) {
                row.sites.push(site);
            }
            if let (RowVia::Peers(v), Some(s)) = (&mut row.via, r.via.and_then(|i| plan.speakers.list.get(i))) {
                v.push(s.name.as_str());
            }
            if let (RowHop::Addresses(v), Some(a)) = (&mut row.next_hop, r.next_hop) {
                v.push(a);
            }
        }
        rows.into_values()
            .map(|mut r| {
                crate::sort::sort(&mut r.sites);
                r.sites.dedup();
                crate::sort::sort(&mut r.origin_list);
                r.origin_list.dedup();
                r.origins = r.origin_list.len();
                if let RowVia::Peers(v) = &mut r.via {
                    crate::sort::sort(v);
                    v.dedup();
                }
                if let RowHop::Addresses(v) = &mut r.next_hop {
                    crate::sort::sort(v);
                    v.dedup();
                }
                r
            })
            .collect()
    }
}

/// Route tables summarized by [`Reaches::summarize`].
#[derive(Debug, Clone)]
pub struct Summary<K> {
    /// Per pattern: (group, rule) for each group whose prefixes the devices learn.
    pub patterns: Vec<Vec<(usize, K)>>,
    /// One per summarized device, in the order asked.
    pub tables: Vec<Table>,
}

/// One device's table against its pattern.
#[derive(Debug, Clone)]
pub struct Table {
    pub device: usize,
    pub pattern: usize,
    /// The routes the table holds (those with a key).
    pub routes: usize,
    /// Routes that depart from the pattern or are outside it, by prefix.
    pub except: Vec<RouteRef>,
    /// Prefixes of the pattern's groups the device does not learn.
    pub without: Vec<usize>,
}

/// Routes of one device that read alike, for the text report and the runbook.
#[derive(Debug, Clone)]
pub struct RouteRow<'a> {
    pub session: Option<SessionRole>,
    pub routes: usize,
    /// Distinct nodes whose prefixes these are.
    pub origins: usize,
    /// Their sites, sorted.
    pub sites: Vec<&'a str>,
    pub via: RowVia<'a>,
    pub next_hop: RowHop,
    origin_list: Vec<&'a str>,
}

#[derive(Debug, Clone)]
pub enum RowVia<'a> {
    /// Installed by the CNI, no BGP.
    Direct,
    /// From the node that owns the prefix.
    Origin,
    /// From these peers (sorted).
    Peers(Vec<&'a str>),
}

#[derive(Debug, Clone)]
pub enum RowHop {
    Direct,
    /// The node that owns the prefix.
    Origin,
    /// The peer the route is learned from.
    Peer,
    /// Other addresses (sorted).
    Addresses(Vec<IpAddr>),
}

/// `a, b, c` for short lists, `a, b, …, z` for long ones (callers give the count).
pub fn sample<T: std::fmt::Display>(items: &[T]) -> String {
    if items.len() <= 4 {
        return items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    }
    format!("{}, {}, …, {}", items[0], items[1], items[items.len() - 1])
}

impl RouteRow<'_> {
    /// Whose pods: "10 nodes in site000", "590 nodes in 59 sites: site001, …".
    pub fn origins_text(&self) -> String {
        let nodes = if self.origins == 1 { "1 node".to_string() } else { format!("{} nodes", self.origins) };
        match self.sites.len() {
            0 => nodes,
            1 => format!("{nodes} in {}", self.sites[0]),
            n => format!("{nodes} in {n} sites: {}", sample(&self.sites)),
        }
    }

    pub fn via_text(&self) -> String {
        let session = self.session.map(|s| format!(" ({})", s.as_str())).unwrap_or_default();
        match &self.via {
            RowVia::Direct => "none: direct route of the CNI".into(),
            RowVia::Origin => format!("the pods' node{session}"),
            RowVia::Peers(p) if p.len() == 1 => format!("{}{session}", p[0]),
            RowVia::Peers(p) => format!("{} peers{session}: {}", p.len(), sample(p)),
        }
    }

    pub fn next_hop_text(&self) -> String {
        match &self.next_hop {
            RowHop::Direct => "none (direct)".into(),
            RowHop::Origin => "the pods' node".into(),
            RowHop::Peer => "the peer it is learned from".into(),
            RowHop::Addresses(a) if a.len() == 1 => a[0].to_string(),
            RowHop::Addresses(a) => format!("{} addresses: {}", a.len(), sample(a)),
        }
    }
}

/// A JSON layout between pretty and compact: containers down to `depth` put each
/// entry on its own indented line; deeper ones stay on that line.
struct LinePerEntry {
    depth: usize,
    level: usize,
    has_value: bool,
}

impl LinePerEntry {
    fn new(depth: usize) -> Self {
        LinePerEntry { depth, level: 0, has_value: false }
    }

    fn open<W: ?Sized + std::io::Write>(&mut self, w: &mut W, c: &[u8]) -> std::io::Result<()> {
        self.level += 1;
        self.has_value = false;
        w.write_all(c)
    }

    fn close<W: ?Sized + std::io::Write>(&mut self, w: &mut W, c: &[u8]) -> std::io::Result<()> {
        self.level -= 1;
        if self.level < self.depth && self.has_value {
            w.write_all(b"\n")?;
            self.indent(w)?;
        }
        w.write_all(c)
    }

    fn entry<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        if self.level <= self.depth {
            w.write_all(if first { b"\n" } else { b",\n" })?;
            self.indent(w)
        } else if first {
            Ok(())
        } else {
            w.write_all(b",")
        }
    }

    fn indent<W: ?Sized + std::io::Write>(&self, w: &mut W) -> std::io::Result<()> {
        for _ in 0..self.level {
            w.write_all(b"  ")?;
        }
        Ok(())
    }
}

impl serde_json::ser::Formatter for LinePerEntry {
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"[")
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"]")
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.entry(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.open(w, b"{")
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.close(w, b"}")
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(&mut self, w: &mut W, first: bool) -> std::io::Result<()> {
        self.entry(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        w.write_all(if self.level <= self.depth { b": " } else { b":" })
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, _w: &mut W) -> std::io::Result<()> {
        self.has_value = true;
        Ok(())
    }
}

/// `plan.json`, serialized straight from the plan with its keys in sorted order
/// (the order `serde_json::Value` gives them), so [`Plan::to_json`] and
/// [`Plan::to_json_text`] are one document. Small parts go through `Value`;
/// the parts that grow with the plan (nodes, sessions, paths, route tables) are
/// written field by field.
struct PlanJson<'a> {
    plan: &'a Plan,
    summarized: bool,
}

/// Serializes a value through `serde_json::Value`, which sorts object keys.
struct Sorted<'a, T>(&'a T);

impl<T: Serialize> Serialize for Sorted<'_, T> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        serde_json::to_value(self.0).map_err(S::Error::custom)?.serialize(s)
    }
}

/// A sequence written from an iterator, without collecting it.
struct Seq<F>(F);

impl<I, F> Serialize for Seq<F>
where
    F: Fn() -> I,
    I: Iterator,
    I::Item: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut q = s.serialize_seq(None)?;
        for x in (self.0)() {
            q.serialize_element(&x)?;
        }
        q.end()
    }
}

/// A map written from an iterator of (key, value), keys already in order.
struct Map<F>(F);

impl<I, F, K, V> Serialize for Map<F>
where
    F: Fn() -> I,
    I: Iterator<Item = (K, V)>,
    K: Serialize,
    V: Serialize,
{
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        for (k, v) in (self.0)() {
            m.serialize_entry(&k, &v)?;
        }
        m.end()
    }
}

impl Serialize for PlanJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let p = self.plan;
        let all = p.reach_all();
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("calico_blocks", &Sorted(&p.calico_blocks))?;
        m.serialize_entry("cni", p.cluster.cni.as_str())?;
        m.serialize_entry("diagnostics", &Sorted(&p.diagnostics))?;
        m.serialize_entry("limiting", &Sorted(&p.limiting))?;
        m.serialize_entry("mtu_budget", &p.mtu_budget)?;
        m.serialize_entry("name", &p.name)?;
        m.serialize_entry("nodes", &Map(|| p.nodes.iter().map(|(k, n)| (k, NodeJson(n)))))?;
        m.serialize_entry("notes", &p.mtu_notes)?;
        m.serialize_entry("paths", &Seq(|| p.paths.iter().map(PathJson)))?;
        m.serialize_entry("pod_mtu", &p.pod_mtu)?;
        // A name that repeats keeps its last table, as a map would.
        let mut last: BTreeMap<&str, usize> = BTreeMap::new();
        if self.summarized {
            let groups = p.route_groups();
            let sum = all.summarize(&groups, 0..all.len(), |r| Some(all.rule(r)));
            for (i, t) in sum.tables.iter().enumerate() {
                last.insert(all.name(t.device), i);
            }
            let tables = Map(|| last.iter().map(|(name, &i)| (*name, TableJson { all: &all, table: &sum.tables[i] })));
            m.serialize_entry("reach", &tables)?;
            m.serialize_entry("route_format", ROUTE_FORMAT)?;
            m.serialize_entry("route_groups", &Seq(|| groups.iter().map(|g| GroupJson { plan: p, group: g })))?;
            let patterns = Seq(|| {
                sum.patterns
                    .iter()
                    .map(|pat| Seq(move || pat.iter().map(|(g, rule)| RuleJson { plan: p, group: *g, rule: *rule })))
            });
            m.serialize_entry("route_patterns", &patterns)?;
        } else {
            for d in 0..all.len() {
                last.insert(all.name(d), d);
            }
            let tables = Map(|| last.iter().map(|(name, &d)| (*name, ReachJson { all: &all, device: d })));
            m.serialize_entry("reach", &tables)?;
        }
        m.serialize_entry("routers", &Sorted(&p.routers))?;
        m.serialize_entry("sessions", &Seq(|| p.sessions.iter().map(SessionJson)))?;
        m.end()
    }
}

struct NodeJson<'a>(&'a NodePlan);

impl Serialize for NodeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let n = self.0;
        let mut m = s.serialize_map(Some(5))?;
        m.serialize_entry("addresses", &n.addresses)?;
        m.serialize_entry("pod_ranges", &n.pod_ranges)?;
        m.serialize_entry("region", &n.region)?;
        m.serialize_entry("role", &n.role)?;
        m.serialize_entry("site", &n.site)?;
        m.end()
    }
}

struct SessionJson<'a>(&'a Session);

impl Serialize for SessionJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        let mut m = s.serialize_map(Some(9))?;
        m.serialize_entry("a", &x.a)?;
        m.serialize_entry("a_address", &x.a_address)?;
        m.serialize_entry("b", &x.b)?;
        m.serialize_entry("b_address", &x.b_address)?;
        m.serialize_entry("family", &x.family)?;
        m.serialize_entry("kind", &x.kind)?;
        m.serialize_entry("multihop", &x.multihop)?;
        m.serialize_entry("next_hop_self", &x.next_hop_self)?;
        m.serialize_entry("role", &x.role)?;
        m.end()
    }
}

struct PathJson<'a>(&'a SitePath);

impl Serialize for PathJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let x = self.0;
        let mut m = s.serialize_map(Some(11))?;
        m.serialize_entry("blackhole", &x.blackhole.as_ref().map(BlackholeJson))?;
        m.serialize_entry("from", &x.from)?;
        m.serialize_entry("from_site", &x.from_site)?;
        m.serialize_entry("hops", &Seq(|| x.hops.iter().map(HopJson)))?;
        m.serialize_entry("limiting", &x.limiting)?;
        m.serialize_entry("overhead", &x.overhead)?;
        m.serialize_entry("path_mtu", &x.path_mtu)?;
        if let Some(h) = &x.pod_hops {
            m.serialize_entry("pod_hops", &Seq(|| h.iter().map(HopJson)))?;
        }
        m.serialize_entry("pod_mtu", &x.pod_mtu)?;
        m.serialize_entry("routed", &x.routed)?;
        m.serialize_entry("to", &x.to)?;
        m.serialize_entry("to_site", &x.to_site)?;
        m.end()
    }
}

struct HopJson<'a>(&'a Hop);

impl Serialize for HopJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let h = self.0;
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("kind", &h.kind)?;
        m.serialize_entry("mtu", &h.mtu)?;
        m.serialize_entry("name", &h.name)?;
        m.serialize_entry("via", &h.via)?;
        m.end()
    }
}

struct BlackholeJson<'a>(&'a Blackhole);

impl Serialize for BlackholeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("device", &self.0.device)?;
        if !self.0.looped.is_empty() {
            m.serialize_entry("looped", &self.0.looped)?;
        }
        m.serialize_entry("missing", &self.0.missing)?;
        if self.0.some_flows {
            m.serialize_entry("some_flows", &true)?;
        }
        m.end()
    }
}

/// A route with names (a [`Learned`]), keys sorted.
struct RouteJson<'a> {
    plan: &'a Plan,
    route: RouteRef,
}

impl Serialize for RouteJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (p, r) = (self.plan, &self.route);
        let via = match r.via {
            None => "direct",
            Some(i) => p.speakers.list.get(i).map(|x| x.name.as_str()).unwrap_or(""),
        };
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("next_hop", &r.next_hop)?;
        m.serialize_entry("prefix", &p.routing.prefixes.get(r.prefix).map(|x| x.net).unwrap_or_default())?;
        m.serialize_entry("session", &r.session)?;
        m.serialize_entry("via", via)?;
        m.end()
    }
}

/// One device's explicit table: `{learned: [route, ...], missing: [prefix, ...]}`.
struct ReachJson<'a> {
    all: &'a Reaches<'a>,
    device: usize,
}

impl Serialize for ReachJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (all, d) = (self.all, self.device);
        let plan = all.plan;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("learned", &Seq(|| all.routes(d).map(|r| RouteJson { plan, route: r })))?;
        m.serialize_entry("missing", &Seq(|| all.missing(d).map(|p| plan.routing.prefixes[p].net)))?;
        m.end()
    }
}

/// One device's summarized table:
/// `{learned: {except, pattern, routes, without}, missing}`.
struct TableJson<'a> {
    all: &'a Reaches<'a>,
    table: &'a Table,
}

impl Serialize for TableJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (all, t) = (self.all, self.table);
        let plan = all.plan;
        let mut m = s.serialize_map(Some(2))?;
        m.serialize_entry("learned", &LearnedJson { plan, table: t })?;
        m.serialize_entry("missing", &Seq(|| all.missing(t.device).map(|p| plan.routing.prefixes[p].net)))?;
        m.end()
    }
}

struct LearnedJson<'a> {
    plan: &'a Plan,
    table: &'a Table,
}

impl Serialize for LearnedJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (plan, t) = (self.plan, self.table);
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("except", &Seq(|| t.except.iter().map(|r| RouteJson { plan, route: *r })))?;
        m.serialize_entry("pattern", &t.pattern)?;
        m.serialize_entry("routes", &t.routes)?;
        m.serialize_entry("without", &Seq(|| t.without.iter().map(|&p| plan.routing.prefixes[p].net)))?;
        m.end()
    }
}

/// A prefix group: `[family, [[prefix, origin], ...]]`.
struct GroupJson<'a> {
    plan: &'a Plan,
    group: &'a [usize],
}

impl Serialize for GroupJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let prefixes = &self.plan.routing.prefixes;
        let fam =
            self.group.first().and_then(|&p| prefixes.get(p)).map(|x| Family::of_net(&x.net)).unwrap_or(Family::Ipv4);
        let members = Seq(|| self.group.iter().filter_map(|&p| prefixes.get(p)).map(|x| (x.net, x.origin.as_str())));
        let mut q = s.serialize_seq(Some(2))?;
        q.serialize_element(fam.as_str())?;
        q.serialize_element(&members)?;
        q.end()
    }
}

/// One entry of a pattern: `{group, next_hop, session, via}`.
struct RuleJson<'a> {
    plan: &'a Plan,
    group: usize,
    rule: Rule,
}

impl Serialize for RuleJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let r = &self.rule;
        let via = match r.via {
            None => "direct",
            Some(Sym::Origin) => "origin",
            Some(Sym::Is(i)) => self.plan.speakers.list.get(i).map(|x| x.name.as_str()).unwrap_or(""),
        };
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("group", &self.group)?;
        match r.next_hop {
            None => m.serialize_entry("next_hop", &None::<IpAddr>)?,
            Some(Sym::Origin) => m.serialize_entry("next_hop", "origin")?,
            Some(Sym::Is(a)) => m.serialize_entry("next_hop", &a)?,
        }
        m.serialize_entry("session", &r.session)?;
        m.serialize_entry("via", via)?;
        m.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{plan, scale};

    /// The examples and check cases, and scale designs on both sides of the summary threshold.
    fn plans() -> Vec<(String, Plan)> {
        let mut out = crate::test_support::example_and_case_plans();
        for (s, n) in [(3, 4), (11, 10)] {
            out.push((format!("scale {s}x{n}"), plan::build(&scale::design(s, n))));
        }
        // Tables that depart from their pattern: two nodes of a site route to each
        // other directly; site001-n05 (15) learns nothing of its site, so its site's
        // representative lacks its prefix; and one prefix reaches nobody.
        let mut odd = plan::build(&scale::design(11, 10));
        let n = odd.routing.direct_group.len();
        odd.routing.direct_group = (0..n).map(|i| (i == 0 || i == 5).then_some(0)).collect();
        let class = odd.routing.prefixes[15].class;
        odd.routing.classes[class].best[15] = None;
        odd.routing.prefixes[33].class = usize::MAX;
        out.push(("scale 11x10, irregular".into(), odd));
        out
    }

    /// A route table as a sorted list of routes, for comparing.
    fn sorted(v: &Value) -> Vec<String> {
        let mut out: Vec<String> = v.as_array().into_iter().flatten().map(Value::to_string).collect();
        out.sort();
        out
    }

    /// Expands summarized tables into explicit ones, exactly as `ROUTE_FORMAT` says.
    fn expand(j: &Value) -> BTreeMap<String, Value> {
        let groups = j["route_groups"].as_array().expect("route_groups");
        let patterns = j["route_patterns"].as_array().expect("route_patterns");
        let mut out = BTreeMap::new();
        for (dev, t) in j["reach"].as_object().expect("reach") {
            let l = &t["learned"];
            let without: Vec<&Value> = l["without"].as_array().expect("without").iter().collect();
            let mut routes: BTreeMap<String, Value> = BTreeMap::new();
            let pattern = patterns[l["pattern"].as_u64().expect("pattern") as usize].as_array().expect("a pattern");
            for e in pattern {
                let g = &groups[e["group"].as_u64().expect("group") as usize];
                let v6 = g[0] == "ipv6";
                for pair in g[1].as_array().expect("members") {
                    let (prefix, origin) = (&pair[0], pair[1].as_str().expect("origin"));
                    if origin == dev || without.contains(&prefix) {
                        continue;
                    }
                    let via = if e["via"] == "origin" { Value::from(origin) } else { e["via"].clone() };
                    let next_hop = if e["next_hop"] == "origin" {
                        j["nodes"][origin]["addresses"]
                            .as_array()
                            .expect("addresses")
                            .iter()
                            .find(|a| a.as_str().is_some_and(|a| a.contains(':') == v6))
                            .cloned()
                            .expect("an address of the family")
                    } else {
                        e["next_hop"].clone()
                    };
                    let route = serde_json::json!({"prefix": prefix, "next_hop": next_hop, "via": via, "session": e["session"]});
                    routes.insert(prefix.to_string(), route);
                }
            }
            for r in l["except"].as_array().expect("except") {
                routes.insert(r["prefix"].to_string(), r.clone());
            }
            assert_eq!(l["routes"].as_u64(), Some(routes.len() as u64), "{dev}: the count");
            let learned: Vec<Value> = routes.into_values().collect();
            out.insert(dev.clone(), serde_json::json!({"learned": learned, "missing": t["missing"]}));
        }
        out
    }

    #[test]
    fn summarized_tables_expand_to_the_explicit_ones() {
        for (name, p) in plans() {
            let explicit = p.to_json_explicit();
            let summarized = serde_json::to_value(PlanJson { plan: &p, summarized: true }).expect("JSON");
            let expanded = expand(&summarized);
            let want = explicit["reach"].as_object().expect("reach");
            assert_eq!(want.len(), expanded.len(), "{name}");
            for (dev, t) in want {
                let got = &expanded[dev];
                assert_eq!(sorted(&t["learned"]), sorted(&got["learned"]), "{name}: {dev} learned");
                assert_eq!(t["missing"], got["missing"], "{name}: {dev} missing");
            }
            // The rest of the document is the same.
            let (mut a, mut b) = (explicit, summarized);
            for k in ["reach", "route_format", "route_groups", "route_patterns"] {
                if let (Some(a), Some(b)) = (a.as_object_mut(), b.as_object_mut()) {
                    a.remove(k);
                    b.remove(k);
                }
            }
            assert_eq!(a, b, "{name}");
        }
    }

    #[test]
    fn irregular_tables_list_their_exceptions() {
        let (_, p) = plans().pop().expect("the irregular plan");
        let j = serde_json::to_value(PlanJson { plan: &p, summarized: true }).expect("JSON");
        let learned = |d: &str| j["reach"][d]["learned"].clone();
        assert_eq!(learned("site000-n00")["except"][0]["via"], "direct");
        assert_eq!(learned("site000-n00")["except"][0]["prefix"], "10.64.1.64/26");
        let rep = p.routing.classes[p.routing.prefixes[15].class].representative;
        assert_eq!(learned(all_name(&p, rep))["without"], serde_json::json!(["10.64.3.192/26"]));
        assert_eq!(learned(all_name(&p, rep))["routes"], 107, "less 15, and 33 that reaches nobody");
    }

    type Key<'k> = &'k dyn Fn(&RouteRef) -> Option<(Rule, bool)>;

    /// Summaries rebuild exactly what they summarize, whatever is compared.
    #[test]
    fn summaries_are_exact_for_any_key() {
        for (name, p) in plans() {
            let all = p.reach_all();
            let groups = p.route_groups();
            let keys: [Key; 3] = [
                &|r| Some((all.rule(r), false)),
                &|r| (r.prefix % 3 != 0).then(|| (all.rule(r), r.prefix % 7 == 0)),
                &|r| (r.prefix % 5 != 1).then_some((all.rule(r), r.prefix == 4)),
            ];
            for key in keys {
                let s = all.summarize(&groups, 0..all.len(), key);
                for t in &s.tables {
                    let own = |p: usize| all.plan.routing.prefixes[p].origin == all.name(t.device);
                    let mut want: BTreeMap<usize, (Rule, bool)> = BTreeMap::new();
                    for r in all.routes(t.device) {
                        if let Some(k) = key(&r) {
                            want.insert(r.prefix, k);
                        }
                    }
                    let mut got: BTreeMap<usize, (Rule, bool)> = BTreeMap::new();
                    for (g, k) in &s.patterns[t.pattern] {
                        for &p in &groups[*g] {
                            if !own(p) && !t.without.contains(&p) {
                                got.insert(p, *k);
                            }
                        }
                    }
                    for r in &t.except {
                        got.insert(r.prefix, key(r).expect("an exception has a key"));
                    }
                    assert_eq!(want, got, "{name}: {}", all.name(t.device));
                    assert_eq!(t.routes, want.len());
                }
            }
        }
    }

    fn all_name(p: &Plan, speaker: usize) -> &str {
        p.speakers.list.get(speaker).map(|s| s.name.as_str()).unwrap_or("")
    }

    #[test]
    fn a_large_plan_summarizes_to_a_pattern_per_site() {
        let p = plan::build(&scale::design(11, 10));
        assert!(p.summarizes_routes());
        let j = p.to_json();
        assert!(j["route_format"].is_string());
        // Nodes share their site's pattern; the two reflectors of a site share one.
        assert_eq!(j["route_patterns"].as_array().map(Vec::len), Some(22));
        for (dev, t) in j["reach"].as_object().expect("reach") {
            assert_eq!(t["learned"]["except"], Value::Array(Vec::new()), "{dev}");
            assert_eq!(t["learned"]["without"], Value::Array(Vec::new()), "{dev}");
        }
        assert_eq!(j["reach"]["site000-n00"]["learned"]["routes"], 109);
        // Small plans stay explicit.
        let small = plan::build(&scale::design(3, 4));
        assert!(small.to_json()["reach"]["site000-n00"]["learned"].is_array());
    }

    #[test]
    fn every_table_at_once_is_each_table_alone() {
        for (name, p) in plans() {
            let all = p.reach_all();
            assert_eq!(all.len(), p.devices().count());
            for d in 0..all.len() {
                let (one, alone) = (all.reach(d), p.reach(all.name(d)));
                assert_eq!(one.learned, alone.learned, "{name}: {}", all.name(d));
                assert_eq!(one.missing, alone.missing, "{name}: {}", all.name(d));
            }
        }
    }

    #[test]
    fn the_json_text_is_the_json_document() {
        for (name, p) in plans() {
            let text = p.to_json_text();
            let v = p.to_json();
            assert_eq!(serde_json::from_str::<Value>(&text).expect("valid JSON"), v, "{name}");
            // Keys come out sorted, as from a `Value`: the same bytes.
            let mut buf = Vec::new();
            if p.summarizes_routes() {
                v.serialize(&mut serde_json::Serializer::with_formatter(&mut buf, LinePerEntry::new(2))).expect("JSON");
            } else {
                v.serialize(&mut serde_json::Serializer::pretty(&mut buf)).expect("JSON");
            }
            buf.push(b'\n');
            assert_eq!(text.as_bytes(), buf.as_slice(), "{name}");
        }
    }

    #[test]
    fn a_large_plan_json_has_an_entry_per_line() {
        let p = plan::build(&scale::design(11, 10));
        let text = p.to_json_text();
        let lines = text.lines().count();
        // A line per node, session, path and table, and a few more.
        let entries = p.nodes.len() + p.sessions.len() + p.paths.len() + p.devices().count();
        assert!(lines > entries && lines < entries + 600, "{lines} lines for {entries} entries");
        assert!(text.contains("\n  \"sessions\": [\n    {\"a\":"), "{}", &text[..200]);
    }
}
