//! The model explained where it is used: the help overlay (`?`: shortcuts, the
//! concepts, the legend of badges and line styles) and the first-run note that
//! says the design on screen is an example and how to start from scratch.

use leptos::html;
use leptos::prelude::*;

use crate::state::App;

/// Keyboard shortcuts, as the help lists them (`shell::on_key` handles them).
const SHORTCUTS: [(&str, &str); 8] = [
    ("?", "this help"),
    ("Ctrl+Z / Ctrl+Shift+Z", "undo / redo"),
    ("Del", "delete the selection"),
    ("Esc", "leave link mode, close a dialog, clear the selection"),
    ("Tab / Enter", "walk the drawing's elements, select one"),
    ("+ / − / 0", "zoom in / out / show everything"),
    ("Arrow keys", "pan the drawing"),
    ("Enter in a field", "apply the field"),
];

/// Each concept in one line, with what it looks like on the drawing.
const CONCEPTS: [(&str, &str); 8] = [
    ("Site", "a place with one network (a LAN, a VPC, a ZeroTier network): the boxes."),
    ("Node", "a K3s machine in a site: S is a server (control plane), A an agent."),
    ("Router", "a BGP router that exists already (B: BIRD, F: FRR); it carries pod routes between sites."),
    ("Host", "a machine that is neither node nor router (a NAS, a jump box): it only forwards the underlay."),
    ("Link", "a cable, tunnel or leased line between two sites or devices; its MTU and kind shape the pod MTU."),
    (
        "Route reflector (“Serves sites”)",
        "a router serves a site: that site's nodes peer with it by BGP and it reflects their pod routes.",
    ),
    ("Backbone", "the BGP sessions between routers (as written under bgp.backbone, or all pairs)."),
    (
        "Pod MTU vs budget",
        "the budget is the largest pod MTU every path allows; the pod MTU is the one set (cluster.mtu) or the budget.",
    ),
];

/// A sample of a line style: the same classes the drawing uses.
fn line_sample(class: &'static str) -> impl IntoView {
    view! {
        <svg class="sample" viewBox="0 0 40 10" width="40" height="10" aria-hidden="true">
            <g class=class><line class="link-line" x1="1" y1="5" x2="39" y2="5" /></g>
        </svg>
    }
}

fn session_sample(role: &'static str) -> impl IntoView {
    view! {
        <svg class="sample" viewBox="0 0 40 10" width="40" height="10" aria-hidden="true">
            <path class=format!("session role-{role}") d="M1 5 H39" />
        </svg>
    }
}

#[component]
pub fn HelpOverlay() -> impl IntoView {
    let app = expect_context::<App>();
    let close_button = NodeRef::<html::Button>::new();
    // The dialog takes focus when it opens, so Esc and Tab work in it at once.
    Effect::new(move |_| {
        if app.help.get() {
            if let Some(b) = close_button.get() {
                let _ = b.focus();
            }
        }
    });
    move || {
        app.help.get().then(|| {
            view! {
                <div class="backdrop" on:click=move |_| app.help.set(false)>
                    <div class="dialog help" role="dialog" aria-modal="true" aria-labelledby="help-title" data-testid="help"
                        on:click=|ev| ev.stop_propagation()>
                        <h2 id="help-title">"How meshplan draws a pod network"</h2>
                        <h3>"Concepts"</h3>
                        <dl class="concepts">
                            {CONCEPTS.iter().map(|(k, v)| view! { <dt>{*k}</dt><dd>{*v}</dd> }).collect_view()}
                        </dl>
                        <h3>"Legend"</h3>
                        <ul class="legend-list" data-testid="legend">
                            <li><b class="chip server">"S"</b>" server node · "<b class="chip agent">"A"</b>" agent node · "
                                <b class="chip router">"B"</b>" BIRD router · "<b class="chip frr">"F"</b>" FRR router"</li>
                            <li>{line_sample("link")}" LAN / VPC link · "{line_sample("link kind-zerotier")}" ZeroTier · "
                                {line_sample("link kind-wireguard")}" WireGuard · "{line_sample("link kind-iepl")}" leased line (IEPL) · "
                                {line_sample("link kind-internet")}" internet · "{line_sample("link kind-gre")}" GRE/IPIP/VXLAN tunnel"</li>
                            <li>"BGP overlay: "{session_sample("rr-client")}" node → route reflector · "
                                {session_sample("backbone")}" backbone · "{session_sample("mesh")}" node mesh · "
                                {session_sample("ebgp")}" eBGP"</li>
                            <li>"A dashed site box: its members do not share one network (lan: false)."</li>
                        </ul>
                        <h3>"Keyboard"</h3>
                        <dl class="shortcuts">
                            {SHORTCUTS.iter().map(|(k, v)| view! { <dt><kbd>{*k}</kbd></dt><dd>{*v}</dd> }).collect_view()}
                        </dl>
                        <div class="dialog-actions">
                            <button class="primary" node_ref=close_button data-testid="help-close"
                                on:click=move |_| app.help.set(false)>"Close"</button>
                        </div>
                    </div>
                </div>
            }
        })
    }
}

/// Shown on a first visit, over the drawing: what the design is and how to begin.
#[component]
pub fn FirstRun() -> impl IntoView {
    let app = expect_context::<App>();
    move || {
        app.first_run.get().then(|| {
            view! {
                <div class="first-run" role="note" data-testid="first-run">
                    <h2>"This is an example design"</h2>
                    <p>"A cluster across China and Hong Kong, its pod routes carried by existing BIRD routers (calico-wds-hkg). "
                        "Look around: click a site, node or router; the Plan tab shows what meshplan makes of it."</p>
                    <p>"To start from scratch: "<b>"New"</b>", then add a "<b>"Site"</b>", "<b>"Node"</b>"s in it, "
                        <b>"Router"</b>"s, and "<b>"Link"</b>" the sites. Cluster settings (CNI, ranges, mirrors) are under "
                        <b>"Cluster…"</b>"."</p>
                    <div class="first-run-actions">
                        <button data-testid="first-run-help" on:click=move |_| app.help.set(true)>"Help (?)"</button>
                        <button class="primary" data-testid="first-run-close" on:click=move |_| app.first_run.set(false)>"Got it"</button>
                    </div>
                </div>
            }
        })
    }
}
