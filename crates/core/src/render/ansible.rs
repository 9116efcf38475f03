//! Renderer: Ansible (`ansible/inventory.yml`, `ansible/site.yml`).
//!
//! The inventory groups the machines by role (routers, first server, other servers,
//! agents) and by site, with the plan's facts as host variables. The playbook runs
//! the bundle's own scripts, in the runbook's order: it adds no logic of its own.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::IpAddr;

use super::addon::Kind;
use super::common::{first_server, header, ident, router_script, yaml_str, ARTIFACTS_DIR};
use super::{addons, File};
use crate::model::Role;
use crate::plan::Plan;

/// A host and its variables (name, YAML value).
type HostVars = (String, Vec<(String, String)>);

/// Where the playbook puts the bundle's files on each machine.
const REMOTE: &str = "/opt/meshplan";

pub fn files(plan: &Plan) -> Vec<File> {
    if plan.nodes.is_empty() {
        return Vec::new();
    }
    vec![File::text("ansible/inventory.yml", inventory(plan)), File::text("ansible/site.yml", playbook(plan))]
}

fn addr_list(a: &[IpAddr]) -> String {
    let v: Vec<String> = a.iter().map(|a| yaml_str(&a.to_string())).collect();
    format!("[{}]", v.join(", "))
}

fn group(o: &mut String, name: &str, hosts: &[HostVars]) {
    let _ = writeln!(o, "    {name}:");
    if hosts.is_empty() {
        o.push_str("      hosts: {}\n");
        return;
    }
    o.push_str("      hosts:\n");
    for (h, vars) in hosts {
        if vars.is_empty() {
            let _ = writeln!(o, "        {}:", yaml_str(h));
        } else {
            let _ = writeln!(o, "        {}:", yaml_str(h));
            for (k, v) in vars {
                let _ = writeln!(o, "          {k}: {v}");
            }
        }
    }
}

fn inventory(plan: &Plan) -> String {
    let mut o = header(plan, "#", "Ansible inventory: the machines by role and by site, with the plan's facts");
    o.push_str("all:\n  children:\n");
    let routers: Vec<HostVars> = plan
        .routers
        .iter()
        .filter(|(r, _)| router_script(plan, r).is_some())
        .filter_map(|(r, rp)| {
            let first = rp.addresses.first()?;
            let mut vars = vec![
                ("ansible_host".to_string(), yaml_str(&first.to_string())),
                ("meshplan_daemon".to_string(), yaml_str(&format!("{:?}", rp.daemon).to_lowercase())),
                ("meshplan_addresses".to_string(), addr_list(&rp.addresses)),
            ];
            if let Some(s) = &rp.site {
                vars.push(("meshplan_site".to_string(), yaml_str(s)));
            }
            Some((r.clone(), vars))
        })
        .collect();
    group(&mut o, "routers", &routers);

    let first = first_server(plan).cloned();
    let node_vars = |name: &String| -> Vec<(String, String)> {
        let Some(n) = plan.nodes.get(name) else { return Vec::new() };
        let mut v = Vec::new();
        if let Some(a) = n.addresses.first() {
            v.push(("ansible_host".to_string(), yaml_str(&a.to_string())));
        }
        v.push(("meshplan_role".to_string(), yaml_str(if n.role == Role::Server { "server" } else { "agent" })));
        v.push(("meshplan_site".to_string(), yaml_str(&n.site)));
        v.push(("meshplan_region".to_string(), yaml_str(&n.region)));
        v.push(("meshplan_addresses".to_string(), addr_list(&n.addresses)));
        v.push((
            "meshplan_pod_ranges".to_string(),
            format!("[{}]", n.pod_ranges.iter().map(|r| yaml_str(&r.to_string())).collect::<Vec<_>>().join(", ")),
        ));
        v
    };
    let first_group: Vec<HostVars> = first.iter().map(|f| (f.clone(), node_vars(f))).collect();
    group(&mut o, "k3s_first_server", &first_group);
    let others: Vec<HostVars> = plan
        .nodes
        .iter()
        .filter(|(k, n)| n.role == Role::Server && Some(*k) != first.as_ref())
        .map(|(k, _)| (k.clone(), node_vars(k)))
        .collect();
    group(&mut o, "k3s_servers", &others);
    let agents: Vec<HostVars> =
        plan.nodes.iter().filter(|(_, n)| n.role == Role::Agent).map(|(k, _)| (k.clone(), node_vars(k))).collect();
    group(&mut o, "k3s_agents", &agents);

    // Sites: membership only; the variables live with the role groups above.
    let mut by_site: BTreeMap<&str, Vec<HostVars>> = BTreeMap::new();
    for (name, n) in &plan.nodes {
        by_site.entry(n.site.as_str()).or_default().push((name.clone(), Vec::new()));
    }
    for (name, r) in &plan.routers {
        if let (Some(s), Some(_)) = (&r.site, router_script(plan, name)) {
            by_site.entry(s.as_str()).or_default().push((name.clone(), Vec::new()));
        }
    }
    for (site, hosts) in &by_site {
        group(&mut o, &format!("site_{}", ident(site)), hosts);
    }
    o
}

/// What a play does with the join token.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Token {
    None,
    /// The first server: read the token k3s made, after its script ran.
    Read,
    /// A joining node: hand that token to its script on standard input.
    Give,
}

/// The registered variable that holds the first server's token (base64, as slurp gives it).
const TOKEN_VAR: &str = "k3s_join_token";

/// One play that copies a folder of the bundle to the machine and runs a script from it.
fn play(o: &mut String, name: &str, hosts: &str, serial: bool, copies: &[(&str, &str)], run: &str, token: Token) {
    let _ = writeln!(o, "\n- name: {}\n  hosts: {hosts}\n  become: true\n  gather_facts: false", yaml_str(name));
    if serial {
        o.push_str("  serial: 1\n");
    }
    o.push_str("  tasks:\n");
    for (src, dest) in copies {
        let _ = writeln!(
            o,
            "    - name: {}\n      ansible.builtin.copy:\n        src: \"{{{{ playbook_dir }}}}/../{src}\"\n        dest: \"{REMOTE}/{dest}\"\n        mode: preserve",
            yaml_str(&format!("Copy {src}"))
        );
    }
    if token == Token::Give {
        // On standard input, never in argv or the environment; no_log keeps it out of Ansible's output.
        let _ = writeln!(
            o,
            "    - name: {}\n      ansible.builtin.command:\n        cmd: \"{REMOTE}/{run}\"\n        \
stdin: \"{{{{ hostvars[groups['k3s_first_server'][0]]['{TOKEN_VAR}']['content'] | b64decode | trim }}}}\"\n      \
no_log: true\n      changed_when: true",
            yaml_str(&format!("Run {run}"))
        );
    } else {
        let _ = writeln!(
            o,
            "    - name: {}\n      ansible.builtin.command: \"{REMOTE}/{run}\"\n      changed_when: true",
            yaml_str(&format!("Run {run}"))
        );
    }
    if token == Token::Read {
        let _ = writeln!(
            o,
            "    - name: Read the join token k3s made (secure format)\n      ansible.builtin.slurp:\n        src: {}\n      \
register: {TOKEN_VAR}\n      no_log: true",
            super::common::SERVER_TOKEN
        );
    }
}

fn playbook(plan: &Plan) -> String {
    let mut o = header(
        plan,
        "#",
        "Ansible playbook: the bundle's scripts in the runbook's order (the join token read on the first server, given on stdin)",
    );
    let airgap = plan.cluster.airgap;
    let art = format!("{ARTIFACTS_DIR}/");
    if plan.routers.keys().any(|r| router_script(plan, r).is_some()) {
        play(
            &mut o,
            "Routers: BGP daemon and configuration",
            "routers",
            false,
            &[("routers/{{ inventory_hostname }}/", "routers/{{ inventory_hostname }}/")],
            "routers/{{ inventory_hostname }}/install.sh",
            Token::None,
        );
    }
    let mut node_copies: Vec<(&str, &str)> =
        vec![("nodes/{{ inventory_hostname }}/", "nodes/{{ inventory_hostname }}/")];
    if airgap {
        node_copies.push((art.as_str(), art.as_str()));
    }
    // A step every node runs before k3s (Kilo: its own firewall, opening WireGuard and the k3s ports).
    for step in addons(plan).into_iter().filter_map(|a| a.node_step()) {
        let script = format!("nodes/{{{{ inventory_hostname }}}}/{}", step.file);
        play(
            &mut o,
            step.title,
            "k3s_first_server:k3s_servers:k3s_agents",
            false,
            &[("nodes/{{ inventory_hostname }}/", "nodes/{{ inventory_hostname }}/")],
            &script,
            Token::None,
        );
    }
    for (title, hosts, serial, token) in [
        ("First server", "k3s_first_server", false, Token::Read),
        ("Other servers, one at a time", "k3s_servers", true, Token::Give),
        ("Agents", "k3s_agents", false, Token::Give),
    ] {
        play(&mut o, title, hosts, serial, &node_copies, "nodes/{{ inventory_hostname }}/install.sh", token);
    }
    for a in addons(plan) {
        let Some(s) = a.apply_script() else { continue };
        let mut copies: Vec<(&str, &str)> = vec![("cluster/", "cluster/")];
        if airgap {
            copies.push((art.as_str(), art.as_str()));
        }
        let title = match a.kind() {
            Kind::Cni => "CNI",
            Kind::LoadBalancer => "Load balancer",
        };
        play(&mut o, title, "k3s_first_server", false, &copies, s, Token::None);
    }
    play(&mut o, "Verify", "k3s_first_server", false, &[("verify.sh", "verify.sh")], "verify.sh", Token::None);
    o
}
