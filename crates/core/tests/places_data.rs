//! Where each diagnostic points, as data: `tests/data/places/<case>/topology.yaml`
//! and, beside it, `expected.txt` with one `CODE path @line:column` per diagnostic
//! (columns in characters, as the CLI shows them). Places come from the reader's
//! tree (`parse::Places`). The cases are the texts that used to lose the place:
//! non-ASCII names and labels, `#` inside quoted values, CRLF line ends, flow
//! collections over several lines; and names that hold dots (`ty1.k3s`), and a
//! required field left out (placed at the mapping that lacks it). `SNAPSHOTS=overwrite`
//! rewrites the expectations (refused when `CI` is set); review them in the diff.

// Tests are not in the browser's module: std's sorts are fine here (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::path::{Path, PathBuf};

use meshplan_core::analyze;

mod data_cases;
use data_cases::{read, Expectations};

fn cases() -> Vec<PathBuf> {
    data_cases::cases("places", "topology.yaml", 4)
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
    let mut exp = Expectations::new();
    for case in cases() {
        let got = render(&read(&case.join("topology.yaml")));
        exp.check(&case, &case.join("expected.txt"), &got);
    }
    exp.finish();
}

/// The CRLF case is really CRLF (an editor or git may not rewrite it unnoticed).
#[test]
fn the_crlf_case_has_crlf_line_ends() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/places/crlf/topology.yaml");
    let text = read(&dir);
    assert!(text.lines().count() > 5 && text.matches("\r\n").count() == text.matches('\n').count(), "not CRLF");
}
