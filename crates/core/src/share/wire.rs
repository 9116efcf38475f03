//! The byte-level pieces of the payload: LEB128 varints, addresses as raw bytes
//! behind a family tag, prefixes as one code byte plus only the bytes the prefix
//! length covers. `Writer` never fails; `Reader` checks every length and count
//! against the bytes that are left before it allocates anything.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, SocketAddrV6};

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use super::ShareError;
use crate::model::AddrRange;

/// Family tags of a single address.
const TAG_V4: u8 = 4;
const TAG_V6: u8 = 6;
/// A socket address whose IPv6 flow info or scope id is not zero.
const TAG_V6_SCOPED: u8 = 7;

/// Code bytes of a prefix or pool entry. A "network" prefix has no host bits, so
/// only its first ⌈len/8⌉ bytes are written; a prefix with host bits is written whole.
const NET_V4: u8 = 0; // ..=32: IPv4 network, len = code
const HOST_V4: u8 = 33; // ..=65: IPv4 with host bits, len = code - 33
const NET_V6: u8 = 66; // ..=194: IPv6 network, len = code - 66
const HOST_V6: u8 = 195; // then a length byte
const RANGE_V4: u8 = 196;
const RANGE_V6: u8 = 197;
const RANGE_MIXED: u8 = 198; // two tagged addresses (the type allows it; the parser does not)

/// Which run of addresses an address belongs to. Each run remembers its previous
/// address per family, and an address is written as the count of leading bytes it
/// shares with that one, then the rest: nodes of one subnet cost a byte or two.
#[derive(Debug, Clone, Copy)]
pub(super) enum Run {
    Device = 0,
    Public = 1,
    Pool = 2,
    Dns = 3,
}

/// What both sides remember of the addresses so far; they update it in the same order.
#[derive(Default)]
struct History {
    prev: [[u8; 16]; 8],
    port: u16,
}

impl History {
    fn prev(&mut self, run: Run, v6: bool) -> &mut [u8; 16] {
        let i = (run as usize) * 2 + usize::from(v6);
        // Run has four variants, so the index is always below 8.
        &mut self.prev[i % 8]
    }
}

fn octets(a: &IpAddr) -> ([u8; 16], usize) {
    let mut o = [0u8; 16];
    match a {
        IpAddr::V4(v4) => {
            o.iter_mut().zip(v4.octets()).for_each(|(d, s)| *d = s);
            (o, 4)
        }
        IpAddr::V6(v6) => (v6.octets(), 16),
    }
}

#[derive(Default)]
pub(super) struct Writer {
    pub(super) buf: Vec<u8>,
    history: History,
}

impl Writer {
    pub(super) fn byte(&mut self, b: u8) {
        self.buf.push(b);
    }

    pub(super) fn varint(&mut self, mut v: u64) {
        while v >= 0x80 {
            self.buf.push((v as u8) | 0x80);
            v >>= 7;
        }
        self.buf.push(v as u8);
    }

    pub(super) fn len(&mut self, n: usize) {
        self.varint(n as u64);
    }

    pub(super) fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }

    /// The family tag, then the address.
    pub(super) fn ip(&mut self, run: Run, a: &IpAddr) {
        self.byte(if a.is_ipv6() { TAG_V6 } else { TAG_V4 });
        self.addr(run, a);
    }

    /// An address whose family is known from elsewhere: shared leading bytes, rest.
    pub(super) fn addr(&mut self, run: Run, a: &IpAddr) {
        let (o, n) = octets(a);
        let prev = self.history.prev(run, a.is_ipv6());
        let shared = o.iter().zip(prev.iter()).take(n).take_while(|(x, y)| x == y).count();
        *prev = o;
        self.byte(shared as u8);
        self.bytes(o.get(shared..n).unwrap_or_default());
    }

    pub(super) fn socket(&mut self, s: &SocketAddr) {
        match s {
            SocketAddr::V6(v6) if v6.flowinfo() != 0 || v6.scope_id() != 0 => {
                self.byte(TAG_V6_SCOPED);
                self.addr(Run::Public, &s.ip());
                self.varint(u64::from(v6.flowinfo()));
                self.varint(u64::from(v6.scope_id()));
            }
            _ => self.ip(Run::Public, &s.ip()),
        }
        // Endpoints tend to share one port: then this is a single zero byte.
        self.varint(u64::from(s.port() ^ self.history.port));
        self.history.port = s.port();
    }

    pub(super) fn net(&mut self, n: &IpNet) {
        let len = n.prefix_len();
        let whole = n.addr() == n.network();
        match (n, whole) {
            (IpNet::V4(_), true) => self.byte(NET_V4 + len),
            (IpNet::V4(_), false) => self.byte(HOST_V4 + len),
            (IpNet::V6(_), true) => self.byte(NET_V6 + len),
            (IpNet::V6(_), false) => {
                self.byte(HOST_V6);
                self.byte(len);
            }
        }
        let (o, size) = octets(&n.addr());
        let used = if whole { usize::from(len).div_ceil(8) } else { size };
        self.bytes(o.get(..used).unwrap_or_default());
    }

    pub(super) fn range(&mut self, r: &AddrRange) {
        match r {
            AddrRange::Cidr(n) => self.net(n),
            AddrRange::Range(a, b) if a.is_ipv6() == b.is_ipv6() => {
                self.byte(if a.is_ipv6() { RANGE_V6 } else { RANGE_V4 });
                self.addr(Run::Pool, a);
                self.addr(Run::Pool, b);
            }
            AddrRange::Range(a, b) => {
                self.byte(RANGE_MIXED);
                self.ip(Run::Pool, a);
                self.ip(Run::Pool, b);
            }
        }
    }
}

/// Reads the payload front to back. Every failure names what was being read and
/// where, so a malformed link says more than "invalid".
pub(super) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    history: History,
}

pub(super) type Result<T> = std::result::Result<T, ShareError>;

impl<'a> Reader<'a> {
    pub(super) fn new(data: &'a [u8]) -> Self {
        Reader { data, pos: 0, history: History::default() }
    }

    pub(super) fn remaining(&self) -> usize {
        self.data.len().saturating_sub(self.pos)
    }

    pub(super) fn pos(&self) -> usize {
        self.pos
    }

    pub(super) fn at_end(&self) -> bool {
        self.remaining() == 0
    }

    /// A `Malformed` error at the current position.
    pub(super) fn error(&self, what: impl Into<String>) -> ShareError {
        ShareError::Malformed { at: self.pos, what: what.into() }
    }

    pub(super) fn take(&mut self, n: usize, what: &str) -> Result<&'a [u8]> {
        let end = self.pos.checked_add(n).filter(|&e| e <= self.data.len());
        match end.and_then(|e| self.data.get(self.pos..e)) {
            Some(s) => {
                self.pos += n;
                Ok(s)
            }
            None => Err(self.error(format!("{what}: the payload ends early"))),
        }
    }

    /// How many bytes come before the next NUL.
    pub(super) fn until_nul(&self, what: &str) -> Result<usize> {
        let rest = self.data.get(self.pos..).unwrap_or_default();
        rest.iter().position(|&b| b == 0).ok_or_else(|| self.error(format!("{what}: no end before the payload ends")))
    }

    pub(super) fn byte(&mut self, what: &str) -> Result<u8> {
        let b = self.take(1, what)?;
        b.first().copied().ok_or_else(|| self.error(format!("{what}: the payload ends early")))
    }

    pub(super) fn array<const N: usize>(&mut self, what: &str) -> Result<[u8; N]> {
        let s = self.take(N, what)?;
        let mut a = [0u8; N];
        a.iter_mut().zip(s).for_each(|(d, b)| *d = *b);
        Ok(a)
    }

    pub(super) fn varint(&mut self, what: &str) -> Result<u64> {
        let start = self.pos;
        let mut v = 0u64;
        for i in 0..10 {
            let b = self.byte(what)?;
            v |= u64::from(b & 0x7f) << (7 * i);
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        self.pos = start;
        Err(self.error(format!("{what}: a number longer than 64 bits")))
    }

    pub(super) fn u32(&mut self, what: &str) -> Result<u32> {
        let start = self.pos;
        let v = self.varint(what)?;
        u32::try_from(v).map_err(|_| {
            self.pos = start;
            self.error(format!("{what}: {v} is larger than 32 bits"))
        })
    }

    /// A count of items that each take at least `min_each` bytes: larger than the
    /// bytes left could hold means the payload lies, and nothing is allocated.
    pub(super) fn count(&mut self, min_each: usize, what: &str) -> Result<usize> {
        let start = self.pos;
        let n = self.varint(what)?;
        let fits = self.remaining() / min_each.max(1);
        match usize::try_from(n) {
            Ok(n) if n <= fits => Ok(n),
            _ => {
                self.pos = start;
                Err(self.error(format!("{what}: a count of {n}, but only {} bytes are left", self.remaining())))
            }
        }
    }

    pub(super) fn ip(&mut self, run: Run, what: &str) -> Result<IpAddr> {
        match self.byte(what)? {
            TAG_V4 => self.addr(run, false, what),
            TAG_V6 => self.addr(run, true, what),
            t => Err(self.back(1).error(format!("{what}: unknown address family tag {t}"))),
        }
    }

    pub(super) fn addr(&mut self, run: Run, v6: bool, what: &str) -> Result<IpAddr> {
        let o = self.octets(run, v6, what)?;
        let [a, b, c, d, ..] = o;
        Ok(if v6 { IpAddr::V6(Ipv6Addr::from(o)) } else { IpAddr::V4(Ipv4Addr::new(a, b, c, d)) })
    }

    /// The bytes of an address: those shared with the previous one of its run, then
    /// the rest; the run remembers the result.
    fn octets(&mut self, run: Run, v6: bool, what: &str) -> Result<[u8; 16]> {
        let n = if v6 { 16 } else { 4 };
        let shared = usize::from(self.byte(what)?);
        if shared > n {
            let msg = format!("{what}: shares {shared} bytes with the previous address, which has {n}");
            return Err(self.back(1).error(msg));
        }
        let rest = self.take(n - shared, what)?;
        let prev = self.history.prev(run, v6);
        prev.iter_mut().skip(shared).zip(rest).for_each(|(d, s)| *d = *s);
        Ok(*prev)
    }

    pub(super) fn socket(&mut self, what: &str) -> Result<SocketAddr> {
        let mut s = match self.byte(what)? {
            TAG_V4 => SocketAddr::new(self.addr(Run::Public, false, what)?, 0),
            TAG_V6 => SocketAddr::new(self.addr(Run::Public, true, what)?, 0),
            TAG_V6_SCOPED => {
                let ip = Ipv6Addr::from(self.octets(Run::Public, true, what)?);
                let (flow, scope) = (self.u32(what)?, self.u32(what)?);
                SocketAddr::V6(SocketAddrV6::new(ip, 0, flow, scope))
            }
            t => return Err(self.back(1).error(format!("{what}: unknown address family tag {t}"))),
        };
        let start = self.pos;
        let delta = self.varint(what)?;
        let Ok(delta) = u16::try_from(delta) else {
            self.pos = start;
            return Err(self.error(format!("{what}: port change {delta} is larger than 16 bits")));
        };
        // Ports are written as the change from the previous endpoint's port.
        let port = delta ^ self.history.port;
        self.history.port = port;
        s.set_port(port);
        Ok(s)
    }

    pub(super) fn net(&mut self, what: &str) -> Result<IpNet> {
        let code = self.byte(what)?;
        self.net_after(code, what)
    }

    fn net_after(&mut self, code: u8, what: &str) -> Result<IpNet> {
        let (v6, len, whole) = match code {
            NET_V4..HOST_V4 => (false, code - NET_V4, true),
            HOST_V4..NET_V6 => (false, code - HOST_V4, false),
            NET_V6..HOST_V6 => (true, code - NET_V6, true),
            HOST_V6 => (true, self.byte(what)?, false),
            _ => return Err(self.back(1).error(format!("{what}: unknown prefix code {code}"))),
        };
        let size = if v6 { 16 } else { 4 };
        let used = if whole { usize::from(len).div_ceil(8) } else { size };
        if used > size {
            return Err(self.error(format!("{what}: prefix length {len} is too long")));
        }
        let mut octets = [0u8; 16];
        let src = self.take(used, what)?;
        octets.iter_mut().zip(src).for_each(|(d, s)| *d = *s);
        let bad_len = |r: &Self| r.error(format!("{what}: prefix length {len} is too long"));
        if v6 {
            Ipv6Net::new(Ipv6Addr::from(octets), len).map(IpNet::V6).map_err(|_| bad_len(self))
        } else {
            let [a, b, c, d, ..] = octets;
            Ipv4Net::new(Ipv4Addr::new(a, b, c, d), len).map(IpNet::V4).map_err(|_| bad_len(self))
        }
    }

    pub(super) fn range(&mut self, what: &str) -> Result<AddrRange> {
        match self.byte(what)? {
            RANGE_V4 => Ok(AddrRange::Range(self.addr(Run::Pool, false, what)?, self.addr(Run::Pool, false, what)?)),
            RANGE_V6 => Ok(AddrRange::Range(self.addr(Run::Pool, true, what)?, self.addr(Run::Pool, true, what)?)),
            RANGE_MIXED => Ok(AddrRange::Range(self.ip(Run::Pool, what)?, self.ip(Run::Pool, what)?)),
            code => self.net_after(code, what).map(AddrRange::Cidr),
        }
    }

    /// Steps back over bytes just read, so an error points at their start.
    fn back(&mut self, n: usize) -> &Self {
        self.pos = self.pos.saturating_sub(n);
        self
    }
}
