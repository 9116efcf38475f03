//! The plan's data: what renderers, the CLI and the app read.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use ipnet::IpNet;
use serde::Serialize;

use crate::diag::Diagnostic;
use crate::model::{Cluster, Daemon, Kind, Link, Platform, Role, Site};

#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub name: String,
    pub cluster: Cluster,
    pub sites: BTreeMap<String, Site>,
    /// Smallest pod MTU any path allows.
    pub mtu_budget: u32,
    /// The pod MTU in force: `cluster.mtu` when set, else the budget.
    pub pod_mtu: u32,
    /// Where the budget comes from.
    pub limiting: Option<Limit>,
    pub mtu_notes: Vec<String>,
    pub nodes: BTreeMap<String, NodePlan>,
    pub calico_blocks: Option<CalicoBlocks>,
    pub routers: BTreeMap<String, RouterPlan>,
    pub hosts: Vec<String>,
    pub speakers: Speakers,
    pub sessions: Vec<Session>,
    pub routing: Routing,
    pub paths: Vec<SitePath>,
    pub links: Vec<Link>,
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NodePlan {
    pub site: String,
    /// The value of the node's `region` label.
    pub region: String,
    pub role: Role,
    pub addresses: Vec<IpAddr>,
    /// Per family: the node's pod range (Calico: its first block, claimed at run time).
    pub pod_ranges: Vec<IpNet>,
    pub public: Option<SocketAddr>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct CalicoBlocks {
    pub block_size: u8,
    pub block_size_v6: u8,
    /// Blocks in the IPv4 / IPv6 pool.
    pub blocks: Vec<BlockPool>,
    pub note: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BlockPool {
    pub cidr: IpNet,
    pub block_size: u8,
    #[serde(serialize_with = "count")]
    pub block_count: u128,
    #[serde(serialize_with = "count")]
    pub addresses_per_block: u128,
    /// Blocks each node could claim if the pool were shared evenly.
    #[serde(serialize_with = "count")]
    pub blocks_per_node: u128,
}

/// A count as a JSON number, or as its decimal digits in a string when it
/// passes 2^64 (an IPv6 pool's blocks: a /56 in /122 blocks is 2^66), which a
/// JSON number cannot carry to most readers (serde_json refuses to write it,
/// and the whole plan.json came out empty).
fn count<S: serde::Serializer>(n: &u128, s: S) -> Result<S::Ok, S::Error> {
    match u64::try_from(*n) {
        Ok(small) => s.serialize_u64(small),
        Err(_) => s.serialize_str(&n.to_string()),
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct RouterPlan {
    pub site: Option<String>,
    pub daemon: Daemon,
    pub platform: Platform,
    /// The machine it runs on (its own name unless it shares one) and the
    /// network namespace there, if any.
    pub machine: String,
    pub netns: Option<String>,
    pub asn: Option<u32>,
    pub router_id: Option<Ipv4Addr>,
    pub addresses: Vec<IpAddr>,
    pub serves: Vec<String>,
    /// Set when the router reflects routes for iBGP clients.
    pub cluster_id: Option<Ipv4Addr>,
}

/// BGP speakers: nodes that run BGP and routers with a daemon, by index.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Speakers {
    pub list: Vec<Speaker>,
    #[serde(skip)]
    pub index: BTreeMap<String, usize>,
}

impl Speakers {
    pub fn get(&self, name: &str) -> Option<usize> {
        self.index.get(name).copied()
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Speaker {
    pub name: String,
    pub kind: Kind,
    pub asn: u32,
    pub router_id: Ipv4Addr,
    pub addresses: Vec<IpAddr>,
    /// Route reflector (has iBGP clients); its cluster id.
    pub cluster_id: Option<Ipv4Addr>,
    pub daemon: Option<Daemon>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Family {
    Ipv4,
    Ipv6,
}

impl Family {
    pub fn of(a: &IpAddr) -> Family {
        if a.is_ipv4() {
            Family::Ipv4
        } else {
            Family::Ipv6
        }
    }
    pub fn of_net(n: &IpNet) -> Family {
        Family::of(&n.network())
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Family::Ipv4 => "ipv4",
            Family::Ipv6 => "ipv6",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SessionKind {
    Ibgp,
    Ebgp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SessionRole {
    /// Calico's node-to-node full mesh.
    Mesh,
    /// A node and the route reflector that serves its site (a = node, b = router).
    RrClient,
    /// Router to router.
    Backbone,
    /// A node and a router of another AS (a = node, b = router).
    Ebgp,
}

impl SessionRole {
    pub fn as_str(self) -> &'static str {
        match self {
            SessionRole::Mesh => "mesh",
            SessionRole::RrClient => "rr-client",
            SessionRole::Backbone => "backbone",
            SessionRole::Ebgp => "ebgp",
        }
    }
}

/// One BGP session, listed once (not per direction).
#[derive(Debug, Clone, Serialize)]
pub struct Session {
    pub a: String,
    pub b: String,
    pub family: Family,
    pub a_address: IpAddr,
    pub b_address: IpAddr,
    pub a_asn: u32,
    pub b_asn: u32,
    pub kind: SessionKind,
    pub role: SessionRole,
    /// The ends share no network: TTL above 1 is needed.
    pub multihop: bool,
    /// Which ends rewrite the next hop to themselves towards the other, and why.
    pub next_hop_self: Vec<String>,
    pub next_hop_reason: Option<&'static str>,
    #[serde(skip)]
    pub sa: usize,
    #[serde(skip)]
    pub sb: usize,
}

/// The ECMP width the rendered FRR configs set (`maximum-paths`), which the
/// plan's forwarding follows.
pub const FRR_MAXIMUM_PATHS: u32 = 8;

/// BGP timers of every session meshplan renders (routers' BIRD and FRR
/// configs, the lab's nodes): a dead peer is noticed within `BGP_HOLD` seconds
/// rather than the 240/180 s defaults. The plan's failure analysis states
/// outages with them; `render::bird` and `render::frr` write them.
pub const BGP_KEEPALIVE: u32 = 10;
pub const BGP_HOLD: u32 = 30;

/// Who a route came from, or where its next hop points: the originating node of
/// the prefix, or a speaker by index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ref {
    Origin,
    Speaker(usize),
}

/// One speaker's best route for a prefix of its class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Entry {
    pub peer: Ref,
    pub session: usize,
    pub next_hop: Ref,
}

/// The result of route propagation, kept per originator class, not per pair of
/// nodes: nodes with the same sessions propagate alike (see `propagate`).
#[derive(Debug, Clone, Default, Serialize)]
pub struct Routing {
    /// Pod prefixes that BGP carries or direct routes cover, one per node and family.
    pub prefixes: Vec<PodPrefix>,
    #[serde(skip)]
    pub classes: Vec<ClassRoutes>,
    /// Per class: how it settles when the sessions come up in another order,
    /// where that installs other next hops (W103); `None` where it does not.
    #[serde(skip)]
    pub otherwise: Vec<Option<ClassRoutes>>,
    /// Per speaker: the L2 group whose members install direct routes to each other
    /// (Cilium auto-direct-node-routes, flannel host-gw, Kilo within a location).
    #[serde(skip)]
    pub direct_group: Vec<Option<usize>>,
    /// Prefixes every speaker is expected to learn (pods are routed, not tunnelled, somewhere).
    pub routed: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct PodPrefix {
    pub net: IpNet,
    pub origin: String,
    #[serde(skip)]
    pub origin_idx: usize,
    #[serde(skip)]
    pub class: usize,
}

#[derive(Debug, Clone, Default)]
pub struct ClassRoutes {
    /// The node whose prefix was propagated for the whole class.
    pub representative: usize,
    /// Per speaker index.
    pub best: Vec<Option<Entry>>,
    /// Routes a speaker installs beside its best (ECMP), each to another next
    /// hop: those of speaker `i` are `extra[extra_start[i]..extra_start[i + 1]]`.
    pub extra_start: Vec<u32>,
    pub extra: Vec<Entry>,
}

impl ClassRoutes {
    /// The next hops speaker `i` installs (its best, then ECMP), sorted.
    pub fn next_hops_of(&self, i: usize) -> Vec<Ref> {
        let mut v: Vec<Ref> = self.best.get(i).copied().flatten().map(|e| e.next_hop).into_iter().collect();
        v.extend(self.extras(i).iter().map(|e| e.next_hop));
        crate::sort::sort(&mut v);
        v
    }

    /// Both results install the same next hops at every one of `n` speakers.
    pub fn installs_as(&self, other: &ClassRoutes, n: usize) -> bool {
        let hop = |c: &ClassRoutes, i: usize| c.best.get(i).copied().flatten().map(|e| e.next_hop);
        let same_order = |i: usize| {
            hop(self, i) == hop(other, i)
                && self.extras(i).iter().map(|e| e.next_hop).eq(other.extras(i).iter().map(|e| e.next_hop))
        };
        self.representative == other.representative
            && (0..n).all(|i| same_order(i) || self.next_hops_of(i) == other.next_hops_of(i))
    }

    /// The equal-cost routes speaker `i` installs beside its best.
    pub fn extras(&self, i: usize) -> &[Entry] {
        let at = |k: usize| self.extra_start.get(k).map(|&x| x as usize);
        match (at(i), at(i + 1)) {
            (Some(a), Some(b)) if a <= b => self.extra.get(a..b).unwrap_or(&[]),
            _ => &[],
        }
    }
}

/// A route as a device sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Learned {
    pub prefix: IpNet,
    pub next_hop: Option<IpAddr>,
    /// The peer it was learned from, or `direct` for a route the CNI installs itself.
    pub via: String,
    pub session: Option<SessionRole>,
}

/// The path between two node locations (a site's network, or a node in a site
/// without one) and what it means for pods.
#[derive(Debug, Clone, Serialize)]
pub struct SitePath {
    pub from_site: String,
    pub to_site: String,
    /// The location the path starts and ends at (a site network or a node).
    pub from: String,
    pub to: String,
    pub hops: Vec<Hop>,
    /// Where routed pod packets really go when that is not `hops`: each device
    /// forwards by its own installed route, whose next hop it resolves over the
    /// underlay (`nexthop`). The pod MTU is then this path's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pod_hops: Option<Vec<Hop>>,
    pub path_mtu: u32,
    /// What the CNI leaves for pods on this path.
    pub pod_mtu: u32,
    pub overhead: u32,
    /// Pods cross this path routed (no tunnel).
    pub routed: bool,
    /// The sending node needs its own route to the destination pods.
    #[serde(skip)]
    pub source_needs_route: bool,
    /// The first device on the path that has no route for a destination prefix.
    pub blackhole: Option<Blackhole>,
    /// The edge that sets `path_mtu`.
    pub limiting: Option<String>,
    /// Every underlay element the pair's packets cross, on the underlay's path
    /// and on every walk: a failure elsewhere leaves the pair as it is (see
    /// `failures`).
    #[serde(skip)]
    pub crosses: Crossed,
}

/// Underlay vertices (by index) and links (by index in `links`) a pair crosses, sorted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Crossed {
    pub vertices: Vec<u32>,
    pub links: Vec<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    pub name: String,
    pub kind: Kind,
    /// MTU of the edge that reaches this hop (None for the first).
    pub mtu: Option<u32>,
    /// `links[i]` for a link, `site` for an attachment to a site's network.
    pub via: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Blackhole {
    pub device: String,
    pub missing: Vec<IpNet>,
    /// Set when packets do not die for want of a route but go round: the
    /// devices of the forwarding loop in the order packets cross them, `device`
    /// (the first one reached twice) first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub looped: Vec<String>,
    /// Only some flows die: a device on the way spreads them over equal-cost
    /// routes (ECMP) and only some branches fail; which flows is the kernel's
    /// hash, so a test may see them pass or fail.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub some_flows: bool,
    /// Where the other failing branches end when a device on the way spreads
    /// flows over equal-cost routes (ECMP) that fail differently: per branch,
    /// the device without a route, or a loop's devices in order. The kernel's
    /// hash decides which one a flow meets.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_branches: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Limit {
    pub from_site: String,
    pub to_site: String,
    pub path_mtu: u32,
    pub overhead: u32,
    pub edge: Option<String>,
}
