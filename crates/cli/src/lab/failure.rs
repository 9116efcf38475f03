//! `lab run FILE --fail NAME`: after the intact design has converged and
//! passed, take one element down as it fails in life, let BGP notice, and check
//! every pair of node locations against the plan's prediction for that failure
//! (`plan::failures`): cut pairs must not pass, the others must pass at the pod
//! MTU the path left to them allows and not above the configured one where the
//! plan predicts a drop.
//!
//! - A link: both ends of its veth down.
//! - A router: its interfaces down, then every process in its namespace killed
//!   (as in a crash or power loss: no NOTIFICATION, no FIN reaches a peer).
//! - A host: its interfaces down. A site network: its switch's ports down.
//!
//! The lab's underlay is static routes (`layout`): after the failure it
//! installs the routes of the underlay without the element, as the operator's
//! IGP would route around it. The plan's rule is the same (least-cost paths on
//! what remains). BGP notices by its hold timer: the lab's routers and nodes
//! run the rendered timers (`plan::BGP_HOLD`, 30 s), so the wait is bounded by
//! that plus a margin.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use meshplan_core::model::Topology;
use meshplan_core::plan::failures::{self, Failure};
use meshplan_core::plan::{Family, Plan, BGP_HOLD};
use meshplan_core::underlay::Underlay;

use super::daemons::{self, Speaker};
use super::layout::{self, Layout, SpaceKind};
use super::{exec, netns, probes};

/// What the lab saw against the prediction, pair by pair.
pub struct Verdict {
    pub element: String,
    pub rows: Vec<Vec<String>>,
    pub problems: Vec<String>,
}

/// The element NAME names: a router, host or site by name, a link by its path
/// (`links[2]`), or any element by its path (`routers.gw`).
pub fn find<'a>(f: &'a failures::Failures, name: &str) -> Option<&'a Failure> {
    f.failures.iter().find(|x| x.element.path == name || (x.element.kind != "link" && x.element.name == name))
}

pub fn run(
    t: &Topology,
    plan: &Plan,
    layout: &Layout,
    speakers: &[Speaker],
    name: &str,
    log: &mut dyn FnMut(String),
) -> Result<Verdict, String> {
    let all = failures::analyze(t, plan);
    let Some(f) = find(&all, name) else {
        let names: Vec<&str> = all.failures.iter().map(|x| x.element.path.as_str()).collect();
        return Err(format!("no element `{name}` to fail; these can fail: {}", names.join(", ")));
    };
    log(format!(
        "failing {} {} ({}): the plan predicts {} session(s) lost, {} pair(s) cut, {} below the pod MTU",
        f.element.kind,
        f.element.name,
        f.element.path,
        f.sessions_lost.len(),
        f.broken.len(),
        f.mtu_drops.len()
    ));

    // 1. Down.
    take_down(layout, f, log)?;
    // 2. The underlay routes around it (the static routes of what remains).
    reroute(t, plan, layout, f, log)?;
    // 3. BGP notices: the sessions the plan says are lost leave Established.
    let bound = Duration::from_secs(u64::from(BGP_HOLD) + 15);
    let t0 = Instant::now();
    let failed_device = (f.element.kind == "router").then_some(f.element.name.as_str());
    let still_up = |sp: &[Speaker]| -> Vec<String> {
        let mut up = Vec::new();
        for s in sp.iter().filter(|s| Some(s.device.as_str()) != failed_device) {
            for st in daemons::sessions(plan, s) {
                let lost = f.sessions_lost.iter().any(|l| {
                    l.family == st.family
                        && ((l.a == s.device && l.b == st.peer) || (l.b == s.device && l.a == st.peer))
                });
                if lost && st.up {
                    up.push(format!("{} → {}", s.device, st.peer));
                }
            }
        }
        up
    };
    log(format!(
        "waiting for BGP to notice (hold time {BGP_HOLD} s, at most {} s; the lab's node speakers run {BGP_HOLD} s on \
         every session, where calico-node keeps BIRD's default {} s on its node mesh: the plan's outage says so)",
        bound.as_secs(),
        failures::outage::BIRD_DEFAULT_HOLD
    ));
    let mut problems = Vec::new();
    loop {
        let up = still_up(speakers);
        if up.is_empty() {
            log(format!("every lost session is down after {:.1} s", t0.elapsed().as_secs_f64()));
            break;
        }
        if t0.elapsed() > bound {
            problems.push(format!(
                "sessions the plan says are lost still up after {} s: {}",
                bound.as_secs(),
                up.join(", ")
            ));
            break;
        }
        exec::sleep(Duration::from_millis(500))?;
    }
    // Withdrawals travel and kernels follow: a moment after the last session falls.
    exec::sleep(Duration::from_secs(5))?;

    // 4. Every pair against the prediction.
    let cut: BTreeMap<(&str, &str), String> =
        f.broken.iter().map(|b| ((b.from.as_str(), b.to.as_str()), b.why.words())).collect();
    let new_mtu: BTreeMap<(&str, &str), u32> = f
        .moved
        .iter()
        .map(|m| ((m.from.as_str(), m.to.as_str()), m.pod_mtu))
        .chain(f.mtu_drops.iter().map(|d| ((d.from.as_str(), d.to.as_str()), d.pod_mtu)))
        .collect();
    let mut rows = Vec::new();
    for (path, src, dst) in probes::pairs(plan) {
        if path.blackhole.is_some() {
            continue; // cut before the failure: the intact run judged it
        }
        let key = (path.from.as_str(), path.to.as_str());
        let reverse = (path.to.as_str(), path.from.as_str());
        let at_element = f.element.kind == "site" && (path.from == f.element.name || path.to == f.element.name);
        let predicted_cut =
            cut.get(&key).or(cut.get(&reverse)).cloned().or(at_element.then(|| "its network is down".to_string()));
        let (Some(sp), Some(dp)) = (layout.pod(&src), layout.pod(&dst)) else { continue };
        let pod_ns = layout.spaces[sp.space].ns.clone();
        for &a in &sp.addrs {
            let fam = Family::of(&a);
            let Some(&b) = dp.addrs.iter().find(|x| Family::of(x) == fam) else { continue };
            let h = probes::header(fam);
            let mtu = new_mtu.get(&key).copied().unwrap_or(path.pod_mtu).min(plan.pod_mtu);
            let size = mtu.saturating_sub(h);
            let (expect, got, detail) = match &predicted_cut {
                Some(why) => {
                    let p = probes::ping(&pod_ns, b, 56, 3)?;
                    let ok = !p.passed;
                    if !ok {
                        problems
                            .push(format!("{} → {}: the plan says cut ({why}), but pings pass", path.from, path.to));
                    }
                    (
                        format!("cut: {why}"),
                        if p.passed { "passes".to_string() } else { format!("fails ({})", p.why) },
                        ok,
                    )
                }
                None => {
                    // Retried while the data plane settles on its new path.
                    let by = Instant::now() + Duration::from_secs(20);
                    let mut p = probes::ping(&pod_ns, b, size, 3)?;
                    while !p.passed && Instant::now() < by {
                        exec::sleep(Duration::from_secs(1))?;
                        p = probes::ping(&pod_ns, b, size, 3)?;
                    }
                    let mut ok = p.passed;
                    let mut got =
                        if p.passed { format!("-s {size} passes") } else { format!("-s {size} fails ({})", p.why) };
                    if !p.passed {
                        problems.push(format!(
                            "{} → {}: the plan says it still connects at {mtu}, but -s {size} fails ({})",
                            path.from, path.to, p.why
                        ));
                    }
                    if mtu < plan.pod_mtu {
                        // The drop the plan predicts: a pod-MTU packet no longer passes.
                        let full = plan.pod_mtu.saturating_sub(h);
                        let q = probes::ping(&pod_ns, b, full, 2)?;
                        got.push_str(&format!(
                            ", -s {full} {}",
                            if q.passed { "passes".to_string() } else { format!("fails ({})", q.why) }
                        ));
                        if q.passed {
                            ok = false;
                            problems.push(format!(
                                "{} → {}: the plan says the path now allows {mtu}, but -s {full} passes",
                                path.from, path.to
                            ));
                        }
                    }
                    (format!("connects at {mtu}"), got, ok)
                }
            };
            log(format!("{} → {} {} ({src} → {dst}): {expect}; {got}", path.from, path.to, fam.as_str()));
            rows.push(vec![
                format!("{} → {}", path.from, path.to),
                fam.as_str().to_string(),
                expect,
                got,
                if detail { "match".into() } else { "MISMATCH".into() },
            ]);
        }
    }
    Ok(Verdict { element: format!("{} {} ({})", f.element.kind, f.element.name, f.element.path), rows, problems })
}

fn take_down(layout: &Layout, f: &Failure, log: &mut dyn FnMut(String)) -> Result<(), String> {
    let space = match f.element.kind {
        "router" => layout.space_of(&f.element.name, SpaceKind::Router),
        "host" => layout.space_of(&f.element.name, SpaceKind::Host),
        "site" => layout.space_of(&f.element.name, SpaceKind::Switch),
        _ => None,
    };
    let link_if = f.element.link().map(|i| format!("l{i}"));
    let mut n = 0;
    for v in &layout.veths {
        let hit = match (&link_if, space) {
            (Some(ifname), _) => &v.a.1 == ifname,
            (None, Some(sp)) => v.a.0 == sp || v.b.0 == sp,
            _ => false,
        };
        if !hit {
            continue;
        }
        for (sp, ifname) in [&v.a, &v.b] {
            exec::ns_must(&layout.spaces[*sp].ns, "ip", &["link", "set", ifname, "down"])?;
            n += 1;
        }
    }
    log(format!("{n} interface(s) down"));
    if n == 0 {
        return Err(format!("the lab has no interface of {} to take down", f.element.path));
    }
    // Interfaces first, then the processes: a crashed or powered-off box
    // sends nothing, while a killed daemon's sockets would close with a FIN
    // its peers notice at once, and the hold timer would go untested.
    if f.element.kind == "router" {
        if let Some(sp) = space {
            netns::stop_processes(&layout.spaces[sp].ns);
            log(format!("{}: every process in {} killed", f.element.name, layout.spaces[sp].ns));
        }
    }
    Ok(())
}

/// Replaces the static underlay routes with those of the underlay without the element.
fn reroute(t: &Topology, plan: &Plan, layout: &Layout, f: &Failure, log: &mut dyn FnMut(String)) -> Result<(), String> {
    let u = f.element.underlay(&Underlay::new(t));
    let after = layout::build_on(t, plan, &u)?;
    let key = |r: &layout::Route| (r.space, r.dst);
    let new: BTreeMap<_, _> = after.routes.iter().map(|r| (key(r), r)).collect();
    let (mut replaced, mut removed) = (0, 0);
    for r in &layout.routes {
        let ns = &layout.spaces[r.space].ns;
        let fam = if r.dst.addr().is_ipv4() { "-4" } else { "-6" };
        let dst = r.dst.to_string();
        match new.get(&key(r)) {
            None => {
                let _ = exec::ns(ns, "ip", &[fam, "route", "del", &dst]);
                removed += 1;
            }
            Some(n) if n.via != r.via || n.dev != r.dev => {
                let mut args = vec![fam, "route", "replace", dst.as_str()];
                let via = n.via.map(|v| v.to_string());
                if let Some(v) = &via {
                    args.extend_from_slice(&["via", v.as_str()]);
                }
                args.extend_from_slice(&["dev", n.dev.as_str()]);
                let src = n.src.map(|s| s.to_string());
                if let Some(s) = &src {
                    args.extend_from_slice(&["src", s.as_str()]);
                }
                exec::ns_must(ns, "ip", &args)?;
                replaced += 1;
            }
            Some(_) => {}
        }
    }
    log(format!("underlay rerouted around it: {replaced} static route(s) replaced, {removed} removed"));
    Ok(())
}
