//! The model explained where it is used: the help overlay (`?`: shortcuts, the
//! concepts, the legend of badges and line styles) and the first-run note that
//! says the design on screen is an example and how to start from scratch.

use leptos::html;
use leptos::prelude::*;

use crate::state::App;

/// The help's text: concepts, legend and keys. Static markup in one string
/// (nothing in it comes from a person), so the page's module carries text, not
/// the code of sixty view nodes. The legend's samples use the drawing's classes.
const HELP: &str = r#"<h3>Concepts</h3><dl class="concepts">
<dt>Site</dt><dd>a place with one network (a LAN, a VPC, a ZeroTier network): the boxes.</dd>
<dt>Node</dt><dd>a K3s machine in a site: S is a server (control plane), A an agent.</dd>
<dt>Router</dt><dd>a BGP router that exists already (B: BIRD, F: FRR); it carries pod routes between sites.</dd>
<dt>Host</dt><dd>a machine that is neither node nor router (a NAS, a jump box): it only forwards the underlay.</dd>
<dt>Link</dt><dd>a cable, tunnel or leased line between two sites or devices; its MTU and kind shape the pod MTU.</dd>
<dt>Route reflector (“Serves sites”)</dt><dd>a router serves a site: that site's nodes peer with it by BGP and it reflects their pod routes.</dd>
<dt>Backbone</dt><dd>the BGP sessions between routers (as written under bgp.backbone, or all pairs).</dd>
<dt>Pod MTU vs budget</dt><dd>the budget is the largest pod MTU every path allows; the pod MTU is the one set (cluster.mtu) or the budget.</dd>
</dl><h3>Legend</h3><ul class="legend-list" data-testid="legend">
<li><b class="chip server">S</b> server node · <b class="chip agent">A</b> agent node · <b class="chip router">B</b> BIRD router · <b class="chip frr">F</b> FRR router</li>
<li><svg class="sample" viewBox="0 0 40 10" width="40" height="10"><g class="link"><line class="link-line" x1="1" y1="5" x2="39" y2="5"/></g></svg> LAN / VPC link ·
<svg class="sample" viewBox="0 0 40 10" width="40" height="10"><g class="link kind-zerotier"><line class="link-line" x1="1" y1="5" x2="39" y2="5"/></g></svg> ZeroTier ·
<svg class="sample" viewBox="0 0 40 10" width="40" height="10"><g class="link kind-wireguard"><line class="link-line" x1="1" y1="5" x2="39" y2="5"/></g></svg> WireGuard ·
<svg class="sample" viewBox="0 0 40 10" width="40" height="10"><g class="link kind-iepl"><line class="link-line" x1="1" y1="5" x2="39" y2="5"/></g></svg> leased line (IEPL) ·
<svg class="sample" viewBox="0 0 40 10" width="40" height="10"><g class="link kind-internet"><line class="link-line" x1="1" y1="5" x2="39" y2="5"/></g></svg> internet ·
<svg class="sample" viewBox="0 0 40 10" width="40" height="10"><g class="link kind-gre"><line class="link-line" x1="1" y1="5" x2="39" y2="5"/></g></svg> GRE/IPIP/VXLAN tunnel</li>
<li>BGP overlay: <svg class="sample" viewBox="0 0 40 10" width="40" height="10"><path class="session role-rr-client" d="M1 5 H39"/></svg> node → route reflector ·
<svg class="sample" viewBox="0 0 40 10" width="40" height="10"><path class="session role-backbone" d="M1 5 H39"/></svg> backbone ·
<svg class="sample" viewBox="0 0 40 10" width="40" height="10"><path class="session role-mesh" d="M1 5 H39"/></svg> node mesh ·
<svg class="sample" viewBox="0 0 40 10" width="40" height="10"><path class="session role-ebgp" d="M1 5 H39"/></svg> eBGP. Over 200 sessions: one line per pair of sites with its count, a star from the middle where one style joins most pairs of sites, the sessions inside a site counted under its box.</li>
<li>A dashed site box: its members do not share one network (lan: false). A site's − button (or <kbd>C</kbd>) collapses it to one box with its counts; links to its devices end on the box; + opens it.</li>
<li>What-if: the failed element greyed; red dashes: BGP sessions lost and site pairs cut; orange: paths that moved.</li>
</ul><h3>Keyboard</h3><dl class="shortcuts">
<dt><kbd>?</kbd></dt><dd>this help</dd>
<dt><kbd>/</kbd></dt><dd>find a site or device by name (Enter selects and centres it)</dd>
<dt><kbd>Ctrl+Z / Ctrl+Shift+Z</kbd></dt><dd>undo / redo</dd>
<dt><kbd>Del</kbd></dt><dd>delete the selection</dd>
<dt><kbd>W</kbd></dt><dd>What-if mode: click (or Enter on) a router, host, link or site to fail it, again to bring it back; one failure at a time</dd>
<dt><kbd>Esc</kbd></dt><dd>leave link or What-if mode, close a dialog, clear the selection</dd>
<dt><kbd>Tab / Enter</kbd></dt><dd>walk the drawing's elements, select one</dd>
<dt><kbd>+ / − / 0</kbd></dt><dd>zoom in / out / show everything</dd>
<dt><kbd>Arrow keys</kbd></dt><dd>pan the drawing (a focused device: move it)</dd>
<dt><kbd>C</kbd></dt><dd>collapse or open the focused site</dd>
<dt><kbd>Wheel / Ctrl+wheel</kbd></dt><dd>pan / zoom</dd>
</dl>"#;

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
                        <div inner_html=HELP></div>
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
