//! Running commands: plain, or inside a lab namespace; the tools the lab needs;
//! and the Ctrl+C flag every wait looks at.

use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);

/// Installs the Ctrl+C / SIGTERM handler once; it only raises a flag.
pub fn catch_signals() {
    let _ = ctrlc::set_handler(|| INTERRUPTED.store(true, Ordering::SeqCst));
}

pub fn interrupted() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// Sleeps, unless Ctrl+C came.
pub fn sleep(d: Duration) -> Result<(), String> {
    let end = Instant::now() + d;
    while Instant::now() < end {
        if interrupted() {
            return Err("interrupted (Ctrl+C)".into());
        }
        std::thread::sleep(Duration::from_millis(50).min(end.saturating_duration_since(Instant::now())));
    }
    if interrupted() {
        return Err("interrupted (Ctrl+C)".into());
    }
    Ok(())
}

#[derive(Debug, Clone)]
pub struct Out {
    pub ok: bool,
    pub stdout: String,
    pub stderr: String,
}

impl Out {
    pub fn text(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
    }
}

/// Runs a command to its end; `Err` only when it cannot be started.
pub fn run(cmd: &str, args: &[&str]) -> Result<Out, String> {
    let o =
        Command::new(cmd).args(args).stdin(Stdio::null()).output().map_err(|e| format!("cannot run `{cmd}`: {e}"))?;
    Ok(Out {
        ok: o.status.success(),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    })
}

/// Runs a command that must succeed; its error output becomes the error.
pub fn must(cmd: &str, args: &[&str]) -> Result<String, String> {
    let o = run(cmd, args)?;
    if o.ok {
        Ok(o.stdout)
    } else {
        Err(format!("`{cmd} {}` failed: {}", args.join(" "), o.text().trim()))
    }
}

/// Runs a command inside namespace `ns`.
pub fn ns(ns: &str, cmd: &str, args: &[&str]) -> Result<Out, String> {
    let mut all = vec!["netns", "exec", ns, cmd];
    all.extend_from_slice(args);
    run("ip", &all)
}

pub fn ns_must(nsname: &str, cmd: &str, args: &[&str]) -> Result<String, String> {
    let o = ns(nsname, cmd, args)?;
    if o.ok {
        Ok(o.stdout)
    } else {
        Err(format!("`{cmd} {}` in {nsname} failed: {}", args.join(" "), o.text().trim()))
    }
}

/// Whether a command is on PATH (or, for an absolute path, exists).
pub fn have(cmd: &str) -> bool {
    if cmd.starts_with('/') {
        return Path::new(cmd).exists();
    }
    std::env::var_os("PATH").is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(cmd).is_file()))
}

pub fn is_root() -> bool {
    run("id", &["-u"]).is_ok_and(|o| o.stdout.trim() == "0")
}
