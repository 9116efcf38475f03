//! `meshplan`: a thin shell over `meshplan-core`. It reads files, prints what the
//! core returns and sets the exit code: 0 fine, 1 the design has errors, 2 the
//! command line or a file could not be used.

mod args;
mod cmd;
mod input;
mod lab;
mod render;

use std::process::ExitCode;

fn main() -> ExitCode {
    restore_sigpipe();
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let code = match args::parse(&argv) {
        Ok(cmd) => cmd::run(cmd),
        Err(msg) => {
            eprintln!("error: {msg}\n\n{}", args::USAGE);
            2
        }
    };
    ExitCode::from(code)
}

/// Rust ignores SIGPIPE, so printing into a closed pipe (`meshplan plan F | head`)
/// would panic; a command-line tool should end quietly as C tools do.
#[cfg(unix)]
fn restore_sigpipe() {
    // SAFETY: setting a signal's disposition to SIG_DFL before any thread starts
    // touches no Rust state.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
}

#[cfg(not(unix))]
fn restore_sigpipe() {}
