//! `meshplan share` and `meshplan open` through the built binary: every example
//! survives the trip through a link, and damaged links fail cleanly.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshplan")).args(args).current_dir(root()).output().expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn examples() -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(root().join("examples"))
        .expect("examples/")
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".yaml"))
        .map(|n| format!("examples/{n}"))
        .collect();
    v.sort();
    assert!(!v.is_empty());
    v
}

fn topology_of(yaml: &str) -> meshplan_core::Topology {
    let parsed = meshplan_core::parse(yaml);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    parsed.topology.expect("a topology")
}

fn share(file: &str) -> String {
    let o = run(&["share", file]);
    assert_eq!(o.status.code(), Some(0), "{file}: {}", stderr(&o));
    let link = stdout(&o).trim().to_string();
    // The examples have comments: their links carry the text (format 4).
    assert!(link.starts_with("http://127.0.0.1:8080/#t=4"), "{link}");
    assert!(stderr(&o).contains("the link carries your"), "{file}: {}", stderr(&o));
    assert!(!link.contains(char::is_whitespace), "{link}");
    link
}

#[test]
fn every_example_comes_back_from_its_link() {
    for file in examples() {
        let original = topology_of(&std::fs::read_to_string(root().join(&file)).expect("example"));
        let link = share(&file);
        let o = run(&["open", &link]);
        assert_eq!(o.status.code(), Some(0), "{file}: {}", stderr(&o));
        assert_eq!(topology_of(&stdout(&o)), original, "{file}");
        let text = std::fs::read_to_string(root().join(&file)).expect("example");
        assert_eq!(stdout(&o), text, "{file}: the file comes back as written, comments included");
        assert!(!stderr(&o).contains("error["), "{file}: {}", stderr(&o));
    }
}

#[test]
fn open_writes_the_file_with_o() {
    let file = "examples/kilo-multicloud.yaml";
    let link = share(file);
    let out = std::env::temp_dir().join(format!("meshplan-open-{}.yaml", std::process::id()));
    let out_s = out.to_string_lossy().into_owned();
    // The fragment alone opens as well as the whole link.
    let fragment = link.split_once('#').expect("a fragment").1;
    let o = run(&["open", fragment, "-o", &out_s]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let written = std::fs::read_to_string(&out).expect("the file was written");
    let _ = std::fs::remove_file(&out);
    let original = topology_of(&std::fs::read_to_string(root().join(file)).expect("example"));
    assert_eq!(topology_of(&written), original);
}

/// The plan as JSON, without the diagnostics' places (which are lines of each file).
fn plan_json(file: &str) -> serde_json::Value {
    let o = run(&["plan", file, "--format", "json"]);
    let mut v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("plan JSON");
    if let Some(diags) = v.get_mut("diagnostics").and_then(|d| d.as_array_mut()) {
        diags.iter_mut().filter_map(|d| d.as_object_mut()).for_each(|d| {
            d.remove("span");
        });
    }
    v
}

#[test]
fn an_opened_link_plans_exactly_like_the_original() {
    for file in examples() {
        let out = std::env::temp_dir().join(format!("meshplan-plan-{}.yaml", std::process::id()));
        let out_s = out.to_string_lossy().into_owned();
        let o = run(&["open", &share(&file), "-o", &out_s]);
        assert_eq!(o.status.code(), Some(0), "{file}: {}", stderr(&o));
        let (original, opened) = (plan_json(&file), plan_json(&out_s));
        let _ = std::fs::remove_file(&out);
        assert_eq!(original, opened, "{file}");
    }
}

#[test]
fn base_is_used_as_given() {
    let o = run(&["share", "examples/flannel-metallb-pi.yaml", "--base", "https://plans.example/app/"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).starts_with("https://plans.example/app/#t=4"), "{}", stdout(&o));
}

#[test]
fn garbled_links_exit_1_with_an_error_and_no_panic() {
    let link = share("examples/calico-wds-hkg.yaml");
    let (head, tail) = link.split_at(link.len() / 2);
    let cases = [
        head.to_string(),                     // cut in half
        format!("{head}!!{tail}"),            // characters that base64url has not
        format!("{head}AAAA{tail}"),          // changed data
        link.replacen("#t=4", "#t=7", 1),     // a format from the future
        "http://127.0.0.1:8080/".to_string(), // no fragment
        String::new(),                        // nothing
        format!("t=2{}", "_".repeat(5000)),   // noise
    ];
    for bad in cases {
        let o = run(&["open", &bad]);
        assert_eq!(o.status.code(), Some(1), "{bad:?}: {}", stderr(&o));
        assert!(stderr(&o).starts_with("error: "), "{bad:?}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
        assert!(stdout(&o).is_empty(), "{bad:?}: {}", stdout(&o));
    }
}

#[test]
fn a_file_that_does_not_parse_gets_no_link() {
    let o = run(&["share", "tests/data/check/yaml-syntax/topology.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty());
    assert!(stderr(&o).contains("error[E003]"), "{}", stderr(&o));
    assert!(stderr(&o).contains("no link made"), "{}", stderr(&o));
}

#[test]
fn a_design_with_errors_travels_and_is_checked_when_opened() {
    let o = run(&["share", "tests/data/check/ref-missing/topology.yaml"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).contains("error(s)"), "{}", stderr(&o));
    let link = stdout(&o).trim().to_string();
    let o = run(&["open", &link]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("version: 1"), "the YAML is still printed");
    assert!(stderr(&o).contains("error[E020]"), "{}", stderr(&o));
}
