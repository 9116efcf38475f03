//! The one place the app calls the core. Everything the app knows about networks
//! comes through here: reading and writing the file, the checks, the plan, share
//! links and the bundle. The app adds no network logic of its own.

use std::collections::BTreeMap;

use meshplan_core::{Diagnostic, Topology};
use serde::Deserialize;

pub use meshplan_core::Analysis;

/// Parse and check a text.
pub fn analyze(text: &str) -> Analysis {
    meshplan_core::analyze(text)
}

/// The topology as YAML (the YAML tab, save file, canvas edits).
pub fn write(t: &Topology) -> String {
    meshplan_core::write(t)
}

/// The checks on a topology as it is.
pub fn check(t: &Topology) -> Vec<Diagnostic> {
    meshplan_core::check::check(t)
}

// ---------------------------------------------------------------------------
// Plan

/// The plan as the notebook reads it: the serialized `Plan` (its JSON form, the
/// same keys `meshplan plan --format json` prints), every part optional so that
/// the notebook shows what the plan provides.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct PlanView {
    pub mtu_budget: Option<u32>,
    pub pod_mtu: Option<u32>,
    pub limiting: Option<Limit>,
    pub mtu_notes: Vec<String>,
    pub nodes: BTreeMap<String, NodeView>,
    pub calico_blocks: Option<CalicoBlocks>,
    pub sessions: Vec<SessionView>,
    pub reach: BTreeMap<String, ReachView>,
    pub paths: Vec<PathView>,
    pub diagnostics: Vec<DiagView>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct Limit {
    pub from_site: String,
    pub to_site: String,
    pub path_mtu: u32,
    pub overhead: u32,
    pub edge: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct NodeView {
    pub site: String,
    pub role: String,
    pub addresses: Vec<String>,
    pub pod_ranges: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct CalicoBlocks {
    pub block_size: u32,
    pub blocks: Vec<BlockPool>,
    pub note: String,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct BlockPool {
    pub cidr: String,
    pub block_size: u32,
    pub block_count: serde_json::Value,
    pub addresses_per_block: serde_json::Value,
    pub blocks_per_node: serde_json::Value,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct SessionView {
    pub a: String,
    pub b: String,
    pub family: String,
    pub a_address: String,
    pub b_address: String,
    pub kind: String,
    pub role: String,
    pub multihop: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct ReachView {
    pub learned: Vec<serde_json::Value>,
    pub missing: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct PathView {
    pub from_site: String,
    pub to_site: String,
    pub from: String,
    pub to: String,
    pub hops: Vec<HopView>,
    pub path_mtu: u32,
    pub pod_mtu: u32,
    pub overhead: u32,
    pub routed: bool,
    pub blackhole: Option<BlackholeView>,
    pub limiting: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct HopView {
    pub name: String,
    pub kind: String,
    pub mtu: Option<u32>,
    pub via: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct BlackholeView {
    pub device: String,
    pub missing: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct DiagView {
    pub code: String,
    pub path: String,
}

/// False while the core has no `plan` module: the notebook then shows the checks only.
pub const HAS_PLAN: bool = false;

/// The plan of a topology, or `None` while the core cannot plan.
pub fn plan(_t: &Topology) -> Option<(PlanView, Vec<Diagnostic>)> {
    None
}

// ---------------------------------------------------------------------------
// Share links

/// Why a share link could not be made or opened.
pub enum ShareError {
    /// This build's core has no share links.
    Unavailable,
    Damaged(String),
}

/// False while the core has no `share` module: links are neither made nor opened.
pub const HAS_SHARE: bool = false;

/// The fragment (without `#`) that carries the topology: `t=…`.
pub fn share_fragment(_t: &Topology) -> Result<String, ShareError> {
    Err(ShareError::Unavailable)
}

/// Reads the topology a `#t=…` fragment carries (`hash` with or without `#`).
pub fn open_fragment(_hash: &str) -> Result<Topology, ShareError> {
    Err(ShareError::Unavailable)
}

/// True when an address's fragment is a share link.
pub fn is_share_fragment(hash: &str) -> bool {
    hash.trim_start_matches('#').starts_with("t=")
}

// ---------------------------------------------------------------------------
// Export

pub enum ExportError {
    /// This build's core has no bundle.
    Unavailable,
    /// The design has errors; export is refused with them.
    Refused(Vec<Diagnostic>),
}

/// False while the core has no `bundle` module.
pub const HAS_BUNDLE: bool = false;

/// The zip of everything needed to deploy the design.
pub fn export(_t: &Topology) -> Result<Vec<u8>, ExportError> {
    Err(ExportError::Unavailable)
}
