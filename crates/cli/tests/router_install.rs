//! The routers' install scripts run for real, against a fake root (`--root`)
//! that holds an operator's existing config (`tests/data/routers/`), with the
//! commands that would touch the machine (`birdc`, `systemctl`, `sysctl`,
//! `sysrc`, `service`, `pkg`, `vtysh`'s live side, `hostname`) replaced by test
//! doubles that record how they were called. BIRD's and FRR's parsers are the
//! real ones: the merged config must pass `bird -p -c` / `vtysh -C`.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use meshplan_core::{bundle, parse};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn tool(cmd: &str) {
    let found =
        Command::new("sh").arg("-c").arg(format!("command -v {cmd}")).output().is_ok_and(|o| o.status.success());
    assert!(found, "`{cmd}` is missing: apt-get install bird2 frr dash (cargo xtask test installs them)");
}

/// A scratch folder: the bundle's files of one router, a fake root and a folder
/// of test doubles.
struct Rig {
    dir: PathBuf,
    script: PathBuf,
}

impl Rig {
    fn new(name: &str, example: &str, router: &str) -> Rig {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("router-install-{name}"));
        let _ = fs::remove_dir_all(&dir);
        let src = fs::read_to_string(root().join("examples").join(example)).unwrap_or_default();
        let t = parse(&src).topology.unwrap_or_else(|| panic!("{example} does not parse"));
        let files = bundle::files(&t).unwrap_or_else(|e| panic!("{example} does not export: {e:?}"));
        let prefix = format!("routers/{router}/");
        for f in files.iter().filter(|f| f.path.starts_with(&prefix)) {
            let p = dir.join("bundle").join(&f.path[prefix.len()..]);
            write(&p, &f.contents, f.executable);
        }
        for d in ["root", "bin", "calls"] {
            fs::create_dir_all(dir.join(d)).unwrap_or_else(|e| panic!("{e}"));
        }
        let script = dir.join("bundle/install.sh");
        Rig { dir, script }
    }

    fn root(&self) -> PathBuf {
        self.dir.join("root")
    }

    /// A test double `name` in the doubles' folder: records its arguments, then
    /// runs `body` (sh).
    fn double(&self, name: &str, body: &str) {
        let calls = self.dir.join("calls/log");
        let text = format!("#!/bin/sh\nprintf '%s %s\\n' {name} \"$*\" >> '{}'\n{body}\n", calls.display());
        write(&self.dir.join("bin").join(name), &text, true);
    }

    fn calls(&self) -> String {
        fs::read_to_string(self.dir.join("calls/log")).unwrap_or_default()
    }

    /// The system's commands on PATH limited to those a POSIX script needs, so
    /// that the machine's own BIRD/FRR are not found.
    fn isolate_path(&self) {
        let tools = self.dir.join("tools");
        fs::create_dir_all(&tools).unwrap_or_else(|e| panic!("{e}"));
        for t in [
            "sh", "cat", "grep", "sed", "awk", "tr", "mktemp", "cmp", "diff", "dirname", "basename", "head", "id",
            "mkdir", "cp", "mv", "rm", "sleep", "install", "chown", "find",
        ] {
            let found = Command::new("sh").arg("-c").arg(format!("command -v {t}")).output();
            let Some(p) = found.ok().map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()) else { continue };
            if !p.is_empty() {
                let _ = std::os::unix::fs::symlink(p, tools.join(t));
            }
        }
    }

    fn clear_calls(&self) {
        let _ = fs::remove_file(self.dir.join("calls/log"));
    }

    /// Runs the script with `sh` (dash here: what POSIX sh guarantees), the
    /// doubles first on PATH.
    fn run(&self, args: &[&str]) -> Output {
        let system = if self.dir.join("tools").exists() {
            self.dir.join("tools").display().to_string()
        } else {
            std::env::var("PATH").unwrap_or_default()
        };
        let path = format!("{}:{system}", self.dir.join("bin").display());
        let dash = Command::new("sh").arg("-c").arg("command -v dash").output();
        let dash = dash.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
        Command::new(dash)
            .arg(&self.script)
            .arg("--root")
            .arg(self.root())
            .args(args)
            .env("PATH", path)
            .env_remove("MESHPLAN_ROOT")
            .env_remove("MESHPLAN_SOCKET")
            .output()
            .unwrap_or_else(|e| panic!("dash cannot run: {e}"))
    }
}

fn write(p: &Path, text: &str, exec: bool) {
    if let Some(d) = p.parent() {
        fs::create_dir_all(d).unwrap_or_else(|e| panic!("{}: {e}", d.display()));
    }
    fs::write(p, text).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let mode = if exec { 0o755 } else { 0o644 };
    fs::set_permissions(p, fs::Permissions::from_mode(mode)).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
}

fn out(o: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&o.stderr))
}

fn copy_tree(from: &Path, to: &Path) {
    for e in fs::read_dir(from).unwrap_or_else(|e| panic!("{}: {e}", from.display())).flatten() {
        let p = e.path();
        let q = to.join(e.file_name());
        if p.is_dir() {
            copy_tree(&p, &q);
        } else {
            write(&q, &fs::read_to_string(&p).unwrap_or_default(), false);
        }
    }
}

/// The Calico example's gateway (Debian, BIRD) already runs the operator's BIRD
/// with OSPF: the script checks, merges one include line, reconfigures, and a
/// second run changes nothing.
fn bird_rig(name: &str) -> Rig {
    tool("bird");
    tool("dash");
    let rig = Rig::new(name, "calico-wds-hkg.yaml", "gateway");
    copy_tree(&root().join("tests/data/routers/bird-ospf"), &rig.root().join("etc/bird"));
    rig.double("hostname", "echo gateway");
    // A running BIRD that accepts its new config.
    rig.double(
        "birdc",
        "case \"$*\" in *configure*) echo 'Reading configuration from x'; echo Reconfigured ;; *) echo 'BIRD 2.0.12 ready.' ;; esac",
    );
    for d in ["systemctl", "sysctl", "apt-get"] {
        rig.double(d, "exit 0");
    }
    rig
}

#[test]
fn bird_joins_an_ospf_router_and_changes_nothing_the_second_time() {
    let rig = bird_rig("bird-merge");
    let main = rig.root().join("etc/bird/bird.conf");
    let before = fs::read_to_string(&main).unwrap_or_default();

    let o = rig.run(&["--check"]);
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("+include \"meshplan.conf\";"), "--check shows the include line:\n{text}");
    assert!(text.contains("+protocol bgp mp_clients_kubemaster_v4 from mp_clients_v4 {"), "{text}");
    assert_eq!(fs::read_to_string(&main).unwrap_or_default(), before, "--check changed the config");
    assert!(!rig.root().join("etc/bird/meshplan.conf").exists(), "--check placed the part");
    assert!(!rig.calls().contains("configure"), "--check reconfigured BIRD:\n{}", rig.calls());
    let leftovers: Vec<_> = fs::read_dir(rig.root().join("etc/bird"))
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(".meshplan"))
        .collect();
    assert!(leftovers.is_empty(), "--check left staged files: {leftovers:?}");

    let o = rig.run(&[]);
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    let after = fs::read_to_string(&main).unwrap_or_default();
    assert!(after.starts_with(&before), "the operator's config is kept as it was:\n{after}");
    assert_eq!(after[before.len()..].matches("include \"meshplan.conf\";").count(), 1, "{after}");
    assert!(rig.calls().contains("birdc configure"), "{}", rig.calls());
    assert!(rig.calls().contains("sysctl -p"), "{}", rig.calls());
    // The whole merged config, through BIRD's own parser.
    let parsed = Command::new("bird").arg("-p").arg("-c").arg(&main).output().unwrap_or_else(|e| panic!("{e}"));
    assert!(parsed.status.success(), "{}", out(&parsed));
    assert!(fs::read_to_string(rig.root().join("etc/bird/bird.conf.before-meshplan")).is_ok_and(|b| b == before));

    rig.clear_calls();
    let o = rig.run(&[]);
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("nothing to change"), "{text}");
    assert_eq!(fs::read_to_string(&main).unwrap_or_default(), after, "the second run changed the config");
    assert!(!rig.calls().contains("configure"), "the second run reconfigured BIRD:\n{}", rig.calls());
    let o = rig.run(&["--check"]);
    assert!(out(&o).contains("nothing to change"), "{}", out(&o));
}

#[test]
fn bird_clashes_are_named_and_nothing_changes() {
    for (case, extra, named) in [
        ("bird-clash-name", "filter mp_v4 { accept; }\n", "the name mp_v4 is already used in"),
        (
            "bird-clash-peer",
            "protocol bgp old_master from clients_v4 {\n  neighbor 192.168.100.251 as K3S_AS;\n}\n",
            "a BGP session with 192.168.100.251 is already configured in",
        ),
        ("bird-clash-id", "", "says router id 10.9.9.9, the plan says 192.168.100.1"),
    ] {
        let rig = bird_rig(case);
        let main = rig.root().join("etc/bird/bird.conf");
        let mut conf = fs::read_to_string(&main).unwrap_or_default();
        if extra.is_empty() {
            conf = conf.replace("router id 192.168.100.1;", "router id 10.9.9.9;");
            write(&main, &conf, false);
        } else {
            write(&rig.root().join("etc/bird/ibgpeers/more.conf"), extra, false);
        }
        for args in [&["--check"][..], &[]] {
            let o = rig.run(args);
            let text = out(&o);
            assert_eq!(o.status.code(), Some(1), "{case} {args:?}: {text}");
            assert!(text.contains(named), "{case}: the clash is not named:\n{text}");
        }
        assert_eq!(fs::read_to_string(&main).unwrap_or_default(), conf, "{case}: changed");
        assert!(!rig.root().join("etc/bird/meshplan.conf").exists(), "{case}: the part was placed");
        assert!(!rig.calls().contains("configure"), "{case}: {}", rig.calls());
    }
}

#[test]
fn bird_restores_the_previous_config_when_birdc_configure_fails() {
    let rig = bird_rig("bird-restore");
    rig.double("birdc", "case \"$*\" in *configure*) echo 'bird.conf:3:1 syntax error'; exit 0 ;; *) exit 0 ;; esac");
    let main = rig.root().join("etc/bird/bird.conf");
    let before = fs::read_to_string(&main).unwrap_or_default();
    let o = rig.run(&[]);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("previous config is back"), "{text}");
    assert_eq!(fs::read_to_string(&main).unwrap_or_default(), before);
    assert!(!rig.root().join("etc/bird/meshplan.conf").exists());
}

/// The FreeBSD doubles: `sysrc`, `sysctl`, `service`, `pkg`, and a `vtysh` whose
/// live side answers from `frr-state/` (`-C` goes to the real parser).
fn freebsd_rig(name: &str, running_config: Option<&str>) -> Rig {
    tool("vtysh");
    tool("dash");
    let rig = Rig::new(name, "cilium-dualstack-frr.yaml", "freebsd");
    let state = rig.dir.join("frr-state");
    fs::create_dir_all(&state).unwrap_or_else(|e| panic!("{e}"));
    if let Some(conf) = running_config {
        write(&rig.root().join("usr/local/etc/frr/frr.conf"), conf, false);
        write(&state.join("running"), conf, false);
    }
    rig.double("hostname", "echo freebsd.home.arpa");
    rig.double("sysrc", "case \"$*\" in *-n*) exit 0 ;; esac");
    rig.double("sysctl", "case \"$*\" in -n*) echo 0 ;; esac");
    rig.double("pkg", "exit 0");
    let st = state.display();
    rig.double(
        "service",
        &format!(
            "case \"$*\" in *start*) cp '{}' '{st}/running' 2>/dev/null || echo '!' > '{st}/running' ;; esac",
            rig.root().join("usr/local/etc/frr/frr.conf").display()
        ),
    );
    rig.double(
        "vtysh",
        &format!(
            "if [ \"$1\" = -C ]; then exec /usr/bin/vtysh \"$@\"; fi\n\
             [ -f '{st}/running' ] || exit 1\n\
             case \"$*\" in\n\
               *'show running-config'*) echo 'Building configuration...'; echo; cat '{st}/running' ;;\n\
               *'-f '*) f=; prev=; for a; do [ \"$prev\" = -f ] && f=$a; prev=$a; done\n\
                 grep -v '^end$' '{st}/running' > '{st}/next'; cat \"$f\" >> '{st}/next'; mv '{st}/next' '{st}/running' ;;\n\
             esac"
        ),
    );
    rig
}

#[test]
fn freebsd_frr_merges_with_vtysh_through_rc_d_and_sysrc() {
    let operator = fs::read_to_string(root().join("tests/data/routers/frr-ospf/frr.conf")).unwrap_or_default();
    let rig = freebsd_rig("freebsd-merge", Some(&operator));
    let conf = rig.root().join("usr/local/etc/frr/frr.conf");

    let o = rig.run(&["--check"]);
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    assert!(text.contains("+ neighbor MP-EBGP-V4 peer-group"), "{text}");
    assert!(text.contains("would set gateway_enable=YES"), "{text}");
    let calls = rig.calls();
    assert!(!calls.contains("meshplan.conf") && !calls.contains("write memory"), "--check changed FRR:\n{calls}");
    assert!(!calls.lines().any(|l| l.starts_with("sysrc") && l.contains("=YES")), "--check ran sysrc:\n{calls}");

    rig.clear_calls();
    let o = rig.run(&[]);
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    let rc_conf = rig.root().join("etc/rc.conf");
    let calls = rig.calls();
    for want in [
        format!("sysrc -f {} gateway_enable=YES", rc_conf.display()),
        format!("sysrc -f {} ipv6_gateway_enable=YES", rc_conf.display()),
        "sysctl net.inet.ip.forwarding=1".to_string(),
        "sysctl net.inet6.ip6.forwarding=1".to_string(),
        "vtysh -C -f ".to_string(),
        format!(
            "vtysh --config_dir {} -f {}",
            rig.root().join("usr/local/etc/frr").display(),
            rig.dir.join("bundle/meshplan.conf").display()
        ),
        format!("vtysh --config_dir {} -c write memory", rig.root().join("usr/local/etc/frr").display()),
    ] {
        assert!(calls.contains(&want), "no `{want}` among the calls:\n{calls}");
    }
    for never in ["pkg ", "service ", "systemctl", "apt-get"] {
        assert!(!calls.lines().any(|l| l.starts_with(never)), "`{never}` was called:\n{calls}");
    }
    assert_eq!(fs::read_to_string(&conf).unwrap_or_default(), operator, "frr.conf was replaced");
    // What FRR runs now: the operator's OSPF and upstream session, and meshplan's part.
    let running = fs::read_to_string(rig.dir.join("frr-state/running")).unwrap_or_default();
    assert!(running.contains("router ospf") && running.contains("neighbor 10.99.0.2 remote-as 65099"), "{running}");
    let checked = Command::new("vtysh").arg("-C").arg("-f").arg(rig.dir.join("frr-state/running")).output();
    assert!(checked.as_ref().is_ok_and(|c| c.status.success()), "{checked:?}");

    rig.clear_calls();
    let o = rig.run(&[]);
    let text = out(&o);
    assert!(o.status.success() && text.contains("nothing to change"), "{text}");
    assert!(!rig.calls().contains("meshplan.conf"), "the second run applied again:\n{}", rig.calls());
}

#[test]
fn freebsd_without_frr_installs_frr10_and_starts_it_through_rc_d() {
    let rig = freebsd_rig("freebsd-fresh", None);
    rig.isolate_path();
    // `pkg install` brings vtysh: the double is moved in place by the pkg double.
    let bin = rig.dir.join("bin");
    fs::rename(bin.join("vtysh"), rig.dir.join("vtysh.pkg")).unwrap_or_else(|e| panic!("{e}"));
    rig.double(
        "pkg",
        &format!(
            "case \"$*\" in install*) mv '{}' '{}' ;; esac",
            rig.dir.join("vtysh.pkg").display(),
            bin.join("vtysh").display()
        ),
    );
    let o = rig.run(&[]);
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    let calls = rig.calls();
    let rc_conf = rig.root().join("etc/rc.conf");
    let order: Vec<usize> = [
        "pkg update".to_string(),
        "pkg install -y frr10".to_string(),
        format!("sysrc -f {} frr_enable=YES", rc_conf.display()),
        "service frr start".to_string(),
    ]
    .iter()
    .map(|w| calls.find(w.as_str()).unwrap_or_else(|| panic!("no `{w}` among the calls:\n{calls}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "index update, install, enable, start, in that order:\n{calls}");
    let placed = fs::read_to_string(rig.root().join("usr/local/etc/frr/frr.conf")).unwrap_or_default();
    assert_eq!(placed, fs::read_to_string(rig.dir.join("bundle/frr.conf")).unwrap_or_default());
}

#[test]
fn frr_with_another_as_is_refused_by_name() {
    let operator = fs::read_to_string(root().join("tests/data/routers/frr-ospf/frr.conf")).unwrap_or_default();
    let rig = freebsd_rig("freebsd-clash", Some(&operator.replace("router bgp 64513", "router bgp 65001")));
    let o = rig.run(&[]);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("router bgp 65001, the plan says 64513"), "{text}");
    assert!(!rig.calls().contains("meshplan.conf"), "{}", rig.calls());
}

/// The leased-line box of the Calico example runs two routers, each in its own
/// network namespace: each script gives its router a BIRD instance of its own
/// (config folder, control socket, unit instance) and neither touches the other's.
#[test]
fn two_routers_on_one_machine_get_an_instance_each() {
    tool("bird");
    tool("dash");
    let cn = Rig::new("netns-cn", "calico-wds-hkg.yaml", "cn-ns");
    let global = Rig::new("netns-global", "calico-wds-hkg.yaml", "global-ns");
    for rig in [&cn, &global] {
        rig.double("hostname", "echo iepl-box");
        // No BIRD runs yet in either namespace.
        rig.double("birdc", "case \"$*\" in *'show status'*) exit 1 ;; esac");
        rig.double("ip", "case \"$*\" in *'sysctl -n'*) echo 0 ;; esac");
        rig.double("systemctl", "exit 0");
    }
    // One machine: both scripts act on the same root.
    let shared = cn.root();
    let run = |rig: &Rig| {
        let dash = Command::new("sh").arg("-c").arg("command -v dash").output();
        let dash = dash.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
        let path = format!("{}:{}", rig.dir.join("bin").display(), std::env::var("PATH").unwrap_or_default());
        let o = Command::new(dash)
            .arg(&rig.script)
            .arg("--root")
            .arg(&shared)
            .env("PATH", path)
            .output()
            .unwrap_or_else(|e| panic!("{e}"));
        assert!(o.status.success(), "{}", out(&o));
    };
    run(&cn);
    run(&global);
    for (rig, ns) in [(&cn, "cn-ns"), (&global, "global-ns")] {
        let main = shared.join(format!("etc/bird/{ns}/bird.conf"));
        let parsed = Command::new("bird").arg("-p").arg("-c").arg(&main).output().unwrap_or_else(|e| panic!("{e}"));
        assert!(parsed.status.success(), "{ns}: {}", out(&parsed));
        let part = fs::read_to_string(shared.join(format!("etc/bird/{ns}/meshplan.conf"))).unwrap_or_default();
        assert_eq!(part, fs::read_to_string(rig.dir.join("bundle/meshplan.conf")).unwrap_or_default(), "{ns}");
        let calls = rig.calls();
        for want in [
            format!("systemctl enable --now meshplan-bird@{ns}"),
            format!("ip netns exec {ns} sysctl -w net.ipv4.ip_forward=1"),
            format!("birdc -s /run/bird-{ns}/bird.ctl show status"),
        ] {
            assert!(calls.contains(&want), "{ns}: no `{want}` among the calls:\n{calls}");
        }
    }
    assert!(!shared.join("etc/bird/bird.conf").exists(), "the machine's own BIRD config was written");
    let unit = fs::read_to_string(shared.join("etc/systemd/system/meshplan-bird@.service")).unwrap_or_default();
    for line in [
        "RuntimeDirectory=bird-%i",
        "netns exec %i ",
        " -f -c /etc/bird/%i/bird.conf -s /run/bird-%i/bird.ctl",
        "ExecReload=",
    ] {
        assert!(unit.contains(line), "the unit lacks `{line}`:\n{unit}");
    }
    // The unit template is written once, by the first script.
    assert!(cn.calls().contains("systemctl daemon-reload") && !global.calls().contains("systemctl daemon-reload"));
}

/// A Debian router without BIRD: the index is updated before `bird2` is
/// installed, the package's default config gives way to the bundle's complete
/// one (kept as `.before-meshplan`), and systemd enables and starts BIRD.
#[test]
fn debian_without_bird_installs_bird2_and_places_the_complete_config() {
    tool("bird");
    tool("dash");
    let rig = Rig::new("debian-fresh", "calico-wds-hkg.yaml", "gateway");
    rig.isolate_path();
    rig.double("hostname", "echo gateway");
    rig.double("sysctl", "exit 0");
    rig.double("systemctl", "exit 0");
    rig.double("birdc", "exit 1");
    // `apt-get install` brings `bird` (the real parser behind a double) and the
    // package's own default config.
    let bin = rig.dir.join("bin");
    let main = rig.root().join("etc/bird/bird.conf");
    rig.double(
        "apt-get",
        &format!(
            "case \"$*\" in *install*) printf '#!/bin/sh\\nexec /usr/sbin/bird \"$@\"\\n' > '{bird}'; chmod 0755 '{bird}'\n\
             mkdir -p '{dir}'; printf 'protocol device {{ }}\\n' > '{main}' ;; esac",
            bird = bin.join("bird").display(),
            dir = main.parent().map(|d| d.display().to_string()).unwrap_or_default(),
            main = main.display(),
        ),
    );
    let o = rig.run(&[]);
    let text = out(&o);
    assert!(o.status.success(), "{text}");
    let calls = rig.calls();
    let at = |w: &str| calls.find(w).unwrap_or_else(|| panic!("no `{w}` among the calls:\n{calls}"));
    assert!(at("apt-get update") < at("apt-get install -y bird2"), "{calls}");
    assert!(at("apt-get install -y bird2") < at("systemctl enable --now bird"), "{calls}");
    assert_eq!(
        fs::read_to_string(&main).unwrap_or_default(),
        fs::read_to_string(rig.dir.join("bundle/bird.conf")).unwrap_or_default()
    );
    assert!(rig.root().join("etc/bird/bird.conf.before-meshplan").exists(), "the package's default was not kept");
    let parsed = Command::new("bird").arg("-p").arg("-c").arg(&main).output().unwrap_or_else(|e| panic!("{e}"));
    assert!(parsed.status.success(), "{}", out(&parsed));
}

/// BIRD 1.x reads another config language: the script says so and changes nothing.
#[test]
fn bird_1_is_named_and_nothing_changes() {
    let rig = bird_rig("bird-1");
    rig.double("bird", "echo 'BIRD version 1.6.8' >&2");
    let main = rig.root().join("etc/bird/bird.conf");
    let before = fs::read_to_string(&main).unwrap_or_default();
    let o = rig.run(&[]);
    let text = out(&o);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(text.contains("BIRD 1.x (BIRD version 1.6.8)") && text.contains("package bird2"), "{text}");
    assert_eq!(fs::read_to_string(&main).unwrap_or_default(), before);
    assert!(!rig.root().join("etc/bird/meshplan.conf").exists());
}
