//! Reading a topology from a file or standard input, for every command (`cmd`)
//! and the lab alike.

use std::io::Read;

use meshplan_core::{analyze, Diagnostic, Topology};

use crate::args::Format;
use crate::render;

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

/// Reads and parses FILE; on parse errors prints them and gives the exit code.
/// Returns the source, the topology and every diagnostic (spans filled in).
pub fn load(file: &str, format: Format) -> Result<(String, Topology, Vec<Diagnostic>), u8> {
    let src = read_source(file)?;
    let a = analyze(&src);
    match a.topology {
        Some(t) => Ok((src, t, a.diagnostics)),
        None => {
            match format {
                Format::Text => eprint!("{}", render::diagnostics_text(&a.diagnostics, Some(&src), file)),
                Format::Json => println!("{}", render::diagnostics_json(&a.diagnostics)),
            }
            Err(1)
        }
    }
}
