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

#[cfg(target_arch = "wasm32")]
fn main() {
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;

    console_error_panic_hook::set_once();
    let scope: web_sys::DedicatedWorkerGlobalScope = js_sys::global().unchecked_into();
    let reply_to = scope.clone();
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |m: web_sys::MessageEvent| {
        let msg = js_sys::Array::from(&m.data());
        let arg = |i: u32| msg.get(i).as_string();
        let reply = match (arg(0).as_deref(), arg(1)) {
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
