//! Where a diagnostic's path (`nodes.kubemaster.address`, `links[3].between[1]`)
//! stands in the text, looked up on the tree the reader built: the reader's own
//! spans, so there is no second parser to disagree with it (columns are
//! characters, comments and quotes are the reader's business).
//!
//! A path leads to the key it names (`nodes.a.site` → the `site` key) or to the
//! item at an index. A name may itself hold dots (`ty1.k3s`): the longest key
//! that the remaining names join to wins. A path whose last element is not in
//! the text (a required field left out, a default) places at the mapping or
//! list that lacks it.

use crate::diag::Span;
use crate::yaml::{Node, Value};

/// The tree of one parsed text, kept for placing diagnostics. Empty when the
/// text was not YAML.
#[derive(Debug, Clone, Default)]
pub struct Places {
    root: Option<Node>,
}

/// One step of a path.
#[derive(Debug, PartialEq)]
enum Seg<'a> {
    Name(&'a str),
    Index(usize),
}

impl Places {
    pub fn new(root: Node) -> Places {
        Places { root: Some(root) }
    }

    /// Where `path` stands: line and column (in characters) of the key or item
    /// it names, or of the nearest mapping or list that lacks its last element.
    pub fn of(&self, path: &str) -> Option<Span> {
        place(self.root.as_ref()?, path)
    }
}

/// [`Places::of`] on a tree that parsing still works on.
pub(super) fn place(root: &Node, path: &str) -> Option<Span> {
    let segs = split(path)?;
    if segs.is_empty() {
        return None;
    }
    walk(root, root.place(), &segs)
}

/// From `node` (which stands at `at`), the place of `segs`.
fn walk(node: &Node, at: Option<Span>, segs: &[Seg<'_>]) -> Option<Span> {
    let Some(first) = segs.first() else {
        return at;
    };
    // What is missing is placed at what lacks it, when it is the path's last
    // element (one index, or names that may be one dotted key).
    let missing = || if segs.iter().all(|s| matches!(s, Seg::Name(_))) || segs.len() == 1 { at } else { None };
    match (first, &node.value) {
        (Seg::Index(i), Value::Seq(items)) => match items.get(*i) {
            Some(item) => walk(item, item.place().or(at), &segs[1..]),
            None => missing(),
        },
        (Seg::Name(_), Value::Map(map)) => {
            let names: Vec<&str> =
                segs.iter().map_while(|s| if let Seg::Name(n) = s { Some(*n) } else { None }).collect();
            // One pass over the entries: the key that joins the most names.
            let mut best: Option<(usize, &Node, &Node)> = None;
            for (k, v) in &map.entries {
                let Some(text) = k.as_scalar().map(|s| s.text.as_str()) else { continue };
                if let Some(n) = joined(text, &names) {
                    if best.is_none_or(|(b, _, _)| n > b) {
                        best = Some((n, k, v));
                    }
                }
            }
            match best {
                Some((n, k, v)) => walk(v, k.place().or(at), &segs[n..]),
                None => missing(),
            }
        }
        _ => missing(),
    }
}

/// How many of `names` the key `key` is, joined with dots (`ty1.k3s` is 2 of
/// `[ty1, k3s, role]`), or `None`.
fn joined(key: &str, names: &[&str]) -> Option<usize> {
    let mut rest = key;
    for (i, name) in names.iter().enumerate() {
        rest = rest.strip_prefix(name)?;
        if rest.is_empty() {
            return Some(i + 1);
        }
        rest = rest.strip_prefix('.')?;
    }
    None
}

/// `links[3].between[1]` → `links`, `[3]`, `between`, `[1]`; `None` when an
/// index is not a number.
fn split(path: &str) -> Option<Vec<Seg<'_>>> {
    let mut out = Vec::new();
    for part in path.split('.') {
        let (name, mut rest) = part.split_at(part.find('[').unwrap_or(part.len()));
        if !name.is_empty() {
            out.push(Seg::Name(name));
        }
        while let Some(inner) = rest.strip_prefix('[') {
            let end = inner.find(']')?;
            out.push(Seg::Index(inner[..end].parse().ok()?));
            rest = &inner[end + 1..];
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::yaml::read;

    fn at(src: &str, path: &str) -> Option<(usize, usize)> {
        Places::new(read(src).unwrap()).of(path).map(|s| (s.line, s.column))
    }

    const SRC: &str = "version: 1\nnodes:\n  ty1.k3s: {site: a, role: agent}\n  b:\n    site: x\nlinks:\n  - between: [a, b]\n  - between: [c, d]\n    mtu: 9\n";

    #[test]
    fn finds_nested_keys_flow_maps_and_dotted_names() {
        assert_eq!(at(SRC, "nodes.b.site"), Some((5, 5)));
        assert_eq!(at(SRC, "nodes.ty1.k3s.role"), Some((3, 22)));
        assert_eq!(at(SRC, "nodes.ty1.k3s"), Some((3, 3)));
        assert_eq!(at(SRC, "links[1].mtu"), Some((9, 5)));
        assert_eq!(at(SRC, "links[1].between[1]"), Some((8, 18)));
        // An item is where its content starts.
        assert_eq!(at(SRC, "links[1]"), Some((8, 5)));
        assert_eq!(at(SRC, ""), None);
        assert_eq!(at(SRC, "links[x]"), None);
    }

    #[test]
    fn what_is_missing_places_at_what_lacks_it() {
        // A key the mapping lacks (a required field, a default): the mapping's key.
        assert_eq!(at(SRC, "nodes.zz"), Some((2, 1)));
        assert_eq!(at(SRC, "nodes.b.role"), Some((4, 3)));
        assert_eq!(at(SRC, "nodes.ty1.k3s.address"), Some((3, 3)));
        assert_eq!(at(SRC, "cluster"), Some((1, 1)));
        // A missing name that may itself hold dots.
        assert_eq!(at(SRC, "nodes.c.d"), Some((2, 1)));
        // An index past the end: the list's key.
        assert_eq!(at(SRC, "links[5]"), Some((6, 1)));
        // Not the last element: no place rather than a wrong one.
        assert_eq!(at(SRC, "nodes.zz.site[0]"), None);
        assert_eq!(at(SRC, "links[5].mtu"), None);
        assert_eq!(Places::default().of("nodes"), None);
    }

    #[test]
    fn columns_count_characters_and_quoted_hashes_are_not_comments() {
        let src = "nodes:\n  zürich: {label: \"Zürich\", site: x}\n";
        assert_eq!(at(src, "nodes.zürich.site"), Some((2, 29)));
        let src = "sites:\n  a: {label: \"see #2\", kind: lan}\n  b: {label: 'it''s #3', kind: vpc} # c: 1\n";
        assert_eq!(at(src, "sites.a.kind"), Some((2, 24)));
        assert_eq!(at(src, "sites.b.kind"), Some((3, 26)));
        assert_eq!(at(src, "sites.b.c"), Some((3, 3)));
    }

    #[test]
    fn flow_sequences_over_lines_nested_and_quoted() {
        let src = "r:\n  serves: [home,\n           garage]\nb:\n  backbone: [[r1, venus], [\"a,b\", c]]\n";
        assert_eq!(at(src, "r.serves[1]"), Some((3, 12)));
        assert_eq!(at(src, "b.backbone[0][1]"), Some((5, 19)));
        assert_eq!(at(src, "b.backbone[1][1]"), Some((5, 35)));
        assert_eq!(at(src, "r.serves[2]"), Some((2, 3)));
    }

    #[test]
    fn crlf_and_flow_mappings_over_several_lines() {
        let src = "nodes:\r\n  a: {site: x,\r\n      role: agent}\r\n";
        assert_eq!(at(src, "nodes.a.role"), Some((3, 7)));
        let src = "nodes:\r\n  a: {\r\n    site: x,\r\n    role: agent\r\n  }\r\n";
        assert_eq!(at(src, "nodes.a.role"), Some((4, 5)));
        assert_eq!(at(src, "nodes.a.address"), Some((2, 3)));
    }

    #[test]
    fn merged_keys_place_where_they_are_written() {
        let src = "defaults: &d\n  role: agent\nnodes:\n  a:\n    <<: *d\n    site: x\n";
        assert_eq!(at(src, "nodes.a.site"), Some((6, 5)));
        assert_eq!(at(src, "nodes.a.role").map(|(l, _)| l), Some(2));
    }

    #[test]
    fn splits_names_and_indexes() {
        assert_eq!(
            split("links[3].between[1]"),
            Some(vec![Seg::Name("links"), Seg::Index(3), Seg::Name("between"), Seg::Index(1)])
        );
        assert_eq!(split("b.backbone[0][1]").map(|s| s.len()), Some(4));
        assert_eq!(split("links[x]"), None);
        assert_eq!(joined("ty1.k3s", &["ty1", "k3s", "role"]), Some(2));
        assert_eq!(joined("ty1", &["ty1", "k3s"]), Some(1));
        assert_eq!(joined("ty1.k3", &["ty1", "k3s"]), None);
        assert_eq!(joined("ty", &["ty1"]), None);
    }
}
