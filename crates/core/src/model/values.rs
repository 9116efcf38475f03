//! Small value types of the format with their own text form: one address or a list,
//! an address range or prefix, and `mtu: auto | N`.

use std::fmt;
use std::net::IpAddr;
use std::str::FromStr;

use ipnet::IpNet;
use serde::de::{self, Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, Serialize, Serializer};

/// One address (`address: 10.0.0.1`) or a list of them (dual stack). Written back in
/// the form it was read: a single address stays a scalar.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Addresses(pub Vec<IpAddr>);

impl Addresses {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> impl Iterator<Item = &IpAddr> {
        self.0.iter()
    }
    pub fn v4(&self) -> Option<std::net::Ipv4Addr> {
        self.0.iter().find_map(|a| match a {
            IpAddr::V4(v) => Some(*v),
            IpAddr::V6(_) => None,
        })
    }
    pub fn v6(&self) -> Option<std::net::Ipv6Addr> {
        self.0.iter().find_map(|a| match a {
            IpAddr::V6(v) => Some(*v),
            IpAddr::V4(_) => None,
        })
    }
    /// The first address of the family of `like`.
    pub fn same_family(&self, like: &IpAddr) -> Option<IpAddr> {
        self.0.iter().copied().find(|a| a.is_ipv4() == like.is_ipv4())
    }
}

impl Serialize for Addresses {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self.0.as_slice() {
            [one] => one.serialize(s),
            many => many.serialize(s),
        }
    }
}

impl<'de> Deserialize<'de> for Addresses {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Addresses;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an IP address or a list of IP addresses")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Addresses, E> {
                IpAddr::from_str(v.trim())
                    .map(|a| Addresses(vec![a]))
                    .map_err(|_| E::custom(format!("`{v}` is not an IP address")))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Addresses, A::Error> {
                let mut out = Vec::new();
                while let Some(a) = seq.next_element::<IpAddr>()? {
                    out.push(a);
                }
                Ok(Addresses(out))
            }
        }
        d.deserialize_any(V)
    }
}

/// An address pool entry: a prefix (`192.0.2.240/29`) or an inclusive range
/// (`10.0.0.100-10.0.0.200`), as MetalLB and Cilium LB-IPAM take them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddrRange {
    Cidr(IpNet),
    Range(IpAddr, IpAddr),
}

impl AddrRange {
    /// First and last address, inclusive.
    pub fn bounds(&self) -> (IpAddr, IpAddr) {
        match *self {
            AddrRange::Cidr(n) => (n.network(), n.broadcast()),
            AddrRange::Range(a, b) => (a, b),
        }
    }
    pub fn is_ipv4(&self) -> bool {
        self.bounds().0.is_ipv4()
    }
}

impl fmt::Display for AddrRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AddrRange::Cidr(n) => write!(f, "{n}"),
            AddrRange::Range(a, b) => write!(f, "{a}-{b}"),
        }
    }
}

impl FromStr for AddrRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let s = s.trim();
        if let Some((a, b)) = s.split_once('-') {
            let a = IpAddr::from_str(a.trim()).map_err(|_| format!("`{a}` is not an IP address"))?;
            let b = IpAddr::from_str(b.trim()).map_err(|_| format!("`{b}` is not an IP address"))?;
            if a.is_ipv4() != b.is_ipv4() {
                return Err(format!("range `{s}` mixes IPv4 and IPv6"));
            }
            return Ok(AddrRange::Range(a, b));
        }
        IpNet::from_str(s)
            .map(AddrRange::Cidr)
            .map_err(|_| format!("`{s}` is neither a prefix (a.b.c.d/n) nor a range (first-last)"))
    }
}

impl Serialize for AddrRange {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for AddrRange {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        AddrRange::from_str(&s).map_err(de::Error::custom)
    }
}

/// `mtu: auto` (the computed budget) or a number (then checked against it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mtu {
    #[default]
    Auto,
    Fixed(u32),
}

impl Mtu {
    pub fn is_auto(&self) -> bool {
        matches!(self, Mtu::Auto)
    }
}

impl Serialize for Mtu {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Mtu::Auto => s.serialize_str("auto"),
            Mtu::Fixed(n) => s.serialize_u32(*n),
        }
    }
}

impl<'de> Deserialize<'de> for Mtu {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Mtu;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("`auto` or a number of bytes")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Mtu, E> {
                if v == "auto" {
                    Ok(Mtu::Auto)
                } else {
                    Err(E::custom(format!("`{v}` is neither `auto` nor a number")))
                }
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Mtu, E> {
                u32::try_from(v).map(Mtu::Fixed).map_err(|_| E::custom(format!("{v} is far too large for an MTU")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Mtu, E> {
                u64::try_from(v)
                    .map_err(|_| E::custom(format!("{v} is not a valid MTU")))
                    .and_then(|v| self.visit_u64(v))
            }
        }
        d.deserialize_any(V)
    }
}
