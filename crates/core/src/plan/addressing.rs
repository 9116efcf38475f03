//! The address plan: each node's pod range per family, allocated in node order at
//! the CNI's per-node size. Calico claims blocks at run time; the plan reports the
//! pool's block arithmetic and reasons with each node's first block.

use std::collections::BTreeMap;
use std::net::{Ipv4Addr, Ipv6Addr};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::types::{BlockPool, CalicoBlocks, NodePlan};
use crate::model::{Cluster, Cni, Topology};

pub struct Addressing {
    pub nodes: BTreeMap<String, NodePlan>,
    pub calico: Option<CalicoBlocks>,
}

/// The per-node prefix length for a pod range of this family.
pub fn per_node_size(c: &Cluster, v4: bool) -> u8 {
    match (c.cni, v4) {
        (Cni::Calico, true) => c.calico().block_size,
        (Cni::Calico, false) => c.calico().block_size_v6,
        (Cni::Cilium, true) => c.cilium().mask_size_v4,
        (Cni::Cilium, false) => c.cilium().mask_size_v6,
        // k3s's node IPAM: --node-cidr-mask-size-ipv4/6 defaults.
        (Cni::Flannel | Cni::Kilo, true) => 24,
        (Cni::Flannel | Cni::Kilo, false) => 64,
    }
}

/// The per-node mask k3s's kube-controller-manager carves the pod range into, and
/// whether the bundle sets it (`kube-controller-manager-arg`). Cilium's cluster-pool
/// IPAM has its own size: Kubernetes is told the same, so that a node's
/// `spec.podCIDRs` and its Cilium range have one size and the controller accepts
/// Cilium's narrower pools. Flannel and Kilo use Kubernetes' ranges at their
/// defaults; Calico ignores them (its blocks are its own), so they stay at
/// kube-controller-manager's defaults, /24 and /64.
pub fn k8s_node_mask(c: &Cluster, v4: bool) -> (u8, bool) {
    match c.cni {
        Cni::Cilium => (per_node_size(c, v4), true),
        _ => (if v4 { 24 } else { 64 }, false),
    }
}

/// The `i`-th subnet of `size` inside `pool`, if there is one.
pub fn nth_subnet(pool: &IpNet, size: u8, i: usize) -> Option<IpNet> {
    if size < pool.prefix_len() || size > pool.max_prefix_len() {
        return None;
    }
    let bits = u32::from(pool.max_prefix_len());
    let step_shift = bits - u32::from(size);
    let count_bits = u32::from(size - pool.prefix_len());
    if count_bits < 127 && (i as u128) >= (1u128 << count_bits) {
        return None;
    }
    let offset = (i as u128).checked_shl(step_shift)?;
    match pool {
        IpNet::V4(n) => {
            let base = u32::from(n.network());
            let a = base.checked_add(u32::try_from(offset).ok()?)?;
            Ipv4Net::new(Ipv4Addr::from(a), size).ok().map(IpNet::V4)
        }
        IpNet::V6(n) => {
            let base = u128::from(n.network());
            let a = base.checked_add(offset)?;
            Ipv6Net::new(Ipv6Addr::from(a), size).ok().map(IpNet::V6)
        }
    }
}

pub fn plan(t: &Topology) -> Addressing {
    let mut nodes = BTreeMap::new();
    for (i, (name, n)) in t.nodes.iter().enumerate() {
        let pod_ranges = t
            .cluster
            .pod_cidr
            .iter()
            .filter_map(|pool| nth_subnet(pool, per_node_size(&t.cluster, matches!(pool, IpNet::V4(_))), i))
            .collect();
        let region = t.sites.get(&n.site).map(|s| s.label_or(&n.site).to_string()).unwrap_or_else(|| n.site.clone());
        nodes.insert(
            name.clone(),
            NodePlan {
                site: n.site.clone(),
                region,
                role: n.role,
                addresses: n.address.0.clone(),
                pod_ranges,
                public: n.public,
                labels: n.labels.clone(),
            },
        );
    }
    let calico = (t.cluster.cni == Cni::Calico).then(|| calico_blocks(t));
    Addressing { nodes, calico }
}

fn calico_blocks(t: &Topology) -> CalicoBlocks {
    let cal = t.cluster.calico();
    let n = t.nodes.len().max(1) as u128;
    let blocks = t
        .cluster
        .pod_cidr
        .iter()
        .filter_map(|pool| {
            let size = if matches!(pool, IpNet::V4(_)) { cal.block_size } else { cal.block_size_v6 };
            let count_bits = u32::from(size.checked_sub(pool.prefix_len())?);
            let host_bits = u32::from(pool.max_prefix_len().checked_sub(size)?);
            let block_count = 1u128.checked_shl(count_bits).unwrap_or(u128::MAX);
            let addresses_per_block = 1u128.checked_shl(host_bits).unwrap_or(u128::MAX);
            Some(BlockPool {
                cidr: *pool,
                block_size: size,
                block_count,
                addresses_per_block,
                blocks_per_node: block_count / n,
            })
        })
        .collect();
    CalicoBlocks {
        block_size: cal.block_size,
        block_size_v6: cal.block_size_v6,
        blocks,
        note: "Calico IPAM claims blocks at run time as pods are scheduled; a node may hold several. \
               The plan reasons with one block per node, in node order."
            .to_string(),
    }
}
