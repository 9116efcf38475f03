//! Tests that build payloads by hand: hostile counts and lengths, forged flags,
//! decompression bombs, and mutations of real payloads below the deflate layer.

use proptest::prelude::*;

use super::layout::*;
use super::wire::Writer;
use super::*;

/// A fragment around a raw payload, as `encode` frames a packed topology.
fn frame(raw: &[u8]) -> String {
    frame_deflated(&deflate::deflate(raw))
}

fn frame_deflated(deflated: &[u8]) -> String {
    let mut s = format!("t={VERSION_CHAR}");
    base64url::encode_into(deflated, &mut s);
    s
}

fn examples() -> Vec<Topology> {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("examples/ is readable")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p).expect("example is readable");
            crate::parse(&text).topology.expect("example parses")
        })
        .collect()
}

/// A payload with the given string table (NUL-ended) and body bytes.
fn payload(strings: &[&str], body: &[u8]) -> Vec<u8> {
    let mut w = Writer::default();
    w.len(strings.len() * 2);
    for s in strings {
        w.bytes(s.as_bytes());
        w.byte(0);
    }
    w.bytes(body);
    w.buf
}

fn malformed(r: Result<Topology, ShareError>) -> String {
    match r {
        Err(ShareError::Malformed { what, .. }) => what,
        other => panic!("expected a malformed-payload error, got {other:?}"),
    }
}

/// The smallest body: no optional part, name = string 0, a calico cluster with
/// K3s's default ranges.
const MINIMAL: &[u8] = &[0, 0, 0];

#[test]
fn minimal_payload_decodes() {
    let t = decode(&frame(&payload(&["x"], MINIMAL))).expect("minimal payload");
    assert_eq!(t.name, "x");
    assert_eq!(t.version, 1);
    assert_eq!(t.cluster.pod_cidr, k3s_pod_cidr());
    assert_eq!(decode(&encode(&t)), Ok(t));
}

#[test]
fn absurd_string_table_count_is_refused() {
    let mut w = Writer::default();
    w.varint(u64::MAX - 1);
    let what = malformed(decode(&frame(&w.buf)));
    assert!(what.contains("string table"), "{what}");
}

#[test]
fn absurd_string_length_is_refused() {
    // Mode 1: length first, and the length claims 2^40 bytes.
    let mut w = Writer::default();
    w.varint(3); // one string, lengths first
    w.varint(1 << 40);
    w.bytes(b"abc");
    let what = malformed(decode(&frame(&w.buf)));
    assert!(what.contains("string length"), "{what}");
}

#[test]
fn absurd_node_count_is_refused() {
    // Topology flags: nodes present; then name, cluster flags, and a count of 2^62.
    let mut w = Writer::default();
    w.varint(1 << TOP_NODES);
    w.varint(0);
    w.varint(0);
    w.varint(1 << 62);
    let what = malformed(decode(&frame(&payload(&["x"], &w.buf))));
    assert!(what.contains("node") && what.contains("count"), "{what}");
}

#[test]
fn absurd_counts_everywhere_are_refused() {
    // Each case: topology flags and the cluster flags that lead to one count.
    let cases: &[(u64, u64, &str)] = &[
        (1 << TOP_SITES, 0, "site"),
        (1 << TOP_ROUTERS, 0, "router"),
        (1 << TOP_HOSTS, 0, "host"),
        (1 << TOP_LINKS, 0, "links"),
        (1 << TOP_BACKBONE, 0, "backbone"),
        (0, 1 << CL_DISABLE, "disable"),
        (0, 1 << CL_REGISTRY_MIRRORS, "registry_mirrors"),
        (0, 1 << CL_POD_CIDR, "pod_cidr"),
    ];
    for &(top, cluster, what) in cases {
        let mut w = Writer::default();
        w.varint(top);
        w.varint(0);
        w.varint(cluster);
        w.varint(u64::from(u32::MAX) * 1000);
        let got = malformed(decode(&frame(&payload(&["x"], &w.buf))));
        assert!(got.contains(what) && got.contains("count"), "{what}: {got}");
    }
}

#[test]
fn long_address_list_count_is_checked() {
    // A router with an address list in the long form claiming 10^9 addresses.
    let mut w = Writer::default();
    w.varint(1 << TOP_ROUTERS);
    w.varint(0);
    w.varint(0);
    w.varint(1); // one router
    w.varint(0); // named "x"
    w.byte(1 << RO_ADDRESS);
    w.byte(0); // platform debian, no machine, no netns
    w.byte(LONG_ADDRS);
    w.varint(1_000_000_000);
    let got = malformed(decode(&frame(&payload(&["x"], &w.buf))));
    assert!(got.contains("router `x`") && got.contains("count"), "{got}");
}

#[test]
fn forged_fields_are_refused_with_their_place() {
    let body = |parts: &[u64]| {
        let mut w = Writer::default();
        parts.iter().for_each(|&p| w.varint(p));
        w.buf
    };
    let cases: &[(Vec<u8>, &str)] = &[
        (body(&[0, 5, 0]), "string 5"),
        (body(&[1 << 8, 0, 0]), "unknown flags"),
        (body(&[0, 0, 0, 7]), "unexpected bytes"),
        (body(&[0, 0, 3 << CL_DNS_SHIFT]), "cluster_dns: invalid state"),
        (body(&[0, 0, 1 << CL_FLANNEL, 9]), "flannel.backend"),
        (body(&[0, 0, 1 << CL_CALICO, 7 << CA_ENCAP_SHIFT]), "encapsulation"),
        (body(&[1 << TOP_LINKS, 0, 0, 1, 9, 0, 0]), "link kind"),
        (body(&[1 << TOP_SITES, 0, 0, 1, 0, 3]), "site `x`: label: invalid state"),
        (body(&[1 << TOP_NODES, 0, 0, 1, 0, 0, 0, 6]), "node `x`: address: invalid list header"),
        (body(&[0, 0]), "ends early"),
    ];
    for (body, what) in cases {
        let got = malformed(decode(&frame(&payload(&["x"], body))));
        assert!(got.contains(what), "{body:?}: expected `{what}` in `{got}`");
    }
}

#[test]
fn strings_must_be_utf8() {
    let mut raw = vec![2];
    raw.extend_from_slice(&[0xff, 0xfe, 0]);
    raw.extend_from_slice(MINIMAL);
    assert!(malformed(decode(&frame(&raw))).contains("UTF-8"));
}

#[test]
fn repeated_references_to_a_long_string_hit_the_budget() {
    // One 200 KB string used as the name of 64 hosts' sites: 12.8 MB if copied.
    let long = "a".repeat(200_000);
    let names: Vec<String> = (0..64).map(|i| format!("h{i}")).collect();
    let mut strings: Vec<&str> = vec!["x", &long];
    strings.extend(names.iter().map(String::as_str));
    let mut w = Writer::default();
    w.varint(1 << TOP_HOSTS);
    w.varint(0);
    w.varint(0);
    w.varint(64);
    for i in 0..64 {
        w.varint(2 + i); // host name
        w.varint(1 + 1); // site: string 1
    }
    let r = decode(&frame(&payload(&strings, &w.buf)));
    assert_eq!(r, Err(ShareError::TooLarge { limit: MAX_EXPANDED }));
}

#[test]
fn deflate_bomb_stops_at_the_cap() {
    let zeros = vec![0u8; 50 << 20];
    let bomb = miniz_oxide::deflate::compress_to_vec(&zeros, 10);
    assert!(bomb.len() < 100_000, "the bomb is small: {}", bomb.len());
    let started = std::time::Instant::now();
    let r = decode(&frame_deflated(&bomb));
    assert_eq!(r, Err(ShareError::TooLarge { limit: MAX_INFLATED }));
    assert!(started.elapsed().as_secs() < 10, "took {:?}", started.elapsed());
}

#[test]
fn overlong_text_is_refused_before_decoding() {
    let s = format!("t=1{}", "A".repeat(MAX_ENCODED_CHARS + 4));
    assert_eq!(decode(&s), Err(ShareError::TooLarge { limit: MAX_INFLATED }));
}

#[test]
fn bytes_after_the_deflate_stream_are_refused() {
    let t = examples().remove(0);
    let mut deflated = deflate::deflate(&pack::pack(&t));
    assert_eq!(decode(&frame_deflated(&deflated)), Ok(t));
    deflated.extend_from_slice(&[0, 0, 0]);
    assert_eq!(decode(&frame_deflated(&deflated)), Err(ShareError::Corrupt));
}

#[test]
fn truncated_deflate_stream_is_truncated() {
    let t = examples().remove(0);
    let deflated = deflate::deflate(&pack::pack(&t));
    let cut = deflated.get(..deflated.len() / 2).expect("half");
    assert_eq!(decode(&frame_deflated(cut)), Err(ShareError::Truncated));
}

#[test]
fn tables_with_a_nul_use_lengths() {
    let mut t = examples().remove(0);
    t.name = "a\0b".into();
    let raw = pack::pack(&t);
    assert_eq!(raw.first().map(|h| h & 1), Some(1));
    assert_eq!(decode(&encode(&t)), Ok(t));
}

/// One mutation of a byte string.
#[derive(Debug, Clone)]
enum Mutation {
    Flip(usize, u8),
    Set(usize, u8),
    Truncate(usize),
    Extend(Vec<u8>),
    Insert(usize, u8),
    Remove(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0u8..8).prop_map(|(i, b)| Mutation::Flip(i, b)),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Set(i, b)),
        any::<usize>().prop_map(Mutation::Truncate),
        prop::collection::vec(any::<u8>(), 1..16).prop_map(Mutation::Extend),
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Mutation::Insert(i, b)),
        any::<usize>().prop_map(Mutation::Remove),
    ]
}

fn mutate(data: &mut Vec<u8>, m: &Mutation) {
    let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
    match m {
        Mutation::Flip(i, b) => {
            let i = at(*i, data.len());
            if let Some(x) = data.get_mut(i) {
                *x ^= 1 << b;
            }
        }
        Mutation::Set(i, b) => {
            let i = at(*i, data.len());
            if let Some(x) = data.get_mut(i) {
                *x = *b;
            }
        }
        Mutation::Truncate(i) => data.truncate(at(*i, data.len())),
        Mutation::Extend(more) => data.extend_from_slice(more),
        Mutation::Insert(i, b) => data.insert(at(*i, data.len() + 1), *b),
        Mutation::Remove(i) => {
            if !data.is_empty() {
                data.remove(at(*i, data.len()));
            }
        }
    }
}

proptest! {
    /// Mutated payloads below the deflate layer reach every corner of `unpack`.
    #[test]
    fn mutated_payloads_never_panic(which in any::<usize>(), ms in prop::collection::vec(mutation(), 1..6)) {
        let examples = examples();
        let t = &examples[which % examples.len()];
        let mut raw = pack::pack(t);
        for m in &ms {
            mutate(&mut raw, m);
        }
        let _ = unpack::unpack(&raw, super::VERSION_CHAR);
        let _ = decode(&frame(&raw));
    }

    #[test]
    fn random_payloads_never_panic(raw in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = unpack::unpack(&raw, super::VERSION_CHAR);
    }

    /// A valid table and cluster, then random bytes: gets past the first checks.
    #[test]
    fn random_bodies_never_panic(top in any::<u8>(), rest in prop::collection::vec(any::<u8>(), 0..256)) {
        let mut body = vec![top & 0x7f, 0, 0];
        body.extend_from_slice(&rest);
        let _ = unpack::unpack(&payload(&["x", "y", "z"], &body), super::VERSION_CHAR);
    }

    #[test]
    fn mutated_deflate_streams_never_panic(which in any::<usize>(), ms in prop::collection::vec(mutation(), 1..4)) {
        let examples = examples();
        let t = &examples[which % examples.len()];
        let mut deflated = deflate::deflate(&pack::pack(t));
        for m in &ms {
            mutate(&mut deflated, m);
        }
        let _ = decode(&frame_deflated(&deflated));
    }
}
