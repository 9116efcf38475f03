//! Renderer: FRR configs for the routers whose daemon is `frr`
//! (`routers/<router>/frr.conf`, the integrated config) and the script that
//! installs one (`routers/<router>/install.sh`).
//!
//! One peer-group per kind of session and family (the groups of the BIRD
//! renderer), a prefix-list and route-map per family that accept only the
//! cluster's prefixes ([`super::bird::accepted`]) in and out of every session,
//! `route-reflector-client` and `next-hop-self force` where the plan says, and
//! ECMP across equal AS-path lengths.

use std::fmt::Write as _;

use super::bird::{self, Accept, Group, Side, HOLD, KEEPALIVE};
use super::common;
use super::File;
use crate::model::Daemon;
use crate::plan::{Family, Plan, SessionKind};

/// ECMP width for BGP multipath (the plan follows every equal path).
pub use crate::plan::FRR_MAXIMUM_PATHS as MAXIMUM_PATHS;

pub fn files(plan: &Plan) -> Vec<File> {
    let mut out = Vec::new();
    let mut sides = bird::sides_by_router(plan);
    for (name, r) in &plan.routers {
        if r.daemon != Daemon::Frr {
            continue;
        }
        let mine = sides.remove(name.as_str()).unwrap_or_default();
        out.push(File::text(format!("routers/{name}/frr.conf"), standalone(plan, name, &mine)));
        out.push(File::text(format!("routers/{name}/{PART}"), part_with(plan, name, &mine)));
    }
    out
}

fn fam_tag(f: Family) -> &'static str {
    match f {
        Family::Ipv4 => "V4",
        Family::Ipv6 => "V6",
    }
}

fn policy_name(f: Family) -> String {
    format!("MESHPLAN-{}", fam_tag(f))
}

/// A peer-group name: `MP-` and the group's name in capitals with `-` (`MP-CLIENTS-V4`).
fn group_name(g: &Group) -> String {
    format!("MP-{}-{}", g.base_name().to_ascii_uppercase().replace('_', "-"), fam_tag(g.family))
}

/// One prefix-list line's match: `ge`/`le` only where they narrow the range
/// (FRR wants `len < ge <= le`).
fn plist_match(a: &Accept) -> String {
    let len = a.net.prefix_len();
    let mut m = a.net.to_string();
    if a.ge > len {
        let _ = write!(m, " ge {}", a.ge);
    }
    if a.le > len && (a.le != a.net.max_prefix_len() || a.ge <= len) {
        let _ = write!(m, " le {}", a.le);
    }
    m
}

/// The file name of meshplan's part of an FRR config in the bundle.
pub use super::common::ROUTER_PART as PART;

/// `routers/<router>/frr.conf`: the complete config of a router that runs no
/// FRR yet (what the lab runs too).
pub fn config(plan: &Plan, router: &str) -> String {
    standalone(plan, router, &bird::sides(plan, router))
}

/// `routers/<router>/meshplan.conf`: meshplan's part alone.
pub fn part(plan: &Plan, router: &str) -> String {
    part_with(plan, router, &bird::sides(plan, router))
}

/// The complete config: FRR's defaults, hostname and log, the router-wide BGP
/// setting the part leaves to the operator (it would change the operator's own
/// sessions: IPv4 not activated by default), then meshplan's part.
fn standalone(plan: &Plan, router: &str, sides: &[Side]) -> String {
    let mut o = common::header(
        plan,
        "!",
        &format!("FRR configuration of router `{router}` (integrated frr.conf, a complete one)"),
    );
    let _ = writeln!(
        o,
        "!\n! For a router that runs no FRR yet. A router that already runs FRR keeps its\n\
         ! config and gains only `{PART}`, merged by install.sh with vtysh (see RUNBOOK.md).\n!"
    );
    let _ = writeln!(o, "frr defaults traditional\nhostname {router}\nlog syslog informational\n!");
    let part = part_with(plan, router, sides);
    // The part without its own header and `end`: one of each per file.
    let body: String =
        part.lines().skip_while(|l| l.starts_with('!')).filter(|l| *l != "end").map(|l| format!("{l}\n")).collect();
    if let Some(asn) = plan.routers.get(router).and_then(|r| r.asn).or_else(|| sides.first().map(|s| s.my_asn)) {
        // Before the sessions: `no bgp default ipv4-unicast` applies to neighbours
        // configured after it.
        let _ = writeln!(o, "! Router-wide, for a router where meshplan's sessions are the only ones.");
        let _ = writeln!(o, "router bgp {asn}\n no bgp default ipv4-unicast\nexit\n!");
    }
    o.push_str(&body);
    o.push_str("end\n");
    o
}

/// `routers/<router>/meshplan.conf`, given the router's sides: prefix-lists and
/// route-maps named `MESHPLAN-…`, and the `router bgp` stanza with one peer-group
/// per kind of session (`MP-…`), their timers and policies. Router-wide only the
/// AS, the router id, on a reflector the cluster id, and the best-path and ECMP
/// settings the plan's predictions rest on: merged into a running FRR it leaves
/// the operator's sessions as they are.
fn part_with(plan: &Plan, router: &str, sides: &[Side]) -> String {
    let mut o = common::header(plan, "!", &format!("meshplan's part of the FRR config of router `{router}`"));
    let Some(r) = plan.routers.get(router) else {
        return o;
    };
    let fams = bird::families(plan, sides);
    let acc = bird::accepted(plan);
    let _ = writeln!(
        o,
        "!\n! Merged into the running FRR by install.sh (vtysh). What it assumes of the rest:\n\
         ! the same `router bgp` AS and router id if one is there already, zebra\n\
         ! installing the routes bgpd learns, and the underlay (OSPF, static) reaching\n\
         ! the peers. Its peer-groups start with `MP-`, its policies with `MESHPLAN-`."
    );
    let _ = writeln!(o, "!\n! Sessions the plan resolved for this router:");
    for s in sides {
        let _ = writeln!(
            o,
            "!   {:<9} {} {} {} ({}){}{}",
            s.session.role.as_str(),
            if s.session.kind == SessionKind::Ibgp { "iBGP" } else { "eBGP" },
            s.family.as_str(),
            s.peer,
            s.peer_address,
            if s.session.multihop { ", multihop" } else { "" },
            if s.rr_client { ", route-reflector client" } else { "" }
        );
    }
    if sides.is_empty() {
        let _ = writeln!(o, "!   (none)");
    }
    let _ = writeln!(o, "!");

    // Prefix policy: the same ranges the BIRD routers accept.
    for &f in &fams {
        let kw = if f == Family::Ipv4 { "ip" } else { "ipv6" };
        let mine: Vec<&Accept> = acc.iter().filter(|a| a.family() == f).collect();
        for (i, a) in mine.iter().enumerate() {
            let _ = writeln!(o, "{kw} prefix-list {} seq {} permit {}", policy_name(f), (i + 1) * 10, plist_match(a));
        }
        if mine.is_empty() {
            let none = match f {
                Family::Ipv4 => "0.0.0.0/0 le 32",
                Family::Ipv6 => "::/0 le 128",
            };
            let _ = writeln!(o, "{kw} prefix-list {} seq 10 deny {none}", policy_name(f));
        }
        let _ = writeln!(o, "!");
    }
    for &f in &fams {
        let kw = if f == Family::Ipv4 { "ip" } else { "ipv6" };
        let _ = writeln!(o, "! Only the cluster's prefixes pass, in and out; the rest meets the implicit deny.");
        let _ = writeln!(
            o,
            "route-map {} permit 10\n match {kw} address prefix-list {}\nexit\n!",
            policy_name(f),
            policy_name(f)
        );
    }

    let Some(asn) = r.asn.or_else(|| sides.first().map(|s| s.my_asn)) else {
        let _ = writeln!(o, "! no AS number: the router speaks no BGP\nend");
        return o;
    };
    let _ = writeln!(o, "router bgp {asn}");
    if let Some(id) = r.router_id {
        let _ = writeln!(o, " bgp router-id {id}");
    }
    // Best path and ECMP as the plan predicts them (`plan::propagate`): without
    // these FRR keeps the older of two eBGP routes (RFC 5004), so the route in
    // use would depend on which session came up first, and spreads eBGP routes
    // only over one neighbouring AS. Router-wide: they apply to the operator's
    // own BGP routes too, which install.sh lists before it merges.
    let _ = writeln!(o, " bgp bestpath as-path multipath-relax\n bgp bestpath compare-routerid");
    if sides.iter().any(|s| s.rr_client) {
        if let Some(cid) = r.cluster_id.or(r.router_id) {
            let _ = writeln!(o, " bgp cluster-id {cid}");
        }
    }

    let mut groups: Vec<Group> = Vec::new();
    for s in sides {
        let g = Group::of(s);
        if !groups.contains(&g) {
            groups.push(g);
        }
    }
    for g in &groups {
        let members: Vec<&Side> = sides.iter().filter(|s| Group::of(s) == *g).collect();
        let pg = group_name(g);
        let uniform_as = members.first().map(|m| m.peer_asn).filter(|a| members.iter().all(|m| m.peer_asn == *a));
        let uniform_src = members.first().map(|m| m.my_address).filter(|a| members.iter().all(|m| m.my_address == *a));
        let _ = writeln!(o, " neighbor {pg} peer-group");
        if let Some(a) = uniform_as {
            let _ = writeln!(o, " neighbor {pg} remote-as {a}");
        }
        if let Some(src) = uniform_src {
            let _ = writeln!(o, " neighbor {pg} update-source {src}");
        }
        // Per peer-group, not `timers bgp`: the operator's sessions keep theirs.
        let _ = writeln!(o, " neighbor {pg} timers {KEEPALIVE} {HOLD}");
        for m in &members {
            if uniform_as.is_none() {
                let _ = writeln!(o, " neighbor {} remote-as {}", m.peer_address, m.peer_asn);
            }
            let _ = writeln!(o, " neighbor {} peer-group {pg}", m.peer_address);
            let kind = if m.session.kind == SessionKind::Ibgp { "iBGP" } else { "eBGP" };
            let _ = writeln!(
                o,
                " neighbor {} description {} {kind} with {}",
                m.peer_address,
                m.session.role.as_str(),
                m.peer
            );
            if uniform_src.is_none() {
                let _ = writeln!(o, " neighbor {} update-source {}", m.peer_address, m.my_address);
            }
            if m.session.multihop && m.session.kind == SessionKind::Ebgp {
                let _ = writeln!(o, " neighbor {} ebgp-multihop 255", m.peer_address);
            }
        }
    }
    for &f in &fams {
        let _ = writeln!(o, " !\n address-family {} unicast", f.as_str());
        for g in groups.iter().filter(|g| g.family == f) {
            let pg = group_name(g);
            let _ = writeln!(o, "  neighbor {pg} activate");
            if g.rr_client {
                let _ = writeln!(o, "  neighbor {pg} route-reflector-client");
            }
            if g.next_hop_self {
                // `force`: also for routes learned over iBGP, which a reflector passes on.
                let force = if g.kind == SessionKind::Ibgp { " force" } else { "" };
                let _ = writeln!(o, "  neighbor {pg} next-hop-self{force}");
            }
            let _ = writeln!(o, "  neighbor {pg} route-map {} in", policy_name(f));
            let _ = writeln!(o, "  neighbor {pg} route-map {} out", policy_name(f));
        }
        // iBGP ECMP only among paths of equal cluster-list length: a reflector must
        // not spread its own clients' routes over a backbone peer that announces
        // itself as next hop for them (that peer would send the packets back).
        let _ = writeln!(o, "  maximum-paths {MAXIMUM_PATHS}");
        let _ = writeln!(o, "  maximum-paths ibgp {MAXIMUM_PATHS} equal-cluster-length");
        // Where FRR activates every neighbour for IPv4 by default (`bgp default
        // ipv4-unicast`, the traditional profile), the IPv6 groups stay out of it.
        if f == Family::Ipv4 {
            for g in groups.iter().filter(|g| g.family != Family::Ipv4) {
                let _ = writeln!(o, "  no neighbor {} activate", group_name(g));
            }
        }
        let _ = writeln!(o, " exit-address-family");
    }
    let _ = writeln!(o, "exit\n!\nend");
    o
}
