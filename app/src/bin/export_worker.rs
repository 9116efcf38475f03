//! The export worker: the part of the app that writes the deploy bundle, built
//! as its own WebAssembly module and loaded on the first export. The renderers,
//! their templates and the zip writer are a quarter of the app's code and most
//! people draw and read before they export, so the page loads without them.
//! What-if's failure analysis runs here too (`failure_report`): it is the
//! core's largest on-demand part, and the failure table takes seconds.
//!
//! Protocol (messages are JS arrays, answered in order): the worker says
//! `["ready"]` once it listens; `["export", text]` is answered `["zip", bytes]`
//! (the core's `bundle::export`, exactly as `meshplan export` runs it);
//! `["failure", text, path]` and `["failures", text]` as `failure_report`
//! says; anything that cannot be done `["error", message]`.
//!
//! The page starts this module a second time as its analysis worker
//! (`export_worker::Role::Analysis`): `["analyze", seq, text, all_sessions]` is answered
//! `["analysis", seq, json, sessions, parse_ms, plan_ms, encode_ms]`, the
//! diagnostics and the plan as the page shows them (`analysis`: parse, checks
//! and plan, exactly as `meshplan plan` runs them; `seq` is the page's number
//! for the text, so it can drop an answer for an older one; every BGP session
//! only when `all_sessions` is true, while the page shows them); `["routes",
//! text, devices]` (device names one per line) `["routes", json]`, their route
//! tables from the last plan.

#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    console_error_panic_hook::set_once();
    // The worker's clock in milliseconds (`performance.now()`, finer than `Date`).
    fn now() -> f64 {
        js_sys::Reflect::get(&js_sys::global(), &"performance".into())
            .ok()
            .and_then(|p| p.dyn_into::<web_sys::Performance>().ok())
            .map_or_else(js_sys::Date::now, |p| p.now())
    }
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |m: web_sys::MessageEvent| {
        let msg = js_sys::Array::from(&m.data());
        let arg = |i: u32| msg.get(i).as_string();
        let reply = match (arg(0).as_deref(), arg(1)) {
            (Some("analyze"), _) => {
                let text = arg(2).unwrap_or_default();
                let e = meshplan_app::analysis::analyse(&text, msg.get(3).as_bool().unwrap_or(false), now);
                let out = js_sys::Array::of3(&"analysis".into(), &msg.get(1), &e.json.into());
                for v in [JsValue::from_str(&e.sessions), e.parse_ms.into(), e.plan_ms.into(), e.encode_ms.into()] {
                    out.push(&v);
                }
                out
            }
            (Some("routes"), Some(text)) => {
                let devices: Vec<String> = arg(2).unwrap_or_default().lines().map(str::to_string).collect();
                js_sys::Array::of2(&"routes".into(), &meshplan_app::analysis::routes(&text, &devices).into())
            }
            (Some("export"), Some(text)) => match meshplan_app::core_api::export_text(&text) {
                Ok(bytes) => js_sys::Array::of2(&"zip".into(), &js_sys::Uint8Array::from(bytes.as_slice())),
                Err(why) => js_sys::Array::of2(&"error".into(), &why.into()),
            },
            (Some("failure"), Some(text)) => meshplan_app::failure_report::one(&text, &arg(2).unwrap_or_default()),
            (Some("failures"), Some(text)) => meshplan_app::failure_report::all(&text),
            _ => js_sys::Array::of2(&"error".into(), &"the export worker did not understand the request".into()),
        };
        let _ = reply_to.post_message(&reply);
    });
    scope.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    on_message.forget();
    // Messages sent before the module loaded are dropped by the browser; the
    // page waits for this before it sends one.
    let _ = scope.post_message(&js_sys::Array::of1(&"ready".into()));
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("meshplan-export runs as a Web Worker in the browser (built by Trunk from index.html)");
    std::process::exit(2);
}
