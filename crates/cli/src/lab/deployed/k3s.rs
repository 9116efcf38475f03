//! The nodes as the bundle registers them with Kubernetes: each
//! `nodes/<name>/install.sh` writes `/etc/rancher/k3s/config.yaml` (a heredoc),
//! whose `node-name`, `node-ip` and `node-label` are what the CNI's selectors see.
//!
//! k3s takes its config file's keys as its command-line flags (docs.k3s.io
//! `cli/agent`, which servers run too: `--node-name` "Node name", `--node-ip` the
//! node's addresses, `--node-label` "Registering and starting kubelet with set of
//! labels"). The kubelet also labels its node `kubernetes.io/hostname` (the
//! well-known label of kubernetes.io "Well-Known Labels, Annotations and Taints");
//! the lab takes it to be the node name, which k3s registers the node under.

use std::collections::BTreeMap;
use std::net::IpAddr;

use meshplan_core::yaml;

use super::manifest::{self, Fields};
use super::selector::Labels;

/// A node: its name, the addresses it registers, its labels.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeInfo {
    pub name: String,
    pub addresses: Vec<IpAddr>,
    pub labels: Labels,
}

impl NodeInfo {
    /// The node's address of the family of `like` (IPv4 or IPv6), the first one registered.
    pub fn address_like(&self, v4: bool) -> Option<IpAddr> {
        self.addresses.iter().copied().find(|a| a.is_ipv4() == v4)
    }
}

const CONFIG: &str = "/etc/rancher/k3s/config.yaml";
/// The well-known label every kubelet sets to its node's (host) name.
pub const HOSTNAME_LABEL: &str = "kubernetes.io/hostname";

/// The k3s config a node's install script writes: the body of its heredoc.
fn heredoc(script: &str, path: &str) -> Result<String, String> {
    let mut lines = script.lines();
    while let Some(l) = lines.next() {
        let Some(rest) = l.trim_start().strip_prefix("install_file ").and_then(|r| r.strip_prefix(CONFIG)) else {
            continue;
        };
        let Some(delim) = rest.split("<<").nth(1).map(|d| d.trim().trim_matches('\'').trim_matches('"').to_string())
        else {
            return Err(format!("{path}: `install_file {CONFIG}` does not read a heredoc"));
        };
        let mut body = String::new();
        for l in lines.by_ref() {
            if l == delim {
                return Ok(body);
            }
            body.push_str(l);
            body.push('\n');
        }
        return Err(format!("{path}: the heredoc of {CONFIG} never ends (`{delim}`)"));
    }
    Err(format!("{path}: writes no {CONFIG}"))
}

/// Reads one node's `install.sh`.
pub fn node(path: &str, script: &str) -> Result<NodeInfo, String> {
    let text = heredoc(script, path)?;
    let root = yaml::read(&text).map_err(|e| format!("{path}: {CONFIG}: line {}: {}", e.span.line, e.message))?;
    let at = format!("{path}: {CONFIG}");
    // Only the keys that decide a node's name, addresses and labels are read; the
    // rest of k3s's configuration (CIDRs, disabled components) does not select peers.
    let map = root.as_map().ok_or(format!("{at}: a mapping expected"))?;
    let sub = yaml::Node::new(yaml::Value::Map(yaml::Map {
        entries: map
            .entries
            .iter()
            .filter(|(k, _)| {
                k.as_scalar().is_some_and(|s| matches!(s.text.as_str(), "node-name" | "node-ip" | "node-label"))
            })
            .cloned()
            .collect(),
    }));
    let f = Fields::of(&sub, &at, &["node-name", "node-ip", "node-label"])?;
    let name = f.string("node-name")?.ok_or(format!(
        "{at}: no node-name (k3s would register the machine's host name, which the bundle does not know)"
    ))?;
    let mut addresses = Vec::new();
    if let Some(ips) = f.string("node-ip")? {
        for a in ips.split(',') {
            let ip: IpAddr = a.trim().parse().map_err(|_| format!("{at}: node-ip `{a}` is not an IP address"))?;
            addresses.push(ip);
        }
    }
    if addresses.is_empty() {
        return Err(format!("{at}: no node-ip (k3s would pick an address the bundle does not know)"));
    }
    let mut labels: Labels = BTreeMap::new();
    if let Some(list) = f.get("node-label") {
        for (i, l) in manifest::seq(list, &f.path("node-label"))?.iter().enumerate() {
            let l = manifest::string(l, &format!("{at}.node-label[{i}]"))?;
            let (k, v) = l.split_once('=').ok_or(format!("{at}.node-label[{i}]: `{l}` is not key=value"))?;
            labels.insert(k.to_string(), v.to_string());
        }
    }
    labels.entry(HOSTNAME_LABEL.to_string()).or_insert_with(|| name.clone());
    Ok(NodeInfo { name, addresses, labels })
}

/// Every node of the bundle, by name: one per `nodes/<name>/install.sh`.
pub fn nodes(files: &[(String, String)]) -> Result<BTreeMap<String, NodeInfo>, Vec<String>> {
    let mut out = BTreeMap::new();
    let mut errors = Vec::new();
    for (path, text) in files {
        let mut parts = path.split('/');
        if !(parts.next() == Some("nodes") && parts.nth(1) == Some("install.sh") && parts.next().is_none()) {
            continue;
        }
        match node(path, text) {
            Ok(n) => {
                out.insert(n.name.clone(), n);
            }
            Err(e) => errors.push(e),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}
