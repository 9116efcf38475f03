//! Inputs the unit tests of several modules share: the plans of the examples and
//! of the check cases, read from the repository.

use std::path::{Path, PathBuf};

use crate::plan::{self, Plan};

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
            let src = std::fs::read_to_string(&file).ok()?;
            let t = crate::parse(&src).topology?;
            Some((name.map(|s| s.to_string_lossy().into_owned()).unwrap_or_default(), plan::build(&t)))
        })
        .collect()
}
