//! What-if mode, the page's side: one element down at a time (the core models
//! single failures), and the notebook's table of every single failure, computed
//! on request. The analysis runs in the worker (`failure_report`), so the
//! page's module carries none of it and the page never waits seconds for the
//! table. A view of the plan: the topology text and the undo history are never
//! touched; another text (`App::set_text`) or leaving the mode ends the failure.

use std::sync::Arc;

use js_sys::Array;
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::browser;
use crate::export_worker;
use crate::sel::Sel;
use crate::state::{App, Failed, Mode, Tab};

/// Enters What-if mode with nothing failed yet.
fn enter(app: App) {
    if app.mode.get_untracked() != Mode::WhatIf {
        app.failed.set(None);
        app.mode.set(Mode::WhatIf);
    }
}

/// The toolbar's button and `W`: enter What-if mode, or leave it.
pub fn toggle_mode(app: App) {
    if app.mode.get_untracked() == Mode::WhatIf {
        app.mode.set(Mode::Normal);
    } else {
        enter(app);
    }
}

/// The failure shown: only in What-if mode (tracked).
pub fn shown(app: App) -> Option<Arc<Failed>> {
    app.mode.with(|m| *m == Mode::WhatIf).then(|| app.failed.get()).flatten()
}

/// The current text, when the core could plan it.
fn plannable(app: App) -> Option<String> {
    let ok = app.derived.with_untracked(|d| !d.stale && d.plan.is_some());
    if !ok {
        app.say_error("What-if needs the plan: fix the YAML first.");
    }
    ok.then(|| app.text.get_untracked())
}

/// Asks the worker; `then` gets the answer while the text is still `text`,
/// else `None` (and the person hears why, unless the text changed).
fn ask(app: App, msg: Array, text: String, then: Box<dyn FnOnce(Option<Array>)>) {
    export_worker::ask(
        msg,
        Box::new(move |r| {
            let a = match r {
                Ok(a) if app.text.with_untracked(|t| *t == text) => match a.get(0).as_string().as_deref() {
                    Some("none") => {
                        app.say_error(a.get(1).as_string().unwrap_or_default());
                        None
                    }
                    _ => Some(a),
                },
                Ok(_) => None,
                Err(why) => {
                    app.say_error(format!("What-if failed: {why}."));
                    None
                }
            };
            then(a)
        }),
    );
}

/// A click (or Enter) on an element in What-if mode: fail it, or bring it back.
pub fn click(app: App, sel: Sel) {
    if matches!(sel, Sel::Router(_) | Sel::Host(_) | Sel::Link(_) | Sel::Site(_)) {
        fail(app, sel.path());
    } else {
        app.say_error("A node does not fail alone here: fail its site, link or router.");
    }
}

/// Fails the element at `path` (`Sel::path`), or brings it back when it is the one down.
fn fail(app: App, path: String) {
    if app.failed.with_untracked(|f| f.as_ref().is_some_and(|f| f.path == path)) {
        app.failed.set(None);
        return;
    }
    let Some(text) = plannable(app) else { return };
    let msg = Array::of3(&"failure".into(), &JsValue::from_str(&text), &JsValue::from_str(&path));
    let then = move |a: Option<Array>| {
        let Some(a) = a.filter(|_| app.mode.get_untracked() == Mode::WhatIf) else { return };
        // Name pairs, one per line, the two names apart by a space (names hold neither).
        let pairs = |i: u32| -> Vec<(String, String)> {
            let text = a.get(i).as_string().unwrap_or_default();
            text.lines().filter_map(|l| l.split_once(' ')).map(|(x, y)| (x.to_string(), y.to_string())).collect()
        };
        let failed = Failed {
            path,
            html: a.get(1).as_string().unwrap_or_default(),
            lost: pairs(2),
            cut: pairs(3),
            moved: pairs(4),
        };
        app.failed.set(Some(Arc::new(failed)));
        // Setting the tab, even to itself, would build the whole notebook again.
        if app.tab.get_untracked() != Tab::Plan {
            app.tab.set(Tab::Plan);
        }
        browser::show_later("[data-testid=\"whatif\"]");
    };
    ask(app, msg, text.clone(), Box::new(then));
}

/// The element of the page an event came from, or its nearest ancestor that matches `selector`.
fn closest(ev: &web_sys::Event, selector: &str) -> Option<web_sys::Element> {
    ev.target()?.dyn_into::<web_sys::Element>().ok()?.closest(selector).ok().flatten()
}

const EMPTY: &str = "<section class=\"whatif\" data-testid=\"whatif\"><h3>What if…</h3><p>Click a router, host, link \
    or site (or Enter on it) to fail it, again to bring it back: one failure at a time.</p></section>";

/// The notebook's What-if section (in the mode: what the failed element
/// costs) and its failure table (every single failure, computed when asked;
/// each row, `data-failure` = the element's path, shows its failure). HTML
/// from the worker; one handler for its buttons and rows.
#[component]
pub fn WhatIfNotebook() -> impl IntoView {
    let app = expect_context::<App>();
    // The button says it works until the table replaces it (or an error is said).
    let compute = move |button: web_sys::Element| {
        let Some(text) = plannable(app) else { return };
        button.set_text_content(Some("Computing… (away from the page)"));
        let _ = button.set_attribute("disabled", "");
        let msg = Array::of2(&"failures".into(), &JsValue::from_str(&text));
        let then = move |a: Option<Array>| match a {
            Some(a) => app.failure_table.set(a.get(1).as_string().unwrap_or_default()),
            None => {
                button.set_text_content(Some("Compute every single failure"));
                let _ = button.remove_attribute("disabled");
            }
        };
        ask(app, msg, text.clone(), Box::new(then));
    };
    let act = move |ev: &web_sys::Event| {
        if let Some(button) = closest(ev, "[data-testid=\"compute-failures\"]") {
            compute(button);
        } else if closest(ev, "[data-testid=\"whatif-restore\"]").is_some() {
            app.failed.set(None);
        } else if let Some(path) = closest(ev, "[data-failure]").and_then(|r| r.get_attribute("data-failure")) {
            enter(app);
            if app.failed.with_untracked(|f| f.as_ref().is_none_or(|f| f.path != path)) {
                fail(app, path);
            }
        }
    };
    let on_key = move |ev: web_sys::KeyboardEvent| {
        if (ev.key() == "Enter" || ev.key() == " ") && closest(&ev, "[data-failure]").is_some() {
            ev.prevent_default();
            act(&ev);
        }
    };
    let failure = move || match app.mode.with(|m| *m == Mode::WhatIf) {
        true => app.failed.with(|f| f.as_ref().map_or(EMPTY.to_string(), |f| f.html.clone())),
        false => String::new(),
    };
    // Apart from the failure shown, so that toggling one keeps the table (and the focus on its row).
    let table = move || {
        let t = app.failure_table.get();
        let body = if t.is_empty() {
            "<p class=\"muted small\">Each router, host, link and site network down in turn: what it cuts. Planned \
             on request, away from the page (seconds for a large design).</p><button class=\"small\" \
             data-testid=\"compute-failures\">Compute every single failure</button>"
        } else {
            &t
        };
        format!("<section data-testid=\"failure-table\"><h3>Single failures</h3>{body}</section>")
    };
    view! {
        <div on:click=move |ev: web_sys::MouseEvent| act(&ev) on:keydown=on_key>
            <div inner_html=failure></div>
            <div inner_html=table></div>
        </div>
    }
}
