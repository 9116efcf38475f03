//! Scalars: plain (folded over lines), single- and double-quoted, and the
//! literal `|` and folded `>` block scalars.

use super::{is_flow_indicator, Reader, R};
use crate::yaml::{Node, Style};

impl Reader {
    /// A plain scalar: lines fold into one, separated by spaces (by line breaks
    /// where there were empty lines). In block context it goes on while the
    /// lines are indented more than `n`.
    pub(super) fn plain(&mut self, n: isize, flow: bool) -> R<Node> {
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
    pub(super) fn breaks(&mut self) -> usize {
        let mut breaks = 0;
        while self.peek() == Some('\n') {
            self.i += 1;
            breaks += 1;
            self.skip_blanks();
        }
        breaks
    }

    /// A `'single'` or `"double"` quoted scalar.
    pub(super) fn quoted(&mut self, double: bool) -> R<Node> {
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
    pub(super) fn escape(&mut self, out: &mut String) -> R<()> {
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
    pub(super) fn block_scalar(&mut self, n: isize) -> R<Node> {
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
    pub(super) fn block_breaks(&mut self, indent: &mut usize, n: isize, breaks: &mut String) -> R<()> {
        let mut max = 0;
        loop {
            while (*indent == 0 || self.col0(self.i) < *indent) && self.peek() == Some(' ') {
                self.i += 1;
            }
            max = max.max(self.col0(self.i));
            if (*indent == 0 || self.col0(self.i) < *indent) && self.peek() == Some('\t') {
                // After the spaces that indent the first line, a tab is content
                // (a pasted Makefile): only spaces indent, and these did.
                let col = self.col0(self.i);
                if *indent == 0 && col > 0 && col as isize > n {
                    break;
                }
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
}

/// Folds `breaks` line breaks of a flow scalar: one is a space, more keep all but one.
fn fold(out: &mut String, breaks: usize) {
    out.extend(std::iter::repeat_n(if breaks == 1 { ' ' } else { '\n' }, (breaks - 1).max(1)));
}
