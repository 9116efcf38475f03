//! The page: header (file, examples, undo, share, export), toolbar (add, delete,
//! layout, overlay), the drawing and the side panel, messages, the autosave.

use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::browser;
use crate::canvas::Canvas;
use crate::core_api;
use crate::edit;
use crate::history::Doc;
use crate::inspector::Inspector;
use crate::notebook::{DiagList, Notebook, PodMtu};
use crate::state::{App, Dialog, Mode, Tab, EXAMPLES};
use crate::yaml::YamlTab;

#[component]
pub fn Shell() -> impl IntoView {
    let app = App::new();
    provide_context(app);

    // The one autosave: the work on every change (after a drag, at the drop;
    // typing when the text is read, after a quiet moment, or when the page is
    // left), the undo history whenever it changed.
    let saved_generation = StoredValue::new(u64::MAX);
    let saved_doc = StoredValue::new(None::<Doc>);
    let save = move || {
        let doc = app.doc_untracked();
        if saved_doc.with_value(|d| d.as_ref() != Some(&doc)) {
            browser::save_doc(&doc);
            saved_doc.set_value(Some(doc));
        }
        app.history.with_untracked(|h| {
            if h.generation != saved_generation.get_value() {
                browser::save_history(h);
                saved_generation.set_value(h.generation);
            }
        });
    };
    Effect::new(move |_| {
        if app.dragging.get() {
            return;
        }
        // Not the text: a keystroke saves nothing until it is read (also when
        // it cannot be read: then only `derived` changes).
        app.derived.track();
        app.layout.track();
        save();
    });

    // A share link in the address: at load, and when one is pasted into the open page.
    let hash = browser::location_hash();
    if core_api::is_share_fragment(&hash) {
        app.open_link(&hash);
    }
    let hash_handle = window_event_listener(leptos::ev::hashchange, move |_| {
        let hash = browser::location_hash();
        if core_api::is_share_fragment(&hash) {
            app.open_link(&hash);
        }
    });
    let key_handle = window_event_listener(leptos::ev::keydown, move |ev| on_key(app, ev));
    let hide_handle = window_event_listener(leptos::ev::pagehide, move |_| {
        let _ = app.editable();
        save();
    });
    on_cleanup(move || {
        hash_handle.remove();
        key_handle.remove();
        hide_handle.remove();
    });

    view! {
        <div class="app" data-has-plan=core_api::HAS_PLAN.to_string()
            data-has-share=core_api::HAS_SHARE.to_string() data-has-bundle=core_api::HAS_BUNDLE.to_string()>
            <Header />
            <Toolbar />
            <main class="main">
                <Canvas />
                <crate::help::FirstRun />
                <SidePanel />
            </main>
            <Messages />
            <DialogView />
            <crate::help::HelpOverlay />
        </div>
    }
}

fn on_key(app: App, ev: web_sys::KeyboardEvent) {
    let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
    let tag = target.as_ref().map(|t| t.tag_name().to_ascii_lowercase()).unwrap_or_default();
    let in_field = matches!(tag.as_str(), "input" | "select");
    let in_text = tag == "textarea";
    let ctrl = ev.ctrl_key() || ev.meta_key();
    let key = ev.key();
    if ctrl && !in_field && (key == "z" || key == "Z") {
        ev.prevent_default();
        if ev.shift_key() {
            app.redo();
        } else {
            app.undo();
        }
        return;
    }
    if ctrl && !in_field && (key == "y" || key == "Y") {
        ev.prevent_default();
        app.redo();
        return;
    }
    if in_field || in_text {
        return;
    }
    match key.as_str() {
        "?" => {
            ev.prevent_default();
            app.help.update(|h| *h = !*h);
        }
        "w" | "W" if !ctrl && !ev.alt_key() => {
            ev.prevent_default();
            crate::whatif::toggle_mode(app);
        }
        // As in mail and code-hosting tools; Ctrl+F stays the browser's own find.
        "/" if !ctrl && !ev.alt_key() => {
            ev.prevent_default();
            browser::focus_later("[data-testid=\"find\"]");
        }
        "Delete" | "Backspace" if app.sel.get_untracked().is_some() => {
            ev.prevent_default();
            app.delete_selected();
        }
        "Escape" => {
            if app.help.get_untracked() {
                app.help.set(false);
            } else if app.mode.get_untracked() != Mode::Normal {
                app.mode.set(Mode::Normal);
            } else if app.dialog.get_untracked().is_some() {
                app.dialog.set(None);
            } else {
                app.set_sel(None);
                app.highlight.set(None);
            }
        }
        _ => {}
    }
}

#[component]
fn Header() -> impl IntoView {
    let app = expect_context::<App>();
    let file_input = NodeRef::<html::Input>::new();
    let name = move || app.derived.with(|d| d.topology.as_ref().map(|t| t.name.clone()).unwrap_or_default());
    let can_undo = move || app.history.with(|h| h.can_undo());
    let can_redo = move || app.history.with(|h| h.can_redo());

    let open_file = move |_| {
        if let Some(input) = file_input.get_untracked() {
            input.set_value("");
            input.click();
        }
    };
    let file_chosen = move |_| {
        let Some(input) = file_input.get_untracked() else { return };
        leptos::task::spawn_local(async move {
            match browser::read_chosen_file(&input).await {
                Some((file, text)) => {
                    app.load(text);
                    app.say(format!("Opened {file}. Ctrl+Z brings back what you had."));
                }
                None => app.say_error("The file could not be read."),
            }
        });
    };
    let save_file = move |_| {
        let text = app.text.get_untracked();
        let stem = browser::file_stem(&name());
        if let Err(e) = browser::download(&format!("{stem}.yaml"), "application/yaml", text.as_bytes()) {
            app.say_error(e);
        }
    };
    let new_design = move |_| {
        app.load(edit::NEW_DESIGN.to_string());
        // Where a new design starts: its settings.
        app.select(Some(crate::sel::Sel::Cluster));
        app.say("A new design. Ctrl+Z brings back what you had.");
    };
    let example_chosen = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        if let Some((n, text)) = EXAMPLES.iter().find(|(n, _)| *n == v) {
            app.load(text.to_string());
            app.say(format!("Opened the example {n}. Ctrl+Z brings back what you had."));
        }
        if let Some(sel) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok()) {
            sel.set_value("");
        }
    };
    let share = move |_| share(app);
    let export = move |_| export(app);

    view! {
        <header class="header">
            <div class="brand" title="meshplan: plan the pod network of a K3s cluster across sites">
                <svg class="logo" viewBox="0 0 24 24" aria-hidden="true">
                    <circle cx="5" cy="6" r="2.6" /><circle cx="19" cy="6" r="2.6" /><circle cx="12" cy="18" r="2.6" />
                    <path d="M5 6 L19 6 L12 18 Z" />
                </svg>
                <span class="brand-name">"meshplan"</span>
            </div>
            <div class="design-name" title="The plan's name (edit it in Cluster settings)">{name}</div>
            <nav class="file-actions" aria-label="File">
                <button data-testid="new" on:click=new_design title="Start an empty design">"New"</button>
                <button on:click=open_file title="Open a topology .yaml file">"Open…"</button>
                <input node_ref=file_input type="file" accept=".yaml,.yml,application/yaml,text/yaml" hidden=true
                    data-testid="open-file" on:change=file_chosen />
                <button on:click=save_file title="Save the topology as a .yaml file">"Save"</button>
                <select class="examples" aria-label="Examples" data-testid="examples" on:change=example_chosen>
                    <option value="" selected=true>"Examples…"</option>
                    {EXAMPLES.iter().map(|(n, _)| view! { <option value=*n>{*n}</option> }).collect_view()}
                </select>
            </nav>
            <nav class="history-actions" aria-label="History">
                <button data-testid="undo" disabled=move || !can_undo() on:click=move |_| app.undo() title="Undo (Ctrl+Z)">"Undo"</button>
                <button data-testid="redo" disabled=move || !can_redo() on:click=move |_| app.redo() title="Redo (Ctrl+Shift+Z)">"Redo"</button>
            </nav>
            <button class="help-button" data-testid="help-open" aria-label="Help" title="Help: concepts, legend, keys (?)"
                on:click=move |_| app.help.set(true)>"?"</button>
            <nav class="out-actions" aria-label="Share and export">
                <button data-testid="share" on:click=share title="Copy a link that carries the whole design">"Share link"</button>
                <button class="primary" data-testid="export" on:click=export title="Download the deploy bundle (.zip)">"Export bundle"</button>
            </nav>
        </header>
    }
}

fn share(app: App) {
    let Some(t) = app.editable() else {
        app.say_error("The YAML has an error: fix it before sharing.");
        return;
    };
    let made = app.text.with_untracked(|text| core_api::share_link_of(text, &t));
    browser::replace_hash(Some(&made.fragment));
    let link = browser::address_with(&made.fragment);
    let chars = link.len();
    let comments = made.comments.sentence().map(|s| format!(" {}.", capitalised(&s))).unwrap_or_default();
    leptos::task::spawn_local(async move {
        if browser::copy(&link).await {
            app.say(format!("Link copied ({chars} characters); it is in the address bar too.{comments}"));
        } else {
            app.say(format!("The link is in the address bar (the browser did not allow copying it).{comments}"));
        }
    });
}

fn capitalised(s: &str) -> String {
    let mut chars = s.chars();
    chars.next().map(|c| c.to_uppercase().chain(chars).collect()).unwrap_or_default()
}

fn export(app: App) {
    // The export is of the checked text: while the worker checks it, wait.
    app.when_checked(move || export_checked(app));
}

fn export_checked(app: App) {
    let d = app.derived.get_untracked();
    let Some(t) = d.editable() else {
        app.say_error("The YAML has an error: fix it before exporting.");
        return;
    };
    let errors: Vec<_> = d.diagnostics.iter().filter(|x| x.is_error()).cloned().collect();
    if !errors.is_empty() {
        refuse(app, errors);
        return;
    }
    let file = format!("{}.zip", browser::file_stem(&t.name));
    app.say("Writing the bundle…");
    // The renderers live in the export worker, loaded on the first export.
    crate::export_worker::export(app.text.get_untracked(), move |result| match result {
        Ok(bytes) => match browser::download(&file, "application/zip", &bytes) {
            Ok(()) => app.say(format!("Exported {file} ({} KB).", bytes.len().div_ceil(1024))),
            Err(e) => app.say_error(e),
        },
        Err(why) => app.say_error(format!("Export failed: {}. Your design is unchanged.", why.trim_end_matches('.'))),
    });
}

fn refuse(app: App, errors: Vec<meshplan_core::Diagnostic>) {
    browser::focus_later("[data-testid=\"dialog-close\"]");
    let n = errors.len();
    app.dialog.set(Some(Dialog {
        title: "Export refused".into(),
        intro: format!(
            "The design has {n} error{}. Fix {} and export again; click one to see where it is.",
            if n == 1 { "" } else { "s" },
            if n == 1 { "it" } else { "them" }
        ),
        diagnostics: errors,
    }));
}

#[component]
fn Toolbar() -> impl IntoView {
    let app = expect_context::<App>();
    let add = move |what: &'static str| {
        move |_| {
            app.mode.set(Mode::Normal);
            let sel = app.sel.get_untracked();
            app.edit(|t| {
                Ok(Some(match what {
                    "site" => edit::add_site(t),
                    "node" => edit::add_node(t, sel.as_ref()),
                    "router" => edit::add_router(t, sel.as_ref()),
                    _ => edit::add_host(t, sel.as_ref()),
                }))
            });
            app.focus_name();
        }
    };
    let add_link = move |_| {
        if matches!(app.mode.get_untracked(), Mode::Link(_)) {
            app.mode.set(Mode::Normal);
        } else {
            app.mode.set(Mode::Link(None));
        }
    };
    let linking = move || app.mode.with(|m| matches!(m, Mode::Link(_)));
    let whatif = move || app.mode.with(|m| *m == Mode::WhatIf);
    let relayout = move |_| {
        if let Some(t) = app.derived.get_untracked().topology {
            app.begin_layout_change();
            app.layout.set(crate::layout::auto(&t));
        }
    };
    let has_plan = move || app.derived.with(|d| d.plan.is_some());
    let counts = move || {
        app.derived.with(|d| {
            let (e, w) = (d.errors(), d.warnings());
            (e, w)
        })
    };
    view! {
        <div class="toolbar" role="toolbar" aria-label="Drawing tools">
            <div class="group">
                <span class="group-label">"Add"</span>
                <button data-testid="add-site" on:click=add("site") title="Add a site">"Site"</button>
                <button data-testid="add-node" on:click=add("node") title="Add a node to the selected site">"Node"</button>
                <button data-testid="add-router" on:click=add("router") title="Add a router to the selected site">"Router"</button>
                <button data-testid="add-host" on:click=add("host") title="Add a host to the selected site">"Host"</button>
                <button data-testid="add-link" class:active=linking aria-pressed=move || linking().to_string()
                    on:click=add_link title="Add a link: then click its two ends">"Link"</button>
            </div>
            <div class="group">
                <button data-testid="delete-selected" on:click=move |_| app.delete_selected()
                    disabled=move || app.sel.with(|s| s.is_none()) title="Delete the selection (Del)">"Delete"</button>
                <button on:click=relayout title="Lay the drawing out again"><span class="long">"Auto-layout"</span><span class="short">"Layout"</span></button>
                <button data-testid="cluster-settings" on:click=move |_| app.select(Some(crate::sel::Sel::Cluster))
                    title="Cluster settings: name, CNI, ranges, AS, MTU, versions, mirrors">"Cluster…"</button>
                <label class="toggle" title=move || if has_plan() { "Show the BGP sessions of the plan" } else { "Needs the core's plan" }>
                    <input type="checkbox" data-testid="bgp-toggle" disabled=move || !has_plan()
                        prop:checked=move || app.show_bgp.get()
                        on:change=move |ev| app.show_bgp.set(event_target_checked(&ev)) />
                    "BGP"<span class="long">" sessions"</span>
                </label>
                <button data-testid="whatif-toggle" class:active=whatif aria-pressed=move || whatif().to_string()
                    on:click=move |_| crate::whatif::toggle_mode(app)
                    title="What if it breaks: click a router, host, link or site to fail it, one at a time (W)">"What if…"</button>
                <crate::find::FindBox />
            </div>
            <div class="status" role="status" class:checking=move || app.derived.with(|d| d.checking)
                data-checking=move || app.derived.with(|d| d.checking.to_string())>
                <span class="timing" data-testid="timing"
                    data-analyze-ms=move || app.derived.with(|d| format!("{:.2}", d.analyze_ms))
                    data-plan-ms=move || app.derived.with(|d| format!("{:.2}", d.plan_ms))
                    title="Time the core took for the last change: reading the text, then checking and planning">
                    {move || app.derived.with(|d| format!("{:.0} ms", d.analyze_ms + d.plan_ms))}
                </span>
                <PodMtu />
                <span class="count err" class:zero=move || counts().0 == 0 data-testid="error-count">
                    {move || format!("{} error{}", counts().0, if counts().0 == 1 { "" } else { "s" })}
                </span>
                <span class="count warn" class:zero=move || counts().1 == 0>
                    {move || format!("{} warning{}", counts().1, if counts().1 == 1 { "" } else { "s" })}
                </span>
            </div>
        </div>
    }
}

#[component]
fn SidePanel() -> impl IntoView {
    let app = expect_context::<App>();
    let tab_button = move |tab: Tab, label: &'static str, id: &'static str| {
        view! {
            <button role="tab" id=format!("tab-{id}") data-testid=format!("tab-{id}")
                aria-selected=move || (app.tab.get() == tab).to_string()
                class:active=move || app.tab.get() == tab
                on:click=move |_| app.tab.set(tab)>{label}</button>
        }
    };
    let badge = move || {
        let e = app.derived.with(|d| d.errors());
        (e > 0).then(|| view! { <span class="tab-badge">{e}</span> })
    };
    view! {
        <aside class="side">
            <div class="tabs" role="tablist">
                {tab_button(Tab::Plan, "Plan", "plan")}
                {badge}
                {tab_button(Tab::Inspect, "Selection", "inspect")}
                {tab_button(Tab::Yaml, "YAML", "yaml")}
            </div>
            <div class="tab-body" role="tabpanel">
                {move || match app.tab.get() {
                    Tab::Plan => view! { <Notebook /> }.into_any(),
                    Tab::Inspect => view! { <Inspector /> }.into_any(),
                    Tab::Yaml => view! { <YamlTab /> }.into_any(),
                }}
            </div>
        </aside>
    }
}

#[component]
fn Messages() -> impl IntoView {
    let app = expect_context::<App>();
    move || {
        app.toast.get().map(|t| {
            view! {
                <div class="toast" class:error=t.error data-testid="message" role=if t.error { "alert" } else { "status" }>
                    <span>{t.text}</span>
                    <button class="close" aria-label="Dismiss" on:click=move |_| app.toast.set(None)>"×"</button>
                </div>
            }
        })
    }
}

#[component]
fn DialogView() -> impl IntoView {
    let app = expect_context::<App>();
    move || {
        app.dialog.get().map(|d| {
            view! {
                <div class="backdrop" on:click=move |_| app.dialog.set(None)>
                    <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="dialog-title" data-testid="dialog"
                        on:click=|ev| ev.stop_propagation()>
                        <h2 id="dialog-title">{d.title}</h2>
                        <p>{d.intro}</p>
                        <div on:click=move |_| app.dialog.set(None)>
                            <DiagList diagnostics=d.diagnostics />
                        </div>
                        <div class="dialog-actions">
                            <button class="primary" data-testid="dialog-close" on:click=move |_| app.dialog.set(None)>"Close"</button>
                        </div>
                    </div>
                </div>
            }
        })
    }
}
