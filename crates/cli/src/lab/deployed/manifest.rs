//! Kubernetes manifests as the reader sees them: a file split into its YAML
//! documents (the core's reader takes one document), each read with
//! `meshplan_core::yaml`, and strict access to their fields: a key the reader
//! does not know is an error, never skipped.

use std::collections::BTreeMap;

use meshplan_core::yaml::{self, Node, Value};
use serde::de::DeserializeOwned;

/// One manifest: where it is, what it is, and its `spec`.
#[derive(Debug, Clone)]
pub struct Doc {
    pub file: String,
    /// The line its document starts on (1-based).
    pub line: usize,
    pub api: String,
    pub kind: String,
    pub name: String,
    pub labels: Labels,
    pub spec: Option<Node>,
}

impl Doc {
    /// `file:line Kind/name`, how errors name a manifest.
    pub fn at(&self) -> String {
        format!("{}:{} {}/{}", self.file, self.line, self.kind, self.name)
    }
}

/// Splits `text` at its document markers (`---` at the start of a line; YAML 1.2
/// §9.1.2: a marker line always starts a document, even inside a block scalar),
/// and reads each document that holds a value.
pub fn documents(file: &str, text: &str) -> Result<Vec<Doc>, String> {
    let mut chunks: Vec<(usize, String)> = vec![(1, String::new())];
    for (i, line) in text.lines().enumerate() {
        let marker = |m: &str| line == m || line.strip_prefix(m).is_some_and(|r| r.starts_with([' ', '\t']));
        if marker("---") {
            // What follows `--- ` on the marker line belongs to the new document.
            let rest = line.get(3..).unwrap_or("").to_string();
            chunks.push((i + 1, format!("{rest}\n")));
        } else if marker("...") {
            chunks.push((i + 2, String::new()));
        } else if let Some((_, c)) = chunks.last_mut() {
            c.push_str(line);
            c.push('\n');
        }
    }
    let mut out = Vec::new();
    for (start, chunk) in chunks {
        let node = yaml::read(&chunk).map_err(|e| {
            format!("{file}:{}:{}: {}", start + e.span.line.saturating_sub(1), e.span.column, e.message)
        })?;
        if node.is_null() {
            continue;
        }
        out.push(doc(file, start, &node)?);
    }
    Ok(out)
}

fn doc(file: &str, line: usize, node: &Node) -> Result<Doc, String> {
    let at = format!("{file}:{line}");
    let f = Fields::of(node, &at, &["apiVersion", "kind", "metadata", "spec"])?;
    let api = f.string("apiVersion")?.ok_or(format!("{at}: apiVersion is missing"))?;
    let kind = f.string("kind")?.ok_or(format!("{at}: kind is missing"))?;
    let meta = f.get("metadata").ok_or(format!("{at}: metadata is missing"))?;
    let m = Fields::of(meta, &format!("{at} {kind}: metadata"), &["name", "labels"])?;
    let name = m.string("name")?.ok_or(format!("{at} {kind}: metadata.name is missing"))?;
    let labels = match m.get("labels") {
        Some(l) => string_map(l, &format!("{at} {kind}/{name}: metadata.labels"))?,
        None => BTreeMap::new(),
    };
    Ok(Doc { file: file.to_string(), line, api, kind, name, labels, spec: f.get("spec").cloned() })
}

/// The entries of a mapping, checked against the keys the reader knows.
pub struct Fields<'a> {
    entries: Vec<(String, &'a Node)>,
    path: String,
}

impl<'a> Fields<'a> {
    /// `node` as a mapping whose every key is in `known`.
    pub fn of(node: &'a Node, path: &str, known: &[&str]) -> Result<Fields<'a>, String> {
        let map = match &node.value {
            Value::Map(m) => m,
            _ if node.is_null() => return Ok(Fields { entries: Vec::new(), path: path.to_string() }),
            _ => return Err(format!("{path}: a mapping expected (line {})", node.span.line)),
        };
        let mut entries = Vec::new();
        for (k, v) in &map.entries {
            let key = k.as_scalar().map(|s| s.text.clone()).unwrap_or_default();
            if !known.contains(&key.as_str()) {
                return Err(format!(
                    "{path}.{key}: not a field the lab's manifest reader knows (it reads {}); \
                     it would change what the node agent does, so the lab refuses to guess",
                    known.join(", ")
                ));
            }
            entries.push((key, v));
        }
        Ok(Fields { entries, path: path.to_string() })
    }

    /// The value of `key`, unless absent or null.
    pub fn get(&self, key: &str) -> Option<&'a Node> {
        self.entries.iter().find(|(k, _)| k == key).map(|(_, v)| *v).filter(|v| !v.is_null())
    }

    pub fn path(&self, key: &str) -> String {
        format!("{}.{key}", self.path)
    }

    fn typed<T: DeserializeOwned>(&self, key: &str, what: &str) -> Result<Option<T>, String> {
        self.get(key)
            .map(|n| {
                yaml::from_node::<T>(n).map_err(|e| format!("{}: {what} expected ({})", self.path(key), e.message))
            })
            .transpose()
    }
    pub fn string(&self, key: &str) -> Result<Option<String>, String> {
        self.typed(key, "a string")
    }
    pub fn u32(&self, key: &str) -> Result<Option<u32>, String> {
        self.typed(key, "a number from 0 to 4294967295")
    }
    pub fn bool(&self, key: &str) -> Result<Option<bool>, String> {
        self.typed(key, "true or false")
    }
}

pub fn string(node: &Node, path: &str) -> Result<String, String> {
    yaml::from_node::<String>(node).map_err(|e| format!("{path}: a string expected ({})", e.message))
}

pub fn seq<'a>(node: &'a Node, path: &str) -> Result<&'a [Node], String> {
    match &node.value {
        Value::Seq(s) => Ok(s),
        _ => Err(format!("{path}: a list expected (line {})", node.span.line)),
    }
}

/// Labels: name → value.
pub type Labels = std::collections::BTreeMap<String, String>;

/// A mapping of strings to strings (labels, `matchLabels`).
pub fn string_map(node: &Node, path: &str) -> Result<BTreeMap<String, String>, String> {
    yaml::from_node::<BTreeMap<String, String>>(node)
        .map_err(|e| format!("{path}: a mapping of strings expected ({})", e.message))
}
