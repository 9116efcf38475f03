//! Benchmarks of each stage at 60, 600 and 2000 nodes (scale designs: 10 nodes per
//! site, two route reflectors per site). `cargo xtask bench` runs them.

use divan::{black_box, Bencher};
use meshplan_core::{analyze, check, parse, plan, scale, write};

fn main() {
    divan::main();
}

const SITES: &[usize] = &[6, 60, 200];

fn text(sites: usize) -> String {
    write(&scale::design(sites, 10))
}

#[divan::bench(args = SITES, sample_count = 10)]
fn parse_text(b: Bencher, sites: usize) {
    let src = text(sites);
    b.bench(|| parse(black_box(&src)));
}

/// The YAML reader alone (text → tree), the first part of `parse_text`.
#[divan::bench(args = SITES, sample_count = 30)]
fn read_yaml(b: Bencher, sites: usize) {
    let src = text(sites);
    b.bench(|| meshplan_core::yaml::read(black_box(&src)));
}

#[divan::bench(args = SITES, sample_count = 10)]
fn check_rules(b: Bencher, sites: usize) {
    let t = scale::design(sites, 10);
    b.bench(|| check::check(black_box(&t)));
}

#[divan::bench(args = SITES, sample_count = 10)]
fn plan_build(b: Bencher, sites: usize) {
    let t = scale::design(sites, 10);
    b.bench(|| plan::build(black_box(&t)));
}

#[divan::bench(args = SITES, sample_count = 10)]
fn analyze_text(b: Bencher, sites: usize) {
    let src = text(sites);
    b.bench(|| analyze(black_box(&src)));
}

#[divan::bench(args = SITES, sample_count = 5)]
fn render_files(b: Bencher, sites: usize) {
    let p = plan::build(&scale::design(sites, 10));
    b.bench(|| meshplan_core::render::render(black_box(&p)));
}

/// The zip writer alone, over the bundle's files (plan.json and topology.yaml included).
#[divan::bench(args = SITES, sample_count = 5)]
fn zip_files(b: Bencher, sites: usize) {
    let files = meshplan_core::bundle::files(&scale::design(sites, 10)).unwrap_or_default();
    b.bench(|| meshplan_core::bundle::zip(black_box("scale"), black_box(&files)));
}

#[divan::bench(args = SITES, sample_count = 5)]
fn export_zip(b: Bencher, sites: usize) {
    let t = scale::design(sites, 10);
    b.bench(|| meshplan_core::bundle::export(black_box(&t)));
}

#[divan::bench(args = SITES, sample_count = 10)]
fn share_encode(b: Bencher, sites: usize) {
    let t = scale::design(sites, 10);
    b.bench(|| meshplan_core::share::encode(black_box(&t)));
}

#[divan::bench(args = SITES, sample_count = 10)]
fn share_decode(b: Bencher, sites: usize) {
    let link = meshplan_core::share::encode(&scale::design(sites, 10));
    b.bench(|| meshplan_core::share::decode(black_box(&link)));
}

/// Every single failure of the design (each router, link and site network),
/// from its finished plan: compare with `plan_build` (issue 18's goal: at most
/// 10× the plain plan at 600 nodes).
#[divan::bench(args = SITES, sample_count = 3)]
fn plan_failures(b: Bencher, sites: usize) {
    let t = scale::design(sites, 10);
    let p = plan::build(&t);
    b.bench(|| plan::failures::analyze(black_box(&t), black_box(&p)));
}

/// What the app writes after a rename in its panel (`parse::write_edit` over
/// the whole text, the result read back and compared): on the page's thread,
/// between the edit and the redrawn drawing.
#[divan::bench(args = SITES, sample_count = 10)]
fn write_edit_rename(b: Bencher, sites: usize) {
    let t = scale::design(sites, 10);
    let src = write(&t);
    let mut renamed = t.clone();
    let from = renamed.nodes.keys().next().cloned().unwrap_or_default();
    if let Some(n) = renamed.nodes.remove(&from) {
        renamed.nodes.insert("renamed-node".into(), n);
    }
    let r = meshplan_core::parse::Renamed { kind: meshplan_core::model::Kind::Node, from: &from, to: "renamed-node" };
    b.bench(|| meshplan_core::parse::write_edit(black_box(&src), black_box(&renamed), Some(r)));
}
