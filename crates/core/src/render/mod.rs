//! Renderers: one module per output target, each a pure function from the `Plan`
//! to files. Architecture invariant: a renderer reads only the plan, never the
//! topology, and writes the same bytes for the same plan.

pub mod common;

pub mod ansible;
pub mod artifacts;
pub mod bird;
pub mod bird_install;
pub mod bootstrap;
pub mod calico;
pub mod cilium;
pub mod frr;
pub mod frr_install;
pub mod k3s;
pub mod kilo;
pub mod kit;
pub mod metallb;
pub mod router_os;
pub mod runbook;
pub mod verify;

use crate::plan::Plan;

/// One file of the bundle, its path relative to the bundle's top folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct File {
    pub path: String,
    pub contents: String,
    pub executable: bool,
}

impl File {
    pub fn text(path: impl Into<String>, contents: impl Into<String>) -> File {
        File { path: path.into(), contents: contents.into(), executable: false }
    }
    pub fn script(path: impl Into<String>, contents: impl Into<String>) -> File {
        File { path: path.into(), contents: contents.into(), executable: true }
    }
}

/// Every generated file of the plan, sorted by path.
pub fn render(plan: &Plan) -> Vec<File> {
    let mut files = Vec::new();
    files.extend(k3s::files(plan));
    files.extend(calico::files(plan));
    files.extend(cilium::files(plan));
    files.extend(metallb::files(plan));
    files.extend(kilo::files(plan));
    files.extend(bird::files(plan));
    files.extend(bird_install::files(plan));
    files.extend(frr::files(plan));
    files.extend(frr_install::files(plan));
    files.extend(verify::files(plan));
    files.extend(ansible::files(plan));
    files.extend(artifacts::files(plan));
    files.extend(runbook::files(plan));
    crate::sort::sort_by(&mut files, |a, b| a.path.cmp(&b.path));
    files
}
