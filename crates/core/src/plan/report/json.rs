//! `plan.json` (`meshplan plan --format json`, and in every bundle): written
//! through serde and serde_json, straight from the plan and its route tables.
//! serde_json was already in the core (the page's module pays for it: see
//! `cargo xtask wasm-cost`); [`LinePerEntry`] is only a layout for serde_json's
//! writer (one entry per line for large plans), not a JSON writer of its own.

use std::collections::BTreeMap;
use std::net::IpAddr;

use serde::ser::{Error as _, SerializeMap, SerializeSeq, Serializer};
use serde::Serialize;
use serde_json::Value;

use crate::plan::reach::{Reaches, RouteRef, Rule, Sym, Table};
use crate::plan::{Blackhole, Family, Hop, NodePlan, Plan, Session, SitePath};

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

impl Plan {
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
        let plan = all.plan();
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
        let plan = all.plan();
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
    use crate::test_support::route_table_plans as plans;
    use crate::{plan, scale};

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
