//! The work: the topology text and its layout, with the undo history (last
//! [`LIMIT`] steps). Pure data, saved to localStorage as it is.

use meshplan_core::yaml;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::layout::Layout;

/// Steps kept for undo.
pub const LIMIT: usize = 100;

/// One state of the work.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Doc {
    pub text: String,
    pub layout: Layout,
}

/// What a change was, so that a run of keystrokes is one undo step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A change that is its own undo step.
    Edit,
    /// Typing in the text: joins the previous typing step while it is recent.
    Typing,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct History {
    pub undo: Vec<Doc>,
    pub redo: Vec<Doc>,
    /// When the last typing step was (ms), to join keystrokes.
    #[serde(skip)]
    typing_since: Option<f64>,
    /// Counts changes, so the autosave writes the history only when it changed.
    #[serde(skip)]
    pub generation: u64,
}

/// Keystrokes closer together than this are one undo step.
const TYPING_JOIN_MS: f64 = 1500.0;

impl History {
    /// Records that `before` is being replaced; `now` in milliseconds.
    pub fn record(&mut self, before: &Doc, step: Step, now: f64) {
        if step == Step::Typing {
            if let Some(since) = self.typing_since {
                if now - since < TYPING_JOIN_MS {
                    // Joined to the step under way: the history itself changes only
                    // when a redo is dropped.
                    self.typing_since = Some(now);
                    if !self.redo.is_empty() {
                        self.redo.clear();
                        self.generation += 1;
                    }
                    return;
                }
            }
            self.typing_since = Some(now);
        } else {
            self.typing_since = None;
        }
        self.generation += 1;
        self.undo.push(before.clone());
        if self.undo.len() > LIMIT {
            let extra = self.undo.len() - LIMIT;
            self.undo.drain(..extra);
        }
        self.redo.clear();
    }

    /// The state to go back to; `current` goes to redo.
    pub fn undo(&mut self, current: &Doc) -> Option<Doc> {
        let prev = self.undo.pop()?;
        self.generation += 1;
        self.redo.push(current.clone());
        self.typing_since = None;
        Some(prev)
    }

    pub fn redo(&mut self, current: &Doc) -> Option<Doc> {
        let next = self.redo.pop()?;
        self.generation += 1;
        self.undo.push(current.clone());
        self.typing_since = None;
        Some(next)
    }

    pub fn can_undo(&self) -> bool {
        !self.undo.is_empty()
    }
    pub fn can_redo(&self) -> bool {
        !self.redo.is_empty()
    }

    /// How many of the newest undo steps fit in about `chars` characters of
    /// saved JSON (each step's text and layout, estimated from their lengths),
    /// so the autosave does not write, and have refused, a save that cannot fit.
    pub fn steps_within(&self, chars: usize) -> usize {
        let size = |d: &Doc| d.text.len() + 64 * (d.layout.devices.len() + d.layout.sites.len()) + 64;
        let redo: usize = self.redo.iter().map(size).sum();
        let mut total = redo;
        let mut keep = 0;
        for d in self.undo.iter().rev() {
            total += size(d);
            if total > chars {
                break;
            }
            keep += 1;
        }
        keep
    }

    /// The newest `keep` undo steps (and the redo steps when all are kept).
    pub fn keep_last(&self, keep: usize) -> History {
        let keep = keep.min(self.undo.len());
        History {
            undo: self.undo[self.undo.len() - keep..].to_vec(),
            redo: if keep == self.undo.len() { self.redo.clone() } else { Vec::new() },
            typing_since: None,
            generation: self.generation,
        }
    }
}

/// What localStorage keeps.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Saved {
    pub doc: Doc,
    pub history: History,
}

/// What localStorage keeps for `value`: JSON, as the app has always written it
/// (written by the core's YAML layer, so the page carries no JSON library).
pub fn encode<T: Serialize>(value: &T) -> Option<String> {
    yaml::to_value(value).ok().map(|node| yaml::to_json(&node))
}

/// A saved value back; `None` when it is damaged or of another shape. JSON is
/// YAML, so the core's YAML reader reads it.
pub fn decode<T: DeserializeOwned>(text: &str) -> Option<T> {
    yaml::from_node(&yaml::read(text).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::layout::Pt;

    fn doc(s: &str) -> Doc {
        Doc { text: s.into(), layout: Layout::default() }
    }

    #[test]
    fn undo_redo_walks_both_ways() {
        let mut h = History::default();
        h.record(&doc("a"), Step::Edit, 0.0);
        h.record(&doc("b"), Step::Edit, 1.0);
        let cur = doc("c");
        let b = h.undo(&cur).unwrap();
        assert_eq!(b.text, "b");
        let a = h.undo(&b).unwrap();
        assert_eq!(a.text, "a");
        assert!(h.undo(&a).is_none());
        assert_eq!(h.redo(&a).unwrap().text, "b");
        assert_eq!(h.redo(&b).unwrap().text, "c");
        assert!(!h.can_redo());
    }

    #[test]
    fn typing_joins_and_edits_do_not() {
        let mut h = History::default();
        h.record(&doc("a"), Step::Typing, 0.0);
        h.record(&doc("ab"), Step::Typing, 500.0);
        h.record(&doc("abc"), Step::Typing, 1000.0);
        assert_eq!(h.undo.len(), 1);
        h.record(&doc("abcd"), Step::Typing, 5000.0);
        assert_eq!(h.undo.len(), 2);
        h.record(&doc("x"), Step::Edit, 5100.0);
        h.record(&doc("y"), Step::Edit, 5200.0);
        assert_eq!(h.undo.len(), 4);
    }

    #[test]
    fn keeps_the_last_hundred() {
        let mut h = History::default();
        for i in 0..150 {
            h.record(&doc(&i.to_string()), Step::Edit, i as f64);
        }
        assert_eq!(h.undo.len(), LIMIT);
        assert_eq!(h.undo[0].text, "50");
    }

    #[test]
    fn a_new_edit_drops_redo() {
        let mut h = History::default();
        h.record(&doc("a"), Step::Edit, 0.0);
        h.undo(&doc("b"));
        assert!(h.can_redo());
        h.record(&doc("a"), Step::Edit, 1.0);
        assert!(!h.can_redo());
    }

    #[test]
    fn saves_read_back_including_those_written_by_earlier_releases() {
        // What serde_json (the app's JSON writer before) made of a doc.
        let old = r#"{"text":"version: 1\nname: \"x\" # \u0007 é\t\n","layout":{"devices":{"kubemaster":{"x":120.5,"y":-40.0}},"sites":{"WDS":{"x":0.0,"y":1e3}}}}"#;
        let d: Doc = decode(old).expect("an earlier save reads");
        assert_eq!(d.text, "version: 1\nname: \"x\" # \u{7} é\t\n");
        assert_eq!(d.layout.devices["kubemaster"], Pt::new(121.0, -40.0));
        assert_eq!(d.layout.sites["WDS"], Pt::new(0.0, 1000.0));
        // Today's saves read back as they were, history included.
        let mut h = History::default();
        h.record(&d, Step::Edit, 0.0);
        h.record(&doc("line  \n\ttabbed: '\"quoted\"'\n  trailing \n"), Step::Edit, 1.0);
        let back: History = decode(&encode(&h).unwrap()).unwrap();
        assert_eq!(back.undo, h.undo);
        assert_eq!(decode::<Doc>("{damaged"), None);
    }

    #[test]
    fn the_steps_that_fit_a_size_are_the_newest() {
        let mut h = History::default();
        for i in 0..10 {
            h.record(&doc(&"x".repeat(1000 * (i + 1))), Step::Edit, i as f64);
        }
        // The newest steps are the longest: 10, 9, 8 thousand characters.
        assert_eq!(h.steps_within(28_000), 3);
        assert_eq!(h.steps_within(usize::MAX), 10);
        assert_eq!(h.steps_within(10), 0);
    }
}
