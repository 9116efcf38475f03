//! What the lab measures once BGP has converged: every device's route table
//! against the plan's `reach`, pod-to-pod pings per pair of node locations at
//! the pod MTU and one byte over the budget, the path MTU between the nodes, and,
//! where a ping dies, the device that dropped it (`ip route get` hop by hop).

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::time::Instant;

use ipnet::IpNet;
use meshplan_core::model::{Cni, Kind};
use meshplan_core::plan::nexthop::NextDevices;
use meshplan_core::plan::{Blackhole, Family, Plan, SitePath};

use super::daemons::{self, Speaker};
use super::exec;
use super::layout::{Layout, SpaceKind};

/// One device's route table compared with the plan.
#[derive(Debug, Clone)]
pub struct RouteCheck {
    pub device: String,
    pub expected: usize,
    pub found: usize,
    /// Prefixes the plan says the device lacks (and the lab confirms absent).
    pub missing: usize,
    pub problems: Vec<String>,
}

/// Pod prefixes of the plan (one per node and family).
fn pod_prefixes(plan: &Plan) -> BTreeSet<IpNet> {
    plan.routing.prefixes.iter().map(|p| p.net).collect()
}

/// Compares every device's routes with `plan.reach`: the daemon's BGP best routes
/// and their next hops, the kernel's routes (installed where the CNI installs
/// them) and the device their gateway belongs to (the BGP next hop resolved over
/// the underlay, which `next` gives for the plan), direct routes, and the
/// prefixes the plan says a device lacks.
pub fn check_routes(
    plan: &Plan,
    layout: &Layout,
    speakers: &[Speaker],
    next: &mut NextDevices,
    link_local: &BTreeMap<IpAddr, usize>,
) -> Vec<RouteCheck> {
    let prefix_index: BTreeMap<IpNet, usize> =
        plan.routing.prefixes.iter().enumerate().map(|(i, p)| (p.net, i)).collect();
    let pods = pod_prefixes(plan);
    let within: Vec<IpNet> = plan.cluster.pod_cidr.clone();
    let mut out = Vec::new();
    for device in plan.devices() {
        let Some(sp) = layout.device(device) else { continue };
        let ns = &layout.spaces[sp].ns;
        let reach = plan.reach(device);
        let mut problems = Vec::new();
        let speaker = speakers.iter().find(|s| &s.device == device);
        let bgp_expected: BTreeMap<IpNet, Option<IpAddr>> =
            reach.learned.iter().filter(|l| l.session.is_some()).map(|l| (l.prefix, l.next_hop)).collect();
        let direct: Vec<IpNet> = reach.learned.iter().filter(|l| l.session.is_none()).map(|l| l.prefix).collect();
        let kernel = daemons::kernel_routes(ns, &within);
        let mut found = 0;
        if let Some(s) = speaker {
            let actual: BTreeMap<IpNet, Option<IpAddr>> =
                daemons::bgp_routes(s).into_iter().filter(|(p, _)| pods.contains(p)).collect();
            for (p, nh) in &bgp_expected {
                match actual.get(p) {
                    None => problems.push(format!("lacks {p} (plan: via {})", show(nh))),
                    Some(got) if got != nh => problems.push(format!("{p} via {} (plan: via {})", show(got), show(nh))),
                    Some(_) => found += 1,
                }
            }
            for (p, nh) in &actual {
                if !bgp_expected.contains_key(p) {
                    problems.push(format!("has {p} via {} that the plan does not expect", show(nh)));
                }
            }
        }
        // Where the routes land in the kernel: routers always; nodes with Calico.
        let installs = speaker.is_some_and(|s| s.kind == Kind::Router || plan.cluster.cni == Cni::Calico);
        if installs {
            for p in bgp_expected.keys() {
                let Some(gws) = kernel.get(p) else {
                    problems.push(format!("{p} is not in the kernel table"));
                    continue;
                };
                // Where the kernel sends the packets: the owners of the gateways.
                // FRR installs IPv6 routes via the peer's link-local address.
                let lab: BTreeSet<String> = gws
                    .iter()
                    .filter_map(|g| layout.owner.get(g).or_else(|| link_local.get(g)))
                    .map(|&s| layout.spaces[s].name.clone())
                    .collect();
                let planned: BTreeSet<String> =
                    prefix_index.get(p).map(|&i| next.get(device, i)).unwrap_or_default().into_iter().collect();
                if !planned.is_empty() && lab != planned {
                    let show = |s: &BTreeSet<String>| {
                        if s.is_empty() {
                            "-".to_string()
                        } else {
                            s.iter().cloned().collect::<Vec<_>>().join(" + ")
                        }
                    };
                    problems.push(format!(
                        "{p} forwarded to {} (plan: to {}, the next hop resolved over the underlay)",
                        show(&lab),
                        show(&planned)
                    ));
                }
            }
        }
        for p in &direct {
            if kernel.contains_key(p) {
                found += 1;
            } else {
                problems.push(format!("lacks the direct route {p}"));
            }
        }
        for m in &reach.missing {
            if kernel.keys().any(|k| k.contains(m) || m.contains(k)) {
                problems.push(format!("has a route for {m}, which the plan says it lacks"));
            }
        }
        out.push(RouteCheck {
            device: device.clone(),
            expected: bgp_expected.len() + direct.len(),
            found,
            missing: reach.missing.len(),
            problems,
        });
    }
    out
}

/// The classes of pod prefixes (`plan.routing.classes`) whose routes the
/// daemons hold as `other` (the plan's other answer, W103) has them at every
/// device, and not as `plan` has them: where the network settled the other way.
pub fn settled_otherwise(plan: &Plan, other: &Plan, speakers: &[Speaker]) -> Vec<usize> {
    let observed: BTreeMap<&str, BTreeMap<IpNet, Option<IpAddr>>> =
        speakers.iter().map(|s| (s.device.as_str(), daemons::bgp_routes(s))).collect();
    let learned = |p: &Plan, device: &str| -> BTreeMap<IpNet, Option<IpAddr>> {
        p.reach(device).learned.into_iter().filter(|l| l.session.is_some()).map(|l| (l.prefix, l.next_hop)).collect()
    };
    let (first, second): (BTreeMap<&str, _>, BTreeMap<&str, _>) = (
        observed.keys().map(|&d| (d, learned(plan, d))).collect(),
        observed.keys().map(|&d| (d, learned(other, d))).collect(),
    );
    let agrees = |answer: &BTreeMap<&str, BTreeMap<IpNet, Option<IpAddr>>>, nets: &[IpNet]| {
        observed.iter().all(|(d, seen)| {
            let want = answer.get(d);
            nets.iter().all(|n| seen.get(n) == want.and_then(|w| w.get(n)))
        })
    };
    let mut out = Vec::new();
    for (c, alt) in plan.routing.otherwise.iter().enumerate() {
        if alt.is_none() {
            continue;
        }
        let nets: Vec<IpNet> = plan.routing.prefixes.iter().filter(|p| p.class == c).map(|p| p.net).collect();
        if agrees(&second, &nets) && !agrees(&first, &nets) {
            out.push(c);
        }
    }
    out
}

/// Every device's IPv6 link-local addresses (the kernel makes them; the layout
/// does not know them): whose is a link-local gateway.
pub fn link_local_owners(layout: &Layout) -> BTreeMap<IpAddr, usize> {
    let mut m = BTreeMap::new();
    for (i, sp) in layout.spaces.iter().enumerate() {
        if !matches!(sp.kind, SpaceKind::Node | SpaceKind::Router | SpaceKind::Host) {
            continue;
        }
        let out = exec::run("ip", &["-6", "-j", "-n", &sp.ns, "addr", "show", "scope", "link"]).map(|o| o.stdout);
        let v: serde_json::Value = serde_json::from_str(&out.unwrap_or_default()).unwrap_or(serde_json::Value::Null);
        for ifc in v.as_array().into_iter().flatten() {
            for a in ifc.get("addr_info").and_then(|x| x.as_array()).into_iter().flatten() {
                if let Some(ip) = a.get("local").and_then(|l| l.as_str()).and_then(|l| l.parse::<IpAddr>().ok()) {
                    // fe80::1 is every node's own pod-side gateway: not a device's.
                    if ip != IpAddr::V6(std::net::Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 1)) {
                        m.insert(ip, i);
                    }
                }
            }
        }
    }
    m
}

fn show(a: &Option<IpAddr>) -> String {
    a.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

/// The outcome of one `ping`.
#[derive(Debug, Clone)]
pub struct Ping {
    pub passed: bool,
    /// Why it failed: "message too long", "frag needed (mtu 1420)", "lost", "unreachable".
    pub why: String,
    /// How many times it was sent (more than one while the data plane settled).
    pub tries: u32,
    /// When a later try passed: how the first one failed, and the neighbour
    /// tables on the path at that moment (the evidence for a flaky probe).
    pub first_failure: Option<String>,
}

pub fn ping(ns: &str, dst: IpAddr, size: u32, count: u32) -> Result<Ping, String> {
    exec::sleep(std::time::Duration::ZERO)?;
    let size = size.to_string();
    let count_s = count.to_string();
    let dst = dst.to_string();
    let o = exec::ns(ns, "ping", &["-n", "-c", &count_s, "-i", "0.2", "-W", "1", "-M", "do", "-s", &size, &dst])?;
    let text = o.text();
    let lower = text.to_ascii_lowercase();
    // A pass is every reply back: `ping` exits 0 on one reply of three, which
    // would hide a path that drops some packets.
    let received = replies(&text);
    let every_reply = o.ok && received.is_none_or(|(sent, got)| sent == got && got > 0);
    let why = if lower.contains("message too long") {
        let mtu = text.split("mtu=").nth(1).and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next()).unwrap_or("");
        format!("message too long{}", if mtu.is_empty() { String::new() } else { format!(" (mtu {mtu})") })
    } else if lower.contains("frag needed") || lower.contains("packet too big") {
        let mtu = text.split("mtu = ").nth(1).and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next()).unwrap_or("");
        format!("frag needed{}", if mtu.is_empty() { String::new() } else { format!(" (mtu {mtu})") })
    } else if lower.contains("unreachable") {
        "unreachable".into()
    } else if every_reply {
        String::new()
    } else if let Some((sent, got)) = received.filter(|(_, got)| *got > 0) {
        format!("lost {} of {sent}", sent - got)
    } else {
        "lost".into()
    };
    Ok(Ping { passed: every_reply, why, tries: 1, first_failure: None })
}

/// `(transmitted, received)` from ping's summary line.
fn replies(text: &str) -> Option<(u32, u32)> {
    let line = text.lines().find(|l| l.contains("packets transmitted"))?;
    let mut nums = line.split(',').filter_map(|part| part.split_whitespace().next()?.parse::<u32>().ok());
    Some((nums.next()?, nums.next()?))
}

impl Ping {
    /// Refused for its size: by the sender's own MTU or by an ICMP "frag
    /// needed" / "packet too big" from the path. Only that proves an MTU
    /// limit; a packet lost for another reason proves nothing about it.
    pub fn refused_for_size(&self) -> bool {
        !self.passed && (self.why.starts_with("message too long") || self.why.starts_with("frag needed"))
    }
    /// Passed, but only after the first try was lost.
    pub fn flaky(&self) -> bool {
        self.passed && self.tries > 1
    }
}

/// How long the data plane may lag the control plane: a kernel route or a
/// neighbour entry can land a moment after BIRD/FRR report the route. Pings
/// the plan expects to pass are retried while they are lost, until then.
const DATAPLANE_SETTLES_WITHIN: std::time::Duration = std::time::Duration::from_secs(10);

/// How long a pair waits for the kernels on its path to hold the routes.
const PATH_INSTALLED_WITHIN: std::time::Duration = std::time::Duration::from_secs(20);
/// Once they do, how long lost pings are retried (neighbour resolution).
const DATAPLANE_GRACE: std::time::Duration = std::time::Duration::from_secs(3);

/// A ping the plan expects to pass: retried while packets are *lost* (not
/// refused as too long or unreachable) until `settle_by`, so that a data plane
/// still converging is not reported as a mismatch, and one that never
/// converges still is.
fn ping_expecting_pass(
    ns: &str,
    dst: IpAddr,
    size: u32,
    count: u32,
    settle_by: Instant,
    path_ns: &[&str],
) -> Result<Ping, String> {
    let mut tries = 0;
    let mut first_failure = None;
    loop {
        let mut p = ping(ns, dst, size, count)?;
        tries += 1;
        p.tries = tries;
        if p.passed || !p.why.starts_with("lost") || Instant::now() >= settle_by {
            p.first_failure = first_failure;
            return Ok(p);
        }
        if first_failure.is_none() {
            first_failure = Some(format!("{}; neighbours then: {}", p.why, neighbours(path_ns)));
        }
        exec::sleep(std::time::Duration::from_millis(500))?;
    }
}

/// The neighbour entries of each namespace, one line: which next hop was
/// still INCOMPLETE or FAILED when a packet went missing.
fn neighbours(spaces: &[&str]) -> String {
    let mut out = Vec::new();
    for ns in spaces {
        let entries = exec::run("ip", &["-n", ns, "neigh", "show"]).map(|o| o.stdout).unwrap_or_default();
        let list: Vec<String> = entries
            .lines()
            .filter(|l| !l.contains("fe80:"))
            .map(|l| {
                let w: Vec<&str> = l.split_whitespace().collect();
                format!("{} {}", w.first().unwrap_or(&"?"), w.last().unwrap_or(&"?"))
            })
            .collect();
        out.push(format!("{ns} [{}]", list.join(", ")));
    }
    out.join("; ")
}

/// Follows the route to `dst` from `start`, namespace by namespace; returns the
/// device that has no route (where the packet dies), or `None` when it arrives.
pub fn trace(layout: &Layout, start: usize, dst: IpAddr, arrive: usize) -> Result<Option<String>, String> {
    let mut cur = start;
    let mut seen = BTreeSet::new();
    // Asked of the kernels once per trace, and only when a gateway needs it.
    let mut link_local: Option<BTreeMap<IpAddr, usize>> = None;
    for _ in 0..32 {
        if cur == arrive {
            return Ok(None);
        }
        if !seen.insert(cur) {
            return Ok(Some(format!("{} (routing loop)", layout.spaces[cur].name)));
        }
        let space = &layout.spaces[cur];
        let fam = if dst.is_ipv4() { "-4" } else { "-6" };
        let o = exec::run("ip", &[fam, "-j", "-n", &space.ns, "route", "get", &dst.to_string()])?;
        if !o.ok {
            return Ok(Some(space.name.clone()));
        }
        let v: serde_json::Value = serde_json::from_str(&o.stdout).unwrap_or(serde_json::Value::Null);
        let r = v.get(0).cloned().unwrap_or(serde_json::Value::Null);
        let typ = r.get("type").and_then(|t| t.as_str()).unwrap_or("unicast");
        if matches!(typ, "unreachable" | "blackhole" | "prohibit") {
            return Ok(Some(space.name.clone()));
        }
        let next = match r.get("gateway").and_then(|g| g.as_str()).and_then(|g| g.parse::<IpAddr>().ok()) {
            // FRR's IPv6 eBGP routes go via the peer's link-local address,
            // which the layout does not know: ask the kernels whose it is.
            Some(gw) => layout
                .owner
                .get(&gw)
                .copied()
                .or_else(|| link_local.get_or_insert_with(|| link_local_owners(layout)).get(&gw).copied()),
            None => layout.owner.get(&dst).copied(),
        };
        let Some(next) = next else { return Ok(Some(space.name.clone())) };
        // A pod is the end of the road: its node is where the packet arrives.
        cur = match layout.spaces[next].kind {
            SpaceKind::Pod => layout.pods.iter().find(|p| p.space == next).map(|p| p.node_space).unwrap_or(next),
            _ => next,
        };
        if layout.spaces[next].kind == SpaceKind::Pod && cur == arrive {
            return Ok(None);
        }
    }
    Ok(Some(layout.spaces[cur].name.clone()))
}

/// One pair of node locations, one family.
#[derive(Debug, Clone)]
pub struct PairResult {
    pub from: String,
    pub to: String,
    pub src_node: String,
    pub dst_node: String,
    pub family: Family,
    pub pod_size: u32,
    pub pod: Ping,
    pub over_size: u32,
    pub over: Ping,
    /// Path MTU between the two nodes: (MTU, passes at it, fails one above).
    pub path: Option<(u32, Ping, Ping)>,
    /// The device the plan says drops pod packets on this pair (either way).
    pub plan_blackhole: Option<String>,
    /// When the plan's blackhole is a forwarding loop: the devices on it.
    pub plan_loop: Vec<String>,
    /// Where the plan's other failing ECMP branches end (a device, or a loop's
    /// devices): the kernel's hash may send the lab's packets down any of them.
    pub plan_other_ends: Vec<Vec<String>>,
    /// The device the lab found dropping them.
    pub lab_blackhole: Option<String>,
    /// The plan says only some flows die (ECMP): the ping may pass or fail.
    pub some_flows: bool,
}

impl PairResult {
    /// The lab agrees with the plan on this pair.
    pub fn matches(&self) -> bool {
        self.mismatch().is_none()
    }

    /// The lab's packets die where the plan says: at its device, or, for a
    /// forwarding loop, anywhere on the loop's ring (which device a trace
    /// reaches twice first depends on where it enters the ring).
    /// Where ECMP branches fail differently, the end of any of them will do.
    fn dies_where_planned(&self, planned: &str) -> bool {
        let Some(lab) = self.lab_blackhole.as_deref() else { return false };
        let looped = lab.strip_suffix(" (routing loop)");
        let on = |ring: &[String]| looped.is_some_and(|d| ring.iter().any(|x| x == d));
        lab == planned
            || on(&self.plan_loop)
            || self.plan_other_ends.iter().any(|e| match e.as_slice() {
                [one] => one == lab,
                ring => on(ring),
            })
    }

    /// Why the lab does not agree with the plan on this pair, if it does not.
    pub fn mismatch(&self) -> Option<String> {
        let over = if self.over.passed {
            Some(format!("-s {} passed above the budget", self.over_size))
        } else if !self.over.refused_for_size() {
            Some(format!("-s {} failed for another reason than its size: {}", self.over_size, self.over.why))
        } else {
            None
        };
        let path = self.path.as_ref().and_then(|(m, at, above)| {
            if !at.passed {
                Some(format!("path MTU {m}: fails at {m} ({})", at.why))
            } else if at.flaky() {
                Some(format!("path MTU {m}: passed at {m} only on try {} (flaky)", at.tries))
            } else if above.passed {
                Some(format!("path MTU {m}: passes at {} (loose)", m + 1))
            } else if !above.refused_for_size() && above.why != "lost" {
                // Refused for its size, or every packet dropped one byte above a
                // size that just passed on the same path: a bridge (an L2 hop)
                // drops an oversize frame without an ICMP "frag needed".
                Some(format!("path MTU {m}: fails at {} for another reason than its size: {}", m + 1, above.why))
            } else {
                None
            }
        });
        match &self.plan_blackhole {
            None if !self.pod.passed => Some(format!("pods do not reach: {}", self.pod.why)),
            None if self.pod.flaky() => {
                let first = self.pod.first_failure.as_deref().and_then(|f| f.split(';').next()).unwrap_or("lost");
                Some(format!("passed only on try {} (flaky; first try: {first})", self.pod.tries))
            }
            None => over.or(path),
            // Only some flows die, and `ip route get` (no ports, no source) may
            // hash onto another branch than the ping did: a lost ping is the
            // prediction met wherever the trace ends; a passing one must still
            // keep the MTU.
            Some(_) if self.some_flows => {
                if self.pod.passed {
                    over.or(path)
                } else {
                    None
                }
            }
            Some(dev) if self.pod.passed => Some(format!("pods reach where the plan says they die at {dev}")),
            Some(dev) => (!self.dies_where_planned(dev))
                .then(|| format!("dropped at {}", self.lab_blackhole.as_deref().unwrap_or("an unknown place"))),
        }
    }
}

pub fn header(f: Family) -> u32 {
    match f {
        Family::Ipv4 => 28,
        Family::Ipv6 => 48,
    }
}

/// The pairs the lab pings: one source and one destination node per plan path
/// (two different nodes for a location with several).
pub fn pairs(plan: &Plan) -> Vec<(&SitePath, String, String)> {
    let mut out = Vec::new();
    for p in &plan.paths {
        let at = |loc: &str| -> Vec<String> {
            plan.nodes.keys().filter(|n| plan.location_of(n).as_deref() == Some(loc)).cloned().collect()
        };
        let (srcs, dsts) = (at(&p.from), at(&p.to));
        let Some(src) = srcs.first() else { continue };
        let Some(dst) = dsts.iter().find(|d| *d != src) else { continue };
        out.push((p, src.clone(), dst.clone()));
    }
    out
}

pub fn run_pings(plan: &Plan, layout: &Layout, log: &mut dyn FnMut(String)) -> Result<Vec<PairResult>, String> {
    let mut results = Vec::new();
    let settle_by = Instant::now() + DATAPLANE_SETTLES_WITHIN;
    for (path, src, dst) in pairs(plan) {
        let reverse = plan.paths.iter().find(|q| q.from == path.to && q.to == path.from);
        let planned = path.blackhole.as_ref().or(reverse.and_then(|r| r.blackhole.as_ref()));
        let plan_blackhole = planned.map(as_traced);
        let plan_loop = planned.map(|b| b.looped.clone()).unwrap_or_default();
        let plan_other_ends = planned.map(|b| b.other_branches.clone()).unwrap_or_default();
        let some_flows = planned.is_some_and(|b| b.some_flows);
        let (Some(sp), Some(dp)) = (layout.pod(&src), layout.pod(&dst)) else { continue };
        let (Some(src_node), Some(dst_node)) = (layout.device(&src), layout.device(&dst)) else { continue };
        let pod_ns = layout.spaces[sp.space].ns.clone();
        let watch_owned = [pod_ns.clone(), layout.spaces[src_node].ns.clone(), layout.spaces[dst_node].ns.clone()];
        let watch: Vec<&str> = watch_owned.iter().map(String::as_str).collect();
        for &a in &sp.addrs {
            let fam = Family::of(&a);
            let Some(&b) = dp.addrs.iter().find(|x| Family::of(x) == fam) else { continue };
            let h = header(fam);
            let pod_size = plan.pod_mtu.saturating_sub(h);
            let pod = if plan_blackhole.is_none() {
                // Probe once the kernels hold the path both ways (`ip route get`
                // hop by hop arrives), not while a daemon is still installing it.
                let ready_by = Instant::now() + PATH_INSTALLED_WITHIN;
                while Instant::now() < ready_by
                    && (trace(layout, src_node, b, dst_node)?.is_some()
                        || trace(layout, dst_node, a, src_node)?.is_some())
                {
                    exec::sleep(std::time::Duration::from_millis(500))?;
                }
                ping_expecting_pass(&pod_ns, b, pod_size, 3, settle_by.max(Instant::now() + DATAPLANE_GRACE), &watch)?
            } else {
                ping(&pod_ns, b, pod_size, 3)?
            };
            let over_size = plan.mtu_budget.saturating_sub(h) + 1;
            let over = ping(&pod_ns, b, over_size, 2)?;
            let mut path_probe = None;
            if plan_blackhole.is_none() && path.routed {
                let dst_addr =
                    plan.nodes.get(&dst).and_then(|n| n.addresses.iter().copied().find(|x| Family::of(x) == fam));
                if let Some(da) = dst_addr {
                    let ns = &layout.spaces[src_node].ns;
                    let at = ping_expecting_pass(ns, da, path.path_mtu.saturating_sub(h), 3, settle_by, &watch)?;
                    let above = ping(ns, da, path.path_mtu.saturating_sub(h) + 1, 2)?;
                    path_probe = Some((path.path_mtu, at, above));
                }
            }
            let mut lab_blackhole = None;
            if !pod.passed {
                lab_blackhole = trace(layout, src_node, b, dst_node)?;
                if lab_blackhole.is_none() {
                    lab_blackhole = trace(layout, dst_node, a, src_node)?;
                }
            }
            let r = PairResult {
                from: path.from.clone(),
                to: path.to.clone(),
                src_node: src.clone(),
                dst_node: dst.clone(),
                family: fam,
                pod_size,
                pod,
                over_size,
                over,
                path: path_probe,
                plan_blackhole: plan_blackhole.clone(),
                plan_loop: plan_loop.clone(),
                plan_other_ends: plan_other_ends.clone(),
                lab_blackhole,
                some_flows,
            };
            log(format!(
                "{} → {} {} ({} pod {} → {} pod {}): -s {} {}, -s {} {}{}{}",
                r.from,
                r.to,
                fam.as_str(),
                src,
                a,
                dst,
                b,
                r.pod_size,
                pass(&r.pod),
                r.over_size,
                if r.over.passed { "passes".to_string() } else { format!("fails ({})", r.over.why) },
                r.path
                    .as_ref()
                    .map(|(m, at, above)| format!(", path MTU {m}: {} at {m}, {} at {}", pass(at), pass(above), m + 1))
                    .unwrap_or_default(),
                r.lab_blackhole.as_ref().map(|d| format!(", dropped at {d}")).unwrap_or_default()
            ));
            results.push(r);
        }
    }
    Ok(results)
}

/// A plan's blackhole as `trace` names the place packets die: the device, or
/// the first device a looping packet reaches twice.
fn as_traced(b: &Blackhole) -> String {
    if b.looped.is_empty() {
        b.device.clone()
    } else {
        format!("{} (routing loop)", b.device)
    }
}

fn pass(p: &Ping) -> String {
    if p.passed && p.tries > 1 {
        let first = p.first_failure.as_deref().unwrap_or("lost");
        format!("passes only on try {} (first: {first})", p.tries)
    } else if p.passed {
        "passes".into()
    } else {
        format!("fails ({})", p.why)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ping_of(passed: bool, why: &str, tries: u32) -> Ping {
        Ping { passed, why: why.into(), tries, first_failure: None }
    }

    fn pair(
        pod: Ping,
        over: Ping,
        path: Option<(u32, Ping, Ping)>,
        plan: Option<&str>,
        lab: Option<&str>,
    ) -> PairResult {
        PairResult {
            from: "s0".into(),
            to: "s1".into(),
            src_node: "n0".into(),
            dst_node: "n1".into(),
            family: Family::Ipv4,
            pod_size: 1372,
            pod,
            over_size: 1373,
            over,
            path,
            plan_blackhole: plan.map(str::to_string),
            plan_loop: vec!["r0".into(), "r2".into()],
            plan_other_ends: Vec::new(),
            lab_blackhole: lab.map(str::to_string),
            some_flows: false,
        }
    }

    #[test]
    fn replies_come_from_the_summary_line() {
        let text =
            "--- 10.0.0.1 ping statistics ---\n3 packets transmitted, 2 received, 33.3333% packet loss, time 401ms\n";
        assert_eq!(replies(text), Some((3, 2)));
        assert_eq!(replies("ping: sendmsg: Message too long\n"), None);
    }

    #[test]
    fn a_pair_matches_only_with_every_proof_in_place() {
        let pass = || ping_of(true, "", 1);
        let too_long = || ping_of(false, "message too long (mtu 1400)", 1);
        let tight = || Some((1500, pass(), ping_of(false, "frag needed (mtu 1500)", 1)));
        assert!(pair(pass(), too_long(), tight(), None, None).matches());
        // A pass on a later try is flaky, not a match.
        let flaky = pair(ping_of(true, "", 2), too_long(), tight(), None, None);
        assert_eq!(flaky.mismatch().as_deref(), Some("passed only on try 2 (flaky; first try: lost)"));
        // An oversized ping lost for another reason proves no MTU limit.
        let lost_over = pair(pass(), ping_of(false, "lost", 1), tight(), None, None);
        assert!(lost_over.mismatch().is_some_and(|w| w.contains("another reason")), "{:?}", lost_over.mismatch());
        // Above the path MTU: dropped without ICMP (a bridge) is the limit too,
        // where the size just below passed; unreachable is not.
        assert!(pair(pass(), too_long(), Some((1500, pass(), ping_of(false, "lost", 1))), None, None).matches());
        let other = pair(pass(), too_long(), Some((1500, pass(), ping_of(false, "unreachable", 1))), None, None);
        assert!(other.mismatch().is_some());
        // Partial loss is a failure with its count.
        let partial = pair(ping_of(false, "lost 1 of 3", 1), too_long(), tight(), None, None);
        assert_eq!(partial.mismatch().as_deref(), Some("pods do not reach: lost 1 of 3"));
        // A predicted blackhole matches only where the lab finds it.
        assert!(pair(ping_of(false, "lost", 1), too_long(), None, Some("r0"), Some("r0")).matches());
        assert!(!pair(ping_of(false, "lost", 1), too_long(), None, Some("r0"), Some("r1")).matches());
        assert!(!pair(pass(), too_long(), None, Some("r0"), None).matches());
        // A loop matches wherever on its ring the lab's trace first comes back.
        let on_ring =
            pair(ping_of(false, "lost", 1), too_long(), None, Some("r0 (routing loop)"), Some("r2 (routing loop)"));
        assert!(on_ring.matches());
        let off_ring =
            pair(ping_of(false, "lost", 1), too_long(), None, Some("r0 (routing loop)"), Some("r5 (routing loop)"));
        assert!(!off_ring.matches());
        // Where ECMP branches fail differently (fuzz seed 4006: a loop on one,
        // a router without routes on the other), the end of any branch will do,
        // and only those.
        let mut branches = pair(ping_of(false, "lost", 1), too_long(), None, Some("r0 (routing loop)"), Some("r3b"));
        assert!(!branches.matches());
        branches.plan_other_ends = vec![vec!["r3b".into()], vec!["r7".into(), "r8".into()]];
        assert!(branches.matches());
        branches.lab_blackhole = Some("r8 (routing loop)".into());
        assert!(branches.matches());
        branches.lab_blackhole = Some("r9".into());
        assert!(!branches.matches());
    }
}
