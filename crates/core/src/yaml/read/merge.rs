//! Merge keys, `<<: *defaults` (https://yaml.org/type/merge.html, the YAML 1.1
//! type every Ansible and compose file uses): the entries of the merged mapping,
//! or of each mapping of a merged list, join the mapping that holds the `<<`,
//! unless it has that key itself. With a list, an earlier mapping wins over a
//! later one. A quoted `"<<"` is an ordinary key.

use super::{ReadError, R};
use crate::yaml::{Map, Node, Style, Value};

/// `map` with its `<<` entry (if any) replaced by the entries it merges, in the
/// place the `<<` was written; each merged entry keeps the place it was read from.
pub(super) fn merge_keys(map: Map) -> R<Map> {
    let is_merge = |k: &Node| matches!(&k.value, Value::Scalar(s) if s.style == Style::Plain && s.text == "<<");
    if !map.entries.iter().any(|(k, _)| is_merge(k)) {
        return Ok(map);
    }
    let own: Vec<String> = map.entries.iter().filter(|(k, _)| !is_merge(k)).filter_map(|(k, _)| key_text(k)).collect();
    let mut out = Map::default();
    for (key, value) in map.entries {
        if !is_merge(&key) {
            out.entries.push((key, value));
            continue;
        }
        let sources = match value.value {
            Value::Map(m) => vec![m],
            Value::Seq(items) => items
                .into_iter()
                .map(|n| match n.value {
                    Value::Map(m) => Ok(m),
                    _ => Err(refused(n.span)),
                })
                .collect::<R<Vec<Map>>>()?,
            Value::Scalar(_) => return Err(refused(value.span)),
        };
        let mut taken: Vec<String> = own.clone();
        for source in sources {
            for (k, v) in source.entries {
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
