//! The topology as text: typing is read once it pauses (`state::QUIET_MS`) and
//! the drawing follows; the drawing's edits rewrite the text. Errors of the text point at line and column.

use leptos::html;
use leptos::prelude::*;
use meshplan_core::Severity;

use crate::state::App;

#[component]
pub fn YamlTab() -> impl IntoView {
    let app = expect_context::<App>();
    let area = NodeRef::<html::Textarea>::new();

    // The text follows the state (undo, canvas edits) without moving the caret
    // while the person types.
    Effect::new(move |_| {
        let text = app.text.get();
        if let Some(el) = area.get() {
            if el.value() != text {
                el.set_value(&text);
            }
        }
    });
    // A clicked error moves the caret to its place.
    Effect::new(move |_| {
        let Some((line, column)) = app.goto.get() else { return };
        if let Some(el) = area.get() {
            // The selection counts UTF-16 units; the column counts characters.
            let at = meshplan_core::text::utf16_offset(&el.value(), meshplan_core::Span { line, column }) as u32;
            let _ = el.focus();
            let _ = el.set_selection_range(at, at);
            // Scroll the line into view: about 19px per line.
            el.set_scroll_top(((line as i32) - 5).max(0) * 19);
        }
        app.goto.set(None);
    });

    let errors = move || {
        app.derived.with(|d| {
            d.diagnostics
                .iter()
                .filter(|x| x.severity == Severity::Error && x.span.is_some())
                .take(50)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    let status = move || {
        app.derived.with(|d| {
            if d.checking {
                "Checking…".to_string()
            } else if d.stale {
                "The text cannot be read: the drawing keeps the last version that could.".to_string()
            } else {
                format!("Read. {} error{}.", d.errors(), if d.errors() == 1 { "" } else { "s" })
            }
        })
    };

    view! {
        <section class="yaml-tab">
            <p class="muted small">"The design as a topology file (format version 1). Edits here update the drawing when you pause; edits on the drawing rewrite it, keeping your comments beside the elements they describe."</p>
            <textarea
                node_ref=area
                class="yaml"
                data-testid="yaml"
                spellcheck="false"
                autocomplete="off"
                wrap="off"
                aria-label="Topology YAML"
                prop:value=move || app.text.get_untracked()
                on:input=move |ev| app.type_text(event_target_value(&ev))
            ></textarea>
            <p class="muted small" role="status" class:bad=move || app.derived.with(|d| d.stale)>{status}</p>
            <ul class="yaml-errors">
                {move || errors().into_iter().map(|d| {
                    let s = d.span.unwrap_or(meshplan_core::Span { line: 1, column: 1 });
                    let (line, column) = (s.line, s.column);
                    view! {
                        <li class="diag sev-error" data-code=d.code.as_str() data-severity="error" tabindex="0" role="button"
                            on:click=move |_| app.goto.set(Some((line, column)))
                            on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Enter" { app.goto.set(Some((line, column))) }>
                            <span class="where">{format!("line {line}, column {column}")}</span>
                            " "<span class="code">{d.code.as_str()}</span>" "
                            <span class="msg">{d.message.clone()}</span>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
}
