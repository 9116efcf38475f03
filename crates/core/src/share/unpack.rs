//! Payload bytes → Topology, mirroring `pack.rs` function by function. Nothing here
//! trusts the payload: counts are checked against the bytes left, string indices
//! against the table, every flag word against its known bits, and the bytes of
//! strings made from the table against a budget.

use std::collections::BTreeMap;

use super::layout::*;
use super::wire::{Reader, Result, Run};
use super::{ShareError, MAX_EXPANDED};
use crate::model::*;

/// What each string copy costs from the budget besides its bytes: the `String`
/// itself, so a payload of a million references to "" is refused too.
const STRING_OVERHEAD: usize = 24;

/// `version`: the link's format character, one of `super::READS`.
pub(super) fn unpack(data: &[u8], version: char) -> Result<Topology> {
    let mut r = Reader::new(data);
    let table = table(&mut r)?;
    let mut u = Unpacker { r, table, budget: MAX_EXPANDED, version, platforms: version != '1' };
    let t = u.topology()?;
    if !u.r.at_end() {
        return Err(u.r.error(format!("{} unexpected bytes after the topology", u.r.remaining())));
    }
    Ok(t)
}

/// The string table (see `pack::strings`): NUL-ended or length-first strings.
pub(super) fn table<'a>(r: &mut Reader<'a>) -> Result<Vec<&'a str>> {
    let head = r.varint("string table")?;
    let (n, length_first) = (head >> 1, head & 1 == 1);
    if usize::try_from(n).map_or(true, |n| n > r.remaining()) {
        return Err(r.error(format!("string table: {n} strings, but only {} bytes left", r.remaining())));
    }
    let mut out = Vec::new();
    for i in 0..n {
        let len = if length_first { r.count(1, "string length")? } else { r.until_nul("string")? };
        let at = r.pos();
        let bytes = r.take(len, "string")?;
        if !length_first {
            r.take(1, "string")?;
        }
        let s = std::str::from_utf8(bytes)
            .map_err(|_| ShareError::Malformed { at, what: format!("string {i} is not UTF-8") })?;
        out.push(s);
    }
    Ok(out)
}

struct Unpacker<'a> {
    r: Reader<'a>,
    table: Vec<&'a str>,
    /// Bytes of strings that may still be made; references can repeat a long
    /// string many times, so the inflate cap alone does not bound memory.
    budget: usize,
    /// The format character: what the flag words may hold.
    version: char,
    /// Version 2 and later: a platform byte after each router's flags.
    platforms: bool,
}

impl Unpacker<'_> {
    /// A flag word with no bits at or above `bits` set (those would be a newer or
    /// damaged payload, and guessing is worse than refusing).
    fn flags(&mut self, bits: u32, what: &str) -> Result<u64> {
        let f = self.r.varint(what)?;
        if f >> bits != 0 {
            return Err(self.r.error(format!("{what}: unknown flags {f:#x}")));
        }
        Ok(f)
    }

    fn flag_byte(&mut self, bits: u32, what: &str) -> Result<u64> {
        let f = u64::from(self.r.byte(what)?);
        if f >> bits != 0 {
            return Err(self.r.error(format!("{what}: unknown flags {f:#x}")));
        }
        Ok(f)
    }

    /// Three-state fields use 0, SAME and OTHER; 3 is not a state.
    fn state(&self, flags: u64, shift: u32, what: &str) -> Result<u64> {
        match two_bits(flags, shift) {
            3 => Err(self.r.error(format!("{what}: invalid state 3"))),
            s => Ok(s),
        }
    }

    fn spend(&mut self, len: usize) -> Result<()> {
        match self.budget.checked_sub(len.saturating_add(STRING_OVERHEAD)) {
            Some(left) => {
                self.budget = left;
                Ok(())
            }
            None => Err(ShareError::TooLarge { limit: MAX_EXPANDED }),
        }
    }

    fn copy(&mut self, s: &str) -> Result<String> {
        self.spend(s.len())?;
        Ok(s.to_string())
    }

    fn string_at(&mut self, i: u64, what: &str) -> Result<String> {
        let found = usize::try_from(i).ok().and_then(|i| self.table.get(i)).copied();
        match found {
            Some(s) => self.copy(s),
            None => Err(self.r.error(format!("{what}: string {i}, but the table has {} strings", self.table.len()))),
        }
    }

    fn string(&mut self, what: &str) -> Result<String> {
        let i = self.r.varint(what)?;
        self.string_at(i, what)
    }

    fn opt_string(&mut self, present: bool, what: &str) -> Result<Option<String>> {
        if present {
            self.string(what).map(Some)
        } else {
            Ok(None)
        }
    }

    fn strings(&mut self, what: &str) -> Result<Vec<String>> {
        let n = self.r.count(1, what)?;
        (0..n).map(|_| self.string(what)).collect()
    }

    fn u32_if(&mut self, present: bool, what: &str) -> Result<Option<u32>> {
        if present {
            self.r.u32(what).map(Some)
        } else {
            Ok(None)
        }
    }

    /// A count of (name, value) pairs; each takes at least `min_each` bytes. Names
    /// come in order from `pack`, so a repeated one means a forged payload.
    fn map<V>(
        &mut self,
        min_each: usize,
        what: &str,
        mut value: impl FnMut(&mut Self, &str) -> Result<V>,
    ) -> Result<BTreeMap<String, V>> {
        let n = self.r.count(min_each, what)?;
        let mut m = BTreeMap::new();
        for _ in 0..n {
            let key = self.string(what)?;
            let v = value(self, &key).map_err(|e| within(e, what, &key))?;
            if m.contains_key(&key) {
                return Err(self.r.error(format!("{what}: `{}` appears twice", short(&key))));
            }
            m.insert(key, v);
        }
        Ok(m)
    }

    fn topology(&mut self) -> Result<Topology> {
        let f = self.flags(if self.version >= '3' { TOP_SURVIVE + 1 } else { TOP_SURVIVE }, "topology flags")?;
        let version = match self.u32_if(has(f, TOP_VERSION), "format version")? {
            Some(v) => v,
            None => FORMAT_VERSION,
        };
        let name = self.string("name")?;
        let description = self.opt_string(has(f, TOP_DESCRIPTION), "description")?;
        let cluster = self.cluster()?;
        let sites = self.map_if(has(f, TOP_SITES), 2, "site", Self::site)?;
        let routers = self.map_if(has(f, TOP_ROUTERS), 2, "router", |u, _| u.router())?;
        let hosts = self.map_if(has(f, TOP_HOSTS), 2, "host", |u, _| u.host())?;
        let nodes = self.map_if(has(f, TOP_NODES), 4, "node", |u, _| u.node())?;
        let links = if has(f, TOP_LINKS) {
            let n = self.r.count(3, "links")?;
            (0..n).map(|_| self.link()).collect::<Result<_>>()?
        } else {
            Vec::new()
        };
        let backbone = if has(f, TOP_BACKBONE) {
            let n = self.r.count(2, "bgp.backbone")?;
            let pair = |u: &mut Self| Ok([u.string("bgp.backbone")?, u.string("bgp.backbone")?]);
            Some((0..n).map(|_| pair(self)).collect::<Result<_>>()?)
        } else {
            None
        };
        Ok(Topology {
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
            resilience: Resilience { survive_single_failures: has(f, TOP_SURVIVE) },
        })
    }

    fn map_if<V>(
        &mut self,
        present: bool,
        min_each: usize,
        what: &str,
        value: impl FnMut(&mut Self, &str) -> Result<V>,
    ) -> Result<BTreeMap<String, V>> {
        if present {
            self.map(min_each, what, value)
        } else {
            Ok(BTreeMap::new())
        }
    }

    fn cluster(&mut self) -> Result<Cluster> {
        let f = self.flags(CL_SERVICE_CIDR + 1, "cluster flags")?;
        let cni = cni_from(f & 3).ok_or_else(|| self.r.error("cluster.cni: unknown CNI"))?;
        let k3s_version = self.opt_string(has(f, CL_K3S_VERSION), "cluster.k3s_version")?;
        let pod_cidr = self.nets_or(has(f, CL_POD_CIDR), k3s_pod_cidr, "cluster.pod_cidr")?;
        let service_cidr = self.nets_or(has(f, CL_SERVICE_CIDR), k3s_service_cidr, "cluster.service_cidr")?;
        let cluster_dns = match self.state(f, CL_DNS_SHIFT, "cluster.cluster_dns")? {
            0 => None,
            SAME => Some(
                k3s_dns(&service_cidr)
                    .ok_or_else(|| self.r.error("cluster.cluster_dns: no service range to derive it from"))?,
            ),
            _ => Some(self.r.ip(Run::Dns, "cluster.cluster_dns")?),
        };
        let asn = match self.state(f, CL_ASN_SHIFT, "cluster.asn")? {
            0 => None,
            SAME => Some(COMMON_ASN),
            _ => Some(self.r.u32("cluster.asn")?),
        };
        let mtu = match self.u32_if(has(f, CL_MTU), "cluster.mtu")? {
            Some(m) => Mtu::Fixed(m),
            None => Mtu::Auto,
        };
        let install_mirror = self.opt_string(has(f, CL_INSTALL_MIRROR), "cluster.install_mirror")?;
        let registry_mirrors = self.map_if(has(f, CL_REGISTRY_MIRRORS), 2, "cluster.registry_mirrors", |u, _| {
            u.strings("cluster.registry_mirrors")
        })?;
        let disable = if has(f, CL_DISABLE) { self.strings("cluster.disable")? } else { Vec::new() };
        let calico = self.block(has(f, CL_CALICO), Self::calico)?;
        let cilium = self.block(has(f, CL_CILIUM), Self::cilium)?;
        let flannel = self.block(has(f, CL_FLANNEL), Self::flannel)?;
        let kilo = self.block(has(f, CL_KILO), Self::kilo)?;
        let metallb = self.block(has(f, CL_METALLB), Self::metallb)?;
        Ok(Cluster {
            k3s_version,
            cni,
            pod_cidr,
            service_cidr,
            cluster_dns,
            asn,
            mtu,
            install_mirror,
            registry_mirrors,
            airgap: has(f, CL_AIRGAP),
            disable,
            calico,
            cilium,
            flannel,
            kilo,
            metallb,
        })
    }

    fn block<T>(&mut self, present: bool, read: impl FnOnce(&mut Self) -> Result<T>) -> Result<Option<T>> {
        if present {
            read(self).map(Some)
        } else {
            Ok(None)
        }
    }

    fn nets_or(&mut self, present: bool, default: fn() -> Vec<ipnet::IpNet>, what: &str) -> Result<Vec<ipnet::IpNet>> {
        if !present {
            return Ok(default());
        }
        let n = self.r.count(1, what)?;
        (0..n).map(|_| self.r.net(what)).collect()
    }

    fn calico(&mut self) -> Result<Calico> {
        let f = self.flags(CA_ENCAP_SHIFT + 3, "calico flags")?;
        let d = Calico::default();
        let encapsulation = encap_from(f >> CA_ENCAP_SHIFT)
            .ok_or_else(|| self.r.error("cluster.calico.encapsulation: unknown value"))?;
        Ok(Calico {
            version: self.opt_string(has(f, CA_VERSION), "cluster.calico.version")?,
            registry: self.opt_string(has(f, CA_REGISTRY), "cluster.calico.registry")?,
            block_size: self.byte_or(has(f, CA_BLOCK), d.block_size, "cluster.calico.block_size")?,
            block_size_v6: self.byte_or(has(f, CA_BLOCK_V6), d.block_size_v6, "cluster.calico.block_size_v6")?,
            nat_outgoing: !has(f, CA_NO_NAT),
            node_mesh: !has(f, CA_NO_MESH),
            encapsulation,
        })
    }

    fn byte_or(&mut self, present: bool, default: u8, what: &str) -> Result<u8> {
        if present {
            self.r.byte(what)
        } else {
            Ok(default)
        }
    }

    fn cilium(&mut self) -> Result<Cilium> {
        // Format 1 has no external_ips or lb_reserve_first_last bits.
        let bits = if self.version == '1' { CI_POOLS + 1 } else { CI_RESERVE + 1 };
        let f = self.flags(bits, "cilium flags")?;
        let d = Cilium::default();
        Ok(Cilium {
            version: self.opt_string(has(f, CI_VERSION), "cluster.cilium.version")?,
            native_routing: has(f, CI_NATIVE),
            kube_proxy_replacement: has(f, CI_KPR),
            mask_size_v4: self.byte_or(has(f, CI_MASK_V4), d.mask_size_v4, "cluster.cilium.mask_size_v4")?,
            mask_size_v6: self.byte_or(has(f, CI_MASK_V6), d.mask_size_v6, "cluster.cilium.mask_size_v6")?,
            lb_pools: self.map_if(has(f, CI_POOLS), 2, "cluster.cilium.lb_pools", |u, _| u.ranges())?,
            lb_reserve_first_last: if has(f, CI_RESERVE) {
                self.strings("cluster.cilium.lb_reserve_first_last")?
            } else {
                Vec::new()
            },
            external_ips: has(f, CI_EXTERNAL_IPS),
        })
    }

    fn ranges(&mut self) -> Result<Vec<AddrRange>> {
        let n = self.r.count(1, "pool")?;
        (0..n).map(|_| self.r.range("pool")).collect()
    }

    fn flannel(&mut self) -> Result<Flannel> {
        let code = self.r.byte("cluster.flannel.backend")?;
        let backend = flannel_from(u64::from(code))
            .ok_or_else(|| self.r.error(format!("cluster.flannel.backend: unknown value {code}")))?;
        Ok(Flannel { backend })
    }

    fn kilo(&mut self) -> Result<Kilo> {
        // Format 1 has no encapsulate bits; they mean `always` there.
        let bits = if self.version == '1' { KI_KEEPALIVE + 1 } else { KI_ENCAP + 2 };
        let f = self.flags(bits, "kilo flags")?;
        let encapsulate = match (f >> KI_ENCAP) & 3 {
            0 => KiloEncapsulation::Always,
            1 => KiloEncapsulation::Crosssubnet,
            2 => KiloEncapsulation::Never,
            n => return Err(self.r.error(format!("cluster.kilo.encapsulate: unknown code {n}"))),
        };
        let d = Kilo::default();
        let wireguard_cidr = match has(f, KI_CIDR) {
            true => self.r.net("cluster.kilo.wireguard_cidr")?,
            false => d.wireguard_cidr,
        };
        let port = match self.u32_if(has(f, KI_PORT), "cluster.kilo.port")? {
            Some(p) => u16::try_from(p).map_err(|_| self.r.error(format!("cluster.kilo.port: {p} is not a port")))?,
            None => d.port,
        };
        Ok(Kilo {
            granularity: if has(f, KI_FULL) { KiloGranularity::Full } else { KiloGranularity::Location },
            wireguard_cidr,
            port,
            keepalive: self.u32_if(has(f, KI_KEEPALIVE), "cluster.kilo.keepalive")?,
            encapsulate,
        })
    }

    fn metallb(&mut self) -> Result<Metallb> {
        let f = self.flags(MB_POOLS + 1, "metallb flags")?;
        Ok(Metallb {
            mode: if has(f, MB_BGP) { MetallbMode::Bgp } else { MetallbMode::L2 },
            pools: self.map_if(has(f, MB_POOLS), 2, "cluster.metallb.pools", |u, _| u.ranges())?,
        })
    }

    fn site(&mut self, name: &str) -> Result<Site> {
        let f = self.flag_byte(SI_NO_LAN + 1, "flags")?;
        let kind = site_kind_from(two_bits(f, 4)).ok_or_else(|| self.r.error("kind: unknown value"))?;
        let label = match self.state(f, 0, "label")? {
            0 => None,
            SAME => Some(self.copy(name)?),
            _ => Some(self.string("label")?),
        };
        let lan_mtu = match self.state(f, 2, "lan_mtu")? {
            0 => None,
            SAME => Some(kind.default_mtu()),
            _ => Some(self.r.u32("lan_mtu")?),
        };
        Ok(Site { label, kind, lan_mtu, lan: !has(f, SI_NO_LAN) })
    }

    fn router(&mut self) -> Result<Router> {
        let f = self.flag_byte(8, "flags")?;
        let daemon = daemon_from(f & 3).ok_or_else(|| self.r.error("daemon: unknown value"))?;
        // Version 2: platform (bits 0-1), machine and netns present (bits 2, 3).
        let p = if self.platforms { self.flag_byte(RO2_NETNS + 1, "platform")? } else { 0 };
        let platform = platform_from(p & 3).ok_or_else(|| self.r.error("platform: unknown value"))?;
        let site = self.opt_string(has(f, RO_SITE), "site")?;
        let address = match has(f, RO_ADDRESS) {
            true => self.addresses("address")?,
            false => Addresses::default(),
        };
        let router_id = match self.state(f, RO_ID_SHIFT, "router_id")? {
            0 => None,
            SAME => Some(address.v4().ok_or_else(|| self.r.error("router_id: no IPv4 address to take it from"))?),
            _ => Some(std::net::Ipv4Addr::from(u32::from_be_bytes(self.r.array("router_id")?))),
        };
        Ok(Router {
            site,
            daemon,
            address,
            router_id,
            asn: self.u32_if(has(f, RO_ASN), "asn")?,
            serves: if has(f, RO_SERVES) { self.strings("serves")? } else { Vec::new() },
            platform,
            machine: self.opt_string(has(p, RO2_MACHINE), "machine")?,
            netns: self.opt_string(has(p, RO2_NETNS), "netns")?,
        })
    }

    fn host(&mut self) -> Result<Host> {
        // 0: no site; i + 1: the string at index i.
        let site = match self.r.varint("site")? {
            0 => None,
            i => Some(self.string_at(i - 1, "site")?),
        };
        Ok(Host { site })
    }

    fn node(&mut self) -> Result<Node> {
        let f = self.flags(NO_LABELS + 1, "flags")?;
        let site = self.string("site")?;
        let address = self.addresses("address")?;
        let public = match has(f, NO_PUBLIC) {
            true => Some(self.r.socket("public")?),
            false => None,
        };
        let labels = self.map_if(has(f, NO_LABELS), 2, "labels", |u, _| u.string("labels"))?;
        Ok(Node { site, role: if has(f, NO_AGENT) { Role::Agent } else { Role::Server }, address, public, labels })
    }

    fn addresses(&mut self, what: &str) -> Result<Addresses> {
        let head = u32::from(self.r.byte(what)?);
        let n = head & 7;
        let families = head >> 3;
        if n as usize <= SHORT_ADDRS && families >> n == 0 {
            let read = |u: &mut Self, i: u32| u.r.addr(Run::Device, families >> i & 1 == 1, what);
            return (0..n).map(|i| read(self, i)).collect::<Result<_>>().map(Addresses);
        }
        if n == u32::from(LONG_ADDRS) && families == 0 {
            let count = self.r.count(2, what)?;
            return (0..count).map(|_| self.r.ip(Run::Device, what)).collect::<Result<_>>().map(Addresses);
        }
        Err(self.r.error(format!("{what}: invalid list header {head:#x}")))
    }

    fn link(&mut self) -> Result<Link> {
        let f = u64::from(self.r.byte("link flags")?);
        let kind = link_kind_from(f & 15).ok_or_else(|| self.r.error("link kind: unknown value"))?;
        let mtu_state = self.state(f, 4, "link mtu")?;
        let cost_state = self.state(f, 6, "link cost")?;
        let between = [self.string("link end")?, self.string("link end")?];
        let mtu = match mtu_state {
            0 => None,
            SAME => Some(kind.default_mtu()),
            _ => Some(self.r.u32("link mtu")?),
        };
        let cost = match cost_state {
            0 => None,
            SAME => Some(Link::DEFAULT_COST),
            _ => Some(self.r.u32("link cost")?),
        };
        Ok(Link { between, kind, mtu, cost })
    }
}

/// Puts the map entry being read in front of an error from inside it.
fn within(e: ShareError, what: &str, key: &str) -> ShareError {
    match e {
        ShareError::Malformed { at, what: inner } => {
            ShareError::Malformed { at, what: format!("{what} `{}`: {inner}", short(key)) }
        }
        other => other,
    }
}

/// A name as shown in an error: forged names can be long.
fn short(s: &str) -> String {
    let mut out: String = s.chars().take(40).collect();
    if out.len() < s.len() {
        out.push('…');
    }
    out.escape_debug().to_string()
}
