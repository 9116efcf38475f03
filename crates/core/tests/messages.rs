//! Every message the deserializer can give speaks of the field, never of serde
//! (issue 20). The messages are produced, not imagined: every element of the
//! format's own example (`docs/format.md`, which has every field) and of each
//! example design is replaced in turn by a value of each kind (empty, yes/no,
//! numbers, asdot, text, list, mapping), each mapping gets an unknown key and
//! loses each of its keys, and every message and hint that parsing then gives
//! is checked against serde's vocabulary. `MESHPLAN_DUMP_MESSAGES=1` prints them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use meshplan_core::yaml::{self, Node, Value};
use meshplan_core::{parse, Code};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// The YAML example of docs/format.md: one design with every field.
fn format_example() -> String {
    let doc = read(&root().join("docs/format.md"));
    let start = doc.find("```yaml\n").map(|i| i + "```yaml\n".len());
    let body = start.and_then(|s| doc[s..].find("```").map(|e| &doc[s..s + e]));
    body.unwrap_or_else(|| panic!("docs/format.md has no ```yaml example")).to_string()
}

/// Values of every kind a person might put anywhere.
const REPLACEMENTS: &[&str] =
    &["", "~", "true", "1.10", "-7", "99999999999999999999", "1e3", "x y", "'quoted'", "[1, 2]", "[]", "{a: 1}", "{}"];

fn value(snippet: &str) -> Node {
    let doc = yaml::read(&format!("v: {snippet}\n")).unwrap_or_else(|e| panic!("{snippet}: {e:?}"));
    doc.as_map().and_then(|m| m.get("v")).cloned().unwrap_or_else(|| panic!("{snippet}: no value"))
}

/// Paths (keys and indices) of every element under `node`.
fn paths(node: &Node, prefix: &mut Vec<Step>, out: &mut Vec<Vec<Step>>) {
    match &node.value {
        Value::Map(m) => {
            for (k, v) in &m.entries {
                let key = k.as_scalar().map(|s| s.text.clone()).unwrap_or_default();
                prefix.push(Step::Key(key));
                out.push(prefix.clone());
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                prefix.push(Step::Index(i));
                out.push(prefix.clone());
                paths(v, prefix, out);
                prefix.pop();
            }
        }
        Value::Scalar(_) => {}
    }
}

#[derive(Clone, Debug)]
enum Step {
    Key(String),
    Index(usize),
}

fn at<'n>(node: &'n mut Node, path: &[Step]) -> Option<&'n mut Node> {
    path.iter().try_fold(node, |n, step| match (step, &mut n.value) {
        (Step::Key(k), Value::Map(m)) => m.get_mut(k),
        (Step::Index(i), Value::Seq(items)) => items.get_mut(*i),
        _ => None,
    })
}

/// Parse messages and hints (E00x) of a text.
fn messages_of(text: &str, out: &mut BTreeSet<String>) {
    for d in parse(text).diagnostics {
        if matches!(d.code, Code::E001 | Code::E002 | Code::E004) {
            out.insert(d.message.clone());
            if let Some(h) = &d.hint {
                out.insert(format!("  hint: {h}"));
            }
        }
    }
}

/// Every message parsing gives for the variations of one design.
fn variations(src: &str, out: &mut BTreeSet<String>) {
    let doc = yaml::read(src).unwrap_or_else(|e| panic!("the design does not read: {e:?}"));
    let mut all = Vec::new();
    paths(&doc, &mut Vec::new(), &mut all);
    for path in &all {
        for r in REPLACEMENTS {
            let mut d = doc.clone();
            if let Some(n) = at(&mut d, path) {
                *n = value(r);
                messages_of(&yaml::emit(&d), out);
            }
        }
        // The element gone (a required field missing), and an unknown key beside it.
        if let Some((Step::Key(last), parent)) = path.split_last() {
            let mut d = doc.clone();
            if let Some(m) = at(&mut d, parent).and_then(Node::as_map_mut) {
                m.remove(last);
                m.insert("colour", value("blue"));
                messages_of(&yaml::emit(&d), out);
            }
        }
    }
}

/// serde's words, as whole words or phrases of its messages.
const SERDE_WORDS: &[&str] = &[
    "invalid type",
    "invalid value",
    "invalid length",
    "unit value",
    "unit",
    "expected a",
    "expected one of",
    "floating point",
    "integer",
    "struct",
    "sequence",
    "a map",
    "variant",
    "identifier",
    "newtype",
    "tuple",
    "option",
    "borrowed",
    "u8",
    "u16",
    "u32",
    "u64",
    "i8",
    "i16",
    "i32",
    "i64",
    "f32",
    "f64",
    "usize",
];

fn speaks_serde(message: &str) -> Option<&'static str> {
    let lower = message.to_lowercase();
    let words: Vec<&str> = lower.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).collect();
    let joined = format!(" {} ", words.join(" "));
    SERDE_WORDS.iter().copied().find(|w| joined.contains(&format!(" {w} ")))
}

#[test]
fn no_message_speaks_serde() {
    let mut messages = BTreeSet::new();
    let example = format_example();
    let parsed = parse(&example);
    assert!(parsed.topology.is_some(), "the example of docs/format.md does not parse: {:#?}", parsed.diagnostics);
    variations(&example, &mut messages);
    for ex in ["calico-wds-hkg", "cilium-dualstack-frr", "flannel-metallb-pi", "kilo-multicloud"] {
        variations(&read(&root().join(format!("examples/{ex}.yaml"))), &mut messages);
    }
    assert!(messages.len() > 100, "too few messages to judge: {}", messages.len());
    let bad: Vec<String> =
        messages.iter().filter_map(|m| speaks_serde(m).map(|w| format!("{m}    <- says `{w}`"))).collect();
    eprintln!("{} distinct parse messages and hints checked", messages.len());
    // MESHPLAN_DUMP_MESSAGES=1 lists them all, for reading.
    if std::env::var_os("MESHPLAN_DUMP_MESSAGES").is_some() {
        eprintln!("{}", messages.iter().cloned().collect::<Vec<_>>().join("\n"));
    }
    assert!(bad.is_empty(), "{} message(s) speak serde:\n{}", bad.len(), bad.join("\n"));
}

#[test]
fn the_vocabulary_check_can_fail() {
    assert_eq!(speaks_serde("invalid type: unit value, expected a map"), Some("invalid type"));
    assert_eq!(speaks_serde("floating point `1.1`, expected u32"), Some("floating point"));
    assert_eq!(speaks_serde("`labels` is empty; it needs a mapping (`key: value` entries)"), None);
}

/// The issue's probes: what a person reads for each.
#[test]
fn probes_get_messages_a_person_can_act_on() {
    let base = read(&root().join("examples/cilium-dualstack-frr.yaml"));
    let probe = |from: &str, to: &str| {
        assert!(base.contains(from), "the example no longer has {from:?}");
        let got = parse(&base.replacen(from, to, 1)).diagnostics;
        got.into_iter().find(|d| d.code == Code::E004).unwrap_or_else(|| panic!("{to:?}: no E004"))
    };
    let d = probe("labels: {bgp-enabled: \"true\"}", "labels:");
    assert_eq!(d.path, "nodes.k3s-server.labels");
    assert!(d.message.contains("`labels` is empty"), "{}", d.message);
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("key: value") && h.contains("{}")), "{:?}", d.hint);

    let d = probe("asn: 64512", "asn: 1.10");
    assert_eq!(d.path, "cluster.asn");
    assert!(d.message.contains("asdot"), "{}", d.message);
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("65546")), "{:?}", d.hint);

    let d = probe("cni: cilium", "cni: cilum");
    assert_eq!(d.path, "cluster.cni");
    assert!(d.hint.as_deref().is_some_and(|h| h.contains("`cilium`")), "{:?}", d.hint);

    let d = probe("role: agent,", "role: [agent],");
    assert!(d.message.contains("is a list"), "{}", d.message);
}

/// Issue 17: forgetting a router's `serves` gave blackholes whose hint named no
/// field; a person must learn from the hint which field to change.
#[test]
fn routing_hints_name_the_fields_to_change() {
    let example = read(&root().join("examples/calico-wds-hkg.yaml"));
    let without: String =
        example.lines().filter(|l| !l.trim_start().starts_with("serves:")).map(|l| format!("{l}\n")).collect();
    assert_ne!(without, example, "the example has `serves` lines");
    let a = meshplan_core::analyze(&without);
    let blackholes: Vec<_> = a.diagnostics.iter().filter(|d| d.code == Code::E071).collect();
    assert!(!blackholes.is_empty(), "no blackhole without serves");
    for d in blackholes {
        let hint = d.hint.as_deref().unwrap_or_default();
        for field in ["`routers.<name>.serves`", "`bgp.backbone`", "`cluster.calico.encapsulation: vxlan`"] {
            assert!(hint.contains(field), "{}: the hint does not name {field}: {hint}", d.path);
        }
    }
    let a = meshplan_core::analyze(&read(&root().join("tests/data/check/no-mesh-no-router/topology.yaml")));
    let unrouted: Vec<_> = a.diagnostics.iter().filter(|d| d.code == Code::E070).collect();
    assert!(!unrouted.is_empty(), "no E070 in no-mesh-no-router");
    for d in unrouted {
        let hint = d.hint.as_deref().unwrap_or_default();
        assert!(
            hint.contains("`routers.<name>.serves`") && hint.contains("`cluster.calico.node_mesh: true`"),
            "{hint}"
        );
    }
}
