//! An edit written into the text it was made on, changing only the lines of
//! what changed. The app edits a `Topology`; writing that whole topology again
//! (`write`) re-sorts the person's elements, expands their flow lists, drops
//! the defaults they wrote out (`daemon: bird`) and adds fields they never
//! wrote (`block_size_v6` on an IPv4 cluster). Here the old text stays as it
//! is except where the old and the new topology differ:
//!
//! Both topologies are written to their canonical trees (`yaml::to_value`) and
//! compared key by key along the old text's own tree (`yaml::read`, which
//! knows the line each key starts on). A key whose canonical value is the same
//! in both keeps its lines, however it is written (an explicit default is
//! absent from both canonical trees, so it stays). A changed key in a block
//! mapping is entered and compared field by field; a changed value written on
//! its key's line is written again in the same style (flow stays flow, with the
//! person's unchanged entries as they were); a key gone from the new tree loses
//! its lines, a new one is added after its canonical predecessor. Links and
//! other block sequences match their items by equality, as the comment writer
//! does.
//!
//! The result must read back as exactly the new topology; anything this cannot
//! place (anchors, merge keys, a lone `\r`, items that moved) gives `None`,
//! and the caller writes the whole file with its comments kept instead.

use super::comments::{split_comment, Renamed};
use super::parse;
use crate::model::Topology;
use crate::yaml::{self, Node, Value};

/// The text after an edit of `old` that gave `t` (`renamed`: the one element
/// renamed, if that was the edit): only the changed lines rewritten when that
/// can be done exactly, else the whole file written with `old`'s comments kept.
pub fn write_edit(old: &str, t: &Topology, renamed: Option<Renamed<'_>>) -> String {
    match write_in_place(old, t, renamed) {
        Some(text) => text,
        None => match renamed {
            Some(r) => super::write_renamed_keeping_comments(old, t, r),
            None => super::write_keeping_comments(old, t),
        },
    }
}

/// `t` written over `old`, changing only the lines of what differs from what
/// `old` holds; `None` when that cannot be done exactly.
pub fn write_in_place(old: &str, t: &Topology, renamed: Option<Renamed<'_>>) -> Option<String> {
    if old.contains('\r') && old.replace("\r\n", "").contains('\r') {
        return None;
    }
    // A last line without its break would join the lines added after it.
    let owned;
    let old = if old.ends_with('\n') || old.is_empty() {
        old
    } else {
        owned = format!("{old}\n");
        owned.as_str()
    };
    let before = parse(old).topology?;
    let ov = yaml::to_value(&before).ok()?;
    let nv = yaml::to_value(t).ok()?;
    let tree = yaml::read(old).ok()?;
    let text = Text::new(old);
    let mut edits = Edits::default();
    let root = Region { start: 0, end: text.lines.len() };
    let rename = renamed.map(|r| Rename { section: r.kind.section(), from: r.from, to: r.to });
    block_map(&text, &tree, &ov, &nv, root, 0, Scope::Root(rename), &mut edits).ok()?;
    let out = edits.apply(&text);
    match parse(&out).topology {
        Some(back) if back == *t => Some(out),
        _ => None,
    }
}

/// This cannot be placed: the caller falls back to a whole rewrite.
#[derive(Debug)]
struct Refused;

type R = Result<(), Refused>;

/// Where a block mapping sits, for a rename: the root (whose section of the
/// renamed kind holds the element) or that section itself.
#[derive(Clone, Copy)]
enum Scope<'a> {
    Root(Option<Rename<'a>>),
    Section(Rename<'a>),
    Inner,
}

#[derive(Clone, Copy)]
struct Rename<'a> {
    section: &'a str,
    from: &'a str,
    to: &'a str,
}

/// The old text as lines, each with its line break.
struct Text<'a> {
    lines: Vec<&'a str>,
    /// The text's line break, for the lines written.
    nl: &'static str,
}

impl<'a> Text<'a> {
    fn new(s: &'a str) -> Text<'a> {
        let nl = if s.contains("\r\n") { "\r\n" } else { "\n" };
        Text { lines: s.split_inclusive('\n').collect(), nl }
    }

    /// The line without its break.
    fn body(&self, i: usize) -> &'a str {
        self.lines.get(i).map_or("", |l| l.trim_end_matches(['\n', '\r']))
    }

    fn is_gap(&self, i: usize) -> bool {
        let b = self.body(i).trim_start();
        b.is_empty() || b.starts_with('#')
    }
}

/// Lines `start..end` (0-based).
#[derive(Clone, Copy, Debug)]
struct Region {
    start: usize,
    end: usize,
}

/// Line edits, none overlapping; inserts at one place keep their order.
#[derive(Default)]
struct Edits {
    list: Vec<(usize, usize, Vec<String>)>,
}

impl Edits {
    fn replace(&mut self, start: usize, end: usize, lines: Vec<String>) {
        self.list.push((start, end, lines));
    }

    fn apply(mut self, text: &Text<'_>) -> String {
        // Stable: inserts at one line stay in the order they were made.
        crate::sort::sort_by_key(&mut self.list, |e| e.0);
        let mut out = String::new();
        let mut at = 0;
        for (start, end, lines) in self.list {
            let start = start.max(at);
            for l in &text.lines[at..start] {
                out.push_str(l);
            }
            for l in lines {
                out.push_str(&l);
                out.push_str(text.nl);
            }
            at = end.max(start);
        }
        for l in &text.lines[at.min(text.lines.len())..] {
            out.push_str(l);
        }
        // A last line without a break gets one when something follows it.
        out
    }
}

/// One entry of a block mapping or sequence in the old text.
struct Entry<'n> {
    key: Option<&'n Node>,
    value: &'n Node,
    /// The line the entry starts on, and the end of its own lines (comments and
    /// blank lines after it belong to what follows).
    start: usize,
    end: usize,
    /// Where its comment lines just above start (they go when it goes).
    lead: usize,
}

/// The entries of a block collection inside `region`, with their lines.
fn entries<'n>(
    text: &Text<'_>,
    items: Vec<(Option<&'n Node>, &'n Node, usize)>,
    region: Region,
) -> Result<Vec<Entry<'n>>, Refused> {
    let mut out: Vec<Entry<'n>> = Vec::with_capacity(items.len());
    for (i, &(key, value, line)) in items.iter().enumerate() {
        // Lines must grow: merged or aliased entries point elsewhere.
        if line < region.start || line >= region.end || out.last().is_some_and(|e: &Entry<'_>| e.start >= line) {
            return Err(Refused);
        }
        let next = items.get(i + 1).map_or(region.end, |n| n.2);
        let mut end = next.min(region.end);
        while end > line + 1 && text.is_gap(end - 1) {
            end -= 1;
        }
        let floor = out.last().map_or(region.start, |e| e.end);
        let mut lead = line;
        while lead > floor && text.body(lead - 1).trim_start().starts_with('#') {
            lead -= 1;
        }
        out.push(Entry { key, value, start: line, end, lead });
    }
    Ok(out)
}

fn line_of(n: &Node) -> Result<usize, Refused> {
    n.place().map(|s| s.line.saturating_sub(1)).ok_or(Refused)
}

fn column_of(n: &Node) -> Result<usize, Refused> {
    n.place().map(|s| s.column.saturating_sub(1)).ok_or(Refused)
}

fn key_text(k: &Node) -> Option<&str> {
    k.as_scalar().map(|s| s.text.as_str())
}

fn get<'n>(n: Option<&'n Node>, key: &str) -> Option<&'n Node> {
    n.and_then(Node::as_map).and_then(|m| m.get(key))
}

/// A value on its key's line (scalar or flow) rather than on the lines below.
fn inline(key_line: usize, v: &Node) -> Result<bool, Refused> {
    Ok(line_of(v)? == key_line || matches!(v.value, Value::Scalar(_)))
}

/// Compares the block mapping `tree` (old text) key by key: `ov`/`nv` are the
/// old and new canonical values at the same place; `col` is the column of its keys.
#[allow(clippy::too_many_arguments)]
fn block_map(
    text: &Text<'_>,
    tree: &Node,
    ov: &Node,
    nv: &Node,
    region: Region,
    col: usize,
    scope: Scope<'_>,
    edits: &mut Edits,
) -> R {
    let map = tree.as_map().ok_or(Refused)?;
    let rename = match scope {
        Scope::Section(r) => Some(r),
        _ => None,
    };
    let items = map.entries.iter().map(|(k, v)| Ok((Some(k), v, line_of(k)?))).collect::<Result<Vec<_>, Refused>>()?;
    let list = entries(text, items, region)?;
    let mut seen: Vec<String> = Vec::new();
    let nmap = nv.as_map().ok_or(Refused)?;
    // New keys go after their canonical predecessor that the text has.
    let mut after: Vec<(usize, Vec<String>)> = Vec::new();
    for e in &list {
        let key = e.key.and_then(key_text).ok_or(Refused)?;
        if column_of(e.key.ok_or(Refused)?)? != col {
            return Err(Refused);
        }
        let (old_key, new_key, sub) = match scope {
            Scope::Section(r) if key == r.from => (r.from, r.to, Scope::Inner),
            Scope::Root(Some(r)) if key == r.section => (key, key, Scope::Section(r)),
            _ => (key, key, Scope::Inner),
        };
        seen.push(new_key.to_string());
        let o = get(Some(ov), old_key);
        let n = get(Some(nv), new_key);
        if old_key != new_key {
            rekey(text, e, old_key, new_key, edits)?;
        }
        match n {
            _ if o == n && !matches!(sub, Scope::Section(_)) => {}
            None => edits.replace(e.lead, e.end, Vec::new()),
            Some(n) => value(text, e, new_key, o, n, sub, old_key != new_key, edits)?,
        }
    }
    for (i, (k, n)) in nmap.entries.iter().enumerate() {
        let Some(key) = key_text(k) else { return Err(Refused) };
        if seen.iter().any(|s| s == key) {
            continue;
        }
        let o = get(Some(ov), key);
        if o == Some(n) {
            // Canonical in both (a default the writer spells out): the person left it out.
            continue;
        }
        let anchor = nmap.entries[..i]
            .iter()
            .rev()
            .filter_map(|(pk, _)| key_text(pk))
            .find_map(|pk| list.iter().position(|e| e.key.and_then(key_text) == Some(pk) || renamed_to(rename, e, pk)))
            .or(list.len().checked_sub(1));
        let at = anchor.map_or(region.end, |a| list[a].end);
        let siblings_flow = anchor.is_some_and(|a| {
            let e = &list[a];
            e.end == e.start + 1 && matches!(e.value.value, Value::Map(_) | Value::Seq(_))
        });
        let pad = " ".repeat(col);
        let lines = if siblings_flow { one_line(&pad, key, n) } else { None }.unwrap_or_else(|| block(&pad, key, n));
        match after.iter_mut().find(|(a, _)| *a == at) {
            Some((_, ls)) => ls.extend(lines),
            None => after.push((at, lines)),
        }
    }
    for (at, lines) in after {
        edits.replace(at, at, lines);
    }
    Ok(())
}

fn renamed_to(rename: Option<Rename<'_>>, e: &Entry<'_>, key: &str) -> bool {
    rename.is_some_and(|r| r.to == key && e.key.and_then(key_text) == Some(r.from))
}

/// Writes the entry's key as `new` (a renamed element), keeping the rest of its line.
fn rekey(text: &Text<'_>, e: &Entry<'_>, old: &str, new: &str, edits: &mut Edits) -> R {
    let line = text.body(e.start);
    let col = column_of(e.key.ok_or(Refused)?)?;
    let byte = line.char_indices().nth(col).map(|(b, _)| b).ok_or(Refused)?;
    let rest = line[byte..].strip_prefix(old).filter(|r| r.starts_with(':')).ok_or(Refused)?;
    // Only the key changes here; the value's own edit (if any) replaces the line again.
    let new_key = yaml_key(new);
    edits.replace(e.start, e.start + 1, vec![format!("{}{new_key}{rest}", &line[..byte])]);
    Ok(())
}

/// A changed value at entry `e`: entered when both are block mappings or
/// sequences, else written again in the style it had.
#[allow(clippy::too_many_arguments)]
fn value(
    text: &Text<'_>,
    e: &Entry<'_>,
    key: &str,
    o: Option<&Node>,
    n: &Node,
    scope: Scope<'_>,
    rekeyed: bool,
    edits: &mut Edits,
) -> R {
    let key_line = e.start;
    let col = column_of(e.key.ok_or(Refused)?)?;
    let rename = match scope {
        Scope::Section(r) => Some(r),
        _ => None,
    };
    // A whole rewrite of the entry replaces the rekey of its first line.
    let unkey = |edits: &mut Edits| {
        if rekeyed {
            edits.list.retain(|x| !(x.0 == key_line && x.1 == key_line + 1));
        }
    };
    if !inline(key_line, e.value)? {
        let inner = Region { start: key_line + 1, end: e.end };
        match (&e.value.value, &n.value, o.map(|o| &o.value)) {
            (Value::Map(_), Value::Map(nm), Some(Value::Map(_))) if !nm.entries.is_empty() => {
                let c = first_column(e.value)?;
                return block_map(text, e.value, o.ok_or(Refused)?, n, inner, c, scope, edits);
            }
            (Value::Seq(_), Value::Seq(_), Some(Value::Seq(_))) if rename.is_none() => {
                return block_seq(text, e.value, o.ok_or(Refused)?, n, inner, edits);
            }
            _ => {}
        }
        unkey(edits);
        edits.replace(key_line, e.end, block(&lead_of(text, key_line, col), key, n));
        return Ok(());
    }
    // On the key's line: the same style, the person's unchanged parts kept.
    let merged = merge(e.value, o, n, rename);
    let (before, comment) = split_comment(text.body(key_line));
    let lead = lead_of(text, key_line, col);
    let lines = match one_line(&lead, key, &merged) {
        Some(mut l) => {
            if let (Some(c), Some(first)) = (comment, l.first_mut()) {
                // The comment keeps its column when the new value leaves room.
                let at = before.chars().count();
                let len = first.chars().count();
                let pad = if len < at { at - len } else { before.len() - before.trim_end().len() };
                first.push_str(&" ".repeat(pad.max(1)));
                first.push_str(c.trim_end());
            }
            l
        }
        None => block(&lead, key, n),
    };
    unkey(edits);
    edits.replace(key_line, e.end, lines);
    Ok(())
}

fn first_column(map: &Node) -> Result<usize, Refused> {
    let m = map.as_map().ok_or(Refused)?;
    let (k, _) = m.entries.first().ok_or(Refused)?;
    column_of(k)
}

/// A block sequence: items matched by equality in order; as many left over on
/// each side are the edited items. Kept items must keep their order.
fn block_seq(text: &Text<'_>, tree: &Node, ov: &Node, nv: &Node, region: Region, edits: &mut Edits) -> R {
    let (Value::Seq(items), Value::Seq(olds), Value::Seq(news)) = (&tree.value, &ov.value, &nv.value) else {
        return Err(Refused);
    };
    if items.len() != olds.len() || items.is_empty() {
        return Err(Refused);
    }
    let list =
        entries(text, items.iter().map(|v| Ok((None, v, line_of(v)?))).collect::<Result<Vec<_>, Refused>>()?, region)?;
    let mut to: Vec<Option<usize>> = vec![None; olds.len()];
    let mut taken = vec![false; news.len()];
    for (i, o) in olds.iter().enumerate() {
        if let Some(j) = (0..news.len()).find(|&j| !taken[j] && news[j] == *o) {
            to[i] = Some(j);
            taken[j] = true;
        }
    }
    let left_old: Vec<usize> = (0..olds.len()).filter(|&i| to[i].is_none()).collect();
    let left_new: Vec<usize> = (0..news.len()).filter(|&j| !taken[j]).collect();
    // As many left on each side: edited in place, in order (a rename changes
    // every link to the element).
    let mut edited = vec![false; olds.len()];
    if left_old.len() == left_new.len() {
        for (&i, &j) in left_old.iter().zip(&left_new) {
            to[i] = Some(j);
            taken[j] = true;
            edited[i] = true;
        }
    }
    // The kept items in the new order must be the old order, and new ones come last.
    let kept: Vec<usize> = to.iter().flatten().copied().collect();
    if kept.windows(2).any(|w| w[0] > w[1]) {
        return Err(Refused);
    }
    let last_kept = kept.last().copied();
    let added: Vec<usize> = (0..news.len()).filter(|&j| !taken[j]).collect();
    if added.iter().any(|&j| last_kept.is_some_and(|k| j < k)) {
        return Err(Refused);
    }
    for (i, e) in list.iter().enumerate() {
        match to[i] {
            None => edits.replace(e.lead, e.end, Vec::new()),
            Some(j) if edited[i] => item(text, e, &olds[i], &news[j], edits)?,
            Some(_) => {}
        }
    }
    if !added.is_empty() {
        let last = list.last().ok_or(Refused)?;
        let dash = dash_column(text, last)?;
        let flow = last.end == last.start + 1;
        let mut lines = Vec::new();
        for j in added {
            let n = &news[j];
            let l = if flow { one_item(dash, n) } else { None }.unwrap_or_else(|| block_item(dash, n));
            lines.extend(l);
        }
        edits.replace(last.end, last.end, lines);
    }
    Ok(())
}

/// The column of the `-` of a sequence item (on the item's first line).
fn dash_column(text: &Text<'_>, e: &Entry<'_>) -> Result<usize, Refused> {
    let line = text.body(e.start);
    let body = line.trim_start();
    if !body.starts_with('-') {
        return Err(Refused);
    }
    Ok(line.len() - body.len())
}

/// An edited sequence item: a block mapping is entered field by field, anything
/// else written again on its line.
fn item(text: &Text<'_>, e: &Entry<'_>, o: &Node, n: &Node, edits: &mut Edits) -> R {
    let dash = dash_column(text, e)?;
    let multi_line = e.end > e.start + 1;
    if let (Value::Map(_), Value::Map(nm), Value::Map(_), true) = (&e.value.value, &n.value, &o.value, multi_line) {
        if !nm.entries.is_empty() && line_of(e.value)? == e.start {
            let c = first_column(e.value)?;
            // The first key shares the dash's line: it may change, never go.
            let first = e.value.as_map().and_then(|m| m.entries.first()).and_then(|(k, _)| key_text(k));
            if first.is_some_and(|k| get(Some(n), k).is_none()) {
                return Err(Refused);
            }
            return block_map(text, e.value, o, n, Region { start: e.start, end: e.end }, c, Scope::Inner, edits);
        }
    }
    let merged = merge(e.value, Some(o), n, None);
    let lines = if multi_line { None } else { one_item(dash, &merged) }.unwrap_or_else(|| block_item(dash, n));
    edits.replace(e.start, e.end, lines);
    Ok(())
}

/// The new value `n`, keeping of the old text's tree `written` every entry whose
/// canonical value did not change (in the person's order and spelling).
fn merge(written: &Node, o: Option<&Node>, n: &Node, rename: Option<Rename<'_>>) -> Node {
    match (&written.value, &n.value) {
        (Value::Map(wm), Value::Map(nm)) => {
            let mut out = yaml::Map::default();
            for (k, wv) in &wm.entries {
                let Some(key) = key_text(k) else { continue };
                let new_key = match rename {
                    Some(r) if key == r.from => r.to,
                    _ => key,
                };
                let ov = get(o, key);
                match nm.get(new_key) {
                    Some(nv) if ov == Some(nv) => out.entries.push((yaml::Node::string(new_key), wv.clone())),
                    Some(nv) => out.entries.push((yaml::Node::string(new_key), merge(wv, ov, nv, None))),
                    None if ov.is_none() => out.entries.push((k.clone(), wv.clone())),
                    None => {}
                }
            }
            for (k, nv) in &nm.entries {
                let Some(key) = key_text(k) else { continue };
                let present = out.entries.iter().any(|(ok, _)| key_text(ok) == Some(key));
                if !present && get(o, key) != Some(nv) {
                    out.entries.push((k.clone(), nv.clone()));
                }
            }
            Node::new(Value::Map(out))
        }
        (Value::Seq(ws), Value::Seq(ns)) => {
            // Items equal to what the person wrote keep their spelling.
            let olds = match o.map(|o| &o.value) {
                Some(Value::Seq(os)) if os.len() == ws.len() => Some(os),
                _ => None,
            };
            let items = ns
                .iter()
                .map(|nv| {
                    olds.and_then(|os| os.iter().position(|ov| ov == nv)).map_or_else(|| nv.clone(), |i| ws[i].clone())
                })
                .collect();
            Node::new(Value::Seq(items))
        }
        (Value::Scalar(_), _) if o == Some(n) => written.clone(),
        _ => n.clone(),
    }
}

/// `key: value` on one line after `lead` (its indentation, or `  - ` for the
/// first key of a list item); `None` when the value needs more lines.
fn one_line(lead: &str, key: &str, v: &Node) -> Option<Vec<String>> {
    Some(vec![format!("{lead}{}: {}", yaml_key(key), flow(v)?)])
}

/// `- value` on one line with its dash at `col`.
fn one_item(col: usize, v: &Node) -> Option<Vec<String>> {
    Some(vec![format!("{}- {}", " ".repeat(col), flow(v)?)])
}

/// `key:` and its value in the canonical block style, indented to `lead`'s
/// width, the first line after `lead` itself.
fn block(lead: &str, key: &str, v: &Node) -> Vec<String> {
    let mut m = yaml::Map::default();
    m.entries.push((Node::string(key), v.clone()));
    let mut lines = indent(lead.chars().count(), &yaml::emit(&Node::new(Value::Map(m))));
    if let Some(first) = lines.first_mut() {
        let body: String = first.chars().skip(lead.chars().count()).collect();
        *first = format!("{lead}{body}");
    }
    lines
}

/// The first `col` characters of a line: the indentation of a key there (with
/// the `- ` of a list item whose first key it is).
fn lead_of(text: &Text<'_>, line: usize, col: usize) -> String {
    text.body(line).chars().take(col).collect()
}

fn block_item(col: usize, v: &Node) -> Vec<String> {
    indent(col, &yaml::emit(&Node::new(Value::Seq(vec![v.clone()]))))
}

fn indent(col: usize, text: &str) -> Vec<String> {
    let pad = " ".repeat(col);
    text.lines().map(|l| if l.is_empty() { String::new() } else { format!("{pad}{l}") }).collect()
}

fn yaml_key(key: &str) -> String {
    scalar_flow(&Node::string(key)).unwrap_or_else(|| double_quoted(key))
}

/// A value in flow style on one line: `{a: 1, b: [x, y]}`.
fn flow(v: &Node) -> Option<String> {
    match &v.value {
        Value::Scalar(_) => scalar_flow(v),
        Value::Seq(items) => {
            let parts: Option<Vec<String>> = items.iter().map(flow).collect();
            Some(format!("[{}]", parts?.join(", ")))
        }
        Value::Map(m) => {
            let parts: Option<Vec<String>> =
                m.entries.iter().map(|(k, v)| Some(format!("{}: {}", yaml_key(key_text(k)?), flow(v)?))).collect();
            Some(format!("{{{}}}", parts?.join(", ")))
        }
    }
}

/// A scalar as the block writer spells it, double-quoted where a flow
/// collection would read its plain text otherwise.
fn scalar_flow(v: &Node) -> Option<String> {
    let s = v.as_scalar()?;
    let written = yaml::emit(v);
    let written = written.strip_suffix('\n').unwrap_or(&written);
    if written.contains('\n') {
        return Some(double_quoted(&s.text));
    }
    let plain = !written.starts_with(['\'', '"']);
    if plain && written.contains([',', '[', ']', '{', '}']) {
        return Some(double_quoted(&s.text));
    }
    Some(written.to_string())
}

fn double_quoted(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{7f}' => out.push_str(&format!("\\x{:02x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const OLD: &str = "version: 1
name: t
cluster:
  cni: calico
  pod_cidr: [10.42.0.0/16]
  service_cidr: [10.43.0.0/16]
  asn: 64512
sites:
  home: {kind: lan}   # the flat
nodes:
  b: {site: home, role: server, address: 10.0.0.2}
  a: {site: home, role: agent, address: 10.0.0.1}
routers:
  gw:
    site: home
    daemon: bird
    address: 10.0.0.254
    serves: [home]
";

    fn edited(f: impl FnOnce(&mut Topology)) -> (Topology, String) {
        let mut t = parse(OLD).topology.expect("the test design reads");
        f(&mut t);
        let out = write_in_place(OLD, &t, None).expect("placed in the text");
        (t, out)
    }

    #[test]
    fn a_changed_field_rewrites_its_line_only() {
        let (_, out) = edited(|t| t.nodes.get_mut("a").expect("a").role = crate::model::Role::Server);
        assert_eq!(out, OLD.replace("a: {site: home, role: agent,", "a: {site: home, role: server,"));
    }

    #[test]
    fn an_unchanged_text_is_unchanged() {
        let (_, out) = edited(|_| {});
        assert_eq!(out, OLD);
    }
}
