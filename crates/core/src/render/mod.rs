//! Renderers: one module per output target, each a pure function from the `Plan`
//! to files. Architecture invariant: a renderer reads only the plan, never the
//! topology, and writes the same bytes for the same plan.

pub mod addon;
pub mod bootstrap;
pub mod common;

// The add-ons (see `addon`): one file each, and one entry in `ADDONS` below.
pub mod calico;
pub mod cilium;
pub mod flannel;
pub mod kilo;
pub mod metallb;

pub mod ansible;
pub mod artifacts;
pub mod bird;
pub mod bird_install;
pub mod frr;
pub mod frr_install;
pub mod k3s;
pub mod kit;
pub mod router_os;
pub mod runbook;
pub mod verify;

use crate::plan::Plan;
use addon::{AddOn, Kind};

/// Every add-on meshplan can deploy: the CNIs and the load balancer.
pub static ADDONS: &[&dyn AddOn] =
    &[&calico::Calico, &cilium::Cilium, &flannel::Flannel, &kilo::Kilo, &metallb::MetalLb];

/// The design's add-ons in the order their cluster scripts run: the CNI, then the load balancer.
pub fn addons(plan: &Plan) -> Vec<&'static dyn AddOn> {
    let mut v: Vec<&'static dyn AddOn> = ADDONS.iter().copied().filter(|a| a.in_design(plan)).collect();
    crate::sort::sort_by(&mut v, |a, b| a.kind().cmp(&b.kind()));
    v
}

/// The design's CNI.
pub fn cni(plan: &Plan) -> Option<&'static dyn AddOn> {
    ADDONS.iter().copied().find(|a| a.kind() == Kind::Cni && a.in_design(plan))
}

/// The cluster scripts in the order the runbook runs them: the CNI's, then the load balancer's.
pub fn apply_scripts(plan: &Plan) -> Vec<&'static str> {
    addons(plan).into_iter().filter_map(|a| a.apply_script()).collect()
}

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
    for a in addons(plan) {
        files.extend(a.files(plan));
    }
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
