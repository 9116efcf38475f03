//! The meshplan browser app: draw the design, read the plan as a notebook, export
//! the zip, share the link. A thin shell over `meshplan-core` (see `core_api`):
//! the app holds state and draws; every network fact comes from the core.
//!
//! State lives in signals (`state::App`); one Effect saves the work to localStorage.
//! Pure parts (layout, edits, history, selection paths) are plain functions with
//! unit tests that run without a browser.

pub mod analysis;
pub mod analysis_client;
pub mod bgp_overlay;
pub mod browser;
pub mod canvas;
pub mod core_api;
pub mod edit;
pub mod export_worker;
pub mod failure_report;
pub mod find;
pub mod help;
pub mod history;
pub mod inspector;
pub mod labels;
pub mod layout;
pub mod notebook;
pub mod sel;
pub mod shell;
pub mod state;
#[cfg(test)]
mod test_rng;
pub mod whatif;
pub mod yaml;

/// Mounts the app on the page's body.
pub fn start() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(shell::Shell);
}
