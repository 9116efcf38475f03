//! Golden bundles: every file of each example's bundle, as written under
//! `tests/golden/<example>/<path in the bundle>`, and of the examples' airgap
//! variants (`tests/data/airgap/`) under `tests/golden/airgap-<example>/`. `SNAPSHOTS=overwrite` rewrites
//! them (review the diff), except when `CI` is set: CI checks the golden files, it
//! never rewrites them. A failure names each case and file that differs; an example
//! that does not parse or export is a failure, never skipped.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use meshplan_core::{bundle, parse};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn yaml_files(dir: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = fs::read_dir(root().join(dir))
        .unwrap_or_else(|e| panic!("cannot read {dir}/: {e}"))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .collect();
    v.sort();
    v
}

fn examples() -> Vec<PathBuf> {
    yaml_files("examples")
}

/// `SNAPSHOTS=overwrite`, refused under CI so that a rewrite can never pass a check.
fn overwrite() -> bool {
    let asked = std::env::var("SNAPSHOTS").is_ok_and(|v| v == "overwrite");
    assert!(
        !(asked && std::env::var_os("CI").is_some()),
        "SNAPSHOTS=overwrite is refused when CI is set: CI checks the golden files, it never rewrites them"
    );
    asked
}

fn read(p: &Path) -> String {
    fs::read_to_string(p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

fn stem(p: &Path) -> String {
    p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
}

/// Files under `dir`, relative, with `/` separators.
fn listed(dir: &Path) -> BTreeSet<String> {
    fn walk(base: &Path, dir: &Path, out: &mut BTreeSet<String>) {
        for e in fs::read_dir(dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                walk(base, &p, out);
            } else if let Ok(rel) = p.strip_prefix(base) {
                out.insert(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    let mut out = BTreeSet::new();
    walk(dir, dir, &mut out);
    out
}

#[test]
fn every_example_bundle_matches_its_golden_files() {
    let overwrite = overwrite();
    let mut failures = Vec::new();
    let mut checked = 0;
    let all = examples();
    assert!(all.len() >= 4, "expected the four examples under examples/, found {all:?}");
    let airgap = yaml_files("tests/data/airgap");
    assert!(airgap.len() >= 4, "expected the examples' airgap variants under tests/data/airgap/, found {airgap:?}");
    let cases =
        all.into_iter().map(|p| (stem(&p), p)).chain(airgap.into_iter().map(|p| (format!("airgap-{}", stem(&p)), p)));
    for (name, ex) in cases {
        let src = read(&ex);
        let Some(t) = parse(&src).topology else {
            failures.push(format!("{name}: the example does not parse"));
            continue;
        };
        let files = match bundle::files(&t) {
            Ok(f) => f,
            Err(errors) => {
                failures.push(format!("{name}: export refused: {errors:?}"));
                continue;
            }
        };
        let dir = root().join("tests/golden").join(&name);
        if overwrite {
            let _ = fs::remove_dir_all(&dir);
            for f in &files {
                let p = dir.join(&f.path);
                if let Some(parent) = p.parent() {
                    fs::create_dir_all(parent).unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
                }
                fs::write(&p, &f.contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
            }
            continue;
        }
        let want = listed(&dir);
        let got: BTreeSet<String> = files.iter().map(|f| f.path.clone()).collect();
        for missing in want.difference(&got) {
            failures.push(format!("{name}/{missing}: in the golden files, no longer in the bundle"));
        }
        for f in &files {
            checked += 1;
            let p = dir.join(&f.path);
            match fs::read_to_string(&p) {
                Err(_) => failures.push(format!("{name}/{}: new file, no golden copy", f.path)),
                Ok(w) if w != f.contents => {
                    let line = w
                        .lines()
                        .zip(f.contents.lines())
                        .position(|(a, b)| a != b)
                        .map_or_else(|| w.lines().count().min(f.contents.lines().count()) + 1, |i| i + 1);
                    failures.push(format!("{name}/{}: differs from line {line}", f.path));
                }
                Ok(_) => {}
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} bundle file(s) differ (SNAPSHOTS=overwrite to accept, then review the diff):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn two_exports_are_byte_identical() {
    for ex in examples() {
        let parsed = parse(&read(&ex));
        let t =
            parsed.topology.unwrap_or_else(|| panic!("{}: does not parse: {:#?}", ex.display(), parsed.diagnostics));
        match (bundle::export(&t), bundle::export(&t)) {
            (Ok(a), Ok(b)) => assert!(a == b, "{}: two exports differ", ex.display()),
            (a, b) => panic!("{}: export refused: {:?} / {:?}", ex.display(), a.err(), b.err()),
        }
    }
}

#[test]
fn a_topology_with_errors_is_refused() {
    let src = read(&root().join("tests/data/check/no-server/topology.yaml"));
    let Some(t) = parse(&src).topology else { panic!("the no-server case parses") };
    match bundle::export(&t) {
        Ok(_) => panic!("a topology without a server was exported"),
        Err(errors) => assert!(errors.iter().any(|d| d.code.as_str() == "E040"), "{errors:?}"),
    }
}

#[test]
fn cli_export_writes_the_zip_and_refuses_errors() {
    let exe = env!("CARGO_BIN_EXE_meshplan");
    let out = std::env::temp_dir().join(format!("meshplan-export-{}.zip", std::process::id()));
    let ok = std::process::Command::new(exe)
        .args(["export", "examples/calico-wds-hkg.yaml", "-o"])
        .arg(&out)
        .current_dir(root())
        .output()
        .expect("meshplan runs");
    assert!(ok.status.success(), "export failed: {}", String::from_utf8_lossy(&ok.stderr));
    let bytes = fs::read(&out).unwrap_or_default();
    let _ = fs::remove_file(&out);
    assert!(bytes.starts_with(b"PK\x03\x04"), "not a zip");

    let bad = std::process::Command::new(exe)
        .args(["export", "tests/data/check/no-server/topology.yaml", "-o"])
        .arg(&out)
        .current_dir(root())
        .output()
        .expect("meshplan runs");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("E040"));
    assert!(!out.exists(), "a bundle was written for a topology with errors");
}
