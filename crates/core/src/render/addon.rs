//! The add-on interface: what a CNI (Calico, Cilium, Flannel, Kilo) or the load
//! balancer (MetalLB) gives the bundle. Each implements [`AddOn`] once, in its
//! own file, and is registered by one entry of `render::ADDONS`. The renderers
//! that gather a piece from every add-on (`k3s`, `artifacts`, `runbook`,
//! `verify`, `ansible`) iterate over the design's add-ons (`render::addons`) and
//! never name one; no add-on imports another renderer.
//!
//! Every method but [`AddOn::kind`], [`AddOn::name`], [`AddOn::in_design`] and
//! [`AddOn::files`] has an empty default: an add-on says only what it has.

use super::bootstrap::{Res, Step};
use super::File;
use crate::plan::Plan;

/// Where an add-on's cluster script runs in the bundle's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The pod network: exactly one per design, run first.
    Cni,
    /// LoadBalancer addresses, run once the pod network is up.
    LoadBalancer,
}

/// One value of k3s's `config.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigValue {
    Str(String),
    Bool(bool),
    List(Vec<String>),
}

/// One row of the runbook's table of ports to open between machines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Port {
    pub port: String,
    pub between: &'static str,
    pub what: &'static str,
}

pub fn port(port: impl Into<String>, between: &'static str, what: &'static str) -> Port {
    Port { port: port.into(), between, what }
}

/// Which script reads a variable of the runbook's variable table, which places it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The node scripts (`nodes/*/…`): listed with k3s's join variables.
    Nodes,
    /// `verify.sh`: listed with its own variables.
    Verify,
}

/// A per-node script that runs before k3s on every node (Kilo's firewall):
/// `nodes/<node>/<file>`, its runbook step and its Ansible play.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeStep {
    /// The step's title in the runbook and the play's name.
    pub title: &'static str,
    /// The script's file name in each node's folder.
    pub file: &'static str,
    /// The runbook's text of the step (markdown, ends with a blank line).
    pub runbook: &'static str,
    pub check: &'static str,
    pub undo: &'static str,
}

/// A download location of fetch-artifacts.sh that a mirror may replace: an
/// environment variable with its upstream default, for the runbook's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mirror {
    pub var: &'static str,
    /// The default, in bash (may name `$GITHUB` or `$GITHUB_RAW`).
    pub default: &'static str,
    /// The mirror the seeds used from mainland China, if any (markdown).
    pub seeds: &'static str,
}

/// What an add-on gives the bundle. The design's add-ons are those whose
/// [`AddOn::in_design`] holds; only they are asked the rest.
pub trait AddOn: Sync {
    fn kind(&self) -> Kind;
    /// Its name in prose ("Calico", "MetalLB").
    fn name(&self) -> &'static str;
    fn in_design(&self, plan: &Plan) -> bool;

    /// Its files, paths relative to the bundle's top folder (its cluster script included).
    fn files(&self, plan: &Plan) -> Vec<File>;

    /// Its cluster script, run once on the first server after the node scripts
    /// (relative to the bundle root); `None` for a CNI that k3s itself runs.
    fn apply_script(&self) -> Option<&'static str> {
        None
    }
    /// Every step its cluster script can print, with what each needs and
    /// provides (the bootstrap order check walks them).
    fn steps(&self) -> &'static [Step] {
        &[]
    }
    /// What holds before any cluster script because of it (Flannel, inside k3s:
    /// its agents and the pod routes).
    fn given(&self) -> &'static [Res] {
        &[]
    }
    /// The shell variables its step titles name, with their values, for the runbook.
    fn title_vars(&self, _plan: &Plan) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// The server settings it needs in k3s's `config.yaml`, in order (agents
    /// receive them from the server).
    fn k3s_settings(&self, _plan: &Plan) -> Vec<(&'static str, ConfigValue)> {
        Vec::new()
    }
    /// True when it hands out LoadBalancer addresses, so k3s's own `servicelb`
    /// must be off.
    fn hands_out_service_addresses(&self, _plan: &Plan) -> bool {
        false
    }

    /// `fetch-artifacts.sh`'s lines for it (bash, inside that script: it uses its
    /// `fetch`, `check`, `$HERE`, `$ARCH`, `$IMAGES_DIR`), starting with a comment line.
    fn fetch_steps(&self, _plan: &Plan) -> Option<String> {
        None
    }
    /// `ARTIFACTS.txt`'s lines for it, starting with its title line.
    fn artifact_lines(&self, _plan: &Plan) -> Option<String> {
        None
    }
    /// The download locations its `fetch_steps` use, as mirror settings.
    fn mirrors(&self) -> &'static [Mirror] {
        &[]
    }
    /// The container images its pods run, under exactly the names they use
    /// (`registry/path:tag`), for the airgap kit (`render::kit`): what the
    /// pinned release material says, so the tests can hold it to upstream.
    fn images(&self, _plan: &Plan) -> Vec<String> {
        Vec::new()
    }
    /// fetch-artifacts.sh's lines (bash) that add the images of the upstream files
    /// it fetched to the kit's list, should a release name one more: they run after
    /// every add-on's `fetch_steps` and may use `manifest_images FILE…` and append
    /// to `"$IMAGES_LIST"`, and `MISSING+=(…)`.
    fn image_steps(&self, _plan: &Plan) -> Option<String> {
        None
    }

    /// The runbook summary's CNI line.
    fn summary(&self, _plan: &Plan) -> Option<String> {
        None
    }
    /// A step every node runs before k3s.
    fn node_step(&self) -> Option<NodeStep> {
        None
    }
    /// Lines of the runbook's prerequisites (markdown list items, each ending in a newline).
    fn prerequisites(&self, _plan: &Plan) -> Vec<&'static str> {
        Vec::new()
    }
    /// Lines of the runbook's platform notes (markdown list items).
    fn platform_notes(&self, _plan: &Plan) -> Vec<&'static str> {
        Vec::new()
    }
    /// The ports it needs open between machines.
    fn ports(&self, _plan: &Plan) -> Vec<Port> {
        Vec::new()
    }
    /// Rows of the runbook's variable table (markdown table rows).
    fn variables(&self) -> Vec<(Reader, &'static str)> {
        Vec::new()
    }
    /// How the runbook's step for its cluster script is checked and undone.
    fn check_undo(&self) -> (&'static str, &'static str) {
        ("", "")
    }
    /// Its own section of the runbook (markdown), after the MTU section.
    fn runbook_section(&self, _plan: &Plan) -> Option<String> {
        None
    }

    /// `verify.sh`'s checks for it (bash, after the shared BGP checks: they use its
    /// `kc`, `pass` and `fail`).
    fn verify_checks(&self, _plan: &Plan) -> Option<String> {
        None
    }
    /// For a CNI whose agents speak BGP in a pod verify.sh can ask: the bash
    /// function `check_sessions NODE` (it uses `peers_of`, `pass`, `fail`), and
    /// then verify.sh checks every node speaker with it.
    fn verify_node_sessions(&self) -> Option<&'static str> {
        None
    }
    /// For a CNI that hands out pod ranges itself: the bash function
    /// `load_ranges` that fills `RANGES[node]` (else the nodes' `podCIDRs`).
    fn verify_pod_ranges(&self) -> Option<&'static str> {
        None
    }
}

/// True when some node has a BGP session with a router (port 179 between them).
pub fn bgp_to_routers(plan: &Plan) -> bool {
    plan.sessions.iter().any(|s| plan.nodes.contains_key(&s.a) && plan.routers.contains_key(&s.b))
}
