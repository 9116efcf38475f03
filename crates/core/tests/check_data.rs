//! Rule tests as data: `tests/data/check/<case>/topology.yaml` and, beside it,
//! `expected.txt` with the diagnostics it must give, one `CODE path` per line
//! (parse errors also `@line:column`). Run with `SNAPSHOTS=overwrite` to rewrite
//! the expectations, then review them in the diff (refused when `CI` is set: CI
//! checks the expectations, it never rewrites them). A case folder without its
//! `topology.yaml` or `expected.txt` fails.

// Tests are not in the browser's module: std's sorts are fine here (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::path::{Path, PathBuf};

use meshplan_core::{analyze_with_failures as analyze, Code};

mod data_cases;
use data_cases::{read, Expectations};

fn cases() -> Vec<PathBuf> {
    data_cases::cases("check", "topology.yaml", 11)
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
    let mut exp = Expectations::new();
    for case in cases() {
        let got = render(&read(&case.join("topology.yaml")));
        exp.check(&case, &case.join("expected.txt"), &got);
    }
    exp.finish();
}

/// Every code has a case that produces it, so removing a rule fails a test.
#[test]
fn every_code_is_exercised_by_a_case() {
    let mut all = String::new();
    for case in cases() {
        all.push_str(&read(&case.join("expected.txt")));
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !all.lines().any(|l| l.split_whitespace().next() == Some(*c)))
        .collect();
    assert!(missing.is_empty(), "codes without a data case: {missing:?}");
}

/// The reference scenarios check clean: no errors, no warnings, except what
/// single failures cost (W101, W102): the examples are real designs with one
/// leased line and one reflector per site, and saying what those cost is the
/// point of the failure analysis (`plan --failures`; the calico example's are
/// checked in `failures_of_the_calico_example`).
#[test]
fn examples_check_clean() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut n = 0;
    let rd = fs::read_dir(&dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    for e in rd {
        let path = e.unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())).path();
        let src = read(&path);
        let bad: Vec<String> = analyze(&src)
            .diagnostics
            .iter()
            .filter(|d| d.severity != meshplan_core::Severity::Info)
            .filter(|d| !matches!(d.code, Code::W101 | Code::W102))
            .map(|d| format!("{} {} {}", d.code, d.path, d.message))
            .collect();
        assert!(bad.is_empty(), "{}: {bad:#?}", path.display());
        n += 1;
    }
    assert!(n >= 4, "expected the four examples, found {n}");
}

/// What the calico example's single failures cost: its one IEPL and the
/// single reflector of each site cut WDS ↔ zt-global (HKG), and nothing about
/// it is a site pair broken by a host that carries no pod traffic.
#[test]
fn failures_of_the_calico_example() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/calico-wds-hkg.yaml");
    let a = analyze(&read(&dir));
    let (Some(t), Some(p)) = (&a.topology, &a.plan) else { panic!("the calico example does not plan") };
    let f = meshplan_core::plan::failures::analyze(t, p);
    let cut = |path: &str| {
        let x = f.failures.iter().find(|x| x.element.path == path).unwrap_or_else(|| panic!("no failure {path}"));
        x.broken_site_pairs.iter().map(|[a, b]| format!("{a}|{b}")).collect::<Vec<_>>()
    };
    assert_eq!(cut("links[2]"), ["WDS|zt-global"], "the IEPL");
    assert_eq!(cut("routers.gateway"), ["WDS|zt-global"]);
    assert_eq!(cut("routers.global-ns"), ["WDS|zt-global"]);
    assert!(cut("hosts.tyo").is_empty(), "a host on no path breaks nothing");
    let iepl = f.failures.iter().find(|x| x.element.path == "links[2]").map(|x| &x.sessions_lost);
    assert!(iepl.is_some_and(|l| l.iter().any(|s| s.a == "cn-ns" && s.b == "global-ns")), "{iepl:?}");
}
