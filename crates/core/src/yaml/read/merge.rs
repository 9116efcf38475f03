//! Merge keys, `<<: *defaults` (https://yaml.org/type/merge.html, the YAML 1.1
//! type every Ansible and compose file uses): the entries of the merged mapping,
//! or of each mapping of a merged list, join the mapping that holds the `<<`,
//! unless it has that key itself. With a list, an earlier mapping wins over a
//! later one. A quoted `"<<"` is an ordinary key.

use super::{ReadError, R};
use crate::yaml::{Map, Node, Style, Value};

/// `map` with its `<<` entry (if any) replaced by the entries it merges, in the
/// place the `<<` was written; each merged entry keeps the place it was read from.
/// Plain loops, no generic collecting: this runs in the browser's module.
pub(super) fn merge_keys(map: Map) -> R<Map> {
    if !map.entries.iter().any(|(k, _)| is_merge(k)) {
        return Ok(map);
    }
    let mut taken: Vec<String> = Vec::new();
    for (k, _) in &map.entries {
        if let (false, Some(t)) = (is_merge(k), key_text(k)) {
            taken.push(t);
        }
    }
    let mut out = Map::default();
    for (key, value) in map.entries {
        if !is_merge(&key) {
            out.entries.push((key, value));
            continue;
        }
        let span = value.span;
        let sources = match value.value {
            Value::Map(m) => vec![Node { value: Value::Map(m), span }],
            Value::Seq(items) => items,
            Value::Scalar(_) => return Err(refused(span)),
        };
        for source in sources {
            let Value::Map(m) = source.value else { return Err(refused(source.span)) };
            for (k, v) in m.entries {
                let Some(text) = key_text(&k) else { continue };
                if !taken.contains(&text) {
                    taken.push(text);
                    out.entries.push((k, v));
                }
            }
        }
    }
    Ok(out)
}

fn is_merge(k: &Node) -> bool {
    matches!(&k.value, Value::Scalar(s) if s.style == Style::Plain && s.text == "<<")
}

fn key_text(k: &Node) -> Option<String> {
    k.as_scalar().map(|s| s.text.clone())
}

fn refused(span: crate::diag::Span) -> ReadError {
    ReadError {
        message: "`<<` merges a mapping into this one: write `<<: *name` (an anchored mapping) or a list of them"
            .into(),
        span,
    }
}
