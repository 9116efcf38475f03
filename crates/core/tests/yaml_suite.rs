//! The YAML reader over the official YAML test suite (`tests/data/yaml-test-suite`,
//! data tag `data-2022-01-17`; see its README):
//!
//! - a valid case of one document is read, and to exactly its `in.json` (plain
//!   scalars resolved by the YAML 1.2 core schema, as `in.json` was written);
//!   a valid case without `in.json` (keys JSON cannot hold) is read;
//! - an invalid case (`error`) is refused;
//! - a case of several documents is refused with the reader's "one document"
//!   message (or, when its first document uses a feature of [`SKIP`], for that);
//! - a valid case may be refused only for a feature of [`SKIP`], with the
//!   message that refuses it on purpose.
//!
//! Prints its figures (`cargo xtask test` shows them); fails on any other case.

#![allow(clippy::disallowed_methods)]

use std::fs;
use std::path::{Path, PathBuf};

use meshplan_core::yaml::{read, Node, Style, Value};
use serde_json::Value as J;

/// Features of YAML the topology format refuses on purpose: a valid case that
/// uses one is refused with a message holding the second field.
const SKIP: &[(&str, &str, &str)] = &[
    (
        "custom tags",
        "tags such as",
        "a topology's values take their type from the field they are in; `!foo` or `!<tag:…>` would \
         ask for types the format does not have (the core schema's `!!str`, `!!int`, … are taken)",
    ),
    (
        "complex keys",
        "complex keys (`? `)",
        "keys are names (of nodes, sites, labels): `? ` keys over several lines or holding \
         collections have no place in a topology",
    ),
    ("non-scalar keys", "only scalar keys", "a list or mapping as a key names nothing in a topology"),
    (
        "duplicate keys",
        "duplicate key",
        "YAML wants a mapping's keys unique, and a topology's second `a:` is a mistake to point at; \
         2JQS writes two empty keys, which the suite leaves to the application",
    ),
];

const MORE_DOCUMENTS: &str = "more than one YAML document";

fn suite() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/yaml-test-suite")
}

/// Every case folder (one holding `in.yaml`), sorted.
fn cases(dir: &Path, out: &mut Vec<PathBuf>) {
    let rd = fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut entries: Vec<PathBuf> = rd.map(|e| e.expect("a directory entry").path()).collect();
    entries.sort();
    for p in entries {
        if p.join("in.yaml").is_file() {
            out.push(p.clone());
        }
        if p.is_dir() {
            cases(&p, out);
        }
    }
}

/// A plain scalar by the YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution).
fn core(t: &str) -> J {
    match t {
        "" | "~" | "null" | "Null" | "NULL" => return J::Null,
        "true" | "True" | "TRUE" => return J::Bool(true),
        "false" | "False" | "FALSE" => return J::Bool(false),
        _ => {}
    }
    let digits = |s: &str, radix| !s.is_empty() && s.chars().all(|c| c.is_digit(radix));
    let unsigned = t.strip_prefix(['-', '+']).unwrap_or(t);
    if digits(unsigned, 10) {
        if let Ok(n) = t.parse::<i64>() {
            return J::from(n);
        }
    }
    for (prefix, radix) in [("0o", 8), ("0x", 16)] {
        if let Some(d) = t.strip_prefix(prefix).filter(|d| digits(d, radix)) {
            if let Ok(n) = i64::from_str_radix(d, radix) {
                return J::from(n);
            }
        }
    }
    // [-+]? ( \. [0-9]+ | [0-9]+ ( \. [0-9]* )? ) ( [eE] [-+]? [0-9]+ )?
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let mantissa_ok = match mantissa.split_once('.') {
        Some((a, b)) => (digits(a, 10) || a.is_empty()) && (digits(b, 10) || (b.is_empty() && !a.is_empty())),
        None => digits(mantissa, 10),
    };
    let exponent_ok = exponent.is_none_or(|e| digits(e.strip_prefix(['-', '+']).unwrap_or(e), 10));
    if mantissa_ok && exponent_ok {
        if let Some(n) = t.parse::<f64>().ok().and_then(serde_json::Number::from_f64) {
            return J::Number(n);
        }
    }
    J::String(t.into())
}

/// Our tree as `in.json` writes it.
fn json(n: &Node) -> J {
    match &n.value {
        Value::Scalar(s) if s.style == Style::Str => J::String(s.text.clone()),
        Value::Scalar(s) => core(&s.text),
        Value::Seq(items) => J::Array(items.iter().map(json).collect()),
        Value::Map(m) => J::Object(
            m.entries
                .iter()
                .map(|(k, v)| (k.as_scalar().map(|s| s.text.clone()).unwrap_or_default(), json(v)))
                .collect(),
        ),
    }
}

/// Numbers compare as numbers (`in.json` writes `1.0` or `1`, we resolve `1.0`).
fn same(a: &J, b: &J) -> bool {
    match (a, b) {
        (J::Number(x), J::Number(y)) => x.as_f64() == y.as_f64(),
        (J::Array(x), J::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b)),
        (J::Object(x), J::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same(v, w)))
        }
        _ => a == b,
    }
}

#[test]
fn yaml_test_suite() {
    let mut all = Vec::new();
    cases(&suite(), &mut all);
    assert!(all.len() >= 400, "found only {} cases under {}", all.len(), suite().display());
    let (mut valid, mut exact, mut read_no_json) = (0, 0, 0);
    let (mut invalid, mut refused) = (0, 0);
    let (mut multi, mut multi_refused, mut multi_feature) = (0, 0, 0);
    let mut skipped = vec![0; SKIP.len()];
    let mut bad = Vec::new();
    for case in &all {
        let id = case.strip_prefix(suite()).unwrap_or(case).display().to_string();
        let title = fs::read_to_string(case.join("===")).unwrap_or_default();
        let text = fs::read_to_string(case.join("in.yaml")).unwrap_or_else(|e| panic!("{id}: {e}"));
        let events = fs::read_to_string(case.join("test.event")).unwrap_or_else(|e| panic!("{id}: {e}"));
        let documents = events.lines().filter(|l| l.starts_with("+DOC")).count();
        let got = read(&text);
        let mut fail = |why: String| bad.push(format!("{id} ({}): {why}", title.trim()));
        if case.join("error").exists() {
            invalid += 1;
            match got {
                Err(_) => refused += 1,
                Ok(n) => fail(format!("invalid, but read as {}", json(&n))),
            }
        } else if documents > 1 {
            multi += 1;
            match got {
                Err(e) if e.message.contains(MORE_DOCUMENTS) => multi_refused += 1,
                // The first document already uses a feature of the list.
                Err(e) if SKIP.iter().any(|(_, says, _)| e.message.contains(says)) => multi_feature += 1,
                other => fail(format!("{documents} documents, not refused as such: {other:?}")),
            }
        } else {
            valid += 1;
            // An empty `in.json` is a stream of no document.
            let json_text = fs::read_to_string(case.join("in.json")).ok().filter(|j| !j.trim().is_empty());
            let want: Option<J> = json_text.map(|j| serde_json::from_str(&j).unwrap_or_else(|e| panic!("{id}: {e}")));
            match (got, want) {
                (Ok(n), Some(w)) if same(&json(&n), &w) => exact += 1,
                (Ok(n), Some(w)) => fail(format!("read as {}, in.json is {w}", json(&n))),
                // No document at all: nothing, which a topology reads as empty.
                (Ok(n), None) if documents == 0 => match n.is_null() {
                    true => exact += 1,
                    false => fail(format!("no document, read as {}", json(&n))),
                },
                (Ok(_), None) => read_no_json += 1,
                (Err(e), _) => match SKIP.iter().position(|(_, says, _)| e.message.contains(says)) {
                    Some(i) => skipped[i] += 1,
                    None => fail(format!("refused: {} at {}:{}", e.message, e.span.line, e.span.column)),
                },
            }
        }
    }
    let skips: Vec<String> = SKIP.iter().zip(&skipped).map(|((name, _, _), n)| format!("{name} {n}")).collect();
    let total_skipped: usize = skipped.iter().sum();
    println!(
        "yaml-test-suite data-2022-01-17, {} cases: read exactly {exact} of {} valid one-document cases \
         ({read_no_json} more read that have no in.json); refused {refused} of {invalid} invalid; \
         refused {} of {multi} with several documents ({multi_refused} as one-document-only, {multi_feature} \
         for a feature of the list in the first); \
         skipped {total_skipped} by the list ({})",
        all.len(),
        valid,
        multi_refused + multi_feature,
        skips.join(", "),
    );
    assert!(bad.is_empty(), "{} cases misbehave:\n{}", bad.len(), bad.join("\n"));
}
