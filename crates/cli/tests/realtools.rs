//! The bundle checked by the real tools, not imitations: `bash -n` and `shellcheck`
//! on every script (and `dash -n` on the POSIX sh ones), the upstream CRD schemas on every manifest under `cluster/`,
//! `ansible-playbook --syntax-check`, BIRD's parser on every `bird.conf` and FRR's
//! (vtysh and bgpd) on every `frr.conf`. Inputs: every example, every data case
//! without errors, and each of them again in airgap mode. A missing tool fails the
//! test with the way to install it: nothing is skipped silently.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use meshplan_core::{bundle, diag, parse, render::File, Topology};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// (case name, topology) for every input that exports.
fn inputs() -> Vec<(String, Topology)> {
    let mut srcs: Vec<(String, PathBuf)> = Vec::new();
    for e in fs::read_dir(root().join("examples")).into_iter().flatten().flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "yaml") {
            srcs.push((
                format!("examples/{}", p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()),
                p,
            ));
        }
    }
    for e in fs::read_dir(root().join("tests/data/check")).into_iter().flatten().flatten() {
        let p = e.path().join("topology.yaml");
        if p.exists() {
            srcs.push((format!("check/{}", e.file_name().to_string_lossy()), p));
        }
    }
    srcs.sort();
    let mut out = Vec::new();
    for (name, path) in srcs {
        let src = fs::read_to_string(&path).unwrap_or_default();
        let a = meshplan_core::analyze(&src);
        if diag::has_errors(&a.diagnostics) {
            continue;
        }
        let Some(t) = parse(&src).topology else { continue };
        if !t.cluster.airgap {
            let mut air = t.clone();
            air.cluster.airgap = true;
            out.push((format!("{name}+airgap"), air));
        }
        out.push((name, t));
    }
    out
}

fn tool(cmd: &str, hint: &str) -> String {
    let found =
        Command::new("sh").arg("-c").arg(format!("command -v {cmd}")).output().is_ok_and(|o| o.status.success());
    assert!(found, "`{cmd}` is missing: {hint}");
    cmd.to_string()
}

fn write(dir: &Path, files: &[File]) {
    for f in files {
        let p = dir.join(&f.path);
        if let Some(parent) = p.parent() {
            fs::create_dir_all(parent).unwrap_or_else(|e| panic!("cannot create {}: {e}", parent.display()));
        }
        fs::write(&p, &f.contents).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
        let mode = if f.executable { 0o755 } else { 0o644 };
        fs::set_permissions(&p, fs::Permissions::from_mode(mode))
            .unwrap_or_else(|e| panic!("cannot chmod {}: {e}", p.display()));
    }
}

/// Runs a command; a failure (or, with `bad_stderr`, such a line in its output) is recorded.
fn run(failures: &mut Vec<String>, what: &str, cmd: &mut Command, bad_output: &[&str]) {
    match cmd.output() {
        Err(e) => failures.push(format!("{what}: cannot run: {e}")),
        Ok(o) => {
            let text = format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr));
            let bad = text.lines().find(|l| bad_output.iter().any(|b| l.contains(b)));
            if !o.status.success() || bad.is_some() {
                failures.push(format!("{what}: exit {:?}\n{}", o.status.code(), text.trim_end()));
            }
        }
    }
}

#[derive(Default)]
struct Counts {
    scripts: usize,
    manifests: usize,
    playbooks: usize,
    bird: usize,
    frr: usize,
}

#[test]
fn every_bundle_passes_the_real_tools() {
    let bash = tool("bash", "it comes with the system");
    let dash = tool("dash", "apt-get install dash");
    let shellcheck = tool("shellcheck", "apt-get install shellcheck (cargo xtask test installs it)");
    let python = tool("python3", "apt-get install python3 python3-jsonschema python3-yaml");
    let ansible = tool("ansible-playbook", "python3 -m pip install ansible-core (cargo xtask test installs it)");
    let bird = tool("bird", "apt-get install bird2");
    let vtysh = tool("vtysh", "apt-get install frr");
    let bgpd = "/usr/lib/frr/bgpd";
    assert!(Path::new(bgpd).exists(), "{bgpd} is missing: apt-get install frr");
    let validator = root().join("../shared/schemas/validate.py");
    assert!(validator.exists(), "{} is missing: CI runs with shared/ beside the repository", validator.display());

    let base = std::env::temp_dir().join(format!("meshplan-realtools-{}", std::process::id()));
    let _ = fs::remove_dir_all(&base);
    let mut failures: Vec<String> = Vec::new();
    let mut n = Counts::default();
    let cases = inputs();
    assert!(cases.len() >= 8, "too few inputs: {}", cases.len());
    for (name, t) in &cases {
        let files = match bundle::files(t) {
            Ok(f) => f,
            Err(errors) => {
                failures.push(format!("{name}: export refused: {errors:?}"));
                continue;
            }
        };
        let dir = base.join(name.replace('/', "_"));
        write(&dir, &files);
        let paths = |suffix: &str| -> Vec<&File> { files.iter().filter(|f| f.path.ends_with(suffix)).collect() };

        for f in paths(".sh") {
            n.scripts += 1;
            let what = format!("{name}/{}", f.path);
            run(&mut failures, &format!("{what}: bash -n"), Command::new(&bash).arg("-n").arg(dir.join(&f.path)), &[]);
            // POSIX sh scripts (the routers', for FreeBSD and Alpine too) also through dash.
            if f.contents.starts_with("#!/bin/sh\n") {
                run(
                    &mut failures,
                    &format!("{what}: dash -n"),
                    Command::new(&dash).arg("-n").arg(dir.join(&f.path)),
                    &[],
                );
            }
            run(&mut failures, &format!("{what}: shellcheck"), Command::new(&shellcheck).arg(dir.join(&f.path)), &[]);
        }
        let manifests: Vec<&File> =
            files.iter().filter(|f| f.path.starts_with("cluster/") && f.path.ends_with(".yaml")).collect();
        if !manifests.is_empty() {
            n.manifests += manifests.len();
            run(
                &mut failures,
                &format!("{name}/cluster: validate.py"),
                Command::new(&python).arg(&validator).arg(dir.join("cluster")),
                &[],
            );
        }
        if files.iter().any(|f| f.path == "ansible/site.yml") {
            n.playbooks += 1;
            run(
                &mut failures,
                &format!("{name}/ansible: ansible-playbook --syntax-check"),
                Command::new(&ansible)
                    .args(["--syntax-check", "-i", "inventory.yml", "site.yml"])
                    .current_dir(dir.join("ansible"))
                    .env("ANSIBLE_LOCAL_TEMP", base.join("ansible-tmp"))
                    .env("ANSIBLE_REMOTE_TEMP", base.join("ansible-tmp")),
                &["[WARNING]: Could not match supplied host pattern", "ERROR"],
            );
        }
        for f in paths("/bird.conf") {
            n.bird += 1;
            run(
                &mut failures,
                &format!("{name}/{}: bird -p -c", f.path),
                Command::new(&bird).arg("-p").arg("-c").arg(dir.join(&f.path)),
                &[],
            );
        }
        for f in paths("/frr.conf") {
            n.frr += 1;
            let p = dir.join(&f.path);
            run(
                &mut failures,
                &format!("{name}/{}: vtysh -C -f", f.path),
                Command::new(&vtysh).arg("-C").arg("-f").arg(&p),
                &["Unknown command", "% "],
            );
            run(
                &mut failures,
                &format!("{name}/{}: bgpd -C -f", f.path),
                Command::new(bgpd).arg("-C").arg("-f").arg(&p),
                &["Unknown command", "rror", "% "],
            );
        }
    }
    let _ = fs::remove_dir_all(&base);
    eprintln!(
        "real tools: {} bundles; {} scripts (bash -n, shellcheck), {} manifests (validate.py), {} playbooks (ansible), {} bird.conf, {} frr.conf",
        cases.len(),
        n.scripts,
        n.manifests,
        n.playbooks,
        n.bird,
        n.frr
    );
    assert!(failures.is_empty(), "{} check(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}
