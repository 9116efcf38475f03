//! Writing a changed topology over the text it came from, keeping the person's
//! comments. `write` alone emits the canonical form and drops every comment,
//! but a comment such as `mtu: 1370  # measured with ping -M do` is work a
//! person did, so an edit in the app must not erase it.
//!
//! Each line of a block-style YAML text gets the key path it starts
//! (`cluster.mtu`, `links[2].between[0]`). Comments are attached to the path of
//! the line they precede (or end), then put back beside the line with the same
//! path in the new text. Elements that are gone take their comments with them.
//! The result is checked: when it does not read back as exactly the topology
//! written, the plain canonical text is returned instead.

use std::collections::{BTreeMap, BTreeSet};

use super::{parse, write};
use crate::model::{self, Topology};

/// `t` as YAML, with the comments (and the blank lines before them) that `old`
/// had beside the same elements.
pub fn write_keeping_comments(old: &str, t: &Topology) -> String {
    write_with_notes(old, t, None)
}

/// A site or device renamed.
#[derive(Debug, Clone, Copy)]
pub struct Renamed<'a> {
    pub kind: model::Kind,
    pub from: &'a str,
    pub to: &'a str,
}

/// As [`write_keeping_comments`], after one element was renamed in `t`: the
/// comments on the element (its key and every field below it) follow it to its
/// new name instead of being dropped with the old one.
pub fn write_renamed_keeping_comments(old: &str, t: &Topology, renamed: Renamed<'_>) -> String {
    write_with_notes(old, t, Some(renamed))
}

fn write_with_notes(old: &str, t: &Topology, renamed: Option<Renamed<'_>>) -> String {
    let new = write(t);
    if !old.contains('#') {
        return new;
    }
    let old_lines = scan(old);
    if !old_lines.iter().any(|l| l.trailing.is_some() || l.kind == Kind::Comment) {
        return new;
    }
    let mut notes = attach(&old_lines);
    if let Some(r) = renamed {
        notes = crate::sort::map(notes.into_iter().map(|(p, n)| (rename_path(&p, t, r), n)));
    }
    // Reading the old text again is only worth it when notes sit on links.
    if notes.keys().any(|p| p.starts_with("links[")) {
        let remap = link_remap(old, t);
        notes = crate::sort::map(notes.into_iter().filter_map(|(p, n)| Some((remap(&p)?, n))));
    }
    let merged = merge(&new, &notes);
    // Never trade the topology for a comment: the text must read back as `t`.
    match parse(&merged).topology {
        Some(back) if back == *t => merged,
        _ => new,
    }
}

/// The comments of a block-style text, each with its line number (1-based),
/// `#` included: what a share link must carry for the person's notes to travel.
pub fn comments(text: &str) -> Vec<(usize, &str)> {
    scan(text)
        .iter()
        .enumerate()
        .filter_map(|(i, l)| match l.kind {
            Kind::Comment => Some((i + 1, l.text.trim())),
            _ => l.trailing.map(|c| (i + 1, c.trim_end())),
        })
        .collect()
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Blank,
    Comment,
    /// A line that starts a key or a sequence item: it has a path.
    Start,
    /// Anything else: `---`, a flow collection's next line, a block scalar's text.
    Other,
}

#[derive(Debug)]
struct Line<'a> {
    kind: Kind,
    text: &'a str,
    indent: usize,
    path: String,
    /// The comment at the end of the line, `#` included.
    trailing: Option<&'a str>,
}

/// One entry of the path stack: the column where it starts and its segment.
struct Open {
    col: usize,
    seg: String,
    /// A key whose value is on the lines below (a `- ` may then sit at its column).
    block: bool,
    index: bool,
}

fn scan(text: &str) -> Vec<Line<'_>> {
    let mut out = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut items: BTreeMap<String, usize> = BTreeMap::new();
    // Inside a block scalar (`|` or `>`) whose key sits at this column.
    let mut scalar_at: Option<usize> = None;
    for text in text.lines() {
        let body = text.trim_start();
        let indent = text.len() - body.len();
        if let Some(col) = scalar_at {
            if body.is_empty() || indent > col {
                out.push(Line { kind: Kind::Other, text, indent, path: String::new(), trailing: None });
                continue;
            }
            scalar_at = None;
        }
        let kind = if body.is_empty() {
            Kind::Blank
        } else if body.starts_with('#') {
            Kind::Comment
        } else {
            Kind::Other
        };
        if kind != Kind::Other || body.starts_with("---") || body.starts_with("...") {
            out.push(Line { kind, text, indent, path: String::new(), trailing: None });
            continue;
        }
        let (content, trailing) = split_comment(body);
        let mut col = indent;
        let mut rest = content.trim_end();
        let mut started = false;
        while rest == "-" || rest.starts_with("- ") {
            while stack.last().is_some_and(|o| o.col > col || (o.col == col && (o.index || !o.block))) {
                stack.pop();
            }
            let parent = path_of(&stack);
            let n = items.entry(parent).or_insert(0);
            stack.push(Open { col, seg: format!("[{n}]"), block: false, index: true });
            *n += 1;
            started = true;
            let after = rest.get(1..).unwrap_or("");
            let skipped = after.len() - after.trim_start().len();
            col += 1 + skipped;
            rest = after.trim_start();
        }
        if let Some((key, value)) = key_of(rest) {
            while stack.last().is_some_and(|o| o.col >= col) {
                stack.pop();
            }
            let value = value.trim();
            stack.push(Open { col, seg: key, block: value.is_empty(), index: false });
            started = true;
            if value.starts_with('|') || value.starts_with('>') {
                scalar_at = Some(col);
            }
        }
        let kind = if started { Kind::Start } else { Kind::Other };
        out.push(Line { kind, text, indent, path: path_of(&stack), trailing });
    }
    out
}

fn path_of(stack: &[Open]) -> String {
    let mut p = String::new();
    for o in stack {
        if !o.index && !p.is_empty() {
            p.push('.');
        }
        p.push_str(&o.seg);
    }
    p
}

/// The line without its trailing comment, and the comment: a `#` after a space,
/// outside quotes.
pub(super) fn split_comment(body: &str) -> (&str, Option<&str>) {
    let mut quote: Option<char> = None;
    let mut prev = ' ';
    for (i, c) in body.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == '#' && prev.is_whitespace() => return (&body[..i], Some(&body[i..])),
            None => {}
        }
        prev = c;
    }
    (body, None)
}

/// `key: value` → (key, value); `None` for a scalar or a flow collection.
fn key_of(s: &str) -> Option<(String, &str)> {
    if s.is_empty() || s.starts_with(['[', '{', '&', '*', '!', '|', '>']) {
        return None;
    }
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if (c == '"' || c == '\'') && i == 0 => quote = Some(c),
            None if c == ':' => {
                let after = &s[i + 1..];
                if after.is_empty() || after.starts_with([' ', '\t', '\r']) {
                    let key = s[..i].trim().trim_matches(|q| q == '"' || q == '\'').to_string();
                    return Some((key, after));
                }
            }
            None => {}
        }
    }
    None
}

/// What the old text said about one path.
#[derive(Debug, Default)]
struct Notes {
    /// Comment lines just before the line, without their indentation.
    before: Vec<String>,
    /// A blank line came before (the comments, or the line).
    gap: bool,
    trailing: Option<String>,
}

/// Comments (and blank lines before them) by the path of the line they belong
/// to, for the lines that have any; the comments after the last line are under "".
fn attach(lines: &[Line<'_>]) -> BTreeMap<String, Notes> {
    let mut out: BTreeMap<String, Notes> = BTreeMap::new();
    let mut pending: Vec<String> = Vec::new();
    let mut gap = false;
    let mut seen = BTreeSet::new();
    for l in lines {
        match l.kind {
            Kind::Blank => gap = gap || pending.is_empty(),
            Kind::Comment => pending.push(l.text.trim().to_string()),
            Kind::Start => {
                // A path seen twice (a duplicate key) keeps the first's notes.
                let trailing = l.trailing.map(|c| c.trim_end().to_string());
                if seen.insert(l.path.clone()) && (gap || !pending.is_empty() || trailing.is_some()) {
                    out.insert(l.path.clone(), Notes { before: std::mem::take(&mut pending), gap, trailing });
                }
                pending.clear();
                gap = false;
            }
            Kind::Other => {}
        }
    }
    if !pending.is_empty() {
        out.entry(String::new()).or_default().before = pending;
    }
    out
}

fn merge(new: &str, notes: &BTreeMap<String, Notes>) -> String {
    let mut out = String::with_capacity(new.len() + 256);
    let mut first = true;
    for l in scan(new) {
        if l.kind == Kind::Start {
            if let Some(n) = notes.get(&l.path) {
                if n.gap && !first {
                    out.push('\n');
                }
                for c in &n.before {
                    out.push_str(&" ".repeat(l.indent));
                    out.push_str(c);
                    out.push('\n');
                }
                out.push_str(l.text);
                if let Some(c) = &n.trailing {
                    out.push_str("  ");
                    out.push_str(c);
                }
                out.push('\n');
                first = false;
                continue;
            }
        }
        out.push_str(l.text);
        out.push('\n');
        first = false;
    }
    if let Some(n) = notes.get("") {
        for c in &n.before {
            out.push_str(c);
            out.push('\n');
        }
    }
    out
}

/// `path` with the renamed element's old name replaced (`nodes.a.address` →
/// `nodes.b.address`). Names may hold dots, so the element a path names is the
/// longest name of the section (as it was) that the path starts with.
fn rename_path(path: &str, t: &Topology, r: Renamed<'_>) -> String {
    let section = r.kind.section();
    let Some(rest) = path.strip_prefix(section).and_then(|p| p.strip_prefix('.')) else {
        return path.to_string();
    };
    let names: Vec<&str> = match r.kind {
        model::Kind::Site => t.sites.keys().map(String::as_str).collect(),
        model::Kind::Node => t.nodes.keys().map(String::as_str).collect(),
        model::Kind::Router => t.routers.keys().map(String::as_str).collect(),
        model::Kind::Host => t.hosts.keys().map(String::as_str).collect(),
    };
    let names_before = names.into_iter().filter(|n| *n != r.to).chain([r.from]);
    let named = |n: &str| rest == n || rest.strip_prefix(n).is_some_and(|tail| tail.starts_with('.'));
    match names_before.filter(|n| named(n)).max_by_key(|n| n.len()) {
        Some(n) if n == r.from => format!("{section}.{}{}", r.to, &rest[n.len()..]),
        _ => path.to_string(),
    }
}

/// Where each old link went: links are a list, so deleting one shifts the
/// others. Old and new links are matched by equality, in order; one left over
/// on each side at the same place is the link that was edited.
fn link_remap(old: &str, t: &Topology) -> impl Fn(&str) -> Option<String> {
    let old_links = parse(old).topology.map(|o| o.links).unwrap_or_default();
    let mut to: Vec<Option<usize>> = vec![None; old_links.len()];
    let mut taken = vec![false; t.links.len()];
    for (i, l) in old_links.iter().enumerate() {
        if let Some(j) = (0..t.links.len()).find(|&j| !taken[j] && t.links[j] == *l) {
            to[i] = Some(j);
            taken[j] = true;
        }
    }
    let left_old: Vec<usize> = (0..old_links.len()).filter(|&i| to[i].is_none()).collect();
    let left_new: Vec<usize> = (0..t.links.len()).filter(|&j| !taken[j]).collect();
    if left_old.len() == 1 && left_new.len() == 1 {
        to[left_old[0]] = Some(left_new[0]);
    }
    move |path: &str| {
        let Some(rest) = path.strip_prefix("links[") else { return Some(path.to_string()) };
        let (n, tail) = rest.split_once(']')?;
        let j = to.get(n.parse::<usize>().ok()?).copied().flatten()?;
        Some(format!("links[{j}]{tail}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(text: &str) -> Vec<(String, Option<String>)> {
        scan(text)
            .into_iter()
            .filter(|l| l.kind == Kind::Start)
            .map(|l| (l.path, l.trailing.map(str::to_string)))
            .collect()
    }

    #[test]
    fn paths_of_block_yaml_in_both_sequence_styles() {
        let text = "a:\n  b: 1  # one\nlinks:\n- between:\n  - x\n  - y\n  mtu: 2\n- between: [p, q]\nz:\n  - k: v\n    w: 3\n";
        let got: Vec<String> = paths(text).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            got,
            [
                "a",
                "a.b",
                "links",
                "links[0].between",
                "links[0].between[0]",
                "links[0].between[1]",
                "links[0].mtu",
                "links[1].between",
                "z",
                "z[0].k",
                "z[0].w"
            ]
        );
        assert_eq!(paths(text)[1].1.as_deref(), Some("# one"));
    }

    #[test]
    fn hashes_inside_quotes_and_words_are_not_comments() {
        assert_eq!(split_comment("a: \"x # y\"  # real"), ("a: \"x # y\"  ", Some("# real")));
        assert_eq!(split_comment("a: b#c"), ("a: b#c", None));
        assert_eq!(key_of("\"a b\": 1"), Some(("a b".to_string(), " 1")));
        assert_eq!(key_of("https://x"), None);
    }

    #[test]
    fn windows_line_ends_are_read_like_unix_ones() {
        let unix = paths("a:\n  b: 1  # one\n");
        let dos = paths("a:\r\n  b: 1  # one\r\n");
        assert_eq!(unix.iter().map(|p| &p.0).collect::<Vec<_>>(), dos.iter().map(|p| &p.0).collect::<Vec<_>>());
    }

    #[test]
    fn block_scalars_are_text_not_keys() {
        let text = "a: |\n  k: v # not a comment\nb: 1\n";
        let got: Vec<String> = paths(text).into_iter().map(|(p, _)| p).collect();
        assert_eq!(got, ["a", "b"]);
    }

    #[test]
    fn comments_follow_a_renamed_element_even_among_dotted_names() {
        let old = "version: 1\nname: t\ncluster:\n  cni: calico\n  pod_cidr: [10.42.0.0/16]\n  service_cidr: [10.43.0.0/16]\n\
                   sites:\n  home: {}\nnodes:\n  # the first server\n  n: {site: home, role: server, address: 10.0.0.1}\n\
                   \x20 n.2:\n    site: home  # same rack\n    role: agent\n    address: 10.0.0.2\n";
        let mut t = parse(old).topology.expect("the test design reads");
        let node = t.nodes.remove("n").expect("node n");
        t.nodes.insert("server".into(), node);
        let text =
            write_renamed_keeping_comments(old, &t, Renamed { kind: model::Kind::Node, from: "n", to: "server" });
        assert!(text.contains("  # the first server\n  server:"), "{text}");
        assert!(text.contains("site: home  # same rack"), "{text}");
        // Without the rename the comment had nowhere to go.
        assert!(!write_keeping_comments(old, &t).contains("the first server"));
    }
}
