//! `meshplan lab fuzz`: differential testing of the plan against real BIRD and
//! FRR. Each random design (`design`) is planned and run in the lab by the
//! very command a person runs (`meshplan lab run`, as a child process, so a
//! crash or a Ctrl+C in one design tears its lab down like any other run); the
//! lab's expectations come from the plan, its observations from the daemons and
//! the kernel. A design whose lab says MISMATCH is a disagreement: it is kept,
//! and with `--minimise` cut down (`minimise`) to what still disagrees.
//! `--twice` runs every design again and reports a different outcome as a
//! finding of its own (a network whose result depends on timing, or a flaky lab).

pub mod design;
mod minimise;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use meshplan_core::{Code, Severity};

use super::exec;

/// What `meshplan lab fuzz` was asked for.
#[derive(Debug, Clone)]
pub struct Opts {
    pub seed: u64,
    pub count: usize,
    pub out: PathBuf,
    pub twice: bool,
    pub minimise: bool,
}

/// How one lab run of a design ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// The lab agrees with the plan (`reach`: every pod reached every other).
    Agrees { reach: bool },
    /// The lab disagrees: the MISMATCH lines of its table.
    Disagrees(Vec<String>),
    /// The lab could not run the design (exit 2), with why.
    Error(String),
}

impl Verdict {
    pub fn disagrees(&self) -> bool {
        matches!(self, Verdict::Disagrees(_))
    }
}

/// Codes the lab reproduces; a design with any other error is not run.
const REPRODUCIBLE: [Code; 4] = [Code::E070, Code::E071, Code::W073, Code::E100];

/// The errors that keep a design out of the lab (an incomplete design), if any.
pub fn refused(text: &str) -> Option<String> {
    let a = meshplan_core::analyze(text);
    let errs: Vec<String> = a
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error && !REPRODUCIBLE.contains(&d.code))
        .map(|d| format!("{} {}", d.code, d.path))
        .collect();
    (!errs.is_empty() || a.plan.is_none()).then(|| errs.join(", "))
}

/// Runs `meshplan lab run FILE`, waiting while another lab holds the machine,
/// and reads its verdict; the whole output goes to `log`.
pub fn lab_run(file: &Path, log: &Path) -> Verdict {
    let exe = match std::env::current_exe() {
        Ok(e) => e,
        Err(e) => return Verdict::Error(format!("cannot find meshplan itself: {e}")),
    };
    let file_s = file.to_string_lossy().into_owned();
    let waited_since = Instant::now();
    loop {
        let out = match std::process::Command::new(&exe).args(["lab", "run", &file_s]).output() {
            Ok(o) => o,
            Err(e) => return Verdict::Error(format!("cannot run {}: {e}", exe.display())),
        };
        let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        let _ = std::fs::write(log, &text);
        let code = out.status.code().unwrap_or(-1);
        if code == 2 && text.contains("a lab is already up") && waited_since.elapsed() < Duration::from_secs(900) {
            if exec::sleep(Duration::from_secs(5)).is_err() {
                return Verdict::Error("interrupted".into());
            }
            continue;
        }
        return verdict(code, &text);
    }
}

/// The verdict of a lab run from its exit code and its final table.
pub fn verdict(code: i32, text: &str) -> Verdict {
    match code {
        0 if text.contains("PASS: the lab matches the plan") => Verdict::Agrees { reach: true },
        1 if text.contains("exactly where the plan says") => Verdict::Agrees { reach: false },
        1 => {
            let table = text.rsplit("== lab `").next().unwrap_or(text);
            let lines: Vec<String> = table
                .lines()
                .filter(|l| {
                    l.contains("MISMATCH") || l.contains("not up:") || l.contains("FAIL") && l.contains("sessions")
                })
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .collect();
            Verdict::Disagrees(if lines.is_empty() {
                vec!["the lab failed without a MISMATCH line".into()]
            } else {
                lines
            })
        }
        _ => {
            let why = text.lines().rev().find(|l| l.starts_with("error:")).unwrap_or("the lab could not run");
            Verdict::Error(why.to_string())
        }
    }
}

/// The class of a disagreement, for the summary.
fn class(lines: &[String]) -> &'static str {
    let any = |w: &str| lines.iter().any(|l| l.contains(w));
    if any("not up:") || any("sessions") {
        "sessions"
    } else if any("forwarded to") {
        "forwarding next hop"
    } else if any("lacks") || any(" via ") || any("has ") || any("kernel table") {
        "route tables"
    } else if any("routing loop") {
        "forwarding loop"
    } else if any("blackhole") || any("dropped at") {
        "blackhole"
    } else {
        "pings"
    }
}

pub fn run(o: &Opts) -> u8 {
    exec::catch_signals();
    if !exec::is_root() {
        eprintln!("error: the lab needs root (network namespaces): run it with sudo");
        return 2;
    }
    if let Err(e) = std::fs::create_dir_all(&o.out) {
        eprintln!("error: cannot create {}: {e}", o.out.display());
        return 2;
    }
    println!(
        "meshplan lab fuzz: seeds {}..{} ({} designs), files in {}",
        o.seed,
        o.seed + o.count as u64,
        o.count,
        o.out.display()
    );
    let started = Instant::now();
    let (mut ran, mut agreed, mut refused_n, mut errors) = (0, 0, 0, 0);
    let mut findings: BTreeMap<&'static str, Vec<u64>> = BTreeMap::new();
    for seed in o.seed..o.seed + o.count as u64 {
        if exec::interrupted() {
            break;
        }
        let text = design::generate(seed);
        let file = o.out.join(format!("fuzz-{seed}.yaml"));
        if let Err(e) = std::fs::write(&file, &text) {
            eprintln!("error: cannot write {}: {e}", file.display());
            return 2;
        }
        if let Some(why) = refused(&text) {
            refused_n += 1;
            println!("seed {seed}: refused by check ({why}), not run");
            continue;
        }
        let t0 = Instant::now();
        let first = lab_run(&file, &o.out.join(format!("fuzz-{seed}.log")));
        ran += 1;
        let second = o.twice.then(|| lab_run(&file, &o.out.join(format!("fuzz-{seed}.again.log"))));
        let took = t0.elapsed().as_secs_f64();
        match (&first, &second) {
            (Verdict::Error(why), _) => {
                errors += 1;
                println!("seed {seed}: lab could not run: {why} ({took:.0} s)");
            }
            (v, Some(w)) if v != w => {
                findings.entry("different outcome on a second run").or_default().push(seed);
                println!("seed {seed}: DIFFERENT OUTCOMES: first {v:?}, then {w:?} ({took:.0} s)");
            }
            (Verdict::Disagrees(lines), _) => {
                let c = class(lines);
                findings.entry(c).or_default().push(seed);
                println!("seed {seed}: DISAGREES ({c}) ({took:.0} s)");
                for l in lines.iter().take(8) {
                    println!("    {l}");
                }
                if o.minimise {
                    let min = minimise::run(&text, &o.out, seed);
                    let path = o.out.join(format!("fuzz-{seed}.min.yaml"));
                    match std::fs::write(&path, &min) {
                        Ok(()) => println!("    minimised: {}", path.display()),
                        Err(e) => println!("    cannot write {}: {e}", path.display()),
                    }
                }
            }
            (Verdict::Agrees { reach }, _) => {
                agreed += 1;
                let how = if *reach { "pods reach each other" } else { "pods do not reach, where the plan says" };
                println!("seed {seed}: agrees ({how}) ({took:.0} s)");
            }
        }
    }
    let disagreed: usize = findings.values().map(Vec::len).sum();
    println!(
        "\nfuzz: {ran} designs run ({}), {agreed} agree, {disagreed} disagree, {errors} could not run, {refused_n} refused by check, in {:.0} s",
        if o.twice { "twice each" } else { "once each" },
        started.elapsed().as_secs_f64()
    );
    for (c, seeds) in &findings {
        let list: Vec<String> = seeds.iter().map(u64::to_string).collect();
        println!("  {c}: seeds {}", list.join(", "));
    }
    if disagreed > 0 || errors > 0 {
        1
    } else {
        0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_from_lab_output() {
        assert_eq!(verdict(0, "…\nPASS: the lab matches the plan; every pod…"), Verdict::Agrees { reach: true });
        assert_eq!(
            verdict(1, "FAIL: pods cannot reach each other: packets die at r1, exactly where the plan says (E071)"),
            Verdict::Agrees { reach: false }
        );
        let v = verdict(1, "== lab `x`: result\nroutes    r1  3  2  0  MISMATCH: lacks 10.42.0.0/26\nFAIL: the lab does not match the plan");
        assert_eq!(v, Verdict::Disagrees(vec!["routes r1 3 2 0 MISMATCH: lacks 10.42.0.0/26".into()]));
        assert!(matches!(verdict(2, "error: cannot emulate"), Verdict::Error(_)));
        assert_eq!(class(&["r1 MISMATCH: 10.42.0.0/26 forwarded to r2 (plan: to r3)".into()]), "forwarding next hop");
    }
}
