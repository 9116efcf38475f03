//! The topology as text: edits re-parse at once and the drawing follows; the
//! drawing's edits rewrite the text. Errors of the text point at line and column.

use leptos::html;
use leptos::prelude::*;
use meshplan_core::Severity;

use crate::state::App;

/// The character offset of (line, column), both 1-based, in `text`.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let mut offset = 0;
    for (i, l) in text.split('\n').enumerate() {
        if i + 1 == line {
            return offset + (column.saturating_sub(1)).min(l.chars().count());
        }
        offset += l.chars().count() + 1;
    }
    text.chars().count()
}

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
            let at = offset_of(&el.value(), line, column) as u32;
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
            if d.stale {
                "The text cannot be read: the drawing keeps the last version that could.".to_string()
            } else {
                format!("Read. {} error{}.", d.errors(), if d.errors() == 1 { "" } else { "s" })
            }
        })
    };

    view! {
        <section class="yaml-tab">
            <p class="muted small">"The design as a topology file (format version 1). Edits here update the drawing as you type; edits on the drawing rewrite it, keeping your comments beside the elements they describe."</p>
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

#[cfg(test)]
mod tests {
    use super::offset_of;

    #[test]
    fn offsets_count_lines_and_columns() {
        let t = "ab\ncde\nf";
        assert_eq!(offset_of(t, 1, 1), 0);
        assert_eq!(offset_of(t, 2, 2), 4);
        assert_eq!(offset_of(t, 3, 9), 8);
        assert_eq!(offset_of(t, 9, 1), 8);
    }
}
