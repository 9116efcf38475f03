//! The one place the app calls the core. Everything the app knows about networks
//! comes through here: reading and writing the file, the checks, the plan, share
//! links and the bundle. The app adds no network logic of its own.

use meshplan_core::{Diagnostic, Topology};

pub use meshplan_core::parse::Renamed;
pub use meshplan_core::plan::failures::{Failure, Failures};
pub use meshplan_core::plan::reach::Reach;
pub use meshplan_core::plan::Plan;

/// The core's plan is wired in: the notebook shows sessions, routes, paths, MTU.
pub const HAS_PLAN: bool = true;
/// Share links are wired in (`meshplan_core::share`).
pub const HAS_SHARE: bool = true;
/// The bundle is wired in (`meshplan_core::bundle`, run by the export worker).
pub const HAS_BUNDLE: bool = true;

/// What the core makes of a text: the topology, every diagnostic (parse, checks,
/// plan rules; located in the text), and the plan.
pub struct Analyzed {
    pub topology: Option<Topology>,
    pub diagnostics: Vec<Diagnostic>,
    pub plan: Option<Plan>,
    /// Milliseconds spent parsing, then planning (checks included).
    pub parse_ms: f64,
    pub plan_ms: f64,
}

/// Parse, plan and locate: `meshplan_core::analyze`, with parsing timed apart.
pub fn analyze(text: &str, clock: impl Fn() -> f64) -> Analyzed {
    let t0 = clock();
    let parsed = meshplan_core::parse(text);
    let t1 = clock();
    let meshplan_core::Analysis { topology, plan, diagnostics } = meshplan_core::analyze_parsed(parsed);
    let t2 = clock();
    Analyzed { topology, diagnostics, plan, parse_ms: t1 - t0, plan_ms: t2 - t1 }
}

/// Only the topology of a text (for layout), without checking or planning it.
pub fn topology_of(text: &str) -> Option<Topology> {
    meshplan_core::parse(text).topology
}

/// The topology as YAML (a design opened from a link).
pub fn write(t: &Topology) -> String {
    meshplan_core::write(t)
}

/// The topology as YAML after an edit of `old` (canvas and panel edits): only
/// the lines of what changed are rewritten, the person's order, style and
/// comments stay (`meshplan_core::parse::write_edit`).
pub fn rewrite(old: &str, t: &Topology) -> String {
    meshplan_core::parse::write_edit(old, t, None)
}

/// As [`rewrite`], after one site or device was renamed: its lines and
/// comments stay, under its new name.
pub fn rewrite_renamed(old: &str, t: &Topology, renamed: Renamed<'_>) -> String {
    meshplan_core::parse::write_edit(old, t, Some(renamed))
}

/// A device's route table: learned routes and the prefixes it lacks.
pub fn reach(plan: &Plan, device: &str) -> Reach {
    plan.reach(device)
}

/// The design with one element down (`routers.gw`, `hosts.nas`, `links[2]`,
/// `sites.WDS`): sessions lost, pairs cut and why, MTU drops, moved paths,
/// outage. `None` when that element cannot fail alone. What-if mode's click,
/// run in the worker (`failure_report`), like [`failures`].
pub fn failure(t: &Topology, plan: &Plan, path: &str) -> Option<Failure> {
    meshplan_core::plan::failures::single(t, plan, path)
}

/// Every single failure, worst first: the notebook's failure table (in the worker).
pub fn failures(t: &Topology, plan: &Plan) -> Failures {
    meshplan_core::plan::failures::analyze(t, plan)
}

// ---------------------------------------------------------------------------
// Share links

/// Why a share link could not be opened, in the core's words.
pub struct ShareError(pub String);

pub use meshplan_core::share::{Made, Opened};

/// The link of the person's `text` (whose topology is `t`): it carries the
/// text, comments included, when they may travel; `Made::comments` says what
/// became of them.
pub fn share_link_of(text: &str, t: &Topology) -> Made {
    meshplan_core::share::encode_text(text, t)
}

/// Reads the design a `#t=…` fragment carries (`hash` with or without `#`):
/// the topology, and the person's text when the link carries it.
pub fn open_fragment(hash: &str) -> Result<Opened, ShareError> {
    meshplan_core::share::open(hash).map_err(|e| ShareError(e.to_string()))
}

/// True when an address's fragment is a share link.
pub fn is_share_fragment(hash: &str) -> bool {
    hash.trim_start_matches('#').starts_with("t=")
}

// ---------------------------------------------------------------------------
// Export

/// The zip of everything needed to deploy the design in `text`, or why not.
/// Only the export worker (`src/bin/export_worker.rs`) calls this, so the
/// renderers and the zip writer stay out of the page's module; the page asks
/// the worker through `export_worker`. Same steps as `meshplan export`.
pub fn export_text(text: &str) -> Result<Vec<u8>, String> {
    let parsed = meshplan_core::parse(text);
    let refused = |d: &[Diagnostic]| {
        let lines: Vec<String> =
            d.iter().filter(|x| x.is_error()).map(|x| format!("{} {}: {}", x.code, x.path, x.message)).collect();
        format!("the design has errors: {}", lines.join("; "))
    };
    if meshplan_core::diag::has_errors(&parsed.diagnostics) {
        return Err(refused(&parsed.diagnostics));
    }
    let Some(t) = parsed.topology else { return Err("the text holds no topology".into()) };
    meshplan_core::bundle::export(&t).map_err(|e| refused(&e))
}
