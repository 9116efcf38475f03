//! The command line, parsed by hand: few commands, few flags, and the usage text
//! in one place.

pub const USAGE: &str = "\
usage: meshplan <command> [options]

commands:
  check FILE [--format text|json]     check a topology (FILE may be `-` for stdin)
  plan FILE [--format text|json]      resolve sessions, routes, paths and MTU
  plan FILE --failures [--format text|json]
                                      every single failure (router, host, link, site
                                      network) and what it breaks; JSON: one object each
  export FILE -o OUT.zip              write the deploy bundle
  share FILE [--base URL]             print a share link for the topology
  open LINK [-o FILE]                 print (or write) the topology of a share link
  lab run FILE [--keep] [--bundle DIR] [--fail NAME | --failures] | lab down NAME
                                      prove a design in network namespaces (root); the
                                      nodes' BGP comes from the bundle's manifests (DIR:
                                      an unpacked `export`, else rendered from FILE)
  lab fuzz [--seed N] [--count N] [-o DIR] [--twice] [--minimise]
                                      random designs: the plan against real BIRD/FRR (root)
  explain CODE                        what a diagnostic code means
  explain format                      the topology file format, every field (docs/format.md)

exit status: 0 fine (warnings allowed), 1 the design has errors, 2 usage or I/O error";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
}

#[derive(Debug)]
pub enum Cmd {
    Check { file: String, format: Format },
    Plan { file: String, format: Format, failures: bool },
    Export { file: String, out: String },
    Share { file: String, base: String },
    Open { link: String, out: Option<String> },
    LabRun { file: String, keep: bool, bundle: Option<String>, fail: Option<String>, failures: bool },
    LabDown { name: String },
    LabFuzz { seed: Option<u64>, count: usize, out: Option<String>, twice: bool, minimise: bool },
    Explain { code: String },
    Help,
}

pub fn parse(argv: &[String]) -> Result<Cmd, String> {
    let Some((cmd, rest)) = argv.split_first() else {
        return Err("no command given".into());
    };
    let mut pos: Vec<&str> = Vec::new();
    let mut format = Format::Text;
    let mut out: Option<String> = None;
    let mut base = "http://127.0.0.1:8080/".to_string();
    let mut keep = false;
    let (mut seed, mut count, mut twice, mut minimise) = (None, 10usize, false, false);
    let mut bundle: Option<String> = None;
    let mut failures = false;
    let mut fail: Option<String> = None;
    let mut it = rest.iter();
    while let Some(a) = it.next() {
        let mut value = |flag: &str| it.next().cloned().ok_or_else(|| format!("{flag} needs a value"));
        match a.as_str() {
            "--format" => {
                format = match value("--format")?.as_str() {
                    "text" => Format::Text,
                    "json" => Format::Json,
                    other => return Err(format!("unknown format `{other}` (text or json)")),
                }
            }
            "-o" | "--output" => out = Some(value("-o")?),
            "--base" => base = value("--base")?,
            "--keep" => keep = true,
            "--seed" => seed = Some(value("--seed")?.parse::<u64>().map_err(|_| "--seed takes a whole number")?),
            "--count" => count = value("--count")?.parse::<usize>().map_err(|_| "--count takes a whole number")?,
            "--twice" => twice = true,
            "--minimise" | "--minimize" => minimise = true,
            "--bundle" => bundle = Some(value("--bundle")?),
            "--failures" => failures = true,
            "--fail" => fail = Some(value("--fail")?),
            "-h" | "--help" => return Ok(Cmd::Help),
            "-" => pos.push("-"),
            flag if flag.starts_with('-') => return Err(format!("unknown option `{flag}`")),
            p => pos.push(p),
        }
    }
    let one = |what: &str| -> Result<String, String> {
        match pos.as_slice() {
            [one] => Ok(one.to_string()),
            [] => Err(format!("`{cmd}` needs {what}")),
            _ => Err(format!("`{cmd}` takes one {what}")),
        }
    };
    Ok(match cmd.as_str() {
        "check" => Cmd::Check { file: one("a FILE")?, format },
        "plan" => Cmd::Plan { file: one("a FILE")?, format, failures },
        "export" => Cmd::Export { file: one("a FILE")?, out: out.ok_or("`export` needs `-o OUT.zip`")? },
        "share" => Cmd::Share { file: one("a FILE")?, base },
        "open" => Cmd::Open { link: one("a LINK")?, out },
        "explain" => Cmd::Explain { code: one("a CODE")? },
        "lab" => match pos.as_slice() {
            ["run", file] => Cmd::LabRun { file: file.to_string(), keep, bundle, fail, failures },
            ["down", name] => Cmd::LabDown { name: name.to_string() },
            ["fuzz"] => Cmd::LabFuzz { seed, count, out, twice, minimise },
            _ => {
                return Err(
                    "usage: meshplan lab run FILE [--keep] [--bundle DIR] [--fail NAME | --failures] | meshplan lab down NAME | meshplan lab fuzz [--seed N] [--count N] [-o DIR] [--twice] [--minimise]"
                        .into(),
                )
            }
        },
        "help" | "-h" | "--help" => Cmd::Help,
        other => return Err(format!("unknown command `{other}`")),
    })
}
