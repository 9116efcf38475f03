//! The pinned versions: one table for every renderer and for `fetch-artifacts.sh`.
//!
//! A topology may pin its own k3s, Calico or Cilium version; these are what the
//! bundle installs when it does not, and the versions whose airgap kit is proven
//! complete against upstream release material (`tests/data/upstream/`, read by
//! `crates/core/tests/airgap_kit.rs`). Bumping one: change it here, run
//! `tests/data/upstream/refresh.sh` on a connected machine, run the tests.

/// The day the table was last checked against the upstream repositories.
pub const CHECKED: &str = "2026-12-02";

/// One pinned upstream release.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pin {
    /// What it is, as the runbook names it.
    pub name: &'static str,
    pub version: &'static str,
    /// Where the version was checked, or why it could not be.
    pub source: &'static str,
}

/// k3s, installed when the topology pins none in airgap mode (online, the
/// install script's stable channel decides). Not in a mirror here (k3s-io/k3s
/// was too large to fetch): the release the examples were written against.
pub const K3S: &str = "v1.34.5+k3s1";
/// Calico. v3.32.2 was the previous pin; the newest tag in projectcalico/calico's
/// mirror is v3.32.1 (2026-06-24), so that is pinned.
pub const CALICO: &str = "v3.32.1";
/// The Tigera operator that Calico's `manifests/tigera-operator.yaml` of v3.32.1
/// deploys (`quay.io/tigera/operator:v1.42.3`, tag of 2026-06-26).
pub const TIGERA_OPERATOR: &str = "v1.42.3";
/// Cilium, as the chart spells it (no leading `v`): the newest patch of the
/// newest stable line per cilium/cilium's README stable-release table.
pub const CILIUM: &str = "1.20.2";
/// helm, fetched for airgapped Cilium installs (get.helm.sh publishes a
/// `.sha256sum` beside each archive).
pub const HELM: &str = "v3.21.4";
/// MetalLB: the newest release tag of metallb/metallb (2026-05-27).
pub const METALLB: &str = "v0.16.1";
/// Kilo: the newest release tag of squat/kilo (2026-03-03).
pub const KILO: &str = "0.7.0";

/// The table, in the order the runbook lists it.
pub const ALL: [Pin; 7] = [
    Pin {
        name: "k3s",
        version: K3S,
        source: "not checked here (k3s-io/k3s too large to mirror); the examples' release",
    },
    Pin { name: "Calico", version: CALICO, source: "projectcalico/calico tag v3.32.1 (0ca9d1b9)" },
    Pin { name: "Tigera operator", version: TIGERA_OPERATOR, source: "tigera/operator tag v1.42.3 (40f3e3d3)" },
    Pin { name: "Cilium", version: CILIUM, source: "not checked here (cilium/cilium too large to mirror)" },
    Pin { name: "helm", version: HELM, source: "not checked here (get.helm.sh)" },
    Pin { name: "MetalLB", version: METALLB, source: "metallb/metallb tag v0.16.1 (791dfcc6)" },
    Pin { name: "Kilo", version: KILO, source: "squat/kilo tag 0.7.0 (d09d2846)" },
];

/// BIRD and FRR come from the router platform's own package repositories (the
/// packages in `render::router_os::package`): their version is the
/// distribution's, and the airgap kit carries whatever the connected machine's
/// package tool downloads for that platform.
pub const ROUTER_PACKAGES: &str = "the router platform's own packages (bird2/bird, frr/frr10)";
