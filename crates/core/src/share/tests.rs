//! Tests that need the payload itself: hand-built hostile payloads.

use super::*;

#[test]
fn scratch_sizes() {
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    for p in names {
        let t = crate::parse(&std::fs::read_to_string(&p).unwrap()).topology.unwrap();
        let raw = pack::pack(&t);
        let json = serde_json::to_string(&t).unwrap();
        let strings: usize = {
            let mut r = wire::Reader::new(&raw);
            unpack::table(&mut r).unwrap();
            r.pos()
        };
        let mut lv = vec![];
        for l in [6u8, 9, 10] { lv.push(miniz_oxide::deflate::compress_to_vec(json.as_bytes(), l).len()); }
        println!("{:?}: raw {} (strings {}), deflated {}, json {} -> {:?}", p.file_name().unwrap(), raw.len(), strings, deflate(&raw).len(), json.len(), lv);
        for s in [CompressionStrategy::Default, CompressionStrategy::Fixed, CompressionStrategy::Filtered, CompressionStrategy::HuffmanOnly, CompressionStrategy::RLE] {
            print!(" {:?}={}", s, deflate_with(&raw, create_comp_flags_from_zip_params(10, 0, s as i32)).len());
        }
        println!();
        println!("{:?}", String::from_utf8_lossy(&raw));
        println!("strings alone {} body alone {}", deflate(&raw[..strings]).len(), deflate(&raw[strings..]).len());
    }
}

#[test]
fn scratch_dict() {
    let dict: &[u8] = dict::DICT;
    let dir = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../examples");
    let mut names: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
    names.sort();
    for p in names {
        let t = crate::parse(&std::fs::read_to_string(&p).unwrap()).topology.unwrap();
        let raw = pack::pack(&t);
        for s in [CompressionStrategy::Default, CompressionStrategy::Fixed] {
            let flags = create_comp_flags_from_zip_params(10, 0, s as i32);
            let mut c = CompressorOxide::new(flags);
            let mut out = Vec::new();
            compress_to_output(&mut c, dict, TDEFLFlush::Sync, |b| { out.extend_from_slice(b); true });
            let l = out.len();
            compress_to_output(&mut c, &raw, TDEFLFlush::Finish, |b| { out.extend_from_slice(b); true });
            print!("{:?} {:?}: plain {} dict {}  ", p.file_name().unwrap(), s, deflate_with(&raw, flags).len(), out.len() - l);
        }
        println!();
    }
}
