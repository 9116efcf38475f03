//! The plan as a readable page: findings first (each one selects the element it
//! names), then the MTU budget, sessions, routes, paths and the address plan, as
//! far as the core's plan provides them.

use leptos::prelude::*;
use meshplan_core::{Diagnostic, Severity};

use crate::core_api::{PathView, PlanView};
use crate::state::{App, Tab};

/// Rows shown per table before "and N more" (large designs stay readable and fast).
const ROWS: usize = 200;

#[component]
pub fn DiagList(diagnostics: Vec<Diagnostic>) -> impl IntoView {
    let app = expect_context::<App>();
    let items = diagnostics
        .into_iter()
        .map(|d| {
            let sev = d.severity.as_str();
            let code = d.code.as_str();
            let path = d.path.clone();
            let span = d.span;
            let go = move || {
                match (path.is_empty(), span) {
                    (true, Some(s)) => {
                        app.tab.set(Tab::Yaml);
                        app.goto.set(Some((s.line, s.column)));
                    }
                    _ => app.show_path(&path),
                }
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
        })
        .collect_view();
    view! { <ul class="diags">{items}</ul> }
}

/// "pod MTU 1370" for the status bar; the plan gives the figure.
#[component]
pub fn PodMtu() -> impl IntoView {
    let app = expect_context::<App>();
    let text = move || {
        app.derived.with(|d| match d.plan.as_ref().and_then(|p| p.pod_mtu) {
            Some(m) => format!("pod MTU {m}"),
            None if !crate::core_api::HAS_PLAN => "pod MTU: needs the plan".to_string(),
            None => "pod MTU —".to_string(),
        })
    };
    let title = move || {
        app.derived.with(|d| match d.plan.as_ref() {
            Some(p) => format!("MTU budget {} · pod MTU {}", opt(p.mtu_budget), opt(p.pod_mtu)),
            None => "The pod MTU is computed by the plan".to_string(),
        })
    };
    view! { <span class="pod-mtu" data-testid="pod-mtu" title=title>{text}</span> }
}

fn opt(v: Option<u32>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "—".into())
}

#[component]
pub fn Notebook() -> impl IntoView {
    let app = expect_context::<App>();
    move || {
        let d = app.derived.get();
        let name = d.topology.as_ref().map(|t| t.name.clone()).unwrap_or_default();
        let cni = d.topology.as_ref().map(|t| t.cluster.cni.as_str()).unwrap_or("");
        let (e, w) = (d.errors(), d.warnings());
        let infos = d.diagnostics.iter().filter(|x| x.severity == Severity::Info).count();
        let summary = match (e, w) {
            (0, 0) => "No errors, no warnings.".to_string(),
            (0, w) => format!("No errors, {w} warning{}.", plural(w)),
            (e, w) => format!("{e} error{}, {w} warning{}: export waits for the errors to be fixed.", plural(e), plural(w)),
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
        let plan = d.plan.clone();
        let diags = (*d.diagnostics).clone();
        view! {
            <article class="notebook">
                <section class="nb-summary">
                    <h2>{name}<span class="muted">{format!(" · {cni}")}</span></h2>
                    <p class="muted small">{counts}</p>
                    <p class:bad={e > 0} class:good={e == 0}>{summary}</p>
                    <p class="muted small timing" data-testid="timing"
                        data-analyze-ms=format!("{:.2}", d.analyze_ms) data-plan-ms=format!("{:.2}", d.plan_ms)>
                        {format!("checked in {:.1} ms", d.analyze_ms)}
                        {plan.is_some().then(|| format!(" · planned in {:.1} ms", d.plan_ms))}
                    </p>
                </section>
                <section>
                    <h3>"Findings"{(infos > 0).then(|| view! { <span class="muted small">{format!(" (and {infos} notes)")}</span> })}</h3>
                    {if diags.is_empty() {
                        view! { <p class="good">"The design checks clean."</p> }.into_any()
                    } else {
                        view! { <DiagList diagnostics=diags /> }.into_any()
                    }}
                </section>
                {match plan {
                    Some(p) => plan_sections(&p).into_any(),
                    None => view! {
                        <section class="pending">
                            <h3>"Plan"</h3>
                            <p class="muted">"Sessions, routes, paths with their MTU, the MTU budget and the address plan appear here once this build's core can plan (core module `plan`). The checks above are complete."</p>
                        </section>
                    }.into_any(),
                }}
            </article>
        }
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

fn plan_sections(p: &PlanView) -> impl IntoView {
    view! {
        {mtu_section(p)}
        {sessions_section(p)}
        {reach_section(p)}
        {paths_section(p)}
        {address_section(p)}
    }
}

fn mtu_section(p: &PlanView) -> impl IntoView {
    let limiting = p.limiting.clone().map(|l| {
        let edge = l.edge.clone().unwrap_or_else(|| "—".into());
        view! {
            <p>"Limited on the path "<b>{l.from_site}" → "{l.to_site}</b>
               {format!(": path MTU {}, less {} bytes of encapsulation; limiting edge ", l.path_mtu, l.overhead)}
               <code>{edge}</code>"."</p>
        }
    });
    let notes = p.mtu_notes.clone();
    view! {
        <section>
            <h3>"MTU"</h3>
            <div class="figures">
                <div class="figure"><span class="label">"MTU budget"</span><span class="value">{opt(p.mtu_budget)}</span></div>
                <div class="figure main"><span class="label">"Pod MTU"</span><span class="value">{opt(p.pod_mtu)}</span></div>
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
            view! {
                <tr>
                    <td>{s.a.clone()}</td><td>{s.b.clone()}</td>
                    <td><span class=format!("tag role-{}", s.role)>{s.role.clone()}</span></td>
                    <td>{s.kind.clone()}</td><td>{s.family.clone()}</td>
                    <td>{if s.multihop { "multihop" } else { "" }}</td>
                </tr>
            }
        })
        .collect_view();
    let n = p.sessions.len();
    view! {
        <section>
            <h3>"BGP sessions"<span class="muted small">{format!(" ({n})")}</span></h3>
            {if n == 0 {
                view! { <p class="muted">"No BGP sessions."</p> }.into_any()
            } else {
                view! {
                    <table class="grid"><thead><tr><th>"End"</th><th>"End"</th><th>"Role"</th><th>"Kind"</th><th>"Family"</th><th></th></tr></thead>
                    <tbody>{rows}</tbody></table>
                    {more(n)}
                }.into_any()
            }}
        </section>
    }
}

fn reach_section(p: &PlanView) -> impl IntoView {
    if p.reach.is_empty() {
        return None;
    }
    let text = |v: &serde_json::Value| match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => {
            let prefix = o.get("prefix").and_then(|x| x.as_str()).unwrap_or("?");
            let via = o.get("via").and_then(|x| x.as_str()).unwrap_or("");
            let nh = o.get("next_hop").and_then(|x| x.as_str()).unwrap_or("");
            format!("{prefix} via {via}{}", if nh.is_empty() { String::new() } else { format!(" ({nh})") })
        }
        other => other.to_string(),
    };
    let rows = p
        .reach
        .iter()
        .take(ROWS)
        .map(|(dev, r)| {
            let learned: Vec<String> = r.learned.iter().map(text).collect();
            let missing: Vec<String> = r.missing.iter().map(text).collect();
            let bad = !missing.is_empty();
            view! {
                <tr class:bad=bad>
                    <td>{dev.clone()}</td>
                    <td class="small">{learned.join("; ")}</td>
                    <td class="small">{if missing.is_empty() { "—".to_string() } else { missing.join(", ") }}</td>
                </tr>
            }
        })
        .collect_view();
    Some(view! {
        <section>
            <h3>"Routes per device"</h3>
            <table class="grid"><thead><tr><th>"Device"</th><th>"Learned"</th><th>"Missing"</th></tr></thead>
            <tbody>{rows}</tbody></table>
            {more(p.reach.len())}
        </section>
    })
}

fn hops_view(path: &PathView) -> impl IntoView {
    let limiting = path.limiting.clone();
    path.hops
        .iter()
        .map(|h| {
            let limit = h.via.is_some() && h.via == limiting;
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
            let bh = x.blackhole.clone().map(|b| {
                view! {
                    <div class="blackhole-note">
                        "Blackhole: "<b>{b.device.clone()}</b>" has no route to "{b.missing.join(", ")}
                    </div>
                }
            });
            view! {
                <li class="path" class:bad=x.blackhole.is_some() data-from=x.from_site.clone() data-to=x.to_site.clone()>
                    <div class="path-head">
                        <b>{x.from_site.clone()}" → "{x.to_site.clone()}</b>
                        <span class="muted small">{format!(
                            " path MTU {} · pod MTU {}{}{}",
                            x.path_mtu,
                            x.pod_mtu,
                            if x.overhead > 0 { format!(" (−{} encapsulation)", x.overhead) } else { String::new() },
                            if x.routed { " · routed" } else { " · tunnelled" },
                        )}</span>
                    </div>
                    <div class="hops">{hops_view(x)}</div>
                    {bh}
                </li>
            }
        })
        .collect_view();
    let n = p.paths.len();
    view! {
        <section>
            <h3>"Paths between sites"<span class="muted small">{format!(" ({n})")}</span></h3>
            {if n == 0 { Some(view! { <p class="muted">"No paths: the design has fewer than two node locations."</p> }) } else { None }}
            <ul class="paths">{rows}</ul>
            {more(n)}
        </section>
    }
}

fn address_section(p: &PlanView) -> impl IntoView {
    let rows = p
        .nodes
        .iter()
        .take(ROWS)
        .map(|(name, n)| {
            view! {
                <tr><td>{name.clone()}</td><td>{n.site.clone()}</td><td>{n.role.clone()}</td>
                <td>{n.addresses.join(", ")}</td><td>{n.pod_ranges.join(", ")}</td></tr>
            }
        })
        .collect_view();
    let blocks = p.calico_blocks.clone().map(|c| {
        let pools = c
            .blocks
            .iter()
            .map(|b| {
                format!(
                    "{}: {} blocks of /{} ({} addresses each), about {} per node",
                    b.cidr, b.block_count, b.block_size, b.addresses_per_block, b.blocks_per_node
                )
            })
            .collect::<Vec<_>>();
        view! {
            <ul class="notes">{pools.into_iter().map(|x| view! { <li>{x}</li> }).collect_view()}</ul>
            <p class="muted small">{c.note}</p>
        }
    });
    view! {
        <section>
            <h3>"Address plan"</h3>
            {blocks}
            <table class="grid"><thead><tr><th>"Node"</th><th>"Site"</th><th>"Role"</th><th>"Addresses"</th><th>"Pod range"</th></tr></thead>
            <tbody>{rows}</tbody></table>
            {more(p.nodes.len())}
        </section>
    }
}
