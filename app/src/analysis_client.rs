//! The page's side of the analysis worker (`analysis` runs there): one text
//! at a time is under way; while it is, only the newest text waits to be sent
//! (the texts between are never checked: their answers would be dropped).

use std::cell::RefCell;

use meshplan_core::Diagnostic;

use crate::analysis::{self, PlanView};
use crate::export_worker::{self, Role};

/// What the worker found for a text.
pub struct Answer {
    pub diagnostics: Vec<Diagnostic>,
    pub plan: Option<PlanView>,
    /// The worker's parse, then checks and plan (ms).
    pub parse_ms: f64,
    pub plan_ms: f64,
}

type Then = Box<dyn FnOnce(u64, Result<Answer, String>)>;

#[derive(Default)]
struct Queue {
    busy: bool,
    next: Option<(u64, String, bool, Then)>,
}

thread_local! {
    static QUEUE: RefCell<Queue> = RefCell::new(Queue::default());
}

/// Asks for the checks and plan of `text`, numbered `seq` (with every BGP
/// session when `all_sessions`); `then` gets the answer (or why there is none)
/// unless a newer text was asked for before this one was sent.
pub fn ask(seq: u64, text: String, all_sessions: bool, then: impl FnOnce(u64, Result<Answer, String>) + 'static) {
    let then: Then = Box::new(then);
    let send_now = QUEUE.with_borrow_mut(|q| {
        if q.busy {
            q.next = Some((seq, text.clone(), all_sessions, then));
            None
        } else {
            q.busy = true;
            Some(then)
        }
    });
    if let Some(then) = send_now {
        send(seq, text, all_sessions, then);
    }
}

fn send(seq: u64, text: String, all_sessions: bool, then: Then) {
    let msg = js_sys::Array::of4(&"analyze".into(), &(seq as f64).into(), &text.into(), &all_sessions.into());
    export_worker::ask_as(
        Role::Analysis,
        msg,
        Box::new(move |reply| {
            let next = QUEUE.with_borrow_mut(|q| {
                let next = q.next.take();
                q.busy = next.is_some();
                next
            });
            if let Some((seq, text, all, then)) = next {
                send(seq, text, all, then);
            }
            then(seq, reply.and_then(|a| read(&a)));
        }),
    );
}

/// `["analysis", seq, json, sessions, parse_ms, plan_ms, encode_ms]`, read.
fn read(a: &js_sys::Array) -> Result<Answer, String> {
    let json = a.get(2).as_string().unwrap_or_default();
    let sessions = a.get(3).as_string().unwrap_or_default();
    let t0 = crate::browser::perf_now();
    let (diagnostics, plan) =
        analysis::decode(&json, &sessions).ok_or("the analysis worker's answer could not be read")?;
    let decode_ms = crate::browser::perf_now() - t0;
    let n = |i: u32| a.get(i).as_f64().unwrap_or(0.0);
    // What carrying the answer costs, for the e2e run to report.
    crate::browser::note_transfer(n(6), decode_ms, json.len() + sessions.len());
    Ok(Answer { diagnostics, plan, parse_ms: n(4), plan_ms: n(5) })
}

/// The route tables of `devices` in the plan of `text` (the worker's last
/// plan); `then` gets the rows.
pub fn routes(text: String, devices: Vec<String>, then: impl FnOnce(Vec<analysis::RouteRow>) + 'static) {
    let msg = js_sys::Array::of3(&"routes".into(), &text.into(), &devices.join("\n").into());
    export_worker::ask_as(
        Role::Analysis,
        msg,
        Box::new(move |reply| {
            then(reply.ok().and_then(|a| a.get(1).as_string()).map(|j| analysis::routes_of(&j)).unwrap_or_default())
        }),
    );
}
