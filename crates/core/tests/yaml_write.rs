//! The YAML writer and reader against the reference they replaced, through the
//! public API: every generated topology (every field of the model, odd names
//! included) is written byte-for-byte as serde_yaml_ng wrote it (but for names
//! libyaml writes as `? name` keys and for Unicode line breaks), and whatever
//! serde_yaml_ng reads back from that text, `parse` reads back the same. (The
//! generator also makes values the format refuses, such as a pool range that
//! mixes IPv4 and IPv6: those must be refused by both.)

mod generated;

use generated::check;
use proptest::prelude::*;

#[test]
fn generated_topologies_are_written_as_serde_yaml_ng_wrote_them_and_read_back() {
    check(256, generated::topology(), |mut t| {
        // The generator tries every version number; `parse` reads only this one.
        t.version = meshplan_core::model::FORMAT_VERSION;
        let ours = meshplan_core::write(&t);
        let theirs = serde_yaml_ng::to_string(&t).map_err(|e| TestCaseError::fail(e.to_string()))?;
        // libyaml writes a long or multi-line name as a `? name` key; we keep every
        // key on its line (quoted), since our reader takes no `? ` keys. And we
        // double-quote Unicode line breaks, which libyaml folds and YAML 1.2 keeps.
        let unicode_break = theirs.contains(['\u{85}', '\u{2028}', '\u{2029}']);
        if unicode_break || theirs.lines().any(|l| l.trim_start().starts_with("? ")) {
            let back = serde_yaml_ng::from_str::<meshplan_core::Topology>(&ours).ok();
            let before = serde_yaml_ng::from_str::<meshplan_core::Topology>(&theirs).ok();
            prop_assert_eq!(back, before, "{}", ours);
        } else {
            prop_assert_eq!(&ours, &theirs);
        }
        let reference = serde_yaml_ng::from_str::<meshplan_core::Topology>(&ours).ok();
        let back = meshplan_core::parse(&ours);
        match reference {
            Some(r) => {
                prop_assert!(back.diagnostics.is_empty(), "{:?}\n{}", back.diagnostics, ours);
                prop_assert_eq!(back.topology, Some(r));
            }
            None => prop_assert!(!back.diagnostics.is_empty(), "serde_yaml_ng refused, we did not:\n{}", ours),
        }
        Ok(())
    });
}
