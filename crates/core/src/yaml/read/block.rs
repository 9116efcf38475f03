//! Block collections: mappings and sequences laid out by indentation.

use std::collections::HashMap;

use super::merge::merge_keys;
use super::{check_key, Ctx, ReadError, Reader, R};
use crate::yaml::{Map, Node, Value};

impl Reader {
    /// Whether a fresh line at the position ends the block node about to be read
    /// in a collection indented `n` (a compact `- ` list may sit at a key's column).
    pub(super) fn ends_block(&self, n: isize, ctx: Ctx) -> bool {
        let col = self.col0(self.i) as isize;
        self.peek().is_none() || self.is_marker() || col < n || (col == n && !(ctx == Ctx::Value && self.is_entry()))
    }

    /// A node in block context, in a collection indented `n` (-1 at the top);
    /// `empty_at` is where an absent value is placed.
    pub(super) fn block_node(&mut self, n: isize, ctx: Ctx, empty_at: usize) -> R<Node> {
        self.nested(|r| r.block_node_in(n, ctx, empty_at))
    }

    pub(super) fn block_node_in(&mut self, n: isize, ctx: Ctx, empty_at: usize) -> R<Node> {
        self.skip_ws(false)?;
        let mut fresh = self.fresh();
        if fresh && self.ends_block(n, ctx) {
            return self.empty(empty_at);
        }
        // Properties alone on their line belong to the node below them, on the
        // line of a key to that key.
        let mut outer = self.no_props();
        let mut line_at = self.i;
        let mut inner = self.props()?;
        while inner.any() {
            self.skip_ws(false)?;
            if !self.fresh() {
                break;
            }
            outer = self.merge(outer, inner)?;
            fresh = true;
            if self.ends_block(n, ctx) {
                let node = self.empty(empty_at)?;
                return self.finish(node, outer);
            }
            line_at = self.i;
            inner = self.props()?;
        }
        if self.is_entry() {
            if inner.any() {
                return self.err(self.i, "put the anchor or tag of a sequence on the line before its first `- `");
            }
            if !fresh && ctx != Ctx::Item {
                return self.err(self.i, "a `- ` list cannot start on this line; put it on the lines below");
            }
            let col = self.col0(self.i) as isize;
            let seq = self.block_seq(col, ctx == Ctx::Value && col == n)?;
            return self.finish(seq, outer);
        }
        let node = self.content(n, false)?;
        let after = self.i;
        self.skip_blanks();
        // A key (what follows `: ` on a key's own line is reported by `finish_line`).
        if (fresh || ctx == Ctx::Item) && !self.only_ws_before() && self.peek() == Some(':') && self.blank_at(1) {
            let key = self.finish(node, inner)?;
            let map = self.block_map(self.col0(line_at) as isize, key)?;
            return self.finish(map, outer);
        }
        self.i = after;
        let props = self.merge(outer, inner)?;
        let node = self.finish(node, props)?;
        self.finish_line()?;
        Ok(node)
    }

    /// A block mapping whose keys sit at column `c`; `key` is read, its `:` next.
    pub(super) fn block_map(&mut self, c: isize, mut key: Node) -> R<Node> {
        self.grow(1)?;
        let span = key.span;
        let (mut map, mut seen) = (Map::default(), HashMap::new());
        loop {
            let text = check_key(&mut seen, &key)?;
            self.skip_blanks();
            if self.peek() != Some(':') || !self.blank_at(1) {
                return self.err(self.i, format!("expected `: ` after `{text}` (a mapping holds `key: value` lines)"));
            }
            if self.line_of(self.i) != key.span.line {
                return Err(ReadError { message: "a mapping key must be on one line".into(), span: key.span });
            }
            self.i += 1;
            let value = self.block_node(c, Ctx::Value, self.i)?;
            map.entries.push((key, value));
            self.skip_ws(false)?;
            let col = self.col0(self.i) as isize;
            if self.peek().is_none() || self.is_marker() || col < c {
                break;
            }
            if col > c {
                return self.err(self.i, format!("bad indentation: expected a key at column {} or less", c + 1));
            }
            if self.is_entry() {
                return self.err(self.i, "expected a `key: value` line like the others at this indentation, not `- `");
            }
            let props = self.props()?;
            if matches!(self.peek(), Some('|' | '>')) {
                return self.err(self.i, "a `|` or `>` block scalar must be indented more than its key");
            }
            let node = self.content(c, false)?;
            key = self.finish(node, props)?;
        }
        Ok(Node { value: Value::Map(merge_keys(map)?), span })
    }

    /// A block sequence whose `- ` sit at column `c` (`compact`: at its key's column).
    pub(super) fn block_seq(&mut self, c: isize, compact: bool) -> R<Node> {
        self.grow(1)?;
        let span = self.span(self.i);
        let mut items = Vec::new();
        loop {
            self.i += 1;
            items.push(self.block_node(c, Ctx::Item, self.i)?);
            self.skip_ws(false)?;
            let col = self.col0(self.i) as isize;
            if self.peek().is_none() || self.is_marker() || col < c || (compact && col == c && !self.is_entry()) {
                break;
            }
            if col > c {
                return self.err(self.i, format!("bad indentation: expected `- ` at column {} or less", c + 1));
            }
            if !self.is_entry() {
                return self.err(self.i, "expected `- ` here, like the other entries of the list at this indentation");
            }
        }
        Ok(Node { value: Value::Seq(items), span })
    }
}
