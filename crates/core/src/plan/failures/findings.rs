//! The findings of the failure analysis: one per failure that breaks pod
//! traffic between locations (a single point of failure), one per failure that
//! moves traffic onto a path below the pod MTU. Warnings, or errors where the
//! topology says surviving single failures is required.

use super::{Failure, Failures};
use crate::diag::{Code, Diagnostic};

/// How many site pairs or paths a message names before "and N more".
const NAMED: usize = 4;

pub fn of(f: &Failures) -> Vec<Diagnostic> {
    let (spof, mtu) = if f.required { (Code::E101, Code::E102) } else { (Code::W101, Code::W102) };
    let mut out = Vec::new();
    for x in &f.failures {
        if !x.broken.is_empty() {
            out.push(broken(spof, x));
        }
        if !x.mtu_drops.is_empty() {
            out.push(mtu_drop(mtu, f.pod_mtu, x));
        }
    }
    out
}

fn some<T>(items: &[T], each: impl Fn(&T) -> String) -> String {
    let named: Vec<String> = items.iter().take(NAMED).map(each).collect();
    let more = items.len().saturating_sub(NAMED);
    if more > 0 {
        format!("{} and {more} more", named.join(", "))
    } else {
        named.join(", ")
    }
}

fn what(x: &Failure) -> String {
    match x.element.kind {
        "link" => format!("link {} `{}`", x.element.path, x.element.name),
        "site" => format!("the network of site `{}`", x.element.name),
        kind => format!("{kind} `{}`", x.element.name),
    }
}

fn broken(code: Code, x: &Failure) -> Diagnostic {
    let pairs = some(&x.broken_site_pairs, |[a, b]| if a == b { format!("inside {a}") } else { format!("{a} ↔ {b}") });
    // The first reason, as an example of what happens.
    let why = x.broken.first().map(|b| b.why.words()).unwrap_or_default();
    let lost = if x.sessions_lost.is_empty() {
        String::new()
    } else {
        format!(
            "; {} BGP session(s) go down, noticed after {}",
            x.sessions_lost.len(),
            x.outage.seconds.map(|s| format!("{s} s")).unwrap_or_default()
        )
    };
    Diagnostic::new(
        code,
        x.element.path.clone(),
        format!(
            "single point of failure: when {} fails, pods lose {} ({} location pair(s); e.g. {why}){lost}",
            what(x),
            pairs,
            x.broken.len()
        ),
    )
    .hint(match x.element.kind {
        "router" => "a second router serving the same sites (and in the backbone) keeps the routes; `meshplan plan --failures` lists every pair",
        "link" => "a second link (or another path of any cost) between the two sides keeps traffic flowing; `meshplan plan --failures` lists every pair",
        "site" => "a site network is one failure domain: nodes that must survive it need a path of their own; `meshplan plan --failures` lists every pair",
        _ => "a path around it keeps traffic flowing; `meshplan plan --failures` lists every pair",
    })
}

fn mtu_drop(code: Code, pod_mtu: u32, x: &Failure) -> Diagnostic {
    let worst = x.mtu_drops.iter().map(|d| d.pod_mtu).min().unwrap_or(pod_mtu);
    let list = some(&x.mtu_drops, |d| format!("{} ↔ {} ({} bytes)", d.from_site, d.to_site, d.pod_mtu));
    let limiting = x.mtu_drops.iter().min_by_key(|d| d.pod_mtu).and_then(|d| d.limiting.clone()).unwrap_or_default();
    Diagnostic::new(
        code,
        x.element.path.clone(),
        format!(
            "backup path below the pod MTU: when {} fails, traffic moves to paths that leave pods {worst} bytes, under the configured pod MTU {pod_mtu}: {list}; limited by {limiting}. Packets above {worst} bytes are dropped without a word (pods do not learn a smaller path MTU), so large responses hang",
            what(x)
        ),
    )
    .hint(format!("set `cluster.mtu: {worst}` to fit the backup path, or raise the backup path's MTU"))
}
