//! MTU ranges of links, site networks and the cluster setting. The budget along
//! paths is the plan's work (E052, I053, W077).

use crate::diag::{Code, Diagnostic};
use crate::model::{Mtu, Topology};

pub const MIN: u32 = 576;
pub const MIN_V6: u32 = 1280;
pub const MAX: u32 = 9216;

pub fn run(t: &Topology, out: &mut Vec<Diagnostic>) {
    let v6 = t.cluster.has_ipv6();
    let mut one = |path: String, what: String, mtu: u32| {
        if !(MIN..=MAX).contains(&mtu) {
            out.push(
                Diagnostic::new(Code::E050, path, format!("{what} MTU {mtu} is outside {MIN}..{MAX}"))
                    .hint("measure it with `ping -M do -s SIZE` and enter the largest size that passes plus 28"),
            );
        } else if v6 && mtu < MIN_V6 {
            out.push(
                Diagnostic::new(
                    Code::E051,
                    path,
                    format!("{what} MTU {mtu} is below 1280, the minimum for IPv6, and the cluster carries IPv6"),
                )
                .hint("IPv6 needs 1280 bytes on every link (RFC 8200)"),
            );
        }
    };
    for (name, s) in &t.sites {
        if s.lan {
            one(format!("sites.{name}.lan_mtu"), format!("site `{name}`"), s.mtu());
        }
    }
    for (i, l) in t.links.iter().enumerate() {
        one(format!("links[{i}].mtu"), format!("link {} ↔ {}", l.between[0], l.between[1]), l.mtu());
    }
    if let Mtu::Fixed(m) = t.cluster.mtu {
        let lo = if v6 { MIN_V6 } else { MIN };
        if !(lo..=MAX).contains(&m) {
            out.push(
                Diagnostic::new(Code::E050, "cluster.mtu", format!("cluster MTU {m} is outside {lo}..{MAX}"))
                    .hint("use `mtu: auto` to take the computed budget"),
            );
        }
    }
}
