//! Topology → payload bytes. The layout, field by field, is in `mod.rs`; this file
//! and `unpack.rs` mirror each other function by function.

use std::collections::{BTreeMap, HashMap};

use super::layout::*;
use super::wire::{Run, Writer};
use crate::model::*;

/// The packed payload of `t`: the string table, then the body.
pub(super) fn pack(t: &Topology) -> Vec<u8> {
    let mut p = Packer::default();
    p.topology(t);
    let mut out = Writer::default();
    strings(&mut out, &p.table);
    out.bytes(&p.w.buf);
    out.buf
}

/// The string table: `count * 2 + mode`, then the strings. Mode 0 ends each with a
/// NUL, which deflate codes in a few bits and which lets its matches run across
/// names; mode 1, for the rare table that holds a NUL, puts each length first.
fn strings(out: &mut Writer, table: &[&str]) {
    let nul = table.iter().any(|s| s.contains('\0'));
    out.len(table.len() * 2 + usize::from(nul));
    for s in table {
        if nul {
            out.len(s.len());
            out.bytes(s.as_bytes());
        } else {
            out.bytes(s.as_bytes());
            out.byte(0);
        }
    }
}

/// Writes the body and interns every string on first use, so each is stored once
/// and referenced by its index.
#[derive(Default)]
struct Packer<'t> {
    w: Writer,
    table: Vec<&'t str>,
    index: HashMap<&'t str, usize>,
}

impl<'t> Packer<'t> {
    /// The index of `s` in the string table, adding it on first use.
    fn intern(&mut self, s: &'t str) -> usize {
        let next = self.table.len();
        let i = *self.index.entry(s).or_insert(next);
        if i == next {
            self.table.push(s);
        }
        i
    }

    fn str(&mut self, s: &'t str) {
        let i = self.intern(s);
        self.w.len(i);
    }

    fn strs(&mut self, v: &'t [String]) {
        self.w.len(v.len());
        for s in v {
            self.str(s);
        }
    }

    fn topology(&mut self, t: &'t Topology) {
        let flags = bit(t.description.is_some(), TOP_DESCRIPTION)
            | bit(!t.sites.is_empty(), TOP_SITES)
            | bit(!t.routers.is_empty(), TOP_ROUTERS)
            | bit(!t.hosts.is_empty(), TOP_HOSTS)
            | bit(!t.nodes.is_empty(), TOP_NODES)
            | bit(!t.links.is_empty(), TOP_LINKS)
            | bit(t.bgp.backbone.is_some(), TOP_BACKBONE)
            | bit(t.version != FORMAT_VERSION, TOP_VERSION)
            | bit(t.resilience.survive_single_failures, TOP_SURVIVE);
        self.w.varint(flags);
        if t.version != FORMAT_VERSION {
            self.w.varint(u64::from(t.version));
        }
        self.str(&t.name);
        if let Some(d) = &t.description {
            self.str(d);
        }
        self.cluster(&t.cluster);
        if !t.sites.is_empty() {
            self.map(&t.sites, Self::site);
        }
        if !t.routers.is_empty() {
            self.map(&t.routers, Self::router);
        }
        if !t.hosts.is_empty() {
            self.map(&t.hosts, Self::host);
        }
        if !t.nodes.is_empty() {
            self.map(&t.nodes, Self::node);
        }
        if !t.links.is_empty() {
            self.w.len(t.links.len());
            t.links.iter().for_each(|l| self.link(l));
        }
        if let Some(bb) = &t.bgp.backbone {
            self.w.len(bb.len());
            for [a, b] in bb {
                self.str(a);
                self.str(b);
            }
        }
    }

    /// A map as a count and (name, value) pairs in key order.
    fn map<V>(&mut self, m: &'t BTreeMap<String, V>, mut value: impl FnMut(&mut Self, &'t str, &'t V)) {
        self.w.len(m.len());
        for (k, v) in m {
            self.str(k);
            value(self, k, v);
        }
    }

    fn cluster(&mut self, c: &'t Cluster) {
        let dns = dns_state(c);
        let asn = match c.asn {
            None => 0,
            Some(COMMON_ASN) => 1,
            Some(_) => 2,
        };
        let flags = cni_code(c.cni)
            | bit(c.k3s_version.is_some(), CL_K3S_VERSION)
            | dns << CL_DNS_SHIFT
            | asn << CL_ASN_SHIFT
            | bit(!c.mtu.is_auto(), CL_MTU)
            | bit(c.install_mirror.is_some(), CL_INSTALL_MIRROR)
            | bit(!c.registry_mirrors.is_empty(), CL_REGISTRY_MIRRORS)
            | bit(c.airgap, CL_AIRGAP)
            | bit(!c.disable.is_empty(), CL_DISABLE)
            | bit(c.calico.is_some(), CL_CALICO)
            | bit(c.cilium.is_some(), CL_CILIUM)
            | bit(c.flannel.is_some(), CL_FLANNEL)
            | bit(c.kilo.is_some(), CL_KILO)
            | bit(c.metallb.is_some(), CL_METALLB)
            | bit(!is_k3s_pod_cidr(&c.pod_cidr), CL_POD_CIDR)
            | bit(!is_k3s_service_cidr(&c.service_cidr), CL_SERVICE_CIDR);
        self.w.varint(flags);
        if let Some(v) = &c.k3s_version {
            self.str(v);
        }
        if !is_k3s_pod_cidr(&c.pod_cidr) {
            self.nets(&c.pod_cidr);
        }
        if !is_k3s_service_cidr(&c.service_cidr) {
            self.nets(&c.service_cidr);
        }
        if let (OTHER, Some(a)) = (dns, &c.cluster_dns) {
            self.w.ip(Run::Dns, a);
        }
        if let (2, Some(a)) = (asn, c.asn) {
            self.w.varint(u64::from(a));
        }
        if let Mtu::Fixed(m) = c.mtu {
            self.w.varint(u64::from(m));
        }
        if let Some(m) = &c.install_mirror {
            self.str(m);
        }
        if !c.registry_mirrors.is_empty() {
            self.map(&c.registry_mirrors, |p, _, v| p.strs(v));
        }
        if !c.disable.is_empty() {
            self.strs(&c.disable);
        }
        if let Some(x) = &c.calico {
            self.calico(x);
        }
        if let Some(x) = &c.cilium {
            self.cilium(x);
        }
        if let Some(x) = &c.flannel {
            self.w.byte(flannel_code(x.backend) as u8);
        }
        if let Some(x) = &c.kilo {
            self.kilo(x);
        }
        if let Some(x) = &c.metallb {
            self.metallb(x);
        }
    }

    fn nets(&mut self, nets: &[ipnet::IpNet]) {
        self.w.len(nets.len());
        nets.iter().for_each(|n| self.w.net(n));
    }

    fn calico(&mut self, c: &'t Calico) {
        let d = Calico::default();
        let flags = bit(c.version.is_some(), CA_VERSION)
            | bit(c.registry.is_some(), CA_REGISTRY)
            | bit(!c.nat_outgoing, CA_NO_NAT)
            | bit(!c.node_mesh, CA_NO_MESH)
            | bit(c.block_size != d.block_size, CA_BLOCK)
            | bit(c.block_size_v6 != d.block_size_v6, CA_BLOCK_V6)
            | encap_code(c.encapsulation) << CA_ENCAP_SHIFT;
        self.w.varint(flags);
        if let Some(v) = &c.version {
            self.str(v);
        }
        if let Some(r) = &c.registry {
            self.str(r);
        }
        if c.block_size != d.block_size {
            self.w.byte(c.block_size);
        }
        if c.block_size_v6 != d.block_size_v6 {
            self.w.byte(c.block_size_v6);
        }
    }

    fn cilium(&mut self, c: &'t Cilium) {
        let d = Cilium::default();
        let flags = bit(c.version.is_some(), CI_VERSION)
            | bit(c.native_routing, CI_NATIVE)
            | bit(c.kube_proxy_replacement, CI_KPR)
            | bit(c.mask_size_v4 != d.mask_size_v4, CI_MASK_V4)
            | bit(c.mask_size_v6 != d.mask_size_v6, CI_MASK_V6)
            | bit(!c.lb_pools.is_empty(), CI_POOLS)
            | bit(c.external_ips, CI_EXTERNAL_IPS)
            | bit(!c.lb_reserve_first_last.is_empty(), CI_RESERVE);
        self.w.varint(flags);
        if let Some(v) = &c.version {
            self.str(v);
        }
        if c.mask_size_v4 != d.mask_size_v4 {
            self.w.byte(c.mask_size_v4);
        }
        if c.mask_size_v6 != d.mask_size_v6 {
            self.w.byte(c.mask_size_v6);
        }
        if !c.lb_pools.is_empty() {
            self.pools(&c.lb_pools);
        }
        if !c.lb_reserve_first_last.is_empty() {
            self.strs(&c.lb_reserve_first_last);
        }
    }

    fn pools(&mut self, pools: &'t BTreeMap<String, Vec<AddrRange>>) {
        self.map(pools, |p, _, ranges| {
            p.w.len(ranges.len());
            ranges.iter().for_each(|r| p.w.range(r));
        });
    }

    fn kilo(&mut self, k: &'t Kilo) {
        let d = Kilo::default();
        let flags = bit(k.granularity == KiloGranularity::Full, KI_FULL)
            | bit(k.wireguard_cidr != d.wireguard_cidr, KI_CIDR)
            | bit(k.port != d.port, KI_PORT)
            | bit(k.keepalive.is_some(), KI_KEEPALIVE)
            | (kilo_encap_code(k.encapsulate) << KI_ENCAP);
        self.w.varint(flags);
        if k.wireguard_cidr != d.wireguard_cidr {
            self.w.net(&k.wireguard_cidr);
        }
        if k.port != d.port {
            self.w.varint(u64::from(k.port));
        }
        if let Some(ka) = k.keepalive {
            self.w.varint(u64::from(ka));
        }
    }

    fn metallb(&mut self, m: &'t Metallb) {
        let flags = bit(m.mode == MetallbMode::Bgp, MB_BGP) | bit(!m.pools.is_empty(), MB_POOLS);
        self.w.varint(flags);
        if !m.pools.is_empty() {
            self.pools(&m.pools);
        }
    }

    fn site(&mut self, name: &'t str, s: &'t Site) {
        let label = match s.label.as_deref() {
            None => 0,
            Some(l) if l == name => SAME,
            Some(_) => OTHER,
        };
        let mtu = mtu_state(s.lan_mtu, s.kind.default_mtu());
        let flags = label | mtu << 2 | site_kind_code(s.kind) << 4 | bit(!s.lan, SI_NO_LAN);
        self.w.byte(flags as u8);
        if let (OTHER, Some(l)) = (label, &s.label) {
            self.str(l);
        }
        if let (OTHER, Some(m)) = (mtu, s.lan_mtu) {
            self.w.varint(u64::from(m));
        }
    }

    fn router(&mut self, _: &'t str, r: &'t Router) {
        let id = match r.router_id {
            None => 0,
            Some(id) if r.address.v4() == Some(id) => SAME,
            Some(_) => OTHER,
        };
        let flags = daemon_code(r.daemon)
            | bit(r.site.is_some(), RO_SITE)
            | bit(!r.address.is_empty(), RO_ADDRESS)
            | id << RO_ID_SHIFT
            | bit(r.asn.is_some(), RO_ASN)
            | bit(!r.serves.is_empty(), RO_SERVES);
        self.w.byte(flags as u8);
        let second =
            platform_code(r.platform) | bit(r.machine.is_some(), RO2_MACHINE) | bit(r.netns.is_some(), RO2_NETNS);
        self.w.byte(second as u8);
        if let Some(s) = &r.site {
            self.str(s);
        }
        if !r.address.is_empty() {
            self.addresses(&r.address);
        }
        if let (OTHER, Some(id)) = (id, r.router_id) {
            self.w.bytes(&id.octets());
        }
        if let Some(a) = r.asn {
            self.w.varint(u64::from(a));
        }
        if !r.serves.is_empty() {
            self.strs(&r.serves);
        }
        if let Some(m) = &r.machine {
            self.str(m);
        }
        if let Some(n) = &r.netns {
            self.str(n);
        }
    }

    fn host(&mut self, _: &'t str, h: &'t Host) {
        // 0: no site; i + 1: the string at index i.
        match &h.site {
            None => self.w.byte(0),
            Some(s) => {
                let i = self.intern(s);
                self.w.len(i + 1);
            }
        }
    }

    fn node(&mut self, _: &'t str, n: &'t Node) {
        let flags = bit(n.role == Role::Agent, NO_AGENT)
            | bit(n.public.is_some(), NO_PUBLIC)
            | bit(!n.labels.is_empty(), NO_LABELS);
        self.w.varint(flags);
        self.str(&n.site);
        self.addresses(&n.address);
        if let Some(p) = &n.public {
            self.w.socket(p);
        }
        if !n.labels.is_empty() {
            self.map(&n.labels, |p, _, v| p.str(v));
        }
    }

    /// Up to `SHORT_ADDRS` addresses: one byte holds the count and each family,
    /// then the raw bytes. More: a marker, the count, then tagged addresses.
    fn addresses(&mut self, a: &Addresses) {
        if a.0.len() <= SHORT_ADDRS {
            let families = a.0.iter().enumerate().fold(0u8, |f, (i, ip)| f | (u8::from(ip.is_ipv6()) << (3 + i)));
            self.w.byte(a.0.len() as u8 | families);
            a.0.iter().for_each(|ip| self.w.addr(Run::Device, ip));
        } else {
            self.w.byte(LONG_ADDRS);
            self.w.len(a.0.len());
            a.0.iter().for_each(|ip| self.w.ip(Run::Device, ip));
        }
    }

    fn link(&mut self, l: &'t Link) {
        let mtu = mtu_state(l.mtu, l.kind.default_mtu());
        let cost = match l.cost {
            None => 0,
            Some(Link::DEFAULT_COST) => SAME,
            Some(_) => OTHER,
        };
        self.w.byte((link_kind_code(l.kind) | mtu << 4 | cost << 6) as u8);
        let [a, b] = &l.between;
        self.str(a);
        self.str(b);
        if let (OTHER, Some(m)) = (mtu, l.mtu) {
            self.w.varint(u64::from(m));
        }
        if let (OTHER, Some(c)) = (cost, l.cost) {
            self.w.varint(u64::from(c));
        }
    }
}

/// None, Some(the default of its kind), or Some(another value).
fn mtu_state(mtu: Option<u32>, default: u32) -> u64 {
    match mtu {
        None => 0,
        Some(m) if m == default => SAME,
        Some(_) => OTHER,
    }
}

fn dns_state(c: &Cluster) -> u64 {
    match c.cluster_dns {
        None => 0,
        Some(a) if Some(a) == k3s_dns(&c.service_cidr) => SAME,
        Some(_) => OTHER,
    }
}

/// `cluster.kilo.encapsulate` in the kilo flags (format 2).
pub(super) fn kilo_encap_code(e: KiloEncapsulation) -> u64 {
    match e {
        KiloEncapsulation::Always => 0,
        KiloEncapsulation::Crosssubnet => 1,
        KiloEncapsulation::Never => 2,
    }
}
