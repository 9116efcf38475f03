//! What each CNI's data plane does to a pod packet between two node locations:
//! routed natively (the underlay must know the pod prefix) or tunnelled, and how
//! many bytes the tunnel takes. One table, used by forwarding and by the MTU budget.

use crate::model::{CalicoEncapsulation as CalEnc, Cni, FlannelBackend, KiloEncapsulation, KiloGranularity, Topology};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PairMode {
    /// Pod packets cross the underlay unencapsulated.
    pub routed: bool,
    /// The sending node itself needs a route to the destination pod range (Cilium
    /// instead hands packets to its default gateway).
    pub source_needs_route: bool,
    /// Bytes of encapsulation on this pair.
    pub overhead: u32,
    pub what: &'static str,
}

const fn routed(source_needs_route: bool, what: &'static str) -> PairMode {
    PairMode { routed: true, source_needs_route, overhead: 0, what }
}
const fn tunnel(overhead: u32, what: &'static str) -> PairMode {
    PairMode { routed: false, source_needs_route: false, overhead, what }
}

/// `same_location`: both ends in one site (one subnet, one Kilo location).
/// `v6_underlay`: tunnels run over IPv6 (the nodes have no IPv4 address).
pub fn pair_mode(t: &Topology, same_location: bool, v6_underlay: bool) -> PairMode {
    let c = &t.cluster;
    let vx = if v6_underlay { 70 } else { 50 };
    match c.cni {
        Cni::Calico => match c.calico().encapsulation {
            CalEnc::None => routed(true, "Calico, no encapsulation"),
            CalEnc::Ipip => tunnel(20, "Calico IP-in-IP"),
            CalEnc::Vxlan => tunnel(vx, "Calico VXLAN"),
            CalEnc::IpipCrossSubnet if same_location => routed(true, "Calico, same subnet (no encapsulation)"),
            CalEnc::IpipCrossSubnet => tunnel(20, "Calico IP-in-IP across subnets"),
            CalEnc::VxlanCrossSubnet if same_location => routed(true, "Calico, same subnet (no encapsulation)"),
            CalEnc::VxlanCrossSubnet => tunnel(vx, "Calico VXLAN across subnets"),
        },
        Cni::Cilium if c.cilium().native_routing => routed(false, "Cilium native routing"),
        Cni::Cilium => tunnel(vx, "Cilium VXLAN tunnel"),
        Cni::Flannel => match c.flannel().backend {
            FlannelBackend::Vxlan => tunnel(vx, "flannel VXLAN"),
            FlannelBackend::HostGw => routed(true, "flannel host-gw"),
            FlannelBackend::WireguardNative => tunnel(80, "flannel WireGuard"),
            FlannelBackend::None => tunnel(0, "no flannel backend (CNI brought separately)"),
        },
        // Inside a location Kilo routes over the location's own network, IP-in-IP
        // per `--encapsulate` (one site is one subnet here).
        Cni::Kilo if same_location && c.kilo().granularity == KiloGranularity::Location => match c.kilo().encapsulate {
            KiloEncapsulation::Always => tunnel(20, "Kilo inside a location (IP-in-IP, --encapsulate=always)"),
            KiloEncapsulation::Crosssubnet => {
                routed(true, "Kilo inside a location, one subnet (no encapsulation, --encapsulate=crosssubnet)")
            }
            KiloEncapsulation::Never => routed(true, "Kilo inside a location (no encapsulation, --encapsulate=never)"),
        },
        Cni::Kilo => tunnel(80, "Kilo WireGuard"),
    }
}
