//! Renderer: BIRD 2 configs for the routers whose daemon is `bird`: meshplan's
//! part (`routers/<router>/meshplan.conf`, to include in the config that already
//! runs there), a complete config for a router that runs no BIRD yet
//! (`routers/<router>/bird.conf`, which includes the part), and the script that
//! installs them (`routers/<router>/install.sh`, written by `bird_install`, which
//! reads this module).
//!
//! The config follows the seed's hand-written layout: one template per kind of
//! session (backbone, route-reflector clients, eBGP neighbours) and family, one
//! `protocol bgp` per session the plan resolved for the router. Filters accept
//! only the prefixes the cluster announces ([`accepted`]), both ways; the kernel
//! protocol learns the underlay routes (so iBGP next hops resolve recursively)
//! and installs the routes BGP learned.
//!
//! The prefix policy and the per-router view of the sessions live here and are
//! shared with the FRR renderer, so both daemons accept exactly the same prefixes.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::net::IpAddr;

use ipnet::IpNet;

use super::common;
use super::File;
use crate::model::{AddrRange, Cni, Daemon, MetallbMode};
use crate::plan::{Family, Plan, Session, SessionKind, SessionRole};

/// BGP timers of every generated session (router configs and the lab's nodes):
/// a dead peer is noticed within 30 s rather than the 240/180 s defaults, which
/// matters when a route reflector of a site fails over an overlay. The plan
/// holds them (`plan::BGP_HOLD`), since its failure analysis states outages with them.
pub const KEEPALIVE: u32 = crate::plan::BGP_KEEPALIVE;
pub const HOLD: u32 = crate::plan::BGP_HOLD;

/// One prefix range the routers accept and pass on: `net` and its more-specifics
/// from `/ge` to `/le`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accept {
    pub net: IpNet,
    pub ge: u8,
    pub le: u8,
    /// What the range is, for the comment beside it.
    pub what: String,
}

impl Accept {
    pub fn family(&self) -> Family {
        Family::of_net(&self.net)
    }
}

/// Every prefix the cluster announces by BGP, which is all the routers accept:
/// - the pod ranges, from the per-node size (Calico's block, Cilium's mask) down
///   to single addresses (Calico announces borrowed /32s);
/// - with Cilium, the service range (its BGP control plane announces service
///   addresses) and its LB-IPAM pools;
/// - MetalLB's pools in BGP mode, with any CNI.
pub fn accepted(plan: &Plan) -> Vec<Accept> {
    let c = &plan.cluster;
    let mut out = Vec::new();
    for net in &c.pod_cidr {
        let v4 = matches!(net, IpNet::V4(_));
        let ge =
            crate::plan::addressing::per_node_size(&plan.cluster, v4).clamp(net.prefix_len(), net.max_prefix_len());
        out.push(Accept { net: net.trunc(), ge, le: net.max_prefix_len(), what: "pod range".into() });
    }
    if c.cni == Cni::Cilium {
        for net in &c.service_cidr {
            out.push(Accept {
                net: net.trunc(),
                ge: net.prefix_len(),
                le: net.max_prefix_len(),
                what: "service range".into(),
            });
        }
        pool_accepts(&c.cilium().lb_pools, "LB pool", &mut out);
    }
    if let Some(m) = c.metallb.as_ref().filter(|m| m.mode == MetallbMode::Bgp) {
        pool_accepts(&m.pools, "MetalLB pool", &mut out);
    }
    out
}

/// Every address of the pools, exactly, as accepted prefixes.
fn pool_accepts(pools: &BTreeMap<String, Vec<AddrRange>>, what: &str, out: &mut Vec<Accept>) {
    for (pool, ranges) in pools {
        for net in ranges.iter().flat_map(range_nets) {
            out.push(Accept { net, ge: net.prefix_len(), le: net.max_prefix_len(), what: format!("{what} {pool}") });
        }
    }
}

/// The smallest list of prefixes that covers an address range exactly.
pub fn range_nets(r: &AddrRange) -> Vec<IpNet> {
    let (first, last) = r.bounds();
    let (bits, lo, hi) = match (first, last) {
        (IpAddr::V4(a), IpAddr::V4(b)) => (32u32, u128::from(u32::from(a)), u128::from(u32::from(b))),
        (IpAddr::V6(a), IpAddr::V6(b)) => (128u32, u128::from(a), u128::from(b)),
        _ => return Vec::new(),
    };
    let mut out = Vec::new();
    let mut cur = lo;
    while cur <= hi {
        // The largest block aligned at `cur` that stays inside the range.
        let mut size = if cur == 0 { bits } else { cur.trailing_zeros().min(bits) };
        while size > 0 {
            let span = if size >= 128 { u128::MAX } else { (1u128 << size) - 1 };
            match cur.checked_add(span) {
                Some(end) if end <= hi => break,
                _ => size -= 1,
            }
        }
        let len = u8::try_from(bits - size).unwrap_or(0);
        let net = if bits == 32 {
            u32::try_from(cur).ok().and_then(|a| ipnet::Ipv4Net::new(a.into(), len).ok()).map(IpNet::V4)
        } else {
            ipnet::Ipv6Net::new(cur.into(), len).ok().map(IpNet::V6)
        };
        out.extend(net);
        let span = if size >= 128 { u128::MAX } else { 1u128 << size };
        match cur.checked_add(span) {
            Some(next) => cur = next,
            None => break,
        }
    }
    out
}

/// One session as a router sees it.
#[derive(Debug, Clone)]
pub struct Side<'a> {
    pub session: &'a Session,
    pub peer: &'a str,
    pub family: Family,
    pub my_address: IpAddr,
    pub peer_address: IpAddr,
    pub my_asn: u32,
    pub peer_asn: u32,
    /// This router announces itself as next hop towards the peer.
    pub next_hop_self: bool,
    /// This router reflects routes to the peer (its route-reflector client).
    pub rr_client: bool,
}

/// `router`'s side of session `s`, if it is an end of it.
fn side_of<'a>(s: &'a Session, router: &str) -> Option<Side<'a>> {
    let (peer, my_address, peer_address, my_asn, peer_asn) = if s.a == router {
        (s.b.as_str(), s.a_address, s.b_address, s.a_asn, s.b_asn)
    } else if s.b == router {
        (s.a.as_str(), s.b_address, s.a_address, s.b_asn, s.a_asn)
    } else {
        return None;
    };
    Some(Side {
        session: s,
        peer,
        family: s.family,
        my_address,
        peer_address,
        my_asn,
        peer_asn,
        next_hop_self: s.next_hop_self.iter().any(|n| n == router),
        rr_client: s.role == SessionRole::RrClient && s.kind == SessionKind::Ibgp && s.b == router,
    })
}

/// The sessions of `router`, in the plan's order.
pub fn sides<'a>(plan: &'a Plan, router: &str) -> Vec<Side<'a>> {
    plan.sessions.iter().filter_map(|s| side_of(s, router)).collect()
}

/// The sessions of every router, as [`sides`] gives them, in one pass over the
/// sessions (a reflector of a large backbone has hundreds).
pub fn sides_by_router(plan: &Plan) -> BTreeMap<&str, Vec<Side<'_>>> {
    let mut out: BTreeMap<&str, Vec<Side>> = BTreeMap::new();
    for s in &plan.sessions {
        for end in [s.a.as_str(), s.b.as_str()] {
            if let Some((name, _)) = plan.routers.get_key_value(end) {
                if end == s.b && s.a == s.b {
                    continue;
                }
                out.entry(name.as_str()).or_default().extend(side_of(s, end));
            }
        }
    }
    out
}

/// The families a router needs: those of its sessions, or the cluster's.
pub fn families(plan: &Plan, sides: &[Side]) -> Vec<Family> {
    let mut f: Vec<Family> = sides.iter().map(|s| s.family).collect();
    if f.is_empty() {
        f = plan.cluster.pod_cidr.iter().map(Family::of_net).collect();
    }
    crate::sort::sort(&mut f);
    f.dedup();
    f
}

/// The group a session falls in: one template (BIRD) or peer-group (FRR) each.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Group {
    pub role: SessionRole,
    pub kind: SessionKind,
    pub family: Family,
    pub next_hop_self: bool,
    pub rr_client: bool,
}

impl Group {
    pub fn of(s: &Side) -> Group {
        Group {
            role: s.session.role,
            kind: s.session.kind,
            family: s.family,
            next_hop_self: s.next_hop_self,
            rr_client: s.rr_client,
        }
    }

    /// A name made of the role, and of the rest only where it departs from what
    /// the role usually means: `backbone`, `clients`, `ebgp`, `backbone_ebgp`, …
    pub fn base_name(&self) -> String {
        let mut n = match self.role {
            SessionRole::Backbone => "backbone".to_string(),
            SessionRole::RrClient if self.rr_client => "clients".to_string(),
            SessionRole::RrClient => "reflectors".to_string(),
            SessionRole::Ebgp => "ebgp".to_string(),
            SessionRole::Mesh => "mesh".to_string(),
        };
        if self.kind == SessionKind::Ebgp && self.role != SessionRole::Ebgp {
            n.push_str("_ebgp");
        }
        let usual_nhs = matches!(self.role, SessionRole::Backbone | SessionRole::Ebgp);
        if self.next_hop_self != usual_nhs {
            n.push_str(if self.next_hop_self { "_nhs" } else { "_keep_nh" });
        }
        n
    }
}

fn fam_suffix(f: Family) -> &'static str {
    match f {
        Family::Ipv4 => "v4",
        Family::Ipv6 => "v6",
    }
}

/// A BIRD symbol from a topology name: letters, digits and `_`.
fn push_symbol(out: &mut String, s: &str) {
    out.extend(s.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '_' }));
}

/// The name of the BGP protocol of each side, unique within the config.
pub fn protocol_names(sides: &[Side]) -> Vec<String> {
    let mut bases: Vec<(Group, String)> = Vec::new();
    let mut used: Vec<String> = Vec::with_capacity(sides.len());
    let mut taken: BTreeSet<String> = BTreeSet::new();
    for s in sides {
        let g = Group::of(s);
        let gi = match bases.iter().position(|(x, _)| *x == g) {
            Some(i) => i,
            None => {
                bases.push((g, g.base_name()));
                bases.len() - 1
            }
        };
        let mut base = String::with_capacity(64);
        base.push_str(&bases[gi].1);
        base.push('_');
        push_symbol(&mut base, s.peer);
        base.push('_');
        base.push_str(fam_suffix(s.family));
        base.truncate(56);
        let mut name = base.clone();
        let mut k = 2;
        while !taken.insert(name.clone()) {
            name = format!("{base}_{k}");
            k += 1;
        }
        used.push(name);
    }
    used
}

/// The prefix of every name meshplan's part defines in a BIRD config, so that it
/// cannot collide with the operator's protocols, templates, filters or tables.
pub const PREFIX: &str = "mp_";

/// The protocol names of a router's sessions in its BIRD config: [`protocol_names`]
/// with [`PREFIX`].
pub fn router_protocol_names(sides: &[Side]) -> Vec<String> {
    protocol_names(sides).into_iter().map(|n| format!("{PREFIX}{n}")).collect()
}

fn quote(s: &str) -> String {
    if !s.contains(['\\', '"']) {
        return format!("\"{s}\"");
    }
    format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""))
}

fn table(f: Family) -> &'static str {
    match f {
        Family::Ipv4 => "master4",
        Family::Ipv6 => "master6",
    }
}

fn filter_name(f: Family) -> String {
    format!("{PREFIX}{}", fam_suffix(f))
}

fn template_name(g: &Group) -> String {
    format!("{PREFIX}{}_{}", g.base_name(), fam_suffix(g.family))
}

/// The BIRD prefix set of one family, e.g. `[ 10.42.0.0/16{26,32} ]`.
fn prefix_set(acc: &[Accept], f: Family) -> Option<String> {
    let items: Vec<String> =
        acc.iter().filter(|a| a.family() == f).map(|a| format!("{}{{{},{}}}", a.net, a.ge, a.le)).collect();
    (!items.is_empty()).then(|| format!("[ {} ]", items.join(", ")))
}

/// The prefix set of a family, or one that matches nothing a router would carry.
fn set_or_none(acc: &[Accept], f: Family) -> String {
    prefix_set(acc, f).unwrap_or_else(|| match f {
        Family::Ipv4 => "[ 0.0.0.0/32{32,32} ]".into(),
        Family::Ipv6 => "[ ::/128{128,128} ]".into(),
    })
}

/// The file name of meshplan's part, beside the router's main BIRD config.
pub use super::common::ROUTER_PART as PART;

/// The line that joins meshplan's part to a BIRD config (relative paths are
/// read from the directory of the file that includes them).
pub fn include_line() -> String {
    format!("include \"{PART}\";")
}

pub fn files(plan: &Plan) -> Vec<File> {
    let mut out = Vec::new();
    let mut sides = sides_by_router(plan);
    for (name, r) in &plan.routers {
        if r.daemon != Daemon::Bird {
            continue;
        }
        let mine = sides.remove(name.as_str()).unwrap_or_default();
        let part = part_with(plan, name, &mine);
        out.push(File::text(format!("routers/{name}/bird.conf"), standalone(plan, name, &mine, None)));
        out.push(File::text(format!("routers/{name}/{PART}"), part));
    }
    out
}

/// The complete config of a router that runs no BIRD yet, with meshplan's part
/// written in instead of included: what the lab runs.
pub fn config(plan: &Plan, router: &str) -> String {
    let s = sides(plan, router);
    standalone(plan, router, &s, Some(&part_with(plan, router, &s)))
}

/// `routers/<router>/meshplan.conf`: meshplan's part alone.
pub fn part(plan: &Plan, router: &str) -> String {
    part_with(plan, router, &sides(plan, router))
}

/// `routers/<router>/bird.conf`: everything a BIRD needs besides meshplan's part
/// (router id, device, direct and kernel protocols), then the part: included,
/// or written in when `inline` holds it.
fn standalone(plan: &Plan, router: &str, sides: &[Side], inline: Option<&str>) -> String {
    let mut o = common::header(plan, "#", &format!("BIRD 2 configuration of router `{router}` (a complete one)"));
    let _ = writeln!(
        o,
        "#\n# For a router that runs no BIRD yet. A router that already has its BIRD\n\
         # config keeps it and gains only `{PART}` (see install.sh and RUNBOOK.md).\n"
    );
    let fams = families(plan, sides);
    let acc = accepted(plan);
    let rid = plan.routers.get(router).and_then(|r| r.router_id).map(|x| x.to_string());
    let _ = writeln!(o, "log syslog all;");
    let _ = writeln!(o, "router id {};", rid.as_deref().unwrap_or("0.0.0.0"));
    let _ = writeln!(o);
    let _ = writeln!(o, "protocol device {PREFIX}device {{\n  scan time 10;\n}}\n");
    let chans: Vec<String> = fams.iter().map(|f| format!("  {};\n", f.as_str())).collect();
    let _ = writeln!(
        o,
        "# Connected networks, so next hops on them resolve.\nprotocol direct {PREFIX}direct {{\n{}}}\n",
        chans.concat()
    );
    for &f in &fams {
        let _ = writeln!(
            o,
            "# The kernel table: learn the underlay routes (static, OSPF, ZeroTier) that\n\
             # iBGP next hops resolve through; install the best route BGP learned. No\n\
             # `merge paths`: BIRD cannot limit ECMP to equal cluster-list lengths, and a\n\
             # client's route merged with the one a backbone peer reflects (next hop\n\
             # self) would send packets back and forth between the two reflectors.\n\
             protocol kernel {PREFIX}kernel_{s} {{\n  learn;\n  {fam} {{\n    \
             import filter {{\n      if net ~ {set} then reject;\n      accept;\n    }};\n    \
             export filter {{\n      if source = RTS_BGP then accept;\n      reject;\n    }};\n  }};\n}}\n",
            s = fam_suffix(f),
            fam = f.as_str(),
            set = set_or_none(&acc, f),
        );
    }
    match inline {
        Some(part) => {
            let _ = writeln!(o, "# ---- meshplan's part ({PART}) ----");
            o.push_str(part);
            o.push('\n');
        }
        None => {
            let _ = writeln!(o, "# meshplan's part: the BGP sessions of the pod network, in the file beside this one.");
            let _ = writeln!(o, "{}", include_line());
        }
    }
    o
}

/// `routers/<router>/meshplan.conf`, given the router's [`sides`]: filters,
/// templates and BGP protocols, every name starting with [`PREFIX`]. It defines
/// no `router id`, device or kernel protocol and no table: it joins the config
/// that already runs there and uses its `master4`/`master6` tables.
fn part_with(plan: &Plan, router: &str, sides: &[Side]) -> String {
    let mut o = common::header(plan, "#", &format!("meshplan's part of the BIRD 2 config of router `{router}`"));
    let Some(r) = plan.routers.get(router) else {
        return o;
    };
    let fams = families(plan, sides);
    let acc = accepted(plan);
    let names = router_protocol_names(sides);

    let rid = r.router_id.map(|x| x.to_string()).unwrap_or_else(|| "(none)".into());
    let _ = writeln!(
        o,
        "#\n# Included by the router's main config (`{}`). What it assumes of the rest:\n\
         #   - `router id {rid};` there (the plan's router id; also the cluster id below);\n\
         #   - a kernel protocol that exports the routes BGP learns (`source = RTS_BGP`)\n\
         #     from master4/master6, so the pod routes reach the kernel;\n\
         #   - the underlay (OSPF, static, kernel routes) in master4/master6, so the BGP\n\
         #     peers and the recursive next hops resolve.\n\
         # Every name here starts with `{PREFIX}`.",
        include_line()
    );
    let _ = writeln!(o, "#\n# Sessions the plan resolved for this router:");
    for s in sides {
        let _ = writeln!(
            o,
            "#   {:<9} {} {} {} ({}){}{}",
            s.session.role.as_str(),
            if s.session.kind == SessionKind::Ibgp { "iBGP" } else { "eBGP" },
            fam_suffix(s.family),
            s.peer,
            s.peer_address,
            if s.session.multihop { ", multihop" } else { "" },
            if s.rr_client { ", route-reflector client" } else { "" }
        );
    }
    if sides.is_empty() {
        let _ = writeln!(o, "#   (none)");
    }
    let _ = writeln!(o, "#\n# Accepted both ways, everything else rejected:");
    for a in &acc {
        let _ = writeln!(o, "#   {}{{{},{}}}  {}", a.net, a.ge, a.le, a.what);
    }
    let _ = writeln!(o);

    for &f in &fams {
        let set = set_or_none(&acc, f);
        let _ = writeln!(o, "# Only the cluster's prefixes pass, in and out.");
        let _ = writeln!(o, "filter {} {{\n  if net ~ {set} then accept;\n  reject;\n}}\n", filter_name(f));
    }

    // Templates, one per group, in the order they first appear.
    let mut groups: Vec<(Group, &Side)> = Vec::new();
    for s in sides {
        let g = Group::of(s);
        if !groups.iter().any(|(x, _)| *x == g) {
            groups.push((g, s));
        }
    }
    for (g, first) in &groups {
        let what = match (g.role, g.rr_client) {
            (SessionRole::Backbone, _) => "router-to-router backbone".to_string(),
            (SessionRole::RrClient, true) => "nodes this router reflects for (route-reflector clients)".to_string(),
            (SessionRole::RrClient, false) => "route reflectors of this router".to_string(),
            (SessionRole::Ebgp, _) => "nodes in another AS (eBGP)".to_string(),
            (SessionRole::Mesh, _) => "node mesh".to_string(),
        };
        let _ = writeln!(o, "# Template: {what}, {}.", f_long(g.family));
        let _ = writeln!(o, "template bgp {} {{", template_name(g));
        let _ = writeln!(o, "  local {} as {};", first.my_address, first.my_asn);
        let _ = writeln!(o, "  hold time {HOLD};\n  keepalive time {KEEPALIVE};");
        if g.rr_client {
            if let Some(cid) = r.cluster_id.or(r.router_id) {
                let _ = writeln!(o, "  rr client;\n  rr cluster id {cid};");
            }
        }
        let _ = writeln!(o, "  {} {{", g.family.as_str());
        let _ =
            writeln!(o, "    import filter {};\n    export filter {};", filter_name(g.family), filter_name(g.family));
        if g.next_hop_self {
            let _ = writeln!(o, "    next hop self;");
        }
        if g.kind == SessionKind::Ibgp {
            let _ = writeln!(o, "    gateway recursive;\n    igp table {};", table(g.family));
        }
        let _ = writeln!(o, "  }};\n}}\n");
    }

    for (s, pname) in sides.iter().zip(&names) {
        let g = Group::of(s);
        let Some(gi) = groups.iter().position(|(x, _)| *x == g) else { continue };
        let first = groups[gi].1;
        let _ = writeln!(o, "protocol bgp {pname} from {} {{", template_name(&g));
        let kind = if s.session.kind == SessionKind::Ibgp { "iBGP" } else { "eBGP" };
        let _ = writeln!(o, "  description {};", quote(&format!("{} {kind} with {}", s.session.role.as_str(), s.peer)));
        if s.my_address != first.my_address || s.my_asn != first.my_asn {
            let _ = writeln!(o, "  local {} as {};", s.my_address, s.my_asn);
        }
        let _ = writeln!(o, "  neighbor {} as {};", s.peer_address, s.peer_asn);
        if s.session.multihop {
            let _ = writeln!(o, "  multihop;");
        }
        let _ = writeln!(o, "}}\n");
    }
    while o.ends_with("\n\n") {
        o.pop();
    }
    o
}

/// Every name meshplan's part defines (filters, templates, protocols): what the
/// install script looks for in the operator's config before merging.
pub fn part_names(plan: &Plan, sides: &[Side]) -> Vec<String> {
    let mut out: Vec<String> = families(plan, sides).into_iter().map(filter_name).collect();
    let mut groups: Vec<Group> = Vec::new();
    for s in sides {
        let g = Group::of(s);
        if !groups.contains(&g) {
            groups.push(g);
            out.push(template_name(&g));
        }
    }
    out.extend(router_protocol_names(sides));
    out
}

fn f_long(f: Family) -> &'static str {
    match f {
        Family::Ipv4 => "IPv4",
        Family::Ipv6 => "IPv6",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_become_prefixes() {
        let r: AddrRange =
            "10.0.0.100-10.0.0.200".parse().unwrap_or(AddrRange::Range([0, 0, 0, 0].into(), [0, 0, 0, 0].into()));
        let nets: Vec<String> = range_nets(&r).iter().map(ToString::to_string).collect();
        assert_eq!(
            nets,
            ["10.0.0.100/30", "10.0.0.104/29", "10.0.0.112/28", "10.0.0.128/26", "10.0.0.192/29", "10.0.0.200/32"]
        );
        let r: AddrRange = "2001:db8:beef:aa01::240-2001:db8:beef:aa01::247"
            .parse()
            .unwrap_or(AddrRange::Range([0, 0, 0, 0].into(), [0, 0, 0, 0].into()));
        let nets: Vec<String> = range_nets(&r).iter().map(ToString::to_string).collect();
        assert_eq!(nets, ["2001:db8:beef:aa01::240/125"]);
        let r: AddrRange = "0.0.0.0/0".parse().unwrap_or(AddrRange::Range([0, 0, 0, 0].into(), [0, 0, 0, 0].into()));
        assert_eq!(range_nets(&r).len(), 1);
    }
}
