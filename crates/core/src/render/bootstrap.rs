//! The order of the cluster scripts (`cluster/<part>/apply.sh`): one table of
//! steps, each with what it needs and what it provides. The renderers print each
//! step's header from here (`echo "== <title>"`), and a test walks every bundle's
//! scripts in the order the runbook runs them, refusing a step that needs what
//! only a later step (or nothing) provides.
//!
//! The trap this guards against: anything served from a pod (Calico's aggregated
//! API server, calico-kube-controllers, MetalLB's webhook) is reached over the
//! pod network. Where the design routes pods through its own BGP peers, that
//! network exists only once the peers are applied and the agents run, so no
//! step before that may wait on a pod-served thing.

use crate::model::Cni;
use crate::plan::{Plan, SessionRole};

/// What a step can need and provide.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Res {
    /// k3s runs on the servers and every node's install.sh has run: the
    /// Kubernetes API answers and the nodes are registered (NotReady without a CNI).
    KubeApi,
    /// The underlay routes the nodes' own addresses (the operator's routers, before meshplan).
    Underlay,
    /// The upstream manifests and charts: downloaded, or in `artifacts/` when airgapped.
    Upstream,
    /// The node labels or annotations the CNI's selectors read.
    NodeMarks,
    /// The Tigera operator runs and its CRDs are established.
    Operator,
    /// The CNI's own CRDs are established (Calico's `crd.projectcalico.org`,
    /// Cilium's, Kilo's), so its resources can be stored.
    CniCrds,
    /// The BGP resources are in the datastore.
    BgpConfig,
    /// The CNI's node agents run (calico-node, cilium-agent, kg).
    CniAgents,
    /// Every node reaches every other node's pods: the design's own pod routes.
    PodRoutes,
    /// The LoadBalancer address pools (MetalLB or Cilium LB-IPAM) are stored.
    LbPools,
    /// MetalLB runs and its validating webhook (a pod) answers.
    MetallbWebhook,
    /// Calico's `projectcalico.org/v3` API (the calico-apiserver pods) answers.
    CalicoApi,
}

/// One step of a cluster script, in the order a script may print them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    CalicoLabels,
    CalicoOperator,
    CalicoBgp,
    CalicoInstallation,
    CalicoReady,
    CalicoApiServer,
    CiliumLabels,
    CiliumHelm,
    CiliumLbPools,
    CiliumBgp,
    KiloManifests,
    KiloAnnotations,
    KiloArgs,
    Kilo,
    Metallb,
    MetallbPools,
    MetallbL2,
    MetallbBgp,
}

use Res::*;

impl Step {
    pub const ALL: &'static [Step] = &[
        Step::CalicoLabels,
        Step::CalicoOperator,
        Step::CalicoBgp,
        Step::CalicoInstallation,
        Step::CalicoReady,
        Step::CalicoApiServer,
        Step::CiliumLabels,
        Step::CiliumHelm,
        Step::CiliumLbPools,
        Step::CiliumBgp,
        Step::KiloManifests,
        Step::KiloAnnotations,
        Step::KiloArgs,
        Step::Kilo,
        Step::Metallb,
        Step::MetallbPools,
        Step::MetallbL2,
        Step::MetallbBgp,
    ];

    /// The header the script prints (`echo "== <title>"`), shell variables as written.
    pub fn title(self) -> &'static str {
        match self {
            Step::CalicoLabels => "node labels: region (the BGPPeer selectors match on it)",
            Step::CalicoOperator => "Tigera operator for Calico $CALICO_VERSION",
            Step::CalicoBgp => "BGP configuration and peers (crd.projectcalico.org/v1, no API server needed)",
            Step::CalicoInstallation => "Installation: calico-node on every node",
            Step::CalicoReady => "Calico ready (calico-kube-controllers runs on the pod network)",
            Step::CalicoApiServer => "Calico API server (projectcalico.org/v3, reached over the pod network)",
            Step::CiliumLabels => "node labels (the BGP node selectors match on them)",
            Step::CiliumHelm => "Cilium $CILIUM_VERSION (helm)",
            Step::CiliumLbPools => "LoadBalancer IP pools",
            Step::CiliumBgp => "BGP peering",
            Step::KiloManifests => "Kilo $KILO_VERSION manifests",
            Step::KiloAnnotations => "node annotations: location, endpoint, keepalive, leader",
            Step::KiloArgs => "kg arguments and pod MTU",
            Step::Kilo => "Kilo",
            Step::Metallb => "MetalLB $METALLB_VERSION ($MANIFEST)",
            Step::MetallbPools => "address pools",
            Step::MetallbL2 => "layer 2 advertisement",
            Step::MetallbBgp => "BGP peers and advertisement",
        }
    }

    /// The shell line that opens the step.
    pub fn header(self) -> String {
        format!("echo \"== {}\"\n", self.title())
    }

    pub fn from_title(title: &str) -> Option<Step> {
        Step::ALL.iter().copied().find(|s| s.title() == title)
    }

    /// What must hold before the step runs.
    pub fn needs(self) -> Vec<Res> {
        match self {
            Step::CalicoLabels | Step::CiliumLabels | Step::KiloAnnotations => vec![KubeApi],
            Step::CalicoOperator => vec![KubeApi, Upstream],
            // Stored as the CRDs the operator's manifest brings: no aggregated API.
            Step::CalicoBgp => vec![CniCrds],
            // calico-node reads the BGP configuration when it starts; where the
            // design routes pods through routers, its pod routes come from those peers.
            Step::CalicoInstallation => vec![Operator, BgpConfig, Underlay],
            // calico-kube-controllers is a pod that must reach the API server.
            Step::CalicoReady => vec![CniAgents, PodRoutes],
            // kube-apiserver reaches calico-apiserver at its pod address.
            Step::CalicoApiServer => vec![PodRoutes],
            // The agents and the operator run in the host network.
            Step::CiliumHelm => vec![KubeApi, Upstream],
            Step::CiliumLbPools => vec![CniCrds],
            Step::CiliumBgp => vec![CniCrds, NodeMarks],
            Step::KiloManifests => vec![Upstream],
            Step::KiloArgs => vec![Upstream],
            Step::Kilo => vec![KubeApi, Underlay, NodeMarks],
            // It waits for the controller's webhook, a pod kube-apiserver calls.
            Step::Metallb => vec![KubeApi, Upstream, PodRoutes],
            Step::MetallbPools | Step::MetallbL2 => vec![MetallbWebhook],
            Step::MetallbBgp => vec![MetallbWebhook, LbPools],
        }
    }

    /// What holds once the step has run.
    pub fn provides(self, plan: &Plan) -> Vec<Res> {
        match self {
            Step::CalicoLabels | Step::CiliumLabels | Step::KiloAnnotations => vec![NodeMarks],
            Step::CalicoOperator => vec![Operator, CniCrds],
            Step::CalicoBgp | Step::CiliumBgp => {
                // Cilium's agents already run: with the peers the routers learn the pod ranges.
                let mut v = vec![BgpConfig];
                if self == Step::CiliumBgp {
                    v.push(PodRoutes);
                }
                v
            }
            Step::CalicoInstallation => vec![CniAgents, PodRoutes],
            Step::CalicoReady => vec![],
            Step::CalicoApiServer => vec![CalicoApi],
            Step::CiliumHelm => {
                // Without peers to routers (one L2, or the VXLAN tunnel) the agents route pods themselves.
                let mut v = vec![CniAgents, CniCrds];
                if !routes_via_peers(plan) {
                    v.push(PodRoutes);
                }
                v
            }
            Step::CiliumLbPools | Step::MetallbPools => vec![LbPools],
            Step::KiloManifests | Step::KiloArgs => vec![],
            Step::Kilo => vec![CniCrds, CniAgents, PodRoutes],
            Step::Metallb => vec![MetallbWebhook],
            Step::MetallbL2 | Step::MetallbBgp => vec![],
        }
    }
}

/// True when some node's pod routes reach other nodes only through routers of
/// the plan (sessions to route reflectors or eBGP peers).
pub fn routes_via_peers(plan: &Plan) -> bool {
    plan.sessions.iter().any(|s| matches!(s.role, SessionRole::RrClient | SessionRole::Ebgp))
}

/// What holds before any cluster script runs: the node scripts have run on the
/// underlay the operator routes, and the upstream files are reachable. With
/// Flannel, k3s's embedded CNI gives the pod routes already.
pub fn given(plan: &Plan) -> Vec<Res> {
    let mut v = vec![KubeApi, Underlay, Upstream];
    if plan.cluster.cni == Cni::Flannel {
        v.extend([CniAgents, PodRoutes]);
    }
    v
}

/// The cluster scripts in the order the runbook runs them: the CNI's, then MetalLB's.
pub fn scripts(plan: &Plan) -> Vec<&'static str> {
    let mut v = Vec::new();
    match plan.cluster.cni {
        Cni::Calico => v.push("cluster/calico/apply.sh"),
        Cni::Cilium => v.push("cluster/cilium/apply.sh"),
        Cni::Kilo => v.push("cluster/kilo/apply.sh"),
        Cni::Flannel => {}
    }
    if plan.cluster.metallb.is_some() {
        v.push("cluster/metallb/apply.sh");
    }
    v
}

/// The steps a script prints, in its order (`echo "== …"` lines at the start of a line).
pub fn steps_in(script: &str) -> Result<Vec<Step>, String> {
    script
        .lines()
        .filter_map(|l| l.strip_prefix("echo \"== ").and_then(|r| r.strip_suffix('"')))
        .map(|t| Step::from_title(t).ok_or_else(|| format!("step `{t}` is not in the bootstrap table")))
        .collect()
}

/// Walks steps in order from what is given; the first need that no earlier step
/// provides is the error, naming the later step that provides it, if any.
pub fn check_order(plan: &Plan, steps: &[Step]) -> Result<(), String> {
    let mut have = given(plan);
    for (i, s) in steps.iter().enumerate() {
        for need in s.needs() {
            if have.contains(&need) {
                continue;
            }
            let later = steps[i + 1..].iter().find(|l| l.provides(plan).contains(&need));
            return Err(match later {
                Some(l) => {
                    format!("step `{}` needs {need:?}, which only the later step `{}` provides", s.title(), l.title())
                }
                None => format!("step `{}` needs {need:?}, which no step before it provides", s.title()),
            });
        }
        have.extend(s.provides(plan));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::render;
    use crate::test_support::example_and_case_plans;

    /// Every bundle's cluster scripts, walked in the runbook's order as one
    /// sequence: no step may need what only a later step (or no step) provides.
    #[test]
    fn every_bundle_applies_in_an_order_that_can_finish() {
        let mut walked = 0;
        for (name, plan) in example_and_case_plans() {
            let files = render(&plan);
            let order = scripts(&plan);
            for f in files.iter().filter(|f| f.path.starts_with("cluster/") && f.path.ends_with("/apply.sh")) {
                assert!(order.contains(&f.path.as_str()), "{name}: {} is not in the bootstrap order", f.path);
            }
            let mut steps = Vec::new();
            for path in &order {
                let Some(f) = files.iter().find(|f| f.path == *path) else {
                    panic!("{name}: the bootstrap order names {path}, which the bundle lacks")
                };
                steps.extend(steps_in(&f.contents).unwrap_or_else(|e| panic!("{name}: {path}: {e}")));
            }
            if let Err(e) = check_order(&plan, &steps) {
                panic!("{name}: {e}");
            }
            walked += steps.len();
        }
        assert!(walked > 20, "only {walked} steps walked: the examples lost their cluster scripts?");
    }

    fn calico_example() -> Plan {
        example_and_case_plans()
            .into_iter()
            .find(|(n, _)| n == "calico-wds-hkg")
            .map(|(_, p)| p)
            .unwrap_or_else(|| panic!("no calico-wds-hkg example"))
    }

    /// The order that deadlocked: Installation and the API server waited on
    /// before the BGP peers the pod network needs.
    #[test]
    fn waiting_on_the_calico_api_server_before_the_peers_is_refused() {
        let plan = calico_example();
        assert!(routes_via_peers(&plan));
        let old = [
            Step::CalicoLabels,
            Step::CalicoOperator,
            Step::CalicoInstallation,
            Step::CalicoReady,
            Step::CalicoApiServer,
            Step::CalicoBgp,
        ];
        let e = check_order(&plan, &old).err().unwrap_or_default();
        assert!(e.contains("Installation") && e.contains("BgpConfig") && e.contains("later step"), "{e}");
        let good = [
            Step::CalicoLabels,
            Step::CalicoOperator,
            Step::CalicoBgp,
            Step::CalicoInstallation,
            Step::CalicoReady,
            Step::CalicoApiServer,
        ];
        assert_eq!(check_order(&plan, &good), Ok(()));
        // Skipping the step that provides the pod routes leaves the API server wait stranded.
        let e = check_order(&plan, &[Step::CalicoApiServer]).err().unwrap_or_default();
        assert!(e.contains("PodRoutes") && e.contains("no step before it"), "{e}");
    }

    #[test]
    fn an_unknown_step_header_is_refused() {
        let e = steps_in("echo \"== something new\"\n").err().unwrap_or_default();
        assert!(e.contains("something new"), "{e}");
        assert_eq!(steps_in(&Step::Kilo.header()), Ok(vec![Step::Kilo]));
    }

    #[test]
    fn titles_are_unique() {
        for (i, a) in Step::ALL.iter().enumerate() {
            for b in &Step::ALL[i + 1..] {
                assert_ne!(a.title(), b.title(), "{a:?} and {b:?} print the same header");
            }
        }
    }
}
