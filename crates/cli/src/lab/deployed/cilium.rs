//! Cilium: the speaker the BGP control plane (v2 resources) runs on a node, from
//! `cluster/cilium/`: the Helm values (is the control plane on), the
//! `CiliumBGPClusterConfig`s (which nodes, which AS, which peers), the
//! `CiliumBGPPeerConfig`s they reference (families, multihop, what each family
//! advertises) and the `CiliumBGPAdvertisement`s those select by label.
//!
//! Semantics from cilium/cilium `pkg/k8s/apis/cilium.io/v2/` (the v2 API of 1.18
//! on; read at main, 2ba7ab9):
//! - `bgp_cluster_types.go`: `nodeSelector` "If empty / nil this config applies to
//!   all nodes"; `bgpInstances[]` with `localASN` and `peers[]` (`peerAddress`,
//!   `peerASN` — 0 disables the AS check —, `peerConfigRef`, "If not specified, the
//!   default BGP configuration is used"); a node selected by two configs is the
//!   `ConflictingClusterConfig` condition, and a missing peer config
//!   `MissingPeerConfigs`.
//! - `bgp_peer_types.go`: `ebgpMultihop` default 1 ("ignored for iBGP neighbors");
//!   `families` default ipv6/unicast and ipv4/unicast; a family's `advertisements`
//!   "If not specified, no advertisements are sent for this family".
//! - `bgp_advert_types.go`: `advertisementType` `PodCIDR`, `CiliumPodIPPool`,
//!   `Service` (with `service.addresses`: `LoadBalancerIP`, `ClusterIP`, `ExternalIP`).
//! - `Documentation/network/bgp-control-plane/`: the control plane is "enabled
//!   with Helm flag bgpControlPlane.enabled set as true"; without it the agent runs
//!   no BGP whatever resources exist.
//!
//! The agent announces; it installs no route it learns (the lab's node BIRD exports
//! nothing to the kernel), as the renderer's runbook says of Cilium's BGP.

use std::collections::BTreeMap;
use std::net::IpAddr;

use meshplan_core::plan::Family;
use meshplan_core::yaml::{self, Node};

use super::manifest::{self, Doc, Fields};
use super::selector::{self, LabelSelector};
use super::{first_v4, Advert, Derived, NodeInfo, Peer, Speaker};

const APIS: [&str; 2] = ["cilium.io/v2", "cilium.io/v2alpha1"];

struct ClusterConfig {
    at: String,
    selector: Option<LabelSelector>,
    asn: u32,
    peers: Vec<PeerRef>,
}

struct PeerRef {
    name: String,
    address: IpAddr,
    asn: u32,
    config: Option<String>,
}

struct PeerConfig {
    multihop: bool,
    /// Per family: the advertisements' label selector (none: nothing advertised).
    families: Vec<(Family, Option<LabelSelector>)>,
}

struct Advertisement {
    labels: selector::Labels,
    adverts: Vec<Advert>,
}

/// Whether the Helm values turn the BGP control plane on.
fn control_plane_on(values: Option<&(String, String)>) -> Result<bool, String> {
    let Some((path, text)) = values else { return Ok(false) };
    let root = yaml::read(text).map_err(|e| format!("{path}:{}: {}", e.span.line, e.message))?;
    let Some(b) = root.as_map().and_then(|m| m.get("bgpControlPlane")) else { return Ok(false) };
    let f = Fields::of(b, &format!("{path}: bgpControlPlane"), &["enabled"])?;
    Ok(f.bool("enabled")?.unwrap_or(false))
}

fn cluster_config(d: &Doc) -> Result<ClusterConfig, String> {
    let at = format!("{}: spec", d.at());
    let spec = d.spec.as_ref().ok_or(format!("{at} is missing"))?;
    let f = Fields::of(spec, &at, &["nodeSelector", "bgpInstances"])?;
    let selector = f.get("nodeSelector").map(|n| selector::label_selector(n, &f.path("nodeSelector"))).transpose()?;
    let inst = f.get("bgpInstances").ok_or(format!("{} is missing", f.path("bgpInstances")))?;
    let inst = manifest::seq(inst, &f.path("bgpInstances"))?;
    // Several instances on a node each need their own port; the lab runs one speaker.
    let [one] = inst else {
        return Err(format!(
            "{}: {} instances: the lab emulates exactly one per node",
            f.path("bgpInstances"),
            inst.len()
        ));
    };
    let ip = f.path("bgpInstances[0]");
    let i = Fields::of(one, &ip, &["name", "localASN", "peers"])?;
    let asn = i.u32("localASN")?.ok_or(format!("{ip}.localASN is not set: the lab cannot tell the node's AS"))?;
    let mut peers = Vec::new();
    if let Some(list) = i.get("peers") {
        for (k, p) in manifest::seq(list, &i.path("peers"))?.iter().enumerate() {
            peers.push(peer_ref(p, &format!("{ip}.peers[{k}]"))?);
        }
    }
    Ok(ClusterConfig { at: d.at(), selector, asn, peers })
}

fn peer_ref(p: &Node, pp: &str) -> Result<PeerRef, String> {
    let f = Fields::of(p, pp, &["name", "peerAddress", "peerASN", "peerConfigRef"])?;
    let name = f.string("name")?.ok_or(format!("{pp}.name is missing"))?;
    let addr =
        f.string("peerAddress")?.ok_or(format!("{pp}.peerAddress is missing (auto-discovery is not emulated)"))?;
    let address = addr.trim().parse().map_err(|_| format!("{pp}.peerAddress `{addr}` is not an IP address"))?;
    let asn = match f.u32("peerASN")? {
        Some(0) | None => {
            return Err(format!("{pp}.peerASN is 0 or unset (take any AS): the lab's BIRD needs the peer's AS"))
        }
        Some(a) => a,
    };
    let config = match f.get("peerConfigRef") {
        Some(r) => Fields::of(r, &f.path("peerConfigRef"), &["name"])?.string("name")?,
        None => None,
    };
    Ok(PeerRef { name, address, asn, config })
}

fn peer_config(d: &Doc) -> Result<PeerConfig, String> {
    let at = format!("{}: spec", d.at());
    let empty = Node::new(yaml::Value::Map(yaml::Map::default()));
    let spec = d.spec.as_ref().unwrap_or(&empty);
    // Timers and graceful restart change how fast a session comes and goes, not
    // whether it comes up or what it carries; the lab runs its own short timers.
    let f = Fields::of(spec, &at, &["ebgpMultihop", "gracefulRestart", "timers", "families", "transport"])?;
    let multihop = f.u32("ebgpMultihop")?.unwrap_or(1) > 1;
    if let Some(t) = f.get("transport") {
        let tf = Fields::of(t, &f.path("transport"), &["peerPort"])?;
        if let Some(port) = tf.u32("peerPort")?.filter(|p| *p != 179) {
            return Err(format!("{}: {port}: the lab's routers listen on 179", tf.path("peerPort")));
        }
    }
    let families = match f.get("families") {
        None => vec![(Family::Ipv6, None), (Family::Ipv4, None)],
        Some(list) => {
            let mut out = Vec::new();
            for (k, x) in manifest::seq(list, &f.path("families"))?.iter().enumerate() {
                let fp = format!("{}[{k}]", f.path("families"));
                let ff = Fields::of(x, &fp, &["afi", "safi", "advertisements"])?;
                let fam = match (ff.string("afi")?.as_deref(), ff.string("safi")?.as_deref()) {
                    (Some("ipv4"), Some("unicast")) => Family::Ipv4,
                    (Some("ipv6"), Some("unicast")) => Family::Ipv6,
                    (a, s) => {
                        return Err(format!(
                            "{fp}: {}/{}: the lab carries only ipv4/unicast and ipv6/unicast",
                            a.unwrap_or("?"),
                            s.unwrap_or("?")
                        ))
                    }
                };
                let sel = ff
                    .get("advertisements")
                    .map(|n| selector::label_selector(n, &ff.path("advertisements")))
                    .transpose()?;
                out.push((fam, sel));
            }
            out
        }
    };
    Ok(PeerConfig { multihop, families })
}

fn advertisement(d: &Doc) -> Result<Advertisement, String> {
    let at = format!("{}: spec", d.at());
    let spec = d.spec.as_ref().ok_or(format!("{at} is missing"))?;
    let f = Fields::of(spec, &at, &["advertisements"])?;
    let list = f.get("advertisements").ok_or(format!("{} is missing", f.path("advertisements")))?;
    let mut adverts = Vec::new();
    for (k, a) in manifest::seq(list, &f.path("advertisements"))?.iter().enumerate() {
        let ap = format!("{}[{k}]", f.path("advertisements"));
        let af = Fields::of(a, &ap, &["advertisementType", "service", "selector"])?;
        match af.string("advertisementType")?.as_deref() {
            Some("PodCIDR") => {
                if af.get("service").is_some() || af.get("selector").is_some() {
                    return Err(format!("{ap}: a PodCIDR advertisement takes no service or selector"));
                }
                adverts.push(Advert::PodCidr);
            }
            Some("Service") => {
                let s = af.get("service").ok_or(format!("{ap}.service is required for Service"))?;
                let sf = Fields::of(s, &af.path("service"), &["addresses"])?;
                let addrs = sf.get("addresses").ok_or(format!("{}.addresses is missing", af.path("service")))?;
                let mut kinds = Vec::new();
                for (j, x) in manifest::seq(addrs, &sf.path("addresses"))?.iter().enumerate() {
                    let xp = format!("{}[{j}]", sf.path("addresses"));
                    let kind = manifest::string(x, &xp)?;
                    if !matches!(kind.as_str(), "LoadBalancerIP" | "ClusterIP" | "ExternalIP") {
                        return Err(format!("{xp}: `{kind}` is not a service address type"));
                    }
                    kinds.push(kind);
                }
                if let Some(sel) = af.get("selector") {
                    selector::label_selector(sel, &af.path("selector"))?;
                }
                adverts.push(Advert::Service(kinds));
            }
            Some(other) => {
                return Err(format!("{ap}.advertisementType: `{other}` is not emulated (PodCIDR and Service are)"))
            }
            None => return Err(format!("{ap}.advertisementType is missing")),
        }
    }
    Ok(Advertisement { labels: d.labels.clone(), adverts })
}

/// Derives every node's speaker.
pub fn derive(
    nodes: &BTreeMap<String, NodeInfo>,
    files: &[(String, String)],
    docs: &[Doc],
) -> Result<Derived, Vec<String>> {
    let values = files.iter().find(|(p, _)| p == "cluster/cilium/values.yaml");
    let on = control_plane_on(values).map_err(|e| vec![e])?;
    let mut clusters = Vec::new();
    let mut peer_configs: BTreeMap<String, PeerConfig> = BTreeMap::new();
    let mut adverts = Vec::new();
    let mut errors = Vec::new();
    for d in docs {
        if !APIS.contains(&d.api.as_str()) {
            errors.push(format!("{}: {} is not a Cilium API the lab's reader knows", d.at(), d.api));
            continue;
        }
        let r = match d.kind.as_str() {
            "CiliumBGPClusterConfig" => cluster_config(d).map(|c| clusters.push(c)),
            "CiliumBGPPeerConfig" => peer_config(d).map(|c| {
                peer_configs.insert(d.name.clone(), c);
            }),
            "CiliumBGPAdvertisement" => advertisement(d).map(|a| adverts.push(a)),
            // Pools hand out addresses; which of them are announced is the advertisements' say.
            "CiliumLoadBalancerIPPool" => Ok(()),
            other => Err(format!("{}: {other} is not a resource the lab's Cilium reader knows", d.at())),
        };
        if let Err(e) = r {
            errors.push(e);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut notes = Vec::new();
    if !on {
        if !clusters.is_empty() {
            notes.push(
                "cluster/cilium/values.yaml leaves bgpControlPlane.enabled off: the BGP resources have no effect"
                    .to_string(),
            );
        }
        return Ok((BTreeMap::new(), notes));
    }
    let mut out = BTreeMap::new();
    for n in nodes.values() {
        let chosen: Vec<&ClusterConfig> =
            clusters.iter().filter(|c| c.selector.as_ref().is_none_or(|s| s.matches(&n.labels))).collect();
        let c = match chosen.as_slice() {
            [] => continue,
            [c] => *c,
            many => {
                let names: Vec<&str> = many.iter().map(|c| c.at.as_str()).collect();
                errors.push(format!(
                    "node {}: selected by {} CiliumBGPClusterConfigs ({}): Cilium reports ConflictingClusterConfig",
                    n.name,
                    many.len(),
                    names.join(", ")
                ));
                continue;
            }
        };
        let mut peers = Vec::new();
        for p in &c.peers {
            let source = format!("{} peer {}", c.at, p.name);
            let default = PeerConfig { multihop: false, families: vec![(Family::Ipv6, None), (Family::Ipv4, None)] };
            let pc = match &p.config {
                Some(name) => match peer_configs.get(name) {
                    Some(pc) => pc,
                    None => {
                        errors.push(format!(
                            "{source}: peerConfigRef `{name}` names no CiliumBGPPeerConfig (MissingPeerConfigs)"
                        ));
                        continue;
                    }
                },
                None => &default,
            };
            let mut per_family: BTreeMap<Family, Vec<Advert>> = BTreeMap::new();
            for (fam, sel) in &pc.families {
                let list = per_family.entry(*fam).or_default();
                if let Some(sel) = sel {
                    for a in adverts.iter().filter(|a| sel.matches(&a.labels)) {
                        list.extend(a.adverts.iter().cloned());
                    }
                }
                list.sort();
                list.dedup();
            }
            let fam = Family::of(&p.address);
            peers.push(Peer {
                address: p.address,
                asn: p.asn,
                local: n.address_like(fam == Family::Ipv4),
                families: per_family.keys().copied().collect(),
                // ebgpMultihop is ignored for iBGP neighbours.
                multihop: pc.multihop && p.asn != c.asn,
                next_hop_keep: false,
                passive: false,
                adverts: per_family,
                source,
            });
        }
        out.insert(
            n.name.clone(),
            Speaker { node: n.name.clone(), asn: c.asn, router_id: first_v4(n), installs_routes: false, peers },
        );
    }
    if errors.is_empty() {
        Ok((out, notes))
    } else {
        Err(errors)
    }
}
