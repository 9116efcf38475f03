//! One function per command; each returns the exit code.

mod export;
mod share;

use meshplan_core::{analyze, analyze_with_failures, diag, Code};

use crate::args::{Cmd, Format, USAGE};
use crate::input::read_source;
use crate::render;

pub fn run(cmd: Cmd) -> u8 {
    match cmd {
        Cmd::Check { file, format } => check(&file, format),
        Cmd::Plan { file, format, failures: false } => plan(&file, format),
        Cmd::Plan { file, format, failures: true } => failures(&file, format),
        Cmd::Explain { code } => explain(&code),
        Cmd::Export { file, out } => export::export(&file, &out),
        Cmd::Share { file, base } => share::share(&file, &base),
        Cmd::Open { link, out } => share::open(&link, out.as_deref()),
        Cmd::LabRun { file, bundle, failures: true, .. } => crate::lab::run_failures(&file, bundle.as_deref()),
        Cmd::LabRun { file, keep, bundle, fail, failures: false } => {
            crate::lab::run(&file, keep, bundle.as_deref(), fail.as_deref())
        }
        Cmd::LabDown { name } => crate::lab::down(&name),
        Cmd::LabFuzz { seed, count, out, twice, minimise } => crate::lab::run_fuzz(seed, count, out, twice, minimise),
        Cmd::Help => {
            println!("{USAGE}");
            0
        }
    }
}

fn check(file: &str, format: Format) -> u8 {
    let src = match read_source(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    // Every finding, what single failures break included.
    let a = analyze_with_failures(&src);
    match format {
        Format::Text => print!("{}", render::diagnostics_text(&a.diagnostics, Some(&src), file)),
        Format::Json => println!("{}", render::diagnostics_json(&a.diagnostics)),
    }
    u8::from(diag::has_errors(&a.diagnostics))
}

/// The topology format's specification (`docs/format.md`), carried by the binary
/// so that the contract is at hand wherever the command is.
const FORMAT_SPEC: &str = include_str!("../../../../docs/format.md");

fn explain(code: &str) -> u8 {
    if code.eq_ignore_ascii_case("format") {
        print!("{FORMAT_SPEC}");
        return 0;
    }
    if let Some((c, what)) = diag::RETIRED.iter().find(|(c, _)| c.eq_ignore_ascii_case(code)) {
        println!("{c} (no longer given): {what}");
        return 0;
    }
    match Code::ALL.iter().find(|c| c.as_str().eq_ignore_ascii_case(code)) {
        Some(c) => {
            println!("{} ({}): {}", c.as_str(), c.severity().as_str(), c.title());
            if let Some((heading, anchor)) = meshplan_core::explain::format_section(*c) {
                println!("The fix is in docs/format.md#{anchor} ({heading}).");
            }
            println!("Every field of the topology file: `meshplan explain format` (docs/format.md).");
            0
        }
        None => {
            eprintln!("error: no diagnostic code `{code}` (`meshplan explain format` prints the file format)");
            2
        }
    }
}

/// `plan FILE --failures`: every single failure and what it breaks.
fn failures(file: &str, format: Format) -> u8 {
    let src = match read_source(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let a = analyze(&src);
    let (Some(t), Some(p)) = (&a.topology, &a.plan) else {
        match format {
            Format::Text => eprint!("{}", render::diagnostics_text(&a.diagnostics, Some(&src), file)),
            Format::Json => println!("{}", render::diagnostics_json(&a.diagnostics)),
        }
        return 1;
    };
    let f = meshplan_core::plan::failures::analyze(t, p);
    match format {
        Format::Text => print!("{}", f.to_text()),
        Format::Json => print!("{}", f.to_json_text()),
    }
    u8::from(diag::has_errors(&a.diagnostics) || diag::has_errors(&f.findings()))
}

fn plan(file: &str, format: Format) -> u8 {
    let src = match read_source(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let a = analyze(&src);
    let Some(mut p) = a.plan else {
        match format {
            Format::Text => eprint!("{}", render::diagnostics_text(&a.diagnostics, Some(&src), file)),
            Format::Json => println!("{}", render::diagnostics_json(&a.diagnostics)),
        }
        return 1;
    };
    // The same diagnostics as `check`, with places in the file, but for what
    // single failures break (`plan --failures`, and `check`, plan each failure).
    p.diagnostics = a.diagnostics;
    match format {
        Format::Text => {
            print!("{}", p.to_text());
            println!("\ndiagnostics");
            print!("{}", render::diagnostics_text(&p.diagnostics, Some(&src), file));
        }
        // Byte for byte the bundle's plan.json.
        Format::Json => print!("{}", p.to_json_text()),
    }
    u8::from(diag::has_errors(&p.diagnostics))
}
