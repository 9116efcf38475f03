//! Routers that share a machine: each needs a network namespace of its own
//! there (or they would share one daemon, its config and its socket), one machine
//! runs one OS, and network namespaces are Linux's (FreeBSD has none). The
//! machine and namespace names reach the install scripts, so they are safe names.

use std::collections::BTreeMap;

use crate::diag::{Code, Diagnostic};
use crate::model::{Platform, Topology};
use crate::text::is_safe_name;

pub fn run(t: &Topology, out: &mut Vec<Diagnostic>) {
    // (machine, netns) → the first router there; machine → (platform, first router).
    let mut places: BTreeMap<(&str, Option<&str>), &str> = BTreeMap::new();
    let mut platforms: BTreeMap<&str, (Platform, &str)> = BTreeMap::new();
    for (name, r) in &t.routers {
        for (field, v) in [("machine", &r.machine), ("netns", &r.netns)] {
            if let Some(v) = v.as_deref().filter(|v| !is_safe_name(v)) {
                out.push(
                    Diagnostic::new(
                        Code::E014,
                        format!("routers.{name}.{field}"),
                        format!("{field} `{v}` has characters that are not allowed"),
                    )
                    .hint(
                        "use letters, digits, `_`, `.` and `-`, starting with a letter or digit, at most 63 characters",
                    ),
                );
            }
        }
        if let (Some(ns), Platform::Freebsd) = (&r.netns, r.platform) {
            out.push(
                Diagnostic::new(
                    Code::E090,
                    format!("routers.{name}.netns"),
                    format!("router `{name}` runs FreeBSD, which has no network namespace `{ns}`"),
                )
                .hint("leave out `netns` (a FreeBSD router runs in the machine's own network stack), or set the platform the machine really runs"),
            );
        }
        let machine = r.machine(name);
        match places.get(&(machine, r.netns.as_deref())) {
            Some(first) => out.push(
                Diagnostic::new(
                    Code::E091,
                    format!("routers.{name}.netns"),
                    format!(
                        "routers `{first}` and `{name}` are both on machine `{machine}` in {}: they would share one daemon, config and control socket",
                        r.netns.as_deref().map_or("its own network stack".to_string(), |n| format!("network namespace `{n}`"))
                    ),
                )
                .hint("give each router on the machine its own `netns`"),
            ),
            None => {
                places.insert((machine, r.netns.as_deref()), name);
            }
        }
        match platforms.get(machine) {
            Some((p, first)) if *p != r.platform => out.push(
                Diagnostic::new(
                    Code::E092,
                    format!("routers.{name}.platform"),
                    format!(
                        "routers `{first}` ({}) and `{name}` ({}) are on one machine `{machine}`, which runs one OS",
                        p.as_str(),
                        r.platform.as_str()
                    ),
                )
                .hint("set the same `platform` on every router of the machine"),
            ),
            Some(_) => {}
            None => {
                platforms.insert(machine, (r.platform, name));
            }
        }
    }
}
