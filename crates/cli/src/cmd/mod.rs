//! One function per command; each returns the exit code.

use std::io::Read;

use meshplan_core::{analyze, diag, Code};

use crate::args::{Cmd, Format, USAGE};
use crate::render;

pub fn run(cmd: Cmd) -> u8 {
    match cmd {
        Cmd::Check { file, format } => check(&file, format),
        Cmd::Explain { code } => explain(&code),
        Cmd::Help => {
            println!("{USAGE}");
            0
        }
        other => {
            eprintln!("error: `{other:?}` is not available in this build yet");
            2
        }
    }
}

/// Reads FILE, or standard input for `-`.
pub fn read_source(file: &str) -> Result<String, u8> {
    let res = if file == "-" {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s).map(|_| s)
    } else {
        std::fs::read_to_string(file)
    };
    res.map_err(|e| {
        eprintln!("error: cannot read {file}: {e}");
        2
    })
}

fn check(file: &str, format: Format) -> u8 {
    let src = match read_source(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let a = analyze(&src);
    match format {
        Format::Text => print!("{}", render::diagnostics_text(&a.diagnostics, Some(&src), file)),
        Format::Json => println!("{}", render::diagnostics_json(&a.diagnostics)),
    }
    u8::from(diag::has_errors(&a.diagnostics))
}

fn explain(code: &str) -> u8 {
    match Code::ALL.iter().find(|c| c.as_str().eq_ignore_ascii_case(code)) {
        Some(c) => {
            println!("{} ({}): {}", c.as_str(), c.severity().as_str(), c.title());
            0
        }
        None => {
            eprintln!("error: no diagnostic code `{code}`");
            2
        }
    }
}
