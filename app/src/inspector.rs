//! The side panel's editor for the selected element. Every field goes through the
//! file format (see `edit::set_field`), so it takes what the file takes; after a
//! change the core checks the whole design again.

use std::sync::Arc;

use leptos::prelude::*;
use meshplan_core::yaml;
use meshplan_core::Topology;

use crate::edit::{self, Input};
use crate::notebook::DiagList;
use crate::sel::Sel;
use crate::state::App;

/// One editable field: its label, where it lives in the file, how its text is read.
#[derive(Clone)]
struct Spec {
    label: &'static str,
    path: Vec<String>,
    kind: FieldKind,
    placeholder: String,
    help: &'static str,
    /// Values the seeds' authors used, offered as suggestions (a datalist).
    examples: &'static [&'static str],
    /// Emptying the field removes its whole section (MetalLB's mode: "(none)" is no MetalLB).
    empty_removes_section: bool,
}

#[derive(Clone)]
enum FieldKind {
    Text(Input),
    /// A choice; `optional` adds "(default)", which removes the field.
    Choice {
        options: Vec<String>,
        optional: bool,
    },
    Check,
    /// Several of `options` (a list in the file), one checkbox each.
    Checklist(Vec<String>),
}

fn spec(label: &'static str, path: &[&str], kind: FieldKind) -> Spec {
    Spec {
        label,
        path: path.iter().map(|s| s.to_string()).collect(),
        kind,
        placeholder: String::new(),
        help: "",
        examples: &[],
        empty_removes_section: false,
    }
}

impl Spec {
    fn placeholder(mut self, p: impl Into<String>) -> Spec {
        self.placeholder = p.into();
        self
    }
    fn help(mut self, h: &'static str) -> Spec {
        self.help = h;
        self
    }
    fn examples(mut self, e: &'static [&'static str]) -> Spec {
        self.examples = e;
        self
    }
}

fn text(label: &'static str, path: &[&str], input: Input) -> Spec {
    spec(label, path, FieldKind::Text(input))
}

/// A choice among words; the first option is the format's default, shown when the
/// file leaves the field out.
fn choice(label: &'static str, path: &[&str], options: &[&str], optional: bool) -> Spec {
    let default = if optional { String::new() } else { options.first().map(|s| s.to_string()).unwrap_or_default() };
    spec(label, path, FieldKind::Choice { options: options.iter().map(|s| s.to_string()).collect(), optional })
        .placeholder(default)
}

fn names_choice(label: &'static str, path: &[&str], names: Vec<String>, optional: bool) -> Spec {
    spec(label, path, FieldKind::Choice { options: names, optional })
}

fn fields(t: &Topology, sel: &Sel) -> Vec<Spec> {
    let sites: Vec<String> = t.sites.keys().cloned().collect();
    match sel {
        Sel::Site(n) => {
            let s = t.sites.get(n).cloned().unwrap_or_default();
            vec![
                text("Label", &["sites", n, "label"], Input::Text)
                    .placeholder(n.clone())
                    .help("the `region` label of the nodes here"),
                choice("Network kind", &["sites", n, "kind"], &["lan", "vpc", "zerotier"], false),
                text("Network MTU", &["sites", n, "lan_mtu"], Input::Scalar)
                    .placeholder(s.kind.default_mtu().to_string()),
                spec("Members share one network", &["sites", n, "lan"], FieldKind::Check),
            ]
        }
        Sel::Node(n) => vec![
            names_choice("Site", &["nodes", n, "site"], sites, false),
            choice("Role", &["nodes", n, "role"], &["server", "agent"], false),
            text("Address", &["nodes", n, "address"], Input::List)
                .help("one address, or IPv4 and IPv6 separated by a comma"),
            text("Public endpoint", &["nodes", n, "public"], Input::Text).placeholder("none").help("address:port"),
            text("Labels", &["nodes", n, "labels"], Input::Labels)
                .placeholder("bgp-enabled = true")
                .help("extra node labels, one `key = value` a line"),
        ],
        Sel::Router(n) => {
            let r = t.routers.get(n).cloned().unwrap_or_default();
            vec![
                names_choice("Site", &["routers", n, "site"], sites.clone(), true),
                choice("Daemon", &["routers", n, "daemon"], &["bird", "frr", "none"], false),
                text("Address", &["routers", n, "address"], Input::List),
                text("Router id", &["routers", n, "router_id"], Input::Text)
                    .placeholder(r.router_id().map(|a| a.to_string()).unwrap_or_default()),
                text("AS number", &["routers", n, "asn"], Input::Scalar)
                    .placeholder(t.cluster.asn.map(|a| a.to_string()).unwrap_or_default())
                    .help("another AS than the cluster's makes its sessions eBGP"),
                spec("Route reflector for sites (serves)", &["routers", n, "serves"], FieldKind::Checklist(sites))
                    .help("the nodes of each site ticked peer with this router by BGP; it reflects their pod routes"),
                choice("Platform", &["routers", n, "platform"], &["debian", "rhel", "alpine", "freebsd"], false),
                text("Machine", &["routers", n, "machine"], Input::Text)
                    .placeholder("its own")
                    .help("routers naming one machine share a box; each then needs a network namespace")
                    .examples(&["iepl-box"]),
                text("Network namespace", &["routers", n, "netns"], Input::Text).placeholder("none"),
            ]
        }
        Sel::Host(n) => vec![names_choice("Site", &["hosts", n, "site"], sites, true)],
        Sel::Link(i) => {
            let i_s = i.to_string();
            let ends: Vec<String> =
                t.sites.keys().chain(t.nodes.keys()).chain(t.routers.keys()).chain(t.hosts.keys()).cloned().collect();
            let kind = t.links.get(*i).map(|l| l.kind).unwrap_or_default();
            vec![
                names_choice("From", &["links", &i_s, "between", "0"], ends.clone(), false),
                names_choice("To", &["links", &i_s, "between", "1"], ends, false),
                choice(
                    "Kind",
                    &["links", &i_s, "kind"],
                    &["lan", "vpc", "zerotier", "wireguard", "iepl", "gre", "ipip", "vxlan", "internet"],
                    false,
                ),
                text("MTU", &["links", &i_s, "mtu"], Input::Scalar)
                    .placeholder(kind.default_mtu().to_string())
                    .help("what the link offers IP packets; empty: the kind's default"),
                text("Cost", &["links", &i_s, "cost"], Input::Scalar).placeholder("10"),
            ]
        }
        Sel::Cluster => {
            let mut v = vec![
                text("Plan name", &["name"], Input::Text),
                text("Description", &["description"], Input::Text),
                choice("CNI", &["cluster", "cni"], &["calico", "cilium", "flannel", "kilo"], false),
                text("Pod CIDR", &["cluster", "pod_cidr"], Input::Seq).help("one or two (IPv4, IPv6)"),
                text("Service CIDR", &["cluster", "service_cidr"], Input::Seq),
                text("Cluster AS", &["cluster", "asn"], Input::Scalar),
                text("Pod MTU", &["cluster", "mtu"], Input::Scalar)
                    .placeholder("auto")
                    .help("auto: the computed budget"),
                text("Cluster DNS", &["cluster", "cluster_dns"], Input::Scalar)
                    .placeholder("k3s's default")
                    .help("inside the service CIDR"),
                text("k3s version", &["cluster", "k3s_version"], Input::Text)
                    .placeholder("latest stable")
                    .examples(&[meshplan_core::versions::K3S, "v1.22.5+k3s1"]),
                text("Install mirror", &["cluster", "install_mirror"], Input::Text)
                    .placeholder("none")
                    .help("INSTALL_K3S_MIRROR: `cn` installs from the China mirror")
                    .examples(&["cn"]),
                text("Registry mirrors", &["cluster", "registry_mirrors"], Input::Entries)
                    .placeholder("docker.io = https://docker.m.daocloud.io\nquay.io = https://quay.m.daocloud.io")
                    .help("one `registry = mirror URL, …` a line; written to every node's registries.yaml"),
                spec("Airgap install", &["cluster", "airgap"], FieldKind::Check)
                    .help("the scripts install from files fetched once beside them"),
                text("Disable in k3s", &["cluster", "disable"], Input::Seq)
                    .placeholder("none")
                    .examples(&["traefik, servicelb", "servicelb"]),
            ];
            match t.cluster.cni {
                meshplan_core::model::Cni::Calico => {
                    v.push(choice(
                        "Calico encapsulation",
                        &["cluster", "calico", "encapsulation"],
                        &["none", "ipip", "vxlan", "ipip-cross-subnet", "vxlan-cross-subnet"],
                        false,
                    ));
                    v.push(spec("Calico node mesh", &["cluster", "calico", "node_mesh"], FieldKind::Check));
                    v.push(
                        text("Calico version", &["cluster", "calico", "version"], Input::Text)
                            .placeholder(meshplan_core::versions::CALICO)
                            .examples(&["v3.26.1"]),
                    );
                    v.push(
                        text("Calico block size", &["cluster", "calico", "block_size"], Input::Scalar)
                            .placeholder("26"),
                    );
                    if t.cluster.has_ipv6() {
                        v.push(
                            text("Calico IPv6 block size", &["cluster", "calico", "block_size_v6"], Input::Scalar)
                                .placeholder("122"),
                        );
                    }
                    v.push(spec("Calico NAT outgoing", &["cluster", "calico", "nat_outgoing"], FieldKind::Check));
                    v.push(
                        text("Calico image registry", &["cluster", "calico", "registry"], Input::Text)
                            .placeholder("quay.io")
                            .examples(&["quay.m.daocloud.io"]),
                    );
                }
                meshplan_core::model::Cni::Cilium => {
                    let c = ["cluster", "cilium"];
                    v.push(spec("Cilium native routing", &[c[0], c[1], "native_routing"], FieldKind::Check));
                    v.push(
                        text("Cilium version", &[c[0], c[1], "version"], Input::Text)
                            .placeholder(meshplan_core::versions::CILIUM)
                            .examples(&["1.18.0"]),
                    );
                    v.push(spec(
                        "Cilium replaces kube-proxy",
                        &[c[0], c[1], "kube_proxy_replacement"],
                        FieldKind::Check,
                    ));
                    v.push(
                        text("Cilium IPv4 mask size", &[c[0], c[1], "mask_size_v4"], Input::Scalar).placeholder("24"),
                    );
                    v.push(
                        text("Cilium IPv6 mask size", &[c[0], c[1], "mask_size_v6"], Input::Scalar).placeholder("120"),
                    );
                    v.push(
                        text("Cilium load-balancer pools", &[c[0], c[1], "lb_pools"], Input::Entries)
                            .placeholder("public = 192.0.2.240/29")
                            .help("one `name = range, …` a line"),
                    );
                    v.push(
                        text("Pools without first and last", &[c[0], c[1], "lb_reserve_first_last"], Input::Seq)
                            .placeholder("none")
                            .help("pool names"),
                    );
                    v.push(spec("Cilium external IPs", &[c[0], c[1], "external_ips"], FieldKind::Check));
                }
                meshplan_core::model::Cni::Flannel => v.push(choice(
                    "Flannel backend",
                    &["cluster", "flannel", "backend"],
                    &["vxlan", "host-gw", "wireguard-native", "none"],
                    false,
                )),
                meshplan_core::model::Cni::Kilo => {
                    let k = ["cluster", "kilo"];
                    v.push(choice("Kilo granularity", &[k[0], k[1], "granularity"], &["location", "full"], false));
                    v.push(
                        text("Kilo WireGuard CIDR", &[k[0], k[1], "wireguard_cidr"], Input::Scalar)
                            .placeholder("10.4.0.0/16"),
                    );
                    v.push(text("Kilo port", &[k[0], k[1], "port"], Input::Scalar).placeholder("51820"));
                    v.push(
                        text("Kilo keepalive (s)", &[k[0], k[1], "keepalive"], Input::Scalar)
                            .placeholder("none")
                            .examples(&["20"]),
                    );
                    v.push(choice(
                        "Kilo encapsulate",
                        &[k[0], k[1], "encapsulate"],
                        &["always", "crosssubnet", "never"],
                        false,
                    ));
                }
            }
            let mut lb = choice("MetalLB", &["cluster", "metallb", "mode"], &["l2", "bgp"], true)
                .help("(none): no MetalLB; bgp peers with the routers serving each node's site");
            lb.empty_removes_section = true;
            v.push(lb);
            if t.cluster.metallb.is_some() {
                v.push(
                    text("MetalLB pools", &["cluster", "metallb", "pools"], Input::Entries)
                        .placeholder("picluster-pool = 10.0.0.100-10.0.0.200")
                        .help("one `name = range, …` a line"),
                );
            }
            v.push(
                text("BGP backbone", &["bgp", "backbone"], Input::Pairs)
                    .placeholder("full mesh")
                    .help("router pairs with a session, one `a, b` a line; empty: every pair of routers with a daemon"),
            );
            v.push(
                spec("Must survive any single failure", &["resilience", "survive_single_failures"], FieldKind::Check)
                    .help("What-if's failures become errors"),
            );
            v
        }
    }
}

/// What the panel shows for a selection, derived from the topology and the
/// selection alone on every change: the title, the Name field and each field's
/// text all name the same element.
pub struct PanelModel {
    pub sel: Sel,
    pub title: String,
    /// The Name field's text (sites and devices).
    pub name: Option<String>,
    /// Each field's path in the file and its text.
    pub fields: Vec<(Vec<String>, String)>,
}

/// The panel for `sel` (the cluster settings when nothing that exists is selected).
pub fn panel_model(t: &Topology, sel: Option<&Sel>) -> PanelModel {
    let sel = sel.filter(|s| crate::state::exists(t, s)).cloned().unwrap_or(Sel::Cluster);
    let doc = edit::document(t).unwrap_or_else(|_| yaml::Node::plain(""));
    let fields = fields(t, &sel).into_iter().map(|s| (s.path.clone(), current(&doc, &s))).collect();
    PanelModel { title: title(t, &sel), name: sel.name().map(str::to_string), fields, sel }
}

/// The id of the panel's field that a diagnostic's `path` names (the field
/// itself, or the one holding the item it names: `links[0].between[1]` →
/// `between`), when the panel of `sel` has one.
pub fn field_for(t: &Topology, sel: &Sel, path: &str) -> Option<String> {
    // `links[0].mtu` → `links.0.mtu`: the panel's paths keep indices as segments.
    let path = path.replace('[', ".").replace(']', "");
    fields(t, sel)
        .into_iter()
        .map(|s| s.path)
        .filter(|p| {
            let joined = p.join(".");
            path == joined || path.strip_prefix(joined.as_str()).is_some_and(|r| r.starts_with('.'))
        })
        .max_by_key(|p| p.len())
        .map(|p| format!("f-{}", p.join("-")))
}

fn title(t: &Topology, sel: &Sel) -> String {
    match sel {
        Sel::Link(i) => match t.links.get(*i) {
            Some(l) => format!("Link {i}: {} – {}", l.between[0], l.between[1]),
            None => format!("Link {i}"),
        },
        Sel::Cluster => "Cluster settings".to_string(),
        other => format!("{} {}", capital(other.noun()), other.name().unwrap_or_default()),
    }
}

/// The current text of a field, as the form shows it.
fn current(doc: &yaml::Node, s: &Spec) -> String {
    let path: Vec<&str> = s.path.iter().map(String::as_str).collect();
    let v = edit::field_text(doc, &path);
    if let FieldKind::Choice { .. } = s.kind {
        if v.is_empty() {
            return s.placeholder.clone();
        }
    }
    if let FieldKind::Check = s.kind {
        // `lan` is left out of the file when true; node_mesh and nat_outgoing default to true too.
        if v.is_empty() {
            let defaults_true = matches!(path.last(), Some(&"lan") | Some(&"node_mesh") | Some(&"nat_outgoing"));
            return defaults_true.to_string();
        }
    }
    v
}

#[component]
fn FieldRow(spec: Spec, topology: Arc<Topology>, doc: Arc<yaml::Node>) -> impl IntoView {
    let app = expect_context::<App>();
    let error = RwSignal::new(None::<String>);
    let value = current(&doc, &spec);
    let id = format!("f-{}", spec.path.join("-"));
    let path = spec.path.clone();
    let kind = spec.kind.clone();
    let removes_section = spec.empty_removes_section;
    let apply = move |raw: String| {
        let mut path: Vec<&str> = path.iter().map(String::as_str).collect();
        let input = match &kind {
            FieldKind::Text(i) => *i,
            FieldKind::Checklist(_) => Input::Seq,
            FieldKind::Choice { .. } | FieldKind::Check => Input::Scalar,
        };
        let result = edit::field_value(input, &raw).and_then(|v| {
            if v.is_none() && removes_section {
                path.pop();
            }
            edit::set_field(&topology, &path, v)
        });
        match result {
            Ok(t) => {
                error.set(None);
                if t != *topology {
                    app.commit(&t);
                }
            }
            Err(e) => error.set(Some(e)),
        }
    };
    let options_order: Vec<String> = match &spec.kind {
        FieldKind::Checklist(o) => o.clone(),
        _ => Vec::new(),
    };
    let control = match spec.kind.clone() {
        FieldKind::Text(input) if input.multiline() => {
            let apply = apply.clone();
            let rows = value.lines().count().max(spec.placeholder.lines().count()).max(2);
            view! {
                <textarea id=id.clone() spellcheck="false" autocomplete="off" rows=rows prop:value=value.clone()
                    placeholder=spec.placeholder.clone()
                    class:invalid=move || error.with(Option::is_some)
                    on:change=move |ev| apply(event_target_value(&ev))></textarea>
            }
            .into_any()
        }
        FieldKind::Text(_) => {
            let apply = apply.clone();
            // The seeds' values, offered as the field's suggestions.
            let list = (!spec.examples.is_empty()).then(|| format!("{id}-examples"));
            view! {
                <input id=id.clone() type="text" spellcheck="false" autocomplete="off" prop:value=value.clone()
                    placeholder=spec.placeholder.clone() list=list.clone()
                    class:invalid=move || error.with(Option::is_some)
                    on:change=move |ev| apply(event_target_value(&ev)) />
                {list.map(|l| view! {
                    <datalist id=l>{spec.examples.iter().map(|e| view! { <option value=*e /> }).collect_view()}</datalist>
                })}
            }
            .into_any()
        }
        FieldKind::Choice { options, optional } => {
            let apply = apply.clone();
            let mut opts: Vec<(String, String)> = options.iter().map(|o| (o.clone(), o.clone())).collect();
            if optional {
                opts.insert(0, (String::new(), "(none)".into()));
            } else if !options.contains(&value) {
                opts.insert(0, (value.clone(), if value.is_empty() { "(choose)".into() } else { value.clone() }));
            }
            view! {
                <select id=id.clone() on:change=move |ev| apply(event_target_value(&ev))>
                    {opts.into_iter().map(|(v, l)| {
                        let selected = v == value;
                        view! { <option value=v selected=selected prop:selected=selected>{l}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        FieldKind::Check => {
            let checked = value == "true";
            view! {
                <input id=id.clone() type="checkbox" prop:checked=checked
                    on:change=move |ev| apply(event_target_checked(&ev).to_string()) />
            }
            .into_any()
        }
        FieldKind::Checklist(options) => {
            // The list is the ticked boxes, in the order of the sites.
            let chosen: Vec<String> =
                value.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect();
            let ticked = RwSignal::new(chosen);
            let boxes = options
                .into_iter()
                .map(|o| {
                    let on = ticked.with_untracked(|t| t.contains(&o));
                    let apply = apply.clone();
                    let all = options_order.clone();
                    let name = o.clone();
                    view! {
                        <label class="check-item">
                            <input type="checkbox" prop:checked=on data-serves=o.clone()
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    ticked.update(|t| {
                                        t.retain(|x| *x != name);
                                        if on {
                                            t.push(name.clone());
                                        }
                                    });
                                    let list: Vec<String> =
                                        all.iter().filter(|s| ticked.with_untracked(|t| t.contains(s))).cloned().collect();
                                    apply(list.join(", "));
                                } />
                            {o.clone()}
                        </label>
                    }
                })
                .collect_view();
            view! { <div id=id.clone() class="checklist" role="group">{boxes}</div> }.into_any()
        }
    };
    let is_check = matches!(spec.kind, FieldKind::Check);
    view! {
        <div class="field" class:check=is_check>
            <label for=id>{spec.label}</label>
            {control}
            {(!spec.help.is_empty()).then(|| view! { <div class="help">{spec.help}</div> })}
            {move || error.get().map(|e| view! { <div class="field-error" role="alert">{e}</div> })}
        </div>
    }
}

#[component]
fn NameRow(sel: Sel) -> impl IntoView {
    let app = expect_context::<App>();
    let error = RwSignal::new(None::<String>);
    let name = sel.name().unwrap_or_default().to_string();
    let apply = move |new: String| error.set(app.rename(&sel, &new).err());
    view! {
        <div class="field">
            <label for="f-name">"Name"</label>
            <input id="f-name" type="text" spellcheck="false" autocomplete="off" prop:value=name
                class:invalid=move || error.with(Option::is_some)
                on:change=move |ev| apply(event_target_value(&ev)) />
            {move || error.get().map(|e| view! { <div class="field-error" role="alert">{e}</div> })}
        </div>
    }
}

/// The side panel, built afresh whenever the selection becomes another element
/// (`App::panel`), and updated in place while the same element changes.
#[component]
pub fn Inspector() -> impl IntoView {
    let app = expect_context::<App>();
    // Keyed by `App::panel`: a new element gets new controls (the closure runs
    // again and its view replaces the old one), not the old ones patched.
    move || {
        app.panel.track();
        untrack(|| panel(app)).into_any()
    }
}

fn panel(app: App) -> impl IntoView {
    move || {
        // Not the whole of `derived`: the worker's answer redraws the panel only
        // when it brings other findings.
        let Some(t) = app.topology.get() else {
            return view! { <p class="muted">"Nothing to edit: the text could not be read. See the YAML tab."</p> }
                .into_any();
        };
        let sel = app.sel.get().filter(|s| crate::state::exists(&t, s)).unwrap_or(Sel::Cluster);
        let title = title(&t, &sel);
        // The findings follow the worker's answers without rebuilding the fields
        // (a field being typed in keeps its text).
        let sel3 = sel.clone();
        let own = move || {
            let own: Vec<_> = app.diagnostics.with(|d| d.iter().filter(|x| sel3.owns_path(&x.path)).cloned().collect());
            (!own.is_empty()).then(|| {
                view! {
                    <h3>"Findings here"</h3>
                    <DiagList diagnostics=own />
                }
            })
        };
        let specs = fields(&t, &sel);
        let doc = Arc::new(edit::document(&t).unwrap_or_else(|_| yaml::Node::plain("")));
        let has_name = sel.name().is_some();
        let deletable = sel != Sel::Cluster;
        let stale = app.stale.get();
        let sel2 = sel.clone();
        view! {
            <section class="inspector" aria-label="Selected element" data-sel=sel.path()>
                <header class="panel-head">
                    <h2 data-testid="panel-title">{title}</h2>
                    {deletable.then(|| view! {
                        <button class="danger small" data-testid="delete" title="Delete (Del)"
                            on:click=move |_| app.delete_selected()>"Delete"</button>
                    })}
                </header>
                {stale.then(|| view! { <p class="warn-note">"The YAML has an error: fields are read-only until it is fixed."</p> })}
                <fieldset disabled=stale>
                    {has_name.then(|| view! { <NameRow sel=sel2.clone() /> })}
                    {specs.into_iter().map(|s| view! { <FieldRow spec=s topology=t.clone() doc=doc.clone() /> }).collect_view()}
                </fieldset>
                {own}
                {(sel == Sel::Cluster).then(|| view! {
                    <p class="muted small">"Select a site, device or link on the drawing to edit it."</p>
                })}
            </section>
        }
        .into_any()
    }
}

fn capital(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    //! The panel and the edits it makes, without a browser: the panel is built
    //! from the selection alone, and an edit changes only the selected element.
    use std::collections::BTreeSet;

    use meshplan_core::parse::{write_edit, Renamed};
    use meshplan_core::{parse, Topology};

    use super::*;
    use crate::state::exists;

    const EXAMPLE: &str = include_str!("../../examples/calico-wds-hkg.yaml");

    fn topo(text: &str) -> Topology {
        parse(text).topology.expect("the text reads")
    }

    /// A finding's path opens the panel on the field it names (issue 17).
    #[test]
    fn a_finding_names_the_field_the_panel_focuses() {
        let t = topo(EXAMPLE);
        let node = Sel::Node("kubemaster".into());
        assert_eq!(field_for(&t, &node, "nodes.kubemaster.address").as_deref(), Some("f-nodes-kubemaster-address"));
        assert_eq!(field_for(&t, &node, "nodes.kubemaster"), None, "the element alone names no field");
        assert_eq!(field_for(&t, &Sel::Link(0), "links[0].mtu").as_deref(), Some("f-links-0-mtu"));
        let cluster = field_for(&t, &Sel::Cluster, "cluster.calico.encapsulation");
        assert_eq!(cluster.as_deref(), Some("f-cluster-calico-encapsulation"));
        let serves = field_for(&t, &Sel::Router("gateway".into()), "routers.gateway.serves[0]");
        assert_eq!(serves.as_deref(), Some("f-routers-gateway-serves"));
    }

    /// The panel names one element: its title, Name field and every field's path.
    fn assert_panel_is(t: &Topology, sel: &Sel) {
        let p = panel_model(t, Some(sel));
        assert_eq!(&p.sel, sel);
        assert_eq!(p.name.as_deref(), sel.name());
        if let Some(n) = sel.name() {
            assert!(p.title.ends_with(&format!(" {n}")), "title {} for {sel:?}", p.title);
        }
        let own: Vec<String> = match sel {
            Sel::Link(i) => vec!["links".into(), i.to_string()],
            Sel::Cluster => vec![],
            s => vec![s.kind().expect("a kind").section().to_string(), s.name().expect("a name").to_string()],
        };
        for (path, _) in &p.fields {
            if *sel != Sel::Cluster {
                assert!(path.starts_with(&own), "{sel:?} shows a field of {path:?}");
            } else {
                assert!(!["sites", "nodes", "routers", "hosts", "links"].contains(&path[0].as_str()), "{path:?}");
            }
        }
    }

    /// The sequence: rename host hfe-nas, "Link", click router gateway.
    #[test]
    fn the_panel_follows_the_selection_after_a_rename_and_a_link_click() {
        let mut text = EXAMPLE.to_string();
        let mut t = topo(&text);
        let sel = Sel::Host("hfe-nas".into());
        assert_panel_is(&t, &sel);
        let renamed = crate::edit::rename(&mut t, &sel, "nas").expect("renamed");
        text =
            write_edit(&text, &t, Some(Renamed { kind: meshplan_core::model::Kind::Host, from: "hfe-nas", to: "nas" }));
        assert_eq!(topo(&text), t);
        assert!(text.contains("  nas: {site: zt-domestic}\n"), "{text}");
        assert_panel_is(&t, &renamed);
        // "Link", then the router: the selection is the router.
        let gw = Sel::Router("gateway".into());
        assert_panel_is(&t, &gw);
        let p = panel_model(&t, Some(&gw));
        assert_eq!(p.title, "Router gateway");
        assert_eq!(p.name.as_deref(), Some("gateway"));
        let site = p.fields.iter().find(|(path, _)| path.last().map(String::as_str) == Some("site"));
        assert_eq!(site.map(|(_, v)| v.as_str()), Some("WDS"));
    }

    /// Every field of docs/format.md's field reference has a place in the panel
    /// (`version` excepted: this build writes only 1; the collections are the
    /// drawing's): the table headings name where each lives, and one of the
    /// examples (one per CNI; the flannel one has MetalLB) shows it.
    #[test]
    fn every_format_field_is_in_the_panel() {
        let examples = [
            include_str!("../../examples/calico-wds-hkg.yaml"),
            include_str!("../../examples/cilium-dualstack-frr.yaml"),
            include_str!("../../examples/flannel-metallb-pi.yaml"),
            include_str!("../../examples/kilo-multicloud.yaml"),
        ]
        .map(topo);
        // Calico's IPv6 block size shows on a cluster with IPv6 pods.
        let mut dual = examples[0].clone();
        dual.cluster.pod_cidr.push("fd42::/104".parse().expect("a prefix"));
        let examples = [examples.as_slice(), &[dual]].concat();
        let format = include_str!("../../docs/format.md");
        let reference = &format[format.find("## Field reference").expect("the field reference")..];
        let reference = &reference[..reference[3..].find("\n## ").map_or(reference.len(), |i| i + 3)];
        let mut section = String::new();
        let mut checked = 0;
        for line in reference.lines() {
            if let Some(h) = line.strip_prefix("### ") {
                section = h.trim_matches('`').to_string();
                continue;
            }
            let Some(first) = line.strip_prefix("| `") else { continue };
            let field = first.split('`').next().expect("a field name");
            let (sel, prefix): (fn(&Topology) -> Sel, Vec<&str>) = match section.as_str() {
                "Top level" if ["name", "description"].contains(&field) => (|_| Sel::Cluster, vec![]),
                "Top level" => continue,
                // The CNIs' and MetalLB's blocks have headings of their own.
                "cluster" if ["calico", "metallb"].contains(&field) => continue,
                "cluster" | "bgp" | "resilience" => (|_| Sel::Cluster, vec![section.as_str()]),
                s if s.starts_with("cluster.") => (|_| Sel::Cluster, vec!["cluster", &s[8..]]),
                "sites.<name>" => (|t| Sel::Site(t.sites.keys().next().cloned().unwrap_or_default()), vec!["sites"]),
                "routers.<name>" => {
                    (|t| Sel::Router(t.routers.keys().next().cloned().unwrap_or_default()), vec!["routers"])
                }
                "hosts.<name>" => (|t| Sel::Host(t.hosts.keys().next().cloned().unwrap_or_default()), vec!["hosts"]),
                "nodes.<name>" => (|t| Sel::Node(t.nodes.keys().next().cloned().unwrap_or_default()), vec!["nodes"]),
                "links[]" => (|_| Sel::Link(0), vec!["links"]),
                other => panic!("a table under an unknown heading: {other}"),
            };
            let shown = examples.iter().any(|t| {
                let sel = sel(t);
                fields(t, &sel).iter().any(|s| {
                    // The element's own name or index sits after the section for elements.
                    let skip = if matches!(sel, Sel::Cluster) { 0 } else { 1 };
                    let rest = &s.path[prefix.len().min(s.path.len())..];
                    s.path.starts_with(&prefix.iter().map(|p| p.to_string()).collect::<Vec<_>>())
                        && rest.get(skip).map(String::as_str) == Some(field)
                })
            });
            assert!(shown, "`{section}` field `{field}` has no place in the panel");
            checked += 1;
        }
        assert!(checked > 50, "only {checked} fields read from docs/format.md");
    }

    /// The multi-line fields read what they show: mirrors, labels, the backbone.
    #[test]
    fn multiline_fields_round_trip() {
        let t = topo(EXAMPLE);
        let doc = edit::document(&t).expect("a document");
        for (path, input) in
            [(&["cluster", "registry_mirrors"][..], Input::Entries), (&["bgp", "backbone"][..], Input::Pairs)]
        {
            let shown = edit::field_text(&doc, path);
            let v = edit::field_value(input, &shown).expect("reads");
            assert_eq!(edit::set_field(&t, path, v).expect("set"), t, "{path:?} from {shown:?}");
        }
        assert_eq!(
            edit::field_text(&doc, &["cluster", "registry_mirrors"]),
            "docker.io = https://docker.m.daocloud.io\nquay.io = https://quay.m.daocloud.io"
        );
        assert_eq!(
            edit::field_text(&doc, &["bgp", "backbone"]),
            "gateway, cn-ns\ncn-ns, global-ns\ngateway, global-ns"
        );
        let labelled = edit::set_field(
            &t,
            &["nodes", "kubemaster", "labels"],
            edit::field_value(Input::Labels, "bgp-enabled = true\n\n zone = a ").expect("reads"),
        )
        .expect("set");
        let labels = &labelled.nodes["kubemaster"].labels;
        assert_eq!(labels.get("bgp-enabled").map(String::as_str), Some("true"));
        assert_eq!(labels.get("zone").map(String::as_str), Some("a"));
        assert!(edit::field_value(Input::Entries, "docker.io https://x").unwrap_err().contains("line 1"));
        assert!(edit::field_value(Input::Pairs, "a, b\na").unwrap_err().contains("line 2"));
        // Empty: the field goes, the default (full mesh) applies.
        let mesh = edit::set_field(&t, &["bgp", "backbone"], edit::field_value(Input::Pairs, " ").expect("reads"));
        assert_eq!(mesh.expect("set").bgp.backbone, None);
    }

    use crate::test_rng::Rng;

    fn every_sel(t: &Topology) -> Vec<Sel> {
        let mut v = vec![Sel::Cluster];
        v.extend(t.sites.keys().map(|n| Sel::Site(n.clone())));
        v.extend(t.nodes.keys().map(|n| Sel::Node(n.clone())));
        v.extend(t.routers.keys().map(|n| Sel::Router(n.clone())));
        v.extend(t.hosts.keys().map(|n| Sel::Host(n.clone())));
        v.extend((0..t.links.len()).map(Sel::Link));
        v
    }

    /// Each element as text, by its path (`nodes.a`, `links[2]`, `cluster`…).
    fn elements(t: &Topology) -> std::collections::BTreeMap<String, String> {
        let doc = yaml::to_value(t).expect("a topology writes");
        let mut out = std::collections::BTreeMap::new();
        for (k, v) in &doc.as_map().expect("a mapping").entries {
            let key = k.as_scalar().expect("a key").text.clone();
            match (&v.value, key.as_str()) {
                (yaml::Value::Map(m), "sites" | "nodes" | "routers" | "hosts") => {
                    for (n, e) in &m.entries {
                        out.insert(format!("{key}.{}", n.as_scalar().expect("a name").text), yaml::emit(e));
                    }
                }
                (yaml::Value::Seq(items), "links") => {
                    for (i, e) in items.iter().enumerate() {
                        out.insert(format!("links[{i}]"), yaml::emit(e));
                    }
                }
                _ => {
                    out.insert(key, yaml::emit(v));
                }
            }
        }
        out
    }

    /// The element paths whose text differs between `a` and `b`.
    fn changed(a: &Topology, b: &Topology) -> BTreeSet<String> {
        let (ea, eb) = (elements(a), elements(b));
        ea.keys().chain(eb.keys()).filter(|k| ea.get(*k) != eb.get(*k)).cloned().collect()
    }

    /// Values a field may take in the random sequence.
    fn candidate(rng: &mut Rng, t: &Topology, path: &[String], cur: &str) -> String {
        let sites: Vec<String> = t.sites.keys().cloned().collect();
        match path.last().map(String::as_str) {
            Some("site") => rng.pick(&sites).cloned().unwrap_or_default(),
            Some("role") => ["server", "agent"][rng.below(2)].into(),
            Some("mtu" | "lan_mtu") => ["1400", "1500", "", "9000"][rng.below(4)].into(),
            Some("address") => format!("10.9.{}.{}", rng.below(200), 1 + rng.below(200)),
            Some("kind") => ["lan", "vpc", "zerotier", "wireguard"][rng.below(4)].into(),
            Some("label") => ["", "Somewhere", "X"][rng.below(3)].into(),
            Some("serves") => rng.pick(&sites).cloned().unwrap_or_default(),
            _ => cur.to_string(),
        }
    }

    /// Random select / field edit / rename / add / delete / undo sequences: an
    /// edit changes only the selected element (a rename also the references to
    /// it, a delete drops them), the panel always names the selection, and the
    /// text written in place always reads back as the edited topology.
    #[test]
    fn random_edit_sequences_change_only_the_selected_element() {
        for seed in 1..=12u64 {
            let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed.wrapping_mul(0x1000_0000_01b3));
            let mut text = EXAMPLE.to_string();
            let mut undo: Vec<String> = Vec::new();
            let mut sel: Option<Sel> = None;
            let mut edits = 0;
            for step in 0..60 {
                let t = topo(&text);
                let op = rng.below(10);
                let ctx = format!("seed {seed} step {step} op {op} sel {sel:?}");
                let mut commit = |after: &Topology, renamed: Option<Renamed<'_>>, text: &mut String| {
                    let new = write_edit(text, after, renamed);
                    assert_eq!(&topo(&new), after, "{ctx}: the text does not read back:\n{new}");
                    undo.push(std::mem::replace(text, new));
                    edits += 1;
                };
                match op {
                    // Select anything.
                    0 | 1 => sel = rng.pick(&every_sel(&t)).cloned(),
                    // A field of the panel for the selection.
                    2..=4 => {
                        let Some(s) = sel.clone() else { continue };
                        let p = panel_model(&t, Some(&s));
                        let Some((path, cur)) = rng.pick(&p.fields).cloned() else { continue };
                        let value = candidate(&mut rng, &t, &path, &cur);
                        let input =
                            if path.last().map(String::as_str) == Some("serves") { Input::Seq } else { Input::Scalar };
                        let paths: Vec<&str> = path.iter().map(String::as_str).collect();
                        let Ok(after) = edit::field_value(input, &value).and_then(|v| edit::set_field(&t, &paths, v))
                        else {
                            continue;
                        };
                        let own = match &s {
                            Sel::Cluster => path[0].clone(),
                            other => other.path(),
                        };
                        let own = if own == "cluster" && path[0] != "cluster" { path[0].clone() } else { own };
                        for c in changed(&t, &after) {
                            assert_eq!(c, own, "{ctx}: setting {path:?} to {value:?} changed {c}");
                        }
                        commit(&after, None, &mut text);
                    }
                    // Rename the selection (sometimes to a name in use: refused).
                    5 => {
                        let Some(s) = sel.clone().filter(|s| s.name().is_some()) else { continue };
                        let taken: Vec<String> =
                            every_sel(&t).iter().filter_map(|x| x.name().map(str::to_string)).collect();
                        let new = if rng.below(4) == 0 {
                            rng.pick(&taken).cloned().unwrap_or_default()
                        } else {
                            format!("n{seed}-{step}")
                        };
                        let mut after = t.clone();
                        let Ok(renamed) = edit::rename(&mut after, &s, &new) else {
                            assert!(taken.contains(&new), "{ctx}: a fresh name refused");
                            continue;
                        };
                        let (old, kind) = (s.name().expect("named"), s.kind().expect("a kind"));
                        // Every other element is the same once the name is swapped back.
                        let mut back = after.clone();
                        edit::rename(&mut back, &renamed, old).expect("renamed back");
                        assert_eq!(back, t, "{ctx}: the rename changed more than the name");
                        commit(&after, Some(Renamed { kind, from: old, to: &new }), &mut text);
                        sel = Some(renamed);
                    }
                    // Add something where the selection is.
                    6 | 7 => {
                        let mut after = t.clone();
                        let added = match rng.below(4) {
                            0 => edit::add_site(&mut after),
                            1 => edit::add_node(&mut after, sel.as_ref()),
                            2 => edit::add_router(&mut after, sel.as_ref()),
                            _ => edit::add_host(&mut after, sel.as_ref()),
                        };
                        let c = changed(&t, &after);
                        assert!(c.contains(&added.path()), "{ctx}");
                        // A node in a design without sites brings its site.
                        assert!(
                            c.iter().all(|p| *p == added.path() || p.starts_with("sites.")) && c.len() <= 2,
                            "{ctx}: {c:?}"
                        );
                        commit(&after, None, &mut text);
                        sel = Some(added);
                    }
                    // Delete the selection.
                    8 => {
                        let Some(s) = sel.clone().filter(|s| *s != Sel::Cluster) else { continue };
                        let mut after = t.clone();
                        if edit::delete(&mut after, &s).is_none() {
                            continue;
                        }
                        for (k, v) in elements(&after) {
                            if k.starts_with("links[") || k == "bgp" {
                                continue;
                            }
                            let was = elements(&t).remove(&k);
                            // Only a router's `serves` may lose the deleted site.
                            if was.as_deref() != Some(v.as_str()) {
                                assert!(k.starts_with("routers.") && matches!(s, Sel::Site(_)), "{ctx}: {k} changed");
                            }
                        }
                        assert!(after.links.iter().all(|l| t.links.contains(l)), "{ctx}: a link changed");
                        commit(&after, None, &mut text);
                        sel = None;
                    }
                    // Undo: the text before; a selection that is gone is dropped.
                    _ => {
                        if let Some(prev) = undo.pop() {
                            text = prev;
                            let t = topo(&text);
                            sel = sel.filter(|s| exists(&t, s));
                        }
                    }
                }
                let t = topo(&text);
                if let Some(s) = sel.as_ref().filter(|s| exists(&t, s)) {
                    assert_panel_is(&t, s);
                }
            }
            assert!(edits >= 15, "seed {seed}: only {edits} edits made");
        }
    }
}
