//! Where things are drawn. Positions are layout, kept beside the topology (in the
//! app's state and in localStorage), never in it: the network logic never sees them.
//!
//! A device is a point (the centre of its icon). A site is an area: the box around
//! its members, or, while it has none, a box at its own anchor.

use std::collections::{BTreeMap, BTreeSet, VecDeque};

use meshplan_core::Topology;
use serde::{Deserialize, Serialize};

/// A point of the drawing. Kept and saved as whole pixels (`{"x":120,"y":-40}`):
/// the page then reads no float back, and needs no float reader. Saves of
/// earlier releases held decimals (`120.5`); they read rounded.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Pt {
    #[serde(serialize_with = "whole::write", deserialize_with = "whole::read")]
    pub x: f64,
    #[serde(serialize_with = "whole::write", deserialize_with = "whole::read")]
    pub y: f64,
}

impl Pt {
    pub fn new(x: f64, y: f64) -> Pt {
        Pt { x, y }
    }
    /// To the nearest whole pixel, as it is saved.
    pub fn rounded(self) -> Pt {
        Pt::new(self.x.round(), self.y.round())
    }
}

/// A coordinate as a whole number, written and read.
mod whole {
    use serde::de::{self, Visitor};
    use serde::{Deserializer, Serializer};
    use std::fmt;

    /// Far beyond any drawing; keeps the arithmetic below in range.
    const LIMIT: i64 = 1 << 40;

    pub fn write<S: Serializer>(v: &f64, s: S) -> Result<S::Ok, S::Error> {
        // `as` saturates, and NaN becomes 0: a damaged value is still a place.
        s.serialize_i64((v.round() as i64).clamp(-LIMIT, LIMIT))
    }

    pub fn read<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
        // As text: the core's reader hands every plain scalar over as written.
        d.deserialize_str(Whole)
    }

    struct Whole;

    impl Visitor<'_> for Whole {
        type Value = f64;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            f.write_str("a number of pixels")
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
            rounded(v).map(|n| n as f64).ok_or_else(|| E::custom(format!("`{v}` is not a number of pixels")))
        }
        fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
            Ok(v.clamp(-LIMIT, LIMIT) as f64)
        }
        fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
            Ok(v.min(LIMIT as u64) as f64)
        }
    }

    /// `-40`, `120.5`, `1e3`, `1.25E+2` to the nearest whole number (halves away
    /// from zero), by their digits: no float is read.
    pub fn rounded(text: &str) -> Option<i64> {
        let (negative, unsigned) = match text.as_bytes().first()? {
            b'-' => (true, &text[1..]),
            b'+' => (false, &text[1..]),
            _ => (false, text),
        };
        let (number, exp) = match unsigned.find(['e', 'E']) {
            Some(i) => (&unsigned[..i], unsigned[i + 1..].parse::<i32>().ok()?),
            None => (unsigned, 0),
        };
        let (int, frac) = number.split_once('.').unwrap_or((number, ""));
        let digits = || int.bytes().chain(frac.bytes());
        if int.len() + frac.len() == 0 || !digits().all(|b| b.is_ascii_digit()) {
            return None;
        }
        // The decimal point moves `exp` places; the digits before it are the
        // whole part, the first one after it rounds.
        let point = i64::try_from(int.len()).ok()?.checked_add(i64::from(exp))?;
        let (mut whole, mut next) = (0i64, 0u8);
        for (i, b) in digits().enumerate() {
            let i = i64::try_from(i).ok()?;
            if i >= point {
                // The first digit after the point rounds; past a point left of
                // every digit, the number is under a half.
                if i == point {
                    next = b - b'0';
                }
                break;
            }
            whole = whole.saturating_mul(10).saturating_add(i64::from(b - b'0')).min(LIMIT);
        }
        // Zeros the exponent adds past the digits.
        let written = i64::try_from(int.len() + frac.len()).ok()?;
        for _ in written..point.min(written + 16) {
            whole = whole.saturating_mul(10).min(LIMIT);
        }
        let whole = whole + i64::from(next >= 5);
        Some(if negative { -whole } else { whole })
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn right(&self) -> f64 {
        self.x + self.w
    }
    pub fn bottom(&self) -> f64 {
        self.y + self.h
    }
    pub fn center(&self) -> Pt {
        Pt::new(self.x + self.w / 2.0, self.y + self.h / 2.0)
    }
    pub fn intersects(&self, o: &Rect) -> bool {
        self.x < o.right() && o.x < self.right() && self.y < o.bottom() && o.y < self.bottom()
    }
    pub fn union(&self, o: &Rect) -> Rect {
        let x = self.x.min(o.x);
        let y = self.y.min(o.y);
        Rect { x, y, w: self.right().max(o.right()) - x, h: self.bottom().max(o.bottom()) - y }
    }
    pub fn grow(&self, by: f64) -> Rect {
        Rect { x: self.x - by, y: self.y - by, w: self.w + 2.0 * by, h: self.h + 2.0 * by }
    }
    /// The point where the segment from the centre towards `to` leaves the box.
    pub fn border_towards(&self, to: Pt) -> Pt {
        let c = self.center();
        let (dx, dy) = (to.x - c.x, to.y - c.y);
        if dx.abs() < 1e-9 && dy.abs() < 1e-9 {
            return c;
        }
        let sx = if dx.abs() > 1e-9 { (self.w / 2.0) / dx.abs() } else { f64::INFINITY };
        let sy = if dy.abs() > 1e-9 { (self.h / 2.0) / dy.abs() } else { f64::INFINITY };
        let s = sx.min(sy).min(1.0);
        Pt::new(c.x + dx * s, c.y + dy * s)
    }
}

/// Horizontal and vertical distance between device slots.
pub const SLOT_W: f64 = 150.0;
pub const SLOT_H: f64 = 104.0;
/// Space around a device's icon and labels, from its centre.
const DEV_LEFT: f64 = 68.0;
const DEV_TOP: f64 = 30.0;
const DEV_BOTTOM: f64 = 58.0;
/// Room for the site's title above its first row.
const SITE_TITLE: f64 = 34.0;
/// An empty site's box.
pub const EMPTY_SITE: (f64, f64) = (200.0, 128.0);
/// A collapsed site's box: its title, caption and counts.
pub const COLLAPSED_SITE: (f64, f64) = (220.0, 68.0);
/// Between sites laid out afresh: room for a link's label between two boxes
/// side by side, less between rows.
const GAP: f64 = 120.0;
const GAP_Y: f64 = 80.0;
const MARGIN: f64 = 40.0;

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    /// Centre of each device's icon, by name.
    #[serde(default)]
    pub devices: BTreeMap<String, Pt>,
    /// Top-left corner of each site's area, by name.
    #[serde(default)]
    pub sites: BTreeMap<String, Pt>,
    /// Sites drawn collapsed: one box at their anchor with their name and
    /// counts, members hidden where they were. Layout only, never in the
    /// topology; absent from a save that has none (and from older saves).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub collapsed: BTreeSet<String>,
}

/// The devices of a topology with the site each sits in: routers, nodes, hosts.
pub fn devices(t: &Topology) -> Vec<(&str, Option<&str>)> {
    let mut out = Vec::new();
    for (n, r) in &t.routers {
        out.push((n.as_str(), r.site.as_deref()));
    }
    for (n, d) in &t.nodes {
        out.push((n.as_str(), Some(d.site.as_str())));
    }
    for (n, h) in &t.hosts {
        out.push((n.as_str(), h.site.as_deref()));
    }
    out
}

/// A device's extent on the canvas (icon and labels).
pub fn device_box(p: Pt) -> Rect {
    Rect { x: p.x - DEV_LEFT, y: p.y - DEV_TOP, w: 2.0 * DEV_LEFT, h: DEV_TOP + DEV_BOTTOM }
}

impl Layout {
    /// The area of every site, from its members' positions or its anchor.
    pub fn site_rects(&self, t: &Topology) -> BTreeMap<String, Rect> {
        let mut members: BTreeMap<&str, Rect> = BTreeMap::new();
        for (name, site) in devices(t) {
            let (Some(site), Some(p)) = (site, self.devices.get(name)) else { continue };
            if !t.sites.contains_key(site) {
                continue;
            }
            let b = device_box(*p);
            members.entry(site).and_modify(|r| *r = r.union(&b)).or_insert(b);
        }
        let mut out = BTreeMap::new();
        for name in t.sites.keys() {
            let rect = match members.get(name.as_str()) {
                _ if self.collapsed.contains(name) => {
                    let a = self.sites.get(name).copied().unwrap_or(Pt::new(MARGIN, MARGIN));
                    Rect { x: a.x, y: a.y, w: COLLAPSED_SITE.0, h: COLLAPSED_SITE.1 }
                }
                Some(r) => Rect { x: r.x - 14.0, y: r.y - SITE_TITLE, w: r.w + 28.0, h: r.h + SITE_TITLE + 8.0 },
                None => {
                    let a = self.sites.get(name).copied().unwrap_or(Pt::new(MARGIN, MARGIN));
                    Rect { x: a.x, y: a.y, w: EMPTY_SITE.0, h: EMPTY_SITE.1 }
                }
            };
            out.insert(name.clone(), rect);
        }
        out
    }

    /// The box around everything drawn.
    pub fn bounds(&self, t: &Topology) -> Option<Rect> {
        let mut all: Option<Rect> = None;
        let mut add = |r: Rect| all = Some(all.map_or(r, |a| a.union(&r)));
        for r in self.site_rects(t).into_values() {
            add(r);
        }
        for (name, _) in devices(t) {
            if let (Some(p), None) = (self.devices.get(name), self.hidden_in(t, name)) {
                add(device_box(*p));
            }
        }
        all
    }

    /// The collapsed site a device is hidden in.
    pub fn hidden_in<'t>(&self, t: &'t Topology, device: &str) -> Option<&'t str> {
        t.site_of(device).filter(|s| self.collapsed.contains(*s))
    }

    /// Collapses `site` to one box, or opens it again where its members are;
    /// what the opened box then overlaps moves aside.
    pub fn toggle_collapsed(&mut self, t: &Topology, site: &str) {
        if !t.sites.contains_key(site) {
            return;
        }
        if !self.collapsed.remove(site) {
            self.collapsed.insert(site.to_string());
        }
        self.tidy(t, &meshplan_core::sort::set([site]), None);
    }

    /// True when nothing of `t` has a position yet (opened from a file or a link).
    pub fn is_blank_for(&self, t: &Topology) -> bool {
        !devices(t).iter().any(|(n, _)| self.devices.contains_key(*n))
            && !t.sites.keys().any(|s| self.sites.contains_key(s))
    }

    /// Drops positions of things that no longer exist, places things that have none.
    pub fn fit_to(&mut self, t: &Topology) {
        let all = devices(t);
        let missing = all.iter().filter(|(n, _)| !self.devices.contains_key(*n)).count();
        // Mostly new (opened from a file or pasted): lay it all out afresh.
        if self.is_blank_for(t) || missing * 2 > all.len().max(1) || missing > 60 {
            *self = auto(t);
            return;
        }
        let names: BTreeSet<&str> = meshplan_core::sort::set(devices(t).into_iter().map(|(n, _)| n));
        self.devices.retain(|n, _| names.contains(n.as_str()));
        self.sites.retain(|n, _| t.sites.contains_key(n));
        self.collapsed.retain(|n| t.sites.contains_key(n));
        // Sites with neither anchor nor placed members get a free spot first.
        for (name, _) in t.sites.iter() {
            let has_member = devices(t).iter().any(|(d, s)| *s == Some(name.as_str()) && self.devices.contains_key(*d));
            if self.sites.contains_key(name) || has_member {
                continue;
            }
            let count = devices(t).iter().filter(|(_, s)| *s == Some(name.as_str())).count();
            let (w, h) = site_size(count);
            let spot = self.free_spot(t, w, h);
            self.sites.insert(name.clone(), spot);
        }
        let before = self.site_rects(t);
        for (name, site) in devices(t) {
            if self.devices.contains_key(name) {
                continue;
            }
            let p = match site.filter(|s| t.sites.contains_key(*s)) {
                Some(site) => self.slot_in_site(t, site),
                None => {
                    let p = self.free_spot(t, 2.0 * DEV_LEFT, DEV_TOP + DEV_BOTTOM);
                    Pt::new(p.x + DEV_LEFT, p.y + DEV_TOP)
                }
            };
            self.devices.insert(name.to_string(), p);
        }
        // A site that grew keeps its place; the sites it now overlaps move.
        let after = self.site_rects(t);
        let grown: BTreeSet<&str> =
            meshplan_core::sort::set(after.iter().filter(|(n, r)| before.get(*n) != Some(r)).map(|(n, _)| n.as_str()));
        self.tidy(t, &grown, None);
    }

    /// After a move or an edit: devices of one site that overlap are put in free
    /// slots (`moved`, the device just dragged, keeps its place), then sites that
    /// overlap are moved apart (the sites in `keep` stay), and anchors follow.
    pub fn tidy(&mut self, t: &Topology, keep: &BTreeSet<&str>, moved: Option<&str>) {
        self.separate_devices(t, moved);
        self.separate_sites(t, keep);
        self.normalize(t);
    }

    /// Within each site, a device whose box overlaps another's moves to the
    /// site's first free slot; `keep` (just dragged) and the first by name stay.
    fn separate_devices(&mut self, t: &Topology, keep: Option<&str>) {
        // (site, device), by site: a sorted vector, not one more map type for the page.
        let mut placed_in: Vec<(&str, &str)> = devices(t)
            .into_iter()
            .filter_map(|(d, s)| s.filter(|s| t.sites.contains_key(*s) && self.devices.contains_key(d)).map(|s| (s, d)))
            .collect();
        meshplan_core::sort::sort_by(&mut placed_in, |a, b| a.0.cmp(b.0));
        for group in placed_in.chunk_by(|a, b| a.0 == b.0) {
            let site = group[0].0;
            let mut members: Vec<&str> = group.iter().map(|(_, d)| *d).collect();
            // The one just dragged first: it is placed before any other.
            meshplan_core::sort::sort_by_key(&mut members, |m| Some(*m) != keep);
            let boxes: Vec<Rect> =
                members.iter().filter_map(|m| self.devices.get(*m)).map(|p| device_box(*p)).collect();
            if !any_overlap(&boxes) {
                continue;
            }
            let mut placed: Vec<Rect> = Vec::new();
            for (m, b) in members.iter().zip(boxes) {
                if placed.iter().any(|o| o.intersects(&b)) {
                    let p = self.slot_among(site, &placed);
                    self.devices.insert(m.to_string(), p);
                    placed.push(device_box(p));
                } else {
                    placed.push(b);
                }
            }
        }
    }

    /// The first grid slot of `site` whose device box meets none of `taken`.
    fn slot_among(&self, site: &str, taken: &[Rect]) -> Pt {
        let origin = match taken.iter().copied().reduce(|a, b| a.union(&b)) {
            Some(r) => Pt::new(r.x + DEV_LEFT, r.y + DEV_TOP),
            None => {
                let a = self.sites.get(site).copied().unwrap_or(Pt::new(MARGIN, MARGIN));
                Pt::new(a.x + 14.0 + DEV_LEFT, a.y + SITE_TITLE + DEV_TOP)
            }
        };
        let cols = (taken.len() + 1).clamp(3, 8);
        (0..)
            .map(|i| Pt::new(origin.x + (i % cols) as f64 * SLOT_W, origin.y + (i / cols) as f64 * SLOT_H))
            .find(|p| !taken.iter().any(|o| o.intersects(&device_box(*p))))
            .unwrap_or(origin)
    }

    /// Moves sites apart until no two boxes (with `SITE_GAP` between them)
    /// overlap. Of an overlapping pair, a site in `keep` stays, else the first in
    /// reading order; the other moves the shortest way out, members and anchor
    /// with it, and may push the next. Whole pixels: every box is.
    fn separate_sites(&mut self, t: &Topology, keep: &BTreeSet<&str>) {
        let rects = self.site_rects(t);
        let names: Vec<&str> = rects.keys().map(String::as_str).collect();
        let mut r: Vec<Rect> = rects.values().copied().collect();
        let pinned: Vec<bool> = names.iter().map(|n| keep.contains(n)).collect();
        let n = r.len();
        // Pushes settle in a few rounds; the bound only stops a cycle, which the
        // free-spot fallback below then breaks.
        for _ in 0..2 * n + 8 {
            let mut pushed = false;
            for i in 0..n {
                for j in i + 1..n {
                    if !apart(&r[i], &r[j]) {
                        let (fixed, mover) = match (pinned[i], pinned[j]) {
                            (true, false) => (i, j),
                            (false, true) => (j, i),
                            _ if (r[i].y, r[i].x) <= (r[j].y, r[j].x) => (i, j),
                            _ => (j, i),
                        };
                        let (dx, dy) = push_out(&r[fixed], &r[mover]);
                        r[mover].x += dx;
                        r[mover].y += dy;
                        pushed = true;
                    }
                }
            }
            if !pushed {
                break;
            }
        }
        let mut shift: BTreeMap<String, Pt> = BTreeMap::new();
        for (k, name) in names.iter().enumerate() {
            let old = rects[*name];
            if (r[k].x, r[k].y) != (old.x, old.y) {
                shift.insert(name.to_string(), Pt::new(r[k].x - old.x, r[k].y - old.y));
            }
        }
        self.shift_sites(t, &shift);
        // A cycle of pushes (rare): what still overlaps goes to a free spot.
        for _ in 0..n {
            let rects = self.site_rects(t);
            let v: Vec<(&String, &Rect)> = rects.iter().collect();
            let clash = v.iter().enumerate().find_map(|(i, (a, ra))| {
                v[i + 1..]
                    .iter()
                    .find(|(_, rb)| !apart(ra, rb))
                    .map(|(b, _)| if keep.contains(b.as_str()) { *a } else { *b })
            });
            let Some(name) = clash else { break };
            let r = rects[name];
            let spot = self.free_spot(t, r.w, r.h);
            let mut one = BTreeMap::new();
            one.insert(name.clone(), Pt::new(spot.x - r.x, spot.y - r.y));
            self.shift_sites(t, &one);
        }
    }

    /// Moves each site of `shift` (its members and anchor) by its offset.
    fn shift_sites(&mut self, t: &Topology, shift: &BTreeMap<String, Pt>) {
        if shift.is_empty() {
            return;
        }
        for (name, site) in devices(t) {
            if let (Some(d), Some(p)) = (site.and_then(|s| shift.get(s)), self.devices.get_mut(name)) {
                *p = Pt::new(p.x + d.x, p.y + d.y);
            }
        }
        for (name, d) in shift {
            if let Some(a) = self.sites.get_mut(name) {
                *a = Pt::new(a.x + d.x, a.y + d.y);
            }
        }
    }

    /// Anchors follow their site's members, so an emptied site stays where it was.
    pub fn normalize(&mut self, t: &Topology) {
        for (name, r) in self.site_rects(t) {
            self.sites.insert(name, Pt::new(r.x, r.y));
        }
    }

    /// The first free slot for a new device in `site`.
    fn slot_in_site(&self, t: &Topology, site: &str) -> Pt {
        let members: Vec<Pt> = devices(t)
            .into_iter()
            .filter(|(_, s)| *s == Some(site))
            .filter_map(|(d, _)| self.devices.get(d).copied())
            .collect();
        let origin = if members.is_empty() {
            let a = self.sites.get(site).copied().unwrap_or(Pt::new(MARGIN, MARGIN));
            Pt::new(a.x + 14.0 + DEV_LEFT, a.y + SITE_TITLE + DEV_TOP)
        } else {
            let minx = members.iter().map(|p| p.x).fold(f64::INFINITY, f64::min);
            let miny = members.iter().map(|p| p.y).fold(f64::INFINITY, f64::min);
            Pt::new(minx, miny)
        };
        let cols = (members.len() + 1).clamp(3, 8);
        for i in 0.. {
            let p = Pt::new(origin.x + (i % cols) as f64 * SLOT_W, origin.y + (i / cols) as f64 * SLOT_H);
            let taken = members.iter().any(|m| device_box(*m).intersects(&device_box(p)));
            if !taken {
                return p;
            }
        }
        origin
    }

    /// Top-left corner of a free `w`×`h` area near the drawing.
    fn free_spot(&self, t: &Topology, w: f64, h: f64) -> Pt {
        let Some(b) = self.bounds(t) else {
            return Pt::new(MARGIN, MARGIN);
        };
        let mut taken: Vec<Rect> = self.site_rects(t).into_values().collect();
        taken.extend(devices(t).iter().filter_map(|(n, _)| self.devices.get(*n)).map(|p| device_box(*p)));
        let width = b.w.max(1000.0);
        // Finer steps for small drawings, coarser for large ones (bounded work).
        let step = ((width * (b.h + h)) / 40_000.0).sqrt().max(24.0);
        let mut y = b.y;
        while y <= b.bottom() + step {
            let mut x = b.x;
            while x + w <= b.x + width + w {
                let r = Rect { x, y, w, h }.grow(GAP / 2.0);
                if !taken.iter().any(|o| o.intersects(&r)) {
                    return Pt::new(x, y).rounded();
                }
                x += step;
            }
            y += step;
        }
        Pt::new(b.x, b.bottom() + GAP).rounded()
    }
}

/// The widest a device's name or address line is drawn: its box, less a little,
/// so that labels of devices whose boxes do not overlap never collide.
pub const LABEL_MAX_W: f64 = 2.0 * DEV_LEFT - 4.0;
/// A character's width, estimated: a device's name (12 px, semibold), its
/// address line (10.5 px).
pub const NAME_CHAR_W: f64 = 7.4;
pub const SUB_CHAR_W: f64 = 6.2;

/// `text` as drawn in `max_w` pixels at `char_w` a character: cut short with
/// "…" when longer (the element's tooltip keeps the whole text).
pub fn fit_text(text: &str, char_w: f64, max_w: f64) -> String {
    let fits = (max_w / char_w).floor() as usize;
    if text.chars().count() <= fits {
        return text.to_string();
    }
    let mut out: String = text.chars().take(fits.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// Where a device's two label lines (name, addresses, as `fit_text` cut them)
/// are drawn: centred under its icon.
pub fn label_rect(p: Pt, name: &str, sub: &str) -> Rect {
    let chars = |s: &str| s.chars().count() as f64;
    let w = (chars(name) * NAME_CHAR_W).max(chars(sub) * SUB_CHAR_W).min(LABEL_MAX_W);
    Rect { x: p.x - w / 2.0, y: p.y + 27.0, w, h: 30.0 }
}

/// A character's width, estimated: a site's title (13 px, bold), its caption
/// (11.5 px).
const SITE_NAME_CHAR_W: f64 = 8.0;
const SITE_SUB_CHAR_W: f64 = 6.5;

/// Where a site's caption goes: `true` under its title (when both do not fit
/// on one line of a box `w` wide, as in an empty site's box), else at the
/// title's right.
pub fn site_caption_below(name: &str, sub: &str, w: f64) -> bool {
    let chars = |s: &str| s.chars().count() as f64;
    12.0 + chars(name) * SITE_NAME_CHAR_W + 16.0 + chars(sub) * SITE_SUB_CHAR_W + 12.0 > w
}

/// Space kept between two sites' boxes when one pushes another.
const SITE_GAP: f64 = 48.0;

/// True when two site boxes keep `SITE_GAP` between them.
fn apart(a: &Rect, b: &Rect) -> bool {
    !a.grow(SITE_GAP / 2.0).intersects(&b.grow(SITE_GAP / 2.0))
}

/// The shortest move (right, left, down or up, whole pixels) that takes
/// `mover` `SITE_GAP` away from `fixed`.
fn push_out(fixed: &Rect, mover: &Rect) -> (f64, f64) {
    let right = (fixed.right() + SITE_GAP - mover.x).ceil();
    let left = (mover.right() + SITE_GAP - fixed.x).ceil();
    let down = (fixed.bottom() + SITE_GAP - mover.y).ceil();
    let up = (mover.bottom() + SITE_GAP - fixed.y).ceil();
    let ways = [(right, (right, 0.0)), (left, (-left, 0.0)), (down, (0.0, down)), (up, (0.0, -up))];
    ways.into_iter().fold((f64::INFINITY, (0.0, 0.0)), |best, w| if w.0 < best.0 { w } else { best }).1
}

/// True when two of `boxes` overlap (sorted by their left side, each compared
/// only with those that start before it ends).
fn any_overlap(boxes: &[Rect]) -> bool {
    let mut v: Vec<&Rect> = boxes.iter().collect();
    meshplan_core::sort::sort_by(&mut v, |a, b| a.x.total_cmp(&b.x));
    v.iter().enumerate().any(|(i, a)| v[i + 1..].iter().take_while(|b| b.x < a.right()).any(|b| a.intersects(b)))
}

/// Width and height of a site block that holds `n` devices.
fn site_size(n: usize) -> (f64, f64) {
    if n == 0 {
        return EMPTY_SITE;
    }
    let cols = site_cols(n);
    let rows = n.div_ceil(cols);
    (cols as f64 * SLOT_W + 28.0, rows as f64 * SLOT_H + SITE_TITLE + 8.0)
}

fn site_cols(n: usize) -> usize {
    if n <= 3 {
        n.max(1)
    } else if n <= 6 {
        3
    } else {
        (n as f64).sqrt().ceil() as usize
    }
}

/// A fresh layout: sites in a grid ordered so that linked sites sit side by side
/// (breadth first from the site with the most nodes), members in a grid inside
/// their site, devices without a site below.
pub fn auto(t: &Topology) -> Layout {
    let mut layout = Layout::default();
    let order = site_order(t);
    let n = order.len();
    let cols = if n == 0 { 1 } else { (n as f64).sqrt().ceil() as usize };
    let members = |site: &str| -> Vec<&str> {
        let mut m: Vec<&str> = Vec::new();
        m.extend(t.routers.iter().filter(|(_, r)| r.site.as_deref() == Some(site)).map(|(n, _)| n.as_str()));
        m.extend(t.nodes.iter().filter(|(_, d)| d.site == site).map(|(n, _)| n.as_str()));
        m.extend(t.hosts.iter().filter(|(_, h)| h.site.as_deref() == Some(site)).map(|(n, _)| n.as_str()));
        m
    };
    // Grid cells: column widths and row heights from the largest block in each.
    let sizes: Vec<(f64, f64)> = order.iter().map(|s| site_size(members(s).len())).collect();
    let rows = n.div_ceil(cols.max(1));
    let cell = |i: usize| -> (usize, usize) {
        let r = i / cols;
        let c = i % cols;
        // Snake order: odd rows run right to left, so a chain stays adjacent.
        (r, if r % 2 == 1 { cols - 1 - c } else { c })
    };
    let mut col_w = vec![0.0f64; cols];
    let mut row_h = vec![0.0f64; rows];
    for (i, (w, h)) in sizes.iter().enumerate() {
        let (r, c) = cell(i);
        col_w[c] = col_w[c].max(*w);
        row_h[r] = row_h[r].max(*h);
    }
    let mut blocks: BTreeMap<&str, Rect> = BTreeMap::new();
    for (i, site) in order.iter().enumerate() {
        let (r, c) = cell(i);
        let x = MARGIN + col_w[..c].iter().sum::<f64>() + GAP * c as f64;
        let y = MARGIN + row_h[..r].iter().sum::<f64>() + GAP_Y * r as f64;
        let (w, h) = sizes[i];
        // Centre the block in its cell.
        let x = x + (col_w[c] - w) / 2.0;
        let y = y + (row_h[r] - h) / 2.0;
        layout.sites.insert(site.to_string(), Pt::new(x, y));
        blocks.insert(site.as_str(), Rect { x, y, w, h });
    }
    // Inside a site, a device linked to sites on the left goes left, one linked
    // to the right goes right, so its links do not cross its neighbours.
    fn home<'a>(t: &'a Topology, name: &'a str) -> Option<&'a str> {
        if t.sites.contains_key(name) && t.kind_of(name) == Some(meshplan_core::model::Kind::Site) {
            Some(name)
        } else {
            t.site_of(name)
        }
    }
    let pull = |device: &str, own: &Rect| -> i32 {
        let mut dx = 0.0;
        for l in &t.links {
            let other = match (&l.between[0], &l.between[1]) {
                (a, b) if a == device => b,
                (a, b) if b == device => a,
                _ => continue,
            };
            if let Some(r) = home(t, other).and_then(|s| blocks.get(s)) {
                dx += r.center().x - own.center().x;
            }
        }
        if dx < -1.0 {
            -1
        } else if dx > 1.0 {
            1
        } else {
            0
        }
    };
    for (site, block) in &blocks {
        let mut m = members(site);
        meshplan_core::sort::sort_by_key(&mut m, |d| pull(d, block));
        let mc = site_cols(m.len());
        for (j, d) in m.iter().enumerate() {
            let p = Pt::new(
                block.x + 14.0 + DEV_LEFT + (j % mc) as f64 * SLOT_W,
                block.y + SITE_TITLE + DEV_TOP + (j / mc) as f64 * SLOT_H,
            );
            layout.devices.insert(d.to_string(), p);
        }
    }
    // Devices outside any site: a row below the sites.
    let bottom = MARGIN + row_h.iter().sum::<f64>() + GAP_Y * rows as f64;
    let loose: Vec<&str> =
        devices(t).into_iter().filter(|(_, s)| s.is_none_or(|s| !t.sites.contains_key(s))).map(|(n, _)| n).collect();
    for (j, d) in loose.iter().enumerate() {
        layout.devices.insert(d.to_string(), Pt::new(MARGIN + DEV_LEFT + j as f64 * SLOT_W, bottom + DEV_TOP));
    }
    layout.normalize(t);
    layout
}

/// Sites breadth first over the links between them (a link between two devices
/// joins their sites), starting from the site with the most nodes.
fn site_order(t: &Topology) -> Vec<String> {
    let site_of = |name: &str| -> Option<String> {
        if t.sites.contains_key(name) && t.kind_of(name) == Some(meshplan_core::model::Kind::Site) {
            return Some(name.to_string());
        }
        t.site_of(name).filter(|s| t.sites.contains_key(*s)).map(str::to_string)
    };
    let mut adj: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for l in &t.links {
        if let (Some(a), Some(b)) = (site_of(&l.between[0]), site_of(&l.between[1])) {
            if a != b {
                adj.entry(a.clone()).or_default().insert(b.clone());
                adj.entry(b).or_default().insert(a);
            }
        }
    }
    let weight = |s: &str| t.nodes.values().filter(|n| n.site == s).count();
    let mut remaining: Vec<&String> = t.sites.keys().collect();
    let mut order = Vec::new();
    let mut seen = BTreeSet::new();
    while !remaining.is_empty() {
        // Start each component at its heaviest site (ties: the first name).
        let start = remaining
            .iter()
            .copied()
            .max_by(|a, b| weight(a).cmp(&weight(b)).then_with(|| b.cmp(a)))
            .cloned()
            .unwrap_or_default();
        let mut queue = VecDeque::from([start.clone()]);
        seen.insert(start);
        while let Some(s) = queue.pop_front() {
            if let Some(next) = adj.get(&s) {
                for n in next {
                    if seen.insert(n.clone()) {
                        queue.push_back(n.clone());
                    }
                }
            }
            order.push(s);
        }
        remaining.retain(|s| !seen.contains(*s));
    }
    order
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_saved_whole_and_older_decimals_read_rounded() {
        use crate::history::{decode, encode};
        for (text, want) in [
            ("-40", Some(-40)),
            ("120.5", Some(121)),
            ("-120.5", Some(-121)),
            ("120.49", Some(120)),
            ("0.5", Some(1)),
            (".4", Some(0)),
            ("1e3", Some(1000)),
            ("1.25E+2", Some(125)),
            ("5e-3", Some(0)),
            ("5e-1", Some(1)),
            ("-0.0", Some(0)),
            ("1e99", Some(1 << 40)),
            ("", None),
            ("1.2.3", None),
            ("x", None),
            ("1e", None),
        ] {
            assert_eq!(whole::rounded(text), want, "{text}");
        }
        // An earlier release's save, with decimals: read rounded.
        let old = r#"{"devices":{"a":{"x":120.5,"y":-40.25}},"sites":{"S":{"x":0.0,"y":1e3}}}"#;
        let l: Layout = decode(old).expect("an earlier save reads");
        assert_eq!(l.devices["a"], Pt::new(121.0, -40.0));
        assert_eq!(l.sites["S"], Pt::new(0.0, 1000.0));
        // Written as whole numbers, and read back as they were.
        let mut l2 = l.clone();
        l2.devices.insert("b".into(), Pt::new(10.6, -3.2));
        let text = encode(&l2).unwrap();
        assert_eq!(text, r#"{"devices":{"a":{"x":121,"y":-40},"b":{"x":11,"y":-3}},"sites":{"S":{"x":0,"y":1000}}}"#);
        let back: Layout = decode(&text).unwrap();
        assert_eq!(back.devices["b"], Pt::new(10.6, -3.2).rounded());
    }

    fn example() -> Topology {
        meshplan_core::parse(include_str!("../../examples/calico-wds-hkg.yaml")).topology.unwrap()
    }

    #[test]
    fn auto_places_everything_without_overlap() {
        let t = example();
        let l = auto(&t);
        for (name, _) in devices(&t) {
            assert!(l.devices.contains_key(name), "{name} has no position");
        }
        let rects: Vec<Rect> = l.site_rects(&t).into_values().collect();
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                assert!(!a.intersects(b), "sites overlap: {a:?} {b:?}");
            }
        }
    }

    #[test]
    fn linked_sites_come_next_to_each_other() {
        assert_eq!(site_order(&example()), ["WDS", "zt-domestic", "IEPL", "zt-global"]);
    }

    #[test]
    fn fit_keeps_known_positions_and_places_new_ones() {
        let mut t = example();
        let mut l = auto(&t);
        let before = l.devices["gateway"];
        let mut n = t.nodes["kubemaster"].clone();
        n.site = "WDS".into();
        t.nodes.insert("newnode".into(), n);
        l.fit_to(&t);
        assert_eq!(l.devices["gateway"], before);
        let p = l.devices["newnode"];
        for (name, q) in &l.devices {
            if name != "newnode" {
                assert!((q.x - p.x).abs() > 1.0 || (q.y - p.y).abs() > 1.0, "newnode on top of {name}");
            }
        }
    }

    use crate::test_rng::Rng;

    /// What the page holds to: no two site boxes overlap, no two device labels
    /// of a site collide, every position is a whole pixel.
    fn assert_tidy(t: &Topology, l: &Layout, step: &str) {
        let rects: Vec<(String, Rect)> = l.site_rects(t).into_iter().collect();
        for (i, (a, ra)) in rects.iter().enumerate() {
            for (b, rb) in &rects[i + 1..] {
                assert!(!ra.intersects(rb), "{step}: sites {a} and {b} overlap: {ra:?} {rb:?}");
            }
        }
        for site in t.sites.keys() {
            let labels: Vec<(&str, Rect)> = devices(t)
                .into_iter()
                .filter(|(_, s)| *s == Some(site.as_str()))
                .map(|(d, _)| {
                    let name = fit_text(d, NAME_CHAR_W, LABEL_MAX_W);
                    let sub = fit_text("10.100.200.250, fd00:100:200::250", SUB_CHAR_W, LABEL_MAX_W);
                    (d, label_rect(l.devices[d], &name, &sub))
                })
                .collect();
            for (i, (a, ra)) in labels.iter().enumerate() {
                for (b, rb) in &labels[i + 1..] {
                    assert!(!ra.intersects(rb), "{step}: labels of {a} and {b} in {site} collide");
                }
            }
        }
        for p in l.devices.values().chain(l.sites.values()) {
            assert_eq!(*p, p.rounded(), "{step}: {p:?} is not a whole pixel");
        }
    }

    /// Random growth, as a person builds a design: sites, nodes and routers
    /// added, sites and devices dragged (anywhere, onto others too), devices
    /// moved to another site. After every step the drawing is tidy, and a
    /// dragged site stays where it was put.
    #[test]
    fn random_growth_keeps_sites_apart_and_labels_clear() {
        let base = example();
        let node = base.nodes["kubemaster"].clone();
        let router = base.routers["gateway"].clone();
        let site = base.sites["WDS"].clone();
        for seed in 1..=60u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
            let mut t = base.clone();
            let mut l = auto(&t);
            for step in 0..40 {
                let sites: Vec<String> = t.sites.keys().cloned().collect();
                let devs: Vec<String> = devices(&t).iter().map(|(d, _)| d.to_string()).collect();
                let what = match rng.below(10) {
                    0 => {
                        t.sites.insert(format!("site-{seed}-{step}"), site.clone());
                        l.fit_to(&t);
                        "add a site"
                    }
                    1..=4 => {
                        let mut n = node.clone();
                        n.site = sites[rng.below(sites.len())].clone();
                        // Names up to 40 characters: long labels are cut to their box.
                        let name = format!("node-{seed}-{step}-{}", "x".repeat(rng.below(25)));
                        t.nodes.insert(name, n);
                        l.fit_to(&t);
                        "add a node"
                    }
                    5 => {
                        let mut r = router.clone();
                        r.site = Some(sites[rng.below(sites.len())].clone());
                        t.routers.insert(format!("router-{seed}-{step}"), r);
                        l.fit_to(&t);
                        "add a router"
                    }
                    6 | 7 => {
                        let s = sites[rng.below(sites.len())].clone();
                        let (dx, dy) = (rng.offset(), rng.offset());
                        for (d, ds) in devices(&t) {
                            if ds == Some(s.as_str()) {
                                let p = l.devices.get_mut(d).unwrap();
                                *p = Pt::new(p.x + dx, p.y + dy);
                            }
                        }
                        let a = l.sites.get_mut(&s).unwrap();
                        *a = Pt::new(a.x + dx, a.y + dy);
                        let before = l.site_rects(&t)[&s];
                        l.tidy(&t, &meshplan_core::sort::set([s.as_str()]), None);
                        assert_eq!(l.site_rects(&t)[&s], before, "seed {seed} step {step}: the dragged site moved");
                        "drag a site"
                    }
                    8 => {
                        let d = devs[rng.below(devs.len())].clone();
                        let p = l.devices.get_mut(&d).unwrap();
                        *p = Pt::new(p.x + rng.offset() / 4.0, p.y + rng.offset() / 4.0).rounded();
                        let keep = meshplan_core::sort::set(t.site_of(&d));
                        l.tidy(&t, &keep, Some(&d));
                        "drag a device"
                    }
                    _ => {
                        let Some(n) = t.nodes.keys().nth(rng.below(t.nodes.len())).cloned() else { continue };
                        t.nodes.get_mut(&n).unwrap().site = sites[rng.below(sites.len())].clone();
                        l.fit_to(&t);
                        "move a node to another site"
                    }
                };
                assert_tidy(&t, &l, &format!("seed {seed} step {step} ({what})"));
            }
        }
    }

    #[test]
    fn a_site_that_grows_pushes_its_neighbour_aside() {
        let mut t = example();
        let mut l = auto(&t);
        let rects = l.site_rects(&t);
        let wds = rects["WDS"];
        for i in 0..12 {
            let mut n = t.nodes["kubemaster"].clone();
            n.site = "WDS".into();
            t.nodes.insert(format!("grow{i:02}"), n);
            l.fit_to(&t);
        }
        let after = l.site_rects(&t);
        // WDS grew where it was; every other site keeps clear of it.
        assert_eq!((after["WDS"].x, after["WDS"].y), (wds.x, wds.y));
        assert!(after["WDS"].w > wds.w || after["WDS"].h > wds.h);
        assert_tidy(&t, &l, "grown");
        assert!(after.iter().any(|(n, r)| rects[n] != *r && n != "WDS"), "no neighbour moved");
    }

    #[test]
    fn an_empty_sites_caption_goes_under_its_title() {
        let (w, _) = EMPTY_SITE;
        assert!(site_caption_below("zt-domestic", "zerotier · MTU 1420", w));
        assert!(!site_caption_below("WDS", "lan · MTU 1500", 600.0));
    }

    #[test]
    fn a_collapsed_site_is_one_box_saved_with_the_layout() {
        use crate::history::{decode, encode};
        let t = example();
        let mut l = auto(&t);
        let open = l.site_rects(&t)["zt-global"];
        l.toggle_collapsed(&t, "zt-global");
        let shut = l.site_rects(&t)["zt-global"];
        assert_eq!((shut.x, shut.y, shut.w, shut.h), (open.x, open.y, COLLAPSED_SITE.0, COLLAPSED_SITE.1));
        assert_eq!(l.hidden_in(&t, "kubenode-hkg04"), Some("zt-global"));
        assert_eq!(l.hidden_in(&t, "kubemaster"), None);
        // Saved with the layout, read back; a save without it reads as before.
        let text = encode(&l).unwrap();
        assert!(text.ends_with(r#""collapsed":["zt-global"]}"#), "{text}");
        assert_eq!(decode::<Layout>(&text).unwrap(), l);
        // Open again: the members where they were, the box as before.
        l.toggle_collapsed(&t, "zt-global");
        assert_eq!(l.site_rects(&t)["zt-global"], open);
        assert!(!encode(&l).unwrap().contains("collapsed"));
        assert_tidy(&t, &l, "opened");
    }

    #[test]
    fn long_labels_are_cut_to_their_box() {
        assert_eq!(fit_text("kubenode-hkg04", NAME_CHAR_W, LABEL_MAX_W), "kubenode-hkg04");
        let long = "a-very-long-kubernetes-node-name-indeed";
        let cut = fit_text(long, NAME_CHAR_W, LABEL_MAX_W);
        assert!(cut.ends_with('…') && cut.chars().count() as f64 * NAME_CHAR_W <= LABEL_MAX_W, "{cut}");
    }

    #[test]
    fn border_point_lies_on_the_box() {
        let r = Rect { x: 0.0, y: 0.0, w: 100.0, h: 50.0 };
        let p = r.border_towards(Pt::new(500.0, 25.0));
        assert_eq!((p.x, p.y), (100.0, 25.0));
    }
}
