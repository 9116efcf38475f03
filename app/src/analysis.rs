//! The checks and the plan of the page's text, run in a worker (the analysis
//! worker: the export worker's module started a second time,
//! `export_worker::Role::Analysis`), so that typing and drawing never wait for
//! them: at 2,000 nodes the plan takes about a second. The page reads the text
//! itself (the drawing and the panel need its topology at once) and sends it
//! here with a sequence number; an answer for an older number than the page's
//! latest is dropped, and while one is under way only the newest text waits
//! to be sent (`ask`).
//!
//! What crosses: the diagnostics and a [`PlanView`], what the notebook, the
//! drawing's marks and the BGP overlay show of the plan (its tables cut to
//! [`ROWS`] rows, which is all the notebook shows), as JSON written by the
//! core's YAML layer; the BGP sessions as lines of text, every one only while
//! the overlay is shown (at 2,000 nodes they are 84,000 and 3.4 MB: most of
//! what would cross). The plan itself (propagation, forwarding walks: many megabytes at
//! 2,000 nodes) stays in the worker, which keeps the last one for the route
//! tables the notebook asks for (`routes`).
//!
//! Answers (JS arrays): `["analysis", seq, json, sessions, parse_ms, plan_ms,
//! encode_ms]` for `["analyze", seq, text, all_sessions]`; `["routes", json]`
//! (a list of [`RouteRow`]).

use std::cell::RefCell;
use std::collections::BTreeSet;
use std::fmt::Write as _;

use meshplan_core::plan::SessionKind;
use meshplan_core::{Diagnostic, Topology};
use serde::{Deserialize, Serialize};

use crate::core_api::{self, Plan};

/// Rows per table before "and N more".
pub const ROWS: usize = 200;

/// What the page shows of a plan.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub mtu_budget: u32,
    pub pod_mtu: u32,
    pub limiting: Option<LimitRow>,
    pub mtu_notes: Vec<String>,
    /// The BGP sessions: every one when `all_sessions`, else the first
    /// [`ROWS`] (carried as text lines, not in the JSON).
    #[serde(skip)]
    pub sessions: Vec<SessionRow>,
    pub all_sessions: bool,
    pub session_count: usize,
    /// Every device with a route table, in the plan's order (nodes, routers, hosts).
    pub devices: Vec<String>,
    pub paths: Vec<PathRow>,
    pub path_count: usize,
    pub nodes: Vec<NodeRow>,
    pub node_count: usize,
    /// Calico's pools as sentences, and the note under them.
    pub blocks: Option<(Vec<String>, String)>,
    /// The drawing's marks: devices where pod packets die, the link that sets the budget.
    pub blackholes: BTreeSet<String>,
    pub limiting_link: Option<usize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitRow {
    pub from_site: String,
    pub to_site: String,
    pub path_mtu: u32,
    pub overhead: u32,
    pub edge: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SessionRow {
    pub a: String,
    pub b: String,
    /// `backbone`, `rr-client`, `mesh`, … (`SessionRole::as_str`).
    pub role: String,
    pub ebgp: bool,
    pub multihop: bool,
    /// `ipv4` or `ipv6`.
    pub family: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HopRow {
    pub name: String,
    /// `site`, `router`, `host` or `node`.
    pub kind: String,
    pub mtu: Option<u32>,
    pub via: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PathRow {
    pub from_site: String,
    pub to_site: String,
    pub hops: Vec<HopRow>,
    pub path_mtu: u32,
    pub pod_mtu: u32,
    pub overhead: u32,
    pub routed: bool,
    pub limiting: Option<String>,
    /// The device with no route and the prefixes it lacks.
    pub blackhole: Option<(String, Vec<String>)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeRow {
    pub name: String,
    pub site: String,
    pub server: bool,
    pub addresses: Vec<String>,
    pub pod_ranges: Vec<String>,
}

/// One device's route table, as the notebook lists it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RouteRow {
    pub device: String,
    pub learned: Vec<String>,
    pub missing: Vec<String>,
}

#[derive(Serialize, Deserialize)]
struct Payload {
    diagnostics: Vec<Diagnostic>,
    plan: Option<PlanView>,
}

/// What the page shows of `p`; every session only when `all_sessions`.
pub fn view_of(p: &Plan, all_sessions: bool) -> PlanView {
    let link_index = |s: &str| s.strip_prefix("links[").and_then(|r| r.split(']').next()).and_then(|i| i.parse().ok());
    let kind = |k: meshplan_core::model::Kind| match k {
        meshplan_core::model::Kind::Site => "site",
        meshplan_core::model::Kind::Router => "router",
        meshplan_core::model::Kind::Host => "host",
        meshplan_core::model::Kind::Node => "node",
    };
    PlanView {
        mtu_budget: p.mtu_budget,
        pod_mtu: p.pod_mtu,
        limiting: p.limiting.as_ref().map(|l| LimitRow {
            from_site: l.from_site.clone(),
            to_site: l.to_site.clone(),
            path_mtu: l.path_mtu,
            overhead: l.overhead,
            edge: l.edge.clone(),
        }),
        mtu_notes: p.mtu_notes.clone(),
        sessions: p
            .sessions
            .iter()
            .take(if all_sessions { usize::MAX } else { ROWS })
            .map(|s| SessionRow {
                a: s.a.clone(),
                b: s.b.clone(),
                role: s.role.as_str().to_string(),
                ebgp: s.kind == SessionKind::Ebgp,
                multihop: s.multihop,
                family: s.family.as_str().to_string(),
            })
            .collect(),
        all_sessions,
        session_count: p.sessions.len(),
        devices: p.devices().cloned().collect(),
        paths: p
            .paths
            .iter()
            .take(ROWS)
            .map(|x| PathRow {
                from_site: x.from_site.clone(),
                to_site: x.to_site.clone(),
                hops: x
                    .hops
                    .iter()
                    .map(|h| HopRow { name: h.name.clone(), kind: kind(h.kind).into(), mtu: h.mtu, via: h.via.clone() })
                    .collect(),
                path_mtu: x.path_mtu,
                pod_mtu: x.pod_mtu,
                overhead: x.overhead,
                routed: x.routed,
                limiting: x.limiting.clone(),
                blackhole: x
                    .blackhole
                    .as_ref()
                    .map(|b| (b.device.clone(), b.missing.iter().map(|m| m.to_string()).collect())),
            })
            .collect(),
        path_count: p.paths.len(),
        nodes: p
            .nodes
            .iter()
            .take(ROWS)
            .map(|(name, n)| NodeRow {
                name: name.clone(),
                site: n.site.clone(),
                server: n.role == meshplan_core::model::Role::Server,
                addresses: n.addresses.iter().map(|a| a.to_string()).collect(),
                pod_ranges: n.pod_ranges.iter().map(|a| a.to_string()).collect(),
            })
            .collect(),
        node_count: p.nodes.len(),
        blocks: p.calico_blocks.as_ref().map(|c| {
            let pools = c
                .blocks
                .iter()
                .map(|b| {
                    format!(
                        "{}: {} blocks of /{} ({} addresses each), about {} per node",
                        b.cidr, b.block_count, b.block_size, b.addresses_per_block, b.blocks_per_node
                    )
                })
                .collect();
            (pools, c.note.clone())
        }),
        blackholes: meshplan_core::sort::set(
            p.paths.iter().filter_map(|x| x.blackhole.as_ref().map(|b| b.device.clone())),
        ),
        limiting_link: p.limiting.as_ref().and_then(|l| l.edge.as_deref()).and_then(link_index),
    }
}

/// The sessions as lines of `a b role ebgp multihop family` (names have no
/// spaces: the checks refuse them, and a session with one is left out rather
/// than misread).
fn sessions_text(rows: &[SessionRow]) -> String {
    let mut o = String::with_capacity(rows.len() * 48);
    for s in rows {
        if [&s.a, &s.b, &s.role, &s.family].iter().any(|x| x.is_empty() || x.contains(char::is_whitespace)) {
            continue;
        }
        let _ = writeln!(o, "{} {} {} {} {} {}", s.a, s.b, s.role, u8::from(s.ebgp), u8::from(s.multihop), s.family);
    }
    o
}

fn sessions_of(text: &str) -> Vec<SessionRow> {
    text.lines()
        .filter_map(|l| {
            let mut f = l.split(' ');
            let mut next = || f.next().map(str::to_string);
            Some(SessionRow {
                a: next()?,
                b: next()?,
                role: next()?,
                ebgp: next()? == "1",
                multihop: next()? == "1",
                family: next()?,
            })
        })
        .collect()
}

/// The worker's answer for a text: diagnostics and plan view, encoded
/// (`encode_ms`: the view and its encoding, what carrying it costs the worker).
pub struct Encoded {
    pub json: String,
    pub sessions: String,
    pub parse_ms: f64,
    pub plan_ms: f64,
    pub encode_ms: f64,
}

thread_local! {
    /// The worker's last plan: the route tables the notebook asks for are of it.
    static LAST: RefCell<Option<(String, Plan)>> = const { RefCell::new(None) };
}

/// Checks and plans `text` (in the worker) and encodes what the page shows.
pub fn analyse(text: &str, all_sessions: bool, clock: impl Fn() -> f64) -> Encoded {
    let a = core_api::analyze(text, &clock);
    let t0 = clock();
    let view = a.plan.as_ref().map(|p| view_of(p, all_sessions));
    let sessions = view.as_ref().map(|v| sessions_text(&v.sessions)).unwrap_or_default();
    let json = crate::history::encode(&Payload { diagnostics: a.diagnostics, plan: view }).unwrap_or_default();
    let encode_ms = clock() - t0;
    LAST.with_borrow_mut(|last| *last = a.plan.map(|p| (text.to_string(), p)));
    Encoded { json, sessions, parse_ms: a.parse_ms, plan_ms: a.plan_ms, encode_ms }
}

/// The page's side: the diagnostics and plan view back from an answer.
pub fn decode(json: &str, sessions: &str) -> Option<(Vec<Diagnostic>, Option<PlanView>)> {
    let p: Payload = crate::history::decode(json)?;
    let plan = p.plan.map(|mut v| {
        v.sessions = sessions_of(sessions);
        v
    });
    Some((p.diagnostics, plan))
}

/// The route tables of `devices` in the plan of `text` (in the worker: its
/// last plan when it is of that text).
pub fn routes(text: &str, devices: &[String]) -> String {
    LAST.with_borrow_mut(|last| {
        if last.as_ref().is_none_or(|(t, _)| t != text) {
            *last = core_api::analyze(text, || 0.0).plan.map(|p| (text.to_string(), p));
        }
        let rows: Vec<RouteRow> = match last.as_ref() {
            Some((_, p)) => devices
                .iter()
                .map(|dev| {
                    let r = core_api::reach(p, dev);
                    RouteRow {
                        device: dev.clone(),
                        learned: r
                            .learned
                            .iter()
                            .map(|l| match l.next_hop {
                                Some(nh) => format!("{} via {} ({nh})", l.prefix, l.via),
                                None => format!("{} {}", l.prefix, l.via),
                            })
                            .collect(),
                        missing: r.missing.iter().map(|m| m.to_string()).collect(),
                    }
                })
                .collect(),
            None => Vec::new(),
        };
        crate::history::encode(&rows).unwrap_or_default()
    })
}

/// Route table rows back on the page.
pub fn routes_of(json: &str) -> Vec<RouteRow> {
    crate::history::decode(json).unwrap_or_default()
}

/// The topology of a text as the page reads it, and the parse's own diagnostics
/// (sorted) when it cannot be read.
pub fn read(text: &str) -> Result<Topology, Vec<Diagnostic>> {
    let parsed = meshplan_core::parse(text);
    match parsed.topology {
        Some(t) => Ok(t),
        None => {
            let mut d = parsed.diagnostics;
            meshplan_core::diag::sort(&mut d);
            Err(d)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What crosses from the worker reads back as it was, for every example.
    #[test]
    fn an_answer_reads_back_as_written() {
        for (name, text) in crate::state::EXAMPLES {
            for all in [false, true] {
                let e = analyse(text, all, || 0.0);
                let (diagnostics, plan) = decode(&e.json, &e.sessions).unwrap_or_else(|| panic!("{name}: no answer"));
                let a = meshplan_core::analyze(text);
                assert_eq!(diagnostics, a.diagnostics, "{name}");
                let p = a.plan.expect("plan");
                assert_eq!(plan, Some(view_of(&p, all)), "{name}");
                assert_eq!(
                    plan.map(|v| v.sessions.len()),
                    Some(if all { p.sessions.len() } else { p.sessions.len().min(ROWS) })
                );
            }
        }
    }

    #[test]
    fn a_text_that_cannot_be_read_gives_its_errors() {
        let e = read("version: 1\nname: [").expect_err("not a topology");
        assert!(e.iter().any(|d| d.is_error()));
    }
}
