//! saphyr's errors in a person's words, placed where the mistake is.
//!
//! saphyr words its errors for YAML's grammar ("simple key expect ':'", "did
//! not find expected key"); the common mistakes in a hand-written topology
//! (a tab as indentation, an unclosed `[`, a line indented wrongly, a missing
//! `: `) get our own message. Anything else keeps saphyr's words.

use saphyr_parser::ScanError;

use super::place::{Pos, Text};
use super::{ReadError, MAX_DEPTH};
use crate::diag::Span;

const NESTED_MAP: &str = "a mapping cannot start on this line: a nested mapping goes on the lines below its key, \
                          indented (quote a value that holds `: `)";
const TABS: &str = "tabs are not allowed for indentation in YAML; use spaces";

/// `e` as a [`ReadError`]; `flow`: the innermost open `[` (true) or `{` and where.
pub(super) fn word(e: &ScanError, text: &Text, flow: Option<(bool, Span)>) -> ReadError {
    let at = Pos::of(e.marker());
    let info = e.info();
    let here = text.at(at.i);
    let done = |message: String, at: Span| ReadError { message, span: at };
    let has = |s: &str| info.contains(s);
    if info == "recursion limit exceeded" {
        // saphyr's own limit, met while it looks ahead of the events.
        return done(format!("the document nests deeper than {MAX_DEPTH} levels; refused"), at.span());
    }
    if has("tab") {
        if let Some(tab) = leading_tab(text, at) {
            return done(TABS.into(), tab.span());
        }
    }
    // Inside a `[` or `{`: the end of the text or a `---` means it was never closed.
    if let Some((seq, open)) = flow.filter(|_| here.is_none() || at_marker(text, at)) {
        let close = if seq { ']' } else { '}' };
        return done(format!("unterminated flow collection: the closing `{close}` is missing"), open);
    }
    if let (true, Some((seq, open))) = (has("flow"), flow) {
        let close = if seq { ']' } else { '}' };
        let open_char = if seq { '[' } else { '{' };
        if at.line > open.line && first_on_line(text, at) {
            let message = format!(
                "a line inside the `{open_char}` opened on line {} must be indented more than the block it is in \
                 (or a `,` is missing before it)",
                open.line
            );
            return done(message, at.span());
        }
        return done(format!("expected `,` or `{close}` in the collection opened on line {}", open.line), at.span());
    }
    let message = if has("unknown anchor") {
        let name = text.name_at(at);
        format!("alias `*{name}` has no anchor `&{name}` before it")
    } else if has("trailing content after") {
        match (here, flow) {
            (Some(':'), _) => "a quoted key must be on one line, with its `:` on that line".into(),
            (_, Some((seq, o))) => {
                format!("expected `,` or `{}` in the collection opened on line {}", if seq { ']' } else { '}' }, o.line)
            }
            (Some(c), None) => format!("unexpected `{c}` after the quoted value (quote the whole value)"),
            (None, None) => info.into(),
        }
    } else if has("quoted scalar") && matches!(here, Some('"' | '\'')) && !has("escape") {
        let q = here.unwrap_or('"');
        format!("unterminated string: the closing `{q}` is missing (or a line inside it is indented too little)")
    } else if has("unknown escape") {
        return unknown_escape(text, at);
    } else if has("Unicode character escape") {
        "the hex digits of a Unicode character escape (`\\x`, `\\u`, `\\U`) do not name a character".into()
    } else if has("block sequence entries are not allowed") {
        "a `- ` list cannot start on this line; put it on the lines below, indented".into()
    } else if has("mapping values are not allowed") {
        NESTED_MAP.into()
    } else if has("did not find expected '-'") {
        "expected `- ` here, like the other entries of the list at this indentation (or indent this line more)".into()
    } else if has("block mapping, did not find expected key") && matches!(here, Some('&' | '!')) {
        "a value has two anchors or two tags".into()
    } else if has("block mapping, did not find expected key") {
        "bad indentation: this line does not line up with the keys of the mapping above it".into()
    } else if has("simple key expect ':'") || has("could not find expected ':'") {
        // saphyr notices on the next line: the mistake is at the end of the last text.
        let end = text.after_last_before(at).unwrap_or(at);
        let before: String = match text.line(end.line, end) {
            Some((_, chars)) => chars.get(..end.col).unwrap_or_default().iter().collect(),
            None => String::new(),
        };
        let what = match before.trim() {
            t if !t.is_empty() && t.chars().count() <= 40 => format!("`{t}`"),
            _ => "this text".into(),
        };
        return done(format!("expected `: ` after {what} (a mapping holds `key: value` lines)"), end.span());
    } else if has("did not find expected comment or line break") {
        "only an indentation digit, `-` or `+`, and a comment may follow `|` or `>` on its line".into()
    } else if has("unexpected character") {
        let c = here.unwrap_or(' ');
        format!("a value cannot start with `{c}`; quote it if it is text")
    } else if has("comments must be separated") {
        "a comment needs a space before its `#`".into()
    } else if has("expected <document start>") && text.at(0) == Some('%') {
        return done("a `%` directive must be followed by a `---` line".into(), Span { line: 1, column: 1 });
    } else {
        info.into()
    };
    done(message, at.span())
}

/// A `---` or `...` line at `at`.
fn at_marker(text: &Text, at: Pos) -> bool {
    let three = |c: char| (0..3).all(|k| text.at(at.i + k) == Some(c));
    at.col == 0 && (three('-') || three('.'))
}

/// Only blanks before `at` on its line.
fn first_on_line(text: &Text, at: Pos) -> bool {
    text.line(at.line, at).is_some_and(|(_, chars)| chars.iter().take(at.col).all(|c| matches!(c, ' ' | '\t')))
}

/// A tab among the leading blanks of the line of `at` or of one of the next two.
fn leading_tab(text: &Text, at: Pos) -> Option<Pos> {
    (at.line..at.line + 3).find_map(|line| {
        let (start, chars) = text.line(line, at)?;
        let lead = chars.iter().take_while(|c| matches!(c, ' ' | '\t')).count();
        let t = chars.get(..lead)?.iter().position(|&c| c == '\t')?;
        Some(Pos { i: start.i + t, line, col: t })
    })
}

/// The first escape in the double-quoted string at `at` that YAML does not have.
fn unknown_escape(text: &Text, at: Pos) -> ReadError {
    let mut p = at;
    let mut i = at.i + 1;
    while let Some(c) = text.at(i) {
        match c {
            '"' => break,
            '\\' => {
                let next = text.at(i + 1);
                if !next.is_some_and(|n| "0abt\tnvfre \"/\\N_LPxuU\n".contains(n)) {
                    let c = next.map(String::from).unwrap_or_default();
                    p.col += i - p.i;
                    return ReadError {
                        message: format!("unknown escape `\\{c}` in a double-quoted string"),
                        span: p.span(),
                    };
                }
                i += 2;
                continue;
            }
            '\n' => return ReadError { message: "unknown escape in a double-quoted string".into(), span: at.span() },
            _ => {}
        }
        i += 1;
    }
    ReadError { message: "unknown escape in a double-quoted string".into(), span: at.span() }
}
