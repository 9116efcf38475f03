//! `meshplan share FILE [--base URL]` prints a link that carries the whole
//! topology (and the file's comments, when they may travel: `share::encode_text`);
//! `meshplan open LINK [-o FILE]` turns such a link back into YAML — the file as
//! written when the link carries it — and checks it like any topology.

use meshplan_core::{analyze, diag, parse, share, write};

use crate::input::read_source;
use crate::render;

/// Prints the share link of FILE. Refuses (exit 1) a file that does not parse
/// cleanly: a field the parser had to drop would silently vanish from the link.
pub fn share(file: &str, base: &str) -> u8 {
    let src = match read_source(file) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let parsed = parse(&src);
    let t = match parsed.topology {
        Some(t) if !diag::has_errors(&parsed.diagnostics) => t,
        _ => {
            eprint!("{}", render::diagnostics_text(&parsed.diagnostics, Some(&src), file));
            eprintln!("error: {file} cannot be read as a topology: no link made");
            return 1;
        }
    };
    let made = share::encode_text(&src, &t);
    println!("{}", share::link_with(base, &made.fragment));
    if let Some(said) = made.comments.sentence() {
        eprintln!("note: {said}");
    }
    // A design with errors still travels (to be fixed together); say so.
    let errors = analyze(&src).diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 {
        eprintln!("note: {file} has {errors} error(s); `meshplan check {file}` lists them");
    }
    0
}

/// Prints (or writes to `out`) the topology of LINK as YAML, then its diagnostics
/// on stderr: exit 1 for a link that cannot be opened or a design with errors.
pub fn open(link: &str, out: Option<&str>) -> u8 {
    let link = if link == "-" {
        match read_source("-") {
            Ok(s) => s,
            Err(code) => return code,
        }
    } else {
        link.to_string()
    };
    let yaml = match share::open(&link) {
        Ok(share::Opened { text: Some(text), .. }) => text,
        Ok(share::Opened { topology, text: None }) => write(&topology),
        Err(e) => {
            eprintln!("error: {e}");
            return 1;
        }
    };
    let shown = match out {
        Some(path) => {
            if let Err(e) = std::fs::write(path, &yaml) {
                eprintln!("error: cannot write {path}: {e}");
                return 2;
            }
            println!("wrote {path}");
            path
        }
        None => {
            print!("{yaml}");
            "<link>"
        }
    };
    let a = analyze(&yaml);
    if !a.diagnostics.is_empty() {
        eprint!("{}", render::diagnostics_text(&a.diagnostics, Some(&yaml), shown));
    }
    u8::from(diag::has_errors(&a.diagnostics))
}
