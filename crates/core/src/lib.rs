//! meshplan's core: everything meshplan knows about networks, with no I/O.
//!
//! The flow is one direction (see ARCHITECTURE.md):
//! text ─[`parse`]→ [`Topology`] ─[`check`]→ diagnostics, and
//! [`Topology`] ─[`plan::build`]→ [`plan::Plan`] ─render→ files ─bundle→ zip.
//!
//! Architecture invariant: this crate does no I/O, reads no clock and draws no
//! random number, so it builds for `wasm32-unknown-unknown` and the same input
//! always gives byte-identical output.

pub mod bundle;
pub mod check;
pub mod diag;
pub mod model;
pub mod parse;
pub mod plan;
pub mod render;
pub mod scale;
pub mod share;
pub mod text;
pub mod underlay;

pub use diag::{Code, Diagnostic, Severity, Span};
pub use model::Topology;
pub use parse::{parse, write, Parsed};

/// Everything the shells show for one text: the topology (when it could be read)
/// and every diagnostic of parsing and checking, sorted.
#[derive(Debug, Clone)]
pub struct Analysis {
    pub topology: Option<Topology>,
    pub diagnostics: Vec<Diagnostic>,
}

/// Parse, then check and plan what could be parsed; spans are filled from the text.
pub fn analyze(src: &str) -> Analysis {
    let Parsed { topology, mut diagnostics } = parse(src);
    if let Some(t) = &topology {
        // The plan runs the structural checks first, then its own rules.
        for mut d in plan::build(t).diagnostics {
            if d.span.is_none() {
                d.span = parse::locate(src, &d.path);
            }
            diagnostics.push(d);
        }
    }
    diag::sort(&mut diagnostics);
    Analysis { topology, diagnostics }
}
