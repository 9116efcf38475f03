//! `cargo xtask cycles`, and the test that keeps the house free of new import
//! circles (issue 19): inside `crates/core/src` and `crates/cli/src`, a module
//! file depends on another when it names it by a path that starts with `crate::`,
//! `super::` or `self::` (in a `use` or inline). A module that names its own
//! children by their bare name is only declaring them, not depending on them.
//! Any edge that lies on a cycle is an error unless `ALLOWED` lists it; an entry
//! of `ALLOWED` that is no longer on a cycle is an error too, so the list stays
//! exactly the circles that exist.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::sh::{self, Result};

/// The crates whose modules are checked, relative to the repository root.
const CRATES: &[&str] = &["crates/core/src", "crates/cli/src"];

/// Edges allowed to lie on an import cycle: none. The three circles issue 19
/// named (render/common.rs with the add-ons, render/artifacts.rs with calico.rs,
/// cli's cmd with lab) are gone; the list stays so that the test keeps its
/// stale-entry check. Each entry would be `from -> to` between module files,
/// relative to the repository root. Never add one: make the dependency go one way.
const ALLOWED: &[(&str, &str)] = &[];

type Edge = (String, String);

/// `cargo xtask cycles`: every circle among the modules, and whether the check passes.
pub fn run() -> Result {
    let graph = graph(&sh::root())?;
    let on_cycles = edges_on_cycles(&graph);
    for scc in components(&graph).into_iter().filter(|c| c.len() > 1) {
        println!("circle among {} modules:", scc.len());
        for (a, b) in on_cycles.iter().filter(|(a, _)| scc.contains(a)) {
            println!("  {a} -> {b}");
        }
    }
    verdict(&on_cycles)
}

/// Ok when the edges on cycles are exactly `ALLOWED`; else what is new and what is stale.
fn verdict(on_cycles: &BTreeSet<Edge>) -> Result {
    let allowed: BTreeSet<Edge> = ALLOWED.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    let new: Vec<String> = on_cycles.difference(&allowed).map(|(a, b)| format!("  {a} -> {b}")).collect();
    let stale: Vec<String> = allowed.difference(on_cycles).map(|(a, b)| format!("  {a} -> {b}")).collect();
    let mut msg = String::new();
    if !new.is_empty() {
        msg.push_str(&format!(
            "new import circle(s): these imports close a cycle; make the dependency go one way \
             (move the shared piece beneath both):\n{}\n",
            new.join("\n")
        ));
    }
    if !stale.is_empty() {
        msg.push_str(&format!(
            "no longer on a cycle (well done): delete these from ALLOWED in xtask/src/cycles.rs:\n{}\n",
            stale.join("\n")
        ));
    }
    if msg.is_empty() {
        Ok(())
    } else {
        Err(msg)
    }
}

/// The module files of every checked crate and, per file, the files it depends on.
fn graph(root: &Path) -> Result<BTreeMap<String, BTreeSet<String>>> {
    let mut out = BTreeMap::new();
    for krate in CRATES {
        let dir = root.join(krate);
        let mut files = Vec::new();
        walk(&dir, &mut files)?;
        // module path (segments below the crate root) → file, relative to the root
        let mut modules: BTreeMap<Vec<String>, String> = BTreeMap::new();
        for f in &files {
            let rel = f.strip_prefix(&dir).map_err(|e| e.to_string())?;
            let rel_root = f.strip_prefix(root).map_err(|e| e.to_string())?.to_string_lossy().replace('\\', "/");
            modules.insert(module_path(rel), rel_root);
        }
        for (path, file) in &modules {
            let text = std::fs::read_to_string(root.join(file)).map_err(|e| format!("cannot read {file}: {e}"))?;
            let mut deps = BTreeSet::new();
            for reference in references(&strip(&text)) {
                if let Some(target) = resolve(path, &reference, &modules) {
                    if target != *file {
                        deps.insert(target);
                    }
                }
            }
            out.insert(file.clone(), deps);
        }
    }
    Ok(out)
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) -> Result {
    let rd = std::fs::read_dir(dir).map_err(|e| format!("cannot list {}: {e}", dir.display()))?;
    let mut entries: Vec<PathBuf> = rd.filter_map(|e| e.ok().map(|e| e.path())).collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out)?;
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
    Ok(())
}

/// `lib.rs`/`main.rs` → [], `a/mod.rs` → [a], `a/b.rs` → [a, b].
fn module_path(rel: &Path) -> Vec<String> {
    let mut segs: Vec<String> = rel.iter().map(|s| s.to_string_lossy().into_owned()).collect();
    if let Some(last) = segs.pop() {
        let stem = last.trim_end_matches(".rs");
        let at_root = segs.is_empty() && (stem == "lib" || stem == "main");
        if stem != "mod" && !at_root {
            segs.push(stem.to_string());
        }
    }
    segs
}

/// The file a path like `crate::a::b::Item` or `super::x` leads to: the longest
/// prefix that names a module file.
fn resolve(here: &[String], reference: &[String], modules: &BTreeMap<Vec<String>, String>) -> Option<String> {
    // `super` in `a/b.rs` (module a::b) is a; in `a/mod.rs` (module a) it is the root.
    let mut base: Vec<String> = here.to_vec();
    let mut rest = reference;
    match rest.first().map(String::as_str) {
        Some("crate") => {
            base.clear();
            rest = &rest[1..];
        }
        Some("self") => rest = &rest[1..],
        Some("super") => {
            while rest.first().is_some_and(|s| s == "super") {
                base.pop()?;
                rest = &rest[1..];
            }
        }
        _ => return None,
    }
    let mut full = base;
    full.extend(rest.iter().cloned());
    (0..=full.len()).rev().find_map(|n| modules.get(&full[..n]).cloned())
}

/// Every path that starts with `crate`, `super` or `self`: the leaves of `use`
/// trees (`use crate::a::{b, c::d}` gives `crate::a::b` and `crate::a::c::d`) and
/// the paths written inline.
fn references(code: &str) -> Vec<Vec<String>> {
    let toks = tokens(code);
    let mut out = Vec::new();
    let mut i = 0;
    while i < toks.len() {
        if toks[i] == "use" {
            let end = toks[i..].iter().position(|t| t == ";").map_or(toks.len(), |p| i + p);
            let mut pos = i + 1;
            use_tree(&toks[..end], &mut pos, &[], &mut out);
            i = end + 1;
            continue;
        }
        let starts = matches!(toks[i].as_str(), "crate" | "super" | "self");
        let after_sep = i > 0 && toks[i - 1] == "::";
        if starts && !after_sep && toks.get(i + 1).is_some_and(|t| t == "::") {
            let mut path = vec![toks[i].clone()];
            let mut j = i + 1;
            while toks.get(j).is_some_and(|t| t == "::") && toks.get(j + 1).is_some_and(|t| is_ident(t)) {
                path.push(toks[j + 1].clone());
                j += 2;
            }
            out.push(path);
            i = j;
            continue;
        }
        i += 1;
    }
    out
}

/// One `use` tree from `toks[*pos..]` under `prefix`; its leaves go to `out`.
fn use_tree(toks: &[String], pos: &mut usize, prefix: &[String], out: &mut Vec<Vec<String>>) {
    let mut path = prefix.to_vec();
    while *pos < toks.len() {
        let t = toks[*pos].as_str();
        match t {
            "::" => *pos += 1,
            "{" => {
                *pos += 1;
                while *pos < toks.len() && toks[*pos] != "}" {
                    use_tree(toks, pos, &path, out);
                    if toks.get(*pos).is_some_and(|t| t == ",") {
                        *pos += 1;
                    }
                }
                *pos += 1;
                return;
            }
            "*" => {
                *pos += 1;
                break;
            }
            "as" => {
                *pos += 2;
                break;
            }
            "," | "}" => break,
            // `self` inside braces names the prefix itself.
            "self" if !path.is_empty() => *pos += 1,
            _ if is_ident(t) => {
                path.push(t.to_string());
                *pos += 1;
            }
            _ => *pos += 1,
        }
    }
    if matches!(path.first().map(String::as_str), Some("crate" | "super" | "self")) {
        out.push(path);
    }
}

fn is_ident(t: &str) -> bool {
    t.chars().next().is_some_and(|c| c.is_alphabetic() || c == '_')
        && t.chars().all(|c| c.is_alphanumeric() || c == '_')
}

/// Identifiers, `::` and single punctuation characters.
fn tokens(code: &str) -> Vec<String> {
    let chars: Vec<char> = code.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c.is_alphanumeric() || c == '_' {
            let start = i;
            while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_') {
                i += 1;
            }
            out.push(chars[start..i].iter().collect());
        } else if c == ':' && chars.get(i + 1) == Some(&':') {
            out.push("::".to_string());
            i += 2;
        } else {
            if !c.is_whitespace() {
                out.push(c.to_string());
            }
            i += 1;
        }
    }
    out
}

/// The code without comments, string and character literals (a `crate::` in a
/// message or a doc comment is not an import).
fn strip(text: &str) -> String {
    let c: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < c.len() {
        match (c[i], c.get(i + 1).copied()) {
            ('/', Some('/')) => {
                while i < c.len() && c[i] != '\n' {
                    i += 1;
                }
            }
            ('/', Some('*')) => {
                let mut depth = 0;
                while i < c.len() {
                    if c[i] == '/' && c.get(i + 1) == Some(&'*') {
                        depth += 1;
                        i += 2;
                    } else if c[i] == '*' && c.get(i + 1) == Some(&'/') {
                        depth -= 1;
                        i += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        i += 1;
                    }
                }
            }
            ('r', Some('"' | '#')) if starts_word(&c, i) || (c[i - 1] == 'b' && starts_word(&c, i - 1)) => {
                // r"…", r#"…"#: ends at a quote followed by as many hashes.
                let mut j = i + 1;
                let mut hashes = 0;
                while c.get(j) == Some(&'#') {
                    hashes += 1;
                    j += 1;
                }
                if c.get(j) != Some(&'"') {
                    out.push(c[i]);
                    i += 1;
                    continue;
                }
                j += 1;
                while j < c.len() && !(c[j] == '"' && (1..=hashes).all(|k| c.get(j + k) == Some(&'#'))) {
                    j += 1;
                }
                i = j + 1 + hashes;
                out.push_str("\"\"");
            }
            ('"', _) => {
                i += 1;
                while i < c.len() && c[i] != '"' {
                    i += if c[i] == '\\' { 2 } else { 1 };
                }
                i += 1;
                out.push_str("\"\"");
            }
            ('\'', Some(n)) => {
                // A character literal ('x', '\n', '\u{..}'), else a lifetime.
                let close = if n == '\\' {
                    c.get(i + 3..).and_then(|rest| rest.iter().position(|&x| x == '\'')).map(|p| i + 3 + p)
                } else {
                    None
                };
                match close {
                    Some(end) => i = end + 1,
                    None if c.get(i + 2) == Some(&'\'') => i += 3,
                    None => {
                        out.push('\'');
                        i += 1;
                    }
                }
            }
            (ch, _) => {
                out.push(ch);
                i += 1;
            }
        }
    }
    out
}

/// True when `c[i]` does not continue an identifier.
fn starts_word(c: &[char], i: usize) -> bool {
    i == 0 || !(c[i - 1].is_alphanumeric() || c[i - 1] == '_')
}

/// Strongly connected components (Tarjan), each sorted; deterministic order.
fn components(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<BTreeSet<String>> {
    struct State<'a> {
        g: &'a BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'a str, usize>,
        low: BTreeMap<&'a str, usize>,
        stack: Vec<&'a str>,
        on_stack: BTreeSet<&'a str>,
        out: Vec<BTreeSet<String>>,
    }
    fn visit<'a>(s: &mut State<'a>, v: &'a str) {
        let n = s.index.len();
        s.index.insert(v, n);
        s.low.insert(v, n);
        s.stack.push(v);
        s.on_stack.insert(v);
        let g = s.g;
        for w in g.get(v).into_iter().flatten() {
            let w = w.as_str();
            if !s.index.contains_key(w) {
                visit(s, w);
                let lw = s.low[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(lw));
            } else if s.on_stack.contains(w) {
                let iw = s.index[w];
                let lv = s.low[v];
                s.low.insert(v, lv.min(iw));
            }
        }
        if s.low[v] == s.index[v] {
            let mut comp = BTreeSet::new();
            while let Some(w) = s.stack.pop() {
                s.on_stack.remove(w);
                comp.insert(w.to_string());
                if w == v {
                    break;
                }
            }
            s.out.push(comp);
        }
    }
    let mut s = State {
        g,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in g.keys() {
        if !s.index.contains_key(v.as_str()) {
            visit(&mut s, v);
        }
    }
    s.out.sort();
    s.out
}

/// The edges whose two ends are in one component: each lies on a cycle.
fn edges_on_cycles(g: &BTreeMap<String, BTreeSet<String>>) -> BTreeSet<Edge> {
    let mut out = BTreeSet::new();
    for comp in components(g).into_iter().filter(|c| c.len() > 1) {
        for a in &comp {
            for b in g.get(a).into_iter().flatten().filter(|b| comp.contains(*b)) {
                out.insert((a.clone(), b.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(edges: &[(&str, &str)]) -> BTreeMap<String, BTreeSet<String>> {
        let mut m: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for (a, b) in edges {
            m.entry(a.to_string()).or_default().insert(b.to_string());
            m.entry(b.to_string()).or_default();
        }
        m
    }

    /// The house today: no import circle beyond the ones `ALLOWED` lists, and each
    /// of those still exists (else the list must shrink).
    #[test]
    fn no_new_module_cycles() {
        let graph = graph(&sh::root()).unwrap_or_else(|e| panic!("{e}"));
        assert!(graph.len() > 40, "too few modules found: {}", graph.len());
        if let Err(e) = verdict(&edges_on_cycles(&graph)) {
            panic!("{e}");
        }
    }

    #[test]
    fn use_trees_and_inline_paths_are_references() {
        let code = strip(
            "use crate::a::{b, c::{d as e, self}};\nuse super::*;\n// use crate::commented;\n\
             let s = \"crate::in_string\"; let r = r#\"crate::raw\"#; let c = '\"'; let q = '\\''; let b = br\"crate::b\";\n\
             fn f<'a>() { crate::x::y::z(); super::super::q(); }\nuse std::fmt;\n",
        );
        let refs: Vec<String> = references(&code).iter().map(|p| p.join("::")).collect();
        assert_eq!(
            refs,
            ["crate::a::b", "crate::a::c::d", "crate::a::c", "super", "crate::x::y::z", "super::super::q"]
        );
    }

    #[test]
    fn super_and_self_resolve_from_the_file_they_are_in() {
        let m: BTreeMap<Vec<String>, String> = [
            (vec![], "lib.rs"),
            (vec!["a".to_string()], "a/mod.rs"),
            (vec!["a".to_string(), "b".to_string()], "a/b.rs"),
            (vec!["c".to_string()], "c.rs"),
        ]
        .into_iter()
        .map(|(k, v)| (k, v.to_string()))
        .collect();
        let p = |s: &str| s.split("::").map(String::from).collect::<Vec<_>>();
        let ab = vec!["a".to_string(), "b".to_string()];
        assert_eq!(resolve(&ab, &p("super::Item"), &m).as_deref(), Some("a/mod.rs"));
        assert_eq!(resolve(&ab, &p("super::super::c::f"), &m).as_deref(), Some("c.rs"));
        assert_eq!(resolve(&["a".to_string()], &p("super::c"), &m).as_deref(), Some("c.rs"));
        assert_eq!(resolve(&ab, &p("crate::a::b::x"), &m).as_deref(), Some("a/b.rs"));
        assert_eq!(resolve(&ab, &p("std::fmt"), &m), None);
        assert_eq!(module_path(Path::new("a/mod.rs")), ["a"]);
        assert_eq!(module_path(Path::new("main.rs")), Vec::<String>::new());
    }

    #[test]
    fn a_cycle_is_found_and_judged_against_the_allow_list() {
        let graph = g(&[("x", "y"), ("y", "z"), ("z", "x"), ("z", "w")]);
        let on = edges_on_cycles(&graph);
        let want: BTreeSet<Edge> =
            [("x", "y"), ("y", "z"), ("z", "x")].iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
        assert_eq!(on, want);
        // None of these is allowed: all three are reported as new.
        let err = verdict(&on).err().unwrap_or_default();
        assert!(err.contains("new import circle") && err.contains("  x -> y"), "{err}");
        // Every allowed edge is absent from this graph: all are reported stale.
        match ALLOWED.first() {
            Some((from, _)) => {
                let err = verdict(&BTreeSet::new()).err().unwrap_or_default();
                assert!(err.contains("delete these") && err.contains(from), "{err}");
            }
            None => assert_eq!(verdict(&BTreeSet::new()), Ok(())),
        }
    }
}
