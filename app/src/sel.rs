//! What can be selected on the canvas, and which element a diagnostic's path names.

use meshplan_core::Topology;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sel {
    Site(String),
    Node(String),
    Router(String),
    Host(String),
    Link(usize),
    /// The cluster settings (name, CNI, ranges): what the panel shows with nothing else selected.
    Cluster,
}

impl Sel {
    /// The selection for a name used as a link end or a reference.
    pub fn of_name(t: &Topology, name: &str) -> Option<Sel> {
        use meshplan_core::model::Kind;
        Some(match t.kind_of(name)? {
            Kind::Site => Sel::Site(name.to_string()),
            Kind::Node => Sel::Node(name.to_string()),
            Kind::Router => Sel::Router(name.to_string()),
            Kind::Host => Sel::Host(name.to_string()),
        })
    }

    /// What a selected site or device is (the inverse of [`Sel::of_name`]).
    pub fn kind(&self) -> Option<meshplan_core::model::Kind> {
        use meshplan_core::model::Kind;
        match self {
            Sel::Site(_) => Some(Kind::Site),
            Sel::Node(_) => Some(Kind::Node),
            Sel::Router(_) => Some(Kind::Router),
            Sel::Host(_) => Some(Kind::Host),
            Sel::Link(_) | Sel::Cluster => None,
        }
    }

    /// The name of a site or device.
    pub fn name(&self) -> Option<&str> {
        match self {
            Sel::Site(n) | Sel::Node(n) | Sel::Router(n) | Sel::Host(n) => Some(n),
            Sel::Link(_) | Sel::Cluster => None,
        }
    }

    pub fn is_device(&self) -> bool {
        matches!(self, Sel::Node(_) | Sel::Router(_) | Sel::Host(_))
    }

    /// The path of this element in the file: `nodes.kubemaster`, `links[3]`.
    pub fn path(&self) -> String {
        match self {
            Sel::Site(n) => format!("sites.{n}"),
            Sel::Node(n) => format!("nodes.{n}"),
            Sel::Router(n) => format!("routers.{n}"),
            Sel::Host(n) => format!("hosts.{n}"),
            Sel::Link(i) => format!("links[{i}]"),
            Sel::Cluster => "cluster".to_string(),
        }
    }

    /// True when a diagnostic at `path` is about this element.
    pub fn owns_path(&self, path: &str) -> bool {
        let own = self.path();
        path == own || path.starts_with(&format!("{own}.")) || path.starts_with(&format!("{own}["))
    }

    /// A word for messages: "site", "node", …
    pub fn noun(&self) -> &'static str {
        match self {
            Sel::Site(_) => "site",
            Sel::Node(_) => "node",
            Sel::Router(_) => "router",
            Sel::Host(_) => "host",
            Sel::Link(_) => "link",
            Sel::Cluster => "cluster",
        }
    }

    /// The element a diagnostic's path names (`nodes.kube.example.com.address` →
    /// the node `kube.example.com`; `links[3].between[1]` → link 3). Names may hold
    /// dots, so the longest existing name that fits wins.
    pub fn from_path(t: &Topology, path: &str) -> Option<Sel> {
        if let Some(rest) = path.strip_prefix("links[") {
            let i: usize = rest.split(']').next()?.parse().ok()?;
            return (i < t.links.len()).then_some(Sel::Link(i));
        }
        if path == "cluster" || path.starts_with("cluster.") || path == "name" || path == "version" {
            return Some(Sel::Cluster);
        }
        let (section, rest) = path.split_once('.')?;
        let names: Vec<&String> = match section {
            "sites" => t.sites.keys().collect(),
            "nodes" => t.nodes.keys().collect(),
            "routers" => t.routers.keys().collect(),
            "hosts" => t.hosts.keys().collect(),
            _ => return None,
        };
        let fits = |n: &&String| {
            rest == n.as_str()
                || rest.strip_prefix(n.as_str()).is_some_and(|r| r.starts_with('.') || r.starts_with('['))
        };
        let name = names.into_iter().filter(fits).max_by_key(|n| n.len())?.clone();
        Some(match section {
            "sites" => Sel::Site(name),
            "nodes" => Sel::Node(name),
            "routers" => Sel::Router(name),
            _ => Sel::Host(name),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_elements() {
        let mut t = meshplan_core::parse(include_str!("../../examples/calico-wds-hkg.yaml")).topology.unwrap();
        let n = t.nodes["kubemaster"].clone();
        t.nodes.insert("kube.example.com".into(), n.clone());
        t.nodes.insert("kube".into(), n);
        assert_eq!(Sel::from_path(&t, "nodes.kubemaster.address"), Some(Sel::Node("kubemaster".into())));
        assert_eq!(Sel::from_path(&t, "nodes.kube.example.com.site"), Some(Sel::Node("kube.example.com".into())));
        assert_eq!(Sel::from_path(&t, "nodes.kube.role"), Some(Sel::Node("kube".into())));
        assert_eq!(Sel::from_path(&t, "links[2].between[1]"), Some(Sel::Link(2)));
        assert_eq!(Sel::from_path(&t, "links[99]"), None);
        assert_eq!(Sel::from_path(&t, "routers.cn-ns"), Some(Sel::Router("cn-ns".into())));
        assert_eq!(Sel::from_path(&t, "cluster.mtu"), Some(Sel::Cluster));
        assert_eq!(Sel::from_path(&t, "hosts.nothing.site"), None);
        assert!(Sel::Node("kube".into()).owns_path("nodes.kube.address"));
        assert!(!Sel::Node("kube".into()).owns_path("nodes.kubemaster.address"));
    }
}
