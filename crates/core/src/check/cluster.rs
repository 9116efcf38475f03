//! Cluster settings: servers, the CNI block, AS numbers, BGP peers that cannot speak BGP.

use crate::diag::{Code, Diagnostic};
use crate::model::{Cni, MetallbMode, Role, Topology};

/// AS numbers that must not be used on a session: 0 (RFC 7607), AS_TRANS 23456
/// (RFC 6793), 65535 and 4294967295 (RFC 7300), and the reserved 65552–131071.
pub fn asn_problem(asn: u32) -> Option<&'static str> {
    match asn {
        0 => Some("AS 0 is reserved (RFC 7607)"),
        23456 => Some("AS 23456 is AS_TRANS, reserved for 4-byte AS migration (RFC 6793)"),
        65535 | 4294967295 => Some("this AS number is reserved (RFC 7300)"),
        65552..=131071 => Some("this AS number is in the IANA reserved block 65552–131071"),
        _ => None,
    }
}

pub fn run(t: &Topology, out: &mut Vec<Diagnostic>) {
    let c = &t.cluster;
    if !t.nodes.values().any(|n| n.role == Role::Server) {
        out.push(
            Diagnostic::new(Code::E040, "nodes", "the cluster has no server node")
                .hint("give at least one node `role: server`; it runs the Kubernetes API"),
        );
    }

    let blocks = [
        (Cni::Calico, c.calico.is_some()),
        (Cni::Cilium, c.cilium.is_some()),
        (Cni::Flannel, c.flannel.is_some()),
        (Cni::Kilo, c.kilo.is_some()),
    ];
    for (cni, present) in blocks {
        if present && cni != c.cni {
            out.push(
                Diagnostic::new(
                    Code::E041,
                    format!("cluster.{}", cni.as_str()),
                    format!("the `{}` block is set, but the cluster's CNI is {}", cni.as_str(), c.cni.as_str()),
                )
                .hint(format!("remove the block, or set `cni: {}`", cni.as_str())),
            );
        }
    }
    if c.metallb.is_some() && c.cilium.as_ref().is_some_and(|x| !x.lb_pools.is_empty()) && c.cni == Cni::Cilium {
        out.push(
            Diagnostic::new(
                Code::E045,
                "cluster.metallb",
                "both MetalLB and Cilium LB-IPAM pools are set; two allocators would hand out the same addresses",
            )
            .hint("keep one of them"),
        );
    }

    if c.metallb.as_ref().is_some_and(|m| m.mode == MetallbMode::Bgp) && matches!(c.cni, Cni::Calico | Cni::Cilium) {
        out.push(
            Diagnostic::new(
                Code::E045,
                "cluster.metallb.mode",
                format!("MetalLB in BGP mode beside {}'s own BGP speaker: two speakers on each node would open competing sessions to the same routers", c.cni.as_str()),
            )
            .hint(if c.cni == Cni::Cilium {
                "announce service addresses with Cilium's BGP control plane (`lb_pools`) instead"
            } else {
                "announce service addresses with Calico (BGPConfiguration serviceLoadBalancerIPs), or use MetalLB in `mode: l2`"
            }),
        );
    }
    if let Some(asn) = c.asn {
        if let Some(why) = asn_problem(asn) {
            out.push(
                Diagnostic::new(Code::E042, "cluster.asn", why.to_string())
                    .hint("private AS numbers are 64512–65534 and 4200000000–4294967294"),
            );
        }
    }
    for (n, r) in &t.routers {
        if let Some(why) = r.asn.and_then(asn_problem) {
            out.push(Diagnostic::new(Code::E042, format!("routers.{n}.asn"), why.to_string()));
        }
    }

    let bgp_routers = t.routers.values().any(|r| r.daemon.speaks_bgp() && !r.serves.is_empty());
    let needs_asn = match c.cni {
        Cni::Calico => Some("Calico routes pods by BGP"),
        Cni::Cilium if bgp_routers => Some("Cilium's BGP control plane peers with the routers"),
        _ => None,
    }
    .or(c
        .metallb
        .as_ref()
        .filter(|m| m.mode == MetallbMode::Bgp)
        .map(|_| "MetalLB in BGP mode peers with the routers"));
    if let (None, Some(why)) = (c.asn, needs_asn) {
        out.push(
            Diagnostic::new(Code::E043, "cluster.asn", format!("the cluster has no AS number, and {why}"))
                .hint("set `asn:`, for example 64512"),
        );
    }

    // Routers the design uses as BGP peers must run a BGP daemon and have an address.
    let in_backbone =
        |name: &str| t.bgp.backbone.as_ref().is_some_and(|b| b.iter().any(|[x, y]| x == name || y == name));
    for (n, r) in &t.routers {
        let peer = !r.serves.is_empty() || in_backbone(n);
        if !peer {
            continue;
        }
        if !r.daemon.speaks_bgp() {
            let how = if r.serves.is_empty() { "is in the BGP backbone" } else { "serves sites" };
            out.push(
                Diagnostic::new(
                    Code::E062,
                    format!("routers.{n}.daemon"),
                    format!("router `{n}` {how} but has `daemon: none`, so it speaks no BGP"),
                )
                .hint("set `daemon: bird` or `frr`, or remove it from `serves` and the backbone"),
            );
        } else if r.address.is_empty() {
            out.push(
                Diagnostic::new(
                    Code::E037,
                    format!("routers.{n}.address"),
                    format!("router `{n}` is a BGP peer but has no address"),
                )
                .hint("give the address the nodes and other routers peer with"),
            );
        }
        if r.daemon.speaks_bgp() && r.router_id().is_none() {
            out.push(
                Diagnostic::new(
                    Code::E037,
                    format!("routers.{n}.router_id"),
                    format!("router `{n}` has no IPv4 address to take its router id from"),
                )
                .hint("set `router_id:` to a unique IPv4 address"),
            );
        }
    }
    if c.metallb.as_ref().is_some_and(|m| m.mode == MetallbMode::Bgp) && !bgp_routers {
        out.push(
            Diagnostic::new(
                Code::E062,
                "cluster.metallb.mode",
                "MetalLB is in BGP mode but no BGP router serves a site",
            )
            .hint("add a router with `daemon: bird` or `frr` that `serves` the nodes' sites, or use `mode: l2`"),
        );
    }
}
