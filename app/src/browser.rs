//! The few browser services the app uses: localStorage, the address bar, the
//! clipboard, downloads, reading a chosen file, the clock. No network.

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};

use crate::history::{Doc, History};

const DOC_KEY: &str = "meshplan.doc.v1";
const HISTORY_KEY: &str = "meshplan.history.v1";

pub fn load_doc() -> Option<Doc> {
    load(DOC_KEY)
}

pub fn load_history() -> History {
    load(HISTORY_KEY).unwrap_or_default()
}

pub fn save_doc(doc: &Doc) -> bool {
    save(DOC_KEY, doc)
}

/// Characters of history the autosave writes at most: browsers give an origin
/// about 5 MB of localStorage, and the current design is saved beside it.
const HISTORY_CHARS: usize = 3_000_000;

/// Saves the history; the oldest steps go first when it is larger than the
/// browser would keep. Returns how many undo steps were saved.
pub fn save_history(h: &History) -> usize {
    // Start at what can fit, rather than encode and be refused many megabytes
    // on every edit of a large design.
    let mut keep = h.steps_within(HISTORY_CHARS);
    loop {
        if save(HISTORY_KEY, &h.keep_last(keep)) {
            return keep;
        }
        if keep == 0 {
            if let Some(s) = storage() {
                let _ = s.remove_item(HISTORY_KEY);
            }
            return 0;
        }
        keep /= 2;
    }
}

fn storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    crate::history::decode(&storage()?.get_item(key).ok().flatten()?)
}

fn save<T: Serialize>(key: &str, value: &T) -> bool {
    let Some(text) = crate::history::encode(value) else { return false };
    storage().is_some_and(|s| s.set_item(key, &text).is_ok())
}

/// Milliseconds since the epoch (history joins keystrokes by it).
pub fn now() -> f64 {
    js_sys::Date::now()
}

/// Runs `f` on the first element `selector` matches once the page has drawn
/// what the current change shows (a new panel, a dialog, a notebook section):
/// after the reactive updates of this change have redrawn, which run after the
/// event, not in the same turn.
fn after_redraw(selector: &str, f: impl FnOnce(web_sys::Element) + 'static) {
    let selector = selector.to_string();
    leptos::prelude::set_timeout(
        move || {
            let el =
                web_sys::window().and_then(|w| w.document()).and_then(|d| d.query_selector(&selector).ok().flatten());
            if let Some(el) = el {
                f(el);
            }
        },
        std::time::Duration::from_millis(30),
    );
}

/// Focuses the first element `selector` matches once the page has drawn it.
pub fn focus_later(selector: &str) {
    after_redraw(selector, |el| {
        // Drawing elements are SVG elements, fields HTML ones: both take the focus.
        if let Some(h) = el.dyn_ref::<web_sys::HtmlElement>() {
            let _ = h.focus();
        } else if let Some(s) = el.dyn_ref::<web_sys::SvgElement>() {
            let _ = s.focus();
        }
    });
}

/// Scrolls the first element `selector` matches into view once the page has
/// drawn it (What-if's section at the top of the notebook).
pub fn show_later(selector: &str) {
    after_redraw(selector, |el| el.scroll_into_view());
}

/// A fine clock for timing the analysis.
pub fn perf_now() -> f64 {
    web_sys::window().and_then(|w| w.performance()).map(|p| p.now()).unwrap_or_else(now)
}

pub fn location_hash() -> String {
    web_sys::window().and_then(|w| w.location().hash().ok()).unwrap_or_default()
}

/// Sets (or with `None` clears) the address's fragment without reloading or
/// adding a browser history entry.
pub fn replace_hash(fragment: Option<&str>) {
    let Some(w) = web_sys::window() else { return };
    let loc = w.location();
    let base = format!("{}{}", loc.pathname().unwrap_or_default(), loc.search().unwrap_or_default());
    let url = match fragment {
        Some(f) => format!("{base}#{f}"),
        None => base,
    };
    if let Ok(h) = w.history() {
        let _ = h.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// The page's address with `fragment`.
pub fn address_with(fragment: &str) -> String {
    let Some(w) = web_sys::window() else { return format!("#{fragment}") };
    let loc = w.location();
    format!(
        "{}{}{}#{fragment}",
        loc.origin().unwrap_or_default(),
        loc.pathname().unwrap_or_default(),
        loc.search().unwrap_or_default()
    )
}

/// Puts text in the clipboard; resolves to false when the browser refuses.
pub async fn copy(text: &str) -> bool {
    let Some(w) = web_sys::window() else { return false };
    let promise = w.navigator().clipboard().write_text(text);
    wasm_bindgen_futures::JsFuture::from(promise).await.is_ok()
}

/// Offers bytes as a download named `file`.
pub fn download(file: &str, mime: &str, bytes: &[u8]) -> Result<(), String> {
    let err = |e: JsValue| format!("the browser refused the download: {e:?}");
    let array = js_sys::Uint8Array::from(bytes);
    let parts = js_sys::Array::of1(&array);
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &opts).map_err(err)?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).map_err(err)?;
    let doc = web_sys::window().and_then(|w| w.document()).ok_or("no document")?;
    let a: web_sys::HtmlAnchorElement = doc.create_element("a").map_err(err)?.unchecked_into();
    a.set_href(&url);
    a.set_download(file);
    a.set_attribute("hidden", "").map_err(err)?;
    let body = doc.body().ok_or("no body")?;
    body.append_child(&a).map_err(err)?;
    a.click();
    let _ = body.remove_child(&a);
    // Let the download start before the address is released.
    let url2 = url.clone();
    leptos::prelude::set_timeout(
        move || {
            let _ = web_sys::Url::revoke_object_url(&url2);
        },
        std::time::Duration::from_secs(30),
    );
    Ok(())
}

/// The text of the first file chosen in a file input.
pub async fn read_chosen_file(input: &web_sys::HtmlInputElement) -> Option<(String, String)> {
    let file = input.files()?.get(0)?;
    let name = file.name();
    let text = wasm_bindgen_futures::JsFuture::from(file.text()).await.ok()?.as_string()?;
    Some((name, text))
}

/// A file name made of the characters every system accepts.
pub fn file_stem(name: &str) -> String {
    let s: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') { c } else { '-' }).collect();
    let s = s.trim_matches(|c| c == '-' || c == '.').to_string();
    if s.is_empty() {
        "meshplan".to_string()
    } else {
        s
    }
}

/// What carrying the last analysis from the worker cost: its encoding there,
/// its decoding here (ms) and its size, on the page's root element
/// (`data-transfer-*`), where the end-to-end run reads it.
pub fn note_transfer(encode_ms: f64, decode_ms: f64, bytes: usize) {
    let Some(root) = web_sys::window().and_then(|w| w.document()).and_then(|d| d.document_element()) else { return };
    let _ = root.set_attribute("data-transfer-encode-ms", &format!("{encode_ms:.1}"));
    let _ = root.set_attribute("data-transfer-decode-ms", &format!("{decode_ms:.1}"));
    let _ = root.set_attribute("data-transfer-bytes", &bytes.to_string());
}
