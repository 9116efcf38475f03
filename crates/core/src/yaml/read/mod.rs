//! Text → [`Node`] tree: one YAML document, with where every node starts.
//!
//! The part of YAML 1.2 a topology can use: block and flow collections, all
//! scalar styles, comments, anchors and aliases, `!!str`, and YAML 1.1's merge
//! keys (`<<: *defaults`, `merge`). Scalars keep their
//! text (types are resolved later, by the type asked for). Refused: more than
//! one document, complex (`? `) and non-scalar keys, custom tags.
//!
//! A recursive-descent parser over the text as `char`s (columns count
//! characters). Block collections know their column and end at the first line
//! indented less; every recursion counts towards a depth limit. This file has
//! the reader's state, the document, node properties (anchors, tags, aliases)
//! and keys; `block`, `flow` and `scalar` read what their names say.

use std::collections::HashMap;

use super::{Node, Scalar, Style, Value};
use crate::diag::Span;

mod block;
mod flow;
mod merge;
mod scalar;
#[cfg(test)]
mod tests;

/// Why a text is not YAML this reader takes, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadError {
    pub message: String,
    pub span: Span,
}

/// Deeper nesting is refused: each level is a few stack frames.
const MAX_DEPTH: usize = 128;
/// Nodes in the tree, aliases counted expanded ("billion laughs" texts stop here).
const MAX_NODES: usize = 1_000_000;
const NESTED_MAP: &str = "a mapping cannot start on this line: a nested mapping goes on the lines below its key, \
                          indented (quote a value that holds `: `)";

type R<T> = Result<T, ReadError>;

/// Reads the one YAML document in `src`.
pub fn read(src: &str) -> Result<Node, ReadError> {
    let src = src.strip_prefix('\u{feff}').unwrap_or(src);
    // One kind of line break from here on: `\r\n` and a lone `\r` become `\n`.
    let mut s = Vec::with_capacity(src.len());
    let mut chars = src.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() == Some(&'\n') => {}
            '\r' => s.push('\n'),
            c => s.push(c),
        }
    }
    let mut line_starts = vec![0];
    line_starts.extend(s.iter().enumerate().filter(|(_, &c)| c == '\n').map(|(i, _)| i + 1));
    Reader { s, i: 0, line_starts, anchors: HashMap::new(), nodes: 0, depth: 0 }.document()
}

struct Reader {
    s: Vec<char>,
    i: usize,
    line_starts: Vec<usize>,
    /// Anchored nodes and how many nodes each expands to.
    anchors: HashMap<String, (Node, usize)>,
    nodes: usize,
    depth: usize,
}

/// What a block node follows: it decides whether a collection may start on its line.
#[derive(Clone, Copy, PartialEq)]
enum Ctx {
    Top,
    Value,
    Item,
}

/// The anchor and tag written before a node.
struct Props {
    anchor: Option<String>,
    tagged: bool,
    str_tag: bool,
    /// Nodes read before this node: the anchor's expansion size is the difference.
    nodes: usize,
}

impl Props {
    fn any(&self) -> bool {
        self.anchor.is_some() || self.tagged
    }
}

fn is_flow_indicator(c: Option<char>) -> bool {
    matches!(c, Some(',' | '[' | ']' | '{' | '}'))
}

impl Reader {
    fn at(&self, k: usize) -> Option<char> {
        self.s.get(self.i + k).copied()
    }
    fn peek(&self) -> Option<char> {
        self.at(0)
    }
    /// Nothing, a blank or a line break at `i + k`: what ends a token.
    fn blank_at(&self, k: usize) -> bool {
        matches!(self.at(k), None | Some(' ' | '\t' | '\n'))
    }
    fn skip_while(&mut self, f: impl Fn(char) -> bool) {
        while self.peek().is_some_and(&f) {
            self.i += 1;
        }
    }
    fn skip_blanks(&mut self) {
        self.skip_while(|c| c == ' ' || c == '\t');
    }
    fn line_of(&self, i: usize) -> usize {
        self.line_starts.partition_point(|&s| s <= i)
    }
    fn line_start(&self, i: usize) -> usize {
        self.line_starts.get(self.line_of(i).saturating_sub(1)).copied().unwrap_or(0)
    }
    fn col0(&self, i: usize) -> usize {
        i.saturating_sub(self.line_start(i))
    }
    fn span(&self, i: usize) -> Span {
        Span { line: self.line_of(i), column: self.col0(i) + 1 }
    }
    fn err<T>(&self, i: usize, message: impl Into<String>) -> R<T> {
        Err(ReadError { message: message.into(), span: self.span(i) })
    }
    fn text(&self, a: usize, b: usize) -> String {
        self.s.get(a..b).unwrap_or_default().iter().collect()
    }
    /// Only blanks between the start of the line and the position.
    fn only_ws_before(&self) -> bool {
        self.s.get(self.line_start(self.i)..self.i).is_some_and(|w| w.iter().all(|&c| c == ' ' || c == '\t'))
    }
    /// At the first content of a line, or at the end: where a block node may start afresh.
    fn fresh(&self) -> bool {
        self.peek().is_none() || self.only_ws_before()
    }
    /// `---` or `...` at the start of a line: a document's start or end.
    fn is_marker(&self) -> bool {
        let three = |c: char| (0..3).all(|k| self.at(k) == Some(c));
        (three('-') || three('.')) && self.blank_at(3) && self.col0(self.i) == 0
    }
    fn is_entry(&self) -> bool {
        self.peek() == Some('-') && self.blank_at(1)
    }
    fn comment_ok(&self) -> bool {
        self.i == 0 || matches!(self.s.get(self.i - 1), Some(' ' | '\t' | '\n'))
    }
    /// Counts `k` more nodes against the limit.
    fn grow(&mut self, k: usize) -> R<()> {
        self.nodes += k;
        if self.nodes > MAX_NODES {
            return self.err(self.i, format!("the document has more than {MAX_NODES} values (aliases expanded)"));
        }
        Ok(())
    }
    /// Runs `f` one nesting level deeper.
    fn nested<T>(&mut self, f: impl FnOnce(&mut Self) -> R<T>) -> R<T> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err(self.i, format!("the document nests deeper than {MAX_DEPTH} levels"));
        }
        let r = f(self);
        self.depth -= 1;
        r
    }
    fn scalar(&mut self, text: String, style: Style, at: usize) -> R<Node> {
        self.grow(1)?;
        Ok(Node { value: Value::Scalar(Scalar { text, style }), span: self.span(at) })
    }
    fn empty(&mut self, at: usize) -> R<Node> {
        self.scalar(String::new(), Style::Plain, at)
    }

    /// Skips blanks, line breaks and comments.
    /// In block context, a tab among a line's leading blanks is an error.
    fn skip_ws(&mut self, flow: bool) -> R<()> {
        loop {
            self.skip_while(|c| matches!(c, ' ' | '\t' | '\n'));
            if self.peek() != Some('#') || !self.comment_ok() {
                break;
            }
            self.skip_while(|c| c != '\n');
        }
        if !flow && self.peek().is_some() && self.only_ws_before() {
            let ls = self.line_start(self.i);
            if let Some(t) = self.s.get(ls..self.i).and_then(|w| w.iter().position(|&c| c == '\t')) {
                return self.err(ls + t, "tabs are not allowed for indentation in YAML; use spaces");
            }
        }
        Ok(())
    }

    /// After a value in block context only a comment may follow on its line.
    fn finish_line(&mut self) -> R<()> {
        if self.only_ws_before() {
            return Ok(()); // a block scalar or multi-line plain scalar ended on an earlier line
        }
        self.skip_blanks();
        match self.peek() {
            None | Some('\n') => Ok(()),
            Some('#') if self.comment_ok() => Ok(()),
            Some('#') => self.err(self.i, "a comment needs a space before its `#`"),
            Some(':') => self.err(self.i, NESTED_MAP),
            Some(c) => self.err(self.i, format!("unexpected `{c}` after the value (quote a value holding it)")),
        }
    }

    fn document(&mut self) -> R<Node> {
        self.skip_ws(false)?;
        let mut directive = None;
        while self.peek() == Some('%') && self.col0(self.i) == 0 {
            directive.get_or_insert(self.i);
            self.skip_while(|c| c != '\n');
            self.skip_ws(false)?;
        }
        let mut empty_at = 0;
        if self.is_marker() && self.peek() == Some('-') {
            self.i += 3;
            empty_at = self.i;
        } else if let Some(d) = directive {
            return self.err(d, "a `%` directive must be followed by a `---` line");
        } else if self.is_marker() {
            return self.err(self.i, "`...` ends a document, but none started");
        }
        let root = self.block_node(-1, Ctx::Top, empty_at)?;
        self.skip_ws(false)?;
        let mut ended = false;
        while self.is_marker() && self.peek() == Some('.') {
            self.i += 3;
            self.skip_ws(false)?;
            ended = true;
        }
        if self.is_marker() || (ended && self.peek().is_some()) {
            return self.err(self.i, "the file holds more than one YAML document; a topology is one");
        }
        if self.peek().is_some() {
            return self.err(self.i, "unexpected text after the end of the document's top-level value");
        }
        Ok(root)
    }

    fn no_props(&self) -> Props {
        Props { anchor: None, tagged: false, str_tag: false, nodes: self.nodes }
    }

    /// The properties of one node written in two places (lines).
    fn merge(&self, a: Props, b: Props) -> R<Props> {
        if (a.anchor.is_some() && b.anchor.is_some()) || (a.tagged && b.tagged) {
            return self.err(self.i, "a value has two anchors or two tags");
        }
        let anchor = a.anchor.or(b.anchor);
        Ok(Props { anchor, tagged: a.tagged || b.tagged, str_tag: a.str_tag || b.str_tag, nodes: a.nodes })
    }

    /// `&anchor` and `!tag`, in either order, each at most once.
    fn props(&mut self) -> R<Props> {
        let mut p = self.no_props();
        loop {
            let at = self.i;
            match self.peek() {
                Some('&') if p.anchor.is_none() => {
                    self.i += 1;
                    p.anchor = Some(self.name(at)?);
                }
                Some('!') if !p.tagged => {
                    self.skip_while(|c| !matches!(c, ' ' | '\t' | '\n' | ',' | '[' | ']' | '{' | '}'));
                    let tag = self.text(at, self.i);
                    match tag.as_str() {
                        "!!str" => p.str_tag = true,
                        "!!int" | "!!float" | "!!bool" | "!!null" | "!!map" | "!!seq" => {}
                        _ => return self.err(at, format!("tags such as `{tag}` are not used by this format")),
                    }
                    p.tagged = true;
                }
                _ => return Ok(p),
            }
            self.skip_blanks();
        }
    }

    /// The name after `&` or `*` (at `at`).
    fn name(&mut self, at: usize) -> R<String> {
        let start = self.i;
        self.skip_while(|c| c.is_alphanumeric() || c == '-' || c == '_');
        if self.i == start || !(self.blank_at(0) || matches!(self.peek(), Some(',' | ']' | '}' | ':'))) {
            return self.err(at, "anchor and alias names are letters, digits, `-` and `_` (like `&base`, `*base`)");
        }
        Ok(self.text(start, self.i))
    }

    /// Applies a node's properties: `!!str` makes a scalar a string, an anchor records it.
    fn finish(&mut self, mut node: Node, p: Props) -> R<Node> {
        if let (true, Value::Scalar(s)) = (p.str_tag, &mut node.value) {
            s.style = Style::Str;
        }
        if let Some(name) = p.anchor {
            // The copy kept for aliases counts too: nested anchors cannot multiply memory.
            let size = self.nodes - p.nodes;
            self.grow(size)?;
            self.anchors.insert(name, (node.clone(), size));
        }
        Ok(node)
    }

    fn alias(&mut self) -> R<Node> {
        let at = self.i;
        self.i += 1;
        let name = self.name(at)?;
        let Some((node, size)) = self.anchors.get(&name) else {
            return self.err(at, format!("alias `*{name}` has no anchor `&{name}` before it"));
        };
        let (mut node, size) = (node.clone(), *size);
        self.grow(size)?;
        node.span = self.span(at);
        Ok(node)
    }

    /// A scalar, flow collection or alias (properties already read).
    fn content(&mut self, n: isize, flow: bool) -> R<Node> {
        let at = self.i;
        let ends = self.blank_at(1) || (flow && is_flow_indicator(self.at(1)));
        match self.peek() {
            Some('*') => self.alias(),
            Some('[') => self.flow(n, false),
            Some('{') => self.flow(n, true),
            Some('"') => self.quoted(true),
            Some('\'') => self.quoted(false),
            Some('|' | '>') if !flow => self.block_scalar(n),
            Some('?') if ends => self.err(at, "complex keys (`? `) are not supported; write `key: value`"),
            Some('-') if self.blank_at(1) => self.err(at, "a `- ` list entry cannot start here"),
            Some(':') if ends => self.err(at, "a key is missing before this `:`"),
            None | Some('\n') => self.err(at, "expected a value here"),
            Some(c @ (',' | ']' | '}' | '#' | '%' | '@' | '`' | '|' | '>' | '&' | '!')) => {
                self.err(at, format!("a value cannot start with `{c}`; quote it if it is text"))
            }
            _ => self.plain(n, flow),
        }
    }
}

/// A key must be a scalar and new in its mapping (`seen`: keys so far and their
/// lines); returns its text.
fn check_key<'k>(seen: &mut HashMap<String, usize>, key: &'k Node) -> R<&'k str> {
    let Value::Scalar(s) = &key.value else {
        return Err(ReadError { message: "only scalar keys are supported".into(), span: key.span });
    };
    if let Some(first) = seen.insert(s.text.clone(), key.span.line) {
        let message = format!("duplicate key `{}` (first at line {first})", s.text);
        return Err(ReadError { message, span: key.span });
    }
    Ok(&s.text)
}
