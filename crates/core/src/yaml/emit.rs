//! [`Node`] → text, byte for byte as serde_yaml_ng 0.10 writes the same data:
//! topology files and golden tests were written by it, and a rewrite must not
//! move a quote.
//!
//! serde_yaml_ng drives libyaml's emitter (block style, indent 2, unlimited
//! width, unicode) and picks each string's style: a literal block when it holds a
//! newline, single quotes when it would read back as another type, else plain.
//! libyaml then falls back to single and double quotes as its analysis of the
//! text demands. This file keeps libyaml's few state variables (column, indent,
//! and whether the last thing written was whitespace or indentation) and its
//! rules for them, so that the spacing and line breaks come out the same.

use super::{Node, Scalar, Style, Value};

pub fn emit(node: &Node) -> String {
    let mut w = Writer { out: String::new(), column: 0, indent: -1, whitespace: true, indention: true };
    w.node(node, false, false);
    // The document's end: libyaml ends the last line.
    w.write_indent();
    w.out
}

/// libyaml's emitter state, as far as block-style output needs it.
struct Writer {
    out: String,
    /// In characters; only compared with `indent`.
    column: usize,
    /// Of the collection or scalar being written; -1 before the first.
    indent: isize,
    /// The last character written was a space or an opening indicator.
    whitespace: bool,
    /// Nothing but indentation (and `- `, `? `, `: `) is on the line yet.
    indention: bool,
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Plain,
    Single,
    Double,
    Literal,
}

impl Writer {
    fn put(&mut self, c: char) {
        self.out.push(c);
        self.column += 1;
    }

    fn puts(&mut self, s: &str) {
        s.chars().for_each(|c| self.put(c));
    }

    /// A line break of the text: `\n` or one of YAML's other breaks, kept as is.
    fn put_break(&mut self, c: char) {
        self.out.push(c);
        self.column = 0;
    }

    /// Starts a line at `indent` unless the line holds only indentation so far.
    fn write_indent(&mut self) {
        let indent = self.indent.max(0) as usize;
        if !self.indention || self.column > indent || (self.column == indent && !self.whitespace) {
            self.put_break('\n');
        }
        while self.column < indent {
            self.put(' ');
        }
        self.whitespace = true;
        self.indention = true;
    }

    /// Writes `-`, `:`, a quote and the like: after a space if `need_whitespace`;
    /// `is_whitespace` and `is_indention` say what the line counts as after it.
    fn indicator(&mut self, s: &str, need_whitespace: bool, is_whitespace: bool, is_indention: bool) {
        if need_whitespace && !self.whitespace {
            self.put(' ');
        }
        self.puts(s);
        self.whitespace = is_whitespace;
        self.indention &= is_indention;
    }

    /// Indents one level for a child (returns the indent to restore): a first
    /// block collection starts at 0, a scalar's continuation lines at 2, and a
    /// sequence that is a mapping's value stays at the key's column.
    fn deeper(&mut self, flow: bool, indentless: bool) -> isize {
        let saved = self.indent;
        if self.indent < 0 {
            self.indent = if flow { 2 } else { 0 };
        } else if !indentless {
            self.indent += 2;
        }
        saved
    }

    fn node(&mut self, node: &Node, mapping: bool, simple_key: bool) {
        match &node.value {
            Value::Scalar(s) => self.scalar(s, simple_key),
            Value::Seq(items) if items.is_empty() => self.flow_empty("[", "]"),
            Value::Map(m) if m.entries.is_empty() => self.flow_empty("{", "}"),
            Value::Seq(items) => {
                let saved = self.deeper(false, mapping && !self.indention);
                for item in items {
                    self.write_indent();
                    self.indicator("-", true, false, true);
                    self.node(item, false, false);
                }
                self.indent = saved;
            }
            Value::Map(m) => {
                let saved = self.deeper(false, false);
                for (k, v) in &m.entries {
                    self.write_indent();
                    if is_simple_key(k) {
                        self.node(k, true, true);
                        self.indicator(":", false, false, false);
                    } else {
                        // A long, multi-line or collection key: `? key` then `: value`.
                        self.indicator("?", true, false, true);
                        self.node(k, true, false);
                        self.write_indent();
                        self.indicator(":", true, false, true);
                    }
                    self.node(v, true, false);
                }
                self.indent = saved;
            }
        }
    }

    fn flow_empty(&mut self, open: &str, close: &str) {
        self.indicator(open, true, true, false);
        self.indicator(close, false, false, false);
    }

    fn scalar(&mut self, s: &Scalar, simple_key: bool) {
        let kind = kind(s, simple_key);
        let saved = self.deeper(true, false);
        let text = s.text.as_str();
        match kind {
            Kind::Plain => {
                if !self.whitespace && !text.is_empty() {
                    self.put(' ');
                }
                self.puts(text);
                self.whitespace = false;
                self.indention = false;
            }
            Kind::Single => self.single_quoted(text),
            Kind::Double => self.double_quoted(text),
            Kind::Literal => self.literal(text),
        }
        self.indent = saved;
    }

    fn single_quoted(&mut self, text: &str) {
        self.indicator("'", true, false, false);
        self.lines(text, true);
        self.indicator("'", false, false, false);
    }

    fn double_quoted(&mut self, text: &str) {
        // libyaml's short escapes, in the same order: `\0` for NUL, `\a` for BEL...
        const FROM: &str = "\0\x07\x08\t\n\x0b\x0c\r\x1b\"\\\u{85}\u{2028}\u{2029}";
        const TO: &str = "0abtnvfre\"\\NLP";
        self.indicator("\"", true, false, false);
        for c in text.chars() {
            if is_printable(c) && !is_break(c) && c != '"' && c != '\\' {
                self.put(c);
            } else if let Some(e) = FROM.chars().position(|f| f == c).and_then(|i| TO.chars().nth(i)) {
                self.put('\\');
                self.put(e);
            } else {
                let n = c as u32;
                self.puts(&match n {
                    0..=0xff => format!("\\x{n:02X}"),
                    0x100..=0xffff => format!("\\u{n:04X}"),
                    _ => format!("\\U{n:08X}"),
                });
            }
        }
        self.indicator("\"", false, false, false);
    }

    fn literal(&mut self, text: &str) {
        self.indicator("|", true, false, false);
        // Text that starts with a space or a break says how far it is indented.
        if text.starts_with(|c| c == ' ' || is_break(c)) {
            self.indicator("2", false, false, false);
        }
        // Chomping: `-` drops the last break, none keeps one, `+` keeps them all.
        let mut rev = text.chars().rev();
        let chomp = match (rev.next(), rev.next()) {
            (Some(last), Some(before)) if is_break(last) && !is_break(before) => "",
            (Some(last), _) if is_break(last) => "+",
            _ => "-",
        };
        self.indicator(chomp, false, false, false);
        self.put_break('\n');
        self.indention = true;
        self.whitespace = true;
        self.lines(text, false);
    }

    /// The text of a single-quoted (`quoted`) or literal scalar: each line
    /// after a break starts at the indent.
    fn lines(&mut self, text: &str, quoted: bool) {
        let mut breaks = !quoted;
        for c in text.chars() {
            if quoted && c == ' ' {
                self.put(c);
            } else if is_break(c) {
                // In quotes a lone `\n` folds into a space: write one more.
                if quoted && !breaks && c == '\n' {
                    self.put_break('\n');
                }
                self.put_break(c);
                self.indention = true;
                breaks = true;
            } else {
                if breaks {
                    self.write_indent();
                }
                if quoted && c == '\'' {
                    self.put(c);
                }
                self.put(c);
                self.indention = false;
                breaks = false;
            }
        }
        if quoted && breaks {
            self.write_indent();
        }
    }
}

/// Whether a key is written as `key: value` rather than `? key`. A scalar key
/// always is (double-quoted when it spans lines), where libyaml writes long and
/// multi-line keys as `? key`: our reader takes no `? ` keys, and what we write
/// must read back. (No valid name is long or multi-line; the checks say so.)
fn is_simple_key(k: &Node) -> bool {
    match &k.value {
        Value::Scalar(_) => true,
        Value::Seq(items) => items.is_empty(),
        Value::Map(m) => m.entries.is_empty(),
    }
}

/// The style serde_yaml_ng asks for, then libyaml's fallbacks. `Plain` text (a
/// number, `true`, or text that was plain in a file) is asked for plain, as
/// serde_yaml_ng asks for numbers, and is quoted only where it could not be.
fn kind(s: &Scalar, simple_key: bool) -> Kind {
    let text = s.text.as_str();
    let a = analyze(text);
    let mut kind = match s.style {
        Style::Plain => Kind::Plain,
        Style::Str if text.contains('\n') => Kind::Literal,
        Style::Str if reads_as_other_type(text) => Kind::Single,
        Style::Str => Kind::Plain,
    };
    if simple_key && a.multiline {
        kind = Kind::Double;
    }
    if kind == Kind::Plain && (!a.plain || (text.is_empty() && simple_key)) {
        kind = Kind::Single;
    }
    if kind == Kind::Single && !a.single {
        kind = Kind::Double;
    }
    if kind == Kind::Literal && (!a.literal || simple_key) {
        kind = Kind::Double;
    }
    kind
}

/// Which styles can carry a text in block context (libyaml's
/// `yaml_emitter_analyze_scalar`).
struct Analysis {
    multiline: bool,
    plain: bool,
    single: bool,
    literal: bool,
}

fn analyze(text: &str) -> Analysis {
    if text.is_empty() {
        return Analysis { multiline: false, plain: true, single: true, literal: false };
    }
    let chars: Vec<char> = text.chars().collect();
    // `---` and `...` would start or end a document.
    let mut indicators = text.starts_with("---") || text.starts_with("...");
    let (mut breaks, mut special, mut space_break, mut break_space) = (false, false, false, false);
    let mut preceded_by_whitespace = true;
    for (i, &c) in chars.iter().enumerate() {
        // libyaml reads the end of the text as whitespace.
        let followed_by_whitespace = chars.get(i + 1).is_none_or(|&n| is_blankz(n));
        indicators |= if i == 0 {
            "#,[]{}&*!|>'\"%@`".contains(c) || ("?:-".contains(c) && followed_by_whitespace)
        } else {
            (c == ':' && followed_by_whitespace) || (c == '#' && preceded_by_whitespace)
        };
        // Unicode's line breaks are breaks to libyaml and characters to YAML 1.2
        // (and our reader); escaped in double quotes, every reader agrees.
        special |= !is_printable(c) || matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}');
        breaks |= is_break(c);
        if i > 0 {
            let p = chars[i - 1];
            break_space |= c == ' ' && is_break(p);
            space_break |= is_break(c) && p == ' ';
        }
        preceded_by_whitespace = is_blankz(c);
    }
    let edge = |c: char| c == ' ' || is_break(c);
    let edges = edge(chars[0]) || edge(chars[chars.len() - 1]);
    Analysis {
        multiline: breaks,
        plain: !(edges || breaks || indicators || break_space || space_break || special),
        single: !(break_space || space_break || special),
        literal: !(text.ends_with(' ') || space_break || special),
    }
}

/// YAML's line breaks.
fn is_break(c: char) -> bool {
    matches!(c, '\r' | '\n' | '\u{85}' | '\u{2028}' | '\u{2029}')
}

fn is_blankz(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\0') || is_break(c)
}

/// libyaml's printable characters; any other is escaped in double quotes.
fn is_printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..) && c != '\u{feff}'
}

/// Whether serde_yaml_ng would read the plain text as a null, bool, number, or
/// a number-like string (`007`): then it asks libyaml for single quotes. The
/// reader's resolution says most of it; serde_yaml_ng's writer also counts
/// leading zeros and integers up to 128 bits.
fn reads_as_other_type(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let leading_zero = digits.len() > 1 && digits.starts_with('0') && digits[1..].bytes().all(|b| b.is_ascii_digit());
    !matches!(super::resolve(s), super::Resolved::Str) || leading_zero || is_int(s)
}

/// serde_yaml_ng's integers: decimal, `0x`, `0o` or `0b` digits that fit 128
/// bits, after one `-` or `+`.
fn is_int(s: &str) -> bool {
    let (negative, body) = match s.strip_prefix('-') {
        Some(body) => (true, body),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let (radix, digits) = [("0x", 16), ("0o", 8), ("0b", 2)]
        .iter()
        .find_map(|&(p, r)| Some((r, body.strip_prefix(p)?)))
        .unwrap_or((10, body));
    // `from_str_radix` takes a sign of its own, YAML not.
    !digits.starts_with(['+', '-'])
        && if negative {
            i128::from_str_radix(&format!("-{digits}"), radix).is_ok()
        } else {
            u128::from_str_radix(digits, radix).is_ok()
        }
}

#[cfg(test)]
mod tests {
    use std::path::{Path, PathBuf};

    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;
    use serde::Serialize;
    use serde_yaml_ng::{Mapping, Number, Value as Yaml};

    use super::super::{to_value, Map, Node, Value};
    use super::emit;

    /// Our text for `v`, and serde_yaml_ng's.
    fn both<T: Serialize + ?Sized>(v: &T) -> (String, String) {
        let ours = emit(&to_value(v).expect("serializes"));
        (ours, serde_yaml_ng::to_string(v).expect("serde_yaml_ng serializes"))
    }

    #[track_caller]
    fn same<T: Serialize + ?Sized>(v: &T) {
        let (ours, theirs) = both(v);
        assert_eq!(ours, theirs);
    }

    #[test]
    fn layout() {
        let y = |s: &str| -> Yaml { serde_yaml_ng::from_str(s).expect("test YAML") };
        let cases = [
            ("a: 1\nb:\n- x\n- - y\n  - z\n- k: v\n  l: []\n- {}\nc:\n  d: e\n", "a mapping"),
            ("- - - a\n- []\n- b: c\n", "nested sequences"),
            ("? - a\n  - b\n: c\n? {x: y}\n: - d\n[]: e\n{}: f\n", "collection keys"),
            ("x: |-\n  a\n  b\n", "a literal"),
        ];
        for (text, what) in cases {
            let (ours, theirs) = both(&y(text));
            assert_eq!(ours, theirs, "{what}");
        }
        assert_eq!(both(&y("a: 1\nb:\n- x\n")).0, "a: 1\nb:\n- x\n");
    }

    /// Texts at the edges of each scalar style.
    #[rustfmt::skip]
    const TEXTS: &[&str] = &[
        "plain", "fd00::1", "10.0.0.0/8", "1500", "-1", "+1", "1e3", "1.", ".5", ".inf", "-.Inf", ".nan", "nan",
        "inf", "1e400", "0x1F", "0o17", "0b101", "-0x1F", "+0x1F", "0x+1", "007", "-007", "0", "00", "~", "null",
        "Null", "NULL", "nULL", "true", "True", "TRUE", "yes", "no", "on", "off", "", " ", "a ", " a", "it's",
        "a: b", "a:b", "a:", "-", "- a", "-a", "?", "? a", "?a", ":", ": a", "a #b", "a#b", "#a", "---", "---a",
        "...", "--", "..", "[a]", "a]", "{", "a,b", "&a", "*a", "!a", "|", ">", "'", "\"", "%", "@", "`", "a\tb",
        "\t", "a\rb", "a\u{85}b", "a\u{a0}", "a\u{2028}b", "\u{2029}", "\u{feff}", "\u{fffe}", "\u{7f}", "\0",
        "\u{1b}", "\u{1f600}", "日本", "a\nb", "a\n", "a\n\n", "\n", "\n\n", "\na", " a\nb", "a \nb", "a\n b",
        "a\nb ", "a\n\nb", "a\r\nb", "a\u{2028}\nb", "a\tb\nc", "'\n'", "a\\b", "\\",
    ];

    #[test]
    fn scalar_styles() {
        let long = "k".repeat(129);
        for &t in TEXTS.iter().chain([&long.as_str()]) {
            for v in [
                Yaml::String(t.into()),
                Yaml::Sequence(vec![t.into()]),
                Yaml::Mapping(Mapping::from_iter([(t.into(), t.into())])),
            ] {
                let (ours, theirs) = both(&v);
                if unicode_break(t) || matches!(v, Yaml::Mapping(_)) && !simple_for_libyaml(t) {
                    // We keep such a key on its line, quoted; it must read back.
                    let back: Yaml = serde_yaml_ng::from_str(&ours).expect("reads back");
                    assert_eq!(back, v, "{t:?}");
                } else {
                    assert_eq!(ours, theirs, "{t:?}");
                }
            }
        }
    }

    /// Text we double-quote where libyaml folds a Unicode line break.
    fn unicode_break(t: &str) -> bool {
        t.contains(['\u{85}', '\u{2028}', '\u{2029}'])
    }

    /// `v` without what we write differently on purpose: every Unicode line
    /// break made an `x`, and string keys on one line of at most 32 characters.
    fn without_unicode_breaks(v: Yaml) -> Yaml {
        match v {
            Yaml::String(t) => Yaml::String(t.replace(['\u{85}', '\u{2028}', '\u{2029}'], "x")),
            Yaml::Sequence(items) => Yaml::Sequence(items.into_iter().map(without_unicode_breaks).collect()),
            Yaml::Mapping(m) => Yaml::Mapping(
                m.into_iter()
                    .map(|(k, v)| {
                        let k = match without_unicode_breaks(k) {
                            Yaml::String(t) => Yaml::String(t.replace(['\n', '\r'], "x").chars().take(32).collect()),
                            other => other,
                        };
                        (k, without_unicode_breaks(v))
                    })
                    .collect(),
            ),
            other => other,
        }
    }

    /// Whether libyaml writes `t` as a key on its line (else as `? t`).
    fn simple_for_libyaml(t: &str) -> bool {
        t.len() <= 128 && !t.chars().any(super::is_break)
    }

    /// Whether `v` has a scalar key libyaml writes as `? key`, or a Unicode line break.
    fn written_differently(v: &Yaml) -> bool {
        match v {
            Yaml::Sequence(items) => items.iter().any(written_differently),
            Yaml::String(t) => unicode_break(t),
            Yaml::Mapping(m) => m.iter().any(|(k, v)| {
                matches!(k, Yaml::String(t) if !simple_for_libyaml(t))
                    || written_differently(k)
                    || written_differently(v)
            }),
            _ => false,
        }
    }

    #[test]
    fn styles_by_example() {
        let map = |k: Node, v: Node| Node::new(Value::Map(Map { entries: vec![(k, v)] }));
        let cases = [
            (Node::string("fd00::1"), "fd00::1\n"),
            (Node::string("1500"), "'1500'\n"),
            (Node::plain("1500"), "1500\n"),
            (Node::string("it's: x"), "'it''s: x'\n"),
            (Node::string("tab\there"), "\"tab\\there\"\n"),
            (Node::string(" two\nlines\n"), "|2\n   two\n  lines\n"),
            (map(Node::string("k"), Node::string("a\nb")), "k: |-\n  a\n  b\n"),
            (map(Node::string("a\nb"), Node::plain("1")), "\"a\\nb\": 1\n"),
        ];
        for (node, want) in cases {
            assert_eq!(emit(&node), want);
        }
    }

    #[test]
    fn top_level_values() {
        same(&1500u32);
        same(&-1i8);
        same(&true);
        same(&());
        same(&Option::<u8>::None);
        same(&"a\n\n");
        same(&Vec::<u8>::new());
        same(&std::collections::BTreeMap::<u8, u8>::new());
    }

    fn yaml_files() -> Vec<PathBuf> {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        let mut files = Vec::new();
        for dir in [root.join("examples"), root.join("tests/data/check")] {
            for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
                let path = entry.expect("directory entry").path();
                files.push(if path.is_dir() { path.join("topology.yaml") } else { path });
            }
        }
        files.retain(|p| p.extension().is_some_and(|x| x == "yaml"));
        if let Some(missing) = files.iter().find(|p| !p.is_file()) {
            panic!("{} is missing", missing.display());
        }
        files.sort();
        files
    }

    #[test]
    fn examples_and_check_cases_as_serde_yaml_ng_writes_them() {
        let mut n = 0;
        for path in yaml_files() {
            let src = std::fs::read_to_string(&path).expect("readable");
            if let Some(t) = crate::parse(&src).topology {
                let (ours, theirs) = both(&t);
                assert_eq!(ours, theirs, "{}", path.display());
                n += 1;
            }
        }
        assert!(n >= 4, "only {n} topologies");
    }

    /// Characters that steer libyaml's choice of style.
    const CHARS: &[char] = &[
        'a', 'b', 'Z', '0', '1', '9', '.', '+', '-', 'e', 'x', '_', '/', ':', '#', '[', ']', '{', '}', ',', '\'', '"',
        '!', '&', '*', '|', '>', '%', '@', '?', '`', '~', '\\', ' ', ' ', ' ', '\t', '\n', '\n', '\r', '\0', '\x01',
        '\x1b', '\x7f', '\u{85}', '\u{a0}', '\u{2028}', '\u{2029}', '\u{feff}', '\u{fffe}', 'é', '日', '😀',
    ];

    /// Words serde_yaml_ng reads as other types, and YAML's markers.
    const WORDS: &[&str] = &[
        "", "~", "null", "NULL", "true", "False", "1500", "-1", "+1", "1e3", "1.5", ".inf", "-.inf", ".nan", "0x1F",
        "-0o7", "0b1", "007", "---", "...", "- ", "? ", ": ", " #", "'", "\n", " ", "inf", "1e999",
    ];

    fn text() -> impl Strategy<Value = String> {
        let chars = prop::collection::vec(prop::sample::select(CHARS), 0..10).prop_map(String::from_iter);
        let word = prop::sample::select(WORDS).prop_map(String::from);
        prop_oneof![
            3 => chars.clone(),
            2 => word.clone(),
            2 => (word, chars.clone(), prop::sample::select(WORDS)).prop_map(|(a, b, c)| a + &b + c),
            1 => (chars, prop::collection::vec(prop::sample::select(WORDS), 1..4)).prop_map(|(a, w)| a + &w.concat()),
            1 => any::<String>(),
        ]
    }

    fn yaml() -> impl Strategy<Value = Yaml> {
        let leaf = prop_oneof![
            1 => Just(Yaml::Null),
            1 => any::<bool>().prop_map(Yaml::Bool),
            1 => any::<i64>().prop_map(|n| Yaml::Number(n.into())),
            1 => any::<u64>().prop_map(|n| Yaml::Number(n.into())),
            // Everyday floats: our float text is Rust's shortest form, which is
            // ryu's (serde_yaml_ng's) except for exponents (see `ser::float`).
            1 => (any::<i32>(), 0u32..4).prop_map(|(m, e)| Yaml::Number(Number::from(f64::from(m) / 10f64.powi(e as i32)))),
            8 => text().prop_map(Yaml::String),
        ];
        leaf.prop_recursive(4, 48, 5, |inner| {
            let key = prop_oneof![8 => text().prop_map(Yaml::String), 2 => inner.clone()];
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..5).prop_map(Yaml::Sequence),
                prop::collection::vec((key, inner), 0..5).prop_map(|kv| Yaml::Mapping(kv.into_iter().collect())),
            ]
        })
    }

    // 256 cases each (proptest's default; PROPTEST_CASES=20000 for a long run).
    proptest! {
        #[test]
        fn any_data_as_serde_yaml_ng_writes_it(v in yaml().prop_map(without_unicode_breaks)) {
            // serde_yaml_ng cannot write a one-entry map that is the key of another.
            let theirs = serde_yaml_ng::to_string(&v);
            prop_assume!(theirs.is_ok());
            // What we write differently on purpose; `what_we_write_reads_back` has it.
            prop_assume!(!written_differently(&v));
            prop_assert_eq!(emit(&to_value(&v).expect("serializes")), theirs.unwrap());
        }

        #[test]
        fn what_we_write_reads_back(v in yaml()) {
            let text = emit(&to_value(&v).expect("serializes"));
            let back: Yaml = serde_yaml_ng::from_str(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
            prop_assert_eq!(back, v, "{}", text);
        }
    }
}
