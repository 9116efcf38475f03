//! meshplan's core: everything meshplan knows about networks, with no I/O.
//!
//! The flow is one direction (see ARCHITECTURE.md):
//! text ─[`parse`]→ [`Topology`] ─[`check`]→ diagnostics, and
//! [`Topology`] ─[`plan::build`]→ [`plan::Plan`] ─render→ files ─bundle→ zip.
//!
//! Architecture invariant: this crate does no I/O, reads no clock and draws no
//! random number, so it builds for `wasm32-unknown-unknown` and the same input
//! always gives byte-identical output.
//!
//! Nothing built from a person's input may panic, so `unwrap`/`expect` are denied
//! outside tests (a failure is a diagnostic or a typed error). And `sort.rs` is the
//! one sort: std's slice sorts are disallowed outside tests (`clippy.toml`), since
//! each element type would compile another copy into the browser's module.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::expect_used))]
#![cfg_attr(test, allow(clippy::disallowed_methods))]

pub mod bundle;
pub mod check;
pub mod diag;
pub mod explain;
pub mod model;
pub mod parse;
pub mod plan;
pub mod render;
pub mod scale;
pub mod share;
pub mod sort;
pub mod text;
pub mod underlay;
pub mod versions;
pub mod yaml;

#[cfg(test)]
mod test_support;

pub use diag::{Code, Diagnostic, Severity, Span};
pub use model::Topology;
pub use parse::{parse, write, write_keeping_comments, Parsed};

/// Everything the shells show for one text: the topology (when it could be read),
/// its plan, and every diagnostic of parsing, checking and planning, sorted and
/// placed in the text.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub topology: Option<Topology>,
    pub plan: Option<plan::Plan>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parse, then check and plan what could be parsed.
pub fn analyze(src: &str) -> Analysis {
    analyze_parsed(parse(src))
}

/// The second half of `analyze`, for a shell that times parsing on its own.
pub fn analyze_parsed(parsed: Parsed) -> Analysis {
    analyze_inner(parsed, false)
}

/// [`analyze`] and what single failures break (`plan::failures`: W101/W102,
/// E101/E102): what `meshplan check` gives. Apart from `analyze` because it
/// plans the design once per failure (about 100× a plan at 600 nodes), which
/// the app's every keystroke cannot pay.
pub fn analyze_with_failures(src: &str) -> Analysis {
    analyze_inner(parse(src), true)
}

fn analyze_inner(parsed: Parsed, failures: bool) -> Analysis {
    let Parsed { topology, mut diagnostics, places } = parsed;
    // The plan runs the structural checks first, then its own rules.
    let plan = topology.as_ref().map(plan::build);
    if let (Some(t), Some(p)) = (&topology, &plan) {
        let failures = if failures { plan::failures::analyze(t, p).findings() } else { Vec::new() };
        for d in p.diagnostics.iter().chain(&failures) {
            let mut d = d.clone();
            if d.span.is_none() {
                // Placed from the reader's own spans, by the path.
                d.span = places.of(&d.path);
            }
            diagnostics.push(d);
        }
    }
    diag::sort(&mut diagnostics);
    Analysis { topology, plan, diagnostics }
}
