//! The order of the cluster scripts (`cluster/<part>/apply.sh`): what a step can
//! need and provide ([`Res`]) and the [`Step`] type. Each add-on defines its own
//! steps beside its script (`AddOn::steps`) and prints each one's header
//! (`echo "== <title>"`); a test walks every bundle's scripts in the order the
//! runbook runs them, refusing a step that needs what only a later step (or
//! nothing) provides.
//!
//! The trap this guards against: anything served from a pod (Calico's aggregated
//! API server, calico-kube-controllers, MetalLB's webhook) is reached over the
//! pod network. Where the design routes pods through its own BGP peers, that
//! network exists only once the peers are applied and the agents run, so no
//! step before that may wait on a pod-served thing.

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

/// What a step provides: always the same, or depending on the design.
#[derive(Clone, Copy)]
pub enum Provides {
    Always(&'static [Res]),
    Depends(fn(&Plan) -> Vec<Res>),
}

/// One step of a cluster script. Each add-on defines its own (`render::addon::AddOn::steps`).
#[derive(Clone, Copy)]
pub struct Step {
    /// The header the script prints (`echo "== <title>"`), shell variables as written.
    pub title: &'static str,
    /// What must hold before the step runs.
    pub needs: &'static [Res],
    /// What holds once the step has run.
    pub provides: Provides,
}

impl Step {
    pub fn title(&self) -> &'static str {
        self.title
    }

    /// The shell line that opens the step.
    pub fn header(&self) -> String {
        format!("echo \"== {}\"\n", self.title)
    }

    pub fn needs(&self) -> &'static [Res] {
        self.needs
    }

    pub fn provides(&self, plan: &Plan) -> Vec<Res> {
        match self.provides {
            Provides::Always(r) => r.to_vec(),
            Provides::Depends(f) => f(plan),
        }
    }
}

/// Steps are told apart by their titles (a test keeps them unique).
impl PartialEq for Step {
    fn eq(&self, other: &Step) -> bool {
        self.title == other.title
    }
}

impl std::fmt::Debug for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Step({:?})", self.title)
    }
}

/// True when some node's pod routes reach other nodes only through routers of
/// the plan (sessions to route reflectors or eBGP peers).
pub fn routes_via_peers(plan: &Plan) -> bool {
    plan.sessions.iter().any(|s| matches!(s.role, SessionRole::RrClient | SessionRole::Ebgp))
}

/// What holds before any cluster script runs: the node scripts have run on the
/// underlay the operator routes, and the upstream files are reachable; `more` is
/// what the design's add-ons add (Flannel, inside k3s, gives the pod routes).
pub fn given(more: &[Res]) -> Vec<Res> {
    let mut v = vec![Res::KubeApi, Res::Underlay, Res::Upstream];
    v.extend_from_slice(more);
    v
}

/// The steps a script prints, in its order (`echo "== …"` lines at the start of
/// a line), each one of `known`.
pub fn steps_in(script: &str, known: &[Step]) -> Result<Vec<Step>, String> {
    script
        .lines()
        .filter_map(|l| l.strip_prefix("echo \"== ").and_then(|r| r.strip_suffix('"')))
        .map(|t| {
            known
                .iter()
                .find(|s| s.title == t)
                .copied()
                .ok_or_else(|| format!("step `{t}` is not in the bootstrap table"))
        })
        .collect()
}

/// Walks steps in order from what is given; the first need that no earlier step
/// provides is the error, naming the later step that provides it, if any.
pub fn check_order(plan: &Plan, given: Vec<Res>, steps: &[Step]) -> Result<(), String> {
    let mut have = given;
    for (i, s) in steps.iter().enumerate() {
        for &need in s.needs() {
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
    use crate::render::{addons, apply_scripts, render, ADDONS};
    use crate::test_support::example_and_case_plans;

    /// Every bundle's cluster scripts, walked in the runbook's order as one
    /// sequence: no step may need what only a later step (or no step) provides.
    #[test]
    fn every_bundle_applies_in_an_order_that_can_finish() {
        let mut walked = 0;
        for (name, plan) in example_and_case_plans() {
            let files = render(&plan);
            let order = apply_scripts(&plan);
            for f in files.iter().filter(|f| f.path.starts_with("cluster/") && f.path.ends_with("/apply.sh")) {
                assert!(order.contains(&f.path.as_str()), "{name}: {} is not in the bootstrap order", f.path);
            }
            let mut steps = Vec::new();
            let mut more = Vec::new();
            for a in addons(&plan) {
                more.extend_from_slice(a.given());
                let Some(path) = a.apply_script() else { continue };
                let Some(f) = files.iter().find(|f| f.path == path) else {
                    panic!("{name}: the bootstrap order names {path}, which the bundle lacks")
                };
                steps.extend(steps_in(&f.contents, a.steps()).unwrap_or_else(|e| panic!("{name}: {path}: {e}")));
            }
            if let Err(e) = check_order(&plan, given(&more), &steps) {
                panic!("{name}: {e}");
            }
            walked += steps.len();
        }
        assert!(walked > 20, "only {walked} steps walked: the examples lost their cluster scripts?");
    }

    #[test]
    fn an_unknown_step_header_is_refused() {
        let known = ADDONS.iter().flat_map(|a| a.steps().iter().copied()).collect::<Vec<_>>();
        let e = steps_in("echo \"== something new\"\n", &known).err().unwrap_or_default();
        assert!(e.contains("something new"), "{e}");
        let first = known[0];
        assert_eq!(steps_in(&first.header(), &known), Ok(vec![first]));
    }

    /// Steps are told apart by title, across every add-on.
    #[test]
    fn titles_are_unique() {
        let all: Vec<Step> = ADDONS.iter().flat_map(|a| a.steps().iter().copied()).collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a.title, b.title, "two steps print the same header");
            }
        }
    }
}
