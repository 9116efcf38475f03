//! Where a node is said to start. saphyr's events start a node at its first
//! property (`&anchor`, `!tag`), a block scalar at its first content line and
//! an indentless list after its first `- `; the format's diagnostics and the
//! in-place writer (`parse::in_place`) want a value's own first character, a
//! block list's first `-` and a block scalar's `|` or `>`. These are found by
//! looking at the text around saphyr's marks, never past the next token.

use saphyr_parser::Marker;

use crate::diag::Span;

/// A position: index in characters, line (1-based) and column (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Pos {
    pub i: usize,
    pub line: usize,
    pub col: usize,
}

impl Pos {
    pub fn of(m: &Marker) -> Pos {
        Pos { i: m.index(), line: m.line(), col: m.col() }
    }
    pub fn span(self) -> Span {
        Span { line: self.line, column: self.col + 1 }
    }
    fn next(self, c: char) -> Pos {
        match c {
            '\n' => Pos { i: self.i + 1, line: self.line + 1, col: 0 },
            _ => Pos { i: self.i + 1, line: self.line, col: self.col + 1 },
        }
    }
}

/// The text as characters, indexed the way saphyr's marks count.
pub(super) struct Text {
    chars: Vec<char>,
}

fn blank_or_end(c: Option<char>) -> bool {
    matches!(c, None | Some(' ' | '\t' | '\n'))
}

impl Text {
    pub fn new(src: &str) -> Text {
        Text { chars: src.chars().collect() }
    }
    pub fn at(&self, i: usize) -> Option<char> {
        self.chars.get(i).copied()
    }
    pub fn len(&self) -> usize {
        self.chars.len()
    }

    /// From `p` past blanks, line breaks, comments and node properties (and,
    /// with `indicators`, the `:`, `-` and `?` that come before a block value),
    /// stopping at `limit`: the first character of what follows.
    pub fn skip(&self, mut p: Pos, limit: usize, indicators: bool) -> Pos {
        while p.i < limit {
            let Some(c) = self.at(p.i) else { break };
            match c {
                ' ' | '\t' | '\n' => p = p.next(c),
                '#' => p = self.past(p, |c| c == '\n'),
                '&' | '!' => p = self.past(p, |c| matches!(c, ' ' | '\t' | '\n')),
                '-' | '?' | ':' if indicators && blank_or_end(self.at(p.i + 1)) => p = p.next(c),
                _ => break,
            }
        }
        p
    }

    /// From `p` to the first character for which `stop` holds (or the end).
    fn past(&self, mut p: Pos, stop: impl Fn(char) -> bool) -> Pos {
        while let Some(c) = self.at(p.i).filter(|&c| !stop(c)) {
            p = p.next(c);
        }
        p
    }

    /// The `-` before `p` on its line, past blanks (an indentless list's first entry).
    pub fn dash_before(&self, p: Pos) -> Option<Pos> {
        let mut q = p;
        while q.col > 0 {
            q = Pos { i: q.i - 1, line: q.line, col: q.col - 1 };
            match self.at(q.i) {
                Some(' ' | '\t') => {}
                Some('-') => return Some(q),
                _ => return None,
            }
        }
        None
    }

    /// The `?` before the key starting at `p`, if it was written after `? ` (a complex key).
    pub fn question_before(&self, p: Pos) -> Option<Pos> {
        let mut i = p.i;
        let mut col = p.col;
        while col > 0 {
            i -= 1;
            col -= 1;
            match self.at(i) {
                Some(' ' | '\t') => {}
                Some('?') if col == 0 || matches!(self.at(i - 1), Some(' ' | '\t' | '{' | '[' | ',')) => {
                    return Some(Pos { i, line: p.line, col });
                }
                _ => return None,
            }
        }
        None
    }

    /// The name written after the `*` or `&` at `p`.
    pub fn name_at(&self, p: Pos) -> String {
        let rest = self.chars.get(p.i + 1..).unwrap_or_default();
        rest.iter().take_while(|c| !matches!(c, ' ' | '\t' | '\n' | ',' | '[' | ']' | '{' | '}')).collect()
    }

    /// The text of line `line` (1-based) with its start.
    pub fn line(&self, line: usize, near: Pos) -> Option<(Pos, &[char])> {
        // Walk from `near` (a mark on or before the line) to the line's start.
        let mut p = Pos { i: near.i - near.col.min(near.i), line: near.line, col: 0 };
        while p.line < line {
            p = self.past(p, |c| c == '\n');
            self.at(p.i)?;
            p = p.next('\n');
        }
        let end = self.past(p, |c| c == '\n');
        Some((p, self.chars.get(p.i..end.i).unwrap_or_default()))
    }

    /// The position just after the last non-blank character before `p`.
    pub fn after_last_before(&self, p: Pos) -> Option<Pos> {
        let mut i = p.i.min(self.chars.len());
        while i > 0 && matches!(self.at(i - 1), Some(' ' | '\t' | '\n')) {
            i -= 1;
        }
        if i == 0 {
            return None;
        }
        // Its line and column: count back to the line's start.
        let line = p.line
            - self.chars.get(i..p.i.min(self.chars.len())).unwrap_or_default().iter().filter(|&&c| c == '\n').count();
        let col = self.chars.get(..i).unwrap_or_default().iter().rev().take_while(|&&c| c != '\n').count();
        Some(Pos { i, line, col })
    }
}
