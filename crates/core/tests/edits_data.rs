//! Edits written into the person's text, as data: `tests/data/edits/<case>/`
//! holds `before.yaml` (a text a person wrote), `edit` (what the app did, one
//! step a line, below) and `expected.yaml`, what `write_edit(before, after)`
//! must give: only the lines of what changed rewritten. `SNAPSHOTS=overwrite`
//! rewrites the expectations (refused when `CI` is set); review them in the diff.
//!
//! Steps, applied to the topology's canonical tree (as the app's edits are,
//! through the file format):
//! - `set PATH YAML`: the value at `PATH` (`nodes.a.site`, `links[1].mtu`;
//!   one past a list's end adds an item);
//! - `remove PATH`: the key or list item at `PATH`;
//! - `rename KIND OLD NEW`: a site or device and every reference to it.

// Tests are not in the browser's module: std's sorts are fine here (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::fs;
use std::path::{Path, PathBuf};

use meshplan_core::model::Kind;
use meshplan_core::parse::{write_edit, write_in_place, Renamed};
use meshplan_core::yaml::{self, Node, Value};
use meshplan_core::{parse, Topology};

fn cases() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/data/edits");
    let mut v: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|e| e.unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())).path())
        .collect();
    v.sort();
    v
}

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

/// `links[1].mtu` → `["links", "[1]", "mtu"]`.
fn segments(path: &str) -> Vec<String> {
    let mut out = Vec::new();
    for part in path.split('.') {
        match part.split_once('[') {
            Some((key, rest)) => {
                if !key.is_empty() {
                    out.push(key.to_string());
                }
                for i in rest.split('[') {
                    out.push(format!("[{}", i));
                }
            }
            None => out.push(part.to_string()),
        }
    }
    out
}

fn walk<'a>(doc: &'a mut Node, segs: &[String]) -> &'a mut Node {
    let mut cur = doc;
    for s in segs {
        cur = match s.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
            Some(i) => {
                let seq = cur.as_seq_mut().expect("a list");
                let i = i.parse::<usize>().expect("an index");
                // One past the end adds an item.
                if i == seq.len() {
                    seq.push(Node::plain("~"));
                }
                &mut seq[i]
            }
            None => {
                let m = cur.as_map_mut().expect("a mapping");
                if m.get(s).is_none() {
                    m.insert(s, Node::new(Value::Map(yaml::Map::default())));
                }
                m.get_mut(s).expect("just inserted")
            }
        };
    }
    cur
}

/// Every reference to a renamed element (`site`, `serves`, `between`,
/// `backbone`) that says `old` says `new`.
fn swap(n: &mut Node, old: &str, new: &str, is_ref: bool) {
    match &mut n.value {
        Value::Scalar(s) if is_ref && s.text == old => s.text = new.to_string(),
        Value::Scalar(_) => {}
        Value::Seq(items) => items.iter_mut().for_each(|i| swap(i, old, new, is_ref)),
        Value::Map(m) => m.entries.iter_mut().for_each(|(k, v)| {
            let key = k.as_scalar().map(|s| s.text.as_str()).unwrap_or_default();
            let is_ref = is_ref || matches!(key, "site" | "serves" | "between" | "backbone");
            swap(v, old, new, is_ref)
        }),
    }
}

fn kind(word: &str) -> Kind {
    match word {
        "site" => Kind::Site,
        "node" => Kind::Node,
        "router" => Kind::Router,
        "host" => Kind::Host,
        other => panic!("unknown kind {other}"),
    }
}

/// The topology after the case's steps, and the rename among them.
fn apply(before: &Topology, steps: &str) -> (Topology, Option<(Kind, String, String)>) {
    let mut doc = yaml::to_value(before).expect("a topology writes");
    let mut renamed = None;
    for line in steps.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
        let (op, rest) = line.split_once(' ').expect("a step has arguments");
        match op {
            "set" => {
                let (path, value) = rest.split_once(' ').expect("set PATH VALUE");
                *walk(&mut doc, &segments(path)) = yaml::read(value).expect("a YAML value");
            }
            "remove" => {
                let segs = segments(rest);
                let (last, parents) = segs.split_last().expect("a path");
                let parent = walk(&mut doc, parents);
                match last.strip_prefix('[').and_then(|x| x.strip_suffix(']')) {
                    Some(i) => {
                        parent.as_seq_mut().expect("a list").remove(i.parse().expect("an index"));
                    }
                    None => {
                        parent.as_map_mut().expect("a mapping").remove(last).expect("the key is there");
                    }
                }
            }
            "rename" => {
                let w: Vec<&str> = rest.split(' ').collect();
                let (k, old, new) = (kind(w[0]), w[1], w[2]);
                let section = doc.as_map_mut().and_then(|m| m.get_mut(k.section())).expect("the section");
                let m = section.as_map_mut().expect("a mapping");
                let v = m.remove(old).expect("the element");
                m.insert(new, v);
                swap(&mut doc, old, new, false);
                renamed = Some((k, old.to_string(), new.to_string()));
            }
            other => panic!("unknown step {other}"),
        }
    }
    let t = parse(&yaml::emit(&doc)).topology.expect("the edited topology reads");
    (t, renamed)
}

#[test]
fn every_edit_changes_only_its_lines() {
    let overwrite = overwrite();
    let mut failures = Vec::new();
    let all = cases();
    assert!(all.len() >= 10, "the edit cases are missing");
    for case in all {
        let name = case.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let before = read(&case.join("before.yaml"));
        let old = parse(&before).topology.unwrap_or_else(|| panic!("{name}: before.yaml does not parse"));
        let (after, renamed) = apply(&old, &read(&case.join("edit")));
        let r = renamed.as_ref().map(|(kind, from, to)| Renamed { kind: *kind, from, to });
        // Each case is placed in the text, never the whole-file fallback.
        let got = write_in_place(&before, &after, r).unwrap_or_else(|| panic!("{name}: not placed in the text"));
        assert_eq!(got, write_edit(&before, &after, r), "{name}");
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

/// An example written over itself unchanged is the same text, byte for byte.
#[test]
fn an_unchanged_example_is_the_same_text() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for name in ["calico-wds-hkg", "cilium-dualstack-frr", "flannel-metallb-pi", "kilo-multicloud"] {
        let src = read(&dir.join(format!("{name}.yaml")));
        let t = parse(&src).topology.unwrap_or_else(|| panic!("{name} does not parse"));
        assert_eq!(write_in_place(&src, &t, None).as_deref(), Some(src.as_str()), "{name}");
    }
}

/// Whatever the edit, the text reads back as the edited topology (placed in
/// the text or, failing that, written whole): every element of every example
/// deleted in turn, and every node moved to each site.
#[test]
fn every_delete_and_move_reads_back() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    for name in ["calico-wds-hkg", "cilium-dualstack-frr", "flannel-metallb-pi", "kilo-multicloud"] {
        let src = read(&dir.join(format!("{name}.yaml")));
        let t = parse(&src).topology.unwrap_or_else(|| panic!("{name} does not parse"));
        let mut edits: Vec<Topology> = Vec::new();
        for n in t.nodes.keys() {
            let mut e = t.clone();
            e.nodes.remove(n);
            edits.push(e);
            for s in t.sites.keys() {
                let mut e = t.clone();
                e.nodes.get_mut(n).expect("node").site = s.clone();
                edits.push(e);
            }
        }
        for i in 0..t.links.len() {
            let mut e = t.clone();
            e.links.remove(i);
            edits.push(e);
        }
        for r in t.routers.keys() {
            let mut e = t.clone();
            e.routers.remove(r);
            edits.push(e);
        }
        let mut placed = 0;
        for e in &edits {
            let got = write_edit(&src, e, None);
            assert_eq!(parse(&got).topology.as_ref(), Some(e), "{name}:\n{got}");
            placed += usize::from(write_in_place(&src, e, None).is_some());
        }
        // Deleting the only element of a section may fall back; the rest is placed.
        assert!(placed * 10 >= edits.len() * 9, "{name}: only {placed} of {} edits placed", edits.len());
    }
}
