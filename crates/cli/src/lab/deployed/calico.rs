//! Calico: the speaker calico-node's confd writes into BIRD's config, from the
//! `projectcalico.org/v3` (and, as the bundle writes them, `crd.projectcalico.org/v1`) resources of `cluster/calico/`.
//!
//! Semantics from projectcalico/calico at v3.26.1 (the version the example pins):
//! - `api/pkg/apis/projectcalico/v3/bgpconfig.go`: `nodeToNodeMeshEnabled`
//!   "[Default: true]", `asNumber` "[Default: 64512]".
//! - `api/pkg/apis/projectcalico/v3/bgppeer.go`: `node`, `nodeSelector` (neither:
//!   the peer applies to every node), `peerIP`, `asNumber`, `peerSelector` ("an IPv4
//!   peering if both ends have" an IPv4 address, same for IPv6; the remote AS is the
//!   remote node's or the global one), `keepOriginalNextHop`, `sourceAddress`
//!   ("UseNodeIP" by default).
//! - `confd/pkg/backends/calico/client.go` (`updatePeersV1`): global peers, then
//!   node-specific ones, then the reverse peerings of peers that are Calico nodes
//!   themselves (matched by `peerSelector`, or by `peerIP` and AS).
//! - `confd/etc/calico/confd/templates/bird.cfg.template` (and `bird6`): the mesh
//!   peers every other node (skipping itself), passive towards a higher address;
//!   global and node peers are `multihop`; `next hop keep` only when the peer's AS
//!   differs from the node's; the router ID is the node's IPv4 address.
//! - Calico in the Kubernetes datastore takes the Kubernetes node's labels; node
//!   addresses come from the `Installation`'s `nodeAddressAutodetectionV4/V6`
//!   (operator.tigera.io/v1); the bundle pins `kubernetes: NodeInternalIP`, the
//!   `node-ip` k3s registers.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use meshplan_core::plan::Family;

use super::manifest::{Doc, Fields};
use super::selector::{self, Calico};
use super::{first_v4, Advert, Derived, NodeInfo, Peer, Speaker};

/// `BGPConfiguration` `asNumber` when none is set (bgpconfig.go, v3.26.1).
pub const DEFAULT_ASN: u32 = 64512;

/// One `BGPPeer`, as read.
#[derive(Debug, Clone)]
struct BgpPeer {
    at: String,
    node: Option<String>,
    node_selector: Option<Calico>,
    peer_ip: Option<IpAddr>,
    asn: Option<u32>,
    peer_selector: Option<Calico>,
    keep_next_hop: bool,
}

/// What the manifests say, before deriving per node.
struct Config {
    mesh: bool,
    asn: u32,
    /// Per node: its own AS (`Node.spec.bgp.asNumber`).
    node_asn: BTreeMap<String, u32>,
    /// Families whose node address Calico takes from the node's registered address.
    families: BTreeSet<Family>,
    bgp: bool,
    peers: Vec<BgpPeer>,
}

fn read(docs: &[Doc]) -> Result<Config, Vec<String>> {
    let mut c = Config {
        mesh: true,
        asn: DEFAULT_ASN,
        node_asn: BTreeMap::new(),
        families: BTreeSet::new(),
        bgp: false,
        peers: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut installation = false;
    for d in docs {
        let r = match (d.api.as_str(), d.kind.as_str()) {
            // The bundle writes the CRDs calico-node reads directly (no API
            // server on the way, issue 15); the v3 API stores the same spec in
            // them unchanged (libcalico-go lib/backend/k8s/resources/bgppeer.go).
            ("projectcalico.org/v3" | "crd.projectcalico.org/v1", "BGPConfiguration") => bgp_configuration(d, &mut c),
            ("projectcalico.org/v3" | "crd.projectcalico.org/v1", "BGPPeer") => bgp_peer(d).map(|p| c.peers.push(p)),
            ("projectcalico.org/v3", "Node") => node(d, &mut c),
            ("operator.tigera.io/v1", "Installation") => {
                installation = true;
                installation_spec(d, &mut c)
            }
            // The API server serves projectcalico.org/v3; it holds no BGP setting.
            ("operator.tigera.io/v1", "APIServer") => Ok(()),
            (api, kind) => Err(format!("{}: {api} {kind} is not a resource the lab's Calico reader knows", d.at())),
        };
        if let Err(e) = r {
            errors.push(e);
        }
    }
    if !installation {
        errors.push("cluster/calico/: no operator.tigera.io/v1 Installation: Calico would not be installed".into());
    }
    if errors.is_empty() {
        Ok(c)
    } else {
        Err(errors)
    }
}

fn bgp_configuration(d: &Doc, c: &mut Config) -> Result<(), String> {
    if d.name != "default" {
        // `node.<name>` configurations hold per-node settings the lab does not emulate.
        return Err(format!("{}: only the `default` BGPConfiguration is read", d.at()));
    }
    let Some(spec) = &d.spec else { return Ok(()) };
    let f =
        Fields::of(spec, &format!("{}: spec", d.at()), &["logSeverityScreen", "nodeToNodeMeshEnabled", "asNumber"])?;
    if let Some(m) = f.bool("nodeToNodeMeshEnabled")? {
        c.mesh = m;
    }
    if let Some(a) = f.u32("asNumber")? {
        c.asn = a;
    }
    Ok(())
}

fn node(d: &Doc, c: &mut Config) -> Result<(), String> {
    let Some(spec) = &d.spec else { return Ok(()) };
    let f = Fields::of(spec, &format!("{}: spec", d.at()), &["bgp"])?;
    if let Some(b) = f.get("bgp") {
        let bf = Fields::of(b, &f.path("bgp"), &["asNumber"])?;
        if let Some(a) = bf.u32("asNumber")? {
            c.node_asn.insert(d.name.clone(), a);
        }
    }
    Ok(())
}

fn installation_spec(d: &Doc, c: &mut Config) -> Result<(), String> {
    let Some(spec) = &d.spec else { return Ok(()) };
    // Only `calicoNetwork` decides BGP and the nodes' BGP addresses; the rest of the
    // Installation (registry, images, resources) does not.
    let Some(net) = spec.as_map().and_then(|m| m.get("calicoNetwork")) else { return Ok(()) };
    let path = format!("{}: spec.calicoNetwork", d.at());
    // `mtu` and `ipPools` shape the data plane, not the BGP sessions.
    let known = ["bgp", "mtu", "ipPools", "nodeAddressAutodetectionV4", "nodeAddressAutodetectionV6"];
    let f = Fields::of(net, &path, &known)?;
    c.bgp = match f.string("bgp")?.as_deref() {
        Some("Enabled") => true,
        Some("Disabled") => false,
        // The lab does not assume the operator's default: the bundle always says which.
        None => return Err(format!("{path}.bgp: not set (the bundle must say Enabled or Disabled)")),
        Some(o) => return Err(format!("{path}.bgp: `{o}` is neither Enabled nor Disabled")),
    };
    for (key, fam) in [("nodeAddressAutodetectionV4", Family::Ipv4), ("nodeAddressAutodetectionV6", Family::Ipv6)] {
        let Some(a) = f.get(key) else { continue };
        let af = Fields::of(a, &f.path(key), &["kubernetes"])?;
        match af.string("kubernetes")?.as_deref() {
            Some("NodeInternalIP") => {
                c.families.insert(fam);
            }
            other => {
                return Err(format!(
                    "{}.kubernetes: `{}`: the lab reads only NodeInternalIP (the address k3s registers)",
                    f.path(key),
                    other.unwrap_or("")
                ))
            }
        }
    }
    Ok(())
}

fn bgp_peer(d: &Doc) -> Result<BgpPeer, String> {
    let at = format!("{}: spec", d.at());
    let spec = d.spec.as_ref().ok_or(format!("{at} is missing"))?;
    let f = Fields::of(
        spec,
        &at,
        &["node", "nodeSelector", "peerIP", "asNumber", "peerSelector", "keepOriginalNextHop", "sourceAddress"],
    )?;
    let sel = |k: &str| -> Result<Option<Calico>, String> {
        f.string(k)?.map(|s| selector::parse_calico(&s).map_err(|e| format!("{}: {e}", f.path(k)))).transpose()
    };
    let peer_ip = match f.string("peerIP")? {
        Some(s) => Some(s.parse::<IpAddr>().map_err(|_| {
            format!("{}: `{s}` is not an IP address (an `ip:port` form is not read by the lab)", f.path("peerIP"))
        })?),
        None => None,
    };
    let p = BgpPeer {
        at: d.at(),
        node: f.string("node")?,
        node_selector: sel("nodeSelector")?,
        peer_ip,
        asn: f.u32("asNumber")?,
        peer_selector: sel("peerSelector")?,
        keep_next_hop: f.bool("keepOriginalNextHop")?.unwrap_or(false),
    };
    match f.string("sourceAddress")?.as_deref() {
        None | Some("UseNodeIP") => {}
        Some(o) => return Err(format!("{}: `{o}`: the lab reads only UseNodeIP", f.path("sourceAddress"))),
    }
    // bgppeer.go: "When this is set, the Node field must be empty"; "When this is
    // set, the PeerIP and ASNumber fields must be empty".
    if p.node.is_some() && p.node_selector.is_some() {
        return Err(format!("{at}: node and nodeSelector are exclusive"));
    }
    match (&p.peer_selector, &p.peer_ip) {
        (Some(_), Some(_)) => return Err(format!("{at}: peerSelector excludes peerIP")),
        (Some(_), None) if p.asn.is_some() => return Err(format!("{at}: peerSelector excludes asNumber")),
        (None, None) => return Err(format!("{at}: neither peerIP nor peerSelector: this BGPPeer peers with nothing")),
        (None, Some(_)) if p.asn.is_none() => {
            return Err(format!("{at}: peerIP without asNumber: confd would write an AS of 0"))
        }
        _ => {}
    }
    Ok(p)
}

/// The node's BGP address of a family, when Calico takes one.
fn bgp_address(c: &Config, n: &NodeInfo, fam: Family) -> Option<IpAddr> {
    c.families.contains(&fam).then(|| n.address_like(fam == Family::Ipv4)).flatten()
}

fn node_asn(c: &Config, name: &str) -> u32 {
    c.node_asn.get(name).copied().unwrap_or(c.asn)
}

/// The nodes a BGPPeer's local side selects: `node`, `nodeSelector`, or every node.
fn local_nodes<'a>(p: &BgpPeer, nodes: &'a BTreeMap<String, NodeInfo>) -> Vec<&'a NodeInfo> {
    nodes
        .values()
        .filter(|n| match (&p.node, &p.node_selector) {
            (Some(name), _) => &n.name == name,
            (None, Some(s)) => s.matches(&n.labels),
            (None, None) => true,
        })
        .collect()
}

/// Derives every node's speaker.
pub fn derive(nodes: &BTreeMap<String, NodeInfo>, docs: &[Doc]) -> Result<Derived, Vec<String>> {
    let c = read(docs)?;
    let mut notes = Vec::new();
    if !c.bgp {
        notes.push("Calico runs without BGP (Installation calicoNetwork.bgp: Disabled): no node speaks BGP".into());
        return Ok((BTreeMap::new(), notes));
    }
    let strangers: Vec<String> = c
        .node_asn
        .keys()
        .filter(|n| !nodes.contains_key(*n))
        .map(|n| format!("projectcalico.org/v3 Node {n}: no such node in the bundle's nodes/"))
        .collect();
    if !strangers.is_empty() {
        return Err(strangers);
    }
    let mut out = BTreeMap::new();
    for n in nodes.values() {
        let my_asn = node_asn(&c, &n.name);
        let mut peers: Vec<Peer> = Vec::new();
        let mut add = |p: Peer| {
            // One session per address: the first source wins (confd keys peers by IP).
            if !peers.iter().any(|x| x.address == p.address) {
                peers.push(p);
            }
        };
        let mk = |address: IpAddr, asn: u32, multihop: bool, keep: bool, passive: bool, source: String| {
            let fam = Family::of(&address);
            Peer {
                address,
                asn,
                local: bgp_address(&c, n, fam),
                families: vec![fam],
                multihop,
                next_hop_keep: keep && asn != my_asn,
                passive,
                adverts: BTreeMap::from([(fam, vec![Advert::PodCidr])]),
                source,
            }
        };
        let mine = |a: &IpAddr| n.addresses.contains(a);
        // The node-to-node mesh.
        if c.mesh {
            for o in nodes.values().filter(|o| o.name != n.name) {
                for fam in [Family::Ipv4, Family::Ipv6] {
                    let (Some(me), Some(them)) = (bgp_address(&c, n, fam), bgp_address(&c, o, fam)) else { continue };
                    if me == them {
                        continue;
                    }
                    // The template compares the two addresses as strings.
                    let passive = them.to_string() > me.to_string();
                    add(mk(
                        them,
                        node_asn(&c, &o.name),
                        false,
                        false,
                        passive,
                        format!("node-to-node mesh with {}", o.name),
                    ));
                }
            }
        }
        // Global peers first, then node-specific ones (client.go's two passes).
        for global in [true, false] {
            for p in c.peers.iter().filter(|p| (p.node.is_none() && p.node_selector.is_none()) == global) {
                if !local_nodes(p, nodes).iter().any(|x| x.name == n.name) {
                    continue;
                }
                if let Some(sel) = &p.peer_selector {
                    for o in nodes.values().filter(|o| sel.matches(&o.labels)) {
                        for fam in [Family::Ipv4, Family::Ipv6] {
                            let Some(them) = bgp_address(&c, o, fam) else { continue };
                            if bgp_address(&c, n, fam).is_none() || mine(&them) {
                                continue;
                            }
                            add(mk(them, node_asn(&c, &o.name), true, p.keep_next_hop, false, p.at.clone()));
                        }
                    }
                } else if let (Some(ip), Some(asn)) = (p.peer_ip, p.asn) {
                    // No peering with itself, nor over a family the node has no BGP address in.
                    if mine(&ip) || bgp_address(&c, n, Family::of(&ip)).is_none() {
                        continue;
                    }
                    add(mk(ip, asn, true, p.keep_next_hop, false, p.at.clone()));
                }
            }
        }
        // Reverse peerings: this node is the peer side of a BGPPeer (by peerSelector,
        // or by peerIP and AS), so it peers back with the BGPPeer's local nodes.
        for p in &c.peers {
            let (is_remote, fams): (bool, Vec<Family>) = match (&p.peer_selector, p.peer_ip) {
                (Some(sel), _) => (sel.matches(&n.labels), vec![Family::Ipv4, Family::Ipv6]),
                (None, Some(ip)) => (mine(&ip) && p.asn == Some(my_asn), vec![Family::of(&ip)]),
                (None, None) => (false, Vec::new()),
            };
            if !is_remote {
                continue;
            }
            for o in local_nodes(p, nodes) {
                for &fam in &fams {
                    let Some(them) = bgp_address(&c, o, fam) else { continue };
                    if bgp_address(&c, n, fam).is_none() || mine(&them) {
                        continue;
                    }
                    add(mk(them, node_asn(&c, &o.name), true, false, false, format!("{} (reverse)", p.at)));
                }
            }
        }
        out.insert(
            n.name.clone(),
            Speaker { node: n.name.clone(), asn: my_asn, router_id: first_v4(n), installs_routes: true, peers },
        );
    }
    Ok((out, notes))
}
