//! Flow collections: `[a, b]` and `{a: 1, b}`, over as many lines as they take.

use std::collections::HashMap;

use super::merge::merge_keys;
use super::{check_key, Reader, R};
use crate::yaml::{Map, Node, Value};

impl Reader {
    /// A flow sequence `[a, b]` or mapping `{a: 1, b}`, in a block collection indented `n`.
    pub(super) fn flow(&mut self, n: isize, is_map: bool) -> R<Node> {
        self.nested(|r| r.flow_in(n, is_map))
    }

    pub(super) fn flow_in(&mut self, n: isize, is_map: bool) -> R<Node> {
        let at = self.i;
        let close = if is_map { '}' } else { ']' };
        self.i += 1;
        self.grow(1)?;
        let (mut items, mut map, mut seen) = (Vec::new(), Map::default(), HashMap::new());
        loop {
            self.flow_ws(at, close)?;
            if self.peek() == Some(close) {
                self.i += 1;
                break;
            }
            let key = self.flow_node(n, at, close)?;
            let key_end = self.i;
            self.flow_ws(at, close)?;
            if self.peek() == Some(':') {
                // `key: value`; in a sequence, a mapping of that one entry.
                if self.line_of(self.i) != key.span.line {
                    return self.err(self.i, "a key and its `:` must be on one line");
                }
                self.i += 1;
                let value_at = self.i;
                self.flow_ws(at, close)?;
                let mut single = HashMap::new();
                check_key(if is_map { &mut seen } else { &mut single }, &key)?;
                let value = match self.peek() {
                    Some(c) if c == ',' || c == close => self.empty(value_at)?,
                    _ => self.flow_node(n, at, close)?,
                };
                if is_map {
                    map.entries.push((key, value));
                } else {
                    self.grow(1)?;
                    let span = key.span;
                    items.push(Node { value: Value::Map(Map { entries: vec![(key, value)] }), span });
                }
            } else if is_map {
                check_key(&mut seen, &key)?;
                let value = self.empty(key_end)?;
                map.entries.push((key, value));
            } else {
                items.push(key);
            }
            self.flow_ws(at, close)?;
            match self.peek() {
                Some(',') => self.i += 1,
                Some(c) if c == close => {
                    self.i += 1;
                    break;
                }
                _ => {
                    let line = self.line_of(at);
                    return self
                        .err(self.i, format!("expected `,` or `{close}` in the collection opened on line {line}"));
                }
            }
        }
        let value = if is_map { Value::Map(merge_keys(map)?) } else { Value::Seq(items) };
        Ok(Node { value, span: self.span(at) })
    }

    /// Blanks, breaks and comments inside a flow collection opened at `at`.
    pub(super) fn flow_ws(&mut self, at: usize, close: char) -> R<()> {
        self.skip_ws(true)?;
        if self.peek().is_none() || self.is_marker() {
            return self.err(at, format!("unterminated flow collection: the closing `{close}` is missing"));
        }
        Ok(())
    }

    pub(super) fn flow_node(&mut self, n: isize, at: usize, close: char) -> R<Node> {
        let props = self.props()?;
        if props.any() {
            self.flow_ws(at, close)?;
            if matches!(self.peek(), Some(',' | ']' | '}' | ':')) {
                let node = self.empty(self.i)?;
                return self.finish(node, props);
            }
        }
        let node = self.content(n, true)?;
        self.finish(node, props)
    }
}
