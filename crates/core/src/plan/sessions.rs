//! BGP speakers and the sessions between them: Calico's node mesh, nodes to the
//! routers that serve their site (route-reflector clients over iBGP, plain
//! neighbours over eBGP), and the router backbone.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{IpAddr, Ipv4Addr};

use super::types::{Family, RouterPlan, Session, SessionKind, SessionRole, Speaker, Speakers};
use crate::model::{Cni, Kind, MetallbMode, Topology};
use crate::underlay::Underlay;

/// The AS a node speaks with when the file gives none (an error is reported).
const FALLBACK_ASN: u32 = 64512;

/// Do the nodes run a BGP speaker at all? Calico always; Cilium and MetalLB in BGP
/// mode when a router serves a site to peer with.
pub fn nodes_speak_bgp(t: &Topology) -> bool {
    let served = t.routers.values().any(|r| r.daemon.speaks_bgp() && !r.serves.is_empty());
    match t.cluster.cni {
        Cni::Calico => true,
        Cni::Cilium => served,
        _ => served && t.cluster.metallb.as_ref().is_some_and(|m| m.mode == MetallbMode::Bgp),
    }
}

/// Do the nodes announce their pod ranges over BGP (not only LB addresses)?
pub fn nodes_announce_pods(t: &Topology) -> bool {
    matches!(t.cluster.cni, Cni::Calico | Cni::Cilium) && nodes_speak_bgp(t)
}

pub fn speakers(t: &Topology) -> Speakers {
    let mut list = Vec::new();
    if nodes_speak_bgp(t) {
        for (name, n) in &t.nodes {
            let fallback = Ipv4Addr::from(u32::try_from(list.len() + 1).unwrap_or(1));
            list.push(Speaker {
                name: name.clone(),
                kind: Kind::Node,
                asn: t.cluster.asn.unwrap_or(FALLBACK_ASN),
                router_id: n.address.v4().unwrap_or(fallback),
                addresses: n.address.0.clone(),
                cluster_id: None,
                daemon: None,
            });
        }
    }
    let client_sites: BTreeSet<&str> = crate::sort::set(t.nodes.values().map(|n| n.site.as_str()));
    for (name, r) in &t.routers {
        if !r.daemon.speaks_bgp() {
            continue;
        }
        let asn = t.router_asn(r).unwrap_or(FALLBACK_ASN);
        let router_id = r.router_id().unwrap_or(Ipv4Addr::UNSPECIFIED);
        // A router reflects when it has iBGP clients: nodes of a site it serves.
        let reflects = nodes_speak_bgp(t)
            && asn == t.cluster.asn.unwrap_or(FALLBACK_ASN)
            && r.serves.iter().any(|s| client_sites.contains(s.as_str()));
        list.push(Speaker {
            name: name.clone(),
            kind: Kind::Router,
            asn,
            router_id,
            addresses: r.address.0.clone(),
            cluster_id: reflects.then_some(router_id),
            daemon: Some(r.daemon),
        });
    }
    let index = crate::sort::map(list.iter().enumerate().map(|(i, s)| (s.name.clone(), i)));
    Speakers { list, index }
}

pub fn router_plans(t: &Topology, speakers: &Speakers) -> BTreeMap<String, RouterPlan> {
    crate::sort::map(t.routers.iter().map(|(name, r)| {
        let sp = speakers.get(name).map(|i| &speakers.list[i]);
        (
            name.clone(),
            RouterPlan {
                site: r.site.clone(),
                daemon: r.daemon,
                platform: r.platform,
                machine: r.machine(name).to_string(),
                netns: r.netns.clone(),
                asn: t.router_asn(r),
                router_id: r.router_id(),
                addresses: r.address.0.clone(),
                serves: r.serves.clone(),
                cluster_id: sp.and_then(|s| s.cluster_id),
            },
        )
    }))
}

/// What adding sessions needs, computed once: the cluster's families and each
/// speaker's home network (see [`home_networks`]).
struct Ctx {
    families: Vec<Family>,
    home: Vec<Option<usize>>,
}

pub fn resolve(t: &Topology, underlay: &Underlay, sp: &Speakers) -> Vec<Session> {
    let families: BTreeSet<Family> = crate::sort::set(t.cluster.pod_cidr.iter().map(Family::of_net));
    let ctx = Ctx { families: families.into_iter().collect(), home: home_networks(t, underlay, sp) };
    let mut out = Vec::new();
    let nodes: Vec<usize> = sp.list.iter().enumerate().filter(|(_, s)| s.kind == Kind::Node).map(|(i, _)| i).collect();

    // Calico's node-to-node mesh.
    if t.cluster.cni == Cni::Calico && t.cluster.calico().node_mesh {
        for (k, &a) in nodes.iter().enumerate() {
            for &b in &nodes[k + 1..] {
                add(&mut out, &ctx, sp, a, b, SessionRole::Mesh);
            }
        }
    }
    // Nodes to the routers that serve their site.
    if !nodes.is_empty() {
        for (rname, r) in &t.routers {
            let Some(ri) = sp.get(rname) else { continue };
            for site in &r.serves {
                for (nname, n) in &t.nodes {
                    if &n.site != site {
                        continue;
                    }
                    let Some(ni) = sp.get(nname) else { continue };
                    let role =
                        if sp.list[ri].asn == sp.list[ni].asn { SessionRole::RrClient } else { SessionRole::Ebgp };
                    add(&mut out, &ctx, sp, ni, ri, role);
                }
            }
        }
    }
    // The router backbone: as written, or a full mesh among BGP routers.
    let routers: Vec<usize> =
        sp.list.iter().enumerate().filter(|(_, s)| s.kind == Kind::Router).map(|(i, _)| i).collect();
    let pairs: Vec<(usize, usize)> = match &t.bgp.backbone {
        Some(list) => list.iter().filter_map(|[a, b]| Some((sp.get(a)?, sp.get(b)?))).filter(|(a, b)| a != b).collect(),
        None => routers.iter().enumerate().flat_map(|(k, &a)| routers[k + 1..].iter().map(move |&b| (a, b))).collect(),
    };
    let mut seen = BTreeSet::new();
    for (a, b) in pairs {
        if sp.list[a].kind != Kind::Router || sp.list[b].kind != Kind::Router || !seen.insert((a.min(b), a.max(b))) {
            continue;
        }
        add(&mut out, &ctx, sp, a, b, SessionRole::Backbone);
    }
    out
}

/// Adds the session between speakers `a` and `b`, once per address family both have.
fn add(out: &mut Vec<Session>, ctx: &Ctx, sp: &Speakers, a: usize, b: usize, role: SessionRole) {
    let (sa, sb) = (&sp.list[a], &sp.list[b]);
    let kind = if sa.asn == sb.asn { SessionKind::Ibgp } else { SessionKind::Ebgp };
    let role = if kind == SessionKind::Ebgp && role == SessionRole::RrClient { SessionRole::Ebgp } else { role };
    // A daemon peers single-hop only with an address on a network it is directly
    // connected to (BIRD's `direct`, FRR's eBGP default TTL 1): anything else,
    // a link between two routers included, needs `multihop`.
    let multihop = !connected(&ctx.home, a, b);
    // Only families the cluster carries.
    for &fam in &ctx.families {
        let pick = |addrs: &[IpAddr]| addrs.iter().copied().find(|x| Family::of(x) == fam);
        let (Some(aa), Some(ba)) = (pick(&sa.addresses), pick(&sb.addresses)) else { continue };
        let (next_hop_self, next_hop_reason) = next_hop(kind, role, sa, sb);
        out.push(Session {
            a: sa.name.clone(),
            b: sb.name.clone(),
            family: fam,
            a_address: aa,
            b_address: ba,
            a_asn: sa.asn,
            b_asn: sb.asn,
            kind,
            role,
            multihop,
            next_hop_self,
            next_hop_reason,
            sa: a,
            sb: b,
        });
    }
}

/// Where the next hop is rewritten, and why.
fn next_hop(kind: SessionKind, role: SessionRole, a: &Speaker, b: &Speaker) -> (Vec<String>, Option<&'static str>) {
    match (kind, role) {
        (SessionKind::Ebgp, _) => {
            (vec![a.name.clone(), b.name.clone()], Some("eBGP: each side announces itself as next hop"))
        }
        (SessionKind::Ibgp, SessionRole::Backbone) => (
            vec![a.name.clone(), b.name.clone()],
            Some(
                "backbone routers announce themselves as next hop, so a pod route resolves to a router \
                 the underlay knows rather than to a node address behind another router",
            ),
        ),
        (SessionKind::Ibgp, SessionRole::RrClient) => (
            Vec::new(),
            Some("reflected routes keep the originating node as next hop, so nodes of one site talk directly"),
        ),
        _ => (Vec::new(), None),
    }
}

/// Per speaker: the underlay vertex of the site network its own addresses sit
/// on (its `site`, when that site is one L2 network), else `None`.
///
/// A speaker's address is on one network only: its home site's. A link between
/// two devices, or from a device to another site, gives no shared subnet for
/// those addresses (the format carries no addresses for links: a tunnel or a
/// circuit has its own), so two devices are *directly connected*, for BGP's
/// purposes (single-hop eBGP, a next hop that resolves without recursion, the
/// IGP metric 0 of a connected route), exactly when they share a home network.
pub fn home_networks(t: &Topology, u: &Underlay, sp: &Speakers) -> Vec<Option<usize>> {
    sp.list
        .iter()
        .map(|s| {
            let site = t.site_of(&s.name)?;
            t.sites.get(site).filter(|x| x.lan)?;
            u.net(site).map(|v| v.index())
        })
        .collect()
}

/// Speakers `a` and `b` sit on one network (see [`home_networks`]).
pub fn connected(home: &[Option<usize>], a: usize, b: usize) -> bool {
    matches!((home.get(a), home.get(b)), (Some(Some(x)), Some(Some(y))) if x == y)
}

/// Two devices share a network when both attach to one site network or a link joins them.
pub fn share_network(u: &Underlay, a: &str, b: &str) -> bool {
    let (Some(ia), Some(ib)) = (u.device(a), u.device(b)) else {
        return false;
    };
    let na: BTreeSet<_> = crate::sort::set(u.graph.neighbors(ia));
    if na.contains(&ib) {
        return true;
    }
    u.graph.neighbors(ib).any(|n| u.vertex(n).is_network() && na.contains(&n))
}
