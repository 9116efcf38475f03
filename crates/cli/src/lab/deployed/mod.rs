//! What is deployed: the BGP speaker each node's CNI agent would run, derived
//! from the bundle's files alone — the exported manifests (Calico's
//! `BGPConfiguration`/`BGPPeer`/`Node` and `Installation`; Cilium's
//! `CiliumBGPClusterConfig`/`CiliumBGPPeerConfig`/`CiliumBGPAdvertisement`) and
//! the nodes' names, addresses and labels from their k3s configs.
//!
//! Written apart from the renderers on purpose: it reads the text they wrote, as
//! calico-node's confd or Cilium's BGP control plane would, so a renderer bug in
//! a selector, an AS or an address shows up in the lab as the session it breaks.
//! The plan is the expectation; this module is the behaviour.
//!
//! Anything in those manifests the reader does not understand is an error: a
//! field it skipped could change what the agent does.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use meshplan_core::plan::Family;

mod calico;
mod cilium;
mod k3s;
mod manifest;
mod selector;
#[cfg(test)]
mod tests;

pub use k3s::NodeInfo;

/// The CNI whose manifests the bundle holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Agent {
    Calico,
    Cilium,
}

/// What a node announces to a peer.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Advert {
    /// The node's own pod range(s) of the session's family.
    PodCidr,
    /// Service addresses of the listed kinds (`LoadBalancerIP`, `ClusterIP`, `ExternalIP`).
    Service(Vec<String>),
}

/// One BGP session a node's agent opens.
#[derive(Debug, Clone, PartialEq)]
pub struct Peer {
    pub address: IpAddr,
    pub asn: u32,
    /// The node's own address the session leaves from (its registered address of that family).
    pub local: Option<IpAddr>,
    /// Address families negotiated on the session.
    pub families: Vec<Family>,
    pub multihop: bool,
    /// Calico `keepOriginalNextHop` towards an eBGP peer: BIRD's `next hop keep`.
    pub next_hop_keep: bool,
    /// Waits for the peer to connect (Calico's mesh is one-way: the higher address listens).
    pub passive: bool,
    /// What the node announces on it, per family.
    pub adverts: BTreeMap<Family, Vec<Advert>>,
    /// The manifest (and peer) this session comes from, for messages.
    pub source: String,
}

/// The BGP speaker a node's agent runs.
#[derive(Debug, Clone, PartialEq)]
pub struct Speaker {
    pub node: String,
    pub asn: u32,
    /// The router ID the agent takes (the node's registered IPv4 address), if it has one.
    pub router_id: Option<Ipv4Addr>,
    /// Whether the agent programs learned routes into the kernel (Calico's BIRD
    /// does; Cilium's control plane only announces).
    pub installs_routes: bool,
    pub peers: Vec<Peer>,
}

/// Every node's speaker (nodes whose agent runs no BGP have none), and what the
/// reader read but the lab does not emulate.
#[derive(Debug, Clone, PartialEq)]
pub struct Deployed {
    pub agent: Agent,
    pub nodes: BTreeMap<String, NodeInfo>,
    pub speakers: BTreeMap<String, Speaker>,
    pub notes: Vec<String>,
}

/// What a CNI's reader derives: the speakers by node, and notes.
type Derived = (BTreeMap<String, Speaker>, Vec<String>);

/// Derives the speakers from the bundle's files (`(path, text)`, paths relative
/// to the bundle's top folder). `Ok(None)`: the bundle deploys no BGP-speaking CNI.
pub fn derive(files: &[(String, String)]) -> Result<Option<Deployed>, Vec<String>> {
    let nodes = k3s::nodes(files)?;
    let in_dir = |dir: &str| -> Vec<&(String, String)> {
        files.iter().filter(|(p, _)| p.starts_with(dir) && p.ends_with(".yaml")).collect()
    };
    let docs = |list: Vec<&(String, String)>| -> Result<Vec<manifest::Doc>, Vec<String>> {
        let mut out = Vec::new();
        let mut errors = Vec::new();
        for (p, t) in list {
            match manifest::documents(p, t) {
                Ok(d) => out.extend(d),
                Err(e) => errors.push(e),
            }
        }
        if errors.is_empty() {
            Ok(out)
        } else {
            Err(errors)
        }
    };
    let calico = in_dir("cluster/calico/");
    let cilium = in_dir("cluster/cilium/");
    match (calico.is_empty(), cilium.is_empty()) {
        (false, false) => Err(vec!["the bundle holds both cluster/calico/ and cluster/cilium/ manifests".into()]),
        (false, true) => calico::derive(&nodes, &docs(calico)?)
            .map(|(speakers, notes)| Some(Deployed { agent: Agent::Calico, nodes, speakers, notes })),
        (true, false) => cilium::derive(
            &nodes,
            files,
            &docs(cilium.into_iter().filter(|(p, _)| p != "cluster/cilium/values.yaml").collect())?,
        )
        .map(|(speakers, notes)| Some(Deployed { agent: Agent::Cilium, nodes, speakers, notes })),
        (true, true) => Ok(None),
    }
}

fn first_v4(n: &NodeInfo) -> Option<Ipv4Addr> {
    n.addresses.iter().find_map(|a| match a {
        IpAddr::V4(v) => Some(*v),
        IpAddr::V6(_) => None,
    })
}
