//! The BGP overlay as SVG text: one curve per session while there are few;
//! above `AGGREGATE_ABOVE`, one line per pair of sites with its count (a style
//! that joins most pairs of its sites drawn as a star from their middle), and the
//! sessions inside a site counted under its box. The four line styles keep their
//! meaning (the legend: `LEGEND` here and the help's). Geometry and drawing only:
//! the sessions are the plan's.

use std::fmt::Write as _;

use meshplan_core::sort::sort_by;

use crate::failure_report::esc;
use crate::layout::{Pt, Rect};

/// Above this many sessions (each pair and role once) they are drawn by site.
pub const AGGREGATE_ABOVE: usize = 200;

/// One session as drawn: its ends, its line style (`backbone`, `rr-client`,
/// `mesh`, `ebgp`), its role and kind in words.
pub struct Drawn<'a> {
    pub a: &'a str,
    pub b: &'a str,
    pub style: &'a str,
    pub role: &'a str,
    pub kind: &'static str,
}

/// What the overlay needs of the drawing.
pub trait Where {
    /// A device's (or site's) point; a device hidden in a collapsed site is at its box.
    fn at(&self, name: &str) -> Option<Pt>;
    /// The site a device is in, with its box.
    fn site_of<'s>(&'s self, device: &'s str) -> Option<(&'s str, Rect)>;
}

/// The BGP overlay's legend (static markup as text: no view code for it).
pub const LEGEND: &str = r#"<div class="legend" aria-label="BGP session styles">
<svg viewBox="0 0 34 8" class="swatch"><path class="session role-backbone" d="M1,4 H33"/></svg>backbone
<svg viewBox="0 0 34 8" class="swatch"><path class="session role-rr-client" d="M1,4 H33"/></svg>route-reflector client
<svg viewBox="0 0 34 8" class="swatch"><path class="session role-mesh" d="M1,4 H33"/></svg>node mesh
<svg viewBox="0 0 34 8" class="swatch"><path class="session role-ebgp" d="M1,4 H33"/></svg>eBGP
<span class="legend-note">Over 200 sessions: a line per pair of sites with its count, a star where one style joins most pairs, each site's own under its box.</span></div>"#;

/// A BGP session's curve, bowed so that it does not hide the link beneath.
pub fn session_curve(a: Pt, b: Pt) -> String {
    let (cx, cy) = bow(a, b);
    format!("M{:.1},{:.1} Q{:.1},{:.1} {:.1},{:.1}", a.x, a.y, cx, cy, b.x, b.y)
}

/// The control point of the curve from `a` to `b`.
fn bow(a: Pt, b: Pt) -> (f64, f64) {
    let (mx, my) = ((a.x + b.x) / 2.0, (a.y + b.y) / 2.0);
    let (dx, dy) = (b.x - a.x, b.y - a.y);
    let len = (dx * dx + dy * dy).sqrt().max(1.0);
    let bow = 26.0 + len * 0.08;
    (mx - dy / len * bow, my + dx / len * bow)
}

/// The overlay for `sessions` (already each pair and role once).
pub fn svg(sessions: &[Drawn], w: &impl Where) -> String {
    if sessions.len() > AGGREGATE_ABOVE {
        return by_site(sessions, w);
    }
    let mut o = String::new();
    for s in sessions {
        let (Some(p), Some(q)) = (w.at(s.a), w.at(s.b)) else { continue };
        // Both ends in one collapsed site: nothing to draw.
        if p == q {
            continue;
        }
        let (a, b) = (esc(s.a), esc(s.b));
        let _ = write!(
            o,
            "<path class=\"session role-{}\" d=\"{}\" data-session=\"{a}-{b}\"><title>{} session ({}): {a} – {b}</title></path>",
            s.style,
            session_curve(p, q),
            s.role,
            s.kind
        );
    }
    o
}

/// Sessions of one style between two sites (or inside one: `a == b`).
struct Pair<'a> {
    style: &'a str,
    a: &'a str,
    b: &'a str,
    ra: Rect,
    rb: Rect,
    n: usize,
}

/// Many sessions: counted per pair of sites and per site, by style. Sorted
/// vectors rather than maps: the page's module pays for every map type.
fn by_site<'a>(sessions: &[Drawn<'a>], w: &'a impl Where) -> String {
    let mut pairs: Vec<Pair> = Vec::new();
    for s in sessions {
        let (Some((sa, ra)), Some((sb, rb))) = (w.site_of(s.a), w.site_of(s.b)) else { continue };
        let (a, b, ra, rb) = if sa <= sb { (sa, sb, ra, rb) } else { (sb, sa, rb, ra) };
        pairs.push(Pair { style: s.style, a, b, ra, rb, n: 1 });
    }
    sort_by(&mut pairs, |x, y| (x.style, x.a, x.b).cmp(&(y.style, y.a, y.b)));
    pairs.dedup_by(|x, y| {
        let same = (x.style, x.a, x.b) == (y.style, y.a, y.b);
        if same {
            y.n += x.n;
        }
        same
    });
    let (mut inside, between): (Vec<Pair>, Vec<Pair>) = pairs.into_iter().partition(|p| p.a == p.b);
    let mut o = String::new();
    for group in between.chunk_by(|x, y| x.style == y.style) {
        let style = group[0].style;
        let mut sites: Vec<(&str, Rect)> = group.iter().flat_map(|p| [(p.a, p.ra), (p.b, p.rb)]).collect();
        sort_by(&mut sites, |x, y| x.0.cmp(y.0));
        sites.dedup_by(|x, y| x.0 == y.0);
        if group.len() > 2 * sites.len() {
            star(&mut o, style, group, &sites);
            continue;
        }
        for p in group {
            let (q, r) = (p.ra.center(), p.rb.center());
            let (cx, cy) = bow(q, r);
            // The curve's middle: halfway between the chord's middle and the control point.
            let m = Pt::new(((q.x + r.x) / 2.0 + cx) / 2.0, ((q.y + r.y) / 2.0 + cy) / 2.0);
            let (a, b, n) = (esc(p.a), esc(p.b), p.n);
            let _ = write!(
                o,
                "<g class=\"session-pair\" data-sites=\"{a}|{b}\"><path class=\"session role-{style}\" d=\"{}\"/>\
                 <text class=\"session-count role-{style}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{n} session{}</text>\
                 <title>{n} {style} session{} between sites {a} and {b}</title></g>",
                session_curve(q, r),
                m.x,
                m.y,
                plural(n),
                plural(n)
            );
        }
    }
    sort_by(&mut inside, |x, y| (x.a, x.style).cmp(&(y.a, y.style)));
    for group in inside.chunk_by(|x, y| x.a == y.a) {
        let r = group[0].ra;
        let words: Vec<String> = group.iter().map(|p| format!("{} {}", p.n, p.style)).collect();
        let _ = write!(
            o,
            "<text class=\"session-inside\" data-site=\"{}\" x=\"{:.1}\" y=\"{:.1}\">inside: {} session{}</text>",
            esc(group[0].a),
            r.x + 12.0,
            r.bottom() + 14.0,
            words.join(", "),
            plural(group.iter().map(|p| p.n).sum())
        );
    }
    o
}

/// A style that joins most pairs of its sites: one spoke per site from the
/// sites' middle, the count of its sessions to the other sites on it.
fn star(o: &mut String, style: &str, pairs: &[Pair], sites: &[(&str, Rect)]) {
    let n = sites.len() as f64;
    let hub =
        sites.iter().map(|(_, r)| r.center()).fold(Pt::new(0.0, 0.0), |a, p| Pt::new(a.x + p.x / n, a.y + p.y / n));
    let mut per_site = vec![0usize; sites.len()];
    for p in pairs {
        for end in [p.a, p.b] {
            if let Ok(i) = sites.binary_search_by(|(s, _)| s.cmp(&end)) {
                per_site[i] += p.n;
            }
        }
    }
    let total: usize = pairs.iter().map(|p| p.n).sum();
    let _ = write!(o, "<g class=\"session-star\" data-style=\"{style}\">");
    for ((site, r), k) in sites.iter().zip(per_site) {
        let p = r.border_towards(hub);
        let site = esc(site);
        let _ = write!(
            o,
            "<path class=\"session role-{style}\" data-site=\"{site}\" d=\"M{:.1},{:.1} L{:.1},{:.1}\"><title>site {site}: {k} {style} session{} to other sites</title></path>",
            p.x,
            p.y,
            hub.x,
            hub.y,
            plural(k)
        );
    }
    let _ = write!(
        o,
        "<text class=\"session-count role-{style}\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{total} {style} sessions between {} sites</text></g>",
        hub.x,
        hub.y - 6.0,
        sites.len()
    );
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Sites in a row, 300 apart; a device `sNN-dM` is in site `sNN`.
    struct Row;
    impl Where for Row {
        fn at(&self, name: &str) -> Option<Pt> {
            let (site, dev) = name.split_once("-d")?;
            Some(Pt::new(site[1..].parse::<f64>().ok()? * 300.0 + dev.parse::<f64>().ok()? * 20.0, 50.0))
        }
        fn site_of<'s>(&'s self, device: &'s str) -> Option<(&'s str, Rect)> {
            let site = &device[..device.find("-d")?];
            let i: f64 = site[1..].parse().ok()?;
            Some((site, Rect { x: i * 300.0, y: 0.0, w: 200.0, h: 100.0 }))
        }
    }

    fn names(sites: usize, per: usize) -> Vec<String> {
        (0..sites).flat_map(|s| (0..per).map(move |d| format!("s{s:02}-d{d}"))).collect()
    }

    #[test]
    fn few_sessions_are_drawn_one_by_one() {
        let n = names(2, 2);
        let s: Vec<Drawn> = vec![
            Drawn { a: &n[0], b: &n[2], style: "backbone", role: "backbone", kind: "iBGP" },
            Drawn { a: &n[0], b: &n[1], style: "rr-client", role: "rr-client", kind: "iBGP" },
        ];
        let o = svg(&s, &Row);
        assert_eq!(o.matches("<path").count(), 2);
        assert!(o.contains("data-session=\"s00-d0-s01-d0\""));
    }

    #[test]
    fn many_sessions_are_drawn_by_site_pair_and_a_full_mesh_as_a_star() {
        // A full mesh of 2 devices in each of 30 sites (1,770 sessions), and
        // 3 reflector-client sessions inside each site.
        let n = names(30, 2);
        let mut s = Vec::new();
        for (i, a) in n.iter().enumerate() {
            for b in &n[i + 1..] {
                s.push(Drawn { a, b, style: "backbone", role: "backbone", kind: "iBGP" });
            }
        }
        let mesh = s.len();
        let o = svg(&s, &Row);
        // One spoke per site, one count; and a text per site for the one session inside it.
        assert_eq!(o.matches("<path").count(), 30);
        assert!(o.contains(&format!(">{} backbone sessions between 30 sites<", mesh - 30)), "{o}");
        assert_eq!(o.matches("class=\"session-inside\"").count(), 30);
        assert!(o.contains("inside: 1 backbone session<"));
        // A sparse style: one line per pair, with its count.
        let mut s2: Vec<Drawn> = s.drain(..).filter(|d| d.a.starts_with("s00") || d.a.starts_with("s01")).collect();
        let extra = n.clone();
        for _ in 0..(AGGREGATE_ABOVE) {
            s2.push(Drawn { a: &extra[0], b: &extra[1], style: "rr-client", role: "rr-client", kind: "iBGP" });
        }
        let o = svg(&s2, &Row);
        assert!(o.contains("data-sites=\"s00|s01\""), "{o}");
        assert!(o.contains(">4 sessions<"), "{o}");
    }
}
