//! Route tables grouped for people (the text report, the runbook): a device's
//! routes that read alike, as one row.

use std::collections::BTreeMap;
use std::net::IpAddr;

use crate::plan::reach::{Reaches, Sym};
use crate::plan::SessionRole;

/// Device `d`'s routes grouped for people: by session, by whether they come
/// from the prefix's node or a peer, and by what the next hop is.
pub fn rows<'a>(all: &Reaches<'a>, d: usize) -> Vec<RouteRow<'a>> {
    let plan = all.plan();
    let mut rows: BTreeMap<(Option<SessionRole>, u8, u8), RouteRow<'a>> = BTreeMap::new();
    for r in all.routes(d) {
        let rule = all.rule(&r);
        let via_kind = match rule.via {
            None => 0,
            Some(Sym::Origin) => 1,
            Some(Sym::Is(_)) => 2,
        };
        let peer_addrs: &[IpAddr] =
            r.via.and_then(|i| plan.speakers.list.get(i)).map(|s| s.addresses.as_slice()).unwrap_or(&[]);
        let hop_kind = match rule.next_hop {
            None => 0,
            Some(Sym::Origin) => 1,
            Some(Sym::Is(a)) if via_kind == 2 && peer_addrs.contains(&a) => 2,
            Some(Sym::Is(_)) => 3,
        };
        let row = rows.entry((r.session, via_kind, hop_kind)).or_insert_with(|| RouteRow {
            session: r.session,
            routes: 0,
            origins: 0,
            sites: Vec::new(),
            via: match via_kind {
                0 => RowVia::Direct,
                1 => RowVia::Origin,
                _ => RowVia::Peers(Vec::new()),
            },
            next_hop: match hop_kind {
                0 => RowHop::Direct,
                1 => RowHop::Origin,
                2 => RowHop::Peer,
                _ => RowHop::Addresses(Vec::new()),
            },
            origin_list: Vec::new(),
        });
        row.routes += 1;
        if let Some(pre) = plan.routing.prefixes.get(r.prefix) {
            row.origin_list.push(pre.origin.as_str());
        }
        if let Some(site) = all.origin_site(r.prefix) {
            row.sites.push(site);
        }
        if let (RowVia::Peers(v), Some(s)) = (&mut row.via, r.via.and_then(|i| plan.speakers.list.get(i))) {
            v.push(s.name.as_str());
        }
        if let (RowHop::Addresses(v), Some(a)) = (&mut row.next_hop, r.next_hop) {
            v.push(a);
        }
    }
    rows.into_values()
        .map(|mut r| {
            crate::sort::sort(&mut r.sites);
            r.sites.dedup();
            crate::sort::sort(&mut r.origin_list);
            r.origin_list.dedup();
            r.origins = r.origin_list.len();
            if let RowVia::Peers(v) = &mut r.via {
                crate::sort::sort(v);
                v.dedup();
            }
            if let RowHop::Addresses(v) = &mut r.next_hop {
                crate::sort::sort(v);
                v.dedup();
            }
            r
        })
        .collect()
}

/// Routes of one device that read alike, for the text report and the runbook.
#[derive(Debug, Clone)]
pub struct RouteRow<'a> {
    pub session: Option<SessionRole>,
    pub routes: usize,
    /// Distinct nodes whose prefixes these are.
    pub origins: usize,
    /// Their sites, sorted.
    pub sites: Vec<&'a str>,
    pub via: RowVia<'a>,
    pub next_hop: RowHop,
    origin_list: Vec<&'a str>,
}

#[derive(Debug, Clone)]
pub enum RowVia<'a> {
    /// Installed by the CNI, no BGP.
    Direct,
    /// From the node that owns the prefix.
    Origin,
    /// From these peers (sorted).
    Peers(Vec<&'a str>),
}

#[derive(Debug, Clone)]
pub enum RowHop {
    Direct,
    /// The node that owns the prefix.
    Origin,
    /// The peer the route is learned from.
    Peer,
    /// Other addresses (sorted).
    Addresses(Vec<IpAddr>),
}

/// `a, b, c` for short lists, `a, b, …, z` for long ones (callers give the count).
pub fn sample<T: std::fmt::Display>(items: &[T]) -> String {
    if items.len() <= 4 {
        return items.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ");
    }
    format!("{}, {}, …, {}", items[0], items[1], items[items.len() - 1])
}

impl RouteRow<'_> {
    /// Whose pods: "10 nodes in site000", "590 nodes in 59 sites: site001, …".
    pub fn origins_text(&self) -> String {
        let nodes = if self.origins == 1 { "1 node".to_string() } else { format!("{} nodes", self.origins) };
        match self.sites.len() {
            0 => nodes,
            1 => format!("{nodes} in {}", self.sites[0]),
            n => format!("{nodes} in {n} sites: {}", sample(&self.sites)),
        }
    }

    pub fn via_text(&self) -> String {
        let session = self.session.map(|s| format!(" ({})", s.as_str())).unwrap_or_default();
        match &self.via {
            RowVia::Direct => "none: direct route of the CNI".into(),
            RowVia::Origin => format!("the pods' node{session}"),
            RowVia::Peers(p) if p.len() == 1 => format!("{}{session}", p[0]),
            RowVia::Peers(p) => format!("{} peers{session}: {}", p.len(), sample(p)),
        }
    }

    pub fn next_hop_text(&self) -> String {
        match &self.next_hop {
            RowHop::Direct => "none (direct)".into(),
            RowHop::Origin => "the pods' node".into(),
            RowHop::Peer => "the peer it is learned from".into(),
            RowHop::Addresses(a) if a.len() == 1 => a[0].to_string(),
            RowHop::Addresses(a) => format!("{} addresses: {}", a.len(), sample(a)),
        }
    }
}
