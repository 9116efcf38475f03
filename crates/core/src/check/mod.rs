//! Rules on the topology as written: names, references, addresses, cluster
//! settings, Kubernetes' own limits, MTU ranges, underlay connectivity. Each rule family is one module with
//! a `run(&Topology, &mut Vec<Diagnostic>)`; none stops at the first finding, none
//! panics on any input the parser accepts. Rules that need the resolved routing
//! (blackholes, MTU budget) live in `plan`.

mod addresses;
mod cluster;
mod connectivity;
mod kubernetes;
mod machines;
mod mtu;
mod names;
mod refs;

use crate::diag::Diagnostic;
use crate::model::Topology;

pub fn check(t: &Topology) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    names::run(t, &mut out);
    refs::run(t, &mut out);
    addresses::run(t, &mut out);
    cluster::run(t, &mut out);
    kubernetes::run(t, &mut out);
    mtu::run(t, &mut out);
    connectivity::run(t, &mut out);
    machines::run(t, &mut out);
    out
}
