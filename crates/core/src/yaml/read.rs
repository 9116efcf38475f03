//! Text → [`Node`] tree: one YAML document, with where every node starts.
//!
//! The part of YAML 1.2 a topology can use: block and flow collections, all
//! scalar styles, comments, anchors and aliases, `!!str`. Scalars keep their
//! text (types are resolved later, by the type asked for). Refused: more than
//! one document, complex (`? `) and non-scalar keys, custom tags.
//!
//! A recursive-descent parser over the text as `char`s (columns count
//! characters). Block collections know their column and end at the first line
//! indented less; every recursion counts towards a depth limit.

use super::{Map, Node, Scalar, Style, Value};
use crate::diag::Span;
use std::collections::HashMap;

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

    /// Whether a fresh line at the position ends the block node about to be read
    /// in a collection indented `n` (a compact `- ` list may sit at a key's column).
    fn ends_block(&self, n: isize, ctx: Ctx) -> bool {
        let col = self.col0(self.i) as isize;
        self.peek().is_none() || self.is_marker() || col < n || (col == n && !(ctx == Ctx::Value && self.is_entry()))
    }

    /// A node in block context, in a collection indented `n` (-1 at the top);
    /// `empty_at` is where an absent value is placed.
    fn block_node(&mut self, n: isize, ctx: Ctx, empty_at: usize) -> R<Node> {
        self.nested(|r| r.block_node_in(n, ctx, empty_at))
    }

    fn block_node_in(&mut self, n: isize, ctx: Ctx, empty_at: usize) -> R<Node> {
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
    fn block_map(&mut self, c: isize, mut key: Node) -> R<Node> {
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
        Ok(Node { value: Value::Map(map), span })
    }

    /// A block sequence whose `- ` sit at column `c` (`compact`: at its key's column).
    fn block_seq(&mut self, c: isize, compact: bool) -> R<Node> {
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

    /// A plain scalar: lines fold into one, separated by spaces (by line breaks
    /// where there were empty lines). In block context it goes on while the
    /// lines are indented more than `n`.
    fn plain(&mut self, n: isize, flow: bool) -> R<Node> {
        let at = self.i;
        let mut out = String::new();
        loop {
            let start = self.i;
            while let Some(c) = self.peek() {
                let stop = match c {
                    '\n' => true,
                    ':' => self.blank_at(1) || (flow && is_flow_indicator(self.at(1))),
                    '#' => self.comment_ok(),
                    _ => flow && is_flow_indicator(Some(c)),
                };
                if stop {
                    break;
                }
                self.i += 1;
            }
            let mut end = self.i;
            while end > start && matches!(self.s.get(end - 1), Some(' ' | '\t')) {
                end -= 1;
            }
            out.extend(self.s.get(start..end).unwrap_or_default());
            if self.peek() != Some('\n') {
                break;
            }
            let save = self.i;
            let breaks = self.breaks();
            // The next line goes on unless it ends the scalar: a comment, `: `, the
            // end of a document or flow collection, or (in block context) less indentation.
            let c = self.peek();
            let ends = c.is_none() || c == Some('#') || self.is_marker() || (c == Some(':') && self.blank_at(1));
            let inside = if flow { !is_flow_indicator(c) } else { self.col0(self.i) as isize > n };
            if ends || !inside {
                self.i = save;
                break;
            }
            let ls = self.line_start(self.i);
            if let (false, Some(t)) = (flow, (ls..self.i).find(|&k| self.s.get(k) == Some(&'\t'))) {
                if self.col0(t) as isize <= n {
                    return self.err(t, "tabs are not allowed for indentation in YAML; use spaces");
                }
            }
            fold(&mut out, breaks);
        }
        self.scalar(out, Style::Plain, at)
    }

    /// Line breaks and the blanks around them inside a flow scalar; returns how many.
    fn breaks(&mut self) -> usize {
        let mut breaks = 0;
        while self.peek() == Some('\n') {
            self.i += 1;
            breaks += 1;
            self.skip_blanks();
        }
        breaks
    }

    /// A `'single'` or `"double"` quoted scalar.
    fn quoted(&mut self, double: bool) -> R<Node> {
        let at = self.i;
        let q = if double { '"' } else { '\'' };
        self.i += 1;
        let mut out = String::new();
        loop {
            let Some(c) = self.peek().filter(|_| !self.is_marker()) else {
                return self.err(at, format!("unterminated string: the closing `{q}` is missing"));
            };
            match c {
                '\'' if !double && self.at(1) == Some('\'') => {
                    out.push('\'');
                    self.i += 2;
                }
                _ if c == q => {
                    self.i += 1;
                    break;
                }
                '\\' if double => self.escape(&mut out)?,
                ' ' | '\t' => {
                    let start = self.i;
                    self.skip_blanks();
                    if self.peek() != Some('\n') {
                        // (blanks before a line break are dropped)
                        out.extend(self.s.get(start..self.i).unwrap_or_default());
                    }
                }
                '\n' => {
                    let breaks = self.breaks();
                    fold(&mut out, breaks);
                }
                _ => {
                    out.push(c);
                    self.i += 1;
                }
            }
        }
        self.scalar(out, Style::Str, at)
    }

    /// A `\` escape in a double-quoted scalar.
    fn escape(&mut self, out: &mut String) -> R<()> {
        let at = self.i;
        let Some(e) = self.at(1) else {
            self.i += 1;
            return Ok(()); // the caller reports the missing quote
        };
        self.i += 2;
        // YAML's one-letter escapes, and what each stands for.
        const FROM: &str = "0abt\tnvfre \"/\\N_LP";
        const TO: &str = "\0\x07\x08\t\t\n\x0b\x0c\r\x1b \"/\\\u{85}\u{a0}\u{2028}\u{2029}";
        let c = match e {
            _ if FROM.contains(e) => FROM.chars().position(|f| f == e).and_then(|k| TO.chars().nth(k)).unwrap_or(e),
            'x' | 'u' | 'U' => {
                let len = 2 << "xuU".find(e).unwrap_or(0); // hex digits: 2, 4 or 8
                let hex = self.text(self.i, self.i + len);
                let code = u32::from_str_radix(&hex, 16).ok().filter(|_| hex.chars().all(|c| c.is_ascii_hexdigit()));
                let Some(c) = code.filter(|_| hex.len() == len).and_then(char::from_u32) else {
                    return self.err(at, format!("`\\{e}` needs {len} hex digits of a Unicode character"));
                };
                self.i += len;
                c
            }
            '\n' => {
                // An escaped line break joins the lines without a space.
                self.i -= 1;
                let b = self.breaks();
                out.extend(std::iter::repeat_n('\n', b - 1));
                return Ok(());
            }
            _ => return self.err(at, format!("unknown escape `\\{e}` (a backslash is written `\\\\`)")),
        };
        out.push(c);
        Ok(())
    }

    /// A `|` literal or `>` folded block scalar, in a collection indented `n`.
    fn block_scalar(&mut self, n: isize) -> R<Node> {
        let at = self.i;
        let literal = self.peek() == Some('|');
        self.i += 1;
        let (mut chomp, mut explicit) = (0i8, 0);
        for _ in 0..2 {
            match self.peek() {
                Some('-') if chomp == 0 => chomp = -1,
                Some('+') if chomp == 0 => chomp = 1,
                Some(d @ '1'..='9') if explicit == 0 => explicit = d as usize - '0' as usize,
                _ => break,
            }
            self.i += 1;
        }
        self.skip_blanks();
        if self.peek() == Some('#') && self.comment_ok() {
            self.skip_while(|c| c != '\n');
        }
        match self.peek() {
            None => {}
            Some('\n') => self.i += 1,
            Some(c) => return self.err(self.i, format!("unexpected `{c}` after `|` or `>` (`|-`, `>+2` etc.)")),
        }
        // Content indentation: explicit (relative to the collection), else the first non-empty line's.
        let mut indent = match explicit {
            0 => 0,
            d if n >= 0 => n as usize + d,
            d => d,
        };
        let (mut out, mut trailing) = (String::new(), String::new());
        self.block_breaks(&mut indent, n, &mut trailing)?;
        let (mut leading_break, mut leading_blank) = (false, false);
        while self.col0(self.i) == indent && self.peek().is_some() {
            let trailing_blank = matches!(self.peek(), Some(' ' | '\t'));
            // Folding: a break between two lines not more indented becomes a space.
            if !literal && leading_break && !leading_blank && !trailing_blank {
                if trailing.is_empty() {
                    out.push(' ');
                }
            } else if leading_break {
                out.push('\n');
            }
            out.push_str(&trailing);
            trailing.clear();
            leading_blank = trailing_blank;
            let start = self.i;
            self.skip_while(|c| c != '\n');
            out.extend(self.s.get(start..self.i).unwrap_or_default());
            leading_break = self.peek() == Some('\n');
            if leading_break {
                self.i += 1;
            }
            self.block_breaks(&mut indent, n, &mut trailing)?;
        }
        if chomp != -1 && leading_break {
            out.push('\n');
        }
        if chomp == 1 {
            out.push_str(&trailing);
        }
        self.scalar(out, Style::Str, at)
    }

    /// Empty lines of a block scalar (each a `\n` in `breaks`) up to the next
    /// line with content; with `indent` 0, detects the indentation from it.
    fn block_breaks(&mut self, indent: &mut usize, n: isize, breaks: &mut String) -> R<()> {
        let mut max = 0;
        loop {
            while (*indent == 0 || self.col0(self.i) < *indent) && self.peek() == Some(' ') {
                self.i += 1;
            }
            max = max.max(self.col0(self.i));
            if (*indent == 0 || self.col0(self.i) < *indent) && self.peek() == Some('\t') {
                return self.err(self.i, "tabs are not allowed for indentation in YAML; use spaces");
            }
            if self.peek() != Some('\n') {
                break;
            }
            self.i += 1;
            breaks.push('\n');
        }
        if *indent == 0 {
            *indent = max.max((n + 1).max(1) as usize);
        }
        Ok(())
    }

    /// A flow sequence `[a, b]` or mapping `{a: 1, b}`, in a block collection indented `n`.
    fn flow(&mut self, n: isize, is_map: bool) -> R<Node> {
        self.nested(|r| r.flow_in(n, is_map))
    }

    fn flow_in(&mut self, n: isize, is_map: bool) -> R<Node> {
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
        let value = if is_map { Value::Map(map) } else { Value::Seq(items) };
        Ok(Node { value, span: self.span(at) })
    }

    /// Blanks, breaks and comments inside a flow collection opened at `at`.
    fn flow_ws(&mut self, at: usize, close: char) -> R<()> {
        self.skip_ws(true)?;
        if self.peek().is_none() || self.is_marker() {
            return self.err(at, format!("unterminated flow collection: the closing `{close}` is missing"));
        }
        Ok(())
    }

    fn flow_node(&mut self, n: isize, at: usize, close: char) -> R<Node> {
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

/// Folds `breaks` line breaks of a flow scalar: one is a space, more keep all but one.
fn fold(out: &mut String, breaks: usize) {
    out.extend(std::iter::repeat_n(if breaks == 1 { ' ' } else { '\n' }, (breaks - 1).max(1)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_yaml_ng::Value as Y;
    use std::path::Path;

    /// Our tree typed the way serde_yaml_ng types it: plain scalars are null, bool,
    /// number or string by the rules of its `de.rs`.
    fn typed(n: &Node) -> Y {
        match &n.value {
            Value::Scalar(s) if s.style == Style::Str => Y::String(s.text.clone()),
            Value::Scalar(s) => resolve(&s.text),
            Value::Seq(items) => Y::Sequence(items.iter().map(typed).collect()),
            Value::Map(m) => Y::Mapping(m.entries.iter().map(|(k, v)| (typed(k), typed(v))).collect()),
        }
    }

    /// A plain scalar's text typed by serde_yaml_ng itself: read alone, it is the
    /// same plain scalar (a line of a plain scalar is plain-safe; one that holds
    /// a line break or starts like a document marker is a string anyway).
    fn resolve(t: &str) -> Y {
        match serde_yaml_ng::from_str::<Y>(t) {
            Ok(v @ (Y::Null | Y::Bool(_) | Y::Number(_))) if !t.contains('\n') && !t.starts_with("---") => v,
            _ => Y::String(t.into()),
        }
    }

    /// Ours and serde_yaml_ng read `text` to the same value, or both refuse it.
    fn agree(text: &str) -> Result<(), String> {
        let theirs = serde_yaml_ng::from_str::<Y>(text);
        match (read(text), theirs) {
            (Ok(o), Ok(t)) if format!("{:?}", typed(&o)) == format!("{t:?}") => Ok(()),
            (Err(_), Err(_)) => Ok(()),
            (o, t) => Err(format!("{text:?}\n  ours:   {:?}\n  theirs: {t:?}", o.map(|o| typed(&o)))),
        }
    }

    /// Hand-written cases, each after a `¦`: every feature and the tricky spots.
    const SNIPPETS: &str = "\
    ¦¦# only a comment\n¦  \n\n¦---\n¦---\n...\n¦...\n¦a: 1\n...\n...\n¦--- # c\na: 1\n\
    ¦a: 1\nb: two\nc: 3.5\nd: true\ne: ~\nf:\ng: null\n¦key: \"a # b\"\n¦a: b#c\n¦url: http://x:80/\n\
    ¦- fd00::1\n- ::1\n- 10.0.0.1/24\n\
    ¦k: -1\nj: +2\nh: 0x1F\ni: 0o17\nb: 0b101\nz: 012\nf: 1e3\nn: .nan\nm: -.inf\nx: .5\ny: +.inf\n\
    ¦a: 1.5e-3\nb: -0.0\nc: 1_000\nd: 0x\ne: .Inf\ng: 1.\nh: .1e2\ni: -012\nj: yes\nk: on\n¦k: - x\n\
    ¦a: [b,\n  c,\n  d]\nm: {x: 1,\n  y: [2, 3]}\n¦a: [b,\nc]\n\
    ¦- a # one\n# between\n- b\n\n  # indented comment\n- c\n¦a: b   \nc: d \t\ne: 'f'  \n\
    ¦a: 1\r\nb:\r\n  - x\r\n  - y\r\nc: |\r\n  l1\r\n  l2\r\n¦a: 1\rb: 2\r¦--- [a, b]\n¦--- 'x'\n¦--- |\n  lit\n\
    ¦--- a\n¦--- a: b\n¦--- - a\n¦a:\n- b\n- c\nd:\n  - e\n  -   - f\n      - g\n¦- - a\n  - b\n- - c\n¦- - - a\n\
    ¦-\n  - x\n¦- a: 1\n  b: [2]\n- c:\n    d: 3\n¦a:\n  -\n  - b\n-  \n¦a:\n  -\n  - b\n¦- \n- a\n\
    ¦a:\n  b:\n  - 1\n  - 2\n  c: 3\n¦top:\n  - name: x\n    val: 1\n  - name: y\n    val: [1, 2]\n\
    ¦a: b\n  c\n\n  d\ne: f\n¦a\nb\n¦a\n- b\n¦- a\n  b\n¦- a\n  - b\n¦a: one\n two\n   three\n\
    ¦a: 'it''s'\nb: 'x\n  y\n\n  z'\nc: '  lead and trail  '\n\
    ¦a: \"\\n\\t\\\"\\\\\\/\\0\\a\\b\\e\\f\\r\\v\\N\\_\\L\\P\\x41\\u00e9\\U0001F600\\ \\\t\"\n¦a: \"x\\\n   y\"\n\
    ¦a: \"x \\\n \n  y\"\n¦a: \"multi\n\n  line\"\n¦a: \"  \n  x  \"\n¦a: \"\\q\"\n¦a: \"\\x4\"\n\
    ¦a: |\n  x\n  y\nb: >\n  x\n  y\n\n  z\n    w\n  v\n¦a: |-\n  x\n\n¦a: |+\n  x\n\n\nb: 1\n¦a: >-\n  x\n  y\n\
    ¦a: |2\n   x\n  y\n¦- |1\n  x\n¦|2\n   x\n¦a: >\n\n  x\n¦a: |\n¦a: |\nb: 1\n¦a: | # comment\n  x\n¦a: >+\n  x\n\
    ¦a: |+\n\n\nb: 1\n¦|\n  top\n¦- >\n  a\n  b\n- c\n¦a: >\n  x\n\n\n  y\n   z\n  w\n\n¦a: |\n    x\n  y\n\
    ¦a: |\n  x\n\n  \n¦a: &x 1\nb: *x\n¦a: &x\n  b: 1\nc: *x\n¦- &a x\n- *a\n¦&a k: *a\n\
    ¦base: &b {x: 1}\nuse: [*b, *b]\n¦a: &k x\n*k : y\n¦a: &x\nb: *x\n¦a: *nope\n¦&a [x, *a]\n\
    ¦- !!str 1\n- !!str true\n- !!int 1\n- !!bool true\n- !!null ~\n- !!str\n\
    ¦a: !!map {b: 1}\nc: !!seq [1]\nd: !!str |\n  x\n¦%YAML 1.2\n---\na: 1\n¦%YAML 1.2\na\n\
    ¦%TAG !e! tag:example.com,2000:\n---\na: 1\n¦a: 1\n---\nb: 2\n¦a\n...\nb\n¦---\na\n---\nb\n¦a: 1\n--- \n\
    ¦a: 1\n...\n# trailing\n¦a: 1\na: 2\n¦a: \"x\n¦a: 'x\n¦a: [x\n¦a: {x: 1\n¦a: \"x\n---\ny\"\n¦a: 1\n  b: 2\n\
    ¦a:\n    b: 1\n  c: 2\n¦- a\nb: 1\n¦a:\n  - b\n - c\n¦a:\n\tb: 1\n¦\ta: 1\n¦[a: b, c]\n¦{a: 1, b}\n¦{\"a\":1}\n\
    ¦[a, [b, c], {d: e}]\n¦{a: [x, y], b: {c: d}}\n¦[a, b,]\n¦{a: 1,}\n¦[]\n¦{}\n¦a: []\nb: {}\n¦[a :b]\n\
    ¦{url: http://x:80/}\n¦[ 'a', \"b\" ]\n¦[a\n  , b]\n¦[a # c\n , b]\n¦[a, , b]\n¦{a: 1 b: 2}\n¦[a b]\n¦{a: }\n\
    ¦[a: ]\n¦a: b: c\n¦a: 'x' y\n¦a: [b] c\n¦a: 1 #c\n  b: 2\n¦key:    value   # comment  \n\
    ¦a:\n  b:\n    c: d\n  e: f\ng: h\n¦名前: 値\nemoji: 😀\n¦\u{feff}a: 1\n¦a b: c d\n¦'quoted key': 1\n\"dq\": 2\n\
    ¦a:b: c\n¦-1: x\n¦- -1\n- -x\n- -\n¦a: # c\n  b: 1\n¦a:\n\n\n  b: 1\n¦- 'a': 1\n  b: 2\n¦a: 'x'   # c\n¦a: &x\n\
    ¦a: @x\n¦a: `x\n¦a: %x\n¦a: |x\n¦a: -\n¦x: 1\ny: 'multi\n  line'\nz: 3\n¦a\u{2028}b\n";

    #[test]
    fn agrees_with_serde_yaml_ng_on_snippets() {
        let bad: Vec<String> = SNIPPETS.split('¦').skip(1).filter_map(|t| agree(t).err()).collect();
        assert!(bad.is_empty(), "{} differ:\n{}", bad.len(), bad.join("\n"));
    }

    #[test]
    fn agrees_with_serde_yaml_ng_on_files() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let list =
            |d: &Path| std::fs::read_dir(d).into_iter().flatten().flatten().map(|e| e.path()).collect::<Vec<_>>();
        let mut files: Vec<_> = ["examples", "../shared/examples"].iter().flat_map(|d| list(&root.join(d))).collect();
        let nested = ["tests/data/check", "tests/data/comments"].iter().flat_map(|d| list(&root.join(d)));
        files.extend(nested.flat_map(|d| list(&d)));
        files.retain(|f| f.extension().is_some_and(|e| e == "yaml"));
        assert!(files.len() > 10, "found only {files:?}");
        let bad: Vec<String> = files
            .iter()
            .filter_map(|f| agree(&std::fs::read_to_string(f).unwrap()).err().map(|e| format!("{f:?}: {e}")))
            .collect();
        assert!(bad.is_empty(), "{} of {} files differ:\n{}", bad.len(), files.len(), bad.join("\n"));
    }

    fn ok(text: &str) -> Node {
        read(text).unwrap_or_else(|e| panic!("{text:?}: {e:?}"))
    }
    fn at(line: usize, column: usize) -> Span {
        Span { line, column }
    }

    /// The node at `path` (map keys, or indices in sequences).
    fn get<'n>(node: &'n Node, path: &[&str]) -> &'n Node {
        path.iter().fold(node, |n, step| match &n.value {
            Value::Map(m) => m.get(step).unwrap(),
            Value::Seq(s) => &s[step.parse::<usize>().unwrap()],
            Value::Scalar(_) => panic!("no {step} in a scalar"),
        })
    }

    #[test]
    fn spans_are_where_nodes_start() {
        let doc =
            ok("name: x\nnodes:\n  a: {role: server}\n  b:\nlist:\n- 'q'\n- |\n  lit\n- [1, 2]\nc:\n- &a é\n- *a\n");
        let cases: &[(&[&str], Span)] = &[
            (&[], at(1, 1)),
            (&["name"], at(1, 7)),
            (&["nodes"], at(3, 3)),
            (&["nodes", "a"], at(3, 6)),
            (&["nodes", "a", "role"], at(3, 13)),
            (&["nodes", "b"], at(4, 5)),
            (&["list"], at(6, 1)),
            (&["list", "0"], at(6, 3)),
            (&["list", "1"], at(7, 3)),
            (&["list", "2", "1"], at(9, 7)),
            (&["c"], at(11, 1)),
            (&["c", "0"], at(11, 6)),
            (&["c", "1"], at(12, 3)),
        ];
        for (path, span) in cases {
            assert_eq!(get(&doc, path).span, *span, "{path:?}");
        }
        assert_eq!(doc.as_map().unwrap().entries[1].0.span, at(2, 1));
        // Columns count characters; a tab is one column.
        assert_eq!(get(&ok("é: [ü,\tx]"), &["é", "1"]).span, at(1, 8));
        assert_eq!(ok("").span, at(1, 1));
        assert_eq!(ok("# c\n\n").span, at(1, 1));
        assert_eq!(ok("--- |\n x").span, at(1, 5));
    }

    #[test]
    fn scalars_keep_their_text_and_style() {
        let doc = ok("a: 1500\nb: '1500'\nc: ~\nd:\ne: !!str true\nf: |\n  x\n");
        let (plain, str) = (Style::Plain, Style::Str);
        for (key, text, style) in [("a", "1500", plain), ("b", "1500", str), ("c", "~", plain), ("d", "", plain)]
            .into_iter()
            .chain([("e", "true", str), ("f", "x\n", str)])
        {
            assert_eq!(get(&doc, &[key]).as_scalar(), Some(&Scalar { text: text.into(), style }), "{key}");
        }
    }

    #[test]
    fn errors_say_what_and_where() {
        let cases: &[(&str, &str, usize, usize)] = &[
            ("a: 1\na: 2\n", "duplicate key `a` (first at line 1)", 2, 1),
            ("x: {a: 1, a: 2}", "duplicate key `a` (first at line 1)", 1, 11),
            ("? a\n: b\n", "complex keys (`? `) are not supported", 1, 1),
            ("[a]: 1\n", "only scalar keys are supported", 1, 1),
            ("{[a]: 1}\n", "only scalar keys are supported", 1, 2),
            ("a: 1\n---\nb: 2\n", "the file holds more than one YAML document; a topology is one", 2, 1),
            ("a: 1\n...\nb: 2\n", "more than one YAML document", 3, 1),
            ("a:\n\tb: 1\n", "tabs are not allowed for indentation in YAML; use spaces", 2, 1),
            ("a:\n  b: 1\n  \tc: 2\n", "tabs are not allowed", 3, 3),
            ("a:\n    b: 1\n  c: 2\n", "bad indentation", 3, 3),
            ("-\n    - a\n  - b\n", "bad indentation", 3, 3),
            ("a: \"x\nb: 1\n", "unterminated string: the closing `\"` is missing", 1, 4),
            ("a: 'x\n", "unterminated string: the closing `'` is missing", 1, 4),
            ("a: [x, y\n", "unterminated flow collection: the closing `]` is missing", 1, 4),
            ("a: {x: [1]\n---\n", "the closing `}` is missing", 1, 4),
            ("a: \"\\q\"\n", "unknown escape `\\q`", 1, 5),
            ("a: \"\\uD800\"\n", "hex digits of a Unicode character", 1, 5),
            ("a: *nope\n", "alias `*nope` has no anchor", 1, 4),
            ("a: !foo x\n", "tags such as `!foo` are not used by this format", 1, 4),
            ("a: !<tag:x> x\n", "tags such as `!<tag:x>`", 1, 4),
            ("k: - x\n", "cannot start on this line", 1, 4),
            ("a: b: c\n", "a mapping cannot start on this line", 1, 5),
            ("- a\nb: 1\n", "expected `- `", 2, 1),
            ("a: 1\nfoo\n", "expected `: ` after `foo`", 2, 4),
            ("a: 'x' y\n", "unexpected `y` after the value", 1, 8),
            ("a: \"x\"#c\n", "a comment needs a space", 1, 7),
            ("%YAML 1.2\na: 1\n", "must be followed by a `---` line", 1, 1),
            ("a: [x, 'y' z]\n", "expected `,` or `]`", 1, 12),
            ("\"a\nb\": 1\n", "a mapping key must be on one line", 1, 1),
            ("a: |x\n", "unexpected `x` after `|` or `>`", 1, 5),
            ("a: @x\n", "cannot start with `@`", 1, 4),
            ("a: &x y: 1\n", "a mapping cannot start on this line", 1, 8),
            ("a: &b.c x\n", "anchor and alias names", 1, 4),
            ("a: &x &y z\n", "a value cannot start with `&`", 1, 7),
        ];
        for (text, fragment, line, column) in cases {
            let e = read(text).unwrap_err();
            let right = e.message.contains(fragment) && e.span == at(*line, *column);
            assert!(right, "{text:?}: expected `{fragment}` at {line}:{column}, got {e:?}");
        }
    }

    /// Where this reader deliberately differs from serde_yaml_ng.
    #[test]
    fn deliberate_differences() {
        // Refused: complex keys, non-scalar keys, custom tags (serde_yaml_ng takes them).
        for text in ["? a\n: b\n", "? a\n", "[a]: 1\n", "{a: 1}: 2\n", "a: !foo x"] {
            assert!(read(text).is_err() && serde_yaml_ng::from_str::<Y>(text).is_ok(), "{text:?}");
        }
        // A comment must follow a blank (libyaml takes `"x"#c`).
        assert!(read("a: \"x\"#c\n").is_err());
        // YAML 1.2 plain scalars may start with `:` in flow collections too (libyaml refuses `[::1]`).
        assert_eq!(typed(&ok("[::1, fd00::1]")), serde_yaml_ng::from_str::<Y>("['::1', 'fd00::1']").unwrap());
        // Keys are compared as written: `~` and `null` are two keys.
        assert_eq!(ok("~: 1\nnull: 2").as_map().unwrap().entries.len(), 2);
        // Tabs are fine on blank and comment lines; after `- ` they separate.
        assert!(read("a: 1\n\t\n\t# c\nb: 2").is_ok() && read("-\ta").is_ok());
        // `!!int`, `!!float` and friends are not applied: the type asked for later decides.
        assert_eq!(ok("!!int abc").as_scalar().unwrap().text, "abc");
        assert_eq!(ok("!!float 1").as_scalar(), Some(&Scalar { text: "1".into(), style: Style::Plain }));
        // YAML 1.2: NEL (U+0085) is an ordinary character; libyaml (YAML 1.1) folds it as a line break.
        assert_eq!(ok("a\u{85}b").as_scalar().unwrap().text, "a\u{85}b");
    }

    #[test]
    fn nesting_and_aliases_are_bounded() {
        let keys: String = (0..200).map(|i| format!("{}k:\n", " ".repeat(i))).collect();
        for text in ["[".repeat(100_000), "{a: ".repeat(100_000), "- ".repeat(100_000) + "x", keys] {
            let start = std::time::Instant::now();
            let e = read(&text).unwrap_err();
            assert!(start.elapsed().as_secs() < 2, "slow on {:?}", &text[..10]);
            assert!(e.message.contains("deeper than 128 levels"), "{e:?}");
        }
        let mut laughs = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n".to_string();
        for i in 1..10 {
            laughs += &format!("a{i}: &a{i} [{}]\n", vec![format!("*a{}", i - 1); 10].join(", "));
        }
        assert!(read(&laughs).unwrap_err().message.contains("more than 1000000 values"));
    }

    fn arb_value() -> impl Strategy<Value = Y> {
        const CHARS: &[char] = &[
            'a', 'b', 'z', '0', '1', '9', '.', ':', '#', '-', '[', ']', '{', '}', ',', '\'', '"', '!', '&', '*', '|',
            '>', '%', '@', '`', '?', '~', '\\', ' ', ' ', '\n', '\t', 'é', '中', '😀',
        ];
        let string = || prop::collection::vec(prop::sample::select(CHARS), 0..10).prop_map(String::from_iter);
        let leaf = prop_oneof![
            Just(Y::Null),
            any::<bool>().prop_map(Y::Bool),
            any::<i64>().prop_map(|n| Y::Number(n.into())),
            any::<u64>().prop_map(|n| Y::Number(n.into())),
            any::<f64>().prop_filter("finite", |f| f.is_finite()).prop_map(|f| Y::Number(f.into())),
            string().prop_map(Y::String),
            string().prop_map(Y::String),
        ];
        leaf.prop_recursive(4, 40, 5, move |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Y::Sequence),
                // Keys without line breaks: serde_yaml_ng writes those as `? ` complex keys.
                prop::collection::vec((string().prop_map(|k| k.replace('\n', " ")), inner), 0..5)
                    .prop_map(|kv| Y::Mapping(kv.into_iter().map(|(k, v)| (Y::String(k), v)).collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(500))]

        #[test]
        fn reads_what_serde_yaml_ng_writes(value in arb_value()) {
            let text = serde_yaml_ng::to_string(&value).unwrap();
            prop_assert!(read(&text).is_ok(), "{:?}: {:?}", text, read(&text));
            let same = agree(&text);
            prop_assert!(same.is_ok(), "{}", same.unwrap_err());
        }

        #[test]
        fn never_panics_on_yamlish_text(chars in prop::collection::vec(prop::sample::select(&[
            'a', 'b', '1', ' ', ' ', ' ', '\n', '\n', '\t', ':', '-', '#', '[', ']', '{', '}', ',', '\'', '"', '\\',
            '|', '>', '&', '*', '!', '?', '%', '.', '+', 'x', 'u', '\r', '\u{feff}',
        ][..]), 0..80)) {
            let _ = read(&String::from_iter(chars));
        }

        #[test]
        fn never_panics_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = read(&String::from_utf8_lossy(&bytes));
        }
    }
}
