//! Diagnostics as people read them (rustc style) or as JSON.

use meshplan_core::{Diagnostic, Severity};

pub fn diagnostics_text(diags: &[Diagnostic], src: Option<&str>, file: &str) -> String {
    let mut out = String::new();
    // The lines once, not a walk from the top per finding.
    let lines: Option<Vec<&str>> = src.map(|s| s.lines().collect());
    for d in diags {
        out.push_str(&format!("{}[{}]: {}\n", d.severity.as_str(), d.code, d.message));
        let place = match d.span {
            Some(s) => format!("{file}:{}:{}", s.line, s.column),
            None => file.to_string(),
        };
        if d.path.is_empty() {
            out.push_str(&format!("  --> {place}\n"));
        } else {
            out.push_str(&format!("  --> {place} ({})\n", d.path));
        }
        if let (Some(span), Some(lines)) = (d.span, &lines) {
            out.push_str(&snippet(lines, span.line, span.column));
        }
        if let Some(h) = &d.hint {
            out.push_str(&format!("  = hint: {h}\n"));
        }
        out.push('\n');
    }
    let count = |s| diags.iter().filter(|d| d.severity == s).count();
    out.push_str(&format!(
        "{}: {} error(s), {} warning(s), {} note(s)\n",
        file,
        count(Severity::Error),
        count(Severity::Warning),
        count(Severity::Info)
    ));
    out
}

pub fn diagnostics_json(diags: &[Diagnostic]) -> String {
    serde_json::to_string_pretty(diags).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// The source line with a caret under the column; past the last line (an error at
/// the end of the file) it says so.
fn snippet(lines: &[&str], line: usize, column: usize) -> String {
    let num = line.to_string();
    let pad = " ".repeat(num.len());
    match lines.get(line.saturating_sub(1)) {
        Some(text) => {
            let caret_at: String =
                text.chars().take(column.saturating_sub(1)).map(|c| if c == '\t' { '\t' } else { ' ' }).collect();
            format!("{pad} |\n{num} | {text}\n{pad} | {caret_at}^\n")
        }
        None => format!("{pad} |\n{num} | (end of file)\n{pad} | ^\n"),
    }
}
