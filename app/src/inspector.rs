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
}

fn spec(label: &'static str, path: &[&str], kind: FieldKind) -> Spec {
    Spec { label, path: path.iter().map(|s| s.to_string()).collect(), kind, placeholder: String::new(), help: "" }
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
        ],
        Sel::Router(n) => {
            let r = t.routers.get(n).cloned().unwrap_or_default();
            vec![
                names_choice("Site", &["routers", n, "site"], sites, true),
                choice("Daemon", &["routers", n, "daemon"], &["bird", "frr", "none"], false),
                text("Address", &["routers", n, "address"], Input::List),
                text("Router id", &["routers", n, "router_id"], Input::Text)
                    .placeholder(r.router_id().map(|a| a.to_string()).unwrap_or_default()),
                text("AS number", &["routers", n, "asn"], Input::Scalar)
                    .placeholder(t.cluster.asn.map(|a| a.to_string()).unwrap_or_default())
                    .help("another AS than the cluster's makes its sessions eBGP"),
                text("Serves sites", &["routers", n, "serves"], Input::Seq)
                    .placeholder("none")
                    .help("nodes of these sites peer with it, separated by commas"),
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
                text("k3s version", &["cluster", "k3s_version"], Input::Text).placeholder("latest stable"),
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
                }
                meshplan_core::model::Cni::Cilium => {
                    v.push(spec("Cilium native routing", &["cluster", "cilium", "native_routing"], FieldKind::Check));
                }
                meshplan_core::model::Cni::Flannel => v.push(choice(
                    "Flannel backend",
                    &["cluster", "flannel", "backend"],
                    &["vxlan", "host-gw", "wireguard-native", "none"],
                    false,
                )),
                meshplan_core::model::Cni::Kilo => v.push(choice(
                    "Kilo granularity",
                    &["cluster", "kilo", "granularity"],
                    &["location", "full"],
                    false,
                )),
            }
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
            let defaults_true = matches!(path.last(), Some(&"lan") | Some(&"node_mesh"));
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
    let apply = move |raw: String| {
        let path: Vec<&str> = path.iter().map(String::as_str).collect();
        let input = match &kind {
            FieldKind::Text(i) => *i,
            FieldKind::Choice { .. } | FieldKind::Check => Input::Scalar,
        };
        let result = edit::field_value(input, &raw).and_then(|v| edit::set_field(&topology, &path, v));
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
    let control = match spec.kind.clone() {
        FieldKind::Text(_) => {
            let apply = apply.clone();
            view! {
                <input id=id.clone() type="text" spellcheck="false" autocomplete="off" prop:value=value.clone()
                    placeholder=spec.placeholder.clone()
                    class:invalid=move || error.with(Option::is_some)
                    on:change=move |ev| apply(event_target_value(&ev)) />
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
    view! {
        <For each=move || [app.panel.get()] key=|k| *k children=move |_| panel(app) />
    }
}

fn panel(app: App) -> impl IntoView {
    move || {
        let d = app.derived.get();
        let Some(t) = d.topology.clone() else {
            return view! { <p class="muted">"Nothing to edit: the text could not be read. See the YAML tab."</p> }
                .into_any();
        };
        let sel = app.sel.get().filter(|s| crate::state::exists(&t, s)).unwrap_or(Sel::Cluster);
        let title = title(&t, &sel);
        let own: Vec<_> = d.diagnostics.iter().filter(|x| sel.owns_path(&x.path)).cloned().collect();
        let specs = fields(&t, &sel);
        let doc = Arc::new(edit::document(&t).unwrap_or_else(|_| yaml::Node::plain("")));
        let has_name = sel.name().is_some();
        let deletable = sel != Sel::Cluster;
        let stale = d.stale;
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
                {(!own.is_empty()).then(|| view! {
                    <h3>"Findings here"</h3>
                    <DiagList diagnostics=own />
                })}
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
