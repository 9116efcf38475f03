//! Properties over hostile and edited input: the parser, the checks and the plan
//! never panic, and writing a topology back gives the same topology.

// Tests are not in the browser's module: std's sorts are fine here (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::path::Path;

use meshplan_core::{analyze, parse, plan, write, write_keeping_comments};
use proptest::prelude::*;

fn examples() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let rd = fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut v: Vec<_> = rd.map(|e| e.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path()).collect();
    v.sort();
    assert!(v.len() >= 4, "expected the four examples in {}, found {v:?}", dir.display());
    v.iter().map(|p| fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))).collect()
}

/// Tokens that make edits interesting: other names, odd numbers, YAML syntax.
const TOKENS: &[&str] = &[
    "0",
    "-1",
    "65535",
    "4294967296",
    "1e9",
    "null",
    "~",
    "[]",
    "{}",
    "true",
    "'x'",
    "\"\"",
    "10.42.0.0/33",
    "::1",
    "fe80::/10",
    "gateway",
    "kubemaster",
    "WDS",
    "home",
    "none",
    "- ",
    ": ",
    "#",
    "&a",
    "*a",
    "!!binary",
    "\t",
    "auto",
    "[a, b, c]",
    "{between: [x, y]}",
    "version: 2",
    "ipv6",
    "255.255.255.255",
    "0.0.0.0/0",
];

#[derive(Debug, Clone)]
enum Edit {
    DeleteLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    ReplaceWord(usize, usize),
    InsertToken(usize, usize),
    Truncate(usize),
}

fn edit() -> impl Strategy<Value = Edit> {
    prop_oneof![
        any::<usize>().prop_map(Edit::DeleteLine),
        any::<usize>().prop_map(Edit::DuplicateLine),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::SwapLines(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::ReplaceWord(a, b)),
        (any::<usize>(), any::<usize>()).prop_map(|(a, b)| Edit::InsertToken(a, b)),
        any::<usize>().prop_map(Edit::Truncate),
    ]
}

fn apply(src: &str, edits: &[Edit]) -> String {
    let mut lines: Vec<String> = src.lines().map(str::to_string).collect();
    for e in edits {
        if lines.is_empty() {
            break;
        }
        let n = lines.len();
        match *e {
            Edit::DeleteLine(i) => {
                lines.remove(i % n);
            }
            Edit::DuplicateLine(i) => {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            Edit::SwapLines(a, b) => lines.swap(a % n, b % n),
            Edit::ReplaceWord(i, t) => {
                let line = &mut lines[i % n];
                let words: Vec<&str> = line.split(' ').collect();
                let k = t % words.len().max(1);
                let mut w: Vec<String> = words.iter().map(|s| s.to_string()).collect();
                if let Some(slot) = w.get_mut(k) {
                    *slot = TOKENS[t % TOKENS.len()].to_string();
                }
                *line = w.join(" ");
            }
            Edit::InsertToken(i, t) => {
                let line = &mut lines[i % n];
                let at = line.char_indices().map(|(p, _)| p).nth(t % (line.chars().count() + 1)).unwrap_or(line.len());
                line.insert_str(at, TOKENS[t % TOKENS.len()]);
            }
            Edit::Truncate(i) => lines.truncate(i % n),
        }
    }
    lines.join("\n")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn random_text_never_panics(s in ".{0,400}") {
        let a = analyze(&s);
        if let Some(t) = a.topology { let _ = plan::build(&t); }
    }

    #[test]
    fn random_bytes_never_panic(b in proptest::collection::vec(any::<u8>(), 0..400)) {
        let s = String::from_utf8_lossy(&b);
        let _ = analyze(&s);
    }

    #[test]
    fn edited_examples_never_panic_and_round_trip(which in 0usize..4, edits in proptest::collection::vec(edit(), 1..6)) {
        let ex = examples();
        let src = apply(&ex[which % ex.len()], &edits);
        let a = analyze(&src);
        if let Some(t) = a.topology {
            let p = plan::build(&t);
            let _ = p.to_text();
            // plan.json is JSON whatever the plan holds (a count past 2^64 once
            // emptied it).
            let json = p.to_json_text();
            prop_assert!(serde_json::from_str::<serde_json::Value>(&json).is_ok(), "plan.json is not JSON: {json:.200}");
            // Every single failure of what was read, broken references and all.
            let f = plan::failures::analyze(&t, &p);
            let _ = (f.to_text(), f.to_json_text(), f.findings());
            // Whatever was read writes back to the same topology.
            let again = parse(&write(&t)).topology;
            prop_assert_eq!(again.as_ref(), Some(&t));
        }
    }

    /// An example's topology written over an edited (commented, perhaps broken)
    /// text: never a panic, always exactly that topology.
    #[test]
    fn writing_over_any_text_gives_the_topology(which in 0usize..4, over in 0usize..4, edits in proptest::collection::vec(edit(), 0..6)) {
        let ex = examples();
        let t = parse(&ex[which % ex.len()]).topology;
        prop_assert!(t.is_some());
        if let Some(t) = t {
            let old = apply(&ex[over % ex.len()], &edits);
            let back = parse(&write_keeping_comments(&old, &t)).topology;
            prop_assert_eq!(back.as_ref(), Some(&t));
        }
    }
}

#[test]
fn examples_round_trip_through_write() {
    for src in examples() {
        let t = parse(&src).topology.expect("example parses");
        let text = write(&t);
        assert_eq!(parse(&text).topology.as_ref(), Some(&t), "round trip of\n{text}");
        // Writing is stable: a second round gives the same text.
        assert_eq!(write(&parse(&text).topology.expect("reparses")), text);
    }
}

/// A dual-stack Calico pool of a /56 in /122 blocks has 2^66 blocks: plan.json
/// carries the count as digits instead of coming out empty (fuzz seed 4006).
#[test]
fn plan_json_carries_counts_past_two_to_the_64() {
    let src = examples()
        .into_iter()
        .find(|s| s.contains("cni: calico"))
        .unwrap_or_default()
        .replace("pod_cidr: [10.42.0.0/16]", "pod_cidr: [10.42.0.0/16, fd42:42::/56]");
    let a = analyze(&src);
    let plan = a.plan.unwrap_or_else(|| panic!("no plan: {:?}", a.diagnostics));
    let json: serde_json::Value =
        serde_json::from_str(&plan.to_json_text()).unwrap_or_else(|e| panic!("not JSON: {e}"));
    let counts: Vec<String> = json["calico_blocks"]["blocks"]
        .as_array()
        .map(|b| b.iter().map(|b| b["block_count"].to_string()).collect())
        .unwrap_or_default();
    assert_eq!(counts, ["1024", "\"73786976294838206464\""], "{src}");
}
