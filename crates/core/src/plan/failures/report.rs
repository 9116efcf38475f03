//! The failure report as text (a summary, then each failure) and as JSON (one
//! object per failure, worst first). What `meshplan plan --failures` prints.

use std::fmt::Write as _;

use super::{Failure, Failures};

/// Rows of pairs a failure's text lists before "and N more".
const ROWS: usize = 12;

impl Failures {
    pub fn to_text(&self) -> String {
        let mut o = String::new();
        let hurting: Vec<&Failure> = self.hurting().collect();
        let _ = writeln!(
            o,
            "single failures: {} element(s), {} pair(s) of node locations, pod MTU {}",
            self.failures.len(),
            self.pairs,
            self.pod_mtu
        );
        if hurting.is_empty() {
            let _ = writeln!(o, "the design survives every single failure");
        } else {
            let _ = writeln!(o, "{} failure(s) break something, worst first:", hurting.len());
            for f in &hurting {
                let pairs: Vec<String> = f
                    .broken_site_pairs
                    .iter()
                    .map(|[a, b]| if a == b { format!("inside {a}") } else { format!("{a} ↔ {b}") })
                    .collect();
                let mut what = Vec::new();
                if !pairs.is_empty() {
                    what.push(format!("cuts {}", pairs.join(", ")));
                }
                if let Some(m) = f.mtu_drops.iter().map(|d| d.pod_mtu).min() {
                    what.push(format!("leaves {m} bytes for pods on {} pair(s)", f.mtu_drops.len()));
                }
                let _ =
                    writeln!(o, "  {} {} ({}): {}", f.element.kind, f.element.name, f.element.path, what.join("; "));
            }
        }
        for f in &self.failures {
            let _ = writeln!(o, "\n{} {} ({})", f.element.kind, f.element.name, f.element.path);
            let _ = writeln!(o, "  sessions lost: {}", f.sessions_lost.len());
            for s in f.sessions_lost.iter().take(ROWS) {
                let how = if s.no_underlay_path { ", no underlay path" } else { "" };
                let _ = writeln!(o, "    {} ↔ {} ({}, {}{how})", s.a, s.b, s.role.as_str(), s.family.as_str());
            }
            more(&mut o, f.sessions_lost.len());
            let _ = writeln!(o, "  outage: {}", f.outage.words);
            if f.pairs_at_element > 0 {
                let _ = writeln!(o, "  pairs from or to the failed network itself: {}", f.pairs_at_element);
            }
            if f.broken.is_empty() {
                let _ = writeln!(o, "  every other pair still connects");
            } else {
                let _ = writeln!(o, "  pairs cut: {}", f.broken.len());
                for b in f.broken.iter().take(ROWS) {
                    let _ = writeln!(o, "    {} → {}: {}", b.from, b.to, b.why.words());
                }
                more(&mut o, f.broken.len());
            }
            if !f.mtu_drops.is_empty() {
                let _ = writeln!(o, "  below the pod MTU {}: {}", self.pod_mtu, f.mtu_drops.len());
                for d in f.mtu_drops.iter().take(ROWS) {
                    let lim = d.limiting.as_deref().unwrap_or("path");
                    let _ = writeln!(o, "    {} → {}: {} bytes (was {}), {lim}", d.from, d.to, d.pod_mtu, d.was);
                }
                more(&mut o, f.mtu_drops.len());
            }
            if !f.moved.is_empty() {
                let _ = writeln!(o, "  pairs moved: {}", f.moved.len());
                for m in f.moved.iter().take(ROWS) {
                    let _ = writeln!(o, "    {} → {}: via {} (pod MTU {})", m.from, m.to, via(&m.hops), m.pod_mtu);
                }
                more(&mut o, f.moved.len());
            }
        }
        o
    }

    /// JSON: `{pod_mtu, required, pairs, survives, failures: [...]}`, one
    /// object per failure in the order of [`Failures::failures`], indented.
    pub fn to_json_text(&self) -> String {
        let doc = serde_json::json!({
            "pod_mtu": self.pod_mtu,
            "required": self.required,
            "pairs": self.pairs,
            "survives": self.hurting().next().is_none(),
            "failures": self.failures,
        });
        let mut s = serde_json::to_string_pretty(&doc).unwrap_or_default();
        s.push('\n');
        s
    }
}

fn via(hops: &[String]) -> String {
    if hops.is_empty() {
        "the site network".to_string()
    } else {
        hops.join(" → ")
    }
}

fn more(o: &mut String, n: usize) {
    if n > ROWS {
        let _ = writeln!(o, "    … and {} more", n - ROWS);
    }
}
