//! saphyr's events → the [`Node`] tree, with the format's refusals.
//!
//! A stack of open collections instead of recursion: nesting costs no stack,
//! and [`MAX_DEPTH`] bounds it for the code that walks the tree afterwards.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span as Marks, Tag};

use super::merge::merge_keys;
use super::place::{Pos, Text};
use super::{err, errors, ReadError, MAX_DEPTH, MAX_NODES, R};
use crate::diag::Span;
use crate::yaml::{Map, Node, Scalar, Style, Value};

const MORE_DOCUMENTS: &str =
    "the file holds more than one YAML document; a topology is one (refused on purpose: a second `---` starts another)";

/// The core schema's tags, taken and not applied: the type asked for decides.
const CORE_TAGS: &[&str] = &["int", "float", "bool", "null", "map", "seq"];

/// A collection being read.
struct Open {
    kind: Kind,
    span: Span,
    /// A block (not `[`/`{`) collection: a block mapping starts at its first key.
    block: bool,
    anchor: usize,
    /// Nodes counted before it: its size is the difference when it closes.
    nodes: usize,
}

enum Kind {
    Seq(Vec<Node>),
    Map {
        map: Map,
        /// Keys so far and the line each is on.
        seen: HashMap<String, usize>,
        key: Option<Node>,
    },
}

pub(super) struct Builder<'s> {
    src: &'s str,
    text: Text,
    open: Vec<Open>,
    /// Anchored nodes (by saphyr's anchor id) and how many nodes each expands to.
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    /// Where the previous event ended: a block scalar's `|` is after it.
    prev_end: Pos,
    root: Option<Node>,
}

impl<'s> Builder<'s> {
    pub fn new(src: &'s str) -> Builder<'s> {
        let start = Pos { i: 0, line: 1, col: 0 };
        Builder {
            src,
            text: Text::new(src),
            open: Vec::new(),
            anchors: HashMap::new(),
            nodes: 0,
            prev_end: start,
            root: None,
        }
    }

    pub fn run(mut self) -> R<Node> {
        let mut documents = 0;
        for event in Parser::new_from_str(self.src) {
            let (event, marks) = event.map_err(|e| errors::word(&e, &self.text, self.innermost_flow()))?;
            let start = Pos::of(&marks.start);
            match event {
                Event::DocumentStart(_) => {
                    documents += 1;
                    if documents > 1 {
                        return err(start.span(), MORE_DOCUMENTS);
                    }
                }
                Event::Scalar(text, style, anchor, tag) => {
                    let str_tag = tag_is_str(tag.as_deref(), start)?;
                    let plain = style == ScalarStyle::Plain && !str_tag;
                    let props = anchor != 0 || tag.is_some();
                    let span = self.scalar_place(style, props, text.is_empty(), &marks);
                    self.grow(1, span)?;
                    let value = Value::Scalar(Scalar {
                        text: text.into_owned(),
                        style: if plain { Style::Plain } else { Style::Str },
                    });
                    self.complete(Node { value, span }, anchor, self.nodes - 1, Some(start))?;
                }
                Event::Alias(id) => self.alias(id, start)?,
                Event::SequenceStart(anchor, tag) => self.begin(true, anchor, tag.as_deref(), start)?,
                Event::MappingStart(anchor, tag) => self.begin(false, anchor, tag.as_deref(), start)?,
                Event::SequenceEnd | Event::MappingEnd => self.end(start)?,
                Event::StreamEnd => break,
                Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
            }
            self.prev_end = Pos::of(&marks.end);
        }
        let empty = Value::Scalar(Scalar { text: String::new(), style: Style::Plain });
        Ok(self.root.unwrap_or(Node { value: empty, span: Span { line: 1, column: 1 } }))
    }

    /// The innermost open `[` or `{`, for errors about it.
    fn innermost_flow(&self) -> Option<(bool, Span)> {
        self.open.iter().rev().find(|o| !o.block).map(|o| (matches!(o.kind, Kind::Seq(_)), o.span))
    }

    /// Counts `k` more nodes against the limit.
    fn grow(&mut self, k: usize, at: Span) -> R<()> {
        self.nodes += k;
        if self.nodes > MAX_NODES {
            return err(at, format!("the document has more than {MAX_NODES} values (aliases expanded); refused"));
        }
        Ok(())
    }

    fn scalar_place(&self, style: ScalarStyle, props: bool, empty: bool, marks: &Marks) -> Span {
        let start = Pos::of(&marks.start);
        let p = match style {
            // The `|` or `>`: after the node's properties, or after what came before.
            ScalarStyle::Literal | ScalarStyle::Folded => {
                let (from, limit) = if props { (start, self.text.len()) } else { (self.prev_end, start.i) };
                let p = self.text.skip(from, limit, !props);
                if matches!(self.text.at(p.i), Some('|' | '>')) {
                    p
                } else {
                    start
                }
            }
            // An absent value with properties is where they are.
            _ if props && empty => start,
            _ if props => self.text.skip(start, self.text.len(), false),
            // An absent block value (`key:`) starts just after its `:`.
            _ if empty && self.text.at(start.i) == Some(':') => {
                Pos { i: start.i + 1, line: start.line, col: start.col + 1 }
            }
            _ => start,
        };
        p.span()
    }

    fn begin(&mut self, seq: bool, anchor: usize, tag: Option<&Tag>, start: Pos) -> R<()> {
        tag_is_str(tag, start)?;
        if let Some(Open { kind: Kind::Map { key: None, .. }, .. }) = self.open.last() {
            return err(
                start.span(),
                "only scalar keys are supported (a list or mapping as a key is refused on purpose)",
            );
        }
        if self.open.len() >= MAX_DEPTH {
            return err(start.span(), format!("the document nests deeper than {MAX_DEPTH} levels; refused"));
        }
        self.grow(1, start.span())?;
        let props = anchor != 0 || tag.is_some();
        let mut p = if props { self.text.skip(start, self.text.len(), false) } else { start };
        let block = !matches!(self.text.at(p.i), Some('[' | '{'));
        if block && seq && self.text.at(p.i) != Some('-') {
            p = self.text.dash_before(start).unwrap_or(p);
        }
        let kind = if seq {
            Kind::Seq(Vec::new())
        } else {
            Kind::Map { map: Map::default(), seen: HashMap::new(), key: None }
        };
        self.open.push(Open { kind, span: p.span(), block, anchor, nodes: self.nodes - 1 });
        Ok(())
    }

    fn end(&mut self, at: Pos) -> R<()> {
        let Some(open) = self.open.pop() else { return err(at.span(), "a collection ends that never started") };
        let (value, span) = match open.kind {
            Kind::Seq(items) => (Value::Seq(items), open.span),
            Kind::Map { map, .. } => {
                let first = map.entries.first().map(|(k, _)| k.span);
                let span = if open.block { first.unwrap_or(open.span) } else { open.span };
                (Value::Map(merge_keys(map)?), span)
            }
        };
        self.complete(Node { value, span }, open.anchor, open.nodes, None)
    }

    fn alias(&mut self, id: usize, at: Pos) -> R<()> {
        let name = self.text.name_at(at);
        let Some(size) = self.anchors.get(&id).map(|a| a.1) else {
            return err(at.span(), format!("alias `*{name}` refers to the value it is inside of"));
        };
        // Counted before the copy: nested aliases cannot multiply memory.
        self.grow(size, at.span())?;
        let Some((node, _)) = self.anchors.get(&id) else { return err(at.span(), "alias without its anchor") };
        let mut node = node.clone();
        node.span = at.span();
        self.attach(node, Some(at))
    }

    /// A node read in full: recorded when anchored, then put in its place.
    fn complete(&mut self, node: Node, anchor: usize, nodes_before: usize, start: Option<Pos>) -> R<()> {
        if anchor != 0 {
            // The copy kept for aliases counts too.
            let size = self.nodes - nodes_before;
            self.grow(size, node.span)?;
            self.anchors.insert(anchor, (node.clone(), size));
        }
        self.attach(node, start)
    }

    /// Puts `node` (a scalar or alias starting at `start` in saphyr's marks)
    /// into the open collection.
    fn attach(&mut self, node: Node, start: Option<Pos>) -> R<()> {
        let text = &self.text;
        match self.open.last_mut() {
            None => self.root = Some(node),
            Some(Open { kind: Kind::Seq(items), .. }) => items.push(node),
            Some(Open { kind: Kind::Map { map, seen, key }, .. }) => match key.take() {
                Some(k) => map.entries.push((k, node)),
                None => {
                    if let Some(q) = start.and_then(|p| text.question_before(p)) {
                        return err(
                            q.span(),
                            "complex keys (`? `) are refused on purpose by this format; write `key: value`",
                        );
                    }
                    let Value::Scalar(s) = &node.value else {
                        return err(
                            node.span,
                            "only scalar keys are supported (an alias of a list or mapping as a key is refused)",
                        );
                    };
                    if let Some(first) = seen.insert(s.text.clone(), node.span.line) {
                        let (name, why) =
                            (&s.text, "refused on purpose, where other tools silently keep one of the two");
                        return err(node.span, format!("duplicate key `{name}` (first at line {first}); {why}"));
                    }
                    *key = Some(node);
                }
            },
        }
        Ok(())
    }
}

/// Whether `tag` is `!!str` (the value is a string); the core schema's other
/// tags are taken and left to the type asked for; any other tag is refused.
fn tag_is_str(tag: Option<&Tag>, at: Pos) -> R<bool> {
    let Some(t) = tag else { return Ok(false) };
    const CORE: &str = "tag:yaml.org,2002:";
    if t.handle == CORE && t.suffix == "str" {
        return Ok(true);
    }
    if t.handle == CORE && CORE_TAGS.contains(&t.suffix.as_str()) {
        return Ok(false);
    }
    let written = match t.handle.as_str() {
        CORE => format!("!!{}", t.suffix),
        "!" => format!("!{}", t.suffix),
        "" => format!("!<{}>", t.suffix),
        h => format!("!<{h}{}>", t.suffix),
    };
    let message = format!("tags such as `{written}` are not used by this format (refused on purpose); remove it");
    Err(ReadError { message, span: at.span() })
}
