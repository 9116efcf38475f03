//! The reader against serde_yaml_ng (files, snippets, generated documents),
//! where nodes start, what errors say, and the limits on nesting and aliases.

use super::*;
use crate::diag::Span;
use crate::yaml::{Scalar, Style, Value};
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
¦¦# only a comment\n¦  \n\n¦---\n¦---\n...\n¦a: 1\n...\n...\n¦--- # c\na: 1\n\
¦a: 1\nb: two\nc: 3.5\nd: true\ne: ~\nf:\ng: null\n¦key: \"a # b\"\n¦a: b#c\n¦url: http://x:80/\n\
¦- fd00::1\n- ::1\n- 10.0.0.1/24\n\
¦k: -1\nj: +2\nh: 0x1F\ni: 0o17\nb: 0b101\nz: 012\nf: 1e3\nn: .nan\nm: -.inf\nx: .5\ny: +.inf\n\
¦a: 1.5e-3\nb: -0.0\nc: 1_000\nd: 0x\ne: .Inf\ng: 1.\nh: .1e2\ni: -012\nj: yes\nk: on\n¦k: - x\n\
¦a: [b,\n  c,\n  d]\nm: {x: 1,\n  y: [2, 3]}\n\
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
¦a:\n    b: 1\n  c: 2\n¦- a\nb: 1\n¦a:\n  - b\n - c\n¦a:\n\tb: 1\n¦[a: b, c]\n¦{a: 1, b}\n¦{\"a\":1}\n\
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
    // A missing fixture folder fails: nothing is dropped silently.
    let list = |d: &Path| -> Vec<_> {
        let rd = std::fs::read_dir(d).unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display()));
        rd.map(|e| e.unwrap_or_else(|e| panic!("{}: {e}", d.display())).path()).collect()
    };
    let mut files: Vec<_> = list(&root.join("examples"));
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
    let doc = ok("name: x\nnodes:\n  a: {role: server}\n  b:\nlist:\n- 'q'\n- |\n  lit\n- [1, 2]\nc:\n- &a é\n- *a\n");
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
    let deep = "- ".repeat(200) + "x";
    let cases: &[(&str, &str, usize, usize)] = &[
        ("a: 1\na: 2\n", "duplicate key `a` (first at line 1)", 2, 1),
        ("x: {a: 1, a: 2}", "duplicate key `a` (first at line 1)", 1, 11),
        ("? a\n: b\n", "complex keys (`? `) are refused on purpose", 1, 1),
        ("{? a: 1}\n", "complex keys (`? `) are refused on purpose", 1, 2),
        ("[a]: 1\n", "only scalar keys are supported", 1, 1),
        ("{[a]: 1}\n", "only scalar keys are supported", 1, 2),
        ("a: 1\n---\nb: 2\n", "the file holds more than one YAML document; a topology is one", 2, 1),
        ("a: 1\n...\nb: 2\n", "more than one YAML document", 3, 1),
        ("a:\n\tb: 1\n", "tabs are not allowed for indentation in YAML; use spaces", 2, 1),
        ("a:\n  b: 1\n  \tc: 2\n", "tabs are not allowed", 3, 3),
        ("a:\n    b: 1\n  c: 2\n", "bad indentation", 3, 3),
        ("-\n    - a\n  - b\n", "expected `- ` here, like the other entries", 3, 3),
        ("a: \"x\nb: 1\n", "unterminated string: the closing `\"` is missing", 1, 4),
        ("a: 'x\n", "unterminated string: the closing `'` is missing", 1, 4),
        ("a: [x, y\n", "unterminated flow collection: the closing `]` is missing", 1, 4),
        ("a: {x: [1]\n---\n", "the closing `}` is missing", 1, 4),
        ("a: {x: 1\n", "the closing `}` is missing", 1, 4),
        ("name: Zürich\nx: [1,\n", "the closing `]` is missing", 2, 4),
        ("a: [b,\nc]\n", "indented more than the block it is in", 2, 1),
        ("a: \"\\q\"\n", "unknown escape `\\q`", 1, 5),
        ("a: \"\\uD800\"\n", "hex digits of a Unicode character", 1, 4),
        ("a: *nope\n", "alias `*nope` has no anchor", 1, 4),
        ("a: !foo x\n", "tags such as `!foo` are not used by this format (refused on purpose)", 1, 4),
        ("a: !<tag:x> x\n", "tags such as `!<tag:x>`", 1, 4),
        ("k: - x\n", "cannot start on this line", 1, 4),
        ("a: b: c\n", "a mapping cannot start on this line", 1, 5),
        ("- a\nb: 1\n", "expected `- `", 2, 1),
        ("a: 1\nfoo\n", "expected `: ` after `foo`", 2, 4),
        ("a: 'x' y\n", "unexpected `y` after the quoted value", 1, 8),
        ("a: \"x\"#c\n", "a comment needs a space", 1, 7),
        ("%YAML 1.2\na: 1\n", "must be followed by a `---` line", 1, 1),
        ("a: [x, 'y' z]\n", "expected `,` or `]`", 1, 12),
        ("\"a\nb\": 1\n", "a quoted key must be on one line", 2, 3),
        ("a: |x\n", "may follow `|` or `>` on its line", 1, 4),
        ("a: @x\n", "cannot start with `@`", 1, 4),
        ("a: &x y: 1\n", "a mapping cannot start on this line", 1, 8),
        ("a: &x &y z\n", "a value has two anchors or two tags", 1, 7),
        (deep.as_str(), "deeper than 128 levels", 1, 257),
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
    // YAML 1.2: a lone `...` ends a stream of no document (libyaml wants a node).
    assert!(ok("...\n").is_null() && serde_yaml_ng::from_str::<Y>("...\n").is_err());
    // A tab may separate the top-level node from the line's start (yaml-test-suite
    // 6CA3, Q5MG: `\t{}`); libyaml refuses it, and a tab inside indentation stays refused.
    assert!(ok("\ta: 1\n").as_map().is_some() && serde_yaml_ng::from_str::<Y>("\ta: 1\n").is_err());
    // A flow collection's lines are indented more than the block it is in (YAML 1.2
    // 7.1 "flow styles"; yaml-test-suite 9C9N); libyaml takes `a: [b,\nc]`.
    assert!(read("a: [b,\nc]\n").is_err() && serde_yaml_ng::from_str::<Y>("a: [b,\nc]\n").is_ok());
    // Anchor names are any characters but blanks and flow indicators (yaml-test-suite 2SXE, 8XYN).
    assert_eq!(
        ok("a: &b.c:d x\nb: *b.c:d\n")
            .as_map()
            .and_then(|m| m.get("b"))
            .and_then(Node::as_scalar)
            .map(|s| s.text.as_str()),
        Some("x")
    );
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
        'a', 'b', 'z', '0', '1', '9', '.', ':', '#', '-', '[', ']', '{', '}', ',', '\'', '"', '!', '&', '*', '|', '>',
        '%', '@', '`', '?', '~', '\\', ' ', ' ', '\n', '\t', 'é', '中', '😀',
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

/// Merge keys as serde_yaml_ng's `apply_merge` reads them (its reference for
/// https://yaml.org/type/merge.html): own keys win, an earlier mapping of a
/// merged list wins over a later one, nested and flow mappings merge too.
#[test]
fn merge_keys_as_the_merge_type_says() {
    for text in [
        "d: &d {x: 1, y: 2}\nb:\n  <<: *d\n  y: 3\n",
        "d: &d\n  x: 1\n  y: 2\nb:\n  y: 3\n  <<: *d\n",
        "a: &a {x: 1}\nb: &b {x: 2, y: 2}\nc:\n  <<: [*a, *b]\n  z: 3\n",
        "d: &d {x: 1}\nl:\n  - {<<: *d, y: 2}\n  - <<: *d\n    x: 5\n",
        "d: &d {x: {p: 1}}\nb:\n  <<: *d\n",
    ] {
        let mut theirs: Y = serde_yaml_ng::from_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"));
        theirs.apply_merge().unwrap_or_else(|e| panic!("{text:?}: {e}"));
        assert_eq!(typed(&ok(text)), theirs, "{text:?}");
    }
    // A merged mapping that merged itself brings all it holds (apply_merge
    // leaves the inner `<<` of an alias unmerged; the merge type does not).
    let nested = ok("e: &e {k: v}\nd: &d {<<: *e, x: 1}\nb: {<<: *d}\n");
    let keys: Vec<&str> = get(&nested, &["b"])
        .as_map()
        .map_or(Vec::new(), |m| m.entries.iter().filter_map(|(k, _)| k.as_scalar().map(|s| s.text.as_str())).collect());
    assert_eq!(keys, ["k", "x"]);
    // A quoted `<<` is a plain key; `<<` of a scalar is refused with the place.
    assert!(get(&ok("a:\n  '<<': 1\n"), &["a"]).as_map().is_some_and(|m| m.get("<<").is_some()));
    let e = read("a:\n  <<: 5\n").unwrap_err();
    assert!(e.message.contains("`<<: *name`") && e.span == at(2, 7), "{e:?}");
    let e = read("d: &d {x: 1}\na:\n  <<: [*d, 2]\n").unwrap_err();
    assert!(e.message.contains("`<<`") && e.span == at(3, 12), "{e:?}");
    // Merged entries keep the place they were written (where a diagnostic points).
    assert_eq!(get(&ok("d: &d\n  x: 1\nb:\n  <<: *d\n"), &["b", "x"]).span, at(2, 6));
}

/// The everyday use: agents share their settings through a merge key, and the
/// topology is exactly the one written out in full.
#[test]
fn a_topology_with_merge_keys_is_the_expanded_one() {
    let head = "version: 1\nname: m\ncluster: {cni: flannel, pod_cidr: [10.42.0.0/16], service_cidr: [10.43.0.0/16]}\n\
sites:\n  home: {}\n";
    let merged = format!(
        "{head}x-agent: &agent\n  site: home\n  role: agent\nnodes:\n  s1: {{site: home, role: server, address: 10.0.0.1}}\n  \
a1:\n    <<: *agent\n    address: 10.0.0.2\n  a2: {{<<: *agent, address: 10.0.0.3, labels: {{x: y}}}}\n"
    );
    let expanded = format!(
        "{head}nodes:\n  s1: {{site: home, role: server, address: 10.0.0.1}}\n  \
a1: {{site: home, role: agent, address: 10.0.0.2}}\n  a2: {{site: home, role: agent, address: 10.0.0.3, labels: {{x: y}}}}\n"
    );
    let want = crate::parse(&expanded);
    assert!(want.diagnostics.is_empty(), "{:?}", want.diagnostics);
    // The anchor's holder is not a field of the format: reported as unknown, the rest reads.
    let got = crate::parse(&merged);
    let codes: Vec<(&str, &str)> = got.diagnostics.iter().map(|d| (d.code.as_str(), d.path.as_str())).collect();
    assert_eq!(codes, [("E002", "x-agent")]);
    assert_eq!(got.topology, want.topology);
    // Without a holder: the first agent is the anchor.
    let anchored = format!(
        "{head}nodes:\n  s1: {{site: home, role: server, address: 10.0.0.1}}\n  \
a1: &agent {{site: home, role: agent, address: 10.0.0.2}}\n  a2:\n    <<: *agent\n    address: 10.0.0.3\n    labels: {{x: y}}\n"
    );
    let got = crate::parse(&anchored);
    assert!(got.diagnostics.is_empty(), "{:?}", got.diagnostics);
    assert_eq!(got.topology, want.topology);
}

/// A tab inside block-scalar content is text (a pasted Makefile), also on the
/// first line, where only the spaces before it set the indentation; a tab as
/// indentation is refused. Expected values from yaml-test-suite (R4YG, Spec
/// Example 8.2, tagged `libyaml-err`; Y79Y, "Tabs in various contexts"), where
/// libyaml, and so serde_yaml_ng, refuses what the spec reads.
#[test]
fn tabs_inside_block_scalar_content_are_text() {
    let s = |text: &str, path: &[&str]| get(&ok(text), path).as_scalar().map(|s| s.text.clone());
    assert_eq!(s("script: |\n  all:\n  \techo hi\n", &["script"]).as_deref(), Some("all:\n\techo hi\n"));
    assert_eq!(s("script: |\n  \techo hi\n  \tdone\n", &["script"]).as_deref(), Some("\techo hi\n\tdone\n"));
    // Y79Y, second case: `foo: |` then a line of a space and a tab.
    let y79y = ok("foo: |\n \t\nbar: 1\n");
    assert_eq!(get(&y79y, &["foo"]).as_scalar().map(|s| s.text.as_str()), Some("\t\n"));
    assert_eq!(get(&y79y, &["bar"]).as_scalar().map(|s| s.text.as_str()), Some("1"));
    // R4YG: ["detected\n", "\n\n# detected\n", " explicit\n", "\t\ndetected\n"].
    let r4yg = ok("- |\n detected\n- >\n \n  \n  # detected\n- |1\n  explicit\n- >\n \t\n detected\n");
    let texts: Vec<&str> = match &r4yg.value {
        Value::Seq(items) => items.iter().filter_map(|n| n.as_scalar().map(|s| s.text.as_str())).collect(),
        _ => Vec::new(),
    };
    assert_eq!(texts, ["detected\n", "\n\n# detected\n", " explicit\n", "\t\ndetected\n"]);
    // Y79Y, first case: a tab where the indentation is.
    let e = read("foo: |\n\t\nbar: 1\n").unwrap_err();
    assert!(e.message.contains("tabs are not allowed for indentation"), "{e:?}");
    let e = read("a:\n\tb: 1\n").unwrap_err();
    assert!(e.message.contains("tabs are not allowed for indentation"), "{e:?}");
}
