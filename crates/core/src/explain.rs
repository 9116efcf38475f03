//! Where in `docs/format.md` (the topology format's reference) the fix for each
//! diagnostic code is: `meshplan explain CODE` names the section. A table, so
//! that a test can hold it to the document (every section exists) and to the
//! codes (every code has its section or is listed as not about one field).

use crate::diag::Code;

/// Each code and the heading, as written in docs/format.md, of the section
/// whose fields the fix changes.
pub const SECTIONS: &[(Code, &str)] = &[
    (Code::E001, "Versions"),
    (Code::E002, "Field reference"),
    (Code::E003, "The YAML this format is written in"),
    (Code::E004, "Field reference"),
    // The name rules are in the document's opening paragraphs.
    (Code::E010, TITLE),
    (Code::E011, TITLE),
    (Code::E012, TITLE),
    (Code::E013, TITLE),
    (Code::E021, "`links[]`"),
    (Code::E022, "`links[]`"),
    (Code::E023, "`bgp`"),
    (Code::E030, "`cluster`"),
    (Code::E031, "`cluster`"),
    (Code::E033, "`cluster`"),
    (Code::E034, "`cluster`"),
    (Code::E035, "`nodes.<name>`"),
    (Code::E040, "`nodes.<name>`"),
    (Code::E041, "`cluster`"),
    (Code::E042, "`cluster`"),
    (Code::E043, "`cluster`"),
    (Code::E045, "`cluster`"),
    (Code::E050, "`links[]`"),
    (Code::E051, "`links[]`"),
    (Code::E052, "`cluster`"),
    (Code::I053, "`cluster`"),
    (Code::E060, "The underlay model"),
    (Code::E061, "The underlay model"),
    (Code::E062, "`routers.<name>`"),
    (Code::E072, "`cluster.flannel`"),
    (Code::W073, "`routers.<name>`"),
    (Code::W074, "`cluster.calico`"),
    (Code::W076, "`bgp`"),
    (Code::W077, "`links[]`"),
    (Code::W078, "`routers.<name>`"),
    (Code::E080, "`cluster`"),
    (Code::E081, "`cluster`"),
    (Code::E082, "`cluster`"),
    (Code::E083, "`links[]`"),
    (Code::W084, "`links[]`"),
    (Code::E090, "`routers.<name>`"),
    (Code::E091, "`routers.<name>`"),
    (Code::E092, "`routers.<name>`"),
    (Code::W101, "`resilience`"),
    (Code::W102, "`resilience`"),
    (Code::E101, "`resilience`"),
    (Code::E102, "`resilience`"),
];

/// Codes whose fix is not in one section: they are about how several
/// elements fit together, and their message names the elements.
pub const NOT_ONE_FIELD: &[Code] = &[
    // Values of many fields (labels, mirrors, registries, versions).
    Code::E014,
    // A name used by a site, router, node, link or session.
    Code::E020,
    Code::E032,
    Code::E036,
    Code::E037,
    Code::E044,
    // What the plan derives from the whole design.
    Code::E070,
    Code::E071,
    Code::E100,
    Code::W103,
];

const TITLE: &str = "The topology file (format version 1)";

/// The section of docs/format.md for `code`: its heading and its anchor.
pub fn format_section(code: Code) -> Option<(&'static str, String)> {
    SECTIONS.iter().find(|(c, _)| *c == code).map(|(_, h)| (*h, anchor(h)))
}

/// The anchor a Markdown renderer (GitHub's rule) gives a heading: lowercase,
/// spaces as `-`, and nothing but letters, digits, `-` and `_`.
pub fn anchor(heading: &str) -> String {
    heading
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c.to_ascii_lowercase()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anchors_as_a_markdown_renderer_makes_them() {
        assert_eq!(anchor("`links[]`"), "links");
        assert_eq!(anchor("`sites.<name>`"), "sitesname");
        assert_eq!(anchor("The YAML this format is written in"), "the-yaml-this-format-is-written-in");
        assert_eq!(anchor(TITLE), "the-topology-file-format-version-1");
    }
}
