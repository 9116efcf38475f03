//! Kubernetes' and k3s's own limits on the cluster's ranges: what makes
//! kube-controller-manager or kube-apiserver (both inside the k3s server) refuse
//! to start, whatever the CNI would have done. Overlaps between pod and service
//! ranges and node addresses are `addresses`' rules (E030, E031).

use ipnet::IpNet;

use crate::diag::{Code, Diagnostic};
use crate::model::Topology;
use crate::plan::addressing::{k8s_node_mask, per_node_size};

/// kube-controller-manager's node IPAM refuses an IPv6 per-node mask more than
/// this many bits longer than the cluster CIDR (`clusterSubnetMaxDiff`).
pub const MAX_NODE_MASK_DIFF_V6: u8 = 16;

/// The most host bits a service range may have: 20, or 64 once the
/// MultiCIDRServiceAllocator gate is on by default (Kubernetes 1.33).
pub fn max_service_host_bits(k3s_version: Option<&str>) -> u8 {
    match k8s_minor(k3s_version) {
        Some((1, minor)) if minor < 33 => 20,
        Some((major, _)) if major < 1 => 20,
        // No version pinned: the installer takes the current stable release.
        _ => 64,
    }
}

/// `v1.34.5+k3s1` → (1, 34).
fn k8s_minor(v: Option<&str>) -> Option<(u32, u32)> {
    let mut it = v?.trim_start_matches('v').split(['.', '+', '-']);
    Some((it.next()?.parse().ok()?, it.next()?.parse().ok()?))
}

pub fn run(t: &Topology, out: &mut Vec<Diagnostic>) {
    let c = &t.cluster;
    for (i, n) in c.pod_cidr.iter().enumerate() {
        let v4 = matches!(n, IpNet::V4(_));
        let (mask, set_by_bundle) = k8s_node_mask(c, v4);
        // Where the bundle passes the CNI's own per-node size, that size's rules
        // (E036) already speak; only a mask the CNI does not use is new here.
        if set_by_bundle && mask == per_node_size(c, v4) {
            continue;
        }
        let path = format!("cluster.pod_cidr[{i}]");
        let flag = if v4 { "node-cidr-mask-size-ipv4" } else { "node-cidr-mask-size-ipv6" };
        if n.prefix_len() > mask {
            out.push(
                Diagnostic::new(
                    Code::E080,
                    &path,
                    format!(
                        "pod range {n} is narrower than the /{mask} per node that k3s's kube-controller-manager \
                         allocates (--{flag}={mask}); it refuses to start"
                    ),
                )
                .hint(format!(
                    "the {} CNI does not use these per-node ranges, but Kubernetes still carves them: \
                     use a pod range of /{mask} or wider",
                    c.cni.as_str()
                )),
            );
        } else if !v4 && mask - n.prefix_len() > MAX_NODE_MASK_DIFF_V6 {
            out.push(
                Diagnostic::new(
                    Code::E081,
                    &path,
                    format!(
                        "pod range {n} is {} bits wider than the /{mask} per node (--{flag}); \
                         kube-controller-manager allows at most {MAX_NODE_MASK_DIFF_V6} and refuses to start",
                        mask - n.prefix_len()
                    ),
                )
                .hint(format!("use an IPv6 pod range of /{} to /{mask}", mask - MAX_NODE_MASK_DIFF_V6)),
            );
        }
    }

    let max_bits = max_service_host_bits(c.k3s_version.as_deref());
    for (i, n) in c.service_cidr.iter().enumerate() {
        let host_bits = n.max_prefix_len() - n.prefix_len();
        if host_bits > max_bits {
            let least = n.max_prefix_len() - max_bits;
            out.push(
                Diagnostic::new(
                    Code::E082,
                    format!("cluster.service_cidr[{i}]"),
                    format!(
                        "service range {n} has {host_bits} host bits; kube-apiserver{} accepts at most {max_bits} \
                         and refuses to start",
                        c.k3s_version.as_deref().map(|v| format!(" of {v}")).unwrap_or_default()
                    ),
                )
                .hint(format!("use a service range of /{least} or narrower (k3s's default is 10.43.0.0/16)")),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_limit_follows_the_kubernetes_version() {
        assert_eq!(max_service_host_bits(Some("v1.22.5+k3s1")), 20);
        assert_eq!(max_service_host_bits(Some("v1.32.9+k3s1")), 20);
        assert_eq!(max_service_host_bits(Some("v1.33.0+k3s1")), 64);
        assert_eq!(max_service_host_bits(Some("v1.34.5+k3s1")), 64);
        assert_eq!(max_service_host_bits(None), 64);
        assert_eq!(max_service_host_bits(Some("latest")), 64);
    }
}
