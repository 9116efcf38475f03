//! Inputs the unit tests of several modules share: the plans of the examples and
//! of the check cases, read from the repository.

use std::path::{Path, PathBuf};

use crate::plan::{self, Plan};
use crate::scale;

fn sorted(dir: &Path, keep: impl Fn(&Path) -> bool) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| keep(p))
        .collect();
    v.sort();
    v
}

/// `(name, plan)` of every example (by file stem) and of every check case that
/// parses (by folder name), broken designs included.
pub fn example_and_case_plans() -> Vec<(String, Plan)> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let examples = sorted(&root.join("examples"), |p| p.extension().is_some_and(|x| x == "yaml"));
    let cases = sorted(&root.join("tests/data/check"), |p| p.join("topology.yaml").exists());
    let files = examples
        .iter()
        .map(|p| (p.file_stem(), p.clone()))
        .chain(cases.iter().map(|d| (d.file_name(), d.join("topology.yaml"))));
    files
        .filter_map(|(name, file)| {
            // A file that cannot be read fails the caller's test; only a design
            // that does not parse (a parse-error case) is left out, on purpose.
            let src = std::fs::read_to_string(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            let t = crate::parse(&src).topology?;
            Some((name.map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(), plan::build(&t)))
        })
        .collect()
}

/// The examples and check cases, and scale designs on both sides of the summary threshold.
pub fn route_table_plans() -> Vec<(String, Plan)> {
    let mut out = example_and_case_plans();
    for (s, n) in [(3, 4), (11, 10)] {
        out.push((format!("scale {s}x{n}"), plan::build(&scale::design(s, n))));
    }
    // Tables that depart from their pattern: two nodes of a site route to each
    // other directly; site001-n05 (15) learns nothing of its site, so its site's
    // representative lacks its prefix; and one prefix reaches nobody.
    let mut odd = plan::build(&scale::design(11, 10));
    let n = odd.routing.direct_group.len();
    odd.routing.direct_group = (0..n).map(|i| (i == 0 || i == 5).then_some(0)).collect();
    let class = odd.routing.prefixes[15].class;
    odd.routing.classes[class].best[15] = None;
    odd.routing.prefixes[33].class = usize::MAX;
    out.push(("scale 11x10, irregular".into(), odd));
    out
}
