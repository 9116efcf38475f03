//! The drawing: sites as areas, devices as icons by kind, links as labelled lines,
//! BGP sessions as an overlay. Drag to move (layout only), click to select, pick
//! two ends to add a link; in What-if mode a click fails an element, and the
//! drawing marks what its failure costs (`WhatIfMarks`).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use leptos::prelude::*;
use meshplan_core::model::{Daemon, Role};
use meshplan_core::Topology;

use crate::analysis::PlanView;
use crate::bgp_overlay::{self, session_curve};
use crate::labels;
use crate::layout::{self, Pt, Rect};
use crate::sel::Sel;
use crate::state::{App, Failed, Mode};

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct SiteItem {
    name: String,
    sub: String,
    /// What a collapsed box says: "10 nodes · 2 routers".
    counts: String,
    kind: &'static str,
    lan: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum DevKind {
    Server,
    Agent,
    /// A router by its daemon: `bird`, `frr`, `none`.
    Router(&'static str),
    Host,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct DevItem {
    name: String,
    kind: DevKind,
    sub: String,
}

impl DevItem {
    fn sel(&self) -> Sel {
        match self.kind {
            DevKind::Server | DevKind::Agent => Sel::Node(self.name.clone()),
            DevKind::Router(_) => Sel::Router(self.name.clone()),
            DevKind::Host => Sel::Host(self.name.clone()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct LinkItem {
    index: usize,
    ends: [String; 2],
    kind: &'static str,
    label: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Items {
    sites: Vec<SiteItem>,
    devs: Vec<DevItem>,
    links: Vec<LinkItem>,
}

fn items(t: &Topology) -> Items {
    let sites = t
        .sites
        .iter()
        .map(|(name, s)| {
            let kind = match s.kind {
                meshplan_core::model::SiteKind::Lan => "lan",
                meshplan_core::model::SiteKind::Vpc => "vpc",
                meshplan_core::model::SiteKind::Zerotier => "zerotier",
            };
            let sub = if s.lan { format!("{kind} · MTU {}", s.mtu()) } else { "no shared network".to_string() };
            SiteItem { name: name.clone(), sub, counts: site_counts(t, name), kind, lan: s.lan }
        })
        .collect();
    let mut devs = Vec::new();
    for (name, r) in &t.routers {
        devs.push(DevItem {
            name: name.clone(),
            kind: DevKind::Router(daemon_name(r.daemon)),
            sub: device_sub(t, name),
        });
    }
    for (name, n) in &t.nodes {
        let kind = if n.role == Role::Server { DevKind::Server } else { DevKind::Agent };
        devs.push(DevItem { name: name.clone(), kind, sub: device_sub(t, name) });
    }
    for name in t.hosts.keys() {
        devs.push(DevItem { name: name.clone(), kind: DevKind::Host, sub: device_sub(t, name) });
    }
    let links = t
        .links
        .iter()
        .enumerate()
        .map(|(index, l)| LinkItem { index, ends: l.between.clone(), kind: l.kind.as_str(), label: link_label(l) })
        .collect();
    Items { sites, devs, links }
}

/// A device's second line: its addresses (a host: "host").
fn device_sub(t: &Topology, name: &str) -> String {
    let addr = |a: &meshplan_core::model::Addresses| a.iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ");
    match (t.routers.get(name), t.nodes.get(name)) {
        (Some(r), _) => addr(&r.address),
        (_, Some(n)) => addr(&n.address),
        _ => "host".into(),
    }
}

/// A site's members counted by kind: "10 nodes · 2 routers · 1 host".
fn site_counts(t: &Topology, site: &str) -> String {
    let here = |s: Option<&str>| s == Some(site);
    let counts = [
        (t.nodes.values().filter(|n| here(Some(&n.site))).count(), "node"),
        (t.routers.values().filter(|r| here(r.site.as_deref())).count(), "router"),
        (t.hosts.values().filter(|h| here(h.site.as_deref())).count(), "host"),
    ];
    let parts: Vec<String> = counts
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, w)| format!("{n} {w}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    if parts.is_empty() {
        "empty".to_string()
    } else {
        parts.join(" · ")
    }
}

fn link_label(l: &meshplan_core::model::Link) -> String {
    format!("{} · {}", l.kind.as_str(), l.mtu())
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct LinkGeo {
    a: Pt,
    b: Pt,
    mid: Pt,
}

#[derive(Debug, Clone, Default, PartialEq)]
struct Geo {
    /// Devices drawn (not hidden in a collapsed site).
    dev: BTreeMap<String, Pt>,
    site: BTreeMap<String, Rect>,
    /// Devices hidden in a collapsed site, with the site.
    hidden: BTreeMap<String, String>,
    links: Vec<Option<LinkGeo>>,
    bounds: Option<Rect>,
}

impl Geo {
    /// Where a device, or a site, is drawn: a device hidden in a collapsed
    /// site is at the site's box.
    fn at(&self, name: &str) -> Option<Pt> {
        self.dev.get(name).copied().or_else(|| self.boxed(name).map(|r| r.center()))
    }
    /// The box that stands for `name`: its site's, or its collapsed site's.
    fn boxed(&self, name: &str) -> Option<Rect> {
        self.site.get(name).or_else(|| self.hidden.get(name).and_then(|s| self.site.get(s))).copied()
    }
}

fn geometry(t: &Topology, l: &layout::Layout) -> Geo {
    let site = l.site_rects(t);
    let mut dev = BTreeMap::new();
    let mut hidden = BTreeMap::new();
    for (n, _) in layout::devices(t) {
        if let Some(s) = l.hidden_in(t, n) {
            hidden.insert(n.to_string(), s.to_string());
        } else if let Some(p) = l.devices.get(n) {
            dev.insert(n.to_string(), *p);
        }
    }
    let boxed = |name: &str| site.get(name).or_else(|| hidden.get(name).and_then(|s| site.get(s))).copied();
    let centre = |name: &str| dev.get(name).copied().or_else(|| boxed(name).map(|r| r.center()));
    let site_boxes: Vec<Rect> = site.values().copied().collect();
    // What a link's label keeps off: icons, device labels, site titles.
    let mut boxes = labels::Grid::default();
    for (name, p) in &dev {
        boxes.add(labels::icon_box(*p));
        let fit = |s: &str, w| layout::fit_text(s, w, layout::LABEL_MAX_W);
        boxes.add(layout::label_rect(
            *p,
            &fit(name, layout::NAME_CHAR_W),
            &fit(&device_sub(t, name), layout::SUB_CHAR_W),
        ));
    }
    // A site's title and caption (two lines when stacked); a collapsed box is all text.
    for (name, r) in &site {
        boxes.add(if l.collapsed.contains(name) { *r } else { Rect { h: 40.0, ..*r } });
    }
    let links = t
        .links
        .iter()
        .map(|lk| {
            let (ca, cb) = (centre(&lk.between[0])?, centre(&lk.between[1])?);
            // Both ends in one collapsed box: nothing to draw.
            if ca == cb {
                return None;
            }
            // A site end (or one hidden in a collapsed site) meets the box's
            // border; a device end its icon's centre.
            let end = |name: &str, c: Pt, other: Pt| match (dev.get(name), boxed(name)) {
                (None, Some(r)) => r.border_towards(other),
                _ => c,
            };
            let a = end(&lk.between[0], ca, cb);
            let b = end(&lk.between[1], cb, ca);
            // The label keeps off site borders near the link, icons and the
            // labels placed before it.
            let w = labels::link_label_w(&link_label(lk));
            let near = Rect { x: a.x.min(b.x), y: a.y.min(b.y), w: (a.x - b.x).abs(), h: (a.y - b.y).abs() }
                .grow(w + labels::LINK_LABEL_H);
            let sites: Vec<Rect> = site_boxes.iter().filter(|r| r.intersects(&near)).copied().collect();
            let mid = labels::place(a, b, w, &labels::Obstacles { sites: &sites, boxes: &boxes });
            boxes.add(labels::label_box(mid, w));
            Some(LinkGeo { a, b, mid })
        })
        .collect();
    Geo { dev, site, hidden, links, bounds: l.bounds(t) }
}

/// The drawing's viewBox: everything, with a margin, never smaller than a screenful.
/// The site whose box a dragged device was dropped in, when it is not the
/// device's own (the own box stretches to follow it; the others do not).
fn drop_site(t: &Topology, d: &Drag, g: &Geo) -> Option<String> {
    let name = d.target.name().filter(|_| !matches!(d.target, Sel::Site(_)))?;
    let at = *g.dev.get(name)?;
    let own = t.site_of(name);
    g.site
        .iter()
        .find(|(s, r)| Some(s.as_str()) != own && at.x > r.x && at.x < r.right() && at.y > r.y && at.y < r.bottom())
        .map(|(s, _)| s.clone())
}

/// After the person moved `target` (a site or a device): it stays, and its site
/// with it; what now overlaps them moves aside.
fn tidy_after_move(l: &mut layout::Layout, t: &Topology, target: &Sel) {
    let name = target.name().unwrap_or_default();
    let site = if matches!(target, Sel::Site(_)) { Some(name) } else { t.site_of(name) };
    let keep = meshplan_core::sort::set(site);
    l.tidy(t, &keep, target.is_device().then_some(name));
}

fn view_box(bounds: Option<Rect>) -> Rect {
    let b = bounds.unwrap_or(Rect { x: 0.0, y: 0.0, w: 800.0, h: 500.0 }).grow(28.0);
    let (min_w, min_h) = (760.0, 480.0);
    let w = b.w.max(min_w);
    let h = b.h.max(min_h);
    Rect { x: b.x - (w - b.w) / 2.0, y: b.y - (h - b.h) / 2.0, w, h }
}

/// Panning the view: where the pointer went down and the view then.
#[derive(Clone, Copy)]
struct Pan {
    x: f64,
    y: f64,
    view: Rect,
    moved: bool,
}

struct Drag {
    target: Sel,
    start: Pt,
    /// Devices that move, with where they started.
    devices: Vec<(String, Pt)>,
    anchor: Option<(String, Pt)>,
    moved: bool,
}

/// What the plan marks on the drawing: devices that drop pod traffic, the link
/// that limits the MTU budget.
#[derive(Debug, Clone, Default, PartialEq)]
struct Marks {
    blackholes: BTreeSet<String>,
    limiting_link: Option<usize>,
}

fn marks(plan: Option<&PlanView>) -> Marks {
    let Some(p) = plan else { return Marks::default() };
    Marks { blackholes: p.blackholes.clone(), limiting_link: p.limiting_link }
}

/// What-if's overlay as SVG text (one write per toggle, however many pairs):
/// the paths that moved (location to device to location), the site pairs cut,
/// the BGP sessions lost.
fn whatif_svg(w: &Failed, g: &Geo) -> String {
    let at = |n: &str| g.at(n);
    let esc = crate::failure_report::esc;
    // The path names the element: `routers.gw`, `hosts.nas`, `sites.WDS`, `links[2]`.
    let (attr, name) = match w.path.split_once('.') {
        Some(("routers", n)) => ("router", n),
        Some(("hosts", n)) => ("host", n),
        Some(("sites", n)) => ("site", n),
        _ => ("link", w.path.trim_start_matches("links[").trim_end_matches(']')),
    };
    let mut o = format!("<style>.canvas [data-{attr}=\"{}\"] {{ opacity: 0.35; filter: grayscale(1); }}", esc(name));
    for (a, b) in &w.cut {
        let _ = write!(o, ".canvas [data-site=\"{}\"] .site-area, .canvas [data-site=\"{}\"] .site-area {{ stroke: #b42318; stroke-width: 2.4; }}", esc(a), esc(b));
    }
    o.push_str("</style>");
    for (class, pairs) in [("moved-path", &w.moved), ("cut-pair", &w.cut)] {
        for (a, b) in pairs {
            if let (Some(p), Some(q)) = (at(a), at(b)) {
                let _ = write!(
                    o,
                    "<line class=\"{class}\" data-ends=\"{}|{}\" x1=\"{:.1}\" y1=\"{:.1}\" x2=\"{:.1}\" y2=\"{:.1}\"/>",
                    esc(a),
                    esc(b),
                    p.x,
                    p.y,
                    q.x,
                    q.y
                );
            }
        }
    }
    for (a, b) in &w.lost {
        if let (Some(p), Some(q)) = (at(a), at(b)) {
            let (a, b) = (esc(a), esc(b));
            let _ = write!(
                o,
                "<path class=\"session lost\" data-lost=\"{a}|{b}\" d=\"{}\"><title>BGP session lost: {a} – {b}</title></path>",
                session_curve(p, q)
            );
        }
    }
    o
}

/// The drawing as the BGP overlay sees it.
struct OnDrawing<'a> {
    g: &'a Geo,
    t: &'a Topology,
}

impl bgp_overlay::Where for OnDrawing<'_> {
    fn at(&self, name: &str) -> Option<Pt> {
        self.g.at(name)
    }
    fn site_of<'s>(&'s self, device: &'s str) -> Option<(&'s str, Rect)> {
        let site = self.t.site_of(device)?;
        self.g.site.get_key_value(site).map(|(s, r)| (s.as_str(), *r))
    }
}

#[component]
pub fn Canvas() -> impl IntoView {
    let app = expect_context::<App>();
    let svg_ref = NodeRef::<leptos::svg::Svg>::new();
    // The topology and the plan apart (`App::topology`, `App::plan`): a read
    // text redraws the drawing, the worker's answer only the marks.
    let items = Memo::new(move |_| app.topology.with(|t| t.as_deref().map(items).unwrap_or_default()));
    let geo = Memo::new(move |_| {
        let t = app.topology.get();
        t.map(|t| app.layout.with(|l| geometry(&t, l))).unwrap_or_default()
    });
    let marks = Memo::new(move |_| app.plan.with(|p| marks(p.as_deref())));
    // The view: everything (fit), or where the person zoomed and panned to; kept
    // still while something is dragged.
    let frozen = RwSignal::new(None::<Rect>);
    let vb =
        Memo::new(move |_| frozen.get().or_else(|| app.zoom.get()).unwrap_or_else(|| view_box(geo.with(|g| g.bounds))));
    let drag = StoredValue::new(None::<Drag>);
    let pan = StoredValue::new(None::<Pan>);
    // Screen pixels per drawing unit.
    let scale = move || -> f64 {
        let Some(svg) = svg_ref.get_untracked() else { return 1.0 };
        let r = svg.get_bounding_client_rect();
        let v = vb.get_untracked();
        (r.width() / v.w).min(r.height() / v.h).max(1e-6)
    };
    let zoom_by = move |f: f64, at: Option<Pt>| {
        let v = vb.get_untracked();
        let f = f.clamp(0.2, 5.0);
        let c = at.unwrap_or_else(|| v.center());
        // Not beyond 8× the drawing's size, nor closer than a 200-unit window.
        let w = (v.w * f).clamp(200.0, 8.0 * view_box(geo.with_untracked(|g| g.bounds)).w.max(200.0));
        let f = w / v.w;
        app.zoom.set(Some(Rect { x: c.x - (c.x - v.x) * f, y: c.y - (c.y - v.y) * f, w, h: v.h * f }));
    };

    // Pointer position in drawing coordinates (viewBox, "meet" scaling).
    let to_svg = move |x: f64, y: f64| -> Pt {
        let Some(svg) = svg_ref.get_untracked() else { return Pt::new(x, y) };
        let r = svg.get_bounding_client_rect();
        let v = vb.get_untracked();
        let s = (r.width() / v.w).min(r.height() / v.h).max(1e-6);
        let ox = r.left() + (r.width() - v.w * s) / 2.0;
        let oy = r.top() + (r.height() - v.h * s) / 2.0;
        Pt::new(v.x + (x - ox) / s, v.y + (y - oy) / s)
    };

    // A click (or Enter) on a site or device: select it, or pick it as a link end.
    let activate = move |target: Sel| {
        if app.mode.get_untracked() == Mode::WhatIf {
            crate::whatif::click(app, target);
            return;
        }
        if let Mode::Link(first) = app.mode.get_untracked() {
            let Some(name) = target.name().map(str::to_string) else { return };
            match first {
                None => {
                    app.mode.set(Mode::Link(Some(name.clone())));
                    app.set_sel(Some(target));
                }
                Some(a) => {
                    app.mode.set(Mode::Normal);
                    app.edit(|t| crate::edit::add_link(t, &a, &name).map(Some));
                }
            }
            return;
        }
        app.select(Some(target));
    };

    let start_drag = move |target: Sel, ev: &web_sys::PointerEvent| {
        ev.stop_propagation();
        if ev.button() != 0 {
            return;
        }
        // Picking a link end or failing an element: no drag.
        if app.mode.get_untracked() != Mode::Normal {
            ev.prevent_default();
            activate(target);
            return;
        }
        let Some(t) = app.editable() else {
            app.select(Some(target));
            return;
        };
        let l = app.layout.get_untracked();
        let (devices, anchor) = match &target {
            Sel::Site(s) => {
                let members = layout::devices(&t)
                    .into_iter()
                    .filter(|(_, site)| *site == Some(s.as_str()))
                    .filter_map(|(d, _)| l.devices.get(d).map(|p| (d.to_string(), *p)))
                    .collect();
                (members, l.sites.get(s).map(|p| (s.clone(), *p)))
            }
            other => {
                let name = other.name().unwrap_or_default();
                (l.devices.get(name).map(|p| vec![(name.to_string(), *p)]).unwrap_or_default(), None)
            }
        };
        let start = to_svg(ev.client_x() as f64, ev.client_y() as f64);
        drag.set_value(Some(Drag { target, start, devices, anchor, moved: false }));
        if let Some(svg) = svg_ref.get_untracked() {
            let _ = svg.set_pointer_capture(ev.pointer_id());
        }
    };

    let on_move = move |ev: web_sys::PointerEvent| {
        if let Some(mut p) = pan.get_value() {
            let (dx, dy) = (ev.client_x() as f64 - p.x, ev.client_y() as f64 - p.y);
            if p.moved || dx.abs() + dy.abs() >= 4.0 {
                p.moved = true;
                let s = scale();
                app.zoom.set(Some(Rect { x: p.view.x - dx / s, y: p.view.y - dy / s, ..p.view }));
                pan.set_value(Some(p));
            }
            return;
        }
        let p = to_svg(ev.client_x() as f64, ev.client_y() as f64);
        let mut begin = false;
        let mut update = None;
        drag.update_value(|d| {
            let Some(d) = d else { return };
            let (dx, dy) = (p.x - d.start.x, p.y - d.start.y);
            if !d.moved && dx.abs() + dy.abs() < 4.0 {
                return;
            }
            if !d.moved {
                d.moved = true;
                begin = true;
            }
            let devices: Vec<(String, Pt)> =
                d.devices.iter().map(|(n, q)| (n.clone(), Pt::new(q.x + dx, q.y + dy))).collect();
            let anchor = d.anchor.as_ref().map(|(n, q)| (n.clone(), Pt::new(q.x + dx, q.y + dy)));
            update = Some((devices, anchor));
        });
        if begin {
            frozen.set(Some(vb.get_untracked()));
            app.begin_layout_change();
            app.dragging.set(true);
        }
        if let Some((devices, anchor)) = update {
            app.layout.update(|l| {
                for (n, q) in devices {
                    l.devices.insert(n, q.rounded());
                }
                if let Some((n, q)) = anchor {
                    l.sites.insert(n, q.rounded());
                }
            });
        }
    };

    let on_up = move |_ev: web_sys::PointerEvent| {
        if let Some(p) = pan.try_update_value(|p| p.take()).flatten() {
            // A click on the background (no pan): clear the selection.
            if !p.moved && app.mode.get_untracked() == Mode::Normal {
                app.set_sel(None);
                app.highlight.set(None);
            }
            return;
        }
        let Some(d) = drag.try_update_value(|d| d.take()).flatten() else { return };
        if d.moved {
            if let Some(t) = app.derived.get_untracked().topology {
                // A device dropped on another site's box moves into that site
                // (the edit tidies the layout); else what was dragged stays
                // where it was put and what it now overlaps moves aside.
                if let Some(site) = geo.with_untracked(|g| drop_site(&t, &d, g)) {
                    app.edit(|t| crate::edit::move_to_site(t, &d.target, &site));
                } else {
                    app.layout.update(|l| tidy_after_move(l, &t, &d.target));
                }
            }
            app.dragging.set(false);
            frozen.set(None);
        } else {
            activate(d.target);
        }
    };

    // The background: drag to pan; a click clears the selection (at the release).
    let on_background = move |ev: web_sys::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        pan.set_value(Some(Pan {
            x: ev.client_x() as f64,
            y: ev.client_y() as f64,
            view: vb.get_untracked(),
            moved: false,
        }));
        if let Some(svg) = svg_ref.get_untracked() {
            let _ = svg.set_pointer_capture(ev.pointer_id());
        }
    };
    // Pans by screen pixels.
    let pan_by = move |dx: f64, dy: f64| {
        let v = vb.get_untracked();
        let s = scale();
        app.zoom.set(Some(Rect { x: v.x + dx / s, y: v.y + dy / s, ..v }));
    };
    // As map and diagram tools do: the wheel (or a trackpad's two fingers)
    // pans, Ctrl+wheel (a trackpad's pinch) zooms at the pointer.
    let on_wheel = move |ev: web_sys::WheelEvent| {
        ev.prevent_default();
        if ev.ctrl_key() || ev.meta_key() {
            let at = to_svg(ev.client_x() as f64, ev.client_y() as f64);
            zoom_by((ev.delta_y() * 0.0015).exp(), Some(at));
        } else {
            pan_by(ev.delta_x(), ev.delta_y());
        }
    };
    // Zoom and pan keys, when no field, drawing element or dialog has the focus.
    let keys = window_event_listener(leptos::ev::keydown, move |ev| {
        use wasm_bindgen::JsCast;
        let target = ev.target().and_then(|t| t.dyn_into::<web_sys::Element>().ok());
        let free = target.as_ref().is_none_or(|t| {
            let tag = t.tag_name().to_ascii_lowercase();
            tag == "body" || t.get_attribute("data-testid").as_deref() == Some("canvas")
        });
        if !free || ev.ctrl_key() || ev.meta_key() || ev.alt_key() || app.help.get_untracked() {
            return;
        }
        let step = if ev.shift_key() { 200.0 } else { 60.0 };
        match ev.key().as_str() {
            "+" | "=" => zoom_by(0.8, None),
            "-" | "_" => zoom_by(1.25, None),
            "0" => app.zoom.set(None),
            "ArrowLeft" => pan_by(-step, 0.0),
            "ArrowRight" => pan_by(step, 0.0),
            "ArrowUp" => pan_by(0.0, -step),
            "ArrowDown" => pan_by(0.0, step),
            _ => return,
        }
        ev.prevent_default();
    });
    on_cleanup(move || keys.remove());

    // A site collapsed to one box, or opened again (an undo step).
    let toggle_collapsed = move |site: &str| {
        let Some(t) = app.derived.get_untracked().topology else { return };
        app.begin_layout_change();
        app.layout.update(|l| l.toggle_collapsed(&t, site));
    };

    // Keyboard: Enter selects, arrows move a device, C collapses a site.
    let on_key = move |target: Sel, ev: web_sys::KeyboardEvent| {
        let step = if ev.shift_key() { 40.0 } else { 10.0 };
        let (dx, dy) = match ev.key().as_str() {
            "Enter" | " " => {
                ev.prevent_default();
                activate(target);
                return;
            }
            "c" | "C" if !ev.ctrl_key() && !ev.meta_key() && !ev.alt_key() => {
                if let Sel::Site(site) = &target {
                    ev.prevent_default();
                    toggle_collapsed(site);
                }
                return;
            }
            "ArrowLeft" => (-step, 0.0),
            "ArrowRight" => (step, 0.0),
            "ArrowUp" => (0.0, -step),
            "ArrowDown" => (0.0, step),
            _ => return,
        };
        ev.prevent_default();
        let Some(name) = target.name().map(str::to_string) else { return };
        if !target.is_device() {
            return;
        }
        app.begin_layout_change();
        if let Some(t) = app.derived.get_untracked().topology {
            app.layout.update(|l| {
                if let Some(p) = l.devices.get_mut(&name) {
                    p.x += dx;
                    p.y += dy;
                }
                tidy_after_move(l, &t, &target);
            });
        }
    };

    let is_sel = move |s: &Sel| app.sel.with(|x| x.as_ref() == Some(s));
    let is_hl = move |s: &Sel| app.highlight.with(|x| x.as_ref() == Some(s));
    let is_pick = move |name: &str| app.mode.with(|m| matches!(m, Mode::Link(Some(a)) if a == name));

    let site_view = move |it: SiteItem| {
        let name = it.name.clone();
        let n2 = name.clone();
        let rect = Memo::new(move |_| {
            geo.with(|g| g.site.get(&n2).copied().unwrap_or(Rect { x: 0.0, y: 0.0, w: 0.0, h: 0.0 }))
        });
        let sel = Sel::Site(name.clone());
        let (s1, s2, s3, s4) = (sel.clone(), sel.clone(), sel.clone(), sel);
        let n3 = name.clone();
        let n6 = name.clone();
        let collapsed = Memo::new(move |_| app.layout.with(|l| l.collapsed.contains(&n6)));
        // The caption under the title when both do not fit on one line beside
        // the collapse button (always in a collapsed box, the counts under it).
        let (n5, sub) = (name.clone(), it.sub.clone());
        let below = Memo::new(move |_| collapsed.get() || layout::site_caption_below(&n5, &sub, rect.get().w - 22.0));
        let (n7, n8, n9) = (name.clone(), name.clone(), name.clone());
        let toggle_label =
            Memo::new(move |_| format!("{} site {}", if collapsed.get() { "Open" } else { "Collapse" }, n8));
        view! {
            <g
                class=format!("site kind-{}", it.kind)
                class:nolan=!it.lan
                class:collapsed=move || collapsed.get()
                class:selected=move || is_sel(&s1)
                class:highlight=move || is_hl(&s2)
                class:picked=move || is_pick(&n3)
                data-site=name.clone()
                tabindex="0"
                role="button"
                aria-label=format!("site {}", name)
                on:pointerdown=move |ev| start_drag(s3.clone(), &ev)
                on:keydown=move |ev| on_key(s4.clone(), ev)
            >
                <rect class="site-area" x=move || rect.get().x y=move || rect.get().y
                    width=move || rect.get().w height=move || rect.get().h rx="12" />
                <text class="site-name" x=move || rect.get().x + 12.0 y=move || rect.get().y + 21.0>{name.clone()}</text>
                <text class="site-sub" x=move || if below.get() { rect.get().x + 12.0 } else { rect.get().right() - 34.0 }
                    y=move || rect.get().y + if below.get() { 37.0 } else { 21.0 }
                    text-anchor=move || if below.get() { "start" } else { "end" }>{it.sub.clone()}</text>
                <Show when=move || collapsed.get()>
                    <text class="site-counts" data-testid="site-counts" x=move || rect.get().x + 12.0 y=move || rect.get().y + 55.0>
                        {it.counts.clone()}</text>
                </Show>
                // Collapse or open: a button of its own (no drag, no select).
                <g class="site-toggle" role="button" tabindex="0" data-collapse=name.clone()
                    aria-label=toggle_label aria-expanded=move || (!collapsed.get()).to_string()
                    transform=move || { let r = rect.get(); format!("translate({:.1},{:.1})", r.right() - 24.0, r.y + 8.0) }
                    on:pointerdown=move |ev: web_sys::PointerEvent| { ev.stop_propagation(); toggle_collapsed(&n7); }
                    on:keydown=move |ev: web_sys::KeyboardEvent| if ev.key() == "Enter" || ev.key() == " " {
                        ev.prevent_default();
                        ev.stop_propagation();
                        toggle_collapsed(&n9);
                    }>
                    <rect width="16" height="16" rx="4" />
                    <path d=move || if collapsed.get() { "M4,8 H12 M8,4 V12" } else { "M4,8 H12" } />
                    <title>{toggle_label}</title>
                </g>
                <title>{format!("site {}", name)}</title>
            </g>
        }
    };

    let dev_view = move |it: DevItem| {
        let name = it.name.clone();
        let n2 = name.clone();
        let pos = Memo::new(move |_| geo.with(|g| g.dev.get(&n2).copied().unwrap_or(Pt::new(0.0, 0.0))));
        let sel = it.sel();
        let (s1, s2, s3, s4) = (sel.clone(), sel.clone(), sel.clone(), sel.clone());
        let n3 = name.clone();
        let n4 = name.clone();
        let n5 = name.clone();
        let data = |k: &Sel, want: fn(&Sel) -> bool| if want(k) { Some(name.clone()) } else { None };
        let (dn, dr, dh) = (
            data(&sel, |s| matches!(s, Sel::Node(_))),
            data(&sel, |s| matches!(s, Sel::Router(_))),
            data(&sel, |s| matches!(s, Sel::Host(_))),
        );
        let kind_class = match it.kind {
            DevKind::Server => "dev node server".to_string(),
            DevKind::Agent => "dev node agent".to_string(),
            DevKind::Router(d) => format!("dev router daemon-{d}"),
            DevKind::Host => "dev host".to_string(),
        };
        let describe = match it.kind {
            DevKind::Server => "server node",
            DevKind::Agent => "agent node",
            DevKind::Router("none") => "router without BGP",
            DevKind::Router(_) => "BGP router",
            DevKind::Host => "host",
        };
        view! {
            <g
                class=kind_class
                class:selected=move || is_sel(&s1)
                class:highlight=move || is_hl(&s2)
                class:picked=move || is_pick(&n3)
                class:blackhole=move || marks.with(|m| m.blackholes.contains(&n4))
                class:hidden=move || geo.with(|g| g.hidden.contains_key(&n5))
                data-node=dn
                data-router=dr
                data-host=dh
                transform=move || { let p = pos.get(); format!("translate({:.1},{:.1})", p.x, p.y) }
                tabindex="0"
                role="button"
                aria-label=format!("{describe} {name}")
                on:pointerdown=move |ev| start_drag(s3.clone(), &ev)
                on:keydown=move |ev| on_key(s4.clone(), ev)
            >
                <rect class="halo" x="-30" y="-26" width="60" height="52" rx="12" />
                {icon(it.kind)}
                // Cut to the device's box, so that neighbours' labels never collide.
                <text class="dev-name" y="38" text-anchor="middle">{layout::fit_text(&name, layout::NAME_CHAR_W, layout::LABEL_MAX_W)}</text>
                <text class="dev-sub" y="52" text-anchor="middle">{layout::fit_text(&it.sub, layout::SUB_CHAR_W, layout::LABEL_MAX_W)}</text>
                <title>{format!("{describe} {name}")}</title>
            </g>
        }
    };

    let link_view = move |it: LinkItem| {
        let index = it.index;
        let g = Memo::new(move |_| geo.with(|g| g.links.get(index).copied().flatten()));
        let sel = Sel::Link(index);
        let (s1, s2, s3, s4) = (sel.clone(), sel.clone(), sel.clone(), sel);
        let label_w = labels::link_label_w(&it.label);
        let coord = move |f: fn(&LinkGeo) -> f64| move || g.get().map(|x| f(&x)).unwrap_or(0.0);
        view! {
            <g
                class=format!("link kind-{}", it.kind)
                class:selected=move || is_sel(&s1)
                class:highlight=move || is_hl(&s2)
                class:limiting=move || marks.with(|m| m.limiting_link == Some(index))
                class:hidden=move || g.get().is_none()
                data-link=index.to_string()
                tabindex="0"
                role="button"
                aria-label=format!("link {} between {} and {}", it.label, it.ends[0], it.ends[1])
                on:pointerdown=move |ev: web_sys::PointerEvent| {
                    ev.stop_propagation();
                    match app.mode.get_untracked() {
                        Mode::Normal => app.select(Some(s3.clone())),
                        Mode::WhatIf => crate::whatif::click(app, s3.clone()),
                        Mode::Link(_) => {}
                    }
                }
                on:keydown=move |ev: web_sys::KeyboardEvent| {
                    if ev.key() == "Enter" || ev.key() == " " {
                        ev.prevent_default();
                        if app.mode.get_untracked() == Mode::WhatIf { crate::whatif::click(app, s4.clone()) } else { app.select(Some(s4.clone())) }
                    }
                }
            >
                <line class="link-hit" x1=coord(|g| g.a.x) y1=coord(|g| g.a.y) x2=coord(|g| g.b.x) y2=coord(|g| g.b.y) />
                <line class="link-line" x1=coord(|g| g.a.x) y1=coord(|g| g.a.y) x2=coord(|g| g.b.x) y2=coord(|g| g.b.y) />
                <g class="link-label" transform=move || g.get().map(|x| format!("translate({:.1},{:.1})", x.mid.x, x.mid.y)).unwrap_or_default()>
                    <rect x=-label_w / 2.0 y="-10" width=label_w height="20" rx="10" />
                    <text y="4" text-anchor="middle">{it.label.clone()}</text>
                </g>
                <title>{format!("link {}: {} – {}", it.index, it.ends[0], it.ends[1])}</title>
            </g>
        }
    };

    // The BGP overlay as SVG text: one write however many sessions (the
    // 600-node design has thousands; above a few hundred they are drawn by site).
    let bgp_overlay = move || {
        if !app.show_bgp.get() {
            return String::new();
        }
        let topology = app.topology.get();
        let Some(t) = topology.as_deref() else { return String::new() };
        app.plan.with(|plan| {
            let mut seen = BTreeSet::new();
            // Only a plan with every session (`PlanView::all_sessions`): the
            // worker is asked for them when the overlay is turned on.
            let sessions: Vec<bgp_overlay::Drawn> = plan
                .iter()
                .filter(|p| p.all_sessions)
                .flat_map(|p| &p.sessions)
                .filter(|s| seen.insert((&s.a, &s.b, s.role.as_str())))
                .map(|s| bgp_overlay::Drawn {
                    a: &s.a,
                    b: &s.b,
                    style: if s.ebgp { "ebgp" } else { s.role.as_str() },
                    role: s.role.as_str(),
                    kind: if s.ebgp { "eBGP" } else { "iBGP" },
                })
                .collect();
            geo.with(|g| bgp_overlay::svg(&sessions, &OnDrawing { g, t }))
        })
    };

    // What-if's overlay: the element down greyed and the sites cut outlined
    // (a style rule naming them, rather than a reactive class on each element
    // of a 600-node drawing), the paths that moved, the site pairs cut, the
    // BGP sessions lost.
    let whatif_overlay = move || {
        let Some(w) = crate::whatif::shown(app) else { return String::new() };
        geo.with(|g| whatif_svg(&w, g))
    };

    let stale = move || app.derived.with(|d| d.stale);
    let linking = move || app.mode.with(|m| matches!(m, Mode::Link(_)));
    let link_hint = move || {
        match app.mode.get() {
        Mode::Link(None) => Some("Adding a link: click its first end (a site or a device). Esc cancels.".to_string()),
        Mode::Link(Some(a)) => Some(format!("Adding a link from {a}: click its other end. Esc cancels.")),
        Mode::WhatIf => Some(
            "What-if: click a router, host, link or site to fail it, again to bring it back (one at a time). Esc leaves."
                .to_string(),
        ),
        Mode::Normal => None,
    }
    };

    view! {
        <div class="canvas-wrap" class:linking=linking class:whatif=move || app.mode.with(|m| *m == Mode::WhatIf) class:stale=stale>
            <svg
                node_ref=svg_ref
                data-testid="canvas"
                class="canvas"
                viewBox=move || { let v = vb.get(); format!("{:.1} {:.1} {:.1} {:.1}", v.x, v.y, v.w, v.h) }
                preserveAspectRatio="xMidYMid meet"
                role="group"
                aria-label="Drawing of the design"
                on:pointermove=on_move
                on:wheel=on_wheel
                on:pointerup=on_up
                on:pointercancel=on_up
            >
                <defs>
                    <pattern id="grid" width="24" height="24" patternUnits="userSpaceOnUse">
                        <circle cx="1" cy="1" r="1" class="grid-dot" />
                    </pattern>
                </defs>
                <rect class="canvas-bg" x=move || vb.get().x y=move || vb.get().y
                    width=move || vb.get().w height=move || vb.get().h fill="url(#grid)"
                    on:pointerdown=on_background />
                <g class="sites">
                    <For each=move || items.with(|i| i.sites.clone()) key=|s| s.clone() children=move |s| site_view(s) />
                </g>
                <g class="links">
                    <For each=move || items.with(|i| i.links.clone()) key=|l| l.clone() children=move |l| link_view(l) />
                </g>
                <g class="bgp-overlay" inner_html=bgp_overlay></g>
                <g class="whatif-overlay" inner_html=whatif_overlay></g>
                <g class="devices">
                    <For each=move || items.with(|i| i.devs.clone()) key=|d| d.clone() children=move |d| dev_view(d) />
                </g>
            </svg>
            <div inner_html=move || if app.show_bgp.get() { bgp_overlay::LEGEND } else { "" }></div>
            <div class="zoom" role="group" aria-label="Zoom">
                <button title="Zoom in (+)" aria-label="Zoom in" on:click=move |_| zoom_by(0.8, None)>"+"</button>
                <button title="Zoom out (−)" aria-label="Zoom out" on:click=move |_| zoom_by(1.25, None)>"−"</button>
                <button title="Show everything (0)" data-testid="zoom-fit" class:active=move || app.zoom.with(Option::is_none)
                    on:click=move |_| app.zoom.set(None)>"Fit"</button>
            </div>
            <Show when=stale>
                <div class="canvas-note" role="status">
                    "The YAML has an error, so the drawing shows the last version that could be read. Fix the text (YAML tab) to edit the drawing again."
                </div>
            </Show>
            {move || link_hint().map(|h| view! { <div class="canvas-hint" role="status" data-testid="canvas-hint">{h}</div> })}
            {move || items.with(|i| i.sites.is_empty() && i.devs.is_empty()).then(|| view! {
                <div class="canvas-empty">"An empty design. Add a site, then nodes and routers in it, then link them."</div>
            })}
        </div>
    }
}

fn daemon_name(d: Daemon) -> &'static str {
    match d {
        Daemon::Bird => "bird",
        Daemon::Frr => "frr",
        Daemon::None => "none",
    }
}

/// The icon of a device kind, centred on the origin.
fn icon(kind: DevKind) -> AnyView {
    match kind {
        DevKind::Server | DevKind::Agent => {
            let letter = if kind == DevKind::Server { "S" } else { "A" };
            view! {
                <g class="icon">
                    <rect class="body" x="-20" y="-17" width="40" height="34" rx="5" />
                    <line class="slot" x1="-13" y1="-7" x2="7" y2="-7" />
                    <line class="slot" x1="-13" y1="1" x2="7" y2="1" />
                    <line class="slot" x1="-13" y1="9" x2="7" y2="9" />
                    <text class="letter" x="13.5" y="4" text-anchor="middle">{letter}</text>
                </g>
            }
            .into_any()
        }
        DevKind::Router(d) => {
            let letter = match d {
                "bird" => "B",
                "frr" => "F",
                _ => "",
            };
            view! {
                <g class="icon">
                    <circle class="body" r="19" />
                    <path class="arrows" d="M-11,0 H11 M0,-11 V11 M7,-4 L11,0 L7,4 M-7,-4 L-11,0 L-7,4 M-4,-7 L0,-11 L4,-7 M-4,7 L0,11 L4,7" />
                    <text class="badge" x="15" y="-12" text-anchor="middle">{letter}</text>
                </g>
            }
            .into_any()
        }
        DevKind::Host => view! {
            <g class="icon">
                <rect class="body" x="-18" y="-16" width="36" height="24" rx="3" />
                <rect class="screen" x="-14" y="-12" width="28" height="16" rx="1.5" />
                <path class="stand" d="M-8,15 H8 M0,8 V15" />
            </g>
        }
        .into_any(),
    }
}
