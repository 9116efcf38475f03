//! `cargo xtask wasm-cost [--worker]`: what each dependency costs in the app's
//! WebAssembly module. Builds the page's module (or the export worker's) the
//! way Trunk does — wasm-release profile, wasm-bindgen, `wasm-opt -Oz` — but
//! keeping function names, then sums twiggy's per-function sizes by the crate
//! each function comes from. A generic function is counted under the first
//! non-std crate in its name (`Vec<meshplan_core::…>::push` is meshplan_core's),
//! and wasm-opt inlines across crates, so the split is an estimate; the totals
//! (raw and gzipped, without names) are exact.

use std::collections::BTreeMap;
use std::path::Path;

use crate::sh::{self, output, root, Result};
use crate::tools;

const TWIGGY_VERSION: &str = "0.8.0";
/// The same features Trunk gives wasm-opt (index.html's data-wasm-opt-params).
const OPT_FEATURES: &[&str] = &[
    "--enable-bulk-memory",
    "--enable-mutable-globals",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-reference-types",
    "--enable-multivalue",
];

/// Path segments that belong to the standard library (or are module names in it).
// rustfmt would put one per line.
#[rustfmt::skip]
const STD: &[&str] = &[
    "core", "alloc", "std", "fmt", "str", "num", "net", "string", "panicking", "unicode", "int", "slice", "io",
    "boxed", "raw_vec", "ops", "raw", "collections", "sort", "ptr", "iter", "vec", "function", "sync", "flt2dec",
    "btree", "stable", "unstable", "adapters", "option", "hash", "cell", "result", "char", "array", "mem", "rc",
    "any", "convert", "cmp", "error", "marker", "time", "borrow", "map", "node", "quicksort", "drift", "shared",
    "remove", "traits", "strategy", "filter_map", "navigate", "search", "append", "fix", "split", "dedup_sorted_iter",
    "merge_iter", "set", "smallsort", "heapsort", "pivot", "select", "merge", "insert", "entry", "mod", "iterator",
    "drop", "clone", "float", "poison", "dragon", "grisu", "pattern", "parser", "ip_addr", "range", "once", "lazy",
    "thread", "local", "panic", "dec2flt", "decoder", "memchr", "ascii", "validations", "count", "accum", "default",
    "maybe_uninit", "index", "const_ptr", "mut_ptr", "non_null", "layout", "global", "collect", "extend", "chain",
    "rev", "skip", "take", "peekable", "flatten", "cloned", "copied", "enumerate", "filter", "fuse", "step_by",
    "specialize", "in_place_collect", "into_iter", "spec_extend", "spec_from_iter", "spec_from_iter_nested", "cow",
    "arc", "vec_deque", "binary_heap", "hash_map", "linked_list", "fallible", "macros", "builders", "rt", "f64",
    "u32", "u64", "i64", "isize", "u16", "chars", "lossy",
];

pub fn run(args: &[String]) -> Result {
    let worker = args.iter().any(|a| a == "--worker");
    let bin = if worker { "meshplan-export" } else { "meshplan-app" };
    tools::ensure_build_tools()?;
    if !output("twiggy", &["--version"]).unwrap_or_default().contains(TWIGGY_VERSION) {
        sh::run("cargo", &["install", "twiggy", "--version", TWIGGY_VERSION, "--locked"])?;
    }
    let target = root().join("target");
    sh::run(
        "cargo",
        &[
            "build",
            "-p",
            "meshplan-app",
            "--bin",
            bin,
            "--profile",
            "wasm-release",
            "--target",
            "wasm32-unknown-unknown",
        ],
    )?;
    let built = target.join("wasm32-unknown-unknown/wasm-release").join(format!("{bin}.wasm"));
    let out = target.join("wasm-cost");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let s = |p: &Path| p.to_string_lossy().into_owned();
    sh::run("wasm-bindgen", &["--keep-debug", "--target", "no-modules", "--out-dir", &s(&out), &s(&built)])?;
    let bg = out.join(format!("{bin}_bg.wasm"));
    let (named, plain) = (out.join("named.wasm"), out.join("plain.wasm"));
    let opt = |extra: &[&str], to: &Path| {
        let mut a: Vec<String> = vec!["-Oz".into()];
        a.extend(extra.iter().map(|x| x.to_string()));
        a.extend(OPT_FEATURES.iter().map(|x| x.to_string()));
        a.extend([s(&bg), "-o".into(), s(to)]);
        sh::run("wasm-opt", &a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    opt(&["-g"], &named)?;
    opt(&["--strip-debug"], &plain)?;
    let csv = output("twiggy", &["top", "-n", "10000000", "-f", "csv", &s(&named)])
        .ok_or("twiggy could not read the module")?;
    let by_crate = by_crate(&csv);
    let plain_bytes = std::fs::read(&plain).map_err(|e| e.to_string())?;
    let total: u64 = by_crate.values().sum();
    let mut rows: Vec<(&String, &u64)> = by_crate.iter().collect();
    rows.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    println!(
        "\n{bin}.wasm: {} KB raw, {} KB gzipped (-9), without names",
        plain_bytes.len() / 1000,
        sh::gzip_len(&plain_bytes)? / 1000
    );
    println!("{:>9}  {:>6}  crate (code and data, in the optimized module)", "bytes", "share");
    for (name, bytes) in rows.iter().take(30) {
        println!("{:>9}  {:>5.1}%  {name}", bytes, 100.0 * **bytes as f64 / total.max(1) as f64);
    }
    let rest: u64 = rows.iter().skip(30).map(|(_, b)| **b).sum();
    if rest > 0 {
        println!("{:>9}  {:>5.1}%  ({} more crates)", rest, 100.0 * rest as f64 / total.max(1) as f64, rows.len() - 30);
    }
    Ok(())
}

/// twiggy's `top` CSV (Name,ShallowSize,…) summed per crate.
fn by_crate(csv: &str) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for line in csv.lines().skip(1) {
        let Some((name, size)) = split_row(line) else { continue };
        if name.contains("function names") || name.starts_with("custom section") {
            continue;
        }
        let key = if name.starts_with("data segment") {
            "(data: strings, tables, templates)".to_string()
        } else {
            crate_of(&name)
        };
        *out.entry(key).or_insert(0) += size;
    }
    out
}

/// The name (unquoted) and shallow size of one CSV row.
fn split_row(line: &str) -> Option<(String, u64)> {
    let (name, rest) = if let Some(body) = line.strip_prefix('"') {
        // A quoted name: "" is a quote inside it.
        let mut name = String::new();
        let mut chars = body.char_indices().peekable();
        let mut end = None;
        while let Some((i, c)) = chars.next() {
            if c == '"' {
                if chars.peek().is_some_and(|(_, n)| *n == '"') {
                    name.push('"');
                    chars.next();
                } else {
                    end = Some(i + 1);
                    break;
                }
            } else {
                name.push(c);
            }
        }
        (name, body.get(end? + 1..)?)
    } else {
        let (n, r) = line.split_once(',')?;
        (n.to_string(), r)
    };
    let size = rest.split(',').next()?.trim().parse().ok()?;
    Some((name, size))
}

/// The crate a function's code is charged to: the first path segment that is
/// not the standard library's.
fn crate_of(name: &str) -> String {
    // Without the symbol hash (`::h0123…`), the last segment is the function's own name.
    let name = match name.rsplit_once("::h") {
        Some((head, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => head,
        _ => name,
    };
    let mut first_std = None;
    let bytes = name.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        let word = &name[start..i];
        let is_path = name[i..].starts_with("::");
        if is_path && !word.is_empty() && word.as_bytes()[0].is_ascii_lowercase() || is_path && word.starts_with('_') {
            if !STD.contains(&word) {
                return word.to_string();
            }
            first_std.get_or_insert("std (generic code)");
        }
        if i == start {
            i += 1;
        }
    }
    first_std.unwrap_or("(wasm-bindgen glue and unnamed)").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn charges_generic_code_to_the_crate_it_is_for() {
        assert_eq!(crate_of("alloc::vec::Vec<meshplan_core::plan::Session>::push::h12"), "meshplan_core");
        assert_eq!(crate_of("<F as tachys::reactive_graph::ReactiveFunction>::invoke::h09"), "tachys");
        assert_eq!(crate_of("core::fmt::write::h1"), "std (generic code)");
        assert_eq!(crate_of("elem[0]"), "(wasm-bindgen glue and unnamed)");
    }

    #[test]
    fn reads_quoted_and_plain_rows() {
        let csv = "Name,ShallowSize,ShallowSizePercent,RetainedSize,RetainedSizePercent\n\
                   \"\"\"function names\"\" subsection\",100,1,,\n\
                   \"tachys::html::On<E,F>::attach::h1\",40,1,,\n\
                   serde_yaml_ng::de::x::h2,30,1,,\n\
                   \"data segment \"\".rodata\"\"\",20,1,,\n";
        let m = by_crate(csv);
        assert_eq!(m.get("tachys"), Some(&40));
        assert_eq!(m.get("serde_yaml_ng"), Some(&30));
        assert_eq!(m.get("(data: strings, tables, templates)"), Some(&20));
        assert_eq!(m.len(), 3);
    }
}
