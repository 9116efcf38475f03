//! The MTU budget: the smallest pod MTU that any path allows, the pod MTU in force,
//! and the link that sets it.

use super::types::{Limit, SitePath};
use crate::diag::{Code, Diagnostic};
use crate::model::{Cni, Mtu, Topology};

/// How far below the budget a set MTU may sit before the plan mentions it.
const FAR_BELOW: u32 = 100;

pub struct Budget {
    pub budget: u32,
    pub pod_mtu: u32,
    pub limiting: Option<Limit>,
    pub notes: Vec<String>,
}

pub fn budget(t: &Topology, paths: &[SitePath], diags: &mut Vec<Diagnostic>) -> Budget {
    let tightest = paths.iter().min_by_key(|p| (p.pod_mtu, p.from_site.as_str(), p.to_site.as_str()));
    let limiting = tightest.map(|p| Limit {
        from_site: p.from_site.clone(),
        to_site: p.to_site.clone(),
        path_mtu: p.path_mtu,
        overhead: p.overhead,
        edge: p.limiting.clone(),
    });
    // No path at all (no nodes): the default Ethernet MTU, nothing to budget.
    let budget = tightest.map_or(1500, |p| p.pod_mtu);
    let where_ = |l: &Option<Limit>| match l {
        Some(l) => format!(
            "the {} ↔ {} path allows {} ({}{})",
            l.from_site,
            l.to_site,
            l.path_mtu.saturating_sub(l.overhead),
            l.edge.as_deref().unwrap_or("path"),
            if l.overhead > 0 { format!(", less {} bytes of encapsulation", l.overhead) } else { String::new() }
        ),
        None => String::new(),
    };
    let pod_mtu = match t.cluster.mtu {
        Mtu::Auto => budget,
        Mtu::Fixed(m) => {
            if m > budget {
                diags.push(
                    Diagnostic::new(
                        Code::E052,
                        "cluster.mtu",
                        format!("cluster MTU {m} is above the budget of {budget}: {}", where_(&limiting)),
                    )
                    .hint(format!("set `mtu: {budget}` or `mtu: auto`, or raise the MTU of the limiting link")),
                );
            } else if budget - m >= FAR_BELOW {
                diags.push(
                    Diagnostic::new(
                        Code::I053,
                        "cluster.mtu",
                        format!("cluster MTU {m} is {} bytes below the budget of {budget}", budget - m),
                    )
                    .hint("`mtu: auto` takes the budget; keep the lower value only if you measured it"),
                );
            }
            m
        }
    };
    // A set MTU under 1280 with IPv6 is E050 already; a computed one is this error:
    // Linux turns IPv6 off on an interface whose MTU is under 1280, so the pods
    // would have no IPv6 address at all.
    if t.cluster.has_ipv6() && t.cluster.mtu == Mtu::Auto && pod_mtu < 1280 {
        diags.push(
            Diagnostic::new(
                Code::E083,
                "cluster.mtu",
                format!("the pod MTU comes to {pod_mtu}, under 1280: Linux disables IPv6 on such an interface, so the pods get no IPv6 address"),
            )
            .hint(format!(
                "raise the MTU of the limiting link{}, or drop the encapsulation on it",
                limiting.as_ref().map(|l| format!(" ({} ↔ {})", l.from_site, l.to_site)).unwrap_or_default()
            )),
        );
    }
    if t.cluster.has_ipv6() {
        for p in paths.iter().filter(|p| p.pod_mtu < 1280 && p.from_site <= p.to_site) {
            diags.push(
                Diagnostic::new(
                    Code::W077,
                    format!("sites.{}", p.to_site),
                    format!(
                        "the {} ↔ {} path leaves pods {} bytes, below the 1280 IPv6 needs",
                        p.from_site, p.to_site, p.pod_mtu
                    ),
                )
                .hint("raise the MTU of the limiting link or drop the encapsulation on this path"),
            );
        }
    }
    let mut notes = Vec::new();
    if let Some(l) = &limiting {
        notes.push(format!("Budget {budget}: {}.", where_(&Some(l.clone()))));
    }
    if t.cluster.cni == Cni::Calico {
        notes.push(
            "Calico's MTU auto-detection skips zt* and wg* interfaces and may pick a larger MTU than the \
             overlay carries, so meshplan sets the MTU explicitly in the Installation."
                .to_string(),
        );
    }
    Budget { budget, pod_mtu, limiting, notes }
}
