//! Comment keeping as data: `tests/data/comments/<case>/before.yaml` (a text a
//! person wrote, with comments), `after.yaml` (the topology after an edit, as
//! the app holds it: no comments) and `expected.yaml`, what
//! `write_keeping_comments(before, after)` must give. `SNAPSHOTS=overwrite`
//! rewrites the expectations (refused when `CI` is set); review them in the diff.

// Tests are not in the browser's module: std's sorts are fine here (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::path::{Path, PathBuf};

use meshplan_core::{parse, write_keeping_comments};

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/comments");
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())).path())
        .collect();
    v.sort();
    for case in &v {
        assert!(case.join("before.yaml").is_file(), "{}: a case folder without before.yaml", case.display());
    }
    v
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

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

#[test]
fn every_case_keeps_the_comments_it_should() {
    let overwrite = overwrite();
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() >= 3, "the comment cases are missing");
    for case in all {
        let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let before = read(&case.join("before.yaml"));
        let after = parse(&read(&case.join("after.yaml"))).topology;
        let after = after.unwrap_or_else(|| panic!("{name}: after.yaml does not parse"));
        let got = write_keeping_comments(&before, &after);
        // Whatever the comments, the text is the topology written.
        assert_eq!(parse(&got).topology.as_ref(), Some(&after), "{name}: the text does not read back");
        let exp = case.join("expected.yaml");
        if overwrite {
            fs::write(&exp, &got).unwrap_or_else(|e| panic!("cannot write {}: {e}", exp.display()));
        } else if got != read(&exp) {
            failures.push(format!("--- case {name}\n{got}"));
        }
    }
    assert!(failures.is_empty(), "cases differ (SNAPSHOTS=overwrite to accept):\n{}", failures.join("\n"));
}

/// Rewriting an example unchanged keeps every one of its comments.
#[test]
fn an_unchanged_example_keeps_every_comment() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for name in ["calico-wds-hkg", "cilium-dualstack-frr", "flannel-metallb-pi", "kilo-multicloud"] {
        let src = read(&dir.join(format!("{name}.yaml")));
        let t = parse(&src).topology.unwrap_or_else(|| panic!("{name} does not parse"));
        let got = write_keeping_comments(&src, &t);
        for line in src.lines() {
            let comment = match line.find(" #") {
                Some(i) => line[i..].trim(),
                None if line.trim_start().starts_with('#') => line.trim(),
                None => continue,
            };
            assert!(got.contains(comment), "{name}: lost `{comment}`:\n{got}");
        }
    }
}
