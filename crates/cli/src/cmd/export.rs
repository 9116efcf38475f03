//! `meshplan export FILE -o OUT.zip`: writes the deploy bundle, or lists the
//! errors that block it (exit 1).

use meshplan_core::bundle;

use crate::args::Format;
use crate::input::load;
use crate::render;

pub fn export(file: &str, out: &str) -> u8 {
    let (src, t, diags) = match load(file, Format::Text) {
        Ok(x) => x,
        Err(code) => return code,
    };
    if meshplan_core::diag::has_errors(&diags) {
        // The loaded diagnostics carry places in the file; show those.
        eprint!("{}", render::diagnostics_text(&diags, Some(&src), file));
        eprintln!("error: {file} has errors: no bundle written");
        return 1;
    }
    let bytes = match bundle::export(&t) {
        Ok(b) => b,
        Err(errors) => {
            eprint!("{}", render::diagnostics_text(&errors, Some(&src), file));
            eprintln!("error: {file} has errors: no bundle written");
            return 1;
        }
    };
    if let Err(e) = std::fs::write(out, &bytes) {
        eprintln!("error: cannot write {out}: {e}");
        return 2;
    }
    println!("wrote {out} ({} bytes, folder {}/)", bytes.len(), t.name);
    0
}
