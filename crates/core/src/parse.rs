//! Text → `Topology` and back. Parsing reports every unknown field (not only the
//! first), each with its path and, where the source shows it, line and column.

use serde::de::DeserializeOwned;
use serde_yaml_ng::Value;

use crate::diag::{Code, Diagnostic, Span};
use crate::model::{Topology, FORMAT_VERSION};
use crate::text::did_you_mean;

mod comments;
mod locate;

pub use comments::write_keeping_comments;
pub use locate::locate;

/// What parsing a file gives: the topology when the text could be read into one
/// (with unknown fields left out when there were some), and what was wrong.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub topology: Option<Topology>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Upper bound on parse-repair rounds, so hostile input cannot loop for long.
const MAX_ROUNDS: usize = 64;

pub fn parse(src: &str) -> Parsed {
    let mut diagnostics = Vec::new();
    let mut value: Value = match serde_yaml_ng::from_str(src) {
        Ok(v) => v,
        Err(e) => {
            let span = e.location().map(|l| Span { line: l.line(), column: l.column() });
            diagnostics.push(
                Diagnostic::new(
                    Code::E003,
                    "",
                    format!("the file is not valid YAML: {}", strip_location(&e.to_string())),
                )
                .at(span),
            );
            return Parsed { topology: None, diagnostics };
        }
    };

    let Some(map) = value.as_mapping_mut() else {
        diagnostics.push(
            Diagnostic::new(Code::E004, "", "the file must be a YAML mapping (`version: 1`, `name: …`, `cluster: …`)")
                .at(Some(Span { line: 1, column: 1 })),
        );
        return Parsed { topology: None, diagnostics };
    };
    match map.get("version") {
        None => {
            diagnostics.push(
                Diagnostic::new(Code::E001, "version", "the file has no `version`")
                    .hint(format!("add `version: {FORMAT_VERSION}` as the first line")),
            );
            // Read the rest as version 1 to report what else is wrong.
            map.insert(Value::from("version"), Value::from(FORMAT_VERSION));
        }
        Some(v) if v.as_u64() == Some(u64::from(FORMAT_VERSION)) => {}
        Some(v) => {
            let shown = serde_yaml_ng::to_string(v).unwrap_or_default();
            diagnostics.push(
                Diagnostic::new(
                    Code::E001,
                    "version",
                    format!(
                        "format version {} is not supported; this meshplan reads version {FORMAT_VERSION}",
                        shown.trim()
                    ),
                )
                .hint("open the file with the meshplan release that wrote it")
                .at(locate(src, "version")),
            );
            return Parsed { topology: None, diagnostics };
        }
    }

    let mut first_round = diagnostics.is_empty();
    let mut removed: Vec<Vec<String>> = Vec::new();
    for _ in 0..MAX_ROUNDS {
        // The first round reads the text itself, so the first error has an exact place.
        let result = if first_round { from_text::<Topology>(src) } else { from_value::<Topology>(value.clone()) };
        first_round = false;
        let err = match result {
            Ok(t) => {
                return Parsed { topology: Some(t), diagnostics };
            }
            Err(e) => e,
        };
        let span = err.span.or_else(|| locate(src, &err.path));
        if let Some((field, expected)) = unknown_field(&err.message) {
            // The path may or may not end at the unknown key already.
            let mut segs = err.segments.clone();
            if segs.last() != Some(&field) {
                segs.push(field.clone());
            }
            let path = render_path(&segs);
            let mut d = Diagnostic::new(Code::E002, &path, format!("unknown field `{field}`"));
            d = match did_you_mean(&field, &expected) {
                Some(m) => d.hint(format!("did you mean `{m}`?")),
                None => d.hint(format!("known fields here: {}", expected.join(", "))),
            };
            diagnostics.push(d.at(locate(src, &path).or(span)));
            if !remove(&mut value, &segs) {
                break;
            }
            removed.push(segs);
            continue;
        }
        if let Some(field) = missing_field(&err.message) {
            let mut segs = err.segments.clone();
            segs.push(field.clone());
            if removed.contains(&segs) {
                break; // a field we removed for being wrong; already reported
            }
            diagnostics.push(
                Diagnostic::new(Code::E004, join(&err.path, &field), format!("required field `{field}` is missing"))
                    .at(span),
            );
            break;
        }
        diagnostics.push(Diagnostic::new(Code::E004, &err.path, err.message.clone()).at(span));
        if err.segments.is_empty() || !remove(&mut value, &err.segments) {
            break;
        }
        removed.push(err.segments);
    }
    Parsed { topology: None, diagnostics }
}

/// Writes a topology back as YAML. `parse(write(t)) == t` for every topology.
pub fn write(t: &Topology) -> String {
    // Serializing plain data to YAML has no failure mode of its own; keep the
    // error text rather than panic should serde_yaml_ng ever grow one.
    serde_yaml_ng::to_string(t).unwrap_or_else(|e| format!("# could not write the topology: {e}\n"))
}

struct DeError {
    path: String,
    segments: Vec<String>,
    message: String,
    span: Option<Span>,
}

fn from_text<T: DeserializeOwned>(src: &str) -> Result<T, DeError> {
    let de = serde_yaml_ng::Deserializer::from_str(src);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let span = e.inner().location().map(|l| Span { line: l.line(), column: l.column() });
        de_error(e.path(), strip_location(&e.inner().to_string()), span)
    })
}

fn from_value<T: DeserializeOwned>(v: Value) -> Result<T, DeError> {
    serde_path_to_error::deserialize(v).map_err(|e| {
        // Errors from a `Value` start with their own path ("nodes.a: …"); drop it.
        let msg = e.inner().to_string();
        let path = e.path().to_string();
        let msg = msg.strip_prefix(&format!("{path}: ")).unwrap_or(&msg).to_string();
        de_error(e.path(), strip_location(&msg), None)
    })
}

fn de_error(path: &serde_path_to_error::Path, message: String, span: Option<Span>) -> DeError {
    use serde_path_to_error::Segment;
    let mut segments = Vec::new();
    for seg in path.iter() {
        match seg {
            Segment::Map { key } => segments.push(key.clone()),
            Segment::Seq { index } => segments.push(format!("[{index}]")),
            Segment::Enum { variant } => segments.push(variant.clone()),
            Segment::Unknown => {}
        }
    }
    DeError { path: render_path(&segments), segments, message, span }
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

/// serde_yaml_ng appends " at line L column C" to messages; the span carries that.
fn strip_location(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// "unknown field `addres`, expected one of `a`, `b`" → ("addres", [a, b]).
fn unknown_field(msg: &str) -> Option<(String, Vec<String>)> {
    let rest = &msg[msg.find("unknown field `")? + "unknown field `".len()..];
    let (field, rest) = rest.split_once('`')?;
    let expected = rest.split('`').skip(1).step_by(2).map(str::to_string).collect();
    Some((field.to_string(), expected))
}

fn missing_field(msg: &str) -> Option<String> {
    let rest = &msg[msg.find("missing field `")? + "missing field `".len()..];
    let (field, _) = rest.split_once('`')?;
    Some(field.to_string())
}

/// Removes the element at `segments` from the document; false when it is not there.
fn remove(value: &mut Value, segments: &[String]) -> bool {
    let Some((last, parents)) = segments.split_last() else {
        return false;
    };
    let mut cur = value;
    for seg in parents {
        let next = match seg.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            Some(i) => i.parse::<usize>().ok().and_then(|i| cur.as_sequence_mut().and_then(|s| s.get_mut(i))),
            None => cur.as_mapping_mut().and_then(|m| m.get_mut(seg.as_str())),
        };
        match next {
            Some(n) => cur = n,
            None => return false,
        }
    }
    match last.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        Some(i) => match (i.parse::<usize>().ok(), cur.as_sequence_mut()) {
            (Some(i), Some(seq)) if i < seq.len() => {
                seq.remove(i);
                true
            }
            _ => false,
        },
        None => cur.as_mapping_mut().and_then(|m| m.remove(last.as_str())).is_some(),
    }
}
