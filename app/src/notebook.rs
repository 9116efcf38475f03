//! The plan as a readable page: findings first (each one selects the element it
//! names), then the MTU budget, sessions, routes, paths and the address plan, as
//! far as the core's plan provides them.

use leptos::prelude::*;
use meshplan_core::{Diagnostic, Severity};

use std::sync::Arc;

use crate::analysis::{PathRow, PlanView, ROWS};
use crate::state::{App, Tab};

/// One finding's card; a click selects the element it names (or the text's place).
fn diag_item(app: App, d: Diagnostic) -> impl IntoView {
    let sev = d.severity.as_str();
    let code = d.code.as_str();
    let path = d.path.clone();
    let span = d.span;
    let go = move || match (path.is_empty(), span) {
        (true, Some(s)) => {
            app.tab.set(Tab::Yaml);
            app.goto.set(Some((s.line, s.column)));
        }
        _ => app.show_path(&path),
    };
    let go2 = go.clone();
    let place = match (d.path.is_empty(), d.span) {
        (false, Some(s)) => format!("{} · line {}:{}", d.path, s.line, s.column),
        (false, None) => d.path.clone(),
        (true, Some(s)) => format!("line {}, column {}", s.line, s.column),
        (true, None) => String::new(),
    };
    view! {
        <li class=format!("diag sev-{sev}") data-code=code data-severity=sev data-path=d.path.clone()
            tabindex="0" role="button"
            on:click=move |_| go()
            on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Enter" || ev.key() == " " { ev.prevent_default(); go2() }>
            <div class="diag-head">
                <span class="sev-badge">{sev}</span>
                <span class="code">{code}</span>
                <span class="where">{place}</span>
            </div>
            <div class="msg">{d.message.clone()}</div>
            {d.hint.clone().map(|h| view! { <div class="hint">{h}</div> })}
        </li>
    }
}

/// Findings of one code this many times or more show as one card.
const GROUP_AT: usize = 4;
/// Element names a grouped card lists before "…".
const GROUP_NAMES: usize = 6;

/// The findings by code, in the order each code first appears; a code with
/// fewer than `GROUP_AT` findings stays as single findings, in place.
pub fn groups(diagnostics: Vec<Diagnostic>) -> Vec<Vec<Diagnostic>> {
    let mut by_code: Vec<Vec<Diagnostic>> = Vec::new();
    for d in diagnostics {
        match by_code.iter_mut().find(|g| g[0].code == d.code) {
            Some(g) => g.push(d),
            None => by_code.push(vec![d]),
        }
    }
    by_code
        .into_iter()
        .flat_map(|g| if g.len() < GROUP_AT { g.into_iter().map(|d| vec![d]).collect() } else { vec![g] })
        .collect()
}

/// The element a path names, as a list shows it: `nodes.a.address` → `a`.
fn element(path: &str) -> &str {
    path.split('.').nth(1).unwrap_or(path)
}

/// Many findings of one code ("60 findings W078 at site000, site001, … [show all]"):
/// the first's message and hint stand for all; the rest on request.
fn diag_group(app: App, g: Vec<Diagnostic>) -> impl IntoView {
    let open = RwSignal::new(false);
    let first = g[0].clone();
    let sev = first.severity.as_str();
    let code = first.code.as_str();
    let n = g.len();
    let mut names: Vec<&str> = g.iter().map(|d| element(&d.path)).filter(|s| !s.is_empty()).collect();
    names.dedup();
    let more = if names.len() > GROUP_NAMES { ", …" } else { "" };
    let names = names[..names.len().min(GROUP_NAMES)].join(", ") + more;
    let all = StoredValue::new(g);
    view! {
        <li class=format!("diag group sev-{sev}") data-code=code data-group=n>
            <div class="diag-head">
                <span class="sev-badge">{sev}</span>
                <span class="code">{code}</span>
                <span class="where">{format!("{n} findings: {names}")}</span>
            </div>
            <div class="msg">{format!("For example: {}", first.message)}</div>
            {first.hint.clone().map(|h| view! { <div class="hint">{h}</div> })}
            <button class="small" data-testid="show-all" aria-expanded=move || open.get().to_string()
                on:click=move |_| open.update(|o| *o = !*o)>
                {move || if open.get() { "show fewer".to_string() } else { format!("show all {n}") }}
            </button>
            {move || open.get().then(|| view! {
                <ul class="diags">{all.get_value().into_iter().map(|d| diag_item(app, d)).collect_view()}</ul>
            })}
        </li>
    }
}

#[component]
pub fn DiagList(diagnostics: Vec<Diagnostic>) -> impl IntoView {
    let app = expect_context::<App>();
    let items = groups(diagnostics)
        .into_iter()
        .map(|g| if g.len() == 1 { diag_item(app, g[0].clone()).into_any() } else { diag_group(app, g).into_any() })
        .collect_view();
    view! { <ul class="diags">{items}</ul> }
}

/// "pod MTU 1370" for the status bar; the plan gives the figure.
#[component]
pub fn PodMtu() -> impl IntoView {
    let app = expect_context::<App>();
    let text = move || {
        app.derived.with(|d| match d.plan.as_ref() {
            Some(p) => format!("pod MTU {}", p.pod_mtu),
            None => "pod MTU —".to_string(),
        })
    };
    let title = move || {
        app.derived.with(|d| match d.plan.as_ref() {
            Some(p) => format!("MTU budget {} · pod MTU {}", p.mtu_budget, p.pod_mtu),
            None => "The pod MTU appears once the text can be read".to_string(),
        })
    };
    view! { <span class="pod-mtu" data-testid="pod-mtu" title=title>{text}</span> }
}

#[component]
pub fn Notebook() -> impl IntoView {
    let app = expect_context::<App>();
    let checking = move || app.derived.with(|d| d.checking);
    // The head follows every change (cheap); the findings and the plan sections
    // only when the worker's answer brings new ones (`App::diagnostics`, `App::plan`).
    let head = move || {
        let d = app.derived.get();
        let name = d.topology.as_ref().map(|t| t.name.clone()).unwrap_or_default();
        let cni = d.topology.as_ref().map(|t| t.cluster.cni.as_str()).unwrap_or("");
        let (e, w) = (d.errors(), d.warnings());
        let summary = match (e, w) {
            (0, 0) => "No errors, no warnings.".to_string(),
            (0, w) => format!("No errors, {w} warning{}.", plural(w)),
            (e, w) => {
                format!("{e} error{}, {w} warning{}: export waits for the errors to be fixed.", plural(e), plural(w))
            }
        };
        let counts = d.topology.as_ref().map(|t| {
            format!(
                "{} sites · {} nodes · {} routers · {} hosts · {} links",
                t.sites.len(),
                t.nodes.len(),
                t.routers.len(),
                t.hosts.len(),
                t.links.len()
            )
        });
        let checking = d.checking;
        // While the worker checks a new text, the previous findings and plan stay, marked.
        let summary = if checking { format!("Checking… (until then, the last check: {summary})") } else { summary };
        view! {
            <section class="nb-summary">
                <h2>{name}<span class="muted">{format!(" · {cni}")}</span></h2>
                <p class="muted small">{counts}</p>
                <p class:bad={e > 0} class:good={e == 0 && !checking} data-testid="nb-summary">{summary}</p>
                <p class="muted small timing">
                    {format!("read in {:.1} ms", d.analyze_ms)}
                    {(d.plan.is_some() && !checking).then(|| format!(" · checked and planned in {:.1} ms", d.plan_ms))}
                </p>
            </section>
        }
    };
    let findings = move || {
        let diags = app.diagnostics.get();
        let infos = diags.iter().filter(|x| x.severity == Severity::Info).count();
        let body = if diags.is_empty() && untrack(checking) {
            view! { <p class="muted">"Checking…"</p> }.into_any()
        } else if diags.is_empty() {
            view! { <p class="good">"The design checks clean."</p> }.into_any()
        } else {
            view! { <DiagList diagnostics=(*diags).clone() /> }.into_any()
        };
        view! {
            <section>
                <h3>"Findings"{(infos > 0).then(|| view! { <span class="muted small">{format!(" (and {infos} {})", if infos == 1 { "note" } else { "notes" })}</span> })}</h3>
                {body}
            </section>
        }
    };
    let plan = move || match app.plan.get() {
        Some(p) => view! { <crate::whatif::WhatIfNotebook />{plan_sections(&p)} }.into_any(),
        None if untrack(checking) => view! {
            <section class="pending"><p class="muted">"Planning…"</p></section>
        }
        .into_any(),
        None => view! {
            <section class="pending">
                <p class="muted">"The plan appears once the text can be read again (see the YAML tab)."</p>
            </section>
        }
        .into_any(),
    };
    view! {
        <article class="notebook" class:checking=checking aria-busy=move || checking().to_string()
            data-checking=move || checking().to_string()>
            {head}
            {findings}
            {plan}
        </article>
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn plan_sections(p: &Arc<PlanView>) -> impl IntoView {
    view! {
        {mtu_section(p)}
        {sessions_section(p)}
        <RoutesSection plan=p.clone() />
        {paths_section(p)}
        {address_section(p)}
    }
}

fn mtu_section(p: &PlanView) -> impl IntoView {
    let limiting = p.limiting.clone().map(|l| {
        let edge = l.edge.clone().unwrap_or_else(|| "the path".into());
        view! {
            <p>"Set by the path "<b>{l.from_site}" → "{l.to_site}</b>
               {format!(": path MTU {}", l.path_mtu)}
               {(l.overhead > 0).then(|| format!(" less {} bytes of encapsulation", l.overhead))}
               "; limited by "<span class="limit-edge">{edge}</span>"."</p>
        }
    });
    let notes = p.mtu_notes.clone();
    view! {
        <section>
            <h3>"MTU"</h3>
            <div class="figures">
                <div class="figure"><span class="label">"MTU budget"</span><span class="value">{p.mtu_budget}</span></div>
                <div class="figure main"><span class="label">"Pod MTU"</span><span class="value">{p.pod_mtu}</span></div>
            </div>
            {limiting}
            {(!notes.is_empty()).then(|| view! { <ul class="notes">{notes.into_iter().map(|n| view! { <li>{n}</li> }).collect_view()}</ul> })}
        </section>
    }
}

fn more(total: usize) -> Option<impl IntoView> {
    (total > ROWS).then(|| view! { <p class="muted small">{format!("… and {} more", total - ROWS)}</p> })
}

fn sessions_section(p: &PlanView) -> impl IntoView {
    let rows = p
        .sessions
        .iter()
        .take(ROWS)
        .map(|s| {
            let role = s.role.clone();
            let kind = if s.ebgp { "eBGP" } else { "iBGP" };
            view! {
                <tr>
                    <td>{s.a.clone()}</td><td>{s.b.clone()}</td>
                    <td><span class=format!("tag role-{role}")>{role.clone()}</span></td>
                    <td>{kind}{if s.multihop { " multihop" } else { "" }}</td><td>{s.family.clone()}</td>
                </tr>
            }
        })
        .collect_view();
    let n = p.session_count;
    view! {
        <section>
            <h3>"BGP sessions"<span class="muted small">{format!(" ({n})")}</span></h3>
            {if n == 0 {
                view! { <p class="muted">"No BGP sessions."</p> }.into_any()
            } else {
                view! {
                    <table class="grid"><thead><tr><th>"End"</th><th>"End"</th><th>"Role"</th><th>"Kind"</th><th>"Family"</th></tr></thead>
                    <tbody>{rows}</tbody></table>
                    {more(n)}
                }.into_any()
            }}
        </section>
    }
}

/// Route tables are computed on demand, by the analysis worker from its plan:
/// a large design has many devices.
#[component]
fn RoutesSection(plan: Arc<PlanView>) -> impl IntoView {
    let app = expect_context::<App>();
    let devices = &plan.devices;
    let n = devices.len();
    // Show the selected device's table first, then the others up to the limit.
    let chosen = app.sel.get_untracked().and_then(|s| s.name().map(str::to_string));
    let first = chosen.filter(|c| devices.contains(c));
    let order: Vec<String> = first
        .iter()
        .cloned()
        .chain(devices.iter().filter(|d| Some(*d) != first.as_ref()).cloned())
        .take(ROWS)
        .collect();
    let open = RwSignal::new(n <= 40);
    // The tables come from the worker's plan of the text this notebook shows.
    let tables = RwSignal::new(None::<Vec<crate::analysis::RouteRow>>);
    let asked = StoredValue::new(false);
    let checking = app.derived.with_untracked(|d| d.checking);
    Effect::new(move |_| {
        if open.get() && !checking && !asked.get_value() {
            asked.set_value(true);
            let order = order.clone();
            crate::analysis_client::routes(app.text.get_untracked(), order, move |rows| tables.set(Some(rows)));
        }
    });
    let rows = move || {
        tables.with(|t| match t {
            None => view! { <tr><td colspan="3" class="muted">{if checking { "Checking…" } else { "Reading the route tables…" }}</td></tr> }.into_any(),
            Some(rows) => rows
                .iter()
                .map(|r| {
                    let bad = !r.missing.is_empty();
                    view! {
                        <tr class:bad=bad data-device=r.device.clone()>
                            <td>{r.device.clone()}</td>
                            <td class="small">{if r.learned.is_empty() { "—".to_string() } else { r.learned.join("; ") }}</td>
                            <td class="small">{if r.missing.is_empty() { "—".to_string() } else { r.missing.join(", ") }}</td>
                        </tr>
                    }
                })
                .collect_view()
                .into_any(),
        })
    };
    view! {
        <section>
            <h3>"Routes per device"<span class="muted small">{format!(" ({n})")}</span></h3>
            <Show when=move || !open.get()>
                <button class="small" on:click=move |_| open.set(true)>{format!("Show the route tables of {} devices", n.min(ROWS))}</button>
            </Show>
            <Show when=move || open.get()>
                <table class="grid routes"><thead><tr><th>"Device"</th><th>"Learned"</th><th>"Missing"</th></tr></thead>
                <tbody>{rows}</tbody></table>
                {more(n)}
            </Show>
        </section>
    }
}

fn hops_view(path: &PathRow) -> impl IntoView {
    let limit_link = path.limiting.as_deref().and_then(|l| l.split(' ').next()).map(str::to_string);
    path.hops
        .iter()
        .map(|h| {
            let limit = h.via.is_some() && h.via == limit_link;
            let edge = h.mtu.map(|m| {
                view! { <span class="hop-edge" class:limit=limit title=h.via.clone().unwrap_or_default()>{format!("─ {m} ─")}</span> }
            });
            view! { {edge}<span class=format!("hop kind-{}", h.kind)>{h.name.clone()}</span> }
        })
        .collect_view()
}

fn paths_section(p: &PlanView) -> impl IntoView {
    let rows = p
        .paths
        .iter()
        .take(ROWS)
        .map(|x| {
            let bh = x.blackhole.clone().map(|(device, missing)| {
                view! {
                    <div class="blackhole-note">
                        "Blackhole: "<b>{device}</b>" has no route to "{missing.join(", ")}
                    </div>
                }
            });
            let limiting = x.limiting.clone().map(|l| view! { <div class="muted small">"Limited by "{l}</div> });
            view! {
                <li class="path" class:bad=x.blackhole.is_some() data-from=x.from_site.clone() data-to=x.to_site.clone()>
                    <div class="path-head">
                        <b>{x.from_site.clone()}" → "{x.to_site.clone()}</b>
                        <span class="muted small">{format!(
                            " path MTU {} · pod MTU {} (this path allows {}){}{}",
                            x.path_mtu,
                            // The pods' MTU is the cluster's; the path's own figure is what it would allow.
                            p.pod_mtu,
                            x.pod_mtu,
                            if x.overhead > 0 { format!(" (−{} encapsulation)", x.overhead) } else { String::new() },
                            if x.routed { " · routed" } else { " · encapsulated" },
                        )}</span>
                    </div>
                    <div class="hops">{hops_view(x)}</div>
                    {limiting}
                    {bh}
                </li>
            }
        })
        .collect_view();
    let n = p.path_count;
    view! {
        <section>
            <h3>"Paths between sites"<span class="muted small">{format!(" ({n})")}</span></h3>
            {(n == 0).then(|| view! { <p class="muted">"No paths: the design has fewer than two node locations."</p> })}
            <ul class="paths">{rows}</ul>
            {more(n)}
        </section>
    }
}

fn address_section(p: &PlanView) -> impl IntoView {
    let rows = p
        .nodes
        .iter()
        .map(|n| {
            let role = if n.server { "server" } else { "agent" };
            view! {
                <tr><td>{n.name.clone()}</td><td>{n.site.clone()}</td><td>{role}</td>
                <td>{n.addresses.join(", ")}</td><td>{n.pod_ranges.join(", ")}</td></tr>
            }
        })
        .collect_view();
    let blocks = p.blocks.clone().map(|(pools, note)| {
        view! {
            <ul class="notes">{pools.into_iter().map(|x| view! { <li>{x}</li> }).collect_view()}</ul>
            <p class="muted small">{note}</p>
        }
    });
    view! {
        <section>
            <h3>"Address plan"</h3>
            {blocks}
            <table class="grid"><thead><tr><th>"Node"</th><th>"Site"</th><th>"Role"</th><th>"Addresses"</th><th>"Pod range"</th></tr></thead>
            <tbody>{rows}</tbody></table>
            {more(p.node_count)}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use meshplan_core::diag::{Code, Diagnostic};

    use super::{element, groups};

    #[test]
    fn many_findings_of_one_code_group_and_few_stay_single() {
        let mut ds: Vec<Diagnostic> =
            (0..60).map(|i| Diagnostic::new(Code::W078, format!("sites.s{i:03}"), "no router")).collect();
        ds.insert(1, Diagnostic::new(Code::E070, "nodes.a", "no route"));
        ds.push(Diagnostic::new(Code::E070, "nodes.b", "no route"));
        let g = groups(ds);
        let shape: Vec<(String, usize)> = g.iter().map(|g| (g[0].code.as_str().to_string(), g.len())).collect();
        assert_eq!(shape, [("W078".to_string(), 60), ("E070".into(), 1), ("E070".into(), 1)]);
        assert_eq!(element("nodes.a.address"), "a");
        assert_eq!(element("links[3]"), "links[3]");
    }
}
