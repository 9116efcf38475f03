//! Where each diagnostic points, as data: `tests/data/places/<case>/topology.yaml`
//! and, beside it, `expected.txt` with one `CODE path @line:column` per diagnostic
//! (columns in characters, as the CLI shows them). The cases are the texts that
//! used to lose the place: non-ASCII names and labels, `#` inside quoted values,
//! CRLF line ends, flow collections over several lines. `SNAPSHOTS=overwrite`
//! rewrites the expectations (refused when `CI` is set); review them in the diff.

// Tests are not in the browser's module: std's sorts are fine here (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::path::{Path, PathBuf};

use meshplan_core::analyze;

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/places");
    let rd = fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut v: Vec<PathBuf> = rd.map(|e| e.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path()).collect();
    // `.gitattributes` keeps the CRLF case CRLF; every other entry is a case folder.
    v.retain(|p| p.file_name().is_none_or(|n| n != ".gitattributes"));
    for p in &v {
        assert!(p.join("topology.yaml").is_file(), "{}: a case folder without topology.yaml", p.display());
    }
    v.sort();
    assert!(v.len() >= 4, "the place cases are missing from {}", dir.display());
    v
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// `SNAPSHOTS=overwrite`, refused under CI so that a rewrite can never pass a check.
fn overwrite() -> bool {
    let asked = std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite");
    assert!(
        !(asked && std::env::var_os("CI").is_some()),
        "SNAPSHOTS=overwrite is refused when CI is set: CI checks the expectations, it never rewrites them"
    );
    asked
}

fn render(src: &str) -> String {
    let lines: Vec<String> = analyze(src)
        .diagnostics
        .iter()
        .map(|d| match d.span {
            Some(s) => format!("{} {} @{}:{}", d.code, d.path, s.line, s.column),
            None => format!("{} {}", d.code, d.path),
        })
        .collect();
    lines.join("\n") + "\n"
}

#[test]
fn every_diagnostic_points_where_the_case_says() {
    let overwrite = overwrite();
    let mut failures = Vec::new();
    for case in cases() {
        let got = render(&read(&case.join("topology.yaml")));
        let exp = case.join("expected.txt");
        if overwrite {
            fs::write(&exp, &got).unwrap_or_else(|e| panic!("cannot write {}: {e}", exp.display()));
            continue;
        }
        let want = read(&exp);
        if got != want {
            failures.push(format!("--- {}\nexpected:\n{want}got:\n{got}", case.display()));
        }
    }
    assert!(failures.is_empty(), "{} case(s) differ:\n{}", failures.len(), failures.join("\n"));
}

/// The CRLF case is really CRLF (an editor or git may not rewrite it unnoticed).
#[test]
fn the_crlf_case_has_crlf_line_ends() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/places/crlf/topology.yaml");
    let text = read(&dir);
    assert!(text.lines().count() > 5 && text.matches("\r\n").count() == text.matches('\n').count(), "not CRLF");
}
