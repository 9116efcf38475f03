//! The app's state, in signals, and the actions that change it. The text of the
//! topology is the source of truth (it may not parse while someone types); the
//! topology, the checks and the plan are derived from it by the core.

use std::sync::Arc;

use leptos::prelude::*;
use meshplan_core::model::Kind;
use meshplan_core::{Diagnostic, Severity, Topology};

use crate::browser;
use crate::core_api::{self, Plan, Renamed};
use crate::history::{Doc, History, Step};
use crate::layout::{self, Layout};
use crate::sel::Sel;

/// The four reference designs, built into the app.
pub const EXAMPLES: [(&str, &str); 4] = [
    ("calico-wds-hkg", include_str!("../../examples/calico-wds-hkg.yaml")),
    ("cilium-dualstack-frr", include_str!("../../examples/cilium-dualstack-frr.yaml")),
    ("flannel-metallb-pi", include_str!("../../examples/flannel-metallb-pi.yaml")),
    ("kilo-multicloud", include_str!("../../examples/kilo-multicloud.yaml")),
];

/// The design on a first visit.
pub const DEFAULT_EXAMPLE: &str = EXAMPLES[0].1;

/// What the core made of the current text.
#[derive(Debug, Clone, Default)]
pub struct Derived {
    /// The topology: of the current text, or, when it does not parse, of the last
    /// text that did (`stale`).
    pub topology: Option<Arc<Topology>>,
    pub stale: bool,
    /// Every diagnostic of parsing, checking and planning, sorted, without repeats.
    pub diagnostics: Arc<Vec<Diagnostic>>,
    pub plan: Option<Arc<Plan>>,
    /// Time the core took for this text: parse, then plan with every check (ms).
    pub analyze_ms: f64,
    pub plan_ms: f64,
}

impl Derived {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Error).count()
    }
    pub fn warnings(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count()
    }
    /// The topology when it can be edited (it is the current text's).
    pub fn editable(&self) -> Option<Arc<Topology>> {
        self.topology.clone().filter(|_| !self.stale)
    }
}

fn derive(text: &str, prev: Option<&Derived>) -> Derived {
    let a = core_api::analyze(text, browser::perf_now);
    let (topology, stale) = match a.topology {
        Some(t) => (Some(Arc::new(t)), false),
        None => (prev.and_then(|p| p.topology.clone()), true),
    };
    Derived {
        topology,
        stale,
        diagnostics: Arc::new(a.diagnostics),
        plan: a.plan.map(Arc::new),
        analyze_ms: a.parse_ms,
        plan_ms: a.plan_ms,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    Normal,
    /// Adding a link: waiting for its first end, then its second.
    Link(Option<String>),
    /// What-if: a click fails an element (a view of the plan; the design is not edited).
    WhatIf,
}

/// The element failed in What-if mode, and what the core says its failure
/// costs (written by the worker: `failure_report`).
#[derive(Debug, Clone, PartialEq)]
pub struct Failed {
    /// The element's path (`routers.gw`, `links[2]`: `Sel::path`).
    pub path: String,
    /// The notebook's What-if section, as HTML.
    pub html: String,
    /// BGP sessions lost, site pairs cut, segments of the paths that moved (name pairs).
    pub lost: Vec<(String, String)>,
    pub cut: Vec<(String, String)>,
    pub moved: Vec<(String, String)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    Inspect,
    Plan,
    Yaml,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Toast {
    pub text: String,
    pub error: bool,
    pub id: u64,
}

/// A list of diagnostics shown over the page (export refused).
#[derive(Debug, Clone, PartialEq)]
pub struct Dialog {
    pub title: String,
    pub intro: String,
    pub diagnostics: Vec<Diagnostic>,
}

/// All the app's state; cheap to copy into closures.
#[derive(Clone, Copy)]
pub struct App {
    pub text: RwSignal<String>,
    pub layout: RwSignal<Layout>,
    pub history: RwSignal<History>,
    pub derived: Memo<Derived>,
    pub sel: RwSignal<Option<Sel>>,
    /// Which element the side panel is about: changes whenever the selection
    /// becomes another element (not when the selected one is renamed), and the
    /// panel is built afresh for it, so no field keeps an old element's value.
    pub panel: RwSignal<u64>,
    /// The element a clicked diagnostic names.
    pub highlight: RwSignal<Option<Sel>>,
    pub mode: RwSignal<Mode>,
    pub tab: RwSignal<Tab>,
    pub toast: RwSignal<Option<Toast>>,
    pub dialog: RwSignal<Option<Dialog>>,
    pub show_bgp: RwSignal<bool>,
    /// A drag is under way: autosave waits for the drop.
    pub dragging: RwSignal<bool>,
    /// A place in the text to show (line, column), set by clicking a syntax error.
    pub goto: RwSignal<Option<(usize, usize)>>,
    /// The part of the drawing in view, when zoomed or panned; `None` fits everything.
    pub zoom: RwSignal<Option<crate::layout::Rect>>,
    /// The help overlay (`?`) is open.
    pub help: RwSignal<bool>,
    /// A first visit: the note saying the design is an example is shown.
    pub first_run: RwSignal<bool>,
    /// What-if mode's failed element; cleared when the mode ends or the text changes.
    pub failed: RwSignal<Option<Arc<Failed>>>,
    /// The failure table of the current text (HTML from the worker), once asked for (else empty).
    pub failure_table: RwSignal<String>,
}

impl App {
    /// The state at page load: the saved work, or the default example on a first visit.
    pub fn new() -> App {
        let saved = browser::load_doc();
        let first_run = saved.is_none();
        let (doc, history) = match saved {
            Some(doc) => (doc, browser::load_history()),
            None => (fresh_doc(DEFAULT_EXAMPLE), History::default()),
        };
        let text = RwSignal::new(doc.text);
        let derived = Memo::new_with_compare(move |prev: Option<&Derived>| text.with(|t| derive(t, prev)), |_, _| true);
        let app = App {
            text,
            layout: RwSignal::new(doc.layout),
            history: RwSignal::new(history),
            derived,
            sel: RwSignal::new(None),
            panel: RwSignal::new(0),
            highlight: RwSignal::new(None),
            mode: RwSignal::new(Mode::Normal),
            tab: RwSignal::new(Tab::Plan),
            toast: RwSignal::new(None),
            dialog: RwSignal::new(None),
            show_bgp: RwSignal::new(false),
            dragging: RwSignal::new(false),
            goto: RwSignal::new(None),
            zoom: RwSignal::new(None),
            help: RwSignal::new(false),
            first_run: RwSignal::new(first_run),
            failed: RwSignal::new(None),
            failure_table: RwSignal::new(String::new()),
        };
        // A saved layout may predate the text (an older build): place what has no place.
        if let Some(t) = app.derived.get_untracked().editable() {
            app.layout.update(|l| l.fit_to(&t));
        }
        app
    }

    pub fn doc_untracked(&self) -> Doc {
        Doc { text: self.text.get_untracked(), layout: self.layout.get_untracked() }
    }

    /// Replaces the work, recording the old state for undo.
    fn replace(&self, doc: Doc, step: Step) {
        let before = self.doc_untracked();
        if before == doc {
            return;
        }
        self.history.update(|h| h.record(&before, step, browser::now()));
        if before.text != doc.text {
            self.set_text(doc.text);
        }
        self.layout.set(doc.layout);
        // A share link in the address bar no longer matches the work.
        if core_api::is_share_fragment(&browser::location_hash()) {
            browser::replace_hash(None);
        }
    }

    /// Another text: what-if failures computed for the old one no longer hold.
    fn set_text(&self, text: String) {
        // The first-run note speaks of the example: once the design changes it is gone.
        self.first_run.set(false);
        self.text.set(text);
        self.failed.set(None);
        self.failure_table.set(String::new());
    }

    /// A move on the canvas begins: the layout before it becomes an undo step.
    pub fn begin_layout_change(&self) {
        let before = self.doc_untracked();
        self.history.update(|h| h.record(&before, Step::Edit, browser::now()));
    }

    /// The topology changed on the canvas or in the panel: rewrite the text.
    pub fn commit(&self, t: &Topology) {
        self.commit_with(t, self.layout.get_untracked());
    }

    fn commit_with(&self, t: &Topology, layout: Layout) {
        self.commit_renamed(t, layout, None);
    }

    /// Commits `t`; after a rename the element's comments follow its new name.
    fn commit_renamed(&self, t: &Topology, mut layout: Layout, renamed: Option<Renamed<'_>>) {
        layout.fit_to(t);
        let text = self.text.with_untracked(|old| match renamed {
            Some(r) => core_api::rewrite_renamed(old, t, r),
            None => core_api::rewrite(old, t),
        });
        self.replace(Doc { text, layout }, Step::Edit);
    }

    /// Renames a site or device everywhere; it keeps its place on the drawing.
    pub fn rename(&self, sel: &Sel, new: &str) -> Result<(), String> {
        let Some(t) = self.derived.get_untracked().editable() else {
            return Err("the YAML has an error: fix it first".into());
        };
        let mut t = (*t).clone();
        let renamed = crate::edit::rename(&mut t, sel, new)?;
        let mut layout = self.layout.get_untracked();
        let mut renamed_in_text = None;
        if let (Some(old), Some(new), Some(kind)) = (sel.name(), renamed.name(), sel.kind()) {
            let map = if kind == Kind::Site { &mut layout.sites } else { &mut layout.devices };
            if let Some(p) = map.remove(old) {
                map.insert(new.to_string(), p);
            }
            if kind == Kind::Site && layout.collapsed.remove(old) {
                layout.collapsed.insert(new.to_string());
            }
            renamed_in_text = Some(Renamed { kind, from: old, to: new });
        }
        self.commit_renamed(&t, layout, renamed_in_text);
        // The same element under its new name: the panel stays (and keeps focus).
        self.sel.set(Some(renamed));
        Ok(())
    }

    /// Typing in the YAML tab.
    pub fn type_text(&self, text: String) {
        let mut layout = self.layout.get_untracked();
        if let Some(t) = core_api::topology_of(&text) {
            layout.fit_to(&t);
        }
        self.replace(Doc { text, layout }, Step::Typing);
    }

    /// A whole new design (new, open, example, share link): laid out afresh.
    pub fn load(&self, text: String) {
        self.first_run.set(false);
        self.set_sel(None);
        self.highlight.set(None);
        self.mode.set(Mode::Normal);
        self.zoom.set(None);
        self.replace(fresh_doc(&text), Step::Edit);
    }

    /// Applies an edit to the current topology; refused while the text does not parse.
    pub fn edit(&self, f: impl FnOnce(&mut Topology) -> Result<Option<Sel>, String>) {
        let Some(t) = self.derived.get_untracked().editable() else {
            self.say_error("The YAML has an error: fix it in the YAML tab before editing the drawing.");
            return;
        };
        let mut t = (*t).clone();
        match f(&mut t) {
            Ok(sel) => {
                self.commit(&t);
                if let Some(s) = sel {
                    self.select(Some(s));
                }
            }
            Err(e) => self.say_error(e),
        }
    }

    pub fn undo(&self) {
        let cur = self.doc_untracked();
        let mut prev = None;
        self.history.update(|h| prev = h.undo(&cur));
        match prev {
            Some(doc) => {
                // "Deleted … Ctrl+Z brings it back" no longer holds once it is back.
                self.toast.set(None);
                self.restore(doc);
            }
            None => self.say("Nothing to undo."),
        }
    }

    pub fn redo(&self) {
        let cur = self.doc_untracked();
        let mut next = None;
        self.history.update(|h| next = h.redo(&cur));
        match next {
            Some(doc) => self.restore(doc),
            None => self.say("Nothing to redo."),
        }
    }

    fn restore(&self, doc: Doc) {
        if self.text.get_untracked() != doc.text {
            self.set_text(doc.text);
        }
        self.layout.set(doc.layout);
        // The selection may name something that is gone.
        if let (Some(s), Some(t)) = (self.sel.get_untracked(), self.derived.get_untracked().topology) {
            if !exists(&t, &s) {
                self.set_sel(None);
            }
        }
        self.highlight.set(None);
    }

    pub fn select(&self, sel: Option<Sel>) {
        self.highlight.set(None);
        let inspect = sel.is_some();
        self.set_sel(sel);
        if inspect {
            self.tab.set(Tab::Inspect);
        }
    }

    /// Makes `sel` the selection; another element than before gets a new panel.
    pub fn set_sel(&self, sel: Option<Sel>) {
        if self.sel.with_untracked(|cur| *cur != sel) {
            self.sel.set(sel);
            self.panel.update(|k| *k += 1);
        }
    }

    /// Selects and marks the element a diagnostic's path names; when the path
    /// names one of its fields, the panel opens on that field, ready to type.
    pub fn show_path(&self, path: &str) {
        let Some(t) = self.derived.get_untracked().topology else { return };
        let s = Sel::from_path(&t, path);
        let field = s.as_ref().and_then(|s| crate::inspector::field_for(&t, s, path));
        self.set_sel(s.clone());
        self.highlight.set(s);
        if let Some(id) = field {
            self.tab.set(Tab::Inspect);
            browser::focus_later(&format!("[id=\"{}\"]", id.replace(['"', '\\'], "")));
        }
    }

    /// After Add: the new element's Name field takes the focus (the panel is
    /// drawn first).
    pub fn focus_name(&self) {
        browser::focus_later("#f-name");
    }

    pub fn delete_selected(&self) {
        let Some(sel) = self.sel.get_untracked() else {
            self.say("Select something to delete first.");
            return;
        };
        if sel == Sel::Cluster {
            return;
        }
        // The focus goes to a neighbour on the drawing after the delete: the
        // site the device was in, else the drawing itself (never the page's body).
        let site = self.derived.get_untracked().editable().and_then(|t| {
            let name = sel.name().filter(|_| sel.is_device())?;
            t.site_of(name).map(str::to_string)
        });
        let mut what = None;
        self.edit(|t| {
            what = crate::edit::delete(t, &sel);
            match &what {
                Some(_) => Ok(None),
                None => Err("That element no longer exists.".into()),
            }
        });
        if let Some(w) = what {
            self.set_sel(None);
            self.highlight.set(None);
            self.say(format!("Deleted {w}. Ctrl+Z brings it back."));
            match site {
                Some(s) => browser::focus_later(&format!("[data-site=\"{}\"]", s.replace('"', ""))),
                None => browser::focus_later("[data-testid=\"canvas\"]"),
            }
        }
    }

    pub fn say(&self, text: impl Into<String>) {
        self.toast_msg(text.into(), false);
    }

    pub fn say_error(&self, text: impl Into<String>) {
        self.toast_msg(text.into(), true);
    }

    fn toast_msg(&self, text: String, error: bool) {
        let id = self.toast.get_untracked().map_or(1, |t| t.id + 1);
        self.toast.set(Some(Toast { text, error, id }));
        if !error {
            let toast = self.toast;
            set_timeout(
                move || {
                    if toast.get_untracked().is_some_and(|t| t.id == id) {
                        toast.set(None);
                    }
                },
                std::time::Duration::from_millis(4500),
            );
        }
    }

    /// Opens a `#t=…` share link: the design replaces the work (undo brings the
    /// work back); a damaged link changes nothing.
    pub fn open_link(&self, hash: &str) {
        match core_api::open_fragment(hash) {
            Ok(core_api::Opened { topology: t, text }) => {
                let same = match &text {
                    Some(text) => self.text.with_untracked(|cur| cur == text),
                    None => self.derived.get_untracked().editable().is_some_and(|cur| *cur == t),
                };
                if !same {
                    // A link that carries the text opens as it was written, comments included.
                    self.load(text.unwrap_or_else(|| core_api::write(&t)));
                    self.say(format!("Opened the shared design “{}”. Ctrl+Z brings back what you had.", t.name));
                }
                browser::replace_hash(None);
            }
            Err(core_api::ShareError(why)) => {
                self.say_error(format!(
                    "This share link is damaged and was not opened: {why}. Your design is unchanged."
                ));
            }
        }
    }
}

impl Default for App {
    fn default() -> Self {
        App::new()
    }
}

/// A text with a fresh layout.
fn fresh_doc(text: &str) -> Doc {
    let layout = core_api::topology_of(text).map(|t| layout::auto(&t)).unwrap_or_default();
    Doc { text: text.to_string(), layout }
}

pub fn exists(t: &Topology, s: &Sel) -> bool {
    match s {
        Sel::Site(n) => t.sites.contains_key(n),
        Sel::Node(n) => t.nodes.contains_key(n),
        Sel::Router(n) => t.routers.contains_key(n),
        Sel::Host(n) => t.hosts.contains_key(n),
        Sel::Link(i) => *i < t.links.len(),
        Sel::Cluster => true,
    }
}
