//! Reuse must not change an answer: every failure of every example, check case
//! and a small scale design, with and without reuse, compared whole.

use super::analyze_reusing;

fn designs() -> Vec<(String, crate::model::Topology)> {
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut files: Vec<std::path::PathBuf> =
        std::fs::read_dir(root.join("examples")).expect("examples/").filter_map(|e| e.ok().map(|e| e.path())).collect();
    for e in std::fs::read_dir(root.join("tests/data/check")).expect("tests/data/check").flatten() {
        files.push(e.path().join("topology.yaml"));
    }
    for e in std::fs::read_dir(root.join("tests/data/lab")).expect("tests/data/lab").flatten() {
        files.push(e.path().join("topology.yaml"));
    }
    files.sort();
    let mut out: Vec<(String, crate::model::Topology)> = files
        .iter()
        .filter_map(|f| {
            let text = std::fs::read_to_string(f).unwrap_or_else(|e| panic!("{}: {e}", f.display()));
            Some((f.display().to_string(), crate::parse(&text).topology?))
        })
        .collect();
    out.push(("scale 4×3".into(), crate::scale::design(4, 3)));
    assert!(out.len() > 30, "too few designs: {}", out.len());
    out
}

#[test]
fn reuse_gives_the_answers_of_recomputing_everything() {
    for (name, t) in designs() {
        let plan = crate::plan::build(&t);
        let fast = analyze_reusing(&t, &plan, true).to_json_text();
        let full = analyze_reusing(&t, &plan, false).to_json_text();
        assert_eq!(fast, full, "{name}");
    }
}

#[test]
fn a_failure_report_is_the_same_twice() {
    let t = crate::scale::design(3, 3);
    let plan = crate::plan::build(&t);
    assert_eq!(super::analyze(&t, &plan).to_json_text(), super::analyze(&t, &plan).to_json_text());
}

#[test]
fn one_failure_alone_is_the_same_as_in_the_whole_analysis() {
    for (name, t) in designs() {
        let plan = crate::plan::build(&t);
        let all = super::analyze(&t, &plan);
        for f in &all.failures {
            let alone = super::single(&t, &plan, &f.element.path)
                .unwrap_or_else(|| panic!("{name}: {} is not found alone", f.element.path));
            assert_eq!(alone.element, f.element, "{name}");
            let json = |f: &super::Failure| serde_json::to_string(f).expect("a failure serializes");
            assert_eq!(json(&alone), json(f), "{name}: {}", f.element.path);
        }
    }
}

#[test]
fn what_cannot_fail_alone_has_no_single_failure() {
    let t =
        crate::parse(include_str!("../../../../../examples/calico-wds-hkg.yaml")).topology.expect("the example parses");
    let plan = crate::plan::build(&t);
    let f = super::single(&t, &plan, "links[2]").expect("the IEPL link can fail");
    assert_eq!((f.element.kind, f.element.name.as_str()), ("link", "cn-ns ↔ global-ns (iepl)"));
    assert!(!f.broken.is_empty());
    // A node fails with its site's network or not at all; a name not in the design.
    for path in ["nodes.kubemaster", "routers.nowhere", "links[99]", "sites.nowhere", ""] {
        assert!(super::single(&t, &plan, path).is_none(), "{path}");
    }
}
