//! The page's side of the export worker (`src/bin/export_worker.rs`): started
//! on the first export (or What-if request), then kept for the next ones.
//! Requests queue; the worker answers them in order. The same module runs a
//! second time as the analysis worker ([`Role::Analysis`], started with the
//! page), so that checking the text never waits behind an export or a
//! failure table, nor they behind it.

use std::cell::RefCell;

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The worker's files: Trunk writes them for `data-bin="meshplan-export"` in
/// index.html, and `app/build/hash-worker.mjs` renames them with a content hash
/// and names them in this page's `<meta name="meshplan-export-worker">`.
fn worker_files() -> Result<(String, String), String> {
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let meta = doc
        .query_selector(r#"meta[name="meshplan-export-worker"]"#)
        .ok()
        .flatten()
        .ok_or("this build of the page does not name its export worker")?;
    match (meta.get_attribute("data-script"), meta.get_attribute("data-module")) {
        (Some(s), Some(m)) => Ok((s, m)),
        _ => Err("this build of the page names its export worker incompletely".into()),
    }
}

/// Who waits for an answer: the worker's reply (a JS array), or why there is none.
pub type Done = Box<dyn FnOnce(Result<js_sys::Array, String>)>;

struct Slot {
    worker: web_sys::Worker,
    ready: bool,
    /// Requests to send once the worker says it listens, and who waits for each.
    waiting: Vec<(js_sys::Array, Done)>,
    /// Who waits for each request sent, in order: the worker answers in order.
    busy: Vec<Done>,
    // Kept alive as long as the worker.
    _on_message: Closure<dyn Fn(web_sys::MessageEvent)>,
    _on_error: Closure<dyn Fn(web_sys::ErrorEvent)>,
}

/// Which of the two workers a request is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Export and What-if.
    Export,
    /// The checks and plan of the page's text (`analysis`).
    Analysis,
}

thread_local! {
    static SLOTS: [RefCell<Option<Slot>>; 2] = const { [RefCell::new(None), RefCell::new(None)] };
}

fn with_slot<R>(role: Role, f: impl FnOnce(&mut Option<Slot>) -> R) -> R {
    SLOTS.with(|s| f(&mut s[role as usize].borrow_mut()))
}

/// Writes the bundle of the topology in `text` in the worker; `done` gets the
/// zip or why there is none.
pub fn export(text: String, done: impl FnOnce(Result<Vec<u8>, String>) + 'static) {
    let msg = js_sys::Array::of2(&"export".into(), &JsValue::from_str(&text));
    ask(msg, Box::new(move |r| done(r.map(|a| js_sys::Uint8Array::new(&a.get(1)).to_vec()))));
}

/// Sends `msg` to the export worker (started on the first request); `done` gets its answer.
pub fn ask(msg: js_sys::Array, done: Done) {
    ask_as(Role::Export, msg, done)
}

/// Sends `msg` to the worker of `role` (started on its first request).
pub fn ask_as(role: Role, msg: js_sys::Array, done: Done) {
    let refused = with_slot(role, |slot| {
        if slot.is_none() {
            match spawn(role) {
                Ok(s) => *slot = Some(s),
                Err(e) => return Some((done, e)),
            }
        }
        let Some(s) = slot.as_mut() else {
            return Some((done, "the export worker could not be started".to_string()));
        };
        if s.ready {
            if let Err(e) = s.worker.post_message(&msg) {
                return Some((done, format!("the export worker refused the design: {e:?}")));
            }
            s.busy.push(done);
        } else {
            s.waiting.push((msg, done));
        }
        None
    });
    if let Some((done, why)) = refused {
        done(Err(why));
    }
}

fn spawn(role: Role) -> Result<Slot, String> {
    let w = web_sys::window().ok_or("no window")?;
    let here = w.location().href().map_err(|e| format!("{e:?}"))?;
    let url = |file: &str| web_sys::Url::new_with_base(file, &here).map(|u| u.href()).map_err(|e| format!("{e:?}"));
    let (script, module) = worker_files()?;
    let (script, module) = (url(&script)?, url(&module)?);
    // A worker made from a small script, so the module's address is the page's:
    // wasm-bindgen's no-modules loader is a classic script (importScripts).
    let boot = format!(
        "importScripts({script:?});\nwasm_bindgen({module:?}).catch((e) => postMessage([\"error\", \"the export module could not be loaded: \" + e]));\n"
    );
    let parts = js_sys::Array::of1(&JsValue::from_str(&boot));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("text/javascript");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts).map_err(|e| format!("{e:?}"))?;
    let boot_url = web_sys::Url::create_object_url_with_blob(&blob).map_err(|e| format!("{e:?}"))?;
    let worker = web_sys::Worker::new(&boot_url).map_err(|e| format!("the browser refused a worker: {e:?}"));
    let _ = web_sys::Url::revoke_object_url(&boot_url);
    let worker = worker?;
    let on_message =
        Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |m: web_sys::MessageEvent| on_message(role, m.data()));
    let on_error = Closure::<dyn Fn(web_sys::ErrorEvent)>::new(move |e: web_sys::ErrorEvent| {
        let loaded = with_slot(role, |s| s.as_ref().is_some_and(|s| s.ready));
        let what = if loaded { "the export worker stopped" } else { "the export module could not be loaded" };
        fail_all(role, format!("{what} ({})", e.message().trim_end_matches('.')));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Slot {
        worker,
        ready: false,
        waiting: Vec::new(),
        busy: Vec::new(),
        _on_message: on_message,
        _on_error: on_error,
    })
}

fn on_message(role: Role, data: JsValue) {
    let msg = js_sys::Array::from(&data);
    let kind = msg.get(0).as_string().unwrap_or_default();
    if kind == "ready" {
        let mut failed = Vec::new();
        with_slot(role, |slot| {
            let Some(s) = slot.as_mut() else { return };
            s.ready = true;
            for (m, done) in std::mem::take(&mut s.waiting) {
                match s.worker.post_message(&m) {
                    Ok(()) => s.busy.push(done),
                    Err(e) => failed.push((done, format!("the export worker refused the design: {e:?}"))),
                }
            }
        });
        for (done, why) in failed {
            done(Err(why));
        }
        return;
    }
    // A worker that never became ready is dropped, so the next request starts afresh.
    let Some(done) = with_slot(role, |slot| slot.as_mut().filter(|s| !s.busy.is_empty()).map(|s| s.busy.remove(0)))
    else {
        let why = msg.get(1).as_string().unwrap_or_else(|| format!("unexpected answer from the export worker: {kind}"));
        fail_all(role, why);
        return;
    };
    if kind == "error" {
        done(Err(msg.get(1).as_string().unwrap_or_else(|| "the export worker failed".to_string())));
    } else {
        done(Ok(msg));
    }
}

/// The worker is gone (failed to load or crashed): everyone waiting hears why,
/// and the next export starts a new one.
fn fail_all(role: Role, why: String) {
    let slot = with_slot(role, Option::take);
    if let Some(Slot { worker, waiting, busy, _on_message, _on_error, .. }) = slot {
        worker.terminate();
        // This may run inside one of these closures: dropping it there would
        // break wasm-bindgen, and a dead worker's two closures are small.
        std::mem::forget(_on_message);
        std::mem::forget(_on_error);
        for done in waiting.into_iter().map(|(_, d)| d).chain(busy) {
            done(Err(why.clone()));
        }
    }
}
