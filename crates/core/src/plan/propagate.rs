//! Route propagation: who learns which pod prefix from whom, simulated to a
//! fixpoint with the rules real routers apply.
//!
//! - iBGP split horizon: a route learned over iBGP goes on over iBGP only from a
//!   route reflector; client routes go to everyone, non-client routes to clients
//!   (RFC 4456). Reflection sets ORIGINATOR_ID and prepends the CLUSTER_ID; a route
//!   carrying the receiver's own id in either is dropped.
//! - eBGP prepends the sender's AS and sets the next hop to the sender; a route
//!   whose AS_PATH holds the receiver's AS is dropped (RFC 4271 loop prevention).
//! - Nodes are leaves: they announce their own prefixes and never pass on learned
//!   routes (Calico and Cilium export only local pod ranges).
//!
//! Scale: nodes with the same sessions (same routers, same roles, same AS, same
//! mesh) propagate alike, so one prefix per such class is simulated and the result
//! is shared by its members (see `Routing::route`). That keeps a 2,000-node design
//! with two reflectors per site at one simulation per site, not per node.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use super::addressing::Addressing;
use super::sessions::{connected, home_networks, nodes_announce_pods, share_network};
use super::types::*;
use crate::diag::{Code, Diagnostic};
use crate::model::{Cni, FlannelBackend, KiloGranularity, Kind, Topology};
use crate::underlay::Underlay;

/// A short list kept inline, so routes are `Copy` and a message allocates nothing.
/// Paths longer than `CAP` keep their first entries and their true length; no
/// design meshplan draws comes near it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Short<T: Copy + Default, const CAP: usize> {
    items: [T; CAP],
    len: usize,
}

impl<T: Copy + Default + PartialEq, const CAP: usize> Short<T, CAP> {
    fn new() -> Self {
        Short { items: [T::default(); CAP], len: 0 }
    }
    /// `first` followed by `rest`.
    fn prepend(first: T, rest: &Self) -> Self {
        let mut out = Self::new();
        out.items[0] = first;
        let keep = rest.len.min(CAP - 1);
        out.items[1..=keep].copy_from_slice(&rest.items[..keep]);
        out.len = rest.len + 1;
        out
    }
    fn contains(&self, x: &T) -> bool {
        self.items[..self.len.min(CAP)].contains(x)
    }
    fn len(&self) -> usize {
        self.len
    }
}

type AsPath = Short<u32, 8>;
type ClusterList = Short<u32, 8>;

/// What makes nodes propagate alike: family, site, non-mesh peers with roles, mesh.
type ClassKey<'a> = (Family, &'a str, Vec<(usize, SessionRole)>, bool);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Route {
    peer: Ref,
    session: usize,
    next_hop: Ref,
    as_path: AsPath,
    cluster_list: ClusterList,
    originator: Option<Ref>,
    ebgp: bool,
    from_client: bool,
    local: bool,
    /// The receiver's IGP metric to the next hop, as its daemon ranks it (see `igp_rank`).
    igp: u8,
    /// The peer's address on the session it came over (the last tie-break).
    peer_address: Option<std::net::IpAddr>,
}

/// What every simulation reads besides the sessions.
struct Env<'a> {
    t: &'a Topology,
    sp: &'a Speakers,
    sessions: &'a [Session],
    /// Home network per speaker (`sessions::home_networks`).
    home: Vec<Option<usize>>,
}

pub fn run(
    t: &Topology,
    underlay: &Underlay,
    sp: &Speakers,
    sessions: &[Session],
    addressing: &Addressing,
    diags: &mut Vec<Diagnostic>,
) -> Routing {
    run_without(t, underlay, sp, sessions, &[], addressing, diags)
}

/// [`run`] with the sessions marked in `down` gone (a single failure's plan):
/// the others keep their indices, so nothing is copied per failure (cloning the
/// survivors was a quarter of all failures' time at 600 nodes).
pub fn run_without(
    t: &Topology,
    underlay: &Underlay,
    sp: &Speakers,
    sessions: &[Session],
    down: &[bool],
    addressing: &Addressing,
    diags: &mut Vec<Diagnostic>,
) -> Routing {
    let up = |i: usize| !down.get(i).copied().unwrap_or(false);
    let node_names: Vec<&String> = t.nodes.keys().collect();
    let announce = nodes_announce_pods(t);

    // Prefixes: one per node and family.
    let mut prefixes = Vec::new();
    let mut class_keys: BTreeMap<ClassKey, usize> = BTreeMap::new();
    let mut classes: Vec<(Family, usize)> = Vec::new();
    let peers_of = peer_keys(sp, sessions, &up);
    for (i, name) in node_names.iter().enumerate() {
        let Some(np) = addressing.nodes.get(*name) else { continue };
        for net in &np.pod_ranges {
            let fam = Family::of_net(net);
            let class = if announce {
                // Same site too: loop detection and direct routes depend on it.
                let key = (fam, np.site.as_str(), peers_of.get(&(i, fam)).cloned().unwrap_or_default(), is_mesh(t));
                *class_keys.entry(key).or_insert_with(|| {
                    classes.push((fam, i));
                    classes.len() - 1
                })
            } else {
                usize::MAX
            };
            prefixes.push(PodPrefix { net: *net, origin: (*name).clone(), origin_idx: i, class });
        }
    }

    let mut loops: BTreeSet<(u32, String, String)> = BTreeSet::new();
    let adj: BTreeMap<Family, Adjacency> =
        crate::sort::map([Family::Ipv4, Family::Ipv6].into_iter().map(|f| (f, Adjacency::new(sp, sessions, f, &up))));
    let mut scratch = Scratch::new(sp.list.len());
    let env = Env { t, sp, sessions, home: home_networks(t, underlay, sp) };
    let mut run_in = |c: usize, order: Order| -> (ClassRoutes, bool) {
        match classes.get(c).and_then(|&(fam, rep)| Some((adj.get(&fam)?, rep))) {
            Some((a, rep)) => simulate(&env, a, rep, &mut loops, &mut scratch, order),
            None => (ClassRoutes::default(), false),
        }
    };
    let first: Vec<(ClassRoutes, bool)> = (0..classes.len()).map(|c| run_in(c, Order::AsWritten)).collect();
    // The same sessions coming up in the other order, where a speaker chose by
    // IGP metric: where a class settles otherwise, which way the network goes
    // is a matter of timing (W103).
    let otherwise: Vec<Option<ClassRoutes>> = first
        .iter()
        .enumerate()
        .map(|(c, (routes, by_igp))| {
            let (alt, _) = by_igp.then(|| run_in(c, Order::Reversed))?;
            (!alt.installs_as(routes, sp.list.len())).then_some(alt)
        })
        .collect();
    let results: Vec<ClassRoutes> = first.into_iter().map(|(r, _)| r).collect();
    for (c, alt) in otherwise.iter().enumerate() {
        if let (Some(alt), Some(first), Some(&(fam, rep))) = (alt, results.get(c), classes.get(c)) {
            diags.push(timing_diag(t, sp, fam, rep, first, alt));
        }
    }
    for (asn, from, to) in loops {
        diags.push(
            Diagnostic::new(
                Code::W073,
                format!("sites.{to}"),
                format!("routes from site `{from}` carry AS {asn} and are dropped by AS {asn} in site `{to}` (eBGP loop prevention)"),
            )
            .hint("give each site its own AS, or allow the own AS in on those sessions (BIRD `allow local as`, FRR `allowas-in`)"),
        );
    }

    Routing {
        prefixes,
        classes: results,
        otherwise,
        direct_group: direct_groups(t, underlay),
        routed: pods_routed_anywhere(t),
    }
}

/// The order in which a speaker offers its route to its peers, which decides
/// which of two advertisements a peer hears first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Order {
    AsWritten,
    Reversed,
}

/// W103: a class of pod prefixes settles in one of two ways. The usual cause:
/// two reflectors of a node each prefer the other's copy of its route, whose next
/// hop (the other reflector, next hop self) is on their own network while the
/// node's is not (BIRD ranks a connected next hop first); whichever reflector
/// hears the node first keeps the node's route, and the other takes its copy.
fn timing_diag(t: &Topology, sp: &Speakers, fam: Family, rep: usize, a: &ClassRoutes, b: &ClassRoutes) -> Diagnostic {
    let n = sp.list.len();
    let name = |r: Ref| match r {
        Ref::Origin => sp.list[rep].name.clone(),
        Ref::Speaker(i) => sp.list[i].name.clone(),
    };
    let hops = |c: &ClassRoutes, i: usize| -> String {
        let v = c.next_hops_of(i);
        if v.is_empty() {
            "no route".to_string()
        } else {
            format!("via {}", v.into_iter().map(name).collect::<Vec<_>>().join(" + "))
        }
    };
    let mut differ: Vec<usize> = (0..n).filter(|&i| i != rep && a.next_hops_of(i) != b.next_hops_of(i)).collect();
    // Where the two answers come from first: the speakers that take the
    // node's own route in one of them (the two reflectors), then routers.
    let own = |i: usize| a.next_hops_of(i).contains(&Ref::Origin) || b.next_hops_of(i).contains(&Ref::Origin);
    crate::sort::sort_by_key(&mut differ, |&i| (!own(i), sp.list[i].kind != Kind::Router));
    let shown: Vec<String> =
        differ.iter().take(4).map(|&i| format!("`{}` {} or {}", sp.list[i].name, hops(a, i), hops(b, i))).collect();
    let more = if differ.len() > 4 { format!(" and {} more", differ.len() - 4) } else { String::new() };
    let site = site_of(t, sp, rep);
    let path = differ
        .iter()
        .find(|&&i| sp.list[i].kind == Kind::Router)
        .map_or_else(|| format!("nodes.{}", sp.list[rep].name), |&i| format!("routers.{}", sp.list[i].name));
    Diagnostic::new(
        Code::W103,
        path,
        format!(
            "routes to the pods of `{}` ({}, and the nodes of site `{site}` that peer alike) settle in one of two ways, \
             depending on which BGP session comes up first: {}{more}",
            sp.list[rep].name,
            if fam == Family::Ipv4 { "IPv4" } else { "IPv6" },
            shown.join(", "),
        ),
    )
    .hint(
        "two routers each prefer the other's copy of a route (its next hop is on their own network, the node's is not); \
         have the node's site served by routers on its own network, or by one router, so that one answer holds",
    )
}

fn is_mesh(t: &Topology) -> bool {
    t.cluster.cni == Cni::Calico && t.cluster.calico().node_mesh
}

/// Per (node, family): the non-mesh sessions of a node as (peer, role), sorted.
fn peer_keys(
    sp: &Speakers,
    sessions: &[Session],
    up: &dyn Fn(usize) -> bool,
) -> BTreeMap<(usize, Family), Vec<(usize, SessionRole)>> {
    let mut out: BTreeMap<(usize, Family), Vec<(usize, SessionRole)>> = BTreeMap::new();
    for (i, s) in sessions.iter().enumerate() {
        if s.role == SessionRole::Mesh || !up(i) {
            continue;
        }
        for (me, other) in [(s.sa, s.sb), (s.sb, s.sa)] {
            if sp.list[me].kind == Kind::Node {
                out.entry((me, s.family)).or_default().push((other, s.role));
            }
        }
    }
    for v in out.values_mut() {
        crate::sort::sort(v);
    }
    out
}

/// Sessions of one family per speaker, split by what may travel over them, so a
/// reflector passing on a non-client route visits only its clients.
struct Adjacency {
    /// (session, peer) where the speaker is the reflector and the peer its client.
    clients: Vec<Vec<(usize, usize)>>,
    /// Other iBGP sessions.
    ibgp: Vec<Vec<(usize, usize)>>,
    ebgp: Vec<Vec<(usize, usize)>>,
}

impl Adjacency {
    fn new(sp: &Speakers, sessions: &[Session], fam: Family, up: &dyn Fn(usize) -> bool) -> Adjacency {
        let n = sp.list.len();
        let mut a = Adjacency { clients: vec![Vec::new(); n], ibgp: vec![Vec::new(); n], ebgp: vec![Vec::new(); n] };
        for (i, s) in sessions.iter().enumerate().filter(|&(i, s)| s.family == fam && up(i)) {
            for (me, peer) in [(s.sa, s.sb), (s.sb, s.sa)] {
                let list = if s.kind == SessionKind::Ebgp {
                    &mut a.ebgp
                } else if s.role == SessionRole::RrClient && me == s.sb {
                    &mut a.clients
                } else {
                    &mut a.ibgp
                };
                list[me].push((i, peer));
            }
        }
        a
    }
}

/// The per-speaker state of one simulation, kept between classes so that a
/// large design does not allocate it anew for every class (it is most of the
/// plan's allocations otherwise).
struct Scratch {
    /// Whether a speaker last offered its route to iBGP non-clients (to withdraw it later).
    offered_widely: Vec<bool>,
    rib_in: Vec<Vec<(usize, Route)>>,
    best: Vec<Option<Route>>,
    queued: Vec<bool>,
    /// The peers a speaker offers its route to, in the run's order.
    peers: Vec<(usize, usize)>,
}

impl Scratch {
    fn new(n: usize) -> Scratch {
        Scratch {
            offered_widely: vec![false; n],
            rib_in: vec![Vec::new(); n],
            best: vec![None; n],
            queued: vec![false; n],
            peers: Vec::new(),
        }
    }

    /// Back to "nothing learned", keeping the buffers.
    fn reset(&mut self) {
        self.offered_widely.fill(false);
        self.rib_in.iter_mut().for_each(Vec::clear);
        self.best.fill(None);
        self.queued.fill(false);
    }
}

/// Simulates the prefix of node `rep` until nothing changes.
fn simulate(
    env: &Env,
    adj: &Adjacency,
    rep: usize,
    loops: &mut BTreeSet<(u32, String, String)>,
    scratch: &mut Scratch,
    order: Order,
) -> (ClassRoutes, bool) {
    let Env { t, sp, sessions, .. } = *env;
    let n = sp.list.len();
    scratch.reset();
    let Scratch { offered_widely, rib_in, best, queued, peers } = scratch;
    let refer = |s: usize| if s == rep { Ref::Origin } else { Ref::Speaker(s) };
    best[rep] = Some(Route {
        peer: Ref::Origin,
        session: usize::MAX,
        next_hop: Ref::Origin,
        as_path: AsPath::new(),
        cluster_list: ClusterList::new(),
        originator: None,
        ebgp: false,
        from_client: false,
        local: true,
        igp: 0,
        peer_address: None,
    });
    let mut queue: VecDeque<usize> = VecDeque::from([rep]);
    queued[rep] = true;
    // Generous bound: BGP without MED converges long before; never loop forever.
    let mut budget = 64 * (n + sessions.len() + 1);
    while let Some(s) = queue.pop_front() {
        queued[s] = false;
        if budget == 0 {
            break;
        }
        budget -= 1;
        // A route learned over iBGP from a non-client goes to clients only (or
        // nowhere); skip the other iBGP peers unless an earlier offer must be withdrawn.
        let wide = best[s].as_ref().is_some_and(|r| r.local || r.ebgp || r.from_client);
        let visit_ibgp = wide || offered_widely[s];
        offered_widely[s] = wide;
        let ibgp: &[(usize, usize)] = if visit_ibgp { &adj.ibgp[s] } else { &[] };
        peers.clear();
        peers.extend(adj.clients[s].iter().chain(ibgp).chain(&adj.ebgp[s]));
        if order == Order::Reversed {
            peers.reverse();
        }
        for &(si, p) in peers.iter() {
            let offer = best[s]
                .as_ref()
                .and_then(|r| export(t, sp, &sessions[si], si, s, p, r, rep, &refer, loops))
                .map(|r| received(env, &sessions[si], p, rep, r));
            let slot = rib_in[p].iter().position(|(k, _)| *k == si);
            let changed = match (slot, offer) {
                (Some(i), Some(r)) if rib_in[p][i].1 != r => {
                    rib_in[p][i].1 = r;
                    true
                }
                (Some(i), None) => {
                    rib_in[p].remove(i);
                    true
                }
                (None, Some(r)) => {
                    rib_in[p].push((si, r));
                    true
                }
                _ => false,
            };
            if !changed || p == rep {
                continue;
            }
            let new_best = select(sp, rep, &rib_in[p]);
            if new_best != best[p] {
                best[p] = new_best;
                // Nodes are leaves: a change there goes nowhere.
                if sp.list[p].kind == Kind::Router && !queued[p] {
                    queued[p] = true;
                    queue.push_back(p);
                }
            }
        }
    }
    let entry = |r: &Route| Entry { peer: r.peer, session: r.session, next_hop: r.next_hop };
    // Equal-cost routes the speaker installs beside its best (ECMP), where its
    // daemon does (see `multipath`): kept flat, a run per speaker, since at
    // scale every node of a two-reflector site has one.
    let mut extra_start: Vec<u32> = Vec::with_capacity(n + 1);
    let mut extra: Vec<Entry> = Vec::new();
    for (i, b) in best.iter().enumerate() {
        extra_start.push(u32::try_from(extra.len()).unwrap_or(u32::MAX));
        let Some(b) = b.filter(|b| !b.local && i != rep) else { continue };
        let Some(width) = multipath(sp, i) else { continue };
        let frr = sp.list[i].daemon == Some(crate::model::Daemon::Frr);
        let mut count = 1;
        for (_, r) in rib_in[i].iter() {
            let same_key = (r.as_path.len(), r.ebgp, r.igp) == (b.as_path.len(), b.ebgp, b.igp);
            let start = extra_start[i] as usize;
            let new_hop = r.next_hop != b.next_hop && !extra[start..].iter().any(|e| e.next_hop == r.next_hop);
            let frr_ok = !frr || frr_installs_beside(env, rep, i, &b, r);
            if same_key && frr_ok && new_hop && count < width {
                extra.push(entry(r));
                count += 1;
            }
        }
    }
    extra_start.push(u32::try_from(extra.len()).unwrap_or(u32::MAX));
    // Whether some speaker chose its best by its IGP metric to the next hop
    // over a route equal before that step: the one preference local to each
    // speaker, so the one that lets two speakers each prefer a route through
    // the other (RFC 3345). Without it every speaker ranks routes alike (AS
    // path, eBGP first, ids, cluster list) and any order gives this answer.
    let by_igp = best.iter().zip(rib_in.iter()).any(|(b, rib)| {
        b.is_some_and(|b| {
            !b.local && rib.iter().any(|(_, r)| (r.as_path.len(), r.ebgp) == (b.as_path.len(), b.ebgp) && r.igp > b.igp)
        })
    });
    let routes = ClassRoutes {
        representative: rep,
        best: best.iter().enumerate().map(|(i, r)| r.filter(|r| !r.local && i != rep).map(|r| entry(&r))).collect(),
        extra_start,
        extra,
    };
    (routes, by_igp)
}

/// What speaker `s` sends peer `p` over session `sess` when its best route is `r`.
#[allow(clippy::too_many_arguments)]
fn export(
    t: &Topology,
    sp: &Speakers,
    sess: &Session,
    si: usize,
    s: usize,
    p: usize,
    r: &Route,
    rep: usize,
    refer: &dyn Fn(usize) -> Ref,
    loops: &mut BTreeSet<(u32, String, String)>,
) -> Option<Route> {
    let (me, peer) = (&sp.list[s], &sp.list[p]);
    if me.kind == Kind::Node && !r.local {
        return None;
    }
    if r.peer == refer(p) && !r.local {
        return None; // split horizon
    }
    if sess.kind == SessionKind::Ebgp {
        let as_path = AsPath::prepend(me.asn, &r.as_path);
        if as_path.contains(&peer.asn) {
            let origin_site = site_of(t, sp, rep);
            let peer_site = site_of(t, sp, p);
            if peer.asn == sp.list[rep].asn && origin_site != peer_site {
                loops.insert((peer.asn, origin_site, peer_site));
            }
            return None;
        }
        return Some(Route {
            peer: refer(s),
            session: si,
            next_hop: refer(s),
            as_path,
            cluster_list: ClusterList::new(),
            originator: None,
            ebgp: true,
            from_client: false,
            local: false,
            igp: 0,
            peer_address: None,
        });
    }
    let reflecting = !(r.local || r.ebgp);
    if reflecting {
        let cluster_id = me.cluster_id?;
        let p_is_client = sess.role == SessionRole::RrClient && sess.sb == s;
        if !r.from_client && !p_is_client {
            return None;
        }
        let originator = r.originator.unwrap_or(r.peer);
        if originator == refer(p) {
            return None;
        }
        let cluster_list = ClusterList::prepend(u32::from(cluster_id), &r.cluster_list);
        if peer.cluster_id.is_some_and(|c| cluster_list.contains(&u32::from(c))) {
            return None;
        }
        return Some(Route {
            peer: refer(s),
            session: si,
            next_hop: next_hop(sess, me, r.next_hop, refer(s)),
            as_path: r.as_path,
            cluster_list,
            originator: Some(originator),
            ebgp: false,
            from_client: sess.role == SessionRole::RrClient && sess.sb == p,
            local: false,
            igp: 0,
            peer_address: None,
        });
    }
    Some(Route {
        peer: refer(s),
        session: si,
        next_hop: next_hop(sess, me, r.next_hop, refer(s)),
        as_path: r.as_path,
        cluster_list: ClusterList::new(),
        originator: None,
        ebgp: false,
        from_client: sess.role == SessionRole::RrClient && sess.sb == p,
        local: false,
        igp: 0,
        peer_address: None,
    })
}

/// A route as peer `p` holds it on arrival: with the IGP metric to its next hop
/// and the address of the peer that sent it, which best-path selection reads.
fn received(env: &Env, sess: &Session, p: usize, rep: usize, mut r: Route) -> Route {
    let nh = match r.next_hop {
        Ref::Origin => rep,
        Ref::Speaker(i) => i,
    };
    r.igp = igp_rank(env.sp, p, sess.family, connected(&env.home, p, nh));
    r.peer_address = Some(if sess.sa == p { sess.b_address } else { sess.a_address });
    r
}

/// The IGP metric to a next hop, as far as it orders routes here: 0 for a next
/// hop on a directly connected network, 1 for one that resolves through a route
/// the daemon learned from the kernel (static, ZeroTier, WireGuard: the
/// underlay the rendered configs learn with `kernel { learn; }` / zebra).
///
/// - BIRD (`bgp_rte_better`, proto/bgp/attrs.c, rule e): a route through a
///   device route has IGP metric 0, one through a kernel route
///   `IGP_METRIC_UNKNOWN` (`rt_get_igp_metric`, nest/rt-table.c): connected
///   next hops win. Calico's calico-node runs BIRD, so nodes rank this way too.
/// - FRR (`bgp_path_info_cmp`, bgpd/bgp_route.c, "IGP metric check") compares
///   the metric zebra resolved the next hop with: 0 for a connected route, and
///   the kernel route's own metric otherwise, which Linux sets to 0 for IPv4 and
///   1024 for IPv6 when none is given: a tie in IPv4, connected first in IPv6.
fn igp_rank(sp: &Speakers, p: usize, fam: Family, connected: bool) -> u8 {
    if connected {
        return 0;
    }
    match sp.list[p].daemon {
        Some(crate::model::Daemon::Frr) if fam == Family::Ipv4 => 0,
        _ => 1,
    }
}

fn next_hop(sess: &Session, me: &Speaker, current: Ref, myself: Ref) -> Ref {
    if sess.next_hop_self.contains(&me.name) {
        myself
    } else {
        current
    }
}

fn site_of(t: &Topology, sp: &Speakers, i: usize) -> String {
    t.site_of(&sp.list[i].name).unwrap_or(&sp.list[i].name).to_string()
}

/// How many equal-cost routes speaker `i` installs for one prefix, when more
/// than one: ECMP in the kernel.
///
/// - Nodes: calico-node's BIRD merges equal routes into the kernel (`protocol
///   kernel { merge paths on; }` in Calico's confd templates); BIRD's
///   `bgp_rte_mergable` (proto/bgp/attrs.c) calls routes equal when they are
///   up to and with the IGP metric: local preference, AS path length, origin,
///   MED, peer type, IGP metric. The lab's node speakers do the same.
/// - FRR routers: `maximum-paths {MAXIMUM_PATHS}` and `maximum-paths ibgp
///   {MAXIMUM_PATHS} equal-cluster-length` in the rendered config ([`FRR_MAXIMUM_PATHS`])
///   (`render::frr`), with `bgp bestpath as-path multipath-relax`: equal up to
///   the IGP metric, and for iBGP with cluster lists of one length; beside a
///   single-hop eBGP best only next hops on a connected network
///   (`frr_installs_beside`).
/// - BIRD routers: the rendered kernel protocol has no `merge paths`: one route.
fn multipath(sp: &Speakers, i: usize) -> Option<usize> {
    let s = &sp.list[i];
    match (s.kind, s.daemon) {
        (Kind::Node, _) => Some(16),
        (_, Some(crate::model::Daemon::Frr)) => Some(FRR_MAXIMUM_PATHS as usize),
        _ => None,
    }
}

/// Whether FRR router `i`, whose best route is `b`, installs the equal-cost
/// route `r` beside it. Equal up to the IGP metric is not enough:
///
/// - multipath (`bgp_path_info_cmp`, bgpd/bgp_route.c, "11. Maximum path
///   check"): iBGP routes need the same cluster-list length (`maximum-paths
///   ibgp N equal-cluster-length`); the AS-path test is relaxed by the rendered
///   `bgp bestpath as-path multipath-relax`, so equal lengths (already in the
///   key) suffice for both kinds;
/// - installing (`bgp_zebra_announce`, bgpd/bgp_zebra.c): zebra may resolve
///   next hops recursively only when the best route came over iBGP or a
///   multihop eBGP session (`ZEBRA_FLAG_ALLOW_RECURSION`); after a single-hop
///   eBGP best, a next hop not on a connected network stays "inactive" and the
///   kernel gets only the connected ones.
fn frr_installs_beside(env: &Env, rep: usize, i: usize, b: &Route, r: &Route) -> bool {
    if !r.ebgp && r.cluster_list.len() != b.cluster_list.len() {
        return false;
    }
    let best_recurses = !b.ebgp || env.sessions.get(b.session).is_some_and(|s| s.multihop);
    let nh = match r.next_hop {
        Ref::Origin => rep,
        Ref::Speaker(x) => x,
    };
    best_recurses || connected(&env.home, i, nh)
}

/// BGP best path in the order RFC 4271 9.1.2.2 and RFC 4456 9 give and BIRD
/// (`bgp_rte_better`) and FRR (`bgp_path_info_cmp`) follow, for the attributes
/// the design produces (local preference, origin and MED are the same on every
/// pod route): shortest AS path, eBGP over iBGP, lowest IGP metric to the next
/// hop (`igp_rank`), lowest originator / peer router id, shortest cluster list,
/// lowest peer address. FRR would prefer the oldest of two eBGP routes before
/// the router id; the rendered FRR configs say `bgp bestpath compare-routerid`,
/// so no outcome depends on timing.
fn select(sp: &Speakers, rep: usize, rib: &[(usize, Route)]) -> Option<Route> {
    rib.iter()
        .min_by_key(|(si, r)| {
            let id = |x: Ref| match x {
                Ref::Speaker(i) => u32::from(sp.list[i].router_id),
                Ref::Origin => u32::from(sp.list[rep].router_id),
            };
            (
                r.as_path.len(),
                !r.ebgp,
                r.igp,
                id(r.originator.unwrap_or(r.peer)),
                r.cluster_list.len(),
                r.peer_address,
                *si,
            )
        })
        .map(|(_, r)| *r)
}

/// Nodes that install direct routes to each other's pod ranges without BGP.
fn direct_groups(t: &Topology, underlay: &Underlay) -> Vec<Option<usize>> {
    let names: Vec<&String> = t.nodes.keys().collect();
    let by_site = |n: &str| t.nodes.get(n).map(|x| x.site.clone());
    let mut group_ids: BTreeMap<String, usize> = BTreeMap::new();
    let mut by_key = |key: Option<String>| {
        key.map(|k| {
            let next = group_ids.len();
            *group_ids.entry(k).or_insert(next)
        })
    };
    let c = &t.cluster;
    match c.cni {
        // autoDirectNodeRoutes is set only when every node shares one L2 network.
        Cni::Cilium if c.cilium().native_routing && all_share_l2(t, underlay) => {
            names.iter().map(|_| Some(0)).collect()
        }
        // host-gw routes to nodes on the same network.
        Cni::Flannel if c.flannel().backend == FlannelBackend::HostGw => {
            names.iter().map(|n| by_key(lan_site(t, n))).collect()
        }
        // Kilo routes plainly inside a location.
        Cni::Kilo if c.kilo().granularity == KiloGranularity::Location => {
            names.iter().map(|n| by_key(by_site(n))).collect()
        }
        _ => names.iter().map(|_| None).collect(),
    }
}

fn lan_site(t: &Topology, node: &str) -> Option<String> {
    let n = t.nodes.get(node)?;
    t.sites.get(&n.site).filter(|s| s.lan).map(|_| n.site.clone())
}

/// All nodes attach to one site network.
pub fn all_share_l2(t: &Topology, underlay: &Underlay) -> bool {
    let mut names = t.nodes.keys();
    let Some(first) = names.next() else { return false };
    lan_site(t, first).is_some()
        && names.all(|n| share_network(underlay, first, n) && lan_site(t, n) == lan_site(t, first))
}

/// Does the data plane route pod addresses natively on some path, so that devices
/// on the way need routes, rather than tunnel everything?
pub fn pods_routed_anywhere(t: &Topology) -> bool {
    use crate::model::CalicoEncapsulation as E;
    let c = &t.cluster;
    match c.cni {
        // The cross-subnet modes still route natively inside a subnet.
        Cni::Calico => !matches!(c.calico().encapsulation, E::Ipip | E::Vxlan),
        Cni::Cilium => c.cilium().native_routing,
        Cni::Flannel => c.flannel().backend == FlannelBackend::HostGw,
        Cni::Kilo => c.kilo().granularity == KiloGranularity::Location,
    }
}

impl Routing {
    /// Whether node `d_node` / speaker `d` has a route (BGP or direct) for prefix `p`.
    /// The allocation-free form of `route`, for the per-path checks.
    pub fn knows(&self, d_node: Option<usize>, d: Option<usize>, p: usize) -> bool {
        let Some(pre) = self.prefixes.get(p) else { return false };
        if let Some(dn) = d_node {
            if dn == pre.origin_idx {
                return true;
            }
            let g = |i: usize| self.direct_group.get(i).copied().flatten();
            if g(dn).is_some() && g(dn) == g(pre.origin_idx) {
                return true;
            }
        }
        let (Some(d), Some(class)) = (d, self.classes.get(pre.class)) else { return false };
        let x = pre.origin_idx;
        if d == x {
            return true;
        }
        let slot = if d == class.representative { x } else { d };
        class.best.get(slot).is_some_and(Option::is_some)
    }
}
