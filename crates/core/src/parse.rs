//! Text → `Topology` and back. Parsing reports every unknown field (not only the
//! first), each with its path and, where the source shows it, line and column.

use crate::diag::{Code, Diagnostic, Span};
use crate::model::{Topology, FORMAT_VERSION};
use crate::text::did_you_mean;
use crate::yaml::{self, DeErrorKind, Node, Resolved};

mod comments;
mod in_place;
mod places;

pub use comments::{comments, write_keeping_comments, write_renamed_keeping_comments, Renamed};
pub use in_place::{write_edit, write_in_place};
pub use places::Places;

/// What parsing a file gives: the topology when the text could be read into one
/// (with unknown fields left out when there were some), and what was wrong.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub topology: Option<Topology>,
    pub diagnostics: Vec<Diagnostic>,
    /// The text's tree, which places every later diagnostic by its path.
    pub places: Places,
}

/// Upper bound on parse-repair rounds, so hostile input cannot loop for long.
const MAX_ROUNDS: usize = 64;

pub fn parse(src: &str) -> Parsed {
    let mut diagnostics = Vec::new();
    let mut doc = match yaml::read(src) {
        Ok(node) => node,
        Err(e) => {
            diagnostics.push(
                Diagnostic::new(Code::E003, "", format!("the file is not valid YAML: {}", e.message)).at(Some(e.span)),
            );
            return Parsed { topology: None, diagnostics, places: Places::default() };
        }
    };

    // Where `version` is, or the top mapping that lacks it.
    let version_place = places::place(&doc, "version");
    let Some(map) = doc.as_map_mut() else {
        diagnostics.push(
            Diagnostic::new(Code::E004, "", "the file must be a YAML mapping (`version: 1`, `name: …`, `cluster: …`)")
                .at(Some(Span { line: 1, column: 1 })),
        );
        return Parsed { topology: None, diagnostics, places: Places::new(doc) };
    };
    match map.get("version") {
        None => {
            diagnostics.push(
                Diagnostic::new(Code::E001, "version", "the file has no `version`")
                    .hint(format!("add `version: {FORMAT_VERSION}` as the first line"))
                    .at(version_place),
            );
            // Read the rest as version 1 to report what else is wrong.
            map.insert("version", Node::plain(FORMAT_VERSION.to_string()));
        }
        Some(v)
            if v.as_scalar().map(|s| yaml::resolve(&s.text)) == Some(Resolved::Unsigned(u64::from(FORMAT_VERSION))) => {
        }
        Some(v) => {
            let message = match v.as_scalar() {
                _ if v.is_null() => format!("`version` is empty; this meshplan reads version {FORMAT_VERSION}"),
                Some(s) => {
                    format!(
                        "format version `{}` is not supported; this meshplan reads version {FORMAT_VERSION}",
                        s.text
                    )
                }
                None => format!("`version` must be a number; this meshplan reads version {FORMAT_VERSION}"),
            };
            diagnostics.push(
                Diagnostic::new(Code::E001, "version", message)
                    .hint("open the file with the meshplan release that wrote it")
                    .at(v.place()),
            );
            return Parsed { topology: None, diagnostics, places: Places::new(doc) };
        }
    }

    let mut removed: Vec<Vec<String>> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        let err = match yaml::from_node::<Topology>(&doc) {
            Ok(t) => return Parsed { topology: Some(t), diagnostics, places: Places::new(doc) },
            Err(e) => e,
        };
        let path = render_path(&err.path);
        let span = err.span.or_else(|| places::place(&doc, &path));
        match &err.kind {
            DeErrorKind::UnknownField { field, expected } => {
                // The error is about the mapping; the key is its last segment,
                // and the key is where it points.
                let mut segs = err.path.clone();
                segs.push(field.clone());
                let path = render_path(&segs);
                let span = places::place(&doc, &path).or(span);
                let mut d = Diagnostic::new(Code::E002, &path, err.message.clone());
                d = match did_you_mean(field, expected) {
                    Some(m) => d.hint(format!("did you mean `{m}`?")),
                    None => d.hint(format!("known fields here: {}", expected.join(", "))),
                };
                diagnostics.push(d.at(span));
                if !remove(&mut doc, &segs) {
                    break;
                }
                removed.push(segs);
                continue;
            }
            DeErrorKind::MissingField { field } => {
                let mut segs = err.path.clone();
                segs.push(field.clone());
                if removed.contains(&segs) {
                    break; // a field we removed for being wrong; already reported
                }
                // Placed at the mapping that lacks it.
                let path = join(&path, field);
                let span = places::place(&doc, &path).or(span);
                diagnostics.push(Diagnostic::new(Code::E004, path, err.message.clone()).at(span));
                break;
            }
            DeErrorKind::UnknownChoice { value, expected } => {
                let mut d = Diagnostic::new(Code::E004, &path, err.message.clone());
                d = match did_you_mean(value, expected) {
                    Some(m) => d.hint(format!("did you mean `{m}`?")),
                    None => d.hint(format!("one of: {}", expected.join(", "))),
                };
                diagnostics.push(d.at(span));
            }
            DeErrorKind::WrongType { .. } | DeErrorKind::Other => {
                let mut d = Diagnostic::new(Code::E004, &path, err.message.clone());
                if let Some(h) = &err.hint {
                    d = d.hint(h.clone());
                }
                diagnostics.push(d.at(span));
            }
        }
        if err.path.is_empty() || !remove(&mut doc, &err.path) {
            break;
        }
        removed.push(err.path);
    }
    Parsed { topology: None, diagnostics, places: Places::new(doc) }
}

/// Writes a topology back as YAML. `parse(write(t)) == t` for every topology.
pub fn write(t: &Topology) -> String {
    // Plain data has no failure mode when written; keep the reason rather than
    // panic should one ever appear.
    match yaml::to_value(t) {
        Ok(node) => yaml::emit(&node),
        Err(e) => format!("# could not write the topology: {e}\n"),
    }
}

/// `["links", "[3]", "between"]` → `links[3].between`.
fn render_path(segments: &[String]) -> String {
    let mut out = String::new();
    for s in segments {
        if !s.starts_with('[') && !out.is_empty() {
            out.push('.');
        }
        out.push_str(s);
    }
    out
}

fn join(path: &str, field: &str) -> String {
    if path.is_empty() || path == "." {
        field.to_string()
    } else {
        format!("{path}.{field}")
    }
}

/// Removes the element at `segments` from the document; false when it is not there.
fn remove(doc: &mut Node, segments: &[String]) -> bool {
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let mut cur = doc;
    for seg in parents {
        let next = match index(seg) {
            Some(i) => i.and_then(|i| cur.as_seq_mut().and_then(|s| s.get_mut(i))),
            None => cur.as_map_mut().and_then(|m| m.get_mut(seg)),
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    match index(last) {
        Some(i) => match (i, cur.as_seq_mut()) {
            (Some(i), Some(seq)) if i < seq.len() => {
                seq.remove(i);
                true
            }
            _ => false,
        },
        None => cur.as_map_mut().and_then(|m| m.remove(last)).is_some(),
    }
}

/// `[3]` → `Some(Some(3))`; a key → `None`.
fn index(segment: &str) -> Option<Option<usize>> {
    segment.strip_prefix('[').and_then(|s| s.strip_suffix(']')).map(|i| i.parse().ok())
}
