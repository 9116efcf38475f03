//! docs/format.md, the product's contract, documents every field the model reads:
//! each mapping of the format (found by giving each mapping of the document's own
//! example an unknown key and reading the keys the error says it has) must have a
//! row in the field reference (its name in backquotes in the first cell). A field
//! added to the model without its row in the document fails here.

use std::collections::BTreeSet;
use std::path::Path;

use meshplan_core::yaml::{self, DeErrorKind, Node, Value};
use meshplan_core::Topology;

fn format_doc() -> String {
    let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/format.md");
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
}

/// Every mapping under `node`, as a path of keys and indices.
fn maps(node: &Node, path: &mut Vec<String>, out: &mut Vec<Vec<String>>) {
    match &node.value {
        Value::Map(m) => {
            out.push(path.clone());
            for (k, v) in &m.entries {
                path.push(k.as_scalar().map(|s| s.text.clone()).unwrap_or_default());
                maps(v, path, out);
                path.pop();
            }
        }
        Value::Seq(items) => {
            for (i, v) in items.iter().enumerate() {
                path.push(format!("[{i}]"));
                maps(v, path, out);
                path.pop();
            }
        }
        Value::Scalar(_) => {}
    }
}

fn map_at<'n>(node: &'n mut Node, path: &[String]) -> Option<&'n mut yaml::Map> {
    let n = path.iter().try_fold(node, |n, step| match step.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
        Some(i) => i.parse::<usize>().ok().and_then(|i| n.as_seq_mut().and_then(|s| s.get_mut(i))),
        None => n.as_map_mut().and_then(|m| m.get_mut(step)),
    })?;
    n.as_map_mut()
}

#[test]
fn every_field_of_the_model_has_its_row_in_docs_format_md() {
    let doc = format_doc();
    let start = doc.find("```yaml\n").map(|i| i + "```yaml\n".len()).expect("docs/format.md has a ```yaml example");
    let example = &doc[start..start + doc[start..].find("```").expect("the example ends")];
    let tree = yaml::read(example).unwrap_or_else(|e| panic!("the example does not read: {e:?}"));
    assert!(yaml::from_node::<Topology>(&tree).is_ok(), "the example of docs/format.md does not read as a topology");
    let mut all = Vec::new();
    maps(&tree, &mut Vec::new(), &mut all);
    let mut fields = BTreeSet::new();
    for path in &all {
        let mut t = tree.clone();
        let Some(m) = map_at(&mut t, path) else { continue };
        m.insert("zz-not-a-field", Node::plain("1"));
        if let Err(e) = yaml::from_node::<Topology>(&t) {
            if let DeErrorKind::UnknownField { expected, .. } = &e.kind {
                fields.extend(expected.iter().map(|f| (path.join("."), f.clone())));
            }
        }
    }
    assert!(fields.len() > 50, "too few fields found: {fields:?}");
    // The names in the first cell of every table row: `| `a`, `b` | …`.
    let documented: BTreeSet<&str> = doc
        .lines()
        .filter_map(|l| l.strip_prefix("| ").and_then(|r| r.split(" |").next()))
        .flat_map(|cell| cell.split('`').skip(1).step_by(2))
        .collect();
    let missing: Vec<String> = fields
        .iter()
        .filter(|(_, f)| !documented.contains(f.as_str()))
        .map(|(at, f)| format!("`{f}` (in the mapping at `{at}`)"))
        .collect();
    assert!(missing.is_empty(), "docs/format.md has no row for: {}", missing.join(", "));
}

/// `meshplan explain CODE` names the section of docs/format.md the fix is in:
/// each section named exists as a heading, and each code has its section or
/// is listed as not about one field (so a new code cannot go without one).
#[test]
fn every_code_names_a_section_of_docs_format_md_or_is_listed_as_not_one_field() {
    use meshplan_core::explain::{anchor, format_section, NOT_ONE_FIELD, SECTIONS};
    use meshplan_core::Code;
    let doc = format_doc();
    let headings: BTreeSet<&str> =
        doc.lines().filter(|l| l.starts_with('#')).map(|l| l.trim_start_matches('#').trim()).collect();
    let anchors: BTreeSet<String> = headings.iter().map(|h| anchor(h)).collect();
    assert_eq!(anchors.len(), headings.len(), "two headings of docs/format.md share an anchor");
    for (code, heading) in SECTIONS {
        assert!(headings.contains(heading), "{code}: docs/format.md has no heading {heading:?}");
        assert!(!NOT_ONE_FIELD.contains(code), "{code} is in both lists");
    }
    for code in Code::ALL {
        let n = SECTIONS.iter().filter(|(c, _)| c == code).count();
        assert!(n <= 1, "{code} has {n} sections");
        assert!(
            format_section(*code).is_some() || NOT_ONE_FIELD.contains(code),
            "{code}: name its section of docs/format.md in explain::SECTIONS, or list it in NOT_ONE_FIELD"
        );
    }
    // The README points at the format.
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../README.md"))
        .unwrap_or_else(|e| panic!("cannot read README.md: {e}"));
    assert!(readme.contains("](docs/format.md)"), "README.md does not link docs/format.md");
}
