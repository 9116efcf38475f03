//! Find a site or device by name (big designs): type part of a name, pick a
//! match, and the drawing selects it and centres on it. Names are ASCII (the
//! name rules), so case is ignored without Unicode tables in the page.

use leptos::prelude::*;
use meshplan_core::Topology;

use crate::layout::Rect;
use crate::sel::Sel;
use crate::state::App;

/// Matches the list shows at most.
const SHOWN: usize = 8;

/// Sites and devices whose name contains `query` (case ignored): names that
/// start with it first, then by name; at most `max`.
pub fn matches(t: &Topology, query: &str, max: usize) -> Vec<Sel> {
    let q = query.trim().to_ascii_lowercase();
    if q.is_empty() {
        return Vec::new();
    }
    let all = t
        .sites
        .keys()
        .map(|n| Sel::Site(n.clone()))
        .chain(t.nodes.keys().map(|n| Sel::Node(n.clone())))
        .chain(t.routers.keys().map(|n| Sel::Router(n.clone())))
        .chain(t.hosts.keys().map(|n| Sel::Host(n.clone())));
    let mut found: Vec<(bool, Sel)> = all
        .filter_map(|s| {
            let name = s.name().unwrap_or_default().to_ascii_lowercase();
            name.contains(&q).then(|| (!name.starts_with(&q), s))
        })
        .collect();
    // Prefix matches first; within each, by name (the maps give them sorted per kind).
    meshplan_core::sort::sort_by(&mut found, |a, b| a.0.cmp(&b.0).then_with(|| a.1.name().cmp(&b.1.name())));
    found.into_iter().take(max).map(|(_, s)| s).collect()
}

/// Selects `sel` and centres the drawing on it, close enough to read.
fn pick(app: App, sel: Sel) {
    let Some(t) = app.derived.get_untracked().topology else { return };
    let name = sel.name().unwrap_or_default().to_string();
    let at = app.layout.with_untracked(|l| match &sel {
        Sel::Site(s) => l.site_rects(&t).get(s).map(Rect::center),
        _ => l.devices.get(&name).copied(),
    });
    app.select(Some(sel));
    if let Some(c) = at {
        let (w, h) = (960.0, 640.0);
        app.zoom.set(Some(Rect { x: c.x - w / 2.0, y: c.y - h / 2.0, w, h }));
    }
}

#[component]
pub fn FindBox() -> impl IntoView {
    let app = expect_context::<App>();
    let query = RwSignal::new(String::new());
    let found = Memo::new(move |_| {
        let q = query.get();
        app.derived.with(|d| d.topology.as_deref().map(|t| matches(t, &q, SHOWN)).unwrap_or_default())
    });
    let choose = move |s: Sel| {
        query.set(String::new());
        pick(app, s);
    };
    view! {
        <div class="find">
            <input type="search" data-testid="find" placeholder="Find (/)" title="Find a site or device by name (/)" aria-label="Find a site or device by name"
                autocomplete="off" spellcheck="false" prop:value=move || query.get()
                on:input=move |ev| query.set(event_target_value(&ev))
                on:keydown=move |ev: web_sys::KeyboardEvent| match ev.key().as_str() {
                    "Enter" => if let Some(s) = found.with_untracked(|f| f.first().cloned()) { choose(s) },
                    "Escape" => query.set(String::new()),
                    _ => {}
                } />
            {move || (!found.with(Vec::is_empty)).then(|| view! {
                <ul class="find-results" data-testid="find-results" role="listbox">
                    {found.get().into_iter().map(|s| {
                        let label = format!("{} {}", s.noun(), s.name().unwrap_or_default());
                        let name = s.name().unwrap_or_default().to_string();
                        view! {
                            <li role="option"><button data-find=name on:mousedown=move |ev| { ev.prevent_default(); choose(s.clone()) }>{label}</button></li>
                        }
                    }).collect_view()}
                </ul>
            })}
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_put_prefixes_first_and_stop_at_max() {
        let t = meshplan_core::parse(include_str!("../../examples/calico-wds-hkg.yaml")).topology.expect("reads");
        let names = |q: &str, max| matches(&t, q, max).iter().map(|s| s.path()).collect::<Vec<_>>();
        assert_eq!(names("kube", 8), ["nodes.kubemaster", "nodes.kubenode-hkg04", "nodes.kubenode-wds-1"]);
        // `ns` starts no name: the routers containing it, by name.
        assert_eq!(names("NS", 8), ["routers.cn-ns", "routers.global-ns"]);
        // `g`: prefix matches (gateway, global-ns) before the names containing it.
        assert_eq!(names("g", 3), ["routers.gateway", "routers.global-ns", "hosts.hkg02"]);
        assert!(names("  ", 8).is_empty());
        assert!(names("nothing-like-this", 8).is_empty());
    }
}
