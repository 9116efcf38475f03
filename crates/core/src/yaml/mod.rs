//! meshplan's YAML: a reader that keeps where every node starts, a serde
//! deserializer over what it read, and a writer in the canonical block style.
//!
//! The grammar is `saphyr-parser`'s, a YAML 1.2 parser that passes the official
//! test suite and reports spans; everything above its events is ours. Why: the
//! hand-written reader this replaced read 87% of the suite's valid cases and let
//! some wrong texts through (`tests/data/yaml-test-suite` now runs in CI), and a
//! parser with spans lets every error carry the line and column of the node it
//! is about. Why not a whole YAML library (serde_yaml_ng, saphyr's own tree):
//! the format wants its own tree (spans on every node, plain scalars kept as
//! text until a type asks, its refusals and merge keys), and the browser page
//! pays for every byte (libyaml translated to Rust was a fifth of the page's
//! module; saphyr-parser costs the page 14.9 KB gzipped more than the
//! hand-written reader did).
//!
//! Layers, each in its own file:
//! - `read`: text → [`Node`] tree (spans, anchors resolved, merge keys applied,
//!   duplicate keys, custom tags and second documents refused);
//! - `de`: [`Node`] → any `Deserialize` type, errors with a path and a span;
//! - `ser`: any `Serialize` type → [`Value`];
//! - `emit`: [`Value`] → text;
//! - `json`: [`Value`] → JSON, which `read` takes back;
//! - `words`: serde's descriptions of what a type wants and what it found, in a
//!   person's words, for `de`'s messages.

use crate::diag::Span;

mod de;
mod emit;
mod json;
mod read;
mod ser;
mod words;

pub(crate) use de::{float_json, resolve, Resolved};
pub use de::{from_node, DeError, DeErrorKind};
pub use emit::emit;
pub use json::to_json;
pub use read::{read, ReadError};
pub use ser::to_value;

/// A value read from (or to be written as) YAML.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// A scalar: its text and whether it must be taken as a string.
    Scalar(Scalar),
    Seq(Vec<Node>),
    Map(Map),
}

/// A scalar's text, unresolved: `1500`, `true`, `~` or `fd00::1` are all text
/// until a type asks for them (so `name: 1500` can still be a name).
#[derive(Debug, Clone, PartialEq)]
pub struct Scalar {
    pub text: String,
    pub style: Style,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Written without quotes: resolved by the type asked for (null, bool,
    /// number, or string).
    Plain,
    /// A string whatever it looks like: quoted or a block scalar in the text, or
    /// a Rust string being written.
    Str,
}

/// A mapping in the order its entries were written.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Map {
    pub entries: Vec<(Node, Node)>,
}

/// A value and where it starts in the text (1-based; `Span { line: 0, column: 0 }`
/// for values that did not come from a text).
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub span: Span,
}

/// Where values that were not read from a text start.
pub const NOWHERE: Span = Span { line: 0, column: 0 };

impl Node {
    pub fn new(value: Value) -> Node {
        Node { value, span: NOWHERE }
    }
    pub fn plain(text: impl Into<String>) -> Node {
        Node::new(Value::Scalar(Scalar { text: text.into(), style: Style::Plain }))
    }
    pub fn string(text: impl Into<String>) -> Node {
        Node::new(Value::Scalar(Scalar { text: text.into(), style: Style::Str }))
    }
    /// The span, or `None` for a value that did not come from a text.
    pub fn place(&self) -> Option<Span> {
        (self.span != NOWHERE).then_some(self.span)
    }
    pub fn as_map(&self) -> Option<&Map> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_map_mut(&mut self) -> Option<&mut Map> {
        match &mut self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }
    pub fn as_seq_mut(&mut self) -> Option<&mut Vec<Node>> {
        match &mut self.value {
            Value::Seq(s) => Some(s),
            _ => None,
        }
    }
    pub fn as_scalar(&self) -> Option<&Scalar> {
        match &self.value {
            Value::Scalar(s) => Some(s),
            _ => None,
        }
    }
    /// Whether this is a null: a plain `~`, `null` (any case YAML allows) or nothing.
    pub fn is_null(&self) -> bool {
        matches!(&self.value, Value::Scalar(s) if s.style == Style::Plain && is_null_text(&s.text))
    }
}

pub(crate) fn is_null_text(t: &str) -> bool {
    matches!(t, "" | "~" | "null" | "Null" | "NULL")
}

impl Map {
    /// The value of the scalar key `key`.
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries.iter().find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key)).map(|(_, v)| v)
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        self.entries.iter_mut().find(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key)).map(|(_, v)| v)
    }
    /// Sets `key` to `value`, in place when the key is there, else at the end.
    pub fn insert(&mut self, key: &str, value: Node) {
        match self.get_mut(key) {
            Some(slot) => *slot = value,
            None => self.entries.push((Node::string(key), value)),
        }
    }
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        let i = self.entries.iter().position(|(k, _)| k.as_scalar().is_some_and(|s| s.text == key))?;
        Some(self.entries.remove(i).1)
    }
}
