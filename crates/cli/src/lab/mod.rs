//! `meshplan lab run FILE [--keep] [--bundle DIR]` and `meshplan lab down NAME`:
//! the routing lab. Network namespaces on this machine play the nodes, routers and
//! hosts of a topology; the routers run what `meshplan export` writes (each router gets
//! it through the bundle's install step, on top of a config of their own; a
//! FreeBSD router, whose script this machine cannot run, runs the complete config),
//! the nodes run BIRD in the role of the CNI's BGP agent, configured from the
//! bundle's manifests as the agent would read them (`deployed`); then the lab
//! checks that BGP converges to the plan's sessions, that every route table is the
//! one the plan predicts, and that pods reach each other exactly up to the MTU
//! budget (or die where the plan says). The plan is the expectation, the bundle
//! the behaviour.
//!
//! `run` is the spine, one step per call:
//! refuse what cannot be emulated → read the bundle → lay out → lock → build →
//! start daemons → wait for sessions → compare routes → ping → table → tear down
//! (unless --keep).
//! Exit codes: 0 the lab matches the plan and pods reach each other; 1 it does
//! not (or a blackhole was reproduced); 2 the lab could not run; 130 Ctrl+C.

mod bundle;
mod daemons;
mod deployed;
mod exec;
mod existing;
mod failure;
pub mod fuzz;
mod id;
mod layout;
mod modes;
mod netns;
mod probes;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use meshplan_core::model::{Daemon, Kind};
use meshplan_core::plan::{self, Plan};

use crate::args::Format;
use crate::input;
use layout::{Layout, SpaceKind};
use probes::{PairResult, RouteCheck};

/// How long BGP may take to bring every session up.
const SESSIONS_WITHIN: Duration = Duration::from_secs(90);
/// How long the routers' own OSPF may take to form its adjacencies.
const OSPF_WITHIN: Duration = Duration::from_secs(45);
/// How long routes may take to settle after the sessions are up.
const ROUTES_WITHIN: Duration = Duration::from_secs(30);

/// Tears the lab down when dropped (on success, error, panic or Ctrl+C), unless kept.
struct Guard {
    namespaces: Vec<String>,
    dir: PathBuf,
    keep: bool,
    name: String,
}

impl Drop for Guard {
    fn drop(&mut self) {
        if self.keep {
            let _ = netns::save(
                &self.dir,
                &netns::State { name: self.name.clone(), pid: 0, keep: true, namespaces: self.namespaces.clone() },
            );
            println!("\nkept: {} namespaces stay up (configs, sockets and logs in {}); remove them with `meshplan lab down {}`", self.namespaces.len(), self.dir.display(), self.name);
            return;
        }
        let errors = netns::teardown(&self.namespaces, Some(&self.dir));
        if errors.is_empty() {
            println!(
                "\nteardown: stopped every lab process, deleted {} namespaces and {}",
                self.namespaces.len(),
                self.dir.display()
            );
        } else {
            eprintln!("\nteardown left something behind:\n  {}", errors.join("\n  "));
        }
    }
}

struct Outcome {
    /// Nodes with a planned session that is not up, each with why.
    nodes_without: Vec<String>,
    sessions_up: usize,
    sessions_all: usize,
    down: Vec<String>,
    converged_in: Duration,
    routes: Vec<RouteCheck>,
    pings: Vec<PairResult>,
    /// What went wrong with the routers' own config beside meshplan's part.
    coexistence: Vec<String>,
    /// `--fail NAME`: the design with NAME down, against the plan's prediction.
    failure: Option<failure::Verdict>,
}

/// `lab run FILE --failures`: each single failure of the design in a lab of
/// its own, one after the other (each starts from the intact design).
pub fn run_failures(file: &str, bundle_dir: Option<&str>) -> u8 {
    let (_, topology, _) = match input::load(file, Format::Text) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let plan = plan::build(&topology);
    let all = meshplan_core::plan::failures::analyze(&topology, &plan);
    let mut results = Vec::new();
    for f in &all.failures {
        println!("\n==== failing {} ({})", f.element.path, f.element.kind);
        let code = run(file, false, bundle_dir, Some(&f.element.path));
        results.push(vec![
            f.element.path.clone(),
            f.element.name.clone(),
            if code == 0 { "match".into() } else { format!("MISMATCH (exit {code})") },
        ]);
        if exec::interrupted() {
            return 130;
        }
    }
    let mut rows = vec![vec!["element".to_string(), "name".into(), "result".into()]];
    rows.extend(results.iter().cloned());
    println!();
    print_rows("failures", &rows);
    u8::from(results.iter().any(|r| r[2] != "match"))
}

pub fn run(file: &str, keep: bool, bundle_dir: Option<&str>, fail: Option<&str>) -> u8 {
    exec::catch_signals();
    let started = Instant::now();
    let (_, topology, diags) = match input::load(file, Format::Text) {
        Ok(x) => x,
        Err(code) => return code,
    };
    let plan = plan::build(&topology);
    println!("meshplan lab: `{}` ({}, from {file})", plan.name, plan.cluster.cni.as_str());

    // 1. Refuse what the kernel cannot emulate, and incomplete designs.
    if let Err(msg) = modes::refuse(&topology, &diags) {
        eprintln!("error: {msg}");
        return 2;
    }
    // 2. Root and tools.
    if let Err(msg) = preflight(&plan) {
        eprintln!("error: {msg}");
        return 2;
    }
    // 3. What is deployed: the bundle's manifests, read as the CNI's agent would.
    let deployed = match bundle::read(&topology, &plan, bundle_dir).and_then(|files| {
        deployed::derive(&files)
            .map_err(|e| format!("the bundle's manifests cannot be deployed as they are:\n  {}", e.join("\n  ")))
    }) {
        Ok(d) => d,
        Err(msg) => {
            eprintln!("error: {msg}");
            return 2;
        }
    };
    print_deployed(deployed.as_ref(), bundle_dir);
    if let Some(b) = bundle_dir {
        // The bundle is judged against FILE's plan: say so when it came from another text.
        if bundle::topology_differs(b, &topology) {
            println!("    note: {b}'s topology.yaml is not {file} as meshplan writes it: the lab compares that bundle with {file}'s plan");
        }
    }
    // 4. The layout: namespaces, links, addresses, static routes.
    let layout = match layout::build(&topology, &plan) {
        Ok(l) => l,
        Err(msg) => {
            eprintln!("error: {msg}");
            return 2;
        }
    };
    print_layout(&layout);
    // 5. One lab at a time.
    let dir = match netns::lock(&plan.name) {
        Ok(d) => d,
        Err(msg) => {
            eprintln!("error: {msg}");
            return 2;
        }
    };
    let namespaces: Vec<String> = layout.spaces.iter().map(|s| s.ns.clone()).collect();
    let state = netns::State { name: plan.name.clone(), pid: std::process::id(), keep, namespaces: namespaces.clone() };
    if let Err(msg) = netns::save(&dir, &state) {
        eprintln!("error: {msg}");
        let _ = std::fs::remove_dir_all(&dir);
        return 2;
    }
    let guard = Guard { namespaces, dir: dir.clone(), keep, name: plan.name.clone() };

    let code = match lab(&topology, &plan, deployed.as_ref(), &layout, &dir, fail) {
        Ok(outcome) => {
            let mut ok = print_table(&plan, &outcome);
            if let Some(v) = &outcome.failure {
                ok &= print_failure(v);
            }
            println!("\ntook {:.1} s", started.elapsed().as_secs_f64());
            if ok {
                0
            } else {
                1
            }
        }
        Err(msg) if exec::interrupted() => {
            eprintln!("\nstopped: {msg}");
            130
        }
        Err(msg) => {
            eprintln!("\nerror: {msg}");
            2
        }
    };
    drop(guard);
    code
}

fn preflight(plan: &Plan) -> Result<(), String> {
    if !exec::is_root() {
        return Err("the lab needs root (network namespaces): run it with sudo".into());
    }
    let mut tools: Vec<String> = ["ip", "bird", "birdc", "ping", "sysctl", "kill"].map(String::from).to_vec();
    let frr = plan.routers.values().any(|r| r.daemon == Daemon::Frr);
    if frr {
        tools.extend(["vtysh", "chown"].map(String::from));
        tools.extend(existing::FRR_DAEMONS.iter().map(|n| format!("{}/{n}", daemons::FRR_BIN)));
    }
    let missing: Vec<&str> = tools.iter().map(String::as_str).filter(|t| !exec::have(t)).collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing tools: {} (Debian: apt-get install iproute2 bird2 iputils-ping{})",
            missing.join(", "),
            if frr { " frr" } else { "" }
        ));
    }
    println!("[1] checks: root, tools {}", tools.join(", "));
    Ok(())
}

fn print_layout(l: &Layout) {
    println!("[3] layout: {} namespaces (kind, topology name)", l.spaces.len());
    for s in &l.spaces {
        let extra = match s.kind {
            SpaceKind::Switch => format!(" (bridge at {} bytes)", s.bridge_mtu.unwrap_or(1500)),
            SpaceKind::Pod => l
                .pod(&s.name)
                .map(|p| format!(" ({})", p.addrs.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")))
                .unwrap_or_default(),
            _ => String::new(),
        };
        println!("    {:<8} {:<12} {}{extra}", s.ns, s.kind.as_str(), s.name);
    }
    println!("    {} veth pairs:", l.veths.len());
    for v in &l.veths {
        println!(
            "      {}:{} ↔ {}:{}  mtu {}  {}",
            l.spaces[v.a.0].ns, v.a.1, l.spaces[v.b.0].ns, v.b.1, v.mtu, v.what
        );
    }
    for n in &l.notes {
        println!("    note: {n}");
    }
}

/// What the reader derived from the bundle: each node's AS and sessions.
fn print_deployed(d: Option<&deployed::Deployed>, bundle_dir: Option<&str>) {
    let from = bundle_dir.map_or("rendered from the topology".to_string(), |b| format!("read from {b}"));
    let Some(d) = d else {
        println!("[2] deployed: the bundle ({from}) runs no BGP-speaking CNI");
        return;
    };
    let agent = match d.agent {
        deployed::Agent::Calico => "Calico",
        deployed::Agent::Cilium => "Cilium",
    };
    println!("[2] deployed: {agent}'s BGP speaker per node, from the bundle's manifests ({from})");
    for n in d.nodes.keys() {
        match d.speakers.get(n) {
            None => println!("    {n}: no BGP speaker"),
            Some(s) => {
                let peers: Vec<String> = s.peers.iter().map(|p| format!("{} as {}", p.address, p.asn)).collect();
                println!(
                    "    {n} (AS {}): {}",
                    s.asn,
                    if peers.is_empty() { "no peer".into() } else { peers.join(", ") }
                );
            }
        }
    }
    for note in &d.notes {
        println!("    note: {note}");
    }
    // What the reader read but the lab's BIRD cannot play, said once each.
    let mut unplayed = std::collections::BTreeSet::new();
    for s in d.speakers.values() {
        for p in &s.peers {
            let fam = meshplan_core::plan::Family::of(&p.address);
            for f in p.families.iter().filter(|f| **f != fam) {
                unplayed.insert(format!(
                    "{} → {}: {} routes over an {} session are not emulated (the lab's sessions carry their address's family)",
                    s.node,
                    p.address,
                    f.as_str(),
                    fam.as_str()
                ));
            }
            if p.adverts.values().flatten().any(|a| matches!(a, deployed::Advert::Service(_))) {
                unplayed.insert(
                    "Service advertisements are read, but the lab runs no Service: only pod ranges are announced"
                        .into(),
                );
            }
        }
    }
    for n in unplayed {
        println!("    note: {n}");
    }
}

/// Everything between the lock and the teardown.
fn lab(
    topology: &meshplan_core::model::Topology,
    plan: &Plan,
    deployed: Option<&deployed::Deployed>,
    layout: &Layout,
    dir: &std::path::Path,
    fail: Option<&str>,
) -> Result<Outcome, String> {
    let mut log = |m: String| println!("    {m}");
    // 6. Namespaces, bridges, veths, addresses, static routes.
    println!("[4] building the underlay");
    netns::create(layout, &mut log)?;

    // 7. BGP daemons: routers with their exported configs, nodes as the bundle deploys the CNI's agent.
    println!("[5] starting BGP daemons");
    let spaces: Vec<(String, String, Kind)> = layout
        .spaces
        .iter()
        .filter_map(|s| {
            let k = match s.kind {
                SpaceKind::Node => Kind::Node,
                SpaceKind::Router => Kind::Router,
                _ => return None,
            };
            Some((s.name.clone(), s.ns.clone(), k))
        })
        .collect();
    let mut speakers = daemons::speakers_of(plan, deployed, &spaces, dir);
    daemons::start(plan, deployed, &mut speakers, &mut log)?;

    // 8. Sessions: every one the plan lists, Established, within a bound.
    println!("[6] waiting for BGP sessions (at most {} s)", SESSIONS_WITHIN.as_secs());
    let t0 = Instant::now();
    let (mut up, mut all, mut down, mut nodes_without);
    let mut last_print = Instant::now();
    loop {
        let states: Vec<(String, daemons::SessionState)> = speakers
            .iter()
            .flat_map(|s| daemons::sessions(plan, s).into_iter().map(move |st| (s.device.clone(), st)))
            .collect();
        all = states.len();
        up = states.iter().filter(|(_, s)| s.up).count();
        down = states
            .iter()
            .filter(|(_, s)| !s.up)
            .map(|(d, s)| format!("{d} → {} ({}, {}): {}", s.peer, s.peer_address, s.family.as_str(), s.state))
            .collect::<Vec<_>>();
        nodes_without = states
            .iter()
            .filter(|(d, s)| !s.up && plan.nodes.contains_key(d))
            .map(|(d, _)| d.clone())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect::<Vec<_>>();
        // Sessions the manifests do not deploy never come up, nor do their other
        // ends: once only those are left, waiting longer shows nothing new.
        let never: std::collections::BTreeSet<(&str, &str, meshplan_core::plan::Family)> =
            states.iter().filter(|(_, s)| s.never).map(|(d, s)| (d.as_str(), s.peer.as_str(), s.family)).collect();
        let hopeless = states
            .iter()
            .filter(|(_, s)| !s.up)
            .all(|(d, s)| s.never || never.contains(&(s.peer.as_str(), d.as_str(), s.family)));
        if up == all || hopeless || t0.elapsed() > SESSIONS_WITHIN {
            break;
        }
        if last_print.elapsed() > Duration::from_secs(5) {
            log(format!("{up}/{all} sessions Established after {:.0} s", t0.elapsed().as_secs_f64()));
            last_print = Instant::now();
        }
        exec::sleep(Duration::from_millis(500))?;
    }
    let converged_in = t0.elapsed();
    log(format!("{up}/{all} session ends Established after {:.1} s", converged_in.as_secs_f64()));
    for d in &down {
        log(format!("not up: {d}"));
    }

    // 9. Route tables against the plan, once they settle.
    println!("[7] route tables against the plan's reach");
    let t1 = Instant::now();
    let underlay = meshplan_core::underlay::Underlay::new(topology);
    let link_local = probes::link_local_owners(layout);
    // Where the plan says routes may settle either way (W103), the other answer,
    // and the plan as the daemons settled: what the rest is compared with.
    let other = plan
        .routing
        .otherwise
        .iter()
        .any(Option::is_some)
        .then(|| meshplan_core::plan::settled(topology, plan, |_| true));
    let mut settled: Option<Plan> = None;
    let mut chosen: Vec<usize> = Vec::new();
    let routes = loop {
        let current = settled.as_ref().unwrap_or(plan);
        let mut next = meshplan_core::plan::nexthop::NextDevices::new(current, &underlay);
        let r = probes::check_routes(current, layout, &speakers, &mut next, &link_local);
        if r.iter().all(|c| c.problems.is_empty()) || t1.elapsed() > ROUTES_WITHIN {
            break r;
        }
        if let Some(other) = &other {
            chosen = probes::settled_otherwise(plan, other, &speakers);
            settled =
                (!chosen.is_empty()).then(|| meshplan_core::plan::settled(topology, plan, |c| chosen.contains(&c)));
        }
        exec::sleep(Duration::from_secs(1))?;
    };
    if settled.is_some() {
        let names: Vec<String> = chosen
            .iter()
            .filter_map(|&c| plan.routing.prefixes.iter().find(|x| x.class == c))
            .map(|x| format!("{} ({})", x.net, x.origin))
            .collect();
        log(format!(
            "routes to {} and the prefixes that propagate alike settled the plan's other way (W103): compared with that answer",
            names.join(", ")
        ));
    }
    let plan = settled.as_ref().unwrap_or(plan);
    for c in &routes {
        let verdict = if c.problems.is_empty() { "match".to_string() } else { c.problems.join("; ") };
        log(format!("{:<20} {}/{} routes: {verdict}", c.device, c.found, c.expected));
    }

    // 8b. Routers as they are: the operator's protocols still run, and the
    // install step run again changes nothing.
    println!("[7b] the routers' own config beside meshplan's part");
    let mut coexistence = Vec::new();
    let routers: Vec<&daemons::Speaker> = speakers.iter().filter(|s| s.kind == Kind::Router).collect();
    for s in &routers {
        if let Some(why) = existing::why_not_installed(plan, &s.device) {
            log(format!("{:<20} not checked: it runs the complete config ({why})", s.device));
            continue;
        }
        let others: Vec<&str> = routers.iter().filter(|o| o.device != s.device).map(|o| o.device.as_str()).collect();
        let ospf_peer = existing::shares_a_network(layout, &s.device, &others);
        // OSPF forms its adjacencies at its own pace (hellos every 2 s in the lab).
        let t2 = Instant::now();
        let mut problems = loop {
            let p = existing::operator_problems(plan, &s.router(), &s.sock(), ospf_peer);
            if p.is_empty() || t2.elapsed() > OSPF_WITHIN {
                break p;
            }
            exec::sleep(Duration::from_secs(1))?;
        };
        let bundle = s.dir.join("bundle");
        match existing::install(&s.router(), &bundle, &s.sock()) {
            Ok(out) if out.contains("nothing to change") => {}
            Ok(out) => problems.push(format!("{}: a second install run changed something:\n{}", s.device, out.trim())),
            Err(e) => problems.push(e),
        }
        let verdict = if problems.is_empty() {
            let own = if s.engine == daemons::Engine::Frr {
                "ospfd and the static route".to_string()
            } else {
                existing::OPERATOR_PROTOCOLS.join(" and ")
            };
            format!(
                "{own} up{}, second install: nothing to change",
                if ospf_peer { " (OSPF adjacency Full)" } else { "" }
            )
        } else {
            problems.join("; ")
        };
        log(format!("{:<20} {verdict}", s.device));
        coexistence.extend(problems);
    }

    // 10. Pings per pair of node locations.
    println!("[8] pod-to-pod pings (ping -M do) per pair of node locations");
    let pings = probes::run_pings(plan, layout, &mut log)?;

    // 11. One element down, against the plan's prediction for that failure.
    let failure = match fail {
        Some(name) => {
            println!("[9] failing `{name}`");
            Some(failure::run(topology, plan, layout, &speakers, name, &mut log)?)
        }
        None => None,
    };
    Ok(Outcome {
        nodes_without,
        sessions_up: up,
        sessions_all: all,
        down,
        converged_in,
        routes,
        pings,
        coexistence,
        failure,
    })
}

/// The failure's table; true when the lab saw what the plan predicts.
fn print_failure(v: &failure::Verdict) -> bool {
    println!("\n== with {} down", v.element);
    let mut rows = vec![vec!["from → to".to_string(), "fam".into(), "plan".into(), "lab".into(), "result".into()]];
    rows.extend(v.rows.iter().cloned());
    print_rows("failure", &rows);
    for p in &v.problems {
        println!("          {p}");
    }
    if v.problems.is_empty() {
        println!("OK: with {} down the lab matches the plan's prediction", v.element);
        true
    } else {
        println!("FAIL: with {} down the lab does not match the plan's prediction", v.element);
        false
    }
}

/// The final table; true when everything matches and every pod reaches every other.
fn print_table(plan: &Plan, o: &Outcome) -> bool {
    println!("\n== lab `{}`: result", plan.name);
    let sessions_ok = o.sessions_up == o.sessions_all;
    println!(
        "sessions  {}/{} session ends Established in {:.1} s  {}",
        o.sessions_up,
        o.sessions_all,
        o.converged_in.as_secs_f64(),
        if sessions_ok { "OK" } else { "FAIL" }
    );
    for d in &o.down {
        println!("          not up: {d}");
    }
    if !o.nodes_without.is_empty() {
        println!("          nodes without their planned sessions: {}", o.nodes_without.join(", "));
    }
    let mut rows: Vec<Vec<String>> =
        vec![vec!["device".into(), "plan".into(), "lab".into(), "lacks (plan)".into(), "result".into()]];
    let mut routes_ok = true;
    for c in &o.routes {
        let ok = c.problems.is_empty();
        routes_ok &= ok;
        rows.push(vec![
            c.device.clone(),
            c.expected.to_string(),
            c.found.to_string(),
            c.missing.to_string(),
            if ok { "match".to_string() } else { format!("MISMATCH: {}", c.problems.join("; ")) },
        ]);
    }
    print_rows("routes", &rows);

    let mut rows: Vec<Vec<String>> = vec![vec![
        "from → to (nodes)".into(),
        "fam".into(),
        format!("pod MTU {}", plan.pod_mtu),
        format!("budget {} + 1", plan.mtu_budget),
        "path MTU".into(),
        "result".into(),
    ]];
    let mut pings_ok = true;
    let mut reach_ok = true;
    for p in &o.pings {
        let ok = p.matches();
        pings_ok &= ok;
        reach_ok &= p.pod.passed;
        let pod = format!(
            "-s {} {}",
            p.pod_size,
            if p.pod.passed { "pass".to_string() } else { format!("FAIL {}", p.pod.why) }
        );
        let over = format!(
            "-s {} {}",
            p.over_size,
            if p.over.passed { "PASSES".to_string() } else { format!("fails: {}", p.over.why) }
        );
        let path = match &p.path {
            Some((m, at, above)) => {
                let how = if at.passed && !above.passed {
                    "tight"
                } else if !at.passed {
                    "too small"
                } else {
                    "LOOSE"
                };
                format!("{m} {how}")
            }
            None => "-".into(),
        };
        let verdict = match (&p.plan_blackhole, &p.lab_blackhole) {
            (Some(plan_dev), _) if p.some_flows && ok => format!(
                "{}: the plan says only some flows die at {plan_dev} (ECMP: the kernel's hash picks the branch)",
                if p.pod.passed { "passes" } else { "dies" }
            ),
            (Some(_), Some(lab_dev)) if ok => format!("blackhole at {lab_dev}, as the plan says"),
            (Some(plan_dev), lab) => {
                format!("MISMATCH: plan says blackhole at {plan_dev}, lab: {}", lab.as_deref().unwrap_or("none"))
            }
            (None, Some(lab_dev)) => format!("MISMATCH: dropped at {lab_dev}"),
            (None, None) => p.mismatch().map(|why| format!("MISMATCH: {why}")).unwrap_or_else(|| "match".into()),
        };
        rows.push(vec![
            format!("{} → {} ({} → {})", p.from, p.to, p.src_node, p.dst_node),
            if p.family == meshplan_core::plan::Family::Ipv4 { "v4".into() } else { "v6".into() },
            pod,
            over,
            path,
            verdict,
        ]);
    }
    print_rows("pings", &rows);
    let coexist_ok = o.coexistence.is_empty();
    println!(
        "routers   the operator's own protocols kept, install run twice  {}",
        if coexist_ok { "OK" } else { "FAIL" }
    );
    for p in &o.coexistence {
        println!("          MISMATCH: {p}");
    }
    let matches = sessions_ok && routes_ok && pings_ok && coexist_ok;
    if matches && reach_ok {
        println!(
            "PASS: the lab matches the plan; every pod reaches every other up to the pod MTU, and the budget is tight"
        );
        true
    } else if matches {
        let devs: Vec<String> = o
            .pings
            .iter()
            .filter(|p| !p.pod.passed)
            .filter_map(|p| p.lab_blackhole.clone().or_else(|| p.plan_blackhole.clone()))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        println!("FAIL: pods cannot reach each other: packets die at {}, exactly where the plan says (E070, E071, E100); the lab matches the plan", devs.join(", "));
        false
    } else {
        if o.nodes_without.is_empty() {
            println!("FAIL: the lab does not match the plan (see the MISMATCH lines)");
        } else {
            println!(
                "FAIL: the lab does not match the plan: {} did not get the BGP sessions the plan gives them (see `not up`)",
                o.nodes_without.join(", ")
            );
        }
        false
    }
}

/// Prints rows as aligned columns, the first row a header, `title` in the margin.
fn print_rows(title: &str, rows: &[Vec<String>]) {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> =
        (0..cols).map(|c| rows.iter().filter_map(|r| r.get(c)).map(|x| x.chars().count()).max().unwrap_or(0)).collect();
    for (i, r) in rows.iter().enumerate() {
        let margin = if i == 0 { title } else { "" };
        let mut line = format!("{margin:<10}");
        for (c, cell) in r.iter().enumerate() {
            if c + 1 == r.len() {
                line.push_str(cell);
            } else {
                let pad = widths[c].saturating_sub(cell.chars().count());
                line.push_str(cell);
                line.push_str(&" ".repeat(pad + 2));
            }
        }
        println!("{}", line.trim_end());
    }
}

/// `meshplan lab fuzz`: a seed of its own unless given (printed, so the run can
/// be repeated); designs and logs under `out` (default `meshplan-fuzz/`).
pub fn run_fuzz(seed: Option<u64>, count: usize, out: Option<String>, twice: bool, minimise: bool) -> u8 {
    let seed = seed.unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs() % 1_000_000).unwrap_or(1)
    });
    let out = PathBuf::from(out.unwrap_or_else(|| "meshplan-fuzz".into()));
    fuzz::run(&fuzz::Opts { seed, count, out, twice, minimise })
}

pub fn down(name: &str) -> u8 {
    if !exec::is_root() {
        eprintln!("error: `lab down` needs root");
        return 2;
    }
    let dir = netns::state_dir();
    let state = netns::State::read(&dir);
    let leftovers = netns::our_namespaces();
    match &state {
        Some(s) if s.name != name => {
            eprintln!("error: the lab that is up is `{}`, not `{name}`", s.name);
            return 2;
        }
        Some(s)
            if s.pid != 0
                && s.pid != std::process::id()
                && std::path::Path::new(&format!("/proc/{}", s.pid)).exists() =>
        {
            eprintln!(
                "error: `meshplan lab run` (pid {}) is still running this lab; stop it with Ctrl+C and it cleans up",
                s.pid
            );
            return 2;
        }
        None if leftovers.is_empty() && !dir.exists() => {
            println!("no lab is up");
            return 0;
        }
        _ => {}
    }
    let namespaces = state.map(|s| s.namespaces).unwrap_or_default();
    let errors = netns::teardown(&namespaces, Some(&dir));
    if errors.is_empty() {
        println!("lab `{name}` is down: processes stopped, namespaces and {} removed", dir.display());
        0
    } else {
        eprintln!("error: {}", errors.join("\n  "));
        2
    }
}
