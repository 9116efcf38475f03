//! The app's state, in signals, and the actions that change it. The text of the
//! topology is the source of truth (it may not parse while someone types); the
//! topology, the checks and the plan are derived from it by the core.
//!
//! How the text becomes `derived`: an edit on the drawing or in the panel knows
//! its topology and sets it at once; typing in the YAML tab is read on the
//! page after a quiet moment ([`QUIET_MS`]), and any action that needs the
//! topology first reads what is still unread (`App::editable`). Either way the
//! checks and the plan follow from the analysis worker (`analysis`): until its
//! answer comes, `derived` keeps the previous findings and plan, marked
//! `checking`.

use std::sync::Arc;

use leptos::prelude::*;
use meshplan_core::model::Kind;
use meshplan_core::{Diagnostic, Severity, Topology};

use crate::analysis::PlanView;
use crate::browser;
use crate::core_api::{self, Renamed};
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
    pub plan: Option<Arc<PlanView>>,
    /// Time the core took for this text: parse, then plan with every check (ms).
    pub analyze_ms: f64,
    pub plan_ms: f64,
    /// The worker is checking and planning the current text: `diagnostics` and
    /// `plan` are still the previous text's.
    pub checking: bool,
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

thread_local! {
    /// What waits for the current text's check (`App::when_checked`).
    static WAITING: std::cell::RefCell<Vec<Box<dyn FnOnce()>>> = const { std::cell::RefCell::new(Vec::new()) };
}

fn run_waiting() {
    for f in WAITING.with_borrow_mut(std::mem::take) {
        f();
    }
}

/// How long typing pauses before the page reads the text (ms): a keystroke
/// costs the page nothing else, and a design of 2,000 nodes takes about 100 ms
/// to read.
pub const QUIET_MS: u64 = 200;

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
    pub derived: RwSignal<Derived>,
    /// Parts of `derived` that change apart: the topology changes when a text
    /// is read, the findings and the plan when the worker answers; what reads
    /// only one is not redrawn when the other changes.
    pub topology: Memo<Option<Arc<Topology>>>,
    pub diagnostics: Memo<Arc<Vec<Diagnostic>>>,
    pub plan: Memo<Option<Arc<PlanView>>>,
    /// `derived.stale`: the text cannot be read.
    pub stale: Memo<bool>,
    /// Counts the texts read; the worker's answer for an older one is dropped.
    seq: StoredValue<u64>,
    /// Typing not read yet: the number of the last keystroke's quiet-moment timer (0: none).
    unread: StoredValue<u64>,
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
        let derived = RwSignal::new(Derived::default());
        let app = App {
            text: RwSignal::new(doc.text),
            layout: RwSignal::new(doc.layout),
            history: RwSignal::new(history),
            derived,
            topology: Memo::new_with_compare(
                move |_| derived.with(|d| d.topology.clone()),
                |a, b| !matches!((a, b), (Some(Some(a)), Some(Some(b))) if Arc::ptr_eq(a, b)),
            ),
            diagnostics: Memo::new_with_compare(
                move |_| derived.with(|d| d.diagnostics.clone()),
                |a, b| !matches!((a, b), (Some(a), Some(b)) if Arc::ptr_eq(a, b)),
            ),
            plan: Memo::new_with_compare(
                move |_| derived.with(|d| d.plan.clone()),
                |a, b| !matches!((a, b), (Some(Some(a)), Some(Some(b))) if Arc::ptr_eq(a, b)),
            ),
            stale: Memo::new(move |_| derived.with(|d| d.stale)),
            seq: StoredValue::new(0),
            unread: StoredValue::new(0),
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
        app.read(None, true);
        let show_bgp = app.show_bgp;
        Effect::new(move |_| {
            if show_bgp.get() {
                app.want_all_sessions();
            }
        });
        app
    }

    /// Reads the current text (or takes `known`, its topology, from an edit),
    /// then asks the worker to check and plan it; `fit` places new elements.
    fn read(&self, known: Option<Topology>, fit: bool) {
        self.unread.set_value(0);
        let seq = self.seq.get_value() + 1;
        self.seq.set_value(seq);
        let text = self.text.get_untracked();
        let t0 = browser::perf_now();
        let read = match known {
            Some(t) => Ok(t),
            None => crate::analysis::read(&text),
        };
        let read_ms = browser::perf_now() - t0;
        let prev = self.derived.get_untracked();
        match read {
            Ok(t) => {
                if fit {
                    self.layout.update(|l| l.fit_to(&t));
                }
                self.derived.set(Derived {
                    topology: Some(Arc::new(t)),
                    stale: false,
                    checking: true,
                    analyze_ms: read_ms,
                    ..prev
                });
                self.check(seq, text);
            }
            Err(diagnostics) => {
                self.derived.set(Derived {
                    topology: prev.topology,
                    stale: true,
                    diagnostics: Arc::new(diagnostics),
                    plan: None,
                    analyze_ms: read_ms,
                    plan_ms: 0.0,
                    checking: false,
                });
                // No answer comes for a text that cannot be read: what waited hears it now.
                run_waiting();
            }
        }
    }

    /// Asks the worker for the checks and plan of `text`, numbered `seq`.
    fn check(&self, seq: u64, text: String) {
        let app = *self;
        let all_sessions = self.show_bgp.get_untracked();
        crate::analysis_client::ask(seq, text, all_sessions, move |seq, answer| app.analysed(seq, answer));
    }

    /// The BGP overlay was turned on: the plan shown has only the sessions the
    /// notebook lists, so the worker is asked again, for every one.
    fn want_all_sessions(&self) {
        let short = self.derived.with_untracked(|d| !d.stale && d.plan.as_ref().is_some_and(|p| !p.all_sessions));
        if short && self.unread.get_value() == 0 {
            let seq = self.seq.get_value() + 1;
            self.seq.set_value(seq);
            self.derived.update(|d| d.checking = true);
            self.check(seq, self.text.get_untracked());
        }
    }

    /// The worker's answer for the text numbered `seq`; an older text's is dropped.
    fn analysed(&self, seq: u64, answer: Result<crate::analysis_client::Answer, String>) {
        if seq != self.seq.get_value() {
            return;
        }
        match answer {
            Ok(a) => self.derived.update(|d| {
                d.diagnostics = Arc::new(a.diagnostics);
                d.plan = a.plan.map(Arc::new);
                d.analyze_ms = a.parse_ms;
                d.plan_ms = a.plan_ms;
                d.checking = false;
            }),
            Err(why) => {
                self.derived.update(|d| d.checking = false);
                self.say_error(format!("The design could not be checked: {}.", why.trim_end_matches('.')));
            }
        }
        run_waiting();
    }

    /// The topology of the current text when it can be edited; typing not
    /// read yet is read first, so an edit never applies to an older text.
    pub fn editable(&self) -> Option<Arc<Topology>> {
        if self.unread.get_value() != 0 {
            self.read(None, true);
        }
        self.derived.with_untracked(Derived::editable)
    }

    /// Runs `f` once the current text is checked: at once, or when the
    /// worker's answer for the text of that moment (or a newer one) comes.
    pub fn when_checked(&self, f: impl FnOnce() + 'static) {
        let _ = self.editable();
        if self.derived.with_untracked(|d| d.checking) {
            WAITING.with_borrow_mut(|w| w.push(Box::new(f)));
        } else {
            f();
        }
    }

    pub fn doc_untracked(&self) -> Doc {
        Doc { text: self.text.get_untracked(), layout: self.layout.get_untracked() }
    }

    /// Replaces the work, recording the old state for undo.
    /// `known`: the new text's topology, when an edit made it (else the text is read).
    fn replace(&self, doc: Doc, step: Step, known: Option<Topology>) {
        let before = self.doc_untracked();
        if before == doc {
            return;
        }
        self.history.update(|h| h.record(&before, step, browser::now()));
        if before.text != doc.text {
            self.set_text(doc.text, known);
        }
        self.layout.set(doc.layout);
        // A share link in the address bar no longer matches the work.
        if core_api::is_share_fragment(&browser::location_hash()) {
            browser::replace_hash(None);
        }
    }

    /// Another text: what-if failures computed for the old one no longer hold.
    /// Typing (`Step::Typing` with no `known` topology) is read after a quiet
    /// moment; any other change at once.
    fn set_text(&self, text: String, known: Option<Topology>) {
        // The first-run note speaks of the example: once the design changes it is gone.
        self.first_run.set(false);
        self.text.set(text);
        self.failed.set(None);
        self.failure_table.set(String::new());
        self.read(known, false);
    }

    /// A keystroke: the text is read once typing pauses for [`QUIET_MS`].
    fn set_typed(&self, text: String) {
        self.first_run.set(false);
        self.text.set(text);
        self.failed.set(None);
        self.failure_table.set(String::new());
        let n = self.unread.get_value() % 1_000_000 + 1;
        self.unread.set_value(n);
        let app = *self;
        set_timeout(
            move || {
                if app.unread.get_value() == n {
                    app.read(None, true);
                }
            },
            std::time::Duration::from_millis(QUIET_MS),
        );
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
        // The rewritten text reads back as `t` (`write_edit` checks it): no need to read it again.
        self.replace(Doc { text, layout }, Step::Edit, Some(t.clone()));
    }

    /// Renames a site or device everywhere; it keeps its place on the drawing.
    pub fn rename(&self, sel: &Sel, new: &str) -> Result<(), String> {
        let Some(t) = self.editable() else {
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

    /// Typing in the YAML tab: recorded for undo now, read once typing pauses
    /// (the layout then places what is new).
    pub fn type_text(&self, text: String) {
        let before = self.doc_untracked();
        if before.text == text {
            return;
        }
        self.history.update(|h| h.record(&before, Step::Typing, browser::now()));
        self.set_typed(text);
        if core_api::is_share_fragment(&browser::location_hash()) {
            browser::replace_hash(None);
        }
    }

    /// A whole new design (new, open, example, share link): laid out afresh.
    pub fn load(&self, text: String) {
        self.first_run.set(false);
        self.set_sel(None);
        self.highlight.set(None);
        self.mode.set(Mode::Normal);
        self.zoom.set(None);
        self.replace(fresh_doc(&text), Step::Edit, None);
    }

    /// Applies an edit to the current topology; refused while the text does not parse.
    pub fn edit(&self, f: impl FnOnce(&mut Topology) -> Result<Option<Sel>, String>) {
        let Some(t) = self.editable() else {
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
        // Typing not read yet is read first, so that redo brings back a read text.
        let _ = self.editable();
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
        let _ = self.editable();
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
            self.set_text(doc.text, None);
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
        let site = self.editable().and_then(|t| {
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
                    None => self.editable().is_some_and(|cur| *cur == t),
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
