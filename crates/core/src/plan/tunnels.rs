//! Tunnels between sites that carry routed pod traffic. A `wireguard` or
//! `zerotier` link between two sites (no device of the plan at either end) is
//! planned as a plain wire, but its endpoints forward only what they are told to: each end
//! must route the far side's pod ranges into the tunnel (for WireGuard, list
//! them in that peer's `AllowedIPs`, which is also the tunnel's routing table).

use std::collections::{BTreeMap, BTreeSet};

use ipnet::IpNet;

use super::types::{NodePlan, SitePath};
use crate::diag::{Code, Diagnostic};
use crate::model::{Cni, LinkKind, Topology};

pub fn run(t: &Topology, nodes: &BTreeMap<String, NodePlan>, paths: &[SitePath], diags: &mut Vec<Diagnostic>) {
    // Per tunnel link: per end, the prefixes that end must send into it.
    let mut need: BTreeMap<usize, BTreeMap<String, BTreeSet<IpNet>>> = BTreeMap::new();
    for p in paths.iter().filter(|p| p.routed) {
        for w in p.hops.windows(2) {
            let Some(i) = w[1].via.as_deref().and_then(link_index) else { continue };
            let Some(link) = t.links.get(i) else { continue };
            // Between two sites, the tunnel's ends are machines the plan does not
            // model (a device at an end routes by its own BGP or CNI).
            if !matches!(link.kind, LinkKind::Wireguard | LinkKind::Zerotier)
                || !link.between.iter().all(|e| t.sites.contains_key(e))
            {
                continue;
            }
            // The destination's pod ranges: the nodes at the path's far location.
            let far = nodes
                .iter()
                .filter(|(name, n)| location(t, name, n) == p.to)
                .flat_map(|(_, n)| n.pod_ranges.iter().copied());
            need.entry(i).or_default().entry(w[0].name.clone()).or_default().extend(far);
        }
    }
    for (i, ends) in need {
        let Some(link) = t.links.get(i) else { continue };
        let list = |s: &BTreeSet<IpNet>| s.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
        let sides: Vec<String> = ends.iter().map(|(end, s)| format!("{end} must route {} into it", list(s))).collect();
        let kind = if link.kind == LinkKind::Wireguard { "WireGuard" } else { "ZeroTier" };
        let other = |end: &str| link.between.iter().find(|e| *e != end).cloned().unwrap_or_default();
        let mut hint =
            match link.kind {
                LinkKind::Wireguard => ends
                    .iter()
                    .map(|(end, s)| {
                        format!(
                            "on {end}, in the [Peer] for {}: AllowedIPs = <its tunnel address>, {}",
                            other(end),
                            list(s)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("; "),
                _ => format!(
                "add a managed route in the ZeroTier network for each of these prefixes, via the member at the end \
                 that leads to it ({})",
                ends.iter().map(|(end, s)| format!("toward {}: {}", other(end), list(s))).collect::<Vec<_>>().join("; ")
            ),
            };
        if t.cluster.cni == Cni::Calico {
            hint.push_str(
                "; Calico claims more blocks as pods grow: route each new block too, or the whole pool per side",
            );
        }
        hint.push_str("; or model the tunnel's endpoints as routers of the plan");
        diags.push(
            Diagnostic::new(
                Code::W084,
                format!("links[{i}]"),
                format!(
                    "{kind} link {} ↔ {} carries routed pod traffic, and nothing of the plan configures its ends: {}",
                    link.between[0],
                    link.between[1],
                    sides.join("; ")
                ),
            )
            .hint(hint),
        );
    }
}

/// `links[3]` → 3.
fn link_index(via: &str) -> Option<usize> {
    via.strip_prefix("links[")?.strip_suffix(']')?.parse().ok()
}

/// A node's location as the paths name it: its site's network, or the node itself.
fn location<'a>(t: &Topology, name: &'a str, n: &'a NodePlan) -> &'a str {
    if t.sites.get(&n.site).is_some_and(|s| s.lan) {
        n.site.as_str()
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use crate::diag::Code;

    fn w084(src: &str) -> Vec<crate::diag::Diagnostic> {
        let t = crate::parse(src).topology.unwrap_or_else(|| panic!("does not parse"));
        crate::plan::build(&t).diagnostics.into_iter().filter(|d| d.code == Code::W084).collect()
    }

    const TWO_SITES: &str = "version: 1\nname: t\ncluster:\n  cni: calico\n  pod_cidr: [10.42.0.0/16]\n  \
service_cidr: [10.43.0.0/16]\n  asn: 64512\nsites:\n  east: {}\n  west: {}\nnodes:\n  \
e1: {site: east, role: server, address: 192.168.1.11}\n  w1: {site: west, role: agent, address: 192.168.2.11}\n\
links:\n  - {between: [east, west], kind: KIND, mtu: 1420}\n";

    #[test]
    fn each_end_gets_the_far_side_and_its_allowed_ips_line() {
        let d = w084(&TWO_SITES.replace("KIND", "wireguard"));
        assert_eq!(d.len(), 1, "{d:#?}");
        assert!(
            d[0].message.contains("east must route 10.42.0.64/26")
                && d[0].message.contains("west must route 10.42.0.0/26")
        );
        let hint = d[0].hint.clone().unwrap_or_default();
        assert!(
            hint.contains("on east, in the [Peer] for west: AllowedIPs = <its tunnel address>, 10.42.0.64/26"),
            "{hint}"
        );
        assert!(
            hint.contains("on west, in the [Peer] for east: AllowedIPs = <its tunnel address>, 10.42.0.0/26"),
            "{hint}"
        );
        let z = w084(&TWO_SITES.replace("KIND", "zerotier"));
        assert!(z.len() == 1 && z[0].hint.as_deref().is_some_and(|h| h.contains("managed route")), "{z:#?}");
        // Encapsulated pods need nothing from the tunnel's ends; an IEPL is no tunnel.
        assert!(w084(
            &TWO_SITES
                .replace("KIND", "wireguard")
                .replace("asn: 64512\n", "asn: 64512\n  calico: {encapsulation: vxlan}\n")
        )
        .is_empty());
        assert!(w084(&TWO_SITES.replace("KIND", "iepl")).is_empty());
    }
}
