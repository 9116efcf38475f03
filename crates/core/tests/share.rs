//! Share links through the public API: every example round-trips and meets the
//! length goal, property-generated topologies round-trip, and hostile links get
//! an error, never a panic.

// Tests are not in the browser's module: std's sorts are fine here (clippy.toml).
#![allow(clippy::disallowed_methods)]

use std::path::PathBuf;

use meshplan_core::model::KiloEncapsulation;
use meshplan_core::share::{self, ShareError};
use meshplan_core::Topology;
use proptest::prelude::*;

fn examples() -> Vec<(String, Topology)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("examples/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let text = std::fs::read_to_string(&path).expect("example is readable");
            let t = meshplan_core::parse(&text).topology.unwrap_or_else(|| panic!("{} parses", path.display()));
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
        assert!(link.starts_with("http://127.0.0.1:8080/#t=2"), "{link}");
        assert_eq!(share::decode(&link).as_ref(), Ok(&t), "{name} as link");
    }
}

/// A link made when share format `1` was fixed. Links live in chats and notes for
/// years, so this must keep opening to the same topology. If it fails, the layout
/// or the dictionary changed: keep reading `1` and write a new version char.
#[test]
fn a_link_of_format_1_opens_forever() {
    const YAML: &str = r#"
version: 1
name: frozen
description: a link made by share format 1
cluster:
  cni: calico
  pod_cidr: [10.42.0.0/16, fd42::/56]
  service_cidr: [10.43.0.0/16, fd43::/112]
  asn: 64512
  mtu: 1400
  calico: {encapsulation: vxlan-cross-subnet, block_size_v6: 120, node_mesh: false}
  metallb: {mode: bgp, pools: {lb: [192.0.2.10-192.0.2.20, 2001:db8::/120]}}
sites:
  a: {label: a, kind: vpc, lan_mtu: 9000}
  b: {lan: false}
routers:
  r1: {site: a, daemon: frr, address: [10.0.0.1, fd00::1], router_id: 10.0.0.1, asn: 65001, serves: [a]}
  r2: {daemon: none}
hosts:
  h: {site: b}
nodes:
  n1: {site: a, role: server, address: [10.0.0.11, fd00::11], public: "[2001:db8::5]:51820", labels: {x: "y"}}
  n2: {site: a, role: agent, address: 10.0.0.12}
links:
  - {between: [r1, b], kind: wireguard, mtu: 1420, cost: 5}
  - {between: [a, b]}
bgp:
  backbone: [[r1, r2]]
"#;
    const FRAGMENT: &str = "t=1k0gryq9KzWNIBIVetkJuYkqqQlKlQnFGYlGqQlp-US4wTgwZQLmWIQma_jIY8gwZKhgqGfKMGOoZGBcslGES4NKq-uvEAAJAtvamv84MSOAH1wqmCmZGJqYjDAcYmLiYRXYpMPLuQFLAxCy5wo3FgYn1LrMQAxcDAyPDXwYUwPjyNzMjMxsTIzsrEwcbsxAzN78gGwOaKaxvpjAzcnJxMwKV8jBNZmVhZWBmYWRlAwA";
    let t = meshplan_core::parse(YAML).topology.expect("the YAML parses");
    // Only decoding is pinned: a newer miniz_oxide may compress differently.
    assert_eq!(share::decode(FRAGMENT), Ok(t));
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

mod generated;

use generated::check;

/// Base64url characters, so that random text reaches past the first checks.
fn b64_char() -> impl Strategy<Value = char> {
    proptest::sample::select(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".chars().collect::<Vec<_>>(),
    )
}

#[test]
fn generated_topologies_round_trip() {
    check(512, generated::topology(), |t| {
        let frag = share::encode(&t);
        prop_assert_eq!(share::decode(&frag), Ok(t));
        Ok(())
    });
}

/// Valid fragments with a few characters changed, cut off or added.
#[test]
fn mutated_fragments_never_panic() {
    let edits = proptest::collection::vec((any::<usize>(), 0u8..4, b64_char()), 1..4);
    check(256, (generated::topology(), edits), |(t, edits)| {
        let mut chars: Vec<char> = share::encode(&t).chars().collect();
        for (i, op, c) in edits {
            // Edit after `t=2`, so the version char stays and the data is reached.
            let at = 3 + i % chars.len().saturating_sub(2).max(1);
            match op {
                0 if at < chars.len() => chars[at] = c,
                1 => chars.truncate(at),
                2 => chars.push(c),
                _ if at <= chars.len() => chars.insert(at, c),
                _ => {}
            }
        }
        let s: String = chars.into_iter().collect();
        let _ = share::decode(&s);
        Ok(())
    });
}

proptest! {
    #[test]
    fn random_text_never_panics(s in any::<String>()) {
        let _ = share::decode(&s);
        let _ = share::decode(&format!("t=1{s}"));
        let _ = share::decode(&format!("http://h/#t=1{s}"));
    }

    #[test]
    fn random_base64_never_panics(s in proptest::collection::vec(b64_char(), 0..600)) {
        let s: String = s.into_iter().collect();
        let _ = share::decode(&format!("t=1{s}"));
    }
}

#[test]
fn hostile_and_empty_links_get_clear_errors() {
    let t = examples().remove(0).1;
    let frag = share::encode(&t);
    let cases: Vec<(String, ShareError)> = vec![
        (String::new(), ShareError::Empty),
        ("   ".into(), ShareError::Empty),
        ("t=".into(), ShareError::Empty),
        ("#t=".into(), ShareError::Empty),
        ("http://127.0.0.1:8080/".into(), ShareError::NoFragment),
        ("http://127.0.0.1:8080/#x=1".into(), ShareError::NoFragment),
        (frag.replacen("t=2", "t=9", 1), ShareError::UnknownVersion('9')),
        (frag.replacen("t=2", "t=ü", 1), ShareError::UnknownVersion('ü')),
        ("t=2".into(), ShareError::Truncated),
        (frag[..frag.len() / 2].to_string(), ShareError::Truncated),
        (format!("{frag}!"), ShareError::BadBase64 { at: frag.len() - 3, found: '!' }),
        // 0x07: a final block of the reserved type 3.
        ("t=1BwAA".into(), ShareError::Corrupt),
    ];
    for (input, want) in cases {
        let got = share::decode(&input);
        assert_eq!(got.as_ref().err(), Some(&want), "{input:?}");
        let msg = want.to_string();
        assert!(msg.len() > 20 && !msg.contains("Error"), "{msg}");
    }
}

#[test]
fn links_keep_their_base_and_fragment_parameters() {
    let t = examples().remove(0).1;
    let frag = share::encode(&t);
    assert_eq!(share::link("https://example.org/app/#old", &t), format!("https://example.org/app/#{frag}"));
    assert_eq!(share::decode(&format!("  https://x/#a=b&{frag}&c=d\n")), Ok(t));
}

#[test]
fn error_messages_say_what_to_do() {
    let e: Box<dyn std::error::Error> =
        Box::new(ShareError::Malformed { at: 12, what: "node `a`: site: string 9".into() });
    assert!(e.to_string().contains("byte 12"), "{e}");
    assert!(ShareError::Truncated.to_string().contains("copy the whole link"));
    assert!(ShareError::UnknownVersion('2').to_string().contains("newer meshplan"));
    assert!(ShareError::TooLarge { limit: 1 << 20 }.to_string().contains("1048576"));
}

/// Format 2 carries Kilo's `encapsulate`; the same bits in a format-1 link are
/// refused, since format 1 never had them (its links keep meaning `always`).
#[test]
fn kilo_encapsulation_travels_from_format_2_on() {
    let mut t = examples()
        .into_iter()
        .find(|(n, _)| n.contains("kilo"))
        .map(|(_, t)| t)
        .unwrap_or_else(|| panic!("no kilo example"));
    for e in [KiloEncapsulation::Always, KiloEncapsulation::Crosssubnet, KiloEncapsulation::Never] {
        if let Some(k) = t.cluster.kilo.as_mut() {
            k.encapsulate = e;
        }
        let frag = share::encode(&t);
        assert!(frag.starts_with("t=2"), "{frag}");
        assert_eq!(share::decode(&frag).as_ref(), Ok(&t), "{e:?}");
        let as_1 = frag.replacen("t=2", "t=1", 1);
        match e {
            KiloEncapsulation::Always => assert_eq!(share::decode(&as_1).as_ref(), Ok(&t)),
            _ => assert!(share::decode(&as_1).is_err(), "{e:?} read from a format-1 link"),
        }
    }
}

/// Format 2's Cilium settings (`external_ips`, `lb_reserve_first_last`) travel;
/// a format-1 link cannot carry them, so one claiming to is refused.
#[test]
fn cilium_lb_settings_travel_from_format_2_on() {
    let t = examples()
        .into_iter()
        .find(|(n, _)| n.contains("cilium"))
        .map(|(_, t)| t)
        .unwrap_or_else(|| panic!("no cilium example"));
    let c = t.cluster.cilium.clone().unwrap_or_default();
    assert!(c.external_ips && !c.lb_reserve_first_last.is_empty(), "the example sets both");
    let frag = share::encode(&t);
    assert_eq!(share::decode(&frag).as_ref(), Ok(&t));
    assert!(share::decode(&frag.replacen("t=2", "t=1", 1)).is_err());
}

/// `resilience.survive_single_failures` travels in format 3, written only when
/// it is set: every other link stays a format-2 link older pages open; the bit
/// in a format-2 link is refused, since format 2 never had it.
#[test]
fn the_survival_requirement_travels_in_format_3() {
    let (_, mut t) = examples().into_iter().next().unwrap_or_else(|| panic!("no example"));
    assert!(share::encode(&t).starts_with("t=2"));
    t.resilience.survive_single_failures = true;
    let frag = share::encode(&t);
    assert!(frag.starts_with("t=3"), "{frag}");
    assert_eq!(share::decode(&frag).as_ref(), Ok(&t));
    assert!(share::decode(&frag.replacen("t=3", "t=2", 1)).is_err());
}

fn example_texts() -> Vec<(String, String)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut out: Vec<(String, String)> = std::fs::read_dir(&dir)
        .expect("examples/ is readable")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .map(|p| (p.display().to_string(), std::fs::read_to_string(&p).expect("example is readable")))
        .collect();
    out.sort();
    out
}

/// Issue 17: a link made from a text with comments carries the text itself
/// (format 4), so the person's comments, order and style come back as written.
#[test]
fn comments_travel_in_format_4() {
    for (name, text) in example_texts() {
        let t = meshplan_core::parse(&text).topology.unwrap_or_else(|| panic!("{name} parses"));
        let made = share::encode_text(&text, &t);
        let count = meshplan_core::parse::comments(&text).len();
        assert!(count > 0, "{name} has comments");
        assert_eq!(made.comments, share::Comments::Carried { count }, "{name}");
        assert!(made.fragment.starts_with("t=4") && made.fragment.len() <= share::TEXT_LINK_BUDGET, "{name}");
        let opened = share::open(&made.fragment).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(opened.text.as_deref(), Some(text.as_str()), "{name}: the text comes back as written");
        assert_eq!(opened.topology, t, "{name}");
        assert_eq!(share::decode(&made.fragment), Ok(t.clone()), "{name}: decode gives the topology");
        // Without comments the link is the compact one, unchanged.
        let plain = meshplan_core::write(&t);
        let made = share::encode_text(&plain, &t);
        assert_eq!((made.fragment, made.comments), (share::encode(&t), share::Comments::None), "{name}");
        assert_eq!(share::open(&share::encode(&t)).map(|o| o.text), Ok(None), "{name}");
    }
}

#[test]
fn comments_that_look_like_secrets_or_do_not_fit_stay_behind_and_the_link_says_so() {
    let (_, text) = example_texts().remove(0);
    let t = meshplan_core::parse(&text).topology.unwrap_or_else(|| panic!("example parses"));
    let count = meshplan_core::parse::comments(&text).len() + 1;
    let secret = format!("{text}# joined with K10{}::server:0f3a\n", "ab12".repeat(16));
    let made = share::encode_text(&secret, &t);
    let line = secret.lines().count();
    let want = share::Dropped::Secret { line, what: "a k3s token" };
    assert_eq!(made.comments, share::Comments::Dropped { count, why: want });
    assert_eq!(made.fragment, share::encode(&t), "the compact link, which has no comment");
    assert!(made.comments.sentence().is_some_and(|s| s.contains(&format!("line {line}"))));
    // A 2,000-node design with one comment: its text is far over the budget.
    let big = meshplan_core::scale::design(200, 10);
    let text = format!("# 200 sites\n{}", meshplan_core::write(&big));
    let made = share::encode_text(&text, &big);
    let share::Comments::Dropped { count: 1, why: share::Dropped::TooLong { chars } } = made.comments else {
        panic!("{:?}", made.comments)
    };
    assert!(chars > share::TEXT_LINK_BUDGET, "{chars}");
    assert_eq!(made.fragment, share::encode(&big));
    let said = made.comments.sentence().unwrap_or_default();
    assert!(said.contains(&chars.to_string()) && said.contains("not in the link"), "{said}");
}

#[test]
fn a_text_that_is_not_the_topology_is_never_sent_as_one() {
    let t = meshplan_core::parse(
        "version: 1\nname: x\ncluster: {cni: flannel, pod_cidr: [10.42.0.0/16], service_cidr: [10.43.0.0/16]}\n",
    )
    .topology;
    let t = t.unwrap_or_else(|| panic!("the small design parses"));
    let made = share::encode_text(
        "# x\nversion: 1\nname: y\ncluster: {cni: flannel, pod_cidr: [10.42.0.0/16], service_cidr: [10.43.0.0/16]}\n",
        &t,
    );
    let want = share::Comments::Dropped { count: 1, why: share::Dropped::NotExact };
    assert_eq!((made.fragment, made.comments), (share::encode(&t), want));
    for mangled in ["t=4", "t=4AAAA", "t=4////"] {
        assert!(share::open(mangled).is_err(), "{mangled}");
    }
}
