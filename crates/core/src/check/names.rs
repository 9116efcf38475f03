//! Names and free values that reach scripts and manifests.

use std::collections::BTreeMap;

use crate::diag::{Code, Diagnostic};
use crate::model::{Kind, Topology};
use crate::text::{is_k8s_node_name, is_label_key, is_label_value, is_plain_token, is_safe_name};

pub fn run(t: &Topology, out: &mut Vec<Diagnostic>) {
    if !is_safe_name(&t.name) {
        out.push(Diagnostic::new(Code::E011, "name", format!("plan name `{}` is not allowed", t.name)).hint(
            "use letters, digits, `_`, `.` and `-`, starting with a letter or digit (it becomes the bundle's folder)",
        ));
    }
    for name in t.nodes.keys() {
        if !is_k8s_node_name(name) {
            let lower = name.to_ascii_lowercase();
            let hint = if is_k8s_node_name(&lower) {
                format!("rename it `{lower}`: Kubernetes node names are lowercase")
            } else {
                "use lowercase letters, digits, `-` and `.` (RFC 1123), at most 63 characters per label".to_string()
            };
            out.push(
                Diagnostic::new(
                    Code::E010,
                    format!("nodes.{name}"),
                    format!("node name `{name}` is not a valid Kubernetes node name"),
                )
                .hint(hint),
            );
        }
    }
    for (kind, names) in [
        (Kind::Site, t.sites.keys().collect::<Vec<_>>()),
        (Kind::Router, t.routers.keys().collect()),
        (Kind::Host, t.hosts.keys().collect()),
    ] {
        for name in names {
            if !is_safe_name(name) {
                out.push(
                    Diagnostic::new(
                        Code::E011,
                        format!("{}.{name}", kind.section()),
                        format!("name `{name}` has characters that are not allowed"),
                    )
                    .hint(
                        "use letters, digits, `_`, `.` and `-`, starting with a letter or digit, at most 63 characters",
                    ),
                );
            }
        }
    }

    // One name, one thing: a link end must not be ambiguous.
    let mut devices: BTreeMap<&str, Vec<Kind>> = BTreeMap::new();
    for n in t.nodes.keys() {
        devices.entry(n).or_default().push(Kind::Node);
    }
    for n in t.routers.keys() {
        devices.entry(n).or_default().push(Kind::Router);
    }
    for n in t.hosts.keys() {
        devices.entry(n).or_default().push(Kind::Host);
    }
    for (name, kinds) in &devices {
        if t.sites.contains_key(*name) {
            out.push(
                Diagnostic::new(
                    Code::E012,
                    format!("{}.{name}", kinds[0].section()),
                    format!("`{name}` names both a site and a {}", kind_word(kinds[0])),
                )
                .hint("rename one of them: links name sites and devices alike"),
            );
        }
        if kinds.len() > 1 {
            out.push(
                Diagnostic::new(
                    Code::E013,
                    format!("{}.{name}", kinds[1].section()),
                    format!("`{name}` names both a {} and a {}", kind_word(kinds[0]), kind_word(kinds[1])),
                )
                .hint("give each device its own name"),
            );
        }
    }

    // Free values that reach scripts, configs and manifests.
    let c = &t.cluster;
    let mut plain = |path: String, v: &str, what: &str| {
        if !is_plain_token(v) {
            out.push(
                Diagnostic::new(Code::E014, path, format!("{what} `{v}` has characters that are not allowed"))
                    .hint("use letters, digits and `+-._~:/@%=` only"),
            );
        }
    };
    if let Some(v) = &c.k3s_version {
        plain("cluster.k3s_version".into(), v, "k3s version");
    }
    if let Some(v) = &c.install_mirror {
        plain("cluster.install_mirror".into(), v, "install mirror");
    }
    for (reg, urls) in &c.registry_mirrors {
        plain(format!("cluster.registry_mirrors.{reg}"), reg, "registry");
        for (i, u) in urls.iter().enumerate() {
            plain(format!("cluster.registry_mirrors.{reg}[{i}]"), u, "mirror endpoint");
        }
    }
    for (i, d) in c.disable.iter().enumerate() {
        plain(format!("cluster.disable[{i}]"), d, "component");
    }
    if let Some(cal) = &c.calico {
        if let Some(v) = &cal.version {
            plain("cluster.calico.version".into(), v, "Calico version");
        }
        if let Some(v) = &cal.registry {
            plain("cluster.calico.registry".into(), v, "registry");
        }
    }
    if let Some(v) = c.cilium.as_ref().and_then(|x| x.version.as_ref()) {
        plain("cluster.cilium.version".into(), v, "Cilium version");
    }
    for pools in [
        c.cilium.as_ref().map(|x| (&x.lb_pools, "cluster.cilium.lb_pools")),
        c.metallb.as_ref().map(|m| (&m.pools, "cluster.metallb.pools")),
    ]
    .into_iter()
    .flatten()
    {
        for name in pools.0.keys() {
            if !is_k8s_node_name(name) {
                out.push(
                    Diagnostic::new(
                        Code::E011,
                        format!("{}.{name}", pools.1),
                        format!("pool name `{name}` is not a valid Kubernetes object name"),
                    )
                    .hint("use lowercase letters, digits, `-` and `.`"),
                );
            }
        }
    }
    for (site_name, site) in &t.sites {
        if let Some(l) = &site.label {
            if !is_label_value(l) || l.is_empty() {
                out.push(
                    Diagnostic::new(
                        Code::E014,
                        format!("sites.{site_name}.label"),
                        format!("label `{l}` is not a valid Kubernetes label value"),
                    )
                    .hint("up to 63 letters, digits, `_`, `.` or `-`, starting and ending with a letter or digit"),
                );
            }
        } else if !is_label_value(site_name) {
            out.push(
                Diagnostic::new(
                    Code::E014,
                    format!("sites.{site_name}"),
                    format!("site name `{site_name}` cannot be used as the `region` label"),
                )
                .hint("set `label:` to a valid label value"),
            );
        }
    }
    for (node_name, node) in &t.nodes {
        for (k, v) in &node.labels {
            if !is_label_key(k) {
                out.push(Diagnostic::new(
                    Code::E014,
                    format!("nodes.{node_name}.labels.{k}"),
                    format!("label key `{k}` is not a valid Kubernetes label key"),
                ));
            } else if !is_label_value(v) {
                out.push(Diagnostic::new(
                    Code::E014,
                    format!("nodes.{node_name}.labels.{k}"),
                    format!("label value `{v}` is not a valid Kubernetes label value"),
                ));
            }
            if k == "region" {
                out.push(
                    Diagnostic::new(
                        Code::E014,
                        format!("nodes.{node_name}.labels.{k}"),
                        "the `region` label is set by meshplan from the node's site",
                    )
                    .hint("set the site's `label` instead"),
                );
            }
        }
    }
}

fn kind_word(k: Kind) -> &'static str {
    match k {
        Kind::Site => "site",
        Kind::Router => "router",
        Kind::Host => "host",
        Kind::Node => "node",
    }
}
