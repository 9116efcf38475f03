//! Running commands with their output shown, and the repository root.

use std::path::PathBuf;
use std::process::Command;

pub type Result<T = ()> = std::result::Result<T, String>;

pub fn root() -> PathBuf {
    // xtask lives in <root>/xtask.
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    dir.parent().map(PathBuf::from).unwrap_or(dir)
}

/// Runs `prog args…` in the repository root; Err when it fails.
pub fn run(prog: &str, args: &[&str]) -> Result {
    run_env(prog, args, &[])
}

pub fn run_env(prog: &str, args: &[&str], env: &[(&str, &str)]) -> Result {
    eprintln!("$ {prog} {}", args.join(" "));
    let status = Command::new(prog)
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root())
        .status()
        .map_err(|e| format!("cannot start {prog}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{prog} {}` failed ({status})", args.join(" ")))
    }
}

/// Stdout of a command, or None when it cannot run or fails.
pub fn output(prog: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(prog).args(args).current_dir(root()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

pub fn have(prog: &str) -> bool {
    Command::new("sh").args(["-c", &format!("command -v {prog} >/dev/null 2>&1")]).status().is_ok_and(|s| s.success())
}

/// Size of `bytes` gzipped at level 9, as a static server would send them.
pub fn gzip_len(bytes: &[u8]) -> Result<usize> {
    use std::io::Write;
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    e.write_all(bytes).map_err(|e| e.to_string())?;
    Ok(e.finish().map_err(|e| e.to_string())?.len())
}
