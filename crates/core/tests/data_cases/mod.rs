//! What every data-driven test here shares: the case folders under
//! `tests/data/<kind>/`, reading a file, and expectations that
//! `SNAPSHOTS=overwrite` rewrites (refused when `CI` is set: CI checks the
//! expectations, it never rewrites them). A missing folder or file fails.

#![allow(dead_code)] // each test binary uses its own part

use std::fs;
use std::path::{Path, PathBuf};

/// The case folders of `tests/data/<kind>`, sorted; each must hold `required`,
/// and there must be at least `at_least` of them.
pub fn cases(kind: &str, required: &str, at_least: usize) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data").join(kind);
    let rd = fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut v: Vec<PathBuf> = rd.map(|e| e.unwrap_or_else(|e| panic!("{}: {e}", dir.display())).path()).collect();
    // A `.gitattributes` may keep a case's line ends; every other entry is a case folder.
    v.retain(|p| p.file_name().is_none_or(|n| n != ".gitattributes"));
    v.sort();
    for case in &v {
        assert!(case.join(required).is_file(), "{}: a case folder without {required}", case.display());
    }
    assert!(v.len() >= at_least, "the {kind} cases are missing from {}", dir.display());
    v
}

pub fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

pub fn name(case: &Path) -> String {
    case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Compares what a case gave with the expectation at `path` (or rewrites it under
/// `SNAPSHOTS=overwrite`), collecting the differences.
pub struct Expectations {
    overwrite: bool,
    failures: Vec<String>,
}

impl Expectations {
    pub fn new() -> Expectations {
        let asked = std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite");
        assert!(
            !(asked && std::env::var_os("CI").is_some()),
            "SNAPSHOTS=overwrite is refused when CI is set: CI checks the expectations, it never rewrites them"
        );
        Expectations { overwrite: asked, failures: Vec::new() }
    }

    pub fn check(&mut self, case: &Path, path: &Path, got: &str) {
        if self.overwrite {
            fs::write(path, got).unwrap_or_else(|e| panic!("cannot write {}: {e}", path.display()));
            return;
        }
        let want = read(path);
        if got != want {
            self.failures.push(format!("--- case {}\nexpected:\n{want}got:\n{got}", name(case)));
        }
    }

    /// Fails the test with every difference at once.
    pub fn finish(self) {
        assert!(
            self.failures.is_empty(),
            "{} case(s) differ (SNAPSHOTS=overwrite to accept, then review the diff):\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}
