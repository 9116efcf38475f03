//! What-if's answers, written in the worker (`src/bin/export_worker.rs`): the
//! core's failure analysis of a text, as the HTML of the notebook's What-if
//! section and failure table, and the names the drawing marks. The failure
//! analysis and this module run only in the worker, so the page's module
//! carries neither (`export_worker::ask` sends the requests); all failures of a
//! 600-node design take seconds, which the page does not wait for either.
//!
//! Answers (JS arrays): `["failure", html, lost, cut, moved]`, where `lost`,
//! `cut` and `moved` are name pairs, one per line, the two names apart by a
//! space (BGP sessions lost, site pairs cut, segments of the paths that moved);
//! `["failures", html]`; `["none", why]`.

use std::cell::RefCell;
use std::fmt::Write as _;

use js_sys::Array;
use wasm_bindgen::JsValue;

use crate::core_api::{self, Failure, Failures, Plan};
use meshplan_core::Topology;

/// Rows per list before "and N more".
const ROWS: usize = 200;

thread_local! {
    /// The last text planned: toggling failures of one design plans it once.
    static PLANNED: RefCell<Option<(String, Topology, Plan)>> = const { RefCell::new(None) };
}

fn with_plan(text: &str, f: impl FnOnce(&Topology, &Plan) -> Array) -> Array {
    PLANNED.with_borrow_mut(|cache| {
        if cache.as_ref().is_none_or(|(t, _, _)| t != text) {
            let a = core_api::analyze(text, js_sys::Date::now);
            *cache = match (a.topology, a.plan) {
                (Some(t), Some(p)) => Some((text.to_string(), t, p)),
                _ => None,
            };
        }
        match cache.as_ref() {
            Some((_, t, p)) => f(t, p),
            None => Array::of2(&"none".into(), &"What-if needs the plan: fix the YAML first.".into()),
        }
    })
}

/// Name pairs as lines of `a b` (names have no spaces: the checks refuse them,
/// and a pair with one is left out rather than misread).
fn pairs<'a>(it: impl Iterator<Item = (&'a String, &'a String)>) -> JsValue {
    let mut o = String::new();
    for (a, b) in it.filter(|(a, b)| !a.contains(char::is_whitespace) && !b.contains(char::is_whitespace)) {
        let _ = writeln!(o, "{a} {b}");
    }
    o.into()
}

/// One element down (`path` as `Failure::element.path`).
pub fn one(text: &str, path: &str) -> Array {
    with_plan(text, |t, p| {
        let t0 = js_sys::Date::now();
        let Some(f) = core_api::failure(t, p, path) else {
            let why = if path.starts_with("sites.") {
                "This site has no shared network to fail (lan: false): fail its routers or links."
            } else {
                "This element cannot fail alone in this design."
            };
            return Array::of2(&"none".into(), &why.into());
        };
        let ms = js_sys::Date::now() - t0;
        let mut moved = std::collections::BTreeSet::new();
        for m in &f.moved {
            let chain: Vec<&String> = std::iter::once(&m.from).chain(&m.hops).chain(std::iter::once(&m.to)).collect();
            for w in chain.windows(2) {
                moved.insert(if w[0] <= w[1] { (w[0], w[1]) } else { (w[1], w[0]) });
            }
        }
        let out = Array::new();
        out.push(&"failure".into());
        out.push(&panel(&f, p.pod_mtu, ms).into());
        out.push(&pairs(f.sessions_lost.iter().map(|s| (&s.a, &s.b))));
        out.push(&pairs(f.broken_site_pairs.iter().map(|[a, b]| (a, b))));
        out.push(&pairs(moved.into_iter()));
        out
    })
}

/// Every single failure: the table.
pub fn all(text: &str) -> Array {
    with_plan(text, |t, p| {
        let t0 = js_sys::Date::now();
        let f = core_api::failures(t, p);
        let html = table(&f, js_sys::Date::now() - t0);
        Array::of2(&"failures".into(), &html.into())
    })
}

/// Text for HTML (names come from the person's file).
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            c => o.push(c),
        }
    }
    o
}

/// "3 pairs lost", "1 pair".
fn count(n: usize, what: &str, after: &str) -> String {
    let s = if n == 1 { "" } else { "s" };
    if after.is_empty() {
        format!("{n} {what}{s}")
    } else {
        format!("{n} {what}{s} {after}")
    }
}

fn site_pairs(f: &Failure) -> String {
    let v: Vec<String> = f
        .broken_site_pairs
        .iter()
        .map(|[a, b]| if a == b { format!("inside {a}") } else { format!("{a} ↔ {b}") })
        .collect();
    esc(&v.join(", "))
}

/// A titled list; `data-list` and each row's `data-key` are the tests' hooks.
fn list(o: &mut String, title: &str, name: &str, rows: impl ExactSizeIterator<Item = (String, String)>) {
    let n = rows.len();
    if n == 0 {
        return;
    }
    let _ = write!(o, "<h4>{title} ({n})</h4><ul class=\"wi-list\" data-list=\"{name}\">");
    for (k, t) in rows.take(ROWS) {
        let _ = write!(o, "<li data-key=\"{}\">{}</li>", esc(&k), esc(&t));
    }
    if n > ROWS {
        let _ = write!(o, "<li class=\"muted\">… and {} more</li>", n - ROWS);
    }
    o.push_str("</ul>");
}

/// The What-if section of one failure.
fn panel(f: &Failure, pod_mtu: u32, ms: f64) -> String {
    let e = &f.element;
    let mut o = String::new();
    let _ = write!(
        o,
        "<section class=\"whatif\" data-testid=\"whatif\" data-element=\"{}\" data-sessions-lost=\"{}\" data-broken=\"{}\" \
         data-mtu-drops=\"{}\" data-moved=\"{}\" data-ms=\"{ms:.0}\"><h3>What if {} <b>{}</b> fails</h3>\
         <p class=\"muted small\">{} · planned without it in {ms:.0} ms · one failure at a time: meshplan plans single failures</p>\
         <div class=\"figures\">",
        esc(&e.path),
        f.sessions_lost.len(),
        f.broken.len(),
        f.mtu_drops.len(),
        f.moved.len(),
        e.kind,
        esc(&e.name),
        esc(&e.path)
    );
    for (label, n, bad) in [
        ("Sessions lost", f.sessions_lost.len(), false),
        ("Pairs cut", f.broken.len(), !f.broken.is_empty()),
        ("Below pod MTU", f.mtu_drops.len(), !f.mtu_drops.is_empty()),
        ("Paths moved", f.moved.len(), false),
    ] {
        let class = if bad { "figure bad" } else { "figure" };
        let _ = write!(
            o,
            "<div class=\"{class}\"><span class=\"label\">{label}</span><span class=\"value\">{n}</span></div>"
        );
    }
    let verdict = if !f.broken.is_empty() {
        format!("Cuts {}.", site_pairs(f))
    } else if !f.mtu_drops.is_empty() {
        format!(
            "Every pair still connects, but {} below the pod MTU {pod_mtu}: larger packets die silently (pods do not learn a smaller path MTU).",
            count(f.mtu_drops.len(), "pair", "fall")
        )
    } else {
        "Every other pair still connects at the pod MTU.".to_string()
    };
    let class = if f.hurts() { "bad" } else { "good" };
    let _ = write!(
        o,
        "</div><p class=\"{class}\" data-testid=\"whatif-verdict\">{verdict}</p><p><b>Outage: </b>{}</p>",
        esc(&f.outage.words)
    );
    if f.pairs_at_element > 0 {
        let _ = write!(
            o,
            "<p class=\"muted small\">{} from or to the failed network itself go down with it (not counted).</p>",
            count(f.pairs_at_element, "pair", "")
        );
    }
    let key = |a: &str, b: &str| format!("{a}|{b}");
    list(
        &mut o,
        "Pairs cut",
        "broken",
        f.broken.iter().map(|b| (key(&b.from, &b.to), format!("{} → {}: {}", b.from, b.to, b.why.words()))),
    );
    list(
        &mut o,
        &format!("Below the pod MTU {pod_mtu}"),
        "mtu",
        f.mtu_drops.iter().map(|d| {
            let lim = d.limiting.as_deref().map(|l| format!(", limited by {l}")).unwrap_or_default();
            (key(&d.from, &d.to), format!("{} → {}: {} bytes (was {}){lim}", d.from, d.to, d.pod_mtu, d.was))
        }),
    );
    list(
        &mut o,
        "BGP sessions lost",
        "lost",
        f.sessions_lost.iter().map(|s| {
            let how = if s.no_underlay_path { ", no underlay path" } else { "" };
            (
                format!("{}|{}|{}", s.a, s.b, s.family.as_str()),
                format!("{} ↔ {} ({}, {}{how})", s.a, s.b, s.role.as_str(), s.family.as_str()),
            )
        }),
    );
    list(
        &mut o,
        "Paths moved",
        "moved",
        f.moved.iter().map(|m| {
            let via = if m.hops.is_empty() { "the site network".to_string() } else { m.hops.join(" → ") };
            (key(&m.from, &m.to), format!("{} → {}: via {via} (pod MTU {})", m.from, m.to, m.pod_mtu))
        }),
    );
    o.push_str("<button class=\"small\" data-testid=\"whatif-restore\">Bring it back</button></section>");
    o
}

/// The failure table: one row per single failure, worst first; a row is a
/// button (`data-failure`: the element's path) that the page shows in What-if.
fn table(f: &Failures, ms: f64) -> String {
    let hurting = f.hurting().count();
    let mut o = String::new();
    let verdict = if hurting == 0 {
        "<b class=\"good\">the design survives every single failure.</b>".to_string()
    } else {
        format!("<b class=\"bad\">{} break something (worst first).</b>", count(hurting, "failure", ""))
    };
    let _ = write!(
        o,
        "<p class=\"small\" data-testid=\"failures-took\" data-ms=\"{ms:.0}\">{} planned in {ms:.0} ms: {verdict} \
         A row shows it on the drawing.</p><table class=\"grid failures\"><thead><tr><th>Down</th><th>Sessions lost</th>\
         <th>Pairs cut</th><th>MTU on backup paths</th><th>Outage</th></tr></thead><tbody>",
        count(f.failures.len(), "failure", "")
    );
    for x in f.failures.iter().take(ROWS) {
        let cut =
            if x.broken.is_empty() { "—".to_string() } else { format!("{}: {}", x.broken.len(), site_pairs(x)) };
        let mtu = match x.mtu_drops.iter().map(|d| d.pod_mtu).min() {
            Some(m) => format!("{m} on {}", count(x.mtu_drops.len(), "pair", "")),
            None => "—".to_string(),
        };
        let outage = match x.outage.seconds {
            Some(s) if !x.broken.is_empty() => format!("cut; others ≤ {s} s"),
            Some(s) => format!("≤ {s} s"),
            None => "0 s".to_string(),
        };
        let _ = write!(
            o,
            "<tr data-failure=\"{}\" class=\"{}\" tabindex=\"0\" role=\"button\" title=\"Show this failure on the drawing\">\
             <td>{} <b>{}</b></td><td>{}</td><td>{cut}</td><td>{mtu}</td><td title=\"{}\">{outage}</td></tr>",
            esc(&x.element.path),
            if x.hurts() { "bad" } else { "" },
            x.element.kind,
            esc(&x.element.name),
            x.sessions_lost.len(),
            esc(&x.outage.words)
        );
    }
    o.push_str("</tbody></table>");
    if f.failures.len() > ROWS {
        let _ = write!(o, "<p class=\"muted small\">… and {} more</p>", f.failures.len() - ROWS);
    }
    o
}
