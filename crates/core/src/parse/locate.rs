//! Finds where a path (`nodes.kubemaster.address`, `links[3].between[1]`) stands in
//! the YAML text, so that diagnostics about a parsed file can point at a line.
//! Best effort by design: it follows keys in order through block and flow style and
//! returns nothing rather than a wrong place when it loses the trail.
//!
//! It works on byte offsets inside each line and reports the column in
//! characters (what the reader counts, and what a person sees: a line with
//! `Zürich` is not off by one). A `#` starts a comment only outside quotes and
//! after a space, as YAML says, so `"see #2"` keeps its place.

use crate::diag::Span;

pub fn locate(src: &str, path: &str) -> Option<Span> {
    let segs = split(path);
    if segs.is_empty() {
        return None;
    }
    let lines: Vec<&str> = src.lines().collect();
    // (line index, column index, indentation of the block we are inside)
    let mut pos: Option<(usize, usize)> = None;
    let mut i = 0;
    while i < segs.len() {
        let seg = &segs[i];
        if let Some(idx) = seg.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            let idx: usize = idx.parse().ok()?;
            pos = Some(seq_item(&lines, pos?, idx).or(pos)?);
            i += 1;
            continue;
        }
        // A name may itself hold dots (`ty1.k3s`): try the longest join first.
        let mut found = None;
        for j in (i..segs.len()).rev() {
            if segs[i..=j].iter().any(|s| s.starts_with('[')) {
                continue;
            }
            let key = segs[i..=j].join(".");
            if let Some(p) = find_key(&lines, pos, &key) {
                found = Some((p, j));
                break;
            }
        }
        let (p, j) = found?;
        pos = Some(p);
        i = j + 1;
    }
    pos.map(|(l, c)| Span { line: l + 1, column: lines[l].get(..c).map_or(c, |s| s.chars().count()) + 1 })
}

/// The `idx`-th item of the flow sequence whose `[` is at `open`, over as many
/// lines as it takes: items are counted at the sequence's own depth, outside
/// quotes, so nested `[a, b]` and `{k: v}` items and commas in quotes count once.
fn flow_item(lines: &[&str], open: (usize, usize), idx: usize) -> Option<(usize, usize)> {
    let (mut depth, mut n, mut want_item) = (0usize, 0usize, false);
    let mut quote: Option<char> = None;
    for (l, line) in lines.iter().enumerate().skip(open.0) {
        let from = if l == open.0 { open.1 } else { 0 };
        let body = without_comment(line);
        for (i, c) in body.char_indices().filter(|(i, _)| *i >= from) {
            if let Some(q) = quote {
                if c == q {
                    quote = None;
                }
                continue;
            }
            if want_item && !c.is_whitespace() && c != ',' && !(c == ']' && depth == 1) {
                if n == idx {
                    return Some((l, i));
                }
                n += 1;
                want_item = false;
            }
            match c {
                '[' | '{' => {
                    depth += 1;
                    want_item = depth == 1;
                }
                ']' | '}' => {
                    depth = depth.checked_sub(1)?;
                    if depth == 0 {
                        return None;
                    }
                }
                ',' if depth == 1 => want_item = true,
                '"' | '\'' => quote = Some(c),
                _ => {}
            }
        }
    }
    None
}

/// The line without its comment: from the first `#` that is outside quotes and
/// at the start or after a space or tab.
fn without_comment(line: &str) -> &str {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    let mut chars = line.char_indices().peekable();
    while let Some((i, c)) = chars.next() {
        match quote {
            // `''` inside single quotes is a quote, `\"` inside double quotes too.
            Some('\'') if c == '\'' && chars.peek().is_some_and(|&(_, n)| n == '\'') => {
                chars.next();
            }
            Some('"') if c == '\\' => {
                chars.next();
            }
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '#' && (prev == ' ' || prev == '\t') => return &line[..i],
            // A quote opens a quoted scalar only where one can start.
            None if (c == '"' || c == '\'') && matches!(prev, ' ' | '\t' | '[' | '{' | ',' | ':' | '-') => {
                quote = Some(c)
            }
            None => {}
        }
        prev = c;
    }
    line
}

fn split(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let mut rest = part;
        if let Some(b) = rest.find('[') {
            if b > 0 {
                out.push(rest[..b].to_string());
            }
            rest = &rest[b..];
            while let Some(end) = rest.find(']') {
                out.push(rest[..=end].to_string());
                rest = &rest[end + 1..];
            }
        } else if !rest.is_empty() {
            out.push(rest.to_string());
        }
    }
    out
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '-']).len()
}

/// The key `key` after `from` and inside its block (deeper indentation or the same line).
fn find_key(lines: &[&str], from: Option<(usize, usize)>, key: &str) -> Option<(usize, usize)> {
    let (start_line, start_col, base) = match from {
        // At a sequence item's dash, the item's block is what is indented past the dash.
        Some((l, c)) if lines[l].as_bytes().get(c) == Some(&b'-') => (l, c, Some(c)),
        Some((l, c)) => (l, c, Some(indent(lines[l]))),
        None => (0, 0, None),
    };
    for (l, line) in lines.iter().enumerate().skip(start_line) {
        let body = without_comment(line);
        if l > start_line {
            if body.trim().is_empty() || body.trim_start().starts_with('#') {
                continue;
            }
            if let Some(b) = base {
                if indent(line) <= b && !line.trim_start().starts_with('-') {
                    return None; // left the block
                }
            }
        }
        let from_col = if l == start_line { start_col } else { 0 };
        if let Some(c) = key_in_line(body, from_col, key) {
            if from.is_none() && indent(line) != 0 {
                continue; // top-level keys only at the top
            }
            return Some((l, c));
        }
    }
    None
}

fn key_in_line(line: &str, from: usize, key: &str) -> Option<usize> {
    let mut search = from.min(line.len());
    while let Some(off) = line.get(search..)?.find(key) {
        let at = search + off;
        let before = line[..at].chars().last();
        let after = &line[at + key.len()..];
        let boundary = matches!(before, None | Some(' ' | '{' | ',' | '-' | '"' | '\''));
        let after = after.trim_start_matches(['"', '\'']);
        if boundary && after.trim_start().starts_with(':') {
            return Some(at);
        }
        search = at + key.len();
    }
    None
}

/// The `idx`-th item of the sequence that starts after the key at `pos`.
fn seq_item(lines: &[&str], pos: (usize, usize), idx: usize) -> Option<(usize, usize)> {
    let (l0, c0) = pos;
    let rest = &lines[l0][c0..];
    if let Some(b) = without_comment(rest).find('[') {
        return flow_item(lines, (l0, c0 + b), idx);
    }
    let base = indent(lines[l0]);
    let mut n = 0;
    let mut item_indent = None;
    for (l, line) in lines.iter().enumerate().skip(l0 + 1) {
        let t = line.trim_start();
        if t.is_empty() || t.starts_with('#') {
            continue;
        }
        let ind = line.len() - t.len();
        if ind < base || (ind == base && !t.starts_with('-')) {
            return None;
        }
        if t.starts_with('-') && item_indent.is_none_or(|i| i == ind) {
            item_indent = Some(ind);
            if n == idx {
                return Some((l, ind));
            }
            n += 1;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "version: 1\nnodes:\n  ty1.k3s: {site: a, role: agent}\n  b:\n    site: x\nlinks:\n  - between: [a, b]\n  - between: [c, d]\n    mtu: 9\n";

    #[test]
    fn finds_nested_keys_flow_maps_and_dotted_names() {
        assert_eq!(locate(SRC, "nodes.b.site"), Some(Span { line: 5, column: 5 }));
        assert_eq!(locate(SRC, "nodes.ty1.k3s.role"), Some(Span { line: 3, column: 22 }));
        assert_eq!(locate(SRC, "links[1].mtu"), Some(Span { line: 9, column: 5 }));
        assert_eq!(locate(SRC, "links[1].between[1]"), Some(Span { line: 8, column: 18 }));
        assert_eq!(locate(SRC, "nodes.zz"), None);
    }

    #[test]
    fn columns_count_characters_and_quoted_hashes_are_not_comments() {
        let src = "nodes:\n  zürich: {label: \"Zürich\", site: x}\n";
        assert_eq!(locate(src, "nodes.zürich.site"), Some(Span { line: 2, column: 29 }));
        let src = "sites:\n  a: {label: \"see #2\", kind: lan}\n  b: {label: 'it''s #3', kind: vpc} # c: 1\n";
        assert_eq!(locate(src, "sites.a.kind"), Some(Span { line: 2, column: 24 }));
        assert_eq!(locate(src, "sites.b.kind"), Some(Span { line: 3, column: 26 }));
        assert_eq!(without_comment("a: x #c"), "a: x ");
        assert_eq!(without_comment("a: x#c"), "a: x#c");
        assert_eq!(without_comment("a: 'x #c' # d"), "a: 'x #c' ");
        assert_eq!(without_comment("a: \"x \\\" #y\" # z"), "a: \"x \\\" #y\" ");
        assert_eq!(without_comment("# all"), "");
    }

    #[test]
    fn flow_sequences_over_lines_nested_and_quoted() {
        let src = "r:\n  serves: [home,\n           garage]\nb:\n  backbone: [[r1, venus], [\"a,b\", c]]\n";
        assert_eq!(locate(src, "r.serves[1]"), Some(Span { line: 3, column: 12 }));
        assert_eq!(locate(src, "b.backbone[0][1]"), Some(Span { line: 5, column: 19 }));
        assert_eq!(locate(src, "b.backbone[1][1]"), Some(Span { line: 5, column: 35 }));
        assert_eq!(locate(src, "r.serves[2]"), Some(Span { line: 2, column: 3 }));
    }

    #[test]
    fn crlf_and_flow_mappings_over_several_lines() {
        let src = "nodes:\r\n  a: {site: x,\r\n      role: agent}\r\n";
        assert_eq!(locate(src, "nodes.a.role"), Some(Span { line: 3, column: 7 }));
    }
}
