//! The page's side of the export worker (`src/bin/export_worker.rs`): started
//! on the first export, then kept for the next ones. One export at a time.

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

type Done = Box<dyn FnOnce(Result<Vec<u8>, String>)>;

struct Slot {
    worker: web_sys::Worker,
    ready: bool,
    /// The text to send once the worker says it listens, and who waits for it.
    waiting: Option<(String, Done)>,
    /// Who waits for the answer to the text sent.
    busy: Option<Done>,
    // Kept alive as long as the worker.
    _on_message: Closure<dyn Fn(web_sys::MessageEvent)>,
    _on_error: Closure<dyn Fn(web_sys::ErrorEvent)>,
}

thread_local! {
    static SLOT: RefCell<Option<Slot>> = const { RefCell::new(None) };
}

/// Writes the bundle of the topology in `text` in the worker; `done` gets the
/// zip or why there is none.
pub fn export(text: String, done: impl FnOnce(Result<Vec<u8>, String>) + 'static) {
    let done: Done = Box::new(done);
    let refused = SLOT.with_borrow_mut(|slot| {
        if slot.as_ref().is_some_and(|s| s.waiting.is_some() || s.busy.is_some()) {
            return Some((done, "an export is already under way".to_string()));
        }
        if slot.is_none() {
            match spawn() {
                Ok(s) => *slot = Some(s),
                Err(e) => return Some((done, e)),
            }
        }
        let Some(s) = slot.as_mut() else {
            return Some((done, "the export worker could not be started".to_string()));
        };
        if s.ready {
            if let Err(e) = s.worker.post_message(&JsValue::from_str(&text)) {
                return Some((done, format!("the export worker refused the design: {e:?}")));
            }
            s.busy = Some(done);
        } else {
            s.waiting = Some((text, done));
        }
        None
    });
    if let Some((done, why)) = refused {
        done(Err(why));
    }
}

fn spawn() -> Result<Slot, String> {
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
    let on_message = Closure::<dyn Fn(web_sys::MessageEvent)>::new(|m: web_sys::MessageEvent| on_message(m.data()));
    let on_error = Closure::<dyn Fn(web_sys::ErrorEvent)>::new(|e: web_sys::ErrorEvent| {
        let loaded = SLOT.with_borrow(|s| s.as_ref().is_some_and(|s| s.ready));
        let what = if loaded { "the export worker stopped" } else { "the export module could not be loaded" };
        fail_all(format!("{what} ({})", e.message().trim_end_matches('.')));
    });
    worker.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    worker.set_onerror(Some(on_error.as_ref().unchecked_ref()));
    Ok(Slot { worker, ready: false, waiting: None, busy: None, _on_message: on_message, _on_error: on_error })
}

fn on_message(data: JsValue) {
    let msg = js_sys::Array::from(&data);
    let kind = msg.get(0).as_string().unwrap_or_default();
    match kind.as_str() {
        "ready" => {
            let failed = SLOT.with_borrow_mut(|slot| {
                let s = slot.as_mut()?;
                s.ready = true;
                let (text, done) = s.waiting.take()?;
                match s.worker.post_message(&JsValue::from_str(&text)) {
                    Ok(()) => {
                        s.busy = Some(done);
                        None
                    }
                    Err(e) => Some((done, format!("the export worker refused the design: {e:?}"))),
                }
            });
            if let Some((done, why)) = failed {
                done(Err(why));
            }
        }
        "zip" => {
            let bytes = js_sys::Uint8Array::new(&msg.get(1)).to_vec();
            if let Some(done) = SLOT.with_borrow_mut(|slot| slot.as_mut().and_then(|s| s.busy.take())) {
                done(Ok(bytes));
            }
        }
        _ => {
            let why =
                msg.get(1).as_string().unwrap_or_else(|| format!("unexpected answer from the export worker: {kind}"));
            // A worker that never became ready is dropped, so the next export starts afresh.
            let busy = SLOT.with_borrow_mut(|slot| slot.as_mut().and_then(|s| s.busy.take()));
            match busy {
                Some(done) => done(Err(why)),
                None => fail_all(why),
            }
        }
    }
}

/// The worker is gone (failed to load or crashed): everyone waiting hears why,
/// and the next export starts a new one.
fn fail_all(why: String) {
    let slot = SLOT.with_borrow_mut(|slot| slot.take());
    if let Some(Slot { worker, waiting, busy, _on_message, _on_error, .. }) = slot {
        worker.terminate();
        // This may run inside one of these closures: dropping it there would
        // break wasm-bindgen, and a dead worker's two closures are small.
        std::mem::forget(_on_message);
        std::mem::forget(_on_error);
        for done in [waiting.map(|(_, d)| d), busy].into_iter().flatten() {
            done(Err(why.clone()));
        }
    }
}
