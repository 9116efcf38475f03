//! The bundle the lab deploys: the files the renderers write for the plan (what
//! `meshplan export` zips, rendered here even for a design whose errors the lab
//! is asked to reproduce, such as a blackhole), or those of an unpacked export the
//! operator points at (`--bundle DIR`: the export's top folder, or the folder
//! that holds it).

use std::fs;
use std::path::{Path, PathBuf};

use meshplan_core::model::Topology;
use meshplan_core::plan::Plan;
use meshplan_core::render;

/// Bundles are small; a file above this is no file of ours.
const MAX_FILE: u64 = 16 << 20;

/// Every text file of the bundle as `(path relative to its top folder, text)`, sorted.
pub fn read(t: &Topology, plan: &Plan, dir: Option<&str>) -> Result<Vec<(String, String)>, String> {
    let Some(dir) = dir else {
        return Ok(render::render(plan).into_iter().map(|f| (f.path, f.contents)).collect());
    };
    let given = Path::new(dir);
    // The zip's top folder is named for the plan; accept the folder that holds it too.
    let inner = given.join(&t.name);
    let top = if !given.join("topology.yaml").is_file() && inner.join("topology.yaml").is_file() {
        inner
    } else {
        given.to_path_buf()
    };
    if !top.join("topology.yaml").is_file() {
        return Err(format!("{dir} is not an unpacked bundle (no topology.yaml in it or in {dir}/{}/)", t.name));
    }
    let mut out = Vec::new();
    walk(&top, &top, &mut out)?;
    out.sort();
    Ok(out)
}

/// Whether the unpacked bundle's `topology.yaml` is other than `t` as written.
pub fn topology_differs(dir: &str, t: &Topology) -> bool {
    let given = Path::new(dir);
    let file =
        [given.join("topology.yaml"), given.join(&t.name).join("topology.yaml")].into_iter().find(|p| p.is_file());
    let written = meshplan_core::parse::write(t);
    file.and_then(|f| fs::read_to_string(f).ok()).is_none_or(|text| text != written)
}

fn walk(top: &Path, dir: &Path, out: &mut Vec<(String, String)>) -> Result<(), String> {
    let entries = fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for p in paths {
        let meta = fs::symlink_metadata(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        if meta.is_dir() {
            walk(top, &p, out)?;
        } else if meta.is_file() && meta.len() <= MAX_FILE {
            let rel = p.strip_prefix(top).unwrap_or(&p).to_string_lossy().replace('\\', "/");
            // Artifacts (charts, binaries) are not text the reader needs.
            if let Ok(text) = fs::read_to_string(&p) {
                out.push((rel, text));
            }
        }
    }
    Ok(())
}
