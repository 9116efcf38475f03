//! Scale designs for benchmarks and the browser's timing test: S sites of N nodes,
//! two BIRD route reflectors per site serving it, the reflectors in a full iBGP
//! backbone mesh over a WireGuard overlay they all join, Calico without
//! encapsulation and without the node mesh. Generated, never stored in the repo.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};

use ipnet::{IpNet, Ipv4Net};

use crate::model::*;

pub fn design(sites: usize, nodes_per_site: usize) -> Topology {
    let mut t = Topology {
        version: FORMAT_VERSION,
        name: format!("scale-{sites}x{nodes_per_site}"),
        description: Some(format!("{sites} sites × {nodes_per_site} nodes, two route reflectors per site")),
        cluster: Cluster {
            k3s_version: None,
            cni: Cni::Calico,
            pod_cidr: vec![IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(10, 64, 0, 0), 10))],
            service_cidr: vec![IpNet::V4(Ipv4Net::new_assert(Ipv4Addr::new(10, 128, 0, 0), 16))],
            cluster_dns: None,
            asn: Some(64512),
            mtu: Mtu::Auto,
            install_mirror: None,
            registry_mirrors: BTreeMap::new(),
            airgap: false,
            disable: Vec::new(),
            calico: Some(Calico { node_mesh: false, ..Calico::default() }),
            cilium: None,
            flannel: None,
            kilo: None,
            metallb: None,
        },
        sites: BTreeMap::new(),
        routers: BTreeMap::new(),
        hosts: BTreeMap::new(),
        nodes: BTreeMap::new(),
        links: Vec::new(),
        bgp: Bgp::default(),
        resilience: Resilience::default(),
    };
    // The WireGuard overlay the reflectors share, as one network.
    t.sites.insert("wg".into(), Site { label: None, kind: SiteKind::Lan, lan_mtu: Some(1420), lan: true });
    for s in 0..sites {
        let site = format!("site{s:03}");
        // 172.16.0.0/12 gives 4096 /24s: one per site.
        let (hi, lo) = (16 + (s / 256) as u8, (s % 256) as u8);
        let addr = |host: u8| IpAddr::V4(Ipv4Addr::new(172, hi, lo, host));
        t.sites.insert(site.clone(), Site::default());
        for r in 1..=2u8 {
            let name = format!("{site}-rr{r}");
            t.routers.insert(
                name.clone(),
                Router {
                    site: Some(site.clone()),
                    daemon: Daemon::Bird,
                    address: Addresses(vec![addr(r)]),
                    router_id: None,
                    asn: None,
                    serves: vec![site.clone()],
                    platform: Default::default(),
                    machine: None,
                    netns: None,
                },
            );
            t.links.push(Link { between: [name, "wg".into()], kind: LinkKind::Wireguard, mtu: None, cost: None });
        }
        for n in 0..nodes_per_site {
            let role = if s == 0 && n == 0 { Role::Server } else { Role::Agent };
            t.nodes.insert(
                format!("{site}-n{n:02}"),
                Node {
                    site: site.clone(),
                    role,
                    address: Addresses(vec![addr(10 + (n % 240) as u8)]),
                    public: None,
                    labels: BTreeMap::new(),
                },
            );
        }
    }
    t
}
