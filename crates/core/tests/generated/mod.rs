//! Random topologies that cover every field of the model, including the values
//! the payload treats specially (K3s defaults, `Some(default)`, NUL in names).

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use ipnet::IpNet;
use meshplan_core::model::*;
use proptest::collection::{btree_map, vec};
use proptest::option::of;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::test_runner::{TestCaseError, TestRunner};

pub fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z][a-z0-9-]{0,10}",
        1 => "[A-Za-z0-9_.-]{0,4}",
        1 => any::<String>(),
        1 => "[\\x00-\\x7f]{0,4}",
    ]
}

/// Addresses from a few small pools as well as anywhere, so that the payload's
/// shared-prefix coding sees equal, near and unrelated neighbours.
pub fn ip() -> impl Strategy<Value = IpAddr> {
    prop_oneof![
        any::<IpAddr>(),
        (0u8..4).prop_map(|i| IpAddr::V4(Ipv4Addr::new(10, 0, 0, i))),
        (0u16..4).prop_map(|i| IpAddr::V6(std::net::Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, i))),
    ]
}

pub fn net() -> impl Strategy<Value = IpNet> {
    (ip(), any::<u8>(), any::<bool>()).prop_map(|(a, len, trunc)| {
        let max = if a.is_ipv4() { 33 } else { 129 };
        let n = IpNet::new(a, len % max).expect("length in range");
        if trunc {
            n.trunc()
        } else {
            n
        }
    })
}

fn nets() -> impl Strategy<Value = Vec<IpNet>> {
    prop_oneof![
        1 => Just(vec!["10.42.0.0/16".parse().expect("prefix")]),
        1 => Just(vec!["10.43.0.0/16".parse().expect("prefix")]),
        2 => vec(net(), 0..3),
    ]
}

fn range() -> impl Strategy<Value = AddrRange> {
    prop_oneof![
        net().prop_map(AddrRange::Cidr),
        (ip(), ip()).prop_map(|(a, b)| AddrRange::Range(a, b)),
        (0u8..255, 0u8..255).prop_map(|(a, b)| AddrRange::Range(
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, a)),
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, b))
        )),
    ]
}

fn pools() -> impl Strategy<Value = BTreeMap<String, Vec<AddrRange>>> {
    btree_map(text(), vec(range(), 0..4), 0..3)
}

fn mtu_value() -> impl Strategy<Value = u32> {
    prop_oneof![Just(1500), Just(1420), Just(1476), Just(1480), Just(1450), any::<u32>()]
}

fn calico() -> impl Strategy<Value = Calico> {
    (
        of(text()),
        select(vec![
            CalicoEncapsulation::None,
            CalicoEncapsulation::Ipip,
            CalicoEncapsulation::Vxlan,
            CalicoEncapsulation::IpipCrossSubnet,
            CalicoEncapsulation::VxlanCrossSubnet,
        ]),
        prop_oneof![Just(26u8), any::<u8>()],
        prop_oneof![Just(122u8), any::<u8>()],
        any::<bool>(),
        any::<bool>(),
        of(text()),
    )
        .prop_map(|(version, encapsulation, block_size, block_size_v6, nat_outgoing, node_mesh, registry)| {
            Calico { version, encapsulation, block_size, block_size_v6, nat_outgoing, node_mesh, registry }
        })
}

fn cilium() -> impl Strategy<Value = Cilium> {
    (
        of(text()),
        any::<bool>(),
        any::<bool>(),
        prop_oneof![Just(24u8), any::<u8>()],
        prop_oneof![Just(120u8), any::<u8>()],
        (pools(), proptest::collection::vec(text(), 0..3), any::<bool>()),
    )
        .prop_map(
            |(
                version,
                native_routing,
                kube_proxy_replacement,
                mask_size_v4,
                mask_size_v6,
                (lb_pools, lb_reserve_first_last, external_ips),
            )| {
                Cilium {
                    version,
                    native_routing,
                    kube_proxy_replacement,
                    mask_size_v4,
                    mask_size_v6,
                    lb_pools,
                    lb_reserve_first_last,
                    external_ips,
                }
            },
        )
}

fn flannel() -> impl Strategy<Value = Flannel> {
    select(vec![FlannelBackend::Vxlan, FlannelBackend::HostGw, FlannelBackend::WireguardNative, FlannelBackend::None])
        .prop_map(|backend| Flannel { backend })
}

fn kilo() -> impl Strategy<Value = Kilo> {
    (
        select(vec![KiloGranularity::Location, KiloGranularity::Full]),
        prop_oneof![Just(Kilo::default().wireguard_cidr), net()],
        prop_oneof![Just(51820u16), any::<u16>()],
        of(any::<u32>()),
        select(vec![KiloEncapsulation::Always, KiloEncapsulation::Crosssubnet, KiloEncapsulation::Never]),
    )
        .prop_map(|(granularity, wireguard_cidr, port, keepalive, encapsulate)| Kilo {
            granularity,
            wireguard_cidr,
            port,
            keepalive,
            encapsulate,
        })
}

fn metallb() -> impl Strategy<Value = Metallb> {
    (select(vec![MetallbMode::L2, MetallbMode::Bgp]), pools()).prop_map(|(mode, pools)| Metallb { mode, pools })
}

fn cluster() -> impl Strategy<Value = Cluster> {
    let head = (
        of(text()),
        select(Cni::ALL.to_vec()),
        nets(),
        nets(),
        of(prop_oneof![Just(IpAddr::V4(Ipv4Addr::new(10, 43, 0, 10))), ip()]),
        of(prop_oneof![Just(64512u32), any::<u32>()]),
        prop_oneof![Just(Mtu::Auto), mtu_value().prop_map(Mtu::Fixed)],
        of(text()),
    );
    let tail = (
        btree_map(text(), vec(text(), 0..3), 0..3),
        any::<bool>(),
        vec(text(), 0..3),
        of(calico()),
        of(cilium()),
        of(flannel()),
        of(kilo()),
        of(metallb()),
    );
    (head, tail).prop_map(
        |(
            (k3s_version, cni, pod_cidr, service_cidr, cluster_dns, asn, mtu, install_mirror),
            (registry_mirrors, airgap, disable, calico, cilium, flannel, kilo, metallb),
        )| Cluster {
            k3s_version,
            cni,
            pod_cidr,
            service_cidr,
            cluster_dns,
            asn,
            mtu,
            install_mirror,
            registry_mirrors,
            airgap,
            disable,
            calico,
            cilium,
            flannel,
            kilo,
            metallb,
        },
    )
}

/// A site, and whether its label is its own name (which the payload codes apart).
fn site() -> impl Strategy<Value = (Site, bool)> {
    (
        of(text()),
        select(vec![SiteKind::Lan, SiteKind::Vpc, SiteKind::Zerotier]),
        of(mtu_value()),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(label, kind, lan_mtu, lan, own)| (Site { label, kind, lan_mtu, lan }, own))
}

fn sites() -> impl Strategy<Value = BTreeMap<String, Site>> {
    btree_map(text(), site(), 0..4).prop_map(|m| {
        m.into_iter()
            .map(|(name, (mut s, own))| {
                if own {
                    s.label = Some(name.clone());
                }
                (name, s)
            })
            .collect()
    })
}

fn addresses() -> impl Strategy<Value = Addresses> {
    vec(ip(), 0..8).prop_map(Addresses)
}

fn router() -> impl Strategy<Value = Router> {
    (
        of(text()),
        select(vec![Daemon::Bird, Daemon::Frr, Daemon::None]),
        addresses(),
        of(any::<Ipv4Addr>()),
        any::<bool>(),
        of(prop_oneof![Just(64512u32), any::<u32>()]),
        vec(text(), 0..3),
        (select(Platform::ALL.to_vec()), of(text()), of(text())),
    )
        .prop_map(|(site, daemon, address, router_id, first_v4, asn, serves, (platform, machine, netns))| {
            // Often the router id is the first IPv4 address, as people write it.
            let router_id = if first_v4 && address.v4().is_some() { address.v4() } else { router_id };
            Router { site, daemon, address, router_id, asn, serves, platform, machine, netns }
        })
}

fn node() -> impl Strategy<Value = Node> {
    (
        text(),
        select(vec![Role::Server, Role::Agent]),
        addresses(),
        of(prop_oneof![any::<SocketAddr>(), (0u8..3).prop_map(|i| SocketAddr::from(([203, 0, 113, i], 51820)))]),
        btree_map(text(), text(), 0..3),
    )
        .prop_map(|(site, role, address, public, labels)| Node { site, role, address, public, labels })
}

fn link() -> impl Strategy<Value = Link> {
    (
        text(),
        text(),
        select(vec![
            LinkKind::Lan,
            LinkKind::Vpc,
            LinkKind::Zerotier,
            LinkKind::Wireguard,
            LinkKind::Iepl,
            LinkKind::Gre,
            LinkKind::Ipip,
            LinkKind::Vxlan,
            LinkKind::Internet,
        ]),
        of(mtu_value()),
        of(prop_oneof![Just(10u32), any::<u32>()]),
    )
        .prop_map(|(a, b, kind, mtu, cost)| Link { between: [a, b], kind, mtu, cost })
}

pub fn topology() -> impl Strategy<Value = Topology> {
    (
        prop_oneof![4 => Just(1u32), 1 => any::<u32>()],
        text(),
        of(text()),
        cluster(),
        sites(),
        btree_map(text(), router(), 0..3),
        btree_map(text(), of(text()).prop_map(|site| Host { site }), 0..3),
        btree_map(text(), node(), 0..5),
        vec(link(), 0..4),
        of(vec((text(), text()).prop_map(|(a, b)| [a, b]), 0..3)),
        any::<bool>(),
    )
        .prop_map(
            |(version, name, description, cluster, sites, routers, hosts, nodes, links, backbone, survive)| Topology {
                version,
                name,
                description,
                cluster,
                sites,
                routers,
                hosts,
                nodes,
                links,
                bgp: Bgp { backbone },
                resilience: Resilience { survive_single_failures: survive },
            },
        )
}

/// Runs a property on a thread with a large stack: the nested strategies for a
/// whole `Topology` need more than the test thread's 2 MiB in debug builds.
pub fn check<S>(cases: u32, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError> + Send + 'static)
where
    S: Strategy + Send + 'static,
{
    let run = move || {
        let mut runner = TestRunner::new(ProptestConfig::with_cases(cases));
        if let Err(e) = runner.run(&strategy, test) {
            panic!("{e}");
        }
    };
    let thread = std::thread::Builder::new().stack_size(64 << 20).spawn(run).expect("a test thread");
    if let Err(panic) = thread.join() {
        std::panic::resume_unwind(panic);
    }
}
