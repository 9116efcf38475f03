//! Address rules: families, overlaps, addresses inside the cluster's own ranges,
//! duplicates, block and mask sizes.

use std::collections::BTreeMap;
use std::net::IpAddr;

use ipnet::IpNet;

use crate::diag::{Code, Diagnostic};
use crate::model::{AddrRange, Cni, Topology};

/// An inclusive range as integers, IPv4 and IPv6 kept apart.
type Span = (bool, u128, u128);

fn span(first: IpAddr, last: IpAddr) -> Span {
    (first.is_ipv4(), num(first), num(last))
}
fn num(a: IpAddr) -> u128 {
    match a {
        IpAddr::V4(v) => u128::from(u32::from(v)),
        IpAddr::V6(v) => u128::from(v),
    }
}
fn net_span(n: &IpNet) -> Span {
    span(n.network(), n.broadcast())
}
fn overlaps(a: Span, b: Span) -> bool {
    a.0 == b.0 && a.1 <= b.2 && b.1 <= a.2
}
fn fam(v4: bool) -> &'static str {
    if v4 {
        "IPv4"
    } else {
        "IPv6"
    }
}

pub fn run(t: &Topology, out: &mut Vec<Diagnostic>) {
    let c = &t.cluster;
    families(t, out);

    // Ranges the cluster owns, with their paths.
    let mut owned: Vec<(String, String, Span)> = Vec::new();
    for (i, n) in c.pod_cidr.iter().enumerate() {
        owned.push((format!("cluster.pod_cidr[{i}]"), format!("pod range {n}"), net_span(n)));
    }
    for (i, n) in c.service_cidr.iter().enumerate() {
        owned.push((format!("cluster.service_cidr[{i}]"), format!("service range {n}"), net_span(n)));
    }
    for i in 0..owned.len() {
        for j in 0..i {
            if overlaps(owned[i].2, owned[j].2) {
                out.push(
                    Diagnostic::new(Code::E030, &owned[i].0, format!("{} overlaps {}", owned[i].1, owned[j].1))
                        .hint("pod and service ranges must be disjoint"),
                );
            }
        }
    }
    if c.cni == Cni::Kilo {
        let wg = c.kilo().wireguard_cidr;
        for (path, what, s) in &owned {
            if overlaps(net_span(&wg), *s) {
                out.push(Diagnostic::new(
                    Code::E030,
                    "cluster.kilo.wireguard_cidr",
                    format!("WireGuard range {wg} overlaps the {what} ({path})"),
                ));
            }
        }
    }

    // Device addresses: not inside the cluster's ranges, not twice.
    let mut seen: BTreeMap<IpAddr, String> = BTreeMap::new();
    let devices = t
        .nodes
        .iter()
        .map(|(n, d)| (format!("nodes.{n}.address"), &d.address))
        .chain(t.routers.iter().map(|(n, d)| (format!("routers.{n}.address"), &d.address)));
    for (path, addrs) in devices {
        for a in addrs.iter() {
            for (_, what, s) in &owned {
                if overlaps(span(*a, *a), *s) {
                    out.push(
                        Diagnostic::new(Code::E031, &path, format!("address {a} lies inside the {what}"))
                            .hint("device addresses come from the underlay, pod and service ranges from the cluster"),
                    );
                }
            }
            if let Some(first) = seen.get(a) {
                out.push(
                    Diagnostic::new(Code::E032, &path, format!("address {a} is also on {first}"))
                        .hint("each device needs its own address"),
                );
            } else {
                seen.insert(*a, path.trim_end_matches(".address").to_string());
            }
        }
    }

    if let Some(dns) = c.cluster_dns {
        if !c.service_cidr.iter().any(|n| n.contains(&dns)) {
            out.push(
                Diagnostic::new(
                    Code::E033,
                    "cluster.cluster_dns",
                    format!("cluster DNS {dns} is outside the service range"),
                )
                .hint(match c.service_cidr.iter().find(|n| n.network().is_ipv4() == dns.is_ipv4()) {
                    Some(n) => format!("pick an address in {n}, for example the tenth one"),
                    None => "cluster_dns must be in service_cidr".to_string(),
                }),
            );
        }
    }

    pools(t, &owned, out);
    block_sizes(t, out);
}

fn families(t: &Topology, out: &mut Vec<Diagnostic>) {
    let c = &t.cluster;
    for (field, list) in [("pod_cidr", &c.pod_cidr), ("service_cidr", &c.service_cidr)] {
        if list.is_empty() || list.len() > 2 {
            out.push(Diagnostic::new(
                Code::E034,
                format!("cluster.{field}"),
                format!("{field} needs one range, or two for dual stack (one IPv4, one IPv6)"),
            ));
        } else if list.len() == 2 && list[0].network().is_ipv4() == list[1].network().is_ipv4() {
            out.push(Diagnostic::new(
                Code::E034,
                format!("cluster.{field}[1]"),
                format!(
                    "both {field} entries are {}; dual stack needs one IPv4 and one IPv6 range",
                    fam(list[0].network().is_ipv4())
                ),
            ));
        }
    }
    let mut pod: Vec<bool> = c.pod_cidr.iter().map(|n| n.network().is_ipv4()).collect();
    let mut svc: Vec<bool> = c.service_cidr.iter().map(|n| n.network().is_ipv4()).collect();
    crate::sort::sort(&mut pod);
    pod.dedup();
    crate::sort::sort(&mut svc);
    svc.dedup();
    if !c.pod_cidr.is_empty() && !c.service_cidr.is_empty() && pod != svc {
        out.push(
            Diagnostic::new(
                Code::E034,
                "cluster.service_cidr",
                "pod and service ranges are not of the same address families",
            )
            .hint("give service_cidr one range for each family of pod_cidr"),
        );
    }
    for (n, node) in &t.nodes {
        if node.address.is_empty() {
            out.push(Diagnostic::new(Code::E037, format!("nodes.{n}.address"), format!("node `{n}` has no address")));
            continue;
        }
        for want in &pod {
            if !node.address.iter().any(|a| a.is_ipv4() == *want) {
                out.push(
                    Diagnostic::new(
                        Code::E035,
                        format!("nodes.{n}.address"),
                        format!("node `{n}` has no {} address, but the cluster has {} pods", fam(*want), fam(*want)),
                    )
                    .hint(if pod.len() == 2 {
                        "a dual-stack cluster needs both families on every node"
                    } else {
                        "give the node an address of the cluster's family"
                    }),
                );
            }
        }
        let mut fams: Vec<bool> = node.address.iter().map(|a| a.is_ipv4()).collect();
        crate::sort::sort(&mut fams);
        if fams.windows(2).any(|w| w[0] == w[1]) {
            out.push(Diagnostic::new(
                Code::E035,
                format!("nodes.{n}.address"),
                format!("node `{n}` has two addresses of one family; give one per family"),
            ));
        }
    }
}

fn pools(t: &Topology, owned: &[(String, String, Span)], out: &mut Vec<Diagnostic>) {
    let c = &t.cluster;
    let mut all: Vec<(String, Span)> = Vec::new();
    let sources = [
        c.metallb.as_ref().map(|m| ("cluster.metallb.pools", &m.pools)),
        c.cilium.as_ref().map(|x| ("cluster.cilium.lb_pools", &x.lb_pools)),
    ];
    for (base, pools) in sources.into_iter().flatten() {
        for (name, ranges) in pools {
            if ranges.is_empty() {
                out.push(Diagnostic::new(
                    Code::E037,
                    format!("{base}.{name}"),
                    format!("pool `{name}` has no addresses"),
                ));
            }
            for (i, r) in ranges.iter().enumerate() {
                let path = format!("{base}.{name}[{i}]");
                let (a, b) = r.bounds();
                if let AddrRange::Range(..) = r {
                    if num(a) > num(b) {
                        out.push(
                            Diagnostic::new(Code::E044, &path, format!("range {r} ends before it starts"))
                                .hint(format!("write it as {b}-{a}")),
                        );
                        continue;
                    }
                }
                let s = span(a, b);
                for (_, what, o) in owned {
                    if overlaps(s, *o) {
                        out.push(
                            Diagnostic::new(Code::E031, &path, format!("load-balancer range {r} overlaps the {what}"))
                                .hint("LB addresses must come from the underlay, outside pod and service ranges"),
                        );
                    }
                }
                for (other, o) in &all {
                    if overlaps(s, *o) {
                        out.push(Diagnostic::new(
                            Code::E030,
                            &path,
                            format!("load-balancer range {r} overlaps {other}"),
                        ));
                    }
                }
                all.push((path, s));
            }
        }
    }
}

fn block_sizes(t: &Topology, out: &mut Vec<Diagnostic>) {
    let c = &t.cluster;
    let nodes = t.nodes.len() as u128;
    let mut check = |path: &str, what: &str, size: u8, lo: u8, hi: u8, v4: bool, per_node: bool| {
        if size < lo || size > hi {
            out.push(Diagnostic::new(Code::E036, path, format!("{what} /{size} is out of range ({lo}..{hi})")));
            return;
        }
        for n in c.pod_cidr.iter().filter(|n| n.network().is_ipv4() == v4) {
            if size < n.prefix_len() {
                out.push(
                    Diagnostic::new(Code::E036, path, format!("{what} /{size} is larger than the pod range {n}"))
                        .hint(format!("use a size of at least /{}", n.prefix_len())),
                );
            } else if per_node && nodes > 0 {
                let blocks = 1u128 << (u32::from(size - n.prefix_len())).min(100);
                if blocks < nodes {
                    out.push(
                        Diagnostic::new(
                            Code::E036,
                            path,
                            format!(
                                "pod range {n} has room for {blocks} ranges of /{size}, fewer than the {nodes} nodes"
                            ),
                        )
                        .hint("widen the pod range or make the per-node size smaller"),
                    );
                }
            }
        }
    };
    match c.cni {
        Cni::Calico => {
            let cal = c.calico();
            check("cluster.calico.block_size", "Calico block size", cal.block_size, 20, 32, true, false);
            check("cluster.calico.block_size_v6", "Calico IPv6 block size", cal.block_size_v6, 116, 128, false, false);
        }
        Cni::Cilium => {
            let cil = c.cilium();
            check("cluster.cilium.mask_size_v4", "Cilium IPv4 mask size", cil.mask_size_v4, 16, 30, true, true);
            check("cluster.cilium.mask_size_v6", "Cilium IPv6 mask size", cil.mask_size_v6, 64, 126, false, true);
            // Cilium's cluster-pool IPAM refuses a per-node mask more than 16 bits
            // longer than the pool (clusterSubnetMaxDiff).
            for (path, size, v4) in [
                ("cluster.cilium.mask_size_v4", cil.mask_size_v4, true),
                ("cluster.cilium.mask_size_v6", cil.mask_size_v6, false),
            ] {
                for n in c.pod_cidr.iter().filter(|n| n.network().is_ipv4() == v4) {
                    if size > n.prefix_len() && size - n.prefix_len() > 16 {
                        out.push(
                            Diagnostic::new(
                                Code::E036,
                                path,
                                format!(
                                    "mask /{size} is {} bits longer than the pod range {n}; Cilium allows at most 16",
                                    size - n.prefix_len()
                                ),
                            )
                            .hint(format!("use a mask of at most /{}", n.prefix_len() + 16)),
                        );
                    }
                }
            }
        }
        // k3s allocates per-node ranges for flannel and kilo: /24 and /64.
        Cni::Flannel | Cni::Kilo => {
            check("cluster.pod_cidr", "per-node range", 24, 24, 24, true, true);
            check("cluster.pod_cidr", "per-node range", 64, 64, 64, false, true);
        }
    }
}
