//! Rule tests as data: `tests/data/check/<case>/topology.yaml` and, beside it,
//! `expected.txt` with the diagnostics it must give, one `CODE path` per line
//! (parse errors also `@line:column`). Run with `SNAPSHOTS=overwrite` to rewrite
//! the expectations, then review them in the diff.

use std::fs;
use std::path::{Path, PathBuf};

use meshplan_core::{analyze, Code};

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/check");
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.join("topology.yaml").exists())
        .collect();
    v.sort();
    v
}

fn render(src: &str) -> String {
    let a = analyze(src);
    let mut lines: Vec<String> = a
        .diagnostics
        .iter()
        .map(|d| {
            let at = match (d.code.as_str().starts_with("E00"), d.span) {
                (true, Some(s)) => format!(" @{}:{}", s.line, s.column),
                _ => String::new(),
            };
            format!("{} {}{at}", d.code, d.path)
        })
        .collect();
    lines.dedup();
    lines.join("\n") + "\n"
}

#[test]
fn every_case_gives_exactly_its_expected_diagnostics() {
    let overwrite = std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite");
    let mut failures = Vec::new();
    for case in cases() {
        let src = fs::read_to_string(case.join("topology.yaml")).unwrap_or_default();
        let got = render(&src);
        let exp_path = case.join("expected.txt");
        if overwrite {
            fs::write(&exp_path, &got).unwrap_or_else(|e| panic!("cannot write {}: {e}", exp_path.display()));
            continue;
        }
        let want = fs::read_to_string(&exp_path).unwrap_or_default();
        if got != want {
            let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            failures.push(format!("--- case {name}\nexpected:\n{want}got:\n{got}"));
        }
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ (SNAPSHOTS=overwrite to accept):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every code has a case that produces it, so removing a rule fails a test.
#[test]
fn every_code_is_exercised_by_a_case() {
    let mut all = String::new();
    for case in cases() {
        all.push_str(&fs::read_to_string(case.join("expected.txt")).unwrap_or_default());
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !all.lines().any(|l| l.split_whitespace().next() == Some(*c)))
        .collect();
    assert!(missing.is_empty(), "codes without a data case: {missing:?}");
}

/// The reference scenarios check clean: no errors, no warnings.
#[test]
fn examples_check_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut n = 0;
    for e in fs::read_dir(dir).into_iter().flatten().flatten() {
        let src = fs::read_to_string(e.path()).unwrap_or_default();
        let bad: Vec<String> = analyze(&src)
            .diagnostics
            .iter()
            .filter(|d| d.severity != meshplan_core::Severity::Info)
            .map(|d| format!("{} {} {}", d.code, d.path, d.message))
            .collect();
        assert!(bad.is_empty(), "{}: {bad:#?}", e.path().display());
        n += 1;
    }
    assert!(n >= 4, "expected the four examples, found {n}");
}
