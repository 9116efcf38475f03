//! Comment keeping as data: `tests/data/comments/<case>/before.yaml` (a text a
//! person wrote, with comments), `after.yaml` (the topology after an edit, as
//! the app holds it: no comments) and `expected.yaml`, what
//! `write_keeping_comments(before, after)` must give. `SNAPSHOTS=overwrite`
//! rewrites the expectations (refused when `CI` is set); review them in the diff.

// Tests are not in the browser's module: std's sorts are fine here (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::path::Path;

use meshplan_core::{parse, write_keeping_comments};

mod data_cases;
use data_cases::{read, Expectations};

#[test]
fn every_case_keeps_the_comments_it_should() {
    let mut exp = Expectations::new();
    for case in data_cases::cases("comments", "before.yaml", 3) {
        let name = data_cases::name(&case);
        let before = read(&case.join("before.yaml"));
        let after = parse(&read(&case.join("after.yaml"))).topology;
        let after = after.unwrap_or_else(|| panic!("{name}: after.yaml does not parse"));
        let got = write_keeping_comments(&before, &after);
        // Whatever the comments, the text is the topology written.
        assert_eq!(parse(&got).topology.as_ref(), Some(&after), "{name}: the text does not read back");
        exp.check(&case, &case.join("expected.yaml"), &got);
    }
    exp.finish();
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
