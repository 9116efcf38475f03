//! The bundle checked by the real tools, not imitations: `bash -n` and `shellcheck`
//! on every script (and `dash -n` on the POSIX sh ones), the upstream CRD schemas on every manifest under `cluster/`,
//! `ansible-playbook --syntax-check`, BIRD's parser on every `bird.conf`, FRR's
//! (vtysh and bgpd) on every `frr.conf`, and `nft -c` on every nftables ruleset a
//! script writes (Kilo's drop-by-default firewalls), exactly as the script writes it. Inputs: every example, every data case
//! without errors, and each of them again in airgap mode, and the examples' airgap
//! variants at the pinned versions (`tests/data/airgap/`). A missing tool fails the
//! test with the way to install it: nothing is skipped silently.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use meshplan_core::{bundle, diag, parse, render::File, Topology};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Entries of a fixture directory, sorted; a missing or unreadable one fails the test.
fn entries(dir: &Path) -> Vec<PathBuf> {
    let rd = fs::read_dir(dir).unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()));
    let mut v: Vec<PathBuf> =
        rd.map(|e| e.unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display())).path()).collect();
    v.sort();
    v
}

/// (case name, topology) for every input that exports. Every example must export;
/// a check case is taken when it has no errors (most exist to show one).
fn inputs() -> Vec<(String, Topology)> {
    let mut srcs: Vec<(String, PathBuf, bool)> = Vec::new();
    for p in entries(&root().join("examples")) {
        if p.extension().is_some_and(|x| x == "yaml") {
            let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            srcs.push((format!("examples/{stem}"), p, true));
        }
    }
    // The airgap variants of the examples at the pinned versions (the offline kit's tests).
    for p in entries(&root().join("tests/data/airgap")) {
        if p.extension().is_some_and(|x| x == "yaml") {
            let stem = p.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            srcs.push((format!("airgap/{stem}"), p, true));
        }
    }
    for dir in entries(&root().join("tests/data/check")) {
        let p = dir.join("topology.yaml");
        assert!(p.exists(), "{} has no topology.yaml", dir.display());
        let case = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        srcs.push((format!("check/{case}"), p, false));
    }
    let mut out = Vec::new();
    for (name, path, must_export) in srcs {
        let src = fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let a = meshplan_core::analyze_with_failures(&src);
        let errors = diag::has_errors(&a.diagnostics);
        assert!(!(must_export && errors), "{name} has errors: {:#?}", a.diagnostics);
        let t = match parse(&src).topology {
            Some(t) if !errors => t,
            _ => continue,
        };
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
    nft: usize,
}

/// The here-documents a script writes that are nftables rulesets (a body with a
/// `table` statement), each expanded by bash as the script expands it, with
/// `SSH_PORT=22`: what `nft -f` would read on the node.
fn nft_rulesets(bash: &str, script: &str) -> Vec<Result<String, String>> {
    let mut out = Vec::new();
    let mut lines = script.lines();
    while let Some(line) = lines.next() {
        let Some(word) = line.split("<<").nth(1).map(str::trim) else { continue };
        if word.is_empty() || word.starts_with(['"', '\'', '-']) {
            // A quoted delimiter is not expanded; `<<-` strips tabs. Neither is
            // what the renderers write for rulesets, so such a body is read as is.
            if !word.is_empty() {
                let w = word.trim_start_matches('-').trim_matches(['"', '\'']);
                let body: Vec<&str> = lines.by_ref().take_while(|l| l.trim() != w).collect();
                if body.iter().any(|l| l.starts_with("table ")) {
                    out.push(Ok(body.join("\n") + "\n"));
                }
            }
            continue;
        }
        let body: Vec<&str> = lines.by_ref().take_while(|l| *l != word).collect();
        if !body.iter().any(|l| l.starts_with("table ")) {
            continue;
        }
        // bash expands the body as the script would: `cat <<WORD` in a clean shell.
        let program = format!("cat <<{word}\n{}\n{word}\n", body.join("\n"));
        out.push(match Command::new(bash).arg("-c").arg(&program).env_clear().env("SSH_PORT", "22").output() {
            Ok(o) if o.status.success() => Ok(String::from_utf8_lossy(&o.stdout).into_owned()),
            Ok(o) => Err(String::from_utf8_lossy(&o.stderr).into_owned()),
            Err(e) => Err(e.to_string()),
        });
    }
    out
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
    let nft = tool("nft", "apt-get install nftables (its parser checks the Kilo firewall rulesets)");
    let unshare = tool("unshare", "apt-get install util-linux");
    let bgpd = "/usr/lib/frr/bgpd";
    assert!(Path::new(bgpd).exists(), "{bgpd} is missing: apt-get install frr");
    let validator = root().join("tests/schemas/validate.py");
    assert!(validator.exists(), "{} is missing: the repository carries it", validator.display());

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
        let firewalls = files.iter().filter(|f| f.path.ends_with("/firewall.sh")).count();
        let mut rulesets = 0;
        for f in files.iter().filter(|f| f.path.ends_with(".sh")) {
            for (i, r) in nft_rulesets(&bash, &f.contents).into_iter().enumerate() {
                rulesets += 1;
                let what = format!("{name}/{}: ruleset {}", f.path, i + 1);
                let text = match r {
                    Ok(t) => t,
                    Err(e) => {
                        failures.push(format!("{what}: bash cannot expand it: {e}"));
                        continue;
                    }
                };
                let p = dir.join(format!("{}.{}.nft", f.path, i + 1));
                fs::write(&p, text).unwrap_or_else(|e| panic!("cannot write {}: {e}", p.display()));
                // `nft -c` parses and checks against the kernel without changing it; a
                // new user and network namespace gives it netlink without touching the host.
                run(
                    &mut failures,
                    &format!("{what}: nft -c"),
                    Command::new(&unshare).args(["-rn", &nft, "-c", "-f"]).arg(&p),
                    &[],
                );
            }
        }
        // Every firewall script ships a ruleset: finding none means this test no
        // longer sees it, not that there is nothing to check.
        if rulesets < firewalls {
            failures
                .push(format!("{name}: {firewalls} firewall.sh but only {rulesets} nftables ruleset(s) found in them"));
        }
        n.nft += rulesets;
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
        "real tools: {} bundles; {} scripts (bash -n, shellcheck), {} manifests (validate.py), {} playbooks (ansible), {} bird.conf, {} frr.conf, {} nftables rulesets (nft -c)",
        cases.len(),
        n.scripts,
        n.manifests,
        n.playbooks,
        n.bird,
        n.frr,
        n.nft
    );
    assert!(failures.is_empty(), "{} check(s) failed:\n\n{}", failures.len(), failures.join("\n\n"));
}
