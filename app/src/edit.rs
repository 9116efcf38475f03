//! Edits of the topology the canvas and the side panel make. Each takes a
//! `Topology` and gives the changed one (or says why not); the caller writes it
//! back to text with the core's `write`, and the core checks the result.
//!
//! A field edit goes through the file format itself: the value typed is put into
//! the YAML document at the field's path and the document is read back by the
//! core's parser, so a field accepts exactly what the file accepts, with the same
//! error message.

use std::collections::BTreeSet;
use std::net::{IpAddr, Ipv4Addr};

use meshplan_core::model::{Addresses, Host, Link, LinkKind, Node, Role, Router, Site, SiteKind};
use meshplan_core::yaml::{self, Map, Value};
use meshplan_core::Topology;

use crate::sel::Sel;

/// The text of a new design.
pub const NEW_DESIGN: &str = "version: 1
name: new-design
cluster:
  cni: calico
  pod_cidr: [10.42.0.0/16]
  service_cidr: [10.43.0.0/16]
  asn: 64512
";

/// Every name in use, sites and devices alike.
fn names(t: &Topology) -> BTreeSet<&str> {
    meshplan_core::sort::set(
        t.sites.keys().chain(t.nodes.keys()).chain(t.routers.keys()).chain(t.hosts.keys()).map(String::as_str),
    )
}

/// `base-1`, `base-2`, …: the first that names nothing yet.
pub fn unique_name(t: &Topology, base: &str) -> String {
    let used = names(t);
    (1..).map(|i| format!("{base}-{i}")).find(|n| !used.contains(n.as_str())).unwrap_or_default()
}

/// Every address a device already has.
fn used_addresses(t: &Topology) -> BTreeSet<IpAddr> {
    meshplan_core::sort::set(
        t.nodes
            .values()
            .flat_map(|n| n.address.iter().copied())
            .chain(t.routers.values().flat_map(|r| r.address.iter().copied())),
    )
}

/// An unused IPv4 address for a new device: next to the site's others, or in a
/// fresh 192.168.x.0/24 for a site that has none.
pub fn suggest_address(t: &Topology, site: Option<&str>) -> IpAddr {
    let used = used_addresses(t);
    let in_site: Vec<Ipv4Addr> = t
        .nodes
        .values()
        .filter(|n| Some(n.site.as_str()) == site)
        .flat_map(|n| n.address.v4())
        .chain(t.routers.values().filter(|r| r.site.as_deref() == site && site.is_some()).flat_map(|r| r.address.v4()))
        .collect();
    let free = |start: u32| -> Option<IpAddr> {
        (start..start.saturating_add(250))
            .map(|a| IpAddr::V4(Ipv4Addr::from(a)))
            .find(|a| !used.contains(a) && !in_cluster_ranges(t, a))
    };
    if let Some(max) = in_site.iter().max() {
        if let Some(a) = free(u32::from(*max) + 1) {
            return a;
        }
    }
    for third in 10..=250u8 {
        let net = Ipv4Addr::new(192, 168, third, 0);
        let taken = used.iter().any(|a| matches!(a, IpAddr::V4(v) if v.octets()[..3] == net.octets()[..3]));
        if !taken {
            return IpAddr::V4(Ipv4Addr::new(192, 168, third, 10));
        }
    }
    free(u32::from(Ipv4Addr::new(172, 16, 0, 10))).unwrap_or(IpAddr::V4(Ipv4Addr::new(172, 16, 0, 10)))
}

fn in_cluster_ranges(t: &Topology, a: &IpAddr) -> bool {
    t.cluster.pod_cidr.iter().chain(&t.cluster.service_cidr).any(|n| n.contains(a))
}

pub fn add_site(t: &mut Topology) -> Sel {
    let name = unique_name(t, "site");
    t.sites.insert(name.clone(), Site::default());
    Sel::Site(name)
}

/// The site a new device goes into: the selected site, the site of the selected
/// device, or the first site.
pub fn target_site(t: &Topology, sel: Option<&Sel>) -> Option<String> {
    let chosen = match sel {
        Some(Sel::Site(s)) => Some(s.clone()),
        Some(s @ (Sel::Node(_) | Sel::Router(_) | Sel::Host(_))) => {
            s.name().and_then(|n| t.site_of(n)).map(str::to_string)
        }
        Some(Sel::Link(i)) => t.links.get(*i).and_then(|l| {
            l.between.iter().find_map(|e| {
                if t.sites.contains_key(e) {
                    Some(e.clone())
                } else {
                    t.site_of(e).map(str::to_string)
                }
            })
        }),
        _ => None,
    };
    chosen.filter(|s| t.sites.contains_key(s)).or_else(|| t.sites.keys().next().cloned())
}

/// A node needs a site: one is made when the design has none.
pub fn add_node(t: &mut Topology, sel: Option<&Sel>) -> Sel {
    let site = match target_site(t, sel) {
        Some(s) => s,
        None => match add_site(t) {
            Sel::Site(s) => s,
            _ => unreachable!("add_site selects a site"),
        },
    };
    let has_server = t.nodes.values().any(|n| n.role == Role::Server);
    let name = unique_name(t, "node");
    let address = suggest_address(t, Some(&site));
    t.nodes.insert(
        name.clone(),
        Node {
            site,
            role: if has_server { Role::Agent } else { Role::Server },
            address: Addresses(vec![address]),
            public: None,
            labels: Default::default(),
        },
    );
    Sel::Node(name)
}

pub fn add_router(t: &mut Topology, sel: Option<&Sel>) -> Sel {
    let site = target_site(t, sel);
    let name = unique_name(t, "router");
    let address = suggest_address(t, site.as_deref());
    t.routers.insert(name.clone(), Router { site, address: Addresses(vec![address]), ..Router::default() });
    Sel::Router(name)
}

pub fn add_host(t: &mut Topology, sel: Option<&Sel>) -> Sel {
    let site = target_site(t, sel);
    let name = unique_name(t, "host");
    t.hosts.insert(name.clone(), Host { site });
    Sel::Host(name)
}

/// Moves a device into `site` (dropped on its box in the drawing): only its
/// `site` changes.
pub fn move_to_site(t: &mut Topology, sel: &Sel, site: &str) -> Result<Option<Sel>, String> {
    if !t.sites.contains_key(site) {
        return Err(format!("there is no site `{site}`"));
    }
    let name = sel.name().unwrap_or_default();
    match sel {
        Sel::Node(_) => t.nodes.get_mut(name).ok_or("no such node")?.site = site.to_string(),
        Sel::Router(_) => t.routers.get_mut(name).ok_or("no such router")?.site = Some(site.to_string()),
        Sel::Host(_) => t.hosts.get_mut(name).ok_or("no such host")?.site = Some(site.to_string()),
        _ => return Err("only a device moves into a site".into()),
    }
    Ok(Some(sel.clone()))
}

/// The kind a new link between `a` and `b` most likely is.
fn guess_link_kind(t: &Topology, a: &str, b: &str) -> LinkKind {
    let site_kind = |n: &str| t.sites.get(n).map(|s| s.kind);
    match (site_kind(a), site_kind(b)) {
        (Some(_), Some(_)) => LinkKind::Internet,
        (Some(SiteKind::Zerotier), _) | (_, Some(SiteKind::Zerotier)) => LinkKind::Zerotier,
        (Some(SiteKind::Vpc), _) | (_, Some(SiteKind::Vpc)) => LinkKind::Vpc,
        _ => LinkKind::Lan,
    }
}

/// Joins two sites or devices; refuses a link to itself and a second link between the same two.
pub fn add_link(t: &mut Topology, a: &str, b: &str) -> Result<Sel, String> {
    if a == b {
        return Err(format!("a link joins two different things; both ends are `{a}`"));
    }
    let same = |l: &Link| (l.between[0] == a && l.between[1] == b) || (l.between[0] == b && l.between[1] == a);
    if let Some(i) = t.links.iter().position(same) {
        return Err(format!("`{a}` and `{b}` are already linked (link {i})"));
    }
    let kind = guess_link_kind(t, a, b);
    t.links.push(Link { between: [a.to_string(), b.to_string()], kind, mtu: None, cost: None });
    Ok(Sel::Link(t.links.len() - 1))
}

/// Removes a name from every place that refers to it; links to it go.
fn drop_references(t: &mut Topology, name: &str) {
    t.links.retain(|l| l.between[0] != name && l.between[1] != name);
    if let Some(bb) = &mut t.bgp.backbone {
        bb.retain(|p| p[0] != name && p[1] != name);
    }
}

/// Deletes the element; a site goes with everything in it. Returns what was deleted, for the message.
pub fn delete(t: &mut Topology, sel: &Sel) -> Option<String> {
    match sel {
        Sel::Link(i) => {
            if *i >= t.links.len() {
                return None;
            }
            let l = t.links.remove(*i);
            Some(format!("link {} – {}", l.between[0], l.between[1]))
        }
        Sel::Node(n) => {
            t.nodes.remove(n)?;
            drop_references(t, n);
            Some(format!("node {n}"))
        }
        Sel::Router(n) => {
            t.routers.remove(n)?;
            drop_references(t, n);
            Some(format!("router {n}"))
        }
        Sel::Host(n) => {
            t.hosts.remove(n)?;
            drop_references(t, n);
            Some(format!("host {n}"))
        }
        Sel::Site(s) => {
            t.sites.remove(s)?;
            let members: Vec<String> = crate::layout::devices(t)
                .into_iter()
                .filter(|(_, site)| *site == Some(s.as_str()))
                .map(|(n, _)| n.to_string())
                .collect();
            for m in &members {
                t.nodes.remove(m);
                t.routers.remove(m);
                t.hosts.remove(m);
                drop_references(t, m);
            }
            drop_references(t, s);
            for r in t.routers.values_mut() {
                r.serves.retain(|x| x != s);
            }
            Some(match members.len() {
                0 => format!("site {s}"),
                1 => format!("site {s} and the device in it"),
                n => format!("site {s} and the {n} devices in it"),
            })
        }
        Sel::Cluster => None,
    }
}

/// Renames a site or device and every reference to it.
pub fn rename(t: &mut Topology, sel: &Sel, new: &str) -> Result<Sel, String> {
    let new = new.trim();
    let Some(old) = sel.name().map(str::to_string) else {
        return Err("only sites and devices have names".into());
    };
    if new == old {
        return Ok(sel.clone());
    }
    if new.is_empty() {
        return Err("a name cannot be empty".into());
    }
    if names(t).contains(new) {
        return Err(format!("`{new}` is already the name of something else"));
    }
    let new = new.to_string();
    let swap = |s: &mut String| {
        if *s == old {
            *s = new.clone();
        }
    };
    match sel {
        Sel::Site(_) => {
            let v = t.sites.remove(&old).ok_or("no such site")?;
            t.sites.insert(new.clone(), v);
            for n in t.nodes.values_mut() {
                swap(&mut n.site);
            }
            for r in t.routers.values_mut() {
                if let Some(s) = &mut r.site {
                    swap(s);
                }
                r.serves.iter_mut().for_each(swap);
            }
            for h in t.hosts.values_mut() {
                if let Some(s) = &mut h.site {
                    swap(s);
                }
            }
        }
        Sel::Node(_) => {
            let v = t.nodes.remove(&old).ok_or("no such node")?;
            t.nodes.insert(new.clone(), v);
        }
        Sel::Router(_) => {
            let v = t.routers.remove(&old).ok_or("no such router")?;
            t.routers.insert(new.clone(), v);
        }
        Sel::Host(_) => {
            let v = t.hosts.remove(&old).ok_or("no such host")?;
            t.hosts.insert(new.clone(), v);
        }
        Sel::Link(_) | Sel::Cluster => unreachable!("checked above"),
    }
    for l in &mut t.links {
        l.between.iter_mut().for_each(swap);
    }
    if let Some(bb) = &mut t.bgp.backbone {
        for p in bb {
            p.iter_mut().for_each(swap);
        }
    }
    Ok(match sel {
        Sel::Site(_) => Sel::Site(new),
        Sel::Node(_) => Sel::Node(new),
        Sel::Router(_) => Sel::Router(new),
        _ => Sel::Host(new),
    })
}

/// How the text typed into a field becomes a YAML value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Input {
    /// Taken as a string, whatever it looks like.
    Text,
    /// Read as YAML: numbers, `true`/`false`, `auto`, enum words.
    Scalar,
    /// Comma-separated; one item stays a scalar (`address: 10.0.0.1`).
    List,
    /// Comma-separated; always a list.
    Seq,
    /// One `key = a, b` a line: a map of lists (`registry_mirrors`, pools).
    Entries,
    /// One `key = value` a line: a map of strings (node labels).
    Labels,
    /// One `a, b` a line: a list of pairs (`bgp.backbone`).
    Pairs,
}

impl Input {
    /// Typed over several lines, one entry a line.
    pub fn multiline(self) -> bool {
        matches!(self, Input::Entries | Input::Labels | Input::Pairs)
    }
}

/// `a, b` as its items, as strings.
fn items(text: &str) -> Vec<yaml::Node> {
    text.split(',').map(str::trim).filter(|s| !s.is_empty()).map(yaml::Node::string).collect()
}

/// The non-empty lines of a multi-line field, each with its number from 1.
fn lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.lines().map(str::trim).enumerate().filter(|(_, l)| !l.is_empty()).map(|(i, l)| (i + 1, l))
}

/// `key = rest` lines as a map, each `rest` made by `value`.
fn entries(text: &str, value: impl Fn(&str) -> yaml::Node) -> Result<yaml::Node, String> {
    let mut m = Map::default();
    for (n, line) in lines(text) {
        let Some((k, v)) = line.split_once('=') else {
            return Err(format!("line {n}: write `name = value`"));
        };
        let k = k.trim();
        if k.is_empty() {
            return Err(format!("line {n}: the name before `=` is missing"));
        }
        if m.get(k).is_some() {
            return Err(format!("line {n}: `{k}` is already on an earlier line"));
        }
        m.insert(k, value(v.trim()));
    }
    Ok(yaml::Node::new(Value::Map(m)))
}

/// The YAML value for a field's text; `None` removes the field (its default applies).
pub fn field_value(input: Input, text: &str) -> Result<Option<yaml::Node>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    Ok(Some(match input {
        Input::Text => yaml::Node::string(text),
        Input::Scalar => yaml::read(text).map_err(|e| format!("not a value: {}", e.message))?,
        Input::List => {
            let mut v = items(text);
            if v.len() == 1 {
                v.remove(0)
            } else {
                yaml::Node::new(Value::Seq(v))
            }
        }
        Input::Seq => yaml::Node::new(Value::Seq(items(text))),
        Input::Entries => entries(text, |v| yaml::Node::new(Value::Seq(items(v))))?,
        Input::Labels => entries(text, |v| yaml::Node::string(v))?,
        Input::Pairs => {
            let mut pairs = Vec::new();
            for (n, line) in lines(text) {
                let v = items(line);
                if v.len() != 2 {
                    return Err(format!("line {n}: write two names, `a, b`"));
                }
                pairs.push(yaml::Node::new(Value::Seq(v)));
            }
            yaml::Node::new(Value::Seq(pairs))
        }
    }))
}

/// Sets the field at `path` (`["nodes", "kubemaster", "address"]`, `["links", "3", "mtu"]`)
/// and reads the document back with the core's parser.
pub fn set_field(t: &Topology, path: &[&str], value: Option<yaml::Node>) -> Result<Topology, String> {
    let mut doc = document(t)?;
    let Some((last, parents)) = path.split_last() else {
        return Err("empty path".into());
    };
    let mut cur = &mut doc;
    for seg in parents {
        // Emptying a field inside a section the file does not have: nothing to do
        // (no empty section made, which could mean something: `metallb: {}`).
        if value.is_none() && matches!(&cur.value, Value::Map(m) if m.get(seg).is_none()) {
            return Ok(t.clone());
        }
        cur = match &mut cur.value {
            Value::Seq(s) => seg.parse::<usize>().ok().and_then(|i| s.get_mut(i)).ok_or("no such element")?,
            Value::Map(m) => {
                if m.get(seg).is_none() {
                    m.insert(seg, yaml::Node::new(Value::Map(Map::default())));
                }
                m.get_mut(seg).ok_or("no such element")?
            }
            Value::Scalar(_) => return Err(format!("`{seg}` is not a section")),
        };
    }
    match &mut cur.value {
        Value::Map(m) => match value {
            Some(v) => m.insert(last, v),
            None => {
                m.remove(last);
            }
        },
        Value::Seq(s) => {
            let slot = last.parse::<usize>().ok().and_then(|i| s.get_mut(i)).ok_or("no such element")?;
            *slot = value.ok_or("this value cannot be empty")?;
        }
        Value::Scalar(_) => return Err("the field's parent is not a section".into()),
    }
    let parsed = meshplan_core::parse(&yaml::emit(&doc));
    match (parsed.topology, parsed.diagnostics.first()) {
        (Some(t), None) => Ok(t),
        (_, Some(d)) => Err(d.message.clone()),
        (None, None) => Err("the value does not fit this field".into()),
    }
}

/// The topology as a YAML document.
pub fn document(t: &Topology) -> Result<yaml::Node, String> {
    yaml::to_value(t)
}

/// The text a field shows: the YAML of its value, lists as `a, b`.
pub fn field_text(doc: &yaml::Node, path: &[&str]) -> String {
    let mut cur = doc;
    for seg in path {
        let next = match &cur.value {
            Value::Seq(s) => seg.parse::<usize>().ok().and_then(|i| s.get(i)),
            Value::Map(m) => m.get(seg),
            Value::Scalar(_) => None,
        };
        match next {
            Some(n) => cur = n,
            None => return String::new(),
        }
    }
    scalar_text(cur)
}

fn scalar_text(v: &yaml::Node) -> String {
    match &v.value {
        _ if v.is_null() => String::new(),
        Value::Scalar(s) => s.text.clone(),
        // A list of lists (`bgp.backbone`): one a line, as `Input::Pairs` reads it.
        Value::Seq(s) => {
            let nested = s.iter().any(|i| matches!(i.value, Value::Seq(_)));
            s.iter().map(scalar_text).collect::<Vec<_>>().join(if nested { "\n" } else { ", " })
        }
        // A map: `key = value` a line, as `Input::Entries` and `Input::Labels` read it.
        Value::Map(m) => m
            .entries
            .iter()
            .map(|(k, v)| format!("{} = {}", scalar_text(k), scalar_text(v)))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn example() -> Topology {
        meshplan_core::parse(include_str!("../../examples/calico-wds-hkg.yaml")).topology.unwrap()
    }

    #[test]
    fn a_device_dropped_on_a_site_moves_there_and_nothing_else_changes() {
        let t = example();
        for (sel, to) in [
            (Sel::Node("kubemaster".into()), "zt-global"),
            (Sel::Router("gateway".into()), "IEPL"),
            (Sel::Host("ngb".into()), "WDS"),
        ] {
            let mut after = t.clone();
            assert_eq!(move_to_site(&mut after, &sel, to), Ok(Some(sel.clone())));
            let name = sel.name().unwrap();
            assert_eq!(after.site_of(name), Some(to));
            // Put back, it is the example again: only `site` changed.
            let was = t.site_of(name).unwrap().to_string();
            move_to_site(&mut after, &sel, &was).unwrap();
            assert_eq!(after, t);
        }
        let mut after = t.clone();
        assert!(move_to_site(&mut after, &Sel::Node("kubemaster".into()), "nowhere").is_err());
        assert!(move_to_site(&mut after, &Sel::Site("WDS".into()), "IEPL").is_err());
        assert_eq!(after, t);
    }

    #[test]
    fn new_design_parses() {
        assert!(meshplan_core::parse(NEW_DESIGN).topology.is_some());
    }

    #[test]
    fn added_things_get_free_names_and_addresses() {
        let mut t = example();
        let s = add_site(&mut t);
        assert_eq!(s, Sel::Site("site-1".into()));
        let n = add_node(&mut t, Some(&s));
        assert_eq!(n, Sel::Node("node-1".into()));
        assert_eq!(t.nodes["node-1"].site, "site-1");
        let a = add_node(&mut t, Some(&Sel::Node("kubemaster".into())));
        assert_eq!(t.nodes[a.name().unwrap()].site, "WDS");
        assert_eq!(t.nodes[a.name().unwrap()].address.0, vec!["192.168.100.253".parse::<IpAddr>().unwrap()]);
        let l = add_link(&mut t, "node-1", "WDS").unwrap();
        assert_eq!(l, Sel::Link(4));
        assert!(add_link(&mut t, "WDS", "node-1").is_err());
        assert!(add_link(&mut t, "WDS", "WDS").is_err());
        assert!(meshplan_core::check::check(&t).iter().all(|d| !d.code.as_str().starts_with("E02")));
    }

    #[test]
    fn node_in_empty_design_makes_a_site_and_a_server() {
        let mut t = meshplan_core::parse(NEW_DESIGN).topology.unwrap();
        let n = add_node(&mut t, None);
        let node = &t.nodes[n.name().unwrap()];
        assert_eq!(node.role, Role::Server);
        assert!(t.sites.contains_key(&node.site));
    }

    #[test]
    fn rename_follows_references() {
        let mut t = example();
        let s = rename(&mut t, &Sel::Router("cn-ns".into()), "cn").unwrap();
        assert_eq!(s, Sel::Router("cn".into()));
        assert!(t.links.iter().any(|l| l.between.contains(&"cn".to_string())));
        assert!(t.bgp.backbone.as_ref().unwrap().iter().any(|p| p.contains(&"cn".to_string())));
        rename(&mut t, &Sel::Site("WDS".into()), "home").unwrap();
        assert_eq!(t.nodes["kubemaster"].site, "home");
        assert_eq!(t.routers["gateway"].serves, vec!["home".to_string()]);
        assert!(rename(&mut t, &Sel::Site("home".into()), "gateway").is_err());
        assert!(meshplan_core::check::check(&t).iter().all(|d| d.code.as_str() != "E020"));
    }

    #[test]
    fn delete_site_takes_its_devices_and_links() {
        let mut t = example();
        let what = delete(&mut t, &Sel::Site("IEPL".into())).unwrap();
        assert_eq!(what, "site IEPL and the 2 devices in it");
        assert!(!t.routers.contains_key("cn-ns"));
        assert_eq!(t.links.len(), 1);
        assert_eq!(t.bgp.backbone.as_ref().unwrap().len(), 0);
        assert!(meshplan_core::check::check(&t).iter().all(|d| d.code.as_str() != "E020"));
    }

    #[test]
    fn fields_take_what_the_file_takes() {
        let t = example();
        let v = field_value(Input::Scalar, "1400").unwrap();
        let t2 = set_field(&t, &["links", "0", "mtu"], v).unwrap();
        assert_eq!(t2.links[0].mtu, Some(1400));
        let err = set_field(&t, &["links", "0", "mtu"], field_value(Input::Scalar, "big").unwrap()).unwrap_err();
        assert!(!err.is_empty());
        let err = set_field(&t, &["nodes", "kubemaster", "address"], field_value(Input::List, "10.0.0.300").unwrap())
            .unwrap_err();
        assert!(err.contains("10.0.0.300"), "{err}");
        let t3 =
            set_field(&t, &["nodes", "kubemaster", "address"], field_value(Input::List, "10.1.0.1, fd00::1").unwrap())
                .unwrap();
        assert_eq!(t3.nodes["kubemaster"].address.0.len(), 2);
        assert_eq!(field_text(&document(&t3).unwrap(), &["nodes", "kubemaster", "address"]), "10.1.0.1, fd00::1");
        let t6 = set_field(&t, &["links", "0", "between", "1"], field_value(Input::Text, "WDS").unwrap()).unwrap();
        assert_eq!(t6.links[0].between[1], "WDS");
        let t4 = set_field(&t, &["links", "0", "mtu"], None).unwrap();
        assert_eq!(t4.links[0].mtu, None);
        assert_eq!(field_text(&document(&t).unwrap(), &["cluster", "mtu"]), "1370");
        let t5 = set_field(&t, &["sites", "WDS", "label"], field_value(Input::Text, "true").unwrap()).unwrap();
        assert_eq!(t5.sites["WDS"].label.as_deref(), Some("true"));
    }
}
