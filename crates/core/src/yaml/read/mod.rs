//! Text → [`Node`] tree: one YAML document, with where every node starts.
//!
//! YAML itself is `saphyr-parser`'s (a YAML 1.2 parser that passes the
//! yaml-test-suite, `tests/data/yaml-test-suite`): this module builds the tree
//! from its events and keeps what is the format's own on top. Scalars keep their
//! text (types are resolved later, by the type asked for): plain ones stay
//! [`Style::Plain`], quoted and block ones (and `!!str`) are [`Style::Str`].
//! Merge keys, YAML 1.1's `<<: *defaults` (`merge`), are applied. Refused, each
//! with a message saying so: more than one document, complex (`? `) and
//! non-scalar keys, duplicate keys, custom tags, nesting deeper than
//! [`MAX_DEPTH`] and more than [`MAX_NODES`] values with aliases expanded.
//!
//! Files: `build` turns events into the tree; `place` puts each node where the
//! format's diagnostics expect it (a value at its first character after any
//! anchor or tag, a block list at its first `-`, a block scalar at its `|`);
//! `errors` words saphyr's errors for a person; `merge` applies `<<`.

use super::Node;
use crate::diag::Span;

mod build;
mod errors;
mod merge;
mod place;
#[cfg(test)]
mod tests;

/// Why a text is not YAML this reader takes, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub message: String,
    pub span: Span,
}

/// Deeper nesting is refused (the tree's own recursion, in `de`, `Clone`, `Drop`).
const MAX_DEPTH: usize = 128;
/// Nodes in the tree, aliases counted expanded ("billion laughs" texts stop here).
const MAX_NODES: usize = 1_000_000;

type R<T> = Result<T, ReadError>;

/// Reads the one YAML document in `src`.
pub fn read(src: &str) -> Result<Node, ReadError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    // One kind of line break: `\r\n` and a lone `\r` become `\n`, so block
    // scalars hold `\n` and lines count the same everywhere.
    let owned;
    let src = if src.contains('\r') {
        owned = src.replace("\r\n", "\n").replace('\r', "\n");
        owned.as_str()
    } else {
        src
    };
    build::Builder::new(src).run()
}

fn err<T>(span: Span, message: impl Into<String>) -> R<T> {
    Err(ReadError { message: message.into(), span })
}
