//! The `meshplan` binary as a person uses it: exit codes, output shape, no panics.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_meshplan"))
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn run(args: &[&str]) -> Output {
    bin().args(args).current_dir(root()).output().expect("the binary runs")
}

fn text(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn assert_no_panic(o: &Output) {
    assert!(!text(o).contains("panicked"), "{}", text(o));
}

#[test]
fn examples_check_clean_with_exit_0() {
    for ex in ["calico-wds-hkg", "cilium-dualstack-frr", "flannel-metallb-pi", "kilo-multicloud"] {
        let o = run(&["check", &format!("examples/{ex}.yaml")]);
        assert_eq!(o.status.code(), Some(0), "{ex}: {}", text(&o));
        assert!(text(&o).contains("0 error(s)"));
    }
}

#[test]
fn several_mistakes_are_all_listed_with_code_and_path_and_exit_1() {
    let o = run(&["check", "tests/data/check/ref-missing/topology.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    for needle in [
        "error[E020]",
        "(nodes.n2.site)",
        "(routers.r1.serves[0])",
        "(links[0].between[1])",
        "(bgp.backbone[0][1])",
        "hint: did you mean `home`?",
    ] {
        assert!(out.contains(needle), "missing {needle} in\n{out}");
    }
    assert_no_panic(&o);
}

#[test]
fn damaged_yaml_gives_line_and_column_with_a_caret() {
    let o = run(&["check", "tests/data/check/yaml-syntax/topology.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    let out = text(&o);
    assert!(out.contains("error[E003]"), "{out}");
    // The unclosed `[` of `cluster: [oops` is where the fix goes.
    assert!(out.contains("topology.yaml:3:10"), "{out}");
    assert!(out.contains('^'), "{out}");
}

#[test]
fn missing_file_and_bad_usage_exit_2() {
    assert_eq!(run(&["check", "no/such/file.yaml"]).status.code(), Some(2));
    assert_eq!(run(&["check"]).status.code(), Some(2));
    assert_eq!(run(&["frobnicate"]).status.code(), Some(2));
    assert_eq!(run(&["check", "x", "--format", "xml"]).status.code(), Some(2));
}

#[test]
fn json_is_an_array_of_diagnostics() {
    let o = run(&["check", "tests/data/check/unknown-field/topology.yaml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let arr = v.as_array().expect("an array");
    assert!(arr.iter().all(|d| d["code"].is_string()
        && d["severity"].is_string()
        && d["path"].is_string()
        && d["message"].is_string()));
    assert!(arr.iter().any(|d| d["code"] == "E002" && d["path"] == "nodes.n2.adress" && d["span"]["line"] == 12));
}

#[test]
fn stdin_is_read_for_dash() {
    let mut child = bin()
        .args(["check", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let src = std::fs::read_to_string(root().join("examples/flannel-metallb-pi.yaml")).expect("example");
    child.stdin.take().expect("stdin").write_all(src.as_bytes()).expect("write");
    let o = child.wait_with_output().expect("wait");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
}

#[test]
fn plan_rules_make_check_fail() {
    let o = run(&["check", "tests/data/check/blackhole-host/topology.yaml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).contains("error[E071]"));
}

#[test]
fn plan_json_figures_for_the_calico_example() {
    let o = run(&["plan", "examples/calico-wds-hkg.yaml", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    assert_eq!(v["mtu_budget"], 1420);
    assert_eq!(v["pod_mtu"], 1370);
    assert_eq!(v["sessions"].as_array().map(Vec::len), Some(9));
}

#[test]
fn garbage_never_panics() {
    let dir = std::env::temp_dir().join(format!("meshplan-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmp");
    let cases: [&[u8]; 6] = [
        b"",
        b"\xff\xfe\x00",
        b"version: 1\n",
        b"- a\n- b\n",
        b"version: 1\nname: x\ncluster: {cni: calico, pod_cidr: [], service_cidr: []}\n",
        b"{{{{",
    ];
    for (i, c) in cases.iter().enumerate() {
        let f = dir.join(format!("{i}.yaml"));
        std::fs::write(&f, c).expect("write");
        for cmd in ["check", "plan"] {
            let o = run(&[cmd, f.to_str().unwrap_or_default()]);
            assert_no_panic(&o);
            assert!(matches!(o.status.code(), Some(1) | Some(2)), "{cmd} {i}: {}", text(&o));
        }
    }
}

/// The format's specification travels with the binary, and `explain` points at it.
#[test]
fn explain_prints_a_code_and_the_format() {
    let o = run(&["explain", "E071"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).starts_with("E071 (") && text(&o).contains("meshplan explain format"), "{}", text(&o));
    // A code about one field names the section of the format the fix is in.
    let o = run(&["explain", "e050"]);
    assert!(text(&o).contains("The fix is in docs/format.md#links (`links[]`)."), "{}", text(&o));
    let o = run(&["explain", "format"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let spec = std::fs::read_to_string(root().join("docs/format.md")).expect("docs/format.md");
    assert_eq!(String::from_utf8_lossy(&o.stdout), spec);
    let o = run(&["explain", "E9999"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("meshplan explain format"), "{}", text(&o));
    let o = run(&["--help"]);
    assert!(text(&o).contains("explain format"), "{}", text(&o));
}

/// `plan --failures`: one JSON object per single failure, worst first; the
/// calico example's IEPL and single reflectors cut WDS ↔ zt-global.
#[test]
fn plan_failures_json_has_one_object_per_failure() {
    let o = run(&["plan", "examples/calico-wds-hkg.yaml", "--failures", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).expect("valid JSON");
    let f = v["failures"].as_array().expect("failures");
    // 3 routers, 4 hosts, 4 links, 3 site networks.
    assert_eq!(f.len(), 14, "{v}");
    assert_eq!(v["survives"], false);
    let iepl = f.iter().find(|x| x["element"]["path"] == "links[2]").expect("the IEPL");
    assert_eq!(iepl["broken_site_pairs"], serde_json::json!([["WDS", "zt-global"]]));
    assert_eq!(iepl["broken"][0]["why"]["reason"], "no-underlay-path");
    assert_eq!(iepl["outage"]["seconds"], 240, "the node mesh's sessions keep BIRD's default hold time");
    let text_out = run(&["plan", "examples/calico-wds-hkg.yaml", "--failures"]);
    assert!(text(&text_out).contains("link cn-ns ↔ global-ns (iepl) (links[2]): cuts WDS ↔ zt-global"));
    // check carries the findings; explain says what replaced I075.
    let c = run(&["check", "examples/calico-wds-hkg.yaml"]);
    assert!(text(&c).contains("warning[W101]"), "{}", text(&c));
    let e = run(&["explain", "I075"]);
    assert_eq!(e.status.code(), Some(0));
    assert!(text(&e).contains("replaced by W101"));
    // Required: errors, and exit 1.
    let r = run(&["plan", "tests/data/check/failure-required/topology.yaml", "--failures"]);
    assert_eq!(r.status.code(), Some(1), "{}", text(&r));
}
