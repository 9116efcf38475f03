//! Route tables: what each device (node, router, host) learns and what it lacks
//! for the routed paths it is on, computed from the plan's propagation
//! (`propagate`) and forwarding paths. Renderers (`verify.sh`, the runbook) and
//! the report writers (`report/`) read them from here.
//!
//! Route tables grow with devices × prefixes (every node learns every other
//! node's block), so everything here works by index: [`Plan::reach_all`] finds
//! the prefixes each device needs from the routed paths once, and yields each
//! device's routes as [`RouteRef`]s that allocate nothing. Plans with more than
//! [`EXPLICIT_ROUTES_MAX_NODES`] nodes are written summarized
//! ([`Reaches::summarize`]): devices that see a group of prefixes alike share a
//! pattern, and each device lists only where it departs from its pattern.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::Serialize;

use super::types::*;
use crate::model::Kind;

/// Plans with more nodes than this get summarized route tables in `plan.json`,
/// the text report, the runbook and `verify.sh`; smaller plans list every route.
pub const EXPLICIT_ROUTES_MAX_NODES: usize = 100;

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
}

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

    /// The plan the tables are of.
    pub fn plan(&self) -> &'a Plan {
        self.plan
    }

    /// The site of the node that owns prefix `p` (`None` for a prefix of no node).
    pub fn origin_site(&self, p: usize) -> Option<&'a str> {
        self.origin_site.get(p).copied().filter(|s| !s.is_empty())
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_support::route_table_plans as plans;

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
}
