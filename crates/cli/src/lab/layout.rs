//! The lab's layout, computed before anything is touched: one namespace per
//! device, site switch and pod, the veth pairs between them, every address, and
//! the static underlay routes. A pure function of the topology, its plan and
//! the lab's id (the namespace prefix).
//!
//! - Namespace names are the lab's prefix (`mpl-`, see `id`) plus a kind letter and an index in name order
//!   (`mpl-n1` node, `mpl-r1` router, `mpl-h1` host, `mpl-s1` site switch,
//!   `mpl-p1` the pod of node 1); interface names are local to a namespace and
//!   short (`s1` site 1's network, `l3` link 3, `pod0`/`eth0` the pod pair), so
//!   none comes near the kernel's 15-character limit.
//! - Addresses: a device's own addresses from the topology sit on its home site's
//!   network (with a prefix length that covers that site's devices) or on `lo`;
//!   every network attachment and link also gets a lab-only address
//!   (198.18.0.0/15, fd6c:6162::/32), which the static routes use as next hops.
//! - Site networks joined by a site-to-site link form one L2 domain, one lab subnet.
//! - Static routes follow the plan's underlay (least-cost paths, as the real
//!   OSPF/ZeroTier underlay would): every device reaches every node and router address.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};
use meshplan_core::model::{Kind, Topology};
use meshplan_core::plan::{Family, Plan};
use meshplan_core::underlay::Underlay;

/// Every namespace name of this lab starts with this (`mpl-`, or `mpl<ID>-`
/// for a lab named by `MESHPLAN_LAB_ID`: see `id`).
pub fn prefix() -> String {
    super::id::prefix()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpaceKind {
    Node,
    Router,
    Host,
    /// A site's L2 network: a bridge `br0`.
    Switch,
    /// The pod of a node.
    Pod,
}

impl SpaceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SpaceKind::Node => "node",
            SpaceKind::Router => "router",
            SpaceKind::Host => "host",
            SpaceKind::Switch => "site network",
            SpaceKind::Pod => "pod of node",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Space {
    pub ns: String,
    /// The topology name: device, site, or (for a pod) its node.
    pub name: String,
    pub kind: SpaceKind,
    /// Bridge MTU (switches only).
    pub bridge_mtu: Option<u32>,
}

#[derive(Debug, Clone)]
pub struct Veth {
    pub a: (usize, String),
    pub b: (usize, String),
    pub mtu: u32,
    /// Why it exists, for the log.
    pub what: String,
}

#[derive(Debug, Clone)]
pub struct Addr {
    pub space: usize,
    pub dev: String,
    pub net: IpNet,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub space: usize,
    pub dst: IpNet,
    pub via: Option<IpAddr>,
    pub dev: String,
    /// Source address: the device's own address, so replies find their way back.
    pub src: Option<IpAddr>,
}

/// A node's pod: its namespace and address per family.
#[derive(Debug, Clone)]
pub struct Pod {
    pub node: String,
    pub space: usize,
    pub node_space: usize,
    pub addrs: Vec<IpAddr>,
}

#[derive(Debug, Clone, Default)]
pub struct Layout {
    pub spaces: Vec<Space>,
    pub veths: Vec<Veth>,
    pub addrs: Vec<Addr>,
    pub routes: Vec<Route>,
    pub pods: Vec<Pod>,
    /// What the lab emulates and how, for the log.
    pub notes: Vec<String>,
    /// Devices (by name) each address belongs to, for tracing packets.
    pub owner: BTreeMap<IpAddr, usize>,
}

impl Layout {
    pub fn space_of(&self, name: &str, kind: SpaceKind) -> Option<usize> {
        self.spaces.iter().position(|s| s.name == name && s.kind == kind)
    }
    /// The namespace of a device (node, router or host).
    pub fn device(&self, name: &str) -> Option<usize> {
        self.spaces
            .iter()
            .position(|s| s.name == name && matches!(s.kind, SpaceKind::Node | SpaceKind::Router | SpaceKind::Host))
    }
    pub fn pod(&self, node: &str) -> Option<&Pod> {
        self.pods.iter().find(|p| p.node == node)
    }
}

/// The first address a pod may take in a range (network + 1; a /32 or /128 itself).
pub fn first_host(n: &IpNet) -> IpAddr {
    match n {
        IpNet::V4(v) if v.prefix_len() < 31 => IpAddr::V4(Ipv4Addr::from(u32::from(v.network()).wrapping_add(1))),
        IpNet::V6(v) if v.prefix_len() < 128 => IpAddr::V6(Ipv6Addr::from(u128::from(v.network()).wrapping_add(1))),
        other => other.network(),
    }
}

/// The lab-only ranges; a topology that uses them cannot be emulated.
pub fn lab_ranges() -> [IpNet; 2] {
    [
        IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(198, 18, 0, 0), 15)),
        IpNet::V6(Ipv6Net::new_assert(Ipv6Addr::new(0xfd6c, 0x6162, 0, 0, 0, 0, 0, 0), 32)),
    ]
}

fn domain_net(d: usize, fam: Family, j: usize) -> Option<IpNet> {
    match fam {
        Family::Ipv4 => {
            let (d, j) = (u8::try_from(d).ok()?, u8::try_from(j).ok()?);
            if j == 0 || j == 255 {
                return None;
            }
            Ipv4Net::new(Ipv4Addr::new(198, 18, d, j), 24).ok().map(IpNet::V4)
        }
        Family::Ipv6 => {
            let (d, j) = (u16::try_from(d).ok()?, u16::try_from(j).ok()?);
            Ipv6Net::new(Ipv6Addr::new(0xfd6c, 0x6162, 0, d, 0, 0, 0, j), 64).ok().map(IpNet::V6)
        }
    }
}

fn link_net(i: usize, fam: Family, end: usize) -> Option<IpNet> {
    match fam {
        Family::Ipv4 => {
            let hi = u8::try_from(i / 64).ok()?;
            let lo = u8::try_from((i % 64) * 4 + 1 + end).ok()?;
            if hi > 255 - 1 {
                return None;
            }
            Ipv4Net::new(Ipv4Addr::new(198, 19, hi, lo), 30).ok().map(IpNet::V4)
        }
        Family::Ipv6 => {
            let i = u16::try_from(i).ok()?;
            let end = u16::try_from(end + 1).ok()?;
            Ipv6Net::new(Ipv6Addr::new(0xfd6c, 0x6162, 1, i, 0, 0, 0, end), 64).ok().map(IpNet::V6)
        }
    }
}

/// Length of the longest prefix shared by all addresses of one family.
fn common_len(addrs: &[IpAddr]) -> Option<u8> {
    let first = addrs.first()?;
    let (bits, base) = match first {
        IpAddr::V4(a) => (32u32, u128::from(u32::from(*a)) << 96),
        IpAddr::V6(a) => (128u32, u128::from(*a)),
    };
    let mut len = bits;
    for a in &addrs[1..] {
        let x = match a {
            IpAddr::V4(v) => u128::from(u32::from(*v)) << 96,
            IpAddr::V6(v) => u128::from(*v),
        };
        len = len.min((base ^ x).leading_zeros());
    }
    u8::try_from(len.min(bits)).ok()
}

/// An interface of a device on a network (its home site, or a link to a site).
#[derive(Debug, Clone)]
struct Attachment {
    device: String,
    /// Site network (by name).
    site: String,
    /// Lab address per family.
    lab: Vec<IpNet>,
}

pub fn build(t: &Topology, plan: &Plan) -> Result<Layout, String> {
    build_on(t, plan, &Underlay::new(t))
}

/// The layout with its static underlay routes taken over `u`: the design's
/// own underlay, or (`lab run --fail`) the underlay with one element down,
/// whose routes the lab then installs as an IGP would route around it.
pub fn build_on(t: &Topology, plan: &Plan, u: &Underlay) -> Result<Layout, String> {
    let mut l = Layout::default();
    let families: Vec<Family> = {
        let mut f = vec![Family::Ipv4];
        let any_v6 = t
            .nodes
            .values()
            .flat_map(|n| n.address.iter())
            .chain(t.routers.values().flat_map(|r| r.address.iter()))
            .any(IpAddr::is_ipv6)
            || plan.cluster.has_ipv6();
        if any_v6 {
            f.push(Family::Ipv6);
        }
        f
    };
    for a in t.nodes.values().flat_map(|n| n.address.iter()).chain(t.routers.values().flat_map(|r| r.address.iter())) {
        if lab_ranges().iter().any(|r| r.contains(a)) {
            return Err(format!("the topology uses {a}, inside the lab's own ranges (198.18.0.0/15, fd6c:6162::/32)"));
        }
    }

    // Namespaces, in a fixed order: nodes, routers, hosts, site switches, pods.
    let prefix = prefix();
    let lan_sites: Vec<&String> = t.sites.iter().filter(|(_, s)| s.lan).map(|(n, _)| n).collect();
    let push = |l: &mut Layout, tag: char, i: usize, name: &str, kind: SpaceKind, mtu: Option<u32>| {
        l.spaces.push(Space { ns: format!("{prefix}{tag}{}", i + 1), name: name.to_string(), kind, bridge_mtu: mtu });
        l.spaces.len() - 1
    };
    for (i, n) in t.nodes.keys().enumerate() {
        push(&mut l, 'n', i, n, SpaceKind::Node, None);
    }
    for (i, n) in t.routers.keys().enumerate() {
        push(&mut l, 'r', i, n, SpaceKind::Router, None);
    }
    for (i, n) in t.hosts.keys().enumerate() {
        push(&mut l, 'h', i, n, SpaceKind::Host, None);
    }
    for (i, s) in lan_sites.iter().enumerate() {
        let mtu = t.sites.get(*s).map(|x| x.mtu());
        push(&mut l, 's', i, s, SpaceKind::Switch, mtu);
    }
    let site_idx = |s: &str| lan_sites.iter().position(|x| x.as_str() == s);
    let tag_of = |l: &Layout, dev: usize| l.spaces[dev].ns.trim_start_matches(prefix.as_str()).to_string();

    // L2 domains: site networks joined by site-to-site links.
    let mut domain: Vec<usize> = (0..lan_sites.len()).collect();
    fn find(d: &mut [usize], x: usize) -> usize {
        let mut r = x;
        while d[r] != r {
            r = d[r];
        }
        d[x] = r;
        r
    }
    for link in &t.links {
        let (a, b) = (&link.between[0], &link.between[1]);
        if let (Some(Kind::Site), Some(Kind::Site), Some(x), Some(y)) =
            (t.kind_of(a), t.kind_of(b), site_idx(a), site_idx(b))
        {
            let (rx, ry) = (find(&mut domain, x), find(&mut domain, y));
            domain[rx.max(ry)] = rx.min(ry);
        }
    }
    let mut domain_ids: BTreeMap<usize, usize> = BTreeMap::new();
    let mut dom_of_site: Vec<usize> = Vec::new();
    for s in 0..lan_sites.len() {
        let r = find(&mut domain, s);
        let next = domain_ids.len() + 1;
        dom_of_site.push(*domain_ids.entry(r).or_insert(next));
    }
    let mut next_in_domain: BTreeMap<usize, usize> = BTreeMap::new();

    // The topology's own addresses: on the home site's network, else on lo.
    let own: BTreeMap<String, Vec<IpAddr>> = t
        .nodes
        .iter()
        .map(|(n, d)| (n.clone(), d.address.0.clone()))
        .chain(t.routers.iter().map(|(n, r)| (n.clone(), r.address.0.clone())))
        .collect();
    let home = |dev: &str| -> Option<String> { t.site_of(dev).filter(|s| site_idx(s).is_some()).map(str::to_string) };
    // Prefix length per (site, family), covering the site's devices.
    let mut site_len: BTreeMap<(String, bool), u8> = BTreeMap::new();
    for s in &lan_sites {
        for v4 in [true, false] {
            let addrs: Vec<IpAddr> = own
                .iter()
                .filter(|(d, _)| home(d).as_deref() == Some(s.as_str()))
                .flat_map(|(_, a)| a.iter().copied())
                .filter(|a| a.is_ipv4() == v4)
                .collect();
            let cap = if v4 { 24 } else { 64 };
            if let Some(len) = common_len(&addrs) {
                site_len.insert(((*s).clone(), v4), len.min(cap));
            }
        }
    }

    // Attachments to site networks and links.
    let mut attachments: Vec<Attachment> = Vec::new();
    let mut attach = |l: &mut Layout,
                      attachments: &mut Vec<Attachment>,
                      dev_name: &str,
                      site: &str,
                      ifname: String,
                      mtu: u32,
                      what: String|
     -> Result<(), String> {
        let (Some(dev), Some(si)) = (l.device(dev_name), site_idx(site)) else { return Ok(()) };
        let Some(sw) = l.space_of(site, SpaceKind::Switch) else { return Ok(()) };
        let d = dom_of_site[si];
        let j = {
            let e = next_in_domain.entry(d).or_insert(0);
            *e += 1;
            *e
        };
        let mut lab = Vec::new();
        for &f in &families {
            let net = domain_net(d, f, j)
                .ok_or_else(|| format!("too many attachments to the networks of site `{site}` for the lab's /24"))?;
            l.addrs.push(Addr { space: dev, dev: ifname.clone(), net });
            lab.push(net);
        }
        let port = if ifname.starts_with('s') { tag_of(l, dev) } else { ifname.clone() };
        l.veths.push(Veth { a: (dev, ifname.clone()), b: (sw, port), mtu, what });
        attachments.push(Attachment { device: dev_name.to_string(), site: site.to_string(), lab });
        Ok(())
    };
    let devices: Vec<String> = t.nodes.keys().chain(t.routers.keys()).chain(t.hosts.keys()).cloned().collect();
    for d in &devices {
        if let Some(s) = home(d) {
            let (Some(si), Some(site)) = (site_idx(&s), t.sites.get(&s)) else { continue };
            attach(
                &mut l,
                &mut attachments,
                d,
                &s,
                format!("s{}", si + 1),
                site.mtu(),
                format!("{d} on site {s}'s network ({} bytes)", site.mtu()),
            )?;
        }
    }
    let mut kinds_seen: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for (i, link) in t.links.iter().enumerate() {
        let (a, b) = (&link.between[0], &link.between[1]);
        let (Some(ka), Some(kb)) = (t.kind_of(a), t.kind_of(b)) else { continue };
        if a == b {
            continue;
        }
        let mtu = link.mtu();
        let ifname = format!("l{i}");
        let what = format!("links[{i}] {a} ↔ {b} ({}, {mtu} bytes)", link.kind.as_str());
        kinds_seen.entry(link.kind.as_str()).or_default().push(format!("links[{i}]"));
        match (ka == Kind::Site, kb == Kind::Site) {
            (false, false) => {
                let (Some(da), Some(db)) = (l.device(a), l.device(b)) else { continue };
                for &f in &families {
                    for (end, dev) in [(0, da), (1, db)] {
                        let net = link_net(i, f, end).ok_or("too many links for the lab's link range")?;
                        l.addrs.push(Addr { space: dev, dev: ifname.clone(), net });
                    }
                }
                l.veths.push(Veth { a: (da, ifname.clone()), b: (db, ifname), mtu, what });
            }
            (false, true) => attach(&mut l, &mut attachments, a, b, ifname, mtu, what)?,
            (true, false) => attach(&mut l, &mut attachments, b, a, ifname, mtu, what)?,
            (true, true) => {
                let (Some(sa), Some(sb)) = (l.space_of(a, SpaceKind::Switch), l.space_of(b, SpaceKind::Switch)) else {
                    continue;
                };
                l.veths.push(Veth { a: (sa, ifname.clone()), b: (sb, ifname), mtu, what });
            }
        }
    }
    for (kind, links) in &kinds_seen {
        let how = match *kind {
            "lan" | "vpc" => "a veth pair",
            "internet" => "a veth pair (no public Internet in the lab)",
            _ => "a plain veth pair: this kernel has no GRE, IPIP or WireGuard devices and the lab needs no ZeroTier; only the link's MTU is emulated",
        };
        l.notes.push(format!("{kind} links ({}) are emulated as {how}, at the link's MTU", links.join(", ")));
    }

    // Own addresses.
    for (d, addrs) in &own {
        let Some(sp) = l.device(d) else { continue };
        for a in addrs {
            let (dev, len) = match home(d).and_then(|s| site_len.get(&(s.clone(), a.is_ipv4())).map(|len| (s, *len))) {
                Some((s, len)) => (format!("s{}", site_idx(&s).map(|i| i + 1).unwrap_or(0)), len),
                None => ("lo".to_string(), if a.is_ipv4() { 32 } else { 128 }),
            };
            let net = IpNet::new(*a, len).map_err(|e| format!("{d}: {a}/{len}: {e}"))?;
            l.addrs.push(Addr { space: sp, dev, net });
        }
    }

    // Pods.
    for (i, (node, np)) in plan.nodes.iter().enumerate() {
        let Some(ns) = l.device(node) else { continue };
        let sp = push(&mut l, 'p', i, node, SpaceKind::Pod, None);
        let addrs: Vec<IpAddr> = np.pod_ranges.iter().map(first_host).collect();
        l.veths.push(Veth {
            a: (ns, "pod0".into()),
            b: (sp, "eth0".into()),
            mtu: plan.pod_mtu,
            what: format!("pod of {node} ({} bytes, the pod MTU)", plan.pod_mtu),
        });
        for a in &addrs {
            let host = IpNet::new(*a, if a.is_ipv4() { 32 } else { 128 }).map_err(|e| e.to_string())?;
            l.addrs.push(Addr { space: sp, dev: "eth0".into(), net: host });
            l.routes.push(Route { space: ns, dst: host, via: None, dev: "pod0".into(), src: None });
            if a.is_ipv4() {
                l.routes.push(Route {
                    space: sp,
                    dst: "0.0.0.0/0".parse().map_err(|_| "0/0")?,
                    via: None,
                    dev: "eth0".into(),
                    src: None,
                });
            } else {
                l.addrs.push(Addr { space: ns, dev: "pod0".into(), net: "fe80::1/64".parse().map_err(|_| "fe80::1")? });
                l.routes.push(Route {
                    space: sp,
                    dst: "::/0".parse().map_err(|_| "::/0")?,
                    via: Some("fe80::1".parse().map_err(|_| "fe80::1")?),
                    dev: "eth0".into(),
                    src: None,
                });
            }
        }
        l.pods.push(Pod { node: node.clone(), space: sp, node_space: ns, addrs });
    }

    // Routes the CNI installs itself, without BGP (Cilium's auto-direct-node-routes,
    // flannel host-gw): the plan's `direct` routes, via the origin node's address.
    for node in plan.nodes.keys() {
        let Some(ns) = l.device(node) else { continue };
        let Some(si) = home(node).and_then(|s| site_idx(&s)) else { continue };
        for learned in plan.reach(node).learned.iter().filter(|x| x.session.is_none()) {
            let fam = Family::of_net(&learned.prefix);
            let origin = plan.routing.prefixes.iter().find(|p| p.net == learned.prefix).map(|p| p.origin.clone());
            let via = origin.and_then(|o| own.get(&o)).and_then(|a| a.iter().copied().find(|x| Family::of(x) == fam));
            if let Some(via) = via {
                l.routes.push(Route {
                    space: ns,
                    dst: learned.prefix,
                    via: Some(via),
                    dev: format!("s{}", si + 1),
                    src: None,
                });
            }
        }
    }

    // Who owns which address.
    for a in &l.addrs {
        if !a.net.addr().is_loopback() && !matches!(a.net.addr(), IpAddr::V6(v) if (v.segments()[0] & 0xffc0) == 0xfe80)
        {
            l.owner.insert(a.net.addr(), a.space);
        }
    }

    // Static underlay routes to every node and router address.
    let connected = |l: &Layout, sp: usize, a: &IpAddr| {
        l.addrs.iter().any(|x| x.space == sp && x.net.prefix_len() < x.net.max_prefix_len() && x.net.contains(a))
    };
    for d in &devices {
        let (Some(dsp), Some(dv)) = (l.device(d), u.device(d)) else { continue };
        let tree = u.tree(dv);
        for (target, addrs) in &own {
            if target == d {
                continue;
            }
            let Some(tv) = u.device(target) else { continue };
            let Some(steps) = tree.path(tv) else { continue };
            let Some(first) = steps.get(1) else { continue };
            for a in addrs {
                if connected(&l, dsp, a) {
                    continue;
                }
                let fam = Family::of(a);
                // The first device after the source, and the network just before it.
                let mut last_net: Option<String> = None;
                let mut next_dev: Option<(usize, Option<usize>)> = None; // (step index, link index)
                for (k, st) in steps.iter().enumerate().skip(1) {
                    let v = u.vertex(st.vertex);
                    if v.is_network() {
                        last_net = Some(v.name.clone());
                        continue;
                    }
                    next_dev = Some((k, st.edge.and_then(|e| u.edge(e).link)));
                    break;
                }
                let Some((k, link_in)) = next_dev else { continue };
                let x = &u.vertex(steps[k].vertex).name;
                let first_edge = first.edge.map(|e| *u.edge(e));
                let dev = match first_edge.and_then(|e| e.link) {
                    Some(i) => format!("l{i}"),
                    None => match u
                        .vertex(first.vertex)
                        .is_network()
                        .then(|| site_idx(&u.vertex(first.vertex).name))
                        .flatten()
                    {
                        Some(si) => format!("s{}", si + 1),
                        None => continue,
                    },
                };
                let via = match &last_net {
                    // Over site networks: the next device's lab address on the last one.
                    Some(net) => attachments
                        .iter()
                        .find(|at| &at.device == x && &at.site == net)
                        .and_then(|at| at.lab.iter().find(|n| Family::of_net(n) == fam))
                        .map(IpNet::addr),
                    // Over a link: the far end's link address.
                    None => link_in.and_then(|i| {
                        let end = if t.links.get(i).is_some_and(|lk| &lk.between[0] == x) { 0 } else { 1 };
                        link_net(i, fam, end).map(|n| n.addr())
                    }),
                };
                let Some(via) = via else { continue };
                let dst = IpNet::new(*a, if a.is_ipv4() { 32 } else { 128 }).map_err(|e| e.to_string())?;
                let src = own.get(d).and_then(|mine| mine.iter().copied().find(|x| Family::of(x) == fam));
                l.routes.push(Route { space: dsp, dst, via: Some(via), dev, src });
            }
        }
    }
    Ok(l)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn calico() -> (Topology, Plan) {
        let src = include_str!("../../../../examples/calico-wds-hkg.yaml");
        let t = meshplan_core::parse(src).topology.unwrap_or_else(|| panic!("example does not parse"));
        let p = meshplan_core::plan::build(&t);
        (t, p)
    }

    #[test]
    fn names_are_short_and_mapped() {
        let (t, p) = calico();
        let l = build(&t, &p).unwrap_or_else(|e| panic!("{e}"));
        // Names carry the lab's prefix (`mpl-`, or another lab's under `MESHPLAN_LAB_ID`).
        let prefix = prefix();
        let ns: Vec<String> =
            l.spaces.iter().map(|s| format!("{}={}", s.ns.replacen(prefix.as_str(), "mpl-", 1), s.name)).collect();
        assert!(l.spaces.iter().all(|s| s.ns.starts_with(prefix.as_str())));
        assert_eq!(
            ns,
            [
                "mpl-n1=kubemaster",
                "mpl-n2=kubenode-hkg04",
                "mpl-n3=kubenode-wds-1",
                "mpl-r1=cn-ns",
                "mpl-r2=gateway",
                "mpl-r3=global-ns",
                "mpl-h1=hfe-nas",
                "mpl-h2=hkg02",
                "mpl-h3=ngb",
                "mpl-h4=tyo",
                "mpl-s1=WDS",
                "mpl-s2=zt-domestic",
                "mpl-s3=zt-global",
                "mpl-p1=kubemaster",
                "mpl-p2=kubenode-hkg04",
                "mpl-p3=kubenode-wds-1"
            ]
        );
        assert!(l.veths.iter().all(|v| v.a.1.len() <= 15 && v.b.1.len() <= 15));
    }

    #[test]
    fn addresses_and_underlay_routes() {
        let (t, p) = calico();
        let l = build(&t, &p).unwrap_or_else(|e| panic!("{e}"));
        let show = |sp: usize| -> Vec<String> {
            l.addrs.iter().filter(|a| a.space == sp).map(|a| format!("{} {}", a.dev, a.net)).collect()
        };
        let gw = l.device("gateway").unwrap_or(usize::MAX);
        assert_eq!(show(gw), ["s1 198.18.1.3/24", "l0 198.18.2.3/24", "s1 192.168.100.1/24"]);
        let cn = l.device("cn-ns").unwrap_or(usize::MAX);
        assert_eq!(show(cn), ["l1 198.18.2.4/24", "l2 198.19.0.9/30", "lo 100.64.0.108/32"]);
        let routes: Vec<String> = l
            .routes
            .iter()
            .filter(|r| r.space == gw)
            .map(|r| format!("{} via {:?} dev {}", r.dst, r.via, r.dev))
            .collect();
        assert_eq!(
            routes,
            [
                "100.64.0.108/32 via Some(198.18.2.4) dev l0",
                "100.64.1.106/32 via Some(198.18.2.4) dev l0",
                "10.2.5.7/32 via Some(198.18.2.4) dev l0"
            ]
        );
        let hk = l.device("kubenode-hkg04").unwrap_or(usize::MAX);
        let routes: Vec<String> = l
            .routes
            .iter()
            .filter(|r| r.space == hk)
            .map(|r| format!("{} via {:?} dev {}", r.dst, r.via, r.dev))
            .collect();
        assert!(routes.contains(&"192.168.100.251/32 via Some(198.18.3.4) dev s3".to_string()), "{routes:?}");
        assert_eq!(
            l.pod("kubemaster").map(|p| p.addrs.clone()),
            Some(vec!["10.42.0.1".parse().unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))])
        );
    }
}
