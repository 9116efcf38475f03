//! The payload's flag bits, enum codes and the well-known values it leaves out.
//! Shared by `pack` and `unpack`, so the two cannot disagree.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

use crate::model::{CalicoEncapsulation, Cni, Daemon, FlannelBackend, LinkKind, Platform, SiteKind};

// Three-state fields: absent (0), present with the value the context implies
// (SAME: the kind's default MTU, the site's own name, ...), or another value.
pub(super) const SAME: u64 = 1;
pub(super) const OTHER: u64 = 2;

// Topology flags.
pub(super) const TOP_DESCRIPTION: u32 = 0;
pub(super) const TOP_SITES: u32 = 1;
pub(super) const TOP_ROUTERS: u32 = 2;
pub(super) const TOP_HOSTS: u32 = 3;
pub(super) const TOP_NODES: u32 = 4;
pub(super) const TOP_LINKS: u32 = 5;
pub(super) const TOP_BACKBONE: u32 = 6;
pub(super) const TOP_VERSION: u32 = 7;
/// Version 3: `resilience.survive_single_failures`.
pub(super) const TOP_SURVIVE: u32 = 8;

// Cluster flags; bits 0-1 are the CNI.
pub(super) const CL_K3S_VERSION: u32 = 2;
pub(super) const CL_DNS_SHIFT: u32 = 3; // two bits
pub(super) const CL_ASN_SHIFT: u32 = 5; // two bits: none, COMMON_ASN, other
pub(super) const CL_MTU: u32 = 7;
pub(super) const CL_INSTALL_MIRROR: u32 = 8;
pub(super) const CL_REGISTRY_MIRRORS: u32 = 9;
pub(super) const CL_AIRGAP: u32 = 10;
pub(super) const CL_DISABLE: u32 = 11;
pub(super) const CL_CALICO: u32 = 12;
pub(super) const CL_CILIUM: u32 = 13;
pub(super) const CL_FLANNEL: u32 = 14;
pub(super) const CL_KILO: u32 = 15;
pub(super) const CL_METALLB: u32 = 16;
pub(super) const CL_POD_CIDR: u32 = 17;
pub(super) const CL_SERVICE_CIDR: u32 = 18;

// Calico flags; bits 6-8 are the encapsulation.
pub(super) const CA_VERSION: u32 = 0;
pub(super) const CA_REGISTRY: u32 = 1;
pub(super) const CA_NO_NAT: u32 = 2;
pub(super) const CA_NO_MESH: u32 = 3;
pub(super) const CA_BLOCK: u32 = 4;
pub(super) const CA_BLOCK_V6: u32 = 5;
pub(super) const CA_ENCAP_SHIFT: u32 = 6;

// Cilium flags.
pub(super) const CI_VERSION: u32 = 0;
pub(super) const CI_NATIVE: u32 = 1;
pub(super) const CI_KPR: u32 = 2;
pub(super) const CI_MASK_V4: u32 = 3;
pub(super) const CI_MASK_V6: u32 = 4;
pub(super) const CI_POOLS: u32 = 5;
/// From format 2 on: `external_ips`, and `lb_reserve_first_last` (a list of names).
pub(super) const CI_EXTERNAL_IPS: u32 = 6;
pub(super) const CI_RESERVE: u32 = 7;

// Kilo flags.
pub(super) const KI_FULL: u32 = 0;
pub(super) const KI_CIDR: u32 = 1;
pub(super) const KI_PORT: u32 = 2;
pub(super) const KI_KEEPALIVE: u32 = 3;
/// Two bits from format 2 on: `encapsulate` (0 always, 1 crosssubnet, 2 never).
pub(super) const KI_ENCAP: u32 = 4;

// MetalLB flags.
pub(super) const MB_BGP: u32 = 0;
pub(super) const MB_POOLS: u32 = 1;

// Site flags: bits 0-1 label state, 2-3 lan_mtu state, 4-5 kind.
pub(super) const SI_NO_LAN: u32 = 6;

// Router flags: bits 0-1 daemon, 4-5 router_id state (SAME: its first IPv4 address).
pub(super) const RO_SITE: u32 = 2;
pub(super) const RO_ADDRESS: u32 = 3;
pub(super) const RO_ID_SHIFT: u32 = 4;
pub(super) const RO_ASN: u32 = 6;
pub(super) const RO_SERVES: u32 = 7;
// Version 2: a second router byte, bits 0-1 platform, then these; the strings
// follow the router's other fields.
pub(super) const RO2_MACHINE: u32 = 2;
pub(super) const RO2_NETNS: u32 = 3;

// Node flags.
pub(super) const NO_AGENT: u32 = 0;
pub(super) const NO_PUBLIC: u32 = 1;
pub(super) const NO_LABELS: u32 = 2;

// Link flags: bits 0-3 kind, 4-5 mtu state, 6-7 cost state (SAME: the default cost).

// Address lists: up to SHORT_ADDRS addresses are one byte (count in bits 0-2,
// bit 3 + i set when address i is IPv6) and raw bytes; LONG_ADDRS marks the rest.
pub(super) const SHORT_ADDRS: usize = 5;
pub(super) const LONG_ADDRS: u8 = 7;

/// The private AS most clusters use.
pub(super) const COMMON_ASN: u32 = 64512;

pub(super) fn bit(on: bool, b: u32) -> u64 {
    u64::from(on) << b
}

pub(super) fn has(flags: u64, b: u32) -> bool {
    flags >> b & 1 == 1
}

/// Two bits of `flags` from `shift` on.
pub(super) fn two_bits(flags: u64, shift: u32) -> u64 {
    flags >> shift & 3
}

/// K3s's own default ranges, which most files repeat.
pub(super) fn is_k3s_pod_cidr(v: &[IpNet]) -> bool {
    matches!(v, [IpNet::V4(n)] if n.addr() == Ipv4Addr::new(10, 42, 0, 0) && n.prefix_len() == 16)
}

pub(super) fn is_k3s_service_cidr(v: &[IpNet]) -> bool {
    matches!(v, [IpNet::V4(n)] if n.addr() == Ipv4Addr::new(10, 43, 0, 0) && n.prefix_len() == 16)
}

pub(super) fn k3s_pod_cidr() -> Vec<IpNet> {
    vec![IpNet::V4(ipnet::Ipv4Net::new_assert(Ipv4Addr::new(10, 42, 0, 0), 16))]
}

pub(super) fn k3s_service_cidr() -> Vec<IpNet> {
    vec![IpNet::V4(ipnet::Ipv4Net::new_assert(Ipv4Addr::new(10, 43, 0, 0), 16))]
}

/// Where K3s puts CoreDNS: the tenth address of the first service range.
pub(super) fn k3s_dns(service_cidr: &[IpNet]) -> Option<IpAddr> {
    match service_cidr.first()?.network() {
        IpAddr::V4(a) => u32::from(a).checked_add(10).map(|n| IpAddr::V4(Ipv4Addr::from(n))),
        IpAddr::V6(a) => u128::from(a).checked_add(10).map(|n| IpAddr::V6(Ipv6Addr::from(n))),
    }
}

/// An enum's small-integer code both ways; the encoding match is exhaustive, so a
/// new variant cannot be forgotten here.
macro_rules! codes {
    ($enc:ident, $dec:ident, $ty:ident { $($v:ident = $n:literal),* $(,)? }) => {
        pub(super) fn $enc(v: $ty) -> u64 {
            match v { $($ty::$v => $n,)* }
        }
        pub(super) fn $dec(n: u64) -> Option<$ty> {
            match n { $($n => Some($ty::$v),)* _ => None }
        }
    };
}

codes!(cni_code, cni_from, Cni { Calico = 0, Cilium = 1, Flannel = 2, Kilo = 3 });
codes!(encap_code, encap_from, CalicoEncapsulation {
    None = 0, Ipip = 1, Vxlan = 2, IpipCrossSubnet = 3, VxlanCrossSubnet = 4,
});
codes!(flannel_code, flannel_from, FlannelBackend { Vxlan = 0, HostGw = 1, WireguardNative = 2, None = 3 });
codes!(site_kind_code, site_kind_from, SiteKind { Lan = 0, Vpc = 1, Zerotier = 2 });
codes!(daemon_code, daemon_from, Daemon { Bird = 0, Frr = 1, None = 2 });
// Version 2: the second router byte, bits 0-1.
codes!(platform_code, platform_from, Platform { Debian = 0, Rhel = 1, Alpine = 2, Freebsd = 3 });
codes!(link_kind_code, link_kind_from, LinkKind {
    Lan = 0, Vpc = 1, Zerotier = 2, Wireguard = 3, Iepl = 4, Gre = 5, Ipip = 6, Vxlan = 7, Internet = 8,
});
