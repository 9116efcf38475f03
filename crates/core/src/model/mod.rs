//! The topology file, format version 1 (`docs/format.md`): what a person
//! wrote, and the only state that is stored, undone, shared or exported as source.
//!
//! Every struct denies unknown fields so a typo never passes silently. Names are map
//! keys in `BTreeMap`s, so output order is the sorted order of names, always.
//! Fields whose default depends on another field (`lan_mtu` by `kind`) stay `Option`
//! and are resolved by the accessor next to them, so writing the file back never
//! invents a value the person did not write.

mod values;

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use ipnet::IpNet;
use serde::{Deserialize, Serialize};

pub use values::{AddrRange, Addresses, Mtu};

/// The only format version this build reads and writes.
pub const FORMAT_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Topology {
    pub version: u32,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub cluster: Cluster,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sites: BTreeMap<String, Site>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub routers: BTreeMap<String, Router>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub hosts: BTreeMap<String, Host>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub nodes: BTreeMap<String, Node>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(default, skip_serializing_if = "Bgp::is_default")]
    pub bgp: Bgp,
    #[serde(default, skip_serializing_if = "Resilience::is_default")]
    pub resilience: Resilience,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Cni {
    Calico,
    Cilium,
    Flannel,
    Kilo,
}

impl Cni {
    pub const ALL: [Cni; 4] = [Cni::Calico, Cni::Cilium, Cni::Flannel, Cni::Kilo];

    pub fn as_str(self) -> &'static str {
        match self {
            Cni::Calico => "calico",
            Cni::Cilium => "cilium",
            Cni::Flannel => "flannel",
            Cni::Kilo => "kilo",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cluster {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub k3s_version: Option<String>,
    pub cni: Cni,
    pub pod_cidr: Vec<IpNet>,
    pub service_cidr: Vec<IpNet>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_dns: Option<IpAddr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    #[serde(default, skip_serializing_if = "Mtu::is_auto")]
    pub mtu: Mtu,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub install_mirror: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub registry_mirrors: BTreeMap<String, Vec<String>>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub airgap: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disable: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calico: Option<Calico>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cilium: Option<Cilium>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub flannel: Option<Flannel>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kilo: Option<Kilo>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metallb: Option<Metallb>,
}

impl Cluster {
    /// The Calico settings in force: the block as written, or Calico's defaults.
    pub fn calico(&self) -> Calico {
        self.calico.clone().unwrap_or_default()
    }
    pub fn cilium(&self) -> Cilium {
        self.cilium.clone().unwrap_or_default()
    }
    pub fn flannel(&self) -> Flannel {
        self.flannel.clone().unwrap_or_default()
    }
    pub fn kilo(&self) -> Kilo {
        self.kilo.clone().unwrap_or_default()
    }
    /// True when the cluster has IPv6 pod addresses.
    pub fn has_ipv6(&self) -> bool {
        self.pod_cidr.iter().any(|n| matches!(n, IpNet::V6(_)))
    }
    pub fn is_dual_stack(&self) -> bool {
        self.has_ipv6() && self.pod_cidr.iter().any(|n| matches!(n, IpNet::V4(_)))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum CalicoEncapsulation {
    /// meshplan's reason to exist: routed pods, no tunnel.
    #[default]
    None,
    Ipip,
    Vxlan,
    IpipCrossSubnet,
    VxlanCrossSubnet,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Calico {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    #[serde(default)]
    pub encapsulation: CalicoEncapsulation,
    #[serde(default = "default_block_size")]
    pub block_size: u8,
    #[serde(default = "default_block_size_v6")]
    pub block_size_v6: u8,
    #[serde(default = "yes")]
    pub nat_outgoing: bool,
    #[serde(default = "yes")]
    pub node_mesh: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registry: Option<String>,
}

impl Default for Calico {
    fn default() -> Self {
        Calico {
            version: None,
            encapsulation: CalicoEncapsulation::None,
            block_size: default_block_size(),
            block_size_v6: default_block_size_v6(),
            nat_outgoing: true,
            node_mesh: true,
            registry: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cilium {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// false = Cilium's default VXLAN tunnel.
    #[serde(default)]
    pub native_routing: bool,
    #[serde(default)]
    pub kube_proxy_replacement: bool,
    #[serde(default = "default_mask_v4")]
    pub mask_size_v4: u8,
    #[serde(default = "default_mask_v6")]
    pub mask_size_v6: u8,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub lb_pools: BTreeMap<String, Vec<AddrRange>>,
    /// Pools whose first and last addresses are never handed out
    /// (`allowFirstLastIPs: "No"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub lb_reserve_first_last: Vec<String>,
    /// Cilium serves Services' `externalIPs` and announces them by BGP.
    #[serde(default, skip_serializing_if = "is_false")]
    pub external_ips: bool,
}

impl Default for Cilium {
    fn default() -> Self {
        Cilium {
            version: None,
            native_routing: false,
            kube_proxy_replacement: false,
            mask_size_v4: default_mask_v4(),
            mask_size_v6: default_mask_v6(),
            lb_pools: BTreeMap::new(),
            lb_reserve_first_last: Vec::new(),
            external_ips: false,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum FlannelBackend {
    #[default]
    Vxlan,
    HostGw,
    WireguardNative,
    None,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Flannel {
    #[serde(default)]
    pub backend: FlannelBackend,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum KiloGranularity {
    #[default]
    Location,
    Full,
}

/// Kilo's `--encapsulate`: what happens to pod packets between nodes of one
/// location (squat/kilo `cmd/kg/main.go`, default `always`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum KiloEncapsulation {
    /// IP-in-IP between every pair of nodes of a location (upstream's default).
    #[default]
    Always,
    /// IP-in-IP only between nodes on different subnets; on one subnet pod packets
    /// go unencapsulated, which a cloud network drops unless the instances'
    /// source/destination checks are off.
    Crosssubnet,
    /// Never encapsulated inside a location: the network must route the pod ranges.
    Never,
}

impl KiloEncapsulation {
    pub fn as_str(self) -> &'static str {
        match self {
            KiloEncapsulation::Always => "always",
            KiloEncapsulation::Crosssubnet => "crosssubnet",
            KiloEncapsulation::Never => "never",
        }
    }
    pub fn is_always(&self) -> bool {
        *self == KiloEncapsulation::Always
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Kilo {
    #[serde(default)]
    pub granularity: KiloGranularity,
    #[serde(default = "default_kilo_cidr")]
    pub wireguard_cidr: IpNet,
    #[serde(default = "default_kilo_port")]
    pub port: u16,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub keepalive: Option<u32>,
    #[serde(default, skip_serializing_if = "KiloEncapsulation::is_always")]
    pub encapsulate: KiloEncapsulation,
}

impl Default for Kilo {
    fn default() -> Self {
        Kilo {
            granularity: KiloGranularity::Location,
            wireguard_cidr: default_kilo_cidr(),
            port: default_kilo_port(),
            keepalive: None,
            encapsulate: KiloEncapsulation::Always,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum MetallbMode {
    #[default]
    L2,
    Bgp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Metallb {
    #[serde(default)]
    pub mode: MetallbMode,
    #[serde(default)]
    pub pools: BTreeMap<String, Vec<AddrRange>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SiteKind {
    #[default]
    Lan,
    Vpc,
    Zerotier,
}

impl SiteKind {
    /// The MTU a site network of this kind offers when the file does not say.
    /// ZeroTier: 1420, what is left of a 1500-byte Internet path after its UDP
    /// encapsulation (the 2800 its interface reports fragments on the way).
    pub fn default_mtu(self) -> u32 {
        match self {
            SiteKind::Lan | SiteKind::Vpc => 1500,
            SiteKind::Zerotier => 1420,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Site {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub kind: SiteKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lan_mtu: Option<u32>,
    #[serde(default = "yes", skip_serializing_if = "is_true")]
    pub lan: bool,
}

impl Default for Site {
    /// A site as the format defaults it: a LAN of its own.
    fn default() -> Self {
        Site { label: None, kind: SiteKind::Lan, lan_mtu: None, lan: true }
    }
}

impl Site {
    pub fn mtu(&self) -> u32 {
        self.lan_mtu.unwrap_or_else(|| self.kind.default_mtu())
    }
    /// The `region` label of the nodes in this site.
    pub fn label_or<'a>(&'a self, name: &'a str) -> &'a str {
        self.label.as_deref().unwrap_or(name)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Daemon {
    #[default]
    Bird,
    Frr,
    None,
}

impl Daemon {
    pub fn speaks_bgp(self) -> bool {
        !matches!(self, Daemon::None)
    }
}

/// The operating system a router runs, which decides its package manager, its
/// config paths, how forwarding is switched on and how services are controlled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Platform {
    /// Debian, Ubuntu and their family: apt, systemd.
    #[default]
    Debian,
    /// RHEL, Fedora, Rocky, Alma: dnf, systemd.
    Rhel,
    /// Alpine: apk, OpenRC.
    Alpine,
    /// FreeBSD: pkg, rc.d, `/usr/local/etc`.
    Freebsd,
}

impl Platform {
    pub const ALL: [Platform; 4] = [Platform::Debian, Platform::Rhel, Platform::Alpine, Platform::Freebsd];

    pub fn as_str(self) -> &'static str {
        match self {
            Platform::Debian => "debian",
            Platform::Rhel => "rhel",
            Platform::Alpine => "alpine",
            Platform::Freebsd => "freebsd",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Router {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
    #[serde(default, skip_serializing_if = "is_default")]
    pub daemon: Daemon,
    #[serde(default, skip_serializing_if = "Addresses::is_empty")]
    pub address: Addresses,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub router_id: Option<Ipv4Addr>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub serves: Vec<String>,
    /// The router's operating system (default: the Debian family).
    #[serde(default, skip_serializing_if = "is_default")]
    pub platform: Platform,
    /// The machine the router runs on, when several routers share one
    /// (default: a machine of its own, named like the router).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub machine: Option<String>,
    /// The Linux network namespace the router's daemon runs in on that machine
    /// (default: the machine's own network stack).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netns: Option<String>,
}

impl Router {
    /// The machine the router runs on: as written, or its own name.
    pub fn machine<'a>(&'a self, name: &'a str) -> &'a str {
        self.machine.as_deref().unwrap_or(name)
    }

    /// The router id in force: as written, or the first IPv4 address.
    pub fn router_id(&self) -> Option<Ipv4Addr> {
        self.router_id.or_else(|| {
            self.address.iter().find_map(|a| match a {
                IpAddr::V4(v4) => Some(*v4),
                IpAddr::V6(_) => None,
            })
        })
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Host {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Server,
    Agent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
    pub site: String,
    pub role: Role,
    pub address: Addresses,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public: Option<SocketAddr>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum LinkKind {
    #[default]
    Lan,
    Vpc,
    Zerotier,
    Wireguard,
    Iepl,
    Gre,
    Ipip,
    Vxlan,
    Internet,
}

impl LinkKind {
    /// The MTU a link of this kind offers IP packets when the file does not say:
    /// 1500 less the tunnel's own overhead.
    pub fn default_mtu(self) -> u32 {
        match self {
            LinkKind::Lan | LinkKind::Vpc | LinkKind::Iepl | LinkKind::Internet => 1500,
            LinkKind::Zerotier | LinkKind::Wireguard => 1420,
            LinkKind::Gre => 1476,
            LinkKind::Ipip => 1480,
            LinkKind::Vxlan => 1450,
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            LinkKind::Lan => "lan",
            LinkKind::Vpc => "vpc",
            LinkKind::Zerotier => "zerotier",
            LinkKind::Wireguard => "wireguard",
            LinkKind::Iepl => "iepl",
            LinkKind::Gre => "gre",
            LinkKind::Ipip => "ipip",
            LinkKind::Vxlan => "vxlan",
            LinkKind::Internet => "internet",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Link {
    pub between: [String; 2],
    #[serde(default, skip_serializing_if = "is_default")]
    pub kind: LinkKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mtu: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<u32>,
}

impl Link {
    pub const DEFAULT_COST: u32 = 10;
    pub fn mtu(&self) -> u32 {
        self.mtu.unwrap_or_else(|| self.kind.default_mtu())
    }
    pub fn cost(&self) -> u32 {
        self.cost.unwrap_or(Self::DEFAULT_COST)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Bgp {
    /// Router-to-router sessions. `None`: full mesh among BGP routers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backbone: Option<Vec<[String; 2]>>,
}

impl Bgp {
    fn is_default(&self) -> bool {
        self.backbone.is_none()
    }
}

/// What the design must survive (`plan::failures` checks it).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields)]
pub struct Resilience {
    /// Every single failure (a router, a host, a link, a site network) must
    /// leave pod traffic between every pair of sites flowing at the pod MTU:
    /// the findings of the failure analysis become errors.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub survive_single_failures: bool,
}

impl Resilience {
    fn is_default(&self) -> bool {
        !self.survive_single_failures
    }
}

/// What kind of thing a name in the topology denotes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Site,
    Router,
    Host,
    Node,
}

impl Kind {
    /// The top-level section that holds things of this kind.
    pub fn section(self) -> &'static str {
        match self {
            Kind::Site => "sites",
            Kind::Router => "routers",
            Kind::Host => "hosts",
            Kind::Node => "nodes",
        }
    }
}

impl Topology {
    /// What `name` denotes; devices win over sites (a clash is itself an error).
    pub fn kind_of(&self, name: &str) -> Option<Kind> {
        if self.nodes.contains_key(name) {
            Some(Kind::Node)
        } else if self.routers.contains_key(name) {
            Some(Kind::Router)
        } else if self.hosts.contains_key(name) {
            Some(Kind::Host)
        } else if self.sites.contains_key(name) {
            Some(Kind::Site)
        } else {
            None
        }
    }

    /// The site a device sits in, if any.
    pub fn site_of(&self, device: &str) -> Option<&str> {
        if let Some(n) = self.nodes.get(device) {
            return Some(n.site.as_str());
        }
        if let Some(r) = self.routers.get(device) {
            return r.site.as_deref();
        }
        self.hosts.get(device).and_then(|h| h.site.as_deref())
    }

    /// The BGP AS of a router: its own or the cluster's.
    pub fn router_asn(&self, router: &Router) -> Option<u32> {
        router.asn.or(self.cluster.asn)
    }
}

fn default_block_size() -> u8 {
    26
}
fn default_block_size_v6() -> u8 {
    122
}
fn default_mask_v4() -> u8 {
    24
}
fn default_mask_v6() -> u8 {
    120
}
fn default_kilo_cidr() -> IpNet {
    IpNet::V4(ipnet::Ipv4Net::new_assert(Ipv4Addr::new(10, 4, 0, 0), 16))
}
fn default_kilo_port() -> u16 {
    51820
}
fn yes() -> bool {
    true
}
fn is_true(b: &bool) -> bool {
    *b
}
fn is_false(b: &bool) -> bool {
    !*b
}
fn is_default<T: Default + PartialEq>(v: &T) -> bool {
    *v == T::default()
}
